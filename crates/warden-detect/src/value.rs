//! A JSON value borrowed from the input buffer. Parsing CloudTrail into
//! `serde_json::Value` spends most of its time allocating map entries and strings; this
//! form keeps strings as slices of the decompressed file (unless they hold escapes) and
//! objects as small vectors, which CloudTrail's ~20-key records search quickly.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A parsed JSON value; object keys keep their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Val<'a>>),
    Obj(Vec<(Cow<'a, str>, Val<'a>)>),
}

impl<'a> Val<'a> {
    /// Parses one JSON document (serde_json's nesting limit applies).
    pub fn parse(bytes: &'a [u8]) -> Result<Val<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let v = Seed.deserialize(&mut de)?;
        de.end()?;
        Ok(v)
    }

    /// Parses one JSON document from text already known to be UTF-8.
    pub fn parse_str(text: &'a str) -> Result<Val<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let v = Seed.deserialize(&mut de)?;
        de.end()?;
        Ok(v)
    }

    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Val<'a>> {
        match self {
            Val::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Val::Obj(_))
    }

    /// Compact JSON text, as `serde_json::to_string` writes it.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(n) => out.push_str(&n.to_string()),
            Val::UInt(n) => out.push_str(&n.to_string()),
            Val::Float(f) => out.push_str(&serde_json::Value::from(*f).to_string()),
            Val::Str(s) => out.push_str(&serde_json::Value::from(s.as_ref()).to_string()),
            Val::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Val::Obj(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::from(k.as_ref()).to_string());
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// Converts to an owned `serde_json::Value`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Val::Null => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Int(n) => J::from(*n),
            Val::UInt(n) => J::from(*n),
            Val::Float(f) => J::from(*f),
            Val::Str(s) => J::String(s.to_string()),
            Val::Arr(items) => J::Array(items.iter().map(Val::to_json).collect()),
            Val::Obj(entries) => J::Object(entries.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect()),
        }
    }

    /// Converts from a `serde_json::Value` (for examples and tests).
    pub fn from_json(v: &serde_json::Value) -> Val<'static> {
        use serde_json::Value as J;
        match v {
            J::Null => Val::Null,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Val::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Val::UInt(u)
                } else {
                    Val::Float(n.as_f64().unwrap_or_default())
                }
            }
            J::String(s) => Val::Str(Cow::Owned(s.clone())),
            J::Array(items) => Val::Arr(items.iter().map(Val::from_json).collect()),
            J::Object(m) => Val::Obj(m.iter().map(|(k, v)| (Cow::Owned(k.clone()), Val::from_json(v))).collect()),
        }
    }
}

/// Read access to one JSON value, whatever holds it: a parsed [`Val`] or a node of a
/// [`crate::tape::Tape`]. The evaluator, the event facts and the detectors are written
/// against this trait once, so both forms give the same answers by construction.
pub trait Json<'a>: Copy {
    /// The value under `key` of an object (the first, if the key repeats).
    fn get(self, key: &str) -> Option<Self>;
    /// The text of a string.
    fn as_str(self) -> Option<&'a str>;
    fn is_null(self) -> bool;
    /// The elements of an array; `None` for anything else.
    fn items(self) -> Option<impl Iterator<Item = Self>>;
    /// The entries of an object in document order; `None` for anything else.
    fn entries(self) -> Option<impl Iterator<Item = (&'a str, Self)>>;
    /// The value as a number: numbers, and strings that parse as one.
    fn as_f64(self) -> Option<f64>;
    /// The string form rules compare with: strings as they are, booleans and numbers as
    /// their text, objects as compact JSON; `None` for null and arrays.
    fn scalar_text(self) -> Option<Cow<'a, str>>;
    /// Compact JSON text, as `serde_json::to_string` writes it.
    fn write_json(self, out: &mut String);
}

impl<'a, 'b: 'a> Json<'a> for &'a Val<'b> {
    fn get(self, key: &str) -> Option<Self> {
        Val::get(self, key)
    }
    fn as_str(self) -> Option<&'a str> {
        Val::as_str(self)
    }
    fn is_null(self) -> bool {
        matches!(self, Val::Null)
    }
    fn items(self) -> Option<impl Iterator<Item = Self>> {
        match self {
            Val::Arr(items) => Some(items.iter()),
            _ => None,
        }
    }
    fn entries(self) -> Option<impl Iterator<Item = (&'a str, Self)>> {
        match self {
            Val::Obj(entries) => Some(entries.iter().map(|(k, v)| (k.as_ref(), v))),
            _ => None,
        }
    }
    fn as_f64(self) -> Option<f64> {
        match self {
            Val::Int(x) => Some(*x as f64),
            Val::UInt(x) => Some(*x as f64),
            Val::Float(x) => Some(*x),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    fn scalar_text(self) -> Option<Cow<'a, str>> {
        match self {
            Val::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            Val::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
            Val::Int(n) => Some(n.to_string().into()),
            Val::UInt(n) => Some(n.to_string().into()),
            Val::Float(f) => Some(serde_json::Value::from(*f).to_string().into()),
            Val::Obj(_) => {
                let mut s = String::new();
                self.write_json(&mut s);
                Some(s.into())
            }
            Val::Null | Val::Arr(_) => None,
        }
    }
    fn write_json(self, out: &mut String) {
        Val::write_json(self, out);
    }
}

struct Seed;

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Val<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Val<'de>, E> {
        Ok(Val::Int(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Val<'de>, E> {
        Ok(i64::try_from(n).map(Val::Int).unwrap_or(Val::UInt(n)))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Val<'de>, E> {
        Ok(Val::Float(n))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E>(self, s: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Val<'de>, A::Error> {
        let mut v = Vec::with_capacity(a.size_hint().unwrap_or(0).min(64));
        while let Some(x) = a.next_element_seed(Seed)? {
            v.push(x);
        }
        Ok(Val::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Val<'de>, A::Error> {
        let mut v = Vec::with_capacity(a.size_hint().unwrap_or(0).min(64));
        while let Some(k) = a.next_key_seed(KeySeed)? {
            let x = a.next_value_seed(Seed)?;
            v.push((k, x));
        }
        Ok(Val::Obj(v))
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_and_compact_text() {
        let text = br#"{"a":"x\"y","b":[1,-2,3.5,true,null],"c":{"d":"\u00e9"},"e":18446744073709551615}"#;
        let v = Val::parse(text).unwrap();
        assert_eq!(v.get("a").and_then(Val::as_str), Some("x\"y"));
        let j: serde_json::Value = serde_json::from_slice(text).unwrap();
        assert_eq!(v.to_json(), j);
        let mut s = String::new();
        v.write_json(&mut s);
        assert_eq!(s, serde_json::to_string(&j).unwrap());
        assert_eq!(Val::from_json(&j), v);
        assert!(Val::parse(b"{\"a\":1} x").is_err());
        let deep = "[".repeat(100_000);
        assert!(Val::parse(deep.as_bytes()).is_err());
        assert_eq!(Val::from_json(&json!({"k": 1})).get("k"), Some(&Val::Int(1)));
    }
}
