//! A sale order line's prices (`sale.order.line`) and an order's totals.

use rust_decimal::Decimal;

use super::catalog::{ComputePrice, DiscountPolicy, PriceBase, PricelistItem, PricingContext, Product};
use super::fiscal;
use super::rules::{base_price, find_rule, product_price};
use super::tax::{self, LineAmounts, LineTax};
use super::{
    round_digits, CurrencyId, FiscalPositionId, OdooSeries, PriceDate, PricelistId, PricelistItemId,
    PricingError, ProductId,
};

/// Largest quantity accepted (far beyond any order; keeps decimals exact).
const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Largest unit price accepted.
const MAX_PRICE: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 1e12
/// Largest tax amount (percentage or per unit) accepted.
const MAX_TAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// A priced sale order line: the values Odoo stores on the
/// `sale.order.line` it creates with this product and quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePrice {
    /// The product.
    pub product_id: ProductId,
    /// The quantity (`product_uom_qty`), in the product's unit.
    pub quantity: Decimal,
    /// The pricelist rule applied (`pricelist_item_id`), if any.
    pub pricelist_item_id: Option<PricelistItemId>,
    /// The order's currency, the pricelist's (`currency_id`): every amount
    /// is in it.
    pub currency_id: CurrencyId,
    /// `price_unit`, rounded to the "Product Price" accuracy.
    pub price_unit: Decimal,
    /// `discount` in %, rounded to the "Discount" accuracy; 0 unless the
    /// pricelist shows its discount apart.
    pub discount: Decimal,
    /// `price_subtotal`: without taxes.
    pub price_subtotal: Decimal,
    /// `price_tax`.
    pub price_tax: Decimal,
    /// `price_total`: with taxes.
    pub price_total: Decimal,
    /// Each tax of the line.
    pub taxes: Vec<LineTax>,
    raw_total_excluded: Decimal,
}

impl LinePrice {
    /// The unit price after discount, as the taxes see it:
    /// `price_unit × (1 − discount / 100)`, unrounded.
    pub fn effective_price_unit(&self) -> Decimal {
        self.price_unit * (Decimal::ONE_HUNDRED - self.discount) / Decimal::ONE_HUNDRED
    }

    fn amounts(&self) -> LineAmounts {
        LineAmounts {
            subtotal: self.price_subtotal,
            tax: self.price_tax,
            total: self.price_total,
            taxes: self.taxes.clone(),
            raw_total_excluded: self.raw_total_excluded,
        }
    }
}

/// A line of an order to price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderLine {
    /// The product.
    pub product_id: ProductId,
    /// The quantity, in the product's unit.
    pub quantity: Decimal,
}

/// An order's totals (`amount_untaxed`, `amount_tax`, `amount_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTotals {
    /// `amount_untaxed`.
    pub amount_untaxed: Decimal,
    /// `amount_tax`.
    pub amount_tax: Decimal,
    /// `amount_total`.
    pub amount_total: Decimal,
}

/// A priced order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPrice {
    /// Its lines, in order.
    pub lines: Vec<LinePrice>,
    /// Its totals.
    pub totals: OrderTotals,
}

/// Prices a line of `quantity` units of `product` on an order with
/// `pricelist`, on `date` (a day, or the instant the order is dated), as Odoo
/// prices a draft order line created with only the product and the quantity.
///
/// - The rule and its price are those of the pricelist for the quantity (a
///   quantity of 0 is priced as 1, like Odoo's `product_uom_qty or 1.0`).
/// - `price_unit` is that price rounded to the "Product Price" accuracy,
///   unless the discount is shown apart: then it is the price before the
///   rule's discount (or the price, if higher) and `discount` the rest, in %,
///   rounded to the "Discount" accuracy. 16.0 and 17.0 show it for any rule
///   of a pricelist whose policy is [`DiscountPolicy::WithoutDiscount`]; 18.0
///   and later for a percentage rule when the "Discounts" setting is on.
/// - The taxes are the product's, on `price_unit × (1 − discount / 100)`
///   ([`tax::line_amounts`]).
pub fn price_line(
    ctx: &PricingContext,
    pricelist: PricelistId,
    product: ProductId,
    quantity: Decimal,
    date: impl Into<PriceDate>,
) -> Result<LinePrice, PricingError> {
    price_line_for(ctx, pricelist, None, product, quantity, date)
}

/// [`price_line`] for a customer with fiscal position `fiscal_position`:
/// the product's taxes mapped by it and, when they were included in the
/// price, the price adapted ([`fiscal`]).
pub fn price_line_for(
    ctx: &PricingContext,
    pricelist: PricelistId,
    fiscal_position: Option<FiscalPositionId>,
    product: ProductId,
    quantity: Decimal,
    date: impl Into<PriceDate>,
) -> Result<LinePrice, PricingError> {
    let position = match fiscal_position {
        Some(id) => Some(
            ctx.fiscal_position(id)
                .ok_or(PricingError::UnknownFiscalPosition(id))?,
        ),
        None => None,
    };
    let date = date.into();
    let record = ctx
        .product(product)
        .ok_or(PricingError::UnknownProduct(product))?;
    if quantity.abs() > MAX_QUANTITY {
        return Err(PricingError::OutOfRange("the quantity"));
    }
    let rule_quantity = if quantity.is_zero() {
        Decimal::ONE
    } else {
        quantity
    };

    let currency = ctx.pricelist_currency(pricelist)?;
    let rated = product_price(ctx, pricelist, record, rule_quantity, date, &mut Vec::new())?;
    let (unit, discount) = match shown_discount_base(ctx, pricelist, rated.rule, record, rule_quantity, date)?
    {
        None => (rated.price, Decimal::ZERO),
        Some(base) => (base.max(rated.price), discount_percent(base, rated.price)?),
    };
    if unit.abs() > MAX_PRICE {
        return Err(PricingError::OutOfRange("the unit price"));
    }
    let (tax_ids, unit) = fiscal::adapt(ctx, position, &record.tax_ids, unit)?;
    let price_unit = round_digits(unit, ctx.price_digits());
    let discount = round_digits(discount, ctx.discount_digits());

    let taxes = tax::flatten(ctx.taxes(), &tax_ids)?;
    if taxes.iter().any(|tax| tax.amount.abs() > MAX_TAX_AMOUNT) {
        return Err(PricingError::OutOfRange("a tax amount"));
    }
    let after_discount = price_unit * (Decimal::ONE_HUNDRED - discount) / Decimal::ONE_HUNDRED;
    let amounts = tax::line_amounts(
        ctx.series(),
        ctx.tax_rounding(),
        currency,
        &taxes,
        after_discount,
        quantity,
    );

    Ok(LinePrice {
        product_id: product,
        quantity,
        pricelist_item_id: rated.rule.map(|rule| rule.id),
        currency_id: currency.id,
        price_unit,
        discount,
        price_subtotal: amounts.subtotal,
        price_tax: amounts.tax,
        price_total: amounts.total,
        taxes: amounts.taxes,
        raw_total_excluded: amounts.raw_total_excluded,
    })
}

/// `(base − price) / base × 100`, when it is a discount (`_compute_discount`:
/// a surcharge is not shown as a negative discount, except on negative
/// prices).
fn discount_percent(base: Decimal, price: Decimal) -> Result<Decimal, PricingError> {
    if base.is_zero() {
        return Ok(Decimal::ZERO);
    }
    let difference = base
        .checked_sub(price)
        .ok_or(PricingError::OutOfRange("a discount"))?;
    let discount = difference
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|scaled| scaled.checked_div(base))
        .ok_or(PricingError::OutOfRange("a discount"))?;
    let shown = (discount.is_sign_positive() && !discount.is_zero() && base.is_sign_positive())
        || (discount.is_sign_negative() && !discount.is_zero() && base.is_sign_negative());
    Ok(if shown { discount } else { Decimal::ZERO })
}

/// When the line shows its discount apart, the price before discount
/// (`_get_pricelist_price_before_discount`); else `None`.
fn shown_discount_base(
    ctx: &PricingContext,
    pricelist: PricelistId,
    rule: Option<&PricelistItem>,
    product: &Product,
    quantity: Decimal,
    date: PriceDate,
) -> Result<Option<Decimal>, PricingError> {
    // No rule: the pricelist changed nothing, there is no discount to show.
    let Some(rule) = rule else { return Ok(None) };
    let mut visited = vec![pricelist];
    let mut item = Some(rule);
    match ctx.series() {
        OdooSeries::V16 | OdooSeries::V17 => {
            let policy = ctx
                .pricelist(pricelist)
                .map(|p| p.discount_policy)
                .unwrap_or_default();
            if policy != DiscountPolicy::WithoutDiscount {
                return Ok(None);
            }
            // Follow the rules based on other pricelists as long as those
            // pricelists show their discount too: the price before discount is
            // the base of the last rule reached (the sales price when a
            // pricelist has no rule for the product).
            while let Some(PriceBase::Pricelist(other)) = item.map(|item| item.base) {
                let other_policy = ctx
                    .pricelist(other)
                    .ok_or(PricingError::UnknownPricelist(other))?
                    .discount_policy;
                if other_policy != DiscountPolicy::WithoutDiscount {
                    break;
                }
                visit(&mut visited, other)?;
                item = find_rule(ctx, other, product, quantity, date)?;
            }
        }
        OdooSeries::V18 | OdooSeries::V19 => {
            if !(ctx.discounts_enabled() && matches!(rule.compute, ComputePrice::Percentage(_))) {
                return Ok(None);
            }
            // `_compute_price_before_discount`: follow the rules based on
            // other pricelists as long as the rule found there is a
            // percentage too.
            while let Some(PriceBase::Pricelist(other)) = item.map(|item| item.base) {
                match find_rule(ctx, other, product, quantity, date)? {
                    Some(next) if matches!(next.compute, ComputePrice::Percentage(_)) => {
                        visit(&mut visited, other)?;
                        item = Some(next);
                    }
                    _ => break,
                }
            }
        }
    }
    let base = base_price(
        ctx,
        item.map(|item| item.base),
        product,
        quantity,
        date,
        &mut Vec::new(),
        ctx.pricelist_currency(pricelist)?.id,
    )?;
    Ok(Some(base))
}

fn visit(visited: &mut Vec<PricelistId>, pricelist: PricelistId) -> Result<(), PricingError> {
    if visited.contains(&pricelist) {
        let mut through = visited.clone();
        through.push(pricelist);
        return Err(PricingError::PricelistLoop { pricelist, through });
    }
    visited.push(pricelist);
    Ok(())
}

/// Prices every line of an order ([`price_line`]) and totals them
/// ([`order_totals`]).
pub fn price_order(
    ctx: &PricingContext,
    pricelist: PricelistId,
    lines: &[OrderLine],
    date: impl Into<PriceDate>,
) -> Result<OrderPrice, PricingError> {
    let date = date.into();
    let lines = lines
        .iter()
        .map(|line| price_line(ctx, pricelist, line.product_id, line.quantity, date))
        .collect::<Result<Vec<_>, _>>()?;
    let totals = order_totals(ctx, &lines);
    Ok(OrderPrice { lines, totals })
}

/// An order's totals from its priced lines: per line (Odoo's default up to
/// 18.0), the sums of the lines' amounts; globally, each tax rounded once on
/// the order ([`tax::order_amounts`]), in the lines' currency.
pub fn order_totals(ctx: &PricingContext, lines: &[LinePrice]) -> OrderTotals {
    let amounts: Vec<LineAmounts> = lines.iter().map(LinePrice::amounts).collect();
    let refs: Vec<&LineAmounts> = amounts.iter().collect();
    let currency = lines
        .first()
        .and_then(|line| ctx.currency_by_id(line.currency_id))
        .unwrap_or(ctx.currency());
    let (amount_untaxed, amount_tax, amount_total) =
        tax::order_amounts(ctx.series(), ctx.tax_rounding(), currency, &refs);
    OrderTotals {
        amount_untaxed,
        amount_tax,
        amount_total,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::str::FromStr;

    use chrono::NaiveDate;

    use super::super::catalog::{AppliedOn, Currency, Formula, Pricelist};
    use super::super::tax::{Tax, TaxRounding};
    use super::super::TaxId;
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    const ALL: [OdooSeries; 4] = [OdooSeries::V16, OdooSeries::V17, OdooSeries::V18, OdooSeries::V19];

    /// A 14.00 product with 20 % VAT excluded, a "Members" pricelist (10 %
    /// off, 15 % off from 5 units), and a pricelist 2 of 5 % off pricelist 1.
    fn shop(series: OdooSeries) -> PricingContext {
        let mut ctx = PricingContext::new(series, Currency::with_decimals(1, 2));
        ctx.add_tax(Tax::percent(1, d("20")));
        let mut product = Product::new(14, 9, d("14"));
        product.tax_ids = vec![TaxId(1)];
        ctx.add_product(product);
        ctx.add_pricelist(Pricelist::new(1))
            .add_pricelist(Pricelist::new(2));
        ctx.add_item(PricelistItem::new(
            1,
            1,
            AppliedOn::Global,
            ComputePrice::Percentage(d("10")),
        ));
        let mut bulk = PricelistItem::new(2, 1, AppliedOn::Global, ComputePrice::Percentage(d("15")));
        bulk.min_quantity = d("5");
        ctx.add_item(bulk);
        let mut on_members = PricelistItem::new(3, 2, AppliedOn::Global, ComputePrice::Percentage(d("5")));
        on_members.base = PriceBase::Pricelist(PricelistId(1));
        ctx.add_item(on_members);
        ctx
    }

    fn without_discount(mut ctx: PricingContext, pricelists: &[i64]) -> PricingContext {
        for &id in pricelists {
            let mut pricelist = Pricelist::new(id);
            pricelist.discount_policy = DiscountPolicy::WithoutDiscount;
            ctx.add_pricelist(pricelist);
        }
        ctx
    }

    fn priced(ctx: &PricingContext, pricelist: i64, qty: &str) -> LinePrice {
        price_line(ctx, PricelistId(pricelist), ProductId(14), d(qty), day()).unwrap()
    }

    #[test]
    fn members_price_as_recorded() {
        // The recordings: 12.60 for a 14.00 product, no discount shown.
        for series in ALL {
            let line = priced(&shop(series), 1, "1");
            assert_eq!((line.price_unit, line.discount), (d("12.60"), d("0")));
            assert_eq!(
                (line.price_subtotal, line.price_tax, line.price_total),
                (d("12.60"), d("2.52"), d("15.12"))
            );
            assert_eq!(line.pricelist_item_id, Some(PricelistItemId(1)));
            let bulk = priced(&shop(series), 1, "5");
            assert_eq!(bulk.price_unit, d("11.90"));
        }
    }

    #[test]
    fn a_zero_quantity_is_priced_as_one() {
        let mut ctx = shop(OdooSeries::V17);
        let mut from_zero = PricelistItem::new(4, 1, AppliedOn::Global, ComputePrice::Fixed(d("1")));
        from_zero.min_quantity = d("1");
        ctx.add_item(from_zero);
        let line = priced(&ctx, 1, "0");
        assert_eq!(line.price_unit, d("1"));
        assert_eq!((line.price_subtotal, line.price_total), (d("0"), d("0")));
    }

    #[test]
    fn discount_policy_without_discount_in_16_and_17() {
        for series in [OdooSeries::V16, OdooSeries::V17] {
            let ctx = without_discount(shop(series), &[1]);
            let line = priced(&ctx, 1, "1");
            assert_eq!((line.price_unit, line.discount), (d("14.00"), d("10.00")));
            // The taxes see 14 × 0.9 = 12.60.
            assert_eq!((line.price_subtotal, line.price_tax), (d("12.60"), d("2.52")));
            // Based on a pricelist that shows its discount too: from the
            // sales price, 14 → 11.97 is 14.5 % off.
            let ctx = without_discount(shop(series), &[1, 2]);
            let line = priced(&ctx, 2, "1");
            assert_eq!((line.price_unit, line.discount), (d("14.00"), d("14.50")));
            assert_eq!(line.price_subtotal, d("11.97"));
            // Based on one that includes it: from that pricelist's price.
            let ctx = without_discount(shop(series), &[2]);
            let line = priced(&ctx, 2, "1");
            assert_eq!((line.price_unit, line.discount), (d("12.60"), d("5.00")));
        }
        // 18.0 has no policy: the price includes the discount.
        let ctx = without_discount(shop(OdooSeries::V18), &[1]);
        assert_eq!(priced(&ctx, 1, "1").discount, d("0"));
    }

    #[test]
    fn discounts_setting_from_18() {
        for series in [OdooSeries::V18, OdooSeries::V19] {
            let ctx = shop(series).with_discounts_enabled(true);
            let line = priced(&ctx, 1, "1");
            assert_eq!((line.price_unit, line.discount), (d("14.00"), d("10.00")));
            // Pricelist 2 (5 % of pricelist 1, whose rule is a percentage):
            // from the sales price.
            let line = priced(&ctx, 2, "1");
            assert_eq!((line.price_unit, line.discount), (d("14.00"), d("14.50")));
            // Not for other kinds of rules.
            let mut ctx = shop(series).with_discounts_enabled(true);
            let formula = Formula {
                discount: d("10"),
                ..Formula::default()
            };
            ctx.add_item(PricelistItem::new(
                1,
                1,
                AppliedOn::Global,
                ComputePrice::Formula(formula),
            ));
            let line = priced(&ctx, 1, "1");
            assert_eq!((line.price_unit, line.discount), (d("12.60"), d("0")));
        }
        // 16.0 and 17.0 ignore the setting.
        let ctx = shop(OdooSeries::V17).with_discounts_enabled(true);
        assert_eq!(priced(&ctx, 1, "1").discount, d("0"));
    }

    #[test]
    fn a_surcharge_is_not_shown_as_a_negative_discount() {
        let mut ctx = without_discount(shop(OdooSeries::V16), &[1]);
        ctx.add_item(PricelistItem::new(
            1,
            1,
            AppliedOn::Global,
            ComputePrice::Percentage(d("-10")),
        ));
        let line = priced(&ctx, 1, "1");
        assert_eq!((line.price_unit, line.discount), (d("15.40"), d("0")));
    }

    #[test]
    fn the_discount_is_rounded_to_its_accuracy() {
        let mut ctx = without_discount(shop(OdooSeries::V17), &[1]);
        ctx.add_item(PricelistItem::new(
            1,
            1,
            AppliedOn::Global,
            ComputePrice::Fixed(d("9.99")),
        ));
        let line = priced(&ctx, 1, "3");
        // (14 − 9.99) / 14 = 28.642857… %.
        assert_eq!((line.price_unit, line.discount), (d("14.00"), d("28.64")));
        // 3 × 14 × (1 − 0.2864) = 29.9712 → 29.97.
        assert_eq!(line.price_subtotal, d("29.97"));
    }

    #[test]
    fn order_totals_follow_the_rounding_method() {
        let mut ctx = shop(OdooSeries::V17);
        ctx.add_item(PricelistItem::new(
            1,
            1,
            AppliedOn::Global,
            ComputePrice::Fixed(d("0.33")),
        ));
        let lines = vec![
            OrderLine {
                product_id: ProductId(14),
                quantity: Decimal::ONE
            };
            3
        ];
        let order = price_order(&ctx, PricelistId(1), &lines, day()).unwrap();
        assert_eq!(order.lines.len(), 3);
        assert_eq!(
            order.totals,
            OrderTotals {
                amount_untaxed: d("0.99"),
                amount_tax: d("0.21"),
                amount_total: d("1.20")
            }
        );
        let ctx = ctx.with_tax_rounding(TaxRounding::Globally);
        let order = price_order(&ctx, PricelistId(1), &lines, day()).unwrap();
        assert_eq!(order.lines[0].price_tax, d("0.07"));
        assert_eq!(
            order.totals,
            OrderTotals {
                amount_untaxed: d("0.99"),
                amount_tax: d("0.20"),
                amount_total: d("1.19")
            }
        );
    }

    #[test]
    fn limits_are_what_they_say() {
        assert_eq!(MAX_QUANTITY, d("1000000000"));
        assert_eq!(MAX_PRICE, d("1000000000000"));
        assert_eq!(MAX_TAX_AMOUNT, d("1000000"));
    }

    #[test]
    fn errors() {
        let ctx = shop(OdooSeries::V18);
        assert_eq!(
            price_line(&ctx, PricelistId(1), ProductId(1), Decimal::ONE, day()),
            Err(PricingError::UnknownProduct(ProductId(1)))
        );
        assert_eq!(
            price_line(&ctx, PricelistId(8), ProductId(14), Decimal::ONE, day()),
            Err(PricingError::UnknownPricelist(PricelistId(8)))
        );
        let mut ctx = shop(OdooSeries::V18);
        let mut product = Product::new(15, 10, d("1"));
        product.tax_ids = vec![TaxId(77)];
        ctx.add_product(product);
        assert_eq!(
            price_line(&ctx, PricelistId(1), ProductId(15), Decimal::ONE, day()),
            Err(PricingError::UnknownTax(TaxId(77)))
        );
        assert_eq!(
            price_line(&ctx, PricelistId(1), ProductId(14), d("10000000000"), day()),
            Err(PricingError::OutOfRange("the quantity"))
        );
    }
}
