//! The storefront's conversation with Odoo.
//!
//! - [`xmlrpc`]: the wire format.

pub mod xmlrpc;
