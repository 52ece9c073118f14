//! AWS Backup in one region: backup plans with their rules and resource selections,
//! backup vaults, and which resource types the region lets AWS Backup manage.

use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// AWS Backup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Backup {
    /// Backup plans that are not deleted.
    #[serde(default)]
    pub plans: Observed<Vec<BackupPlan>>,
    #[serde(default)]
    pub vaults: Observed<Vec<BackupVault>>,
    /// Resource type (`RDS`, `Aurora`, `EFS`, `EBS`, `DynamoDB`, …) → whether it is opted
    /// in (`DescribeRegionSettings`). Selections by tag, by `*` or by a whole service
    /// cover only opted-in types; a selection naming the resource type covers it anyway
    /// (Aurora, Neptune and DocumentDB aside).
    #[serde(default)]
    pub opt_in: Observed<BTreeMap<String, bool>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackupPlan {
    pub id: String,
    pub arn: String,
    #[serde(default)]
    pub name: String,
    /// The rules of the plan's current version (`GetBackupPlan`).
    #[serde(default)]
    pub rules: Observed<Vec<BackupRule>>,
    /// The resource assignments (`ListBackupSelections`, then `GetBackupSelection` each);
    /// unknown when any of them could not be read.
    #[serde(default)]
    pub selections: Observed<Vec<BackupSelection>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackupRule {
    pub name: String,
    /// The vault recovery points go to.
    #[serde(default)]
    pub vault: String,
    /// A `cron(…)` or `rate(…)` expression; `None` for on-demand only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Days until recovery points are deleted; `None` keeps them forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_after_days: Option<i64>,
    #[serde(default)]
    pub continuous: bool,
}

/// One resource assignment of a plan. A resource is selected when it matches one of
/// `resources` (ARN patterns with `*`; `*` alone is every supported resource) or one of
/// `list_of_tags` (either list empty on both sides: every resource), matches every one
/// of `conditions`, and matches none of `not_resources`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackupSelection {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub iam_role_arn: String,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub not_resources: Vec<String>,
    /// Tag conditions of which one must hold (OR).
    #[serde(default)]
    pub list_of_tags: Vec<TagCondition>,
    /// Tag conditions that must all hold (AND).
    #[serde(default)]
    pub conditions: Vec<TagCondition>,
}

/// A condition on a resource tag. `key` is the tag key, without the `aws:ResourceTag/`
/// prefix the API uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TagCondition {
    pub op: TagOp,
    pub key: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TagOp {
    StringEquals,
    StringNotEquals,
    StringLike,
    StringNotLike,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackupVault {
    pub name: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key_arn: Option<String>,
    /// AWS Backup Vault Lock is configured.
    #[serde(default)]
    pub locked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_retention_days: Option<i64>,
    #[serde(default)]
    pub recovery_points: i64,
}
