//! The intermediate form of a rule: what a Sigma rule means, with no trace of how it is
//! evaluated. The embedded evaluator compiles it into matchers ([`super::eval`]); a later
//! backend can compile the same form into SQL and must give the same answers.

use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;
use warden_model::Severity;

/// A detection rule: one boolean expression over the fields of one event.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    /// The Sigma `name`, which correlation rules may use to refer to this rule.
    pub name: Option<String>,
    pub title: String,
    pub description: String,
    pub level: Severity,
    pub tags: Vec<String>,
    pub detection: Expr,
    /// Whether the rule's own matches are reported (false when only a correlation uses it).
    pub generate: bool,
    pub file: PathBuf,
    pub examples: Examples,
}

/// Events a rule must fire on and must stay quiet on (Warden's `examples` attribute).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Examples {
    pub must_fire: Vec<Value>,
    pub must_not_fire: Vec<Value>,
}

/// A boolean expression over one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Match(FieldMatch),
}

/// One field test: `field` (a dotted path) compared with `values` under `op`. The values
/// are alternatives (any may match) unless `all` is set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldMatch {
    pub field: String,
    pub op: Op,
    pub values: Vec<Pattern>,
    pub all: bool,
    /// Sigma's `cased` modifier: compare strings case-sensitively.
    pub cased: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    /// Whole-value equality; `*` and `?` in a pattern are wildcards.
    Equals,
    Contains,
    StartsWith,
    EndsWith,
    /// A regular expression (case-sensitive unless `insensitive`).
    Regex {
        insensitive: bool,
        multiline: bool,
        dotall: bool,
    },
    /// The value is an IP address inside one of the CIDR blocks.
    Cidr,
    /// The field is present (`true`) or absent (`false`).
    Exists,
    /// The field equals the value of the field named by the pattern.
    FieldRef,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A value as written in the rule. Strings keep Sigma's escapes (`\*`, `\?`, `\\`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Pattern {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

/// A Sigma correlation rule: a threshold or sequence over matches of other rules.
#[derive(Debug, Clone, Serialize)]
pub struct Correlation {
    pub id: String,
    pub name: Option<String>,
    pub title: String,
    pub description: String,
    pub level: Severity,
    pub tags: Vec<String>,
    pub kind: CorrelationKind,
    /// Ids or names of the rules whose matches are counted.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan_secs: i64,
    pub condition: Threshold,
    /// Whether the referenced rules still report their own matches.
    pub generate: bool,
    pub file: PathBuf,
    /// Each example is a sequence of events (the base rules come from the same set).
    pub examples: CorrelationExamples,
}

/// Event sequences a correlation must fire on and must stay quiet on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CorrelationExamples {
    pub must_fire: Vec<Vec<Value>>,
    pub must_not_fire: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CorrelationKind {
    EventCount,
    /// Distinct values of this field.
    ValueCount(String),
    /// Every referenced rule matched within the timespan, in any order.
    Temporal,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    pub op: CmpOp,
    pub value: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
}

impl Threshold {
    pub fn holds(&self, n: u64) -> bool {
        match self.op {
            CmpOp::Gt => n > self.value,
            CmpOp::Gte => n >= self.value,
            CmpOp::Lt => n < self.value,
            CmpOp::Lte => n <= self.value,
            CmpOp::Eq => n == self.value,
        }
    }
}

impl Expr {
    /// The `eventName` values (lowercased) of which one must be present for the expression
    /// to hold, or `None` when it can hold for any event name. Used to index rules.
    pub fn required_event_names(&self) -> Option<Vec<String>> {
        match self {
            Expr::Match(m) if m.field == "eventName" && m.op == Op::Equals && !m.all => {
                let mut out = Vec::new();
                for v in &m.values {
                    match v {
                        Pattern::Str(s) if !s.contains(['*', '?', '\\']) => out.push(s.to_ascii_lowercase()),
                        _ => return None,
                    }
                }
                Some(out)
            }
            Expr::Match(_) | Expr::Not(_) => None,
            Expr::And(xs) => xs.iter().filter_map(Expr::required_event_names).min_by_key(Vec::len),
            Expr::Or(xs) => {
                let mut out = Vec::new();
                for x in xs {
                    out.extend(x.required_event_names()?);
                }
                Some(out)
            }
        }
    }
}
