//! Customers and staff told through Odoo, against the Odoo double, over
//! HTTP: the staff's activity on a new web order and on a sign-up request,
//! the order's progress on its page, the list and the API in English and
//! French (received, confirmed, ready for pickup, collected, cancelled), the
//! customer's mail posted in Odoo, `/readyz` saying whether mails are
//! sent, and how many are left said, never enforced. (The same against
//! real Odoo 16 and 19: `real_odoo.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use connector::xmlrpc::{Struct, Value};
use connector::{field, Client, Credentials};
use odoo_double::{Dataset, OdooDouble};
use reqwest::Method;
use serde_json::json;
use support::{add_slot, fill_cart, ids_of, spawn_with, Browser, CLAIRE};

/// The staff member the double's sales team "Website" is led by.
const MARIE: i64 = 8;

fn admin(double: &OdooDouble) -> Client {
    Client::builder(double.url())
        .database(double.db())
        .credentials(Credentials::new(double.admin_login(), double.admin_password()))
        .build()
        .unwrap()
}

/// Polls `check` until it gives a value (at most 20 s).
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    check: impl FnMut() -> F,
) -> T {
    support::eventually(what, Duration::from_secs(20), Duration::from_millis(50), check).await
}

/// The activities on record `id` of `model` in the double, with `fields`.
fn activities(double: &OdooDouble, model: &str, id: i64, fields: &[&str]) -> Vec<Struct> {
    double.with_db(|db| {
        let found = db
            .search(
                "mail.activity",
                &(field("res_model").eq(model) & field("res_id").eq(id)),
            )
            .unwrap();
        db.read("mail.activity", &found, fields).unwrap()
    })
}

/// A double and a shop on it with `settings`, Claire logged in, and a
/// pickup slot.
async fn claire_at_the_shop(
    dataset: Dataset,
    settings: &[(&str, &str)],
) -> (OdooDouble, support::Shop, Browser, i64) {
    let double = OdooDouble::start(dataset).await.unwrap();
    let (slot, _) = add_slot(&double, "Marché couvert", 72, Some(10));
    let shop = spawn_with(&double, &support::data_dir(), settings).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    (double, shop, browser, slot)
}

/// Places an order as Claire over the API; its reference and Odoo id.
async fn order(double: &OdooDouble, shop: &support::Shop, browser: &Browser, slot: i64) -> (String, i64) {
    fill_cart(shop, browser).await;
    let key = format!("told-{}", chrono::Utc::now().timestamp_nanos_opt().unwrap());
    let placed = browser.order_by_api(&key, &json!({"slot_id": slot})).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let placed = placed.json();
    assert_eq!(placed["progress"], json!("received"), "{placed}");
    assert_eq!(placed["status"], json!("received"), "{placed}");
    let id = double.with_db(|db| {
        db.search("sale.order", &field("client_order_ref").eq(key.as_str()))
            .unwrap()[0]
    });
    (placed["reference"].as_str().unwrap().to_owned(), id)
}

/// The order's progress as the API, its page and the list say it.
async fn shown(browser: &Browser, reference: &str) -> (String, String, String) {
    let api = browser.get(&format!("/api/v1/orders/{reference}")).await.json();
    let page = browser.get(&format!("/orders/{reference}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let state = |body: &str| {
        let at = body.find("class=\"state state-").expect("a state on the page");
        let text = &body[at..];
        let text = &text[text.find('>').unwrap() + 1..];
        text[..text.find('<').unwrap()].to_owned()
    };
    let list = browser.get("/orders").await;
    let row = list
        .body
        .find(&format!("/orders/{reference}"))
        .expect("the order in the list");
    (
        api["progress"].as_str().unwrap_or_default().to_owned(),
        state(&page.body),
        state(&list.body[row..]),
    )
}

#[tokio::test]
async fn the_staff_get_an_activity_and_the_customer_sees_the_order_progress() {
    let (double, shop, browser, slot) = claire_at_the_shop(
        Dataset::shop(),
        &[("STOREFRONT_OUTBOX_SECS", "1"), ("SHOP_COLLECTED_TAG", "Retirée")],
    )
    .await;
    let (reference, id) = order(&double, &shop, &browser, slot).await;

    // The staff's to-do, for the leader of the technical user's team.
    let activity = eventually("the staff's activity", || async {
        activities(
            &double,
            "sale.order",
            id,
            &["summary", "user_id", "date_deadline"],
        )
        .into_iter()
        .next()
    })
    .await;
    let summary = activity
        .get("summary")
        .and_then(Value::as_str)
        .unwrap()
        .to_owned();
    assert!(
        summary.starts_with("Web order to prepare for ") && summary.contains("Marché couvert"),
        "{summary}"
    );
    assert_eq!(ids_of(activity.get("user_id")), vec![MARIE], "{activity:?}");

    let odoo = admin(&double);
    assert_eq!(
        shown(&browser, &reference).await,
        (
            "received".into(),
            "Received by the shop".into(),
            "Received by the shop".into()
        )
    );
    odoo.model("sale.order")
        .call_on("action_confirm", vec![id])
        .send()
        .await
        .unwrap();
    assert_eq!(
        shown(&browser, &reference).await,
        ("confirmed".into(), "Confirmed".into(), "Confirmed".into())
    );
    // The delivery validated: the bag is ready.
    let placed = connector::orders::read(&odoo, id).await.unwrap().unwrap();
    assert_eq!(placed.pickings.len(), 1, "{:?}", placed.pickings);
    odoo.model("stock.picking")
        .call_on("button_validate", vec![placed.pickings[0].id])
        .send()
        .await
        .unwrap();
    assert_eq!(
        shown(&browser, &reference).await,
        (
            "ready".into(),
            "Ready for pickup".into(),
            "Ready for pickup".into()
        )
    );
    // In French too.
    let answer = browser
        .post_form_csrf("/language", &[("lang", "fr_FR"), ("back", "/orders")])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        shown(&browser, &reference).await,
        ("ready".into(), "Prête à retirer".into(), "Prête à retirer".into())
    );
    // Tagged collected by the staff, with the tag the shop made in Odoo.
    let tag = double.with_db(|db| db.search("crm.tag", &field("name").eq("Retirée")).unwrap()[0]);
    odoo.model("sale.order")
        .write(
            vec![id],
            Struct::new().with("tag_ids", vec![Value::Array(vec![4.into(), tag.into()])]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        shown(&browser, &reference).await,
        ("collected".into(), "Retirée".into(), "Retirée".into())
    );
}

#[tokio::test]
async fn a_cancelled_order_says_so_and_a_sign_up_request_gets_an_activity() {
    let (double, shop, browser, slot) =
        claire_at_the_shop(Dataset::shop(), &[("STOREFRONT_OUTBOX_SECS", "1")]).await;
    let (reference, _) = order(&double, &shop, &browser, slot).await;
    let answer = browser
        .json_csrf(Method::POST, &format!("/api/v1/orders/{reference}/cancel"), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        shown(&browser, &reference).await,
        ("cancelled".into(), "Cancelled".into(), "Cancelled".into())
    );

    // A sign-up request: an activity on its partner, for the staff.
    let visitor = shop.browser();
    let answer = visitor
        .post_form_csrf(
            "/signup",
            &[
                ("name", "Ana Lima"),
                ("email", "ana@example.com"),
                ("phone", ""),
                ("message", "Je viens le samedi"),
            ],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let partner = double.with_db(|db| {
        db.search("res.partner", &field("email").eq("ana@example.com"))
            .unwrap()[0]
    });
    let activity = activities(&double, "res.partner", partner, &["summary", "user_id"]);
    assert_eq!(
        activity.len(),
        1,
        "one activity on partner {partner}: {activity:?}"
    );
    assert_eq!(
        activity[0].get("summary").and_then(Value::as_str),
        Some("Web shop sign-up request: Ana Lima")
    );
    assert_eq!(ids_of(activity[0].get("user_id")), vec![MARIE]);
}

/// The mail posted for order `id` in the double: its recipients' partners.
fn mail_of(double: &OdooDouble, id: i64) -> Option<(Vec<i64>, String)> {
    double.with_db(|db| {
        let found = db
            .search(
                "mail.message",
                &(field("model").eq("sale.order")
                    & field("res_id").eq(id)
                    & field("message_type").eq("comment")),
            )
            .unwrap();
        let rows = db.read("mail.message", &found, &["partner_ids", "body"]).unwrap();
        rows.first().map(|m| {
            (
                ids_of(m.get("partner_ids")),
                m.get("body")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
    })
}

#[tokio::test]
async fn odoo_mails_the_customer_and_the_shop_says_when_mails_are_not_sent() {
    for series in ["16.0", "19.0"] {
        let (double, shop, browser, slot) = claire_at_the_shop(
            Dataset::shop().with_series(series),
            &[("STOREFRONT_OUTBOX_SECS", "1")],
        )
        .await;
        assert_eq!(browser.get("/readyz").await.json()["mail"], json!("unknown"));
        let (_, id) = order(&double, &shop, &browser, slot).await;
        // Odoo's template, posted to Claire (partner 3), queued.
        let (recipients, body) = eventually("the customer's mail", || async { mail_of(&double, id) }).await;
        assert_eq!(recipients, vec![3], "{series}");
        let name = double.with_db(|db| db.read("sale.order", &[id], &["name", "state"]).unwrap()[0].clone());
        assert!(
            body.contains(name.get("name").and_then(Value::as_str).unwrap()),
            "{series}: {body}"
        );
        assert_eq!(
            name.get("state").and_then(Value::as_str),
            Some("draft"),
            "still a quotation"
        );
        let ready = eventually("mails queued", || async {
            let ready = browser.get("/readyz").await.json();
            (ready["mail"] == json!("queued")).then_some(ready)
        })
        .await;
        assert_eq!(ready["warnings"], json!([]), "{ready}");
        // Odoo's mail cron finds no mail server: the shop says so, and
        // still takes orders.
        assert_eq!(double.run_mail_cron(), 1);
        let ready = eventually("mails said not sent", || async {
            let ready = browser.get("/readyz").await.json();
            (ready["mail"] == json!("not_sent")).then_some(ready)
        })
        .await;
        assert!(
            ready["warnings"].to_string().contains("no outgoing mail server"),
            "{ready}"
        );
        let (_, second) = order(&double, &shop, &browser, slot).await;
        assert!(second > id, "{series}: ordering goes on");
        shop.stop().await;
    }
}

#[tokio::test]
async fn with_mails_off_orders_go_through_and_readyz_says_off() {
    let (double, shop, browser, slot) = claire_at_the_shop(
        Dataset::shop(),
        &[("STOREFRONT_OUTBOX_SECS", "1"), ("SHOP_ORDER_MAIL", "off")],
    )
    .await;
    let (_, id) = order(&double, &shop, &browser, slot).await;
    // The activity comes, the mail does not.
    eventually("the staff's activity", || async {
        (!activities(&double, "sale.order", id, &["id"]).is_empty()).then_some(())
    })
    .await;
    assert_eq!(mail_of(&double, id), None);
    assert_eq!(browser.get("/readyz").await.json()["mail"], json!("off"));
}

#[tokio::test]
async fn how_many_are_left_is_said_never_enforced() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let shop = spawn_with(
        &double,
        &support::data_dir(),
        &[("SHOP_SHOW_STOCK", "low"), ("STOREFRONT_STOCK_SECS", "1")],
    )
    .await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    // Honey: 2 free; beer: none; apple juice: 40, above the threshold.
    let said = |id: i64| {
        let browser = &browser;
        async move { browser.get(&format!("/api/v1/products/{id}")).await.json()["availability"].clone() }
    };
    let honey = eventually("the honey's stock", || async {
        let a = said(11).await;
        (!a.is_null()).then_some(a)
    })
    .await;
    assert_eq!(honey, json!({"code": "left", "text": "Only 2 unit(s) left"}));
    assert_eq!(said(14).await["code"], json!("out"));
    assert!(said(13).await.is_null(), "40 left is not said under low");
    // Out of stock, the beer is still sold.
    let answer = browser
        .json_csrf(
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": 14, "quantity": "2"})),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Stock moves in Odoo: 40 juices become 3; the shop says so.
    let odoo = admin(&double);
    odoo.model("stock.quant")
        .create(
            Struct::new()
                .with("product_id", 13)
                .with("location_id", 8)
                .with("inventory_quantity_auto_apply", 3),
        )
        .context("inventory_mode", true)
        .send()
        .await
        .unwrap();
    let juice = eventually("the juice's new stock", || async {
        let a = said(13).await;
        (!a.is_null()).then_some(a)
    })
    .await;
    assert_eq!(juice["text"], json!("Only 3 unit(s) left"));
}
