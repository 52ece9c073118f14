//! A framework's requirements judged from findings (computed by `warden-checks`).

use crate::Status;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RequirementResult {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub checks: Vec<String>,
    /// Ids of the findings behind the status.
    pub finding_ids: Vec<String>,
    /// Counts of those findings by status.
    pub counts: BTreeMap<Status, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    /// Why the status is what it is, in a sentence.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ComplianceReport {
    pub framework: String,
    pub name: String,
    pub version: String,
    pub requirements: Vec<RequirementResult>,
    /// Percentage of automated requirements that pass (MANUAL and ERROR excluded from
    /// the denominator only when nothing could be decided).
    pub score: f64,
}
