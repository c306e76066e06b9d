//! The storefront binary. For now it offers the `sync` command that a cron
//! runs to check and refresh the mirror of the Odoo catalog.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use connector::mirror::{Mirror, MirrorConfig};
use connector::{Client, Credentials, Transport};

const USAGE: &str = "usage: storefront sync

Commands:
  sync    read the catalog from Odoo once and print a one-line summary
          (exit status 1 and a one-line message when Odoo cannot be read)

Settings (environment variables):
  ODOO_URL        the Odoo address, e.g. https://shop.example.com
  ODOO_DB         the database name
  ODOO_USER       the technical user's login
  ODOO_PASSWORD   its password or API key
  ODOO_API_KEY    its API key (instead of ODOO_PASSWORD; needed for JSON-2)
  ODOO_TRANSPORT  xmlrpc, json2 or auto (JSON-2 on Odoo 19+ with an API key) (default: xmlrpc)
  SHOP_LANGUAGES  the shop's languages, default language first (default: fr_FR,en_US)
  ODOO_TIMEOUT_SECS  the limit for one call to Odoo (default: 30)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    match command {
        Some("sync") => run(sync()),
        Some("--version" | "-V") => {
            println!("storefront {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(result: anyhow::Result<String>) -> ExitCode {
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            // One line: the cause chain, joined.
            eprintln!("storefront: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn setting(name: &str) -> anyhow::Result<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => bail!("the setting {name} is missing"),
    }
}

fn sync() -> anyhow::Result<String> {
    let url = setting("ODOO_URL")?;
    let timeout = match std::env::var("ODOO_TIMEOUT_SECS") {
        Ok(v) => v
            .trim()
            .parse::<u64>()
            .context("ODOO_TIMEOUT_SECS must be a whole number of seconds")?,
        Err(_) => 30,
    };
    let credentials = match std::env::var("ODOO_API_KEY") {
        Ok(key) if !key.trim().is_empty() => Credentials::api_key(setting("ODOO_USER")?, key.trim()),
        _ => Credentials::new(setting("ODOO_USER")?, setting("ODOO_PASSWORD")?),
    };
    let transport: Transport = match std::env::var("ODOO_TRANSPORT") {
        Ok(t) if !t.trim().is_empty() => t.parse().context("ODOO_TRANSPORT")?,
        _ => Transport::XmlRpc,
    };
    let client = Client::builder(&url)
        .database(setting("ODOO_DB")?)
        .credentials(credentials)
        .transport(transport)
        .timeout(Duration::from_secs(timeout))
        .build()?;
    let languages: Vec<String> = std::env::var("SHOP_LANGUAGES")
        .unwrap_or_else(|_| "fr_FR,en_US".into())
        .split(',')
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    let config = MirrorConfig {
        languages,
        ..MirrorConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let mirror = Mirror::new(client, config);
        let report = mirror
            .full_sync()
            .await
            .with_context(|| format!("sync from {url} failed"))?;
        let over = if mirror.client().uses_json2().await? {
            "JSON-2"
        } else {
            "XML-RPC"
        };
        Ok(format!("{} (over {over})", report.summary()))
    })
}
