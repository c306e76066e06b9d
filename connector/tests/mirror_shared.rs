//! Shops of one Odoo database sharing their product reads
//! ([`SharedReads`]), against the double's demo (the bakery, company 1, and
//! the grocery, company 2, in one database): one listing and one fetch of
//! each product serve both mirrors, and each holds exactly what a mirror of
//! its company reading alone holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use connector::mirror::{Mirror, MirrorConfig, SharedReads, Snapshot};
use connector::xmlrpc::{Struct, Value};
use connector::CompanyChoice;
use odoo_double::{Call, Dataset, OdooDouble};
use rust_decimal::Decimal;

const TEMPLATE: &str = "product.template";
const VARIANT: &str = "product.product";

fn config() -> MirrorConfig {
    MirrorConfig {
        // One language: the product reads are the shared ones only (the
        // translations stay each shop's).
        languages: vec!["fr_FR".into()],
        pickup_horizon: TimeDelta::days(365 * 10),
        batch_size: 5,
        concurrency: 2,
        ..MirrorConfig::default()
    }
}

/// What a mirror of `company` reading alone holds now.
async fn alone(double: &OdooDouble, company: i64) -> Arc<Snapshot> {
    let mirror = Mirror::new(support::admin_client(double).in_company(company), config());
    mirror.full_sync().await.unwrap();
    mirror.snapshot()
}

/// The demo, plus a product of no company (sold by both shops) carrying a
/// sales tax of each company, as Odoo's products shared by companies do.
/// Returns the double and that product's id.
async fn demo_with_a_shared_product() -> (OdooDouble, i64) {
    let double = OdooDouble::start(Dataset::demo(Utc::now())).await.unwrap();
    // Writes stamped an hour ago: older than any sync's overlap, so that a
    // sync re-reads only what a later write changed.
    double.set_now(Utc::now() - TimeDelta::hours(1));
    let taxes = alone(&double, 1).await.taxes.clone();
    let tax_of = |company: i64| {
        taxes
            .iter()
            .find(|t| t.company_id == Some(company) && t.amount > Decimal::ZERO)
            .unwrap_or_else(|| panic!("no tax of company {company}"))
            .id
    };
    let (one, two) = (tax_of(1), tax_of(2));
    let shared = double.with_db(|db| {
        let values = Struct::new()
            .with("name", "Miel de la vallée")
            .with("list_price", 7.9)
            .with("sale_ok", true)
            .with("is_published", true)
            .with(
                "taxes_id",
                Value::Array(vec![Value::Array(vec![
                    Value::Int(6),
                    Value::Int(0),
                    Value::Array(vec![Value::Int(one), Value::Int(two)]),
                ])]),
            );
        let id = db.create(TEMPLATE, values).unwrap();
        db.set(TEMPLATE, id, "company_id", false).unwrap();
        id
    });
    (double, shared)
}

fn shared_mirror(double: &OdooDouble, company: i64, shared: &Arc<SharedReads>) -> Mirror {
    Mirror::new(support::admin_client(double).in_company(company), config()).with_shared(shared)
}

/// Whether `call` is a listing (ids, `write_date`s and companies).
fn is_listing(call: &Call) -> bool {
    call.model_method.as_deref() == Some("search_read")
        && call.kwarg("fields").is_some_and(|f| {
            f.as_array().is_some_and(|f| {
                f.iter().filter_map(Value::as_str).collect::<Vec<_>>() == ["write_date", "company_id"]
            })
        })
}

/// The ids a call's domain asks for by `("id", "in", [...])`.
fn ids_asked(call: &Call) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    for term in call.domain().and_then(Value::as_array).into_iter().flatten() {
        if let Some([name, op, Value::Array(ids)]) = term.as_array() {
            if name.as_str() == Some("id") && op.as_str() == Some("in") {
                out.extend(ids.iter().filter_map(Value::as_i64));
            }
        }
    }
    out
}

/// Whether `call` reads costs alone.
fn is_cost_read(call: &Call) -> bool {
    call.kwarg("fields")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().filter_map(Value::as_str).collect::<Vec<_>>() == ["standard_price"])
}

/// The search_reads of records of `model` (not listings, not costs).
fn fetches(double: &OdooDouble, model: &str) -> Vec<Call> {
    double
        .calls_to(model)
        .into_iter()
        .filter(|c| c.model_method.as_deref() == Some("search_read") && !is_listing(c) && !is_cost_read(c))
        .collect()
}

fn listings(double: &OdooDouble, model: &str) -> usize {
    double.calls_to(model).iter().filter(|c| is_listing(c)).count()
}

/// The companies a call was made in.
fn companies_of(call: &Call) -> Vec<i64> {
    call.kwarg("context")
        .and_then(Value::as_struct)
        .and_then(|c| c.get("allowed_company_ids"))
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// Each line price (taxes included) of every variant under every
/// pricelist of the snapshot, as its pricing context computes it.
fn prices(snapshot: &Snapshot) -> Vec<String> {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let ctx = snapshot.pricing.as_ref().unwrap();
    let mut out = Vec::new();
    for pricelist in snapshot.pricelists.records.keys() {
        for variant in snapshot.variants.records.keys() {
            let price = connector::pricing::price_line(
                ctx,
                connector::pricing::PricelistId(*pricelist),
                connector::pricing::ProductId(*variant),
                Decimal::from(3),
                day,
            );
            out.push(format!("{pricelist} {variant}: {price:?}"));
        }
    }
    out
}

/// A mirror of `company` reading alone.
fn unshared_mirror(double: &OdooDouble, company: i64) -> Mirror {
    Mirror::new(support::admin_client(double).in_company(company), config())
}

/// `mirror` holds exactly what `twin`, a mirror of `company` reading alone
/// and synced as often, holds once synced now, and prices the same.
async fn assert_as_alone(mirror: &Mirror, twin: &Mirror, company: i64) {
    twin.sync().await.unwrap();
    let got = mirror.snapshot();
    let expected = twin.snapshot();
    assert!(!expected.templates.is_empty());
    assert_eq!(
        got.templates.records, expected.templates.records,
        "company {company}"
    );
    assert_eq!(
        got.variants.records, expected.variants.records,
        "company {company}"
    );
    assert_eq!(prices(&got), prices(&expected), "company {company}");
    for t in got.templates.records.values() {
        assert!(
            t.company_id.is_none_or(|c| c == company),
            "company {company} holds {} of company {:?}",
            t.name,
            t.company_id
        );
    }
    for v in got.variants.records.values() {
        assert!(v.company_id.is_none_or(|c| c == company), "{v:?}");
    }
}

#[tokio::test]
async fn one_read_of_the_products_serves_both_companies_shops() {
    let (double, shared_product) = demo_with_a_shared_product().await;
    let reads = Arc::new(SharedReads::new(Duration::from_secs(600)));
    let bakery = shared_mirror(&double, 1, &reads);
    let grocery = shared_mirror(&double, 2, &reads);
    double.clear_calls();
    // At once, as a process's shops start: one waits for the other's read.
    let (a, b) = tokio::join!(bakery.full_sync(), grocery.full_sync());
    let (a, b) = (a.unwrap(), b.unwrap());

    for model in [TEMPLATE, VARIANT] {
        assert_eq!(listings(&double, model), 1, "{model}: one listing for both shops");
        assert_eq!(
            double
                .calls_to(model)
                .iter()
                .filter(|c| c.model_method.as_deref() == Some("search_count"))
                .count(),
            0,
            "{model}: no shop counted its own"
        );
        // Each record fetched once: the shared product by the first shop
        // only, every company's own by its shop.
        let mut asked = Vec::new();
        for call in fetches(&double, model) {
            assert_eq!(
                companies_of(&call).len(),
                2,
                "{model}: read in both companies: {call:?}"
            );
            asked.extend(ids_asked(&call));
        }
        let unique: BTreeSet<i64> = asked.iter().copied().collect();
        assert_eq!(asked.len(), unique.len(), "{model}: a record fetched twice");
        let held: BTreeSet<i64> = match model {
            TEMPLATE => bakery
                .snapshot()
                .templates
                .records
                .keys()
                .chain(grocery.snapshot().templates.records.keys())
                .copied()
                .collect(),
            _ => bakery
                .snapshot()
                .variants
                .records
                .keys()
                .chain(grocery.snapshot().variants.records.keys())
                .copied()
                .collect(),
        };
        assert_eq!(unique, held, "{model}: what was fetched is what the shops hold");
    }
    // One shop made the listings; the other took them and the shared
    // product (and its variant) from its read.
    let (first, second) = if a.shared_listings.is_empty() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    assert!(first.shared_listings.is_empty());
    assert_eq!(
        second.shared_listings.iter().copied().collect::<Vec<_>>(),
        [VARIANT, TEMPLATE]
    );
    assert_eq!(second.shared_records.get(TEMPLATE), Some(&1));
    assert_eq!(second.shared_records.get(VARIANT), Some(&1));
    assert_eq!(first.calls[TEMPLATE], 1 + first.fetched[TEMPLATE].div_ceil(5));
    assert_eq!(second.calls[TEMPLATE], (second.fetched[TEMPLATE] - 1).div_ceil(5));
    let stats = reads.stats();
    assert_eq!(stats.rounds.get(TEMPLATE), Some(&1));
    assert_eq!(stats.reused.get(TEMPLATE), Some(&1));

    assert!(bakery.snapshot().templates.records.contains_key(&shared_product));
    assert!(grocery.snapshot().templates.records.contains_key(&shared_product));
    assert_as_alone(&bakery, &unshared_mirror(&double, 1), 1).await;
    assert_as_alone(&grocery, &unshared_mirror(&double, 2), 2).await;
}

#[tokio::test]
async fn a_change_is_listed_and_fetched_once_for_both_shops() {
    let (double, shared_product) = demo_with_a_shared_product().await;
    let reads = Arc::new(SharedReads::new(Duration::from_secs(600)));
    let bakery = shared_mirror(&double, 1, &reads);
    let grocery = shared_mirror(&double, 2, &reads);
    bakery.full_sync().await.unwrap();
    grocery.full_sync().await.unwrap();
    let (bakery_alone, grocery_alone) = (unshared_mirror(&double, 1), unshared_mirror(&double, 2));
    assert_as_alone(&bakery, &bakery_alone, 1).await;
    assert_as_alone(&grocery, &grocery_alone, 2).await;
    let of_grocery = *grocery
        .snapshot()
        .templates
        .records
        .values()
        .find(|t| t.company_id == Some(2))
        .map(|t| &t.id)
        .unwrap();
    assert!(!bakery.snapshot().templates.records.contains_key(&of_grocery));
    let shared_variant = grocery.snapshot().templates.records[&shared_product].product_variant_ids[0];
    double.advance_clock(TimeDelta::minutes(1));
    double.with_db(|db| {
        db.set(TEMPLATE, of_grocery, "list_price", 12.5).unwrap();
        db.set(TEMPLATE, shared_product, "list_price", 8.4).unwrap();
        db.set(VARIANT, shared_variant, "standard_price", 3.25).unwrap();
    });
    double.clear_calls();
    let a = bakery.sync().await.unwrap();
    let b = grocery.sync().await.unwrap();

    assert_eq!(listings(&double, TEMPLATE), 1);
    assert_eq!(listings(&double, VARIANT), 1);
    assert!(a.shared_listings.is_empty());
    assert!(b.shared_listings.contains(TEMPLATE));
    let asked: Vec<BTreeSet<i64>> = fetches(&double, TEMPLATE)
        .iter()
        .filter(|c| {
            c.kwarg("fields")
                .is_some_and(|f| f.as_array().is_some_and(|f| f.len() > 2))
        })
        .map(ids_asked)
        .collect();
    assert_eq!(
        asked.iter().filter(|ids| ids.contains(&shared_product)).count(),
        1,
        "the shared product fetched once: {asked:?}"
    );
    assert_eq!(asked.iter().filter(|ids| ids.contains(&of_grocery)).count(), 1);
    assert_eq!(b.shared_records.get(TEMPLATE), Some(&1));
    assert_eq!(
        bakery.snapshot().templates.records[&shared_product].list_price,
        Decimal::new(84, 1)
    );
    assert_eq!(
        grocery.snapshot().templates.records[&shared_product].list_price,
        Decimal::new(84, 1)
    );
    assert_eq!(
        grocery.snapshot().templates.records[&of_grocery].list_price,
        Decimal::new(125, 1)
    );
    assert!(!bakery.snapshot().templates.records.contains_key(&of_grocery));
    // The cost is company-dependent: the grocery, which took the variant
    // the bakery read in company 1, reads its cost again in company 2.
    let costs: Vec<Call> = double
        .calls_to(VARIANT)
        .into_iter()
        .filter(is_cost_read)
        .collect();
    assert_eq!(costs.len(), 1, "{costs:?}");
    assert_eq!(companies_of(&costs[0]), [2]);
    assert!(ids_asked(&costs[0]).contains(&shared_variant));
    assert_eq!(
        grocery.snapshot().variants.records[&shared_variant].standard_price,
        Some(Decimal::new(325, 2))
    );
    assert_as_alone(&bakery, &bakery_alone, 1).await;
    assert_as_alone(&grocery, &grocery_alone, 2).await;

    // Nothing changed since: the bakery lists once, the grocery takes the
    // listing and calls nothing for the products.
    double.clear_calls();
    let a = bakery.sync().await.unwrap();
    let b = grocery.sync().await.unwrap();
    assert_eq!(a.calls[TEMPLATE], 1);
    assert_eq!(b.calls[TEMPLATE], 0);
    assert_eq!(b.calls[VARIANT], 0);
    assert_eq!(listings(&double, TEMPLATE), 1);
    assert_eq!(a.fetched[TEMPLATE] + b.fetched[TEMPLATE], 0);
}

#[tokio::test]
async fn a_company_known_only_at_its_first_sync_still_gets_its_products() {
    let (double, _) = demo_with_a_shared_product().await;
    let reads = Arc::new(SharedReads::new(Duration::from_secs(600)));
    let bakery = shared_mirror(&double, 1, &reads);
    // The grocery's company is found by its first sync.
    let grocery = Mirror::new(
        support::admin_client(&double),
        MirrorConfig {
            company: Some(CompanyChoice::Id(2)),
            ..config()
        },
    )
    .with_shared(&reads);
    assert_eq!(reads.companies(), [1]);
    bakery.full_sync().await.unwrap();
    let b = grocery.full_sync().await.unwrap();
    assert_eq!(reads.companies(), [1, 2]);
    // The bakery's round did not cover company 2: the grocery listed anew.
    assert!(b.shared_listings.is_empty());
    assert_as_alone(&grocery, &unshared_mirror(&double, 2), 2).await;
    // The bakery's next sync takes the grocery's round.
    let a = bakery.sync().await.unwrap();
    assert!(a.shared_listings.contains(TEMPLATE), "{a:?}");
    assert_as_alone(&bakery, &unshared_mirror(&double, 1), 1).await;
}

#[tokio::test]
async fn a_round_older_than_fresh_for_is_not_taken() {
    let (double, _) = demo_with_a_shared_product().await;
    let reads = Arc::new(SharedReads::new(Duration::ZERO));
    let bakery = shared_mirror(&double, 1, &reads);
    let grocery = shared_mirror(&double, 2, &reads);
    bakery.full_sync().await.unwrap();
    let b = grocery.full_sync().await.unwrap();
    assert!(b.shared_listings.is_empty());
    assert_eq!(reads.stats().rounds.get(TEMPLATE), Some(&2));
    assert_as_alone(&grocery, &unshared_mirror(&double, 2), 2).await;
}

/// A snapshot saved before products had their company loads (without it).
#[tokio::test]
async fn a_snapshot_saved_without_product_companies_loads() {
    let (double, _) = demo_with_a_shared_product().await;
    let snapshot = alone(&double, 1).await;
    let dir = std::env::temp_dir().join(format!(
        "mirror-shared-{}-{}",
        std::process::id(),
        double.url().len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("snapshot.json");
    snapshot.save(&path).unwrap();
    let mut saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut stripped = 0;
    for model in ["templates", "variants"] {
        for record in saved["snapshot"][model]["records"]
            .as_object_mut()
            .unwrap()
            .values_mut()
        {
            assert!(record.as_object_mut().unwrap().remove("company_id").is_some());
            stripped += 1;
        }
    }
    assert!(stripped > 0);
    std::fs::write(&path, serde_json::to_vec(&saved).unwrap()).unwrap();
    let loaded = Snapshot::load(&path).unwrap();
    assert_eq!(loaded.templates.len(), snapshot.templates.len());
    assert!(loaded.templates.records.values().all(|t| t.company_id.is_none()));
    // And one saved with them keeps them.
    snapshot.save(&path).unwrap();
    let loaded = Snapshot::load(&path).unwrap();
    assert_eq!(loaded.templates.records, snapshot.templates.records);
    assert_eq!(loaded.variants.records, snapshot.variants.records);
    std::fs::remove_dir_all(&dir).unwrap();
}
