//! Telling people through Odoo, with what vanilla Odoo has: a staff
//! member's activity (`mail.activity`, in their activity menu) on a
//! quotation or a partner, and the customer's mail from one of Odoo's mail
//! templates, posted in the order's chatter (see [`send_template`]). The
//! storefront sends no mail itself.

use chrono::NaiveDate;

use crate::client::Client;
use crate::domain::field;
use crate::error::Error;
use crate::xmlrpc::{Struct, Value};
use crate::Domain;

/// A to-do for the staff on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity<'a> {
    /// The record's model, e.g. `sale.order` or `res.partner`.
    pub model: &'a str,
    /// The record.
    pub res_id: i64,
    /// Who is to do it (`res.users`); `None`: the technical user (named:
    /// Odoo 19 leaves an activity without a user unassigned).
    pub user_id: Option<i64>,
    /// One line, e.g. "Web order to prepare for Sat 6 Dec, 10:00–12:00".
    pub summary: String,
    /// Details (plain text; escaped into Odoo's HTML note).
    pub note: Option<String>,
    /// When it is due.
    pub deadline: NaiveDate,
}

/// Creates the activity (Odoo's default type for the model: a to-do); its
/// id. The model is given in the context (`default_res_model`), as Odoo's
/// own views do: the technical user may not read `ir.model`.
pub async fn schedule_activity(client: &Client, activity: &NewActivity<'_>) -> Result<i64, Error> {
    let mut values = Struct::new()
        .with("res_id", activity.res_id)
        .with("summary", activity.summary.as_str())
        .with("date_deadline", activity.deadline.format("%Y-%m-%d").to_string());
    let user = match activity.user_id {
        Some(user) => user,
        None => client.uid().await?,
    };
    values.insert("user_id", user);
    if let Some(note) = &activity.note {
        let mut html = String::from("<p>");
        crate::xmlrpc::escape_into(&mut html, note);
        html.push_str("</p>");
        values.insert("note", html);
    }
    client
        .model("mail.activity")
        .create(values)
        .context("default_res_model", activity.model)
        .send()
        .await
}

/// The ids of the activities on a record with this summary (to schedule
/// one only once).
pub async fn activities_on(
    client: &Client,
    model: &str,
    res_id: i64,
    summary: &str,
) -> Result<Vec<i64>, Error> {
    client
        .model("mail.activity")
        .search(field("res_model").eq(model) & field("res_id").eq(res_id) & field("summary").eq(summary))
        .send()
        .await
}

/// Who of the staff gets the activities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staff {
    /// A user, by login or id.
    User(String),
    /// A sales team (`crm.team`), by name or id: its leader, else its first
    /// member.
    Team(String),
    /// The technical user's sales team, else the team Odoo gives its
    /// quotations (the company's first).
    OwnTeam,
}

/// The user (`res.users`) who gets the staff's activities; `None` when
/// nobody is found (the activity then goes to the technical user).
pub async fn staff_user(client: &Client, staff: &Staff) -> Result<Option<i64>, Error> {
    match staff {
        Staff::User(who) => {
            let domain = match who.parse::<i64>() {
                Ok(id) => field("id").eq(id),
                Err(_) => field("login").eq(who.as_str()),
            };
            Ok(client
                .model("res.users")
                .search(domain)
                .limit(1)
                .send()
                .await?
                .first()
                .copied())
        }
        Staff::Team(team) => {
            let domain = match team.parse::<i64>() {
                Ok(id) => field("id").eq(id),
                Err(_) => field("name").eq(team.as_str()),
            };
            match client
                .model("crm.team")
                .search(domain)
                .limit(1)
                .send()
                .await?
                .first()
            {
                Some(id) => team_person(client, *id, client.uid().await?).await,
                None => Ok(None),
            }
        }
        Staff::OwnTeam => {
            let uid = client.uid().await?;
            // The team the technical user belongs to or leads, else the
            // one Odoo gives its quotations: the first in Odoo's order.
            let mut teams = client
                .model("crm.team")
                .search(field("member_ids").is_in([uid]) | field("user_id").eq(uid))
                .limit(1)
                .send()
                .await?;
            if teams.is_empty() {
                teams = client
                    .model("crm.team")
                    .search(Domain::All)
                    .limit(1)
                    .send()
                    .await?;
            }
            match teams.first() {
                Some(id) => Ok(team_person(client, *id, uid).await?),
                None => Ok(None),
            }
        }
    }
}

/// A team's leader, else its first member, other than `technical` (the
/// technical user is nobody's to-do list).
async fn team_person(client: &Client, team: i64, technical: i64) -> Result<Option<i64>, Error> {
    let rows = client
        .model("crm.team")
        .read(vec![team])
        .kwarg("fields", vec!["user_id", "member_ids"])
        .send()
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let leader = match row.get("user_id") {
        Some(Value::Array(pair)) => pair.first().and_then(Value::as_i64),
        Some(Value::Int(id)) => Some(*id),
        _ => None,
    };
    let members = match row.get("member_ids") {
        Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    };
    Ok(leader.into_iter().chain(members).find(|user| *user != technical))
}

/// Odoo's own template for an order's confirmation mail.
pub const ORDER_TEMPLATE: &str = "sale.mail_template_sale_confirmation";

/// The layout Odoo's sale mails use: the company's header, the salesperson's
/// signature.
const LAYOUT: &str = "mail.mail_notification_layout_with_responsible_signature";

/// The mail template named `reference`: a database id, or an XML id such
/// as `sale.mail_template_sale_confirmation` (`None`: [`ORDER_TEMPLATE`]);
/// `None` when the database has no such template.
pub async fn order_template(client: &Client, reference: Option<&str>) -> Result<Option<i64>, Error> {
    let reference = reference.unwrap_or(ORDER_TEMPLATE);
    if let Ok(id) = reference.parse::<i64>() {
        let found = client
            .model("mail.template")
            .search(field("id").eq(id))
            .send()
            .await?;
        return Ok(found.first().copied());
    }
    let Some((module, name)) = reference.split_once('.') else {
        return Ok(None);
    };
    // Readable by any internal user, unlike `ir.model.data` itself.
    let answer = client
        .model("ir.model.data")
        // Named, for JSON-2 too.
        .call("check_object_reference", vec![])
        .kwarg("module", module)
        .kwarg("xml_id", name)
        .send()
        .await;
    match answer {
        Ok(Value::Array(pair)) if pair.first().and_then(Value::as_str) == Some("mail.template") => {
            Ok(pair.get(1).and_then(Value::as_i64))
        }
        Ok(_) => Ok(None),
        // An XML id that does not exist: Odoo raises ValueError.
        Err(e) if e.fault_kind() == Some(crate::FaultKind::Application) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Posts mail template `template_id` on record `res_id` of `model` as
/// Odoo's mail composer does when staff press "Send by email" (comment
/// mode, Odoo's sale layout): a message in the record's chatter to the
/// template's recipients, rendered in their language, and a mail for each
/// queued in Odoo (its mail cron sends it). The record is not changed
/// otherwise (a quotation stays a draft). `series` is the server's: 16.0
/// fills the composer from its `template_id` onchange; 17.0 and later
/// compute it from `template_id`.
pub async fn send_template(
    client: &Client,
    series: &str,
    model: &str,
    res_id: i64,
    template_id: i64,
) -> Result<(), Error> {
    let composer = client.model("mail.compose.message");
    let major = series
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    let mut values = Struct::new()
        .with("composition_mode", "comment")
        .with("model", model)
        .with("template_id", template_id)
        .with("email_layout_xmlid", LAYOUT);
    if major == 16 {
        values.insert("res_id", res_id);
        const FIELDS: [&str; 16] = [
            "composition_mode",
            "model",
            "res_id",
            "template_id",
            "subject",
            "body",
            "partner_ids",
            "attachment_ids",
            "email_from",
            "reply_to",
            "mail_server_id",
            "author_id",
            "email_layout_xmlid",
            "record_name",
            "subtype_id",
            "message_type",
        ];
        let spec = FIELDS.iter().fold(Struct::new(), |spec, name| {
            spec.with(*name, if *name == "template_id" { "1" } else { "" })
        });
        let answer = composer
            .call_on("onchange", vec![])
            .kwarg("values", Value::Struct(values.clone()))
            .kwarg("field_name", Value::Array(vec![]))
            .kwarg("field_onchange", Value::Struct(spec))
            .context("mail_notify_force_send", false)
            .send()
            .await?;
        let Some(Value::Struct(filled)) = (match &answer {
            Value::Struct(result) => result.get("value").cloned(),
            _ => None,
        }) else {
            return Err(Error::Decode {
                call: "mail.compose.message.onchange".into(),
                field: "value".into(),
                message: "the composer's onchange gave no values".into(),
            });
        };
        for (name, value) in filled.iter() {
            // What the shop gave stays: a first onchange after Odoo starts
            // answers the defaults (no model, no record, no template) for
            // them, and a composer made of those posts nothing.
            if values.get(name).is_some() {
                continue;
            }
            let value = match (name, value) {
                // Many2one values come as [id, name]; x2many ones as
                // commands, which create takes as they are.
                ("author_id" | "mail_server_id" | "subtype_id" | "template_id", Value::Array(pair)) => {
                    pair.first().cloned().unwrap_or(Value::Bool(false))
                }
                (_, value) => value.clone(),
            };
            values.insert(name, value);
        }
    } else {
        // A Python list literal: `res_ids` is a text field.
        values.insert("res_ids", format!("[{res_id}]"));
    }
    let wizard = composer
        .create(values)
        .context("mail_notify_force_send", false)
        .send()
        .await?;
    composer
        .call_on("action_send_mail", vec![wizard])
        .context("mail_notify_force_send", false)
        .send()
        .await?;
    Ok(())
}

/// Where the mails of the last message posted for the customer on a record
/// stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailDelivery {
    /// Queued in Odoo, not tried yet.
    Queued,
    /// Sent by Odoo's mail server.
    Sent,
    /// Odoo could not send them; `no_server`: it could not reach a mail
    /// server (none is configured, or it is down).
    Failed {
        /// Odoo's failure type was `mail_smtp`.
        no_server: bool,
    },
}

/// How the mails of the last message posted to someone (`comment`) on
/// record `res_id` of `model` went, from the message's notifications, which
/// their author may read (the mail servers and mails themselves are the
/// administrators'); `None` when no such message has mails.
pub async fn mail_delivery(client: &Client, model: &str, res_id: i64) -> Result<Option<MailDelivery>, Error> {
    let messages = client
        .model("mail.message")
        .search(field("model").eq(model) & field("res_id").eq(res_id) & field("message_type").eq("comment"))
        .order("id desc")
        .limit(1)
        .send()
        .await?;
    let Some(message) = messages.first() else {
        return Ok(None);
    };
    let rows = client
        .model("mail.notification")
        .search_read(field("mail_message_id").eq(*message) & field("notification_type").eq("email"))
        .fields(["notification_status", "failure_type"])
        .send()
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let text = |row: &Struct, name: &str| {
        row.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(failed) = rows
        .iter()
        .find(|row| matches!(text(row, "notification_status").as_str(), "exception" | "bounce"))
    {
        return Ok(Some(MailDelivery::Failed {
            no_server: text(failed, "failure_type") == "mail_smtp",
        }));
    }
    if rows.iter().all(|row| text(row, "notification_status") == "sent") {
        return Ok(Some(MailDelivery::Sent));
    }
    Ok(Some(MailDelivery::Queued))
}
