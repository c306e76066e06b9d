//! Inventory's free stock (`free_qty`), for the shop to show how many are
//! left: never to refuse an order, since stock in Odoo is often not right.
//! Only where the database has Inventory (`stock`), only for storable
//! products (services and consumables have no stock to speak of), counted
//! at one warehouse.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::client::Client;
use crate::domain::{field, Domain};
use crate::error::Error;
use crate::records::fields;
use crate::xmlrpc::Value;

/// How the database says a product is storable, and names a warehouse in
/// the context of `free_qty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inventory {
    /// 18.0 and later: `is_storable` (a goods product that is tracked);
    /// before: `detailed_type == 'product'`.
    pub is_storable_field: bool,
}

impl Inventory {
    /// The context key of the warehouse whose stock `free_qty` counts
    /// (another key is silently ignored: every warehouse is counted).
    pub fn warehouse_key(self) -> &'static str {
        if self.is_storable_field {
            "warehouse_id"
        } else {
            "warehouse"
        }
    }

    fn storable(self) -> Domain {
        if self.is_storable_field {
            field("is_storable").eq(true)
        } else {
            field("detailed_type").eq("product")
        }
    }
}

/// Whether the database has Inventory, and how it tells storable products.
pub async fn inventory(client: &Client) -> Result<Option<Inventory>, Error> {
    let fields = client.available_fields("product.product").await?;
    if !fields.contains("free_qty") {
        return Ok(None);
    }
    if fields.contains("is_storable") {
        Ok(Some(Inventory {
            is_storable_field: true,
        }))
    } else if fields.contains("detailed_type") {
        Ok(Some(Inventory {
            is_storable_field: false,
        }))
    } else {
        Ok(None)
    }
}

/// The warehouse of `company` named `choice` (a name or an id), else its
/// first in Odoo's order; `None` if it has none.
pub async fn warehouse(
    client: &Client,
    company: Option<i64>,
    choice: Option<&str>,
) -> Result<Option<i64>, Error> {
    let mut domain = match company {
        Some(company) => field("company_id").eq(company),
        None => Domain::All,
    };
    if let Some(choice) = choice {
        domain = domain
            & match choice.parse::<i64>() {
                Ok(id) => field("id").eq(id),
                Err(_) => field("name").eq(choice),
            };
    }
    let found = client
        .model("stock.warehouse")
        .search(domain)
        .limit(1)
        .send()
        .await?;
    Ok(found.first().copied())
}

/// The free quantity (on hand, less what is reserved) at `warehouse` of
/// each storable variant among `variants`, in its unit; the others are not
/// in the answer.
pub async fn free_quantities(
    client: &Client,
    inventory: Inventory,
    warehouse: i64,
    variants: &[i64],
) -> Result<HashMap<i64, Decimal>, Error> {
    if variants.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = client
        .model("product.product")
        .search_read(field("id").is_in(variants.iter().copied()) & inventory.storable())
        .fields(["free_qty"])
        .context(inventory.warehouse_key(), warehouse)
        .send()
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let id = row.get("id").and_then(Value::as_i64)?;
            let free = match row.get("free_qty")? {
                Value::Double(d) => Decimal::try_from(*d).ok()?,
                Value::Int(i) => Decimal::from(*i),
                _ => return None,
            };
            Some((id, free.normalize()))
        })
        .collect())
}

/// The variants whose stock moved since `since`: those of the quants
/// written since (a quant's quantity and its reservations are on it).
pub async fn moved_since(client: &Client, since: DateTime<Utc>) -> Result<Vec<i64>, Error> {
    let rows = client
        .model("stock.quant")
        .search_read(field("write_date").ge(fields::format_datetime(&since)))
        .fields(["product_id"])
        .send()
        .await?;
    let mut ids: Vec<i64> = rows
        .iter()
        .filter_map(|row| match row.get("product_id") {
            Some(Value::Array(pair)) => pair.first().and_then(Value::as_i64),
            Some(Value::Int(id)) => Some(*id),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}
