//! Policy variables (IAM User Guide, "IAM policy elements: Variables and tags"):
//! `${aws:username}`, defaults `${aws:PrincipalTag/team, 'none'}`, and the escapes
//! `${*}`, `${?}`, `${$}` for a literal `*`, `?`, `$`. Variables are only recognised in
//! policies with `Version: 2012-10-17`; in older ones the text is literal.
//!
//! A substituted value is literal: a `*` inside a tag value is not a wildcard.

use crate::context::{Context, ContextValue};
use crate::wildcard::{self, Tok};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Policy text: `*` and `?` are wildcards where the operator allows them.
    Text(String),
    /// From an escape: always literal.
    Literal(String),
    Var {
        key_lc: String,
        default: Option<String>,
    },
}

/// A string with variables, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    /// The parts as tokens, computed once: text and escapes compiled, variables left to
    /// resolve per request.
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Toks(Vec<Tok>),
    /// Index into `parts` of a [`Part::Var`].
    Var(usize),
}

impl Template {
    /// Parses `s`; returns `None` when it holds no variable or escape.
    pub fn parse(s: &str) -> Option<Template> {
        if !s.contains("${") {
            return None;
        }
        let mut parts = Vec::new();
        let mut rest = s;
        let mut text = String::new();
        while let Some(start) = rest.find("${") {
            let (before, after) = rest.split_at(start);
            text.push_str(before);
            let inner_and_more = after.get(2..).unwrap_or_default();
            let Some(end) = inner_and_more.find('}') else {
                text.push_str(after);
                rest = "";
                break;
            };
            let inner = inner_and_more.get(..end).unwrap_or_default();
            rest = inner_and_more.get(end + 1..).unwrap_or_default();
            let part = match inner.trim() {
                "*" => Part::Literal("*".into()),
                "?" => Part::Literal("?".into()),
                "$" => Part::Literal("$".into()),
                other => match other.split_once(',') {
                    Some((k, d)) => {
                        let d = d.trim();
                        let d = d.strip_prefix('\'').and_then(|d| d.strip_suffix('\'')).unwrap_or(d);
                        Part::Var { key_lc: k.trim().to_ascii_lowercase(), default: Some(d.to_owned()) }
                    }
                    None => Part::Var { key_lc: other.to_ascii_lowercase(), default: None },
                },
            };
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(part);
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        let pieces = parts
            .iter()
            .enumerate()
            .map(|(i, p)| match p {
                Part::Text(t) => Piece::Toks(wildcard::compile(t)),
                Part::Literal(t) => {
                    let mut toks = Vec::new();
                    wildcard::push_literal(&mut toks, t);
                    Piece::Toks(toks)
                }
                Part::Var { .. } => Piece::Var(i),
            })
            .collect();
        Some(Template { parts, pieces })
    }

    /// Variable names used (lowercased), for lint.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { key_lc, .. } => Some(key_lc.as_str()),
            _ => None,
        })
    }

    fn value<'c>(key_lc: &str, default: &'c Option<String>, ctx: &'c Context) -> Option<&'c str> {
        match ctx.get_lc(key_lc) {
            Some(ContextValue::Single(v)) => Some(v.as_str()),
            // A multivalued key cannot be substituted into one string.
            _ => default.as_deref(),
        }
    }

    /// Resolves to tokens (policy text keeps wildcards); `None` when a variable has no
    /// value and no default.
    pub fn resolve_tokens(&self, ctx: &Context) -> Option<Vec<Tok>> {
        let mut out = Vec::new();
        self.resolve_tokens_into(ctx, &mut out).then_some(out)
    }

    /// [`Template::resolve_tokens`] into a reused buffer (cleared first); false when a
    /// variable has no value and no default.
    pub(crate) fn resolve_tokens_into(&self, ctx: &Context, out: &mut Vec<Tok>) -> bool {
        out.clear();
        // Room for the fixed parts and ordinary variable values: one allocation, not a
        // doubling series.
        let fixed: usize = self.pieces.iter().map(|p| if let Piece::Toks(t) = p { t.len() } else { 0 }).sum();
        out.reserve(fixed + 32);
        for piece in &self.pieces {
            match piece {
                Piece::Toks(t) => out.extend_from_slice(t),
                Piece::Var(i) => match self.parts.get(*i) {
                    Some(Part::Var { key_lc, default }) => match Self::value(key_lc, default, ctx) {
                        Some(v) => wildcard::push_literal(out, v),
                        None => return false,
                    },
                    _ => return false,
                },
            }
        }
        true
    }

    /// Whether every variable has a value or a default (what
    /// [`Template::resolve_string`] returning `Some` means), without building the string.
    pub(crate) fn resolvable(&self, ctx: &Context) -> bool {
        self.parts.iter().all(|p| match p {
            Part::Var { key_lc, default } => Self::value(key_lc, default, ctx).is_some(),
            _ => true,
        })
    }

    /// Tokens with every variable read as a `*` wildcard: what the entry could match
    /// whatever the variables' values.
    pub fn wildcard_tokens(&self) -> Vec<Tok> {
        let mut out = Vec::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => wildcard::push_pattern(&mut out, t),
                Part::Literal(t) => wildcard::push_literal(&mut out, t),
                Part::Var { .. } => out.push(Tok::Star),
            }
        }
        out
    }

    /// Resolves to a plain string (for exact-match operators).
    pub fn resolve_string(&self, ctx: &Context) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) | Part::Literal(t) => out.push_str(t),
                Part::Var { key_lc, default } => out.push_str(Self::value(key_lc, default, ctx)?),
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_and_escapes() {
        let t = Template::parse("a/${aws:PrincipalTag/team, 'x'}/${*}${?}${$}/${aws:username}").unwrap();
        let ctx = Context::new().with("aws:username", "bob");
        assert_eq!(t.resolve_string(&ctx).unwrap(), "a/x/*?$/bob");
        let ctx = Context::new().with("AWS:PrincipalTag/Team", "blue");
        assert_eq!(t.resolve_string(&ctx), None);
        assert!(Template::parse("plain").is_none());
        let t = Template::parse("${aws:username}*").unwrap();
        let toks = t.resolve_tokens(&Context::new().with("aws:username", "a*")).unwrap();
        assert!(crate::wildcard::matches(&toks, "a*zzz"));
        assert!(!crate::wildcard::matches(&toks, "abzzz"));
    }
}
