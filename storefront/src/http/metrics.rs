//! Prometheus metrics at `/metrics`: requests and their latencies by route,
//! syncs (durations, outcomes, record counts), the outbox's depth, Odoo
//! call errors by kind. Plain counters behind a mutex: a few hundred series
//! at most, written once per request.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
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
    requests: BTreeMap<(String, String, u16), u64>,
    latencies: BTreeMap<(String, String), Histogram>,
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

/// The storefront's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
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

impl Metrics {
    fn series(&self) -> std::sync::MutexGuard<'_, Series> {
        self.series.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a request to `route` (the route's pattern, never the path: ids
    /// would make a series per product).
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let mut series = self.series();
        *series
            .requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        series
            .latencies
            .entry((route.to_owned(), method.to_owned()))
            .or_default()
            .observe(took.as_secs_f64());
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

    /// Counts a shared page's answer.
    pub fn shared_page(&self, outcome: SharedPage) {
        self.shared_pages[outcome as usize].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts an Odoo call that failed.
    pub fn odoo_error(&self, error: &connector::Error) {
        *self.series().odoo_errors.entry(error.kind().label()).or_default() += 1;
    }

    /// The text exposition, with the gauges read now.
    pub fn render(
        &self,
        outbox_depth: Option<u64>,
        refused_orders: Option<u64>,
        odoo_reachable: Option<bool>,
        snapshot_age: Option<i64>,
    ) -> String {
        let series = self.series();
        let mut out = String::new();
        out.push_str("# HELP storefront_http_requests_total HTTP requests by route, method and status.\n");
        out.push_str("# TYPE storefront_http_requests_total counter\n");
        for ((route, method, status), n) in &series.requests {
            let _ = writeln!(
                out,
                "storefront_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        out.push_str("# HELP storefront_http_request_duration_seconds HTTP request latencies by route.\n");
        out.push_str("# TYPE storefront_http_request_duration_seconds histogram\n");
        for ((route, method), h) in &series.latencies {
            h.write(
                &mut out,
                "storefront_http_request_duration_seconds",
                &format!("route=\"{}\",method=\"{method}\"", label(route)),
            );
        }
        out.push_str("# HELP storefront_syncs_total Syncs of the mirror by kind and outcome.\n");
        out.push_str("# TYPE storefront_syncs_total counter\n");
        for ((kind, outcome), n) in &series.syncs {
            let _ = writeln!(
                out,
                "storefront_syncs_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str("# HELP storefront_sync_duration_seconds How long syncs took.\n");
        out.push_str("# TYPE storefront_sync_duration_seconds histogram\n");
        for (kind, h) in &series.sync_durations {
            h.write(
                &mut out,
                "storefront_sync_duration_seconds",
                &format!("kind=\"{kind}\""),
            );
        }
        out.push_str(
            "# HELP storefront_mirror_records Records in the mirror by model, after the last sync.\n",
        );
        out.push_str("# TYPE storefront_mirror_records gauge\n");
        for (model, n) in &series.records {
            let _ = writeln!(out, "storefront_mirror_records{{model=\"{model}\"}} {n}");
        }
        out.push_str("# HELP storefront_odoo_errors_total Odoo calls that failed, by kind.\n");
        out.push_str("# TYPE storefront_odoo_errors_total counter\n");
        for (kind, n) in &series.odoo_errors {
            let _ = writeln!(out, "storefront_odoo_errors_total{{kind=\"{kind}\"}} {n}");
        }
        out.push_str(
            "# HELP storefront_webhook_notifications_total Notifications from Odoo's webhooks, by outcome.\n",
        );
        out.push_str("# TYPE storefront_webhook_notifications_total counter\n");
        for (outcome, n) in &series.webhook_notifications {
            let _ = writeln!(
                out,
                "storefront_webhook_notifications_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP storefront_webhook_refreshes_total Refreshes that applied webhook notifications, by kind and outcome.\n",
        );
        out.push_str("# TYPE storefront_webhook_refreshes_total counter\n");
        for ((kind, outcome), n) in &series.webhook_refreshes {
            let _ = writeln!(
                out,
                "storefront_webhook_refreshes_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP storefront_webhook_applied_notifications_total Notifications applied, coalesced into the refreshes above.\n",
        );
        out.push_str("# TYPE storefront_webhook_applied_notifications_total counter\n");
        let _ = writeln!(
            out,
            "storefront_webhook_applied_notifications_total {}",
            series.webhook_coalesced
        );
        out.push_str("# HELP storefront_webhook_odoo_calls_total Calls to Odoo the refreshes above made.\n");
        out.push_str("# TYPE storefront_webhook_odoo_calls_total counter\n");
        let _ = writeln!(
            out,
            "storefront_webhook_odoo_calls_total {}",
            series.webhook_calls
        );
        out.push_str(
            "# HELP storefront_webhook_delay_seconds From the oldest notification a refresh answers to its new snapshot.\n",
        );
        out.push_str("# TYPE storefront_webhook_delay_seconds histogram\n");
        series
            .webhook_delays
            .write(&mut out, "storefront_webhook_delay_seconds", "");
        out.push_str(
            "# HELP storefront_shared_pages_total Pages shared by customers: filled in from a kept page (hit), \
             rendered and kept (miss), rendered for one customer (private).\n",
        );
        out.push_str("# TYPE storefront_shared_pages_total counter\n");
        for outcome in SharedPage::ALL {
            let n = self.shared_pages[outcome as usize].load(std::sync::atomic::Ordering::Relaxed);
            let _ = writeln!(
                out,
                "storefront_shared_pages_total{{outcome=\"{}\"}} {n}",
                outcome.label()
            );
        }
        if let Some(depth) = outbox_depth {
            out.push_str("# HELP storefront_outbox_depth Orders received and not yet in Odoo.\n");
            out.push_str("# TYPE storefront_outbox_depth gauge\n");
            let _ = writeln!(out, "storefront_outbox_depth {depth}");
        }
        if let Some(refused) = refused_orders {
            out.push_str(
                "# HELP storefront_orders_refused Orders Odoo refused, waiting for the staff (/admin/outbox).\n",
            );
            out.push_str("# TYPE storefront_orders_refused gauge\n");
            let _ = writeln!(out, "storefront_orders_refused {refused}");
        }
        if let Some(reachable) = odoo_reachable {
            out.push_str("# HELP storefront_odoo_up Whether Odoo answered the last sync.\n");
            out.push_str("# TYPE storefront_odoo_up gauge\n");
            let _ = writeln!(out, "storefront_odoo_up {}", u8::from(reachable));
        }
        out.push_str(
            "# HELP storefront_log_lines_dropped_total Log lines dropped because the log writer fell behind.\n",
        );
        out.push_str("# TYPE storefront_log_lines_dropped_total counter\n");
        let _ = writeln!(
            out,
            "storefront_log_lines_dropped_total {}",
            crate::http::logging::dropped_lines()
        );
        if let Some(age) = snapshot_age {
            out.push_str("# HELP storefront_snapshot_age_seconds Age of the snapshot served.\n");
            out.push_str("# TYPE storefront_snapshot_age_seconds gauge\n");
            let _ = writeln!(out, "storefront_snapshot_age_seconds {age}");
        }
        out
    }
}

/// A label value, escaped as the exposition format wants.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Counts every request by its route's pattern.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
    let method = req.method().to_string();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        metrics.request(&route, &method, response.status().as_u16(), started.elapsed());
    }
    Ok(response)
}

/// The metrics, in Prometheus' text format.
#[get("/metrics")]
pub async fn exposition(state: web::Data<AppState>) -> HttpResponse {
    let depth = match state.shop.store.outbox_depth().await {
        Ok(depth) => Some(depth),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the outbox depth");
            None
        }
    };
    let refused = match state.shop.store.refused_orders().await {
        Ok(refused) => Some(refused),
        Err(e) => {
            tracing::warn!(error = %e, "cannot count the refused orders");
            None
        }
    };
    let status = state.resync.status();
    let age = state
        .resync
        .mirror()
        .snapshot()
        .synced_at
        .map(|at| (chrono::Utc::now() - at).num_seconds());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(depth, refused, status.odoo_reachable, age))
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
