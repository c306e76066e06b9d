//! `GET /checkout` (the cart, the slots, a note) and `POST /checkout`: the
//! page of [`crate::shop::checkout`].

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::http::views::{cart_view, DayView, PlaceView, SlotView};
use crate::http::visit::{PageError, Visit};
use crate::i18n;
use crate::shop::cart;
use crate::shop::checkout::{new_key, offers, place, valid_key, CheckoutError, Offer};
use crate::shop::slots::{self, Availability, Slot};

/// The slots for the checkout page, by place and day.
pub fn slot_views(visit: &Visit, offers: &[Offer], selected: Option<i64>) -> Vec<PlaceView> {
    let tz = visit.shop().settings.time_zone;
    let slots_only: Vec<Slot> = offers.iter().map(|o| o.slot.clone()).collect();
    slots::group(&slots_only, tz)
        .into_iter()
        .map(|place| PlaceView {
            place: place.place.clone(),
            days: place
                .days
                .iter()
                .map(|day| DayView {
                    date: i18n::day(day.date, &visit.lang),
                    slots: day
                        .slots
                        .iter()
                        .filter_map(|slot| {
                            let offer = offers.iter().find(|o| o.slot.id == slot.id)?;
                            Some(slot_view(visit, offer, selected == Some(slot.id)))
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn slot_view(visit: &Visit, offer: &Offer, selected: bool) -> SlotView {
    let tz = visit.shop().settings.time_zone;
    let (date, start, stop) = slots::local_window(&offer.slot, tz);
    let closes = offer.slot.closes_at.with_timezone(&tz);
    SlotView {
        id: offer.slot.id,
        window: i18n::window(start, stop),
        text: format!("{}, {}", i18n::day(date, &visit.lang), i18n::window(start, stop)),
        remaining: match offer.availability {
            Availability::Open { remaining } => remaining,
            _ => Some(0),
        },
        full: matches!(offer.availability, Availability::Full),
        closed: matches!(offer.availability, Availability::Closed),
        closes_at: format!(
            "{} {}",
            i18n::day(closes.date_naive(), &visit.lang),
            closes.format("%H:%M")
        ),
        note: offer.slot.note.clone(),
        selected,
    }
}

/// The message of a refused checkout, in the visitor's language.
pub fn error_message(visit: &Visit, error: &CheckoutError) -> String {
    let m = visit.messages();
    match error {
        CheckoutError::BelowMinimum {
            missing,
            minimum,
            currency,
        } => {
            let money = |a: Decimal| i18n::money(a, currency, &visit.lang);
            m.format(
                "below_minimum",
                &[("missing", &money(*missing)), ("minimum", &money(*minimum))],
            )
        }
        other => m.get(other.message_key()).to_owned(),
    }
}

/// The status of a refused checkout.
pub fn status_of(e: &CheckoutError) -> StatusCode {
    match e {
        CheckoutError::SlotFull
        | CheckoutError::SlotClosed
        | CheckoutError::KeyConflict
        | CheckoutError::CartChanged
        | CheckoutError::PricesChanged => StatusCode::CONFLICT,
        CheckoutError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        CheckoutError::BadKey => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn checkout_form(
    visit: &Visit,
    status: StatusCode,
    key: &str,
    selected: Option<i64>,
    note: &str,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let customer = visit.customer()?;
    let (favorites, in_cart) = visit.favorites_and_cart(customer).await?;
    let shelf = visit.shelf(customer, &favorites, &in_cart);
    let shop = visit.shop();
    let priced = cart::priced(&shop.store, &shelf, customer, shop.settings.minimum_order)
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    if priced.is_empty() && error.is_none() {
        return Ok(visit.redirect_with("/cart", None));
    }
    let offers = offers(shop, &visit.index, false).await?;
    let mut context = tera::Context::new();
    context.insert("cart", &cart_view(&visit.shelf_view(&shelf), &priced));
    context.insert("places", &slot_views(visit, &offers, selected));
    context.insert("order_key", key);
    context.insert("note", note);
    context.insert("error", &error);
    let title = visit.messages().get("page_title_checkout").to_owned();
    Ok(visit.render(status, "checkout.html", &title, context).await)
}

/// The checkout page.
#[get("/checkout")]
async fn checkout_page(visit: Visit) -> HttpResponse {
    let result = checkout_form(&visit, StatusCode::OK, &new_key(), None, "", None).await;
    visit.respond(result).await
}

/// The checkout form, as posted.
#[derive(Debug, Deserialize)]
struct CheckoutForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    order_key: String,
    #[serde(default)]
    slot_id: String,
    #[serde(default)]
    note: String,
}

/// Places the order.
#[post("/checkout")]
async fn checkout_submit(visit: Visit, form: web::Form<CheckoutForm>) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        if !visit.csrf_ok(&form.csrf_token) {
            return Err(PageError::Csrf);
        }
        let slot = form.slot_id.trim().parse::<i64>().ok();
        let outcome = match slot {
            Some(slot) => {
                let shelf = visit.pricing_shelf(customer);
                place(
                    visit.shop(),
                    &shelf,
                    customer,
                    form.order_key.trim(),
                    slot,
                    Some(&form.note),
                )
                .await
            }
            None => Err(CheckoutError::UnknownSlot),
        };
        match outcome {
            Ok(placed) => Ok(visit.redirect_with(&format!("/orders/{}", placed.order.key), None)),
            Err(CheckoutError::Store(e)) => Err(PageError::Internal(e.into())),
            Err(e) => {
                let status = status_of(&e);
                let message = error_message(&visit, &e);
                // The same key again: a second try stays one order.
                let key = if valid_key(form.order_key.trim()) {
                    form.order_key.trim().to_owned()
                } else {
                    new_key()
                };
                checkout_form(&visit, status, &key, slot, &form.note, Some(message)).await
            }
        }
    }
    .await;
    visit.respond(result).await
}

/// The routes of checkout.
pub fn routes(config: &mut web::ServiceConfig) {
    config.service(checkout_page).service(checkout_submit);
}
