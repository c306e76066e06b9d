//! `/healthz`: the process answers. `/readyz`: the shop can serve — a
//! snapshot is loaded — and whether Odoo answered the last sync.

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::workers::resync::Resync;

/// Alive.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// Ready when a snapshot is loaded (503 before); says how the last sync
/// went either way.
#[get("/readyz")]
pub async fn readyz(resync: web::Data<Resync>) -> HttpResponse {
    let snapshot = resync.mirror().snapshot();
    let status = resync.status();
    let ready = snapshot.synced_at.is_some();
    let body = json!({
        "ready": ready,
        "snapshot": snapshot.synced_at.map(|at| json!({
            "synced_at": at.to_rfc3339(),
            "products": snapshot.product_count(),
            "source": if status.serving_saved { "saved" } else { "odoo" },
        })),
        "warnings": snapshot.missing_languages.iter().map(|code| format!(
            "Odoo lacks the language {code} (SHOP_LANGUAGES): the shop is not shown in it"
        )).collect::<Vec<_>>(),
        "company": snapshot.company_id,
        "odoo": {
            "reachable": status.odoo_reachable,
            "last_success": status.last_success.map(|t| t.to_rfc3339()),
            // The kind alone: the text is for the log and /admin/status.
            "last_error": status.last_error_kind,
        },
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
