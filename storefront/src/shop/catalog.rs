//! The catalog as customers see it: the category tree, the products of each
//! category, and product cards and pages priced at the customer's
//! pricelist. Everything is read from the mirror's snapshot; nothing here
//! calls Odoo.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use chrono::NaiveDateTime;
use connector::mirror::Snapshot;
use connector::pricing::{price_line_for, LinePrice, PriceDate, PriceEpochs, PricingContext};
use connector::records::{ProductTemplate, ProductVariant, SymbolPosition, Uom};
use connector::search::normalize;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::i18n::CurrencyFormat;
use crate::shop::settings::TaxDisplay;

/// The largest quantity of one line.
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(9999, 0, 0, false, 0);

/// What is derived from one snapshot for the pages: built once per
/// snapshot, shared by all requests.
#[derive(Debug)]
pub struct CatalogIndex {
    /// The snapshot it was built from (pages read this one, so a page is
    /// consistent even if a sync lands while it renders).
    pub snapshot: Arc<Snapshot>,
    /// Categories by id.
    categories: HashMap<i64, CategoryNode>,
    /// The top-level categories, in display order.
    roots: Vec<i64>,
    /// The products of each category and its subcategories, by name.
    products_in: HashMap<i64, Vec<i64>>,
    /// Every product on sale, by name.
    all: Vec<i64>,
    /// Each product's variants on sale, in Odoo's order.
    variants: HashMap<i64, Vec<i64>>,
    /// How each unit of measure is sold.
    units: HashMap<i64, UnitInfo>,
    /// The format of the company's currency.
    pub currency: CurrencyFormat,
    /// The format of every active currency, by id (a pricelist may be in
    /// another than the company's).
    currencies: HashMap<i64, CurrencyFormat>,
    /// The company's name.
    pub company_name: String,
    /// Distinguishes this index from those built before it (shared pages
    /// are kept per index).
    pub generation: u64,
    /// When the pricelists' rules start and stop applying.
    pub price_epochs: PriceEpochs,
}

#[derive(Debug)]
struct CategoryNode {
    parent: Option<i64>,
    children: Vec<i64>,
}

/// How a unit of measure is sold.
#[derive(Debug, Clone)]
pub struct UnitInfo {
    /// Its name (`kg`); `None` for a count of items, shown as "unit".
    pub name: Option<String>,
    /// Whether quantities may have decimals (weight, volume, length).
    pub decimal: bool,
    /// The rounding of quantities (`0.001`).
    pub rounding: Decimal,
}

impl CatalogIndex {
    /// The format of `pricelist`'s currency (the company's when unknown).
    pub fn currency_of(&self, pricelist: i64) -> &CurrencyFormat {
        self.snapshot
            .pricelists
            .records
            .get(&pricelist)
            .and_then(|p| self.currencies.get(&p.currency_id.id))
            .unwrap_or(&self.currency)
    }

    /// Builds the index of `snapshot`.
    pub fn build(snapshot: Arc<Snapshot>) -> CatalogIndex {
        let s = &*snapshot;
        let public = s.modules.website_sale;
        let mut categories: HashMap<i64, CategoryNode> = HashMap::new();
        let mut order: Vec<(i64, i64, String)> = Vec::new();
        if public {
            for c in s.public_categories.records.values() {
                categories.insert(
                    c.id,
                    CategoryNode {
                        parent: c.parent_id.as_ref().map(|p| p.id),
                        children: Vec::new(),
                    },
                );
                order.push((c.sequence, c.id, normalize(&c.name)));
            }
        } else {
            for c in s.product_categories.records.values() {
                categories.insert(
                    c.id,
                    CategoryNode {
                        parent: c.parent_id.as_ref().map(|p| p.id),
                        children: Vec::new(),
                    },
                );
                order.push((0, c.id, normalize(&c.name)));
            }
        }
        order.sort_by(|a, b| (a.0, &a.2, a.1).cmp(&(b.0, &b.2, b.1)));
        let mut roots = Vec::new();
        for (_, id, _) in &order {
            let parent = categories.get(id).and_then(|c| c.parent);
            match parent.filter(|p| categories.contains_key(p) && p != id) {
                Some(p) => {
                    if let Some(node) = categories.get_mut(&p) {
                        node.children.push(*id);
                    }
                }
                None => roots.push(*id),
            }
        }

        let mut named: Vec<(String, i64)> = s
            .templates
            .records
            .values()
            .map(|t| (normalize(&t.name), t.id))
            .collect();
        named.sort();
        let all: Vec<i64> = named.iter().map(|(_, id)| *id).collect();
        let mut products_in: HashMap<i64, Vec<i64>> = HashMap::new();
        for id in &all {
            let Some(t) = s.templates.records.get(id) else {
                continue;
            };
            let own: Vec<i64> = if public {
                t.public_categ_ids.clone()
            } else {
                t.categ_id.iter().map(|c| c.id).collect()
            };
            let mut seen = HashSet::new();
            for c in own {
                // Up the tree, bounded against a loop in corrupt data.
                let mut at = Some(c);
                let mut depth = 0;
                while let (Some(cat), true) = (at, depth < 32) {
                    if !categories.contains_key(&cat) || !seen.insert(cat) {
                        break;
                    }
                    products_in.entry(cat).or_default().push(*id);
                    at = categories.get(&cat).and_then(|n| n.parent);
                    depth += 1;
                }
            }
        }

        let mut variants: HashMap<i64, Vec<i64>> = HashMap::new();
        for t in s.templates.records.values() {
            let on_sale: Vec<i64> = t
                .product_variant_ids
                .iter()
                .copied()
                .filter(|v| s.variants.records.get(v).is_some_and(|v| v.active))
                .collect();
            variants.insert(t.id, on_sale);
        }

        let units = unit_infos(&s.uoms);
        let company = s
            .company_id
            .and_then(|id| s.companies.iter().find(|c| c.id == id))
            .or_else(|| s.companies.first());
        let currencies: HashMap<i64, CurrencyFormat> = s
            .currencies
            .iter()
            .map(|c| {
                let format = CurrencyFormat {
                    code: c.name.clone(),
                    symbol: c.symbol.clone(),
                    before: c.position == SymbolPosition::Before,
                    decimals: c.decimal_places,
                };
                (c.id, format)
            })
            .collect();
        let currency = company
            .and_then(|c| currencies.get(&c.currency_id.id))
            .cloned()
            .unwrap_or_default();
        static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        CatalogIndex {
            company_name: company.map(|c| c.name.clone()).unwrap_or_default(),
            generation: GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            price_epochs: snapshot
                .pricing
                .as_deref()
                .map(|p| p.price_epochs())
                .unwrap_or_default(),
            snapshot,
            categories,
            roots,
            products_in,
            all,
            variants,
            units,
            currency,
            currencies,
        }
    }

    /// The top-level categories, in display order.
    pub fn roots(&self) -> &[i64] {
        &self.roots
    }

    /// Whether `id` is a category of the shop.
    pub fn has_category(&self, id: i64) -> bool {
        self.categories.contains_key(&id)
    }

    /// The subcategories of `id`, in display order.
    pub fn children(&self, id: i64) -> &[i64] {
        self.categories.get(&id).map_or(&[], |c| c.children.as_slice())
    }

    /// The parent of category `id`.
    pub fn parent(&self, id: i64) -> Option<i64> {
        self.categories.get(&id).and_then(|c| c.parent)
    }

    /// The path from the root to `id`.
    pub fn ancestry(&self, id: i64) -> Vec<i64> {
        let mut path = Vec::new();
        let mut at = Some(id);
        while let (Some(c), true) = (at, path.len() < 32) {
            if !self.categories.contains_key(&c) || path.contains(&c) {
                break;
            }
            path.push(c);
            at = self.parent(c);
        }
        path.reverse();
        path
    }

    /// The products of category `id` and its subcategories, by name.
    pub fn products_in(&self, id: i64) -> &[i64] {
        self.products_in.get(&id).map_or(&[], Vec::as_slice)
    }

    /// Every product on sale, by name.
    pub fn all_products(&self) -> &[i64] {
        &self.all
    }

    /// The variants on sale of product `template_id`.
    pub fn variants_of(&self, template_id: i64) -> &[i64] {
        self.variants.get(&template_id).map_or(&[], Vec::as_slice)
    }

    /// A product on sale.
    pub fn template(&self, id: i64) -> Option<&ProductTemplate> {
        self.snapshot.templates.records.get(&id)
    }

    /// A variant on sale, with its product.
    pub fn variant(&self, id: i64) -> Option<(&ProductVariant, &ProductTemplate)> {
        let v = self.snapshot.variants.records.get(&id).filter(|v| v.active)?;
        let t = self.template(v.product_tmpl_id.id)?;
        Some((v, t))
    }

    /// The name of category `id` in `lang`.
    pub fn category_name(&self, id: i64, lang: &str) -> String {
        let s = &self.snapshot;
        if s.modules.website_sale {
            match s.category_translations.get(lang).and_then(|t| t.get(&id)) {
                Some(t) if lang != s.default_lang => t.name.clone(),
                _ => s
                    .public_categories
                    .records
                    .get(&id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
            }
        } else {
            s.product_categories
                .records
                .get(&id)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        }
    }

    /// How product `template` is sold.
    pub fn unit(&self, template: &ProductTemplate) -> UnitInfo {
        let mut info = self.units.get(&template.uom_id.id).cloned().unwrap_or(UnitInfo {
            name: Some(template.uom_id.name.clone()),
            decimal: false,
            rounding: Decimal::ONE,
        });
        if template.to_weight && !info.decimal {
            // Weighed at the till but counted in units here: still whole.
            info.decimal = false;
        }
        info
    }

    /// The quantity rule of product `template`.
    pub fn quantity_rule(&self, template: &ProductTemplate) -> QuantityRule {
        let unit = self.unit(template);
        QuantityRule {
            decimal: unit.decimal,
            rounding: if unit.decimal { unit.rounding } else { Decimal::ONE },
        }
    }
}

/// Units of measure: which are counts of items (the "Units" kind, Odoo's
/// first unit, `uom.product_uom_unit`, id 1) and which are measures that take
/// decimals.
fn unit_infos(uoms: &[Uom]) -> HashMap<i64, UnitInfo> {
    let unit_category = uoms
        .iter()
        .find(|u| u.id == 1)
        .and_then(|u| u.category_id.as_ref().map(|c| c.id));
    let by_id: HashMap<i64, &Uom> = uoms.iter().map(|u| (u.id, u)).collect();
    let is_count = |u: &Uom| -> bool {
        if u.id == 1 {
            return true;
        }
        match (&u.category_id, unit_category) {
            (Some(c), Some(unit)) => c.id == unit,
            _ => {
                // Odoo 19: units form chains through `relative_uom_id`.
                let mut at = u.relative_uom_id.as_ref().map(|r| r.id);
                let mut depth = 0;
                while let (Some(id), true) = (at, depth < 8) {
                    if id == 1 {
                        return true;
                    }
                    at = by_id
                        .get(&id)
                        .and_then(|r| r.relative_uom_id.as_ref().map(|r| r.id));
                    depth += 1;
                }
                false
            }
        }
    };
    uoms.iter()
        .map(|u| {
            let count = is_count(u);
            let rounding = if u.rounding > Decimal::ZERO {
                u.rounding.normalize()
            } else {
                Decimal::new(1, 3)
            };
            (
                u.id,
                UnitInfo {
                    name: (!count).then(|| u.name.clone()),
                    decimal: !count && rounding < Decimal::ONE,
                    rounding,
                },
            )
        })
        .collect()
}

/// Whether two snapshots hold the same records: the same one, or the same
/// revision (a sync that found nothing new): the index, and the pages kept
/// for it, stay.
fn same_records(a: &Arc<Snapshot>, b: &Arc<Snapshot>) -> bool {
    Arc::ptr_eq(a, b) || (a.revision != 0 && a.revision == b.revision)
}

/// Keeps the index of the current snapshot; rebuilt by the first request
/// that sees a new snapshot while the others go on with the previous one.
#[derive(Debug, Default)]
pub struct CatalogCache {
    current: ArcSwapOption<CatalogIndex>,
    building: Mutex<()>,
}

impl CatalogCache {
    /// The index of `snapshot` (or, while another request builds it, of the
    /// previous one).
    pub fn get(&self, snapshot: Arc<Snapshot>) -> Arc<CatalogIndex> {
        if let Some(index) = self.current.load_full() {
            if same_records(&index.snapshot, &snapshot) {
                return index;
            }
            if let Ok(_guard) = self.building.try_lock() {
                return self.rebuild(snapshot);
            }
            return index;
        }
        let _guard = self.building.lock().unwrap_or_else(|e| e.into_inner());
        match self.current.load_full() {
            Some(index) if same_records(&index.snapshot, &snapshot) => index,
            _ => self.rebuild(snapshot),
        }
    }

    fn rebuild(&self, snapshot: Arc<Snapshot>) -> Arc<CatalogIndex> {
        let index = Arc::new(CatalogIndex::build(snapshot));
        self.current.store(Some(index.clone()));
        index
    }
}

/// Why a quantity is refused; each maps to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Not a number, or not above zero.
    #[error("enter a quantity greater than zero")]
    Invalid,
    /// A fraction of a product sold by the unit.
    #[error("this product is sold by the unit: enter a whole number")]
    Whole,
    /// More than [`MAX_QUANTITY`].
    #[error("the quantity is too large")]
    TooLarge,
}

impl QuantityError {
    /// The message key.
    pub fn message_key(self) -> &'static str {
        match self {
            QuantityError::Invalid => "quantity_invalid",
            QuantityError::Whole => "quantity_whole",
            QuantityError::TooLarge => "quantity_too_large",
        }
    }
}

/// How much of a product can be ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantityRule {
    /// Whether decimals are accepted.
    pub decimal: bool,
    /// The step quantities are rounded to.
    pub rounding: Decimal,
}

impl QuantityRule {
    /// Reads a quantity typed by a customer (`0.5` or `0,5`), rounded to the
    /// unit's rounding as Odoo rounds it. Zero is allowed only where
    /// `allow_zero` (a cart update that removes the line).
    pub fn parse(&self, text: &str, allow_zero: bool) -> Result<Decimal, QuantityError> {
        let text = text.trim().replace(',', ".");
        if text.is_empty() || text.len() > 32 || !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(QuantityError::Invalid);
        }
        let value = Decimal::from_str(&text).map_err(|_| QuantityError::Invalid)?;
        self.check(value, allow_zero)
    }

    /// Checks a quantity given as a number (the JSON API).
    pub fn check(&self, value: Decimal, allow_zero: bool) -> Result<Decimal, QuantityError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(QuantityError::Invalid);
        }
        if value > MAX_QUANTITY {
            return Err(QuantityError::TooLarge);
        }
        let value = if self.decimal {
            round_to(value, self.rounding)
        } else if value.fract().is_zero() {
            value.trunc()
        } else {
            return Err(QuantityError::Whole);
        };
        if value.is_zero() && !allow_zero {
            return Err(QuantityError::Invalid);
        }
        Ok(value.normalize())
    }

    /// The step of the input: the unit's rounding, but at least 0.05 for
    /// goods sold by weight (arrows moving by one gram help nobody).
    pub fn step(&self) -> Decimal {
        if self.decimal {
            self.rounding.max(Decimal::new(5, 2)).normalize()
        } else {
            Decimal::ONE
        }
    }

    /// The quantity an add-to-cart form proposes.
    pub fn default_quantity(&self) -> Decimal {
        if self.decimal {
            Decimal::new(5, 1).max(self.step())
        } else {
            Decimal::ONE
        }
    }
}

/// Rounds half up to a multiple of `rounding`, as Odoo's `float_round` does.
fn round_to(value: Decimal, rounding: Decimal) -> Decimal {
    if rounding <= Decimal::ZERO {
        return value;
    }
    ((value / rounding).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero) * rounding)
        .normalize()
}

/// A customer's view of the catalog: their language, pricelist, favorites
/// and cart, to build cards and pages from.
#[derive(Debug)]
pub struct Shelf<'a> {
    /// The index.
    pub index: &'a CatalogIndex,
    /// The language (Odoo code).
    pub lang: &'a str,
    /// The customer's pricelist.
    pub pricelist: i64,
    /// The customer's fiscal position.
    pub fiscal_position: Option<i64>,
    /// Prices with or without taxes.
    pub tax_display: TaxDisplay,
    /// When prices are computed (UTC).
    pub now: NaiveDateTime,
    /// The customer's favorites (product ids).
    pub favorites: &'a HashSet<i64>,
    /// The cart's quantities, by variant id.
    pub cart: &'a HashMap<i64, Decimal>,
    /// What is said of the stock.
    pub stock: Arc<crate::shop::stock::StockShown>,
    /// The shared cases' progress.
    pub cases: Arc<crate::shop::case_progress::CasesShown>,
}

impl Shelf<'_> {
    fn pricing(&self) -> Option<&PricingContext> {
        self.index.snapshot.pricing.as_deref()
    }

    /// The line Odoo would create for `quantity` of variant `variant_id`.
    pub fn price(&self, variant_id: i64, quantity: Decimal) -> Option<LinePrice> {
        let ctx = self.pricing()?;
        match price_line_for(
            ctx,
            self.pricelist.into(),
            self.fiscal_position.map(Into::into),
            variant_id.into(),
            quantity,
            PriceDate::At(self.now),
        ) {
            Ok(line) => Some(line),
            Err(e) => {
                tracing::warn!(product = variant_id, pricelist = self.pricelist, error = %e, "cannot price a product");
                None
            }
        }
    }

    /// The amount of a line as the shop displays it.
    pub fn displayed(&self, line: &LinePrice) -> Decimal {
        match self.tax_display {
            TaxDisplay::Included => line.price_total,
            TaxDisplay::Excluded => line.price_subtotal,
        }
    }

    /// The currency of the customer's prices: their pricelist's.
    pub fn currency(&self) -> &CurrencyFormat {
        self.index.currency_of(self.pricelist)
    }

    /// An amount of the company's currency (a minimum order) in the
    /// customer's, at the rate of the day, rounded to it.
    pub fn in_customer_currency(&self, amount: Decimal) -> Decimal {
        let Some(ctx) = self.pricing() else { return amount };
        let Ok(currency) = ctx.pricelist_currency(self.pricelist.into()) else {
            return amount;
        };
        ctx.convert(amount, ctx.currency().id, currency.id, self.now.date())
            .map_or(amount, |converted| currency.round(converted))
    }

    /// The price per base unit that Odoo's shop shows beside the price of
    /// `variant` shown as `line` (website_sale, with its "Base Unit Price"
    /// setting on): that price divided by the variant's `base_unit_count`,
    /// "per" its `base_unit_name`; none when the setting is off or the
    /// count is 0. Odoo 16 divides the price before a discount shown apart
    /// (its `list_price`), later series the price paid.
    pub fn reference_price(&self, variant: i64, line: &LinePrice) -> Option<(Decimal, &str)> {
        let snapshot = &self.index.snapshot;
        if !snapshot.settings.reference_prices {
            return None;
        }
        let variant = snapshot.variants.records.get(&variant)?;
        let count = variant.base_unit_count.filter(|count| *count > Decimal::ZERO)?;
        let mut price = self.displayed(line);
        if snapshot.series.starts_with("16.")
            && !line.discount.is_zero()
            && line.discount < Decimal::ONE_HUNDRED
        {
            price = price * Decimal::ONE_HUNDRED / (Decimal::ONE_HUNDRED - line.discount);
        }
        let name = variant
            .base_unit_name
            .as_deref()
            .filter(|name| !name.is_empty())?;
        Some((price.checked_div(count)?, name))
    }

    /// What the customer marked among products `ids`: (id, favorite,
    /// quantity in the cart) for those that are a favorite or in the cart.
    /// Two customers with the same marks on a page see the same cards.
    pub fn marks(&self, ids: &[i64]) -> Vec<(i64, bool, Option<Decimal>)> {
        ids.iter()
            .filter_map(|&id| {
                let favorite = !self.favorites.is_empty() && self.favorites.contains(&id);
                // An empty cart (most pages' case) needs no look-up.
                let in_cart: Decimal = if self.cart.is_empty() {
                    Decimal::ZERO
                } else {
                    self.index
                        .variants_of(id)
                        .iter()
                        .filter_map(|v| self.cart.get(v))
                        .sum()
                };
                let in_cart = (!in_cart.is_zero()).then_some(in_cart.normalize());
                (favorite || in_cart.is_some()).then_some((id, favorite, in_cart))
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn quantities_by_the_unit_are_whole() {
        let rule = QuantityRule {
            decimal: false,
            rounding: Decimal::ONE,
        };
        assert_eq!(rule.parse("3", false), Ok(d("3")));
        assert_eq!(rule.parse(" 2.0 ", false), Ok(d("2")));
        assert_eq!(rule.parse("1.5", false), Err(QuantityError::Whole));
        assert_eq!(rule.parse("0", false), Err(QuantityError::Invalid));
        assert_eq!(rule.parse("0", true), Ok(d("0")));
        for bad in ["", "-1", "abc", "NaN", "inf", "1e3", "½", "1.2.3", "0x10"] {
            assert_eq!(rule.parse(bad, false), Err(QuantityError::Invalid), "{bad}");
        }
        assert_eq!(rule.parse("10000", false), Err(QuantityError::TooLarge));
        assert_eq!(rule.parse(&"9".repeat(40), false), Err(QuantityError::Invalid));
    }

    #[test]
    fn weighed_quantities_round_to_the_unit() {
        let rule = QuantityRule {
            decimal: true,
            rounding: d("0.001"),
        };
        assert_eq!(rule.parse("0,75", false), Ok(d("0.75")));
        assert_eq!(rule.parse("0.3335", false), Ok(d("0.334")));
        assert_eq!(rule.parse("0.0004", false), Err(QuantityError::Invalid));
        assert_eq!(rule.step(), d("0.05"));
        assert_eq!(rule.default_quantity(), d("0.5"));
        let grams = QuantityRule {
            decimal: true,
            rounding: d("0.5"),
        };
        assert_eq!(grams.parse("1.2", false), Ok(d("1")));
    }
}
