//! Property tests of the XML-RPC codec: arbitrary bytes, mutated and
//! truncated recordings never make the decoder panic; any value tree
//! survives encode and decode unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use connector::xmlrpc::{
    decode_call, decode_response, encode_call, encode_fault, encode_response, MethodResponse, Struct, Value,
};
use proptest::prelude::*;

/// Text that XML 1.0 can carry (it cannot carry most control characters).
fn xml_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[\\t\\n\\r -\u{D7FF}\u{E000}-\u{FFFD}\u{10000}-\u{10FFFF}]{0,24}")
        .unwrap()
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
        xml_text().prop_map(Value::String),
        any::<f64>()
            .prop_filter("finite", |d| d.is_finite())
            .prop_map(Value::Double),
        (0i64..4_000_000_000)
            .prop_map(|s| Value::DateTime(chrono::DateTime::from_timestamp(s, 0).unwrap().naive_utc())),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Base64),
        Just(Value::Nil),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((xml_text(), inner), 0..6)
                .prop_map(|members| Value::Struct(members.into_iter().collect::<Struct>())),
        ]
    })
}

fn recorded_bodies() -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    for dir in support::recording_dirs(&support::wire_dir()) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let small = entry.metadata().map(|m| m.len() < 64 * 1024).unwrap_or(false);
            if path.extension().is_some_and(|e| e == "xml") && small {
                bodies.push(std::fs::read(path).unwrap());
            }
        }
    }
    assert!(!bodies.is_empty());
    bodies
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_response(&bytes);
        let _ = decode_call(&bytes);
    }

    #[test]
    fn xmlish_garbage_never_panics(
        parts in proptest::collection::vec(prop_oneof![
            Just("<value>"), Just("</value>"), Just("<array><data>"), Just("</data></array>"),
            Just("<struct>"), Just("</struct>"), Just("<member><name>a</name>"), Just("</member>"),
            Just("<int>1</int>"), Just("<string>x</string>"), Just("<nil/>"), Just("<boolean>2</boolean>"),
            Just("<methodResponse><params><param>"), Just("</param></params></methodResponse>"),
            Just("<fault>"), Just("</fault>"), Just("&amp;"), Just("&bogus;"), Just("<![CDATA[x]]>"),
            Just("<double>1e999</double>"), Just("<base64>!!</base64>"), Just("text"),
        ], 0..40)
    ) {
        let body = parts.concat();
        let _ = decode_response(body.as_bytes());
        let _ = decode_call(body.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn any_value_round_trips(v in value()) {
        let body = encode_response(&v);
        let decoded = decode_response(body.as_bytes()).unwrap();
        prop_assert_eq!(decoded, MethodResponse::Success(v.clone()));
        let call = encode_call("execute_kw", std::slice::from_ref(&v));
        let decoded = decode_call(call.as_bytes()).unwrap();
        prop_assert_eq!(decoded.params, vec![v]);
    }

    #[test]
    fn faults_round_trip(code in any::<i32>(), text in xml_text()) {
        let decoded = decode_response(encode_fault(code, &text).as_bytes()).unwrap();
        let MethodResponse::Fault(fault) = decoded else { panic!("not a fault") };
        prop_assert_eq!(fault.code, code);
        prop_assert_eq!(fault.string, text);
    }

    #[test]
    fn mutated_recordings_never_panic(pick in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let bodies = recorded_bodies();
        let mut body = bodies[pick.index(bodies.len())].clone();
        let at = at.index(body.len());
        body[at] = byte;
        let _ = decode_response(&body);
        let _ = decode_call(&body);
    }

    #[test]
    fn truncated_recordings_are_errors(pick in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let bodies = recorded_bodies();
        let body = &bodies[pick.index(bodies.len())];
        // Cut before the root element closes: the document is incomplete.
        let end = body.windows(2).rposition(|w| w == b"</").unwrap();
        let cut = cut.index(end);
        prop_assert!(decode_response(&body[..cut]).is_err() || decode_call(&body[..cut]).is_err());
        prop_assert!(decode_response(&body[..cut]).is_err());
        prop_assert!(decode_call(&body[..cut]).is_err());
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let body = format!(
        "<methodResponse><params><param><value>{}{}</value></param></params></methodResponse>",
        "<array><data><value>".repeat(depth),
        "</value></data></array>".repeat(depth),
    );
    let err = decode_response(body.as_bytes()).unwrap_err();
    assert!(err.message.contains("nested"), "{err}");
}

#[test]
fn escaping_both_ways() {
    let text = "<b>Bio</b> & \"local\" 'pain' \r\n ]]> é 🥖";
    let body = encode_response(&Value::from(text));
    assert!(body.contains("&lt;b&gt;Bio&lt;/b&gt; &amp;"), "{body}");
    assert!(body.contains("&#13;"), "{body}");
    assert_eq!(
        decode_response(body.as_bytes()).unwrap(),
        MethodResponse::Success(Value::from(text))
    );
    // Entities and character references a server may use.
    let body = "<methodResponse><params><param><value>a &lt; b &amp;&#38; &#x1F956; &quot;q&apos;</value></param></params></methodResponse>";
    assert_eq!(
        decode_response(body.as_bytes()).unwrap(),
        MethodResponse::Success(Value::from("a < b && 🥖 \"q'"))
    );
}

#[test]
fn every_value_type_decodes() {
    let body = r#"<?xml version="1.0"?>
<methodResponse><params><param><value><struct>
<member><name>int</name><value><int>-7</int></value></member>
<member><name>i4</name><value><i4>42</i4></value></member>
<member><name>bool</name><value><boolean>1</boolean></value></member>
<member><name>untyped</name><value>bare text</value></member>
<member><name>empty</name><value></value></member>
<member><name>emptystring</name><value><string/></value></member>
<member><name>double</name><value><double>12.5</double></value></member>
<member><name>when</name><value><dateTime.iso8601>20300614T09:00:00</dateTime.iso8601></value></member>
<member><name>blob</name><value><base64>aGVs
bG8=</base64></value></member>
<member><name>list</name><value><array><data><value><int>1</int></value><value>x</value></data></array></value></member>
<member><name>nothing</name><value><nil/></value></member>
<member><name>emptylist</name><value><array><data/></array></value></member>
<member><name>emptystruct</name><value><struct></struct></value></member>
</struct></value></param></params></methodResponse>"#;
    let MethodResponse::Success(Value::Struct(s)) = decode_response(body.as_bytes()).unwrap() else {
        panic!("not a struct")
    };
    assert_eq!(s.get("int"), Some(&Value::Int(-7)));
    assert_eq!(s.get("i4"), Some(&Value::Int(42)));
    assert_eq!(s.get("bool"), Some(&Value::Bool(true)));
    assert_eq!(s.get("untyped"), Some(&Value::from("bare text")));
    assert_eq!(s.get("empty"), Some(&Value::from("")));
    assert_eq!(s.get("emptystring"), Some(&Value::from("")));
    assert_eq!(s.get("double"), Some(&Value::Double(12.5)));
    let when = chrono::NaiveDate::from_ymd_opt(2030, 6, 14)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    assert_eq!(s.get("when"), Some(&Value::DateTime(when)));
    assert_eq!(s.get("blob"), Some(&Value::Base64(b"hello".to_vec())));
    assert_eq!(
        s.get("list"),
        Some(&Value::Array(vec![Value::Int(1), Value::from("x")]))
    );
    assert_eq!(s.get("nothing"), Some(&Value::Nil));
    assert_eq!(s.get("emptylist"), Some(&Value::Array(vec![])));
    assert_eq!(s.get("emptystruct"), Some(&Value::Struct(Struct::new())));
}

#[test]
fn encoder_writes_no_short_empty_elements() {
    let v = Value::Array(vec![
        Value::Struct(Struct::new()),
        Value::Array(vec![]),
        Value::from(""),
        Value::Nil,
    ]);
    let body = encode_call("x", &[v]) + &encode_call("y", &[]);
    assert!(!body.contains("/>"), "{body}");
    assert!(body.contains("<params>\n</params>"), "{body}");
    assert!(
        body.contains("<string></string>") && body.contains("<nil></nil>"),
        "{body}"
    );
}

#[test]
fn malformed_bodies_are_errors() {
    for body in [
        "",
        "not xml",
        "<methodResponse>",
        "<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
        "<methodResponse><params><param><value><int>1</int></value></param></params></methodResponse><x/>",
        "<methodResponse><params><param><value><boolean>yes</boolean></value></param></params></methodResponse>",
        "<methodResponse><params><param><value><unknown>1</unknown></value></param></params></methodResponse>",
        "<methodResponse><params><param><value><array><data><value><int>1</int></value></array></value></param></params></methodResponse>",
        "<methodResponse><fault><value><struct></struct></value></fault></methodResponse>",
        "<methodResponse><params><param><value><string>&nope;</string></value></param></params></methodResponse>",
        "<html><body>502 Bad Gateway</body></html>",
    ] {
        assert!(decode_response(body.as_bytes()).is_err(), "accepted {body:?}");
    }
    assert!(decode_response(b"\xff\xfe<methodResponse/>").is_err());
}

#[test]
fn large_base64_decodes_in_linear_time() {
    use base64::Engine as _;
    // 10 MB image: decoding must stay well within a second even in debug.
    let raw: Vec<u8> = (0..10_000_000u32).map(|i| (i % 251) as u8).collect();
    let text = base64::engine::general_purpose::STANDARD.encode(&raw);
    let body = format!("<methodResponse><params><param><value><base64>{text}</base64></value></param></params></methodResponse>");
    let started = std::time::Instant::now();
    let decoded = decode_response(body.as_bytes()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(decoded, MethodResponse::Success(Value::Base64(raw)));
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
}
