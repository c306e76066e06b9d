//! One log line per request, with a request id (taken from a well-formed
//! `X-Request-Id` header, else made up) that the answer echoes and every
//! other log line of the request repeats, as `request{id=… method=…
//! path=…}`: what a tracing span would show, kept in a thread-local
//! context instead of a span (a span cost every request its creation and
//! closing). Paths are logged, never query
//! strings, bodies, cookies or credentials (nor the secret in the address
//! of Odoo's webhooks).
//!
//! Lines are formatted on the request's thread, batched per thread, and
//! written by threads of their own (see [`init_from_env`]): a request never
//! waits for standard error. When the writer falls behind, new lines are
//! dropped rather than the requests slowed, and counted ([`dropped_lines`],
//! `/metrics`).

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

fn new_id() -> String {
    // A random start per thread, then one more per request: unique within
    // the process and across restarts (almost surely), without a system
    // call, nor a counter the workers' threads would share.
    thread_local! {
        static NEXT: std::cell::Cell<u64> = std::cell::Cell::new({
            let mut bytes = [0u8; 8];
            if getrandom::fill(&mut bytes).is_err() {
                bytes = (chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64).to_be_bytes();
            }
            u64::from_be_bytes(bytes)
        });
    }
    let next = NEXT.with(|n| {
        let next = n.get();
        n.set(next.wrapping_add(1));
        next
    });
    crate::store::ids::hex(&next.to_be_bytes())
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

/// Logs each request with its id, status and duration, and counts it in
/// the shop's metrics ([`crate::http::metrics::observe`]): one clock, for
/// both. `inner` answers the request (the rest of
/// [`crate::http::middleware::Front`], then the routes); its log lines
/// carry the request's context.
pub async fn around<B, F, Fut>(req: ServiceRequest, inner: F) -> Result<ServiceResponse<B>, actix_web::Error>
where
    F: FnOnce(ServiceRequest) -> Fut,
    Fut: std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
{
    let started = std::time::Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(new_id);
    // The shop, when the deployment has several.
    let shop = req
        .app_data::<actix_web::web::Data<crate::http::state::AppState>>()
        .filter(|s| s.several_shops)
        .map(|s| s.shop_key.clone());
    let context = std::rc::Rc::new(RequestContext {
        id,
        method: req.method().clone(),
        path: loggable(req.path()).to_owned(),
        shop,
    });
    let mut response = InRequest {
        context: context.clone(),
        inner: std::pin::pin!(inner(req)),
    }
    .await?;
    let status = response.status().as_u16();
    let took = started.elapsed();
    // The shop's state is read from the answer's request (the shop chosen
    // for it), not kept across the call: a clone of its `Arc` would touch
    // a count every worker thread shares.
    if let Some(state) = response
        .request()
        .app_data::<actix_web::web::Data<crate::http::state::AppState>>()
    {
        crate::http::metrics::observe(&state.metrics, &context.method, &response, took);
    }
    let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    let access = Access {
        error: status >= 500,
        context: &context,
        status,
        micros,
    };
    if !access.write() {
        let _in_request = Entered::enter(context.clone());
        if access.error {
            tracing::error!(status, micros, "answered");
        } else {
            tracing::info!(status, micros, "answered");
        }
    }
    if let Ok(value) = HeaderValue::from_str(&context.id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(response)
}

/// What every log line of a request says of it (what a tracing span
/// named `request` would carry, without a span's cost on every request).
#[derive(Debug)]
struct RequestContext {
    id: String,
    method: actix_web::http::Method,
    path: String,
    /// The shop, when the deployment has several.
    shop: Option<String>,
}

thread_local! {
    /// The request whose code this thread runs, if any.
    static CURRENT: std::cell::RefCell<Option<std::rc::Rc<RequestContext>>> =
        const { std::cell::RefCell::new(None) };
}

/// While kept, the thread runs the code of a request.
struct Entered(Option<std::rc::Rc<RequestContext>>);

impl Entered {
    fn enter(context: std::rc::Rc<RequestContext>) -> Self {
        Entered(CURRENT.with_borrow_mut(|current| current.replace(context)))
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with_borrow_mut(|current| *current = previous);
    }
}

/// A request's future, run as the request's code (see [`CURRENT`]).
struct InRequest<F> {
    context: std::rc::Rc<RequestContext>,
    inner: F,
}

impl<F: std::future::Future + Unpin> std::future::Future for InRequest<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let _entered = Entered::enter(self.context.clone());
        std::pin::Pin::new(&mut self.inner).poll(cx)
    }
}

/// A request's access line.
#[derive(Debug)]
struct Access<'a> {
    error: bool,
    context: &'a RequestContext,
    status: u16,
    micros: u64,
}

/// The format the log was set up with ([`init_from_env`]), if it was.
static FORMAT: std::sync::OnceLock<LogFormat> = std::sync::OnceLock::new();

impl Access<'_> {
    /// Writes the line straight into this thread's batch, as
    /// tracing-subscriber would have formatted the event `answered` in the
    /// request's span (the same line, at a fraction of the cost: no
    /// event dispatched, no fields visited); `false` when the log was not
    /// set up by [`init_from_env`] (the caller then logs the event).
    fn write(&self) -> bool {
        let Some(format) = FORMAT.get() else {
            return false;
        };
        let level = if self.error {
            tracing::Level::ERROR
        } else {
            tracing::Level::INFO
        };
        if tracing::level_filters::LevelFilter::current() < level {
            return true;
        }
        thread_local! {
            static LINE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        LINE.with_borrow_mut(|line| {
            line.clear();
            self.format(*format, line);
            let _ = std::io::Write::write_all(&mut Batched, line.as_bytes());
        });
        true
    }

    fn format(&self, format: LogFormat, line: &mut String) {
        let mut numbers = itoa::Buffer::new();
        match format {
            LogFormat::Text => {
                write_timestamp(line);
                line.push_str(if self.error { " ERROR " } else { "  INFO " });
                self.context.write_text(line);
                line.push_str(": storefront::http::logging: answered status=");
                line.push_str(numbers.format(self.status));
                line.push_str(" micros=");
                line.push_str(numbers.format(self.micros));
                line.push('\n');
            }
            LogFormat::Json => {
                line.push_str("{\"timestamp\":\"");
                write_timestamp(line);
                line.push_str(if self.error {
                    "\",\"level\":\"ERROR\""
                } else {
                    "\",\"level\":\"INFO\""
                });
                line.push_str(",\"fields\":{\"message\":\"answered\",\"status\":");
                line.push_str(numbers.format(self.status));
                line.push_str(",\"micros\":");
                line.push_str(numbers.format(self.micros));
                line.push_str("},\"target\":\"storefront::http::logging\",\"span\":");
                self.context.write_json(line);
                line.push_str("}\n");
            }
        }
    }
}

impl RequestContext {
    /// As tracing-subscriber writes the span `request{…}` in text.
    fn write_text(&self, out: &mut String) {
        out.push_str("request{id=");
        out.push_str(&self.id);
        out.push_str(" method=");
        out.push_str(self.method.as_str());
        out.push_str(" path=");
        out.push_str(&self.path);
        if let Some(shop) = &self.shop {
            out.push_str(" shop=");
            out.push_str(shop);
        }
        out.push('}');
    }

    /// As tracing-subscriber writes the current span in JSON.
    fn write_json(&self, out: &mut String) {
        out.push_str("{\"id\":");
        json_string(out, &self.id);
        out.push_str(",\"method\":");
        json_string(out, self.method.as_str());
        out.push_str(",\"path\":");
        json_string(out, &self.path);
        if let Some(shop) = &self.shop {
            out.push_str(",\"shop\":");
            json_string(out, shop);
        }
        out.push_str(",\"name\":\"request\"}");
    }
}

/// Formats events as `F` does, within the request whose code logs them:
/// its context where a span named `request` would be.
struct WithRequest<F>(F);

impl<S, N, F> tracing_subscriber::fmt::FormatEvent<S, N> for WithRequest<F>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
    F: tracing_subscriber::fmt::FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let Some(context) = CURRENT.with_borrow(Clone::clone) else {
            return self.0.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.0.format_event(
            ctx,
            tracing_subscriber::fmt::format::Writer::new(&mut line),
            event,
        )?;
        let in_spans = ctx.event_scope().is_some_and(|mut scope| scope.next().is_some());
        let line = if line.starts_with('{') {
            // JSON: the request is the current span, unless there is one.
            match serde_json::from_str::<serde_json::Value>(line.trim_end()) {
                Ok(serde_json::Value::Object(mut object)) => {
                    let mut span = String::new();
                    context.write_json(&mut span);
                    let span = serde_json::from_str(&span).unwrap_or_default();
                    let key = if object.contains_key("span") {
                        "request"
                    } else {
                        "span"
                    };
                    object.insert(key.to_owned(), span);
                    format!("{}\n", serde_json::Value::Object(object))
                }
                _ => line,
            }
        } else {
            // Text: `<time> <level> ` has the width of the time and level
            // this module writes; the request goes first among the spans.
            let at = "2026-12-04T12:00:00.123456Z  INFO ".len();
            match line.get(..at) {
                Some(head) => {
                    let mut patched = String::with_capacity(line.len() + 96);
                    patched.push_str(head);
                    context.write_text(&mut patched);
                    patched.push_str(if in_spans { ":" } else { ": " });
                    patched.push_str(&line[at..]);
                    patched
                }
                None => line,
            }
        };
        writer.write_str(&line)
    }
}

/// `text` as a JSON string.
fn json_string(out: &mut String, text: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
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
            static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        TEXT.with_borrow_mut(|text| {
            text.clear();
            write_timestamp(text);
            w.write_str(text)
        })
    }
}

/// Writes the time now as tracing-subscriber does
/// (`2026-12-04T12:00:00.123456Z`), the date and time of the second made
/// once a second per thread.
fn write_timestamp(out: &mut String) {
    use std::fmt::Write as _;
    thread_local! {
        static SECOND: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
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
                let _ = write!(text, "{}", at.format("%Y-%m-%dT%H:%M:%S"));
            }
        }
        out.push_str(text);
    });
    // The microseconds, on six digits.
    let mut digits = *b".000000Z";
    let mut micros = now.subsec_micros();
    for digit in digits[1..7].iter_mut().rev() {
        *digit = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    out.push_str(std::str::from_utf8(&digits).unwrap_or(".000000Z"));
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
    let _ = FORMAT.set(format);
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(Batched);
    let text = tracing_subscriber::fmt::format()
        .with_timer(Timestamp)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.event_format(WithRequest(text)).init(),
        LogFormat::Json => builder
            .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
            .event_format(WithRequest(
                text.json().with_current_span(true).with_span_list(false),
            ))
            .init(),
    }
    Ok(LogGuard {
        stop,
        batcher: Some(batcher),
        _worker: worker,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn context(shop: Option<&str>, path: &str) -> RequestContext {
        RequestContext {
            id: "1b5394565fefb485".to_owned(),
            method: actix_web::http::Method::GET,
            path: path.to_owned(),
            shop: shop.map(str::to_owned),
        }
    }

    #[derive(Clone, Default)]
    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What `emit` logs, formatted by `format`: tracing-subscriber's own
    /// formatter, or this module's (`ours`: the request's context put in
    /// by [`WithRequest`]).
    fn logged(format: LogFormat, ours: bool, emit: impl FnOnce()) -> String {
        let capture = Capture::default();
        let writer = {
            let capture = capture.clone();
            move || capture.clone()
        };
        let builder = tracing_subscriber::fmt().with_writer(writer);
        let text = tracing_subscriber::fmt::format()
            .with_timer(Timestamp)
            .with_ansi(false);
        match (format, ours) {
            (LogFormat::Text, false) => {
                tracing::subscriber::with_default(builder.event_format(text).finish(), emit)
            }
            (LogFormat::Text, true) => {
                tracing::subscriber::with_default(builder.event_format(WithRequest(text)).finish(), emit)
            }
            (LogFormat::Json, false) => tracing::subscriber::with_default(
                builder
                    .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
                    .event_format(text.json().with_current_span(true).with_span_list(false))
                    .finish(),
                emit,
            ),
            (LogFormat::Json, true) => tracing::subscriber::with_default(
                builder
                    .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
                    .event_format(WithRequest(
                        text.json().with_current_span(true).with_span_list(false),
                    ))
                    .finish(),
                emit,
            ),
        }
        let bytes = capture.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    /// The span tracing would have had for the request.
    fn span_of(c: &RequestContext) -> tracing::Span {
        match &c.shop {
            Some(shop) => {
                tracing::info_span!("request", id = %c.id, method = %c.method, path = %c.path, shop = %shop)
            }
            None => tracing::info_span!("request", id = %c.id, method = %c.method, path = %c.path),
        }
    }

    /// Two lines the same but for their times.
    fn same_but_time(format: LogFormat, ours: &str, theirs: &str) {
        match format {
            LogFormat::Text => {
                assert_eq!(ours.split_once(' ').unwrap().1, theirs.split_once(' ').unwrap().1);
                let time = ours.split_once(' ').unwrap().0;
                assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{ours}");
            }
            LogFormat::Json => {
                assert!(ours.ends_with('\n') && ours.matches('\n').count() == 1, "{ours}");
                let mut ours: serde_json::Value = serde_json::from_str(ours).unwrap();
                let mut theirs: serde_json::Value = serde_json::from_str(theirs).unwrap();
                let time = ours["timestamp"].take();
                assert!(chrono::DateTime::parse_from_rfc3339(time.as_str().unwrap()).is_ok());
                theirs["timestamp"] = serde_json::Value::Null;
                assert_eq!(ours, theirs);
            }
        }
    }

    #[test]
    fn the_time_is_written_as_tracing_writes_it() {
        let before = chrono::Utc::now();
        let mut written = String::new();
        write_timestamp(&mut written);
        let after = chrono::Utc::now();
        // 2026-12-04T12:00:00.012345Z: six digits of microseconds.
        assert_eq!(written.len(), 27, "{written}");
        assert!(
            written.ends_with('Z') && written.as_bytes()[19] == b'.',
            "{written}"
        );
        let at = chrono::DateTime::parse_from_rfc3339(&written).unwrap();
        let (before, after) = (before.timestamp_micros(), after.timestamp_micros());
        assert!((before..=after).contains(&at.timestamp_micros()), "{written}");
    }

    #[test]
    fn the_access_lines_are_those_tracing_writes_but_for_the_time() {
        for c in [
            context(Some("bakery"), "/categories/4"),
            context(None, "/a\"b\\c\u{1}"),
        ] {
            for (error, status) in [(false, 200), (true, 503)] {
                let access = Access {
                    error,
                    context: &c,
                    status,
                    micros: 35,
                };
                for format in [LogFormat::Text, LogFormat::Json] {
                    let mut ours = String::new();
                    access.format(format, &mut ours);
                    let theirs = logged(format, false, || {
                        span_of(&c).in_scope(|| {
                            let micros = 35u64;
                            if error {
                                tracing::error!(target: "storefront::http::logging", status, micros, "answered");
                            } else {
                                tracing::info!(target: "storefront::http::logging", status, micros, "answered");
                            }
                        });
                    });
                    same_but_time(format, &ours, &theirs);
                }
            }
        }
    }

    #[test]
    fn a_requests_other_lines_say_the_request_as_its_span_did() {
        let c = std::rc::Rc::new(context(Some("bakery"), "/checkout"));
        for format in [LogFormat::Text, LogFormat::Json] {
            let ours = logged(format, true, || {
                let _in = Entered::enter(c.clone());
                tracing::warn!(target: "storefront::shop", order = 7, "Odoo refused the order");
            });
            let theirs = logged(format, false, || {
                span_of(&c).in_scope(|| {
                    tracing::warn!(target: "storefront::shop", order = 7, "Odoo refused the order");
                });
            });
            same_but_time(format, &ours, &theirs);
            // Within another span too (text: the request first).
            let ours = logged(format, true, || {
                let _in = Entered::enter(c.clone());
                tracing::info_span!("shop", shop = "bakery")
                    .in_scope(|| tracing::warn!(target: "storefront::shop", "late"));
            });
            if format == LogFormat::Text {
                let theirs = logged(format, false, || {
                    span_of(&c).in_scope(|| {
                        tracing::info_span!("shop", shop = "bakery")
                            .in_scope(|| tracing::warn!(target: "storefront::shop", "late"));
                    });
                });
                same_but_time(format, &ours, &theirs);
            } else {
                let ours: serde_json::Value = serde_json::from_str(&ours).unwrap();
                assert_eq!(ours["span"]["name"], "shop");
                assert_eq!(ours["request"]["id"], "1b5394565fefb485");
            }
            // Out of the request, nothing is added.
            let line = logged(
                format,
                true,
                || tracing::warn!(target: "storefront::shop", "alone"),
            );
            assert!(!line.contains("1b5394565fefb485"), "{line}");
        }
    }

    #[test]
    fn batched_lines_reach_the_writer_and_none_is_counted_dropped() {
        use std::io::Write as _;
        // This thread's batch, taken as the batcher takes it.
        for i in 0..3 {
            Batched.write_all(format!("line {i}\n").as_bytes()).unwrap();
        }
        let taken = MINE.with(|mine| std::mem::take(&mut *mine.lock().unwrap()));
        assert_eq!(taken.lines, 3);
        assert_eq!(
            String::from_utf8(taken.bytes).unwrap(),
            "line 0\nline 1\nline 2\n"
        );
        assert_eq!(dropped_lines(), 0);
    }
}
