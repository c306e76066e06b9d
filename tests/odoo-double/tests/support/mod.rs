//! A tiny XML-RPC client over HTTP for the double's tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub use connector::xmlrpc::{decode_response, encode_call, Fault, MethodResponse, Struct, Value};
use odoo_double::{Dataset, OdooDouble};

pub mod client;

/// A client for one double, logged in as a user.
pub struct Odoo {
    pub http: reqwest::Client,
    pub url: String,
    pub db: String,
    pub uid: i64,
    pub password: String,
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn decode(&self) -> Result<Value, Fault> {
        match decode_response(&self.body)
            .unwrap_or_else(|e| panic!("undecodable answer {e}: {}", self.text()))
        {
            MethodResponse::Success(v) => Ok(v),
            MethodResponse::Fault(f) => Err(f),
        }
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

/// POSTs a body to a path of the double.
pub async fn post(url: &str, path: &str, body: impl Into<reqwest::Body>) -> Answer {
    let r = http()
        .post(format!("{url}{path}"))
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = r.bytes().await.unwrap().to_vec();
    Answer {
        status,
        content_type,
        body,
    }
}

/// Calls a method of a service (`common` or `object`).
pub async fn call(url: &str, service: &str, method: &str, params: Vec<Value>) -> Result<Value, Fault> {
    let answer = post(url, &format!("/xmlrpc/2/{service}"), encode_call(method, &params)).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.decode()
}

impl Odoo {
    /// Logs in through `common.authenticate`.
    pub async fn login(double: &OdooDouble, login: &str, password: &str) -> Odoo {
        let uid = call(
            &double.url(),
            "common",
            "authenticate",
            vec![
                double.db().into(),
                login.into(),
                password.into(),
                Value::Struct(Struct::new()),
            ],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap_or_else(|| panic!("{login} cannot log in"));
        Odoo {
            http: http(),
            url: double.url(),
            db: double.db().to_owned(),
            uid,
            password: password.to_owned(),
        }
    }

    /// As the dataset's admin.
    pub async fn admin(double: &OdooDouble) -> Odoo {
        Odoo::login(double, double.admin_login(), double.admin_password()).await
    }

    /// `execute_kw(model, method, args, kwargs)`.
    pub async fn kw(
        &self,
        model: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Struct,
    ) -> Result<Value, Fault> {
        call(
            &self.url,
            "object",
            "execute_kw",
            vec![
                self.db.as_str().into(),
                Value::Int(self.uid),
                self.password.as_str().into(),
                model.into(),
                method.into(),
                Value::Array(args),
                Value::Struct(kwargs),
            ],
        )
        .await
    }

    /// `search_read(domain, **kwargs)`, rows as structs.
    pub async fn search_read(&self, model: &str, domain: Value, kwargs: Struct) -> Vec<Struct> {
        let v = self
            .kw(model, "search_read", vec![domain], kwargs)
            .await
            .unwrap_or_else(|f| panic!("{}", f.string));
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_struct().unwrap().clone())
            .collect()
    }

    /// `search(domain, **kwargs)`.
    pub async fn search(&self, model: &str, domain: Value, kwargs: Struct) -> Vec<i64> {
        let v = self
            .kw(model, "search", vec![domain], kwargs)
            .await
            .unwrap_or_else(|f| panic!("{}", f.string));
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_i64().unwrap())
            .collect()
    }

    /// One field of one record, read in `lang`.
    pub async fn field(&self, model: &str, id: i64, field: &str) -> Value {
        let rows = self
            .kw(
                model,
                "read",
                vec![Value::from(vec![id]), Value::from(vec![field])],
                Struct::new(),
            )
            .await
            .unwrap_or_else(|f| panic!("{}", f.string));
        rows.as_array().unwrap()[0]
            .as_struct()
            .unwrap()
            .get(field)
            .unwrap()
            .clone()
    }
}

/// A domain leaf.
pub fn leaf(field: &str, op: &str, value: impl Into<Value>) -> Value {
    Value::Array(vec![field.into(), op.into(), value.into()])
}

/// A domain from leaves and operators.
pub fn domain(items: Vec<Value>) -> Value {
    Value::Array(items)
}

pub fn kwargs(pairs: Vec<(&str, Value)>) -> Struct {
    let mut s = Struct::new();
    for (k, v) in pairs {
        s.insert(k, v);
    }
    s
}

pub fn ctx(pairs: Vec<(&str, Value)>) -> Value {
    Value::Struct(kwargs(pairs))
}

pub async fn shop() -> OdooDouble {
    OdooDouble::start(Dataset::shop()).await.unwrap()
}

pub fn ids(v: &[Struct]) -> Vec<i64> {
    v.iter().map(|r| r.get("id").unwrap().as_i64().unwrap()).collect()
}

pub fn text<'a>(row: &'a Struct, field: &str) -> &'a str {
    row.get(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{field} is not text in {row:?}"))
}

/// Sends a request with these headers (no `Content-Type` unless given).
pub async fn send(url: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http().request(method, format!("{url}{path}")).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header("content-type");
    let body = r.bytes().await.unwrap().to_vec();
    Answer {
        status,
        content_type,
        body,
    }
}

/// A JSON-2 call: `POST /json/2/<model>/<method>` with a bearer key and the
/// database header.
pub async fn json2(
    double: &OdooDouble,
    key: &str,
    model: &str,
    method: &str,
    body: serde_json::Value,
) -> Answer {
    send(
        &double.url(),
        "POST",
        &format!("/json/2/{model}/{method}"),
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &format!("bearer {key}")),
            ("X-Odoo-Database", double.db()),
        ],
        body.to_string().into_bytes(),
    )
    .await
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// `shared/odoo-json2`, found as [`wire_dir`] is.
pub fn json2_dir() -> std::path::PathBuf {
    shared_dir("odoo-json2")
}

/// `shared/odoo-wire`: beside the repository (`../../shared` from the
/// workspace root, so three levels up from this crate), or `../../shared`
/// from this crate.
pub fn wire_dir() -> std::path::PathBuf {
    shared_dir("odoo-wire")
}

fn shared_dir(name: &str) -> std::path::PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        here.join("../../../shared").join(name),
        here.join("../../shared").join(name),
    ];
    candidates
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .unwrap_or_else(|| panic!("no recordings at {candidates:?}"))
}

// ----- shapes of answers ---------------------------------------------------

/// What a shape comparison found.
#[derive(Default)]
pub struct Report {
    pub errors: Vec<String>,
    /// Values compared with a type (not `false` on either side).
    pub compared: usize,
}

pub fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

pub fn is_many2one(items: &[Value]) -> bool {
    matches!(items, [Value::Int(_), Value::String(_)])
}

/// Whether `ours` has the shape of `recorded` (errors go to `report`).
pub fn same_shape(path: &str, recorded: &Value, ours: &Value, report: &mut Report) -> bool {
    let mut scratch = Report::default();
    shape(path, recorded, ours, &mut scratch);
    let ok = scratch.errors.is_empty();
    report.compared += scratch.compared;
    report.errors.extend(scratch.errors);
    ok
}

/// Compares the shape of `ours` with Odoo's `recorded` answer: `false`
/// stands for any empty value; values of the same type, many2one as
/// `[id, name]`, datetimes as text, structs with the same keys, lists item
/// by item against their best-matching recorded item.
pub fn shape(path: &str, recorded: &Value, ours: &Value, report: &mut Report) {
    match (recorded, ours) {
        (Value::Bool(false), _) | (_, Value::Bool(false)) => {}
        (Value::Int(_), Value::Int(_))
        | (Value::Double(_), Value::Double(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Base64(_), Value::Base64(_))
        | (Value::DateTime(_), Value::DateTime(_))
        | (Value::Nil, Value::Nil) => report.compared += 1,
        (Value::String(r), Value::String(o)) => {
            report.compared += 1;
            if is_datetime(r) && !is_datetime(o) {
                report
                    .errors
                    .push(format!("{path}: {o:?} is not a datetime like {r:?}"));
            }
        }
        (Value::Array(r), Value::Array(o)) => {
            report.compared += 1;
            if r.is_empty() {
                return;
            }
            if o.is_empty() {
                report.errors.push(format!(
                    "{path}: empty list where Odoo answered {} item(s)",
                    r.len()
                ));
                return;
            }
            if is_many2one(r) {
                if !is_many2one(o) {
                    report.errors.push(format!(
                        "{path}: {ours} is not a many2one [id, name] like {recorded}"
                    ));
                }
                return;
            }
            for (i, item) in o.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                let mut best: Option<Report> = None;
                for candidate in r {
                    let mut attempt = Report::default();
                    shape(&item_path, candidate, item, &mut attempt);
                    if attempt.errors.is_empty() {
                        best = Some(attempt);
                        break;
                    }
                    if best
                        .as_ref()
                        .is_none_or(|b| attempt.errors.len() < b.errors.len())
                    {
                        best = Some(attempt);
                    }
                }
                if let Some(b) = best {
                    report.compared += b.compared;
                    report.errors.extend(b.errors);
                }
            }
        }
        (Value::Struct(r), Value::Struct(o)) => {
            report.compared += 1;
            let rk: Vec<&str> = r.iter().map(|(k, _)| k).collect();
            let ok: Vec<&str> = o.iter().map(|(k, _)| k).collect();
            let missing: Vec<&&str> = rk.iter().filter(|k| !ok.contains(k)).collect();
            let extra: Vec<&&str> = ok.iter().filter(|k| !rk.contains(k)).collect();
            if !missing.is_empty() || !extra.is_empty() {
                report.errors.push(format!(
                    "{path}: keys differ: missing {missing:?}, extra {extra:?}"
                ));
            }
            for (k, rv) in r.iter() {
                if let Some(ov) = o.get(k) {
                    shape(&format!("{path}.{k}"), rv, ov, report);
                }
            }
        }
        _ => report.errors.push(format!(
            "{path}: {} where Odoo sent {} ({recorded})",
            ours.type_name(),
            recorded.type_name()
        )),
    }
}
