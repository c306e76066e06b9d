//! The store's tests. The suite functions take a [`Target`] so that the same
//! checks run on SQLite (always, each test in its own temporary directory) and
//! on PostgreSQL when `STOREFRONT_TEST_POSTGRES_URL` is set (each test in its
//! own schema, dropped at the end).

use super::*;

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const POSTGRES_ENV: &str = "STOREFRONT_TEST_POSTGRES_URL";

/// Without a PostgreSQL to test on: SKIPPED on a developer's machine, a
/// failure in CI (`CI` set), where nothing may skip.
fn skip_unless_ci() {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(!ci, "postgres store tests cannot run in CI: {POSTGRES_ENV} unset");
    println!("postgres store tests SKIPPED ({POSTGRES_ENV} unset)");
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// A name no other test (of this run or another) uses.
fn unique(name: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{name}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A temporary directory, removed on drop (also when the test panics).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        TempDir(std::env::temp_dir().join(format!("storefront-store-{}", unique(name))))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where a test's store lives.
enum Target {
    Sqlite(TempDir),
    Postgres {
        admin: AnyPool,
        url: String,
        schema: String,
    },
}

impl Target {
    fn sqlite(name: &str) -> Target {
        Target::Sqlite(TempDir::new(name))
    }

    /// A fresh schema in the database of `STOREFRONT_TEST_POSTGRES_URL`, or
    /// `None` if it is unset.
    async fn postgres(name: &str) -> Option<Target> {
        let base = std::env::var(POSTGRES_ENV).ok().filter(|url| !url.is_empty())?;
        install_drivers();
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&base)
            .await
            .unwrap();
        let schema = unique(name).to_lowercase();
        sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
            .execute(&admin)
            .await
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options[search_path]={schema}");
        Some(Target::Postgres { admin, url, schema })
    }

    async fn open(&self) -> Store {
        self.try_open().await.unwrap()
    }

    async fn try_open(&self) -> Result<Store, StoreError> {
        match self {
            Target::Sqlite(dir) => Store::open_in_dir(&dir.0).await,
            Target::Postgres { url, .. } => Store::open(url).await,
        }
    }

    /// A bare pool on the target's database (no migration), to build an old
    /// schema by hand.
    async fn raw_pool(&self) -> AnyPool {
        install_drivers();
        let url = match self {
            Target::Sqlite(dir) => {
                std::fs::create_dir_all(&dir.0).unwrap();
                format!(
                    "sqlite://{}?mode=rwc",
                    percent_encode_path(&dir.0.join(SQLITE_FILE_NAME))
                )
            }
            Target::Postgres { url, .. } => url.clone(),
        };
        AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap()
    }

    async fn cleanup(self) {
        if let Target::Postgres { admin, schema, .. } = self {
            sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
        }
    }
}

/// Runs each named suite function on SQLite and, if configured, PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let target = super::Target::sqlite(stringify!($name));
                    super::$name(&target).await;
                    target.cleanup().await;
                }
            )*
        }

        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(target) = super::Target::postgres(stringify!($name)).await else {
                        super::skip_unless_ci();
                        return;
                    };
                    super::$name(&target).await;
                    target.cleanup().await;
                }
            )*
        }
    };
}

on_both_backends!(
    survives_a_restart,
    refuses_a_newer_schema,
    sessions_expire_and_are_deleted,
    login_failures_count_and_clear,
    concurrent_login_failures_all_count,
    cart_lines_keep_their_order,
    cart_quantities_are_exact_decimals,
    concurrent_adds_all_count,
    remembered_carts_and_favorites_follow_every_write,
    favorites_are_idempotent,
    a_corrupt_quantity_is_reported,
    migrates_a_version_1_store,
    reserving_an_order_is_idempotent,
    slot_capacity_counts_odoo_and_local_orders,
    concurrent_reservations_respect_the_capacity,
    concurrent_reservations_of_one_key_make_one_order,
    one_deliverer_holds_an_order_at_a_time,
    orders_in_odoo_are_told_of_once,
    order_states_change_as_documented,
    due_orders_wait_for_their_time,
    orders_are_listed_newest_or_oldest_first,
    slot_orders_list_the_places_taken,
    a_corrupt_order_state_is_reported,
    shares_of_a_case_never_exceed_it,
    concurrent_shares_never_exceed_the_case,
    rounds_close_and_settle_once,
);

/// The password in a `scheme://user:password@host` URL.
fn password_of(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let (userinfo, _) = rest.split('/').next()?.rsplit_once('@')?;
    userinfo
        .split_once(':')
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty())
}

fn session(id_hash: &str, partner_id: i64, expires_at: i64) -> SessionRecord {
    SessionRecord {
        id_hash: id_hash.to_owned(),
        user_id: partner_id + 1000,
        partner_id,
        login: format!("customer{partner_id}@example.com"),
        name: format!("Customer {partner_id}"),
        created_at: 100,
        expires_at,
    }
}

async fn survives_a_restart(target: &Target) {
    let store = target.open().await;
    store.create_session(&session("aa11", 7, 1_000)).await.unwrap();
    store.add_to_cart(7, 42, dec("1.5"), 100).await.unwrap();
    store.set_favorite(7, 3, true, 100).await.unwrap();
    store.record_login_failure(&["ip:127.0.0.1"], 100).await.unwrap();
    store.close().await;

    // The schema is "created" again: nothing is lost, the version is kept.
    let store = target.open().await;
    if let Target::Postgres { url, .. } = target {
        let debug = format!("{store:?}");
        assert!(debug.contains("postgres"), "{debug}");
        if let Some(password) = password_of(url) {
            assert!(!debug.contains(password), "{debug}");
        }
    }
    assert_eq!(
        store.session("aa11", 500).await.unwrap(),
        Some(session("aa11", 7, 1_000))
    );
    assert_eq!(
        store.cart(7).await.unwrap(),
        vec![CartLine {
            product_id: 42,
            quantity: dec("1.5"),
            added_at: 100
        }]
    );
    assert_eq!(store.favorites(7).await.unwrap(), vec![3]);
    assert_eq!(
        store.login_failures(&["ip:127.0.0.1"]).await.unwrap(),
        vec![LoginFailures {
            failures: 1,
            last_failure: Some(100)
        }]
    );
    let row = sqlx::query("SELECT version FROM schema_version")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(row.len(), 1);
    assert_eq!(row[0].try_get::<i64, _>("version").unwrap(), SCHEMA_VERSION);
    store.close().await;
}

async fn refuses_a_newer_schema(target: &Target) {
    let store = target.open().await;
    sqlx::query("UPDATE schema_version SET version = 99")
        .execute(&store.pool)
        .await
        .unwrap();
    store.close().await;
    match target.try_open().await {
        Err(StoreError::SchemaTooNew {
            found: 99,
            supported: SCHEMA_VERSION,
        }) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

async fn sessions_expire_and_are_deleted(target: &Target) {
    let store = target.open().await;
    store.create_session(&session("h1", 1, 1_000)).await.unwrap();
    store.create_session(&session("h2", 2, 2_000)).await.unwrap();
    store.create_session(&session("h3", 3, 500)).await.unwrap();

    assert_eq!(
        store.session("h1", 999).await.unwrap(),
        Some(session("h1", 1, 1_000))
    );
    assert_eq!(
        store.session("h1", 1_000).await.unwrap(),
        None,
        "expired at expires_at"
    );
    assert_eq!(store.session("unknown", 0).await.unwrap(), None);

    // The hash is a primary key: a second session with it is refused.
    assert!(matches!(
        store.create_session(&session("h1", 9, 5_000)).await,
        Err(StoreError::Database(_))
    ));

    store.delete_session("h2").await.unwrap();
    assert_eq!(store.session("h2", 0).await.unwrap(), None);
    store.delete_session("h2").await.unwrap();

    assert_eq!(store.purge_sessions(1_000).await.unwrap(), 2);
    assert_eq!(store.purge_sessions(1_000).await.unwrap(), 0);
    assert_eq!(store.session("h1", 0).await.unwrap(), None, "purged");
    store.close().await;
}

async fn login_failures_count_and_clear(target: &Target) {
    let store = target.open().await;
    let none = LoginFailures {
        failures: 0,
        last_failure: None,
    };
    assert_eq!(store.login_failures(&["ip:10.0.0.1"]).await.unwrap(), vec![none]);
    assert_eq!(
        store.record_login_failure(&[], 1).await.unwrap(),
        Vec::<u32>::new()
    );

    assert_eq!(
        store
            .record_login_failure(&["login:a@x.org", "ip:10.0.0.1"], 100)
            .await
            .unwrap(),
        [1, 1]
    );
    assert_eq!(
        store
            .record_login_failure(&["login:b@x.org", "ip:10.0.0.1"], 110)
            .await
            .unwrap(),
        [1, 2]
    );
    // The counts come back in the order of the keys, whatever it is.
    assert_eq!(
        store
            .record_login_failure(&["login:b@x.org", "ip:10.0.0.1"], 120)
            .await
            .unwrap(),
        [2, 3]
    );
    assert_eq!(
        store
            .login_failures(&["ip:10.0.0.1", "login:a@x.org", "login:nobody"])
            .await
            .unwrap(),
        vec![
            LoginFailures {
                failures: 3,
                last_failure: Some(120)
            },
            LoginFailures {
                failures: 1,
                last_failure: Some(100)
            },
            none,
        ]
    );

    store.clear_login_failures("ip:10.0.0.1").await.unwrap();
    store.clear_login_failures("ip:never-seen").await.unwrap();
    assert_eq!(store.login_failures(&["ip:10.0.0.1"]).await.unwrap(), vec![none]);
    assert_eq!(
        store.record_login_failure(&["ip:10.0.0.1"], 130).await.unwrap(),
        [1]
    );

    // Purging forgets the keys whose last failure is old: only login:a@x.org.
    assert_eq!(store.purge_login_failures(110).await.unwrap(), 1);
    assert_eq!(
        store.login_failures(&["login:a@x.org"]).await.unwrap(),
        vec![none]
    );
    assert_eq!(
        store.login_failures(&["login:b@x.org"]).await.unwrap()[0].failures,
        2
    );
    store.close().await;
}

async fn concurrent_login_failures_all_count(target: &Target) {
    let store = target.open().await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                // Half the calls name the keys in the other order: no deadlock.
                let keys = if i % 2 == 0 {
                    ["login:c@x.org", "ip:10.0.0.2"]
                } else {
                    ["ip:10.0.0.2", "login:c@x.org"]
                };
                store.record_login_failure(&keys, 200 + i).await.unwrap()
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let failures = store
        .login_failures(&["login:c@x.org", "ip:10.0.0.2"])
        .await
        .unwrap();
    assert_eq!(failures.iter().map(|f| f.failures).collect::<Vec<_>>(), [10, 10]);
    store.close().await;
}

async fn cart_lines_keep_their_order(target: &Target) {
    let store = target.open().await;
    assert_eq!(store.cart(1).await.unwrap(), vec![]);
    assert_eq!(store.cart_count(1).await.unwrap(), 0);

    // All at the same second: the order is still the order of first addition.
    assert_eq!(store.add_to_cart(1, 30, dec("2"), 100).await.unwrap(), dec("2"));
    assert_eq!(store.add_to_cart(1, 10, dec("1"), 100).await.unwrap(), dec("1"));
    assert_eq!(
        store.add_to_cart(1, 30, dec("1.5"), 101).await.unwrap(),
        dec("3.5")
    );
    store.set_cart_quantity(1, 20, dec("4"), 102).await.unwrap();
    store.set_cart_quantity(1, 30, dec("5"), 103).await.unwrap();
    let line = |product_id, quantity: &str, added_at| CartLine {
        product_id,
        quantity: dec(quantity),
        added_at,
    };
    assert_eq!(
        store.cart(1).await.unwrap(),
        vec![line(30, "5", 100), line(10, "1", 100), line(20, "4", 102)]
    );
    assert_eq!(store.cart_count(1).await.unwrap(), 3);

    // Another partner's cart is another cart.
    store.add_to_cart(2, 10, dec("7"), 104).await.unwrap();
    assert_eq!(store.cart(2).await.unwrap(), vec![line(10, "7", 104)]);

    store.remove_from_cart(1, 10).await.unwrap();
    store.remove_from_cart(1, 999).await.unwrap();
    store.set_cart_quantity(1, 20, Decimal::ZERO, 105).await.unwrap();
    assert_eq!(store.cart(1).await.unwrap(), vec![line(30, "5", 100)]);

    // Negative quantities: refused when set, taking away when added.
    assert!(matches!(
        store.set_cart_quantity(1, 30, dec("-1"), 106).await,
        Err(StoreError::InvalidQuantity(_))
    ));
    assert_eq!(store.add_to_cart(1, 30, dec("-2"), 106).await.unwrap(), dec("3"));
    assert_eq!(
        store.add_to_cart(1, 30, dec("-3"), 107).await.unwrap(),
        Decimal::ZERO
    );
    assert_eq!(
        store.add_to_cart(1, 40, dec("-1"), 107).await.unwrap(),
        Decimal::ZERO
    );
    assert_eq!(store.cart(1).await.unwrap(), vec![]);

    // A line added again goes to the end.
    store.add_to_cart(1, 10, dec("1"), 108).await.unwrap();
    store.add_to_cart(1, 30, dec("1"), 109).await.unwrap();
    assert_eq!(
        store.cart(1).await.unwrap(),
        vec![line(10, "1", 108), line(30, "1", 109)]
    );

    store.clear_cart(1).await.unwrap();
    assert_eq!(store.cart(1).await.unwrap(), vec![]);
    assert_eq!(store.cart_count(1).await.unwrap(), 0);
    assert_eq!(store.cart_count(2).await.unwrap(), 1);
    store.close().await;
}

async fn cart_quantities_are_exact_decimals(target: &Target) {
    let store = target.open().await;
    store.add_to_cart(1, 10, dec("0.1"), 100).await.unwrap();
    let total = store.add_to_cart(1, 10, dec("0.2"), 100).await.unwrap();
    assert_eq!(total, dec("0.3"));
    assert_eq!(total.to_string(), "0.3");
    assert_eq!(store.cart(1).await.unwrap()[0].quantity.to_string(), "0.3");

    // Stored in canonical form, read back canonical.
    store.set_cart_quantity(1, 20, dec("2.500"), 100).await.unwrap();
    let stored = sqlx::query("SELECT quantity FROM cart_lines WHERE product_id = 20")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(stored.try_get::<String, _>("quantity").unwrap(), "2.5");
    assert_eq!(store.cart(1).await.unwrap()[1].quantity.to_string(), "2.5");
    assert_eq!(
        store
            .add_to_cart(1, 20, dec("0.500"), 100)
            .await
            .unwrap()
            .to_string(),
        "3"
    );

    // Many digits, and a huge quantity whose sum overflows.
    assert_eq!(
        store
            .add_to_cart(1, 30, dec("0.0000000000000000000000000001"), 100)
            .await
            .unwrap(),
        dec("0.0000000000000000000000000001")
    );
    store.set_cart_quantity(1, 40, Decimal::MAX, 100).await.unwrap();
    assert!(matches!(
        store.add_to_cart(1, 40, Decimal::MAX, 100).await,
        Err(StoreError::InvalidQuantity(_))
    ));
    assert_eq!(
        store.cart(1).await.unwrap()[3].quantity,
        Decimal::MAX,
        "unchanged after the error"
    );
    store.close().await;
}

async fn concurrent_adds_all_count(target: &Target) {
    let store = target.open().await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.add_to_cart(5, 77, dec("0.5"), 100).await.unwrap() })
        })
        .collect();
    let mut returned = BTreeSet::new();
    for task in tasks {
        returned.insert(task.await.unwrap());
    }
    // Each add saw the previous ones: the totals returned are all distinct.
    let expected: BTreeSet<Decimal> = (1..=20).map(|i| Decimal::from(i) * dec("0.5")).collect();
    assert_eq!(returned, expected);
    let cart = store.cart(5).await.unwrap();
    assert_eq!(cart.len(), 1);
    assert_eq!(cart[0].quantity, dec("10.0"));
    store.close().await;
}

/// The cart and favorites as the database has them, read past the
/// remembered ones.
async fn stored(store: &Store, partner_id: i64) -> (Vec<(i64, Decimal)>, Vec<i64>) {
    let rows = sqlx::query(
        "SELECT product_id, quantity FROM cart_lines WHERE partner_id = $1 ORDER BY seq, product_id",
    )
    .bind(partner_id)
    .fetch_all(&store.pool)
    .await
    .unwrap();
    let cart = rows
        .iter()
        .map(|row| (row.get("product_id"), quantity_of(row).unwrap()))
        .collect();
    let rows =
        sqlx::query("SELECT template_id FROM favorites WHERE partner_id = $1 ORDER BY seq, template_id")
            .bind(partner_id)
            .fetch_all(&store.pool)
            .await
            .unwrap();
    (cart, rows.iter().map(|row| row.get("template_id")).collect())
}

async fn read(store: &Store, partner_id: i64) -> (Vec<(i64, Decimal)>, Vec<i64>) {
    let cart = store.cart(partner_id).await.unwrap();
    let favorites = store.favorites(partner_id).await.unwrap();
    (
        cart.into_iter().map(|l| (l.product_id, l.quantity)).collect(),
        favorites,
    )
}

async fn remembered_carts_and_favorites_follow_every_write(target: &Target) {
    let store = target.open().await;
    // Each kind of write, after a read that was remembered.
    assert_eq!(read(&store, 3).await, (vec![], vec![]));
    store.add_to_cart(3, 10, dec("2"), 100).await.unwrap();
    assert_eq!(read(&store, 3).await, stored(&store, 3).await);
    store.set_cart_quantity(3, 11, dec("1.5"), 101).await.unwrap();
    assert_eq!(store.cart_count(3).await.unwrap(), 2);
    store.remove_from_cart(3, 10).await.unwrap();
    assert_eq!(read(&store, 3).await, stored(&store, 3).await);
    store.set_favorite(3, 40, true, 102).await.unwrap();
    assert_eq!(read(&store, 3).await, (vec![(11, dec("1.5"))], vec![40]));
    store.set_favorite(3, 40, false, 103).await.unwrap();
    store.clear_cart(3).await.unwrap();
    assert_eq!(read(&store, 3).await, (vec![], vec![]));
    assert_eq!(store.cart_count(3).await.unwrap(), 0);
    // Reads racing writes: whatever interleaving, once the writes are done a
    // read answers what the database holds.
    for round in 0..5 {
        let mut tasks = Vec::new();
        for i in 0..16_i64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    store
                        .add_to_cart(4, 20 + i % 3, dec("0.5"), 200 + round)
                        .await
                        .unwrap();
                    store
                        .set_favorite(4, 30 + i % 4, round % 2 == 0, 200 + round)
                        .await
                        .unwrap();
                } else {
                    read(&store, 4).await;
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(read(&store, 4).await, stored(&store, 4).await, "round {round}");
    }
    store.close().await;
}

/// Two instances on one PostgreSQL database: what one remembers, the
/// other's changes make it forget (through `NOTIFY`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_postgres_forget_what_the_other_changes() {
    let Some(target) = Target::postgres("instances_sharing_postgres").await else {
        skip_unless_ci();
        return;
    };
    let (a, b) = (target.open().await, target.open().await);
    b.remembered.until_listening().await;
    a.add_to_cart(8, 10, dec("1"), 100).await.unwrap();
    a.set_favorite(8, 30, true, 100).await.unwrap();
    // B reads and remembers; A changes both; B sees the changes once the
    // announcement has arrived (within moments: it never would without).
    assert_eq!(read(&b, 8).await, (vec![(10, dec("1"))], vec![30]));
    assert_eq!(read(&b, 8).await, (vec![(10, dec("1"))], vec![30]));
    a.add_to_cart(8, 10, dec("2"), 101).await.unwrap();
    a.set_favorite(8, 31, true, 101).await.unwrap();
    let expected = (vec![(10, dec("3"))], vec![30, 31]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while read(&b, 8).await != expected {
        assert!(
            std::time::Instant::now() < deadline,
            "B still shows {:?}",
            read(&b, 8).await
        );
        tokio::task::yield_now().await;
    }
    assert_eq!(read(&b, 8).await, stored(&b, 8).await);
    a.close().await;
    b.close().await;
    target.cleanup().await;
}

async fn favorites_are_idempotent(target: &Target) {
    let store = target.open().await;
    assert_eq!(store.favorites(1).await.unwrap(), Vec::<i64>::new());
    store.set_favorite(1, 5, true, 100).await.unwrap();
    store.set_favorite(1, 3, true, 100).await.unwrap();
    store.set_favorite(1, 5, true, 101).await.unwrap();
    store.set_favorite(1, 9, true, 102).await.unwrap();
    assert_eq!(store.favorites(1).await.unwrap(), [5, 3, 9]);

    store.set_favorite(1, 3, false, 103).await.unwrap();
    store.set_favorite(1, 3, false, 103).await.unwrap();
    store.set_favorite(1, 4, false, 103).await.unwrap();
    assert_eq!(store.favorites(1).await.unwrap(), [5, 9]);
    store.set_favorite(1, 3, true, 104).await.unwrap();
    assert_eq!(store.favorites(1).await.unwrap(), [5, 9, 3]);
    assert_eq!(store.favorites(2).await.unwrap(), Vec::<i64>::new());
    store.close().await;
}

async fn a_corrupt_quantity_is_reported(target: &Target) {
    let store = target.open().await;
    store.add_to_cart(1, 10, dec("1"), 100).await.unwrap();
    sqlx::query("UPDATE cart_lines SET quantity = 'lots' WHERE product_id = 10")
        .execute(&store.pool)
        .await
        .unwrap();
    match store.cart(1).await {
        Err(error @ StoreError::Corrupt(..)) => {
            let message = error.to_string();
            assert!(
                message.starts_with("stored value cart quantity \"lots\" is not valid"),
                "{message}"
            );
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(matches!(
        store.add_to_cart(1, 10, dec("1"), 101).await,
        Err(StoreError::Corrupt(..))
    ));
    // The line can still be replaced or removed.
    store.set_cart_quantity(1, 10, dec("2"), 102).await.unwrap();
    assert_eq!(store.cart(1).await.unwrap()[0].quantity, dec("2"));
    store.close().await;
}

// --- SQLite and URL specifics ---

#[test]
fn debug_of_a_postgres_store_hides_the_password() {
    install_drivers();
    let url =
        "postgres://shop:S3cret-pw@db.example.com:5432/storefront?password=other-secret&sslmode=disable";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    // A lazy pool: no database needed to check the Debug output.
    let store = Store {
        pool: AnyPoolOptions::new().connect_lazy(url).unwrap(),
        backend: Backend::Postgres,
        remembered: Arc::new(Remembered::new(false)),
        listener: None,
        location: redact_url(url).into(),
    };
    let debug = format!("{store:?}");
    assert!(
        debug.contains("postgres://shop:***@db.example.com:5432/storefront"),
        "{debug}"
    );
    assert!(
        !debug.contains("S3cret-pw") && !debug.contains("other-secret"),
        "{debug}"
    );
    assert_eq!(store.backend(), "postgres");
}

#[test]
fn urls_are_redacted() {
    assert_eq!(redact_url("postgres://u:p@h/db"), "postgres://u:***@h/db");
    assert_eq!(redact_url("postgres://u@h/db?password=x"), "postgres://u@h/db");
    assert_eq!(
        redact_url("postgresql://h:5432/db#frag"),
        "postgresql://h:5432/db"
    );
    assert_eq!(
        redact_url("postgres://u:p:q@h@host/db"),
        "postgres://u:***@host/db"
    );
    assert_eq!(
        redact_url("sqlite:///var/lib/shop/storefront.db?mode=rwc"),
        "sqlite:///var/lib/shop/storefront.db"
    );
}

#[tokio::test]
async fn unsupported_urls_are_refused_without_echoing_them() {
    match Store::open("mysql://shop:S3cret-pw@db/shop").await {
        Err(error @ StoreError::UnsupportedUrl(_)) => {
            let message = error.to_string();
            assert!(
                message.contains("\"mysql\"") && !message.contains("S3cret"),
                "{message}"
            );
        }
        other => panic!("expected UnsupportedUrl, got {other:?}"),
    }
    match Store::open("S3cret-pw").await {
        Err(error @ StoreError::UnsupportedUrl(_)) => assert!(!error.to_string().contains("S3cret")),
        other => panic!("expected UnsupportedUrl, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_connections_are_configured() {
    let dir = TempDir::new("pragmas");
    let store = Store::open_in_dir(&dir.0).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    assert!(dir.0.join(SQLITE_FILE_NAME).is_file());
    let debug = format!("{store:?}");
    assert!(
        debug.contains("sqlite://") && debug.contains(SQLITE_FILE_NAME),
        "{debug}"
    );
    // Every connection of the pool, not just the first one.
    let mut connections = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        connections.push(store.pool.acquire().await.unwrap());
    }
    for connection in &mut connections {
        let pragma = |name: &'static str| sqlx::query(name);
        let journal = pragma("PRAGMA journal_mode")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert_eq!(journal.try_get::<String, _>(0).unwrap(), "wal");
        let busy = pragma("PRAGMA busy_timeout")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert_eq!(
            busy.try_get::<i64, _>(0).unwrap(),
            i64::from(SQLITE_BUSY_TIMEOUT_MS)
        );
        let synchronous = pragma("PRAGMA synchronous")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert_eq!(synchronous.try_get::<i64, _>(0).unwrap(), 1, "NORMAL");
        let foreign_keys = pragma("PRAGMA foreign_keys")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert_eq!(foreign_keys.try_get::<i64, _>(0).unwrap(), 1);
    }
    drop(connections);
    store.close().await;
}

#[tokio::test]
async fn sqlite_files_and_directories_are_created() {
    let dir = TempDir::new("create");
    // A URL without mode: its directories and file are created anyway.
    let path = dir.0.join("a/b/shop.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.set_favorite(1, 2, true, 3).await.unwrap();
    store.close().await;
    assert!(path.is_file());

    // A data directory whose name would break a URL.
    let odd = dir.0.join("data dir #1 ?x=%20");
    let store = Store::open_in_dir(&odd).await.unwrap();
    store.set_favorite(1, 2, true, 3).await.unwrap();
    store.close().await;
    assert!(odd.join(SQLITE_FILE_NAME).is_file());
}

// --- the order outbox ---

/// Version 1's migration, as released (migration 1 is never edited).
async fn migrates_a_version_1_store(target: &Target) {
    // A version 1 store, made as version 1 of this code made it.
    let pool = target.raw_pool().await;
    sqlx::query("CREATE TABLE schema_version (id BIGINT NOT NULL PRIMARY KEY, version BIGINT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    for statement in MIGRATIONS[0] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    sqlx::query("INSERT INTO schema_version (id, version) VALUES (1, 1)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO cart_lines (partner_id, product_id, quantity, seq, added_at, updated_at)
         VALUES (7, 42, '2.5', 1, 100, 100)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, partner_id, login, name, created_at, expires_at)
         VALUES ('aa11', 1007, 7, 'customer7@example.com', 'Customer 7', 100, 1000)",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert!(
        sqlx::query("SELECT COUNT(*) FROM orders")
            .fetch_one(&pool)
            .await
            .is_err(),
        "no outbox in version 1"
    );
    pool.close().await;

    let store = target.open().await;
    let version = sqlx::query("SELECT version FROM schema_version")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(version.try_get::<i64, _>("version").unwrap(), 5);
    assert_eq!(SCHEMA_VERSION, 5);
    assert_eq!(
        store.cart(7).await.unwrap(),
        vec![CartLine {
            product_id: 42,
            quantity: dec("2.5"),
            added_at: 100
        }]
    );
    assert_eq!(
        store.session("aa11", 500).await.unwrap(),
        Some(session("aa11", 7, 1_000))
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    assert!(matches!(
        store
            .reserve_order(&new_order("k1", 7, 3, 200), Some(1), 0, &no_keys())
            .await
            .unwrap(),
        Reservation::Created(_)
    ));
    store.close().await;

    // Opened again: nothing migrates twice, nothing is lost.
    let store = target.open().await;
    assert_eq!(store.order("k1").await.unwrap().unwrap().slot_id, 3);
    assert_eq!(store.cart(7).await.unwrap().len(), 1);
    store.close().await;
}

fn new_order<'a>(key: &'a str, partner_id: i64, slot_id: i64, now: i64) -> NewOrder<'a> {
    NewOrder {
        key,
        partner_id,
        slot_id,
        payload: r#"{"lines":[[42,"1.5"]]}"#,
        now,
    }
}

fn no_keys() -> HashSet<String> {
    HashSet::new()
}

fn keys(keys: &[&str]) -> HashSet<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

fn created(reservation: Reservation) -> OutboxOrder {
    match reservation {
        Reservation::Created(order) => order,
        other => panic!("expected Created, got {other:?}"),
    }
}

async fn reserving_an_order_is_idempotent(target: &Target) {
    let store = target.open().await;
    assert_eq!(store.order("k1").await.unwrap(), None);
    let order = created(
        store
            .reserve_order(&new_order("k1", 7, 3, 100), Some(10), 0, &no_keys())
            .await
            .unwrap(),
    );
    let expected = OutboxOrder {
        key: "k1".to_owned(),
        partner_id: 7,
        slot_id: 3,
        payload: r#"{"lines":[[42,"1.5"]]}"#.to_owned(),
        state: OrderState::Pending,
        odoo_id: None,
        odoo_name: None,
        attempts: 0,
        next_attempt_at: 100,
        last_error: None,
        created_at: 100,
        updated_at: 100,
    };
    assert_eq!(order, expected);
    assert_eq!(store.order("k1").await.unwrap(), Some(expected.clone()));

    // The same key again (a retry, a double click, another partner, another
    // slot, a full slot): the stored order, nothing added.
    let again = NewOrder {
        payload: "{}",
        ..new_order("k1", 7, 3, 150)
    };
    for (order, capacity) in [
        (again.clone(), Some(10)),
        (again.clone(), Some(0)),
        (
            NewOrder {
                partner_id: 8,
                ..again.clone()
            },
            None,
        ),
        (
            NewOrder {
                slot_id: 4,
                ..again.clone()
            },
            Some(1),
        ),
    ] {
        assert_eq!(
            store
                .reserve_order(&order, capacity, 0, &no_keys())
                .await
                .unwrap(),
            Reservation::Existing(expected.clone())
        );
    }
    assert_eq!(store.orders_of(7, 10).await.unwrap(), vec![expected.clone()]);
    assert_eq!(store.orders_of(8, 10).await.unwrap(), vec![]);
    assert_eq!(store.outbox_depth().await.unwrap(), 1);

    // Whatever its state.
    store.mark_cancelled("k1", 160).await.unwrap();
    match store.reserve_order(&again, None, 0, &no_keys()).await.unwrap() {
        Reservation::Existing(order) => assert_eq!(order.state, OrderState::Cancelled),
        other => panic!("expected Existing, got {other:?}"),
    }
    store.close().await;
}

async fn slot_capacity_counts_odoo_and_local_orders(target: &Target) {
    let store = target.open().await;
    // Capacity 2, one order in Odoo: one place left.
    created(
        store
            .reserve_order(&new_order("a", 1, 5, 100), Some(2), 1, &keys(&["odoo-1"]))
            .await
            .unwrap(),
    );
    assert_eq!(
        store
            .reserve_order(&new_order("b", 2, 5, 101), Some(2), 1, &keys(&["odoo-1"]))
            .await
            .unwrap(),
        Reservation::Full {
            taken: 2,
            capacity: 2
        }
    );
    assert_eq!(store.order("b").await.unwrap(), None, "nothing stored when full");

    // Once "a" is in Odoo (among its active orders and its keys), it is not
    // counted twice.
    assert_eq!(
        store
            .reserve_order(&new_order("b", 2, 5, 102), Some(3), 2, &keys(&["odoo-1", "a"]))
            .await
            .unwrap()
            .clone(),
        Reservation::Created(store.order("b").await.unwrap().unwrap())
    );
    // Now a, b local, a also in Odoo with odoo-1: 2 + b = 3 = capacity.
    assert_eq!(
        store
            .reserve_order(&new_order("c", 3, 5, 103), Some(3), 2, &keys(&["odoo-1", "a"]))
            .await
            .unwrap(),
        Reservation::Full {
            taken: 3,
            capacity: 3
        }
    );
    // An order cancelled in Odoo: its key is in odoo_keys, not in the active
    // count, and it is not counted locally either (whatever its local state).
    created(
        store
            .reserve_order(&new_order("c", 3, 5, 104), Some(3), 1, &keys(&["odoo-1", "a"]))
            .await
            .unwrap(),
    );

    // A cancelled local order frees its place.
    assert!(matches!(
        store
            .reserve_order(&new_order("d", 4, 5, 105), Some(3), 0, &no_keys())
            .await
            .unwrap(),
        Reservation::Full {
            taken: 3,
            capacity: 3
        }
    ));
    assert!(store.mark_cancelled("b", 106).await.unwrap());
    created(
        store
            .reserve_order(&new_order("d", 4, 5, 107), Some(3), 0, &no_keys())
            .await
            .unwrap(),
    );
    // Failed and sent orders still take their place.
    store.mark_failed("a", "refused", 108).await.unwrap();
    store.mark_sent("c", 900, "S00900", 108).await.unwrap();
    assert!(matches!(
        store
            .reserve_order(&new_order("e", 4, 5, 109), Some(3), 0, &no_keys())
            .await
            .unwrap(),
        Reservation::Full {
            taken: 3,
            capacity: 3
        }
    ));

    // Other slots are other places; no capacity is never full; capacity 0
    // always is.
    created(
        store
            .reserve_order(&new_order("e", 4, 6, 110), Some(1), 0, &no_keys())
            .await
            .unwrap(),
    );
    for (i, key) in ["f", "g", "h"].into_iter().enumerate() {
        created(
            store
                .reserve_order(&new_order(key, 4, 5, 111 + i as i64), None, 1_000, &no_keys())
                .await
                .unwrap(),
        );
    }
    assert!(matches!(
        store
            .reserve_order(&new_order("i", 4, 7, 120), Some(0), 0, &no_keys())
            .await
            .unwrap(),
        Reservation::Full {
            taken: 0,
            capacity: 0
        }
    ));
    // Counts saturate instead of overflowing.
    assert!(matches!(
        store
            .reserve_order(&new_order("i", 4, 5, 120), Some(u32::MAX), u32::MAX, &no_keys())
            .await
            .unwrap(),
        Reservation::Full {
            taken: u32::MAX,
            capacity: u32::MAX
        }
    ));
    store.close().await;
}

/// The key property: concurrent checkouts, from two instances (two pools on
/// one database), never exceed a slot's capacity.
async fn concurrent_reservations_respect_the_capacity(target: &Target) {
    let stores = [target.open().await, target.open().await];
    // Another slot's orders do not count.
    created(
        stores[0]
            .reserve_order(&new_order("other", 1, 8, 100), Some(5), 0, &no_keys())
            .await
            .unwrap(),
    );
    let odoo_keys = Arc::new(keys(&["in-odoo"]));
    let tasks: Vec<_> = (0..20)
        .map(|i: i64| {
            let store = stores[(i % 2) as usize].clone();
            let odoo_keys = Arc::clone(&odoo_keys);
            tokio::spawn(async move {
                let key = format!("key-{i}");
                store
                    .reserve_order(&new_order(&key, i, 9, 100 + i), Some(5), 1, &odoo_keys)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let (mut created, mut full) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Reservation::Created(_) => created += 1,
            Reservation::Full {
                taken: 5,
                capacity: 5,
            } => full += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created, full), (4, 16), "one place taken in Odoo");
    let taken = stores[1].slot_orders(&[9]).await.unwrap();
    assert_eq!(taken.len(), 4);

    // And with no order in Odoo: exactly the capacity.
    let tasks: Vec<_> = (0..20)
        .map(|i: i64| {
            let store = stores[(i % 2) as usize].clone();
            tokio::spawn(async move {
                let key = format!("slot-10-key-{i}");
                store
                    .reserve_order(&new_order(&key, i, 10, 100 + i), Some(5), 0, &HashSet::new())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let created = outcomes
        .iter()
        .filter(|r| matches!(r, Reservation::Created(_)))
        .count();
    let full = outcomes
        .iter()
        .filter(|r| {
            matches!(
                r,
                Reservation::Full {
                    taken: 5,
                    capacity: 5
                }
            )
        })
        .count();
    assert_eq!((created, full), (5, 15));
    assert_eq!(stores[0].slot_orders(&[10]).await.unwrap().len(), 5);
    for store in stores {
        store.close().await;
    }
}

async fn concurrent_reservations_of_one_key_make_one_order(target: &Target) {
    let stores = [target.open().await, target.open().await];
    let tasks: Vec<_> = (0..10)
        .map(|i: i64| {
            let store = stores[(i % 2) as usize].clone();
            tokio::spawn(async move {
                // Even a double click for another slot with one place left.
                let slot = 20 + i % 2;
                store
                    .reserve_order(&new_order("same", 7, slot, 100 + i), Some(1), 0, &HashSet::new())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut existing = 0;
    for task in tasks {
        match task.await.unwrap() {
            Reservation::Created(order) => created.push(order),
            Reservation::Existing(_) => existing += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created.len(), existing), (1, 9));
    assert_eq!(stores[0].orders_of(7, 10).await.unwrap(), created);
    for store in stores {
        store.close().await;
    }
}

/// An order's lease: one holder at a time, even among 10 racing on two
/// connections pools; let go by its holder or any outcome; taken again once
/// run out; never on an order that is not pending; a leased order is not
/// due to the worker.
async fn orders_in_odoo_are_told_of_once(target: &Target) {
    let stores = [target.open().await, target.open().await];
    let store = &stores[0];
    for key in ["a", "b"] {
        created(
            store
                .reserve_order(&new_order(key, 7, 1, 100), None, 0, &no_keys())
                .await
                .unwrap(),
        );
    }
    // Not in Odoo yet: nothing to tell.
    assert_eq!(store.due_informs(i64::MAX, 10).await.unwrap(), vec![]);
    assert!(store.mark_sent("a", 41, "S00041", 200).await.unwrap());
    let due = store.due_informs(200, 10).await.unwrap();
    assert_eq!(
        due.iter()
            .map(|d| (d.key.as_str(), d.odoo_id, d.due, d.attempts))
            .collect::<Vec<_>>(),
        vec![("a", 41, 200, 0)]
    );
    assert_eq!(
        store.due_informs(199, 10).await.unwrap(),
        vec![],
        "due from when it was sent"
    );
    // Instances racing: one takes it; taken, it is not due until `until`.
    let tasks: Vec<_> = (0..10)
        .map(|i: i64| {
            let store = stores[(i % 2) as usize].clone();
            tokio::spawn(async move { store.take_inform("a", 200, 500).await.unwrap() })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        taken += usize::from(task.await.unwrap());
    }
    assert_eq!(taken, 1, "one teller");
    assert_eq!(store.due_informs(499, 10).await.unwrap(), vec![]);
    // A failure: due again later, one attempt more.
    store.end_inform("a", Some(600)).await.unwrap();
    let due = store.due_informs(600, 10).await.unwrap();
    assert_eq!((due[0].due, due[0].attempts), (600, 1));
    // Told: never again, even when sent is recorded again.
    assert!(store.take_inform("a", 600, 900).await.unwrap());
    store.end_inform("a", None).await.unwrap();
    assert_eq!(store.due_informs(i64::MAX, 10).await.unwrap(), vec![]);
    assert!(store.mark_sent("a", 41, "S00041", 700).await.unwrap());
    assert_eq!(store.due_informs(i64::MAX, 10).await.unwrap(), vec![]);
    // A cancelled order is not told of.
    assert!(store.mark_sent("b", 42, "S00042", 200).await.unwrap());
    assert!(store.mark_cancelled("b", 210).await.unwrap());
    assert_eq!(store.due_informs(i64::MAX, 10).await.unwrap(), vec![]);
}

async fn one_deliverer_holds_an_order_at_a_time(target: &Target) {
    let stores = [target.open().await, target.open().await];
    let store = &stores[0];
    created(
        store
            .reserve_order(&new_order("k", 7, 1, 100), None, 0, &no_keys())
            .await
            .unwrap(),
    );
    let tasks: Vec<_> = (0..10)
        .map(|i: i64| {
            let store = stores[(i % 2) as usize].clone();
            tokio::spawn(async move { store.take_lease("k", &format!("d{i}"), 100, 200).await.unwrap() })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        taken += usize::from(task.await.unwrap());
    }
    assert_eq!(taken, 1, "one holder");
    // Held: not due, not takeable before it runs out, takeable after.
    assert_eq!(store.due_orders(150, 10).await.unwrap(), vec![]);
    assert!(!store.take_lease("k", "late", 199, 300).await.unwrap());
    assert!(store.take_lease("k", "after", 200, 300).await.unwrap());
    assert_eq!(store.due_orders(300, 10).await.unwrap().len(), 1);
    // Only its holder lets go.
    store.release_lease("k", "someone else").await.unwrap();
    assert!(!store.take_lease("k", "other", 250, 400).await.unwrap());
    store.release_lease("k", "after").await.unwrap();
    assert!(store.take_lease("k", "other", 250, 400).await.unwrap());
    // A retry lets go.
    store.mark_retry("k", "away", 260, 250).await.unwrap();
    assert!(store.take_lease("k", "next", 260, 500).await.unwrap());
    // Sent: nothing to lease any more.
    store.mark_sent("k", 1, "S1", 270).await.unwrap();
    assert!(!store.take_lease("k", "again", 1_000, 2_000).await.unwrap());
    assert!(!store.take_lease("unknown", "x", 1_000, 2_000).await.unwrap());
    for store in stores {
        store.close().await;
    }
}

async fn order_states_change_as_documented(target: &Target) {
    let store = target.open().await;
    for key in ["p", "q", "r", "s"] {
        created(
            store
                .reserve_order(&new_order(key, 1, 1, 100), None, 0, &no_keys())
                .await
                .unwrap(),
        );
    }
    let state = |key: &'static str| {
        let store = store.clone();
        async move { store.order(key).await.unwrap().unwrap() }
    };

    // A retry: one more attempt, the error, a later due time.
    store.mark_retry("p", "Odoo is away", 160, 100).await.unwrap();
    store.mark_retry("p", "still away", 220, 160).await.unwrap();
    let p = state("p").await;
    assert_eq!(
        (
            p.state,
            p.attempts,
            p.next_attempt_at,
            p.last_error.as_deref(),
            p.updated_at
        ),
        (OrderState::Pending, 2, 220, Some("still away"), 160)
    );
    // Sent: Odoo's id and name, the error cleared.
    assert!(store.mark_sent("p", 41, "S00041", 230).await.unwrap());
    let p = state("p").await;
    assert_eq!(
        (
            p.state,
            p.odoo_id,
            p.odoo_name.as_deref(),
            p.last_error.as_deref(),
            p.attempts,
            p.updated_at
        ),
        (OrderState::Sent, Some(41), Some("S00041"), None, 2, 230)
    );
    // Sent again: nothing changes.
    assert!(store.mark_sent("p", 99, "S00099", 240).await.unwrap());
    assert_eq!(state("p").await, p);
    // Retries and failures do not touch a sent order.
    store.mark_retry("p", "late", 500, 250).await.unwrap();
    store.mark_failed("p", "late", 250).await.unwrap();
    assert_eq!(state("p").await, p);
    assert!(!store.retry_order("p", 250).await.unwrap());
    // A sent order, cancelled in Odoo by the caller, then here.
    assert!(store.mark_cancelled("p", 260).await.unwrap());
    assert!(
        !store.mark_cancelled("p", 261).await.unwrap(),
        "already cancelled"
    );
    let p = state("p").await;
    assert_eq!(
        (p.state, p.odoo_id, p.updated_at),
        (OrderState::Cancelled, Some(41), 260)
    );

    // Failed: refused for good; an admin retry makes it pending, due now.
    store.mark_failed("q", "bad product", 110).await.unwrap();
    let q = state("q").await;
    assert_eq!(
        (q.state, q.attempts, q.last_error.as_deref()),
        (OrderState::Failed, 1, Some("bad product"))
    );
    store.mark_retry("q", "ignored", 999, 111).await.unwrap();
    assert_eq!(state("q").await, q, "no retry of a failed order");
    assert!(store.retry_order("q", 300).await.unwrap());
    assert!(!store.retry_order("q", 301).await.unwrap(), "pending already");
    let q = state("q").await;
    assert_eq!(
        (q.state, q.next_attempt_at, q.attempts, q.updated_at),
        (OrderState::Pending, 300, 1, 300)
    );
    // A failed order can also be sent (an admin resolved it in Odoo) or
    // cancelled.
    store.mark_failed("q", "again", 310).await.unwrap();
    assert!(store.mark_sent("q", 42, "S00042", 320).await.unwrap());
    assert_eq!(state("q").await.state, OrderState::Sent);
    store.mark_failed("r", "bad", 110).await.unwrap();
    assert!(store.mark_cancelled("r", 120).await.unwrap());
    assert!(!store.retry_order("r", 130).await.unwrap());
    assert_eq!(state("r").await.state, OrderState::Cancelled);

    // Cancelled while on its way: mark_sent says false (the caller cancels it
    // in Odoo), the order stays cancelled but knows its Odoo id.
    assert!(store.mark_cancelled("s", 120).await.unwrap());
    assert!(!store.mark_sent("s", 43, "S00043", 130).await.unwrap());
    let s = state("s").await;
    assert_eq!(
        (s.state, s.odoo_id, s.odoo_name.as_deref()),
        (OrderState::Cancelled, Some(43), Some("S00043"))
    );
    assert!(!store.mark_sent("s", 44, "S00044", 140).await.unwrap());
    assert_eq!(state("s").await.odoo_id, Some(43), "the first id is kept");
    store.mark_retry("s", "x", 1, 150).await.unwrap();
    store.mark_failed("s", "x", 150).await.unwrap();
    assert_eq!(state("s").await.state, OrderState::Cancelled);

    // Unknown keys: nothing happens.
    assert!(!store.mark_sent("nope", 1, "S1", 100).await.unwrap());
    assert!(!store.mark_cancelled("nope", 100).await.unwrap());
    assert!(!store.retry_order("nope", 100).await.unwrap());
    store.mark_retry("nope", "x", 1, 100).await.unwrap();
    store.mark_failed("nope", "x", 100).await.unwrap();
    assert_eq!(store.order("nope").await.unwrap(), None);

    // Errors are kept short, cut between characters, without NUL.
    created(
        store
            .reserve_order(&new_order("t", 1, 1, 100), None, 0, &no_keys())
            .await
            .unwrap(),
    );
    let long = "é".repeat(3_000);
    store.mark_retry("t", &long, 200, 100).await.unwrap();
    let error = state("t").await.last_error.unwrap();
    assert_eq!(error.chars().count(), 1_000);
    assert!(error.ends_with("é…"), "{error}");
    store.mark_failed("t", "nul\0byte", 100).await.unwrap();
    assert_eq!(state("t").await.last_error.as_deref(), Some("nul\u{FFFD}byte"));
    store.close().await;
}

#[test]
fn error_texts_are_cut_on_a_character_boundary() {
    assert_eq!(error_text("short"), "short");
    let exact = "x".repeat(1_000);
    assert_eq!(error_text(&exact), exact);
    let over = format!("{exact}y");
    let cut = error_text(&over);
    assert_eq!(cut.chars().count(), 1_000);
    assert!(cut.ends_with("xx…"));
    let wide = "🦀".repeat(1_001);
    assert_eq!(error_text(&wide).chars().count(), 1_000);
    assert_eq!(error_text(""), "");
}

#[test]
fn order_states_round_trip() {
    for state in [
        OrderState::Pending,
        OrderState::Sent,
        OrderState::Failed,
        OrderState::Cancelled,
    ] {
        assert_eq!(state.as_str().parse::<OrderState>().unwrap(), state);
        assert_eq!(state.to_string(), state.as_str());
    }
    assert!(matches!(
        "Pending".parse::<OrderState>(),
        Err(StoreError::Corrupt(..))
    ));
}

async fn due_orders_wait_for_their_time(target: &Target) {
    let store = target.open().await;
    assert_eq!(store.due_orders(1_000, 10).await.unwrap(), vec![]);
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    for (key, now) in [("b", 100), ("a", 100), ("c", 90), ("d", 95), ("e", 80)] {
        created(
            store
                .reserve_order(&new_order(key, 1, 1, now), None, 0, &no_keys())
                .await
                .unwrap(),
        );
    }
    let keys_of = |orders: Vec<OutboxOrder>| orders.into_iter().map(|o| o.key).collect::<Vec<_>>();
    // Oldest first (then by key), due from their creation.
    assert_eq!(
        keys_of(store.due_orders(100, 10).await.unwrap()),
        ["e", "c", "d", "a", "b"]
    );
    assert_eq!(keys_of(store.due_orders(94, 10).await.unwrap()), ["e", "c"]);
    assert_eq!(keys_of(store.due_orders(100, 2).await.unwrap()), ["e", "c"]);
    assert_eq!(store.outbox_depth().await.unwrap(), 5);

    // A retry is due at its time; sent, failed and cancelled ones never are.
    store.mark_retry("c", "away", 200, 100).await.unwrap();
    store.mark_sent("e", 1, "S1", 100).await.unwrap();
    store.mark_failed("d", "no", 100).await.unwrap();
    store.mark_cancelled("a", 100).await.unwrap();
    assert_eq!(keys_of(store.due_orders(199, 10).await.unwrap()), ["b"]);
    assert_eq!(keys_of(store.due_orders(200, 10).await.unwrap()), ["c", "b"]);
    assert_eq!(store.outbox_depth().await.unwrap(), 2);
    // Undelivered: pending and failed, oldest first.
    assert_eq!(
        keys_of(store.undelivered_orders(10).await.unwrap()),
        ["c", "d", "b"]
    );
    assert_eq!(keys_of(store.undelivered_orders(1).await.unwrap()), ["c"]);
    assert!(store.retry_order("d", 300).await.unwrap());
    assert_eq!(store.outbox_depth().await.unwrap(), 3);
    assert_eq!(keys_of(store.due_orders(299, 10).await.unwrap()), ["c", "b"]);
    assert_eq!(
        keys_of(store.due_orders(i64::MAX, 10).await.unwrap()),
        ["c", "d", "b"]
    );
    store.close().await;
}

async fn orders_are_listed_newest_or_oldest_first(target: &Target) {
    let store = target.open().await;
    for (key, partner_id, now) in [
        ("k1", 1, 100),
        ("k2", 2, 110),
        ("k3", 1, 120),
        ("k4", 1, 120),
        ("k5", 1, 90),
    ] {
        created(
            store
                .reserve_order(&new_order(key, partner_id, 1, now), None, 0, &no_keys())
                .await
                .unwrap(),
        );
    }
    store.mark_cancelled("k1", 130).await.unwrap();
    let keys_of = |orders: Vec<OutboxOrder>| orders.into_iter().map(|o| o.key).collect::<Vec<_>>();
    // All states, newest first; within a second, by key (descending).
    assert_eq!(
        keys_of(store.orders_of(1, 10).await.unwrap()),
        ["k4", "k3", "k1", "k5"]
    );
    assert_eq!(keys_of(store.orders_of(1, 2).await.unwrap()), ["k4", "k3"]);
    assert_eq!(keys_of(store.orders_of(2, 10).await.unwrap()), ["k2"]);
    assert_eq!(
        keys_of(store.orders_of(3, 10).await.unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(store.orders_of(1, 0).await.unwrap(), vec![]);
    store.close().await;
}

async fn slot_orders_list_the_places_taken(target: &Target) {
    let store = target.open().await;
    assert_eq!(store.slot_orders(&[]).await.unwrap(), vec![]);
    for (key, slot_id, now) in [
        ("a", 1, 100),
        ("b", 2, 101),
        ("c", 1, 99),
        ("d", 3, 100),
        ("e", 1, 100),
    ] {
        created(
            store
                .reserve_order(&new_order(key, 1, slot_id, now), None, 0, &no_keys())
                .await
                .unwrap(),
        );
    }
    store.mark_cancelled("e", 110).await.unwrap();
    store.mark_failed("b", "no", 110).await.unwrap();
    let pair = |slot: i64, key: &str| (slot, key.to_owned());
    assert_eq!(
        store.slot_orders(&[2, 1, 1, 9]).await.unwrap(),
        vec![pair(1, "c"), pair(1, "a"), pair(2, "b")]
    );
    // Many slots: several queries, one answer.
    let many: Vec<i64> = (0..1_200).collect();
    assert_eq!(
        store.slot_orders(&many).await.unwrap(),
        vec![pair(1, "c"), pair(1, "a"), pair(2, "b"), pair(3, "d")]
    );
    store.close().await;
}

async fn a_corrupt_order_state_is_reported(target: &Target) {
    let store = target.open().await;
    created(
        store
            .reserve_order(&new_order("k", 1, 1, 100), None, 0, &no_keys())
            .await
            .unwrap(),
    );
    sqlx::query("UPDATE orders SET state = 'shipped' WHERE order_key = 'k'")
        .execute(&store.pool)
        .await
        .unwrap();
    match store.order("k").await {
        Err(error @ StoreError::Corrupt(..)) => {
            let message = error.to_string();
            assert!(
                message.starts_with("stored value order state \"shipped\" is not valid"),
                "{message}"
            );
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(matches!(
        store.orders_of(1, 10).await,
        Err(StoreError::Corrupt(..))
    ));
    assert!(matches!(
        store.mark_sent("k", 1, "S1", 110).await,
        Err(StoreError::Corrupt(..))
    ));
    assert!(matches!(
        store
            .reserve_order(&new_order("k", 1, 1, 100), None, 0, &no_keys())
            .await,
        Err(StoreError::Corrupt(..))
    ));
    // Not counted as pending, and not due.
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    assert_eq!(store.due_orders(1_000, 10).await.unwrap(), vec![]);
    store.close().await;
}

/// Shops sharing one PostgreSQL database keep apart, each in its schema:
/// a session, a cart, an order of one are not the other's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shops_in_two_schemas_of_one_database_keep_apart() {
    let Some(base) = std::env::var(POSTGRES_ENV).ok().filter(|url| !url.is_empty()) else {
        skip_unless_ci();
        return;
    };
    let names = [unique("shop_a").to_lowercase(), unique("shop_b").to_lowercase()];
    let a = Store::open_in_schema(&base, Some(&names[0])).await.unwrap();
    let b = Store::open_in_schema(&base, Some(&names[1])).await.unwrap();
    a.create_session(&session("same-hash", 7, i64::MAX))
        .await
        .unwrap();
    a.add_to_cart(7, 42, dec("2"), 100).await.unwrap();
    assert!(a.session("same-hash", 100).await.unwrap().is_some());
    assert_eq!(b.session("same-hash", 100).await.unwrap(), None);
    assert!(b.cart(7).await.unwrap().is_empty());
    assert!(Store::open_in_schema(&base, Some("Bad-Name")).await.is_err());
    a.close().await;
    b.close().await;
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&base)
        .await
        .unwrap();
    for name in names {
        sqlx::query(&format!("DROP SCHEMA {name} CASCADE"))
            .execute(&admin)
            .await
            .unwrap();
    }
    admin.close().await;
}

fn new_share(round_at: i64, product_id: i64, partner_id: i64, quantity: &str) -> shares::NewShare<'static> {
    shares::NewShare {
        round_at,
        product_id,
        partner_id,
        login: "member@example.com",
        quantity: dec(quantity),
        case_size: dec("6"),
        slot_id: 7,
        now: 100 + partner_id,
    }
}

async fn shares_of_a_case_never_exceed_it(target: &Target) {
    use shares::ShareWrite;
    let store = target.open().await;
    let written = |taken: &str| ShareWrite::Written { taken: dec(taken) };
    assert_eq!(
        store.set_share(&new_share(1000, 5, 1, "2")).await.unwrap(),
        written("2")
    );
    assert_eq!(
        store.set_share(&new_share(1000, 5, 2, "3")).await.unwrap(),
        written("5")
    );
    // Another case, another round: apart.
    assert_eq!(
        store.set_share(&new_share(1000, 6, 2, "6")).await.unwrap(),
        written("6")
    );
    assert_eq!(
        store.set_share(&new_share(2000, 5, 3, "6")).await.unwrap(),
        written("6")
    );
    // One left: two is too many, and nothing changes.
    assert_eq!(
        store.set_share(&new_share(1000, 5, 3, "2")).await.unwrap(),
        ShareWrite::Full { available: dec("1") }
    );
    // A customer raising their own share counts without it.
    assert_eq!(
        store.set_share(&new_share(1000, 5, 1, "3")).await.unwrap(),
        written("6")
    );
    assert_eq!(
        store.set_share(&new_share(1000, 5, 1, "4")).await.unwrap(),
        ShareWrite::Full { available: dec("3") }
    );
    // Lowered, then given up.
    assert_eq!(
        store.set_share(&new_share(1000, 5, 1, "0.5")).await.unwrap(),
        written("3.5")
    );
    assert_eq!(
        store.set_share(&new_share(1000, 5, 2, "0")).await.unwrap(),
        written("0.5")
    );
    assert!(store.set_share(&new_share(1000, 5, 2, "-1")).await.is_err());
    let totals = store.case_totals(1000).await.unwrap();
    assert_eq!(totals.get(&5), Some(&dec("0.5")));
    assert_eq!(totals.get(&6), Some(&dec("6")));
    let mine = store.shares_of(2, 0).await.unwrap();
    assert_eq!(
        mine.iter()
            .map(|s| (s.round_at, s.product_id, s.quantity))
            .collect::<Vec<_>>(),
        vec![(1000, 6, dec("6"))]
    );
    assert_eq!(mine[0].state, shares::ShareState::Open);
    store.close().await;
}

async fn concurrent_shares_never_exceed_the_case(target: &Target) {
    use shares::ShareWrite;
    let stores = [target.open().await, target.open().await];
    // Four already taken: twelve customers race for the last two, one or
    // two each, on two instances.
    stores[0].set_share(&new_share(3000, 9, 100, "4")).await.unwrap();
    let tasks: Vec<_> = (0..12)
        .map(|i: i64| {
            let store = stores[(i % 2) as usize].clone();
            tokio::spawn(async move {
                let quantity = if i % 3 == 0 { "2" } else { "1" };
                store.set_share(&new_share(3000, 9, i, quantity)).await.unwrap()
            })
        })
        .collect();
    let mut written = 0;
    for task in tasks {
        match task.await.unwrap() {
            ShareWrite::Written { taken } => {
                assert!(taken <= dec("6"), "{taken} taken of 6");
                written += 1;
            }
            ShareWrite::Full { .. } => {}
            ShareWrite::Closed => panic!("the round is open"),
        }
    }
    assert!(written >= 1);
    let total = stores[1].case_totals(3000).await.unwrap()[&9];
    assert!(total <= dec("6"), "{total} taken of 6");
    let sum: Decimal = stores[1]
        .round_shares(3000)
        .await
        .unwrap()
        .iter()
        .map(|s| s.quantity)
        .sum();
    assert_eq!(sum, total);
    for store in stores {
        store.close().await;
    }
}

async fn rounds_close_and_settle_once(target: &Target) {
    use shares::{ShareState, ShareWrite};
    let store = target.open().await;
    store.set_share(&new_share(4000, 5, 1, "2")).await.unwrap();
    store.set_share(&new_share(4000, 5, 2, "4")).await.unwrap();
    store.set_share(&new_share(4000, 6, 3, "5")).await.unwrap();
    assert!(store.round_is_open(4000).await.unwrap());
    assert!(store.round_is_open(123).await.unwrap(), "never written to");
    // Not due before its cut-off.
    assert!(store.due_rounds(3999).await.unwrap().is_empty());
    let due = store.due_rounds(4000).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].round_at, 4000);
    assert_eq!(due[0].round_key.len(), 43);
    // One settler at a time; the round is closed to shares from then on.
    assert!(store.take_round(4000, 4000, 4060).await.unwrap());
    assert!(!store.take_round(4000, 4001, 4061).await.unwrap());
    assert!(!store.round_is_open(4000).await.unwrap());
    assert_eq!(
        store.set_share(&new_share(4000, 6, 4, "1")).await.unwrap(),
        ShareWrite::Closed
    );
    store
        .decide_case(4000, 5, ShareState::Ordered, None)
        .await
        .unwrap();
    let completion = shares::NewShare {
        partner_id: 99,
        login: "",
        ..new_share(4000, 6, 99, "1")
    };
    store
        .decide_case(4000, 6, ShareState::Ordered, Some(&completion))
        .await
        .unwrap();
    // Deciding again changes nothing.
    store
        .decide_case(4000, 6, ShareState::Dropped, Some(&completion))
        .await
        .unwrap();
    store.set_share_order(4000, 1, "shared-k-1").await.unwrap();
    let shares = store.round_shares(4000).await.unwrap();
    let states: Vec<_> = shares
        .iter()
        .map(|s| {
            (
                s.product_id,
                s.partner_id,
                s.quantity,
                s.state,
                s.order_key.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            (5, 1, dec("2"), ShareState::Ordered, Some("shared-k-1")),
            (5, 2, dec("4"), ShareState::Ordered, None),
            (6, 3, dec("5"), ShareState::Ordered, None),
            (6, 99, dec("1"), ShareState::Ordered, None),
        ]
    );
    store.mark_share_told(4000, 6, 3).await.unwrap();
    assert!(store.shares_of(3, 0).await.unwrap()[0].told);
    // Let go: due again from the retry time only.
    store.end_round(4000, false, 4001, 4100).await.unwrap();
    assert!(!store.take_round(4000, 4050, 4110).await.unwrap());
    assert!(store.take_round(4000, 4100, 4160).await.unwrap());
    store.end_round(4000, true, 4101, 0).await.unwrap();
    assert!(store.due_rounds(10_000).await.unwrap().is_empty());
    assert!(!store.take_round(4000, 10_000, 10_060).await.unwrap());
    // A round closed early is due before its cut-off.
    store.close_round(9000).await.unwrap();
    assert_eq!(
        store.set_share(&new_share(9000, 5, 1, "1")).await.unwrap(),
        ShareWrite::Closed
    );
    assert_eq!(store.due_rounds(5000).await.unwrap()[0].round_at, 9000);
    store.close().await;
}
