//! What every request shares: the settings, the mirror, the store, the
//! templates, the session key, the image cache; and the middleware that
//! gives every visitor a signed session cookie.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use connector::mirror::ImageCache;
use connector::Client;

use crate::catalog::{CatalogCache, CatalogIndex};
use crate::checkout::SlotBook;
use crate::metrics::Metrics;
use crate::orders::History;
use crate::outbox::Outbox;
use crate::render::Renderer;
use crate::resync::Resync;
use crate::session::{self, SessionKey, SESSION_COOKIE};
use crate::settings::Settings;
use crate::store::Store;
use crate::visit::SessionId;

/// The application's shared state.
#[derive(Debug)]
pub struct AppState {
    /// The settings.
    pub settings: Settings,
    /// The mirror and its syncs.
    pub resync: Resync,
    /// Carts, favorites, sessions.
    pub store: Store,
    /// Pages and assets.
    pub renderer: Renderer,
    /// Signs cookies, derives CSRF tokens.
    pub key: SessionKey,
    /// Product images.
    pub images: ImageCache,
    /// The catalog of the current snapshot.
    pub catalog: CatalogCache,
    /// Whether cookies are Secure (the shop is served over HTTPS).
    pub secure_cookies: bool,
    /// Delivers orders to Odoo.
    pub outbox: Outbox,
    /// Odoo's orders per pickup slot, remembered briefly.
    pub slot_book: SlotBook,
    /// Customers' orders in Odoo, remembered briefly.
    pub history: History,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// Sessions as last read from the store, by id hash, for
    /// [`SESSION_CACHE_SECS`]: most pages then need no query to know who is
    /// asking. A logout here forgets its entry at once; one on another
    /// instance sharing the store is seen within that delay.
    pub sessions: moka::future::Cache<String, Option<crate::store::SessionRecord>>,
    /// Pages shared by the customers who see the same thing.
    pub shared_pages: crate::page_cache::PageCache,
    /// Customers' fiscal positions, as Odoo last gave them.
    pub fiscal_positions: crate::fiscal_positions::FiscalPositions,
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
    /// The shop's languages, default first: those of the settings that
    /// Odoo has (as of the snapshot), else those of the settings.
    pub fn languages<'a>(&'a self, snapshot: &'a connector::mirror::Snapshot) -> &'a [String] {
        if snapshot.languages.is_empty() {
            &self.settings.languages
        } else {
            &snapshot.languages
        }
    }

    /// The catalog of the current snapshot.
    pub fn index(&self) -> Arc<CatalogIndex> {
        self.catalog.get(self.resync.mirror().snapshot())
    }

    /// The client of the technical user.
    pub fn odoo(&self) -> &Client {
        self.resync.mirror().client()
    }
}

/// Paths that need no session (no cookie is set on their answers).
fn sessionless(path: &str) -> bool {
    path.starts_with("/assets/")
        || path.starts_with("/admin/")
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
    let found = req
        .cookie(SESSION_COOKIE)
        .and_then(|c| state.key.verify(c.value()));
    let sid = match found {
        Some(id) => SessionId { id, fresh: false },
        None => SessionId {
            id: session::new_session_id(),
            fresh: true,
        },
    };
    req.extensions_mut().insert(sid.clone());
    let mut response = next.call(req).await?.map_into_boxed_body();
    let handler_set_one = response.response().cookies().any(|c| c.name() == SESSION_COOKIE);
    if sid.fresh && !handler_set_one {
        let cookie = session::session_cookie(state.key.sign(&sid.id), state.secure_cookies, false);
        if let Ok(value) = header::HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}
