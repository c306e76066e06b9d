//! Odoo's webhooks over HTTP, on the double: a notification makes the shop
//! read the record again within the second; a burst of 2,000 is a few
//! reads; hostile calls change nothing and never cause a 5xx.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use connector::xmlrpc::Struct;
use odoo_double::{Dataset, OdooDouble};
use support::{spawn_with, Browser, Shop, CLAIRE};

const SECRET: &str = "test-webhook-secret-0123456789";

async fn shop_with_hooks(double: &OdooDouble) -> Shop {
    spawn_with(
        double,
        &support::data_dir(),
        &[("STOREFRONT_WEBHOOK_SECRET", SECRET)],
    )
    .await
}

fn hook() -> String {
    format!("/hooks/odoo/{SECRET}")
}

async fn notify(browser: &Browser, model: &str, id: i64) -> u16 {
    // As Odoo 17-19 send it (`_run_action_webhook`).
    let body = serde_json::json!({
        "_action": "Storefront: product changed(#12)",
        "_id": id,
        "_model": model,
    })
    .to_string();
    browser
        .send(reqwest::Method::POST, &hook(), |r| {
            r.header("content-type", "application/json").body(body)
        })
        .await
        .status
}

/// The product's price as the API shows it, or `None` when it is not sold.
async fn api_price(browser: &Browser, id: i64) -> Option<String> {
    let answer = browser.get(&format!("/api/v1/products/{id}")).await;
    (answer.status == 200).then(|| answer.json()["price"]["text"].as_str().unwrap().to_owned())
}

/// Waits (at most 5 s) until `check` holds; how long it took.
async fn within<F: std::future::Future<Output = bool>>(check: impl FnMut() -> F) -> Duration {
    support::until(Instant::now(), Duration::from_secs(5), check).await
}

fn first_product(shop: &Shop) -> i64 {
    *shop
        .resync
        .mirror()
        .snapshot()
        .templates
        .records
        .keys()
        .next()
        .unwrap()
}

#[tokio::test]
async fn without_webhooks_a_probe_shows_a_change_within_its_period() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn_with(&double, &support::data_dir(), &[("STOREFRONT_PROBE_SECS", "1")]).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    let id = first_product(&shop);
    let before = api_price(&browser, id).await.unwrap();
    let attempts = shop.resync.status().attempts;
    double.with_db(|db| db.set("product.template", id, "list_price", 123.0).unwrap());
    let took = within(|| async { api_price(&browser, id).await.is_some_and(|p| p != before) }).await;
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(shop.resync.status().attempts > attempts, "a probe ran");
}

#[tokio::test]
async fn without_a_secret_there_is_no_endpoint() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = support::spawn(&double).await;
    let browser = shop.browser();
    assert_eq!(notify(&browser, "product.template", 1).await, 404);
    let hook = browser
        .send(reqwest::Method::POST, "/hooks/odoo/anything", |r| r.body("{}"))
        .await;
    assert_eq!(hook.status, 404);
    assert_eq!(hook.body, "Not found");
    assert!(
        !hook.headers.contains_key("set-cookie"),
        "no session for Odoo's calls"
    );
}

#[tokio::test]
async fn a_price_change_and_an_unpublished_product_show_within_the_second() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = shop_with_hooks(&double).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    let id = first_product(&shop);
    let before = api_price(&browser, id).await.unwrap();
    let list_price = shop.resync.mirror().snapshot().templates.records[&id].list_price;
    double.with_db(|db| {
        let doubled: f64 = (list_price * rust_decimal::Decimal::TWO).try_into().unwrap();
        db.set("product.template", id, "list_price", doubled + 1.0)
            .unwrap();
    });
    assert_eq!(notify(&browser, "product.template", id).await, 202);
    let took = within(|| async { api_price(&browser, id).await.is_some_and(|p| p != before) }).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    let after = api_price(&browser, id).await.unwrap();
    let page = browser.get(&format!("/products/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&after), "the page shows {after}");

    double.with_db(|db| db.set("product.template", id, "is_published", false).unwrap());
    assert_eq!(notify(&browser, "product.template", id).await, 202);
    let took = within(|| async { browser.get(&format!("/products/{id}")).await.status == 404 }).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(api_price(&browser, id).await, None);

    let metrics = browser.get("/metrics").await.body;
    assert!(
        metrics.contains("storefront_webhook_notifications_total{outcome=\"accepted\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("storefront_webhook_refreshes_total{kind=\"targeted\",outcome=\"ok\"} 2"));
    assert!(metrics.contains("storefront_webhook_delay_seconds_count 2"));
    assert!(metrics.contains("storefront_syncs_total{kind=\"targeted\",outcome=\"ok\"} 2"));
}

#[tokio::test]
async fn two_thousand_products_written_at_once_are_a_few_reads_and_pages_keep_serving() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = shop_with_hooks(&double).await;
    let ids: Vec<i64> = double.with_db(|db| {
        (0..2_000)
            .map(|n| {
                let values = Struct::new()
                    .with("name", format!("Import {n:04}"))
                    .with("list_price", 2.5)
                    .with("sale_ok", true)
                    .with("is_published", true);
                db.create("product.template", values).unwrap()
            })
            .collect()
    });
    let products_before = shop.resync.mirror().snapshot().product_count();
    let attempts_before = shop.resync.status().attempts;
    double.clear_calls();

    // Pages are asked for all along.
    let reader = shop.browser();
    reader.log_in(CLAIRE.0, CLAIRE.1).await;
    let category = *shop
        .resync
        .mirror()
        .snapshot()
        .public_categories
        .records
        .keys()
        .next()
        .unwrap();
    let reading = tokio::spawn(async move {
        let mut statuses = Vec::new();
        let mut slowest = Duration::ZERO;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3) {
            let asked = Instant::now();
            statuses.push(reader.get(&format!("/categories/{category}")).await.status);
            slowest = slowest.max(asked.elapsed());
        }
        (statuses, slowest)
    });
    // One notification after the other, as Odoo sends them.
    let browser = shop.browser();
    let started = Instant::now();
    for id in &ids {
        assert_eq!(notify(&browser, "product.template", *id).await, 202);
    }
    let sending = started.elapsed();
    within(|| async { shop.resync.mirror().snapshot().product_count() == products_before + 2_000 }).await;
    let (statuses, slowest) = reading.await.unwrap();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses.len() > 10, "pages kept serving: {}", statuses.len());

    let refreshes = shop.resync.status().attempts - attempts_before;
    let calls = double.calls().len();
    eprintln!(
        "2,000 notifications sent in {sending:?}: {refreshes} refreshes, {calls} calls to Odoo; \
         {} pages meanwhile, the slowest in {slowest:?}",
        statuses.len()
    );
    assert!(refreshes <= 5, "{refreshes} refreshes");
    assert!(calls <= 20, "{calls} calls");
}

#[tokio::test]
async fn hostile_calls_change_nothing_and_never_cause_a_5xx() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = shop_with_hooks(&double).await;
    let browser = shop.browser();
    let id = first_product(&shop);
    let revision = shop.resync.mirror().snapshot().revision;
    let attempts = shop.resync.status().attempts;
    double.with_db(|db| db.set("product.template", id, "list_price", 99.0).unwrap());

    let post = |path: String, body: Vec<u8>| {
        let browser = &browser;
        async move {
            browser
                .send(reqwest::Method::POST, &path, |r| {
                    r.header("content-type", "application/json").body(body)
                })
                .await
        }
    };
    let good = br#"{"_model": "product.template", "_id": 1}"#.to_vec();
    let wrong = format!("/hooks/odoo/{}", SECRET.replace('0', "1"));
    assert_eq!(post(wrong.clone(), good.clone()).await.status, 404);
    assert_eq!(
        post(format!("/hooks/odoo/{}", &SECRET[..10]), good.clone())
            .await
            .status,
        404
    );
    assert_eq!(post("/hooks/odoo/".into(), good.clone()).await.status, 404);
    let get = browser.get(&hook()).await;
    assert!(get.status == 404 || get.status == 405, "{}", get.status);
    for garbage in [
        &b"not json"[..],
        b"",
        b"{}",
        br#"{"_model": "product.template"}"#,
        br#"{"_model": "product.template", "_id": "1; drop table"}"#,
        br#"{"_model": 7, "_id": 1}"#,
        b"[1, 2]",
    ] {
        let answer = post(hook(), garbage.to_vec()).await;
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(garbage));
        assert!(answer.json()["error"].is_string());
    }
    let huge = post(hook(), vec![b' '; 1024 * 1024]).await;
    assert_eq!(huge.status, 413);
    let ignored = post(hook(), br#"{"_model": "ir.config_parameter", "_id": 3}"#.to_vec()).await;
    assert_eq!(ignored.status, 200);
    assert_eq!(
        post(hook(), br#"{"_model": "product.template", "_id": -5}"#.to_vec())
            .await
            .status,
        200
    );

    // 10,000 calls with the wrong secret, 32 at a time.
    let started = Instant::now();
    let statuses: Vec<u16> = futures_util::stream::iter(0..10_000)
        .map(|_| post(wrong.clone(), good.clone()))
        .buffer_unordered(32)
        .map(|answer| answer.status)
        .collect()
        .await;
    let flood = started.elapsed();
    assert!(
        statuses.iter().all(|s| *s == 404),
        "{:?}",
        statuses.iter().find(|s| **s != 404)
    );
    eprintln!("10,000 calls with a wrong secret answered in {flood:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        shop.resync.status().attempts,
        attempts,
        "nothing was read from Odoo"
    );
    assert_eq!(shop.resync.mirror().snapshot().revision, revision);

    // Logs and metrics never hold the secret.
    let metrics = browser.get("/metrics").await.body;
    assert!(!metrics.contains(SECRET));
    assert!(metrics.contains("storefront_webhook_notifications_total{outcome=\"refused\"} 10002"));
}

#[tokio::test]
async fn a_flood_with_the_secret_is_limited_and_ends_in_one_sync_of_everything() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = shop_with_hooks(&double).await;
    let browser = shop.browser();
    let id = first_product(&shop);
    double.with_db(|db| db.set("product.template", id, "list_price", 42.0).unwrap());
    let started = Instant::now();
    let statuses: Vec<u16> = futures_util::stream::iter(0..10_000)
        .map(|n| {
            let browser = &browser;
            async move { notify(browser, "product.product", 1 + n % 50).await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    eprintln!(
        "10,000 notifications with the secret answered in {:?}",
        started.elapsed()
    );
    assert!(statuses.iter().all(|s| *s == 202 || *s == 429), "no other status");
    // Whatever was dropped, the change is read: by a sync of everything
    // when the rate was passed, else by the targeted refresh.
    within(|| async {
        shop.resync.mirror().snapshot().templates.records[&id].list_price == rust_decimal::Decimal::from(42)
    })
    .await;
}

use futures_util::StreamExt as _;
