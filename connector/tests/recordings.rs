//! The recordings of real Odoo servers (../shared/odoo-wire/*/index.json)
//! are the contract: for each exchange, the call is rebuilt through the
//! client's typed API and sent over HTTP to a server that replays the
//! recording. The server checks that the request the client sent is the
//! recorded one (equal value trees); the test checks that the recorded answer
//! decodes to the typed result, or that the fault has the right kind.
//! Folders and exchanges are discovered: a new recording needs no code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use connector::client::{FieldInfo, Query};
use connector::error::{fault_message, Error};
use connector::xmlrpc::{decode_call, decode_response, MethodCall, MethodResponse, Struct, Value};
use connector::{Client, Credentials, Domain};
use serde::Deserialize;

#[derive(Deserialize)]
struct Index {
    server_serie: String,
    calls: Vec<IndexCall>,
}

#[derive(Deserialize)]
struct IndexCall {
    file: String,
    endpoint: String,
    method: String,
    fault: Option<IndexFault>,
}

#[derive(Deserialize)]
struct IndexFault {
    #[serde(rename = "faultCode")]
    code: i32,
    #[serde(rename = "faultString")]
    string: String,
}

/// How many answers were decoded as typed records.
static TYPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// What the replaying server saw.
#[derive(Default)]
struct Seen {
    matched: usize,
    problems: Vec<String>,
}

#[tokio::test]
async fn every_recorded_exchange_round_trips_through_the_client() {
    let dirs = support::recording_dirs(&support::wire_dir());
    assert!(
        dirs.len() >= 4,
        "expected the 16.0 to 19.0 recordings, found {dirs:?}"
    );
    let mut exchanges = 0;
    for dir in dirs {
        let index: Index =
            serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
        for call in &index.calls {
            replay(&dir, &index, call).await;
            exchanges += 1;
        }
    }
    assert!(exchanges >= 4 * 37, "only {exchanges} exchanges replayed");
    // Every series reads at least products, variants, categories, pricelists,
    // items, taxes, units, customers, users, currency, company, orders,
    // lines and events as typed records.
    let typed = TYPED.load(std::sync::atomic::Ordering::Relaxed);
    assert!(typed >= 4 * 14, "only {typed} answers decoded as typed records");
}

async fn replay(dir: &Path, index: &Index, call: &IndexCall) {
    let name = format!("{}/{}", dir.file_name().unwrap().to_string_lossy(), call.file);
    let request_xml = std::fs::read(dir.join(format!("{}.request.xml", call.file))).unwrap();
    let response_xml = std::fs::read(dir.join(format!("{}.response.xml", call.file))).unwrap();
    let recorded = decode_call(&request_xml).unwrap_or_else(|e| panic!("{name}: request: {e}"));
    assert_eq!(recorded.method, call.method, "{name}: index and request disagree");
    // The codec alone: decode, encode, decode gives the same tree.
    assert_eq!(
        decode_call(recorded.encode().as_bytes()).unwrap(),
        recorded,
        "{name}"
    );
    let recorded_response =
        decode_response(&response_xml).unwrap_or_else(|e| panic!("{name}: response: {e}"));

    let seen = Arc::new(Mutex::new(Seen::default()));
    let server = {
        let seen = seen.clone();
        let expected = recorded.clone();
        let endpoint = call.endpoint.clone();
        support::serve(move |path, body| {
            let got = match decode_call(&body) {
                Ok(got) => got,
                Err(e) => {
                    seen.lock()
                        .unwrap()
                        .problems
                        .push(format!("undecodable request: {e}"));
                    return (400, Vec::new());
                }
            };
            // The client authenticates before its first execute_kw: answer
            // with the uid the recording used.
            if got.method == "authenticate" && expected.method == "execute_kw" {
                let uid = expected.params[1].clone();
                return (200, connector::xmlrpc::encode_response(&uid).into_bytes());
            }
            let mut seen = seen.lock().unwrap();
            if path != endpoint {
                seen.problems
                    .push(format!("sent to {path}, recorded at {endpoint}"));
            }
            if got != expected {
                seen.problems
                    .push(format!("sent\n  {}\nrecorded\n  {}", show(&got), show(&expected)));
            } else {
                seen.matched += 1;
            }
            (200, response_xml.clone())
        })
        .await
    };

    let db = recorded
        .params
        .first()
        .and_then(Value::as_str)
        .unwrap_or("db")
        .to_owned();
    let password = match recorded.method.as_str() {
        "execute_kw" | "authenticate" => recorded.params[2].as_str().unwrap().to_owned(),
        _ => "unused".to_owned(),
    };
    let client = Client::builder(server.url())
        .database(&db)
        .credentials(Credentials::new("recorded-user", password.clone()))
        .read_retries(0)
        .build()
        .unwrap();

    let outcome = match recorded.method.as_str() {
        "version" => client.version().await.map(|v| {
            assert_eq!(v.server_serie, index.server_serie, "{name}");
            assert!(v.major().is_some_and(|m| (16..=99).contains(&m)), "{name}: {v:?}");
        }),
        "authenticate" => {
            let login = recorded.params[1].as_str().unwrap();
            client
                .authenticate(login, &password)
                .await
                .map(|uid| match &recorded_response {
                    MethodResponse::Success(Value::Int(n)) => assert_eq!(uid, Some(*n), "{name}"),
                    MethodResponse::Success(Value::Bool(false)) => assert_eq!(uid, None, "{name}"),
                    other => panic!("{name}: unexpected recorded answer {other:?}"),
                })
        }
        "execute_kw" => execute_kw(&client, &recorded, &recorded_response, &name).await,
        other => panic!("{name}: no typed call for {other}"),
    };

    match (&call.fault, outcome) {
        (None, Ok(())) => {}
        (None, Err(e)) => panic!("{name}: {e}"),
        (Some(fault), Ok(())) => panic!("{name}: expected fault {}, got an answer", fault.code),
        (Some(fault), Err(e)) => {
            let Error::Fault {
                kind,
                message,
                fault: got,
                ..
            } = &e
            else {
                panic!("{name}: expected fault {}, got {e}", fault.code)
            };
            assert_eq!(kind.code(), fault.code, "{name}: {kind:?}");
            assert_eq!(got.code, fault.code, "{name}");
            let last_line = message.lines().last().unwrap_or_default().trim();
            assert_eq!(last_line, fault.string.trim(), "{name}: message");
            assert_eq!(fault_message(got), *message, "{name}");
            match fault.code {
                1 => assert!(message.contains("Invalid field"), "{name}: {message}"),
                2 if message.contains("doesn't exist") => {
                    assert_eq!(*kind, connector::FaultKind::UnknownModel, "{name}")
                }
                2 => assert_eq!(*kind, connector::FaultKind::MissingRecord, "{name}"),
                _ => {}
            }
        }
    }
    let seen = seen.lock().unwrap();
    assert!(seen.problems.is_empty(), "{name}: {}", seen.problems.join("\n"));
    // Reads are sent twice: once decoded as typed records, once as structs.
    assert!(seen.matched >= 1, "{name}: the recorded call was not sent");
}

/// Rebuilds a recorded `execute_kw` through the typed API and checks the
/// typed answer against the recorded one.
async fn execute_kw(
    client: &Client,
    recorded: &MethodCall,
    response: &MethodResponse,
    name: &str,
) -> Result<(), Error> {
    let [_, _, _, Value::String(model), Value::String(method), Value::Array(args), Value::Struct(kwargs)] =
        recorded.params.as_slice()
    else {
        panic!("{name}: not an execute_kw call: {}", show(recorded));
    };
    let m = client.model(model.as_str());
    let expected = match response {
        MethodResponse::Success(v) => Some(v),
        MethodResponse::Fault(_) => None,
    };
    let domain = || Domain::from_value(&args[0]).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ids = || -> Vec<i64> {
        args[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    };
    match method.as_str() {
        "search" => {
            let got: Vec<i64> = with_kwargs(m.search(domain()), kwargs).send().await?;
            assert_eq!(
                Some(got.len()),
                expected.and_then(|v| v.as_array()).map(<[Value]>::len),
                "{name}"
            );
        }
        "search_count" => {
            let got: u64 = with_kwargs(m.search_count(domain()), kwargs).send().await?;
            assert_eq!(Some(got as i64), expected.and_then(Value::as_i64), "{name}");
        }
        "search_read" | "read" => {
            let query = if method == "read" {
                m.read(ids())
            } else {
                m.search_read(domain())
            };
            let query = with_kwargs(query, kwargs);
            let requested: HashSet<String> = kwargs
                .get("fields")
                .and_then(Value::as_array)
                .map(|f| f.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let typed = typed_records(model, query.clone(), &requested, name).await;
            let rows: Vec<Struct> = query.send().await?;
            if let Some(typed) = typed {
                assert_eq!(typed?, rows.len(), "{name}");
                TYPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let expected_rows = expected.and_then(Value::as_array).map(<[Value]>::len);
            assert_eq!(Some(rows.len()), expected_rows, "{name}");
            for row in &rows {
                assert!(
                    row.get("id").and_then(Value::as_i64).is_some(),
                    "{name}: row without id"
                );
                for field in &requested {
                    assert!(row.contains_key(field), "{name}: {field} missing");
                }
            }
        }
        "fields_get" => {
            let fields = with_kwargs(m.fields_get(), kwargs)
                .returning::<std::collections::BTreeMap<String, FieldInfo>>();
            let got = fields.send().await?;
            assert!(got.len() > 20, "{name}: only {} fields", got.len());
            assert!(got.values().all(|f| !f.field_type.is_empty()), "{name}");
            assert_eq!(got["name"].field_type, "char", "{name}");
        }
        "create" => {
            let values = args[0].as_struct().unwrap().clone();
            let id: i64 = with_kwargs(m.create(values), kwargs).send().await?;
            assert_eq!(Some(id), expected.and_then(Value::as_i64), "{name}");
        }
        "write" => {
            let values = args[1].as_struct().unwrap().clone();
            assert!(
                with_kwargs(m.write(ids(), values), kwargs).send().await?,
                "{name}"
            );
        }
        "unlink" => {
            assert!(with_kwargs(m.unlink(ids()), kwargs).send().await?, "{name}");
        }
        other => {
            let got: Value = with_kwargs(m.call_on(other, ids()), kwargs).send().await?;
            assert_eq!(Some(&got), expected, "{name}");
        }
    }
    Ok(())
}

/// Applies recorded keyword arguments through the builder's own methods.
fn with_kwargs<'c, T>(mut query: Query<'c, T>, kwargs: &Struct) -> Query<'c, T> {
    for (key, value) in kwargs.iter() {
        query = match (key, value) {
            ("fields", Value::Array(f)) => query.fields(f.iter().map(|v| v.as_str().unwrap().to_owned())),
            ("attributes", Value::Array(f)) => {
                query.attributes(f.iter().map(|v| v.as_str().unwrap().to_owned()))
            }
            ("order", Value::String(o)) => query.order(o.as_str()),
            ("limit", Value::Int(n)) => query.limit(u32::try_from(*n).unwrap()),
            ("offset", Value::Int(n)) => query.offset(u32::try_from(*n).unwrap()),
            ("context", Value::Struct(ctx)) => {
                let mut q = query;
                for (k, v) in ctx.iter() {
                    q = match (k, v) {
                        ("lang", Value::String(l)) => q.lang(l.as_str()),
                        ("active_test", Value::Bool(b)) => q.active_test(*b),
                        _ => q.context(k, v.clone()),
                    };
                }
                q
            }
            _ => query.kwarg(key, value.clone()),
        };
    }
    query
}

/// Decodes the answer as the model's typed record when the request asked
/// for every field that record needs; `None` when it did not.
async fn typed_records(
    model: &str,
    query: Query<'_, Vec<Struct>>,
    requested: &HashSet<String>,
    name: &str,
) -> Option<Result<usize, Error>> {
    use connector::records::*;
    async fn typed<R: Record + std::fmt::Debug>(
        query: Query<'_, Vec<Struct>>,
        requested: &HashSet<String>,
    ) -> Option<Result<usize, Error>> {
        R::field_names(requested).ok()?;
        Some(query.returning::<Vec<R>>().send().await.map(|rows| rows.len()))
    }
    let _ = name;
    match model {
        ProductTemplate::MODEL => typed::<ProductTemplate>(query, requested).await,
        ProductVariant::MODEL => typed::<ProductVariant>(query, requested).await,
        PublicCategory::MODEL => typed::<PublicCategory>(query, requested).await,
        ProductCategory::MODEL => typed::<ProductCategory>(query, requested).await,
        Uom::MODEL => typed::<Uom>(query, requested).await,
        Pricelist::MODEL => typed::<Pricelist>(query, requested).await,
        PricelistItem::MODEL => typed::<PricelistItem>(query, requested).await,
        Tax::MODEL => typed::<Tax>(query, requested).await,
        Currency::MODEL => typed::<Currency>(query, requested).await,
        Partner::MODEL => typed::<Partner>(query, requested).await,
        User::MODEL => typed::<User>(query, requested).await,
        Company::MODEL => typed::<Company>(query, requested).await,
        CalendarEvent::MODEL => typed::<CalendarEvent>(query, requested).await,
        CrmTag::MODEL => typed::<CrmTag>(query, requested).await,
        SaleOrder::MODEL => typed::<SaleOrder>(query, requested).await,
        SaleOrderLine::MODEL => typed::<SaleOrderLine>(query, requested).await,
        _ => None,
    }
}

fn show(call: &MethodCall) -> String {
    format!(
        "{}({})",
        call.method,
        call.params
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}
