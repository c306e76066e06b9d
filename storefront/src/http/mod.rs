//! The web: everything that knows of actix, cookies and templates. Each
//! handler reads the request into the shop's terms, calls one operation of
//! [`crate::shop`] and shows its outcome, as a page or as JSON: the HTML
//! page and the API are two views of the same operation, and neither
//! computes a price.
//!
//! It may use [`crate::shop`], [`crate::workers`] (admin and health read and
//! trigger them), [`crate::store`] and [`crate::i18n`]; never [`crate::app`].
//!
//! - [`state`]: what requests share; [`middleware`]: what every request
//!   meets first: the shop, the access log, the session cookie, the
//!   security headers.
//! - [`visit`]: one request's context: session, customer, language; errors.
//! - [`session`]: signed cookies and CSRF tokens; [`proxies`]: the client's
//!   address behind trusted proxies.
//! - [`pages`], [`account`], [`checkout`], [`orders`]: the HTML pages.
//! - [`api`]: the JSON API and its OpenAPI document.
//! - [`views`]: what templates get, and how the shop's values are shown.
//! - [`render`]: templates and assets; [`page_cache`]: pages rendered once
//!   for the customers who see the same thing.
//! - [`errors`]: requests that cannot be read, paths that do not exist.
//! - [`webhooks`]: where Odoo tells the shop what changed.
//! - [`admin`], [`health`], [`metrics`], [`logging`]: the operator's side.

pub mod account;
pub mod admin;
pub mod api;
pub mod checkout;
pub mod errors;
pub mod health;
pub mod logging;
pub mod metrics;
pub mod middleware;
pub mod orders;
pub mod page_cache;
pub mod pages;
pub mod proxies;
pub mod render;
pub mod session;
pub mod state;
pub mod views;
pub mod visit;
pub mod webhooks;
