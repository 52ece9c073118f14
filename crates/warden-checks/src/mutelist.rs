//! The mutelist: accepted risks, as a YAML file of rules. A finding matched by a live
//! rule becomes MUTED and names the rule; rules past their expiry are reported and
//! ignored, so an acceptance cannot quietly outlive its review date.
//!
//! ```yaml
//! mutes:
//!   - reason: sandbox account, reviewed by security 2026-10
//!     checks: ["s3_*"]                 # globs over check ids (default: all)
//!     accounts: ["444455556666"]       # default: all
//!     regions: ["eu-west-1"]           # default: all
//!     resources: ["arn:aws:s3:::tmp-*"] # globs over resource ARNs (default: all)
//!     tags: {env: sandbox}             # every tag must match (values are globs)
//!     expires: 2027-01-31              # optional
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use warden_model::{Finding, Status, glob};

const MAX_MUTELIST_BYTES: u64 = 16 << 20;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mutelist {
    #[serde(skip)]
    source: String,
    mutes: Vec<MuteRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MuteRule {
    reason: String,
    #[serde(default)]
    checks: Vec<String>,
    #[serde(default)]
    accounts: Vec<String>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    expires: Option<NaiveDate>,
}

#[derive(Debug, thiserror::Error)]
pub enum MutelistError {
    #[error("mutelist `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("mutelist `{path}` is larger than 16 MiB")]
    TooLarge { path: PathBuf },
    #[error("mutelist `{path}`: {detail}")]
    Parse { path: PathBuf, detail: String },
}

/// What applying a mutelist did.
#[derive(Debug, Default)]
pub struct MutelistOutcome {
    pub muted: usize,
    /// One line per expired rule, e.g. "rule 3 (`reason`) expired on 2026-01-01".
    pub expired: Vec<String>,
}

fn any_glob(patterns: &[String], value: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| glob::matches(p, value))
}

impl MuteRule {
    fn matches(&self, f: &Finding) -> bool {
        any_glob(&self.checks, &f.check_id)
            && any_glob(&self.accounts, &f.resource.account_id)
            && any_glob(&self.regions, &f.resource.region)
            && any_glob(&self.resources, &f.resource.arn)
            && self.tags.iter().all(|(k, v)| f.resource.tags.get(k).is_some_and(|tv| glob::matches(v, tv)))
    }
}

impl Mutelist {
    pub fn read(path: &Path) -> Result<Mutelist, MutelistError> {
        use std::io::Read;
        let io = |source| MutelistError::Io { path: path.to_owned(), source };
        let mut text = String::new();
        std::fs::File::open(path).map_err(io)?.take(MAX_MUTELIST_BYTES + 1).read_to_string(&mut text).map_err(io)?;
        if text.len() as u64 > MAX_MUTELIST_BYTES {
            return Err(MutelistError::TooLarge { path: path.to_owned() });
        }
        Self::parse(&path.display().to_string(), &text)
            .map_err(|detail| MutelistError::Parse { path: path.to_owned(), detail })
    }

    /// Parses mutelist YAML; `source` names it in MUTED findings.
    pub fn parse(source: &str, text: &str) -> Result<Mutelist, String> {
        let mut list: Mutelist = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        for (i, rule) in list.mutes.iter().enumerate() {
            if rule.reason.trim().is_empty() {
                return Err(format!("rule {}: `reason` must say why the risk is accepted", i + 1));
            }
        }
        list.source = source.to_owned();
        Ok(list)
    }

    /// Mutes the non-passing findings that a live rule matches, as of `now`.
    pub fn apply(&self, findings: &mut [Finding], now: DateTime<Utc>) -> MutelistOutcome {
        let today = now.date_naive();
        let mut outcome = MutelistOutcome::default();
        let mut live = Vec::new();
        for (i, rule) in self.mutes.iter().enumerate() {
            match rule.expires {
                Some(day) if day < today => outcome.expired.push(format!(
                    "mutelist `{}` rule {} (`{}`) expired on {day} and was ignored",
                    self.source,
                    i + 1,
                    rule.reason
                )),
                _ => live.push((i, rule)),
            }
        }
        for f in findings.iter_mut().filter(|f| f.status != Status::Pass) {
            if let Some((i, rule)) = live.iter().find(|(_, r)| r.matches(f)) {
                f.status = Status::Muted;
                f.muted_by = Some(format!("mutelist `{}` rule {}: {}", self.source, i + 1, rule.reason));
                outcome.muted += 1;
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_model::{Resource, Severity};

    fn finding(check: &str, arn: &str, tags: &[(&str, &str)]) -> Finding {
        Finding {
            id: Finding::stable_id(check, arn, ""),
            check_id: check.into(),
            title: String::new(),
            service: String::new(),
            status: Status::Fail,
            severity: Severity::High,
            resource: Resource {
                arn: arn.into(),
                kind: "AwsS3Bucket".into(),
                account_id: "111122223333".into(),
                region: "eu-west-1".into(),
                tags: tags.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
            },
            message: String::new(),
            evidence: Default::default(),
            remediation: Default::default(),
            compliance: Default::default(),
            muted_by: None,
            history: None,
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-06-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn matching_rule_mutes_and_names_itself() {
        let ml = Mutelist::parse(
            "m.yaml",
            "mutes:\n  - reason: sandbox\n    checks: [\"s3_*\"]\n    resources: [\"arn:aws:s3:::tmp-*\"]\n",
        )
        .unwrap();
        let mut fs = vec![
            finding("s3_bucket_versioning", "arn:aws:s3:::tmp-1", &[]),
            finding("s3_bucket_versioning", "arn:aws:s3:::prod", &[]),
            finding("iam_root_mfa_enabled", "arn:aws:s3:::tmp-1", &[]),
        ];
        let out = ml.apply(&mut fs, now());
        assert_eq!(out.muted, 1);
        assert_eq!(fs[0].status, Status::Muted);
        assert!(fs[0].muted_by.as_deref().unwrap().contains("rule 1: sandbox"));
        assert_eq!(fs[1].status, Status::Fail);
        assert_eq!(fs[2].status, Status::Fail);
    }

    #[test]
    fn tags_must_all_match() {
        let ml = Mutelist::parse("m", "mutes:\n  - reason: r\n    tags: {env: sand*, team: data}\n").unwrap();
        let mut fs =
            vec![finding("c", "a", &[("env", "sandbox"), ("team", "data")]), finding("c", "b", &[("env", "sandbox")])];
        assert_eq!(ml.apply(&mut fs, now()).muted, 1);
        assert_eq!(fs[1].status, Status::Fail);
    }

    #[test]
    fn expired_rules_are_reported_and_ignored() {
        let ml = Mutelist::parse("m", "mutes:\n  - reason: old\n    expires: 2026-05-31\n").unwrap();
        let mut fs = vec![finding("c", "a", &[])];
        let out = ml.apply(&mut fs, now());
        assert_eq!(out.muted, 0);
        assert_eq!(out.expired.len(), 1);
        assert!(out.expired[0].contains("expired on 2026-05-31"));
        let ml = Mutelist::parse("m", "mutes:\n  - reason: today\n    expires: 2026-06-01\n").unwrap();
        assert_eq!(ml.apply(&mut fs, now()).muted, 1);
    }

    #[test]
    fn bad_files_are_errors() {
        assert!(Mutelist::parse("m", "mutes:\n  - checks: [x]\n").unwrap_err().contains("reason"));
        assert!(Mutelist::parse("m", "mutes:\n  - reason: \" \"\n").unwrap_err().contains("reason"));
        assert!(Mutelist::parse("m", "mutes:\n  - reason: r\n    bogus: 1\n").is_err());
        assert!(Mutelist::parse("m", "mutes:\n  - reason: r\n    expires: soon\n").is_err());
    }
}
