//! The pricing context of a snapshot: its records, as the pricing engine
//! takes them.

use std::collections::{HashMap, HashSet};

use crate::pricing::{
    self, AppliedOn, Category, CategoryId, ComputePrice, CurrencyId, FiscalPosition, Formula, OdooSeries,
    PriceBase, PricelistId, PricingContext, Product, TaxAmountType, TaxId, TaxRounding, TemplateId, UomId,
};
use crate::records::{self, AmountType};

use super::Snapshot;

impl Snapshot {
    /// Builds the pricing context of this snapshot: the company's currency,
    /// the internal categories, every variant on sale, the pricelists with
    /// their rules, and the sales taxes. Taxes computed by Python code
    /// (`amount_type = code`) are left out: a product that has one cannot be
    /// priced, rather than priced wrongly.
    pub fn pricing_context(&self) -> Option<PricingContext> {
        let series = OdooSeries::from_serie(&self.series)?;
        let company = match self.company_id {
            Some(id) => Some(self.companies.iter().find(|c| c.id == id)?),
            None => self.companies.first(),
        };
        let company_currency = company.map(|c| c.currency_id.id);
        let currency = self
            .currencies
            .iter()
            .find(|c| Some(c.id) == company_currency)
            .or_else(|| self.currencies.first())?;
        let mut ctx = PricingContext::new(
            series,
            pricing::Currency {
                id: CurrencyId(currency.id),
                rounding: currency.rounding,
                decimal_places: currency.decimal_places,
            },
        )
        .with_price_digits(self.settings.price_digits)
        .with_discount_digits(self.settings.discount_digits)
        .with_discounts_enabled(self.settings.discounts);
        // The company's setting when Odoo told it, else the series' default.
        match company.and_then(|c| c.tax_calculation_rounding_method.as_deref()) {
            Some("round_globally") => ctx = ctx.with_tax_rounding(TaxRounding::Globally),
            Some("round_per_line") => ctx = ctx.with_tax_rounding(TaxRounding::PerLine),
            _ => {}
        }
        let company_id = company.map(|c| c.id);
        self.add_currencies(&mut ctx, series, company_id, currency.id);
        let tax_company: HashMap<i64, i64> = self
            .taxes
            .iter()
            .filter_map(|t| Some((t.id, t.company_id?)))
            .collect();
        // The companies whose taxes a line may take, nearest first: the
        // order's company alone on 16.0; from 17.0 (branches) its parents
        // too (`_filter_taxes_by_company`).
        let mut chain: Vec<i64> = company_id.into_iter().collect();
        if series != OdooSeries::V16 {
            while let Some(parent) = chain
                .last()
                .and_then(|id| self.companies.iter().find(|c| c.id == *id))
                .and_then(|c| c.parent_id.as_ref())
                .map(|p| p.id)
                .filter(|p| !chain.contains(p))
            {
                chain.push(parent);
            }
        }
        for category in self.product_categories.records.values() {
            ctx.add_category(Category {
                id: CategoryId(category.id),
                parent_id: category.parent_id.as_ref().map(|p| CategoryId(p.id)),
            });
        }
        for variant in self.variants.records.values() {
            let Some(template) = self.templates.records.get(&variant.product_tmpl_id.id) else {
                continue;
            };
            let mut product = Product::new(variant.id, template.id, template.list_price);
            product.price_extra = variant.price_extra;
            product.standard_price = variant.standard_price.unwrap_or_default();
            product.category_id = template.categ_id.as_ref().map(|c| CategoryId(c.id));
            product.tax_ids = company_taxes(&template.taxes_id, &tax_company, &chain)
                .into_iter()
                .map(TaxId)
                .collect();
            product.uom_id = Some(UomId(template.uom_id.id));
            ctx.add_product(product);
        }
        for pricelist in self.pricelists.records.values() {
            let mut record = pricing::Pricelist::new(pricelist.id);
            record.currency_id = Some(CurrencyId(pricelist.currency_id.id));
            record.discount_policy = match pricelist.discount_policy {
                Some(records::DiscountPolicy::WithoutDiscount) => pricing::DiscountPolicy::WithoutDiscount,
                _ => pricing::DiscountPolicy::WithDiscount,
            };
            ctx.add_pricelist(record);
        }
        for item in self.pricelist_items.records.values() {
            if let Some(rule) = pricelist_rule(item) {
                ctx.add_item(rule);
            }
        }
        // The taxes of other companies are never the company's.
        let ours = |t: &&records::Tax| chain.is_empty() || t.company_id.is_none_or(|c| chain.contains(&c));
        for tax in self.taxes.iter().filter(ours) {
            let amount_type = match tax.amount_type {
                AmountType::Percent => TaxAmountType::Percent,
                AmountType::Fixed => TaxAmountType::Fixed,
                AmountType::Division => TaxAmountType::Division,
                AmountType::Group => {
                    TaxAmountType::Group(tax.children_tax_ids.iter().copied().map(TaxId).collect())
                }
                AmountType::Code => continue,
            };
            let mut record = pricing::Tax::new(tax.id, amount_type, tax.amount)
                .price_included(tax.price_include)
                .affecting_next_bases(tax.include_base_amount);
            if let Some(sequence) = tax.sequence {
                record = record.with_sequence(sequence);
            }
            ctx.add_tax(record);
        }
        let active: HashSet<i64> = self.taxes.iter().map(|t| t.id).collect();
        for position in self.fiscal_positions.iter() {
            ctx.add_fiscal_position(self.fiscal_position(position, series, &active));
        }
        Some(ctx)
    }

    /// The currencies of the pricelists other than the company's, with the
    /// rates Odoo converts with (`res.currency._get_rates`): those of no
    /// company and those of the company itself on 16.0, of its root
    /// company from 17.0 (branches share their root's rates).
    fn add_currencies(
        &self,
        ctx: &mut PricingContext,
        series: OdooSeries,
        company_id: Option<i64>,
        company_currency: i64,
    ) {
        let mut rates_company = company_id;
        if series != OdooSeries::V16 {
            let mut seen = Vec::new();
            while let Some(parent) = rates_company
                .and_then(|id| self.companies.iter().find(|c| c.id == id))
                .and_then(|c| c.parent_id.as_ref())
                .map(|p| p.id)
                .filter(|p| !seen.contains(p))
            {
                seen.push(parent);
                rates_company = Some(parent);
            }
        }
        let rates_of = |currency: i64| -> Vec<pricing::Rate> {
            self.currency_rates
                .iter()
                .filter(|rate| rate.currency_id.id == currency)
                .filter_map(|rate| {
                    let own = match &rate.company_id {
                        None => false,
                        Some(c) if Some(c.id) == rates_company => true,
                        Some(_) => return None,
                    };
                    Some(pricing::Rate {
                        day: rate.name,
                        company_specific: own,
                        rate: rate.rate,
                    })
                })
                .collect()
        };
        let mut wanted: Vec<i64> = self
            .pricelists
            .records
            .values()
            .map(|p| p.currency_id.id)
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.iter().all(|id| *id == company_currency) {
            return;
        }
        let company = ctx.currency().clone();
        ctx.add_currency(company, rates_of(company_currency));
        for currency in self.currencies.iter().filter(|c| wanted.contains(&c.id)) {
            if currency.id != company_currency {
                ctx.add_currency(
                    pricing::Currency {
                        id: CurrencyId(currency.id),
                        rounding: currency.rounding,
                        decimal_places: currency.decimal_places,
                    },
                    rates_of(currency.id),
                );
            }
        }
    }

    /// A fiscal position as the engine takes it, per series (see
    /// [`pricing::fiscal`]): tax lines whose destination is not an active
    /// sales tax are ignored (16.0, 17.0) or remove the tax (18.0); in 19.0
    /// the destination taxes name what they replace, and a position
    /// without taxes removes them all.
    /// `active`: the ids of the active sales taxes.
    fn fiscal_position(
        &self,
        position: &records::FiscalPosition,
        series: OdooSeries,
        active: &HashSet<i64>,
    ) -> FiscalPosition {
        let mut out = FiscalPosition::new(position.id);
        match series {
            OdooSeries::V19 => {
                out.removes_all = position.tax_ids.is_empty();
                for destination in self.taxes.iter().filter(|t| position.tax_ids.contains(&t.id)) {
                    for source in &destination.original_tax_ids {
                        out = out.mapping(*source, Some(TaxId(destination.id)));
                    }
                }
            }
            _ => {
                for line in self
                    .fiscal_position_taxes
                    .iter()
                    .filter(|l| l.position_id.id == position.id)
                {
                    let destination = line.tax_dest_id.as_ref().map(|d| d.id);
                    match destination {
                        Some(d) if active.contains(&d) => {
                            out = out.mapping(line.tax_src_id.id, Some(TaxId(d)));
                        }
                        Some(_) if series != OdooSeries::V18 => {}
                        _ => out = out.mapping(line.tax_src_id.id, None),
                    }
                }
            }
        }
        out
    }
}

/// A pricelist item as a pricing rule; `None` for an item whose target is
/// missing (e.g. a variant rule without its variant).
fn pricelist_rule(item: &records::PricelistItem) -> Option<pricing::PricelistItem> {
    use records::{AppliedOn as On, ComputePrice as Compute, PriceBase as Base};
    let applied_on = match item.applied_on {
        On::ProductVariant => AppliedOn::Variant(pricing::ProductId(item.product_id.as_ref()?.id)),
        On::Product => AppliedOn::Template(TemplateId(item.product_tmpl_id.as_ref()?.id)),
        On::ProductCategory => AppliedOn::Category(CategoryId(item.categ_id.as_ref()?.id)),
        On::Global => AppliedOn::Global,
    };
    let compute = match item.compute_price {
        Compute::Fixed => ComputePrice::Fixed(item.fixed_price),
        Compute::Percentage => ComputePrice::Percentage(item.percent_price),
        Compute::Formula => ComputePrice::Formula(Formula {
            discount: item.price_discount,
            surcharge: item.price_surcharge,
            rounding: item.price_round,
            min_margin: item.price_min_margin,
            max_margin: item.price_max_margin,
        }),
    };
    let mut rule = pricing::PricelistItem::new(item.id, item.pricelist_id.id, applied_on, compute);
    rule.base = match item.base {
        Base::ListPrice => PriceBase::ListPrice,
        Base::StandardPrice => PriceBase::StandardPrice,
        Base::Pricelist => PriceBase::Pricelist(PricelistId(item.base_pricelist_id.as_ref()?.id)),
    };
    rule.min_quantity = item.min_quantity;
    rule.date_start = item.date_start.map(|d| d.naive_utc());
    rule.date_end = item.date_end.map(|d| d.naive_utc());
    Some(rule)
}

/// The taxes of a product that a line of the order's company keeps
/// (`_compute_tax_id`): those of the first company of `chain` (the order's,
/// then its parents) that the product has taxes of; taxes whose company is
/// unknown are kept.
fn company_taxes(taxes: &[i64], tax_company: &HashMap<i64, i64>, chain: &[i64]) -> Vec<i64> {
    if chain.is_empty() {
        return taxes.to_vec();
    }
    let unknown = |id: &i64| !tax_company.contains_key(id);
    let of = |company: i64| -> Vec<i64> {
        taxes
            .iter()
            .copied()
            .filter(|id| tax_company.get(id) == Some(&company))
            .collect()
    };
    let chosen = chain
        .iter()
        .map(|&c| of(c))
        .find(|found| !found.is_empty())
        .unwrap_or_default();
    let mut kept: Vec<i64> = taxes
        .iter()
        .copied()
        .filter(|id| unknown(id) || chosen.contains(id))
        .collect();
    kept.dedup();
    kept
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::company_taxes;

    /// Taxes 10 of company 1 (the parent), 20 of company 2 (its branch), 30
    /// of company 3 (another), 40 of a company not known.
    fn companies() -> HashMap<i64, i64> {
        HashMap::from([(10, 1), (20, 2), (30, 3)])
    }

    #[test]
    fn a_line_keeps_the_taxes_of_the_nearest_company_that_has_some() {
        let of = companies();
        // The branch's own taxes win over its parent's.
        assert_eq!(company_taxes(&[10, 20], &of, &[2, 1]), [20]);
        // A branch without taxes of its own takes its parent's (17.0+).
        assert_eq!(company_taxes(&[10, 30], &of, &[2, 1]), [10]);
        // 16.0 looks at the order's company alone.
        assert_eq!(company_taxes(&[10, 30], &of, &[2]), Vec::<i64>::new());
        // Another company's taxes never; a tax of unknown company stays.
        assert_eq!(company_taxes(&[30, 40], &of, &[2, 1]), [40]);
        // No company known: everything.
        assert_eq!(company_taxes(&[10, 30], &of, &[]), [10, 30]);
    }
}
