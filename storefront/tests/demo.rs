//! `storefront demo`, as the README's first command runs it: it prints the
//! address and the demo logins, and a whole order can be placed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::json;
use support::Browser;

/// Kills the demo when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_demo_command_serves_a_shop_where_an_order_can_be_placed() {
    let data = support::data_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_storefront"))
        .arg("demo")
        .env("STOREFRONT_BIND", "127.0.0.1:0")
        .env("STOREFRONT_DATA_DIR", &data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    // The first lines: the address, then the logins. The rest is read
    // too, to the end: a demo writing to a closed pipe would die of it.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let lines = tokio::task::spawn_blocking(move || receiver.iter().take(3).collect::<Vec<_>>())
        .await
        .unwrap();
    let base = lines[0]
        .strip_prefix("Demo shop: ")
        .unwrap_or_else(|| panic!("{lines:?}"))
        .trim_end_matches('/')
        .to_owned();
    assert!(
        lines[1].contains("claire@example.com / claire-password"),
        "{lines:?}"
    );

    let browser = Browser::new(&base);
    let home = browser.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("claire@example.com"),
        "the home page shows the demo logins"
    );
    browser.log_in("claire@example.com", "claire-password").await;
    let products = browser.get("/api/v1/products?per_page=100").await.json();
    assert!(products["total"].as_u64().unwrap() >= 55, "{}", products["total"]);
    let slots = browser.get("/api/v1/pickup-slots").await.json();
    let slots = slots["slots"].as_array().unwrap().clone();
    let places: std::collections::BTreeSet<&str> =
        slots.iter().map(|s| s["place"].as_str().unwrap()).collect();
    assert_eq!(places.len(), 2, "{places:?}");
    let weighed = products["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["decimal_quantities"] == true && p["variant_id"].is_i64())
        .unwrap()
        .clone();
    let cart = browser
        .json_csrf(
            Method::POST,
            "/api/v1/cart/lines",
            Some(json!({"product_id": weighed["variant_id"], "quantity": "1.5"})),
        )
        .await;
    assert_eq!(cart.status, 200, "{}", cart.body);
    let slot = slots.iter().find(|s| s["available"] == true).unwrap();
    let order = browser
        .order_by_api("demo-order-test-00001", &json!({"slot_id": slot["id"]}))
        .await;
    assert_eq!(order.status, 201, "{}", order.body);
    assert!(
        order.json()["name"].as_str().unwrap().starts_with('S'),
        "{}",
        order.body
    );
}
