//! The mirror: an immutable snapshot of what the shop sells, read from Odoo
//! and swapped atomically, so that readers never wait on a sync.
//!
//! A full sync reads every model in pages; an incremental sync lists the
//! ids and `write_date`s of the big models (one call each) and fetches only
//! what changed, and reads the small reference models (taxes, units,
//! currencies, pricelists) whole, which is also one call each. Whatever
//! depends on a record (a product's category path, its price under a
//! pricelist) is derived from the snapshot it belongs to, so a change to a
//! category, a pricelist, an item or a tax reaches everything that uses it.
//!
//! Shops of several companies of one database may share their product
//! reads ([`SharedReads`], [`Mirror::with_shared`]): one listing and one
//! fetch of each product serve all of them, each keeping its company's.

mod collection;
mod images;
mod persist;
mod prices;
mod settings;
mod shared;
mod targeted;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

pub use collection::{Collection, Delta, Mirrored, ModelQuery, Paging};
pub use images::{Image, ImageCache, ImageSize};
pub use persist::SnapshotFileError;
pub use settings::OdooSettings;
pub use shared::{SharedMember, SharedReads, SharedStats, DEFAULT_FRESH_FOR};
pub use targeted::{Changes, MIRRORED_MODELS};

use crate::client::Client;
use crate::company::{self, CompanyChoice};
use crate::domain::{field, Domain};
use crate::error::{Error, FaultKind};
use crate::pricing::PricingContext;
use crate::records::{
    fields, CalendarEvent, Company, Currency, CurrencyRate, FiscalPosition, FiscalPositionTax, Partner,
    Pricelist, PricelistItem, ProductCategory, ProductTemplate, ProductVariant, PublicCategory, Record, Tax,
    Uom, User,
};
use crate::search::{SearchDoc, SearchIndex};
use shared::{Request, Taken};

/// What to mirror and how.
#[derive(Debug, Clone)]
pub struct MirrorConfig {
    /// The shop's languages; the first is the default (e.g. `fr_FR`).
    pub languages: Vec<String>,
    /// Only products published on the website, when website_sale is
    /// installed.
    pub published_only: bool,
    /// The calendar event category of pickup slots.
    pub pickup_category: String,
    /// How far ahead pickup slots are read.
    pub pickup_horizon: TimeDelta,
    /// Records per call.
    pub batch_size: u32,
    /// Calls at once during a sync.
    pub concurrency: usize,
    /// How far back of the previous listing an incremental sync looks.
    pub overlap: TimeDelta,
    /// The shop's company; the technical user's current company when
    /// `None`. Unused when the client already works in a company
    /// ([`Client::in_company`]).
    pub company: Option<CompanyChoice>,
}

impl Default for MirrorConfig {
    fn default() -> Self {
        Self {
            languages: vec!["en_US".into()],
            published_only: true,
            pickup_category: "Pickup".into(),
            pickup_horizon: TimeDelta::days(28),
            batch_size: 500,
            concurrency: 4,
            overlap: TimeDelta::seconds(5),
            company: None,
        }
    }
}

/// Optional Odoo modules the mirror adapts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Modules {
    /// website_sale: public categories and `is_published`.
    pub website_sale: bool,
    /// calendar: pickup slots.
    pub calendar: bool,
}

/// A product's name and description in one language.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Translation {
    /// The record's id.
    pub id: i64,
    /// The name.
    pub name: String,
    /// The sales description, if any (categories have none).
    #[serde(default)]
    pub description_sale: Option<String>,
}

/// Names in one language, by record id.
pub type Translations = BTreeMap<i64, Translation>;

/// Everything the shop sells from, as of one sync. Immutable.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// When the sync that made it began.
    pub synced_at: Option<DateTime<Utc>>,
    /// Changes whenever the records do: an incremental sync that found
    /// nothing new makes a snapshot of the same revision (only the sync
    /// times differ), so what was derived from the previous one can be kept. Each new content gets the
    /// previous revision plus one; 0 is the empty snapshot's (and that of
    /// snapshot files written before revisions were counted).
    #[serde(default)]
    pub revision: u64,
    /// The Odoo series, e.g. `18.0`.
    pub series: String,
    /// The shop's company: what is mirrored is this company's or no
    /// company's.
    #[serde(default)]
    pub company_id: Option<i64>,
    /// The optional modules found.
    pub modules: Modules,
    /// Odoo's settings that change prices and what the shop shows.
    #[serde(default)]
    pub settings: OdooSettings,
    /// The default language.
    pub default_lang: String,
    /// The shop's languages that Odoo has, default first: those mirrored.
    #[serde(default)]
    pub languages: Vec<String>,
    /// The shop's languages that Odoo lacks (not installed or archived):
    /// left out.
    #[serde(default)]
    pub missing_languages: Vec<String>,
    /// Products on sale.
    pub templates: Collection<ProductTemplate>,
    /// Their variants.
    pub variants: Collection<ProductVariant>,
    /// Product names and descriptions in the other languages, by language.
    pub product_translations: HashMap<String, Translations>,
    /// Website categories (website_sale).
    pub public_categories: Collection<PublicCategory>,
    /// Their names in the other languages, by language.
    pub category_translations: HashMap<String, Translations>,
    /// Internal categories (pricelist rules use them).
    pub product_categories: Collection<ProductCategory>,
    /// Customers' partners.
    pub partners: Collection<Partner>,
    /// Customers' portal users.
    pub users: Vec<User>,
    /// Pricelists.
    pub pricelists: Collection<Pricelist>,
    /// Pricelist rules.
    pub pricelist_items: Collection<PricelistItem>,
    /// Sales taxes.
    pub taxes: Vec<Tax>,
    /// Fiscal positions.
    #[serde(default)]
    pub fiscal_positions: Vec<FiscalPosition>,
    /// Their tax lines (16.0 to 18.0).
    #[serde(default)]
    pub fiscal_position_taxes: Vec<FiscalPositionTax>,
    /// Units of measure.
    pub uoms: Vec<Uom>,
    /// Active currencies.
    pub currencies: Vec<Currency>,
    /// The rates of the currencies of the pricelists, when one is not the
    /// company's (and then the company's currency's too); none otherwise.
    #[serde(default)]
    pub currency_rates: Vec<CurrencyRate>,
    /// Companies.
    pub companies: Vec<Company>,
    /// Pickup slots within the horizon.
    pub pickup_slots: Collection<CalendarEvent>,
    /// Everything prices depend on, derived from the records above.
    #[serde(skip)]
    pub pricing: Option<Arc<PricingContext>>,
    /// The product search index, derived from the records above.
    #[serde(skip)]
    pub search: Arc<SearchIndex>,
}

impl Snapshot {
    /// Whether `next` holds the same records as this snapshot (an
    /// incremental sync re-reads records changed around the previous one's
    /// start, and the small models whole: what it fetched may be what was
    /// there already). Compares the records, not the sync times.
    fn same_records_as(&self, next: &Snapshot) -> bool {
        self.series == next.series
            && self.company_id == next.company_id
            && self.modules == next.modules
            && self.settings == next.settings
            && self.default_lang == next.default_lang
            && self.languages == next.languages
            && self.templates.records == next.templates.records
            && self.variants.records == next.variants.records
            && self.product_translations == next.product_translations
            && self.public_categories.records == next.public_categories.records
            && self.category_translations == next.category_translations
            && self.product_categories.records == next.product_categories.records
            && self.partners.records == next.partners.records
            && self.users == next.users
            && self.pricelists.records == next.pricelists.records
            && self.fiscal_positions == next.fiscal_positions
            && self.fiscal_position_taxes == next.fiscal_position_taxes
            && self.pricelist_items.records == next.pricelist_items.records
            && self.taxes == next.taxes
            && self.uoms == next.uoms
            && self.currencies == next.currencies
            && self.currency_rates == next.currency_rates
            && self.companies == next.companies
            && self.pickup_slots.records == next.pickup_slots.records
    }

    /// Whether Odoo may give a customer a fiscal position by itself (some
    /// are applied automatically): which one is then Odoo's to say (see
    /// [`crate::orders::fiscal_position_of`]).
    pub fn has_automatic_fiscal_positions(&self) -> bool {
        self.fiscal_positions.iter().any(|p| p.auto_apply == Some(true))
    }

    /// The number of products on sale.
    pub fn product_count(&self) -> usize {
        self.templates.len()
    }

    /// The name of a product template in `lang`, falling back to the
    /// default language.
    pub fn product_name<'a>(&'a self, template: &'a ProductTemplate, lang: &str) -> &'a str {
        match self
            .product_translations
            .get(lang)
            .and_then(|t| t.get(&template.id))
        {
            Some(t) if lang != self.default_lang => &t.name,
            _ => &template.name,
        }
    }

    /// The path of a public category in `lang`, e.g. `Boulangerie / Pains`.
    pub fn category_path(&self, id: i64, lang: &str) -> String {
        let mut names = Vec::new();
        let mut next = Some(id);
        // Bounded: a corrupt tree with a loop must not hang a page.
        while let (Some(at), true) = (next, names.len() < 32) {
            let Some(category) = self.public_categories.records.get(&at) else {
                break;
            };
            let name = match self.category_translations.get(lang).and_then(|t| t.get(&at)) {
                Some(t) if lang != self.default_lang => t.name.as_str(),
                _ => category.name.as_str(),
            };
            names.push(name);
            next = category.parent_id.as_ref().map(|p| p.id);
        }
        names.reverse();
        names.join(" / ")
    }

    /// Builds what is derived from the records: the pricing context and the
    /// search index.
    fn derive(&mut self) {
        self.pricing = self.pricing_context().map(Arc::new);
        self.search = Arc::new(self.build_search());
    }

    fn build_search(&self) -> SearchIndex {
        let mut languages = vec![self.default_lang.clone()];
        languages.extend(
            self.product_translations
                .keys()
                .filter(|l| **l != self.default_lang)
                .cloned(),
        );
        SearchIndex::build(self.templates.records.values().map(|template| {
            SearchDoc {
                id: template.id,
                names: languages
                    .iter()
                    .map(|l| (l.clone(), self.product_name(template, l).to_owned()))
                    .collect(),
                default_code: template.default_code.clone(),
                barcode: template.barcode.clone(),
                categories: template
                    .public_categ_ids
                    .iter()
                    .flat_map(|c| {
                        languages
                            .iter()
                            .map(move |l| (l.clone(), self.category_path(*c, l)))
                    })
                    .collect(),
            }
        }))
    }

    /// Products, variants, categories, customers, pricelists and pickup
    /// slots held (for a sync's report).
    fn counts(&self) -> BTreeMap<&'static str, usize> {
        BTreeMap::from([
            ("products", self.templates.len()),
            ("variants", self.variants.len()),
            (
                "categories",
                self.public_categories.len().max(self.product_categories.len()),
            ),
            ("customers", self.users.len()),
            ("pricelists", self.pricelists.len()),
            ("pickup slots", self.pickup_slots.len()),
        ])
    }

    /// The portal user of this login, with their partner.
    pub fn customer(&self, login: &str) -> Option<(&User, &Partner)> {
        let user = self
            .users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login) && u.active)?;
        let partner = self.partners.records.get(&user.partner_id.id)?;
        Some((user, partner))
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SyncReport {
    /// Full or incremental.
    pub full: bool,
    /// Only the records Odoo said changed were read ([`Mirror::refresh`]).
    pub targeted: bool,
    /// How long it took.
    pub duration: Duration,
    /// Calls made to Odoo, by model.
    pub calls: BTreeMap<&'static str, usize>,
    /// Records fetched, by model.
    pub fetched: BTreeMap<&'static str, usize>,
    /// Records that left, by model.
    pub removed: BTreeMap<&'static str, usize>,
    /// Products, variants, categories, customers, pricelists, slots now held.
    pub counts: BTreeMap<&'static str, usize>,
    /// The models whose listing another shop of the database made
    /// ([`SharedReads`]): this sync took it from that shop's round.
    pub shared_listings: BTreeSet<&'static str>,
    /// Records taken from what another shop of the database fetched, by
    /// model (counted in `fetched` too).
    pub shared_records: BTreeMap<&'static str, usize>,
}

impl SyncReport {
    /// `full`, `incremental` or `targeted`.
    pub fn kind(&self) -> &'static str {
        if self.full {
            "full"
        } else if self.targeted {
            "targeted"
        } else {
            "incremental"
        }
    }

    /// All calls made.
    pub fn total_calls(&self) -> usize {
        self.calls.values().sum()
    }

    /// One call to `model` that fetched `fetched` records.
    fn add_call(&mut self, model: &'static str, fetched: usize) {
        self.add(
            model,
            Delta {
                fetched,
                removed: 0,
                calls: 1,
            },
        );
    }

    fn add(&mut self, model: &'static str, delta: Delta) {
        *self.calls.entry(model).or_default() += delta.calls;
        *self.fetched.entry(model).or_default() += delta.fetched;
        *self.removed.entry(model).or_default() += delta.removed;
    }

    /// One line for a log or a cron mail.
    pub fn summary(&self) -> String {
        let counts: Vec<String> = self.counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
        let mut line = format!(
            "{} sync in {:.2} s: {}; {} calls, {} records fetched, {} removed",
            self.kind(),
            self.duration.as_secs_f64(),
            counts.join(", "),
            self.total_calls(),
            self.fetched.values().sum::<usize>(),
            self.removed.values().sum::<usize>(),
        );
        if !self.shared_listings.is_empty() {
            let models: Vec<&str> = self.shared_listings.iter().copied().collect();
            line.push_str(&format!(
                "; taken from another shop's reads: the listing of {}, {} records",
                models.join(" and "),
                self.shared_records.values().sum::<usize>()
            ));
        }
        line
    }
}

/// The mirror of one Odoo database: the current snapshot and the means to
/// refresh it. Readers call [`Mirror::snapshot`], which never waits on a
/// sync; syncs run one at a time.
#[derive(Debug)]
pub struct Mirror {
    client: Client,
    config: MirrorConfig,
    current: ArcSwap<Snapshot>,
    syncing: tokio::sync::Mutex<()>,
    shared: Option<SharedMember>,
}

impl Mirror {
    /// A mirror with an empty snapshot.
    pub fn new(client: Client, config: MirrorConfig) -> Self {
        Self::with_snapshot(client, config, Snapshot::default())
    }

    /// A mirror serving `snapshot` (e.g. one saved by an earlier run) until
    /// the next sync.
    pub fn with_snapshot(client: Client, config: MirrorConfig, snapshot: Snapshot) -> Self {
        Self {
            client,
            config,
            current: ArcSwap::from_pointee(snapshot),
            syncing: tokio::sync::Mutex::new(()),
            shared: None,
        }
    }

    /// The same mirror reading its products (`product.template`,
    /// `product.product`) with the other shops of its Odoo database that
    /// share `reads` (give one [`SharedReads`] to the mirrors of one URL,
    /// database and login only): one listing and one fetch of a product
    /// serve them all, each keeping its company's products and those of no
    /// company. Translations and the other models stay the shop's own.
    pub fn with_shared(mut self, reads: &Arc<SharedReads>) -> Self {
        let member = reads.join();
        if let Some(company) = self.client.company() {
            member.register(company);
        }
        self.shared = Some(member);
        self
    }

    /// The reads shared with other shops, if any ([`Mirror::with_shared`]).
    pub fn shared(&self) -> Option<&Arc<SharedReads>> {
        self.shared.as_ref().map(SharedMember::source)
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// The client the mirror reads with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Reads everything again.
    pub async fn full_sync(&self) -> Result<SyncReport, Error> {
        let _one_at_a_time = self.syncing.lock().await;
        self.run(None).await
    }

    /// Refreshes the snapshot: incrementally when there is one, else fully.
    /// On error the current snapshot stays.
    pub async fn sync(&self) -> Result<SyncReport, Error> {
        let _one_at_a_time = self.syncing.lock().await;
        let current = self.snapshot();
        self.run(current.synced_at.is_some().then_some(current)).await
    }

    async fn run(&self, previous: Option<Arc<Snapshot>>) -> Result<SyncReport, Error> {
        let started_at = Utc::now();
        let started = Instant::now();
        let result = Sync {
            client: &self.client,
            config: &self.config,
            shared: self.shared.as_ref(),
            previous: previous.as_deref(),
            report: SyncReport {
                full: previous.is_none(),
                ..SyncReport::default()
            },
            languages: self.config.languages.clone(),
        }
        .run(started_at)
        .await;
        match result {
            Ok((mut snapshot, mut report)) => {
                report.duration = started.elapsed();
                let current = self.snapshot();
                snapshot.revision = match previous {
                    Some(previous) if previous.revision != 0 && previous.same_records_as(&snapshot) => {
                        previous.revision
                    }
                    _ => current.revision + 1,
                };
                self.current.store(Arc::new(snapshot));
                tracing::info!("{}", report.summary());
                Ok(report)
            }
            Err(e) => {
                tracing::warn!(error = %e, "sync failed; the previous snapshot stays");
                Err(e)
            }
        }
    }
}

/// One sync in progress.
struct Sync<'a> {
    client: &'a Client,
    config: &'a MirrorConfig,
    /// The product reads shared with the other shops of the database.
    shared: Option<&'a SharedMember>,
    previous: Option<&'a Snapshot>,
    report: SyncReport,
    /// The shop's languages Odoo has, default first (found first thing).
    languages: Vec<String>,
}

impl Sync<'_> {
    fn paging(&self) -> Paging {
        Paging {
            batch_size: self.config.batch_size,
            concurrency: self.config.concurrency,
        }
    }

    fn default_lang(&self) -> String {
        self.languages.first().cloned().unwrap_or_else(|| "en_US".into())
    }

    /// Splits the shop's languages into those Odoo has (active `res.lang`)
    /// and those it lacks: a language Odoo lacks cannot even be asked for
    /// (17+ refuse the call: "Invalid language code"). English is always
    /// there. When Odoo has none of them, its first active language is the
    /// shop's.
    async fn languages(&mut self) -> Result<(Vec<String>, Vec<String>), Error> {
        #[derive(Deserialize)]
        struct Lang {
            code: String,
        }
        let installed: Vec<Lang> = self
            .client
            .model("res.lang")
            .search_read(field("active").eq(true))
            .fields(["code"])
            .order("id")
            .returning()
            .send()
            .await?;
        self.report.add_call("res.lang", installed.len());
        let has = |code: &str| code == "en_US" || installed.iter().any(|l| l.code == code);
        let (mut present, missing): (Vec<String>, Vec<String>) =
            self.config.languages.iter().cloned().partition(|code| has(code));
        if !missing.is_empty() {
            tracing::warn!(?missing, "Odoo lacks some of the shop's languages: left out");
        }
        if present.is_empty() {
            present.push(
                installed
                    .first()
                    .map_or_else(|| "en_US".to_owned(), |l| l.code.clone()),
            );
        }
        Ok((present, missing))
    }

    fn query(&self, domain: Domain) -> ModelQuery {
        ModelQuery {
            domain,
            active_test: true,
            lang: self.default_lang(),
        }
    }

    /// Full read, or refresh of the previous snapshot's collection.
    async fn collection<R: Mirrored>(
        &mut self,
        query: ModelQuery,
        previous: impl Fn(&Snapshot) -> &Collection<R>,
    ) -> Result<Collection<R>, Error> {
        let (collection, delta) = match self.previous {
            Some(prev) => {
                previous(prev)
                    .refresh(self.client, &query, self.paging(), self.config.overlap)
                    .await?
            }
            None => Collection::fetch_all(self.client, &query, self.paging()).await?,
        };
        self.report.add(R::MODEL, delta);
        Ok(collection)
    }

    /// One `search_read` of a small model, whole.
    async fn whole<R: Record>(&mut self, domain: Domain) -> Result<Vec<R>, Error> {
        let fields = self.client.fields_for::<R>().await?;
        let rows: Vec<R> = self
            .client
            .model(R::MODEL)
            .search_read(domain)
            .fields(fields)
            .order("id")
            .lang(self.default_lang())
            .returning()
            .send()
            .await?;
        self.report.add_call(R::MODEL, rows.len());
        Ok(rows)
    }

    /// [`Sync::whole`] of a model that a server may not have (19.0 has no
    /// fiscal position tax lines): none then.
    async fn optional_whole<R: Record>(&mut self) -> Result<Vec<R>, Error> {
        match self.whole::<R>(Domain::All).await {
            Err(e) if e.fault_kind() == Some(FaultKind::UnknownModel) => {
                // Asked all the same: one call.
                self.report.add_call(R::MODEL, 0);
                Ok(Vec::new())
            }
            other => other,
        }
    }

    async fn modules(&mut self) -> Result<(String, Modules), Error> {
        if let Some(prev) = self.previous {
            return Ok((prev.series.clone(), prev.modules));
        }
        let version = self.client.version().await?;
        let template_fields = self.client.available_fields(ProductTemplate::MODEL).await?;
        let calendar = match self.client.available_fields(CalendarEvent::MODEL).await {
            Ok(_) => true,
            Err(e) if e.fault_kind() == Some(FaultKind::UnknownModel) => false,
            Err(e) => return Err(e),
        };
        let modules = Modules {
            website_sale: template_fields.contains("is_published")
                && template_fields.contains("public_categ_ids"),
            calendar,
        };
        tracing::info!(series = %version.server_serie, ?modules, "Odoo modules");
        Ok((version.server_serie, modules))
    }

    /// The shop's company, settled on the client on the first sync.
    async fn company(&mut self) -> Result<i64, Error> {
        let id = match self.client.company() {
            Some(id) => id,
            None => {
                let id = company::resolve(self.client, self.config.company.as_ref()).await?;
                tracing::info!(company = id, "the shop works in this Odoo company");
                self.client.settle_company(id)
            }
        };
        if let Some(shared) = self.shared {
            shared.register(id);
        }
        Ok(id)
    }

    /// What the shop's company sees: its records and those of no company.
    fn ours(company_id: i64) -> Domain {
        Self::of_companies(&[company_id])
    }

    /// The records of these companies and those of no company.
    fn of_companies(companies: &[i64]) -> Domain {
        field("company_id").is_in(companies.iter().copied()) | field("company_id").eq(false)
    }

    /// The products (templates or variants) on sale.
    fn on_sale(&self, company_id: i64, modules: Modules) -> Domain {
        Self::on_sale_in(&[company_id], modules, self.config.published_only)
    }

    /// The products on sale in any of these companies (or in none): what
    /// the shops of one database read together ([`SharedReads`]).
    fn on_sale_in(companies: &[i64], modules: Modules, published_only: bool) -> Domain {
        // Combo products (18+) are priced in the items a customer chooses:
        // not offered (see the README).
        let mut on_sale =
            field("sale_ok").eq(true) & Self::of_companies(companies) & field("type").ne("combo");
        if modules.website_sale && published_only {
            on_sale = on_sale & field("is_published").eq(true);
        }
        on_sale
    }

    /// The products of `R` on sale, from the round shared with the other
    /// shops of the database (see [`SharedReads`]).
    async fn shared_products<R: shared::Shareable>(
        &mut self,
        shared: &SharedMember,
        company_id: i64,
        modules: Modules,
        previous: impl Fn(&Snapshot) -> &Collection<R>,
    ) -> Result<Taken<R>, Error> {
        let published_only = self.config.published_only;
        let domain = move |companies: &[i64]| Self::on_sale_in(companies, modules, published_only);
        let lang = self.default_lang();
        let taken = shared
            .take(Request {
                client: self.client,
                company: company_id,
                domain: &domain,
                lang: &lang,
                active_test: true,
                paging: self.paging(),
                overlap: self.config.overlap,
                previous: self.previous.map(previous),
            })
            .await?;
        self.report.add(R::MODEL, taken.delta);
        if taken.listed_by_another {
            self.report.shared_listings.insert(R::MODEL);
        }
        if taken.reused > 0 {
            *self.report.shared_records.entry(R::MODEL).or_default() += taken.reused;
        }
        Ok(taken)
    }

    /// The products on sale, shared or not.
    async fn products(
        &mut self,
        company_id: i64,
        modules: Modules,
    ) -> Result<(Collection<ProductTemplate>, Collection<ProductVariant>), Error> {
        let Some(shared) = self.shared else {
            let on_sale = self.on_sale(company_id, modules);
            let templates = self
                .collection(self.query(on_sale.clone()), |s| &s.templates)
                .await?;
            let variants = self.collection(self.query(on_sale), |s| &s.variants).await?;
            return Ok((templates, variants));
        };
        let mut templates = self
            .shared_products(shared, company_id, modules, |s| &s.templates)
            .await?;
        self.keep_visible_taxes(&mut templates, company_id).await?;
        let mut variants = self
            .shared_products(shared, company_id, modules, |s| &s.variants)
            .await?;
        self.own_costs(&mut variants, company_id).await?;
        Ok((templates.collection, variants.collection))
    }

    /// Read with several companies allowed, a product's `taxes_id` lists
    /// the taxes of every one of them (a product of no company has each
    /// company's): keeps those the shop's company sees, as a read in that
    /// company alone gives (Odoo filters a many2many by the record rules
    /// of its model: `account.tax`'s company rule).
    async fn keep_visible_taxes(
        &mut self,
        taken: &mut Taken<ProductTemplate>,
        company_id: i64,
    ) -> Result<(), Error> {
        if taken.companies == [company_id] {
            return Ok(());
        }
        let records = &mut taken.collection.records;
        let named: BTreeSet<i64> = taken
            .read_in
            .iter()
            .filter_map(|(id, _)| records.get(id))
            .flat_map(|t| t.taxes_id.iter().copied())
            .collect();
        if named.is_empty() {
            return Ok(());
        }
        let visible: BTreeSet<i64> = self
            .client
            .model(Tax::MODEL)
            .search(field("id").is_in(named))
            .active_test(false)
            .send()
            .await?
            .into_iter()
            .collect();
        self.report.add_call(Tax::MODEL, 0);
        for (id, _) in &taken.read_in {
            if let Some(template) = records.get_mut(id) {
                template.taxes_id.retain(|t| visible.contains(t));
            }
        }
        Ok(())
    }

    /// The cost (`standard_price`) is company-dependent: the value read is
    /// that of the company current in the read. Reads it again, in the
    /// shop's company, for the variants read in another.
    async fn own_costs(&mut self, taken: &mut Taken<ProductVariant>, company_id: i64) -> Result<(), Error> {
        #[derive(Deserialize)]
        struct Cost {
            id: i64,
            #[serde(with = "fields::opt_decimal", default)]
            standard_price: Option<rust_decimal::Decimal>,
        }
        let foreign: Vec<i64> = taken
            .read_in
            .iter()
            .filter(|(_, read_in)| *read_in != company_id)
            .map(|(id, _)| *id)
            .collect();
        if foreign.is_empty()
            || !self
                .client
                .fields_for::<ProductVariant>()
                .await?
                .contains(&"standard_price")
        {
            return Ok(());
        }
        for chunk in foreign.chunks(self.config.batch_size.max(1) as usize) {
            let costs: Vec<Cost> = self
                .client
                .model(ProductVariant::MODEL)
                .search_read(field("id").is_in(chunk.iter().copied()))
                .fields(["standard_price"])
                .returning()
                .send()
                .await?;
            self.report.add_call(ProductVariant::MODEL, 0);
            for cost in costs {
                if let Some(variant) = taken.collection.records.get_mut(&cost.id) {
                    variant.standard_price = cost.standard_price;
                }
            }
        }
        Ok(())
    }

    /// The partners of portal users.
    fn customers(company_id: i64) -> Domain {
        field("user_ids.share").eq(true) & Self::ours(company_id)
    }

    /// The pickup slots within the horizon from now.
    fn pickup_window(&self) -> Domain {
        let now = Utc::now();
        field("categ_ids.name").eq(self.config.pickup_category.as_str())
            & field("start").ge(fields::format_datetime(&now))
            & field("start").le(fields::format_datetime(&(now + self.config.pickup_horizon)))
    }

    /// Every sales tax Odoo shows, and those of no use of their own (the
    /// children of a group of taxes are, as Odoo's charts make them); the
    /// products' taxes of another company are told apart from those left
    /// out of pricing by their company (see `pricing_context`).
    async fn taxes(&mut self) -> Result<Vec<Tax>, Error> {
        self.whole::<Tax>(field("type_tax_use").is_in(["sale", "none"]))
            .await
    }

    /// A pricelist in another currency than the company's converts the
    /// prices at the rates of the day: they are read only then (with the
    /// company's currency's).
    async fn currency_rates(
        &mut self,
        pricelists: &Collection<Pricelist>,
        companies: &[Company],
        company_id: i64,
    ) -> Result<Vec<CurrencyRate>, Error> {
        let company_currency = companies
            .iter()
            .find(|c| c.id == company_id)
            .map(|c| c.currency_id.id);
        let mut rated: Vec<i64> = pricelists
            .records
            .values()
            .map(|p| p.currency_id.id)
            .filter(|c| Some(*c) != company_currency)
            .collect();
        rated.sort_unstable();
        rated.dedup();
        if rated.is_empty() {
            return Ok(Vec::new());
        }
        rated.extend(company_currency);
        self.whole::<CurrencyRate>(field("currency_id").is_in(rated))
            .await
    }

    async fn run(mut self, started_at: DateTime<Utc>) -> Result<(Snapshot, SyncReport), Error> {
        let company_id = self.company().await?;
        let (series, modules) = self.modules().await?;
        let (languages, missing_languages) = self.languages().await?;
        self.languages = languages;
        let (settings, calls) = settings::read(self.client, &series, modules.website_sale).await?;
        self.report.add(
            "settings",
            Delta {
                fetched: 0,
                removed: 0,
                calls,
            },
        );
        let ours = Self::ours(company_id);
        let (templates, variants) = self.products(company_id, modules).await?;
        let public_categories = if modules.website_sale {
            self.collection(self.query(Domain::All), |s| &s.public_categories)
                .await?
        } else {
            Collection::default()
        };
        let product_categories = self
            .collection(self.query(Domain::All), |s| &s.product_categories)
            .await?;
        let partners = self
            .collection(self.query(Self::customers(company_id)), |s| &s.partners)
            .await?;
        let users = self.whole::<User>(field("share").eq(true)).await?;
        let pricelists = self
            .collection(self.query(ours.clone()), |s| &s.pricelists)
            .await?;
        let pricelist_items = self
            .collection(self.query(Domain::All), |s| &s.pricelist_items)
            .await?;
        let taxes = self.taxes().await?;
        let fiscal_positions = self.optional_whole::<FiscalPosition>().await?;
        let fiscal_position_taxes = self.optional_whole::<FiscalPositionTax>().await?;
        let uoms = self.whole::<Uom>(Domain::All).await?;
        let currencies = self.whole::<Currency>(field("active").eq(true)).await?;
        let companies = self.whole::<Company>(Domain::All).await?;
        let currency_rates = self.currency_rates(&pricelists, &companies, company_id).await?;
        let pickup_slots = if modules.calendar {
            self.collection(self.query(self.pickup_window()), |s| &s.pickup_slots)
                .await?
        } else {
            Collection::default()
        };

        let mut product_translations = HashMap::new();
        let mut category_translations = HashMap::new();
        for lang in self.languages.clone().iter().skip(1) {
            let previous = self.previous;
            let prev = previous.map(|p| (&p.templates, p.product_translations.get(lang)));
            let products = self.translations(lang, &templates, prev).await?;
            product_translations.insert(lang.clone(), products);
            let prev = previous.map(|p| (&p.public_categories, p.category_translations.get(lang)));
            let categories = self.translations(lang, &public_categories, prev).await?;
            category_translations.insert(lang.clone(), categories);
        }

        let mut snapshot = Snapshot {
            synced_at: Some(started_at),
            // Set by `Mirror::run`, which knows the current one.
            revision: 0,
            series,
            company_id: Some(company_id),
            modules,
            settings,
            default_lang: self.default_lang(),
            languages: self.languages.clone(),
            missing_languages,
            templates,
            variants,
            product_translations,
            public_categories,
            category_translations,
            product_categories,
            partners,
            users,
            pricelists,
            pricelist_items,
            taxes,
            fiscal_positions,
            fiscal_position_taxes,
            uoms,
            currencies,
            currency_rates,
            companies,
            pickup_slots,
            pricing: None,
            search: Arc::default(),
        };
        snapshot.derive();
        let mut report = self.report;
        report.counts = snapshot.counts();
        Ok((snapshot, report))
    }

    /// The names (and descriptions) of `records` in `lang`: kept from the
    /// previous snapshot for records that did not change since, read again
    /// for the others.
    async fn translations<R: Mirrored>(
        &mut self,
        lang: &str,
        records: &Collection<R>,
        previous: Option<(&Collection<R>, Option<&Translations>)>,
    ) -> Result<Translations, Error> {
        let mut out = Translations::new();
        let mut wanted = Vec::new();
        for (id, record) in &records.records {
            let kept = previous.and_then(|(prev_records, prev_translations)| {
                let before = prev_records.records.get(id)?;
                let recent = prev_records
                    .watermark
                    .is_none_or(|mark| record.write_date() >= mark - self.config.overlap);
                (before.write_date() == record.write_date() && !recent).then_some(())?;
                prev_translations?.get(id)
            });
            match kept {
                Some(t) => {
                    out.insert(*id, t.clone());
                }
                None => wanted.push(*id),
            }
        }
        out.extend(self.read_translations::<R>(lang, &wanted).await?);
        Ok(out)
    }

    /// The names (and descriptions) of records `ids` of `R` in `lang`.
    async fn read_translations<R: Mirrored>(
        &mut self,
        lang: &str,
        ids: &[i64],
    ) -> Result<Translations, Error> {
        let mut out = Translations::new();
        let mut fields = vec!["name"];
        if R::MODEL == ProductTemplate::MODEL {
            fields.push("description_sale");
        }
        for chunk in ids.chunks(self.config.batch_size.max(1) as usize) {
            let rows: Vec<Translation> = self
                .client
                .model(R::MODEL)
                .search_read(field("id").is_in(chunk.iter().copied()))
                .fields(fields.iter().copied())
                .lang(lang)
                .returning()
                .send()
                .await?;
            self.report.add_call(R::MODEL, 0);
            out.extend(rows.into_iter().map(|t| (t.id, t)));
        }
        Ok(out)
    }
}

macro_rules! mirrored {
    ($($t:ty),*) => {$(
        impl Mirrored for $t {
            fn id(&self) -> i64 {
                self.id
            }
            fn write_date(&self) -> DateTime<Utc> {
                self.write_date
            }
        }
    )*};
}

mirrored!(
    ProductTemplate,
    ProductVariant,
    PublicCategory,
    ProductCategory,
    Partner,
    Pricelist,
    PricelistItem,
    CalendarEvent
);
