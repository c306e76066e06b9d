//! The storefront: an actix-web server selling from the mirror of an Odoo
//! catalog. So far it runs the mirror's resync (on a schedule and on an
//! authenticated request) and reports its health; the shop's pages come
//! next.
//!
//! - [`settings`]: typed settings from the environment.
//! - [`startup`]: builds the server from the settings.
//! - [`resync`]: keeps the mirror fresh and remembers how the last sync went.
//! - [`health`]: `/healthz` and `/readyz`.
//! - [`admin`]: `POST /admin/resync`, behind the admin token.

pub mod admin;
pub mod health;
pub mod resync;
pub mod settings;
pub mod startup;
