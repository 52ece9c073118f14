//! The embedded evaluator: compiles the intermediate form into matchers (lowercased
//! literals, anchored regexes, parsed CIDR blocks) and indexes rules by the `eventName`
//! values they require, so an event is only tested against rules that could match it.

use super::ir::{Expr, FieldMatch, Op, Pattern};
use crate::value::Json;
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::net::IpAddr;

const MAX_REGEX_BYTES: usize = 1 << 20;

#[derive(Debug)]
enum CExpr {
    And(Vec<CExpr>),
    Or(Vec<CExpr>),
    Not(Box<CExpr>),
    Match(CMatch),
}

#[derive(Debug)]
struct CMatch {
    path: Vec<String>,
    full: String,
    kind: Kind,
    all: bool,
}

#[derive(Debug)]
enum Kind {
    Exists(bool),
    FieldRef(Vec<Vec<String>>),
    Values(Vec<M>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Eq,
    Contains,
    Prefix,
    Suffix,
}

#[derive(Debug)]
enum M {
    Null,
    Lit { mode: Mode, text: String, cased: bool },
    Re(Regex),
    Cidr(Vec<(IpAddr, u8)>),
    Num(Op, f64),
}

/// Unescapes a Sigma string; `Err(())` when it contains unescaped wildcards.
fn plain(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => return None,
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    out.push(n);
                    chars.next();
                }
                _ => out.push('\\'),
            },
            _ => out.push(c),
        }
    }
    Some(out)
}

/// The regex source for a Sigma wildcard pattern.
fn glob_regex(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    out.push_str(&regex::escape(&n.to_string()));
                    chars.next();
                }
                _ => out.push_str(r"\\"),
            },
            _ => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out
}

fn parse_cidr(s: &str) -> Result<(IpAddr, u8), String> {
    let (ip, len) = s.split_once('/').unwrap_or((s, ""));
    let ip: IpAddr = ip.parse().map_err(|_| format!("`{s}` is not a CIDR block"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = if len.is_empty() { max } else { len.parse::<u8>().map_err(|_| format!("`{s}` is not a CIDR block"))? };
    if len > max {
        return Err(format!("`{s}`: prefix longer than {max}"));
    }
    Ok((ip, len))
}

pub(crate) fn ip_in(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

fn compile_match(m: &FieldMatch) -> Result<CMatch, String> {
    let path = m.field.split('.').map(str::to_string).collect();
    let kind = match m.op {
        Op::Exists => Kind::Exists(matches!(m.values.first(), Some(Pattern::Bool(true)))),
        Op::FieldRef => Kind::FieldRef(
            m.values
                .iter()
                .filter_map(|p| {
                    if let Pattern::Str(s) = p { Some(s.split('.').map(str::to_string).collect()) } else { None }
                })
                .collect(),
        ),
        _ => Kind::Values(m.values.iter().map(|p| compile_value(m, p)).collect::<Result<_, _>>()?),
    };
    Ok(CMatch { path, full: m.field.clone(), kind, all: m.all })
}

fn compile_value(m: &FieldMatch, p: &Pattern) -> Result<M, String> {
    let text = match p {
        Pattern::Null => return Ok(M::Null),
        Pattern::Num(n) if matches!(m.op, Op::Gt | Op::Gte | Op::Lt | Op::Lte) => return Ok(M::Num(m.op, *n)),
        Pattern::Num(n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", *n as i64)
            } else {
                n.to_string()
            }
        }
        Pattern::Bool(b) => b.to_string(),
        Pattern::Str(s) => s.clone(),
    };
    let build = |src: &str, ci: bool, ml: bool, dot: bool| {
        RegexBuilder::new(src)
            .case_insensitive(ci)
            .multi_line(ml)
            .dot_matches_new_line(dot)
            .size_limit(MAX_REGEX_BYTES)
            .build()
            .map_err(|e| format!("field `{}`: invalid pattern: {e}", m.field))
    };
    Ok(match m.op {
        Op::Regex { insensitive, multiline, dotall } => M::Re(build(&text, insensitive, multiline, dotall)?),
        Op::Cidr => M::Cidr(vec![parse_cidr(&text).map_err(|e| format!("field `{}`: {e}", m.field))?]),
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            return Err(format!("field `{}`: numeric comparison takes numbers", m.field));
        }
        Op::Equals | Op::Contains | Op::StartsWith | Op::EndsWith => {
            let mode = match m.op {
                Op::Contains => Mode::Contains,
                Op::StartsWith => Mode::Prefix,
                Op::EndsWith => Mode::Suffix,
                _ => Mode::Eq,
            };
            match plain(&text) {
                Some(lit) => M::Lit { mode, text: if m.cased { lit } else { lit.to_lowercase() }, cased: m.cased },
                None => {
                    let body = glob_regex(&text);
                    let src = match mode {
                        Mode::Eq => format!("^{body}$"),
                        Mode::Contains => body,
                        Mode::Prefix => format!("^{body}"),
                        Mode::Suffix => format!("{body}$"),
                    };
                    M::Re(build(&src, !m.cased, false, true)?)
                }
            }
        }
        Op::Exists | Op::FieldRef => return Err("internal: exists/fieldref have no values".into()),
    })
}

fn compile(e: &Expr) -> Result<CExpr, String> {
    Ok(match e {
        Expr::And(xs) => {
            // Evaluation has no side effects, so the order of an `and` is free: regexes last.
            let mut c: Vec<CExpr> = xs.iter().map(compile).collect::<Result<_, _>>()?;
            c.sort_by_key(CExpr::uses_regex);
            CExpr::And(c)
        }
        Expr::Or(xs) => CExpr::Or(xs.iter().map(compile).collect::<Result<_, _>>()?),
        Expr::Not(x) => CExpr::Not(Box::new(compile(x)?)),
        Expr::Match(m) => CExpr::Match(compile_match(m)?),
    })
}

/// Looks a dotted path up in an event; a key that itself contains dots is tried whole.
pub(crate) fn lookup<'a, J: Json<'a>>(ev: J, path: &[String], full: &str) -> Option<J> {
    let mut cur = ev;
    for (i, p) in path.iter().enumerate() {
        match cur.get(p) {
            Some(v) => cur = v,
            None if i == 0 && path.len() > 1 => return ev.get(full),
            None => return None,
        }
    }
    Some(cur)
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    let Some(&first) = n.first() else { return true };
    if hay.is_ascii() && needle.is_ascii() {
        let h = hay.as_bytes();
        return memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), h)
            .any(|pos| h.get(pos..pos + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(n)));
    }
    hay.to_lowercase().contains(needle)
}

fn lit_match(s: &str, mode: Mode, text: &str, cased: bool) -> bool {
    if cased {
        return match mode {
            Mode::Eq => s == text,
            Mode::Contains => s.contains(text),
            Mode::Prefix => s.starts_with(text),
            Mode::Suffix => s.ends_with(text),
        };
    }
    match mode {
        Mode::Eq => s.eq_ignore_ascii_case(text) || (!s.is_ascii() && s.to_lowercase() == text),
        Mode::Contains => contains_ci(s, text),
        Mode::Prefix => {
            s.get(..text.len()).is_some_and(|p| p.eq_ignore_ascii_case(text))
                || (!s.is_ascii() && s.to_lowercase().starts_with(text))
        }
        Mode::Suffix => {
            s.len().checked_sub(text.len()).and_then(|i| s.get(i..)).is_some_and(|p| p.eq_ignore_ascii_case(text))
                || (!s.is_ascii() && s.to_lowercase().ends_with(text))
        }
    }
}

fn value_matches<'a, J: Json<'a>>(v: Option<J>, m: &M) -> bool {
    let Some(v) = v.filter(|v| !v.is_null()) else { return matches!(m, M::Null) };
    if let M::Null = m {
        return false;
    }
    if let Some(mut items) = v.items() {
        return items.any(|i| value_matches(Some(i), m));
    }
    match m {
        M::Null => false,
        M::Num(op, n) => v.as_f64().is_some_and(|x| match op {
            Op::Gt => x > *n,
            Op::Gte => x >= *n,
            Op::Lt => x < *n,
            _ => x <= *n,
        }),
        M::Cidr(nets) => {
            v.as_str().is_some_and(|s| s.parse::<IpAddr>().is_ok_and(|ip| nets.iter().any(|(n, l)| ip_in(ip, *n, *l))))
        }
        M::Lit { mode, text, cased } => v.scalar_text().is_some_and(|s| lit_match(&s, *mode, text, *cased)),
        M::Re(re) => v.scalar_text().is_some_and(|s| re.is_match(&s)),
    }
}

impl CExpr {
    fn uses_regex(&self) -> bool {
        match self {
            CExpr::And(xs) | CExpr::Or(xs) => xs.iter().any(CExpr::uses_regex),
            CExpr::Not(x) => x.uses_regex(),
            CExpr::Match(m) => matches!(&m.kind, Kind::Values(ms) if ms.iter().any(|x| matches!(x, M::Re(_)))),
        }
    }

    fn eval<'a, J: Json<'a>>(&self, ev: J) -> bool {
        match self {
            CExpr::And(xs) => xs.iter().all(|x| x.eval(ev)),
            CExpr::Or(xs) => xs.iter().any(|x| x.eval(ev)),
            CExpr::Not(x) => !x.eval(ev),
            CExpr::Match(m) => {
                let v = lookup(ev, &m.path, &m.full);
                match &m.kind {
                    Kind::Exists(want) => v.is_some() == *want,
                    Kind::FieldRef(others) => {
                        let here = v.and_then(Json::scalar_text);
                        let test = |o: &Vec<String>| {
                            let there = lookup(ev, o, "").and_then(Json::scalar_text);
                            matches!((&here, there), (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b))
                        };
                        if m.all { others.iter().all(test) } else { others.iter().any(test) }
                    }
                    Kind::Values(ms) => {
                        if m.all {
                            ms.iter().all(|x| value_matches(v, x))
                        } else {
                            ms.iter().any(|x| value_matches(v, x))
                        }
                    }
                }
            }
        }
    }
}

/// Compiled rules plus the `eventName` index.
#[derive(Debug, Default)]
pub struct Matcher {
    rules: Vec<CExpr>,
    by_event_name: HashMap<String, Vec<u32>>,
    unindexed: Vec<u32>,
}

impl Matcher {
    /// Compiles one rule; its index is the number of rules added before it.
    pub fn add(&mut self, e: &Expr) -> Result<(), String> {
        let c = compile(e)?;
        let idx = u32::try_from(self.rules.len()).map_err(|_| "too many rules".to_string())?;
        match e.required_event_names() {
            Some(names) => {
                let mut names = names;
                names.sort();
                names.dedup();
                for n in names {
                    self.by_event_name.entry(n).or_default().push(idx);
                }
            }
            None => self.unindexed.push(idx),
        }
        self.rules.push(c);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Rules that cannot be indexed by `eventName` and so run on every event.
    pub fn unindexed(&self) -> usize {
        self.unindexed.len()
    }

    /// Pushes the indexes of the rules matching `ev` onto `out` (ascending).
    pub fn matches<'a, J: Json<'a>>(&self, ev: J, lower_buf: &mut String, out: &mut Vec<u32>) {
        let name = ev.get("eventName").and_then(Json::as_str);
        self.matches_named(ev, name, lower_buf, out);
    }

    /// As [`Matcher::matches`], when the caller already has the event's `eventName`.
    pub fn matches_named<'a, J: Json<'a>>(
        &self,
        ev: J,
        event_name: Option<&str>,
        lower_buf: &mut String,
        out: &mut Vec<u32>,
    ) {
        let start = out.len();
        if let Some(name) = event_name {
            lower_buf.clear();
            lower_buf.push_str(name);
            lower_buf.make_ascii_lowercase();
            if let Some(ids) = self.by_event_name.get(lower_buf.as_str()) {
                for &i in ids {
                    if self.rules.get(i as usize).is_some_and(|r| r.eval(ev)) {
                        out.push(i);
                    }
                }
            }
        }
        for &i in &self.unindexed {
            if self.rules.get(i as usize).is_some_and(|r| r.eval(ev)) {
                out.push(i);
            }
        }
        if let Some(tail) = out.get_mut(start..) {
            tail.sort_unstable();
        }
    }

    /// Evaluates rule `i` alone (no index), for tests.
    pub fn eval_one<'a, J: Json<'a>>(&self, i: usize, ev: J) -> bool {
        self.rules.get(i).is_some_and(|r| r.eval(ev))
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::{Parsed, parse_rule_file};
    use super::*;
    use crate::value::Val;
    use serde_json::json;
    use std::path::Path;

    fn rule(det: &str) -> Matcher {
        let y = format!("title: t\nlogsource: {{product: aws, service: cloudtrail}}\ndetection:\n{det}");
        let Ok(Parsed::Rule(r)) = parse_rule_file(&y, Path::new("t")).remove(0) else { panic!("{y}") };
        let mut m = Matcher::default();
        m.add(&r.detection).unwrap();
        m
    }

    #[test]
    fn modifiers_and_coercion() {
        let ev = json!({"eventName": "PutBucketPolicy", "userAgent": "aws-cli/2 Kali Linux", "flag": false, "n": 42,
            "userIdentity": {"type": "Root", "arn": "arn:aws:iam::1:root"}, "ip": "10.1.2.3", "a": "x", "b": "X",
            "obj": {"k": "v"}, "list": ["one", "two"], "nul": null});
        let cases = [
            ("  s: {eventName: putbucketpolicy}\n  condition: s", true),
            ("  s: {eventName: 'Put*Policy'}\n  condition: s", true),
            ("  s: {eventName: 'Put?ucketPolicy'}\n  condition: s", true),
            ("  s: {eventName: 'Put\\*'}\n  condition: s", false),
            ("  s: {userAgent|contains: kali}\n  condition: s", true),
            ("  s: {userAgent|contains|all: [kali, aws-cli]}\n  condition: s", true),
            ("  s: {userAgent|contains|all: [kali, parrot]}\n  condition: s", false),
            ("  s: {userAgent|startswith: AWS-CLI}\n  condition: s", true),
            ("  s: {userAgent|endswith: linux}\n  condition: s", true),
            ("  s: {userAgent|cased|contains: kali}\n  condition: s", false),
            ("  s: {userAgent|re: 'K[a-z]+ Linux$'}\n  condition: s", true),
            ("  s: {userAgent|re: 'kali'}\n  condition: s", false),
            ("  s: {userAgent|re|i: 'kali'}\n  condition: s", true),
            ("  s: {flag: 'false'}\n  condition: s", true),
            ("  s: {n: 42}\n  condition: s", true),
            ("  s: {n|gte: 40}\n  condition: s", true),
            ("  s: {n|lt: 40}\n  condition: s", false),
            ("  s: {userIdentity.type: root}\n  condition: s", true),
            ("  s: {ip|cidr: 10.0.0.0/8}\n  condition: s", true),
            ("  s: {ip|cidr: 192.168.0.0/16}\n  condition: s", false),
            ("  s: {missing: null}\n  condition: s", true),
            ("  s: {nul: null}\n  condition: s", true),
            ("  s: {a: null}\n  condition: s", false),
            ("  s: {a|exists: true}\n  condition: s", true),
            ("  s: {missing|exists: true}\n  condition: s", false),
            ("  s: {a|fieldref: b}\n  condition: s", true),
            ("  s: {a|fieldref: ip}\n  condition: s", false),
            ("  s: {obj|contains: '\"k\":\"v\"'}\n  condition: s", true),
            ("  s: {list: two}\n  condition: s", true),
            ("  s: {eventName: X}\n  f: {a: x}\n  condition: not s and f", true),
            ("  s1: {a: x}\n  s2: {b: nope}\n  condition: all of s*", false),
            ("  s1: {a: x}\n  s2: {b: nope}\n  condition: 1 of them", true),
            ("  s: [{a: nope}, {b: x}]\n  condition: s", true),
        ];
        for (det, want) in cases {
            let m = rule(&format!("{det}\n"));
            let ev = Val::from_json(&ev);
            let mut out = Vec::new();
            m.matches(&ev, &mut String::new(), &mut out);
            assert_eq!(!out.is_empty(), want, "{det}");
            assert_eq!(m.eval_one(0, &ev), want, "{det} (unindexed)");
        }
    }
}
