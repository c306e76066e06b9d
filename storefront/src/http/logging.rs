//! One log line per request, in a span carrying a request id (taken from a
//! well-formed `X-Request-Id` header, else made up) that every log line of
//! the request repeats and the answer echoes. Paths are logged, never query
//! strings, bodies, cookies or credentials (nor the secret in the address
//! of Odoo's webhooks).
//!
//! Lines are formatted on the request's thread, batched per thread, and
//! written by threads of their own (see [`init_from_env`]): a request never
//! waits for standard error. When the writer falls behind, new lines are
//! dropped rather than the requests slowed, and counted ([`dropped_lines`],
//! `/metrics`).

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

/// Batches waiting for the writer before new ones are dropped.
pub const BUFFERED_BATCHES: usize = 1_000;

/// A thread's lines waiting for the next batch, at most: past this, its
/// new lines are dropped (and counted) until the batch is taken.
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// How often the batches are taken to the writer.
const BATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

static DROPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Log lines dropped since start because the writer fell behind.
pub fn dropped_lines() -> usize {
    DROPPED.load(std::sync::atomic::Ordering::Relaxed)
}

/// One thread's lines, waiting for the batcher.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    lines: usize,
}

/// The batches of every thread that logged.
static BATCHES: std::sync::Mutex<Vec<std::sync::Arc<std::sync::Mutex<Batch>>>> =
    std::sync::Mutex::new(Vec::new());

thread_local! {
    static MINE: std::sync::Arc<std::sync::Mutex<Batch>> = {
        let mine = std::sync::Arc::new(std::sync::Mutex::new(Batch::default()));
        BATCHES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(mine.clone());
        mine
    };
}

/// Writes a formatted line into the current thread's batch: a copy under
/// a lock no other thread takes but the batcher's, every [`BATCH_EVERY`].
/// This is what keeps the log cheap on a request's thread: the writer's
/// channel is sent one batch per thread and period instead of one message
/// (and one wake-up of its thread, and one system call) per line.
#[derive(Debug, Clone, Copy, Default)]
struct Batched;

impl std::io::Write for Batched {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        // tracing-subscriber writes each event whole, once.
        let kept = MINE.try_with(|mine| {
            let mut batch = mine.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if batch.bytes.len() + line.len() > BATCH_BYTES {
                return false;
            }
            batch.bytes.extend_from_slice(line);
            batch.lines += 1;
            true
        });
        if kept != Ok(true) {
            DROPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Batched {
    type Writer = Batched;

    fn make_writer(&'a self) -> Self::Writer {
        Batched
    }
}

/// Takes every thread's batch to the writer (`tracing-appender`'s
/// non-blocking one, whose thread writes to standard error) until told to
/// stop, then once more.
fn batcher(
    mut writer: tracing_appender::non_blocking::NonBlocking,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::io::Write as _;
    let counter = writer.error_counter();
    let mut taken = Batch::default();
    loop {
        let stopping = stop.load(std::sync::atomic::Ordering::Acquire);
        let batches: Vec<_> = {
            let mut all = BATCHES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // A thread gone leaves its last lines, sent below, then its batch.
            let batches = all.clone();
            all.retain(|b| std::sync::Arc::strong_count(b) > 2);
            batches
        };
        for batch in batches {
            {
                let mut batch = batch.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                std::mem::swap(&mut *batch, &mut taken);
            }
            if taken.lines == 0 {
                continue;
            }
            // This thread alone sends to the writer: what the counter
            // gained is this batch, dropped whole.
            let before = counter.dropped_lines();
            let _ = writer.write_all(&taken.bytes);
            if counter.dropped_lines() != before {
                DROPPED.fetch_add(taken.lines, std::sync::atomic::Ordering::Relaxed);
            }
            taken.bytes.clear();
            taken.lines = 0;
            // Keep what an ordinary batch needs, not an overload's peak.
            taken.bytes.shrink_to(64 * 1024);
        }
        if stopping {
            return;
        }
        std::thread::park_timeout(BATCH_EVERY);
    }
}

/// The time of a log line, as tracing-subscriber writes it
/// (`2026-12-04T12:00:00.123456Z`), the date and time of the second made
/// once a second per thread.
#[derive(Debug, Clone, Copy, Default)]
struct Timestamp;

impl tracing_subscriber::fmt::time::FormatTime for Timestamp {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        thread_local! {
            static SECOND: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        SECOND.with_borrow_mut(|(second, text)| {
            if *second != secs {
                *second = secs;
                text.clear();
                if let Some(at) = chrono::DateTime::from_timestamp(secs, 0) {
                    use std::fmt::Write as _;
                    let _ = write!(text, "{}", at.format("%Y-%m-%dT%H:%M:%S"));
                }
            }
            write!(w, "{text}.{:06}Z", now.subsec_micros())
        })
    }
}

/// Keeps the log's threads: dropping it writes out what is waiting.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    batcher: Option<std::thread::JoinHandle<()>>,
    _worker: tracing_appender::non_blocking::WorkerGuard,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        if let Some(batcher) = self.batcher.take() {
            batcher.thread().unpark();
            let _ = batcher.join();
        }
        // Then the writer's guard, dropped after this, writes out the rest.
    }
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogGuard")
    }
}

/// Reads `STOREFRONT_LOG` (the level) and `STOREFRONT_LOG_FORMAT` (`text`
/// or `json`) and logs to standard error accordingly; keep the guard until
/// the end.
///
/// A line is formatted on the thread that logs it and copied into that
/// thread's batch; every 20 ms a thread of its own takes the batches to
/// `tracing-appender`'s non-blocking writer, whose thread writes them,
/// buffered. No request ever waits for standard error: when the writer
/// falls behind by [`BUFFERED_BATCHES`], or a thread's batch reaches 4 MiB
/// in one period, new lines are dropped and counted ([`dropped_lines`],
/// `/metrics`). Lines of different threads within one period may come out
/// of order; each carries its time.
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
        .buffered_lines_limit(BUFFERED_BATCHES)
        .thread_name("storefront-log")
        .finish(std::io::BufWriter::with_capacity(256 * 1024, std::io::stderr()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let batcher = std::thread::Builder::new()
        .name("storefront-log-batcher".to_owned())
        .spawn({
            let stop = stop.clone();
            move || batcher(writer, stop)
        })?;
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(Batched)
        .with_timer(Timestamp)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(LogGuard {
        stop,
        batcher: Some(batcher),
        _worker: worker,
    })
}
