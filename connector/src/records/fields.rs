//! How Odoo's field types read: many2one pairs, datetimes in UTC text,
//! dates, money and quantities as decimals, x2many id lists, binaries as
//! base64 text.
//!
//! The modules here are serde helpers for `#[serde(with = "...")]`:
//!
//! | Odoo field | Rust | helper |
//! | --- | --- | --- |
//! | many2one | [`Many2one`] / `Option<Many2one>` | (none needed) |
//! | many2one, its id alone | `Option<i64>` | [`opt_many2one_id`] |
//! | one2many, many2many | `Vec<i64>` | [`x2many`] (also reads `false` as empty) |
//! | datetime | `DateTime<Utc>` / `Option<..>` | [`datetime`] / [`opt_datetime`] |
//! | date | `NaiveDate` / `Option<..>` | [`date`] / [`opt_date`] |
//! | float, monetary | `Decimal` / `Option<..>` | [`decimal`] / [`opt_decimal`] |
//! | boolean that may be absent | `Option<bool>` | [`opt_bool`] |
//! | binary (images) | `Option<Vec<u8>>` | [`opt_base64`] |
//!
//! `Option<T>` alone already reads `false` as `None` (see
//! [`crate::xmlrpc::from_value`]); the helpers are for the types serde cannot
//! read from Odoo's text unaided, and for decimals, whose digits they keep
//! exactly as Odoo printed them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::xmlrpc::Value;

/// Odoo's datetime format, in UTC.
pub const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Odoo's date format.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// A many2one value: Odoo's `[id, "display name"]`.
///
/// The name is in the language of the call's context. Odoo's `false` (no
/// record) is `None` of an `Option<Many2one>`. A bare id (what `read` gives
/// with `load=None`) reads with an empty name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Many2one {
    /// The record's id.
    pub id: i64,
    /// Its display name.
    pub name: String,
}

impl Many2one {
    /// A many2one value.
    pub fn new(id: i64, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// A many2one is written as its id.
impl From<&Many2one> for Value {
    fn from(m: &Many2one) -> Self {
        Value::Int(m.id)
    }
}

impl From<Many2one> for Value {
    fn from(m: Many2one) -> Self {
        Value::Int(m.id)
    }
}

/// Written as Odoo writes it: `[id, "name"]`.
impl serde::Serialize for Many2one {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.id, &self.name).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Many2one {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Many2oneVisitor;

        impl<'de> Visitor<'de> for Many2oneVisitor {
            type Value = Many2one;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a many2one [id, \"name\"]")
            }

            fn visit_i64<E: de::Error>(self, id: i64) -> Result<Many2one, E> {
                Ok(Many2one {
                    id,
                    name: String::new(),
                })
            }

            fn visit_u64<E: de::Error>(self, id: u64) -> Result<Many2one, E> {
                i64::try_from(id)
                    .map(|id| Many2one {
                        id,
                        name: String::new(),
                    })
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(id), &self))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Many2one, A::Error> {
                let id: i64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                // Odoo sends `false` for a name it may not show.
                let name: Option<String> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(Many2one {
                    id,
                    name: name.unwrap_or_default(),
                })
            }
        }

        deserializer.deserialize_any(Many2oneVisitor)
    }
}

/// Parses Odoo's datetime text (`YYYY-MM-DD HH:MM:SS`, UTC; fractional
/// seconds and a `T` separator are accepted too).
pub fn parse_datetime(text: &str) -> Result<DateTime<Utc>, String> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .map(|naive| naive.and_utc())
        .map_err(|e| format!("invalid datetime {text:?} (expected YYYY-MM-DD HH:MM:SS): {e}"))
}

/// Formats a datetime as Odoo writes it: `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn format_datetime(datetime: &DateTime<Utc>) -> String {
    datetime.format(DATETIME_FORMAT).to_string()
}

/// Parses Odoo's date text (`YYYY-MM-DD`).
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, DATE_FORMAT)
        .map_err(|e| format!("invalid date {text:?} (expected YYYY-MM-DD): {e}"))
}

/// A decimal with the shortest digits that read back as `double`: those of
/// Python's `repr` (`0.1` → `0.1`, `14.0` → `14`), never the binary
/// expansion. `None` for infinities, NaN and magnitudes beyond `Decimal`.
pub fn decimal_from_f64(double: f64) -> Option<Decimal> {
    if !double.is_finite() {
        return None;
    }
    if double == 0.0 {
        return Some(Decimal::ZERO);
    }
    // Rust's `Display` for f64 prints the shortest round-trip digits, in
    // positional notation.
    let text = double.to_string();
    Decimal::from_str(&text)
        .ok()
        .or_else(|| Decimal::from_scientific(&format!("{double:e}")).ok())
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        decimal_from_f64(v)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &"a number within Decimal's range"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        Decimal::from_str(v)
            .or_else(|_| Decimal::from_scientific(v))
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// A float or monetary field as a [`Decimal`] with Odoo's digits.
pub mod decimal {
    use super::*;

    /// Writes the decimal as text, which reads back exactly.
    pub fn serialize<S: serde::Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }
}

/// An optional float or monetary field (`false` is `None`) as a
/// [`Decimal`]; an absent member is `None` too with `#[serde(default)]`.
pub mod opt_decimal {
    use super::*;

    /// Writes the decimal as text, or null.
    pub fn serialize<S: serde::Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.collect_str(d),
            None => serializer.serialize_none(),
        }
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
        struct Opt;
        impl<'de> Visitor<'de> for Opt {
            type Value = Option<Decimal>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or false")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(DecimalVisitor).map(Some)
            }
        }
        deserializer.deserialize_option(Opt)
    }
}

/// A datetime field (`YYYY-MM-DD HH:MM:SS`, UTC) as `DateTime<Utc>`.
pub mod datetime {
    use super::*;

    /// Writes Odoo's `YYYY-MM-DD HH:MM:SS`.
    pub fn serialize<S: serde::Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_datetime(value))
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_datetime(&text).map_err(de::Error::custom)
    }
}

/// An optional datetime field (`false` is `None`).
pub mod opt_datetime {
    use super::*;

    /// Writes Odoo's `YYYY-MM-DD HH:MM:SS`, or null.
    pub fn serialize<S: serde::Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.collect_str(&format_datetime(d)),
            None => serializer.serialize_none(),
        }
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => parse_datetime(&text).map(Some).map_err(de::Error::custom),
            None => Ok(None),
        }
    }
}

/// A date field (`YYYY-MM-DD`) as `NaiveDate`.
pub mod date {
    use super::*;

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: serde::Serializer>(value: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&value.format("%Y-%m-%d"))
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_date(&text).map_err(de::Error::custom)
    }
}

/// An optional date field (`false` is `None`).
pub mod opt_date {
    use super::*;

    /// Writes `YYYY-MM-DD`, or null.
    pub fn serialize<S: serde::Serializer>(
        value: &Option<NaiveDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.collect_str(&d.format("%Y-%m-%d")),
            None => serializer.serialize_none(),
        }
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => parse_date(&text).map(Some).map_err(de::Error::custom),
            None => Ok(None),
        }
    }
}

/// A one2many or many2many field: the ids (Odoo sends `[]` when empty;
/// `false` is read as empty too).
pub mod x2many {
    use super::*;

    /// Writes the ids.
    pub fn serialize<S: serde::Serializer>(value: &[i64], serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(value, serializer)
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
        Ok(Option::<Vec<i64>>::deserialize(deserializer)?.unwrap_or_default())
    }
}

/// A many2one kept as its id alone (e.g. a product's `company_id`): Odoo's
/// `[id, "name"]` or a bare id is `Some(id)`, `false` is `None`; written as
/// the id or null (and read back so from a saved snapshot).
pub mod opt_many2one_id {
    use super::*;

    /// Writes the id, or null.
    pub fn serialize<S: serde::Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(value, serializer)
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        Ok(Option::<Many2one>::deserialize(deserializer)?.map(|m| m.id))
    }
}

/// A boolean of a field that may not exist on the server (e.g.
/// `is_published` without website_sale): `Some(true)` or `Some(false)` when
/// sent, `None` when absent (with `#[serde(default)]`).
pub mod opt_bool {
    use super::*;

    /// Writes the boolean, or null for a field the server lacks.
    pub fn serialize<S: serde::Serializer>(value: &Option<bool>, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(value, serializer)
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
        // Not `Option<bool>`: Odoo's `false` is a value here, not "empty";
        // only a null (a saved snapshot's absent field) is `None`.
        struct OptBool;
        impl<'de> Visitor<'de> for OptBool {
            type Value = Option<bool>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        deserializer.deserialize_any(OptBool)
    }
}

/// An optional binary field (an image): Odoo sends base64 text (or a
/// `<base64>` value); `false` is `None`.
pub mod opt_base64 {
    use super::*;
    use base64::Engine as _;

    /// Writes base64 text, or null.
    pub fn serialize<S: serde::Serializer>(
        value: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => serializer.collect_str(&base64::engine::general_purpose::STANDARD.encode(bytes)),
            None => serializer.serialize_none(),
        }
    }

    /// See the [module](self).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<u8>>, D::Error> {
        struct Binary;
        impl<'de> Visitor<'de> for Binary {
            type Value = Option<Vec<u8>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("base64 text, bytes or false")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_byte_buf(self)
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                Ok(Some(v))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(Some(v.to_vec()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                // Odoo's base64 may be wrapped in lines.
                let compact: String;
                let text = if v.contains(['\n', '\r', ' ']) {
                    compact = v.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                    compact.as_str()
                } else {
                    v
                };
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map(Some)
                    .map_err(|e| E::custom(format!("invalid base64: {e}")))
            }
        }
        deserializer.deserialize_option(Binary)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::xmlrpc::{from_value, Struct};

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        #[serde(with = "datetime")]
        write_date: DateTime<Utc>,
        #[serde(with = "opt_datetime", default)]
        date_end: Option<DateTime<Utc>>,
        #[serde(with = "opt_date", default)]
        day: Option<NaiveDate>,
        #[serde(with = "decimal")]
        price: Decimal,
        #[serde(with = "opt_decimal", default)]
        cost: Option<Decimal>,
        #[serde(with = "x2many")]
        tag_ids: Vec<i64>,
        #[serde(with = "opt_bool", default)]
        is_published: Option<bool>,
        #[serde(with = "opt_base64", default)]
        image: Option<Vec<u8>>,
        categ_id: Option<Many2one>,
    }

    fn row() -> Struct {
        Struct::new()
            .with("write_date", "2026-11-23 02:49:06")
            .with("date_end", false)
            .with("day", "2030-06-14")
            .with("price", 30.75)
            .with("cost", false)
            .with("tag_ids", vec![9])
            .with("is_published", false)
            .with("image", "aGk=")
            .with("categ_id", vec![Value::Int(3), Value::from("All / Expenses")])
    }

    #[test]
    fn helpers_read_odoo_values() {
        let r: Row = from_value(Value::Struct(row())).unwrap();
        assert_eq!(format_datetime(&r.write_date), "2026-11-23 02:49:06");
        assert_eq!(r.date_end, None);
        assert_eq!(r.day, NaiveDate::from_ymd_opt(2030, 6, 14));
        assert_eq!(r.price.to_string(), "30.75");
        assert_eq!(r.cost, None);
        assert_eq!(r.tag_ids, vec![9]);
        assert_eq!(r.is_published, Some(false));
        assert_eq!(r.image.as_deref(), Some(&b"hi"[..]));
        assert_eq!(r.categ_id, Some(Many2one::new(3, "All / Expenses")));

        let mut s = row();
        s.remove("date_end");
        s.remove("is_published");
        s.remove("image");
        s.remove("cost");
        s.insert("tag_ids", false);
        s.insert("cost", 2.0);
        s.insert("categ_id", false);
        let r: Row = from_value(Value::Struct(s)).unwrap();
        assert_eq!((r.date_end, r.is_published, r.image), (None, None, None));
        assert_eq!(r.tag_ids, Vec::<i64>::new());
        assert_eq!(r.cost.map(|c| c.to_string()), Some("2".to_owned()));
        assert_eq!(r.categ_id, None);
    }

    #[test]
    fn helpers_report_bad_values_with_their_path() {
        let bad = |name: &str, value: Value| {
            let mut s = row();
            s.insert(name, value);
            from_value::<Row>(Value::Struct(s)).unwrap_err()
        };
        let err = bad("write_date", Value::from("23/11/2026"));
        assert_eq!(err.path(), "write_date");
        assert!(err.message().contains("invalid datetime"), "{err}");
        assert_eq!(bad("write_date", Value::Bool(false)).path(), "write_date");
        assert_eq!(bad("day", Value::from("2030-13-01")).path(), "day");
        assert_eq!(bad("price", Value::from("abc")).path(), "price");
        assert_eq!(bad("price", Value::Double(f64::INFINITY)).path(), "price");
        assert_eq!(bad("image", Value::from("@@@")).path(), "image");
        assert_eq!(
            bad("categ_id", Value::from(vec![Value::from("x")])).path(),
            "categ_id[0]"
        );
        let err = bad("categ_id", Value::from(vec![Value::Int(1)]));
        assert_eq!(err.path(), "categ_id");
        assert!(err.message().contains("invalid length 1"), "{err}");
    }

    #[test]
    fn many2one_forms() {
        assert_eq!(from_value::<Many2one>(Value::Int(4)), Ok(Many2one::new(4, "")));
        assert_eq!(
            from_value::<Many2one>(Value::from(vec![Value::Int(4), Value::Bool(false)])),
            Ok(Many2one::new(4, ""))
        );
        assert!(
            from_value::<Many2one>(Value::from(vec![Value::Int(4), Value::from("a"), Value::Int(1)]))
                .is_err()
        );
        assert!(from_value::<Many2one>(Value::from("4")).is_err());
        assert_eq!(Value::from(&Many2one::new(4, "x")), Value::Int(4));
    }

    #[test]
    fn datetimes_and_decimals() {
        assert_eq!(
            parse_datetime("2030-06-14 09:00:00.123").map(|d| format_datetime(&d)),
            Ok("2030-06-14 09:00:00".to_owned())
        );
        assert!(parse_datetime("2030-06-14T09:00:00").is_ok());
        assert!(parse_datetime("2030-06-14").is_err());
        assert_eq!(decimal_from_f64(14.0).map(|d| d.to_string()), Some("14".into()));
        assert_eq!(decimal_from_f64(-0.0).map(|d| d.to_string()), Some("0".into()));
        assert_eq!(decimal_from_f64(0.1).map(|d| d.to_string()), Some("0.1".into()));
        assert_eq!(decimal_from_f64(f64::NAN), None);
        assert_eq!(decimal_from_f64(1e30), None);
        // Beyond 28 decimal places, the digits are rounded rather than refused.
        assert!(decimal_from_f64(1.2345678901234567e-20).is_some());
    }
}
