use super::{CloudFront, Iam, Region, S3};
use crate::Observed;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Account {
    pub id: String,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    #[serde(default = "default_partition")]
    pub partition: String,
    /// A display name (from Organizations or configuration), not read from IAM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub alias: Observed<Option<String>>,
    /// Regions enabled for the account and scanned.
    #[serde(default)]
    pub regions_in_use: Vec<String>,
    #[serde(default)]
    pub contacts: Observed<Contacts>,
    /// `None` when the account has no custom password policy.
    #[serde(default)]
    pub password_policy: Observed<Option<PasswordPolicy>>,
    #[serde(default)]
    pub credential_report: Observed<Vec<CredentialReportRow>>,
    /// `GetAccountSummary`: quota and usage counters, e.g. `AccountMFAEnabled`.
    #[serde(default)]
    pub summary: Observed<BTreeMap<String, i64>>,
    #[serde(default)]
    pub iam: Iam,
    #[serde(default)]
    pub s3: S3,
    /// CloudFront is global: read once per account.
    #[serde(default)]
    pub cloudfront: CloudFront,
    #[serde(default)]
    pub regions: Vec<Region>,
}

fn default_partition() -> String {
    "aws".to_owned()
}

impl Account {
    pub fn arn_prefix(&self) -> String {
        format!("arn:{}", self.partition)
    }

    /// The ARN Warden uses for the account itself.
    pub fn arn(&self) -> String {
        format!("arn:{}:iam::{}:root", self.partition, self.id)
    }

    pub fn region(&self, name: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.name == name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Contacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Contact>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Contact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub title: String,
}

/// `GetAccountPasswordPolicy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PasswordPolicy {
    #[serde(default)]
    pub minimum_password_length: u32,
    #[serde(default)]
    pub require_symbols: bool,
    #[serde(default)]
    pub require_numbers: bool,
    #[serde(default)]
    pub require_uppercase: bool,
    #[serde(default)]
    pub require_lowercase: bool,
    #[serde(default)]
    pub allow_users_to_change_password: bool,
    #[serde(default)]
    pub expire_passwords: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<u32>,
    /// How many previous passwords cannot be reused; `None` when reuse is not prevented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<u32>,
    #[serde(default)]
    pub hard_expiry: bool,
}

/// One row of the IAM credential report. `user` is `<root_account>` for the root user.
/// Dates are `None` where the report says `N/A`, `not_supported` or `no_information`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CredentialReportRow {
    pub user: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_creation_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub password_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_last_changed: Option<DateTime<Utc>>,
    #[serde(default)]
    pub mfa_active: bool,
    #[serde(default)]
    pub access_key_1: CredentialReportKey,
    #[serde(default)]
    pub access_key_2: CredentialReportKey,
    #[serde(default)]
    pub cert_1_active: bool,
    #[serde(default)]
    pub cert_2_active: bool,
}

impl CredentialReportRow {
    pub const ROOT: &'static str = "<root_account>";

    pub fn is_root(&self) -> bool {
        self.user == Self::ROOT
    }

    pub fn keys(&self) -> [(&'static str, &CredentialReportKey); 2] {
        [("access_key_1", &self.access_key_1), ("access_key_2", &self.access_key_2)]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CredentialReportKey {
    #[serde(default)]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_service: Option<String>,
}
