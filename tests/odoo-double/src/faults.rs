//! Errors as Odoo reports them over XML-RPC: fault codes, messages and,
//! for application errors, a Python-like traceback whose last lines match
//! the emulated series (see the recordings' exchange 24).

use connector::xmlrpc::{Fault, Value};

use crate::schema::Series;

/// An error raised while serving a call, before it is turned into a fault.
#[derive(Debug, Clone, PartialEq)]
pub enum OdooError {
    /// Code 3: wrong database, uid, password or API key.
    AccessDenied,
    /// Code 4: the user may not do `operation` on `model`.
    AccessError {
        /// The model.
        model: String,
        /// `read`, `write`, `create` or `unlink`.
        operation: &'static str,
    },
    /// Code 4: a private method called remotely.
    PrivateMethod(String),
    /// Code 2: records that do not exist.
    MissingRecord {
        /// The model.
        model: String,
        /// The missing ids.
        ids: Vec<i64>,
    },
    /// Code 2: the model does not exist.
    UnknownModel(String),
    /// Code 2: a user or validation error, with Odoo's message.
    Validation(String),
    /// Code 1: a field a domain names does not exist.
    InvalidDomainField {
        /// The model searched.
        model: String,
        /// The field name.
        field: String,
        /// The leaf, as Python prints it.
        leaf: String,
    },
    /// Code 1: any other exception (`ValueError`, `TypeError`, ...).
    Python {
        /// The exception class.
        exception: String,
        /// Its message.
        message: String,
    },
}

impl OdooError {
    /// A `ValueError`.
    pub fn value_error(message: impl Into<String>) -> OdooError {
        OdooError::Python {
            exception: "ValueError".into(),
            message: message.into(),
        }
    }

    /// A `TypeError`.
    pub fn type_error(message: impl Into<String>) -> OdooError {
        OdooError::Python {
            exception: "TypeError".into(),
            message: message.into(),
        }
    }

    /// A required field left empty.
    pub fn mandatory(model_description: &str, model: &str, field_label: &str, field: &str) -> OdooError {
        OdooError::Validation(format!(
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {model_description} ({model})\nField: {field_label} ({field})"
        ))
    }

    /// The fault Odoo would send. `user` is the caller's uid and name,
    /// `description` the model's `_description` (for access errors).
    pub fn to_fault(&self, series: Series, uid: i64, user_name: &str, description: &str) -> Fault {
        match self {
            OdooError::AccessDenied => fault(3, "Access Denied"),
            OdooError::AccessError { model, operation } => fault(
                4,
                access_message(series, uid, user_name, description, model, operation),
            ),
            OdooError::PrivateMethod(method) => fault(
                4,
                format!("Private methods (such as '{method}') cannot be called remotely."),
            ),
            OdooError::MissingRecord { model, ids } => fault(
                2,
                format!(
                    "Record does not exist or has been deleted.\n(Record: {model}{}, User: {uid})",
                    python_tuple(ids)
                ),
            ),
            OdooError::UnknownModel(model) => fault(2, format!("Object {model} doesn't exist")),
            OdooError::Validation(message) => fault(2, message.clone()),
            OdooError::InvalidDomainField { model, field, leaf } => {
                fault(1, invalid_field_traceback(series, model, field, leaf))
            }
            OdooError::Python { exception, message } => fault(1, traceback(series, exception, message)),
        }
    }
}

impl OdooError {
    /// The error Odoo 19's JSON-2 endpoint answers for this exception: the
    /// `http_status` of Odoo's exception classes (`odoo/exceptions.py`:
    /// `UserError` 422, `AccessDenied`/`AccessError` 403, `MissingError`
    /// 404), 500 for any other exception (`Json2Dispatcher.handle_error` in
    /// `odoo/http.py`).
    pub(crate) fn to_json2(
        &self,
        series: Series,
        uid: i64,
        user_name: &str,
        description: &str,
    ) -> Json2Error {
        let text = || self.to_fault(series, uid, user_name, description).string;
        match self {
            OdooError::AccessDenied => {
                Json2Error::exception(403, "odoo.exceptions.AccessDenied", "Access Denied")
            }
            OdooError::AccessError { .. } | OdooError::PrivateMethod(_) => {
                Json2Error::exception(403, "odoo.exceptions.AccessError", text())
            }
            OdooError::MissingRecord { .. } => {
                Json2Error::exception(404, "odoo.exceptions.MissingError", text())
            }
            OdooError::UnknownModel(model) => {
                Json2Error::not_found(format!("the model {} does not exist", python_str(model)))
            }
            OdooError::Validation(message) => Json2Error::user_error(message),
            OdooError::InvalidDomainField { model, field, leaf } => Json2Error::exception(
                500,
                "builtins.ValueError",
                invalid_field_message(series, model, field, leaf),
            ),
            OdooError::Python { exception, message } => {
                Json2Error::exception(500, &python_class(exception), message.as_str())
            }
        }
    }
}

/// An error as Odoo's JSON-2 endpoint answers it: an HTTP status and the
/// body `{name, message, arguments, context, debug}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Json2Error {
    /// The HTTP status.
    pub status: u16,
    /// The exception's Python path (`werkzeug.exceptions.NotFound`,
    /// `odoo.exceptions.MissingError`, `builtins.ValueError`).
    pub name: String,
    /// Its message.
    pub message: String,
    /// Its `args`.
    pub arguments: Vec<Value>,
    /// Sent with `WWW-Authenticate: Bearer` (werkzeug's `Unauthorized`).
    pub bearer: bool,
}

impl Json2Error {
    /// A werkzeug HTTP exception (`NotFound`, `BadRequest`, ...), whose
    /// arguments are its description and its status.
    pub fn http(status: u16, class: &str, message: impl Into<String>) -> Json2Error {
        let message = message.into();
        Json2Error {
            status,
            name: format!("werkzeug.exceptions.{class}"),
            arguments: vec![Value::from(message.as_str()), Value::Int(i64::from(status))],
            message,
            bearer: status == 401,
        }
    }

    /// 404 `NotFound`.
    pub fn not_found(message: impl Into<String>) -> Json2Error {
        Json2Error::http(404, "NotFound", message)
    }

    /// 400 `BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Json2Error {
        Json2Error::http(400, "BadRequest", message)
    }

    /// 401 `Unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Json2Error {
        Json2Error::http(401, "Unauthorized", message)
    }

    /// 422 `UnprocessableEntity` (arguments that do not fit the method).
    pub fn unprocessable(message: impl Into<String>) -> Json2Error {
        Json2Error::http(422, "UnprocessableEntity", message)
    }

    /// An exception of the ORM or of Python, whose one argument is its
    /// message.
    pub fn exception(status: u16, name: &str, message: impl Into<String>) -> Json2Error {
        let message = message.into();
        Json2Error {
            status,
            name: name.to_owned(),
            arguments: vec![Value::from(message.as_str())],
            message,
            bearer: false,
        }
    }

    /// A `UserError` (422), a `ValidationError` for the messages Odoo
    /// raises as such (constraints and integrity errors).
    pub fn user_error(message: &str) -> Json2Error {
        let class = if message.starts_with("The operation cannot be completed")
            || message.starts_with("You cannot create recursive")
        {
            "odoo.exceptions.ValidationError"
        } else {
            "odoo.exceptions.UserError"
        };
        Json2Error::exception(422, class, message)
    }

    /// The JSON-2 error Odoo sends where its XML-RPC side sends `fault` (for
    /// injected faults): code 1 a 500 naming the traceback's exception, 2 a
    /// `MissingError` (404) or a `UserError`/`ValidationError` (422), 3 a
    /// 401 `Invalid apikey`, 4 an `AccessError` (403).
    pub fn from_fault(fault: &Fault) -> Json2Error {
        let text = fault.string.as_str();
        match fault.code {
            2 if text.starts_with("Record does not exist or has been deleted.") => {
                Json2Error::exception(404, "odoo.exceptions.MissingError", text)
            }
            2 => Json2Error::user_error(text),
            3 => Json2Error::unauthorized("Invalid apikey"),
            4 => Json2Error::exception(403, "odoo.exceptions.AccessError", text),
            _ => {
                let (class, message) = last_exception(text);
                Json2Error::exception(500, &class, message)
            }
        }
    }

    /// A Python-like traceback for `debug`.
    pub fn debug(&self) -> String {
        let last = match self.name.strip_prefix("builtins.") {
            Some(short) => format!("{short}: {}", self.message),
            None if self.name.starts_with("werkzeug.") => format!(
                "{}: {} {}: {}",
                self.name,
                self.status,
                reason(self.status),
                self.message
            ),
            None => format!("{}: {}", self.name, self.message),
        };
        format!(
            concat!(
                "Traceback (most recent call last):\n",
                "  File \"/opt/odoo/odoo/http.py\", line 2207, in _serve_db\n",
                "    return service_model.retrying(serve_func, env=self.env)\n",
                "  File \"/opt/odoo/odoo/service/model.py\", line 184, in retrying\n",
                "    result = func()\n",
                "  File \"/opt/odoo/addons/rpc/controllers/json2.py\", line 79, in web_json_2_rpc\n",
                "    result = func(records, **kwargs)\n",
                "{}\n"
            ),
            last
        )
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        _ => "Internal Server Error",
    }
}

/// `builtins.ValueError` for `ValueError`; dotted names stay as they are.
fn python_class(exception: &str) -> String {
    if exception.contains('.') {
        exception.to_owned()
    } else {
        format!("builtins.{exception}")
    }
}

/// The exception class and message a traceback ends with (the whole text
/// as a `builtins.Exception` when it is not a traceback).
fn last_exception(text: &str) -> (String, String) {
    let is_class = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    if text.starts_with("Traceback") {
        if let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) {
            match line.split_once(": ") {
                Some((class, message)) if is_class(class) => {
                    return (python_class(class), message.to_owned())
                }
                None if is_class(line.trim()) => return (python_class(line.trim()), String::new()),
                _ => {}
            }
        }
    }
    ("builtins.Exception".to_owned(), text.to_owned())
}

fn fault(code: i32, string: impl Into<String>) -> Fault {
    Fault {
        code,
        string: string.into(),
    }
}

fn access_message(
    series: Series,
    uid: i64,
    user: &str,
    description: &str,
    model: &str,
    operation: &str,
) -> String {
    if series.major() <= 16 {
        let verb = if operation == "read" { "access" } else { "modify" };
        return format!(
            "Due to security restrictions, you are not allowed to {verb} '{description}' ({model}) records.\n\nContact your administrator to request access if necessary."
        );
    }
    format!(
        "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, {user} (id={uid}) doesn't have '{operation}' access to:\n- {description} ({model})\n\nIf you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies."
    )
}

/// `(1,)` or `(1, 2)`, as Python prints a tuple of ids.
pub fn python_tuple(ids: &[i64]) -> String {
    match ids {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A value as Python's `repr` prints it (for leaves in messages).
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Int(i) => i.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Nil => "None".into(),
        Value::Double(d) => {
            if d.is_finite() && d.fract() == 0.0 && d.abs() < 1e16 {
                format!("{d:.1}")
            } else {
                format!("{d}")
            }
        }
        Value::String(s) => python_str(s),
        Value::DateTime(d) => python_str(&d.format("%Y%m%dT%H:%M:%S").to_string()),
        Value::Base64(b) => format!("b'<{} bytes>'", b.len()),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Struct(s) => format!(
            "{{{}}}",
            s.iter()
                .map(|(k, v)| format!("{}: {}", python_str(k), python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(crate) fn python_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A leaf `(field, op, value)` as Python prints it.
pub fn python_leaf(field: &str, operator: &str, value: &Value) -> String {
    format!(
        "({}, {}, {})",
        python_str(field),
        python_str(operator),
        python_repr(value)
    )
}

/// The outer frames every RPC traceback starts with.
fn rpc_frames(series: Series) -> &'static str {
    match series.major() {
        16 => concat!(
            "Traceback (most recent call last):\n",
            "  File \"/opt/odoo/odoo/addons/base/controllers/rpc.py\", line 147, in xmlrpc_2\n",
            "    response = self._xmlrpc(service)\n",
            "  File \"/opt/odoo/odoo/addons/base/controllers/rpc.py\", line 127, in _xmlrpc\n",
            "    result = dispatch_rpc(service, method, params)\n",
            "  File \"/opt/odoo/odoo/http.py\", line 369, in dispatch_rpc\n",
            "    return dispatch(method, params)\n",
            "  File \"/opt/odoo/odoo/service/model.py\", line 37, in dispatch\n",
            "    res = execute_kw(db, uid, *params[3:])\n",
            "  File \"/opt/odoo/odoo/service/model.py\", line 59, in execute_kw\n",
            "    return execute(db, uid, obj, method, *args, **kw or {})\n",
            "  File \"/opt/odoo/odoo/api.py\", line 464, in call_kw\n",
            "    result = _call_kw_model(method, model, args, kwargs)\n",
        ),
        17 | 18 => concat!(
            "Traceback (most recent call last):\n",
            "  File \"/opt/odoo/odoo/addons/base/controllers/rpc.py\", line 162, in xmlrpc_2\n",
            "    response = self._xmlrpc(service)\n",
            "  File \"/opt/odoo/odoo/addons/base/controllers/rpc.py\", line 139, in _xmlrpc\n",
            "    result = dispatch_rpc(service, method, params)\n",
            "  File \"/opt/odoo/odoo/http.py\", line 399, in dispatch_rpc\n",
            "    return dispatch(method, params)\n",
            "  File \"/opt/odoo/odoo/service/model.py\", line 39, in dispatch\n",
            "    res = execute_kw(db, uid, *params[3:])\n",
            "  File \"/opt/odoo/odoo/service/model.py\", line 61, in execute_kw\n",
            "    return execute(db, uid, obj, method, *args, **kw or {})\n",
            "  File \"/opt/odoo/odoo/api.py\", line 484, in call_kw\n",
            "    result = _call_kw_model(method, model, args, kwargs)\n",
        ),
        _ => concat!(
            "Traceback (most recent call last):\n",
            "  File \"/opt/odoo/addons/rpc/controllers/xmlrpc.py\", line 162, in xmlrpc_2\n",
            "    response = self._xmlrpc(service)\n",
            "  File \"/opt/odoo/addons/rpc/controllers/xmlrpc.py\", line 134, in _xmlrpc\n",
            "    result = dispatch_rpc(service, method, params)\n",
            "  File \"/opt/odoo/odoo/http.py\", line 439, in dispatch_rpc\n",
            "    return dispatch(method, params)\n",
            "  File \"/opt/odoo/odoo/service/model.py\", line 129, in dispatch\n",
            "    res = execute_cr(cr, uid, model, method_, args, kw)\n",
            "  File \"/opt/odoo/odoo/service/model.py\", line 93, in call_kw\n",
            "    result = method(recs, *args, **kwargs)\n",
        ),
    }
}

/// A traceback ending in `exception: message`.
pub fn traceback(series: Series, exception: &str, message: &str) -> String {
    format!("{}{exception}: {message}\n", rpc_frames(series))
}

/// `Invalid field product.template.x in condition ('x', '=', 1)` (`leaf`
/// before 19).
fn invalid_field_message(series: Series, model: &str, field: &str, leaf: &str) -> String {
    let wording = if series.major() >= 19 { "condition" } else { "leaf" };
    format!("Invalid field {model}.{field} in {wording} {leaf}")
}

fn invalid_field_traceback(series: Series, model: &str, field: &str, leaf: &str) -> String {
    let frames = match series.major() {
        16 => concat!(
            "  File \"/opt/odoo/odoo/osv/expression.py\", line 447, in __init__\n",
            "    self.parse()\n",
            "  File \"/opt/odoo/odoo/osv/expression.py\", line 674, in parse\n",
            "    raise ValueError(\"Invalid field %s.%s in leaf %s\" % (model._name, path[0], str(leaf)))\n",
        ),
        17 | 18 => concat!(
            "  File \"/opt/odoo/odoo/osv/expression.py\", line 599, in domain_combine_anies\n",
            "    domain_any = _anyfy_leaves(domain, model)\n",
            "  File \"/opt/odoo/odoo/osv/expression.py\", line 374, in _anyfy_leaves\n",
            "    raise ValueError(f\"Invalid field {model._name}.{path[0]} in leaf {item}\")\n",
        ),
        _ => concat!(
            "  File \"/opt/odoo/odoo/orm/domains.py\", line 916, in __get_field\n",
            "    self._raise(\"Invalid field %s.%s\", model._name, field_name)\n",
            "  File \"/opt/odoo/odoo/orm/domains.py\", line 901, in _raise\n",
            "    raise error(message % (*args, self.field_expr, self.operator, self.value))\n",
        ),
    };
    format!(
        "{}{frames}ValueError: {}\n",
        rpc_frames(series),
        invalid_field_message(series, model, field, leaf)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_reprs() {
        let leaf = python_leaf("no_such_field", "=", &Value::Int(1));
        assert_eq!(leaf, "('no_such_field', '=', 1)");
        assert_eq!(python_repr(&Value::from("l'été")), "\"l'été\"");
        assert_eq!(python_repr(&Value::Double(2.0)), "2.0");
        assert_eq!(python_tuple(&[999999]), "(999999,)");
        assert_eq!(python_tuple(&[1, 2]), "(1, 2)");
    }

    #[test]
    fn invalid_field_last_line_follows_the_series() {
        let leaf = python_leaf("no_such_field", "=", &Value::Int(1));
        for (series, word) in [
            (Series::V16, "leaf"),
            (Series::V18, "leaf"),
            (Series::V19, "condition"),
        ] {
            let f = OdooError::InvalidDomainField {
                model: "product.template".into(),
                field: "no_such_field".into(),
                leaf: leaf.clone(),
            }
            .to_fault(series, 2, "Admin", "Product");
            assert_eq!(f.code, 1);
            assert!(f.string.starts_with("Traceback (most recent call last):\n"));
            let last = f.string.trim_end().lines().last().unwrap_or_default();
            assert_eq!(
                last,
                format!("ValueError: Invalid field product.template.no_such_field in {word} ('no_such_field', '=', 1)")
            );
        }
    }
}
