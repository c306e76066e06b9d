//! Serves a dataset on a loopback address, for manual runs:
//!
//! ```text
//! odoo-double [--dataset FILE | --recordings DIR] [--addr 127.0.0.1:8069] [--series 17.0] [--db NAME] [--grow N]
//! ```
//!
//! Without `--dataset` or `--recordings` it serves the built-in shop.
//! Stop it with Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use odoo_double::{Dataset, OdooDouble};

const USAGE: &str = "usage: odoo-double [--dataset FILE | --recordings DIR] [--addr 127.0.0.1:8069] [--series 16.0|17.0|18.0|19.0] [--db NAME] [--grow N]";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("odoo-double: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut dataset = None;
    let mut addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8069));
    let mut series = None;
    let mut db = None;
    let mut grow = 0usize;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--dataset" => dataset = Some(Dataset::load(value("--dataset")?).map_err(|e| e.to_string())?),
            "--recordings" => {
                dataset = Some(Dataset::from_recordings(value("--recordings")?).map_err(|e| e.to_string())?)
            }
            "--addr" => {
                addr = value("--addr")?
                    .parse()
                    .map_err(|e| format!("invalid address: {e}"))?
            }
            "--series" => series = Some(value("--series")?),
            "--db" => db = Some(value("--db")?),
            "--grow" => {
                grow = value("--grow")?
                    .parse()
                    .map_err(|e| format!("--grow needs a number of products: {e}"))?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !addr.ip().is_loopback() {
        return Err(format!(
            "{addr} is not a loopback address; the double is for local use only"
        ));
    }
    let mut dataset = dataset.unwrap_or_else(Dataset::shop).grown(grow);
    if let Some(series) = series {
        dataset = dataset.with_series(&series);
    }
    if let Some(db) = db {
        dataset = dataset.with_db(&db);
    }
    let double = OdooDouble::start_on(dataset, addr)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Odoo double ({} series, database {:?}) listening on {}",
        double.series(),
        double.db(),
        double.url()
    );
    if let Some(admin) = double.admin() {
        println!("technical user: {} / {}", admin.login, admin.password);
        if let Some(key) = &admin.api_key {
            println!("API key: {key}");
            if double
                .series()
                .split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok())
                >= Some(19)
            {
                println!(
                    "JSON-2: POST {}/json/2/<model>/<method> with \"Authorization: bearer <key>\"",
                    double.url()
                );
            }
        }
    }
    for user in double.portal_users() {
        println!("portal user: {} / {}", user.login, user.password);
    }
    match double.serve_forever().await {}
}
