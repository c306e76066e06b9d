//! Buying together by the case, against the Odoo double over HTTP: three
//! members fill a case of 6 and get three quotations at their own prices;
//! a case left short is dropped (the members are told, through Odoo, and
//! on their pages) or completed by the shop's partner; members racing for
//! the last part never exceed the case; a shared product is not put in the
//! cart. (The same against real Odoo 16 and 19: `real_odoo.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use connector::field;
use connector::xmlrpc::Value;
use odoo_double::{Dataset, OdooDouble};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::json;
use support::{spawn_with, Browser, ADMIN_TOKEN, CAMILLE, CLAIRE, PRO};

/// The settings of the shop under test: the demo's shared cases, settled
/// within a second of a round's close.
const SHARED: [(&str, &str); 2] = [
    ("SHOP_SHARED_CASES", "tag:Achat groupé"),
    ("STOREFRONT_CASES_SECS", "1"),
];

/// Polls `check` until it gives a value (at most 20 s).
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    check: impl FnMut() -> F,
) -> T {
    support::eventually(what, Duration::from_secs(20), Duration::from_millis(50), check).await
}

/// The demo double of `series`, a shop on it with `settings` (plus
/// [`SHARED`]), and the three members logged in.
async fn members_at_the_shop(
    series: &str,
    settings: &[(&str, &str)],
) -> (OdooDouble, support::Shop, [Browser; 3]) {
    let double = OdooDouble::start(Dataset::demo(chrono::Utc::now()).with_series(series))
        .await
        .unwrap();
    let mut all: Vec<(&str, &str)> = SHARED.to_vec();
    all.extend_from_slice(settings);
    let shop = spawn_with(&double, &support::data_dir(), &all).await;
    let members = [shop.browser(), shop.browser(), shop.browser()];
    for (browser, (login, password)) in members.iter().zip([CLAIRE, CAMILLE, PRO]) {
        browser.log_in(login, password).await;
    }
    (double, shop, members)
}

/// The shared product, as the API lists it once the shop has read the
/// cases: (template id, variant id, its `shared_case`).
async fn shared_product(browser: &Browser) -> (i64, i64, serde_json::Value) {
    eventually("the shared product is listed with its case", || async {
        let found = browser.get("/api/v1/products?q=olive").await.json();
        found["products"].as_array()?.iter().find_map(|p| {
            let case = p.get("shared_case").filter(|c| !c.is_null())?;
            Some((p["id"].as_i64()?, case["variant_id"].as_i64()?, case.clone()))
        })
    })
    .await
}

/// Sets `browser`'s share of `variant` to `quantity` over the API.
async fn share(browser: &Browser, variant: i64, quantity: &str) -> support::Answer {
    browser
        .json_csrf(
            Method::PUT,
            &format!("/api/v1/cases/{variant}"),
            Some(json!({ "quantity": quantity })),
        )
        .await
}

/// Closes the current round as the staff would.
async fn close_round(shop: &support::Shop) {
    let closed = Browser::new(&shop.base)
        .send(Method::POST, "/admin/cases/close", |r| r.bearer_auth(ADMIN_TOKEN))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert!(closed.json()["closed"].is_string(), "{}", closed.body);
}

/// A quotation made of shares: (partner, [(variant, qty)], amount_total).
type ShareOrder = (i64, Vec<(i64, Decimal)>, Decimal);

/// The quotations the shop made of shares, by partner.
fn share_orders(double: &OdooDouble) -> Vec<ShareOrder> {
    double.with_db(|db| {
        let ids = db
            .search("sale.order", &field("client_order_ref").ilike("shared-"))
            .unwrap();
        let orders = db
            .read(
                "sale.order",
                &ids,
                &["partner_id", "order_line", "amount_total", "state"],
            )
            .unwrap();
        let mut found: Vec<_> = orders
            .iter()
            .map(|o| {
                assert_eq!(o.get("state"), Some(&Value::from("draft")), "{o:?}");
                let partner = support::ids_of(o.get("partner_id"))[0];
                let line_ids = support::ids_of(o.get("order_line"));
                let lines = db
                    .read("sale.order.line", &line_ids, &["product_id", "product_uom_qty"])
                    .unwrap()
                    .iter()
                    .map(|l| {
                        (
                            support::ids_of(l.get("product_id"))[0],
                            decimal(l.get("product_uom_qty")),
                        )
                    })
                    .collect();
                (partner, lines, decimal(o.get("amount_total")))
            })
            .collect();
        found.sort_by_key(|(partner, _, _)| *partner);
        found
    })
}

fn decimal(value: Option<&Value>) -> Decimal {
    match value {
        Some(Value::Double(f)) => Decimal::try_from(*f).unwrap().round_dp(6).normalize(),
        Some(Value::Int(i)) => Decimal::from(*i),
        other => panic!("not a number: {other:?}"),
    }
}

/// The partner of the member who logs in as `login`.
fn partner_of(double: &OdooDouble, login: &str) -> i64 {
    double.with_db(|db| {
        let users = db.search("res.users", &field("login").eq(login)).unwrap();
        support::ids_of(db.read("res.users", &users, &["partner_id"]).unwrap()[0].get("partner_id"))[0]
    })
}

async fn three_members_fill_a_case(series: &str) {
    let (double, shop, members) = members_at_the_shop(series, &[]).await;
    let [claire, camille, pro] = &members;
    let (template, variant, case) = shared_product(claire).await;
    assert_eq!(case["size"], json!("6"), "{case}");
    assert_eq!(case["taken"], json!("0"), "{case}");
    assert_eq!(case["open"], json!(true), "{case}");
    assert_eq!(case["packaging"], json!("Carton de 6"), "{case}");

    // A shared product is shared, not put in the cart.
    let refused = claire
        .json_csrf(
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": variant, "quantity": "1"})),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("share_not_in_cart"), "{}", refused.body);

    // Claire 2 (through the product page's form), Camille 3, the pro 1.
    let page = claire.get(&format!("/products/{template}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"max="6" value="0""#), "{}", page.body);
    assert!(page.body.contains("action=\"/cases\""), "{}", page.body);
    let taken = claire
        .post_form_csrf(
            "/cases",
            &[("product_id", &variant.to_string()), ("quantity", "2")],
        )
        .await;
    assert_eq!(taken.status, 303, "{}", taken.body);
    let page = claire.get(&format!("/products/{template}")).await;
    assert!(page.body.contains("Your share: 2 unit(s)"), "{}", page.body);
    assert!(page.body.contains(r#"max="6" value="2""#), "{}", page.body);
    assert_eq!(share(camille, variant, "3").await.status, 200);
    // One left: the pro cannot take two, Claire cannot raise to four.
    let full = share(pro, variant, "2").await;
    assert_eq!(full.status, 409, "{}", full.body);
    assert!(full.body.contains("share_full"), "{}", full.body);
    assert_eq!(share(claire, variant, "4").await.status, 409);
    let last = share(pro, variant, "1").await;
    assert_eq!(last.status, 200, "{}", last.body);
    assert_eq!(last.json()["share"]["case_taken"], json!("6"), "{}", last.body);
    // Whole units only, as the product is sold.
    assert_eq!(share(pro, variant, "0.5").await.status, 422);

    // The progress is on the cards, the shares in each cart.
    let cards = claire.get("/search?q=olive").await;
    assert!(
        cards.body.contains("6 of 6 unit(s) taken, 0 missing"),
        "{}",
        cards.body
    );
    let cart = camille.get("/cart").await;
    assert!(cart.body.contains(r#"class="share share-open""#), "{}", cart.body);
    let mine = camille.get("/api/v1/cases").await.json();
    assert_eq!(mine["shares"][0]["state"], json!("open"), "{mine}");
    assert_eq!(mine["shares"][0]["current"], json!(true), "{mine}");
    let camille_amount = mine["shares"][0]["amount"]["value"].clone();

    // The cut-off: three quotations, at each one's price, exactly once.
    close_round(&shop).await;
    let orders = eventually("three quotations of shares in Odoo", || async {
        let orders = share_orders(&double);
        (orders.len() == 3).then_some(orders)
    })
    .await;
    let partners = [CLAIRE, CAMILLE, PRO].map(|(login, _)| partner_of(&double, login));
    let mut expected: Vec<(i64, Vec<(i64, Decimal)>)> = partners
        .iter()
        .zip([2, 3, 1])
        .map(|(partner, quantity)| (*partner, vec![(variant, Decimal::from(quantity))]))
        .collect();
    expected.sort_by_key(|(partner, _)| *partner);
    assert_eq!(
        orders.iter().map(|(p, l, _)| (*p, l.clone())).collect::<Vec<_>>(),
        expected
    );
    // Each member's order is what they were shown, to the cent.
    let camille_total = orders.iter().find(|(p, _, _)| *p == partners[1]).unwrap().2;
    assert_eq!(json!(camille_total.to_string()), camille_amount);
    for member in &members {
        let shares = eventually("the share ordered", || async {
            let shares = member.get("/api/v1/cases").await.json();
            (shares["shares"][0]["state"] == json!("ordered")).then_some(shares)
        })
        .await;
        let order = shares["shares"][0]["order_url"].as_str().unwrap().to_owned();
        let page = member.get(&order).await;
        assert_eq!(page.status, 200, "{order}: {}", page.body);
        // A part of a case ordered for all its members is not one member's
        // to cancel.
        assert!(!page.body.contains("/cancel\""), "{}", page.body);
        let cancel = member
            .json_csrf(Method::POST, &format!("/api/v1{order}/cancel"), None)
            .await;
        assert!(cancel.body.contains("order_not_cancellable"), "{}", cancel.body);
    }
    let list = claire.get("/orders").await;
    assert!(
        list.body.contains(r#"class="share share-ordered""#),
        "{}",
        list.body
    );
    // The staff are told what to order from the wholesaler, once.
    let company_partner = double.with_db(|db| {
        support::ids_of(db.read("res.company", &[1], &["partner_id"]).unwrap()[0].get("partner_id"))[0]
    });
    let summaries = double.with_db(|db| {
        let ids = db
            .search(
                "mail.activity",
                &(field("res_model").eq("res.partner") & field("res_id").eq(company_partner)),
            )
            .unwrap();
        db.read("mail.activity", &ids, &["summary", "note"]).unwrap()
    });
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    let summary = format!("{summaries:?}");
    assert!(summary.contains("Cases bought together to order"), "{summary}");
    assert!(summary.contains("1 case(s) (6)"), "{summary}");
    // Settled once: the worker going round again makes nothing more.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(share_orders(&double).len(), 3);
    // The next round is open (the next slot's cut-off) and empty.
    let (_, _, case) = shared_product(claire).await;
    assert_eq!(case["taken"], json!("0"), "{case}");
    shop.stop().await;
}

#[tokio::test]
async fn three_members_fill_a_case_and_get_three_quotations_on_16() {
    three_members_fill_a_case("16.0").await;
}

#[tokio::test]
async fn three_members_fill_a_case_and_get_three_quotations_on_19() {
    three_members_fill_a_case("19.0").await;
}

#[tokio::test]
async fn a_case_short_at_the_cut_off_is_dropped_and_the_members_told() {
    let (double, shop, members) = members_at_the_shop("19.0", &[]).await;
    let [claire, camille, _] = &members;
    let (_, variant, _) = shared_product(claire).await;
    assert_eq!(share(claire, variant, "2").await.status, 200);
    assert_eq!(share(camille, variant, "3").await.status, 200);
    close_round(&shop).await;
    for member in [claire, camille] {
        eventually("the share dropped", || async {
            let shares = member.get("/api/v1/cases").await.json();
            (shares["shares"][0]["state"] == json!("dropped")).then_some(())
        })
        .await;
        let list = member.get("/orders").await;
        assert!(
            list.body.contains(r#"class="share share-dropped""#),
            "{}",
            list.body
        );
    }
    assert!(share_orders(&double).is_empty(), "nothing ordered");
    // Each member is told through Odoo, once.
    for (login, _) in [CLAIRE, CAMILLE] {
        let partner = partner_of(&double, login);
        let told = eventually("the member told through Odoo", || async {
            let messages = double.with_db(|db| {
                let ids = db
                    .search(
                        "mail.message",
                        &(field("model").eq("res.partner") & field("res_id").eq(partner)),
                    )
                    .unwrap();
                db.read("mail.message", &ids, &["body", "partner_ids"]).unwrap()
            });
            (!messages.is_empty()).then_some(messages)
        })
        .await;
        assert_eq!(told.len(), 1, "{told:?}");
        let body = format!("{:?}", told[0].get("body"));
        assert!(
            body.contains("was not filled") || body.contains("pas été complété"),
            "{body}"
        );
        assert_eq!(support::ids_of(told[0].get("partner_ids")), vec![partner]);
    }
    shop.stop().await;
}

#[tokio::test]
async fn a_case_short_at_the_cut_off_is_completed_by_the_shop_when_set() {
    // The shop's own partner: the company's.
    let double = OdooDouble::start(Dataset::demo(chrono::Utc::now()))
        .await
        .unwrap();
    let company_partner = double.with_db(|db| {
        let company = db.read("res.company", &[1], &["partner_id"]).unwrap();
        support::ids_of(company[0].get("partner_id"))[0]
    });
    drop(double);
    let partner = company_partner.to_string();
    let (double, shop, members) = members_at_the_shop(
        "18.0",
        &[
            ("SHOP_SHARED_SHORT", "complete"),
            ("SHOP_SHARED_PARTNER", &partner),
        ],
    )
    .await;
    let [claire, camille, _] = &members;
    let (_, variant, _) = shared_product(claire).await;
    assert_eq!(share(claire, variant, "2").await.status, 200);
    assert_eq!(share(camille, variant, "3").await.status, 200);
    close_round(&shop).await;
    let orders = eventually("three quotations, the shop's among them", || async {
        let orders = share_orders(&double);
        (orders.len() == 3).then_some(orders)
    })
    .await;
    let shop_order = orders.iter().find(|(p, _, _)| *p == company_partner).unwrap();
    assert_eq!(shop_order.1, vec![(variant, Decimal::ONE)]);
    let quantities: Decimal = orders
        .iter()
        .flat_map(|(_, l, _)| l.iter().map(|(_, q)| *q))
        .sum();
    assert_eq!(quantities, Decimal::from(6));
    shop.stop().await;
}

#[tokio::test]
async fn members_racing_for_the_last_part_never_exceed_the_case() {
    let (_double, shop, members) = members_at_the_shop("19.0", &[]).await;
    let [claire, camille, pro] = &members;
    let (_, variant, _) = shared_product(claire).await;
    assert_eq!(share(claire, variant, "4").await.status, 200);
    // Two left; Camille and the pro want two each, at once, ten times.
    for _ in 0..10 {
        let (a, b) = tokio::join!(share(camille, variant, "2"), share(pro, variant, "2"));
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
        let case = shared_product(claire).await.2;
        assert_eq!(case["taken"], json!("6"), "{case}");
        // Both give up, for the next race.
        assert_eq!(share(camille, variant, "0").await.status, 200);
        assert_eq!(share(pro, variant, "0").await.status, 200);
    }
    shop.stop().await;
}
