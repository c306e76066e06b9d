//! Admin endpoints, behind the bearer token `STOREFRONT_ADMIN_TOKEN`; they
//! do not exist (404) when no token is configured: the resync, and the
//! outbox of orders not yet in Odoo.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::http::state::AppState;
use crate::workers::resync::Resync;

/// The configured admin token.
#[derive(Debug, Clone)]
pub struct AdminToken(pub Option<String>);

/// `None` when the request carries the token, else the refusal.
fn refuse(request: &HttpRequest, token: &AdminToken) -> Option<HttpResponse> {
    let Some(expected) = &token.0 else {
        return Some(HttpResponse::NotFound().finish());
    };
    match bearer(request) {
        Some(t) if crate::store::ids::same_secret(t.as_bytes(), expected.as_bytes()) => None,
        _ => Some(
            HttpResponse::Unauthorized()
                .insert_header(("WWW-Authenticate", "Bearer"))
                .json(json!({"error": "a valid admin token is required"})),
        ),
    }
}

/// `?full=1` asks for a full sync; `?shops=all`, of every shop.
#[derive(Debug, serde::Deserialize)]
pub struct ResyncQuery {
    #[serde(default)]
    full: Option<String>,
    #[serde(default)]
    shops: Option<String>,
}

/// The bearer token a request carries.
fn bearer(request: &HttpRequest) -> Option<&str> {
    request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
}

/// Resyncs the mirror now (incrementally, or everything with `?full=1`);
/// answers the one-line summary, or 502 with the error when Odoo could not
/// be read (the previous snapshot stays). With `?shops=all`, every shop's
/// whose admin token is the one given (the others are left alone and
/// said `refused`): `{"shops": {"<key>": {"summary"} | {"error"}}}`.
#[post("/admin/resync")]
pub async fn resync(
    request: HttpRequest,
    token: web::Data<AdminToken>,
    resync: web::Data<Resync>,
    query: web::Query<ResyncQuery>,
    shops: web::Data<crate::http::state::Shops>,
) -> HttpResponse {
    if let Some(refusal) = refuse(&request, &token) {
        return refusal;
    }
    let full = matches!(query.full.as_deref(), Some("1" | "true" | "yes"));
    if query.shops.as_deref() == Some("all") {
        let given = bearer(&request).unwrap_or_default();
        let mut answers = serde_json::Map::new();
        for (key, shop) in &shops.0 {
            let allowed = shop
                .admin_token
                .as_deref()
                .is_some_and(|t| crate::store::ids::same_secret(t.as_bytes(), given.as_bytes()));
            let answer = if allowed {
                sync_now(&shop.resync, full).await.unwrap_or_else(|error| error)
            } else {
                json!({"error": "refused: another admin token"})
            };
            answers.insert(key.clone(), answer);
        }
        return HttpResponse::Ok().json(json!({ "shops": answers }));
    }
    match sync_now(&resync, full).await {
        Ok(summary) => HttpResponse::Ok().json(summary),
        Err(error) => HttpResponse::BadGateway().json(error),
    }
}

/// Syncs `resync`'s mirror now (everything when `full`): `{"summary"}`, or
/// `{"error"}` when Odoo could not be read.
async fn sync_now(mirror: &Resync, full: bool) -> Result<serde_json::Value, serde_json::Value> {
    let result = if full {
        mirror.full_sync_now().await
    } else {
        mirror.sync_now().await
    };
    result
        .map(|report| json!({"summary": report.summary()}))
        .map_err(|e| json!({"error": e.to_string()}))
}

/// How the last sync went, its error's text included (`/readyz` shows
/// only its kind).
#[get("/admin/status")]
pub async fn status(
    request: HttpRequest,
    token: web::Data<AdminToken>,
    mirror: web::Data<Resync>,
) -> HttpResponse {
    if let Some(refusal) = refuse(&request, &token) {
        return refusal;
    }
    let status = mirror.status();
    HttpResponse::Ok().json(json!({
        "odoo": {
            "reachable": status.odoo_reachable,
            "last_success": status.last_success.map(|t| t.to_rfc3339()),
            "last_error": status.last_error,
            "last_error_kind": status.last_error_kind,
        },
        "syncs": status.attempts,
        "serving_saved_snapshot": status.serving_saved,
    }))
}

/// The orders not yet in Odoo (pending or refused), oldest first, with
/// their attempts and last error.
#[get("/admin/outbox")]
pub async fn outbox_list(
    request: HttpRequest,
    token: web::Data<AdminToken>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Some(refusal) = refuse(&request, &token) {
        return refusal;
    }
    match state.shop.store.undelivered_orders(500).await {
        Ok(orders) => {
            let orders: Vec<_> = orders
                .iter()
                .map(|o| {
                    json!({
                        "key": o.key,
                        "partner_id": o.partner_id,
                        "slot_id": o.slot_id,
                        "state": o.state.as_str(),
                        "attempts": o.attempts,
                        "next_attempt_at": chrono::DateTime::from_timestamp(o.next_attempt_at, 0).map(|t| t.to_rfc3339()),
                        "last_error": o.last_error,
                        "created_at": chrono::DateTime::from_timestamp(o.created_at, 0).map(|t| t.to_rfc3339()),
                    })
                })
                .collect();
            HttpResponse::Ok().json(json!({"orders": orders}))
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            HttpResponse::InternalServerError().json(json!({"error": "the store cannot be read"}))
        }
    }
}

/// Closes the current round of shared cases now (the shop orders from its
/// wholesaler early): its cases are settled at once, full ones ordered.
/// Answers the round's cut-off, or `null` when no round is open.
#[post("/admin/cases/close")]
pub async fn cases_close(
    request: HttpRequest,
    token: web::Data<AdminToken>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Some(refusal) = refuse(&request, &token) {
        return refusal;
    }
    match crate::shop::cases::close_now(&state.shop).await {
        Ok(round) => HttpResponse::Ok().json(json!({"closed": round.map(|r| r.to_rfc3339())})),
        Err(e) => {
            tracing::error!(error = %e, "cannot close the round of shared cases");
            HttpResponse::InternalServerError().json(json!({"error": "the store cannot be written"}))
        }
    }
}

/// Tries every order not yet in Odoo now (refused ones too, after the
/// staff fixed the cause); answers how many reached Odoo.
#[post("/admin/outbox/retry")]
pub async fn outbox_retry(
    request: HttpRequest,
    token: web::Data<AdminToken>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if let Some(refusal) = refuse(&request, &token) {
        return refusal;
    }
    match state.shop.outbox.retry_all().await {
        Ok(delivered) => HttpResponse::Ok().json(json!({"delivered": delivered})),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            HttpResponse::InternalServerError().json(json!({"error": "the store cannot be read"}))
        }
    }
}
