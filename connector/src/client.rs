//! The Odoo client: `common.version`, `common.authenticate` and
//! `object.execute_kw` over XML-RPC, with typed calls.
//!
//! ```no_run
//! # async fn run() -> Result<(), connector::Error> {
//! use connector::{field, Client, Credentials};
//!
//! let odoo = Client::builder("https://shop.example.com")
//!     .database("shop")
//!     .credentials(Credentials::new("storefront@example.com", "an API key"))
//!     .build()?;
//! let names = odoo
//!     .model("product.template")
//!     .search_read(field("sale_ok").eq(true))
//!     .fields(["name", "list_price"])
//!     .lang("fr_FR")
//!     .limit(20)
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Only reads are retried (with backoff, on transport errors, timeouts and
//! gateway errors): a `create` whose answer was lost may have been done, so
//! retrying it blindly could duplicate an order; the order writer looks its
//! key up first instead.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::OnceCell;

use crate::domain::Domain;
use crate::error::{Error, FaultKind};
use crate::records::{self, Record};
use crate::xmlrpc::{self, Fault, MethodCall, MethodResponse, Struct, Value};

/// Who the connector is in Odoo: a login and its password or API key
/// (Odoo accepts an API key wherever it accepts the password).
#[derive(Clone)]
pub struct Credentials {
    login: String,
    secret: SecretString,
    api_key: bool,
}

impl Credentials {
    /// A login with its password or API key.
    pub fn new(login: impl Into<String>, password_or_api_key: impl Into<String>) -> Self {
        Self {
            login: login.into(),
            secret: SecretString::from(password_or_api_key.into()),
            api_key: false,
        }
    }

    /// A login with an API key (which JSON-2 requires; XML-RPC takes it as
    /// the password).
    pub fn api_key(login: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            api_key: true,
            ..Self::new(login, api_key)
        }
    }

    /// Whether the secret is known to be an API key.
    pub fn is_api_key(&self) -> bool {
        self.api_key
    }

    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("login", &self.login)
            .field("secret", &"[redacted]")
            .field("api_key", &self.api_key)
            .finish()
    }
}

/// Which API the client speaks to Odoo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// XML-RPC (`/xmlrpc/2/object`): every series from 16 on.
    #[default]
    XmlRpc,
    /// JSON-2 (`/json/2/<model>/<method>`): Odoo 19 and later, with an API key.
    Json2,
    /// JSON-2 on Odoo 19 and later when the credentials are an API key,
    /// XML-RPC otherwise; decided once, from `common.version`.
    Auto,
}

impl std::str::FromStr for Transport {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xmlrpc" | "xml-rpc" => Ok(Transport::XmlRpc),
            "json2" | "json-2" => Ok(Transport::Json2),
            "auto" => Ok(Transport::Auto),
            other => Err(Error::Config(format!(
                "unknown transport {other:?}: expected xmlrpc, json2 or auto"
            ))),
        }
    }
}

/// The transport in use, once `Auto` is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    XmlRpc,
    Json2,
}

/// Settings of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    url: String,
    database: Option<String>,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    read_retries: u32,
    retry_backoff: Duration,
    user_agent: String,
    uid: Option<i64>,
    transport: Transport,
    on_error: Option<ErrorObserver>,
}

/// Told of every call that fails (for metrics): the error, after retries.
#[derive(Clone)]
pub struct ErrorObserver(Arc<dyn Fn(&Error) + Send + Sync>);

impl ErrorObserver {
    /// An observer calling `f`.
    pub fn new(f: impl Fn(&Error) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }
}

impl fmt::Debug for ErrorObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorObserver(..)")
    }
}

impl ClientBuilder {
    /// Calls `observer` with every error a call ends with (after its
    /// retries), e.g. to count errors by kind.
    pub fn on_error(mut self, observer: ErrorObserver) -> Self {
        self.on_error = Some(observer);
        self
    }

    /// The API to speak (default: XML-RPC).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// The technical user's uid, when known, saving the `authenticate`
    /// round trip before the first call.
    pub fn uid(mut self, uid: i64) -> Self {
        self.uid = Some(uid);
        self
    }

    /// The database name (`db` of every call).
    pub fn database(mut self, db: impl Into<String>) -> Self {
        self.database = Some(db.into());
        self
    }

    /// The technical user's login and password or API key.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The limit for one whole call, connection included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit for establishing a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How many times a read is retried after a transient error (default 2).
    pub fn read_retries(mut self, retries: u32) -> Self {
        self.read_retries = retries;
        self
    }

    /// The first retry's delay; each further retry doubles it (default 200 ms).
    pub fn retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// Builds the client. Nothing is sent until the first call.
    pub fn build(self) -> Result<Client, Error> {
        let base = self.url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!(
                "the Odoo URL must start with http:// or https://, not {base:?}"
            )));
        }
        let database = self
            .database
            .filter(|d| !d.is_empty())
            .ok_or_else(|| Error::Config("no database name".into()))?;
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            company: Arc::default(),
            inner: Arc::new(Inner {
                http,
                common_url: format!("{base}/xmlrpc/2/common"),
                object_url: format!("{base}/xmlrpc/2/object"),
                base_url: base,
                database,
                credentials: self.credentials,
                timeout: self.timeout,
                read_retries: self.read_retries,
                retry_backoff: self.retry_backoff,
                uid: OnceCell::new_with(self.uid),
                transport: self.transport,
                wire: OnceCell::new_with(match self.transport {
                    Transport::XmlRpc => Some(Wire::XmlRpc),
                    Transport::Json2 => Some(Wire::Json2),
                    Transport::Auto => None,
                }),
                fields: Mutex::new(HashMap::new()),
                on_error: self.on_error,
            }),
        })
    }
}

/// A connection to one Odoo database as one technical user. Cheap to clone;
/// clones share the connection pool, the uid and the field cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// The companies every model call works in (`allowed_company_ids`,
    /// the first current), once set: see [`Client::in_company`],
    /// [`Client::in_companies`] and [`Client::settle_company`]. Shared by
    /// clones.
    company: Arc<OnceLock<Vec<i64>>>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    common_url: String,
    object_url: String,
    database: String,
    credentials: Option<Credentials>,
    timeout: Duration,
    read_retries: u32,
    retry_backoff: Duration,
    uid: OnceCell<i64>,
    transport: Transport,
    wire: OnceCell<Wire>,
    fields: Mutex<HashMap<String, Arc<HashSet<String>>>>,
    on_error: Option<ErrorObserver>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.base_url)
            .field("database", &self.inner.database)
            .field("credentials", &self.inner.credentials)
            .field("transport", &self.inner.transport)
            .field("company", &self.company())
            .finish_non_exhaustive()
    }
}

/// What `common.version` tells.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServerVersion {
    /// e.g. `18.0+e-20241005`.
    pub server_version: String,
    /// e.g. `18.0`.
    pub server_serie: String,
    /// e.g. `[18, 0, 0, "final", 0, ""]`.
    pub server_version_info: Vec<Value>,
    /// The RPC protocol version (1).
    pub protocol_version: i64,
}

impl ServerVersion {
    /// The major series number, e.g. 18.
    pub fn major(&self) -> Option<u32> {
        match self.server_version_info.first() {
            Some(Value::Int(major)) => u32::try_from(*major).ok(),
            _ => self
                .server_serie
                .split('.')
                .next()?
                .trim_start_matches("saas~")
                .parse()
                .ok(),
        }
    }

    /// Reads the answer of `common.version`.
    pub fn from_value(call: &str, value: Value) -> Result<Self, Error> {
        let Value::Struct(mut s) = value else {
            return Err(decode_error(
                call,
                "",
                format!("expected a struct, got {}", value.type_name()),
            ));
        };
        let mut text = |name: &str| match s.remove(name) {
            Some(Value::String(v)) => Ok(v),
            other => Err(decode_error(
                call,
                name,
                format!("expected a string, got {}", describe(other.as_ref())),
            )),
        };
        let server_version = text("server_version")?;
        let server_serie = text("server_serie")?;
        let server_version_info = match s.remove("server_version_info") {
            Some(Value::Array(items)) => items,
            other => {
                return Err(decode_error(
                    call,
                    "server_version_info",
                    format!("expected an array, got {}", describe(other.as_ref())),
                ))
            }
        };
        let protocol_version = match s.get("protocol_version") {
            Some(Value::Int(v)) => *v,
            None => 1,
            Some(other) => {
                return Err(decode_error(
                    call,
                    "protocol_version",
                    format!("expected an int, got {}", other.type_name()),
                ))
            }
        };
        Ok(Self {
            server_version,
            server_serie,
            server_version_info,
            protocol_version,
        })
    }
}

/// One field as `fields_get` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FieldInfo {
    /// `char`, `many2one`, `float`, ...
    #[serde(rename = "type", default)]
    pub field_type: String,
    /// The label, in the call's language.
    #[serde(default)]
    pub string: String,
    /// The related model of relational fields.
    #[serde(default)]
    pub relation: Option<String>,
    /// Whether the field is required.
    #[serde(default)]
    pub required: bool,
    /// A float's precision and scale (`[16, 2]`), when asked and it has
    /// one: the decimal accuracy it is rounded to.
    #[serde(default)]
    pub digits: Option<Vec<i64>>,
}

/// An `execute_kw` call: model, method, positional and keyword arguments.
/// Built by the typed calls; public so that what is sent can be inspected.
#[derive(Debug, Clone, PartialEq)]
pub struct KwCall {
    /// e.g. `product.template`.
    pub model: String,
    /// e.g. `search_read`.
    pub method: String,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments.
    pub kwargs: Struct,
}

/// Methods that only read, and so are safe to retry.
const READ_METHODS: &[&str] = &[
    "search",
    "search_read",
    "read",
    "search_count",
    "fields_get",
    "name_search",
    "read_group",
    "check_access_rights",
];

impl KwCall {
    /// A call of `method` on `model`.
    pub fn new(model: impl Into<String>, method: impl Into<String>, args: Vec<Value>) -> Self {
        Self {
            model: model.into(),
            method: method.into(),
            args,
            kwargs: Struct::new(),
        }
    }

    /// `model.method`, for messages and logs.
    pub fn label(&self) -> String {
        format!("{}.{}", self.model, self.method)
    }

    /// Whether the call only reads.
    pub fn is_read(&self) -> bool {
        READ_METHODS.contains(&self.method.as_str())
    }

    /// The XML-RPC call `object.execute_kw` that carries it.
    pub fn to_method_call(&self, db: &str, uid: i64, password: &str) -> MethodCall {
        MethodCall {
            method: "execute_kw".into(),
            params: vec![
                Value::from(db),
                Value::Int(uid),
                Value::from(password),
                Value::from(self.model.as_str()),
                Value::from(self.method.as_str()),
                Value::Array(self.args.clone()),
                Value::Struct(self.kwargs.clone()),
            ],
        }
    }
}

impl Client {
    /// Starts configuring a client for the Odoo at `url`
    /// (e.g. `https://shop.example.com`).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            database: None,
            credentials: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            read_retries: 2,
            retry_backoff: Duration::from_millis(200),
            user_agent: concat!("odoo-storefront-connector/", env!("CARGO_PKG_VERSION")).to_owned(),
            uid: None,
            transport: Transport::XmlRpc,
            on_error: None,
        }
    }

    /// The database name.
    pub fn database(&self) -> &str {
        &self.inner.database
    }

    /// The server's base URL.
    pub fn url(&self) -> &str {
        &self.inner.base_url
    }

    /// The same connection, working in company `company_id` alone: every
    /// model call carries `allowed_company_ids: [company_id]` in its
    /// context (unless the call sets it), so Odoo's company rules show
    /// only that company's records and those of no company, and new
    /// records default to it. Without it Odoo works in all the technical
    /// user's companies at once. Shares the pool, uid and field cache.
    pub fn in_company(&self, company_id: i64) -> Client {
        self.in_companies(&[company_id])
    }

    /// The same connection, working in several companies at once: every
    /// model call carries `allowed_company_ids: companies` (the first is
    /// the current company, whose values company-dependent fields read),
    /// so Odoo's company rules show the records of any of them and those
    /// of no company (shops of one database reading their products
    /// together: see [`crate::mirror::SharedReads`]). Without companies,
    /// the technical user's own. Shares the pool, uid and field cache.
    pub fn in_companies(&self, companies: &[i64]) -> Client {
        Client {
            inner: self.inner.clone(),
            company: Arc::new(if companies.is_empty() {
                OnceLock::new()
            } else {
                OnceLock::from(companies.to_vec())
            }),
        }
    }

    /// Sets the company of this client and of its clones, if none was set
    /// yet (e.g. once the mirror has found the technical user's company);
    /// returns the company in force.
    pub fn settle_company(&self, company_id: i64) -> i64 {
        self.company.get_or_init(|| vec![company_id])[0]
    }

    /// The company calls work in, once set (the first of
    /// [`Client::companies`]).
    pub fn company(&self) -> Option<i64> {
        self.company.get().and_then(|c| c.first().copied())
    }

    /// The companies calls work in, once set: the current one first.
    pub fn companies(&self) -> &[i64] {
        self.company.get().map_or(&[], Vec::as_slice)
    }

    /// `common.version`: the server's series (needs no credentials).
    pub async fn version(&self) -> Result<ServerVersion, Error> {
        let result = self.version_unobserved().await;
        self.observe(result)
    }

    fn observe<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if let (Err(e), Some(observer)) = (&result, &self.inner.on_error) {
            (observer.0)(e);
        }
        result
    }

    async fn version_unobserved(&self) -> Result<ServerVersion, Error> {
        let call = MethodCall {
            method: "version".into(),
            params: vec![],
        };
        let value = self
            .rpc(&self.inner.common_url, "common.version", &call, true)
            .await?;
        ServerVersion::from_value("common.version", value)
    }

    /// `common.authenticate`: the uid of `login` if `password` (or an API
    /// key) is right, `None` if not. A wrong password is an answer, not an
    /// error.
    pub async fn authenticate(&self, login: &str, password: &str) -> Result<Option<i64>, Error> {
        let result = self.authenticate_unobserved(login, password).await;
        self.observe(result)
    }

    async fn authenticate_unobserved(&self, login: &str, password: &str) -> Result<Option<i64>, Error> {
        let call = Self::authenticate_call(&self.inner.database, login, password);
        let label = "common.authenticate";
        match self.rpc(&self.inner.common_url, label, &call, true).await? {
            Value::Int(uid) => Ok(Some(uid)),
            Value::Bool(false) => Ok(None),
            other => Err(decode_error(
                label,
                "",
                format!("expected a uid or false, got {}", other.type_name()),
            )),
        }
    }

    /// The XML-RPC call that `authenticate` sends.
    pub fn authenticate_call(db: &str, login: &str, password: &str) -> MethodCall {
        MethodCall {
            method: "authenticate".into(),
            params: vec![
                Value::from(db),
                Value::from(login),
                Value::from(password),
                Value::Struct(Struct::new()),
            ],
        }
    }

    /// The technical user's uid, authenticating once on first use.
    pub async fn uid(&self) -> Result<i64, Error> {
        let creds = self.credentials()?;
        self.inner
            .uid
            .get_or_try_init(|| async {
                match self
                    .authenticate_unobserved(&creds.login, creds.secret.expose_secret())
                    .await?
                {
                    Some(uid) => {
                        tracing::info!(login = %creds.login, uid, "authenticated with Odoo");
                        Ok(uid)
                    }
                    None => Err(Error::from_fault(
                        "common.authenticate",
                        Fault {
                            code: FaultKind::AccessDenied.code(),
                            string: format!(
                                "Odoo refused the login {:?} on database {:?}",
                                creds.login, self.inner.database
                            ),
                        },
                    )),
                }
            })
            .await
            .copied()
    }

    fn credentials(&self) -> Result<&Credentials, Error> {
        self.inner
            .credentials
            .as_ref()
            .ok_or_else(|| Error::Config("no credentials configured".into()))
    }

    /// The transport in use: the configured one, or for `Auto` the one
    /// chosen from the server's version (asked once).
    async fn wire(&self) -> Result<Wire, Error> {
        self.inner
            .wire
            .get_or_try_init(|| async {
                let version = self.version_unobserved().await?;
                let key = self
                    .inner
                    .credentials
                    .as_ref()
                    .is_some_and(Credentials::is_api_key);
                let wire = if version.major().is_some_and(|m| m >= 19) && key {
                    Wire::Json2
                } else {
                    Wire::XmlRpc
                };
                tracing::info!(
                    series = %version.server_serie,
                    transport = if wire == Wire::Json2 { "json2" } else { "xmlrpc" },
                    "chose the Odoo transport"
                );
                Ok(wire)
            })
            .await
            .copied()
    }

    /// Whether calls go over JSON-2 (deciding `Auto` if not done yet).
    pub async fn uses_json2(&self) -> Result<bool, Error> {
        Ok(self.wire().await? == Wire::Json2)
    }

    /// Runs a model method (`execute_kw` over XML-RPC, `/json/2/...` over
    /// JSON-2); reads are retried on transient errors, writes never.
    pub async fn execute(&self, call: &KwCall) -> Result<Value, Error> {
        let result = self.execute_unobserved(call).await;
        self.observe(result)
    }

    async fn execute_unobserved(&self, call: &KwCall) -> Result<Value, Error> {
        let scoped;
        let call = match self.companies() {
            [] => call,
            companies => {
                scoped = in_companies(call, companies);
                &scoped
            }
        };
        if self.wire().await? == Wire::Json2 {
            return self.execute_json2(call).await;
        }
        let uid = self.uid().await?;
        let creds = self.credentials()?;
        let rpc = call.to_method_call(&self.inner.database, uid, creds.secret.expose_secret());
        self.rpc(&self.inner.object_url, &call.label(), &rpc, call.is_read())
            .await
    }

    /// `object.execute_kw(model, method, args, kwargs)`.
    pub async fn execute_kw(
        &self,
        model: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Struct,
    ) -> Result<Value, Error> {
        let mut call = KwCall::new(model, method, args);
        call.kwargs = kwargs;
        self.execute(&call).await
    }

    /// A handle on one model, for typed calls.
    pub fn model(&self, model: impl Into<String>) -> Model<'_> {
        Model {
            client: self,
            name: model.into(),
        }
    }

    /// The names of the fields `model` has on this server (from
    /// `fields_get`, asked once per model and kept).
    pub async fn available_fields(&self, model: &str) -> Result<Arc<HashSet<String>>, Error> {
        if let Some(known) = self.field_cache().get(model) {
            return Ok(known.clone());
        }
        let info = self.model(model).fields_get().attributes(["type"]).send().await?;
        let names: Arc<HashSet<String>> = Arc::new(info.into_keys().collect());
        self.field_cache().insert(model.to_owned(), names.clone());
        Ok(names)
    }

    fn field_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<HashSet<String>>>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.inner.fields.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The field names to read for record type `R` on this server.
    pub async fn fields_for<R: Record>(&self) -> Result<Vec<&'static str>, Error> {
        let available = self.available_fields(R::MODEL).await?;
        R::field_names(&available)
    }

    /// `search_read` of typed records: `R`'s fields under the names this
    /// server uses.
    pub fn search_records<R: Record>(&self, domain: Domain) -> RecordSearch<'_, R> {
        RecordSearch {
            query: self.model(R::MODEL).search_read(domain),
            _record: std::marker::PhantomData,
        }
    }

    /// `read` of typed records by id.
    pub async fn read_records<R: Record>(&self, ids: &[i64]) -> Result<Vec<R>, Error> {
        let fields = self.fields_for::<R>().await?;
        let call = self.model(R::MODEL).read(ids.to_vec()).fields(fields).request();
        let value = self.execute(&call).await?;
        records::decode(&call.label(), value)
    }

    async fn execute_json2(&self, call: &KwCall) -> Result<Value, Error> {
        let creds = self.credentials()?;
        let request = crate::json2::request(call)?;
        let url = format!("{}{}", self.inner.base_url, request.path);
        let body = request.body.to_string();
        let label = call.label();
        // Marked sensitive so that no debug output of the request shows it.
        let mut authorization =
            reqwest::header::HeaderValue::from_str(&format!("bearer {}", creds.secret.expose_secret()))
                .map_err(|_| {
                    Error::Config("the API key holds characters an HTTP header cannot carry".into())
                })?;
        authorization.set_sensitive(true);
        self.with_retries(&label, call.is_read(), || async {
            let response = self
                .inner
                .http
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Odoo-Database", &self.inner.database)
                .header(reqwest::header::AUTHORIZATION, authorization.clone())
                .body(body.clone())
                .send()
                .await
                .map_err(|e| self.transport_error(&label, e))?;
            let status = response.status().as_u16();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| self.transport_error(&label, e))?;
            crate::json2::decode_response(call, status, &bytes)
        })
        .await
    }

    async fn rpc(&self, url: &str, label: &str, call: &MethodCall, retry: bool) -> Result<Value, Error> {
        let body = call.encode();
        self.with_retries(label, retry, || self.post(url, label, body.clone()))
            .await
    }

    /// Runs `attempt`, again after a transient error when `retry` (reads),
    /// with doubling delays.
    async fn with_retries<F, Fut>(&self, label: &str, retry: bool, attempt_once: F) -> Result<Value, Error>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Value, Error>>,
    {
        let attempts = if retry { self.inner.read_retries + 1 } else { 1 };
        let mut backoff = self.inner.retry_backoff;
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = attempt_once().await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match result {
                Ok(value) => {
                    tracing::debug!(call = label, elapsed_ms, "odoo call");
                    return Ok(value);
                }
                Err(e) if attempt < attempts && e.is_transient() => {
                    tracing::warn!(call = label, attempt, error = %e, "odoo call failed, retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2);
                    attempt += 1;
                }
                Err(e) => {
                    tracing::debug!(call = label, elapsed_ms, error = %e, "odoo call failed");
                    return Err(e);
                }
            }
        }
    }

    fn transport_error(&self, label: &str, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout {
                call: label.to_owned(),
                after: self.inner.timeout,
            }
        } else {
            Error::Transport {
                call: label.to_owned(),
                message: describe_reqwest(&e),
                status: None,
                source: Some(Box::new(e)),
            }
        }
    }

    async fn post(&self, url: &str, label: &str, body: String) -> Result<Value, Error> {
        let transport = |e: reqwest::Error| self.transport_error(label, e);
        let response = self
            .inner
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "text/xml")
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Transport {
                call: label.to_owned(),
                message: format!("HTTP {status} from {url}"),
                status: Some(status.as_u16()),
                source: None,
            });
        }
        let bytes = response.bytes().await.map_err(transport)?;
        match xmlrpc::decode_response(&bytes) {
            Ok(MethodResponse::Success(value)) => Ok(value),
            Ok(MethodResponse::Fault(fault)) => Err(Error::from_fault(label, fault)),
            Err(source) => Err(Error::Xml {
                call: label.to_owned(),
                source,
            }),
        }
    }
}

fn describe_reqwest(e: &reqwest::Error) -> String {
    // reqwest's own message is terse ("error sending request"); the cause
    // (connection refused, DNS, TLS) is what an operator needs.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn decode_error(call: &str, field: &str, message: String) -> Error {
    Error::Decode {
        call: call.to_owned(),
        field: field.to_owned(),
        message,
    }
}

fn describe(value: Option<&Value>) -> &'static str {
    value.map_or("nothing", Value::type_name)
}

/// A model of the server, for typed calls.
#[derive(Debug, Clone)]
pub struct Model<'c> {
    client: &'c Client,
    name: String,
}

impl<'c> Model<'c> {
    /// The model name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `search`: ids of the matching records.
    pub fn search(&self, domain: Domain) -> Query<'c, Vec<i64>> {
        Query::new(self, "search", vec![domain.to_value()])
    }

    /// `search_read`: the matching records, as structs.
    pub fn search_read(&self, domain: Domain) -> Query<'c, Vec<Struct>> {
        Query::new(self, "search_read", vec![domain.to_value()])
    }

    /// `search_count`: how many records match.
    pub fn search_count(&self, domain: Domain) -> Query<'c, u64> {
        Query::new(self, "search_count", vec![domain.to_value()])
    }

    /// `read`: these records, as structs.
    pub fn read(&self, ids: Vec<i64>) -> Query<'c, Vec<Struct>> {
        Query::new(self, "read", vec![Value::from(ids)])
    }

    /// `fields_get`: the model's fields.
    pub fn fields_get(&self) -> Query<'c, BTreeMap<String, FieldInfo>> {
        Query::new(self, "fields_get", vec![])
    }

    /// `create`: the new record's id.
    pub fn create(&self, values: Struct) -> Query<'c, i64> {
        Query::new(self, "create", vec![Value::Struct(values)])
    }

    /// `write`: sets `values` on the records.
    pub fn write(&self, ids: Vec<i64>, values: Struct) -> Query<'c, bool> {
        Query::new(self, "write", vec![Value::from(ids), Value::Struct(values)])
    }

    /// `unlink`: deletes the records.
    pub fn unlink(&self, ids: Vec<i64>) -> Query<'c, bool> {
        Query::new(self, "unlink", vec![Value::from(ids)])
    }

    /// Any public method on records, e.g. `action_cancel`; answers whatever
    /// the method returns.
    pub fn call_on(&self, method: &str, ids: Vec<i64>) -> Query<'c, Value> {
        Query::new(self, method, vec![Value::from(ids)])
    }

    /// Any public method with any positional arguments.
    pub fn call(&self, method: &str, args: Vec<Value>) -> Query<'c, Value> {
        Query::new(self, method, args)
    }
}

/// One call being built; finished by [`Query::send`].
///
/// Keyword arguments are written in the order Odoo's own clients write them
/// (`fields`, `order`, `limit`, `offset`, `context`).
#[derive(Debug, Clone)]
pub struct Query<'c, T> {
    client: &'c Client,
    call: KwCall,
    context: Struct,
    _output: std::marker::PhantomData<fn() -> T>,
}

impl<'c, T> Query<'c, T> {
    fn new(model: &Model<'c>, method: &str, args: Vec<Value>) -> Self {
        Self {
            client: model.client,
            call: KwCall::new(model.name.clone(), method, args),
            context: Struct::new(),
            _output: std::marker::PhantomData,
        }
    }

    /// The fields to return (`search_read`, `read`).
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        let list: Vec<Value> = fields.into_iter().map(|f| Value::String(f.into())).collect();
        self.call.kwargs.insert("fields", Value::Array(list));
        self
    }

    /// The attributes `fields_get` describes (`type`, `string`, ...).
    pub fn attributes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, attributes: I) -> Self {
        let list: Vec<Value> = attributes.into_iter().map(|f| Value::String(f.into())).collect();
        self.call.kwargs.insert("attributes", Value::Array(list));
        self
    }

    /// The sort order, e.g. `"write_date, id"` or `"id desc"`.
    pub fn order(mut self, order: impl Into<String>) -> Self {
        self.call.kwargs.insert("order", order.into());
        self
    }

    /// At most this many records.
    pub fn limit(mut self, limit: u32) -> Self {
        self.call.kwargs.insert("limit", limit);
        self
    }

    /// Skip this many records.
    pub fn offset(mut self, offset: u32) -> Self {
        self.call.kwargs.insert("offset", offset);
        self
    }

    /// The language of translatable fields, e.g. `fr_FR`.
    pub fn lang(self, lang: impl Into<String>) -> Self {
        self.context("lang", Value::String(lang.into()))
    }

    /// Whether archived records are hidden (Odoo's default) or included.
    pub fn active_test(self, active_test: bool) -> Self {
        self.context("active_test", Value::Bool(active_test))
    }

    /// Any context key.
    pub fn context(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.context.insert(key, value);
        self
    }

    /// Any other keyword argument.
    pub fn kwarg(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.call.kwargs.insert(key, value);
        self
    }

    /// The same call, decoding its answer as `U` (e.g. typed records for a
    /// `search_read` whose fields were chosen by hand).
    pub fn returning<U>(self) -> Query<'c, U> {
        Query {
            client: self.client,
            call: self.call,
            context: self.context,
            _output: std::marker::PhantomData,
        }
    }

    /// The `execute_kw` call this query sends.
    pub fn request(&self) -> KwCall {
        let mut call = self.call.clone();
        if !self.context.is_empty() {
            call.kwargs.insert("context", Value::Struct(self.context.clone()));
        }
        call
    }

    /// Sends the call and returns Odoo's answer undecoded.
    pub async fn send_raw(self) -> Result<Value, Error> {
        self.client.execute(&self.request()).await
    }
}

impl<T: serde::de::DeserializeOwned> Query<'_, T> {
    /// Sends the call and decodes the answer.
    pub async fn send(self) -> Result<T, Error> {
        let call = self.request();
        let value = self.client.execute(&call).await?;
        records::decode(&call.label(), value)
    }
}

/// A typed `search_read` (see [`Client::search_records`]).
#[derive(Debug, Clone)]
pub struct RecordSearch<'c, R> {
    query: Query<'c, Vec<Struct>>,
    _record: std::marker::PhantomData<fn() -> R>,
}

impl<R: Record> RecordSearch<'_, R> {
    /// The sort order.
    pub fn order(mut self, order: impl Into<String>) -> Self {
        self.query = self.query.order(order);
        self
    }

    /// At most this many records.
    pub fn limit(mut self, limit: u32) -> Self {
        self.query = self.query.limit(limit);
        self
    }

    /// Skip this many records.
    pub fn offset(mut self, offset: u32) -> Self {
        self.query = self.query.offset(offset);
        self
    }

    /// The language of translatable fields.
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.query = self.query.lang(lang);
        self
    }

    /// Whether archived records are hidden.
    pub fn active_test(mut self, active_test: bool) -> Self {
        self.query = self.query.active_test(active_test);
        self
    }

    /// Sends the call, asking for `R`'s fields as this server names them.
    pub async fn send(self) -> Result<Vec<R>, Error> {
        let client = self.query.client;
        let fields = client.fields_for::<R>().await?;
        let call = self.query.fields(fields).request();
        let value = client.execute(&call).await?;
        records::decode(&call.label(), value)
    }
}

/// `call` with `allowed_company_ids: companies` in its context, unless the
/// call names its companies itself.
fn in_companies(call: &KwCall, companies: &[i64]) -> KwCall {
    let mut call = call.clone();
    let mut context = match call.kwargs.remove("context") {
        Some(Value::Struct(context)) => context,
        _ => Struct::new(),
    };
    if !context.contains_key("allowed_company_ids") {
        context.insert(
            "allowed_company_ids",
            Value::Array(companies.iter().copied().map(Value::Int).collect()),
        );
    }
    call.kwargs.insert("context", Value::Struct(context));
    call
}
