//! The one middleware every request meets ([`Front`]), in this order:
//!
//! 1. the shop, chosen by the request's host when the deployment has
//!    several (`choose_shop`);
//! 2. the access log line and the metrics ([`crate::http::logging::around`]);
//! 3. the visitor's session: the signed cookie read, or a new one set
//!    (`with_session`);
//! 4. the routes;
//! 5. a body, query or form that could not be read, shown in the visitor's
//!    language ([`crate::http::errors::localize_bad_input`]);
//! 6. the security headers, on every answer: a page's content security
//!    policy allows the shop's own files, any other answer's nothing.
//!
//! One middleware written out rather than one `from_fn` layer per step:
//! each layer costs every request two allocations (its future and the
//! boxed service under it) and a call through a pointer, which a probe
//! such as `/healthz` would mostly spend there (BENCHMARKS.md, "The fixed
//! cost of a request").

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{forward_ready, Extensions, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{web, HttpMessage as _};

use crate::http::session::{self, SESSION_COOKIE};
use crate::http::state::AppState;
use crate::http::visit::SessionId;

/// The shops of a worker (each its app data) and the hosts that choose
/// them; one shop answers at any host.
#[derive(Debug, Clone)]
pub struct Front {
    shops: Rc<Vec<Rc<Extensions>>>,
    hosts: Arc<Vec<(Vec<String>, usize)>>,
}

impl Front {
    /// `shops`: each shop's app data, in the order declared; `hosts`: the
    /// host names (lower case) of the shop at each index.
    pub fn new(shops: Rc<Vec<Rc<Extensions>>>, hosts: Arc<Vec<(Vec<String>, usize)>>) -> Self {
        Front { shops, hosts }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Front
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = FrontService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<FrontService<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(FrontService {
            service: Rc::new(service),
            front: self.clone(),
        }))
    }
}

/// [`Front`] around the routes.
pub struct FrontService<S> {
    service: Rc<S>,
    front: Front,
}

impl<S> std::fmt::Debug for FrontService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrontService")
            .field("front", &self.front)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for FrontService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>>>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let known = choose_shop(&self.front.shops, &self.front.hosts, &mut req);
        Box::pin(async move {
            let mut response = if known {
                crate::http::logging::around(req, |req| {
                    with_session(req, |req| async move {
                        let response = service.call(req).await?.map_into_boxed_body();
                        Ok(crate::http::errors::localize_bad_input(response).await)
                    })
                })
                .await?
            } else {
                req.into_response(
                    actix_web::HttpResponse::NotFound()
                        .content_type("text/plain; charset=utf-8")
                        .body("No shop answers at this address."),
                )
            };
            let headers = response.headers_mut();
            let html = headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
            let policy = if html { PAGE_POLICY } else { NOTHING_POLICY };
            for (name, value) in SECURITY_HEADERS.into_iter().chain([policy]) {
                if !headers.contains_key(&name) {
                    headers.insert(name, value);
                }
            }
            Ok(response)
        })
    }
}

/// What pages may load: only the shop's own files.
const PAGE_POLICY: (HeaderName, HeaderValue) = (
    header::CONTENT_SECURITY_POLICY,
    HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
);

/// What any other answer (JSON, text, an asset, a redirection) may load
/// if a browser ever shows it as a document: nothing, and in no frame.
const NOTHING_POLICY: (HeaderName, HeaderValue) = (
    header::CONTENT_SECURITY_POLICY,
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
);

/// The headers every answer carries, unless its handler set them (made
/// once, when compiled: a header value is checked when made), with the
/// content security policy of a page or of anything else.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 3] = [
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
];

/// Chooses the shop of a request by its host, when the deployment has
/// several: its state, mirror, admin token and webhook endpoint become the
/// request's app data (see [`ServiceRequest::add_data_container`]).
/// `false` for a host no shop answers (it gets a plain 404). With one
/// shop, every host is its own.
fn choose_shop(shops: &[Rc<Extensions>], hosts: &[(Vec<String>, usize)], req: &mut ServiceRequest) -> bool {
    if shops.len() > 1 {
        let host = request_host(req);
        let chosen = hosts
            .iter()
            .find(|(names, _)| names.iter().any(|name| name.eq_ignore_ascii_case(host)));
        match chosen {
            Some((_, index)) => {
                if let Some(container) = shops.get(*index) {
                    req.add_data_container(container.clone());
                }
            }
            None if any_host(req.path()) => {}
            None => return false,
        }
    }
    true
}

/// Paths any host may ask for, a shop's or not (a load balancer's checks,
/// the metrics of every shop).
fn any_host(path: &str) -> bool {
    matches!(path, "/healthz" | "/metrics")
}

/// The host a request was made to: its `Host` (or the URI's authority),
/// without port nor final dot, as sent (hosts are compared ignoring case).
fn request_host(req: &ServiceRequest) -> &str {
    let raw = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    let host = if let Some(rest) = raw.strip_prefix('[') {
        // [::1]:8080
        rest.split(']').next().unwrap_or("")
    } else {
        raw.rsplit_once(':').map_or(raw, |(host, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                host
            } else {
                raw
            }
        })
    };
    host.trim_end_matches('.')
}

/// Paths that need no session (no cookie is set on their answers).
fn sessionless(path: &str) -> bool {
    path.starts_with("/assets/")
        || path.starts_with("/admin/")
        || path.starts_with("/hooks/")
        || matches!(
            path,
            "/healthz" | "/readyz" | "/metrics" | "/favicon.ico" | "/api/v1/openapi.json"
        )
}

/// Finds the visitor's session id in its signed cookie, or makes a new one
/// and sets its cookie on the answer (unless the handler set one: login and
/// logout start new sessions).
async fn with_session<F, Fut>(
    req: ServiceRequest,
    inner: F,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    F: FnOnce(ServiceRequest) -> Fut,
    Fut: Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>>,
{
    if sessionless(req.path()) {
        return inner(req).await;
    }
    let sid = {
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return inner(req).await;
        };
        match session::cookie_value(req.headers(), SESSION_COOKIE).and_then(|c| state.key.open(c)) {
            Some(session) => SessionId {
                session,
                fresh: false,
            },
            None => SessionId {
                session: Rc::new(session::Session::new(&state.key, crate::store::ids::random_id())),
                fresh: true,
            },
        }
    };
    let fresh = sid.fresh.then(|| sid.session.clone());
    req.extensions_mut().insert(sid);
    let mut response = inner(req).await?;
    // Only a new session needs its cookie (the answer's cookies are read
    // then, not on every request).
    if let Some(session) = fresh {
        let cookie = response
            .request()
            .app_data::<web::Data<AppState>>()
            .filter(|_| !response.response().cookies().any(|c| c.name() == SESSION_COOKIE))
            .map(|state| session::session_cookie(state.key.sign(session.id()), state.secure_cookies, false));
        if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c.to_string()).ok()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_read_without_its_port_nor_final_dot() {
        for (sent, host) in [
            ("Bakery.Example:8080", "Bakery.Example"),
            ("bakery.example.", "bakery.example"),
            ("[::1]:8080", "::1"),
            ("bakery.example", "bakery.example"),
        ] {
            let req = actix_web::test::TestRequest::default()
                .insert_header((header::HOST, sent))
                .to_srv_request();
            assert_eq!(request_host(&req), host, "{sent}");
        }
    }
}
