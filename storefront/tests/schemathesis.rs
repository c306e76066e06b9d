//! A schemathesis run (PyPI: `schemathesis`) against the shop's OpenAPI
//! document, as a logged-in customer with the session's CSRF token: every
//! operation fuzzed from the schema (valid and invalid data), and no answer
//! may be a server error. Says `schemathesis SKIPPED (not installed)` when
//! schemathesis is not installed (`.ci/run` installs it).
//!
//! `SCHEMATHESIS_SEED` picks another seed; `SCHEMATHESIS_MAX_EXAMPLES` more
//! (or fewer) cases per operation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use odoo_double::{Dataset, OdooDouble};
use support::CLAIRE;

/// The seed of the run, unless `SCHEMATHESIS_SEED` says otherwise: the same
/// cases each time, so a failure can be replayed.
const SEED: &str = "20301";

/// How to run the installed schemathesis (its command, or the module when
/// the command is not on the PATH, as with a pyenv not rehashed), and its
/// version; `None` when it is not installed.
fn schemathesis() -> Option<(Vec<String>, String)> {
    let ways: [&[&str]; 2] = [&["schemathesis"], &["python3", "-m", "schemathesis.cli"]];
    ways.iter().find_map(|way| {
        let output = Command::new(way[0])
            .args(&way[1..])
            .arg("--version")
            .output()
            .ok()?;
        output.status.success().then(|| {
            (
                way.iter().map(|w| (*w).to_owned()).collect(),
                String::from_utf8_lossy(&output.stdout).trim().to_owned(),
            )
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error() {
    let Some((command, version)) = schemathesis() else {
        support::skip_unless_ci(
            "schemathesis",
            "not installed: python3 -m pip install schemathesis",
        );
        return;
    };
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    // A pickup slot three days ahead, so that orders can be placed.
    support::add_slot(&double, "Shop", 72, Some(10));
    let shop = support::spawn(&double).await;
    let browser = shop.browser();
    browser.log_in(CLAIRE.0, CLAIRE.1).await;
    // Something in the cart, so that placing an order goes further.
    let baguette = shop.resync.mirror().snapshot().templates.records[&1].product_variant_ids[0];
    let added = browser
        .post_form_csrf(
            "/cart",
            &[("product_id", &baguette.to_string()), ("quantity", "10")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let session = browser.cookie("sf_session").expect("a session cookie");
    let csrf = browser.csrf().await;

    let seed = std::env::var("SCHEMATHESIS_SEED").unwrap_or_else(|_| SEED.to_owned());
    let examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "100".to_owned());
    let work = support::data_dir().with_extension("schemathesis");
    std::fs::create_dir_all(&work).unwrap();
    let schema = format!("{}/api/v1/openapi.json", shop.base);
    let args: Vec<String> = vec![
        "run".into(),
        schema,
        "--checks".into(),
        "not_a_server_error".into(),
        "--header".into(),
        format!("Cookie: sf_session={session}"),
        "--header".into(),
        format!("X-CSRF-Token: {csrf}"),
        "--max-examples".into(),
        examples,
        "--seed".into(),
        seed,
        // Logging out (DELETE /api/v1/session, "Log out") would end the
        // session the run goes on with, and there is no logging in again:
        // the credentials are not in it. (`--exclude-path` and
        // `--exclude-method` together would leave out either.)
        "--exclude-by".into(),
        "/summary == Log out".into(),
        "--phases".into(),
        "examples,coverage,fuzzing".into(),
        "--request-timeout".into(),
        "10".into(),
        "--generation-database".into(),
        "none".into(),
        "--no-color".into(),
    ];
    eprintln!("{version}: {} {}", command.join(" "), args.join(" "));
    let started = std::time::Instant::now();
    let dir = work.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&command[0])
            .args(&command[1..])
            .args(&args)
            .current_dir(&dir)
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .output()
    })
    .await
    .unwrap()
    .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}\n{stderr}\nschemathesis took {:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        output.status.success(),
        "schemathesis found problems ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // It did test the API (not only fetch the schema).
    assert!(stdout.contains("/api/v1/cart/lines"), "{stdout}");
    // The customer is still logged in.
    let session = browser.get("/api/v1/session").await.json();
    assert_eq!(session["authenticated"], true, "{session}");
    // And the run went past the session and CSRF checks: the cart took
    // answers other than "log in" and "bad token".
    let metrics = browser.get("/metrics").await.body;
    let past_the_door: u64 = metrics
        .lines()
        .filter(|l| {
            l.starts_with("storefront_http_requests_total{route=\"/api/v1/cart/lines\",method=\"POST\"")
        })
        .filter(|l| !l.contains("status=\"401\"") && !l.contains("status=\"403\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert!(
        past_the_door > 10,
        "the run did not get past the login: {metrics}"
    );
}
