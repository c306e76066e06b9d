//! One log line per request, in a span carrying a request id (taken from a
//! well-formed `X-Request-Id` header, else made up) that every log line of
//! the request repeats and the answer echoes. Paths are logged, never query
//! strings, bodies, cookies or credentials (nor the secret in the address
//! of Odoo's webhooks).
//!
//! Lines are formatted on the request's thread and written by a thread of
//! their own (`tracing-appender`'s non-blocking writer, buffered): a request
//! never waits for standard error. When that thread falls behind by more
//! than [`BUFFERED_LINES`], new lines are dropped rather than the requests
//! slowed, and counted ([`dropped_lines`], `/metrics`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument as _;

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

fn new_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::LazyLock;
    // A random start, then one more per request: unique within the process
    // and across restarts (almost surely), without a system call each.
    static NEXT: LazyLock<AtomicU64> = LazyLock::new(|| {
        let mut bytes = [0u8; 8];
        if getrandom::fill(&mut bytes).is_err() {
            bytes = (chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64).to_be_bytes();
        }
        AtomicU64::new(u64::from_be_bytes(bytes))
    });
    crate::store::ids::hex(&NEXT.fetch_add(1, Ordering::Relaxed).to_be_bytes())
}

/// The path as logged: the secret in the address of Odoo's webhooks
/// (`/hooks/odoo/<secret>`) is left out.
fn loggable(path: &str) -> &str {
    if path.starts_with("/hooks/") {
        "/hooks/…"
    } else {
        path
    }
}

/// Logs each request with its id, status and duration.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(new_id);
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %loggable(req.path()),
        shop = tracing::field::Empty
    );
    // The shop, when the deployment has several.
    if let Some(state) = req
        .app_data::<actix_web::web::Data<crate::http::state::AppState>>()
        .filter(|s| s.several_shops)
    {
        span.record("shop", state.shop_key.as_str());
    }
    let started = std::time::Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, micros, "answered");
        } else {
            tracing::info!(status, micros, "answered");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(response)
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per line (for log collectors).
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "STOREFRONT_LOG_FORMAT must be text or json, not {other:?}"
            )),
        }
    }
}

/// Lines waiting for the writer before new ones are dropped.
pub const BUFFERED_LINES: usize = 100_000;

static DROPPED: std::sync::OnceLock<tracing_appender::non_blocking::ErrorCounter> =
    std::sync::OnceLock::new();

/// Log lines dropped since start because the writer fell behind.
pub fn dropped_lines() -> usize {
    DROPPED.get().map_or(0, |counter| counter.dropped_lines())
}

/// Keeps the log writer's thread: dropping it writes out what is buffered.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogGuard")
    }
}

/// Reads `STOREFRONT_LOG` (the level) and `STOREFRONT_LOG_FORMAT` (`text`
/// or `json`) and logs to standard error accordingly, through a buffered
/// writer on a thread of its own; keep the guard until the end.
pub fn init_from_env() -> anyhow::Result<LogGuard> {
    let level = match std::env::var("STOREFRONT_LOG")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "" | "info" => tracing::Level::INFO,
        "error" => tracing::Level::ERROR,
        "warn" => tracing::Level::WARN,
        "debug" => tracing::Level::DEBUG,
        "trace" => tracing::Level::TRACE,
        other => anyhow::bail!("STOREFRONT_LOG must be error, warn, info, debug or trace, not {other:?}"),
    };
    let format: LogFormat = std::env::var("STOREFRONT_LOG_FORMAT")
        .unwrap_or_default()
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    // The writer's thread flushes whenever it has written all it was given.
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(BUFFERED_LINES)
        .thread_name("storefront-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let _ = DROPPED.set(writer.error_counter());
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(writer)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(LogGuard { _worker: worker })
}
