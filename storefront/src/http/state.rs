//! What every request shares: the shop, the mirror's keeper, the
//! templates, the session key, the image cache, the caches of sessions and
//! pages.

use std::sync::Arc;

use actix_web::web;
use connector::mirror::ImageCache;

use crate::http::metrics::Metrics;
use crate::http::proxies::TrustedProxies;
use crate::http::render::Renderer;
use crate::http::session::SessionKey;
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
