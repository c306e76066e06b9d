//! The targeted refresh against the Odoo double over HTTP: Odoo names the
//! records that changed, and the mirror reads only those (and what depends
//! on them) into a snapshot equal to what a full sync would read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::TimeDelta;
use connector::mirror::{Changes, Mirror, MirrorConfig, Snapshot};
use connector::xmlrpc::Struct;
use odoo_double::{Dataset, OdooDouble};
use rust_decimal::Decimal;

fn config() -> MirrorConfig {
    MirrorConfig {
        languages: vec!["fr_FR".into(), "en_US".into()],
        pickup_horizon: TimeDelta::days(365 * 10),
        batch_size: 5,
        concurrency: 3,
        ..MirrorConfig::default()
    }
}

async fn start() -> (OdooDouble, Mirror) {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let mirror = Mirror::new(support::admin_client(&double), config());
    mirror.full_sync().await.unwrap();
    (double, mirror)
}

/// What a full sync reads now, to compare with.
async fn read_whole(double: &OdooDouble) -> std::sync::Arc<Snapshot> {
    let fresh = Mirror::new(support::admin_client(double), config());
    fresh.full_sync().await.unwrap();
    fresh.snapshot()
}

fn assert_same_records(refreshed: &Snapshot, whole: &Snapshot) {
    assert_eq!(refreshed.templates.records, whole.templates.records);
    assert_eq!(refreshed.variants.records, whole.variants.records);
    assert_eq!(refreshed.product_translations, whole.product_translations);
    assert_eq!(
        refreshed.public_categories.records,
        whole.public_categories.records
    );
    assert_eq!(refreshed.category_translations, whole.category_translations);
    assert_eq!(refreshed.partners.records, whole.partners.records);
    assert_eq!(refreshed.users, whole.users);
    assert_eq!(refreshed.pricelists.records, whole.pricelists.records);
    assert_eq!(refreshed.pricelist_items.records, whole.pricelist_items.records);
    assert_eq!(refreshed.taxes, whole.taxes);
    assert_eq!(refreshed.pickup_slots.records, whole.pickup_slots.records);
}

fn changes(pairs: &[(&str, i64)]) -> Changes {
    let mut changes = Changes::new();
    for (model, id) in pairs {
        assert!(changes.add(model, *id), "{model}");
    }
    changes
}

#[tokio::test]
async fn a_price_edit_is_read_with_its_variants_and_names_only() {
    let (double, mirror) = start().await;
    let id = support::template_named(&mirror.snapshot(), "Baguette tradition");
    let before = mirror.snapshot().revision;
    double.with_db(|db| {
        db.set("product.template", id, "list_price", 1.45).unwrap();
        db.set_translation("product.template", id, "name", "en_US", "Classic baguette")
            .unwrap();
    });
    double.clear_calls();
    let report = mirror
        .refresh(&changes(&[("product.template", id)]))
        .await
        .unwrap();
    assert!(report.targeted && !report.full, "{report:?}");
    assert_eq!(report.kind(), "targeted");
    // The variants, the template, its name in the other language: three
    // calls, nothing listed, no setting asked.
    let calls = double.calls();
    assert_eq!(
        calls.len(),
        3,
        "{:?}",
        calls.iter().map(|c| c.label()).collect::<Vec<_>>()
    );
    assert!(calls
        .iter()
        .all(|c| c.is("product.template", "search_read") || c.is("product.product", "search_read")));
    assert_eq!(report.total_calls(), 3);
    let snapshot = mirror.snapshot();
    assert_eq!(snapshot.templates.records[&id].list_price, Decimal::new(145, 2));
    assert_eq!(
        snapshot.product_translations["en_US"][&id].name,
        "Classic baguette"
    );
    assert_eq!(snapshot.revision, before + 1);
    assert_same_records(&snapshot, &*read_whole(&double).await);
}

#[tokio::test]
async fn unpublished_archived_and_deleted_products_leave_and_new_ones_come() {
    let (double, mirror) = start().await;
    let before = mirror.snapshot();
    let mut ids = before.templates.records.keys().copied();
    let (archived, unpublished, deleted) = (ids.next().unwrap(), ids.next().unwrap(), ids.next().unwrap());
    let created = double.with_db(|db| {
        db.archive("product.template", &[archived]).unwrap();
        db.set("product.template", unpublished, "is_published", false)
            .unwrap();
        let variants = db
            .search(
                "product.product",
                &connector::field("product_tmpl_id").eq(deleted),
            )
            .unwrap();
        db.unlink("product.product", &variants).unwrap();
        db.unlink("product.template", &[deleted]).unwrap();
        let values = Struct::new()
            .with("name", "Pain aux figues")
            .with("list_price", 4.2)
            .with("sale_ok", true)
            .with("is_published", true);
        db.create("product.template", values).unwrap()
    });
    let report = mirror
        .refresh(&changes(&[
            ("product.template", archived),
            ("product.template", unpublished),
            ("product.template", deleted),
            ("product.template", created),
        ]))
        .await
        .unwrap();
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
    assert!(after.templates.records.contains_key(&created));
    assert!(after
        .variants
        .records
        .values()
        .any(|v| v.product_tmpl_id.id == created));
    assert_eq!(report.removed["product.template"], 3, "{report:?}");
    assert_eq!(after.templates.len(), before.templates.len() - 2);
    assert!(after
        .search
        .search("figues", "fr_FR", 10)
        .iter()
        .any(|hit| hit.id == created));
    assert_same_records(&after, &*read_whole(&double).await);
    // The readers of the old snapshot still have it whole.
    assert!(before.templates.records.contains_key(&archived));
}

#[tokio::test]
async fn a_variant_named_alone_refreshes_its_template() {
    let (double, mirror) = start().await;
    let snapshot = mirror.snapshot();
    let variant = snapshot.variants.records.values().next().unwrap().clone();
    let template = variant.product_tmpl_id.id;
    double.with_db(|db| {
        db.set("product.template", template, "list_price", 9.99).unwrap();
    });
    mirror
        .refresh(&changes(&[("product.product", variant.id)]))
        .await
        .unwrap();
    assert_eq!(
        mirror.snapshot().templates.records[&template].list_price,
        Decimal::new(999, 2)
    );
    assert_same_records(&mirror.snapshot(), &*read_whole(&double).await);
}

#[tokio::test]
async fn a_new_pricelist_rule_reprices_and_a_customer_change_is_read() {
    let (double, mirror) = start().await;
    let snapshot = mirror.snapshot();
    let (user, partner) = snapshot.customer("claire@example.com").unwrap();
    let (user_id, partner_id) = (user.id, partner.id);
    let pricelist = partner.property_product_pricelist.as_ref().unwrap().id;
    let variant = *snapshot.variants.records.keys().next().unwrap();
    let price = |s: &Snapshot| support::unit_price(s, pricelist, variant);
    let item = double.with_db(|db| {
        db.set("res.partner", partner_id, "name", "Claire Martin-Dubois")
            .unwrap();
        let values = Struct::new()
            .with("pricelist_id", pricelist)
            .with("applied_on", "3_global")
            .with("compute_price", "fixed")
            .with("fixed_price", 0.42)
            .with("min_quantity", 0.0);
        db.create("product.pricelist.item", values).unwrap()
    });
    mirror
        .refresh(&changes(&[
            ("product.pricelist.item", item),
            ("res.users", user_id),
        ]))
        .await
        .unwrap();
    let after = mirror.snapshot();
    assert_eq!(price(&after), Decimal::new(42, 2));
    assert_eq!(
        after.partners.records[&partner_id].name.as_deref(),
        Some("Claire Martin-Dubois")
    );
    assert_same_records(&after, &*read_whole(&double).await);
}

#[tokio::test]
async fn nothing_changed_or_unknown_ids_keep_the_revision() {
    let (double, mirror) = start().await;
    let before = mirror.snapshot();
    let id = *before.templates.records.keys().next().unwrap();
    let report = mirror
        .refresh(&changes(&[
            ("product.template", id),
            ("product.template", 987_654),
            ("res.partner", 987_654),
            ("calendar.event", 987_654),
            ("account.tax", 987_654),
        ]))
        .await
        .unwrap();
    let after = mirror.snapshot();
    assert_eq!(after.revision, before.revision, "{report:?}");
    assert_eq!(report.removed.values().sum::<usize>(), 0, "{report:?}");
    assert_same_records(&after, &before);
    let _ = double;
}

#[tokio::test]
async fn before_the_first_sync_a_refresh_reads_everything() {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let mirror = Mirror::new(support::admin_client(&double), config());
    let report = mirror
        .refresh(&changes(&[("product.template", 1)]))
        .await
        .unwrap();
    assert!(report.full, "{report:?}");
    assert!(mirror.snapshot().product_count() > 0);
}

#[tokio::test]
async fn with_odoo_down_the_snapshot_stays() {
    let (double, mirror) = start().await;
    let before = mirror.snapshot();
    let id = *before.templates.records.keys().next().unwrap();
    double.stop().await;
    let result = mirror.refresh(&changes(&[("product.template", id)])).await;
    assert!(result.is_err());
    assert_eq!(mirror.snapshot().revision, before.revision);
    assert_eq!(mirror.snapshot().templates.len(), before.templates.len());
}

#[tokio::test]
async fn a_renamed_category_renames_the_paths_below_it() {
    let (double, mirror) = start().await;
    let snapshot = mirror.snapshot();
    let parent = snapshot
        .public_categories
        .records
        .values()
        .find(|c| !c.child_id.is_empty())
        .expect("a category with children")
        .id;
    double.with_db(|db| {
        db.set_translation("product.public.category", parent, "name", "fr_FR", "Fournil")
            .unwrap();
    });
    mirror
        .refresh(&changes(&[("product.public.category", parent)]))
        .await
        .unwrap();
    let after = mirror.snapshot();
    let child = after.public_categories.records[&parent].child_id[0];
    assert!(
        after.category_path(child, "fr_FR").starts_with("Fournil / "),
        "{}",
        after.category_path(child, "fr_FR")
    );
    assert_same_records(&after, &*read_whole(&double).await);
}

#[tokio::test]
async fn a_probe_finds_what_changed_since_and_reads_only_that() {
    let (double, mirror) = start().await;
    let before = mirror.snapshot();
    // Odoo's clock, later than the sync: what changes is written after it.
    double.advance_clock(chrono::Duration::minutes(10));
    let since = double.now() - chrono::Duration::minutes(1);
    double.clear_calls();
    let report = mirror.refresh_changed_since(since).await.unwrap();
    assert_eq!(
        mirror.snapshot().revision,
        before.revision,
        "nothing changed: {report:?}"
    );
    assert!(
        double
            .calls()
            .iter()
            .all(|c| c.model_method.as_deref() == Some("search_read")),
        "only the probe's reads"
    );
    let probed = double.calls().len();
    assert!(probed <= 16, "{probed} calls");

    let mut ids = before.templates.records.keys().copied();
    let (edited, archived) = (ids.next().unwrap(), ids.next().unwrap());
    let created = double.with_db(|db| {
        db.set("product.template", edited, "list_price", 7.77).unwrap();
        db.archive("product.template", &[archived]).unwrap();
        let values = Struct::new()
            .with("name", "Fougasse")
            .with("list_price", 3.3)
            .with("sale_ok", true)
            .with("is_published", true);
        db.create("product.template", values).unwrap()
    });
    double.clear_calls();
    let report = mirror.refresh_changed_since(since).await.unwrap();
    let after = mirror.snapshot();
    assert_eq!(after.templates.records[&edited].list_price, Decimal::new(777, 2));
    assert!(!after.templates.records.contains_key(&archived));
    assert!(after.templates.records.contains_key(&created));
    assert!(report.targeted, "{report:?}");
    // The probe, then the templates, their variants, their English names.
    assert!(report.total_calls() <= probed + 3, "{report:?}");
    assert_same_records(&after, &*read_whole(&double).await);
}

#[tokio::test]
async fn an_archived_pricelist_takes_its_rules_along() {
    let (double, mirror) = start().await;
    let snapshot = mirror.snapshot();
    let (_, partner) = snapshot.customer("claire@example.com").unwrap();
    let pricelist = partner.property_product_pricelist.as_ref().unwrap().id;
    assert!(snapshot
        .pricelist_items
        .records
        .values()
        .any(|item| item.pricelist_id.id == pricelist));
    double.with_db(|db| db.archive("product.pricelist", &[pricelist]).unwrap());
    mirror
        .refresh(&changes(&[("product.pricelist", pricelist)]))
        .await
        .unwrap();
    let after = mirror.snapshot();
    assert!(!after.pricelists.records.contains_key(&pricelist));
    assert_same_records(&after, &*read_whole(&double).await);
}
