//! Fiscal positions: how a customer's fiscal position changes the taxes of
//! a line and, when the product's taxes are included in its price, the
//! unit price.
//!
//! - The taxes (`sale.order.line._compute_tax_id`, `map_tax`): each of the
//!   product's taxes (those of the order's company) is replaced by the
//!   position's taxes for it, or kept when the position says nothing of
//!   it. 16.0 and 17.0 map through the position's tax lines
//!   (`account.fiscal.position.tax`: a line without a destination removes
//!   the tax, one whose destination is archived is ignored); 18.0 through
//!   the same lines gathered in a map; 19.0 through the destination taxes'
//!   `original_tax_ids`, and a position with no tax at all removes every
//!   tax.
//! - The price (`product._get_tax_included_unit_price_from_price`, 18.0's
//!   `account.tax._adapt_price_unit_to_another_taxes`): when the mapping
//!   changed the taxes and every original tax is included in the price, the
//!   price loses the original taxes (computed without any rounding) and
//!   gains the mapped taxes that are included in prices, computed on that
//!   untaxed price. The line's `price_unit` is that, rounded to the
//!   "Product Price" accuracy.

use std::collections::{BTreeSet, HashMap};

use rust_decimal::Decimal;

use super::tax::{self, Tax, TaxRounding};
use super::{FiscalPositionId, OdooSeries, PricingContext, PricingError, TaxId};

/// A fiscal position, as a map of taxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalPosition {
    /// The id.
    pub id: FiscalPositionId,
    /// What each mapped tax becomes (an empty list removes it); a tax not
    /// in the map is kept.
    pub map: HashMap<TaxId, Vec<TaxId>>,
    /// 19.0: a position with no taxes removes every tax.
    pub removes_all: bool,
}

impl FiscalPosition {
    /// A position that maps nothing.
    pub fn new(id: impl Into<FiscalPositionId>) -> Self {
        Self {
            id: id.into(),
            map: HashMap::new(),
            removes_all: false,
        }
    }

    /// Adds `source → destination` (`None`: the source is removed).
    pub fn mapping(mut self, source: impl Into<TaxId>, destination: Option<TaxId>) -> Self {
        let targets = self.map.entry(source.into()).or_default();
        if let Some(destination) = destination {
            if !targets.contains(&destination) {
                targets.push(destination);
            }
        }
        self
    }

    /// `map_tax`: the taxes that replace `taxes`, each once, in order.
    pub fn map_taxes(&self, taxes: &[TaxId]) -> Vec<TaxId> {
        if self.removes_all {
            return Vec::new();
        }
        let mut out: Vec<TaxId> = Vec::new();
        for tax in taxes {
            let targets = self.map.get(tax).map_or(std::slice::from_ref(tax), Vec::as_slice);
            for target in targets {
                if !out.contains(target) {
                    out.push(*target);
                }
            }
        }
        out
    }
}

/// The line's taxes and its price before rounding, under `position`:
/// `price` (the pricelist's) adapted from the product's taxes to the mapped
/// ones.
pub(crate) fn adapt(
    ctx: &PricingContext,
    position: Option<&FiscalPosition>,
    product_taxes: &[TaxId],
    price: Decimal,
) -> Result<(Vec<TaxId>, Decimal), PricingError> {
    let Some(position) = position else {
        return Ok((product_taxes.to_vec(), price));
    };
    let mapped = position.map_taxes(product_taxes);
    if product_taxes.is_empty() {
        return Ok((mapped, price));
    }
    let same: bool = product_taxes.iter().collect::<BTreeSet<_>>() == mapped.iter().collect::<BTreeSet<_>>();
    let original = tax::flatten(ctx.taxes(), product_taxes)?;
    // 16.0 and 17.0 look at the flattened taxes, 18.0 and later at the
    // product's own (a group is never "included").
    let all_included = match ctx.series() {
        OdooSeries::V16 | OdooSeries::V17 => original.iter().all(|t| t.price_include),
        _ => product_taxes
            .iter()
            .all(|id| ctx.tax(*id).is_some_and(|t| t.price_include)),
    };
    if same || !all_included {
        return Ok((mapped, price));
    }
    let untaxed = unrounded(ctx, &original, price).total_excluded;
    let new = tax::flatten(ctx.taxes(), &mapped)?;
    let included: Vec<bool> = new.iter().map(|t| t.price_include).collect();
    let as_excluded: Vec<Tax> = new.into_iter().map(|t| t.price_included(false)).collect();
    let added: Decimal = unrounded(ctx, &as_excluded, untaxed)
        .taxes
        .iter()
        .zip(&included)
        .filter(|(_, included)| **included)
        .map(|(amount, _)| amount.amount)
        .sum();
    Ok((mapped, untaxed + added))
}

/// The taxes of one unit at `price`, without rounding anything.
fn unrounded(ctx: &PricingContext, taxes: &[Tax], price: Decimal) -> tax::TaxComputation {
    tax::tax_details(
        taxes,
        price,
        Decimal::ONE,
        ctx.currency().rounding,
        TaxRounding::Globally,
        ctx.series(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pricing::{price_line_for, Currency, Pricelist, PricelistId, Product, ProductId};

    fn ctx(series: OdooSeries) -> PricingContext {
        let mut ctx = PricingContext::new(series, Currency::with_decimals(1, 2));
        ctx.add_pricelist(Pricelist::new(1));
        let mut product = Product::new(1, 1, Decimal::new(121, 0));
        product.tax_ids = vec![TaxId(21)];
        ctx.add_product(product);
        ctx.add_tax(Tax::percent(21, Decimal::new(21, 0)).price_included(true));
        ctx.add_tax(Tax::percent(6, Decimal::new(6, 0)).price_included(true));
        ctx.add_tax(Tax::percent(0, Decimal::ZERO));
        ctx.add_tax(Tax::percent(10, Decimal::TEN));
        ctx
    }

    #[test]
    fn a_position_maps_an_included_tax_and_adapts_the_price() {
        for series in [OdooSeries::V16, OdooSeries::V17, OdooSeries::V18, OdooSeries::V19] {
            let mut ctx = ctx(series);
            ctx.add_fiscal_position(FiscalPosition::new(1).mapping(21, Some(TaxId(0))));
            ctx.add_fiscal_position(FiscalPosition::new(2).mapping(21, Some(TaxId(6))));
            ctx.add_fiscal_position(FiscalPosition::new(3).mapping(21, Some(TaxId(10))));
            let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
            let line = |fp: i64| {
                price_line_for(
                    &ctx,
                    PricelistId(1),
                    Some(FiscalPositionId(fp)),
                    ProductId(1),
                    Decimal::ONE,
                    day,
                )
                .unwrap()
            };
            // 121 with 21 % included → 100 untaxed, 0 % → 100.
            assert_eq!(line(1).price_unit, Decimal::new(100, 0), "{series:?}");
            assert_eq!(line(1).price_total, Decimal::new(100, 0), "{series:?}");
            // 6 % included → 106, of which 6 of tax.
            assert_eq!(line(2).price_unit, Decimal::new(106, 0), "{series:?}");
            assert_eq!(line(2).price_tax, Decimal::new(6, 0), "{series:?}");
            // 10 % excluded → 100 + 10.
            assert_eq!(line(3).price_unit, Decimal::new(100, 0), "{series:?}");
            assert_eq!(line(3).price_total, Decimal::new(110, 0), "{series:?}");
            // No position: as before.
            let plain = price_line_for(&ctx, PricelistId(1), None, ProductId(1), Decimal::ONE, day).unwrap();
            assert_eq!(plain.price_unit, Decimal::new(121, 0));
        }
    }

    #[test]
    fn mapping_keeps_removes_and_replaces() {
        let fp = FiscalPosition::new(1)
            .mapping(1, Some(TaxId(2)))
            .mapping(3, None)
            .mapping(4, Some(TaxId(5)))
            .mapping(4, Some(TaxId(6)));
        assert_eq!(
            fp.map_taxes(&[TaxId(1), TaxId(3), TaxId(4), TaxId(7), TaxId(2)]),
            [TaxId(2), TaxId(5), TaxId(6), TaxId(7)]
        );
        let empty = FiscalPosition {
            removes_all: true,
            ..FiscalPosition::new(2)
        };
        assert!(empty.map_taxes(&[TaxId(1)]).is_empty());
    }
}
