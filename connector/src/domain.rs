//! Odoo search domains, built as a tree and written in Odoo's prefix
//! ("Polish") notation, so that no caller writes nested arrays by hand.
//!
//! ```
//! use connector::domain::{field, Domain};
//!
//! let published = field("sale_ok").eq(true) & field("is_published").eq(true);
//! let by_name = field("name").ilike("pain") | field("default_code").ilike("pain");
//! let domain: Domain = published & by_name;
//! assert_eq!(
//!     domain.to_value().to_string(),
//!     r#"[["sale_ok", "=", true], ["is_published", "=", true], "|", ["name", "ilike", "pain"], ["default_code", "ilike", "pain"]]"#
//! );
//! ```

use std::fmt;
use std::ops::{BitAnd, BitOr, Not};

use crate::xmlrpc::Value;

/// A comparison operator of a domain leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `like`: case-sensitive substring.
    Like,
    /// `not like`
    NotLike,
    /// `ilike`: case-insensitive substring.
    Ilike,
    /// `not ilike`
    NotIlike,
    /// `=like`: case-sensitive SQL pattern (`%`, `_`).
    EqLike,
    /// `=ilike`: case-insensitive SQL pattern.
    EqIlike,
    /// `child_of`: the record or any descendant (by `parent_id`).
    ChildOf,
    /// `parent_of`: the record or any ancestor.
    ParentOf,
}

impl Operator {
    /// Odoo's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "=",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::In => "in",
            Operator::NotIn => "not in",
            Operator::Like => "like",
            Operator::NotLike => "not like",
            Operator::Ilike => "ilike",
            Operator::NotIlike => "not ilike",
            Operator::EqLike => "=like",
            Operator::EqIlike => "=ilike",
            Operator::ChildOf => "child_of",
            Operator::ParentOf => "parent_of",
        }
    }

    /// Parses Odoo's spelling (`<>` and `==` are Odoo's legacy aliases).
    pub fn parse(op: &str) -> Option<Operator> {
        Some(match op {
            "=" | "==" => Operator::Eq,
            "!=" | "<>" => Operator::Ne,
            "<" => Operator::Lt,
            "<=" => Operator::Le,
            ">" => Operator::Gt,
            ">=" => Operator::Ge,
            "in" => Operator::In,
            "not in" => Operator::NotIn,
            "like" => Operator::Like,
            "not like" => Operator::NotLike,
            "ilike" => Operator::Ilike,
            "not ilike" => Operator::NotIlike,
            "=like" => Operator::EqLike,
            "=ilike" => Operator::EqIlike,
            "child_of" => Operator::ChildOf,
            "parent_of" => Operator::ParentOf,
            _ => return None,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One leaf: `(field, operator, value)`. The field may be a dotted path
/// (`categ_ids.name`).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Field name or dotted path.
    pub field: String,
    /// The comparison.
    pub operator: Operator,
    /// The right-hand side.
    pub value: Value,
}

/// A search domain.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Domain {
    /// Matches every record (Odoo's empty domain).
    #[default]
    All,
    /// Matches no record.
    Nothing,
    /// A single condition.
    Leaf(Condition),
    /// All of these.
    And(Vec<Domain>),
    /// Any of these.
    Or(Vec<Domain>),
    /// Not this.
    Not(Box<Domain>),
}

/// A field to compare: `field("list_price").gt(10)`.
pub fn field(name: impl Into<String>) -> FieldRef {
    FieldRef(name.into())
}

/// The left-hand side of a condition being built.
#[derive(Debug, Clone)]
pub struct FieldRef(String);

macro_rules! ops {
    ($($(#[$doc:meta])* $name:ident => $op:ident),* $(,)?) => {
        impl FieldRef {
            $(
                $(#[$doc])*
                pub fn $name(self, value: impl Into<Value>) -> Domain {
                    Domain::Leaf(Condition { field: self.0, operator: Operator::$op, value: value.into() })
                }
            )*
        }
    };
}

ops! {
    /// `=`
    eq => Eq,
    /// `!=`
    ne => Ne,
    /// `<`
    lt => Lt,
    /// `<=`
    le => Le,
    /// `>`
    gt => Gt,
    /// `>=`
    ge => Ge,
    /// `like`
    like => Like,
    /// `not like`
    not_like => NotLike,
    /// `ilike`
    ilike => Ilike,
    /// `not ilike`
    not_ilike => NotIlike,
    /// `=like`
    eq_like => EqLike,
    /// `=ilike`
    eq_ilike => EqIlike,
    /// `child_of`
    child_of => ChildOf,
    /// `parent_of`
    parent_of => ParentOf,
}

impl FieldRef {
    /// `in`
    pub fn is_in<V: Into<Value>>(self, values: impl IntoIterator<Item = V>) -> Domain {
        self.with_list(Operator::In, values)
    }

    /// `not in`
    pub fn not_in<V: Into<Value>>(self, values: impl IntoIterator<Item = V>) -> Domain {
        self.with_list(Operator::NotIn, values)
    }

    /// `= false`: the field is empty.
    pub fn is_empty(self) -> Domain {
        self.eq(false)
    }

    /// `!= false`: the field is set.
    pub fn is_set(self) -> Domain {
        self.ne(false)
    }

    fn with_list<V: Into<Value>>(self, operator: Operator, values: impl IntoIterator<Item = V>) -> Domain {
        Domain::Leaf(Condition {
            field: self.0,
            operator,
            value: Value::Array(values.into_iter().map(Into::into).collect()),
        })
    }
}

/// Why a domain could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid domain: {0}")]
pub struct DomainError(pub String);

impl Domain {
    /// All of `parts` (an empty list matches everything).
    pub fn all_of(parts: impl IntoIterator<Item = Domain>) -> Domain {
        parts.into_iter().fold(Domain::All, |acc, d| acc & d)
    }

    /// Any of `parts` (an empty list matches nothing).
    pub fn any_of(parts: impl IntoIterator<Item = Domain>) -> Domain {
        parts.into_iter().fold(Domain::Nothing, |acc, d| acc | d)
    }

    /// The domain in Odoo's prefix notation, as the `domain` argument of
    /// `search`, `search_read` and `search_count`. A top-level conjunction
    /// is written as a plain list, as Odoo's own clients do.
    pub fn to_value(&self) -> Value {
        let mut out = Vec::new();
        match self {
            Domain::All => {}
            Domain::And(parts) => parts.iter().for_each(|p| p.write(&mut out)),
            other => other.write(&mut out),
        }
        Value::Array(out)
    }

    fn write(&self, out: &mut Vec<Value>) {
        match self {
            // Odoo's TRUE_LEAF and FALSE_LEAF.
            Domain::All => out.push(leaf_value(&Value::Int(1), "=", &Value::Int(1))),
            Domain::Nothing => out.push(leaf_value(&Value::Int(0), "=", &Value::Int(1))),
            Domain::Leaf(c) => out.push(leaf_value(
                &Value::String(c.field.clone()),
                c.operator.as_str(),
                &c.value,
            )),
            Domain::And(parts) | Domain::Or(parts) => {
                let op = if matches!(self, Domain::And(_)) { "&" } else { "|" };
                for _ in 1..parts.len() {
                    out.push(Value::from(op));
                }
                parts.iter().for_each(|p| p.write(out));
            }
            Domain::Not(inner) => {
                out.push(Value::from("!"));
                inner.write(out);
            }
        }
    }

    /// Reads a domain in Odoo's prefix notation (what a server receives).
    /// Terms left over at the top level are joined with an implicit `&`.
    pub fn from_value(value: &Value) -> Result<Domain, DomainError> {
        let items = value
            .as_array()
            .ok_or_else(|| DomainError(format!("expected a list, got {}", value.type_name())))?;
        let mut rest = items;
        let mut parts = Vec::new();
        while !rest.is_empty() {
            let (term, tail) = Self::parse_term(rest, 0)?;
            parts.push(term);
            rest = tail;
        }
        Ok(match parts.len() {
            0 => Domain::All,
            1 => parts.pop().unwrap_or_default(),
            _ => Domain::And(parts),
        })
    }

    fn parse_term(items: &[Value], depth: usize) -> Result<(Domain, &[Value]), DomainError> {
        if depth > 512 {
            return Err(DomainError("nested too deeply".into()));
        }
        let Some((first, rest)) = items.split_first() else {
            return Err(DomainError("an operator is missing its operand".into()));
        };
        match first {
            Value::String(op) if op == "&" || op == "|" => {
                let (a, rest) = Self::parse_term(rest, depth + 1)?;
                let (b, rest) = Self::parse_term(rest, depth + 1)?;
                Ok((if op == "&" { a & b } else { a | b }, rest))
            }
            Value::String(op) if op == "!" => {
                let (a, rest) = Self::parse_term(rest, depth + 1)?;
                Ok((!a, rest))
            }
            Value::Array(leaf) => Ok((Self::parse_leaf(leaf)?, rest)),
            Value::String(other) => Err(DomainError(format!("unknown domain operator {other:?}"))),
            other => Err(DomainError(format!("unexpected {} in domain", other.type_name()))),
        }
    }

    fn parse_leaf(leaf: &[Value]) -> Result<Domain, DomainError> {
        let [left, op, right] = leaf else {
            return Err(DomainError(format!(
                "a condition has 3 elements, not {}",
                leaf.len()
            )));
        };
        let op_str = op
            .as_str()
            .ok_or_else(|| DomainError(format!("operator is a {}", op.type_name())))?;
        let operator =
            Operator::parse(op_str).ok_or_else(|| DomainError(format!("unknown operator {op_str:?}")))?;
        match left {
            Value::String(field) => Ok(Domain::Leaf(Condition {
                field: field.clone(),
                operator,
                value: right.clone(),
            })),
            // TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1).
            Value::Int(n) if operator == Operator::Eq && right.as_i64() == Some(1) => {
                Ok(if *n == 1 { Domain::All } else { Domain::Nothing })
            }
            other => Err(DomainError(format!("field name is a {}", other.type_name()))),
        }
    }
}

fn leaf_value(left: &Value, op: &str, right: &Value) -> Value {
    Value::Array(vec![left.clone(), Value::from(op), right.clone()])
}

impl BitAnd for Domain {
    type Output = Domain;
    fn bitand(self, rhs: Domain) -> Domain {
        match (self, rhs) {
            (Domain::All, d) | (d, Domain::All) => d,
            (Domain::Nothing, _) | (_, Domain::Nothing) => Domain::Nothing,
            (Domain::And(mut a), Domain::And(b)) => {
                a.extend(b);
                Domain::And(a)
            }
            (Domain::And(mut a), d) => {
                a.push(d);
                Domain::And(a)
            }
            (d, Domain::And(mut b)) => {
                b.insert(0, d);
                Domain::And(b)
            }
            (a, b) => Domain::And(vec![a, b]),
        }
    }
}

impl BitOr for Domain {
    type Output = Domain;
    fn bitor(self, rhs: Domain) -> Domain {
        match (self, rhs) {
            (Domain::Nothing, d) | (d, Domain::Nothing) => d,
            (Domain::All, _) | (_, Domain::All) => Domain::All,
            (Domain::Or(mut a), Domain::Or(b)) => {
                a.extend(b);
                Domain::Or(a)
            }
            (Domain::Or(mut a), d) => {
                a.push(d);
                Domain::Or(a)
            }
            (d, Domain::Or(mut b)) => {
                b.insert(0, d);
                Domain::Or(b)
            }
            (a, b) => Domain::Or(vec![a, b]),
        }
    }
}

impl Not for Domain {
    type Output = Domain;
    fn not(self) -> Domain {
        match self {
            Domain::All => Domain::Nothing,
            Domain::Nothing => Domain::All,
            Domain::Not(inner) => *inner,
            d => Domain::Not(Box::new(d)),
        }
    }
}

impl From<Domain> for Value {
    fn from(d: Domain) -> Value {
        d.to_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(d: &Domain) -> String {
        d.to_value().to_string()
    }

    #[test]
    fn empty_domain_is_an_empty_list() {
        assert_eq!(s(&Domain::All), "[]");
    }

    #[test]
    fn top_level_and_is_implicit_and_nested_or_is_prefixed() {
        let d = field("a").eq(1) & (field("b").eq(2) | field("c").eq(3) | field("d").eq(4));
        assert_eq!(
            s(&d),
            r#"[["a", "=", 1], "|", "|", ["b", "=", 2], ["c", "=", 3], ["d", "=", 4]]"#
        );
    }

    #[test]
    fn and_inside_or_gets_its_ampersand() {
        let d = (field("a").eq(1) & field("b").eq(2)) | !field("c").is_in([1, 2]);
        assert_eq!(
            s(&d),
            r#"["|", "&", ["a", "=", 1], ["b", "=", 2], "!", ["c", "in", [1, 2]]]"#
        );
    }

    #[test]
    fn parse_round_trips_what_it_writes() {
        let d = field("x").ilike("é") & ((field("a").eq(1) & field("b").ne(false)) | !field("c").child_of(3));
        assert_eq!(Domain::from_value(&d.to_value()), Ok(d));
    }

    #[test]
    fn parse_rejects_bad_domains() {
        for bad in [
            Value::from("x"),
            Value::from(vec![
                Value::from("|"),
                Value::from(vec![Value::from("a"), Value::from("="), Value::from(1)]),
            ]),
            Value::from(vec![Value::from(vec![
                Value::from("a"),
                Value::from("~"),
                Value::from(1),
            ])]),
            Value::from(vec![Value::from(vec![Value::from("a"), Value::from("=")])]),
            Value::from(vec![Value::from("&&")]),
        ] {
            assert!(Domain::from_value(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn true_and_false_leaves() {
        assert_eq!(s(&(Domain::All | field("a").eq(1))), "[]");
        assert_eq!(s(&Domain::Nothing), r#"[[0, "=", 1]]"#);
        let parsed = Domain::from_value(&Domain::Nothing.to_value());
        assert_eq!(parsed, Ok(Domain::Nothing));
    }
}
