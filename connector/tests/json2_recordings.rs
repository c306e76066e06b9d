//! The JSON-2 recordings (../shared/odoo-json2/*/index.json) are the
//! contract of the JSON-2 transport: each recorded request is rebuilt as a
//! connector call and sent over HTTP to a server that checks the method,
//! path, headers (all but the key) and body (as a JSON value), then answers
//! with the recorded response, which must decode to the recorded value or
//! the right kind of error. New recordings need no code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use connector::client::KwCall;
use connector::json2;
use connector::xmlrpc::{Struct, Value};
use connector::{Client, Credentials, Error, FaultKind, Transport};
use serde::Deserialize;
use serde_json::Value as Json;

#[derive(Deserialize)]
struct Index {
    db: String,
    calls: Vec<IndexCall>,
}

#[derive(Deserialize)]
struct IndexCall {
    file: String,
    path: String,
    status: u16,
}

#[derive(Deserialize)]
struct RecordedRequest {
    method: String,
    path: String,
    headers: std::collections::BTreeMap<String, String>,
    body: String,
}

#[derive(Deserialize)]
struct RecordedResponse {
    status: u16,
    body: String,
}

fn json2_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/odoo-json2")
}

/// The connector call a recorded JSON-2 request stands for: named
/// arguments back to the positional ones of `execute_kw`.
fn call_from(path: &str, body: &Json) -> KwCall {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let [_, _, model, method] = parts.as_slice() else {
        panic!("not a JSON-2 path: {path}")
    };
    let mut named: Struct = match json2::from_json(body.clone()) {
        Value::Struct(s) => s,
        other => panic!("body is not an object: {other}"),
    };
    let args = match *method {
        "search" | "search_count" | "search_read" => {
            vec![named.remove("domain").unwrap_or(Value::Array(vec![]))]
        }
        "create" => match named.remove("vals_list") {
            Some(Value::Array(mut list)) if list.len() == 1 => vec![list.remove(0)],
            Some(list) => vec![list],
            None => vec![],
        },
        "write" => vec![named.remove("ids").unwrap(), named.remove("vals").unwrap()],
        _ => named.remove("ids").into_iter().collect(),
    };
    let mut call = KwCall::new(*model, *method, args);
    call.kwargs = named;
    call
}

#[tokio::test]
async fn every_recorded_json2_exchange_round_trips() {
    let mut replayed = 0;
    for dir in support::recording_dirs(&json2_dir()) {
        let index: Index =
            serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
        for entry in &index.calls {
            replay(&dir, &index, entry).await;
            replayed += 1;
        }
    }
    assert!(replayed >= 16, "only {replayed} JSON-2 exchanges");
}

async fn replay(dir: &Path, index: &Index, entry: &IndexCall) {
    let name = format!("{}/{}", dir.file_name().unwrap().to_string_lossy(), entry.file);
    let request: RecordedRequest = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{}.request.json", entry.file))).unwrap(),
    )
    .unwrap();
    let response: RecordedResponse = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{}.response.json", entry.file))).unwrap(),
    )
    .unwrap();
    assert_eq!(request.path, entry.path, "{name}");
    assert_eq!(response.status, entry.status, "{name}");

    let Ok(body) = serde_json::from_str::<Json>(&request.body) else {
        // A body the connector never sends (the malformed-JSON exchange):
        // only the answer is checked.
        let call = KwCall::new("res.partner", "search", vec![Value::Array(vec![])]);
        let err = json2::decode_response(&call, response.status, response.body.as_bytes()).unwrap_err();
        assert_eq!(err.fault_kind(), Some(FaultKind::Application), "{name}: {err}");
        return;
    };
    let call = call_from(&request.path, &body);
    // The transport alone writes the recorded path and body.
    let built = json2::request(&call).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(built.path, request.path, "{name}");
    assert_eq!(built.body, body, "{name}");

    // Over HTTP, through the client.
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let server = {
        let problems = problems.clone();
        let expected = request;
        let (status, answer) = (response.status, response.body.clone().into_bytes());
        support::serve_http(move |method, path, headers, got| {
            let mut p = problems.lock().unwrap();
            if method != expected.method {
                p.push(format!("method {method}, recorded {}", expected.method));
            }
            if path != expected.path {
                p.push(format!("path {path}, recorded {}", expected.path));
            }
            for (header, value) in &expected.headers {
                let sent = headers
                    .iter()
                    .find(|(h, _)| h.eq_ignore_ascii_case(header))
                    .map(|(_, v)| v.as_str());
                let ok = if header.eq_ignore_ascii_case("authorization") {
                    sent.is_some_and(|s| {
                        let (scheme, key) = s.split_once(' ').unwrap_or_default();
                        let recorded_scheme = value.split_once(' ').map(|(s, _)| s).unwrap_or_default();
                        scheme == recorded_scheme && !key.is_empty()
                    })
                } else if header.eq_ignore_ascii_case("content-type") {
                    sent.is_some_and(|s| s.starts_with(value.as_str()))
                } else {
                    sent == Some(value.as_str())
                };
                if !ok {
                    p.push(format!("header {header}: sent {sent:?}, recorded {value:?}"));
                }
            }
            match serde_json::from_slice::<Json>(&got) {
                Ok(sent) if sent == body => {}
                Ok(sent) => p.push(format!("body {sent}, recorded {body}")),
                Err(e) => p.push(format!("body is not JSON: {e}")),
            }
            (status, answer.clone())
        })
        .await
    };
    let client = Client::builder(server.url())
        .database(&index.db)
        .credentials(Credentials::api_key("recorded-user", "the-api-key"))
        .transport(Transport::Json2)
        .read_retries(0)
        .build()
        .unwrap();
    let outcome = client.execute(&call).await;
    let problems = problems.lock().unwrap().clone();
    assert!(problems.is_empty(), "{name}: {}", problems.join("\n"));

    let recorded: Json = serde_json::from_str(&response.body).unwrap();
    match (response.status, outcome) {
        (200, Ok(value)) => {
            let expected = match json2::from_json(recorded) {
                Value::Array(mut ids) if call.method == "create" && ids.len() == 1 => ids.remove(0),
                other => other,
            };
            assert_eq!(value, expected, "{name}");
        }
        (200, Err(e)) => panic!("{name}: {e}"),
        (status, Ok(v)) => panic!("{name}: recorded status {status}, decoded {v}"),
        (status, Err(e)) => {
            let expected = match status {
                401 => FaultKind::AccessDenied,
                403 => FaultKind::AccessError,
                404 if recorded["message"].as_str().is_some_and(|m| m.contains("model")) => {
                    FaultKind::UnknownModel
                }
                404 => FaultKind::MissingRecord,
                422 => FaultKind::Validation,
                _ => FaultKind::Application,
            };
            assert_eq!(e.fault_kind(), Some(expected), "{name}: {e}");
            let Error::Fault { message, .. } = &e else {
                unreachable!()
            };
            assert_eq!(Some(message.as_str()), recorded["message"].as_str(), "{name}");
        }
    }
}
