use super::{PolicyDocument, Tags};
use crate::Observed;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3 {
    #[serde(default)]
    pub buckets: Observed<Vec<Bucket>>,
    /// Account-level Block Public Access; `None` when never configured.
    #[serde(default)]
    pub account_public_access_block: Observed<Option<PublicAccessBlock>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PublicAccessBlock {
    #[serde(default)]
    pub block_public_acls: bool,
    #[serde(default)]
    pub ignore_public_acls: bool,
    #[serde(default)]
    pub block_public_policy: bool,
    #[serde(default)]
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub fn all_enabled(&self) -> bool {
        self.block_public_acls && self.ignore_public_acls && self.block_public_policy && self.restrict_public_buckets
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Bucket {
    pub name: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    /// `None` when the bucket has no policy.
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
    #[serde(default)]
    pub acl: Observed<Acl>,
    #[serde(default)]
    pub public_access_block: Observed<Option<PublicAccessBlock>>,
    /// `None` when no default encryption is configured (pre-2023 buckets).
    #[serde(default)]
    pub encryption: Observed<Option<BucketEncryption>>,
    #[serde(default)]
    pub versioning: Observed<Versioning>,
    /// `None` when server access logging is off.
    #[serde(default)]
    pub logging: Observed<Option<BucketLogging>>,
    #[serde(default)]
    pub object_lock: Observed<Option<ObjectLock>>,
    #[serde(default)]
    pub lifecycle_rules: Observed<Vec<LifecycleRule>>,
    #[serde(default)]
    pub tags: Observed<Tags>,
}

impl Bucket {
    pub fn arn(&self, partition: &str) -> String {
        format!("arn:{partition}:s3:::{}", self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Acl {
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Grant {
    /// Canonical user id, email, or group URI (e.g. `http://acs.amazonaws.com/groups/global/AllUsers`).
    pub grantee: String,
    /// `FULL_CONTROL`, `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`.
    pub permission: String,
}

impl Grant {
    pub const ALL_USERS: &'static str = "http://acs.amazonaws.com/groups/global/AllUsers";
    pub const AUTHENTICATED_USERS: &'static str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BucketEncryption {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub bucket_key_enabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Versioning {
    /// `Enabled`, `Suspended`, or `None` when never enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default)]
    pub mfa_delete: bool,
}

impl Versioning {
    pub fn enabled(&self) -> bool {
        self.status.as_deref() == Some("Enabled")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BucketLogging {
    pub target_bucket: String,
    #[serde(default)]
    pub target_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectLock {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LifecycleRule {
    pub id: String,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition_days: Option<u32>,
}
