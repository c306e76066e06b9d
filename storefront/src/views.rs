//! What the page templates are given: one serializable struct per thing a
//! page shows, already formatted for the customer's language (money, units,
//! dates), so that templates only lay out and never compute.
//!
//! Every page is rendered with three values in its context:
//! - `page`: the [`Layout`] (shop name, language, customer, CSRF token, menu);
//! - `m`: the messages of the page's language (`templates/messages/<lang>.json`);
//! - the page's own values, named in each template's header comment.

use serde::Serialize;

/// What the base layout shows on every page.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Layout {
    /// The shop's name.
    pub shop_name: String,
    /// The page's language, as an HTML `lang` (`fr`, `en`).
    pub lang: String,
    /// The languages the customer can switch to.
    pub languages: Vec<LanguageLink>,
    /// The customer logged in, if any.
    pub customer: Option<CustomerView>,
    /// The CSRF token every form posts back as `csrf_token`.
    pub csrf_token: String,
    /// The number of lines in the cart (logged-in customers), as text.
    pub cart_count: String,
    /// The top-level categories, for the menu (logged-in customers).
    pub menu: Vec<CategoryLink>,
    /// The search box's text.
    pub query: String,
    /// Messages to show once (after a redirect).
    pub flashes: Vec<Flash>,
    /// The current path with its query: where a form brings the customer back.
    pub current_path: String,
    /// Odoo's "forgot password" page.
    pub reset_password_url: String,
    /// The page's title (without the shop's name).
    pub title: String,
}

/// A language the shop speaks.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageLink {
    /// The Odoo code posted back, e.g. `fr_FR`.
    pub code: String,
    /// Its name in itself, e.g. `Français`.
    pub label: String,
    /// Whether the page is in it.
    pub current: bool,
}

/// The customer logged in.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerView {
    /// Their name.
    pub name: String,
    /// Their login.
    pub login: String,
}

/// A one-time message.
#[derive(Debug, Clone, Serialize)]
pub struct Flash {
    /// `info` or `error`.
    pub kind: String,
    /// The text, in the page's language.
    pub text: String,
}

/// A link to a category.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryLink {
    /// The id.
    pub id: i64,
    /// The name, in the page's language.
    pub name: String,
    /// Its page.
    pub url: String,
    /// How many products it and its subcategories hold.
    pub count: usize,
    /// Whether the page is this category or one of its subcategories.
    pub current: bool,
}

/// A price, formatted.
#[derive(Debug, Clone, Serialize)]
pub struct PriceView {
    /// For people: `1,30 €` / `€1.30`.
    pub text: String,
    /// For machines: `1.30`.
    pub value: String,
    /// `incl. VAT` / `excl. VAT` (from the messages), per the shop's setting.
    pub taxes: String,
}

/// A quantity input: its current value and its limits.
#[derive(Debug, Clone, Serialize)]
pub struct QuantityInput {
    /// The value to show (a decimal with a dot, as `<input type=number>` wants).
    pub value: String,
    /// The smallest quantity.
    pub min: String,
    /// The step between quantities (`1`, or the unit's rounding, e.g. `0.001`).
    pub step: String,
    /// Whether decimals are accepted (goods sold by weight or volume).
    pub decimal: bool,
}

/// A product in a list (category, search, favorites, home).
#[derive(Debug, Clone, Serialize)]
pub struct ProductCard {
    /// The product (`product.template`) id.
    pub id: i64,
    /// Its page.
    pub url: String,
    /// The name, in the page's language (plain text: templates escape it).
    pub name: String,
    /// The image, small.
    pub image_url: String,
    /// The unit it is sold in, e.g. `kg`, `Units`.
    pub unit: String,
    /// The price of one unit at the customer's pricelist.
    pub price: PriceView,
    /// A reference price where the unit calls for it, e.g. `5,20 €/kg`.
    pub reference_price: Option<String>,
    /// The variant to add to the cart straight from the list, when the
    /// product has only one; else the product page lets the customer choose.
    pub variant_id: Option<i64>,
    /// The quantity input of the add-to-cart form.
    pub quantity: QuantityInput,
    /// Whether it is among the customer's favorites.
    pub favorite: bool,
    /// The quantity already in the cart, formatted with its unit.
    pub in_cart: Option<String>,
}

/// A variant on a product page.
#[derive(Debug, Clone, Serialize)]
pub struct VariantView {
    /// The `product.product` id (what the cart holds).
    pub id: i64,
    /// Its name with its attribute values.
    pub name: String,
    /// Its price.
    pub price: PriceView,
    /// A reference price, as on the card.
    pub reference_price: Option<String>,
}

/// A product page.
#[derive(Debug, Clone, Serialize)]
pub struct ProductDetail {
    /// What the card shows.
    pub card: ProductCard,
    /// The sales description (plain text, may hold newlines).
    pub description: Option<String>,
    /// The image, large.
    pub image_large_url: String,
    /// The path of its first category, root first.
    pub breadcrumb: Vec<CategoryLink>,
    /// Its variants (more than one: each has its own add-to-cart form).
    pub variants: Vec<VariantView>,
    /// The internal reference.
    pub reference: Option<String>,
}

/// Page numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Paging {
    /// The page shown, from 1.
    pub page: usize,
    /// How many pages.
    pub pages: usize,
    /// How many products in all.
    pub total: usize,
    /// The previous page.
    pub prev_url: Option<String>,
    /// The next page.
    pub next_url: Option<String>,
}

/// A line of the cart.
#[derive(Debug, Clone, Serialize)]
pub struct CartLineView {
    /// The variant (`product.product`) id, posted back by the line's forms.
    pub product_id: i64,
    /// The product's page.
    pub url: String,
    /// The name.
    pub name: String,
    /// The image, small.
    pub image_url: String,
    /// The quantity, formatted with its unit (`0,750 kg`).
    pub quantity_text: String,
    /// The quantity input.
    pub quantity: QuantityInput,
    /// The unit.
    pub unit: String,
    /// The price of one unit.
    pub unit_price: PriceView,
    /// The line's amount (taxes as the shop displays them).
    pub amount: PriceView,
}

/// An order's totals.
#[derive(Debug, Clone, Serialize)]
pub struct TotalsView {
    /// Without taxes.
    pub untaxed: String,
    /// The taxes.
    pub tax: String,
    /// With taxes.
    pub total: String,
}

/// The cart page.
#[derive(Debug, Clone, Serialize)]
pub struct CartView {
    /// Its lines.
    pub lines: Vec<CartLineView>,
    /// Its totals.
    pub totals: TotalsView,
    /// When the cart is under the minimum order: the message saying how
    /// much is missing.
    pub below_minimum: Option<String>,
    /// Lines dropped because the product is no longer sold, by name.
    pub removed: Vec<String>,
}

/// The sign-up request form, as typed.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SignupView {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// A message to the shop.
    pub message: String,
}

/// A pickup slot as offered at checkout.
#[derive(Debug, Clone, Serialize)]
pub struct SlotView {
    /// The `calendar.event` id, posted back as `slot_id`.
    pub id: i64,
    /// The window, e.g. `08:00–12:00` (in the shop's time zone).
    pub window: String,
    /// The whole label, e.g. `Sat 8 June, 08:00–12:00`.
    pub text: String,
    /// Places left, when the slot has a capacity.
    pub remaining: Option<u32>,
    /// Whether it is full.
    pub full: bool,
    /// Whether orders for it are closed (past its cut-off).
    pub closed: bool,
    /// When orders close, for people.
    pub closes_at: String,
    /// A note from the shop (the event's description).
    pub note: Option<String>,
    /// Whether it is the one chosen.
    pub selected: bool,
}

/// The slots of one day at one place.
#[derive(Debug, Clone, Serialize)]
pub struct DayView {
    /// The day, for people: `Saturday 8 June`.
    pub date: String,
    /// Its slots.
    pub slots: Vec<SlotView>,
}

/// The slots of one place.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceView {
    /// The place.
    pub place: String,
    /// Its days.
    pub days: Vec<DayView>,
}

/// A line of an order.
#[derive(Debug, Clone, Serialize)]
pub struct OrderLineView {
    /// The product's name.
    pub name: String,
    /// The quantity with its unit.
    pub quantity: String,
    /// The amount.
    pub amount: String,
}

/// An order, as its page and the history show it.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    /// The reference in the shop's URLs.
    pub reference: String,
    /// Its page.
    pub url: String,
    /// Odoo's name (`S00042`), once Odoo has it.
    pub name: Option<String>,
    /// The state, for people.
    pub state: String,
    /// The state, for styles: `pending`, `failed`, `draft`, `sent`, `sale`, `done`, `cancel`.
    pub state_code: String,
    /// The pickup place.
    pub place: String,
    /// The pickup window, for people.
    pub slot: String,
    /// Its lines.
    pub lines: Vec<OrderLineView>,
    /// Its totals (Odoo's, once Odoo has it).
    pub totals: TotalsView,
    /// Received but not yet in Odoo: "will be confirmed".
    pub pending: bool,
    /// Whether the customer may still cancel it.
    pub can_cancel: bool,
}
