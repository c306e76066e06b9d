//! Each customer's cart and favorites as last read from the store, kept in
//! memory until this process changes them: most pages then read neither.
//!
//! Only where this process is the store's only writer (SQLite): instances
//! sharing a PostgreSQL database would not see each other's changes, so
//! there every read goes to the database.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::CartLine;

/// How many customers are remembered at most.
const CUSTOMERS: u64 = 50_000;
/// How long a customer who does nothing stays remembered.
const IDLE: Duration = Duration::from_secs(15 * 60);

/// The remembered carts and favorites.
#[derive(Debug)]
pub(super) struct Remembered {
    enabled: bool,
    /// Counts the writes: a read that overlapped one is not remembered (it
    /// may have read what the write replaced).
    writes: AtomicU64,
    carts: moka::sync::Cache<i64, Arc<[CartLine]>>,
    favorites: moka::sync::Cache<i64, Arc<[i64]>>,
}

/// What a read started with: see [`Remembered::remember_cart`].
#[derive(Debug, Clone, Copy)]
pub(super) struct ReadTicket(u64);

fn cache<V: Clone + Send + Sync + 'static>() -> moka::sync::Cache<i64, V> {
    moka::sync::Cache::builder()
        .max_capacity(CUSTOMERS)
        .time_to_idle(IDLE)
        .build()
}

impl Remembered {
    pub(super) fn new(enabled: bool) -> Remembered {
        Remembered {
            enabled,
            writes: AtomicU64::new(0),
            carts: cache(),
            favorites: cache(),
        }
    }

    /// Taken before reading the database.
    pub(super) fn ticket(&self) -> ReadTicket {
        ReadTicket(self.writes.load(Ordering::SeqCst))
    }

    pub(super) fn cart(&self, partner_id: i64) -> Option<Arc<[CartLine]>> {
        self.carts.get(&partner_id)
    }

    pub(super) fn favorites(&self, partner_id: i64) -> Option<Arc<[i64]>> {
        self.favorites.get(&partner_id)
    }

    /// Keeps a cart read from the database, unless a write ran since
    /// `ticket` was taken.
    pub(super) fn remember_cart(&self, ticket: ReadTicket, partner_id: i64, lines: Arc<[CartLine]>) {
        if self.enabled && self.writes.load(Ordering::SeqCst) == ticket.0 {
            self.carts.insert(partner_id, lines);
            // A write that ran between the check and the insert has
            // forgotten the entry before it was inserted: forget it again.
            if self.writes.load(Ordering::SeqCst) != ticket.0 {
                self.carts.invalidate(&partner_id);
            }
        }
    }

    /// Keeps favorites read from the database, as [`Self::remember_cart`].
    pub(super) fn remember_favorites(&self, ticket: ReadTicket, partner_id: i64, ids: Arc<[i64]>) {
        if self.enabled && self.writes.load(Ordering::SeqCst) == ticket.0 {
            self.favorites.insert(partner_id, ids);
            if self.writes.load(Ordering::SeqCst) != ticket.0 {
                self.favorites.invalidate(&partner_id);
            }
        }
    }

    /// After a write of a partner's cart (committed or not: a failed write
    /// forgets too, which costs one read).
    pub(super) fn cart_written(&self, partner_id: i64) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.carts.invalidate(&partner_id);
    }

    /// After a write of a partner's favorites.
    pub(super) fn favorites_written(&self, partner_id: i64) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.favorites.invalidate(&partner_id);
    }
}
