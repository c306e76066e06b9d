//! Shared by the storefront's end-to-end tests: a shop started against the
//! Odoo double on port 0, and a cookie-keeping HTTP client that does not
//! follow redirects (so tests see them).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use odoo_double::OdooDouble;
use storefront::app::settings::Settings;
use storefront::app::startup::Application;

/// Whether this run is CI's (`CI` set, and not to `false` or `0`): there
/// nothing may skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A test that cannot run here for want of a tool: on a developer's machine
/// it says SKIPPED and passes; in CI it fails, naming what is missing.
pub fn skip_unless_ci(test: &str, missing: &str) {
    assert!(!in_ci(), "{test} cannot run in CI: {missing}");
    println!("{test} SKIPPED ({missing})");
}

/// The admin token of test shops.
pub const ADMIN_TOKEN: &str = "a-long-enough-admin-token";

/// A fresh data directory for one test: random, since process ids come
/// back and a directory left by an earlier test of the same id would hand
/// this one its store (its favorites, carts and sessions).
pub fn data_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "storefront-e2e-{}-{}",
        std::process::id(),
        storefront::store::ids::random_id()
    ))
}

/// Polls `check` every 10 ms until it holds, failing once `limit` has
/// passed since `started`; how long it took since `started`.
pub async fn until<F: std::future::Future<Output = bool>>(
    started: std::time::Instant,
    limit: std::time::Duration,
    mut check: impl FnMut() -> F,
) -> std::time::Duration {
    while !check().await {
        assert!(started.elapsed() < limit, "not within {limit:?}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    started.elapsed()
}

/// Polls `check` every `every` until it gives a value; fails past `limit`,
/// saying `what` did not come.
pub async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    limit: std::time::Duration,
    every: std::time::Duration,
    mut check: impl FnMut() -> F,
) -> T {
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(every).await;
    }
}

/// The ids of an x2many (or a many2one's id) as Odoo reads it.
pub fn ids_of(value: Option<&connector::xmlrpc::Value>) -> Vec<i64> {
    use connector::xmlrpc::Value;
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_i64).collect(),
        Some(Value::Int(id)) => vec![*id],
        _ => Vec::new(),
    }
}

/// A running shop.
pub struct Shop {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// Its mirror keeper.
    pub resync: storefront::workers::resync::Resync,
    /// Its data directory.
    pub data: std::path::PathBuf,
    server: actix_web::dev::ServerHandle,
    /// Its host name and port, when it is one of several shops.
    at: Option<(String, u16)>,
}

impl Shop {
    /// A new browser on this shop.
    pub fn browser(&self) -> Browser {
        match &self.at {
            Some((host, port)) => Browser::at_host(host, *port),
            None => Browser::new(&self.base),
        }
    }

    /// Stops the server (a restart is `spawn_in` on the same directory).
    pub async fn stop(self) {
        self.server.stop(true).await;
    }

    /// Syncs now and waits for it.
    pub async fn sync(&self) {
        self.resync.sync_now().await.unwrap();
    }
}

/// Starts a shop on the double, with a fresh data directory, after its
/// first sync.
pub async fn spawn(double: &OdooDouble) -> Shop {
    spawn_with(double, &data_dir(), &[]).await
}

/// Starts a shop on the double with data in `data` and extra settings.
pub async fn spawn_with(double: &OdooDouble, data: &std::path::Path, extra: &[(&str, &str)]) -> Shop {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("STOREFRONT_DATA_DIR".to_owned(), data.display().to_string()),
        ("STOREFRONT_BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("ODOO_URL".to_owned(), double.url()),
        ("ODOO_DB".to_owned(), double.db().to_owned()),
        ("ODOO_USER".to_owned(), double.admin_login().to_owned()),
        ("ODOO_PASSWORD".to_owned(), double.admin_password().to_owned()),
        ("STOREFRONT_RESYNC_SECS".to_owned(), "0".to_owned()),
        ("STOREFRONT_PROBE_SECS".to_owned(), "0".to_owned()),
        ("STOREFRONT_ADMIN_TOKEN".to_owned(), ADMIN_TOKEN.to_owned()),
        ("SHOP_LANGUAGES".to_owned(), "en_US,fr_FR".to_owned()),
    ]);
    for (k, v) in extra {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    spawn_settings(data, vars).await
}

/// Starts a shop with these settings and data directory, after its first
/// sync.
pub async fn spawn_settings(data: &std::path::Path, vars: HashMap<String, String>) -> Shop {
    // The server's log, shown with a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_test_writer()
        .try_init();
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let resync = app.resync().clone();
    let server = app.server_handle();
    tokio::spawn(app.run_until_stopped());
    resync.attempted(1).await;
    Shop {
        base,
        resync,
        data: data.to_owned(),
        server,
        at: None,
    }
}

/// A server of several shops, each after its first sync.
pub struct Shops {
    /// The port every shop listens on.
    pub port: u16,
    server: actix_web::dev::ServerHandle,
    /// Each shop, by key, asked by its first host name.
    pub shops: Vec<(String, Shop)>,
}

impl Shops {
    /// Stops the server.
    pub async fn stop(self) {
        self.server.stop(true).await;
    }

    /// The shop of key `key`.
    pub fn shop(&self, key: &str) -> &Shop {
        &self.shops.iter().find(|(k, _)| k == key).unwrap().1
    }
}

/// Starts the shops these settings declare (`STOREFRONT_SHOPS`), after
/// each one's first sync.
pub async fn spawn_shops(vars: HashMap<String, String>) -> Shops {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_test_writer()
        .try_init();
    let settings = Settings::all_from_lookup(|k| vars.get(k).cloned()).unwrap();
    let declared: Vec<(String, String, std::path::PathBuf)> = settings
        .iter()
        .map(|s| (s.shop_key.clone(), s.hosts[0].clone(), s.data_dir.clone()))
        .collect();
    let app = Application::build_all(settings).await.unwrap();
    let port = app.port();
    let server = app.server_handle();
    let shops: Vec<(String, Shop)> = declared
        .into_iter()
        .map(|(key, host, data)| {
            let shop = Shop {
                base: format!("http://{host}:{port}"),
                resync: app.resync_of(&key).unwrap().clone(),
                data,
                server: server.clone(),
                at: Some((host, port)),
            };
            (key, shop)
        })
        .collect();
    tokio::spawn(app.run_until_stopped());
    for (_, shop) in &shops {
        shop.resync.attempted(1).await;
    }
    Shops { port, server, shops }
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The headers (lower-case names; repeated ones joined with `\n`).
    pub headers: BTreeMap<String, String>,
    /// The body as text.
    pub body: String,
}

impl Answer {
    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").map(String::as_str)
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A client keeping cookies like a browser, not following redirects.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Mutex<BTreeMap<String, String>>,
    /// Extra headers sent with each request.
    pub headers: Vec<(String, String)>,
}

impl Browser {
    /// A browser with no cookies.
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: Mutex::new(BTreeMap::new()),
            headers: Vec::new(),
        }
    }

    /// A browser with no cookies that asks `host` (resolved to loopback)
    /// on `port`: a shop of a deployment of several, by its host name.
    pub fn at_host(host: &str, port: u16) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .resolve(host, std::net::SocketAddr::from(([127, 0, 0, 1], port)))
                .build()
                .unwrap(),
            base: format!("http://{host}:{port}"),
            cookies: Mutex::new(BTreeMap::new()),
            headers: Vec::new(),
        }
    }

    /// The value of a cookie it holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Forgets every cookie.
    pub fn clear_cookies(&self) {
        self.cookies.lock().unwrap().clear();
    }

    /// Sets a cookie by hand.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    /// Sends a request built by `build` on `method path`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Answer {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut request = self.http.request(method, url);
        let cookie_header: String = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !cookie_header.is_empty() {
            request = request.header("cookie", cookie_header);
        }
        for (k, v) in &self.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let response = build(request).send().await.unwrap();
        let status = response.status().as_u16();
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in response.headers() {
            let value = value.to_str().unwrap_or_default().to_owned();
            if name.as_str() == "set-cookie" {
                self.take_cookie(&value);
            }
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push('\n');
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        let body = response.text().await.unwrap_or_default();
        Answer {
            status,
            headers,
            body,
        }
    }

    fn take_cookie(&self, header: &str) {
        let mut parts = header.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let removed = parts.any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p == "max-age=0" || p.starts_with("expires=thu, 01 jan 1970")
        });
        let mut cookies = self.cookies.lock().unwrap();
        if removed || value.is_empty() {
            cookies.remove(name.trim());
        } else {
            cookies.insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, |r| r).await
    }

    /// POST a form.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.send(reqwest::Method::POST, path, |r| r.form(&fields)).await
    }

    /// This session's CSRF token (from the API, which shares the session).
    pub async fn csrf(&self) -> String {
        let answer = self.get("/api/v1/session").await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["csrf_token"].as_str().unwrap().to_owned()
    }

    /// The first pickup slot the API says is open (`who`, in the failure).
    pub async fn first_open_slot(&self, who: &str) -> serde_json::Value {
        let slots = self.get("/api/v1/pickup-slots").await.json();
        slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["available"] == serde_json::json!(true))
            .unwrap_or_else(|| panic!("{who}: no open slot: {slots}"))
            .clone()
    }

    /// Orders the cart through the API (`POST /api/v1/orders`) with `body`,
    /// under idempotency key `key`, with this session's CSRF token.
    pub async fn order_by_api(&self, key: &str, body: &serde_json::Value) -> Answer {
        let token = self.csrf().await;
        self.send(reqwest::Method::POST, "/api/v1/orders", |r| {
            r.header("x-csrf-token", &token)
                .header("idempotency-key", key)
                .json(body)
        })
        .await
    }

    /// POST a form with this session's CSRF token added.
    pub async fn post_form_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let token = self.csrf().await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    /// A JSON call with this session's CSRF token in `X-CSRF-Token`.
    pub async fn json_csrf(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Answer {
        let token = self.csrf().await;
        self.send(method, path, |r| {
            let r = r.header("x-csrf-token", token);
            match body {
                Some(b) => r.json(&b),
                None => r,
            }
        })
        .await
    }

    /// Logs in through the form; panics unless it works.
    pub async fn log_in(&self, login: &str, password: &str) {
        let answer = self
            .post_form_csrf(
                "/login",
                &[("login", login), ("password", password), ("next", "/")],
            )
            .await;
        assert_eq!(answer.status, 303, "login of {login} failed: {}", answer.body);
    }
}

/// The portal customers of the built-in shop dataset.
pub const CLAIRE: (&str, &str) = ("claire@example.com", "claire-password");
/// On the same pricelist as Claire (Members).
pub const CAMILLE: (&str, &str) = ("camille@example.com", "camille-password");
/// On the Professionals pricelist.
pub const PRO: (&str, &str) = ("pro@example.com", "pro-password");

/// Adds a pickup slot (a `calendar.event` of the "Pickup" category) at
/// `place`, starting `in_hours` from now (whole minutes, as Odoo stores
/// them), for 3 hours, with a `Capacity: N` line when given. Returns its id
/// and start.
pub fn add_slot(
    double: &OdooDouble,
    place: &str,
    in_hours: i64,
    capacity: Option<u32>,
) -> (i64, chrono::DateTime<chrono::Utc>) {
    use connector::xmlrpc::{Struct, Value};
    let at = (chrono::Utc::now() + chrono::TimeDelta::hours(in_hours)).timestamp();
    let start = chrono::DateTime::from_timestamp(at - at % 60, 0).unwrap();
    let stop = start + chrono::TimeDelta::hours(3);
    let description = match capacity {
        Some(c) => format!("<p>Capacity: {c}</p>"),
        None => "<p>Come in!</p>".to_owned(),
    };
    let pickup = vec![Value::from(vec![
        Value::from(6),
        Value::from(0),
        Value::from(vec![Value::from(1)]),
    ])];
    let id = double.with_db(|db| {
        db.create(
            "calendar.event",
            Struct::new()
                .with("name", format!("Pickup at {place}"))
                .with("start", start.format("%Y-%m-%d %H:%M:%S").to_string())
                .with("stop", stop.format("%Y-%m-%d %H:%M:%S").to_string())
                .with("location", place)
                .with("description", description)
                .with("categ_ids", pickup)
                .with("user_id", 2),
        )
        .unwrap()
    });
    (id, start)
}

/// Fills the browser's customer's cart over the minimum order: 4 baguettes
/// and 0.5 kg of Comté.
pub async fn fill_cart(shop: &Shop, browser: &Browser) {
    let snapshot = shop.resync.mirror().snapshot();
    let baguette = snapshot.templates.records[&1].product_variant_ids[0];
    let comte = snapshot.templates.records[&7].product_variant_ids[0];
    for (product, quantity) in [(baguette, "4"), (comte, "0.5")] {
        let answer = browser
            .post_form_csrf(
                "/cart",
                &[("product_id", &product.to_string()), ("quantity", quantity)],
            )
            .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
    }
}

/// Places the same order at once on shops `a` and `b`, which share one
/// store, as the customer `login`, with one `Idempotency-Key`, while both
/// shops retry their outbox over and over, `rounds` times: one answer is
/// `201`, the other `200`, every admin retry `200`, and the order reaches
/// Odoo. `fill` fills the customer's cart (on `a`) before each round;
/// `orders_with_key` counts Odoo's sale orders of a key. Each round's order
/// is cancelled through the shop afterwards. Fails naming the rounds that
/// did not make exactly one.
pub async fn race_for_one_order(
    a: &Shop,
    b: &Shop,
    login: (&str, &str),
    slot: i64,
    rounds: usize,
    fill: impl AsyncFn(&Browser),
    orders_with_key: impl AsyncFn(&str) -> usize,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let on_a = Arc::new(a.browser());
    on_a.log_in(login.0, login.1).await;
    let on_b = Arc::new(b.browser());
    on_b.set_cookie("sf_session", &on_a.cookie("sf_session").unwrap());
    let (token_a, token_b) = (on_a.csrf().await, on_b.csrf().await);
    let place = |browser: &Arc<Browser>, token: &str, key: &str| {
        let (browser, token, key) = (browser.clone(), token.to_owned(), key.to_owned());
        tokio::spawn(async move {
            browser
                .send(reqwest::Method::POST, "/api/v1/orders", |r| {
                    r.header("x-csrf-token", &token)
                        .header("idempotency-key", &key)
                        .json(&serde_json::json!({"slot_id": slot}))
                })
                .await
                .status
        })
    };
    let retry = async |browser: &Browser| {
        browser
            .send(reqwest::Method::POST, "/admin/outbox/retry", |r| {
                r.bearer_auth(ADMIN_TOKEN)
            })
            .await
            .status
    };
    // Retries over and over while the order is placed: whatever the timing,
    // some run while it is stored and not yet in Odoo.
    let hammer = |browser: &Arc<Browser>, placing: &Arc<AtomicBool>| {
        let (browser, placing) = (browser.clone(), placing.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            loop {
                statuses.push(
                    browser
                        .send(reqwest::Method::POST, "/admin/outbox/retry", |r| {
                            r.bearer_auth(ADMIN_TOKEN)
                        })
                        .await
                        .status,
                );
                if !placing.load(Ordering::Relaxed) {
                    return statuses;
                }
            }
        })
    };
    let mut duplicates = Vec::new();
    for round in 0..rounds {
        fill(&on_a).await;
        let key = format!(
            "race-{}-{round}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros()
        );
        let placing = Arc::new(AtomicBool::new(true));
        let (hammer_a, hammer_b) = (hammer(&on_a, &placing), hammer(&on_b, &placing));
        let (first, second) = (place(&on_a, &token_a, &key), place(&on_b, &token_b, &key));
        let mut statuses = [first.await.unwrap(), second.await.unwrap()];
        placing.store(false, Ordering::Relaxed);
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 201], "round {round}");
        for status in hammer_a.await.unwrap().into_iter().chain(hammer_b.await.unwrap()) {
            assert_eq!(status, 200, "round {round}: an admin retry");
        }
        // Whoever holds it delivers it; then nothing more.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let order = on_a.get(&format!("/api/v1/orders/{key}")).await.json();
            let state = order["state"].clone();
            if state != "pending" {
                assert_eq!(state, "draft", "round {round}: {order}");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: still {state:?}"
            );
            retry(&on_a).await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        retry(&on_a).await;
        retry(&on_b).await;
        let made = orders_with_key(&key).await;
        if made != 1 {
            duplicates.push(format!("round {round}: {made} sale orders for key {key}"));
        }
        // Cancelled, so that the slot keeps room for the next rounds.
        let cancelled = on_a
            .json_csrf(
                reqwest::Method::POST,
                &format!("/api/v1/orders/{key}/cancel"),
                None,
            )
            .await;
        assert_eq!(cancelled.status, 200, "round {round}: {}", cancelled.body);
    }
    assert!(
        duplicates.is_empty(),
        "{} of {rounds} rounds:\n{}",
        duplicates.len(),
        duplicates.join("\n")
    );
}
