//! The embedded store: the storefront's own data (customer sessions, login
//! throttling, carts, favorites, and the outbox of orders on their way to
//! Odoo), as opposed to Odoo's.
//!
//! It goes through `sqlx::AnyPool` so that the same code and the same SQL run
//! on SQLite (the default: one file in the data directory) and on PostgreSQL
//! (several instances sharing one database, chosen by one URL). Hence the
//! rules of this module: runtime queries only, `$N` placeholders, upserts with
//! `ON CONFLICT`, `BIGINT` ids and unix timestamps (seconds, UTC), flags as
//! `BIGINT` 0/1, and decimals as `TEXT` in their canonical form (never floats,
//! so that 0.1 + 0.2 is 0.3).
//!
//! Every write that must read first runs in a transaction that takes the write
//! lock before reading: `BEGIN IMMEDIATE` on SQLite (so a second writer waits
//! on `busy_timeout` instead of failing on a lock upgrade), and a row lock
//! taken by an upsert on PostgreSQL. Concurrent writers therefore serialize
//! and none of their updates is lost.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyConnection, AnyPool, Row, Transaction};

pub mod ids;
mod remembered;
pub mod shares;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

use remembered::{Basket, Remembered};

/// The schema version this code writes and reads (see [`MIGRATIONS`]).
const SCHEMA_VERSION: i64 = 5;

/// The migrations, in order: entry `i` takes the schema from version `i` to
/// version `i + 1`. Each statement must be valid on SQLite and PostgreSQL.
/// A later version appends an entry and bumps [`SCHEMA_VERSION`]; an entry is
/// never edited once released.
const MIGRATIONS: &[&[&str]] = &[
    &[
        // Sessions of logged-in customers, keyed by the SHA-256 (hex) of the
        // cookie's random id, so that a leaked database gives no session away.
        "CREATE TABLE IF NOT EXISTS sessions (
        id_hash TEXT NOT NULL PRIMARY KEY,
        user_id BIGINT NOT NULL,
        partner_id BIGINT NOT NULL,
        login TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at)",
        // Failed logins per throttling key ("login:<email>", "ip:<address>").
        "CREATE TABLE IF NOT EXISTS login_failures (
        throttle_key TEXT NOT NULL PRIMARY KEY,
        failures BIGINT NOT NULL,
        last_failure BIGINT NOT NULL
    )",
        // One cart per partner; `seq` keeps the order in which lines were first
        // added (timestamps tie within a second; two lines added at the same
        // instant on PostgreSQL may share a `seq`, then the product id decides);
        // `quantity` is a decimal's canonical text.
        "CREATE TABLE IF NOT EXISTS cart_lines (
        partner_id BIGINT NOT NULL,
        product_id BIGINT NOT NULL,
        quantity TEXT NOT NULL,
        seq BIGINT NOT NULL,
        added_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (partner_id, product_id)
    )",
        // Favorite product templates per partner, `seq` as for cart lines.
        "CREATE TABLE IF NOT EXISTS favorites (
        partner_id BIGINT NOT NULL,
        template_id BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (partner_id, template_id)
    )",
    ],
    &[
        // Version 2: the order outbox. An order is written here first, under its
        // idempotency key (Odoo's `client_order_ref`), then delivered to Odoo by
        // the caller or, if Odoo is away, by a worker retrying later. `state` is
        // an [`OrderState`]'s text, `payload` the caller's JSON.
        "CREATE TABLE IF NOT EXISTS orders (
        order_key TEXT NOT NULL PRIMARY KEY,
        partner_id BIGINT NOT NULL,
        slot_id BIGINT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        odoo_id BIGINT,
        odoo_name TEXT,
        attempts BIGINT NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS orders_state_next_attempt_at ON orders (state, next_attempt_at)",
        "CREATE INDEX IF NOT EXISTS orders_slot_id ON orders (slot_id)",
        "CREATE INDEX IF NOT EXISTS orders_partner_id_created_at ON orders (partner_id, created_at)",
        // One row per pickup slot ever reserved, locked by an upsert while a
        // reservation counts the slot's orders: PostgreSQL thus serializes the
        // reservations of a slot (across instances), so its capacity holds.
        "CREATE TABLE IF NOT EXISTS slot_locks (
        slot_id BIGINT NOT NULL PRIMARY KEY
    )",
    ],
    &[
        // Version 3: a lease on each order being delivered, so that one
        // deliverer at a time (the checkout, the worker, an admin's retry,
        // another instance) talks to Odoo about it: who holds it, and until
        // when (unix seconds; 0: nobody).
        "ALTER TABLE orders ADD COLUMN lease_owner TEXT",
        "ALTER TABLE orders ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0",
    ],
    &[
        // Version 4: telling the customer and the staff, through Odoo, of an
        // order that reached it (the confirmation mail, the staff's
        // activity): due from `inform_due` (unix seconds; 0: nothing to do,
        // as for every order before this version), tried `inform_attempts`
        // times.
        "ALTER TABLE orders ADD COLUMN inform_due BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE orders ADD COLUMN inform_attempts BIGINT NOT NULL DEFAULT 0",
        "CREATE INDEX IF NOT EXISTS orders_inform_due ON orders (inform_due)",
    ],
    &[
        // Version 5: buying together by the case (see [`shares`]). One row
        // per round of shared cases, keyed by its cut-off (unix seconds),
        // with a random key (in the order keys its settlement makes), its
        // state (`open`, `closed`, `settled`) and a lease on its
        // settlement; its row is locked by every share written in the
        // round, so the shares of a case never exceed it.
        "CREATE TABLE IF NOT EXISTS share_rounds (
        round_at BIGINT NOT NULL PRIMARY KEY,
        round_key TEXT NOT NULL,
        state TEXT NOT NULL,
        lease_until BIGINT NOT NULL,
        settled_at BIGINT
    )",
        // A customer's share of a case (a product, in a round): the
        // quantity (a decimal's canonical text), the case's size when it
        // was taken, the pickup slot; `state` `open`, then `ordered` or
        // `dropped` at the cut-off, `order_key` the order it went into,
        // `told` whether a dropped share was told of.
        "CREATE TABLE IF NOT EXISTS case_shares (
        round_at BIGINT NOT NULL,
        product_id BIGINT NOT NULL,
        partner_id BIGINT NOT NULL,
        login TEXT NOT NULL,
        quantity TEXT NOT NULL,
        case_size TEXT NOT NULL,
        slot_id BIGINT NOT NULL,
        state TEXT NOT NULL,
        order_key TEXT,
        told BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (round_at, product_id, partner_id)
    )",
        "CREATE INDEX IF NOT EXISTS case_shares_partner_id ON case_shares (partner_id, round_at)",
    ],
];

/// Key of the PostgreSQL advisory lock that serializes the migrations of
/// instances starting together on one database (arbitrary, fixed).
const MIGRATION_LOCK: i64 = 0x5346_5354_4f52_4531;

/// Connections per pool: the store's queries are short, and SQLite has a
/// single writer anyway.
const MAX_CONNECTIONS: u32 = 4;

/// How long a SQLite connection waits for another one's write lock.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// The longest error message kept with an order, in characters.
const MAX_ERROR_CHARS: usize = 1_000;

/// Slot ids per query of [`Store::slot_orders`] (SQLite allows 32766
/// parameters, older builds 999).
const SLOT_IDS_PER_QUERY: usize = 500;

/// The columns of an [`OutboxOrder`], as read by [`order_of`] (a macro, so
/// that queries stay `&'static str` with `concat!`).
macro_rules! order_columns {
    () => {
        "order_key, partner_id, slot_id, payload, state, odoo_id, odoo_name, attempts, next_attempt_at, \
         last_error, created_at, updated_at"
    };
}

/// The name of the SQLite file in the data directory.
pub const SQLITE_FILE_NAME: &str = "storefront.db";

/// An error of the store. Messages never contain the store's URL (which may
/// hold a password) nor session ids.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or refused a query (unreachable, locked too long,
    /// constraint violated...).
    #[error("store database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value cannot be read back (edited by hand, or a bug).
    #[error("stored value {0} is not valid: {1}")]
    Corrupt(String, String),
    /// The store URL's scheme is neither SQLite nor PostgreSQL.
    #[error("unsupported store URL scheme {0:?}: expected sqlite://path or postgres://...")]
    UnsupportedUrl(String),
    /// The directory of the SQLite file could not be created.
    #[error("cannot create the store directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database was migrated by a newer storefront: refuse rather than
    /// misread it.
    #[error("the store's schema is version {found}, newer than this storefront supports ({supported})")]
    SchemaTooNew {
        /// The version found in the database.
        found: i64,
        /// The newest version this code knows.
        supported: i64,
    },
    /// A cart quantity that cannot be stored (negative, or overflowing).
    #[error("invalid cart quantity: {0}")]
    InvalidQuantity(String),
}

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend named by a URL's scheme.
    fn of_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => {
                // Show the scheme only if it looks like one: a URL without a
                // scheme could be anything, a password included.
                let shown = if !scheme.is_empty()
                    && scheme.len() <= 20
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                {
                    scheme.to_owned()
                } else {
                    "(none)".to_owned()
                };
                Err(StoreError::UnsupportedUrl(shown))
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The storefront's embedded store. Cloning is cheap (the pool is shared).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Carts and favorites as last read.
    remembered: Arc<Remembered>,
    /// The task listening to other instances' changes (PostgreSQL).
    listener: Option<Arc<Listener>>,
    /// The URL without password nor query, for `Debug` only.
    location: Arc<str>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend.name())
            .field("location", &&*self.location)
            .finish_non_exhaustive()
    }
}

/// The session of a logged-in customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 (hex) of the cookie's random id; the id itself is never stored.
    pub id_hash: String,
    /// The Odoo user (`res.users`).
    pub user_id: i64,
    /// Its partner (`res.partner`): the cart and favorites owner.
    pub partner_id: i64,
    /// The login the customer typed (email).
    pub login: String,
    /// The display name, for the menu.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; the session is gone from then on.
    pub expires_at: i64,
}

/// The failed logins of one throttling key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    /// How many since the last clear.
    pub failures: u32,
    /// Unix seconds of the last one, `None` if there are none.
    pub last_failure: Option<i64>,
}

/// A line of a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    /// The product variant (`product.product`).
    pub product_id: i64,
    /// Always positive.
    pub quantity: Decimal,
    /// Unix seconds of when the line was first added.
    pub added_at: i64,
}

/// Where an order of the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// Not in Odoo yet: to be delivered (now, or at `next_attempt_at`).
    Pending,
    /// Created in Odoo (`odoo_id`, `odoo_name`).
    Sent,
    /// Refused by Odoo for good (`last_error` says why); an admin may retry it.
    Failed,
    /// Cancelled by the customer: before it reached Odoo, or in Odoo too.
    Cancelled,
}

impl OrderState {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Sent => "sent",
            OrderState::Failed => "failed",
            OrderState::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderState {
    type Err = StoreError;

    /// The state of a stored text; anything else is [`StoreError::Corrupt`].
    fn from_str(text: &str) -> Result<OrderState, StoreError> {
        match text {
            "pending" => Ok(OrderState::Pending),
            "sent" => Ok(OrderState::Sent),
            "failed" => Ok(OrderState::Failed),
            "cancelled" => Ok(OrderState::Cancelled),
            _ => Err(StoreError::Corrupt(
                format!("order state {text:?}"),
                "expected pending, sent, failed or cancelled".to_owned(),
            )),
        }
    }
}

/// An order of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxOrder {
    /// The idempotency key, also the Odoo order's `client_order_ref`.
    pub key: String,
    /// The customer (`res.partner`).
    pub partner_id: i64,
    /// The pickup slot.
    pub slot_id: i64,
    /// The caller's JSON, stored as given.
    pub payload: String,
    /// Where it stands.
    pub state: OrderState,
    /// The `sale.order` once created in Odoo (kept when cancelled afterwards).
    pub odoo_id: Option<i64>,
    /// Its name ("S00042").
    pub odoo_name: Option<String>,
    /// Failed deliveries so far.
    pub attempts: u32,
    /// Unix seconds from which a pending order is due.
    pub next_attempt_at: i64,
    /// Why the last delivery failed (at most 1000 characters).
    pub last_error: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

/// An order Odoo has, whose customer and staff are still to be told of it
/// (see [`Store::due_informs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformDue {
    /// The order's key.
    pub key: String,
    /// The `sale.order`.
    pub odoo_id: i64,
    /// The caller's JSON, stored as given.
    pub payload: String,
    /// Unix seconds from which it is due.
    pub due: i64,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// An order to reserve (see [`Store::reserve_order`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder<'a> {
    /// The idempotency key.
    pub key: &'a str,
    /// The customer.
    pub partner_id: i64,
    /// The pickup slot.
    pub slot_id: i64,
    /// The caller's JSON.
    pub payload: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// The outcome of [`Store::reserve_order`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The order is stored, pending.
    Created(OutboxOrder),
    /// An order with this key was already stored (a retry or a double
    /// click), in whatever state and for whichever partner: the caller checks
    /// that it is the customer's.
    Existing(OutboxOrder),
    /// The slot is full; nothing was stored.
    Full {
        /// The slot's orders counted (Odoo's and the local ones not in Odoo).
        taken: u32,
        /// The slot's capacity.
        capacity: u32,
    },
}

static INSTALL_DRIVERS: Once = Once::new();

/// `AnyPool` needs its drivers registered once per process.
fn install_drivers() {
    INSTALL_DRIVERS.call_once(sqlx::any::install_default_drivers);
}

/// A task that stops when the last clone of its store is dropped.
#[derive(Debug)]
struct Listener(tokio::task::JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The URL of a store in memory (SQLite), gone when the store is dropped.
pub const MEMORY_URL: &str = "sqlite::memory:";

impl Store {
    /// Opens (creating if needed) the store at `url`: `sqlite://path/to/file.db`,
    /// [`MEMORY_URL`] (SQLite in memory, gone with the store: for tests) or
    /// `postgres://...`. A SQLite file and its directory are created if
    /// missing; the schema is created or migrated to the current version.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Self::open_in_schema(url, None).await
    }

    /// Opens the store at `url` as [`Store::open`] does; on PostgreSQL, in
    /// `schema` (created if missing: lower-case letters, digits and `_`),
    /// so that the shops of one deployment keep their data apart in one
    /// database. SQLite ignores it (each shop has its own file).
    pub async fn open_in_schema(url: &str, schema: Option<&str>) -> Result<Store, StoreError> {
        install_drivers();
        let in_memory = url == MEMORY_URL;
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let mut options = AnyPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(30));
        if in_memory {
            // The database lives as long as a connection to it.
            options = options.min_connections(1).idle_timeout(None).max_lifetime(None);
        }
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // busy_timeout first, so that the next pragmas wait too.
                    let pragmas = [
                        format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"),
                        "PRAGMA journal_mode = WAL".to_owned(),
                        "PRAGMA synchronous = NORMAL".to_owned(),
                        "PRAGMA foreign_keys = ON".to_owned(),
                    ];
                    for pragma in pragmas {
                        sqlx::query(&pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            });
        }
        if let Some(schema) = schema.filter(|_| backend == Backend::Postgres) {
            if schema.is_empty()
                || !schema
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(StoreError::Corrupt(
                    format!("schema {schema:?}"),
                    "a schema is lower-case letters, digits and _".to_owned(),
                ));
            }
            let mut conn = <AnyConnection as sqlx::Connection>::connect(&url).await?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&mut conn)
                .await?;
            sqlx::Connection::close(conn).await?;
            let set = format!("SET search_path TO {schema}");
            options = options.after_connect(move |conn, _meta| {
                let set = set.clone();
                Box::pin(async move {
                    sqlx::query(&set).execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        let remembered = Arc::new(Remembered::new(backend == Backend::Sqlite));
        let mut store = Store {
            pool,
            backend,
            remembered: remembered.clone(),
            listener: None,
            location: redact_url(&url).into(),
        };
        store.migrate().await?;
        if backend == Backend::Postgres {
            store.listener = Some(Arc::new(Listener(tokio::spawn(remembered::listen(
                url, remembered,
            )))));
        }
        Ok(store)
    }

    /// The default store: SQLite file `storefront.db` in `dir` (created if
    /// missing).
    pub async fn open_in_dir(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(SQLITE_FILE_NAME);
        Store::open(&format!("sqlite://{}?mode=rwc", percent_encode_path(&path))).await
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        self.backend.name()
    }

    /// Closes the pool's connections (at shutdown, so SQLite checkpoints its
    /// WAL); the store (and its clones) must not be used afterwards.
    pub async fn close(&self) {
        if let Some(listener) = &self.listener {
            listener.0.abort();
        }
        self.pool.close().await;
    }

    /// After a write of a partner's cart or favorites: forgets what was
    /// remembered, and tells the other instances sharing the database
    /// (PostgreSQL). A failure to tell is logged: the database is then most
    /// likely unreachable for them too.
    async fn changed(&self, basket: Basket, partner_id: i64) {
        self.remembered.written(basket, partner_id);
        if self.backend != Backend::Postgres {
            return;
        }
        let payload = basket.payload(partner_id);
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(remembered::CHANNEL)
            .bind(&payload)
            .execute(&self.pool)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, payload, "cannot announce a change to the other instances");
        }
    }

    /// Starts a transaction that holds the write lock from its first
    /// statement on SQLite (`BEGIN IMMEDIATE`: a plain `BEGIN` that reads and
    /// then writes can fail with SQLITE_BUSY instead of waiting). On
    /// PostgreSQL the statements take row locks themselves.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Creates the schema or brings it to [`SCHEMA_VERSION`], in one
    /// transaction (so a failed migration leaves the previous version).
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // Instances starting together would race on CREATE TABLE.
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_version (
                id BIGINT NOT NULL PRIMARY KEY,
                version BIGINT NOT NULL
            )",
        )
        .execute(&mut *tx)
        .await?;
        let found = match sqlx::query("SELECT version FROM schema_version WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?
        {
            Some(row) => row.try_get::<i64, _>("version")?,
            None => 0,
        };
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let done = usize::try_from(found)
            .map_err(|_| StoreError::Corrupt(format!("schema version {found}"), "negative".to_owned()))?;
        if let Some(pending) = MIGRATIONS.get(done..).filter(|pending| !pending.is_empty()) {
            for statements in pending {
                for statement in *statements {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
            }
            sqlx::query(
                "INSERT INTO schema_version (id, version) VALUES (1, $1)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            )
            .bind(SCHEMA_VERSION)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // --- sessions ---

    /// Stores the session of a customer who just logged in. The caller passes
    /// the hash of the cookie's id, never the id.
    pub async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, partner_id, login, name, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.id_hash)
        .bind(session.user_id)
        .bind(session.partner_id)
        .bind(&session.login)
        .bind(&session.name)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session if it exists and has not expired at `now` (unix seconds):
    /// a session is valid while `now < expires_at`.
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id_hash, user_id, partner_id, login, name, created_at, expires_at
             FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            id_hash: row.try_get("id_hash")?,
            user_id: row.try_get("user_id")?,
            partner_id: row.try_get("partner_id")?,
            login: row.try_get("login")?,
            name: row.try_get("name")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    /// Ends a session (logout). Deleting an unknown session is not an error.
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes sessions expired at `now`; returns how many.
    pub async fn purge_sessions(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    // --- login throttling ---

    /// Records a failed login for each key at `now`; returns the failures
    /// count of each key after it (same order). Each count is incremented in
    /// the database (concurrent failures all count); the keys are locked in a
    /// fixed order so that concurrent calls cannot deadlock on PostgreSQL.
    pub async fn record_login_failure(&self, keys: &[&str], now: i64) -> Result<Vec<u32>, StoreError> {
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&i| keys[i]);
        let mut counts = vec![0; keys.len()];
        let mut tx = self.begin_write().await?;
        for i in order {
            let row = sqlx::query(
                "INSERT INTO login_failures (throttle_key, failures, last_failure) VALUES ($1, 1, $2)
                 ON CONFLICT (throttle_key) DO UPDATE
                 SET failures = login_failures.failures + 1, last_failure = excluded.last_failure
                 RETURNING failures",
            )
            .bind(keys[i])
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            counts[i] = failures_count(row.try_get("failures")?);
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// The failures and the time of the last one, per key (same order; absent
    /// keys: 0 failures).
    pub async fn login_failures(&self, keys: &[&str]) -> Result<Vec<LoginFailures>, StoreError> {
        let mut result = Vec::with_capacity(keys.len());
        for key in keys {
            let row =
                sqlx::query("SELECT failures, last_failure FROM login_failures WHERE throttle_key = $1")
                    .bind(*key)
                    .fetch_optional(&self.pool)
                    .await?;
            result.push(match row {
                Some(row) => LoginFailures {
                    failures: failures_count(row.try_get("failures")?),
                    last_failure: Some(row.try_get("last_failure")?),
                },
                None => LoginFailures {
                    failures: 0,
                    last_failure: None,
                },
            });
        }
        Ok(result)
    }

    /// Takes back one failure of a key (a try counted before Odoo answered
    /// that was no failure); never below zero.
    pub async fn forgive_login_failure(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE login_failures SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0",
        )
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets the failures of a key (after a successful login).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the keys whose last failure is before `before` (unix seconds),
    /// so that the table does not grow with every address ever seen; returns
    /// how many.
    pub async fn purge_login_failures(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM login_failures WHERE last_failure < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    // --- carts ---

    /// The cart of a partner (one per partner, so it follows the customer
    /// across devices), lines in the order they were first added.
    pub async fn cart(&self, partner_id: i64) -> Result<Vec<CartLine>, StoreError> {
        if let Some(lines) = self.remembered.cart(partner_id) {
            return Ok(lines.to_vec());
        }
        let ticket = self.remembered.ticket();
        let rows = sqlx::query(
            "SELECT product_id, quantity, added_at FROM cart_lines
             WHERE partner_id = $1 ORDER BY seq, product_id",
        )
        .bind(partner_id)
        .fetch_all(&self.pool)
        .await?;
        let lines = rows
            .iter()
            .map(|row| {
                Ok(CartLine {
                    product_id: row.try_get("product_id")?,
                    quantity: quantity_of(row)?,
                    added_at: row.try_get("added_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.remembered
            .remember_cart(ticket, partner_id, lines.as_slice().into());
        Ok(lines)
    }

    /// Adds `quantity` to the line of `product_id` (creating it), atomically:
    /// concurrent adds all count. Returns the new quantity. A negative
    /// `quantity` takes away; a line that drops to zero or below is removed
    /// (and zero returned).
    pub async fn add_to_cart(
        &self,
        partner_id: i64,
        product_id: i64,
        quantity: Decimal,
        now: i64,
    ) -> Result<Decimal, StoreError> {
        let written = self
            .write_add_to_cart(partner_id, product_id, quantity, now)
            .await;
        self.changed(Basket::Cart, partner_id).await;
        written
    }

    async fn write_add_to_cart(
        &self,
        partner_id: i64,
        product_id: i64,
        quantity: Decimal,
        now: i64,
    ) -> Result<Decimal, StoreError> {
        let mut tx = self.begin_write().await?;
        // Creates the line at zero, or "updates" it to itself: either way the
        // row is locked until commit (PostgreSQL), under the write lock taken
        // by BEGIN IMMEDIATE (SQLite), and the value returned is the latest
        // committed one.
        let row = sqlx::query(
            "INSERT INTO cart_lines (partner_id, product_id, quantity, seq, added_at, updated_at)
             VALUES ($1, $2, '0',
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM cart_lines WHERE partner_id = $1), $3, $3)
             ON CONFLICT (partner_id, product_id) DO UPDATE SET quantity = cart_lines.quantity
             RETURNING quantity",
        )
        .bind(partner_id)
        .bind(product_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let current = quantity_of(&row)?;
        let new = current
            .checked_add(quantity)
            .ok_or_else(|| StoreError::InvalidQuantity(format!("{current} + {quantity} overflows")))?;
        if new <= Decimal::ZERO {
            sqlx::query("DELETE FROM cart_lines WHERE partner_id = $1 AND product_id = $2")
                .bind(partner_id)
                .bind(product_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Decimal::ZERO);
        }
        sqlx::query(
            "UPDATE cart_lines SET quantity = $3, updated_at = $4 WHERE partner_id = $1 AND product_id = $2",
        )
        .bind(partner_id)
        .bind(product_id)
        .bind(decimal_text(new))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(new.normalize())
    }

    /// Sets the quantity of a line (creating it at the end of the cart); zero
    /// removes the line. A negative quantity is refused.
    pub async fn set_cart_quantity(
        &self,
        partner_id: i64,
        product_id: i64,
        quantity: Decimal,
        now: i64,
    ) -> Result<(), StoreError> {
        let written = self
            .write_set_cart_quantity(partner_id, product_id, quantity, now)
            .await;
        self.changed(Basket::Cart, partner_id).await;
        written
    }

    async fn write_set_cart_quantity(
        &self,
        partner_id: i64,
        product_id: i64,
        quantity: Decimal,
        now: i64,
    ) -> Result<(), StoreError> {
        if quantity < Decimal::ZERO {
            return Err(StoreError::InvalidQuantity(format!("{quantity} is negative")));
        }
        if quantity.is_zero() {
            return self.remove_from_cart(partner_id, product_id).await;
        }
        sqlx::query(
            "INSERT INTO cart_lines (partner_id, product_id, quantity, seq, added_at, updated_at)
             VALUES ($1, $2, $3,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM cart_lines WHERE partner_id = $1), $4, $4)
             ON CONFLICT (partner_id, product_id) DO UPDATE
             SET quantity = excluded.quantity, updated_at = excluded.updated_at",
        )
        .bind(partner_id)
        .bind(product_id)
        .bind(decimal_text(quantity))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes a line (absent: nothing to do).
    pub async fn remove_from_cart(&self, partner_id: i64, product_id: i64) -> Result<(), StoreError> {
        let written = self.write_remove_from_cart(partner_id, product_id).await;
        self.changed(Basket::Cart, partner_id).await;
        written
    }

    async fn write_remove_from_cart(&self, partner_id: i64, product_id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM cart_lines WHERE partner_id = $1 AND product_id = $2")
            .bind(partner_id)
            .bind(product_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Empties the cart (after checkout).
    pub async fn clear_cart(&self, partner_id: i64) -> Result<(), StoreError> {
        let written = self.write_clear_cart(partner_id).await;
        self.changed(Basket::Cart, partner_id).await;
        written
    }

    async fn write_clear_cart(&self, partner_id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM cart_lines WHERE partner_id = $1")
            .bind(partner_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Number of lines (for the menu badge).
    pub async fn cart_count(&self, partner_id: i64) -> Result<usize, StoreError> {
        if let Some(lines) = self.remembered.cart(partner_id) {
            return Ok(lines.len());
        }
        let row = sqlx::query("SELECT COUNT(*) AS n FROM cart_lines WHERE partner_id = $1")
            .bind(partner_id)
            .fetch_one(&self.pool)
            .await?;
        let n: i64 = row.try_get("n")?;
        usize::try_from(n).map_err(|e| StoreError::Corrupt(format!("line count {n}"), e.to_string()))
    }

    // --- favorites ---

    /// The favorite product templates of a partner, in the order they were
    /// added.
    pub async fn favorites(&self, partner_id: i64) -> Result<Vec<i64>, StoreError> {
        if let Some(ids) = self.remembered.favorites(partner_id) {
            return Ok(ids.to_vec());
        }
        let ticket = self.remembered.ticket();
        let rows =
            sqlx::query("SELECT template_id FROM favorites WHERE partner_id = $1 ORDER BY seq, template_id")
                .bind(partner_id)
                .fetch_all(&self.pool)
                .await?;
        let ids = rows
            .iter()
            .map(|row| Ok(row.try_get("template_id")?))
            .collect::<Result<Vec<i64>, StoreError>>()?;
        self.remembered
            .remember_favorites(ticket, partner_id, ids.as_slice().into());
        Ok(ids)
    }

    /// Marks or unmarks a favorite; idempotent (marking again keeps its
    /// place in the list).
    pub async fn set_favorite(
        &self,
        partner_id: i64,
        template_id: i64,
        favorite: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        let written = self
            .write_set_favorite(partner_id, template_id, favorite, now)
            .await;
        self.changed(Basket::Favorites, partner_id).await;
        written
    }

    async fn write_set_favorite(
        &self,
        partner_id: i64,
        template_id: i64,
        favorite: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        if favorite {
            sqlx::query(
                "INSERT INTO favorites (partner_id, template_id, seq, added_at)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM favorites WHERE partner_id = $1), $3)
                 ON CONFLICT (partner_id, template_id) DO NOTHING",
            )
            .bind(partner_id)
            .bind(template_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        } else {
            sqlx::query("DELETE FROM favorites WHERE partner_id = $1 AND template_id = $2")
                .bind(partner_id)
                .bind(template_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    // --- the order outbox ---

    /// Stores a new order for a pickup slot unless the slot is full, in one
    /// write transaction:
    ///
    /// - if an order with this key is stored already, it is returned as
    ///   [`Reservation::Existing`] whoever owns it (the caller checks the
    ///   partner): retries and double clicks make one order;
    /// - else the slot is locked (its `slot_locks` row: PostgreSQL thus
    ///   serializes the reservations of a slot, across instances), and its
    ///   orders counted: `odoo_active` (the slot's orders in Odoo that are not
    ///   cancelled, read by the caller) plus the local orders of the slot
    ///   that are not cancelled and whose key is not in `odoo_keys` (the
    ///   `client_order_ref`s of all the slot's orders in Odoo, cancelled ones
    ///   included: Odoo counts those already, or they are cancelled there);
    /// - with a `capacity` and that many orders or more: [`Reservation::Full`],
    ///   nothing stored; else the order is stored pending, due at `order.now`.
    ///
    /// The order's row is inserted first (so a concurrent reservation of the
    /// same key waits, then finds it), then the slot locked and counted,
    /// and the insert rolled back if the slot is full. On PostgreSQL this
    /// relies on READ COMMITTED (the default): the count, made once the lock
    /// is held, sees every reservation committed before.
    pub async fn reserve_order(
        &self,
        order: &NewOrder<'_>,
        capacity: Option<u32>,
        odoo_active: u32,
        odoo_keys: &HashSet<String>,
    ) -> Result<Reservation, StoreError> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(concat!(
            "INSERT INTO orders (order_key, partner_id, slot_id, payload, state, odoo_id, odoo_name, attempts,
                                 next_attempt_at, last_error, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'pending', NULL, NULL, 0, $5, NULL, $5, $5)
             ON CONFLICT (order_key) DO NOTHING
             RETURNING ",
            order_columns!()
        ))
        .bind(order.key)
        .bind(order.partner_id)
        .bind(order.slot_id)
        .bind(order.payload)
        .bind(order.now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(inserted) = inserted else {
            let existing = find_order(&mut tx, order.key).await?;
            tx.rollback().await?;
            return match existing {
                Some(existing) => Ok(Reservation::Existing(existing)),
                // Only a delete (there is none) could get here.
                None => Err(StoreError::Corrupt(
                    format!("order {:?}", order.key),
                    "conflicts with an order that cannot be found".to_owned(),
                )),
            };
        };
        let created = order_of(&inserted)?;
        sqlx::query(
            "INSERT INTO slot_locks (slot_id) VALUES ($1)
             ON CONFLICT (slot_id) DO UPDATE SET slot_id = slot_locks.slot_id",
        )
        .bind(order.slot_id)
        .execute(&mut *tx)
        .await?;
        let rows = sqlx::query(
            "SELECT order_key FROM orders WHERE slot_id = $1 AND state <> 'cancelled' AND order_key <> $2",
        )
        .bind(order.slot_id)
        .bind(order.key)
        .fetch_all(&mut *tx)
        .await?;
        let mut local: u32 = 0;
        for row in &rows {
            let key: String = row.try_get("order_key")?;
            if !odoo_keys.contains(&key) {
                local = local.saturating_add(1);
            }
        }
        let taken = odoo_active.saturating_add(local);
        if let Some(capacity) = capacity.filter(|&capacity| taken >= capacity) {
            tx.rollback().await?;
            return Ok(Reservation::Full { taken, capacity });
        }
        tx.commit().await?;
        Ok(Reservation::Created(created))
    }

    /// The order of a key, in whatever state.
    pub async fn order(&self, key: &str) -> Result<Option<OutboxOrder>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        find_order(&mut conn, key).await
    }

    /// A partner's orders, newest first (then by key, within a second), at
    /// most `limit`: the customer's history, before Odoo has them all.
    pub async fn orders_of(&self, partner_id: i64, limit: u32) -> Result<Vec<OutboxOrder>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            order_columns!(),
            " FROM orders WHERE partner_id = $1 ORDER BY created_at DESC, order_key DESC LIMIT $2"
        ))
        .bind(partner_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_of).collect()
    }

    /// The pending orders due at `now` (`next_attempt_at <= now`) that no
    /// deliverer holds, oldest first, at most `limit`: the worker's next
    /// deliveries.
    pub async fn due_orders(&self, now: i64, limit: u32) -> Result<Vec<OutboxOrder>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            order_columns!(),
            " FROM orders WHERE state = 'pending' AND next_attempt_at <= $1 AND lease_until <= $1
              ORDER BY created_at, order_key LIMIT $2"
        ))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_of).collect()
    }

    /// Orders in Odoo whose customer and staff are due to be told of them
    /// at `now`, oldest first.
    pub async fn due_informs(&self, now: i64, limit: u32) -> Result<Vec<InformDue>, StoreError> {
        let rows = sqlx::query(
            "SELECT order_key, odoo_id, payload, inform_due, inform_attempts FROM orders
             WHERE inform_due > 0 AND inform_due <= $1 AND state = 'sent' AND odoo_id IS NOT NULL
             ORDER BY inform_due, order_key LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(InformDue {
                    key: row.try_get("order_key")?,
                    odoo_id: row.try_get("odoo_id")?,
                    payload: row.try_get("payload")?,
                    due: row.try_get("inform_due")?,
                    attempts: u32::try_from(row.try_get::<i64, _>("inform_attempts")?).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// Takes the telling of order `key`, seen due at `due`, until `until`:
    /// whether it was taken. Of instances racing for it, one gets it (the
    /// same conditional update as [`Store::take_lease`]); if the taker
    /// stops half-way, the order is due again at `until`.
    pub async fn take_inform(&self, key: &str, due: i64, until: i64) -> Result<bool, StoreError> {
        let taken = sqlx::query("UPDATE orders SET inform_due = $3 WHERE order_key = $1 AND inform_due = $2")
            .bind(key)
            .bind(due)
            .bind(until)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(taken == 1)
    }

    /// Records how telling of order `key` went: done (`next` is `None`), or
    /// to be tried again at `next`, one attempt more.
    pub async fn end_inform(&self, key: &str, next: Option<i64>) -> Result<(), StoreError> {
        match next {
            None => sqlx::query("UPDATE orders SET inform_due = 0 WHERE order_key = $1").bind(key),
            Some(at) => sqlx::query(
                "UPDATE orders SET inform_due = $2, inform_attempts = inform_attempts + 1 WHERE order_key = $1",
            )
            .bind(key)
            .bind(at),
        }
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the lease of pending order `key` for `owner` until `until`
    /// (unix seconds), if nobody holds it at `now`: whether it was taken.
    /// One conditional update, atomic on SQLite (one writer) and on
    /// PostgreSQL (the row is locked, and the condition checked again on
    /// the row as the lock holder left it): of deliverers racing for an
    /// order, exactly one gets it. Only the holder may talk to Odoo about
    /// the order until it lets go ([`Store::release_lease`], or any
    /// `mark_*`) or the lease runs out.
    pub async fn take_lease(&self, key: &str, owner: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "UPDATE orders SET lease_owner = $2, lease_until = $4
             WHERE order_key = $1 AND state = 'pending' AND lease_until <= $3",
        )
        .bind(key)
        .bind(owner)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Lets go of `owner`'s lease of `key` (nothing if another holds it).
    pub async fn release_lease(&self, key: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE orders SET lease_owner = NULL, lease_until = 0 WHERE order_key = $1 AND lease_owner = $2",
        )
        .bind(key)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The orders not (yet) in Odoo, pending or failed, oldest first, at
    /// most `limit`: for the admin endpoint.
    pub async fn undelivered_orders(&self, limit: u32) -> Result<Vec<OutboxOrder>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            order_columns!(),
            " FROM orders WHERE state IN ('pending', 'failed') ORDER BY created_at, order_key LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_of).collect()
    }

    /// How many orders are pending (the outbox depth metric).
    pub async fn outbox_depth(&self) -> Result<u64, StoreError> {
        self.count_orders("pending").await
    }

    /// How many orders Odoo refused, waiting for the staff (listed by
    /// `/admin/outbox`, retried by `/admin/outbox/retry`).
    pub async fn refused_orders(&self) -> Result<u64, StoreError> {
        self.count_orders("failed").await
    }

    async fn count_orders(&self, state: &str) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM orders WHERE state = $1")
            .bind(state)
            .fetch_one(&self.pool)
            .await?;
        let n: i64 = row.try_get("n")?;
        u64::try_from(n).map_err(|e| StoreError::Corrupt(format!("order count {n}"), e.to_string()))
    }

    /// The local orders of the given slots that are not cancelled, as
    /// `(slot_id, key)` pairs (by slot, then oldest first): with Odoo's
    /// orders, the places taken, to show availability.
    pub async fn slot_orders(&self, slot_ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        let mut ids = slot_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut pairs = Vec::new();
        for chunk in ids.chunks(SLOT_IDS_PER_QUERY) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT slot_id, order_key FROM orders
                 WHERE state <> 'cancelled' AND slot_id IN ({})
                 ORDER BY slot_id, created_at, order_key",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for &id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                pairs.push((row.try_get("slot_id")?, row.try_get("order_key")?));
            }
        }
        Ok(pairs)
    }

    /// Records that the order reached Odoo as `odoo_id` / `odoo_name`:
    /// pending or failed -> sent (the last error cleared, its customer and
    /// staff due to be told: [`Store::due_informs`]), `true`. Sent
    /// already: nothing changes, `true`. Cancelled meanwhile (by the customer,
    /// while it was on its way): it stays cancelled, Odoo's id is recorded if
    /// none was, and `false`: the caller then cancels it in Odoo. Unknown key:
    /// `false`.
    pub async fn mark_sent(
        &self,
        key: &str,
        odoo_id: i64,
        odoo_name: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Locks the row (PostgreSQL) before deciding on its state.
        let row = sqlx::query("UPDATE orders SET state = state WHERE order_key = $1 RETURNING state")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
        let state = match row {
            Some(row) => row.try_get::<String, _>("state")?.parse()?,
            None => {
                tx.rollback().await?;
                return Ok(false);
            }
        };
        let sent = match state {
            OrderState::Pending | OrderState::Failed => {
                sqlx::query(
                    "UPDATE orders SET state = 'sent', odoo_id = $2, odoo_name = $3, last_error = NULL,
                                       updated_at = $4, lease_owner = NULL, lease_until = 0, inform_due = $4
                     WHERE order_key = $1",
                )
                .bind(key)
                .bind(odoo_id)
                .bind(odoo_name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                true
            }
            OrderState::Sent => true,
            OrderState::Cancelled => {
                sqlx::query(
                    "UPDATE orders SET odoo_id = $2, odoo_name = $3, updated_at = $4
                     WHERE order_key = $1 AND odoo_id IS NULL",
                )
                .bind(key)
                .bind(odoo_id)
                .bind(odoo_name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                false
            }
        };
        tx.commit().await?;
        Ok(sent)
    }

    /// Records a failed delivery that will be retried (Odoo unreachable, or
    /// busy): one more attempt, its error, due again at `next_attempt_at`.
    /// Only a pending order changes (not one cancelled or sent meanwhile).
    pub async fn mark_retry(
        &self,
        key: &str,
        error: &str,
        next_attempt_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE orders SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, updated_at = $4,
                               lease_owner = NULL, lease_until = 0
             WHERE order_key = $1 AND state = 'pending'",
        )
        .bind(key)
        .bind(error_text(error))
        .bind(next_attempt_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that Odoo refused the order for good (a validation error):
    /// failed, with one more attempt and the error, until an admin retries it
    /// ([`Store::retry_order`]). Only a pending (or failed) order changes.
    pub async fn mark_failed(&self, key: &str, error: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE orders SET state = 'failed', attempts = attempts + 1, last_error = $2, updated_at = $3,
                               lease_owner = NULL, lease_until = 0
             WHERE order_key = $1 AND state IN ('pending', 'failed')",
        )
        .bind(key)
        .bind(error_text(error))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Cancels an order: pending or failed (it never reached Odoo), or sent
    /// (the caller cancelled it in Odoo first). Returns whether it changed:
    /// `false` if already cancelled, or unknown. Odoo's id is kept.
    pub async fn mark_cancelled(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE orders SET state = 'cancelled', updated_at = $2
             WHERE order_key = $1 AND state IN ('pending', 'failed', 'sent')",
        )
        .bind(key)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets a failed order back to pending, due at `now` (an admin's retry);
    /// its attempts and last error are kept. Returns whether it changed
    /// (`false` unless the order was failed).
    pub async fn retry_order(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE orders SET state = 'pending', next_attempt_at = $2, updated_at = $2
             WHERE order_key = $1 AND state = 'failed'",
        )
        .bind(key)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// The order of a key, on a connection (of a transaction or not).
async fn find_order(conn: &mut AnyConnection, key: &str) -> Result<Option<OutboxOrder>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        order_columns!(),
        " FROM orders WHERE order_key = $1"
    ))
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(order_of).transpose()
}

/// Reads an order selected with [`order_columns`].
fn order_of(row: &AnyRow) -> Result<OutboxOrder, StoreError> {
    Ok(OutboxOrder {
        key: row.try_get("order_key")?,
        partner_id: row.try_get("partner_id")?,
        slot_id: row.try_get("slot_id")?,
        payload: row.try_get("payload")?,
        state: row.try_get::<String, _>("state")?.parse()?,
        odoo_id: row.try_get("odoo_id")?,
        odoo_name: row.try_get("odoo_name")?,
        attempts: failures_count(row.try_get("attempts")?),
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// An error message as stored with an order: at most [`MAX_ERROR_CHARS`]
/// characters (cut on a character boundary, "…" marking the cut), without
/// NUL characters (which PostgreSQL's text refuses).
fn error_text(error: &str) -> String {
    let clean = |text: &str| text.replace('\0', "\u{FFFD}");
    match error.char_indices().nth(MAX_ERROR_CHARS) {
        None => clean(error),
        Some(_) => {
            let cut = error
                .char_indices()
                .nth(MAX_ERROR_CHARS - 1)
                .map_or(error.len(), |(index, _)| index);
            format!("{}…", clean(&error[..cut]))
        }
    }
}

/// The stored form of a decimal: canonical (no trailing zeros), so equal
/// quantities are stored alike.
pub(crate) fn decimal_text(value: Decimal) -> String {
    value.normalize().to_string()
}

/// Reads back the `quantity` column of a cart line.
fn quantity_of(row: &AnyRow) -> Result<Decimal, StoreError> {
    let text: String = row.try_get("quantity")?;
    Decimal::from_str(&text)
        .map(|value| value.normalize())
        .map_err(|e| StoreError::Corrupt(format!("cart quantity {text:?}"), e.to_string()))
}

/// A stored count (failures, attempts) as `u32` (saturating: it only grows).
fn failures_count(stored: i64) -> u32 {
    u32::try_from(stored.max(0)).unwrap_or(u32::MAX)
}

/// Makes a SQLite URL create its file (`mode=rwc` unless a mode is given) and
/// creates the file's directory.
fn prepare_sqlite_url(url: &str) -> Result<String, StoreError> {
    // In memory: one database shared by the pool's connections (each would
    // otherwise have its own), for tests.
    if url == MEMORY_URL {
        return Ok(format!(
            "sqlite:file:storefront-{}?mode=memory&cache=shared",
            ids::random_id()
        ));
    }
    // sqlx's own parsing, so the path is the one it will open.
    let options = SqliteConnectOptions::from_str(url)?;
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
    }
    let query = url.split_once('?').map(|(_, query)| query);
    let has_mode = query.is_some_and(|query| query.split('&').any(|param| param.starts_with("mode=")));
    Ok(match (has_mode, query) {
        (true, _) => url.to_owned(),
        (false, Some(_)) => format!("{url}&mode=rwc"),
        (false, None) => format!("{url}?mode=rwc"),
    })
}

/// Percent-encodes a path for a `sqlite://` URL (sqlx decodes it), so that
/// `?`, `#`, `%` or spaces in the data directory do not break the URL.
fn percent_encode_path(path: &Path) -> String {
    let mut encoded = String::new();
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The URL without its password nor its query (which may hold `password=`),
/// for `Debug` and logs.
fn redact_url(url: &str) -> String {
    let base = url.split(['?', '#']).next().unwrap_or_default();
    let Some((scheme, rest)) = base.split_once("://") else {
        return base.to_owned();
    };
    let (authority, path) = rest.find('/').map_or((rest, ""), |slash| rest.split_at(slash));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return base.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
        None => base.to_owned(),
    }
}
