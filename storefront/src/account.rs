//! Accounts: log in with Odoo credentials (`common.authenticate`; customers
//! are portal users), log out, the sign-up request (a `res.partner` tagged
//! "Web shop request" that the staff turn into a portal user), the language
//! switch. Failed logins are slowed down per account and per address.

use actix_web::cookie::Cookie;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use connector::records::Command;
use connector::xmlrpc::Struct;
use connector::{field, Client};
use serde::Deserialize;

use crate::session::{self, LANG_COOKIE};
use crate::state::AppState;
use crate::store::SessionRecord;
use crate::views::SignupView;
use crate::visit::{local_path, PageError, Visit};

/// Failed logins of one account allowed before each try must wait.
const FREE_FAILURES_PER_LOGIN: u32 = 3;
/// Failed logins from one address allowed before each try must wait (more:
/// a shop's customers may share an address).
const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The longest wait between tries.
const MAX_WAIT_SECS: i64 = 15 * 60;
/// Sign-up requests accepted per address and hour.
const SIGNUPS_PER_HOUR: u32 = 5;
/// The tag of partners created by the sign-up form.
pub const SIGNUP_TAG: &str = "Web shop request";

/// Why a login was refused.
#[derive(Debug)]
pub enum LoginError {
    /// Wrong login or password.
    Refused,
    /// Too many failures: try again after this many seconds.
    Throttled(i64),
    /// The account is not a customer of the shop (an internal user, or not
    /// mirrored yet).
    NotCustomer,
    /// Login or password missing or absurd.
    Invalid,
    /// Odoo could not be asked.
    Unavailable(connector::Error),
    /// The store failed.
    Store(crate::store::StoreError),
}

impl LoginError {
    /// The message key.
    pub fn message_key(&self) -> &'static str {
        match self {
            LoginError::Refused | LoginError::Invalid => "login_failed",
            LoginError::Throttled(_) => "login_throttled",
            LoginError::NotCustomer => "login_not_customer",
            LoginError::Unavailable(_) => "odoo_unavailable",
            LoginError::Store(_) => "server_error",
        }
    }

    /// The status to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            LoginError::Refused => StatusCode::UNAUTHORIZED,
            LoginError::Invalid => StatusCode::BAD_REQUEST,
            LoginError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            LoginError::NotCustomer => StatusCode::FORBIDDEN,
            LoginError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            LoginError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// How long to wait after `failures` failures, the last at `last`, when
/// `free` are allowed; `None` when a try is allowed at `now`.
fn wait(failures: u32, last: Option<i64>, free: u32, now: i64) -> Option<i64> {
    if failures < free {
        return None;
    }
    let exponent = (failures - free).min(16);
    let wait = (5i64 << exponent).min(MAX_WAIT_SECS);
    let until = last.unwrap_or(0) + wait;
    (until > now).then_some(until - now)
}

/// The address of the client, for throttling: the peer's, or behind a
/// trusted reverse proxy the one it forwards for.
fn client_address(visit: &Visit) -> String {
    visit
        .state
        .settings
        .trusted_proxies
        .client(visit.request.peer_addr().map(|a| a.ip()), visit.request.headers())
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Checks credentials with Odoo and opens a session; returns the new
/// session id and its record.
pub async fn log_in(
    visit: &Visit,
    login: &str,
    password: &str,
) -> Result<(String, SessionRecord), LoginError> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() || login.len() > 256 || password.len() > 1024 {
        return Err(LoginError::Invalid);
    }
    let state = &visit.state;
    let now = chrono::Utc::now().timestamp();
    let account_key = format!("login:{}", login.to_lowercase());
    let address_key = format!("ip:{}", client_address(visit));
    let keys = [account_key.as_str(), address_key.as_str()];
    let failures = state
        .store
        .login_failures(&keys)
        .await
        .map_err(LoginError::Store)?;
    let waits = [
        failures
            .first()
            .and_then(|f| wait(f.failures, f.last_failure, FREE_FAILURES_PER_LOGIN, now)),
        failures
            .get(1)
            .and_then(|f| wait(f.failures, f.last_failure, FREE_FAILURES_PER_ADDRESS, now)),
    ];
    if let Some(seconds) = waits.into_iter().flatten().max() {
        return Err(LoginError::Throttled(seconds));
    }
    // The try is counted as a failure before Odoo is asked, in one atomic
    // step: of tries racing in parallel, only those within the allowance
    // (or the one first after a wait) reach Odoo. A success takes it back.
    let counted = state
        .store
        .record_login_failure(&keys, now)
        .await
        .map_err(LoginError::Store)?;
    let beyond = |i: usize, free: u32| {
        let before = failures.get(i).map_or(0, |f| f.failures);
        let after = counted.get(i).copied().unwrap_or(u32::MAX);
        // Past the allowance, only the try that found the count as it read
        // it (no other try in between) goes on.
        after > free && after != before.saturating_add(1)
    };
    if beyond(0, FREE_FAILURES_PER_LOGIN) || beyond(1, FREE_FAILURES_PER_ADDRESS) {
        let after = |i: usize| counted.get(i).copied().unwrap_or(0);
        let seconds = [
            wait(after(0), Some(now), FREE_FAILURES_PER_LOGIN, now),
            wait(after(1), Some(now), FREE_FAILURES_PER_ADDRESS, now),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(5);
        return Err(LoginError::Throttled(seconds));
    }
    let uid = match state.odoo().authenticate(login, password).await {
        Ok(Some(uid)) => uid,
        Ok(None) => {
            tracing::info!(address = %address_key, "a login was refused");
            return Err(LoginError::Refused);
        }
        Err(e) => {
            // Not the customer's failure: taken back.
            for key in keys {
                state
                    .store
                    .forgive_login_failure(key)
                    .await
                    .map_err(LoginError::Store)?;
            }
            tracing::warn!(error = %e, "cannot check a login with Odoo");
            return Err(LoginError::Unavailable(e));
        }
    };
    // A success: the address's count is taken back (the account's is
    // cleared below, once the customer is known).
    state
        .store
        .forgive_login_failure(&address_key)
        .await
        .map_err(LoginError::Store)?;
    let snapshot = &visit.index.snapshot;
    let Some((user, partner)) = snapshot.customer(login).filter(|(u, _)| u.id == uid) else {
        return Err(LoginError::NotCustomer);
    };
    state
        .store
        .clear_login_failures(&account_key)
        .await
        .map_err(LoginError::Store)?;
    let id = session::new_session_id();
    let record = SessionRecord {
        id_hash: session::hash_session_id(&id),
        user_id: user.id,
        partner_id: partner.id,
        login: user.login.clone(),
        name: partner.name.clone().unwrap_or_else(|| user.login.clone()),
        created_at: now,
        expires_at: now + session::SESSION_DAYS * 86_400,
    };
    state
        .store
        .create_session(&record)
        .await
        .map_err(LoginError::Store)?;
    Ok((id, record))
}

/// Ends the visitor's session, if logged in.
pub async fn log_out(visit: &Visit) -> Result<(), crate::store::StoreError> {
    let hash = session::hash_session_id(&visit.session_id);
    visit.state.store.delete_session(&hash).await?;
    visit.state.sessions.invalidate(&hash).await;
    Ok(())
}

/// The cookie of a new session.
pub fn new_session_cookie(state: &AppState, id: &str, persistent: bool) -> Cookie<'static> {
    session::session_cookie(state.key.sign(id), state.secure_cookies, persistent)
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

/// The login form.
#[get("/login")]
async fn login_page(visit: Visit, query: web::Query<NextQuery>) -> HttpResponse {
    let next = local_path(query.next.as_deref().unwrap_or("/"));
    if visit.customer.is_some() {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, next))
            .finish();
    }
    login_form(&visit, StatusCode::OK, "", None, &next).await
}

async fn login_form(
    visit: &Visit,
    status: StatusCode,
    login: &str,
    error: Option<String>,
    next: &str,
) -> HttpResponse {
    let mut context = tera::Context::new();
    context.insert("login", login);
    context.insert("error", &error);
    context.insert("next", next);
    let title = visit.messages().get("page_title_login").to_owned();
    visit.render(status, "login.html", &title, context).await
}

/// The login form, as posted.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// Logs in.
#[post("/login")]
async fn login_submit(visit: Visit, form: web::Form<LoginForm>) -> HttpResponse {
    let next = local_path(form.next.as_deref().unwrap_or("/"));
    if !visit.csrf_ok(&form.csrf_token) {
        let message = visit.messages().get("csrf_failed").to_owned();
        return login_form(&visit, StatusCode::FORBIDDEN, &form.login, Some(message), &next).await;
    }
    match log_in(&visit, &form.login, &form.password).await {
        Ok((id, _)) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, next))
            .cookie(new_session_cookie(&visit.state, &id, true))
            .finish(),
        Err(e) => {
            let message = match &e {
                LoginError::Throttled(seconds) => visit
                    .messages()
                    .format("login_throttled", &[("seconds", &seconds.to_string())]),
                other => visit.messages().get(other.message_key()).to_owned(),
            };
            if let LoginError::Store(e) = &e {
                tracing::error!(error = %e, "a login failed in the store");
            }
            let mut response = login_form(&visit, e.status(), &form.login, Some(message), &next).await;
            if let LoginError::Throttled(seconds) = e {
                if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            response
        }
    }
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf_token: String,
}

/// Logs out: the session ends, a new anonymous one starts.
#[post("/logout")]
async fn logout_submit(visit: Visit, form: web::Form<TokenForm>) -> HttpResponse {
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.fail(PageError::Csrf).await;
    }
    if let Err(e) = log_out(&visit).await {
        return visit.fail(PageError::Internal(e.into())).await;
    }
    let mut response = visit.redirect_with("/", Some(("logged_out", None)));
    let cookie = new_session_cookie(&visit.state, &session::new_session_id(), false);
    if let Ok(value) = header::HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The language switch, as posted.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: Option<String>,
}

/// Switches the language (a cookie, for a year).
#[post("/language")]
async fn switch_language(visit: Visit, form: web::Form<LanguageForm>) -> HttpResponse {
    if !visit.csrf_ok(&form.csrf_token) {
        return visit.fail(PageError::Csrf).await;
    }
    if !visit.state.languages(&visit.index.snapshot).contains(&form.lang) {
        return visit
            .fail(PageError::BadRequest(
                visit.messages().get("language_unknown").to_owned(),
            ))
            .await;
    }
    let mut response = visit.redirect_with(form.back.as_deref().unwrap_or("/"), None);
    let cookie = Cookie::build(LANG_COOKIE, form.lang.clone())
        .path("/")
        .secure(visit.state.secure_cookies)
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    if let Ok(value) = header::HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The sign-up request form.
#[get("/signup")]
async fn signup_page(visit: Visit) -> HttpResponse {
    signup_form(&visit, StatusCode::OK, &SignupView::default(), &[], false).await
}

async fn signup_form(
    visit: &Visit,
    status: StatusCode,
    form: &SignupView,
    errors: &[String],
    done: bool,
) -> HttpResponse {
    let mut context = tera::Context::new();
    context.insert("form", form);
    context.insert("errors", errors);
    context.insert("done", &done);
    let title = visit.messages().get("page_title_signup").to_owned();
    visit.render(status, "signup.html", &title, context).await
}

/// The sign-up form, as posted.
#[derive(Debug, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    message: String,
}

/// A sign-up request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignupRequest {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone, if given.
    pub phone: Option<String>,
    /// Message, if given.
    pub message: Option<String>,
}

impl SignupRequest {
    /// Checks what was typed; the errors are message keys.
    pub fn parse(
        name: &str,
        email: &str,
        phone: &str,
        message: &str,
    ) -> Result<SignupRequest, Vec<&'static str>> {
        let (name, email, phone, message) = (name.trim(), email.trim(), phone.trim(), message.trim());
        let mut errors = Vec::new();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            errors.push("signup_invalid_name");
        }
        if !valid_email(email) {
            errors.push("signup_invalid_email");
        }
        if phone.len() > 32 || !phone.chars().all(|c| c.is_ascii_digit() || " +-.()/".contains(c)) {
            errors.push("signup_invalid_phone");
        }
        if message.chars().count() > 2000 {
            errors.push("signup_invalid_message");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SignupRequest {
            name: name.to_owned(),
            email: email.to_owned(),
            phone: (!phone.is_empty()).then(|| phone.to_owned()),
            message: (!message.is_empty()).then(|| message.to_owned()),
        })
    }
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
        && !domain.contains('@')
}

/// Creates the partner of a sign-up request in Odoo, tagged
/// [`SIGNUP_TAG`]; returns its id.
pub async fn create_signup(
    client: &Client,
    request: &SignupRequest,
    lang: &str,
) -> Result<i64, connector::Error> {
    let tags = client
        .model("res.partner.category")
        .search(field("name").eq(SIGNUP_TAG))
        .lang("en_US")
        .limit(1)
        .send()
        .await?;
    let tag = match tags.first() {
        Some(id) => *id,
        None => {
            client
                .model("res.partner.category")
                .create(Struct::new().with("name", SIGNUP_TAG))
                .send()
                .await?
        }
    };
    let mut values = Struct::new()
        .with("name", request.name.as_str())
        .with("email", request.email.as_str())
        .with("lang", lang)
        .with("category_id", vec![Command::Set(vec![tag]).to_value()]);
    if let Some(phone) = &request.phone {
        values.insert("phone", phone.as_str());
    }
    let mut comment = String::from("<p>Web shop sign-up request.</p>");
    if let Some(message) = &request.message {
        comment.push_str("<p>");
        comment.push_str(&escape_html(message).replace('\n', "<br>"));
        comment.push_str("</p>");
    }
    values.insert("comment", comment);
    client.model("res.partner").create(values).send().await
}

/// Escapes text for an Odoo HTML field.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether another sign-up from this address is allowed now; counts it.
pub async fn signup_allowed(visit: &Visit) -> Result<bool, crate::store::StoreError> {
    let key = format!("signup:{}", client_address(visit));
    let now = chrono::Utc::now().timestamp();
    let store = &visit.state.store;
    let seen = store.login_failures(&[key.as_str()]).await?;
    if let Some(f) = seen.first() {
        if f.last_failure.is_some_and(|last| now - last > 3600) {
            store.clear_login_failures(&key).await?;
        } else if f.failures >= SIGNUPS_PER_HOUR {
            return Ok(false);
        }
    }
    store.record_login_failure(&[key.as_str()], now).await?;
    Ok(true)
}

/// Sends a sign-up request.
#[post("/signup")]
async fn signup_submit(visit: Visit, form: web::Form<SignupForm>) -> HttpResponse {
    let typed = SignupView {
        name: form.name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        message: form.message.clone(),
    };
    let m = visit.messages();
    if !visit.csrf_ok(&form.csrf_token) {
        let errors = [m.get("csrf_failed").to_owned()];
        return signup_form(&visit, StatusCode::FORBIDDEN, &typed, &errors, false).await;
    }
    let request = match SignupRequest::parse(&form.name, &form.email, &form.phone, &form.message) {
        Ok(request) => request,
        Err(keys) => {
            let errors: Vec<String> = keys.iter().map(|k| m.get(k).to_owned()).collect();
            return signup_form(&visit, StatusCode::BAD_REQUEST, &typed, &errors, false).await;
        }
    };
    match signup_allowed(&visit).await {
        Ok(true) => {}
        Ok(false) => {
            let errors = [m.get("signup_throttled").to_owned()];
            return signup_form(&visit, StatusCode::TOO_MANY_REQUESTS, &typed, &errors, false).await;
        }
        Err(e) => return visit.fail(PageError::Internal(e.into())).await,
    }
    match create_signup(visit.state.odoo(), &request, &visit.lang).await {
        Ok(id) => {
            tracing::info!(partner = id, "a sign-up request reached Odoo");
            signup_form(&visit, StatusCode::OK, &SignupView::default(), &[], true).await
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot send a sign-up request to Odoo");
            let errors = [m.get("odoo_unavailable").to_owned()];
            signup_form(&visit, StatusCode::SERVICE_UNAVAILABLE, &typed, &errors, false).await
        }
    }
}

/// The routes of this module.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(login_page)
        .service(login_submit)
        .service(logout_submit)
        .service(switch_language)
        .service(signup_page)
        .service(signup_submit);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_are_capped() {
        assert_eq!(wait(2, Some(100), 3, 100), None);
        assert_eq!(wait(3, Some(100), 3, 100), Some(5));
        assert_eq!(wait(3, Some(100), 3, 105), None);
        assert_eq!(wait(5, Some(100), 3, 100), Some(20));
        assert_eq!(wait(60, Some(100), 3, 100), Some(MAX_WAIT_SECS));
    }

    #[test]
    fn signup_requests_are_checked() {
        assert!(SignupRequest::parse("Ana", "ana@example.com", "+33 6 12", "hi").is_ok());
        assert_eq!(
            SignupRequest::parse("", "nope", "call me", &"x".repeat(2001)).err(),
            Some(vec![
                "signup_invalid_name",
                "signup_invalid_email",
                "signup_invalid_phone",
                "signup_invalid_message"
            ])
        );
        for bad in ["a@b", "@b.c", "a b@c.d", "a@.c", "<a@b.c>", "a@b@c.d"] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn messages_are_escaped_for_odoo() {
        assert_eq!(
            escape_html("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }
}
