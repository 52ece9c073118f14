//! Reads the JSON of `aws iam get-account-authorization-details` into the inventory's
//! IAM types, so every IAM query runs the same on it as on a snapshot. Policy documents
//! may be objects or URL-encoded strings (as the raw API returns them).

use crate::policy::{PolicyError, parse_json_text};
use serde_json::Value;
use warden_model::Observed;
use warden_model::inventory::{
    Account, AttachedPolicy, Group, InlinePolicy, ManagedPolicy, PolicyVersion, Role, Tags, User,
};

#[derive(Debug, thiserror::Error)]
pub enum AuthzDetailsError {
    #[error("authorization details are not valid JSON: {0}")]
    Json(String),
    #[error("authorization details `{path}`: {message}")]
    Shape { path: String, message: String },
    #[error("authorization details `{path}`: {source}")]
    Policy { path: String, source: PolicyError },
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn doc(v: Option<&Value>, path: &str) -> Result<Value, AuthzDetailsError> {
    match v {
        Some(Value::String(t)) => {
            parse_json_text(t).map_err(|source| AuthzDetailsError::Policy { path: path.into(), source })
        }
        Some(other @ Value::Object(_)) => Ok(other.clone()),
        _ => Err(AuthzDetailsError::Shape { path: path.into(), message: "missing policy document".into() }),
    }
}

fn list<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

fn attached(v: &Value) -> Vec<AttachedPolicy> {
    list(v, "AttachedManagedPolicies")
        .iter()
        .map(|a| AttachedPolicy { name: s(a, "PolicyName").into(), arn: s(a, "PolicyArn").into() })
        .collect()
}

fn inline(v: &Value, k: &str, path: &str) -> Result<Vec<InlinePolicy>, AuthzDetailsError> {
    list(v, k)
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(InlinePolicy {
                name: s(p, "PolicyName").into(),
                document: doc(p.get("PolicyDocument"), &format!("{path}.{k}[{i}].PolicyDocument"))?,
            })
        })
        .collect()
}

fn tags(v: &Value) -> Tags {
    list(v, "Tags").iter().map(|t| (s(t, "Key").to_owned(), s(t, "Value").to_owned())).collect()
}

fn boundary(v: &Value) -> Option<String> {
    v.get("PermissionsBoundary").map(|b| s(b, "PermissionsBoundaryArn").to_owned()).filter(|a| !a.is_empty())
}

fn path_of(v: &Value) -> String {
    Some(s(v, "Path")).filter(|p| !p.is_empty()).unwrap_or("/").to_owned()
}

/// Parses the JSON text into an [`Account`] (IAM parts only). The account id comes from
/// the first ARN found.
pub fn parse(text: &str) -> Result<Account, AuthzDetailsError> {
    let v: Value = serde_json::from_str(text).map_err(|e| AuthzDetailsError::Json(e.to_string()))?;
    from_json(&v)
}

pub fn from_json(v: &Value) -> Result<Account, AuthzDetailsError> {
    if !v.is_object() {
        return Err(AuthzDetailsError::Shape { path: "(document)".into(), message: "must be an object".into() });
    }
    let mut users = Vec::new();
    for (i, u) in list(v, "UserDetailList").iter().enumerate() {
        let path = format!("UserDetailList[{i}]");
        users.push(User {
            name: s(u, "UserName").into(),
            arn: s(u, "Arn").into(),
            id: s(u, "UserId").into(),
            path: path_of(u),
            created: None,
            password_last_used: None,
            groups: list(u, "GroupList").iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            attached_policies: attached(u),
            inline_policies: inline(u, "UserPolicyList", &path)?,
            permissions_boundary: boundary(u),
            tags: tags(u),
            mfa_devices: Observed::default(),
            access_keys: Observed::default(),
            login_profile: Observed::default(),
        });
    }
    let mut groups = Vec::new();
    for (i, g) in list(v, "GroupDetailList").iter().enumerate() {
        let path = format!("GroupDetailList[{i}]");
        groups.push(Group {
            name: s(g, "GroupName").into(),
            arn: s(g, "Arn").into(),
            path: path_of(g),
            attached_policies: attached(g),
            inline_policies: inline(g, "GroupPolicyList", &path)?,
        });
    }
    let mut roles = Vec::new();
    for (i, r) in list(v, "RoleDetailList").iter().enumerate() {
        let path = format!("RoleDetailList[{i}]");
        roles.push(Role {
            name: s(r, "RoleName").into(),
            arn: s(r, "Arn").into(),
            path: path_of(r),
            created: None,
            trust_policy: doc(r.get("AssumeRolePolicyDocument"), &format!("{path}.AssumeRolePolicyDocument"))?,
            attached_policies: attached(r),
            inline_policies: inline(r, "RolePolicyList", &path)?,
            permissions_boundary: boundary(r),
            last_used: None,
            instance_profiles: list(r, "InstanceProfileList").iter().map(|p| s(p, "Arn").to_owned()).collect(),
            max_session_duration: None,
            tags: tags(r),
        });
    }
    let mut policies = Vec::new();
    for (i, p) in list(v, "Policies").iter().enumerate() {
        let path = format!("Policies[{i}]");
        let default_version = s(p, "DefaultVersionId").to_owned();
        let versions = list(p, "PolicyVersionList");
        let Some(ver) = versions
            .iter()
            .find(|x| x.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true))
            .or_else(|| versions.iter().find(|x| s(x, "VersionId") == default_version))
        else {
            continue;
        };
        let mut other_versions = Vec::new();
        for (j, x) in versions.iter().enumerate() {
            if !std::ptr::eq(x, ver) {
                other_versions.push(PolicyVersion {
                    version_id: s(x, "VersionId").into(),
                    document: doc(x.get("Document"), &format!("{path}.PolicyVersionList[{j}].Document"))?,
                });
            }
        }
        let arn = s(p, "Arn").to_owned();
        policies.push(ManagedPolicy {
            name: s(p, "PolicyName").into(),
            aws_managed: arn.starts_with("arn:aws:iam::aws:policy/") || arn.contains(":iam::aws:policy/"),
            arn,
            path: path_of(p),
            default_version_id: default_version,
            document: doc(ver.get("Document"), &format!("{path}.PolicyVersionList.Document"))?,
            other_versions,
            attachment_count: p
                .get("AttachmentCount")
                .and_then(Value::as_u64)
                .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            created: None,
            updated: None,
        });
    }
    let id = users
        .iter()
        .map(|u| u.arn.as_str())
        .chain(roles.iter().map(|r| r.arn.as_str()))
        .chain(groups.iter().map(|g| g.arn.as_str()))
        .find_map(|a| crate::arn::Arn::parse(a).map(|x| x.account.to_owned()))
        .unwrap_or_default();
    let partition = users
        .iter()
        .map(|u| u.arn.as_str())
        .chain(roles.iter().map(|r| r.arn.as_str()))
        .find_map(|a| crate::arn::Arn::parse(a).map(|x| x.partition.to_owned()))
        .unwrap_or_else(|| "aws".into());
    let mut account = Account { id, partition, ..Account::default() };
    account.iam.users = Observed::Known(users);
    account.iam.groups = Observed::Known(groups);
    account.iam.roles = Observed::Known(roles);
    account.iam.policies = Observed::Known(policies);
    Ok(account)
}
