//! The shop's company: a shop is one Odoo company.
//!
//! A database may hold several companies (a group of shops sharing one
//! Odoo). The shop sells the products of its company and of none, prices
//! them with its company's taxes, and writes its orders in that company.
//! It is chosen by id or by name ([`CompanyChoice`], the storefront's
//! `SHOP_COMPANY`), or is the technical user's current company. The client
//! then works in it alone ([`Client::settle_company`]): Odoo's company
//! rules hide what belongs to another company.

use std::fmt;
use std::str::FromStr;

use crate::client::Client;
use crate::domain::field;
use crate::error::{Error, FaultKind};
use crate::records::{FieldSpec, Many2one, Record};
use crate::xmlrpc::Fault;

/// How the shop names its company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyChoice {
    /// Its id.
    Id(i64),
    /// Its name, exactly as in Odoo.
    Name(String),
}

impl FromStr for CompanyChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::Config(
                "the company is empty: give its id or its name".into(),
            ));
        }
        Ok(match s.parse::<i64>() {
            Ok(id) if id > 0 => CompanyChoice::Id(id),
            Ok(_) => return Err(Error::Config(format!("{s} is not a company id"))),
            Err(_) => CompanyChoice::Name(s.to_owned()),
        })
    }
}

impl fmt::Display for CompanyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompanyChoice::Id(id) => write!(f, "company {id}"),
            CompanyChoice::Name(name) => write!(f, "company {name:?}"),
        }
    }
}

#[derive(serde::Deserialize)]
struct UserCompanies {
    company_id: Many2one,
    #[serde(with = "crate::records::fields::x2many", default)]
    company_ids: Vec<i64>,
}

impl Record for UserCompanies {
    const MODEL: &'static str = "res.users";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::required(&["company_id"]),
        FieldSpec::required(&["company_ids"]),
    ];
}

/// The id of the company `choice` names (the technical user's current
/// company when `None`), checked to be one the technical user may work
/// in. Asks Odoo without a company context, so that every company of the
/// user is visible.
pub async fn resolve(client: &Client, choice: Option<&CompanyChoice>) -> Result<i64, Error> {
    let uid = client.uid().await?;
    let user: Vec<UserCompanies> = client.read_records(&[uid]).await?;
    let user = user
        .into_iter()
        .next()
        .ok_or_else(|| refused(format!("the technical user {uid} cannot be read")))?;
    let id = match choice {
        None => return Ok(user.company_id.id),
        Some(CompanyChoice::Id(id)) => *id,
        Some(CompanyChoice::Name(name)) => {
            let found = client
                .model("res.company")
                .search(field("name").eq(name.as_str()))
                .active_test(false)
                .send()
                .await?;
            match found.as_slice() {
                [id] => *id,
                [] => return Err(refused(format!("Odoo has no company named {name:?}"))),
                _ => {
                    return Err(refused(format!(
                        "Odoo has several companies named {name:?}: give SHOP_COMPANY as an id ({found:?})"
                    )))
                }
            }
        }
    };
    if id != user.company_id.id && !user.company_ids.contains(&id) {
        return Err(refused(format!(
            "the technical user may not work in company {id}: add it to the user's allowed companies in Odoo"
        )));
    }
    Ok(id)
}

fn refused(message: String) -> Error {
    Error::from_fault(
        "res.company",
        Fault {
            code: FaultKind::AccessError.code(),
            string: message,
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_an_id_or_a_name() {
        assert_eq!("3".parse::<CompanyChoice>().unwrap(), CompanyChoice::Id(3));
        assert_eq!(
            " Épicerie du Port ".parse::<CompanyChoice>().unwrap(),
            CompanyChoice::Name("Épicerie du Port".into())
        );
        assert!("0".parse::<CompanyChoice>().is_err());
        assert!("-2".parse::<CompanyChoice>().is_err());
        assert!("  ".parse::<CompanyChoice>().is_err());
    }
}
