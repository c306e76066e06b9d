//! The shop in a real browser: starts a shop on loopback and runs
//! `tests/browser/shop.mjs` (playwright-core driving Debian's headless
//! Chromium): log in, search, add a product sold by weight, choose a pickup
//! slot, order, find the order in the history, cancel it; three members
//! share a case of 6 on the product page, the round closes, each finds
//! their order of shares; a screenshot of
//! each page at desktop and phone width in `target/browser-screenshots/`,
//! and axe-core on every page (no serious or critical violation); then the
//! main pages again with the content security policy enforced (the journey
//! bypasses it to inject axe-core): no violation.
//!
//! Says `browser test SKIPPED (...)` and passes when `node`,
//! `/usr/bin/chromium` or `tests/browser/node_modules` is missing (`.ci/run`
//! installs them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
/// The whole journey normally takes well under a minute.
const LIMIT: Duration = Duration::from_secs(300);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// Why the browser test cannot run here, if it cannot.
fn missing_tool(script_dir: &Path) -> Option<String> {
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => return Some("no `node` on PATH".to_owned()),
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("no {CHROMIUM}: apt-get install chromium"));
    }
    if !script_dir.join("node_modules").join("playwright-core").exists()
        || !script_dir.join("node_modules").join("axe-core").exists()
    {
        return Some(format!(
            "no {}/node_modules: npm ci --prefix tests/browser",
            script_dir.display()
        ));
    }
    None
}

fn run_script(script_dir: &Path, args: &[String]) -> (bool, String) {
    let mut child = Command::new("node")
        .arg(script_dir.join("shop.mjs"))
        .args(args)
        .current_dir(script_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut output = out.join().unwrap();
    output.push_str(&err.join().unwrap());
    match status {
        Some(status) => (status.success(), output),
        None => (false, format!("{output}\nbrowser test killed after {LIMIT:?}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_orders_and_cancels_in_a_real_browser() {
    let script_dir = workspace().join("tests").join("browser");
    if let Some(reason) = missing_tool(&script_dir) {
        support::skip_unless_ci("browser test", &reason);
        return;
    }

    // The demo shop, as `storefront demo` serves it.
    let bind: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    let demo = storefront::app::demo::start(bind, &support::data_dir(), 0)
        .await
        .unwrap();
    let port = demo.app.port();
    let base = format!("http://127.0.0.1:{port}");
    let server = demo.app.server_handle();
    tokio::spawn(demo.app.run_until_stopped());
    let (login, password) = storefront::app::demo::LOGINS[0];

    let out_dir = workspace().join("target").join("browser-screenshots");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();
    let args = vec![
        base,
        login.to_owned(),
        password.to_owned(),
        out_dir.display().to_string(),
        "saint".to_owned(),
        // The demo's storable goods: 2 left (honey), none (beer).
        "/products/11,/products/14".to_owned(),
        // The members who share a case of olive oil, and the staff's token.
        storefront::app::demo::LOGINS
            .iter()
            .map(|(l, p)| format!("{l}:{p}"))
            .collect::<Vec<_>>()
            .join(","),
        demo.admin_token.clone(),
        // The same process's second shop, the grocery (company 2), at its
        // own host name (Chromium resolves *.localhost to loopback): its
        // customer, a search of its own and one of the bakery's goods.
        format!(
            "http://{}:{}/|{}|{}|pois|saint",
            storefront::app::demo::GROCERY_HOST,
            port,
            storefront::app::demo::GROCERY_LOGINS[0].0,
            storefront::app::demo::GROCERY_LOGINS[0].1,
        ),
    ];
    let started = Instant::now();
    let dir = script_dir.clone();
    let (ok, output) = tokio::task::spawn_blocking(move || run_script(&dir, &args))
        .await
        .unwrap();
    println!("{output}");
    println!("browser journey: {:.1} s", started.elapsed().as_secs_f64());
    server.stop(true).await;
    drop(demo.odoo);
    assert!(
        ok,
        "the browser journey failed (its output above; screenshots in {})",
        out_dir.display()
    );
}
