//! The storefront: an actix-web server selling from the mirror of an Odoo
//! catalog.
//!
//! - [`settings`]: typed settings from the environment (and a file).
//! - [`demo`]: `storefront demo`, the shop on the Odoo double.
//! - [`startup`]: builds the server from the settings.
//! - [`state`]: what requests share; the session cookie middleware.
//! - [`visit`]: one request's context: session, customer, language; errors.
//! - [`session`]: signed cookies and CSRF tokens.
//! - [`store`]: the embedded database: sessions, throttling, carts, favorites.
//! - [`account`]: log in, log out, sign-up requests, language.
//! - [`catalog`]: categories, product cards and pages at the customer's prices.
//! - [`cart`]: the cart, checked and priced.
//! - [`slots`]: pickup slots from Odoo's calendar; [`checkout`]: placing an
//!   order; [`outbox`]: delivering orders to Odoo, retried until it has
//!   them; [`orders`]: a customer's orders, cancel and re-order.
//! - [`pages`]: the HTML pages; [`page_cache`]: pages rendered once for the
//!   customers who see the same thing; [`api`]: the JSON API and its OpenAPI
//!   document.
//! - [`render`]: templates, assets and messages; [`views`]: what templates get;
//!   [`i18n`]: languages and formats.
//! - [`resync`]: keeps the mirror fresh. [`health`]: `/healthz`, `/readyz`.
//!   [`admin`]: `POST /admin/resync` and the outbox, behind the admin token.
//!   [`metrics`]: `/metrics`; [`logging`]: a log line and an id per request.

pub mod account;
pub mod admin;
pub mod api;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod demo;
pub mod fiscal_positions;
pub mod health;
pub mod i18n;
pub mod logging;
pub mod metrics;
pub mod orders;
pub mod outbox;
pub mod page_cache;
pub mod pages;
pub mod proxies;
pub mod render;
pub mod resync;
pub mod session;
pub mod settings;
pub mod slots;
pub mod startup;
pub mod state;
pub mod store;
pub mod views;
pub mod visit;
