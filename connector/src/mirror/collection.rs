//! One model's records in the mirror, and how they are fetched and kept
//! fresh.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Deserialize;

use crate::client::Client;
use crate::domain::{field, Domain};
use crate::error::Error;
use crate::records::{fields, Record};

/// A record the mirror keeps: it has an id and a last-change date.
pub trait Mirrored: Record + Clone + Send + Sync + 'static {
    /// The record's id.
    fn id(&self) -> i64;
    /// When it last changed in Odoo.
    fn write_date(&self) -> DateTime<Utc>;
}

/// What to read of one model.
#[derive(Debug, Clone)]
pub struct ModelQuery {
    /// Which records belong in the mirror.
    pub domain: Domain,
    /// Whether Odoo hides archived records (its default).
    pub active_test: bool,
    /// The language of translatable fields.
    pub lang: String,
}

/// How to page.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    /// Records per `search_read`.
    pub batch_size: u32,
    /// Pages fetched at once.
    pub concurrency: usize,
}

/// The records of one model, by id.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "R: serde::Serialize",
    deserialize = "R: serde::de::DeserializeOwned"
))]
pub struct Collection<R> {
    /// The records.
    pub records: BTreeMap<i64, R>,
    /// When the records were last known complete: the time the last
    /// listing or full read began.
    pub watermark: Option<DateTime<Utc>>,
}

impl<R> Default for Collection<R> {
    fn default() -> Self {
        Self {
            records: BTreeMap::new(),
            watermark: None,
        }
    }
}

/// What a resync of one model did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delta {
    /// Records fetched because they were new or changed.
    pub fetched: usize,
    /// Records that left (deleted, archived, or out of the domain).
    pub removed: usize,
    /// Calls made to Odoo.
    pub calls: usize,
}

impl Delta {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        self.fetched > 0 || self.removed > 0
    }
}

#[derive(Deserialize)]
struct Stamp {
    id: i64,
    #[serde(with = "fields::datetime")]
    write_date: DateTime<Utc>,
}

impl<R: Mirrored> Collection<R> {
    /// Reads every matching record: `search_count`, then pages of
    /// `search_read` ordered by id, several at once.
    pub async fn fetch_all(
        client: &Client,
        query: &ModelQuery,
        paging: Paging,
    ) -> Result<(Self, Delta), Error> {
        let started = Utc::now();
        let fields = client.fields_for::<R>().await?;
        let count: u64 = client
            .model(R::MODEL)
            .search_count(query.domain.clone())
            .active_test(query.active_test)
            .send()
            .await?;
        let batch = paging.batch_size.max(1);
        let pages = count.div_ceil(u64::from(batch)) as usize;
        let records = fetch_pages::<R>(client, query, paging, &fields, pages, |page| {
            (query.domain.clone(), Some(page * batch as usize))
        })
        .await?;
        let collection = Self {
            records: records.into_iter().map(|r| (r.id(), r)).collect(),
            watermark: Some(started),
        };
        let delta = Delta {
            fetched: collection.records.len(),
            removed: 0,
            calls: 1 + pages,
        };
        Ok((collection, delta))
    }

    /// Brings the collection up to date, with a single call when nothing
    /// changed: a listing of the ids and `write_date`s of the matching
    /// records. Ids no longer listed left (deleted, archived, unpublished).
    /// Records are fetched again when their `write_date` differs from the
    /// one kept, or falls after the watermark (the time of the previous
    /// listing) less `overlap`: `write_date` has one-second precision, so a
    /// record written twice in the second of the previous listing would
    /// otherwise look unchanged; the margin also absorbs clock skew between
    /// Odoo and this host.
    pub async fn refresh(
        &self,
        client: &Client,
        query: &ModelQuery,
        paging: Paging,
        overlap: TimeDelta,
    ) -> Result<(Self, Delta), Error> {
        let started = Utc::now();
        let listing: Vec<Stamp> = client
            .model(R::MODEL)
            .search_read(query.domain.clone())
            .fields(["write_date"])
            .order("id")
            .active_test(query.active_test)
            .returning()
            .send()
            .await?;
        let mut delta = Delta {
            calls: 1,
            ..Delta::default()
        };
        let listed: BTreeMap<i64, DateTime<Utc>> =
            listing.into_iter().map(|s| (s.id, s.write_date)).collect();
        let (changed, mut records) = self.against(&listed, overlap);
        delta.removed = self.records.len() - records.len();
        if !changed.is_empty() {
            let fields = client.fields_for::<R>().await?;
            let batch = paging.batch_size.max(1) as usize;
            let chunks: Vec<&[i64]> = changed.chunks(batch).collect();
            // By id within the domain, not `read`: a record deleted since the
            // listing is then simply absent instead of a fault.
            let fetched = fetch_pages::<R>(client, query, paging, &fields, chunks.len(), |page| {
                (
                    query.domain.clone() & field("id").is_in(chunks[page].iter().copied()),
                    None,
                )
            })
            .await?;
            delta.calls += chunks.len();
            for record in fetched {
                delta.fetched += 1;
                records.insert(record.id(), record);
            }
        }
        Ok((
            Self {
                records,
                watermark: Some(started),
            },
            delta,
        ))
    }
}

impl<R: Mirrored> Collection<R> {
    /// Against a listing of the ids and `write_date`s now matching: the ids
    /// to fetch again (their `write_date` differs from the one kept, or
    /// falls after the watermark less `overlap`; see [`Collection::refresh`]),
    /// and the records kept that are still listed.
    pub(super) fn against(
        &self,
        listed: &BTreeMap<i64, DateTime<Utc>>,
        overlap: TimeDelta,
    ) -> (Vec<i64>, BTreeMap<i64, R>) {
        let recent_from = self.watermark.map(|mark| mark - overlap);
        let changed = listed
            .iter()
            .filter(|(id, date)| {
                self.records.get(id).is_none_or(|r| r.write_date() != **date)
                    || recent_from.is_some_and(|from| **date >= from)
            })
            .map(|(id, _)| *id)
            .collect();
        let kept = self
            .records
            .iter()
            .filter(|(id, _)| listed.contains_key(id))
            .map(|(id, r)| (*id, r.clone()))
            .collect();
        (changed, kept)
    }
}

impl<R: Mirrored> Collection<R> {
    /// Reads again only the records `targets` selects (within the query's
    /// domain), in one call: those returned replace or join the ones held,
    /// and those of `covered` (the ids the targets stand for) that are not
    /// returned left (deleted, archived, unpublished, out of the domain).
    /// The watermark stays: this is no listing of the whole model.
    pub async fn refresh_some(
        &self,
        client: &Client,
        query: &ModelQuery,
        targets: Domain,
        covered: &BTreeSet<i64>,
    ) -> Result<(Self, Delta), Error> {
        let fields = client.fields_for::<R>().await?;
        let fetched: Vec<R> = client
            .model(R::MODEL)
            .search_read(query.domain.clone() & targets)
            .fields(fields)
            .order("id")
            .lang(query.lang.as_str())
            .active_test(query.active_test)
            .returning()
            .send()
            .await?;
        let returned: BTreeSet<i64> = fetched.iter().map(Mirrored::id).collect();
        let mut records = self.records.clone();
        records.retain(|id, _| !covered.contains(id));
        let delta = Delta {
            calls: 1,
            fetched: fetched.len(),
            removed: self
                .records
                .keys()
                .filter(|id| covered.contains(id) && !returned.contains(id))
                .count(),
        };
        records.extend(fetched.into_iter().map(|r| (r.id(), r)));
        Ok((
            Self {
                records,
                watermark: self.watermark,
            },
            delta,
        ))
    }
}

/// Fetches `pages` pages, `paging.concurrency` at a time, in page order;
/// `page_query(n)` gives page n's domain and offset (limit: the batch size).
pub(super) async fn fetch_pages<R: Mirrored>(
    client: &Client,
    query: &ModelQuery,
    paging: Paging,
    fields: &[&'static str],
    pages: usize,
    page_query: impl Fn(usize) -> (Domain, Option<usize>),
) -> Result<Vec<R>, Error> {
    let pages: Vec<Vec<R>> = stream::iter(0..pages)
        .map(|page| {
            let (domain, offset) = page_query(page);
            async move {
                let mut q = client
                    .model(R::MODEL)
                    .search_read(domain)
                    .fields(fields.iter().copied())
                    .order("id")
                    .lang(query.lang.as_str())
                    .active_test(query.active_test);
                if let Some(offset) = offset {
                    q = q
                        .limit(paging.batch_size.max(1))
                        .offset(u32::try_from(offset).unwrap_or(u32::MAX));
                }
                q.returning::<Vec<R>>().send().await
            }
        })
        .buffered(paging.concurrency.max(1))
        .try_collect()
        .await?;
    Ok(pages.into_iter().flatten().collect())
}

impl<R> Collection<R> {
    /// The number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}
