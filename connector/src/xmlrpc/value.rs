//! The XML-RPC value tree, as Odoo sends and accepts it.

use std::fmt;

use chrono::NaiveDateTime;

/// One XML-RPC value.
///
/// Odoo sends `false` for every empty field, whatever its type; typed records
/// turn that into `None` (see [`crate::records`]).
#[derive(Clone, Debug)]
pub enum Value {
    /// `<int>`, `<i4>` (and `<i8>`, which some servers send for big ids).
    Int(i64),
    /// `<boolean>`.
    Bool(bool),
    /// `<string>`, or a `<value>` with bare text.
    String(String),
    /// `<double>`.
    Double(f64),
    /// `<dateTime.iso8601>`; XML-RPC carries no time zone, Odoo means UTC.
    DateTime(NaiveDateTime),
    /// `<base64>`, decoded.
    Base64(Vec<u8>),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<struct>`.
    Struct(Struct),
    /// `<nil/>`: Odoo accepts it on input but never sends it.
    Nil,
}

impl Value {
    /// The value as a string slice, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as a boolean, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as a number, if it is an integer or a double.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Double(d) => Some(*d),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The elements of an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members of a struct.
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Odoo's "empty": `false` (or `nil`, which it never sends but accepts).
    pub fn is_false(&self) -> bool {
        matches!(self, Value::Bool(false) | Value::Nil)
    }

    /// The XML-RPC type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Bool(_) => "boolean",
            Value::String(_) => "string",
            Value::Double(_) => "double",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Base64(_) => "base64",
            Value::Array(_) => "array",
            Value::Struct(_) => "struct",
            Value::Nil => "nil",
        }
    }
}

/// Equality of meaning: struct members compare regardless of order, and an
/// integral double equals the same integer only if both are the same type
/// (an `<int>` and a `<double>` are different on the wire).
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Double(a), Value::Double(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::DateTime(a), Value::DateTime(b)) => a == b,
            (Value::Base64(a), Value::Base64(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Struct(a), Value::Struct(b)) => a == b,
            (Value::Nil, Value::Nil) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Double(d) => write!(f, "{d:?}"),
            Value::DateTime(d) => write!(f, "{}", d.format("%Y%m%dT%H:%M:%S")),
            Value::Base64(b) => write!(f, "<{} bytes>", b.len()),
            Value::Array(a) => {
                f.write_str("[")?;
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Struct(s) => {
                f.write_str("{")?;
                for (i, (k, v)) in s.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k:?}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Nil => f.write_str("nil"),
        }
    }
}

/// An XML-RPC struct: named members, kept in the order they came or were
/// inserted (so encoded requests read naturally), unique by name.
#[derive(Clone, Debug, Default)]
pub struct Struct {
    members: Vec<(String, Value)>,
}

impl Struct {
    /// An empty struct.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a member, replacing any member of the same name (as Python's
    /// dict does when a struct repeats a name).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        let name = name.into();
        let value = value.into();
        match self.members.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.members.push((name, value)),
        }
    }

    /// Appends a member without looking for its name; [`Struct::dedup`]
    /// must follow before the struct is used.
    pub(crate) fn push_unchecked(&mut self, name: String, value: Value) {
        self.members.push((name, value));
    }

    /// Keeps the last value of each name (as Python's dict does), in
    /// linear time for large structs and without allocating for small ones.
    pub(crate) fn dedup(&mut self) {
        let n = self.members.len();
        let keep: Vec<bool> = if n <= 32 {
            let unique = (1..n).all(|i| self.members[..i].iter().all(|(k, _)| *k != self.members[i].0));
            if unique {
                return;
            }
            (0..n)
                .map(|i| self.members[i + 1..].iter().all(|(k, _)| *k != self.members[i].0))
                .collect()
        } else {
            let mut last = std::collections::HashMap::with_capacity(n);
            for (at, (name, _)) in self.members.iter().enumerate() {
                last.insert(name.as_str(), at);
            }
            if last.len() == n {
                return;
            }
            (0..n)
                .map(|i| last.get(self.members[i].0.as_str()) == Some(&i))
                .collect()
        };
        let mut at = 0;
        self.members.retain(|_| {
            at += 1;
            keep[at - 1]
        });
    }

    /// Builder form of [`Struct::insert`].
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.insert(name, value);
        self
    }

    /// The member of that name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Removes and returns the member of that name.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.members.iter().position(|(k, _)| k == name)?;
        Some(self.members.remove(at).1)
    }

    /// Whether a member of that name exists.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl PartialEq for Struct {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl IntoIterator for Struct {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Struct {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut s = Struct::new();
        for (k, v) in iter {
            s.insert(k, v);
        }
        s
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Int(i64::from(v))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Double(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::String(v.clone())
    }
}

impl From<NaiveDateTime> for Value {
    fn from(v: NaiveDateTime) -> Self {
        Value::DateTime(v)
    }
}

impl From<Struct> for Value {
    fn from(v: Struct) -> Self {
        Value::Struct(v)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value> + Clone> From<&[T]> for Value {
    fn from(v: &[T]) -> Self {
        Value::Array(v.iter().cloned().map(Into::into).collect())
    }
}

/// `None` is Odoo's `false`.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Bool(false), Into::into)
    }
}

/// A decimal goes on the wire as an `<int>` when it is whole and as a
/// `<double>` otherwise, as Odoo's own clients send quantities and prices.
impl From<rust_decimal::Decimal> for Value {
    fn from(v: rust_decimal::Decimal) -> Self {
        use rust_decimal::prelude::ToPrimitive;
        if v.fract().is_zero() {
            if let Some(i) = v.to_i64() {
                return Value::Int(i);
            }
        }
        // Shortest round trip: the decimal's digits, read as a double.
        Value::Double(v.to_string().parse().unwrap_or(f64::NAN))
    }
}

/// Lets a raw [`Value`] (or [`Struct`]) stand where a typed answer is
/// expected, e.g. `Query<Vec<Struct>>`. A `dateTime.iso8601` read this way
/// comes back as its text, since serde has no date type.
impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

impl<'de> serde::Deserialize<'de> for Struct {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(ValueVisitor)? {
            Value::Struct(s) => Ok(s),
            other => Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Other(other.type_name()),
                &"a struct",
            )),
        }
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an XML-RPC value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    /// Beyond 64 bits an integer can only be a double (as JSON readers do).
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Double(v as f64), Value::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Double(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Base64(v.to_vec()))
    }

    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Base64(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Struct::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            members.insert(k, v);
        }
        Ok(Value::Struct(members))
    }
}
