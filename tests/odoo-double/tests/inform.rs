//! What the storefront asks of Odoo to tell its staff and to follow its
//! orders, through the connector's own client over a real socket: models
//! (`ir.model`), activities (`mail.activity`), sales teams (`crm.team`) and
//! Inventory's transfers (`stock.picking`), on every series, with and
//! without the `stock` module.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use connector::inform::{activities_on, schedule_activity, staff_user, NewActivity, Staff};
use connector::orders::{self, Progress, ProgressTags};
use connector::xmlrpc::{Struct, Value};
use connector::{field, Client, Domain, FaultKind};
use odoo_double::{Dataset, OdooDouble};
use support::client::{client, client_as, json2_client, m2o, start};

mod support;

const SERIES: [&str; 4] = ["16.0", "17.0", "18.0", "19.0"];

/// The staff member who leads the demo's "Website" team.
const MARIE: i64 = 8;
const MARIE_LOGIN: &str = "marie@boulangerie-du-marche.example";
/// The admin, the technical user the storefront logs in as.
const ADMIN: i64 = 2;
/// Claire, a portal customer (partner 3).
const CLAIRE: i64 = 3;
/// The demo's "To-Do" activity type.
const TODO: i64 = 4;

fn text<'a>(row: &'a Struct, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

async fn read_one(client: &Client, model: &str, id: i64, fields: &[&str]) -> Struct {
    client
        .model(model)
        .read(vec![id])
        .kwarg("fields", fields.to_vec())
        .send()
        .await
        .unwrap()
        .pop()
        .unwrap()
}

/// A variant on sale (the first of the shop's, by id).
async fn a_product(client: &Client) -> i64 {
    let mut found = client
        .model("product.product")
        .search(field("sale_ok").eq(true))
        .order("id")
        .limit(1)
        .send()
        .await
        .unwrap();
    found.pop().unwrap()
}

/// A quotation for Claire with `quantity` of `product`.
async fn quotation(client: &Client, product: i64, quantity: i64) -> i64 {
    let line = Value::Array(vec![
        Value::Int(0),
        Value::Int(0),
        Value::Struct(
            Struct::new()
                .with("product_id", product)
                .with("product_uom_qty", quantity),
        ),
    ]);
    client
        .model("sale.order")
        .create(
            Struct::new()
                .with("partner_id", CLAIRE)
                .with("commitment_date", "2030-06-08 08:00:00")
                .with("order_line", Value::Array(vec![line])),
        )
        .send()
        .await
        .unwrap()
}

async fn confirm(client: &Client, order: i64) {
    client
        .model("sale.order")
        .call_on("action_confirm", vec![order])
        .send_raw()
        .await
        .unwrap();
}

async fn validate(client: &Client, picking: i64) -> Value {
    client
        .model("stock.picking")
        .call_on("button_validate", vec![picking])
        .send_raw()
        .await
        .unwrap()
}

fn progress(placed: &orders::PlacedOrder) -> Progress {
    orders::progress(&placed.order, &placed.pickings, ProgressTags::default())
}

#[tokio::test]
async fn every_model_is_listed_in_ir_model() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let found = odoo
            .model("ir.model")
            .search(field("model").eq("sale.order"))
            .send()
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{series}");
        let row = read_one(&odoo, "ir.model", found[0], &["model", "name"]).await;
        assert_eq!(text(&row, "model"), Some("sale.order"));
        assert_eq!(text(&row, "name"), Some("Sales Order"));
        let models: Vec<String> = double.with_db(|db| db.models().map(str::to_owned).collect());
        for model in [
            "mail.activity",
            "crm.team",
            "stock.picking",
            "ir.model",
            "res.partner",
        ] {
            assert!(models.iter().any(|m| m == model), "{series}: no {model}");
        }
        let count = odoo
            .model("ir.model")
            .search_count(Domain::All)
            .send()
            .await
            .unwrap();
        assert_eq!(count as usize, models.len(), "{series}");
    }
    // Without Inventory, no transfers among the models.
    let double = start(Dataset::shop().without_module("stock")).await;
    let odoo = client(&double);
    for model in ["stock.picking", "stock.picking.type"] {
        let found = odoo
            .model("ir.model")
            .search(field("model").eq(model))
            .send()
            .await
            .unwrap();
        assert!(found.is_empty(), "{model}");
    }
}

#[tokio::test]
async fn an_activity_on_an_order_is_found_by_its_summary() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let order = quotation(&odoo, a_product(&odoo).await, 2).await;
        let order_name = text(&read_one(&odoo, "sale.order", order, &["name"]).await, "name")
            .unwrap()
            .to_owned();
        let summary = "Web order to prepare for Sat 8 Jun, 10:00–12:00";
        let deadline = NaiveDate::from_ymd_opt(2030, 6, 7).unwrap();
        let activity = NewActivity {
            model: "sale.order",
            res_id: order,
            user_id: None,
            summary: summary.to_owned(),
            note: Some("2 × baguette <tradition> & co".to_owned()),
            deadline,
        };
        assert!(activities_on(&odoo, "sale.order", order, summary)
            .await
            .unwrap()
            .is_empty());
        let id = schedule_activity(&odoo, &activity).await.unwrap();
        assert_eq!(
            activities_on(&odoo, "sale.order", order, summary).await.unwrap(),
            vec![id],
            "{series}"
        );
        // Another summary, record or model: none.
        assert!(activities_on(&odoo, "sale.order", order, "Something else")
            .await
            .unwrap()
            .is_empty());
        assert!(activities_on(&odoo, "sale.order", order + 1, summary)
            .await
            .unwrap()
            .is_empty());
        assert!(activities_on(&odoo, "res.partner", order, summary)
            .await
            .unwrap()
            .is_empty());

        let row = read_one(
            &odoo,
            "mail.activity",
            id,
            &[
                "res_model",
                "res_model_id",
                "res_id",
                "res_name",
                "summary",
                "note",
                "date_deadline",
                "user_id",
                "activity_type_id",
                "state",
            ],
        )
        .await;
        assert_eq!(text(&row, "res_model"), Some("sale.order"), "{series}");
        assert_eq!(row.get("res_id").and_then(Value::as_i64), Some(order));
        assert_eq!(text(&row, "res_name"), Some(order_name.as_str()));
        assert_eq!(text(&row, "date_deadline"), Some("2030-06-07"));
        assert_eq!(text(&row, "state"), Some("planned"));
        assert_eq!(
            text(&row, "note"),
            Some("<p>2 × baguette &lt;tradition&gt; &amp; co</p>")
        );
        // The model from the context's `default_res_model`, and with it
        // the To-Do type.
        let model = m2o(&row, "res_model_id").unwrap();
        let model_row = read_one(&odoo, "ir.model", model, &["model"]).await;
        assert_eq!(text(&model_row, "model"), Some("sale.order"));
        assert_eq!(m2o(&row, "activity_type_id"), Some(TODO), "{series}");
        // Without a staff member, the connector names the technical user
        // (19.0 would leave the activity to nobody).
        assert_eq!(m2o(&row, "user_id"), Some(ADMIN), "{series}");

        // For the staff member found for the shop.
        let marie = staff_user(&odoo, &Staff::OwnTeam).await.unwrap();
        let assigned = schedule_activity(
            &odoo,
            &NewActivity {
                user_id: marie,
                summary: "Another".into(),
                ..activity.clone()
            },
        )
        .await
        .unwrap();
        let row = read_one(&odoo, "mail.activity", assigned, &["user_id"]).await;
        assert_eq!(m2o(&row, "user_id"), Some(MARIE));
        // On a partner too.
        let on_partner = schedule_activity(
            &odoo,
            &NewActivity {
                model: "res.partner",
                res_id: CLAIRE,
                ..activity.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            activities_on(&odoo, "res.partner", CLAIRE, summary)
                .await
                .unwrap(),
            vec![on_partner]
        );
    }
}

#[tokio::test]
async fn activity_defaults_follow_each_series() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let order = quotation(&odoo, a_product(&odoo).await, 1).await;
        let sale_order = odoo
            .model("ir.model")
            .search(field("model").eq("sale.order"))
            .send()
            .await
            .unwrap()[0];
        // The model given as a value, not in the context: Odoo up to 18.0
        // sets no type (its default reads the context), 19.0 its first.
        let id = odoo
            .model("mail.activity")
            .create(
                Struct::new()
                    .with("res_model_id", sale_order)
                    .with("res_id", order)
                    .with("summary", "No context"),
            )
            .send()
            .await
            .unwrap();
        let row = read_one(
            &odoo,
            "mail.activity",
            id,
            &["activity_type_id", "date_deadline", "res_model"],
        )
        .await;
        let expected = if series == "19.0" { Some(TODO) } else { None };
        assert_eq!(m2o(&row, "activity_type_id"), expected, "{series}");
        assert_eq!(text(&row, "res_model"), Some("sale.order"));
        // Due today by default.
        let today = double.now().format("%Y-%m-%d").to_string();
        assert_eq!(text(&row, "date_deadline"), Some(today.as_str()));
        // No record: refused from 17.0 (a constraint), kept by 16.0.
        let orphan = odoo
            .model("mail.activity")
            .create(
                Struct::new()
                    .with("res_model_id", sale_order)
                    .with("summary", "x"),
            )
            .send()
            .await;
        assert_eq!(orphan.is_ok(), series == "16.0", "{series}: {orphan:?}");
        if let Err(e) = orphan {
            assert_eq!(e.fault_kind(), Some(FaultKind::Validation), "{series}: {e:?}");
        }
    }
}

#[tokio::test]
async fn the_staff_is_found_by_team_or_login() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let find = |staff: Staff| {
            let odoo = odoo.clone();
            async move { staff_user(&odoo, &staff).await.unwrap() }
        };
        // The admin is a salesperson of "Website", which Marie leads.
        assert_eq!(find(Staff::OwnTeam).await, Some(MARIE), "{series}");
        assert_eq!(find(Staff::Team("Website".into())).await, Some(MARIE));
        assert_eq!(find(Staff::Team("2".into())).await, Some(MARIE));
        // "Sales" has neither leader nor member.
        assert_eq!(find(Staff::Team("Sales".into())).await, None);
        assert_eq!(find(Staff::Team("No such team".into())).await, None);
        assert_eq!(find(Staff::User(MARIE_LOGIN.into())).await, Some(MARIE));
        assert_eq!(find(Staff::User("8".into())).await, Some(MARIE));
        assert_eq!(find(Staff::User("nobody@example.com".into())).await, None);

        let teams = odoo
            .model("crm.team")
            .search(field("member_ids").is_in([ADMIN]))
            .send()
            .await
            .unwrap();
        assert_eq!(teams, vec![2]);
        let row = read_one(&odoo, "crm.team", 2, &["name", "user_id", "member_ids"]).await;
        assert_eq!(text(&row, "name"), Some("Website"));
        assert_eq!(m2o(&row, "user_id"), Some(MARIE));
        // In the users' order (by name: Marie Lefèvre, Shop Admin).
        assert_eq!(
            row.get("member_ids"),
            Some(&Value::Array(vec![Value::Int(MARIE), Value::Int(ADMIN)]))
        );
        // Teams in Odoo's order: by sequence.
        let all = odoo.model("crm.team").search(Domain::All).send().await.unwrap();
        assert_eq!(all, vec![1, 2]);
    }
    // A shop whose technical user is in no team: the first team's people
    // (here nobody: "Sales" is empty).
    let double = start(Dataset::shop()).await;
    double
        .with_db(|db| {
            db.write(
                "crm.team",
                &[2],
                Struct::new().with("member_ids", Value::Array(vec![])),
            )
        })
        .unwrap();
    let odoo = client(&double);
    assert_eq!(staff_user(&odoo, &Staff::OwnTeam).await.unwrap(), None);
}

/// The whole path of an order through Inventory, as the storefront sees
/// it: no transfer as a quotation, one ready delivery once confirmed, done
/// when the shop validates it.
async fn confirmed_order_is_delivered(double: &OdooDouble, odoo: &Client) {
    let series = double.series().to_owned();
    let product = a_product(odoo).await;
    let order = quotation(odoo, product, 3).await;

    let placed = orders::read(odoo, order).await.unwrap().unwrap();
    assert!(placed.pickings.is_empty(), "{series}");
    assert_eq!(progress(&placed), Progress::Received);

    confirm(odoo, order).await;
    let placed = orders::read(odoo, order).await.unwrap().unwrap();
    assert_eq!(placed.order.picking_ids.len(), 1, "{series}");
    let picking = &placed.pickings[0];
    // After the three deliveries of the shop's past orders.
    assert_eq!(picking.name, "WH/OUT/00004", "{series}");
    assert_eq!(picking.state, "assigned");
    assert_eq!(picking.picking_type_code.as_deref(), Some("outgoing"));
    assert_eq!(picking.date_done, None);
    assert!(!picking.is_done());
    // Odoo's "Ready" is not a prepared bag.
    assert_eq!(progress(&placed), Progress::Confirmed);
    let row = read_one(
        odoo,
        "stock.picking",
        picking.id,
        &[
            "sale_id",
            "origin",
            "partner_id",
            "scheduled_date",
            "picking_type_id",
        ],
    )
    .await;
    assert_eq!(m2o(&row, "sale_id"), Some(order));
    assert_eq!(text(&row, "origin"), Some(placed.order.name.as_str()));
    assert_eq!(m2o(&row, "partner_id"), Some(CLAIRE));
    assert_eq!(text(&row, "scheduled_date"), Some("2030-06-08 08:00:00"));

    let before = chrono::Utc::now() - chrono::TimeDelta::seconds(2);
    assert_eq!(validate(odoo, picking.id).await, Value::Bool(true));
    let placed = orders::read(odoo, order).await.unwrap().unwrap();
    let picking = &placed.pickings[0];
    assert_eq!(picking.state, "done", "{series}");
    assert!(picking.date_done.is_some_and(|d| d >= before), "{picking:?}");
    assert_eq!(progress(&placed), Progress::Ready, "{series}");
    // sale_stock: the goods count as delivered.
    let line = read_one(
        odoo,
        "sale.order.line",
        placed.order.order_line[0],
        &["qty_delivered"],
    )
    .await;
    assert_eq!(line.get("qty_delivered").and_then(Value::as_f64), Some(3.0));
    // Validating it again changes nothing.
    assert_eq!(validate(odoo, picking.id).await, Value::Bool(true));

    // The next delivery takes the next number.
    let second = quotation(odoo, product, 1).await;
    confirm(odoo, second).await;
    let placed = orders::read(odoo, second).await.unwrap().unwrap();
    assert_eq!(placed.pickings[0].name, "WH/OUT/00005");
}

#[tokio::test]
async fn a_confirmed_order_is_delivered_then_ready() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        confirmed_order_is_delivered(&double, &client(&double)).await;
    }
}

#[tokio::test]
async fn a_confirmed_order_is_delivered_then_ready_over_json2() {
    let double = start(Dataset::shop().with_series("19.0")).await;
    let odoo = json2_client(&double);
    confirmed_order_is_delivered(&double, &odoo).await;
    // An activity, its model given in the context of a JSON-2 call.
    let activity = NewActivity {
        model: "sale.order",
        res_id: 1,
        user_id: Some(MARIE),
        summary: "Prepare".into(),
        note: None,
        deadline: NaiveDate::from_ymd_opt(2030, 6, 7).unwrap(),
    };
    let id = schedule_activity(&odoo, &activity).await.unwrap();
    assert_eq!(
        activities_on(&odoo, "sale.order", 1, "Prepare").await.unwrap(),
        vec![id]
    );
    let row = read_one(&odoo, "mail.activity", id, &["activity_type_id", "user_id"]).await;
    assert_eq!(m2o(&row, "activity_type_id"), Some(TODO));
    assert_eq!(m2o(&row, "user_id"), Some(MARIE));
    assert!(double
        .calls()
        .iter()
        .any(|c| c.service == "json2" && c.model_method.as_deref() == Some("button_validate")));
}

#[tokio::test]
async fn cancelling_an_order_cancels_its_open_delivery() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let product = a_product(&odoo).await;
        let order = quotation(&odoo, product, 1).await;
        confirm(&odoo, order).await;
        orders::cancel(&odoo, order).await.unwrap();
        let placed = orders::read(&odoo, order).await.unwrap().unwrap();
        assert_eq!(placed.pickings.len(), 1, "{series}");
        assert!(placed.pickings[0].is_cancelled(), "{series}");
        assert_eq!(progress(&placed), Progress::Cancelled);
        // A cancelled transfer cannot be validated.
        let refused = odoo
            .model("stock.picking")
            .call_on("button_validate", vec![placed.pickings[0].id])
            .send_raw()
            .await
            .unwrap_err();
        assert_eq!(refused.fault_kind(), Some(FaultKind::Validation), "{refused:?}");

        // Back to a quotation and confirmed again: a new delivery.
        odoo.model("sale.order")
            .call_on("action_draft", vec![order])
            .send_raw()
            .await
            .unwrap();
        confirm(&odoo, order).await;
        let placed = orders::read(&odoo, order).await.unwrap().unwrap();
        let states: Vec<&str> = placed.pickings.iter().map(|p| p.state.as_str()).collect();
        assert_eq!(placed.pickings.len(), 2, "{series}");
        assert!(
            states.contains(&"cancel") && states.contains(&"assigned"),
            "{states:?}"
        );
        assert_eq!(progress(&placed), Progress::Confirmed);

        // A delivered order cancelled keeps its done delivery.
        let delivered = quotation(&odoo, product, 1).await;
        confirm(&odoo, delivered).await;
        let placed = orders::read(&odoo, delivered).await.unwrap().unwrap();
        validate(&odoo, placed.pickings[0].id).await;
        orders::cancel(&odoo, delivered).await.unwrap();
        let placed = orders::read(&odoo, delivered).await.unwrap().unwrap();
        assert!(placed.pickings[0].is_done(), "{series}");
    }
}

#[tokio::test]
async fn services_make_no_delivery_and_storable_goods_wait() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series)).await;
        let odoo = client(&double);
        let product = a_product(&odoo).await;
        let template = read_one(&odoo, "product.product", product, &["product_tmpl_id"]).await;
        let template = m2o(&template, "product_tmpl_id").unwrap();

        // A service.
        let kind = if series == "16.0" || series == "17.0" {
            "detailed_type"
        } else {
            "type"
        };
        double
            .with_db(|db| db.set("product.template", template, kind, "service"))
            .unwrap();
        let order = quotation(&odoo, product, 1).await;
        confirm(&odoo, order).await;
        let placed = orders::read(&odoo, order).await.unwrap().unwrap();
        assert!(placed.pickings.is_empty(), "{series}");
        assert_eq!(progress(&placed), Progress::Confirmed);

        // Storable goods: nothing in stock in the double, so waiting, and
        // refused when validated.
        let storable = if series == "16.0" || series == "17.0" {
            Struct::new()
                .with("detailed_type", "product")
                .with("type", "product")
        } else {
            Struct::new().with("type", "consu").with("is_storable", true)
        };
        double
            .with_db(|db| db.write("product.template", &[template], storable))
            .unwrap();
        let order = quotation(&odoo, product, 1).await;
        confirm(&odoo, order).await;
        let placed = orders::read(&odoo, order).await.unwrap().unwrap();
        assert_eq!(placed.pickings[0].state, "confirmed", "{series}");
        let refused = odoo
            .model("stock.picking")
            .call_on("button_validate", vec![placed.pickings[0].id])
            .send_raw()
            .await
            .unwrap_err();
        assert_eq!(refused.fault_kind(), Some(FaultKind::Validation), "{refused:?}");
        assert_eq!(progress(&placed), Progress::Confirmed);
    }
}

#[tokio::test]
async fn without_stock_orders_have_no_transfers() {
    for series in SERIES {
        let double = start(Dataset::shop().with_series(series).without_module("stock")).await;
        let odoo = client(&double);
        let order = quotation(&odoo, a_product(&odoo).await, 2).await;
        confirm(&odoo, order).await;
        double.clear_calls();
        let placed = orders::read(&odoo, order).await.unwrap().unwrap();
        assert!(placed.order.picking_ids.is_empty(), "{series}");
        assert!(placed.pickings.is_empty());
        assert_eq!(progress(&placed), Progress::Confirmed);
        // The order was read without `picking_ids`, and nothing asked of
        // transfers.
        let calls = double.calls();
        let order_reads: Vec<_> = calls
            .iter()
            .filter(|c| c.model.as_deref() == Some("sale.order") && c.model_method.as_deref() == Some("read"))
            .collect();
        assert!(!order_reads.is_empty());
        assert!(order_reads
            .iter()
            .all(|c| !format!("{:?}{:?}", c.args, c.kwargs).contains("picking_ids")));
        assert!(calls.iter().all(|c| c.model.as_deref() != Some("stock.picking")));

        let fields: Vec<String> =
            double.with_db(|db| db.schema("sale.order").unwrap().fields.keys().cloned().collect());
        assert!(!fields.iter().any(|f| f == "picking_ids" || f == "delivery_count"));
        let unknown = odoo
            .model("stock.picking")
            .search(Domain::All)
            .send()
            .await
            .unwrap_err();
        assert_eq!(unknown.fault_kind(), Some(FaultKind::UnknownModel), "{unknown:?}");
    }
    // With Inventory, the order's read asks for its transfers.
    let double = start(Dataset::shop()).await;
    let odoo = client(&double);
    let order = quotation(&odoo, a_product(&odoo).await, 2).await;
    double.clear_calls();
    orders::read(&odoo, order).await.unwrap().unwrap();
    assert!(double.calls().iter().any(|c| {
        c.model.as_deref() == Some("sale.order")
            && c.model_method.as_deref() == Some("read")
            && format!("{:?}{:?}", c.args, c.kwargs).contains("picking_ids")
    }));
}

#[tokio::test]
async fn portal_users_see_no_activities_teams_models_or_transfers() {
    let double = start(Dataset::shop()).await;
    let claire = client_as(&double, "claire@example.com", "claire-password");
    for model in [
        "mail.activity",
        "mail.activity.type",
        "crm.team",
        "ir.model",
        "stock.picking",
    ] {
        let refused = claire.model(model).search(Domain::All).send().await.unwrap_err();
        assert_eq!(
            refused.fault_kind(),
            Some(FaultKind::AccessError),
            "{model}: {refused:?}"
        );
    }
    let refused = schedule_activity(
        &claire,
        &NewActivity {
            model: "res.partner",
            res_id: CLAIRE,
            user_id: None,
            summary: "Call me".into(),
            note: None,
            deadline: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(refused.fault_kind(), Some(FaultKind::AccessError), "{refused:?}");

    // The staff member logs in and sees them.
    let marie = client_as(&double, MARIE_LOGIN, "marie-password");
    assert_eq!(marie.uid().await.unwrap(), MARIE);
    let teams = marie.model("crm.team").search(Domain::All).send().await.unwrap();
    assert_eq!(teams.len(), 2);
}
