//! One request's context: who is asking (the session, the customer if
//! logged in), in which language, against which snapshot; and how pages
//! are rendered and errors shown for them.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::cookie::Cookie;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use rust_decimal::Decimal;

use crate::http::metrics::SharedPage;
use crate::http::page_cache::{self, Filling, Hole, PageKey, Skeleton};
use crate::http::session::LANG_COOKIE;
use crate::http::state::AppState;
use crate::http::views::{CustomerView, Flash, LanguageLink, Layout, ShelfView};
use crate::i18n::{self, Messages};
use crate::shop::catalog::{CatalogIndex, Shelf};
use crate::shop::{Customer, Shop};

/// The flash cookie: a message key and an optional product id, shown once.
pub const FLASH_COOKIE: &str = "sf_flash";

/// The session id the session middleware found (or made) for a request.
#[derive(Debug, Clone)]
pub struct SessionId {
    /// The session.
    pub session: std::rc::Rc<crate::http::session::Session>,
    /// Whether it is new (its cookie must be set on the response).
    pub fresh: bool,
}

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum PageError {
    /// No such page, product or category (or not the customer's).
    NotFound,
    /// The page needs a logged-in customer.
    LoginRequired,
    /// A form came without the session's CSRF token.
    Csrf,
    /// The request is wrong; the message says how (in the page's language).
    BadRequest(String),
    /// No snapshot yet: the shop cannot show its catalog.
    Unavailable,
    /// Anything else: logged, and shown as "something went wrong".
    Internal(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError::Internal(e.into())
    }
}

/// The context of one request.
#[derive(Debug)]
pub struct Visit {
    /// The application.
    pub state: web::Data<AppState>,
    /// The request.
    pub request: HttpRequest,
    /// The session (its id, and its CSRF token when a form needs it).
    pub session: std::rc::Rc<crate::http::session::Session>,
    /// The customer, when logged in.
    pub customer: Option<Customer>,
    /// The language (Odoo code, e.g. `fr_FR`).
    pub lang: String,
    /// The catalog of the current snapshot.
    pub index: Arc<CatalogIndex>,
    /// The number of cart lines, once read (the menu's badge needs no
    /// second query).
    cart_size: std::sync::OnceLock<usize>,
}

impl FromRequest for Visit {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| actix_web::error::ErrorInternalServerError("no application state"))?;
            let sid = req
                .extensions()
                .get::<SessionId>()
                .cloned()
                .unwrap_or_else(|| SessionId {
                    session: std::rc::Rc::new(crate::http::session::Session::new(
                        &state.key,
                        crate::store::ids::random_id(),
                    )),
                    fresh: true,
                });
            let index = state.index();
            let customer = if sid.fresh {
                None
            } else {
                let now = chrono::Utc::now().timestamp();
                let hash = sid.session.hash();
                let record = match state.sessions.get(hash).await {
                    Some(cached) => cached.filter(|r| r.expires_at > now),
                    None => {
                        let record = state.shop.store.session(hash, now).await.map_err(|e| {
                            tracing::error!(error = %e, "cannot read a session");
                            actix_web::error::ErrorServiceUnavailable("the shop's database is unavailable")
                        })?;
                        state.sessions.insert(hash.to_owned(), record.clone()).await;
                        record
                    }
                };
                match record.and_then(|r| state.shop.customer_of(&index, r)) {
                    Some(customer) => Some(state.shop.with_fiscal_position(&index, customer).await),
                    None => None,
                }
            };
            let lang = language(&state, &req, &index, customer.as_ref());
            Ok(Visit {
                session: sid.session,
                state,
                request: req,
                customer,
                lang,
                index,
                cart_size: std::sync::OnceLock::new(),
            })
        })
    }
}

fn language(
    state: &AppState,
    req: &HttpRequest,
    index: &CatalogIndex,
    customer: Option<&Customer>,
) -> String {
    let languages = state.shop.languages(&index.snapshot);
    let known = |code: &str| languages.iter().find(|l| *l == code).cloned();
    if let Some(lang) = crate::http::session::cookie_value(req.headers(), LANG_COOKIE).and_then(known) {
        return lang;
    }
    if let Some(lang) = customer
        .and_then(|c| index.snapshot.partners.records.get(&c.partner_id))
        .and_then(|p| p.lang.as_deref())
        .and_then(known)
    {
        return lang;
    }
    if let Some(lang) = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| i18n::from_accept_language(h, languages))
    {
        return lang.clone();
    }
    languages.first().cloned().unwrap_or_else(|| "en_US".into())
}

impl Visit {
    /// The messages of the page's language.
    pub fn messages(&self) -> &Messages {
        self.state.renderer.messages(i18n::short(&self.lang))
    }

    /// Whether `token` is this session's CSRF token.
    pub fn csrf_ok(&self, token: &str) -> bool {
        self.state.key.check_csrf(self.session.id(), token)
    }

    /// The customer, or the reason the page cannot be shown.
    pub fn customer(&self) -> Result<&Customer, PageError> {
        if self.index.snapshot.synced_at.is_none() {
            return Err(PageError::Unavailable);
        }
        self.customer.as_ref().ok_or(PageError::LoginRequired)
    }

    /// The path and query of the request.
    pub fn current_path(&self) -> String {
        let uri = self.request.uri();
        uri.path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into())
    }

    /// The shop.
    pub fn shop(&self) -> &Shop {
        &self.state.shop
    }

    /// The customer's favorites and cart quantities.
    pub async fn favorites_and_cart(
        &self,
        customer: &Customer,
    ) -> Result<(HashSet<i64>, HashMap<i64, Decimal>), PageError> {
        let (favorites, cart) = self.shop().favorites_and_cart(customer).await?;
        let _ = self.cart_size.set(cart.len());
        Ok((favorites, cart))
    }

    /// A shelf for pricing and checking quantities only (see
    /// [`Shop::pricing_shelf`]).
    pub fn pricing_shelf(&self, customer: &Customer) -> Shelf<'_> {
        self.shop().pricing_shelf(&self.index, &self.lang, customer)
    }

    /// The customer's shelf, their favorites and cart marked.
    pub fn shelf<'a>(
        &'a self,
        customer: &Customer,
        favorites: &'a HashSet<i64>,
        cart: &'a HashMap<i64, Decimal>,
    ) -> Shelf<'a> {
        self.shop()
            .shelf(&self.index, &self.lang, customer, favorites, cart)
    }

    /// `shelf` as this page shows it.
    pub fn shelf_view<'s>(&'s self, shelf: &'s Shelf<'s>) -> ShelfView<'s> {
        ShelfView {
            shelf,
            messages: self.messages(),
        }
    }

    /// The shop's name.
    pub fn shop_name(&self) -> String {
        self.shop().name(&self.index)
    }

    /// The number of lines in the customer's cart (the menu's badge).
    async fn cart_count(&self) -> usize {
        match (&self.customer, self.cart_size.get()) {
            (Some(_), Some(size)) => *size,
            (Some(c), None) => self.shop().store.cart_count(c.partner_id).await.unwrap_or(0),
            (None, _) => 0,
        }
    }

    async fn layout(&self, title: &str) -> Layout {
        let cart_count = self.cart_count().await.to_string();
        let messages = self.messages();
        let flashes = self
            .request
            .cookie(FLASH_COOKIE)
            .and_then(|c| {
                let (key, arg) = c.value().split_once('.').unwrap_or((c.value(), ""));
                let kind = if FLASH_ERRORS.contains(&key) {
                    "error"
                } else if FLASH_INFOS.contains(&key) {
                    "info"
                } else {
                    return None;
                };
                let name = arg
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| self.index.template(id))
                    .map(|t| self.index.snapshot.product_name(t, &self.lang).to_owned())
                    .unwrap_or_default();
                Some(Flash {
                    kind: kind.into(),
                    text: messages.format(key, &[("name", &name), ("count", arg)]),
                })
            })
            .into_iter()
            .collect();
        let menu = if self.customer.is_some() {
            let shelf_favorites = HashSet::new();
            let shelf_cart = HashMap::new();
            let shelf = Shelf {
                index: &self.index,
                lang: &self.lang,
                pricelist: 0,
                fiscal_position: None,
                tax_display: self.shop().settings.tax_display,
                now: chrono::Utc::now().naive_utc(),
                favorites: &shelf_favorites,
                cart: &shelf_cart,
                stock: Default::default(),
                cases: Default::default(),
            };
            let current = current_categories(&self.index, &self.request);
            self.shelf_view(&shelf)
                .category_links(self.index.roots(), &current)
        } else {
            Vec::new()
        };
        Layout {
            shop_name: self.shop_name(),
            lang: i18n::short(&self.lang).to_owned(),
            languages: self
                .shop()
                .languages(&self.index.snapshot)
                .iter()
                .map(|code| LanguageLink {
                    code: code.clone(),
                    label: i18n::native_name(code),
                    current: *code == self.lang,
                })
                .collect(),
            customer: self.customer.as_ref().map(|c| CustomerView {
                name: c.name.clone(),
                login: c.session.login.clone(),
            }),
            csrf_token: self.session.csrf_token().to_owned(),
            cart_count,
            menu,
            query: if self.request.path() == "/search" {
                web::Query::<SearchQuery>::from_query(self.request.query_string())
                    .map(|q| q.into_inner().q)
                    .unwrap_or_default()
            } else {
                String::new()
            },
            flashes,
            current_path: self.current_path(),
            reset_password_url: self.shop().settings.password_reset_url.clone(),
            title: title.to_owned(),
        }
    }

    /// Renders `template` with `context` (plus `page` and `m`), with `status`.
    pub async fn render(
        &self,
        status: StatusCode,
        template: &str,
        title: &str,
        mut context: tera::Context,
    ) -> HttpResponse {
        let layout = self.layout(title).await;
        let had_flash = self.request.cookie(FLASH_COOKIE).is_some();
        context.insert("page", &layout);
        context.insert("m", self.messages().as_value());
        match self.state.renderer.render(template, &context) {
            Ok(html) => {
                let mut response = html_response(status);
                if had_flash {
                    let mut gone = Cookie::build(FLASH_COOKIE, "").path("/").finish();
                    gone.make_removal();
                    response.cookie(gone);
                }
                response.body(html)
            }
            Err(e) => self.render_failed(template, &e),
        }
    }

    /// The answer when a template fails to render (logged).
    fn render_failed(&self, template: &str, error: &tera::Error) -> HttpResponse {
        tracing::error!(template, error = %crate::http::render::error_chain(error), "a page failed to render");
        HttpResponse::InternalServerError()
            .content_type("text/plain; charset=utf-8")
            .body(self.messages().get("server_error").to_owned())
    }

    /// Renders a page of `template` (its title and context made by `page`,
    /// only when it has to be rendered) that
    /// every customer with the same `marks` on it (see [`Shelf::marks`]) sees
    /// alike but for their own values: kept in [`AppState::shared_pages`] and filled in for each
    /// (see [`crate::http::page_cache`]), gzipped for the clients that accept it.
    /// Pages with a message shown once are rendered for the customer alone.
    pub async fn render_shared(
        &self,
        template: &'static str,
        marks: Vec<(i64, bool, Option<Decimal>)>,
        page: impl FnOnce() -> (String, tera::Context),
    ) -> HttpResponse {
        let customer = match &self.customer {
            Some(customer)
                if crate::http::session::cookie_value(self.request.headers(), FLASH_COOKIE).is_none() =>
            {
                customer
            }
            _ => {
                self.state.metrics.shared_page(SharedPage::Private);
                let (title, context) = page();
                return self.render(StatusCode::OK, template, &title, context).await;
            }
        };
        let key = PageKey {
            template,
            catalog: self.index.generation,
            stock: self.shop().stock.shown().generation,
            cases: self.shop().cases.shown().generation,
            price_epoch: self.index.price_epochs.epoch(chrono::Utc::now().naive_utc()),
            lang: self.lang.clone(),
            pricelist: customer.pricelist,
            fiscal_position: customer.fiscal_position,
            path: self.current_path(),
            marks,
        };
        let filling = Filling {
            csrf_token: self.session.csrf_token().to_owned(),
            name: crate::i18n::escape_html(&customer.name),
            login: crate::i18n::escape_html(&customer.session.login),
            cart_count: self.cart_count().await.to_string(),
        };
        if let Some(skeleton) = self.state.shared_pages.get(&key) {
            self.state.metrics.shared_page(SharedPage::Hit);
            return self.shared_response(&skeleton, &filling);
        }
        let (title, mut context) = page();
        let layout = self.layout(&title).await;
        let mut sentinels = layout.clone();
        sentinels.csrf_token = Hole::CsrfToken.sentinel().to_owned();
        sentinels.cart_count = Hole::CartCount.sentinel().to_owned();
        sentinels.customer = Some(CustomerView {
            name: Hole::CustomerName.sentinel().to_owned(),
            login: Hole::CustomerLogin.sentinel().to_owned(),
        });
        context.insert("m", self.messages().as_value());
        context.insert("page", &sentinels);
        let shared = self.state.renderer.render(template, &context);
        context.insert("page", &layout);
        let html = match self.state.renderer.render(template, &context) {
            Ok(html) => html,
            Err(e) => return self.render_failed(template, &e),
        };
        match shared
            .ok()
            .and_then(|shared| Skeleton::make(&shared, &html, &filling))
        {
            Some(skeleton) => {
                self.state.metrics.shared_page(SharedPage::Miss);
                let skeleton = Arc::new(skeleton);
                self.state.shared_pages.insert(key, skeleton.clone());
                self.shared_response(&skeleton, &filling)
            }
            None => {
                self.state.metrics.shared_page(SharedPage::Private);
                tracing::debug!(template, "a page cannot be shared: rendered for each customer");
                html_response(StatusCode::OK).body(html)
            }
        }
    }

    fn shared_response(&self, skeleton: &Skeleton, filling: &Filling) -> HttpResponse {
        let mut response = html_response(StatusCode::OK);
        response.insert_header((header::VARY, "Accept-Encoding"));
        let gzip = self
            .request
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|h| h.to_str().ok())
            .is_some_and(page_cache::accepts_gzip);
        if gzip {
            if let Some(body) = skeleton.fill_gzip(filling) {
                return response
                    .insert_header((header::CONTENT_ENCODING, "gzip"))
                    .body(body);
            }
        }
        response.body(skeleton.fill(filling))
    }

    /// The page of an error.
    pub async fn fail(&self, error: PageError) -> HttpResponse {
        let m = self.messages();
        let (status, message) = match error {
            PageError::LoginRequired => {
                let next = self.current_path();
                let location = format!("/login?next={}", percent_encode(&next));
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish();
            }
            PageError::NotFound => (StatusCode::NOT_FOUND, m.get("not_found").to_owned()),
            PageError::Csrf => (StatusCode::FORBIDDEN, m.get("csrf_failed").to_owned()),
            PageError::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                m.get("odoo_unavailable").to_owned(),
            ),
            PageError::Internal(e) => {
                tracing::error!(
                    error = format!("{e:#}"),
                    path = self.request.path(),
                    "a page failed"
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    m.get("server_error").to_owned(),
                )
            }
        };
        let mut context = tera::Context::new();
        context.insert("status", &status.as_u16());
        context.insert("message", &message);
        let title = message.clone();
        self.render(status, "error.html", &title, context).await
    }

    /// Shows a page or its error.
    pub async fn respond(&self, result: Result<HttpResponse, PageError>) -> HttpResponse {
        match result {
            Ok(response) => response,
            Err(e) => self.fail(e).await,
        }
    }

    /// A redirect after a form, with a message shown once on the next page.
    pub fn redirect_with(&self, to: &str, flash: Option<(&str, Option<i64>)>) -> HttpResponse {
        let mut response = HttpResponse::SeeOther();
        response.insert_header((header::LOCATION, local_path(to)));
        if let Some((key, arg)) = flash {
            let value = match arg {
                Some(id) => format!("{key}.{id}"),
                None => key.to_owned(),
            };
            response.cookie(
                Cookie::build(FLASH_COOKIE, value)
                    .path("/")
                    .http_only(true)
                    .secure(self.state.secure_cookies)
                    .same_site(actix_web::cookie::SameSite::Lax)
                    .max_age(actix_web::cookie::time::Duration::minutes(2))
                    .finish(),
            );
        }
        response.finish()
    }
}

/// An HTML page's answer: never stored by caches (pages are a customer's).
fn html_response(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

/// Flash messages shown as errors.
const FLASH_ERRORS: &[&str] = &[
    "product_unavailable",
    "quantity_invalid",
    "quantity_whole",
    "quantity_too_large",
];
/// Flash messages shown as information.
const FLASH_INFOS: &[&str] = &[
    "added_to_cart",
    "cart_updated",
    "removed_from_cart",
    "favorite_added",
    "favorite_removed",
    "logged_out",
    "language_changed",
    "cart_lines_removed",
    "order_cancelled",
    "reordered",
    "reorder_skipped",
    "share_taken",
    "share_given_up",
];

/// The search box's query string.
#[derive(Debug, serde::Deserialize, Default)]
pub struct SearchQuery {
    /// The text.
    #[serde(default)]
    pub q: String,
    /// The page.
    #[serde(default)]
    pub page: Option<String>,
}

/// The categories of the page shown (for the menu's current entry).
fn current_categories(index: &CatalogIndex, req: &HttpRequest) -> Vec<i64> {
    req.path()
        .strip_prefix("/categories/")
        .and_then(|id| id.parse::<i64>().ok())
        .map(|id| index.ancestry(id))
        .unwrap_or_default()
}

/// `to` if it is a path of this site, else `/`: redirects never leave the
/// shop.
pub fn local_path(to: &str) -> String {
    let ok = to.starts_with('/')
        && !to.starts_with("//")
        && !to.contains('\\')
        && to.len() <= 2048
        && to.chars().all(|c| !c.is_control());
    if ok {
        to.to_owned()
    } else {
        "/".to_owned()
    }
}

/// Percent-encodes a query value.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_home() {
        assert_eq!(local_path("/cart"), "/cart");
        assert_eq!(local_path("/search?q=pain"), "/search?q=pain");
        for away in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
            "cart",
            "/a\nb",
        ] {
            assert_eq!(local_path(away), "/", "{away:?}");
        }
    }

    #[test]
    fn encoding() {
        assert_eq!(percent_encode("/search?q=pain &x"), "/search%3Fq%3Dpain%20%26x");
    }
}
