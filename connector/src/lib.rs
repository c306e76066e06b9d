//! The storefront's conversation with Odoo.
//!
//! - [`xmlrpc`]: the wire format (values, calls, responses, faults).
//! - [`client`]: the Odoo client (`common.version`, `common.authenticate`,
//!   `object.execute_kw`), with typed calls and typed errors ([`error`]).
//! - [`domain`]: search domains, built as trees.
//! - [`records`]: typed records of the models the storefront reads and writes.
//! - [`orders`]: draft sale orders written, found by their key, read, cancelled.
//! - [`automation`]: Odoo's automation rules (17+) that POST to the storefront
//!   when a mirrored record changes.
//! - [`cases`]: the products sold by the shared case (from Odoo's
//!   packagings), and a message to a customer through Odoo.

pub mod automation;
pub mod cases;
pub mod client;
pub mod company;
pub mod domain;
pub mod error;
pub mod inform;
pub mod json2;
pub mod mirror;
pub mod orders;
pub mod pricing;
pub mod records;
pub mod search;
pub mod stock;
pub mod xmlrpc;

pub use client::{Client, ClientBuilder, Credentials, ErrorObserver, Transport};
pub use company::CompanyChoice;
pub use domain::{field, Domain};
pub use error::{Error, ErrorKind, FaultKind};
