//! What every request shares: the shop, the mirror's keeper, the
//! templates, the session key, the image cache, the caches of sessions and
//! pages; and the middleware that gives every visitor a signed session
//! cookie.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use connector::mirror::ImageCache;

use crate::http::metrics::Metrics;
use crate::http::proxies::TrustedProxies;
use crate::http::render::Renderer;
use crate::http::session::{self, SessionKey, SESSION_COOKIE};
use crate::http::visit::SessionId;
use crate::shop::catalog::CatalogIndex;
use crate::shop::Shop;
use crate::workers::resync::Resync;

/// Every shop of the deployment, by key, in the order declared.
#[derive(Debug)]
pub struct Shops(pub Vec<(String, web::Data<AppState>)>);

/// The state a shop's requests share.
#[derive(Debug)]
pub struct AppState {
    /// The shop's key (`STOREFRONT_SHOPS`; `default` for the one shop of a
    /// deployment that declares none).
    pub shop_key: String,
    /// Whether the deployment has several shops (then logs and metrics
    /// name the shop).
    pub several_shops: bool,
    /// The shop's admin token (`STOREFRONT_ADMIN_TOKEN`), for the admin
    /// calls made to every shop at once.
    pub admin_token: Option<String>,
    /// The shop.
    pub shop: Shop,
    /// The mirror and its syncs.
    pub resync: Resync,
    /// Pages and assets.
    pub renderer: Renderer,
    /// Signs cookies, derives CSRF tokens.
    pub key: SessionKey,
    /// Product images.
    pub images: ImageCache,
    /// Whether cookies are Secure (the shop is served over HTTPS).
    pub secure_cookies: bool,
    /// The reverse proxies whose forwarded addresses are believed.
    pub trusted_proxies: TrustedProxies,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// Sessions as last read from the store, by id hash, for
    /// [`SESSION_CACHE_SECS`]: most pages then need no query to know who is
    /// asking. A logout here forgets its entry at once; one on another
    /// instance sharing the store is seen within that delay.
    pub sessions: moka::future::Cache<String, Option<crate::store::SessionRecord>>,
    /// Pages shared by the customers who see the same thing.
    pub shared_pages: crate::http::page_cache::PageCache,
}

/// How long a session read from the store is reused.
pub const SESSION_CACHE_SECS: u64 = 30;

/// The session cache of [`AppState::sessions`].
pub fn session_cache() -> moka::future::Cache<String, Option<crate::store::SessionRecord>> {
    moka::future::Cache::builder()
        .max_capacity(100_000)
        .time_to_live(std::time::Duration::from_secs(SESSION_CACHE_SECS))
        .build()
}

impl AppState {
    /// The catalog of the current snapshot.
    pub fn index(&self) -> Arc<CatalogIndex> {
        self.shop.index()
    }
}

/// Paths any host may ask for, a shop's or not (a load balancer's checks,
/// the metrics of every shop).
fn any_host(path: &str) -> bool {
    matches!(path, "/healthz" | "/metrics")
}

/// The host a request was made to: its `Host` (or the URI's authority),
/// lower case, without port.
fn request_host(req: &ServiceRequest) -> String {
    let raw = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    let host = if let Some(rest) = raw.strip_prefix('[') {
        // [::1]:8080
        rest.split(']').next().unwrap_or("")
    } else {
        raw.rsplit_once(':').map_or(raw, |(host, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                host
            } else {
                raw
            }
        })
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// What pages may load: only the shop's own files.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
     script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The headers every answer carries, unless its handler set them.
const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
];

/// The first thing a request meets, in one middleware (each layer costs an
/// allocation and a call on every request): chooses the shop by the host
/// when the deployment has several ([`choose_shop`]), logs and counts the
/// request ([`crate::http::logging::middleware`]), and adds the security
/// headers to the answer.
pub async fn front_middleware(
    shops: std::rc::Rc<Vec<std::rc::Rc<actix_web::dev::Extensions>>>,
    hosts: Arc<Vec<(Vec<String>, usize)>>,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let mut response = if choose_shop(&shops, &hosts, &mut req) {
        crate::http::logging::middleware(req, next)
            .await?
            .map_into_boxed_body()
    } else {
        req.into_response(
            actix_web::HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("No shop answers at this address."),
        )
    };
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, header::HeaderValue::from_static(value));
        }
    }
    Ok(response)
}

/// Chooses the shop of a request by its host, when the deployment has
/// several: its state, mirror, admin token and webhook endpoint become the
/// request's app data (see [`actix_web::dev::ServiceRequest::add_data_container`]).
/// `false` for a host no shop answers (it gets a plain 404). With one
/// shop, every host is its own.
fn choose_shop(
    shops: &[std::rc::Rc<actix_web::dev::Extensions>],
    hosts: &[(Vec<String>, usize)],
    req: &mut ServiceRequest,
) -> bool {
    if shops.len() > 1 {
        let host = request_host(req);
        match hosts.iter().find(|(names, _)| names.contains(&host)) {
            Some((_, index)) => {
                if let Some(container) = shops.get(*index) {
                    req.add_data_container(container.clone());
                }
            }
            None if any_host(req.path()) => {}
            None => return false,
        }
    }
    true
}

/// Paths that need no session (no cookie is set on their answers).
fn sessionless(path: &str) -> bool {
    path.starts_with("/assets/")
        || path.starts_with("/admin/")
        || path.starts_with("/hooks/")
        || matches!(
            path,
            "/healthz" | "/readyz" | "/metrics" | "/favicon.ico" | "/api/v1/openapi.json"
        )
}

/// Finds the visitor's session id in its signed cookie, or makes a new one
/// and sets its cookie on the answer (unless the handler set one: login and
/// logout start new sessions).
pub async fn session_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if sessionless(req.path()) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let found = session::cookie_value(req.headers(), SESSION_COOKIE).and_then(|c| state.key.open(c));
    let sid = match found {
        Some(session) => SessionId {
            session,
            fresh: false,
        },
        None => SessionId {
            session: std::rc::Rc::new(session::Session::new(&state.key, crate::store::ids::random_id())),
            fresh: true,
        },
    };
    req.extensions_mut().insert(sid.clone());
    let mut response = next.call(req).await?.map_into_boxed_body();
    // Only a new session needs its cookie (the answer's cookies are read
    // then, not on every request).
    if sid.fresh && !response.response().cookies().any(|c| c.name() == SESSION_COOKIE) {
        let cookie = session::session_cookie(state.key.sign(sid.session.id()), state.secure_cookies, false);
        if let Ok(value) = header::HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}
