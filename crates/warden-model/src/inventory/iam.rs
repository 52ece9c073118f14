use super::{PolicyDocument, Tags};
use crate::Observed;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// IAM, account-wide. Users, groups, roles and policies come from
/// `GetAccountAuthorizationDetails` (one call gives memberships, attachments, inline
/// documents, boundaries and tags); MFA devices, access keys and login profiles need
/// a call per user and are observed per user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Iam {
    #[serde(default)]
    pub users: Observed<Vec<User>>,
    #[serde(default)]
    pub groups: Observed<Vec<Group>>,
    #[serde(default)]
    pub roles: Observed<Vec<Role>>,
    /// Customer-managed policies, and the AWS-managed ones attached in the account.
    #[serde(default)]
    pub policies: Observed<Vec<ManagedPolicy>>,
    #[serde(default)]
    pub saml_providers: Observed<Vec<SamlProvider>>,
    #[serde(default)]
    pub oidc_providers: Observed<Vec<OidcProvider>>,
    #[serde(default)]
    pub server_certificates: Observed<Vec<ServerCertificate>>,
    /// Virtual (software) MFA devices, with the user each is assigned to; the root
    /// user's shows as `arn:…:root`. A root MFA that is not listed here is hardware.
    #[serde(default)]
    pub virtual_mfa_devices: Observed<Vec<VirtualMfaDevice>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VirtualMfaDevice {
    pub serial_number: String,
    /// The ARN of the user it is assigned to; `None` when unassigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_arn: Option<String>,
}

impl Iam {
    pub fn policy(&self, arn: &str) -> Option<&ManagedPolicy> {
        self.policies.known()?.iter().find(|p| p.arn == arn)
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.known()?.iter().find(|g| g.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AttachedPolicy {
    pub name: String,
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InlinePolicy {
    pub name: String,
    pub document: PolicyDocument,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct User {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub id: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<DateTime<Utc>>,
    /// Group names.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// ARN of the permissions boundary policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub mfa_devices: Observed<Vec<MfaDevice>>,
    #[serde(default)]
    pub access_keys: Observed<Vec<AccessKey>>,
    /// `None` when the user has no console password.
    #[serde(default)]
    pub login_profile: Observed<Option<LoginProfile>>,
}

fn root_path() -> String {
    "/".to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MfaKind {
    Virtual,
    Hardware,
    /// FIDO security keys (passkeys).
    U2f,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MfaDevice {
    pub serial_number: String,
    pub kind: MfaKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum KeyStatus {
    Active,
    Inactive,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccessKey {
    pub id: String,
    pub status: KeyStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_used: Observed<Option<LastUsed>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LastUsed {
    pub date: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoginProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub password_reset_required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Group {
    pub name: String,
    pub arn: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Role {
    pub name: String,
    pub arn: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    pub trust_policy: PolicyDocument,
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub last_used: Option<LastUsed>,
    /// Instance profile ARNs this role belongs to.
    #[serde(default)]
    pub instance_profiles: Vec<String>,
    #[serde(default)]
    pub max_session_duration: Option<u32>,
    #[serde(default)]
    pub tags: Tags,
}

impl Role {
    /// Service-linked roles are created and managed by AWS services.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    #[serde(default = "root_path")]
    pub path: String,
    /// True for policies AWS owns (`arn:aws:iam::aws:policy/…`).
    #[serde(default)]
    pub aws_managed: bool,
    #[serde(default)]
    pub default_version_id: String,
    /// The default version's document.
    pub document: PolicyDocument,
    /// The other stored versions (IAM keeps up to five), which anyone allowed
    /// `iam:SetDefaultPolicyVersion` can make the default again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_versions: Vec<PolicyVersion>,
    #[serde(default)]
    pub attachment_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
}

/// A non-default version of a managed policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyVersion {
    pub version_id: String,
    pub document: PolicyDocument,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SamlProvider {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OidcProvider {
    pub arn: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub client_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServerCertificate {
    pub name: String,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded: Option<DateTime<Utc>>,
}
