//! Odoo's webhooks: its automation rules tell the shop which record changed
//! (`storefront odoo-setup` makes them), one notification per record. The
//! notifications are noted here and coalesced: once they stop coming for a
//! moment ([`Timing::quiet`]), or the oldest has waited long enough
//! ([`Timing::max_wait`], longer in a burst), one targeted refresh reads every record noted
//! ([`connector::mirror::Mirror::refresh`]). An import of 2,000 products is
//! then a few reads, not 2,000.
//!
//! Nothing is lost: past the rate Odoo may send at ([`Timing::per_second`])
//! or too many records at once ([`MAX_RECORDS`]), the ids are no longer
//! kept but an incremental sync (which finds every change) runs instead; a
//! refresh that fails is tried again, later, with what came meanwhile. The
//! timer stays, as the safety net for notifications that never came.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::Instrument as _;

use connector::mirror::{Changes, MIRRORED_MODELS};
use tokio::sync::Notify;

use crate::workers::resync::Resync;

/// Notifications waiting that make a burst (see [`Timing::burst_max_wait`]).
pub const BURST_NOTIFICATIONS: u64 = 200;

/// Records kept waiting at most: beyond, an incremental sync instead.
pub const MAX_RECORDS: usize = 10_000;

/// How notifications are coalesced and limited.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// A refresh runs once no notification came for this long...
    pub quiet: Duration,
    /// ... or the oldest waiting has waited this long...
    pub max_wait: Duration,
    /// ... or, in a burst (more than [`BURST_NOTIFICATIONS`] waiting),
    /// this long: an import is then read in a few calls.
    pub burst_max_wait: Duration,
    /// Notifications taken per second, on average...
    pub per_second: u32,
    /// ... and at once.
    pub burst: u32,
    /// The first wait after a refresh failed; it doubles up to a minute.
    pub retry_after: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            quiet: Duration::from_millis(150),
            max_wait: Duration::from_secs(1),
            burst_max_wait: Duration::from_secs(5),
            per_second: 2_000,
            burst: 5_000,
            retry_after: Duration::from_secs(2),
        }
    }
}

/// What became of one notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noted {
    /// Its record will be read again.
    Accepted,
    /// Not a model the shop mirrors, or not a record's id: nothing to do.
    Ignored,
    /// Over the rate: its id is not kept, an incremental sync will run.
    Limited,
}

impl Noted {
    /// For metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            Noted::Accepted => "accepted",
            Noted::Ignored => "ignored",
            Noted::Limited => "limited",
        }
    }
}

/// What one refresh applied, told to the observer (the metrics).
#[derive(Debug, Clone)]
pub struct Applied {
    /// The notifications it answers.
    pub notifications: u64,
    /// `targeted`, or `incremental` when ids were not all kept.
    pub kind: &'static str,
    /// Whether it worked (else it is tried again).
    pub ok: bool,
    /// From the oldest notification it answers to the new snapshot.
    pub delay: Duration,
    /// Calls made to Odoo.
    pub calls: usize,
}

/// Tells the metrics of each refresh.
pub type WebhookObserver = Arc<dyn Fn(&Applied) + Send + Sync>;

#[derive(Debug, Default)]
struct Pending {
    changes: Changes,
    /// Ids were dropped (rate, size): an incremental sync is due.
    overflow: bool,
    notifications: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Pending {
    fn note(&mut self, now: Instant) {
        self.notifications += 1;
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    fn merge(&mut self, earlier: Pending) {
        self.changes.extend(earlier.changes);
        self.overflow |= earlier.overflow;
        self.notifications += earlier.notifications;
        self.first = match (self.first, earlier.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = self.last.or(earlier.last);
    }
}

/// A token bucket.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Inner {
    pending: Mutex<Pending>,
    bucket: Mutex<Bucket>,
    wake: Notify,
    timing: Timing,
}

/// The notifications waiting, shared by the endpoint and the worker.
#[derive(Debug, Clone)]
pub struct Webhooks {
    inner: Arc<Inner>,
}

impl Default for Webhooks {
    fn default() -> Self {
        Self::new(Timing::default())
    }
}

impl Webhooks {
    /// Nothing waiting yet.
    pub fn new(timing: Timing) -> Self {
        Self {
            inner: Arc::new(Inner {
                pending: Mutex::new(Pending::default()),
                bucket: Mutex::new(Bucket {
                    tokens: f64::from(timing.burst),
                    at: Instant::now(),
                }),
                wake: Notify::new(),
                timing,
            }),
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.inner.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take_token(&self, now: Instant) -> bool {
        let timing = self.inner.timing;
        let mut bucket = self.inner.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * f64::from(timing.per_second);
        bucket.tokens = (bucket.tokens + refill).min(f64::from(timing.burst));
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Notes that Odoo said record `id` of `model` changed.
    pub fn note(&self, model: &str, id: i64) -> Noted {
        let now = Instant::now();
        if !self.take_token(now) {
            let mut pending = self.pending();
            pending.overflow = true;
            pending.note(now);
            drop(pending);
            self.inner.wake.notify_one();
            return Noted::Limited;
        }
        if id <= 0 || !MIRRORED_MODELS.contains(&model) {
            return Noted::Ignored;
        }
        let mut pending = self.pending();
        pending.note(now);
        if !pending.overflow {
            pending.changes.add(model, id);
            if pending.changes.len() > MAX_RECORDS {
                pending.overflow = true;
                pending.changes = Changes::new();
            }
        }
        drop(pending);
        self.inner.wake.notify_one();
        Noted::Accepted
    }

    /// Applies what is noted, coalesced, until the task is aborted.
    pub fn spawn(&self, resync: Resync, observer: Option<WebhookObserver>) -> tokio::task::JoinHandle<()> {
        let hooks = self.clone();
        tokio::spawn(async move { hooks.work(resync, observer).await }.in_current_span())
    }

    async fn work(self, resync: Resync, observer: Option<WebhookObserver>) {
        let timing = self.inner.timing;
        let mut retry_after = timing.retry_after;
        loop {
            if self.pending().first.is_none() {
                self.inner.wake.notified().await;
            }
            self.settle().await;
            let taken = std::mem::take(&mut *self.pending());
            let Some(first) = taken.first else {
                continue;
            };
            let (kind, result) = if taken.overflow {
                ("incremental", resync.sync_now().await)
            } else {
                ("targeted", resync.refresh_now(&taken.changes).await)
            };
            let applied = Applied {
                notifications: taken.notifications,
                kind,
                ok: result.is_ok(),
                delay: first.elapsed(),
                calls: result.as_ref().map_or(0, |r| r.total_calls()),
            };
            if let Some(observer) = &observer {
                observer(&applied);
            }
            match result {
                Ok(_) => {
                    retry_after = timing.retry_after;
                    tracing::debug!(
                        notifications = applied.notifications,
                        kind,
                        delay_ms = applied.delay.as_millis() as u64,
                        "webhook notifications applied"
                    );
                }
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        notifications = applied.notifications,
                        retry_in_secs = retry_after.as_secs(),
                        "could not apply Odoo's notifications: tried again later"
                    );
                    // Kept, with what came meanwhile, for the next try.
                    self.pending().merge(taken);
                    tokio::time::sleep(retry_after).await;
                    retry_after = (retry_after * 2).min(Duration::from_secs(60));
                }
            }
        }
    }

    /// Waits until notifications stop coming for [`Timing::quiet`], or the
    /// oldest has waited [`Timing::max_wait`] ([`Timing::burst_max_wait`] in
    /// a burst).
    async fn settle(&self) {
        let timing = self.inner.timing;
        loop {
            let (Some(first), Some(last), notifications) = ({
                let pending = self.pending();
                (pending.first, pending.last, pending.notifications)
            }) else {
                return;
            };
            let max_wait = if notifications > BURST_NOTIFICATIONS {
                timing.burst_max_wait
            } else {
                timing.max_wait
            };
            let until = (last + timing.quiet).min(first + max_wait);
            if Instant::now() >= until {
                return;
            }
            tokio::time::sleep_until(until.into()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_models_and_bad_ids_are_ignored() {
        let hooks = Webhooks::default();
        assert_eq!(hooks.note("mail.message", 4), Noted::Ignored);
        assert_eq!(hooks.note("product.template", 0), Noted::Ignored);
        assert!(hooks.pending().first.is_none(), "nothing to do");
        assert_eq!(hooks.note("product.template", 4), Noted::Accepted);
        assert_eq!(hooks.note("product.template", 4), Noted::Accepted);
        let pending = hooks.pending();
        assert_eq!(pending.changes.len(), 1);
        assert_eq!(pending.notifications, 2);
    }

    #[test]
    fn over_the_rate_ids_give_way_to_an_incremental_sync() {
        let hooks = Webhooks::new(Timing {
            per_second: 1,
            burst: 3,
            ..Timing::default()
        });
        for id in 1..=3 {
            assert_eq!(hooks.note("product.template", id), Noted::Accepted);
        }
        assert_eq!(hooks.note("product.template", 4), Noted::Limited);
        let pending = hooks.pending();
        assert!(pending.overflow);
        assert_eq!(pending.notifications, 4);
    }

    #[test]
    fn too_many_records_at_once_give_way_to_an_incremental_sync() {
        let hooks = Webhooks::new(Timing {
            burst: u32::MAX,
            ..Timing::default()
        });
        for id in 1..=(MAX_RECORDS as i64 + 1) {
            hooks.note("product.product", id);
        }
        let pending = hooks.pending();
        assert!(pending.overflow);
        assert!(pending.changes.is_empty(), "the ids are no longer kept");
    }
}
