//! A category page of a 10,000-product shop under load, against a trivial
//! actix-web handler measured in the same run (the budget: at least half its
//! throughput, and a 99th percentile under 5 ms).
//!
//! `cargo bench -p storefront --bench category`
//!
//! Both servers run in this process with the same number of workers; the
//! load comes from `wrk` (Debian's package) in another process, which shares
//! the machine's two cores with them, as it would on a small shop's server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};

const CONNECTIONS: &str = "16";
const SECONDS: &str = "10";

/// What wrk measured.
struct Measure {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: u64,
}

fn wrk(url: &str, cookie: Option<&str>) -> Measure {
    let script = std::env::temp_dir().join(format!("category-bench-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        r#"
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = "sf_session=" .. cookie end
failed = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status) if status ~= 200 then failed = failed + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("failed") end
  io.write(string.format("MEASURE %f %f %f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, n + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"#,
    )
    .unwrap();
    let out = Command::new("wrk")
        .args(["-t1", "-c", CONNECTIONS, "-d", &format!("{SECONDS}s"), "-s"])
        .arg(&script)
        .arg(url)
        .env("BENCH_COOKIE", cookie.unwrap_or(""))
        .output()
        .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("MEASURE"))
        .unwrap_or_else(|| panic!("{text}"));
    let v: Vec<&str> = line.split_whitespace().collect();
    Measure {
        rps: v[1].parse().unwrap(),
        p50_ms: v[2].parse().unwrap(),
        p99_ms: v[3].parse().unwrap(),
        failed: v[4].parse().unwrap(),
    }
}

/// The `sf_session` cookie an answer sets.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response.headers().get_all("set-cookie").iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let value = v.strip_prefix("sf_session=")?;
        Some(value.split(';').next()?.to_owned())
    })
}

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("category benchmark SKIPPED: no wrk (apt-get install wrk)");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let data = std::env::temp_dir().join(format!("category-bench-{}", std::process::id()));
        let demo = storefront::demo::start("127.0.0.1:0".parse().unwrap(), &data, 10_000)
            .await
            .unwrap();
        let base = format!("http://127.0.0.1:{}", demo.app.port());
        let shop = demo.app.server_handle();
        tokio::spawn(demo.app.run_until_stopped());

        // The trivial handler, with as many workers as the shop (actix's
        // default: one per core).
        let trivial = HttpServer::new(|| {
            App::new().route("/", web::get().to(|| async { HttpResponse::Ok().body("ok") }))
        })
        .bind(("127.0.0.1", 0))
        .unwrap();
        let trivial_port = trivial.addrs()[0].port();
        let trivial = trivial.run();
        let trivial_handle = trivial.handle();
        tokio::spawn(trivial);

        // A customer's session.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let session = http.get(format!("{base}/api/v1/session")).send().await.unwrap();
        let anon = session_cookie(&session).unwrap();
        let token: serde_json::Value = session.json().await.unwrap();
        let login = http
            .post(format!("{base}/login"))
            .header("cookie", format!("sf_session={anon}"))
            .form(&[
                ("csrf_token", token["csrf_token"].as_str().unwrap()),
                ("login", "claire@example.com"),
                ("password", "claire-password"),
            ])
            .send()
            .await
            .unwrap();
        let cookie = session_cookie(&login).unwrap();
        // The biggest category, page 1 and a deep page.
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
            .unwrap();
        let (id, count) = (
            biggest["id"].as_i64().unwrap(),
            biggest["product_count"].as_u64().unwrap(),
        );
        println!("shop: 10,000 products added to the demo; category {id} holds {count}");
        tokio::time::sleep(Duration::from_millis(500)).await;

        let cookie_for_wrk = cookie.clone();
        let trivial_url = format!("http://127.0.0.1:{trivial_port}/");
        let page1 = format!("{base}/categories/{id}");
        let deep = format!("{base}/categories/{id}?page=100");
        let results = tokio::task::spawn_blocking(move || {
            vec![
                ("trivial actix-web handler", wrk(&trivial_url, None)),
                (
                    "category page 1 (24 products)",
                    wrk(&page1, Some(&cookie_for_wrk)),
                ),
                ("category page 100", wrk(&deep, Some(&cookie_for_wrk))),
            ]
        })
        .await
        .unwrap();
        println!("{CONNECTIONS} connections, {SECONDS} s each, wrk in another process on the same 2 cores");
        println!("| target | requests/s | p50 | p99 | failed |");
        println!("| --- | --- | --- | --- | --- |");
        for (name, m) in &results {
            println!(
                "| {name} | {:.0} | {:.2} ms | {:.2} ms | {} |",
                m.rps, m.p50_ms, m.p99_ms, m.failed
            );
        }
        let trivial_rps = results[0].1.rps;
        for (name, m) in &results[1..] {
            let ratio = m.rps / trivial_rps;
            println!(
                "{name}: ratio {ratio:.3} (target ≥ 0.5: {}), p99 {:.2} ms (target < 5 ms: {})",
                if ratio >= 0.5 { "PASS" } else { "FAIL" },
                m.p99_ms,
                if m.p99_ms < 5.0 { "PASS" } else { "FAIL" }
            );
        }
        shop.stop(true).await;
        trivial_handle.stop(true).await;
        let _ = std::fs::remove_dir_all(&data);
    });
}
