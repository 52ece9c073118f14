//! Shell-style globs (`*` any run, `?` one character) for check ids, ARNs and names.
//! Matching is over characters, with `*` spanning `/` and `:`.

/// Whether `text` matches `pattern`. Case-sensitive.
pub fn matches(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, true)
}

/// Like [`matches`] with `*` the only wildcard (`?` is a literal), as in CloudWatch Logs
/// filter values.
pub fn matches_star(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, false)
}

fn wildcard(pattern: &str, text: &str, question_mark: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with single backtrack point: linear in practice, never exponential.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if (question_mark && c == '?') || Some(&c) == t.get(ti) => {
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
    p.get(pi..).is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests {
    use super::{matches, matches_star};

    #[test]
    fn globs() {
        assert!(matches_star("*Unauthorized*", "Client.UnauthorizedOperation"));
        assert!(matches("a?c", "abc") && !matches_star("a?c", "abc") && matches_star("a?c", "a?c"));
        assert!(matches("s3_*", "s3_bucket_versioning"));
        assert!(!matches("s3_*", "iam_root_mfa"));
        assert!(matches("arn:aws:s3:::logs-*", "arn:aws:s3:::logs-2024/x"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*", ""));
        assert!(matches("*a*b", "xxaxxb"));
        assert!(!matches("*a*b", "xxaxxbc"));
        assert!(matches("exact", "exact"));
    }
}
