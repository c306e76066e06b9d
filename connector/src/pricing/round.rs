//! Odoo's rounding (`odoo/tools/float_utils.py`), on decimals.

use rust_decimal::{Decimal, RoundingStrategy};

/// Odoo's `float_round(value, precision_rounding=rounding)` with its default
/// `HALF-UP` method: `value` to the nearest multiple of `rounding`, halves
/// away from zero (`float_round(-2.675, precision_rounding=0.01) == -2.68`).
///
/// It serves for a currency's rounding (`res.currency.round`, which may be a
/// step like 0.05 rather than a number of decimals) and for a pricelist rule's
/// `price_round` (round 12.345 to a multiple of 0.10: 12.30).
///
/// Odoo rounds binary floats, where 2.675 is stored as 2.67499999…; so it
/// adds an epsilon scaled to the value's magnitude before rounding
/// (`2**(log2|x| - 52)` up to 17.0; from 18.0 `2**(log2|x| - 50)`, after
/// inverting rounding factors below 1 to divide by an integer) so that a
/// value rounds as it is written. A decimal holds 2.675 exactly, so plain
/// half-away-from-zero rounding gives what the epsilon aims at, in every
/// series.
///
/// As in Odoo, a zero value or a zero `rounding` gives zero; callers check
/// first where "no rounding" is meant (a rule without a rounding step).
pub fn float_round(value: Decimal, rounding: Decimal) -> Decimal {
    if rounding.is_zero() || value.is_zero() {
        return Decimal::ZERO;
    }
    // Normalize, round to an integer, denormalize (as Odoo does).
    match value.checked_div(rounding) {
        Some(steps) => steps
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .checked_mul(rounding)
            .unwrap_or(value),
        None => value,
    }
}

/// Odoo's `float_round(value, precision_digits=digits)`: what a float field
/// with a decimal accuracy (`digits='Product Price'`, `'Discount'`) stores.
pub fn round_digits(value: Decimal, digits: u32) -> Decimal {
    value.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn half_up_on_values_that_binary_floats_store_just_below_the_tie() {
        // Odoo's own cases (odoo/addons/base/tests/test_float.py): the floats
        // of 2.675, 1.005 and 0.285 lie below the tie; Odoo's epsilon lifts
        // them, a decimal is exact.
        assert_eq!(float_round(d("2.675"), d("0.01")), d("2.68"));
        assert_eq!(float_round(d("1.005"), d("0.01")), d("1.01"));
        assert_eq!(float_round(d("0.285"), d("0.01")), d("0.29"));
        assert_eq!(float_round(d("-2.675"), d("0.01")), d("-2.68"));
        assert_eq!(float_round(d("2.674999"), d("0.01")), d("2.67"));
        assert_eq!(round_digits(d("2.675"), 2), d("2.68"));
        assert_eq!(round_digits(d("-0.5"), 0), d("-1"));
        assert_eq!(round_digits(d("0.4999999"), 0), d("0"));
    }

    #[test]
    fn rounding_to_a_multiple() {
        // `price_round` makes a price a multiple of the step.
        assert_eq!(float_round(d("12.345"), d("0.10")), d("12.30"));
        assert_eq!(float_round(d("12.35"), d("0.10")), d("12.40"));
        assert_eq!(float_round(d("1.3"), d("0.5")), d("1.5"));
        assert_eq!(float_round(d("1.2"), d("0.5")), d("1.0"));
        assert_eq!(float_round(d("26.91"), d("0.05")), d("26.90"));
        assert_eq!(float_round(d("26.925"), d("0.05")), d("26.95"));
        assert_eq!(float_round(d("1494"), d("10")), d("1490"));
        assert_eq!(float_round(d("1495"), d("10")), d("1500"));
        assert_eq!(float_round(d("-1.25"), d("0.5")), d("-1.5"));
        // A currency rounding to 0.05 (Swiss francs).
        assert_eq!(float_round(d("10.024"), d("0.05")), d("10.00"));
        assert_eq!(float_round(d("10.025"), d("0.05")), d("10.05"));
    }

    #[test]
    fn zero_value_or_zero_rounding_gives_zero_as_in_odoo() {
        assert_eq!(float_round(Decimal::ZERO, d("0.01")), Decimal::ZERO);
        assert_eq!(float_round(d("3.14"), Decimal::ZERO), Decimal::ZERO);
    }

    #[test]
    fn the_result_carries_the_steps_scale() {
        assert_eq!(float_round(d("20.6025"), d("0.01")).to_string(), "20.60");
        assert_eq!(round_digits(d("20.6025"), 2).to_string(), "20.60");
    }
}
