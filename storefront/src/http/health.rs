//! `/healthz`: the process answers. `/readyz`: the shop can serve — a
//! snapshot is loaded — whether Odoo answered the last sync, and whether
//! customers get their order mails.

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::http::state::AppState;
use crate::shop::inform::MailStatus;
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
pub async fn readyz(
    resync: web::Data<Resync>,
    state: web::Data<AppState>,
    shops: web::Data<crate::http::state::Shops>,
) -> HttpResponse {
    let snapshot = resync.mirror().snapshot();
    let status = resync.status();
    let ready = snapshot.synced_at.is_some();
    let mail = state.shop.informer.mail_status();
    let mut warnings: Vec<String> = snapshot
        .missing_languages
        .iter()
        .map(|code| format!("Odoo lacks the language {code} (SHOP_LANGUAGES): the shop is not shown in it"))
        .collect();
    match mail {
        MailStatus::NotSent => warnings.push(
            "Odoo could not send the last order mail: it has no outgoing mail server, or cannot reach it; \
             orders go through, customers get no mail"
                .into(),
        ),
        MailStatus::Failing => warnings.push(
            "Odoo refused to post the last order mail (see the log); orders go through, customers get no mail"
                .into(),
        ),
        _ => {}
    }
    let mut body = json!({
        "ready": ready,
        "snapshot": snapshot.synced_at.map(|at| json!({
            "synced_at": at.to_rfc3339(),
            "products": snapshot.product_count(),
            "source": if status.serving_saved { "saved" } else { "odoo" },
        })),
        "warnings": warnings,
        // Whether customers get their order mails from Odoo: unknown,
        // queued, sent, not_sent, failing or off.
        "mail": mail.as_str(),
        "company": snapshot.company_id,
        "odoo": {
            "reachable": status.odoo_reachable,
            "last_success": status.last_success.map(|t| t.to_rfc3339()),
            // The kind alone: the text is for the log and /admin/status.
            "last_error": status.last_error_kind,
        },
    });
    // With several shops: this host's, and how each is.
    if state.several_shops {
        body["shop"] = json!(state.shop_key);
        body["shops"] = shops
            .0
            .iter()
            .map(|(key, shop)| {
                let status = shop.resync.status();
                let snapshot = shop.resync.mirror().snapshot();
                json!({
                    "shop": key,
                    "ready": snapshot.synced_at.is_some(),
                    "company": snapshot.company_id,
                    "products": snapshot.product_count(),
                    "odoo_reachable": status.odoo_reachable,
                })
            })
            .collect();
    }
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
