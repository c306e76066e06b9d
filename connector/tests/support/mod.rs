//! Helpers shared by the connector's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A client of the double's database, as its administrator.
pub fn admin_client(double: &odoo_double::OdooDouble) -> connector::Client {
    connector::Client::builder(double.url())
        .database(double.db())
        .credentials(connector::Credentials::new(
            double.admin_login(),
            double.admin_password(),
        ))
        .build()
        .unwrap()
}

/// The id of the first product template of `snapshot` whose name holds
/// `fragment`.
pub fn template_named(snapshot: &connector::mirror::Snapshot, fragment: &str) -> i64 {
    snapshot
        .templates
        .records
        .values()
        .find(|t| t.name.contains(fragment))
        .unwrap_or_else(|| panic!("no product named like {fragment:?}"))
        .id
}

/// The unit price of one `variant` under `pricelist` on 2026-11-23, as the
/// snapshot's pricing context gives it (to see a price change, not to
/// prove a price: real Odoo's recordings do that).
pub fn unit_price(
    snapshot: &connector::mirror::Snapshot,
    pricelist: i64,
    variant: i64,
) -> rust_decimal::Decimal {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    connector::pricing::price_line(
        snapshot.pricing.as_ref().unwrap(),
        connector::pricing::PricelistId(pricelist),
        connector::pricing::ProductId(variant),
        rust_decimal::Decimal::ONE,
        day,
    )
    .unwrap()
    .price_unit
}

/// `../shared/odoo-wire`, beside the repository.
pub fn wire_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/odoo-wire")
}

/// Every folder under `root` that holds an `index.json`, sorted.
pub fn recording_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("index.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// A loopback HTTP server answering every request with `handler(path, body)`
/// as `(status, body)`.
pub struct Scripted {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Scripted {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn serve<F>(handler: F) -> Scripted
where
    F: Fn(&str, Bytes) -> (u16, Vec<u8>) + Send + Sync + 'static,
{
    serve_http(move |_method, path, _headers, body| handler(path, body)).await
}

/// A loopback HTTP server answering every request with
/// `handler(method, path, headers, body)` as `(status, body)`; JSON bodies
/// are sent as `application/json`, others as `text/xml`.
pub async fn serve_http<F>(handler: F) -> Scripted
where
    F: Fn(&str, &str, &[(String, String)], Bytes) -> (u16, Vec<u8>) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handler = Arc::new(handler);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let handler = handler.clone();
                    async move {
                        let method = req.method().as_str().to_owned();
                        let path = req.uri().path().to_owned();
                        let headers: Vec<(String, String)> = req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
                            .collect();
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let (status, out) = handler(&method, &path, &headers, body);
                        let content_type = if out.first() == Some(&b'<') || out.is_empty() {
                            "text/xml"
                        } else {
                            "application/json; charset=utf-8"
                        };
                        let response = Response::builder()
                            .status(status)
                            .header("content-type", content_type)
                            .body(Full::new(Bytes::from(out)))
                            .unwrap();
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Scripted { addr, task }
}
