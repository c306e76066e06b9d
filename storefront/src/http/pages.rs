//! The shop's pages: home, categories, products, search, favorites, the
//! cart and its forms; product images and static assets. Every page is
//! rendered from the snapshot in memory; only images are fetched from Odoo
//! (once per version, then cached).

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use connector::mirror::ImageSize;
use serde::Deserialize;

use crate::http::views::{cart_view, page_of, quantity_input, slot_text, ShareFormView, ShareSlotView};
use crate::http::visit::{local_path, PageError, SearchQuery, Visit};
use crate::shop::cart::{self, QuantityInput};

/// How many products a search looks at, at most.
const SEARCH_LIMIT: usize = 480;

/// `?page=N`, tolerant: anything else is page 1.
#[derive(Debug, Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

fn page_number(text: Option<&str>) -> usize {
    text.and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .max(1)
}

/// Parses an id from a path segment; anything else is "not found".
fn id(text: &str) -> Result<i64, PageError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(PageError::NotFound)
}

/// The home page: a welcome for visitors, the categories and favorites for
/// customers.
#[get("/")]
async fn home_page(visit: Visit) -> HttpResponse {
    let result = async {
        let m = visit.messages();
        let mut context = tera::Context::new();
        context.insert("home_text", &visit.shop().settings.home_text);
        let demo: Vec<serde_json::Value> = visit
            .shop()
            .settings
            .demo_logins
            .iter()
            .map(|(login, password)| serde_json::json!({"login": login, "password": password}))
            .collect();
        context.insert("demo_logins", &demo);
        match &visit.customer {
            Some(customer) if visit.index.snapshot.synced_at.is_some() => {
                let (favorites, cart) = visit.favorites_and_cart(customer).await?;
                let shelf = visit.shelf(customer, &favorites, &cart);
                let shelf_view = visit.shelf_view(&shelf);
                let favorite_ids: Vec<i64> = visit
                    .shop()
                    .store
                    .favorites(customer.partner_id)
                    .await?
                    .into_iter()
                    .take(8)
                    .collect();
                context.insert("categories", &shelf_view.category_links(visit.index.roots(), &[]));
                context.insert("favorites", &shelf_view.cards(&favorite_ids));
            }
            _ => {
                context.insert("categories", &Vec::<()>::new());
                context.insert("favorites", &Vec::<()>::new());
            }
        }
        Ok(visit
            .render(StatusCode::OK, "home.html", m.get("page_title_home"), context)
            .await)
    }
    .await;
    visit.respond(result).await
}

/// A category: its subcategories and a page of its products.
#[get("/categories/{id}")]
async fn category_page(visit: Visit, path: web::Path<String>, query: web::Query<PageQuery>) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        let id = id(&path)?;
        if !visit.index.has_category(id) || visit.index.products_in(id).is_empty() {
            return Err(PageError::NotFound);
        }
        let (favorites, cart) = visit.favorites_and_cart(customer).await?;
        let shelf = visit.shelf(customer, &favorites, &cart);
        let shelf_view = visit.shelf_view(&shelf);
        let base = format!("/categories/{id}?");
        let (ids, paging) = page_of(
            visit.index.products_in(id),
            page_number(query.page.as_deref()),
            &base,
        );
        let page = || {
            let link = shelf_view.category_link(id, true);
            let mut context = tera::Context::new();
            context.insert(
                "breadcrumb",
                &visit
                    .index
                    .ancestry(id)
                    .iter()
                    .map(|c| shelf_view.category_link(*c, *c == id))
                    .collect::<Vec<_>>(),
            );
            context.insert(
                "children",
                &shelf_view.category_links(visit.index.children(id), &[]),
            );
            context.insert("products", &shelf_view.cards(ids));
            context.insert("paging", &paging);
            context.insert("category", &link);
            (link.name, context)
        };
        Ok(visit.render_shared("category.html", shelf.marks(ids), page).await)
    }
    .await;
    visit.respond(result).await
}

/// A product.
#[get("/products/{id}")]
async fn product_page(visit: Visit, path: web::Path<String>) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        let id = id(&path)?;
        let (favorites, cart) = visit.favorites_and_cart(customer).await?;
        let shelf = visit.shelf(customer, &favorites, &cart);
        let shelf_view = visit.shelf_view(&shelf);
        let detail = shelf_view.detail(id).ok_or(PageError::NotFound)?;
        let title = detail.card.name.clone();
        let mut context = tera::Context::new();
        if let Some(case) = &detail.card.shared_case {
            context.insert(
                "share",
                &share_form(&visit, customer, &shelf, id, case.variant_id).await?,
            );
        }
        context.insert("product", &detail);
        Ok(visit
            .render(StatusCode::OK, "product.html", &title, context)
            .await)
    }
    .await;
    visit.respond(result).await
}

/// The share form of product `template_id`'s variant `variant`: the
/// customer's share of the current round, the slots it may be collected at.
async fn share_form(
    visit: &Visit,
    customer: &crate::shop::Customer,
    shelf: &crate::shop::Shelf<'_>,
    template_id: i64,
    variant: i64,
) -> Result<ShareFormView, PageError> {
    let shop = visit.shop();
    let template = visit.index.template(template_id).ok_or(PageError::NotFound)?;
    let rule = visit.index.quantity_rule(template);
    let unit = visit.index.unit(template);
    let round = shop.cases.shown().round;
    let mine = match round {
        Some(round) => shop
            .store
            .shares_of(customer.partner_id, round.closes_at.timestamp())
            .await
            .map_err(|e| PageError::Internal(e.into()))?
            .into_iter()
            .find(|s| s.round_at == round.closes_at.timestamp() && s.product_id == variant),
        None => None,
    };
    let slots = match round {
        Some(round) => crate::shop::cases::slots_for(shop, &visit.index.snapshot, round.closes_at),
        None => Vec::new(),
    };
    let chosen = mine
        .as_ref()
        .map(|s| s.slot_id)
        .filter(|id| slots.iter().any(|slot| slot.id == *id))
        .or_else(|| slots.first().map(|s| s.id));
    let view = visit.shelf_view(shelf);
    Ok(ShareFormView {
        mine: mine.as_ref().map(|s| view.quantity_text(s.quantity, &unit)),
        quantity: quantity_input(&rule, mine.as_ref().map_or_else(|| rule.step(), |s| s.quantity)),
        slots: slots
            .iter()
            .map(|slot| ShareSlotView {
                id: slot.id,
                label: slot_text(slot, shop.settings.time_zone, &visit.lang),
                selected: Some(slot.id) == chosen,
            })
            .collect(),
    })
}

/// A share form, as posted.
#[derive(Debug, Deserialize)]
struct ShareForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    quantity: Option<String>,
    #[serde(default)]
    slot_id: Option<String>,
}

/// Takes, changes or gives up (quantity zero) a share of a case.
#[post("/cases")]
async fn take_share(visit: Visit, form: web::Form<ShareForm>) -> HttpResponse {
    use crate::shop::cases::{self, ShareError};
    let result = async {
        let customer = visit.customer()?;
        if !visit.csrf_ok(&form.csrf_token) {
            return Err(PageError::Csrf);
        }
        let product_id = id(form.product_id.trim())?;
        let slot_id = match form.slot_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Some(id(text)?),
            None => None,
        };
        let template_id = visit
            .index
            .variant(product_id)
            .map(|(_, t)| t.id)
            .ok_or(PageError::NotFound)?;
        let shelf = visit.pricing_shelf(customer);
        let quantity = form.quantity.as_deref().unwrap_or("").trim();
        let quantity = if quantity.is_empty() { "0" } else { quantity };
        let back = format!("/products/{template_id}");
        match cases::take_share(
            visit.shop(),
            &shelf,
            customer,
            product_id,
            QuantityInput::Text(quantity),
            slot_id,
        )
        .await
        {
            Ok(taken) => {
                let key = if taken.quantity.is_zero() {
                    "share_given_up"
                } else {
                    "share_taken"
                };
                Ok(visit.redirect_with(&back, Some((key, Some(template_id)))))
            }
            Err(ShareError::Store(e)) => Err(PageError::Internal(e.into())),
            Err(ShareError::Unavailable | ShareError::NotShared) => Err(PageError::NotFound),
            Err(e) => Err(PageError::BadRequest(crate::http::views::share_refusal(
                visit.messages(),
                &visit.lang,
                &e,
            ))),
        }
    }
    .await;
    visit.respond(result).await
}

/// Search results.
#[get("/search")]
async fn search_page(visit: Visit, query: web::Query<SearchQuery>) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        let (favorites, cart) = visit.favorites_and_cart(customer).await?;
        let shelf = visit.shelf(customer, &favorites, &cart);
        let shelf_view = visit.shelf_view(&shelf);
        let text: String = query.q.chars().take(200).collect();
        let hits: Vec<i64> = visit
            .index
            .snapshot
            .search
            .search(&text, &visit.lang, SEARCH_LIMIT)
            .into_iter()
            .map(|h| h.id)
            .collect();
        let base = format!("/search?q={}&", crate::http::visit::percent_encode(&text));
        let (ids, paging) = page_of(&hits, page_number(query.page.as_deref()), &base);
        let page = || {
            let mut context = tera::Context::new();
            context.insert("query", &text);
            context.insert("products", &shelf_view.cards(ids));
            context.insert("paging", &paging);
            (visit.messages().get("page_title_search").to_owned(), context)
        };
        Ok(visit.render_shared("search.html", shelf.marks(ids), page).await)
    }
    .await;
    visit.respond(result).await
}

/// The customer's favorites.
#[get("/favorites")]
async fn favorites_page(visit: Visit) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        let (favorites, cart) = visit.favorites_and_cart(customer).await?;
        let shelf = visit.shelf(customer, &favorites, &cart);
        let shelf_view = visit.shelf_view(&shelf);
        let ids = visit.shop().store.favorites(customer.partner_id).await?;
        let mut context = tera::Context::new();
        context.insert("products", &shelf_view.cards(&ids));
        let title = visit.messages().get("page_title_favorites").to_owned();
        Ok(visit
            .render(StatusCode::OK, "favorites.html", &title, context)
            .await)
    }
    .await;
    visit.respond(result).await
}

/// The favorite toggle, as posted.
#[derive(Debug, Deserialize)]
struct FavoriteForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    template_id: String,
    #[serde(default)]
    favorite: String,
    #[serde(default)]
    back: Option<String>,
}

/// Marks or unmarks a favorite.
#[post("/favorites")]
async fn set_favorite(visit: Visit, form: web::Form<FavoriteForm>) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        if !visit.csrf_ok(&form.csrf_token) {
            return Err(PageError::Csrf);
        }
        let id = id(form.template_id.trim())?;
        let favorite = match form.favorite.as_str() {
            "1" | "true" | "on" => true,
            "0" | "false" | "off" => false,
            _ => {
                return Err(PageError::BadRequest(
                    visit.messages().get("bad_request").to_owned(),
                ))
            }
        };
        if favorite && visit.index.template(id).is_none() {
            return Err(PageError::NotFound);
        }
        visit
            .shop()
            .store
            .set_favorite(customer.partner_id, id, favorite, chrono::Utc::now().timestamp())
            .await?;
        let key = if favorite {
            "favorite_added"
        } else {
            "favorite_removed"
        };
        Ok(visit.redirect_with(
            form.back.as_deref().unwrap_or("/favorites"),
            Some((key, Some(id))),
        ))
    }
    .await;
    visit.respond(result).await
}

/// The cart.
#[get("/cart")]
async fn cart_page(visit: Visit) -> HttpResponse {
    let result = async {
        let customer = visit.customer()?;
        let (favorites, cart) = visit.favorites_and_cart(customer).await?;
        let shelf = visit.shelf(customer, &favorites, &cart);
        let shop = visit.shop();
        let priced = cart::priced(&shop.store, &shelf, customer, shop.settings.minimum_order)
            .await
            .map_err(|e| PageError::Internal(e.into()))?;
        let mut context = tera::Context::new();
        context.insert("cart", &cart_view(&visit.shelf_view(&shelf), &priced));
        let shares = crate::shop::cases::shares_of(shop, &shelf, customer)
            .await
            .map_err(|e| PageError::Internal(e.into()))?;
        let view = visit.shelf_view(&shelf);
        let shares: Vec<_> = shares
            .iter()
            .filter(|s| s.share.state == crate::store::shares::ShareState::Open)
            .map(|s| view.share_line(s, shop.settings.time_zone))
            .collect();
        context.insert("shares", &shares);
        let title = visit.messages().get("page_title_cart").to_owned();
        Ok(visit.render(StatusCode::OK, "cart.html", &title, context).await)
    }
    .await;
    visit.respond(result).await
}

/// A cart form, as posted.
#[derive(Debug, Deserialize)]
struct CartForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    quantity: Option<String>,
    #[serde(default)]
    back: Option<String>,
}

enum CartAction {
    Add,
    Update,
    Remove,
}

async fn change_cart(visit: &Visit, form: &CartForm, action: CartAction) -> Result<HttpResponse, PageError> {
    let customer = visit.customer()?;
    if !visit.csrf_ok(&form.csrf_token) {
        return Err(PageError::Csrf);
    }
    let product_id = id(form.product_id.trim())?;
    let shelf = visit.pricing_shelf(customer);
    let store = &visit.shop().store;
    let quantity = form.quantity.as_deref().unwrap_or("");
    let outcome = match action {
        CartAction::Add => {
            let quantity = if quantity.trim().is_empty() { "1" } else { quantity };
            cart::add(store, &shelf, customer, product_id, QuantityInput::Text(quantity))
                .await
                .map(|template| {
                    (
                        "added_to_cart",
                        Some(template),
                        form.back.as_deref().unwrap_or("/cart"),
                    )
                })
        }
        CartAction::Update => cart::set(store, &shelf, customer, product_id, QuantityInput::Text(quantity))
            .await
            .map(|q| {
                let key = if q.is_zero() {
                    "removed_from_cart"
                } else {
                    "cart_updated"
                };
                (key, None, "/cart")
            }),
        CartAction::Remove => cart::set(
            store,
            &shelf,
            customer,
            product_id,
            QuantityInput::Number(0.into()),
        )
        .await
        .map(|_| ("removed_from_cart", None, "/cart")),
    };
    match outcome {
        Ok((key, arg, back)) => Ok(visit.redirect_with(back, Some((key, arg)))),
        Err(cart::CartError::Store(e)) => Err(PageError::Internal(e.into())),
        Err(cart::CartError::Unavailable) => Err(PageError::NotFound),
        Err(e) => Err(PageError::BadRequest(
            visit.messages().get(e.message_key()).to_owned(),
        )),
    }
}

/// Adds to the cart.
#[post("/cart")]
async fn add_to_cart(visit: Visit, form: web::Form<CartForm>) -> HttpResponse {
    let result = change_cart(&visit, &form, CartAction::Add).await;
    visit.respond(result).await
}

/// Changes a line's quantity (zero removes it).
#[post("/cart/update")]
async fn update_cart(visit: Visit, form: web::Form<CartForm>) -> HttpResponse {
    let result = change_cart(&visit, &form, CartAction::Update).await;
    visit.respond(result).await
}

/// Removes a line.
#[post("/cart/remove")]
async fn remove_from_cart(visit: Visit, form: web::Form<CartForm>) -> HttpResponse {
    let result = change_cart(&visit, &form, CartAction::Remove).await;
    visit.respond(result).await
}

/// A product's image (`small`, `medium`, `large`), fetched from Odoo once
/// per version; the placeholder when it has none or Odoo cannot be reached.
#[get("/images/products/{id}/{size}")]
async fn product_image(visit: Visit, path: web::Path<(String, String)>) -> HttpResponse {
    let result = async {
        visit.customer()?;
        let (id_text, size) = path.into_inner();
        let template = visit.index.template(id(&id_text)?).ok_or(PageError::NotFound)?;
        let size = match size.as_str() {
            "small" => ImageSize::Small,
            "medium" => ImageSize::Medium,
            "large" => ImageSize::Large,
            _ => return Err(PageError::NotFound),
        };
        match visit
            .state
            .images
            .get(template.id, template.write_date, size)
            .await
        {
            Ok(Some(image)) => Ok(HttpResponse::Ok()
                .content_type(image.content_type)
                .insert_header((header::CACHE_CONTROL, "private, max-age=31536000, immutable"))
                .insert_header(("x-content-type-options", "nosniff"))
                .body(image.bytes.clone())),
            Ok(None) => Ok(placeholder(&visit)),
            Err(e) => {
                tracing::warn!(product = template.id, error = %e, "cannot fetch an image");
                Ok(placeholder(&visit))
            }
        }
    }
    .await;
    visit.respond(result).await
}

fn placeholder(visit: &Visit) -> HttpResponse {
    match visit.state.renderer.asset("placeholder.svg") {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
            .body(asset.bytes.to_vec()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// A static file, embedded or overridden.
#[get("/assets/{path:.*}")]
async fn static_asset(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<crate::http::state::AppState>,
) -> HttpResponse {
    let Some(asset) = state.renderer.asset(&path) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == asset.etag));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, asset.etag.clone()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("x-content-type-options", "nosniff"));
    if fresh {
        response.finish()
    } else {
        response
            .content_type(asset.content_type)
            .body(asset.bytes.to_vec())
    }
}

/// Where "back" leads after a form, checked.
pub fn back_to(back: Option<&str>, default: &str) -> String {
    local_path(back.unwrap_or(default))
}

/// The routes of this module.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(home_page)
        .service(category_page)
        .service(product_page)
        .service(search_page)
        .service(favorites_page)
        .service(set_favorite)
        .service(cart_page)
        .service(add_to_cart)
        .service(update_cart)
        .service(remove_from_cart)
        .service(take_share)
        .service(product_image)
        .service(static_asset);
}
