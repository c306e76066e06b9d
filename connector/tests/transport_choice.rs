//! The transport setting: `auto` asks the server's version once and uses
//! JSON-2 on Odoo 19 and later when the credentials are an API key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use connector::{field, Client, Credentials, Transport};
use odoo_double::{Dataset, OdooDouble};

async fn chosen(series: &str, api_key: bool) -> (bool, Vec<String>) {
    let double = OdooDouble::start(Dataset::shop().with_series(series))
        .await
        .unwrap();
    let credentials = if api_key {
        Credentials::api_key(double.admin_login(), double.admin_api_key().unwrap())
    } else {
        Credentials::new(double.admin_login(), double.admin_password())
    };
    let client = Client::builder(double.url())
        .database(double.db())
        .credentials(credentials)
        .transport(Transport::Auto)
        .build()
        .unwrap();
    let ids: Vec<i64> = client
        .model("product.template")
        .search(field("sale_ok").eq(true))
        .send()
        .await
        .unwrap();
    assert!(!ids.is_empty());
    client
        .model("product.template")
        .search(field("sale_ok").eq(true))
        .send()
        .await
        .unwrap();
    let json2 = client.uses_json2().await.unwrap();
    let services = double.calls().iter().map(|c| c.service.clone()).collect();
    (json2, services)
}

#[tokio::test]
async fn auto_uses_json2_on_odoo_19_with_an_api_key() {
    let (json2, services) = chosen("19.0", true).await;
    assert!(json2);
    // One version call over XML-RPC, then everything over JSON-2.
    assert_eq!(
        services.iter().filter(|s| *s == "common").count(),
        1,
        "{services:?}"
    );
    assert!(services.iter().all(|s| s != "object"), "{services:?}");
}

#[tokio::test]
async fn auto_keeps_xmlrpc_before_odoo_19_or_without_an_api_key() {
    for (series, key) in [("18.0", true), ("17.0", true), ("16.0", true), ("19.0", false)] {
        let (json2, services) = chosen(series, key).await;
        assert!(!json2, "{series} with key {key}");
        assert!(services.iter().any(|s| s == "object"), "{series}: {services:?}");
    }
}

#[test]
fn the_setting_parses() {
    assert_eq!("xmlrpc".parse::<Transport>().unwrap(), Transport::XmlRpc);
    assert_eq!("JSON2".parse::<Transport>().unwrap(), Transport::Json2);
    assert_eq!(" auto ".parse::<Transport>().unwrap(), Transport::Auto);
    let err = "soap".parse::<Transport>().unwrap_err();
    assert!(err.to_string().contains("xmlrpc, json2 or auto"), "{err}");
}
