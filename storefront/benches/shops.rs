//! Several shops of 10,000 products each in one process: what each shop
//! costs in memory, how long their first syncs take, and whether a
//! category page of one of them is served as fast as when it is alone.
//!
//! `cargo bench -p storefront --bench shops 2>/tmp/shops-bench.log`
//!
//! For N = 1, 5 and 20, a fresh process (this binary, run again) starts an
//! Odoo double of 10,000 published products (`Dataset::shop().grown`), reads
//! its resident memory, then serves N shops on it (`STOREFRONT_SHOPS`, one
//! host name each), each with its own mirror of the 10,000 products: the
//! resident memory once every shop has synced, the time that took, then a
//! category page of the first shop under `wrk -t1 -c16` (10 s after a 2 s
//! warm-up, one logged-in customer, gzip). The double's own memory is
//! measured before the shops start and subtracted. No logger is installed
//! (the category benchmark measures what the access log costs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

const PRODUCTS: usize = 10_000;
const CONNECTIONS: &str = "16";
const SECONDS: &str = "10";
const WARM_UP_SECONDS: &str = "2";
const CHILD: &str = "SHOPS_BENCH_N";

/// The resident memory of this process, in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `wrk` on `url` with these headers: requests/s, p99 in ms, failures.
fn wrk(url: &str, headers: &[String], seconds: &str) -> (f64, f64, u64) {
    let script = std::env::temp_dir().join(format!("shops-bench-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        r#"
failed = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status) if status ~= 200 then failed = failed + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("failed") end
  io.write(string.format("MEASURE %f %f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(99) / 1000,
    n + summary.errors.connect + summary.errors.read + summary.errors.timeout + summary.errors.status))
end
"#,
    )
    .unwrap();
    let mut command = Command::new("wrk");
    command.args(["-t1", "-c", CONNECTIONS, "-d", &format!("{seconds}s"), "-s"]);
    command.arg(&script);
    for header in headers {
        command.args(["-H", header]);
    }
    let out = command.arg(url).output().expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("MEASURE"))
        .unwrap_or_else(|| panic!("{text}"));
    let v: Vec<&str> = line.split_whitespace().collect();
    (
        v[1].parse().unwrap(),
        v[2].parse().unwrap(),
        v[3].parse().unwrap(),
    )
}

/// One measure, in this (fresh) process: `n` shops.
fn measure(n: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let double = odoo_double::OdooDouble::start(odoo_double::Dataset::shop().grown(PRODUCTS))
            .await
            .unwrap();
        let before = resident_kib();
        let data = std::env::temp_dir().join(format!("shops-bench-{}", std::process::id()));
        let keys: Vec<String> = (1..=n).map(|i| format!("s{i}")).collect();
        let mut vars: HashMap<String, String> = [
            ("STOREFRONT_BIND", "127.0.0.1:0".to_owned()),
            ("STOREFRONT_DATA_DIR", data.display().to_string()),
            ("ODOO_URL", double.url()),
            ("ODOO_DB", double.db().to_owned()),
            ("ODOO_USER", double.admin_login().to_owned()),
            ("ODOO_PASSWORD", double.admin_password().to_owned()),
            ("STOREFRONT_RESYNC_SECS", "0".to_owned()),
            ("STOREFRONT_PROBE_SECS", "0".to_owned()),
            ("STOREFRONT_SHOPS", keys.join(",")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for key in &keys {
            vars.insert(
                format!("SHOPS_{}_HOSTS", key.to_uppercase()),
                format!("{key}.localhost"),
            );
        }
        let shops = storefront::app::settings::Settings::all_from_lookup(|k| vars.get(k).cloned()).unwrap();
        let started = Instant::now();
        let app = storefront::app::startup::Application::build_all(shops)
            .await
            .unwrap();
        let port = app.port();
        let resyncs: Vec<_> = keys.iter().map(|k| app.resync_of(k).unwrap().clone()).collect();
        let server = app.server_handle();
        tokio::spawn(app.run_until_stopped());
        for resync in &resyncs {
            resync.attempted(1).await;
        }
        let synced = started.elapsed();
        let products: usize = resyncs
            .iter()
            .map(|r| r.mirror().snapshot().product_count())
            .sum();
        let after = resident_kib();

        // The first shop's biggest category, as a logged-in customer.
        let host = "s1.localhost";
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(host, std::net::SocketAddr::from(([127, 0, 0, 1], port)))
            .build()
            .unwrap();
        let base = format!("http://{host}:{port}");
        let cookie = support::log_in(&http, &base, "claire@example.com", "claire-password").await;
        let categories: serde_json::Value = http
            .get(format!("{base}/api/v1/categories"))
            .header("cookie", format!("sf_session={cookie}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let biggest = categories["categories"]
            .as_array()
            .unwrap()
            .iter()
            .max_by_key(|c| c["product_count"].as_u64())
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}/categories/{biggest}");
        let headers = vec![
            format!("Host: {host}:{port}"),
            format!("Cookie: sf_session={cookie}"),
            "Accept-Encoding: gzip, deflate, br".to_owned(),
        ];
        let (rps, p99, failed) = tokio::task::spawn_blocking(move || {
            wrk(&url, &headers, WARM_UP_SECONDS);
            wrk(&url, &headers, SECONDS)
        })
        .await
        .unwrap();
        println!(
            "RESULT {n} {products} {} {} {:.2} {rps:.0} {p99:.2} {failed}",
            before,
            after,
            synced.as_secs_f64()
        );
        server.stop(true).await;
        let _ = std::fs::remove_dir_all(&data);
    });
}

fn main() {
    if let Ok(n) = std::env::var(CHILD) {
        measure(n.parse().unwrap());
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("shops benchmark SKIPPED: no wrk (apt-get install wrk)");
        return;
    }
    let me = std::env::current_exe().unwrap();
    let mut rows = Vec::new();
    for n in [1usize, 5, 20] {
        let out = Command::new(&me).env(CHILD, n.to_string()).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.starts_with("RESULT"))
            .unwrap_or_else(|| panic!("{n} shops: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
        let v: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        rows.push(v);
    }
    println!(
        "{PRODUCTS} products per shop (the double's, in the same process, subtracted); \
         wrk -t1 -c{CONNECTIONS}, {SECONDS} s after {WARM_UP_SECONDS} s, one customer, gzip, the first shop's biggest category"
    );
    println!("| shops | products mirrored | resident memory of the shops | per shop | first syncs, all shops | category page | p99 | failed |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let alone = rows[0][5];
    for v in &rows {
        let shops_mib = (v[3] - v[2]) / 1024.0;
        println!(
            "| {} | {} | {:.0} MiB | {:.1} MiB | {:.2} s | {:.0} /s ({:.1} % of one shop's) | {:.2} ms | {} |",
            v[0],
            v[1],
            shops_mib,
            shops_mib / v[0],
            v[4],
            v[5],
            100.0 * v[5] / alone,
            v[6],
            v[7]
        );
    }
}
