//! Inventory's records, when the database has Inventory (`stock`): the
//! transfers that deliver a sale order.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::fields;
use super::{FieldSpec, Record};

/// A transfer (`stock.picking`): a sale order's delivery, or one step of it
/// (pick, pack, out) when the warehouse delivers in several.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct StockPicking {
    /// The id.
    pub id: i64,
    /// The reference, e.g. `WH/OUT/00012`.
    pub name: String,
    /// `draft`, `waiting`, `confirmed`, `assigned` (Odoo's "Ready": the
    /// goods are reserved, nothing more), `done` or `cancel`: a string, so
    /// that a state some module adds is carried rather than refused.
    pub state: String,
    /// `outgoing`, `internal` or `incoming`, when read.
    #[serde(default)]
    pub picking_type_code: Option<String>,
    /// When it was validated (UTC).
    #[serde(default, with = "fields::opt_datetime")]
    pub date_done: Option<DateTime<Utc>>,
}

impl StockPicking {
    /// Whether the transfer was validated.
    pub fn is_done(&self) -> bool {
        self.state == "done"
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.state == "cancel"
    }
}

impl Record for StockPicking {
    const MODEL: &'static str = "stock.picking";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["state"]),
        FieldSpec::optional(&["picking_type_code"]),
        FieldSpec::optional(&["date_done"]),
    ];
}
