//! The mirror against the Odoo double over HTTP: a full sync, then each
//! kind of change staff make in Odoo shows after one incremental sync; a
//! sync with nothing changed makes one call per model; a failed sync keeps
//! the previous snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

mod support;

use chrono::{NaiveDate, TimeDelta};
use connector::mirror::{Mirror, MirrorConfig, Snapshot};
use connector::pricing::{price_line, PricelistId, ProductId};
use connector::{Client, Credentials, ErrorKind, Transport};
use odoo_double::{Dataset, OdooDouble};
use rust_decimal::Decimal;

async fn start(transport: Transport) -> (OdooDouble, Mirror) {
    // JSON-2 exists from Odoo 19 on.
    let dataset = match transport {
        Transport::Json2 => Dataset::shop().with_series("19.0"),
        _ => Dataset::shop(),
    };
    let double = OdooDouble::start(dataset).await.unwrap();
    let credentials = match transport {
        Transport::Json2 => Credentials::api_key(double.admin_login(), double.admin_api_key().unwrap()),
        _ => Credentials::new(double.admin_login(), double.admin_password()),
    };
    let client = Client::builder(double.url())
        .database(double.db())
        .credentials(credentials)
        .transport(transport)
        .build()
        .unwrap();
    let config = MirrorConfig {
        languages: vec!["fr_FR".into(), "en_US".into()],
        pickup_horizon: TimeDelta::days(365 * 10),
        batch_size: 5,
        concurrency: 3,
        ..MirrorConfig::default()
    };
    let mirror = Mirror::new(client, config);
    mirror.full_sync().await.unwrap();
    (double, mirror)
}

async fn a_full_sync_mirrors_the_shop(transport: Transport) {
    let (double, mirror) = start(transport).await;
    let snapshot = mirror.snapshot();
    let on_sale = double.with_db(|db| {
        let domain = connector::field("sale_ok").eq(true) & connector::field("is_published").eq(true);
        db.search("product.template", &domain).unwrap().len()
    });
    assert!(on_sale > 5);
    assert_eq!(snapshot.templates.len(), on_sale, "paged in batches of 5");
    assert!(snapshot.modules.website_sale && snapshot.modules.calendar);
    assert!(snapshot.variants.len() >= snapshot.templates.len());
    assert!(!snapshot.public_categories.is_empty());
    assert!(!snapshot.pickup_slots.is_empty());
    assert!(!snapshot.pricelists.is_empty() && !snapshot.taxes.is_empty() && !snapshot.uoms.is_empty());
    // Names in the default language, and the others alongside.
    let baguette = support::template_named(&snapshot, "Baguette tradition");
    let english = &snapshot.product_translations["en_US"][&baguette];
    assert_eq!(english.name, "Traditional baguette");
    // Search in either language, by name, accent- and case-insensitively.
    assert_eq!(
        snapshot
            .search
            .search("BAGUETTE trad", "fr_FR", 3)
            .first()
            .map(|h| h.id),
        Some(baguette)
    );
    assert_eq!(
        snapshot.search.search("tradit", "en_US", 3).first().map(|h| h.id),
        Some(baguette)
    );
    // Customers by login, with their partner and pricelist.
    let (user, partner) = snapshot
        .customer("claire@example.com")
        .expect("claire is a customer");
    assert!(user.share);
    assert!(partner.property_product_pricelist.is_some());
    assert!(
        snapshot.customer("admin").is_none(),
        "the technical user is no customer"
    );
    // The pricing context prices every variant on sale.
    let pricing = snapshot.pricing.as_ref().expect("a pricing context");
    let pricelist = partner.property_product_pricelist.as_ref().unwrap().id;
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    for variant in snapshot.variants.records.values() {
        let line = price_line(
            pricing,
            PricelistId(pricelist),
            ProductId(variant.id),
            Decimal::ONE,
            day,
        )
        .unwrap();
        assert!(line.price_total >= Decimal::ZERO);
    }
}

async fn an_edit_shows_after_one_incremental_sync(transport: Transport) {
    let (double, mirror) = start(transport).await;
    let id = support::template_named(&mirror.snapshot(), "Baguette tradition");
    let before = mirror.snapshot().revision;
    double.with_db(|db| {
        db.set("product.template", id, "list_price", 1.45).unwrap();
        db.set_translation("product.template", id, "name", "en_US", "Classic baguette")
            .unwrap();
    });
    let report = mirror.sync().await.unwrap();
    assert!(!report.full);
    let snapshot = mirror.snapshot();
    assert_eq!(snapshot.templates.records[&id].list_price, Decimal::new(145, 2));
    assert_eq!(
        snapshot.product_translations["en_US"][&id].name,
        "Classic baguette"
    );
    assert_eq!(report.fetched["product.template"], 1, "{report:?}");
    assert_eq!(snapshot.revision, before + 1, "a new revision for new content");
}

async fn archived_unpublished_and_deleted_products_leave(transport: Transport) {
    let (double, mirror) = start(transport).await;
    let before = mirror.snapshot();
    let mut ids = before.templates.records.keys().copied();
    let (archived, unpublished, deleted) = (ids.next().unwrap(), ids.next().unwrap(), ids.next().unwrap());
    double.with_db(|db| {
        db.archive("product.template", &[archived]).unwrap();
        db.set("product.template", unpublished, "is_published", false)
            .unwrap();
    });
    double.with_db(|db| {
        let variants = db
            .search(
                "product.product",
                &connector::field("product_tmpl_id").eq(deleted),
            )
            .unwrap();
        db.unlink("product.product", &variants).unwrap();
        db.unlink("product.template", &[deleted]).unwrap();
    });
    let report = mirror.sync().await.unwrap();
    let after = mirror.snapshot();
    for gone in [archived, unpublished, deleted] {
        assert!(
            !after.templates.records.contains_key(&gone),
            "{gone} still mirrored"
        );
        assert!(after
            .variants
            .records
            .values()
            .all(|v| v.product_tmpl_id.id != gone));
    }
    assert_eq!(after.templates.len(), before.templates.len() - 3);
    assert_eq!(report.removed["product.template"], 3, "{report:?}");
    // The readers of the old snapshot still have it whole.
    assert!(before.templates.records.contains_key(&archived));
}

async fn a_sync_with_nothing_changed_makes_one_call_per_model(transport: Transport) {
    let (double, mirror) = start(transport).await;
    double.clear_calls();
    let before = mirror.snapshot();
    let report = mirror.sync().await.unwrap();
    // The same records: the same revision (a newer sync time).
    let after = mirror.snapshot();
    assert_ne!(before.revision, 0);
    assert_eq!(after.revision, before.revision, "{report:?}");
    assert!(after.synced_at > before.synced_at);
    // A change to a model read whole each time is a new revision.
    double.with_db(|db| {
        db.set("res.company", 1, "name", "La Boulangerie du Coin")
            .unwrap()
    });
    mirror.sync().await.unwrap();
    assert_eq!(mirror.snapshot().revision, before.revision + 1);
    double.clear_calls();
    let report = mirror.sync().await.unwrap();
    let mut per_model: BTreeMap<String, usize> = BTreeMap::new();
    let mut settings = 0;
    for call in double.calls() {
        // Odoo's settings are asked apart: a few calls whatever the size.
        if call.is("res.users", "has_group") || call.is("sale.order.line", "fields_get") {
            settings += 1;
            continue;
        }
        if let Some(model) = &call.model {
            *per_model.entry(model.clone()).or_default() += 1;
        }
    }
    assert!(per_model.len() >= 10, "{per_model:?}");
    assert!(per_model.values().all(|n| *n == 1), "{per_model:?}");
    assert_eq!(report.calls["settings"], settings, "{report:?}");
    assert!(settings <= 4, "{settings} calls for the settings");
    assert_eq!(report.total_calls(), per_model.values().sum::<usize>() + settings);
    assert!(report
        .fetched
        .iter()
        .all(|(model, n)| *n == 0 || !["product.template", "product.product"].contains(model)));
}

async fn a_pricelist_change_reprices_its_products(transport: Transport) {
    let (double, mirror) = start(transport).await;
    let snapshot = mirror.snapshot();
    let (_, partner) = snapshot.customer("claire@example.com").unwrap();
    let pricelist = partner.property_product_pricelist.as_ref().unwrap().id;
    let variant = *snapshot.variants.records.keys().next().unwrap();
    let price = |s: &Snapshot| support::unit_price(s, pricelist, variant);
    let before = price(&snapshot);
    double.with_db(|db| {
        let values = connector::xmlrpc::Struct::new()
            .with("pricelist_id", pricelist)
            .with("applied_on", "3_global")
            .with("compute_price", "fixed")
            .with("fixed_price", 0.42)
            .with("min_quantity", 0.0);
        db.create("product.pricelist.item", values).unwrap();
    });
    mirror.sync().await.unwrap();
    let after = price(&mirror.snapshot());
    assert_ne!(before, after);
    assert_eq!(after, Decimal::new(42, 2));
}

async fn with_odoo_stopped_the_previous_snapshot_stays_and_the_error_is_reported(transport: Transport) {
    let (double, mirror) = start(transport).await;
    let before: Arc<Snapshot> = mirror.snapshot();
    double.stop().await;
    let err = mirror.sync().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    let after = mirror.snapshot();
    assert!(Arc::ptr_eq(&before, &after), "the snapshot was replaced");
    assert_eq!(after.templates.len(), before.templates.len());
    double.resume().await.unwrap();
    mirror.sync().await.unwrap();
    assert!(!Arc::ptr_eq(&before, &mirror.snapshot()));
}

async fn images_are_fetched_once_per_product_version(transport: Transport) {
    use connector::mirror::{ImageCache, ImageSize};
    let (double, mirror) = start(transport).await;
    let snapshot = mirror.snapshot();
    let id = support::template_named(&snapshot, "Baguette tradition");
    let version = snapshot.templates.records[&id].write_date;
    let images = ImageCache::new(mirror.client().clone(), 1 << 20);
    double.clear_calls();
    let first = images
        .get(id, version, ImageSize::Large)
        .await
        .unwrap()
        .expect("an image");
    assert_eq!(first.content_type, "image/png");
    assert!(first.bytes.starts_with(b"\x89PNG"));
    let again = images.get(id, version, ImageSize::Large).await.unwrap().unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    assert_eq!(double.calls_to("product.template").len(), 1, "fetched once");
    // A new version of the product is fetched again.
    let newer = version + TimeDelta::seconds(1);
    images.get(id, newer, ImageSize::Large).await.unwrap().unwrap();
    assert_eq!(double.calls_to("product.template").len(), 2);
    // A product without an image has none, and that answer is kept too.
    let plain = double.with_db(|db| {
        let values = connector::xmlrpc::Struct::new()
            .with("name", "No picture")
            .with("sale_ok", true);
        db.create("product.template", values).unwrap()
    });
    assert!(images
        .get(plain, version, ImageSize::Large)
        .await
        .unwrap()
        .is_none());
    assert!(images
        .get(plain, version, ImageSize::Large)
        .await
        .unwrap()
        .is_none());
    assert_eq!(double.calls_to("product.template").len(), 3);
    assert!(images.weighted_size().await > 0);
}

async fn the_image_cache_stays_within_its_size(transport: Transport) {
    use connector::mirror::{ImageCache, ImageSize};
    let (_double, mirror) = start(transport).await;
    let snapshot = mirror.snapshot();
    let images = ImageCache::new(mirror.client().clone(), 300);
    for template in snapshot.templates.records.values() {
        images
            .get(template.id, template.write_date, ImageSize::Large)
            .await
            .unwrap();
    }
    assert!(images.weighted_size().await <= 300);
}

/// Orders the double stores carry the prices the mirror shows: the double
/// prices lines with the connector's engine, from its own data.
async fn orders_in_the_double_are_priced_as_the_mirror_prices(transport: Transport) {
    use connector::records::{NewOrderLine, NewSaleOrder, SaleOrder, SaleOrderLine};
    let (double, mirror) = start(transport).await;
    // A price whose included tax falls on half a cent at half a unit, where
    // per-line (16-18) and global (19) tax rounding differ by a cent.
    let half_cent = double.with_db(|db| {
        let tax = db
            .create(
                "account.tax",
                connector::xmlrpc::Struct::new()
                    .with("name", "TVA 5,5 % TTC (test)")
                    .with("amount", 5.5)
                    .with("amount_type", "percent")
                    .with("type_tax_use", "sale")
                    .with("price_include", true),
            )
            .unwrap();
        let values = connector::xmlrpc::Struct::new()
            .with("name", "Confiture (test)")
            .with("list_price", 10.05)
            .with("sale_ok", true)
            .with("is_published", true)
            .with("taxes_id", vec![tax]);
        let template = db.create("product.template", values).unwrap();
        db.search(
            "product.product",
            &connector::field("product_tmpl_id").eq(template),
        )
        .unwrap()[0]
    });
    mirror.sync().await.unwrap();
    let snapshot = mirror.snapshot();
    let pricing = snapshot.pricing.as_ref().unwrap();
    let mut variants: Vec<i64> = snapshot
        .variants
        .records
        .keys()
        .copied()
        .filter(|v| *v != half_cent)
        .take(5)
        .collect();
    variants.insert(1, half_cent);
    let today = chrono::Utc::now().date_naive();
    let mut lines_checked = 0;
    for login in ["claire@example.com", "camille@example.com", "pro@example.com"] {
        let (_, partner) = snapshot.customer(login).unwrap();
        let pricelist = partner.property_product_pricelist.as_ref().unwrap().id;
        let quantities = [Decimal::ONE, Decimal::new(5, 1), Decimal::new(6, 0)];
        let mut order = NewSaleOrder::new(partner.id);
        order.pricelist_id = Some(pricelist);
        order.lines = variants
            .iter()
            .zip(quantities.iter().cycle())
            .map(|(product, quantity)| NewOrderLine::new(*product, *quantity))
            .collect();
        let client = mirror.client();
        let id: i64 = client
            .model("sale.order")
            .create(order.to_values())
            .send()
            .await
            .unwrap();
        let orders: Vec<SaleOrder> = client.read_records(&[id]).await.unwrap();
        let lines: Vec<SaleOrderLine> = client.read_records(&orders[0].order_line).await.unwrap();
        for line in &lines {
            let product = line.product_id.as_ref().unwrap().id;
            let expected = price_line(
                pricing,
                PricelistId(pricelist),
                ProductId(product),
                line.product_uom_qty,
                today,
            )
            .unwrap();
            assert_eq!(
                (line.price_unit, line.price_subtotal, line.price_total),
                (expected.price_unit, expected.price_subtotal, expected.price_total),
                "{login}: product {product} × {}",
                line.product_uom_qty
            );
            lines_checked += 1;
        }
        let untaxed: Decimal = lines.iter().map(|l| l.price_subtotal).sum();
        assert_eq!(orders[0].amount_untaxed, untaxed, "{login}");
    }
    assert_eq!(lines_checked, 18);
    let _ = double;
}

/// Every test runs over both transports.
macro_rules! over_both_transports {
    ($($name:ident),* $(,)?) => {
        mod xmlrpc {
            $(#[tokio::test]
            async fn $name() {
                super::$name(connector::Transport::XmlRpc).await
            })*
        }
        mod json2 {
            $(#[tokio::test]
            async fn $name() {
                super::$name(connector::Transport::Json2).await
            })*
        }
    };
}

over_both_transports!(
    a_full_sync_mirrors_the_shop,
    an_edit_shows_after_one_incremental_sync,
    archived_unpublished_and_deleted_products_leave,
    a_sync_with_nothing_changed_makes_one_call_per_model,
    a_pricelist_change_reprices_its_products,
    with_odoo_stopped_the_previous_snapshot_stays_and_the_error_is_reported,
    images_are_fetched_once_per_product_version,
    the_image_cache_stays_within_its_size,
    orders_in_the_double_are_priced_as_the_mirror_prices,
);

/// The company's tax rounding setting decides how a line's tax is rounded:
/// 10.05 at 5.5 % included, half a unit, comes out a cent apart per line
/// and globally (the case the parity files record for 18.0 and 19.0).
#[tokio::test]
async fn the_company_tax_rounding_setting_is_followed() {
    use connector::xmlrpc::Struct;
    let (double, mirror) = start(Transport::XmlRpc).await;
    let (product, pricelist) = double.with_db(|db| {
        let tax = db
            .create(
                "account.tax",
                Struct::new()
                    .with("name", "TVA 5,5 % TTC test")
                    .with("amount", 5.5)
                    .with("amount_type", "percent")
                    .with("type_tax_use", "sale")
                    .with("price_include", true),
            )
            .unwrap();
        let template = db
            .create(
                "product.template",
                Struct::new()
                    .with("name", "Half-cent test")
                    .with("list_price", 10.05)
                    .with("sale_ok", true)
                    .with("is_published", true)
                    .with("taxes_id", vec![tax]),
            )
            .unwrap();
        let variant = db
            .search(
                "product.product",
                &connector::field("product_tmpl_id").eq(template),
            )
            .unwrap()[0];
        let pricelist = db
            .create("product.pricelist", Struct::new().with("name", "Plain"))
            .unwrap();
        (variant, pricelist)
    });
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let half = Decimal::new(5, 1);
    let mut totals = Vec::new();
    for method in ["round_per_line", "round_globally"] {
        double.with_db(|db| {
            for company in db.ids("res.company") {
                db.set("res.company", company, "tax_calculation_rounding_method", method)
                    .unwrap();
            }
        });
        mirror.sync().await.unwrap();
        let snapshot = mirror.snapshot();
        let line = price_line(
            snapshot.pricing.as_ref().unwrap(),
            PricelistId(pricelist),
            ProductId(product),
            half,
            day,
        )
        .unwrap();
        totals.push((line.price_subtotal, line.price_tax, line.price_total));
    }
    assert_ne!(totals[0], totals[1], "{totals:?}");
}

/// Odoo's settings that change prices are read each sync, as the technical
/// user may read them, on 16.0 (`has_group` a model method, the group in
/// `product`) and 19.0 (asked of the user, the group in `sale`): a unit
/// price of 3 decimals when "Product Price" has 3, the Discounts and Base
/// Unit Price settings.
#[tokio::test]
async fn odoo_settings_are_followed_on_16_and_19() {
    use connector::xmlrpc::Struct;
    for series in ["16.0", "19.0"] {
        let double = OdooDouble::start(Dataset::shop().with_series(series))
            .await
            .unwrap();
        let mirror = Mirror::new(support::admin_client(&double), MirrorConfig::default());
        mirror.full_sync().await.unwrap();
        let settings = mirror.snapshot().settings.clone();
        assert_eq!(
            (settings.price_digits, settings.discount_digits),
            (2, 2),
            "{series}"
        );
        assert!(!settings.discounts, "{series}");
        assert!(
            settings.reference_prices,
            "{series}: the shop dataset shows base unit prices"
        );

        let (product, pricelist) = double.with_db(|db| {
            db.set_digits("Product Price", 3);
            let discounts = if series == "16.0" { "product" } else { "sale" };
            db.set_group(&format!("{discounts}.group_discount_per_so_line"), true);
            db.set_group("website_sale.group_show_uom_price", false);
            let template = db
                .create(
                    "product.template",
                    Struct::new()
                        .with("name", "Saffron by the gram")
                        .with("list_price", 0.4567)
                        .with("sale_ok", true)
                        .with("is_published", true),
                )
                .unwrap();
            let variant = db
                .search(
                    "product.product",
                    &connector::field("product_tmpl_id").eq(template),
                )
                .unwrap()[0];
            let pricelist = db
                .create("product.pricelist", Struct::new().with("name", "Plain"))
                .unwrap();
            (variant, pricelist)
        });
        mirror.sync().await.unwrap();
        let snapshot = mirror.snapshot();
        let settings = &snapshot.settings;
        assert_eq!(settings.price_digits, 3, "{series}");
        assert!(settings.discounts, "{series}");
        assert!(!settings.reference_prices, "{series}");
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let line = price_line(
            snapshot.pricing.as_ref().unwrap(),
            PricelistId(pricelist),
            ProductId(product),
            Decimal::ONE,
            day,
        )
        .unwrap();
        assert_eq!(line.price_unit, Decimal::new(457, 3), "{series}");
    }
}

/// A group of taxes whose children are of no use of their own
/// (`type_tax_use = none`, as Odoo's charts make them): the mirror has the
/// children, and prices the group.
#[tokio::test]
async fn a_group_of_taxes_is_priced_with_its_children() {
    use connector::xmlrpc::Struct;
    let (double, mirror) = start(Transport::XmlRpc).await;
    let (product, pricelist) = double.with_db(|db| {
        let child = |db: &mut odoo_double::Database, name: &str, amount: f64| {
            db.create(
                "account.tax",
                Struct::new()
                    .with("name", name)
                    .with("amount", amount)
                    .with("amount_type", "percent")
                    .with("type_tax_use", "none"),
            )
            .unwrap()
        };
        let (a, b) = (child(db, "Child 10 %", 10.0), child(db, "Child 5 %", 5.0));
        let group = db
            .create(
                "account.tax",
                Struct::new()
                    .with("name", "Group 10 % + 5 %")
                    .with("amount_type", "group")
                    .with("type_tax_use", "sale")
                    .with("children_tax_ids", vec![a, b]),
            )
            .unwrap();
        let template = db
            .create(
                "product.template",
                Struct::new()
                    .with("name", "Grouped")
                    .with("list_price", 100.0)
                    .with("sale_ok", true)
                    .with("is_published", true)
                    .with("taxes_id", vec![group]),
            )
            .unwrap();
        let variant = db
            .search(
                "product.product",
                &connector::field("product_tmpl_id").eq(template),
            )
            .unwrap()[0];
        let pricelist = db
            .create("product.pricelist", Struct::new().with("name", "Plain"))
            .unwrap();
        (variant, pricelist)
    });
    mirror.sync().await.unwrap();
    let snapshot = mirror.snapshot();
    let line = price_line(
        snapshot.pricing.as_ref().unwrap(),
        PricelistId(pricelist),
        ProductId(product),
        Decimal::ONE,
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    )
    .unwrap();
    assert_eq!(line.price_tax, Decimal::new(1500, 2));
    assert_eq!(line.price_total, Decimal::new(11500, 2));
}

/// Without website_sale (no public categories, no publication) and without
/// calendar (no pickup slots), the mirror adapts and keeps working.
#[tokio::test]
async fn without_the_optional_modules_the_mirror_still_works() {
    for missing in [
        &["website_sale"][..],
        &["calendar"],
        &["website_sale", "calendar"],
    ] {
        let dataset = missing.iter().fold(Dataset::shop(), |d, m| d.without_module(m));
        let double = OdooDouble::start(dataset).await.unwrap();
        let client = support::admin_client(&double);
        let config = MirrorConfig {
            languages: vec!["fr_FR".into(), "en_US".into()],
            pickup_horizon: TimeDelta::days(365 * 10),
            ..MirrorConfig::default()
        };
        let mirror = Mirror::new(client, config);
        mirror
            .full_sync()
            .await
            .unwrap_or_else(|e| panic!("{missing:?}: {e}"));
        let snapshot = mirror.snapshot();
        let website = !missing.contains(&"website_sale");
        let calendar = !missing.contains(&"calendar");
        assert_eq!(snapshot.modules.website_sale, website, "{missing:?}");
        assert_eq!(snapshot.modules.calendar, calendar, "{missing:?}");
        assert_eq!(snapshot.public_categories.is_empty(), !website, "{missing:?}");
        assert_eq!(snapshot.pickup_slots.is_empty(), !calendar, "{missing:?}");
        // Without publication, every product for sale is in the shop.
        let on_sale = double.with_db(|db| {
            let mut domain = connector::field("sale_ok").eq(true);
            if website {
                domain = domain & connector::field("is_published").eq(true);
            }
            db.search("product.template", &domain).unwrap().len()
        });
        assert_eq!(snapshot.templates.len(), on_sale, "{missing:?}");
        assert!(
            !snapshot.search.search("baguette", "fr_FR", 5).is_empty(),
            "{missing:?}"
        );
        double.clear_calls();
        mirror.sync().await.unwrap();
        let calls = double.calls();
        assert!(
            calls
                .iter()
                .all(|c| c.model.as_deref() != Some("calendar.event") || calendar),
            "{missing:?}"
        );
        assert!(
            calls
                .iter()
                .all(|c| c.model.as_deref() != Some("product.public.category") || website),
            "{missing:?}"
        );
    }
}

fn scratch_file(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "connector-tests-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    dir.join(name)
}

/// A saved snapshot reads back whole, derives its search and prices again,
/// and a mirror started from it resyncs incrementally.
#[tokio::test]
async fn a_saved_snapshot_reads_back_whole() {
    use connector::mirror::SnapshotFileError;
    let (_double, mirror) = start(Transport::XmlRpc).await;
    let snapshot = mirror.snapshot();
    let path = scratch_file("snapshot.json");
    snapshot.save(&path).unwrap();
    let loaded = Snapshot::load(&path).unwrap();
    assert_eq!(loaded.templates.records, snapshot.templates.records);
    assert_eq!(loaded.templates.watermark, snapshot.templates.watermark);
    assert_eq!(loaded.variants.records, snapshot.variants.records);
    assert_eq!(loaded.partners.records, snapshot.partners.records);
    assert_eq!(loaded.users, snapshot.users);
    assert_eq!(loaded.taxes, snapshot.taxes);
    assert_eq!(loaded.pricelist_items.records, snapshot.pricelist_items.records);
    assert_eq!(loaded.pickup_slots.records, snapshot.pickup_slots.records);
    assert_eq!(loaded.product_translations, snapshot.product_translations);
    assert_eq!(loaded.modules, snapshot.modules);
    assert_eq!(loaded.synced_at, snapshot.synced_at);
    // Derived again: search and prices answer as before.
    assert_eq!(
        loaded.search.search("bag", "fr_FR", 5),
        snapshot.search.search("bag", "fr_FR", 5)
    );
    let (_, partner) = loaded.customer("claire@example.com").unwrap();
    let pricelist = PricelistId(partner.property_product_pricelist.as_ref().unwrap().id);
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    for variant in loaded.variants.records.keys() {
        let price = |s: &Snapshot| {
            price_line(
                s.pricing.as_ref().unwrap(),
                pricelist,
                ProductId(*variant),
                Decimal::TWO,
                day,
            )
            .unwrap()
        };
        assert_eq!(price(&loaded), price(&snapshot));
    }
    // A mirror started from it resyncs incrementally.
    let restarted = Mirror::with_snapshot(mirror.client().clone(), MirrorConfig::default(), loaded);
    let report = restarted.sync().await.unwrap();
    assert!(!report.full);

    // Damaged or missing files are errors, not panics.
    std::fs::write(&path, b"{\"format\": 1, \"snapshot\": {\"templates\": 7}}").unwrap();
    assert!(matches!(
        Snapshot::load(&path),
        Err(SnapshotFileError::Format { .. })
    ));
    std::fs::write(&path, b"{\"format\": 99, \"snapshot\": {}}").unwrap();
    assert!(matches!(
        Snapshot::load(&path),
        Err(SnapshotFileError::Format { .. })
    ));
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(Snapshot::load(&path), Err(SnapshotFileError::Io { .. })));
    let _ = std::fs::remove_dir(path.parent().unwrap());
}

/// A database of two companies, where the double (unlike Odoo's company
/// rules) shows everything: the mirror keeps the shop company's products
/// and those of none, and a product shared by both companies is priced
/// with the shop company's taxes alone.
#[tokio::test]
async fn a_shop_is_one_company_of_the_database() {
    let mut dataset = Dataset::shop();
    let row = |json: serde_json::Value| json.as_object().unwrap().clone();
    let records = &mut dataset.records;
    records
        .get_mut("res.company")
        .unwrap()
        .push(row(serde_json::json!(
            {"id": 2, "name": "Fromagerie", "partner_id": 1, "currency_id": 1, "sequence": 20}
        )));
    records
        .get_mut("account.tax")
        .unwrap()
        .push(row(serde_json::json!(
            {"id": 90, "name": "TVA 10 % (Fromagerie)", "amount": 10.0, "amount_type": "percent",
             "price_include": false, "type_tax_use": "sale", "sequence": 1, "company_id": 2}
        )));
    for template in records.get_mut("product.template").unwrap() {
        match template["id"].as_i64() {
            // Shared by both companies, with the taxes of each.
            Some(1) => {
                template.insert("taxes_id".into(), serde_json::json!([1, 90]));
            }
            // The other company's.
            Some(2) => {
                template.insert("company_id".into(), serde_json::json!(2));
            }
            _ => {}
        }
    }
    let double = OdooDouble::start(dataset).await.unwrap();
    let client = support::admin_client(&double);
    let mirror = Mirror::new(client, MirrorConfig::default());
    mirror.full_sync().await.unwrap();
    let snapshot = mirror.snapshot();
    assert_eq!(snapshot.company_id, Some(1), "the technical user's company");
    assert!(snapshot.templates.records.contains_key(&1));
    assert!(
        !snapshot.templates.records.contains_key(&2),
        "another company's product"
    );
    let ctx = snapshot.pricing.as_deref().unwrap();
    let baguette = snapshot.templates.records[&1].product_variant_ids[0];
    let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let line = price_line(ctx, PricelistId(1), ProductId(baguette), Decimal::ONE, day).unwrap();
    // 1.30 with 5.5 % included; the other company's 10 % would add 0.12.
    assert_eq!(line.price_total, Decimal::new(130, 2), "{line:?}");
    assert_eq!(line.taxes.len(), 1, "{line:?}");
}
