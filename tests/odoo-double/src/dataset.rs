//! Datasets: the JSON files that seed the double, the built-in shop, and
//! datasets rebuilt from recorded Odoo exchanges.
//!
//! A dataset is written by hand like this:
//!
//! ```json
//! {
//!   "db": "shop",
//!   "series": "18.0",
//!   "users": [
//!     {"id": 2, "login": "admin", "password": "admin", "api_key": "k", "partner_id": 3, "share": false}
//!   ],
//!   "records": {
//!     "product.template": [
//!       {"id": 1, "name": {"en_US": "Baguette", "fr_FR": "Baguette"}, "categ_id": 2,
//!        "list_price": 1.3, "taxes_id": [1], "public_categ_ids": [3]}
//!     ]
//!   }
//! }
//! ```
//!
//! Values: many2one as an id (or `[id, "name"]`), x2many as a list of ids
//! (one2many lists set the inverse field of the children), translatable
//! fields as a string or an object by language, datetimes as
//! `"YYYY-MM-DD HH:MM:SS"` UTC, binaries as base64, `null`/`false` for
//! empty. Missing `id`s are assigned. A template without variants gets one.
//! Fields named as in another series are translated (`tax_id`/`tax_ids`,
//! `groups_id`/`group_ids`, `price_include`/`price_include_override`,
//! units of measure with `category_id`/`uom_type`/`factor` in 19, ...).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use connector::domain::{Domain, Operator};
use connector::xmlrpc::{decode_call, decode_response, MethodResponse, Struct, Value};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::db::{normalize_date, normalize_datetime, Cell, Ctx, Database, Record};
use crate::read::Env;
use crate::schema::{self, Compute, FieldDef, FieldType, ModelSchema, Series};

/// The built-in dataset: a small French bakery-grocery.
const SHOP_JSON: &str = include_str!("../datasets/shop.json");

/// Why a dataset cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The JSON is malformed.
    #[error("invalid dataset JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The content does not fit the schema.
    #[error("invalid dataset: {0}")]
    Invalid(String),
}

/// A user of the dataset: a `res.users` record and its credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetUser {
    /// The uid.
    pub id: i64,
    /// The login.
    pub login: String,
    /// The password.
    #[serde(default)]
    pub password: String,
    /// An API key, usable in place of the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The user's partner; one is created (named `name` or the login) when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<i64>,
    /// The name of the partner created for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A portal (share) user.
    #[serde(default)]
    pub share: bool,
    /// Active.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A field the built-in schema does not model (from a recorded
/// `fields_get`), kept as a plain stored field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtraField {
    /// Technical name.
    pub name: String,
    /// Odoo's type name.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Label.
    #[serde(default)]
    pub string: String,
    /// Related model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// Required.
    #[serde(default)]
    pub required: bool,
}

/// The data the double starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// The database name.
    pub db: String,
    /// The emulated series, e.g. `"18.0"`.
    pub series: String,
    /// `server_version` answered by `version` (default: the series).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Users and their credentials.
    #[serde(default)]
    pub users: Vec<DatasetUser>,
    /// Records by model.
    #[serde(default)]
    pub records: BTreeMap<String, Vec<Map<String, Json>>>,
    /// Fields added to the built-in schema, by model.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_fields: BTreeMap<String, Vec<ExtraField>>,
    /// Optional modules the emulated Odoo lacks (`website_sale`,
    /// `calendar`, `stock`): their models and fields do not exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub without_modules: Vec<String>,
    /// The settings that are groups turned on, e.g.
    /// `website_sale.group_show_uom_price` (see [`Database::set_group`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Decimal accuracies other than 2, e.g. `{"Product Price": 3}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digits: BTreeMap<String, u32>,
}

impl Dataset {
    /// The built-in shop: a French bakery-grocery (series 18.0) with nested
    /// public and internal categories, products sold by the unit and by
    /// weight, variants, images, three pricelists, two taxes, pickup slots,
    /// an admin (`admin`/`admin`, plus an API key), a staff member who
    /// leads the "Website" sales team the admin belongs to, three portal
    /// customers, Odoo's activity types and a warehouse's operation types.
    pub fn shop() -> Dataset {
        match Dataset::from_json(SHOP_JSON) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!("the built-in dataset is invalid: {e}");
                Dataset::empty("shop", "18.0")
            }
        }
    }

    /// A dataset with no record and no user.
    pub fn empty(db: &str, series: &str) -> Dataset {
        Dataset {
            db: db.to_owned(),
            series: series.to_owned(),
            server_version: None,
            users: Vec::new(),
            records: BTreeMap::new(),
            extra_fields: BTreeMap::new(),
            without_modules: Vec::new(),
            groups: Vec::new(),
            digits: BTreeMap::new(),
        }
    }

    /// Parses a dataset (and checks that it loads).
    pub fn from_json(json: &str) -> Result<Dataset, DatasetError> {
        let dataset: Dataset = serde_json::from_str(json)?;
        dataset.build()?;
        Ok(dataset)
    }

    /// Reads a dataset file.
    pub fn load(path: impl AsRef<Path>) -> Result<Dataset, DatasetError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Dataset::from_json(&text)
    }

    /// The dataset as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The same data emulating another series (field names are translated
    /// on load).
    pub fn with_series(mut self, series: &str) -> Dataset {
        self.series = series.to_owned();
        self.server_version = None;
        self
    }

    /// The same data on an Odoo without the optional `module`
    /// (`website_sale`, `calendar` or `stock`): its models and fields are
    /// gone, and so are the records' values of them.
    pub fn without_module(mut self, module: &str) -> Dataset {
        if let Some((models, fields)) = schema::module_parts(module) {
            for model in models {
                self.records.remove(*model);
            }
            for (model, field) in fields {
                for record in self.records.get_mut(*model).into_iter().flatten() {
                    record.remove(*field);
                }
            }
            self.without_modules.push(module.to_owned());
        }
        self
    }

    /// The same data under another database name.
    /// This dataset with `n` more published products on sale, each with
    /// its variant, spread over the existing categories and customer taxes
    /// (for load tests and benchmarks: loading a dataset is linear, where
    /// creating through the double's ORM snapshots its tables per write).
    pub fn grown(mut self, n: usize) -> Dataset {
        let ids = |records: &BTreeMap<String, Vec<Map<String, Json>>>, model: &str| -> Vec<i64> {
            records
                .get(model)
                .map(|rs| {
                    rs.iter()
                        .filter_map(|r| r.get("id").and_then(Json::as_i64))
                        .collect()
                })
                .unwrap_or_default()
        };
        let public = ids(&self.records, "product.public.category");
        let internal = ids(&self.records, "product.category");
        // With several companies, the added products are the first one's,
        // with its taxes (the demo's bakery); with one, of no company.
        let companies = ids(&self.records, "res.company");
        let company = (companies.len() > 1)
            .then(|| companies.iter().copied().min())
            .flatten();
        let taxes: Vec<i64> = self
            .records
            .get("account.tax")
            .map(|rs| {
                rs.iter()
                    .filter(|r| {
                        r.get("type_tax_use")
                            .and_then(Json::as_str)
                            .is_none_or(|t| t == "sale")
                    })
                    .filter(|r| {
                        company.is_none_or(|c| {
                            r.get("company_id")
                                .and_then(Json::as_i64)
                                .is_none_or(|tax_company| tax_company == c)
                        })
                    })
                    .filter_map(|r| r.get("id").and_then(Json::as_i64))
                    .collect()
            })
            .unwrap_or_default();
        let first_template = ids(&self.records, "product.template")
            .into_iter()
            .max()
            .unwrap_or(0)
            + 1;
        let first_variant = ids(&self.records, "product.product")
            .into_iter()
            .max()
            .unwrap_or(0)
            + 1;
        let pick = |list: &[i64], i: usize| list.get(i % list.len().max(1)).copied();
        let mut templates = Vec::with_capacity(n);
        let mut variants = Vec::with_capacity(n);
        for i in 0..n {
            let (template, variant) = (first_template + i as i64, first_variant + i as i64);
            let mut t = serde_json::json!({
                "id": template,
                "name": {"fr_FR": format!("Pain au levain n°{i}"), "en_US": format!("Sourdough bread no. {i}")},
                "list_price": 1.0 + (i % 500) as f64 / 100.0,
                "sale_ok": true,
                "is_published": true,
                "default_code": format!("BENCH-{i:06}"),
                "barcode": format!("376{i:010}"),
                "description_sale": {"fr_FR": "Farine bio, levain naturel.", "en_US": "Organic flour, natural leaven."},
                "taxes_id": pick(&taxes, i).into_iter().collect::<Vec<_>>(),
                "uom_id": 1,
                "weight": 0.5,
                "write_date": "2026-01-05 08:00:00",
            });
            if let Some(c) = pick(&internal, i) {
                t["categ_id"] = c.into();
            }
            if let Some(c) = pick(&public, i) {
                t["public_categ_ids"] = serde_json::json!([c]);
            }
            if let Some(c) = company {
                t["company_id"] = c.into();
            }
            if let Json::Object(t) = t {
                templates.push(t);
            }
            if let Json::Object(v) = serde_json::json!({
                "id": variant,
                "product_tmpl_id": template,
                "default_code": format!("BENCH-{i:06}"),
                "barcode": format!("376{i:010}"),
                "write_date": "2026-01-05 08:00:00",
            }) {
                variants.push(v);
            }
        }
        self.records
            .entry("product.template".into())
            .or_default()
            .extend(templates);
        self.records
            .entry("product.product".into())
            .or_default()
            .extend(variants);
        self
    }

    pub fn with_db(mut self, db: &str) -> Dataset {
        self.db = db.to_owned();
        self
    }

    /// The technical user: the first active internal (non-share) user
    /// other than the superuser (uid 1) if there is one.
    pub fn technical_user(&self) -> Option<&DatasetUser> {
        let internal = || self.users.iter().filter(|u| !u.share && u.active);
        internal().find(|u| u.id != 1).or_else(|| internal().next())
    }

    /// The active portal users, in file order.
    pub fn portal_users(&self) -> Vec<&DatasetUser> {
        self.users.iter().filter(|u| u.share && u.active).collect()
    }

    /// The user of that login.
    pub fn user(&self, login: &str) -> Option<&DatasetUser> {
        self.users.iter().find(|u| u.login == login)
    }

    /// The records of a model.
    pub fn records_of(&self, model: &str) -> &[Map<String, Json>] {
        self.records.get(model).map_or(&[], Vec::as_slice)
    }

    /// The database a double serving this dataset starts with (for tests
    /// of a [`crate::LinePricer`], or to inspect a dataset).
    pub fn database(&self) -> Result<Database, DatasetError> {
        self.build()
    }

    /// Builds the database.
    pub(crate) fn build(&self) -> Result<Database, DatasetError> {
        Loader::new(self)?.run()
    }

    /// Rebuilds a dataset from recorded exchanges (a folder with
    /// `index.json` and `NN-name.request.xml` / `NN-name.response.xml`, as
    /// in `shared/odoo-wire/<series>/`): users from the `authenticate`
    /// exchanges (with the passwords the requests carry), records from
    /// every `search_read` and `read` answer (many2one targets and x2many
    /// ids become records too; a search's `field = value` conditions are
    /// kept on the records it found), extra fields from `fields_get`
    /// answers. The requests of the recordings can then be replayed to a
    /// double serving it.
    pub fn from_recordings(dir: impl AsRef<Path>) -> Result<Dataset, DatasetError> {
        recordings::build(dir.as_ref())
    }
}

/// Loads a dataset into a database.
struct Loader<'a> {
    dataset: &'a Dataset,
    series: Series,
    db: Database,
    /// One2many lists to turn into inverse values: (child model, child,
    /// inverse field, parent).
    inverse_links: Vec<(String, i64, String, i64)>,
    /// Values of related fields, to write on the target when it has none.
    related: Vec<(String, i64, FieldDef, Json)>,
    /// Units of measure in the 16–18 style, for 19: (id, category, type, factor).
    legacy_uoms: Vec<(i64, Option<i64>, String, f64)>,
}

fn invalid(message: impl Into<String>) -> DatasetError {
    DatasetError::Invalid(message.into())
}

impl<'a> Loader<'a> {
    fn new(dataset: &'a Dataset) -> Result<Loader<'a>, DatasetError> {
        let series = Series::parse(&dataset.series)
            .ok_or_else(|| invalid(format!("unsupported series {:?} (16.0 to 19.0)", dataset.series)))?;
        let mut schemas = schema::models(series);
        for module in &dataset.without_modules {
            schema::remove_module(&mut schemas, module);
        }
        for (model, fields) in &dataset.extra_fields {
            let Some(s) = schemas.get_mut(model) else { continue };
            let s = Arc::make_mut(s);
            for f in fields {
                if !s.fields.contains_key(&f.name) {
                    let mut def = FieldDef::described(
                        &f.name,
                        FieldType::parse(&f.field_type),
                        &f.string,
                        f.relation.as_deref(),
                        f.required,
                    );
                    def.odoo_type = Some(f.field_type.clone());
                    s.fields.insert(f.name.clone(), def);
                }
            }
        }
        let mut db = Database::new(series, &dataset.db, schemas);
        if let Some(v) = &dataset.server_version {
            db.server_version = v.clone();
        }
        for group in &dataset.groups {
            db.set_group(group, true);
        }
        for (name, digits) in &dataset.digits {
            db.set_digits(name, *digits);
        }
        Ok(Loader {
            dataset,
            series,
            db,
            inverse_links: Vec::new(),
            related: Vec::new(),
            legacy_uoms: Vec::new(),
        })
    }

    fn run(mut self) -> Result<Database, DatasetError> {
        // Explicit ids first, so that assigned ones do not collide.
        let mut next: HashMap<&str, i64> = HashMap::new();
        for (model, rows) in &self.dataset.records {
            let max = rows
                .iter()
                .filter_map(|r| r.get("id").and_then(Json::as_i64))
                .max()
                .unwrap_or(0);
            next.insert(model.as_str(), max.saturating_add(1));
        }
        for (model, rows) in &self.dataset.records {
            if model == "uom.category" && self.series.major() >= 19 {
                // Units of measure lost their categories in 19.
                continue;
            }
            if model == "product.packaging" && self.series.major() >= 19 {
                // Units of measure in 19 (see `finish`).
                continue;
            }
            let schema = self
                .db
                .schema_arc(model)
                .map_err(|_| invalid(format!("unknown model {model} in series {}", self.series)))?;
            for row in rows {
                let id = match row.get("id") {
                    Some(Json::Number(n)) => n
                        .as_i64()
                        .filter(|i| *i > 0)
                        .ok_or_else(|| invalid(format!("{model}: invalid id {n}")))?,
                    None => {
                        let slot = next.entry(model.as_str()).or_insert(1);
                        let id = *slot;
                        *slot = id.saturating_add(1);
                        id
                    }
                    Some(other) => return Err(invalid(format!("{model}: invalid id {other}"))),
                };
                if self.db.exists(model, id) {
                    return Err(invalid(format!("{model}: id {id} appears twice")));
                }
                let record = self.record(&schema, id, row)?;
                self.db
                    .insert_raw(model, record)
                    .map_err(|e| invalid(format!("{e:?}")))?;
            }
        }
        self.languages()?;
        self.ir_models()?;
        self.users()?;
        self.links()?;
        self.finish()?;
        self.check_references()?;
        Ok(self.db)
    }

    fn record(
        &mut self,
        schema: &ModelSchema,
        id: i64,
        row: &Map<String, Json>,
    ) -> Result<Record, DatasetError> {
        let model = schema.name.as_str();
        let now = self.db.now_string();
        let mut rec = Record::new(id);
        for f in schema.fields.values() {
            if !f.is_stored() {
                continue;
            }
            match f.ftype {
                FieldType::Boolean => {
                    rec.values.insert(f.name.clone(), Cell::Bool(f.name == "active"));
                }
                FieldType::Many2many => {
                    rec.values.insert(f.name.clone(), Cell::Ids(Vec::new()));
                }
                _ => {}
            }
        }
        for f in ["create_date", "write_date"] {
            rec.values.insert(f.into(), Cell::Str(now.clone()));
        }
        for f in ["create_uid", "write_uid"] {
            rec.values.insert(f.into(), Cell::Int(crate::db::SUPERUSER));
        }
        let mut legacy_uom: (Option<i64>, String, Option<f64>) = (None, String::new(), None);
        for (name, json) in row {
            if name == "id" {
                continue;
            }
            let err = |m: String| invalid(format!("{model} {id}: field {name}: {m}"));
            // Fields that moved between series.
            let v = self.series.major();
            let target = match (model, name.as_str()) {
                ("uom.uom", "category_id" | "uom_type" | "factor") if v >= 19 => {
                    match name.as_str() {
                        "category_id" => legacy_uom.0 = json_id(json),
                        "uom_type" => legacy_uom.1 = json.as_str().unwrap_or_default().to_owned(),
                        _ => legacy_uom.2 = json.as_f64(),
                    }
                    continue;
                }
                ("uom.uom", "relative_uom_id" | "relative_factor") if v <= 18 => continue,
                ("account.tax", "price_include") if v >= 18 => {
                    let included = json.as_bool().unwrap_or(false);
                    rec.values.insert(
                        "price_include_override".into(),
                        if included {
                            Cell::Str("tax_included".into())
                        } else {
                            Cell::Null
                        },
                    );
                    continue;
                }
                ("account.tax", "price_include_override") if v <= 17 => {
                    rec.values.insert(
                        "price_include".into(),
                        Cell::Bool(json.as_str() == Some("tax_included")),
                    );
                    continue;
                }
                ("product.template", "type" | "detailed_type") => {
                    let t = json.as_str().unwrap_or("consu");
                    if v >= 18 {
                        if t == "product" && schema.field("is_storable").is_some() {
                            rec.values.insert("is_storable".into(), Cell::Bool(true));
                        }
                        let t = if t == "product" { "consu" } else { t };
                        rec.values.insert("type".into(), Cell::Str(t.to_owned()));
                    } else {
                        let t = if t == "combo" { "consu" } else { t };
                        // 18.0's storable goods (`consu` + `is_storable`).
                        let storable = row.get("is_storable").and_then(Json::as_bool) == Some(true);
                        let t = if t == "consu" && storable { "product" } else { t };
                        if name == "type" && !row.contains_key("detailed_type") {
                            rec.values.insert("detailed_type".into(), Cell::Str(t.to_owned()));
                        }
                        rec.values.insert(name.clone(), Cell::Str(t.to_owned()));
                    }
                    continue;
                }
                // A move's reserved (and done) quantity: `quantity` from
                // 17.0; 16.0's `reserved_availability` and `quantity_done`.
                ("stock.move", "quantity") if v <= 16 => {
                    let q = json.as_f64().unwrap_or(0.0);
                    let done = row.get("state").and_then(Json::as_str) == Some("done");
                    let field = if done {
                        "quantity_done"
                    } else {
                        "reserved_availability"
                    };
                    rec.values.insert(field.into(), Cell::Float(q));
                    continue;
                }
                ("product.template", "is_storable") if v <= 17 => {
                    if json.as_bool() == Some(true) {
                        rec.values.insert("type".into(), Cell::Str("product".into()));
                        rec.values
                            .insert("detailed_type".into(), Cell::Str("product".into()));
                    }
                    continue;
                }
                ("product.template", "is_favorite") if v <= 17 => {
                    let fav = json.as_bool() == Some(true);
                    rec.values
                        .insert("priority".into(), Cell::Str(if fav { "1" } else { "0" }.into()));
                    continue;
                }
                ("product.template", "priority") if v >= 18 => {
                    rec.values
                        .insert("is_favorite".into(), Cell::Bool(json.as_str() == Some("1")));
                    continue;
                }
                ("product.template", "uom_po_id") if v >= 19 => continue,
                ("product.template", "description_ecommerce") if v <= 16 => continue,
                ("product.pricelist", "discount_policy") if v >= 18 => continue,
                ("sale.order", "locked") if v <= 16 => continue,
                _ => match schema.field(name) {
                    Some(_) => name.clone(),
                    None => match schema::renamed(model, name, self.series) {
                        Some(n) if schema.field(n).is_some() => n.to_owned(),
                        _ => return Err(err(format!("no such field in series {}", self.series))),
                    },
                },
            };
            let Some(field) = schema.field(&target) else {
                continue;
            };
            match &field.compute {
                Compute::Computed => {
                    if target == "display_name" {
                        if let Some(text) = json.as_str() {
                            rec.values
                                .insert("display_name".into(), Cell::Str(text.to_owned()));
                        }
                    }
                    continue;
                }
                Compute::Related { .. } => {
                    self.related
                        .push((model.to_owned(), id, field.clone(), json.clone()));
                    continue;
                }
                _ => {}
            }
            if field.ftype == FieldType::One2many && field.inverse.is_some() {
                let ids = json_ids(json).map_err(err)?;
                let comodel = field.relation.clone().unwrap_or_default();
                let inverse = field.inverse.clone().unwrap_or_default();
                for child in ids {
                    self.inverse_links
                        .push((comodel.clone(), child, inverse.clone(), id));
                }
                continue;
            }
            let (cell, translations) = json_cell(field, json).map_err(err)?;
            rec.values.insert(target.clone(), cell);
            if let Some(t) = translations {
                rec.translations.insert(target, t);
            }
        }
        if model == "uom.uom" && self.series.major() >= 19 && !legacy_uom.1.is_empty() {
            self.legacy_uoms
                .push((id, legacy_uom.0, legacy_uom.1, legacy_uom.2.unwrap_or(1.0)));
        }
        Ok(rec)
    }

    fn users(&mut self) -> Result<(), DatasetError> {
        let groups = if self.series.major() >= 19 {
            "group_ids"
        } else {
            "groups_id"
        };
        for user in &self.dataset.users {
            let partner = match user.partner_id {
                Some(p) => {
                    if !self.db.exists("res.partner", p) {
                        let mut rec = Record::new(p);
                        rec.values.insert(
                            "name".into(),
                            Cell::Str(user.name.clone().unwrap_or_else(|| user.login.clone())),
                        );
                        rec.values.insert("active".into(), Cell::Bool(true));
                        self.db
                            .insert_raw("res.partner", rec)
                            .map_err(|e| invalid(format!("{e:?}")))?;
                    }
                    p
                }
                None => {
                    let p = self.db.next_id("res.partner");
                    let mut rec = Record::new(p);
                    rec.values.insert(
                        "name".into(),
                        Cell::Str(user.name.clone().unwrap_or_else(|| user.login.clone())),
                    );
                    rec.values.insert("active".into(), Cell::Bool(true));
                    if user.login.contains('@') {
                        rec.values.insert("email".into(), Cell::Str(user.login.clone()));
                    }
                    self.db
                        .insert_raw("res.partner", rec)
                        .map_err(|e| invalid(format!("{e:?}")))?;
                    p
                }
            };
            let mut rec = self.db.record("res.users", user.id).cloned().unwrap_or_else(|| {
                let mut r = Record::new(user.id);
                r.values.insert(groups.into(), Cell::Ids(Vec::new()));
                r
            });
            rec.values.insert("login".into(), Cell::Str(user.login.clone()));
            rec.values.insert("partner_id".into(), Cell::Int(partner));
            rec.values.insert("share".into(), Cell::Bool(user.share));
            rec.values.insert("active".into(), Cell::Bool(user.active));
            let now = self.db.now_string();
            rec.values
                .entry("write_date".into())
                .or_insert_with(|| Cell::Str(now.clone()));
            rec.values.entry("create_date".into()).or_insert(Cell::Str(now));
            if let Some(first_company) = self.db.ids("res.company").first() {
                rec.values
                    .entry("company_id".into())
                    .or_insert(Cell::Int(*first_company));
            }
            self.db
                .insert_raw("res.users", rec)
                .map_err(|e| invalid(format!("{e:?}")))?;
            let creds = self.db.credentials.entry(user.id).or_default();
            creds.password = user.password.clone();
            if let Some(key) = &user.api_key {
                creds.api_keys.push(key.clone());
            }
        }
        Ok(())
    }

    /// One `ir.model` per model of the database (Odoo's registry), after
    /// those the dataset gives.
    fn ir_models(&mut self) -> Result<(), DatasetError> {
        let missing: Vec<(String, String)> = self
            .db
            .tables
            .iter()
            .filter(|(name, _)| self.db.ir_model_id(name).is_none())
            .map(|(name, table)| (name.clone(), table.schema.description.clone()))
            .collect();
        for (model, description) in missing {
            let id = self.db.next_id("ir.model");
            let mut rec = Record::new(id);
            rec.values.insert("model".into(), Cell::Str(model));
            rec.values.insert("name".into(), Cell::Str(description));
            rec.values.insert("transient".into(), Cell::Bool(false));
            let now = self.db.now_string();
            for f in ["create_date", "write_date"] {
                rec.values.insert(f.into(), Cell::Str(now.clone()));
            }
            for f in ["create_uid", "write_uid"] {
                rec.values.insert(f.into(), Cell::Int(crate::db::SUPERUSER));
            }
            self.db
                .insert_raw("ir.model", rec)
                .map_err(|e| invalid(format!("{e:?}")))?;
        }
        Ok(())
    }

    /// A dataset that lists no language has English and French installed
    /// (the shop's defaults).
    fn languages(&mut self) -> Result<(), DatasetError> {
        if !self.db.ids("res.lang").is_empty() {
            return Ok(());
        }
        for (id, code, name) in [(1, "en_US", "English (US)"), (2, "fr_FR", "French / Français")] {
            let mut rec = Record::new(id);
            rec.values.insert("code".into(), Cell::Str(code.into()));
            rec.values.insert("name".into(), Cell::Str(name.into()));
            rec.values.insert("active".into(), Cell::Bool(true));
            self.db
                .insert_raw("res.lang", rec)
                .map_err(|e| invalid(format!("{e:?}")))?;
        }
        Ok(())
    }

    fn links(&mut self) -> Result<(), DatasetError> {
        for (model, child, inverse, parent) in std::mem::take(&mut self.inverse_links) {
            if !self.db.exists(&model, child) {
                return Err(invalid(format!(
                    "{model} {child}, listed in a one2many of record {parent}, does not exist"
                )));
            }
            let unset = self
                .db
                .record(&model, child)
                .is_some_and(|r| r.get(&inverse).is_null());
            if unset {
                self.db
                    .put(&model, child, &inverse, Cell::Int(parent))
                    .map_err(|e| invalid(format!("{e:?}")))?;
            }
        }
        for (model, id, field, json) in std::mem::take(&mut self.related) {
            let Compute::Related {
                via,
                field: target_field,
            } = &field.compute
            else {
                continue;
            };
            let Some(schema) = self.db.schema(&model).cloned() else {
                continue;
            };
            let Some(target_model) = schema.field(via).and_then(|f| f.relation.clone()) else {
                continue;
            };
            let Some(target) = self.db.record(&model, id).and_then(|r| r.get(via).as_id()) else {
                continue;
            };
            let Some(tschema) = self.db.schema(&target_model).cloned() else {
                continue;
            };
            let Some(tfield) = tschema.field(target_field) else {
                continue;
            };
            if !tfield.is_stored() {
                continue;
            }
            let (cell, translations) = json_cell(tfield, &json)
                .map_err(|m| invalid(format!("{model} {id}: field {}: {m}", field.name)))?;
            let unset = self
                .db
                .record(&target_model, target)
                .is_some_and(|r| r.get(target_field).is_null());
            if unset {
                self.db
                    .put(&target_model, target, target_field, cell)
                    .map_err(|e| invalid(format!("{e:?}")))?;
                if let Some(t) = translations {
                    if let Some(table) = self.db.tables.get_mut(&target_model) {
                        if let Some(rec) = table.records.get_mut(&target) {
                            Arc::make_mut(rec).translations.insert(target_field.clone(), t);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), DatasetError> {
        let db = &mut self.db;
        let e = |e: crate::faults::OdooError| invalid(format!("{e:?}"));
        // Every template has a variant.
        let with_variants: BTreeSet<i64> = db
            .tables
            .get("product.product")
            .map(|t| {
                t.records
                    .values()
                    .filter_map(|r| r.get("product_tmpl_id").as_id())
                    .collect()
            })
            .unwrap_or_default();
        let templates = db.ids("product.template");
        for t in templates {
            if !with_variants.contains(&t) {
                let id = db.next_id("product.product");
                let tmpl = db.record("product.template", t).cloned().unwrap_or_default();
                let mut rec = Record::new(id);
                rec.values.insert("product_tmpl_id".into(), Cell::Int(t));
                rec.values.insert("active".into(), tmpl.get("active").clone());
                rec.values.insert("price_extra".into(), Cell::Float(0.0));
                rec.values.insert(
                    "product_template_attribute_value_ids".into(),
                    Cell::Ids(Vec::new()),
                );
                for f in [
                    "default_code",
                    "barcode",
                    "create_date",
                    "write_date",
                    "create_uid",
                    "write_uid",
                ] {
                    rec.values.insert(f.into(), tmpl.get(f).clone());
                }
                db.insert_raw("product.product", rec).map_err(e)?;
            }
        }
        let website = db
            .schema("product.product")
            .is_some_and(|s| s.fields.contains_key("base_unit_count"));
        for v in db.ids("product.product") {
            db.recompute_price_extra(v).map_err(e)?;
            // website_sale's default: one base unit per unit.
            if website
                && db
                    .record("product.product", v)
                    .is_some_and(|r| r.get("base_unit_count").is_null())
            {
                db.put("product.product", v, "base_unit_count", Cell::Float(1.0))
                    .map_err(e)?;
            }
        }
        // Units of measure written for 16–18, served as 19.
        let legacy = std::mem::take(&mut self.legacy_uoms);
        for (id, category, kind, factor) in &legacy {
            if kind == "reference" {
                continue;
            }
            let reference = legacy
                .iter()
                .find(|(_, c, k, _)| c == category && k == "reference")
                .map(|(r, ..)| *r);
            db.put(
                "uom.uom",
                *id,
                "relative_uom_id",
                reference.map_or(Cell::Null, Cell::Int),
            )
            .map_err(e)?;
            let relative = if *factor == 0.0 { 1.0 } else { 1.0 / factor };
            db.put("uom.uom", *id, "relative_factor", Cell::Float(relative))
                .map_err(e)?;
        }
        if db.series.major() >= 19 {
            for u in db.ids("uom.uom") {
                if db
                    .record("uom.uom", u)
                    .is_some_and(|r| r.get("relative_factor").is_null())
                {
                    db.put("uom.uom", u, "relative_factor", Cell::Float(1.0))
                        .map_err(e)?;
                }
                db.recompute_uom_factor(u).map_err(e)?;
            }
            // 16–18's packagings of a variant (`product.packaging`), as 19
            // keeps them (and Odoo's upgrade makes them): a unit of measure
            // holding `qty` of the product's unit, in its template's
            // `uom_ids`, shared by the variants; not those kept from sales.
            let dataset = self.dataset;
            let mut packagings: Vec<&Map<String, Json>> = dataset
                .records
                .get("product.packaging")
                .into_iter()
                .flatten()
                .collect();
            packagings.sort_by_key(|row| row.get("id").and_then(Json::as_i64).unwrap_or(i64::MAX));
            for row in packagings {
                if row.get("sales").and_then(Json::as_bool) == Some(false) {
                    continue;
                }
                let bad = |m: &str| invalid(format!("product.packaging {:?}: {m}", row.get("id")));
                let variant = row
                    .get("product_id")
                    .and_then(json_id)
                    .ok_or_else(|| bad("no product_id"))?;
                let template = db
                    .record("product.product", variant)
                    .and_then(|r| r.get("product_tmpl_id").as_id())
                    .ok_or_else(|| bad("no such product"))?;
                let unit = db
                    .record("product.template", template)
                    .and_then(|r| r.get("uom_id").as_id())
                    .ok_or_else(|| bad("its product has no unit"))?;
                let qty = row.get("qty").and_then(Json::as_f64).unwrap_or(1.0);
                let name_field = db
                    .schema("uom.uom")
                    .and_then(|s| s.field("name"))
                    .cloned()
                    .ok_or_else(|| bad("no uom.uom"))?;
                let (name, translations) =
                    json_cell(&name_field, row.get("name").unwrap_or(&Json::Null)).map_err(|m| bad(&m))?;
                let id = db.next_id("uom.uom");
                let now = db.now_string();
                let mut rec = Record::new(id);
                rec.values.insert("name".into(), name);
                if let Some(t) = translations {
                    rec.translations.insert("name".into(), t);
                }
                rec.values.insert("relative_uom_id".into(), Cell::Int(unit));
                rec.values.insert("relative_factor".into(), Cell::Float(qty));
                rec.values.insert("active".into(), Cell::Bool(true));
                rec.values.insert("rounding".into(), Cell::Float(0.01));
                rec.values
                    .insert("sequence".into(), Cell::Int(((qty * 100.0) as i64).min(1000)));
                for f in ["create_date", "write_date"] {
                    rec.values.insert(f.into(), Cell::Str(now.clone()));
                }
                for f in ["create_uid", "write_uid"] {
                    rec.values.insert(f.into(), Cell::Int(crate::db::SUPERUSER));
                }
                db.insert_raw("uom.uom", rec).map_err(e)?;
                db.recompute_uom_factor(id).map_err(e)?;
                let mut uoms = db
                    .record("product.template", template)
                    .map(|r| r.get("uom_ids").ids().to_vec())
                    .unwrap_or_default();
                uoms.push(id);
                db.put("product.template", template, "uom_ids", Cell::Ids(uoms))
                    .map_err(e)?;
            }
        }
        // Lines and orders without amounts.
        for line in db.ids("sale.order.line") {
            if db
                .record("sale.order.line", line)
                .is_some_and(|r| r.get("price_total").is_null())
            {
                db.recompute_line(line).map_err(e)?;
            }
        }
        for order in db.ids("sale.order") {
            if db
                .record("sale.order", order)
                .is_some_and(|r| r.get("amount_total").is_null())
            {
                db.recompute_order(order).map_err(e)?;
            }
        }
        // Activities: their model from `res_model` when the dataset names
        // it so, then their stored related values.
        for a in db.ids("mail.activity") {
            let named = db
                .record("mail.activity", a)
                .filter(|r| r.get("res_model_id").is_null())
                .and_then(|r| r.get("res_model").as_str().map(str::to_owned));
            if let Some(model) = named {
                let id = db
                    .ir_model_id(&model)
                    .ok_or_else(|| invalid(format!("mail.activity {a}: no model {model}")))?;
                db.put("mail.activity", a, "res_model_id", Cell::Int(id))
                    .map_err(e)?;
            }
            db.recompute_activity(a)
                .map_err(|err| invalid(format!("mail.activity {a}: {err:?}")))?;
        }
        // The order sequence continues after the highest number.
        let mut highest = 0;
        if let Some(t) = db.tables.get("sale.order") {
            for r in t.records.values() {
                if let Some(n) = r
                    .get("name")
                    .as_str()
                    .and_then(|n| n.strip_prefix('S'))
                    .and_then(|n| n.parse::<i64>().ok())
                {
                    highest = highest.max(n);
                }
            }
        }
        db.sequences
            .insert("sale.order".into(), highest.saturating_add(1));
        Ok(())
    }

    fn check_references(&self) -> Result<(), DatasetError> {
        for (model, table) in &self.db.tables {
            for field in table.schema.fields.values() {
                let Some(relation) = field.relation.as_deref() else {
                    continue;
                };
                if !field.is_stored() || !self.db.tables.contains_key(relation) {
                    continue;
                }
                if matches!(field.name.as_str(), "create_uid" | "write_uid") {
                    continue;
                }
                for rec in table.records.values() {
                    let targets: Vec<i64> = match rec.get(&field.name) {
                        Cell::Int(i) => vec![*i],
                        Cell::Ids(ids) => ids.clone(),
                        _ => continue,
                    };
                    if let Some(missing) = targets.iter().find(|t| !self.db.exists(relation, **t)) {
                        return Err(invalid(format!(
                            "{model} {}: field {} refers to {relation} {missing}, which does not exist",
                            rec.id, field.name
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A many2one in a dataset: an id or `[id, "name"]`.
fn json_id(json: &Json) -> Option<i64> {
    match json {
        Json::Number(n) => n.as_i64(),
        Json::Array(pair) => pair.first().and_then(Json::as_i64),
        _ => None,
    }
}

fn json_ids(json: &Json) -> Result<Vec<i64>, String> {
    match json {
        Json::Null | Json::Bool(false) => Ok(Vec::new()),
        Json::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Json::Number(n) => out.push(n.as_i64().ok_or("ids are integers")?),
                    // [[6, 0, [ids]]]
                    Json::Array(cmd) if cmd.first().and_then(Json::as_i64) == Some(6) => {
                        out.extend(
                            cmd.get(2)
                                .and_then(Json::as_array)
                                .into_iter()
                                .flatten()
                                .filter_map(Json::as_i64),
                        );
                    }
                    _ => return Err(format!("expected a list of ids, got {json}")),
                }
            }
            Ok(out)
        }
        _ => Err(format!("expected a list of ids, got {json}")),
    }
}

type Translations = BTreeMap<String, String>;

/// A JSON value of a dataset as a stored cell.
fn json_cell(field: &FieldDef, json: &Json) -> Result<(Cell, Option<Translations>), String> {
    let mismatch = || format!("{json} does not fit a {} field", field.ftype.as_str());
    if matches!(json, Json::Null) || (matches!(json, Json::Bool(false)) && field.ftype != FieldType::Boolean)
    {
        return Ok((
            if field.ftype.is_x2many() {
                Cell::Ids(Vec::new())
            } else {
                Cell::Null
            },
            None,
        ));
    }
    let cell = match field.ftype {
        FieldType::Char | FieldType::Text | FieldType::Html | FieldType::Selection | FieldType::Binary => {
            match json {
                Json::String(s) => Cell::Str(s.clone()),
                Json::Number(n) => Cell::Str(n.to_string()),
                Json::Object(langs) if field.translate => {
                    let mut t: Translations = BTreeMap::new();
                    for (lang, text) in langs {
                        t.insert(lang.clone(), text.as_str().ok_or_else(mismatch)?.to_owned());
                    }
                    let base = t
                        .get("en_US")
                        .cloned()
                        .or_else(|| t.values().next().cloned())
                        .unwrap_or_default();
                    t.remove("en_US");
                    return Ok((Cell::Str(base), Some(t)));
                }
                _ => return Err(mismatch()),
            }
        }
        FieldType::Integer => match json {
            Json::Number(n) => Cell::Int(
                n.as_i64()
                    .or_else(|| n.as_f64().map(|f| f as i64))
                    .ok_or_else(mismatch)?,
            ),
            Json::Bool(b) => Cell::Int(i64::from(*b)),
            _ => return Err(mismatch()),
        },
        FieldType::Float | FieldType::Monetary => match json {
            Json::Number(n) => Cell::Float(n.as_f64().ok_or_else(mismatch)?),
            _ => return Err(mismatch()),
        },
        FieldType::Boolean => match json {
            Json::Bool(b) => Cell::Bool(*b),
            Json::Number(n) => Cell::Bool(n.as_f64() != Some(0.0)),
            _ => return Err(mismatch()),
        },
        FieldType::Date => match json {
            Json::String(s) => Cell::Str(normalize_date(s).ok_or_else(mismatch)?),
            _ => return Err(mismatch()),
        },
        FieldType::Datetime => match json {
            Json::String(s) => Cell::Str(normalize_datetime(s).ok_or_else(mismatch)?),
            _ => return Err(mismatch()),
        },
        FieldType::Many2one => match json {
            Json::Number(n) => Cell::Int(n.as_i64().ok_or_else(mismatch)?),
            Json::Array(pair) => Cell::Int(pair.first().and_then(Json::as_i64).ok_or_else(mismatch)?),
            _ => return Err(mismatch()),
        },
        FieldType::One2many | FieldType::Many2many => Cell::Ids(json_ids(json)?),
    };
    Ok((cell, None))
}

/// Converts an XML-RPC value to JSON (datasets built from recordings).
fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Int(i) => Json::from(*i),
        Value::Bool(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Value::DateTime(d) => Json::String(d.format(crate::db::DATETIME_FORMAT).to_string()),
        Value::Base64(b) => {
            use base64::Engine as _;
            Json::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Value::Array(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Struct(s) => Json::Object(s.iter().map(|(k, v)| (k.to_owned(), value_to_json(v))).collect()),
        Value::Nil => Json::Null,
    }
}

mod recordings {
    //! [`Dataset::from_recordings`].

    use super::*;

    #[derive(Deserialize)]
    struct Index {
        server_serie: String,
        db: String,
        calls: Vec<IndexCall>,
    }

    #[derive(Deserialize)]
    struct IndexCall {
        file: String,
        endpoint: String,
        method: String,
    }

    struct Builder {
        schemas: BTreeMap<String, Arc<ModelSchema>>,
        records: BTreeMap<String, BTreeMap<i64, Map<String, Json>>>,
        /// Records only known as a many2one target or an x2many id.
        stubs: BTreeSet<(String, i64)>,
    }

    pub(super) fn build(dir: &Path) -> Result<Dataset, DatasetError> {
        let read = |name: &str| -> Result<Vec<u8>, DatasetError> {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| DatasetError::Io {
                path: path.display().to_string(),
                source,
            })
        };
        let index: Index = serde_json::from_slice(&read("index.json")?)?;
        let series = Series::parse(&index.server_serie)
            .ok_or_else(|| invalid(format!("unsupported series {:?}", index.server_serie)))?;
        let mut dataset = Dataset::empty(&index.db, &series.as_string());

        let mut exchanges = Vec::new();
        for call in &index.calls {
            let request = decode_call(&read(&format!("{}.request.xml", call.file))?)
                .map_err(|e| invalid(format!("{}: {e}", call.file)))?;
            let response = decode_response(&read(&format!("{}.response.xml", call.file))?)
                .map_err(|e| invalid(format!("{}: {e}", call.file)))?;
            exchanges.push((call, request, response));
        }

        // Fields first, so that the records read with them.
        let mut schemas = schema::models(series);
        for (call, request, response) in &exchanges {
            let MethodResponse::Success(Value::Struct(fields)) = response else {
                continue;
            };
            if call.method != "execute_kw"
                || request.params.get(4).and_then(Value::as_str) != Some("fields_get")
            {
                continue;
            }
            let Some(model) = request.params.get(3).and_then(Value::as_str) else {
                continue;
            };
            let Some(schema) = schemas.get_mut(model) else {
                continue;
            };
            let schema = Arc::make_mut(schema);
            let extras = dataset.extra_fields.entry(model.to_owned()).or_default();
            for (name, attrs) in fields.iter() {
                if schema.fields.contains_key(name) {
                    continue;
                }
                let Some(attrs) = attrs.as_struct() else { continue };
                let text = |k: &str| attrs.get(k).and_then(Value::as_str).map(str::to_owned);
                let extra = ExtraField {
                    name: name.to_owned(),
                    field_type: text("type").unwrap_or_else(|| "char".into()),
                    string: text("string").unwrap_or_default(),
                    relation: text("relation"),
                    required: attrs.get("required").and_then(Value::as_bool).unwrap_or(false),
                };
                let mut def = FieldDef::described(
                    name,
                    FieldType::parse(&extra.field_type),
                    &extra.string,
                    extra.relation.as_deref(),
                    extra.required,
                );
                def.odoo_type = Some(extra.field_type.clone());
                schema.fields.insert(name.to_owned(), def);
                extras.push(extra);
            }
        }

        let mut builder = Builder {
            schemas,
            records: BTreeMap::new(),
            stubs: BTreeSet::new(),
        };
        let mut users: Vec<(i64, String, String)> = Vec::new();
        for (call, request, response) in &exchanges {
            let MethodResponse::Success(result) = response else {
                continue;
            };
            match (call.endpoint.as_str(), call.method.as_str()) {
                (_, "version") => {
                    if let Some(v) = result
                        .as_struct()
                        .and_then(|s| s.get("server_version"))
                        .and_then(Value::as_str)
                    {
                        dataset.server_version = Some(v.to_owned());
                    }
                }
                (_, "authenticate" | "login") => {
                    let (Some(uid), Some(login), Some(password)) = (
                        result.as_i64(),
                        request.params.get(1).and_then(Value::as_str),
                        request.params.get(2).and_then(Value::as_str),
                    ) else {
                        continue;
                    };
                    if !users.iter().any(|(u, ..)| *u == uid) {
                        users.push((uid, login.to_owned(), password.to_owned()));
                    }
                }
                (_, "execute_kw") => {
                    let p = &request.params;
                    let (Some(model), Some(method)) =
                        (p.get(3).and_then(Value::as_str), p.get(4).and_then(Value::as_str))
                    else {
                        continue;
                    };
                    if !matches!(method, "search_read" | "read") {
                        continue;
                    }
                    let empty = Struct::new();
                    let kwargs = p.get(6).and_then(Value::as_struct).unwrap_or(&empty);
                    let lang = kwargs
                        .get("context")
                        .and_then(Value::as_struct)
                        .and_then(|c| c.get("lang"))
                        .and_then(Value::as_str)
                        .unwrap_or("en_US")
                        .to_owned();
                    let domain = if method == "search_read" {
                        p.get(5)
                            .and_then(Value::as_array)
                            .and_then(|a| a.first())
                            .or_else(|| kwargs.get("domain"))
                            .and_then(|d| Domain::from_value(d).ok())
                    } else {
                        None
                    };
                    let Some(rows) = result.as_array() else { continue };
                    for row in rows {
                        let Some(row) = row.as_struct() else { continue };
                        builder.merge(model, row, &lang, domain.as_ref());
                    }
                }
                _ => {}
            }
        }

        for (uid, login, password) in users {
            let row = builder.records.get("res.users").and_then(|t| t.get(&uid));
            let partner_id = row.and_then(|r| r.get("partner_id")).and_then(json_id);
            let share = row
                .and_then(|r| r.get("share"))
                .and_then(Json::as_bool)
                .unwrap_or(false);
            dataset.users.push(DatasetUser {
                id: uid,
                login,
                password,
                api_key: None,
                partner_id,
                name: None,
                share,
                active: true,
            });
        }
        // Users known only from other answers have a login of their own.
        if let Some(users) = builder.records.get_mut("res.users") {
            for (id, row) in users.iter_mut() {
                if !row.contains_key("login") {
                    row.insert("login".into(), Json::String(format!("user{id}")));
                }
                row.remove("display_name");
            }
        }
        for (model, rows) in builder.records {
            dataset.records.insert(model, rows.into_values().collect());
        }
        Ok(dataset)
    }

    impl Builder {
        fn row(&mut self, model: &str, id: i64) -> &mut Map<String, Json> {
            self.records
                .entry(model.to_owned())
                .or_default()
                .entry(id)
                .or_insert_with(|| {
                    let mut m = Map::new();
                    m.insert("id".into(), Json::from(id));
                    m
                })
        }

        /// Makes sure `model` has a record `id` (named `name` if new).
        fn ensure(&mut self, model: &str, id: i64, name: Option<&str>) {
            if id <= 0 || !self.schemas.contains_key(model) {
                return;
            }
            let exists = self.records.get(model).is_some_and(|t| t.contains_key(&id));
            if exists {
                return;
            }
            self.stubs.insert((model.to_owned(), id));
            let row = self.row(model, id);
            if let Some(name) = name {
                row.insert("display_name".into(), Json::String(name.to_owned()));
            }
        }

        fn merge(&mut self, model: &str, row: &Struct, lang: &str, domain: Option<&Domain>) {
            let Some(schema) = self.schemas.get(model).cloned() else {
                return;
            };
            let Some(id) = row.get("id").and_then(Value::as_i64) else {
                return;
            };
            let was_stub = self.stubs.remove(&(model.to_owned(), id));
            {
                let entry = self.row(model, id);
                if was_stub {
                    entry.remove("display_name");
                }
            }
            for (name, value) in row.iter() {
                if name == "id" {
                    continue;
                }
                let Some(field) = schema.field(name) else { continue };
                self.put(&schema, id, field, value, lang);
            }
            // What the search asked for holds for what it found.
            let Some(domain) = domain else { return };
            let leaves: Vec<&connector::domain::Condition> = match domain {
                Domain::Leaf(c) => vec![c],
                Domain::And(parts) => parts
                    .iter()
                    .filter_map(|d| match d {
                        Domain::Leaf(c) => Some(c),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for c in leaves {
                if c.operator != Operator::Eq || matches!(c.value, Value::Array(_)) {
                    continue;
                }
                match c.field.split_once('.') {
                    None => {
                        if row.contains_key(&c.field) {
                            continue;
                        }
                        if let Some(field) = schema.field(&c.field) {
                            if field.is_stored() && !field.ftype.is_x2many() {
                                let value = c.value.clone();
                                self.put(&schema, id, field, &value, lang);
                            }
                        }
                    }
                    Some((head, rest)) => {
                        if rest.contains('.') {
                            continue;
                        }
                        let Some(field) = schema.field(head) else { continue };
                        let Some(comodel) = field.relation.clone() else {
                            continue;
                        };
                        let targets: Vec<i64> = match row.get(head) {
                            Some(Value::Array(items)) if field.ftype.is_x2many() => {
                                items.iter().filter_map(Value::as_i64).collect()
                            }
                            Some(Value::Array(pair)) => {
                                pair.first().and_then(Value::as_i64).into_iter().collect()
                            }
                            _ => continue,
                        };
                        let [target] = targets.as_slice() else { continue };
                        let Some(cschema) = self.schemas.get(&comodel).cloned() else {
                            continue;
                        };
                        let Some(cfield) = cschema.field(rest) else {
                            continue;
                        };
                        if !cfield.is_stored() || cfield.ftype.is_x2many() {
                            continue;
                        }
                        self.ensure(&comodel, *target, None);
                        let value = c.value.clone();
                        self.put(&cschema, *target, cfield, &value, lang);
                    }
                }
            }
        }

        fn put(&mut self, schema: &ModelSchema, id: i64, field: &FieldDef, value: &Value, lang: &str) {
            let model = schema.name.clone();
            if let Some(relation) = field.relation.clone() {
                match (field.ftype, value) {
                    (FieldType::Many2one, Value::Array(pair)) => {
                        if let Some(target) = pair.first().and_then(Value::as_i64) {
                            self.ensure(&relation, target, pair.get(1).and_then(Value::as_str));
                        }
                    }
                    (FieldType::Many2one, Value::Int(target)) => self.ensure(&relation, *target, None),
                    (FieldType::One2many | FieldType::Many2many, Value::Array(items)) => {
                        for t in items.iter().filter_map(Value::as_i64) {
                            self.ensure(&relation, t, None);
                            if let (FieldType::One2many, Some(inverse)) = (field.ftype, &field.inverse) {
                                let child = self.row(&relation, t);
                                child.entry(inverse.clone()).or_insert(Json::from(id));
                            }
                        }
                    }
                    _ => {}
                }
            }
            // Computed values are derived, except those the loader
            // translates into stored ones.
            let translated = model == "account.tax" && field.name == "price_include";
            if !translated && !matches!(field.compute, Compute::Stored | Compute::StoredComputed) {
                return;
            }
            if field.ftype == FieldType::One2many && field.inverse.is_some() {
                return;
            }
            let json = value_to_json(value);
            let entry = self.row(&model, id);
            if field.translate {
                if let Json::String(text) = &json {
                    let mut langs = match entry.remove(&field.name) {
                        Some(Json::Object(m)) => m,
                        _ => Map::new(),
                    };
                    langs.insert(lang.to_owned(), Json::String(text.clone()));
                    entry.insert(field.name.clone(), Json::Object(langs));
                    return;
                }
            }
            entry.insert(field.name.clone(), json);
        }
    }
}

/// A user's uid from a login and a password or API key (`None` when they do
/// not match an active user).
pub(crate) fn authenticate(db: &Database, database: &str, login: &str, password: &str) -> Option<i64> {
    if database != db.name || password.is_empty() {
        return None;
    }
    let uid = db.uid_of(login)?;
    check_password(db, uid, password).then_some(uid)
}

/// Whether `password` (or an API key) is the active user `uid`'s.
pub(crate) fn check_password(db: &Database, uid: i64, password: &str) -> bool {
    let active = db
        .record("res.users", uid)
        .is_some_and(|r| r.get("active").as_bool());
    let Some(creds) = db.credentials.get(&uid) else {
        return false;
    };
    active
        && !password.is_empty()
        && (creds.password == password || creds.api_keys.iter().any(|k| k == password))
}

/// The context of a call by `uid`.
pub(crate) fn user_ctx(db: &Database, uid: i64) -> Ctx {
    let su = Ctx::superuser();
    let env = Env::new(db, &su);
    Ctx {
        uid,
        lang: "en_US".into(),
        active_test: true,
        share: env.get_named("res.users", uid, "share").as_bool(),
        partner_id: env.field_id("res.users", uid, "partner_id"),
        defaults: Vec::new(),
        admin: uid == crate::db::SUPERUSER || uid == 2,
        context: Struct::new(),
    }
}
