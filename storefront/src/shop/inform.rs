//! Telling customers and staff, through Odoo alone: once Odoo has an order,
//! Odoo mails the customer its confirmation (one of Odoo's mail templates,
//! posted in the order's chatter, in the customer's language) and the staff
//! get an activity on the quotation ("Web order to prepare for …"); a
//! sign-up request gets an activity too. The shop sends no mail itself.
//!
//! Orders are told from the store's queue ([`Store::due_informs`]): an
//! order that reached Odoo is due at once; a failure is tried again later,
//! and a restart loses nothing. The activity comes first and is looked up
//! before it is created; the mail, the one step Odoo cannot tell apart,
//! comes last, so that a retry sends it again only if Odoo's answer to it
//! was lost.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta, Utc};
use connector::inform::{self, MailDelivery, NewActivity};
use connector::orders::{self, ProgressTags};
use connector::{Client, ErrorKind};

use crate::shop::outbox::{backoff, OrderPayload};
use crate::shop::settings::InformSettings;
use crate::store::{InformDue, Store, StoreError};

/// How long what is looked up in Odoo (the staff member, the tags, the mail
/// template, whether Odoo sends mail) is reused.
const LOOKUP_TTL: Duration = Duration::from_secs(600);
/// How long one instance holds an order it is telling of.
const TAKE_FOR_SECS: i64 = 300;
/// Attempts before giving up on telling of one order.
const MAX_ATTEMPTS: u32 = 12;

/// Whether the customers get their order mails, as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// Not known yet: no mail asked for since the start.
    Unknown,
    /// Queued in Odoo; whether Odoo's mail cron sends them is not known
    /// yet.
    Queued,
    /// Odoo sent the last one.
    Sent,
    /// Odoo could not send the last one: it has no outgoing mail server,
    /// or cannot reach it. Orders go through all the same.
    NotSent,
    /// Odoo refused to post the last one (e.g. its PDF could not be made).
    Failing,
    /// The shop's settings turn the order mail off (`SHOP_ORDER_MAIL`).
    Off,
}

impl MailStatus {
    /// `unknown`, `queued`, `sent`, `not_sent`, `failing` or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Unknown => "unknown",
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::NotSent => "not_sent",
            MailStatus::Failing => "failing",
            MailStatus::Off => "off",
        }
    }

    /// Whether customers are known not to get their mails.
    pub fn is_off(self) -> bool {
        matches!(self, MailStatus::NotSent | MailStatus::Failing | MailStatus::Off)
    }
}

/// How often the delivery of the last mail is looked at in Odoo: while it
/// is only queued, then once known.
const MAIL_CHECK_QUEUED: Duration = Duration::from_secs(10);
const MAIL_CHECK_KNOWN: Duration = Duration::from_secs(60);

type Remembered<T> = Mutex<Option<(Instant, T)>>;

#[derive(Debug)]
struct Inner {
    settings: InformSettings,
    /// The shop's first language, for the default texts.
    lang: String,
    time_zone: chrono_tz::Tz,
    store: Store,
    client: Client,
    staff: Remembered<Option<i64>>,
    tags: Remembered<ProgressTags>,
    template: Remembered<Option<i64>>,
    series: Remembered<u32>,
    mail: Mutex<MailStatus>,
    /// The last order mailed, and when its delivery was last looked at.
    last_mailed: Mutex<Option<(i64, Option<Instant>)>>,
}

/// Tells customers and staff of orders and sign-ups, through Odoo.
#[derive(Debug, Clone)]
pub struct Informer {
    inner: Arc<Inner>,
}

impl Informer {
    /// An informer of the shop whose settings are `settings`, first language
    /// `lang`, time zone `time_zone`.
    pub fn new(
        settings: InformSettings,
        lang: &str,
        time_zone: chrono_tz::Tz,
        store: Store,
        client: Client,
    ) -> Self {
        let mail = if settings.order_mail {
            MailStatus::Unknown
        } else {
            MailStatus::Off
        };
        Self {
            inner: Arc::new(Inner {
                settings,
                lang: lang.to_owned(),
                time_zone,
                store,
                client,
                staff: Mutex::default(),
                tags: Mutex::default(),
                template: Mutex::default(),
                series: Mutex::default(),
                mail: Mutex::new(mail),
                last_mailed: Mutex::default(),
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &InformSettings {
        &self.inner.settings
    }

    /// Whether Odoo sends the order mails, as last seen.
    pub fn mail_status(&self) -> MailStatus {
        *self.inner.mail.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The ids of the tags that mark progress by hand (created in Odoo
    /// when missing, for the staff to find; remembered a while). Odoo
    /// unreachable: none.
    pub async fn progress_tags(&self) -> ProgressTags {
        let settings = &self.inner.settings;
        if settings.ready_tag.is_none() && settings.collected_tag.is_none() {
            return ProgressTags::default();
        }
        if let Some(tags) = remembered(&self.inner.tags) {
            return tags;
        }
        let client = &self.inner.client;
        match (
            find_tag(client, settings.ready_tag.as_deref()).await,
            find_tag(client, settings.collected_tag.as_deref()).await,
        ) {
            (Ok(ready), Ok(collected)) => {
                let tags = ProgressTags { ready, collected };
                remember(&self.inner.tags, tags);
                tags
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "cannot read the progress tags from Odoo");
                ProgressTags::default()
            }
        }
    }

    /// Tells of the orders that are due; how many were told.
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        self.check_mail_delivery().await;
        let now = Utc::now().timestamp();
        let mut told = 0;
        for due in self.inner.store.due_informs(now, 20).await? {
            if !self
                .inner
                .store
                .take_inform(&due.key, due.due, now + TAKE_FOR_SECS)
                .await?
            {
                continue; // Another instance tells of it.
            }
            match self.tell_order(&due).await {
                Ok(()) => {
                    self.inner.store.end_inform(&due.key, None).await?;
                    told += 1;
                }
                Err(e) => {
                    let attempts = due.attempts.saturating_add(1);
                    let away = matches!(e.kind(), ErrorKind::Transport | ErrorKind::Timeout);
                    let again = away || attempts < 3;
                    if again && attempts < MAX_ATTEMPTS {
                        tracing::warn!(attempts, error = %e, "cannot tell of an order through Odoo yet");
                        let next = now + backoff(attempts);
                        self.inner.store.end_inform(&due.key, Some(next)).await?;
                    } else {
                        tracing::error!(attempts, error = %e, "gave up telling of an order through Odoo");
                        self.inner.store.end_inform(&due.key, None).await?;
                    }
                    if away {
                        break; // The others would fail the same way.
                    }
                }
            }
        }
        Ok(told)
    }

    async fn tell_order(&self, due: &InformDue) -> Result<(), connector::Error> {
        let settings = &self.inner.settings;
        let client = &self.inner.client;
        let payload: Option<OrderPayload> = serde_json::from_str(&due.payload).ok();
        if settings.order_activity {
            let summary = self.order_summary(payload.as_ref());
            if inform::activities_on(client, "sale.order", due.odoo_id, &summary)
                .await?
                .is_empty()
            {
                let deadline = payload.as_ref().map_or_else(today, |p| {
                    let day = p.slot_start.with_timezone(&self.inner.time_zone).date_naive();
                    let before = TimeDelta::days(i64::from(settings.order_activity_days_before));
                    (day - before).max(today())
                });
                let note = payload.as_ref().and_then(|p| p.note.clone());
                let activity = NewActivity {
                    model: "sale.order",
                    res_id: due.odoo_id,
                    user_id: self.staff_user().await?,
                    summary,
                    note,
                    deadline,
                };
                inform::schedule_activity(client, &activity).await?;
            }
        }
        if settings.order_mail {
            let Some(template) = self.template().await? else {
                tracing::warn!(
                    "Odoo has no such mail template (SHOP_ORDER_MAIL_TEMPLATE): no order mail sent"
                );
                self.set_mail_status(MailStatus::Failing);
                return Ok(());
            };
            let series = self.series().await?;
            let sent = inform::send_template(client, &series, "sale.order", due.odoo_id, template).await;
            if let Err(e) = sent {
                self.set_mail_status(MailStatus::Failing);
                return Err(e);
            }
            let mut status = self.inner.mail.lock().unwrap_or_else(|e| e.into_inner());
            if matches!(*status, MailStatus::Unknown | MailStatus::Failing) {
                *status = MailStatus::Queued;
            }
            drop(status);
            *self.inner.last_mailed.lock().unwrap_or_else(|e| e.into_inner()) = Some((due.odoo_id, None));
        }
        Ok(())
    }

    fn set_mail_status(&self, status: MailStatus) {
        let before = std::mem::replace(
            &mut *self.inner.mail.lock().unwrap_or_else(|e| e.into_inner()),
            status,
        );
        if before != status {
            match status {
                MailStatus::NotSent => tracing::warn!(
                    "Odoo could not send the last order mail: it has no outgoing mail server, or cannot reach it"
                ),
                MailStatus::Failing => tracing::warn!("Odoo refused to post the last order mail"),
                _ => tracing::info!(mail = status.as_str(), "order mails"),
            }
        }
    }

    /// Looks in Odoo how the last order mail went (sent, or not for lack of
    /// a mail server), at most every [`MAIL_CHECK_QUEUED`] while it waits
    /// in Odoo's queue, every [`MAIL_CHECK_KNOWN`] once known.
    pub async fn check_mail_delivery(&self) {
        let every = match self.mail_status() {
            MailStatus::Unknown | MailStatus::Queued => MAIL_CHECK_QUEUED,
            _ => MAIL_CHECK_KNOWN,
        };
        let order = {
            let mut last = self.inner.last_mailed.lock().unwrap_or_else(|e| e.into_inner());
            match last.as_mut() {
                Some((order, checked)) if checked.is_none_or(|at| at.elapsed() >= every) => {
                    *checked = Some(Instant::now());
                    *order
                }
                _ => return,
            }
        };
        match inform::mail_delivery(&self.inner.client, "sale.order", order).await {
            Ok(Some(MailDelivery::Sent)) => self.set_mail_status(MailStatus::Sent),
            Ok(Some(MailDelivery::Failed { no_server: true })) => self.set_mail_status(MailStatus::NotSent),
            // Queued still, or refused by one recipient's address only.
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "cannot tell how the last order mail went"),
        }
    }

    async fn series(&self) -> Result<String, connector::Error> {
        if let Some(major) = remembered(&self.inner.series) {
            return Ok(format!("{major}.0"));
        }
        let version = self.inner.client.version().await?;
        let major = version
            .server_serie
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        remember(&self.inner.series, major);
        Ok(format!("{major}.0"))
    }

    /// Puts an activity for the staff on a new sign-up request (partner
    /// `partner_id`); a failure is logged, the request stands.
    pub async fn tell_signup(&self, partner_id: i64, name: &str) {
        let settings = &self.inner.settings;
        if !settings.signup_activity {
            return;
        }
        let summary = match self.inner.lang.split('_').next() {
            Some("fr") => format!("Demande d'inscription à la boutique en ligne : {name}"),
            _ => format!("Web shop sign-up request: {name}"),
        };
        let result = async {
            let activity = NewActivity {
                model: "res.partner",
                res_id: partner_id,
                user_id: self.staff_user().await?,
                summary,
                note: None,
                deadline: today() + TimeDelta::days(i64::from(settings.signup_activity_days)),
            };
            inform::schedule_activity(&self.inner.client, &activity).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot put a sign-up request in the staff's activities");
        }
    }

    fn order_summary(&self, payload: Option<&OrderPayload>) -> String {
        let slot = payload.map(|p| p.slot_label.as_str()).unwrap_or_default();
        let place = payload.map(|p| p.place.as_str()).unwrap_or_default();
        let summary = match &self.inner.settings.order_activity_summary {
            Some(text) => text.clone(),
            None => match self.inner.lang.split('_').next() {
                Some("fr") => "Commande web à préparer pour {slot}".to_owned(),
                _ => "Web order to prepare for {slot}".to_owned(),
            },
        };
        summary.replace("{slot}", slot).replace("{place}", place)
    }

    /// The staff member who gets the activities (`SHOP_STAFF`), if found.
    pub async fn staff_user(&self) -> Result<Option<i64>, connector::Error> {
        if let Some(user) = remembered(&self.inner.staff) {
            return Ok(user);
        }
        let user = inform::staff_user(&self.inner.client, &self.inner.settings.staff).await?;
        if user.is_none() {
            tracing::warn!(
                "no staff member found for the activities (SHOP_STAFF): they go to the technical user"
            );
        }
        remember(&self.inner.staff, user);
        Ok(user)
    }

    async fn template(&self) -> Result<Option<i64>, connector::Error> {
        if let Some(template) = remembered(&self.inner.template) {
            return Ok(template);
        }
        let reference = self.inner.settings.order_mail_template.as_deref();
        let template = inform::order_template(&self.inner.client, reference).await?;
        remember(&self.inner.template, template);
        Ok(template)
    }
}

async fn find_tag(client: &Client, name: Option<&str>) -> Result<Option<i64>, connector::Error> {
    match name {
        Some(name) => orders::ensure_tag(client, name).await.map(Some),
        None => Ok(None),
    }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn remembered<T: Copy>(slot: &Remembered<T>) -> Option<T> {
    match *slot.lock().unwrap_or_else(|e| e.into_inner()) {
        Some((at, value)) if at.elapsed() < LOOKUP_TTL => Some(value),
        _ => None,
    }
}

fn remember<T>(slot: &Remembered<T>, value: T) {
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), value));
}
