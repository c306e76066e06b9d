//! Checkout: the pickup slots offered (from the mirror's calendar events,
//! less the places taken in Odoo and locally), the minimum order, and the
//! order itself: stored under its idempotency key, then created in Odoo as a
//! draft sale order through the outbox.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use rust_decimal::Decimal;

use crate::i18n;
use crate::shop::cart::{self, CartError};
use crate::shop::catalog::{CatalogIndex, Shelf};
use crate::shop::outbox::{Delivery, OrderPayload, PayloadLine};
use crate::shop::slots::{self, Availability, Slot};
use crate::shop::{Customer, Shop};
use crate::store::{NewOrder, OutboxOrder, Reservation, StoreError};

/// How long a checkout waits for Odoo before saying "received, will be
/// confirmed" (the outbox goes on trying).
const DELIVERY_WAIT: Duration = Duration::from_secs(10);

/// A slot with how many orders it holds.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The slot.
    pub slot: Slot,
    /// Orders it holds (in Odoo, plus local ones not yet there).
    pub taken: u32,
    /// Whether it can be chosen.
    pub availability: Availability,
}

/// The slots offered now, with their availability.
pub async fn offers(shop: &Shop, index: &CatalogIndex, fresh: bool) -> Result<Vec<Offer>, StoreError> {
    let now = Utc::now();
    let list = slots::slots(
        index.snapshot.pickup_slots.records.values(),
        &shop.slot_settings(),
        now,
    );
    let tz = shop.settings.time_zone;
    let labels: Vec<String> = list.iter().map(|s| s.label(tz)).collect();
    let odoo = shop.slot_book.odoo_orders(shop.odoo(), &labels, fresh).await;
    let ids: Vec<i64> = list.iter().map(|s| s.id).collect();
    let local = shop.store.slot_orders(&ids).await?;
    Ok(list
        .into_iter()
        .zip(labels)
        .map(|(slot, label)| {
            let in_odoo: HashSet<&str> = odoo.keys(&label).collect();
            let local_only = local
                .iter()
                .filter(|(id, key)| *id == slot.id && !in_odoo.contains(key.as_str()))
                .count();
            let taken = odoo
                .active(&label)
                .saturating_add(u32::try_from(local_only).unwrap_or(u32::MAX));
            let availability = slots::availability(&slot, taken, now);
            Offer {
                slot,
                taken,
                availability,
            }
        })
        .collect())
}

/// Why a checkout was refused.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// Nothing to order.
    #[error("the cart is empty")]
    EmptyCart,
    /// Under the minimum order: this much is missing.
    #[error("the order is under the minimum")]
    BelowMinimum {
        /// What is missing.
        missing: Decimal,
        /// The minimum, in the customer's currency.
        minimum: Decimal,
        /// The customer's currency.
        currency: i18n::CurrencyFormat,
    },
    /// No such slot, or not offered.
    #[error("no such pickup slot")]
    UnknownSlot,
    /// Past the slot's cut-off.
    #[error("orders for this slot are closed")]
    SlotClosed,
    /// No place left.
    #[error("this slot is full")]
    SlotFull,
    /// The idempotency key is missing or malformed.
    #[error("the order key is missing or malformed")]
    BadKey,
    /// The key belongs to another customer's order.
    #[error("the order key is already used")]
    KeyConflict,
    /// The note is too long.
    #[error("the note is too long")]
    NoteTooLong,
    /// Products of the cart are no longer sold (archived, unpublished, of
    /// another company, no longer for sale): they were taken out of the
    /// cart, which the customer should see before ordering.
    #[error("products of the cart are no longer sold")]
    CartChanged,
    /// The customer's fiscal position changed since the cart was priced
    /// (Odoo now gives them another): the customer should see the new
    /// prices before ordering.
    #[error("the customer's prices changed")]
    PricesChanged,
    /// The cart could not be read.
    #[error(transparent)]
    Cart(#[from] CartError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CheckoutError {
    /// The message key.
    pub fn message_key(&self) -> &'static str {
        match self {
            CheckoutError::EmptyCart => "checkout_empty",
            CheckoutError::BelowMinimum { .. } => "below_minimum",
            CheckoutError::UnknownSlot => "slot_unknown",
            CheckoutError::SlotClosed => "slot_closed",
            CheckoutError::SlotFull => "slot_full",
            CheckoutError::BadKey => "order_key_invalid",
            CheckoutError::KeyConflict => "order_key_conflict",
            CheckoutError::NoteTooLong => "note_too_long",
            CheckoutError::CartChanged => "cart_lines_removed",
            CheckoutError::PricesChanged => "prices_changed",
            CheckoutError::Cart(e) => e.message_key(),
            CheckoutError::Store(_) => "server_error",
        }
    }
}

/// Whether `key` can be an order key: 16 to 64 letters, digits, `-`, `_`.
pub fn valid_key(key: &str) -> bool {
    (16..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new order key.
pub fn new_key() -> String {
    crate::store::ids::random_id()
}

/// Places the customer's cart as an order for slot `slot_id` under `key`:
/// stored first, then sent to Odoo (waiting a little for it). The same key
/// again returns the order it made, whatever happened since.
pub async fn place(
    shop: &Shop,
    shelf: &Shelf<'_>,
    customer: &Customer,
    key: &str,
    slot_id: i64,
    note: Option<&str>,
) -> Result<Placed, CheckoutError> {
    let index = shelf.index;
    if !valid_key(key) {
        return Err(CheckoutError::BadKey);
    }
    let again = |order: OutboxOrder| Placed {
        order,
        created: false,
    };
    if let Some(existing) = shop.store.order(key).await? {
        return if existing.partner_id == customer.partner_id {
            Ok(again(existing))
        } else {
            Err(CheckoutError::KeyConflict)
        };
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 1000) {
        return Err(CheckoutError::NoteTooLong);
    }
    let minimum = shop.settings.minimum_order;
    let priced = cart::priced(&shop.store, shelf, customer, minimum).await?;
    // Never an order without what the customer chose: Odoo would refuse
    // another company's product, and the customer expects what they saw.
    if !priced.removed.is_empty() {
        return Err(CheckoutError::CartChanged);
    }
    if priced.is_empty() {
        // A second click while the first one placed the order and emptied
        // the cart: that order.
        return match shop.store.order(key).await? {
            Some(existing) if existing.partner_id == customer.partner_id => Ok(again(existing)),
            Some(_) => Err(CheckoutError::KeyConflict),
            None => Err(CheckoutError::EmptyCart),
        };
    }
    if let Some(missing) = priced.missing {
        return Err(CheckoutError::BelowMinimum {
            missing,
            minimum: priced.minimum,
            currency: shelf.currency().clone(),
        });
    }
    let now = Utc::now();
    let all = slots::slots(
        index.snapshot.pickup_slots.records.values(),
        &shop.slot_settings(),
        now,
    );
    let slot = all
        .into_iter()
        .find(|s| s.id == slot_id)
        .ok_or(CheckoutError::UnknownSlot)?;
    if !slot.is_open(now) {
        return Err(CheckoutError::SlotClosed);
    }
    let label = slot.label(shop.settings.time_zone);
    let odoo = shop
        .slot_book
        .odoo_orders(shop.odoo(), std::slice::from_ref(&label), true)
        .await;
    let odoo_keys: HashSet<String> = odoo.keys(&label).map(str::to_owned).collect();
    // The fiscal position Odoo gives the customer now, when it may choose
    // one by itself: the cart must have been priced with it. Odoo away, the
    // one the customer saw.
    let snapshot = &index.snapshot;
    if snapshot.has_automatic_fiscal_positions() {
        match shop
            .fiscal_positions
            .ask(shop.odoo(), snapshot, customer.partner_id)
            .await
        {
            Ok(now) if now != customer.fiscal_position => return Err(CheckoutError::PricesChanged),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot check the customer's fiscal position: ordered with the one they saw");
            }
        }
    }
    let payload = OrderPayload {
        // The order is priced as the cart was: with its fiscal position
        // (when the database has any).
        fiscal_position_id: customer.fiscal_position,
        fiscal_position_set: !snapshot.fiscal_positions.is_empty(),
        partner_id: customer.partner_id,
        pricelist_id: customer.pricelist,
        company_id: index.snapshot.company_id,
        slot_id: slot.id,
        slot_start: slot.start,
        slot_stop: slot.stop,
        slot_label: label.clone(),
        place: slot.place.clone(),
        note: note.map(str::to_owned),
        origin: shop.name(index),
        lines: priced
            .lines
            .iter()
            .map(|line| PayloadLine {
                product_id: line.product_id,
                quantity: line.quantity,
                name: line.name.clone(),
                amount: line.amount,
            })
            .collect(),
        shown_total: priced.totals.amount_total,
        shown_untaxed: priced.totals.amount_untaxed,
        shown_tax: priced.totals.amount_tax,
    };
    let payload =
        serde_json::to_string(&payload).map_err(|e| StoreError::Corrupt("order".into(), e.to_string()))?;
    let reservation = shop
        .store
        .reserve_order(
            &NewOrder {
                key,
                partner_id: customer.partner_id,
                slot_id: slot.id,
                payload: &payload,
                now: now.timestamp(),
            },
            slot.capacity,
            odoo.active(&label),
            &odoo_keys,
        )
        .await?;
    let order = match reservation {
        Reservation::Created(order) => order,
        Reservation::Existing(existing) if existing.partner_id == customer.partner_id => {
            return Ok(again(existing))
        }
        Reservation::Existing(_) => return Err(CheckoutError::KeyConflict),
        Reservation::Full { .. } => return Err(CheckoutError::SlotFull),
    };
    // The order is safe in the store: the cart has done its job.
    shop.store.clear_cart(customer.partner_id).await?;
    shop.slot_book.forget();
    shop.history.forget(customer.partner_id);
    match tokio::time::timeout(DELIVERY_WAIT, shop.outbox.deliver(&order)).await {
        Ok(Ok(Delivery::Delivered(_) | Delivery::Busy)) => {}
        Ok(Ok(_)) => shop.outbox.wake(),
        Ok(Err(e)) => tracing::error!(error = %e, "cannot record an order's delivery"),
        // Still pending and due: the worker takes it from here (and looks
        // the key up in Odoo first, in case this try got through).
        Err(_) => shop.outbox.wake(),
    }
    Ok(Placed {
        order: shop.store.order(key).await?.unwrap_or(order),
        created: true,
    })
}

/// An order placed under a key.
#[derive(Debug)]
pub struct Placed {
    /// The order, as stored.
    pub order: OutboxOrder,
    /// Whether this call created it (else the key's order was there: a
    /// repeat, perhaps a concurrent one on another instance).
    pub created: bool,
}
