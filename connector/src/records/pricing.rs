//! What prices are made of: pricelists and their rules, taxes, currencies.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::fields::{self, Many2one};
use super::{FieldSpec, Record};

selection! {
    /// How a pricelist shows its discounts (`discount_policy`, Odoo 16 only:
    /// later series always compute the price and show the discount when the
    /// "discounts" setting is on).
    #[non_exhaustive]
    pub enum DiscountPolicy {
        /// The discount is included in the price.
        WithDiscount = "with_discount",
        /// The list price is shown, and the discount on its own.
        WithoutDiscount = "without_discount",
    }
}

/// A pricelist (`product.pricelist`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct Pricelist {
    /// The id.
    pub id: i64,
    /// The name, in the call's language.
    pub name: String,
    /// Its currency.
    pub currency_id: Many2one,
    /// Its rules ([`PricelistItem`]).
    #[serde(with = "fields::x2many")]
    pub item_ids: Vec<i64>,
    /// Whether it is active.
    pub active: bool,
    /// When it last changed (UTC).
    #[serde(with = "fields::datetime")]
    pub write_date: DateTime<Utc>,
    /// How discounts show (Odoo 16 only).
    #[serde(default)]
    pub discount_policy: Option<DiscountPolicy>,
}

impl Record for Pricelist {
    const MODEL: &'static str = "product.pricelist";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["currency_id"]),
        FieldSpec::required(&["item_ids"]),
        FieldSpec::required(&["active"]),
        FieldSpec::required(&["write_date"]),
        FieldSpec::optional(&["discount_policy"]),
    ];
}

selection! {
    /// What a pricelist rule applies to (`applied_on`).
    #[non_exhaustive]
    pub enum AppliedOn {
        /// Every product.
        Global = "3_global",
        /// The products of a category and its children.
        ProductCategory = "2_product_category",
        /// Every variant of a product (template).
        Product = "1_product",
        /// One variant.
        ProductVariant = "0_product_variant",
    }
}

selection! {
    /// How a pricelist rule computes the price (`compute_price`).
    #[non_exhaustive]
    pub enum ComputePrice {
        /// `fixed_price`.
        Fixed = "fixed",
        /// The base price less `percent_price` %.
        Percentage = "percentage",
        /// The base price, less `price_discount` %, rounded to
        /// `price_round`, plus `price_surcharge`, within the margins.
        Formula = "formula",
    }
}

selection! {
    /// The price a rule starts from (`base`).
    #[non_exhaustive]
    pub enum PriceBase {
        /// The sales price.
        ListPrice = "list_price",
        /// The cost.
        StandardPrice = "standard_price",
        /// The price from another pricelist (`base_pricelist_id`).
        Pricelist = "pricelist",
    }
}

/// A pricelist rule (`product.pricelist.item`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct PricelistItem {
    /// The id.
    pub id: i64,
    /// Its pricelist.
    pub pricelist_id: Many2one,
    /// What it applies to.
    pub applied_on: AppliedOn,
    /// How it computes the price.
    pub compute_price: ComputePrice,
    /// The price, for [`ComputePrice::Fixed`].
    #[serde(with = "fields::decimal")]
    pub fixed_price: Decimal,
    /// The discount in %, for [`ComputePrice::Percentage`].
    #[serde(with = "fields::decimal")]
    pub percent_price: Decimal,
    /// The discount in % (negative for a markup), for
    /// [`ComputePrice::Formula`].
    #[serde(with = "fields::decimal")]
    pub price_discount: Decimal,
    /// The amount added after rounding, for [`ComputePrice::Formula`].
    #[serde(with = "fields::decimal")]
    pub price_surcharge: Decimal,
    /// The rounding step (0 for none), for [`ComputePrice::Formula`].
    #[serde(with = "fields::decimal")]
    pub price_round: Decimal,
    /// The minimum margin over the base price (0 for none).
    #[serde(with = "fields::decimal")]
    pub price_min_margin: Decimal,
    /// The maximum margin over the base price (0 for none).
    #[serde(with = "fields::decimal")]
    pub price_max_margin: Decimal,
    /// The price it starts from.
    pub base: PriceBase,
    /// The pricelist it starts from, for [`PriceBase::Pricelist`].
    pub base_pricelist_id: Option<Many2one>,
    /// The minimum quantity, in the product's unit.
    #[serde(with = "fields::decimal")]
    pub min_quantity: Decimal,
    /// From when it applies (UTC).
    #[serde(with = "fields::opt_datetime")]
    pub date_start: Option<DateTime<Utc>>,
    /// Until when it applies (UTC).
    #[serde(with = "fields::opt_datetime")]
    pub date_end: Option<DateTime<Utc>>,
    /// The product, for [`AppliedOn::Product`] (Odoo may also fill it for
    /// a variant rule).
    pub product_tmpl_id: Option<Many2one>,
    /// The variant, for [`AppliedOn::ProductVariant`].
    pub product_id: Option<Many2one>,
    /// The category, for [`AppliedOn::ProductCategory`].
    pub categ_id: Option<Many2one>,
    /// When it last changed (UTC).
    #[serde(with = "fields::datetime")]
    pub write_date: DateTime<Utc>,
}

impl Record for PricelistItem {
    const MODEL: &'static str = "product.pricelist.item";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["pricelist_id"]),
        FieldSpec::required(&["applied_on"]),
        FieldSpec::required(&["compute_price"]),
        FieldSpec::required(&["fixed_price"]),
        FieldSpec::required(&["percent_price"]),
        FieldSpec::required(&["price_discount"]),
        FieldSpec::required(&["price_surcharge"]),
        FieldSpec::required(&["price_round"]),
        FieldSpec::required(&["price_min_margin"]),
        FieldSpec::required(&["price_max_margin"]),
        FieldSpec::required(&["base"]),
        FieldSpec::required(&["base_pricelist_id"]),
        FieldSpec::required(&["min_quantity"]),
        FieldSpec::required(&["date_start"]),
        FieldSpec::required(&["date_end"]),
        FieldSpec::required(&["product_tmpl_id"]),
        FieldSpec::required(&["product_id"]),
        FieldSpec::required(&["categ_id"]),
        FieldSpec::required(&["write_date"]),
    ];
}

selection! {
    /// How a tax computes its amount (`amount_type`).
    #[non_exhaustive]
    pub enum AmountType {
        /// `amount` % of the price.
        Percent = "percent",
        /// `amount` per unit.
        Fixed = "fixed",
        /// The sum of its children ([`Tax::children_tax_ids`]).
        Group = "group",
        /// "Percentage tax included": the price is `(1 - amount %)` of the
        /// price with the tax.
        Division = "division",
        /// A Python formula (module account_tax_python), which the
        /// connector cannot evaluate.
        Code = "code",
    }
}

selection! {
    /// Whether prices include a tax (Odoo 18+: the company's default,
    /// `account_price_include`, and a tax's override, `price_include_override`).
    pub enum PriceInclusion {
        /// Prices include the tax.
        TaxIncluded = "tax_included",
        /// Prices exclude the tax.
        TaxExcluded = "tax_excluded",
    }
}

/// A tax (`account.tax`).
///
/// Up to Odoo 17, `price_include` is a stored boolean. From Odoo 18 it is
/// computed from the tax's `price_include_override` and its company's
/// default (`company_price_include`): `price_include` is then resolved as
/// Odoo does (see [`Tax::resolve_price_include`]), falling back to the value
/// the server computed when a part was not read.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(from = "TaxWire")]
#[non_exhaustive]
pub struct Tax {
    /// The id.
    pub id: i64,
    /// The name, in the call's language.
    pub name: String,
    /// The rate in % or the fixed amount.
    pub amount: Decimal,
    /// How the amount is computed.
    pub amount_type: AmountType,
    /// Whether prices include this tax (resolved, every series).
    pub price_include: bool,
    /// The tax's own setting (Odoo 18+); `None` follows the company.
    pub price_include_override: Option<PriceInclusion>,
    /// The company's default (Odoo 18+), when read.
    pub company_price_include: Option<PriceInclusion>,
    /// The label on documents (HTML from Odoo 18).
    pub description: Option<String>,
    /// The taxes of a [`AmountType::Group`].
    pub children_tax_ids: Vec<i64>,
    /// Whether later taxes are computed on the price including this one.
    pub include_base_amount: bool,
    /// The order taxes are applied in (with the id), when read.
    pub sequence: Option<i64>,
    /// Its company, when read: a product shared by several companies
    /// carries the taxes of each, and a line keeps those of its order's
    /// company.
    pub company_id: Option<i64>,
    /// 19.0: the taxes this one replaces under a fiscal position that
    /// lists it.
    pub original_tax_ids: Vec<i64>,
}

impl Tax {
    /// Odoo 18's `_compute_price_include`: the override when set, else the
    /// company's default; `as_read` (the server's own `price_include`) when
    /// neither is known.
    pub fn resolve_price_include(
        price_include_override: Option<PriceInclusion>,
        company_price_include: Option<PriceInclusion>,
        as_read: bool,
    ) -> bool {
        match (price_include_override, company_price_include) {
            (Some(own), _) => own == PriceInclusion::TaxIncluded,
            (None, Some(company)) => company == PriceInclusion::TaxIncluded,
            (None, None) => as_read,
        }
    }
}

impl Record for Tax {
    const MODEL: &'static str = "account.tax";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["amount"]),
        FieldSpec::required(&["amount_type"]),
        FieldSpec::required(&["price_include"]),
        FieldSpec::optional(&["price_include_override"]),
        FieldSpec::optional(&["company_price_include"]),
        FieldSpec::required(&["description"]),
        FieldSpec::required(&["children_tax_ids"]),
        FieldSpec::required(&["include_base_amount"]),
        FieldSpec::optional(&["sequence"]),
        FieldSpec::optional(&["company_id"]),
        FieldSpec::optional(&["original_tax_ids"]),
    ];
}

/// The wire form of [`Tax`], before `price_include` is resolved.
#[derive(Deserialize)]
struct TaxWire {
    id: i64,
    name: String,
    #[serde(with = "fields::decimal")]
    amount: Decimal,
    amount_type: AmountType,
    price_include: bool,
    #[serde(default)]
    price_include_override: Option<PriceInclusion>,
    #[serde(default)]
    company_price_include: Option<PriceInclusion>,
    // The rest may lack in other sources of taxes (e.g. test fixtures).
    #[serde(default)]
    description: Option<String>,
    #[serde(with = "fields::x2many", default)]
    children_tax_ids: Vec<i64>,
    #[serde(default)]
    include_base_amount: bool,
    #[serde(default)]
    sequence: Option<i64>,
    #[serde(default)]
    company_id: Option<Many2one>,
    #[serde(with = "fields::x2many", default)]
    original_tax_ids: Vec<i64>,
}

impl From<TaxWire> for Tax {
    fn from(w: TaxWire) -> Tax {
        Tax {
            price_include: Tax::resolve_price_include(
                w.price_include_override,
                w.company_price_include,
                w.price_include,
            ),
            id: w.id,
            name: w.name,
            amount: w.amount,
            amount_type: w.amount_type,
            price_include_override: w.price_include_override,
            company_price_include: w.company_price_include,
            description: w.description,
            children_tax_ids: w.children_tax_ids,
            include_base_amount: w.include_base_amount,
            sequence: w.sequence,
            company_id: w.company_id.map(|c| c.id),
            original_tax_ids: w.original_tax_ids,
        }
    }
}

selection! {
    /// Where a currency's symbol goes.
    pub enum SymbolPosition {
        /// `$ 12.00`.
        Before = "before",
        /// `12,00 €`.
        After = "after",
    }
}

/// A currency (`res.currency`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct Currency {
    /// The id.
    pub id: i64,
    /// The ISO code, e.g. `EUR`.
    pub name: String,
    /// The symbol, e.g. `€`.
    pub symbol: String,
    /// Where the symbol goes.
    pub position: SymbolPosition,
    /// The rounding step of amounts, e.g. `0.01`.
    #[serde(with = "fields::decimal")]
    pub rounding: Decimal,
    /// How many decimals amounts show.
    pub decimal_places: u32,
}

impl Record for Currency {
    const MODEL: &'static str = "res.currency";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["symbol"]),
        FieldSpec::required(&["position"]),
        FieldSpec::required(&["rounding"]),
        FieldSpec::required(&["decimal_places"]),
    ];
}

/// A rate of a currency (`res.currency.rate`): `rate` units of it per unit
/// of the currency whose rate is 1, from the day `name` on, for one company
/// or (no company) for all.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct CurrencyRate {
    /// The id.
    pub id: i64,
    /// The first day it applies.
    #[serde(with = "fields::date")]
    pub name: chrono::NaiveDate,
    /// The currency.
    pub currency_id: Many2one,
    /// The rate.
    #[serde(with = "fields::decimal")]
    pub rate: Decimal,
    /// The company it is for; none: every company.
    #[serde(default)]
    pub company_id: Option<Many2one>,
}

impl Record for CurrencyRate {
    const MODEL: &'static str = "res.currency.rate";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["currency_id"]),
        FieldSpec::required(&["rate"]),
        FieldSpec::required(&["company_id"]),
    ];
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::xmlrpc::{from_value, Struct, Value};

    fn tax(extra: &[(&str, Value)]) -> Tax {
        let mut s = Struct::new()
            .with("id", 51)
            .with("name", "TVA 5,5 % TTC")
            .with("amount", 5.5)
            .with("amount_type", "percent")
            .with("price_include", true)
            .with("description", false)
            .with("children_tax_ids", Vec::<i64>::new())
            .with("include_base_amount", false);
        for (k, v) in extra {
            s.insert(*k, v.clone());
        }
        from_value(Value::Struct(s)).unwrap()
    }

    #[test]
    fn price_include_is_resolved_as_odoo_18_does() {
        use PriceInclusion::*;
        // Up to 17 (and when nothing else was read): the stored value.
        assert!(tax(&[]).price_include);
        assert!(!tax(&[("price_include", Value::Bool(false))]).price_include);
        // The override wins.
        let t = tax(&[("price_include_override", Value::from("tax_excluded"))]);
        assert!(!t.price_include);
        assert_eq!(t.price_include_override, Some(TaxExcluded));
        let t = tax(&[
            ("price_include", Value::Bool(false)),
            ("price_include_override", Value::from("tax_included")),
            ("company_price_include", Value::from("tax_excluded")),
        ]);
        assert!(t.price_include);
        // No override: the company's default.
        let t = tax(&[
            ("price_include", Value::Bool(false)),
            ("price_include_override", Value::Bool(false)),
            ("company_price_include", Value::from("tax_included")),
        ]);
        assert!(t.price_include);
        assert_eq!(t.price_include_override, None);
        let t = tax(&[
            ("price_include_override", Value::Bool(false)),
            ("company_price_include", Value::from("tax_excluded")),
        ]);
        assert!(!t.price_include);
        assert_eq!(t.amount.to_string(), "5.5");
    }

    #[test]
    fn tax_errors_keep_their_path() {
        let s = Struct::new().with("id", 1).with("amount", "x");
        let err = from_value::<Vec<Tax>>(Value::from(vec![Value::Struct(s)])).unwrap_err();
        assert_eq!(err.path(), "[0].amount");
        let err = from_value::<Tax>(Value::Struct(Struct::new().with("amount_type", "code2"))).unwrap_err();
        assert_eq!(err.path(), "amount_type");
    }
}
