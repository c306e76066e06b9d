//! Typed settings, read once at start from the environment. A bad value
//! stops the program with a message naming the setting.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context as _};
use connector::mirror::MirrorConfig;
use connector::{Client, Credentials, Transport};

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
        Ok(Client::builder(&self.url)
            .database(&self.database)
            .credentials(self.credentials.clone())
            .transport(self.transport)
            .timeout(self.timeout)
            .build()?)
    }
}

/// Everything the storefront is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
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
    /// `STOREFRONT_ADMIN_TOKEN`: the bearer token of the admin endpoints;
    /// without it they answer 404.
    pub admin_token: Option<String>,
    /// `STOREFRONT_DATA_DIR`: where the storefront keeps its files, such as
    /// the last snapshot (default `data`).
    pub data_dir: std::path::PathBuf,
}

impl Settings {
    /// Reads the settings from the environment.
    pub fn from_env() -> anyhow::Result<Settings> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in
    /// tests).
    ///
    /// ```
    /// use storefront::settings::Settings;
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
        Ok(Settings {
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
            admin_token,
            data_dir: get("STOREFRONT_DATA_DIR").unwrap_or_else(|| "data".into()).into(),
        })
    }

    /// The file of the last snapshot.
    pub fn snapshot_file(&self) -> std::path::PathBuf {
        self.data_dir.join("snapshot.json")
    }

    /// The mirror's configuration.
    pub fn mirror(&self) -> MirrorConfig {
        MirrorConfig {
            languages: self.languages.clone(),
            ..MirrorConfig::default()
        }
    }
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
        assert!(s.admin_token.is_none());
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
            (
                &[("STOREFRONT_ADMIN_TOKEN", "short")][..],
                "STOREFRONT_ADMIN_TOKEN",
            ),
            (&[("SHOP_LANGUAGES", "fr_FR,<script>")][..], "SHOP_LANGUAGES"),
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
