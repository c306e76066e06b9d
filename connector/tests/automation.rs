//! The storefront's automation rules (`connector::automation`) against a
//! real Odoo, as an administrator: `ODOO_URL`, `ODOO_DB`, `ODOO_ADMIN_USER`
//! and `ODOO_ADMIN_PASSWORD` (what `tests/real-odoo/up.sh` writes in its env
//! file). Without them it says SKIPPED, unless `REAL_ODOO_REQUIRED` is set.
//!
//! On Odoo 16 it checks the refusal (no webhook action there). On 17 and
//! later it installs the rules twice (the second run changes nothing),
//! writes a product's price and waits for Odoo's POST on a listener on
//! 127.0.0.1, then removes the rules, checks none is left and that a write
//! no longer calls. The rules are removed whatever happens in between.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::time::Duration;

use connector::automation::{self, Outcome};
use connector::domain::field;
use connector::xmlrpc::{Struct, Value};
use connector::{Client, Credentials, Error};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

fn admin_client() -> Option<Client> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        env("ODOO_URL"),
        env("ODOO_DB"),
        env("ODOO_ADMIN_USER"),
        env("ODOO_ADMIN_PASSWORD"),
    ) {
        (Some(url), Some(db), Some(login), Some(password)) => Some(
            Client::builder(url)
                .database(db)
                .credentials(Credentials::new(login, password))
                .build()
                .unwrap(),
        ),
        _ => {
            assert!(
                env("REAL_ODOO_REQUIRED").is_none(),
                "REAL_ODOO_REQUIRED is set: set ODOO_URL, ODOO_DB, ODOO_ADMIN_USER and ODOO_ADMIN_PASSWORD"
            );
            let _ = writeln!(
                std::io::stderr(),
                "automation rules: real Odoo SKIPPED (set ODOO_URL, ODOO_DB, ODOO_ADMIN_USER and \
                 ODOO_ADMIN_PASSWORD, e.g. from target/real-odoo/19.0.env)"
            );
            None
        }
    }
}

/// A minimal HTTP server on 127.0.0.1: every request's body goes to the
/// channel, every answer is `200 OK`.
async fn listener() -> (String, mpsc::UnboundedReceiver<String>) {
    let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = socket.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then Content-Length bytes of body.
                let body = loop {
                    let Ok(n) = stream.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if data.len() >= end + 4 + length {
                        break String::from_utf8_lossy(&data[end + 4..end + 4 + length]).into_owned();
                    }
                };
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
                let _ = tx.send(body);
            });
        }
    });
    (
        format!("http://127.0.0.1:{port}/hooks/odoo/automation-test-secret-0123456789"),
        rx,
    )
}

/// Waits up to `within` for a body naming `model` and `id`; the bodies
/// seen meanwhile are returned on failure.
async fn wait_for(
    rx: &mut mpsc::UnboundedReceiver<String>,
    model: &str,
    id: i64,
    within: Duration,
) -> Result<serde_json::Value, Vec<String>> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(body)) => {
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(&body) {
                    if json["_model"] == model && json["_id"] == id {
                        return Ok(json);
                    }
                }
                seen.push(body);
            }
            _ => return Err(seen),
        }
    }
}

/// A product template's id and price, and writes a new price.
async fn bump_price(odoo: &Client, id: i64, by: f64) -> Result<(), Error> {
    let read = odoo
        .model("product.template")
        .read(vec![id])
        .fields(["list_price"])
        .send()
        .await?;
    let price = read[0].get("list_price").and_then(Value::as_f64).unwrap_or(0.0);
    odoo.model("product.template")
        .write(vec![id], Struct::new().with("list_price", price + by))
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn rules_install_idempotently_call_the_shop_and_go_away() {
    let Some(odoo) = admin_client() else { return };
    let version = odoo.version().await.unwrap();
    let major = version.major().unwrap();
    let (url, mut rx) = listener().await;

    if major < automation::FIRST_SERIES {
        for err in [
            automation::install(&odoo, &url).await.unwrap_err(),
            automation::remove(&odoo).await.unwrap_err(),
        ] {
            assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
            let text = err.to_string();
            assert!(text.contains("no webhook action"), "{text}");
            assert!(text.contains("STOREFRONT_RESYNC_SECS"), "{text}");
        }
        let _ = writeln!(
            std::io::stderr(),
            "automation rules: Odoo {} refused, as it must",
            version.server_serie
        );
        return;
    }

    // The checks run in a task of their own: whether they pass or panic,
    // the rules are removed afterwards.
    let checks = {
        let odoo = odoo.clone();
        tokio::spawn(async move {
            // Leftovers of an interrupted run go first.
            automation::remove(&odoo).await.unwrap();

            let first = automation::install(&odoo, &url).await.unwrap();
            assert!(!first.rules.is_empty());
            assert!(
                first
                    .rules
                    .iter()
                    .all(|r| r.outcome == Outcome::Created && r.id > 0),
                "{first:?}"
            );
            let models = automation::MODELS.len() - first.skipped_models.len();
            assert_eq!(first.rules.len(), 2 * models, "{first:?}");
            assert!(
                !first.skipped_models.contains(&"product.template".to_owned()),
                "{first:?}"
            );

            let second = automation::install(&odoo, &url).await.unwrap();
            assert!(second.is_unchanged(), "{second:?}");
            assert_eq!(
                second.rules.iter().map(|r| r.id).collect::<Vec<_>>(),
                first.rules.iter().map(|r| r.id).collect::<Vec<_>>()
            );

            // An archived rule is found again and put back, not duplicated.
            let archived = first.rules[0].id;
            odoo.model("base.automation")
                .write(vec![archived], Struct::new().with("active", false))
                .send()
                .await
                .unwrap();
            let third = automation::install(&odoo, &url).await.unwrap();
            assert_eq!(third.rules[0].outcome, Outcome::Updated, "{third:?}");
            assert_eq!(third.rules[0].id, archived);
            assert_eq!(
                third
                    .rules
                    .iter()
                    .filter(|r| r.outcome != Outcome::Unchanged)
                    .count(),
                1,
                "{third:?}"
            );

            let product = odoo
                .model("product.template")
                .search(field("sale_ok").eq(true))
                .order("id")
                .limit(1)
                .send()
                .await
                .unwrap()[0];
            bump_price(&odoo, product, 1.0).await.unwrap();
            let body = wait_for(&mut rx, "product.template", product, Duration::from_secs(20))
                .await
                .unwrap_or_else(|seen| panic!("no POST for product.template {product}; seen: {seen:?}"));
            let action = body
                .get("_action")
                .or_else(|| body.get("_name"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            assert!(action.contains("product.template changed"), "{body}");
            (product, rx)
        })
    };
    let outcome = checks.await;
    let removed = automation::remove(&odoo).await;

    let (product, mut rx) = match outcome {
        Ok(done) => done,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let removed = removed.unwrap();
    assert!(!removed.is_empty());
    assert!(removed.iter().all(|r| r.outcome == Outcome::Removed));
    assert!(automation::our_rules(&odoo).await.unwrap().is_empty());
    assert!(automation::remove(&odoo).await.unwrap().is_empty());

    // Without the rules, a write calls no more.
    while rx.try_recv().is_ok() {}
    bump_price(&odoo, product, -1.0).await.unwrap();
    if let Ok(body) = wait_for(&mut rx, "product.template", product, Duration::from_secs(3)).await {
        panic!("Odoo still calls after the rules were removed: {body}");
    }
}
