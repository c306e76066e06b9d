//! Datasets: the built-in shop, hand-written JSON and its errors, and
//! datasets rebuilt from recordings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use base64::Engine as _;
use connector::domain::field;
use connector::xmlrpc::Value;
use odoo_double::{Dataset, DatasetError, OdooDouble};

#[test]
fn the_shop_has_what_the_storefront_needs() {
    let shop = Dataset::shop();
    assert_eq!((shop.db.as_str(), shop.series.as_str()), ("shop", "18.0"));
    let admin = shop.technical_user().unwrap();
    assert_eq!(
        (admin.login.as_str(), admin.password.as_str()),
        ("admin", "admin")
    );
    assert!(admin.api_key.as_deref().is_some_and(|k| k.len() > 20));
    let portal = shop.portal_users();
    assert_eq!(portal.len(), 3);
    assert!(portal
        .iter()
        .all(|u| u.share && !u.password.is_empty() && u.partner_id.is_some()));
    assert_eq!(shop.user("claire@example.com").map(|u| u.id), Some(5));

    let json = shop.to_json();
    assert_eq!(Dataset::from_json(&json).unwrap(), shop, "JSON round trip");
    let db = shop.database().unwrap();
    let count = |model: &str, domain: connector::Domain| db.search(model, &domain).unwrap().len();
    let all = connector::Domain::All;
    assert!((15..=20).contains(&count("product.template", all.clone())));
    assert_eq!(
        db.search_with("product.template", &field("active").eq(false), false)
            .unwrap(),
        vec![16]
    );
    assert_eq!(
        count(
            "product.template",
            field("is_published").eq(false) & field("sale_ok").eq(true)
        ),
        1
    );
    assert_eq!(count("product.template", field("to_weight").eq(true)), 4);
    assert_eq!(count("product.template", field("uom_id.name").eq("kg")), 5);
    assert_eq!(count("product.product", field("price_extra").gt(0)), 2);
    assert_eq!(count("product.public.category", field("parent_id").ne(false)), 5);
    assert_eq!(
        count("product.category", field("parent_id.parent_id").ne(false)),
        3
    );
    assert_eq!(count("product.pricelist", all.clone()), 3);
    assert_eq!(
        count("product.pricelist.item", field("compute_price").eq("formula")),
        2
    );
    assert_eq!(count("product.pricelist.item", field("min_quantity").eq(5)), 1);
    assert_eq!(count("account.tax", field("type_tax_use").eq("sale")), 2);
    assert_eq!(count("uom.uom", all.clone()), 4);
    assert_eq!(count("res.currency", field("active").eq(true)), 1);
    assert_eq!(count("res.company", all.clone()), 1);
    assert_eq!(count("calendar.event.type", field("name").eq("Pickup")), 1);
    // "Web shop" and "Retirée" (the tag of collected orders).
    assert_eq!(count("crm.tag", all.clone()), 2);
    let slots = db
        .search("calendar.event", &field("categ_ids.name").eq("Pickup"))
        .unwrap();
    assert_eq!(slots.len(), 6);
    let locations: std::collections::BTreeSet<String> = slots
        .iter()
        .map(|id| {
            db.get("calendar.event", *id, "location")
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(locations.len(), 2, "two pickup places");
    for id in slots {
        let start = db.get("calendar.event", id, "start");
        assert!(start.as_str().unwrap().starts_with("2030-"));
        assert!(db
            .get("calendar.event", id, "description")
            .as_str()
            .unwrap()
            .contains("Capacity: "));
    }
    // Customers: a language and a pricelist each.
    for user in portal {
        let partner = user.partner_id.unwrap();
        assert!(db.get("res.partner", partner, "lang").as_str().is_some());
        assert!(db
            .get("res.partner", partner, "property_product_pricelist")
            .as_array()
            .is_some());
    }
    // Images are small PNGs.
    let image = db.get("product.template", 1, "image_1920");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(image.as_str().unwrap())
        .unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(db.get("product.template", 1, "image_128"), image);
    assert_eq!(db.get("product.template", 3, "image_128"), Value::Bool(false));
}

fn invalid(json: &str) -> String {
    match Dataset::from_json(json) {
        Err(DatasetError::Invalid(m)) => m,
        other => panic!("{json}: {other:?}"),
    }
}

#[test]
fn hand_written_datasets_are_checked() {
    let ok = r#"{"db": "d", "series": "17.0",
        "users": [{"id": 2, "login": "a", "password": "p"}],
        "records": {
          "uom.uom": [{"id": 1, "name": "Units", "category_id": 1, "uom_type": "reference", "factor": 1, "rounding": 0.01}],
          "uom.category": [{"id": 1, "name": "Unit"}],
          "product.category": [{"id": 1, "name": "All"}],
          "product.template": [{"name": {"en_US": "Bread", "fr_FR": "Pain"}, "uom_id": 1, "categ_id": [1, "All"], "list_price": 2}]
        }}"#;
    let d = Dataset::from_json(ok).unwrap();
    assert_eq!(d.technical_user().unwrap().login, "a");

    assert!(invalid(r#"{"db": "d", "series": "15.0"}"#).contains("series"));
    assert!(invalid(r#"{"db": "d", "series": "18.0", "records": {"no.model": [{}]}}"#).contains("no.model"));
    assert!(
        invalid(r#"{"db": "d", "series": "18.0", "records": {"crm.tag": [{"id": 1, "nom": "x"}]}}"#)
            .contains("nom")
    );
    assert!(
        invalid(r#"{"db": "d", "series": "18.0", "records": {"crm.tag": [{"id": 1}, {"id": 1}]}}"#)
            .contains("twice")
    );
    assert!(invalid(
        r#"{"db": "d", "series": "18.0", "records": {"res.partner": [{"id": 1, "parent_id": 9}]}}"#
    )
    .contains("does not exist"));
    assert!(invalid(r#"{"db": "d", "series": "18.0", "records": {"calendar.event": [{"id": 1, "name": "x", "start": "tomorrow"}]}}"#).contains("start"));
    assert!(invalid(
        r#"{"db": "d", "series": "18.0", "records": {"res.partner": [{"id": 1, "child_ids": [5]}]}}"#
    )
    .contains("does not exist"));
    assert!(matches!(Dataset::from_json("{"), Err(DatasetError::Json(_))));
    assert!(matches!(
        Dataset::load("/nonexistent/dataset.json"),
        Err(DatasetError::Io { .. })
    ));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/shop.json");
    assert_eq!(Dataset::load(path).unwrap(), Dataset::shop());
}

#[tokio::test]
async fn a_hand_written_dataset_serves() {
    let json = r#"{"db": "tiny", "series": "19.0",
        "users": [{"id": 2, "login": "bot", "password": "secret", "api_key": "key"}],
        "records": {
          "uom.uom": [{"id": 1, "name": "Units", "rounding": 0.01}],
          "product.template": [{"id": 1, "name": "Bread", "uom_id": 1, "list_price": 2.5, "sale_ok": true}],
          "sale.order.line": [],
          "res.partner": [{"id": 7, "name": "Zoé", "child_ids": [8]}, {"id": 8, "name": "Child"}]
        }}"#;
    let double = OdooDouble::start(Dataset::from_json(json).unwrap())
        .await
        .unwrap();
    assert_eq!(double.db(), "tiny");
    assert_eq!(double.admin_api_key(), Some("key"));
    let odoo = support::Odoo::login(&double, "bot", "key").await;
    assert_eq!(
        odoo.field("product.template", 1, "categ_id").await,
        Value::Bool(false),
        "optional in 19"
    );
    assert_eq!(
        odoo.field("product.template", 1, "product_variant_ids")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        odoo.field("res.partner", 8, "display_name").await,
        Value::from("Zoé, Child")
    );
}

#[test]
fn datasets_from_recordings_carry_users_and_records() {
    let root = support::wire_dir();
    for series in ["16.0", "19.0"] {
        let dir = root.join(series);
        let d = Dataset::from_recordings(&dir).unwrap();
        assert_eq!(d.series, series);
        assert!(d.db.starts_with("shop"));
        let admin = d.technical_user().unwrap();
        assert_eq!((admin.id, admin.login.as_str()), (2, "admin"));
        assert!(!admin.password.is_empty());
        let claire = d.user("claire@example.com").unwrap();
        assert!(claire.share);
        assert!(d.records_of("product.template").len() > 20);
        assert!(!d.records_of("calendar.event").is_empty() || series == "17.0");
        assert!(d
            .extra_fields
            .get("product.template")
            .is_some_and(|f| !f.is_empty()));
        assert!(d.server_version.is_some());
        // It round-trips through JSON like a hand-written one.
        assert_eq!(Dataset::from_json(&d.to_json()).unwrap(), d);
    }
    assert!(matches!(
        Dataset::from_recordings("/nonexistent"),
        Err(DatasetError::Io { .. })
    ));
}
