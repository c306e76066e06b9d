//! The server against the Odoo double, over real HTTP on port 0: health,
//! readiness before and after the first sync and with Odoo down, and the
//! admin resync behind its token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use odoo_double::{Dataset, OdooDouble};
use storefront::app::settings::Settings;
use storefront::app::startup::Application;

const TOKEN: &str = "a-long-enough-admin-token";

struct Running {
    base: String,
    app_resync: storefront::workers::resync::Resync,
    http: reqwest::Client,
}

/// A fresh data directory for one test.
fn data_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "storefront-tests-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

async fn spawn(double: &OdooDouble) -> Running {
    spawn_in(double, &data_dir()).await
}

async fn spawn_in(double: &OdooDouble, data: &std::path::Path) -> Running {
    let vars: HashMap<&str, String> = HashMap::from([
        ("STOREFRONT_DATA_DIR", data.display().to_string()),
        ("STOREFRONT_BIND", "127.0.0.1:0".to_owned()),
        ("ODOO_URL", double.url()),
        ("ODOO_DB", double.db().to_owned()),
        ("ODOO_USER", double.admin_login().to_owned()),
        ("ODOO_PASSWORD", double.admin_password().to_owned()),
        ("STOREFRONT_RESYNC_SECS", "0".to_owned()),
        ("STOREFRONT_ADMIN_TOKEN", TOKEN.to_owned()),
    ]);
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let app_resync = app.resync().clone();
    tokio::spawn(app.run_until_stopped());
    Running {
        base,
        app_resync,
        http: reqwest::Client::new(),
    }
}

async fn readyz(app: &Running) -> (u16, serde_json::Value) {
    let response = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
    let status = response.status().as_u16();
    let body = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    (status, body)
}

#[tokio::test]
async fn health_and_readiness_follow_the_syncs() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let app = spawn(&double).await;
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    app.app_resync.attempted(1).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    assert!(body["snapshot"]["products"].as_u64().unwrap() > 5, "{body}");
    assert_eq!(body["odoo"]["reachable"], true);

    // Odoo goes down: the snapshot stays, and readiness says Odoo is away.
    double.stop().await;
    let resync = app
        .http
        .post(format!("{}/admin/resync", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resync.status().as_u16(), 502);
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["odoo"]["reachable"], false, "{body}");
    // Publicly the error's kind; its text for the admin.
    assert_eq!(body["odoo"]["last_error"], "transport", "{body}");
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");
    let status = app
        .http
        .get(format!("{}/admin/status", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(status.status().as_u16(), 200);
    let status: serde_json::Value = status.json().await.unwrap();
    assert!(
        status["odoo"]["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot reach Odoo"),
        "{status}"
    );
    let anonymous = app
        .http
        .get(format!("{}/admin/status", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test]
async fn not_ready_without_a_snapshot() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    double.stop().await;
    let app = spawn(&double).await;
    app.app_resync.attempted(1).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["odoo"]["reachable"], false);
}

#[tokio::test]
async fn the_admin_resync_needs_the_token() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let app = spawn(&double).await;
    app.app_resync.attempted(1).await;
    let url = format!("{}/admin/resync", app.base);
    for request in [
        app.http.post(&url),
        app.http.post(&url).bearer_auth("wrong-token-of-some-length"),
        app.http
            .post(&url)
            .header("Authorization", format!("Basic {TOKEN}")),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    double.clear_calls();
    let response = app.http.post(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert!(
        body["summary"].as_str().unwrap().starts_with("incremental sync"),
        "{body}"
    );
    assert!(!double.calls().is_empty(), "the resync did not call Odoo");
    let response = app
        .http
        .post(format!("{url}?full=1"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert!(
        body["summary"].as_str().unwrap().starts_with("full sync"),
        "{body}"
    );
}

#[tokio::test]
async fn a_restart_with_odoo_unreachable_serves_the_saved_snapshot() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let data = data_dir();
    let first = spawn_in(&double, &data).await;
    first.app_resync.attempted(1).await;
    let (_, before) = readyz(&first).await;
    assert_eq!(before["snapshot"]["source"], "odoo", "{before}");
    assert!(data.join("snapshot.json").is_file(), "no snapshot saved");

    double.stop().await;
    let second = spawn_in(&double, &data).await;
    second.app_resync.attempted(1).await;
    let (status, body) = readyz(&second).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["snapshot"]["source"], "saved", "{body}");
    assert_eq!(
        body["snapshot"]["products"], before["snapshot"]["products"],
        "{body}"
    );
    assert_eq!(
        body["snapshot"]["synced_at"], before["snapshot"]["synced_at"],
        "{body}"
    );
    assert_eq!(body["odoo"]["reachable"], false, "{body}");

    // Odoo back: the next sync replaces it.
    double.resume().await.unwrap();
    let response = second
        .http
        .post(format!("{}/admin/resync", second.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (_, after) = readyz(&second).await;
    assert_eq!(after["snapshot"]["source"], "odoo", "{after}");
    let _ = std::fs::remove_dir_all(&data);
}

/// `storefront serve` logs which transport it chose (here JSON-2: Odoo 19
/// with an API key and `ODOO_TRANSPORT=auto`).
#[tokio::test(flavor = "multi_thread")]
async fn serve_logs_the_transport_it_chose() {
    use std::io::BufRead as _;
    let double = OdooDouble::start(Dataset::shop().with_series("19.0"))
        .await
        .unwrap();
    let data = data_dir();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_storefront"))
        .arg("serve")
        .env_clear()
        .env("STOREFRONT_BIND", "127.0.0.1:0")
        .env("STOREFRONT_DATA_DIR", &data)
        .env("ODOO_URL", double.url())
        .env("ODOO_DB", double.db())
        .env("ODOO_USER", double.admin_login())
        .env("ODOO_API_KEY", double.admin_api_key().unwrap())
        .env("ODOO_TRANSPORT", "auto")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Reads until the line shows (or the process ends), then stops it.
    let found = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find(|line| line.contains("chose the Odoo transport"))
    });
    let line = tokio::time::timeout(std::time::Duration::from_secs(60), found).await;
    let _ = child.kill();
    let _ = child.wait();
    let line = line
        .expect("no log line in time")
        .unwrap()
        .expect("serve ended without logging its transport");
    assert!(line.contains("json2") && line.contains("19.0"), "{line}");
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test]
async fn metrics_expose_requests_syncs_the_outbox_and_odoo_errors() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let app = spawn(&double).await;
    app.app_resync.attempted(1).await;
    for path in ["/", "/login", "/categories/1", "/nope"] {
        app.http.get(format!("{}{path}", app.base)).send().await.unwrap();
    }
    double.stop().await;
    let _ = app.app_resync.sync_now().await;
    let response = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    for series in [
        "storefront_http_requests_total{route=\"/\",method=\"GET\",status=\"200\"} 1",
        "storefront_http_requests_total{route=\"/categories/{id}\",method=\"GET\",status=\"303\"} 1",
        "storefront_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1",
        // Once asked for, once where /categories/1 sent the visitor.
        "storefront_http_request_duration_seconds_bucket{route=\"/login\",method=\"GET\",le=\"+Inf\"} 2",
        "storefront_syncs_total{kind=\"full\",outcome=\"ok\"} 1",
        "storefront_syncs_total{kind=\"any\",outcome=\"error\"} 1",
        "storefront_sync_duration_seconds_count{kind=\"full\"} 1",
        "storefront_mirror_records{model=\"products\"}",
        "storefront_outbox_depth 0",
        "storefront_odoo_up 0",
        "storefront_odoo_errors_total{kind=\"transport\"}",
        "storefront_log_lines_dropped_total 0",
    ] {
        assert!(text.contains(series), "{series} in:\n{text}");
    }
    // Every answer carries a request id; a well-formed one is kept.
    let answer = app
        .http
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-request-id"], "abc-123");
    let answer = app
        .http
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(answer.headers()["x-request-id"], "<script>");
}
