use super::PolicyDocument;
use crate::Observed;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Kms {
    #[serde(default)]
    pub keys: Observed<Vec<KmsKey>>,
    #[serde(default)]
    pub aliases: Observed<Vec<KmsAlias>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KmsKey {
    pub id: String,
    pub arn: String,
    /// `CUSTOMER` or `AWS`.
    pub manager: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `Unavailable`, ….
    pub state: String,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`, ….
    #[serde(default = "symmetric")]
    pub spec: String,
    /// `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`, ….
    #[serde(default = "encrypt_decrypt")]
    pub usage: String,
    /// `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    #[serde(default = "aws_kms")]
    pub origin: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub multi_region: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<DateTime<Utc>>,
    /// Only readable for customer-managed symmetric keys.
    #[serde(default)]
    pub rotation_enabled: Observed<bool>,
    #[serde(default)]
    pub policy: Observed<PolicyDocument>,
}

fn symmetric() -> String {
    "SYMMETRIC_DEFAULT".to_owned()
}
fn encrypt_decrypt() -> String {
    "ENCRYPT_DECRYPT".to_owned()
}
fn aws_kms() -> String {
    "AWS_KMS".to_owned()
}

impl KmsKey {
    pub fn is_customer_managed(&self) -> bool {
        self.manager == "CUSTOMER"
    }

    /// Rotation is supported for symmetric encryption keys with key material from KMS.
    pub fn supports_rotation(&self) -> bool {
        self.spec == "SYMMETRIC_DEFAULT" && self.origin == "AWS_KMS" && self.usage == "ENCRYPT_DECRYPT"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KmsAlias {
    pub name: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_key_id: Option<String>,
}
