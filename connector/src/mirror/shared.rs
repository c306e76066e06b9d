//! Reads shared by the shops of one Odoo database: one listing and one
//! fetch of the products (`product.template`, `product.product`) serve
//! every company's shop, each keeping its company's products and those of
//! no company.
//!
//! A *round* is one listing of the ids, `write_date`s and companies of the
//! products on sale in any member's company (or in none), read with every
//! member company allowed ([`Client::in_companies`]), and the records
//! fetched for the members during the round. A shop's sync takes the
//! current round when it covers the shop's company, the shop has not taken
//! it yet, and it began less than [`SharedReads::fresh_for`] ago; else it
//! begins a new one (which replaces it). From the listing it keeps its own
//! company's products and those of no company, and computes what changed
//! exactly as [`Collection::refresh`] does; what another shop already
//! fetched in the round is taken from the round, the rest is fetched (and
//! left in the round for the next shop). A round every member has taken
//! is dropped: each shop holds its own catalog, the round is transient.
//!
//! What reading with several companies allowed changes is undone per shop
//! by the mirror: a product's `taxes_id` then lists the taxes of every
//! allowed company (kept: those the shop's company sees), and the
//! company-dependent cost (`standard_price`) is the first allowed
//! company's (read again in the shop's company when another's).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use super::collection::{fetch_pages, Collection, Delta, Mirrored, ModelQuery, Paging};
use crate::client::Client;
use crate::domain::{field, Domain};
use crate::error::Error;
use crate::records::fields::{self, Many2one};
use crate::records::{ProductTemplate, ProductVariant};

/// How long a round serves the shops that did not take it yet, by default.
pub const DEFAULT_FRESH_FOR: Duration = Duration::from_secs(60);

/// The product reads shared by the shops of one Odoo database (the same
/// URL, database and login): see the [module](self). Shops join it with
/// [`crate::mirror::Mirror::with_shared`].
pub struct SharedReads {
    fresh_for: Duration,
    /// Each member's company, once known, by member.
    members: Mutex<Vec<Option<i64>>>,
    templates: tokio::sync::Mutex<Vec<Round<ProductTemplate>>>,
    variants: tokio::sync::Mutex<Vec<Round<ProductVariant>>>,
    stats: Mutex<SharedStats>,
}

/// What the shops of a [`SharedReads`] did with it, since it was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedStats {
    /// Rounds begun (one listing each), by model.
    pub rounds: BTreeMap<&'static str, usize>,
    /// Rounds taken by a shop that did not begin them (its listing
    /// spared), by model.
    pub reused: BTreeMap<&'static str, usize>,
    /// Records a shop took from what another shop fetched (its fetch
    /// spared), by model.
    pub records_reused: BTreeMap<&'static str, usize>,
}

impl fmt::Debug for SharedReads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedReads")
            .field("fresh_for", &self.fresh_for)
            .field("members", &*lock(&self.members))
            .finish_non_exhaustive()
    }
}

impl Default for SharedReads {
    fn default() -> Self {
        Self::new(DEFAULT_FRESH_FOR)
    }
}

impl SharedReads {
    /// Shared reads whose rounds serve the shops for `fresh_for` after
    /// their listing began: a shop taking a round may hold products that
    /// old (its next sync takes a newer round).
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            members: Mutex::new(Vec::new()),
            templates: tokio::sync::Mutex::new(Vec::new()),
            variants: tokio::sync::Mutex::new(Vec::new()),
            stats: Mutex::new(SharedStats::default()),
        }
    }

    /// How long a round serves.
    pub fn fresh_for(&self) -> Duration {
        self.fresh_for
    }

    /// A new member (a shop's mirror), of a company not known yet.
    pub fn join(self: &Arc<Self>) -> SharedMember {
        let mut members = lock(&self.members);
        members.push(None);
        SharedMember {
            source: self.clone(),
            id: members.len() - 1,
        }
    }

    /// The companies of the members, once known, in ascending order.
    pub fn companies(&self) -> Vec<i64> {
        let mut companies: Vec<i64> = lock(&self.members).iter().flatten().copied().collect();
        companies.sort_unstable();
        companies.dedup();
        companies
    }

    /// What the shops did with it so far.
    pub fn stats(&self) -> SharedStats {
        lock(&self.stats).clone()
    }

    fn register(&self, member: usize, company: i64) {
        if let Some(slot) = lock(&self.members).get_mut(member) {
            *slot = Some(company);
        }
    }

    fn member_count(&self) -> usize {
        lock(&self.members).len()
    }

    /// The shop's records of `R` as of the current round, or of a new one:
    /// see the [module](self).
    pub(super) async fn take<R: Shareable>(
        &self,
        member: usize,
        request: Request<'_, R>,
    ) -> Result<Taken<R>, Error> {
        let Request {
            client,
            company,
            domain,
            lang,
            active_test,
            paging,
            overlap,
            previous,
        } = request;
        let mut rounds = R::rounds(self).lock().await;
        rounds.retain(|r| r.started.elapsed() < self.fresh_for);
        let same_reads =
            |r: &Round<R>| r.lang == lang && r.active_test == active_test && domain(&r.companies) == r.domain;
        let mark = previous.and_then(|p| p.watermark);
        let mut delta = Delta::default();
        let usable = rounds.iter().position(|r| {
            same_reads(r)
                && r.companies.contains(&company)
                && !r.taken.contains(&member)
                && mark.is_none_or(|mark| mark <= r.started_at)
        });
        let index = match usable {
            Some(index) => index,
            None => {
                rounds.retain(|r| !same_reads(r));
                let companies = own_first(&self.companies(), company);
                let round = Round::list(
                    client,
                    member,
                    companies.clone(),
                    domain(&companies),
                    lang,
                    active_test,
                )
                .await?;
                delta.calls += 1;
                rounds.push(round);
                rounds.len() - 1
            }
        };
        let round = &mut rounds[index];
        let ours = |owner: Option<i64>| owner.is_none_or(|c| c == company);
        let listed: BTreeMap<i64, DateTime<Utc>> = round
            .listing
            .iter()
            .filter(|s| ours(s.company))
            .map(|s| (s.id, s.write_date))
            .collect();
        let none = Collection::default();
        let previous = previous.unwrap_or(&none);
        // As `Collection::refresh` does.
        let (changed, mut records) = previous.against(&listed, overlap);
        delta.removed = previous.records.len() - records.len();
        let mut read_in = Vec::new();
        let mut reused = 0;
        let mut missing = Vec::new();
        for id in changed {
            match round.cache.get(&id) {
                Some(cached) => {
                    if ours(cached.record.company()) {
                        records.insert(id, cached.record.clone());
                        read_in.push((id, cached.read_in));
                        delta.fetched += 1;
                        reused += 1;
                    }
                }
                None => missing.push(id),
            }
        }
        if !missing.is_empty() {
            let reader = client.in_companies(&own_first(&round.companies, company));
            let fields = reader.fields_for::<R>().await?;
            let chunks: Vec<&[i64]> = missing.chunks(paging.batch_size.max(1) as usize).collect();
            let query = ModelQuery {
                domain: round.domain.clone(),
                active_test,
                lang: lang.to_owned(),
            };
            // By id within the domain, as `Collection::refresh` does.
            let fetched = fetch_pages::<R>(&reader, &query, paging, &fields, chunks.len(), |page| {
                (
                    query.domain.clone() & field("id").is_in(chunks[page].iter().copied()),
                    None,
                )
            })
            .await?;
            delta.calls += chunks.len();
            for record in fetched {
                let id = record.id();
                if ours(record.company()) {
                    records.insert(id, record.clone());
                    read_in.push((id, company));
                    delta.fetched += 1;
                }
                round.cache.insert(
                    id,
                    Cached {
                        record,
                        read_in: company,
                    },
                );
            }
        }
        round.taken.insert(member);
        let listed_by_another = round.by != member;
        let watermark = round.started_at;
        let companies = round.companies.clone();
        if round.taken.len() >= self.member_count() {
            rounds.remove(index);
        }
        drop(rounds);
        {
            let mut stats = lock(&self.stats);
            if listed_by_another {
                *stats.reused.entry(R::MODEL).or_default() += 1;
            } else {
                *stats.rounds.entry(R::MODEL).or_default() += 1;
            }
            *stats.records_reused.entry(R::MODEL).or_default() += reused;
        }
        Ok(Taken {
            collection: Collection {
                records,
                watermark: Some(watermark),
            },
            delta,
            listed_by_another,
            reused,
            read_in,
            companies,
        })
    }
}

/// One shop's membership of a [`SharedReads`].
#[derive(Debug, Clone)]
pub struct SharedMember {
    source: Arc<SharedReads>,
    id: usize,
}

impl SharedMember {
    /// The shared reads.
    pub fn source(&self) -> &Arc<SharedReads> {
        &self.source
    }

    /// Tells the shop's company (once its sync knows it): the rounds begun
    /// from now on cover it.
    pub fn register(&self, company: i64) {
        self.source.register(self.id, company);
    }

    pub(super) async fn take<R: Shareable>(&self, request: Request<'_, R>) -> Result<Taken<R>, Error> {
        self.source.take(self.id, request).await
    }
}

/// A shop's request to [`SharedReads::take`].
pub(super) struct Request<'a, R> {
    /// The shop's client (in its company).
    pub client: &'a Client,
    /// The shop's company.
    pub company: i64,
    /// The domain of the records of these companies (and of none).
    pub domain: &'a (dyn Fn(&[i64]) -> Domain + Send + Sync),
    /// The language of translatable fields.
    pub lang: &'a str,
    /// Whether archived records are hidden.
    pub active_test: bool,
    /// How to page.
    pub paging: Paging,
    /// How far back of the previous watermark changes are looked for.
    pub overlap: TimeDelta,
    /// The shop's records so far (`None` on a first sync).
    pub previous: Option<&'a Collection<R>>,
}

/// What a shop took from a round.
pub(super) struct Taken<R> {
    /// Its records, as of the round's listing.
    pub collection: Collection<R>,
    /// Its own calls, the records that came new or changed, those that left.
    pub delta: Delta,
    /// Whether another shop made the listing.
    pub listed_by_another: bool,
    /// Records taken from another shop's fetch.
    pub reused: usize,
    /// The records that came new or changed, with the company that was
    /// current when they were read (whose values company-dependent fields
    /// hold).
    pub read_in: Vec<(i64, i64)>,
    /// The companies allowed when they were read.
    pub companies: Vec<i64>,
}

/// A record a round can share: it knows its company.
pub(super) trait Shareable: Mirrored {
    /// Its company (`None`: every company's).
    fn company(&self) -> Option<i64>;
    /// The rounds of its model.
    fn rounds(source: &SharedReads) -> &tokio::sync::Mutex<Vec<Round<Self>>>;
}

impl Shareable for ProductTemplate {
    fn company(&self) -> Option<i64> {
        self.company_id
    }
    fn rounds(source: &SharedReads) -> &tokio::sync::Mutex<Vec<Round<Self>>> {
        &source.templates
    }
}

impl Shareable for ProductVariant {
    fn company(&self) -> Option<i64> {
        self.company_id
    }
    fn rounds(source: &SharedReads) -> &tokio::sync::Mutex<Vec<Round<Self>>> {
        &source.variants
    }
}

/// One listing of a model and the records fetched since for the members.
pub(super) struct Round<R> {
    /// The member that began it.
    by: usize,
    /// The companies allowed in its reads, its beginner's first.
    companies: Vec<i64>,
    domain: Domain,
    lang: String,
    active_test: bool,
    /// When the listing began (the takers' watermark).
    started_at: DateTime<Utc>,
    started: Instant,
    listing: Vec<Listed>,
    cache: HashMap<i64, Cached<R>>,
    /// The members that took it.
    taken: HashSet<usize>,
}

struct Listed {
    id: i64,
    write_date: DateTime<Utc>,
    company: Option<i64>,
}

struct Cached<R> {
    record: R,
    /// The company current when it was read.
    read_in: i64,
}

impl<R: Shareable> Round<R> {
    async fn list(
        client: &Client,
        by: usize,
        companies: Vec<i64>,
        domain: Domain,
        lang: &str,
        active_test: bool,
    ) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct Stamp {
            id: i64,
            #[serde(with = "fields::datetime")]
            write_date: DateTime<Utc>,
            #[serde(default)]
            company_id: Option<Many2one>,
        }
        let started_at = Utc::now();
        let started = Instant::now();
        let listing: Vec<Stamp> = client
            .in_companies(&companies)
            .model(R::MODEL)
            .search_read(domain.clone())
            .fields(["write_date", "company_id"])
            .order("id")
            .active_test(active_test)
            .returning()
            .send()
            .await?;
        Ok(Self {
            by,
            companies,
            domain,
            lang: lang.to_owned(),
            active_test,
            started_at,
            started,
            listing: listing
                .into_iter()
                .map(|s| Listed {
                    id: s.id,
                    write_date: s.write_date,
                    company: s.company_id.map(|c| c.id),
                })
                .collect(),
            cache: HashMap::new(),
            taken: HashSet::new(),
        })
    }
}

/// `companies` with `company` first (and in them).
fn own_first(companies: &[i64], company: i64) -> Vec<i64> {
    std::iter::once(company)
        .chain(companies.iter().copied().filter(|c| *c != company))
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::own_first;

    #[test]
    fn the_shops_company_comes_first() {
        assert_eq!(own_first(&[1, 2, 3], 2), [2, 1, 3]);
        assert_eq!(own_first(&[1, 3], 2), [2, 1, 3]);
        assert_eq!(own_first(&[], 2), [2]);
    }
}
