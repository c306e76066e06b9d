//! Prices of sale order lines, computed exactly as Odoo computes them.
//!
//! The storefront shows the customer the price that Odoo will put on the
//! order, to the cent. This module reproduces, on decimals, what a draft
//! `sale.order` line does when it is created with only a product and a
//! quantity:
//!
//! 1. the order's pricelist picks a rule (`product.pricelist._compute_price_rule`,
//!    `product.pricelist.item._is_applicable_for`) and computes the price
//!    (`product.pricelist.item._compute_price`: fixed, percentage, or formula
//!    on the sales price, the cost or another pricelist, with discount,
//!    rounding step, surcharge and margins) — see [`PricingContext::pricelist_price`];
//! 2. the line turns it into `price_unit` and `discount`
//!    (`sale.order.line._get_display_price`, `_compute_discount`): both are
//!    float fields rounded to their decimal accuracy ("Product Price",
//!    "Discount"), and a discount is shown apart only when the pricelist says
//!    so (see [`DiscountPolicy`] and [`PricingContext::with_discounts_enabled`]);
//! 3. the taxes give `price_subtotal`, `price_tax` and `price_total`
//!    ([`tax`]: `account.tax.compute_all` up to 17.0, `_get_tax_details` and
//!    `_round_base_lines_tax_details` from 18.0).
//!
//! [`price_line`] does all three for one line, [`price_order`] for an order
//! with its totals.
//!
//! The engine is pure: it reads a [`PricingContext`] built from plain values
//! (products, categories, pricelists and their rules, taxes, the currency),
//! does no I/O and keeps no state. The mirror fills the context from the
//! records it read.
//!
//! # Series
//!
//! Odoo changed how it prices a line between the series the connector
//! supports ([`OdooSeries`]); the context says which one it mirrors:
//!
//! - 16.0 and 17.0: a pricelist's `discount_policy` decides whether the
//!   discount is shown apart; taxes go through `compute_all`, which rounds
//!   the line's base (`price_unit × quantity`) first and derives a
//!   price-included tax as the base less the rounded untaxed amount.
//! - 18.0: `discount_policy` is gone; the discount is shown apart when the
//!   "Discounts" setting is on and the rule is a percentage. Taxes go through
//!   `_get_tax_details` (a price-included tax is computed, rounded, and
//!   subtracted); the line stores the rounded untaxed and taxed totals and
//!   their difference as the tax.
//! - 19.0: as 18.0, but the line's amounts come from
//!   `_round_base_lines_tax_details` (untaxed amount and each tax rounded on
//!   their own, the total is their sum). And the recorded 19.0 server, a new
//!   database, rounds taxes globally, where the earlier ones round per line:
//!   the base of a line is no longer rounded before the taxes are computed
//!   on it. With a quantity of 0.5 at 10.05 and a 5.5 % included tax,
//!   16.0–18.0 give 4.77 + 0.26 = 5.03 and 19.0 gives 4.76 + 0.26 = 5.02.
//!
//! # Rounding
//!
//! Odoo computes on binary floats and rounds half-up with an epsilon that
//! makes 2.675 round as written ([`float_round`]); this module computes on
//! [`Decimal`], where 2.675 is exact, and rounds half away from zero at the
//! same steps as Odoo: the rule's rounding step (`price_round`), then
//! `price_unit` and `discount` to their decimal accuracy, then the currency's
//! rounding of the line's base and tax amounts (per line or globally, see
//! [`TaxRounding`]).
//!
//! # Not covered
//!
//! Lines are priced in the product's own unit of measure (as the storefront
//! writes them), in the pricelist's currency (sales prices and costs are
//! converted from the company's at the day's rate, `_convert(...,
//! round=False)`; a currency given without rates is refused,
//! [`PricingError::ForeignCurrency`]), without
//! attribute extras that do not create variants, combo products or taxes
//! computed by Python code; tax repartition lines are taken as one line of
//! 100 %. A customer's fiscal position maps the taxes and adapts the price
//! ([`fiscal`], [`price_line_for`]); choosing an automatic fiscal position
//! (by country) is left to the caller.

mod catalog;
pub mod fiscal;
mod line;
mod round;
mod rules;
pub mod tax;

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

pub use catalog::{
    AppliedOn, Category, ComputePrice, Currency, DiscountPolicy, Formula, PriceBase, PriceEpochs, Pricelist,
    PricelistItem, PricingContext, Product, Rate, NO_PRICELIST,
};
pub use fiscal::FiscalPosition;
pub use line::{
    order_totals, price_line, price_line_for, price_order, LinePrice, OrderLine, OrderPrice, OrderTotals,
};
pub use round::{float_round, round_digits};
pub use tax::{Tax, TaxAmountType, TaxRounding};

pub use rust_decimal::Decimal;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// A product variant (`product.product`).
    ProductId
);
id_type!(
    /// A product template (`product.template`).
    TemplateId
);
id_type!(
    /// A product category (`product.category`).
    CategoryId
);
id_type!(
    /// A pricelist (`product.pricelist`).
    PricelistId
);
id_type!(
    /// A pricelist rule (`product.pricelist.item`).
    PricelistItemId
);
id_type!(
    /// A tax (`account.tax`).
    TaxId
);
id_type!(
    /// A unit of measure (`uom.uom`).
    UomId
);
id_type!(
    /// A currency (`res.currency`).
    CurrencyId
);
id_type!(
    /// A fiscal position (`account.fiscal.position`).
    FiscalPositionId
);

/// The Odoo series whose arithmetic the engine reproduces (see the module
/// documentation for what differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OdooSeries {
    /// Odoo 16.0.
    V16,
    /// Odoo 17.0 (and its saas~17.x releases).
    V17,
    /// Odoo 18.0 (and its saas~18.x releases).
    V18,
    /// Odoo 19.0 and later.
    V19,
}

impl OdooSeries {
    /// The series of a version string as `common.version` gives it
    /// (`server_serie`: `"17.0"`, `"saas~17.4"`, `"19.0"`), if supported.
    pub fn from_serie(serie: &str) -> Option<Self> {
        let serie = serie.trim();
        let serie = serie.strip_prefix("saas~").unwrap_or(serie);
        let major: u32 = serie.split(['.', '+', '-']).next()?.parse().ok()?;
        match major {
            16 => Some(Self::V16),
            17 => Some(Self::V17),
            18 => Some(Self::V18),
            19.. => Some(Self::V19),
            _ => None,
        }
    }

    /// How a new company of this series rounds taxes
    /// (`res.company.tax_calculation_rounding_method`): per line up to 18.0,
    /// globally from 19.0, as the recorded servers do (a 19.0 line of 0.5 ×
    /// 10.05 with 5.5 % included comes to 5.02, not 5.03). A shop may have
    /// changed it; the mirror sets the company's own with
    /// [`PricingContext::with_tax_rounding`].
    pub fn default_tax_rounding(self) -> TaxRounding {
        match self {
            Self::V16 | Self::V17 | Self::V18 => TaxRounding::PerLine,
            Self::V19 => TaxRounding::Globally,
        }
    }

    /// Whether this series still has the pricelists' `discount_policy`
    /// (16.0 and 17.0); later ones show a discount from the "Discounts"
    /// setting and the kind of rule.
    pub fn has_discount_policy(self) -> bool {
        matches!(self, Self::V16 | Self::V17)
    }
}

/// When a line is priced: the pricelist rules' `date_start` and `date_end`
/// (datetimes, UTC) are judged on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PriceDate {
    /// A whole day: a rule applies if its validity overlaps that day. That is
    /// what Odoo's domains do when a datetime field is compared with a date
    /// (`date_start <= day 23:59:59.999999`, `date_end >= day 00:00:00`),
    /// e.g. the website's prices of the day.
    Day(NaiveDate),
    /// An instant (UTC), as `sale.order.date_order` is when Odoo prices a line.
    At(NaiveDateTime),
}

impl PriceDate {
    /// The day, for currency rates (an instant's UTC day, as Odoo compares
    /// a rate's date with `date_order`).
    pub fn day(self) -> NaiveDate {
        match self {
            Self::Day(day) => day,
            Self::At(at) => at.date(),
        }
    }

    /// Whether a rule valid from `start` to `end` (either open) applies.
    pub fn within(self, start: Option<NaiveDateTime>, end: Option<NaiveDateTime>) -> bool {
        let (first, last) = match self {
            Self::Day(day) => (day.and_time(NaiveTime::MIN), day.and_time(end_of_day())),
            Self::At(at) => (at, at),
        };
        start.is_none_or(|start| start <= last) && end.is_none_or(|end| end >= first)
    }
}

fn end_of_day() -> NaiveTime {
    NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(NaiveTime::MIN)
}

impl From<NaiveDate> for PriceDate {
    fn from(day: NaiveDate) -> Self {
        Self::Day(day)
    }
}

impl From<NaiveDateTime> for PriceDate {
    fn from(at: NaiveDateTime) -> Self {
        Self::At(at)
    }
}

/// Why a price cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PricingError {
    /// The product is not in the context.
    #[error("unknown product {0}")]
    UnknownProduct(ProductId),
    /// The pricelist (the order's, or one a rule is based on) is not in the
    /// context.
    #[error("unknown pricelist {0}")]
    UnknownPricelist(PricelistId),
    /// A product's tax (or a group's child) is not in the context.
    #[error("unknown tax {0}")]
    UnknownTax(TaxId),
    /// The customer's fiscal position is not in the context.
    #[error("unknown fiscal position {0}")]
    UnknownFiscalPosition(FiscalPositionId),
    /// A pricelist's price depends on itself through rules based on other
    /// pricelists. Odoo refuses a rule based on its own pricelist but not a
    /// longer loop, which it would follow until Python's recursion limit.
    #[error("pricelist {pricelist} is based on itself (through {})", chain(.through))]
    PricelistLoop {
        /// The pricelist met twice.
        pricelist: PricelistId,
        /// The pricelists followed, from the order's.
        through: Vec<PricelistId>,
    },
    /// A category is its own ancestor.
    #[error("product category {0} is its own ancestor")]
    CategoryLoop(CategoryId),
    /// A group of taxes contains itself.
    #[error("tax group {0} contains itself")]
    TaxGroupLoop(TaxId),
    /// The pricelist is in a currency the context was not given
    /// ([`PricingContext::add_currency`]), so it has no rate to convert with.
    #[error("pricelist {pricelist} is in currency {pricelist_currency}, which has no rates here (the company's is {currency})")]
    ForeignCurrency {
        /// The pricelist.
        pricelist: PricelistId,
        /// Its currency.
        pricelist_currency: CurrencyId,
        /// The context's currency.
        currency: CurrencyId,
    },
    /// A quantity, price or tax rate is too large to compute with (far beyond
    /// any real order), or a computation overflowed.
    #[error("{0} is out of range")]
    OutOfRange(&'static str),
}

fn chain(ids: &[PricelistId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" → ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn series_from_version_strings() {
        assert_eq!(OdooSeries::from_serie("16.0"), Some(OdooSeries::V16));
        assert_eq!(OdooSeries::from_serie("saas~17.4"), Some(OdooSeries::V17));
        assert_eq!(OdooSeries::from_serie("18.0"), Some(OdooSeries::V18));
        assert_eq!(OdooSeries::from_serie("19.0"), Some(OdooSeries::V19));
        assert_eq!(OdooSeries::from_serie("20.0"), Some(OdooSeries::V19));
        assert_eq!(OdooSeries::from_serie("15.0"), None);
        assert_eq!(OdooSeries::from_serie("master"), None);
    }

    #[test]
    fn a_day_overlapping_a_rule_applies_as_in_odoo_domains() {
        let day = PriceDate::Day(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        // Ends at midnight that day: `date_end >= '2026-11-22 00:00:00'` holds.
        assert!(day.within(None, Some(at("2026-11-22 00:00:00"))));
        assert!(!day.within(None, Some(at("2026-11-21 23:59:59"))));
        // Starts late that day: `date_start <= '2026-11-22 23:59:59'` holds.
        assert!(day.within(Some(at("2026-11-22 23:00:00")), None));
        assert!(!day.within(Some(at("2026-11-23 00:00:00")), None));
        assert!(day.within(None, None));
    }

    #[test]
    fn an_instant_is_judged_exactly() {
        let noon = PriceDate::At(at("2026-11-22 12:00:00"));
        assert!(!noon.within(None, Some(at("2026-11-22 00:00:00"))));
        assert!(noon.within(Some(at("2026-11-22 12:00:00")), Some(at("2026-11-22 12:00:00"))));
        assert!(!noon.within(Some(at("2026-11-22 12:00:01")), None));
    }
}
