//! Amazon DynamoDB tables in one region: encryption, point-in-time recovery, deletion
//! protection and the table's resource policy.

use super::PolicyDocument;
use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DynamoDb {
    #[serde(default)]
    pub tables: Observed<Vec<Table>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Table {
    pub name: String,
    pub arn: String,
    /// Server-side encryption (`DescribeTable`).
    #[serde(default)]
    pub encryption: Observed<TableEncryption>,
    #[serde(default)]
    pub deletion_protection: Observed<bool>,
    /// Point-in-time recovery (`DescribeContinuousBackups`).
    #[serde(default)]
    pub point_in_time_recovery: Observed<bool>,
    /// `GetResourcePolicy`; `None` when the table has none.
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TableEncryption {
    /// `AWS_OWNED` (the default: a key DynamoDB owns) or `KMS` (the `aws/dynamodb` key or
    /// a customer-managed key, named by `kms_key_arn`).
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
}
