//! Typed records of the models the storefront reads and writes.
//!
//! Odoo's `false` becomes `None`, a many2one becomes [`Many2one`] (id and
//! display name), datetimes become `chrono` UTC, money becomes `Decimal`.
//! Fields renamed between Odoo series are listed under each name they have
//! had; the client asks for the one the server has (from `fields_get`), and
//! serde aliases let one struct read every series.
//!
//! - Reading: [`decode`] turns an answer into records (or any shape),
//!   naming the failing field's path in [`Error::Decode`]; [`fields`] holds
//!   the serde helpers for Odoo's field types.
//! - Writing: [`NewSaleOrder`] gives the values of a quotation's `create`;
//!   [`Command`] builds x2many commands.

use std::collections::HashSet;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::xmlrpc::{from_value, FieldError, Value};

/// Defines a selection field's values as an enum: read from (and written
/// as) Odoo's selection strings, comparable with them.
macro_rules! selection {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $value)] $variant, )+
        }

        impl $name {
            /// Every value, in Odoo's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The selection value as Odoo writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $value, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(value: &str) -> Result<Self, String> {
                match value {
                    $( $value => Ok($name::$variant), )+
                    other => Err(format!("unknown {} {other:?}", stringify!($name))),
                }
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl From<$name> for $crate::xmlrpc::Value {
            fn from(value: $name) -> Self {
                $crate::xmlrpc::Value::String(value.as_str().to_owned())
            }
        }
    };
}

mod calendar;
mod catalog;
mod command;
pub mod fields;
mod partner;
mod pricing;
mod sale;
mod stock;

pub use calendar::CalendarEvent;
pub use catalog::{ProductCategory, ProductTemplate, ProductVariant, PublicCategory, Uom, UomType};
pub use command::Command;
pub use fields::Many2one;
pub use partner::{Company, FiscalPosition, FiscalPositionTax, Partner, User};
pub use pricing::{
    AmountType, AppliedOn, ComputePrice, Currency, CurrencyRate, DiscountPolicy, PriceBase, PriceInclusion,
    Pricelist, PricelistItem, SymbolPosition, Tax,
};
pub use sale::{CrmTag, NewOrderLine, NewSaleOrder, SaleOrder, SaleOrderLine, SaleOrderState};
pub use stock::StockPicking;

/// Decodes Odoo's answer to `call` (e.g. `product.template.search_read`) as
/// `T`: typed records, or any other deserializable shape. A value that does
/// not fit gives [`Error::Decode`] naming its path, e.g. `[3].list_price`.
pub fn decode<T: DeserializeOwned>(call: &str, value: Value) -> Result<T, Error> {
    from_value(value).map_err(|e| decode_error(call, &e))
}

/// The [`Error::Decode`] of `call` for a [`FieldError`].
pub fn decode_error(call: &str, error: &FieldError) -> Error {
    Error::Decode {
        call: call.to_owned(),
        field: error.path(),
        message: error.message().to_owned(),
    }
}

/// One field a record needs, under every name it has had across series
/// (newest first), e.g. `&["tax_ids", "tax_id"]`.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The names, newest series first.
    pub names: &'static [&'static str],
    /// Whether the record can do without it (a field of an optional module,
    /// or one that a series dropped).
    pub optional: bool,
}

impl FieldSpec {
    /// A field every supported series has under this one name.
    pub const fn required(name: &'static [&'static str]) -> Self {
        Self {
            names: name,
            optional: false,
        }
    }

    /// A field that may be absent.
    pub const fn optional(name: &'static [&'static str]) -> Self {
        Self {
            names: name,
            optional: true,
        }
    }
}

/// A typed record of an Odoo model.
pub trait Record: DeserializeOwned {
    /// The model, e.g. `product.template`.
    const MODEL: &'static str;
    /// The fields to read (`id` is always returned and need not be listed).
    const FIELDS: &'static [FieldSpec];

    /// The field names to request from a server whose model has the fields
    /// `available` (from `fields_get`).
    fn field_names(available: &HashSet<String>) -> Result<Vec<&'static str>, Error> {
        let mut names = Vec::with_capacity(Self::FIELDS.len());
        for spec in Self::FIELDS {
            match spec.names.iter().find(|n| available.contains(**n)) {
                Some(name) => names.push(*name),
                None if spec.optional => {}
                None => {
                    return Err(Error::MissingField {
                        model: Self::MODEL.to_owned(),
                        field: spec.names.join(" or "),
                    })
                }
            }
        }
        Ok(names)
    }
}
