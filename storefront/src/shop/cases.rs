//! Buying together by the case: a wholesaler sells oil by the case of 6,
//! flour by the sack; each member takes a share, and the case is ordered
//! when its shares fill it.
//!
//! - **What is shared** is read from Odoo ([`connector::cases`]): products
//!   with a packaging flagged by `SHOP_SHARED_CASES` (a product tag, or a
//!   packaging name); the case is that packaging's quantity.
//! - **A round** gathers the shares taken until its cut-off: the next
//!   pickup slot's cut-off, or a weekly moment (`SHOP_SHARED_CUTOFF`). A
//!   round is keyed by its cut-off; the staff may close it early.
//! - **A share** is a quantity, in the product's step, with the pickup slot
//!   the member collects it at; it can be raised, lowered or given up until
//!   the cut-off, never past what the case holds (the store serializes the
//!   shares of a round: see [`crate::store::shares`]).
//! - **At the cut-off** ([`settle_due`]), a full case becomes lines of one
//!   quotation per member (their shares of the round, at their pricelist),
//!   through the outbox: exactly once. A case still short is dropped (the
//!   members are told through Odoo) or, with `SHOP_SHARED_SHORT=complete`,
//!   completed by the shop's own partner.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, Datelike, TimeDelta, TimeZone, Utc};
use connector::cases::SharedCase;
use connector::mirror::Snapshot;
use connector::pricing::NO_PRICELIST;
use rust_decimal::Decimal;

use crate::shop::cart::{self, CartError, QuantityInput};
use crate::shop::catalog::{CatalogIndex, QuantityError, Shelf};
use crate::shop::outbox::{OrderPayload, PayloadLine};
use crate::shop::settings::{CaseSettings, ShortCase};
use crate::shop::slots::{self, Slot, SlotSettings};
use crate::shop::{Customer, Shop};
use crate::store::shares::{DueRound, NewShare, Share, ShareState, ShareWrite};
use crate::store::{NewOrder, SessionRecord, StoreError};

pub use crate::shop::case_progress::{CaseShown, CasesShown, Round};

/// How often the shared products are read from Odoo again.
const READ_EVERY: Duration = Duration::from_secs(5 * 60);

/// How long a settler holds a round before another may take it over.
const SETTLE_LEASE_SECS: i64 = 120;

/// How long a round whose settlement failed waits before it is tried again.
const SETTLE_RETRY_SECS: i64 = 30;

/// How far back a customer's shares are listed.
const SHARES_LISTED_DAYS: i64 = 60;

#[derive(Debug, Default)]
struct Known {
    cases: Arc<HashMap<i64, SharedCase>>,
    read_at: Option<Instant>,
    /// The snapshot's revision when they were read.
    revision: Option<u64>,
}

/// The shared cases of the shop: which products, and their progress.
#[derive(Debug)]
pub struct Cases {
    settings: CaseSettings,
    shown: ArcSwap<CasesShown>,
    known: Mutex<Known>,
    /// Wakes the worker (a round closed early).
    wake: tokio::sync::Notify,
}

impl Cases {
    /// The shared cases as `settings` say.
    pub fn new(settings: &CaseSettings) -> Self {
        Self {
            settings: settings.clone(),
            shown: ArcSwap::default(),
            known: Mutex::default(),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Whether the shop sells anything by the shared case.
    pub fn is_on(&self) -> bool {
        self.settings.rule.is_some()
    }

    /// What is shown now.
    pub fn shown(&self) -> Arc<CasesShown> {
        self.shown.load_full()
    }

    /// The case of variant `id`, as read from Odoo.
    fn case_of(&self, id: i64) -> Option<SharedCase> {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .cases
            .get(&id)
            .cloned()
    }

    /// Wakes the worker.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until woken, at most `timeout`.
    pub async fn woken(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.wake.notified()).await;
    }

    /// The round shares are taken for at `now`: its cut-off.
    pub fn round_at(
        &self,
        snapshot: &Snapshot,
        slot_settings: &SlotSettings,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let open: Vec<Slot> = slots::slots(snapshot.pickup_slots.records.values(), slot_settings, now)
            .into_iter()
            .filter(|s| s.is_open(now))
            .collect();
        match self.settings.cutoff {
            Some((weekday, time)) => {
                let tz = slot_settings.time_zone;
                let local = now.with_timezone(&tz);
                (0..=7)
                    .filter_map(|days| {
                        let date = local.date_naive() + TimeDelta::days(days);
                        (date.weekday() == weekday)
                            .then(|| tz.from_local_datetime(&date.and_time(time)).earliest())
                            .flatten()
                    })
                    .map(|at| at.with_timezone(&Utc))
                    .find(|at| *at > now)
                    // Only when a slot is offered after it.
                    .filter(|at| open.iter().any(|s| s.start >= *at))
            }
            None => open.iter().map(|s| s.closes_at).min(),
        }
    }

    /// Reads what is shared from Odoo when due (every [`READ_EVERY`], or
    /// when the catalog changed), the current round and its shares from
    /// the store, and updates what is shown.
    pub async fn refresh(&self, shop: &Shop) -> Result<(), RefreshError> {
        let Some(rule) = &self.settings.rule else {
            return Ok(());
        };
        let snapshot = shop.mirror.snapshot();
        if snapshot.synced_at.is_none() {
            return Ok(());
        }
        let due = {
            let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            known.read_at.is_none_or(|at| at.elapsed() >= READ_EVERY)
                || known.revision != Some(snapshot.revision)
        };
        if due {
            let read = connector::cases::shared_cases(shop.odoo(), rule, snapshot.company_id).await?;
            let cases: HashMap<i64, SharedCase> = read
                .into_iter()
                .filter(|c| c.size > Decimal::ZERO && snapshot.variants.records.contains_key(&c.product_id))
                .map(|c| (c.product_id, c))
                .collect();
            let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            known.cases = Arc::new(cases);
            known.read_at = Some(Instant::now());
            known.revision = Some(snapshot.revision);
        }
        self.show(shop, &snapshot).await?;
        Ok(())
    }

    /// Updates what is shown from the store now (a share written, a round
    /// closed or settled); a failure is logged, and the next refresh
    /// shows it.
    async fn show_now(&self, shop: &Shop, snapshot: &Snapshot) {
        if let Err(e) = self.show(shop, snapshot).await {
            tracing::warn!(error = %e, "cannot show the shared cases' progress");
        }
    }

    /// Updates what is shown from the store (after a share, at once).
    async fn show(&self, shop: &Shop, snapshot: &Snapshot) -> Result<(), StoreError> {
        let cases = Arc::clone(&self.known.lock().unwrap_or_else(|e| e.into_inner()).cases);
        let round_at = self.round_at(snapshot, &shop.slot_settings(), Utc::now());
        let (round, totals) = match round_at {
            Some(at) => {
                let open = shop.store.round_is_open(at.timestamp()).await?;
                let totals = shop.store.case_totals(at.timestamp()).await?;
                (
                    Some(Round {
                        closes_at: at,
                        closes_local: at.with_timezone(&shop.settings.time_zone).naive_local(),
                        open,
                    }),
                    totals,
                )
            }
            None => (None, HashMap::new()),
        };
        let by_variant: HashMap<i64, CaseShown> = cases
            .values()
            .map(|c| {
                (
                    c.product_id,
                    CaseShown {
                        size: c.size,
                        taken: totals.get(&c.product_id).copied().unwrap_or_default(),
                        packaging: c.packaging.clone(),
                    },
                )
            })
            .collect();
        let current = self.shown.load();
        if current.round != round || !current.shows(&by_variant) {
            self.shown.store(Arc::new(CasesShown::new(
                current.generation + 1,
                round,
                by_variant,
            )));
        }
        Ok(())
    }
}

/// Why the shared cases could not be refreshed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Odoo could not be read.
    #[error(transparent)]
    Odoo(#[from] connector::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a share was refused.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The product is not sold by the shared case.
    #[error("this product is not sold by the shared case")]
    NotShared,
    /// No round takes shares now.
    #[error("shares are closed until the next round")]
    Closed,
    /// No such pickup slot for this round.
    #[error("no such pickup slot")]
    UnknownSlot,
    /// The others' shares leave only this much.
    #[error("the case is nearly full")]
    Full {
        /// What is left.
        available: Decimal,
    },
    /// The quantity is not acceptable.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// The product is not (or no longer) sold.
    #[error("this product is not sold")]
    Unavailable,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ShareError {
    /// The message key.
    pub fn message_key(&self) -> &'static str {
        match self {
            ShareError::NotShared => "share_not_shared",
            ShareError::Closed => "share_closed",
            ShareError::UnknownSlot => "slot_unknown",
            ShareError::Full { .. } => "share_full",
            ShareError::Quantity(q) => q.message_key(),
            ShareError::Unavailable => "product_unavailable",
            ShareError::Store(_) => "server_error",
        }
    }
}

impl From<CartError> for ShareError {
    fn from(e: CartError) -> Self {
        match e {
            CartError::Unavailable => ShareError::Unavailable,
            CartError::Quantity(q) => ShareError::Quantity(q),
            CartError::SharedCase => ShareError::NotShared,
            CartError::Store(s) => ShareError::Store(s),
        }
    }
}

/// The pickup slots a share of the round closing at `round_at` may be
/// collected at: those still open that start after the cut-off.
pub fn slots_for(shop: &Shop, snapshot: &Snapshot, round_at: DateTime<Utc>) -> Vec<Slot> {
    let now = Utc::now();
    slots::slots(snapshot.pickup_slots.records.values(), &shop.slot_settings(), now)
        .into_iter()
        .filter(|s| s.is_open(now) && s.start >= round_at)
        .collect()
}

/// A share as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareTaken {
    /// The customer's share now (zero: given up).
    pub quantity: Decimal,
    /// What the case's shares add up to.
    pub taken: Decimal,
    /// The case's size.
    pub size: Decimal,
}

/// Sets the customer's share of the case of variant `product_id` in the
/// current round: `quantity` (zero gives it up), collected at `slot_id`
/// (default: their slot of the round, else the first one offered).
pub async fn take_share(
    shop: &Shop,
    shelf: &Shelf<'_>,
    customer: &Customer,
    product_id: i64,
    quantity: QuantityInput<'_>,
    slot_id: Option<i64>,
) -> Result<ShareTaken, ShareError> {
    let cases = &shop.cases;
    let case = cases.case_of(product_id).ok_or(ShareError::NotShared)?;
    let quantity = cart::check_quantity(shelf, product_id, quantity, true)?;
    let snapshot = &shelf.index.snapshot;
    let now = Utc::now();
    let round_at = cases
        .round_at(snapshot, &shop.slot_settings(), now)
        .ok_or(ShareError::Closed)?;
    let offered = slots_for(shop, snapshot, round_at);
    let mine = shop
        .store
        .shares_of(customer.partner_id, round_at.timestamp())
        .await?
        .into_iter()
        .find(|s| s.round_at == round_at.timestamp());
    let slot = match slot_id {
        Some(id) => offered
            .iter()
            .find(|s| s.id == id)
            .ok_or(ShareError::UnknownSlot)?,
        None => mine
            .as_ref()
            .and_then(|s| offered.iter().find(|o| o.id == s.slot_id))
            .or_else(|| offered.first())
            .ok_or(ShareError::Closed)?,
    };
    let written = shop
        .store
        .set_share(&NewShare {
            round_at: round_at.timestamp(),
            product_id,
            partner_id: customer.partner_id,
            login: &customer.session.login,
            quantity,
            case_size: case.size,
            slot_id: slot.id,
            now: now.timestamp(),
        })
        .await?;
    // Shown at once, here; other instances see it at their next refresh.
    cases.show_now(shop, snapshot).await;
    match written {
        ShareWrite::Written { taken } => Ok(ShareTaken {
            quantity,
            taken,
            size: case.size,
        }),
        ShareWrite::Full { available } => Err(ShareError::Full { available }),
        ShareWrite::Closed => Err(ShareError::Closed),
    }
}

/// A customer's share, as they see it.
#[derive(Debug, Clone)]
pub struct ShareLine {
    /// The share.
    pub share: Share,
    /// The round's cut-off.
    pub round_closes_at: DateTime<Utc>,
    /// The product (template), if still sold.
    pub template_id: Option<i64>,
    /// Its name.
    pub name: String,
    /// The case's packaging, if still shared.
    pub packaging: Option<String>,
    /// The share priced at the customer's pricelist (as displayed), if
    /// the product is still sold.
    pub amount: Option<Decimal>,
    /// Whether it is of the current round, still open.
    pub current: bool,
    /// The pickup slot, if still known.
    pub slot: Option<Slot>,
}

/// The customer's shares of the last [`SHARES_LISTED_DAYS`], newest round
/// first, priced on `shelf`.
pub async fn shares_of(
    shop: &Shop,
    shelf: &Shelf<'_>,
    customer: &Customer,
) -> Result<Vec<ShareLine>, StoreError> {
    if !shop.cases.is_on() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let since = (now - TimeDelta::days(SHARES_LISTED_DAYS)).timestamp();
    let shares = shop.store.shares_of(customer.partner_id, since).await?;
    let shown = shop.cases.shown();
    let snapshot = &shelf.index.snapshot;
    let all_slots = slots::slots(
        snapshot.pickup_slots.records.values(),
        &SlotSettings {
            horizon: TimeDelta::days(3660),
            ..shop.slot_settings()
        },
        now - TimeDelta::days(SHARES_LISTED_DAYS),
    );
    Ok(shares
        .into_iter()
        .map(|share| {
            let sold = shelf.index.variant(share.product_id);
            let name = sold
                .map(|(v, t)| {
                    if shelf.index.variants_of(t.id).len() > 1 {
                        v.display_name.clone()
                    } else {
                        snapshot.product_name(t, shelf.lang).to_owned()
                    }
                })
                .unwrap_or_else(|| format!("#{}", share.product_id));
            let amount = shelf
                .price(share.product_id, share.quantity)
                .map(|p| shelf.displayed(&p));
            let round_closes_at = DateTime::from_timestamp(share.round_at, 0).unwrap_or_default();
            ShareLine {
                current: share.state == ShareState::Open
                    && shown
                        .round
                        .is_some_and(|r| r.open && r.closes_at == round_closes_at),
                round_closes_at,
                template_id: sold.map(|(_, t)| t.id),
                name,
                packaging: shown.of(share.product_id).map(|c| c.packaging.clone()),
                amount,
                slot: all_slots.iter().find(|s| s.id == share.slot_id).cloned(),
                share,
            }
        })
        .collect())
}

/// The key of the order of a member's shares of a round.
fn share_order_key(round_key: &str, partner_id: i64) -> String {
    format!("{SHARE_ORDER_PREFIX}{round_key}-{partner_id}")
}

/// What the keys of orders of shares start with.
const SHARE_ORDER_PREFIX: &str = "shared-";

/// Whether the order of key `key` is of shares of cases bought together
/// (the case was ordered for all its members: not cancelled by one).
pub fn is_share_order(key: &str) -> bool {
    key.starts_with(SHARE_ORDER_PREFIX)
}

/// Closes the current round now (the staff order early): its cases are
/// settled at once. Returns its cut-off, if there was a round.
pub async fn close_now(shop: &Shop) -> Result<Option<DateTime<Utc>>, StoreError> {
    let snapshot = shop.mirror.snapshot();
    let Some(round_at) = shop.cases.round_at(&snapshot, &shop.slot_settings(), Utc::now()) else {
        return Ok(None);
    };
    shop.store.close_round(round_at.timestamp()).await?;
    shop.cases.show_now(shop, &snapshot).await;
    shop.cases.wake();
    Ok(Some(round_at))
}

/// What a settlement did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// Rounds settled.
    pub rounds: usize,
    /// Orders made of shares.
    pub orders: usize,
    /// Shares dropped.
    pub dropped: usize,
}

/// Settles the rounds past their cut-off (or closed early) that no other
/// instance is settling.
pub async fn settle_due(shop: &Shop) -> Result<Settled, StoreError> {
    let mut settled = Settled::default();
    if !shop.cases.is_on() {
        return Ok(settled);
    }
    let now = Utc::now().timestamp();
    for round in shop.store.due_rounds(now).await? {
        if !shop
            .store
            .take_round(round.round_at, now, now + SETTLE_LEASE_SECS)
            .await?
        {
            continue;
        }
        match settle_round(shop, &round).await {
            Ok(done) => {
                shop.store
                    .end_round(round.round_at, true, Utc::now().timestamp(), 0)
                    .await?;
                tracing::info!(
                    round = round.round_at,
                    orders = done.orders,
                    dropped = done.dropped,
                    "a round of shared cases is settled"
                );
                settled.rounds += 1;
                settled.orders += done.orders;
                settled.dropped += done.dropped;
            }
            Err(e) => {
                tracing::warn!(round = round.round_at, error = %e, "cannot settle a round of shared cases yet");
                let now = Utc::now().timestamp();
                shop.store
                    .end_round(round.round_at, false, now, now + SETTLE_RETRY_SECS)
                    .await?;
            }
        }
    }
    if settled.orders > 0 {
        shop.outbox.wake();
    }
    if settled.rounds > 0 {
        shop.cases.show_now(shop, &shop.mirror.snapshot()).await;
    }
    Ok(settled)
}

/// Why a round could not be settled (it is tried again).
#[derive(Debug, thiserror::Error)]
enum SettleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot tell a member through Odoo: {0}")]
    Odoo(#[from] connector::Error),
    #[error("no pickup slot for {0}'s shares")]
    NoSlot(i64),
    #[error("{0}")]
    Payload(String),
}

/// Decides each case of the round, makes each member's order of what was
/// ordered, tells the members of what was dropped. Every step may be done
/// again: decided shares stay decided, orders are keyed by round and
/// member, a share told of is marked.
async fn settle_round(shop: &Shop, round: &DueRound) -> Result<Settled, SettleError> {
    let mut done = Settled::default();
    let shares = shop.store.round_shares(round.round_at).await?;
    let mut open: BTreeMap<i64, Vec<&Share>> = BTreeMap::new();
    for share in shares.iter().filter(|s| s.state == ShareState::Open) {
        open.entry(share.product_id).or_default().push(share);
    }
    let settings = &shop.settings.cases;
    let now = Utc::now().timestamp();
    for (product_id, shares) in &open {
        let taken: Decimal = shares.iter().map(|s| s.quantity).sum();
        // The size when the case was last written to.
        let size = shares
            .iter()
            .max_by_key(|s| s.updated_at)
            .map_or(Decimal::ZERO, |s| s.case_size);
        let first_slot = shares.first().map_or(0, |s| s.slot_id);
        match (taken >= size, settings.short, settings.partner) {
            (true, _, _) => {
                shop.store
                    .decide_case(round.round_at, *product_id, ShareState::Ordered, None)
                    .await?
            }
            (false, ShortCase::Complete, Some(partner)) => {
                let completion = NewShare {
                    round_at: round.round_at,
                    product_id: *product_id,
                    partner_id: partner,
                    login: "",
                    quantity: size - taken,
                    case_size: size,
                    slot_id: first_slot,
                    now,
                };
                shop.store
                    .decide_case(
                        round.round_at,
                        *product_id,
                        ShareState::Ordered,
                        Some(&completion),
                    )
                    .await?
            }
            (false, _, _) => {
                shop.store
                    .decide_case(round.round_at, *product_id, ShareState::Dropped, None)
                    .await?
            }
        }
    }
    let shares = shop.store.round_shares(round.round_at).await?;
    let mut ordered: BTreeMap<i64, Vec<&Share>> = BTreeMap::new();
    for share in shares.iter().filter(|s| s.state == ShareState::Ordered) {
        ordered.entry(share.partner_id).or_default().push(share);
    }
    let index = shop.index();
    for (partner_id, shares) in &ordered {
        let key = share_order_key(&round.round_key, *partner_id);
        if shop.store.order(&key).await?.is_none() {
            let payload = order_payload(shop, &index, *partner_id, shares)?;
            shop.store
                .reserve_order(
                    &NewOrder {
                        key: &key,
                        partner_id: *partner_id,
                        slot_id: payload.slot_id,
                        payload: &serde_json::to_string(&payload)
                            .map_err(|e| SettleError::Payload(e.to_string()))?,
                        now: Utc::now().timestamp(),
                    },
                    None,
                    0,
                    &HashSet::new(),
                )
                .await?;
            done.orders += 1;
            shop.history.forget(*partner_id);
        }
        if shares
            .iter()
            .any(|s| s.order_key.as_deref() != Some(key.as_str()))
        {
            shop.store
                .set_share_order(round.round_at, *partner_id, &key)
                .await?;
        }
    }
    if shop.settings.cases.summary && !ordered.is_empty() {
        summarize(shop, &index, round, &shares).await?;
    }
    for share in shares.iter().filter(|s| s.state == ShareState::Dropped) {
        done.dropped += 1;
        if share.told {
            continue;
        }
        if shop.settings.inform.order_mail {
            let (subject, body) = dropped_message(shop, &index, share);
            connector::cases::tell_partner(shop.odoo(), share.partner_id, &subject, &body).await?;
        }
        shop.store
            .mark_share_told(share.round_at, share.product_id, share.partner_id)
            .await?;
    }
    Ok(done)
}

/// Tells the staff, with an activity (once per round), what to order from
/// the wholesaler: each full case, who takes what, in which order.
async fn summarize(
    shop: &Shop,
    index: &CatalogIndex,
    round: &DueRound,
    shares: &[Share],
) -> Result<(), SettleError> {
    let snapshot = &index.snapshot;
    let company_partner = snapshot
        .companies
        .iter()
        .find(|c| Some(c.id) == snapshot.company_id)
        .or_else(|| snapshot.companies.first())
        .map(|c| c.partner_id.id);
    let Some(on) = shop.settings.cases.partner.or(company_partner) else {
        return Ok(());
    };
    let lang = shop.first_language(snapshot);
    let french = lang.starts_with("fr");
    let closes = DateTime::from_timestamp(round.round_at, 0)
        .unwrap_or_default()
        .with_timezone(&shop.settings.time_zone)
        .format("%Y-%m-%d %H:%M");
    let summary = if french {
        format!("Achats groupés à commander : tour clos le {closes}")
    } else {
        format!("Cases bought together to order: round closed {closes}")
    };
    let client = shop.odoo();
    if !connector::inform::activities_on(client, "res.partner", on, &summary)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let mut by_case: BTreeMap<i64, Vec<&Share>> = BTreeMap::new();
    for share in shares.iter().filter(|s| s.state == ShareState::Ordered) {
        by_case.entry(share.product_id).or_default().push(share);
    }
    let lines: Vec<String> = by_case
        .iter()
        .map(|(product_id, shares)| {
            let name = index
                .variant(*product_id)
                .map(|(_, t)| snapshot.product_name(t, &lang).to_owned())
                .unwrap_or_else(|| format!("#{product_id}"));
            let total: Decimal = shares.iter().map(|s| s.quantity).sum();
            let size = shares.first().map_or(Decimal::ONE, |s| s.case_size);
            let cases = if size.is_zero() {
                Decimal::ZERO
            } else {
                (total / size).normalize()
            };
            let members: Vec<String> = shares
                .iter()
                .map(|s| {
                    let who = snapshot
                        .partners
                        .records
                        .get(&s.partner_id)
                        .and_then(|p| p.name.clone())
                        .unwrap_or_else(|| format!("#{}", s.partner_id));
                    format!("{who} {}", crate::i18n::quantity(s.quantity, &lang))
                })
                .collect();
            let cases_word = if french { "carton(s)" } else { "case(s)" };
            format!(
                "{name}: {} {cases_word} ({}) — {}",
                crate::i18n::quantity(cases, &lang),
                crate::i18n::quantity(total, &lang),
                members.join(", ")
            )
        })
        .collect();
    connector::inform::schedule_activity(
        client,
        &connector::inform::NewActivity {
            model: "res.partner",
            res_id: on,
            user_id: shop.informer.staff_user().await?,
            summary: summary.clone(),
            note: Some(lines.join(" · ")),
            deadline: Utc::now().with_timezone(&shop.settings.time_zone).date_naive(),
        },
    )
    .await?;
    Ok(())
}

/// The order of a member's shares of a round: priced at their pricelist,
/// for the slot of their first share.
fn order_payload(
    shop: &Shop,
    index: &CatalogIndex,
    partner_id: i64,
    shares: &[&Share],
) -> Result<OrderPayload, SettleError> {
    let snapshot = &index.snapshot;
    let login = shares.iter().map(|s| s.login.as_str()).find(|l| !l.is_empty());
    let customer = member(shop, index, partner_id, login);
    let lang = shop.first_language(snapshot);
    let shelf = shop.pricing_shelf(index, &lang, &customer);
    let (lines, unsold) = cart::price_lines(&shelf, shares.iter().map(|s| (s.product_id, s.quantity)));
    if !unsold.is_empty() {
        tracing::warn!(
            partner_id,
            ?unsold,
            "shared cases no longer sold: left out of the member's order"
        );
    }
    let totals = cart::totals_of(&shelf, &lines);
    let slot_id = shares.first().map_or(0, |s| s.slot_id);
    let event = snapshot
        .pickup_slots
        .records
        .get(&slot_id)
        .ok_or(SettleError::NoSlot(partner_id))?;
    let slot_settings = SlotSettings {
        horizon: TimeDelta::days(3660),
        ..shop.slot_settings()
    };
    let slot = slots::slots(
        std::iter::once(event),
        &slot_settings,
        event.start - TimeDelta::seconds(1),
    )
    .into_iter()
    .next()
    .ok_or(SettleError::NoSlot(partner_id))?;
    let french = lang.starts_with("fr");
    let what: Vec<String> = lines
        .iter()
        .map(|l| format!("{} × {}", crate::i18n::quantity(l.quantity, &lang), l.name))
        .collect();
    let note = if french {
        format!("Achat groupé (cartons partagés) : {}", what.join(", "))
    } else {
        format!("Bought together (shared cases): {}", what.join(", "))
    };
    Ok(OrderPayload {
        partner_id,
        pricelist_id: customer.pricelist,
        company_id: snapshot.company_id,
        fiscal_position_id: customer.fiscal_position,
        fiscal_position_set: !snapshot.fiscal_positions.is_empty(),
        slot_id: slot.id,
        slot_start: slot.start,
        slot_stop: slot.stop,
        slot_label: slot.label(shop.settings.time_zone),
        place: slot.place.clone(),
        note: Some(note),
        origin: shop.name(index),
        lines: lines
            .iter()
            .map(|l| PayloadLine {
                product_id: l.product_id,
                quantity: l.quantity,
                name: l.name.clone(),
                amount: l.amount,
            })
            .collect(),
        shown_total: totals.amount_total,
        shown_untaxed: totals.amount_untaxed,
        shown_tax: totals.amount_tax,
    })
}

/// A member as the shop prices them: their portal user's partner when
/// they took shares as one, else the partner itself (the shop's own).
fn member(shop: &Shop, index: &CatalogIndex, partner_id: i64, login: Option<&str>) -> Customer {
    let snapshot = &index.snapshot;
    let by_login = login
        .and_then(|login| snapshot.customer(login))
        .filter(|(_, partner)| partner.id == partner_id)
        .map(|(user, _)| user.id);
    let partner = snapshot.partners.records.get(&partner_id);
    let pricelist = partner
        .and_then(|p| p.property_product_pricelist.as_ref())
        .map(|p| p.id)
        .filter(|id| snapshot.pricelists.records.contains_key(id))
        .or(shop.settings.default_pricelist)
        .or_else(|| snapshot.pricelists.records.keys().next().copied())
        .unwrap_or(NO_PRICELIST.0);
    Customer {
        session: SessionRecord {
            id_hash: String::new(),
            user_id: by_login.unwrap_or_default(),
            partner_id,
            login: login.unwrap_or_default().to_owned(),
            name: String::new(),
            created_at: 0,
            expires_at: 0,
        },
        partner_id,
        pricelist,
        fiscal_position: partner
            .and_then(|p| p.property_account_position_id.as_ref())
            .map(|p| p.id),
        name: partner.and_then(|p| p.name.clone()).unwrap_or_default(),
    }
}

/// What a member is told of a share dropped: a subject and an HTML body,
/// in the shop's first language.
fn dropped_message(shop: &Shop, index: &CatalogIndex, share: &Share) -> (String, String) {
    let snapshot = &index.snapshot;
    let lang = shop.first_language(snapshot);
    let name = index
        .variant(share.product_id)
        .map(|(_, t)| snapshot.product_name(t, &lang).to_owned())
        .unwrap_or_else(|| format!("#{}", share.product_id));
    let name = crate::i18n::escape_html(&name);
    let quantity = crate::i18n::quantity(share.quantity, &lang);
    let size = crate::i18n::quantity(share.case_size, &lang);
    let shop_name = crate::i18n::escape_html(&shop.name(index));
    if lang.starts_with("fr") {
        (
            format!("{shop_name} : carton partagé non complet"),
            format!(
                "<p>Le carton partagé de {name} ({size}) n'a pas été complété avant la clôture. \
                 Votre part ({quantity}) n'est pas commandée et ne vous sera pas facturée.</p>"
            ),
        )
    } else {
        (
            format!("{shop_name}: shared case not filled"),
            format!(
                "<p>The shared case of {name} ({size}) was not filled before the cut-off. \
                 Your share ({quantity}) is not ordered and will not be charged.</p>"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_says_what_is_missing() {
        let case = CaseShown {
            size: Decimal::from(6),
            taken: Decimal::from(4),
            packaging: "Carton de 6".into(),
        };
        assert_eq!(case.missing(), Decimal::from(2));
        let over = CaseShown {
            taken: Decimal::from(7),
            ..case
        };
        assert_eq!(over.missing(), Decimal::ZERO);
    }
}
