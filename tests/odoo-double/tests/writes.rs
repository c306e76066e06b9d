//! Writing to the double: create, write, unlink with x2many commands,
//! Odoo's checks, timestamps, transactions, and sale orders priced from
//! their pricelist with taxes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use connector::xmlrpc::{Struct, Value};
use odoo_double::{AmountRequest, Database, LineAmounts, LinePrice, LinePricer, PriceRequest};
use support::*;

fn cmd(code: i64, id: i64, vals: Option<Struct>) -> Value {
    let mut c = vec![Value::Int(code), Value::Int(id)];
    if let Some(v) = vals {
        c.push(Value::Struct(v));
    }
    Value::Array(c)
}

fn set(ids: Vec<i64>) -> Value {
    Value::Array(vec![Value::Int(6), Value::Int(0), Value::from(ids)])
}

fn line(product: i64, qty: impl Into<Value>) -> Value {
    cmd(
        0,
        0,
        Some(
            Struct::new()
                .with("product_id", product)
                .with("product_uom_qty", qty),
        ),
    )
}

async fn create(odoo: &Odoo, model: &str, values: Struct) -> i64 {
    odoo.kw(model, "create", vec![Value::Struct(values)], Struct::new())
        .await
        .unwrap_or_else(|f| panic!("{}", f.string))
        .as_i64()
        .unwrap()
}

async fn write(odoo: &Odoo, model: &str, ids: Vec<i64>, values: Struct) {
    let r = odoo
        .kw(
            model,
            "write",
            vec![Value::from(ids), Value::Struct(values)],
            Struct::new(),
        )
        .await
        .unwrap_or_else(|f| panic!("{}", f.string));
    assert_eq!(r, Value::Bool(true));
}

async fn lines(odoo: &Odoo, order: i64) -> Vec<Struct> {
    odoo.search_read(
        "sale.order.line",
        domain(vec![leaf("order_id", "=", order)]),
        kwargs(vec![
            (
                "fields",
                Value::from(vec![
                    "product_id",
                    "product_uom_qty",
                    "price_unit",
                    "discount",
                    "price_subtotal",
                    "price_tax",
                    "price_total",
                    "tax_id",
                    "product_uom",
                    "name",
                ]),
            ),
            ("order", "id".into()),
        ]),
    )
    .await
}

fn num(row: &Struct, field: &str) -> f64 {
    row.get(field)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{field} in {row:?}"))
}

async fn order_amounts(odoo: &Odoo, order: i64) -> (f64, f64, f64) {
    let row = &odoo
        .search_read(
            "sale.order",
            domain(vec![leaf("id", "=", order)]),
            kwargs(vec![(
                "fields",
                Value::from(vec!["amount_untaxed", "amount_tax", "amount_total"]),
            )]),
        )
        .await[0];
    (
        num(row, "amount_untaxed"),
        num(row, "amount_tax"),
        num(row, "amount_total"),
    )
}

#[tokio::test]
async fn a_draft_order_is_priced_from_the_customers_pricelist() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    // Claire (Members: 10 % off, 15 % from 5 units), no pricelist given.
    let order = create(
        &odoo,
        "sale.order",
        Struct::new()
            .with("partner_id", 3)
            .with("commitment_date", "2030-06-08 08:00:00")
            .with("client_order_ref", "web-0001")
            .with("tag_ids", vec![set(vec![1])])
            .with("order_line", vec![line(4, 2), line(5, 5), line(19, 1)]),
    )
    .await;
    let row = &odoo
        .search_read(
            "sale.order",
            domain(vec![leaf("id", "=", order)]),
            kwargs(vec![(
                "fields",
                Value::from(vec![
                    "name",
                    "state",
                    "pricelist_id",
                    "partner_invoice_id",
                    "tag_ids",
                    "order_line",
                    "currency_id",
                    "date_order",
                    "user_id",
                ]),
            )]),
        )
        .await[0];
    // After the shop's three past orders (S00001 to S00003).
    assert_eq!(text(row, "name"), "S00004");
    assert_eq!(text(row, "state"), "draft");
    assert_eq!(
        row.get("pricelist_id"),
        Some(&Value::Array(vec![Value::Int(2), Value::from("Members (EUR)")]))
    );
    assert_eq!(
        row.get("currency_id"),
        Some(&Value::Array(vec![Value::Int(1), Value::from("EUR")]))
    );
    assert_eq!(
        row.get("partner_invoice_id").unwrap().as_array().unwrap()[0],
        Value::Int(3)
    );
    assert_eq!(row.get("user_id").unwrap().as_array().unwrap()[0], Value::Int(2));
    assert_eq!(row.get("tag_ids"), Some(&Value::from(vec![1])));
    assert_eq!(row.get("order_line").unwrap().as_array().unwrap().len(), 3);
    let ls = lines(&odoo, order).await;
    let prices: Vec<f64> = ls.iter().map(|l| num(l, "price_unit")).collect();
    assert_eq!(prices, vec![1.08, 1.19, 6.75]);
    assert_eq!(
        ls[0].get("product_uom"),
        Some(&Value::Array(vec![Value::Int(1), Value::from("Units")]))
    );
    assert_eq!(ls[0].get("tax_id"), Some(&Value::from(vec![1])));
    assert_eq!(text(&ls[0], "name"), "[VIEN-CROI] Croissant\nPure butter.");
    // 5.5 % included: 2.16 → 2.05 + 0.11.
    assert_eq!(
        (
            num(&ls[0], "price_subtotal"),
            num(&ls[0], "price_tax"),
            num(&ls[0], "price_total")
        ),
        (2.05, 0.11, 2.16)
    );
    let (untaxed, tax, total) = order_amounts(&odoo, order).await;
    let sum = |f: &str| ls.iter().map(|l| num(l, f)).sum::<f64>();
    assert!((untaxed - sum("price_subtotal")).abs() < 1e-9);
    assert!((tax - sum("price_tax")).abs() < 1e-9);
    assert!((total - (untaxed + tax)).abs() < 1e-9);
    assert_eq!(total, 14.86);

    // The next order takes the next number.
    let second = create(&odoo, "sale.order", Struct::new().with("partner_id", 4)).await;
    assert_eq!(
        odoo.field("sale.order", second, "name").await,
        Value::from("S00005")
    );
    assert_eq!(order_amounts(&odoo, second).await, (0.0, 0.0, 0.0));

    // Found by its reference, counted in its slot.
    let found = odoo
        .search(
            "sale.order",
            domain(vec![leaf("client_order_ref", "=", "web-0001")]),
            Struct::new(),
        )
        .await;
    assert_eq!(found, vec![order]);
    let count = odoo
        .kw(
            "sale.order",
            "search_count",
            vec![domain(vec![
                leaf("commitment_date", "=", "2030-06-08 08:00:00"),
                leaf("state", "!=", "cancel"),
            ])],
            Struct::new(),
        )
        .await;
    assert_eq!(count, Ok(Value::Int(1)));

    // Cancelled.
    let r = odoo
        .kw(
            "sale.order",
            "action_cancel",
            vec![Value::from(vec![order])],
            Struct::new(),
        )
        .await;
    assert_eq!(r, Ok(Value::Bool(true)));
    assert_eq!(
        odoo.field("sale.order", order, "state").await,
        Value::from("cancel")
    );
    assert_eq!(
        odoo.field(
            "sale.order.line",
            ls[0].get("id").unwrap().as_i64().unwrap(),
            "state"
        )
        .await,
        Value::from("cancel")
    );
}

#[tokio::test]
async fn prices_taxes_and_quantities_by_weight() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    // Public pricelist, explicit; taxes included and excluded; 0.35 kg.
    let order = create(
        &odoo,
        "sale.order",
        Struct::new()
            .with("partner_id", 7)
            .with("pricelist_id", 1)
            .with("order_line", vec![line(1, 2), line(14, 2), line(7, 0.35)]),
    )
    .await;
    let ls = lines(&odoo, order).await;
    let amounts: Vec<(f64, f64, f64, f64)> = ls
        .iter()
        .map(|l| {
            (
                num(l, "price_unit"),
                num(l, "price_subtotal"),
                num(l, "price_tax"),
                num(l, "price_total"),
            )
        })
        .collect();
    assert_eq!(
        amounts,
        vec![
            (1.3, 2.46, 0.14, 2.6),
            (3.9, 7.8, 1.56, 9.36),
            (28.0, 9.29, 0.51, 9.8)
        ]
    );
    assert_eq!(
        ls[2].get("product_uom"),
        Some(&Value::Array(vec![Value::Int(2), Value::from("kg")]))
    );
    assert_eq!(order_amounts(&odoo, order).await, (19.55, 2.21, 21.76));

    // Professionals: a formula on the bakery category (20 % off, rounded
    // to 0.05), 10 % off everything else.
    let pro = create(
        &odoo,
        "sale.order",
        Struct::new()
            .with("partner_id", 5)
            .with("order_line", vec![line(1, 10), line(7, 1.5)]),
    )
    .await;
    let ls = lines(&odoo, pro).await;
    assert_eq!(num(&ls[0], "price_unit"), 1.05);
    assert_eq!(num(&ls[1], "price_unit"), 25.2);

    // A price given by the client is kept; changing the quantity reprices.
    let manual = create(
        &odoo,
        "sale.order",
        Struct::new().with("partner_id", 3).with(
            "order_line",
            vec![cmd(
                0,
                0,
                Some(
                    Struct::new()
                        .with("product_id", 4)
                        .with("product_uom_qty", 1)
                        .with("price_unit", 0.5),
                ),
            )],
        ),
    )
    .await;
    let l = lines(&odoo, manual).await.remove(0);
    assert_eq!(num(&l, "price_unit"), 0.5);
    let line_id = l.get("id").unwrap().as_i64().unwrap();
    write(
        &odoo,
        "sale.order.line",
        vec![line_id],
        Struct::new().with("product_uom_qty", 6),
    )
    .await;
    let l = lines(&odoo, manual).await.remove(0);
    assert_eq!(num(&l, "price_unit"), 1.02, "15 % off from 5 units");
    assert_eq!(num(&l, "price_total"), 6.12);
    assert_eq!(order_amounts(&odoo, manual).await.2, 6.12);
}

#[tokio::test]
async fn x2many_commands_on_many2many_and_one2many() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let order = create(
        &odoo,
        "sale.order",
        Struct::new()
            .with("partner_id", 4)
            .with("order_line", vec![line(4, 1), line(5, 1), line(2, 1)]),
    )
    .await;
    let tags = || odoo.field("sale.order", order, "tag_ids");
    async fn line_ids_of(odoo: &Odoo, order: i64) -> Vec<i64> {
        odoo.field("sale.order", order, "order_line")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    }
    let l = line_ids_of(&odoo, order).await;
    assert_eq!(l.len(), 3);

    // many2many: (0) create, (4) link, (3) unlink, (6) set, (5) clear, ids.
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with(
            "tag_ids",
            vec![cmd(0, 0, Some(Struct::new().with("name", "Saturday 08:00")))],
        ),
    )
    .await;
    let new_tag = tags().await.as_array().unwrap()[0].as_i64().unwrap();
    assert_eq!(
        odoo.field("crm.tag", new_tag, "name").await,
        Value::from("Saturday 08:00")
    );
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("tag_ids", vec![cmd(4, 1, None)]),
    )
    .await;
    assert_eq!(tags().await, Value::from(vec![1, new_tag]));
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("tag_ids", vec![cmd(3, 1, None)]),
    )
    .await;
    assert_eq!(tags().await, Value::from(vec![new_tag]));
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("tag_ids", vec![set(vec![1, new_tag])]),
    )
    .await;
    assert_eq!(tags().await, Value::from(vec![1, new_tag]));
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("tag_ids", vec![Value::Array(vec![Value::Int(5)])]),
    )
    .await;
    assert_eq!(tags().await, Value::from(Vec::<i64>::new()));
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("tag_ids", vec![1]),
    )
    .await;
    assert_eq!(tags().await, Value::from(vec![1]));
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("tag_ids", vec![cmd(1, 1, Some(Struct::new().with("color", 7)))]),
    )
    .await;
    assert_eq!(odoo.field("crm.tag", 1, "color").await, Value::Int(7));
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("tag_ids", vec![cmd(2, new_tag, None)]),
    )
    .await;
    assert!(odoo
        .search("crm.tag", domain(vec![leaf("id", "=", new_tag)]), Struct::new())
        .await
        .is_empty());
    let fault = odoo
        .kw(
            "sale.order",
            "write",
            vec![
                Value::from(vec![order]),
                Value::Struct(Struct::new().with("tag_ids", vec![set(vec![424242])])),
            ],
            Struct::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(fault.code, 2);
    assert!(fault.string.contains("crm.tag(424242,)"), "{}", fault.string);

    // one2many with a required inverse: (1) update, (2) delete, (3) and
    // (5) delete too, (0) create, (4) link moves a line.
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with(
            "order_line",
            vec![cmd(1, l[0], Some(Struct::new().with("product_uom_qty", 5)))],
        ),
    )
    .await;
    assert_eq!(
        odoo.field("sale.order.line", l[0], "price_unit").await,
        Value::Double(1.02)
    );
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("order_line", vec![cmd(2, l[1], None), cmd(3, l[2], None)]),
    )
    .await;
    assert_eq!(line_ids_of(&odoo, order).await, vec![l[0]]);
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("order_line", vec![line(13, 2)]),
    )
    .await;
    assert_eq!(line_ids_of(&odoo, order).await.len(), 2);
    assert_eq!(order_amounts(&odoo, order).await.2, 11.4);
    let other = create(
        &odoo,
        "sale.order",
        Struct::new()
            .with("partner_id", 4)
            .with("order_line", vec![line(1, 1)]),
    )
    .await;
    let moved = line_ids_of(&odoo, order).await[0];
    write(
        &odoo,
        "sale.order",
        vec![other],
        Struct::new().with("order_line", vec![cmd(4, moved, None)]),
    )
    .await;
    assert_eq!(line_ids_of(&odoo, order).await.len(), 1);
    assert_eq!(
        odoo.field("sale.order", other, "order_line")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    write(
        &odoo,
        "sale.order",
        vec![order],
        Struct::new().with("order_line", vec![Value::Array(vec![Value::Int(5)])]),
    )
    .await;
    assert!(line_ids_of(&odoo, order).await.is_empty());
    assert_eq!(order_amounts(&odoo, order).await, (0.0, 0.0, 0.0));

    // one2many with an optional inverse: unlinking keeps the child.
    write(
        &odoo,
        "res.partner",
        vec![5],
        Struct::new().with("child_ids", vec![cmd(3, 8, None)]),
    )
    .await;
    assert_eq!(
        odoo.field("res.partner", 8, "parent_id").await,
        Value::Bool(false)
    );
    write(
        &odoo,
        "res.partner",
        vec![5],
        Struct::new().with(
            "child_ids",
            vec![
                cmd(4, 8, None),
                cmd(0, 0, Some(Struct::new().with("name", "Léa Roux"))),
            ],
        ),
    )
    .await;
    let children = odoo.field("res.partner", 5, "child_ids").await;
    assert_eq!(children.as_array().unwrap().len(), 2);
    write(
        &odoo,
        "res.partner",
        vec![5],
        Struct::new().with("child_ids", vec![set(vec![8])]),
    )
    .await;
    assert_eq!(
        odoo.field("res.partner", 5, "child_ids").await,
        Value::from(vec![8])
    );
}

#[tokio::test]
async fn odoo_checks_on_writes() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let kw = |model: &'static str, method: &'static str, args: Vec<Value>| {
        odoo.kw(model, method, args, Struct::new())
    };

    let fault = kw(
        "sale.order",
        "create",
        vec![Value::Struct(Struct::new().with("note", "no customer"))],
    )
    .await
    .unwrap_err();
    assert_eq!(fault.code, 2);
    assert!(
        fault.string.contains("mandatory field") && fault.string.contains("partner_id"),
        "{}",
        fault.string
    );
    let fault = kw(
        "sale.order",
        "create",
        vec![Value::Struct(Struct::new().with("partner_id", 999999))],
    )
    .await
    .unwrap_err();
    assert_eq!(
        fault.string,
        "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)"
    );
    let fault = kw(
        "sale.order",
        "write",
        vec![
            Value::from(vec![12345]),
            Value::Struct(Struct::new().with("note", "x")),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(
        fault.string,
        "Record does not exist or has been deleted.\n(Record: sale.order(12345,), User: 2)"
    );
    let fault = kw(
        "product.template",
        "write",
        vec![
            Value::from(vec![1]),
            Value::Struct(Struct::new().with("categ_id", 777)),
        ],
    )
    .await
    .unwrap_err();
    assert!(fault
        .string
        .ends_with("(Record: product.category(777,), User: 2)"));
    let fault = kw(
        "product.template",
        "write",
        vec![
            Value::from(vec![1]),
            Value::Struct(Struct::new().with("name", false)),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(fault.code, 2, "a required field cannot be emptied");

    // A failed call changes nothing (Odoo's transaction).
    let before = odoo
        .kw("sale.order", "search_count", vec![domain(vec![])], Struct::new())
        .await
        .unwrap();
    let fault = kw(
        "sale.order",
        "create",
        vec![Value::Struct(
            Struct::new()
                .with("partner_id", 3)
                .with("order_line", vec![line(4, 1), line(999, 1)]),
        )],
    )
    .await
    .unwrap_err();
    assert!(fault.string.contains("product.product(999,)"), "{}", fault.string);
    assert_eq!(
        odoo.kw("sale.order", "search_count", vec![domain(vec![])], Struct::new())
            .await
            .unwrap(),
        before
    );
    // The shop's past orders' five lines, no more.
    assert_eq!(
        odoo.search("sale.order.line", domain(vec![]), Struct::new())
            .await
            .len(),
        5
    );
    let first = create(&odoo, "sale.order", Struct::new().with("partner_id", 3)).await;
    assert_eq!(
        odoo.field("sale.order", first, "name").await,
        Value::from("S00004"),
        "the failed create used no number"
    );

    // Unknown fields: ignored by create, refused by write.
    let tag = create(
        &odoo,
        "crm.tag",
        Struct::new().with("name", "x").with("no_such_field", 1),
    )
    .await;
    let fault = kw(
        "crm.tag",
        "write",
        vec![
            Value::from(vec![tag]),
            Value::Struct(Struct::new().with("no_such_field", 1)),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(fault.code, 1);
    // Creating several at once.
    let many = kw(
        "crm.tag",
        "create",
        vec![Value::Array(vec![
            Value::Struct(Struct::new().with("name", "a")),
            Value::Struct(Struct::new().with("name", "b")),
        ])],
    )
    .await
    .unwrap();
    assert_eq!(many.as_array().unwrap().len(), 2);

    // Deleting: cascades, restrictions, confirmed orders.
    let order = create(
        &odoo,
        "sale.order",
        Struct::new()
            .with("partner_id", 4)
            .with("order_line", vec![line(4, 1)]),
    )
    .await;
    let fault = kw("res.partner", "unlink", vec![Value::from(vec![4])])
        .await
        .unwrap_err();
    assert_eq!(
        fault.code, 2,
        "a customer with orders cannot be deleted: {}",
        fault.string
    );
    assert_eq!(
        kw("sale.order", "action_confirm", vec![Value::from(vec![order])]).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(
        odoo.field("sale.order", order, "state").await,
        Value::from("sale")
    );
    let fault = kw("sale.order", "unlink", vec![Value::from(vec![order])])
        .await
        .unwrap_err();
    assert_eq!(fault.code, 2);
    assert_eq!(
        kw("sale.order", "action_cancel", vec![Value::from(vec![order])]).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(
        kw("sale.order", "action_draft", vec![Value::from(vec![order])]).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(
        odoo.field("sale.order", order, "state").await,
        Value::from("draft")
    );
    assert_eq!(
        kw("sale.order", "unlink", vec![Value::from(vec![order])]).await,
        Ok(Value::Bool(true))
    );
    let lines_left = odoo
        .search(
            "sale.order.line",
            domain(vec![leaf("order_id", "=", order)]),
            Struct::new(),
        )
        .await;
    assert!(lines_left.is_empty(), "lines go with their order");
    assert_eq!(
        kw("product.template", "unlink", vec![Value::from(vec![6])]).await,
        Ok(Value::Bool(true))
    );
    let variants = odoo
        .search(
            "product.product",
            domain(vec![leaf("id", "in", vec![6, 19])]),
            kwargs(vec![("context", ctx(vec![("active_test", false.into())]))]),
        )
        .await;
    assert!(variants.is_empty(), "variants go with their template");
    let fault = kw("product.template", "unlink", vec![Value::from(vec![6])])
        .await
        .unwrap_err();
    assert_eq!(fault.code, 2);
    assert_eq!(
        kw("product.template", "exists", vec![Value::from(vec![1, 6])]).await,
        Ok(Value::from(vec![1]))
    );
}

#[tokio::test]
async fn timestamps_related_fields_and_delegation() {
    let double = shop().await;
    let odoo = Odoo::admin(&double).await;
    let t0 = chrono::DateTime::parse_from_rfc3339("2031-03-01T12:00:00Z")
        .unwrap()
        .to_utc();
    double.set_now(t0);
    let id = create(
        &odoo,
        "product.product",
        Struct::new()
            .with("name", "Fougasse")
            .with("list_price", 3.0)
            .with("default_code", "FOUG"),
    )
    .await;
    let tmpl = odoo
        .field("product.product", id, "product_tmpl_id")
        .await
        .as_array()
        .unwrap()[0]
        .as_i64()
        .unwrap();
    assert_eq!(
        odoo.field("product.template", tmpl, "name").await,
        Value::from("Fougasse")
    );
    assert_eq!(
        odoo.field("product.template", tmpl, "product_variant_ids").await,
        Value::from(vec![id])
    );
    assert_eq!(
        odoo.field("product.product", id, "display_name").await,
        Value::from("[FOUG] Fougasse")
    );
    assert_eq!(
        odoo.field("product.product", id, "create_date").await,
        Value::from("2031-03-01 12:00:00")
    );

    double.advance_clock(chrono::Duration::seconds(90));
    write(
        &odoo,
        "product.product",
        vec![id],
        Struct::new().with("name", "Fougasse aux olives"),
    )
    .await;
    assert_eq!(
        odoo.field("product.template", tmpl, "name").await,
        Value::from("Fougasse aux olives")
    );
    assert_eq!(
        odoo.field("product.template", tmpl, "write_date").await,
        Value::from("2031-03-01 12:01:30")
    );
    assert_eq!(
        odoo.field("product.product", id, "write_date").await,
        Value::from("2031-03-01 12:01:30")
    );
    assert_eq!(
        odoo.field("product.product", id, "create_date").await,
        Value::from("2031-03-01 12:00:00")
    );

    // Archiving a single-variant template archives its variant.
    write(
        &odoo,
        "product.template",
        vec![tmpl],
        Struct::new().with("active", false),
    )
    .await;
    assert_eq!(
        odoo.field("product.product", id, "active").await,
        Value::Bool(false)
    );

    // A user created with a name gets a partner.
    let user = create(
        &odoo,
        "res.users",
        Struct::new()
            .with("name", "Nina Portal")
            .with("login", "nina@example.com")
            .with("share", true),
    )
    .await;
    let partner = odoo.field("res.users", user, "partner_id").await;
    assert_eq!(partner.as_array().unwrap()[1], Value::from("Nina Portal"));
    double
        .with_db(|db| db.set_password("nina@example.com", "nina-password"))
        .unwrap();
    let nina = Odoo::login(&double, "nina@example.com", "nina-password").await;
    assert_eq!(nina.uid, user);
}

struct FlatPricer;

impl LinePricer for FlatPricer {
    fn price(&self, _db: &Database, request: &PriceRequest) -> LinePrice {
        LinePrice {
            price_unit: 2.0 + request.quantity,
            discount: 10.0,
        }
    }

    fn amounts(&self, _db: &Database, request: &AmountRequest) -> LineAmounts {
        let subtotal = request.price_unit * request.quantity * (1.0 - request.discount / 100.0);
        LineAmounts {
            price_subtotal: subtotal,
            price_tax: 1.0,
            price_total: subtotal + 1.0,
        }
    }
}

#[tokio::test]
async fn the_pricer_can_be_replaced() {
    let double = shop().await;
    double.set_pricer(Arc::new(FlatPricer));
    let odoo = Odoo::admin(&double).await;
    let order = create(
        &odoo,
        "sale.order",
        Struct::new()
            .with("partner_id", 3)
            .with("order_line", vec![line(4, 2)]),
    )
    .await;
    let l = lines(&odoo, order).await.remove(0);
    assert_eq!((num(&l, "price_unit"), num(&l, "discount")), (4.0, 10.0));
    assert_eq!(
        (
            num(&l, "price_subtotal"),
            num(&l, "price_tax"),
            num(&l, "price_total")
        ),
        (7.2, 1.0, 8.2)
    );
    assert_eq!(order_amounts(&odoo, order).await, (7.2, 1.0, 8.2));
}
