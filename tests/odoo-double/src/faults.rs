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

fn python_str(s: &str) -> String {
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

fn invalid_field_traceback(series: Series, model: &str, field: &str, leaf: &str) -> String {
    let (frames, wording) = match series.major() {
        16 => (
            concat!(
                "  File \"/opt/odoo/odoo/osv/expression.py\", line 447, in __init__\n",
                "    self.parse()\n",
                "  File \"/opt/odoo/odoo/osv/expression.py\", line 674, in parse\n",
                "    raise ValueError(\"Invalid field %s.%s in leaf %s\" % (model._name, path[0], str(leaf)))\n",
            ),
            "leaf",
        ),
        17 | 18 => (
            concat!(
                "  File \"/opt/odoo/odoo/osv/expression.py\", line 599, in domain_combine_anies\n",
                "    domain_any = _anyfy_leaves(domain, model)\n",
                "  File \"/opt/odoo/odoo/osv/expression.py\", line 374, in _anyfy_leaves\n",
                "    raise ValueError(f\"Invalid field {model._name}.{path[0]} in leaf {item}\")\n",
            ),
            "leaf",
        ),
        _ => (
            concat!(
                "  File \"/opt/odoo/odoo/orm/domains.py\", line 916, in __get_field\n",
                "    self._raise(\"Invalid field %s.%s\", model._name, field_name)\n",
                "  File \"/opt/odoo/odoo/orm/domains.py\", line 901, in _raise\n",
                "    raise error(message % (*args, self.field_expr, self.operator, self.value))\n",
            ),
            "condition",
        ),
    };
    format!(
        "{}{frames}ValueError: Invalid field {model}.{field} in {wording} {leaf}\n",
        rpc_frames(series)
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
