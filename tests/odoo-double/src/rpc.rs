//! The XML-RPC services: `common` (`version`, `authenticate`, `login`)
//! and `object` (`execute_kw`, `execute`), with Odoo's arguments, checks
//! and faults.

use connector::domain::{Condition, Domain, Operator};
use connector::xmlrpc::{Fault, MethodCall, Struct, Value};

use crate::dataset::{authenticate, check_password, user_ctx};
use crate::db::{Ctx, Database};
use crate::faults::{traceback, OdooError};
use crate::read::Env;
use crate::schema::FieldType;

/// Which endpoint a call came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Common,
    Object,
}

/// Serves one call.
pub(crate) fn dispatch(db: &mut Database, service: Service, call: &MethodCall) -> Result<Value, Fault> {
    match service {
        Service::Common => common(db, call),
        Service::Object => object(db, call),
    }
}

fn name_error(db: &Database, method: &str) -> Fault {
    Fault {
        code: 1,
        string: traceback(db.series, "NameError", &format!("Method not available {method}")),
    }
}

fn type_error(db: &Database, message: &str) -> Fault {
    Fault {
        code: 1,
        string: traceback(db.series, "TypeError", message),
    }
}

fn common(db: &mut Database, call: &MethodCall) -> Result<Value, Fault> {
    let p = &call.params;
    let text = |i: usize| p.get(i).and_then(Value::as_str).unwrap_or_default();
    match call.method.as_str() {
        "version" => {
            let major = i64::from(db.series.major());
            Ok(Value::Struct(
                Struct::new()
                    .with("server_version", db.server_version.as_str())
                    .with(
                        "server_version_info",
                        vec![
                            Value::Int(major),
                            Value::Int(0),
                            Value::Int(0),
                            Value::from("final"),
                            Value::Int(0),
                            Value::from(""),
                        ],
                    )
                    .with("server_serie", db.series.as_string())
                    .with("protocol_version", 1),
            ))
        }
        "authenticate" | "login" => {
            let needed = if call.method == "authenticate" { 4 } else { 3 };
            if p.len() < needed {
                return Err(type_error(
                    db,
                    &format!(
                        "exp_{}() missing {} required positional argument(s)",
                        call.method,
                        needed - p.len()
                    ),
                ));
            }
            Ok(match authenticate(db, text(0), text(1), text(2)) {
                Some(uid) => {
                    let now = crate::db::Cell::Str(db.now_string());
                    let _ = db.put("res.users", uid, "login_date", now);
                    Value::Int(uid)
                }
                None => Value::Bool(false),
            })
        }
        "about" => Ok(Value::from("See http://openerp.com")),
        other => Err(name_error(db, other)),
    }
}

fn object(db: &mut Database, call: &MethodCall) -> Result<Value, Fault> {
    let p = &call.params;
    let (args, kwargs) = match call.method.as_str() {
        "execute_kw" => {
            if p.len() < 5 {
                return Err(type_error(
                    db,
                    "execute_kw() missing required positional arguments",
                ));
            }
            let args = match p.get(5) {
                None => Vec::new(),
                Some(Value::Array(a)) => a.clone(),
                Some(_) => {
                    return Err(type_error(
                        db,
                        "execute_kw() argument after * must be an iterable",
                    ))
                }
            };
            let kwargs = match p.get(6) {
                None | Some(Value::Nil) => Struct::new(),
                Some(Value::Struct(s)) => s.clone(),
                Some(_) => return Err(type_error(db, "execute_kw() argument after ** must be a mapping")),
            };
            (args, kwargs)
        }
        "execute" => {
            if p.len() < 5 {
                return Err(type_error(db, "execute() missing required positional arguments"));
            }
            (p[5..].to_vec(), Struct::new())
        }
        other => return Err(name_error(db, other)),
    };
    let database = p.first().and_then(Value::as_str).unwrap_or_default();
    let uid = p.get(1).and_then(Value::as_i64).unwrap_or(0);
    let password = p.get(2).and_then(Value::as_str).unwrap_or_default();
    let denied = |db: &Database| {
        let ctx = Ctx::superuser();
        db.fault(&ctx, "", &OdooError::AccessDenied)
    };
    if database != db.name || !check_password(db, uid, password) {
        return Err(denied(db));
    }
    let model = p.get(3).and_then(Value::as_str).unwrap_or_default().to_owned();
    let method = p.get(4).and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut ctx = user_ctx(db, uid);
    let mut kwargs = kwargs;
    if let Some(Value::Struct(context)) = kwargs.remove("context") {
        apply_context(&mut ctx, &context);
    }
    if let Err(e) = db.check_lang(&ctx.lang) {
        return Err(db.fault(&ctx, &model, &e));
    }
    let mutating = is_mutating(&method);
    let snapshot = mutating.then(|| db.snapshot());
    match call_model(db, &ctx, &model, &method, args, kwargs) {
        Ok(v) => Ok(v),
        Err(e) => {
            if let Some(s) = snapshot {
                db.restore(s);
            }
            Err(db.fault(&ctx, &model, &e))
        }
    }
}

pub(crate) fn apply_context(ctx: &mut Ctx, context: &Struct) {
    ctx.context = context.clone();
    if let Some(Value::String(lang)) = context.get("lang") {
        if !lang.is_empty() {
            ctx.lang = lang.clone();
        }
    }
    match context.get("active_test") {
        Some(Value::Bool(b)) => ctx.active_test = *b,
        Some(Value::Int(i)) => ctx.active_test = *i != 0,
        _ => {}
    }
    ctx.defaults = context
        .iter()
        .filter_map(|(key, value)| {
            let field = key.strip_prefix("default_")?;
            Some((field.to_owned(), value.clone()))
        })
        .collect();
}

pub(crate) fn is_mutating(method: &str) -> bool {
    matches!(
        method,
        "create"
            | "write"
            | "unlink"
            | "action_cancel"
            | "action_confirm"
            | "action_draft"
            | "button_validate"
            | "action_send_mail"
            | "message_post"
            | "method_direct_trigger"
    )
}

/// Binds positional and keyword arguments to parameter names, as Python
/// would.
fn bind(
    method: &str,
    names: &[&str],
    args: Vec<Value>,
    mut kwargs: Struct,
) -> Result<Vec<Option<Value>>, OdooError> {
    if args.len() > names.len() {
        return Err(OdooError::type_error(format!(
            "{method}() takes {} positional arguments but {} were given",
            names.len() + 1,
            args.len() + 1
        )));
    }
    let mut out: Vec<Option<Value>> = args.into_iter().map(Some).collect();
    out.resize(names.len(), None);
    for (i, name) in names.iter().enumerate() {
        if let Some(v) = kwargs.remove(name) {
            if out[i].is_some() {
                return Err(OdooError::type_error(format!(
                    "{method}() got multiple values for argument '{name}'"
                )));
            }
            out[i] = Some(v);
        }
    }
    if let Some((unknown, _)) = kwargs.iter().next() {
        return Err(OdooError::type_error(format!(
            "{method}() got an unexpected keyword argument '{unknown}'"
        )));
    }
    Ok(out)
}

pub(crate) fn ids_arg(value: Option<&Value>) -> Result<Vec<i64>, OdooError> {
    match value {
        None | Some(Value::Bool(false)) | Some(Value::Nil) => Ok(Vec::new()),
        Some(Value::Int(i)) => Ok(vec![*i]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_i64().ok_or_else(|| {
                    OdooError::type_error(format!("ids must be integers, not {}", v.type_name()))
                })
            })
            .collect(),
        Some(v) => Err(OdooError::type_error(format!(
            "ids must be a list, not {}",
            v.type_name()
        ))),
    }
}

fn domain_arg(value: Option<&Value>) -> Result<Domain, OdooError> {
    match value {
        None | Some(Value::Bool(false)) | Some(Value::Nil) => Ok(Domain::All),
        Some(v) => {
            Domain::from_value(v).map_err(|e| OdooError::value_error(format!("Invalid domain: {}", e.0)))
        }
    }
}

fn fields_arg(value: Option<&Value>) -> Result<Vec<String>, OdooError> {
    match value {
        None | Some(Value::Bool(false)) | Some(Value::Nil) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| OdooError::type_error("field names must be strings"))
            })
            .collect(),
        Some(v) => Err(OdooError::type_error(format!(
            "fields must be a list, not {}",
            v.type_name()
        ))),
    }
}

fn usize_arg(value: Option<&Value>, name: &str) -> Result<Option<usize>, OdooError> {
    match value {
        None | Some(Value::Bool(false)) | Some(Value::Nil) => Ok(None),
        Some(Value::Int(i)) => Ok(usize::try_from(*i).ok().filter(|n| *n > 0)),
        Some(Value::Double(d)) if *d >= 0.0 => Ok(Some(*d as usize).filter(|n| *n > 0)),
        Some(v) => Err(OdooError::type_error(format!(
            "{name} must be an integer, not {}",
            v.type_name()
        ))),
    }
}

fn order_arg(value: Option<&Value>) -> Result<Option<String>, OdooError> {
    match value {
        None | Some(Value::Bool(false)) | Some(Value::Nil) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(OdooError::type_error(format!(
            "order must be a string, not {}",
            v.type_name()
        ))),
    }
}

pub(crate) fn call_model(
    db: &mut Database,
    ctx: &Ctx,
    model: &str,
    method: &str,
    args: Vec<Value>,
    kwargs: Struct,
) -> Result<Value, OdooError> {
    let schema = db.schema_arc(model)?;
    if method.starts_with('_') {
        return Err(OdooError::PrivateMethod(method.to_owned()));
    }
    let v16 = db.series.major() <= 16;
    match method {
        "search" => {
            let names: &[&str] = if v16 {
                &["domain", "offset", "limit", "order", "count"]
            } else {
                &["domain", "offset", "limit", "order"]
            };
            let a = bind(method, names, args, kwargs)?;
            db.check_access(ctx, model, "read", &[])?;
            let domain = domain_arg(a[0].as_ref())?;
            let offset = usize_arg(a[1].as_ref(), "offset")?.unwrap_or(0);
            let limit = usize_arg(a[2].as_ref(), "limit")?;
            let order = order_arg(a[3].as_ref())?;
            let env = Env::new(db, ctx);
            let ids = env.search(model, &domain, order.as_deref(), offset, limit)?;
            if a.get(4).and_then(|v| v.as_ref()).is_some_and(|v| !v.is_false()) {
                return Ok(Value::Int(ids.len() as i64));
            }
            Ok(Value::Array(ids.into_iter().map(Value::Int).collect()))
        }
        "search_count" => {
            let a = bind(method, &["domain", "limit"], args, kwargs)?;
            db.check_access(ctx, model, "read", &[])?;
            let domain = domain_arg(a[0].as_ref())?;
            let limit = usize_arg(a[1].as_ref(), "limit")?;
            let env = Env::new(db, ctx);
            let ids = env.search(model, &domain, Some("id"), 0, limit)?;
            Ok(Value::Int(ids.len() as i64))
        }
        "search_read" => {
            let a = bind(
                method,
                &["domain", "fields", "offset", "limit", "order", "load"],
                args,
                kwargs,
            )?;
            db.check_access(ctx, model, "read", &[])?;
            let domain = domain_arg(a[0].as_ref())?;
            let fields = fields_arg(a[1].as_ref())?;
            let offset = usize_arg(a[2].as_ref(), "offset")?.unwrap_or(0);
            let limit = usize_arg(a[3].as_ref(), "limit")?;
            let order = order_arg(a[4].as_ref())?;
            let classic = !a[5].as_ref().is_some_and(Value::is_false);
            let env = Env::new(db, ctx);
            // Invalid field names fail before the search, as in Odoo.
            env.read(model, &[], &fields, classic)?;
            let ids = env.search(model, &domain, order.as_deref(), offset, limit)?;
            let rows = env.read(model, &ids, &fields, classic)?;
            Ok(Value::Array(rows.into_iter().map(Value::Struct).collect()))
        }
        "read" => {
            let a = bind(method, &["ids", "fields", "load"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            db.check_access(ctx, model, "read", &ids)?;
            let fields = fields_arg(a[1].as_ref())?;
            let classic = !a[2].as_ref().is_some_and(Value::is_false);
            let env = Env::new(db, ctx);
            let rows = env.read(model, &ids, &fields, classic)?;
            Ok(Value::Array(rows.into_iter().map(Value::Struct).collect()))
        }
        "exists" => {
            let a = bind(method, &["ids"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            Ok(Value::Array(
                ids.into_iter()
                    .filter(|i| db.exists(model, *i))
                    .map(Value::Int)
                    .collect(),
            ))
        }
        "create" => {
            let a = bind(method, &["vals_list"], args, kwargs)?;
            db.check_access(ctx, model, "create", &[])?;
            let create_one = |db: &mut Database, values: &Struct| -> Result<i64, OdooError> {
                match model {
                    "stock.quant" => db.create_quant(ctx, values),
                    "mail.compose.message" => {
                        let id = db.create_record(ctx, model, values)?;
                        db.composer_compute(ctx, id, values)?;
                        Ok(id)
                    }
                    _ => db.create_record(ctx, model, values),
                }
            };
            match a[0].clone() {
                Some(Value::Struct(values)) => Ok(Value::Int(create_one(db, &values)?)),
                Some(Value::Array(list)) => {
                    let mut ids = Vec::with_capacity(list.len());
                    for item in list {
                        let Value::Struct(values) = item else {
                            return Err(OdooError::type_error(
                                "create() expects a dict or a list of dicts",
                            ));
                        };
                        ids.push(Value::Int(create_one(db, &values)?));
                    }
                    Ok(Value::Array(ids))
                }
                _ => Err(OdooError::type_error(
                    "create() expects a dict or a list of dicts",
                )),
            }
        }
        "write" => {
            let a = bind(method, &["ids", "vals"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            db.check_access(ctx, model, "write", &ids)?;
            let Some(Value::Struct(values)) = a[1].clone() else {
                return Err(OdooError::type_error(
                    "write() missing 1 required positional argument: 'vals'",
                ));
            };
            db.write_records(ctx, model, &ids, &values)?;
            Ok(Value::Bool(true))
        }
        "unlink" => {
            let a = bind(method, &["ids"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            db.check_access(ctx, model, "unlink", &ids)?;
            db.unlink_records(ctx, model, &ids)?;
            Ok(Value::Bool(true))
        }
        "fields_get" => {
            let a = bind(method, &["allfields", "attributes"], args, kwargs)?;
            db.check_access(ctx, model, "read", &[])?;
            let only = fields_arg(a[0].as_ref())?;
            let attributes = fields_arg(a[1].as_ref())?;
            Ok(Value::Struct(fields_get(db, &schema, &only, &attributes)))
        }
        "name_search" => {
            let a = bind(
                method,
                &["name", "args", "operator", "limit", "domain"],
                args,
                kwargs,
            )?;
            db.check_access(ctx, model, "read", &[])?;
            let name = a[0]
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let mut domain = domain_arg(a[1].as_ref().or(a[4].as_ref()))?;
            let operator = a[2].as_ref().and_then(Value::as_str).unwrap_or("ilike");
            let operator = Operator::parse(operator)
                .ok_or_else(|| OdooError::value_error(format!("Invalid operator {operator:?}")))?;
            let limit = match a[3].as_ref() {
                None => Some(100),
                other => usize_arg(other, "limit")?,
            };
            if !name.is_empty() || !matches!(operator, Operator::Ilike | Operator::Like) {
                let field = if schema.field(&schema.rec_name).is_some() {
                    schema.rec_name.clone()
                } else {
                    "display_name".into()
                };
                let mut by_name = Domain::Leaf(Condition {
                    field,
                    operator,
                    value: Value::String(name.clone()),
                });
                if matches!(model, "product.product" | "product.template") {
                    by_name = by_name
                        | Domain::Leaf(Condition {
                            field: "default_code".into(),
                            operator,
                            value: Value::String(name),
                        });
                }
                domain = domain & by_name;
            }
            let env = Env::new(db, ctx);
            let ids = env.search(model, &domain, None, 0, limit)?;
            Ok(Value::Array(
                ids.into_iter()
                    .map(|id| Value::Array(vec![Value::Int(id), Value::String(env.display_name(model, id))]))
                    .collect(),
            ))
        }
        "name_get" if v16 => {
            let a = bind(method, &["ids"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            db.check_access(ctx, model, "read", &ids)?;
            let env = Env::new(db, ctx);
            let missing: Vec<i64> = ids.iter().copied().filter(|i| !db.exists(model, *i)).collect();
            if !missing.is_empty() {
                return Err(OdooError::MissingRecord {
                    model: model.to_owned(),
                    ids: missing,
                });
            }
            Ok(Value::Array(
                ids.into_iter()
                    .map(|id| Value::Array(vec![Value::Int(id), Value::String(env.display_name(model, id))]))
                    .collect(),
            ))
        }
        "check_access_rights" => {
            let a = bind(method, &["operation", "raise_exception"], args, kwargs)?;
            let operation = match a[0].as_ref().and_then(Value::as_str) {
                Some("read") => "read",
                Some("write") => "write",
                Some("create") => "create",
                Some("unlink") => "unlink",
                other => {
                    return Err(OdooError::value_error(format!("Invalid access mode {other:?}")));
                }
            };
            let raise = !a[1].as_ref().is_some_and(Value::is_false);
            match db.check_access(ctx, model, operation, &[]) {
                Ok(()) => Ok(Value::Bool(true)),
                Err(e) if raise => Err(e),
                Err(_) => Ok(Value::Bool(false)),
            }
        }
        "has_group" if model == "res.users" => {
            // 16.0: a model method asked of the caller; later, of one user.
            let (uid, group) = if v16 {
                let a = bind(method, &["group_ext_id"], args, kwargs)?;
                (ctx.uid, a[0].clone())
            } else {
                let a = bind(method, &["ids", "group_ext_id"], args, kwargs)?;
                match ids_arg(a[0].as_ref())?.as_slice() {
                    [one] => (*one, a[1].clone()),
                    ids => {
                        return Err(OdooError::value_error(format!(
                            "Expected singleton: res.users({})",
                            ids.iter().map(|id| format!("{id},")).collect::<String>()
                        )))
                    }
                }
            };
            let Some(group) = group.as_ref().and_then(Value::as_str).map(str::to_owned) else {
                return Err(OdooError::type_error(
                    "has_group() missing 1 required positional argument: 'group_ext_id'",
                ));
            };
            if !db.knows_group(&group) {
                if v16 {
                    return Ok(Value::Bool(false));
                }
                return Err(OdooError::value_error(format!(
                    "External ID not found in the system: {group}"
                )));
            }
            let internal = db
                .record("res.users", uid)
                .is_some_and(|user| !user.get("share").as_bool());
            let answer = match group.as_str() {
                "base.group_user" => internal,
                "base.group_portal" => !internal,
                other => internal && db.group_on(other),
            };
            Ok(Value::Bool(answer))
        }
        "context_get" if model == "res.users" => {
            bind(method, &[], args, kwargs)?;
            context_get(db, &schema, ctx.uid).map(Value::Struct)
        }
        "action_cancel" | "action_confirm" | "action_draft" if model == "sale.order" => {
            let a = bind(method, &["ids"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            db.check_access(ctx, model, "write", &ids)?;
            db.sale_action(ctx, method, &ids)
        }
        "button_validate" if model == "stock.picking" => {
            let a = bind(method, &["ids"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            db.check_access(ctx, model, "write", &ids)?;
            db.button_validate(ctx, &ids)
        }
        "check_object_reference" if model == "ir.model.data" => {
            let a = bind(
                method,
                &["module", "xml_id", "raise_on_access_error"],
                args,
                kwargs,
            )?;
            let text = |v: &Option<Value>, name: &str| {
                v.as_ref()
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        OdooError::type_error(format!(
                            "check_object_reference() missing 1 required positional argument: '{name}'"
                        ))
                    })
            };
            let (module, name) = (text(&a[0], "module")?, text(&a[1], "xml_id")?);
            db.check_object_reference(ctx, &module, &name)
        }
        // 16.0's signature (17.0 changed it; not emulated there).
        "onchange" if model == "mail.compose.message" && v16 => {
            let a = bind(
                method,
                &["ids", "values", "field_name", "field_onchange"],
                args,
                kwargs,
            )?;
            db.check_access(ctx, model, "create", &[])?;
            let values = match &a[1] {
                Some(Value::Struct(values)) => values.clone(),
                _ => Struct::new(),
            };
            let first_call = match &a[2] {
                None | Some(Value::Bool(false)) => true,
                Some(Value::Array(names)) => names.is_empty(),
                Some(_) => false,
            };
            db.composer_onchange(ctx, &values, first_call)
        }
        "action_send_mail" if model == "mail.compose.message" => {
            let a = bind(method, &["ids"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            db.check_access(ctx, model, "write", &ids)?;
            db.composer_send(ctx, &ids)
        }
        // Keyword-only, on one record of a mail thread.
        "message_post" if matches!(model, "res.partner" | "sale.order") => {
            let mut args = args.into_iter();
            let ids = ids_arg(args.next().as_ref())?;
            let extra = args.count();
            if extra > 0 {
                return Err(OdooError::type_error(format!(
                    "MailThread.message_post() takes 1 positional argument but {} were given",
                    extra + 1
                )));
            }
            db.message_post(ctx, model, &ids, &kwargs)
        }
        "method_direct_trigger" if model == "ir.cron" => {
            let a = bind(method, &["ids"], args, kwargs)?;
            let ids = ids_arg(a[0].as_ref())?;
            db.check_access(ctx, model, "write", &ids)?;
            db.cron_trigger(&ids)
        }
        _ => Err(OdooError::Python {
            exception: "AttributeError".into(),
            message: format!("The method '{model}.{method}' does not exist"),
        }),
    }
}

/// `res.users.context_get()`: the caller's `lang` and `tz` (`false` when
/// unset or not modelled), the `context_*` fields without their prefix, and
/// `uid`.
fn context_get(db: &Database, users: &crate::schema::ModelSchema, uid: i64) -> Result<Struct, OdooError> {
    let su = Ctx::superuser();
    let env = Env::new(db, &su);
    let names: Vec<String> = users
        .fields
        .keys()
        .filter(|n| n.starts_with("context_") || *n == "lang" || *n == "tz")
        .cloned()
        .collect();
    let row = env
        .read("res.users", &[uid], &names, false)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let value = |name: &str| row.get(name).cloned().unwrap_or(Value::Bool(false));
    let mut out = Struct::new().with("lang", value("lang")).with("tz", value("tz"));
    for name in names.iter().filter(|n| n.starts_with("context_")) {
        out.insert(&name["context_".len()..], value(name));
    }
    out.insert("uid", uid);
    Ok(out)
}

/// The decimal accuracy (`digits='Product Price'`) of a float field.
fn precision_of(model: &str, field: &str) -> Option<&'static str> {
    match (model, field) {
        ("sale.order.line", "price_unit")
        | ("product.template" | "product.product", "list_price" | "lst_price") => Some("Product Price"),
        ("sale.order.line", "discount") => Some("Discount"),
        _ => None,
    }
}

fn fields_get(
    db: &Database,
    schema: &crate::schema::ModelSchema,
    only: &[String],
    attributes: &[String],
) -> Struct {
    const DEFAULT: &[&str] = &[
        "type",
        "string",
        "required",
        "readonly",
        "relation",
        "selection",
        "store",
        "sortable",
        "searchable",
        "translate",
    ];
    let wanted: Vec<&str> = if attributes.is_empty() {
        DEFAULT.to_vec()
    } else {
        attributes.iter().map(String::as_str).collect()
    };
    let mut out = Struct::new();
    for (name, field) in &schema.fields {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let mut desc = Struct::new();
        for attr in &wanted {
            match *attr {
                "type" => desc.insert(
                    "type",
                    field
                        .odoo_type
                        .clone()
                        .unwrap_or_else(|| field.ftype.as_str().to_owned()),
                ),
                "string" => desc.insert("string", field.string.as_str()),
                "required" => desc.insert("required", field.required),
                "readonly" => desc.insert("readonly", field.readonly || !field.is_writable()),
                "relation" if field.relation.is_some() => {
                    desc.insert("relation", field.relation.clone().unwrap_or_default())
                }
                "selection" if field.ftype == FieldType::Selection => desc.insert(
                    "selection",
                    Value::Array(
                        field
                            .selection
                            .iter()
                            .map(|(k, v)| {
                                Value::Array(vec![Value::from(k.as_str()), Value::from(v.as_str())])
                            })
                            .collect(),
                    ),
                ),
                "store" => desc.insert("store", field.is_stored() || field.ftype == FieldType::One2many),
                "sortable" => desc.insert("sortable", field.is_stored() && !field.ftype.is_x2many()),
                "searchable" => desc.insert("searchable", true),
                "translate" if field.ftype.is_text() => desc.insert("translate", field.translate),
                // The decimal accuracy a float is rounded to.
                "digits" => {
                    if let Some(precision) = precision_of(&schema.name, name) {
                        let digits = i64::from(db.digits(precision));
                        desc.insert("digits", Value::Array(vec![Value::Int(16), Value::Int(digits)]));
                    }
                }
                "relation_field" if field.inverse.is_some() => {
                    desc.insert("relation_field", field.inverse.clone().unwrap_or_default())
                }
                _ => {}
            }
        }
        out.insert(name.clone(), desc);
    }
    out
}
