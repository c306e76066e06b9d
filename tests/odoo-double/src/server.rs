//! The HTTP side: a hyper server on loopback, the handle tests hold, and
//! the failure controls (latency, injected faults, misbehaviours,
//! stop/resume) and the call log.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use connector::xmlrpc::{decode_call, encode_fault, encode_response, Fault, MethodCall, Struct, Value};
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::dataset::{Dataset, DatasetUser};
use crate::db::Database;
use crate::faults::{traceback, Json2Error};
use crate::json2;
use crate::pricing::LinePricer;
use crate::rpc::{dispatch, Service};

/// Bodies larger than this are refused (413).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// A way for the double to answer badly, for failure tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misbehaviour {
    /// HTTP 200 with a body that is not well-formed XML-RPC (for JSON-2
    /// calls: not well-formed JSON).
    MalformedXml,
    /// HTTP 200 announcing a `Content-Length` it does not send, then the
    /// connection closes.
    TruncatedBody,
    /// This HTTP status with an HTML error page (as a proxy in front of
    /// Odoo sends: 500, 502, 503, 504, 429...).
    HttpStatus(u16),
    /// An empty HTTP 200 body.
    EmptyBody,
    /// Never answer (until the double is stopped or dropped).
    Hang,
    /// Close the connection without answering.
    CloseConnection,
}

/// One call the double received, as tests inspect them.
///
/// A JSON-2 call (`POST /json/2/<model>/<method>`) is logged like an
/// `execute_kw`: service `json2`, method `execute_kw` (`<invalid>` when its
/// body is not a JSON object), the uid of its API key (none for an unknown
/// key), the model and its method, no positional arguments, and the body's
/// named arguments (with `ids` and `context`) as keyword arguments. Keys and
/// passwords are never logged.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `common`, `object` or `json2`.
    pub service: String,
    /// The XML-RPC method: `version`, `authenticate`, `execute_kw`, ...
    /// (`<invalid>` when the body was not XML-RPC, or for JSON-2 not a JSON
    /// object).
    pub method: String,
    /// For `execute_kw`/`execute`: the uid; for JSON-2 the API key's user;
    /// for `authenticate`: none.
    pub uid: Option<i64>,
    /// For `authenticate`/`login`: the login.
    pub login: Option<String>,
    /// For `execute_kw`/`execute`: the model.
    pub model: Option<String>,
    /// For `execute_kw`/`execute`: the model's method (`search_read`, ...).
    pub model_method: Option<String>,
    /// For `execute_kw`/`execute`: the positional arguments.
    pub args: Vec<Value>,
    /// For `execute_kw`: the keyword arguments (with the `context`); for
    /// JSON-2 every named argument of the body (with `ids` and `context`).
    pub kwargs: Struct,
}

impl Call {
    /// `product.template.search_read`, or `common.version`.
    pub fn label(&self) -> String {
        match (&self.model, &self.model_method) {
            (Some(m), Some(mm)) => format!("{m}.{mm}"),
            _ => format!("{}.{}", self.service, self.method),
        }
    }

    /// Whether this is a call of `method` on `model`.
    pub fn is(&self, model: &str, method: &str) -> bool {
        self.model.as_deref() == Some(model) && self.model_method.as_deref() == Some(method)
    }

    /// A keyword argument.
    pub fn kwarg(&self, name: &str) -> Option<&Value> {
        self.kwargs.get(name)
    }

    /// The domain of a `search`, `search_read` or `search_count` call.
    pub fn domain(&self) -> Option<&Value> {
        self.args.first().or_else(|| self.kwargs.get("domain"))
    }

    fn from_method_call(service: &str, call: &MethodCall) -> Call {
        let p = &call.params;
        let mut out = Call {
            service: service.to_owned(),
            method: call.method.clone(),
            uid: None,
            login: None,
            model: None,
            model_method: None,
            args: Vec::new(),
            kwargs: Struct::new(),
        };
        match call.method.as_str() {
            "authenticate" | "login" => out.login = p.get(1).and_then(Value::as_str).map(str::to_owned),
            "execute_kw" | "execute" => {
                out.uid = p.get(1).and_then(Value::as_i64);
                out.model = p.get(3).and_then(Value::as_str).map(str::to_owned);
                out.model_method = p.get(4).and_then(Value::as_str).map(str::to_owned);
                if call.method == "execute_kw" {
                    out.args = p
                        .get(5)
                        .and_then(Value::as_array)
                        .map(<[Value]>::to_vec)
                        .unwrap_or_default();
                    out.kwargs = p.get(6).and_then(Value::as_struct).cloned().unwrap_or_default();
                } else {
                    out.args = p.get(5..).map(<[Value]>::to_vec).unwrap_or_default();
                }
            }
            _ => {}
        }
        out
    }
}

/// A fault to answer instead of serving calls.
#[derive(Debug, Clone)]
struct FaultRule {
    fault: Fault,
    remaining: Option<usize>,
    model: Option<String>,
    method: Option<String>,
}

#[derive(Debug, Default)]
struct Control {
    latency: Duration,
    faults: VecDeque<FaultRule>,
    misbehaviour: Option<(Misbehaviour, Option<usize>)>,
    /// Calls served whose answer is then lost: `(model, method, remaining)`.
    lost_answers: Vec<(Option<String>, String, usize)>,
}

#[derive(Debug)]
struct Shared {
    db: Mutex<Database>,
    control: Mutex<Control>,
    calls: Mutex<Vec<Call>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    fn take_misbehaviour(&self) -> Option<Misbehaviour> {
        let mut control = lock(&self.control);
        let (m, remaining) = control.misbehaviour.as_mut()?;
        let m = m.clone();
        if let Some(n) = remaining {
            *n = n.saturating_sub(1);
            if *n == 0 {
                control.misbehaviour = None;
            }
        }
        Some(m)
    }

    /// Whether the answer to `call` (already served) is to be lost.
    fn take_lost_answer(&self, call: &Call) -> bool {
        let mut control = lock(&self.control);
        let Some(at) = control.lost_answers.iter().position(|(model, method, _)| {
            model.as_ref().is_none_or(|m| call.model.as_ref() == Some(m))
                && (call.model_method.as_ref() == Some(method) || call.method == *method)
        }) else {
            return false;
        };
        let rule = &mut control.lost_answers[at];
        rule.2 = rule.2.saturating_sub(1);
        if rule.2 == 0 {
            control.lost_answers.remove(at);
        }
        true
    }

    fn take_fault(&self, call: &Call) -> Option<Fault> {
        let mut control = lock(&self.control);
        let at = control.faults.iter().position(|r| {
            r.model.as_ref().is_none_or(|m| call.model.as_ref() == Some(m))
                && r.method
                    .as_ref()
                    .is_none_or(|m| call.model_method.as_ref() == Some(m) || call.method == *m)
        })?;
        let rule = control.faults.get_mut(at)?;
        let fault = rule.fault.clone();
        if let Some(n) = rule.remaining.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                control.faults.remove(at);
            }
        }
        Some(fault)
    }
}

/// A response body: whole, or cut short on purpose (the part is sent,
/// then, after a moment for it to reach the client, the body fails and the
/// connection closes).
enum Body {
    Full(Option<Bytes>),
    Truncated(Option<Bytes>, Pin<Box<tokio::time::Sleep>>),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Truncated(data, pause) => match data.take() {
                Some(d) => Poll::Ready(Some(Ok(Frame::data(d)))),
                None => match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "truncated on purpose",
                    )))),
                },
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            Body::Full(Some(d)) => hyper::body::SizeHint::with_exact(d.len() as u64),
            Body::Full(None) => hyper::body::SizeHint::with_exact(0),
            Body::Truncated(..) => hyper::body::SizeHint::default(),
        }
    }
}

fn response(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Body::Full(Some(body.into())));
    *r.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

fn html_error(status: StatusCode) -> Response<Body> {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    response(
        status,
        "text/html; charset=utf-8",
        format!(
            "<!doctype html>\n<html lang=en>\n<title>{code} {reason}</title>\n<h1>{reason}</h1>\n<p>The server answered {code}.</p>\n"
        ),
    )
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, io::Error> {
    if req.uri().path() == "/json/2" || req.uri().path().starts_with("/json/2/") {
        return handle_json2(shared, req).await;
    }
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let service = match path.as_str() {
        "/xmlrpc/2/common" | "/xmlrpc/common" => Service::Common,
        "/xmlrpc/2/object" | "/xmlrpc/object" => Service::Object,
        _ => return Ok(html_error(StatusCode::NOT_FOUND)),
    };
    if req.method() != Method::POST {
        return Ok(html_error(StatusCode::METHOD_NOT_ALLOWED));
    }
    let body = match http_body_util::Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(html_error(StatusCode::PAYLOAD_TOO_LARGE)),
    };
    let service_name = match service {
        Service::Common => "common",
        Service::Object => "object",
    };
    let decoded = decode_call(&body);
    let call = match &decoded {
        Ok(c) => Call::from_method_call(service_name, c),
        Err(_) => Call {
            service: service_name.into(),
            method: "<invalid>".into(),
            uid: None,
            login: None,
            model: None,
            model_method: None,
            args: Vec::new(),
            kwargs: Struct::new(),
        },
    };
    if let Some(bad_answer) = admit(&shared, call.clone(), Wire::Xml).await {
        return bad_answer;
    }
    let xml = match decoded {
        Err(e) => {
            let series = lock(&shared.db).series;
            encode_fault(
                1,
                &traceback(
                    series,
                    "xml.parsers.expat.ExpatError",
                    &format!("not well-formed (invalid token): {}", e.message),
                ),
            )
        }
        Ok(method_call) => match shared.take_fault(&call) {
            Some(fault) => encode_fault(fault.code, &fault.string),
            None => {
                let result = {
                    let mut db = lock(&shared.db);
                    dispatch(&mut db, service, &method_call)
                };
                if shared.take_lost_answer(&call) {
                    return Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "answer lost on purpose",
                    ));
                }
                match result {
                    Ok(value) => encode_response(&value),
                    Err(fault) => encode_fault(fault.code, &fault.string),
                }
            }
        },
    };
    Ok(response(StatusCode::OK, "text/xml", xml))
}

/// What the misbehaving answer imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Xml,
    Json,
}

/// What every call goes through first, whichever the API: it is logged,
/// delayed by the configured latency, and answered badly when a
/// misbehaviour is pending (`Some` then).
async fn admit(shared: &Shared, call: Call, wire: Wire) -> Option<Result<Response<Body>, io::Error>> {
    lock(&shared.calls).push(call);
    let latency = lock(&shared.control).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match shared.take_misbehaviour() {
        Some(m) => Some(misbehave(m, wire).await),
        None => None,
    }
}

async fn misbehave(m: Misbehaviour, wire: Wire) -> Result<Response<Body>, io::Error> {
    let content_type = match wire {
        Wire::Xml => "text/xml",
        Wire::Json => json2::CONTENT_TYPE,
    };
    match m {
        Misbehaviour::MalformedXml if wire == Wire::Json => Ok(response(
            StatusCode::OK,
            content_type,
            "[{\"id\": 1, \"name\": \"Baguette\", [2, }",
        )),
        Misbehaviour::MalformedXml => Ok(response(
            StatusCode::OK,
            content_type,
            "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><int>1</int></value>\n</array></value>\n</param>\n</params>\n</methodResponse>\n",
        )),
        Misbehaviour::TruncatedBody => {
            let ids = Value::Array((1..=200).map(Value::Int).collect());
            let full = match wire {
                Wire::Xml => encode_response(&ids),
                Wire::Json => json2::encode(&ids),
            };
            let cut = Bytes::from(full.as_bytes()[..full.len() / 2].to_vec());
            let pause = Box::pin(tokio::time::sleep(Duration::from_millis(20)));
            let mut r = Response::new(Body::Truncated(Some(cut), pause));
            r.headers_mut()
                .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static(content_type));
            r.headers_mut().insert(hyper::header::CONTENT_LENGTH, hyper::header::HeaderValue::from(full.len()));
            Ok(r)
        }
        Misbehaviour::HttpStatus(code) => {
            Ok(html_error(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)))
        }
        Misbehaviour::EmptyBody => Ok(response(StatusCode::OK, content_type, Bytes::new())),
        Misbehaviour::Hang => {
            std::future::pending::<()>().await;
            Ok(html_error(StatusCode::GATEWAY_TIMEOUT))
        }
        Misbehaviour::CloseConnection => Err(io::Error::new(io::ErrorKind::ConnectionAborted, "closed on purpose")),
    }
}

/// An answer of the JSON-2 endpoint: the bare value, or an error.
fn json2_answer(result: Result<Value, Json2Error>) -> Response<Body> {
    match result {
        Ok(value) => response(StatusCode::OK, json2::CONTENT_TYPE, json2::encode(&value)),
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut r = response(status, json2::CONTENT_TYPE, json2::error_body(&e));
            if e.bearer {
                r.headers_mut().insert(
                    hyper::header::WWW_AUTHENTICATE,
                    hyper::header::HeaderValue::from_static("Bearer"),
                );
            }
            r
        }
    }
}

/// Odoo's answer when the request names no database it serves (werkzeug's
/// `NotFound` page, from the database-less routes).
fn nodb_not_found() -> Response<Body> {
    response(
        StatusCode::NOT_FOUND,
        "text/html; charset=utf-8",
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again. The URL was not found in the server-wide controllers.</p>\n",
    )
}

/// The body of a JSON-2 request, as far as it was understood.
enum Json2Body {
    /// A body with another `Content-Type` than `application/json`.
    NotJson,
    /// Not a JSON object.
    Invalid(Json2Error),
    /// The named arguments.
    Params(Struct),
}

/// `POST /json/2/<model>/<method>` (Odoo 19 and later), in Odoo's order:
/// database (`X-Odoo-Database`, optional as the double serves one), route,
/// `Content-Type`, API key, body, then the call. Logged, delayed,
/// misbehaved and faulted like XML-RPC calls.
async fn handle_json2(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, io::Error> {
    let (served, db_name) = {
        let db = lock(&shared.db);
        (db.series.major() >= 19, db.name.clone())
    };
    if !served {
        // No JSON-2 before Odoo 19: an unknown URL.
        return Ok(html_error(StatusCode::NOT_FOUND));
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
    };
    if header("x-odoo-database").is_some_and(|d| !d.is_empty() && d != db_name) {
        return Ok(nodb_not_found());
    }
    let route = json2::route(req.uri().path()).filter(|_| req.method() == Method::POST);
    let Some((model, method)) = route else {
        return Ok(json2_answer(Err(Json2Error::not_found(
            "Did you mean POST /json/2/<model>/<method>?",
        ))));
    };
    let authorization = header("authorization");
    let is_json = header("content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    let body = match http_body_util::Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(html_error(StatusCode::PAYLOAD_TOO_LARGE)),
    };
    let parsed = if !body.is_empty() && !is_json {
        Json2Body::NotJson
    } else {
        match json2::parse_body(&body) {
            Ok(params) => Json2Body::Params(params),
            Err(e) => Json2Body::Invalid(e),
        }
    };
    let token = json2::bearer_token(authorization.as_deref());
    let call = Call {
        service: "json2".into(),
        method: match parsed {
            Json2Body::Params(_) => "execute_kw".into(),
            _ => "<invalid>".into(),
        },
        uid: token.and_then(|t| json2::api_key_user(&lock(&shared.db), t)),
        login: None,
        model: Some(model.clone()),
        model_method: Some(method.clone()),
        args: Vec::new(),
        kwargs: match &parsed {
            Json2Body::Params(p) => p.clone(),
            _ => Struct::new(),
        },
    };
    if let Some(bad_answer) = admit(&shared, call.clone(), Wire::Json).await {
        return bad_answer;
    }
    let params = match parsed {
        Json2Body::NotJson => {
            let mut r = response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "text/html; charset=utf-8",
                "<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n<h1>Unsupported Media Type</h1>\n<p>Request inferred type is compatible with [&#x27;http&#x27;] but &#x27;/json/2/&lt;model&gt;/&lt;method&gt;&#x27; is type=&#x27;json2&#x27;.\n\nPlease verify the Content-Type request header and try again.</p>\n",
            );
            r.headers_mut().insert(
                hyper::header::ACCEPT,
                hyper::header::HeaderValue::from_static("application/json"),
            );
            return Ok(r);
        }
        Json2Body::Invalid(e) => Err(e),
        Json2Body::Params(params) => {
            // Injected faults replace the serving of well-formed calls.
            if let Some(fault) = shared.take_fault(&call) {
                return Ok(json2_answer(Err(Json2Error::from_fault(&fault))));
            }
            Ok(params)
        }
    };
    // Odoo authenticates before it reads the body.
    let result = {
        let mut db = lock(&shared.db);
        match token {
            None => Err(Json2Error::unauthorized(
                "User not authenticated, use the \"Authorization\" header",
            )),
            Some(token) => match json2::api_key_user(&db, token) {
                None => Err(Json2Error::unauthorized("Invalid apikey")),
                Some(uid) => params.and_then(|params| json2::call(&mut db, uid, &model, &method, params)),
            },
        }
    };
    if shared.take_lost_answer(&call) {
        return Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "answer lost on purpose",
        ));
    }
    Ok(json2_answer(result))
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let io = TokioIo::new(stream);
    let service = service_fn(move |req| handle(shared.clone(), req));
    if let Err(e) = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .await
    {
        tracing::debug!("odoo double connection ended: {e}");
    }
}

struct Running {
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

fn spawn_server(listener: TcpListener, shared: Arc<Shared>) -> Running {
    let (shutdown, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        connections.spawn(serve_connection(stream, shared.clone()));
                    }
                    Err(e) => {
                        tracing::warn!("odoo double cannot accept: {e}");
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                },
                _ = stopped.changed() => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        connections.shutdown().await;
    });
    Running { shutdown, task }
}

/// A running Odoo double: an in-memory Odoo speaking XML-RPC (and, as
/// series 19, JSON-2) over HTTP on a loopback port.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use odoo_double::{Dataset, OdooDouble};
/// let odoo = OdooDouble::start(Dataset::shop()).await?;
/// let url = odoo.url(); // http://127.0.0.1:<port>
/// odoo.with_db(|db| db.set("product.template", 1, "list_price", 1.5)).ok();
/// # Ok(()) }
/// ```
pub struct OdooDouble {
    shared: Arc<Shared>,
    addr: SocketAddr,
    dataset: Dataset,
    running: Mutex<Option<Running>>,
}

impl std::fmt::Debug for OdooDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooDouble")
            .field("addr", &self.addr)
            .field("db", &self.dataset.db)
            .field("series", &self.dataset.series)
            .finish_non_exhaustive()
    }
}

fn invalid_data(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

impl OdooDouble {
    /// Loads `dataset` and serves it on `127.0.0.1`, on a free port.
    pub async fn start(dataset: Dataset) -> io::Result<OdooDouble> {
        OdooDouble::start_on(dataset, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Loads `dataset` and serves it on `addr` (port 0: a free one).
    pub async fn start_on(dataset: Dataset, addr: SocketAddr) -> io::Result<OdooDouble> {
        let db = dataset.build().map_err(invalid_data)?;
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            db: Mutex::new(db),
            control: Mutex::new(Control::default()),
            calls: Mutex::new(Vec::new()),
        });
        let running = spawn_server(listener, shared.clone());
        tracing::debug!(%addr, db = %dataset.db, series = %dataset.series, "odoo double listening");
        Ok(OdooDouble {
            shared,
            addr,
            dataset,
            running: Mutex::new(Some(running)),
        })
    }

    /// `http://127.0.0.1:<port>`, the base URL for clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database name.
    pub fn db(&self) -> &str {
        &self.dataset.db
    }

    /// The emulated series (`"18.0"`).
    pub fn series(&self) -> &str {
        &self.dataset.series
    }

    /// The dataset the double started from (not its current state).
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The technical (admin) user of the dataset.
    pub fn admin(&self) -> Option<&DatasetUser> {
        self.dataset.technical_user()
    }

    /// The admin's login (empty if the dataset has no internal user).
    pub fn admin_login(&self) -> &str {
        self.admin().map_or("", |u| u.login.as_str())
    }

    /// The admin's password.
    pub fn admin_password(&self) -> &str {
        self.admin().map_or("", |u| u.password.as_str())
    }

    /// The admin's API key, if the dataset gives one.
    pub fn admin_api_key(&self) -> Option<&str> {
        self.admin().and_then(|u| u.api_key.as_deref())
    }

    /// The portal users of the dataset.
    pub fn portal_users(&self) -> Vec<&DatasetUser> {
        self.dataset.portal_users()
    }

    // ----- failure controls -------------------------------------------

    /// Delays every answer by `latency` (zero: none).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.control).latency = latency;
    }

    /// Answers the next `times` calls (all calls with `None`) with `fault`
    /// instead of serving them. Rules queue up: the first that matches a
    /// call answers it.
    pub fn fail_with(&self, fault: Fault, times: Option<usize>) {
        self.push_fault(fault, times, None, None);
    }

    /// Like [`OdooDouble::fail_with`], only for calls of `method` (e.g.
    /// `create`, or `authenticate`) on `model` (`None`: any model).
    pub fn fail_on(&self, model: Option<&str>, method: &str, fault: Fault, times: Option<usize>) {
        self.push_fault(fault, times, model.map(str::to_owned), Some(method.to_owned()));
    }

    /// Serves the next `times` calls of `method` (on `model`, if given),
    /// then closes the connection without answering: the client cannot tell
    /// whether the call was done (a timeout after Odoo did the work).
    pub fn lose_answer_on(&self, model: Option<&str>, method: &str, times: usize) {
        if times > 0 {
            lock(&self.shared.control).lost_answers.push((
                model.map(str::to_owned),
                method.to_owned(),
                times,
            ));
        }
    }

    fn push_fault(&self, fault: Fault, times: Option<usize>, model: Option<String>, method: Option<String>) {
        if times == Some(0) {
            return;
        }
        lock(&self.shared.control).faults.push_back(FaultRule {
            fault,
            remaining: times,
            model,
            method,
        });
    }

    /// Misbehaves on every request until [`OdooDouble::heal`].
    pub fn misbehave(&self, misbehaviour: Misbehaviour) {
        lock(&self.shared.control).misbehaviour = Some((misbehaviour, None));
    }

    /// Misbehaves on the next `times` requests only.
    pub fn misbehave_times(&self, misbehaviour: Misbehaviour, times: usize) {
        lock(&self.shared.control).misbehaviour = (times > 0).then_some((misbehaviour, Some(times)));
    }

    /// Back to normal: no latency, no injected fault, no misbehaviour.
    pub fn heal(&self) {
        *lock(&self.shared.control) = Control::default();
    }

    /// Stops listening and drops every connection (requests in flight get
    /// no answer). The data stays; [`OdooDouble::resume`] serves it again
    /// on the same port.
    pub async fn stop(&self) {
        let running = lock(&self.running).take();
        if let Some(r) = running {
            let _ = r.shutdown.send(true);
            let _ = r.task.await;
        }
    }

    /// Listens again on the same address, with the same data.
    pub async fn resume(&self) -> io::Result<()> {
        if self.is_running() {
            return Ok(());
        }
        let listener = bind_again(self.addr).await?;
        let running = spawn_server(listener, self.shared.clone());
        *lock(&self.running) = Some(running);
        Ok(())
    }

    /// Whether the double is listening.
    pub fn is_running(&self) -> bool {
        lock(&self.running).is_some()
    }

    // ----- call log ---------------------------------------------------

    /// Every call received so far (including those answered badly on
    /// purpose), oldest first.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.calls).clone()
    }

    /// The `execute_kw` calls on `model`.
    pub fn calls_to(&self, model: &str) -> Vec<Call> {
        lock(&self.shared.calls)
            .iter()
            .filter(|c| c.model.as_deref() == Some(model))
            .cloned()
            .collect()
    }

    /// Forgets the calls received so far.
    pub fn clear_calls(&self) {
        lock(&self.shared.calls).clear();
    }

    // ----- data ---------------------------------------------------------

    /// Runs `f` on the data (no call is served meanwhile): read it, or
    /// change it as staff would in Odoo.
    pub fn with_db<R>(&self, f: impl FnOnce(&mut Database) -> R) -> R {
        f(&mut lock(&self.shared.db))
    }

    /// Stops the clock at `now` (stamps of creates and writes, order dates).
    pub fn set_now(&self, now: DateTime<Utc>) {
        self.with_db(|db| db.set_now(now));
    }

    /// Moves the clock.
    pub fn advance_clock(&self, by: chrono::Duration) {
        self.with_db(|db| db.advance_clock(by));
    }

    /// Now, by the double's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.with_db(|db| db.now().and_utc())
    }

    /// Runs Odoo's mail queue cron (`mail.ir_cron_mail_scheduler_action`)
    /// as a scheduler would: queued mails are `sent` when an outgoing mail
    /// server (`ir.mail_server`) exists, else `exception` (`mail_smtp`);
    /// how many mails it tried.
    pub fn run_mail_cron(&self) -> usize {
        self.with_db(Database::run_mail_queue)
    }

    /// Replaces the pricing of order lines (see [`LinePricer`]).
    pub fn set_pricer(&self, pricer: Arc<dyn LinePricer>) {
        self.with_db(|db| db.set_pricer(pricer));
    }

    /// Serves until the process ends (for the binary).
    pub fn serve_forever(&self) -> impl Future<Output = Infallible> + '_ {
        std::future::pending()
    }
}

async fn bind_again(addr: SocketAddr) -> io::Result<TcpListener> {
    // The old socket may linger a moment; retry briefly.
    let mut last = None;
    for _ in 0..50 {
        match TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::AddrInUse, "address in use")))
}

impl Drop for OdooDouble {
    fn drop(&mut self) {
        if let Some(r) = lock(&self.running).take() {
            let _ = r.shutdown.send(true);
            r.task.abort();
        }
    }
}
