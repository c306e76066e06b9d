//! Prometheus metrics at `/metrics`: requests and their latencies by route,
//! syncs (durations, outcomes, record counts), the outbox's depth, Odoo
//! call errors by kind. A request is counted in atomic counters, its
//! route's series found in a cache of the worker's thread (no lock, no
//! allocation); the rest, written rarely, are plain counters behind a
//! mutex.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServiceResponse;
use actix_web::{get, web, HttpResponse};
use connector::mirror::SyncReport;

use crate::http::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bound, count) in BUCKETS.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in BUCKETS.iter().zip(self.counts.iter()) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", self.count);
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Debug, Default)]
struct Series {
    syncs: BTreeMap<(&'static str, &'static str), u64>,
    sync_durations: BTreeMap<&'static str, Histogram>,
    records: BTreeMap<String, u64>,
    odoo_errors: BTreeMap<&'static str, u64>,
    webhook_notifications: BTreeMap<&'static str, u64>,
    webhook_refreshes: BTreeMap<(&'static str, &'static str), u64>,
    webhook_coalesced: u64,
    webhook_calls: u64,
    webhook_delays: Histogram,
}

/// The requests of one route and method: by status, and their latencies,
/// in atomic counters.
#[derive(Debug)]
struct RouteSeries {
    /// The resource's name (what the worker's cache finds it by).
    name: String,
    /// The route's pattern (the label).
    route: String,
    method: actix_web::http::Method,
    /// Requests by status, from 100 to 599.
    statuses: Box<[AtomicU64; 500]>,
    /// Requests by latency bucket (each counted in its own bucket only).
    buckets: [AtomicU64; BUCKETS.len() + 1],
    /// The latencies' sum, in nanoseconds.
    nanos: AtomicU64,
}

impl RouteSeries {
    fn new(name: &str, route: String, method: &actix_web::http::Method) -> Self {
        Self {
            name: name.to_owned(),
            route,
            method: method.clone(),
            statuses: Box::new([const { AtomicU64::new(0) }; 500]),
            buckets: [const { AtomicU64::new(0) }; BUCKETS.len() + 1],
            nanos: AtomicU64::new(0),
        }
    }

    fn observe(&self, status: u16, took: Duration) {
        if let Some(count) = self.statuses.get(usize::from(status).wrapping_sub(100)) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.nanos.fetch_add(
            u64::try_from(took.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The latencies as a (cumulative) histogram, read now.
    fn histogram(&self) -> Histogram {
        let mut histogram = Histogram::default();
        let mut below = 0;
        for (i, count) in histogram.counts.iter_mut().enumerate() {
            below += self.buckets[i].load(Ordering::Relaxed);
            *count = below;
        }
        histogram.count = below + self.buckets[BUCKETS.len()].load(Ordering::Relaxed);
        histogram.sum = self.nanos.load(Ordering::Relaxed) as f64 / 1e9;
        histogram
    }
}

/// Each [`Metrics`]' number, for the workers' caches.
static METRICS_IDS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The route series this thread counted in, the latest first.
    static ROUTES: std::cell::RefCell<Vec<(u64, Arc<RouteSeries>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The storefront's metrics.
#[derive(Debug)]
pub struct Metrics {
    id: u64,
    /// Every route series, by route and method.
    routes: Mutex<BTreeMap<(String, String), Arc<RouteSeries>>>,
    series: Mutex<Series>,
    /// Shared pages by [`SharedPage`] outcome.
    shared_pages: [std::sync::atomic::AtomicU64; 3],
}

/// How a shared page was answered (see [`crate::http::page_cache`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedPage {
    /// Filled in from a kept page.
    Hit,
    /// Rendered, then kept.
    Miss,
    /// Rendered for the customer alone (a message shown once, or a page
    /// that cannot be shared).
    Private,
}

impl SharedPage {
    const ALL: [SharedPage; 3] = [SharedPage::Hit, SharedPage::Miss, SharedPage::Private];

    fn label(self) -> &'static str {
        match self {
            SharedPage::Hit => "hit",
            SharedPage::Miss => "miss",
            SharedPage::Private => "private",
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            id: METRICS_IDS.fetch_add(1, Ordering::Relaxed),
            routes: Mutex::default(),
            series: Mutex::default(),
            shared_pages: Default::default(),
        }
    }
}

impl Metrics {
    fn series(&self) -> std::sync::MutexGuard<'_, Series> {
        self.series.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a request to `route` (the route's pattern, never the path: ids
    /// would make a series per product).
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let method =
            actix_web::http::Method::from_bytes(method.as_bytes()).unwrap_or(actix_web::http::Method::GET);
        self.route_series(route, &method, || route.to_owned())
            .observe(status, took);
    }

    /// The series of the resource named `name` and `method`, from this
    /// thread's cache; `route` gives its pattern the first time.
    fn route_series(
        &self,
        name: &str,
        method: &actix_web::http::Method,
        route: impl FnOnce() -> String,
    ) -> Arc<RouteSeries> {
        let cached = ROUTES.with_borrow_mut(|routes| {
            let at = routes
                .iter()
                .position(|(id, s)| *id == self.id && s.name == name && s.method == *method)?;
            if at > 0 {
                // The routes asked for most stay in front.
                routes.swap(at, at - 1);
                return Some(routes[at - 1].1.clone());
            }
            Some(routes[0].1.clone())
        });
        if let Some(series) = cached {
            return series;
        }
        let route = route();
        let series = self
            .routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((route.clone(), method.as_str().to_owned()))
            .or_insert_with(|| Arc::new(RouteSeries::new(name, route, method)))
            .clone();
        if series.name == name {
            ROUTES.with_borrow_mut(|routes| routes.push((self.id, series.clone())));
        }
        series
    }

    /// Records a sync: its outcome, duration and, when it worked, how many
    /// records each model has.
    pub fn sync(&self, result: Result<&SyncReport, &connector::Error>, took: Duration) {
        let mut series = self.series();
        let (kind, outcome) = match result {
            Ok(report) => (report.kind(), "ok"),
            Err(_) => ("any", "error"),
        };
        *series.syncs.entry((kind, outcome)).or_default() += 1;
        series
            .sync_durations
            .entry(kind)
            .or_default()
            .observe(took.as_secs_f64());
        if let Ok(report) = result {
            for (model, count) in &report.counts {
                series.records.insert(model.replace(' ', "_"), *count as u64);
            }
        }
    }

    /// Counts a notification from Odoo's webhooks by what became of it
    /// (`accepted`, `ignored`, `limited`, `refused`, `unreadable`).
    pub fn webhook_notification(&self, outcome: &'static str) {
        *self.series().webhook_notifications.entry(outcome).or_default() += 1;
    }

    /// Records a refresh that answered webhook notifications.
    pub fn webhook_applied(&self, applied: &crate::workers::webhooks::Applied) {
        let mut series = self.series();
        let outcome = if applied.ok { "ok" } else { "error" };
        *series
            .webhook_refreshes
            .entry((applied.kind, outcome))
            .or_default() += 1;
        if applied.ok {
            series.webhook_coalesced += applied.notifications;
            series.webhook_calls += applied.calls as u64;
            series.webhook_delays.observe(applied.delay.as_secs_f64());
        }
    }

    /// Every route series, by route and method.
    fn routes_now(&self) -> Vec<Arc<RouteSeries>> {
        self.routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Counts a shared page's answer.
    pub fn shared_page(&self, outcome: SharedPage) {
        self.shared_pages[outcome as usize].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts an Odoo call that failed.
    pub fn odoo_error(&self, error: &connector::Error) {
        *self.series().odoo_errors.entry(error.kind().label()).or_default() += 1;
    }

    /// The text exposition of this shop alone, with the gauges read now.
    pub fn render(
        &self,
        outbox_depth: Option<u64>,
        refused_orders: Option<u64>,
        odoo_reachable: Option<bool>,
        snapshot_age: Option<i64>,
    ) -> String {
        render_all(&[ShopMetrics {
            shop: None,
            metrics: self,
            gauges: Gauges {
                outbox_depth,
                refused_orders,
                odoo_reachable,
                snapshot_age,
            },
        }])
    }
}

/// The gauges of a shop, read now.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Orders not yet in Odoo.
    pub outbox_depth: Option<u64>,
    /// Orders Odoo refused.
    pub refused_orders: Option<u64>,
    /// Whether Odoo answered the last sync.
    pub odoo_reachable: Option<bool>,
    /// The snapshot's age, in seconds.
    pub snapshot_age: Option<i64>,
}

/// A shop's metrics, for [`render_all`].
#[derive(Debug)]
pub struct ShopMetrics<'a> {
    /// The shop's key, as the `shop` label of its series; `None` (a
    /// deployment of one shop): no such label.
    pub shop: Option<&'a str>,
    /// Its metrics.
    pub metrics: &'a Metrics,
    /// Its gauges.
    pub gauges: Gauges,
}

impl ShopMetrics<'_> {
    /// The shop's label followed by a comma, or nothing.
    fn lead(&self) -> String {
        self.shop
            .map(|s| format!("shop=\"{}\",", label(s)))
            .unwrap_or_default()
    }

    /// The shop's label alone, in braces, or nothing.
    fn alone(&self) -> String {
        self.shop
            .map(|s| format!("{{shop=\"{}\"}}", label(s)))
            .unwrap_or_default()
    }
}

/// The text exposition of every shop: each family once, each series with
/// its shop's label when there are several.
pub fn render_all(shops: &[ShopMetrics<'_>]) -> String {
    let mut out = String::new();
    let family = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
    };
    family(
        &mut out,
        "storefront_http_requests_total",
        "counter",
        "HTTP requests by route, method and status.",
    );
    for shop in shops {
        let lead = shop.lead();
        for series in shop.metrics.routes_now() {
            for (i, n) in series.statuses.iter().enumerate() {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "storefront_http_requests_total{{{lead}route=\"{}\",method=\"{}\",status=\"{}\"}} {n}",
                        label(&series.route),
                        series.method,
                        i + 100
                    );
                }
            }
        }
    }
    family(
        &mut out,
        "storefront_http_request_duration_seconds",
        "histogram",
        "HTTP request latencies by route.",
    );
    for shop in shops {
        let lead = shop.lead();
        for series in shop.metrics.routes_now() {
            series.histogram().write(
                &mut out,
                "storefront_http_request_duration_seconds",
                &format!(
                    "{lead}route=\"{}\",method=\"{}\"",
                    label(&series.route),
                    series.method
                ),
            );
        }
    }
    family(
        &mut out,
        "storefront_syncs_total",
        "counter",
        "Syncs of the mirror by kind and outcome.",
    );
    for shop in shops {
        let lead = shop.lead();
        for ((kind, outcome), n) in &shop.metrics.series().syncs {
            let _ = writeln!(
                out,
                "storefront_syncs_total{{{lead}kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
            );
        }
    }
    family(
        &mut out,
        "storefront_sync_duration_seconds",
        "histogram",
        "How long syncs took.",
    );
    for shop in shops {
        let lead = shop.lead();
        for (kind, h) in &shop.metrics.series().sync_durations {
            h.write(
                &mut out,
                "storefront_sync_duration_seconds",
                &format!("{lead}kind=\"{kind}\""),
            );
        }
    }
    family(
        &mut out,
        "storefront_mirror_records",
        "gauge",
        "Records in the mirror by model, after the last sync.",
    );
    for shop in shops {
        let lead = shop.lead();
        for (model, n) in &shop.metrics.series().records {
            let _ = writeln!(out, "storefront_mirror_records{{{lead}model=\"{model}\"}} {n}");
        }
    }
    family(
        &mut out,
        "storefront_odoo_errors_total",
        "counter",
        "Odoo calls that failed, by kind.",
    );
    for shop in shops {
        let lead = shop.lead();
        for (kind, n) in &shop.metrics.series().odoo_errors {
            let _ = writeln!(out, "storefront_odoo_errors_total{{{lead}kind=\"{kind}\"}} {n}");
        }
    }
    family(
        &mut out,
        "storefront_webhook_notifications_total",
        "counter",
        "Notifications from Odoo's webhooks, by outcome.",
    );
    for shop in shops {
        let lead = shop.lead();
        for (outcome, n) in &shop.metrics.series().webhook_notifications {
            let _ = writeln!(
                out,
                "storefront_webhook_notifications_total{{{lead}outcome=\"{outcome}\"}} {n}"
            );
        }
    }
    family(
        &mut out,
        "storefront_webhook_refreshes_total",
        "counter",
        "Refreshes that applied webhook notifications, by kind and outcome.",
    );
    for shop in shops {
        let lead = shop.lead();
        for ((kind, outcome), n) in &shop.metrics.series().webhook_refreshes {
            let _ = writeln!(
                out,
                "storefront_webhook_refreshes_total{{{lead}kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
            );
        }
    }
    family(
        &mut out,
        "storefront_webhook_applied_notifications_total",
        "counter",
        "Notifications applied, coalesced into the refreshes above.",
    );
    for shop in shops {
        let _ = writeln!(
            out,
            "storefront_webhook_applied_notifications_total{} {}",
            shop.alone(),
            shop.metrics.series().webhook_coalesced
        );
    }
    family(
        &mut out,
        "storefront_webhook_odoo_calls_total",
        "counter",
        "Calls to Odoo the refreshes above made.",
    );
    for shop in shops {
        let _ = writeln!(
            out,
            "storefront_webhook_odoo_calls_total{} {}",
            shop.alone(),
            shop.metrics.series().webhook_calls
        );
    }
    family(
        &mut out,
        "storefront_webhook_delay_seconds",
        "histogram",
        "From the oldest notification a refresh answers to its new snapshot.",
    );
    for shop in shops {
        let lead = shop.lead();
        shop.metrics.series().webhook_delays.write(
            &mut out,
            "storefront_webhook_delay_seconds",
            lead.trim_end_matches(','),
        );
    }
    family(
        &mut out,
        "storefront_shared_pages_total",
        "counter",
        "Pages shared by customers: filled in from a kept page (hit), rendered and kept (miss), rendered for one customer (private).",
    );
    for shop in shops {
        let lead = shop.lead();
        for outcome in SharedPage::ALL {
            let n = shop.metrics.shared_pages[outcome as usize].load(std::sync::atomic::Ordering::Relaxed);
            let _ = writeln!(
                out,
                "storefront_shared_pages_total{{{lead}outcome=\"{}\"}} {n}",
                outcome.label()
            );
        }
    }
    let gauge = |out: &mut String, name: &str, help: &str, value: &dyn Fn(&Gauges) -> Option<String>| {
        if shops.iter().all(|s| value(&s.gauges).is_none()) {
            return;
        }
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for shop in shops {
            if let Some(v) = value(&shop.gauges) {
                let _ = writeln!(out, "{name}{} {v}", shop.alone());
            }
        }
    };
    gauge(
        &mut out,
        "storefront_outbox_depth",
        "Orders received and not yet in Odoo.",
        &|g| g.outbox_depth.map(|v| v.to_string()),
    );
    gauge(
        &mut out,
        "storefront_orders_refused",
        "Orders Odoo refused, waiting for the staff (/admin/outbox).",
        &|g| g.refused_orders.map(|v| v.to_string()),
    );
    gauge(
        &mut out,
        "storefront_odoo_up",
        "Whether Odoo answered the last sync.",
        &|g| g.odoo_reachable.map(|v| u8::from(v).to_string()),
    );
    family(
        &mut out,
        "storefront_log_lines_dropped_total",
        "counter",
        "Log lines dropped because the log writer fell behind.",
    );
    let _ = writeln!(
        out,
        "storefront_log_lines_dropped_total {}",
        crate::http::logging::dropped_lines()
    );
    gauge(
        &mut out,
        "storefront_snapshot_age_seconds",
        "Age of the snapshot served.",
        &|g| g.snapshot_age.map(|v| v.to_string()),
    );
    out
}

/// A label value, escaped as the exposition format wants.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Counts a request by its route's pattern (called by the request's
/// middleware, [`crate::http::logging::around`], which times it).
pub fn observe<B>(
    metrics: &Metrics,
    method: &actix_web::http::Method,
    response: &ServiceResponse<B>,
    took: Duration,
) {
    let request = response.request();
    // The resource's name finds its series; unnamed resources (and no
    // resource) by their pattern.
    let pattern = || request.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let series = match request.match_name() {
        Some(name) => metrics.route_series(name, method, pattern),
        None => {
            let route = pattern();
            metrics.route_series(&route, method, || route.clone())
        }
    };
    series.observe(response.status().as_u16(), took);
}

/// A shop's gauges, read now.
async fn gauges(state: &AppState) -> Gauges {
    let outbox_depth = match state.shop.store.outbox_depth().await {
        Ok(depth) => Some(depth),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the outbox depth");
            None
        }
    };
    let refused_orders = match state.shop.store.refused_orders().await {
        Ok(refused) => Some(refused),
        Err(e) => {
            tracing::warn!(error = %e, "cannot count the refused orders");
            None
        }
    };
    Gauges {
        outbox_depth,
        refused_orders,
        odoo_reachable: state.resync.status().odoo_reachable,
        snapshot_age: state
            .resync
            .mirror()
            .snapshot()
            .synced_at
            .map(|at| (chrono::Utc::now() - at).num_seconds()),
    }
}

/// The metrics of every shop, in Prometheus' text format.
#[get("/metrics")]
pub async fn exposition(shops: web::Data<crate::http::state::Shops>) -> HttpResponse {
    let several = shops.0.len() > 1;
    let mut read = Vec::with_capacity(shops.0.len());
    for (key, state) in &shops.0 {
        read.push((key.as_str(), state, gauges(state).await));
    }
    let all: Vec<ShopMetrics<'_>> = read
        .iter()
        .map(|(key, state, gauges)| ShopMetrics {
            shop: several.then_some(*key),
            metrics: &state.metrics,
            gauges: *gauges,
        })
        .collect();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(render_all(&all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_the_series() {
        let m = Metrics::default();
        m.request("/categories/{id}", "GET", 200, Duration::from_millis(2));
        m.request("/categories/{id}", "GET", 200, Duration::from_millis(20));
        let text = m.render(Some(3), Some(1), Some(false), Some(12));
        assert!(text.contains(
            "storefront_http_requests_total{route=\"/categories/{id}\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "storefront_http_request_duration_seconds_bucket{route=\"/categories/{id}\",method=\"GET\",le=\"0.005\"} 1"
        ));
        assert!(text.contains("storefront_outbox_depth 3"));
        assert!(text.contains("storefront_orders_refused 1"));
        assert!(text.contains("storefront_odoo_up 0"));
    }
}
