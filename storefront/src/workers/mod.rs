//! The loops in the background: [`resync`] keeps the mirror fresh,
//! [`outbox`] delivers the orders Odoo does not have yet, [`janitor`]
//! forgets expired sessions.
//!
//! They may use [`crate::shop`], [`crate::store`] and the connector; never
//! the web or the wiring (these tell them when to run and what to report).

pub mod janitor;
pub mod outbox;
pub mod resync;
