//! Sale order rules: line defaults from the product, prices from the
//! order's pricelist (through the [`crate::LinePricer`]), line and order
//! amounts, and the order's state changes.

use connector::xmlrpc::{Struct, Value};

use crate::db::{parse_datetime, Cell, Ctx, Database};
use crate::faults::OdooError;
use crate::pricing::{AmountRequest, PriceRequest};
use crate::read::Env;

impl Database {
    /// The name of the line's taxes field in this series.
    pub(crate) fn line_tax_field(&self) -> &'static str {
        if self.series.major() >= 19 {
            "tax_ids"
        } else {
            "tax_id"
        }
    }

    /// The name of the line's unit field in this series.
    pub(crate) fn line_uom_field(&self) -> &'static str {
        if self.series.major() >= 19 {
            "product_uom_id"
        } else {
            "product_uom"
        }
    }

    /// Fills a line from its product: description, unit, taxes, price.
    pub(crate) fn fill_line(
        &mut self,
        ctx: &Ctx,
        id: i64,
        values: &Struct,
        creating: bool,
    ) -> Result<(), OdooError> {
        let Some(line) = self.record("sale.order.line", id) else {
            return Ok(());
        };
        let product = line.get("product_id").as_id();
        let order = line.get("order_id").as_id();
        let qty = line.get("product_uom_qty").as_f64();
        let product_changed = values.contains_key("product_id");
        let qty_changed =
            values.contains_key("product_uom_qty") || values.contains_key(self.line_uom_field());
        let state = order
            .and_then(|o| self.record("sale.order", o))
            .and_then(|o| o.get("state").as_str().map(str::to_owned))
            .unwrap_or_default();
        let Some(product) = product else { return Ok(()) };
        let reset = creating || product_changed;
        let reprice = (reset || qty_changed)
            && !values.contains_key("price_unit")
            && matches!(state.as_str(), "draft" | "sent" | "");

        let (name, uom, taxes, price) = {
            let env = Env::new(self, ctx);
            let name = {
                let display = env.display_name("product.product", product);
                let description = env.field_text("product.product", product, "description_sale");
                if description.is_empty() {
                    display
                } else {
                    format!("{display}\n{description}")
                }
            };
            let uom = env.field_id("product.product", product, "uom_id");
            let taxes = env
                .get_named("product.product", product, "taxes_id")
                .ids()
                .to_vec();
            let price = if reprice {
                let (pricelist, partner, date) = match order {
                    Some(o) => (
                        env.field_id("sale.order", o, "pricelist_id"),
                        env.field_id("sale.order", o, "partner_id"),
                        parse_datetime(&env.field_text("sale.order", o, "date_order")),
                    ),
                    None => (None, None, None),
                };
                let request = PriceRequest {
                    pricelist_id: pricelist,
                    product_id: product,
                    quantity: qty,
                    date: date.unwrap_or_else(|| self.now()),
                    partner_id: partner,
                    uom_id: uom,
                };
                Some(self.pricer.price(self, &request))
            } else {
                None
            };
            (name, uom, taxes, price)
        };
        if reset {
            if !values.contains_key("name") {
                self.put("sale.order.line", id, "name", Cell::Str(name))?;
            }
            let uom_field = self.line_uom_field();
            if !values.contains_key(uom_field) {
                self.put(
                    "sale.order.line",
                    id,
                    uom_field,
                    uom.map_or(Cell::Null, Cell::Int),
                )?;
            }
            let tax_field = self.line_tax_field();
            if !values.contains_key(tax_field) {
                self.put("sale.order.line", id, tax_field, Cell::Ids(taxes))?;
            }
        }
        if let Some(price) = price {
            self.put("sale.order.line", id, "price_unit", Cell::Float(price.price_unit))?;
            if !values.contains_key("discount") {
                self.put("sale.order.line", id, "discount", Cell::Float(price.discount))?;
            }
        }
        Ok(())
    }

    /// A line's subtotal, tax and total.
    pub(crate) fn recompute_line(&mut self, id: i64) -> Result<(), OdooError> {
        let Some(line) = self.record("sale.order.line", id) else {
            return Ok(());
        };
        if line.get("display_type").as_str().is_some() {
            for f in ["price_subtotal", "price_tax", "price_total"] {
                self.put("sale.order.line", id, f, Cell::Float(0.0))?;
            }
            return Ok(());
        }
        let ctx = Ctx::superuser();
        let amounts = {
            let env = Env::new(self, &ctx);
            let order = line.get("order_id").as_id();
            let request = AmountRequest {
                price_unit: line.get("price_unit").as_f64(),
                discount: line.get("discount").as_f64(),
                quantity: line.get("product_uom_qty").as_f64(),
                tax_ids: line.get(self.line_tax_field()).ids().to_vec(),
                currency_id: order.and_then(|o| env.field_id("sale.order", o, "currency_id")),
                product_id: line.get("product_id").as_id(),
                partner_id: order.and_then(|o| env.field_id("sale.order", o, "partner_id")),
            };
            self.pricer.amounts(self, &request)
        };
        self.put(
            "sale.order.line",
            id,
            "price_subtotal",
            Cell::Float(amounts.price_subtotal),
        )?;
        self.put("sale.order.line", id, "price_tax", Cell::Float(amounts.price_tax))?;
        self.put(
            "sale.order.line",
            id,
            "price_total",
            Cell::Float(amounts.price_total),
        )
    }

    /// An order's amounts: the sums of its lines, rounded to its currency.
    pub(crate) fn recompute_order(&mut self, id: i64) -> Result<(), OdooError> {
        if self.record("sale.order", id).is_none() {
            return Ok(());
        }
        let (untaxed, tax, digits) = {
            let ctx = Ctx::superuser();
            let env = Env::new(self, &ctx);
            let digits = env
                .field_id("sale.order", id, "currency_id")
                .map(|c| env.get_named("res.currency", c, "decimal_places").as_f64() as u32)
                .unwrap_or(2);
            let mut untaxed = 0.0;
            let mut tax = 0.0;
            if let Some(table) = self.tables.get("sale.order.line") {
                for line in table.records.values() {
                    if line.get("order_id").as_id() == Some(id) {
                        untaxed += line.get("price_subtotal").as_f64();
                        tax += line.get("price_tax").as_f64();
                    }
                }
            }
            (untaxed, tax, digits)
        };
        let untaxed = crate::pricing::round_to(untaxed, digits);
        let tax = crate::pricing::round_to(tax, digits);
        let total = crate::pricing::round_to(untaxed + tax, digits);
        self.put("sale.order", id, "amount_untaxed", Cell::Float(untaxed))?;
        self.put("sale.order", id, "amount_tax", Cell::Float(tax))?;
        self.put("sale.order", id, "amount_total", Cell::Float(total))
    }

    /// `action_cancel`, `action_confirm`, `action_draft` on sale orders.
    pub(crate) fn sale_action(&mut self, ctx: &Ctx, action: &str, ids: &[i64]) -> Result<Value, OdooError> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !self.exists("sale.order", *i))
            .collect();
        if !missing.is_empty() {
            return Err(OdooError::MissingRecord {
                model: "sale.order".into(),
                ids: missing,
            });
        }
        for &id in ids {
            let state = self
                .record("sale.order", id)
                .and_then(|r| r.get("state").as_str().map(str::to_owned))
                .unwrap_or_default();
            let mut values = Struct::new();
            match action {
                "action_cancel" => {
                    if state == "done"
                        || (state == "sale"
                            && self
                                .record("sale.order", id)
                                .is_some_and(|r| r.get("locked").as_bool()))
                    {
                        return Err(OdooError::Validation(
                            "You cannot cancel a locked order. Please unlock it first if you want to cancel it.".into(),
                        ));
                    }
                    values.insert("state", "cancel");
                }
                "action_confirm" => {
                    if !matches!(state.as_str(), "draft" | "sent") {
                        return Err(OdooError::Validation(format!(
                            "The following orders are not in a state requiring confirmation: {}",
                            self.record("sale.order", id)
                                .and_then(|r| r.get("name").as_str().map(str::to_owned))
                                .unwrap_or_default()
                        )));
                    }
                    values.insert("state", "sale");
                    values.insert("date_order", self.now_string());
                }
                _ => {
                    if matches!(state.as_str(), "cancel" | "sent") {
                        values.insert("state", "draft");
                    }
                }
            }
            if !values.is_empty() {
                self.write_records(ctx, "sale.order", &[id], &values)?;
            }
        }
        Ok(Value::Bool(true))
    }
}
