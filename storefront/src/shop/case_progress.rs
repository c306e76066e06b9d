//! What is shown of the cases bought together (see [`crate::shop::cases`]):
//! each case's progress in the current round. Apart from the cases' rules,
//! so that the customer's shelf can carry it without the catalog depending
//! on the cart.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// What is shown of a case: its size, how much of it is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseShown {
    /// The case's size, in the product's unit.
    pub size: Decimal,
    /// What the round's shares add up to.
    pub taken: Decimal,
    /// The packaging's name ("Carton de 6").
    pub packaging: String,
}

impl CaseShown {
    /// What is missing to fill the case.
    pub fn missing(&self) -> Decimal {
        (self.size - self.taken).max(Decimal::ZERO)
    }
}

/// The round shares are taken for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// Its cut-off.
    pub closes_at: DateTime<Utc>,
    /// Its cut-off in the shop's time zone.
    pub closes_local: chrono::NaiveDateTime,
    /// Whether it still takes shares (the staff may close it early).
    pub open: bool,
}

/// What is shown of the shared cases; `generation` changes with it.
#[derive(Debug, Default)]
pub struct CasesShown {
    /// Changes whenever what is shown does (shared pages are kept per
    /// generation).
    pub generation: u64,
    /// The current round, if any slot is offered.
    pub round: Option<Round>,
    by_variant: HashMap<i64, CaseShown>,
}

impl CasesShown {
    /// What is shown, as of `generation`.
    pub fn new(generation: u64, round: Option<Round>, by_variant: HashMap<i64, CaseShown>) -> Self {
        Self {
            generation,
            round,
            by_variant,
        }
    }

    /// Whether it shows exactly `by_variant`.
    pub fn shows(&self, by_variant: &HashMap<i64, CaseShown>) -> bool {
        self.by_variant == *by_variant
    }

    /// The case of variant `id`, if it is sold by the shared case.
    pub fn of(&self, id: i64) -> Option<&CaseShown> {
        self.by_variant.get(&id)
    }

    /// Whether shares can be taken now.
    pub fn is_open(&self) -> bool {
        self.round.is_some_and(|r| r.open)
    }
}
