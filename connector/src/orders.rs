//! Writing and reading the storefront's orders in Odoo: draft sale orders
//! tagged with their pickup slot, found again by their key, read back with
//! the amounts Odoo computed, cancelled.
//!
//! Creating an order is not idempotent in Odoo, so the storefront gives each
//! order a key (`client_order_ref`) and [`find_by_key`] before any retry:
//! [`deliver`] does both.

use std::collections::HashMap;

use crate::client::Client;
use crate::domain::field;
use crate::error::Error;
use crate::records::{CrmTag, NewSaleOrder, SaleOrder, SaleOrderLine, SaleOrderState};
use crate::xmlrpc::Struct;

/// An order as Odoo holds it, with its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedOrder {
    /// The order.
    pub order: SaleOrder,
    /// Its lines.
    pub lines: Vec<SaleOrderLine>,
}

/// The order whose `client_order_ref` is `key`, if Odoo has one.
pub async fn find_by_key(client: &Client, key: &str) -> Result<Option<SaleOrder>, Error> {
    let mut found = client
        .search_records::<SaleOrder>(field("client_order_ref").eq(key))
        .order("id")
        .limit(1)
        .send()
        .await?;
    Ok(found.pop())
}

/// The id of the `crm.tag` named `name`, created if there is none.
pub async fn ensure_tag(client: &Client, name: &str) -> Result<i64, Error> {
    let found = client
        .model("crm.tag")
        .search(field("name").eq(name))
        .limit(1)
        .send()
        .await?;
    match found.first() {
        Some(id) => Ok(*id),
        None => {
            client
                .model("crm.tag")
                .create(Struct::new().with("name", name))
                .send()
                .await
        }
    }
}

/// Creates `order` (whose `client_order_ref` is its key) unless Odoo
/// already has an order with that key, tagging it `tag` (created on demand);
/// returns the order as Odoo holds it. Safe to call again after any failure.
pub async fn deliver(client: &Client, order: &NewSaleOrder, tag: Option<&str>) -> Result<PlacedOrder, Error> {
    if let Some(key) = order.client_order_ref.as_deref() {
        if let Some(existing) = find_by_key(client, key).await? {
            return read_lines(client, existing).await;
        }
    }
    let mut order = order.clone();
    if let Some(tag) = tag {
        let id = ensure_tag(client, tag).await?;
        if !order.tag_ids.contains(&id) {
            order.tag_ids.push(id);
        }
    }
    let id = client
        .model("sale.order")
        .create(order.to_values())
        .send()
        .await?;
    read(client, id).await?.ok_or_else(|| Error::Decode {
        call: "sale.order.read".into(),
        field: "id".into(),
        message: format!("sale.order {id} was created but cannot be read back"),
    })
}

/// Order `id` with its lines, if it exists.
pub async fn read(client: &Client, id: i64) -> Result<Option<PlacedOrder>, Error> {
    let mut orders = client.read_records::<SaleOrder>(&[id]).await?;
    match orders.pop() {
        Some(order) => Ok(Some(read_lines(client, order).await?)),
        None => Ok(None),
    }
}

async fn read_lines(client: &Client, order: SaleOrder) -> Result<PlacedOrder, Error> {
    let lines = if order.order_line.is_empty() {
        Vec::new()
    } else {
        client.read_records::<SaleOrderLine>(&order.order_line).await?
    };
    Ok(PlacedOrder { order, lines })
}

/// The orders of customer `partner_id`, newest first.
pub async fn orders_of(client: &Client, partner_id: i64, limit: u32) -> Result<Vec<SaleOrder>, Error> {
    client
        .search_records::<SaleOrder>(field("partner_id").eq(partner_id))
        .order("id desc")
        .limit(limit)
        .send()
        .await
}

/// Cancels order `id` (`action_cancel`).
pub async fn cancel(client: &Client, id: i64) -> Result<(), Error> {
    client
        .model("sale.order")
        .call_on("action_cancel", vec![id])
        .send_raw()
        .await?;
    Ok(())
}

/// The fiscal position Odoo gives a new quotation of `partner_id` in the
/// client's company: its own choice (the customer's or their delivery
/// address's fiscal position, else the automatic one for their country,
/// state, zip and VAT, by each series' rules and any localisation's), asked
/// the way Odoo's order form asks it, with `onchange`: nothing is created.
/// `series` is the server's (`16.0`: `onchange(values, field_name,
/// field_onchange)`; later `onchange(values, field_names, fields_spec)`).
pub async fn fiscal_position_of(
    client: &Client,
    series: &str,
    partner_id: i64,
) -> Result<Option<i64>, Error> {
    use crate::xmlrpc::Value;
    const FIELDS: [&str; 4] = [
        "partner_id",
        "company_id",
        "partner_shipping_id",
        "fiscal_position_id",
    ];
    let values = Value::Struct(Struct::new().with("partner_id", partner_id));
    let old = series.split('.').next().and_then(|m| m.parse::<u32>().ok()) == Some(16);
    let spec = if old {
        FIELDS
            .iter()
            .fold(Struct::new(), |spec, name| spec.with(*name, "1"))
    } else {
        FIELDS
            .iter()
            .fold(Struct::new(), |spec, name| spec.with(*name, Struct::new()))
    };
    // No field changed: a new record, defaults and computed fields first.
    let changed = if old {
        Value::Bool(false)
    } else {
        Value::Array(vec![])
    };
    let answer = client
        .model("sale.order")
        .call_on("onchange", vec![])
        .returning::<Value>();
    let answer = answer
        .kwarg("values", values)
        .kwarg(if old { "field_name" } else { "field_names" }, changed)
        .kwarg(
            if old { "field_onchange" } else { "fields_spec" },
            Value::Struct(spec),
        )
        .send()
        .await?;
    let position = match &answer {
        Value::Struct(result) => match result.get("value") {
            Some(Value::Struct(value)) => value.get("fiscal_position_id").cloned(),
            _ => None,
        },
        _ => None,
    };
    Ok(match position {
        Some(Value::Int(id)) => Some(id),
        Some(Value::Array(pair)) => pair.first().and_then(Value::as_i64),
        Some(Value::Struct(record)) => record.get("id").and_then(Value::as_i64),
        _ => None,
    })
}

/// What Odoo holds of the orders of some slots, by tag name: each order's
/// key and whether it is cancelled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlotOrders {
    /// By tag name: `(client_order_ref, cancelled)` of each order.
    pub by_tag: HashMap<String, Vec<(Option<String>, bool)>>,
}

impl SlotOrders {
    /// Orders of `tag` that are not cancelled.
    pub fn active(&self, tag: &str) -> u32 {
        self.by_tag
            .get(tag)
            .map_or(0, |orders| {
                orders.iter().filter(|(_, cancelled)| !cancelled).count()
            })
            .try_into()
            .unwrap_or(u32::MAX)
    }

    /// The keys of all the orders of `tag`.
    pub fn keys(&self, tag: &str) -> impl Iterator<Item = &str> {
        self.by_tag
            .get(tag)
            .into_iter()
            .flatten()
            .filter_map(|(key, _)| key.as_deref())
    }
}

/// The orders of the slots named `tags` (two calls: the tags, then their
/// orders).
pub async fn slot_orders(client: &Client, tags: &[String]) -> Result<SlotOrders, Error> {
    if tags.is_empty() {
        return Ok(SlotOrders::default());
    }
    let found = client
        .search_records::<CrmTag>(field("name").is_in(tags.iter().map(String::as_str)))
        .send()
        .await?;
    if found.is_empty() {
        return Ok(SlotOrders::default());
    }
    let names: HashMap<i64, String> = found.into_iter().map(|t| (t.id, t.name)).collect();
    let orders = client
        .search_records::<SaleOrder>(field("tag_ids").is_in(names.keys().copied()))
        .send()
        .await?;
    let mut by_tag: HashMap<String, Vec<(Option<String>, bool)>> = HashMap::new();
    for order in orders {
        for tag in &order.tag_ids {
            if let Some(name) = names.get(tag) {
                by_tag.entry(name.clone()).or_default().push((
                    order.client_order_ref.clone(),
                    order.state == SaleOrderState::Cancel,
                ));
            }
        }
    }
    Ok(SlotOrders { by_tag })
}
