//! The settings of the Odoo database that change what Odoo charges and what
//! its shop shows, read each sync as the technical user may read them: the
//! decimal accuracies through `fields_get` (`decimal.precision` itself is
//! for administrators), the settings that are groups through
//! `res.users.has_group` on the technical user, whom Odoo's sale order and
//! shop code ask the same question of.

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Error;
use crate::xmlrpc::Value;

/// What the shop must know of Odoo's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OdooSettings {
    /// The decimal accuracy "Product Price": a line's unit price is
    /// rounded to it.
    pub price_digits: u32,
    /// The decimal accuracy "Discount".
    pub discount_digits: u32,
    /// The "Discounts" setting (`group_discount_per_so_line`): from 18.0 a
    /// percentage rule's discount is shown apart on the line.
    pub discounts: bool,
    /// website_sale's "Base Unit Price" setting
    /// (`website_sale.group_show_uom_price`): the shop shows a product's
    /// price per base unit.
    pub reference_prices: bool,
}

impl Default for OdooSettings {
    /// Those of a new database.
    fn default() -> Self {
        Self {
            price_digits: 2,
            discount_digits: 2,
            discounts: false,
            reference_prices: false,
        }
    }
}

/// The "Discounts" group: `product`'s on 16.0, moved to `sale` later.
const DISCOUNT_GROUPS: [&str; 2] = [
    "sale.group_discount_per_so_line",
    "product.group_discount_per_so_line",
];
const REFERENCE_PRICE_GROUP: &str = "website_sale.group_show_uom_price";

/// Reads the settings; `website_sale` says whether the module is there.
/// Gives the settings and the number of calls made.
pub(crate) async fn read(
    client: &Client,
    series: &str,
    website_sale: bool,
) -> Result<(OdooSettings, usize), Error> {
    let mut calls = 0;
    let digits = client
        .model("sale.order.line")
        .fields_get()
        .kwarg(
            "allfields",
            Value::Array(vec!["price_unit".into(), "discount".into()]),
        )
        .attributes(["digits"])
        .send()
        .await?;
    calls += 1;
    let scale = |name: &str, default: u32| {
        digits
            .get(name)
            .and_then(|info| info.digits.as_ref())
            .and_then(|pair| pair.get(1))
            .and_then(|&scale| u32::try_from(scale).ok())
            .filter(|&scale| scale <= 10)
            .unwrap_or(default)
    };
    let mut settings = OdooSettings {
        price_digits: scale("price_unit", 2),
        discount_digits: scale("discount", 2),
        ..OdooSettings::default()
    };
    let uid = client.uid().await?;
    let model_level = series
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok())
        == Some(16);
    let groups: &[&str] = if model_level {
        // 16.0 has the group in `product`.
        &[DISCOUNT_GROUPS[1], DISCOUNT_GROUPS[0]]
    } else {
        &DISCOUNT_GROUPS
    };
    for group in groups {
        calls += 1;
        if has_group(client, uid, model_level, group).await? == Some(true) {
            settings.discounts = true;
            break;
        }
    }
    if website_sale {
        calls += 1;
        settings.reference_prices =
            has_group(client, uid, model_level, REFERENCE_PRICE_GROUP).await? == Some(true);
    }
    Ok((settings, calls))
}

/// Whether the technical user is in `group`: `None` when Odoo refuses to
/// say (a group this series does not have).
async fn has_group(client: &Client, uid: i64, model_level: bool, group: &str) -> Result<Option<bool>, Error> {
    // 16.0's `has_group` is a model method; later series ask it of a user.
    let model = client.model("res.users");
    let query = if model_level {
        model.call("has_group", vec![])
    } else {
        model.call_on("has_group", vec![uid])
    };
    match query
        .kwarg("group_ext_id", group)
        .returning::<bool>()
        .send()
        .await
    {
        Ok(answer) => Ok(Some(answer)),
        Err(e) if e.fault_kind().is_some() => {
            tracing::debug!(group, error = %e, "Odoo does not say whether the technical user is in this group");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
