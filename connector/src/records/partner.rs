//! Who buys and who sells: customers, their logins, the company.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::fields::{self, Many2one};
use super::pricing::PriceInclusion;
use super::{FieldSpec, Record};

/// A customer or contact (`res.partner`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct Partner {
    /// The id.
    pub id: i64,
    /// The name (Odoo allows none for addresses).
    pub name: Option<String>,
    /// The e-mail address.
    pub email: Option<String>,
    /// The language code, e.g. `fr_FR`.
    pub lang: Option<String>,
    /// The customer's pricelist; `None` means the shop's default.
    pub property_product_pricelist: Option<Many2one>,
    /// The company the contact belongs to (itself for a company or a
    /// person on their own).
    pub commercial_partner_id: Option<Many2one>,
    /// When it last changed (UTC).
    #[serde(with = "fields::datetime")]
    pub write_date: DateTime<Utc>,
    /// Its logins (`res.users`).
    #[serde(with = "fields::x2many")]
    pub user_ids: Vec<i64>,
    /// Its fiscal position in the company of the call (company-dependent),
    /// when read.
    #[serde(default)]
    pub property_account_position_id: Option<Many2one>,
}

impl Record for Partner {
    const MODEL: &'static str = "res.partner";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["email"]),
        FieldSpec::required(&["lang"]),
        FieldSpec::required(&["property_product_pricelist"]),
        FieldSpec::required(&["commercial_partner_id"]),
        FieldSpec::required(&["write_date"]),
        FieldSpec::required(&["user_ids"]),
        FieldSpec::optional(&["property_account_position_id"]),
    ];
}

/// A fiscal position (`account.fiscal.position`): how a customer's taxes
/// are mapped.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct FiscalPosition {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// Its company, when read.
    #[serde(default)]
    pub company_id: Option<Many2one>,
    /// 16.0 to 18.0: its tax lines ([`FiscalPositionTax`]); 19.0: the
    /// destination taxes (each names the taxes it replaces in
    /// `original_tax_ids`).
    #[serde(with = "fields::x2many", default)]
    pub tax_ids: Vec<i64>,
    /// Whether Odoo applies it by itself to customers it fits (country,
    /// state, zip, VAT), when read.
    #[serde(default)]
    pub auto_apply: Option<bool>,
}

impl Record for FiscalPosition {
    const MODEL: &'static str = "account.fiscal.position";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::optional(&["company_id"]),
        FieldSpec::required(&["tax_ids"]),
        FieldSpec::optional(&["auto_apply"]),
    ];
}

/// A tax line of a fiscal position (`account.fiscal.position.tax`, 16.0 to
/// 18.0): `tax_src_id` becomes `tax_dest_id`, or is removed without one.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct FiscalPositionTax {
    /// The id.
    pub id: i64,
    /// The position.
    pub position_id: Many2one,
    /// The product's tax.
    pub tax_src_id: Many2one,
    /// What it becomes.
    #[serde(default)]
    pub tax_dest_id: Option<Many2one>,
}

impl Record for FiscalPositionTax {
    const MODEL: &'static str = "account.fiscal.position.tax";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["position_id"]),
        FieldSpec::required(&["tax_src_id"]),
        FieldSpec::required(&["tax_dest_id"]),
    ];
}

/// A login (`res.users`); customers are portal users (`share`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct User {
    /// The id (the uid `authenticate` answers).
    pub id: i64,
    /// The login.
    pub login: String,
    /// Its partner.
    pub partner_id: Many2one,
    /// Whether it is a portal (or public) user rather than an employee.
    pub share: bool,
    /// Whether it is active.
    pub active: bool,
    /// Its groups (`group_ids` from Odoo 19, `groups_id` before), when read.
    #[serde(alias = "groups_id", with = "fields::x2many", default)]
    pub group_ids: Vec<i64>,
}

impl Record for User {
    const MODEL: &'static str = "res.users";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["login"]),
        FieldSpec::required(&["partner_id"]),
        FieldSpec::required(&["share"]),
        FieldSpec::required(&["active"]),
        FieldSpec::optional(&["group_ids", "groups_id"]),
    ];
}

/// A company (`res.company`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct Company {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// Its currency, in which list prices are.
    pub currency_id: Many2one,
    /// Its partner (address, VAT number).
    pub partner_id: Many2one,
    /// Whether its prices include taxes by default (Odoo 18+), when read.
    #[serde(default)]
    pub account_price_include: Option<PriceInclusion>,
    /// How it rounds taxes (module account): `round_per_line` or
    /// `round_globally`; `None` when not read.
    #[serde(default)]
    pub tax_calculation_rounding_method: Option<String>,
    /// The parent company (branches, 17.0 and later), when read.
    #[serde(default)]
    pub parent_id: Option<Many2one>,
}

impl Record for Company {
    const MODEL: &'static str = "res.company";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["currency_id"]),
        FieldSpec::required(&["partner_id"]),
        FieldSpec::optional(&["account_price_include"]),
        FieldSpec::optional(&["tax_calculation_rounding_method"]),
        FieldSpec::optional(&["parent_id"]),
    ];
}
