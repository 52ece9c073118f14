//! The policy grammar (IAM User Guide, "IAM JSON policy element reference"), strict and
//! located: every error names the JSON path that is wrong, e.g.
//! `Statement[2].Condition.StringLike`.
//!
//! Input is untrusted: documents over [`MAX_POLICY_BYTES`] or with more than
//! [`MAX_STATEMENTS`] statements or [`MAX_VALUES`] values in one element are rejected,
//! and parsing walks a fixed depth (the grammar has no recursion).

use crate::arn::{self, ArnPattern, ShortArn, SplitArn};
use crate::condition::{CondValue, Condition, OpKind, Operator, ParsedValues};
use crate::variables::Template;
use crate::wildcard::{self, Glob, Tok};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt::Write as _;

/// Largest accepted document, in bytes of JSON text.
pub const MAX_POLICY_BYTES: usize = 1 << 20;
pub const MAX_STATEMENTS: usize = 10_000;
/// Largest number of entries in one `Action`, `Resource`, `Principal` or condition key.
pub const MAX_VALUES: usize = 50_000;

/// The only version that enables policy variables.
pub const VERSION_2012: &str = "2012-10-17";
pub const VERSION_2008: &str = "2008-10-17";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid JSON: {0}")]
    Json(String),
    #[error("policy is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("policy is not UTF-8 text (or its URL-encoding does not decode to UTF-8)")]
    Encoding,
    #[error("`{path}`: {message}")]
    Invalid { path: String, message: String },
}

impl PolicyError {
    /// The JSON path of the offending element, when there is one.
    pub fn path(&self) -> Option<&str> {
        match self {
            PolicyError::Invalid { path, .. } => Some(path),
            _ => None,
        }
    }
}

fn invalid(path: &str, message: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        path: if path.is_empty() { "(document)".into() } else { path.into() },
        message: message.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Kinds of principal in a `Principal` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    pub fn name(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
}

/// `Principal` / `NotPrincipal` contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSpec {
    /// `"*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": [...], "Service": [...], ...}`.
    Map(Vec<(PrincipalKind, Vec<String>)>),
}

impl PrincipalSpec {
    /// True for `"*"` and for `{"AWS": "*"}` (equivalent per the IAM User Guide,
    /// "AWS JSON policy elements: Principal", anonymous principals).
    pub fn is_everyone(&self) -> bool {
        match self {
            PrincipalSpec::Any => true,
            PrincipalSpec::Map(m) => m.iter().any(|(k, v)| *k == PrincipalKind::Aws && v.iter().any(|s| s == "*")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalBlock {
    pub negated: bool,
    pub spec: PrincipalSpec,
}

/// One entry of `Action` / `NotAction`, compiled lowercase (action names are
/// case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    pub raw: String,
    lc: String,
    glob: Glob,
}

impl ActionPattern {
    fn new(raw: String) -> ActionPattern {
        let lc = raw.to_ascii_lowercase();
        let glob = Glob::compile(&lc);
        ActionPattern { raw, lc, glob }
    }

    /// `action_lc` must already be lowercase.
    pub fn matches_lc(&self, action_lc: &str) -> bool {
        self.glob.matches(action_lc)
    }

    pub fn matches(&self, action: &str) -> bool {
        self.matches_lc(&action.to_ascii_lowercase())
    }

    /// `("s3", "get*")`, or `None` for a bare `*` or malformed entry.
    pub fn split(&self) -> Option<(&str, &str)> {
        self.lc.split_once(':')
    }

    pub fn lowercase(&self) -> &str {
        &self.lc
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionBlock {
    pub negated: bool,
    pub patterns: Vec<ActionPattern>,
}

impl ActionBlock {
    pub fn matches_lc(&self, action_lc: &str) -> bool {
        self.patterns.iter().any(|p| p.matches_lc(action_lc)) != self.negated
    }
}

/// `arn:aws:s3:::` + the rest compiled, when the first five segments have no wildcard.
fn literal_prefix(raw: &str) -> Option<(String, Glob)> {
    let mut colons = raw.match_indices(':');
    let (fifth, _) = colons.nth(4)?;
    let prefix = raw.get(..=fifth)?;
    if !prefix.starts_with("arn:") || prefix.contains(['*', '?']) {
        return None;
    }
    Some((prefix.to_owned(), Glob::compile(raw.get(fifth + 1..)?)))
}

/// One entry of `Resource` / `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePattern {
    pub raw: String,
    /// The entry compiled segment-wise, when neither a variable nor the literal-prefix
    /// fast path applies.
    compiled: Option<ArnPattern>,
    template: Option<Template>,
    /// Fast path for the common shape: the first five segments are literal, so a match is
    /// "starts with this prefix (through the fifth `:`) and the rest matches".
    literal_prefix: Option<(String, Glob)>,
}

impl ResourcePattern {
    fn new(raw: String, variables: bool) -> ResourcePattern {
        let template = if variables { Template::parse(&raw) } else { None };
        let literal_prefix = if template.is_none() { literal_prefix(&raw) } else { None };
        let compiled =
            (template.is_none() && literal_prefix.is_none()).then(|| ArnPattern::new(&wildcard::compile(&raw)));
        ResourcePattern { raw, compiled, template, literal_prefix }
    }

    /// Matches per ARN segment. `None` when the entry cannot decide: a policy variable
    /// without a value (IAM User Guide, policy variables: with no value the variable is
    /// not replaced) where the request is not already outside the entry's partition,
    /// service, region, account or resource-type prefix; or a short ARN that is rejected
    /// or does not match once padded.
    pub fn matches(&self, resource: &str, ctx: &crate::Context, short: ShortArn) -> Option<bool> {
        self.matches_split(&SplitArn::new(resource), ctx, short, None)
    }

    /// [`ResourcePattern::matches`] on a resource split once per request; `scratch`, when
    /// given, is reused for the tokens of a resolved variable.
    pub(crate) fn matches_split(
        &self,
        resource: &SplitArn<'_>,
        ctx: &crate::Context,
        short: ShortArn,
        scratch: Option<&RefCell<Vec<Tok>>>,
    ) -> Option<bool> {
        if let Some((prefix, rest)) = &self.literal_prefix {
            let text = resource.text;
            return Some(
                text.starts_with(prefix.as_str()) && text.get(prefix.len()..).is_some_and(|r| rest.matches(r)),
            );
        }
        if let Some(c) = &self.compiled {
            return c.matches_resource(resource, short);
        }
        let Some(t) = &self.template else { return None };
        let mut owned = Vec::new();
        let mut borrowed = scratch.and_then(|s| s.try_borrow_mut().ok());
        let toks = borrowed.as_deref_mut().unwrap_or(&mut owned);
        if t.resolve_tokens_into(ctx, toks) {
            arn::matches_resource_split(toks, resource, short)
        } else if arn::outside(&t.wildcard_tokens(), resource.text) {
            // Certainly outside whatever the value: an ordinary mismatch.
            Some(false)
        } else {
            None
        }
    }

    pub fn is_star(&self) -> bool {
        self.raw == "*"
    }

    pub fn template(&self) -> Option<&Template> {
        self.template.as_ref()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceBlock {
    pub negated: bool,
    pub patterns: Vec<ResourcePattern>,
}

impl ResourceBlock {
    /// `Resource`: some entry matches. `NotResource`: every entry is usable and none
    /// matches (an unusable entry makes the statement inapplicable).
    pub fn matches(&self, resource: &str, ctx: &crate::Context, short: ShortArn) -> bool {
        self.matches_split(&SplitArn::new(resource), ctx, short, None)
    }

    pub(crate) fn matches_split(
        &self,
        resource: &SplitArn<'_>,
        ctx: &crate::Context,
        short: ShortArn,
        scratch: Option<&RefCell<Vec<Tok>>>,
    ) -> bool {
        if self.negated {
            let mut any = false;
            for p in &self.patterns {
                match p.matches_split(resource, ctx, short, scratch) {
                    None => return false,
                    Some(m) => any |= m,
                }
            }
            !any
        } else {
            self.patterns.iter().any(|p| p.matches_split(resource, ctx, short, scratch) == Some(true))
        }
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub index: usize,
    /// `Statement[i]`, or `Statement` when the element was a single object.
    pub path: String,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalBlock>,
    pub action: ActionBlock,
    pub resource: Option<ResourceBlock>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    pub fn conditions_match(&self, ctx: &crate::Context) -> bool {
        self.conditions.iter().all(|c| c.matches(ctx))
    }

    /// A statement with no `Resource`/`NotResource` (trust policies) applies to any resource.
    pub fn resource_matches(&self, resource: &str, ctx: &crate::Context, short: ShortArn) -> bool {
        self.resource.as_ref().is_none_or(|r| r.matches(resource, ctx, short))
    }

    /// Action, resource and conditions against one prepared request (the evaluator's
    /// path: `action_lc` lowercase, the resource split once, typed context values cached).
    pub(crate) fn applies_to(
        &self,
        action_lc: &str,
        resource: &SplitArn<'_>,
        ctx: &crate::Context,
        short: ShortArn,
        parsed: &ParsedValues,
        scratch: &RefCell<Vec<Tok>>,
    ) -> bool {
        self.action.matches_lc(action_lc)
            && self.resource.as_ref().is_none_or(|r| r.matches_split(resource, ctx, short, Some(scratch)))
            && self.conditions.iter().all(|c| c.matches_cached(ctx, Some(parsed)))
    }

    /// Short label: `Sid` when present, else the index.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => format!("{} ({s})", self.index),
            _ => self.index.to_string(),
        }
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// Whether `Statement` was a single object rather than a list.
    pub single_statement: bool,
}

impl Policy {
    /// Parses a document already read as JSON.
    pub fn parse(v: &Value) -> Result<Policy, PolicyError> {
        let obj = v.as_object().ok_or_else(|| invalid("", format!("policy must be a JSON object, got {}", kind(v))))?;
        let mut version = None;
        let mut id = None;
        let mut stmt_value = None;
        for (k, val) in obj {
            match k.as_str() {
                "Version" => {
                    let s = val
                        .as_str()
                        .ok_or_else(|| invalid("Version", format!("must be a string, got {}", kind(val))))?;
                    if s != VERSION_2012 && s != VERSION_2008 {
                        return Err(invalid(
                            "Version",
                            format!("must be `{VERSION_2012}` or `{VERSION_2008}`, got `{s}`"),
                        ));
                    }
                    version = Some(s.to_owned());
                }
                "Id" => {
                    id = Some(
                        val.as_str()
                            .ok_or_else(|| invalid("Id", format!("must be a string, got {}", kind(val))))?
                            .to_owned(),
                    )
                }
                "Statement" => stmt_value = Some(val),
                other => return Err(invalid(other, format!("unknown top-level element `{other}`"))),
            }
        }
        let variables = version.as_deref() == Some(VERSION_2012);
        let stmt_value = stmt_value.ok_or_else(|| invalid("Statement", "missing `Statement`"))?;
        let (items, single): (Vec<&Value>, bool) = match stmt_value {
            Value::Array(a) => (a.iter().collect(), false),
            Value::Object(_) => (vec![stmt_value], true),
            other => return Err(invalid("Statement", format!("must be an object or a list, got {}", kind(other)))),
        };
        if items.len() > MAX_STATEMENTS {
            return Err(invalid(
                "Statement",
                format!("{} statements, over the limit of {MAX_STATEMENTS}", items.len()),
            ));
        }
        let mut statements = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let path = if single { "Statement".to_owned() } else { format!("Statement[{i}]") };
            statements.push(parse_statement(i, path, item, variables)?);
        }
        Ok(Policy { version, id, statements, single_statement: single })
    }

    /// Parses JSON text, URL-decoding it first when it is percent-encoded (as
    /// `GetAccountAuthorizationDetails`, `GetPolicyVersion` and friends return it).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(&parse_json_text(text)?)
    }

    /// Parses raw bytes: invalid UTF-8 is an error, not a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Policy, PolicyError> {
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge { size: bytes.len(), limit: MAX_POLICY_BYTES });
        }
        Policy::from_str(std::str::from_utf8(bytes).map_err(|_| PolicyError::Encoding)?)
    }

    /// True when variables are honoured (`Version: 2012-10-17`).
    pub fn variables_enabled(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012)
    }
}

/// Reads policy JSON text with the size cap, URL-decoding when needed.
pub fn parse_json_text(text: &str) -> Result<Value, PolicyError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge { size: text.len(), limit: MAX_POLICY_BYTES });
    }
    let t = text.trim_start();
    let decoded;
    let t = if t.starts_with('%') || (!t.starts_with('{') && t.contains('%')) {
        decoded = url_decode(t)?;
        decoded.as_str()
    } else {
        t
    };
    serde_json::from_str(t).map_err(|e| PolicyError::Json(e.to_string()))
}

/// Percent-decoding (RFC 3986; `+` stays a plus).
pub fn url_decode(s: &str) -> Result<String, PolicyError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => {
                    out.push(v);
                    i += 3;
                    continue;
                }
                None => out.push(c),
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| PolicyError::Encoding)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A string or a list of strings.
fn strings(v: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => {
            if a.len() > MAX_VALUES {
                return Err(invalid(path, format!("{} values, over the limit of {MAX_VALUES}", a.len())));
            }
            a.iter()
                .enumerate()
                .map(|(i, x)| {
                    x.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| invalid(&format!("{path}[{i}]"), format!("must be a string, got {}", kind(x))))
                })
                .collect()
        }
        other => Err(invalid(path, format!("must be a string or a list of strings, got {}", kind(other)))),
    }
}

fn parse_statement(index: usize, path: String, v: &Value, variables: bool) -> Result<Statement, PolicyError> {
    let obj = v.as_object().ok_or_else(|| invalid(&path, format!("statement must be an object, got {}", kind(v))))?;
    let p = |k: &str| format!("{path}.{k}");
    let mut sid = None;
    let mut effect = None;
    let mut principal = None;
    let mut action = None;
    let mut resource = None;
    let mut conditions = Vec::new();
    for (k, val) in obj {
        match k.as_str() {
            "Sid" => {
                sid = Some(
                    val.as_str()
                        .ok_or_else(|| invalid(&p(k), format!("must be a string, got {}", kind(val))))?
                        .to_owned(),
                )
            }
            "Effect" => {
                effect = Some(match val.as_str() {
                    Some("Allow") => Effect::Allow,
                    Some("Deny") => Effect::Deny,
                    Some(other) => return Err(invalid(&p(k), format!("must be `Allow` or `Deny`, got `{other}`"))),
                    None => return Err(invalid(&p(k), format!("must be a string, got {}", kind(val)))),
                })
            }
            "Principal" | "NotPrincipal" => {
                if principal.is_some() {
                    return Err(invalid(&p(k), "`Principal` and `NotPrincipal` cannot both appear"));
                }
                principal = Some(PrincipalBlock { negated: k == "NotPrincipal", spec: parse_principal(val, &p(k))? });
            }
            "Action" | "NotAction" => {
                if action.is_some() {
                    return Err(invalid(&p(k), "`Action` and `NotAction` cannot both appear"));
                }
                let mut patterns = Vec::new();
                for (i, s) in strings(val, &p(k))?.into_iter().enumerate() {
                    if s != "*" && !s.contains(':') {
                        let at = if val.is_array() { format!("{}[{i}]", p(k)) } else { p(k) };
                        return Err(invalid(&at, format!("action `{s}` must be `*` or `service:action`")));
                    }
                    patterns.push(ActionPattern::new(s));
                }
                action = Some(ActionBlock { negated: k == "NotAction", patterns });
            }
            "Resource" | "NotResource" => {
                if resource.is_some() {
                    return Err(invalid(&p(k), "`Resource` and `NotResource` cannot both appear"));
                }
                let patterns = strings(val, &p(k))?.into_iter().map(|s| ResourcePattern::new(s, variables)).collect();
                resource = Some(ResourceBlock { negated: k == "NotResource", patterns });
            }
            "Condition" => conditions = parse_conditions(val, &p(k), variables)?,
            other => return Err(invalid(&p(other), format!("unknown statement element `{other}`"))),
        }
    }
    let effect = effect.ok_or_else(|| invalid(&path, "missing `Effect`"))?;
    let action = action.ok_or_else(|| invalid(&path, "missing `Action` or `NotAction`"))?;
    Ok(Statement { index, path, sid, effect, principal, action, resource, conditions })
}

fn parse_principal(v: &Value, path: &str) -> Result<PrincipalSpec, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(PrincipalSpec::Any),
        Value::String(s) => Err(invalid(path, format!("must be `*` or an object, got `{s}`"))),
        Value::Object(m) => {
            let mut out = Vec::new();
            for (k, val) in m {
                let pk = match k.as_str() {
                    "AWS" => PrincipalKind::Aws,
                    "Service" => PrincipalKind::Service,
                    "Federated" => PrincipalKind::Federated,
                    "CanonicalUser" => PrincipalKind::CanonicalUser,
                    other => {
                        return Err(invalid(&format!("{path}.{other}"), format!("unknown principal type `{other}`")));
                    }
                };
                out.push((pk, strings(val, &format!("{path}.{k}"))?));
            }
            Ok(PrincipalSpec::Map(out))
        }
        other => Err(invalid(path, format!("must be `*` or an object, got {}", kind(other)))),
    }
}

fn parse_conditions(v: &Value, path: &str, variables: bool) -> Result<Vec<Condition>, PolicyError> {
    let obj: &Map<String, Value> =
        v.as_object().ok_or_else(|| invalid(path, format!("must be an object, got {}", kind(v))))?;
    let mut out = Vec::new();
    for (op_name, block) in obj {
        let op_path = format!("{path}.{op_name}");
        let op = Operator::parse(op_name)
            .ok_or_else(|| invalid(&op_path, format!("unknown condition operator `{op_name}`")))?;
        let keys =
            block.as_object().ok_or_else(|| invalid(&op_path, format!("must be an object, got {}", kind(block))))?;
        for (key, vals) in keys {
            let key_path = format!("{op_path}.{key}");
            let raw: Vec<String> = match vals {
                Value::Array(a) => {
                    if a.len() > MAX_VALUES {
                        return Err(invalid(&key_path, format!("{} values, over the limit of {MAX_VALUES}", a.len())));
                    }
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| scalar(x).ok_or_else(|| invalid(&format!("{key_path}[{i}]"), bad_value(x))))
                        .collect::<Result<_, _>>()?
                }
                other => vec![scalar(other).ok_or_else(|| invalid(&key_path, bad_value(other)))?],
            };
            if op.kind == OpKind::Null {
                for r in &raw {
                    if !r.eq_ignore_ascii_case("true") && !r.eq_ignore_ascii_case("false") {
                        return Err(invalid(&key_path, format!("`Null` takes `true` or `false`, got `{r}`")));
                    }
                }
            }
            let values = raw.into_iter().map(|r| CondValue::new(op.kind, r, variables)).collect();
            out.push(Condition { op, key: key.clone(), key_lc: key.to_ascii_lowercase(), values, path: key_path });
        }
    }
    Ok(out)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn bad_value(v: &Value) -> String {
    let mut s = String::new();
    let _ = write!(s, "condition values must be strings, numbers or booleans, got {}", kind(v));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn located_errors() {
        let e = Policy::parse(
            &json!({"Statement": [{"Effect": "Allow", "Action": "*"}, {"Effect": "allow", "Action": "*"}]}),
        )
        .unwrap_err();
        assert_eq!(e.path(), Some("Statement[1].Effect"));
        let e = Policy::parse(
            &json!({"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringLik": {"a": "b"}}}}),
        )
        .unwrap_err();
        assert_eq!(e.path(), Some("Statement.Condition.StringLik"));
        let e = Policy::parse(&json!({"Statement": [{"Effect": "Allow", "Action": ["s3:Get", 3]}]})).unwrap_err();
        assert_eq!(e.path(), Some("Statement[0].Action[1]"));
        let e = Policy::parse(&json!([1])).unwrap_err();
        assert!(e.to_string().contains("JSON object"));
    }

    #[test]
    fn url_encoded() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let p = Policy::from_str(enc).unwrap();
        assert_eq!(p.statements.len(), 1);
        assert!(Policy::from_str("%FF%FE").is_err());
    }

    #[test]
    fn size_cap() {
        let big = " ".repeat(MAX_POLICY_BYTES + 1);
        assert!(matches!(Policy::from_str(&big), Err(PolicyError::TooLarge { .. })));
    }
}
