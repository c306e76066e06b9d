//! Odoo's automation rules that tell the storefront what changed.
//!
//! From Odoo 17 on, an automation rule (`base.automation`, the Automation
//! Rules app, module `base_automation`) can run a server action
//! (`ir.actions.server`) of type `webhook`: after the transaction commits,
//! Odoo POSTs `{"_id": .., "_model": .., "_action"/"_name": ..}` as JSON to
//! the action's `webhook_url` (`_run_action_webhook` in
//! `odoo/addons/base/models/ir_actions.py`). [`install`] makes two such rules
//! per model the storefront mirrors, one on `on_create_or_write` and one on
//! `on_unlink`, each with one webhook action and no payload fields;
//! [`remove`] takes them away. Odoo 16 has no webhook action: there the
//! shop probes for changes and resyncs on its timer.
//!
//! The rules are the storefront's own, known by their name
//! ([`rule_name`], `Storefront: <model> changed` / `Storefront: <model>
//! deleted`) and their model: [`install`] finds them again (archived ones
//! too), puts them back the way they must be, in place, and creates only the
//! missing ones, so it can run any number of times.
//!
//! Both need an Odoo administrator: `base.automation` and
//! `ir.actions.server` are open to the group *Administration / Settings*
//! (`base.group_system`) only, and `ir.model` to *Access Rights*
//! (`base.group_erp_manager`, which it implies).
//!
//! A "changed" rule fires only when a field the mirror reads changes
//! (`trigger_field_ids`, see [`watched_fields`]): without them Odoo runs the
//! action for every stored field it recomputes too, and its cost grows
//! faster than the records of a call; measured on Odoo 19, one `create` of
//! 100 products then ran past Odoo's 120 s request limit (and the server
//! restarted), against 1 s with them (2,000 products: 23 s).
//!
//! The same fields and triggers serve 17, 18 and 19: `base.automation`'s
//! `name`, `model_id`, `trigger`, `active`, `filter_domain`,
//! `filter_pre_domain`, `trigger_field_ids`, and `action_server_ids` (a
//! One2many of `ir.actions.server` by `base_automation_id`); the action's
//! `state = 'webhook'`, `webhook_url`, `webhook_field_ids`, `model_id`,
//! `usage = 'base_automation'`. `on_create_or_write` ("On save" on 17 and
//! 18, "On create and edit" on 19) and `on_unlink` exist on all three;
//! `on_write` and `on_create` are deprecated there.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::client::Client;
use crate::domain::field;
use crate::error::Error;
use crate::records::{
    CalendarEvent, Partner, Pricelist, PricelistItem, ProductCategory, ProductTemplate, ProductVariant,
    PublicCategory, Record, Tax, User,
};
use crate::xmlrpc::{Struct, Value};

/// The models the storefront mirrors, whose changes it wants to hear of.
pub const MODELS: &[&str] = &[
    "product.template",
    "product.product",
    "product.pricelist",
    "product.pricelist.item",
    "product.public.category",
    "product.category",
    "res.partner",
    "res.users",
    "account.tax",
    "calendar.event",
];

/// The fields of `model` the mirror reads, with `active` (archiving is a
/// change): a change to one of them is a change the shop must hear of.
pub fn watched_fields(model: &str) -> Vec<&'static str> {
    fn names<R: Record>() -> Vec<&'static str> {
        R::FIELDS
            .iter()
            .flat_map(|spec| spec.names.iter().copied())
            .collect()
    }
    let mut fields = match model {
        "product.template" => names::<ProductTemplate>(),
        "product.product" => names::<ProductVariant>(),
        "product.pricelist" => names::<Pricelist>(),
        "product.pricelist.item" => names::<PricelistItem>(),
        "product.public.category" => names::<PublicCategory>(),
        "product.category" => names::<ProductCategory>(),
        "res.partner" => names::<Partner>(),
        "res.users" => names::<User>(),
        "account.tax" => names::<Tax>(),
        "calendar.event" => names::<CalendarEvent>(),
        _ => Vec::new(),
    };
    fields.push("active");
    fields.sort_unstable();
    fields.dedup();
    fields
}

/// The `trigger_field_ids` of each model's "changed" rule: the stored
/// fields of [`watched_fields`] the model has. None (every change fires)
/// when one of them is company-dependent and not stored (a customer's
/// pricelist on 17): Odoo compares only stored values, so a change to it
/// would go unheard.
async fn trigger_fields(client: &Client, models: &[&str]) -> Result<BTreeMap<String, Vec<i64>>, Error> {
    let names: BTreeSet<&str> = models.iter().flat_map(|m| watched_fields(m)).collect();
    let found = client
        .model("ir.model.fields")
        .search_read(field("model").is_in(models.iter().copied()) & field("name").is_in(names))
        .fields(["model", "name", "store", "company_dependent"])
        .send()
        .await?;
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut unheard: BTreeSet<String> = BTreeSet::new();
    for record in found {
        let (Some(id), Some(model), Some(name)) = (
            record.get("id").and_then(Value::as_i64),
            text(&record, "model"),
            text(&record, "name"),
        ) else {
            continue;
        };
        if !watched_fields(&model).contains(&name.as_str()) {
            continue;
        }
        let flag = |key: &str| matches!(record.get(key), Some(Value::Bool(true)));
        if flag("store") {
            out.entry(model).or_default().push(id);
        } else if flag("company_dependent") {
            unheard.insert(model);
        }
    }
    for model in unheard {
        out.insert(model, Vec::new());
    }
    for ids in out.values_mut() {
        ids.sort_unstable();
    }
    Ok(out)
}

/// The first Odoo series with the webhook server action.
pub const FIRST_SERIES: u32 = 17;

/// What every rule's name starts with.
pub const NAME_PREFIX: &str = "Storefront: ";

const AUTOMATION: &str = "base.automation";
const ACTION: &str = "ir.actions.server";

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// A record was created or written: `on_create_or_write`.
    Changed,
    /// A record is being deleted: `on_unlink`.
    Deleted,
}

impl Trigger {
    /// Both, in the order rules are made.
    pub const ALL: [Trigger; 2] = [Trigger::Changed, Trigger::Deleted];

    /// The value of `base.automation.trigger`, the same on 17, 18 and 19.
    pub fn odoo_name(self) -> &'static str {
        match self {
            Trigger::Changed => "on_create_or_write",
            Trigger::Deleted => "on_unlink",
        }
    }

    /// The word in the rule's name.
    pub fn word(self) -> &'static str {
        match self {
            Trigger::Changed => "changed",
            Trigger::Deleted => "deleted",
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The name of the storefront's rule on `model` for `trigger`, e.g.
/// `Storefront: product.template changed`.
pub fn rule_name(model: &str, trigger: Trigger) -> String {
    format!("{NAME_PREFIX}{model} {}", trigger.word())
}

/// The model and trigger of one of the storefront's rule names, `None` for
/// any other name.
pub fn parse_rule_name(name: &str) -> Option<(&str, Trigger)> {
    let rest = name.strip_prefix(NAME_PREFIX)?;
    let (model, word) = rest.rsplit_once(' ')?;
    let trigger = Trigger::ALL.into_iter().find(|t| t.word() == word)?;
    let is_model = !model.is_empty()
        && model
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'_');
    is_model.then_some((model, trigger))
}

/// The name of the webhook action of a rule.
fn action_name(model: &str, trigger: Trigger) -> String {
    format!("Storefront webhook: {model} {}", trigger.word())
}

/// What was done to one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did not exist: created, with its action.
    Created,
    /// It existed but differed (archived, another trigger or address,
    /// another action, conditions added, a duplicate): put back in place.
    Updated,
    /// It existed as it must be: nothing written.
    Unchanged,
    /// Deleted, with its actions.
    Removed,
}

impl Outcome {
    /// `created`, `updated`, `unchanged`, `removed`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Removed => "removed",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One rule and what was done to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChange {
    /// The model it watches.
    pub model: String,
    /// When it fires.
    pub trigger: Trigger,
    /// Its name in Odoo.
    pub name: String,
    /// Its id in Odoo (of the rule as it was, when removed).
    pub id: i64,
    /// What was done.
    pub outcome: Outcome,
}

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Installed {
    /// One entry per rule, in the order of [`MODELS`], changed before deleted.
    pub rules: Vec<RuleChange>,
    /// The models of [`MODELS`] the database does not have (their module is
    /// not installed): no rule for them.
    pub skipped_models: Vec<String>,
}

impl Installed {
    /// Whether nothing was created nor updated.
    pub fn is_unchanged(&self) -> bool {
        self.rules.iter().all(|r| r.outcome == Outcome::Unchanged)
    }
}

/// A server action as read from Odoo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionState {
    /// Its id.
    pub id: i64,
    /// `state`: `webhook`, `code`, ...
    pub state: String,
    /// `webhook_url`.
    pub webhook_url: Option<String>,
    /// `webhook_field_ids`.
    pub webhook_field_ids: Vec<i64>,
    /// `model_id`.
    pub model_id: Option<i64>,
}

/// An automation rule as read from Odoo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleState {
    /// Its id.
    pub id: i64,
    /// `name`.
    pub name: String,
    /// `model_name`.
    pub model: String,
    /// `trigger`.
    pub trigger: Option<String>,
    /// `active`.
    pub active: bool,
    /// `filter_domain`.
    pub filter_domain: Option<String>,
    /// `filter_pre_domain`.
    pub filter_pre_domain: Option<String>,
    /// `trigger_field_ids`.
    pub trigger_field_ids: Vec<i64>,
    /// Its actions (`action_server_ids`), by id.
    pub actions: Vec<ActionState>,
}

/// What to write to bring an existing rule to the state it must have.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Repair {
    /// Values to write on the rule (empty: none).
    pub rule: Struct,
    /// The action kept, and the values to write on it (empty: none).
    pub action: Option<(i64, Struct)>,
    /// A new action to create on the rule, when it has no webhook action.
    pub new_action: Option<Struct>,
    /// Other actions, to delete.
    pub extra_actions: Vec<i64>,
}

impl Repair {
    /// Whether the rule is as it must be.
    pub fn is_empty(&self) -> bool {
        self.rule.is_empty()
            && self.action.as_ref().is_none_or(|(_, v)| v.is_empty())
            && self.new_action.is_none()
            && self.extra_actions.is_empty()
    }
}

/// A domain field that says "no condition": unset, empty or `[]`.
fn no_condition(domain: Option<&str>) -> bool {
    domain.is_none_or(|d| {
        let d = d.trim();
        d.is_empty() || d == "[]"
    })
}

/// The values of a new webhook action on `model` (`model_id`) for `trigger`.
fn new_action_values(model: &str, model_id: i64, trigger: Trigger, url: &str) -> Struct {
    Struct::new()
        .with("name", action_name(model, trigger))
        .with("model_id", model_id)
        .with("usage", "base_automation")
        .with("state", "webhook")
        .with("webhook_url", url)
}

/// What differs between `rule` (our rule on model `model_id` for `trigger`)
/// and the rule as it must be: active, this trigger, no condition on
/// records, `watched` as its trigger fields, exactly one action, of type webhook, on the
/// rule's model, calling `url` with no payload fields. Its first webhook
/// action is kept; the others go.
pub fn repair(rule: &RuleState, model_id: i64, trigger: Trigger, url: &str, watched: &[i64]) -> Repair {
    let mut out = Repair::default();
    if !rule.active {
        out.rule.insert("active", true);
    }
    if rule.trigger.as_deref() != Some(trigger.odoo_name()) {
        out.rule.insert("trigger", trigger.odoo_name());
    }
    if !no_condition(rule.filter_domain.as_deref()) {
        out.rule.insert("filter_domain", false);
    }
    if !no_condition(rule.filter_pre_domain.as_deref()) {
        out.rule.insert("filter_pre_domain", false);
    }
    let mut has: Vec<i64> = rule.trigger_field_ids.clone();
    has.sort_unstable();
    if has != watched {
        out.rule.insert("trigger_field_ids", set_command(watched));
    }
    let kept = rule
        .actions
        .iter()
        .filter(|a| a.state == "webhook" && a.model_id == Some(model_id))
        .min_by_key(|a| a.id);
    match kept {
        Some(action) => {
            let mut values = Struct::new();
            if action.webhook_url.as_deref() != Some(url) {
                values.insert("webhook_url", url);
            }
            if !action.webhook_field_ids.is_empty() {
                values.insert("webhook_field_ids", clear_command());
            }
            out.action = Some((action.id, values));
        }
        None => {
            out.new_action = Some(
                new_action_values(&rule.model, model_id, trigger, url).with("base_automation_id", rule.id),
            );
        }
    }
    out.extra_actions = rule
        .actions
        .iter()
        .map(|a| a.id)
        .filter(|id| kept.is_none_or(|k| k.id != *id))
        .collect();
    out
}

/// `[(6, 0, [])]`: an x2many emptied.
fn clear_command() -> Value {
    set_command(&[])
}

/// `[(6, 0, ids)]`: an x2many set to `ids`.
fn set_command(ids: &[i64]) -> Value {
    Value::Array(vec![Value::Array(vec![
        Value::Int(6),
        Value::Int(0),
        Value::Array(ids.iter().map(|id| Value::Int(*id)).collect()),
    ])])
}

/// Refuses an Odoo without webhook actions or without the Automation Rules
/// app.
async fn check_server(client: &Client) -> Result<(), Error> {
    let version = client.version().await?;
    match version.major() {
        Some(major) if major >= FIRST_SERIES => {}
        _ => {
            return Err(Error::Unsupported(format!(
                "Odoo {} has no webhook action (it came with Odoo 17): there the storefront \
                 asks Odoo what changed every STOREFRONT_PROBE_SECS and resyncs on its timer \
                 (STOREFRONT_RESYNC_SECS)",
                version.server_serie
            )))
        }
    }
    Ok(())
}

/// The `ir.model` ids of `models` the database has.
async fn model_ids(client: &Client, models: &[&str]) -> Result<BTreeMap<String, i64>, Error> {
    let found = client
        .model("ir.model")
        .search_read(field("model").is_in(models.iter().copied()))
        .fields(["model"])
        .send()
        .await?;
    let mut ids = BTreeMap::new();
    for record in found {
        if let (Some(id), Some(model)) = (
            record.get("id").and_then(Value::as_i64),
            record.get("model").and_then(Value::as_str),
        ) {
            ids.insert(model.to_owned(), id);
        }
    }
    Ok(ids)
}

fn text(record: &Struct, name: &str) -> Option<String> {
    record
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
}

fn ids(record: &Struct, name: &str) -> Vec<i64> {
    record
        .get(name)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn many2one(record: &Struct, name: &str) -> Option<i64> {
    match record.get(name)? {
        Value::Int(id) => Some(*id),
        Value::Array(pair) => pair.first().and_then(Value::as_i64),
        _ => None,
    }
}

/// Every rule named like the storefront's (archived ones too), with its
/// actions. Names are compared in English, the language they are created in.
pub async fn our_rules(client: &Client) -> Result<Vec<RuleState>, Error> {
    let rules = client
        .model(AUTOMATION)
        .search_read(field("name").eq_like(format!("{NAME_PREFIX}%")))
        .fields([
            "name",
            "model_name",
            "trigger",
            "active",
            "filter_domain",
            "filter_pre_domain",
            "trigger_field_ids",
            "action_server_ids",
        ])
        .order("id")
        .lang("en_US")
        .active_test(false)
        .send()
        .await?;
    let action_ids: Vec<i64> = rules.iter().flat_map(|r| ids(r, "action_server_ids")).collect();
    let mut actions: BTreeMap<i64, ActionState> = BTreeMap::new();
    if !action_ids.is_empty() {
        let read = client
            .model(ACTION)
            .read(action_ids)
            .fields(["state", "webhook_url", "webhook_field_ids", "model_id"])
            .send()
            .await?;
        for a in read {
            let Some(id) = a.get("id").and_then(Value::as_i64) else {
                continue;
            };
            actions.insert(
                id,
                ActionState {
                    id,
                    state: text(&a, "state").unwrap_or_default(),
                    webhook_url: text(&a, "webhook_url"),
                    webhook_field_ids: ids(&a, "webhook_field_ids"),
                    model_id: many2one(&a, "model_id"),
                },
            );
        }
    }
    let mut out = Vec::new();
    for r in rules {
        let (Some(id), Some(name)) = (r.get("id").and_then(Value::as_i64), text(&r, "name")) else {
            continue;
        };
        if parse_rule_name(&name).is_none() {
            continue;
        }
        out.push(RuleState {
            id,
            name,
            model: text(&r, "model_name").unwrap_or_default(),
            trigger: text(&r, "trigger"),
            active: r.get("active").and_then(Value::as_bool).unwrap_or(false),
            filter_domain: text(&r, "filter_domain"),
            filter_pre_domain: text(&r, "filter_pre_domain"),
            trigger_field_ids: ids(&r, "trigger_field_ids"),
            actions: ids(&r, "action_server_ids")
                .into_iter()
                .filter_map(|a| actions.get(&a).cloned())
                .collect(),
        });
    }
    Ok(out)
}

/// Makes the storefront's automation rules call `url`: for each model of
/// [`MODELS`] the database has, one rule when a record is created or
/// written and one when a record is deleted, each with one webhook action.
/// Rules found again (by name and model, archived ones too) are put back in
/// place, never duplicated; a second run changes nothing.
///
/// Refuses Odoo 16 and older ([`Error::Unsupported`]: no webhook action;
/// the storefront's timer is used there) and a database without the
/// Automation Rules app (`base_automation`). Needs an administrator (group
/// `base.group_system`): others get Odoo's access error.
pub async fn install(client: &Client, url: &str) -> Result<Installed, Error> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(Error::Config(format!(
            "the webhook address must start with http:// or https://, not {:?}",
            mask_url(url)
        )));
    }
    check_server(client).await?;
    let mut wanted: Vec<&str> = MODELS.to_vec();
    wanted.push(AUTOMATION);
    let models = model_ids(client, &wanted).await?;
    if !models.contains_key(AUTOMATION) {
        return Err(Error::Unsupported(
            "this Odoo database has no automation rules: install the Automation Rules app \
             (module base_automation), then run this again"
                .into(),
        ));
    }
    let existing = our_rules(client).await?;
    let present: Vec<&str> = MODELS
        .iter()
        .copied()
        .filter(|m| models.contains_key(*m))
        .collect();
    let watched = trigger_fields(client, &present).await?;

    let mut report = Installed::default();
    // Rules to create, made in one call: (index in report.rules, values).
    let mut to_create: Vec<(usize, Struct)> = Vec::new();
    let mut to_unlink_rules: Vec<i64> = Vec::new();
    for model in MODELS {
        let Some(&model_id) = models.get(*model) else {
            report.skipped_models.push((*model).to_owned());
            continue;
        };
        for trigger in Trigger::ALL {
            let name = rule_name(model, trigger);
            let fields: &[i64] = match trigger {
                Trigger::Changed => watched.get(*model).map_or(&[], Vec::as_slice),
                Trigger::Deleted => &[],
            };
            let mut same: Vec<&RuleState> = existing
                .iter()
                .filter(|r| r.name == name && r.model == *model)
                .collect();
            same.sort_by_key(|r| r.id);
            let Some((first, duplicates)) = same.split_first() else {
                let action = new_action_values(model, model_id, trigger, url);
                let values = Struct::new()
                    .with("name", name.clone())
                    .with("model_id", model_id)
                    .with("trigger", trigger.odoo_name())
                    .with("active", true)
                    .with("trigger_field_ids", set_command(fields))
                    .with(
                        "action_server_ids",
                        Value::Array(vec![Value::Array(vec![
                            Value::Int(0),
                            Value::Int(0),
                            Value::Struct(action),
                        ])]),
                    );
                to_create.push((report.rules.len(), values));
                report.rules.push(RuleChange {
                    model: (*model).to_owned(),
                    trigger,
                    name,
                    id: 0,
                    outcome: Outcome::Created,
                });
                continue;
            };
            let fix = repair(first, model_id, trigger, url, fields);
            let outcome = if fix.is_empty() && duplicates.is_empty() {
                Outcome::Unchanged
            } else {
                Outcome::Updated
            };
            apply(client, first.id, fix).await?;
            to_unlink_rules.extend(duplicates.iter().map(|r| r.id));
            report.rules.push(RuleChange {
                model: (*model).to_owned(),
                trigger,
                name,
                id: first.id,
                outcome,
            });
        }
    }
    if !to_unlink_rules.is_empty() {
        let actions: Vec<i64> = existing
            .iter()
            .filter(|r| to_unlink_rules.contains(&r.id))
            .flat_map(|r| r.actions.iter().map(|a| a.id))
            .collect();
        unlink_rules(client, to_unlink_rules, actions).await?;
    }
    if !to_create.is_empty() {
        let values: Vec<Value> = to_create.iter().map(|(_, v)| Value::Struct(v.clone())).collect();
        let created: Vec<i64> = client
            .model(AUTOMATION)
            .call("create", vec![Value::Array(values)])
            .lang("en_US")
            .returning::<Vec<i64>>()
            .send()
            .await?;
        if created.len() != to_create.len() {
            return Err(Error::Decode {
                call: format!("{AUTOMATION}.create"),
                field: String::new(),
                message: format!("{} ids for {} rules", created.len(), to_create.len()),
            });
        }
        for ((index, _), id) in to_create.iter().zip(created) {
            if let Some(rule) = report.rules.get_mut(*index) {
                rule.id = id;
            }
        }
    }
    Ok(report)
}

/// Writes what `fix` says on rule `id` and its actions.
async fn apply(client: &Client, id: i64, fix: Repair) -> Result<(), Error> {
    if !fix.extra_actions.is_empty() {
        client.model(ACTION).unlink(fix.extra_actions).send().await?;
    }
    if let Some((action, values)) = fix.action {
        if !values.is_empty() {
            client.model(ACTION).write(vec![action], values).send().await?;
        }
    }
    if let Some(values) = fix.new_action {
        client.model(ACTION).create(values).lang("en_US").send().await?;
    }
    if !fix.rule.is_empty() {
        client
            .model(AUTOMATION)
            .write(vec![id], fix.rule)
            .active_test(false)
            .send()
            .await?;
    }
    Ok(())
}

async fn unlink_rules(client: &Client, rules: Vec<i64>, actions: Vec<i64>) -> Result<(), Error> {
    // The actions go with their rule (`ondelete='cascade'`); deleted first
    // through the ORM all the same, as Odoo's own form does.
    if !actions.is_empty() {
        client.model(ACTION).unlink(actions).send().await?;
    }
    client
        .model(AUTOMATION)
        .unlink(rules)
        .active_test(false)
        .send()
        .await?;
    Ok(())
}

/// Deletes the storefront's automation rules (archived ones too) and their
/// actions; returns them, each [`Outcome::Removed`]. Nothing to do on an
/// Odoo without the Automation Rules app. Refuses Odoo 16 and older like
/// [`install`].
pub async fn remove(client: &Client) -> Result<Vec<RuleChange>, Error> {
    check_server(client).await?;
    if !model_ids(client, &[AUTOMATION]).await?.contains_key(AUTOMATION) {
        return Ok(Vec::new());
    }
    let rules = our_rules(client).await?;
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rules.iter().map(|r| r.id).collect();
    let actions: Vec<i64> = rules
        .iter()
        .flat_map(|r| r.actions.iter().map(|a| a.id))
        .collect();
    unlink_rules(client, ids, actions).await?;
    Ok(rules
        .into_iter()
        .filter_map(|r| {
            let (model, trigger) = parse_rule_name(&r.name)?;
            Some(RuleChange {
                model: model.to_owned(),
                trigger,
                id: r.id,
                name: r.name.clone(),
                outcome: Outcome::Removed,
            })
        })
        .collect())
}

/// `url` with its last path segment (the secret of
/// `<public url>/hooks/odoo/<secret>`) masked but for its first 4
/// characters, and any user info or query dropped: for logs and printouts.
pub fn mask_url(url: &str) -> String {
    let (base, _) = url.split_once(['?', '#']).unwrap_or((url, ""));
    let (scheme, rest) = base.split_once("://").unwrap_or(("", base));
    let rest = rest.split_once('@').map_or(rest, |(_, host)| host);
    let masked = match rest.rsplit_once('/') {
        Some((head, secret)) if !secret.is_empty() => {
            let shown: String = secret.chars().take(4.min(secret.chars().count() / 4)).collect();
            format!("{head}/{shown}…")
        }
        _ => rest.to_owned(),
    };
    if scheme.is_empty() {
        masked
    } else {
        format!("{scheme}://{masked}")
    }
}

/// The set of rule names [`install`] makes for `models`.
pub fn rule_names<'a>(models: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    models
        .into_iter()
        .flat_map(|m| Trigger::ALL.map(|t| rule_name(m, t)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_round_trip_and_nothing_else_parses() {
        for model in MODELS {
            for trigger in Trigger::ALL {
                let name = rule_name(model, trigger);
                assert!(name.starts_with(NAME_PREFIX));
                assert_eq!(parse_rule_name(&name), Some((*model, trigger)));
            }
        }
        assert_eq!(
            rule_name("product.template", Trigger::Changed),
            "Storefront: product.template changed"
        );
        assert_eq!(
            rule_name("res.partner", Trigger::Deleted),
            "Storefront: res.partner deleted"
        );
        for other in [
            "Storefront: product.template",
            "Storefront: product.template changed (copy)",
            "Storefront: Product changed",
            "Storefront:  changed",
            "storefront: product.template changed",
            "Shop: product.template changed",
            "Storefront: product.template updated",
        ] {
            assert_eq!(parse_rule_name(other), None, "{other}");
        }
        assert_eq!(rule_names(MODELS.iter().copied()).len(), 2 * MODELS.len());
    }

    #[test]
    fn the_triggers_are_those_of_odoo_17_to_19() {
        assert_eq!(Trigger::Changed.odoo_name(), "on_create_or_write");
        assert_eq!(Trigger::Deleted.odoo_name(), "on_unlink");
    }

    const URL: &str = "https://shop.example.com/hooks/odoo/s3cret-s3cret-s3cret";

    fn good_rule() -> RuleState {
        RuleState {
            id: 7,
            name: rule_name("product.template", Trigger::Changed),
            model: "product.template".into(),
            trigger: Some("on_create_or_write".into()),
            active: true,
            filter_domain: None,
            filter_pre_domain: None,
            trigger_field_ids: vec![],
            actions: vec![ActionState {
                id: 70,
                state: "webhook".into(),
                webhook_url: Some(URL.into()),
                webhook_field_ids: vec![],
                model_id: Some(3),
            }],
        }
    }

    #[test]
    fn a_rule_as_it_must_be_needs_nothing() {
        let rule = good_rule();
        assert!(repair(&rule, 3, Trigger::Changed, URL, &[]).is_empty());
        // An empty domain, as the form saves it, is no condition either.
        let rule = RuleState {
            filter_domain: Some("[]".into()),
            ..good_rule()
        };
        assert!(repair(&rule, 3, Trigger::Changed, URL, &[]).is_empty());
    }

    #[test]
    fn what_differs_is_written_in_place() {
        // Archived, another trigger, a condition: the rule is written.
        let rule = RuleState {
            active: false,
            trigger: Some("on_write".into()),
            filter_domain: Some("[('sale_ok', '=', True)]".into()),
            trigger_field_ids: vec![12],
            ..good_rule()
        };
        let fix = repair(&rule, 3, Trigger::Changed, URL, &[]);
        assert_eq!(fix.rule.get("active"), Some(&Value::Bool(true)));
        assert_eq!(fix.rule.get("trigger"), Some(&Value::from("on_create_or_write")));
        assert_eq!(fix.rule.get("filter_domain"), Some(&Value::Bool(false)));
        assert_eq!(fix.rule.get("trigger_field_ids"), Some(&clear_command()));
        assert!(!fix.rule.contains_key("filter_pre_domain"));
        assert_eq!(fix.action, Some((70, Struct::new())));
        assert!(fix.new_action.is_none() && fix.extra_actions.is_empty());
        assert!(!fix.is_empty());

        // Another address, payload fields: the action is written.
        let mut rule = good_rule();
        rule.actions[0].webhook_url = Some("https://old.example.com/hooks/odoo/x".into());
        rule.actions[0].webhook_field_ids = vec![5, 6];
        let fix = repair(&rule, 3, Trigger::Changed, URL, &[]);
        assert!(fix.rule.is_empty());
        let (id, values) = fix.action.clone().unwrap();
        assert_eq!(id, 70);
        assert_eq!(values.get("webhook_url"), Some(&Value::from(URL)));
        assert_eq!(values.get("webhook_field_ids"), Some(&clear_command()));
        assert!(!fix.is_empty());
    }

    #[test]
    fn the_first_webhook_action_stays_the_others_go() {
        let mut rule = good_rule();
        let mut code = rule.actions[0].clone();
        code.id = 60;
        code.state = "code".into();
        let mut second = rule.actions[0].clone();
        second.id = 80;
        rule.actions.extend([code, second]);
        let fix = repair(&rule, 3, Trigger::Changed, URL, &[]);
        assert_eq!(fix.action, Some((70, Struct::new())));
        assert_eq!(fix.extra_actions, vec![60, 80]);
        assert!(!fix.is_empty());

        // No webhook action on the rule's model: one is created on the rule.
        let mut rule = good_rule();
        rule.actions[0].state = "code".into();
        let fix = repair(&rule, 3, Trigger::Deleted, URL, &[]);
        let new = fix.new_action.unwrap();
        assert_eq!(new.get("state"), Some(&Value::from("webhook")));
        assert_eq!(new.get("webhook_url"), Some(&Value::from(URL)));
        assert_eq!(new.get("base_automation_id"), Some(&Value::Int(7)));
        assert_eq!(new.get("model_id"), Some(&Value::Int(3)));
        assert_eq!(fix.extra_actions, vec![70]);
        assert_eq!(fix.rule.get("trigger"), Some(&Value::from("on_unlink")));
    }

    #[test]
    fn the_secret_never_shows_in_full() {
        assert_eq!(mask_url(URL), "https://shop.example.com/hooks/odoo/s3cr…");
        assert!(!mask_url(URL).contains("s3cret-s3cret"));
        assert_eq!(
            mask_url("http://127.0.0.1:8080/hooks/odoo/abc"),
            "http://127.0.0.1:8080/hooks/odoo/…"
        );
        assert_eq!(
            mask_url("https://user:pw@shop.example.com/hooks/odoo/abcdefghijklmnop?x=1"),
            "https://shop.example.com/hooks/odoo/abcd…"
        );
    }

    #[test]
    fn changed_rules_watch_the_mirrored_fields_in_any_order() {
        let rule = RuleState {
            trigger_field_ids: vec![9, 5],
            ..good_rule()
        };
        assert!(repair(&rule, 3, Trigger::Changed, URL, &[5, 9]).is_empty());
        let fix = repair(&rule, 3, Trigger::Changed, URL, &[5, 7, 9]);
        assert_eq!(fix.rule.get("trigger_field_ids"), Some(&set_command(&[5, 7, 9])));
        let template = watched_fields("product.template");
        for name in ["list_price", "is_published", "sale_ok", "taxes_id", "active"] {
            assert!(template.contains(&name), "{name}: {template:?}");
        }
        assert!(watched_fields("res.partner").contains(&"property_product_pricelist"));
        assert_eq!(watched_fields("mail.message"), ["active"]);
    }
}
