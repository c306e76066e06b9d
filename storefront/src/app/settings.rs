//! Typed settings, read once at start from the environment. A bad value
//! stops the program with a message naming the setting.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context as _};
use connector::mirror::MirrorConfig;
use connector::{Client, Credentials, Transport};
use rust_decimal::Decimal;

pub use crate::shop::settings::{
    CaseSettings, InformSettings, ShopSettings, ShortCase, StockDisplay, TaxDisplay,
};
use connector::cases::CaseRule;
use connector::inform::Staff;

/// How to reach Odoo.
#[derive(Debug, Clone)]
pub struct OdooSettings {
    /// `ODOO_URL`.
    pub url: String,
    /// `ODOO_DB`.
    pub database: String,
    /// `ODOO_USER`, with `ODOO_PASSWORD` or `ODOO_API_KEY`.
    pub credentials: Credentials,
    /// `ODOO_TRANSPORT`: `xmlrpc` (default), `json2` or `auto`.
    pub transport: Transport,
    /// `ODOO_TIMEOUT_SECS` (default 30).
    pub timeout: Duration,
}

impl OdooSettings {
    /// A client for these settings.
    pub fn client(&self) -> anyhow::Result<Client> {
        Ok(self.builder().build()?)
    }

    /// A client for these settings telling `observer` of each failed call.
    pub fn observed_client(&self, observer: connector::ErrorObserver) -> anyhow::Result<Client> {
        Ok(self.builder().on_error(observer).build()?)
    }

    fn builder(&self) -> connector::ClientBuilder {
        Client::builder(&self.url)
            .database(&self.database)
            .credentials(self.credentials.clone())
            .transport(self.transport)
            .timeout(self.timeout)
    }
}

/// The key of the shop of a deployment that declares none
/// (`STOREFRONT_SHOPS` unset).
pub const DEFAULT_SHOP: &str = "default";

/// Everything the storefront is configured with: one shop's settings (see
/// [`Settings::all_from_lookup`] for several shops in one process).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The shop's key (`STOREFRONT_SHOPS`), [`DEFAULT_SHOP`] when the
    /// deployment declares none: in metrics, logs and its store.
    pub shop_key: String,
    /// `SHOPS_<KEY>_HOSTS`: the host names the shop answers (lower case,
    /// without port); empty: every host (a deployment of one shop).
    pub hosts: Vec<String>,
    /// `STOREFRONT_BIND`: the address to listen on (default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// The Odoo to mirror.
    pub odoo: OdooSettings,
    /// `SHOP_LANGUAGES`: the shop's languages, default first (default
    /// `fr_FR,en_US`).
    pub languages: Vec<String>,
    /// `STOREFRONT_RESYNC_SECS`: seconds between scheduled resyncs (default
    /// 300; 0 turns the schedule off).
    pub resync_every: Option<Duration>,
    /// `STOREFRONT_PROBE_SECS`: seconds between probes of what changed in
    /// Odoo since the last one, read alone (default 60; 0 turns them off).
    pub probe_every: Option<Duration>,
    /// `STOREFRONT_ADMIN_TOKEN`: the bearer token of the admin endpoints;
    /// without it they answer 404.
    pub admin_token: Option<String>,
    /// `STOREFRONT_DATA_DIR`: where the storefront keeps its files, such as
    /// the last snapshot (default `data`).
    pub data_dir: std::path::PathBuf,
    /// What the shop shows and sells.
    pub shop: ShopSettings,
    /// `STOREFRONT_DATABASE_URL`: the store of carts, favorites, sessions
    /// (default: SQLite `storefront.db` in the data directory).
    pub database_url: Option<String>,
    /// The PostgreSQL schema of the shop's store, when shops share
    /// `STOREFRONT_DATABASE_URL` (`shop_<key>`); `None`: the URL's own.
    pub store_schema: Option<String>,
    /// `STOREFRONT_SESSION_SECRET`: the key that signs session cookies (at
    /// least 32 characters). Without it, one is generated and kept in
    /// `session.key` in the data directory, so sessions survive a restart.
    pub session_secret: Option<String>,
    /// `STOREFRONT_PUBLIC_URL`: the address customers use, e.g.
    /// `https://shop.example.com`; cookies are marked Secure when it is https.
    pub public_url: Option<String>,
    /// `STOREFRONT_OVERRIDE_DIR`: a directory whose `templates/` and
    /// `assets/` replace the embedded files of the same name.
    pub override_dir: Option<std::path::PathBuf>,
    /// `STOREFRONT_OUTBOX_SECS`: how often orders not yet in Odoo are
    /// retried, at most (default 15; each waits its own growing delay).
    pub outbox_every: Duration,
    /// `STOREFRONT_STOCK_SECS`: how often the stock shown
    /// (`SHOP_SHOW_STOCK`) is read again, what moved only (default 60).
    pub stock_every: Duration,
    /// How often the shared cases' progress is read again from the store
    /// (other instances' shares) and rounds past their cut-off are settled
    /// (`STOREFRONT_CASES_SECS`, default 5).
    pub cases_every: Duration,
    /// `STOREFRONT_TRUSTED_PROXIES`: the reverse proxies (addresses or
    /// networks, comma-separated) whose `X-Forwarded-For` / `Forwarded`
    /// give the client's address; none by default.
    pub trusted_proxies: crate::http::proxies::TrustedProxies,
    /// `STOREFRONT_WEBHOOK_SECRET`: the secret in the address Odoo's
    /// automation rules call (`/hooks/odoo/<secret>`) to tell the shop what
    /// changed; at least 24 characters of `A-Z a-z 0-9 - _`. Without it
    /// the endpoint answers 404 and only the timer refreshes the mirror.
    pub webhook_secret: Option<String>,
}

impl Settings {
    /// Reads the settings from the environment.
    ///
    /// `STOREFRONT_SETTINGS_FILE` may name a file of `NAME=value` lines (the
    /// same names; `#` starts a comment); the environment wins over it.
    pub fn from_env() -> anyhow::Result<Settings> {
        let file = settings_file()?;
        Self::from_lookup(|name| std::env::var(name).ok().or_else(|| file.get(name).cloned()))
    }

    /// Every shop of the deployment, read from the environment (and
    /// `STOREFRONT_SETTINGS_FILE`): see [`Settings::all_from_lookup`].
    pub fn all_from_env() -> anyhow::Result<Vec<Settings>> {
        let file = settings_file()?;
        Self::all_from_lookup(|name| std::env::var(name).ok().or_else(|| file.get(name).cloned()))
    }

    /// Every shop of the deployment. Without `STOREFRONT_SHOPS`, the one
    /// shop of [`Settings::from_lookup`], answering every host. With
    /// `STOREFRONT_SHOPS=bakery,grocery`, one shop per key: each setting is
    /// read as `SHOPS_<KEY>_<NAME>` (the key upper-cased, `-` as `_`), else
    /// as `<NAME>`, so that shops share what they do not override (their
    /// Odoo, say) and each names its own (`SHOPS_GROCERY_SHOP_COMPANY=2`).
    /// Each answers the host names of `SHOPS_<KEY>_HOSTS`; unless
    /// overridden, each keeps its files in `<STOREFRONT_DATA_DIR>/shops/<key>`,
    /// its PostgreSQL store in the schema `shop_<key>` of
    /// `STOREFRONT_DATABASE_URL`, and signs its cookies with a key of its
    /// own (derived from `STOREFRONT_SESSION_SECRET`): a session of one shop
    /// is worth nothing on another.
    ///
    /// ```
    /// use storefront::app::settings::Settings;
    ///
    /// let vars = [("ODOO_URL", "https://odoo.example.com"), ("ODOO_DB", "shop"),
    ///              ("ODOO_USER", "storefront"), ("ODOO_API_KEY", "0123456789abcdef"),
    ///              ("STOREFRONT_SHOPS", "bakery,grocery"),
    ///              ("SHOPS_BAKERY_HOSTS", "bakery.example.com"),
    ///              ("SHOPS_GROCERY_HOSTS", "grocery.example.com, www.grocery.example.com"),
    ///              ("SHOPS_GROCERY_SHOP_COMPANY", "2")];
    /// let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    /// let shops = Settings::all_from_lookup(lookup).unwrap();
    /// assert_eq!(shops.len(), 2);
    /// assert_eq!(shops[1].shop_key, "grocery");
    /// assert_eq!(shops[1].hosts, ["grocery.example.com", "www.grocery.example.com"]);
    /// assert!(shops[1].shop.company.is_some() && shops[0].shop.company.is_none());
    /// assert_eq!(shops[0].odoo.url, shops[1].odoo.url);
    /// assert!(shops[1].data_dir.ends_with("shops/grocery"));
    /// ```
    pub fn all_from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Vec<Settings>> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(keys) = get("STOREFRONT_SHOPS") else {
            return Ok(vec![Self::from_lookup(&lookup)?]);
        };
        let keys: Vec<String> = keys
            .split(',')
            .map(|k| k.trim().to_ascii_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        let mut shops: Vec<Settings> = Vec::with_capacity(keys.len());
        for key in &keys {
            if key.len() > 32 || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                bail!("STOREFRONT_SHOPS: a shop's key is 1 to 32 letters, digits and -, not {key:?}");
            }
            if shops.iter().any(|s| s.shop_key == *key) {
                bail!("STOREFRONT_SHOPS names the shop {key:?} twice");
            }
            let prefix = format!("SHOPS_{}_", key.to_ascii_uppercase().replace('-', "_"));
            let own = |name: &str| {
                lookup(&format!("{prefix}{name}"))
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
            };
            let base_dir: std::path::PathBuf =
                get("STOREFRONT_DATA_DIR").unwrap_or_else(|| "data".into()).into();
            let data_dir = own("STOREFRONT_DATA_DIR")
                .unwrap_or_else(|| base_dir.join("shops").join(key).display().to_string());
            let secret = own("STOREFRONT_SESSION_SECRET").or_else(|| {
                get("STOREFRONT_SESSION_SECRET").map(|secret| {
                    use sha2::Digest as _;
                    let derived = sha2::Sha256::digest(format!("{secret}\u{0}shop\u{0}{key}").as_bytes());
                    crate::store::ids::hex(&derived)
                })
            });
            let mut settings = Self::from_lookup(|name| match name {
                "STOREFRONT_DATA_DIR" => Some(data_dir.clone()),
                "STOREFRONT_SESSION_SECRET" => secret.clone(),
                _ => own(name).or_else(|| lookup(name)),
            })
            .with_context(|| format!("the shop {key:?}"))?;
            settings.shop_key = key.clone();
            if own("STOREFRONT_DATABASE_URL").is_none() && settings.database_url.is_some() {
                settings.store_schema = Some(format!("shop_{}", key.replace('-', "_")));
            }
            settings.hosts = own("HOSTS")
                .unwrap_or_default()
                .split(',')
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect();
            if settings.hosts.is_empty() {
                bail!("the shop {key:?} needs its host names: {prefix}HOSTS=shop.example.com");
            }
            if let Some(other) = shops
                .iter()
                .find(|s| s.hosts.iter().any(|h| settings.hosts.contains(h)))
            {
                bail!("the shops {:?} and {key:?} share a host name", other.shop_key);
            }
            if let Some(first) = shops.first() {
                if first.bind != settings.bind {
                    bail!("every shop listens on the one STOREFRONT_BIND: {prefix}STOREFRONT_BIND differs");
                }
            }
            shops.push(settings);
        }
        if shops.is_empty() {
            bail!("STOREFRONT_SHOPS names no shop");
        }
        Ok(shops)
    }

    /// Reads the settings through `lookup` (the environment, or a map in
    /// tests).
    ///
    /// ```
    /// use storefront::app::settings::Settings;
    ///
    /// let vars = [("ODOO_URL", "https://odoo.example.com"), ("ODOO_DB", "shop"),
    ///              ("ODOO_USER", "storefront"), ("ODOO_API_KEY", "0123456789abcdef")];
    /// let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    /// let settings = Settings::from_lookup(lookup).unwrap();
    /// assert_eq!(settings.bind.port(), 8080);
    /// assert!(settings.odoo.credentials.is_api_key());
    ///
    /// let err = Settings::from_lookup(|_| None).unwrap_err();
    /// assert_eq!(err.to_string(), "the setting ODOO_URL is missing");
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let required = |name: &str| get(name).with_context(|| format!("the setting {name} is missing"));
        let number = |name: &str, default: u64| -> anyhow::Result<u64> {
            match get(name) {
                Some(v) => v
                    .parse()
                    .with_context(|| format!("{name} must be a whole number, not {v:?}")),
                None => Ok(default),
            }
        };
        let bind = match get("STOREFRONT_BIND") {
            Some(v) => v.parse().with_context(|| {
                format!("STOREFRONT_BIND must be an address like 127.0.0.1:8080, not {v:?}")
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let url = required("ODOO_URL")?;
        let database = required("ODOO_DB")?;
        let user = required("ODOO_USER")?;
        let credentials = match (get("ODOO_API_KEY"), get("ODOO_PASSWORD")) {
            (Some(key), _) => Credentials::api_key(user, key),
            (None, Some(password)) => Credentials::new(user, password),
            (None, None) => bail!("the setting ODOO_PASSWORD (or ODOO_API_KEY) is missing"),
        };
        let transport = match get("ODOO_TRANSPORT") {
            Some(t) => t.parse().context("ODOO_TRANSPORT")?,
            None => Transport::XmlRpc,
        };
        let languages: Vec<String> = get("SHOP_LANGUAGES")
            .unwrap_or_else(|| "fr_FR,en_US".into())
            .split(',')
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        if languages.iter().any(|l| {
            !l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
        }) {
            bail!("SHOP_LANGUAGES must list Odoo language codes like fr_FR,en_US");
        }
        let admin_token = get("STOREFRONT_ADMIN_TOKEN");
        if admin_token.as_ref().is_some_and(|t| t.len() < 16) {
            bail!("STOREFRONT_ADMIN_TOKEN must be at least 16 characters long");
        }
        let resync = number("STOREFRONT_RESYNC_SECS", 300)?;
        let small = |name: &str, default: u32| -> anyhow::Result<u32> {
            u32::try_from(number(name, u64::from(default))?).with_context(|| format!("{name} is too large"))
        };
        let tax_display = match get("SHOP_TAX_DISPLAY").as_deref() {
            None | Some("included") => TaxDisplay::Included,
            Some("excluded") => TaxDisplay::Excluded,
            Some(other) => bail!("SHOP_TAX_DISPLAY must be included or excluded, not {other:?}"),
        };
        let minimum_order = match get("SHOP_MINIMUM_ORDER") {
            Some(v) => v
                .parse::<Decimal>()
                .ok()
                .filter(|d| !d.is_sign_negative())
                .with_context(|| format!("SHOP_MINIMUM_ORDER must be an amount like 10.00, not {v:?}"))?,
            None => Decimal::new(1000, 2),
        };
        let default_pricelist = match get("SHOP_DEFAULT_PRICELIST") {
            Some(v) => Some(
                v.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .with_context(|| format!("SHOP_DEFAULT_PRICELIST must be a pricelist id, not {v:?}"))?,
            ),
            None => None,
        };
        let company = match get("SHOP_COMPANY") {
            Some(v) => Some(
                v.parse::<connector::CompanyChoice>()
                    .ok()
                    .with_context(|| format!("SHOP_COMPANY must be a company id or name, not {v:?}"))?,
            ),
            None => None,
        };
        let time_zone = match get("SHOP_TIMEZONE") {
            Some(v) => v.parse::<chrono_tz::Tz>().map_err(|_| {
                anyhow::anyhow!("SHOP_TIMEZONE must be a time zone like Europe/Paris, not {v:?}")
            })?,
            None => chrono_tz::Europe::Paris,
        };
        let pickup_capacity = match get("SHOP_PICKUP_CAPACITY") {
            Some(_) => Some(small("SHOP_PICKUP_CAPACITY", 0)?),
            None => None,
        };
        let session_secret = get("STOREFRONT_SESSION_SECRET");
        if session_secret.as_ref().is_some_and(|s| s.len() < 32) {
            bail!("STOREFRONT_SESSION_SECRET must be at least 32 characters long");
        }
        let public_url = get("STOREFRONT_PUBLIC_URL");
        if let Some(u) = &public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                bail!("STOREFRONT_PUBLIC_URL must start with http:// or https://, not {u:?}");
            }
        }
        let webhook_secret = get("STOREFRONT_WEBHOOK_SECRET");
        if let Some(secret) = &webhook_secret {
            if secret.len() < 24
                || !secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                bail!(
                    "STOREFRONT_WEBHOOK_SECRET must be at least 24 characters of A-Z, a-z, 0-9, - and _ \
                     (it is part of an address)"
                );
            }
        }
        let database_url = get("STOREFRONT_DATABASE_URL");
        if let Some(u) = &database_url {
            if !(u.starts_with("sqlite:") || u.starts_with("postgres://") || u.starts_with("postgresql://")) {
                bail!("STOREFRONT_DATABASE_URL must start with sqlite: or postgres://");
            }
        }
        let demo_logins = get("SHOP_DEMO_LOGINS")
            .map(|v| {
                v.split(',')
                    .filter_map(|pair| {
                        let (login, password) = pair.split_once(':')?;
                        Some((login.trim().to_owned(), password.trim().to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let on_off = |name: &str| -> anyhow::Result<bool> {
            match get(name).as_deref() {
                None | Some("on") => Ok(true),
                Some("off") => Ok(false),
                Some(other) => bail!("{name} must be on or off, not {other:?}"),
            }
        };
        let staff = match get("SHOP_STAFF") {
            None => Staff::OwnTeam,
            Some(v) => match v.split_once(':') {
                Some(("user", who)) if !who.trim().is_empty() => Staff::User(who.trim().to_owned()),
                Some(("team", team)) if !team.trim().is_empty() => Staff::Team(team.trim().to_owned()),
                _ => {
                    bail!("SHOP_STAFF must be user:<login or id> or team:<sales team name or id>, not {v:?}")
                }
            },
        };
        let show_stock = match get("SHOP_SHOW_STOCK").as_deref() {
            None | Some("off") => StockDisplay::Off,
            Some("low") => StockDisplay::Low,
            Some("exact") => StockDisplay::Exact,
            Some(other) => bail!("SHOP_SHOW_STOCK must be off, low or exact, not {other:?}"),
        };
        let low_stock = match get("SHOP_LOW_STOCK") {
            Some(v) => v
                .parse::<Decimal>()
                .ok()
                .filter(|d| d.is_sign_positive() && !d.is_zero())
                .with_context(|| format!("SHOP_LOW_STOCK must be a positive quantity like 5, not {v:?}"))?,
            None => Decimal::from(5),
        };
        let inform = InformSettings {
            order_mail: on_off("SHOP_ORDER_MAIL")?,
            order_mail_template: get("SHOP_ORDER_MAIL_TEMPLATE"),
            staff,
            order_activity: on_off("SHOP_ORDER_ACTIVITY")?,
            order_activity_summary: get("SHOP_ORDER_ACTIVITY_SUMMARY"),
            order_activity_days_before: small("SHOP_ORDER_ACTIVITY_DAYS_BEFORE", 0)?.min(366),
            signup_activity: on_off("SHOP_SIGNUP_ACTIVITY")?,
            signup_activity_days: small("SHOP_SIGNUP_ACTIVITY_DAYS", 1)?.min(366),
            ready_tag: get("SHOP_READY_TAG"),
            collected_tag: get("SHOP_COLLECTED_TAG"),
            show_stock,
            low_stock,
            warehouse: get("SHOP_WAREHOUSE"),
        };
        let cases = CaseSettings {
            summary: on_off("SHOP_SHARED_SUMMARY")?,
            rule: match get("SHOP_SHARED_CASES") {
                None => None,
                Some(v) if v == "off" => None,
                Some(v) => match v.split_once(':') {
                    Some(("tag", tag)) if !tag.trim().is_empty() => Some(CaseRule::Tag(tag.trim().to_owned())),
                    Some(("packaging", name)) if !name.trim().is_empty() => {
                        Some(CaseRule::Packaging(name.trim().to_owned()))
                    }
                    _ => bail!(
                        "SHOP_SHARED_CASES must be off, tag:<product tag> or packaging:<packaging name>, not {v:?}"
                    ),
                },
            },
            cutoff: match get("SHOP_SHARED_CUTOFF") {
                None => None,
                Some(v) => Some(parse_weekly(&v).with_context(|| {
                    format!("SHOP_SHARED_CUTOFF must be a weekday and a time, like tue 20:00, not {v:?}")
                })?),
            },
            short: match get("SHOP_SHARED_SHORT").as_deref() {
                None | Some("drop") => ShortCase::Drop,
                Some("complete") => ShortCase::Complete,
                Some(other) => bail!("SHOP_SHARED_SHORT must be drop or complete, not {other:?}"),
            },
            partner: match get("SHOP_SHARED_PARTNER") {
                None => None,
                Some(v) => Some(
                    v.parse::<i64>()
                        .ok()
                        .filter(|id| *id > 0)
                        .with_context(|| format!("SHOP_SHARED_PARTNER must be a partner id, not {v:?}"))?,
                ),
            },
        };
        if cases.short == ShortCase::Complete && cases.partner.is_none() {
            bail!("SHOP_SHARED_SHORT=complete needs SHOP_SHARED_PARTNER: the partner whose quotation takes what is missing");
        }
        let shop = ShopSettings {
            name: get("SHOP_NAME"),
            home_text: get("SHOP_HOME_TEXT").unwrap_or_default(),
            tax_display,
            minimum_order,
            default_pricelist,
            company,
            time_zone,
            pickup_category: get("SHOP_PICKUP_CATEGORY").unwrap_or_else(|| "Pickup".into()),
            pickup_cutoff_hours: small("SHOP_PICKUP_CUTOFF_HOURS", 12)?,
            pickup_horizon_days: small("SHOP_PICKUP_HORIZON_DAYS", 14)?.clamp(1, 366),
            pickup_capacity,
            password_reset_url: get("SHOP_PASSWORD_RESET_URL")
                .unwrap_or_else(|| format!("{}/web/reset_password", url.trim_end_matches('/'))),
            demo_logins,
            inform,
            cases,
        };
        Ok(Settings {
            shop_key: DEFAULT_SHOP.to_owned(),
            hosts: Vec::new(),
            store_schema: None,
            bind,
            odoo: OdooSettings {
                url,
                database,
                credentials,
                transport,
                timeout: Duration::from_secs(number("ODOO_TIMEOUT_SECS", 30)?.max(1)),
            },
            languages,
            resync_every: (resync > 0).then(|| Duration::from_secs(resync)),
            probe_every: {
                let probe = number("STOREFRONT_PROBE_SECS", 60)?;
                (probe > 0).then(|| Duration::from_secs(probe))
            },
            admin_token,
            data_dir: get("STOREFRONT_DATA_DIR").unwrap_or_else(|| "data".into()).into(),
            shop,
            database_url,
            session_secret,
            public_url,
            override_dir: get("STOREFRONT_OVERRIDE_DIR").map(Into::into),
            outbox_every: Duration::from_secs(number("STOREFRONT_OUTBOX_SECS", 15)?.max(1)),
            stock_every: Duration::from_secs(number("STOREFRONT_STOCK_SECS", 60)?.max(1)),
            cases_every: Duration::from_secs(number("STOREFRONT_CASES_SECS", 5)?.max(1)),
            trusted_proxies: crate::http::proxies::TrustedProxies::parse(
                &get("STOREFRONT_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|e| anyhow::anyhow!("STOREFRONT_TRUSTED_PROXIES: {e}"))?,
            webhook_secret,
        })
    }

    /// The address Odoo's automation rules call to tell the shop what
    /// changed: `<STOREFRONT_PUBLIC_URL>/hooks/odoo/<STOREFRONT_WEBHOOK_SECRET>`,
    /// when both are set.
    pub fn webhook_url(&self) -> Option<String> {
        let base = self.public_url.as_deref()?.trim_end_matches('/');
        let secret = self.webhook_secret.as_deref()?;
        Some(format!("{base}/hooks/odoo/{secret}"))
    }

    /// The file of the last snapshot.
    pub fn snapshot_file(&self) -> std::path::PathBuf {
        self.data_dir.join("snapshot.json")
    }

    /// The mirror's configuration.
    pub fn mirror(&self) -> MirrorConfig {
        MirrorConfig {
            languages: self.languages.clone(),
            pickup_category: self.shop.pickup_category.clone(),
            pickup_horizon: chrono::TimeDelta::days(i64::from(self.shop.pickup_horizon_days) + 1),
            company: self.shop.company.clone(),
            ..MirrorConfig::default()
        }
    }

    /// Whether customers reach the shop over HTTPS (cookies are then Secure).
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// Reads a settings file: `NAME=value` lines, blank lines and `#` comments;
/// a value may be quoted.
/// A weekly moment: a weekday (English, three letters or whole) and a time,
/// e.g. `tue 20:00`.
fn parse_weekly(text: &str) -> Option<(chrono::Weekday, chrono::NaiveTime)> {
    let (day, time) = text.trim().split_once(char::is_whitespace)?;
    let day: chrono::Weekday = day.trim().parse().ok()?;
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    Some((day, time))
}

/// The settings of `STOREFRONT_SETTINGS_FILE`, if it names a file.
fn settings_file() -> anyhow::Result<std::collections::HashMap<String, String>> {
    match std::env::var("STOREFRONT_SETTINGS_FILE") {
        Ok(path) if !path.trim().is_empty() => {
            let text = std::fs::read_to_string(path.trim())
                .with_context(|| format!("cannot read STOREFRONT_SETTINGS_FILE={path}"))?;
            parse_settings_file(&text).context("STOREFRONT_SETTINGS_FILE")
        }
        _ => Ok(std::collections::HashMap::new()),
    }
}

fn parse_settings_file(text: &str) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut map = std::collections::HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            bail!("line {}: expected NAME=value", n + 1);
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        map.insert(name.trim().to_owned(), value.to_owned());
    }
    Ok(map)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[
        ("ODOO_URL", "http://odoo"),
        ("ODOO_DB", "shop"),
        ("ODOO_USER", "u"),
        ("ODOO_PASSWORD", "p"),
    ];

    #[test]
    fn defaults() {
        let s = settings(BASE).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.languages, ["fr_FR", "en_US"]);
        assert_eq!(s.resync_every, Some(Duration::from_secs(300)));
        assert_eq!(s.probe_every, Some(Duration::from_secs(60)));
        assert!(s.admin_token.is_none());
        assert_eq!(s.shop.minimum_order.to_string(), "10.00");
        assert_eq!(s.shop.tax_display, TaxDisplay::Included);
        assert_eq!(s.shop.password_reset_url, "http://odoo/web/reset_password");
        assert!(!s.https());
    }

    #[test]
    fn webhook_url_needs_the_public_url_and_the_secret() {
        let secret = ("STOREFRONT_WEBHOOK_SECRET", "s3cret-s3cret-s3cret-s3cret");
        let public = ("STOREFRONT_PUBLIC_URL", "https://shop.example.com/");
        let mut both = BASE.to_vec();
        both.extend([secret, public]);
        assert_eq!(
            settings(&both).unwrap().webhook_url().as_deref(),
            Some("https://shop.example.com/hooks/odoo/s3cret-s3cret-s3cret-s3cret")
        );
        let mut only_secret = BASE.to_vec();
        only_secret.push(secret);
        assert_eq!(settings(&only_secret).unwrap().webhook_url(), None);
        assert_eq!(settings(BASE).unwrap().webhook_secret, None);
    }

    #[test]
    fn settings_file_lines() {
        let map =
            parse_settings_file("# shop\nSHOP_NAME = \"Chez Nous\"\n\nSHOP_MINIMUM_ORDER=15\n").unwrap();
        assert_eq!(map["SHOP_NAME"], "Chez Nous");
        assert_eq!(map["SHOP_MINIMUM_ORDER"], "15");
        assert!(parse_settings_file("just words").is_err());
    }

    #[test]
    fn bad_settings_are_named() {
        for (pairs, name) in [
            (
                &[("ODOO_DB", "shop"), ("ODOO_USER", "u"), ("ODOO_PASSWORD", "p")][..],
                "ODOO_URL",
            ),
            (&[("STOREFRONT_BIND", "everywhere")][..], "STOREFRONT_BIND"),
            (
                &[("STOREFRONT_RESYNC_SECS", "soon")][..],
                "STOREFRONT_RESYNC_SECS",
            ),
            (&[("ODOO_TRANSPORT", "soap")][..], "ODOO_TRANSPORT"),
            (&[("STOREFRONT_PROBE_SECS", "often")][..], "STOREFRONT_PROBE_SECS"),
            (
                &[("STOREFRONT_ADMIN_TOKEN", "short")][..],
                "STOREFRONT_ADMIN_TOKEN",
            ),
            (&[("SHOP_LANGUAGES", "fr_FR,<script>")][..], "SHOP_LANGUAGES"),
            (&[("SHOP_TAX_DISPLAY", "maybe")][..], "SHOP_TAX_DISPLAY"),
            (&[("SHOP_MINIMUM_ORDER", "-5")][..], "SHOP_MINIMUM_ORDER"),
            (&[("SHOP_MINIMUM_ORDER", "ten")][..], "SHOP_MINIMUM_ORDER"),
            (&[("SHOP_TIMEZONE", "Mars/Olympus")][..], "SHOP_TIMEZONE"),
            (
                &[("SHOP_PICKUP_CUTOFF_HOURS", "-1")][..],
                "SHOP_PICKUP_CUTOFF_HOURS",
            ),
            (
                &[("SHOP_DEFAULT_PRICELIST", "zero")][..],
                "SHOP_DEFAULT_PRICELIST",
            ),
            (
                &[("STOREFRONT_SESSION_SECRET", "short")][..],
                "STOREFRONT_SESSION_SECRET",
            ),
            (
                &[("STOREFRONT_PUBLIC_URL", "shop.example.com")][..],
                "STOREFRONT_PUBLIC_URL",
            ),
            (
                &[("STOREFRONT_DATABASE_URL", "mysql://x")][..],
                "STOREFRONT_DATABASE_URL",
            ),
            (
                &[("STOREFRONT_WEBHOOK_SECRET", "too-short")][..],
                "STOREFRONT_WEBHOOK_SECRET",
            ),
            (
                &[("STOREFRONT_WEBHOOK_SECRET", "long-enough-but/has?slash&more")][..],
                "STOREFRONT_WEBHOOK_SECRET",
            ),
        ] {
            let mut all: Vec<(&str, &str)> = BASE
                .iter()
                .copied()
                .filter(|(k, _)| pairs.iter().all(|(p, _)| p != k))
                .collect();
            if name != "ODOO_URL" {
                all.extend_from_slice(pairs);
            } else {
                all = pairs.to_vec();
            }
            let err = settings(&all).unwrap_err();
            assert!(format!("{err:#}").contains(name), "{name}: {err:#}");
        }
    }
}
