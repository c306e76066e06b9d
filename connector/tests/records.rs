//! Typed records against the recordings of real Odoo servers
//! (../shared/odoo-wire/<series>/): every recorded `search_read` or `read`
//! whose model has a typed record, and whose requested fields cover what
//! that record needs, decodes into it, and each typed field agrees with the
//! raw value Odoo sent. The record type is picked from the request's model,
//! so a new recording is checked without new code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};
use connector::error::Error;
use connector::records::{
    self, fields, AmountType, CalendarEvent, Command, Company, Currency, Many2one, NewOrderLine,
    NewSaleOrder, PriceInclusion, Pricelist, PricelistItem, ProductCategory, ProductTemplate, ProductVariant,
    PublicCategory, Record, SaleOrder, SaleOrderLine, SaleOrderState, Tax, Uom, User,
};
use connector::records::{Partner, SymbolPosition};
use connector::xmlrpc::{decode_call, decode_response, MethodResponse, Struct, Value};
use rust_decimal::Decimal;

fn wire_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/odoo-wire")
}

/// Every series folder (one with an `index.json`), sorted.
fn series_dirs() -> Vec<PathBuf> {
    let root = wire_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("index.json").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 4,
        "expected the 16.0 to 19.0 recordings, found {dirs:?}"
    );
    dirs
}

/// A recorded read: the model, the fields asked for, and the answer.
struct Exchange {
    series: String,
    file: String,
    model: String,
    method: String,
    requested: HashSet<String>,
    rows: Vec<Struct>,
    /// Each member's `<double>` texts, in the order they appear: Odoo's own
    /// digits, which decoded decimals must equal.
    doubles: BTreeMap<String, Vec<String>>,
}

impl Exchange {
    fn label(&self) -> String {
        format!("{}/{} ({}.{})", self.series, self.file, self.model, self.method)
    }

    fn response(&self) -> Value {
        Value::Array(self.rows.iter().cloned().map(Value::Struct).collect())
    }
}

/// The `execute_kw` reads of a series that Odoo answered with records.
fn recorded_reads(dir: &Path) -> Vec<Exchange> {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let series = index["server_serie"].as_str().unwrap().to_owned();
    let mut out = Vec::new();
    for call in index["calls"].as_array().unwrap() {
        let file = call["file"].as_str().unwrap();
        if call["method"] != "execute_kw" || !call["fault"].is_null() {
            continue;
        }
        let request = decode_call(&std::fs::read(dir.join(format!("{file}.request.xml"))).unwrap()).unwrap();
        let model = request.params[3].as_str().unwrap().to_owned();
        let method = request.params[4].as_str().unwrap().to_owned();
        if method != "search_read" && method != "read" {
            continue;
        }
        let kwargs = request.params.get(6).and_then(Value::as_struct);
        let positional = request.params[5].as_array().and_then(|args| args.get(1));
        let Some(fields) = kwargs.and_then(|k| k.get("fields")).or(positional) else {
            continue;
        };
        let requested: HashSet<String> = fields
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect();
        let xml = std::fs::read_to_string(dir.join(format!("{file}.response.xml"))).unwrap();
        let Ok(MethodResponse::Success(Value::Array(rows))) = decode_response(xml.as_bytes()) else {
            panic!("{series}/{file}: not a list of records");
        };
        let rows = rows
            .into_iter()
            .map(|r| match r {
                Value::Struct(s) => s,
                other => panic!("{series}/{file}: a row is {other}"),
            })
            .collect();
        out.push(Exchange {
            series: series.clone(),
            file: file.to_owned(),
            model,
            method,
            requested,
            rows,
            doubles: double_texts(&xml),
        });
    }
    out
}

/// The text of every `<double>` member, by member name, in order.
fn double_texts(xml: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rest = xml;
    while let Some(at) = rest.find("<name>") {
        rest = &rest[at + "<name>".len()..];
        let end = rest.find("</name>").unwrap();
        let name = &rest[..end];
        rest = rest[end + "</name>".len()..].trim_start();
        if let Some(value) = rest.strip_prefix("<value><double>") {
            let end = value.find("</double>").unwrap();
            out.entry(name.to_owned())
                .or_default()
                .push(value[..end].to_owned());
        }
    }
    out
}

/// What the checks of one row may look at.
struct Row<'a> {
    exchange: &'a Exchange,
    index: usize,
    raw: &'a Struct,
}

impl Row<'_> {
    fn at(&self, field: &str) -> String {
        format!("{} [{}].{field}", self.exchange.label(), self.index)
    }

    fn raw(&self, field: &str) -> &Value {
        self.raw
            .get(field)
            .unwrap_or_else(|| panic!("{}: not in the answer", self.at(field)))
    }

    fn id(&self, id: i64) {
        assert!(id > 0, "{}", self.at("id"));
        assert_eq!(Value::Int(id), *self.raw("id"), "{}", self.at("id"));
    }

    fn string(&self, field: &str, typed: &str) {
        assert_eq!(Value::from(typed), *self.raw(field), "{}", self.at(field));
    }

    fn non_empty(&self, field: &str, typed: &str) {
        self.string(field, typed);
        assert!(!typed.is_empty(), "{}", self.at(field));
    }

    /// `false` became `None`; a string stayed itself.
    fn opt_string(&self, field: &str, typed: &Option<String>) {
        match (typed, self.raw(field)) {
            (None, Value::Bool(false)) => {}
            (Some(s), Value::String(raw)) => assert_eq!(s, raw, "{}", self.at(field)),
            (typed, raw) => panic!("{}: {typed:?} from {raw}", self.at(field)),
        }
    }

    fn boolean(&self, field: &str, typed: bool) {
        assert_eq!(Value::Bool(typed), *self.raw(field), "{}", self.at(field));
    }

    fn int(&self, field: &str, typed: i64) {
        assert_eq!(Value::Int(typed), *self.raw(field), "{}", self.at(field));
    }

    fn m2o(&self, field: &str, typed: &Many2one) {
        let raw = self
            .raw(field)
            .as_array()
            .unwrap_or_else(|| panic!("{}", self.at(field)));
        assert!(
            typed.id > 0 && !typed.name.is_empty(),
            "{}: {typed:?}",
            self.at(field)
        );
        assert_eq!(
            raw,
            [Value::Int(typed.id), Value::from(typed.name.as_str())],
            "{}",
            self.at(field)
        );
    }

    fn opt_m2o(&self, field: &str, typed: &Option<Many2one>) {
        match typed {
            Some(m) => self.m2o(field, m),
            None => assert_eq!(*self.raw(field), Value::Bool(false), "{}", self.at(field)),
        }
    }

    fn ids(&self, field: &str, typed: &[i64]) {
        assert_eq!(Value::from(typed), *self.raw(field), "{}", self.at(field));
        assert!(typed.iter().all(|id| *id > 0), "{}", self.at(field));
    }

    fn datetime(&self, field: &str, typed: &DateTime<Utc>) {
        assert_eq!(
            Value::from(fields::format_datetime(typed)),
            *self.raw(field),
            "{}",
            self.at(field)
        );
        assert!(typed.year() >= 2020, "{}: {typed}", self.at(field));
    }

    fn opt_datetime(&self, field: &str, typed: &Option<DateTime<Utc>>) {
        match typed {
            Some(dt) => self.datetime(field, dt),
            None => assert_eq!(*self.raw(field), Value::Bool(false), "{}", self.at(field)),
        }
    }

    /// The decimal equals the digits Odoo wrote, with no binary noise and
    /// no trailing zeros (`14.0` is `14`).
    fn decimal(&self, field: &str, typed: &Decimal) {
        let texts = self
            .exchange
            .doubles
            .get(field)
            .unwrap_or_else(|| panic!("{}: no <double> in the answer", self.at(field)));
        assert_eq!(texts.len(), self.exchange.rows.len(), "{}", self.at(field));
        let text = &texts[self.index];
        let odoo = Decimal::from_str(text)
            .or_else(|_| Decimal::from_scientific(text))
            .unwrap_or_else(|e| panic!("{}: {text}: {e}", self.at(field)));
        assert_eq!(*typed, odoo, "{}", self.at(field));
        assert_eq!(
            typed.to_string(),
            odoo.normalize().to_string(),
            "{}",
            self.at(field)
        );
    }

    fn opt_decimal(&self, field: &str, typed: &Option<Decimal>) {
        match typed {
            Some(d) => self.decimal(field, d),
            None => assert!(
                matches!(self.raw.get(field), None | Some(Value::Bool(false))),
                "{}",
                self.at(field)
            ),
        }
    }

    fn is_19_or_later(&self) -> bool {
        self.exchange.series.as_str() >= "19.0"
    }
}

/// What the series' recordings showed, for the assertions across them.
#[derive(Default)]
struct Seen {
    /// Models decoded, by series.
    models: BTreeMap<String, BTreeSet<String>>,
    rows: usize,
    rows_by_model: BTreeMap<String, usize>,
    templates_without_category: usize,
    taxes_included: usize,
    weighed: usize,
    half_quantities: usize,
}

trait Check: Record + Debug {
    fn check(&self, row: &Row<'_>, seen: &mut Seen);
}

impl Check for ProductTemplate {
    fn check(&self, row: &Row<'_>, seen: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.non_empty("display_name", &self.display_name);
        row.decimal("list_price", &self.list_price);
        assert!(self.list_price >= Decimal::ZERO, "{}", row.at("list_price"));
        row.opt_string("description_sale", &self.description_sale);
        row.opt_m2o("categ_id", &self.categ_id);
        if self.categ_id.is_none() {
            assert!(
                row.is_19_or_later(),
                "{}: only Odoo 19 allows none",
                row.at("categ_id")
            );
            seen.templates_without_category += 1;
        }
        row.ids("public_categ_ids", &self.public_categ_ids);
        row.m2o("uom_id", &self.uom_id);
        row.ids("taxes_id", &self.taxes_id);
        row.boolean("sale_ok", self.sale_ok);
        row.boolean("active", self.active);
        row.boolean(
            "is_published",
            self.is_published.expect("website_sale is installed"),
        );
        row.opt_string("default_code", &self.default_code);
        row.opt_string("barcode", &self.barcode);
        row.datetime("write_date", &self.write_date);
        row.ids("product_variant_ids", &self.product_variant_ids);
        assert!(
            !self.product_variant_ids.is_empty(),
            "{}",
            row.at("product_variant_ids")
        );
        row.decimal("weight", &self.weight);
        row.boolean("to_weight", self.to_weight);
        if self.to_weight || self.uom_id.name.to_lowercase().starts_with("kg") {
            seen.weighed += 1;
        }
    }
}

impl Check for ProductVariant {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.m2o("product_tmpl_id", &self.product_tmpl_id);
        row.non_empty("display_name", &self.display_name);
        row.decimal("lst_price", &self.lst_price);
        row.decimal("price_extra", &self.price_extra);
        row.opt_string("default_code", &self.default_code);
        row.opt_string("barcode", &self.barcode);
        row.ids(
            "product_template_attribute_value_ids",
            &self.product_template_attribute_value_ids,
        );
        row.datetime("write_date", &self.write_date);
        row.boolean("active", self.active);
        row.opt_decimal("standard_price", &self.standard_price);
    }
}

impl Check for PublicCategory {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.non_empty("display_name", &self.display_name);
        row.opt_m2o("parent_id", &self.parent_id);
        row.int("sequence", self.sequence);
        row.ids("child_id", &self.child_id);
        row.datetime("write_date", &self.write_date);
        if let Some(parent) = &self.parent_id {
            assert!(
                self.display_name.starts_with(&parent.name),
                "{}",
                row.at("display_name")
            );
        }
    }
}

impl Check for ProductCategory {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.non_empty("complete_name", &self.complete_name);
        row.opt_m2o("parent_id", &self.parent_id);
        row.datetime("write_date", &self.write_date);
        assert!(
            self.complete_name.ends_with(&self.name),
            "{}",
            row.at("complete_name")
        );
    }
}

impl Check for Pricelist {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.m2o("currency_id", &self.currency_id);
        row.ids("item_ids", &self.item_ids);
        row.boolean("active", self.active);
        row.datetime("write_date", &self.write_date);
    }
}

impl Check for PricelistItem {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        use connector::records::{AppliedOn, PriceBase};
        row.id(self.id);
        row.m2o("pricelist_id", &self.pricelist_id);
        row.string("applied_on", self.applied_on.as_str());
        row.string("compute_price", self.compute_price.as_str());
        row.string("base", self.base.as_str());
        assert_eq!(Value::from(self.base), *row.raw("base"));
        for (field, value) in [
            ("fixed_price", &self.fixed_price),
            ("percent_price", &self.percent_price),
            ("price_discount", &self.price_discount),
            ("price_surcharge", &self.price_surcharge),
            ("price_round", &self.price_round),
            ("price_min_margin", &self.price_min_margin),
            ("price_max_margin", &self.price_max_margin),
            ("min_quantity", &self.min_quantity),
        ] {
            row.decimal(field, value);
        }
        row.opt_m2o("base_pricelist_id", &self.base_pricelist_id);
        assert_eq!(
            self.base == PriceBase::Pricelist,
            self.base_pricelist_id.is_some(),
            "{}",
            row.at("base_pricelist_id")
        );
        row.opt_datetime("date_start", &self.date_start);
        row.opt_datetime("date_end", &self.date_end);
        row.opt_m2o("product_tmpl_id", &self.product_tmpl_id);
        row.opt_m2o("product_id", &self.product_id);
        row.opt_m2o("categ_id", &self.categ_id);
        match self.applied_on {
            AppliedOn::ProductVariant => assert!(self.product_id.is_some(), "{}", row.at("product_id")),
            AppliedOn::Product => assert!(self.product_tmpl_id.is_some(), "{}", row.at("product_tmpl_id")),
            AppliedOn::ProductCategory => assert!(self.categ_id.is_some(), "{}", row.at("categ_id")),
            _ => {}
        }
        row.datetime("write_date", &self.write_date);
    }
}

impl Check for Tax {
    fn check(&self, row: &Row<'_>, seen: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.decimal("amount", &self.amount);
        row.string("amount_type", self.amount_type.as_str());
        if self.amount_type == AmountType::Group {
            assert!(
                !self.children_tax_ids.is_empty(),
                "{}",
                row.at("children_tax_ids")
            );
        }
        // The server computed price_include itself: the resolution agrees.
        row.boolean("price_include", self.price_include);
        match (self.price_include_override, row.raw.get("price_include_override")) {
            (None, None | Some(Value::Bool(false))) => {}
            (Some(PriceInclusion::TaxIncluded), Some(raw)) => {
                assert_eq!(
                    *raw,
                    Value::from("tax_included"),
                    "{}",
                    row.at("price_include_override")
                );
                assert!(self.price_include);
            }
            (Some(PriceInclusion::TaxExcluded), Some(raw)) => {
                assert_eq!(
                    *raw,
                    Value::from("tax_excluded"),
                    "{}",
                    row.at("price_include_override")
                );
                assert!(!self.price_include);
            }
            (typed, raw) => panic!("{}: {typed:?} from {raw:?}", row.at("price_include_override")),
        }
        if self.price_include {
            seen.taxes_included += 1;
        }
        row.opt_string("description", &self.description);
        row.ids("children_tax_ids", &self.children_tax_ids);
        row.boolean("include_base_amount", self.include_base_amount);
    }
}

impl Check for Uom {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.decimal("factor", &self.factor);
        assert!(self.factor > Decimal::ZERO, "{}", row.at("factor"));
        row.decimal("rounding", &self.rounding);
        if row.is_19_or_later() {
            assert_eq!(
                (&self.category_id, self.uom_type),
                (&None, None),
                "{}",
                row.at("category_id")
            );
            row.opt_m2o("relative_uom_id", &self.relative_uom_id);
            row.opt_decimal("relative_factor", &self.relative_factor);
            assert!(self.relative_factor.is_some(), "{}", row.at("relative_factor"));
        } else {
            row.m2o(
                "category_id",
                self.category_id.as_ref().expect("a category before 19"),
            );
            row.string("uom_type", self.uom_type.expect("a type before 19").as_str());
            assert_eq!((&self.relative_uom_id, self.relative_factor), (&None, None));
        }
    }
}

impl Check for Partner {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.opt_string("name", &self.name);
        assert!(self.name.is_some(), "{}", row.at("name"));
        row.opt_string("email", &self.email);
        row.opt_string("lang", &self.lang);
        row.opt_m2o("property_product_pricelist", &self.property_product_pricelist);
        row.opt_m2o("commercial_partner_id", &self.commercial_partner_id);
        row.datetime("write_date", &self.write_date);
        row.ids("user_ids", &self.user_ids);
    }
}

impl Check for User {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("login", &self.login);
        row.m2o("partner_id", &self.partner_id);
        row.boolean("share", self.share);
        row.boolean("active", self.active);
        if row.raw.get("group_ids").or(row.raw.get("groups_id")).is_none() {
            assert!(self.group_ids.is_empty());
        }
    }
}

impl Check for Currency {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.non_empty("symbol", &self.symbol);
        row.string("position", self.position.as_str());
        assert!(matches!(
            self.position,
            SymbolPosition::Before | SymbolPosition::After
        ));
        row.decimal("rounding", &self.rounding);
        row.int("decimal_places", i64::from(self.decimal_places));
        assert_eq!(
            self.rounding,
            Decimal::new(1, self.decimal_places),
            "{}",
            row.at("rounding")
        );
    }
}

impl Check for Company {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.m2o("currency_id", &self.currency_id);
        row.m2o("partner_id", &self.partner_id);
    }
}

impl Check for CalendarEvent {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.datetime("start", &self.start);
        row.datetime("stop", &self.stop);
        assert!(self.start < self.stop, "{}", row.at("stop"));
        row.boolean("allday", self.allday);
        row.opt_string("location", &self.location);
        row.opt_string("description", &self.description);
        row.ids("categ_ids", &self.categ_ids);
        row.boolean("recurrency", self.recurrency);
        row.datetime("write_date", &self.write_date);
    }
}

impl Check for SaleOrder {
    fn check(&self, row: &Row<'_>, _: &mut Seen) {
        row.id(self.id);
        row.non_empty("name", &self.name);
        row.string("state", self.state.as_str());
        assert_eq!(
            self.state,
            SaleOrderState::Draft,
            "{}: a fresh quotation",
            row.at("state")
        );
        row.m2o("partner_id", &self.partner_id);
        row.opt_m2o("pricelist_id", &self.pricelist_id);
        row.decimal("amount_untaxed", &self.amount_untaxed);
        row.decimal("amount_tax", &self.amount_tax);
        row.decimal("amount_total", &self.amount_total);
        assert_eq!(
            self.amount_untaxed + self.amount_tax,
            self.amount_total,
            "{}",
            row.at("amount_total")
        );
        row.opt_datetime("commitment_date", &self.commitment_date);
        row.opt_string("client_order_ref", &self.client_order_ref);
        row.ids("tag_ids", &self.tag_ids);
        row.ids("order_line", &self.order_line);
    }
}

impl Check for SaleOrderLine {
    fn check(&self, row: &Row<'_>, seen: &mut Seen) {
        row.id(self.id);
        row.opt_m2o("product_id", &self.product_id);
        row.decimal("product_uom_qty", &self.product_uom_qty);
        row.decimal("price_unit", &self.price_unit);
        row.decimal("discount", &self.discount);
        row.decimal("price_subtotal", &self.price_subtotal);
        row.decimal("price_total", &self.price_total);
        let taxes = if row.is_19_or_later() { "tax_ids" } else { "tax_id" };
        row.ids(taxes, &self.tax_ids);
        if self.product_uom_qty == Decimal::new(5, 1) {
            seen.half_quantities += 1;
        }
    }
}

/// Decodes `exchange` as `R` when it asked for every field `R` needs, and
/// checks each row against the raw answer; `false` when it did not.
fn check_as<R: Check>(exchange: &Exchange, seen: &mut Seen) -> bool {
    let Ok(names) = R::field_names(&exchange.requested) else {
        return false;
    };
    // The record reads exactly what real servers were asked for.
    let mut asked = exchange.requested.clone();
    asked.remove("id");
    let names: HashSet<String> = names.into_iter().map(str::to_owned).collect();
    assert_eq!(names, asked, "{}: the record's fields", exchange.label());

    let label = format!("{}.{}", exchange.model, exchange.method);
    let typed: Vec<R> =
        records::decode(&label, exchange.response()).unwrap_or_else(|e| panic!("{}: {e}", exchange.label()));
    assert_eq!(typed.len(), exchange.rows.len());
    for (index, (record, raw)) in typed.iter().zip(&exchange.rows).enumerate() {
        record.check(&Row { exchange, index, raw }, seen);
    }
    seen.rows += typed.len();
    *seen.rows_by_model.entry(exchange.model.clone()).or_default() += typed.len();
    seen.models
        .entry(exchange.series.clone())
        .or_default()
        .insert(exchange.model.clone());
    true
}

/// The record type of a model, if it has one.
fn check_exchange(exchange: &Exchange, seen: &mut Seen) -> bool {
    match exchange.model.as_str() {
        ProductTemplate::MODEL => check_as::<ProductTemplate>(exchange, seen),
        ProductVariant::MODEL => check_as::<ProductVariant>(exchange, seen),
        PublicCategory::MODEL => check_as::<PublicCategory>(exchange, seen),
        ProductCategory::MODEL => check_as::<ProductCategory>(exchange, seen),
        Pricelist::MODEL => check_as::<Pricelist>(exchange, seen),
        PricelistItem::MODEL => check_as::<PricelistItem>(exchange, seen),
        Tax::MODEL => check_as::<Tax>(exchange, seen),
        Uom::MODEL => check_as::<Uom>(exchange, seen),
        Partner::MODEL => check_as::<Partner>(exchange, seen),
        User::MODEL => check_as::<User>(exchange, seen),
        Currency::MODEL => check_as::<Currency>(exchange, seen),
        Company::MODEL => check_as::<Company>(exchange, seen),
        CalendarEvent::MODEL => check_as::<CalendarEvent>(exchange, seen),
        SaleOrder::MODEL => check_as::<SaleOrder>(exchange, seen),
        SaleOrderLine::MODEL => check_as::<SaleOrderLine>(exchange, seen),
        _ => false,
    }
}

#[test]
fn every_recorded_read_decodes_into_its_typed_record() {
    let mut seen = Seen::default();
    let mut decoded = Vec::new();
    for dir in series_dirs() {
        for exchange in recorded_reads(&dir) {
            if check_exchange(&exchange, &mut seen) {
                decoded.push(exchange.label());
            }
        }
    }
    println!("decoded {} rows from {} exchanges:", seen.rows, decoded.len());
    for label in &decoded {
        println!("  {label}");
    }

    let expected: BTreeSet<String> = [
        ProductTemplate::MODEL,
        ProductVariant::MODEL,
        PublicCategory::MODEL,
        ProductCategory::MODEL,
        Pricelist::MODEL,
        PricelistItem::MODEL,
        Tax::MODEL,
        Uom::MODEL,
        Partner::MODEL,
        User::MODEL,
        Currency::MODEL,
        Company::MODEL,
        CalendarEvent::MODEL,
        SaleOrder::MODEL,
        SaleOrderLine::MODEL,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert!(seen.models.len() >= 4, "{:?}", seen.models.keys());
    for (series, models) in &seen.models {
        let missing: Vec<_> = expected.difference(models).collect();
        assert!(
            missing.is_empty(),
            "{series}: no recording decoded as {missing:?}"
        );
    }
    // Some answers are empty (17.0 has no pickup event), but every record
    // type met real rows.
    for model in &expected {
        assert!(
            seen.rows_by_model.get(model).copied().unwrap_or(0) > 0,
            "no {model} rows"
        );
    }
    // What the README says the recordings show.
    assert!(
        seen.templates_without_category > 0,
        "Odoo 19 allows a product without category"
    );
    assert!(seen.taxes_included > 0, "taxes included in the price");
    assert!(seen.half_quantities > 0, "a line of 0.5");
    assert!(seen.weighed > 0, "goods sold by the kilo");
}

/// Recording 06 (a page of products) of the first series.
fn templates_answer() -> Value {
    let dir = &series_dirs()[0];
    let xml = std::fs::read(dir.join("06-search-read-templates.response.xml")).unwrap();
    let Ok(MethodResponse::Success(value)) = decode_response(&xml) else {
        panic!("06 is not a success")
    };
    value
}

fn set_member(rows: &mut Value, index: usize, field: &str, value: Option<Value>) {
    let Value::Array(items) = rows else { panic!() };
    let Value::Struct(row) = &mut items[index] else {
        panic!()
    };
    match value {
        Some(v) => row.insert(field, v),
        None => {
            row.remove(field);
        }
    }
}

fn decode_error(value: Value) -> (String, String, String) {
    match records::decode::<Vec<ProductTemplate>>("product.template.search_read", value) {
        Err(Error::Decode { call, field, message }) => (call, field, message),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn decode_errors_name_the_field() {
    let good = templates_answer();
    assert!(records::decode::<Vec<ProductTemplate>>("t", good.clone()).is_ok());

    let mut bad = good.clone();
    set_member(&mut bad, 1, "list_price", Some(Value::from("abc")));
    let (call, field, message) = decode_error(bad);
    assert_eq!(call, "product.template.search_read");
    assert_eq!(field, "[1].list_price");
    assert!(message.contains("invalid"), "{message}");

    let mut bad = good.clone();
    set_member(&mut bad, 3, "write_date", Some(Value::from("yesterday")));
    let (_, field, message) = decode_error(bad);
    assert_eq!(field, "[3].write_date");
    assert!(message.contains("yesterday"), "{message}");

    let mut bad = good.clone();
    set_member(
        &mut bad,
        2,
        "categ_id",
        Some(Value::from(vec![Value::from("3"), Value::from("All")])),
    );
    assert_eq!(decode_error(bad).1, "[2].categ_id[0]");

    let mut bad = good.clone();
    set_member(
        &mut bad,
        0,
        "taxes_id",
        Some(Value::from(vec![Value::Int(1), Value::Double(2.0)])),
    );
    assert_eq!(decode_error(bad).1, "[0].taxes_id[1]");

    let mut bad = good.clone();
    set_member(&mut bad, 4, "uom_id", None);
    let (_, field, message) = decode_error(bad);
    assert_eq!(field, "[4]");
    assert_eq!(message, "missing field `uom_id`");

    // `false` where a value is required is an error too.
    let mut bad = good.clone();
    set_member(&mut bad, 5, "name", Some(Value::Bool(false)));
    assert_eq!(decode_error(bad).1, "[5].name");

    let err =
        records::decode::<Vec<ProductTemplate>>("product.template.search_read", Value::Int(3)).unwrap_err();
    assert!(err.to_string().contains("product.template.search_read"), "{err}");
    assert!(
        matches!(err, Error::Decode { ref field, .. } if field == "."),
        "{err:?}"
    );

    // Members a record does not read are ignored; optional fields may lack.
    let mut extra = good;
    set_member(&mut extra, 0, "image_1920", Some(Value::from("aGk=")));
    set_member(&mut extra, 0, "is_published", None);
    set_member(&mut extra, 0, "to_weight", None);
    set_member(&mut extra, 0, "public_categ_ids", None);
    let rows: Vec<ProductTemplate> = records::decode("t", extra).unwrap();
    assert_eq!(rows[0].is_published, None);
    assert!(!rows[0].to_weight);
    assert!(rows[0].public_categ_ids.is_empty());
}

#[test]
fn new_sale_orders_are_written_as_recorded() {
    for dir in series_dirs() {
        let request =
            decode_call(&std::fs::read(dir.join("26-create-sale-order.request.xml")).unwrap()).unwrap();
        assert_eq!(request.params[3], Value::from("sale.order"));
        assert_eq!(request.params[4], Value::from("create"));
        let Value::Struct(recorded) = &request.params[5].as_array().unwrap()[0] else {
            panic!("create takes a struct")
        };
        let id = |name: &str| recorded.get(name).and_then(Value::as_i64).unwrap();

        let mut order = NewSaleOrder::new(id("partner_id"));
        order.pricelist_id = Some(id("pricelist_id"));
        order.commitment_date = Some(fields::parse_datetime("2030-06-14 09:00:00").unwrap());
        order.client_order_ref = Some("web-0001".to_owned());
        order.tag_ids = vec![9];
        order.note = Some("Pickup: Saturday 14 June 2030, 09:00-12:00, Shop".to_owned());
        order.lines = vec![
            NewOrderLine::new(1, Decimal::from(2)),
            NewOrderLine::new(2, Decimal::from_str("0.5").unwrap()),
        ];
        let values = order.to_values();
        assert_eq!(values, *recorded, "{}", dir.display());
        // In the same order, too, so the encoded request reads the same.
        let names = |s: &Struct| s.iter().map(|(k, _)| k.to_owned()).collect::<Vec<_>>();
        assert_eq!(names(&values), names(recorded));
        assert_eq!(
            values.get("order_line").and_then(Value::as_array).map(|l| l
                .iter()
                .map(|c| Command::from_value(c).unwrap())
                .collect::<Vec<_>>()),
            Some(vec![
                Command::Create(Struct::new().with("product_id", 1).with("product_uom_qty", 2)),
                Command::Create(Struct::new().with("product_id", 2).with("product_uom_qty", 0.5)),
            ])
        );

        order.origin = Some("La Fournée".to_owned());
        assert_eq!(order.to_values().get("origin"), Some(&Value::from("La Fournée")));
    }
}

/// Odoo 18+ computes `price_include` from the tax's override and the
/// company's default; where the recordings read the override, resolving it
/// gives what the server computed.
#[test]
fn recorded_tax_overrides_resolve_to_the_servers_price_include() {
    let mut overrides = 0;
    for dir in series_dirs() {
        for exchange in recorded_reads(&dir) {
            if exchange.model != Tax::MODEL || !exchange.requested.contains("price_include_override") {
                continue;
            }
            let taxes: Vec<Tax> = records::decode("account.tax.search_read", exchange.response()).unwrap();
            for (tax, raw) in taxes.iter().zip(&exchange.rows) {
                let as_read = raw.get("price_include").and_then(Value::as_bool).unwrap();
                assert_eq!(tax.price_include, as_read, "{}: tax {}", exchange.label(), tax.id);
                if let Some(own) = tax.price_include_override {
                    overrides += 1;
                    // Whatever the company says, the override decides.
                    for company in [
                        None,
                        Some(PriceInclusion::TaxIncluded),
                        Some(PriceInclusion::TaxExcluded),
                    ] {
                        assert_eq!(Tax::resolve_price_include(Some(own), company, !as_read), as_read);
                    }
                }
            }
        }
    }
    assert!(overrides > 0, "no recording read price_include_override");
}
