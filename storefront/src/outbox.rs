//! The order outbox: every order is first stored locally under its key,
//! then created in Odoo. A delivery that fails for lack of Odoo (down, slow,
//! unreadable) is retried with a growing delay until Odoo has the order; one
//! that Odoo refuses (a validation error) is kept as failed for the staff.
//! Before any retry creates an order, Odoo is asked for the key
//! ([`connector::orders::deliver`]), so an order reaches Odoo exactly once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use connector::orders::{self, PlacedOrder};
use connector::pricing::NO_PRICELIST;
use connector::records::{NewOrderLine, NewSaleOrder};
use connector::{Client, ErrorKind, FaultKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::store::{OutboxOrder, Store, StoreError};

/// What is stored of an order until Odoo has it: enough to create it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPayload {
    /// The customer.
    pub partner_id: i64,
    /// Their pricelist ([`NO_PRICELIST`] when the database has none).
    pub pricelist_id: i64,
    /// The shop's company (absent from orders stored before it was set).
    #[serde(default)]
    pub company_id: Option<i64>,
    /// The pickup slot (`calendar.event`).
    pub slot_id: i64,
    /// Its start (UTC): the order's `commitment_date`.
    pub slot_start: DateTime<Utc>,
    /// Its end (UTC).
    pub slot_stop: DateTime<Utc>,
    /// Its label: the `crm.tag` of the order.
    pub slot_label: String,
    /// The place.
    pub place: String,
    /// The customer's note.
    pub note: Option<String>,
    /// The shop's name: the order's `origin`.
    pub origin: String,
    /// The lines.
    pub lines: Vec<PayloadLine>,
    /// The totals shown to the customer when they ordered (Odoo's are
    /// shown once it has the order).
    pub shown_total: Decimal,
    /// The untaxed total shown.
    pub shown_untaxed: Decimal,
    /// The taxes shown.
    pub shown_tax: Decimal,
}

/// A line of an [`OrderPayload`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayloadLine {
    /// The variant.
    pub product_id: i64,
    /// The quantity.
    pub quantity: Decimal,
    /// The name shown when ordered.
    pub name: String,
    /// The amount shown when ordered.
    pub amount: Decimal,
}

impl OrderPayload {
    /// The draft sale order to create, keyed `key`.
    pub fn sale_order(&self, key: &str) -> NewSaleOrder {
        let mut order = NewSaleOrder::new(self.partner_id);
        order.pricelist_id = Some(self.pricelist_id).filter(|id| *id != NO_PRICELIST.0);
        order.company_id = self.company_id;
        order.commitment_date = Some(self.slot_start);
        order.client_order_ref = Some(key.to_owned());
        order.origin = Some(self.origin.clone());
        let mut note = format!("<p>Pickup: {}</p>", escape(&self.slot_label));
        if let Some(text) = self.note.as_deref().filter(|n| !n.trim().is_empty()) {
            note.push_str(&format!("<p>{}</p>", escape(text).replace('\n', "<br>")));
        }
        order.note = Some(note);
        order.lines = self
            .lines
            .iter()
            .map(|l| NewOrderLine::new(l.product_id, l.quantity))
            .collect();
        order
    }
}

fn escape(text: &str) -> String {
    crate::account::escape_html(text)
}

/// How a delivery ended.
#[derive(Debug)]
pub enum Delivery {
    /// Odoo has the order.
    Delivered(Box<PlacedOrder>),
    /// Odoo could not be reached: retried later.
    Retrying(String),
    /// Odoo refused the order: kept as failed.
    Refused(String),
    /// The order was cancelled before it reached Odoo.
    Cancelled,
}

/// Delivers orders to Odoo.
#[derive(Debug, Clone)]
pub struct Outbox {
    store: Store,
    client: Client,
    wake: Arc<Notify>,
}

/// The delay before retry `attempt` (1, 2, …): 5 s doubling, at most 5 min.
pub fn backoff(attempt: u32) -> i64 {
    (5i64 << attempt.saturating_sub(1).min(6)).min(300)
}

/// Whether an Odoo error means "try again later" rather than "refused".
fn transient(e: &connector::Error) -> bool {
    match e.kind() {
        ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Decode => true,
        ErrorKind::Fault(FaultKind::Validation | FaultKind::MissingRecord | FaultKind::AccessError) => false,
        ErrorKind::Fault(_) => true,
        _ => true,
    }
}

impl Outbox {
    /// An outbox on `store`, delivering with `client`.
    pub fn new(store: Store, client: Client) -> Self {
        Self {
            store,
            client,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Tries to deliver one order now, and records how it went.
    pub async fn deliver(&self, order: &OutboxOrder) -> Result<Delivery, StoreError> {
        let now = Utc::now().timestamp();
        let payload: OrderPayload = match serde_json::from_str(&order.payload) {
            Ok(p) => p,
            Err(e) => {
                let message = format!("the stored order cannot be read: {e}");
                self.store.mark_failed(&order.key, &message, now).await?;
                return Ok(Delivery::Refused(message));
            }
        };
        let sale = payload.sale_order(&order.key);
        match orders::deliver(&self.client, &sale, Some(&payload.slot_label)).await {
            Ok(placed) => {
                let name = placed.order.name.clone();
                if self
                    .store
                    .mark_sent(&order.key, placed.order.id, &name, now)
                    .await?
                {
                    tracing::info!(order = %name, "an order reached Odoo");
                    Ok(Delivery::Delivered(Box::new(placed)))
                } else {
                    // Cancelled by the customer while it was on its way.
                    if let Err(e) = orders::cancel(&self.client, placed.order.id).await {
                        tracing::warn!(order = %name, error = %e, "cannot cancel an order cancelled on its way");
                    }
                    Ok(Delivery::Cancelled)
                }
            }
            Err(e) if transient(&e) => {
                let message = e.to_string();
                let next = now + backoff(order.attempts.saturating_add(1));
                self.store.mark_retry(&order.key, &message, next, now).await?;
                tracing::warn!(attempts = order.attempts.saturating_add(1), error = %message, "an order waits for Odoo");
                Ok(Delivery::Retrying(message))
            }
            Err(e) => {
                let message = e.to_string();
                self.store.mark_failed(&order.key, &message, now).await?;
                tracing::error!(error = %message, "Odoo refused an order");
                Ok(Delivery::Refused(message))
            }
        }
    }

    /// Delivers the orders that are due; returns how many reached Odoo.
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        let due = self.store.due_orders(Utc::now().timestamp(), 50).await?;
        let mut delivered = 0;
        for order in due {
            match self.deliver(&order).await? {
                Delivery::Delivered(_) => delivered += 1,
                // Odoo is away: the others would fail the same way.
                Delivery::Retrying(_) => break,
                _ => {}
            }
        }
        Ok(delivered)
    }

    /// Delivers every pending order now, whatever its delay (an admin
    /// "retry now", or Odoo is known to be back).
    pub async fn retry_all(&self) -> Result<usize, StoreError> {
        let now = Utc::now().timestamp();
        for order in self.store.undelivered_orders(500).await? {
            self.store.retry_order(&order.key, now).await?;
        }
        let pending = self.store.due_orders(i64::MAX, 500).await?;
        let mut delivered = 0;
        for order in pending {
            if let Delivery::Delivered(_) = self.deliver(&order).await? {
                delivered += 1;
            }
        }
        Ok(delivered)
    }

    /// Wakes the worker (an order was stored, or a sync found Odoo back).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The worker: delivers due orders at start (orders taken before a
    /// restart), then every `every`, or when woken.
    pub fn spawn(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let outbox = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = outbox.run_due().await {
                    tracing::error!(error = %e, "the outbox cannot read the store");
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = outbox.wake.notified() => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!([1, 2, 3, 4].map(backoff), [5, 10, 20, 40]);
        assert_eq!(backoff(30), 300);
    }

    #[test]
    fn the_note_is_escaped() {
        let payload = OrderPayload {
            partner_id: 3,
            pricelist_id: 2,
            company_id: None,
            slot_id: 1,
            slot_start: DateTime::<Utc>::UNIX_EPOCH,
            slot_stop: DateTime::<Utc>::UNIX_EPOCH,
            slot_label: "Shop — 2030-06-05 17:00–20:00".into(),
            place: "Shop".into(),
            note: Some("<b>no</b>\nnuts".into()),
            origin: "Bakery".into(),
            lines: vec![],
            shown_total: Decimal::ZERO,
            shown_untaxed: Decimal::ZERO,
            shown_tax: Decimal::ZERO,
        };
        let order = payload.sale_order("k1");
        assert_eq!(
            order.note.as_deref(),
            Some("<p>Pickup: Shop — 2030-06-05 17:00–20:00</p><p>&lt;b&gt;no&lt;/b&gt;<br>nuts</p>")
        );
        assert_eq!(order.client_order_ref.as_deref(), Some("k1"));
    }
}
