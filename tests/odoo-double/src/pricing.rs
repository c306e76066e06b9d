//! How the double prices sale order lines — the seam where the connector's
//! exact pricing engine plugs in.
//!
//! When a client creates a `sale.order.line` without `price_unit` (or
//! changes the product or quantity of a draft line), the double asks its
//! [`LinePricer`] for the unit price and discount, then for the line's
//! amounts (subtotal, tax, total); the order's amounts are the sums. The
//! default, [`DefaultPricer`], implements the common cases of Odoo's
//! pricelists (fixed, percentage and formula rules on variants, templates,
//! categories or all products, minimum quantities, date ranges, other
//! pricelists as base) and percent taxes included in or excluded from the
//! price, rounded per line. To price exactly as the connector does:
//!
//! ```ignore
//! struct ConnectorPricer(/* the connector's engine and a mirror */);
//! impl odoo_double::LinePricer for ConnectorPricer {
//!     fn price(&self, db: &Database, request: &PriceRequest) -> LinePrice { /* ... */ }
//!     fn amounts(&self, db: &Database, request: &AmountRequest) -> LineAmounts { /* ... */ }
//! }
//! double.set_pricer(Arc::new(ConnectorPricer(..)));
//! ```
//!
//! Implementations read what they need through [`Database::read`],
//! [`Database::get`] and [`Database::search`].

use chrono::NaiveDateTime;

use crate::db::{parse_datetime, Ctx, Database};
use crate::read::Env;

/// The line to price.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRequest {
    /// The order's pricelist.
    pub pricelist_id: Option<i64>,
    /// The `product.product`.
    pub product_id: i64,
    /// The ordered quantity, in the product's unit.
    pub quantity: f64,
    /// The order date (date rules are judged on it), UTC.
    pub date: NaiveDateTime,
    /// The customer.
    pub partner_id: Option<i64>,
    /// The line's unit of measure.
    pub uom_id: Option<i64>,
}

/// A unit price and a discount (in percent), as Odoo puts them on a line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinePrice {
    /// `price_unit`.
    pub price_unit: f64,
    /// `discount`, in percent.
    pub discount: f64,
}

/// The line whose amounts to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct AmountRequest {
    /// `price_unit`.
    pub price_unit: f64,
    /// `discount`, in percent.
    pub discount: f64,
    /// `product_uom_qty`.
    pub quantity: f64,
    /// The line's taxes (`account.tax` ids).
    pub tax_ids: Vec<i64>,
    /// The order's currency.
    pub currency_id: Option<i64>,
    /// The product.
    pub product_id: Option<i64>,
    /// The customer.
    pub partner_id: Option<i64>,
}

/// A line's amounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineAmounts {
    /// Without taxes.
    pub price_subtotal: f64,
    /// The taxes.
    pub price_tax: f64,
    /// With taxes.
    pub price_total: f64,
}

/// Prices order lines. Must not panic; it runs inside the double's
/// request handling.
pub trait LinePricer: Send + Sync {
    /// The unit price and discount of a line.
    fn price(&self, db: &Database, request: &PriceRequest) -> LinePrice;

    /// The amounts of a line; by default [`default_amounts`].
    fn amounts(&self, db: &Database, request: &AmountRequest) -> LineAmounts {
        default_amounts(db, request)
    }
}

/// The built-in pricing: see the [module](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPricer;

impl LinePricer for DefaultPricer {
    fn price(&self, db: &Database, request: &PriceRequest) -> LinePrice {
        default_price(db, request)
    }
}

/// Rounds half away from zero to `digits` decimals, as Odoo's
/// `float_round` does (with its epsilon).
pub fn round_to(value: f64, digits: u32) -> f64 {
    let factor = 10f64.powi(digits as i32);
    round_precision(value, 1.0 / factor)
}

/// Rounds to a multiple of `precision` (half up, Odoo's `float_round`).
pub fn round_precision(value: f64, precision: f64) -> f64 {
    if precision <= 0.0 || !value.is_finite() {
        return value;
    }
    let normalized = value / precision;
    let epsilon_magnitude = normalized.abs().log2().max(0.0);
    let epsilon = 2f64.powf(epsilon_magnitude - 52.0);
    let rounded = (normalized + normalized.signum() * epsilon).round();
    // Keep the decimal digits clean (0.1 + 0.2 style noise).
    let digits = (-precision.log10()).ceil().max(0.0) as i32;
    let factor = 10f64.powi(digits);
    ((rounded * precision) * factor).round() / factor
}

/// The default unit price: the first matching rule of the pricelist, else
/// the product's sales price (`lst_price`).
pub fn default_price(db: &Database, request: &PriceRequest) -> LinePrice {
    let mut ctx = Ctx::superuser();
    ctx.active_test = false;
    let env = Env::new(db, &ctx);
    let price = rule_price(
        &env,
        request.pricelist_id,
        request.product_id,
        request.quantity,
        request.date,
        0,
    );
    LinePrice {
        price_unit: round_to(price, 2),
        discount: 0.0,
    }
}

fn rule_price(
    env: &Env<'_>,
    pricelist: Option<i64>,
    product: i64,
    qty: f64,
    date: NaiveDateTime,
    depth: usize,
) -> f64 {
    let list_price = env.field_f64("product.product", product, "lst_price");
    let Some(pricelist) = pricelist else {
        return list_price;
    };
    if depth > 8 {
        return list_price;
    }
    let template = env.field_id("product.product", product, "product_tmpl_id");
    let mut categories = Vec::new();
    let mut categ = template.and_then(|t| env.field_id("product.template", t, "categ_id"));
    while let Some(c) = categ {
        if categories.contains(&c) || categories.len() > 30 {
            break;
        }
        categories.push(c);
        categ = env.field_id("product.category", c, "parent_id");
    }
    let items = env.get_named("product.pricelist", pricelist, "item_ids");
    for &item in items.ids() {
        let text = |f: &str| env.field_text("product.pricelist.item", item, f);
        let num = |f: &str| env.field_f64("product.pricelist.item", item, f);
        let id = |f: &str| env.field_id("product.pricelist.item", item, f);
        let applies = match text("applied_on").as_str() {
            "0_product_variant" => id("product_id") == Some(product),
            "1_product" => id("product_tmpl_id").is_some() && id("product_tmpl_id") == template,
            "2_product_category" => id("categ_id").is_some_and(|c| categories.contains(&c)),
            _ => true,
        };
        if !applies {
            continue;
        }
        let min_quantity = num("min_quantity");
        if min_quantity > 0.0 && qty < min_quantity {
            continue;
        }
        if let Some(start) = parse_datetime(&text("date_start")) {
            if date < start {
                continue;
            }
        }
        if let Some(end) = parse_datetime(&text("date_end")) {
            if date > end {
                continue;
            }
        }
        let base = match text("base").as_str() {
            "standard_price" => env.field_f64("product.product", product, "standard_price"),
            "pricelist" => rule_price(env, id("base_pricelist_id"), product, qty, date, depth + 1),
            _ => list_price,
        };
        return match text("compute_price").as_str() {
            "fixed" => num("fixed_price"),
            "percentage" => base - base * (num("percent_price") / 100.0),
            _ => {
                let mut price = base - base * (num("price_discount") / 100.0);
                let rounding = num("price_round");
                if rounding > 0.0 {
                    price = round_precision(price, rounding);
                }
                price += num("price_surcharge");
                let min_margin = num("price_min_margin");
                if min_margin != 0.0 {
                    price = price.max(base + min_margin);
                }
                let max_margin = num("price_max_margin");
                if max_margin != 0.0 {
                    price = price.min(base + max_margin);
                }
                price
            }
        };
    }
    list_price
}

/// The default amounts: Odoo's `compute_all` for `percent`, `fixed`,
/// `division` and `group` taxes, rounded per line to the currency.
pub fn default_amounts(db: &Database, request: &AmountRequest) -> LineAmounts {
    let mut ctx = Ctx::superuser();
    ctx.active_test = false;
    let env = Env::new(db, &ctx);
    let digits = request
        .currency_id
        .map(|c| env.get_named("res.currency", c, "decimal_places").as_f64() as u32)
        .unwrap_or(2);
    let price = request.price_unit * (1.0 - request.discount / 100.0);
    let base = round_to(price * request.quantity, digits);
    // Flatten groups.
    let mut taxes = Vec::new();
    for &t in &request.tax_ids {
        if env.field_text("account.tax", t, "amount_type") == "group" {
            taxes.extend(
                env.get_named("account.tax", t, "children_tax_ids")
                    .ids()
                    .iter()
                    .copied(),
            );
        } else {
            taxes.push(t);
        }
    }
    let included = |t: i64| env.get_named("account.tax", t, "price_include").as_bool();
    let kind = |t: i64| env.field_text("account.tax", t, "amount_type");
    let amount = |t: i64| env.field_f64("account.tax", t, "amount");
    // Taxes included in the price come out of the base first.
    let mut excluded_base = base;
    let mut tax_total = 0.0;
    let incl_percent: f64 = taxes
        .iter()
        .filter(|t| included(**t) && kind(**t) == "percent")
        .map(|t| amount(*t))
        .sum();
    let incl_fixed: f64 = taxes
        .iter()
        .filter(|t| included(**t) && kind(**t) == "fixed")
        .map(|t| amount(*t) * request.quantity)
        .sum();
    let incl_division: f64 = taxes
        .iter()
        .filter(|t| included(**t) && kind(**t) == "division")
        .map(|t| amount(*t))
        .sum();
    if incl_percent != 0.0 || incl_fixed != 0.0 || incl_division != 0.0 {
        let without_fixed = base - incl_fixed;
        let without_division = without_fixed * (1.0 - incl_division / 100.0);
        excluded_base = round_to(without_division / (1.0 + incl_percent / 100.0), digits);
        tax_total += base - excluded_base;
    }
    for &t in &taxes {
        if included(t) {
            continue;
        }
        let a = amount(t);
        tax_total += match kind(t).as_str() {
            "fixed" => round_to(a * request.quantity, digits),
            "division" if a < 100.0 => round_to(excluded_base / (1.0 - a / 100.0) - excluded_base, digits),
            "percent" => round_to(excluded_base * a / 100.0, digits),
            _ => 0.0,
        };
    }
    let tax_total = round_to(tax_total, digits);
    LineAmounts {
        price_subtotal: excluded_base,
        price_tax: tax_total,
        price_total: round_to(excluded_base + tax_total, digits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(round_to(2.675, 2), 2.68);
        assert_eq!(round_to(12.6, 2), 12.6);
        assert_eq!(round_to(0.1 + 0.2, 2), 0.3);
        assert_eq!(round_to(-1.005, 2), -1.01);
        assert_eq!(round_precision(4.32, 0.05), 4.3);
        assert_eq!(round_precision(4.33, 0.05), 4.35);
    }
}

/// Prices lines exactly as the connector does (`connector::pricing`, held
/// to Odoo's own pricing by the parity files), from the double's data: the
/// double's default, so that orders it stores carry the amounts Odoo would
/// put on them. A line the engine cannot price (no pricelist, a product it
/// does not know) falls back to [`DefaultPricer`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectorPricer;

impl LinePricer for ConnectorPricer {
    fn price(&self, db: &Database, request: &PriceRequest) -> LinePrice {
        let priced = (|| {
            let ctx = connector_context(db)?;
            let pricelist = connector::pricing::PricelistId(request.pricelist_id?);
            let quantity = decimal(request.quantity)?;
            let line = connector::pricing::price_line(
                &ctx,
                pricelist,
                connector::pricing::ProductId(request.product_id),
                quantity,
                request.date,
            )
            .ok()?;
            Some(LinePrice {
                price_unit: float(line.price_unit),
                discount: float(line.discount),
            })
        })();
        priced.unwrap_or_else(|| default_price(db, request))
    }

    fn amounts(&self, db: &Database, request: &AmountRequest) -> LineAmounts {
        let computed = (|| {
            let ctx = connector_context(db)?;
            let ids: Vec<connector::pricing::TaxId> = request
                .tax_ids
                .iter()
                .copied()
                .map(connector::pricing::TaxId)
                .collect();
            let taxes = connector::pricing::tax::flatten(ctx.taxes(), &ids).ok()?;
            let hundred = connector::pricing::Decimal::ONE_HUNDRED;
            let price = decimal(request.price_unit)? * (hundred - decimal(request.discount)?) / hundred;
            // The order's currency (its pricelist's).
            let currency = request
                .currency_id
                .and_then(|id| ctx.currency_by_id(connector::pricing::CurrencyId(id)))
                .unwrap_or(ctx.currency());
            let amounts = connector::pricing::tax::line_amounts(
                ctx.series(),
                ctx.tax_rounding(),
                currency,
                &taxes,
                price,
                decimal(request.quantity)?,
            );
            Some(LineAmounts {
                price_subtotal: float(amounts.subtotal),
                price_tax: float(amounts.tax),
                price_total: float(amounts.total),
            })
        })();
        computed.unwrap_or_else(|| default_amounts(db, request))
    }
}

/// The connector's pricing context for the double's current data, built as
/// the mirror builds it: through the same typed records.
fn connector_context(db: &Database) -> Option<connector::pricing::PricingContext> {
    use connector::domain::{field, Domain};
    use connector::mirror::{Collection, Mirrored, Snapshot};
    use connector::records::*;

    fn rows<R: Record>(db: &Database, domain: &Domain) -> Option<Vec<R>> {
        let schema = db.schema(R::MODEL)?;
        let available: std::collections::HashSet<String> = schema.fields.keys().cloned().collect();
        let fields = R::field_names(&available).ok()?;
        let ids = db.search_with(R::MODEL, domain, false).ok()?;
        let rows = db.read(R::MODEL, &ids, &fields).ok()?;
        let value =
            connector::xmlrpc::Value::Array(rows.into_iter().map(connector::xmlrpc::Value::Struct).collect());
        connector::records::decode("odoo-double pricing", value).ok()
    }
    fn collection<R: Mirrored>(db: &Database, domain: &Domain) -> Option<Collection<R>> {
        Some(Collection {
            records: rows::<R>(db, domain)?.into_iter().map(|r| (r.id(), r)).collect(),
            watermark: None,
        })
    }

    let all = Domain::All;
    let mut snapshot = Snapshot::default();
    snapshot.series = db.series().to_string();
    snapshot.templates = collection::<ProductTemplate>(db, &all)?;
    snapshot.variants = collection::<ProductVariant>(db, &all)?;
    snapshot.product_categories = collection::<ProductCategory>(db, &all)?;
    snapshot.pricelists = collection::<Pricelist>(db, &all)?;
    snapshot.pricelist_items = collection::<PricelistItem>(db, &all)?;
    snapshot.taxes = rows::<Tax>(db, &field("type_tax_use").is_in(["sale", "none"]))?;
    snapshot.currencies = rows::<Currency>(db, &all)?;
    snapshot.currency_rates = rows::<CurrencyRate>(db, &all)?;
    snapshot.companies = rows::<Company>(db, &all)?;
    let mut settings = connector::mirror::OdooSettings::default();
    settings.price_digits = db.digits("Product Price");
    settings.discount_digits = db.digits("Discount");
    settings.discounts =
        db.group_on("sale.group_discount_per_so_line") || db.group_on("product.group_discount_per_so_line");
    snapshot.settings = settings;
    snapshot.pricing_context()
}

fn decimal(value: f64) -> Option<connector::pricing::Decimal> {
    connector::records::fields::decimal_from_f64(value)
}

fn float(value: connector::pricing::Decimal) -> f64 {
    use std::str::FromStr;
    f64::from_str(&value.to_string()).unwrap_or(0.0)
}
