//! A customer's orders: those Odoo has (read from Odoo, cached briefly) and
//! those received but not yet in Odoo (from the outbox); one order's page;
//! cancelling before the slot's cut-off; ordering the same again.
//!
//! An order is named in URLs by its key (`client_order_ref`), or `so-<id>`
//! for an order made in Odoo without one. A customer only ever finds their
//! own: anyone else's answers "not found".

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use connector::orders::{self, PlacedOrder, Progress, ProgressTags};
use connector::records::SaleOrderState;
use rust_decimal::Decimal;

use crate::shop::cart::{self, QuantityInput};
use crate::shop::catalog::{CatalogIndex, Shelf};
use crate::shop::checkout::valid_key;
use crate::shop::history::HISTORY_LIMIT;
use crate::shop::outbox::OrderPayload;
use crate::shop::{Customer, Shop};
use crate::store::{OrderState, OutboxOrder, StoreError};

/// Why an order action failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// No such order of this customer.
    #[error("no such order")]
    NotFound,
    /// Past the slot's cut-off, or already confirmed or cancelled.
    #[error("this order can no longer be cancelled")]
    NotCancellable,
    /// Odoo could not be asked.
    #[error(transparent)]
    Odoo(#[from] connector::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One order of the customer, from wherever it is known.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its reference.
    pub reference: String,
    /// The outbox's record, if it was ordered in this shop.
    pub local: Option<OutboxOrder>,
    /// What was ordered, if ordered in this shop.
    pub payload: Option<OrderPayload>,
    /// Odoo's order, when Odoo has it and answered.
    pub odoo: Option<PlacedOrder>,
    /// The tags by which the staff mark progress, when it was found.
    pub tags: ProgressTags,
}

fn payload_of(order: &OutboxOrder) -> Option<OrderPayload> {
    serde_json::from_str(&order.payload).ok()
}

/// Finds order `reference` of `customer`, read from Odoo now: their
/// list, remembered briefly, is read again next time (the order may have
/// moved on).
pub async fn find(shop: &Shop, customer: &Customer, reference: &str) -> Result<Found, OrderError> {
    shop.history.forget(customer.partner_id);
    let client = shop.odoo();
    if let Some(id) = reference
        .strip_prefix("so-")
        .and_then(|id| id.parse::<i64>().ok())
    {
        if id <= 0 {
            return Err(OrderError::NotFound);
        }
        // Odoo leaves a record that is not there out of a read: "not
        // found", not "Odoo is away".
        let placed = orders::read(client, id).await?.ok_or(OrderError::NotFound)?;
        if placed.order.partner_id.id != customer.partner_id {
            return Err(OrderError::NotFound);
        }
        // The shop's own order, when it has its key (else a quotation the
        // staff made: read-only here).
        let local = match placed
            .order
            .client_order_ref
            .as_deref()
            .filter(|key| valid_key(key))
        {
            Some(key) => shop
                .store
                .order(key)
                .await?
                .filter(|local| local.partner_id == customer.partner_id && local.odoo_id == Some(id)),
            None => None,
        };
        return Ok(Found {
            reference: reference.to_owned(),
            payload: local.as_ref().and_then(payload_of),
            local,
            odoo: Some(placed),
            tags: shop.informer.progress_tags().await,
        });
    }
    if !valid_key(reference) {
        return Err(OrderError::NotFound);
    }
    let local = shop.store.order(reference).await?;
    if let Some(local) = &local {
        if local.partner_id != customer.partner_id {
            return Err(OrderError::NotFound);
        }
    }
    let odoo = match local.as_ref().map(|l| (l.state, l.odoo_id)) {
        Some((OrderState::Sent | OrderState::Cancelled, Some(id))) => match orders::read(client, id).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read an order from Odoo");
                None
            }
        },
        Some(_) => None,
        None => {
            let order = orders::find_by_key(client, reference)
                .await?
                .ok_or(OrderError::NotFound)?;
            if order.partner_id.id != customer.partner_id {
                return Err(OrderError::NotFound);
            }
            orders::read(client, order.id).await?
        }
    };
    if let Some(placed) = &odoo {
        if placed.order.partner_id.id != customer.partner_id {
            return Err(OrderError::NotFound);
        }
    }
    Ok(Found {
        reference: reference.to_owned(),
        payload: local.as_ref().and_then(payload_of),
        local,
        odoo,
        tags: shop.informer.progress_tags().await,
    })
}

impl Found {
    /// Where the order stands: Odoo's state when Odoo has it (`draft`,
    /// `sent`, `sale`, `done`, `cancel`), else the shop's (`pending`,
    /// `failed`, `cancel`, `sent_unreadable`).
    pub fn state_code(&self) -> &'static str {
        state_code(self)
    }

    /// Where the order stands for its customer, once Odoo has it: received,
    /// confirmed, ready for pickup, collected or cancelled (see
    /// [`orders::progress`]).
    pub fn progress(&self) -> Option<Progress> {
        let placed = self.odoo.as_ref()?;
        Some(orders::progress(&placed.order, &placed.pickings, self.tags))
    }

    /// What the customer is shown: the progress once Odoo has the order,
    /// else the shop's state (`pending`, `failed`, `cancel`,
    /// `sent_unreadable`).
    pub fn status_code(&self) -> &'static str {
        match self.progress() {
            Some(progress) => progress.as_str(),
            None => state_code(self),
        }
    }
}

fn state_code(found: &Found) -> &'static str {
    match (&found.odoo, found.local.as_ref().map(|l| l.state)) {
        (Some(placed), _) => sale_state_code(placed.order.state),
        (None, Some(OrderState::Pending)) => "pending",
        (None, Some(OrderState::Failed)) => "failed",
        (None, Some(OrderState::Cancelled)) => "cancel",
        (None, Some(OrderState::Sent)) => "sent_unreadable",
        (None, None) => "pending",
    }
}

fn sale_state_code(state: SaleOrderState) -> &'static str {
    match state {
        SaleOrderState::Draft => "draft",
        SaleOrderState::Sent => "sent",
        SaleOrderState::Sale => "sale",
        SaleOrderState::Done => "done",
        SaleOrderState::Cancel => "cancel",
        _ => "sale",
    }
}

/// When the order is to be collected, and where.
pub fn slot_of(
    index: &CatalogIndex,
    found: &Found,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>, String) {
    if let Some(p) = &found.payload {
        return (Some(p.slot_start), Some(p.slot_stop), p.place.clone());
    }
    let start = found.odoo.as_ref().and_then(|p| p.order.commitment_date);
    slot_at(index, start)
}

fn slot_at(
    index: &CatalogIndex,
    start: Option<DateTime<Utc>>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>, String) {
    let event = start.and_then(|s| {
        index
            .snapshot
            .pickup_slots
            .records
            .values()
            .find(|e| e.start == s)
    });
    (
        start,
        event.map(|e| e.stop),
        event.and_then(|e| e.location.clone()).unwrap_or_default(),
    )
}

/// Whether the customer may still cancel: only an order the shop made for
/// them (it has it under its key), before its slot's cut-off. A quotation
/// the staff made is read-only here.
pub fn cancellable(shop: &Shop, found: &Found, start: Option<DateTime<Utc>>) -> bool {
    let Some(local) = &found.local else {
        return false;
    };
    // A case bought together is ordered from the wholesaler for all its
    // members: a member's part of it is not theirs alone to cancel.
    if crate::shop::cases::is_share_order(&local.key) {
        return false;
    }
    let open = start.is_some_and(|s| Utc::now() < shop.closes_at(s));
    let state_ok = match (&found.odoo, found.local.as_ref().map(|l| l.state)) {
        (Some(placed), _) => matches!(placed.order.state, SaleOrderState::Draft | SaleOrderState::Sent),
        (None, Some(OrderState::Pending | OrderState::Failed)) => true,
        _ => false,
    };
    open && state_ok
}

/// The customer's orders, newest first; `false` when Odoo could not be read
/// (then only the orders not yet in Odoo are listed).
pub async fn history(shop: &Shop, customer: &Customer) -> Result<(Vec<Found>, bool), OrderError> {
    let local = shop.store.orders_of(customer.partner_id, HISTORY_LIMIT).await?;
    let (odoo, reachable) = match shop.history.orders(shop.odoo(), customer.partner_id).await {
        Ok(orders) => (orders, true),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read a customer's orders from Odoo");
            (Arc::new(Vec::new()), false)
        }
    };
    // Their deliveries, read now: they move while the list is remembered.
    let mut pickings = match orders::pickings_of(shop.odoo(), &odoo).await {
        Ok(pickings) => pickings,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the deliveries of a customer's orders from Odoo");
            HashMap::new()
        }
    };
    let tags = shop.informer.progress_tags().await;
    let in_odoo: HashSet<&str> = odoo
        .iter()
        .filter_map(|o| o.client_order_ref.as_deref())
        .collect();
    let mut found_orders = Vec::new();
    // Orders received and not yet in Odoo come first: they are the newest.
    for order in local.iter().filter(|o| !in_odoo.contains(o.key.as_str())) {
        if order.state == OrderState::Sent && reachable {
            continue; // In Odoo under another partner, or deleted there.
        }
        let found = Found {
            reference: order.key.clone(),
            local: Some(order.clone()),
            payload: payload_of(order),
            odoo: None,
            tags,
        };
        found_orders.push(found);
    }
    let local_by_key: HashMap<&str, &OutboxOrder> = local.iter().map(|o| (o.key.as_str(), o)).collect();
    for order in odoo.iter() {
        let reference = match order.client_order_ref.as_deref().filter(|k| valid_key(k)) {
            Some(key) => key.to_owned(),
            None => format!("so-{}", order.id),
        };
        let local = local_by_key.get(reference.as_str()).map(|o| (*o).clone());
        let found = Found {
            reference,
            payload: local.as_ref().and_then(payload_of),
            local,
            odoo: Some(PlacedOrder {
                order: order.clone(),
                lines: Vec::new(),
                pickings: pickings.remove(&order.id).unwrap_or_default(),
            }),
            tags,
        };
        found_orders.push(found);
    }
    Ok((found_orders, reachable))
}

/// Cancels order `reference` before its slot's cut-off.
pub async fn cancel(
    shop: &Shop,
    index: &CatalogIndex,
    customer: &Customer,
    reference: &str,
) -> Result<(), OrderError> {
    let found = find(shop, customer, reference).await?;
    let (start, _, _) = slot_of(index, &found);
    if !cancellable(shop, &found, start) {
        return Err(OrderError::NotCancellable);
    }
    let now = Utc::now().timestamp();
    if let Some(placed) = &found.odoo {
        orders::cancel(shop.odoo(), placed.order.id).await?;
    }
    if let Some(local) = &found.local {
        if !shop.store.mark_cancelled(&local.key, now).await? && found.odoo.is_none() {
            return Err(OrderError::NotCancellable);
        }
    }
    shop.history.forget(customer.partner_id);
    shop.slot_book.forget();
    Ok(())
}

/// Puts the lines of order `reference` into the cart; returns the names of
/// the products skipped because they are no longer sold.
pub async fn reorder(
    shop: &Shop,
    shelf: &Shelf<'_>,
    customer: &Customer,
    reference: &str,
) -> Result<(usize, Vec<String>), OrderError> {
    let found = find(shop, customer, reference).await?;
    let lines: Vec<(i64, Decimal, String)> = match (&found.odoo, &found.payload) {
        (Some(placed), _) => placed
            .lines
            .iter()
            .filter_map(|l| {
                let p = l.product_id.as_ref()?;
                Some((p.id, l.product_uom_qty, p.name.clone()))
            })
            .collect(),
        (None, Some(payload)) => payload
            .lines
            .iter()
            .map(|l| (l.product_id, l.quantity, l.name.clone()))
            .collect(),
        (None, None) => Vec::new(),
    };
    let mut added = 0;
    let mut skipped = Vec::new();
    for (product_id, quantity, name) in lines {
        match cart::add(
            &shop.store,
            shelf,
            customer,
            product_id,
            QuantityInput::Number(quantity),
        )
        .await
        {
            Ok(_) => added += 1,
            Err(cart::CartError::Store(e)) => return Err(e.into()),
            Err(_) => skipped.push(name),
        }
    }
    Ok((added, skipped))
}
