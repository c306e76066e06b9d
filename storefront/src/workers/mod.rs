//! The loops in the background: [`resync`] keeps the mirror fresh,
//! [`webhooks`] applies what Odoo says changed, [`outbox`] delivers the
//! orders Odoo does not have yet (and tells of those it has), [`stock`]
//! reads again how many are left, [`cases`] shows the shared cases'
//! progress and settles their rounds, [`janitor`] forgets expired sessions.
//!
//! They may use [`crate::shop`], [`crate::store`] and the connector; never
//! the web or the wiring (these tell them when to run and what to report).

pub mod cases;
pub mod janitor;
pub mod outbox;
pub mod resync;
pub mod stock;
pub mod webhooks;
