//! A misbehaving Odoo: the double answers slowly, with faults, with
//! malformed XML (or JSON), with truncated or empty bodies, with an HTTP
//! error page, by closing the connection, or not at all (a hang, a stopped
//! server). For each: the shop (first sync done, a customer logged in before
//! the trouble, a cart filled) stays up and keeps serving its snapshot, the
//! trouble shows in `/readyz` and `/metrics`, a checkout is still received
//! ("will be confirmed"), and once Odoo is healed a resync and the outbox's
//! retry bring the order into Odoo exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use connector::field;
use connector::xmlrpc::Fault;
use odoo_double::{Dataset, Misbehaviour, OdooDouble};
use reqwest::Method;
use support::{Browser, Shop, CLAIRE};

/// What goes wrong with Odoo.
#[derive(Debug, Clone)]
enum Trouble {
    /// Every answer comes later than the shop waits for.
    Slow,
    /// A misbehaviour of the double, on every request.
    Misbehave(Misbehaviour),
    /// Every call answers this fault.
    Fault(Fault),
    /// The server is gone (nothing listens on its port).
    Stopped,
}

/// How the trouble shows in `/readyz` and `/metrics`.
struct Expected {
    /// The `kind` label of `storefront_odoo_errors_total`.
    error_kind: &'static str,
    /// Whether `/readyz` still says Odoo answered (it did, wrongly).
    reachable: bool,
}

/// The shop's limit for one Odoo call in these tests: the double is slower.
const TIMEOUT_SECS: &str = "1";

/// The sale orders of the double keyed `key`.
fn orders_with_key(double: &OdooDouble, key: &str) -> usize {
    double.with_db(|db| {
        db.search("sale.order", &field("client_order_ref").eq(key))
            .unwrap()
            .len()
    })
}

async fn admin(shop: &Shop, method: Method, path: &str) -> support::Answer {
    shop.browser()
        .send(method, path, |r| r.bearer_auth(support::ADMIN_TOKEN))
        .await
}

/// The value of a series of the metrics exposition (summed over the lines
/// that start with `series`).
fn metric(text: &str, series: &str) -> Option<f64> {
    let values: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with(series))
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

/// The catalog, from the snapshot: pages and API for the logged-in
/// customer (whose cart holds baguettes unless `ordered`).
async fn the_catalog_is_served(browser: &Browser, when: &str, ordered: bool) {
    let in_cart = if ordered {
        "</html>"
    } else {
        "Traditional baguette"
    };
    for (path, expect) in [
        ("/", "Claire Martin"),
        ("/categories/2", "Traditional baguette"),
        ("/categories/1", "Croissant"),
        ("/products/1", "Traditional baguette"),
        ("/search?q=comte", "Comté"),
        ("/cart", in_cart),
        ("/favorites", "</html>"),
        ("/api/v1/categories", "\"categories\""),
        ("/api/v1/products?q=bague", "Traditional baguette"),
        ("/api/v1/products/1", "Traditional baguette"),
        ("/api/v1/cart", "\"lines\""),
        ("/api/v1/pickup-slots", "\"slots\""),
        ("/assets/style.css", "{"),
        ("/healthz", "ok"),
    ] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status, 200, "{when}: {path}: {}", answer.body);
        assert!(
            answer.body.contains(expect),
            "{when}: {path} without {expect:?}: {}",
            answer.body
        );
    }
}

async fn the_shop_rides_out(trouble: Trouble, expected: Expected, transport: connector::Transport) {
    let dataset = match transport {
        connector::Transport::Json2 => Dataset::shop().with_series("19.0"),
        _ => Dataset::shop(),
    };
    let double = OdooDouble::start(dataset).await.unwrap();
    let (slot, _) = support::add_slot(&double, "Shop", 72, Some(10));
    let api_key = double.admin_api_key().map(str::to_owned).unwrap_or_default();
    let mut settings = vec![
        ("ODOO_TIMEOUT_SECS", TIMEOUT_SECS),
        // The outbox's worker only runs when woken: the retry below is the
        // admin's, and sees the order.
        ("STOREFRONT_OUTBOX_SECS", "3600"),
    ];
    if transport == connector::Transport::Json2 {
        settings.push(("ODOO_TRANSPORT", "json2"));
        settings.push(("ODOO_API_KEY", &api_key));
    }
    let shop = support::spawn_with(&double, &support::data_dir(), &settings).await;
    let ready = shop.browser().get("/readyz").await.json();
    assert_eq!(ready["odoo"]["reachable"], true, "the first sync: {ready}");
    // Logging in needs Odoo: before the trouble.
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    support::fill_cart(&shop, &browser).await;
    the_catalog_is_served(&browser, "before", false).await;

    // The trouble starts; the resync fails and says so.
    match &trouble {
        Trouble::Slow => double.set_latency(std::time::Duration::from_secs(3)),
        Trouble::Misbehave(m) => double.misbehave(m.clone()),
        Trouble::Fault(f) => double.fail_with(f.clone(), None),
        Trouble::Stopped => double.stop().await,
    }
    // (What waits for Odoo is asked at once: the image, never fetched
    // yet, and the order history, read from Odoo.)
    let (resync, image, orders, odoo_order, odoo_order_api) = tokio::join!(
        admin(&shop, Method::POST, "/admin/resync"),
        browser.get("/images/products/1/small"),
        browser.get("/orders"),
        browser.get("/orders/so-1"),
        browser.get("/api/v1/orders/so-1"),
    );
    assert_eq!(resync.status, 502, "{trouble:?}: {}", resync.body);
    assert!(
        !resync.json()["error"].as_str().unwrap_or("").is_empty(),
        "{}",
        resync.body
    );
    assert_eq!(image.status, 200, "{trouble:?}: the image or its placeholder");
    assert_eq!(orders.status, 200, "{trouble:?}: {}", orders.body);
    assert!(
        orders.body.contains("cannot be reached"),
        "{trouble:?}: {}",
        orders.body
    );
    // An order only Odoo knows cannot be shown: a 503 that says why.
    assert_eq!(odoo_order.status, 503, "{trouble:?}: {}", odoo_order.body);
    assert!(
        odoo_order.body.contains("cannot be reached"),
        "{trouble:?}: {}",
        odoo_order.body
    );
    assert_eq!(odoo_order_api.status, 503, "{trouble:?}: {}", odoo_order_api.body);
    assert_eq!(
        odoo_order_api.json()["error"]["code"],
        "unavailable",
        "{}",
        odoo_order_api.body
    );

    // The shop serves its snapshot.
    the_catalog_is_served(&browser, &format!("{trouble:?}"), false).await;

    // Ready (a snapshot), and saying what is wrong.
    let ready = shop.browser().get("/readyz").await;
    assert_eq!(ready.status, 200, "{trouble:?}: {}", ready.body);
    let ready = ready.json();
    assert_eq!(ready["ready"], true, "{ready}");
    assert_eq!(ready["snapshot"]["source"], "odoo", "{ready}");
    assert!(ready["snapshot"]["products"].as_u64().unwrap() > 5, "{ready}");
    assert_eq!(
        ready["odoo"]["reachable"], expected.reachable,
        "{trouble:?}: {ready}"
    );
    let last_error = ready["odoo"]["last_error"].as_str().unwrap_or("");
    assert!(!last_error.is_empty(), "{trouble:?}: {ready}");
    assert!(ready["odoo"]["last_success"].is_string(), "{ready}");
    let metrics = shop.browser().get("/metrics").await;
    assert_eq!(metrics.status, 200);
    let errors = format!("storefront_odoo_errors_total{{kind=\"{}\"}}", expected.error_kind);
    assert!(
        metric(&metrics.body, &errors).unwrap_or(0.0) >= 1.0,
        "{trouble:?}: {errors} in\n{}",
        metrics.body
    );
    let up = if expected.reachable { 1.0 } else { 0.0 };
    assert_eq!(
        metric(&metrics.body, "storefront_odoo_up "),
        Some(up),
        "{trouble:?}:\n{}",
        metrics.body
    );
    assert!(
        metric(
            &metrics.body,
            "storefront_syncs_total{kind=\"any\",outcome=\"error\"}"
        )
        .unwrap_or(0.0)
            >= 1.0,
        "{}",
        metrics.body
    );

    // A checkout is received, to be confirmed.
    let key = "misbehaving-odoo-order-01";
    let answer = browser
        .post_form_csrf(
            "/checkout",
            &[("order_key", key), ("slot_id", &slot.to_string()), ("note", "")],
        )
        .await;
    assert_eq!(answer.status, 303, "{trouble:?}: {}", answer.body);
    assert_eq!(answer.location(), Some(format!("/orders/{key}").as_str()));
    let page = browser.get(&format!("/orders/{key}")).await;
    assert_eq!(page.status, 200, "{trouble:?}: {}", page.body);
    assert!(
        page.body.contains("will be confirmed"),
        "{trouble:?}: {}",
        page.body
    );
    let outbox = admin(&shop, Method::GET, "/admin/outbox").await.json();
    assert_eq!(outbox["orders"][0]["key"], key, "{outbox}");
    assert_eq!(outbox["orders"][0]["state"], "pending", "{trouble:?}: {outbox}");
    let depth = shop.browser().get("/metrics").await;
    assert_eq!(
        metric(&depth.body, "storefront_outbox_depth "),
        Some(1.0),
        "{}",
        depth.body
    );

    // Odoo heals: the resync works, readiness says so, the order goes once.
    match &trouble {
        Trouble::Stopped => double.resume().await.unwrap(),
        _ => double.heal(),
    }
    let resync = admin(&shop, Method::POST, "/admin/resync").await;
    assert_eq!(resync.status, 200, "{trouble:?}: {}", resync.body);
    let ready = shop.browser().get("/readyz").await.json();
    assert_eq!(ready["odoo"]["reachable"], true, "{ready}");
    assert!(ready["odoo"]["last_error"].is_null(), "{ready}");
    let metrics = shop.browser().get("/metrics").await;
    assert_eq!(
        metric(&metrics.body, "storefront_odoo_up "),
        Some(1.0),
        "{}",
        metrics.body
    );
    assert_eq!(
        orders_with_key(&double, key),
        0,
        "{trouble:?}: not in Odoo before the retry"
    );
    let retried = admin(&shop, Method::POST, "/admin/outbox/retry").await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.json()["delivered"], 1, "{trouble:?}: {}", retried.body);
    assert_eq!(orders_with_key(&double, key), 1);
    let again = admin(&shop, Method::POST, "/admin/outbox/retry").await;
    assert_eq!(again.json()["delivered"], 0, "{}", again.body);
    assert_eq!(orders_with_key(&double, key), 1, "exactly once");
    let page = browser.get(&format!("/orders/{key}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("will be confirmed"), "{}", page.body);
    let depth = shop.browser().get("/metrics").await;
    assert_eq!(
        metric(&depth.body, "storefront_outbox_depth "),
        Some(0.0),
        "{}",
        depth.body
    );
    the_catalog_is_served(&browser, "healed", true).await;
}

fn application_fault() -> Fault {
    Fault {
        code: 1,
        string: "Traceback (most recent call last):\n  File \"odoo/http.py\", line 1, in dispatch\n\
                 ValueError: the server is having a bad day"
            .to_owned(),
    }
}

macro_rules! troubles {
    ($($name:ident: $trouble:expr => $kind:literal, $reachable:literal, $transport:ident;)*) => {
        $(#[tokio::test]
        async fn $name() {
            the_shop_rides_out(
                $trouble,
                Expected { error_kind: $kind, reachable: $reachable },
                connector::Transport::$transport,
            )
            .await
        })*
    };
}

troubles! {
    slow_answers: Trouble::Slow => "timeout", false, XmlRpc;
    no_answer_at_all: Trouble::Misbehave(Misbehaviour::Hang) => "timeout", false, XmlRpc;
    faults: Trouble::Fault(application_fault()) => "application_error", true, XmlRpc;
    malformed_xml: Trouble::Misbehave(Misbehaviour::MalformedXml) => "decode", true, XmlRpc;
    truncated_bodies: Trouble::Misbehave(Misbehaviour::TruncatedBody) => "transport", false, XmlRpc;
    empty_bodies: Trouble::Misbehave(Misbehaviour::EmptyBody) => "decode", true, XmlRpc;
    a_proxy_error_page: Trouble::Misbehave(Misbehaviour::HttpStatus(502)) => "transport", false, XmlRpc;
    an_internal_server_error_page: Trouble::Misbehave(Misbehaviour::HttpStatus(500)) => "transport", false, XmlRpc;
    closed_connections: Trouble::Misbehave(Misbehaviour::CloseConnection) => "transport", false, XmlRpc;
    a_stopped_server: Trouble::Stopped => "transport", false, XmlRpc;
    malformed_json_over_json2: Trouble::Misbehave(Misbehaviour::MalformedXml) => "decode", true, Json2;
    faults_over_json2: Trouble::Fault(application_fault()) => "application_error", true, Json2;
    no_answer_over_json2: Trouble::Misbehave(Misbehaviour::Hang) => "timeout", false, Json2;
}
