//! A tiny XML-RPC client over HTTP for the double's tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub use connector::xmlrpc::{decode_response, encode_call, Fault, MethodResponse, Struct, Value};
use odoo_double::{Dataset, OdooDouble};

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
