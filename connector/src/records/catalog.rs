//! The catalog: products, their variants, categories, units of measure.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::fields::{self, Many2one};
use super::{FieldSpec, Record};

/// A product (`product.template`): what the shop lists.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct ProductTemplate {
    /// The id.
    pub id: i64,
    /// The name, in the call's language (it may hold markup: it is data).
    pub name: String,
    /// The name with the internal reference, e.g. `[FURN_7888] Desk`.
    pub display_name: String,
    /// The sales price, in the company's currency.
    #[serde(with = "fields::decimal")]
    pub list_price: Decimal,
    /// The sales description, in the call's language.
    pub description_sale: Option<String>,
    /// The internal category; Odoo 19 allows none.
    pub categ_id: Option<Many2one>,
    /// The website categories (website_sale); empty without the module.
    #[serde(with = "fields::x2many", default)]
    pub public_categ_ids: Vec<i64>,
    /// The unit of measure it is sold in.
    pub uom_id: Many2one,
    /// The customer taxes.
    #[serde(with = "fields::x2many")]
    pub taxes_id: Vec<i64>,
    /// Whether it can be sold.
    pub sale_ok: bool,
    /// Whether it is active (not archived).
    pub active: bool,
    /// Whether it is published on the website (website_sale); `None`
    /// without the module.
    #[serde(with = "fields::opt_bool", default)]
    pub is_published: Option<bool>,
    /// The internal reference.
    pub default_code: Option<String>,
    /// The barcode.
    pub barcode: Option<String>,
    /// When it last changed (UTC).
    #[serde(with = "fields::datetime")]
    pub write_date: DateTime<Utc>,
    /// Its variants (`product.product`).
    #[serde(with = "fields::x2many")]
    pub product_variant_ids: Vec<i64>,
    /// The weight, in the database's weight unit (kg by default).
    #[serde(with = "fields::decimal")]
    pub weight: Decimal,
    /// Whether it is weighed at the till (point_of_sale); `false` without
    /// the module.
    #[serde(default)]
    pub to_weight: bool,
    /// Its company; `None` for a product every company sells (and in
    /// snapshots saved before it was read).
    #[serde(with = "fields::opt_many2one_id", default)]
    pub company_id: Option<i64>,
}

impl Record for ProductTemplate {
    const MODEL: &'static str = "product.template";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["display_name"]),
        FieldSpec::required(&["list_price"]),
        FieldSpec::required(&["description_sale"]),
        FieldSpec::required(&["categ_id"]),
        FieldSpec::optional(&["public_categ_ids"]),
        FieldSpec::required(&["uom_id"]),
        FieldSpec::required(&["taxes_id"]),
        FieldSpec::required(&["sale_ok"]),
        FieldSpec::required(&["active"]),
        FieldSpec::optional(&["is_published"]),
        FieldSpec::required(&["default_code"]),
        FieldSpec::required(&["barcode"]),
        FieldSpec::required(&["write_date"]),
        FieldSpec::required(&["product_variant_ids"]),
        FieldSpec::required(&["weight"]),
        FieldSpec::optional(&["to_weight"]),
        FieldSpec::optional(&["company_id"]),
    ];
}

/// A variant (`product.product`): what an order line sells.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct ProductVariant {
    /// The id.
    pub id: i64,
    /// Its product.
    pub product_tmpl_id: Many2one,
    /// The name with the reference and the attribute values.
    pub display_name: String,
    /// The sales price: the product's plus this variant's extra.
    #[serde(with = "fields::decimal")]
    pub lst_price: Decimal,
    /// The extra of its attribute values.
    #[serde(with = "fields::decimal")]
    pub price_extra: Decimal,
    /// The internal reference.
    pub default_code: Option<String>,
    /// The barcode.
    pub barcode: Option<String>,
    /// Its attribute values (`product.template.attribute.value`).
    #[serde(with = "fields::x2many")]
    pub product_template_attribute_value_ids: Vec<i64>,
    /// When it last changed (UTC).
    #[serde(with = "fields::datetime")]
    pub write_date: DateTime<Utc>,
    /// Whether it is active.
    pub active: bool,
    /// The cost, which pricelist rules "based on cost" start from; `None`
    /// when it was not read.
    #[serde(with = "fields::opt_decimal", default)]
    pub standard_price: Option<Decimal>,
    /// How many base units one unit holds, for the reference price Odoo's
    /// shop shows (website_sale's `base_unit_count`; 0 hides it); `None`
    /// without website_sale.
    #[serde(with = "fields::opt_decimal", default)]
    pub base_unit_count: Option<Decimal>,
    /// The base unit's name (`base_unit_name`: the custom base unit, else
    /// the product's unit).
    #[serde(default)]
    pub base_unit_name: Option<String>,
    /// Its product's company (`_inherits` of the template's); `None` for a
    /// product every company sells (and in snapshots saved before it was
    /// read).
    #[serde(with = "fields::opt_many2one_id", default)]
    pub company_id: Option<i64>,
}

impl Record for ProductVariant {
    const MODEL: &'static str = "product.product";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["product_tmpl_id"]),
        FieldSpec::required(&["display_name"]),
        FieldSpec::required(&["lst_price"]),
        FieldSpec::required(&["price_extra"]),
        FieldSpec::required(&["default_code"]),
        FieldSpec::required(&["barcode"]),
        FieldSpec::required(&["product_template_attribute_value_ids"]),
        FieldSpec::required(&["write_date"]),
        FieldSpec::required(&["active"]),
        FieldSpec::optional(&["standard_price"]),
        FieldSpec::optional(&["base_unit_count"]),
        FieldSpec::optional(&["base_unit_name"]),
        FieldSpec::optional(&["company_id"]),
    ];
}

/// A website category (`product.public.category`); the model exists only
/// with website_sale (else the shop uses [`ProductCategory`]).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct PublicCategory {
    /// The id.
    pub id: i64,
    /// The name, in the call's language.
    pub name: String,
    /// The full path, e.g. `Desks / Components`.
    pub display_name: String,
    /// The parent category.
    pub parent_id: Option<Many2one>,
    /// The display order.
    pub sequence: i64,
    /// The child categories.
    #[serde(with = "fields::x2many")]
    pub child_id: Vec<i64>,
    /// When it last changed (UTC).
    #[serde(with = "fields::datetime")]
    pub write_date: DateTime<Utc>,
}

impl Record for PublicCategory {
    const MODEL: &'static str = "product.public.category";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["display_name"]),
        FieldSpec::required(&["parent_id"]),
        FieldSpec::required(&["sequence"]),
        FieldSpec::required(&["child_id"]),
        FieldSpec::required(&["write_date"]),
    ];
}

/// An internal product category (`product.category`): the shop's
/// categories without website_sale, and what pricelist rules apply to.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct ProductCategory {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// The full path, e.g. `All / Saleable`.
    pub complete_name: String,
    /// The parent category.
    pub parent_id: Option<Many2one>,
    /// When it last changed (UTC).
    #[serde(with = "fields::datetime")]
    pub write_date: DateTime<Utc>,
}

impl Record for ProductCategory {
    const MODEL: &'static str = "product.category";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["complete_name"]),
        FieldSpec::required(&["parent_id"]),
        FieldSpec::required(&["write_date"]),
    ];
}

selection! {
    /// How a unit relates to its category's reference unit (Odoo 16 to 18).
    #[non_exhaustive]
    pub enum UomType {
        /// Bigger than the reference unit.
        Bigger = "bigger",
        /// The reference unit of its category.
        Reference = "reference",
        /// Smaller than the reference unit.
        Smaller = "smaller",
    }
}

/// A unit of measure (`uom.uom`).
///
/// Up to Odoo 18 a unit belongs to a category (`category_id`) and has a
/// `uom_type`; Odoo 19 dropped both for a unit it is relative to
/// (`relative_uom_id`, `relative_factor`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct Uom {
    /// The id.
    pub id: i64,
    /// The name, in the call's language.
    pub name: String,
    /// The category (Odoo 16 to 18).
    #[serde(default)]
    pub category_id: Option<Many2one>,
    /// Bigger, reference or smaller (Odoo 16 to 18).
    #[serde(default)]
    pub uom_type: Option<UomType>,
    /// The ratio to the reference unit, as the server defines it: up to
    /// Odoo 18, how many of this unit make one reference unit of the
    /// category (`g`: 1000 for `kg`); from Odoo 19, how many of the smallest
    /// unit of its chain make one of this unit (`kg`: 1000 `g`).
    #[serde(with = "fields::decimal")]
    pub factor: Decimal,
    /// The rounding precision of quantities, e.g. `0.01`.
    #[serde(with = "fields::decimal")]
    pub rounding: Decimal,
    /// The unit this one is a multiple of (Odoo 19).
    #[serde(default)]
    pub relative_uom_id: Option<Many2one>,
    /// How many `relative_uom_id` make one of this unit (Odoo 19).
    #[serde(with = "fields::opt_decimal", default)]
    pub relative_factor: Option<Decimal>,
}

impl Record for Uom {
    const MODEL: &'static str = "uom.uom";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::optional(&["category_id"]),
        FieldSpec::optional(&["uom_type"]),
        FieldSpec::required(&["factor"]),
        FieldSpec::required(&["rounding"]),
        FieldSpec::optional(&["relative_uom_id"]),
        FieldSpec::optional(&["relative_factor"]),
    ];
}
