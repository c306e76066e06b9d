//! `/orders`, `/orders/{ref}`, and the cancel and re-order forms: the
//! pages of [`crate::shop::orders`].

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::http::views::{OrderLineView, OrderView, TotalsView};
use crate::http::visit::{PageError, Visit};
use crate::i18n;
use crate::shop::orders::{cancel, cancellable, find, history, reorder, slot_of, Found, OrderError};
use crate::shop::settings::TaxDisplay;

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
    let (start, stop, place) = slot_of(&visit.index, found);
    let code = found.status_code();
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
                        amount: money(match visit.shop().settings.tax_display {
                            TaxDisplay::Included => line.price_total,
                            TaxDisplay::Excluded => line.price_subtotal,
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
        can_cancel: cancellable(visit.shop(), found, start),
    }
}

fn slot_text(visit: &Visit, start: Option<DateTime<Utc>>, stop: Option<DateTime<Utc>>) -> String {
    let tz = visit.shop().settings.time_zone;
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
        let (orders, reachable) = history(visit.shop(), customer)
            .await
            .map_err(|e| page_error(&visit, e))?;
        let orders: Vec<OrderView> = orders.iter().map(|found| view(&visit, found)).collect();
        let mut context = tera::Context::new();
        let shelf = visit.pricing_shelf(customer);
        let view = visit.shelf_view(&shelf);
        let shares: Vec<_> = crate::shop::cases::shares_of(visit.shop(), &shelf, customer)
            .await
            .map_err(|e| PageError::Internal(e.into()))?
            .iter()
            .map(|s| view.share_line(s, visit.shop().settings.time_zone))
            .collect();
        context.insert("shares", &shares);
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
        let found = find(visit.shop(), customer, &path)
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
async fn cancel_submit(visit: Visit, path: web::Path<String>, form: web::Form<TokenForm>) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        if !visit.csrf_ok(&form.csrf_token) {
            return Err(PageError::Csrf);
        }
        cancel(visit.shop(), &visit.index, customer, &path)
            .await
            .map_err(|e| page_error(&visit, e))?;
        Ok(visit.redirect_with(&format!("/orders/{path}"), Some(("order_cancelled", None))))
    }
    .await;
    visit.respond(result).await
}

/// Puts an order's lines back in the cart.
#[post("/orders/{reference}/reorder")]
async fn reorder_submit(visit: Visit, path: web::Path<String>, form: web::Form<TokenForm>) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        if !visit.csrf_ok(&form.csrf_token) {
            return Err(PageError::Csrf);
        }
        let (_, skipped) = reorder(visit.shop(), &visit.pricing_shelf(customer), customer, &path)
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
