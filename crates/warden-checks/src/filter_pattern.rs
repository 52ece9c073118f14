//! CloudWatch Logs filter patterns for JSON log events: a parser and an evaluator.
//!
//! Metric filters are how CIS 5.1–5.15 turn CloudTrail events into alarms. Comparing
//! their text against the benchmark's text fails on every harmless difference (spacing,
//! order, parentheses, quoting), so Warden parses the pattern and *runs* it on synthetic
//! events instead (see `checks/monitoring.rs`).
//!
//! The syntax, as AWS documents it for JSON log events:
//!
//! ```text
//! { $.eventName = "ConsoleLogin" && ($.errorCode = "*Unauthorized*" || $.count >= 3) }
//! { $.userIdentity.invokedBy NOT EXISTS }   { $.value IS NULL }   { $.flag IS TRUE }
//! ```
//!
//! - a selector starts at `$` and walks object keys (`.key`) and array indices (`[0]`);
//! - `=` and `!=` compare strings, quoted or not, where `*` is a wildcard for any run
//!   of characters; an unquoted number compares numerically with JSON numbers;
//! - `<`, `>`, `<=`, `>=` compare JSON numbers;
//! - `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS` test the value itself;
//! - `&&` binds tighter than `||`; parentheses group; whitespace is free.
//!
//! A selector that does not resolve makes every comparison false, `!=` included; only
//! `NOT EXISTS` is true then. An empty pattern matches every event. Term and
//! space-delimited patterns (`ERROR`, `[ip, user, ...]`) are not JSON patterns and are
//! reported as [`PatternErrorKind::NotJson`].
//!
//! Patterns come from the account being scanned: untrusted. Length and nesting are
//! capped, errors carry the byte offset and what was expected, and nothing panics.

use serde_json::Value;
use std::fmt;

/// Longest pattern accepted, in bytes (AWS caps filter patterns at 1,024 characters).
pub const MAX_PATTERN_LEN: usize = 8 * 1024;
/// Deepest nesting of parentheses accepted.
pub const MAX_DEPTH: usize = 32;
/// Most path steps in one selector.
const MAX_SELECTOR_STEPS: usize = 64;

/// A parsed JSON filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern {
    expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    /// The empty pattern.
    All,
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare {
        selector: Selector,
        op: Op,
        literal: Literal,
    },
    IsNull(Selector),
    IsBool(Selector, bool),
    NotExists(Selector),
}

#[derive(Debug, Clone, PartialEq)]
struct Selector(Vec<Step>);

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
struct Literal {
    text: String,
    /// Set for unquoted literals that read as a number.
    number: Option<f64>,
}

/// Why a pattern could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at offset {offset}")]
pub struct PatternError {
    /// Byte offset into the pattern.
    pub offset: usize,
    pub kind: PatternErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternErrorKind {
    #[error("expected {expected}, found {found}")]
    Expected { expected: &'static str, found: String },
    #[error("pattern is {0} bytes long; at most {MAX_PATTERN_LEN} are accepted")]
    TooLong(usize),
    #[error("parentheses nest deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("selector has more than {MAX_SELECTOR_STEPS} steps")]
    SelectorTooLong,
    #[error("`{0}` needs a number")]
    NotANumber(&'static str),
    #[error("not a JSON filter pattern (term and space-delimited patterns are not evaluated)")]
    NotJson,
}

impl FilterPattern {
    /// Parses a metric filter pattern.
    pub fn parse(src: &str) -> Result<FilterPattern, PatternError> {
        if src.len() > MAX_PATTERN_LEN {
            return Err(PatternError { offset: MAX_PATTERN_LEN, kind: PatternErrorKind::TooLong(src.len()) });
        }
        let mut p = Parser { src, pos: 0, depth: 0 };
        p.skip_ws();
        match p.peek() {
            None => return Ok(FilterPattern { expr: Expr::All }),
            Some('{') => p.bump(),
            Some(_) => return Err(PatternError { offset: p.pos, kind: PatternErrorKind::NotJson }),
        }
        let expr = p.or_expr()?;
        p.skip_ws();
        p.expect('}', "`&&`, `||` or `}`")?;
        p.skip_ws();
        if p.peek().is_some() {
            return Err(p.expected("the end of the pattern"));
        }
        Ok(FilterPattern { expr })
    }

    /// Whether the pattern matches a JSON log event.
    pub fn matches(&self, event: &Value) -> bool {
        self.expr.eval(event)
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the pattern".into(),
            Some(_) => {
                let word: String = self.rest().chars().take_while(|c| !c.is_whitespace()).take(16).collect();
                format!("`{word}`")
            }
        }
    }

    fn expected(&self, expected: &'static str) -> PatternError {
        PatternError { offset: self.pos, kind: PatternErrorKind::Expected { expected, found: self.found() } }
    }

    fn expect(&mut self, c: char, expected: &'static str) -> Result<(), PatternError> {
        if self.peek() == Some(c) {
            self.bump();
            Ok(())
        } else {
            Err(self.expected(expected))
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    /// A keyword, case-insensitively, that is not the start of a longer word.
    fn eat_keyword(&mut self, word: &str) -> bool {
        let rest = self.rest();
        let head = rest.get(..word.len());
        let after = rest.get(word.len()..).and_then(|r| r.chars().next());
        if head.is_some_and(|h| h.eq_ignore_ascii_case(word)) && !after.is_some_and(|c| c.is_alphanumeric()) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn or_expr(&mut self) -> Result<Expr, PatternError> {
        let mut terms = vec![self.and_expr()?];
        loop {
            self.skip_ws();
            if !self.eat("||") {
                break;
            }
            terms.push(self.and_expr()?);
        }
        Ok(if terms.len() == 1 { terms.pop().unwrap_or(Expr::All) } else { Expr::Or(terms) })
    }

    fn and_expr(&mut self) -> Result<Expr, PatternError> {
        let mut terms = vec![self.unary()?];
        loop {
            self.skip_ws();
            if !self.eat("&&") {
                break;
            }
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 { terms.pop().unwrap_or(Expr::All) } else { Expr::And(terms) })
    }

    fn unary(&mut self) -> Result<Expr, PatternError> {
        self.skip_ws();
        match self.peek() {
            Some('(') => {
                if self.depth >= MAX_DEPTH {
                    return Err(PatternError { offset: self.pos, kind: PatternErrorKind::TooDeep });
                }
                self.bump();
                self.depth += 1;
                let inner = self.or_expr()?;
                self.depth -= 1;
                self.skip_ws();
                self.expect(')', "`&&`, `||` or `)`")?;
                Ok(inner)
            }
            Some('$') => self.condition(),
            _ => Err(self.expected("a selector such as `$.eventName`, or `(`")),
        }
    }

    fn condition(&mut self) -> Result<Expr, PatternError> {
        let selector = self.selector()?;
        self.skip_ws();
        if self.eat_keyword("IS") {
            self.skip_ws();
            if self.eat_keyword("NULL") {
                return Ok(Expr::IsNull(selector));
            }
            if self.eat_keyword("TRUE") {
                return Ok(Expr::IsBool(selector, true));
            }
            if self.eat_keyword("FALSE") {
                return Ok(Expr::IsBool(selector, false));
            }
            return Err(self.expected("`NULL`, `TRUE` or `FALSE` after `IS`"));
        }
        if self.eat_keyword("NOT") {
            self.skip_ws();
            if self.eat_keyword("EXISTS") {
                return Ok(Expr::NotExists(selector));
            }
            return Err(self.expected("`EXISTS` after `NOT`"));
        }
        let op_at = self.pos;
        let op = if self.eat("!=") {
            Op::Ne
        } else if self.eat("<=") {
            Op::Le
        } else if self.eat(">=") {
            Op::Ge
        } else if self.eat("=") {
            Op::Eq
        } else if self.eat("<") {
            Op::Lt
        } else if self.eat(">") {
            Op::Gt
        } else {
            return Err(self.expected("an operator (`=`, `!=`, `<`, `>`, `<=`, `>=`, `IS`, `NOT EXISTS`)"));
        };
        self.skip_ws();
        let literal = self.literal()?;
        let numeric = match op {
            Op::Lt => Some("<"),
            Op::Gt => Some(">"),
            Op::Le => Some("<="),
            Op::Ge => Some(">="),
            Op::Eq | Op::Ne => None,
        };
        if let Some(name) = numeric
            && literal.number.is_none()
        {
            return Err(PatternError { offset: op_at, kind: PatternErrorKind::NotANumber(name) });
        }
        Ok(Expr::Compare { selector, op, literal })
    }

    fn selector(&mut self) -> Result<Selector, PatternError> {
        self.expect('$', "`$`")?;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some('.') => {
                    self.bump();
                    let start = self.pos;
                    while self.peek().is_some_and(is_key_char) {
                        self.bump();
                    }
                    let key = self.src.get(start..self.pos).unwrap_or("");
                    if key.is_empty() {
                        return Err(self.expected("a property name after `.`"));
                    }
                    steps.push(Step::Key(key.to_owned()));
                }
                Some('[') => {
                    self.bump();
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.bump();
                    }
                    let index = self.src.get(start..self.pos).and_then(|d| d.parse::<usize>().ok());
                    let Some(index) = index else {
                        self.pos = start;
                        return Err(self.expected("an array index"));
                    };
                    self.expect(']', "`]`")?;
                    steps.push(Step::Index(index));
                }
                _ => break,
            }
            if steps.len() > MAX_SELECTOR_STEPS {
                return Err(PatternError { offset: self.pos, kind: PatternErrorKind::SelectorTooLong });
            }
        }
        if steps.is_empty() {
            return Err(self.expected("`.` and a property name after `$`"));
        }
        Ok(Selector(steps))
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        if self.peek() == Some('"') {
            let open = self.pos;
            self.bump();
            let mut text = String::new();
            loop {
                match self.peek() {
                    None => {
                        return Err(PatternError {
                            offset: open,
                            kind: PatternErrorKind::Expected {
                                expected: "a closing `\"`",
                                found: "the end of the pattern".into(),
                            },
                        });
                    }
                    Some('"') => {
                        self.bump();
                        return Ok(Literal { text, number: None });
                    }
                    Some('\\') => {
                        self.bump();
                        match self.peek() {
                            Some(c) => {
                                text.push(c);
                                self.bump();
                            }
                            None => return Err(self.expected("a character after `\\`")),
                        }
                    }
                    Some(c) => {
                        text.push(c);
                        self.bump();
                    }
                }
            }
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| {
            !c.is_whitespace() && !matches!(c, '(' | ')' | '&' | '|' | '{' | '}' | '"' | '=' | '!' | '<' | '>')
        }) {
            self.bump();
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        if text.is_empty() {
            return Err(self.expected("a value (a string, quoted or not, or a number)"));
        }
        let number = if text.contains('*') { None } else { text.parse::<f64>().ok().filter(|n| n.is_finite()) };
        Ok(Literal { text: text.to_owned(), number })
    }
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | ':')
}

impl Selector {
    /// The value the selector points at; `None` when any step is missing.
    fn resolve<'v>(&self, event: &'v Value) -> Option<&'v Value> {
        let mut v = event;
        for step in &self.0 {
            v = match step {
                Step::Key(k) => v.as_object()?.get(k)?,
                Step::Index(i) => v.as_array()?.get(*i)?,
            };
        }
        Some(v)
    }
}

impl Expr {
    fn eval(&self, event: &Value) -> bool {
        match self {
            Expr::All => true,
            Expr::And(terms) => terms.iter().all(|t| t.eval(event)),
            Expr::Or(terms) => terms.iter().any(|t| t.eval(event)),
            Expr::IsNull(s) => s.resolve(event).is_some_and(Value::is_null),
            Expr::IsBool(s, b) => s.resolve(event).and_then(Value::as_bool) == Some(*b),
            Expr::NotExists(s) => s.resolve(event).is_none(),
            Expr::Compare { selector, op, literal } => {
                let Some(v) = selector.resolve(event) else { return false };
                match op {
                    Op::Eq => equals(v, literal),
                    Op::Ne => !equals(v, literal),
                    Op::Lt | Op::Gt | Op::Le | Op::Ge => {
                        let (Some(x), Some(y)) = (v.as_f64(), literal.number) else { return false };
                        match op {
                            Op::Lt => x < y,
                            Op::Gt => x > y,
                            Op::Le => x <= y,
                            _ => x >= y,
                        }
                    }
                }
            }
        }
    }
}

fn equals(v: &Value, lit: &Literal) -> bool {
    match v {
        Value::String(s) => wildcard_match(&lit.text, s),
        Value::Number(n) => match (n.as_f64(), lit.number) {
            (Some(x), Some(y)) => x == y,
            _ => wildcard_match(&lit.text, &n.to_string()),
        },
        Value::Bool(b) => wildcard_match(&lit.text, if *b { "true" } else { "false" }),
        Value::Null => false,
        Value::Object(_) | Value::Array(_) => lit.text == "*",
    }
}

/// `*` matches any run of characters (none included); everything else matches itself.
/// Greedy with one backtrack point: linear in practice, O(n·m) at worst.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    warden_model::glob::matches_star(pattern, text)
}

impl fmt::Display for FilterPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{ {} }}", self.expr)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, terms: &[Expr], sep: &str| -> fmt::Result {
            for (i, t) in terms.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                match t {
                    Expr::And(_) | Expr::Or(_) => write!(f, "({t})")?,
                    _ => write!(f, "{t}")?,
                }
            }
            Ok(())
        };
        match self {
            Expr::All => Ok(()),
            Expr::And(t) => join(f, t, " && "),
            Expr::Or(t) => join(f, t, " || "),
            Expr::IsNull(s) => write!(f, "{s} IS NULL"),
            Expr::IsBool(s, b) => write!(f, "{s} IS {}", if *b { "TRUE" } else { "FALSE" }),
            Expr::NotExists(s) => write!(f, "{s} NOT EXISTS"),
            Expr::Compare { selector, op, literal } => {
                let op = match op {
                    Op::Eq => "=",
                    Op::Ne => "!=",
                    Op::Lt => "<",
                    Op::Gt => ">",
                    Op::Le => "<=",
                    Op::Ge => ">=",
                };
                if literal.number.is_some() {
                    write!(f, "{selector} {op} {}", literal.text)
                } else {
                    write!(f, "{selector} {op} \"{}\"", literal.text.replace('\\', "\\\\").replace('"', "\\\""))
                }
            }
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for step in &self.0 {
            match step {
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(pattern: &str, event: &Value) -> bool {
        FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("`{pattern}`: {e}")).matches(event)
    }

    fn err(pattern: &str) -> PatternError {
        FilterPattern::parse(pattern).expect_err(pattern)
    }

    fn trail_event() -> Value {
        json!({
            "eventName": "ConsoleLogin",
            "eventType": "AwsConsoleSignIn",
            "userIdentity": {"type": "IAMUser", "userName": "alice"},
            "additionalEventData": {"MFAUsed": "No"},
            "responseElements": {"ConsoleLogin": "Success"},
            "resources": [{"ARN": "arn:aws:iam::1:user/alice"}, {"ARN": "arn:aws:iam::1:role/r"}],
            "latency": 250,
            "ratio": 0.5,
            "readOnly": false,
            "requestParameters": null
        })
    }

    #[test]
    fn equality_quoted_unquoted_and_nested() {
        let e = trail_event();
        assert!(m(r#"{ $.eventName = "ConsoleLogin" }"#, &e));
        assert!(m("{$.eventName=ConsoleLogin}", &e));
        assert!(m(r#"{ $.additionalEventData.MFAUsed != "Yes" }"#, &e));
        assert!(!m(r#"{ $.additionalEventData.MFAUsed = "Yes" }"#, &e));
        assert!(m(r#"{ $.userIdentity.type = "IAMUser" }"#, &e));
        assert!(m(r#"{ $.resources[1].ARN = "*:role/*" }"#, &e));
        assert!(!m(r#"{ $.resources[2].ARN = "*" }"#, &e));
        // String comparison is case-sensitive.
        assert!(!m(r#"{ $.eventName = "consolelogin" }"#, &e));
    }

    #[test]
    fn wildcards_prefix_suffix_infix() {
        let e = json!({"errorCode": "Client.UnauthorizedOperation", "ip": "123.123.4.5"});
        assert!(m(r#"{ $.errorCode = "*UnauthorizedOperation" }"#, &e));
        assert!(m(r#"{ $.errorCode = "Client.*" }"#, &e));
        assert!(m(r#"{ $.errorCode = "Client*Operation" }"#, &e));
        assert!(m(r#"{ $.errorCode = "*" }"#, &e));
        assert!(!m(r#"{ $.errorCode = "AccessDenied*" }"#, &e));
        assert!(m("{ $.ip = 123.123.* }", &e));
        assert!(!m("{ $.ip != 123.123.* }", &e));
        assert!(wildcard_match("a*b*c", "aXbYbZc"));
        assert!(!wildcard_match("a*b*c", "aXbYbZ"));
        assert!(wildcard_match("**", ""));
        assert!(!wildcard_match("", "x"));
    }

    #[test]
    fn numbers_booleans_null_and_existence() {
        let e = trail_event();
        assert!(m("{ $.latency > 200 }", &e));
        assert!(m("{ $.latency >= 250 && $.latency <= 250 }", &e));
        assert!(m("{ $.latency = 250.0 }", &e));
        assert!(m("{ $.ratio < 1e0 }", &e));
        assert!(!m("{ $.latency < 100 }", &e));
        assert!(!m("{ $.eventName > 1 }", &e));
        assert!(m("{ $.readOnly IS FALSE }", &e));
        assert!(!m("{ $.readOnly IS TRUE }", &e));
        assert!(m("{ $.requestParameters IS NULL }", &e));
        assert!(!m("{ $.requestParameters NOT EXISTS }", &e));
        assert!(m("{ $.userIdentity.invokedBy NOT EXISTS }", &e));
        assert!(!m("{ $.userIdentity.invokedBy IS NULL }", &e));
        // Comparisons on a missing property are false, `!=` included.
        assert!(!m(r#"{ $.errorCode != "AccessDenied" }"#, &e));
        assert!(!m(r#"{ $.errorCode = "*" }"#, &e));
        // A whole object exists for `*`.
        assert!(m(r#"{ $.userIdentity = "*" }"#, &e));
        assert!(m("{ $.readOnly is false }", &e));
    }

    #[test]
    fn precedence_parentheses_and_layout() {
        let e = json!({"a": "1", "b": "2", "c": "3"});
        // && binds tighter than ||.
        assert!(m("{ $.a = 9 || $.b = 2 && $.c = 3 }", &e));
        assert!(!m("{ ($.a = 9 || $.b = 2) && $.c = 4 }", &e));
        let spaced = "{\n  (\n    ( $.a = \"1\" )\n  )\n  &&\t( $.b = 2 || $.c = 9 )\n}";
        let tight = r#"{(($.a="1"))&&($.b=2||$.c=9)}"#;
        assert!(m(spaced, &e) && m(tight, &e));
        assert_eq!(FilterPattern::parse(spaced).unwrap(), FilterPattern::parse(tight).unwrap());
        assert_eq!(FilterPattern::parse(tight).unwrap().to_string(), r#"{ $.a = "1" && ($.b = 2 || $.c = 9) }"#);
        assert!(m("", &e));
        assert!(m("   ", &e));
    }

    #[test]
    fn quoted_strings_keep_operators_and_escapes() {
        let e = json!({"msg": "a && b || \"c\" (d)"});
        assert!(m(r#"{ $.msg = "a && b || \"c\" (d)" }"#, &e));
        assert!(m(r#"{ $.msg = "*(d)" }"#, &e));
    }

    #[test]
    fn malformed_patterns_are_located_errors() {
        let cases: &[(&str, usize, &str)] = &[
            ("{ $.eventName = }", 16, "a value"),
            ("{ $.eventName = \"x\" ", 20, "`}`"),
            ("{ $.eventName == \"x\" }", 15, "a value"),
            ("{ eventName = \"x\" }", 2, "a selector"),
            ("{ $.a = 1 && }", 13, "a selector"),
            ("{ ($.a = 1 }", 11, "`)`"),
            ("{ $.a = \"open }", 8, "closing"),
            ("{ $. = 1 }", 4, "property name"),
            ("{ $.a[x] = 1 }", 6, "array index"),
            ("{ $.a IS MAYBE }", 9, "`NULL`"),
            ("{ $.a NOT THERE }", 10, "`EXISTS`"),
            ("{ $.a ~ 1 }", 6, "an operator"),
            ("{ $.a = 1 } trailing", 12, "the end"),
            ("{ $.a = 1 & $.b = 2 }", 10, "`}`"),
        ];
        for (pattern, offset, expected) in cases {
            let e = err(pattern);
            assert_eq!(e.offset, *offset, "`{pattern}`: {e}");
            assert!(e.to_string().contains(expected), "`{pattern}`: {e}");
        }
        assert_eq!(err("{ $.a > abc }").kind, PatternErrorKind::NotANumber(">"));
        assert_eq!(err("ERROR Exception").kind, PatternErrorKind::NotJson);
        assert_eq!(err("[ip, user, ...]").kind, PatternErrorKind::NotJson);
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(10_000).as_str(), ")".repeat(10_000).as_str());
        assert!(matches!(err(&deep).kind, PatternErrorKind::TooLong(_)));
        let nested = format!("{{ {}$.a = 1{} }}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert_eq!(err(&nested).kind, PatternErrorKind::TooDeep);
        let ok = format!("{{ {}$.a = 1{} }}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(m(&ok, &json!({"a": 1})));
        let long_selector = format!("{{ $.{} = 1 }}", vec!["k"; 100].join("."));
        assert_eq!(err(&long_selector).kind, PatternErrorKind::SelectorTooLong);
        // Multi-byte characters never split, wherever the error lands.
        for p in ["{ $.é = \"ü", "{ $.a = ü€ &", "{ ü }", "{ $.a[€] = 1 }", "{ $.a = \"\\"] {
            let _ = FilterPattern::parse(p);
        }
        let stars = format!("{{ $.a = \"{}b\" }}", "*a".repeat(500));
        assert!(!m(&stars, &json!({"a": "a".repeat(2000)})));
    }
}
