//! Orders: reading sale orders and their lines, writing new ones, and the
//! tags that name pickup slots.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::command::Command;
use super::fields::{self, Many2one};
use super::{FieldSpec, Record};
use crate::xmlrpc::{Struct, Value};

selection! {
    /// The state of a sale order.
    #[non_exhaustive]
    pub enum SaleOrderState {
        /// A quotation: what the storefront creates.
        Draft = "draft",
        /// A quotation sent to the customer.
        Sent = "sent",
        /// A confirmed order.
        Sale = "sale",
        /// Locked (Odoo 16; later series lock with a flag instead).
        Done = "done",
        /// Cancelled.
        Cancel = "cancel",
    }
}

/// A sale order (`sale.order`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct SaleOrder {
    /// The id.
    pub id: i64,
    /// The reference, e.g. `S00085`.
    pub name: String,
    /// The state.
    pub state: SaleOrderState,
    /// The customer.
    pub partner_id: Many2one,
    /// The pricelist that priced it.
    pub pricelist_id: Option<Many2one>,
    /// The total without taxes.
    #[serde(with = "fields::decimal")]
    pub amount_untaxed: Decimal,
    /// The taxes.
    #[serde(with = "fields::decimal")]
    pub amount_tax: Decimal,
    /// The total with taxes.
    #[serde(with = "fields::decimal")]
    pub amount_total: Decimal,
    /// The promised date: the pickup slot's start (UTC).
    #[serde(with = "fields::opt_datetime")]
    pub commitment_date: Option<DateTime<Utc>>,
    /// The customer's reference: the storefront's order key.
    pub client_order_ref: Option<String>,
    /// Its tags (`crm.tag`): the pickup slot's.
    #[serde(with = "fields::x2many")]
    pub tag_ids: Vec<i64>,
    /// Its lines ([`SaleOrderLine`]).
    #[serde(with = "fields::x2many")]
    pub order_line: Vec<i64>,
    /// Its company, when read.
    #[serde(default)]
    pub company_id: Option<Many2one>,
    /// The terms and conditions (HTML): the pickup and the customer's
    /// note, when read.
    #[serde(default)]
    pub note: Option<String>,
    /// Its transfers ([`super::StockPicking`]), when Inventory's
    /// `sale_stock` is installed.
    #[serde(default, with = "fields::x2many")]
    pub picking_ids: Vec<i64>,
    /// What is left to pay, when Point of Sale's `pos_sale` is installed:
    /// 0 once paid at the till (or by its invoices).
    #[serde(default, with = "fields::opt_decimal")]
    pub amount_unpaid: Option<Decimal>,
}

impl Record for SaleOrder {
    const MODEL: &'static str = "sale.order";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["state"]),
        FieldSpec::required(&["partner_id"]),
        FieldSpec::required(&["pricelist_id"]),
        FieldSpec::required(&["amount_untaxed"]),
        FieldSpec::required(&["amount_tax"]),
        FieldSpec::required(&["amount_total"]),
        FieldSpec::required(&["commitment_date"]),
        FieldSpec::required(&["client_order_ref"]),
        FieldSpec::required(&["tag_ids"]),
        FieldSpec::required(&["order_line"]),
        FieldSpec::optional(&["company_id"]),
        FieldSpec::optional(&["note"]),
        FieldSpec::optional(&["picking_ids"]),
        FieldSpec::optional(&["amount_unpaid"]),
    ];
}

/// A line of a sale order (`sale.order.line`), as Odoo priced it.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct SaleOrderLine {
    /// The id.
    pub id: i64,
    /// The variant sold; `None` for a section or a note.
    pub product_id: Option<Many2one>,
    /// The quantity, in the line's unit.
    #[serde(with = "fields::decimal")]
    pub product_uom_qty: Decimal,
    /// The unit price, before the discount.
    #[serde(with = "fields::decimal")]
    pub price_unit: Decimal,
    /// The discount, in %.
    #[serde(with = "fields::decimal")]
    pub discount: Decimal,
    /// The total without taxes.
    #[serde(with = "fields::decimal")]
    pub price_subtotal: Decimal,
    /// The total with taxes.
    #[serde(with = "fields::decimal")]
    pub price_total: Decimal,
    /// The taxes (`tax_ids` from Odoo 19, `tax_id` before).
    #[serde(alias = "tax_id", with = "fields::x2many")]
    pub tax_ids: Vec<i64>,
}

impl Record for SaleOrderLine {
    const MODEL: &'static str = "sale.order.line";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["product_id"]),
        FieldSpec::required(&["product_uom_qty"]),
        FieldSpec::required(&["price_unit"]),
        FieldSpec::required(&["discount"]),
        FieldSpec::required(&["price_subtotal"]),
        FieldSpec::required(&["price_total"]),
        FieldSpec::required(&["tax_ids", "tax_id"]),
    ];
}

/// A tag of sale orders (`crm.tag`); the storefront names one after each
/// pickup slot.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct CrmTag {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// The colour index (0 for none), when read.
    #[serde(default)]
    pub color: i64,
}

impl Record for CrmTag {
    const MODEL: &'static str = "crm.tag";
    const FIELDS: &'static [FieldSpec] = &[FieldSpec::required(&["name"]), FieldSpec::optional(&["color"])];
}

/// A line of a [`NewSaleOrder`]: Odoo prices it from the order's pricelist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderLine {
    /// The variant (`product.product`).
    pub product_id: i64,
    /// The quantity, in the product's unit (decimal for goods sold by
    /// weight).
    pub quantity: Decimal,
}

impl NewOrderLine {
    /// A line of `quantity` of the variant `product_id`.
    pub fn new(product_id: i64, quantity: Decimal) -> Self {
        Self { product_id, quantity }
    }

    /// The line's `create` values: `product_id` and `product_uom_qty` (an
    /// `<int>` when whole, else a `<double>`).
    pub fn to_values(&self) -> Struct {
        Struct::new()
            .with("product_id", self.product_id)
            .with("product_uom_qty", Value::from(self.quantity))
    }
}

/// A draft sale order (a quotation) to `create`.
///
/// ```
/// use connector::records::{NewOrderLine, NewSaleOrder};
/// use rust_decimal::Decimal;
///
/// let mut order = NewSaleOrder::new(43);
/// order.client_order_ref = Some("web-0001".into());
/// order.lines.push(NewOrderLine::new(1, Decimal::from(2)));
/// let values = order.to_values();
/// assert!(values.contains_key("order_line"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewSaleOrder {
    /// The customer (`res.partner`).
    pub partner_id: i64,
    /// The pricelist that prices the lines; `None` lets Odoo take the
    /// customer's.
    pub pricelist_id: Option<i64>,
    /// The promised date: the pickup slot's start.
    pub commitment_date: Option<DateTime<Utc>>,
    /// The storefront's order key, by which a retry finds the order.
    pub client_order_ref: Option<String>,
    /// The tags (`crm.tag`), e.g. the slot's.
    pub tag_ids: Vec<i64>,
    /// The note: the slot and the customer's note.
    pub note: Option<String>,
    /// The source document: the shop's name.
    pub origin: Option<String>,
    /// The company the order belongs to; `None` lets Odoo take the
    /// client's (see [`crate::Client::in_company`]).
    pub company_id: Option<i64>,
    /// The fiscal position the lines were priced with: `None` lets Odoo
    /// choose, `Some(None)` is none (`false`), `Some(Some(id))` that one.
    pub fiscal_position_id: Option<Option<i64>>,
    /// The lines.
    pub lines: Vec<NewOrderLine>,
}

impl NewSaleOrder {
    /// An empty order for the customer `partner_id`.
    pub fn new(partner_id: i64) -> Self {
        Self {
            partner_id,
            ..Self::default()
        }
    }

    /// The values of `sale.order.create`, as Odoo's own clients send them
    /// (recording 26): members left empty are not sent, tags are set with
    /// `(6, 0, ids)`, lines created with `(0, 0, values)`, the date is
    /// `YYYY-MM-DD HH:MM:SS` text in UTC.
    pub fn to_values(&self) -> Struct {
        let mut values = Struct::new().with("partner_id", self.partner_id);
        if let Some(id) = self.company_id {
            values.insert("company_id", id);
        }
        if let Some(id) = self.pricelist_id {
            values.insert("pricelist_id", id);
        }
        match self.fiscal_position_id {
            Some(Some(id)) => values.insert("fiscal_position_id", id),
            Some(None) => values.insert("fiscal_position_id", false),
            None => {}
        }
        if let Some(date) = &self.commitment_date {
            values.insert("commitment_date", fields::format_datetime(date));
        }
        if let Some(reference) = &self.client_order_ref {
            values.insert("client_order_ref", reference);
        }
        if !self.tag_ids.is_empty() {
            values.insert("tag_ids", Command::list([Command::Set(self.tag_ids.clone())]));
        }
        if let Some(note) = &self.note {
            values.insert("note", note);
        }
        if let Some(origin) = &self.origin {
            values.insert("origin", origin);
        }
        if !self.lines.is_empty() {
            values.insert(
                "order_line",
                Command::list(self.lines.iter().map(|line| Command::Create(line.to_values()))),
            );
        }
        values
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn an_empty_order_sends_only_its_customer() {
        let values = NewSaleOrder::new(7).to_values();
        assert_eq!(values, Struct::new().with("partner_id", 7));
    }

    #[test]
    fn quantities_are_ints_when_whole() {
        let line = |q: &str| {
            NewOrderLine::new(1, Decimal::from_str(q).unwrap())
                .to_values()
                .get("product_uom_qty")
                .cloned()
        };
        assert_eq!(line("2"), Some(Value::Int(2)));
        assert_eq!(line("2.000"), Some(Value::Int(2)));
        assert_eq!(line("0.5"), Some(Value::Double(0.5)));
        assert_eq!(line("1.25"), Some(Value::Double(1.25)));
    }

    #[test]
    fn states_read_from_and_compare_with_their_selection_values() {
        assert_eq!(SaleOrderState::ALL.len(), 5);
        for &state in SaleOrderState::ALL {
            assert_eq!(crate::xmlrpc::from_value(Value::from(state.as_str())), Ok(state));
            assert_eq!(SaleOrderState::from_str(state.as_str()), Ok(state));
            assert_eq!(Value::from(state), Value::from(state.as_str()));
            assert_eq!(state.to_string(), state.as_str());
        }
        assert_eq!(SaleOrderState::Draft, "draft");
        assert!(SaleOrderState::Cancel != "draft");
        assert!(SaleOrderState::from_str("locked").is_err());
    }
}
