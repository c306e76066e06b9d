//! What the page templates are given: one serializable struct per thing a
//! page shows, already formatted for the customer's language (money, units,
//! dates), so that templates only lay out and never compute.
//!
//! Every page is rendered with three values in its context:
//! - `page`: the [`Layout`] (shop name, language, customer, CSRF token, menu);
//! - `m`: the messages of the page's language (`templates/messages/<lang>.json`);
//! - the page's own values, named in each template's header comment.

use connector::pricing::LinePrice;
use connector::records::ProductTemplate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::i18n::{self, Messages};
use crate::shop::cart::PricedCart;
use crate::shop::catalog::{QuantityRule, UnitInfo};
use crate::shop::settings::TaxDisplay;
use crate::shop::stock::Availability;
use crate::shop::Shelf;

/// Products per page of a category or of search results.
pub const PAGE_SIZE: usize = 24;

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
    /// What is said of its stock ("only 3 left"), when the shop says it.
    pub availability: Option<AvailabilityView>,
    /// When it is sold by the shared case: the case's progress.
    pub shared_case: Option<SharedCaseView>,
}

/// What a customer is told of a product's stock: never a refusal.
#[derive(Debug, Clone, Serialize)]
pub struct AvailabilityView {
    /// `left` or `out`.
    pub code: &'static str,
    /// The words, e.g. "Only 3 units left".
    pub text: String,
}

/// A case bought together, as a card and a product page show it.
#[derive(Debug, Clone, Serialize)]
pub struct SharedCaseView {
    /// The variant shared.
    pub variant_id: i64,
    /// The packaging's name ("Carton de 6").
    pub packaging: String,
    /// The case's size, in the product's unit.
    pub size: Decimal,
    /// What the round's shares add up to.
    pub taken: Decimal,
    /// What is missing to fill it.
    pub missing: Decimal,
    /// The progress in words: "4 of 6 taken, 2 missing".
    pub text: String,
    /// Whether shares can be taken now.
    pub open: bool,
    /// The round's cut-off (RFC 3339, UTC).
    pub closes_at: Option<String>,
    /// The round's cut-off for people: "Tuesday 8 December, 20:00".
    pub closes: Option<String>,
}

/// A customer's share of a case, in the cart, the orders page and the API.
#[derive(Debug, Clone, Serialize)]
pub struct ShareLineView {
    /// The variant.
    pub product_id: i64,
    /// The product's page, if still sold.
    pub url: Option<String>,
    /// Its name.
    pub name: String,
    /// The case's packaging, if still shared.
    pub packaging: Option<String>,
    /// The share's quantity.
    pub quantity: Decimal,
    /// With its unit.
    pub quantity_text: String,
    /// Its price at the customer's pricelist, if still sold.
    pub amount: Option<PriceView>,
    /// `open`, `ordered` or `dropped`.
    pub state: &'static str,
    /// Where it stands, in words.
    pub status: String,
    /// The round's cut-off (RFC 3339, UTC).
    pub round_closes_at: String,
    /// The round's cut-off for people.
    pub round_closes: String,
    /// The order it went into (its page), once ordered.
    pub order_url: Option<String>,
    /// Where it is collected.
    pub slot: Option<String>,
    /// Whether it is of the round open now (it can still change).
    pub current: bool,
}

/// The share form of a product page.
#[derive(Debug, Clone, Serialize)]
pub struct ShareFormView {
    /// The customer's share now, with its unit.
    pub mine: Option<String>,
    /// The quantity input (the share, else one step).
    pub quantity: QuantityInput,
    /// The pickup slots it may be collected at.
    pub slots: Vec<ShareSlotView>,
}

/// A pickup slot of the share form.
#[derive(Debug, Clone, Serialize)]
pub struct ShareSlotView {
    /// The `calendar.event` id, posted back as `slot_id`.
    pub id: i64,
    /// "Marché couvert — samedi 8 juin, 08:00–12:00".
    pub label: String,
    /// Whether it is the share's.
    pub selected: bool,
}

/// Why a share was refused, in words: what is left of the case when it
/// is nearly full.
pub fn share_refusal(messages: &Messages, lang: &str, error: &crate::shop::cases::ShareError) -> String {
    let text = messages.get(error.message_key());
    match error {
        crate::shop::cases::ShareError::Full { available } => {
            text.replace("{available}", &i18n::quantity(*available, lang))
        }
        _ => text.to_owned(),
    }
}

/// A slot for people: "Place — Saturday 8 June, 08:00–12:00", in `tz`.
pub fn slot_text(slot: &crate::shop::slots::Slot, tz: chrono_tz::Tz, lang: &str) -> String {
    let (date, start, stop) = crate::shop::slots::local_window(slot, tz);
    format!(
        "{} — {}, {}",
        slot.place,
        i18n::day(date, lang),
        i18n::window(start, stop)
    )
}

/// A moment for people: "Tuesday 8 December, 20:00".
pub fn moment_text(at: chrono::NaiveDateTime, lang: &str) -> String {
    format!("{}, {}", i18n::day(at.date(), lang), at.format("%H:%M"))
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
    /// What is said of its stock.
    pub availability: Option<AvailabilityView>,
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

/// The customer's shelf as pages show it: its prices formatted in the
/// customer's language and currency, its products as cards. It shows what
/// [`Shelf`] decided; it computes no price.
#[derive(Debug, Clone, Copy)]
pub struct ShelfView<'s> {
    /// The shelf.
    pub shelf: &'s Shelf<'s>,
    /// The messages of the customer's language.
    pub messages: &'s Messages,
}

impl ShelfView<'_> {
    /// A formatted amount, in the customer's currency.
    pub fn money(&self, amount: Decimal) -> String {
        i18n::money(amount, self.shelf.currency(), self.shelf.lang)
    }

    /// A price as shown.
    pub fn price_view(&self, amount: Decimal) -> PriceView {
        PriceView {
            text: self.money(amount),
            value: amount
                .round_dp_with_strategy(
                    self.shelf.currency().decimals,
                    RoundingStrategy::MidpointAwayFromZero,
                )
                .to_string(),
            taxes: self
                .messages
                .get(match self.shelf.tax_display {
                    TaxDisplay::Included => "incl_taxes",
                    TaxDisplay::Excluded => "excl_taxes",
                })
                .to_owned(),
        }
    }

    /// The unit's name for people.
    pub fn unit_name(&self, unit: &UnitInfo) -> String {
        unit.name
            .clone()
            .unwrap_or_else(|| self.messages.get("unit").to_owned())
    }

    /// A quantity with its unit, `0,75 kg` / `3 units`.
    pub fn quantity_text(&self, quantity: Decimal, unit: &UnitInfo) -> String {
        format!(
            "{} {}",
            i18n::quantity(quantity, self.shelf.lang),
            self.unit_name(unit)
        )
    }

    /// The price per base unit shown beside a price (see
    /// [`Shelf::reference_price`]), `2,60 € / kg`.
    pub fn reference_price(&self, variant: i64, line: &LinePrice) -> Option<String> {
        let (price, name) = self.shelf.reference_price(variant, line)?;
        Some(format!("{} / {name}", self.money(price)))
    }

    /// What is said of variant `variant`'s stock, sold in `unit`.
    pub fn availability(&self, variant: i64, unit: &UnitInfo) -> Option<AvailabilityView> {
        Some(match self.shelf.stock.of(variant)? {
            Availability::Left(free) => AvailabilityView {
                code: "left",
                text: self
                    .messages
                    .get("stock_left")
                    .replace("{quantity}", &self.quantity_text(free, unit)),
            },
            Availability::Out => AvailabilityView {
                code: "out",
                text: self.messages.get("stock_out").to_owned(),
            },
        })
    }

    /// The case of variant `variant` bought together, sold in `unit`, if it
    /// is.
    pub fn shared_case(&self, variant: i64, unit: &UnitInfo) -> Option<SharedCaseView> {
        let cases = &self.shelf.cases;
        let case = cases.of(variant)?;
        let round = cases.round;
        let text = self
            .messages
            .get("share_progress")
            .replace("{taken}", &i18n::quantity(case.taken, self.shelf.lang))
            .replace("{size}", &self.quantity_text(case.size, unit))
            .replace("{missing}", &i18n::quantity(case.missing(), self.shelf.lang));
        Some(SharedCaseView {
            variant_id: variant,
            packaging: case.packaging.clone(),
            size: case.size,
            taken: case.taken,
            missing: case.missing(),
            text,
            open: cases.is_open(),
            closes_at: round.map(|r| r.closes_at.to_rfc3339()),
            closes: round.map(|r| moment_text(r.closes_local, self.shelf.lang)),
        })
    }

    /// A customer's share, its times in `tz`.
    pub fn share_line(&self, line: &crate::shop::cases::ShareLine, tz: chrono_tz::Tz) -> ShareLineView {
        use crate::store::shares::ShareState;
        let share = &line.share;
        let unit = line
            .template_id
            .and_then(|id| self.shelf.index.template(id))
            .map(|t| self.shelf.index.unit(t));
        let quantity_text = match &unit {
            Some(unit) => self.quantity_text(share.quantity, unit),
            None => i18n::quantity(share.quantity, self.shelf.lang),
        };
        let (state, status) = match share.state {
            ShareState::Open if line.current => ("open", self.messages.get("share_state_open")),
            ShareState::Open => ("open", self.messages.get("share_state_closing")),
            ShareState::Ordered => ("ordered", self.messages.get("share_state_ordered")),
            ShareState::Dropped => ("dropped", self.messages.get("share_state_dropped")),
        };
        ShareLineView {
            product_id: share.product_id,
            url: line.template_id.map(|id| format!("/products/{id}")),
            name: line.name.clone(),
            packaging: line.packaging.clone(),
            quantity: share.quantity,
            quantity_text,
            amount: line.amount.map(|a| self.price_view(a)),
            state,
            status: status.to_owned(),
            round_closes_at: line.round_closes_at.to_rfc3339(),
            round_closes: moment_text(
                line.round_closes_at.with_timezone(&tz).naive_local(),
                self.shelf.lang,
            ),
            order_url: share.order_key.as_ref().map(|k| format!("/orders/{k}")),
            slot: line.slot.as_ref().map(|s| slot_text(s, tz, self.shelf.lang)),
            current: line.current,
        }
    }

    /// The card of product `id`, if it is on sale and can be priced.
    pub fn card(&self, id: i64) -> Option<ProductCard> {
        let shelf = self.shelf;
        let template = shelf.index.template(id)?;
        let variants = shelf.index.variants_of(id);
        let first = *variants.first()?;
        let line = shelf.price(first, Decimal::ONE)?;
        let unit = shelf.index.unit(template);
        let rule = shelf.index.quantity_rule(template);
        let amount = shelf.displayed(&line);
        let in_cart: Decimal = variants.iter().filter_map(|v| shelf.cart.get(v)).sum();
        Some(ProductCard {
            id,
            url: format!("/products/{id}"),
            name: shelf.index.snapshot.product_name(template, shelf.lang).to_owned(),
            image_url: image_url(template, "medium"),
            unit: self.unit_name(&unit),
            price: self.price_view(amount),
            reference_price: self.reference_price(first, &line),
            variant_id: (variants.len() == 1).then_some(first),
            quantity: quantity_input(&rule, rule.default_quantity()),
            favorite: shelf.favorites.contains(&id),
            in_cart: (!in_cart.is_zero()).then(|| self.quantity_text(in_cart, &unit)),
            // One variant: its stock; several: only when none is left.
            availability: (variants.len() == 1
                || variants
                    .iter()
                    .all(|v| shelf.stock.of(*v) == Some(Availability::Out)))
            .then(|| self.availability(first, &unit))
            .flatten(),
            shared_case: self.shared_case(first, &unit),
        })
    }

    /// The cards of `ids`, skipping those not on sale.
    pub fn cards(&self, ids: &[i64]) -> Vec<ProductCard> {
        ids.iter().filter_map(|id| self.card(*id)).collect()
    }

    /// The page of product `id`.
    pub fn detail(&self, id: i64) -> Option<ProductDetail> {
        let shelf = self.shelf;
        let card = self.card(id)?;
        let template = shelf.index.template(id)?;
        let s = &shelf.index.snapshot;
        let description = match s.product_translations.get(shelf.lang).and_then(|t| t.get(&id)) {
            Some(t) if shelf.lang != s.default_lang => t.description_sale.clone(),
            _ => template.description_sale.clone(),
        }
        .filter(|d| !d.trim().is_empty());
        let category = if s.modules.website_sale {
            template.public_categ_ids.first().copied()
        } else {
            template.categ_id.as_ref().map(|c| c.id)
        };
        let breadcrumb = category
            .map(|c| {
                shelf
                    .index
                    .ancestry(c)
                    .into_iter()
                    .map(|c| self.category_link(c, false))
                    .collect()
            })
            .unwrap_or_default();
        let variants = shelf
            .index
            .variants_of(id)
            .iter()
            .filter_map(|v| {
                let (variant, _) = shelf.index.variant(*v)?;
                let line = shelf.price(*v, Decimal::ONE)?;
                Some(VariantView {
                    id: *v,
                    name: variant.display_name.clone(),
                    price: self.price_view(shelf.displayed(&line)),
                    reference_price: self.reference_price(*v, &line),
                    availability: self.availability(*v, &shelf.index.unit(template)),
                })
            })
            .collect();
        Some(ProductDetail {
            card,
            description,
            image_large_url: image_url(template, "large"),
            breadcrumb,
            variants,
            reference: template.default_code.clone().filter(|c| !c.is_empty()),
        })
    }

    /// A link to category `id`.
    pub fn category_link(&self, id: i64, current: bool) -> CategoryLink {
        let index = self.shelf.index;
        CategoryLink {
            id,
            name: index.category_name(id, self.shelf.lang),
            url: format!("/categories/{id}"),
            count: index.products_in(id).len(),
            current,
        }
    }

    /// Links to `ids`, skipping empty categories; `current` marks the one
    /// shown (or an ancestor of it).
    pub fn category_links(&self, ids: &[i64], current: &[i64]) -> Vec<CategoryLink> {
        ids.iter()
            .filter(|c| !self.shelf.index.products_in(**c).is_empty())
            .map(|c| self.category_link(*c, current.contains(c)))
            .collect()
    }
}

/// The cart page's values.
pub fn cart_view(view: &ShelfView<'_>, cart: &PricedCart) -> CartView {
    let shelf = view.shelf;
    let lines = cart
        .lines
        .iter()
        .filter_map(|line| {
            let template = shelf.index.template(line.template_id)?;
            let unit = shelf.index.unit(template);
            let rule = shelf.index.quantity_rule(template);
            Some(CartLineView {
                product_id: line.product_id,
                url: format!("/products/{}", template.id),
                name: line.name.clone(),
                image_url: image_url(template, "small"),
                quantity_text: view.quantity_text(line.quantity, &unit),
                quantity: quantity_input(&rule, line.quantity),
                unit: view.unit_name(&unit),
                unit_price: view.price_view(line.unit_amount),
                amount: view.price_view(line.amount),
            })
        })
        .collect();
    CartView {
        lines,
        totals: TotalsView {
            untaxed: view.money(cart.totals.amount_untaxed),
            tax: view.money(cart.totals.amount_tax),
            total: view.money(cart.totals.amount_total),
        },
        below_minimum: cart.missing.map(|missing| {
            view.messages.format(
                "below_minimum",
                &[
                    ("missing", &view.money(missing)),
                    ("minimum", &view.money(cart.minimum)),
                ],
            )
        }),
        // Names where the mirror still knows the variant (no longer sold,
        // still in Odoo); a plain "a product" for one deleted from Odoo.
        removed: cart
            .removed
            .iter()
            .map(|id| {
                shelf
                    .index
                    .snapshot
                    .variants
                    .records
                    .get(id)
                    .map(|v| v.display_name.clone())
                    .unwrap_or_else(|| view.messages.get("a_product").to_owned())
            })
            .collect(),
    }
}

/// The input of quantities of `rule`, showing `value`.
pub fn quantity_input(rule: &QuantityRule, value: Decimal) -> QuantityInput {
    let step = rule.step();
    QuantityInput {
        value: i18n::quantity_value(value),
        min: i18n::quantity_value(step),
        step: i18n::quantity_value(step),
        decimal: rule.decimal,
    }
}

/// The address of a product's image, versioned by its `write_date` so it can
/// be cached for good.
pub fn image_url(template: &ProductTemplate, size: &str) -> String {
    format!(
        "/images/products/{}/{size}?v={}",
        template.id,
        template.write_date.timestamp()
    )
}

/// Page `page` (from 1) of `ids`, and the paging of `base_url` (which ends
/// with `?` or `&`).
pub fn page_of<'a>(ids: &'a [i64], page: usize, base_url: &str) -> (&'a [i64], Paging) {
    let pages = ids.len().div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let start = (page - 1) * PAGE_SIZE;
    let end = (start + PAGE_SIZE).min(ids.len());
    let slice = ids.get(start..end).unwrap_or(&[]);
    let link = |p: usize| format!("{base_url}page={p}");
    (
        slice,
        Paging {
            page,
            pages,
            total: ids.len(),
            prev_url: (page > 1).then(|| link(page - 1)),
            next_url: (page < pages).then(|| link(page + 1)),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging() {
        let ids: Vec<i64> = (1..=50).collect();
        let (slice, paging) = page_of(&ids, 3, "/c?");
        assert_eq!(slice, &ids[48..50]);
        assert_eq!((paging.page, paging.pages, paging.total), (3, 3, 50));
        assert_eq!(paging.prev_url.as_deref(), Some("/c?page=2"));
        assert_eq!(paging.next_url, None);
        let (slice, paging) = page_of(&ids, 99, "/c?");
        assert_eq!(paging.page, 3);
        assert_eq!(slice.len(), 2);
        let (slice, paging) = page_of(&[], 1, "/c?");
        assert!(slice.is_empty());
        assert_eq!(paging.pages, 1);
    }
}
