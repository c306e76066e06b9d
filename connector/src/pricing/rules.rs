//! Pricelist rules: which one applies and what price it gives
//! (`product.pricelist._compute_price_rule`, `product.pricelist.item`).

use std::cmp::Reverse;

use rust_decimal::Decimal;

use super::catalog::{ComputePrice, PriceBase, PricelistItem, PricingContext, Product};
use super::{
    float_round, CategoryId, CurrencyId, PriceDate, PricelistId, PricelistItemId, PricingError, ProductId,
};

/// A price from a pricelist, with the rule that gave it (none: the sales
/// price).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rated<'a> {
    pub(crate) price: Decimal,
    pub(crate) rule: Option<&'a PricelistItem>,
}

impl PricingContext {
    /// What `pricelist` gives for `quantity` units of `product` on `date`, and
    /// the rule that gave it (`_compute_price_rule`): unrounded, before the
    /// sale order line rounds it to `price_unit`. Without an applicable rule,
    /// the product's sales price.
    pub fn pricelist_price(
        &self,
        pricelist: PricelistId,
        product: ProductId,
        quantity: Decimal,
        date: impl Into<PriceDate>,
    ) -> Result<(Decimal, Option<PricelistItemId>), PricingError> {
        let product = self
            .product(product)
            .ok_or(PricingError::UnknownProduct(product))?;
        let rated = product_price(self, pricelist, product, quantity, date.into(), &mut Vec::new())?;
        Ok((rated.price, rated.rule.map(|rule| rule.id)))
    }
}

/// `pricelist._get_product_price`: the rule and its price. `chain` holds the
/// pricelists being computed (a rule based on another pricelist computes it
/// first), to refuse loops.
pub(crate) fn product_price<'a>(
    ctx: &'a PricingContext,
    pricelist: PricelistId,
    product: &Product,
    quantity: Decimal,
    date: PriceDate,
    chain: &mut Vec<PricelistId>,
) -> Result<Rated<'a>, PricingError> {
    if chain.contains(&pricelist) {
        let mut through = chain.clone();
        through.push(pricelist);
        return Err(PricingError::PricelistLoop { pricelist, through });
    }
    let currency = ctx.pricelist_currency(pricelist)?.id;
    chain.push(pricelist);
    let rule = find_rule(ctx, pricelist, product, quantity, date)?;
    let price = rule_price(ctx, rule, product, quantity, date, chain, currency)?;
    chain.pop();
    Ok(Rated { price, rule })
}

/// The rule of `pricelist` that applies (`_get_applicable_rules` and
/// `_is_applicable_for`).
///
/// Odoo searches the rules whose category is the product's or one of its
/// ancestors, whose template and variant (when set) are the product's, and
/// whose dates contain the order's date, in the order
/// `applied_on, min_quantity desc, categ_id desc, id desc`; the first one
/// whose minimum quantity the line reaches applies. A variant's rule comes
/// before its template's, before a category's, before a global one; among
/// category rules, the highest minimum quantity first, then the deepest
/// category (`categ_id desc` sorts by the categories' `complete_name`, and the
/// categories of matching rules are the product's ancestors, each a prefix of
/// the next), then the newest rule.
pub(crate) fn find_rule<'a>(
    ctx: &'a PricingContext,
    pricelist: PricelistId,
    product: &Product,
    quantity: Decimal,
    date: PriceDate,
) -> Result<Option<&'a PricelistItem>, PricingError> {
    if ctx.pricelist(pricelist).is_none() {
        return Err(PricingError::UnknownPricelist(pricelist));
    }
    let Some(index) = ctx.rules(pricelist) else {
        return Ok(None);
    };
    let categories = category_chain(ctx, product.category_id)?;

    type Key = (u8, Reverse<Decimal>, Reverse<usize>, Reverse<PricelistItemId>);
    let mut best: Option<(Key, &PricelistItem)> = None;
    let mut consider = |items: Option<&'a Vec<PricelistItem>>, depth: usize| {
        for item in items.into_iter().flatten() {
            let reaches_quantity = item.min_quantity.is_zero() || quantity >= item.min_quantity;
            if !reaches_quantity || !date.within(item.date_start, item.date_end) {
                continue;
            }
            let key = (
                item.applied_on.rank(),
                Reverse(item.min_quantity),
                Reverse(depth),
                Reverse(item.id),
            );
            if best.as_ref().is_none_or(|(best_key, _)| key < *best_key) {
                best = Some((key, item));
            }
        }
    };
    consider(index.variant.get(&product.id), 0);
    consider(index.template.get(&product.template_id), 0);
    // The product's category is the deepest of its chain.
    for (position, category) in categories.iter().enumerate() {
        consider(index.category.get(category), categories.len() - position);
    }
    consider(Some(&index.global), 0);
    Ok(best.map(|(_, item)| item))
}

/// The product's category and its ancestors, from the product's up. A parent
/// missing from the context ends the chain.
fn category_chain(
    ctx: &PricingContext,
    category: Option<CategoryId>,
) -> Result<Vec<CategoryId>, PricingError> {
    let mut chain = Vec::new();
    let mut next = category;
    while let Some(id) = next {
        if chain.contains(&id) {
            return Err(PricingError::CategoryLoop(id));
        }
        chain.push(id);
        next = ctx.category(id).and_then(|category| category.parent_id);
    }
    Ok(chain)
}

fn checked(value: Option<Decimal>) -> Result<Decimal, PricingError> {
    value.ok_or(PricingError::OutOfRange("a pricelist price"))
}

/// `base − base × percent / 100`.
fn less_percent(base: Decimal, percent: Decimal) -> Result<Decimal, PricingError> {
    let off = checked(base.checked_mul(percent))? / Decimal::ONE_HUNDRED;
    checked(base.checked_sub(off))
}

/// `pricelist.item._compute_price`: the price `rule` gives (without a rule,
/// the base price: the sales price), in `currency`, the pricelist's (a fixed
/// price, a surcharge and margins are in it already; a base is converted).
pub(crate) fn rule_price(
    ctx: &PricingContext,
    rule: Option<&PricelistItem>,
    product: &Product,
    quantity: Decimal,
    date: PriceDate,
    chain: &mut Vec<PricelistId>,
    currency: CurrencyId,
) -> Result<Decimal, PricingError> {
    let Some(rule) = rule else {
        return base_price(ctx, None, product, quantity, date, chain, currency);
    };
    match rule.compute {
        ComputePrice::Fixed(price) => Ok(price),
        ComputePrice::Percentage(percent) => {
            let base = base_price(ctx, Some(rule.base), product, quantity, date, chain, currency)?;
            less_percent(base, percent)
        }
        ComputePrice::Formula(formula) => {
            let base = base_price(ctx, Some(rule.base), product, quantity, date, chain, currency)?;
            // The order is Odoo's: discount, rounding to the step, surcharge
            // (so a step of 10 with a surcharge of −0.01 gives prices in
            // .99), then the margins, measured from the base.
            let mut price = less_percent(base, formula.discount)?;
            if !formula.rounding.is_zero() {
                price = float_round(price, formula.rounding);
            }
            if !formula.surcharge.is_zero() {
                price = checked(price.checked_add(formula.surcharge))?;
            }
            if !formula.min_margin.is_zero() {
                price = price.max(checked(base.checked_add(formula.min_margin))?);
            }
            if !formula.max_margin.is_zero() {
                price = price.min(checked(base.checked_add(formula.max_margin))?);
            }
            Ok(price)
        }
    }
}

/// `pricelist.item._compute_base_price`: the sales price (with the variant's
/// extras), the cost, or what another pricelist gives for the same quantity
/// and date. `None` (no rule) is the sales price. Converted, unrounded, from
/// its currency (the company's for the sales price and the cost, the other
/// pricelist's) into `currency` at the rate of the date's day.
pub(crate) fn base_price(
    ctx: &PricingContext,
    base: Option<PriceBase>,
    product: &Product,
    quantity: Decimal,
    date: PriceDate,
    chain: &mut Vec<PricelistId>,
    currency: CurrencyId,
) -> Result<Decimal, PricingError> {
    let (price, from) = match base.unwrap_or_default() {
        PriceBase::ListPrice => (
            checked(product.list_price.checked_add(product.price_extra))?,
            ctx.currency().id,
        ),
        PriceBase::StandardPrice => (product.standard_price, ctx.currency().id),
        PriceBase::Pricelist(other) => (
            product_price(ctx, other, product, quantity, date, chain)?.price,
            ctx.pricelist_currency(other)?.id,
        ),
    };
    ctx.convert(price, from, currency, date.day())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::str::FromStr;

    use chrono::{NaiveDate, NaiveDateTime};

    use super::super::catalog::{AppliedOn, Category, Currency, Formula, Pricelist};
    use super::super::{OdooSeries, TemplateId};
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day() -> PriceDate {
        PriceDate::Day(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    /// A shop: All > Saleable > Furniture; a desk (variant 11 of template 1,
    /// in Furniture, 750 + 50.40 of extras, cost 500) and a lamp (21 of 2,
    /// in Saleable, 40, cost 35).
    fn shop() -> PricingContext {
        let mut ctx = PricingContext::new(OdooSeries::V17, Currency::with_decimals(1, 2));
        ctx.add_category(Category {
            id: CategoryId(1),
            parent_id: None,
        })
        .add_category(Category {
            id: CategoryId(2),
            parent_id: Some(CategoryId(1)),
        })
        .add_category(Category {
            id: CategoryId(3),
            parent_id: Some(CategoryId(2)),
        });
        let mut desk = Product::new(11, 1, d("750"));
        desk.price_extra = d("50.40");
        desk.standard_price = d("500");
        desk.category_id = Some(CategoryId(3));
        let mut lamp = Product::new(21, 2, d("40"));
        lamp.standard_price = d("35");
        lamp.category_id = Some(CategoryId(2));
        ctx.add_product(desk).add_product(lamp);
        for id in 1..=5 {
            ctx.add_pricelist(Pricelist::new(id));
        }
        ctx
    }

    fn item(id: i64, pricelist: i64, applied_on: AppliedOn, compute: ComputePrice) -> PricelistItem {
        PricelistItem::new(id, pricelist, applied_on, compute)
    }

    fn price(ctx: &PricingContext, pricelist: i64, product: i64, qty: &str) -> (Decimal, Option<i64>) {
        let (price, rule) = ctx
            .pricelist_price(PricelistId(pricelist), ProductId(product), d(qty), day())
            .unwrap();
        (price, rule.map(|id| id.0))
    }

    #[test]
    fn no_rule_gives_the_sales_price_with_extras() {
        let ctx = shop();
        assert_eq!(price(&ctx, 1, 11, "1"), (d("800.40"), None));
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let mut ctx = shop();
        ctx.add_item(item(1, 1, AppliedOn::Global, ComputePrice::Percentage(d("10"))))
            .add_item(item(
                2,
                1,
                AppliedOn::Category(CategoryId(1)),
                ComputePrice::Percentage(d("20")),
            ))
            .add_item(item(
                3,
                1,
                AppliedOn::Category(CategoryId(3)),
                ComputePrice::Percentage(d("30")),
            ))
            .add_item(item(
                4,
                1,
                AppliedOn::Template(TemplateId(1)),
                ComputePrice::Fixed(d("700")),
            ))
            .add_item(item(
                5,
                1,
                AppliedOn::Variant(ProductId(21)),
                ComputePrice::Fixed(d("9.99")),
            ));
        // Template rule before category rules.
        assert_eq!(price(&ctx, 1, 11, "1"), (d("700"), Some(4)));
        // Variant rule.
        assert_eq!(price(&ctx, 1, 21, "1"), (d("9.99"), Some(5)));
        // Without them: the deepest category (Furniture) before its ancestors.
        let mut ctx = shop();
        ctx.add_item(item(
            2,
            1,
            AppliedOn::Category(CategoryId(1)),
            ComputePrice::Percentage(d("20")),
        ))
        .add_item(item(
            3,
            1,
            AppliedOn::Category(CategoryId(3)),
            ComputePrice::Percentage(d("30")),
        ))
        .add_item(item(1, 1, AppliedOn::Global, ComputePrice::Percentage(d("10"))));
        assert_eq!(price(&ctx, 1, 11, "1"), (d("560.28"), Some(3)));
        // The lamp is in Saleable, not under Furniture: the rule on All.
        assert_eq!(price(&ctx, 1, 21, "1"), (d("32"), Some(2)));
    }

    #[test]
    fn higher_minimum_quantities_first_then_newest() {
        let mut ctx = shop();
        ctx.add_item(item(1, 1, AppliedOn::Global, ComputePrice::Percentage(d("5"))));
        let mut bulk = item(2, 1, AppliedOn::Global, ComputePrice::Percentage(d("20")));
        bulk.min_quantity = d("5");
        ctx.add_item(bulk);
        let mut newer = item(3, 1, AppliedOn::Global, ComputePrice::Percentage(d("7")));
        newer.min_quantity = Decimal::ZERO;
        ctx.add_item(newer);
        assert_eq!(price(&ctx, 1, 21, "4.99"), (d("37.2"), Some(3)));
        assert_eq!(price(&ctx, 1, 21, "5"), (d("32"), Some(2)));
        assert_eq!(price(&ctx, 1, 21, "0.5"), (d("37.2"), Some(3)));
    }

    #[test]
    fn prices_change_only_when_the_epoch_does() {
        let mut ctx = shop();
        let mut promo = item(1, 1, AppliedOn::Global, ComputePrice::Percentage(d("50")));
        promo.date_start = Some(at("2026-11-21 08:00:00"));
        promo.date_end = Some(at("2026-11-22 20:00:00"));
        ctx.add_item(promo);
        let epochs = ctx.price_epochs();
        let instants = [
            "2026-11-20 00:00:00",
            "2026-11-21 07:59:59",
            "2026-11-21 08:00:00",
            "2026-11-22 12:00:00",
            "2026-11-22 20:00:00",
            "2026-11-22 20:00:01",
            "2026-12-01 00:00:00",
        ];
        for a in instants {
            for b in instants {
                let price_at = |t| {
                    ctx.pricelist_price(PricelistId(1), ProductId(21), Decimal::ONE, at(t))
                        .unwrap()
                };
                if epochs.epoch(at(a)) == epochs.epoch(at(b)) {
                    assert_eq!(price_at(a), price_at(b), "{a} and {b}");
                }
            }
        }
        assert_ne!(
            epochs.epoch(at("2026-11-21 07:59:59")),
            epochs.epoch(at("2026-11-21 08:00:00"))
        );
        assert_ne!(
            epochs.epoch(at("2026-11-22 20:00:00")),
            epochs.epoch(at("2026-11-22 20:00:01"))
        );
        assert_eq!(
            epochs.epoch(at("2026-11-20 00:00:00")),
            epochs.epoch(at("2026-11-21 07:59:59"))
        );
    }

    #[test]
    fn rules_outside_their_dates_do_not_apply() {
        let mut ctx = shop();
        let mut expired = item(1, 1, AppliedOn::Global, ComputePrice::Percentage(d("50")));
        expired.date_start = Some(at("2026-10-24 00:00:00"));
        expired.date_end = Some(at("2026-11-22 00:00:00"));
        let mut current = item(2, 1, AppliedOn::Global, ComputePrice::Percentage(d("12")));
        current.date_start = Some(at("2026-11-21 00:00:00"));
        current.date_end = Some(at("2026-12-23 00:00:00"));
        ctx.add_item(expired).add_item(current).add_item(item(
            0,
            1,
            AppliedOn::Global,
            ComputePrice::Percentage(d("3")),
        ));
        assert_eq!(price(&ctx, 1, 21, "1"), (d("35.2"), Some(2)));
        let (p, rule) = ctx
            .pricelist_price(
                PricelistId(1),
                ProductId(21),
                Decimal::ONE,
                at("2026-11-21 12:00:00"),
            )
            .unwrap();
        // On the 21st at noon both apply; the newer id (2) wins.
        assert_eq!((p, rule), (d("35.2"), Some(PricelistItemId(2))));
        let (p, _) = ctx
            .pricelist_price(
                PricelistId(1),
                ProductId(21),
                Decimal::ONE,
                at("2026-12-24 00:00:00"),
            )
            .unwrap();
        assert_eq!(p, d("38.8"));
    }

    #[test]
    fn formula_discount_rounding_surcharge() {
        let mut ctx = shop();
        let formula = Formula {
            discount: d("17"),
            surcharge: d("2"),
            rounding: d("1"),
            ..Formula::default()
        };
        ctx.add_item(item(1, 1, AppliedOn::Global, ComputePrice::Formula(formula)));
        // 800.40 × 0.83 = 664.332 → 664 (rounded before the surcharge) + 2.
        assert_eq!(price(&ctx, 1, 11, "1").0, d("666"));
        // Prices ending in .99: round to 10, surcharge −0.01.
        let formula = Formula {
            rounding: d("10"),
            surcharge: d("-0.01"),
            ..Formula::default()
        };
        ctx.add_item(item(2, 2, AppliedOn::Global, ComputePrice::Formula(formula)));
        assert_eq!(price(&ctx, 2, 11, "1").0, d("799.99"));
        assert_eq!(price(&ctx, 2, 21, "1").0, d("39.99"));
    }

    #[test]
    fn formula_margins_are_measured_from_the_base() {
        let mut ctx = shop();
        // Cost + 30 %, at least cost + 2, at most cost + 40.
        let formula = Formula {
            discount: d("-30"),
            min_margin: d("2"),
            max_margin: d("40"),
            ..Formula::default()
        };
        let mut on_cost = item(1, 1, AppliedOn::Global, ComputePrice::Formula(formula));
        on_cost.base = PriceBase::StandardPrice;
        ctx.add_item(on_cost);
        // Desk: 500 × 1.3 = 650, capped at 540.
        assert_eq!(price(&ctx, 1, 11, "1").0, d("540"));
        // Lamp: 35 × 1.3 = 45.5, within the margins.
        assert_eq!(price(&ctx, 1, 21, "1").0, d("45.5"));
        let mut ctx = shop();
        let formula = Formula {
            discount: d("-1"),
            min_margin: d("2"),
            ..Formula::default()
        };
        let mut on_cost = item(1, 1, AppliedOn::Global, ComputePrice::Formula(formula));
        on_cost.base = PriceBase::StandardPrice;
        ctx.add_item(on_cost);
        // 35.35 raised to 35 + 2.
        assert_eq!(price(&ctx, 1, 21, "1").0, d("37"));
    }

    #[test]
    fn rules_based_on_another_pricelist() {
        let mut ctx = shop();
        let formula = Formula {
            discount: d("12.5"),
            rounding: d("0.05"),
            ..Formula::default()
        };
        ctx.add_item(item(1, 1, AppliedOn::Global, ComputePrice::Formula(formula)));
        let mut on_other = item(
            2,
            2,
            AppliedOn::Global,
            ComputePrice::Formula(Formula {
                discount: d("3"),
                ..Formula::default()
            }),
        );
        on_other.base = PriceBase::Pricelist(PricelistId(1));
        ctx.add_item(on_other);
        // 800.40 × 0.875 = 700.35 (a multiple of 0.05), × 0.97 = 679.3395.
        assert_eq!(price(&ctx, 1, 11, "1").0, d("700.35"));
        assert_eq!(price(&ctx, 2, 11, "1").0, d("679.3395"));
    }

    #[test]
    fn loops_and_unknowns_are_errors() {
        let mut ctx = shop();
        let mut a = item(1, 1, AppliedOn::Global, ComputePrice::Percentage(d("1")));
        a.base = PriceBase::Pricelist(PricelistId(2));
        let mut b = item(2, 2, AppliedOn::Global, ComputePrice::Percentage(d("1")));
        b.base = PriceBase::Pricelist(PricelistId(1));
        ctx.add_item(a).add_item(b);
        let err = ctx
            .pricelist_price(PricelistId(1), ProductId(11), Decimal::ONE, day())
            .unwrap_err();
        assert_eq!(
            err,
            PricingError::PricelistLoop {
                pricelist: PricelistId(1),
                through: vec![PricelistId(1), PricelistId(2), PricelistId(1)]
            }
        );
        assert_eq!(
            ctx.pricelist_price(PricelistId(9), ProductId(11), Decimal::ONE, day())
                .unwrap_err(),
            PricingError::UnknownPricelist(PricelistId(9))
        );
        assert_eq!(
            ctx.pricelist_price(PricelistId(1), ProductId(99), Decimal::ONE, day())
                .unwrap_err(),
            PricingError::UnknownProduct(ProductId(99))
        );
        ctx.add_category(Category {
            id: CategoryId(1),
            parent_id: Some(CategoryId(3)),
        });
        ctx.add_item(item(3, 3, AppliedOn::Global, ComputePrice::Percentage(d("1"))));
        assert!(matches!(
            ctx.pricelist_price(PricelistId(3), ProductId(11), Decimal::ONE, day()),
            Err(PricingError::CategoryLoop(_))
        ));
    }

    #[test]
    fn a_pricelist_in_another_currency_is_refused() {
        let mut ctx = shop();
        let mut eur = Pricelist::new(7);
        eur.currency_id = Some(super::super::CurrencyId(2));
        ctx.add_pricelist(eur);
        assert!(matches!(
            ctx.pricelist_price(PricelistId(7), ProductId(11), Decimal::ONE, day()),
            Err(PricingError::ForeignCurrency { .. })
        ));
    }
}
