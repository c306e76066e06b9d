//! Several shops in one process, chosen by host name (`STOREFRONT_SHOPS`),
//! against the Odoo double over HTTP: the demo's bakery (company 1) and
//! grocery (company 2). Each shows and sells its own products only; a
//! session of one is worth nothing at the other; a host no shop answers
//! gets a plain 404; metrics and `/readyz` name the shop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;

use connector::field;
use odoo_double::{Dataset, OdooDouble};
use reqwest::Method;
use serde_json::json;
use support::{Browser, CLAIRE};

/// The grocery's portal customer (company 2).
const LEA: (&str, &str) = ("lea@example.com", "lea-password");

/// The settings of the two shops on `double`.
fn two_shops(double: &OdooDouble) -> HashMap<String, String> {
    let data = support::data_dir();
    [
        ("STOREFRONT_DATA_DIR", data.display().to_string()),
        ("STOREFRONT_BIND", "127.0.0.1:0".to_owned()),
        ("ODOO_URL", double.url()),
        ("ODOO_DB", double.db().to_owned()),
        ("ODOO_USER", double.admin_login().to_owned()),
        ("ODOO_PASSWORD", double.admin_password().to_owned()),
        ("STOREFRONT_RESYNC_SECS", "0".to_owned()),
        ("STOREFRONT_PROBE_SECS", "0".to_owned()),
        ("STOREFRONT_ADMIN_TOKEN", support::ADMIN_TOKEN.to_owned()),
        ("SHOP_LANGUAGES", "en_US,fr_FR".to_owned()),
        ("STOREFRONT_SHOPS", "bakery,grocery".to_owned()),
        ("SHOPS_BAKERY_HOSTS", "bakery.localhost".to_owned()),
        ("SHOPS_GROCERY_HOSTS", "grocery.localhost".to_owned()),
        ("SHOPS_GROCERY_SHOP_COMPANY", "2".to_owned()),
        ("SHOPS_GROCERY_SHOP_NAME", "Épicerie Vrac & Co".to_owned()),
        (
            "SHOPS_GROCERY_SHOP_PICKUP_CATEGORY",
            "Retrait épicerie".to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The product (template) ids a browser's shop lists.
async fn listed(browser: &Browser) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        let found = browser
            .get(&format!("/api/v1/products?per_page=100&page={page}"))
            .await
            .json();
        let products = found["products"].as_array().unwrap().clone();
        if products.is_empty() {
            break;
        }
        ids.extend(products.iter().map(|p| p["id"].as_i64().unwrap()));
        page += 1;
    }
    ids
}

#[tokio::test]
async fn two_shops_in_one_process_keep_their_customers_products_and_orders_apart() {
    let double = OdooDouble::start(Dataset::demo(chrono::Utc::now()))
        .await
        .unwrap();
    // The grocery's own stylesheet (its template and asset overrides).
    let overrides = support::data_dir();
    std::fs::create_dir_all(overrides.join("assets")).unwrap();
    std::fs::write(
        overrides.join("assets/style.css"),
        "/* the grocery's colours */\n",
    )
    .unwrap();
    let mut settings = two_shops(&double);
    settings.insert(
        "SHOPS_GROCERY_STOREFRONT_OVERRIDE_DIR".to_owned(),
        overrides.display().to_string(),
    );
    let shops = support::spawn_shops(settings).await;
    let bakery = Browser::at_host("bakery.localhost", shops.port);
    let grocery = Browser::at_host("grocery.localhost", shops.port);

    // A host no shop answers: a plain 404, no page of any shop.
    let nowhere = Browser::at_host("nowhere.localhost", shops.port).get("/").await;
    assert_eq!(nowhere.status, 404, "{}", nowhere.body);
    assert!(!nowhere.body.contains("<html"), "{}", nowhere.body);
    // Health answers on any host.
    assert_eq!(
        Browser::at_host("nowhere.localhost", shops.port)
            .get("/healthz")
            .await
            .status,
        200
    );

    // Each shop its assets.
    assert!(grocery
        .get("/assets/style.css")
        .await
        .body
        .contains("the grocery's colours"));
    assert!(!bakery
        .get("/assets/style.css")
        .await
        .body
        .contains("the grocery's colours"));

    // Each shop its name.
    assert!(grocery.get("/").await.body.contains("Épicerie Vrac &amp; Co"));
    assert!(!bakery.get("/").await.body.contains("Épicerie Vrac"));

    // Each its customers and products.
    bakery.log_in(CLAIRE.0, CLAIRE.1).await;
    grocery.log_in(LEA.0, LEA.1).await;
    let bakery_products = listed(&bakery).await;
    let grocery_products = listed(&grocery).await;
    assert!(!bakery_products.is_empty() && !grocery_products.is_empty());
    assert!(
        bakery_products.iter().all(|id| !grocery_products.contains(id)),
        "the shops share no product: {bakery_products:?} / {grocery_products:?}"
    );
    // Léa can neither see, price nor order the bakery's products.
    let bread = bakery_products[0];
    assert_eq!(grocery.get(&format!("/products/{bread}")).await.status, 404);
    assert_eq!(
        grocery.get(&format!("/api/v1/products/{bread}")).await.status,
        404
    );
    let bread_variant = bakery.get(&format!("/api/v1/products/{bread}")).await.json()["variant_id"]
        .as_i64()
        .unwrap();
    let refused = grocery
        .json_csrf(
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": bread_variant, "quantity": "1"})),
        )
        .await;
    assert!(refused.status == 404 || refused.status == 422, "{}", refused.body);

    // Claire's session is worth nothing at the grocery.
    let stolen = Browser::at_host("grocery.localhost", shops.port);
    stolen.set_cookie("sf_session", &bakery.cookie("sf_session").unwrap());
    let session = stolen.get("/api/v1/session").await.json();
    assert_eq!(session["authenticated"], json!(false), "{session}");
    assert_eq!(
        stolen.get("/cart").await.status,
        303,
        "a visitor is sent to log in"
    );

    // Léa orders at the grocery: the order is company 2's.
    let own = grocery_products[0];
    let own_variant = grocery.get(&format!("/api/v1/products/{own}")).await.json()["variant_id"]
        .as_i64()
        .unwrap();
    let added = grocery
        .json_csrf(
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": own_variant, "quantity": "20"})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let slot = grocery.first_open_slot(LEA.0).await;
    let key = format!("two-shops-{}", chrono::Utc::now().timestamp_nanos_opt().unwrap());
    let placed = grocery.order_by_api(&key, &json!({"slot_id": slot["id"]})).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let company = double.with_db(|db| {
        let ids = db
            .search("sale.order", &field("client_order_ref").eq(key.as_str()))
            .unwrap();
        let read = db.read("sale.order", &ids, &["company_id"]).unwrap();
        support::ids_of(read[0].get("company_id"))
    });
    assert_eq!(company, vec![2]);
    // The bakery's customer does not see it.
    assert_eq!(bakery.get(&format!("/api/v1/orders/{key}")).await.status, 404);

    // Metrics and readiness name the shop.
    let metrics = bakery.get("/metrics").await.body;
    assert!(
        metrics.contains("storefront_http_requests_total{shop=\"grocery\",route=\"/api/v1/orders\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("storefront_mirror_records{shop=\"bakery\",model=\"products\"}"),
        "{metrics}"
    );
    let ready = grocery.get("/readyz").await.json();
    assert_eq!(ready["shop"], json!("grocery"), "{ready}");
    assert_eq!(ready["company"], json!(2), "{ready}");
    assert_eq!(ready["shops"].as_array().unwrap().len(), 2, "{ready}");
    // The admin resyncs one shop, or all.
    let one = grocery
        .send(Method::POST, "/admin/resync", |r| {
            r.bearer_auth(support::ADMIN_TOKEN)
        })
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert!(one.json()["summary"].is_string(), "{}", one.body);
    let all = grocery
        .send(Method::POST, "/admin/resync?shops=all", |r| {
            r.bearer_auth(support::ADMIN_TOKEN)
        })
        .await
        .json();
    for key in ["bakery", "grocery"] {
        assert!(all["shops"][key]["summary"].is_string(), "{all}");
    }
    shops.stop().await;
}
