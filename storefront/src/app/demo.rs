//! `storefront demo`: the Odoo double seeded with the demo shop, and the
//! storefront against it over real HTTP, both on loopback. For trying the
//! shop in one command; nothing here is used by `serve`.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use odoo_double::{Dataset, OdooDouble};

use crate::app::settings::Settings;
use crate::app::startup::Application;

/// The demo customers (the built-in shop's portal users).
pub const LOGINS: &[(&str, &str)] = &[
    ("claire@example.com", "claire-password"),
    ("camille@example.com", "camille-password"),
    ("pro@example.com", "pro-password"),
];

/// The grocery's demo customers (company 2).
pub const GROCERY_LOGINS: &[(&str, &str)] = &[("lea@example.com", "lea-password")];

/// The bakery's host name, besides the address it listens on.
pub const BAKERY_HOST: &str = "bakery.localhost";

/// The grocery's host name (`*.localhost` is loopback in browsers).
pub const GROCERY_HOST: &str = "grocery.localhost";

/// A running demo.
#[derive(Debug)]
pub struct Demo {
    /// The Odoo double.
    pub odoo: OdooDouble,
    /// The storefront, built and listening.
    pub app: Application,
    /// The admin token of the demo storefront.
    pub admin_token: String,
}

/// Starts the double with the demo shop (grown by `grow` products, for load
/// tests) on a free loopback port, and builds the storefront on `bind` with
/// its data in `data_dir`.
pub async fn start(bind: SocketAddr, data_dir: &Path, grow: usize) -> anyhow::Result<Demo> {
    anyhow::ensure!(
        bind.ip().is_loopback(),
        "the demo listens on loopback only, not on {bind}"
    );
    let dataset = Dataset::demo(chrono::Utc::now()).grown(grow);
    let odoo = OdooDouble::start(dataset)
        .await
        .context("cannot start the Odoo double")?;
    let admin_token = format!("demo-admin-{}", crate::store::ids::random_id());
    let logins: Vec<String> = LOGINS.iter().map(|(l, p)| format!("{l}:{p}")).collect();
    let vars = [
        ("STOREFRONT_BIND", bind.to_string()),
        ("STOREFRONT_DATA_DIR", data_dir.display().to_string()),
        ("ODOO_URL", odoo.url()),
        ("ODOO_DB", odoo.db().to_owned()),
        ("ODOO_USER", odoo.admin_login().to_owned()),
        ("ODOO_PASSWORD", odoo.admin_password().to_owned()),
        ("STOREFRONT_ADMIN_TOKEN", admin_token.clone()),
        ("STOREFRONT_RESYNC_SECS", "60".to_owned()),
        ("SHOP_LANGUAGES", "fr_FR,en_US".to_owned()),
        (
            "SHOP_HOME_TEXT",
            "Commandez en ligne, retirez à la boutique ou au marché. Pains, viennoiseries, fromages, \
             fruits et légumes de saison."
                .to_owned(),
        ),
        ("SHOP_DEMO_LOGINS", logins.join(",")),
        // Two shops in one process: the bakery (company 1) on loopback's
        // own names, the grocery (company 2) on grocery.localhost.
        ("STOREFRONT_SHOPS", "bakery,grocery".to_owned()),
        (
            "SHOPS_BAKERY_HOSTS",
            format!("{},localhost,{BAKERY_HOST}", bind.ip()),
        ),
        ("SHOPS_GROCERY_HOSTS", GROCERY_HOST.to_owned()),
        ("SHOPS_GROCERY_SHOP_COMPANY", "2".to_owned()),
        ("SHOPS_GROCERY_SHOP_NAME", "Épicerie Vrac & Co".to_owned()),
        (
            "SHOPS_GROCERY_SHOP_PICKUP_CATEGORY",
            "Retrait épicerie".to_owned(),
        ),
        // Its goods are weighed out of bins: no stock is said.
        ("SHOPS_GROCERY_SHOP_SHOW_STOCK", "off".to_owned()),
        (
            "SHOPS_GROCERY_SHOP_HOME_TEXT",
            "Épicerie en vrac : légumineuses, céréales, huiles et fruits secs. Apportez vos bocaux, \
             retirez au comptoir."
                .to_owned(),
        ),
        (
            "SHOPS_GROCERY_SHOP_DEMO_LOGINS",
            GROCERY_LOGINS
                .iter()
                .map(|(l, p)| format!("{l}:{p}"))
                .collect::<Vec<_>>()
                .join(","),
        ),
    ];
    // What the demo shows unless the environment says otherwise: how many
    // are left, the tag by which the staff mark an order collected, and
    // the products sold by the shared case (tagged so in the double).
    let defaults = [
        ("SHOP_SHOW_STOCK", "low"),
        ("SHOP_COLLECTED_TAG", "Retirée"),
        ("SHOP_SHARED_CASES", "tag:Achat groupé"),
    ];
    let shops = Settings::all_from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                std::env::var(name)
                    .ok()
                    .filter(|_| name.starts_with("SHOP_") || name == "STOREFRONT_WEBHOOK_SECRET")
            })
            .or_else(|| {
                defaults
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            })
    })?;
    let app = Application::build_all(shops).await?;
    for key in ["bakery", "grocery"] {
        if let Some(resync) = app.resync_of(key) {
            resync.attempted(1).await;
        }
    }
    Ok(Demo {
        odoo,
        app,
        admin_token,
    })
}
