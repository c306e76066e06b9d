//! A category page of a 10,000-product shop under load, against a trivial
//! actix-web handler measured in the same rounds (the budget: a page at
//! 0.6 of its throughput and `/healthz` at 0.8, with a 99th percentile
//! under 5 ms, the access log on).
//!
//! `cargo bench -p storefront --bench category 2>/tmp/category-bench.log`
//!
//! The shop logs as `storefront serve` does (`STOREFRONT_LOG`, `info` by
//! default: one access log line per request) to standard error, which the
//! command above sends to a file; the run ends with the access lines in
//! that file against the requests the shop counted, and how many lines
//! were dropped.
//!
//! Both servers run in this process with the same number of workers; the
//! load comes from `wrk` (Debian's package) in another process, which shares
//! the machine's two cores with them, as it would on a small shop's server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use actix_web::{web, App, HttpResponse, HttpServer};

const CONNECTIONS: &str = "16";
/// Rounds of each line, and their length.
const ROUNDS: usize = 3;
const ROUND_SECONDS: &str = "5";
const WARM_UP_SECONDS: &str = "2";

/// A line of the table: its name, the server, the load, and the trivial
/// handler's load it is compared with and the ratio it should reach.
type Line = (&'static str, String, Load, Option<(Load, f64)>);

/// What wrk measured.
struct Measure {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: u64,
    kib_per_answer: f64,
}

/// What the load asks for: the requests go round the cookies (one per
/// customer), then the paths.
#[derive(Clone, Default)]
struct Load {
    cookies: Vec<String>,
    paths: Vec<String>,
    /// `Accept-Encoding: gzip, deflate, br`, as browsers send.
    gzip: bool,
    /// A query parameter that makes each request's path new (no page is
    /// ever asked twice: what a page costs when it is not kept).
    unique: bool,
}

fn wrk(base: &str, load: &Load, seconds: &str) -> Measure {
    let script = std::env::temp_dir().join(format!("category-bench-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        r#"
local function words(s) local t = {} for w in string.gmatch(s or "", "%S+") do table.insert(t, w) end return t end
local cookies = words(os.getenv("BENCH_COOKIES"))
local paths = words(os.getenv("BENCH_PATHS"))
local gzip = os.getenv("BENCH_GZIP") == "1"
local unique = os.getenv("BENCH_UNIQUE") == "1"
local n = 0
if #cookies <= 1 and #paths == 1 and not unique then
  -- One request over and over: wrk's own, prepared once.
  wrk.path = paths[1]
  if #cookies == 1 then wrk.headers["Cookie"] = "sf_session=" .. cookies[1] end
  if gzip then wrk.headers["Accept-Encoding"] = "gzip, deflate, br" end
else
  -- Requests made by this script, each in turn (costs wrk some speed: the
  -- trivial handler is measured the same way for these).
  function request()
    n = n + 1
    local headers = {}
    if #cookies > 0 then headers["Cookie"] = "sf_session=" .. cookies[(n % #cookies) + 1] end
    if gzip then headers["Accept-Encoding"] = "gzip, deflate, br" end
    local path = paths[(math.floor(n / math.max(#cookies, 1)) % #paths) + 1]
    if unique then
      local sep = "?"
      if string.find(path, "?", 1, true) then sep = "&" end
      path = path .. sep .. "r=" .. n
    end
    return wrk.format("GET", path, headers)
  end
end
-- No `response` function: with one, wrk would keep every answer's
-- headers and body and make them a Lua table and string, a cost on the
-- cores the servers share that grows with the answer (an answer's status is
-- checked before the load; wrk counts those of 400 and above).
function done(summary, latency, requests)
  io.write(string.format("MEASURE %f %f %f %d %f\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
      + summary.errors.status,
    summary.bytes / math.max(summary.requests, 1) / 1024))
end
"#,
    )
    .unwrap();
    let out = Command::new("wrk")
        .args(["-t1", "-c", CONNECTIONS, "-d", &format!("{seconds}s"), "-s"])
        .arg(&script)
        .arg(base)
        .env("BENCH_COOKIES", load.cookies.join(" "))
        .env("BENCH_PATHS", load.paths.join(" "))
        .env("BENCH_GZIP", if load.gzip { "1" } else { "0" })
        .env("BENCH_UNIQUE", if load.unique { "1" } else { "0" })
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
        kib_per_answer: v[5].parse().unwrap(),
    }
}

/// Makes each request of a load once; panics unless each answers 200.
async fn answers_ok(http: &reqwest::Client, name: &str, base: &str, load: &Load) {
    let cookies: Vec<Option<&String>> = if load.cookies.is_empty() {
        vec![None]
    } else {
        load.cookies.iter().map(Some).collect()
    };
    for cookie in cookies {
        for path in &load.paths {
            let path = if load.unique {
                format!("{path}{}r=0", if path.contains('?') { '&' } else { '?' })
            } else {
                path.clone()
            };
            let mut request = http.get(format!("{base}{path}"));
            if let Some(cookie) = cookie {
                request = request.header("cookie", format!("sf_session={cookie}"));
            }
            if load.gzip {
                request = request.header("accept-encoding", "gzip, deflate, br");
            }
            let status = request.send().await.unwrap().status();
            assert_eq!(status, 200, "{name}: {path} answered {status}");
        }
    }
}

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("category benchmark SKIPPED: no wrk (apt-get install wrk)");
        return;
    }
    let log = storefront::http::logging::init_from_env().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let answered = runtime.block_on(async {
        let data = std::env::temp_dir().join(format!("category-bench-{}", std::process::id()));
        let demo = storefront::app::demo::start("127.0.0.1:0".parse().unwrap(), &data, 10_000)
            .await
            .unwrap();
        let base = format!("http://127.0.0.1:{}", demo.app.port());
        let shop = demo.app.server_handle();
        tokio::spawn(demo.app.run_until_stopped());

        // The trivial handler, with as many workers as the shop (actix's
        // default: one per core); it answers any path.
        let trivial = HttpServer::new(|| {
            App::new().default_service(web::to(|| async { HttpResponse::Ok().body("ok") }))
        })
        .bind(("127.0.0.1", 0))
        .unwrap();
        let trivial_url = format!("http://127.0.0.1:{}", trivial.addrs()[0].port());
        let trivial = trivial.run();
        let trivial_handle = trivial.handle();
        tokio::spawn(trivial);

        // The demo's customers (three pricelists), logged in.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut cookies = Vec::new();
        for (login, password) in storefront::app::demo::LOGINS {
            cookies.push(support::log_in(&http, &base, login, password).await);
        }
        // The biggest category.
        let categories: serde_json::Value = http
            .get(format!("{base}/api/v1/categories"))
            .header("cookie", format!("sf_session={}", cookies[0]))
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

        // The page's own bytes served as a static body: what moving them
        // through the socket and wrk costs, whatever the shop does.
        let body = http
            .get(format!("{base}/categories/{id}"))
            .header("cookie", format!("sf_session={}", cookies[0]))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        println!("category page 1: {} bytes of HTML", body.len());
        let same_bytes = HttpServer::new(move || {
            let body = body.clone();
            App::new().default_service(web::to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(body)
                }
            }))
        })
        .bind(("127.0.0.1", 0))
        .unwrap();
        let same_bytes_url = format!("http://127.0.0.1:{}", same_bytes.addrs()[0].port());
        let same_bytes = same_bytes.run();
        let same_bytes_handle = same_bytes.handle();
        tokio::spawn(same_bytes);

        let page1 = vec![format!("/categories/{id}")];
        let pages: Vec<String> = (1..=50).map(|p| format!("/categories/{id}?page={p}")).collect();
        let one = Load {
            cookies: cookies[..1].to_vec(),
            paths: page1.clone(),
            gzip: true,
            unique: false,
        };
        let all = Load {
            cookies: cookies.clone(),
            paths: pages.clone(),
            gzip: true,
            unique: false,
        };
        // Each page load is compared with the trivial handler under the
        // same kind of load: one request repeated, or requests made by the
        // script in turn.
        let repeated = Load {
            paths: page1.clone(),
            ..Load::default()
        };
        let scripted = Load {
            paths: pages.clone(),
            cookies: cookies.clone(),
            ..Load::default()
        };
        // Each line but the static body is measured in rounds, each round
        // the trivial handler under the same kind of load (one request
        // repeated, or requests made by the script in turn) then the line:
        // the ratio compares the two over the same minutes, so that the
        // machine's drift (±20 % between runs on this VM) moves both.
        let runs: Vec<Line> = vec![
            ("page 1's HTML as a static body", same_bytes_url, repeated.clone(), None),
            (
                "/healthz",
                base.clone(),
                Load {
                    paths: vec!["/healthz".to_owned()],
                    ..Load::default()
                },
                Some((repeated.clone(), 0.8)),
            ),
            (
                "category page 1, one customer, gzip",
                base.clone(),
                one.clone(),
                Some((repeated.clone(), 0.6)),
            ),
            (
                "pages 1-50, three customers, gzip",
                base.clone(),
                all.clone(),
                Some((scripted.clone(), 0.5)),
            ),
            (
                "pages 1-50, three customers, no gzip",
                base.clone(),
                Load {
                    gzip: false,
                    ..all.clone()
                },
                Some((scripted.clone(), 0.5)),
            ),
            (
                "every request a new page (nothing kept), gzip",
                base.clone(),
                Load { unique: true, ..all },
                Some((scripted, 0.5)),
            ),
        ];
        // `CATEGORY_BENCH_SECONDS=60 CATEGORY_BENCH_ONLY=page` measures only
        // the lines whose name holds that text, in one round of that long
        // and without the trivial handler (to profile one line under `perf`).
        let only = std::env::var("CATEGORY_BENCH_ONLY").unwrap_or_default();
        let runs: Vec<Line> = runs.into_iter().filter(|(name, ..)| name.contains(only.as_str())).collect();
        // Every request a load makes answers 200 (wrk counts only the
        // answers of 400 and above as failed, and a redirection to the
        // login page would pass for a page).
        for (name, url, load, compared) in &runs {
            answers_ok(&http, name, url, load).await;
            if let Some((trivial_load, _)) = compared {
                answers_ok(&http, name, &trivial_url, trivial_load).await;
            }
        }
        let profile = std::env::var("CATEGORY_BENCH_SECONDS").ok();
        let results = tokio::task::spawn_blocking(move || {
            runs.into_iter()
                .map(|(name, url, load, compared)| {
                    // A warm-up, not measured: the pages asked for are
                    // rendered and kept, as a shop's are once visited.
                    wrk(&url, &load, WARM_UP_SECONDS);
                    if let Some(seconds) = &profile {
                        return (name, vec![wrk(&url, &load, seconds)], None);
                    }
                    let Some((trivial_load, target)) = compared else {
                        return (name, vec![wrk(&url, &load, ROUND_SECONDS)], None);
                    };
                    wrk(&trivial_url, &trivial_load, WARM_UP_SECONDS);
                    let (mut lines, mut trivials) = (Vec::new(), Vec::new());
                    for _ in 0..ROUNDS {
                        trivials.push(wrk(&trivial_url, &trivial_load, ROUND_SECONDS));
                        lines.push(wrk(&url, &load, ROUND_SECONDS));
                    }
                    let trivial_rps = trivials.iter().map(|m| m.rps).sum::<f64>() / trivials.len() as f64;
                    (name, lines, Some((trivial_rps, target)))
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        println!(
            "{CONNECTIONS} connections; {ROUNDS} rounds of {ROUND_SECONDS} s of the trivial handler then \
             {ROUND_SECONDS} s of the line, after {WARM_UP_SECONDS} s of warm-up of each; wrk in another \
             process on the same 2 cores"
        );
        println!(
            "| target | requests/s | p50 | p99 (worst round) | KiB per answer | failed | trivial handler, same rounds | ratio |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
        let mut verdicts = Vec::new();
        for (name, rounds, compared) in &results {
            let n = rounds.len() as f64;
            let rps = rounds.iter().map(|m| m.rps).sum::<f64>() / n;
            let p50 = rounds.iter().map(|m| m.p50_ms).sum::<f64>() / n;
            let p99 = rounds.iter().map(|m| m.p99_ms).fold(0.0, f64::max);
            let kib = rounds.iter().map(|m| m.kib_per_answer).sum::<f64>() / n;
            let failed: u64 = rounds.iter().map(|m| m.failed).sum();
            let (trivial, ratio) = match compared {
                Some((trivial, target)) => {
                    let ratio = rps / trivial;
                    verdicts.push(format!(
                        "{name}: ratio {ratio:.3} to the trivial handler (target ≥ {target}: {}), \
                         p99 {p99:.2} ms (target < 5 ms: {})",
                        if ratio >= *target { "PASS" } else { "FAIL" },
                        if p99 < 5.0 { "PASS" } else { "FAIL" }
                    ));
                    (format!("{trivial:.0}"), format!("{ratio:.3}"))
                }
                None => ("".to_owned(), "".to_owned()),
            };
            println!(
                "| {name} | {rps:.0} | {p50:.2} ms | {p99:.2} ms | {kib:.1} | {failed} | {trivial} | {ratio} |"
            );
        }
        for verdict in verdicts {
            println!("{verdict}");
        }
        // The requests the shop answered, by its own count (`/metrics`),
        // once it is idle: a request wrk sent as its run ended may still be
        // answered (and logged) after it. Idle when two reads 100 ms apart
        // count the same requests but their own; the last read is answered
        // after it counts.
        let mut before = None;
        let answered = loop {
            let metrics = http
                .get(format!("{base}/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let (mut all, mut others) = (0u64, 0u64);
            for line in metrics.lines().filter(|l| l.starts_with("storefront_http_requests_total{")) {
                let n: u64 = line.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
                all += n;
                if !line.contains("route=\"/metrics\"") {
                    others += n;
                }
            }
            if before == Some(others) {
                break all + 1;
            }
            before = Some(others);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        shop.stop(true).await;
        trivial_handle.stop(true).await;
        same_bytes_handle.stop(true).await;
        let _ = std::fs::remove_dir_all(&data);
        answered
    });
    let dropped = storefront::http::logging::dropped_lines();
    // Every line written out before they are counted.
    drop(log);
    // The access lines in the file standard error was sent to.
    let written = std::fs::metadata("/proc/self/fd/2")
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|_| std::fs::read_to_string("/proc/self/fd/2").ok())
        .map(|log| {
            log.lines()
                .filter(|l| l.contains(": answered status=") || l.contains("\"message\":\"answered\""))
                .count() as u64
        });
    match written {
        Some(written) => println!(
            "access log: {written} lines written for {answered} requests the shop answered, {dropped} dropped \
             (every request its line: {})",
            if written == answered && dropped == 0 { "PASS" } else { "FAIL" }
        ),
        None => println!(
            "access log: {dropped} lines dropped of {answered} requests the shop answered (send standard \
             error to a file to count the lines written)"
        ),
    }
}
