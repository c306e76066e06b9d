//! Checkout end to end against the Odoo double, over XML-RPC and over
//! JSON-2: the draft sale order it creates, idempotency, the minimum order,
//! full and closed slots, the race for the last place, other customers'
//! orders, Odoo down, history, cancel and re-order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use connector::field;
use connector::xmlrpc::{Struct, Value};
use odoo_double::{Dataset, OdooDouble};
use reqwest::Method;
use serde_json::json;
use support::{add_slot, fill_cart, spawn_with, Shop, CAMILLE, CLAIRE};

const SHOP_NAME: &str = "Test Bakery";

/// The double and a shop on it over `transport`.
async fn start(transport: connector::Transport) -> (OdooDouble, Vec<(&'static str, String)>) {
    let dataset = match transport {
        connector::Transport::Json2 => Dataset::shop().with_series("19.0"),
        _ => Dataset::shop(),
    };
    let double = OdooDouble::start(dataset).await.unwrap();
    let mut settings = vec![
        ("SHOP_NAME", SHOP_NAME.to_owned()),
        ("SHOP_TIMEZONE", "Europe/Paris".to_owned()),
    ];
    if transport == connector::Transport::Json2 {
        settings.push(("ODOO_TRANSPORT", "json2".to_owned()));
        settings.push(("ODOO_API_KEY", double.admin_api_key().unwrap().to_owned()));
    }
    (double, settings)
}

async fn shop(double: &OdooDouble, settings: &[(&'static str, String)]) -> Shop {
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_with(double, &support::data_dir(), &pairs).await
}

/// The value of hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name} in {page}"));
    let start = page[..at].rfind('<').unwrap();
    let end = at + page[at..].find('>').unwrap();
    let tag = &page[start..end];
    let value = tag.split("value=\"").nth(1).unwrap();
    value[..value.find('"').unwrap()].to_owned()
}

/// The sale orders the double holds with `key` as their reference.
fn orders_with_key(double: &OdooDouble, key: &str) -> Vec<Struct> {
    double.with_db(|db| {
        let ids = db
            .search("sale.order", &field("client_order_ref").eq(key))
            .unwrap();
        db.read(
            "sale.order",
            &ids,
            &[
                "name",
                "state",
                "partner_id",
                "pricelist_id",
                "commitment_date",
                "tag_ids",
                "note",
                "origin",
                "amount_total",
                "order_line",
            ],
        )
        .unwrap()
    })
}

fn many2one_id(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::Array(pair)) => match pair.first() {
            Some(Value::Int(id)) => *id,
            other => panic!("{other:?}"),
        },
        Some(Value::Int(id)) => *id,
        other => panic!("not a many2one: {other:?}"),
    }
}

async fn checkout_creates_one_draft_order_with_the_expected_fields(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, start) = add_slot(&double, "Marché couvert", 72, Some(10));
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &browser).await;
    let page = browser.get("/checkout").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Marché couvert"), "{}", page.body);
    let key = hidden(&page.body, "order_key");
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[
                ("order_key", &key),
                ("slot_id", &slot.to_string()),
                ("note", "No <b>nuts</b>, please"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location(), Some(format!("/orders/{key}").as_str()));

    let orders = orders_with_key(&double, &key);
    assert_eq!(orders.len(), 1, "exactly one order");
    let order = &orders[0];
    assert_eq!(order.get("state"), Some(&Value::from("draft")));
    assert_eq!(many2one_id(order.get("partner_id")), 3);
    assert_eq!(many2one_id(order.get("pricelist_id")), 2);
    assert_eq!(order.get("origin"), Some(&Value::from(SHOP_NAME)));
    let commitment = format!("{:?}", order.get("commitment_date"));
    assert!(
        commitment.contains(&start.format("%Y-%m-%d %H:%M:%S").to_string()),
        "{commitment}"
    );
    let note = format!("{:?}", order.get("note"));
    assert!(
        note.contains("Marché couvert") && note.contains("&lt;b&gt;nuts&lt;/b&gt;"),
        "{note}"
    );
    let tag_ids = match order.get("tag_ids") {
        Some(Value::Array(ids)) => ids.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(tag_ids.len(), 1);
    let tag_name = double.with_db(|db| {
        let id = match &tag_ids[0] {
            Value::Int(id) => *id,
            other => panic!("{other:?}"),
        };
        format!(
            "{:?}",
            db.read("crm.tag", &[id], &["name"]).unwrap()[0].get("name")
        )
    });
    assert!(tag_name.contains("Marché couvert"), "{tag_name}");

    // The confirmation page: Odoo's name, the slot, Odoo's total.
    let name = match order.get("name") {
        Some(Value::String(n)) => n.clone(),
        other => panic!("{other:?}"),
    };
    let total: rust_decimal::Decimal = match order.get("amount_total") {
        Some(Value::Double(t)) => rust_decimal::Decimal::try_from(*t).unwrap().round_dp(2),
        Some(Value::Int(t)) => (*t).into(),
        other => panic!("{other:?}"),
    };
    let confirmation = browser.get(&format!("/orders/{key}")).await;
    assert_eq!(confirmation.status, 200, "{}", confirmation.body);
    assert!(confirmation.body.contains(&name), "{}", confirmation.body);
    assert!(confirmation.body.contains("Marché couvert"));
    assert!(
        confirmation.body.contains(&format!("{total:.2}\u{a0}€")),
        "{total}: {}",
        confirmation.body
    );
    // The cart was emptied; the same order over the API shows Odoo's figures.
    assert_eq!(browser.get("/api/v1/cart").await.json()["lines"], json!([]));
    let api = browser.get(&format!("/api/v1/orders/{key}")).await.json();
    assert_eq!(api["name"], name.as_str());
    assert_eq!(api["state"], "draft");
    assert_eq!(api["totals"]["total"], format!("{total:.2}"));
}

async fn the_same_checkout_twice_creates_one_order(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, None);
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &browser).await;
    let key = hidden(&browser.get("/checkout").await.body, "order_key");
    let token = browser.csrf().await;
    let fields = [
        ("csrf_token", token.as_str()),
        ("order_key", key.as_str()),
        ("slot_id", &slot.to_string()),
        ("note", ""),
    ];
    // A double click: two posts at once, then a third later.
    let (a, b) = tokio::join!(
        browser.post_form("/checkout", &fields),
        browser.post_form("/checkout", &fields)
    );
    let c = browser.post_form("/checkout", &fields).await;
    for answer in [&a, &b, &c] {
        assert_eq!(answer.status, 303, "{}", answer.body);
        assert_eq!(answer.location(), Some(format!("/orders/{key}").as_str()));
    }
    assert_eq!(orders_with_key(&double, &key).len(), 1);

    // The API: the same Idempotency-Key twice.
    fill_cart(&shop, &browser).await;
    let api_key = "api-order-0000000001";
    let body = json!({"slot_id": slot});
    let place = || browser.order_by_api(api_key, &body);
    let first = place().await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = place().await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(first.json()["reference"], second.json()["reference"]);
    assert_eq!(orders_with_key(&double, api_key).len(), 1);
    // Without a key: refused.
    let token = browser.csrf().await;
    let answer = browser
        .send(Method::POST, "/api/v1/orders", |r| {
            r.header("x-csrf-token", token).json(&json!({"slot_id": slot}))
        })
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
}

/// Odoo creates the order but its answer is lost (a timeout after the
/// work was done): the retry finds the order by its key and creates none.
async fn a_lost_answer_does_not_duplicate_the_order(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, None);
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &browser).await;
    let key = "lost-answer-order-0001";
    double.lose_answer_on(Some("sale.order"), "create", 1);
    let answer = browser
        .post_form_csrf("/checkout", &[("order_key", key), ("slot_id", &slot.to_string())])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(orders_with_key(&double, key).len(), 1, "Odoo did create it");
    let page = browser.get(&format!("/orders/{key}")).await;
    assert!(page.body.contains("will be confirmed"), "{}", page.body);
    // The customer clicks again (same form, same key), and the outbox retries.
    let again = browser
        .post_form_csrf("/checkout", &[("order_key", key), ("slot_id", &slot.to_string())])
        .await;
    assert_eq!(again.location(), Some(format!("/orders/{key}").as_str()));
    let retried = shop
        .browser()
        .send(Method::POST, "/admin/outbox/retry", |r| {
            r.bearer_auth(support::ADMIN_TOKEN)
        })
        .await;
    assert_eq!(retried.json()["delivered"], 1, "{}", retried.body);
    assert_eq!(orders_with_key(&double, key).len(), 1, "still one order");
    let creates = double
        .calls()
        .iter()
        .filter(|c| c.model.as_deref() == Some("sale.order") && c.model_method.as_deref() == Some("create"))
        .count();
    assert_eq!(creates, 1, "the retry looked the key up instead of creating");
    let page = browser.get(&format!("/orders/{key}")).await;
    assert!(!page.body.contains("will be confirmed"), "{}", page.body);
}

async fn a_cart_under_the_minimum_is_refused(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, None);
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    let baguette = shop.resync.mirror().snapshot().templates.records[&1].product_variant_ids[0];
    browser
        .post_form_csrf(
            "/cart",
            &[("product_id", &baguette.to_string()), ("quantity", "2")],
        )
        .await;
    let cart = browser.get("/cart").await;
    // 2 × 1.17 = 2.34: 7.66 missing to 10.00.
    assert!(cart.body.contains("7.66\u{a0}€"), "{}", cart.body);
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[
                ("order_key", "minimum-test-00000001"),
                ("slot_id", &slot.to_string()),
            ],
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(
        answer.body.contains("7.66\u{a0}€") && answer.body.contains("10.00\u{a0}€"),
        "{}",
        answer.body
    );
    assert!(orders_with_key(&double, "minimum-test-00000001").is_empty());
}

async fn full_and_closed_slots_are_refused(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (full, _) = add_slot(&double, "Full place", 48, Some(0));
    let (soon, _) = add_slot(&double, "Too soon", 2, Some(10));
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &browser).await;
    let slots = browser.get("/api/v1/pickup-slots").await.json();
    let find = |id: i64| {
        slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {slots}"))
    };
    assert_eq!(find(full)["full"], true);
    assert_eq!(find(soon)["closed"], true);
    for (slot, key) in [(full, "full-slot-test-000001"), (soon, "closed-slot-test-0001")] {
        let answer = browser
            .post_form_csrf("/checkout", &[("order_key", key), ("slot_id", &slot.to_string())])
            .await;
        assert_eq!(answer.status, 409, "{}", answer.body);
        assert!(orders_with_key(&double, key).is_empty());
    }
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[("order_key", "unknown-slot-test-001"), ("slot_id", "999999")],
        )
        .await;
    assert_eq!(answer.status, 422);
    // The cart is still there.
    assert_eq!(
        browser.get("/api/v1/cart").await.json()["lines"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

async fn of_two_checkouts_for_the_last_place_one_wins(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Tiny stall", 48, Some(1));
    let shop = shop(&double, &settings).await;
    let claire = shop.browser();
    claire.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &claire).await;
    let camille = shop.browser();
    camille.log_in(CAMILLE.0, CAMILLE.1).await;
    fill_cart(&shop, &camille).await;
    let (ta, tb) = (claire.csrf().await, camille.csrf().await);
    let slot = slot.to_string();
    let fa = [
        ("csrf_token", ta.as_str()),
        ("order_key", "race-claire-00000001"),
        ("slot_id", &slot),
    ];
    let fb = [
        ("csrf_token", tb.as_str()),
        ("order_key", "race-camille-0000001"),
        ("slot_id", &slot),
    ];
    let (a, b) = tokio::join!(
        claire.post_form("/checkout", &fa),
        camille.post_form("/checkout", &fb)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "{} / {}", a.body, b.body);
    let loser = if a.status == 409 { &a } else { &b };
    // In the loser's language (Camille reads French).
    assert!(
        loser.body.contains("slot is full") || loser.body.contains("créneau est complet"),
        "told the slot is full: {}",
        loser.body
    );
    let placed = orders_with_key(&double, "race-claire-00000001").len()
        + orders_with_key(&double, "race-camille-0000001").len();
    assert_eq!(placed, 1);
}

async fn another_customers_order_is_not_found(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, None);
    let shop = shop(&double, &settings).await;
    let claire = shop.browser();
    claire.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &claire).await;
    let key = "claire-private-order-1";
    let answer = claire
        .post_form_csrf("/checkout", &[("order_key", key), ("slot_id", &slot.to_string())])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let odoo_id = double.with_db(|db| {
        db.search("sale.order", &field("client_order_ref").eq(key))
            .unwrap()[0]
    });
    let camille = shop.browser();
    camille.log_in(CAMILLE.0, CAMILLE.1).await;
    for path in [
        format!("/orders/{key}"),
        format!("/orders/so-{odoo_id}"),
        "/orders/nonsense".to_owned(),
    ] {
        assert_eq!(camille.get(&path).await.status, 404, "{path}");
        assert_eq!(
            camille.get(&format!("/api/v1{path}")).await.status,
            404,
            "api {path}"
        );
        let answer = camille.post_form_csrf(&format!("{path}/cancel"), &[]).await;
        assert_eq!(answer.status, 404, "cancel {path}");
        let answer = camille
            .json_csrf(Method::POST, &format!("/api/v1{path}/cancel"), None)
            .await;
        assert_eq!(answer.status, 404, "api cancel {path}");
    }
    // Nor can she reuse Claire's key.
    fill_cart(&shop, &camille).await;
    let answer = camille
        .post_form_csrf("/checkout", &[("order_key", key), ("slot_id", &slot.to_string())])
        .await;
    assert_eq!(answer.status, 409);
    // Claire's order is untouched and listed for her only.
    assert_eq!(
        orders_with_key(&double, key)[0].get("state"),
        Some(&Value::from("draft"))
    );
    let mine = claire.get("/orders").await;
    assert!(mine.body.contains(key));
    assert!(!camille.get("/orders").await.body.contains(key));
}

/// A quotation the staff made for a customer (no key of the shop, no slot)
/// is shown to them but read-only: cancelling it is refused and it stays a
/// quotation. The shop's own order, reached by its Odoo id, can be
/// cancelled.
async fn a_quotation_the_staff_made_is_read_only(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, Some(5));
    let shop = shop(&double, &settings).await;
    let claire = shop.browser();
    claire.log_in(CLAIRE.0, CLAIRE.1).await;
    let partner = double.with_db(|db| {
        let user = db.uid_of(CLAIRE.0).unwrap();
        db.read("res.users", &[user], &["partner_id"]).unwrap()[0]
            .get("partner_id")
            .cloned()
    });
    let partner = many2one_id(partner.as_ref());
    let staff_made = double.with_db(|db| {
        db.create(
            "sale.order",
            Struct::new()
                .with("partner_id", partner)
                .with("client_order_ref", "PO-2026-STAFF-0001"),
        )
        .unwrap()
    });
    let path = format!("/orders/so-{staff_made}");
    let page = claire.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains(&format!("{path}/cancel")), "{}", page.body);
    let answer = claire.post_form_csrf(&format!("{path}/cancel"), &[]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let answer = claire
        .json_csrf(Method::POST, &format!("/api/v1{path}/cancel"), None)
        .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    let state = double.with_db(|db| {
        db.read("sale.order", &[staff_made], &["state"]).unwrap()[0]
            .get("state")
            .cloned()
    });
    assert_eq!(state, Some(Value::from("draft")));

    // The shop's own order, by its Odoo id: cancelled.
    fill_cart(&shop, &claire).await;
    let key = "claire-own-order-by-id-1";
    let answer = claire
        .post_form_csrf("/checkout", &[("order_key", key), ("slot_id", &slot.to_string())])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let odoo_id = double.with_db(|db| {
        db.search("sale.order", &field("client_order_ref").eq(key))
            .unwrap()[0]
    });
    let answer = claire
        .json_csrf(Method::POST, &format!("/api/v1/orders/so-{odoo_id}/cancel"), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        orders_with_key(&double, key)[0].get("state"),
        Some(&Value::from("cancel"))
    );
}

async fn with_odoo_down_the_order_is_received_and_reaches_odoo_once(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, Some(5));
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &browser).await;
    let key = hidden(&browser.get("/checkout").await.body, "order_key");
    double.stop().await;
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[("order_key", &key), ("slot_id", &slot.to_string())],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let page = browser.get(&format!("/orders/{key}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("will be confirmed"), "{}", page.body);
    let admin = shop.browser();
    let pending = admin
        .send(Method::GET, "/admin/outbox", |r| {
            r.bearer_auth(support::ADMIN_TOKEN)
        })
        .await
        .json();
    assert_eq!(pending["orders"][0]["key"], key.as_str());
    assert_eq!(pending["orders"][0]["state"], "pending");
    double.resume().await.unwrap();
    let retried = admin
        .send(Method::POST, "/admin/outbox/retry", |r| {
            r.bearer_auth(support::ADMIN_TOKEN)
        })
        .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.json()["delivered"], 1);
    assert_eq!(orders_with_key(&double, &key).len(), 1);
    // Again: nothing more.
    let retried = admin
        .send(Method::POST, "/admin/outbox/retry", |r| {
            r.bearer_auth(support::ADMIN_TOKEN)
        })
        .await;
    assert_eq!(retried.json()["delivered"], 0);
    assert_eq!(orders_with_key(&double, &key).len(), 1);
    let page = browser.get(&format!("/orders/{key}")).await;
    assert!(!page.body.contains("will be confirmed"), "{}", page.body);
    // The admin endpoints want the token.
    for (method, path) in [
        (Method::GET, "/admin/outbox"),
        (Method::POST, "/admin/outbox/retry"),
    ] {
        assert_eq!(admin.send(method.clone(), path, |r| r).await.status, 401);
        assert_eq!(
            admin
                .send(method, path, |r| r.bearer_auth("wrong-token-wrong-token"))
                .await
                .status,
            401
        );
    }
}

/// Odoo refuses the quotation (here the error a multi-company database
/// gives when a product belongs to another company): the customer's order
/// page and the API say it was not accepted and that the shop will get in
/// touch; the staff see it in /admin/outbox with Odoo's reason, and in a
/// metric.
async fn an_order_odoo_refuses_is_never_silent(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, Some(5));
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &browser).await;
    let key = hidden(&browser.get("/checkout").await.body, "order_key");
    let reason = "Your quotation contains products from company Épicerie B whereas your quotation belongs to company Boulangerie A.";
    double.fail_on(
        Some("sale.order"),
        "create",
        connector::xmlrpc::Fault {
            code: 2,
            string: reason.to_owned(),
        },
        None,
    );
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[("order_key", &key), ("slot_id", &slot.to_string())],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(orders_with_key(&double, &key).is_empty());
    let page = browser.get(&format!("/orders/{key}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Not accepted by the shop&#39;s system: the shop will get in touch with you"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Épicerie B"),
        "Odoo's reason is for the staff: {}",
        page.body
    );
    let api = browser.get(&format!("/api/v1/orders/{key}")).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert_eq!(api.json()["state"], "failed", "{}", api.body);
    let admin = shop.browser();
    let listed = admin
        .send(Method::GET, "/admin/outbox", |r| {
            r.bearer_auth(support::ADMIN_TOKEN)
        })
        .await
        .json();
    assert_eq!(listed["orders"][0]["key"], key.as_str(), "{listed}");
    assert_eq!(listed["orders"][0]["state"], "failed", "{listed}");
    assert!(
        listed["orders"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("Épicerie B"),
        "{listed}"
    );
    let metrics = admin.get("/metrics").await;
    assert!(
        metrics.body.contains("storefront_orders_refused 1"),
        "{}",
        metrics.body
    );
}

/// A product of the cart that the shop stopped selling since it was put
/// there (here archived in Odoo) is never ordered: the checkout stops, says
/// so, and takes it out of the cart; the order placed then has the rest.
async fn a_product_no_longer_sold_is_never_ordered(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, Some(5));
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &browser).await;
    let comte = shop.resync.mirror().snapshot().templates.records[&7].product_variant_ids[0];
    let key = hidden(&browser.get("/checkout").await.body, "order_key");
    // The baguette (template 1).
    double.with_db(|db| db.archive("product.template", &[1]).unwrap());
    shop.resync.sync_now().await.unwrap();
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[("order_key", &key), ("slot_id", &slot.to_string())],
        )
        .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("Products that are no longer sold were removed from your cart."),
        "{}",
        answer.body
    );
    assert!(orders_with_key(&double, &key).is_empty());
    // Ordered again: the rest, the Comté alone.
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[("order_key", &key), ("slot_id", &slot.to_string())],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let orders = orders_with_key(&double, &key);
    assert_eq!(orders.len(), 1);
    let lines = double.with_db(|db| {
        let ids = db
            .search(
                "sale.order.line",
                &field("order_id.client_order_ref").eq(key.as_str()),
            )
            .unwrap();
        db.read("sale.order.line", &ids, &["product_id"]).unwrap()
    });
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(many2one_id(lines[0].get("product_id")), comte);
}

async fn history_cancel_and_reorder(transport: connector::Transport) {
    let (double, settings) = start(transport).await;
    let (slot, _) = add_slot(&double, "Shop", 48, None);
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&shop, &browser).await;
    let key = "history-test-order-01";
    browser
        .post_form_csrf("/checkout", &[("order_key", key), ("slot_id", &slot.to_string())])
        .await;
    let list = browser.get("/orders").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(key), "{}", list.body);
    let api = browser.get("/api/v1/orders").await.json();
    assert!(
        api["orders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["reference"] == key),
        "{api}"
    );

    // Re-order: the lines come back to the cart; a product no longer sold
    // is skipped, and said so.
    double.with_db(|db| db.set("product.template", 7, "sale_ok", false).unwrap());
    shop.sync().await;
    let answer = browser
        .post_form_csrf(&format!("/orders/{key}/reorder"), &[])
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location(), Some("/cart"));
    let cart = browser.get("/cart").await;
    assert!(cart.body.contains("no longer sold"), "{}", cart.body);
    let lines = browser.get("/api/v1/cart").await.json()["lines"].clone();
    assert_eq!(lines.as_array().unwrap().len(), 1, "{lines}");
    assert_eq!(lines[0]["quantity"], "4");

    // Cancel before the cut-off.
    let answer = browser
        .post_form_csrf(&format!("/orders/{key}/cancel"), &[])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        orders_with_key(&double, key)[0].get("state"),
        Some(&Value::from("cancel"))
    );
    let page = browser.get(&format!("/orders/{key}")).await;
    assert!(!page.body.contains("/cancel\""), "no cancel button any more");
    // Twice: refused.
    let answer = browser
        .json_csrf(Method::POST, &format!("/api/v1/orders/{key}/cancel"), None)
        .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
}

/// An order taken while Odoo is down reaches Odoo once, after the
/// storefront restarts (the outbox is in the store, and its worker looks at
/// it at start).
#[tokio::test]
async fn an_order_taken_with_odoo_down_reaches_it_after_a_restart() {
    let (double, mut settings) = start(connector::Transport::XmlRpc).await;
    settings.push(("STOREFRONT_OUTBOX_SECS", "1".to_owned()));
    let (slot, _) = add_slot(&double, "Shop", 48, None);
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let data = support::data_dir();
    let first = spawn_with(&double, &data, &pairs).await;
    let browser = first.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    fill_cart(&first, &browser).await;
    let key = "restart-order-test-0001";
    double.stop().await;
    let answer = browser
        .post_form_csrf("/checkout", &[("order_key", key), ("slot_id", &slot.to_string())])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    first.stop().await;
    double.resume().await.unwrap();
    assert!(orders_with_key(&double, key).is_empty());

    let _second = spawn_with(&double, &data, &pairs).await;
    // The worker delivers at start; wait for it (bounded).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while orders_with_key(&double, key).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        orders_with_key(&double, key).len(),
        1,
        "delivered after the restart"
    );
    // And only once, whatever the worker does next.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(orders_with_key(&double, key).len(), 1);
}

/// A customer whose pricelist is in another currency than the shop's (USD,
/// the company's being EUR): prices shown and charged in dollars, converted
/// at the company's rate of the day, and the order Odoo makes equal to the
/// cart to the cent; the minimum order converted too.
async fn a_pricelist_in_another_currency_prices_and_orders_in_it(transport: connector::Transport) {
    let (double, mut settings) = start(transport).await;
    settings.push(("SHOP_MINIMUM_ORDER", "8.00".to_owned()));
    let (slot, _) = add_slot(&double, "Stall", 48, None);
    let today = chrono::Utc::now().date_naive();
    double.with_db(|db| {
        db.write("res.currency", &[2], Struct::new().with("active", true))
            .unwrap();
        // The company's own rate of two days ago, and a later rate of no
        // company that Odoo does not take over it.
        for (days, rate, company) in [(2, 1.25, Value::Int(1)), (1, 2.0, Value::Bool(false))] {
            let day = (today - chrono::TimeDelta::days(days))
                .format("%Y-%m-%d")
                .to_string();
            db.create(
                "res.currency.rate",
                Struct::new()
                    .with("name", day)
                    .with("rate", rate)
                    .with("currency_id", 2)
                    .with("company_id", company),
            )
            .unwrap();
        }
        let dollars = db
            .create(
                "product.pricelist",
                Struct::new()
                    .with("name", "Dollars")
                    .with("currency_id", 2)
                    .with("company_id", 1),
            )
            .unwrap();
        db.write(
            "res.partner",
            &[3],
            Struct::new().with("property_product_pricelist", dollars),
        )
        .unwrap();
    });
    let shop = shop(&double, &settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;

    // One baguette: under the minimum of 8.00 EUR, which is 10.00 USD.
    let snapshot = shop.resync.mirror().snapshot();
    let baguette = snapshot.templates.records[&1].product_variant_ids[0];
    let list_price = snapshot.templates.records[&1].list_price;
    let answer = browser
        .json_csrf(
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": baguette, "quantity": "1"})),
        )
        .await;
    assert!(answer.status < 300, "{}", answer.body);
    let cart = browser.get("/api/v1/cart").await.json();
    assert_eq!(cart["currency"], "USD", "{cart}");
    assert_eq!(cart["minimum_order"], "10.00", "{cart}");
    // Half up, as Odoo rounds: 1.30 EUR × 1.25 = 1.625 → 1.63 USD.
    let dollars = (list_price * rust_decimal::Decimal::new(125, 2))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(cart["lines"][0]["amount"], json!(dollars.to_string()), "{cart}");
    let product = browser.get("/api/v1/products/1").await.json();
    assert_eq!(product["price"]["currency"], "USD", "{product}");
    assert_eq!(
        product["price"]["amount"],
        json!(dollars.to_string()),
        "{product}"
    );
    let page = browser.get("/cart").await;
    assert!(page.body.contains(&format!("${dollars}")), "{}", page.body);
    assert!(!page.body.contains('€'), "{}", page.body);

    fill_cart(&shop, &browser).await;
    let cart = browser.get("/api/v1/cart").await.json();
    assert_eq!(cart["missing_to_minimum"], json!(null), "{cart}");
    let page = browser.get("/checkout").await;
    let key = hidden(&page.body, "order_key");
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[("order_key", &key), ("slot_id", &slot.to_string())],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let orders = orders_with_key(&double, &key);
    assert_eq!(orders.len(), 1);
    let total = match orders[0].get("amount_total") {
        Some(Value::Double(t)) => rust_decimal::Decimal::try_from(*t).unwrap().round_dp(2),
        other => panic!("{other:?}"),
    };
    assert_eq!(cart["totals"]["total"], json!(total.to_string()), "{cart}");
    let order_page = browser.get(&format!("/orders/{key}")).await;
    assert!(
        order_page.body.contains(&format!("${total}")),
        "{}",
        order_page.body
    );
}

macro_rules! over_both_transports {
    ($($name:ident),* $(,)?) => {
        mod xmlrpc {
            $(#[tokio::test]
            async fn $name() {
                super::$name(connector::Transport::XmlRpc).await
            })*
        }
        mod json2 {
            $(#[tokio::test]
            async fn $name() {
                super::$name(connector::Transport::Json2).await
            })*
        }
    };
}

over_both_transports!(
    checkout_creates_one_draft_order_with_the_expected_fields,
    the_same_checkout_twice_creates_one_order,
    a_lost_answer_does_not_duplicate_the_order,
    a_cart_under_the_minimum_is_refused,
    full_and_closed_slots_are_refused,
    of_two_checkouts_for_the_last_place_one_wins,
    another_customers_order_is_not_found,
    with_odoo_down_the_order_is_received_and_reaches_odoo_once,
    an_order_odoo_refuses_is_never_silent,
    a_product_no_longer_sold_is_never_ordered,
    a_quotation_the_staff_made_is_read_only,
    history_cancel_and_reorder,
    a_pricelist_in_another_currency_prices_and_orders_in_it,
);
