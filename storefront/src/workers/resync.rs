//! Keeping the mirror fresh: a sync at start, then on a schedule and on
//! request; how the last one went is kept for `/readyz`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::Instrument as _;

use chrono::{DateTime, Utc};
use connector::mirror::{Changes, Mirror, SyncReport};
use tokio::sync::watch;

/// How the last sync went.
#[derive(Debug, Clone, Default)]
pub struct SyncStatus {
    /// When the last successful sync ended.
    pub last_success: Option<DateTime<Utc>>,
    /// The last sync's error, if it failed (for the log and the admin
    /// endpoints: it may name hosts, databases or logins).
    pub last_error: Option<String>,
    /// Its kind (`transport`, `access_denied`, ...): what the public
    /// `/readyz` shows.
    pub last_error_kind: Option<&'static str>,
    /// Whether Odoo answered the last sync; `None` before the first.
    pub odoo_reachable: Option<bool>,
    /// Syncs attempted.
    pub attempts: u64,
    /// Whether the snapshot served was read from the data directory at start
    /// and no sync has succeeded since.
    pub serving_saved: bool,
}

/// Which sync to run.
#[derive(Clone, Copy)]
enum Kind<'a> {
    Full,
    Incremental,
    Targeted(&'a Changes),
    ChangedSince(DateTime<Utc>),
}

/// What is told of each sync: its outcome and how long it took.
pub type SyncObserver = Arc<dyn Fn(Result<&SyncReport, &connector::Error>, Duration) + Send + Sync>;

/// The mirror and how its syncs went, shared by the server's workers.
#[derive(Clone)]
pub struct Resync {
    mirror: Arc<Mirror>,
    status: Arc<Mutex<SyncStatus>>,
    attempts: watch::Sender<u64>,
    snapshot_file: Option<PathBuf>,
    observer: Option<SyncObserver>,
}

impl std::fmt::Debug for Resync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resync")
            .field("status", &self.status)
            .field("snapshot_file", &self.snapshot_file)
            .finish_non_exhaustive()
    }
}

impl Resync {
    /// Keeps `mirror` fresh, saving each new snapshot to `snapshot_file`;
    /// `serving_saved` when the mirror starts from a saved one.
    pub fn new(mirror: Arc<Mirror>, snapshot_file: Option<PathBuf>, serving_saved: bool) -> Self {
        Self {
            mirror,
            status: Arc::new(Mutex::new(SyncStatus {
                serving_saved,
                ..SyncStatus::default()
            })),
            attempts: watch::Sender::new(0),
            snapshot_file,
            observer: None,
        }
    }

    /// Tells `observer` of each sync (the metrics).
    pub fn observed(mut self, observer: SyncObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The mirror.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// How the last sync went.
    pub fn status(&self) -> SyncStatus {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Syncs now (incrementally once there is a snapshot) and records the
    /// outcome. The mirror runs one sync at a time.
    pub async fn sync_now(&self) -> Result<SyncReport, connector::Error> {
        self.run(Kind::Incremental).await
    }

    /// A full sync now (everything read again), recorded like the others.
    pub async fn full_sync_now(&self) -> Result<SyncReport, connector::Error> {
        self.run(Kind::Full).await
    }

    /// Reads again only the records Odoo said changed (its webhooks), and
    /// what shows them; recorded like the others.
    pub async fn refresh_now(&self, changes: &Changes) -> Result<SyncReport, connector::Error> {
        self.run(Kind::Targeted(changes)).await
    }

    async fn run(&self, kind: Kind<'_>) -> Result<SyncReport, connector::Error> {
        let started = std::time::Instant::now();
        let result = match kind {
            Kind::Full => self.mirror.full_sync().await,
            Kind::Incremental => self.mirror.sync().await,
            Kind::Targeted(changes) => self.mirror.refresh(changes).await,
            Kind::ChangedSince(since) => self.mirror.refresh_changed_since(since).await,
        };
        if let Some(observer) = &self.observer {
            observer(result.as_ref(), started.elapsed());
        }
        // A targeted refresh is not saved: the next sync, which is, reads
        // again whatever changed since the saved snapshot (its records'
        // `write_date`s differ), so a restart loses nothing; and a burst
        // of notifications does not write the whole snapshot each time.
        if result.is_ok() && !matches!(kind, Kind::Targeted(_) | Kind::ChangedSince(_)) {
            self.save().await;
        }
        {
            let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
            status.attempts += 1;
            match &result {
                Ok(_) => {
                    status.last_success = Some(Utc::now());
                    status.last_error = None;
                    status.last_error_kind = None;
                    status.odoo_reachable = Some(true);
                    status.serving_saved = false;
                }
                Err(e) => {
                    status.last_error = Some(e.to_string());
                    status.last_error_kind = Some(e.kind().label());
                    status.odoo_reachable = Some(!matches!(
                        e.kind(),
                        connector::ErrorKind::Transport | connector::ErrorKind::Timeout
                    ));
                }
            }
            self.attempts.send_replace(status.attempts);
        }
        result
    }

    /// Saves the current snapshot, off the async workers (it is a large
    /// write); a failure is logged, the shop goes on.
    async fn save(&self) {
        let Some(path) = self.snapshot_file.clone() else {
            return;
        };
        let snapshot = self.mirror.snapshot();
        let saved = tokio::task::spawn_blocking(move || snapshot.save(&path)).await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not save the snapshot"),
            Err(e) => tracing::warn!(error = %e, "could not save the snapshot"),
        }
    }

    /// Waits until at least `n` syncs were attempted (for tests and for a
    /// start that wants the first snapshot).
    pub async fn attempted(&self, n: u64) {
        let mut seen = self.attempts.subscribe();
        let _ = seen.wait_for(|count| *count >= n).await;
    }

    /// Every `every` (if set), asks Odoo what changed since the last time
    /// and reads only that ([`Mirror::refresh_changed_since`]): a few small
    /// calls, so that a change shows within `every` where Odoo sends no
    /// webhook (16), and as their safety net. Until the task is aborted.
    pub fn spawn_probe(&self, every: Option<Duration>) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(
            async move {
                let Some(every) = every else { return };
                let mut since = Utc::now();
                loop {
                    tokio::time::sleep(every).await;
                    let started = Utc::now();
                    if this.run(Kind::ChangedSince(since)).await.is_ok() {
                        since = started;
                    }
                }
            }
            .in_current_span(),
        )
    }

    /// Syncs now, then every `every` (if set), until the task is aborted.
    pub fn spawn_schedule(&self, every: Option<Duration>) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(
            async move {
                let _ = this.sync_now().await;
                let Some(every) = every else { return };
                let mut ticks = tokio::time::interval(every);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticks.tick().await;
                loop {
                    ticks.tick().await;
                    let _ = this.sync_now().await;
                }
            }
            .in_current_span(),
        )
    }
}
