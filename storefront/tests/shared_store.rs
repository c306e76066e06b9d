//! Two storefront instances sharing one PostgreSQL store (as behind a load
//! balancer): a customer's cart and favorites follow them from one to the
//! other, and two checkouts for the last place of a slot, one on each
//! instance, make one order. Needs `STOREFRONT_TEST_POSTGRES_URL` (`.ci/run`
//! starts a server); says SKIPPED without it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Utc;

use odoo_double::{Dataset, OdooDouble};
use support::{spawn_with, CAMILLE, CLAIRE};

/// A fresh schema on the test server, as a store URL.
async fn fresh_store_url() -> Option<String> {
    let base = std::env::var("STOREFRONT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    sqlx::any::install_default_drivers();
    let admin = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&base)
        .await
        .unwrap();
    let schema = format!("e2e_{}_{}", std::process::id(), Utc::now().timestamp_micros());
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&admin)
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{separator}options[search_path]={schema}"))
}

#[tokio::test]
async fn two_instances_share_carts_and_slot_capacity() {
    let Some(url) = fresh_store_url().await else {
        support::skip_unless_ci(
            "shared PostgreSQL store test",
            "STOREFRONT_TEST_POSTGRES_URL unset",
        );
        return;
    };
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let (slot, _) = support::add_slot(&double, "Stall", 48, Some(1));
    // One session key for both, as instances behind one address share it.
    let shared = [
        ("STOREFRONT_DATABASE_URL", url.as_str()),
        (
            "STOREFRONT_SESSION_SECRET",
            "a shared secret of at least thirty-two characters",
        ),
    ];
    let a = spawn_with(&double, &support::data_dir(), &shared).await;
    let b = spawn_with(&double, &support::data_dir(), &shared).await;
    let baguette = a.resync.mirror().snapshot().templates.records[&1].product_variant_ids[0].to_string();

    // Claire fills her cart on A; B sees it, with the same session cookie.
    let on_a = a.browser();
    on_a.log_in(CLAIRE.0, CLAIRE.1).await;
    on_a.post_form_csrf("/cart", &[("product_id", &baguette), ("quantity", "10")])
        .await;
    on_a.post_form_csrf("/favorites", &[("template_id", "7"), ("favorite", "1")])
        .await;
    let on_b = b.browser();
    on_b.set_cookie("sf_session", &on_a.cookie("sf_session").unwrap());
    let cart = on_b.get("/api/v1/cart").await.json();
    assert_eq!(cart["lines"][0]["quantity"], "10", "{cart}");
    assert_eq!(on_b.get("/api/v1/favorites").await.json()["products"][0]["id"], 7);
    // B now remembers that cart; a change on A reaches it (A announces its
    // changes, B listens), within moments.
    let answer = on_a
        .post_form_csrf("/cart/update", &[("product_id", &baguette), ("quantity", "4")])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let cart = on_b.get("/api/v1/cart").await.json();
        if cart["lines"][0]["quantity"] == "4" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "B still shows {cart}");
        tokio::task::yield_now().await;
    }
    on_a.post_form_csrf("/cart/update", &[("product_id", &baguette), ("quantity", "10")])
        .await;

    // Camille on B, Claire on A: one place left, one order.
    let camille = b.browser();
    camille.log_in(CAMILLE.0, CAMILLE.1).await;
    camille
        .post_form_csrf("/cart", &[("product_id", &baguette), ("quantity", "10")])
        .await;
    let (ta, tb) = (on_a.csrf().await, camille.csrf().await);
    let slot = slot.to_string();
    let fa = [
        ("csrf_token", ta.as_str()),
        ("order_key", "shared-claire-000001"),
        ("slot_id", &slot),
    ];
    let fb = [
        ("csrf_token", tb.as_str()),
        ("order_key", "shared-camille-00001"),
        ("slot_id", &slot),
    ];
    let (ra, rb) = tokio::join!(
        on_a.post_form("/checkout", &fa),
        camille.post_form("/checkout", &fb)
    );
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "{} / {}", ra.body, rb.body);
    let orders = double.with_db(|db| {
        db.search(
            "sale.order",
            &connector::field("client_order_ref").like("shared-"),
        )
        .unwrap()
    });
    assert_eq!(orders.len(), 1);
}

/// Places the same order at once on two instances sharing `store` (a
/// PostgreSQL URL, or `None`: one SQLite file), with one `Idempotency-Key`,
/// while both are asked to retry their outbox (see
/// [`support::race_for_one_order`]): `rounds` times, exactly one sale order
/// per key in Odoo.
async fn race_for_one_order(store: Option<String>, rounds: usize) {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    // Each call takes a while: deliveries overlap.
    double.set_latency(std::time::Duration::from_millis(15));
    let (slot, _) = support::add_slot(&double, "Stall", 48, None);
    let data = support::data_dir();
    let mut shared = vec![(
        "STOREFRONT_SESSION_SECRET",
        "a shared secret of at least thirty-two characters",
    )];
    if let Some(url) = store.as_deref() {
        shared.push(("STOREFRONT_DATABASE_URL", url));
    }
    // One data directory: on SQLite, one store file.
    let a = spawn_with(&double, &data, &shared).await;
    let b = spawn_with(&double, &data, &shared).await;
    support::race_for_one_order(
        &a,
        &b,
        CLAIRE,
        slot,
        rounds,
        async |browser: &support::Browser| support::fill_cart(&a, browser).await,
        async |key: &str| {
            double.with_db(|db| {
                db.search("sale.order", &connector::field("client_order_ref").eq(key))
                    .unwrap()
                    .len()
            })
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_order_per_key_on_two_instances_sharing_sqlite() {
    race_for_one_order(None, 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_order_per_key_on_two_instances_sharing_postgresql() {
    let Some(url) = fresh_store_url().await else {
        support::skip_unless_ci(
            "shared PostgreSQL store race",
            "STOREFRONT_TEST_POSTGRES_URL unset",
        );
        return;
    };
    race_for_one_order(Some(url), 200).await;
}
