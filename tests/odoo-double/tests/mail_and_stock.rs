//! The customer's mail from Odoo's templates and the free stock, through
//! the connector's own client over a real socket: `connector::inform`'s
//! `order_template`, `send_template` and `mail_delivery` (with the mail
//! cron, with and without a mail server), `connector::stock` per series, and
//! the shop's storable products and past orders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use chrono::{TimeZone as _, Utc};
use connector::inform::{mail_delivery, order_template, send_template, MailDelivery};
use connector::orders::{self, Progress, ProgressTags};
use connector::stock::{free_quantities, inventory, moved_since, warehouse, Inventory};
use connector::xmlrpc::{Struct, Value};
use connector::{field, Client, Domain, FaultKind};
use odoo_double::{Dataset, OdooDouble};
use support::client::{client, client_as, json2_client, m2o, start};

mod support;

const SERIES: [&str; 4] = ["16.0", "17.0", "18.0", "19.0"];

/// The admin (the technical user here) and its partner.
const ADMIN_PARTNER: i64 = 2;
/// Claire (English, partner 3) and Camille (French, partner 4).
const CLAIRE: i64 = 3;
const CAMILLE: i64 = 4;
const MARIE_LOGIN: &str = "marie@boulangerie-du-marche.example";
/// The shop's storable products: honey (2 free of 3 on hand, 1 reserved
/// by S00003), apple juice (40), craft beer (none); the baguette is a
/// consumable.
const HONEY: i64 = 11;
const JUICE: i64 = 13;
const BEER: i64 = 14;
const BAGUETTE: i64 = 1;
/// Company 1's warehouse and its stock location.
const WAREHOUSE: i64 = 1;
const WH_STOCK: i64 = 8;
/// The templates (`sale.mail_template_sale_confirmation`,
/// `sale.email_template_edi_sale`).
const CONFIRMATION: i64 = 1;
const QUOTATION: i64 = 2;
/// The mail queue's cron.
const MAIL_CRON: i64 = 1;
/// The tag of collected orders.
const RETIREE: i64 = 2;

fn ids(row: &Struct, field: &str) -> Vec<i64> {
    match row.get(field) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}

fn text<'a>(row: &'a Struct, field: &str) -> &'a str {
    row.get(field).and_then(Value::as_str).unwrap_or_default()
}

async fn search_read(client: &Client, model: &str, domain: Domain, fields: &[&str]) -> Vec<Struct> {
    client
        .model(model)
        .search_read(domain)
        .fields(fields.to_vec())
        .send()
        .await
        .unwrap()
}

/// A quotation for `partner` of `lines` (product, quantity).
async fn quotation(client: &Client, partner: i64, lines: &[(i64, i64)]) -> i64 {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(product, qty)| {
            Value::Array(vec![
                Value::Int(0),
                Value::Int(0),
                Value::Struct(
                    Struct::new()
                        .with("product_id", *product)
                        .with("product_uom_qty", *qty),
                ),
            ])
        })
        .collect();
    client
        .model("sale.order")
        .create(
            Struct::new()
                .with("partner_id", partner)
                .with("order_line", Value::Array(lines)),
        )
        .send()
        .await
        .unwrap()
}

async fn call(client: &Client, model: &str, method: &str, ids: Vec<i64>) -> Result<Value, connector::Error> {
    client.model(model).call_on(method, ids).send_raw().await
}

/// An amount as Odoo's `format_amount` writes it in euros (symbol after):
/// `3,38 €` in French, `3.38 €` in English, with a no-break space.
fn euros(amount: f64, french: bool) -> String {
    let text = format!("{amount:.2}");
    let text = if french { text.replace('.', ",") } else { text };
    format!("{text}\u{a0}€")
}

#[tokio::test]
async fn templates_are_found_by_xml_id_or_id() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let mut clients = vec![client(&double)];
        if series == "19.0" {
            clients.push(json2_client(&double));
        }
        for odoo in &clients {
            assert_eq!(
                order_template(odoo, None).await.unwrap(),
                Some(CONFIRMATION),
                "{series}"
            );
            assert_eq!(
                order_template(odoo, Some("sale.email_template_edi_sale"))
                    .await
                    .unwrap(),
                Some(QUOTATION)
            );
            assert_eq!(order_template(odoo, Some("2")).await.unwrap(), Some(QUOTATION));
            assert_eq!(order_template(odoo, Some("999")).await.unwrap(), None);
            assert_eq!(
                order_template(odoo, Some("sale.no_such_template")).await.unwrap(),
                None
            );
            assert_eq!(order_template(odoo, Some("no_dot")).await.unwrap(), None);
        }
        // The fault of an unknown XML id, as Odoo raises it.
        let fault = clients[0]
            .model("ir.model.data")
            .call(
                "check_object_reference",
                vec!["sale".into(), "no_such_template".into()],
            )
            .send()
            .await
            .unwrap_err();
        assert_eq!(fault.fault_kind(), Some(FaultKind::Application), "{fault:?}");
        let message = format!("{fault:?}");
        assert!(
            message.contains("ValueError: External ID not found in the system: sale.no_such_template"),
            "{message}"
        );
        // The other XML ids the storefront and the probe use.
        let cron = clients[0]
            .model("ir.model.data")
            .call("check_object_reference", vec![])
            .kwarg("module", "mail")
            .kwarg("xml_id", "ir_cron_mail_scheduler_action")
            .send()
            .await
            .unwrap();
        assert_eq!(cron, Value::Array(vec!["ir.cron".into(), Value::Int(MAIL_CRON)]));
    }
}

/// Posts the confirmation template on a French quotation and checks what
/// Odoo holds: the message, the queued mail, the notification, the order
/// unchanged; then the mail cron without a mail server fails it
/// (`mail_smtp`), and with one (made by the admin) sends the next.
async fn template_is_posted_then_sent(double: &OdooDouble, odoo: &Client) {
    let series = double.series().to_owned();
    let order = quotation(odoo, CAMILLE, &[(HONEY, 1), (BAGUETTE, 2)]).await;
    let before = search_read(
        odoo,
        "sale.order",
        field("id").eq(order),
        &["name", "state", "amount_total"],
    )
    .await;
    let (name, total) = (
        text(&before[0], "name").to_owned(),
        before[0].get("amount_total").and_then(Value::as_f64).unwrap(),
    );
    assert_eq!(mail_delivery(odoo, "sale.order", order).await.unwrap(), None);

    send_template(odoo, &series, "sale.order", order, CONFIRMATION)
        .await
        .unwrap();

    let after = search_read(odoo, "sale.order", field("id").eq(order), &["state"]).await;
    assert_eq!(
        text(&after[0], "state"),
        "draft",
        "{series}: the quotation stays a draft"
    );
    let messages = search_read(
        odoo,
        "mail.message",
        field("model").eq("sale.order") & field("res_id").eq(order),
        &[
            "message_type",
            "subtype_id",
            "partner_ids",
            "author_id",
            "subject",
            "body",
            "record_name",
        ],
    )
    .await;
    assert_eq!(messages.len(), 1, "{series}: {messages:?}");
    let message = &messages[0];
    let message_id = message.get("id").and_then(Value::as_i64).unwrap();
    assert_eq!(text(message, "message_type"), "comment");
    assert_eq!(m2o(message, "subtype_id"), Some(1), "mail.mt_comment");
    assert_eq!(ids(message, "partner_ids"), vec![CAMILLE]);
    assert_eq!(m2o(message, "author_id"), Some(ADMIN_PARTNER));
    assert_eq!(text(message, "record_name"), name);
    assert_eq!(
        text(message, "subject"),
        format!("Boulangerie-Épicerie du Marché Order (Ref {name})")
    );
    let body = text(message, "body");
    assert!(body.contains(&name), "{body}");
    // In the customer's language: a decimal comma.
    assert!(
        body.contains(&euros(total, true)),
        "{series}: {} in {body}",
        euros(total, true)
    );
    assert!(!body.contains(&euros(total, false)), "{body}");

    // Queued: the notification says so to its author...
    let notes = search_read(
        odoo,
        "mail.notification",
        field("mail_message_id").eq(message_id),
        &[
            "res_partner_id",
            "notification_type",
            "notification_status",
            "failure_type",
            "mail_mail_id",
        ],
    )
    .await;
    assert_eq!(notes.len(), 1);
    assert_eq!(m2o(&notes[0], "res_partner_id"), Some(CAMILLE));
    assert_eq!(text(&notes[0], "notification_type"), "email");
    assert_eq!(text(&notes[0], "notification_status"), "ready");
    assert_eq!(notes[0].get("failure_type"), Some(&Value::Bool(false)));
    // ...and the mail is outgoing (the admin may read mails).
    let mails = search_read(
        odoo,
        "mail.mail",
        field("mail_message_id").eq(message_id),
        &["state", "recipient_ids", "model", "res_id", "body_html"],
    )
    .await;
    assert_eq!(mails.len(), 1);
    assert_eq!(text(&mails[0], "state"), "outgoing");
    assert_eq!(ids(&mails[0], "recipient_ids"), vec![CAMILLE]);
    assert_eq!(text(&mails[0], "model"), "sale.order");
    assert_eq!(mails[0].get("res_id").and_then(Value::as_i64), Some(order));
    assert!(text(&mails[0], "body_html").contains(&euros(total, true)));
    assert_eq!(
        mail_delivery(odoo, "sale.order", order).await.unwrap(),
        Some(MailDelivery::Queued)
    );

    // The mail cron without a mail server: Odoo's localhost:25 refuses.
    assert_eq!(double.run_mail_cron(), 1);
    assert_eq!(
        mail_delivery(odoo, "sale.order", order).await.unwrap(),
        Some(MailDelivery::Failed { no_server: true }),
        "{series}"
    );
    let mail = search_read(
        odoo,
        "mail.mail",
        field("mail_message_id").eq(message_id),
        &["state"],
    )
    .await;
    assert_eq!(text(&mail[0], "state"), "exception");
    let note = search_read(
        odoo,
        "mail.notification",
        field("mail_message_id").eq(message_id),
        &["notification_status", "failure_type"],
    )
    .await;
    assert_eq!(text(&note[0], "notification_status"), "exception");
    assert_eq!(text(&note[0], "failure_type"), "mail_smtp");

    // An admin adds a mail server; the quotation template (by id), queued,
    // then the cron triggered over RPC sends it (and deletes the mail).
    odoo.model("ir.mail_server")
        .create(
            Struct::new()
                .with("name", "Relay")
                .with("smtp_host", "smtp.example.com")
                .with("smtp_port", 587),
        )
        .send()
        .await
        .unwrap();
    let template = order_template(odoo, Some(&QUOTATION.to_string()))
        .await
        .unwrap()
        .unwrap();
    send_template(odoo, &series, "sale.order", order, template)
        .await
        .unwrap();
    assert_eq!(
        mail_delivery(odoo, "sale.order", order).await.unwrap(),
        Some(MailDelivery::Queued)
    );
    let last = search_read(
        odoo,
        "mail.message",
        field("model").eq("sale.order") & field("res_id").eq(order),
        &["subject", "body"],
    )
    .await;
    assert_eq!(last.len(), 2);
    // Newest first (`id desc`).
    assert_eq!(
        text(&last[0], "subject"),
        format!("Boulangerie-Épicerie du Marché Quotation (Ref {name})")
    );
    assert!(
        text(&last[0], "body").contains("Your quotation"),
        "{}",
        text(&last[0], "body")
    );
    assert_eq!(
        call(odoo, "ir.cron", "method_direct_trigger", vec![MAIL_CRON])
            .await
            .unwrap(),
        Value::Bool(true)
    );
    assert_eq!(
        mail_delivery(odoo, "sale.order", order).await.unwrap(),
        Some(MailDelivery::Sent),
        "{series}"
    );
    let newest = last[0].get("id").and_then(Value::as_i64).unwrap();
    assert!(
        search_read(odoo, "mail.mail", field("mail_message_id").eq(newest), &["state"])
            .await
            .is_empty()
    );
    let after = search_read(odoo, "sale.order", field("id").eq(order), &["state"]).await;
    assert_eq!(text(&after[0], "state"), "draft");
}

#[tokio::test]
async fn a_template_is_posted_queued_and_sent_on_every_series() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        template_is_posted_then_sent(&double, &client(&double)).await;
        // 16.0 fills the composer through its onchange, later series by
        // creating it with `res_ids`.
        let calls = double.calls_to("mail.compose.message");
        let methods: Vec<&str> = calls.iter().filter_map(|c| c.model_method.as_deref()).collect();
        if series == "16.0" {
            assert_eq!(
                methods,
                [
                    "onchange",
                    "create",
                    "action_send_mail",
                    "onchange",
                    "create",
                    "action_send_mail"
                ]
            );
        } else {
            assert_eq!(
                methods,
                ["create", "action_send_mail", "create", "action_send_mail"]
            );
        }
    }
}

#[tokio::test]
async fn a_template_is_posted_over_json2() {
    let double = start(Dataset::shop().with_series("19.0")).await;
    template_is_posted_then_sent(&double, &json2_client(&double)).await;
    assert!(double
        .calls()
        .iter()
        .any(|c| c.service == "json2" && c.model_method.as_deref() == Some("action_send_mail")));
}

#[tokio::test]
async fn an_english_customer_gets_english_amounts_and_a_sent_mail_by_default() {
    for series in ["16.0", "19.0"] {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let order = quotation(&odoo, CLAIRE, &[(JUICE, 1)]).await;
        let total = search_read(&odoo, "sale.order", field("id").eq(order), &["amount_total"]).await[0]
            .get("amount_total")
            .and_then(Value::as_f64)
            .unwrap();
        // Without `mail_notify_force_send: False`, Odoo sends at once (here,
        // with no mail server: failed at once).
        let composer = odoo.model("mail.compose.message");
        let mut values = Struct::new()
            .with("composition_mode", "comment")
            .with("model", "sale.order")
            .with("template_id", CONFIRMATION);
        if series == "16.0" {
            let answer = composer
                .call_on("onchange", vec![])
                .kwarg("values", Value::Struct(values.clone().with("res_id", order)))
                .kwarg("field_name", Value::Array(vec![]))
                .kwarg(
                    "field_onchange",
                    Value::Struct(Struct::new().with("template_id", "1").with("subject", "")),
                )
                .send()
                .await
                .unwrap();
            let Value::Struct(answer) = answer else {
                panic!("{answer:?}")
            };
            let Some(Value::Struct(value)) = answer.get("value") else {
                panic!("{answer:?}")
            };
            assert_eq!(
                value.get("partner_ids"),
                Some(&Value::Array(vec![
                    Value::Array(vec![Value::Int(5)]),
                    Value::Array(vec![Value::Int(4), Value::Int(CLAIRE)]),
                ]))
            );
            assert_eq!(m2o(value, "author_id"), Some(ADMIN_PARTNER));
            for (name, v) in value.iter() {
                let v = match (name, v) {
                    ("author_id" | "subtype_id" | "mail_server_id", Value::Array(pair)) => pair[0].clone(),
                    _ => v.clone(),
                };
                values.insert(name, v);
            }
            values.insert("res_id", order);
        } else {
            values.insert("res_ids", format!("[{order}]"));
        }
        let wizard = composer.create(values).send().await.unwrap();
        let action = composer
            .call_on("action_send_mail", vec![wizard])
            .send()
            .await
            .unwrap();
        assert_eq!(
            action,
            Value::Struct(Struct::new().with("type", "ir.actions.act_window_close"))
        );
        let message = &search_read(
            &odoo,
            "mail.message",
            field("model").eq("sale.order") & field("res_id").eq(order),
            &["body"],
        )
        .await[0];
        assert!(
            text(message, "body").contains(&euros(total, false)),
            "{}",
            text(message, "body")
        );
        assert_eq!(
            mail_delivery(&odoo, "sale.order", order).await.unwrap(),
            Some(MailDelivery::Failed { no_server: true }),
            "{series}"
        );
    }
}

#[tokio::test]
async fn mails_and_servers_are_the_admins_and_portal_users_may_not_mail() {
    let double = start(Dataset::shop()).await;
    let admin = client(&double);
    let order = quotation(&admin, CLAIRE, &[(BAGUETTE, 1)]).await;
    // Marie, an internal user who is no administrator, posts the template.
    let marie = client_as(&double, MARIE_LOGIN, "marie-password");
    send_template(&marie, "18.0", "sale.order", order, CONFIRMATION)
        .await
        .unwrap();
    assert_eq!(
        mail_delivery(&marie, "sale.order", order).await.unwrap(),
        Some(MailDelivery::Queued)
    );
    for model in ["mail.mail", "ir.mail_server", "ir.model.data"] {
        let refused = marie.model(model).search(Domain::All).send().await.unwrap_err();
        assert_eq!(
            refused.fault_kind(),
            Some(FaultKind::AccessError),
            "{model}: {refused:?}"
        );
    }
    let refused = call(&marie, "ir.cron", "method_direct_trigger", vec![MAIL_CRON])
        .await
        .unwrap_err();
    assert_eq!(refused.fault_kind(), Some(FaultKind::AccessError), "{refused:?}");
    // But she finds the template by its XML id.
    assert_eq!(order_template(&marie, None).await.unwrap(), Some(CONFIRMATION));
    let messages = search_read(&marie, "mail.message", field("res_id").eq(order), &["author_id"]).await;
    assert_eq!(m2o(&messages[0], "author_id"), Some(10));

    // A portal customer may not use the composer.
    let claire = client_as(&double, "claire@example.com", "claire-password");
    let refused = send_template(&claire, "18.0", "sale.order", order, CONFIRMATION)
        .await
        .unwrap_err();
    assert_eq!(refused.fault_kind(), Some(FaultKind::AccessError), "{refused:?}");
    let refused = claire
        .model("mail.message")
        .search(Domain::All)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.fault_kind(), Some(FaultKind::AccessError));
}

/// A free quantity as the connector gives it (a normalized decimal).
fn decimal(n: i64) -> String {
    n.to_string()
}

#[tokio::test]
async fn free_stock_per_series() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let inv = inventory(&odoo).await.unwrap().unwrap();
        let modern = series == "18.0" || series == "19.0";
        assert_eq!(
            inv,
            Inventory {
                is_storable_field: modern
            },
            "{series}"
        );
        assert_eq!(
            inv.warehouse_key(),
            if modern { "warehouse_id" } else { "warehouse" }
        );

        assert_eq!(warehouse(&odoo, Some(1), None).await.unwrap(), Some(WAREHOUSE));
        assert_eq!(
            warehouse(&odoo, Some(1), Some("Boulangerie-Épicerie du Marché"))
                .await
                .unwrap(),
            Some(WAREHOUSE)
        );
        assert_eq!(
            warehouse(&odoo, Some(1), Some("1")).await.unwrap(),
            Some(WAREHOUSE)
        );
        assert_eq!(warehouse(&odoo, Some(1), Some("Elsewhere")).await.unwrap(), None);

        let free: HashMap<i64, String> =
            free_quantities(&odoo, inv, WAREHOUSE, &[BAGUETTE, HONEY, JUICE, BEER])
                .await
                .unwrap()
                .into_iter()
                .map(|(id, q)| (id, q.to_string()))
                .collect();
        let expected: HashMap<i64, String> =
            [(HONEY, decimal(2)), (JUICE, decimal(40)), (BEER, decimal(0))].into();
        assert_eq!(free, expected, "{series}");
        // On hand: the reserved unit is still there.
        let honey = search_read(
            &odoo,
            "product.product",
            field("id").eq(HONEY),
            &["qty_available", "free_qty"],
        )
        .await;
        assert_eq!(honey[0].get("qty_available").and_then(Value::as_f64), Some(3.0));
        assert_eq!(honey[0].get("free_qty").and_then(Value::as_f64), Some(2.0));
        // The storable flag as the series has it.
        let (flag, value) = if modern {
            ("is_storable", Value::Bool(true))
        } else {
            ("detailed_type", Value::from("product"))
        };
        let mut storable = odoo
            .model("product.template")
            .search(field(flag).eq(value))
            .send()
            .await
            .unwrap();
        storable.sort_unstable();
        assert_eq!(storable, vec![HONEY, JUICE, BEER], "{series}");

        // A second warehouse with honey: the series' key counts one
        // warehouse, the other key is ignored (every warehouse counted).
        let other = double.with_db(|db| {
            let view = db
                .create(
                    "stock.location",
                    Struct::new().with("name", "DEP").with("usage", "view"),
                )
                .unwrap();
            let stock = db
                .create(
                    "stock.location",
                    Struct::new()
                        .with("name", "Stock")
                        .with("usage", "internal")
                        .with("location_id", view),
                )
                .unwrap();
            let wh = db
                .create(
                    "stock.warehouse",
                    Struct::new()
                        .with("name", "Dépôt")
                        .with("code", "DEP")
                        .with("company_id", 1)
                        .with("lot_stock_id", stock)
                        .with("view_location_id", view)
                        .with("sequence", 20),
                )
                .unwrap();
            (wh, stock)
        });
        odoo.model("stock.quant")
            .create(
                Struct::new()
                    .with("product_id", HONEY)
                    .with("location_id", other.1)
                    .with("inventory_quantity_auto_apply", 5),
            )
            .context("inventory_mode", true)
            .send()
            .await
            .unwrap();
        let count = |key: &'static str, wh: i64| {
            let odoo = &odoo;
            async move { search_read_ctx(odoo, HONEY, key, wh).await }
        };
        let wrong = if modern { "warehouse" } else { "warehouse_id" };
        assert_eq!(count(inv.warehouse_key(), WAREHOUSE).await, 2.0, "{series}");
        assert_eq!(count(inv.warehouse_key(), other.0).await, 5.0, "{series}");
        assert_eq!(
            count(wrong, other.0).await,
            7.0,
            "{series}: the other key is ignored"
        );
        let at = odoo
            .model("product.product")
            .read(vec![HONEY])
            .kwarg("fields", vec!["free_qty"])
            .context("location", WH_STOCK)
            .send()
            .await
            .unwrap();
        assert_eq!(at[0].get("free_qty").and_then(Value::as_f64), Some(2.0));
        // The warehouse's location reads as Odoo names it.
        let location = search_read(
            &odoo,
            "stock.warehouse",
            field("id").eq(WAREHOUSE),
            &["lot_stock_id"],
        )
        .await;
        assert_eq!(
            location[0].get("lot_stock_id"),
            Some(&Value::Array(vec![Value::Int(WH_STOCK), Value::from("WH/Stock")]))
        );
    }
}

async fn search_read_ctx(odoo: &Client, product: i64, key: &str, warehouse: i64) -> f64 {
    let rows = odoo
        .model("product.product")
        .search_read(field("id").eq(product))
        .fields(["free_qty"])
        .context(key, warehouse)
        .send()
        .await
        .unwrap();
    rows[0].get("free_qty").and_then(Value::as_f64).unwrap()
}

#[tokio::test]
async fn orders_reserve_cancel_and_take_stock() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let inv = inventory(&odoo).await.unwrap().unwrap();
        let free = |odoo: &Client| {
            let odoo = odoo.clone();
            async move { free_quantities(&odoo, inv, WAREHOUSE, &[HONEY]).await.unwrap()[&HONEY].to_string() }
        };
        double.set_now(Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap());
        let since = Utc.with_ymd_and_hms(2027, 3, 1, 8, 0, 0).unwrap();
        assert!(moved_since(&odoo, since).await.unwrap().is_empty());
        assert_eq!(
            moved_since(&odoo, Utc.with_ymd_and_hms(2026, 1, 20, 0, 0, 0).unwrap())
                .await
                .unwrap(),
            vec![HONEY]
        );
        assert_eq!(
            moved_since(&odoo, Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
                .await
                .unwrap(),
            vec![HONEY, JUICE]
        );

        // Two honeys and a baguette: all reserved, the delivery ready.
        let first = quotation(&odoo, CLAIRE, &[(HONEY, 2), (BAGUETTE, 1)]).await;
        call(&odoo, "sale.order", "action_confirm", vec![first])
            .await
            .unwrap();
        let placed = orders::read(&odoo, first).await.unwrap().unwrap();
        assert_eq!(placed.pickings[0].state, "assigned", "{series}");
        assert_eq!(free(&odoo).await, decimal(0));
        assert_eq!(moved_since(&odoo, since).await.unwrap(), vec![HONEY]);
        // One more honey: nothing free, the delivery waits.
        let second = quotation(&odoo, CAMILLE, &[(HONEY, 1)]).await;
        call(&odoo, "sale.order", "action_confirm", vec![second])
            .await
            .unwrap();
        let waiting = orders::read(&odoo, second).await.unwrap().unwrap();
        assert_eq!(waiting.pickings[0].state, "confirmed", "{series}");
        assert_eq!(free(&odoo).await, decimal(0));
        // Cancelling the first gives its two back.
        orders::cancel(&odoo, first).await.unwrap();
        assert_eq!(free(&odoo).await, decimal(2), "{series}");
        // A part reserved is still "Ready" (a delivery as soon as possible).
        let third = quotation(&odoo, CAMILLE, &[(HONEY, 3)]).await;
        call(&odoo, "sale.order", "action_confirm", vec![third])
            .await
            .unwrap();
        let partly = orders::read(&odoo, third).await.unwrap().unwrap();
        assert_eq!(partly.pickings[0].state, "assigned", "{series}");
        assert_eq!(free(&odoo).await, decimal(0));
        orders::cancel(&odoo, third).await.unwrap();

        // S00003's delivery (one honey reserved) validated: out of stock.
        assert_eq!(
            call(&odoo, "stock.picking", "button_validate", vec![3])
                .await
                .unwrap(),
            Value::Bool(true)
        );
        let honey = search_read(
            &odoo,
            "product.product",
            field("id").eq(HONEY),
            &["qty_available", "free_qty"],
        )
        .await;
        assert_eq!(
            honey[0].get("qty_available").and_then(Value::as_f64),
            Some(2.0),
            "{series}"
        );
        assert_eq!(honey[0].get("free_qty").and_then(Value::as_f64), Some(2.0));
        let line = search_read(&odoo, "sale.order.line", field("id").eq(4), &["qty_delivered"]).await;
        assert_eq!(line[0].get("qty_delivered").and_then(Value::as_f64), Some(1.0));

        // An administrator counts the stock (inventory mode): 12 on hand.
        let quant = odoo
            .model("stock.quant")
            .create(
                Struct::new()
                    .with("product_id", HONEY)
                    .with("location_id", WH_STOCK)
                    .with("inventory_quantity_auto_apply", 12),
            )
            .context("inventory_mode", true)
            .send()
            .await
            .unwrap();
        assert_eq!(quant, 1, "the existing quant");
        assert_eq!(free(&odoo).await, decimal(12));
        let quants = search_read(
            &odoo,
            "stock.quant",
            field("product_id").eq(HONEY),
            &["location_id", "quantity", "reserved_quantity", "write_date"],
        )
        .await;
        assert_eq!(quants.len(), 1);
        assert_eq!(quants[0].get("quantity").and_then(Value::as_f64), Some(12.0));
        assert_eq!(text(&quants[0], "write_date"), "2027-03-01 09:00:00");
        // Without the inventory mode, quants are not created.
        let refused = odoo
            .model("stock.quant")
            .create(
                Struct::new()
                    .with("product_id", BEER)
                    .with("location_id", WH_STOCK)
                    .with("inventory_quantity_auto_apply", 3),
            )
            .send()
            .await
            .unwrap_err();
        assert_eq!(refused.fault_kind(), Some(FaultKind::Validation), "{refused:?}");
    }
}

#[tokio::test]
async fn without_stock_there_is_no_inventory() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series).without_module("stock")).await;
        let odoo = client(&double);
        assert_eq!(inventory(&odoo).await.unwrap(), None, "{series}");
        let unknown = odoo
            .model("stock.quant")
            .search(Domain::All)
            .send()
            .await
            .unwrap_err();
        assert_eq!(unknown.fault_kind(), Some(FaultKind::UnknownModel));
        // The mail still works.
        assert_eq!(order_template(&odoo, None).await.unwrap(), Some(CONFIRMATION));
    }
}

#[tokio::test]
async fn claire_has_three_past_orders_made_by_the_staff() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let found = orders::orders_of(&odoo, CLAIRE, 10).await.unwrap();
        let names: Vec<&str> = found.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["S00003", "S00002", "S00001"], "{series}");
        assert!(found.iter().all(|o| o.client_order_ref.is_none()));
        let pickings = orders::pickings_of(&odoo, &found).await.unwrap();
        let tags = ProgressTags {
            ready: None,
            collected: orders::find_tag(&odoo, "Retirée").await.unwrap(),
        };
        assert_eq!(tags.collected, Some(RETIREE));
        let progress: Vec<Progress> = found
            .iter()
            .map(|o| orders::progress(o, &pickings[&o.id], tags))
            .collect();
        assert_eq!(
            progress,
            [Progress::Confirmed, Progress::Ready, Progress::Collected],
            "{series}"
        );
        assert_eq!(pickings[&3][0].state, "assigned");
        assert_eq!(pickings[&2][0].state, "done");
        // Their dates are past.
        assert!(found
            .iter()
            .all(|o| o.commitment_date.is_some_and(|d| d < Utc::now())));
    }
}
