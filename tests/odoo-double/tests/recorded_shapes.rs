//! The double against the recordings of real Odoo servers: for every
//! series folder under `shared/odoo-wire`, a double seeded from that
//! folder's own answers ([`Dataset::from_recordings`]) is sent every
//! recorded request, byte for byte, in order, and must answer with the
//! same shape as the real server did:
//!
//! - a value where Odoo answered a value, a fault with the same code (and
//!   the same last line) where it answered a fault;
//! - structs with the same keys; the same XML-RPC type for each value,
//!   `false` being compatible with any type (it means empty);
//! - lists: non-empty where Odoo's was, each item shaped like one of
//!   Odoo's; many2one as `[int, string]`, x2many as lists of ints;
//! - datetimes as `YYYY-MM-DD HH:MM:SS` where Odoo sent one.
//!
//! New recordings are picked up from `index.json` without code changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use connector::xmlrpc::{decode_response, MethodResponse, Value};
use odoo_double::{Dataset, OdooDouble};
use support::{same_shape, Report};

fn series_dirs() -> Vec<PathBuf> {
    let root = support::wire_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("index.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn last_line(s: &str) -> &str {
    s.trim_end().lines().last().unwrap_or_default().trim()
}

async fn replay(dir: &Path) -> Report {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let dataset = Dataset::from_recordings(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let double = OdooDouble::start(dataset).await.unwrap();
    let mut report = Report::default();
    for call in index["calls"].as_array().unwrap() {
        let file = call["file"].as_str().unwrap();
        let endpoint = call["endpoint"].as_str().unwrap();
        let request = std::fs::read(dir.join(format!("{file}.request.xml"))).unwrap();
        let recorded =
            decode_response(&std::fs::read(dir.join(format!("{file}.response.xml"))).unwrap()).unwrap();
        let answer = support::post(&double.url(), endpoint, request).await;
        let where_ = format!("{} {file}", dir.file_name().unwrap().to_string_lossy());
        if answer.status != 200 || !answer.content_type.starts_with("text/xml") {
            report.errors.push(format!(
                "{where_}: HTTP {} {}",
                answer.status, answer.content_type
            ));
            continue;
        }
        let ours = match decode_response(&answer.body) {
            Ok(r) => r,
            Err(e) => {
                report.errors.push(format!("{where_}: undecodable answer: {e}"));
                continue;
            }
        };
        match (&recorded, &ours) {
            (MethodResponse::Success(r), MethodResponse::Success(o)) => {
                same_shape(&where_, r, o, &mut report);
            }
            (MethodResponse::Fault(r), MethodResponse::Fault(o)) => {
                report.compared += 1;
                if r.code != o.code {
                    report.errors.push(format!(
                        "{where_}: fault {} where Odoo sent fault {}",
                        o.code, r.code
                    ));
                }
                if last_line(&r.string) != last_line(&o.string) {
                    report.errors.push(format!(
                        "{where_}: fault ends with {:?}, Odoo's with {:?}",
                        last_line(&o.string),
                        last_line(&r.string)
                    ));
                }
                if let Some(expected) = call["fault"]["faultString"].as_str() {
                    if !o.string.trim_end().ends_with(expected.trim_end()) {
                        report
                            .errors
                            .push(format!("{where_}: fault does not end with {expected:?}"));
                    }
                }
            }
            (MethodResponse::Success(_), MethodResponse::Fault(f)) => {
                report.errors.push(format!(
                    "{where_}: fault {} {:?} where Odoo answered",
                    f.code,
                    last_line(&f.string)
                ));
            }
            (MethodResponse::Fault(f), MethodResponse::Success(v)) => {
                report
                    .errors
                    .push(format!("{where_}: answered {v} where Odoo sent fault {}", f.code));
            }
        }
    }
    report
}

#[tokio::test]
async fn every_recorded_request_gets_an_answer_of_the_recorded_shape() {
    let dirs = series_dirs();
    assert!(
        !dirs.is_empty(),
        "no recordings under {}",
        support::wire_dir().display()
    );
    let mut errors = Vec::new();
    for dir in &dirs {
        let report = replay(dir).await;
        // A double that answered `false` everywhere would compare nothing.
        eprintln!(
            "{}: {} values compared, {} mismatch(es)",
            dir.display(),
            report.compared,
            report.errors.len()
        );
        assert!(
            report.compared > 100,
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
fn the_shape_check_sees_differences() {
    use connector::xmlrpc::Struct;
    let row = |name: Value, categ: Value| {
        Value::Array(vec![Value::Struct(
            Struct::new()
                .with("id", 1)
                .with("name", name)
                .with("categ_id", categ),
        )])
    };
    let recorded = row(
        Value::from("Baguette"),
        Value::Array(vec![Value::Int(3), Value::from("All")]),
    );
    let mut r = Report::default();
    assert!(same_shape("ok", &recorded, &recorded.clone(), &mut r));
    assert!(same_shape(
        "false is empty",
        &recorded,
        &row(Value::Bool(false), Value::Bool(false)),
        &mut r
    ));
    for (what, ours) in [
        (
            "int for text",
            row(
                Value::Int(1),
                Value::Array(vec![Value::Int(3), Value::from("All")]),
            ),
        ),
        (
            "id list for many2one",
            row(Value::from("B"), Value::Array(vec![Value::Int(3), Value::Int(4)])),
        ),
        ("empty list", Value::Array(vec![])),
        (
            "missing key",
            Value::Array(vec![Value::Struct(Struct::new().with("id", 1).with("name", "B"))]),
        ),
        (
            "extra key",
            Value::Array(vec![Value::Struct(
                Struct::new()
                    .with("id", 1)
                    .with("name", "B")
                    .with("categ_id", false)
                    .with("x", 1),
            )]),
        ),
    ] {
        assert!(
            !same_shape(what, &recorded, &ours, &mut Report::default()),
            "{what} not noticed"
        );
    }
    let dt = Value::from("2026-11-23 02:49:06");
    assert!(!same_shape(
        "date",
        &dt,
        &Value::from("2026-11-23T02:49:06Z"),
        &mut Report::default()
    ));
}
