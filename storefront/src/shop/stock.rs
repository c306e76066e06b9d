//! How many are left, shown and never enforced (`SHOP_SHOW_STOCK`): stock
//! in Odoo is often not right, so the shop says "only 3 left" or "out of
//! stock: order anyway, the shop will confirm", and takes the order.
//!
//! Read from Odoo's free quantity at the shop's warehouse (see
//! [`connector::stock`]), for storable products only: everything at first
//! and every [`FULL_EVERY`], in between only the products whose stock
//! moved and those new in the catalog. What is shown changes only when a product crosses into or out of
//! what is said (under the threshold, out of stock), so the shared pages
//! are kept while stock moves above it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use connector::mirror::Snapshot;
use connector::stock::{self, Inventory};
use connector::Client;
use rust_decimal::Decimal;

use crate::shop::settings::{InformSettings, StockDisplay};

/// How often everything is read again, whatever moved.
const FULL_EVERY: Duration = Duration::from_secs(15 * 60);

/// What a customer is told of a product's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// This many left (free at the shop's warehouse).
    Left(Decimal),
    /// None left: the customer may order anyway; the shop confirms.
    Out,
}

/// What is shown of the stock, by variant; `generation` changes with it.
#[derive(Debug, Default)]
pub struct StockShown {
    /// Changes whenever what is shown does (shared pages are kept per
    /// generation).
    pub generation: u64,
    by_variant: HashMap<i64, Availability>,
}

impl StockShown {
    /// What is said of variant `id`, if anything.
    pub fn of(&self, id: i64) -> Option<Availability> {
        self.by_variant.get(&id).copied()
    }
}

#[derive(Debug, Default)]
struct Reads {
    /// Inventory and the warehouse, once found.
    place: Option<(Inventory, i64)>,
    /// The free quantities read, by variant.
    free: HashMap<i64, Decimal>,
    /// The variants asked for since the last full read (storable or not).
    asked: HashSet<i64>,
    /// When everything was last read.
    full: Option<Instant>,
    /// Since when moves are looked for.
    since: Option<DateTime<Utc>>,
}

/// The stock the shop shows, refreshed from Odoo.
#[derive(Debug)]
pub struct Stock {
    display: StockDisplay,
    low: Decimal,
    warehouse: Option<String>,
    shown: ArcSwap<StockShown>,
    reads: Mutex<Reads>,
}

impl Stock {
    /// The stock shown as `settings` say.
    pub fn new(settings: &InformSettings) -> Self {
        Self {
            display: settings.show_stock,
            low: settings.low_stock,
            warehouse: settings.warehouse.clone(),
            shown: ArcSwap::default(),
            reads: Mutex::default(),
        }
    }

    /// Whether stock is shown at all.
    pub fn is_shown(&self) -> bool {
        self.display != StockDisplay::Off
    }

    /// What is shown now.
    pub fn shown(&self) -> Arc<StockShown> {
        self.shown.load_full()
    }

    /// Reads from Odoo what moved and what is new in the catalog
    /// (everything at first and every [`FULL_EVERY`]), and updates what is
    /// shown. Nothing when stock is not shown, or Odoo has no Inventory.
    pub async fn refresh(&self, client: &Client, snapshot: &Snapshot) -> Result<(), connector::Error> {
        if !self.is_shown() {
            return Ok(());
        }
        let (place, full, since, new) = {
            let reads = self.reads.lock().unwrap_or_else(|e| e.into_inner());
            let full = reads.full.is_none_or(|at| at.elapsed() >= FULL_EVERY) || reads.since.is_none();
            // Products new in the catalog since they were last asked for.
            let new: Vec<i64> = if full {
                Vec::new()
            } else {
                snapshot
                    .variants
                    .records
                    .keys()
                    .filter(|id| !reads.asked.contains(id))
                    .copied()
                    .collect()
            };
            (reads.place, full, reads.since, new)
        };
        let (inventory, warehouse) = match place {
            Some(place) => place,
            None => {
                let Some(inventory) = stock::inventory(client).await? else {
                    return Ok(());
                };
                let Some(warehouse) =
                    stock::warehouse(client, snapshot.company_id, self.warehouse.as_deref()).await?
                else {
                    tracing::warn!("no warehouse for the shop's stock (SHOP_WAREHOUSE): no stock shown");
                    return Ok(());
                };
                (inventory, warehouse)
            }
        };
        let started = Utc::now();
        let variants: Vec<i64> = match since {
            Some(since) if !full => {
                let moved = stock::moved_since(client, since - chrono::TimeDelta::seconds(5)).await?;
                let mut variants: Vec<i64> = moved
                    .into_iter()
                    .filter(|id| snapshot.variants.records.contains_key(id))
                    .chain(new)
                    .collect();
                variants.sort_unstable();
                variants.dedup();
                variants
            }
            _ => snapshot.variants.records.keys().copied().collect(),
        };
        let mut read = HashMap::new();
        for chunk in variants.chunks(2_000) {
            read.extend(stock::free_quantities(client, inventory, warehouse, chunk).await?);
        }
        let mut reads = self.reads.lock().unwrap_or_else(|e| e.into_inner());
        reads.place = Some((inventory, warehouse));
        reads.since = Some(started);
        if full {
            reads.free = read;
            reads.asked = variants.into_iter().collect();
            reads.full = Some(Instant::now());
        } else {
            // A variant read again and no longer storable has no stock.
            for id in &variants {
                reads.free.remove(id);
            }
            reads.free.extend(read);
            reads.asked.extend(variants);
        }
        let by_variant: HashMap<i64, Availability> = reads
            .free
            .iter()
            .filter_map(|(id, free)| self.said(*free).map(|a| (*id, a)))
            .collect();
        drop(reads);
        let current = self.shown.load();
        if current.by_variant != by_variant {
            self.shown.store(Arc::new(StockShown {
                generation: current.generation + 1,
                by_variant,
            }));
        }
        Ok(())
    }

    /// What is said of a free quantity.
    fn said(&self, free: Decimal) -> Option<Availability> {
        match self.display {
            StockDisplay::Off => None,
            _ if free <= Decimal::ZERO => Some(Availability::Out),
            StockDisplay::Exact => Some(Availability::Left(free)),
            StockDisplay::Low => (free <= self.low).then_some(Availability::Left(free)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock(display: StockDisplay) -> Stock {
        Stock::new(&InformSettings {
            show_stock: display,
            ..InformSettings::default()
        })
    }

    #[test]
    fn low_says_only_what_is_under_the_threshold_exact_says_all() {
        let low = stock(StockDisplay::Low);
        assert_eq!(
            low.said(Decimal::from(3)),
            Some(Availability::Left(Decimal::from(3)))
        );
        assert_eq!(
            low.said(Decimal::from(5)),
            Some(Availability::Left(Decimal::from(5)))
        );
        assert_eq!(low.said(Decimal::from(6)), None);
        assert_eq!(low.said(Decimal::ZERO), Some(Availability::Out));
        assert_eq!(low.said(Decimal::from(-2)), Some(Availability::Out));
        let exact = stock(StockDisplay::Exact);
        assert_eq!(
            exact.said(Decimal::from(40)),
            Some(Availability::Left(Decimal::from(40)))
        );
        assert_eq!(stock(StockDisplay::Off).said(Decimal::ZERO), None);
    }
}
