//! Wildcard matching as IAM does it: `*` matches any run of characters (including `/`
//! and `:` unless the caller splits on segments first), `?` matches exactly one.
//!
//! Patterns are compiled to [`Tok`]s so that characters that came from a policy variable
//! or an escape (`${*}`) stay literal.

/// One compiled pattern token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Ch(char),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Compiles `pattern`, reading `*` and `?` as wildcards.
pub fn compile(pattern: &str) -> Vec<Tok> {
    let mut out = Vec::with_capacity(pattern.len());
    push_pattern(&mut out, pattern);
    out
}

/// Appends `text` with `*` and `?` as wildcards.
pub fn push_pattern(out: &mut Vec<Tok>, text: &str) {
    for c in text.chars() {
        out.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Ch(c),
        });
    }
}

/// Appends `text` literally.
pub fn push_literal(out: &mut Vec<Tok>, text: &str) {
    out.extend(text.chars().map(Tok::Ch));
}

/// True when `toks` contains no wildcard.
pub fn is_literal(toks: &[Tok]) -> bool {
    toks.iter().all(|t| matches!(t, Tok::Ch(_)))
}

/// Matches compiled `pattern` against the whole of `text` (case-sensitive).
pub fn matches(pattern: &[Tok], text: &str) -> bool {
    if text.is_ascii() {
        glob(pattern, text.as_bytes(), |c, b| c == char::from(b))
    } else {
        let chars: Vec<char> = text.chars().collect();
        glob(pattern, &chars, |c, t| c == t)
    }
}

/// Matches a pattern given as text (wildcards active) against `text`.
pub fn matches_str(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    matches(&compile(pattern), text)
}

/// A compiled pattern with fast paths for the shapes policies use most: a literal
/// (`s3:getobject`), a prefix (`s3:get*`, `data-bucket/*`), a suffix, and stars between
/// literal pieces. Only a pattern holding `?` falls back to the token matcher. Built from
/// tokens, so characters that came from a variable or an escape stay literal.
///
/// Matching on `str` pieces is exact for any UTF-8 text: a piece that is valid UTF-8 can
/// only match at character boundaries, so `*` still spans whole characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob(GlobKind);

#[derive(Debug, Clone, PartialEq, Eq)]
enum GlobKind {
    /// `*`.
    Any,
    Exact(String),
    /// `lit*`.
    Prefix(String),
    /// `*lit`.
    Suffix(String),
    /// `a*b*…*z`: at least two pieces (first and last may be empty), middle ones non-empty.
    Pieces(Vec<String>),
    /// Holds `?`.
    Toks(Vec<Tok>),
}

impl Glob {
    pub fn new(toks: &[Tok]) -> Glob {
        if toks.contains(&Tok::One) {
            return Glob(GlobKind::Toks(toks.to_vec()));
        }
        let mut pieces = vec![String::new()];
        for t in toks {
            match t {
                Tok::Ch(c) => {
                    if let Some(p) = pieces.last_mut() {
                        p.push(*c);
                    }
                }
                Tok::Star | Tok::One => pieces.push(String::new()),
            }
        }
        // `a**b` is `a*b`: empty pieces between two stars say nothing.
        let n = pieces.len();
        let mut i = 0;
        pieces.retain(|p| {
            let keep = i == 0 || i == n - 1 || !p.is_empty();
            i += 1;
            keep
        });
        let kind = match pieces.as_mut_slice() {
            [only] => GlobKind::Exact(std::mem::take(only)),
            [first, last] if first.is_empty() && last.is_empty() => GlobKind::Any,
            [first, last] if last.is_empty() => GlobKind::Prefix(std::mem::take(first)),
            [first, last] if first.is_empty() => GlobKind::Suffix(std::mem::take(last)),
            _ => GlobKind::Pieces(pieces),
        };
        Glob(kind)
    }

    /// Compiles `pattern` with `*` and `?` as wildcards.
    pub fn compile(pattern: &str) -> Glob {
        Glob::new(&compile(pattern))
    }

    pub fn is_any(&self) -> bool {
        self.0 == GlobKind::Any
    }

    /// Whether the whole of `text` matches (case-sensitive), exactly as [`matches`] on
    /// the tokens the glob was built from.
    pub fn matches(&self, text: &str) -> bool {
        match &self.0 {
            GlobKind::Any => true,
            GlobKind::Exact(s) => s == text,
            GlobKind::Prefix(p) => text.starts_with(p.as_str()),
            GlobKind::Suffix(s) => text.ends_with(s.as_str()),
            GlobKind::Pieces(p) => pieces_match(p, text),
            GlobKind::Toks(t) => matches(t, text),
        }
    }
}

fn pieces_match(pieces: &[String], text: &str) -> bool {
    let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else { return false };
    if text.len() < first.len() + last.len() || !text.starts_with(first.as_str()) || !text.ends_with(last.as_str()) {
        return false;
    }
    let Some(mut rest) = text.get(first.len()..text.len() - last.len()) else { return false };
    // Leftmost placement of each middle piece is optimal for `*`-only patterns.
    for piece in pieces.get(1..pieces.len() - 1).unwrap_or_default() {
        match rest.find(piece.as_str()) {
            Some(at) => rest = rest.get(at + piece.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    true
}

fn glob<T: Copy>(p: &[Tok], t: &[T], eq: impl Fn(char, T) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position of the last `*` seen and the text index it is currently absorbing up to.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&tc) = t.get(ti) {
        match p.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(Tok::One) => {
                pi += 1;
                ti += 1;
            }
            Some(Tok::Ch(c)) if eq(*c, tc) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while let Some(Tok::Star) = p.get(pi) {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question_mark() {
        assert!(matches_str("s3:get*", "s3:getobject"));
        assert!(matches_str("*", ""));
        assert!(matches_str("a*b*c", "aXXbYYc"));
        assert!(!matches_str("a*b*c", "aXXbYY"));
        assert!(matches_str("a?c", "abc"));
        assert!(!matches_str("a?c", "ac"));
        assert!(matches_str("b/*", "b/x/y/z"));
        assert!(matches_str("ü?", "üß"));
    }

    #[test]
    fn glob_agrees_with_tokens() {
        let patterns = [
            "",
            "*",
            "**",
            "a",
            "a*",
            "*a",
            "a*b",
            "a**b",
            "*a*",
            "a*b*c",
            "*a*b*",
            "ab*ba",
            "a?c",
            "*?",
            "ü*ß",
            "*/*",
            "s3:get*",
            "data-bucket/*",
            "a*a*a",
            "aa*aa",
        ];
        let texts = [
            "",
            "a",
            "aa",
            "aaa",
            "aaaa",
            "ab",
            "ba",
            "abc",
            "aXXbYYc",
            "abba",
            "aba",
            "üß",
            "üxß",
            "x/y",
            "/",
            "s3:getobject",
            "data-bucket/k",
        ];
        for p in patterns {
            let toks = compile(p);
            let g = Glob::new(&toks);
            for t in texts {
                assert_eq!(g.matches(t), matches(&toks, t), "pattern `{p}`, text `{t}`");
            }
        }
        let mut lit = Vec::new();
        push_literal(&mut lit, "a*");
        push_pattern(&mut lit, "*");
        let g = Glob::new(&lit);
        assert!(g.matches("a*") && g.matches("a*b") && !g.matches("ab"));
    }

    #[test]
    fn literal_tokens_stay_literal() {
        let mut t = Vec::new();
        push_literal(&mut t, "a*");
        assert!(matches(&t, "a*"));
        assert!(!matches(&t, "ab"));
    }
}

/// In a template glob, a variable that cannot span `:` (partition, service, region,
/// account): a policy `*` may cover it, but it never stands for a colon.
pub const SEGMENT_VAR: char = '\u{1}';

/// Whether some string matches both glob patterns: can a policy's `Resource` pattern
/// (`*` any run, `?` one character) name a resource of an ARN template (as made by
/// [`template_glob`])? Dynamic programming over the two patterns, O(len(a) × len(b)).
pub fn intersect(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    // ok[i][j]: the suffixes a[i..] and b[j..] share a match. Filled from the end.
    let mut ok = vec![vec![false; m + 1]; n + 1];
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            let (x, y) = (a.get(i).copied(), b.get(j).copied());
            let at =
                |ok: &Vec<Vec<bool>>, i: usize, j: usize| ok.get(i).and_then(|r| r.get(j)).copied().unwrap_or(false);
            let v = match (x, y) {
                (None, None) => true,
                // A star matches nothing, or eats one token of the other side.
                (Some('*'), _) => at(&ok, i + 1, j) || (y.is_some() && at(&ok, i, j + 1)),
                (_, Some('*')) => at(&ok, i, j + 1) || (x.is_some() && at(&ok, i + 1, j)),
                // A segment variable matches nothing, or eats one token that is not `:`.
                (_, Some(SEGMENT_VAR)) => at(&ok, i, j + 1) || (x.is_some_and(|c| c != ':') && at(&ok, i + 1, j)),
                (Some(p), Some(q)) => (p == '?' || q == '?' || p == q) && at(&ok, i + 1, j + 1),
                _ => false,
            };
            if let Some(cell) = ok.get_mut(i).and_then(|r| r.get_mut(j)) {
                *cell = v;
            }
        }
    }
    ok.first().and_then(|r| r.first()).copied().unwrap_or(false)
}

/// An ARN template of the Service Authorization Reference
/// (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) as a glob: a variable followed
/// by `:` (partition, region, account, `log-group:${Name}:…`) becomes [`SEGMENT_VAR`],
/// any other `*`. Names that cannot hold `/` (a bucket name) still become `*`: lenient,
/// so lint never warns about a resource AWS would accept.
pub fn template_glob(template: &str) -> String {
    replace_variables(template, true)
}

/// A policy resource with variables (`arn:aws:s3:::b/${aws:username}/*`) as a glob:
/// every `${…}` becomes `*`.
pub fn variables_as_star(pattern: &str) -> String {
    replace_variables(pattern, false)
}

fn replace_variables(text: &str, bounded_prefix: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        match rest.get(start..).and_then(|r| r.find('}')) {
            Some(end) => {
                let followed_by_colon = rest.get(start + end + 1..).is_some_and(|r| r.starts_with(':'));
                out.push(if bounded_prefix && followed_by_colon { SEGMENT_VAR } else { '*' });
                rest = rest.get(start + end + 1..).unwrap_or_default();
            }
            None => {
                out.push_str(rest.get(start..).unwrap_or_default());
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod intersect_tests {
    use super::{SEGMENT_VAR, intersect, template_glob, variables_as_star};

    #[test]
    fn glob_intersection() {
        let object = template_glob("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        let bucket = template_glob("arn:${Partition}:s3:::${BucketName}");
        assert_eq!(object, format!("arn:{SEGMENT_VAR}:s3:::*/*"));
        assert_eq!(variables_as_star("arn:aws:s3:::b/${aws:username}/*"), "arn:aws:s3:::b/*/*");
        let instance = template_glob("arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}");
        assert!(intersect("arn:aws:ec2:*:*:instance/*", &instance));
        assert!(intersect("arn:aws:ec2:eu-west-1:111122223333:instance/i-1", &instance));
        assert!(!intersect("arn:aws:ec2:eu-west-1:111122223333:volume/v-1", &instance));
        assert!(intersect("arn:aws:s3:::b/*", &object));
        assert!(intersect("arn:aws:s3:::b/k", &object));
        assert!(!intersect("arn:aws:s3:::b", &object), "a bucket ARN names no object");
        assert!(intersect("arn:aws:s3:::b", &bucket));
        assert!(intersect("arn:aws:s3:::b*", &object), "b* may continue with /key");
        assert!(!intersect("arn:aws:ec2:*:*:instance/*", &object));
        assert!(intersect("*", &object) && intersect("arn:aws:s3:::?/x", &object));
        assert!(!intersect("abc", "abd") && intersect("a?c", "ab*") && intersect("", "*") && !intersect("", "?"));
    }
}
