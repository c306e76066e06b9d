//! The wiring: the settings read from the environment, the server built
//! from them, and the demo. It may use every other layer; none uses it.
//!
//! - [`settings`]: typed settings from the environment (and a file).
//! - [`startup`]: builds the server, its workers and its state.
//! - [`demo`]: `storefront demo`, the shop on the Odoo double.
//! - [`odoo_setup`]: `storefront odoo-setup`, the automation rules that make
//!   Odoo 17+ tell the shop what changed.

pub mod demo;
pub mod odoo_setup;
pub mod settings;
pub mod startup;
