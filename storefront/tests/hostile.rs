//! Hostile input to every page route and API endpoint, logged in and
//! anonymous, with and without CSRF tokens: ids that are not ids, quantities
//! that are not quantities, forms with missing, duplicated and overlong
//! fields, bodies that are not what their `Content-Type` says, broken UTF-8
//! in bodies, query strings and paths, JSON that is not JSON or nests too
//! deep, 1 MB bodies, path traversal in asset paths (embedded and
//! overridden), and script strings in every text field. Every answer is
//! judged: never a 5xx; a 4xx says what is wrong (a page in the visitor's
//! language, or `{"error": {"code", "message"}}` under `/api/`); no page
//! echoes a script string unescaped. And nothing is written: the carts,
//! favorites, sessions and orders in the store, and the records in Odoo,
//! are the same before and after.
//!
//! With `HOSTILE_TRACE` set, every request the shop took (a 2xx to anything
//! but a GET) is printed: where to look when something was written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use connector::field;
use odoo_double::{Dataset, OdooDouble};
use reqwest::Method;
use serde_json::{json, Value};
use support::{Answer, Browser, Shop, CAMILLE, CLAIRE};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Script strings put in every text field.
const SCRIPTS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(2)</script>",
];

/// What must never appear in a page: the start of each script string.
const RAW_MARKERS: &[&str] = &["<script>alert", "<img src=x", "<svg onload", "</textarea><script"];

/// Ids that are not the id of anything, as they go in a path (percent-encoded
/// where needed).
const BAD_PATH_IDS: &[&str] = &[
    "-1",
    "0",
    "99999999999999999999",
    "abc",
    "1e5",
    "1.5",
    "0x10",
    "999999",
    "%FF%FE",
    "%00",
    "%20",
    "1%20OR%201%3D1",
    "%3Cscript%3E",
    "..%2F..%2FCargo.toml",
];

/// Ids that are not the id of anything, as typed in a form field.
const BAD_FIELD_IDS: &[&str] = &[
    "-1",
    "0",
    "99999999999999999999",
    "abc",
    "1e5",
    "1.5",
    "0x10",
    "999999",
    "",
    " ",
    "\u{0}",
    "1 OR 1=1",
    "NaN",
];

/// Order references that are not a customer's order.
const BAD_REFERENCES: &[&str] = &[
    "-1",
    "0",
    "abc",
    "1e5",
    "so-0",
    "so--1",
    "so-99999999999999999999",
    "so-abc",
    "so-1e5",
    "so-999999",
    "so-",
    "aaaaaaaaaaaaaaaa",
    "%FF%FE",
    "..%2F..%2Fetc%2Fpasswd",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
];

/// Quantities no cart takes, as typed in a form.
const BAD_QUANTITIES: &[&str] = &[
    "-1",
    "-0.5",
    "0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e5",
    "1e-5",
    "99999999999999999999",
    "99999999999999999999999999999999999999",
    "10000",
    "1.2.3",
    "1,2,3",
    "0x10",
    "½",
    "\u{663}",
    "1/2",
    "\u{0}",
    "<script>alert(1)</script>",
];

/// Quantities no cart takes, as raw JSON values.
const BAD_JSON_QUANTITIES: &[&str] = &[
    "-1",
    "0",
    "\"NaN\"",
    "\"inf\"",
    "1e5",
    "1E5",
    "1e400",
    "-1e400",
    "99999999999999999999",
    "\"99999999999999999999999999999999999999\"",
    "10000",
    "\"abc\"",
    "\"\"",
    "null",
    "true",
    "[]",
    "{}",
    "[1]",
    "{\"value\": 1}",
    "\"1,5\"",
    "0.0000000000000000000000000001",
];

/// A page in one of the shop's languages.
struct Messages {
    en: Vec<String>,
    fr: Vec<String>,
}

impl Messages {
    fn load() -> Self {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/messages");
        let read = |lang: &str| -> Vec<String> {
            let text = std::fs::read_to_string(dir.join(format!("{lang}.json"))).unwrap();
            let map: BTreeMap<String, Value> = serde_json::from_str(&text).unwrap();
            map.into_values()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .filter(|v| v.len() > 12 && !v.contains('{'))
                .collect()
        };
        Messages {
            en: read("en"),
            fr: read("fr"),
        }
    }

    /// Whether `text` holds a message of `lang` (`en`, `fr`).
    fn speaks(&self, lang: &str, text: &str) -> bool {
        let list = if lang == "fr" { &self.fr } else { &self.en };
        let text = html_unescape(text);
        list.iter().any(|m| text.contains(m.as_str()))
    }
}

fn html_unescape(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Who sends a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    /// Claire, logged in, reads English.
    Claire,
    /// Camille, logged in, reads French.
    Camille,
    /// A visitor, not logged in.
    Anonymous,
}

impl Who {
    fn lang(self) -> &'static str {
        match self {
            Who::Camille => "fr",
            _ => "en",
        }
    }
}

/// How a CSRF token goes with a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Csrf {
    /// The session's own token.
    Valid,
    /// None.
    Missing,
    /// A made-up one.
    Wrong,
    /// Another session's (valid for that one).
    Foreign,
}

const ALL_CSRF: [Csrf; 4] = [Csrf::Valid, Csrf::Missing, Csrf::Wrong, Csrf::Foreign];

/// A request body.
enum Body {
    None,
    /// Form fields (the CSRF token is added first, as chosen).
    Form(Vec<(String, String)>),
    /// Raw bytes with this `Content-Type` (none when `None`).
    Raw(Vec<u8>, Option<String>),
}

fn form(fields: &[(&str, &str)]) -> Body {
    Body::Form(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn json_body(text: impl Into<String>) -> Body {
    Body::Raw(text.into().into_bytes(), Some("application/json".to_owned()))
}

/// Everything a test needs: the double, the shop, three visitors.
struct World {
    double: OdooDouble,
    shop: Shop,
    claire: Browser,
    camille: Browser,
    anonymous: Browser,
    /// An open pickup slot.
    slot: i64,
    /// Claire's order, placed in the setup.
    order_key: String,
    messages: Messages,
    /// Problems found, reported together at the end.
    problems: Vec<String>,
    /// Requests sent.
    sent: usize,
    /// When the test started.
    started: std::time::Instant,
}

/// What hostile requests must not change.
#[derive(Debug, PartialEq)]
struct Written {
    carts: Vec<Value>,
    favorites: Vec<Value>,
    sessions: Vec<Value>,
    orders: Vec<(i64, String, String)>,
    local_order: Value,
    outbox: Value,
    partners: Vec<i64>,
    partner_tags: Vec<i64>,
    crm_tags: Vec<i64>,
    slots: Vec<i64>,
}

fn variant_of(shop: &Shop, template: i64) -> i64 {
    shop.resync.mirror().snapshot().templates.records[&template].product_variant_ids[0]
}

/// The double's records of `model`, archived ones too.
fn ids_of(double: &OdooDouble, model: &str) -> Vec<i64> {
    double.with_db(|db| db.search_with(model, &field("id").gt(0), false).unwrap())
}

impl World {
    async fn start() -> World {
        Self::start_with(&[]).await
    }

    async fn start_with(extra: &[(&str, &str)]) -> World {
        let started = std::time::Instant::now();
        let double = OdooDouble::start(Dataset::shop()).await.unwrap();
        let (slot, _) = support::add_slot(&double, "Shop", 72, Some(10));
        let shop = support::spawn_with(&double, &support::data_dir(), extra).await;
        let claire = shop.browser();
        claire.log_in(CLAIRE.0, CLAIRE.1).await;
        let camille = shop.browser();
        camille.log_in(CAMILLE.0, CAMILLE.1).await;
        let anonymous = shop.browser();
        anonymous.get("/").await;
        let baguette = variant_of(&shop, 1);
        let comte = variant_of(&shop, 7);
        // Claire: an order placed, then a cart and a favorite.
        support::fill_cart(&shop, &claire).await;
        let order_key = "hostile-setup-order-0001".to_owned();
        let token = claire.csrf().await;
        let placed = claire
            .send(Method::POST, "/api/v1/orders", |r| {
                r.header("x-csrf-token", token)
                    .header("idempotency-key", &order_key)
                    .json(&json!({"slot_id": slot, "note": "setup"}))
            })
            .await;
        assert_eq!(placed.status, 201, "{}", placed.body);
        for (product, quantity) in [(baguette, "2"), (comte, "0.5")] {
            let answer = claire
                .post_form_csrf(
                    "/cart",
                    &[("product_id", &product.to_string()), ("quantity", quantity)],
                )
                .await;
            assert_eq!(answer.status, 303, "{}", answer.body);
        }
        let answer = claire
            .post_form_csrf("/favorites", &[("template_id", "7"), ("favorite", "1")])
            .await;
        assert_eq!(answer.status, 303);
        // Camille: a line and a favorite.
        let answer = camille
            .post_form_csrf(
                "/cart",
                &[("product_id", &baguette.to_string()), ("quantity", "1")],
            )
            .await;
        assert_eq!(answer.status, 303);
        let answer = camille
            .post_form_csrf("/favorites", &[("template_id", "1"), ("favorite", "1")])
            .await;
        assert_eq!(answer.status, 303);
        World {
            double,
            shop,
            claire,
            camille,
            anonymous,
            slot,
            order_key,
            messages: Messages::load(),
            problems: Vec::new(),
            sent: 0,
            started,
        }
    }

    fn browser(&self, who: Who) -> &Browser {
        match who {
            Who::Claire => &self.claire,
            Who::Camille => &self.camille,
            Who::Anonymous => &self.anonymous,
        }
    }

    /// What hostile requests must leave as it is.
    async fn written(&self) -> Written {
        let mut carts = Vec::new();
        let mut favorites = Vec::new();
        let mut sessions = Vec::new();
        for who in [Who::Claire, Who::Camille] {
            let browser = self.browser(who);
            let cart = browser.get("/api/v1/cart").await.json();
            carts.push(json!(cart["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| json!([l["product_id"], l["quantity"]]))
                .collect::<Vec<_>>()));
            let list = browser.get("/api/v1/favorites").await.json();
            favorites.push(json!(list["products"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].clone())
                .collect::<Vec<_>>()));
        }
        for who in [Who::Claire, Who::Camille, Who::Anonymous] {
            let session = self.browser(who).get("/api/v1/session").await.json();
            sessions.push(json!([session["authenticated"], session["customer"]["login"]]));
        }
        let orders = self.double.with_db(|db| {
            let ids = db.search_with("sale.order", &field("id").gt(0), false).unwrap();
            db.read("sale.order", &ids, &["state", "client_order_ref"])
                .unwrap()
                .into_iter()
                .zip(ids)
                .map(|(record, id)| {
                    (
                        id,
                        format!("{:?}", record.get("state")),
                        format!("{:?}", record.get("client_order_ref")),
                    )
                })
                .collect()
        });
        let local = self
            .claire
            .get(&format!("/api/v1/orders/{}", self.order_key))
            .await
            .json();
        let local_order = json!([local["state"], local["can_cancel"], local["lines"]]);
        let outbox = self
            .anonymous
            .send(Method::GET, "/admin/outbox", |r| {
                r.bearer_auth(support::ADMIN_TOKEN)
            })
            .await
            .json();
        Written {
            carts,
            favorites,
            sessions,
            orders,
            local_order,
            outbox,
            partners: ids_of(&self.double, "res.partner"),
            partner_tags: ids_of(&self.double, "res.partner.category"),
            crm_tags: ids_of(&self.double, "crm.tag"),
            slots: ids_of(&self.double, "calendar.event"),
        }
    }

    /// The CSRF token to send for `csrf` on `who`'s behalf.
    async fn token(&self, who: Who, csrf: Csrf) -> Option<String> {
        match csrf {
            Csrf::Valid => Some(self.browser(who).csrf().await),
            Csrf::Missing => None,
            Csrf::Wrong => Some("not-a-token".to_owned()),
            Csrf::Foreign => {
                let other = if who == Who::Claire {
                    Who::Camille
                } else {
                    Who::Claire
                };
                Some(self.browser(other).csrf().await)
            }
        }
    }

    /// Sends one request and judges its answer.
    async fn probe(&mut self, who: Who, csrf: Csrf, method: Method, path: &str, body: Body) -> Answer {
        let token = self.token(who, csrf).await;
        let api = path.starts_with("/api/");
        let shown: String = match &body {
            Body::None => String::new(),
            Body::Form(fields) => format!("{fields:?}"),
            Body::Raw(bytes, content_type) => format!("{content_type:?} {}", String::from_utf8_lossy(bytes)),
        }
        .chars()
        .take(160)
        .collect();
        let answer = {
            let browser = self.browser(who);
            browser
                .send(method.clone(), path, |mut r| {
                    if api {
                        if let Some(t) = &token {
                            r = r.header("x-csrf-token", t.as_str());
                        }
                    }
                    match body {
                        Body::None => r,
                        Body::Form(fields) => {
                            let mut all: Vec<(String, String)> = Vec::new();
                            if let Some(t) = &token {
                                all.push(("csrf_token".to_owned(), t.clone()));
                            }
                            all.extend(fields);
                            r.form(&all)
                        }
                        Body::Raw(bytes, content_type) => {
                            let r = match content_type {
                                Some(c) => r.header("content-type", c),
                                None => r,
                            };
                            r.body(bytes)
                        }
                    }
                })
                .await
        };
        let label = format!("{who:?} {csrf:?} {method} {path} {shown}");
        self.judge(&label, who.lang(), api, &answer);
        answer
    }

    /// Sends a raw request (any bytes in the target, headers and body) as
    /// `who`, and judges the answer.
    async fn probe_raw(
        &mut self,
        who: Who,
        method: &str,
        target: &[u8],
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> Answer {
        let mut cookies: Vec<u8> = Vec::new();
        if let Some(session) = self.browser(who).cookie("sf_session") {
            cookies.extend_from_slice(format!("sf_session={session}").as_bytes());
        }
        let mut all: Vec<(&str, &[u8])> = Vec::new();
        if !cookies.is_empty() && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("cookie")) {
            all.push(("cookie", &cookies));
        }
        all.extend_from_slice(headers);
        // A cookie header of the test's own replaces the session: then the
        // visitor is anonymous, and reads the shop's first language.
        let lang = if target.starts_with(b"/admin/") {
            // No session there: the shop's first language.
            "en"
        } else if headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("cookie") && !String::from_utf8_lossy(v).contains(cookies_text(&cookies))
        }) {
            "en"
        } else {
            who.lang()
        };
        let answer = raw_request(&self.shop.base, method, target, &all, body).await;
        let shown = String::from_utf8_lossy(&target[..target.len().min(120)]).into_owned();
        let label = format!("{who:?} raw {method} {shown}");
        match answer {
            // A target that is not a URI (raw `<`, `"`, bytes over 127) is
            // refused by the HTTP parser before the shop sees it: a bare 400.
            Some(answer) if !is_uri(target) && answer.status == 400 && answer.body.is_empty() => {
                self.sent += 1;
                answer
            }
            Some(answer) => {
                let api = target.starts_with(b"/api/");
                self.judge(&label, lang, api, &answer);
                answer
            }
            None => {
                self.problems.push(format!("{label}: no HTTP answer"));
                Answer {
                    status: 0,
                    headers: BTreeMap::new(),
                    body: String::new(),
                }
            }
        }
    }

    /// Never a 5xx; a 4xx says why, in the page's language or as the API's
    /// JSON error; pages never echo a script string raw; API answers are
    /// JSON.
    fn judge(&mut self, label: &str, lang: &str, api: bool, answer: &Answer) {
        self.sent += 1;
        if std::env::var("HOSTILE_TRACE").is_ok() && answer.status < 300 && !label.contains(" GET ") {
            eprintln!("TRACE {label}: {}", answer.status);
        }
        let mut problems = Vec::new();
        let content_type = answer.headers.get("content-type").cloned().unwrap_or_default();
        let excerpt: String = answer.body.chars().take(300).collect();
        if answer.status >= 500 {
            problems.push(format!("server error {}: {excerpt}", answer.status));
        }
        if (400..500).contains(&answer.status) {
            if answer.body.trim().is_empty() {
                problems.push(format!("{} with an empty body", answer.status));
            } else if api {
                match serde_json::from_str::<Value>(&answer.body) {
                    Ok(v) => {
                        let code = v["error"]["code"].as_str().unwrap_or("");
                        let message = v["error"]["message"].as_str().unwrap_or("");
                        if code.is_empty() || message.trim().is_empty() {
                            problems.push(format!("{}: not an API error: {excerpt}", answer.status));
                        } else if lang == "fr"
                            && self.messages.speaks("en", message)
                            && !self.messages.speaks("fr", message)
                        {
                            problems.push(format!(
                                "{}: in English for a French customer: {message}",
                                answer.status
                            ));
                        }
                    }
                    Err(_) => {
                        problems.push(format!("{}: not JSON ({content_type}): {excerpt}", answer.status))
                    }
                }
            } else if content_type.starts_with("text/html") {
                if !answer.body.contains(&format!("<html lang=\"{lang}\"")) {
                    problems.push(format!("{}: a page not in {lang}", answer.status));
                }
                if !self.messages.speaks(lang, &answer.body) {
                    problems.push(format!("{}: no message in {lang}: {excerpt}", answer.status));
                }
            } else if !label.contains(" /assets/") && !label.contains(" /admin/") {
                // Static files and the admin endpoints have no page to show.
                problems.push(format!(
                    "{}: not a page but {content_type:?}: {excerpt}",
                    answer.status
                ));
            } else if content_type.is_empty() {
                problems.push(format!("{} without a Content-Type: {excerpt}", answer.status));
            }
        }
        if api && answer.status != 204 && answer.status != 0 && !content_type.starts_with("application/json")
        {
            problems.push(format!(
                "{}: an API answer as {content_type:?}: {excerpt}",
                answer.status
            ));
        }
        if !content_type.starts_with("application/json") {
            for marker in RAW_MARKERS {
                if answer.body.contains(marker) {
                    problems.push(format!(
                        "{}: echoes {marker:?} unescaped ({content_type})",
                        answer.status
                    ));
                }
            }
        }
        for p in problems {
            self.problems.push(format!("{label}: {p}"));
        }
    }

    /// Fails the test with every problem found, and checks nothing was
    /// written.
    async fn finish(self, before: &Written) {
        let after = self.written().await;
        let mut problems = self.problems;
        macro_rules! compare {
            ($($field:ident),*) => {
                $(if after.$field != before.$field {
                    problems.push(format!(
                        "something was written to {}:\nbefore {:?}\nafter  {:?}",
                        stringify!($field),
                        before.$field,
                        after.$field
                    ));
                })*
            };
        }
        compare!(
            carts,
            favorites,
            sessions,
            orders,
            local_order,
            outbox,
            partners,
            partner_tags,
            crm_tags,
            slots
        );
        assert!(
            problems.is_empty(),
            "{} problems in {} requests:\n{}",
            problems.len(),
            self.sent,
            problems.join("\n")
        );
        eprintln!(
            "{} hostile requests in {:?}, no problem",
            self.sent,
            self.started.elapsed()
        );
    }
}

/// Whether `target` is made of the characters a URI may hold.
fn is_uri(target: &[u8]) -> bool {
    target
        .iter()
        .all(|b| b.is_ascii_graphic() && !b"<>\"{}|^`".contains(b))
}

fn cookies_text(cookies: &[u8]) -> &str {
    std::str::from_utf8(cookies).unwrap_or("\u{0}")
}

/// An HTTP/1.1 request written byte for byte (a client library would clean
/// up the target), the body written while the answer is read (a server may
/// answer a body it refuses before reading it all).
async fn raw_request(
    base: &str,
    method: &str,
    target: &[u8],
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Option<Answer> {
    let addr = base.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (mut reader, mut writer) = stream.into_split();
    let mut head: Vec<u8> = Vec::new();
    head.extend_from_slice(method.as_bytes());
    head.push(b' ');
    head.extend_from_slice(target);
    head.extend_from_slice(format!(" HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n").as_bytes());
    for (name, value) in headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") {
        head.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    let body = body.to_vec();
    let writing = tokio::spawn(async move {
        writer.write_all(&head).await?;
        for chunk in body.chunks(64 * 1024) {
            writer.write_all(chunk).await?;
        }
        writer.flush().await?;
        // Keep the write half open until the answer is read.
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok::<_, std::io::Error>(writer)
    });
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
                // A reset after the answer came: keep what came.
                Err(_) => break,
            }
            if complete(&bytes) {
                break;
            }
        }
    })
    .await;
    writing.abort();
    read.ok()?;
    parse_answer(&bytes)
}

/// Whether `bytes` hold a whole answer (the server may wait for the client
/// to close before it closes).
fn complete(bytes: &[u8]) -> bool {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let body = &bytes[end + 4..];
    if let Some(length) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return body.len() >= length;
    }
    if head.contains("transfer-encoding: chunked") {
        return body.ends_with(b"0\r\n\r\n");
    }
    // No length: the body ends when the connection does.
    false
}

fn parse_answer(bytes: &[u8]) -> Option<Answer> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            headers
                .entry(name.trim().to_ascii_lowercase())
                .and_modify(|v| {
                    v.push('\n');
                    v.push_str(value.trim());
                })
                .or_insert_with(|| value.trim().to_owned());
        }
    }
    let mut body = bytes[end + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Some(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = bytes.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&bytes[..line_end]).into_owned();
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else {
            break;
        };
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let stop = (start + size).min(bytes.len());
        out.extend_from_slice(&bytes[start..stop]);
        bytes = &bytes[(stop + 2).min(bytes.len())..];
    }
    out
}

/// Every route that takes an id or a reference in its path, with `id` in
/// it: (method, path, body kind: `""`, `"form"` or `"json"`).
fn id_routes(id: &str, reference: &str) -> Vec<(Method, String, &'static str)> {
    vec![
        (Method::GET, format!("/categories/{id}"), ""),
        (Method::GET, format!("/products/{id}"), ""),
        (Method::GET, format!("/images/products/{id}/small"), ""),
        (Method::GET, format!("/images/products/1/{id}"), ""),
        (Method::GET, format!("/orders/{reference}"), ""),
        (Method::POST, format!("/orders/{reference}/cancel"), "form"),
        (Method::POST, format!("/orders/{reference}/reorder"), "form"),
        (Method::GET, format!("/api/v1/products/{id}"), ""),
        (Method::PUT, format!("/api/v1/cart/lines/{id}"), "json"),
        (Method::DELETE, format!("/api/v1/cart/lines/{id}"), ""),
        (Method::PUT, format!("/api/v1/favorites/{id}"), ""),
        (Method::DELETE, format!("/api/v1/favorites/{id}"), ""),
        (Method::GET, format!("/api/v1/orders/{reference}"), ""),
        (Method::POST, format!("/api/v1/orders/{reference}/cancel"), ""),
    ]
}

#[tokio::test]
async fn ids_that_are_not_ids_are_refused_on_every_route() {
    let mut world = World::start().await;
    let before = world.written().await;
    let mut cases: Vec<(String, String)> = BAD_PATH_IDS
        .iter()
        .map(|id| ((*id).to_owned(), (*id).to_owned()))
        .collect();
    cases.extend(
        BAD_REFERENCES
            .iter()
            .map(|r| ("999999".to_owned(), (*r).to_owned())),
    );
    for (id, reference) in &cases {
        for (method, path, kind) in id_routes(id, reference) {
            for who in [Who::Claire, Who::Camille, Who::Anonymous] {
                for csrf in [Csrf::Valid, Csrf::Missing] {
                    if method == Method::GET && csrf == Csrf::Missing {
                        continue;
                    }
                    let body = match kind {
                        "form" => form(&[]),
                        "json" => json_body(r#"{"quantity": "1"}"#),
                        _ => Body::None,
                    };
                    let answer = world.probe(who, csrf, method.clone(), &path, body).await;
                    let ok = match who {
                        // A visitor is sent to the login (pages) or told to
                        // log in (API).
                        Who::Anonymous => matches!(answer.status, 303 | 401 | 403 | 404),
                        // A favorite or a line that is not there cannot be
                        // removed: nothing to do.
                        _ if method == Method::DELETE && csrf == Csrf::Valid => {
                            matches!(answer.status, 200 | 204 | 404)
                        }
                        _ => (400..500).contains(&answer.status),
                    };
                    if !ok {
                        world.problems.push(format!(
                            "{who:?} {csrf:?} {method} {path}: answered {} to an id that is none",
                            answer.status
                        ));
                    }
                }
            }
        }
    }
    // Ids in form fields and query strings.
    for id in BAD_FIELD_IDS {
        for who in [Who::Claire, Who::Camille, Who::Anonymous] {
            for csrf in [Csrf::Valid, Csrf::Missing, Csrf::Foreign] {
                for (path, fields) in [
                    ("/cart", vec![("product_id", *id), ("quantity", "1")]),
                    ("/cart/update", vec![("product_id", *id), ("quantity", "1")]),
                    ("/cart/remove", vec![("product_id", *id)]),
                    ("/favorites", vec![("template_id", *id), ("favorite", "1")]),
                    ("/favorites", vec![("template_id", "999999"), ("favorite", *id)]),
                    (
                        "/checkout",
                        vec![
                            ("order_key", "hostile-order-key-0001"),
                            ("slot_id", *id),
                            ("note", ""),
                        ],
                    ),
                ] {
                    world.probe(who, csrf, Method::POST, path, form(&fields)).await;
                }
                let encoded = support_encode(id);
                for path in [
                    format!("/categories/1?page={encoded}"),
                    format!("/search?q=pain&page={encoded}"),
                    format!("/api/v1/products?page={encoded}"),
                    format!("/api/v1/products?per_page={encoded}"),
                    format!("/api/v1/products?category={encoded}"),
                    format!("/api/v1/products?category={encoded}&q=pain"),
                ] {
                    world
                        .probe(who, Csrf::Missing, Method::GET, &path, Body::None)
                        .await;
                }
                let slot_json = match id.parse::<f64>() {
                    Ok(_) if !id.trim().is_empty() => id.trim().to_owned(),
                    _ => serde_json::to_string(id).unwrap(),
                };
                for body in [
                    format!(r#"{{"product_id": {slot_json}, "quantity": "1"}}"#),
                    format!(r#"{{"slot_id": {slot_json}}}"#),
                ] {
                    let path = if body.contains("product_id") {
                        "/api/v1/cart/lines"
                    } else {
                        "/api/v1/orders"
                    };
                    let token = world.token(who, csrf).await;
                    let answer = world
                        .browser(who)
                        .send(Method::POST, path, |r| {
                            let r = match token {
                                Some(t) => r.header("x-csrf-token", t),
                                None => r,
                            };
                            r.header("idempotency-key", "hostile-api-order-0001")
                                .header("content-type", "application/json")
                                .body(body.clone())
                        })
                        .await;
                    world.judge(
                        &format!("{who:?} {csrf:?} POST {path} {body}"),
                        who.lang(),
                        true,
                        &answer,
                    );
                }
            }
        }
    }
    world.finish(&before).await;
}

/// Percent-encodes a query value.
fn support_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn quantities_that_are_not_quantities_change_nothing() {
    let mut world = World::start().await;
    let before = world.written().await;
    let baguette = variant_of(&world.shop, 1).to_string();
    let comte = variant_of(&world.shop, 7).to_string();
    for quantity in BAD_QUANTITIES {
        for product in [&baguette, &comte] {
            for who in [Who::Claire, Who::Camille] {
                for path in ["/cart", "/cart/update"] {
                    // Zero is how a line is removed: no attack.
                    if path == "/cart/update" && *quantity == "0" {
                        continue;
                    }
                    let answer = world
                        .probe(
                            who,
                            Csrf::Valid,
                            Method::POST,
                            path,
                            form(&[("product_id", product), ("quantity", quantity)]),
                        )
                        .await;
                    if !(400..500).contains(&answer.status) {
                        world.problems.push(format!(
                            "{who:?} POST {path} {product} × {quantity:?}: answered {}",
                            answer.status
                        ));
                    }
                }
            }
        }
    }
    // 9999 alone is a quantity, but not on top of a line already there.
    for path in ["/cart"] {
        let answer = world
            .probe(
                Who::Claire,
                Csrf::Valid,
                Method::POST,
                path,
                form(&[("product_id", &baguette), ("quantity", "9999")]),
            )
            .await;
        if !(400..500).contains(&answer.status) {
            world.problems.push(format!(
                "POST {path} 9999 more baguettes: answered {}",
                answer.status
            ));
        }
    }
    for quantity in BAD_JSON_QUANTITIES {
        for product in [&baguette, &comte] {
            for who in [Who::Claire, Who::Camille] {
                let add = format!(r#"{{"product_id": {product}, "quantity": {quantity}}}"#);
                let set = format!(r#"{{"quantity": {quantity}}}"#);
                for (method, path, body) in [
                    (Method::POST, "/api/v1/cart/lines".to_owned(), add),
                    (Method::PUT, format!("/api/v1/cart/lines/{product}"), set),
                ] {
                    // Zero is how a line is removed with PUT: no attack.
                    if method == Method::PUT && matches!(*quantity, "0" | "0.0000000000000000000000000001") {
                        continue;
                    }
                    let answer = world
                        .probe(who, Csrf::Valid, method.clone(), &path, json_body(body.clone()))
                        .await;
                    if !(400..500).contains(&answer.status) {
                        world.problems.push(format!(
                            "{who:?} {method} {path} {body}: answered {}",
                            answer.status
                        ));
                    }
                }
            }
        }
    }
    let answer = world
        .probe(
            Who::Claire,
            Csrf::Valid,
            Method::POST,
            "/api/v1/cart/lines",
            json_body(format!(r#"{{"product_id": {baguette}, "quantity": 9999}}"#)),
        )
        .await;
    if !(400..500).contains(&answer.status) {
        world
            .problems
            .push(format!("API: 9999 more baguettes: answered {}", answer.status));
    }
    world.finish(&before).await;
}

/// The form routes, with fields that make sense for each.
fn form_routes(world: &World) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let baguette = variant_of(&world.shop, 1).to_string();
    vec![
        (
            "/login",
            vec![
                ("login", "nobody@example.com".to_owned()),
                ("password", "x".to_owned()),
            ],
        ),
        ("/logout", vec![]),
        ("/language", vec![("lang", "xx_XX".to_owned())]),
        (
            "/signup",
            vec![
                ("name", "Ana".to_owned()),
                ("email", "not-an-email".to_owned()),
                ("phone", "".to_owned()),
                ("message", "".to_owned()),
            ],
        ),
        (
            "/favorites",
            vec![("template_id", "999999".to_owned()), ("favorite", "1".to_owned())],
        ),
        (
            "/cart",
            vec![("product_id", "999999".to_owned()), ("quantity", "1".to_owned())],
        ),
        (
            "/cart/update",
            vec![("product_id", baguette.clone()), ("quantity", "-1".to_owned())],
        ),
        ("/cart/remove", vec![("product_id", "999999".to_owned())]),
        (
            "/checkout",
            vec![
                ("order_key", "hostile-form-order-01".to_owned()),
                ("slot_id", "999999".to_owned()),
                ("note", "".to_owned()),
            ],
        ),
        ("/orders/aaaaaaaaaaaaaaaa/cancel", vec![]),
        ("/orders/aaaaaaaaaaaaaaaa/reorder", vec![]),
    ]
}

#[tokio::test]
async fn broken_forms_are_refused_with_a_message() {
    let mut world = World::start().await;
    let before = world.written().await;
    let routes = form_routes(&world);
    let key = world.order_key.clone();
    for who in [Who::Claire, Who::Camille, Who::Anonymous] {
        for (path, fields) in &routes {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            // As sent, with each kind of token.
            for csrf in ALL_CSRF {
                // Logging out with the right token is no attack.
                if *path == "/logout" && csrf == Csrf::Valid {
                    continue;
                }
                world.probe(who, csrf, Method::POST, path, form(&fields)).await;
            }
            // Every field missing, one at a time, and all of them.
            for skip in 0..fields.len() {
                // (Logging out has no field but the token.)
                let fewer: Vec<(&str, &str)> = fields
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, f)| *f)
                    .collect();
                world
                    .probe(who, Csrf::Valid, Method::POST, path, form(&fewer))
                    .await;
            }
            if *path != "/logout" {
                world
                    .probe(who, Csrf::Missing, Method::POST, path, form(&[]))
                    .await;
            }
            // Every field twice (the token too). Logging out needs nothing
            // but the token, so there the token is always wrong.
            let logout = *path == "/logout";
            let token = if logout {
                "not-a-token".to_owned()
            } else {
                world.browser(who).csrf().await
            };
            let mut twice: Vec<(&str, &str)> = vec![("csrf_token", &token), ("csrf_token", "other")];
            for f in &fields {
                twice.push(*f);
                twice.push((f.0, "again"));
            }
            world
                .probe(who, Csrf::Missing, Method::POST, path, form(&twice))
                .await;
            // Overlong fields, under the body limit and over it.
            for size in [5_000, 15_000, 40_000] {
                let long = "x".repeat(size);
                let mut overlong: Vec<(&str, &str)> = Vec::new();
                for f in &fields {
                    overlong.push((f.0, &long));
                }
                overlong.push(("unknown_field", &long));
                let csrf = if logout { Csrf::Wrong } else { Csrf::Valid };
                world.probe(who, csrf, Method::POST, path, form(&overlong)).await;
            }
            // Broken UTF-8, raw and percent-encoded, in names and values.
            let mut raw = format!("csrf_token={token}").into_bytes();
            for f in &fields {
                raw.extend_from_slice(b"&");
                raw.extend_from_slice(f.0.as_bytes());
                raw.extend_from_slice(b"=\xff\xfe\xc3\x28");
            }
            raw.extend_from_slice(b"&\xff\xfe=1");
            for body in [
                raw,
                format!("csrf_token={token}&login=%FF%FE&quantity=%C3%28&product_id=%FF").into_bytes(),
                format!("csrf_token={token}&%FF%FE=%FF").into_bytes(),
                b"%".to_vec(),
                b"=&=&&==".to_vec(),
                b"csrf_token".to_vec(),
                b"\x00\x00\x00".to_vec(),
            ] {
                world
                    .probe(
                        who,
                        Csrf::Missing,
                        Method::POST,
                        path,
                        Body::Raw(body, Some("application/x-www-form-urlencoded".to_owned())),
                    )
                    .await;
            }
            // Bodies that are not what their Content-Type says.
            let urlencoded = format!("csrf_token={token}&product_id=1&quantity=1");
            for (body, content_type) in [
                (
                    format!(r#"{{"csrf_token": "{token}", "product_id": 1}}"#),
                    Some("application/json"),
                ),
                (urlencoded.clone(), Some("application/json")),
                (urlencoded.clone(), Some("text/plain")),
                (urlencoded.clone(), Some("multipart/form-data; boundary=xyz")),
                (
                    urlencoded.clone(),
                    Some("application/x-www-form-urlencoded; charset=utf-16"),
                ),
                (
                    urlencoded.clone(),
                    Some("application/x-www-form-urlencoded; charset=nonsense"),
                ),
                (urlencoded.clone(), Some("not a media type")),
                (urlencoded.clone(), Some("application/xml")),
                (urlencoded.clone(), None),
                ("<xml/>".to_owned(), Some("application/x-www-form-urlencoded")),
            ] {
                world
                    .probe(
                        who,
                        Csrf::Missing,
                        Method::POST,
                        path,
                        Body::Raw(body.into_bytes(), content_type.map(str::to_owned)),
                    )
                    .await;
            }
            // 1 MB.
            let mut big = format!("csrf_token={token}&note=").into_bytes();
            big.resize(1024 * 1024, b'a');
            world
                .probe_raw(
                    who,
                    "POST",
                    path.as_bytes(),
                    &[("content-type", b"application/x-www-form-urlencoded")],
                    &big,
                )
                .await;
        }
    }
    // The order of the setup is still there, not cancelled, and the cart
    // was not refilled by a re-order.
    for (who, csrf) in [
        (Who::Claire, Csrf::Missing),
        (Who::Claire, Csrf::Wrong),
        (Who::Claire, Csrf::Foreign),
        (Who::Camille, Csrf::Valid),
    ] {
        for action in ["cancel", "reorder"] {
            let answer = world
                .probe(
                    who,
                    csrf,
                    Method::POST,
                    &format!("/orders/{key}/{action}"),
                    form(&[]),
                )
                .await;
            if !(400..500).contains(&answer.status) {
                world
                    .problems
                    .push(format!("{who:?} {csrf:?} {action}: answered {}", answer.status));
            }
        }
    }
    world.finish(&before).await;
}

/// The API's routes: (method, path, a body that makes sense).
fn api_routes(world: &World) -> Vec<(Method, String, Option<String>)> {
    let baguette = variant_of(&world.shop, 1);
    let key = &world.order_key;
    vec![
        (Method::GET, "/api/v1/session".to_owned(), None),
        (
            Method::POST,
            "/api/v1/session".to_owned(),
            Some(r#"{"login": "nobody@example.com", "password": "x"}"#.to_owned()),
        ),
        (Method::DELETE, "/api/v1/session".to_owned(), None),
        (Method::GET, "/api/v1/categories".to_owned(), None),
        (Method::GET, "/api/v1/products".to_owned(), None),
        (Method::GET, "/api/v1/products/1".to_owned(), None),
        (Method::GET, "/api/v1/cart".to_owned(), None),
        (
            Method::POST,
            "/api/v1/cart/lines".to_owned(),
            Some(format!(r#"{{"product_id": {baguette}, "quantity": "0"}}"#)),
        ),
        (
            Method::PUT,
            format!("/api/v1/cart/lines/{baguette}"),
            Some(r#"{"quantity": "-1"}"#.to_owned()),
        ),
        (Method::DELETE, "/api/v1/cart/lines/999999".to_owned(), None),
        (Method::GET, "/api/v1/favorites".to_owned(), None),
        (Method::PUT, "/api/v1/favorites/999999".to_owned(), None),
        (Method::DELETE, "/api/v1/favorites/999999".to_owned(), None),
        (Method::GET, "/api/v1/openapi.json".to_owned(), None),
        (Method::GET, "/api/v1/pickup-slots".to_owned(), None),
        (Method::GET, "/api/v1/orders".to_owned(), None),
        (
            Method::POST,
            "/api/v1/orders".to_owned(),
            Some(r#"{"slot_id": 999999, "note": "x"}"#.to_owned()),
        ),
        (Method::GET, format!("/api/v1/orders/{key}"), None),
        (
            Method::POST,
            "/api/v1/orders/aaaaaaaaaaaaaaaa/cancel".to_owned(),
            None,
        ),
    ]
}

/// A JSON body that changes nothing if a server takes it despite its
/// `Content-Type`.
const HARMLESS: &[u8] = br#"{"quantity": "-1", "product_id": 999999, "slot_id": 999999}"#;

#[tokio::test]
async fn broken_json_is_refused_with_an_api_error() {
    let mut world = World::start().await;
    let before = world.written().await;
    let routes = api_routes(&world);
    let nested_ok_size = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let nested_object = format!("{}1{}", "{\"a\":".repeat(3000), "}".repeat(3000));
    let nested_big = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let garbage: Vec<(Vec<u8>, Option<&str>)> = vec![
        (b"".to_vec(), Some("application/json")),
        (b"not json".to_vec(), Some("application/json")),
        (b"{".to_vec(), Some("application/json")),
        (b"{\"product_id\": 1, ".to_vec(), Some("application/json")),
        (b"null".to_vec(), Some("application/json")),
        (b"[]".to_vec(), Some("application/json")),
        (b"\"a string\"".to_vec(), Some("application/json")),
        (b"42".to_vec(), Some("application/json")),
        (b"{}".to_vec(), Some("application/json")),
        (br#"{"product_id": "1", "quantity": [1], "slot_id": "1", "login": 1, "password": []}"#.to_vec(), Some("application/json")),
        (br#"{"product_id": 1e400, "quantity": 1e400, "slot_id": 1e400}"#.to_vec(), Some("application/json")),
        (
            br#"{"product_id": 99999999999999999999999, "quantity": -1, "slot_id": -99999999999999999999999}"#.to_vec(),
            Some("application/json"),
        ),
        (br#"{"product_id": 1.5, "quantity": "-1", "slot_id": 1.5}"#.to_vec(), Some("application/json")),
        (br#"{"product_id": 1, "product_id": 2, "quantity": "1", "quantity": "2"}"#.to_vec(), Some("application/json")),
        (b"{\"login\": \"\xff\xfe\", \"password\": \"\xc3\x28\", \"quantity\": \"\xff\"}".to_vec(), Some("application/json")),
        (br#"{"login": "\ud800", "password": "\udfff", "note": "\u0000"}"#.to_vec(), Some("application/json")),
        (nested_ok_size.clone().into_bytes(), Some("application/json")),
        (nested_object.clone().into_bytes(), Some("application/json")),
        (format!(r#"{{"quantity": {nested_ok_size}, "slot_id": 1}}"#).into_bytes(), Some("application/json")),
        (nested_big.clone().into_bytes(), Some("application/json")),
        (HARMLESS.to_vec(), Some("application/x-www-form-urlencoded")),
        (HARMLESS.to_vec(), Some("text/plain")),
        (HARMLESS.to_vec(), None),
        (HARMLESS.to_vec(), Some("application/json; charset=latin1")),
        (HARMLESS.to_vec(), Some("application/json-seq")),
        (HARMLESS.to_vec(), Some("text/html")),
        (b"quantity=1&product_id=1".to_vec(), Some("application/json")),
        ([b"\xef\xbb\xbf".as_slice(), HARMLESS].concat(), Some("application/json")),
        (b"\x00\x01\x02".to_vec(), Some("application/octet-stream")),
    ];
    for who in [Who::Claire, Who::Camille, Who::Anonymous] {
        for (method, path, good) in &routes {
            // Logging out with the right token is no attack.
            let csrfs: Vec<Csrf> = ALL_CSRF
                .into_iter()
                .filter(|c| !(*path == "/api/v1/session" && *method == Method::DELETE && *c == Csrf::Valid))
                .collect();
            for csrf in &csrfs {
                let body = match good {
                    Some(b) => json_body(b.clone()),
                    None => Body::None,
                };
                world.probe(who, *csrf, method.clone(), path, body).await;
            }
            if !csrfs.contains(&Csrf::Valid) {
                continue;
            }
            for (body, content_type) in &garbage {
                world
                    .probe(
                        who,
                        Csrf::Valid,
                        method.clone(),
                        path,
                        Body::Raw(body.clone(), content_type.map(str::to_owned)),
                    )
                    .await;
            }
            // 1 MB of JSON.
            let mut big = br#"{"note": ""#.to_vec();
            big.resize(1024 * 1024, b'a');
            big.extend_from_slice(br#"", "slot_id": 1}"#);
            let token = world.browser(who).csrf().await;
            world
                .probe_raw(
                    who,
                    method.as_str(),
                    path.as_bytes(),
                    &[
                        ("content-type", b"application/json"),
                        ("x-csrf-token", token.as_bytes()),
                    ],
                    &big,
                )
                .await;
            // Headers that are not what they should be.
            for (name, value) in [
                ("x-csrf-token", b"\xff\xfe".as_slice()),
                ("x-csrf-token", b"".as_slice()),
                (
                    "idempotency-key",
                    b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0".as_slice(),
                ),
                (
                    "accept-language",
                    b"\xff;q=\xfe, <script>alert(1)</script>".as_slice(),
                ),
                ("cookie", b"sf_session=\xff\xfe; sf_lang=<script>".as_slice()),
                ("content-type", b"\xff/\xfe".as_slice()),
            ] {
                let body = good.clone().unwrap_or_default();
                let mut headers: Vec<(&str, &[u8])> = vec![(name, value)];
                if name != "x-csrf-token" {
                    headers.push(("x-csrf-token", token.as_bytes()));
                }
                if name != "content-type" && !body.is_empty() {
                    headers.push(("content-type", b"application/json"));
                }
                world
                    .probe_raw(who, method.as_str(), path.as_bytes(), &headers, body.as_bytes())
                    .await;
            }
        }
    }
    // Orders: keys that are not keys, notes too long.
    for key in [
        "",
        "short",
        "<script>alert(1)</script>",
        &"k".repeat(65),
        "key with spaces 0001",
        "ключ-заказа-000000001",
    ] {
        let token = world.claire.csrf().await;
        let answer = world
            .claire
            .send(Method::POST, "/api/v1/orders", |r| {
                let r = r.header("x-csrf-token", token);
                let r = match reqwest::header::HeaderValue::from_bytes(key.as_bytes()) {
                    Ok(v) => r.header("idempotency-key", v),
                    Err(_) => r,
                };
                r.json(&json!({"slot_id": world.slot}))
            })
            .await;
        world.judge(&format!("POST /api/v1/orders key {key:?}"), "en", true, &answer);
        if !(400..500).contains(&answer.status) {
            world
                .problems
                .push(format!("order key {key:?}: answered {}", answer.status));
        }
    }
    let answer = world
        .probe(
            Who::Claire,
            Csrf::Valid,
            Method::POST,
            "/api/v1/orders",
            json_body(json!({"slot_id": world.slot, "note": "n".repeat(1001)}).to_string()),
        )
        .await;
    assert!(
        (400..500).contains(&answer.status),
        "a note too long: {}",
        answer.status
    );
    world.finish(&before).await;
}

#[tokio::test]
async fn broken_paths_and_queries_answer_4xx() {
    let mut world = World::start().await;
    let before = world.written().await;
    let mut targets: Vec<Vec<u8>> = Vec::new();
    for prefix in [
        "/categories/",
        "/products/",
        "/images/products/",
        "/images/products/1/",
        "/orders/",
        "/api/v1/products/",
        "/api/v1/orders/",
        "/assets/",
        "/",
        "/api/v1/",
    ] {
        for tail in [
            b"%FF%FE".as_slice(),
            b"\xff\xfe",
            b"%C3%28",
            b"%C0%AE%C0%AE",
            b"%ED%A0%80",
            b"%00",
            b"%",
            b"%%",
            b"%G0",
            b"%2e%2e%2f%2e%2e%2fCargo.toml",
        ] {
            let mut target = prefix.as_bytes().to_vec();
            target.extend_from_slice(tail);
            targets.push(target);
        }
    }
    for path in [
        "/search?q=",
        "/categories/1?page=",
        "/login?next=",
        "/api/v1/products?q=",
        "/api/v1/products?category=",
        "/api/v1/products?page=",
        "/api/v1/products?per_page=",
        "/admin/resync?full=",
    ] {
        for tail in [
            b"%FF%FE".as_slice(),
            b"\xff\xfe",
            b"%C3%28",
            b"%",
            b"%%%",
            b"%00",
            b"a&q=b&q=c",
            b"x&&&===&",
            b"%0d%0aSet-Cookie:%20x=1",
        ] {
            let mut target = path.as_bytes().to_vec();
            target.extend_from_slice(tail);
            targets.push(target);
        }
    }
    targets.push(b"/search?q=&q=".to_vec());
    targets.push(b"/search?page=1&page=2".to_vec());
    targets.push(b"/api/v1/products?page=1&page=2".to_vec());
    targets.push(format!("/search?q={}", "a".repeat(6000)).into_bytes());
    targets.push(format!("/api/v1/products?q={}", "%FF".repeat(2000)).into_bytes());
    targets.push(format!("/products/{}", "1".repeat(4000)).into_bytes());
    for who in [Who::Claire, Who::Camille, Who::Anonymous] {
        for target in &targets {
            let answer = world.probe_raw(who, "GET", target, &[], b"").await;
            if answer
                .headers
                .get("set-cookie")
                .is_some_and(|c| c.contains("x=1"))
            {
                world.problems.push(format!(
                    "{who:?} {}: a header was injected",
                    String::from_utf8_lossy(target)
                ));
            }
        }
    }
    // Methods no route has.
    for (method, path) in [
        ("PATCH", "/api/v1/cart"),
        ("PUT", "/cart"),
        ("DELETE", "/"),
        ("OPTIONS", "/api/v1/products"),
        ("TRACE", "/"),
        ("POST", "/api/v1/products/1"),
        ("GET", "/api/v1/cart/lines"),
        ("POST", "/metrics"),
        ("GET", "/admin/resync"),
        ("BREW", "/"),
        ("GET", "/API/V1/CART"),
        ("GET", "/api/v2/products"),
        ("GET", "//api/v1/cart"),
        ("GET", "/api/v1/cart/"),
        ("GET", "/nope"),
        ("GET", "/api/v1/nope"),
    ] {
        for who in [Who::Claire, Who::Anonymous] {
            world.probe_raw(who, method, path.as_bytes(), &[], b"").await;
        }
    }
    world.finish(&before).await;
}

#[tokio::test]
async fn assets_never_leave_their_directory() {
    // An override directory, with a file beside its assets that must not be
    // served.
    let overrides = support::data_dir().with_extension("overrides");
    std::fs::create_dir_all(overrides.join("assets/sub")).unwrap();
    std::fs::create_dir_all(overrides.join("templates")).unwrap();
    std::fs::write(overrides.join("assets/custom.css"), "body { color: teal }").unwrap();
    std::fs::write(overrides.join("assets/sub/deep.css"), "p { color: plum }").unwrap();
    std::fs::write(overrides.join("secret.txt"), "TOP-SECRET-OVERRIDE").unwrap();
    std::fs::write(overrides.join("templates/secret.txt"), "TOP-SECRET-TEMPLATE").unwrap();
    let override_dir = overrides.display().to_string();
    let mut world = World::start_with(&[("STOREFRONT_OVERRIDE_DIR", &override_dir)]).await;
    let before = world.written().await;
    let sane = world.anonymous.get("/assets/custom.css").await;
    assert_eq!(sane.status, 200);
    assert!(sane.body.contains("teal"));
    assert!(world
        .anonymous
        .get("/assets/sub/deep.css")
        .await
        .body
        .contains("plum"));
    let absolute = overrides.join("secret.txt").display().to_string();
    let mut targets: Vec<String> = vec![
        "/assets/../Cargo.toml".into(),
        "/assets/../../Cargo.toml".into(),
        "/assets/..%2fCargo.toml".into(),
        "/assets/..%2f..%2fCargo.toml".into(),
        "/assets/..%2F..%2FCargo.toml".into(),
        "/assets/%2e%2e/Cargo.toml".into(),
        "/assets/%2e%2e/%2e%2e/Cargo.toml".into(),
        "/assets/%2e%2e%2f%2e%2e%2fCargo.toml".into(),
        "/assets/%252e%252e%252f%252e%252e%252fCargo.toml".into(),
        "/assets/%25252e%25252e%25252fCargo.toml".into(),
        "/assets/..%252f..%252fCargo.toml".into(),
        "/assets/....//....//Cargo.toml".into(),
        "/assets/..\\..\\Cargo.toml".into(),
        "/assets/..%5c..%5cCargo.toml".into(),
        "/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/Cargo.toml".into(),
        "/assets/%c0%af..%c0%afCargo.toml".into(),
        "/assets/../../../../../../etc/passwd".into(),
        "/assets/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd".into(),
        "/assets//etc/passwd".into(),
        "/assets/%2fetc%2fpasswd".into(),
        "/assets/style.css%00.png".into(),
        "/assets/style.css%00".into(),
        "/assets/style.css/..".into(),
        "/assets/./style.css/../../Cargo.toml".into(),
        "/assets/../secret.txt".into(),
        "/assets/..%2fsecret.txt".into(),
        "/assets/%2e%2e%2fsecret.txt".into(),
        "/assets/%252e%252e%252fsecret.txt".into(),
        "/assets/sub/../../secret.txt".into(),
        "/assets/sub/..%2f..%2fsecret.txt".into(),
        "/assets/../templates/secret.txt".into(),
        "/assets/..%2ftemplates%2fsecret.txt".into(),
        "/assets/..%2ftemplates%2fhome.html".into(),
        "/assets/../templates/messages/en.json".into(),
        "/images/products/..%2f..%2fCargo.toml/small".into(),
        "/images/products/1/..%2f..%2fCargo.toml".into(),
        "/assets/%2e%2e/secret.txt?x=1".into(),
    ];
    targets.push(format!("/assets/{absolute}"));
    targets.push(format!("/assets/{}", absolute.replace('/', "%2f")));
    targets.push(format!("/assets//{absolute}"));
    for who in [Who::Anonymous, Who::Claire] {
        for target in &targets {
            let answer = world.probe_raw(who, "GET", target.as_bytes(), &[], b"").await;
            let leaked = [
                "[package]",
                "[workspace]",
                "root:",
                "TOP-SECRET",
                "\"page_title_home\"",
            ]
            .iter()
            .any(|m| answer.body.contains(m));
            if leaked || answer.status == 200 {
                world.problems.push(format!(
                    "{who:?} GET {target}: {} leaked a file: {:.200}",
                    answer.status, answer.body
                ));
            }
        }
    }
    world.finish(&before).await;
    let _ = std::fs::remove_dir_all(&overrides);
}

#[tokio::test]
async fn script_strings_are_never_echoed_unescaped() {
    let mut world = World::start().await;
    let before = world.written().await;
    let baguette = variant_of(&world.shop, 1).to_string();
    let slot = world.slot.to_string();
    let mut echoed = 0;
    for script in SCRIPTS {
        let encoded = support_encode(script);
        // Query strings and paths.
        for who in [Who::Claire, Who::Camille, Who::Anonymous] {
            for path in [
                format!("/search?q={encoded}"),
                format!("/search?q=pain&page={encoded}"),
                format!("/categories/1?page={encoded}"),
                format!("/login?next={encoded}"),
                format!("/login?next=/{encoded}"),
                format!("/products/{encoded}"),
                format!("/categories/{encoded}"),
                format!("/orders/{encoded}"),
                format!("/images/products/1/{encoded}"),
                format!("/{encoded}"),
                format!("/api/v1/products?q={encoded}"),
                format!("/api/v1/products?category={encoded}"),
                format!("/api/v1/products?page={encoded}"),
                format!("/api/v1/products/{encoded}"),
                format!("/api/v1/orders/{encoded}"),
                format!("/api/v1/{encoded}"),
            ] {
                let answer = world
                    .probe(who, Csrf::Missing, Method::GET, &path, Body::None)
                    .await;
                if answer.body.contains("&lt;")
                    || answer.body.contains("&#39;")
                    || answer.body.contains("&quot;&gt;")
                {
                    echoed += 1;
                }
            }
            // Raw (not percent-encoded) in the target.
            for path in [
                format!("/search?q={script}"),
                format!("/login?next=/{script}"),
                format!("/products/{script}"),
            ] {
                world
                    .probe_raw(who, "GET", path.replace(' ', "%20").as_bytes(), &[], b"")
                    .await;
            }
            // In every text field of every form.
            for csrf in [Csrf::Valid, Csrf::Missing] {
                for (path, fields) in [
                    (
                        "/login",
                        vec![("login", *script), ("password", "x"), ("next", *script)],
                    ),
                    (
                        "/login",
                        vec![
                            ("login", ""),
                            ("password", *script),
                            ("next", "/search?q=<script>alert(1)</script>"),
                        ],
                    ),
                    ("/language", vec![("lang", *script), ("back", *script)]),
                    (
                        "/language",
                        vec![("lang", "xx"), ("back", "/\"><script>alert(1)</script>")],
                    ),
                    (
                        "/signup",
                        vec![
                            ("name", *script),
                            ("email", *script),
                            ("phone", *script),
                            ("message", *script),
                        ],
                    ),
                    (
                        "/signup",
                        vec![
                            ("name", *script),
                            ("email", "bad"),
                            ("phone", ""),
                            ("message", *script),
                        ],
                    ),
                    (
                        "/favorites",
                        vec![("template_id", *script), ("favorite", *script), ("back", *script)],
                    ),
                    (
                        "/favorites",
                        vec![("template_id", "999999"), ("favorite", "1"), ("back", *script)],
                    ),
                    (
                        "/cart",
                        vec![("product_id", *script), ("quantity", *script), ("back", *script)],
                    ),
                    (
                        "/cart",
                        vec![
                            ("product_id", &baguette),
                            ("quantity", *script),
                            ("back", *script),
                        ],
                    ),
                    (
                        "/cart/update",
                        vec![("product_id", &baguette), ("quantity", *script)],
                    ),
                    ("/cart/remove", vec![("product_id", *script)]),
                    (
                        "/checkout",
                        vec![("order_key", *script), ("slot_id", &slot), ("note", *script)],
                    ),
                    (
                        "/checkout",
                        vec![
                            ("order_key", "hostile-script-key-01"),
                            ("slot_id", "999999"),
                            ("note", *script),
                        ],
                    ),
                    (
                        "/checkout",
                        vec![
                            ("order_key", "hostile-script-key-02"),
                            ("slot_id", *script),
                            ("note", *script),
                        ],
                    ),
                    ("/orders/aaaaaaaaaaaaaaaa/cancel", vec![("csrf_token_x", *script)]),
                ] {
                    // A script-string login with the right token costs a
                    // failed login of this address: a few of them only.
                    if path == "/login"
                        && csrf == Csrf::Valid
                        && who == Who::Anonymous
                        && *script != SCRIPTS[0]
                    {
                        continue;
                    }
                    let answer = world.probe(who, csrf, Method::POST, path, form(&fields)).await;
                    if answer.body.contains("&lt;")
                        || answer.body.contains("&#39;")
                        || answer.body.contains("&quot;&gt;")
                    {
                        echoed += 1;
                    }
                }
            }
            // The API's text fields (JSON answers; never HTML).
            for csrf in [Csrf::Valid, Csrf::Missing] {
                for (method, path, body) in [
                    (
                        Method::POST,
                        "/api/v1/session",
                        json!({"login": script, "password": script}),
                    ),
                    (
                        Method::POST,
                        "/api/v1/orders",
                        json!({"slot_id": 999999, "note": script}),
                    ),
                    (
                        Method::POST,
                        "/api/v1/cart/lines",
                        json!({"product_id": script, "quantity": script}),
                    ),
                    (Method::PUT, "/api/v1/cart/lines/1", json!({"quantity": script})),
                ] {
                    if path == "/api/v1/session" && csrf == Csrf::Valid && *script != SCRIPTS[0] {
                        continue;
                    }
                    world
                        .probe(who, csrf, method, path, json_body(body.to_string()))
                        .await;
                }
            }
            // Headers and cookies.
            for (name, value) in [
                ("accept-language", script.to_string()),
                ("x-request-id", script.to_string()),
                ("cookie", format!("sf_lang={script}")),
                ("cookie", format!("sf_flash=reorder_skipped.{script}")),
                ("cookie", format!("sf_flash=added_to_cart.{script}")),
                ("cookie", format!("sf_flash={script}")),
                ("cookie", format!("sf_session={script}")),
                ("referer", script.to_string()),
                ("user-agent", script.to_string()),
            ] {
                let mut headers: Vec<(&str, &[u8])> = vec![(name, value.as_bytes())];
                let session;
                if name == "cookie" && !value.starts_with("sf_session") {
                    if let Some(s) = world.browser(who).cookie("sf_session") {
                        session = format!("{value}; sf_session={s}");
                        headers = vec![(name, session.as_bytes())];
                    }
                }
                for path in [
                    "/",
                    "/cart",
                    "/search?q=x",
                    "/login",
                    "/nope",
                    "/api/v1/session",
                    "/api/v1/nope",
                ] {
                    world.probe_raw(who, "GET", path.as_bytes(), &headers, b"").await;
                }
            }
        }
    }
    assert!(
        echoed > 20,
        "the suite saw escaped echoes only {echoed} times: is it testing anything?"
    );
    world.finish(&before).await;
}

#[tokio::test]
async fn the_operations_endpoints_refuse_without_the_token() {
    let mut world = World::start().await;
    let before = world.written().await;
    let long = "t".repeat(10_000);
    let huge = "t".repeat(100_000);
    let bearer_long = format!("Bearer {long}");
    let bearer_huge = format!("Bearer {huge}");
    let near = format!("Bearer {}x", support::ADMIN_TOKEN);
    let prefix = format!(
        "Bearer {}",
        &support::ADMIN_TOKEN[..support::ADMIN_TOKEN.len() - 1]
    );
    let basic = format!("Basic {}", support::ADMIN_TOKEN);
    let authorizations: Vec<Option<&[u8]>> = vec![
        None,
        Some(b"".as_slice()),
        Some(b"Bearer"),
        Some(b"Bearer "),
        Some(b"Bearer wrong-token-wrong-token"),
        Some(near.as_bytes()),
        Some(prefix.as_bytes()),
        Some(basic.as_bytes()),
        Some(b"Bearer \xff\xfe\xfd"),
        Some(b"Bearer <script>alert(1)</script>"),
        Some(bearer_long.as_bytes()),
        Some(bearer_huge.as_bytes()),
    ];
    for (method, path) in [
        ("POST", "/admin/resync"),
        ("POST", "/admin/resync?full=1"),
        ("POST", "/admin/resync?full=%FF"),
        ("GET", "/admin/outbox"),
        ("POST", "/admin/outbox/retry"),
    ] {
        for authorization in &authorizations {
            let headers: Vec<(&str, &[u8])> = match authorization {
                Some(v) => vec![("authorization", v)],
                None => vec![],
            };
            let answer = world
                .probe_raw(Who::Anonymous, method, path.as_bytes(), &headers, b"")
                .await;
            if !(400..500).contains(&answer.status) {
                world.problems.push(format!(
                    "{method} {path} without the token: answered {}",
                    answer.status
                ));
            }
        }
        // 1 MB bodies, with the wrong token.
        let big = vec![b'a'; 1024 * 1024];
        world
            .probe_raw(
                Who::Anonymous,
                method,
                path.as_bytes(),
                &[
                    ("authorization", b"Bearer wrong-token-wrong-token"),
                    ("content-type", b"application/json"),
                ],
                &big,
            )
            .await;
    }
    for path in ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"] {
        for who in [Who::Anonymous, Who::Claire] {
            let answer = world
                .probe_raw(
                    who,
                    "GET",
                    format!("{path}?x=%FF%FE&%3Cscript%3E=1").as_bytes(),
                    &[],
                    b"",
                )
                .await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.body);
            world
                .probe_raw(who, "POST", path.as_bytes(), &[], &[b'a'; 100_000])
                .await;
        }
    }
    let metrics = world.anonymous.get("/metrics").await;
    assert!(!metrics.body.contains("<script>"), "{}", metrics.body);
    world.finish(&before).await;
}

/// Every route the shop has, as its source declares them (`#[get("/…")]`
/// and the like): (method, pattern).
fn declared_routes() -> Vec<(String, String)> {
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut routes = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for method in ["get", "post", "put", "delete", "patch"] {
            for piece in text.split(&format!("#[{method}(\"")).skip(1) {
                let pattern = &piece[..piece.find('"').unwrap()];
                routes.push((method.to_uppercase(), pattern.to_owned()));
            }
        }
    }
    routes.sort();
    routes
}

/// A concrete path for a route pattern: every parameter something that is
/// none.
fn hostile_path(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        let name = &rest[start + 1..end];
        out.push_str(if name.starts_with("path") {
            "..%2f..%2fCargo.toml"
        } else {
            "%FF%FE-1"
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Sweeps every route the source declares (so a new route is swept too)
/// with a hostile request from each visitor, and checks, from `/metrics`,
/// that each of them was reached; the OpenAPI document names no operation
/// the shop lacks.
#[tokio::test]
async fn every_declared_route_is_swept() {
    let mut world = World::start().await;
    let before = world.written().await;
    let routes = declared_routes();
    assert!(routes.len() > 40, "{routes:?}");
    let openapi: Value = serde_json::from_str(include_str!("../src/http/openapi.json")).unwrap();
    for (path, operations) in openapi["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let route = (method.to_uppercase(), path.clone());
            assert!(
                routes.contains(&route),
                "the OpenAPI document's {route:?} is no route of the shop"
            );
        }
    }
    for (method, pattern) in &routes {
        let path = format!(
            "{}?page=%FF%FE&q=%3Cscript%3E&next=%00&full=%FF",
            hostile_path(pattern)
        );
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        for who in [Who::Claire, Who::Camille, Who::Anonymous] {
            if method == Method::GET {
                world
                    .probe(who, Csrf::Valid, method.clone(), &path, Body::None)
                    .await;
                continue;
            }
            // Logging out with the right token is no attack.
            let logout = pattern == "/api/v1/session" && method == Method::DELETE;
            let csrf = if logout { Csrf::Wrong } else { Csrf::Valid };
            let body = if pattern.starts_with("/api/") {
                json_body(r#"{"quantity": "-1", "product_id": -1, "slot_id": "#)
            } else {
                // The token twice: a form that does not read.
                form(&[("csrf_token", "x"), ("quantity", "-1"), ("product_id", "-1")])
            };
            world.probe(who, csrf, method.clone(), &path, body).await;
            world
                .probe(who, Csrf::Wrong, method.clone(), &path, form(&[]))
                .await;
        }
    }
    let metrics = world.anonymous.get("/metrics").await.body;
    for (method, pattern) in &routes {
        let series = format!("storefront_http_requests_total{{route=\"{pattern}\",method=\"{method}\"");
        if !metrics.contains(&series) {
            world
                .problems
                .push(format!("{method} {pattern} was never reached"));
        }
    }
    world.finish(&before).await;
}
