//! Inventory's quantities (module `stock`): quants (`stock.quant`) at
//! locations, what is reserved of them by deliveries (`stock.move`), the
//! products' `qty_available` and `free_qty` at a warehouse, and the stock
//! an administrator sets in inventory mode.

use connector::xmlrpc::{Struct, Value};

use crate::db::{Cell, Ctx, Database};
use crate::faults::OdooError;
use crate::read::Env;

/// What a delivery's move reserves and takes out of stock, per series:
/// `quantity` from 17.0, `reserved_availability` on 16.0.
pub(crate) fn reserved_field(db: &Database) -> &'static str {
    if db.series.major() >= 17 {
        "quantity"
    } else {
        "reserved_availability"
    }
}

impl Database {
    /// The location and its descendants (`child_of`).
    pub(crate) fn location_tree(&self, root: i64) -> Vec<i64> {
        let Some(table) = self.tables.get("stock.location") else {
            return Vec::new();
        };
        table
            .records
            .values()
            .filter(|r| {
                let mut current = Some(r.id);
                for _ in 0..30 {
                    match current {
                        Some(c) if c == root => return true,
                        Some(c) => {
                            current = self
                                .record("stock.location", c)
                                .and_then(|l| l.get("location_id").as_id())
                        }
                        None => return false,
                    }
                }
                false
            })
            .map(|r| r.id)
            .collect()
    }

    /// The stock location (`lot_stock_id`) of a warehouse.
    pub(crate) fn warehouse_stock(&self, warehouse: i64) -> Option<i64> {
        self.record("stock.warehouse", warehouse)?
            .get("lot_stock_id")
            .as_id()
    }

    /// The first warehouse (by sequence) of `company`, else of any company.
    pub(crate) fn main_warehouse(&self, company: Option<i64>) -> Option<i64> {
        let table = self.tables.get("stock.warehouse")?;
        let mut all: Vec<&crate::db::Record> = table
            .records
            .values()
            .map(|r| &**r)
            .filter(|r| !matches!(r.get("active"), Cell::Bool(false)))
            .collect();
        all.sort_by_key(|r| (r.get("sequence").as_id().unwrap_or(0), r.id));
        all.iter()
            .find(|r| company.is_none() || r.get("company_id").as_id() == company)
            .or_else(|| all.first())
            .map(|r| r.id)
    }

    /// The warehouses a context value names: an id, a list of ids, or a
    /// name (as `_get_domain_locations` takes them).
    fn named_warehouses(&self, value: &Value) -> Vec<i64> {
        match value {
            Value::Int(id) => vec![*id],
            Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
            Value::String(name) => self.tables.get("stock.warehouse").map_or_else(Vec::new, |t| {
                t.records
                    .values()
                    .filter(|r| {
                        r.get("name")
                            .as_str()
                            .is_some_and(|n| n.to_lowercase().contains(&name.to_lowercase()))
                    })
                    .map(|r| r.id)
                    .collect()
            }),
            _ => Vec::new(),
        }
    }

    /// The internal locations whose quants count for a product read in
    /// `ctx`: the warehouse of the context's `warehouse` (up to 17.0) or
    /// `warehouse_id` (from 18.0) key — the other key is ignored, as Odoo
    /// ignores it —, else its `location`, else every warehouse.
    pub(crate) fn stock_scope(&self, ctx: &Ctx) -> Vec<i64> {
        let key = if self.series.major() >= 18 {
            "warehouse_id"
        } else {
            "warehouse"
        };
        let roots: Vec<i64> = match (ctx.context.get(key), ctx.context.get("location")) {
            (Some(w), _) if !w.is_false() => self
                .named_warehouses(w)
                .into_iter()
                .filter_map(|w| self.warehouse_stock(w))
                .collect(),
            (_, Some(Value::Int(l))) => vec![*l],
            (_, Some(Value::Array(ls))) => ls.iter().filter_map(Value::as_i64).collect(),
            _ => self.tables.get("stock.warehouse").map_or_else(Vec::new, |t| {
                t.records
                    .values()
                    .filter(|r| !matches!(r.get("active"), Cell::Bool(false)))
                    .filter_map(|r| r.get("lot_stock_id").as_id())
                    .collect()
            }),
        };
        let mut out: Vec<i64> = roots.into_iter().flat_map(|r| self.location_tree(r)).collect();
        out.retain(|l| {
            self.record("stock.location", *l)
                .and_then(|r| r.get("usage").as_str())
                == Some("internal")
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The quants of `product` at `locations`, by id.
    fn quants(&self, product: i64, locations: &[i64]) -> Vec<i64> {
        self.tables.get("stock.quant").map_or_else(Vec::new, |t| {
            t.records
                .values()
                .filter(|q| q.get("product_id").as_id() == Some(product))
                .filter(|q| {
                    q.get("location_id")
                        .as_id()
                        .is_some_and(|l| locations.contains(&l))
                })
                .map(|q| q.id)
                .collect()
        })
    }

    /// `(qty_available, free_qty)` of a variant in the context's scope.
    pub(crate) fn stock_quantities(&self, ctx: &Ctx, product: i64) -> (f64, f64) {
        let scope = self.stock_scope(ctx);
        let (mut on_hand, mut reserved) = (0.0, 0.0);
        for q in self.quants(product, &scope) {
            if let Some(r) = self.record("stock.quant", q) {
                on_hand += r.get("quantity").as_f64();
                reserved += r.get("reserved_quantity").as_f64();
            }
        }
        (round3(on_hand), round3(on_hand - reserved))
    }

    /// Whether a variant is storable (`is_storable` from 18.0,
    /// `detailed_type == 'product'` before).
    pub(crate) fn is_storable(&self, product: i64) -> bool {
        let su = Ctx::superuser();
        let env = Env::new(self, &su);
        if self.series.major() >= 18 {
            env.get_named("product.product", product, "is_storable").as_bool()
        } else {
            env.field_text("product.product", product, "detailed_type") == "product"
        }
    }

    /// Adds `delta` to the quant's field, stamping its `write_date`.
    fn bump_quant(&mut self, quant: i64, field: &str, delta: f64) -> Result<(), OdooError> {
        let now = self
            .record("stock.quant", quant)
            .map_or(0.0, |q| q.get(field).as_f64());
        self.put("stock.quant", quant, field, Cell::Float(round3(now + delta)))?;
        let stamp = Cell::Str(self.now_string());
        self.put("stock.quant", quant, "write_date", stamp)
    }

    /// Reserves what is free at `location` (and below) of the moves of
    /// `picking` not reserved yet (consumables are reserved whole, as Odoo
    /// does), sets the moves' states, and the picking's: `assigned` when
    /// anything is reserved (a delivery "as soon as possible"), or when all
    /// is (`move_type` `one`), else `confirmed`.
    pub(crate) fn reserve_picking(&mut self, picking: i64) -> Result<(), OdooError> {
        let field = reserved_field(self);
        for mv in self.moves_of(picking) {
            let Some(rec) = self.record("stock.move", mv) else {
                continue;
            };
            if matches!(rec.get("state").as_str(), Some("done" | "cancel")) {
                continue;
            }
            let demand = rec.get("product_uom_qty").as_f64();
            let reserved = rec.get(field).as_f64();
            let product = rec.get("product_id").as_id().unwrap_or(0);
            let location = rec.get("location_id").as_id().unwrap_or(0);
            let mut now_reserved = reserved;
            if !self.is_storable(product) {
                now_reserved = demand;
            } else {
                let tree = self.location_tree(location);
                for q in self.quants(product, &tree) {
                    let missing = demand - now_reserved;
                    if missing <= 0.0 {
                        break;
                    }
                    let free = self.record("stock.quant", q).map_or(0.0, |r| {
                        r.get("quantity").as_f64() - r.get("reserved_quantity").as_f64()
                    });
                    let take = missing.min(free);
                    if take > 0.0 {
                        self.bump_quant(q, "reserved_quantity", take)?;
                        now_reserved += take;
                    }
                }
            }
            let state = if now_reserved >= demand {
                "assigned"
            } else if now_reserved > 0.0 {
                "partially_available"
            } else {
                "confirmed"
            };
            self.put("stock.move", mv, field, Cell::Float(round3(now_reserved)))?;
            self.put("stock.move", mv, "state", Cell::Str(state.into()))?;
        }
        self.picking_state_from_moves(picking)
    }

    /// `stock.picking._compute_state` from its moves.
    fn picking_state_from_moves(&mut self, picking: i64) -> Result<(), OdooError> {
        let states: Vec<String> = self
            .moves_of(picking)
            .into_iter()
            .filter_map(|m| {
                self.record("stock.move", m)?
                    .get("state")
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        let todo: Vec<&str> = states
            .iter()
            .map(String::as_str)
            .filter(|s| !matches!(*s, "done" | "cancel"))
            .collect();
        if states.is_empty() {
            return Ok(());
        }
        let state = if todo.is_empty() {
            if states.iter().all(|s| s == "cancel") {
                "cancel"
            } else {
                "done"
            }
        } else {
            let one = self
                .record("stock.picking", picking)
                .and_then(|r| r.get("move_type").as_str())
                == Some("one");
            let all = todo.iter().all(|s| *s == "assigned");
            let any = todo
                .iter()
                .any(|s| matches!(*s, "assigned" | "partially_available"));
            if all || (!one && any) {
                "assigned"
            } else {
                "confirmed"
            }
        };
        self.put("stock.picking", picking, "state", Cell::Str(state.into()))
    }

    /// The moves of a transfer, by id.
    pub(crate) fn moves_of(&self, picking: i64) -> Vec<i64> {
        self.tables.get("stock.move").map_or_else(Vec::new, |t| {
            t.records
                .values()
                .filter(|r| r.get("picking_id").as_id() == Some(picking))
                .map(|r| r.id)
                .collect()
        })
    }

    /// Cancels the moves of `picking` that are not done and gives back what
    /// they reserved.
    pub(crate) fn unreserve_picking(&mut self, picking: i64) -> Result<(), OdooError> {
        let field = reserved_field(self);
        for mv in self.moves_of(picking) {
            let Some(rec) = self.record("stock.move", mv) else {
                continue;
            };
            if matches!(rec.get("state").as_str(), Some("done" | "cancel")) {
                continue;
            }
            let (product, location, mut reserved) = (
                rec.get("product_id").as_id().unwrap_or(0),
                rec.get("location_id").as_id().unwrap_or(0),
                rec.get(field).as_f64(),
            );
            if self.is_storable(product) {
                let tree = self.location_tree(location);
                for q in self.quants(product, &tree) {
                    if reserved <= 0.0 {
                        break;
                    }
                    let held = self
                        .record("stock.quant", q)
                        .map_or(0.0, |r| r.get("reserved_quantity").as_f64());
                    let give = held.min(reserved);
                    if give > 0.0 {
                        self.bump_quant(q, "reserved_quantity", -give)?;
                        reserved -= give;
                    }
                }
            }
            self.put("stock.move", mv, field, Cell::Float(0.0))?;
            self.put("stock.move", mv, "state", Cell::Str("cancel".into()))?;
        }
        Ok(())
    }

    /// Validates the moves of `picking`: what each reserved (its demand
    /// for a draft transfer) is done and, for storable goods, leaves the
    /// stock; moves with nothing reserved are cancelled (Odoo would first
    /// ask whether to make a backorder). The done quantity by order line.
    pub(crate) fn consume_picking(&mut self, picking: i64) -> Result<Vec<(i64, f64)>, OdooError> {
        let field = reserved_field(self);
        let draft = self
            .record("stock.picking", picking)
            .and_then(|r| r.get("state").as_str())
            == Some("draft");
        let mut done_by_line = Vec::new();
        for mv in self.moves_of(picking) {
            let Some(rec) = self.record("stock.move", mv) else {
                continue;
            };
            if matches!(rec.get("state").as_str(), Some("done" | "cancel")) {
                continue;
            }
            let (product, location, line) = (
                rec.get("product_id").as_id().unwrap_or(0),
                rec.get("location_id").as_id().unwrap_or(0),
                rec.get("sale_line_id").as_id(),
            );
            let reserved = rec.get(field).as_f64();
            let done = if draft {
                rec.get("product_uom_qty").as_f64()
            } else {
                reserved
            };
            if done <= 0.0 {
                self.put("stock.move", mv, "state", Cell::Str("cancel".into()))?;
                continue;
            }
            if self.is_storable(product) {
                let tree = self.location_tree(location);
                let quants = self.quants(product, &tree);
                let (mut to_take, mut to_free) = (done, reserved);
                for q in &quants {
                    let (qty, held) = self.record("stock.quant", *q).map_or((0.0, 0.0), |r| {
                        (r.get("quantity").as_f64(), r.get("reserved_quantity").as_f64())
                    });
                    let free_here = held.min(to_free);
                    let take = qty.max(0.0).min(to_take);
                    if free_here > 0.0 {
                        self.bump_quant(*q, "reserved_quantity", -free_here)?;
                        to_free -= free_here;
                    }
                    if take > 0.0 {
                        self.bump_quant(*q, "quantity", -take)?;
                        to_take -= take;
                    }
                }
                // Odoo lets stock go negative rather than refuse.
                if to_take > 0.0 {
                    if let Some(q) = quants.first() {
                        self.bump_quant(*q, "quantity", -to_take)?;
                    }
                }
            }
            self.put("stock.move", mv, field, Cell::Float(round3(done)))?;
            if field == "reserved_availability" {
                self.put("stock.move", mv, "reserved_availability", Cell::Float(0.0))?;
                self.put("stock.move", mv, "quantity_done", Cell::Float(round3(done)))?;
            }
            self.put("stock.move", mv, "state", Cell::Str("done".into()))?;
            if let Some(line) = line {
                done_by_line.push((line, done));
            }
        }
        Ok(done_by_line)
    }

    /// `stock.quant.create`: in inventory mode (context `inventory_mode`,
    /// an internal user) with `inventory_quantity_auto_apply`, the on-hand
    /// quantity of the product at the location becomes that (on the
    /// existing quant, else a new one), as Odoo's inventory adjustment
    /// does; otherwise refused.
    pub(crate) fn create_quant(&mut self, ctx: &Ctx, values: &Struct) -> Result<i64, OdooError> {
        let inventory_mode = ctx.context.get("inventory_mode").is_some_and(|v| !v.is_false()) && !ctx.share;
        let quantity = values
            .get("inventory_quantity_auto_apply")
            .or_else(|| values.get("inventory_quantity"));
        let allowed = [
            "product_id",
            "location_id",
            "inventory_quantity",
            "inventory_quantity_auto_apply",
            "lot_id",
            "package_id",
            "owner_id",
            "user_id",
            "inventory_date",
        ];
        let restricted =
            || OdooError::Validation("Quant's creation is restricted, you can't do this operation.".into());
        let Some(quantity) = quantity.filter(|_| inventory_mode) else {
            return Err(restricted());
        };
        if values.iter().any(|(k, _)| !allowed.contains(&k)) {
            return Err(restricted());
        }
        let quantity = match quantity {
            Value::Int(i) => *i as f64,
            Value::Double(d) => *d,
            Value::Bool(false) => 0.0,
            _ => return Err(OdooError::value_error("inventory quantity must be a number")),
        };
        let id_of = |name: &str| values.get(name).and_then(Value::as_i64);
        let (Some(product), Some(location)) = (id_of("product_id"), id_of("location_id")) else {
            return Err(OdooError::mandatory(
                "Quants",
                "stock.quant",
                "Product",
                "product_id",
            ));
        };
        let existing = self.quants(product, &[location]).first().copied();
        let quant = match existing {
            Some(q) => q,
            None => {
                let su = Ctx::superuser();
                let values = Struct::new()
                    .with("product_id", product)
                    .with("location_id", location);
                let q = self.create_record(&su, "stock.quant", &values)?;
                self.put("stock.quant", q, "in_date", Cell::Str(self.now_string()))?;
                q
            }
        };
        self.put("stock.quant", quant, "quantity", Cell::Float(round3(quantity)))?;
        let stamp = Cell::Str(self.now_string());
        self.put("stock.quant", quant, "write_date", stamp)?;
        self.put("stock.quant", quant, "write_uid", Cell::Int(ctx.uid))?;
        Ok(quant)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
