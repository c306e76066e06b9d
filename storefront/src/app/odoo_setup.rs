//! `storefront odoo-setup [--remove]`: makes Odoo (17 and later) tell the
//! shop what changed, through automation rules whose webhook actions call
//! [`Settings::webhook_url`] (see [`connector::automation`]); `--remove`
//! takes them away. Odoo 16 has no webhook action: the shop's probe
//! (`STOREFRONT_PROBE_SECS`) and timer (`STOREFRONT_RESYNC_SECS`) keep the
//! mirror fresh there.
//!
//! Creating automation rules needs an Odoo administrator (group
//! *Administration / Settings*, `base.group_system`), which the shop's
//! technical user usually is not: `ODOO_SETUP_USER` and
//! `ODOO_SETUP_PASSWORD` (a password or an API key) name one, else the
//! shop's own `ODOO_USER` and its secret are used.

use anyhow::{bail, Context as _};
use connector::automation::{self, Outcome, RuleChange};
use connector::{Credentials, FaultKind, Transport};

use crate::app::settings::{OdooSettings, Settings};

/// What the command is to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create or update the rules.
    Install,
    /// Delete them.
    Remove,
}

impl Action {
    /// From the command's arguments: none, or `--remove`.
    pub fn from_args(args: &[String]) -> anyhow::Result<Action> {
        match args {
            [] => Ok(Action::Install),
            [flag] if flag == "--remove" => Ok(Action::Remove),
            _ => bail!("usage: storefront odoo-setup [--remove]"),
        }
    }
}

/// The Odoo settings of the administrator who sets up the rules:
/// `ODOO_SETUP_USER` with `ODOO_SETUP_PASSWORD` (read through `lookup`),
/// else the shop's own. A password does not open JSON-2, so with one the
/// setup speaks XML-RPC even when the shop speaks JSON-2.
pub fn admin_settings(
    odoo: &OdooSettings,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<OdooSettings> {
    let get = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut admin = odoo.clone();
    match (get("ODOO_SETUP_USER"), get("ODOO_SETUP_PASSWORD")) {
        (Some(user), Some(password)) => {
            admin.credentials = Credentials::new(user, password);
            if admin.transport == Transport::Json2 {
                admin.transport = Transport::Auto;
            }
        }
        (None, None) => {}
        (Some(_), None) => {
            bail!("ODOO_SETUP_USER is set but ODOO_SETUP_PASSWORD (its password or API key) is not")
        }
        (None, Some(_)) => {
            bail!("ODOO_SETUP_PASSWORD is set but ODOO_SETUP_USER (the administrator's login) is not")
        }
    }
    Ok(admin)
}

/// Runs the command; returns the lines to print: one per rule (`created`,
/// `updated`, `unchanged`, `removed`), the models skipped, and a summary
/// naming the address with its secret masked.
pub async fn run(
    settings: &Settings,
    lookup: impl Fn(&str) -> Option<String>,
    action: Action,
) -> anyhow::Result<Vec<String>> {
    let admin = admin_settings(&settings.odoo, lookup)?;
    let login = admin.credentials.login().to_owned();
    let client = admin.client()?;
    match action {
        Action::Install => {
            let url = settings.webhook_url().context(
                "odoo-setup needs the address Odoo is to call: set STOREFRONT_PUBLIC_URL (the shop's \
                 public address, reachable from Odoo) and STOREFRONT_WEBHOOK_SECRET (at least 24 \
                 characters of A-Z a-z 0-9 - _)",
            )?;
            let masked = automation::mask_url(&url);
            let report = automation::install(&client, &url)
                .await
                .map_err(|e| explain(e, &login, &admin.url))?;
            let mut lines: Vec<String> = report.rules.iter().map(line).collect();
            for model in &report.skipped_models {
                lines.push(format!(
                    "skipped   {model}: not in this database (its module is not installed)"
                ));
            }
            let count = |o: Outcome| report.rules.iter().filter(|r| r.outcome == o).count();
            lines.push(format!(
                "odoo-setup: {} rules calling {masked}: {} created, {} updated, {} unchanged; {} models skipped",
                report.rules.len(),
                count(Outcome::Created),
                count(Outcome::Updated),
                count(Outcome::Unchanged),
                report.skipped_models.len(),
            ));
            Ok(lines)
        }
        Action::Remove => {
            let removed = automation::remove(&client)
                .await
                .map_err(|e| explain(e, &login, &admin.url))?;
            let mut lines: Vec<String> = removed.iter().map(line).collect();
            lines.push(format!("odoo-setup: {} rules removed", removed.len()));
            Ok(lines)
        }
    }
}

fn line(rule: &RuleChange) -> String {
    format!("{:<9} {} (id {})", rule.outcome.label(), rule.name, rule.id)
}

/// An Odoo error, with what to do when the user is not an administrator.
fn explain(e: connector::Error, login: &str, url: &str) -> anyhow::Error {
    let hint = match e.fault_kind() {
        Some(FaultKind::AccessError) => Some(format!(
            "{login} may not manage automation rules: log in as an Odoo administrator (group \
             Administration / Settings) with ODOO_SETUP_USER and ODOO_SETUP_PASSWORD"
        )),
        Some(FaultKind::AccessDenied) => Some(format!(
            "check the login and secret odoo-setup uses at {url} (ODOO_SETUP_USER and \
             ODOO_SETUP_PASSWORD, else ODOO_USER's)"
        )),
        _ => None,
    };
    let e = anyhow::Error::new(e);
    match hint {
        Some(hint) => e.context(hint),
        None => e,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        let base = [
            ("ODOO_URL", "https://odoo.example.com"),
            ("ODOO_DB", "shop"),
            ("ODOO_USER", "storefront"),
            ("ODOO_API_KEY", "0123456789abcdef"),
            ("ODOO_TRANSPORT", "json2"),
        ];
        let lookup = |name: &str| {
            vars.iter()
                .chain(base.iter())
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Settings::from_lookup(lookup).unwrap()
    }

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_administrator_replaces_the_shops_user_when_given() {
        let s = settings(&[]);
        let same = admin_settings(&s.odoo, lookup(&[])).unwrap();
        assert_eq!(same.credentials.login(), "storefront");
        assert!(same.credentials.is_api_key());
        assert_eq!(same.transport, Transport::Json2);

        let admin = admin_settings(
            &s.odoo,
            lookup(&[("ODOO_SETUP_USER", "admin"), ("ODOO_SETUP_PASSWORD", "admin")]),
        )
        .unwrap();
        assert_eq!(admin.credentials.login(), "admin");
        // A password does not open JSON-2: the setup decides, XML-RPC for it.
        assert_eq!(admin.transport, Transport::Auto);
        assert_eq!(admin.url, s.odoo.url);
        assert_eq!(admin.database, s.odoo.database);

        for half in [[("ODOO_SETUP_USER", "admin")], [("ODOO_SETUP_PASSWORD", "admin")]] {
            assert!(admin_settings(&s.odoo, lookup(&half)).is_err());
        }
    }

    #[test]
    fn the_command_takes_remove_or_nothing() {
        assert_eq!(Action::from_args(&[]).unwrap(), Action::Install);
        assert_eq!(Action::from_args(&["--remove".into()]).unwrap(), Action::Remove);
        assert!(Action::from_args(&["--force".into()]).is_err());
    }

    #[tokio::test]
    async fn install_needs_the_webhook_address() {
        let err = run(&settings(&[]), lookup(&[]), Action::Install)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("STOREFRONT_PUBLIC_URL"), "{err}");
        assert!(err.contains("STOREFRONT_WEBHOOK_SECRET"), "{err}");
    }
}
