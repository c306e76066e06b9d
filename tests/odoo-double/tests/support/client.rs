//! The connector's client on a double, for the tests that drive the double
//! as the storefront does, and reading its answers.

use connector::xmlrpc::{Struct, Value};
use connector::{Client, Credentials, Transport};
use odoo_double::{Dataset, OdooDouble};

/// A double on `dataset`.
pub async fn start(dataset: Dataset) -> OdooDouble {
    OdooDouble::start(dataset).await.unwrap()
}

/// The connector's client on `double`, as its admin over XML-RPC.
pub fn client(double: &OdooDouble) -> Client {
    client_as(double, double.admin_login(), double.admin_password())
}

/// The connector's client on `double`, as `login` over XML-RPC.
pub fn client_as(double: &OdooDouble, login: &str, password: &str) -> Client {
    Client::builder(double.url())
        .database(double.db())
        .credentials(Credentials::new(login, password))
        .build()
        .unwrap()
}

/// The connector's client on `double`, as its admin over JSON-2 (19.0).
pub fn json2_client(double: &OdooDouble) -> Client {
    Client::builder(double.url())
        .database(double.db())
        .credentials(Credentials::api_key(
            double.admin_login(),
            double.admin_api_key().unwrap(),
        ))
        .transport(Transport::Json2)
        .build()
        .unwrap()
}

/// The id of a many2one as `read` answers it (`[id, name]`).
pub fn m2o(row: &Struct, field: &str) -> Option<i64> {
    match row.get(field) {
        Some(Value::Array(pair)) => pair.first().and_then(Value::as_i64),
        Some(Value::Int(id)) => Some(*id),
        _ => None,
    }
}
