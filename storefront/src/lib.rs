//! The storefront: an actix-web server selling from the mirror of an Odoo
//! catalog. It is laid out in layers, each a folder whose `mod.rs` says what
//! it owns and what it may use; imports run one way (`tests/layers.rs` holds
//! them to it):
//!
//! ```text
//! app ──▶ http ──▶ workers ──▶ shop ──▶ store
//!  │        │                   │
//!  │        └──────────────────▶├──────▶ i18n
//!  └──▶ (everything)            └──────▶ connector (Odoo)
//! ```
//!
//! - [`app`]: the wiring: settings, startup, the demo.
//! - [`http`]: the actix parts: the visit of a request, sessions and CSRF,
//!   the HTML pages, the JSON API, admin, health, metrics, the request log,
//!   templates and the page cache.
//! - [`workers`]: the loops in the background that talk to Odoo: the resync
//!   of the mirror and the delivery of orders.
//! - [`shop`]: the trade, in plain Rust: the catalog and its prices, the
//!   cart, pickup slots, checkout, orders, customers' accounts. No HTTP.
//! - [`store`]: the embedded database (SQLite or PostgreSQL).
//! - [`i18n`]: languages, formats, messages.

pub mod app;
pub mod http;
pub mod i18n;
pub mod shop;
pub mod store;
pub mod workers;
