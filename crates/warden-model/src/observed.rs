//! `Observed<T>`: a value that was read, or the reason it could not be.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value is missing from the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnknownKind {
    /// The collector was refused (AccessDenied, UnauthorizedOperation, …).
    AccessDenied,
    /// The region is not enabled for the account, or the service is not offered there.
    NotEnabledInRegion,
    /// Still throttled after every retry.
    Throttled,
    /// The API answered with something we could not parse.
    MalformedResponse,
    /// This collector, or the source the snapshot came from, does not gather it.
    NotCollected,
    /// Any other failure (network, timeout, server error).
    Error,
}

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnknownKind::AccessDenied => "access denied",
            UnknownKind::NotEnabledInRegion => "not enabled in region",
            UnknownKind::Throttled => "throttled",
            UnknownKind::MalformedResponse => "malformed response",
            UnknownKind::NotCollected => "not collected",
            UnknownKind::Error => "error",
        })
    }
}

/// The reason a value is unknown: a category and the detail from the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Unknown {
    pub kind: UnknownKind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() { write!(f, "{}", self.kind) } else { write!(f, "{}: {}", self.kind, self.message) }
    }
}

/// A fetched attribute: `{"known": value}` or `{"unknown": {"kind": …, "message": …}}`.
///
/// A field absent from a snapshot deserialises as unknown / not collected, so older
/// snapshots and partial sources stay readable and checks report ERROR, not PASS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Observed<T> {
    Known(T),
    Unknown(Unknown),
}

impl<T> Default for Observed<T> {
    fn default() -> Self {
        Observed::unknown(UnknownKind::NotCollected, "")
    }
}

impl<T> From<T> for Observed<T> {
    fn from(value: T) -> Self {
        Observed::Known(value)
    }
}

impl<T> Observed<T> {
    pub fn unknown(kind: UnknownKind, message: impl Into<String>) -> Self {
        Observed::Unknown(Unknown { kind, message: message.into() })
    }

    /// The value, or the reason it is missing.
    pub fn get(&self) -> Result<&T, &Unknown> {
        match self {
            Observed::Known(v) => Ok(v),
            Observed::Unknown(u) => Err(u),
        }
    }

    pub fn known(&self) -> Option<&T> {
        self.get().ok()
    }

    pub fn is_known(&self) -> bool {
        matches!(self, Observed::Known(_))
    }

    pub fn as_ref(&self) -> Observed<&T> {
        match self {
            Observed::Known(v) => Observed::Known(v),
            Observed::Unknown(u) => Observed::Unknown(u.clone()),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Observed<U> {
        match self {
            Observed::Known(v) => Observed::Known(f(v)),
            Observed::Unknown(u) => Observed::Unknown(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_is_not_collected() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default)]
            v: Observed<bool>,
        }
        let s: S = serde_json::from_str("{}").unwrap();
        assert_eq!(s.v.get().unwrap_err().kind, UnknownKind::NotCollected);
    }

    #[test]
    fn round_trips_both_variants() {
        let k: Observed<u8> = Observed::Known(3);
        let u: Observed<u8> = Observed::unknown(UnknownKind::AccessDenied, "iam:GetUser");
        assert_eq!(serde_json::to_string(&k).unwrap(), r#"{"known":3}"#);
        let s = serde_json::to_string(&u).unwrap();
        assert_eq!(s, r#"{"unknown":{"kind":"access_denied","message":"iam:GetUser"}}"#);
        assert_eq!(serde_json::from_str::<Observed<u8>>(&s).unwrap(), u);
    }
}
