//! Condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators"
//! and "Multivalued context keys"), evaluated against a [`Context`].
//!
//! Rules encoded here:
//! - several operators in one block, and several keys under one operator, all AND;
//! - several values for one key OR; under a negated operator they NOR;
//! - missing key: positive operators false, negated operators true, `…IfExists` true,
//!   `ForAllValues` true, `ForAnyValue` false (even with `IfExists`); `Null` tests presence;
//! - a plain (non-set) operator on a multivalued context value is false;
//! - key names are case-insensitive; values compare per operator.

use crate::arn::{self, ArnPattern, SplitArn};
use crate::context::{Context, ContextValue};
use crate::variables::Template;
use crate::wildcard::{self, Glob, Tok};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use std::cell::RefCell;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// The value type an operator compares, used by lint to check it against a key's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

use OpKind::*;

pub const ALL_KINDS: [OpKind; 27] = [
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
];

impl OpKind {
    pub fn name(self) -> &'static str {
        match self {
            StringEquals => "StringEquals",
            StringNotEquals => "StringNotEquals",
            StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            StringLike => "StringLike",
            StringNotLike => "StringNotLike",
            NumericEquals => "NumericEquals",
            NumericNotEquals => "NumericNotEquals",
            NumericLessThan => "NumericLessThan",
            NumericLessThanEquals => "NumericLessThanEquals",
            NumericGreaterThan => "NumericGreaterThan",
            NumericGreaterThanEquals => "NumericGreaterThanEquals",
            DateEquals => "DateEquals",
            DateNotEquals => "DateNotEquals",
            DateLessThan => "DateLessThan",
            DateLessThanEquals => "DateLessThanEquals",
            DateGreaterThan => "DateGreaterThan",
            DateGreaterThanEquals => "DateGreaterThanEquals",
            Bool => "Bool",
            BinaryEquals => "BinaryEquals",
            IpAddress => "IpAddress",
            NotIpAddress => "NotIpAddress",
            ArnEquals => "ArnEquals",
            ArnLike => "ArnLike",
            ArnNotEquals => "ArnNotEquals",
            ArnNotLike => "ArnNotLike",
            Null => "Null",
        }
    }

    pub fn from_name(s: &str) -> Option<OpKind> {
        ALL_KINDS.iter().copied().find(|k| k.name() == s)
    }

    /// Negated operators NOR their values and are true on a missing key.
    pub fn negated(self) -> bool {
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The positive operator a negated one negates (identity for positive ones).
    fn positive(self) -> OpKind {
        match self {
            StringNotEquals => StringEquals,
            StringNotEqualsIgnoreCase => StringEqualsIgnoreCase,
            StringNotLike => StringLike,
            NumericNotEquals => NumericEquals,
            DateNotEquals => DateEquals,
            NotIpAddress => IpAddress,
            ArnNotEquals => ArnEquals,
            ArnNotLike => ArnLike,
            k => k,
        }
    }

    pub fn family(self) -> Family {
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => Family::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => Family::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => Family::Date,
            Bool => Family::Bool,
            BinaryEquals => Family::Binary,
            IpAddress | NotIpAddress => Family::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Family::Arn,
            Null => Family::Null,
        }
    }

    /// Operators whose values may hold policy variables.
    pub fn allows_variables(self) -> bool {
        matches!(self.family(), Family::String | Family::Arn)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOp {
    ForAllValues,
    ForAnyValue,
}

/// A full operator: optional set prefix, base operator, optional `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    pub kind: OpKind,
    pub set: Option<SetOp>,
    pub if_exists: bool,
}

impl Operator {
    /// Parses e.g. `ForAnyValue:StringLikeIfExists`. Operator names are case-sensitive;
    /// the set prefix is matched case-insensitively as AWS does for qualifiers.
    pub fn parse(s: &str) -> Option<Operator> {
        let (set, rest) = match s.split_once(':') {
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAllValues") => (Some(SetOp::ForAllValues), rest),
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAnyValue") => (Some(SetOp::ForAnyValue), rest),
            Some(_) => return None,
            None => (None, s),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let kind = OpKind::from_name(base)?;
        Some(Operator { kind, set, if_exists })
    }

    pub fn name(&self) -> String {
        let mut s = String::new();
        match self.set {
            Some(SetOp::ForAllValues) => s.push_str("ForAllValues:"),
            Some(SetOp::ForAnyValue) => s.push_str("ForAnyValue:"),
            None => {}
        }
        s.push_str(self.kind.name());
        if self.if_exists {
            s.push_str("IfExists");
        }
        s
    }
}

/// A policy value, pre-parsed for its operator.
#[derive(Debug, Clone, PartialEq)]
pub struct CondValue {
    pub raw: String,
    template: Option<Template>,
    compiled: Compiled,
}

#[derive(Debug, Clone, PartialEq)]
enum Compiled {
    Text,
    /// `StringLike` / `StringNotLike`.
    Like(Glob),
    /// `ArnEquals`, `ArnLike` and their negations.
    Arn(ArnPattern),
    Num(Option<f64>),
    Date(Option<i64>),
    Ip(Option<Cidr>),
    Invalid,
}

impl CondValue {
    pub(crate) fn new(kind: OpKind, raw: String, variables: bool) -> CondValue {
        let template = if variables && kind.allows_variables() { Template::parse(&raw) } else { None };
        let compiled = match kind.positive() {
            StringLike => Compiled::Like(Glob::compile(&raw)),
            ArnEquals | ArnLike => Compiled::Arn(ArnPattern::new(&wildcard::compile(&raw))),
            NumericEquals | NumericLessThan | NumericLessThanEquals | NumericGreaterThan | NumericGreaterThanEquals => {
                Compiled::Num(parse_number(&raw))
            }
            DateEquals | DateLessThan | DateLessThanEquals | DateGreaterThan | DateGreaterThanEquals => {
                Compiled::Date(parse_date(&raw))
            }
            IpAddress => Compiled::Ip(Cidr::parse(&raw)),
            StringEquals | StringEqualsIgnoreCase | Bool | BinaryEquals | Null => Compiled::Text,
            _ => Compiled::Invalid,
        };
        CondValue { raw, template, compiled }
    }

    pub fn template(&self) -> Option<&Template> {
        self.template.as_ref()
    }

    /// Does this (positive) value match one context value? `typed` is `v` as read once
    /// for the operator's family.
    fn matches(&self, kind: OpKind, v: &str, typed: Typed<'_>, ctx: &Context) -> bool {
        let k = kind.positive();
        if let Some(t) = &self.template {
            return match k {
                StringLike | ArnEquals | ArnLike => match t.resolve_tokens(ctx) {
                    Some(toks) => glob_for(k, &toks, v),
                    None => false,
                },
                _ => match t.resolve_string(ctx) {
                    Some(s) => text_match(k, &s, v),
                    None => false,
                },
            };
        }
        match &self.compiled {
            Compiled::Text => text_match(k, &self.raw, v),
            Compiled::Like(g) => g.matches(v),
            Compiled::Arn(p) => match typed {
                Typed::Arn(sv) => p.matches(&sv),
                _ => p.matches(&SplitArn::new(v)),
            },
            Compiled::Num(Some(p)) => match typed.number(v) {
                Some(x) => match k {
                    NumericEquals => x == *p,
                    NumericLessThan => x < *p,
                    NumericLessThanEquals => x <= *p,
                    NumericGreaterThan => x > *p,
                    NumericGreaterThanEquals => x >= *p,
                    _ => false,
                },
                None => false,
            },
            Compiled::Date(Some(p)) => match typed.date(v) {
                Some(x) => match k {
                    DateEquals => x == *p,
                    DateLessThan => x < *p,
                    DateLessThanEquals => x <= *p,
                    DateGreaterThan => x > *p,
                    DateGreaterThanEquals => x >= *p,
                    _ => false,
                },
                None => false,
            },
            Compiled::Ip(Some(c)) => typed.ip(v).is_some_and(|ip| c.contains(ip)),
            Compiled::Num(None) | Compiled::Date(None) | Compiled::Ip(None) | Compiled::Invalid => false,
        }
    }
}

/// A context value read once for the family of the operator testing it.
#[derive(Debug, Clone, Copy)]
enum Typed<'v> {
    Text,
    Parsed(Parsed),
    Arn(SplitArn<'v>),
}

/// A context value parsed for a numeric, date or IP operator (`None`: it does not parse).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Parsed {
    Num(Option<f64>),
    Date(Option<i64>),
    Ip(Option<IpAddr>),
}

impl Parsed {
    fn read(family: Family, v: &str) -> Option<Parsed> {
        match family {
            Family::Numeric => Some(Parsed::Num(parse_number(v))),
            Family::Date => Some(Parsed::Date(parse_date(v))),
            Family::Ip => Some(Parsed::Ip(v.trim().parse::<IpAddr>().ok())),
            _ => None,
        }
    }
}

impl Typed<'_> {
    fn number(self, v: &str) -> Option<f64> {
        match self {
            Typed::Parsed(Parsed::Num(x)) => x,
            _ => parse_number(v),
        }
    }

    fn date(self, v: &str) -> Option<i64> {
        match self {
            Typed::Parsed(Parsed::Date(x)) => x,
            _ => parse_date(v),
        }
    }

    fn ip(self, v: &str) -> Option<IpAddr> {
        match self {
            Typed::Parsed(Parsed::Ip(x)) => x,
            _ => v.trim().parse::<IpAddr>().ok(),
        }
    }
}

/// Single-valued context values already parsed during one evaluation, keyed by context
/// entry and operator family, so that several conditions on one key (`aws:SourceIp`,
/// `aws:CurrentTime` in many statements) parse it once. Fixed size, no allocation; when
/// full, values are parsed again rather than cached.
#[derive(Debug, Default)]
pub(crate) struct ParsedValues {
    slots: RefCell<[Option<(usize, Family, Parsed)>; 8]>,
}

impl ParsedValues {
    fn get_or_parse(&self, entry: usize, family: Family, v: &str) -> Option<Parsed> {
        let Ok(mut slots) = self.slots.try_borrow_mut() else { return Parsed::read(family, v) };
        let mut free = None;
        for slot in slots.iter_mut() {
            match slot {
                Some((e, f, p)) if *e == entry && *f == family => return Some(*p),
                Some(_) => {}
                None => {
                    free = Some(slot);
                    break;
                }
            }
        }
        let parsed = Parsed::read(family, v)?;
        if let Some(slot) = free {
            *slot = Some((entry, family, parsed));
        }
        Some(parsed)
    }
}

/// Reads `v` for `family`, through the cache when the value is a single-valued entry.
fn read_typed<'v>(family: Family, v: &'v str, entry: Option<usize>, cache: Option<&ParsedValues>) -> Typed<'v> {
    match family {
        Family::Arn => Typed::Arn(SplitArn::new(v)),
        Family::Numeric | Family::Date | Family::Ip => {
            let parsed = match (entry, cache) {
                (Some(e), Some(c)) => c.get_or_parse(e, family, v),
                _ => Parsed::read(family, v),
            };
            parsed.map_or(Typed::Text, Typed::Parsed)
        }
        _ => Typed::Text,
    }
}

fn glob_for(k: OpKind, toks: &[Tok], v: &str) -> bool {
    match k {
        StringLike => wildcard::matches(toks, v),
        _ => arn::matches(toks, v),
    }
}

fn text_match(k: OpKind, p: &str, v: &str) -> bool {
    match k {
        StringEquals | BinaryEquals => p == v,
        StringEqualsIgnoreCase | Bool => {
            p.eq_ignore_ascii_case(v) || (!(p.is_ascii() && v.is_ascii()) && p.to_lowercase() == v.to_lowercase())
        }
        StringLike => wildcard::matches_str(p, v),
        ArnEquals | ArnLike => arn::matches(&wildcard::compile(p), v),
        _ => false,
    }
}

pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Dates as ISO 8601 (with or without time, zone defaulting to UTC) or epoch seconds;
/// returned as epoch milliseconds.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().ok().and_then(|x| x.checked_mul(1000));
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.timestamp_millis());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Some(d.and_utc().timestamp_millis());
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(d) = DateTime::parse_from_str(t, f) {
            return Some(d.timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
}

/// An IPv4 or IPv6 CIDR block (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    v4: bool,
    net: u128,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let (v4, bits, max) = match ip {
            IpAddr::V4(a) => (true, u128::from(u32::from(a)), 32u8),
            IpAddr::V6(a) => (false, u128::from(a), 128u8),
        };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        let c = Cidr { v4, net: 0, prefix };
        Some(Cidr { net: bits & c.mask(), ..c })
    }

    fn mask(&self) -> u128 {
        let width = if self.v4 { 32 } else { 128 };
        if self.prefix == 0 {
            return 0;
        }
        let ones = u128::MAX >> (128 - u32::from(self.prefix));
        (ones << (width - u32::from(self.prefix))) & if self.v4 { u128::from(u32::MAX) } else { u128::MAX }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) if self.v4 => u128::from(u32::from(a)) & self.mask() == self.net,
            IpAddr::V6(a) if !self.v4 => u128::from(a) & self.mask() == self.net,
            _ => false,
        }
    }

    /// True for `0.0.0.0/0` and `::/0`, which any caller satisfies.
    pub fn is_universal(&self) -> bool {
        self.prefix == 0
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether every address of `other` is in this block (same family only).
    pub fn covers(&self, other: &Cidr) -> bool {
        self.v4 == other.v4 && self.prefix <= other.prefix && other.net & self.mask() == self.net
    }
}

/// One `operator → key → values` entry of a statement's `Condition`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub op: Operator,
    /// The key as written.
    pub key: String,
    pub(crate) key_lc: String,
    pub values: Vec<CondValue>,
    /// JSON path, e.g. `Statement[1].Condition.StringLike.s3:prefix`.
    pub path: String,
}

impl Condition {
    pub fn key_lc(&self) -> &str {
        &self.key_lc
    }

    /// Evaluates this condition against the request context.
    pub fn matches(&self, ctx: &Context) -> bool {
        self.matches_cached(ctx, None)
    }

    /// [`Condition::matches`], reading typed context values through `cache` (one per
    /// evaluation).
    pub(crate) fn matches_cached(&self, ctx: &Context, cache: Option<&ParsedValues>) -> bool {
        let found = ctx.get_lc_indexed(&self.key_lc);
        let val = found.map(|(_, v)| v);
        let kind = self.op.kind;
        if kind == Null {
            let absent = match val {
                None => true,
                Some(ContextValue::Multi(v)) => v.is_empty(),
                Some(ContextValue::Single(_)) => false,
            };
            return self.values.iter().any(|v| {
                if v.raw.eq_ignore_ascii_case("true") {
                    absent
                } else if v.raw.eq_ignore_ascii_case("false") {
                    !absent
                } else {
                    false
                }
            });
        }
        // A value whose variable has no value makes the whole condition false, whatever
        // the operator (as iam-simulate; the IAM User Guide says such a variable is not
        // replaced, so the comparison cannot succeed).
        if val.is_some() && self.values.iter().any(|v| v.template().is_some_and(|t| !t.resolvable(ctx))) {
            return false;
        }
        let family = kind.family();
        let test = |v: &str, entry: Option<usize>| {
            let typed = read_typed(family, v, entry, cache);
            let any = self.values.iter().any(|pv| pv.matches(kind, v, typed, ctx));
            if kind.negated() { !any } else { any }
        };
        let entry = found.map(|(i, _)| i);
        match self.op.set {
            None => match val {
                None => self.op.if_exists || kind.negated(),
                Some(ContextValue::Single(v)) => test(v, entry),
                Some(ContextValue::Multi(_)) => false,
            },
            Some(SetOp::ForAllValues) => match val {
                None => true,
                Some(ContextValue::Single(v)) => test(v, entry),
                Some(ContextValue::Multi(vs)) => vs.iter().all(|v| test(v, None)),
            },
            // `…IfExists` does not rescue `ForAnyValue` on a missing key: AWS answers such
            // requests with a deny (re:Post "ForAnyValue:StringEqualsIfExists behaving
            // unexpectedly"; MV doc: ForAnyValue "returns false" without the key).
            Some(SetOp::ForAnyValue) => match val {
                None => false,
                Some(ContextValue::Single(v)) => test(v, entry),
                Some(ContextValue::Multi(vs)) => vs.iter().any(|v| test(v, None)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names_round_trip() {
        for k in ALL_KINDS {
            let o = Operator::parse(&format!("ForAnyValue:{}IfExists", k.name())).unwrap();
            assert_eq!(o.kind, k);
            assert!(o.if_exists);
            assert_eq!(Operator::parse(&o.name()), Some(o));
        }
        assert!(Operator::parse("StringEqualz").is_none());
        assert!(Operator::parse("ForSomeValues:StringEquals").is_none());
    }

    #[test]
    fn cidr_covers() {
        let c = |s: &str| Cidr::parse(s).unwrap();
        assert!(c("10.0.0.0/16").covers(&c("10.0.4.0/24")) && c("10.0.0.0/16").covers(&c("10.0.0.0/16")));
        assert!(!c("10.0.4.0/24").covers(&c("10.0.0.0/16")) && !c("10.1.0.0/16").covers(&c("10.0.4.0/24")));
        assert!(c("0.0.0.0/0").covers(&c("10.0.0.0/8")) && !c("::/0").covers(&c("10.0.0.0/8")));
    }

    #[test]
    fn cidr() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.255.1.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(!c.contains("::1".parse().unwrap()));
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!c.contains("2001:db9::".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("1.2.3.4".parse().unwrap()));
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert!(Cidr::parse("1.2.3.4").unwrap().contains("1.2.3.4".parse().unwrap()));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2020-01-01"), parse_date("2020-01-01T00:00:00Z"));
        assert_eq!(parse_date("1577836800"), parse_date("2020-01-01T00:00:00Z"));
        assert!(parse_date("nope").is_none());
    }
}
