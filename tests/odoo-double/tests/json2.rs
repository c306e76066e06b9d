//! The JSON-2 endpoint (`POST /json/2/<model>/<method>`, Odoo 19).
//!
//! 1. Against the recordings of a real Odoo 19 in `shared/odoo-json2`: for
//!    every series folder there, a double seeded from the XML-RPC
//!    recordings of the same database (`shared/odoo-wire/<series>`, so that
//!    ids line up) with an API key for its admin is sent every recorded
//!    request, in order (the key and the database substituted), and must
//!    answer with the recorded status and content type and a body of the
//!    recorded shape:
//!    - a value where Odoo answered one: the same JSON types (integers and
//!      floats told apart), `false` compatible with anything, objects with
//!      the same keys, non-empty lists where Odoo's were, many2one as
//!      `[id, "name"]`, datetimes as `YYYY-MM-DD HH:MM:SS`;
//!    - an error object where Odoo sent one: keys `name`, `message`,
//!      `arguments`, `context`, `debug` in that order, the same `name` and
//!      `message`, arguments of the same shape.
//!
//!    New recordings are picked up from `index.json` without code changes.
//! 2. Behaviour: XML-RPC and JSON-2 agree, only API keys authenticate,
//!    create then read, access rules, Odoo's errors, the failure controls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use connector::xmlrpc::{Fault, Struct, Value};
use odoo_double::{Call, Dataset, Misbehaviour, OdooDouble};
use serde_json::{json, Value as Json};
use support::{json2, send, Answer, Odoo, Report};

const KEY: &str = "json2-test-admin-key-0123456789abcdef";

// ----- the recorded exchanges --------------------------------------------

fn series_dirs() -> Vec<PathBuf> {
    let root = support::json2_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("index.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The shape check of the XML-RPC replay, on JSON read into the same value
/// tree (integers stay ints, other numbers doubles, null nil).
fn same_shape(path: &str, recorded: &Json, ours: &Json, report: &mut Report) -> bool {
    support::same_shape(path, &from_json(recorded), &from_json(ours), report)
}

fn shape(path: &str, recorded: &Json, ours: &Json, report: &mut Report) {
    support::shape(path, &from_json(recorded), &from_json(ours), report)
}

fn from_json(json: &Json) -> Value {
    connector::json2::from_json(json.clone())
}

const ERROR_KEYS: [&str; 5] = ["name", "message", "arguments", "context", "debug"];

/// Whether the error body `ours` is Odoo's `recorded` one: the same keys in
/// the same order, the same `name` and `message`, arguments of the same
/// shape.
fn same_error(path: &str, recorded: &Json, ours_text: &str, report: &mut Report) -> bool {
    let before = report.errors.len();
    let ours: Json = match serde_json::from_str(ours_text) {
        Ok(v) => v,
        Err(e) => {
            report
                .errors
                .push(format!("{path}: error body is not JSON ({e})"));
            return false;
        }
    };
    let Some(object) = ours.as_object() else {
        report
            .errors
            .push(format!("{path}: error body {ours} is not an object"));
        return false;
    };
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_by_key(|k| ours_text.find(&format!("\"{k}\": ")).unwrap_or(usize::MAX));
    if keys != ERROR_KEYS {
        report
            .errors
            .push(format!("{path}: error keys {keys:?}, Odoo's {ERROR_KEYS:?}"));
    }
    for key in ["name", "message"] {
        report.compared += 1;
        if recorded[key] != ours[key] {
            report.errors.push(format!(
                "{path}: {key} {} where Odoo sent {}",
                ours[key], recorded[key]
            ));
        }
    }
    let (r, o) = (&recorded["arguments"], &ours["arguments"]);
    if r.as_array().map(Vec::len) != o.as_array().map(Vec::len) {
        report
            .errors
            .push(format!("{path}: arguments {o} where Odoo sent {r}"));
    } else {
        shape(&format!("{path}.arguments"), r, o, report);
    }
    if !ours["context"].is_object() || !ours["debug"].is_string() {
        report
            .errors
            .push(format!("{path}: context or debug of the wrong type in {ours}"));
    }
    report.errors.len() == before
}

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A double seeded from the XML-RPC recordings of the same database, its
/// admin holding [`KEY`].
async fn recorded_double(series: &str) -> OdooDouble {
    let wire = support::wire_dir().join(series);
    let mut dataset = Dataset::from_recordings(&wire).unwrap_or_else(|e| panic!("{}: {e}", wire.display()));
    let admin = dataset
        .technical_user()
        .map(|u| u.id)
        .expect("an admin in the recordings");
    for user in &mut dataset.users {
        if user.id == admin {
            user.api_key = Some(KEY.to_owned());
        }
    }
    OdooDouble::start(dataset).await.unwrap()
}

async fn replay(dir: &Path) -> Report {
    let series = dir.file_name().unwrap().to_string_lossy().into_owned();
    let index = read_json(&dir.join("index.json"));
    let double = recorded_double(&series).await;
    let mut report = Report::default();
    for call in index["calls"].as_array().unwrap() {
        let file = call["file"].as_str().unwrap();
        let request = read_json(&dir.join(format!("{file}.request.json")));
        let recorded = read_json(&dir.join(format!("{file}.response.json")));
        let headers: Vec<(String, String)> = request["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let v = v.as_str().unwrap();
                let v = if k.eq_ignore_ascii_case("x-odoo-database") {
                    double.db().to_owned()
                } else {
                    v.replace("<api-key>", KEY)
                };
                (k.clone(), v)
            })
            .collect();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = send(
            &double.url(),
            request["method"].as_str().unwrap(),
            request["path"].as_str().unwrap(),
            &headers,
            request["body"].as_str().unwrap().as_bytes().to_vec(),
        )
        .await;
        let where_ = format!("{series} {file}");
        let status = recorded["status"].as_u64().unwrap();
        report.compared += 1;
        if u64::from(answer.status) != status {
            report.errors.push(format!(
                "{where_}: HTTP {} where Odoo answered {status}: {}",
                answer.status,
                answer.text()
            ));
            continue;
        }
        if answer.content_type != recorded["content_type"].as_str().unwrap() {
            report.errors.push(format!(
                "{where_}: content type {:?} where Odoo sent {}",
                answer.content_type, recorded["content_type"]
            ));
        }
        let recorded_body: Json = serde_json::from_str(recorded["body"].as_str().unwrap()).unwrap();
        if status == 200 {
            match serde_json::from_slice::<Json>(&answer.body) {
                Ok(ours) => {
                    same_shape(&where_, &recorded_body, &ours, &mut report);
                }
                Err(e) => report
                    .errors
                    .push(format!("{where_}: not JSON ({e}): {}", answer.text())),
            }
        } else {
            same_error(&where_, &recorded_body, &answer.text(), &mut report);
        }
    }
    report
}

#[tokio::test]
async fn every_recorded_json2_request_gets_an_answer_of_the_recorded_shape() {
    let dirs = series_dirs();
    assert!(
        !dirs.is_empty(),
        "no recordings under {}",
        support::json2_dir().display()
    );
    let mut errors = Vec::new();
    for dir in &dirs {
        let report = replay(dir).await;
        eprintln!(
            "{}: {} values compared, {} mismatch(es)",
            dir.display(),
            report.compared,
            report.errors.len()
        );
        // A double that answered `false` everywhere would compare nothing.
        assert!(
            report.compared > 50,
            "{}: only {} values compared",
            dir.display(),
            report.compared
        );
        errors.extend(report.errors);
    }
    assert!(
        errors.is_empty(),
        "{} mismatch(es):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn the_shape_checks_see_differences() {
    let recorded = json!([{"id": 1, "name": "Baguette", "list_price": 1.3, "categ_id": [3, "All"],
        "write_date": "2026-11-23 03:34:25"}]);
    let mut r = Report::default();
    assert!(same_shape("ok", &recorded, &recorded.clone(), &mut r));
    assert!(same_shape(
        "false is empty",
        &recorded,
        &json!([{"id": 1, "name": false, "list_price": 1.3, "categ_id": false, "write_date": false}]),
        &mut r
    ));
    for (what, ours) in [
        (
            "int for float",
            json!([{"id": 1, "name": "B", "list_price": 1, "categ_id": [3, "All"], "write_date": "2026-11-23 03:34:25"}]),
        ),
        (
            "text for int",
            json!([{"id": "1", "name": "B", "list_price": 1.3, "categ_id": [3, "All"], "write_date": "2026-11-23 03:34:25"}]),
        ),
        (
            "id list for many2one",
            json!([{"id": 1, "name": "B", "list_price": 1.3, "categ_id": [3, 4], "write_date": "2026-11-23 03:34:25"}]),
        ),
        (
            "date",
            json!([{"id": 1, "name": "B", "list_price": 1.3, "categ_id": [3, "All"], "write_date": "2026-11-23T03:34:25Z"}]),
        ),
        (
            "missing key",
            json!([{"id": 1, "name": "B", "list_price": 1.3, "categ_id": [3, "All"]}]),
        ),
        ("empty list", json!([])),
        ("object for list", json!({"id": 1})),
    ] {
        assert!(
            !same_shape(what, &recorded, &ours, &mut Report::default()),
            "{what} not noticed"
        );
    }

    let recorded = json!({"name": "werkzeug.exceptions.NotFound", "message": "m", "arguments": ["m", 404],
        "context": {}, "debug": ""});
    let ok = r#"{"name": "werkzeug.exceptions.NotFound", "message": "m", "arguments": ["m", 404], "context": {}, "debug": "tb"}"#;
    assert!(same_error("ok", &recorded, ok, &mut Report::default()));
    for (what, ours) in [
        ("name", ok.replace("NotFound", "BadRequest")),
        ("message", ok.replace("\"m\"", "\"n\"")),
        ("arguments", ok.replace(", 404]", "]")),
        ("order", r#"{"message": "m", "name": "werkzeug.exceptions.NotFound", "arguments": ["m", 404], "context": {}, "debug": ""}"#.to_owned()),
        ("a value", "[1]".to_owned()),
    ] {
        assert!(
            !same_error(what, &recorded, &ours, &mut Report::default()),
            "{what} not noticed"
        );
    }
}

// ----- behaviour -------------------------------------------------------------

async fn shop19() -> OdooDouble {
    OdooDouble::start(Dataset::shop().with_series("19.0"))
        .await
        .unwrap()
}

fn admin_key(double: &OdooDouble) -> String {
    double
        .admin_api_key()
        .expect("the shop's admin has an API key")
        .to_owned()
}

/// An XML-RPC value as JSON-2 writes it.
fn to_json(v: &Value) -> Json {
    match v {
        Value::Int(i) => json!(i),
        Value::Bool(b) => json!(b),
        Value::String(s) => json!(s),
        Value::Double(d) => json!(d),
        Value::DateTime(d) => json!(d.format("%Y-%m-%d %H:%M:%S").to_string()),
        Value::Base64(_) => panic!("no binaries here"),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Struct(s) => Json::Object(s.iter().map(|(k, v)| (k.to_owned(), to_json(v))).collect()),
        Value::Nil => Json::Null,
    }
}

fn error_name(answer: &Answer) -> String {
    assert_eq!(
        answer.content_type,
        "application/json; charset=utf-8",
        "{}",
        answer.text()
    );
    answer.json()["name"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_same_search_read_gives_the_same_records_over_both_apis() {
    let double = shop19().await;
    let key = admin_key(&double);
    let xmlrpc = Odoo::admin(&double).await;
    let fields = [
        "name",
        "display_name",
        "list_price",
        "categ_id",
        "public_categ_ids",
        "uom_id",
        "taxes_id",
        "default_code",
        "barcode",
        "active",
        "write_date",
    ];
    for lang in ["en_US", "fr_FR"] {
        let rows = xmlrpc
            .search_read(
                "product.template",
                support::domain(vec![support::leaf("sale_ok", "=", true)]),
                support::kwargs(vec![
                    ("fields", Value::from(fields.to_vec())),
                    ("order", "name".into()),
                    ("context", support::ctx(vec![("lang", lang.into())])),
                ]),
            )
            .await;
        assert!(rows.len() > 5);
        let expected = Json::Array(rows.iter().map(|r| to_json(&Value::Struct(r.clone()))).collect());
        let answer = json2(
            &double,
            &key,
            "product.template",
            "search_read",
            json!({"domain": [["sale_ok", "=", true]], "fields": fields, "order": "name", "context": {"lang": lang}}),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.content_type, "application/json; charset=utf-8");
        assert_eq!(answer.json(), expected, "{lang}");
    }
    // search, search_count and read agree too.
    let ids = xmlrpc
        .search(
            "product.template",
            support::domain(vec![]),
            support::kwargs(vec![("order", "id".into())]),
        )
        .await;
    let answer = json2(
        &double,
        &key,
        "product.template",
        "search",
        json!({"domain": [], "order": "id"}),
    )
    .await;
    assert_eq!(answer.json(), json!(ids));
    let answer = json2(
        &double,
        &key,
        "product.template",
        "search_count",
        json!({"domain": []}),
    )
    .await;
    assert_eq!(answer.json(), json!(ids.len()));
}

#[tokio::test]
async fn only_a_valid_api_key_authenticates() {
    let double = shop19().await;
    let key = admin_key(&double);
    let search = json!({"domain": []});
    let ok = json2(&double, &key, "res.partner", "search", search.clone()).await;
    assert_eq!(ok.status, 200, "{}", ok.text());

    for bad in [
        "0000000000000000000000000000000000000000",
        double.admin_password(),
    ] {
        let answer = json2(&double, bad, "res.partner", "search", search.clone()).await;
        assert_eq!(answer.status, 401, "{bad}: {}", answer.text());
        assert_eq!(error_name(&answer), "werkzeug.exceptions.Unauthorized");
        assert_eq!(answer.json()["message"], "Invalid apikey");
        assert_eq!(answer.json()["arguments"], json!(["Invalid apikey", 401]));
    }
    // The scheme in any case; no header at all is another 401.
    let path = "/json/2/res.partner/search";
    let body = search.to_string().into_bytes();
    let ct = ("Content-Type", "application/json");
    let answer = send(
        &double.url(),
        "POST",
        path,
        &[ct, ("Authorization", &format!("BEARER {key}"))],
        body.clone(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let answer = send(&double.url(), "POST", path, &[ct], body.clone()).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.json()["message"],
        "User not authenticated, use the \"Authorization\" header"
    );
    // The database header is optional (one database); another one is unknown.
    let answer = send(
        &double.url(),
        "POST",
        path,
        &[ct, ("Authorization", &format!("bearer {key}"))],
        body.clone(),
    )
    .await;
    assert_eq!(answer.status, 200);
    let answer = send(
        &double.url(),
        "POST",
        path,
        &[
            ct,
            ("Authorization", &format!("bearer {key}")),
            ("X-Odoo-Database", "other"),
        ],
        body.clone(),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert!(answer.content_type.starts_with("text/html"));
    // An archived user's key is refused.
    double.with_db(|db| db.archive("res.users", &[2])).unwrap();
    let answer = json2(&double, &key, "res.partner", "search", search).await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn create_then_read() {
    let double = shop19().await;
    let key = admin_key(&double);
    let answer = json2(
        &double,
        &key,
        "res.partner",
        "create",
        json!({"vals_list": [{"name": "Épicerie Dupont", "email": "dupont@example.com"}, {"name": "Second"}]}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let ids: Vec<i64> = serde_json::from_value(answer.json()).unwrap();
    assert_eq!(ids.len(), 2);
    // One dict: still a list of ids.
    let answer = json2(
        &double,
        &key,
        "res.partner",
        "create",
        json!({"vals_list": {"name": "Third"}}),
    )
    .await;
    let third: Vec<i64> = serde_json::from_value(answer.json()).unwrap();
    assert_eq!(third.len(), 1);

    let answer = json2(
        &double,
        &key,
        "res.partner",
        "read",
        json!({"ids": ids, "fields": ["name", "email", "parent_id"]}),
    )
    .await;
    assert_eq!(
        answer.json(),
        json!([
            {"id": ids[0], "name": "Épicerie Dupont", "email": "dupont@example.com", "parent_id": false},
            {"id": ids[1], "name": "Second", "email": false, "parent_id": false},
        ])
    );
    let answer = json2(
        &double,
        &key,
        "res.partner",
        "write",
        json!({"ids": [ids[1]], "vals": {"email": "s@example.com"}}),
    )
    .await;
    assert_eq!(answer.json(), json!(true));
    let read = Odoo::admin(&double)
        .await
        .field("res.partner", ids[1], "email")
        .await;
    assert_eq!(read, Value::from("s@example.com"));
    let answer = json2(&double, &key, "res.partner", "unlink", json!({"ids": third})).await;
    assert_eq!(answer.json(), json!(true));
    let answer = json2(
        &double,
        &key,
        "res.partner",
        "read",
        json!({"ids": third, "fields": ["name"]}),
    )
    .await;
    // Real Odoo (16 to 19) leaves a missing record out of a read.
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json(), json!([]));

    // A failing create changes nothing.
    let before = double
        .with_db(|db| db.search("sale.order", &connector::domain::Domain::All))
        .unwrap()
        .len();
    let answer = json2(
        &double,
        &key,
        "sale.order",
        "create",
        json!({"vals_list": [{"partner_id": 3}, {"partner_id": 999999}]}),
    )
    .await;
    assert_eq!(answer.status, 404, "{}", answer.text());
    assert_eq!(
        answer.json()["message"],
        "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)"
    );
    let after = double
        .with_db(|db| db.search("sale.order", &connector::domain::Domain::All))
        .unwrap()
        .len();
    assert_eq!(before, after);

    // The call log shows JSON-2 calls like execute_kw calls, without the key.
    let calls = double.calls_to("res.partner");
    let create: &Call = calls.iter().find(|c| c.is("res.partner", "create")).unwrap();
    assert_eq!(
        (create.service.as_str(), create.method.as_str(), create.uid),
        ("json2", "execute_kw", Some(2))
    );
    assert!(create.args.is_empty());
    assert!(create.kwarg("vals_list").is_some());
    let read = calls.iter().find(|c| c.is("res.partner", "read")).unwrap();
    assert_eq!(read.kwarg("ids"), Some(&Value::from(ids.clone())));
    assert!(!format!("{:?}", double.calls()).contains(&key));
}

#[tokio::test]
async fn a_portal_key_reads_the_catalog_but_cannot_write_a_partner() {
    let double = shop19().await;
    let claire = double.dataset().user("claire@example.com").unwrap().clone();
    let partner = claire.partner_id.unwrap();
    double
        .with_db(|db| db.add_api_key(&claire.login, "claire-key"))
        .unwrap();

    let answer = json2(
        &double,
        "claire-key",
        "product.template",
        "search_read",
        json!({"fields": ["name"], "limit": 2}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let answer = json2(&double, "claire-key", "res.users", "context_get", json!({})).await;
    assert_eq!(answer.json()["uid"], json!(claire.id));
    assert!(answer.json()["lang"].is_string(), "{}", answer.text());

    let before = Odoo::admin(&double)
        .await
        .field("res.partner", partner, "name")
        .await;
    let answer = json2(
        &double,
        "claire-key",
        "res.partner",
        "write",
        json!({"ids": [partner], "vals": {"name": "Hacked"}}),
    )
    .await;
    assert_eq!(answer.status, 403, "{}", answer.text());
    assert_eq!(error_name(&answer), "odoo.exceptions.AccessError");
    let fault = Odoo::login(&double, &claire.login, &claire.password)
        .await
        .kw(
            "res.partner",
            "write",
            vec![
                Value::from(vec![partner]),
                Value::Struct(Struct::new().with("name", "Hacked")),
            ],
            Struct::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(fault.code, 4);
    assert_eq!(
        answer.json()["message"],
        json!(fault.string),
        "the same message as XML-RPC"
    );
    assert_eq!(
        Odoo::admin(&double)
            .await
            .field("res.partner", partner, "name")
            .await,
        before
    );
}

#[tokio::test]
async fn errors_are_odoo_19s() {
    let double = shop19().await;
    let key = admin_key(&double);
    let cases = [
        (
            "no.such.model",
            "search",
            json!({"domain": []}),
            404,
            "werkzeug.exceptions.NotFound",
            "the model 'no.such.model' does not exist",
        ),
        (
            "res.partner",
            "no_such_method",
            json!({}),
            404,
            "werkzeug.exceptions.NotFound",
            "The method 'res.partner.no_such_method' does not exist",
        ),
        (
            "res.partner",
            "_private",
            json!({}),
            403,
            "odoo.exceptions.AccessError",
            "Private methods (such as 'res.partner._private') cannot be called remotely.",
        ),
        (
            "res.partner",
            "search",
            json!({}),
            422,
            "werkzeug.exceptions.UnprocessableEntity",
            "missing a required argument: 'domain'",
        ),
        (
            "res.partner",
            "search",
            json!({"domain": [], "fields": ["name"]}),
            422,
            "werkzeug.exceptions.UnprocessableEntity",
            "got an unexpected keyword argument 'fields'",
        ),
        (
            "res.partner",
            "create",
            json!({"ids": [1], "vals_list": []}),
            422,
            "werkzeug.exceptions.UnprocessableEntity",
            "cannot call res.partner.create with ids",
        ),
        (
            "res.partner",
            "search_read",
            json!({"domain": [["nope", "=", 1]]}),
            500,
            "builtins.ValueError",
            "Invalid field res.partner.nope in condition ('nope', '=', 1)",
        ),
        (
            "res.partner",
            "search_read",
            json!({"bogus": 1}),
            500,
            "builtins.TypeError",
            "BaseModel._read_format() got an unexpected keyword argument 'bogus'",
        ),
        (
            "res.partner",
            "read",
            json!({"ids": [1], "fields": ["nope"]}),
            500,
            "builtins.ValueError",
            "",
        ),
    ];
    for (model, method, body, status, name, message) in cases {
        let answer = json2(&double, &key, model, method, body).await;
        assert_eq!(answer.status, status, "{model}.{method}: {}", answer.text());
        assert_eq!(error_name(&answer), name, "{model}.{method}");
        if !message.is_empty() {
            assert_eq!(answer.json()["message"], message, "{model}.{method}");
        }
        let arguments = answer.json()["arguments"].clone();
        assert_eq!(arguments[0], answer.json()["message"]);
    }

    let url = double.url();
    let auth = format!("bearer {key}");
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let path = "/json/2/res.partner/search";
    for (body, message) in [
        ("{not json", "could not parse the body as json: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("not json", "could not parse the body as json: Expecting value: line 1 column 1 (char 0)"),
        ("null", "could not parse the body, expecting a json object"),
        ("[1, 2]", "could not parse the body, expecting a json object"),
    ] {
        let answer = send(&url, "POST", path, &headers, body.into()).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(error_name(&answer), "werkzeug.exceptions.BadRequest");
        assert_eq!(answer.json()["message"], message);
        assert_eq!(answer.json()["arguments"], json!([message, 400]));
    }
    // A bad key is refused before the body is read.
    let answer = send(
        &url,
        "POST",
        path,
        &[headers[0], ("Authorization", "bearer nope")],
        b"{not json".to_vec(),
    )
    .await;
    assert_eq!(answer.status, 401);
    // Not JSON at all: 415, as Odoo's dispatcher answers.
    let answer = send(
        &url,
        "POST",
        path,
        &[("Content-Type", "text/plain"), headers[1]],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(answer.status, 415);
    assert!(answer.content_type.starts_with("text/html"));
    // Other verbs and paths under /json/2.
    for (method, path) in [
        ("GET", "/json/2/res.partner/search"),
        ("POST", "/json/2/res.partner"),
        ("POST", "/json/2"),
    ] {
        let answer = send(&url, method, path, &headers, Vec::new()).await;
        assert_eq!(answer.status, 404, "{method} {path}");
        assert_eq!(
            answer.json()["message"],
            "Did you mean POST /json/2/<model>/<method>?"
        );
    }
    // An empty body is no arguments.
    let answer = send(&url, "POST", "/json/2/res.partner/read", &headers, Vec::new()).await;
    assert_eq!((answer.status, answer.text().as_str()), (200, "[]"));
    // A validation error keeps its status (422).
    let answer = json2(
        &double,
        &key,
        "sale.order",
        "create",
        json!({"vals_list": [{"note": "no partner"}]}),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.text());
    assert_eq!(error_name(&answer), "odoo.exceptions.ValidationError");
    let calls = double.calls();
    assert!(calls
        .iter()
        .any(|c| c.service == "json2" && c.method == "<invalid>"));
}

#[tokio::test]
async fn context_get_and_fields_get() {
    let double = shop19().await;
    let key = admin_key(&double);
    let answer = json2(&double, &key, "res.users", "context_get", json!({})).await;
    let context = answer.json();
    assert_eq!(context["uid"], json!(2));
    let keys: Vec<&String> = context.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["lang", "tz", "uid"]);
    // Over XML-RPC too.
    let over_xmlrpc = Odoo::admin(&double)
        .await
        .kw("res.users", "context_get", vec![], Struct::new())
        .await
        .unwrap();
    assert_eq!(to_json(&over_xmlrpc), context);

    let answer = json2(
        &double,
        &key,
        "product.template",
        "fields_get",
        json!({"allfields": ["name", "list_price"], "attributes": ["type", "string"]}),
    )
    .await;
    assert_eq!(answer.json()["list_price"]["type"], "float");
    assert_eq!(answer.json().as_object().unwrap().len(), 2);
}

#[tokio::test]
async fn recorded_order_flow_on_the_shop() {
    let double = shop19().await;
    let key = admin_key(&double);
    let products = json2(
        &double,
        &key,
        "product.product",
        "search",
        json!({"domain": [["sale_ok", "=", true]], "limit": 2, "order": "id"}),
    )
    .await
    .json();
    let answer = json2(
        &double,
        &key,
        "sale.order",
        "create",
        json!({"vals_list": [{"partner_id": 3, "client_order_ref": "web-json2-0001",
            "order_line": [[0, 0, {"product_id": products[0], "product_uom_qty": 2}],
                           [0, 0, {"product_id": products[1], "product_uom_qty": 0.5}]]}]}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let order = answer.json()[0].as_i64().unwrap();
    let answer = json2(
        &double,
        &key,
        "sale.order",
        "read",
        json!({"ids": [order], "fields": ["state", "amount_total", "partner_id"]}),
    )
    .await;
    let row = &answer.json()[0];
    assert_eq!(row["state"], "draft");
    assert!(row["amount_total"].as_f64().unwrap() > 0.0);
    assert!(row["partner_id"][1].is_string());
    let answer = json2(
        &double,
        &key,
        "sale.order",
        "action_cancel",
        json!({"ids": [order]}),
    )
    .await;
    assert_eq!(answer.json(), json!(true));
    let answer = json2(
        &double,
        &key,
        "sale.order",
        "search_read",
        json!({"domain": [["id", "=", order]], "fields": ["state"]}),
    )
    .await;
    assert_eq!(answer.json(), json!([{"id": order, "state": "cancel"}]));
}

#[tokio::test]
async fn failure_controls_apply_to_json2() {
    let double = shop19().await;
    let key = admin_key(&double);
    let body = json!({"domain": []});
    let fault = |code: i32, string: &str| Fault {
        code,
        string: string.to_owned(),
    };
    for (f, status, name) in [
        (
            fault(
                1,
                "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'x'\n",
            ),
            500,
            "builtins.KeyError",
        ),
        (
            fault(
                2,
                "Record does not exist or has been deleted.\n(Record: res.partner(9,), User: 2)",
            ),
            404,
            "odoo.exceptions.MissingError",
        ),
        (fault(2, "You cannot do that."), 422, "odoo.exceptions.UserError"),
        (fault(3, "Access Denied"), 401, "werkzeug.exceptions.Unauthorized"),
        (fault(4, "Nope"), 403, "odoo.exceptions.AccessError"),
    ] {
        double.fail_with(f.clone(), Some(1));
        let answer = json2(&double, &key, "res.partner", "search", body.clone()).await;
        assert_eq!(answer.status, status, "{f:?}: {}", answer.text());
        assert_eq!(error_name(&answer), name);
        let answer = json2(&double, &key, "res.partner", "search", body.clone()).await;
        assert_eq!(answer.status, 200, "the fault was for one call only");
    }
    double.fail_on(Some("sale.order"), "create", fault(2, "Nope"), None);
    let answer = json2(&double, &key, "res.partner", "search", body.clone()).await;
    assert_eq!(answer.status, 200);
    let answer = json2(&double, &key, "sale.order", "create", json!({"vals_list": []})).await;
    assert_eq!(answer.status, 422);
    double.heal();

    double.misbehave_times(Misbehaviour::MalformedXml, 1);
    let answer = json2(&double, &key, "res.partner", "search", body.clone()).await;
    assert_eq!(answer.status, 200);
    assert!(serde_json::from_slice::<Json>(&answer.body).is_err());
    double.misbehave_times(Misbehaviour::HttpStatus(502), 1);
    let answer = json2(&double, &key, "res.partner", "search", body.clone()).await;
    assert_eq!(answer.status, 502);
    double.misbehave_times(Misbehaviour::EmptyBody, 1);
    let answer = json2(&double, &key, "res.partner", "search", body.clone()).await;
    assert_eq!((answer.status, answer.body.len()), (200, 0));

    double.clear_calls();
    double.stop().await;
    let refused = support::http()
        .post(format!("{}/json/2/res.partner/search", double.url()))
        .body("{}")
        .send()
        .await;
    assert!(refused.is_err());
    double.resume().await.unwrap();
    let answer = json2(&double, &key, "res.partner", "search", body).await;
    assert_eq!(answer.status, 200);
    assert_eq!(double.calls().len(), 1);
}

#[tokio::test]
async fn no_json2_before_odoo_19() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    assert_eq!(double.series(), "18.0");
    let answer = json2(
        &double,
        &admin_key(&double),
        "res.partner",
        "search",
        json!({"domain": []}),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert!(answer.content_type.starts_with("text/html"));
    assert!(double.calls().is_empty());
}

#[tokio::test]
async fn odd_arguments_get_odoo_errors_not_crashes() {
    let double = shop19().await;
    let key = admin_key(&double);
    let odd = [
        json!(null),
        json!(-1),
        json!(1.5),
        json!("x"),
        json!([]),
        json!({}),
        json!([[]]),
        json!([["name"]]),
        json!([["name", "=", "x", "y"]]),
        json!(["|"]),
        json!([[0, 0, null]]),
        json!([{"name": null}]),
        json!([[6, 0, "x"]]),
        json!(18446744073709551615u64),
        json!({"lang": 1, "active_test": "no"}),
        serde_json::from_str(&format!("{}1{}", "[".repeat(60), "]".repeat(60))).unwrap(),
    ];
    let methods = [
        (
            "res.partner",
            "search",
            &["domain", "offset", "limit", "order"][..],
        ),
        ("res.partner", "search_count", &["domain", "limit"]),
        (
            "product.template",
            "search_read",
            &["domain", "fields", "offset", "limit", "order", "load"],
        ),
        ("res.partner", "read", &["ids", "fields", "load"]),
        ("res.partner", "create", &["vals_list"]),
        ("res.partner", "write", &["ids", "vals"]),
        ("res.partner", "unlink", &["ids"]),
        ("res.partner", "exists", &["ids"]),
        ("product.template", "fields_get", &["allfields", "attributes"]),
        (
            "res.partner",
            "name_search",
            &["name", "domain", "operator", "limit"],
        ),
        (
            "res.partner",
            "check_access_rights",
            &["operation", "raise_exception"],
        ),
        ("sale.order", "action_cancel", &["ids"]),
        ("sale.order", "create", &["vals_list", "context"]),
    ];
    for (model, method, params) in methods {
        for param in params.iter().chain(&["context", "ids"]) {
            for value in &odd {
                let mut body = json!({"domain": []});
                body[*param] = value.clone();
                let answer = json2(&double, &key, model, method, body.clone()).await;
                assert!(
                    matches!(answer.status, 200 | 403 | 404 | 422 | 500),
                    "{model}.{method} {body}: {} {}",
                    answer.status,
                    answer.text()
                );
                if answer.status != 200 {
                    let name = error_name(&answer);
                    assert!(!name.is_empty(), "{model}.{method} {body}: {}", answer.text());
                }
            }
        }
    }
    // Deep nesting, huge numbers, invalid UTF-8: Python's json errors.
    let url = double.url();
    let auth = format!("bearer {key}");
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let deep = format!("{{\"domain\": {}{}}}", "[".repeat(5000), "]".repeat(5000));
    for body in [
        deep.into_bytes(),
        b"{\"domain\": [1e999]}".to_vec(),
        b"{\"domain\": \"\xff\xfe\"}".to_vec(),
    ] {
        let answer = send(&url, "POST", "/json/2/res.partner/search", &headers, body).await;
        assert!(matches!(answer.status, 200 | 400 | 500), "{}", answer.text());
    }
    let answer = json2(
        &double,
        &key,
        "res.partner",
        "search_count",
        json!({"domain": []}),
    )
    .await;
    assert_eq!(answer.status, 200, "still serving");
}
