//! The storefront binary: `serve` runs the server; `sync` is for cron.

use std::process::ExitCode;

use anyhow::Context as _;
use connector::mirror::Mirror;

const USAGE: &str = "usage: storefront demo [--grow N] | serve | sync [--shop KEY] | odoo-setup [--remove] [--shop KEY] | healthcheck

Commands:
  demo    try the shop: an Odoo double with a demo bakery-grocery and the
          storefront against it, on STOREFRONT_BIND (default 127.0.0.1:8080);
          prints the address and demo logins. --grow N adds N products.
  serve   run the shop (see the README): pages, JSON API, /healthz, /readyz,
          /metrics, admin endpoints; the mirror is synced at start and every
          STOREFRONT_RESYNC_SECS, orders are delivered to Odoo by the outbox
  sync    read the catalog from Odoo once and print a one-line summary
          (exit status 1 and a one-line message when Odoo cannot be read);
          with several shops (STOREFRONT_SHOPS), every shop's, or --shop KEY's
  odoo-setup  make Odoo 17+ call the shop when the catalog changes: creates
          or updates its automation rules (webhooks to STOREFRONT_PUBLIC_URL
          /hooks/odoo/STOREFRONT_WEBHOOK_SECRET), one line per rule; needs an
          Odoo administrator, ODOO_SETUP_USER and ODOO_SETUP_PASSWORD (else
          ODOO_USER). --remove deletes them. Odoo 16: the probe and timer only.
          With several shops, every shop's rules, or --shop KEY's.
  healthcheck  exit 0 if the server on STOREFRONT_BIND answers /healthz

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
  STOREFRONT_PROBE_SECS  seconds between probes of what changed in Odoo, 0 for none (default: 60)
  STOREFRONT_ADMIN_TOKEN  bearer token of the admin endpoints (at least 16
                   characters; without it they do not exist)
  STOREFRONT_DATA_DIR  the snapshot, the SQLite store, the session key (default: data)
  STOREFRONT_LOG   the log level of serve: error, warn, info, debug, trace (default: info)
  STOREFRONT_LOG_FORMAT  text or json (default: text)
  STOREFRONT_PUBLIC_URL, STOREFRONT_WEBHOOK_SECRET  the address Odoo's webhooks call
  ODOO_SETUP_USER, ODOO_SETUP_PASSWORD  the Odoo administrator odoo-setup logs in as
  The shop's other settings (SHOP_*, STOREFRONT_*) are in the README.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    match command {
        Some("sync") => run(sync(&args[1..])),
        Some("serve") => run(serve()),
        Some("demo") => run(demo(&args[1..])),
        Some("odoo-setup") => run(odoo_setup(&args[1..])),
        Some("healthcheck") => run(healthcheck()),
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

/// Writes `text` and a newline to standard output; a closed output (the
/// reader went away) is not a reason to stop, nor to panic.
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

fn run(result: anyhow::Result<String>) -> ExitCode {
    match result {
        Ok(line) => {
            say(&line);
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
    let shops = storefront::app::settings::Settings::all_from_env()?;
    let _log = storefront::http::logging::init_from_env()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let app = storefront::app::startup::Application::build_all(shops).await?;
        tracing::info!(port = app.port(), "storefront listening");
        app.run_until_stopped().await?;
        Ok("storefront: stopped".to_owned())
    })
}

fn demo(args: &[String]) -> anyhow::Result<String> {
    let grow = match args {
        [] => 0,
        [flag, n] if flag == "--grow" => n
            .parse()
            .with_context(|| format!("--grow needs a number of products, not {n:?}"))?,
        _ => anyhow::bail!("usage: storefront demo [--grow N]"),
    };
    let bind: std::net::SocketAddr = std::env::var("STOREFRONT_BIND")
        .unwrap_or_else(|_| "127.0.0.1:8080".into())
        .parse()
        .context("STOREFRONT_BIND must be an address like 127.0.0.1:8080")?;
    let data =
        std::path::PathBuf::from(std::env::var("STOREFRONT_DATA_DIR").unwrap_or_else(|_| "data/demo".into()));
    // Each demo starts afresh: the double's data lives in memory only.
    let _ = std::fs::remove_dir_all(data.join("shops"));
    for stale in [
        "snapshot.json",
        "storefront.db",
        "storefront.db-wal",
        "storefront.db-shm",
    ] {
        let _ = std::fs::remove_file(data.join(stale));
    }
    if std::env::var("STOREFRONT_LOG").is_err() {
        std::env::set_var("STOREFRONT_LOG", "warn");
    }
    let _log = storefront::http::logging::init_from_env()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let demo = storefront::app::demo::start(bind, &data, grow).await?;
        let port = demo.app.port();
        let mut lines = vec![format!("Demo shop: http://{}:{port}/", bind.ip())];
        for (login, password) in storefront::app::demo::LOGINS {
            lines.push(format!("  log in as {login} / {password}"));
        }
        lines.push(format!(
            "Second shop, the grocery (another Odoo company, same process): http://{}:{port}/",
            storefront::app::demo::GROCERY_HOST
        ));
        for (login, password) in storefront::app::demo::GROCERY_LOGINS {
            lines.push(format!("  log in as {login} / {password}"));
        }
        lines.push(format!(
            "  (the bakery also answers at http://{}:{port}/; *.localhost is this machine)",
            storefront::app::demo::BAKERY_HOST
        ));
        lines.push(format!(
            "Odoo double (XML-RPC): {}  (admin / admin)",
            demo.odoo.url()
        ));
        lines.push(format!("Admin token: {}", demo.admin_token));
        lines.push("Stop with Ctrl-C.".to_owned());
        say(&lines.join("\n"));
        demo.app.run_until_stopped().await?;
        Ok("storefront: stopped".to_owned())
    })
}

fn healthcheck() -> anyhow::Result<String> {
    use std::io::{Read as _, Write as _};
    let mut addr: std::net::SocketAddr = std::env::var("STOREFRONT_BIND")
        .unwrap_or_else(|_| "127.0.0.1:8080".into())
        .parse()
        .context("STOREFRONT_BIND must be an address like 127.0.0.1:8080")?;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let timeout = std::time::Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout).context("cannot connect")?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    anyhow::ensure!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
        "unhealthy"
    );
    Ok("healthy".to_owned())
}

/// The shops a command acts on: every shop, or `--shop KEY`'s.
fn chosen_shops(args: &[String]) -> anyhow::Result<Vec<storefront::app::settings::Settings>> {
    let shops = storefront::app::settings::Settings::all_from_env()?;
    match args {
        [] => Ok(shops),
        [flag, key] if flag == "--shop" => {
            let known: Vec<String> = shops.iter().map(|s| s.shop_key.clone()).collect();
            let chosen: Vec<_> = shops.into_iter().filter(|s| s.shop_key == *key).collect();
            anyhow::ensure!(
                !chosen.is_empty(),
                "no shop {key:?} (STOREFRONT_SHOPS: {})",
                known.join(", ")
            );
            Ok(chosen)
        }
        _ => anyhow::bail!("usage: storefront sync|odoo-setup [--shop KEY]"),
    }
}

fn sync(args: &[String]) -> anyhow::Result<String> {
    let shops = chosen_shops(args)?;
    let several = shops.len() > 1
        || shops
            .iter()
            .any(|s| s.shop_key != storefront::app::settings::DEFAULT_SHOP);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut lines = Vec::new();
    for settings in shops {
        let url = settings.odoo.url.clone();
        let client = settings.odoo.client()?;
        let config = settings.mirror();
        let line = runtime.block_on(async {
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
            anyhow::Ok(format!("{} (over {over})", report.summary()))
        });
        let line = if several {
            line.with_context(|| format!("the shop {:?}", settings.shop_key))?
        } else {
            line?
        };
        lines.push(if several {
            format!("{}: {line}", settings.shop_key)
        } else {
            line
        });
    }
    Ok(lines.join("\n"))
}

fn odoo_setup(args: &[String]) -> anyhow::Result<String> {
    use storefront::app::odoo_setup;
    // `--shop KEY` anywhere: that shop's rules alone (default: every shop's).
    let (shop, rest): (Vec<String>, Vec<String>) = match args.iter().position(|a| a == "--shop") {
        Some(i) if i + 1 < args.len() => (
            args[i..=i + 1].to_vec(),
            args[..i].iter().chain(&args[i + 2..]).cloned().collect(),
        ),
        Some(_) => anyhow::bail!("usage: storefront odoo-setup [--remove] [--shop KEY]"),
        None => (Vec::new(), args.to_vec()),
    };
    let action = odoo_setup::Action::from_args(&rest)?;
    let shops = chosen_shops(&shop)?;
    let several = shops.len() > 1;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut lines = Vec::new();
    for settings in &shops {
        let done = runtime.block_on(odoo_setup::run(settings, |name| std::env::var(name).ok(), action));
        let done = if several {
            done.with_context(|| format!("the shop {:?}", settings.shop_key))?
        } else {
            done?
        };
        lines.extend(done.into_iter().map(|line| {
            if several {
                format!("{}: {line}", settings.shop_key)
            } else {
                line
            }
        }));
    }
    Ok(lines.join("\n"))
}
