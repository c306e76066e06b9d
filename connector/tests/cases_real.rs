//! Buying together by the case (`connector::cases`) against a real Odoo:
//! `ODOO_URL`, `ODOO_DB`, `ODOO_USER` and `ODOO_PASSWORD` (the technical
//! user), `ODOO_ADMIN_USER` and `ODOO_ADMIN_PASSWORD` (to set up), and
//! `REAL_ODOO_MANIFEST` (the seed's manifest: its companies and products),
//! as `tests/real-odoo/up.sh` writes them in its env file; with
//! `ODOO_API_KEY` (19), over JSON-2 too. Without them it says SKIPPED,
//! unless `REAL_ODOO_REQUIRED` is set.
//!
//! As admin it tags "Seed A Olive oil 75 cl" (company A) and "Seed B Cider"
//! (company B) "Achat groupé" and gives them a packaging "Carton de 6" (16:
//! `product.packaging` of the product's company; 19: a unit of 6 Units in
//! their `uom_ids`); as the technical user, `shared_cases` by packaging and
//! by tag, in company A and in any, and `tell_partner` on a partner it
//! makes. Everything it made is removed afterwards, whatever happens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use connector::cases::{shared_cases, tell_partner, CaseRule, SharedCase};
use connector::xmlrpc::{Struct, Value};
use connector::{field, Client, Credentials, Transport};

struct Real {
    admin: Client,
    technical: Vec<(&'static str, Client)>,
    series: String,
    company_a: i64,
    company_b: i64,
    oil: i64,
    cider: i64,
}

fn real() -> Option<Real> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(url), Some(db), Some(user), Some(password), Some(admin), Some(admin_password), Some(manifest)) = (
        env("ODOO_URL"),
        env("ODOO_DB"),
        env("ODOO_USER"),
        env("ODOO_PASSWORD"),
        env("ODOO_ADMIN_USER"),
        env("ODOO_ADMIN_PASSWORD"),
        env("REAL_ODOO_MANIFEST"),
    ) else {
        assert!(
            env("REAL_ODOO_REQUIRED").is_none(),
            "REAL_ODOO_REQUIRED is set: set ODOO_URL, ODOO_DB, ODOO_USER, ODOO_PASSWORD, ODOO_ADMIN_USER, \
             ODOO_ADMIN_PASSWORD and REAL_ODOO_MANIFEST"
        );
        let _ = writeln!(
            std::io::stderr(),
            "shared cases: real Odoo SKIPPED (source target/real-odoo/16.0.env or 19.0.env)"
        );
        return None;
    };
    let client = |credentials: Credentials, transport: Transport| {
        Client::builder(&url)
            .database(&db)
            .credentials(credentials)
            .transport(transport)
            .build()
            .unwrap()
    };
    let mut technical = vec![(
        "xmlrpc",
        client(Credentials::new(&user, &password), Transport::XmlRpc),
    )];
    if let Some(key) = env("ODOO_API_KEY") {
        technical.push((
            "json2",
            client(Credentials::api_key(&user, key), Transport::Json2),
        ));
    }
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let product = |name: &str| manifest["products"]["by_name"][name].as_i64().unwrap();
    Some(Real {
        admin: client(Credentials::new(&admin, &admin_password), Transport::XmlRpc),
        technical,
        series: env("REAL_ODOO_SERIES").unwrap_or_default(),
        company_a: manifest["companies"]["a"].as_i64().unwrap(),
        company_b: manifest["companies"]["b"].as_i64().unwrap(),
        oil: product("Seed A Olive oil 75 cl"),
        cider: product("Seed B Cider"),
    })
}

/// What the test made, to remove.
#[derive(Default)]
struct Made {
    tag: Option<i64>,
    tagged: Vec<i64>,
    packagings: Vec<i64>,
    unit: Option<i64>,
    partner: Option<i64>,
}

fn m2o(row: &Struct, name: &str) -> Option<i64> {
    match row.get(name) {
        Some(Value::Array(pair)) => pair.first().and_then(Value::as_i64),
        _ => None,
    }
}

async fn set_up(real: &Real, made: &Mutex<Made>) -> Vec<(i64, i64)> {
    let admin = &real.admin;
    let rows = admin
        .model("product.template")
        .read(vec![real.oil, real.cider])
        .fields(["product_variant_ids", "uom_id", "company_id"])
        .send()
        .await
        .unwrap();
    let tag = admin
        .model("product.tag")
        .create(Struct::new().with("name", "Achat groupé"))
        .send()
        .await
        .unwrap();
    made.lock().unwrap().tag = Some(tag);
    let link = |id: i64| Value::Array(vec![Value::Int(4), Value::Int(id)]);
    admin
        .model("product.template")
        .write(
            vec![real.oil, real.cider],
            Struct::new().with("product_tag_ids", vec![link(tag)]),
        )
        .send()
        .await
        .unwrap();
    made.lock().unwrap().tagged = vec![real.oil, real.cider];
    let fields = admin.available_fields("product.template").await.unwrap();
    if fields.contains("uom_ids") {
        let unit = admin
            .model("uom.uom")
            .create(
                Struct::new()
                    .with("name", "Carton de 6")
                    .with("relative_uom_id", m2o(&rows[0], "uom_id").unwrap())
                    .with("relative_factor", 6.0),
            )
            .send()
            .await
            .unwrap();
        made.lock().unwrap().unit = Some(unit);
        admin
            .model("product.template")
            .write(
                vec![real.oil, real.cider],
                Struct::new().with("uom_ids", vec![link(unit)]),
            )
            .send()
            .await
            .unwrap();
    } else {
        for row in &rows {
            let variant = match row.get("product_variant_ids") {
                Some(Value::Array(ids)) => ids[0].as_i64().unwrap(),
                _ => panic!("no variant"),
            };
            let packaging = admin
                .model("product.packaging")
                .create(
                    Struct::new()
                        .with("name", "Carton de 6")
                        .with("qty", 6.0)
                        .with("product_id", variant)
                        .with("company_id", m2o(row, "company_id").unwrap()),
                )
                .send()
                .await
                .unwrap();
            made.lock().unwrap().packagings.push(packaging);
        }
    }
    rows.iter()
        .map(|row| {
            let variant = match row.get("product_variant_ids") {
                Some(Value::Array(ids)) => ids[0].as_i64().unwrap(),
                _ => 0,
            };
            (variant, row.get("id").and_then(Value::as_i64).unwrap())
        })
        .collect()
}

async fn clean_up(real: &Real, made: &Made) {
    let admin = &real.admin;
    let unlink = |model: &'static str, ids: Vec<i64>| async move {
        if !ids.is_empty() {
            let _ = admin.model(model).unlink(ids).send().await;
        }
    };
    if let Some(partner) = made.partner {
        let messages = admin
            .model("mail.message")
            .search(field("model").eq("res.partner") & field("res_id").eq(partner))
            .send()
            .await
            .unwrap_or_default();
        unlink("mail.message", messages).await;
        unlink("res.partner", vec![partner]).await;
    }
    unlink("product.packaging", made.packagings.clone()).await;
    let unset = |id: i64| Value::Array(vec![Value::Int(3), Value::Int(id)]);
    if let Some(unit) = made.unit {
        let _ = admin
            .model("product.template")
            .write(
                made.tagged.clone(),
                Struct::new().with("uom_ids", vec![unset(unit)]),
            )
            .send()
            .await;
        unlink("uom.uom", vec![unit]).await;
    }
    if let Some(tag) = made.tag {
        let _ = admin
            .model("product.template")
            .write(
                made.tagged.clone(),
                Struct::new().with("product_tag_ids", vec![unset(tag)]),
            )
            .send()
            .await;
        unlink("product.tag", vec![tag]).await;
    }
}

async fn checks(real: Arc<Real>, made: Arc<Mutex<Made>>) {
    let products = set_up(&real, &made).await;
    let case = |(product, template): (i64, i64)| SharedCase {
        product_id: product,
        template_id: template,
        size: 6.into(),
        packaging: "Carton de 6".into(),
    };
    let (oil, cider) = (case(products[0]), case(products[1]));
    let mut both = vec![oil.clone(), cider.clone()];
    both.sort_by_key(|c| c.product_id);
    for (transport, odoo) in &real.technical {
        for rule in [
            CaseRule::Packaging("Carton de 6".into()),
            CaseRule::Packaging("CARTON de 6".into()),
            CaseRule::Tag("Achat groupé".into()),
            CaseRule::Tag("ACHAT groupé".into()),
        ] {
            let cases = shared_cases(odoo, &rule, Some(real.company_a)).await.unwrap();
            eprintln!("{} {transport} {rule:?} in company A: {cases:?}", real.series);
            assert_eq!(cases, vec![oil.clone()], "{transport} {rule:?}");
            let cases = shared_cases(odoo, &rule, Some(real.company_b)).await.unwrap();
            assert_eq!(cases, vec![cider.clone()], "{transport} {rule:?}, company B");
            let cases = shared_cases(odoo, &rule, None).await.unwrap();
            assert_eq!(cases, both, "{transport} {rule:?}, any company");
        }
    }
    let (_, odoo) = &real.technical[0];
    let partner = odoo
        .model("res.partner")
        .create(
            Struct::new()
                .with("name", "Cases test partner")
                .with("email", "cases-test@example.com"),
        )
        .send()
        .await
        .unwrap();
    made.lock().unwrap().partner = Some(partner);
    for (transport, odoo) in &real.technical {
        let body = "<p>Le carton n'a pas été <b>rempli</b>.</p>";
        let message = tell_partner(odoo, partner, "Carton non rempli", body)
            .await
            .unwrap();
        let rows = odoo
            .model("mail.message")
            .read(vec![message])
            .fields(["model", "res_id", "body", "message_type", "partner_ids"])
            .send()
            .await
            .unwrap();
        eprintln!(
            "{} {transport} tell_partner: message {message}: {:?}",
            real.series, rows[0]
        );
        assert_eq!(rows[0].get("model").and_then(Value::as_str), Some("res.partner"));
        assert_eq!(rows[0].get("res_id").and_then(Value::as_i64), Some(partner));
        assert_eq!(rows[0].get("body").and_then(Value::as_str), Some(body));
        assert_eq!(
            rows[0].get("message_type").and_then(Value::as_str),
            Some("comment")
        );
        assert_eq!(
            rows[0].get("partner_ids"),
            Some(&Value::Array(vec![Value::Int(partner)]))
        );
    }
}

#[tokio::test]
async fn shared_cases_and_tell_partner_on_a_real_odoo() {
    let Some(real) = real() else {
        return;
    };
    let real = Arc::new(real);
    let made = Arc::new(Mutex::new(Made::default()));
    // In a task, so that what was made is removed even when a check fails.
    let outcome = tokio::spawn(checks(real.clone(), made.clone())).await;
    let made = std::mem::take(&mut *made.lock().unwrap_or_else(|e| e.into_inner()));
    clean_up(&real, &made).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
