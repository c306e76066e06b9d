//! A customer's orders: those Odoo has (read from Odoo, cached briefly) and
//! those received but not yet in Odoo (from the outbox); one order's page;
//! cancelling before the slot's cut-off; ordering the same again.
//!
//! An order is named in URLs by its key (`client_order_ref`), or `so-<id>`
//! for an order made in Odoo without one. A customer only ever finds their
//! own: anyone else's answers "not found".

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use connector::orders::{self, PlacedOrder};
use connector::records::{SaleOrder, SaleOrderState};
use rust_decimal::Decimal;

use crate::cart::{self, QuantityInput};
use crate::checkout::{self, valid_key};
use crate::i18n;
use crate::outbox::OrderPayload;
use crate::store::{OrderState, OutboxOrder, StoreError};
use crate::views::{OrderLineView, OrderView, TotalsView};
use crate::visit::{Customer, Visit};

/// How long a customer's order list from Odoo is reused.
const HISTORY_TTL: Duration = Duration::from_secs(30);
/// How many orders the history shows.
const HISTORY_LIMIT: u32 = 50;

/// A customer's orders as read from Odoo, and when.
type Cached = (Instant, Arc<Vec<SaleOrder>>);

/// Customers' orders read from Odoo, remembered briefly.
#[derive(Debug, Default)]
pub struct History {
    cache: Mutex<HashMap<i64, Cached>>,
}

impl History {
    async fn orders(&self, visit: &Visit, partner_id: i64) -> Result<Arc<Vec<SaleOrder>>, connector::Error> {
        if let Some((at, orders)) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&partner_id)
        {
            if at.elapsed() < HISTORY_TTL {
                return Ok(orders.clone());
            }
        }
        let orders = Arc::new(orders::orders_of(visit.state.odoo(), partner_id, HISTORY_LIMIT).await?);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(partner_id, (Instant::now(), orders.clone()));
        Ok(orders)
    }

    /// Forgets a customer's list (they ordered or cancelled).
    pub fn forget(&self, partner_id: i64) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&partner_id);
    }
}

/// Why an order action failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// No such order of this customer.
    #[error("no such order")]
    NotFound,
    /// Past the slot's cut-off, or already confirmed or cancelled.
    #[error("this order can no longer be cancelled")]
    NotCancellable,
    /// Odoo could not be asked.
    #[error(transparent)]
    Odoo(#[from] connector::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One order of the customer, from wherever it is known.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its reference.
    pub reference: String,
    /// The outbox's record, if it was ordered in this shop.
    pub local: Option<OutboxOrder>,
    /// What was ordered, if ordered in this shop.
    pub payload: Option<OrderPayload>,
    /// Odoo's order, when Odoo has it and answered.
    pub odoo: Option<PlacedOrder>,
}

fn payload_of(order: &OutboxOrder) -> Option<OrderPayload> {
    serde_json::from_str(&order.payload).ok()
}

/// Finds order `reference` of `customer`.
pub async fn find(visit: &Visit, customer: &Customer, reference: &str) -> Result<Found, OrderError> {
    let client = visit.state.odoo();
    if let Some(id) = reference
        .strip_prefix("so-")
        .and_then(|id| id.parse::<i64>().ok())
    {
        if id <= 0 {
            return Err(OrderError::NotFound);
        }
        // Odoo leaves a record that is not there out of a read: "not
        // found", not "Odoo is away".
        let placed = orders::read(client, id).await?.ok_or(OrderError::NotFound)?;
        if placed.order.partner_id.id != customer.partner_id {
            return Err(OrderError::NotFound);
        }
        // The shop's own order, when it has its key (else a quotation the
        // staff made: read-only here).
        let local = match placed
            .order
            .client_order_ref
            .as_deref()
            .filter(|key| valid_key(key))
        {
            Some(key) => visit
                .state
                .store
                .order(key)
                .await?
                .filter(|local| local.partner_id == customer.partner_id && local.odoo_id == Some(id)),
            None => None,
        };
        return Ok(Found {
            reference: reference.to_owned(),
            payload: local.as_ref().and_then(payload_of),
            local,
            odoo: Some(placed),
        });
    }
    if !valid_key(reference) {
        return Err(OrderError::NotFound);
    }
    let local = visit.state.store.order(reference).await?;
    if let Some(local) = &local {
        if local.partner_id != customer.partner_id {
            return Err(OrderError::NotFound);
        }
    }
    let odoo = match local.as_ref().map(|l| (l.state, l.odoo_id)) {
        Some((OrderState::Sent | OrderState::Cancelled, Some(id))) => match orders::read(client, id).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read an order from Odoo");
                None
            }
        },
        Some(_) => None,
        None => {
            let order = orders::find_by_key(client, reference)
                .await?
                .ok_or(OrderError::NotFound)?;
            if order.partner_id.id != customer.partner_id {
                return Err(OrderError::NotFound);
            }
            orders::read(client, order.id).await?
        }
    };
    if let Some(placed) = &odoo {
        if placed.order.partner_id.id != customer.partner_id {
            return Err(OrderError::NotFound);
        }
    }
    Ok(Found {
        reference: reference.to_owned(),
        payload: local.as_ref().and_then(payload_of),
        local,
        odoo,
    })
}

fn state_code(found: &Found) -> &'static str {
    match (&found.odoo, found.local.as_ref().map(|l| l.state)) {
        (Some(placed), _) => sale_state_code(placed.order.state),
        (None, Some(OrderState::Pending)) => "pending",
        (None, Some(OrderState::Failed)) => "failed",
        (None, Some(OrderState::Cancelled)) => "cancel",
        (None, Some(OrderState::Sent)) => "sent_unreadable",
        (None, None) => "pending",
    }
}

fn sale_state_code(state: SaleOrderState) -> &'static str {
    match state {
        SaleOrderState::Draft => "draft",
        SaleOrderState::Sent => "sent",
        SaleOrderState::Sale => "sale",
        SaleOrderState::Done => "done",
        SaleOrderState::Cancel => "cancel",
        _ => "sale",
    }
}

/// When the order is to be collected, and where.
fn slot_of(visit: &Visit, found: &Found) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>, String) {
    if let Some(p) = &found.payload {
        return (Some(p.slot_start), Some(p.slot_stop), p.place.clone());
    }
    let start = found.odoo.as_ref().and_then(|p| p.order.commitment_date);
    slot_at(visit, start)
}

fn slot_at(
    visit: &Visit,
    start: Option<DateTime<Utc>>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>, String) {
    let event = start.and_then(|s| {
        visit
            .index
            .snapshot
            .pickup_slots
            .records
            .values()
            .find(|e| e.start == s)
    });
    (
        start,
        event.map(|e| e.stop),
        event.and_then(|e| e.location.clone()).unwrap_or_default(),
    )
}

fn slot_text(visit: &Visit, start: Option<DateTime<Utc>>, stop: Option<DateTime<Utc>>) -> String {
    let tz = visit.state.settings.shop.time_zone;
    match (start, stop) {
        (Some(start), Some(stop)) => {
            let (s, e) = (start.with_timezone(&tz), stop.with_timezone(&tz));
            format!(
                "{}, {}",
                i18n::day(s.date_naive(), &visit.lang),
                i18n::window(s.time(), e.time())
            )
        }
        (Some(start), None) => {
            let s = start.with_timezone(&tz);
            format!(
                "{}, {}",
                i18n::day(s.date_naive(), &visit.lang),
                s.format("%H:%M")
            )
        }
        _ => String::new(),
    }
}

/// Whether the customer may still cancel: only an order the shop made for
/// them (it has it under its key), before its slot's cut-off. A quotation
/// the staff made is read-only here.
fn cancellable(visit: &Visit, found: &Found, start: Option<DateTime<Utc>>) -> bool {
    if found.local.is_none() {
        return false;
    }
    let open = start.is_some_and(|s| Utc::now() < checkout::closes_at(&visit.state, s));
    let state_ok = match (&found.odoo, found.local.as_ref().map(|l| l.state)) {
        (Some(placed), _) => matches!(placed.order.state, SaleOrderState::Draft | SaleOrderState::Sent),
        (None, Some(OrderState::Pending | OrderState::Failed)) => true,
        _ => false,
    };
    open && state_ok
}

/// The page of an order.
pub fn view(visit: &Visit, found: &Found) -> OrderView {
    // In the order's currency: its pricelist's.
    let pricelist = found
        .odoo
        .as_ref()
        .and_then(|placed| placed.order.pricelist_id.as_ref().map(|p| p.id))
        .or_else(|| found.payload.as_ref().map(|p| p.pricelist_id));
    let currency = pricelist.map_or(&visit.index.currency, |id| visit.index.currency_of(id));
    let money = |a: Decimal| i18n::money(a, currency, &visit.lang);
    let (start, stop, place) = slot_of(visit, found);
    let code = state_code(found);
    let (lines, totals) = match (&found.odoo, &found.payload) {
        (Some(placed), _) => (
            placed
                .lines
                .iter()
                .filter_map(|line| {
                    let product = line.product_id.as_ref()?;
                    let (name, unit) = match visit.index.variant(product.id) {
                        Some((_, t)) => (
                            visit.index.snapshot.product_name(t, &visit.lang).to_owned(),
                            Some(visit.index.unit(t)),
                        ),
                        None => (product.name.clone(), None),
                    };
                    let quantity = i18n::quantity(line.product_uom_qty, &visit.lang);
                    let unit = unit
                        .map(|u| u.name.unwrap_or_else(|| visit.messages().get("unit").to_owned()))
                        .unwrap_or_default();
                    Some(OrderLineView {
                        name,
                        quantity: format!("{quantity} {unit}").trim().to_owned(),
                        amount: money(match visit.state.settings.shop.tax_display {
                            crate::settings::TaxDisplay::Included => line.price_total,
                            crate::settings::TaxDisplay::Excluded => line.price_subtotal,
                        }),
                    })
                })
                .collect(),
            TotalsView {
                untaxed: money(placed.order.amount_untaxed),
                tax: money(placed.order.amount_tax),
                total: money(placed.order.amount_total),
            },
        ),
        (None, Some(payload)) => (
            payload
                .lines
                .iter()
                .map(|line| OrderLineView {
                    name: line.name.clone(),
                    quantity: i18n::quantity(line.quantity, &visit.lang),
                    amount: money(line.amount),
                })
                .collect(),
            TotalsView {
                untaxed: money(payload.shown_untaxed),
                tax: money(payload.shown_tax),
                total: money(payload.shown_total),
            },
        ),
        (None, None) => (
            Vec::new(),
            TotalsView {
                untaxed: String::new(),
                tax: String::new(),
                total: String::new(),
            },
        ),
    };
    OrderView {
        reference: found.reference.clone(),
        url: format!("/orders/{}", found.reference),
        name: found
            .odoo
            .as_ref()
            .map(|p| p.order.name.clone())
            .or_else(|| found.local.as_ref().and_then(|l| l.odoo_name.clone())),
        state: visit.messages().get(&format!("order_state_{code}")).to_owned(),
        state_code: code.to_owned(),
        place,
        slot: slot_text(visit, start, stop),
        lines,
        totals,
        pending: found.odoo.is_none() && matches!(code, "pending" | "sent_unreadable"),
        can_cancel: cancellable(visit, found, start),
    }
}

/// The customer's orders, newest first; `false` when Odoo could not be read
/// (then only the orders not yet in Odoo are listed).
pub async fn history(visit: &Visit, customer: &Customer) -> Result<(Vec<OrderView>, bool), OrderError> {
    let local = visit
        .state
        .store
        .orders_of(customer.partner_id, HISTORY_LIMIT)
        .await?;
    let (odoo, reachable) = match visit.state.history.orders(visit, customer.partner_id).await {
        Ok(orders) => (orders, true),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read a customer's orders from Odoo");
            (Arc::new(Vec::new()), false)
        }
    };
    let in_odoo: HashSet<&str> = odoo
        .iter()
        .filter_map(|o| o.client_order_ref.as_deref())
        .collect();
    let mut views = Vec::new();
    // Orders received and not yet in Odoo come first: they are the newest.
    for order in local.iter().filter(|o| !in_odoo.contains(o.key.as_str())) {
        if order.state == OrderState::Sent && reachable {
            continue; // In Odoo under another partner, or deleted there.
        }
        let found = Found {
            reference: order.key.clone(),
            local: Some(order.clone()),
            payload: payload_of(order),
            odoo: None,
        };
        views.push(view(visit, &found));
    }
    let local_by_key: HashMap<&str, &OutboxOrder> = local.iter().map(|o| (o.key.as_str(), o)).collect();
    for order in odoo.iter() {
        let reference = match order.client_order_ref.as_deref().filter(|k| valid_key(k)) {
            Some(key) => key.to_owned(),
            None => format!("so-{}", order.id),
        };
        let local = local_by_key.get(reference.as_str()).map(|o| (*o).clone());
        let found = Found {
            reference,
            payload: local.as_ref().and_then(payload_of),
            local,
            odoo: Some(PlacedOrder {
                order: order.clone(),
                lines: Vec::new(),
            }),
        };
        views.push(view(visit, &found));
    }
    Ok((views, reachable))
}

/// Cancels order `reference` before its slot's cut-off.
pub async fn cancel(visit: &Visit, customer: &Customer, reference: &str) -> Result<(), OrderError> {
    let found = find(visit, customer, reference).await?;
    let (start, _, _) = slot_of(visit, &found);
    if !cancellable(visit, &found, start) {
        return Err(OrderError::NotCancellable);
    }
    let now = Utc::now().timestamp();
    if let Some(placed) = &found.odoo {
        orders::cancel(visit.state.odoo(), placed.order.id).await?;
    }
    if let Some(local) = &found.local {
        if !visit.state.store.mark_cancelled(&local.key, now).await? && found.odoo.is_none() {
            return Err(OrderError::NotCancellable);
        }
    }
    visit.state.history.forget(customer.partner_id);
    visit.state.slot_book.forget();
    Ok(())
}

/// Puts the lines of order `reference` into the cart; returns the names of
/// the products skipped because they are no longer sold.
pub async fn reorder(
    visit: &Visit,
    customer: &Customer,
    reference: &str,
) -> Result<(usize, Vec<String>), OrderError> {
    let found = find(visit, customer, reference).await?;
    let lines: Vec<(i64, Decimal, String)> = match (&found.odoo, &found.payload) {
        (Some(placed), _) => placed
            .lines
            .iter()
            .filter_map(|l| {
                let p = l.product_id.as_ref()?;
                Some((p.id, l.product_uom_qty, p.name.clone()))
            })
            .collect(),
        (None, Some(payload)) => payload
            .lines
            .iter()
            .map(|l| (l.product_id, l.quantity, l.name.clone()))
            .collect(),
        (None, None) => Vec::new(),
    };
    let shelf = visit.pricing_shelf(customer);
    let mut added = 0;
    let mut skipped = Vec::new();
    for (product_id, quantity, name) in lines {
        match cart::add(
            &visit.state.store,
            &shelf,
            customer,
            product_id,
            QuantityInput::Number(quantity),
        )
        .await
        {
            Ok(_) => added += 1,
            Err(cart::CartError::Store(e)) => return Err(e.into()),
            Err(_) => skipped.push(name),
        }
    }
    Ok((added, skipped))
}

mod handlers {
    //! `/orders`, `/orders/{ref}`, and the cancel and re-order forms.

    use actix_web::http::StatusCode;
    use actix_web::{get, post, web, HttpResponse};
    use serde::Deserialize;

    use super::{cancel, find, history, reorder, view, OrderError};
    use crate::visit::{PageError, Visit};

    fn page_error(visit: &Visit, e: OrderError) -> PageError {
        match e {
            OrderError::NotFound => PageError::NotFound,
            OrderError::NotCancellable => {
                PageError::BadRequest(visit.messages().get("order_not_cancellable").to_owned())
            }
            OrderError::Odoo(e) => {
                tracing::warn!(error = %e, "cannot reach Odoo for an order");
                PageError::Unavailable
            }
            OrderError::Store(e) => PageError::Internal(e.into()),
        }
    }

    /// The customer's orders.
    #[get("/orders")]
    async fn orders_page(visit: Visit) -> HttpResponse {
        let result = async {
            let customer = visit.customer()?;
            let (orders, reachable) = history(&visit, customer)
                .await
                .map_err(|e| page_error(&visit, e))?;
            let mut context = tera::Context::new();
            context.insert("orders", &orders);
            context.insert("odoo_unavailable", &!reachable);
            let title = visit.messages().get("page_title_orders").to_owned();
            Ok(visit.render(StatusCode::OK, "orders.html", &title, context).await)
        }
        .await;
        visit.respond(result).await
    }

    /// One order.
    #[get("/orders/{reference}")]
    async fn order_page(visit: Visit, path: web::Path<String>) -> HttpResponse {
        let result = async {
            let customer = visit.customer()?;
            let found = find(&visit, customer, &path)
                .await
                .map_err(|e| page_error(&visit, e))?;
            let order = view(&visit, &found);
            let mut context = tera::Context::new();
            let title = order
                .name
                .clone()
                .unwrap_or_else(|| visit.messages().get("page_title_order").to_owned());
            context.insert("order", &order);
            Ok(visit.render(StatusCode::OK, "order.html", &title, context).await)
        }
        .await;
        visit.respond(result).await
    }

    #[derive(Debug, Deserialize)]
    struct TokenForm {
        #[serde(default)]
        csrf_token: String,
    }

    /// Cancels an order.
    #[post("/orders/{reference}/cancel")]
    async fn cancel_submit(
        visit: Visit,
        path: web::Path<String>,
        form: web::Form<TokenForm>,
    ) -> HttpResponse {
        let result = async {
            let customer = visit.customer()?;
            if !visit.csrf_ok(&form.csrf_token) {
                return Err(PageError::Csrf);
            }
            cancel(&visit, customer, &path)
                .await
                .map_err(|e| page_error(&visit, e))?;
            Ok(visit.redirect_with(&format!("/orders/{path}"), Some(("order_cancelled", None))))
        }
        .await;
        visit.respond(result).await
    }

    /// Puts an order's lines back in the cart.
    #[post("/orders/{reference}/reorder")]
    async fn reorder_submit(
        visit: Visit,
        path: web::Path<String>,
        form: web::Form<TokenForm>,
    ) -> HttpResponse {
        let result = async {
            let customer = visit.customer()?;
            if !visit.csrf_ok(&form.csrf_token) {
                return Err(PageError::Csrf);
            }
            let (_, skipped) = reorder(&visit, customer, &path)
                .await
                .map_err(|e| page_error(&visit, e))?;
            let flash = if skipped.is_empty() {
                ("reordered", None)
            } else {
                (
                    "reorder_skipped",
                    Some(i64::try_from(skipped.len()).unwrap_or(i64::MAX)),
                )
            };
            Ok(visit.redirect_with("/cart", Some(flash)))
        }
        .await;
        visit.respond(result).await
    }

    /// The routes of orders.
    pub fn routes(config: &mut web::ServiceConfig) {
        config
            .service(orders_page)
            .service(order_page)
            .service(cancel_submit)
            .service(reorder_submit);
    }
}

pub use handlers::routes;
