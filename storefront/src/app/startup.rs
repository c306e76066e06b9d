//! Builds the server from the settings; tests bind port 0 and read the port.

use std::net::TcpListener;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::{web, App, HttpServer};
use anyhow::Context as _;
use connector::mirror::{ImageCache, Mirror, SharedReads, Snapshot};
use tracing::Instrument as _;

use crate::app::settings::Settings;
use crate::http::admin::{self, AdminToken};
use crate::http::metrics::Metrics;
use crate::http::render::Renderer;
use crate::http::session::SessionKey;
use crate::http::state::AppState;
use crate::http::{account, api, checkout, errors, health, orders, pages};
use crate::shop::catalog::CatalogCache;
use crate::shop::history::History;
use crate::shop::outbox::Outbox;
use crate::shop::slot_book::SlotBook;
use crate::shop::Shop;
use crate::store::Store;
use crate::workers::resync::Resync;

/// The largest form or JSON body accepted.
const BODY_LIMIT: usize = 16 * 1024;
/// The memory given to product images.
const IMAGE_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// The built server, listening, not yet running: one or several shops.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    shops: Vec<ShopParts>,
}

/// One shop of the server: what its requests get, and its workers.
struct ShopParts {
    key: String,
    hosts: Vec<String>,
    state: web::Data<AppState>,
    resync: Resync,
    resync_data: web::Data<Resync>,
    token: web::Data<AdminToken>,
    endpoint: web::Data<crate::http::webhooks::WebhookEndpoint>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// What a request to one shop finds as app data.
#[derive(Clone)]
struct ShopData {
    state: web::Data<AppState>,
    resync: web::Data<Resync>,
    token: web::Data<AdminToken>,
    endpoint: web::Data<crate::http::webhooks::WebhookEndpoint>,
}

impl ShopData {
    /// The container pushed on a request to this shop (see
    /// [`crate::http::state::shop_middleware`]).
    fn container(&self) -> actix_web::dev::Extensions {
        let mut data = actix_web::dev::Extensions::new();
        data.insert(self.state.clone());
        data.insert(self.resync.clone());
        data.insert(self.token.clone());
        data.insert(self.endpoint.clone());
        data
    }
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// The product reads of the shops of one Odoo database (the same URL,
/// database and login), shared by each group of two shops or more: one
/// [`SharedReads`] per group, by shop key. A shop alone on its database
/// reads by itself.
fn shared_reads(shops: &[Settings]) -> std::collections::HashMap<String, Arc<SharedReads>> {
    let odoo_of = |s: &Settings| {
        (
            s.odoo.url.trim_end_matches('/').to_owned(),
            s.odoo.database.clone(),
            s.odoo.credentials.login().to_owned(),
        )
    };
    let mut groups: std::collections::BTreeMap<_, Vec<&str>> = std::collections::BTreeMap::new();
    for settings in shops {
        groups
            .entry(odoo_of(settings))
            .or_default()
            .push(settings.shop_key.as_str());
    }
    let mut out = std::collections::HashMap::new();
    for ((url, database, _), keys) in groups.into_iter().filter(|(_, keys)| keys.len() > 1) {
        tracing::info!(
            shops = %keys.join(","),
            %url,
            %database,
            "these shops read their products together"
        );
        let reads = Arc::new(SharedReads::default());
        for key in keys {
            out.insert(key.to_owned(), reads.clone());
        }
    }
    out
}

impl Application {
    /// Binds the address of the settings and starts keeping the mirror
    /// fresh (a first sync right away, then on the schedule).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Self::build_all(vec![settings]).await
    }

    /// Binds the address of the first shop's settings and serves every
    /// shop (see [`Settings::all_from_lookup`]), each chosen by the `Host`
    /// of the request, each with its own mirror, store, caches and workers.
    pub async fn build_all(shops: Vec<Settings>) -> anyhow::Result<Application> {
        let first = shops.first().ok_or_else(|| anyhow::anyhow!("no shop to serve"))?;
        let listener = TcpListener::bind(first.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on STOREFRONT_BIND={}: {e}", first.bind))?;
        let port = listener.local_addr()?.port();
        let several = shops.len() > 1;
        let mut shared = shared_reads(&shops);
        let mut parts = Vec::with_capacity(shops.len());
        for settings in shops {
            // The shop's workers log in its span, when there are several.
            let span = if several {
                tracing::info_span!("shop", shop = %settings.shop_key)
            } else {
                tracing::Span::none()
            };
            let key = settings.shop_key.clone();
            let reads = shared.remove(&key);
            let built = Self::build_shop(settings, several, reads)
                .instrument(span)
                .await
                .with_context(|| format!("the shop {key:?}"))?;
            parts.push(built);
        }
        let all = web::Data::new(crate::http::state::Shops(
            parts.iter().map(|p| (p.key.clone(), p.state.clone())).collect(),
        ));
        let hosts: Arc<Vec<(Vec<String>, usize)>> = Arc::new(
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| (p.hosts.clone(), i))
                .collect(),
        );
        let containers: Arc<Vec<ShopData>> = Arc::new(
            parts
                .iter()
                .map(|p| ShopData {
                    state: p.state.clone(),
                    resync: p.resync_data.clone(),
                    token: p.token.clone(),
                    endpoint: p.endpoint.clone(),
                })
                .collect(),
        );
        let default = containers[0].clone();
        let server = HttpServer::new(move || {
            let per_worker: Rc<Vec<Rc<actix_web::dev::Extensions>>> =
                Rc::new(containers.iter().map(|c| Rc::new(c.container())).collect());
            let hosts = hosts.clone();
            App::new()
                .app_data(default.resync.clone())
                .app_data(default.token.clone())
                .app_data(default.endpoint.clone())
                .app_data(default.state.clone())
                .app_data(all.clone())
                .app_data(
                    web::FormConfig::default()
                        .limit(BODY_LIMIT)
                        .error_handler(|e, req| {
                            errors::bad_input(req, &format!("The form could not be read: {e}"), e.into())
                        }),
                )
                .app_data(
                    web::JsonConfig::default()
                        .limit(BODY_LIMIT)
                        .error_handler(|e, req| {
                            errors::bad_input(req, &format!("The JSON body could not be read: {e}"), e.into())
                        }),
                )
                .app_data(web::QueryConfig::default().error_handler(|e, req| {
                    errors::bad_input(req, &format!("The query string could not be read: {e}"), e.into())
                }))
                .app_data(web::PayloadConfig::default().limit(BODY_LIMIT))
                .wrap(crate::http::middleware::Front::new(per_worker, hosts))
                // Routes are tried in this order: the probes (plain paths,
                // compared at once), then the shop's pages, asked for most,
                // then the rest. A route with a parameter costs a regular
                // expression each time it is tried.
                .service(health::healthz)
                .service(health::readyz)
                .service(crate::http::metrics::exposition)
                .configure(pages::routes)
                .configure(api::routes)
                .configure(checkout::routes)
                .configure(orders::routes)
                .configure(account::routes)
                .service(admin::resync)
                .service(admin::status)
                .service(admin::outbox_list)
                .service(admin::outbox_retry)
                .service(admin::cases_close)
                .configure(crate::http::webhooks::routes)
                .default_service(web::to(errors::not_found))
        })
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            shops: parts,
        })
    }

    /// Builds one shop: its client, store, mirror (reading its products
    /// with the other shops of its Odoo database through `shared`, if
    /// any), caches and workers.
    async fn build_shop(
        settings: Settings,
        several: bool,
        shared: Option<Arc<SharedReads>>,
    ) -> anyhow::Result<ShopParts> {
        let metrics = Arc::new(Metrics::default());
        let observed = metrics.clone();
        let client = settings
            .odoo
            .observed_client(connector::ErrorObserver::new(move |e| observed.odoo_error(e)))?;
        // The shop's company, when given by id, is known before Odoo
        // answers; by name or by default the first sync finds it.
        if let Some(connector::CompanyChoice::Id(id)) = &settings.shop.company {
            client.settle_company(*id);
        }
        let renderer = Renderer::load(settings.override_dir.as_deref())?;
        let store = match &settings.database_url {
            Some(url) => Store::open_in_schema(url, settings.store_schema.as_deref())
                .await
                .context("cannot open STOREFRONT_DATABASE_URL")?,
            None => Store::open_in_dir(&settings.data_dir).await.with_context(|| {
                format!(
                    "cannot open the store in STOREFRONT_DATA_DIR={}",
                    settings.data_dir.display()
                )
            })?,
        };
        let key = match &settings.session_secret {
            Some(secret) => SessionKey::from_secret(secret),
            None => SessionKey::load_or_create(&settings.data_dir)?,
        };
        let images = ImageCache::new(client.clone(), IMAGE_CACHE_BYTES);
        let informer = crate::shop::inform::Informer::new(
            settings.shop.inform.clone(),
            settings.languages.first().map_or("en_US", String::as_str),
            settings.shop.time_zone,
            store.clone(),
            client.clone(),
        );
        let outbox = Outbox::new(store.clone(), client.clone(), settings.odoo.timeout);
        let worker = crate::workers::outbox::spawn(outbox.clone(), informer.clone(), settings.outbox_every);
        let janitor = crate::workers::janitor::spawn(store.clone());
        let file = settings.snapshot_file();
        // The last snapshot, if one was saved: the shop serves it until
        // Odoo answers, so a restart while Odoo is away still sells.
        let saved = if file.exists() {
            match Snapshot::load(&file) {
                Ok(snapshot) => {
                    tracing::warn!(
                        synced_at = ?snapshot.synced_at,
                        products = snapshot.product_count(),
                        "serving the saved snapshot until Odoo answers"
                    );
                    Some(snapshot)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "starting without the saved snapshot");
                    None
                }
            }
        } else {
            None
        };
        // A snapshot of another company than the one set is not served;
        // else the saved snapshot's company is the shop's until the first
        // sync (so that an order delivered before then goes to it).
        let saved = saved.filter(|snapshot| match (client.company(), snapshot.company_id) {
            (Some(set), Some(saved)) if set != saved => {
                tracing::warn!(
                    company = set,
                    saved,
                    "the saved snapshot is of another company: not served"
                );
                false
            }
            _ => true,
        });
        if !matches!(settings.shop.company, Some(connector::CompanyChoice::Name(_))) {
            if let Some(id) = saved.as_ref().and_then(|s| s.company_id) {
                client.settle_company(id);
            }
        }
        let serving_saved = saved.is_some();
        let mirror = match saved {
            Some(snapshot) => Mirror::with_snapshot(client, settings.mirror(), snapshot),
            None => Mirror::new(client, settings.mirror()),
        };
        let mirror = Arc::new(match &shared {
            Some(reads) => mirror.with_shared(reads),
            None => mirror,
        });
        let on_sync = metrics.clone();
        let resync = Resync::new(mirror.clone(), Some(file), serving_saved)
            .observed(Arc::new(move |result, took| on_sync.sync(result, took)));
        let schedule = resync.spawn_schedule(settings.resync_every);
        let probe = resync.spawn_probe(settings.probe_every);
        let hooks = crate::workers::webhooks::Webhooks::default();
        let on_applied = metrics.clone();
        let hooks_worker = settings.webhook_secret.is_some().then(|| {
            hooks.spawn(
                resync.clone(),
                Some(Arc::new(move |applied| on_applied.webhook_applied(applied))),
            )
        });
        let endpoint = web::Data::new(crate::http::webhooks::WebhookEndpoint {
            secret: settings.webhook_secret.clone(),
            hooks,
        });
        let stock = Arc::new(crate::shop::stock::Stock::new(&settings.shop.inform));
        let cases = Arc::new(crate::shop::cases::Cases::new(&settings.shop.cases));
        let stock_worker = crate::workers::stock::spawn(stock.clone(), mirror.clone(), settings.stock_every);
        let resync_data = web::Data::new(resync.clone());
        let token = web::Data::new(AdminToken(settings.admin_token.clone()));
        let shop = Shop {
            settings: settings.shop.clone(),
            languages: settings.languages.clone(),
            mirror,
            store,
            catalog: CatalogCache::default(),
            outbox,
            slot_book: SlotBook::default(),
            history: History::default(),
            fiscal_positions: crate::shop::fiscal_positions::FiscalPositions::default(),
            informer,
            stock: stock.clone(),
            cases,
        };
        let state = web::Data::new(AppState {
            secure_cookies: settings.https(),
            shop_key: settings.shop_key.clone(),
            several_shops: several,
            admin_token: settings.admin_token.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            shop,
            resync: resync.clone(),
            renderer,
            key,
            images,
            metrics,
            sessions: crate::http::state::session_cache(),
            shared_pages: crate::http::page_cache::PageCache::default(),
        });
        let cases_worker = crate::workers::cases::spawn(
            state.clone().into_inner(),
            |state: &AppState| &state.shop,
            settings.cases_every,
        );
        let tasks: Vec<tokio::task::JoinHandle<()>> = [
            Some(schedule),
            Some(probe),
            Some(worker),
            Some(janitor),
            hooks_worker,
            stock_worker,
            cases_worker,
        ]
        .into_iter()
        .flatten()
        .collect();
        Ok(ShopParts {
            key: settings.shop_key.clone(),
            hosts: settings.hosts.clone(),
            state,
            resync,
            resync_data,
            token,
            endpoint,
            tasks,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server (tests restart shops with it).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The mirror's keeper of the first shop.
    pub fn resync(&self) -> &Resync {
        &self.shops[0].resync
    }

    /// The mirror's keeper of the shop of key `key`.
    pub fn resync_of(&self, key: &str) -> Option<&Resync> {
        self.shops.iter().find(|s| s.key == key).map(|s| &s.resync)
    }

    /// Serves until the server is stopped (a signal, or the handle).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for shop in &self.shops {
            for task in &shop.tasks {
                task.abort();
            }
        }
        result
    }
}
