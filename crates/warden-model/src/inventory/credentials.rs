//! Stored credentials in one region: Secrets Manager secrets and ACM certificates.

use super::PolicyDocument;
use crate::Observed;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// AWS Secrets Manager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretsManager {
    #[serde(default)]
    pub secrets: Observed<Vec<Secret>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Secret {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub rotation_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<DateTime<Utc>>,
    /// The secret's resource policy (`GetResourcePolicy`); `None` when it has none.
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
}

/// AWS Certificate Manager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Acm {
    #[serde(default)]
    pub certificates: Observed<Vec<Certificate>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Certificate {
    pub arn: String,
    #[serde(default)]
    pub domain_name: String,
    /// `ISSUED`, `EXPIRED`, `PENDING_VALIDATION`, `REVOKED`, ….
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
    #[serde(default)]
    pub in_use: bool,
}
