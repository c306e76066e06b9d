//! The wiring: the settings read from the environment, the server built
//! from them, and the demo. It may use every other layer; none uses it.
//!
//! - [`settings`]: typed settings from the environment (and a file).
//! - [`startup`]: builds the server, its workers and its state.
//! - [`demo`]: `storefront demo`, the shop on the Odoo double.

pub mod demo;
pub mod settings;
pub mod startup;
