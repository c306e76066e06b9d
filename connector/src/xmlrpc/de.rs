//! Typed decoding of XML-RPC values through serde.
//!
//! [`Value`] is a self-describing `serde::Deserializer` (like
//! `serde_json::Value`): it consumes itself, so strings and byte buffers are
//! moved into the result, never copied. Odoo's conventions are built in:
//!
//! - `Option<T>`: Odoo's `false` (and `nil`) is `None`, anything else `Some`.
//!   Use a plain `bool` for boolean fields, since `false` is `None` here.
//! - `deserialize_any` dispatches on the variant: `int` → `i64`, `boolean`,
//!   `string`, `double` → `f64` (a negative zero becomes zero),
//!   `dateTime.iso8601` → the string `"YYYY-MM-DD HH:MM:SS"` (how Odoo writes
//!   datetimes in fields), `base64` → bytes, `array` → sequence, `struct` →
//!   map, `nil` → unit.
//! - Enums come from strings (Odoo's selection values, unit variants), or
//!   from a one-member struct `{variant: content}` for the other kinds.
//! - A `double` read as a `Decimal` keeps its shortest decimal digits (those
//!   of Python's `repr`): `0.1` is `0.1`, `14.0` is `14`.
//!
//! [`from_value`] reports where a value did not fit, as a path such as
//! `[3].list_price` (the same notation as `serde_path_to_error`). The path is
//! built only when an error travels back up through the arrays and structs,
//! so decoding that succeeds pays nothing for it.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

use super::value::{Struct, Value};

/// A value that did not fit the type it was decoded into, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Segments from the innermost outwards (they are added while the error
    /// unwinds).
    segments: Vec<Segment>,
    message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// An element of an array.
    Index(usize),
    /// A member of a struct, or an enum's variant.
    Name(String),
}

impl FieldError {
    /// The path of the value that failed, e.g. `[3].list_price`,
    /// `list_price`, `[0].categ_id[1]`; `.` for the value itself.
    pub fn path(&self) -> String {
        if self.segments.is_empty() {
            return ".".to_owned();
        }
        let mut path = String::new();
        for (at, segment) in self.segments.iter().rev().enumerate() {
            match segment {
                Segment::Index(i) => {
                    path.push('[');
                    path.push_str(&i.to_string());
                    path.push(']');
                }
                Segment::Name(name) => {
                    if at > 0 {
                        path.push('.');
                    }
                    path.push_str(name);
                }
            }
        }
        path
    }

    /// What was wrong, e.g. `invalid type: string "abc", expected a Decimal`.
    pub fn message(&self) -> &str {
        &self.message
    }

    fn at_index(mut self, index: usize) -> Self {
        self.segments.push(Segment::Index(index));
        self
    }

    fn at_name(mut self, name: &str) -> Self {
        self.segments.push(Segment::Name(name.to_owned()));
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path(), self.message)
        }
    }
}

impl std::error::Error for FieldError {}

impl de::Error for FieldError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        FieldError {
            segments: Vec::new(),
            message: msg.to_string(),
        }
    }
}

/// Decodes a value as `T`; on failure, the error names the path of the
/// value that did not fit.
///
/// ```
/// use connector::xmlrpc::{from_value, Struct, Value};
///
/// let rows = Value::Array(vec![Value::Struct(Struct::new().with("qty", "two"))]);
/// #[derive(serde::Deserialize, Debug)]
/// struct Row { qty: f64 }
/// let err = from_value::<Vec<Row>>(rows).unwrap_err();
/// assert_eq!(err.path(), "[0].qty");
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    T::deserialize(value)
}

impl Value {
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Value::Int(i) => Unexpected::Signed(*i),
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::String(s) => Unexpected::Str(s),
            Value::Double(d) => Unexpected::Float(*d),
            Value::DateTime(_) => Unexpected::Other("dateTime.iso8601"),
            Value::Base64(b) => Unexpected::Bytes(b),
            Value::Array(_) => Unexpected::Seq,
            Value::Struct(_) => Unexpected::Map,
            Value::Nil => Unexpected::Unit,
        }
    }

    fn invalid_type(&self, expected: &dyn de::Expected) -> FieldError {
        de::Error::invalid_type(self.unexpected(), expected)
    }
}

/// Odoo's datetime text: what a `dateTime.iso8601` reads as.
fn datetime_text(dt: &chrono::NaiveDateTime) -> String {
    dt.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn visit_array<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, FieldError> {
    let len = items.len();
    let mut seq = SeqDeserializer {
        iter: items.into_iter(),
        index: 0,
    };
    let out = visitor.visit_seq(&mut seq)?;
    if seq.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

fn visit_struct<'de, V: Visitor<'de>>(members: Struct, visitor: V) -> Result<V::Value, FieldError> {
    let len = members.len();
    let mut map = MapDeserializer {
        iter: members.into_iter(),
        pending: None,
    };
    let out = visitor.visit_map(&mut map)?;
    if map.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer members in struct"))
    }
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = FieldError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self {
            Value::Int(i) => visitor.visit_i64(i),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::String(s) => visitor.visit_string(s),
            // -0.0 (which Python's rounding can produce) means 0 to a shop.
            Value::Double(d) => visitor.visit_f64(if d == 0.0 { 0.0 } else { d }),
            Value::DateTime(dt) => visitor.visit_string(datetime_text(&dt)),
            Value::Base64(b) => visitor.visit_byte_buf(b),
            Value::Array(items) => visit_array(items, visitor),
            Value::Struct(members) => visit_struct(members, visitor),
            Value::Nil => visitor.visit_unit(),
        }
    }

    /// Odoo's `false` (and `nil`) is "empty".
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        if self.is_false() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    /// Odoo answers `false` where Python returned `None`.
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        if self.is_false() {
            visitor.visit_unit()
        } else {
            Err(self.invalid_type(&visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        match self {
            Value::String(variant) => visitor.visit_enum(EnumDeserializer {
                variant,
                content: None,
            }),
            Value::Struct(members) if members.len() == 1 => {
                let mut members = members.into_iter();
                match members.next() {
                    Some((variant, content)) => visitor.visit_enum(EnumDeserializer {
                        variant,
                        content: Some(content),
                    }),
                    None => Err(de::Error::invalid_length(0, &"a struct of one member")),
                }
            }
            other => Err(other.invalid_type(&"a string (a selection value) or a struct of one member")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self {
            Value::Base64(b) => visitor.visit_byte_buf(b),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        self.deserialize_bytes(visitor)
    }

    /// A `base64` also reads as a sequence of bytes (`Vec<u8>`).
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self {
            Value::Base64(b) => visit_array(b.into_iter().map(Value::from).collect(), visitor),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, FieldError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        drop(self);
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        map struct identifier
    }
}

impl<'de> IntoDeserializer<'de, FieldError> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

/// The elements of an array; an error inside element `i` gets `[i]`.
struct SeqDeserializer {
    iter: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for SeqDeserializer {
    type Error = FieldError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, FieldError> {
        match self.iter.next() {
            Some(value) => {
                let index = self.index;
                self.index += 1;
                seed.deserialize(value).map(Some).map_err(|e| e.at_index(index))
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The members of a struct; an error inside a member gets its name.
struct MapDeserializer {
    iter: std::vec::IntoIter<(String, Value)>,
    /// The member whose name was just read: its name (kept for the error
    /// path) and its value.
    pending: Option<(String, Value)>,
}

impl<'de> MapAccess<'de> for MapDeserializer {
    type Error = FieldError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, FieldError> {
        match self.iter.next() {
            Some((name, value)) => {
                let key = seed
                    .deserialize(de::value::StrDeserializer::<FieldError>::new(&name))
                    .map_err(|e| e.at_name(&name))?;
                self.pending = Some((name, value));
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, FieldError> {
        match self.pending.take() {
            Some((name, value)) => seed.deserialize(value).map_err(|e| e.at_name(&name)),
            None => Err(de::Error::custom(
                "a struct member's value was read before its name",
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An enum: its variant's name and, unless it is a unit variant, content.
struct EnumDeserializer {
    variant: String,
    content: Option<Value>,
}

impl<'de> EnumAccess<'de> for EnumDeserializer {
    type Error = FieldError;
    type Variant = VariantDeserializer;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantDeserializer), FieldError> {
        let variant = seed.deserialize(de::value::StrDeserializer::<FieldError>::new(&self.variant))?;
        Ok((
            variant,
            VariantDeserializer {
                name: self.variant,
                content: self.content,
            },
        ))
    }
}

struct VariantDeserializer {
    name: String,
    content: Option<Value>,
}

impl<'de> VariantAccess<'de> for VariantDeserializer {
    type Error = FieldError;

    fn unit_variant(self) -> Result<(), FieldError> {
        match self.content {
            None => Ok(()),
            Some(value) if value.is_false() => Ok(()),
            Some(other) => Err(other.invalid_type(&"a unit variant").at_name(&self.name)),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, FieldError> {
        match self.content {
            Some(value) => seed.deserialize(value).map_err(|e| e.at_name(&self.name)),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"a newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, FieldError> {
        match self.content {
            Some(Value::Array(items)) => visit_array(items, visitor).map_err(|e| e.at_name(&self.name)),
            Some(other) => Err(other.invalid_type(&"a tuple variant").at_name(&self.name)),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"a tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        match self.content {
            Some(Value::Struct(members)) => visit_struct(members, visitor).map_err(|e| e.at_name(&self.name)),
            Some(Value::Array(items)) => visit_array(items, visitor).map_err(|e| e.at_name(&self.name)),
            Some(other) => Err(other.invalid_type(&"a struct variant").at_name(&self.name)),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"a struct variant",
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::str::FromStr;

    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use serde::Deserialize;

    use super::*;

    fn s(members: &[(&str, Value)]) -> Value {
        Value::Struct(members.iter().cloned().collect())
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn false_and_nil_are_none_everything_else_some() {
        assert_eq!(from_value::<Option<i64>>(Value::Bool(false)), Ok(None));
        assert_eq!(from_value::<Option<String>>(Value::Nil), Ok(None));
        assert_eq!(from_value::<Option<i64>>(Value::Int(0)), Ok(Some(0)));
        assert_eq!(
            from_value::<Option<String>>(Value::from("")),
            Ok(Some(String::new()))
        );
        assert_eq!(
            from_value::<Option<Vec<i64>>>(Value::Array(vec![])),
            Ok(Some(vec![]))
        );
        // `true` is Some; a boolean field must be a plain bool.
        assert_eq!(from_value::<Option<bool>>(Value::Bool(true)), Ok(Some(true)));
        assert_eq!(from_value::<bool>(Value::Bool(false)), Ok(false));
    }

    #[test]
    fn any_dispatches_by_variant() {
        let dt = NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(2, 49, 6)
            .unwrap();
        let tree = Value::Array(vec![
            Value::Int(-7),
            Value::Bool(true),
            Value::from("é <b>"),
            Value::Double(2.5),
            Value::DateTime(dt),
            Value::Base64(vec![0, 255]),
            s(&[("a", Value::Int(1)), ("b", Value::Array(vec![Value::Nil]))]),
            Value::Nil,
        ]);
        // Value's own Deserialize goes through deserialize_any.
        let back: Value = from_value(tree.clone()).unwrap();
        let Value::Array(items) = back else {
            panic!("not an array")
        };
        assert_eq!(items[0], Value::Int(-7));
        assert_eq!(items[1], Value::Bool(true));
        assert_eq!(items[2], Value::from("é <b>"));
        assert_eq!(items[3], Value::Double(2.5));
        assert_eq!(items[4], Value::from("2026-11-23 02:49:06"));
        assert_eq!(items[5], Value::Base64(vec![0, 255]));
        assert_eq!(items[6], tree.as_array().unwrap()[6]);
        assert_eq!(items[7], Value::Nil);
    }

    #[test]
    fn numbers_check_their_range_and_widen() {
        assert_eq!(from_value::<u8>(Value::Int(255)), Ok(255));
        let err = from_value::<u8>(Value::Int(256)).unwrap_err();
        assert!(err.message().contains("256"), "{err}");
        assert!(from_value::<u64>(Value::Int(-1)).is_err());
        assert_eq!(from_value::<f64>(Value::Int(3)), Ok(3.0));
        assert!(from_value::<i64>(Value::Double(3.0)).is_err());
        assert!(from_value::<i64>(Value::from("3")).is_err());
        assert_eq!(
            from_value::<f64>(Value::Double(-0.0)).map(f64::is_sign_negative),
            Ok(false)
        );
    }

    #[test]
    fn decimals_keep_the_shortest_digits_of_a_double() {
        for (double, text) in [
            (14.0, "14"),
            (0.1, "0.1"),
            (30.75, "30.75"),
            (12.6, "12.6"),
            (205.2, "205.2"),
            (0.092903, "0.092903"),
            (4.225, "4.225"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e-7, "0.0000001"),
            (-0.0, "0"),
            (-5.5, "-5.5"),
            (1e20, "100000000000000000000"),
        ] {
            let d: Decimal = from_value(Value::Double(double)).unwrap();
            assert_eq!(d.to_string(), text, "{double:?}");
            let o: Option<Decimal> = from_value(Value::Double(double)).unwrap();
            assert_eq!(o, Some(dec(text)));
        }
        assert_eq!(from_value::<Decimal>(Value::Int(3)), Ok(Decimal::from(3)));
        assert_eq!(from_value::<Decimal>(Value::from("2.50")), Ok(dec("2.50")));
        assert_eq!(from_value::<Option<Decimal>>(Value::Bool(false)), Ok(None));
        assert!(from_value::<Decimal>(Value::Double(f64::NAN)).is_err());
        assert!(from_value::<Decimal>(Value::Double(1e300)).is_err());
        assert!(from_value::<Decimal>(Value::Bool(true)).is_err());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum ComputePrice {
        Fixed,
        Percentage,
        Formula,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Shape {
        Dot,
        Circle(f64),
        Segment(i64, i64),
        Rect { w: i64, h: i64 },
    }

    #[test]
    fn enums_come_from_selection_strings() {
        assert_eq!(from_value(Value::from("fixed")), Ok(ComputePrice::Fixed));
        assert_eq!(
            from_value(Value::from("percentage")),
            Ok(ComputePrice::Percentage)
        );
        assert_eq!(from_value(Value::from("formula")), Ok(ComputePrice::Formula));
        let err = from_value::<ComputePrice>(Value::from("code")).unwrap_err();
        assert!(err.message().contains("unknown variant `code`"), "{err}");
        assert_eq!(from_value::<Option<ComputePrice>>(Value::Bool(false)), Ok(None));
        let err = from_value::<ComputePrice>(Value::Int(1)).unwrap_err();
        assert!(err.message().contains("invalid type: integer `1`"), "{err}");
    }

    #[test]
    fn other_enum_kinds_come_from_one_member_structs() {
        assert_eq!(from_value(Value::from("Dot")), Ok(Shape::Dot));
        assert_eq!(
            from_value(s(&[("Circle", Value::Double(1.5))])),
            Ok(Shape::Circle(1.5))
        );
        assert_eq!(
            from_value(s(&[("Segment", Value::from(vec![1, 2]))])),
            Ok(Shape::Segment(1, 2))
        );
        assert_eq!(
            from_value(s(&[("Rect", s(&[("w", Value::Int(2)), ("h", Value::Int(3))]))])),
            Ok(Shape::Rect { w: 2, h: 3 })
        );
        let err = from_value::<Shape>(s(&[(
            "Rect",
            s(&[("w", Value::Int(2)), ("h", Value::from("x"))]),
        )]))
        .unwrap_err();
        assert_eq!(err.path(), "Rect.h");
        assert!(from_value::<Shape>(s(&[("Dot", Value::Int(1))])).is_err());
        assert!(from_value::<Shape>(Value::from("Circle")).is_err());
        assert!(from_value::<Shape>(s(&[])).is_err());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Id(i64);

    #[derive(Debug, Deserialize, PartialEq)]
    struct Unit;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pair(i64, String);

    #[test]
    fn newtypes_tuples_units_and_maps() {
        assert_eq!(from_value(Value::Int(4)), Ok(Id(4)));
        assert_eq!(
            from_value(Value::from(vec![Value::Int(4), Value::from("x")])),
            Ok(Pair(4, "x".into()))
        );
        assert_eq!(
            from_value::<(i64, String)>(Value::from(vec![Value::Int(4), Value::from("x")])),
            Ok((4, "x".to_owned()))
        );
        let err = from_value::<(i64, String)>(Value::from(vec![Value::Int(4)])).unwrap_err();
        assert!(err.message().contains("invalid length 1"), "{err}");
        let err = from_value::<(i64,)>(Value::from(vec![1, 2])).unwrap_err();
        assert!(err.message().contains("invalid length 2"), "{err}");
        assert_eq!(from_value::<()>(Value::Bool(false)), Ok(()));
        assert_eq!(from_value::<()>(Value::Nil), Ok(()));
        assert!(from_value::<()>(Value::Bool(true)).is_err());
        assert_eq!(from_value(Value::Nil), Ok(Unit));
        let map: BTreeMap<String, i64> =
            from_value(s(&[("b", Value::Int(2)), ("a", Value::Int(1))])).unwrap();
        assert_eq!(
            map.into_iter().collect::<Vec<_>>(),
            [("a".into(), 1), ("b".into(), 2)]
        );
        let map: HashMap<String, Option<String>> = from_value(s(&[("x", Value::Bool(false))])).unwrap();
        assert_eq!(map["x"], None);
        assert_eq!(from_value::<char>(Value::from("é")), Ok('é'));
    }

    #[test]
    fn bytes_strings_and_datetimes() {
        assert_eq!(
            from_value::<Vec<u8>>(Value::Base64(vec![1, 2, 3])),
            Ok(vec![1, 2, 3])
        );
        assert_eq!(
            from_value::<String>(Value::DateTime(
                NaiveDate::from_ymd_opt(2030, 6, 14)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap()
            )),
            Ok("2030-06-14 09:00:00".to_owned())
        );
        let err = from_value::<String>(Value::Bool(false)).unwrap_err();
        assert_eq!(err.message(), "invalid type: boolean `false`, expected a string");
        struct Bytes(Vec<u8>);
        impl<'de> Deserialize<'de> for Bytes {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = Bytes;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Bytes, E> {
                        Ok(Bytes(v))
                    }
                    fn visit_str<E>(self, v: &str) -> Result<Bytes, E> {
                        Ok(Bytes(v.as_bytes().to_vec()))
                    }
                }
                d.deserialize_byte_buf(V)
            }
        }
        assert_eq!(from_value::<Bytes>(Value::Base64(vec![9])).unwrap().0, vec![9]);
        assert_eq!(from_value::<Bytes>(Value::from("ab")).unwrap().0, b"ab".to_vec());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Line {
        id: i64,
        #[serde(alias = "tax_id")]
        tax_ids: Vec<i64>,
        name: Option<String>,
    }

    #[test]
    fn structs_ignore_unknown_members_and_accept_aliases() {
        let line: Line = from_value(s(&[
            ("id", Value::Int(3)),
            ("tax_id", Value::from(vec![1, 2])),
            ("name", Value::Bool(false)),
            ("image_1920", Value::Base64(vec![0; 64])),
            ("extra", s(&[("deep", Value::from(vec![Value::Nil]))])),
        ]))
        .unwrap();
        assert_eq!(
            line,
            Line {
                id: 3,
                tax_ids: vec![1, 2],
                name: None
            }
        );
        // A missing Option is None; a missing required member is an error.
        let line: Line = from_value(s(&[("id", Value::Int(3)), ("tax_ids", Value::from(vec![1]))])).unwrap();
        assert_eq!(line.name, None);
        let err = from_value::<Line>(s(&[("id", Value::Int(3))])).unwrap_err();
        assert_eq!(err.message(), "missing field `tax_ids`");
        assert_eq!(err.path(), ".");
        // A struct read from an array, as serde allows.
        let line: Line = from_value(Value::from(vec![
            Value::Int(1),
            Value::from(vec![2]),
            Value::from("n"),
        ]))
        .unwrap();
        assert_eq!(line.name.as_deref(), Some("n"));
    }

    #[test]
    fn errors_name_the_path() {
        let rows = Value::Array(vec![
            s(&[("id", Value::Int(1)), ("tax_ids", Value::from(vec![1]))]),
            s(&[
                ("id", Value::Int(2)),
                ("tax_ids", Value::from(vec![Value::Int(1), Value::from("x")])),
            ]),
        ]);
        let err = from_value::<Vec<Line>>(rows).unwrap_err();
        assert_eq!(err.path(), "[1].tax_ids[1]");
        assert_eq!(err.to_string(), format!("[1].tax_ids[1]: {}", err.message()));

        let rows = Value::Array(vec![s(&[("id", Value::Int(1))])]);
        assert_eq!(from_value::<Vec<Line>>(rows).unwrap_err().path(), "[0]");

        let err = from_value::<Line>(Value::Int(1)).unwrap_err();
        assert_eq!(err.path(), ".");
        assert_eq!(err.to_string(), err.message());
    }

    /// The paths are those `serde_path_to_error` would give.
    #[test]
    fn paths_match_serde_path_to_error() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            rows: Vec<Line>,
            by_name: BTreeMap<String, Vec<Option<i64>>>,
            shape: Option<Shape>,
        }
        let good_line = s(&[("id", Value::Int(1)), ("tax_ids", Value::from(vec![1]))]);
        let outer = |rows: Value, by_name: Value, shape: Value| {
            s(&[("rows", rows), ("by_name", by_name), ("shape", shape)])
        };
        let cases = [
            outer(
                Value::from(vec![
                    good_line.clone(),
                    s(&[("id", Value::from("2")), ("tax_ids", Value::from(vec![1]))]),
                ]),
                s(&[]),
                Value::Bool(false),
            ),
            outer(
                Value::from(vec![good_line.clone()]),
                s(&[(
                    "a",
                    Value::from(vec![Value::Int(1), Value::Bool(false), Value::Double(1.0)]),
                )]),
                Value::Bool(false),
            ),
            outer(
                Value::from(vec![good_line.clone()]),
                s(&[]),
                s(&[("Rect", s(&[("w", Value::Int(1)), ("h", Value::Bool(true))]))]),
            ),
            outer(
                Value::from(vec![good_line.clone(), s(&[("id", Value::Int(2))])]),
                s(&[]),
                Value::Nil,
            ),
            outer(Value::Int(1), s(&[]), Value::Nil),
            s(&[("rows", Value::from(vec![good_line]))]),
        ];
        for case in cases {
            let theirs = serde_path_to_error::deserialize::<_, Outer>(case.clone()).unwrap_err();
            let ours = from_value::<Outer>(case).unwrap_err();
            assert_eq!(ours.path(), theirs.path().to_string());
            assert_eq!(ours.message(), theirs.inner().message());
        }
    }

    #[test]
    fn ignored_values_are_not_visited() {
        #[derive(Deserialize)]
        struct Only {
            id: i64,
        }
        let big = Value::Array((0..1000).map(|i| Value::from(vec![i])).collect());
        let only: Only = from_value(s(&[("blob", big), ("id", Value::Int(7))])).unwrap();
        assert_eq!(only.id, 7);
        assert_eq!(from_value::<de::IgnoredAny>(Value::Nil), Ok(de::IgnoredAny));
    }
}
