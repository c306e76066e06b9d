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
            let (mut cancel_pickings, mut launch_stock) = (false, false);
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
                    cancel_pickings = true;
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
                    launch_stock = true;
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
            if launch_stock {
                self.launch_stock(id)?;
            }
            if cancel_pickings {
                // sale_stock's `_action_cancel`: its transfers not done.
                let open: Vec<i64> = self
                    .pickings_of(id)
                    .into_iter()
                    .filter(|p| {
                        !matches!(
                            self.record("stock.picking", *p)
                                .and_then(|r| r.get("state").as_str()),
                            Some("done" | "cancel")
                        )
                    })
                    .collect();
                for &p in &open {
                    self.unreserve_picking(p)?;
                }
                if !open.is_empty() {
                    self.write_records(
                        ctx,
                        "stock.picking",
                        &open,
                        &Struct::new().with("state", "cancel"),
                    )?;
                }
            }
        }
        Ok(Value::Bool(true))
    }

    /// The transfers of order `order` (none without Inventory).
    pub(crate) fn pickings_of(&self, order: i64) -> Vec<i64> {
        self.tables.get("stock.picking").map_or_else(Vec::new, |t| {
            t.records
                .values()
                .filter(|r| r.get("sale_id").as_id() == Some(order))
                .map(|r| r.id)
                .collect()
        })
    }

    /// The lines of `order` that move goods (a product that is not a
    /// service, a positive quantity), with whether the product is storable
    /// (`is_storable` from 18.0, type `product` before).
    fn goods_lines(&self, order: i64) -> Vec<(i64, bool)> {
        let su = Ctx::superuser();
        let env = Env::new(self, &su);
        let Some(table) = self.tables.get("sale.order.line") else {
            return Vec::new();
        };
        table
            .records
            .values()
            .filter(|l| l.get("order_id").as_id() == Some(order))
            .filter(|l| l.get("display_type").is_null() && l.get("product_uom_qty").as_f64() > 0.0)
            .filter_map(|l| {
                let product = l.get("product_id").as_id()?;
                // 16.0 and 17.0 compute `type` from `detailed_type`.
                let detailed = env.field_text("product.product", product, "detailed_type");
                let kind = if detailed.is_empty() {
                    env.field_text("product.product", product, "type")
                } else {
                    detailed
                };
                if matches!(kind.as_str(), "service" | "combo") {
                    return None;
                }
                let storable = if self.series.major() >= 18 {
                    env.get_named("product.product", product, "is_storable").as_bool()
                } else {
                    kind == "product"
                };
                Some((l.id, storable))
            })
            .collect()
    }

    /// sale_stock's `_action_launch_stock_rule` on a confirmed order, with
    /// one warehouse delivering in one step: one delivery (`WH/OUT/…`) of
    /// its goods unless one is already under way. The double holds no
    /// stock: the delivery is ready (`assigned`) when its goods are all
    /// consumables, waiting (`confirmed`) for storable ones.
    fn launch_stock(&mut self, order: i64) -> Result<(), OdooError> {
        if !self.tables.contains_key("stock.picking") {
            return Ok(());
        }
        let goods = self.goods_lines(order);
        let under_way = self.pickings_of(order).into_iter().any(|p| {
            self.record("stock.picking", p)
                .is_some_and(|r| r.get("state").as_str() != Some("cancel"))
        });
        if goods.is_empty() || under_way {
            return Ok(());
        }
        let kind = {
            let Some(types) = self.tables.get("stock.picking.type") else {
                return Ok(());
            };
            let mut outgoing: Vec<&crate::db::Record> = types
                .records
                .values()
                .map(|r| &**r)
                .filter(|r| r.get("code").as_str() == Some("outgoing"))
                .filter(|r| !matches!(r.get("active"), Cell::Bool(false)))
                .collect();
            outgoing.sort_by_key(|r| (r.get("sequence").as_id().unwrap_or(0), r.id));
            match outgoing.first() {
                Some(r) => r.id,
                None => return Ok(()),
            }
        };
        let Some(rec) = self.record("sale.order", order) else {
            return Ok(());
        };
        let mut values = Struct::new()
            .with("picking_type_id", kind)
            .with("sale_id", order)
            .with("move_type", "direct");
        if let Some(name) = rec.get("name").as_str() {
            values.insert("origin", name);
        }
        if let Some(p) = rec
            .get("partner_shipping_id")
            .as_id()
            .or_else(|| rec.get("partner_id").as_id())
        {
            values.insert("partner_id", p);
        }
        if let Some(c) = rec.get("company_id").as_id() {
            values.insert("company_id", c);
        }
        if let Some(date) = rec.get("commitment_date").as_str() {
            values.insert("scheduled_date", date);
        }
        // Where the goods leave from (the warehouse's stock) and go to (the
        // customers' location).
        let company = rec.get("company_id").as_id();
        let source = self.main_warehouse(company).and_then(|w| self.warehouse_stock(w));
        let customers = self.tables.get("stock.location").and_then(|t| {
            t.records
                .values()
                .find(|r| r.get("usage").as_str() == Some("customer"))
                .map(|r| r.id)
        });
        let with_moves = self.tables.contains_key("stock.move") && source.is_some() && customers.is_some();
        if !with_moves {
            // No locations: ready for consumables, waiting for storable goods.
            let state = if goods.iter().any(|(_, storable)| *storable) {
                "confirmed"
            } else {
                "assigned"
            };
            values.insert("state", state);
        } else {
            values.insert("state", "confirmed");
        }
        // Procurements run as the superuser.
        let su = Ctx::superuser();
        let picking = self.create_record(&su, "stock.picking", &values)?;
        if let (true, Some(source), Some(customers)) = (with_moves, source, customers) {
            for (line, _) in &goods {
                let (product, qty, name) = {
                    let l = self.record("sale.order.line", *line);
                    (
                        l.and_then(|l| l.get("product_id").as_id()).unwrap_or(0),
                        l.map_or(0.0, |l| l.get("product_uom_qty").as_f64()),
                        l.and_then(|l| l.get("name").as_str().map(str::to_owned))
                            .unwrap_or_default(),
                    )
                };
                let mut mv = Struct::new()
                    .with("name", name)
                    .with("picking_id", picking)
                    .with("product_id", product)
                    .with("product_uom_qty", qty)
                    .with("location_id", source)
                    .with("location_dest_id", customers)
                    .with("sale_line_id", *line);
                if let Some(c) = company {
                    mv.insert("company_id", c);
                }
                let id = self.create_record(&su, "stock.move", &mv)?;
                self.put("stock.move", id, "state", Cell::Str("confirmed".into()))?;
            }
            self.reserve_picking(picking)?;
        }
        Ok(())
    }

    /// `stock.picking.button_validate`: done transfers are left alone; a
    /// draft or ready one is validated (`done`, `date_done` now) and its
    /// order's goods lines count as delivered; one with nothing reserved
    /// (waiting, cancelled) is refused as Odoo refuses it. Answers `True`
    /// (Odoo 16.0 would first answer its immediate-transfer wizard).
    pub(crate) fn button_validate(&mut self, ctx: &Ctx, ids: &[i64]) -> Result<Value, OdooError> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !self.exists("stock.picking", *i))
            .collect();
        if !missing.is_empty() {
            return Err(OdooError::MissingRecord {
                model: "stock.picking".into(),
                ids: missing,
            });
        }
        let mut todo = Vec::new();
        for &id in ids {
            let state = self
                .record("stock.picking", id)
                .and_then(|r| r.get("state").as_str())
                .unwrap_or("draft");
            match state {
                "done" => {}
                "draft" | "assigned" => todo.push(id),
                _ => {
                    return Err(OdooError::Validation(
                        if self.series.major() >= 19 {
                            "Transfer trouble alert! Validating a zero quantity transfer? You're not moving invisible goods around are you?\nSet some quantities and let's get moving!"
                        } else {
                            "You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, switch in edit mode and encode the done quantities."
                        }
                        .into(),
                    ))
                }
            }
        }
        if todo.is_empty() {
            return Ok(Value::Bool(true));
        }
        // The moves' quantities leave the stock.
        let mut done_by_picking: Vec<(i64, Vec<(i64, f64)>)> = Vec::new();
        for &id in &todo {
            if !self.moves_of(id).is_empty() {
                let done = self.consume_picking(id)?;
                done_by_picking.push((id, done));
            }
        }
        let values = Struct::new()
            .with("state", "done")
            .with("date_done", self.now_string())
            .with("priority", "0");
        self.write_records(ctx, "stock.picking", &todo, &values)?;
        // sale_stock: the delivered quantities of the order's lines.
        for id in todo {
            let (order, outgoing) = {
                let su = Ctx::superuser();
                let env = Env::new(self, &su);
                (
                    env.field_id("stock.picking", id, "sale_id"),
                    env.field_text("stock.picking", id, "picking_type_code") == "outgoing",
                )
            };
            let Some(order) = order.filter(|_| outgoing) else {
                continue;
            };
            if let Some((_, done_by_line)) = done_by_picking.iter().find(|(p, _)| *p == id) {
                for (line, done) in done_by_line.iter().copied() {
                    let before = self
                        .record("sale.order.line", line)
                        .map_or(0.0, |l| l.get("qty_delivered").as_f64());
                    self.put(
                        "sale.order.line",
                        line,
                        "qty_delivered",
                        Cell::Float(before + done),
                    )?;
                }
                continue;
            }
            for (line, _) in self.goods_lines(order) {
                let qty = self
                    .record("sale.order.line", line)
                    .map_or(0.0, |l| l.get("product_uom_qty").as_f64());
                self.put("sale.order.line", line, "qty_delivered", Cell::Float(qty))?;
            }
        }
        Ok(Value::Bool(true))
    }
}
