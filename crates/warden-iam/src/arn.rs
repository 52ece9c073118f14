//! ARNs: parsing, and the segment-wise matching IAM uses for `Resource` and the `Arn*`
//! condition operators ("each of the six colon-delimited components of the ARN is
//! checked separately", IAM User Guide, condition operators, ARN condition operators).

use crate::wildcard::{self, Glob, Tok};

/// A parsed ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the fifth colon (may itself contain `:` and `/`).
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(s: &'a str) -> Option<Arn<'a>> {
        SplitArn::new(s).arn()
    }
}

/// The account id of an ARN, or of a bare 12-digit account id.
pub fn account_of(s: &str) -> Option<&str> {
    if is_account_id(s) {
        return Some(s);
    }
    Arn::parse(s).map(|a| a.account).filter(|a| !a.is_empty())
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Splits compiled tokens into at most six segments on literal `:` (no allocation).
fn segments(toks: &[Tok]) -> ([&[Tok]; 6], usize) {
    let mut out: [&[Tok]; 6] = [&[]; 6];
    let mut n = 0usize;
    let mut start = 0usize;
    for (i, t) in toks.iter().enumerate() {
        if n == 5 {
            break;
        }
        if *t == Tok::Ch(':') {
            out[n] = toks.get(start..i).unwrap_or_default();
            n += 1;
            start = i + 1;
        }
    }
    out[n] = toks.get(start..).unwrap_or_default();
    (out, n + 1)
}

/// Splits a value into at most six `:`-separated segments (no allocation): the same
/// segments as `v.splitn(6, ':')`, found with one pass over the bytes.
fn split6(v: &str) -> ([&str; 6], usize) {
    let mut out: [&str; 6] = [""; 6];
    let mut n = 0usize;
    let mut start = 0usize;
    for (i, b) in v.bytes().enumerate() {
        if b != b':' {
            continue;
        }
        if let Some(slot) = out.get_mut(n) {
            *slot = v.get(start..i).unwrap_or_default();
        }
        n += 1;
        start = i + 1;
        if n == 5 {
            break;
        }
    }
    if let Some(slot) = out.get_mut(n) {
        *slot = v.get(start..).unwrap_or_default();
    }
    (out, n + 1)
}

fn all_segments_match(p: &[&[Tok]], v: &[&str]) -> bool {
    p.iter().zip(v.iter()).all(|(p, v)| wildcard::matches(p, v))
}

/// How a `Resource` ARN with fewer than six segments (e.g. `arn:aws:iam::111122223333*`)
/// is treated. AWS does not document this; Warden follows the behaviour the independent
/// simulator iam-simulate encodes per policy type: identity, boundary and session
/// policies pad missing segments with `*`; resource policies pad when the pattern holds a
/// `*` and otherwise match nothing; SCPs pad when the last segment ends in `*` and
/// otherwise reject the entry; RCPs reject every short ARN. A rejected entry makes its
/// whole `Resource`/`NotResource` element inapplicable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortArn {
    Expand,
    ExpandIfWildcard,
    ExpandIfTrailingWildcard,
    Reject,
}

/// Matches a `Resource` pattern against a request's resource, segment-wise, with the
/// short-ARN rule of the policy type. `None` when the entry is rejected.
pub fn matches_resource(pattern: &[Tok], value: &str, short: ShortArn) -> Option<bool> {
    matches_resource_split(pattern, &SplitArn::new(value), short)
}

/// [`matches_resource`] on a value split once per request.
pub(crate) fn matches_resource_split(pattern: &[Tok], value: &SplitArn<'_>, short: ShortArn) -> Option<bool> {
    if pattern == [Tok::Star] {
        return Some(true);
    }
    let (psegs, pn) = segments(pattern);
    let is_arn = psegs[0] == [Tok::Ch('a'), Tok::Ch('r'), Tok::Ch('n')];
    if pn >= 6 || !is_arn {
        return Some(if pn != 6 || value.n != 6 {
            pn == value.n && wildcard::matches(pattern, value.text)
        } else {
            all_segments_match(&psegs, &value.segs)
        });
    }
    match short {
        ShortArn::Expand => {}
        ShortArn::ExpandIfWildcard if pattern.contains(&Tok::Star) => {}
        ShortArn::ExpandIfWildcard => return Some(false),
        ShortArn::ExpandIfTrailingWildcard if psegs[pn - 1].last() == Some(&Tok::Star) => {}
        ShortArn::ExpandIfTrailingWildcard | ShortArn::Reject => return None,
    }
    let m = value.n == 6 && all_segments_match(&psegs[..pn], &value.segs[..pn]);
    // A padded short ARN that does not match proves nothing about the request.
    if m { Some(true) } else { None }
}

/// A value (request resource, context ARN) split once into at most six `:` segments, so
/// that many patterns can be matched without splitting it again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitArn<'a> {
    pub(crate) text: &'a str,
    segs: [&'a str; 6],
    n: usize,
}

impl<'a> SplitArn<'a> {
    pub(crate) fn new(text: &'a str) -> SplitArn<'a> {
        let (segs, n) = split6(text);
        SplitArn { text, segs, n }
    }

    /// The same as [`Arn::parse`] on the text.
    pub(crate) fn arn(&self) -> Option<Arn<'a>> {
        let [head, partition, service, region, account, resource] = self.segs;
        (self.n == 6 && head == "arn").then_some(Arn { partition, service, region, account, resource })
    }
}

/// A pattern compiled once for segment-wise matching (`Resource` entries without
/// variables, `Arn*` condition values): the same answers as [`matches_resource`] and
/// [`matches`] on its tokens, with each segment a [`Glob`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnPattern {
    star: bool,
    is_arn: bool,
    has_star: bool,
    trailing_star: bool,
    segs: Vec<Glob>,
    whole: Glob,
    pn: usize,
}

impl ArnPattern {
    pub(crate) fn new(pattern: &[Tok]) -> ArnPattern {
        let (psegs, pn) = segments(pattern);
        ArnPattern {
            star: pattern == [Tok::Star],
            is_arn: psegs[0] == [Tok::Ch('a'), Tok::Ch('r'), Tok::Ch('n')],
            has_star: pattern.contains(&Tok::Star),
            trailing_star: psegs.get(pn.wrapping_sub(1)).and_then(|s| s.last()) == Some(&Tok::Star),
            segs: psegs.iter().take(pn).map(|s| Glob::new(s)).collect(),
            whole: Glob::new(pattern),
            pn,
        }
    }

    fn segments_match(&self, value: &SplitArn<'_>) -> bool {
        self.segs.iter().zip(value.segs.iter()).all(|(p, v)| p.matches(v))
    }

    /// As [`matches`].
    pub(crate) fn matches(&self, value: &SplitArn<'_>) -> bool {
        if self.star {
            return true;
        }
        let pn = self.pn;
        if pn != 6 || value.n != 6 {
            return pn == value.n && self.whole.matches(value.text);
        }
        self.segments_match(value)
    }

    /// As [`matches_resource`].
    pub(crate) fn matches_resource(&self, value: &SplitArn<'_>, short: ShortArn) -> Option<bool> {
        if self.star {
            return Some(true);
        }
        if self.pn >= 6 || !self.is_arn {
            return Some(self.matches(value));
        }
        match short {
            ShortArn::Expand => {}
            ShortArn::ExpandIfWildcard if self.has_star => {}
            ShortArn::ExpandIfWildcard => return Some(false),
            ShortArn::ExpandIfTrailingWildcard if self.trailing_star => {}
            ShortArn::ExpandIfTrailingWildcard | ShortArn::Reject => return None,
        }
        // A padded short ARN that does not match proves nothing about the request.
        if value.n == 6 && self.segments_match(value) { Some(true) } else { None }
    }
}

/// True when `value` is certainly outside `pattern` whatever its unresolved parts
/// (already read as `*`): partition, service, region, account, or the literal
/// resource-type prefix (`role/`, `table/`, `function:` …) differ.
pub fn outside(pattern: &[Tok], value: &str) -> bool {
    let (psegs, pn) = segments(pattern);
    let (vsegs, vn) = split6(value);
    if pn != 6 || vn != 6 {
        return false;
    }
    for (p, v) in psegs.iter().zip(vsegs.iter()).take(5) {
        if !wildcard::matches(p, v) {
            return true;
        }
    }
    let (Some(res), Some(vres)) = (psegs.get(5), vsegs.get(5)) else { return false };
    // S3 bucket and object ARNs have no resource-type prefix.
    if vsegs.get(2) == Some(&"s3") && vsegs.get(3) == Some(&"") && vsegs.get(4) == Some(&"") {
        return false;
    }
    let Some(cut) = res.iter().position(|t| *t == Tok::Ch('/') || *t == Tok::Ch(':')) else { return false };
    let product = res.get(..=cut).unwrap_or_default();
    if !wildcard::is_literal(product) {
        return false;
    }
    let literal: String = product.iter().filter_map(|t| if let Tok::Ch(c) = t { Some(*c) } else { None }).collect();
    !vres.starts_with(&literal)
}

/// Matches an ARN pattern (compiled, wildcards active) against a value, segment by
/// segment. A lone `*` pattern matches anything; values that are not six-part ARNs are
/// compared as whole strings.
pub fn matches(pattern: &[Tok], value: &str) -> bool {
    if pattern == [Tok::Star] {
        return true;
    }
    let (psegs, pn) = segments(pattern);
    let (vsegs, vn) = split6(value);
    if pn != 6 || vn != 6 {
        return pn == vn && wildcard::matches(pattern, value);
    }
    all_segments_match(&psegs, &vsegs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wildcard::compile;

    #[test]
    fn segment_wise() {
        let m = |p: &str, v: &str| matches(&compile(p), v);
        assert!(m("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y"));
        assert!(m("arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/a/b"));
        // `*` does not cross `:` between the first five segments.
        assert!(!m("arn:aws:*:b", "arn:aws:s3:::b"));
        // but does in the resource part.
        assert!(m("arn:aws:logs:*:*:log-group:*", "arn:aws:logs:us-east-1:1:log-group:a:log-stream:b"));
        assert!(m("*", "anything"));
        assert!(!m("arn:aws:s3:::B", "arn:aws:s3:::b"));
    }

    #[test]
    fn compiled_patterns_agree_with_tokens() {
        let patterns = [
            "*",
            "arn:aws:s3:::b/*",
            "arn:aws:iam::*:*",
            "arn:aws:iam::111122223333*",
            "arn:aws:iam::1111:role",
            "arn:aws:*:b",
            "arn",
            "arn:aws",
            "x:y",
            "a:b:c:d:e:f",
            "arn:aws:s3:::?",
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:iam::*",
            "arn:*:iam::*:role/a?",
        ];
        let values = [
            "arn:aws:s3:::b/x/y",
            "arn:aws:s3:::b",
            "arn:aws:iam::111122223333:role/a1",
            "arn:aws:iam::1111:role",
            "a:b:c:d:e:f",
            "x:y",
            "arn",
            "",
            "arn:aws:logs:us-east-1:1:log-group:a:log-stream:b",
            "arn:aws:s3:::c",
        ];
        let shorts =
            [ShortArn::Expand, ShortArn::ExpandIfWildcard, ShortArn::ExpandIfTrailingWildcard, ShortArn::Reject];
        for p in patterns {
            let toks = compile(p);
            let c = ArnPattern::new(&toks);
            for v in values {
                let sv = SplitArn::new(v);
                assert_eq!(c.matches(&sv), matches(&toks, v), "`{p}` ~ `{v}`");
                assert_eq!(sv.arn(), Arn::parse(v), "`{v}`");
                for short in shorts {
                    assert_eq!(c.matches_resource(&sv, short), matches_resource(&toks, v, short), "`{p}` ~ `{v}`");
                }
            }
        }
    }

    #[test]
    fn parse() {
        let a = Arn::parse("arn:aws:sts::111122223333:assumed-role/R/s").unwrap();
        assert_eq!(a.account, "111122223333");
        assert_eq!(a.resource, "assumed-role/R/s");
        assert_eq!(account_of("111122223333"), Some("111122223333"));
        assert!(Arn::parse("arn:aws:s3").is_none());
        for v in ["", ":", "a:b", "arn:::::", "arn:a:b:c:d:e:f:g", "x:a:b:c:d:e", "ü:ß:::::"] {
            let (segs, n) = split6(v);
            let want: Vec<&str> = v.splitn(6, ':').collect();
            assert_eq!(&segs[..n], want.as_slice(), "`{v}`");
        }
    }
}
