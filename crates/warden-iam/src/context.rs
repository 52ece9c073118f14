//! The request context: condition keys and their values. Key names are
//! case-insensitive (IAM User Guide, condition element); values keep their case.

use serde_json::Value;

/// A context key's value: single-valued keys hold one string, multivalued keys (such as
/// `aws:TagKeys`) a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

impl ContextValue {
    /// From JSON: strings, numbers and booleans become single values, arrays multi.
    pub fn from_json(v: &Value) -> Option<ContextValue> {
        match v {
            Value::Array(items) => Some(ContextValue::Multi(items.iter().filter_map(scalar).collect())),
            other => scalar(other).map(ContextValue::Single),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            ContextValue::Single(s) => Value::String(s.clone()),
            ContextValue::Multi(v) => Value::Array(v.iter().cloned().map(Value::String).collect()),
        }
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Condition keys of one request. Small and scanned linearly: requests carry a handful
/// of keys, and a scan beats hashing at that size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    entries: Vec<(String, String, ContextValue)>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets `key` (any case) to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        let lc = key.to_ascii_lowercase();
        if let Some(e) = self.entries.iter_mut().find(|e| e.0 == lc) {
            e.2 = value;
        } else {
            self.entries.push((lc, key.to_owned(), value));
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Context {
        self.insert(key, ContextValue::Single(value.into()));
        self
    }

    pub fn with_multi(mut self, key: &str, values: &[&str]) -> Context {
        self.insert(key, ContextValue::Multi(values.iter().map(|s| (*s).to_owned()).collect()));
        self
    }

    /// Inserts only when the key is absent (for defaults derived from the principal).
    pub fn insert_default(&mut self, key: &str, value: ContextValue) {
        if self.get(key).is_none() {
            self.insert(key, value);
        }
    }

    /// Looks up a key in any case.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries.iter().find(|e| e.0.eq_ignore_ascii_case(key)).map(|e| &e.2)
    }

    /// Looks up an already lowercased key (the evaluator's fast path).
    pub(crate) fn get_lc(&self, key_lc: &str) -> Option<&ContextValue> {
        self.entries.iter().find(|e| e.0 == key_lc).map(|e| &e.2)
    }

    /// [`Context::get_lc`] with the entry's position, a key for per-request caches.
    pub(crate) fn get_lc_indexed(&self, key_lc: &str) -> Option<(usize, &ContextValue)> {
        self.entries.iter().enumerate().find(|(_, e)| e.0 == key_lc).map(|(i, e)| (i, &e.2))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.iter().map(|e| (e.1.as_str(), &e.2))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// From a JSON object `{"key": value, ...}`; other JSON gives an empty context.
    pub fn from_json(v: &Value) -> Context {
        let mut c = Context::new();
        if let Value::Object(m) = v {
            for (k, v) in m {
                if let Some(cv) = ContextValue::from_json(v) {
                    c.insert(k, cv);
                }
            }
        }
        c
    }

    pub fn to_json(&self) -> Value {
        Value::Object(self.entries.iter().map(|e| (e.1.clone(), e.2.to_json())).collect())
    }
}
