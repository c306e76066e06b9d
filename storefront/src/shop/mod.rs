//! The trade, in plain Rust: what a shop sells, at which price, to whom,
//! for which pickup slot. It takes a snapshot of the mirror, a customer and
//! the store, and returns values and typed errors; it never sees a request,
//! a cookie or a template. Names here are those of the trade.
//!
//! It may use [`crate::store`], [`crate::i18n`] and the connector (to ask
//! Odoo); nothing of the web, the workers or the wiring. Inside it, the
//! operations (checkout, orders, account) use the [`Shop`] defined here,
//! which holds the parts below them; no file imports one that imports it.
//!
//! - [`settings`]: what the shop shows and sells (its name, tax display,
//!   minimum order, pickup rules).
//! - [`catalog`]: the catalog of a snapshot and the customer's [`Shelf`]:
//!   prices and quantities.
//! - [`cart`]: the cart, checked and priced.
//! - [`slots`]: pickup slots from Odoo's calendar; [`slot_book`]: the
//!   orders Odoo has per slot.
//! - [`checkout`]: placing an order; [`outbox`]: an order's delivery to
//!   Odoo, exactly once; [`orders`]: a customer's orders, cancel and
//!   re-order; [`history`]: their orders in Odoo, remembered briefly.
//! - [`cases`]: buying together by the case: shares, rounds, their
//!   settlement at the cut-off; [`case_progress`]: what is shown of them.
//! - [`account`]: logging in, sign-up requests; [`fiscal_positions`]: the
//!   fiscal position a customer's prices are computed with.

pub mod account;
pub mod cart;
pub mod case_progress;
pub mod cases;
pub mod catalog;
pub mod checkout;
pub mod fiscal_positions;
pub mod history;
pub mod inform;
pub mod orders;
pub mod outbox;
pub mod settings;
pub mod slot_book;
pub mod slots;
pub mod stock;

pub use catalog::Shelf;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use connector::mirror::{Mirror, Snapshot};
use connector::pricing::NO_PRICELIST;
use connector::Client;
use rust_decimal::Decimal;

use crate::store::{SessionRecord, Store};
use catalog::{CatalogCache, CatalogIndex};
use fiscal_positions::FiscalPositions;
use history::History;
use outbox::Outbox;
use settings::ShopSettings;
use slot_book::SlotBook;
use slots::SlotSettings;

/// A shop: what every sale in it shares.
#[derive(Debug)]
pub struct Shop {
    /// What it shows and sells.
    pub settings: ShopSettings,
    /// Its languages as configured, default first (see [`Shop::languages`]).
    pub languages: Vec<String>,
    /// The mirror of its Odoo.
    pub mirror: Arc<Mirror>,
    /// Carts, favorites, sessions, orders.
    pub store: Store,
    /// The catalog of the current snapshot.
    pub catalog: CatalogCache,
    /// Delivers orders to Odoo.
    pub outbox: Outbox,
    /// Odoo's orders per pickup slot, remembered briefly.
    pub slot_book: SlotBook,
    /// Customers' orders in Odoo, remembered briefly.
    pub history: History,
    /// Customers' fiscal positions, as Odoo last gave them.
    pub fiscal_positions: FiscalPositions,
    /// Tells customers and staff of orders and sign-ups, through Odoo.
    pub informer: inform::Informer,
    /// How many are left, as shown (`SHOP_SHOW_STOCK`).
    pub stock: Arc<stock::Stock>,
    /// Cases bought together (`SHOP_SHARED_CASES`).
    pub cases: Arc<cases::Cases>,
}

/// A logged-in customer.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Their session, as stored.
    pub session: SessionRecord,
    /// Their partner.
    pub partner_id: i64,
    /// Their pricelist.
    pub pricelist: i64,
    /// Their fiscal position in the shop's company, if any.
    pub fiscal_position: Option<i64>,
    /// Their name.
    pub name: String,
}

impl Shop {
    /// The catalog of the current snapshot.
    pub fn index(&self) -> Arc<CatalogIndex> {
        self.catalog.get(self.mirror.snapshot())
    }

    /// The client of the technical user.
    pub fn odoo(&self) -> &Client {
        self.mirror.client()
    }

    /// The shop's languages, default first: those of the settings that
    /// Odoo has (as of the snapshot), else those of the settings.
    pub fn languages<'a>(&'a self, snapshot: &'a Snapshot) -> &'a [String] {
        if snapshot.languages.is_empty() {
            &self.languages
        } else {
            &snapshot.languages
        }
    }

    /// The shop's first language (for what it writes to Odoo and tells
    /// the staff and customers when no request says otherwise).
    pub fn first_language(&self, snapshot: &Snapshot) -> String {
        self.languages(snapshot)
            .first()
            .cloned()
            .unwrap_or_else(|| "en_US".into())
    }

    /// The shop's name: the settings', else the Odoo company's.
    pub fn name(&self, index: &CatalogIndex) -> String {
        self.settings
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| Some(index.company_name.clone()).filter(|n| !n.is_empty()))
            .unwrap_or_else(|| "Shop".into())
    }

    /// The shop's pickup rules.
    pub fn slot_settings(&self) -> SlotSettings {
        let shop = &self.settings;
        SlotSettings {
            time_zone: shop.time_zone,
            cutoff: chrono::TimeDelta::hours(i64::from(shop.pickup_cutoff_hours)),
            horizon: chrono::TimeDelta::days(i64::from(shop.pickup_horizon_days)),
            default_capacity: shop.pickup_capacity,
        }
    }

    /// When orders for a slot starting at `start` close.
    pub fn closes_at(&self, start: DateTime<Utc>) -> DateTime<Utc> {
        start - chrono::TimeDelta::hours(i64::from(self.settings.pickup_cutoff_hours))
    }

    /// The customer of a stored session, if they may still order: their
    /// portal user is still in the mirror. Their fiscal position is their
    /// own; [`Shop::with_fiscal_position`] asks Odoo for the one it gives.
    pub fn customer_of(&self, index: &CatalogIndex, session: SessionRecord) -> Option<Customer> {
        let snapshot = &index.snapshot;
        let (user, partner) = snapshot.customer(&session.login)?;
        if user.id != session.user_id {
            return None;
        }
        let pricelist = partner
            .property_product_pricelist
            .as_ref()
            .map(|p| p.id)
            .filter(|id| snapshot.pricelists.records.contains_key(id))
            .or(self.settings.default_pricelist)
            .or_else(|| snapshot.pricelists.records.keys().next().copied())
            // A database without pricelists (the setting off, Odoo 17+): the
            // sales prices, and orders without a pricelist.
            .unwrap_or(NO_PRICELIST.0);
        Some(Customer {
            partner_id: partner.id,
            pricelist,
            fiscal_position: partner.property_account_position_id.as_ref().map(|p| p.id),
            name: partner.name.clone().unwrap_or_else(|| session.login.clone()),
            session,
        })
    }

    /// `customer` with the fiscal position Odoo gives them now (see
    /// [`FiscalPositions::of`]).
    pub async fn with_fiscal_position(&self, index: &CatalogIndex, mut customer: Customer) -> Customer {
        customer.fiscal_position = self
            .fiscal_positions
            .of(
                self.odoo(),
                &index.snapshot,
                customer.partner_id,
                customer.fiscal_position,
            )
            .await;
        customer
    }

    /// The customer's shelf in `lang`: their prices, their favorites and
    /// cart marked.
    pub fn shelf<'a>(
        &self,
        index: &'a CatalogIndex,
        lang: &'a str,
        customer: &Customer,
        favorites: &'a HashSet<i64>,
        cart: &'a HashMap<i64, Decimal>,
    ) -> Shelf<'a> {
        Shelf {
            index,
            lang,
            pricelist: customer.pricelist,
            fiscal_position: customer.fiscal_position,
            tax_display: self.settings.tax_display,
            now: Utc::now().naive_utc(),
            favorites,
            cart,
            stock: self.stock.shown(),
            cases: self.cases.shown(),
        }
    }

    /// A shelf for pricing and checking quantities only (no favorites or
    /// cart marks): what changes to the cart and orders need, without
    /// reading the customer's favorites and cart from the store.
    pub fn pricing_shelf<'a>(
        &self,
        index: &'a CatalogIndex,
        lang: &'a str,
        customer: &Customer,
    ) -> Shelf<'a> {
        static NO_FAVORITES: LazyLock<HashSet<i64>> = LazyLock::new(HashSet::new);
        static NO_CART: LazyLock<HashMap<i64, Decimal>> = LazyLock::new(HashMap::new);
        self.shelf(index, lang, customer, &NO_FAVORITES, &NO_CART)
    }

    /// The customer's favorites and cart quantities.
    pub async fn favorites_and_cart(
        &self,
        customer: &Customer,
    ) -> Result<(HashSet<i64>, HashMap<i64, Decimal>), crate::store::StoreError> {
        let favorites = self.store.favorites(customer.partner_id).await?;
        let cart = self.store.cart(customer.partner_id).await?;
        Ok((
            favorites.into_iter().collect(),
            cart.into_iter().map(|l| (l.product_id, l.quantity)).collect(),
        ))
    }
}
