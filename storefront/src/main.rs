//! The storefront binary: `serve` runs the server; `sync` is for cron.

use std::process::ExitCode;

use anyhow::Context as _;
use connector::mirror::Mirror;

const USAGE: &str = "usage: storefront serve | storefront sync

Commands:
  serve   run the server: /healthz, /readyz, POST /admin/resync; the mirror
          is synced at start and every STOREFRONT_RESYNC_SECS
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
  ODOO_TIMEOUT_SECS  the limit for one call to Odoo (default: 30)
  STOREFRONT_BIND  the address the server listens on (default: 127.0.0.1:8080)
  STOREFRONT_RESYNC_SECS  seconds between resyncs, 0 for none (default: 300)
  STOREFRONT_ADMIN_TOKEN  bearer token of the admin endpoints (at least 16
                   characters; without it they do not exist)
  STOREFRONT_DATA_DIR  where the last snapshot is kept (default: data)
  STOREFRONT_LOG   the log level of serve: error, warn, info, debug, trace (default: info)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    match command {
        Some("sync") => run(sync()),
        Some("serve") => run(serve()),
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

fn serve() -> anyhow::Result<String> {
    let settings = storefront::settings::Settings::from_env()?;
    // Logs to standard error; STOREFRONT_LOG picks the level (default info).
    let level = match std::env::var("STOREFRONT_LOG")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "" | "info" => tracing::Level::INFO,
        "error" => tracing::Level::ERROR,
        "warn" => tracing::Level::WARN,
        "debug" => tracing::Level::DEBUG,
        "trace" => tracing::Level::TRACE,
        other => anyhow::bail!("STOREFRONT_LOG must be error, warn, info, debug or trace, not {other:?}"),
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let app = storefront::startup::Application::build(settings).await?;
        tracing::info!(port = app.port(), "storefront listening");
        app.run_until_stopped().await?;
        Ok("storefront: stopped".to_owned())
    })
}

fn sync() -> anyhow::Result<String> {
    let settings = storefront::settings::Settings::from_env()?;
    let url = settings.odoo.url.clone();
    let client = settings.odoo.client()?;
    let config = settings.mirror();
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
