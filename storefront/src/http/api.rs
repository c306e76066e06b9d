//! The JSON API under `/api/v1`: the same flows as the pages (session,
//! categories, products with search and paging, one product, cart,
//! favorites), described by `/api/v1/openapi.json`. Money is a decimal
//! string. State-changing calls need the session's token in `X-CSRF-Token`
//! (from `GET /api/v1/session`), like the forms.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, post, put, web, HttpResponse};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::http::account::{client_address, login_status, new_session_cookie};
use crate::http::views::{cart_view, ShelfView, PAGE_SIZE};
use crate::http::visit::Visit;
use crate::shop::account::{self, LoginError};
use crate::shop::cart::{self, CartError, QuantityInput};
use crate::shop::settings::TaxDisplay;
use crate::shop::Customer;

/// The OpenAPI document.
pub const OPENAPI: &str = include_str!("openapi.json");
/// The CSRF header.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest page size.
const MAX_PER_PAGE: usize = 100;

/// A refused API call.
#[derive(Debug)]
pub enum ApiError {
    /// Not logged in.
    Unauthorized,
    /// No valid CSRF token.
    Csrf,
    /// No such thing (or not the customer's).
    NotFound,
    /// A wrong request: a code and a message.
    BadRequest(&'static str, String),
    /// Too many tries: seconds to wait.
    Throttled(String, i64),
    /// Refused with this status, code and message (a login refused, a
    /// slot full...).
    Refused(StatusCode, &'static str, String),
    /// No catalog yet.
    Unavailable(String),
    /// Anything else (logged).
    Internal(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError::Internal(e.into())
    }
}

/// Answers an API error as JSON: `{"error": {"code", "message"}}`.
pub fn error_response(visit: &Visit, error: ApiError) -> HttpResponse {
    let m = visit.messages();
    let (status, code, message) = match error {
        ApiError::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            "login_required",
            m.get("login_required").to_owned(),
        ),
        ApiError::Csrf => (
            StatusCode::FORBIDDEN,
            "csrf_failed",
            m.get("csrf_failed").to_owned(),
        ),
        ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", m.get("not_found").to_owned()),
        ApiError::BadRequest(code, message) => (StatusCode::UNPROCESSABLE_ENTITY, code, message),
        ApiError::Throttled(message, seconds) => {
            return HttpResponse::TooManyRequests()
                .insert_header((header::RETRY_AFTER, seconds.to_string()))
                .json(json!({"error": {"code": "login_throttled", "message": message}}));
        }
        ApiError::Refused(status, code, message) => (status, code, message),
        ApiError::Unavailable(message) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", message),
        ApiError::Internal(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                path = visit.request.path(),
                "an API call failed"
            );
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                m.get("server_error").to_owned(),
            )
        }
    };
    HttpResponse::build(status).json(json!({"error": {"code": code, "message": message}}))
}

fn respond(visit: &Visit, result: Result<HttpResponse, ApiError>) -> HttpResponse {
    match result {
        Ok(r) => r,
        Err(e) => error_response(visit, e),
    }
}

fn customer(visit: &Visit) -> Result<&Customer, ApiError> {
    if visit.index.snapshot.synced_at.is_none() {
        return Err(ApiError::Unavailable(
            visit.messages().get("odoo_unavailable").to_owned(),
        ));
    }
    visit.customer.as_ref().ok_or(ApiError::Unauthorized)
}

fn check_csrf(visit: &Visit) -> Result<(), ApiError> {
    let token = visit
        .request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if visit.csrf_ok(token) {
        Ok(())
    } else {
        Err(ApiError::Csrf)
    }
}

fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

/// The OpenAPI document.
#[get("/api/v1/openapi.json")]
async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

#[derive(Debug, Serialize)]
struct SessionJson {
    authenticated: bool,
    csrf_token: String,
    lang: String,
    customer: Option<CustomerJson>,
}

#[derive(Debug, Serialize)]
struct CustomerJson {
    name: String,
    login: String,
    pricelist_id: i64,
}

fn session_json(visit: &Visit, csrf_token: String, customer: Option<&Customer>) -> SessionJson {
    SessionJson {
        authenticated: customer.is_some(),
        csrf_token,
        lang: visit.lang.clone(),
        customer: customer.map(|c| CustomerJson {
            name: c.name.clone(),
            login: c.session.login.clone(),
            pricelist_id: c.pricelist,
        }),
    }
}

/// Who is asking, and the CSRF token for the calls that change something.
#[get("/api/v1/session")]
async fn get_session(visit: Visit) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(session_json(
            &visit,
            visit.session.csrf_token().to_owned(),
            visit.customer.as_ref(),
        ))
}

/// Credentials.
#[derive(Debug, Deserialize)]
struct LoginJson {
    login: String,
    password: String,
}

/// Logs in; the answer carries the new session's CSRF token.
#[post("/api/v1/session")]
async fn create_session(visit: Visit, body: web::Json<LoginJson>) -> HttpResponse {
    let result = async {
        check_csrf(&visit)?;
        match account::log_in(
            visit.shop(),
            &visit.index,
            &client_address(&visit),
            &body.login,
            &body.password,
        )
        .await
        {
            Ok((id, record)) => {
                let csrf = visit.state.key.csrf_token(&id);
                let customer = visit.shop().customer_of(&visit.index, record);
                Ok(HttpResponse::Ok()
                    .cookie(new_session_cookie(&visit.state, &id, true))
                    .json(session_json(&visit, csrf, customer.as_ref())))
            }
            Err(e) => {
                let m = visit.messages();
                Err(match e {
                    LoginError::Throttled(seconds) => ApiError::Throttled(
                        m.format("login_throttled", &[("seconds", &seconds.to_string())]),
                        seconds,
                    ),
                    LoginError::Store(e) => ApiError::Internal(e.into()),
                    other => ApiError::Refused(
                        login_status(&other),
                        other.message_key(),
                        m.get(other.message_key()).to_owned(),
                    ),
                })
            }
        }
    }
    .await;
    respond(&visit, result)
}

/// Logs out.
#[delete("/api/v1/session")]
async fn delete_session(visit: Visit) -> HttpResponse {
    let result = async {
        check_csrf(&visit)?;
        let hash = account::log_out(visit.shop(), visit.session.id()).await?;
        visit.state.sessions.invalidate(&hash).await;
        let id = crate::store::ids::random_id();
        Ok(HttpResponse::NoContent()
            .cookie(new_session_cookie(&visit.state, &id, false))
            .finish())
    }
    .await;
    respond(&visit, result)
}

#[derive(Debug, Serialize)]
struct CategoryJson {
    id: i64,
    name: String,
    parent_id: Option<i64>,
    product_count: usize,
    children: Vec<i64>,
}

/// The category tree (categories with products), roots first.
#[get("/api/v1/categories")]
async fn list_categories(visit: Visit) -> HttpResponse {
    let result = async {
        customer(&visit)?;
        let index = &visit.index;
        let mut out = Vec::new();
        let mut stack: Vec<i64> = index.roots().iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            let count = index.products_in(id).len();
            if count == 0 {
                continue;
            }
            let children: Vec<i64> = index
                .children(id)
                .iter()
                .copied()
                .filter(|c| !index.products_in(*c).is_empty())
                .collect();
            stack.extend(children.iter().rev());
            out.push(CategoryJson {
                id,
                name: index.category_name(id, &visit.lang),
                parent_id: index.parent(id),
                product_count: count,
                children,
            });
        }
        Ok(HttpResponse::Ok().json(json!({ "categories": out })))
    }
    .await;
    respond(&visit, result)
}

#[derive(Debug, Serialize)]
struct PriceJson {
    amount: Decimal,
    currency: String,
    text: String,
    taxes_included: bool,
}

#[derive(Debug, Serialize)]
struct ProductJson {
    id: i64,
    name: String,
    url: String,
    image_url: String,
    unit: String,
    decimal_quantities: bool,
    quantity_step: Decimal,
    price: PriceJson,
    reference_price: Option<String>,
    variant_id: Option<i64>,
    favorite: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability: Option<crate::http::views::AvailabilityView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shared_case: Option<crate::http::views::SharedCaseView>,
}

fn price_json(shelf: &ShelfView<'_>, amount: Decimal) -> PriceJson {
    let view = shelf.price_view(amount);
    PriceJson {
        amount: view.value.parse().unwrap_or(amount),
        currency: shelf.shelf.currency().code.clone(),
        text: view.text,
        taxes_included: shelf.shelf.tax_display == TaxDisplay::Included,
    }
}

fn product_json(shelf: &ShelfView<'_>, id: i64) -> Option<ProductJson> {
    let card = shelf.card(id)?;
    let template = shelf.shelf.index.template(id)?;
    let rule = shelf.shelf.index.quantity_rule(template);
    Some(ProductJson {
        id,
        name: card.name,
        url: card.url,
        image_url: card.image_url,
        unit: card.unit,
        decimal_quantities: rule.decimal,
        quantity_step: rule.step(),
        price: price_json(shelf, card.price.value.parse().unwrap_or_default()),
        reference_price: card.reference_price,
        variant_id: card.variant_id,
        favorite: card.favorite,
        availability: card.availability,
        shared_case: card.shared_case,
    })
}

/// `?category=&q=&page=&per_page=`.
#[derive(Debug, Deserialize)]
struct ProductsQuery {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    per_page: Option<String>,
}

fn number_param(
    visit: &Visit,
    name: &'static str,
    text: Option<&str>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "invalid_parameter",
                    visit
                        .messages()
                        .format("parameter_invalid", &[("name", name), ("max", &max.to_string())]),
                )
            }),
    }
}

/// Products: of a category, matching a search, or all; a page at a time.
#[get("/api/v1/products")]
async fn list_products(visit: Visit, query: web::Query<ProductsQuery>) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        let page = number_param(&visit, "page", query.page.as_deref(), 1, 1_000_000)?;
        let per_page = number_param(
            &visit,
            "per_page",
            query.per_page.as_deref(),
            PAGE_SIZE,
            MAX_PER_PAGE,
        )?;
        let index = &visit.index;
        let in_category: Option<&[i64]> =
            match query.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                Some(c) => {
                    let id = c
                        .parse::<i64>()
                        .ok()
                        .filter(|id| index.has_category(*id))
                        .ok_or_else(|| {
                            ApiError::BadRequest(
                                "unknown_category",
                                visit.messages().get("category_unknown").to_owned(),
                            )
                        })?;
                    Some(index.products_in(id))
                }
                None => None,
            };
        let ids: Vec<i64> = match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                let q: String = q.chars().take(200).collect();
                let allowed: Option<std::collections::HashSet<i64>> =
                    in_category.map(|ids| ids.iter().copied().collect());
                index
                    .snapshot
                    .search
                    .search_filtered(&q, &visit.lang, 480, |id| {
                        allowed.as_ref().is_none_or(|a| a.contains(&id))
                    })
                    .into_iter()
                    .map(|h| h.id)
                    .collect()
            }
            None => in_category.unwrap_or(index.all_products()).to_vec(),
        };
        let (favorites, cart) = visit.favorites_and_cart(customer).await.map_err(page_error)?;
        let shelf = visit.shelf(customer, &favorites, &cart);
        let shelf = visit.shelf_view(&shelf);
        let total = ids.len();
        let pages = total.div_ceil(per_page).max(1);
        let start = (page - 1).saturating_mul(per_page).min(total);
        let end = (start + per_page).min(total);
        let items: Vec<ProductJson> = ids[start..end]
            .iter()
            .filter_map(|id| product_json(&shelf, *id))
            .collect();
        Ok(HttpResponse::Ok().json(json!({
            "products": items,
            "page": page,
            "per_page": per_page,
            "pages": pages,
            "total": total,
        })))
    }
    .await;
    respond(&visit, result)
}

fn page_error(e: crate::http::visit::PageError) -> ApiError {
    match e {
        crate::http::visit::PageError::Internal(e) => ApiError::Internal(e),
        other => ApiError::Internal(anyhow::anyhow!("{other:?}")),
    }
}

/// One product, with its description and variants.
#[get("/api/v1/products/{id}")]
async fn get_product(visit: Visit, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        let id = parse_id(&path)?;
        let (favorites, cart) = visit.favorites_and_cart(customer).await.map_err(page_error)?;
        let shelf = visit.shelf(customer, &favorites, &cart);
        let shelf = visit.shelf_view(&shelf);
        let summary = product_json(&shelf, id).ok_or(ApiError::NotFound)?;
        let detail = shelf.detail(id).ok_or(ApiError::NotFound)?;
        let variants: Vec<serde_json::Value> = detail
            .variants
            .iter()
            .map(|v| {
                json!({
                    "id": v.id,
                    "name": v.name,
                    "price": price_json(&shelf, v.price.value.parse().unwrap_or_default()),
                    "reference_price": v.reference_price,
                    "availability": v.availability,
                })
            })
            .collect();
        let mut body = serde_json::to_value(summary)?;
        if let Some(object) = body.as_object_mut() {
            object.insert("description".into(), json!(detail.description));
            object.insert("reference".into(), json!(detail.reference));
            object.insert("image_large_url".into(), json!(detail.image_large_url));
            object.insert(
                "category_ids".into(),
                json!(detail.breadcrumb.iter().map(|c| c.id).collect::<Vec<_>>()),
            );
            object.insert("variants".into(), json!(variants));
        }
        Ok(HttpResponse::Ok().json(body))
    }
    .await;
    respond(&visit, result)
}

#[derive(Debug, Serialize)]
struct CartLineJson {
    product_id: i64,
    template_id: i64,
    name: String,
    quantity: Decimal,
    unit: String,
    unit_price: Decimal,
    amount: Decimal,
}

/// The cart as JSON.
async fn cart_json(visit: &Visit, customer: &Customer) -> Result<serde_json::Value, ApiError> {
    let (favorites, cart) = visit.favorites_and_cart(customer).await.map_err(page_error)?;
    let shelf = visit.shelf(customer, &favorites, &cart);
    let shop = visit.shop();
    let priced = cart::priced(&shop.store, &shelf, customer, shop.settings.minimum_order)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let view = cart_view(&visit.shelf_view(&shelf), &priced);
    let lines: Vec<CartLineJson> = priced
        .lines
        .iter()
        .zip(&view.lines)
        .map(|(line, shown)| CartLineJson {
            product_id: line.product_id,
            template_id: line.template_id,
            name: line.name.clone(),
            quantity: line.quantity,
            unit: shown.unit.clone(),
            unit_price: line.unit_amount,
            amount: line.amount,
        })
        .collect();
    Ok(json!({
        "lines": lines,
        "totals": {
            "untaxed": priced.totals.amount_untaxed,
            "tax": priced.totals.amount_tax,
            "total": priced.totals.amount_total,
        },
        "taxes_included": shelf.tax_display == TaxDisplay::Included,
        "displayed_total": priced.displayed_total,
        "currency": shelf.currency().code,
        "minimum_order": priced.minimum,
        "missing_to_minimum": priced.missing,
        "below_minimum_message": view.below_minimum,
        "removed_product_ids": priced.removed,
    }))
}

/// The cart.
#[get("/api/v1/cart")]
async fn get_cart(visit: Visit) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(cart_json(&visit, customer).await?))
    }
    .await;
    respond(&visit, result)
}

/// A line to add.
#[derive(Debug, Deserialize)]
struct AddLineJson {
    product_id: i64,
    #[serde(deserialize_with = "decimal")]
    quantity: Decimal,
}

/// A quantity to set.
#[derive(Debug, Deserialize)]
struct SetLineJson {
    #[serde(deserialize_with = "decimal")]
    quantity: Decimal,
}

/// A decimal given as a string (`"0.75"`) or a JSON number (`0.75`, read
/// from its text, never through a float).
fn decimal<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    use serde::de::Error as _;
    let value = serde_json::Value::deserialize(deserializer)?;
    let text = match &value {
        serde_json::Value::String(s) => s.trim().to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err(D::Error::custom("a quantity must be a decimal number or string")),
    };
    if text.contains(['e', 'E']) {
        return Err(D::Error::custom("a quantity must be written without an exponent"));
    }
    text.parse::<Decimal>()
        .map_err(|_| D::Error::custom(format!("{text:?} is not a decimal number")))
}

/// The customer's shares of the last weeks, newest round first.
async fn shares_json(visit: &Visit, customer: &Customer) -> Result<serde_json::Value, ApiError> {
    let shelf = visit.pricing_shelf(customer);
    let shares = crate::shop::cases::shares_of(visit.shop(), &shelf, customer).await?;
    let view = visit.shelf_view(&shelf);
    let shares: Vec<_> = shares
        .iter()
        .map(|s| view.share_line(s, visit.shop().settings.time_zone))
        .collect();
    Ok(json!({ "shares": shares }))
}

/// The customer's shares of cases bought together.
#[get("/api/v1/cases")]
async fn list_shares(visit: Visit) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        Ok(HttpResponse::Ok().json(shares_json(&visit, customer).await?))
    }
    .await;
    respond(&visit, result)
}

/// A share to take.
#[derive(Debug, Deserialize)]
struct ShareJson {
    #[serde(deserialize_with = "decimal")]
    quantity: Decimal,
    #[serde(default)]
    slot_id: Option<i64>,
}

/// Takes, changes or gives up (quantity zero) the customer's share of the
/// case of a product (variant) in the current round.
#[put("/api/v1/cases/{product_id}")]
async fn put_share(visit: Visit, path: web::Path<String>, body: web::Json<ShareJson>) -> HttpResponse {
    use crate::shop::cases::ShareError;
    let result = async {
        let customer = customer(&visit)?;
        check_csrf(&visit)?;
        let product_id = parse_id(&path)?;
        let taken = {
            let shelf = visit.pricing_shelf(customer);
            crate::shop::cases::take_share(
                visit.shop(),
                &shelf,
                customer,
                product_id,
                QuantityInput::Number(body.quantity),
                body.slot_id,
            )
            .await
        };
        let taken = match taken {
            Ok(taken) => taken,
            Err(ShareError::Store(e)) => return Err(ApiError::Internal(e.into())),
            Err(ShareError::Unavailable) => return Err(ApiError::NotFound),
            // The case or the round is not the customer's to change now.
            Err(e @ (ShareError::Full { .. } | ShareError::Closed)) => {
                let text = crate::http::views::share_refusal(visit.messages(), &visit.lang, &e);
                return Err(ApiError::Refused(StatusCode::CONFLICT, e.message_key(), text));
            }
            Err(e) => {
                let text = crate::http::views::share_refusal(visit.messages(), &visit.lang, &e);
                return Err(ApiError::BadRequest(e.message_key(), text));
            }
        };
        let mut answer = shares_json(&visit, customer).await?;
        answer["share"] = json!({
            "product_id": product_id,
            "quantity": taken.quantity,
            "case_taken": taken.taken,
            "case_size": taken.size,
        });
        Ok(HttpResponse::Ok().json(answer))
    }
    .await;
    respond(&visit, result)
}

fn cart_error(visit: &Visit, e: CartError) -> ApiError {
    match e {
        CartError::Store(e) => ApiError::Internal(e.into()),
        CartError::Unavailable => ApiError::BadRequest(
            "product_unavailable",
            visit.messages().get("product_unavailable").to_owned(),
        ),
        other => ApiError::BadRequest(
            other.message_key(),
            visit.messages().get(other.message_key()).to_owned(),
        ),
    }
}

/// Adds a quantity of a product (variant) to the cart.
#[post("/api/v1/cart/lines")]
async fn add_line(visit: Visit, body: web::Json<AddLineJson>) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        check_csrf(&visit)?;
        {
            let shelf = visit.pricing_shelf(customer);
            cart::add(
                &visit.shop().store,
                &shelf,
                customer,
                body.product_id,
                QuantityInput::Number(body.quantity),
            )
            .await
            .map_err(|e| cart_error(&visit, e))?;
        }
        Ok(HttpResponse::Ok().json(cart_json(&visit, customer).await?))
    }
    .await;
    respond(&visit, result)
}

/// Sets the quantity of a line (zero removes it).
#[put("/api/v1/cart/lines/{product_id}")]
async fn set_line(visit: Visit, path: web::Path<String>, body: web::Json<SetLineJson>) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        check_csrf(&visit)?;
        let product_id = parse_id(&path)?;
        {
            let shelf = visit.pricing_shelf(customer);
            cart::set(
                &visit.shop().store,
                &shelf,
                customer,
                product_id,
                QuantityInput::Number(body.quantity),
            )
            .await
            .map_err(|e| cart_error(&visit, e))?;
        }
        Ok(HttpResponse::Ok().json(cart_json(&visit, customer).await?))
    }
    .await;
    respond(&visit, result)
}

/// Removes a line.
#[delete("/api/v1/cart/lines/{product_id}")]
async fn delete_line(visit: Visit, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        check_csrf(&visit)?;
        let product_id = parse_id(&path)?;
        visit
            .shop()
            .store
            .remove_from_cart(customer.partner_id, product_id)
            .await?;
        Ok(HttpResponse::Ok().json(cart_json(&visit, customer).await?))
    }
    .await;
    respond(&visit, result)
}

/// The customer's favorites.
#[get("/api/v1/favorites")]
async fn get_favorites(visit: Visit) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        let (favorites, cart) = visit.favorites_and_cart(customer).await.map_err(page_error)?;
        let shelf = visit.shelf(customer, &favorites, &cart);
        let shelf = visit.shelf_view(&shelf);
        let ids = visit.shop().store.favorites(customer.partner_id).await?;
        let items: Vec<ProductJson> = ids.iter().filter_map(|id| product_json(&shelf, *id)).collect();
        Ok(HttpResponse::Ok().json(json!({ "products": items })))
    }
    .await;
    respond(&visit, result)
}

async fn change_favorite(visit: &Visit, path: &str, favorite: bool) -> Result<HttpResponse, ApiError> {
    let customer = customer(visit)?;
    check_csrf(visit)?;
    let id = parse_id(path)?;
    if favorite && visit.index.template(id).is_none() {
        return Err(ApiError::NotFound);
    }
    visit
        .shop()
        .store
        .set_favorite(customer.partner_id, id, favorite, chrono::Utc::now().timestamp())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks a product as a favorite.
#[put("/api/v1/favorites/{template_id}")]
async fn put_favorite(visit: Visit, path: web::Path<String>) -> HttpResponse {
    let result = change_favorite(&visit, &path, true).await;
    respond(&visit, result)
}

/// Unmarks a favorite.
#[delete("/api/v1/favorites/{template_id}")]
async fn delete_favorite(visit: Visit, path: web::Path<String>) -> HttpResponse {
    let result = change_favorite(&visit, &path, false).await;
    respond(&visit, result)
}

#[derive(Debug, Serialize)]
struct SlotJson {
    id: i64,
    place: String,
    label: String,
    start: chrono::DateTime<chrono::Utc>,
    stop: chrono::DateTime<chrono::Utc>,
    closes_at: chrono::DateTime<chrono::Utc>,
    capacity: Option<u32>,
    remaining: Option<u32>,
    available: bool,
    full: bool,
    closed: bool,
    note: Option<String>,
}

/// The pickup slots offered, with the places left.
#[get("/api/v1/pickup-slots")]
async fn pickup_slots(visit: Visit) -> HttpResponse {
    let result = async {
        customer(&visit)?;
        let tz = visit.shop().settings.time_zone;
        let offers = crate::shop::checkout::offers(visit.shop(), &visit.index, false).await?;
        let slots: Vec<SlotJson> = offers
            .into_iter()
            .map(|offer| {
                let (remaining, full, closed) = match offer.availability {
                    crate::shop::slots::Availability::Open { remaining } => (remaining, false, false),
                    crate::shop::slots::Availability::Full => (Some(0), true, false),
                    crate::shop::slots::Availability::Closed => (Some(0), false, true),
                };
                SlotJson {
                    id: offer.slot.id,
                    label: offer.slot.label(tz),
                    place: offer.slot.place,
                    start: offer.slot.start,
                    stop: offer.slot.stop,
                    closes_at: offer.slot.closes_at,
                    capacity: offer.slot.capacity,
                    remaining,
                    available: !full && !closed,
                    full,
                    closed,
                    note: offer.slot.note,
                }
            })
            .collect();
        Ok(HttpResponse::Ok().json(json!({ "slots": slots })))
    }
    .await;
    respond(&visit, result)
}

/// An order to place.
#[derive(Debug, Deserialize)]
struct NewOrderJson {
    slot_id: i64,
    #[serde(default)]
    note: Option<String>,
}

/// An order as JSON: Odoo's figures once Odoo has it, else those shown at
/// checkout.
fn order_json(visit: &Visit, found: &crate::shop::orders::Found) -> serde_json::Value {
    let view = crate::http::orders::view(visit, found);
    let (lines, totals) = match (&found.odoo, &found.payload) {
        (Some(placed), _) => (
            placed
                .lines
                .iter()
                .map(|l| {
                    json!({
                        "product_id": l.product_id.as_ref().map(|p| p.id),
                        "name": l.product_id.as_ref().map(|p| p.name.clone()),
                        "quantity": l.product_uom_qty,
                        "price_unit": l.price_unit,
                        "discount": l.discount,
                        "subtotal": l.price_subtotal,
                        "total": l.price_total,
                    })
                })
                .collect::<Vec<_>>(),
            json!({
                "untaxed": placed.order.amount_untaxed,
                "tax": placed.order.amount_tax,
                "total": placed.order.amount_total,
            }),
        ),
        (None, Some(payload)) => (
            payload
                .lines
                .iter()
                .map(|l| json!({"product_id": l.product_id, "name": l.name, "quantity": l.quantity, "amount": l.amount}))
                .collect(),
            json!({"untaxed": payload.shown_untaxed, "tax": payload.shown_tax, "total": payload.shown_total}),
        ),
        (None, None) => (Vec::new(), serde_json::Value::Null),
    };
    json!({
        "reference": view.reference,
        "name": view.name,
        "state": found.state_code(),
        "state_text": view.state,
        "status": view.state_code,
        "progress": found.progress().map(|p| p.as_str()),
        "pending": view.pending,
        "place": view.place,
        "slot": view.slot,
        "slot_start": found.payload.as_ref().map(|p| p.slot_start).or(found.odoo.as_ref().and_then(|p| p.order.commitment_date)),
        "lines": lines,
        "totals": totals,
        "can_cancel": view.can_cancel,
    })
}

fn order_error(visit: &Visit, e: crate::shop::orders::OrderError) -> ApiError {
    use crate::shop::orders::OrderError;
    match e {
        OrderError::NotFound => ApiError::NotFound,
        OrderError::NotCancellable => ApiError::Refused(
            StatusCode::CONFLICT,
            "order_not_cancellable",
            visit.messages().get("order_not_cancellable").to_owned(),
        ),
        OrderError::Odoo(e) => {
            tracing::warn!(error = %e, "cannot reach Odoo for an order");
            ApiError::Unavailable(visit.messages().get("odoo_unavailable").to_owned())
        }
        OrderError::Store(e) => ApiError::Internal(e.into()),
    }
}

/// Places the cart as an order, once per `Idempotency-Key`.
#[post("/api/v1/orders")]
async fn create_order(visit: Visit, body: web::Json<NewOrderJson>) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        check_csrf(&visit)?;
        let key = visit
            .request
            .headers()
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or("");
        let shelf = visit.pricing_shelf(customer);
        match crate::shop::checkout::place(
            visit.shop(),
            &shelf,
            customer,
            key,
            body.slot_id,
            body.note.as_deref(),
        )
        .await
        {
            Ok(crate::shop::checkout::Placed { order, created }) => {
                let found = crate::shop::orders::find(visit.shop(), customer, &order.key)
                    .await
                    .map_err(|e| order_error(&visit, e));
                let body = match found {
                    Ok(found) => order_json(&visit, &found),
                    // Received, Odoo away: what was stored.
                    Err(_) => {
                        let found = crate::shop::orders::Found {
                            reference: order.key.clone(),
                            payload: serde_json::from_str(&order.payload).ok(),
                            local: Some(order),
                            odoo: None,
                            tags: Default::default(),
                        };
                        order_json(&visit, &found)
                    }
                };
                let status = if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                Ok(HttpResponse::build(status).json(body))
            }
            Err(crate::shop::checkout::CheckoutError::Store(e)) => Err(ApiError::Internal(e.into())),
            Err(e) => Err(ApiError::Refused(
                crate::http::checkout::status_of(&e),
                e.message_key(),
                crate::http::checkout::error_message(&visit, &e),
            )),
        }
    }
    .await;
    respond(&visit, result)
}

/// The customer's orders.
#[get("/api/v1/orders")]
async fn list_orders(visit: Visit) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        let (orders, reachable) = crate::shop::orders::history(visit.shop(), customer)
            .await
            .map_err(|e| order_error(&visit, e))?;
        let orders: Vec<_> = orders
            .iter()
            .map(|found| crate::http::orders::view(&visit, found))
            .collect();
        Ok(HttpResponse::Ok().json(json!({ "orders": orders, "complete": reachable })))
    }
    .await;
    respond(&visit, result)
}

/// One order.
#[get("/api/v1/orders/{reference}")]
async fn get_order(visit: Visit, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        let found = crate::shop::orders::find(visit.shop(), customer, &path)
            .await
            .map_err(|e| order_error(&visit, e))?;
        Ok(HttpResponse::Ok().json(order_json(&visit, &found)))
    }
    .await;
    respond(&visit, result)
}

/// Cancels an order before its slot's cut-off.
#[post("/api/v1/orders/{reference}/cancel")]
async fn cancel_order(visit: Visit, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let customer = customer(&visit)?;
        check_csrf(&visit)?;
        crate::shop::orders::cancel(visit.shop(), &visit.index, customer, &path)
            .await
            .map_err(|e| order_error(&visit, e))?;
        let found = crate::shop::orders::find(visit.shop(), customer, &path)
            .await
            .map_err(|e| order_error(&visit, e))?;
        Ok(HttpResponse::Ok().json(order_json(&visit, &found)))
    }
    .await;
    respond(&visit, result)
}

/// The routes of this module.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(pickup_slots)
        .service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(cancel_order)
        .service(openapi_document)
        .service(get_session)
        .service(create_session)
        .service(delete_session)
        .service(list_categories)
        .service(list_products)
        .service(get_product)
        .service(get_cart)
        .service(add_line)
        .service(set_line)
        .service(delete_line)
        .service(get_favorites)
        .service(put_favorite)
        .service(delete_favorite)
        .service(list_shares)
        .service(put_share);
}
