//! Buying together by the case, through the connector's own client over a
//! real socket, on 16.0 and 19.0 (and JSON-2 on 19.0):
//! `connector::cases::shared_cases` by packaging name and by product tag
//! on the demo shop's olive oil (a packaging "Carton de 6": 16's
//! `product.packaging`, 19's unit of measure in `uom_ids`), packagings of
//! another company, kept from sales, or of one, and `tell_partner` (a
//! comment on the customer's partner, mailed by Odoo).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use connector::cases::{shared_cases, tell_partner, CaseRule, SharedCase};
use connector::xmlrpc::{Struct, Value};
use connector::{field, Client};
use odoo_double::{Dataset, OdooDouble};
use support::client::{client, json2_client, m2o, start};

mod support;

/// The demo's olive oil sold by the case of 6: template, variant, tag, and
/// its packaging on 16 (`product.packaging`) and 19 (`uom.uom`).
const OIL_TEMPLATE: i64 = 62;
const OIL_VARIANT: i64 = 64;
const TAG: i64 = 1;
const PACKAGING_16: i64 = 1;
const CARTON_UOM_19: i64 = 5;
/// Units, and the shop's company.
const UNITS: i64 = 1;
const COMPANY: i64 = 1;
/// Claire (partner 3), a customer with an e-mail address.
const CLAIRE: i64 = 3;

fn oil(size: i64) -> SharedCase {
    SharedCase {
        product_id: OIL_VARIANT,
        template_id: OIL_TEMPLATE,
        size: size.into(),
        packaging: "Carton de 6".into(),
    }
}

async fn demo(series: &str) -> OdooDouble {
    start(Dataset::demo(Utc::now()).with_series(series)).await
}

fn clients(double: &OdooDouble, series: &str) -> Vec<Client> {
    let mut clients = vec![client(double)];
    if series == "19.0" {
        clients.push(json2_client(double));
    }
    clients
}

async fn create(client: &Client, model: &str, values: Struct) -> i64 {
    client.model(model).create(values).send().await.unwrap()
}

/// A second company.
async fn other_company(client: &Client) -> i64 {
    let name = "Autre coopérative";
    let partner = create(client, "res.partner", Struct::new().with("name", name)).await;
    create(
        client,
        "res.company",
        Struct::new()
            .with("name", name)
            .with("partner_id", partner)
            .with("currency_id", 1),
    )
    .await
}

/// A new product for sale (template, variant) of `company` (`None`: none).
async fn product(client: &Client, name: &str, company: Option<i64>) -> (i64, i64) {
    let mut values = Struct::new()
        .with("name", name)
        .with("sale_ok", true)
        .with("uom_id", UNITS);
    values.insert("company_id", company.map_or(Value::Bool(false), Value::Int));
    let template = create(client, "product.template", values).await;
    let variants = client
        .model("product.product")
        .search(field("product_tmpl_id").eq(template))
        .send()
        .await
        .unwrap();
    (template, variants[0])
}

#[tokio::test]
async fn the_demo_oil_is_sold_by_the_case_of_6_by_packaging_and_by_tag() {
    for series in ["16.0", "19.0"] {
        let double = demo(series).await;
        for odoo in clients(&double, series) {
            for rule in [
                CaseRule::Packaging("Carton de 6".into()),
                CaseRule::Packaging("CARTON DE 6".into()),
                CaseRule::Tag("Achat groupé".into()),
                CaseRule::Tag("achat GROUPÉ".into()),
            ] {
                let cases = shared_cases(&odoo, &rule, Some(COMPANY)).await.unwrap();
                assert_eq!(cases, vec![oil(6)], "{series} {rule:?}");
                let cases = shared_cases(&odoo, &rule, None).await.unwrap();
                assert_eq!(cases, vec![oil(6)], "{series} {rule:?}, any company");
            }
            for rule in [
                CaseRule::Packaging("Carton".into()),
                CaseRule::Packaging("Carton de %".into()),
                CaseRule::Packaging(String::new()),
                CaseRule::Tag("Achat".into()),
                CaseRule::Tag("Nouveau".into()),
            ] {
                assert_eq!(
                    shared_cases(&odoo, &rule, Some(COMPANY)).await.unwrap(),
                    vec![],
                    "{series} {rule:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_demo_keeps_its_packaging_as_each_series_does() {
    let double = demo("16.0").await;
    let odoo = client(&double);
    let tag = odoo
        .model("product.tag")
        .read(vec![TAG])
        .fields(["name"])
        .send()
        .await
        .unwrap();
    assert_eq!(tag[0].get("name").and_then(Value::as_str), Some("Achat groupé"));
    let template = odoo
        .model("product.template")
        .read(vec![OIL_TEMPLATE])
        .fields([
            "name",
            "list_price",
            "product_tag_ids",
            "packaging_ids",
            "is_published",
            "sale_ok",
        ])
        .lang("fr_FR")
        .send()
        .await
        .unwrap();
    assert_eq!(
        template[0].get("name").and_then(Value::as_str),
        Some("Huile d'olive bio 1 L")
    );
    assert_eq!(template[0].get("list_price"), Some(&Value::Double(9.9)));
    assert_eq!(
        template[0].get("product_tag_ids"),
        Some(&Value::Array(vec![Value::Int(TAG)]))
    );
    assert_eq!(
        template[0].get("packaging_ids"),
        Some(&Value::Array(vec![Value::Int(PACKAGING_16)]))
    );
    let packaging = odoo
        .model("product.packaging")
        .read(vec![PACKAGING_16])
        .fields([
            "name",
            "qty",
            "product_id",
            "sales",
            "company_id",
            "product_uom_id",
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(packaging[0].get("qty"), Some(&Value::Double(6.0)));
    assert_eq!(m2o(&packaging[0], "product_id"), Some(OIL_VARIANT));
    assert_eq!(m2o(&packaging[0], "product_uom_id"), Some(UNITS));
    assert_eq!(packaging[0].get("sales"), Some(&Value::Bool(true)));
    assert_eq!(packaging[0].get("company_id"), Some(&Value::Bool(false)));

    let double = demo("19.0").await;
    let odoo = client(&double);
    let fault = odoo
        .model("product.packaging")
        .fields_get()
        .send()
        .await
        .unwrap_err();
    assert!(fault.to_string().contains("product.packaging"), "{fault}");
    let template = odoo
        .model("product.template")
        .read(vec![OIL_TEMPLATE])
        .fields(["uom_id", "uom_ids", "product_tag_ids"])
        .send()
        .await
        .unwrap();
    assert_eq!(
        template[0].get("uom_ids"),
        Some(&Value::Array(vec![Value::Int(CARTON_UOM_19)]))
    );
    let carton = odoo
        .model("uom.uom")
        .read(vec![CARTON_UOM_19])
        .fields(["name", "relative_uom_id", "relative_factor", "factor"])
        .send()
        .await
        .unwrap();
    assert_eq!(carton[0].get("name").and_then(Value::as_str), Some("Carton de 6"));
    assert_eq!(m2o(&carton[0], "relative_uom_id"), Some(UNITS));
    assert_eq!(carton[0].get("relative_factor"), Some(&Value::Double(6.0)));
    assert_eq!(carton[0].get("factor"), Some(&Value::Double(6.0)));
}

#[tokio::test]
async fn on_16_packagings_of_another_company_or_kept_from_sales_do_not_count() {
    let double = demo("16.0").await;
    let odoo = client(&double);
    let other = other_company(&odoo).await;
    let tag_rule = CaseRule::Tag("Achat groupé".into());
    let name_rule = CaseRule::Packaging("Carton de 6".into());
    // Another product tagged, whose packagings are the other company's
    // or not for sales, and the first by sequence holds one.
    let (template, variant) = product(&odoo, "Vinaigre de cidre", None).await;
    odoo.model("product.template")
        .write(vec![template], Struct::new().with("product_tag_ids", vec![TAG]))
        .send()
        .await
        .unwrap();
    let packaging = |name: &str, qty: f64, sequence: i64| {
        Struct::new()
            .with("name", name)
            .with("qty", qty)
            .with("product_id", variant)
            .with("sequence", sequence)
    };
    let theirs = create(
        &odoo,
        "product.packaging",
        packaging("Carton de 6", 6.0, 1).with("company_id", other),
    )
    .await;
    let not_sold = create(
        &odoo,
        "product.packaging",
        packaging("Carton de 6", 6.0, 2).with("sales", false),
    )
    .await;
    create(&odoo, "product.packaging", packaging("Bouteille", 1.0, 0)).await;
    assert_eq!(
        shared_cases(&odoo, &tag_rule, Some(COMPANY)).await.unwrap(),
        vec![oil(6)]
    );
    assert_eq!(
        shared_cases(&odoo, &name_rule, Some(COMPANY)).await.unwrap(),
        vec![oil(6)]
    );
    // For any company, or in the other one, theirs counts; never the one
    // kept from sales (nor, in the other company, the demo's oil, which is
    // the bakery's).
    let theirs_case = SharedCase {
        product_id: variant,
        template_id: template,
        size: 6.into(),
        packaging: "Carton de 6".into(),
    };
    assert_eq!(
        shared_cases(&odoo, &tag_rule, None).await.unwrap(),
        vec![oil(6), theirs_case.clone()]
    );
    assert_eq!(
        shared_cases(&odoo, &name_rule, Some(other)).await.unwrap(),
        vec![theirs_case]
    );
    // Of no company and for sales: it counts, the first by sequence
    // holding more than one (a crate of 12 later in the sequence).
    odoo.model("product.packaging")
        .write(vec![theirs, not_sold], Struct::new().with("company_id", false))
        .send()
        .await
        .unwrap();
    create(&odoo, "product.packaging", packaging("Caisse de 12", 12.0, 5)).await;
    let cases = shared_cases(&odoo, &tag_rule, Some(COMPANY)).await.unwrap();
    assert_eq!(cases.len(), 2, "{cases:?}");
    assert_eq!(
        (cases[1].product_id, cases[1].size.to_string()),
        (variant, "6".to_owned())
    );
    // An archived product is not sold.
    odoo.model("product.template")
        .write(vec![template], Struct::new().with("active", false))
        .send()
        .await
        .unwrap();
    assert_eq!(
        shared_cases(&odoo, &tag_rule, Some(COMPANY)).await.unwrap(),
        vec![oil(6)]
    );
}

#[tokio::test]
async fn on_19_a_products_packagings_are_its_templates_units() {
    for transport in 0..2 {
        let double = demo("19.0").await;
        let odoo = clients(&double, "19.0").swap_remove(transport);
        let other = other_company(&odoo).await;
        let tag_rule = CaseRule::Tag("Achat groupé".into());
        let unit = |name: &str, relative_to: i64, factor: f64| {
            Struct::new()
                .with("name", name)
                .with("relative_uom_id", relative_to)
                .with("relative_factor", factor)
        };
        let pack3 = create(&odoo, "uom.uom", unit("Pack de 3", UNITS, 3.0)).await;
        let dozen = create(&odoo, "uom.uom", unit("Douzaine", UNITS, 12.0)).await;
        let half = create(&odoo, "uom.uom", unit("Demi", UNITS, 0.5)).await;
        let tag_with = |template: i64, uoms: Vec<i64>| {
            let odoo = odoo.clone();
            async move {
                odoo.model("product.template")
                    .write(
                        vec![template],
                        Struct::new()
                            .with("product_tag_ids", vec![TAG])
                            .with("uom_ids", uoms),
                    )
                    .send()
                    .await
                    .unwrap();
            }
        };
        // The other company's product, with the same carton.
        let (theirs_t, theirs) = product(&odoo, "Vinaigre de cidre", Some(other)).await;
        tag_with(theirs_t, vec![CARTON_UOM_19]).await;
        // Ours, of no company: the smallest case above one is the pack of 3.
        let (ours_t, ours) = product(&odoo, "Moutarde", None).await;
        tag_with(ours_t, vec![dozen, half, pack3]).await;
        // Sold by the kg: a carton of 6 units is no case of it.
        let (kg_t, _) = product(&odoo, "Farine (vrac)", None).await;
        odoo.model("product.template")
            .write(vec![kg_t], Struct::new().with("uom_id", 2))
            .send()
            .await
            .unwrap();
        tag_with(kg_t, vec![CARTON_UOM_19]).await;
        let case = |product: i64, template: i64, size: i64, name: &str| SharedCase {
            product_id: product,
            template_id: template,
            size: size.into(),
            packaging: name.into(),
        };
        assert_eq!(
            shared_cases(&odoo, &tag_rule, Some(COMPANY)).await.unwrap(),
            vec![oil(6), case(ours, ours_t, 3, "Pack de 3")],
            "{transport}"
        );
        assert_eq!(
            shared_cases(&odoo, &tag_rule, None).await.unwrap(),
            vec![
                oil(6),
                case(theirs, theirs_t, 6, "Carton de 6"),
                case(ours, ours_t, 3, "Pack de 3")
            ]
        );
        assert_eq!(
            shared_cases(&odoo, &CaseRule::Packaging("douzaine".into()), Some(COMPANY))
                .await
                .unwrap(),
            vec![case(ours, ours_t, 12, "Douzaine")]
        );
        // By name, a packaging holding less than one still is one.
        let halves = shared_cases(&odoo, &CaseRule::Packaging("Demi".into()), Some(COMPANY))
            .await
            .unwrap();
        assert_eq!(halves.len(), 1);
        assert_eq!(halves[0].size.to_string(), "0.5");
        // Every variant of the template shares its packagings.
        let second = create(
            &odoo,
            "product.product",
            Struct::new().with("product_tmpl_id", ours_t),
        )
        .await;
        let cases = shared_cases(&odoo, &CaseRule::Packaging("Pack de 3".into()), Some(COMPANY))
            .await
            .unwrap();
        assert_eq!(
            cases,
            vec![
                case(ours, ours_t, 3, "Pack de 3"),
                case(second, ours_t, 3, "Pack de 3")
            ]
        );
    }
}

#[tokio::test]
async fn tell_partner_posts_a_comment_that_odoo_mails() {
    for series in ["16.0", "19.0"] {
        let double = demo(series).await;
        for odoo in clients(&double, series) {
            let body = "<p>Le carton d'<b>huile d'olive</b> n'a pas été rempli.</p>";
            let message = tell_partner(&odoo, CLAIRE, "Carton non rempli", body)
                .await
                .unwrap();
            let rows = odoo
                .model("mail.message")
                .read(vec![message])
                .fields([
                    "model",
                    "res_id",
                    "body",
                    "subject",
                    "message_type",
                    "subtype_id",
                    "partner_ids",
                ])
                .send()
                .await
                .unwrap();
            let row = &rows[0];
            assert_eq!(
                row.get("model").and_then(Value::as_str),
                Some("res.partner"),
                "{series}"
            );
            assert_eq!(row.get("res_id").and_then(Value::as_i64), Some(CLAIRE));
            assert_eq!(
                row.get("body").and_then(Value::as_str),
                Some(body),
                "{series}: kept as HTML"
            );
            assert_eq!(
                row.get("subject").and_then(Value::as_str),
                Some("Carton non rempli")
            );
            assert_eq!(row.get("message_type").and_then(Value::as_str), Some("comment"));
            assert_eq!(m2o(row, "subtype_id"), Some(1), "mail.mt_comment");
            assert_eq!(
                row.get("partner_ids"),
                Some(&Value::Array(vec![Value::Int(CLAIRE)]))
            );
            // Queued for the mail cron: a notification by e-mail, ready.
            let notifications = odoo
                .model("mail.notification")
                .search_read(field("mail_message_id").eq(message))
                .fields(["res_partner_id", "notification_type", "notification_status"])
                .send()
                .await
                .unwrap();
            assert_eq!(notifications.len(), 1, "{series}");
            assert_eq!(m2o(&notifications[0], "res_partner_id"), Some(CLAIRE));
            assert_eq!(
                notifications[0].get("notification_type").and_then(Value::as_str),
                Some("email")
            );
            assert_eq!(
                notifications[0]
                    .get("notification_status")
                    .and_then(Value::as_str),
                Some("ready")
            );
        }
        // Without `body_is_html`, 17+ take the body as text (escaped into a
        // paragraph), 16 as HTML; 19 answers the message as a list of one.
        let odoo = client(&double);
        let answer = odoo
            .model("res.partner")
            .call_on("message_post", vec![CLAIRE])
            .kwarg("body", "<b>x</b>")
            .kwarg("message_type", "comment")
            .send()
            .await
            .unwrap();
        let message = match (&answer, series) {
            (Value::Int(id), "16.0") => *id,
            (Value::Array(ids), "19.0") if ids.len() == 1 => ids[0].as_i64().unwrap(),
            _ => panic!("{series}: {answer:?}"),
        };
        let rows = odoo
            .model("mail.message")
            .read(vec![message])
            .fields(["body"])
            .send()
            .await
            .unwrap();
        let expected = if series == "16.0" {
            "<b>x</b>"
        } else {
            "<p>&lt;b&gt;x&lt;/b&gt;</p>"
        };
        assert_eq!(rows[0].get("body").and_then(Value::as_str), Some(expected));
        // No such partner: Odoo's error.
        assert!(tell_partner(&odoo, 999_999, "s", "<p>b</p>").await.is_err());
    }
}
