//! The pricing engine against real Odoo servers: every
//! `pricing-parity.json` under ../shared/odoo-wire/<series>/ (and every
//! `*.json` in the directory named by `PARITY_DIR`, when set) records how one
//! Odoo priced sale order lines — its inputs (currency, categories, products,
//! taxes, pricelists and their rules, the order's date) and, per case, the
//! line's `price_unit`, `discount`, `price_subtotal`, `price_tax` and
//! `price_total`. Each case is priced from the file's inputs alone, judging
//! date rules on its `order_date`, and must equal Odoo's to the cent. All
//! mismatches are reported at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use connector::pricing::{
    order_totals, price_line, AppliedOn, Category, CategoryId, ComputePrice, Currency, CurrencyId,
    DiscountPolicy, Formula, OdooSeries, PriceBase, Pricelist, PricelistId, PricelistItem, PricingContext,
    Product, ProductId, Rate, Tax, TaxAmountType, TaxId, TaxRounding, TemplateId, UomId,
};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

fn wire_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/odoo-wire")
}

/// Every parity file: one per series folder, then those of `PARITY_DIR`.
fn parity_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(wire_dir())
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path().join("pricing-parity.json"))
                .filter(|path| path.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if let Some(dir) = std::env::var_os("PARITY_DIR") {
        let dir = PathBuf::from(dir);
        files.extend(json_files(&dir, true));
        // Pricelists in another currency, when the recorder wrote them.
        let currency = dir.join("currency");
        if currency.is_dir() {
            files.extend(json_files(&currency, true));
        }
    }
    files
}

/// The `*.json` files of `dir`, sorted.
fn json_files(dir: &Path, required: bool) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if required => panic!("PARITY_DIR={}: {e}", dir.display()),
        Err(_) => return Vec::new(),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// A JSON number as the decimal it is written as (`30.75`, not the binary
/// float's expansion).
fn dec(value: &Value) -> Decimal {
    match value {
        Value::Number(number) => {
            let text = number.to_string();
            if text.contains(['e', 'E']) {
                Decimal::from_scientific(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
            } else {
                Decimal::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
            }
        }
        Value::Bool(false) | Value::Null => Decimal::ZERO,
        other => panic!("not a number: {other}"),
    }
}

fn dec_or_zero(record: &Value, field: &str) -> Decimal {
    record.get(field).map(dec).unwrap_or_default()
}

/// A many2one (`[id, "name"]`, a bare id, or `false`).
fn m2o(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Array(pair) => pair.first()?.as_i64(),
        Value::Number(id) => id.as_i64(),
        _ => None,
    }
}

fn ids(value: Option<&Value>) -> Vec<i64> {
    value
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn text<'a>(record: &'a Value, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

fn flag(record: &Value, field: &str) -> Option<bool> {
    record.get(field).and_then(Value::as_bool)
}

fn datetime(value: Option<&Value>) -> Option<NaiveDateTime> {
    let text = value?.as_str()?;
    Some(
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .unwrap_or_else(|e| panic!("datetime {text:?}: {e}")),
    )
}

fn array<'a>(file: &'a Value, key: &str) -> &'a [Value] {
    file.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The engine's context from a parity file's inputs.
fn context(file: &Value, notes: &mut Vec<String>) -> PricingContext {
    let serie = text(file, "server_serie").expect("server_serie");
    let series = OdooSeries::from_serie(serie).unwrap_or_else(|| panic!("unsupported series {serie}"));
    let currency = &file["currency"];
    let currency = Currency {
        id: CurrencyId(currency["id"].as_i64().expect("currency id")),
        rounding: dec(&currency["rounding"]),
        decimal_places: currency["decimal_places"].as_u64().expect("decimal_places") as u32,
    };
    let company_currency = currency.id;
    let mut ctx = PricingContext::new(series, currency);
    // Other currencies, with the company's rates (own or shared) up to the
    // order's day, as the recorder read them.
    for other in array(file, "currencies") {
        let id = CurrencyId(other["id"].as_i64().expect("currency id"));
        let rates = array(file, "currency_rates")
            .iter()
            .filter(|rate| m2o(rate.get("currency_id")) == Some(id.0))
            .map(|rate| Rate {
                day: NaiveDate::parse_from_str(text(rate, "name").expect("rate date"), "%Y-%m-%d")
                    .expect("rate date"),
                company_specific: m2o(rate.get("company_id")).is_some(),
                rate: dec(&rate["rate"]),
            })
            .collect();
        let record = Currency {
            id,
            rounding: dec(&other["rounding"]),
            decimal_places: other["decimal_places"].as_u64().expect("decimal_places") as u32,
        };
        if id == company_currency {
            let own = ctx.currency().clone();
            ctx.add_currency(own, rates);
        } else {
            ctx.add_currency(record, rates);
        }
    }
    // Settings the file may record; otherwise those of a new company.
    match text(file, "tax_calculation_rounding_method") {
        Some("round_per_line") => ctx = ctx.with_tax_rounding(TaxRounding::PerLine),
        Some("round_globally") => ctx = ctx.with_tax_rounding(TaxRounding::Globally),
        Some(other) => panic!("tax_calculation_rounding_method {other:?}"),
        None => {}
    }
    if let Some(enabled) = flag(file, "group_discount_per_so_line") {
        ctx = ctx.with_discounts_enabled(enabled);
    }
    // The decimal accuracies "Product Price" and "Discount".
    if let Some(digits) = file.get("product_price_digits").and_then(Value::as_u64) {
        ctx = ctx.with_price_digits(digits as u32);
    }
    if let Some(digits) = file.get("discount_digits").and_then(Value::as_u64) {
        ctx = ctx.with_discount_digits(digits as u32);
    }

    for category in array(file, "categories") {
        ctx.add_category(Category {
            id: CategoryId(category["id"].as_i64().expect("category id")),
            parent_id: m2o(category.get("parent_id")).map(CategoryId),
        });
    }

    // `taxes_id` is a field of the template: its variants share it. When the
    // file lists different taxes for variants of one template, they were
    // written one variant after the other, each write replacing the
    // template's taxes: Odoo holds the last.
    let products = array(file, "products");
    let mut template_taxes: HashMap<i64, (i64, Vec<i64>)> = HashMap::new();
    for product in products {
        let template = m2o(product.get("product_tmpl_id")).expect("product_tmpl_id");
        let id = product["id"].as_i64().expect("product id");
        template_taxes.insert(template, (id, ids(product.get("taxes_id"))));
    }
    for product in products {
        let id = product["id"].as_i64().expect("product id");
        let template = m2o(product.get("product_tmpl_id")).expect("product_tmpl_id");
        let own_taxes = ids(product.get("taxes_id"));
        let (last, taxes) = &template_taxes[&template];
        if *taxes != own_taxes {
            notes.push(format!(
                "{serie}: product {id} lists taxes {own_taxes:?}, but its template {template} holds {taxes:?} \
                 (written last, for product {last})"
            ));
        }
        let mut record = Product::new(id, template, dec_or_zero(product, "list_price"));
        record.price_extra = dec_or_zero(product, "price_extra");
        record.standard_price = dec_or_zero(product, "standard_price");
        record.category_id = m2o(product.get("categ_id")).map(CategoryId);
        record.tax_ids = taxes.iter().copied().map(TaxId).collect();
        record.uom_id = m2o(product.get("uom_id")).map(UomId);
        assert_eq!(
            record.lst_price(),
            product.get("lst_price").map(dec).unwrap_or(record.lst_price()),
            "{serie}: product {id}: lst_price is not list_price + price_extra"
        );
        ctx.add_product(record);
    }

    for tax in array(file, "taxes") {
        let id = tax["id"].as_i64().expect("tax id");
        let amount_type = match text(tax, "amount_type").unwrap_or("percent") {
            "percent" => TaxAmountType::Percent,
            "fixed" => TaxAmountType::Fixed,
            "division" => TaxAmountType::Division,
            "group" => {
                TaxAmountType::Group(ids(tax.get("children_tax_ids")).into_iter().map(TaxId).collect())
            }
            other => panic!("{serie}: tax {id}: amount_type {other:?}"),
        };
        let price_include = flag(tax, "price_include")
            .or_else(|| text(tax, "price_include_override").map(|value| value == "tax_included"))
            .unwrap_or(false);
        let mut record = Tax::new(id, amount_type, dec_or_zero(tax, "amount"))
            .price_included(price_include)
            .affecting_next_bases(flag(tax, "include_base_amount").unwrap_or(false))
            .base_affected(flag(tax, "is_base_affected").unwrap_or(true));
        if let Some(sequence) = tax.get("sequence").and_then(Value::as_i64) {
            record = record.with_sequence(sequence);
        }
        ctx.add_tax(record);
    }

    for pricelist in array(file, "pricelists") {
        let mut record = Pricelist::new(pricelist["id"].as_i64().expect("pricelist id"));
        record.currency_id = m2o(pricelist.get("currency_id")).map(CurrencyId);
        record.discount_policy = match text(pricelist, "discount_policy") {
            Some("without_discount") => DiscountPolicy::WithoutDiscount,
            _ => DiscountPolicy::WithDiscount,
        };
        ctx.add_pricelist(record);
    }

    for item in array(file, "items") {
        let id = item["id"].as_i64().expect("item id");
        let pricelist = m2o(item.get("pricelist_id")).expect("pricelist_id");
        let applied_on = match text(item, "applied_on").unwrap_or("3_global") {
            "0_product_variant" => {
                AppliedOn::Variant(ProductId(m2o(item.get("product_id")).expect("product_id")))
            }
            "1_product" => AppliedOn::Template(TemplateId(m2o(item.get("product_tmpl_id")).expect("tmpl"))),
            "2_product_category" => {
                AppliedOn::Category(CategoryId(m2o(item.get("categ_id")).expect("categ_id")))
            }
            "3_global" => AppliedOn::Global,
            other => panic!("{serie}: item {id}: applied_on {other:?}"),
        };
        let compute = match text(item, "compute_price").unwrap_or("fixed") {
            "fixed" => ComputePrice::Fixed(dec_or_zero(item, "fixed_price")),
            "percentage" => ComputePrice::Percentage(dec_or_zero(item, "percent_price")),
            "formula" => ComputePrice::Formula(Formula {
                discount: dec_or_zero(item, "price_discount"),
                surcharge: dec_or_zero(item, "price_surcharge"),
                rounding: dec_or_zero(item, "price_round"),
                min_margin: dec_or_zero(item, "price_min_margin"),
                max_margin: dec_or_zero(item, "price_max_margin"),
            }),
            other => panic!("{serie}: item {id}: compute_price {other:?}"),
        };
        let mut record = PricelistItem::new(id, pricelist, applied_on, compute);
        record.base = match (
            text(item, "base").unwrap_or("list_price"),
            m2o(item.get("base_pricelist_id")),
        ) {
            ("standard_price", _) => PriceBase::StandardPrice,
            ("pricelist", Some(other)) => PriceBase::Pricelist(PricelistId(other)),
            // Odoo bases a rule on another pricelist without one on the sales price.
            _ => PriceBase::ListPrice,
        };
        record.min_quantity = dec_or_zero(item, "min_quantity");
        record.date_start = datetime(item.get("date_start"));
        record.date_end = datetime(item.get("date_end"));
        ctx.add_item(record);
    }
    ctx
}

fn cents(value: Decimal, places: u32) -> Decimal {
    value
        .round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Checks one file; gives the number of cases and the mismatches.
fn check_file(path: &Path, notes: &mut Vec<String>) -> (String, usize, Vec<String>) {
    let raw = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: Value = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let label = format!(
        "{} ({})",
        text(&file, "server_serie").unwrap_or("?"),
        path.display()
    );
    let ctx = context(&file, notes);
    let places = ctx.currency().decimal_places;
    let order_date = text(&file, "order_date").expect("order_date");
    let day =
        NaiveDate::parse_from_str(order_date, "%Y-%m-%d").unwrap_or_else(|e| panic!("{order_date}: {e}"));

    let cases = array(&file, "cases");
    let mut mismatches = Vec::new();
    for case in cases {
        let pricelist = case["pricelist_id"].as_i64().expect("pricelist_id");
        let product = case["product_id"].as_i64().expect("product_id");
        let qty = dec(&case["qty"]);
        let name = text(case, "pricelist").unwrap_or("");
        let what = format!("{label}: pricelist {name:?} ({pricelist}), product {product}, qty {qty}");
        let line = match price_line(&ctx, PricelistId(pricelist), ProductId(product), qty, day) {
            Ok(line) => line,
            Err(error) => {
                mismatches.push(format!("{what}: error {error}"));
                continue;
            }
        };
        // Amounts in the order's currency, the pricelist's.
        let places = ctx
            .currency_by_id(line.currency_id)
            .map_or(places, |currency| currency.decimal_places);
        if let Some(want) = case.get("currency_id").and_then(Value::as_i64) {
            if want != line.currency_id.0 {
                mismatches.push(format!("{what}: currency {} instead of {want}", line.currency_id));
                continue;
            }
        }
        let mut fields = vec![
            ("price_unit", line.price_unit),
            ("price_subtotal", line.price_subtotal),
            ("price_tax", line.price_tax),
            ("price_total", line.price_total),
        ];
        if case.get("discount").is_some() {
            fields.insert(1, ("discount", line.discount));
        }
        let mut expected = String::new();
        let mut got = String::new();
        let mut differs = false;
        for (field, value) in fields {
            // The unit price to its own accuracy ("Product Price"), the
            // discount to its, the amounts to the cent.
            let places = match field {
                "price_unit" => ctx.price_digits(),
                "discount" => ctx.discount_digits(),
                _ => places,
            };
            let want = cents(dec(&case[field]), places);
            let have = cents(value, places);
            differs |= want != have;
            let _ = write!(expected, " {field}={want}");
            let _ = write!(got, " {field}={have}");
        }
        if differs {
            mismatches.push(format!("{what}:\n    expected{expected}\n    got     {got}"));
        }
    }
    // Whole orders, where the tax rounding method shows: the engine's
    // totals of the order's lines against Odoo's.
    let orders = array(&file, "orders");
    for order in orders {
        let pricelist = order["pricelist_id"].as_i64().expect("pricelist_id");
        let name = text(order, "pricelist").unwrap_or("");
        let lines: Result<Vec<_>, _> = array(order, "lines")
            .iter()
            .map(|line| {
                let product = line["product_id"].as_i64().expect("product_id");
                price_line(
                    &ctx,
                    PricelistId(pricelist),
                    ProductId(product),
                    dec(&line["qty"]),
                    day,
                )
            })
            .collect();
        let what = format!("{label}: the order on pricelist {name:?} ({pricelist})");
        match lines {
            Ok(lines) => {
                let totals = order_totals(&ctx, &lines);
                let have =
                    [totals.amount_untaxed, totals.amount_tax, totals.amount_total].map(|v| cents(v, places));
                let want =
                    ["amount_untaxed", "amount_tax", "amount_total"].map(|f| cents(dec(&order[f]), places));
                if have != want {
                    mismatches.push(format!("{what}:\n    expected {want:?}\n    got      {have:?}"));
                }
            }
            Err(error) => mismatches.push(format!("{what}: error {error}")),
        }
    }
    (label, cases.len() + orders.len(), mismatches)
}

#[test]
fn every_recorded_case_matches_odoo_to_the_cent() {
    let files = parity_files();
    assert!(
        !files.is_empty(),
        "no pricing-parity.json under {}",
        wire_dir().display()
    );
    let mut notes = Vec::new();
    let mut summary = Vec::new();
    let mut mismatches = Vec::new();
    let mut total = 0;
    for path in &files {
        let (label, cases, failed) = check_file(path, &mut notes);
        assert!(cases > 0, "{label}: no cases");
        summary.push(format!("{label}: {}/{cases} cases match", cases - failed.len()));
        total += cases;
        mismatches.extend(failed);
    }
    for note in &notes {
        eprintln!("note: {note}");
    }
    for line in &summary {
        eprintln!("{line}");
    }
    assert!(
        mismatches.is_empty(),
        "{} of {total} cases differ from Odoo:\n{}\n\n{}",
        mismatches.len(),
        mismatches.join("\n"),
        summary.join("\n")
    );
}
