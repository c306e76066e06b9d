//! Taxes (`account.tax`), as Odoo computes them on a sale order line.
//!
//! Two engines, as in Odoo:
//!
//! - [`compute_all`] (16.0, 17.0): the base is `price_unit × quantity`
//!   rounded to the currency; price-included taxes are taken out of it
//!   together (`(base − fixed) / (1 + percent) × (1 − division)`), the untaxed
//!   amount is rounded, and the last included tax of a run is the difference
//!   (its "checkpoint"), so that untaxed + taxes give back the base exactly.
//! - [`tax_details`] (18.0 on): fixed taxes first, then price-included taxes
//!   in reverse order, then the others; taxes of the same kind next to each
//!   other form a batch computed on the same base; each tax amount is rounded
//!   (per line) and a price-included one is subtracted from the base.
//!
//! [`line_amounts`] turns either into a line's `price_subtotal`, `price_tax`
//! and `price_total` as each series stores them, and [`order_amounts`] into
//! the order's totals, per line or globally ([`TaxRounding`]).
//!
//! Taxes of type "python" and repartition lines other than a single 100 % one
//! are not modelled.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{float_round, Currency, OdooSeries, PricingError, TaxId};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// How a tax computes its amount (`amount_type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaxAmountType {
    /// `percent`: `amount` % of the base (of the price without it, when
    /// included in the price).
    Percent,
    /// `fixed`: `amount` per unit.
    Fixed,
    /// `division`: "percentage tax included", `base / (1 − amount %) − base`
    /// (when included: `amount` % of the price).
    Division,
    /// `group`: its children (`children_tax_ids`), each on its own.
    Group(Vec<TaxId>),
}

/// A tax (`account.tax`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tax {
    /// Its id (the tie-break of the order in which taxes apply).
    pub id: TaxId,
    /// How it computes.
    pub amount_type: TaxAmountType,
    /// `amount`: a percentage, or a fixed amount per unit.
    pub amount: Decimal,
    /// `price_include` (from 18.0 computed from `price_include_override` and
    /// the company's default): the price already contains it.
    pub price_include: bool,
    /// `include_base_amount`: it adds to the base of the taxes after it.
    pub include_base_amount: bool,
    /// `is_base_affected`: the taxes before it may add to its base.
    pub is_base_affected: bool,
    /// `sequence`: taxes apply in the order of (`sequence`, `id`).
    pub sequence: i64,
}

impl Tax {
    /// A tax of `amount_type` with `amount`, not included in the price, in
    /// the default sequence (1), affected by earlier taxes that say so.
    pub fn new(id: impl Into<TaxId>, amount_type: TaxAmountType, amount: Decimal) -> Self {
        Self {
            id: id.into(),
            amount_type,
            amount,
            price_include: false,
            include_base_amount: false,
            is_base_affected: true,
            sequence: 1,
        }
    }

    /// A percentage tax (`percent`).
    pub fn percent(id: impl Into<TaxId>, amount: Decimal) -> Self {
        Self::new(id, TaxAmountType::Percent, amount)
    }

    /// A fixed amount per unit (`fixed`).
    pub fn fixed(id: impl Into<TaxId>, amount: Decimal) -> Self {
        Self::new(id, TaxAmountType::Fixed, amount)
    }

    /// A "percentage tax included" (`division`).
    pub fn division(id: impl Into<TaxId>, amount: Decimal) -> Self {
        Self::new(id, TaxAmountType::Division, amount)
    }

    /// A group of taxes.
    pub fn group(id: impl Into<TaxId>, children: Vec<TaxId>) -> Self {
        Self::new(id, TaxAmountType::Group(children), Decimal::ZERO)
    }

    /// The same, included in the price or not.
    #[must_use]
    pub fn price_included(mut self, included: bool) -> Self {
        self.price_include = included;
        self
    }

    /// The same, adding to the base of the following taxes or not.
    #[must_use]
    pub fn affecting_next_bases(mut self, include_base_amount: bool) -> Self {
        self.include_base_amount = include_base_amount;
        self
    }

    /// The same, with `is_base_affected`.
    #[must_use]
    pub fn base_affected(mut self, affected: bool) -> Self {
        self.is_base_affected = affected;
        self
    }

    /// The same, with `sequence`.
    #[must_use]
    pub fn with_sequence(mut self, sequence: i64) -> Self {
        self.sequence = sequence;
        self
    }
}

/// How taxes are rounded (`res.company.tax_calculation_rounding_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxRounding {
    /// `round_per_line`: each line's base and tax amounts are rounded to the
    /// currency, the order sums them.
    PerLine,
    /// `round_globally`: amounts are kept unrounded on the lines and each
    /// tax's total is rounded once on the order.
    Globally,
}

/// One tax's share of a line, as an engine gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxAmount {
    /// The tax (a group's child, never a group).
    pub tax_id: TaxId,
    /// Whether it is included in the price.
    pub price_include: bool,
    /// The base it was computed on.
    pub base: Decimal,
    /// The amount: rounded to the currency when rounding per line, else
    /// unrounded (16.0 and 17.0 keep 5 more decimals).
    pub amount: Decimal,
}

/// What an engine computes for a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxComputation {
    /// The amount without taxes.
    pub total_excluded: Decimal,
    /// The amount with taxes.
    pub total_included: Decimal,
    /// Each tax, in the order they apply.
    pub taxes: Vec<TaxAmount>,
}

/// The taxes of `ids` (a product's `taxes_id`) in the order Odoo applies
/// them: by (`sequence`, `id`), a group replaced by its children in their own
/// order (`flatten_taxes_hierarchy`, 18.0's `_flatten_taxes_and_sort_them`),
/// each tax once.
pub fn flatten(taxes: &HashMap<TaxId, Tax>, ids: &[TaxId]) -> Result<Vec<Tax>, PricingError> {
    let mut flat = Vec::new();
    let mut groups = Vec::new();
    flatten_into(taxes, ids, &mut flat, &mut groups)?;
    Ok(flat)
}

fn flatten_into(
    taxes: &HashMap<TaxId, Tax>,
    ids: &[TaxId],
    flat: &mut Vec<Tax>,
    groups: &mut Vec<TaxId>,
) -> Result<(), PricingError> {
    let mut sorted = ids
        .iter()
        .map(|id| taxes.get(id).ok_or(PricingError::UnknownTax(*id)))
        .collect::<Result<Vec<_>, _>>()?;
    sorted.sort_by_key(|tax| (tax.sequence, tax.id));
    for tax in sorted {
        match &tax.amount_type {
            TaxAmountType::Group(children) => {
                if groups.contains(&tax.id) {
                    return Err(PricingError::TaxGroupLoop(tax.id));
                }
                groups.push(tax.id);
                flatten_into(taxes, children, flat, groups)?;
                groups.pop();
            }
            _ => {
                if !flat.iter().any(|seen| seen.id == tax.id) {
                    flat.push(tax.clone());
                }
            }
        }
    }
    Ok(())
}

/// `(base − fixed) / (1 + percent %) × (1 − division %)`, with one division
/// so that exact results stay exact. Odoo would divide by zero on a −100 %
/// included tax; this gives zero, as 18.0 does.
fn recompute_base(base: Decimal, fixed: Decimal, percent: Decimal, division: Decimal) -> Decimal {
    let denominator = HUNDRED + percent;
    if denominator.is_zero() {
        return Decimal::ZERO;
    }
    (base - fixed) * (HUNDRED - division) / denominator
}

/// `account.tax._compute_amount` of a tax not included in the price (the
/// only way `compute_all` calls it): on `base`, for `quantity` units.
fn amount_excluded(tax: &Tax, base: Decimal, quantity: Decimal) -> Decimal {
    match tax.amount_type {
        TaxAmountType::Fixed => {
            // `math.copysign(quantity, base) * amount` when there is a base.
            let quantity = if base.is_zero() {
                quantity
            } else if base.is_sign_negative() {
                -quantity.abs()
            } else {
                quantity.abs()
            };
            quantity * tax.amount
        }
        TaxAmountType::Percent => base * tax.amount / HUNDRED,
        TaxAmountType::Division => {
            let rest = HUNDRED - tax.amount;
            if rest.is_zero() {
                Decimal::ZERO
            } else {
                base * HUNDRED / rest - base
            }
        }
        TaxAmountType::Group(_) => Decimal::ZERO,
    }
}

/// 16.0 and 17.0's `account.tax.compute_all(price_unit, currency, quantity)`
/// on flattened taxes ([`flatten`]), with the currency's `rounding`.
///
/// The base `price_unit × quantity` is rounded to the currency first. Tax
/// amounts are rounded to the currency when rounding per line, to a
/// hundred-thousandth of it when rounding globally (Odoo's "precision + 5").
/// A negative base is computed as positive and the results negated.
pub fn compute_all(
    taxes: &[Tax],
    price_unit: Decimal,
    quantity: Decimal,
    rounding: Decimal,
    method: TaxRounding,
) -> TaxComputation {
    let prec = match method {
        TaxRounding::PerLine => rounding,
        TaxRounding::Globally => rounding * Decimal::new(1, 5),
    };
    let mut base = float_round(price_unit * quantity, rounding);
    let sign = if base.is_sign_negative() && !base.is_zero() {
        base = -base;
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    };

    // 1. From the last tax back to the first: take the included taxes out of
    // the base, and remember, for each run of included taxes, the total the
    // last of them must reach ("checkpoint").
    let mut checkpoints: Vec<Option<Decimal>> = vec![None; taxes.len()];
    let mut store_checkpoint = true;
    let (mut incl_fixed, mut incl_percent, mut incl_division) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for (i, tax) in taxes.iter().enumerate().rev() {
        if tax.include_base_amount {
            base = recompute_base(base, incl_fixed, incl_percent, incl_division);
            (incl_fixed, incl_percent, incl_division) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
            store_checkpoint = true;
        }
        if tax.price_include {
            match tax.amount_type {
                TaxAmountType::Percent => incl_percent += tax.amount,
                TaxAmountType::Division => incl_division += tax.amount,
                TaxAmountType::Fixed => incl_fixed += quantity.abs() * tax.amount,
                TaxAmountType::Group(_) => {}
            }
            // A zero tax stores no checkpoint: its amount is zero anyway.
            if store_checkpoint && !tax.amount.is_zero() {
                checkpoints[i] = Some(base);
                store_checkpoint = false;
            }
        }
    }
    let total_excluded = float_round(
        recompute_base(base, incl_fixed, incl_percent, incl_division),
        rounding,
    );

    // 2. From the first tax on: each amount on the running base.
    let mut base = total_excluded;
    let mut total_included = total_excluded;
    let mut skip_checkpoint = false;
    let mut cumulated_included = Decimal::ZERO;
    let mut amounts = Vec::with_capacity(taxes.len());
    for (i, tax) in taxes.iter().enumerate() {
        let tax_base = if tax.price_include || tax.is_base_affected {
            base
        } else {
            total_excluded
        };
        let checkpoint = checkpoints[i].filter(|_| tax.price_include && !skip_checkpoint);
        let amount = match checkpoint {
            // The total to reach is known: the difference avoids rounding errors.
            Some(checkpoint) => {
                let amount = checkpoint - (base + cumulated_included);
                cumulated_included = Decimal::ZERO;
                amount
            }
            None => amount_excluded(tax, tax_base, quantity),
        };
        let amount = float_round(amount, prec);
        if tax.price_include && checkpoints[i].is_none() {
            cumulated_included += amount;
        }
        amounts.push(TaxAmount {
            tax_id: tax.id,
            price_include: tax.price_include,
            base: sign * float_round(tax_base, prec),
            amount: sign * amount,
        });
        if tax.include_base_amount {
            base += amount;
            if !tax.price_include {
                skip_checkpoint = true;
            }
        }
        total_included += amount;
    }

    TaxComputation {
        total_excluded: sign * total_excluded,
        total_included: sign * float_round(total_included, rounding),
        taxes: amounts,
    }
}

/// The taxes computed so far for one tax of [`tax_details`].
#[derive(Debug, Clone, Default)]
struct Pending {
    extra_base_for_tax: Decimal,
    extra_base_for_base: Decimal,
    amount: Option<Decimal>,
    base: Option<Decimal>,
}

/// Batches of [`tax_details`] (`_batch_for_taxes_computation`): from the last
/// tax back, a tax joins the batch after it when it has the same type, the
/// same price inclusion and the same `include_base_amount`, unless it adds to
/// the base of a tax of the batch. Gives each tax's batch, as indices.
fn batches(taxes: &[Tax]) -> Vec<Vec<usize>> {
    let mut of_tax = vec![Vec::new(); taxes.len()];
    let mut batch: Vec<usize> = Vec::new();
    let mut next_is_base_affected = false;
    for (i, tax) in taxes.iter().enumerate().rev() {
        if let Some(&first) = batch.first() {
            let first = &taxes[first];
            let same = tax.amount_type == first.amount_type
                && tax.price_include == first.price_include
                && tax.include_base_amount == first.include_base_amount
                && (!tax.include_base_amount || !next_is_base_affected);
            if !same {
                for &member in &batch {
                    of_tax[member] = batch.clone();
                }
                batch.clear();
            }
        }
        next_is_base_affected = tax.is_base_affected;
        batch.push(i);
    }
    for &member in &batch {
        of_tax[member] = batch.clone();
    }
    of_tax
}

/// `_propagate_extra_taxes_base` (no special mode): once tax `i` has its
/// amount, the taxes whose base it changes get it as an extra base.
fn propagate(taxes: &[Tax], batches: &[Vec<usize>], pending: &mut [Pending], i: usize) {
    let Some(amount) = pending[i].amount else { return };
    let batch = &batches[i];
    let before: Vec<usize> = (0..taxes.len()).take_while(|j| !batch.contains(j)).collect();
    let after: Vec<usize> = (0..taxes.len())
        .rev()
        .take_while(|j| !batch.contains(j))
        .collect();
    let mut add = |j: usize, sign: Decimal| {
        if pending[j].amount.is_none() {
            pending[j].extra_base_for_tax += sign * amount;
        }
        pending[j].extra_base_for_base += sign * amount;
    };
    let tax = &taxes[i];
    if tax.price_include {
        // An included tax is not part of the base of the taxes before it,
        // nor of those after it unless it adds to their base.
        for &j in &after {
            if !tax.include_base_amount || !taxes[j].is_base_affected {
                add(j, Decimal::NEGATIVE_ONE);
            }
        }
        for &j in &before {
            add(j, Decimal::NEGATIVE_ONE);
        }
    } else if tax.include_base_amount {
        for &j in &after {
            if taxes[j].is_base_affected {
                add(j, Decimal::ONE);
            }
        }
    }
}

/// 18.0's `account.tax._get_tax_details(price_unit, quantity,
/// precision_rounding, rounding_method)` on flattened taxes ([`flatten`]),
/// without special mode.
///
/// When rounding per line, the base `quantity × price_unit` and each tax
/// amount are rounded to the currency; when rounding globally nothing is.
/// The untaxed amount is the base of the first tax (the line's base less the
/// included taxes). From 19.0 a fixed tax takes the sign of the unit price.
pub fn tax_details(
    taxes: &[Tax],
    price_unit: Decimal,
    quantity: Decimal,
    rounding: Decimal,
    method: TaxRounding,
    series: OdooSeries,
) -> TaxComputation {
    let per_line = method == TaxRounding::PerLine;
    let batches = batches(taxes);
    let mut pending = vec![Pending::default(); taxes.len()];
    let mut raw_base = quantity * price_unit;
    if per_line {
        raw_base = float_round(raw_base, rounding);
    }
    let batch_total = |i: usize| batches[i].iter().map(|&j| taxes[j].amount).sum::<Decimal>();

    let set_amount = |pending: &mut [Pending], i: usize, amount: Decimal| {
        let amount = if per_line {
            float_round(amount, rounding)
        } else {
            amount
        };
        pending[i].amount = Some(amount);
        propagate(taxes, &batches, pending, i);
    };

    // Fixed taxes first: they may change the base of an included batch.
    for (i, tax) in taxes.iter().enumerate().rev() {
        if tax.amount_type == TaxAmountType::Fixed && pending[i].amount.is_none() {
            let sign = if series >= OdooSeries::V19 && price_unit.is_sign_negative() && !price_unit.is_zero()
            {
                Decimal::NEGATIVE_ONE
            } else {
                Decimal::ONE
            };
            set_amount(&mut pending, i, sign * quantity * tax.amount);
        }
    }
    // Then the included taxes, from the last back.
    for (i, tax) in taxes.iter().enumerate().rev() {
        if !tax.price_include || pending[i].amount.is_some() {
            continue;
        }
        let base = raw_base + pending[i].extra_base_for_tax;
        let amount = match tax.amount_type {
            TaxAmountType::Percent => {
                // base × 1 / (1 + Σ batch %) × amount %
                let denominator = HUNDRED + batch_total(i);
                Some(if denominator.is_zero() {
                    Decimal::ZERO
                } else {
                    base * tax.amount / denominator
                })
            }
            TaxAmountType::Division => Some(base * tax.amount / HUNDRED),
            TaxAmountType::Fixed | TaxAmountType::Group(_) => None,
        };
        if let Some(amount) = amount {
            set_amount(&mut pending, i, amount);
        }
    }
    // Then the others, in order.
    for (i, tax) in taxes.iter().enumerate() {
        if tax.price_include || pending[i].amount.is_some() {
            continue;
        }
        let base = raw_base + pending[i].extra_base_for_tax;
        let amount = match tax.amount_type {
            TaxAmountType::Percent => Some(base * tax.amount / HUNDRED),
            TaxAmountType::Division => {
                let total = batch_total(i);
                let rest = if total == HUNDRED {
                    HUNDRED
                } else {
                    HUNDRED - total
                };
                Some(base * tax.amount / rest)
            }
            TaxAmountType::Fixed | TaxAmountType::Group(_) => None,
        };
        if let Some(amount) = amount {
            set_amount(&mut pending, i, amount);
        }
    }
    // Each tax's base: the line's, with what other taxes add or take, less
    // its batch's amounts when included.
    for (i, tax) in taxes.iter().enumerate().rev() {
        if pending[i].amount.is_none() {
            continue;
        }
        let batch_amount: Decimal = batches[i].iter().filter_map(|&j| pending[j].amount).sum();
        let mut base = raw_base + pending[i].extra_base_for_base;
        if tax.price_include {
            base -= batch_amount;
        }
        pending[i].base = Some(base);
    }

    let amounts: Vec<TaxAmount> = taxes
        .iter()
        .zip(&pending)
        .filter_map(|(tax, pending)| {
            Some(TaxAmount {
                tax_id: tax.id,
                price_include: tax.price_include,
                base: pending.base?,
                amount: pending.amount?,
            })
        })
        .collect();
    let total_excluded = amounts.first().map_or(raw_base, |first| first.base);
    let total_included = total_excluded + amounts.iter().map(|tax| tax.amount).sum::<Decimal>();
    TaxComputation {
        total_excluded,
        total_included,
        taxes: amounts,
    }
}

/// One tax of a priced line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTax {
    /// The tax (a group's child, never a group).
    pub tax_id: TaxId,
    /// Whether it is included in the price.
    pub price_include: bool,
    /// Its base, rounded to the currency.
    pub base: Decimal,
    /// Its amount on this line, rounded to the currency.
    pub amount: Decimal,
    /// Its amount before the line's rounding: what an order rounding taxes
    /// globally adds up.
    pub raw_amount: Decimal,
}

/// A line's amounts, as the series stores them on `sale.order.line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAmounts {
    /// `price_subtotal`.
    pub subtotal: Decimal,
    /// `price_tax`.
    pub tax: Decimal,
    /// `price_total`.
    pub total: Decimal,
    /// Each tax.
    pub taxes: Vec<LineTax>,
    /// The untaxed amount before the line's rounding.
    pub raw_total_excluded: Decimal,
}

/// The amounts of a line of `quantity` at `price_unit` (after discount) with
/// flattened `taxes`:
///
/// - 16.0, 17.0 (`_compute_taxes` over `compute_all`): `price_subtotal` is
///   `compute_all`'s rounded untaxed amount (without taxes, the rounded
///   `price_unit × quantity`), `price_tax` the sum of the rounded tax
///   amounts, `price_total` their sum;
/// - 18.0 (`_add_tax_details_in_base_line`): `price_subtotal` and
///   `price_total` are the engine's totals rounded to the currency, and
///   `price_tax` their difference;
/// - 19.0 (`_round_base_lines_tax_details`): the untaxed amount and each tax
///   amount are rounded apart, `price_total` is their sum.
pub fn line_amounts(
    series: OdooSeries,
    method: TaxRounding,
    currency: &Currency,
    taxes: &[Tax],
    price_unit: Decimal,
    quantity: Decimal,
) -> LineAmounts {
    let round = |amount: Decimal| currency.round(amount);
    let computation = match series {
        OdooSeries::V16 | OdooSeries::V17 if taxes.is_empty() => {
            let subtotal = round(price_unit * quantity);
            TaxComputation {
                total_excluded: subtotal,
                total_included: subtotal,
                taxes: Vec::new(),
            }
        }
        OdooSeries::V16 | OdooSeries::V17 => {
            compute_all(taxes, price_unit, quantity, currency.rounding, method)
        }
        OdooSeries::V18 | OdooSeries::V19 => {
            tax_details(taxes, price_unit, quantity, currency.rounding, method, series)
        }
    };
    let line_taxes: Vec<LineTax> = computation
        .taxes
        .iter()
        .map(|tax| LineTax {
            tax_id: tax.tax_id,
            price_include: tax.price_include,
            base: round(tax.base),
            amount: round(tax.amount),
            raw_amount: tax.amount,
        })
        .collect();
    let subtotal = round(computation.total_excluded);
    let (tax, total) = match series {
        OdooSeries::V16 | OdooSeries::V17 | OdooSeries::V19 => {
            let tax: Decimal = line_taxes.iter().map(|tax| tax.amount).sum();
            (tax, subtotal + tax)
        }
        OdooSeries::V18 => {
            let total = round(computation.total_included);
            (total - subtotal, total)
        }
    };
    LineAmounts {
        subtotal,
        tax,
        total,
        taxes: line_taxes,
        raw_total_excluded: computation.total_excluded,
    }
}

/// An order's `amount_untaxed`, `amount_tax` and `amount_total` from its
/// lines' amounts.
///
/// Per line, the sums of the lines' amounts. Globally, each tax's total is
/// its unrounded amounts summed over the lines, rounded once; the untaxed
/// amount is the sum of the lines' (16.0, 17.0), or, from 18.0
/// (`_round_tax_details_base_lines`), the unrounded untaxed amounts summed
/// and rounded once — or, when every tax of the order is included in the
/// price, the rounded total with taxes less the taxes.
pub fn order_amounts(
    series: OdooSeries,
    method: TaxRounding,
    currency: &Currency,
    lines: &[&LineAmounts],
) -> (Decimal, Decimal, Decimal) {
    let round = |amount: Decimal| currency.round(amount);
    if method == TaxRounding::PerLine {
        let untaxed: Decimal = lines.iter().map(|line| line.subtotal).sum();
        let tax: Decimal = lines.iter().map(|line| line.tax).sum();
        return (untaxed, tax, untaxed + tax);
    }

    // Each tax's unrounded total, in the order taxes first appear.
    let mut per_tax: Vec<(TaxId, Decimal)> = Vec::new();
    for tax in lines.iter().flat_map(|line| &line.taxes) {
        match per_tax.iter_mut().find(|(id, _)| *id == tax.tax_id) {
            Some((_, total)) => *total += tax.raw_amount,
            None => per_tax.push((tax.tax_id, tax.raw_amount)),
        }
    }
    let tax: Decimal = per_tax.iter().map(|(_, total)| round(*total)).sum();
    let raw_tax: Decimal = per_tax.iter().map(|(_, total)| *total).sum();

    let untaxed = match series {
        OdooSeries::V16 | OdooSeries::V17 => lines.iter().map(|line| line.subtotal).sum(),
        OdooSeries::V18 | OdooSeries::V19 => {
            let raw_untaxed: Decimal = lines.iter().map(|line| line.raw_total_excluded).sum();
            let all_included = lines
                .iter()
                .flat_map(|line| &line.taxes)
                .all(|tax| tax.price_include);
            if all_included {
                round(raw_untaxed + raw_tax) - tax
            } else {
                round(raw_untaxed)
            }
        }
    };
    (untaxed, tax, untaxed + tax)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn cents() -> Decimal {
        d("0.01")
    }

    fn usd() -> Currency {
        Currency::with_decimals(1, 2)
    }

    const ALL: [OdooSeries; 4] = [OdooSeries::V16, OdooSeries::V17, OdooSeries::V18, OdooSeries::V19];

    fn line(series: OdooSeries, method: TaxRounding, taxes: &[Tax], price: &str, qty: &str) -> LineAmounts {
        line_amounts(series, method, &usd(), taxes, d(price), d(qty))
    }

    fn totals(amounts: &LineAmounts) -> (Decimal, Decimal, Decimal) {
        (amounts.subtotal, amounts.tax, amounts.total)
    }

    #[test]
    fn excluded_percent_tax_on_the_rounded_base() {
        let vat = [Tax::percent(1, d("20"))];
        for series in ALL {
            // 26.80 × 1 → 5.36 of tax.
            assert_eq!(
                totals(&line(series, TaxRounding::PerLine, &vat, "26.80", "1")),
                (d("26.80"), d("5.36"), d("32.16"))
            );
            // 0.5 × 10.05 = 5.025 → 5.03 (half up), tax 1.006 → 1.01.
            assert_eq!(
                totals(&line(series, TaxRounding::PerLine, &vat, "10.05", "0.5")),
                (d("5.03"), d("1.01"), d("6.04"))
            );
        }
    }

    #[test]
    fn included_percent_tax_per_series() {
        let vat = [Tax::percent(1, d("5.5")).price_included(true)];
        for series in [OdooSeries::V16, OdooSeries::V17, OdooSeries::V18] {
            // The base 5.025 is rounded to 5.03 first: 4.77 + 0.26.
            assert_eq!(
                totals(&line(series, TaxRounding::PerLine, &vat, "10.05", "0.5")),
                (d("4.77"), d("0.26"), d("5.03"))
            );
        }
        // 19.0 rounds globally by default: 5.025 / 1.055 = 4.763… → 4.76, tax
        // 0.2619… → 0.26, total 5.02 (as the recorded Odoo 19 does).
        let v19 = line(OdooSeries::V19, TaxRounding::Globally, &vat, "10.05", "0.5");
        assert_eq!(totals(&v19), (d("4.76"), d("0.26"), d("5.02")));
        // Per line, 19.0 gives what 18.0 gives.
        assert_eq!(
            totals(&line(OdooSeries::V19, TaxRounding::PerLine, &vat, "10.05", "0.5")),
            (d("4.77"), d("0.26"), d("5.03"))
        );
    }

    #[test]
    fn an_included_tax_makes_the_untaxed_amount_add_up_to_the_price() {
        // 20 % included on 0.03: 0.025 is a true tie, 0.03 − 0.03 / 1.2.
        let vat = [Tax::percent(1, d("20")).price_included(true)];
        let all = compute_all(&vat, d("0.03"), d("1"), cents(), TaxRounding::PerLine);
        // compute_all rounds the untaxed amount (0.025 → 0.03) and the tax is
        // what is left.
        assert_eq!((all.total_excluded, all.taxes[0].amount), (d("0.03"), d("0.00")));
        // 18.0 rounds the tax (0.005 → 0.01) and the untaxed is what is left.
        let details = tax_details(
            &vat,
            d("0.03"),
            d("1"),
            cents(),
            TaxRounding::PerLine,
            OdooSeries::V18,
        );
        assert_eq!(
            (details.total_excluded, details.taxes[0].amount),
            (d("0.02"), d("0.01"))
        );
        assert_eq!(details.total_included, d("0.03"));
    }

    #[test]
    fn two_included_taxes_are_taken_out_together() {
        // 10 % and 6 % included on 116: the base is 100, not 116/1.1/1.06.
        let taxes = [
            Tax::percent(1, d("10")).price_included(true),
            Tax::percent(2, d("6")).price_included(true).with_sequence(2),
        ];
        let all = compute_all(&taxes, d("116"), d("1"), cents(), TaxRounding::PerLine);
        assert_eq!(all.total_excluded, d("100.00"));
        assert_eq!(
            all.taxes.iter().map(|t| t.amount).collect::<Vec<_>>(),
            [d("10.00"), d("6.00")]
        );
        let details = tax_details(
            &taxes,
            d("116"),
            d("1"),
            cents(),
            TaxRounding::PerLine,
            OdooSeries::V18,
        );
        assert_eq!(details.total_excluded, d("100.00"));
        assert_eq!(
            details.taxes.iter().map(|t| t.amount).collect::<Vec<_>>(),
            [d("10.00"), d("6.00")]
        );
    }

    #[test]
    fn a_tax_affecting_the_base_of_the_next() {
        // Eco-tax of 1 per unit included in the VAT base, then 20 % VAT.
        let taxes = [
            Tax::fixed(1, d("1")).affecting_next_bases(true),
            Tax::percent(2, d("20")).with_sequence(2),
        ];
        for series in ALL {
            let amounts = line(series, TaxRounding::PerLine, &taxes, "10", "3");
            // Base 30, eco-tax 3, VAT on 33 = 6.60.
            assert_eq!(totals(&amounts), (d("30"), d("9.60"), d("39.60")), "{series:?}");
            assert_eq!(amounts.taxes[1].base, d("33"));
        }
        // Without `is_base_affected`, the VAT ignores the eco-tax.
        let taxes = [
            Tax::fixed(1, d("1")).affecting_next_bases(true),
            Tax::percent(2, d("20")).with_sequence(2).base_affected(false),
        ];
        for series in ALL {
            let amounts = line(series, TaxRounding::PerLine, &taxes, "10", "3");
            assert_eq!(totals(&amounts), (d("30"), d("9.00"), d("39.00")), "{series:?}");
        }
    }

    #[test]
    fn division_taxes() {
        // Excluded: 100 / (1 − 10 %) − 100 = 11.11.
        let tax = [Tax::division(1, d("10"))];
        for series in ALL {
            assert_eq!(
                totals(&line(series, TaxRounding::PerLine, &tax, "100", "1")),
                (d("100"), d("11.11"), d("111.11"))
            );
        }
        // Included: 10 % of the price.
        let tax = [Tax::division(1, d("10")).price_included(true)];
        for series in ALL {
            assert_eq!(
                totals(&line(series, TaxRounding::PerLine, &tax, "100", "1")),
                (d("90.00"), d("10.00"), d("100.00"))
            );
        }
    }

    #[test]
    fn fixed_taxes_per_unit() {
        let tax = [Tax::fixed(1, d("0.15"))];
        for series in ALL {
            assert_eq!(
                totals(&line(series, TaxRounding::PerLine, &tax, "2", "4")),
                (d("8"), d("0.60"), d("8.60"))
            );
        }
        // Included: taken out of the price first.
        let tax = [Tax::fixed(1, d("0.15")).price_included(true)];
        for series in ALL {
            assert_eq!(
                totals(&line(series, TaxRounding::PerLine, &tax, "2", "4")),
                (d("7.40"), d("0.60"), d("8.00"))
            );
        }
    }

    #[test]
    fn groups_are_flattened_in_sequence_order() {
        let mut taxes = HashMap::new();
        for tax in [
            Tax::percent(1, d("5")).with_sequence(20),
            Tax::percent(2, d("10")).with_sequence(10),
            Tax::group(3, vec![TaxId(1), TaxId(2)]).with_sequence(5),
            Tax::percent(4, d("1")).with_sequence(1),
        ] {
            taxes.insert(tax.id, tax);
        }
        let flat = flatten(&taxes, &[TaxId(3), TaxId(4), TaxId(2)]).unwrap();
        assert_eq!(flat.iter().map(|t| t.id.0).collect::<Vec<_>>(), [4, 2, 1]);
        for series in ALL {
            let amounts = line(series, TaxRounding::PerLine, &flat, "100", "1");
            assert_eq!(totals(&amounts), (d("100"), d("16.00"), d("116.00")));
        }
        assert_eq!(
            flatten(&taxes, &[TaxId(9)]),
            Err(PricingError::UnknownTax(TaxId(9)))
        );
        taxes.insert(TaxId(5), Tax::group(5, vec![TaxId(6)]));
        taxes.insert(TaxId(6), Tax::group(6, vec![TaxId(5)]));
        assert!(matches!(
            flatten(&taxes, &[TaxId(5)]),
            Err(PricingError::TaxGroupLoop(_))
        ));
    }

    #[test]
    fn negative_lines_mirror_positive_ones() {
        let vat = [Tax::percent(1, d("20"))];
        for series in ALL {
            let amounts = line(series, TaxRounding::PerLine, &vat, "10.05", "-0.5");
            assert_eq!(
                totals(&amounts),
                (d("-5.03"), d("-1.01"), d("-6.04")),
                "{series:?}"
            );
        }
    }

    #[test]
    fn no_taxes() {
        for series in ALL {
            for method in [TaxRounding::PerLine, TaxRounding::Globally] {
                let amounts = line(series, method, &[], "536.27", "0.5");
                assert_eq!(totals(&amounts), (d("268.14"), d("0"), d("268.14")), "{series:?}");
            }
        }
    }

    #[test]
    fn order_totals_per_line_and_globally() {
        // Three lines of 0.333… at 20 %: per line 3 × 0.07 of tax, globally
        // round(3 × 0.0666…) = 0.20.
        let vat = [Tax::percent(1, d("20"))];
        for series in ALL {
            let lines: Vec<LineAmounts> = (0..3)
                .map(|_| line(series, TaxRounding::PerLine, &vat, "0.33", "1"))
                .collect();
            let refs: Vec<&LineAmounts> = lines.iter().collect();
            assert_eq!(
                order_amounts(series, TaxRounding::PerLine, &usd(), &refs),
                (d("0.99"), d("0.21"), d("1.20"))
            );
            let lines: Vec<LineAmounts> = (0..3)
                .map(|_| line(series, TaxRounding::Globally, &vat, "0.33", "1"))
                .collect();
            let refs: Vec<&LineAmounts> = lines.iter().collect();
            assert_eq!(
                order_amounts(series, TaxRounding::Globally, &usd(), &refs),
                (d("0.99"), d("0.20"), d("1.19"))
            );
        }
    }

    #[test]
    fn order_totals_globally_with_included_taxes_only() {
        // Two lines of 0.5 × 10.05 with 5.5 % included: 18.0 and 19.0 keep the
        // total with taxes (10.05) and derive the untaxed amount from it.
        let vat = [Tax::percent(1, d("5.5")).price_included(true)];
        for series in [OdooSeries::V18, OdooSeries::V19] {
            let lines: Vec<LineAmounts> = (0..2)
                .map(|_| line(series, TaxRounding::Globally, &vat, "10.05", "0.5"))
                .collect();
            let refs: Vec<&LineAmounts> = lines.iter().collect();
            // Taxes: round(2 × 0.261967…) = 0.52; untaxed 10.05 − 0.52.
            assert_eq!(
                order_amounts(series, TaxRounding::Globally, &usd(), &refs),
                (d("9.53"), d("0.52"), d("10.05"))
            );
        }
    }
}
