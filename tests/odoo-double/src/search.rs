//! Searching: Odoo's domain language evaluated in memory, with Odoo's
//! semantics (as in `odoo/osv/expression.py`): `false` means empty,
//! negative operators match empty values, dotted paths and x2many leaves
//! mean "any", `child_of`/`parent_of` follow `parent_id`, many2one and
//! x2many leaves with text compare display names.

use std::collections::{HashMap, HashSet};

use connector::domain::{Condition, Domain, Operator};
use connector::xmlrpc::Value;

use crate::db::{normalize_date, normalize_datetime, Cell, Record};
use crate::faults::{python_leaf, OdooError};
use crate::read::{parse_order, Env};
use crate::schema::{FieldDef, FieldType, ModelSchema};

/// A compiled domain.
#[derive(Debug)]
enum Pred {
    Const(bool),
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    Cmp {
        field: FieldDef,
        op: Operator,
        value: Value,
    },
    IdIn(HashSet<i64>),
    M2oIn {
        field: FieldDef,
        set: HashSet<i64>,
        or_null: bool,
    },
    X2mAny {
        field: FieldDef,
        set: Option<HashSet<i64>>,
        negate: bool,
    },
}

fn is_negative(op: Operator) -> bool {
    matches!(
        op,
        Operator::Ne | Operator::NotIn | Operator::NotLike | Operator::NotIlike
    )
}

fn positive(op: Operator) -> Operator {
    match op {
        Operator::Ne => Operator::Eq,
        Operator::NotIn => Operator::In,
        Operator::NotLike => Operator::Like,
        Operator::NotIlike => Operator::Ilike,
        other => other,
    }
}

fn mentions(domain: &Domain, field: &str) -> bool {
    match domain {
        Domain::Leaf(c) => c.field == field,
        Domain::And(parts) | Domain::Or(parts) => parts.iter().any(|d| mentions(d, field)),
        Domain::Not(inner) => mentions(inner, field),
        Domain::All | Domain::Nothing => false,
    }
}

impl Env<'_> {
    /// `search`: the matching ids in `order` (the model's default when
    /// `None`), after `offset`, at most `limit`. Archived records are
    /// hidden with the context's `active_test`; portal users see only what
    /// their record rules allow.
    pub fn search(
        &self,
        model: &str,
        domain: &Domain,
        order: Option<&str>,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<Vec<i64>, OdooError> {
        let schema = self.schema(model)?;
        let mut ids = self.filter(model, domain, self.ctx.active_test)?;
        let terms = match order {
            Some(text) if !text.trim().is_empty() => parse_order(schema, text)?,
            _ => (*self.default_order(model)).clone(),
        };
        if self.ctx.share {
            match model {
                "res.partner" => {
                    let own = self.db.portal_partners(self.ctx);
                    ids.retain(|id| own.contains(id));
                }
                "res.users" => ids.retain(|id| *id == self.ctx.uid),
                _ => {}
            }
        }
        self.sort(schema, &mut ids, &terms);
        let ids: Vec<i64> = ids.into_iter().skip(offset).collect();
        Ok(match limit {
            Some(l) => ids.into_iter().take(l).collect(),
            None => ids,
        })
    }

    /// The ids matching `domain`, in id order.
    pub fn filter(&self, model: &str, domain: &Domain, active_test: bool) -> Result<Vec<i64>, OdooError> {
        let schema = self.schema(model)?;
        let mut pred = self.compile(schema, domain)?;
        if active_test && schema.has_active() && !mentions(domain, "active") {
            if let Some(active) = schema.field("active") {
                pred = Pred::And(vec![
                    Pred::Cmp {
                        field: active.clone(),
                        op: Operator::Eq,
                        value: Value::Bool(true),
                    },
                    pred,
                ]);
            }
        }
        let Some(table) = self.db.tables.get(model) else {
            return Ok(Vec::new());
        };
        Ok(table
            .records
            .values()
            .filter(|rec| self.eval(schema, rec, &pred))
            .map(|rec| rec.id)
            .collect())
    }

    fn compile(&self, schema: &ModelSchema, domain: &Domain) -> Result<Pred, OdooError> {
        Ok(match domain {
            Domain::All => Pred::Const(true),
            Domain::Nothing => Pred::Const(false),
            Domain::And(parts) => Pred::And(
                parts
                    .iter()
                    .map(|d| self.compile(schema, d))
                    .collect::<Result<_, _>>()?,
            ),
            Domain::Or(parts) => Pred::Or(
                parts
                    .iter()
                    .map(|d| self.compile(schema, d))
                    .collect::<Result<_, _>>()?,
            ),
            Domain::Not(inner) => Pred::Not(Box::new(self.compile(schema, inner)?)),
            Domain::Leaf(c) => self.compile_leaf(schema, c)?,
        })
    }

    fn compile_leaf(&self, schema: &ModelSchema, c: &Condition) -> Result<Pred, OdooError> {
        let (head, rest) = match c.field.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (c.field.as_str(), None),
        };
        let invalid = || OdooError::InvalidDomainField {
            model: schema.name.clone(),
            field: head.to_owned(),
            leaf: python_leaf(&c.field, c.operator.as_str(), &c.value),
        };
        let field = schema.field(head).ok_or_else(invalid)?;
        // Odoo's normalize_leaf: '=' with a list is 'in', 'in' with a bool is '='.
        let mut op = c.operator;
        let mut value = match &c.value {
            Value::DateTime(d) => Value::String(d.format(crate::db::DATETIME_FORMAT).to_string()),
            Value::Nil => Value::Bool(false),
            v => v.clone(),
        };
        match (&value, op) {
            (Value::Array(_), Operator::Eq) => op = Operator::In,
            (Value::Array(_), Operator::Ne) => op = Operator::NotIn,
            (Value::Bool(_), Operator::In) => op = Operator::Eq,
            (Value::Bool(_), Operator::NotIn) => op = Operator::Ne,
            _ => {}
        }

        if let Some(rest) = rest {
            if !field.ftype.is_relational() {
                return Err(invalid());
            }
            let comodel = field.relation.clone().unwrap_or_default();
            let sub = Domain::Leaf(Condition {
                field: rest.to_owned(),
                operator: c.operator,
                value: c.value.clone(),
            });
            let active_test = field.ftype != FieldType::Many2one && self.ctx.active_test;
            let set: HashSet<i64> = self.filter(&comodel, &sub, active_test)?.into_iter().collect();
            return Ok(if field.ftype == FieldType::Many2one {
                Pred::M2oIn {
                    field: field.clone(),
                    set,
                    or_null: false,
                }
            } else {
                Pred::X2mAny {
                    field: field.clone(),
                    set: Some(set),
                    negate: false,
                }
            });
        }

        let hierarchy = matches!(op, Operator::ChildOf | Operator::ParentOf);
        if head == "id" {
            if hierarchy {
                let ids = self.to_ids(&schema.name, &value)?;
                return Ok(Pred::IdIn(self.hierarchy(
                    &schema.name,
                    &schema.parent_name,
                    &ids,
                    op,
                )));
            }
            return Ok(Pred::Cmp {
                field: field.clone(),
                op,
                value,
            });
        }

        match field.ftype {
            FieldType::Many2one => {
                let comodel = field.relation.clone().unwrap_or_default();
                if hierarchy {
                    let ids = self.to_ids(&comodel, &value)?;
                    if comodel == schema.name {
                        return Ok(Pred::IdIn(self.hierarchy(&schema.name, head, &ids, op)));
                    }
                    let parent = self
                        .schema(&comodel)
                        .map(|s| s.parent_name.clone())
                        .unwrap_or_default();
                    return Ok(Pred::M2oIn {
                        field: field.clone(),
                        set: self.hierarchy(&comodel, &parent, &ids, op),
                        or_null: false,
                    });
                }
                let names = text_values(&value);
                if let Some(names) = names {
                    let mut op2 = match op {
                        Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => Operator::In,
                        o => o,
                    };
                    let is_list = matches!(value, Value::Array(_));
                    op2 = match (op2, is_list) {
                        (Operator::In, false) => Operator::Eq,
                        (Operator::NotIn, false) => Operator::Ne,
                        (Operator::Eq, true) => Operator::In,
                        (Operator::Ne, true) => Operator::NotIn,
                        (o, _) => o,
                    };
                    let set = self.name_search(&comodel, &names, op2, is_list, false)?;
                    return Ok(Pred::M2oIn {
                        field: field.clone(),
                        set,
                        or_null: is_negative(op2),
                    });
                }
                Ok(Pred::Cmp {
                    field: field.clone(),
                    op,
                    value,
                })
            }
            FieldType::One2many | FieldType::Many2many => {
                let comodel = field.relation.clone().unwrap_or_default();
                if hierarchy {
                    let ids = self.to_ids(&comodel, &value)?;
                    let parent = self
                        .schema(&comodel)
                        .map(|s| s.parent_name.clone())
                        .unwrap_or_default();
                    return Ok(Pred::X2mAny {
                        field: field.clone(),
                        set: Some(self.hierarchy(&comodel, &parent, &ids, op)),
                        negate: false,
                    });
                }
                if value.is_false() {
                    return Ok(Pred::X2mAny {
                        field: field.clone(),
                        set: None,
                        negate: !is_negative(op),
                    });
                }
                if let Some(names) = text_values(&value) {
                    let op2 = positive(op);
                    let is_list = matches!(value, Value::Array(_));
                    let op2 = match (op2, is_list) {
                        (Operator::In, false) => Operator::Eq,
                        (Operator::Eq, true) => Operator::In,
                        (o, _) => o,
                    };
                    let set = self.name_search(&comodel, &names, op2, is_list, self.ctx.active_test)?;
                    return Ok(Pred::X2mAny {
                        field: field.clone(),
                        set: Some(set),
                        negate: is_negative(op),
                    });
                }
                let ids: HashSet<i64> = match &value {
                    Value::Int(i) => [*i].into_iter().collect(),
                    Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
                    _ => {
                        return Err(OdooError::value_error(format!(
                            "Invalid domain term {}",
                            python_leaf(&c.field, c.operator.as_str(), &c.value)
                        )))
                    }
                };
                Ok(Pred::X2mAny {
                    field: field.clone(),
                    set: Some(ids),
                    negate: is_negative(op),
                })
            }
            _ => {
                if hierarchy {
                    return Err(OdooError::value_error(format!(
                        "Invalid domain term {}",
                        python_leaf(&c.field, c.operator.as_str(), &c.value)
                    )));
                }
                if let Value::String(s) = &value {
                    match field.ftype {
                        FieldType::Datetime
                            if !matches!(
                                op,
                                Operator::Like
                                    | Operator::Ilike
                                    | Operator::NotLike
                                    | Operator::NotIlike
                                    | Operator::EqLike
                                    | Operator::EqIlike
                            ) =>
                        {
                            let padded = if s.trim().len() == 10 {
                                if matches!(op, Operator::Gt | Operator::Le) {
                                    format!("{} 23:59:59", s.trim())
                                } else {
                                    format!("{} 00:00:00", s.trim())
                                }
                            } else {
                                normalize_datetime(s).unwrap_or_else(|| s.clone())
                            };
                            value = Value::String(padded);
                        }
                        FieldType::Date if s.trim().len() > 10 => {
                            value = Value::String(normalize_date(s).unwrap_or_else(|| s.clone()));
                        }
                        _ => {}
                    }
                }
                Ok(Pred::Cmp {
                    field: field.clone(),
                    op,
                    value,
                })
            }
        }
    }

    /// Ids from an id, a list of ids, a name or a list of names.
    fn to_ids(&self, model: &str, value: &Value) -> Result<Vec<i64>, OdooError> {
        if let Some(names) = text_values(value) {
            return Ok(self
                .name_search(model, &names, Operator::Ilike, false, false)?
                .into_iter()
                .collect());
        }
        Ok(match value {
            Value::Int(0) => Vec::new(),
            Value::Int(i) => vec![*i],
            Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
            _ => Vec::new(),
        })
    }

    /// The records whose name matches (`_name_search`).
    fn name_search(
        &self,
        model: &str,
        names: &[String],
        op: Operator,
        list: bool,
        active_test: bool,
    ) -> Result<HashSet<i64>, OdooError> {
        let schema = self.schema(model)?;
        let mut fields: Vec<&str> = Vec::new();
        if matches!(model, "product.product" | "product.template") {
            fields.push("default_code");
        }
        let rec_name = if schema.field(&schema.rec_name).is_some() {
            schema.rec_name.as_str()
        } else {
            "display_name"
        };
        fields.push(rec_name);
        let leaf = |f: &str| -> Domain {
            let value = if list {
                Value::Array(names.iter().map(|n| Value::String(n.clone())).collect())
            } else {
                Value::String(names.first().cloned().unwrap_or_default())
            };
            Domain::Leaf(Condition {
                field: f.to_owned(),
                operator: op,
                value,
            })
        };
        let parts: Vec<Domain> = fields.iter().map(|f| leaf(f)).collect();
        let domain = if is_negative(op) {
            Domain::And(parts)
        } else {
            Domain::Or(parts)
        };
        Ok(self.filter(model, &domain, active_test)?.into_iter().collect())
    }

    /// `child_of` (the ids and their descendants) or `parent_of` (the ids
    /// and their ancestors) along `parent_field`.
    fn hierarchy(&self, model: &str, parent_field: &str, ids: &[i64], op: Operator) -> HashSet<i64> {
        let mut out: HashSet<i64> = HashSet::new();
        let Some(table) = self.db.tables.get(model) else {
            return out;
        };
        if op == Operator::ParentOf {
            for id in ids {
                let mut current = Some(*id);
                while let Some(c) = current {
                    if !table.records.contains_key(&c) || !out.insert(c) {
                        break;
                    }
                    current = table.records.get(&c).and_then(|r| r.get(parent_field).as_id());
                }
            }
            return out;
        }
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for rec in table.records.values() {
            if let Some(parent) = rec.get(parent_field).as_id() {
                children.entry(parent).or_default().push(rec.id);
            }
        }
        let mut work: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| table.records.contains_key(i))
            .collect();
        while let Some(id) = work.pop() {
            if out.insert(id) {
                if let Some(kids) = children.get(&id) {
                    work.extend(kids);
                }
            }
        }
        out
    }

    fn eval(&self, schema: &ModelSchema, rec: &Record, pred: &Pred) -> bool {
        match pred {
            Pred::Const(b) => *b,
            Pred::And(parts) => parts.iter().all(|p| self.eval(schema, rec, p)),
            Pred::Or(parts) => parts.iter().any(|p| self.eval(schema, rec, p)),
            Pred::Not(inner) => !self.eval(schema, rec, inner),
            Pred::IdIn(set) => set.contains(&rec.id),
            Pred::M2oIn { field, set, or_null } => match self.get_unordered(schema, rec, field).as_id() {
                Some(id) => set.contains(&id),
                None => *or_null,
            },
            Pred::X2mAny { field, set, negate } => {
                let cell = self.get_unordered(schema, rec, field);
                let ids = cell.ids();
                let any = match set {
                    None => !ids.is_empty(),
                    Some(set) => ids.iter().any(|i| set.contains(i)),
                };
                any != *negate
            }
            Pred::Cmp { field, op, value } => {
                let cell = self.get_unordered(schema, rec, field);
                compare(&cell, field, *op, value)
            }
        }
    }
}

/// The strings of a text value or a non-empty list of texts.
fn text_values(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() && items.iter().all(|v| matches!(v, Value::String(_))) => {
            Some(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Whether a value is empty in the sense of `= False`.
fn is_empty(cell: &Cell, field: &FieldDef) -> bool {
    match cell {
        Cell::Null => true,
        Cell::Bool(false) => field.ftype == FieldType::Boolean,
        Cell::Ids(ids) => ids.is_empty(),
        _ => false,
    }
}

fn equals(cell: &Cell, value: &Value) -> bool {
    match (cell, value) {
        (Cell::Int(a), Value::Int(b)) => a == b,
        (Cell::Int(a), Value::Double(b)) => (*a as f64) == *b,
        (Cell::Float(a), Value::Int(b)) => *a == *b as f64,
        (Cell::Float(a), Value::Double(b)) => a == b,
        (Cell::Int(a), Value::String(b)) => a.to_string() == *b,
        (Cell::Float(a), Value::String(b)) => b.trim().parse::<f64>().is_ok_and(|b| *a == b),
        (Cell::Str(a), Value::String(b)) => a == b,
        (Cell::Str(a), Value::Int(b)) => *a == b.to_string(),
        (Cell::Bool(a), Value::Bool(b)) => a == b,
        (Cell::Bool(a), Value::Int(b)) => *a == (*b != 0),
        _ => false,
    }
}

fn order(cell: &Cell, value: &Value) -> Option<std::cmp::Ordering> {
    match (cell, value) {
        (Cell::Int(_) | Cell::Float(_), Value::Int(_) | Value::Double(_)) => {
            cell.as_f64().partial_cmp(&value.as_f64().unwrap_or(0.0))
        }
        (Cell::Str(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
        (Cell::Int(_) | Cell::Float(_), Value::String(b)) => b
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|b| cell.as_f64().partial_cmp(&b)),
        (Cell::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn cell_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Str(s) => Some(s.clone()),
        Cell::Int(i) => Some(i.to_string()),
        Cell::Float(f) => Some(f.to_string()),
        Cell::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn compare(cell: &Cell, field: &FieldDef, op: Operator, value: &Value) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Operator::Eq => {
            if value.is_false() {
                return is_empty(cell, field);
            }
            if field.ftype == FieldType::Boolean && matches!(value, Value::Bool(true)) {
                return cell.as_bool();
            }
            equals(cell, value)
        }
        Operator::Ne => !compare(cell, field, Operator::Eq, value),
        Operator::In => match value {
            Value::Array(items) => items.iter().any(|v| {
                if v.is_false() {
                    is_empty(cell, field)
                } else {
                    compare(cell, field, Operator::Eq, v)
                }
            }),
            v => compare(cell, field, Operator::Eq, v),
        },
        Operator::NotIn => !compare(cell, field, Operator::In, value),
        Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => {
            if value.is_false() || cell.is_null() {
                return false;
            }
            match order(cell, value) {
                Some(o) => match op {
                    Operator::Lt => o == Less,
                    Operator::Le => o != Greater,
                    Operator::Gt => o == Greater,
                    _ => o != Less,
                },
                None => false,
            }
        }
        Operator::Like | Operator::Ilike | Operator::EqLike | Operator::EqIlike => {
            let wildcard = matches!(op, Operator::Like | Operator::Ilike);
            let needle = match value {
                Value::String(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                Value::Double(d) => d.to_string(),
                v if v.is_false() => String::new(),
                _ => return false,
            };
            if wildcard && needle.is_empty() {
                return true;
            }
            let Some(text) = cell_text(cell) else { return false };
            let pattern = if wildcard { format!("%{needle}%") } else { needle };
            like(&text, &pattern, matches!(op, Operator::Ilike | Operator::EqIlike))
        }
        Operator::NotLike | Operator::NotIlike => {
            let empty = match value {
                Value::String(s) => s.is_empty(),
                v => v.is_false(),
            };
            if empty {
                return cell.is_null();
            }
            let positive = if op == Operator::NotLike {
                Operator::Like
            } else {
                Operator::Ilike
            };
            !compare(cell, field, positive, value)
        }
        Operator::ChildOf | Operator::ParentOf => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Any,
    One,
    Lit(char),
}

/// SQL `LIKE` (`%`, `_`, `\` escapes), optionally case-insensitive.
pub(crate) fn like(text: &str, pattern: &str, case_insensitive: bool) -> bool {
    let (text, pattern) = if case_insensitive {
        (text.to_lowercase(), pattern.to_lowercase())
    } else {
        (text.to_owned(), pattern.to_owned())
    };
    let t: Vec<char> = text.chars().collect();
    let mut p: Vec<Tok> = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        p.push(match c {
            '%' => Tok::Any,
            '_' => Tok::One,
            '\\' => Tok::Lit(chars.next().unwrap_or('\\')),
            c => Tok::Lit(c),
        });
    }
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < t.len() {
        match p.get(j) {
            Some(Tok::Any) => {
                star = Some((j, i));
                j += 1;
            }
            Some(Tok::One) => {
                i += 1;
                j += 1;
            }
            Some(Tok::Lit(c)) if *c == t[i] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((sj, si)) => {
                    j = sj + 1;
                    i = si + 1;
                    star = Some((sj, si + 1));
                }
                None => return false,
            },
        }
    }
    p[j.min(p.len())..].iter().all(|t| *t == Tok::Any)
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns() {
        assert!(like("Baguette tradition", "%guette%", false));
        assert!(!like("Baguette", "%GUETTE%", false));
        assert!(like("Baguette", "%GUETTE%", true));
        assert!(like("abc", "a_c", false));
        assert!(!like("abbc", "a_c", false));
        assert!(like("100%", "100\\%", false));
        assert!(like("", "%", false));
        assert!(like("S00001", "S%1", false));
        assert!(!like("S00002", "S%1", false));
    }
}
