//! The order outbox: every order is first stored locally under its key,
//! then created in Odoo. A delivery that fails for lack of Odoo (down, slow,
//! unreadable) is retried with a growing delay until Odoo has the order; one
//! that Odoo refuses (a validation error) is kept as failed for the staff.
//! Before any retry creates an order, Odoo is asked for the key
//! ([`connector::orders::deliver`]), so an order reaches Odoo exactly once.
//! The loop that retries them is [`crate::workers::outbox`].

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
    /// The fiscal position the cart was priced with (`None`: none), sent
    /// so that Odoo prices the order the same way, when `fiscal_position_set`.
    #[serde(default)]
    pub fiscal_position_id: Option<i64>,
    /// Whether `fiscal_position_id` is sent; if not (and in orders stored
    /// before it was), Odoo chooses.
    #[serde(default)]
    pub fiscal_position_set: bool,
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
        order.fiscal_position_id = self.fiscal_position_set.then_some(self.fiscal_position_id);
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
    crate::i18n::escape_html(text)
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
    /// Another deliverer holds the order's lease (or it is no longer
    /// pending): nothing was done.
    Busy,
}

/// Delivers orders to Odoo.
#[derive(Debug, Clone)]
pub struct Outbox {
    store: Store,
    client: Client,
    wake: Arc<Notify>,
    /// How long a deliverer holds an order: longer than a delivery can
    /// take, calls that timed out included (Odoo may still commit a create
    /// whose answer never came), so that no other deliverer looks the key
    /// up before that create is committed.
    lease: Duration,
    /// This outbox's name among the deliverers, and a count of its
    /// deliveries: each delivery holds its lease under its own name.
    name: Arc<str>,
    deliveries: Arc<std::sync::atomic::AtomicU64>,
}

/// The delay before retry `attempt` (1, 2, …): 5 s doubling, at most 5 min.
pub fn backoff(attempt: u32) -> i64 {
    (5i64 << attempt.saturating_sub(1).min(6)).min(300)
}

/// How many tries an order gets when Odoo raises an exception that is
/// neither a refusal nor known to be temporary (it may be a passing
/// trouble, or a bug that a retry repeats): then it waits for the staff.
const TRIES_ON_OTHER_EXCEPTIONS: u32 = 5;

/// Whether an Odoo error means "try again later" rather than "refused",
/// after `attempts` failed tries: by its kind and the exception Odoo named,
/// never its (translated) words (see [`connector::Error::is_temporary`]).
fn transient(e: &connector::Error, attempts: u32) -> bool {
    e.is_temporary()
        || (matches!(
            e.kind(),
            ErrorKind::Fault(FaultKind::Application | FaultKind::Other(_))
        ) && attempts.saturating_add(1) < TRIES_ON_OTHER_EXCEPTIONS)
}

impl Outbox {
    /// An outbox on `store`, delivering with `client`, whose calls time out
    /// after `call_timeout`.
    pub fn new(store: Store, client: Client, call_timeout: Duration) -> Self {
        // A delivery makes at most five calls (find the key, the slot's tag
        // and maybe create it, create the order, read it back), and a call
        // Odoo is still working on when it times out may still commit.
        let lease = call_timeout.saturating_mul(6).max(Duration::from_secs(60));
        Self {
            store,
            client,
            wake: Arc::new(Notify::new()),
            lease,
            name: crate::store::ids::random_id().into(),
            deliveries: Arc::default(),
        }
    }

    /// Tries to deliver one order now, and records how it went: only if
    /// this delivery takes the order's lease (no other deliverer, on this
    /// instance or another, is delivering it), else [`Delivery::Busy`].
    pub async fn deliver(&self, order: &OutboxOrder) -> Result<Delivery, StoreError> {
        let now = Utc::now().timestamp();
        let owner = format!(
            "{}-{}",
            self.name,
            self.deliveries.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let until = now.saturating_add(i64::try_from(self.lease.as_secs()).unwrap_or(i64::MAX));
        if !self.store.take_lease(&order.key, &owner, now, until).await? {
            return Ok(Delivery::Busy);
        }
        let delivery = self.deliver_leased(order, now).await;
        // Every outcome let go of the lease (`mark_*`) but an error of the
        // store, or a delivery that stopped half-way: then the lease runs
        // out.
        if delivery.is_err() {
            let _ = self.store.release_lease(&order.key, &owner).await;
        }
        delivery
    }

    async fn deliver_leased(&self, order: &OutboxOrder, now: i64) -> Result<Delivery, StoreError> {
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
                    // The worker tells the customer and the staff
                    // ([`crate::shop::inform`]).
                    self.wake();
                    Ok(Delivery::Delivered(Box::new(placed)))
                } else {
                    // Cancelled by the customer while it was on its way.
                    if let Err(e) = orders::cancel(&self.client, placed.order.id).await {
                        tracing::warn!(order = %name, error = %e, "cannot cancel an order cancelled on its way");
                    }
                    Ok(Delivery::Cancelled)
                }
            }
            Err(e) if transient(&e, order.attempts) => {
                let message = e.to_string();
                let mut next = now + backoff(order.attempts.saturating_add(1));
                if e.kind() == ErrorKind::Timeout {
                    // Odoo may still be creating the order: nobody looks the
                    // key up again before it surely finished.
                    next =
                        next.max(now.saturating_add(i64::try_from(self.lease.as_secs()).unwrap_or(i64::MAX)));
                }
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

    /// Waits until [`Outbox::wake`] is called.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!([1, 2, 3, 4].map(backoff), [5, 10, 20, 40]);
        assert_eq!(backoff(30), 300);
    }

    #[test]
    fn refusals_are_final_conflicts_retried_other_exceptions_a_few_times() {
        let fault = |code: i32, string: &str| {
            connector::Error::from_fault(
                "sale.order.create",
                connector::xmlrpc::Fault {
                    code,
                    string: string.to_owned(),
                },
            )
        };
        let traceback =
            |last: &str| format!("Traceback (most recent call last):\n  File \"x.py\", line 1\n{last}");
        let conflict = fault(
            1,
            &traceback("psycopg2.errors.SerializationFailure: could not serialize"),
        );
        assert!(transient(&conflict, 100));
        let bug = fault(1, &traceback("ValueError: bad"));
        assert!(transient(&bug, 0));
        assert!(transient(&bug, TRIES_ON_OTHER_EXCEPTIONS - 2));
        assert!(!transient(&bug, TRIES_ON_OTHER_EXCEPTIONS - 1));
        assert!(!transient(
            &fault(2, "Le produit appartient à une autre société."),
            0
        ));
        assert!(!transient(&fault(4, "Accès refusé"), 0));
    }

    #[test]
    fn the_note_is_escaped() {
        let payload = OrderPayload {
            partner_id: 3,
            pricelist_id: 2,
            company_id: None,
            fiscal_position_id: None,
            fiscal_position_set: true,
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
        // Priced without a fiscal position: sent as none, Odoo does not
        // choose another.
        let values = order.to_values();
        assert_eq!(
            values.get("fiscal_position_id"),
            Some(&connector::xmlrpc::Value::Bool(false))
        );
        let stored: OrderPayload = serde_json::from_str(&serde_json::to_string(&payload).unwrap()).unwrap();
        assert_eq!(stored.sale_order("k1").fiscal_position_id, Some(None));
        let earlier: OrderPayload = serde_json::from_str(
            &serde_json::to_string(&payload)
                .unwrap()
                .replace(r#""fiscal_position_id":null,"fiscal_position_set":true,"#, ""),
        )
        .unwrap();
        assert_eq!(
            earlier.sale_order("k1").fiscal_position_id,
            None,
            "orders stored before: Odoo chooses"
        );
    }
}
