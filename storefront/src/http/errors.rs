//! What the shop answers to requests it cannot serve: a body, query or form
//! that cannot be read (a clear 400 in the visitor's language, as a page or
//! as the API's JSON), and an unknown path (404).

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{FromRequest as _, HttpRequest, HttpResponse};

use crate::http::api;
use crate::http::visit::{PageError, Visit};

/// A request the extractors could not read: a clear 400, in JSON under
/// `/api/` (rendered again in the visitor's language by
/// [`localize_bad_input`], which can read the session).
pub fn bad_input(req: &HttpRequest, message: &str, cause: actix_web::Error) -> actix_web::Error {
    let mut response = if req.path().starts_with("/api/") {
        HttpResponse::BadRequest()
            .json(serde_json::json!({"error": {"code": "bad_request", "message": message}}))
    } else {
        HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body(message.to_owned())
    };
    response.extensions_mut().insert(BadInput(cause.to_string()));
    actix_web::error::InternalError::from_response(cause, response).into()
}

/// Marks the answers of [`bad_input`], with what could not be read.
#[derive(Debug, Clone)]
struct BadInput(String);

/// Shows the refusals of [`bad_input`] as the shop's other errors: the error
/// page in the visitor's language, or the API's JSON error in it (the
/// extractors' error handlers cannot read the session to know it).
pub async fn localize_bad_input(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let bad = response.response().extensions().get::<BadInput>().cloned();
    let Some(BadInput(detail)) = bad else {
        return response;
    };
    if response.request().path().starts_with("/admin/") {
        return response;
    }
    let (req, original) = response.into_parts();
    let Ok(visit) = Visit::from_request(&req, &mut Payload::None).await else {
        return ServiceResponse::new(req, original);
    };
    let message = format!("{} ({detail})", visit.messages().get("bad_request"));
    let page = if req.path().starts_with("/api/") {
        api::error_response(
            &visit,
            api::ApiError::Refused(StatusCode::BAD_REQUEST, "bad_request", message),
        )
    } else {
        visit.fail(PageError::BadRequest(message)).await
    };
    ServiceResponse::new(req, page)
}

/// Anything else: 404, as a page or as JSON.
pub async fn not_found(visit: Visit) -> HttpResponse {
    if visit.request.path().starts_with("/api/") {
        api::error_response(&visit, api::ApiError::NotFound)
    } else {
        visit.fail(PageError::NotFound).await
    }
}
