//! Typed records of the models the storefront reads and writes.
//!
//! Odoo's `false` becomes `None`, a many2one becomes [`Many2one`] (id and
//! display name), datetimes become `chrono` UTC, money becomes `Decimal`.
//! Fields renamed between Odoo series are listed under each name they have
//! had; the client asks for the one the server has (from `fields_get`).

use std::collections::HashSet;

use serde::de::DeserializeOwned;

use crate::error::Error;

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
        Self { names: name, optional: false }
    }

    /// A field that may be absent.
    pub const fn optional(name: &'static [&'static str]) -> Self {
        Self { names: name, optional: true }
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
