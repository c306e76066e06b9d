//! The in-memory database: tables of records, the clock, users'
//! credentials, and the writes (create, write, unlink, x2many commands)
//! with Odoo's rules.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use connector::domain::Domain;
use connector::xmlrpc::{Fault, Struct, Value};

use crate::faults::OdooError;
use crate::pricing::{ConnectorPricer, LinePricer};
use crate::read::Env;
use crate::schema::{Compute, FieldDef, FieldType, ModelSchema, OnDelete, Series};
use connector::records::Command;

/// Odoo's datetime format.
pub const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// Odoo's date format.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// The uid of the superuser, used for changes made through
/// [`Database`]'s own methods (as staff would in Odoo's UI).
pub const SUPERUSER: i64 = 1;

/// One stored value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Ids(Vec<i64>),
}

impl Cell {
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    pub fn as_id(&self) -> Option<i64> {
        match self {
            Cell::Int(i) if *i > 0 => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> f64 {
        match self {
            Cell::Int(i) => *i as f64,
            Cell::Float(f) => *f,
            _ => 0.0,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Cell::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> bool {
        match self {
            Cell::Bool(b) => *b,
            Cell::Int(i) => *i != 0,
            _ => false,
        }
    }

    pub fn ids(&self) -> &[i64] {
        match self {
            Cell::Ids(ids) => ids,
            _ => &[],
        }
    }
}

/// One record: its stored values (translatable fields hold the `en_US`
/// text here and other languages in `translations`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    pub id: i64,
    pub values: HashMap<String, Cell>,
    pub translations: HashMap<String, BTreeMap<String, String>>,
}

impl Record {
    pub fn new(id: i64) -> Record {
        Record {
            id,
            ..Record::default()
        }
    }

    pub fn get(&self, field: &str) -> &Cell {
        self.values.get(field).unwrap_or(&Cell::Null)
    }
}

/// One model's records.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub schema: Arc<ModelSchema>,
    pub records: BTreeMap<i64, Arc<Record>>,
    pub next_id: i64,
}

/// A user's secrets.
#[derive(Debug, Clone, Default)]
pub(crate) struct Credentials {
    pub password: String,
    pub api_keys: Vec<String>,
}

/// Who calls, and the call's context.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub uid: i64,
    pub lang: String,
    pub active_test: bool,
    pub share: bool,
    pub partner_id: Option<i64>,
    /// The context's `default_<field>` values, for `create`.
    pub defaults: Vec<(String, Value)>,
    /// An administrator (`base.group_system`: the superuser and Odoo's
    /// `base.user_admin`, uid 2).
    pub admin: bool,
    /// The whole context, for the keys models read (`warehouse`,
    /// `inventory_mode`, `mail_notify_force_send`...).
    pub context: Struct,
}

impl Ctx {
    pub fn superuser() -> Ctx {
        Ctx {
            uid: SUPERUSER,
            lang: "en_US".into(),
            active_test: true,
            share: false,
            partner_id: None,
            defaults: Vec::new(),
            admin: true,
            context: Struct::new(),
        }
    }
}

/// The clock that stamps `create_date` and `write_date`.
#[derive(Debug, Clone, Default)]
struct Clock {
    fixed: Option<NaiveDateTime>,
    offset: Duration,
}

/// The double's data: every model's records, the users' credentials, the
/// clock and the order-line pricer.
///
/// Tests reach it with [`crate::OdooDouble::with_db`] to change data as
/// staff would in Odoo (each change stamps `write_date`), or to look at
/// what the storefront wrote.
pub struct Database {
    pub(crate) series: Series,
    pub(crate) name: String,
    pub(crate) server_version: String,
    pub(crate) tables: BTreeMap<String, Table>,
    pub(crate) credentials: HashMap<i64, Credentials>,
    clock: Clock,
    pub(crate) pricer: Arc<dyn LinePricer>,
    pub(crate) sequences: HashMap<String, i64>,
    /// Set while a variant creates its own template.
    suppress_variant: bool,
    /// The settings that are groups (`sale.group_discount_per_so_line`,
    /// `website_sale.group_show_uom_price`): on for every internal user,
    /// as `res.config.settings` turns them on.
    groups: BTreeSet<String>,
    /// Decimal accuracies by name ("Product Price", "Discount"); 2 when
    /// not set.
    digits: BTreeMap<String, u32>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("name", &self.name)
            .field("series", &self.series)
            .field(
                "records",
                &self
                    .tables
                    .iter()
                    .map(|(k, t)| (k.as_str(), t.records.len()))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A snapshot to restore when a call fails half-way (Odoo's transaction).
pub(crate) struct Snapshot {
    tables: BTreeMap<String, Table>,
    sequences: HashMap<String, i64>,
}

impl Database {
    pub(crate) fn new(series: Series, name: &str, schemas: BTreeMap<String, Arc<ModelSchema>>) -> Database {
        let tables = schemas
            .into_iter()
            .map(|(name, schema)| {
                (
                    name,
                    Table {
                        schema,
                        records: BTreeMap::new(),
                        next_id: 1,
                    },
                )
            })
            .collect();
        Database {
            series,
            name: name.to_owned(),
            server_version: series.as_string(),
            tables,
            credentials: HashMap::new(),
            clock: Clock::default(),
            pricer: Arc::new(ConnectorPricer),
            sequences: HashMap::new(),
            suppress_variant: false,
            groups: BTreeSet::new(),
            digits: BTreeMap::new(),
        }
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            tables: self.tables.clone(),
            sequences: self.sequences.clone(),
        }
    }

    pub(crate) fn restore(&mut self, snapshot: Snapshot) {
        self.tables = snapshot.tables;
        self.sequences = snapshot.sequences;
    }

    // ----- public API --------------------------------------------------

    /// The database name (`db` of every call).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The emulated series.
    pub fn series(&self) -> Series {
        self.series
    }

    /// Whether `lang` may be the context's language: English always, else
    /// an active `res.lang`. 16.0 quietly falls back to English for any
    /// other code; 17.0 and later refuse the call (`Environment.lang`:
    /// "Invalid language code: xx_XX").
    pub(crate) fn check_lang(&self, lang: &str) -> Result<(), OdooError> {
        if lang.is_empty() || lang == "en_US" || self.series.major() < 17 {
            return Ok(());
        }
        let installed = self.tables.get("res.lang").is_some_and(|t| {
            t.records
                .values()
                .any(|r| r.get("active").as_bool() && r.get("code").as_str() == Some(lang))
        });
        if installed {
            Ok(())
        } else {
            Err(OdooError::Validation(format!("Invalid language code: {lang}")))
        }
    }

    /// Turns a setting that is a group on or off, e.g.
    /// `sale.group_discount_per_so_line` (the double knows the one of its
    /// series: `product.` on 16.0) or `website_sale.group_show_uom_price`.
    pub fn set_group(&mut self, group: &str, on: bool) {
        if on {
            self.groups.insert(group.to_owned());
        } else {
            self.groups.remove(group);
        }
    }

    /// Whether a setting that is a group is on.
    pub fn group_on(&self, group: &str) -> bool {
        self.groups.contains(group)
    }

    /// The group xmlids this series has among those the double knows:
    /// asking about another is refused, as `has_group` of an unknown xmlid
    /// is.
    pub(crate) fn knows_group(&self, group: &str) -> bool {
        let discounts = if self.series.major() <= 16 {
            "product.group_discount_per_so_line"
        } else {
            "sale.group_discount_per_so_line"
        };
        group == discounts || group == "website_sale.group_show_uom_price" || group.starts_with("base.")
    }

    /// Sets a decimal accuracy ("Product Price", "Discount").
    pub fn set_digits(&mut self, name: &str, digits: u32) {
        self.digits.insert(name.to_owned(), digits);
    }

    /// A decimal accuracy (2 unless set).
    pub fn digits(&self, name: &str) -> u32 {
        self.digits.get(name).copied().unwrap_or(2)
    }

    /// Now, by the double's clock (UTC, whole seconds).
    pub fn now(&self) -> NaiveDateTime {
        let base = self.clock.fixed.unwrap_or_else(|| Utc::now().naive_utc());
        let now = base.checked_add_signed(self.clock.offset).unwrap_or(base);
        now.with_nanosecond_zero()
    }

    /// Stops the clock at `now` (UTC).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.clock.fixed = Some(now.naive_utc());
        self.clock.offset = Duration::zero();
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance_clock(&mut self, by: Duration) {
        self.clock.offset = self.clock.offset.checked_add(&by).unwrap_or(self.clock.offset);
    }

    /// Back to the real time.
    pub fn use_real_clock(&mut self) {
        self.clock = Clock::default();
    }

    /// Replaces the pricing of order lines (see [`LinePricer`]).
    pub fn set_pricer(&mut self, pricer: Arc<dyn LinePricer>) {
        self.pricer = pricer;
    }

    /// The model names.
    pub fn models(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// A model's schema.
    pub fn schema(&self, model: &str) -> Option<&ModelSchema> {
        self.tables.get(model).map(|t| &*t.schema)
    }

    /// Whether the record exists (archived or not).
    pub fn exists(&self, model: &str, id: i64) -> bool {
        self.tables
            .get(model)
            .is_some_and(|t| t.records.contains_key(&id))
    }

    /// Every id of a model, archived ones included, in id order.
    pub fn ids(&self, model: &str) -> Vec<i64> {
        self.tables
            .get(model)
            .map(|t| t.records.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Creates a record as the superuser (x2many commands allowed).
    pub fn create(&mut self, model: &str, values: Struct) -> Result<i64, Fault> {
        let ctx = Ctx::superuser();
        self.transaction(&ctx, model, |db| db.create_record(&ctx, model, &values))
    }

    /// Writes records as the superuser.
    pub fn write(&mut self, model: &str, ids: &[i64], values: Struct) -> Result<(), Fault> {
        let ctx = Ctx::superuser();
        self.transaction(&ctx, model, |db| db.write_records(&ctx, model, ids, &values))
    }

    /// Writes one field of one record (`set("product.template", 3,
    /// "list_price", 2.5)`).
    pub fn set(&mut self, model: &str, id: i64, field: &str, value: impl Into<Value>) -> Result<(), Fault> {
        self.write(model, &[id], Struct::new().with(field, value))
    }

    /// Writes a translatable field in one language.
    pub fn set_translation(
        &mut self,
        model: &str,
        id: i64,
        field: &str,
        lang: &str,
        text: &str,
    ) -> Result<(), Fault> {
        let mut ctx = Ctx::superuser();
        ctx.lang = lang.to_owned();
        let values = Struct::new().with(field, text);
        self.transaction(&ctx, model, |db| db.write_records(&ctx, model, &[id], &values))
    }

    /// Archives records (`active = false`).
    pub fn archive(&mut self, model: &str, ids: &[i64]) -> Result<(), Fault> {
        self.write(model, ids, Struct::new().with("active", false))
    }

    /// Restores archived records.
    pub fn unarchive(&mut self, model: &str, ids: &[i64]) -> Result<(), Fault> {
        self.write(model, ids, Struct::new().with("active", true))
    }

    /// Deletes records (with Odoo's cascades).
    pub fn unlink(&mut self, model: &str, ids: &[i64]) -> Result<(), Fault> {
        let ctx = Ctx::superuser();
        self.transaction(&ctx, model, |db| db.unlink_records(&ctx, model, ids))
    }

    /// Searches as the superuser (archived records hidden), in the model's
    /// default order.
    pub fn search(&self, model: &str, domain: &Domain) -> Result<Vec<i64>, Fault> {
        self.search_with(model, domain, true)
    }

    /// Searches, archived records included when `active_test` is false.
    pub fn search_with(&self, model: &str, domain: &Domain, active_test: bool) -> Result<Vec<i64>, Fault> {
        let mut ctx = Ctx::superuser();
        ctx.active_test = active_test;
        let env = Env::new(self, &ctx);
        env.search(model, domain, None, 0, None)
            .map_err(|e| self.fault(&ctx, model, &e))
    }

    /// Reads records as `read` answers them (many2one as `[id, name]`), in
    /// `en_US`; all fields when `fields` is empty.
    pub fn read(&self, model: &str, ids: &[i64], fields: &[&str]) -> Result<Vec<Struct>, Fault> {
        self.read_in(model, ids, fields, "en_US")
    }

    /// [`Database::read`] in a language.
    pub fn read_in(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[&str],
        lang: &str,
    ) -> Result<Vec<Struct>, Fault> {
        let mut ctx = Ctx::superuser();
        ctx.lang = lang.to_owned();
        let env = Env::new(self, &ctx);
        let fields: Vec<String> = fields.iter().map(|s| (*s).to_owned()).collect();
        env.read(model, ids, &fields, true)
            .map_err(|e| self.fault(&ctx, model, &e))
    }

    /// One field of one record, as `read` answers it (`false` when empty or
    /// when the record does not exist).
    pub fn get(&self, model: &str, id: i64, field: &str) -> Value {
        self.read(model, &[id], &[field])
            .ok()
            .and_then(|mut rows| rows.pop())
            .and_then(|mut row| row.remove(field))
            .unwrap_or(Value::Bool(false))
    }

    /// Sets a user's password (by login).
    pub fn set_password(&mut self, login: &str, password: &str) -> Result<(), Fault> {
        let uid = self.uid_of(login).ok_or_else(|| Fault {
            code: 2,
            string: format!("no user with login {login:?}"),
        })?;
        self.credentials.entry(uid).or_default().password = password.to_owned();
        Ok(())
    }

    /// Adds an API key to a user (by login).
    pub fn add_api_key(&mut self, login: &str, key: &str) -> Result<(), Fault> {
        let uid = self.uid_of(login).ok_or_else(|| Fault {
            code: 2,
            string: format!("no user with login {login:?}"),
        })?;
        self.credentials
            .entry(uid)
            .or_default()
            .api_keys
            .push(key.to_owned());
        Ok(())
    }

    /// The uid of a login (active or not).
    pub fn uid_of(&self, login: &str) -> Option<i64> {
        let users = self.tables.get("res.users")?;
        users
            .records
            .values()
            .find(|r| r.get("login").as_str() == Some(login))
            .map(|r| r.id)
    }

    // ----- internals ---------------------------------------------------

    fn transaction<T>(
        &mut self,
        ctx: &Ctx,
        model: &str,
        f: impl FnOnce(&mut Database) -> Result<T, OdooError>,
    ) -> Result<T, Fault> {
        let snapshot = self.snapshot();
        match f(self) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.restore(snapshot);
                Err(self.fault(ctx, model, &e))
            }
        }
    }

    /// The fault for an error raised on behalf of `ctx`.
    pub(crate) fn fault(&self, ctx: &Ctx, model: &str, error: &OdooError) -> Fault {
        let description = self
            .tables
            .get(model)
            .map(|t| t.schema.description.clone())
            .unwrap_or_default();
        let user_name = self.user_name(ctx.uid);
        error.to_fault(self.series, ctx.uid, &user_name, &description)
    }

    pub(crate) fn user_name(&self, uid: i64) -> String {
        let ctx = Ctx::superuser();
        let env = Env::new(self, &ctx);
        env.display_name("res.users", uid)
    }

    pub(crate) fn table(&self, model: &str) -> Result<&Table, OdooError> {
        self.tables
            .get(model)
            .ok_or_else(|| OdooError::UnknownModel(model.to_owned()))
    }

    fn table_mut(&mut self, model: &str) -> Result<&mut Table, OdooError> {
        self.tables
            .get_mut(model)
            .ok_or_else(|| OdooError::UnknownModel(model.to_owned()))
    }

    pub(crate) fn schema_arc(&self, model: &str) -> Result<Arc<ModelSchema>, OdooError> {
        Ok(self.table(model)?.schema.clone())
    }

    pub(crate) fn record(&self, model: &str, id: i64) -> Option<&Record> {
        self.tables.get(model)?.records.get(&id).map(|r| &**r)
    }

    fn record_mut(&mut self, model: &str, id: i64) -> Result<&mut Record, OdooError> {
        let table = self.table_mut(model)?;
        let rec = table
            .records
            .get_mut(&id)
            .ok_or_else(|| OdooError::MissingRecord {
                model: model.to_owned(),
                ids: vec![id],
            })?;
        Ok(Arc::make_mut(rec))
    }

    pub(crate) fn now_string(&self) -> String {
        self.now().format(DATETIME_FORMAT).to_string()
    }

    /// Inserts a record as is (dataset loading).
    pub(crate) fn insert_raw(&mut self, model: &str, record: Record) -> Result<(), OdooError> {
        let table = self.table_mut(model)?;
        table.next_id = table.next_id.max(record.id.saturating_add(1));
        table.records.insert(record.id, Arc::new(record));
        Ok(())
    }

    pub(crate) fn next_id(&self, model: &str) -> i64 {
        self.tables.get(model).map_or(1, |t| t.next_id)
    }

    /// Sets a stored value without any rule (dataset loading, recomputes).
    pub(crate) fn put(&mut self, model: &str, id: i64, field: &str, cell: Cell) -> Result<(), OdooError> {
        let rec = self.record_mut(model, id)?;
        rec.values.insert(field.to_owned(), cell);
        Ok(())
    }

    fn touch(&mut self, model: &str, id: i64, uid: i64) -> Result<(), OdooError> {
        let now = Cell::Str(self.now_string());
        let rec = self.record_mut(model, id)?;
        rec.values.insert("write_date".into(), now);
        rec.values.insert("write_uid".into(), Cell::Int(uid));
        Ok(())
    }

    /// Converts a value a client sent for `field`.
    pub(crate) fn convert_input(
        &self,
        schema: &ModelSchema,
        field: &FieldDef,
        value: &Value,
    ) -> Result<Cell, OdooError> {
        let bad = || {
            OdooError::value_error(format!(
                "Wrong value for {}.{}: {}",
                schema.name,
                field.name,
                crate::faults::python_repr(value)
            ))
        };
        if matches!(value, Value::Nil)
            || (matches!(value, Value::Bool(false)) && field.ftype != FieldType::Boolean)
        {
            return Ok(Cell::Null);
        }
        Ok(match field.ftype {
            FieldType::Char | FieldType::Text | FieldType::Html => match value {
                Value::String(s) => Cell::Str(s.clone()),
                Value::Int(i) => Cell::Str(i.to_string()),
                Value::Double(d) => Cell::Str(d.to_string()),
                Value::Bool(true) => Cell::Str("True".into()),
                _ => return Err(bad()),
            },
            FieldType::Selection => match value {
                Value::String(s) => {
                    if !field.selection.is_empty() && !field.selection.iter().any(|(k, _)| k == s) {
                        return Err(bad());
                    }
                    Cell::Str(s.clone())
                }
                _ => return Err(bad()),
            },
            FieldType::Integer => match value {
                Value::Int(i) => Cell::Int(*i),
                Value::Double(d) if d.is_finite() => Cell::Int(d.trunc() as i64),
                Value::Bool(b) => Cell::Int(i64::from(*b)),
                Value::String(s) => Cell::Int(s.trim().parse().map_err(|_| bad())?),
                _ => return Err(bad()),
            },
            FieldType::Float | FieldType::Monetary => match value {
                Value::Int(i) => Cell::Float(*i as f64),
                Value::Double(d) if d.is_finite() => Cell::Float(*d),
                Value::Bool(b) => Cell::Float(if *b { 1.0 } else { 0.0 }),
                Value::String(s) => Cell::Float(s.trim().parse().map_err(|_| bad())?),
                _ => return Err(bad()),
            },
            FieldType::Boolean => match value {
                Value::Bool(b) => Cell::Bool(*b),
                Value::Int(i) => Cell::Bool(*i != 0),
                Value::Double(d) => Cell::Bool(*d != 0.0),
                Value::String(s) => Cell::Bool(!s.is_empty()),
                _ => return Err(bad()),
            },
            FieldType::Date => match value {
                Value::String(s) => Cell::Str(normalize_date(s).ok_or_else(bad)?),
                Value::DateTime(d) => Cell::Str(d.date().format(DATE_FORMAT).to_string()),
                _ => return Err(bad()),
            },
            FieldType::Datetime => match value {
                Value::String(s) => Cell::Str(normalize_datetime(s).ok_or_else(bad)?),
                Value::DateTime(d) => Cell::Str(d.format(DATETIME_FORMAT).to_string()),
                _ => return Err(bad()),
            },
            FieldType::Binary => match value {
                Value::String(s) => Cell::Str(s.chars().filter(|c| !c.is_ascii_whitespace()).collect()),
                Value::Base64(bytes) => Cell::Str(base64::engine::general_purpose::STANDARD.encode(bytes)),
                _ => return Err(bad()),
            },
            FieldType::Many2one => match value {
                Value::Int(0) => Cell::Null,
                Value::Int(i) => Cell::Int(*i),
                Value::Array(pair) => match pair.first() {
                    Some(Value::Int(i)) => Cell::Int(*i),
                    _ => return Err(bad()),
                },
                _ => return Err(bad()),
            },
            FieldType::One2many | FieldType::Many2many => return Err(bad()),
        })
    }

    /// Checks that a many2one target exists.
    fn check_target(&self, field: &FieldDef, id: i64) -> Result<(), OdooError> {
        let Some(relation) = &field.relation else {
            return Ok(());
        };
        match self.tables.get(relation) {
            Some(t) if !t.records.contains_key(&id) => Err(OdooError::MissingRecord {
                model: relation.clone(),
                ids: vec![id],
            }),
            _ => Ok(()),
        }
    }

    // ----- create ------------------------------------------------------

    pub(crate) fn create_record(
        &mut self,
        ctx: &Ctx,
        model: &str,
        values: &Struct,
    ) -> Result<i64, OdooError> {
        let schema = self.schema_arc(model)?;
        let id = self.next_id(model);
        let now = Cell::Str(self.now_string());
        let mut rec = Record::new(id);
        rec.values.insert("create_date".into(), now.clone());
        rec.values.insert("write_date".into(), now);
        rec.values.insert("create_uid".into(), Cell::Int(ctx.uid));
        rec.values.insert("write_uid".into(), Cell::Int(ctx.uid));
        self.defaults(ctx, &schema, &mut rec)?;
        self.insert_raw(model, rec)?;

        let mut values = values.clone();
        self.context_defaults(ctx, &schema, &mut values);
        self.before_create(ctx, &schema, id, &mut values)?;
        let pending = self.apply_values(ctx, &schema, id, &values, true)?;
        self.fill(ctx, &schema, id, &values)?;
        self.check_required(&schema, id)?;
        self.apply_pending(ctx, &schema, id, pending)?;
        self.after_change(ctx, &schema, &[id], &values, true)?;
        Ok(id)
    }

    /// The context's `default_<field>` values for the fields the client
    /// did not give (Odoo's `default_get`), and `mail.activity`'s own: the
    /// model of a `default_res_model` as `res_model_id`.
    fn context_defaults(&self, ctx: &Ctx, schema: &ModelSchema, values: &mut Struct) {
        let given_model = values.contains_key("res_model_id");
        for (field, value) in &ctx.defaults {
            if schema.field(field).is_some() && !values.contains_key(field) {
                values.insert(field.clone(), value.clone());
            }
        }
        if schema.name == "mail.activity" && !given_model {
            let named = ctx
                .defaults
                .iter()
                .find_map(|(field, value)| match (field.as_str(), value) {
                    ("res_model", Value::String(model)) => Some(model.clone()),
                    _ => None,
                });
            if let Some(id) = named.and_then(|model| self.ir_model_id(&model)) {
                values.insert("res_model_id", id);
            }
        }
    }

    /// The `ir.model` record of `model`.
    pub(crate) fn ir_model_id(&self, model: &str) -> Option<i64> {
        self.tables
            .get("ir.model")?
            .records
            .values()
            .find(|r| r.get("model").as_str() == Some(model))
            .map(|r| r.id)
    }

    /// The model an activity's defaults name (`default_res_model`, or
    /// `default_res_model_id`), as `_default_activity_type` reads it.
    fn activity_context_model(&self, ctx: &Ctx) -> Option<String> {
        let get = |name: &str| ctx.defaults.iter().find(|(f, _)| f == name).map(|(_, v)| v);
        if let Some(Value::String(model)) = get("res_model") {
            return Some(model.clone());
        }
        let id = get("res_model_id").and_then(Value::as_i64)?;
        self.record("ir.model", id)
            .and_then(|r| r.get("model").as_str().map(str::to_owned))
    }

    /// `mail.activity`'s default type: up to 18.0 the To-Do
    /// (`mail.mail_activity_data_todo`, found by its name here) when the
    /// context names the activity's model, else the model's own type or a
    /// generic one, and no type at all when the context names no model;
    /// from 19.0 the first type (by sequence) of the model or generic.
    fn default_activity_type(&self, ctx: &Ctx) -> Option<i64> {
        let model = self.activity_context_model(ctx);
        let table = self.tables.get("mail.activity.type")?;
        let mut types: Vec<&Record> = table
            .records
            .values()
            .map(|r| &**r)
            .filter(|r| !matches!(r.get("active"), Cell::Bool(false)))
            .collect();
        types.sort_by_key(|r| (r.get("sequence").as_id().unwrap_or(0), r.id));
        let for_model = |r: &Record| model.is_some() && r.get("res_model").as_str() == model.as_deref();
        let generic = |r: &Record| r.get("res_model").as_str().is_none_or(str::is_empty);
        let first = |pick: &dyn Fn(&Record) -> bool| types.iter().find(|r| pick(r)).map(|r| r.id);
        if self.series.major() >= 19 {
            return first(&|r| generic(r) || for_model(r));
        }
        model.as_ref()?;
        let todo = |r: &Record| matches!(r.get("name").as_str(), Some("To-Do" | "To Do"));
        first(&|r| todo(r) && (generic(r) || for_model(r)))
            .or_else(|| first(&for_model))
            .or_else(|| first(&generic))
    }

    /// Static defaults of a new record.
    fn defaults(&self, ctx: &Ctx, schema: &ModelSchema, rec: &mut Record) -> Result<(), OdooError> {
        for f in schema.fields.values() {
            if f.is_stored() && f.ftype == FieldType::Many2many {
                rec.values.insert(f.name.clone(), Cell::Ids(Vec::new()));
            }
            if f.is_stored() && f.ftype == FieldType::Boolean {
                rec.values.insert(f.name.clone(), Cell::Bool(false));
            }
        }
        let has = |f: &str| schema.fields.get(f).is_some_and(FieldDef::is_stored);
        let mut set = |f: &str, c: Cell| {
            if has(f) {
                rec.values.insert(f.to_owned(), c);
            }
        };
        if schema.has_active() {
            set("active", Cell::Bool(true));
        }
        let first = |m: &str| self.tables.get(m).and_then(|t| t.records.keys().next().copied());
        let company = first("res.company");
        match schema.name.as_str() {
            "product.template" => {
                set("type", Cell::Str("consu".into()));
                set("detailed_type", Cell::Str("consu".into()));
                set("sale_ok", Cell::Bool(true));
                set("purchase_ok", Cell::Bool(true));
                set("list_price", Cell::Float(1.0));
                set("invoice_policy", Cell::Str("order".into()));
                if let Some(uom) = first("uom.uom") {
                    set("uom_id", Cell::Int(uom));
                    set("uom_po_id", Cell::Int(uom));
                }
                if self.series.major() <= 18 {
                    if let Some(c) = first("product.category") {
                        set("categ_id", Cell::Int(c));
                    }
                }
            }
            "product.product" => set("base_unit_count", Cell::Float(1.0)),
            "product.pricelist" => {
                set("sequence", Cell::Int(16));
                if let Some(cur) = company
                    .and_then(|c| self.record("res.company", c))
                    .and_then(|c| c.get("currency_id").as_id())
                {
                    set("currency_id", Cell::Int(cur));
                }
            }
            "product.pricelist.item" => {
                set("applied_on", Cell::Str("3_global".into()));
                set("compute_price", Cell::Str("fixed".into()));
                set("base", Cell::Str("list_price".into()));
            }
            "account.tax" => {
                // Required, with a default (a group of taxes has none).
                set("amount", Cell::Float(0.0));
                set("amount_type", Cell::Str("percent".into()));
                set("type_tax_use", Cell::Str("sale".into()));
                set("sequence", Cell::Int(1));
            }
            "uom.uom" => {
                set("rounding", Cell::Float(0.01));
                set("factor", Cell::Float(1.0));
                set("relative_factor", Cell::Float(1.0));
                set("uom_type", Cell::Str("reference".into()));
            }
            "res.currency" => set("rounding", Cell::Float(0.01)),
            "res.partner" => {
                set("type", Cell::Str("contact".into()));
                set("lang", Cell::Str(ctx.lang.clone()));
            }
            "calendar.event" => {
                set("privacy", Cell::Str("public".into()));
                set("show_as", Cell::Str("busy".into()));
                set("user_id", Cell::Int(ctx.uid));
            }
            "sale.order" => {
                set("state", Cell::Str("draft".into()));
                set("date_order", Cell::Str(self.now_string()));
                set("user_id", Cell::Int(ctx.uid));
                set("invoice_status", Cell::Str("no".into()));
            }
            "sale.order.line" => {
                set("sequence", Cell::Int(10));
                set("product_uom_qty", Cell::Float(1.0));
            }
            "mail.activity" => {
                set(
                    "date_deadline",
                    Cell::Str(self.now().date().format(DATE_FORMAT).to_string()),
                );
                // `default=lambda self: self.env.user` until 18.0.
                if self.series.major() <= 18 {
                    set("user_id", Cell::Int(ctx.uid));
                }
                if let Some(t) = self.default_activity_type(ctx) {
                    set("activity_type_id", Cell::Int(t));
                }
            }
            "mail.activity.type" => {
                set("sequence", Cell::Int(10));
                set("category", Cell::Str("default".into()));
            }
            "crm.team" => set("sequence", Cell::Int(10)),
            "product.packaging" => {
                set("sequence", Cell::Int(1));
                set("qty", Cell::Float(1.0));
                set("sales", Cell::Bool(true));
            }
            "product.tag" => set("sequence", Cell::Int(10)),
            "stock.picking" => {
                set("state", Cell::Str("draft".into()));
                set("move_type", Cell::Str("direct".into()));
                set("priority", Cell::Str("0".into()));
                set("scheduled_date", Cell::Str(self.now_string()));
            }
            _ => {}
        }
        // A packaging is of no company unless told (Odoo's has no default).
        if let Some(c) = company.filter(|_| schema.name != "product.packaging") {
            if schema
                .fields
                .get("company_id")
                .is_some_and(|f| f.is_stored() && f.relation.as_deref() == Some("res.company"))
            {
                set("company_id", Cell::Int(c));
            }
        }
        Ok(())
    }

    /// Model-specific preparation of a create's values.
    fn before_create(
        &mut self,
        ctx: &Ctx,
        schema: &ModelSchema,
        id: i64,
        values: &mut Struct,
    ) -> Result<(), OdooError> {
        match schema.name.as_str() {
            // A variant created on its own makes its template (`_inherits`).
            "product.product" if values.get("product_tmpl_id").is_none_or(Value::is_false) => {
                let mut tmpl_values = Struct::new();
                for (k, v) in values.iter() {
                    if matches!(schema.field(k).map(|f| &f.compute), Some(Compute::Related { via, .. }) if via == "product_tmpl_id")
                    {
                        tmpl_values.insert(k, v.clone());
                    }
                }
                self.suppress_variant = true;
                let tmpl = self.create_record(ctx, "product.template", &tmpl_values);
                self.suppress_variant = false;
                let tmpl = tmpl?;
                values.insert("product_tmpl_id", Value::Int(tmpl));
            }
            "res.users" if values.get("partner_id").is_none_or(Value::is_false) => {
                let name = values
                    .get("name")
                    .cloned()
                    .unwrap_or_else(|| values.get("login").cloned().unwrap_or(Value::Bool(false)));
                let partner = self.create_record(ctx, "res.partner", &Struct::new().with("name", name))?;
                values.insert("partner_id", Value::Int(partner));
            }
            "sale.order" => {
                let needs_name = match values.get("name") {
                    None => true,
                    Some(Value::String(s)) => s.is_empty() || s == "New" || s == "/",
                    Some(v) => v.is_false(),
                };
                if needs_name {
                    values.insert("name", Value::String(self.next_sequence("sale.order")));
                }
            }
            // A transfer's reference from its operation type's sequence.
            "stock.picking" => {
                let needs_name = match values.get("name") {
                    None => true,
                    Some(Value::String(s)) => s.is_empty() || s == "/",
                    Some(v) => v.is_false(),
                };
                let kind = values.get("picking_type_id").and_then(|v| match v {
                    Value::Array(pair) => pair.first().and_then(Value::as_i64),
                    other => other.as_i64(),
                });
                if let (true, Some(kind)) = (needs_name, kind) {
                    if let Some(name) = self.next_picking_name(kind) {
                        values.insert("name", name);
                    }
                }
            }
            _ => {}
        }
        let _ = id;
        Ok(())
    }

    /// `WH/OUT/00001`, `WH/OUT/00002`, ... for operation type `kind`
    /// (the warehouse's code, the type's prefix, five digits), after the
    /// highest reference of that form.
    fn next_picking_name(&mut self, kind: i64) -> Option<String> {
        let code = self
            .record("stock.picking.type", kind)?
            .get("sequence_code")
            .as_str()?
            .to_owned();
        let prefix = format!("WH/{code}/");
        let key = format!("stock.picking.type/{kind}");
        let highest = self.tables.get("stock.picking").map_or(0, |t| {
            t.records
                .values()
                .filter_map(|r| r.get("name").as_str()?.strip_prefix(&prefix)?.parse::<i64>().ok())
                .max()
                .unwrap_or(0)
        });
        let next = self.sequences.entry(key).or_insert(1);
        let n = (*next).max(highest.saturating_add(1));
        *next = n.saturating_add(1);
        Some(format!("{prefix}{n:05}"))
    }

    /// `S00001`, `S00002`, ...
    pub(crate) fn next_sequence(&mut self, code: &str) -> String {
        let next = self.sequences.entry(code.to_owned()).or_insert(1);
        let n = *next;
        *next = n.saturating_add(1);
        format!("S{n:05}")
    }

    /// Applies client values to a record: scalars now, x2many commands and
    /// writes through related fields returned for later.
    fn apply_values(
        &mut self,
        ctx: &Ctx,
        schema: &ModelSchema,
        id: i64,
        values: &Struct,
        creating: bool,
    ) -> Result<Vec<(FieldDef, Value)>, OdooError> {
        let mut pending = Vec::new();
        for (name, value) in values.iter() {
            let Some(field) = schema.field(name) else {
                if creating {
                    tracing::warn!(model = %schema.name, field = name, "create() includes unknown fields");
                    continue;
                }
                return Err(OdooError::value_error(format!(
                    "Invalid field '{name}' on model '{}'",
                    schema.name
                )));
            };
            match &field.compute {
                Compute::Computed | Compute::StoredComputed => continue,
                Compute::Related { .. } => {
                    pending.push((field.clone(), value.clone()));
                    continue;
                }
                Compute::Stored => {}
            }
            if name == "id" {
                continue;
            }
            if field.ftype.is_x2many() {
                pending.push((field.clone(), value.clone()));
                continue;
            }
            let cell = self.convert_input(schema, field, value)?;
            if let Cell::Int(target) = cell {
                if field.ftype == FieldType::Many2one {
                    self.check_target(field, target)?;
                }
            }
            if field.required && cell_is_empty(&cell) && !creating {
                return Err(OdooError::mandatory(
                    &schema.description,
                    &schema.name,
                    &field.string,
                    &field.name,
                ));
            }
            let lang = ctx.lang.clone();
            let rec = self.record_mut(&schema.name, id)?;
            if field.translate && lang != "en_US" {
                if let Cell::Str(text) = &cell {
                    rec.translations
                        .entry(name.to_owned())
                        .or_default()
                        .insert(lang, text.clone());
                    if creating || rec.get(name).is_null() {
                        rec.values.insert(name.to_owned(), cell);
                    }
                    continue;
                }
                rec.translations.remove(name);
            }
            rec.values.insert(name.to_owned(), cell);
        }
        Ok(pending)
    }

    fn apply_pending(
        &mut self,
        ctx: &Ctx,
        schema: &ModelSchema,
        id: i64,
        pending: Vec<(FieldDef, Value)>,
    ) -> Result<(), OdooError> {
        let mut related: BTreeMap<(String, String), Struct> = BTreeMap::new();
        for (field, value) in pending {
            if let Compute::Related {
                via,
                field: target_field,
            } = &field.compute
            {
                let target_model = schema
                    .field(via)
                    .and_then(|f| f.relation.clone())
                    .unwrap_or_default();
                related
                    .entry((via.clone(), target_model))
                    .or_default()
                    .insert(target_field.clone(), value);
                continue;
            }
            self.apply_x2many(ctx, schema, id, &field, &value)?;
        }
        for ((via, target_model), values) in related {
            let target = self.record(&schema.name, id).and_then(|r| r.get(&via).as_id());
            if let Some(target) = target {
                self.write_records(ctx, &target_model, &[target], &values)?;
            }
        }
        Ok(())
    }

    fn parse_commands(value: &Value) -> Result<Vec<Command>, OdooError> {
        let bad = || {
            OdooError::value_error(format!(
                "Invalid x2many command {}",
                crate::faults::python_repr(value)
            ))
        };
        let items = match value {
            Value::Bool(false) | Value::Nil => return Ok(vec![Command::Clear]),
            Value::Array(items) => items,
            _ => return Err(bad()),
        };
        if items.iter().all(|v| matches!(v, Value::Int(_))) {
            return Ok(vec![Command::Set(
                items.iter().filter_map(Value::as_i64).collect(),
            )]);
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(match item {
                // A bare id links it.
                Value::Int(id) => Command::Link(*id),
                // `(6, 0, False)` empties the field, as Odoo reads it.
                Value::Array(cmd)
                    if cmd.first().and_then(Value::as_i64) == Some(6)
                        && cmd.get(2).is_some_and(Value::is_false) =>
                {
                    Command::Set(Vec::new())
                }
                other => Command::from_value(other).ok_or_else(bad)?,
            });
        }
        Ok(out)
    }

    fn apply_x2many(
        &mut self,
        ctx: &Ctx,
        schema: &ModelSchema,
        id: i64,
        field: &FieldDef,
        value: &Value,
    ) -> Result<(), OdooError> {
        let commands = Self::parse_commands(value)?;
        let comodel = field.relation.clone().unwrap_or_default();
        let missing = |ids: Vec<i64>| OdooError::MissingRecord {
            model: comodel.clone(),
            ids,
        };
        if field.ftype == FieldType::One2many {
            if let Some(inverse) = field.inverse.clone() {
                let inverse_required = self
                    .tables
                    .get(&comodel)
                    .and_then(|t| t.schema.field(&inverse))
                    .is_some_and(|f| f.required);
                let current = |db: &Database| -> Vec<i64> {
                    db.tables
                        .get(&comodel)
                        .map(|t| {
                            t.records
                                .values()
                                .filter(|r| r.get(&inverse).as_id() == Some(id))
                                .map(|r| r.id)
                                .collect()
                        })
                        .unwrap_or_default()
                };
                for command in commands {
                    match command {
                        Command::Create(mut vals) => {
                            vals.insert(inverse.clone(), Value::Int(id));
                            self.create_record(ctx, &comodel, &vals)?;
                        }
                        Command::Update(child, vals) => self.write_records(ctx, &comodel, &[child], &vals)?,
                        Command::Delete(child) => self.unlink_records(ctx, &comodel, &[child])?,
                        Command::Unlink(child) => {
                            if inverse_required {
                                self.unlink_records(ctx, &comodel, &[child])?;
                            } else {
                                self.write_records(
                                    ctx,
                                    &comodel,
                                    &[child],
                                    &Struct::new().with(inverse.clone(), false),
                                )?;
                            }
                        }
                        Command::Link(child) => self.write_records(
                            ctx,
                            &comodel,
                            &[child],
                            &Struct::new().with(inverse.clone(), id),
                        )?,
                        Command::Clear | Command::Set(_) => {
                            let keep: Vec<i64> = match &command {
                                Command::Set(ids) => ids.clone(),
                                _ => Vec::new(),
                            };
                            let gone: Vec<i64> =
                                current(self).into_iter().filter(|c| !keep.contains(c)).collect();
                            if !gone.is_empty() {
                                if inverse_required {
                                    self.unlink_records(ctx, &comodel, &gone)?;
                                } else {
                                    self.write_records(
                                        ctx,
                                        &comodel,
                                        &gone,
                                        &Struct::new().with(inverse.clone(), false),
                                    )?;
                                }
                            }
                            if !keep.is_empty() {
                                self.write_records(
                                    ctx,
                                    &comodel,
                                    &keep,
                                    &Struct::new().with(inverse.clone(), id),
                                )?;
                            }
                        }
                    }
                }
                return Ok(());
            }
        }
        // many2many (or a one2many stored as a list).
        let mut ids: Vec<i64> = self
            .record(&schema.name, id)
            .map(|r| r.get(&field.name).ids().to_vec())
            .unwrap_or_default();
        let known = self.tables.contains_key(&comodel);
        let check = |db: &Database, list: &[i64]| -> Result<(), OdooError> {
            if !known {
                return Ok(());
            }
            let absent: Vec<i64> = list
                .iter()
                .copied()
                .filter(|i| !db.exists(&comodel, *i))
                .collect();
            if absent.is_empty() {
                Ok(())
            } else {
                Err(missing(absent))
            }
        };
        for command in commands {
            match command {
                Command::Create(vals) => {
                    let new = self.create_record(ctx, &comodel, &vals)?;
                    ids.push(new);
                }
                Command::Update(target, vals) => self.write_records(ctx, &comodel, &[target], &vals)?,
                Command::Delete(target) => {
                    self.unlink_records(ctx, &comodel, &[target])?;
                    ids.retain(|i| *i != target);
                }
                Command::Unlink(target) => ids.retain(|i| *i != target),
                Command::Link(target) => {
                    check(self, &[target])?;
                    if !ids.contains(&target) {
                        ids.push(target);
                    }
                }
                Command::Clear => ids.clear(),
                Command::Set(list) => {
                    check(self, &list)?;
                    ids.clear();
                    for i in list {
                        if !ids.contains(&i) {
                            ids.push(i);
                        }
                    }
                }
            }
        }
        self.put(&schema.name, id, &field.name, Cell::Ids(ids))
    }

    fn check_required(&self, schema: &ModelSchema, id: i64) -> Result<(), OdooError> {
        let Some(rec) = self.record(&schema.name, id) else {
            return Ok(());
        };
        for field in schema.fields.values() {
            if !field.required || !field.is_stored() || field.ftype.is_x2many() {
                continue;
            }
            if cell_is_empty(rec.get(&field.name)) {
                return Err(OdooError::mandatory(
                    &schema.description,
                    &schema.name,
                    &field.string,
                    &field.name,
                ));
            }
        }
        Ok(())
    }

    // ----- write -------------------------------------------------------

    pub(crate) fn write_records(
        &mut self,
        ctx: &Ctx,
        model: &str,
        ids: &[i64],
        values: &Struct,
    ) -> Result<(), OdooError> {
        let schema = self.schema_arc(model)?;
        self.all_exist(model, ids)?;
        self.check_no_cycle(model, ids, values)?;
        for &id in ids {
            let pending = self.apply_values(ctx, &schema, id, values, false)?;
            self.apply_pending(ctx, &schema, id, pending)?;
            self.touch(model, id, ctx.uid)?;
        }
        self.after_change(ctx, &schema, ids, values, false)?;
        Ok(())
    }

    /// `res.partner`'s `_check_parent_id` constraint: no partner is its own
    /// ancestor (a ValidationError).
    fn check_no_cycle(&self, model: &str, ids: &[i64], values: &Struct) -> Result<(), OdooError> {
        if model != "res.partner" {
            return Ok(());
        }
        let Some(mut parent) = values.get("parent_id").and_then(Value::as_i64) else {
            return Ok(());
        };
        let mut seen = BTreeSet::new();
        while parent != 0 && seen.insert(parent) {
            if ids.contains(&parent) {
                return Err(OdooError::Validation(
                    "You cannot create recursive Partner hierarchies.".into(),
                ));
            }
            parent = self
                .record(model, parent)
                .and_then(|r| r.get("parent_id").as_id())
                .unwrap_or(0);
        }
        Ok(())
    }

    /// Odoo's MissingError for the `ids` of `model` that do not exist.
    fn all_exist(&self, model: &str, ids: &[i64]) -> Result<(), OdooError> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !self.exists(model, *id))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(OdooError::MissingRecord {
            model: model.to_owned(),
            ids: missing,
        })
    }

    // ----- unlink ------------------------------------------------------

    pub(crate) fn unlink_records(&mut self, ctx: &Ctx, model: &str, ids: &[i64]) -> Result<(), OdooError> {
        self.table(model)?;
        self.all_exist(model, ids)?;
        if model == "sale.order" {
            for &id in ids {
                let state = self
                    .record(model, id)
                    .and_then(|r| r.get("state").as_str().map(str::to_owned));
                if matches!(state.as_deref(), Some("sale") | Some("done")) {
                    return Err(OdooError::Validation(
                        "You can not delete a sent quotation or a confirmed sales order. You must first cancel it."
                            .into(),
                    ));
                }
            }
        }
        // The closure of cascades.
        let mut doomed: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        let mut work: Vec<(String, i64)> = ids.iter().map(|id| (model.to_owned(), *id)).collect();
        while let Some((m, id)) = work.pop() {
            if !doomed.entry(m.clone()).or_default().insert(id) {
                continue;
            }
            for (other, table) in &self.tables {
                for field in table.schema.fields.values() {
                    if field.ftype != FieldType::Many2one
                        || !field.is_stored()
                        || field.relation.as_deref() != Some(m.as_str())
                    {
                        continue;
                    }
                    if field.ondelete != OnDelete::Cascade {
                        continue;
                    }
                    for rec in table.records.values() {
                        if rec.get(&field.name).as_id() == Some(id) {
                            work.push((other.clone(), rec.id));
                        }
                    }
                }
            }
        }
        // Restrictions and nullings on the records that stay.
        let mut nullify: Vec<(String, i64, String)> = Vec::new();
        let mut shrink: Vec<(String, i64, String)> = Vec::new();
        for (other, table) in &self.tables {
            for field in table.schema.fields.values() {
                let Some(relation) = field.relation.as_deref() else {
                    continue;
                };
                let Some(gone) = doomed.get(relation) else {
                    continue;
                };
                if !field.is_stored() {
                    continue;
                }
                for rec in table.records.values() {
                    if doomed.get(other).is_some_and(|d| d.contains(&rec.id)) {
                        continue;
                    }
                    match field.ftype {
                        FieldType::Many2one => {
                            if let Some(target) = rec.get(&field.name).as_id() {
                                if gone.contains(&target) {
                                    if field.ondelete == OnDelete::Restrict {
                                        return Err(OdooError::Validation(format!(
                                            "The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: {} ({}), Field: {} ({})",
                                            table.schema.description, other, field.string, field.name
                                        )));
                                    }
                                    nullify.push((other.clone(), rec.id, field.name.clone()));
                                }
                            }
                        }
                        FieldType::Many2many | FieldType::One2many
                            if rec.get(&field.name).ids().iter().any(|i| gone.contains(i)) =>
                        {
                            shrink.push((other.clone(), rec.id, field.name.clone()));
                        }
                        _ => {}
                    }
                }
            }
        }
        // Orders whose lines go.
        let mut orders: BTreeSet<i64> = BTreeSet::new();
        if let Some(lines) = doomed.get("sale.order.line") {
            for line in lines {
                if let Some(order) = self
                    .record("sale.order.line", *line)
                    .and_then(|r| r.get("order_id").as_id())
                {
                    orders.insert(order);
                }
            }
        }
        for (m, id, f) in nullify {
            self.put(&m, id, &f, Cell::Null)?;
        }
        for (m, id, f) in shrink {
            let relation = self
                .tables
                .get(&m)
                .and_then(|t| t.schema.field(&f))
                .and_then(|f| f.relation.clone());
            let gone = relation.and_then(|r| doomed.get(&r)).cloned().unwrap_or_default();
            let rec = self.record_mut(&m, id)?;
            if let Some(Cell::Ids(list)) = rec.values.get_mut(&f) {
                list.retain(|i| !gone.contains(i));
            }
        }
        for (m, set) in &doomed {
            if let Some(table) = self.tables.get_mut(m) {
                for id in set {
                    table.records.remove(id);
                }
            }
        }
        if let Some(gone) = doomed.get("sale.order") {
            orders.retain(|o| !gone.contains(o));
        }
        for order in orders {
            self.recompute_order(order)?;
            self.touch("sale.order", order, ctx.uid)?;
        }
        Ok(())
    }

    // ----- model rules -------------------------------------------------

    /// Defaults that depend on the values given (a line's price from its
    /// product, an order's pricelist from its customer).
    fn fill(&mut self, ctx: &Ctx, schema: &ModelSchema, id: i64, values: &Struct) -> Result<(), OdooError> {
        match schema.name.as_str() {
            "sale.order" => {
                let env_ctx = Ctx::superuser();
                let (partner, pricelist, currency) = {
                    let env = Env::new(self, &env_ctx);
                    let rec = self.record("sale.order", id);
                    let partner = rec.and_then(|r| r.get("partner_id").as_id());
                    let pricelist = match rec.and_then(|r| r.get("pricelist_id").as_id()) {
                        Some(p) => Some(p),
                        None => partner.and_then(|p| env.partner_pricelist(p)),
                    };
                    let currency =
                        pricelist.and_then(|p| env.field_id("product.pricelist", p, "currency_id"));
                    (partner, pricelist, currency)
                };
                let _ = currency;
                if let Some(p) = partner {
                    for f in ["partner_invoice_id", "partner_shipping_id"] {
                        if !values.contains_key(f) {
                            self.put("sale.order", id, f, Cell::Int(p))?;
                        }
                    }
                }
                if let Some(p) = pricelist {
                    if !values.contains_key("pricelist_id") {
                        self.put("sale.order", id, "pricelist_id", Cell::Int(p))?;
                    }
                }
            }
            "sale.order.line" => {
                self.fill_line(ctx, id, values, true)?;
            }
            "calendar.event" => {
                let (start, stop) = {
                    let rec = self.record("calendar.event", id);
                    (
                        rec.and_then(|r| r.get("start").as_str().map(str::to_owned)),
                        rec.and_then(|r| r.get("stop").as_str().map(str::to_owned)),
                    )
                };
                if let (Some(start), None) = (&start, &stop) {
                    if let Some(s) = parse_datetime(start) {
                        let stop = (s + Duration::hours(1)).format(DATETIME_FORMAT).to_string();
                        self.put("calendar.event", id, "stop", Cell::Str(stop))?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// After a create or write: recomputations and linked records.
    fn after_change(
        &mut self,
        ctx: &Ctx,
        schema: &ModelSchema,
        ids: &[i64],
        values: &Struct,
        created: bool,
    ) -> Result<(), OdooError> {
        match schema.name.as_str() {
            "product.template" => {
                // Looking variants up scans the variants, so only when they
                // matter: a new template has none unless its values made
                // some, and a write only passes a few fields on.
                let passed_on = ["default_code", "barcode", "active"];
                let needs_lookup = if created {
                    values.contains_key("product_variant_ids")
                } else {
                    passed_on.iter().any(|f| values.contains_key(f))
                };
                for &id in ids {
                    let variants = if needs_lookup {
                        self.variants_of(id)
                    } else {
                        Vec::new()
                    };
                    if created && variants.is_empty() && !self.suppress_variant {
                        let rec = self.record("product.template", id).cloned().unwrap_or_default();
                        let mut vals = Struct::new().with("product_tmpl_id", id);
                        for f in ["default_code", "barcode"] {
                            if let Cell::Str(s) = rec.get(f) {
                                vals.insert(f, s.clone());
                            }
                        }
                        self.create_variant_raw(ctx, &vals)?;
                    } else if !created && variants.len() == 1 {
                        for f in passed_on {
                            if values.contains_key(f) {
                                let cell = self
                                    .record("product.template", id)
                                    .map(|r| r.get(f).clone())
                                    .unwrap_or(Cell::Null);
                                self.put("product.product", variants[0], f, cell)?;
                                self.touch("product.product", variants[0], ctx.uid)?;
                            }
                        }
                    }
                }
            }
            "sale.order.line" => {
                let mut orders = BTreeSet::new();
                for &id in ids {
                    if !created {
                        self.fill_line(ctx, id, values, false)?;
                    }
                    self.recompute_line(id)?;
                    if let Some(order) = self
                        .record("sale.order.line", id)
                        .and_then(|r| r.get("order_id").as_id())
                    {
                        orders.insert(order);
                    }
                }
                for order in orders {
                    self.recompute_order(order)?;
                }
            }
            "sale.order" => {
                for &id in ids {
                    self.recompute_order(id)?;
                }
            }
            "calendar.event" => {
                for &id in ids {
                    let rec = self.record("calendar.event", id);
                    let start = rec.and_then(|r| r.get("start").as_str()).and_then(parse_datetime);
                    let stop = rec.and_then(|r| r.get("stop").as_str()).and_then(parse_datetime);
                    if let (Some(a), Some(b)) = (start, stop) {
                        let hours = (b - a).num_seconds() as f64 / 3600.0;
                        self.put("calendar.event", id, "duration", Cell::Float(hours))?;
                    }
                }
            }
            "uom.uom" if self.series.major() >= 19 => {
                for &id in ids {
                    self.recompute_uom_factor(id)?;
                }
            }
            "mail.activity" => {
                for &id in ids {
                    self.recompute_activity(id)?;
                }
            }
            "product.product" => {
                for &id in ids {
                    self.recompute_price_extra(id)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn create_variant_raw(&mut self, ctx: &Ctx, values: &Struct) -> Result<i64, OdooError> {
        self.create_record(ctx, "product.product", values)
    }

    pub(crate) fn variants_of(&self, template: i64) -> Vec<i64> {
        self.tables
            .get("product.product")
            .map(|t| {
                t.records
                    .values()
                    .filter(|r| r.get("product_tmpl_id").as_id() == Some(template))
                    .map(|r| r.id)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn recompute_uom_factor(&mut self, id: i64) -> Result<(), OdooError> {
        let mut factor = 1.0;
        let mut current = Some(id);
        let mut depth = 0;
        while let Some(c) = current {
            let Some(rec) = self.record("uom.uom", c) else {
                break;
            };
            factor *= match rec.get("relative_factor") {
                Cell::Null => 1.0,
                cell => cell.as_f64(),
            };
            current = rec.get("relative_uom_id").as_id();
            depth += 1;
            if depth > 20 {
                break;
            }
        }
        self.put("uom.uom", id, "factor", Cell::Float(factor))
    }

    /// An activity's stored `res_model` (related to `res_model_id.model`),
    /// `res_name` and (17.0+) `date_done`, and its constraints: 17.0 and
    /// 18.0 want a record (`res_id`), 19.0 a record whenever there is a
    /// model, no record without one, and someone assigned to an activity
    /// on no record.
    pub(crate) fn recompute_activity(&mut self, id: i64) -> Result<(), OdooError> {
        let Some(rec) = self.record("mail.activity", id) else {
            return Ok(());
        };
        let model = rec
            .get("res_model_id")
            .as_id()
            .and_then(|m| self.record("ir.model", m))
            .and_then(|m| m.get("model").as_str().map(str::to_owned));
        let res_id = match rec.get("res_id") {
            Cell::Int(i) if *i != 0 => Some(*i),
            _ => None,
        };
        let assigned = rec.get("user_id").as_id().is_some();
        let active = !matches!(rec.get("active"), Cell::Bool(false));
        let date_done = rec.get("date_done").clone();
        let v = self.series.major();
        let linked = "Activities have to be linked to records with a not null res_id.";
        if (17..=18).contains(&v) && res_id.is_none() {
            return Err(OdooError::Validation(linked.into()));
        }
        if v >= 19 {
            if model.is_some() != res_id.is_some() {
                return Err(OdooError::Validation(linked.into()));
            }
            if model.is_none() && !assigned {
                return Err(OdooError::Validation(
                    "Activities must be assigned if not attached to a document.".into(),
                ));
            }
        }
        let name = match (&model, res_id) {
            (Some(m), Some(r)) if self.exists(m, r) => {
                let su = Ctx::superuser();
                Some(Env::new(self, &su).display_name(m, r))
            }
            _ => None,
        };
        self.put(
            "mail.activity",
            id,
            "res_model",
            model.map_or(Cell::Null, Cell::Str),
        )?;
        self.put(
            "mail.activity",
            id,
            "res_name",
            name.map_or(Cell::Null, Cell::Str),
        )?;
        if v >= 17 {
            let done = match (active, date_done) {
                (true, _) => Cell::Null,
                (false, Cell::Null) => Cell::Str(self.now().date().format(DATE_FORMAT).to_string()),
                (false, kept) => kept,
            };
            self.put("mail.activity", id, "date_done", done)?;
        }
        Ok(())
    }

    /// A variant's `price_extra` from its attribute values, when it has any.
    pub(crate) fn recompute_price_extra(&mut self, id: i64) -> Result<(), OdooError> {
        let ptavs: Vec<i64> = self
            .record("product.product", id)
            .map(|r| r.get("product_template_attribute_value_ids").ids().to_vec())
            .unwrap_or_default();
        let known: Vec<f64> = ptavs
            .iter()
            .filter_map(|p| self.record("product.template.attribute.value", *p))
            .map(|r| r.get("price_extra").as_f64())
            .collect();
        if known.is_empty() {
            if self
                .record("product.product", id)
                .is_some_and(|r| r.get("price_extra").is_null())
            {
                self.put("product.product", id, "price_extra", Cell::Float(0.0))?;
            }
            return Ok(());
        }
        self.put(
            "product.product",
            id,
            "price_extra",
            Cell::Float(known.iter().sum()),
        )
    }

    /// Checks that `uid` may do `operation` on `model` (portal users read
    /// products, categories, units, currencies and their own partner, and
    /// write nothing).
    pub(crate) fn check_access(
        &self,
        ctx: &Ctx,
        model: &str,
        operation: &'static str,
        ids: &[i64],
    ) -> Result<(), OdooError> {
        if !ctx.share {
            // The administrators' alone (`base.group_system`): external ids,
            // mails, mail servers, scheduled actions.
            const ADMIN_ONLY: &[&str] = &["ir.model.data", "mail.mail", "ir.mail_server", "ir.cron"];
            if !ctx.admin && ADMIN_ONLY.contains(&model) {
                return Err(OdooError::AccessError {
                    model: model.to_owned(),
                    operation,
                });
            }
            return Ok(());
        }
        const PORTAL_READS: &[&str] = &[
            "product.template",
            "product.product",
            "product.public.category",
            "product.category",
            "product.attribute",
            "product.template.attribute.value",
            "uom.uom",
            "uom.category",
            "res.currency",
            "res.partner",
            "res.users",
        ];
        let readable = PORTAL_READS.contains(&model);
        let visible = match model {
            "res.partner" => {
                let own = self.portal_partners(ctx);
                ids.iter().all(|id| own.contains(id))
            }
            "res.users" => ids.iter().all(|id| *id == ctx.uid),
            _ => true,
        };
        if !readable || !visible {
            return Err(OdooError::AccessError {
                model: model.to_owned(),
                operation: "read",
            });
        }
        if operation != "read" {
            return Err(OdooError::AccessError {
                model: model.to_owned(),
                operation,
            });
        }
        Ok(())
    }

    /// The partners a portal user may see: their own and its company.
    pub(crate) fn portal_partners(&self, ctx: &Ctx) -> Vec<i64> {
        let Some(own) = ctx.partner_id else {
            return Vec::new();
        };
        let su = Ctx::superuser();
        let env = Env::new(self, &su);
        let mut out = vec![own];
        if let Some(commercial) = env.field_id("res.partner", own, "commercial_partner_id") {
            if commercial != own {
                out.push(commercial);
            }
        }
        out
    }
}

trait NaiveDateTimeExt {
    fn with_nanosecond_zero(self) -> NaiveDateTime;
}

impl NaiveDateTimeExt for NaiveDateTime {
    fn with_nanosecond_zero(self) -> NaiveDateTime {
        use chrono::Timelike as _;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// Whether a required field counts as unset.
fn cell_is_empty(cell: &Cell) -> bool {
    match cell {
        Cell::Null => true,
        Cell::Str(s) => s.is_empty(),
        _ => false,
    }
}

/// `YYYY-MM-DD HH:MM:SS` from Odoo's accepted spellings (`T` separator,
/// fractional seconds, a bare date).
pub(crate) fn normalize_datetime(text: &str) -> Option<String> {
    parse_datetime(text).map(|d| d.format(DATETIME_FORMAT).to_string())
}

pub(crate) fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f"))
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y%m%dT%H:%M:%S"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(t, DATE_FORMAT)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

pub(crate) fn normalize_date(text: &str) -> Option<String> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, DATE_FORMAT)
        .ok()
        .or_else(|| parse_datetime(t).map(|d| d.date()))
        .map(|d| d.format(DATE_FORMAT).to_string())
}
