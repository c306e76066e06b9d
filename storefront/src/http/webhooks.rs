//! `POST /hooks/odoo/<secret>`: where Odoo's automation rules tell the shop
//! that a record changed (`{"_model": "product.template", "_id": 42, ...}`,
//! sent after Odoo commits). Odoo's webhook sends no header of ours, so the
//! secret (`STOREFRONT_WEBHOOK_SECRET`) is in the address; it is compared in
//! constant time, and never logged (see [`crate::http::logging`]).
//!
//! Without a secret, or with a wrong one, the answer is a plain 404, the
//! cheapest there is. Bodies are small (16 KiB at most) and
//! nothing of them is trusted beyond the model and the id: the record is
//! read back from Odoo ([`crate::workers::webhooks`]). Answers come at once
//! (202): Odoo waits for them, one notification after the other.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::http::state::AppState;
use crate::workers::webhooks::{Noted, Webhooks};

/// The largest body read.
pub const BODY_LIMIT: usize = 16 * 1024;

/// The endpoint's secret and where notifications go.
#[derive(Debug, Clone)]
pub struct WebhookEndpoint {
    /// `STOREFRONT_WEBHOOK_SECRET`; `None`: no endpoint.
    pub secret: Option<String>,
    /// The notifications waiting.
    pub hooks: Webhooks,
}

/// The route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/hooks/odoo/{secret}")
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .route(web::post().to(notify)),
    );
}

#[derive(Debug, serde::Deserialize)]
struct Notification {
    #[serde(rename = "_model")]
    model: String,
    #[serde(rename = "_id")]
    id: i64,
}

async fn notify(
    secret: web::Path<String>,
    body: web::Bytes,
    endpoint: web::Data<WebhookEndpoint>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let known = endpoint
        .secret
        .as_deref()
        .is_some_and(|expected| crate::store::ids::same_secret(secret.as_bytes(), expected.as_bytes()));
    if !known {
        state.metrics.webhook_notification("refused");
        // A plain 404, the cheapest answer: a flood of guesses costs the
        // shop little (no page rendered).
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Not found");
    }
    let notification: Notification = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => {
            state.metrics.webhook_notification("unreadable");
            return HttpResponse::BadRequest().json(json!({
                "error": format!("expected Odoo's webhook JSON with \"_model\" and \"_id\": {e}")
            }));
        }
    };
    let noted = endpoint.hooks.note(&notification.model, notification.id);
    state.metrics.webhook_notification(noted.label());
    match noted {
        Noted::Accepted => HttpResponse::Accepted().json(json!({"accepted": true})),
        Noted::Ignored => {
            tracing::info!(
                model = %notification.model.chars().take(64).collect::<String>().escape_debug(),
                id = notification.id,
                "webhook notification ignored: not a record the shop mirrors"
            );
            HttpResponse::Ok().json(json!({"ignored": "not a record the shop mirrors"}))
        }
        Noted::Limited => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "1"))
            .json(json!({"error": "too many notifications: the shop will sync everything instead"})),
    }
}
