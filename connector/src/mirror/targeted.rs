//! The targeted refresh: Odoo says which records changed (its automation
//! rules' webhooks name a model and an id), and only those are read again,
//! with what depends on them, into a new snapshot.
//!
//! A record's change reaches the records that show it: a variant's its
//! template, a template's its variants, a pricelist rule's its pricelist and
//! a pricelist's its rules, a user's its partner, a category's the other
//! categories (their paths).
//!
//! Nothing of the notification is trusted beyond the model and the id: the
//! records are read back from Odoo, within the same domains as a sync, so a
//! product unpublished, archived or deleted is simply not read back and
//! leaves. What is derived (prices under every pricelist, category paths, the
//! search index) is derived again from the new snapshot, as after a sync.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::domain::{field, Domain};
use crate::error::{Error, FaultKind};
use crate::records::{fields, FiscalPosition, FiscalPositionTax, Record, User};

use super::{Collection, Mirror, Mirrored, ModelQuery, Snapshot, Sync, SyncReport, Translations};

/// The Odoo models whose records the mirror holds or derives from: a change
/// to any other is of no concern to the shop.
pub const MIRRORED_MODELS: &[&str] = &[
    "product.template",
    "product.product",
    "product.public.category",
    "product.category",
    "product.pricelist",
    "product.pricelist.item",
    "res.partner",
    "res.users",
    "calendar.event",
    "account.tax",
    "account.fiscal.position",
    "account.fiscal.position.tax",
    "uom.uom",
    "res.currency",
    "res.currency.rate",
    "res.company",
];

static NONE: BTreeSet<i64> = BTreeSet::new();

/// Records Odoo said changed (created, written or deleted), by model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    ids: BTreeMap<&'static str, BTreeSet<i64>>,
}

impl Changes {
    /// No changes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes that record `id` of `model` changed. `false`, and nothing
    /// noted, when the model is not one the mirror holds or the id is not a
    /// record's.
    pub fn add(&mut self, model: &str, id: i64) -> bool {
        let Some(model) = MIRRORED_MODELS.iter().find(|m| **m == model) else {
            return false;
        };
        if id <= 0 {
            return false;
        }
        self.ids.entry(model).or_default().insert(id);
        true
    }

    /// Adds all of `other`.
    pub fn extend(&mut self, other: Changes) {
        for (model, ids) in other.ids {
            self.ids.entry(model).or_default().extend(ids);
        }
    }

    /// The ids of `model` that changed.
    pub fn ids(&self, model: &str) -> &BTreeSet<i64> {
        self.ids.get(model).unwrap_or(&NONE)
    }

    /// Whether a record of `model` changed.
    pub fn touches(&self, model: &str) -> bool {
        !self.ids(model).is_empty()
    }

    /// The number of records noted.
    pub fn len(&self) -> usize {
        self.ids.values().map(BTreeSet::len).sum()
    }

    /// Whether nothing was noted.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl Mirror {
    /// Reads again only the records `changes` names, and those that depend
    /// on them: a product's template and all its variants, a customer's user
    /// and partner, and the small models (taxes, fiscal positions, units,
    /// currencies, companies) whole, which is one call each. Then swaps in a
    /// new snapshot, of the same revision when nothing read differs. Before
    /// the first sync there is nothing to refresh: a full sync runs instead.
    /// On error the current snapshot stays. One sync at a time, this one
    /// included.
    pub async fn refresh(&self, changes: &Changes) -> Result<SyncReport, Error> {
        let _one_at_a_time = self.syncing.lock().await;
        let current = self.snapshot();
        let Some(company_id) = current.company_id.filter(|_| current.synced_at.is_some()) else {
            return self.run(None).await;
        };
        let started = Instant::now();
        let languages = if current.languages.is_empty() {
            vec![current.default_lang.clone()]
        } else {
            current.languages.clone()
        };
        let sync = Sync {
            client: &self.client,
            config: &self.config,
            // The records Odoo said changed are read by this shop alone.
            shared: None,
            previous: Some(&current),
            report: SyncReport {
                targeted: true,
                ..SyncReport::default()
            },
            languages,
        };
        match sync.targeted(&current, company_id, changes).await {
            Ok((mut next, mut report)) => {
                report.duration = started.elapsed();
                next.revision = if current.same_records_as(&next) {
                    current.revision
                } else {
                    current.revision + 1
                };
                self.current.store(Arc::new(next));
                tracing::info!(records = changes.len(), "{}", report.summary());
                Ok(report)
            }
            Err(e) => {
                tracing::warn!(error = %e, "targeted refresh failed; the previous snapshot stays");
                Err(e)
            }
        }
    }
}

impl Mirror {
    /// Asks Odoo which records the shop mirrors were created or written
    /// since `since` (less the sync overlap, for clock skew and `write_date`'s
    /// one-second precision): one small call per model, archived records
    /// included (archiving is a write), and reads those again as
    /// [`Mirror::refresh`] does. A cheap probe, where Odoo sends no webhook
    /// (16) and as their safety net; deletions leave no trace to ask for:
    /// the next sync finds them. Before the first sync, a full sync.
    pub async fn refresh_changed_since(&self, since: DateTime<Utc>) -> Result<SyncReport, Error> {
        let current = self.snapshot();
        if current.synced_at.is_none() {
            return self.full_sync().await;
        }
        let started = Instant::now();
        let after = fields::format_datetime(&(since - self.config.overlap));
        // Every mirrored model this database has in use; a fiscal
        // position's tax lines are written with it (its form's lines).
        let models = MIRRORED_MODELS.iter().copied().filter(|model| match *model {
            "product.public.category" => current.modules.website_sale,
            "calendar.event" => current.modules.calendar,
            "res.currency.rate" => !current.currency_rates.is_empty(),
            "account.fiscal.position.tax" => false,
            _ => true,
        });
        #[derive(serde::Deserialize)]
        struct Id {
            id: i64,
        }
        let mut changes = Changes::new();
        let mut probe = SyncReport::default();
        for model in models {
            let found: Result<Vec<Id>, Error> = self
                .client
                .model(model)
                .search_read(field("write_date").ge(after.as_str()))
                .fields(["id"])
                .active_test(false)
                .returning()
                .send()
                .await;
            probe.add_call(model, 0);
            match found {
                Ok(ids) => {
                    for id in ids {
                        changes.add(model, id.id);
                    }
                }
                Err(e) if e.fault_kind() == Some(FaultKind::UnknownModel) => {}
                Err(e) => return Err(e),
            }
        }
        if changes.is_empty() {
            probe.targeted = true;
            probe.duration = started.elapsed();
            probe.counts = current.counts();
            return Ok(probe);
        }
        let mut report = self.refresh(&changes).await?;
        for (model, calls) in probe.calls {
            *report.calls.entry(model).or_default() += calls;
        }
        report.duration = started.elapsed();
        Ok(report)
    }
}

impl Sync<'_> {
    /// `current` with the records `changes` names read again.
    async fn targeted(
        mut self,
        current: &Snapshot,
        company_id: i64,
        changes: &Changes,
    ) -> Result<(Snapshot, SyncReport), Error> {
        let mut next = current.clone();
        let modules = current.modules;

        // Products: a variant's change refreshes its template, a template's
        // all its variants (a new one included).
        let variant_ids = changes.ids("product.product");
        let mut template_ids = changes.ids("product.template").clone();
        if !variant_ids.is_empty() || !template_ids.is_empty() {
            template_ids.extend(
                variant_ids
                    .iter()
                    .filter_map(|id| current.variants.records.get(id))
                    .map(|v| v.product_tmpl_id.id),
            );
            let on_sale = self.on_sale(company_id, modules);
            let covered: BTreeSet<i64> = variant_ids
                .iter()
                .copied()
                .chain(
                    current
                        .variants
                        .records
                        .values()
                        .filter(|v| template_ids.contains(&v.product_tmpl_id.id))
                        .map(|v| v.id),
                )
                .collect();
            let targets = field("id").is_in(variant_ids.iter().copied())
                | field("product_tmpl_id").is_in(template_ids.iter().copied());
            next.variants = self
                .some(self.query(on_sale.clone()), &current.variants, targets, &covered)
                .await?;
            // A variant new to the shop brings its template.
            template_ids.extend(
                variant_ids
                    .iter()
                    .filter_map(|id| next.variants.records.get(id))
                    .map(|v| v.product_tmpl_id.id),
            );
            next.templates = self
                .some(
                    self.query(on_sale),
                    &current.templates,
                    field("id").is_in(template_ids.iter().copied()),
                    &template_ids,
                )
                .await?;
            for lang in self.languages.clone().iter().skip(1) {
                let names = self
                    .retranslate(
                        lang,
                        &next.templates,
                        &template_ids,
                        current.product_translations.get(lang),
                    )
                    .await?;
                next.product_translations.insert(lang.clone(), names);
            }
        }

        let category_ids = changes.ids("product.public.category");
        if modules.website_sale && !category_ids.is_empty() {
            // A category's name and parent are in its children's paths
            // (`display_name`) and its parents' `child_id`: all are read
            // again, in one call (categories are few).
            let all: BTreeSet<i64> = current
                .public_categories
                .records
                .keys()
                .chain(category_ids)
                .copied()
                .collect();
            next.public_categories = self
                .some(
                    self.query(Domain::All),
                    &current.public_categories,
                    Domain::All,
                    &all,
                )
                .await?;
            for lang in self.languages.clone().iter().skip(1) {
                let names = self
                    .retranslate(
                        lang,
                        &next.public_categories,
                        category_ids,
                        current.category_translations.get(lang),
                    )
                    .await?;
                next.category_translations.insert(lang.clone(), names);
            }
        }
        let internal_ids = changes.ids("product.category");
        if !internal_ids.is_empty() {
            let all: BTreeSet<i64> = current
                .product_categories
                .records
                .keys()
                .chain(internal_ids)
                .copied()
                .collect();
            next.product_categories = self
                .some(
                    self.query(Domain::All),
                    &current.product_categories,
                    Domain::All,
                    &all,
                )
                .await?;
        }

        // Customers: a user's change refreshes the users (one call: a
        // small model) and their partners.
        let mut partner_ids = changes.ids("res.partner").clone();
        let user_ids = changes.ids("res.users");
        if !user_ids.is_empty() {
            next.users = self.whole::<User>(field("share").eq(true)).await?;
            partner_ids.extend(
                current
                    .users
                    .iter()
                    .chain(&next.users)
                    .filter(|u| user_ids.contains(&u.id))
                    .map(|u| u.partner_id.id),
            );
        }
        if !partner_ids.is_empty() {
            next.partners = self
                .by_id(&current.partners, Self::customers(company_id), &partner_ids)
                .await?;
        }

        // A rule's change is its pricelist's too (its `item_ids`), and a
        // pricelist's its rules' (archived with it, they leave with it).
        let mut item_ids = changes.ids("product.pricelist.item").clone();
        let named_pricelists = changes.ids("product.pricelist");
        let mut pricelist_ids = named_pricelists.clone();
        if !item_ids.is_empty() || !named_pricelists.is_empty() {
            item_ids.extend(
                current
                    .pricelist_items
                    .records
                    .values()
                    .filter(|item| named_pricelists.contains(&item.pricelist_id.id))
                    .map(|item| item.id),
            );
            let targets = field("id").is_in(item_ids.iter().copied())
                | field("pricelist_id").is_in(named_pricelists.iter().copied());
            next.pricelist_items = self
                .some(
                    self.query(Domain::All),
                    &current.pricelist_items,
                    targets,
                    &item_ids,
                )
                .await?;
            pricelist_ids.extend(
                item_ids
                    .iter()
                    .flat_map(|id| {
                        [
                            current.pricelist_items.records.get(id),
                            next.pricelist_items.records.get(id),
                        ]
                    })
                    .flatten()
                    .map(|item| item.pricelist_id.id),
            );
        }
        if !pricelist_ids.is_empty() {
            next.pricelists = self
                .by_id(&current.pricelists, Self::ours(company_id), &pricelist_ids)
                .await?;
        }
        let event_ids = changes.ids("calendar.event");
        if modules.calendar && !event_ids.is_empty() {
            next.pickup_slots = self
                .by_id(&current.pickup_slots, self.pickup_window(), event_ids)
                .await?;
        }

        // The small models, whole.
        if changes.touches("account.tax") {
            next.taxes = self.taxes().await?;
        }
        if changes.touches(FiscalPosition::MODEL) || changes.touches(FiscalPositionTax::MODEL) {
            next.fiscal_positions = self.optional_whole::<FiscalPosition>().await?;
            next.fiscal_position_taxes = self.optional_whole::<FiscalPositionTax>().await?;
        }
        if changes.touches("uom.uom") {
            next.uoms = self.whole(Domain::All).await?;
        }
        if changes.touches("res.currency") {
            next.currencies = self.whole(field("active").eq(true)).await?;
        }
        if changes.touches("res.company") {
            next.companies = self.whole(Domain::All).await?;
        }
        if [
            "res.currency.rate",
            "res.currency",
            "res.company",
            "product.pricelist",
        ]
        .iter()
        .any(|m| changes.touches(m))
        {
            next.currency_rates = self
                .currency_rates(&next.pricelists, &next.companies, company_id)
                .await?;
        }

        next.derive();
        let mut report = self.report;
        report.counts = next.counts();
        Ok((next, report))
    }

    /// `previous` with the records of `ids` read again within `domain`.
    async fn by_id<R: Mirrored>(
        &mut self,
        previous: &Collection<R>,
        domain: Domain,
        ids: &BTreeSet<i64>,
    ) -> Result<Collection<R>, Error> {
        self.some(
            self.query(domain),
            previous,
            field("id").is_in(ids.iter().copied()),
            ids,
        )
        .await
    }

    /// `previous` with the records `targets` selects read again (see
    /// [`Collection::refresh_some`]).
    async fn some<R: Mirrored>(
        &mut self,
        query: ModelQuery,
        previous: &Collection<R>,
        targets: Domain,
        covered: &BTreeSet<i64>,
    ) -> Result<Collection<R>, Error> {
        let (collection, delta) = previous
            .refresh_some(self.client, &query, targets, covered)
            .await?;
        self.report.add(R::MODEL, delta);
        Ok(collection)
    }

    /// `previous` names in `lang`, with those of `ids` read again (and
    /// those of records no longer held dropped).
    async fn retranslate<R: Mirrored>(
        &mut self,
        lang: &str,
        records: &Collection<R>,
        ids: &BTreeSet<i64>,
        previous: Option<&Translations>,
    ) -> Result<Translations, Error> {
        let mut out = previous.cloned().unwrap_or_default();
        out.retain(|id, _| records.records.contains_key(id) && !ids.contains(id));
        let wanted: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| records.records.contains_key(id))
            .collect();
        out.extend(self.read_translations::<R>(lang, &wanted).await?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_keep_only_mirrored_models_and_real_ids() {
        let mut changes = Changes::new();
        assert!(changes.add("product.template", 7));
        assert!(changes.add("product.template", 7));
        assert!(changes.add("res.partner", 3));
        assert!(!changes.add("mail.message", 1));
        assert!(!changes.add("product.template", 0));
        assert!(!changes.add("product.template", -4));
        assert_eq!(changes.len(), 2);
        assert!(changes.touches("res.partner"));
        assert!(!changes.touches("res.users"));
        assert!(changes.ids("account.tax").is_empty());

        let mut more = Changes::new();
        more.add("product.template", 8);
        changes.extend(more);
        assert_eq!(
            changes
                .ids("product.template")
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            [7, 8]
        );
        assert!(!changes.is_empty());
        assert!(Changes::new().is_empty());
    }
}
