//! Admin endpoints, behind the bearer token `STOREFRONT_ADMIN_TOKEN`; they
//! do not exist (404) when no token is configured.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::resync::Resync;

/// The configured admin token.
#[derive(Debug, Clone)]
pub struct AdminToken(pub Option<String>);

/// Compares in time independent of where the strings differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `None` when the request carries the token, else the refusal.
fn refuse(request: &HttpRequest, token: &AdminToken) -> Option<HttpResponse> {
    let Some(expected) = &token.0 else {
        return Some(HttpResponse::NotFound().finish());
    };
    let given = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    match given {
        Some(t) if same(t.as_bytes(), expected.as_bytes()) => None,
        _ => Some(
            HttpResponse::Unauthorized()
                .insert_header(("WWW-Authenticate", "Bearer"))
                .json(json!({"error": "a valid admin token is required"})),
        ),
    }
}

/// Resyncs the mirror now; answers the one-line summary, or 502 with the
/// error when Odoo could not be read (the previous snapshot stays).
#[post("/admin/resync")]
pub async fn resync(
    request: HttpRequest,
    token: web::Data<AdminToken>,
    resync: web::Data<Resync>,
) -> HttpResponse {
    if let Some(refusal) = refuse(&request, &token) {
        return refusal;
    }
    match resync.sync_now().await {
        Ok(report) => HttpResponse::Ok().json(json!({"summary": report.summary()})),
        Err(e) => HttpResponse::BadGateway().json(json!({"error": e.to_string()})),
    }
}
