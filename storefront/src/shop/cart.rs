//! The cart: kept in the store per customer (so it survives restarts and
//! follows the customer across devices), its quantities checked against the
//! product's unit, and priced as Odoo will price the order.

use connector::pricing::{order_totals, LinePrice, OrderTotals};
use rust_decimal::Decimal;

use crate::shop::catalog::{QuantityError, Shelf};
use crate::shop::settings::TaxDisplay;
use crate::shop::Customer;
use crate::store::Store;

/// Why a cart change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    /// The product is not (or no longer) sold.
    #[error("this product is not sold")]
    Unavailable,
    /// The quantity is not acceptable.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// The product is sold by the shared case: a share is taken on its
    /// page, not added to the cart.
    #[error("this product is sold by the shared case")]
    SharedCase,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl CartError {
    /// The message key.
    pub fn message_key(&self) -> &'static str {
        match self {
            CartError::Unavailable => "product_unavailable",
            CartError::Quantity(q) => q.message_key(),
            CartError::SharedCase => "share_not_in_cart",
            CartError::Store(_) => "server_error",
        }
    }
}

/// How a quantity arrives: typed in a form, or a JSON number.
#[derive(Debug, Clone, Copy)]
pub enum QuantityInput<'a> {
    /// Text from a form (`0,5` allowed).
    Text(&'a str),
    /// A decimal from the JSON API.
    Number(Decimal),
}

/// One priced line.
#[derive(Debug, Clone)]
pub struct PricedLine {
    /// The variant.
    pub product_id: i64,
    /// Its product.
    pub template_id: i64,
    /// Its name in the customer's language (the variant's full name when
    /// the product has several).
    pub name: String,
    /// The quantity.
    pub quantity: Decimal,
    /// The prices Odoo will compute.
    pub price: LinePrice,
    /// The price of one unit at this quantity, as displayed.
    pub unit_amount: Decimal,
    /// The line's amount, as displayed.
    pub amount: Decimal,
}

/// A cart with its prices.
#[derive(Debug, Clone)]
pub struct PricedCart {
    /// The lines still sold.
    pub lines: Vec<PricedLine>,
    /// Odoo's totals of those lines.
    pub totals: OrderTotals,
    /// The total as displayed (with or without taxes).
    pub displayed_total: Decimal,
    /// The minimum order, in the cart's currency.
    pub minimum: Decimal,
    /// What is missing to reach the minimum order, if anything.
    pub missing: Option<Decimal>,
    /// Variants dropped from the cart because they are no longer sold.
    pub removed: Vec<i64>,
}

impl PricedCart {
    /// Whether the cart holds nothing.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Prices `(variant, quantity)` lines on the shelf, as Odoo will: the
/// lines priced, and the variants no longer sold.
pub fn price_lines(
    shelf: &Shelf<'_>,
    lines: impl IntoIterator<Item = (i64, Decimal)>,
) -> (Vec<PricedLine>, Vec<i64>) {
    let mut priced_lines = Vec::new();
    let mut unsold = Vec::new();
    for (product_id, quantity) in lines {
        let priced = shelf
            .index
            .variant(product_id)
            .and_then(|(v, t)| Some((v, t, shelf.price(product_id, quantity)?)));
        let Some((variant, template, price)) = priced else {
            unsold.push(product_id);
            continue;
        };
        let name = if shelf.index.variants_of(template.id).len() > 1 {
            variant.display_name.clone()
        } else {
            shelf.index.snapshot.product_name(template, shelf.lang).to_owned()
        };
        let amount = shelf.displayed(&price);
        let unit_amount = match shelf.tax_display {
            TaxDisplay::Included => shelf.price(product_id, Decimal::ONE).map(|p| p.price_total),
            TaxDisplay::Excluded => Some(price.effective_price_unit()),
        }
        .unwrap_or(amount);
        priced_lines.push(PricedLine {
            product_id,
            template_id: template.id,
            name,
            quantity,
            price,
            unit_amount,
            amount,
        });
    }
    (priced_lines, unsold)
}

/// Odoo's totals of priced lines.
pub fn totals_of(shelf: &Shelf<'_>, lines: &[PricedLine]) -> OrderTotals {
    match shelf.index.snapshot.pricing.as_deref() {
        Some(ctx) => {
            let prices: Vec<LinePrice> = lines.iter().map(|l| l.price.clone()).collect();
            order_totals(ctx, &prices)
        }
        None => OrderTotals {
            amount_untaxed: Decimal::ZERO,
            amount_tax: Decimal::ZERO,
            amount_total: Decimal::ZERO,
        },
    }
}

/// Checks a quantity of variant `product_id` for the cart.
pub fn check_quantity(
    shelf: &Shelf<'_>,
    product_id: i64,
    quantity: QuantityInput<'_>,
    allow_zero: bool,
) -> Result<Decimal, CartError> {
    let (_, template) = shelf.index.variant(product_id).ok_or(CartError::Unavailable)?;
    let rule = shelf.index.quantity_rule(template);
    Ok(match quantity {
        QuantityInput::Text(text) => rule.parse(text, allow_zero)?,
        QuantityInput::Number(value) => rule.check(value, allow_zero)?,
    })
}

/// Adds to the cart; returns the product (template) id.
pub async fn add(
    store: &Store,
    shelf: &Shelf<'_>,
    customer: &Customer,
    product_id: i64,
    quantity: QuantityInput<'_>,
) -> Result<i64, CartError> {
    let quantity = check_quantity(shelf, product_id, quantity, false)?;
    if shelf.cases.of(product_id).is_some() {
        return Err(CartError::SharedCase);
    }
    let template_id = shelf
        .index
        .variant(product_id)
        .map(|(_, t)| t.id)
        .ok_or(CartError::Unavailable)?;
    let now = chrono::Utc::now().timestamp();
    let total = store
        .add_to_cart(customer.partner_id, product_id, quantity, now)
        .await?;
    if total > crate::shop::catalog::MAX_QUANTITY {
        // Refused: take this addition back (in one step, as it was made),
        // so the line keeps what was already there.
        store
            .add_to_cart(customer.partner_id, product_id, -quantity, now)
            .await?;
        return Err(CartError::Quantity(QuantityError::TooLarge));
    }
    Ok(template_id)
}

/// Sets a line's quantity (zero removes it).
pub async fn set(
    store: &Store,
    shelf: &Shelf<'_>,
    customer: &Customer,
    product_id: i64,
    quantity: QuantityInput<'_>,
) -> Result<Decimal, CartError> {
    let in_cart = store.cart(customer.partner_id).await?;
    let known = in_cart.iter().any(|l| l.product_id == product_id);
    let quantity = match check_quantity(shelf, product_id, quantity, true) {
        Err(CartError::Unavailable) if known => Decimal::ZERO,
        other => other?,
    };
    if !known && quantity.is_zero() {
        return Ok(quantity);
    }
    store
        .set_cart_quantity(
            customer.partner_id,
            product_id,
            quantity,
            chrono::Utc::now().timestamp(),
        )
        .await?;
    Ok(quantity)
}

/// The cart priced for the customer; lines of products no longer sold are
/// dropped from the store and reported in `removed`.
pub async fn priced(
    store: &Store,
    shelf: &Shelf<'_>,
    customer: &Customer,
    minimum: Decimal,
) -> Result<PricedCart, CartError> {
    let stored = store.cart(customer.partner_id).await?;
    let (lines, removed) = price_lines(shelf, stored.iter().map(|l| (l.product_id, l.quantity)));
    for id in &removed {
        store.remove_from_cart(customer.partner_id, *id).await?;
    }
    let totals = totals_of(shelf, &lines);
    let displayed_total = match shelf.tax_display {
        TaxDisplay::Included => totals.amount_total,
        TaxDisplay::Excluded => totals.amount_untaxed,
    };
    // The shop's minimum is in the company's currency; the cart in the
    // customer's pricelist's.
    let minimum = shelf.in_customer_currency(minimum);
    let missing = (!lines.is_empty() && displayed_total < minimum).then(|| minimum - displayed_total);
    Ok(PricedCart {
        lines,
        totals,
        displayed_total,
        minimum,
        missing,
        removed,
    })
}
