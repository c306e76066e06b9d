//! The demo's two shops on one double, as the storefront's mirrors see
//! them: the bakery (company 1, the technical user's, pickup category
//! "Pickup") and the grocery "Épicerie Vrac & Co" (company 2,
//! `SHOP_COMPANY=2`, `SHOP_PICKUP_CATEGORY=Retrait épicerie`), through
//! `connector::mirror::Mirror` over a real socket, on 16.0, 18.0 and 19.0.
//!
//! The mirror keeps a company's records and those of no company, as Odoo's
//! company rules do: the bakery's products (of no company) are on the
//! grocery's shelves too, without taxes there (theirs are company 1's),
//! and so are the bakery's customers (their partners are of no company).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;
use connector::mirror::{Mirror, MirrorConfig, Snapshot};
use connector::pricing::{price_line, Decimal, PricelistId, ProductId};
use connector::CompanyChoice;
use odoo_double::{Dataset, OdooDouble};
use support::client::{client, start};

mod support;

/// The bakery's products on sale before the grocery came: the built-in
/// shop's 15 and the demo's 44, none of a company.
const BAKERY_TEMPLATES: usize = 59;
/// Their variants on sale (measured before the grocery came).
const BAKERY_VARIANTS: usize = 61;
/// The grocery: company, its partner, its taxes (5.5 % included, 20 %),
/// its pricelist, its public categories, its templates and variants, Léa
/// (user, partner) and the category of its pickup slots.
const GROCERY: i64 = 2;
const GROCERY_PARTNER: i64 = 11;
const GROCERY_FOOD_VAT: i64 = 4;
const GROCERY_VAT_20: i64 = 5;
const GROCERY_PRICELIST: i64 = 4;
const GROCERY_CATEGORIES: [i64; 2] = [15, 16];
const GROCERY_TEMPLATES: std::ops::RangeInclusive<i64> = 63..=70;
const GROCERY_VARIANTS: std::ops::RangeInclusive<i64> = 65..=72;
const LEA_USER: i64 = 9;
const LEA_PARTNER: i64 = 12;
const GROCERY_PICKUP: i64 = 3;
/// The bakery's pickup category ("Pickup").
const BAKERY_PICKUP: i64 = 1;

/// A full sync of `double` for the shop of `company` (the technical user's
/// when `None`) whose slots are under `pickup`.
async fn mirror(double: &OdooDouble, company: Option<CompanyChoice>, pickup: &str) -> Arc<Snapshot> {
    let config = MirrorConfig {
        languages: vec!["fr_FR".into(), "en_US".into()],
        pickup_category: pickup.into(),
        company,
        ..MirrorConfig::default()
    };
    let mirror = Mirror::new(client(double), config);
    mirror.full_sync().await.unwrap();
    mirror.snapshot()
}

fn ids<T>(records: &std::collections::BTreeMap<i64, T>) -> BTreeSet<i64> {
    records.keys().copied().collect()
}

/// The dataset's templates of no company on sale (the bakery's).
fn companyless_on_sale(dataset: &Dataset) -> BTreeSet<i64> {
    dataset
        .records_of("product.template")
        .iter()
        .filter(|t| t.get("company_id").and_then(|c| c.as_i64()) == Some(1))
        .filter(|t| t.get("sale_ok").and_then(|v| v.as_bool()) != Some(false))
        .filter(|t| t.get("is_published").and_then(|v| v.as_bool()) == Some(true))
        .filter(|t| t.get("active").and_then(|v| v.as_bool()) != Some(false))
        .filter_map(|t| t.get("id").and_then(|v| v.as_i64()))
        .collect()
}

#[tokio::test]
async fn the_grocery_shop_mirrors_company_2_and_the_bakery_is_unchanged() {
    for series in ["16.0", "18.0", "19.0"] {
        let dataset = Dataset::demo(Utc::now()).with_series(series);
        let bakery_products = companyless_on_sale(&dataset);
        assert_eq!(bakery_products.len(), BAKERY_TEMPLATES, "{series}");
        let double = start(dataset.clone()).await;

        // The bakery: company 1, as before.
        let bakery = mirror(&double, None, "Pickup").await;
        assert_eq!(bakery.company_id, Some(1), "{series}");
        assert_eq!(ids(&bakery.templates.records), bakery_products, "{series}");
        assert_eq!(bakery.variants.len(), BAKERY_VARIANTS, "{series}");
        assert!(bakery
            .variants
            .records
            .values()
            .all(|v| !GROCERY_VARIANTS.contains(&v.id)));
        assert_eq!(ids(&bakery.pricelists.records), BTreeSet::from([1, 2, 3]));
        assert!(bakery.customer("claire@example.com").is_some());
        assert!(
            bakery.customer("lea@example.com").is_none(),
            "Léa's partner is the grocery's"
        );
        assert!(!bakery.partners.records.contains_key(&LEA_PARTNER));
        assert!(!bakery.pickup_slots.records.is_empty());
        assert!(bakery
            .pickup_slots
            .records
            .values()
            .all(|s| s.categ_ids == [BAKERY_PICKUP]));

        // The grocery: company 2.
        let grocery = mirror(&double, Some(CompanyChoice::Id(GROCERY)), "Retrait épicerie").await;
        assert_eq!(grocery.company_id, Some(GROCERY), "{series}");
        let company = grocery.companies.iter().find(|c| c.id == GROCERY).unwrap();
        assert_eq!(company.name, "Épicerie Vrac & Co");
        assert_eq!(company.partner_id.id, GROCERY_PARTNER);
        // Its 8 products alone: the bakery's are company 1's.
        let templates = ids(&grocery.templates.records);
        let own: BTreeSet<i64> = GROCERY_TEMPLATES.collect();
        assert_eq!(templates, own, "{series}");
        let variants = ids(&grocery.variants.records);
        assert_eq!(variants, GROCERY_VARIANTS.collect::<BTreeSet<_>>(), "{series}");
        for id in GROCERY_TEMPLATES {
            let t = &grocery.templates.records[&id];
            assert!(
                t.taxes_id == [GROCERY_FOOD_VAT] || t.taxes_id == [GROCERY_VAT_20],
                "{series}: {t:?}"
            );
            assert!(t.public_categ_ids.iter().all(|c| GROCERY_CATEGORIES.contains(c)));
        }
        let chickpeas = &grocery.templates.records[&63];
        assert_eq!(chickpeas.name, "Pois chiches (vrac)");
        assert_eq!(chickpeas.uom_id.id, 2, "sold by the kg");
        assert_eq!(
            grocery.product_translations["en_US"][&63].name,
            "Chickpeas (bulk)"
        );
        assert_eq!(
            grocery.category_path(16, "fr_FR"),
            "Épicerie vrac / Légumineuses & céréales"
        );
        assert_eq!(
            grocery.category_path(16, "en_US"),
            "Bulk grocery / Pulses & grains"
        );
        // Its pricelist alone, its customer Léa on it.
        assert_eq!(
            ids(&grocery.pricelists.records),
            BTreeSet::from([GROCERY_PRICELIST])
        );
        let (lea, partner) = grocery.customer("lea@example.com").unwrap();
        assert_eq!((lea.id, partner.id), (LEA_USER, LEA_PARTNER));
        assert_eq!(partner.name.as_deref(), Some("Léa Dubois"));
        assert_eq!(
            partner.property_product_pricelist.as_ref().map(|p| p.id),
            Some(GROCERY_PRICELIST)
        );
        // Its slots alone: Wednesdays and Saturdays at the grocery.
        let slots = &grocery.pickup_slots.records;
        let expected = dataset
            .records_of("calendar.event")
            .iter()
            .filter(|e| e.get("categ_ids") == Some(&serde_json::json!([GROCERY_PICKUP])))
            .count();
        assert!(expected >= 5, "{expected}");
        assert_eq!(slots.len(), expected, "{series}");
        assert!(slots.values().all(|s| s.categ_ids == [GROCERY_PICKUP]
            && s.location.as_deref() == Some("Épicerie Vrac & Co, 3 place du Marché, Lyon")));

        // Prices: the grocery's taxes; the bakery's products none there.
        let ctx = grocery.pricing.as_deref().unwrap();
        let day = Utc::now().date_naive();
        let line = price_line(
            ctx,
            PricelistId(GROCERY_PRICELIST),
            ProductId(65),
            Decimal::ONE,
            day,
        )
        .unwrap();
        assert_eq!(line.price_total, Decimal::new(460, 2), "{series}: {line:?}");
        assert_eq!(line.taxes.len(), 1, "{line:?}");
        let soap = price_line(
            ctx,
            PricelistId(GROCERY_PRICELIST),
            ProductId(71),
            Decimal::ONE,
            day,
        )
        .unwrap();
        assert_eq!(soap.price_subtotal, Decimal::new(450, 2), "{series}: {soap:?}");
        assert_eq!(soap.price_total, Decimal::new(540, 2), "{series}: {soap:?}");
        // The bakery's baguette is not the grocery's to sell.
        assert!(!grocery.templates.records.contains_key(&1));

        // What the double shows beyond Odoo's company rules (which it does
        // not emulate): every sales tax, every portal user.
        let taxes: BTreeSet<i64> = grocery.taxes.iter().map(|t| t.id).collect();
        assert!(taxes.is_superset(&BTreeSet::from([GROCERY_FOOD_VAT, GROCERY_VAT_20])));
        // The bakery's customers are of no company: the grocery's too.
        assert!(grocery.customer("claire@example.com").is_some());

        println!(
            "{series}: bakery {} products, {} variants, {} customers' partners, {} pricelists, {} slots, \
             taxes {:?}; grocery {} products, {} variants, {} customers' partners ({} users), {} pricelists, \
             {} slots, taxes {:?}",
            bakery.templates.len(),
            bakery.variants.len(),
            bakery.partners.len(),
            bakery.pricelists.len(),
            bakery.pickup_slots.len(),
            bakery.taxes.iter().map(|t| t.id).collect::<Vec<_>>(),
            grocery.templates.len(),
            grocery.variants.len(),
            grocery.partners.len(),
            grocery.users.len(),
            grocery.pricelists.len(),
            grocery.pickup_slots.len(),
            taxes,
        );
        double.stop().await;
    }
}
