//! The shop end to end, over real HTTP against the Odoo double: logging in,
//! browsing, searching, favorites, the cart at the customer's own prices,
//! escaping, CSRF, the JSON API and its OpenAPI document.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::str::FromStr;

use connector::pricing::{price_line, price_order, OrderLine, PriceDate};
use odoo_double::{Dataset, OdooDouble};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::json;
use support::{spawn, spawn_with, Shop, CAMILLE, CLAIRE, PRO};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// The first variant of product (template) `template`.
fn variant_of(shop: &Shop, template: i64) -> i64 {
    shop.resync.mirror().snapshot().templates.records[&template].product_variant_ids[0]
}

/// What the pricing engine says one unit of `variant` costs, taxes
/// included, on `pricelist`.
fn engine_price(shop: &Shop, pricelist: i64, variant: i64, quantity: Decimal) -> Decimal {
    let snapshot = shop.resync.mirror().snapshot();
    let ctx = snapshot.pricing.as_deref().unwrap();
    let now = chrono::Utc::now().naive_utc();
    price_line(
        ctx,
        pricelist.into(),
        variant.into(),
        quantity,
        PriceDate::At(now),
    )
    .unwrap()
    .price_total
}

fn money_en(amount: Decimal) -> String {
    format!("{:.2}\u{a0}€", amount)
}

#[tokio::test]
async fn a_customer_browses_searches_and_fills_a_cart_at_their_prices() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;

    // Home: the categories.
    let home = browser.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("/categories/1"), "{}", home.body);
    assert!(home.body.contains("Claire Martin"));

    // A category page with Claire's (Members, −10 %) price of the baguette.
    let breads = browser.get("/categories/2").await;
    assert_eq!(breads.status, 200, "{}", breads.body);
    assert!(breads.body.contains("Traditional baguette"));
    let baguette = variant_of(&shop, 1);
    let members_price = engine_price(&shop, 2, baguette, Decimal::ONE);
    assert_eq!(members_price, d("1.17"));
    assert!(breads.body.contains(&money_en(members_price)), "{}", breads.body);
    // The parent category lists its subcategories' products too.
    let bakery = browser.get("/categories/1").await;
    assert!(bakery.body.contains("Traditional baguette") && bakery.body.contains("Croissant"));

    // The product page: the price, the unit, a reference price per kg.
    let page = browser.get("/products/1").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&money_en(members_price)));
    // Odoo's "Base Unit Price" is on and the baguette holds 0.25 of the
    // base unit kg: its price per kg, as Odoo's shop shows it.
    let per_kg = format!("{} / kg", money_en(members_price / d("0.25")));
    assert!(page.body.contains(&per_kg), "{per_kg}: {}", page.body);

    // Search, accents and case ignored, in the customer's language.
    let found = browser.get("/search?q=COMTE").await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("Comté 18 months"), "{}", found.body);
    let typeahead = browser.get("/api/v1/products?q=bague&per_page=8").await.json();
    assert_eq!(
        typeahead["products"][0]["name"], "Traditional baguette",
        "{typeahead}"
    );

    // Favorites.
    let marked = browser
        .post_form_csrf(
            "/favorites",
            &[("template_id", "7"), ("favorite", "1"), ("back", "/categories/5")],
        )
        .await;
    assert_eq!(marked.status, 303);
    assert_eq!(marked.location(), Some("/categories/5"));
    let favorites = browser.get("/favorites").await;
    assert!(favorites.body.contains("Comté 18 months"));
    assert!(!favorites.body.contains("Traditional baguette"));

    // The cart: 3 baguettes (by the unit) and 0.75 kg of Comté (by weight).
    let comte = variant_of(&shop, 7);
    let added = browser
        .post_form_csrf(
            "/cart",
            &[("product_id", &baguette.to_string()), ("quantity", "3")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let added = browser
        .post_form_csrf(
            "/cart",
            &[("product_id", &comte.to_string()), ("quantity", "0,75")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let snapshot = shop.resync.mirror().snapshot();
    let expected = price_order(
        snapshot.pricing.as_deref().unwrap(),
        2.into(),
        &[
            OrderLine {
                product_id: baguette.into(),
                quantity: d("3"),
            },
            OrderLine {
                product_id: comte.into(),
                quantity: d("0.75"),
            },
        ],
        PriceDate::At(chrono::Utc::now().naive_utc()),
    )
    .unwrap();
    let cart = browser.get("/cart").await;
    assert_eq!(cart.status, 200);
    assert!(
        cart.body.contains(&money_en(expected.totals.amount_total)),
        "{}",
        cart.body
    );
    assert!(
        cart.body.contains(&money_en(expected.lines[1].price_total)),
        "{}",
        cart.body
    );
    let api = browser.get("/api/v1/cart").await.json();
    assert_eq!(api["totals"]["total"], expected.totals.amount_total.to_string());
    assert_eq!(api["lines"][1]["quantity"], "0.75");
    assert_eq!(
        api["lines"][0]["amount"],
        expected.lines[0].price_total.to_string()
    );

    // Change and remove lines.
    let updated = browser
        .post_form_csrf(
            "/cart/update",
            &[("product_id", &baguette.to_string()), ("quantity", "5")],
        )
        .await;
    assert_eq!(updated.status, 303);
    let api = browser.get("/api/v1/cart").await.json();
    assert_eq!(api["lines"][0]["quantity"], "5");
    let removed = browser
        .post_form_csrf("/cart/remove", &[("product_id", &comte.to_string())])
        .await;
    assert_eq!(removed.status, 303);
    let api = browser.get("/api/v1/cart").await.json();
    assert_eq!(api["lines"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_customer_on_another_pricelist_sees_other_prices() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let members = shop.browser();
    members.log_in(CAMILLE.0, CAMILLE.1).await;
    let pro = shop.browser();
    pro.log_in(PRO.0, PRO.1).await;
    let baguette = variant_of(&shop, 1);
    let member_price = engine_price(&shop, 2, baguette, Decimal::ONE);
    let pro_price = engine_price(&shop, 3, baguette, Decimal::ONE);
    assert_ne!(member_price, pro_price);
    let a = members.get("/api/v1/products/1").await.json();
    let b = pro.get("/api/v1/products/1").await.json();
    assert_eq!(a["price"]["amount"], member_price.to_string());
    assert_eq!(b["price"]["amount"], pro_price.to_string());
    let page = pro.get("/products/1").await;
    assert!(
        page.body.contains(&format!("{}", pro_price).replace('.', ",")),
        "French for pro: {}",
        page.body
    );
}

#[tokio::test]
async fn anonymous_visitors_only_see_the_home_login_and_sign_up() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let browser = shop.browser();
    for path in ["/", "/login", "/signup", "/assets/style.css", "/assets/app.js"] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    for path in [
        "/categories/1",
        "/products/1",
        "/search?q=pain",
        "/favorites",
        "/cart",
        "/images/products/1/small?v=1",
    ] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status, 303, "{path}");
        let location = answer.location().unwrap();
        assert!(location.starts_with("/login?next="), "{path} → {location}");
    }
    for path in [
        "/api/v1/categories",
        "/api/v1/products",
        "/api/v1/cart",
        "/api/v1/favorites",
    ] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status, 401, "{path}");
        assert_eq!(answer.json()["error"]["code"], "login_required");
    }
    // The home page shows no product to visitors.
    let home = browser.get("/").await;
    assert!(!home.body.contains("Traditional baguette"));
    // After logging in, the page asked for first.
    let next = browser.get("/products/1").await;
    let login_path = next.location().unwrap().to_owned();
    let form = browser.get(&login_path).await;
    assert!(
        form.body.contains("/products/1"),
        "the form keeps next: {}",
        form.body
    );
    let answer = browser
        .post_form_csrf(
            "/login",
            &[
                ("login", CLAIRE.0),
                ("password", CLAIRE.1),
                ("next", "/products/1"),
            ],
        )
        .await;
    assert_eq!(answer.location(), Some("/products/1"));
    // next never leads away from the shop.
    let other = shop.browser();
    let answer = other
        .post_form_csrf(
            "/login",
            &[
                ("login", CLAIRE.0),
                ("password", CLAIRE.1),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(answer.location(), Some("/"));
}

#[tokio::test]
async fn a_wrong_password_shows_an_error_opens_no_session_and_is_slowed_down() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let browser = shop.browser();
    let before = {
        browser.get("/login").await;
        browser.cookie("sf_session").unwrap()
    };
    let answer = browser
        .post_form_csrf("/login", &[("login", CLAIRE.0), ("password", "wrong")])
        .await;
    assert_eq!(answer.status, 401);
    assert!(answer.body.contains("role=\"alert\""), "{}", answer.body);
    assert_eq!(browser.cookie("sf_session").unwrap(), before, "no new session");
    assert_eq!(browser.get("/cart").await.status, 303);
    let session = browser.get("/api/v1/session").await.json();
    assert_eq!(session["authenticated"], false);

    // Two more failures, then even the right password must wait.
    for _ in 0..2 {
        let answer = browser
            .post_form_csrf("/login", &[("login", CLAIRE.0), ("password", "wrong")])
            .await;
        assert_eq!(answer.status, 401);
    }
    let calls_before = double
        .calls()
        .iter()
        .filter(|c| c.method == "authenticate")
        .count();
    let answer = browser
        .post_form_csrf("/login", &[("login", CLAIRE.0), ("password", CLAIRE.1)])
        .await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert!(answer.headers.contains_key("retry-after"));
    let calls_after = double
        .calls()
        .iter()
        .filter(|c| c.method == "authenticate")
        .count();
    assert_eq!(calls_before, calls_after, "a throttled login does not reach Odoo");
    // Another account from the same address is not held back.
    shop.browser().log_in(CAMILLE.0, CAMILLE.1).await;
    // And over the API: a JSON error with the same status.
    let api = shop.browser();
    let answer = api
        .json_csrf(
            Method::POST,
            "/api/v1/session",
            Some(json!({"login": CLAIRE.0, "password": CLAIRE.1})),
        )
        .await;
    assert_eq!(answer.status, 429);
    assert_eq!(answer.json()["error"]["code"], "login_throttled");
}

/// Behind a trusted reverse proxy (here, loopback), the shop counts
/// failures by the address the proxy forwards for: 25 wrong passwords from
/// one client lock out that client only, and another client behind the same
/// proxy logs in. An untrusted peer's X-Forwarded-For is not believed.
#[tokio::test]
async fn behind_a_proxy_each_client_is_throttled_alone() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = support::spawn_with(
        &double,
        &support::data_dir(),
        &[("STOREFRONT_TRUSTED_PROXIES", "127.0.0.1/32, ::1")],
    )
    .await;
    let from = |address: &str| {
        let mut browser = shop.browser();
        browser.headers.push(("x-forwarded-for".into(), address.into()));
        browser
    };
    let guesser = from("203.0.113.7");
    let mut statuses = Vec::new();
    for i in 0..25 {
        let answer = guesser
            .post_form_csrf(
                "/login",
                &[
                    ("login", &format!("nobody{i}@example.com")),
                    ("password", "wrong"),
                ],
            )
            .await;
        statuses.push(answer.status);
    }
    assert!(statuses.contains(&429), "the guesser is held back: {statuses:?}");
    let again = guesser
        .post_form_csrf("/login", &[("login", CLAIRE.0), ("password", CLAIRE.1)])
        .await;
    assert_eq!(
        again.status, 429,
        "the guesser's address waits, even with the right password"
    );
    // Another client of the same proxy logs in.
    from("198.51.100.9").log_in(CAMILLE.0, CAMILLE.1).await;
    // Without trusting the proxy, X-Forwarded-For is the client's word.
    let direct = spawn(&double).await;
    let mut liar = direct.browser();
    liar.headers.push(("x-forwarded-for".into(), "192.0.2.1".into()));
    for i in 0..21 {
        liar.post_form_csrf(
            "/login",
            &[("login", &format!("x{i}@example.com")), ("password", "wrong")],
        )
        .await;
    }
    let mut honest = direct.browser();
    honest
        .headers
        .push(("x-forwarded-for".into(), "192.0.2.2".into()));
    let answer = honest
        .post_form_csrf("/login", &[("login", CLAIRE.0), ("password", CLAIRE.1)])
        .await;
    assert_eq!(answer.status, 429, "one peer, one address: {}", answer.body);
}

/// 50 wrong passwords for one account at once cost Odoo at most the
/// allowance: each try is counted before Odoo is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_reach_odoo_at_most_the_allowance() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    double.set_latency(std::time::Duration::from_millis(20));
    let shop = spawn(&double).await;
    let browser = std::sync::Arc::new(shop.browser());
    let token = browser.csrf().await;
    double.clear_calls();
    let tries: Vec<_> = (0..50)
        .map(|_| {
            let (browser, token) = (browser.clone(), token.clone());
            tokio::spawn(async move {
                browser
                    .send(Method::POST, "/api/v1/session", |r| {
                        r.header("x-csrf-token", &token)
                            .json(&json!({"login": CLAIRE.0, "password": "wrong"}))
                    })
                    .await
                    .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tries {
        statuses.push(task.await.unwrap());
    }
    let asked = double
        .calls()
        .iter()
        .filter(|c| c.method == "authenticate")
        .count();
    assert!(asked <= 3, "Odoo was asked {asked} times: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn names_and_descriptions_from_odoo_are_escaped() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    double.with_db(|db| {
        db.set(
            "product.template",
            1,
            "name",
            "<script>alert('name')</script> Baguette",
        )
        .unwrap();
        db.set(
            "product.template",
            1,
            "description_sale",
            "<img src=x onerror=alert(1)> & <b>bold</b>",
        )
        .unwrap();
        db.set("product.public.category", 2, "name", "<i>Breads</i>")
            .unwrap();
    });
    let shop = spawn(&double).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    for path in [
        "/products/1",
        "/categories/2",
        "/search?q=baguette",
        "/categories/1",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains("<script>alert"), "{path}: {}", page.body);
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(!page.body.contains("<i>Breads</i>"), "{path}");
    }
    let page = browser.get("/products/1").await;
    assert!(page.body.contains("&lt;script&gt;alert("), "{}", page.body);
    assert!(
        page.body
            .contains("&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;&#x2F;b&gt;")
            || page
                .body
                .contains("&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;")
    );
    // The search box echoes the query escaped.
    let page = browser.get("/search?q=%3Cscript%3Ealert(2)%3C/script%3E").await;
    assert!(!page.body.contains("<script>alert(2)"));
    // And JSON carries the text as it is (a client escapes it where it shows it).
    let api = browser.get("/api/v1/products/1").await.json();
    assert!(api["name"].as_str().unwrap().starts_with("<script>"));
}

#[tokio::test]
async fn every_state_change_needs_the_csrf_token() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    let baguette = variant_of(&shop, 1).to_string();
    browser
        .post_form_csrf("/cart", &[("product_id", &baguette), ("quantity", "2")])
        .await;
    let cart_before = browser.get("/api/v1/cart").await.json();
    let forms: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/cart", vec![("product_id", &baguette), ("quantity", "1")]),
        ("/cart/update", vec![("product_id", &baguette), ("quantity", "9")]),
        ("/cart/remove", vec![("product_id", &baguette)]),
        ("/favorites", vec![("template_id", "1"), ("favorite", "1")]),
        ("/cases", vec![("product_id", &baguette), ("quantity", "1")]),
        ("/language", vec![("lang", "fr_FR"), ("back", "/")]),
        ("/logout", vec![]),
        ("/login", vec![("login", CAMILLE.0), ("password", CAMILLE.1)]),
        ("/signup", vec![("name", "Eve"), ("email", "eve@example.com")]),
    ];
    let partners_before = double.with_db(|db| db.ids("res.partner").len());
    for (path, fields) in &forms {
        for token in [None, Some("forged-token"), Some("")] {
            let mut all = fields.clone();
            if let Some(t) = token {
                all.push(("csrf_token", t));
            }
            let answer = browser.post_form(path, &all).await;
            assert_eq!(answer.status, 403, "{path} with {token:?}: {}", answer.body);
        }
    }
    // A token of another session does not do either.
    let other = shop.browser();
    let stolen = other.csrf().await;
    let answer = browser
        .post_form(
            "/cart",
            &[
                ("product_id", &baguette),
                ("quantity", "1"),
                ("csrf_token", &stolen),
            ],
        )
        .await;
    assert_eq!(answer.status, 403);

    let api_calls = [
        (
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": 1, "quantity": "1"})),
        ),
        (
            Method::PUT,
            "/api/v1/cart/lines/1",
            Some(json!({"quantity": "7"})),
        ),
        (Method::DELETE, "/api/v1/cart/lines/1", None),
        (Method::PUT, "/api/v1/favorites/2", None),
        (Method::PUT, "/api/v1/cases/1", Some(json!({"quantity": "1"}))),
        (Method::DELETE, "/api/v1/favorites/2", None),
        (Method::DELETE, "/api/v1/session", None),
        (
            Method::POST,
            "/api/v1/session",
            Some(json!({"login": CAMILLE.0, "password": CAMILLE.1})),
        ),
    ];
    for (method, path, body) in api_calls {
        let answer = browser
            .send(method.clone(), path, |r| match &body {
                Some(b) => r.json(b).header("x-csrf-token", "forged"),
                None => r.header("x-csrf-token", "forged"),
            })
            .await;
        assert_eq!(answer.status, 403, "{method} {path}: {}", answer.body);
        assert_eq!(answer.json()["error"]["code"], "csrf_failed");
    }
    // Nothing changed: same cart, still logged in as Claire, no partner created.
    assert_eq!(browser.get("/api/v1/cart").await.json(), cart_before);
    let session = browser.get("/api/v1/session").await.json();
    assert_eq!(session["customer"]["login"], CLAIRE.0);
    assert_eq!(
        browser.get("/api/v1/favorites").await.json()["products"],
        json!([])
    );
    assert_eq!(double.with_db(|db| db.ids("res.partner").len()), partners_before);
}

#[tokio::test]
async fn every_route_of_the_openapi_document_answers() {
    // The demo: it sells a product by the shared case.
    let double = OdooDouble::start(Dataset::demo(chrono::Utc::now()))
        .await
        .unwrap();
    // A pickup slot in two days, so that an order can be placed.
    support::add_slot(&double, "Shop", 48, None);
    let shop = spawn_with(
        &double,
        &support::data_dir(),
        &[("SHOP_SHARED_CASES", "tag:Achat groupé")],
    )
    .await;
    let browser = shop.browser();
    let doc = browser.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 13, "{paths:?}");
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    let baguette = variant_of(&shop, 1);
    let shared = support::eventually(
        "the shared product listed",
        std::time::Duration::from_secs(20),
        std::time::Duration::from_millis(50),
        || async {
            browser.get("/api/v1/products?q=olive").await.json()["products"]
                .as_array()?
                .iter()
                .find_map(|p| p["shared_case"]["variant_id"].as_i64())
        },
    )
    .await;
    let slot = browser.first_open_slot(CLAIRE.0).await["id"].as_i64().unwrap();
    // The order the calls run in: what they need comes first; logging out last.
    let rank = |path: &str, method: &str| -> usize {
        const ORDER: &[(&str, &str)] = &[
            ("/api/v1/session", "get"),
            ("/api/v1/session", "post"),
            ("/api/v1/openapi.json", "get"),
            ("/api/v1/categories", "get"),
            ("/api/v1/products", "get"),
            ("/api/v1/products/{id}", "get"),
            ("/api/v1/favorites/{template_id}", "put"),
            ("/api/v1/favorites", "get"),
            ("/api/v1/favorites/{template_id}", "delete"),
            ("/api/v1/cart/lines", "post"),
            ("/api/v1/cart/lines/{product_id}", "put"),
            ("/api/v1/cart", "get"),
            ("/api/v1/pickup-slots", "get"),
            ("/api/v1/orders", "post"),
            ("/api/v1/orders", "get"),
            ("/api/v1/orders/{reference}", "get"),
            ("/api/v1/orders/{reference}/cancel", "post"),
            ("/api/v1/cart/lines/{product_id}", "delete"),
            ("/api/v1/cases/{product_id}", "put"),
            ("/api/v1/cases", "get"),
            ("/api/v1/session", "delete"),
        ];
        ORDER
            .iter()
            .position(|(p, m)| *p == path && *m == method)
            .unwrap_or_else(|| panic!("add {method} {path} to this test's order"))
    };
    let mut operations: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "post", "put", "delete", "patch"].contains(&m.as_str()))
                .map(move |m| (path.clone(), m.clone()))
        })
        .collect();
    operations.sort_by_key(|(p, m)| rank(p, m));
    let order_key = "openapi-test-order-0001";
    let mut checked = 0;
    for (path, method) in operations {
        let concrete = path
            .replace("{id}", "1")
            .replace("{template_id}", "1")
            .replace(
                "{product_id}",
                &if path.contains("/cases/") {
                    shared
                } else {
                    baguette
                }
                .to_string(),
            )
            .replace("{reference}", order_key);
        let body = match (path.as_str(), method.as_str()) {
            ("/api/v1/session", "post") => Some(json!({"login": CLAIRE.0, "password": CLAIRE.1})),
            ("/api/v1/cart/lines", "post") => Some(json!({"product_id": baguette, "quantity": "10"})),
            ("/api/v1/orders", "post") => Some(json!({"slot_id": slot, "note": "OpenAPI"})),
            (_, "put") if path.contains("/cart/") => Some(json!({"quantity": 12})),
            (_, "put") if path.contains("/cases/") => Some(json!({"quantity": 2})),
            _ => None,
        };
        let method = Method::from_str(&method.to_uppercase()).unwrap();
        let token = browser.csrf().await;
        let answer = browser
            .send(method.clone(), &concrete, |r| {
                let r = r
                    .header("x-csrf-token", token)
                    .header("idempotency-key", order_key);
                match body {
                    Some(b) => r.json(&b),
                    None => r,
                }
            })
            .await;
        assert!(
            (200..300).contains(&answer.status),
            "{method} {concrete} answered {}: {}",
            answer.status,
            answer.body
        );
        checked += 1;
    }
    assert!(checked >= 21, "{checked}");
}

#[tokio::test]
async fn the_cart_survives_a_restart_and_follows_the_customer() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let data = support::data_dir();
    let shop = spawn_with(&double, &data, &[]).await;
    let phone = shop.browser();
    phone.log_in(CLAIRE.0, CLAIRE.1).await;
    let comte = variant_of(&shop, 7);
    let answer = phone
        .json_csrf(
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": comte, "quantity": 0.5})),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let phone_cookie = phone.cookie("sf_session").unwrap();
    shop.stop().await;

    let shop = spawn_with(&double, &data, &[]).await;
    // The same device, after the restart: still logged in, same cart.
    let phone = shop.browser();
    phone.set_cookie("sf_session", &phone_cookie);
    let cart = phone.get("/api/v1/cart").await.json();
    assert_eq!(cart["lines"][0]["quantity"], "0.5", "{cart}");
    // Another device: the same cart once logged in.
    let laptop = shop.browser();
    laptop.log_in(CLAIRE.0, CLAIRE.1).await;
    let cart = laptop.get("/api/v1/cart").await.json();
    assert_eq!(cart["lines"][0]["product_id"], comte);
    // Logging out on one device ends that session only.
    let answer = laptop.post_form_csrf("/logout", &[]).await;
    assert_eq!(answer.status, 303);
    assert_eq!(laptop.get("/cart").await.status, 303);
    assert_eq!(phone.get("/cart").await.status, 200);
}

#[tokio::test]
async fn quantities_are_checked_on_the_server() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    let baguette = variant_of(&shop, 1).to_string();
    let comte = variant_of(&shop, 7).to_string();
    for (product, quantity) in [
        (&baguette, "1.5"),
        (&baguette, "-1"),
        (&baguette, "0"),
        (&baguette, "NaN"),
        (&baguette, "1e9"),
        (&baguette, "99999999999999999999999999999"),
        (&baguette, "<script>"),
        (&comte, "-0.5"),
        (&comte, "0.0001"),
    ] {
        let answer = browser
            .post_form_csrf("/cart", &[("product_id", product), ("quantity", quantity)])
            .await;
        assert_eq!(answer.status, 400, "{product} × {quantity}: {}", answer.body);
        assert!(!answer.body.contains("<script>"), "escaped");
    }
    for bad in [
        json!("1.5"),
        json!(-2),
        json!("abc"),
        json!(null),
        json!(1e300),
        json!("1e3"),
    ] {
        let answer = browser
            .json_csrf(
                Method::POST,
                "/api/v1/cart/lines",
                Some(json!({"product_id": baguette.parse::<i64>().unwrap(), "quantity": bad})),
            )
            .await;
        assert!(
            matches!(answer.status, 400 | 422),
            "{bad}: {} {}",
            answer.status,
            answer.body
        );
        assert!(answer.json()["error"]["message"].as_str().is_some());
    }
    let unknown = browser
        .post_form_csrf("/cart", &[("product_id", "999999"), ("quantity", "1")])
        .await;
    assert_eq!(unknown.status, 404);
    // Nothing was added.
    assert_eq!(browser.get("/api/v1/cart").await.json()["lines"], json!([]));
    // A weighed quantity is rounded to its unit's rounding (g).
    browser
        .post_form_csrf("/cart", &[("product_id", &comte), ("quantity", "0.3337")])
        .await;
    assert_eq!(
        browser.get("/api/v1/cart").await.json()["lines"][0]["quantity"],
        "0.334"
    );
}

#[tokio::test]
async fn the_sign_up_request_reaches_odoo_tagged() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let browser = shop.browser();
    let answer = browser
        .post_form_csrf(
            "/signup",
            &[
                ("name", "Nina <Dupont>"),
                ("email", "nina@example.com"),
                ("phone", "+33 6 00 00 00 00"),
                ("message", "I'd like to <b>order</b> bread."),
            ],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let created = double.with_db(|db| {
        let ids = db
            .search("res.partner", &connector::field("email").eq("nina@example.com"))
            .unwrap();
        db.read("res.partner", &ids, &["name", "category_id", "comment"])
            .unwrap()
    });
    assert_eq!(created.len(), 1);
    let partner = &created[0];
    let tags = format!("{:?}", partner.get("category_id"));
    assert!(tags.contains('1'), "tagged Web shop request: {tags}");
    let comment = format!("{:?}", partner.get("comment"));
    assert!(comment.contains("&lt;b&gt;order&lt;/b&gt;"), "{comment}");
    // Bad input: named errors, nothing created.
    let answer = browser
        .post_form_csrf("/signup", &[("name", ""), ("email", "not-an-email")])
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        double.with_db(|db| db
            .search("res.partner", &connector::field("email").eq("not-an-email"))
            .unwrap()
            .len()),
        0
    );
}

#[tokio::test]
async fn pages_speak_french_and_english() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    // Claire's partner speaks English.
    let page = browser.get("/products/1").await;
    assert!(page.body.contains("lang=\"en\""));
    assert!(page.body.contains("Traditional baguette"));
    let answer = browser
        .post_form_csrf("/language", &[("lang", "fr_FR"), ("back", "/products/1")])
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location(), Some("/products/1"));
    let page = browser.get("/products/1").await;
    assert!(page.body.contains("lang=\"fr\""), "{}", page.body);
    assert!(page.body.contains("Baguette tradition"));
    assert!(page.body.contains("1,17\u{a0}€"));
    let found = browser.get("/search?q=pomme").await;
    assert!(
        found.body.contains("Pommes Gala"),
        "French search: {}",
        found.body
    );
    // An unknown language is refused.
    let answer = browser.post_form_csrf("/language", &[("lang", "xx_XX")]).await;
    assert_eq!(answer.status, 400);
    // A visitor's browser language picks the page's.
    let visitor = shop.browser();
    let page = visitor
        .send(Method::GET, "/login", |r| {
            r.header("accept-language", "fr-FR,fr;q=0.9")
        })
        .await;
    assert!(page.body.contains("lang=\"fr\""));
}

#[tokio::test]
async fn sessions_cookies_are_signed_http_only_and_lax() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn_with(
        &double,
        &support::data_dir(),
        &[("STOREFRONT_PUBLIC_URL", "https://shop.example.com")],
    )
    .await;
    let browser = shop.browser();
    let answer = browser.get("/login").await;
    let cookie = answer.headers.get("set-cookie").unwrap();
    assert!(cookie.starts_with("sf_session="));
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    // A tampered cookie is a new visitor.
    let value = browser.cookie("sf_session").unwrap();
    let (id, mac) = value.split_once('.').unwrap();
    let forged = format!(
        "{}{}.{mac}",
        &id[..id.len() - 1],
        if id.ends_with('A') { "B" } else { "A" }
    );
    browser.set_cookie("sf_session", &forged);
    let answer = browser.get("/login").await;
    assert!(answer
        .headers
        .get("set-cookie")
        .is_some_and(|c| !c.contains(&forged)));
    // Security headers: a page may load the shop's own files; any other
    // answer nothing.
    assert!(answer.headers["content-security-policy"].contains("default-src 'self'"));
    assert_eq!(answer.headers["x-frame-options"], "DENY");
    for path in ["/healthz", "/api/v1/categories", "/assets/style.css"] {
        // (The API answers 401 here: no token.)
        let answer = browser.get(path).await;
        assert_eq!(
            answer.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(answer.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(answer.headers["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn assets_are_embedded_and_a_shop_can_override_them() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let overrides = support::data_dir();
    std::fs::create_dir_all(overrides.join("assets")).unwrap();
    std::fs::create_dir_all(overrides.join("templates")).unwrap();
    std::fs::write(overrides.join("assets/style.css"), "body { color: #123456 }").unwrap();
    std::fs::create_dir_all(overrides.join("templates/messages")).unwrap();
    std::fs::write(
        overrides.join("templates/messages/en.json"),
        r#"{"login_title": "Sign in to Chez Nous"}"#,
    )
    .unwrap();
    let shop = spawn_with(
        &double,
        &support::data_dir(),
        &[("STOREFRONT_OVERRIDE_DIR", overrides.to_str().unwrap())],
    )
    .await;
    let browser = shop.browser();
    let css = browser.get("/assets/style.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.body, "body { color: #123456 }");
    assert!(css.headers["content-type"].starts_with("text/css"));
    // An overridden message replaces its sentence; the others stay.
    let login = browser.get("/login").await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert!(login.body.contains("Sign in to Chez Nous"), "{}", login.body);
    assert!(login.body.contains("Skip to main content"));
    let js = browser.get("/assets/app.js").await;
    assert_eq!(js.status, 200, "embedded");
    for path in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2fsettings.rs",
        "/assets/",
        "/assets/nope.css",
    ] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status, 404, "{path}");
    }
    // A 304 for a cached asset.
    let etag = js.headers["etag"].clone();
    let again = browser
        .send(Method::GET, "/assets/app.js", |r| r.header("if-none-match", etag))
        .await;
    assert_eq!(again.status, 304);
}

#[tokio::test]
async fn the_api_covers_the_shopping_flow() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    let api = shop.browser();
    let session = api.get("/api/v1/session").await.json();
    assert_eq!(session["authenticated"], false);
    let wrong = api
        .json_csrf(
            Method::POST,
            "/api/v1/session",
            Some(json!({"login": CLAIRE.0, "password": "nope"})),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let answer = api
        .json_csrf(
            Method::POST,
            "/api/v1/session",
            Some(json!({"login": CLAIRE.0, "password": CLAIRE.1})),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["customer"]["pricelist_id"], 2);
    let categories = api.get("/api/v1/categories").await.json();
    let names: Vec<&str> = categories["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Bakery") && names.contains(&"Cheese"),
        "{names:?}"
    );
    let page = api
        .get("/api/v1/products?category=1&per_page=2&page=2")
        .await
        .json();
    assert_eq!(page["per_page"], 2);
    assert_eq!(page["page"], 2);
    assert_eq!(page["products"].as_array().unwrap().len(), 2);
    assert!(page["total"].as_u64().unwrap() > 4);
    for bad in [
        "/api/v1/products?per_page=0",
        "/api/v1/products?page=-1",
        "/api/v1/products?category=abc",
    ] {
        let answer = api.get(bad).await;
        assert_eq!(answer.status, 422, "{bad}");
    }
    assert_eq!(api.get("/api/v1/products/424242").await.status, 404);
    assert_eq!(api.get("/api/v1/products/abc").await.status, 404);
    let cheese = api.get("/api/v1/products/7").await.json();
    assert_eq!(cheese["decimal_quantities"], true);
    assert_eq!(cheese["unit"], "kg");
    let comte = variant_of(&shop, 7);
    let cart = api
        .json_csrf(
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": comte, "quantity": "0.25"})),
        )
        .await
        .json();
    assert_eq!(cart["lines"][0]["quantity"], "0.25");
    assert!(
        cart["missing_to_minimum"].is_string(),
        "under the minimum: {cart}"
    );
    let cart = api
        .json_csrf(
            Method::PUT,
            &format!("/api/v1/cart/lines/{comte}"),
            Some(json!({"quantity": 1})),
        )
        .await
        .json();
    assert_eq!(cart["lines"][0]["quantity"], "1");
    assert_eq!(cart["missing_to_minimum"], serde_json::Value::Null, "{cart}");
    let answer = api.json_csrf(Method::PUT, "/api/v1/favorites/7", None).await;
    assert_eq!(answer.status, 204);
    let favorites = api.get("/api/v1/favorites").await.json();
    assert_eq!(favorites["products"][0]["id"], 7);
    let answer = api.json_csrf(Method::PUT, "/api/v1/favorites/424242", None).await;
    assert_eq!(answer.status, 404);
    let cart = api
        .json_csrf(Method::DELETE, &format!("/api/v1/cart/lines/{comte}"), None)
        .await
        .json();
    assert_eq!(cart["lines"], json!([]));
    let answer = api.json_csrf(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(answer.status, 204);
    assert_eq!(api.get("/api/v1/cart").await.status, 401);
    // Wrong content type and oversized bodies: clear 4xx.
    let answer = api
        .send(Method::POST, "/api/v1/session", |r| {
            r.header("content-type", "text/plain").body("login=x")
        })
        .await;
    assert!((400..500).contains(&answer.status), "{}", answer.status);
    let big = "x".repeat(100_000);
    let answer = api
        .send(Method::POST, "/api/v1/session", |r| {
            r.json(&json!({"login": big, "password": "p"}))
        })
        .await;
    assert!((400..500).contains(&answer.status), "{}", answer.status);
}

/// Whether a page shows `amount` (in English or French).
fn shows_price(page: &str, amount: Decimal) -> bool {
    let en = money_en(amount);
    page.contains(&en) || page.contains(&en.replace('.', ","))
}

/// `storefront_shared_pages_total` of an outcome, from `/metrics`.
async fn shared_pages(browser: &support::Browser, outcome: &str) -> u64 {
    let metrics = browser.get("/metrics").await.body;
    let series = format!("storefront_shared_pages_total{{outcome=\"{outcome}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&series))
        .unwrap_or_else(|| panic!("{series} in {metrics}"))
        .parse()
        .unwrap()
}

/// The CSRF tokens of the forms of a page.
fn form_tokens(page: &str) -> Vec<&str> {
    page.split("name=\"csrf_token\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect()
}

/// A page asked for with `Accept-Encoding: gzip`, unzipped; and whether it
/// came gzipped.
async fn get_gzip(shop: &Shop, browser: &support::Browser, path: &str) -> (String, bool) {
    use std::io::Read;
    let answer = reqwest::Client::new()
        .get(format!("{}{path}", shop.base))
        .header(
            "cookie",
            format!("sf_session={}", browser.cookie("sf_session").unwrap()),
        )
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let gzipped = answer
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let vary = answer
        .headers()
        .get("vary")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = answer.bytes().await.unwrap();
    let text = if gzipped {
        assert_eq!(vary.as_deref(), Some("Accept-Encoding"));
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        text
    } else {
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    (text, gzipped)
}

#[tokio::test]
async fn category_pages_are_shared_yet_each_customer_sees_their_own() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn(&double).await;
    // A name that needs escaping.
    let claire_partner = shop.resync.mirror().snapshot().customer(CLAIRE.0).unwrap().1.id;
    double.with_db(|db| {
        db.set("res.partner", claire_partner, "name", "Claire <b>&</b> \"Co\"")
            .unwrap()
    });
    shop.sync().await;
    // Claire on two devices (two sessions, two CSRF tokens), Camille on the
    // same pricelist (Members), the professional on another.
    let phone = shop.browser();
    phone.log_in(CLAIRE.0, CLAIRE.1).await;
    let laptop = shop.browser();
    laptop.log_in(CLAIRE.0, CLAIRE.1).await;
    let camille = shop.browser();
    camille.log_in(CAMILLE.0, CAMILLE.1).await;
    let path = "/categories/2";
    let first = phone.get(path).await;
    let second = laptop.get(path).await;
    assert_eq!((first.status, second.status), (200, 200));
    let (phone_token, laptop_token) = (phone.csrf().await, laptop.csrf().await);
    assert_ne!(phone_token, laptop_token);
    // Each page's forms carry its own session's token, none the other's.
    let tokens = form_tokens(&first.body);
    assert!(tokens.len() > 3, "{}", first.body);
    assert!(tokens.iter().all(|t| *t == phone_token));
    assert!(form_tokens(&second.body).iter().all(|t| *t == laptop_token));
    assert!(!second.body.contains(&phone_token));
    // Otherwise the same page, the name escaped.
    assert_eq!(
        first.body.replace(&phone_token, "T"),
        second.body.replace(&laptop_token, "T")
    );
    assert!(
        second
            .body
            .contains("Claire &lt;b&gt;&amp;&lt;&#x2F;b&gt; &quot;Co&quot;")
            || second
                .body
                .contains("Claire &lt;b&gt;&amp;&lt;/b&gt; &quot;Co&quot;"),
        "{}",
        second.body
    );
    assert!(!second.body.contains("<b>&</b>"));
    // Search results likewise.
    let (a, b) = (
        phone.get("/search?q=baguette").await.body,
        laptop.get("/search?q=baguette").await.body,
    );
    assert!(a.contains("Traditional baguette"), "{a}");
    assert!(form_tokens(&a).iter().all(|t| *t == phone_token));
    assert!(form_tokens(&b).iter().all(|t| *t == laptop_token));
    assert_eq!(a.replace(&phone_token, "T"), b.replace(&laptop_token, "T"));
    // Gzipped for a client that accepts it: the same page.
    let (unzipped, gzipped) = get_gzip(&shop, &laptop, path).await;
    assert!(gzipped);
    assert_eq!(unzipped, second.body);
    // Camille's page: her prices and name, her token.
    let baguette = variant_of(&shop, 1);
    let camille_page = get_gzip(&shop, &camille, path).await.0;
    let camille_token = camille.csrf().await;
    assert!(form_tokens(&camille_page).iter().all(|t| *t == camille_token));
    assert!(!camille_page.contains("Claire"));
    assert!(shows_price(
        &camille_page,
        engine_price(&shop, 2, baguette, Decimal::ONE)
    ));
    let pro = shop.browser();
    pro.log_in(PRO.0, PRO.1).await;
    let pro_page = get_gzip(&shop, &pro, path).await.0;
    assert!(shows_price(
        &pro_page,
        engine_price(&shop, 3, baguette, Decimal::ONE)
    ));
    assert!(!shows_price(
        &pro_page,
        engine_price(&shop, 2, baguette, Decimal::ONE)
    ));

    // A favorite and a cart line change Claire's marks on both devices, not
    // Camille's page.
    let answer = phone
        .post_form_csrf(
            "/favorites",
            &[("template_id", "1"), ("favorite", "1"), ("back", path)],
        )
        .await;
    assert_eq!(answer.status, 303);
    let answer = phone
        .post_form_csrf(
            "/cart",
            &[
                ("product_id", &baguette.to_string()),
                ("quantity", "2"),
                ("back", path),
            ],
        )
        .await;
    assert_eq!(answer.status, 303);
    let with_flash = phone.get(path).await;
    assert!(with_flash.body.contains("flash"), "the message shown once");
    for page in [phone.get(path).await.body, get_gzip(&shop, &laptop, path).await.0] {
        assert!(page.contains("is-favorite"), "{page}");
        assert!(page.contains("class=\"in-cart\""));
        assert!(page.contains("data-cart-count>1<"));
        assert!(!page.contains("class=\"flash"), "shown once only");
    }
    let camille_page = get_gzip(&shop, &camille, path).await.0;
    assert!(!camille_page.contains("is-favorite"));
    assert!(camille_page.contains("data-cart-count>0<"));

    // A new price in Odoo shows on the shared page after the sync.
    double.with_db(|db| db.set("product.template", 1, "list_price", 9.87).unwrap());
    shop.sync().await;
    let page = laptop.get(path).await.body;
    let price = engine_price(&shop, 2, baguette, Decimal::ONE);
    assert!(page.contains(&money_en(price)), "{price}: {page}");
    // The metrics tell how pages were answered.
    for outcome in ["hit", "miss", "private"] {
        assert!(shared_pages(&laptop, outcome).await > 0, "{outcome}");
    }
    // A sync that finds nothing new keeps the pages.
    let misses = shared_pages(&laptop, "miss").await;
    shop.sync().await;
    assert_eq!(laptop.get(path).await.status, 200);
    assert_eq!(shared_pages(&laptop, "miss").await, misses);
    shop.stop().await;
}
