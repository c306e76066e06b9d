//! What the engine prices from: products, categories, pricelists and their
//! rules, taxes and the currency, as plain values.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::fiscal::FiscalPosition;
use super::tax::{Tax, TaxRounding};
use super::{
    CategoryId, CurrencyId, FiscalPositionId, OdooSeries, PricelistId, PricelistItemId, PricingError,
    ProductId, TaxId, TemplateId, UomId,
};

/// The currency prices are computed in (`res.currency`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    /// Its id.
    pub id: CurrencyId,
    /// The rounding step of amounts (`rounding`: 0.01, or 0.05 for cash-like
    /// currencies).
    pub rounding: Decimal,
    /// The decimals shown (`decimal_places`).
    pub decimal_places: u32,
}

impl Currency {
    /// A currency rounding to `decimal_places` decimals (0.01 for 2).
    pub fn with_decimals(id: impl Into<CurrencyId>, decimal_places: u32) -> Self {
        Self {
            id: id.into(),
            rounding: Decimal::new(1, decimal_places),
            decimal_places,
        }
    }

    /// `res.currency.round`: an amount to the currency's rounding step.
    pub fn round(&self, amount: Decimal) -> Decimal {
        super::float_round(amount, self.rounding)
    }
}

/// A rate of a currency (`res.currency.rate`): `rate` units of it per unit
/// of the rates' reference (the currency whose rate is 1), from `day` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// The first day it applies (`name`).
    pub day: NaiveDate,
    /// Whether it is the company's own (`company_id` set; on 17 and later the
    /// root company's), rather than shared by all companies.
    pub company_specific: bool,
    /// `rate`.
    pub rate: Decimal,
}

/// A product category (`product.category`): rules on a category apply to its
/// descendants too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Its id.
    pub id: CategoryId,
    /// Its parent, if any.
    pub parent_id: Option<CategoryId>,
}

/// A product variant (`product.product`) with what pricing reads of it and of
/// its template.
///
/// `list_price`, `category_id`, `tax_ids` and `uom_id` are fields of the
/// template: every variant of a template has the same.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The variant's id.
    pub id: ProductId,
    /// Its template.
    pub template_id: TemplateId,
    /// The template's category (`categ_id`; may be empty from 19.0).
    pub category_id: Option<CategoryId>,
    /// The template's sales price (`list_price`).
    pub list_price: Decimal,
    /// The variant's attribute extras (`price_extra`): its sales price
    /// (`lst_price`) is `list_price + price_extra`, and so is the base of
    /// rules on the sales price.
    pub price_extra: Decimal,
    /// The cost (`standard_price`), the base of rules on the cost.
    pub standard_price: Decimal,
    /// Customer taxes (`taxes_id`) of the company the shop sells for.
    pub tax_ids: Vec<TaxId>,
    /// The unit of measure; lines are priced in it.
    pub uom_id: Option<UomId>,
}

impl Product {
    /// A variant with a sales price, no extras, no cost, no category, no tax.
    pub fn new(id: impl Into<ProductId>, template_id: impl Into<TemplateId>, list_price: Decimal) -> Self {
        Self {
            id: id.into(),
            template_id: template_id.into(),
            category_id: None,
            list_price,
            price_extra: Decimal::ZERO,
            standard_price: Decimal::ZERO,
            tax_ids: Vec::new(),
            uom_id: None,
        }
    }

    /// The variant's sales price (`lst_price`): `list_price + price_extra`,
    /// what `product._price_compute('list_price')` gives and what a line is
    /// priced at without any rule.
    pub fn lst_price(&self) -> Decimal {
        self.list_price + self.price_extra
    }
}

/// Whether a pricelist shows its discount apart (`discount_policy`, 16.0 and
/// 17.0). From 18.0 the field is gone and the series ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DiscountPolicy {
    /// `with_discount` (the default): the line's unit price is the discounted
    /// price, `discount` stays 0.
    #[default]
    WithDiscount,
    /// `without_discount`: the line shows the price before the rule's
    /// discount in `price_unit` and the rest in `discount`.
    WithoutDiscount,
}

/// A pricelist (`product.pricelist`); its rules are added apart
/// ([`PricingContext::add_item`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricelist {
    /// Its id.
    pub id: PricelistId,
    /// Its currency, if known (else the context's); one other than the
    /// context's must be added with its rates
    /// ([`PricingContext::add_currency`]).
    pub currency_id: Option<CurrencyId>,
    /// How it shows discounts (16.0 and 17.0).
    pub discount_policy: DiscountPolicy,
}

/// The prices of an order without a pricelist (Odoo 17 and later, where
/// a database may have none): every context has it, with no rules, so it
/// gives the sales price plus the variant's extra, as Odoo's
/// `_get_display_price` does then. No record of Odoo has this id.
pub const NO_PRICELIST: PricelistId = PricelistId(0);

impl Pricelist {
    /// A pricelist in the context's currency that includes its discounts.
    pub fn new(id: impl Into<PricelistId>) -> Self {
        Self {
            id: id.into(),
            currency_id: None,
            discount_policy: DiscountPolicy::WithDiscount,
        }
    }
}

/// What a rule applies to (`applied_on` with `categ_id`, `product_tmpl_id` or
/// `product_id`). Rules are tried from the most specific (variant) to the
/// most general (global).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppliedOn {
    /// `0_product_variant`: one variant.
    Variant(ProductId),
    /// `1_product`: every variant of a template.
    Template(TemplateId),
    /// `2_product_category`: the products of a category or of its descendants.
    Category(CategoryId),
    /// `3_global`: every product.
    Global,
}

impl AppliedOn {
    /// The rank of `applied_on` in Odoo's rule order (`'0_…'` first).
    pub(crate) fn rank(self) -> u8 {
        match self {
            Self::Variant(_) => 0,
            Self::Template(_) => 1,
            Self::Category(_) => 2,
            Self::Global => 3,
        }
    }
}

/// What a rule's price is based on (`base`, with `base_pricelist_id`). Not used
/// by fixed prices, except to find the price before discount of a line that
/// shows its discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PriceBase {
    /// `list_price`: the variant's sales price (with its extras).
    #[default]
    ListPrice,
    /// `standard_price`: the cost.
    StandardPrice,
    /// `pricelist`: the price another pricelist gives.
    Pricelist(PricelistId),
}

/// The formula of a `formula` rule: `base − base × discount / 100`, rounded
/// to a multiple of `rounding` (if not zero), plus `surcharge`, kept within
/// `base + min_margin` and `base + max_margin` (each if not zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Formula {
    /// `price_discount`, in % (negative for a markup; on the cost, 18.0's
    /// `price_markup` is its opposite).
    pub discount: Decimal,
    /// `price_surcharge`, added after the rounding.
    pub surcharge: Decimal,
    /// `price_round`, the rounding step (0 for none).
    pub rounding: Decimal,
    /// `price_min_margin` (0 for none).
    pub min_margin: Decimal,
    /// `price_max_margin` (0 for none).
    pub max_margin: Decimal,
}

/// How a rule computes the price (`compute_price`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputePrice {
    /// `fixed`: `fixed_price`.
    Fixed(Decimal),
    /// `percentage`: the base less `percent_price` %.
    Percentage(Decimal),
    /// `formula`: see [`Formula`].
    Formula(Formula),
}

/// A pricelist rule (`product.pricelist.item`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricelistItem {
    /// Its id (the last tie-break of the rule order: higher ids first).
    pub id: PricelistItemId,
    /// Its pricelist.
    pub pricelist_id: PricelistId,
    /// What it applies to.
    pub applied_on: AppliedOn,
    /// How it computes the price.
    pub compute: ComputePrice,
    /// What the price is based on.
    pub base: PriceBase,
    /// `min_quantity`: the rule applies from this quantity (in the product's
    /// unit) on; 0 for any.
    pub min_quantity: Decimal,
    /// `date_start` (UTC): not before.
    pub date_start: Option<NaiveDateTime>,
    /// `date_end` (UTC): not after.
    pub date_end: Option<NaiveDateTime>,
}

impl PricelistItem {
    /// A rule of `pricelist` on `applied_on`, based on the sales price, for
    /// any quantity and date.
    pub fn new(
        id: impl Into<PricelistItemId>,
        pricelist_id: impl Into<PricelistId>,
        applied_on: AppliedOn,
        compute: ComputePrice,
    ) -> Self {
        Self {
            id: id.into(),
            pricelist_id: pricelist_id.into(),
            applied_on,
            compute,
            base: PriceBase::ListPrice,
            min_quantity: Decimal::ZERO,
            date_start: None,
            date_end: None,
        }
    }
}

/// When the rules of a [`PricingContext`] start and stop applying
/// ([`PricingContext::price_epochs`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceEpochs {
    starts: Vec<NaiveDateTime>,
    ends: Vec<NaiveDateTime>,
}

impl PriceEpochs {
    /// A number that changes whenever a rule starts or stops applying
    /// between two instants, and only then: two instants with the same
    /// epoch get the same prices. (A rule applies at `at` when
    /// `date_start <= at` and `date_end >= at`: the epoch counts the starts
    /// at or before `at` and the ends before it.)
    pub fn epoch(&self, at: NaiveDateTime) -> usize {
        self.starts.partition_point(|s| *s <= at) + self.ends.partition_point(|e| *e < at)
    }
}

/// A pricelist's rules, indexed by what they apply to.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleIndex {
    pub(crate) variant: HashMap<ProductId, Vec<PricelistItem>>,
    pub(crate) template: HashMap<TemplateId, Vec<PricelistItem>>,
    pub(crate) category: HashMap<CategoryId, Vec<PricelistItem>>,
    pub(crate) global: Vec<PricelistItem>,
}

impl RuleIndex {
    fn insert(&mut self, item: PricelistItem) {
        let list = match item.applied_on {
            AppliedOn::Variant(id) => self.variant.entry(id).or_default(),
            AppliedOn::Template(id) => self.template.entry(id).or_default(),
            AppliedOn::Category(id) => self.category.entry(id).or_default(),
            AppliedOn::Global => &mut self.global,
        };
        list.retain(|other| other.id != item.id);
        list.push(item);
    }

    fn remove(&mut self, id: PricelistItemId) {
        let lists = self
            .variant
            .values_mut()
            .chain(self.template.values_mut())
            .chain(self.category.values_mut())
            .chain(std::iter::once(&mut self.global));
        for list in lists {
            list.retain(|item| item.id != id);
        }
    }
}

/// Everything a price depends on, and the settings of the Odoo it mirrors.
///
/// Built once per catalog snapshot and shared read-only:
///
/// ```
/// use connector::pricing::*;
/// use rust_decimal::Decimal;
///
/// let mut ctx = PricingContext::new(OdooSeries::V17, Currency::with_decimals(1, 2));
/// ctx.add_product(Product::new(14, 9, Decimal::new(1400, 2)));
/// ctx.add_pricelist(Pricelist::new(3));
/// ctx.add_item(PricelistItem::new(1, 3, AppliedOn::Global, ComputePrice::Percentage(Decimal::TEN)));
/// let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
/// let line = price_line(&ctx, PricelistId(3), ProductId(14), Decimal::ONE, day).unwrap();
/// assert_eq!(line.price_unit, Decimal::new(1260, 2));
/// ```
#[derive(Debug, Clone)]
pub struct PricingContext {
    series: OdooSeries,
    currency: Currency,
    price_digits: u32,
    discount_digits: u32,
    tax_rounding: TaxRounding,
    discounts_enabled: bool,
    categories: HashMap<CategoryId, Category>,
    products: HashMap<ProductId, Product>,
    pricelists: HashMap<PricelistId, Pricelist>,
    rules: HashMap<PricelistId, RuleIndex>,
    taxes: HashMap<TaxId, Tax>,
    fiscal_positions: HashMap<FiscalPositionId, FiscalPosition>,
    currencies: HashMap<CurrencyId, Currency>,
    rates: HashMap<CurrencyId, Vec<Rate>>,
}

impl PricingContext {
    /// An empty context for `series`, pricing in `currency`, with Odoo's
    /// defaults: prices and discounts with 2 decimals, taxes rounded as a new
    /// company of the series does ([`OdooSeries::default_tax_rounding`]), the
    /// "Discounts" setting off.
    pub fn new(series: OdooSeries, currency: Currency) -> Self {
        let no_pricelist = Pricelist::new(NO_PRICELIST);
        Self {
            series,
            currency,
            price_digits: 2,
            discount_digits: 2,
            tax_rounding: series.default_tax_rounding(),
            discounts_enabled: false,
            categories: HashMap::new(),
            products: HashMap::new(),
            pricelists: HashMap::from([(NO_PRICELIST, no_pricelist)]),
            rules: HashMap::new(),
            taxes: HashMap::new(),
            fiscal_positions: HashMap::new(),
            currencies: HashMap::new(),
            rates: HashMap::new(),
        }
    }

    /// Adds (or replaces) a currency that pricelists may be in, with its
    /// rates for the company the context prices for (`res.currency.rate`
    /// whose `company_id` is that company, on 17 and later its root
    /// company, or none). The context's own currency may be added too, for
    /// its rates (without any, its rate is 1).
    pub fn add_currency(&mut self, currency: Currency, mut rates: Vec<Rate>) -> &mut Self {
        rates.sort_by_key(|rate| (rate.company_specific, rate.day));
        self.rates.insert(currency.id, rates);
        if currency.id != self.currency.id {
            self.currencies.insert(currency.id, currency);
        }
        self
    }

    /// A currency the context knows: its own or one added.
    pub fn currency_by_id(&self, id: CurrencyId) -> Option<&Currency> {
        if id == self.currency.id {
            Some(&self.currency)
        } else {
            self.currencies.get(&id)
        }
    }

    /// The currency of `pricelist`'s prices: its own, else the context's.
    pub fn pricelist_currency(&self, pricelist: PricelistId) -> Result<&Currency, PricingError> {
        let record = self
            .pricelist(pricelist)
            .ok_or(PricingError::UnknownPricelist(pricelist))?;
        let id = record.currency_id.unwrap_or(self.currency.id);
        self.currency_by_id(id).ok_or(PricingError::ForeignCurrency {
            pricelist,
            pricelist_currency: id,
            currency: self.currency.id,
        })
    }

    /// `res.currency._get_rates` for one currency on `day`: the latest of
    /// the company's own rates up to that day, else the latest shared one;
    /// without any, on 17 and later the earliest rate there is, on 16 1.
    pub fn rate_on(&self, currency: CurrencyId, day: NaiveDate) -> Decimal {
        let Some(rates) = self.rates.get(&currency) else {
            return Decimal::ONE;
        };
        // Sorted shared first, then own, each by day: the last one up to the
        // day wins, own ones first (Odoo orders by `company_id`, nulls last).
        let until = |own: bool| {
            rates
                .iter()
                .rfind(|rate| rate.company_specific == own && rate.day <= day)
        };
        if let Some(rate) = until(true).or_else(|| until(false)) {
            return rate.rate;
        }
        match self.series {
            OdooSeries::V16 => Decimal::ONE,
            _ => rates
                .iter()
                .min_by_key(|rate| (!rate.company_specific, rate.day))
                .map_or(Decimal::ONE, |rate| rate.rate),
        }
    }

    /// `res.currency._convert(amount, to, company, date, round=False)`:
    /// `amount × rate(to) / rate(from)`, unrounded.
    pub fn convert(
        &self,
        amount: Decimal,
        from: CurrencyId,
        to: CurrencyId,
        day: NaiveDate,
    ) -> Result<Decimal, PricingError> {
        if from == to || amount.is_zero() {
            return Ok(amount);
        }
        let (to_rate, from_rate) = (self.rate_on(to, day), self.rate_on(from, day));
        to_rate
            .checked_div(from_rate)
            .and_then(|factor| amount.checked_mul(factor))
            .ok_or(PricingError::OutOfRange("a converted price"))
    }

    /// Adds (or replaces) a fiscal position.
    pub fn add_fiscal_position(&mut self, position: FiscalPosition) -> &mut Self {
        self.fiscal_positions.insert(position.id, position);
        self
    }

    /// A fiscal position.
    pub fn fiscal_position(&self, id: FiscalPositionId) -> Option<&FiscalPosition> {
        self.fiscal_positions.get(&id)
    }

    /// The decimal accuracy "Product Price" (`decimal.precision`, 2 by
    /// default): `price_unit` is rounded to it.
    #[must_use]
    pub fn with_price_digits(mut self, digits: u32) -> Self {
        self.price_digits = digits;
        self
    }

    /// The decimal accuracy "Discount" (2 by default): `discount` is rounded
    /// to it.
    #[must_use]
    pub fn with_discount_digits(mut self, digits: u32) -> Self {
        self.discount_digits = digits;
        self
    }

    /// The company's `tax_calculation_rounding_method`.
    #[must_use]
    pub fn with_tax_rounding(mut self, rounding: TaxRounding) -> Self {
        self.tax_rounding = rounding;
        self
    }

    /// Whether the "Discounts" setting is on (`sale.group_discount_per_so_line`).
    /// From 18.0 a line then shows the discount of a percentage rule apart;
    /// 16.0 and 17.0 go by the pricelist's [`DiscountPolicy`] instead.
    #[must_use]
    pub fn with_discounts_enabled(mut self, enabled: bool) -> Self {
        self.discounts_enabled = enabled;
        self
    }

    /// Adds (or replaces) a category.
    pub fn add_category(&mut self, category: Category) -> &mut Self {
        self.categories.insert(category.id, category);
        self
    }

    /// Adds (or replaces) a product.
    pub fn add_product(&mut self, product: Product) -> &mut Self {
        self.products.insert(product.id, product);
        self
    }

    /// Adds (or replaces) a pricelist; its rules may be added before or after.
    pub fn add_pricelist(&mut self, pricelist: Pricelist) -> &mut Self {
        self.pricelists.insert(pricelist.id, pricelist);
        self
    }

    /// Adds (or replaces, by id) a pricelist rule.
    pub fn add_item(&mut self, item: PricelistItem) -> &mut Self {
        for index in self.rules.values_mut() {
            index.remove(item.id);
        }
        self.rules.entry(item.pricelist_id).or_default().insert(item);
        self
    }

    /// The instants at which a rule of any pricelist starts or stops
    /// applying: between two of them, every price priced at an instant
    /// ([`PriceDate::At`](super::PriceDate::At)) stays the same, so a page of
    /// prices can be kept until the next one.
    pub fn price_epochs(&self) -> PriceEpochs {
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        let items = self.rules.values().flat_map(|index| {
            index
                .variant
                .values()
                .chain(index.template.values())
                .chain(index.category.values())
                .flatten()
                .chain(index.global.iter())
        });
        for item in items {
            starts.extend(item.date_start);
            ends.extend(item.date_end);
        }
        starts.sort_unstable();
        ends.sort_unstable();
        PriceEpochs { starts, ends }
    }

    /// Adds (or replaces) a tax.
    pub fn add_tax(&mut self, tax: Tax) -> &mut Self {
        self.taxes.insert(tax.id, tax);
        self
    }

    /// The series whose arithmetic is reproduced.
    pub fn series(&self) -> OdooSeries {
        self.series
    }

    /// The currency prices are computed in.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The decimals of `price_unit`.
    pub fn price_digits(&self) -> u32 {
        self.price_digits
    }

    /// The decimals of `discount`.
    pub fn discount_digits(&self) -> u32 {
        self.discount_digits
    }

    /// How taxes are rounded.
    pub fn tax_rounding(&self) -> TaxRounding {
        self.tax_rounding
    }

    /// Whether the "Discounts" setting is on.
    pub fn discounts_enabled(&self) -> bool {
        self.discounts_enabled
    }

    /// A product, by id.
    pub fn product(&self, id: ProductId) -> Option<&Product> {
        self.products.get(&id)
    }

    /// A category, by id.
    pub fn category(&self, id: CategoryId) -> Option<&Category> {
        self.categories.get(&id)
    }

    /// A pricelist, by id.
    pub fn pricelist(&self, id: PricelistId) -> Option<&Pricelist> {
        self.pricelists.get(&id)
    }

    /// A tax, by id.
    pub fn tax(&self, id: TaxId) -> Option<&Tax> {
        self.taxes.get(&id)
    }

    pub(crate) fn rules(&self, pricelist: PricelistId) -> Option<&RuleIndex> {
        self.rules.get(&pricelist)
    }

    pub fn taxes(&self) -> &HashMap<TaxId, Tax> {
        &self.taxes
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_moved_to_another_pricelist_leaves_the_first() {
        let mut ctx = PricingContext::new(OdooSeries::V18, Currency::with_decimals(1, 2));
        let mut item = PricelistItem::new(7, 1, AppliedOn::Global, ComputePrice::Fixed(Decimal::ONE));
        ctx.add_item(item.clone());
        item.pricelist_id = PricelistId(2);
        item.applied_on = AppliedOn::Template(TemplateId(4));
        ctx.add_item(item);
        assert!(ctx
            .rules(PricelistId(1))
            .map(|r| r.global.is_empty())
            .unwrap_or(true));
        let second = ctx.rules(PricelistId(2)).unwrap();
        assert_eq!(second.template.get(&TemplateId(4)).map(Vec::len), Some(1));
    }

    #[test]
    fn defaults_follow_the_series() {
        let currency = Currency::with_decimals(1, 2);
        assert_eq!(currency.rounding, Decimal::new(1, 2));
        let ctx = PricingContext::new(OdooSeries::V17, currency.clone());
        assert_eq!(ctx.tax_rounding(), TaxRounding::PerLine);
        assert_eq!(ctx.price_digits(), 2);
        assert!(!ctx.discounts_enabled());
        let ctx = PricingContext::new(OdooSeries::V19, currency);
        assert_eq!(ctx.tax_rounding(), TaxRounding::Globally);
    }

    #[test]
    fn a_rate_is_the_companys_own_before_a_shared_one_and_never_from_the_future() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let rate = |d: u32, own: bool, rate: i64| Rate {
            day: day(d),
            company_specific: own,
            rate: Decimal::new(rate, 4),
        };
        for series in [OdooSeries::V16, OdooSeries::V19] {
            let mut ctx = PricingContext::new(series, Currency::with_decimals(1, 2));
            ctx.add_currency(
                Currency::with_decimals(2, 2),
                vec![
                    rate(10, false, 11_000),
                    rate(5, true, 10_837),
                    rate(20, true, 12_000),
                ],
            );
            // An own rate of an earlier day beats a shared one of a later
            // day (Odoo orders by company first).
            assert_eq!(ctx.rate_on(CurrencyId(2), day(12)), Decimal::new(10_837, 4));
            assert_eq!(ctx.rate_on(CurrencyId(2), day(20)), Decimal::new(12_000, 4));
            // Before any rate: 1 on 16, the earliest own rate from 17 on.
            let before = ctx.rate_on(CurrencyId(2), day(1));
            match series {
                OdooSeries::V16 => assert_eq!(before, Decimal::ONE),
                _ => assert_eq!(before, Decimal::new(10_837, 4)),
            }
            // The company's currency without rates is 1: 10 of it are
            // 10.837 of the other on the 12th.
            assert_eq!(
                ctx.convert(Decimal::TEN, CurrencyId(1), CurrencyId(2), day(12))
                    .unwrap(),
                Decimal::new(10_837, 3)
            );
            assert_eq!(ctx.pricelist_currency(NO_PRICELIST).unwrap().id, CurrencyId(1));
        }
    }
}
