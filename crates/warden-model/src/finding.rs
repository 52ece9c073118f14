//! A finding: one result of one check (or detection) on one resource.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pass,
    Fail,
    Error,
    Manual,
    Muted,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Fail, Status::Error, Status::Manual, Status::Muted, Status::Pass];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Manual => "MANUAL",
            Status::Muted => "MUTED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown status `{s}`: expected one of PASS, FAIL, ERROR, MANUAL, MUTED"))
    }
}

/// Severity, ordered from least to most severe so `>=` reads naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity `{s}`: expected critical, high, medium, low or info"))
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Resource {
    pub arn: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub account_id: String,
    /// `global` for account-wide resources (IAM, the account itself).
    pub region: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// Structured proof of a finding: the observed values, policy statements, path hops,
/// rules and events that led to it. Free-form JSON, keyed by what it shows.
pub type Evidence = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Remediation {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudformation: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable content hash of (check id, resource ARN, discriminator).
    pub id: String,
    pub check_id: String,
    pub title: String,
    pub service: String,
    pub status: Status,
    pub severity: Severity,
    pub resource: Resource,
    pub message: String,
    #[serde(default)]
    pub evidence: Evidence,
    #[serde(default)]
    pub remediation: Remediation,
    /// Framework id → requirement ids, e.g. `{"cis-aws-7.0": ["2.5"]}`.
    #[serde(default)]
    pub compliance: BTreeMap<String, Vec<String>>,
    /// Why a finding is MUTED: the mutelist rule or store entry that matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_by: Option<String>,
    /// When this finding was seen before, where a scan history is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<FindingHistory>,
}

/// A finding's place in the scan history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FindingHistory {
    pub first_seen: chrono::DateTime<chrono::Utc>,
    pub last_seen: chrono::DateTime<chrono::Utc>,
    /// Not present (with this status) in the previous scan of the same scope.
    pub new: bool,
}

impl Finding {
    /// The stable id of a finding: the same estate yields the same id on every run.
    pub fn stable_id(check_id: &str, resource_arn: &str, discriminator: &str) -> String {
        let mut h = Sha256::new();
        for part in [check_id, resource_arn, discriminator] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        hex::encode(h.finalize().get(..16).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = Finding::stable_id("c", "arn:x", "");
        assert_eq!(a, Finding::stable_id("c", "arn:x", ""));
        assert_eq!(a.len(), 32);
        assert_ne!(a, Finding::stable_id("c", "arn:x", "22"));
        // The separator keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(Finding::stable_id("ab", "c", ""), Finding::stable_id("a", "bc", ""));
    }

    #[test]
    fn parse_status_and_severity() {
        assert_eq!("fail".parse::<Status>().unwrap(), Status::Fail);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("bad".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::Low);
    }
}
