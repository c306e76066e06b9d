//! Reading: field values (stored, related, computed, translated),
//! display names, `read` answers and ordering.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use connector::xmlrpc::{Struct, Value};

use crate::db::{Cell, Ctx, Database, Record};
use crate::faults::OdooError;
use crate::schema::{Compute, FieldDef, FieldType, ModelSchema};

/// A read-only view of the database for one call: who asks, in which
/// language, and caches that live as long as the call.
pub(crate) struct Env<'a> {
    pub db: &'a Database,
    pub ctx: &'a Ctx,
    inverse: RefCell<HashMap<(String, String), Rc<InverseIndex>>>,
    orders: RefCell<HashMap<String, Rc<Vec<OrderTerm>>>>,
}

/// Children ids by parent id, for a one2many.
type InverseIndex = HashMap<i64, Vec<i64>>;

/// One term of an `order` specification.
#[derive(Debug, Clone)]
pub(crate) struct OrderTerm {
    pub field: String,
    pub desc: bool,
    pub nulls_first: bool,
}

/// A sort key.
#[derive(Debug, Clone)]
enum Key {
    Null,
    Bool(bool),
    Num(f64),
    Text(String, String),
}

impl<'a> Env<'a> {
    pub fn new(db: &'a Database, ctx: &'a Ctx) -> Env<'a> {
        Env {
            db,
            ctx,
            inverse: RefCell::new(HashMap::new()),
            orders: RefCell::new(HashMap::new()),
        }
    }

    pub fn schema(&self, model: &str) -> Result<&'a ModelSchema, OdooError> {
        Ok(&self.db.table(model)?.schema)
    }

    pub fn rec(&self, model: &str, id: i64) -> Option<&'a Record> {
        self.db.record(model, id)
    }

    pub fn lang(&self) -> &str {
        &self.ctx.lang
    }

    /// A field's value, as a cell (many2one as an id, x2many as visible ids
    /// in the related model's order, text in the context's language).
    pub fn get(&self, schema: &ModelSchema, rec: &Record, field: &FieldDef) -> Cell {
        self.get_impl(schema, rec, field, true, 0)
    }

    /// Like [`Env::get`], but x2many ids unordered (for domain evaluation).
    pub fn get_unordered(&self, schema: &ModelSchema, rec: &Record, field: &FieldDef) -> Cell {
        self.get_impl(schema, rec, field, false, 0)
    }

    fn get_impl(
        &self,
        schema: &ModelSchema,
        rec: &Record,
        field: &FieldDef,
        ordered: bool,
        depth: usize,
    ) -> Cell {
        if depth > 8 {
            return Cell::Null;
        }
        if field.name == "id" {
            return Cell::Int(rec.id);
        }
        match &field.compute {
            Compute::Related {
                via,
                field: target_field,
            } => {
                let Some(via_field) = schema.field(via) else {
                    return Cell::Null;
                };
                let Some(target) = self.get_impl(schema, rec, via_field, ordered, depth + 1).as_id() else {
                    return Cell::Null;
                };
                let Some(model) = via_field.relation.as_deref() else {
                    return Cell::Null;
                };
                let (Ok(tschema), Some(trec)) = (self.schema(model), self.rec(model, target)) else {
                    return Cell::Null;
                };
                let Some(tfield) = tschema.field(target_field) else {
                    return Cell::Null;
                };
                self.get_impl(tschema, trec, tfield, ordered, depth + 1)
            }
            Compute::Computed => self.compute(schema, rec, field),
            Compute::Stored | Compute::StoredComputed => {
                if field.ftype == FieldType::One2many {
                    if let (Some(comodel), Some(inverse)) = (&field.relation, &field.inverse) {
                        let index = self.inverse_index(comodel, inverse);
                        let ids = index.get(&rec.id).cloned().unwrap_or_default();
                        return Cell::Ids(self.visible(comodel, ids, ordered));
                    }
                }
                if field.ftype.is_x2many() {
                    let ids = rec.get(&field.name).ids().to_vec();
                    return match &field.relation {
                        Some(comodel) if self.db.tables.contains_key(comodel) => {
                            Cell::Ids(self.visible(comodel, ids, ordered))
                        }
                        _ => Cell::Ids(ids),
                    };
                }
                let cell = self.stored_text(rec, field);
                if cell.is_null() {
                    return self.fallback(schema, rec, field);
                }
                cell
            }
        }
    }

    /// A stored value, in the context's language for translatable fields.
    fn stored_text(&self, rec: &Record, field: &FieldDef) -> Cell {
        if field.translate && self.lang() != "en_US" {
            if let Some(text) = rec.translations.get(&field.name).and_then(|t| t.get(self.lang())) {
                return Cell::Str(text.clone());
            }
        }
        rec.get(&field.name).clone()
    }

    /// Values Odoo derives when the stored one is empty.
    fn fallback(&self, schema: &ModelSchema, rec: &Record, field: &FieldDef) -> Cell {
        match (schema.name.as_str(), field.name.as_str()) {
            (_, "image_1024" | "image_512" | "image_256" | "image_128") => rec.get("image_1920").clone(),
            ("res.partner", "property_product_pricelist") => {
                self.default_pricelist().map_or(Cell::Null, Cell::Int)
            }
            (_, "display_name") => Cell::Str(self.display_name(&schema.name, rec.id)),
            _ => Cell::Null,
        }
    }

    /// The value of a field by name (`Null` when the record or the field
    /// does not exist).
    pub fn get_named(&self, model: &str, id: i64, field: &str) -> Cell {
        let (Ok(schema), Some(rec)) = (self.schema(model), self.rec(model, id)) else {
            return Cell::Null;
        };
        let Some(f) = schema.field(field) else {
            return Cell::Null;
        };
        self.get(schema, rec, f)
    }

    /// A many2one's id.
    pub fn field_id(&self, model: &str, id: i64, field: &str) -> Option<i64> {
        self.get_named(model, id, field).as_id()
    }

    /// A number.
    pub fn field_f64(&self, model: &str, id: i64, field: &str) -> f64 {
        self.get_named(model, id, field).as_f64()
    }

    /// Text (empty when unset).
    pub fn field_text(&self, model: &str, id: i64, field: &str) -> String {
        match self.get_named(model, id, field) {
            Cell::Str(s) => s,
            _ => String::new(),
        }
    }

    /// The first active pricelist (Odoo's fallback for a customer without one).
    pub fn default_pricelist(&self) -> Option<i64> {
        let table = self.db.tables.get("product.pricelist")?;
        let mut ids: Vec<i64> = table
            .records
            .values()
            .filter(|r| !matches!(r.get("active"), Cell::Bool(false)))
            .map(|r| r.id)
            .collect();
        let terms = self.default_order("product.pricelist");
        if let Ok(schema) = self.schema("product.pricelist") {
            self.sort(schema, &mut ids, &terms);
        }
        ids.first().copied()
    }

    /// A customer's pricelist.
    pub fn partner_pricelist(&self, partner: i64) -> Option<i64> {
        let commercial = self
            .field_id("res.partner", partner, "commercial_partner_id")
            .unwrap_or(partner);
        self.field_id("res.partner", commercial, "property_product_pricelist")
            .or_else(|| self.field_id("res.partner", partner, "property_product_pricelist"))
    }

    fn inverse_index(&self, comodel: &str, inverse: &str) -> Rc<InverseIndex> {
        let key = (comodel.to_owned(), inverse.to_owned());
        if let Some(found) = self.inverse.borrow().get(&key) {
            return found.clone();
        }
        let mut index: HashMap<i64, Vec<i64>> = HashMap::new();
        if let Some(table) = self.db.tables.get(comodel) {
            for rec in table.records.values() {
                if let Some(parent) = rec.get(inverse).as_id() {
                    index.entry(parent).or_default().push(rec.id);
                }
            }
        }
        let index = Rc::new(index);
        self.inverse.borrow_mut().insert(key, index.clone());
        index
    }

    /// Ids that exist (and are active, with `active_test`), in the model's
    /// order.
    fn visible(&self, comodel: &str, ids: Vec<i64>, ordered: bool) -> Vec<i64> {
        let Some(table) = self.db.tables.get(comodel) else {
            return ids;
        };
        let filter_active = self.ctx.active_test && table.schema.has_active();
        let mut out: Vec<i64> = ids
            .into_iter()
            .filter(|id| match table.records.get(id) {
                Some(r) => !filter_active || !matches!(r.get("active"), Cell::Bool(false)),
                None => false,
            })
            .collect();
        if ordered && out.len() > 1 {
            let terms = self.default_order(comodel);
            self.sort(&table.schema, &mut out, &terms);
        }
        out
    }

    fn compute(&self, schema: &ModelSchema, rec: &Record, field: &FieldDef) -> Cell {
        let model = schema.name.as_str();
        match (model, field.name.as_str()) {
            (_, "display_name") => Cell::Str(self.display_name(model, rec.id)),
            ("product.template", "product_variant_id") => {
                let ids = self.get_named(model, rec.id, "product_variant_ids");
                ids.ids().first().map_or(Cell::Null, |i| Cell::Int(*i))
            }
            ("product.template", "packaging_ids") => {
                let mut ids = Vec::new();
                for variant in self.get_named(model, rec.id, "product_variant_ids").ids() {
                    ids.extend_from_slice(self.get_named("product.product", *variant, "packaging_ids").ids());
                }
                Cell::Ids(ids)
            }
            ("product.template", "product_variant_count") => {
                Cell::Int(self.get_named(model, rec.id, "product_variant_ids").ids().len() as i64)
            }
            ("product.template", "currency_id") => {
                let company = rec.get("company_id").as_id().or_else(|| {
                    self.db
                        .tables
                        .get("res.company")
                        .and_then(|t| t.records.keys().next().copied())
                });
                company
                    .and_then(|c| self.field_id("res.company", c, "currency_id"))
                    .map_or(Cell::Null, Cell::Int)
            }
            ("product.template", "uom_name") => match rec.get("uom_id").as_id() {
                Some(u) => Cell::Str(self.display_name("uom.uom", u)),
                None => Cell::Null,
            },
            ("product.product", "base_unit_name") => {
                if let Some(unit) = rec.get("base_unit_id").as_id() {
                    return Cell::Str(self.display_name("website.base.unit", unit));
                }
                let tmpl = rec.get("product_tmpl_id").as_id().unwrap_or(0);
                match self
                    .rec("product.template", tmpl)
                    .and_then(|t| t.get("uom_id").as_id())
                {
                    Some(u) => Cell::Str(self.display_name("uom.uom", u)),
                    None => Cell::Null,
                }
            }
            ("product.template", "website_published") => Cell::Bool(rec.get("is_published").as_bool()),
            ("product.product", "lst_price") => {
                let tmpl = rec.get("product_tmpl_id").as_id().unwrap_or(0);
                let list = self.field_f64("product.template", tmpl, "list_price");
                let extra = self.field_f64("product.product", rec.id, "price_extra");
                Cell::Float(list + extra)
            }
            ("product.category", "complete_name") | ("res.partner", "complete_name") => {
                Cell::Str(self.display_name(model, rec.id))
            }
            ("res.partner", "commercial_partner_id") => {
                let mut current = rec.id;
                for _ in 0..20 {
                    let Some(r) = self.rec("res.partner", current) else {
                        break;
                    };
                    if r.get("is_company").as_bool() {
                        break;
                    }
                    match r.get("parent_id").as_id() {
                        Some(p) if self.rec("res.partner", p).is_some() => current = p,
                        _ => break,
                    }
                }
                Cell::Int(current)
            }
            ("product.pricelist.item", "name") => Cell::Str(self.display_name(model, rec.id)),
            ("account.tax", "price_include") => {
                Cell::Bool(rec.get("price_include_override").as_str() == Some("tax_included"))
            }
            ("uom.uom", "factor_inv") => {
                let f = rec.get("factor").as_f64();
                Cell::Float(if f == 0.0 { 0.0 } else { 1.0 / f })
            }
            ("res.currency", "decimal_places") => {
                let r = rec.get("rounding").as_f64();
                let places = if r > 0.0 && r < 1.0 {
                    (-r.log10()).ceil() as i64
                } else {
                    0
                };
                Cell::Int(places)
            }
            ("res.currency", "rate") => Cell::Float(1.0),
            ("product.product", "qty_available") => Cell::Float(self.db.stock_quantities(self.ctx, rec.id).0),
            ("product.product", "free_qty") => Cell::Float(self.db.stock_quantities(self.ctx, rec.id).1),
            ("stock.location", "complete_name") => Cell::Str(self.display_name(model, rec.id)),
            ("stock.quant", "inventory_quantity_auto_apply") => Cell::Float(rec.get("quantity").as_f64()),
            ("ir.model.data", "complete_name") => Cell::Str(format!(
                "{}.{}",
                rec.get("module").as_str().unwrap_or_default(),
                rec.get("name").as_str().unwrap_or_default()
            )),
            ("sale.order", "delivery_count") => {
                Cell::Int(self.get_named(model, rec.id, "picking_ids").ids().len() as i64)
            }
            // By the date in UTC (Odoo takes the assignee's time zone).
            ("mail.activity", "state") => {
                if matches!(rec.get("active"), Cell::Bool(false)) {
                    return Cell::Str("done".into());
                }
                let Some(deadline) = rec
                    .get("date_deadline")
                    .as_str()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, crate::db::DATE_FORMAT).ok())
                else {
                    return Cell::Null;
                };
                let today = self.db.now().date();
                Cell::Str(
                    match deadline.cmp(&today) {
                        Ordering::Less => "overdue",
                        Ordering::Equal => "today",
                        Ordering::Greater => "planned",
                    }
                    .into(),
                )
            }
            _ => Cell::Null,
        }
    }

    /// Text of a stored field in the context's language.
    fn text(&self, rec: &Record, field: &str, schema: &ModelSchema) -> String {
        let cell = match schema.field(field) {
            Some(f) => self.stored_text(rec, f),
            None => rec.get(field).clone(),
        };
        match cell {
            Cell::Str(s) => s,
            _ => String::new(),
        }
    }

    /// A record's display name, in the context's language.
    pub fn display_name(&self, model: &str, id: i64) -> String {
        let (Ok(schema), Some(rec)) = (self.schema(model), self.rec(model, id)) else {
            return String::new();
        };
        if let Cell::Str(name) = rec.get("display_name") {
            return name.clone();
        }
        let with_code = |code: &str, name: String| {
            if code.is_empty() {
                name
            } else {
                format!("[{code}] {name}")
            }
        };
        match model {
            "product.template" => with_code(
                &self.text(rec, "default_code", schema),
                self.text(rec, "name", schema),
            ),
            "product.product" => {
                let tmpl = rec.get("product_tmpl_id").as_id().unwrap_or(0);
                let name = match (
                    self.schema("product.template"),
                    self.rec("product.template", tmpl),
                ) {
                    (Ok(ts), Some(t)) => self.text(t, "name", ts),
                    _ => String::new(),
                };
                let mut values = Vec::new();
                if let Ok(ps) = self.schema("product.template.attribute.value") {
                    for p in rec.get("product_template_attribute_value_ids").ids() {
                        if let Some(v) = self.rec("product.template.attribute.value", *p) {
                            values.push(self.text(v, "name", ps));
                        }
                    }
                }
                let name = if values.is_empty() {
                    name
                } else {
                    format!("{name} ({})", values.join(", "))
                };
                with_code(&self.text(rec, "default_code", schema), name)
            }
            "product.category" | "product.public.category" | "res.partner.category" => {
                let mut names = Vec::new();
                let mut current = Some(id);
                while let Some(c) = current {
                    let Some(r) = self.rec(model, c) else { break };
                    names.push(self.text(r, "name", schema));
                    current = r.get("parent_id").as_id();
                    if names.len() > 30 {
                        break;
                    }
                }
                names.reverse();
                names.join(" / ")
            }
            "res.partner" => {
                let name = self.text(rec, "name", schema);
                match rec.get("parent_id").as_id() {
                    Some(parent) if !rec.get("is_company").as_bool() => {
                        let parent_name = self
                            .rec(model, parent)
                            .map(|p| self.text(p, "name", schema))
                            .unwrap_or_default();
                        if name.is_empty() {
                            parent_name
                        } else if parent_name.is_empty() {
                            name
                        } else {
                            format!("{parent_name}, {name}")
                        }
                    }
                    _ => name,
                }
            }
            "res.users" => match rec.get("partner_id").as_id() {
                Some(p) => self.field_text("res.partner", p, "name"),
                None => self.text(rec, "login", schema),
            },
            // `WH/Stock`: the parents' names (a view location's too).
            "stock.location" => {
                let mut names = Vec::new();
                let mut current = Some(id);
                while let Some(c) = current {
                    let Some(r) = self.rec(model, c) else { break };
                    names.push(self.text(r, "name", schema));
                    // A view location's name is its own.
                    if r.get("usage").as_str() == Some("view") || names.len() > 30 {
                        break;
                    }
                    current = r.get("location_id").as_id();
                }
                names.reverse();
                names.join("/")
            }
            "product.pricelist" => {
                let name = self.text(rec, "name", schema);
                match rec.get("currency_id").as_id() {
                    Some(c) => format!("{name} ({})", self.field_text("res.currency", c, "name")),
                    None => name,
                }
            }
            "product.pricelist.item" => match rec.get("applied_on").as_str().unwrap_or("3_global") {
                "2_product_category" => format!(
                    "Category: {}",
                    rec.get("categ_id")
                        .as_id()
                        .map(|c| self.display_name("product.category", c))
                        .unwrap_or_default()
                ),
                "1_product" => rec
                    .get("product_tmpl_id")
                    .as_id()
                    .map(|t| self.display_name("product.template", t))
                    .unwrap_or_default(),
                "0_product_variant" => rec
                    .get("product_id")
                    .as_id()
                    .map(|p| self.display_name("product.product", p))
                    .unwrap_or_default(),
                _ => "All Products".to_owned(),
            },
            "product.template.attribute.value" => {
                let value = self.text(rec, "name", schema);
                match rec.get("attribute_id").as_id() {
                    Some(a) => format!("{}: {value}", self.field_text("product.attribute", a, "name")),
                    None => value,
                }
            }
            "mail.activity" => {
                let summary = self.text(rec, "summary", schema);
                match rec.get("activity_type_id").as_id() {
                    Some(t) if summary.is_empty() => self.display_name("mail.activity.type", t),
                    _ => summary,
                }
            }
            "sale.order.line" => {
                let order = rec
                    .get("order_id")
                    .as_id()
                    .map(|o| self.field_text("sale.order", o, "name"))
                    .unwrap_or_default();
                let name = self.text(rec, "name", schema);
                let first = name.lines().next().unwrap_or_default().to_owned();
                if order.is_empty() {
                    first
                } else {
                    format!("{order} - {first}")
                }
            }
            _ => {
                let rec_name = if schema.field(&schema.rec_name).is_some_and(|f| f.is_stored()) {
                    schema.rec_name.as_str()
                } else {
                    "name"
                };
                let name = self.text(rec, rec_name, schema);
                if name.is_empty() && schema.field("name").is_none() {
                    format!("{model},{id}")
                } else {
                    name
                }
            }
        }
    }

    /// A cell as `read` sends it.
    pub fn to_value(&self, field: &FieldDef, cell: Cell, classic: bool) -> Value {
        match field.ftype {
            FieldType::Many2one => match cell.as_id() {
                Some(id) => match field.relation.as_deref() {
                    Some(model) if self.db.tables.contains_key(model) => {
                        if self.rec(model, id).is_none() {
                            Value::Bool(false)
                        } else if classic {
                            Value::Array(vec![Value::Int(id), Value::String(self.display_name(model, id))])
                        } else {
                            Value::Int(id)
                        }
                    }
                    Some(model) if classic => {
                        Value::Array(vec![Value::Int(id), Value::String(format!("{model},{id}"))])
                    }
                    _ => Value::Int(id),
                },
                None => Value::Bool(false),
            },
            FieldType::One2many | FieldType::Many2many => {
                Value::Array(cell.ids().iter().map(|i| Value::Int(*i)).collect())
            }
            FieldType::Integer => Value::Int(match cell {
                Cell::Int(i) => i,
                Cell::Float(f) => f as i64,
                _ => 0,
            }),
            FieldType::Float | FieldType::Monetary => Value::Double(cell.as_f64()),
            FieldType::Boolean => Value::Bool(cell.as_bool()),
            _ => match cell {
                Cell::Str(s) => Value::String(s),
                Cell::Int(i) => Value::String(i.to_string()),
                Cell::Float(f) => Value::String(f.to_string()),
                _ => Value::Bool(false),
            },
        }
    }

    /// `read(ids, fields)`; every field when `fields` is empty.
    pub fn read(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[String],
        classic: bool,
    ) -> Result<Vec<Struct>, OdooError> {
        let schema = self.schema(model)?;
        let selected: Vec<&FieldDef> = if fields.is_empty() {
            schema.fields.values().filter(|f| f.name != "id").collect()
        } else {
            let mut out = Vec::with_capacity(fields.len());
            for name in fields {
                match schema.field(name) {
                    Some(f) => {
                        if f.name != "id" {
                            out.push(f);
                        }
                    }
                    None => {
                        return Err(OdooError::value_error(format!(
                            "Invalid field {name:?} on model {model:?}"
                        )))
                    }
                }
            }
            out
        };
        // Real Odoo (16 to 19, XML-RPC and JSON-2) leaves out the ids that
        // do not exist: `read` of a missing id is `[]`, not a MissingError.
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(rec) = self.rec(model, *id) else { continue };
            let mut row = Struct::new();
            row.insert("id", Value::Int(*id));
            for f in &selected {
                let cell = self.get(schema, rec, f);
                row.insert(f.name.clone(), self.to_value(f, cell, classic));
            }
            rows.push(row);
        }
        Ok(rows)
    }

    // ----- ordering -----------------------------------------------------

    /// The model's default order, parsed (unknown fields skipped).
    pub fn default_order(&self, model: &str) -> Rc<Vec<OrderTerm>> {
        if let Some(found) = self.orders.borrow().get(model) {
            return found.clone();
        }
        let terms = match self.schema(model) {
            Ok(schema) => {
                let mut terms = Vec::new();
                for part in schema.order.split(',') {
                    if let Ok(Some(t)) = parse_term(schema, part) {
                        terms.push(t);
                    }
                }
                terms
            }
            Err(_) => Vec::new(),
        };
        let terms = Rc::new(terms);
        self.orders.borrow_mut().insert(model.to_owned(), terms.clone());
        terms
    }

    /// Sorts ids in place; ties end in id order.
    pub fn sort(&self, schema: &ModelSchema, ids: &mut [i64], terms: &[OrderTerm]) {
        if ids.len() < 2 {
            return;
        }
        let fields: Vec<Option<&FieldDef>> = terms.iter().map(|t| schema.field(&t.field)).collect();
        let mut keyed: Vec<(Vec<Key>, i64)> = ids
            .iter()
            .map(|id| {
                let keys = match self.rec(&schema.name, *id) {
                    Some(rec) => fields
                        .iter()
                        .map(|f| match f {
                            Some(f) => self.key(schema, rec, f),
                            None => Key::Null,
                        })
                        .collect(),
                    None => Vec::new(),
                };
                (keys, *id)
            })
            .collect();
        keyed.sort_by(|(a, ida), (b, idb)| {
            for (i, term) in terms.iter().enumerate() {
                let (Some(x), Some(y)) = (a.get(i), b.get(i)) else {
                    break;
                };
                let ord = match (x, y) {
                    (Key::Null, Key::Null) => Ordering::Equal,
                    (Key::Null, _) => {
                        if term.nulls_first {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (_, Key::Null) => {
                        if term.nulls_first {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    _ => {
                        let o = cmp_keys(x, y);
                        if term.desc {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            ida.cmp(idb)
        });
        for (slot, (_, id)) in ids.iter_mut().zip(keyed) {
            *slot = id;
        }
    }

    fn key(&self, schema: &ModelSchema, rec: &Record, field: &FieldDef) -> Key {
        if field.name == "id" {
            return Key::Num(rec.id as f64);
        }
        let cell = self.get_unordered(schema, rec, field);
        match field.ftype {
            FieldType::Many2one => match cell.as_id() {
                Some(id) => {
                    let name = field
                        .relation
                        .as_deref()
                        .map(|m| self.display_name(m, id))
                        .unwrap_or_default();
                    Key::Text(fold(&name), name)
                }
                None => Key::Null,
            },
            FieldType::Integer | FieldType::Float | FieldType::Monetary => Key::Num(cell.as_f64()),
            FieldType::Boolean => Key::Bool(cell.as_bool()),
            FieldType::One2many | FieldType::Many2many => Key::Null,
            _ => match cell {
                Cell::Str(s) => Key::Text(fold(&s), s),
                _ => Key::Null,
            },
        }
    }
}

fn cmp_keys(a: &Key, b: &Key) -> Ordering {
    match (a, b) {
        (Key::Bool(x), Key::Bool(y)) => x.cmp(y),
        (Key::Num(x), Key::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Key::Text(fx, x), Key::Text(fy, y)) => fx.cmp(fy).then_with(|| x.cmp(y)),
        _ => Ordering::Equal,
    }
}

/// Lower case without the common Latin accents (a collation's first level).
pub(crate) fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c => c,
        })
        .collect()
}

fn invalid_order(text: &str) -> OdooError {
    OdooError::value_error(format!(
        "Invalid \"order\" specified ({text}). A valid \"order\" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)"
    ))
}

fn parse_term(schema: &ModelSchema, part: &str) -> Result<Option<OrderTerm>, OdooError> {
    let words: Vec<&str> = part.split_whitespace().collect();
    let Some(name) = words.first() else {
        return Ok(None);
    };
    let name = name.trim_matches('"');
    let field = schema.field(name).ok_or_else(|| invalid_order(part))?;
    if field.ftype.is_x2many() {
        return Err(invalid_order(part));
    }
    let mut desc = false;
    let mut nulls: Option<bool> = None;
    let mut rest = words[1..].iter().map(|w| w.to_ascii_lowercase());
    while let Some(word) = rest.next() {
        match word.as_str() {
            "asc" => desc = false,
            "desc" => desc = true,
            "nulls" => match rest.next().as_deref() {
                Some("first") => nulls = Some(true),
                Some("last") => nulls = Some(false),
                _ => return Err(invalid_order(part)),
            },
            _ => return Err(invalid_order(part)),
        }
    }
    Ok(Some(OrderTerm {
        field: name.to_owned(),
        desc,
        nulls_first: nulls.unwrap_or(desc),
    }))
}

/// Parses an `order` argument (`"write_date desc, id"`).
pub(crate) fn parse_order(schema: &ModelSchema, text: &str) -> Result<Vec<OrderTerm>, OdooError> {
    let mut terms = Vec::new();
    for part in text.split(',') {
        if part.trim().is_empty() {
            if text.trim().is_empty() {
                continue;
            }
            return Err(invalid_order(text));
        }
        if let Some(t) = parse_term(schema, part).map_err(|_| invalid_order(text))? {
            terms.push(t);
        }
    }
    Ok(terms)
}
