//! Mail as the storefront uses it: external ids
//! (`ir.model.data.check_object_reference`), Odoo's mail templates
//! rendered by the mail composer (`mail.compose.message`) into a message
//! in a record's chatter (`mail.message`), its mail (`mail.mail`) and
//! notifications (`mail.notification`), and the mail queue's cron.
//!
//! Templates are rendered by a small evaluator of the inline expressions
//! Odoo's sale templates use (`{{ object.name }}`, `{{
//! format_amount(object.amount_total, object.currency_id) }}`, `a or b`,
//! `x in (...) and 'A' or 'B'`), in the language of the record's customer.
//! The QWeb of Odoo's bodies is not emulated: a dataset's `body_html` holds
//! `{{ ... }}` expressions instead.

use connector::xmlrpc::{Struct, Value};

use crate::db::{Cell, Ctx, Database};
use crate::faults::OdooError;
use crate::read::Env;

const MAIL_CRON: (&str, &str) = ("mail", "ir_cron_mail_scheduler_action");

impl Database {
    /// The record of an XML id: `(model, res_id)`.
    pub(crate) fn xmlid(&self, module: &str, name: &str) -> Option<(String, i64)> {
        let table = self.tables.get("ir.model.data")?;
        table
            .records
            .values()
            .find(|r| r.get("module").as_str() == Some(module) && r.get("name").as_str() == Some(name))
            .and_then(|r| Some((r.get("model").as_str()?.to_owned(), r.get("res_id").as_id()?)))
    }

    /// `ir.model.data.check_object_reference(module, xml_id)`: `[model,
    /// res_id]`; a `ValueError` for an unknown XML id (or a record that is
    /// gone); `[model, false]` when the caller may not read the record.
    pub(crate) fn check_object_reference(
        &self,
        ctx: &Ctx,
        module: &str,
        name: &str,
    ) -> Result<Value, OdooError> {
        let missing =
            || OdooError::value_error(format!("External ID not found in the system: {module}.{name}"));
        let (model, id) = self.xmlid(module, name).ok_or_else(missing)?;
        if !self.exists(&model, id) {
            return Err(missing());
        }
        let readable = self.check_access(ctx, &model, "read", &[id]).is_ok();
        Ok(Value::Array(vec![
            Value::String(model),
            if readable {
                Value::Int(id)
            } else {
                Value::Bool(false)
            },
        ]))
    }

    /// What template `template` gives for record `res_id` of `model`, as
    /// the composer's values: subject, body, recipients (partner ids),
    /// sender, and the language it was rendered in.
    fn render_template(
        &self,
        ctx: &Ctx,
        template: i64,
        model: &str,
        res_id: i64,
    ) -> Result<Rendered, OdooError> {
        if !self.exists("mail.template", template) {
            return Err(OdooError::MissingRecord {
                model: "mail.template".into(),
                ids: vec![template],
            });
        }
        if !self.exists(model, res_id) {
            return Err(OdooError::MissingRecord {
                model: model.into(),
                ids: vec![res_id],
            });
        }
        let su = Ctx::superuser();
        // The record's customer's language (16.0's `{{
        // object.partner_id.lang }}`; 19.0's default).
        let lang = {
            let env = Env::new(self, &su);
            let partner = env.field_id(model, res_id, "partner_id");
            partner
                .map(|p| env.field_text("res.partner", p, "lang"))
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| "en_US".into())
        };
        let mut in_lang = su.clone();
        in_lang.lang = lang.clone();
        let env = Env::new(self, &in_lang);
        let text = |field: &str| env.field_text("mail.template", template, field);
        let r = Renderer {
            env: &env,
            model,
            res_id,
            uid: ctx.uid,
            lang: &lang,
        };
        let recipients: Vec<i64> = r
            .render(&text("partner_to"))
            .split(',')
            .filter_map(|p| p.trim().parse::<i64>().ok())
            .filter(|p| self.exists("res.partner", *p))
            .collect();
        Ok(Rendered {
            subject: r.render(&text("subject")),
            body: r.render(&text("body_html")),
            email_from: r.render(&text("email_from")),
            recipients,
            mail_server: env.field_id("mail.template", template, "mail_server_id"),
        })
    }

    /// 16.0's `mail.compose.message.onchange(values, field_name,
    /// field_onchange)`: the composer's values from its template (and, on
    /// the first call, its defaults), many2ones as `[id, name]` and
    /// x2manys as commands.
    pub(crate) fn composer_onchange(
        &self,
        ctx: &Ctx,
        values: &Struct,
        first_call: bool,
    ) -> Result<Value, OdooError> {
        let su = Ctx::superuser();
        let env = Env::new(self, &su);
        let pair = |model: &str, id: Option<i64>| match id {
            Some(id) => Value::Array(vec![Value::Int(id), Value::String(env.display_name(model, id))]),
            None => Value::Bool(false),
        };
        let mut out = Struct::new();
        if first_call {
            out.insert("author_id", pair("res.partner", ctx.partner_id));
            let comment = self.xmlid("mail", "mt_comment").map(|(_, id)| id);
            out.insert("subtype_id", pair("mail.message.subtype", comment));
            out.insert("message_type", "comment");
        }
        let model = values.get("model").and_then(Value::as_str).unwrap_or_default();
        let res_id = values.get("res_id").and_then(Value::as_i64);
        let template = values.get("template_id").and_then(|v| match v {
            Value::Array(pair) => pair.first().and_then(Value::as_i64),
            v => v.as_i64(),
        });
        if let (Some(template), Some(res_id)) = (template, res_id) {
            let rendered = self.render_template(ctx, template, model, res_id)?;
            out.insert("subject", rendered.subject);
            out.insert("body", rendered.body);
            let mut commands = vec![Value::Array(vec![Value::Int(5)])];
            commands.extend(
                rendered
                    .recipients
                    .iter()
                    .map(|p| Value::Array(vec![Value::Int(4), Value::Int(*p)])),
            );
            out.insert("partner_ids", Value::Array(commands));
            out.insert(
                "attachment_ids",
                Value::Array(vec![Value::Array(vec![Value::Int(5)])]),
            );
            out.insert("email_from", rendered.email_from);
            out.insert("reply_to", false);
            out.insert("mail_server_id", pair("ir.mail_server", rendered.mail_server));
            out.insert("record_name", env.display_name(model, res_id));
        }
        Ok(Value::Struct(Struct::new().with("value", Value::Struct(out))))
    }

    /// 17.0 and later: a composer created with a template computes its
    /// subject, body, recipients and sender from it (and `res_ids`).
    pub(crate) fn composer_compute(&mut self, ctx: &Ctx, id: i64, given: &Struct) -> Result<(), OdooError> {
        if self.series.major() < 17 {
            return Ok(());
        }
        let (template, model, res_ids) = {
            let rec = self.record("mail.compose.message", id);
            (
                rec.and_then(|r| r.get("template_id").as_id()),
                rec.and_then(|r| r.get("model").as_str().map(str::to_owned)),
                rec.and_then(|r| r.get("res_ids").as_str().map(parse_ids))
                    .unwrap_or_default(),
            )
        };
        let (Some(template), Some(model), Some(first)) = (template, model, res_ids.first()) else {
            return Ok(());
        };
        let rendered = self.render_template(ctx, template, &model, *first)?;
        let set = |db: &mut Database, field: &str, cell: Cell| -> Result<(), OdooError> {
            if !given.contains_key(field) {
                db.put("mail.compose.message", id, field, cell)?;
            }
            Ok(())
        };
        set(self, "subject", Cell::Str(rendered.subject))?;
        set(self, "body", Cell::Str(rendered.body))?;
        set(self, "email_from", Cell::Str(rendered.email_from))?;
        set(self, "partner_ids", Cell::Ids(rendered.recipients))?;
        if let Some(server) = rendered.mail_server {
            set(self, "mail_server_id", Cell::Int(server))?;
        }
        if let Some(partner) = ctx.partner_id {
            set(self, "author_id", Cell::Int(partner))?;
        }
        if let Some((_, comment)) = self.xmlid("mail", "mt_comment") {
            set(self, "subtype_id", Cell::Int(comment))?;
        }
        set(self, "message_type", Cell::Str("comment".into()))?;
        Ok(())
    }

    /// `mail.compose.message.action_send_mail`: posts the composer's message
    /// on each of its records (comment mode), with a mail to its recipients
    /// and their notifications; sent at once unless the context says
    /// `mail_notify_force_send: False` (then queued for the mail cron).
    pub(crate) fn composer_send(&mut self, ctx: &Ctx, ids: &[i64]) -> Result<Value, OdooError> {
        for &id in ids {
            let Some(rec) = self.record("mail.compose.message", id).cloned() else {
                return Err(OdooError::MissingRecord {
                    model: "mail.compose.message".into(),
                    ids: vec![id],
                });
            };
            let model = rec.get("model").as_str().unwrap_or_default().to_owned();
            let res_ids = if self.series.major() >= 17 {
                rec.get("res_ids").as_str().map(parse_ids).unwrap_or_default()
            } else {
                rec.get("res_id").as_id().into_iter().collect()
            };
            let auto_delete = rec
                .get("template_id")
                .as_id()
                .and_then(|t| self.record("mail.template", t))
                .is_some_and(|t| t.get("auto_delete").as_bool());
            for res_id in res_ids {
                self.check_access(ctx, &model, "read", &[res_id])?;
                if !self.exists(&model, res_id) {
                    return Err(OdooError::MissingRecord {
                        model: model.clone(),
                        ids: vec![res_id],
                    });
                }
                let record_name = {
                    let su = Ctx::superuser();
                    Env::new(self, &su).display_name(&model, res_id)
                };
                let author = rec.get("author_id").as_id().or(ctx.partner_id);
                let subtype = self
                    .xmlid("mail", "mt_comment")
                    .map(|(_, id)| id)
                    .or(rec.get("subtype_id").as_id());
                let partners: Vec<i64> = rec.get("partner_ids").ids().to_vec();
                let mut message = Struct::new()
                    .with("model", model.as_str())
                    .with("res_id", res_id)
                    .with("record_name", record_name)
                    .with("message_type", "comment")
                    .with("date", self.now_string())
                    .with(
                        "partner_ids",
                        Value::Array(vec![Value::Array(vec![
                            Value::Int(6),
                            Value::Int(0),
                            Value::Array(partners.iter().map(|p| Value::Int(*p)).collect()),
                        ])]),
                    );
                for (field, cell) in [
                    ("subject", rec.get("subject")),
                    ("body", rec.get("body")),
                    ("email_from", rec.get("email_from")),
                    ("reply_to", rec.get("reply_to")),
                    ("email_layout_xmlid", rec.get("email_layout_xmlid")),
                ] {
                    if let Cell::Str(text) = cell {
                        message.insert(field, text.as_str());
                    }
                }
                if let Some(a) = author {
                    message.insert("author_id", a);
                }
                if let Some(s) = subtype {
                    message.insert("subtype_id", s);
                }
                if let Some(server) = rec.get("mail_server_id").as_id() {
                    message.insert("mail_server_id", server);
                }
                let message = self.create_record(ctx, "mail.message", &message)?;
                let body = rec.get("body").as_str().unwrap_or_default().to_owned();
                self.mail_recipients(ctx, message, &partners, author, &body, auto_delete)?;
            }
        }
        Ok(Value::Struct(
            Struct::new().with("type", "ir.actions.act_window_close"),
        ))
    }

    /// `message_post` on one record of a mail thread (`res.partner`,
    /// `sale.order`), keyword arguments only: a `mail.message` (`body`,
    /// `subject`, `message_type` (default `notification`), `subtype_xmlid`
    /// or `subtype_id`, `partner_ids`, `author_id` (default the caller's
    /// partner), `email_from`, `parent_id`), with a mail to the recipients
    /// and their notifications (see [`Database::mail_recipients`]). From
    /// 17.0 a body is text, escaped into a paragraph, unless
    /// `body_is_html` (16.0 keeps it as HTML, and ignores the flag, as it
    /// does any other keyword it has no use for). Answers the message: its
    /// id up to 18.0 (`@api.returns`), its ids (`[id]`) in 19.0, where a
    /// recordset answers its ids.
    pub(crate) fn message_post(
        &mut self,
        ctx: &Ctx,
        model: &str,
        ids: &[i64],
        kwargs: &Struct,
    ) -> Result<Value, OdooError> {
        let [res_id] = ids else {
            return Err(OdooError::value_error(format!(
                "Expected singleton: {model}({})",
                ids.iter().map(|id| format!("{id},")).collect::<String>()
            )));
        };
        let res_id = *res_id;
        self.check_access(ctx, model, "read", &[res_id])?;
        if !self.exists(model, res_id) {
            return Err(OdooError::MissingRecord {
                model: model.to_owned(),
                ids: vec![res_id],
            });
        }
        for forbidden in ["model", "res_id", "subtype"] {
            if kwargs.contains_key(forbidden) {
                return Err(OdooError::value_error(format!(
                    "message_post doesn't support model and res_id parameters anymore. Please call message_post on record. ({forbidden})"
                )));
            }
        }
        let text = |name: &str| kwargs.get(name).and_then(Value::as_str).map(str::to_owned);
        let message_type = text("message_type").unwrap_or_else(|| "notification".into());
        if message_type == "user_notification" {
            return Err(OdooError::value_error(
                "Use message_notify to send a notification to an user.",
            ));
        }
        let mut body = text("body").unwrap_or_default();
        let as_html = kwargs.get("body_is_html").is_some_and(|v| !v.is_false());
        if self.series.major() >= 17 && !as_html && !body.is_empty() {
            let mut escaped = String::from("<p>");
            connector::xmlrpc::escape_into(&mut escaped, &body);
            escaped.push_str("</p>");
            body = escaped;
        }
        let subtype = match text("subtype_xmlid") {
            Some(xmlid) => {
                let (module, name) = xmlid.split_once('.').unwrap_or(("", xmlid.as_str()));
                Some(self.xmlid(module, name).map(|(_, id)| id).ok_or_else(|| {
                    OdooError::value_error(format!("External ID not found in the system: {xmlid}"))
                })?)
            }
            None => kwargs.get("subtype_id").and_then(Value::as_i64),
        };
        let partners: Vec<i64> = match kwargs.get("partner_ids") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_i64).collect(),
            _ => Vec::new(),
        };
        let author = kwargs.get("author_id").and_then(Value::as_i64).or(ctx.partner_id);
        let record_name = {
            let su = Ctx::superuser();
            Env::new(self, &su).display_name(model, res_id)
        };
        let mut message = Struct::new()
            .with("model", model)
            .with("res_id", res_id)
            .with("record_name", record_name)
            .with("message_type", message_type.as_str())
            .with("date", self.now_string())
            .with("body", body.as_str())
            .with(
                "partner_ids",
                Value::Array(vec![Value::Array(vec![
                    Value::Int(6),
                    Value::Int(0),
                    Value::Array(partners.iter().map(|p| Value::Int(*p)).collect()),
                ])]),
            );
        if let Some(subject) = text("subject") {
            message.insert("subject", subject);
        }
        if let Some(from) = text("email_from") {
            message.insert("email_from", from);
        }
        if let Some(a) = author {
            message.insert("author_id", a);
        }
        if let Some(s) = subtype {
            message.insert("subtype_id", s);
        }
        let message = self.create_record(ctx, "mail.message", &message)?;
        self.mail_recipients(ctx, message, &partners, author, &body, false)?;
        Ok(if self.series.major() >= 19 {
            Value::Array(vec![Value::Int(message)])
        } else {
            Value::Int(message)
        })
    }

    /// One mail of `message` to its recipients `partners` (not the
    /// author), and a notification for each; as the superuser, as Odoo
    /// does. Sent at once unless the context says
    /// `mail_notify_force_send: False` (then queued for the mail cron).
    fn mail_recipients(
        &mut self,
        ctx: &Ctx,
        message: i64,
        partners: &[i64],
        author: Option<i64>,
        body: &str,
        auto_delete: bool,
    ) -> Result<(), OdooError> {
        let to: Vec<i64> = partners.iter().copied().filter(|p| Some(*p) != author).collect();
        if to.is_empty() {
            return Ok(());
        }
        let su = Ctx::superuser();
        let body = body.to_owned();
        let emails: Vec<String> = {
            let env = Env::new(self, &su);
            to.iter()
                .map(|p| env.field_text("res.partner", *p, "email"))
                .collect()
        };
        let mail = self.create_record(
            &su,
            "mail.mail",
            &Struct::new()
                .with("mail_message_id", message)
                .with("body_html", body)
                .with("email_to", emails.join(","))
                .with(
                    "recipient_ids",
                    Value::Array(vec![Value::Array(vec![
                        Value::Int(6),
                        Value::Int(0),
                        Value::Array(to.iter().map(|p| Value::Int(*p)).collect()),
                    ])]),
                )
                .with("auto_delete", auto_delete),
        )?;
        self.put("mail.mail", mail, "state", Cell::Str("outgoing".into()))?;
        for partner in &to {
            let mut n = Struct::new()
                .with("mail_message_id", message)
                .with("mail_mail_id", mail)
                .with("res_partner_id", *partner)
                .with("notification_type", "email")
                .with("notification_status", "ready")
                .with("is_read", true);
            if let Some(a) = author {
                n.insert("author_id", a);
            }
            self.create_record(&su, "mail.notification", &n)?;
        }
        let force = !ctx
            .context
            .get("mail_notify_force_send")
            .is_some_and(Value::is_false);
        if force {
            self.send_mails(&[mail])?;
        }
        Ok(())
    }

    /// Sends mails as Odoo's `mail.mail.send` does: with an outgoing mail
    /// server (`ir.mail_server`), `sent` (and deleted when `auto_delete`);
    /// without one, Odoo tries odoo.conf's `smtp_server` (localhost:25),
    /// where the double has nothing listening: `exception`, and the
    /// notifications `exception` with `failure_type` `mail_smtp`.
    pub(crate) fn send_mails(&mut self, mails: &[i64]) -> Result<usize, OdooError> {
        let server = self.tables.get("ir.mail_server").is_some_and(|t| {
            t.records
                .values()
                .any(|r| !matches!(r.get("active"), Cell::Bool(false)))
        });
        let mut done = 0;
        for &mail in mails {
            let Some(rec) = self.record("mail.mail", mail) else {
                continue;
            };
            if rec.get("state").as_str() != Some("outgoing") {
                continue;
            }
            let auto_delete = rec.get("auto_delete").as_bool();
            let notes: Vec<i64> = self.tables.get("mail.notification").map_or_else(Vec::new, |t| {
                t.records
                    .values()
                    .filter(|n| n.get("mail_mail_id").as_id() == Some(mail))
                    .map(|n| n.id)
                    .collect()
            });
            let now = Cell::Str(self.now_string());
            if server {
                for n in &notes {
                    self.put(
                        "mail.notification",
                        *n,
                        "notification_status",
                        Cell::Str("sent".into()),
                    )?;
                    self.put("mail.notification", *n, "failure_type", Cell::Null)?;
                    self.put("mail.notification", *n, "write_date", now.clone())?;
                }
                if auto_delete {
                    let su = Ctx::superuser();
                    self.unlink_records(&su, "mail.mail", &[mail])?;
                } else {
                    self.put("mail.mail", mail, "state", Cell::Str("sent".into()))?;
                    self.put("mail.mail", mail, "write_date", now)?;
                }
            } else {
                for n in &notes {
                    self.put(
                        "mail.notification",
                        *n,
                        "notification_status",
                        Cell::Str("exception".into()),
                    )?;
                    self.put(
                        "mail.notification",
                        *n,
                        "failure_type",
                        Cell::Str("mail_smtp".into()),
                    )?;
                    self.put("mail.notification", *n, "write_date", now.clone())?;
                }
                self.put("mail.mail", mail, "state", Cell::Str("exception".into()))?;
                self.put("mail.mail", mail, "failure_type", Cell::Str("mail_smtp".into()))?;
                self.put("mail.mail", mail, "write_date", now)?;
            }
            done += 1;
        }
        Ok(done)
    }

    /// The mail queue's cron (`mail.ir_cron_mail_scheduler_action`): sends
    /// every queued mail (see [`Database::send_mails`]); how many it tried.
    pub fn run_mail_queue(&mut self) -> usize {
        let queued: Vec<i64> = self.tables.get("mail.mail").map_or_else(Vec::new, |t| {
            t.records
                .values()
                .filter(|m| m.get("state").as_str() == Some("outgoing"))
                .map(|m| m.id)
                .collect()
        });
        let snapshot = self.snapshot();
        match self.send_mails(&queued) {
            Ok(n) => n,
            Err(e) => {
                self.restore(snapshot);
                tracing::warn!(error = ?e, "the mail cron failed");
                0
            }
        }
    }

    /// `ir.cron.method_direct_trigger`: runs the crons (only the mail
    /// queue's does something here); `True`.
    pub(crate) fn cron_trigger(&mut self, ids: &[i64]) -> Result<Value, OdooError> {
        let mail_cron = self.xmlid(MAIL_CRON.0, MAIL_CRON.1).map(|(_, id)| id);
        for &id in ids {
            if !self.exists("ir.cron", id) {
                return Err(OdooError::MissingRecord {
                    model: "ir.cron".into(),
                    ids: vec![id],
                });
            }
            if Some(id) == mail_cron {
                self.run_mail_queue();
            }
            let now = Cell::Str(self.now_string());
            self.put("ir.cron", id, "lastcall", now)?;
        }
        Ok(Value::Bool(true))
    }
}

/// A template rendered on a record.
struct Rendered {
    subject: String,
    body: String,
    email_from: String,
    recipients: Vec<i64>,
    mail_server: Option<i64>,
}

/// `"[5]"`, `"5"`, `"[5, 6]"`: the ids of a composer's `res_ids`.
fn parse_ids(text: &str) -> Vec<i64> {
    text.trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace())
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect()
}

/// Renders `{{ expression }}` in a template's texts.
struct Renderer<'a> {
    env: &'a Env<'a>,
    model: &'a str,
    res_id: i64,
    uid: i64,
    lang: &'a str,
}

/// A value of an expression: text (empty is false) or a boolean.
#[derive(Debug, Clone)]
enum V {
    Text(String),
    Bool(bool),
}

impl V {
    fn truthy(&self) -> bool {
        match self {
            V::Text(t) => !t.is_empty(),
            V::Bool(b) => *b,
        }
    }

    fn text(self) -> String {
        match self {
            V::Text(t) => t,
            V::Bool(true) => "True".into(),
            V::Bool(false) => String::new(),
        }
    }
}

impl Renderer<'_> {
    fn render(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find("}}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            let expr = &rest[start + 2..start + end];
            out.push_str(&self.eval(expr.trim()).text());
            rest = &rest[start + end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn eval(&self, expr: &str) -> V {
        let expr = strip_parens(expr.trim());
        let parts = split_top(expr, " or ");
        let mut last = V::Bool(false);
        for part in parts {
            last = self.eval_and(part);
            if last.truthy() {
                return last;
            }
        }
        last
    }

    fn eval_and(&self, expr: &str) -> V {
        let mut last = V::Bool(true);
        for part in split_top(expr, " and ") {
            let inner = strip_parens(part.trim());
            last = if inner.len() < part.trim().len() {
                self.eval(inner)
            } else {
                self.atom(inner)
            };
            if !last.truthy() {
                return last;
            }
        }
        last
    }

    fn atom(&self, a: &str) -> V {
        if let Some(text) = quoted(a) {
            return V::Text(text.to_owned());
        }
        if let Some(inner) = a.strip_prefix("format_amount(").and_then(|r| r.strip_suffix(')')) {
            let args = split_top(inner, ",");
            let amount = self.path(args.first().copied().unwrap_or_default().trim());
            let amount: f64 = amount.text().parse().unwrap_or(0.0);
            let currency = self.currency();
            return V::Text(self.format_amount(amount, currency));
        }
        if let Some((left, right)) = a.split_once(" in ") {
            let value = self.path(left.trim()).text();
            let options: Vec<&str> = strip_parens(right.trim())
                .split(',')
                .filter_map(|o| quoted(o.trim()))
                .collect();
            return V::Bool(options.contains(&value.as_str()));
        }
        if a.starts_with("ctx.get(") {
            return V::Bool(false);
        }
        self.path(a)
    }

    /// `object.partner_id.name`, `user.email_formatted`...
    fn path(&self, path: &str) -> V {
        let mut parts = path.split('.');
        let (mut model, mut id) = match parts.next() {
            Some("object") => (self.model.to_owned(), self.res_id),
            Some("user") => ("res.users".to_owned(), self.uid),
            _ => return V::Text(String::new()),
        };
        let names: Vec<&str> = parts.collect();
        for (i, name) in names.iter().enumerate() {
            let last = i + 1 == names.len();
            if *name == "email_formatted" {
                let partner = match model.as_str() {
                    "res.partner" => Some(id),
                    _ => self.env.field_id(&model, id, "partner_id"),
                };
                return V::Text(partner.map_or_else(String::new, |p| {
                    let email = self.env.field_text("res.partner", p, "email");
                    if email.is_empty() {
                        String::new()
                    } else {
                        format!("\"{}\" <{email}>", self.env.field_text("res.partner", p, "name"))
                    }
                }));
            }
            if *name == "id" {
                return V::Text(id.to_string());
            }
            let Ok(schema) = self.env.schema(&model) else {
                return V::Text(String::new());
            };
            let Some(field) = schema.field(name) else {
                return V::Text(String::new());
            };
            let cell = self.env.get_named(&model, id, name);
            if field.ftype == crate::schema::FieldType::Many2one {
                let Some(target) = cell.as_id() else {
                    return V::Text(String::new());
                };
                if last {
                    let relation = field.relation.clone().unwrap_or_default();
                    return V::Text(self.env.display_name(&relation, target));
                }
                model = field.relation.clone().unwrap_or_default();
                id = target;
                continue;
            }
            return match cell {
                Cell::Str(s) => V::Text(s),
                Cell::Float(f) => V::Text(f.to_string()),
                Cell::Int(i) => V::Text(i.to_string()),
                Cell::Bool(b) => V::Bool(b),
                _ => V::Text(String::new()),
            };
        }
        V::Text(String::new())
    }

    /// The record's currency (its own, else its company's).
    fn currency(&self) -> Option<i64> {
        self.env
            .field_id(self.model, self.res_id, "currency_id")
            .or_else(|| {
                let company = self.env.field_id(self.model, self.res_id, "company_id")?;
                self.env.field_id("res.company", company, "currency_id")
            })
    }

    /// `odoo.tools.misc.format_amount`: the language's separators, the
    /// currency's symbol before or after with a no-break space.
    fn format_amount(&self, amount: f64, currency: Option<i64>) -> String {
        let (symbol, after, rounding) = match currency {
            Some(c) => (
                self.env.field_text("res.currency", c, "symbol"),
                self.env.field_text("res.currency", c, "position") != "before",
                self.env.field_f64("res.currency", c, "rounding"),
            ),
            None => (String::new(), true, 0.01),
        };
        let places = if rounding > 0.0 && rounding < 1.0 {
            (-rounding.log10()).ceil() as usize
        } else {
            0
        };
        let (decimal, thousands) = separators(self.lang);
        let text = format!("{:.*}", places, amount.abs());
        let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push_str(thousands);
            }
            grouped.push(c);
        }
        let mut number = if amount < 0.0 {
            format!("-\u{feff}{grouped}")
        } else {
            grouped
        };
        if !frac.is_empty() {
            number.push_str(decimal);
            number.push_str(frac);
        }
        if after {
            format!("{number}\u{a0}{symbol}")
        } else {
            format!("{symbol}\u{a0}{number}")
        }
    }
}

/// A language's decimal point and thousands separator (Odoo's
/// `res.lang.csv`; spaces become no-break spaces in amounts).
fn separators(lang: &str) -> (&'static str, &'static str) {
    match lang {
        l if l.starts_with("fr") => (",", "\u{a0}"),
        l if l.starts_with("en") => (".", ","),
        "de_CH" => (".", "'"),
        _ => (",", "."),
    }
}

fn quoted(text: &str) -> Option<&str> {
    let t = text.trim();
    if t.len() >= 2
        && ((t.starts_with('\'') && t.ends_with('\'')) || (t.starts_with('"') && t.ends_with('"')))
    {
        Some(&t[1..t.len() - 1])
    } else {
        None
    }
}

/// Removes parentheses around the whole expression.
fn strip_parens(text: &str) -> &str {
    let mut t = text.trim();
    while t.starts_with('(') && t.ends_with(')') {
        let inner = &t[1..t.len() - 1];
        let mut depth = 0i32;
        let mut balanced = true;
        for c in inner.chars() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth < 0 {
                        balanced = false;
                        break;
                    }
                }
                _ => {}
            }
        }
        if !balanced || depth != 0 {
            break;
        }
        t = inner.trim();
    }
    t
}

/// Splits at `sep` outside parentheses and quotes.
fn split_top<'t>(text: &'t str, sep: &str) -> Vec<&'t str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0usize);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth -= 1,
                _ if depth == 0 && text.is_char_boundary(i) && text[i..].starts_with(sep) => {
                    out.push(&text[start..i]);
                    i += sep.len();
                    start = i;
                    continue;
                }
                _ => {}
            },
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_split_outside_quotes_and_parentheses() {
        assert_eq!(
            split_top(
                "object.state in ('draft', 'sent') and 'Quotation' or 'Order'",
                " or "
            ),
            vec!["object.state in ('draft', 'sent') and 'Quotation'", "'Order'"]
        );
        assert_eq!(strip_parens("(a or b)"), "a or b");
        assert_eq!(strip_parens("(a) or (b)"), "(a) or (b)");
        assert_eq!(parse_ids("[12]"), vec![12]);
        assert_eq!(parse_ids("3, 4"), vec![3, 4]);
    }
}
