//! The shop's domain without HTTP: the cart, the slots and the checkout,
//! called as plain Rust on a snapshot of the demo shop (mirrored once from
//! the Odoo double) and an in-memory store. No server of the storefront
//! runs here; the HTTP tests (`shop.rs`, `checkout.rs`) cover the same
//! operations through the pages and the API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use connector::mirror::Mirror;
use odoo_double::{Dataset, OdooDouble};
use rust_decimal::Decimal;
use storefront::app::settings::Settings;
use storefront::shop::cart::{self, CartError, QuantityInput};
use storefront::shop::catalog::{CatalogCache, CatalogIndex, QuantityError};
use storefront::shop::checkout::{self, CheckoutError};
use storefront::shop::fiscal_positions::FiscalPositions;
use storefront::shop::history::History;
use storefront::shop::outbox::Outbox;
use storefront::shop::slot_book::SlotBook;
use storefront::shop::slots::Availability;
use storefront::shop::{Customer, Shop};
use storefront::store::{SessionRecord, Store};

/// The demo shop on the double, mirrored once, on an in-memory store.
struct Fixture {
    odoo: OdooDouble,
    shop: Shop,
    index: Arc<CatalogIndex>,
}

async fn fixture(minimum: &str) -> Fixture {
    let odoo = OdooDouble::start(Dataset::demo(chrono::Utc::now()))
        .await
        .unwrap();
    let vars = [
        ("ODOO_URL", odoo.url()),
        ("ODOO_DB", odoo.db().to_owned()),
        ("ODOO_USER", odoo.admin_login().to_owned()),
        ("ODOO_PASSWORD", odoo.admin_password().to_owned()),
        ("SHOP_MINIMUM_ORDER", minimum.to_owned()),
    ];
    let settings =
        Settings::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())).unwrap();
    let client = settings.odoo.client().unwrap();
    let mirror = Arc::new(Mirror::new(client.clone(), settings.mirror()));
    mirror.sync().await.unwrap();
    let store = Store::open("sqlite::memory:").await.unwrap();
    let shop = Shop {
        settings: settings.shop.clone(),
        languages: settings.languages.clone(),
        outbox: Outbox::new(store.clone(), client.clone(), settings.odoo.timeout),
        stock: std::sync::Arc::new(storefront::shop::stock::Stock::new(&settings.shop.inform)),
        cases: std::sync::Arc::new(storefront::shop::cases::Cases::new(&settings.shop.cases)),
        informer: storefront::shop::inform::Informer::new(
            settings.shop.inform.clone(),
            "en_US",
            settings.shop.time_zone,
            store.clone(),
            client,
        ),
        mirror,
        store,
        catalog: CatalogCache::default(),
        slot_book: SlotBook::default(),
        history: History::default(),
        fiscal_positions: FiscalPositions::default(),
    };
    let index = shop.index();
    Fixture { odoo, shop, index }
}

impl Fixture {
    /// A demo customer, as a session of theirs gives them.
    fn customer(&self, login: &str) -> Customer {
        let (user, partner) = self.index.snapshot.customer(login).expect("a demo customer");
        let session = SessionRecord {
            id_hash: format!("hash-of-{login}"),
            user_id: user.id,
            partner_id: partner.id,
            login: login.to_owned(),
            name: login.to_owned(),
            created_at: 0,
            expires_at: i64::MAX,
        };
        self.shop
            .customer_of(&self.index, session)
            .expect("a customer of the shop")
    }

    /// A product sold by the unit, and one sold by weight (variant ids).
    fn products(&self) -> (i64, i64) {
        let mut by_unit = None;
        let mut by_weight = None;
        for &template in self.index.all_products() {
            let t = self.index.template(template).unwrap();
            let variants = self.index.variants_of(template);
            if variants.len() != 1 {
                continue;
            }
            let rule = self.index.quantity_rule(t);
            if rule.decimal {
                by_weight.get_or_insert(variants[0]);
            } else {
                by_unit.get_or_insert(variants[0]);
            }
        }
        (
            by_unit.expect("a product by the unit"),
            by_weight.expect("a product by weight"),
        )
    }
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[tokio::test]
async fn the_cart_checks_quantities_and_prices_each_line_as_the_shelf_does() {
    let f = fixture("0").await;
    let claire = f.customer("claire@example.com");
    let shelf = f.shop.pricing_shelf(&f.index, "fr_FR", &claire);
    let (by_unit, by_weight) = f.products();

    cart::add(&f.shop.store, &shelf, &claire, by_unit, QuantityInput::Text("2"))
        .await
        .unwrap();
    cart::add(
        &f.shop.store,
        &shelf,
        &claire,
        by_unit,
        QuantityInput::Number(d("1")),
    )
    .await
    .unwrap();
    cart::add(
        &f.shop.store,
        &shelf,
        &claire,
        by_weight,
        QuantityInput::Text("0,75"),
    )
    .await
    .unwrap();
    let refused = cart::add(
        &f.shop.store,
        &shelf,
        &claire,
        by_unit,
        QuantityInput::Text("1.5"),
    )
    .await;
    assert!(
        matches!(refused, Err(CartError::Quantity(QuantityError::Whole))),
        "{refused:?}"
    );
    let refused = cart::add(
        &f.shop.store,
        &shelf,
        &claire,
        999_999_999,
        QuantityInput::Text("1"),
    )
    .await;
    assert!(matches!(refused, Err(CartError::Unavailable)), "{refused:?}");
    let refused = cart::add(
        &f.shop.store,
        &shelf,
        &claire,
        by_unit,
        QuantityInput::Text("9999"),
    )
    .await;
    assert!(
        matches!(refused, Err(CartError::Quantity(QuantityError::TooLarge))),
        "{refused:?}"
    );

    let priced = cart::priced(&f.shop.store, &shelf, &claire, Decimal::ZERO)
        .await
        .unwrap();
    assert_eq!(priced.lines.len(), 2);
    let quantities: Vec<(i64, Decimal)> = priced.lines.iter().map(|l| (l.product_id, l.quantity)).collect();
    assert!(quantities.contains(&(by_unit, d("3"))), "{quantities:?}");
    assert!(quantities.contains(&(by_weight, d("0.75"))), "{quantities:?}");
    for line in &priced.lines {
        // Each line is the shelf's price of its quantity, shown as the
        // shop shows taxes.
        let price = shelf.price(line.product_id, line.quantity).unwrap();
        assert_eq!(line.price, price);
        assert_eq!(line.amount, shelf.displayed(&price));
        assert!(!line.name.is_empty());
    }
    let total: Decimal = priced.lines.iter().map(|l| l.price.price_total).sum();
    assert_eq!(priced.totals.amount_total, total);
    assert_eq!(priced.displayed_total, priced.totals.amount_total);
    assert_eq!(priced.missing, None);

    // Setting zero removes the line; the other customer's cart is apart.
    cart::set(
        &f.shop.store,
        &shelf,
        &claire,
        by_weight,
        QuantityInput::Text("0"),
    )
    .await
    .unwrap();
    let camille = f.customer("camille@example.com");
    let camille_shelf = f.shop.pricing_shelf(&f.index, "fr_FR", &camille);
    let theirs = cart::priced(&f.shop.store, &camille_shelf, &camille, Decimal::ZERO)
        .await
        .unwrap();
    assert!(theirs.is_empty());
    let mine = cart::priced(&f.shop.store, &shelf, &claire, Decimal::ZERO)
        .await
        .unwrap();
    assert_eq!(mine.lines.len(), 1);
}

#[tokio::test]
async fn a_cart_under_the_minimum_says_what_is_missing() {
    let f = fixture("1000").await;
    let claire = f.customer("claire@example.com");
    let shelf = f.shop.pricing_shelf(&f.index, "fr_FR", &claire);
    let (by_unit, _) = f.products();
    cart::add(&f.shop.store, &shelf, &claire, by_unit, QuantityInput::Text("1"))
        .await
        .unwrap();
    let priced = cart::priced(&f.shop.store, &shelf, &claire, f.shop.settings.minimum_order)
        .await
        .unwrap();
    assert_eq!(priced.minimum, d("1000"));
    assert_eq!(priced.missing, Some(d("1000") - priced.displayed_total));
    let offers = checkout::offers(&f.shop, &f.index, true).await.unwrap();
    let slot = offers
        .iter()
        .find(|o| matches!(o.availability, Availability::Open { .. }))
        .unwrap();
    let key = checkout::new_key();
    let refused = checkout::place(&f.shop, &shelf, &claire, &key, slot.slot.id, None).await;
    match refused {
        Err(CheckoutError::BelowMinimum { missing, minimum, .. }) => {
            assert_eq!(minimum, d("1000"));
            assert_eq!(Some(missing), priced.missing);
        }
        other => panic!("{other:?}"),
    }
    assert!(f.shop.store.order(&key).await.unwrap().is_none());
}

#[tokio::test]
async fn the_slots_offered_are_odoos_pickup_events_ahead_with_their_places() {
    let f = fixture("0").await;
    let now = chrono::Utc::now();
    let offers = checkout::offers(&f.shop, &f.index, true).await.unwrap();
    // Odoo's pickup events within the horizon (14 days by default), each
    // once.
    let horizon = now + chrono::TimeDelta::days(14);
    let mut ahead: Vec<i64> = f
        .index
        .snapshot
        .pickup_slots
        .records
        .values()
        .filter(|e| e.start > now && e.start <= horizon)
        .map(|e| e.id)
        .collect();
    ahead.sort_unstable();
    let mut offered: Vec<i64> = offers.iter().map(|o| o.slot.id).collect();
    offered.sort_unstable();
    assert!(offered.len() >= 4, "{offered:?}");
    assert_eq!(offered, ahead);
    for offer in &offers {
        assert!(offer.slot.start > now);
        assert!(offer.slot.stop > offer.slot.start);
        assert!(offer.slot.closes_at <= offer.slot.start);
        assert!(f.index.snapshot.pickup_slots.records.contains_key(&offer.slot.id));
        assert_eq!(offer.taken, 0, "nothing ordered yet");
    }
    let places: std::collections::BTreeSet<&str> = offers.iter().map(|o| o.slot.place.as_str()).collect();
    assert!(places.len() >= 2, "{places:?}");
}

#[tokio::test]
async fn a_checkout_places_one_order_per_key_in_odoo_and_empties_the_cart() {
    let f = fixture("0").await;
    let claire = f.customer("claire@example.com");
    let shelf = f.shop.pricing_shelf(&f.index, "fr_FR", &claire);
    let (by_unit, by_weight) = f.products();
    let offers = checkout::offers(&f.shop, &f.index, true).await.unwrap();
    let slot = offers
        .iter()
        .find(|o| matches!(o.availability, Availability::Open { .. }))
        .unwrap()
        .slot
        .clone();
    let key = checkout::new_key();

    // Nothing to order yet; a bad key or slot is refused before anything.
    let empty = checkout::place(&f.shop, &shelf, &claire, &key, slot.id, None).await;
    assert!(matches!(empty, Err(CheckoutError::EmptyCart)), "{empty:?}");
    cart::add(&f.shop.store, &shelf, &claire, by_unit, QuantityInput::Text("2"))
        .await
        .unwrap();
    cart::add(
        &f.shop.store,
        &shelf,
        &claire,
        by_weight,
        QuantityInput::Text("0.5"),
    )
    .await
    .unwrap();
    let bad_key = checkout::place(&f.shop, &shelf, &claire, "short", slot.id, None).await;
    assert!(matches!(bad_key, Err(CheckoutError::BadKey)), "{bad_key:?}");
    let unknown = checkout::place(&f.shop, &shelf, &claire, &key, -1, None).await;
    assert!(matches!(unknown, Err(CheckoutError::UnknownSlot)), "{unknown:?}");
    let long_note = "x".repeat(1001);
    let too_long = checkout::place(&f.shop, &shelf, &claire, &key, slot.id, Some(&long_note)).await;
    assert!(
        matches!(too_long, Err(CheckoutError::NoteTooLong)),
        "{too_long:?}"
    );

    let priced = cart::priced(&f.shop.store, &shelf, &claire, Decimal::ZERO)
        .await
        .unwrap();
    let placed = checkout::place(&f.shop, &shelf, &claire, &key, slot.id, Some("Sans sac"))
        .await
        .unwrap();
    assert!(placed.created);
    assert_eq!(placed.order.key, key);
    assert_eq!(placed.order.partner_id, claire.partner_id);
    assert_eq!(placed.order.slot_id, slot.id);
    let odoo_id = placed.order.odoo_id.expect("Odoo has the order within the wait");

    // Odoo's quotation: the customer's, under the key, with the cart's
    // lines and total.
    let client = f.shop.odoo();
    let order = connector::orders::read(client, odoo_id).await.unwrap().unwrap();
    assert_eq!(order.order.partner_id.id, claire.partner_id);
    assert_eq!(order.order.client_order_ref.as_deref(), Some(key.as_str()));
    assert_eq!(order.order.amount_total, priced.totals.amount_total);
    let mut lines: Vec<(i64, Decimal)> = order
        .lines
        .iter()
        .filter_map(|l| Some((l.product_id.as_ref()?.id, l.product_uom_qty)))
        .collect();
    lines.sort();
    let mut expected = vec![(by_unit, d("2")), (by_weight, d("0.5"))];
    expected.sort();
    assert_eq!(lines, expected);

    // The cart is empty; the same key again is the same order, not a new one.
    assert!(f.shop.store.cart(claire.partner_id).await.unwrap().is_empty());
    let again = checkout::place(&f.shop, &shelf, &claire, &key, slot.id, None)
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.order.odoo_id, Some(odoo_id));
    // Another customer cannot take the key.
    let camille = f.customer("camille@example.com");
    let camille_shelf = f.shop.pricing_shelf(&f.index, "fr_FR", &camille);
    cart::add(
        &f.shop.store,
        &camille_shelf,
        &camille,
        by_unit,
        QuantityInput::Text("1"),
    )
    .await
    .unwrap();
    let taken = checkout::place(&f.shop, &camille_shelf, &camille, &key, slot.id, None).await;
    assert!(matches!(taken, Err(CheckoutError::KeyConflict)), "{taken:?}");
    // The slot counts the order.
    let offers = checkout::offers(&f.shop, &f.index, true).await.unwrap();
    let counted = offers.iter().find(|o| o.slot.id == slot.id).unwrap();
    assert_eq!(counted.taken, 1);
    drop(f.odoo);
}
