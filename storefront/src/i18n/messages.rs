//! The words of each language: messages by key, read from
//! `assets/messages/<lang>.json` by the renderer.

use serde_json::{Map, Value};

/// The messages of one language, by key.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    map: Map<String, Value>,
    value: Value,
}

impl Messages {
    /// Messages from a JSON object of `key: text`.
    pub fn new(map: Map<String, Value>) -> Self {
        Self {
            value: Value::Object(map.clone()),
            map,
        }
    }

    /// The message of `key` (the key itself when missing, so a gap shows and
    /// never breaks a page).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).and_then(Value::as_str).unwrap_or(key)
    }

    /// The message of `key` with `{name}` placeholders filled.
    pub fn format(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// Their keys.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.map.keys()
    }

    /// Whether there is a message of `key`.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// All of them, for templates (`m`).
    pub fn as_value(&self) -> &Value {
        &self.value
    }
}
