//! Checkout: the pickup slots offered (from the mirror's calendar events,
//! less the places taken in Odoo and locally), the minimum order, and the
//! order itself: stored under its idempotency key, then created in Odoo as a
//! draft sale order through the outbox.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use connector::orders::{self, SlotOrders};
use rust_decimal::Decimal;

use crate::cart::{self, CartError};
use crate::i18n;
use crate::outbox::{Delivery, OrderPayload, PayloadLine};
use crate::slots::{self, Availability, Slot, SlotSettings};
use crate::state::AppState;
use crate::store::{NewOrder, OutboxOrder, Reservation, StoreError};
use crate::views::{DayView, PlaceView, SlotView};
use crate::visit::{Customer, Visit};

/// How long Odoo's slot counts are reused for showing slots (a checkout
/// always asks again).
const SLOT_COUNTS_TTL: Duration = Duration::from_secs(30);
/// How long a checkout waits for Odoo before saying "received, will be
/// confirmed" (the outbox goes on trying).
const DELIVERY_WAIT: Duration = Duration::from_secs(10);
/// How long a checkout waits for Odoo's slot counts.
const COUNTS_WAIT: Duration = Duration::from_secs(5);

/// Odoo's orders per slot, remembered briefly, and the last ones Odoo
/// gave for each slot, for when it does not answer.
#[derive(Debug, Default)]
pub struct SlotBook {
    counts: Mutex<Option<(Instant, Arc<SlotOrders>)>>,
    last_known: Mutex<LastKnown>,
}

/// A slot's orders in Odoo: `(client_order_ref, cancelled)` each.
type SlotOdooOrders = Vec<(Option<String>, bool)>;

/// The last orders Odoo gave for each slot (by tag), and when.
#[derive(Debug, Default)]
struct LastKnown(HashMap<String, (Instant, SlotOdooOrders)>);

impl LastKnown {
    /// Keeps what Odoo just said of `labels`.
    fn learn(&mut self, labels: &[String], counts: &SlotOrders, at: Instant) {
        for label in labels {
            let orders = counts.by_tag.get(label).cloned().unwrap_or_default();
            self.0.insert(label.clone(), (at, orders));
        }
    }

    /// What Odoo last said of `labels`, and the age of the oldest of it
    /// (`None`: nothing known of some label, counted as no order).
    fn recall(&self, labels: &[String]) -> (SlotOrders, Option<Duration>) {
        let mut counts = SlotOrders::default();
        let mut oldest: Option<Duration> = Some(Duration::ZERO);
        for label in labels {
            match self.0.get(label) {
                Some((at, orders)) => {
                    counts.by_tag.insert(label.clone(), orders.clone());
                    oldest = oldest.map(|o| o.max(at.elapsed()));
                }
                None => oldest = None,
            }
        }
        (counts, oldest)
    }
}

impl SlotBook {
    /// Odoo's orders of the slots labelled `labels`: asked now when `fresh`
    /// or when the last answer is old. When Odoo does not answer, the last
    /// orders it gave for each slot (never zero for a slot it counted
    /// once), said in the log; local orders are counted either way.
    pub async fn odoo_orders(&self, state: &AppState, labels: &[String], fresh: bool) -> Arc<SlotOrders> {
        let cached = self.counts.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((at, counts)) = &cached {
            if !fresh && at.elapsed() < SLOT_COUNTS_TTL {
                return counts.clone();
            }
        }
        let problem = match tokio::time::timeout(COUNTS_WAIT, orders::slot_orders(state.odoo(), labels)).await
        {
            Ok(Ok(counts)) => {
                let now = Instant::now();
                self.last_known
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .learn(labels, &counts, now);
                let counts = Arc::new(counts);
                *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, counts.clone()));
                return counts;
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => "no answer in time".to_owned(),
        };
        let (counts, age) = self
            .last_known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .recall(labels);
        match age {
            Some(age) => tracing::warn!(
                error = %problem,
                age_secs = age.as_secs(),
                "cannot count the slots' orders in Odoo: its last counts are used"
            ),
            None => tracing::warn!(
                error = %problem,
                "cannot count the slots' orders in Odoo, and some slot was never counted: only the shop's own orders count for it"
            ),
        }
        Arc::new(counts)
    }

    /// Forgets the recent counts (an order was placed or cancelled): the
    /// next ask goes to Odoo. What Odoo last said stays, for when it is
    /// away.
    pub fn forget(&self) {
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

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

/// The shop's slot settings.
pub fn slot_settings(state: &AppState) -> SlotSettings {
    let shop = &state.settings.shop;
    SlotSettings {
        time_zone: shop.time_zone,
        cutoff: chrono::TimeDelta::hours(i64::from(shop.pickup_cutoff_hours)),
        horizon: chrono::TimeDelta::days(i64::from(shop.pickup_horizon_days)),
        default_capacity: shop.pickup_capacity,
    }
}

/// The slots offered now, with their availability.
pub async fn offers(visit: &Visit, fresh: bool) -> Result<Vec<Offer>, StoreError> {
    let state = &visit.state;
    let now = Utc::now();
    let list = slots::slots(
        visit.index.snapshot.pickup_slots.records.values(),
        &slot_settings(state),
        now,
    );
    let tz = state.settings.shop.time_zone;
    let labels: Vec<String> = list.iter().map(|s| s.label(tz)).collect();
    let odoo = state.slot_book.odoo_orders(state, &labels, fresh).await;
    let ids: Vec<i64> = list.iter().map(|s| s.id).collect();
    let local = state.store.slot_orders(&ids).await?;
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

/// The slots for the checkout page, by place and day.
pub fn slot_views(visit: &Visit, offers: &[Offer], selected: Option<i64>) -> Vec<PlaceView> {
    let tz = visit.state.settings.shop.time_zone;
    let slots_only: Vec<Slot> = offers.iter().map(|o| o.slot.clone()).collect();
    slots::group(&slots_only, tz)
        .into_iter()
        .map(|place| PlaceView {
            place: place.place.clone(),
            days: place
                .days
                .iter()
                .map(|day| DayView {
                    date: i18n::day(day.date, &visit.lang),
                    slots: day
                        .slots
                        .iter()
                        .filter_map(|slot| {
                            let offer = offers.iter().find(|o| o.slot.id == slot.id)?;
                            Some(slot_view(visit, offer, selected == Some(slot.id)))
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn slot_view(visit: &Visit, offer: &Offer, selected: bool) -> SlotView {
    let tz = visit.state.settings.shop.time_zone;
    let (date, start, stop) = slots::local_window(&offer.slot, tz);
    let closes = offer.slot.closes_at.with_timezone(&tz);
    SlotView {
        id: offer.slot.id,
        window: i18n::window(start, stop),
        text: format!("{}, {}", i18n::day(date, &visit.lang), i18n::window(start, stop)),
        remaining: match offer.availability {
            Availability::Open { remaining } => remaining,
            _ => Some(0),
        },
        full: matches!(offer.availability, Availability::Full),
        closed: matches!(offer.availability, Availability::Closed),
        closes_at: format!(
            "{} {}",
            i18n::day(closes.date_naive(), &visit.lang),
            closes.format("%H:%M")
        ),
        note: offer.slot.note.clone(),
        selected,
    }
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

    /// The message, in the visitor's language.
    pub fn message(&self, visit: &Visit) -> String {
        let m = visit.messages();
        match self {
            CheckoutError::BelowMinimum {
                missing,
                minimum,
                currency,
            } => {
                let money = |a: Decimal| i18n::money(a, currency, &visit.lang);
                m.format(
                    "below_minimum",
                    &[("missing", &money(*missing)), ("minimum", &money(*minimum))],
                )
            }
            other => m.get(other.message_key()).to_owned(),
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
    crate::session::new_session_id()
}

/// Places the customer's cart as an order for slot `slot_id` under `key`:
/// stored first, then sent to Odoo (waiting a little for it). The same key
/// again returns the order it made, whatever happened since.
pub async fn place(
    visit: &Visit,
    customer: &Customer,
    key: &str,
    slot_id: i64,
    note: Option<&str>,
) -> Result<Placed, CheckoutError> {
    let state = &visit.state;
    if !valid_key(key) {
        return Err(CheckoutError::BadKey);
    }
    let again = |order: OutboxOrder| Placed {
        order,
        created: false,
    };
    if let Some(existing) = state.store.order(key).await? {
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
    let shelf = visit.pricing_shelf(customer);
    let minimum = state.settings.shop.minimum_order;
    let priced = cart::priced(&state.store, &shelf, customer, minimum).await?;
    // Never an order without what the customer chose: Odoo would refuse
    // another company's product, and the customer expects what they saw.
    if !priced.removed.is_empty() {
        return Err(CheckoutError::CartChanged);
    }
    if priced.is_empty() {
        // A second click while the first one placed the order and emptied
        // the cart: that order.
        return match state.store.order(key).await? {
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
        visit.index.snapshot.pickup_slots.records.values(),
        &slot_settings(state),
        now,
    );
    let slot = all
        .into_iter()
        .find(|s| s.id == slot_id)
        .ok_or(CheckoutError::UnknownSlot)?;
    if !slot.is_open(now) {
        return Err(CheckoutError::SlotClosed);
    }
    let tz = state.settings.shop.time_zone;
    let label = slot.label(tz);
    let odoo = state
        .slot_book
        .odoo_orders(state, std::slice::from_ref(&label), true)
        .await;
    let odoo_keys: HashSet<String> = odoo.keys(&label).map(str::to_owned).collect();
    // The fiscal position Odoo gives the customer now, when it may choose
    // one by itself: the cart must have been priced with it. Odoo away, the
    // one the customer saw.
    let snapshot = &visit.index.snapshot;
    if snapshot.has_automatic_fiscal_positions() {
        match state
            .fiscal_positions
            .ask(state.odoo(), snapshot, customer.partner_id)
            .await
        {
            Ok(now) if now != customer.fiscal_position => return Err(CheckoutError::PricesChanged),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot check the customer's fiscal position: ordered with the one they saw");
            }
        }
    }
    let view = cart::view(&shelf, &priced);
    let payload = OrderPayload {
        // The order is priced as the cart was: with its fiscal position
        // (when the database has any).
        fiscal_position_id: customer.fiscal_position,
        fiscal_position_set: !snapshot.fiscal_positions.is_empty(),
        partner_id: customer.partner_id,
        pricelist_id: customer.pricelist,
        company_id: visit.index.snapshot.company_id,
        slot_id: slot.id,
        slot_start: slot.start,
        slot_stop: slot.stop,
        slot_label: label.clone(),
        place: slot.place.clone(),
        note: note.map(str::to_owned),
        origin: visit.shop_name(),
        lines: priced
            .lines
            .iter()
            .zip(&view.lines)
            .map(|(line, shown)| PayloadLine {
                product_id: line.product_id,
                quantity: line.quantity,
                name: shown.name.clone(),
                amount: line.amount,
            })
            .collect(),
        shown_total: priced.totals.amount_total,
        shown_untaxed: priced.totals.amount_untaxed,
        shown_tax: priced.totals.amount_tax,
    };
    let payload =
        serde_json::to_string(&payload).map_err(|e| StoreError::Corrupt("order".into(), e.to_string()))?;
    let reservation = state
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
    state.store.clear_cart(customer.partner_id).await?;
    state.slot_book.forget();
    state.history.forget(customer.partner_id);
    match tokio::time::timeout(DELIVERY_WAIT, state.outbox.deliver(&order)).await {
        Ok(Ok(Delivery::Delivered(_) | Delivery::Busy)) => {}
        Ok(Ok(_)) => state.outbox.wake(),
        Ok(Err(e)) => tracing::error!(error = %e, "cannot record an order's delivery"),
        // Still pending and due: the worker takes it from here (and looks
        // the key up in Odoo first, in case this try got through).
        Err(_) => state.outbox.wake(),
    }
    Ok(Placed {
        order: state.store.order(key).await?.unwrap_or(order),
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

/// When orders for a slot starting at `start` close.
pub fn closes_at(state: &AppState, start: DateTime<Utc>) -> DateTime<Utc> {
    start - chrono::TimeDelta::hours(i64::from(state.settings.shop.pickup_cutoff_hours))
}

mod handlers {
    //! `GET /checkout` (the cart, the slots, a note) and `POST /checkout`.

    use actix_web::http::StatusCode;
    use actix_web::{get, post, web, HttpResponse};
    use serde::Deserialize;

    use super::{new_key, offers, place, slot_views, CheckoutError};
    use crate::cart;
    use crate::visit::{PageError, Visit};

    async fn checkout_form(
        visit: &Visit,
        status: StatusCode,
        key: &str,
        selected: Option<i64>,
        note: &str,
        error: Option<String>,
    ) -> Result<HttpResponse, PageError> {
        let customer = visit.customer()?;
        let (favorites, in_cart) = visit.favorites_and_cart(customer).await?;
        let shelf = visit.shelf(customer, &favorites, &in_cart);
        let minimum = visit.state.settings.shop.minimum_order;
        let priced = cart::priced(&visit.state.store, &shelf, customer, minimum)
            .await
            .map_err(|e| PageError::Internal(e.into()))?;
        if priced.is_empty() && error.is_none() {
            return Ok(visit.redirect_with("/cart", None));
        }
        let offers = offers(visit, false).await?;
        let mut context = tera::Context::new();
        context.insert("cart", &cart::view(&shelf, &priced));
        context.insert("places", &slot_views(visit, &offers, selected));
        context.insert("order_key", key);
        context.insert("note", note);
        context.insert("error", &error);
        let title = visit.messages().get("page_title_checkout").to_owned();
        Ok(visit.render(status, "checkout.html", &title, context).await)
    }

    /// The checkout page.
    #[get("/checkout")]
    async fn checkout_page(visit: Visit) -> HttpResponse {
        let result = checkout_form(&visit, StatusCode::OK, &new_key(), None, "", None).await;
        visit.respond(result).await
    }

    /// The checkout form, as posted.
    #[derive(Debug, Deserialize)]
    struct CheckoutForm {
        #[serde(default)]
        csrf_token: String,
        #[serde(default)]
        order_key: String,
        #[serde(default)]
        slot_id: String,
        #[serde(default)]
        note: String,
    }

    /// Places the order.
    #[post("/checkout")]
    async fn checkout_submit(visit: Visit, form: web::Form<CheckoutForm>) -> HttpResponse {
        let result = async {
            let customer = visit.customer()?;
            if !visit.csrf_ok(&form.csrf_token) {
                return Err(PageError::Csrf);
            }
            let slot = form.slot_id.trim().parse::<i64>().ok();
            let outcome = match slot {
                Some(slot) => place(&visit, customer, form.order_key.trim(), slot, Some(&form.note)).await,
                None => Err(CheckoutError::UnknownSlot),
            };
            match outcome {
                Ok(placed) => Ok(visit.redirect_with(&format!("/orders/{}", placed.order.key), None)),
                Err(CheckoutError::Store(e)) => Err(PageError::Internal(e.into())),
                Err(e) => {
                    let status = status_of(&e);
                    let message = e.message(&visit);
                    // The same key again: a second try stays one order.
                    let key = if super::valid_key(form.order_key.trim()) {
                        form.order_key.trim().to_owned()
                    } else {
                        new_key()
                    };
                    checkout_form(&visit, status, &key, slot, &form.note, Some(message)).await
                }
            }
        }
        .await;
        visit.respond(result).await
    }

    /// The status of a refused checkout.
    pub fn status_of(e: &CheckoutError) -> StatusCode {
        match e {
            CheckoutError::SlotFull
            | CheckoutError::SlotClosed
            | CheckoutError::KeyConflict
            | CheckoutError::CartChanged
            | CheckoutError::PricesChanged => StatusCode::CONFLICT,
            CheckoutError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            CheckoutError::BadKey => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The routes of checkout.
    pub fn routes(config: &mut web::ServiceConfig) {
        config.service(checkout_page).service(checkout_submit);
    }
}

pub use handlers::{routes, status_of};

#[cfg(test)]
mod tests {
    use super::*;

    fn orders(keys: &[&str]) -> Vec<(Option<String>, bool)> {
        keys.iter().map(|k| (Some((*k).to_owned()), false)).collect()
    }

    /// Odoo away: each slot keeps the orders Odoo last gave for it (asked
    /// with other slots or alone), never zero; a slot never counted says so.
    #[test]
    fn the_last_counts_of_each_slot_stand_in_for_odoo() {
        let mut known = LastKnown::default();
        let (tue, sat) = ("Tue".to_owned(), "Sat".to_owned());
        let mut first = SlotOrders::default();
        first.by_tag.insert(tue.clone(), orders(&["a", "b"]));
        first.by_tag.insert(sat.clone(), orders(&["c"]));
        known.learn(&[tue.clone(), sat.clone()], &first, Instant::now());
        // Later, Saturday alone: one more.
        let mut second = SlotOrders::default();
        second.by_tag.insert(sat.clone(), orders(&["c", "d"]));
        known.learn(std::slice::from_ref(&sat), &second, Instant::now());
        let (counts, age) = known.recall(&[tue.clone(), sat.clone()]);
        assert_eq!((counts.active(&tue), counts.active(&sat)), (2, 2));
        assert!(age.is_some());
        // A slot Odoo never counted.
        let (counts, age) = known.recall(&["Wed".to_owned(), tue.clone()]);
        assert_eq!((counts.active("Wed"), counts.active(&tue)), (0, 2));
        assert_eq!(age, None);
    }
}
