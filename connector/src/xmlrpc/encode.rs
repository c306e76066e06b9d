//! XML-RPC encoding.
//!
//! The output follows Python's `xmlrpc.client` (what Odoo itself parses),
//! with two deliberate differences: empty elements are written as
//! `<tag></tag>`, never `<tag/>`, because some servers reject the short
//! form; and a carriage return in text is written `&#13;` so that XML's
//! line-end normalisation does not turn it into a line feed.

use std::fmt::Write as _;

use base64::Engine as _;

use super::value::Value;

/// Encodes a `<methodCall>`.
pub fn encode_call(method: &str, params: &[Value]) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>");
    escape_into(&mut out, method);
    out.push_str("</methodName>\n<params>\n");
    for param in params {
        out.push_str("<param>\n");
        write_value(&mut out, param);
        out.push_str("\n</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    out
}

/// Encodes a successful `<methodResponse>`.
pub fn encode_response(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n");
    write_value(&mut out, value);
    out.push_str("\n</param>\n</params>\n</methodResponse>\n");
    out
}

/// Encodes a fault `<methodResponse>`.
pub fn encode_fault(code: i32, string: &str) -> String {
    let mut out = String::with_capacity(256 + string.len());
    out.push_str("<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n");
    let fault = super::value::Struct::new()
        .with("faultCode", code)
        .with("faultString", string);
    write_value(&mut out, &Value::Struct(fault));
    out.push_str("\n</fault>\n</methodResponse>\n");
    out
}

/// Appends one `<value>` element.
pub fn write_value(out: &mut String, value: &Value) {
    out.push_str("<value>");
    match value {
        Value::Int(i) => {
            // XML-RPC's <int> is 32 bits; Python sends bigger ones as <int>
            // too and Odoo reads them, so do the same.
            let _ = write!(out, "<int>{i}</int>");
        }
        Value::Bool(b) => {
            out.push_str(if *b {
                "<boolean>1</boolean>"
            } else {
                "<boolean>0</boolean>"
            });
        }
        Value::String(s) => {
            out.push_str("<string>");
            escape_into(out, s);
            out.push_str("</string>");
        }
        Value::Double(d) => {
            out.push_str("<double>");
            write_double(out, *d);
            out.push_str("</double>");
        }
        Value::DateTime(dt) => {
            let _ = write!(
                out,
                "<dateTime.iso8601>{}</dateTime.iso8601>",
                dt.format("%Y%m%dT%H:%M:%S")
            );
        }
        Value::Base64(bytes) => {
            out.push_str("<base64>");
            base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
            out.push_str("</base64>");
        }
        Value::Array(items) => {
            out.push_str("<array><data>\n");
            for item in items {
                write_value(out, item);
                out.push('\n');
            }
            out.push_str("</data></array>");
        }
        Value::Struct(members) => {
            out.push_str("<struct>\n");
            for (name, item) in members.iter() {
                out.push_str("<member>\n<name>");
                escape_into(out, name);
                out.push_str("</name>\n");
                write_value(out, item);
                out.push_str("\n</member>\n");
            }
            out.push_str("</struct>");
        }
        Value::Nil => out.push_str("<nil></nil>"),
    }
    out.push_str("</value>");
}

/// Writes a double as Python's `repr` would (shortest round trip), which
/// is what Odoo's float parsing expects; `nan` and `inf` as Python spells
/// them.
fn write_double(out: &mut String, d: f64) {
    if d.is_nan() {
        out.push_str("nan");
    } else if d.is_infinite() {
        out.push_str(if d > 0.0 { "inf" } else { "-inf" });
    } else if d.fract() == 0.0 && d.abs() < 1e16 {
        let _ = write!(out, "{d:.1}");
    } else {
        let _ = write!(out, "{d}");
    }
}

/// Escapes text for element content.
pub fn escape_into(out: &mut String, text: &str) {
    let mut last = 0;
    for (at, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\r' => "&#13;",
            _ => continue,
        };
        out.push_str(&text[last..at]);
        out.push_str(replacement);
        last = at + 1;
    }
    out.push_str(&text[last..]);
}
