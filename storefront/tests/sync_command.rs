//! `storefront sync`, as a cron runs it, against the Odoo double.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use odoo_double::{Dataset, OdooDouble};

async fn sync(url: &str, db: &str, user: &str, password: &str) -> Output {
    let (url, db, user, password) = (
        url.to_owned(),
        db.to_owned(),
        user.to_owned(),
        password.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_storefront"))
            .arg("sync")
            .env("ODOO_URL", url)
            .env("ODOO_DB", db)
            .env("ODOO_USER", user)
            .env("ODOO_PASSWORD", password)
            .env("SHOP_LANGUAGES", "fr_FR,en_US")
            .env("ODOO_TIMEOUT_SECS", "5")
            // Settings of a real Odoo in this environment must not leak in.
            .env_remove("ODOO_API_KEY")
            .env_remove("ODOO_TRANSPORT")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn one_line(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert_eq!(text.trim_end().lines().count(), 1, "not one line: {text:?}");
    text.trim_end().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_successful_sync_prints_a_one_line_summary() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let out = sync(
        &double.url(),
        double.db(),
        double.admin_login(),
        double.admin_password(),
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = one_line(&out.stdout);
    assert!(line.starts_with("full sync in "), "{line}");
    assert!(
        line.contains(" products") && line.contains(" customers") && line.contains(" calls"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_credentials_fail_with_one_clear_line() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let out = sync(&double.url(), double.db(), double.admin_login(), "wrong").await;
    assert!(!out.status.success());
    let line = one_line(&out.stderr);
    assert!(line.contains("refused the login"), "{line}");
    assert!(!line.contains("wrong"), "the password is shown: {line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_odoo_fails_with_one_clear_line() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let url = double.url();
    double.stop().await;
    let out = sync(&url, double.db(), double.admin_login(), double.admin_password()).await;
    assert!(!out.status.success());
    let line = one_line(&out.stderr);
    assert!(line.contains("cannot reach Odoo"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_setting_is_named() {
    let out = tokio::task::spawn_blocking(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_storefront"))
            .arg("sync")
            .env_clear()
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    assert!(one_line(&out.stderr).contains("ODOO_URL"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_transport_is_a_setting() {
    let double = OdooDouble::start(Dataset::shop().with_series("19.0"))
        .await
        .unwrap();
    let (url, db, user) = (
        double.url(),
        double.db().to_owned(),
        double.admin_login().to_owned(),
    );
    let key = double.admin_api_key().unwrap().to_owned();
    let run = |transport: &'static str| {
        let (url, db, user, key) = (url.clone(), db.clone(), user.clone(), key.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_storefront"))
                .arg("sync")
                .env("ODOO_URL", url)
                .env("ODOO_DB", db)
                .env("ODOO_USER", user)
                .env_remove("ODOO_PASSWORD")
                .env("ODOO_API_KEY", key)
                .env("ODOO_TRANSPORT", transport)
                .output()
                .unwrap()
        })
    };
    for (transport, over) in [
        ("json2", "over JSON-2"),
        ("auto", "over JSON-2"),
        ("xmlrpc", "over XML-RPC"),
    ] {
        let out = run(transport).await.unwrap();
        assert!(
            out.status.success(),
            "{transport}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = one_line(&out.stdout);
        assert!(line.ends_with(&format!("({over})")), "{transport}: {line}");
    }
    let out = run("soap").await.unwrap();
    assert!(!out.status.success());
    assert!(one_line(&out.stderr).contains("ODOO_TRANSPORT"));
}
