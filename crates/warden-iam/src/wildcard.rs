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
    fn literal_tokens_stay_literal() {
        let mut t = Vec::new();
        push_literal(&mut t, "a*");
        assert!(matches(&t, "a*"));
        assert!(!matches(&t, "ab"));
    }
}
