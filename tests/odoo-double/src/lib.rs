//! A stateful, in-memory Odoo that speaks real XML-RPC (and, as Odoo 19,
//! the JSON-2 API) over HTTP on a loopback port, for the tests and the
//! demo.
//!
//! - [`OdooDouble`]: the running server and its controls (latency, injected
//!   faults, misbehaviours, stop/resume on the same port, the call log,
//!   direct access to the data, the clock).
//! - [`Dataset`]: what it serves — a JSON file, the built-in shop
//!   ([`Dataset::shop`]), or a dataset rebuilt from recorded exchanges
//!   ([`Dataset::from_recordings`]).
//! - [`Database`]: the data, as tests change it ([`OdooDouble::with_db`]).
//! - [`LinePricer`]: how sale order lines are priced (the seam for the
//!   connector's own pricing).
//! - [`schema`]: the emulated models, per series (16.0 to 19.0).
//!
//! See the crate's README for the dataset format and what is emulated.

mod dataset;
mod db;
mod demo;
mod faults;
mod json2;
mod mail;
pub mod pricing;
mod read;
mod rpc;
mod sale;
pub mod schema;
mod search;
mod server;
mod stock;

pub use dataset::{Dataset, DatasetError, DatasetUser, ExtraField};
pub use db::{Database, DATETIME_FORMAT, DATE_FORMAT, SUPERUSER};
pub use pricing::{
    AmountRequest, ConnectorPricer, DefaultPricer, LineAmounts, LinePrice, LinePricer, PriceRequest,
};
pub use schema::Series;
pub use server::{Call, Misbehaviour, OdooDouble};

/// The XML-RPC fault type (re-exported from the connector).
pub use connector::xmlrpc::Fault;
