//! Customers' orders as read from Odoo, remembered briefly: the list of a
//! customer's orders is shown often, and changes when they order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connector::orders;
use connector::records::SaleOrder;
use connector::Client;

/// How long a customer's order list from Odoo is reused.
const HISTORY_TTL: Duration = Duration::from_secs(30);
/// How many orders the history shows.
pub const HISTORY_LIMIT: u32 = 50;

/// A customer's orders as read from Odoo, and when.
type Cached = (Instant, Arc<Vec<SaleOrder>>);

/// Customers' orders read from Odoo, remembered briefly.
#[derive(Debug, Default)]
pub struct History {
    cache: Mutex<HashMap<i64, Cached>>,
}

impl History {
    /// The orders of `partner_id`, newest first, as Odoo gave them at most
    /// [`HISTORY_TTL`] ago.
    pub async fn orders(
        &self,
        odoo: &Client,
        partner_id: i64,
    ) -> Result<Arc<Vec<SaleOrder>>, connector::Error> {
        if let Some((at, orders)) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&partner_id)
        {
            if at.elapsed() < HISTORY_TTL {
                return Ok(orders.clone());
            }
        }
        let orders = Arc::new(orders::orders_of(odoo, partner_id, HISTORY_LIMIT).await?);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(partner_id, (Instant::now(), orders.clone()));
        Ok(orders)
    }

    /// Forgets a customer's list (they ordered or cancelled).
    pub fn forget(&self, partner_id: i64) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&partner_id);
    }
}
