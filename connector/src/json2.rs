//! Odoo 19's JSON-2 API: `POST /json/2/<model>/<method>` with named
//! arguments, `Authorization: bearer <API key>` and `X-Odoo-Database`; the
//! bare result as the answer, errors as an HTTP status with a JSON body
//! `{name, message, arguments, context, debug}`.
//!
//! This module maps the connector's calls (positional arguments, as
//! `execute_kw` takes them) to JSON-2 requests, and JSON-2 answers to the
//! same values and typed errors as XML-RPC's, so that nothing above the
//! client knows which transport is in use.

use base64::Engine as _;
use serde_json::{Map, Number, Value as Json};

use crate::client::KwCall;
use crate::error::{Error, FaultKind};
use crate::xmlrpc::{Fault, Struct, Value};

/// A JSON-2 request: the path under the server's address and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// e.g. `/json/2/product.template/search_read`.
    pub path: String,
    /// The named arguments.
    pub body: Json,
}

/// Whether the call creates one record from one set of values (JSON-2's
/// `create` always takes and answers lists).
fn creates_one(call: &KwCall) -> bool {
    call.method == "create" && matches!(call.args.first(), Some(Value::Struct(_)))
}

/// The JSON-2 request for an `execute_kw`-style call. Positional arguments
/// become the named ones of the ORM method: `domain` (`search*`), `ids`
/// (`read`, `write`, `unlink`, and any method called on records), `vals`
/// (`write`), `vals_list` (`create`); keyword arguments stay as they are.
pub fn request(call: &KwCall) -> Result<Request, Error> {
    let mut body = Map::new();
    let arg = |n: usize| call.args.get(n);
    let unsupported = || {
        Error::Config(format!(
            "{} cannot be sent over JSON-2: its positional arguments have no names there",
            call.label()
        ))
    };
    match call.method.as_str() {
        "search" | "search_count" => {
            body.insert("domain".into(), to_json(arg(0).unwrap_or(&Value::Array(vec![]))));
        }
        "search_read" => {
            // Odoo's `search_read(domain=None, ...)`: an empty domain is left out.
            match arg(0) {
                Some(Value::Array(d)) if d.is_empty() => {}
                Some(domain) => {
                    body.insert("domain".into(), to_json(domain));
                }
                None => {}
            }
        }
        "create" => {
            let vals_list = match arg(0) {
                Some(Value::Struct(one)) => Json::Array(vec![to_json(&Value::Struct(one.clone()))]),
                Some(list @ Value::Array(_)) => to_json(list),
                _ => return Err(unsupported()),
            };
            body.insert("vals_list".into(), vals_list);
        }
        "write" => {
            body.insert("ids".into(), to_json(arg(0).ok_or_else(unsupported)?));
            body.insert("vals".into(), to_json(arg(1).ok_or_else(unsupported)?));
        }
        "fields_get" | "context_get" if call.args.is_empty() => {}
        _ => match call.args.as_slice() {
            [] => {}
            [ids @ Value::Array(items)] if items.iter().all(|v| matches!(v, Value::Int(_))) => {
                body.insert("ids".into(), to_json(ids));
            }
            _ => return Err(unsupported()),
        },
    }
    for (key, value) in call.kwargs.iter() {
        body.insert(key.to_owned(), to_json(value));
    }
    Ok(Request {
        path: format!("/json/2/{}/{}", call.model, call.method),
        body: Json::Object(body),
    })
}

/// Reads a JSON-2 answer: the value on success (a `create` of one record
/// answers its id, as over XML-RPC), else the typed error.
pub fn decode_response(call: &KwCall, status: u16, body: &[u8]) -> Result<Value, Error> {
    let label = call.label();
    if (200..300).contains(&status) {
        let json: Json = serde_json::from_slice(body).map_err(|e| Error::Decode {
            call: label.clone(),
            field: String::new(),
            message: format!("the answer is not JSON: {e}"),
        })?;
        let value = from_json(json);
        return Ok(match value {
            Value::Array(mut ids) if creates_one(call) && ids.len() == 1 => ids.remove(0),
            other => other,
        });
    }
    Err(error_from(&label, status, body))
}

/// The typed error of a JSON-2 error answer. Odoo's errors are JSON
/// objects naming the Python exception; anything else (a proxy's HTML
/// page) is a transport error with its status.
pub fn error_from(call: &str, status: u16, body: &[u8]) -> Error {
    let parsed: Option<Map<String, Json>> = serde_json::from_slice(body).ok();
    let Some(object) = parsed.filter(|o| o.contains_key("name") || o.contains_key("message")) else {
        return Error::Transport {
            call: call.to_owned(),
            message: format!("HTTP {status}{}", describe_body(body)),
            status: Some(status),
            source: None,
        };
    };
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (name, message) = (text("name"), text("message"));
    let kind = kind_of(status, &name, &message);
    Error::Fault {
        kind,
        call: call.to_owned(),
        message: if message.is_empty() {
            format!("HTTP {status}")
        } else {
            message.clone()
        },
        fault: Fault {
            code: kind.code(),
            string: format!("{name}: {message}"),
        },
    }
}

/// What an error means, from the exception Odoo names and the status.
fn kind_of(status: u16, name: &str, message: &str) -> FaultKind {
    let exception = name.rsplit('.').next().unwrap_or(name);
    match (exception, status) {
        ("AccessDenied" | "Unauthorized", _) | (_, 401) => FaultKind::AccessDenied,
        ("AccessError", _) | (_, 403) => FaultKind::AccessError,
        ("MissingError", _) => FaultKind::MissingRecord,
        ("NotFound", _) if message.contains("model") && message.contains("does not exist") => {
            FaultKind::UnknownModel
        }
        ("UserError" | "ValidationError" | "RedirectWarning", _) | (_, 422) => FaultKind::Validation,
        (_, 404) => FaultKind::MissingRecord,
        _ => FaultKind::Application,
    }
}

/// A short, safe description of a body that is not Odoo's JSON error.
fn describe_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return " with an empty body".into();
    }
    let looks_html = text.starts_with('<');
    let snippet: String = text.chars().filter(|c| !c.is_control()).take(80).collect();
    if looks_html {
        format!(" with an HTML page instead of Odoo's answer ({snippet}...)")
    } else {
        format!(" with a body that is not Odoo's JSON error ({snippet})")
    }
}

/// A value as JSON: dates as Odoo's `YYYY-MM-DD HH:MM:SS` text, binary as
/// base64 text, nil as `null`.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Int(i) => Json::Number(Number::from(*i)),
        Value::Bool(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Double(d) => Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Value::DateTime(dt) => Json::String(dt.format("%Y-%m-%d %H:%M:%S").to_string()),
        Value::Base64(bytes) => Json::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Struct(members) => {
            Json::Object(members.iter().map(|(k, v)| (k.to_owned(), to_json(v))).collect())
        }
        Value::Nil => Json::Null,
    }
}

/// JSON as a value: whole numbers as ints, others as doubles.
pub fn from_json(json: Json) -> Value {
    match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s),
        Json::Array(items) => Value::Array(items.into_iter().map(from_json).collect()),
        Json::Object(members) => Value::Struct(
            members
                .into_iter()
                .map(|(k, v)| (k, from_json(v)))
                .collect::<Struct>(),
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn html_error_pages_are_transport_errors_with_their_status() {
        let err = error_from("x.y", 502, b"<html><body>Bad Gateway</body></html>");
        assert!(
            matches!(
                err,
                Error::Transport {
                    status: Some(502),
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("HTML page"), "{err}");
        let err = error_from("x.y", 500, b"");
        assert!(err.to_string().contains("empty body"), "{err}");
    }

    #[test]
    fn odoo_errors_are_faults_of_their_kind() {
        let body = |name: &str, message: &str| {
            serde_json::json!({"name": name, "message": message, "arguments": [], "context": {}, "debug": ""})
                .to_string()
        };
        for (status, name, message, kind) in [
            (
                401,
                "werkzeug.exceptions.Unauthorized",
                "Invalid apikey",
                FaultKind::AccessDenied,
            ),
            (
                403,
                "odoo.exceptions.AccessError",
                "You are not allowed",
                FaultKind::AccessError,
            ),
            (
                404,
                "odoo.exceptions.MissingError",
                "Record does not exist",
                FaultKind::MissingRecord,
            ),
            (
                404,
                "werkzeug.exceptions.NotFound",
                "the model 'x' does not exist",
                FaultKind::UnknownModel,
            ),
            (
                422,
                "odoo.exceptions.ValidationError",
                "Bad",
                FaultKind::Validation,
            ),
            (
                500,
                "builtins.ValueError",
                "Invalid field",
                FaultKind::Application,
            ),
            (
                400,
                "werkzeug.exceptions.BadRequest",
                "could not parse",
                FaultKind::Application,
            ),
        ] {
            let err = error_from("m.f", status, body(name, message).as_bytes());
            assert_eq!(err.fault_kind(), Some(kind), "{status} {name}");
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn values_round_trip_through_json() {
        let v = Value::Array(vec![
            Value::Int(3),
            Value::Double(0.5),
            Value::Bool(false),
            Value::from("é<b>"),
            Value::Struct(Struct::new().with("a", vec![Value::Int(1)])),
        ]);
        assert_eq!(from_json(to_json(&v)), v);
        // 14.0 stays a double: JSON keeps the decimal point.
        assert_eq!(
            from_json(serde_json::from_str("14.0").unwrap()),
            Value::Double(14.0)
        );
    }
}
