//! Builds the server from the settings; tests bind port 0 and read the port.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{web, App, HttpServer};
use connector::mirror::{Mirror, Snapshot};

use crate::admin::{self, AdminToken};
use crate::health;
use crate::resync::Resync;
use crate::settings::Settings;

/// The built server, listening, not yet running.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    resync: Resync,
    schedule: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Binds the address of the settings and starts keeping the mirror
    /// fresh (a first sync right away, then on the schedule).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on STOREFRONT_BIND={}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let client = settings.odoo.client()?;
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
        let serving_saved = saved.is_some();
        let mirror = Arc::new(match saved {
            Some(snapshot) => Mirror::with_snapshot(client, settings.mirror(), snapshot),
            None => Mirror::new(client, settings.mirror()),
        });
        let resync = Resync::new(mirror, Some(file), serving_saved);
        let schedule = resync.spawn_schedule(settings.resync_every);
        let state = web::Data::new(resync.clone());
        let token = web::Data::new(AdminToken(settings.admin_token.clone()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(token.clone())
                .service(health::healthz)
                .service(health::readyz)
                .service(admin::resync)
        })
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            resync,
            schedule,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The mirror's keeper.
    pub fn resync(&self) -> &Resync {
        &self.resync
    }

    /// Serves until the server is stopped (a signal, or the handle).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.schedule.abort();
        result
    }
}
