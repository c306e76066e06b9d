//! The account pages: log in, log out, the sign-up request, the language
//! switch; what they do is [`crate::shop::account`]'s.

use actix_web::cookie::Cookie;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use crate::http::session::{self, LANG_COOKIE};
use crate::http::state::AppState;
use crate::http::views::SignupView;
use crate::http::visit::{local_path, PageError, Visit};
use crate::shop::account::{create_signup, log_in, log_out, signup_allowed, LoginError, SignupRequest};

/// The status of a refused login.
pub fn login_status(error: &LoginError) -> StatusCode {
    match error {
        LoginError::Refused => StatusCode::UNAUTHORIZED,
        LoginError::Invalid => StatusCode::BAD_REQUEST,
        LoginError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        LoginError::NotCustomer => StatusCode::FORBIDDEN,
        LoginError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        LoginError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The address of the client, for throttling: the peer's, or behind a
/// trusted reverse proxy the one it forwards for.
pub fn client_address(visit: &Visit) -> String {
    visit
        .state
        .trusted_proxies
        .client(visit.request.peer_addr().map(|a| a.ip()), visit.request.headers())
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
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
    match log_in(
        visit.shop(),
        &visit.index,
        &client_address(&visit),
        &form.login,
        &form.password,
    )
    .await
    {
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
            let mut response = login_form(&visit, login_status(&e), &form.login, Some(message), &next).await;
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
    match log_out(visit.shop(), visit.session.id()).await {
        Ok(hash) => visit.state.sessions.invalidate(&hash).await,
        Err(e) => return visit.fail(PageError::Internal(e.into())).await,
    }
    let mut response = visit.redirect_with("/", Some(("logged_out", None)));
    let cookie = new_session_cookie(&visit.state, &crate::store::ids::random_id(), false);
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
    if !visit.shop().languages(&visit.index.snapshot).contains(&form.lang) {
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
    match signup_allowed(&visit.shop().store, &client_address(&visit)).await {
        Ok(true) => {}
        Ok(false) => {
            let errors = [m.get("signup_throttled").to_owned()];
            return signup_form(&visit, StatusCode::TOO_MANY_REQUESTS, &typed, &errors, false).await;
        }
        Err(e) => return visit.fail(PageError::Internal(e.into())).await,
    }
    match create_signup(visit.shop(), &request, &visit.lang).await {
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
