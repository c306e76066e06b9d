//! Each customer's cart and favorites as last read from the store, kept in
//! memory until this process changes them: most pages then read neither.
//!
//! On SQLite this process is the store's only writer, so its own writes are
//! all the changes. Instances sharing a PostgreSQL database tell each other
//! of theirs (`NOTIFY` on [`CHANNEL`], which every instance `LISTEN`s to):
//! nothing is remembered there while the instance is not listening (before
//! it first is, and from a lost connection until it listens again).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    enabled: AtomicBool,
    /// Whether the instance is listening (PostgreSQL), for tests to wait on.
    listening: tokio::sync::watch::Sender<bool>,
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
            enabled: AtomicBool::new(enabled),
            listening: tokio::sync::watch::Sender::new(false),
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
        self.remember(&self.carts, ticket, partner_id, lines);
    }

    /// Keeps favorites read from the database, as [`Self::remember_cart`].
    pub(super) fn remember_favorites(&self, ticket: ReadTicket, partner_id: i64, ids: Arc<[i64]>) {
        self.remember(&self.favorites, ticket, partner_id, ids);
    }

    fn remember<V: Clone + Send + Sync + 'static>(
        &self,
        cache: &moka::sync::Cache<i64, V>,
        ticket: ReadTicket,
        partner_id: i64,
        value: V,
    ) {
        if self.enabled.load(Ordering::SeqCst) && self.writes.load(Ordering::SeqCst) == ticket.0 {
            cache.insert(partner_id, value);
            // A write that ran between the check and the insert has
            // forgotten the entry before it was inserted: forget it again.
            if self.writes.load(Ordering::SeqCst) != ticket.0 {
                cache.invalidate(&partner_id);
            }
        }
    }

    /// After a write of a partner's cart or favorites (committed or not: a
    /// failed write forgets too, which costs one read).
    pub(super) fn written(&self, basket: Basket, partner_id: i64) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        match basket {
            Basket::Cart => self.carts.invalidate(&partner_id),
            Basket::Favorites => self.favorites.invalidate(&partner_id),
        }
    }

    /// Starts remembering (the instance listens to the others' changes).
    fn follow(&self) {
        self.forget_all();
        self.enabled.store(true, Ordering::SeqCst);
        self.listening.send_replace(true);
    }

    /// Stops remembering and forgets all (changes may go unnoticed).
    fn unfollow(&self) {
        self.enabled.store(false, Ordering::SeqCst);
        self.listening.send_replace(false);
        self.forget_all();
    }

    fn forget_all(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.carts.invalidate_all();
        self.favorites.invalidate_all();
    }

    /// Waits until the instance listens to the others' changes.
    #[cfg(test)]
    pub(super) async fn until_listening(&self) {
        let mut listening = self.listening.subscribe();
        let _ = listening.wait_for(|on| *on).await;
    }

    /// Applies a change another instance (or this one) announced.
    fn announced(&self, payload: &str) {
        match Basket::parse(payload) {
            Some((basket, partner_id)) => self.written(basket, partner_id),
            None => self.forget_all(),
        }
    }
}

/// The PostgreSQL channel on which instances announce changes of carts and
/// favorites (payload: [`Basket::payload`]).
pub(super) const CHANNEL: &str = "storefront_baskets";

/// What a write changed: a partner's cart or favorites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Basket {
    Cart,
    Favorites,
}

impl Basket {
    fn name(self) -> &'static str {
        match self {
            Basket::Cart => "cart",
            Basket::Favorites => "favorites",
        }
    }

    /// The announcement of a change of partner `partner_id`'s basket:
    /// `cart:<id>` or `favorites:<id>`.
    pub(super) fn payload(self, partner_id: i64) -> String {
        format!("{}:{partner_id}", self.name())
    }

    fn parse(payload: &str) -> Option<(Basket, i64)> {
        let (name, id) = payload.split_once(':')?;
        let basket = [Basket::Cart, Basket::Favorites]
            .into_iter()
            .find(|b| b.name() == name)?;
        Some((basket, id.parse().ok()?))
    }
}

/// Listens to [`CHANNEL`] on the PostgreSQL database of `url` for as long as
/// the store lives, remembering only while it listens; reconnects after a
/// loss (waiting 1 s, doubling to 1 min).
pub(super) async fn listen(url: String, remembered: Arc<Remembered>) {
    let mut delay = Duration::from_secs(1);
    loop {
        let listener = async {
            let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        match listener {
            Ok(mut listener) => {
                remembered.follow();
                delay = Duration::from_secs(1);
                // `try_recv` answers None when the connection is lost.
                while let Ok(Some(notification)) = listener.try_recv().await {
                    remembered.announced(notification.payload());
                }
                remembered.unfollow();
                tracing::warn!(
                    "the store's change notifications stopped: carts and favorites are read from the \
                     database until they are back"
                );
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen to the store's change notifications"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(60));
    }
}
