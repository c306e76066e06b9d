//! What the benchmarks share: logging a customer in over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The `sf_session` cookie an answer sets.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response.headers().get_all("set-cookie").iter().find_map(|v| {
        let value = v.to_str().ok()?.strip_prefix("sf_session=")?;
        Some(value.split(';').next()?.to_owned())
    })
}

/// Logs `login` in at `base` through the login form; the session cookie.
pub async fn log_in(http: &reqwest::Client, base: &str, login: &str, password: &str) -> String {
    let session = http.get(format!("{base}/api/v1/session")).send().await.unwrap();
    let anon = session_cookie(&session).unwrap();
    let token: serde_json::Value = session.json().await.unwrap();
    let answer = http
        .post(format!("{base}/login"))
        .header("cookie", format!("sf_session={anon}"))
        .form(&[
            ("csrf_token", token["csrf_token"].as_str().unwrap()),
            ("login", login),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    session_cookie(&answer).unwrap()
}
