//! Odoo's x2many commands: how one2many and many2many fields are written
//! (`create`, `write`), as triples `(code, id, values)`.

use crate::xmlrpc::{Struct, Value};

/// One x2many command, as Odoo's `Command` class builds them.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `(0, 0, values)`: creates a new record with `values` and links it.
    Create(Struct),
    /// `(1, id, values)`: writes `values` on the linked record `id`.
    Update(i64, Struct),
    /// `(2, id, 0)`: unlinks the record `id` and deletes it.
    Delete(i64),
    /// `(3, id, 0)`: unlinks the record `id` without deleting it.
    Unlink(i64),
    /// `(4, id, 0)`: links the existing record `id`.
    Link(i64),
    /// `(5, 0, 0)`: unlinks every record.
    Clear,
    /// `(6, 0, ids)`: replaces the linked records by `ids`.
    Set(Vec<i64>),
}

impl Command {
    /// The command's code, 0 to 6.
    pub fn code(&self) -> i64 {
        match self {
            Command::Create(_) => 0,
            Command::Update(..) => 1,
            Command::Delete(_) => 2,
            Command::Unlink(_) => 3,
            Command::Link(_) => 4,
            Command::Clear => 5,
            Command::Set(_) => 6,
        }
    }

    /// The triple as Odoo expects it.
    pub fn to_value(&self) -> Value {
        self.clone().into()
    }

    /// Reads a command as Odoo accepts it: a triple, or the short forms
    /// `(5,)`, `(4, id)`, `(2, id)`, `(3, id)`; `None` if it is not one.
    pub fn from_value(value: &Value) -> Option<Command> {
        let items = value.as_array()?;
        let code = items.first()?.as_i64()?;
        let id = || items.get(1).and_then(Value::as_i64);
        let values = || match items.get(2) {
            Some(Value::Struct(s)) => Some(s.clone()),
            _ => None,
        };
        if items.len() > 3 {
            return None;
        }
        match code {
            0 => values().map(Command::Create),
            1 => Some(Command::Update(id()?, values()?)),
            2 => id().map(Command::Delete),
            3 => id().map(Command::Unlink),
            4 => id().map(Command::Link),
            5 => Some(Command::Clear),
            6 => match items.get(2)? {
                Value::Array(ids) => ids
                    .iter()
                    .map(Value::as_i64)
                    .collect::<Option<Vec<i64>>>()
                    .map(Command::Set),
                _ => None,
            },
            _ => None,
        }
    }

    /// The value of an x2many field made of these commands.
    pub fn list(commands: impl IntoIterator<Item = Command>) -> Value {
        Value::Array(commands.into_iter().map(Value::from).collect())
    }
}

impl From<Command> for Value {
    fn from(command: Command) -> Value {
        let code = Value::Int(command.code());
        let triple = match command {
            Command::Create(values) => [code, Value::Int(0), Value::Struct(values)],
            Command::Update(id, values) => [code, Value::Int(id), Value::Struct(values)],
            Command::Delete(id) | Command::Unlink(id) | Command::Link(id) => {
                [code, Value::Int(id), Value::Int(0)]
            }
            Command::Clear => [code, Value::Int(0), Value::Int(0)],
            Command::Set(ids) => [code, Value::Int(0), Value::from(ids)],
        };
        Value::Array(triple.into())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_triples_and_read_back() {
        let vals = Struct::new().with("product_id", 1).with("product_uom_qty", 2);
        let all = [
            Command::Create(vals.clone()),
            Command::Update(7, vals.clone()),
            Command::Delete(7),
            Command::Unlink(7),
            Command::Link(7),
            Command::Clear,
            Command::Set(vec![9, 10]),
        ];
        for (code, command) in all.into_iter().enumerate() {
            let value = command.to_value();
            let items = value.as_array().unwrap();
            assert_eq!(items.len(), 3);
            assert_eq!(items[0], Value::Int(code as i64));
            assert_eq!(Command::from_value(&value), Some(command));
        }
        assert_eq!(
            Command::Set(vec![9]).to_value(),
            Value::from(vec![Value::Int(6), Value::Int(0), Value::from(vec![9])])
        );
        assert_eq!(Command::from_value(&Value::from(vec![5])), Some(Command::Clear));
        assert_eq!(
            Command::from_value(&Value::from(vec![4, 3])),
            Some(Command::Link(3))
        );
        assert_eq!(Command::from_value(&Value::from(vec![7, 0, 0])), None);
        assert_eq!(Command::from_value(&Value::from(vec![0, 0, 0])), None);
        assert_eq!(Command::from_value(&Value::Int(6)), None);
        assert_eq!(
            Command::list([Command::Link(1), Command::Clear]),
            Value::from(vec![Command::Link(1).to_value(), Command::Clear.to_value()])
        );
    }
}
