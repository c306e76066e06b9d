//! The double over real HTTP: endpoints, authentication, faults, and the
//! failure controls tests use (latency, injected faults, misbehaviours,
//! stop/resume, the call log, direct data access).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use connector::xmlrpc::{encode_call, Fault, Struct, Value};
use odoo_double::{Dataset, Misbehaviour, OdooDouble};
use support::*;

async fn common(double: &OdooDouble, method: &str, params: Vec<Value>) -> Result<Value, Fault> {
    call(&double.url(), "common", method, params).await
}

fn auth_params(db: &str, login: &str, password: &str) -> Vec<Value> {
    vec![
        db.into(),
        login.into(),
        password.into(),
        Value::Struct(Struct::new()),
    ]
}

#[tokio::test]
async fn version_answers_like_the_series() {
    for series in ["16.0", "17.0", "18.0", "19.0"] {
        let double = OdooDouble::start(Dataset::shop().with_series(series))
            .await
            .unwrap();
        let v = common(&double, "version", vec![]).await.unwrap();
        let v = v.as_struct().unwrap();
        assert_eq!(v.get("server_serie").and_then(Value::as_str), Some(series));
        assert_eq!(v.get("server_version").and_then(Value::as_str), Some(series));
        assert_eq!(v.get("protocol_version"), Some(&Value::Int(1)));
        let info = v.get("server_version_info").and_then(Value::as_array).unwrap();
        assert_eq!(info[0], Value::Int(series[..2].parse().unwrap()));
        assert_eq!(info[3], Value::from("final"));
        assert_eq!(info.len(), 6);
    }
}

#[tokio::test]
async fn authenticate_gives_a_uid_or_false_never_a_fault() {
    let double = shop().await;
    let db = double.db().to_owned();
    assert_eq!(
        common(&double, "authenticate", auth_params(&db, "admin", "admin")).await,
        Ok(Value::Int(2))
    );
    let key = double.admin_api_key().unwrap().to_owned();
    assert_eq!(
        common(&double, "authenticate", auth_params(&db, "admin", &key)).await,
        Ok(Value::Int(2))
    );
    assert_eq!(
        common(
            &double,
            "authenticate",
            auth_params(&db, "claire@example.com", "claire-password")
        )
        .await,
        Ok(Value::Int(5))
    );
    for (db, login, password) in [
        (db.as_str(), "admin", "wrong"),
        (db.as_str(), "nobody", "admin"),
        ("other-db", "admin", "admin"),
        (db.as_str(), "admin", ""),
        // The inactive superuser.
        (db.as_str(), "__system__", ""),
    ] {
        assert_eq!(
            common(&double, "authenticate", auth_params(db, login, password)).await,
            Ok(Value::Bool(false)),
            "{db} {login} {password}"
        );
    }
    let login = common(
        &double,
        "login",
        vec![db.as_str().into(), "admin".into(), "admin".into()],
    )
    .await;
    assert_eq!(login, Ok(Value::Int(2)));
    // A deactivated user can no longer log in.
    double.with_db(|db| db.archive("res.users", &[5])).unwrap();
    assert_eq!(
        common(
            &double,
            "authenticate",
            auth_params(&db, "claire@example.com", "claire-password")
        )
        .await,
        Ok(Value::Bool(false))
    );
}

#[tokio::test]
async fn execute_kw_with_wrong_credentials_is_access_denied() {
    let double = shop().await;
    let db = double.db().to_owned();
    let key = double.admin_api_key().unwrap().to_owned();
    let call_as = |db: String, uid: i64, password: String| {
        let url = double.url();
        async move {
            call(
                &url,
                "object",
                "execute_kw",
                vec![
                    db.into(),
                    Value::Int(uid),
                    password.into(),
                    "res.partner".into(),
                    "search".into(),
                    Value::Array(vec![Value::Array(vec![])]),
                    Value::Struct(Struct::new()),
                ],
            )
            .await
        }
    };
    for (d, uid, pw) in [
        (db.clone(), 2, "wrong".to_owned()),
        (db.clone(), 99, "admin".to_owned()),
        ("nope".to_owned(), 2, "admin".to_owned()),
        (db.clone(), 5, "admin".to_owned()),
    ] {
        let fault = call_as(d, uid, pw).await.unwrap_err();
        assert_eq!((fault.code, fault.string.as_str()), (3, "Access Denied"));
    }
    assert!(call_as(db.clone(), 2, "admin".into()).await.is_ok());
    assert!(
        call_as(db, 2, key).await.is_ok(),
        "an API key works in place of the password"
    );
}

#[tokio::test]
async fn http_level_answers() {
    let double = shop().await;
    let url = double.url();
    let answer = post(&url, "/xmlrpc/2/nothing", "x").await;
    assert_eq!(answer.status, 404);
    let answer = post(&url, "/web/login", "x").await;
    assert_eq!(answer.status, 404);
    let get = http().get(format!("{url}/xmlrpc/2/common")).send().await.unwrap();
    assert_eq!(get.status().as_u16(), 405);

    // A body that is not XML-RPC gets a fault, as from Odoo.
    for body in [
        "not xml at all",
        "<methodCall><methodName>version</methodName><params><param>",
        "",
    ] {
        let answer = post(&url, "/xmlrpc/2/object", body).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.content_type, "text/xml");
        let fault = answer.decode().unwrap_err();
        assert_eq!(fault.code, 1, "{body}");
        assert!(
            fault.string.starts_with("Traceback (most recent call last):"),
            "{}",
            fault.string
        );
    }
    // The legacy paths answer too.
    let answer = post(&url, "/xmlrpc/common", encode_call("version", &[])).await;
    assert!(answer.decode().is_ok());
    // Unknown service methods are faults.
    let fault = common(&double, "drop_database", vec![]).await.unwrap_err();
    assert_eq!(fault.code, 1);
    assert!(fault.string.contains("Method not available drop_database"));
}

#[tokio::test]
async fn malformed_calls_are_faults_not_crashes() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let bad_calls: Vec<(&str, Vec<Value>, Struct)> = vec![
        ("search", vec![Value::from("not a domain")], Struct::new()),
        (
            "search",
            vec![Value::Array(vec![Value::from("|")])],
            Struct::new(),
        ),
        (
            "search",
            vec![Value::Array(vec![Value::Array(vec![
                Value::from("name"),
                Value::from("~~"),
                Value::Int(1),
            ])])],
            Struct::new(),
        ),
        ("search", vec![], kwargs(vec![("limit", Value::from("ten"))])),
        ("search", vec![], kwargs(vec![("bogus", Value::Int(1))])),
        (
            "search",
            vec![
                Value::Array(vec![]),
                Value::Int(0),
                Value::Int(1),
                Value::from("id"),
                Value::Bool(false),
                Value::Int(9),
            ],
            Struct::new(),
        ),
        (
            "search_read",
            vec![],
            kwargs(vec![("order", Value::from("no_such_field desc"))]),
        ),
        (
            "search_read",
            vec![],
            kwargs(vec![("order", Value::from("name sideways"))]),
        ),
        ("read", vec![Value::from("x")], Struct::new()),
        ("read", vec![Value::Array(vec![Value::from("1")])], Struct::new()),
        (
            "read",
            vec![
                Value::Array(vec![Value::Int(1)]),
                Value::Array(vec![Value::from("no_such_field")]),
            ],
            Struct::new(),
        ),
        ("write", vec![Value::Array(vec![Value::Int(1)])], Struct::new()),
        (
            "write",
            vec![
                Value::Array(vec![Value::Int(1)]),
                Value::Struct(Struct::new().with("list_price", "cheap")),
            ],
            Struct::new(),
        ),
        (
            "write",
            vec![
                Value::Array(vec![Value::Int(1)]),
                Value::Struct(Struct::new().with("no_such_field", 1)),
            ],
            Struct::new(),
        ),
        (
            "write",
            vec![
                Value::Array(vec![Value::Int(1)]),
                Value::Struct(Struct::new().with(
                    "public_categ_ids",
                    Value::Array(vec![Value::Array(vec![Value::Int(9)])]),
                )),
            ],
            Struct::new(),
        ),
        ("create", vec![Value::Int(3)], Struct::new()),
        (
            "create",
            vec![Value::Struct(
                Struct::new().with("name", "X").with("type", "spaceship"),
            )],
            Struct::new(),
        ),
        (
            "search",
            vec![Value::Array(vec![Value::Array(vec![
                Value::from("list_price.name"),
                Value::from("="),
                Value::Int(1),
            ])])],
            Struct::new(),
        ),
        (
            "name_search",
            vec![Value::from("x"), Value::Array(vec![]), Value::from("nope")],
            Struct::new(),
        ),
    ];
    for (method, args, kw) in bad_calls {
        let label = format!("{method} {args:?} {kw:?}");
        let result = odoo.kw("product.template", method, args, kw).await;
        let fault = result.expect_err(&label);
        assert!((1..=4).contains(&fault.code), "{label}: {fault:?}");
    }
    // execute_kw with too few parameters, or of the wrong types.
    let url = double.url();
    for params in [
        vec![],
        vec![Value::from("shop")],
        vec![
            Value::from("shop"),
            Value::from("two"),
            Value::from("admin"),
            Value::Int(1),
            Value::Int(2),
        ],
        vec![
            Value::from("shop"),
            Value::Int(2),
            Value::from("admin"),
            Value::from("res.partner"),
            Value::from("search"),
            Value::Int(1),
        ],
        vec![
            Value::from("shop"),
            Value::Int(2),
            Value::from("admin"),
            Value::from("res.partner"),
            Value::from("search"),
            Value::Array(vec![]),
            Value::Int(1),
        ],
    ] {
        let fault = call(&url, "object", "execute_kw", params.clone())
            .await
            .unwrap_err();
        assert!(matches!(fault.code, 1 | 3), "{params:?}: {fault:?}");
    }
    assert!(common(&double, "authenticate", vec![]).await.is_err());
    // The double still serves.
    assert!(!odoo
        .search("product.template", domain(vec![]), Struct::new())
        .await
        .is_empty());
}

#[tokio::test]
async fn faults_like_odoo() {
    for series in ["16.0", "17.0", "18.0", "19.0"] {
        let double = OdooDouble::start(Dataset::shop().with_series(series))
            .await
            .unwrap();
        let odoo = Odoo::admin(&double).await;
        let fault = odoo
            .kw(
                "no.such.model",
                "search_read",
                vec![domain(vec![])],
                Struct::new(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (fault.code, fault.string.as_str()),
            (2, "Object no.such.model doesn't exist")
        );

        let fault = odoo
            .kw(
                "product.template",
                "search_read",
                vec![domain(vec![leaf("no_such_field", "=", 1)])],
                Struct::new(),
            )
            .await
            .unwrap_err();
        assert_eq!(fault.code, 1);
        assert!(fault.string.starts_with("Traceback (most recent call last):\n"));
        let word = if series == "19.0" { "condition" } else { "leaf" };
        assert_eq!(
            fault.string.trim_end().lines().last().unwrap(),
            format!("ValueError: Invalid field product.template.no_such_field in {word} ('no_such_field', '=', 1)")
        );
        // A path through a relation names the related model.
        let fault = odoo
            .kw(
                "product.template",
                "search",
                vec![domain(vec![leaf("categ_id.nope", "=", "x")])],
                Struct::new(),
            )
            .await
            .unwrap_err();
        assert!(
            fault.string.contains("Invalid field product.category.nope"),
            "{}",
            fault.string
        );

        let fault = odoo
            .kw(
                "sale.order",
                "create",
                vec![Value::Struct(Struct::new().with("partner_id", 999999))],
                Struct::new(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (fault.code, fault.string.as_str()),
            (
                2,
                "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)"
            )
        );
        // A read leaves out the records that do not exist (real Odoo 16
        // to 19): no fault.
        let read = odoo
            .kw(
                "product.template",
                "read",
                vec![Value::from(vec![1, 999, 998])],
                Struct::new().with("fields", vec![Value::from("name")]),
            )
            .await
            .unwrap();
        let ids: Vec<i64> = read
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.as_struct()?.get("id")?.as_i64())
            .collect();
        assert_eq!(ids, [1]);

        let fault = odoo
            .kw("product.template", "frobnicate", vec![], Struct::new())
            .await
            .unwrap_err();
        assert_eq!(fault.code, 1);
        assert!(fault.string.contains("AttributeError"), "{}", fault.string);
        let fault = odoo
            .kw("product.template", "_read", vec![], Struct::new())
            .await
            .unwrap_err();
        assert_eq!(fault.code, 4);
    }
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let double = shop().await;
    double.set_latency(Duration::from_millis(60));
    let started = Instant::now();
    common(&double, "version", vec![]).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(60));
    double.set_latency(Duration::ZERO);
    // A client with a shorter timeout gives up.
    double.set_latency(Duration::from_secs(30));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client
        .post(format!("{}/xmlrpc/2/common", double.url()))
        .body(encode_call("version", &[]))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    double.heal();
    common(&double, "version", vec![]).await.unwrap();
}

#[tokio::test]
async fn injected_faults_answer_the_next_calls() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let boom = Fault {
        code: 2,
        string: "The operation cannot be completed: boom".into(),
    };
    double.fail_with(boom.clone(), Some(2));
    for _ in 0..2 {
        assert_eq!(
            odoo.kw("res.partner", "search", vec![domain(vec![])], Struct::new())
                .await,
            Err(boom.clone())
        );
    }
    assert!(odoo
        .kw("res.partner", "search", vec![domain(vec![])], Struct::new())
        .await
        .is_ok());

    // Only the creates of sale orders, until healed.
    double.fail_on(Some("sale.order"), "create", boom.clone(), None);
    let order = Value::Struct(Struct::new().with("partner_id", 3));
    for _ in 0..3 {
        assert_eq!(
            odoo.kw("sale.order", "create", vec![order.clone()], Struct::new())
                .await,
            Err(boom.clone())
        );
    }
    assert!(odoo
        .kw("sale.order", "search", vec![domain(vec![])], Struct::new())
        .await
        .is_ok());
    assert!(odoo
        .kw(
            "crm.tag",
            "create",
            vec![Value::Struct(Struct::new().with("name", "t"))],
            Struct::new()
        )
        .await
        .is_ok());
    double.heal();
    assert!(odoo
        .kw("sale.order", "create", vec![order], Struct::new())
        .await
        .is_ok());

    // Any service method, e.g. authenticate.
    double.fail_on(
        None,
        "authenticate",
        Fault {
            code: 1,
            string: "down".into(),
        },
        Some(1),
    );
    assert!(common(
        &double,
        "authenticate",
        auth_params(double.db(), "admin", "admin")
    )
    .await
    .is_err());
    assert_eq!(
        common(
            &double,
            "authenticate",
            auth_params(double.db(), "admin", "admin")
        )
        .await,
        Ok(Value::Int(2))
    );
}

#[tokio::test]
async fn misbehaviours() {
    let double = shop().await;
    let url = double.url();
    let body = || encode_call("version", &[]);
    let send = |client: reqwest::Client| {
        let url = url.clone();
        async move {
            client
                .post(format!("{url}/xmlrpc/2/common"))
                .body(body())
                .send()
                .await
        }
    };

    double.misbehave(Misbehaviour::MalformedXml);
    let answer = post(&url, "/xmlrpc/2/common", body()).await;
    assert_eq!(answer.status, 200);
    assert!(connector::xmlrpc::decode_response(&answer.body).is_err());

    double.misbehave(Misbehaviour::HttpStatus(502));
    let answer = post(&url, "/xmlrpc/2/common", body()).await;
    assert_eq!(answer.status, 502);
    assert!(answer.content_type.starts_with("text/html"));
    assert!(answer.text().contains("Bad Gateway"));

    double.misbehave(Misbehaviour::EmptyBody);
    let answer = post(&url, "/xmlrpc/2/common", body()).await;
    assert_eq!((answer.status, answer.body.len()), (200, 0));

    double.misbehave(Misbehaviour::TruncatedBody);
    let response = send(http()).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.bytes().await.is_err(), "a truncated body is an error");

    double.misbehave(Misbehaviour::CloseConnection);
    assert!(send(http()).await.is_err());

    double.misbehave(Misbehaviour::Hang);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    assert!(send(client).await.unwrap_err().is_timeout());

    double.heal();
    assert!(common(&double, "version", vec![]).await.is_ok());

    // A limited number of times.
    double.misbehave_times(Misbehaviour::HttpStatus(503), 2);
    assert_eq!(post(&url, "/xmlrpc/2/common", body()).await.status, 503);
    assert_eq!(post(&url, "/xmlrpc/2/common", body()).await.status, 503);
    assert_eq!(post(&url, "/xmlrpc/2/common", body()).await.status, 200);
}

#[tokio::test]
async fn stop_and_resume_on_the_same_port_with_the_same_data() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let tag = odoo
        .kw(
            "crm.tag",
            "create",
            vec![Value::Struct(Struct::new().with("name", "Before the outage"))],
            Struct::new(),
        )
        .await
        .unwrap();
    let addr = double.addr();
    double.stop().await;
    assert!(!double.is_running());
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens while stopped"
    );
    double.stop().await; // stopping twice is harmless
    double.resume().await.unwrap();
    assert_eq!(double.addr(), addr);
    let name = odoo.field("crm.tag", tag.as_i64().unwrap(), "name").await;
    assert_eq!(name, Value::from("Before the outage"));
    double.resume().await.unwrap(); // resuming twice is harmless
}

#[tokio::test]
async fn stop_drops_requests_in_flight() {
    let double = shop().await;
    double.misbehave(Misbehaviour::Hang);
    let url = double.url();
    let pending = tokio::spawn(async move {
        http()
            .post(format!("{url}/xmlrpc/2/common"))
            .body(encode_call("version", &[]))
            .send()
            .await
    });
    // Wait until the request has arrived.
    while double.calls().is_empty() {
        tokio::task::yield_now().await;
    }
    double.stop().await;
    assert!(pending.await.unwrap().is_err());
    double.heal();
    double.resume().await.unwrap();
    assert!(common(&double, "version", vec![]).await.is_ok());
}

#[tokio::test]
async fn the_call_log() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    double.clear_calls();
    odoo.search_read(
        "product.template",
        domain(vec![leaf("sale_ok", "=", true)]),
        kwargs(vec![
            ("fields", Value::from(vec!["name"])),
            ("context", ctx(vec![("lang", "fr_FR".into())])),
        ]),
    )
    .await;
    odoo.search_read("res.partner", domain(vec![]), Struct::new())
        .await;
    post(&double.url(), "/xmlrpc/2/object", "garbage").await;
    let calls = double.calls();
    assert_eq!(calls.len(), 3);
    let c = &calls[0];
    assert_eq!((c.service.as_str(), c.method.as_str()), ("object", "execute_kw"));
    assert_eq!(c.model.as_deref(), Some("product.template"));
    assert_eq!(c.model_method.as_deref(), Some("search_read"));
    assert!(c.is("product.template", "search_read"));
    assert_eq!(c.uid, Some(2));
    assert_eq!(c.label(), "product.template.search_read");
    assert_eq!(c.kwarg("fields"), Some(&Value::from(vec!["name"])));
    assert_eq!(c.domain(), Some(&domain(vec![leaf("sale_ok", "=", true)])));
    assert!(c.kwarg("context").is_some());
    assert_eq!(calls[2].method, "<invalid>");
    assert_eq!(double.calls_to("res.partner").len(), 1);
    // One call per model, as an incremental sync should do.
    let per_model = |model: &str| {
        double
            .calls()
            .iter()
            .filter(|c| c.model.as_deref() == Some(model))
            .count()
    };
    assert_eq!(per_model("product.template"), 1);
    double.clear_calls();
    assert!(double.calls().is_empty());
    common(
        &double,
        "authenticate",
        auth_params(double.db(), "admin", "admin"),
    )
    .await
    .unwrap();
    let calls = double.calls();
    assert_eq!(calls[0].label(), "common.authenticate");
    assert_eq!(calls[0].login.as_deref(), Some("admin"));
    assert!(
        !format!("{calls:?}").contains("\"admin\", \"admin\""),
        "passwords are not logged"
    );
}

#[tokio::test]
async fn staff_changes_through_with_db_show_over_rpc() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let t0 = chrono::DateTime::parse_from_rfc3339("2030-01-01T10:00:00Z")
        .unwrap()
        .to_utc();
    double.set_now(t0);
    let id = double
        .with_db(|db| {
            db.create(
                "product.template",
                Struct::new().with("name", "Fougasse").with("list_price", 3.2),
            )
        })
        .unwrap();
    let row = &odoo
        .search_read(
            "product.template",
            domain(vec![leaf("id", "=", id)]),
            kwargs(vec![(
                "fields",
                Value::from(vec!["name", "write_date", "create_date", "product_variant_ids"]),
            )]),
        )
        .await[0];
    assert_eq!(text(row, "write_date"), "2030-01-01 10:00:00");
    assert_eq!(text(row, "create_date"), "2030-01-01 10:00:00");
    assert_eq!(
        row.get("product_variant_ids").unwrap().as_array().unwrap().len(),
        1,
        "a template gets a variant"
    );

    double.advance_clock(chrono::Duration::minutes(5));
    double
        .with_db(|db| db.set("product.template", id, "list_price", 3.5))
        .unwrap();
    assert_eq!(
        odoo.field("product.template", id, "write_date").await,
        Value::from("2030-01-01 10:05:00")
    );
    let changed = odoo
        .search(
            "product.template",
            domain(vec![leaf("write_date", ">", "2030-01-01 10:00:00")]),
            Struct::new(),
        )
        .await;
    assert_eq!(changed, vec![id]);

    double
        .with_db(|db| db.archive("product.template", &[id]))
        .unwrap();
    let visible = odoo
        .search(
            "product.template",
            domain(vec![leaf("id", "=", id)]),
            Struct::new(),
        )
        .await;
    assert!(visible.is_empty());
    double.with_db(|db| db.unlink("product.template", &[id])).unwrap();
    let all = odoo
        .search(
            "product.template",
            domain(vec![leaf("id", "=", id)]),
            kwargs(vec![("context", ctx(vec![("active_test", false.into())]))]),
        )
        .await;
    assert!(all.is_empty());
    assert_eq!(double.now(), t0 + chrono::Duration::minutes(5));
    // Reads from the test side.
    double.with_db(|db| {
        assert_eq!(
            db.get("product.template", 1, "default_code"),
            Value::from("BAG-TRAD")
        );
        let ids = db
            .search(
                "product.template",
                &connector::domain::field("to_weight").eq(true),
            )
            .unwrap();
        assert_eq!(ids.len(), 4);
        assert!(db.uid_of("admin").is_some());
    });
}
