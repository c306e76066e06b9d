//! Odoo's orders per pickup slot: asked when slots are shown (remembered
//! briefly) and at each checkout (asked again); when Odoo does not answer,
//! the last orders it gave for each slot stand in for them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connector::orders::{self, SlotOrders};
use connector::Client;

/// How long Odoo's slot counts are reused for showing slots (a checkout
/// always asks again).
const SLOT_COUNTS_TTL: Duration = Duration::from_secs(30);
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
    pub async fn odoo_orders(&self, odoo: &Client, labels: &[String], fresh: bool) -> Arc<SlotOrders> {
        let cached = self.counts.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((at, counts)) = &cached {
            if !fresh && at.elapsed() < SLOT_COUNTS_TTL {
                return counts.clone();
            }
        }
        let problem = match tokio::time::timeout(COUNTS_WAIT, orders::slot_orders(odoo, labels)).await {
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
