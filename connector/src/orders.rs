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
use crate::records::{CrmTag, NewSaleOrder, SaleOrder, SaleOrderLine, SaleOrderState, StockPicking};
use crate::xmlrpc::Struct;

/// An order as Odoo holds it, with its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedOrder {
    /// The order.
    pub order: SaleOrder,
    /// Its lines.
    pub lines: Vec<SaleOrderLine>,
    /// Its transfers, when Inventory is installed.
    pub pickings: Vec<StockPicking>,
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
    match find_tag(client, name).await? {
        Some(id) => Ok(id),
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
    let pickings = pickings_of(client, std::slice::from_ref(&order))
        .await?
        .remove(&order.id)
        .unwrap_or_default();
    Ok(PlacedOrder {
        order,
        lines,
        pickings,
    })
}

/// The transfers of `orders`, by order id, in one read (none without
/// Inventory: the orders have no `picking_ids`).
pub async fn pickings_of(
    client: &Client,
    orders: &[SaleOrder],
) -> Result<HashMap<i64, Vec<StockPicking>>, Error> {
    let ids: Vec<i64> = orders
        .iter()
        .flat_map(|o| o.picking_ids.iter().copied())
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let pickings: HashMap<i64, StockPicking> = client
        .read_records::<StockPicking>(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(orders
        .iter()
        .map(|o| {
            let mine = o
                .picking_ids
                .iter()
                .filter_map(|id| pickings.get(id).cloned())
                .collect();
            (o.id, mine)
        })
        .collect())
}

/// Where an order stands, in the words its customer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Progress {
    /// Odoo has the quotation; the shop has not confirmed it yet.
    Received,
    /// The shop confirmed it (the quotation became an order).
    Confirmed,
    /// Prepared: its delivery was validated, or the shop tagged it ready.
    Ready,
    /// Collected: paid at the till (Point of Sale, or its invoices), or
    /// tagged collected.
    Collected,
    /// Cancelled.
    Cancelled,
}

impl Progress {
    /// `received`, `confirmed`, `ready`, `collected` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Received => "received",
            Progress::Confirmed => "confirmed",
            Progress::Ready => "ready",
            Progress::Collected => "collected",
            Progress::Cancelled => "cancelled",
        }
    }
}

/// The tags (`crm.tag` ids) by which a shop's staff may mark an order's
/// progress by hand, where Inventory or Point of Sale do not tell it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgressTags {
    /// "Ready for pickup", e.g. a tag named "Prêt".
    pub ready: Option<i64>,
    /// "Collected".
    pub collected: Option<i64>,
}

/// Where `order` stands, from what Odoo holds of it:
///
/// - cancelled: the order is cancelled;
/// - collected: tagged so, or confirmed and nothing left to pay
///   (`amount_unpaid`, Point of Sale's: paid at the till or invoiced and
///   paid);
/// - ready: tagged so, or every transfer of the order that is not
///   cancelled was validated. Odoo calls a transfer "Ready" (`assigned`)
///   as soon as the goods are reserved, which says nothing of a prepared
///   bag: a click-and-collect shop validates the delivery when the bag is
///   ready;
/// - confirmed: a sale order (`sale`, or `done` when locked);
/// - received: a quotation.
pub fn progress(order: &SaleOrder, pickings: &[StockPicking], tags: ProgressTags) -> Progress {
    let tagged = |tag: Option<i64>| tag.is_some_and(|t| order.tag_ids.contains(&t));
    let confirmed = matches!(order.state, SaleOrderState::Sale | SaleOrderState::Done);
    if order.state == SaleOrderState::Cancel {
        return Progress::Cancelled;
    }
    let paid = confirmed
        && order.amount_total > rust_decimal::Decimal::ZERO
        && order
            .amount_unpaid
            .is_some_and(|unpaid| unpaid <= rust_decimal::Decimal::ZERO);
    if tagged(tags.collected) || paid {
        return Progress::Collected;
    }
    let live: Vec<&StockPicking> = pickings.iter().filter(|p| !p.is_cancelled()).collect();
    let delivered = confirmed && !live.is_empty() && live.iter().all(|p| p.is_done());
    if tagged(tags.ready) || delivered {
        return Progress::Ready;
    }
    if confirmed {
        Progress::Confirmed
    } else {
        Progress::Received
    }
}

/// The id of the `crm.tag` named `name`, if there is one (nothing is
/// created).
pub async fn find_tag(client: &Client, name: &str) -> Result<Option<i64>, Error> {
    let found = client
        .model("crm.tag")
        .search(field("name").eq(name))
        .limit(1)
        .send()
        .await?;
    Ok(found.first().copied())
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

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::records::Many2one;

    fn order(state: SaleOrderState, tags: Vec<i64>, unpaid: Option<Decimal>) -> SaleOrder {
        SaleOrder {
            id: 7,
            name: "S00007".into(),
            state,
            partner_id: Many2one {
                id: 3,
                name: "Customer".into(),
            },
            pricelist_id: None,
            amount_untaxed: Decimal::new(1000, 2),
            amount_tax: Decimal::new(55, 2),
            amount_total: Decimal::new(1055, 2),
            commitment_date: None,
            client_order_ref: None,
            tag_ids: tags,
            order_line: Vec::new(),
            company_id: None,
            note: None,
            picking_ids: vec![1, 2],
            amount_unpaid: unpaid,
        }
    }

    fn picking(id: i64, state: &str) -> StockPicking {
        StockPicking {
            id,
            name: format!("WH/OUT/{id}"),
            state: state.into(),
            picking_type_code: Some("outgoing".into()),
            date_done: None,
        }
    }

    const TAGS: ProgressTags = ProgressTags {
        ready: Some(50),
        collected: Some(51),
    };

    #[test]
    fn a_quotation_is_received_and_an_order_confirmed() {
        use SaleOrderState::*;
        for (state, expected) in [
            (Draft, Progress::Received),
            (Sent, Progress::Received),
            (Sale, Progress::Confirmed),
            (Done, Progress::Confirmed),
            (Cancel, Progress::Cancelled),
        ] {
            assert_eq!(
                progress(&order(state, vec![], None), &[], TAGS),
                expected,
                "{state}"
            );
        }
    }

    #[test]
    fn reserved_goods_are_not_ready_a_validated_delivery_is() {
        let o = order(SaleOrderState::Sale, vec![], None);
        // Odoo's "Ready" (reserved) is not a prepared bag.
        assert_eq!(progress(&o, &[picking(1, "assigned")], TAGS), Progress::Confirmed);
        assert_eq!(
            progress(&o, &[picking(1, "done"), picking(2, "assigned")], TAGS),
            Progress::Confirmed
        );
        assert_eq!(
            progress(&o, &[picking(1, "done"), picking(2, "cancel")], TAGS),
            Progress::Ready
        );
        assert_eq!(progress(&o, &[picking(1, "cancel")], TAGS), Progress::Confirmed);
        // A quotation has no delivery to validate.
        let quotation = order(SaleOrderState::Draft, vec![], None);
        assert_eq!(
            progress(&quotation, &[picking(1, "done")], TAGS),
            Progress::Received
        );
    }

    #[test]
    fn tags_mark_ready_and_collected_by_hand() {
        assert_eq!(
            progress(&order(SaleOrderState::Draft, vec![50], None), &[], TAGS),
            Progress::Ready
        );
        assert_eq!(
            progress(&order(SaleOrderState::Sale, vec![9, 51], None), &[], TAGS),
            Progress::Collected
        );
        assert_eq!(
            progress(
                &order(SaleOrderState::Sale, vec![50], None),
                &[],
                ProgressTags::default()
            ),
            Progress::Confirmed
        );
        // A cancelled order stays cancelled, whatever its tags.
        assert_eq!(
            progress(&order(SaleOrderState::Cancel, vec![51], None), &[], TAGS),
            Progress::Cancelled
        );
    }

    #[test]
    fn paid_at_the_till_is_collected() {
        let paid = order(SaleOrderState::Sale, vec![], Some(Decimal::ZERO));
        assert_eq!(
            progress(&paid, &[picking(1, "assigned")], TAGS),
            Progress::Collected
        );
        let unpaid = order(SaleOrderState::Sale, vec![], Some(Decimal::new(1055, 2)));
        assert_eq!(progress(&unpaid, &[], TAGS), Progress::Confirmed);
        // A quotation owes nothing yet: it is not collected.
        let quotation = order(SaleOrderState::Draft, vec![], Some(Decimal::ZERO));
        assert_eq!(progress(&quotation, &[], TAGS), Progress::Received);
    }
}
