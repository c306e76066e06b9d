//! Pickup slots, kept as calendar events.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::fields;
use super::{FieldSpec, Record};

/// A calendar event (`calendar.event`): a pickup slot when it is in the
/// "Pickup" category. A recurrence is stored as one event per occurrence.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct CalendarEvent {
    /// The id.
    pub id: i64,
    /// The title.
    pub name: String,
    /// The start (UTC).
    #[serde(with = "fields::datetime")]
    pub start: DateTime<Utc>,
    /// The end (UTC).
    #[serde(with = "fields::datetime")]
    pub stop: DateTime<Utc>,
    /// Whether it lasts whole days.
    pub allday: bool,
    /// The place.
    pub location: Option<String>,
    /// The description, as HTML (a line `Capacity: N` caps the orders).
    pub description: Option<String>,
    /// Its categories (`calendar.event.type`).
    #[serde(with = "fields::x2many")]
    pub categ_ids: Vec<i64>,
    /// Whether it is an occurrence of a recurrence.
    pub recurrency: bool,
    /// When it last changed (UTC).
    #[serde(with = "fields::datetime")]
    pub write_date: DateTime<Utc>,
}

impl Record for CalendarEvent {
    const MODEL: &'static str = "calendar.event";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["name"]),
        FieldSpec::required(&["start"]),
        FieldSpec::required(&["stop"]),
        FieldSpec::required(&["allday"]),
        FieldSpec::required(&["location"]),
        FieldSpec::required(&["description"]),
        FieldSpec::required(&["categ_ids"]),
        FieldSpec::required(&["recurrency"]),
        FieldSpec::required(&["write_date"]),
    ];
}
