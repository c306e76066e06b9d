//! Shares of cases bought together (see [`crate::shop::cases`]): what each
//! customer took of a case in a round, and the round's settlement at its
//! cut-off.
//!
//! Every share written in a round first locks the round's row (an upsert on
//! it: the write lock on SQLite, that row's lock on PostgreSQL), then counts
//! the other shares of the case: writers of one round serialize, across
//! instances too, and the shares of a case never exceed it. Closing a round
//! takes the same lock, so no share slips in after it.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{decimal_text, Store, StoreError};

/// The columns of a [`Share`], as read by [`share_of`].
macro_rules! share_columns {
    () => {
        "round_at, product_id, partner_id, login, quantity, case_size, slot_id, state, order_key, told, updated_at"
    };
}
/// Where a share stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareState {
    /// Taken, the round still open (or not settled yet).
    Open,
    /// The case was filled (or completed by the shop): the share is in an
    /// order.
    Ordered,
    /// The case was not filled at the cut-off: nothing is ordered.
    Dropped,
}

impl ShareState {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareState::Open => "open",
            ShareState::Ordered => "ordered",
            ShareState::Dropped => "dropped",
        }
    }
}

impl FromStr for ShareState {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<ShareState, StoreError> {
        match text {
            "open" => Ok(ShareState::Open),
            "ordered" => Ok(ShareState::Ordered),
            "dropped" => Ok(ShareState::Dropped),
            _ => Err(StoreError::Corrupt(
                format!("share state {text:?}"),
                "expected open, ordered or dropped".to_owned(),
            )),
        }
    }
}

/// A customer's share of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// The round's cut-off (unix seconds).
    pub round_at: i64,
    /// The variant sold by the case.
    pub product_id: i64,
    /// The customer.
    pub partner_id: i64,
    /// Their login when they took it (to price it as them at the cut-off).
    pub login: String,
    /// How many units they take.
    pub quantity: Decimal,
    /// The case's size when they took it.
    pub case_size: Decimal,
    /// Where they collect it.
    pub slot_id: i64,
    /// Where it stands.
    pub state: ShareState,
    /// The order it went into, once ordered.
    pub order_key: Option<String>,
    /// Whether the customer was told it was dropped.
    pub told: bool,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

/// A share to write (see [`Store::set_share`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShare<'a> {
    /// The round's cut-off (unix seconds).
    pub round_at: i64,
    /// The variant.
    pub product_id: i64,
    /// The customer.
    pub partner_id: i64,
    /// Their login.
    pub login: &'a str,
    /// The quantity; zero gives the share up.
    pub quantity: Decimal,
    /// The case's size now.
    pub case_size: Decimal,
    /// The pickup slot.
    pub slot_id: i64,
    /// Unix seconds.
    pub now: i64,
}

/// The outcome of [`Store::set_share`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareWrite {
    /// Written: the case now holds `taken` (every open share).
    Written {
        /// What the case's shares add up to.
        taken: Decimal,
    },
    /// Not written: the others' shares leave only `available`.
    Full {
        /// What is left for this customer.
        available: Decimal,
    },
    /// Not written: the round is closed.
    Closed,
}

/// A round due for settlement (see [`Store::due_rounds`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRound {
    /// Its cut-off.
    pub round_at: i64,
    /// Its random key.
    pub round_key: String,
}

impl Store {
    /// Sets the customer's share of a case in a round, if the round is open
    /// and the other shares leave room for it; a quantity of zero gives the
    /// share up. The round's row is locked first (see the module).
    pub async fn set_share(&self, share: &NewShare<'_>) -> Result<ShareWrite, StoreError> {
        if share.quantity < Decimal::ZERO {
            return Err(StoreError::InvalidQuantity(share.quantity.to_string()));
        }
        let mut tx = self.begin_write().await?;
        let state: String = sqlx::query(
            "INSERT INTO share_rounds (round_at, round_key, state, lease_until, settled_at)
             VALUES ($1, $2, 'open', 0, NULL)
             ON CONFLICT (round_at) DO UPDATE SET round_at = share_rounds.round_at
             RETURNING state",
        )
        .bind(share.round_at)
        .bind(super::ids::random_id())
        .fetch_one(&mut *tx)
        .await?
        .try_get("state")?;
        if state != "open" {
            tx.rollback().await?;
            return Ok(ShareWrite::Closed);
        }
        let rows = sqlx::query(
            "SELECT quantity FROM case_shares
             WHERE round_at = $1 AND product_id = $2 AND partner_id <> $3 AND state = 'open'",
        )
        .bind(share.round_at)
        .bind(share.product_id)
        .bind(share.partner_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut others = Decimal::ZERO;
        for row in &rows {
            others += quantity(row, "quantity")?;
        }
        if others + share.quantity > share.case_size {
            tx.rollback().await?;
            return Ok(ShareWrite::Full {
                available: (share.case_size - others).max(Decimal::ZERO),
            });
        }
        if share.quantity.is_zero() {
            sqlx::query(
                "DELETE FROM case_shares WHERE round_at = $1 AND product_id = $2 AND partner_id = $3",
            )
            .bind(share.round_at)
            .bind(share.product_id)
            .bind(share.partner_id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO case_shares (round_at, product_id, partner_id, login, quantity, case_size, slot_id,
                                          state, order_key, told, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', NULL, 0, $8)
                 ON CONFLICT (round_at, product_id, partner_id) DO UPDATE SET
                    login = excluded.login, quantity = excluded.quantity, case_size = excluded.case_size,
                    slot_id = excluded.slot_id, updated_at = excluded.updated_at",
            )
            .bind(share.round_at)
            .bind(share.product_id)
            .bind(share.partner_id)
            .bind(share.login)
            .bind(decimal_text(share.quantity))
            .bind(decimal_text(share.case_size))
            .bind(share.slot_id)
            .bind(share.now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(ShareWrite::Written {
            taken: others + share.quantity,
        })
    }

    /// What the open shares of each case of a round add up to, by variant.
    pub async fn case_totals(&self, round_at: i64) -> Result<HashMap<i64, Decimal>, StoreError> {
        let rows = sqlx::query(
            "SELECT product_id, quantity FROM case_shares WHERE round_at = $1 AND state = 'open'",
        )
        .bind(round_at)
        .fetch_all(&self.pool)
        .await?;
        let mut totals: HashMap<i64, Decimal> = HashMap::new();
        for row in &rows {
            *totals.entry(row.try_get("product_id")?).or_default() += quantity(row, "quantity")?;
        }
        Ok(totals)
    }

    /// Whether the round of cut-off `round_at` still takes shares (a round
    /// never written to does).
    pub async fn round_is_open(&self, round_at: i64) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT state FROM share_rounds WHERE round_at = $1")
            .bind(round_at)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<String, _>("state")? == "open",
            None => true,
        })
    }

    /// The customer's shares of rounds whose cut-off is `since` or later,
    /// newest round first.
    pub async fn shares_of(&self, partner_id: i64, since: i64) -> Result<Vec<Share>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            share_columns!(),
            " FROM case_shares WHERE partner_id = $1 AND round_at >= $2 ORDER BY round_at DESC, product_id"
        ))
        .bind(partner_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(share_of).collect()
    }

    /// Every share of a round, by case then customer.
    pub async fn round_shares(&self, round_at: i64) -> Result<Vec<Share>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            share_columns!(),
            " FROM case_shares WHERE round_at = $1 ORDER BY product_id, updated_at, partner_id"
        ))
        .bind(round_at)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(share_of).collect()
    }

    /// Closes the round of cut-off `round_at` now (before its cut-off: the
    /// shop orders early), creating it if nobody took a share yet: no share
    /// is written in it from then on.
    pub async fn close_round(&self, round_at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO share_rounds (round_at, round_key, state, lease_until, settled_at)
             VALUES ($1, $2, 'closed', 0, NULL)
             ON CONFLICT (round_at) DO UPDATE SET state = 'closed' WHERE share_rounds.state = 'open'",
        )
        .bind(round_at)
        .bind(super::ids::random_id())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The rounds to settle at `now`: past their cut-off, or closed early,
    /// and not settled; oldest first.
    pub async fn due_rounds(&self, now: i64) -> Result<Vec<DueRound>, StoreError> {
        let rows = sqlx::query(
            "SELECT round_at, round_key FROM share_rounds
             WHERE state <> 'settled' AND (round_at <= $1 OR state = 'closed')
             ORDER BY round_at",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DueRound {
                    round_at: row.try_get("round_at")?,
                    round_key: row.try_get("round_key")?,
                })
            })
            .collect()
    }

    /// Takes the settlement of a round until `until` (unix seconds), if
    /// nobody holds it at `now`, and closes the round: whether it was taken.
    /// One conditional update on the round's row (locked by share writers
    /// too): of settlers racing, one gets it, and no share is written in
    /// the round once it returns.
    pub async fn take_round(&self, round_at: i64, now: i64, until: i64) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "UPDATE share_rounds SET state = 'closed', lease_until = $3
             WHERE round_at = $1 AND state <> 'settled' AND lease_until <= $2",
        )
        .bind(round_at)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Decides the open shares of a case: `ordered` or `dropped`. With
    /// `completion`, the shop's own share of what was missing is added,
    /// ordered. Idempotent: shares already decided stay as they are.
    pub async fn decide_case(
        &self,
        round_at: i64,
        product_id: i64,
        state: ShareState,
        completion: Option<&NewShare<'_>>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE case_shares SET state = $3
             WHERE round_at = $1 AND product_id = $2 AND state = 'open'",
        )
        .bind(round_at)
        .bind(product_id)
        .bind(state.as_str())
        .execute(&mut *tx)
        .await?;
        if let Some(shop) = completion.filter(|s| s.quantity > Decimal::ZERO) {
            sqlx::query(
                "INSERT INTO case_shares (round_at, product_id, partner_id, login, quantity, case_size, slot_id,
                                          state, order_key, told, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'ordered', NULL, 1, $8)
                 ON CONFLICT (round_at, product_id, partner_id) DO NOTHING",
            )
            .bind(shop.round_at)
            .bind(shop.product_id)
            .bind(shop.partner_id)
            .bind(shop.login)
            .bind(decimal_text(shop.quantity))
            .bind(decimal_text(shop.case_size))
            .bind(shop.slot_id)
            .bind(shop.now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records the order that the customer's ordered shares of a round
    /// went into.
    pub async fn set_share_order(&self, round_at: i64, partner_id: i64, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE case_shares SET order_key = $3
             WHERE round_at = $1 AND partner_id = $2 AND state = 'ordered'",
        )
        .bind(round_at)
        .bind(partner_id)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that the customer was told their share was dropped.
    pub async fn mark_share_told(
        &self,
        round_at: i64,
        product_id: i64,
        partner_id: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE case_shares SET told = 1
             WHERE round_at = $1 AND product_id = $2 AND partner_id = $3",
        )
        .bind(round_at)
        .bind(product_id)
        .bind(partner_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends a round's settlement: settled for good, or (when `settled` is
    /// false) let go to be tried again from `retry_at`.
    pub async fn end_round(
        &self,
        round_at: i64,
        settled: bool,
        now: i64,
        retry_at: i64,
    ) -> Result<(), StoreError> {
        if settled {
            sqlx::query("UPDATE share_rounds SET state = 'settled', settled_at = $2, lease_until = 0 WHERE round_at = $1")
                .bind(round_at)
                .bind(now)
                .execute(&self.pool)
                .await?;
        } else {
            sqlx::query("UPDATE share_rounds SET lease_until = $2 WHERE round_at = $1")
                .bind(round_at)
                .bind(retry_at)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

fn share_of(row: &AnyRow) -> Result<Share, StoreError> {
    let state: String = row.try_get("state")?;
    Ok(Share {
        round_at: row.try_get("round_at")?,
        product_id: row.try_get("product_id")?,
        partner_id: row.try_get("partner_id")?,
        login: row.try_get("login")?,
        quantity: quantity(row, "quantity")?,
        case_size: quantity(row, "case_size")?,
        slot_id: row.try_get("slot_id")?,
        state: state.parse()?,
        order_key: row.try_get("order_key")?,
        told: row.try_get::<i64, _>("told")? != 0,
        updated_at: row.try_get("updated_at")?,
    })
}

fn quantity(row: &AnyRow, column: &str) -> Result<Decimal, StoreError> {
    let text: String = row.try_get(column)?;
    Decimal::from_str(&text)
        .map(|value| value.normalize())
        .map_err(|e| StoreError::Corrupt(format!("share {column} {text:?}"), e.to_string()))
}
