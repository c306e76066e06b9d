//! Odoo 19's JSON-2 API: `POST /json/2/<model>/<method>` with an API key
//! as bearer token, the method's named arguments (plus `ids` and
//! `context`) as a JSON object, the bare result as the answer, and errors
//! as an HTTP status with `{name, message, arguments, context, debug}`.
//!
//! Calls are served by the same models as XML-RPC ([`call_model`]); this
//! module adds what JSON-2 does differently, after Odoo's
//! `addons/rpc/controllers/json2.py` (`web_json_2_rpc`) and the `json2`
//! dispatcher of `odoo/http.py`: the JSON codec (Python's `json` module
//! messages and number formats), API-key authentication, method lookup and
//! signature binding (`inspect.Signature.bind`), and the status of each
//! error.

use std::fmt::Write as _;

use base64::Engine as _;
use connector::xmlrpc::{Struct, Value};

use crate::dataset::user_ctx;
use crate::db::Database;
use crate::faults::{python_str, Json2Error};
use crate::rpc::{apply_context, call_model, ids_arg, is_mutating};

/// The content type of every JSON-2 answer.
pub(crate) const CONTENT_TYPE: &str = "application/json; charset=utf-8";

// ----- routing and authentication ------------------------------------------

/// `(model, method)` of `/json/2/<model>/<method>` (`None` for any other
/// path under `/json/2`).
pub(crate) fn route(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/json/2/")?;
    let (model, method) = rest.split_once('/')?;
    if model.is_empty() || method.is_empty() || method.contains('/') {
        return None;
    }
    Some((percent_decode(model), percent_decode(method)))
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token of an `Authorization: bearer <token>` header (the scheme in
/// any case), as Odoo's `_auth_method_bearer` reads it.
pub(crate) fn bearer_token(header: Option<&str>) -> Option<&str> {
    let header = header?;
    let scheme = header.get(..6)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let rest = header.get(6..)?;
    let token = rest.trim_start();
    if token.len() == rest.len() || token.is_empty() {
        return None;
    }
    Some(token.trim_end())
}

/// The active user whose API key `key` is (passwords do not authenticate
/// JSON-2 calls).
pub(crate) fn api_key_user(db: &Database, key: &str) -> Option<i64> {
    if key.is_empty() {
        return None;
    }
    db.credentials
        .iter()
        .filter(|(_, c)| c.api_keys.iter().any(|k| k == key))
        .map(|(uid, _)| *uid)
        .filter(|uid| {
            db.record("res.users", *uid)
                .is_some_and(|r| r.get("active").as_bool())
        })
        .min()
}

// ----- calls -----------------------------------------------------------------

/// How a method is called over JSON-2: on the model (`@api.model`, no
/// `ids` allowed) or on records, and its named parameters (`true`:
/// required), as in Odoo 19's signatures.
struct Signature {
    model_level: bool,
    params: &'static [(&'static str, bool)],
    /// Accepts further keyword arguments (`search_read(**read_kwargs)`,
    /// which `_read_format` then refuses).
    var_kwargs: bool,
}

fn signature(model: &str, method: &str) -> Option<Signature> {
    let sig = |model_level, params, var_kwargs| Signature {
        model_level,
        params,
        var_kwargs,
    };
    Some(match method {
        "search" => sig(
            true,
            &[
                ("domain", true),
                ("offset", false),
                ("limit", false),
                ("order", false),
            ],
            false,
        ),
        "search_count" => sig(true, &[("domain", true), ("limit", false)], false),
        "search_read" => sig(
            true,
            &[
                ("domain", false),
                ("fields", false),
                ("offset", false),
                ("limit", false),
                ("order", false),
                ("load", false),
            ],
            true,
        ),
        "read" => sig(false, &[("fields", false), ("load", false)], false),
        "exists" | "unlink" => sig(false, &[], false),
        "create" => sig(true, &[("vals_list", true)], false),
        "write" => sig(false, &[("vals", true)], false),
        "fields_get" => sig(true, &[("allfields", false), ("attributes", false)], false),
        "name_search" => sig(
            true,
            &[
                ("name", false),
                ("domain", false),
                ("operator", false),
                ("limit", false),
            ],
            false,
        ),
        "check_access_rights" => sig(true, &[("operation", true), ("raise_exception", false)], false),
        "context_get" if model == "res.users" => sig(true, &[], false),
        // JSON-2 is 19.0's: `has_group` is asked of one user.
        "has_group" if model == "res.users" => sig(false, &[("group_ext_id", true)], false),
        "action_cancel" | "action_confirm" | "action_draft" if model == "sale.order" => {
            sig(false, &[], false)
        }
        "button_validate" if model == "stock.picking" => sig(false, &[], false),
        "check_object_reference" if model == "ir.model.data" => sig(
            true,
            &[
                ("module", true),
                ("xml_id", true),
                ("raise_on_access_error", false),
            ],
            false,
        ),
        "action_send_mail" if model == "mail.compose.message" => sig(false, &[], false),
        "method_direct_trigger" if model == "ir.cron" => sig(false, &[], false),
        // `message_post(self, *, body='', ..., **kwargs)`: any keyword.
        "message_post" if matches!(model, "res.partner" | "sale.order") => sig(false, &[], true),
        _ => return None,
    })
}

/// Serves `POST /json/2/<model>/<method>` for the user `uid` (already
/// authenticated by API key), with the body's named arguments.
pub(crate) fn call(
    db: &mut Database,
    uid: i64,
    model: &str,
    method: &str,
    mut params: Struct,
) -> Result<Value, Json2Error> {
    // `jsonrequest | args`: the path's parameters win over the body's.
    params.remove("model");
    params.remove("method");
    let ids = params.remove("ids");
    let context = params.remove("context");
    let mut ctx = user_ctx(db, uid);
    let describe = |db: &Database, e: &crate::faults::OdooError| {
        let description = db
            .tables
            .get(model)
            .map(|t| t.schema.description.clone())
            .unwrap_or_default();
        e.to_json2(db.series, uid, &db.user_name(uid), &description)
    };
    if !db.tables.contains_key(model) {
        return Err(Json2Error::not_found(format!(
            "the model {} does not exist",
            python_str(model)
        )));
    }
    // `Model.with_context(context)`
    match context {
        None => {}
        Some(Value::Struct(context)) => apply_context(&mut ctx, &context),
        Some(other) => {
            return Err(Json2Error::exception(
                500,
                "builtins.TypeError",
                format!("'{}' object is not iterable", python_type(&other)),
            ))
        }
    }
    db.check_lang(&ctx.lang).map_err(|e| describe(&*db, &e))?;
    // `get_public_method`
    if method.starts_with('_') {
        return Err(Json2Error::exception(
            403,
            "odoo.exceptions.AccessError",
            format!("Private methods (such as '{model}.{method}') cannot be called remotely."),
        ));
    }
    let Some(sig) = signature(model, method) else {
        return Err(Json2Error::not_found(format!(
            "The method '{model}.{method}' does not exist"
        )));
    };
    let ids = ids_arg(ids.as_ref()).map_err(|e| describe(&*db, &e))?;
    if sig.model_level && !ids.is_empty() {
        return Err(Json2Error::unprocessable(format!(
            "cannot call {model}.{method} with ids"
        )));
    }
    // `inspect.signature(func).bind(records, **kwargs)`
    if let Some((name, _)) = sig
        .params
        .iter()
        .find(|(name, required)| *required && !params.contains_key(name))
    {
        return Err(Json2Error::unprocessable(format!(
            "missing a required argument: '{name}'"
        )));
    }
    let extra: Vec<String> = params
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !sig.params.iter().any(|(name, _)| name == k))
        .map(str::to_owned)
        .collect();
    if let Some(name) = extra.first() {
        if !sig.var_kwargs {
            return Err(Json2Error::unprocessable(format!(
                "got an unexpected keyword argument '{name}'"
            )));
        }
    }
    // `search_read` hands its further keywords to `_read_format`, which
    // refuses them (below); `message_post` takes any.
    let passes_on = method == "message_post";
    if !passes_on {
        for name in &extra {
            params.remove(name);
        }
    }
    let args = if sig.model_level {
        Vec::new()
    } else {
        vec![Value::Array(ids.into_iter().map(Value::Int).collect())]
    };
    let snapshot = is_mutating(method).then(|| db.snapshot());
    match call_model(db, &ctx, model, method, args, params) {
        Ok(value) => {
            if let Some(name) = extra.first().filter(|_| !passes_on) {
                // search_read searched, then `_read_format(**read_kwargs)` failed.
                return Err(Json2Error::exception(
                    500,
                    "builtins.TypeError",
                    format!("BaseModel._read_format() got an unexpected keyword argument '{name}'"),
                ));
            }
            Ok(match (method, value) {
                // A recordset answers its ids: `create` given one dict too.
                ("create", Value::Int(id)) => Value::Array(vec![Value::Int(id)]),
                (_, value) => value,
            })
        }
        Err(e) => {
            if let Some(s) = snapshot {
                db.restore(s);
            }
            Err(describe(&*db, &e))
        }
    }
}

fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Int(_) => "int",
        Value::Bool(_) => "bool",
        Value::String(_) | Value::DateTime(_) => "str",
        Value::Double(_) => "float",
        Value::Base64(_) => "bytes",
        Value::Array(_) => "list",
        Value::Struct(_) => "dict",
        Value::Nil => "NoneType",
    }
}

// ----- decoding ----------------------------------------------------------------

/// The named arguments of a request body: an empty body is no arguments; a
/// body that is not JSON or not an object is a 400, worded as Odoo's.
pub(crate) fn parse_body(body: &[u8]) -> Result<Struct, Json2Error> {
    if body.is_empty() {
        return Ok(Struct::new());
    }
    // werkzeug's `get_data(as_text=True)`: invalid UTF-8 is replaced.
    let text = String::from_utf8_lossy(body);
    // The connector's value tree reads JSON as the models expect it:
    // integers as `Int` (`Double` beyond 64 bits), other numbers as
    // `Double`, `null` as `Nil` (Python's `None`), members in order.
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Struct(params)) => Ok(params),
        Ok(_) => Err(Json2Error::bad_request(
            "could not parse the body, expecting a json object",
        )),
        Err(e) => Err(Json2Error::bad_request(format!(
            "could not parse the body as json: {}",
            python_json_error(&text, &e)
        ))),
    }
}

/// serde_json's error as Python's `json` module words it:
/// `Expecting value: line 1 column 1 (char 0)`.
fn python_json_error(text: &str, e: &serde_json::Error) -> String {
    let full = e.to_string();
    let what = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
    let eof = e.classify() == serde_json::error::Category::Eof;
    let mut pos = if eof {
        text.len()
    } else {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(e.line().saturating_sub(1))
            .map(str::len)
            .sum();
        (line_start + e.column().saturating_sub(1)).min(text.len())
    };
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let last = text[..pos].trim_end().chars().last();
    let at = text[pos..].chars().next();
    let message = match what {
        "EOF while parsing a string" => {
            pos = text.rfind('"').unwrap_or(0);
            "Unterminated string starting at"
        }
        "EOF while parsing an object" => match last {
            Some('{' | ',') => "Expecting property name enclosed in double quotes",
            Some(':') => "Expecting value",
            _ => "Expecting ',' delimiter",
        },
        "EOF while parsing a list" => match last {
            Some('[' | ',') => "Expecting value",
            _ => "Expecting ',' delimiter",
        },
        "EOF while parsing a value"
        | "expected value"
        | "expected ident"
        | "invalid number"
        | "number out of range" => {
            // Python points at the start of the token it could not read.
            while pos > 0
                && text[..pos]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
            {
                pos -= 1;
            }
            "Expecting value"
        }
        "key must be a string" => "Expecting property name enclosed in double quotes",
        "expected `:`" => "Expecting ':' delimiter",
        "expected `,` or `}`" | "expected `,` or `]`" => "Expecting ',' delimiter",
        "trailing comma" => match at {
            Some('}') => "Expecting property name enclosed in double quotes",
            _ => "Expecting value",
        },
        "trailing characters" => "Extra data",
        "invalid escape" => "Invalid \\escape",
        m if m.starts_with("control character") => "Invalid control character at",
        m if m.contains("unicode") || m.contains("surrogate") => "Invalid \\uXXXX escape",
        other => other,
    };
    let before = &text[..pos];
    let char_at = before.chars().count();
    let line = before.matches('\n').count() + 1;
    let column = match before.rfind('\n') {
        Some(nl) => before[nl + 1..].chars().count() + 1,
        None => char_at + 1,
    };
    format!("{message}: line {line} column {column} (char {char_at})")
}

// ----- encoding ----------------------------------------------------------------

/// `value` as Odoo's `make_json_response` writes it (`json.dumps(...,
/// ensure_ascii=False)`): `", "` and `": "` separators, floats as Python's
/// `repr`, datetimes as `"YYYY-MM-DD HH:MM:SS"`, binaries as base64 text.
pub(crate) fn encode(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value);
    out
}

fn write_json(out: &mut String, value: &Value) {
    match value {
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Nil => out.push_str("null"),
        Value::Double(d) => out.push_str(&python_float(*d)),
        Value::String(s) => write_str(out, s),
        Value::DateTime(d) => write_str(out, &d.format("%Y-%m-%d %H:%M:%S").to_string()),
        Value::Base64(b) => write_str(out, &base64::engine::general_purpose::STANDARD.encode(b)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Struct(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k);
                out.push_str(": ");
                write_json(out, v);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as Python's `repr` (and `json.dumps`) writes it: `14.0`,
/// `205.2`, `1e-05`, `1e+16`, `NaN`, `Infinity`.
pub(crate) fn python_float(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Shortest round-trip digits, e.g. "-2.052e2".
    let sci = format!("{d:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    let body = if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = usize::try_from(exp).unwrap_or(0) + 1;
            if n <= int_len {
                format!("{digits}{}.0", "0".repeat(int_len - n))
            } else {
                format!("{}.{}", &digits[..int_len], &digits[int_len..])
            }
        } else {
            let zeros = usize::try_from(-exp - 1).unwrap_or(0);
            format!("0.{}{digits}", "0".repeat(zeros))
        }
    } else {
        let mantissa = if n == 1 {
            digits.clone()
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    };
    format!("{sign}{body}")
}

/// The body of an error answer, keys in Odoo's order.
pub(crate) fn error_body(error: &Json2Error) -> String {
    encode(&Value::Struct(
        Struct::new()
            .with("name", error.name.as_str())
            .with("message", error.message.as_str())
            .with("arguments", Value::Array(error.arguments.clone()))
            .with("context", Struct::new())
            .with("debug", error.debug()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_python_writes_them() {
        for (d, text) in [
            (14.0, "14.0"),
            (205.2, "205.2"),
            (30.75, "30.75"),
            (-0.5, "-0.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (1.25e20, "1.25e+20"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(python_float(d), text, "{d}");
        }
    }

    #[test]
    fn values_as_python_json() {
        let v = Value::Array(vec![Value::Struct(
            Struct::new()
                .with("id", 1)
                .with("name", "Hôtel \"5*\"\n")
                .with(
                    "categ_id",
                    Value::Array(vec![Value::Int(2), Value::from("Expenses")]),
                )
                .with("ok", true)
                .with("none", Value::Nil),
        )]);
        assert_eq!(
            encode(&v),
            r#"[{"id": 1, "name": "Hôtel \"5*\"\n", "categ_id": [2, "Expenses"], "ok": true, "none": null}]"#
        );
    }

    #[test]
    fn bodies_parse_into_values() {
        let p = parse_body(
            br#"{"ids": [1, 2], "x": 2.0, "n": null, "big": 18446744073709551615, "s": "\u00e9"}"#,
        )
        .unwrap_or_default();
        assert_eq!(
            p.get("ids"),
            Some(&Value::Array(vec![Value::Int(1), Value::Int(2)]))
        );
        assert_eq!(p.get("x"), Some(&Value::Double(2.0)));
        assert_eq!(p.get("n"), Some(&Value::Nil));
        assert!(matches!(p.get("big"), Some(Value::Double(_))));
        assert_eq!(p.get("s"), Some(&Value::from("é")));
        assert_eq!(parse_body(b"").map(|s| s.len()), Ok(0));
    }

    #[test]
    fn parse_errors_are_worded_as_python() {
        let message = |body: &str| {
            parse_body(body.as_bytes())
                .err()
                .map(|e| e.message)
                .unwrap_or_default()
        };
        let prefix = "could not parse the body as json: ";
        for (body, expected) in [
            (
                "{not json",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            ("not json", "Expecting value: line 1 column 1 (char 0)"),
            (
                "{",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            ("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"),
            (
                "{\"a\": 1 \"b\": 2}",
                "Expecting ',' delimiter: line 1 column 9 (char 8)",
            ),
            ("{\"a\": }", "Expecting value: line 1 column 7 (char 6)"),
            ("{} x", "Extra data: line 1 column 4 (char 3)"),
            ("  ", "Expecting value: line 1 column 3 (char 2)"),
        ] {
            assert_eq!(message(body), format!("{prefix}{expected}"), "{body:?}");
        }
        for body in ["null", "[1]", "3"] {
            assert_eq!(message(body), "could not parse the body, expecting a json object");
        }
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(bearer_token(Some("bearer abc")), Some("abc"));
        assert_eq!(bearer_token(Some("Bearer   abc ")), Some("abc"));
        assert_eq!(bearer_token(Some("BEARER abc")), Some("abc"));
        assert_eq!(bearer_token(Some("Basic abc")), None);
        assert_eq!(bearer_token(Some("bearerabc")), None);
        assert_eq!(bearer_token(Some("bearer ")), None);
        assert_eq!(bearer_token(Some("bé")), None);
        assert_eq!(bearer_token(None), None);
    }

    #[test]
    fn routes() {
        assert_eq!(
            route("/json/2/res.partner/search"),
            Some(("res.partner".into(), "search".into()))
        );
        assert_eq!(
            route("/json/2/res%2Epartner/search"),
            Some(("res.partner".into(), "search".into()))
        );
        assert_eq!(route("/json/2/res.partner"), None);
        assert_eq!(route("/json/2/res.partner/search/x"), None);
        assert_eq!(route("/json/2//search"), None);
        assert_eq!(route("/json/2"), None);
    }
}
