//! The AWS managed policies the estate attaches, with their real documents.
//!
//! Embedded at compile time (see `data/README.md` for where they come from) so generation
//! never touches the file system.

use serde_json::Value;

const DATA: &str = include_str!("../data/aws-managed-policies.json");

pub(crate) const ADMIN: &str = "AdministratorAccess";
pub(crate) const READ_ONLY: &str = "ReadOnlyAccess";
pub(crate) const SUPPORT: &str = "AWSSupportAccess";
pub(crate) const POWER_USER: &str = "PowerUserAccess";
pub(crate) const SECURITY_AUDIT: &str = "SecurityAudit";
pub(crate) const S3_READ_ONLY: &str = "AmazonS3ReadOnlyAccess";
pub(crate) const LAMBDA_BASIC: &str = "AWSLambdaBasicExecutionRole";
pub(crate) const SSM_CORE: &str = "AmazonSSMManagedInstanceCore";
pub(crate) const ECS_TASK_EXEC: &str = "AmazonECSTaskExecutionRolePolicy";
pub(crate) const CHANGE_PASSWORD: &str = "IAMUserChangePassword";
pub(crate) const BILLING_READ_ONLY: &str = "AWSBillingReadOnlyAccess";
pub(crate) const EC2_READ_ONLY: &str = "AmazonEC2ReadOnlyAccess";

/// One embedded policy.
#[derive(Debug, Clone)]
pub(crate) struct Managed {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) version: String,
    pub(crate) document: Value,
}

impl Managed {
    /// The IAM path, from the ARN (`arn:aws:iam::aws:policy/service-role/X` → `/service-role/`).
    pub(crate) fn path(&self) -> String {
        let rest = self.arn.split_once(":policy").map_or("/", |(_, r)| r);
        match rest.rfind('/') {
            Some(i) => rest[..=i].to_owned(),
            None => "/".to_owned(),
        }
    }
}

/// All embedded policies, in file order. Parsing a constant cannot fail in practice;
/// a test proves it, and a broken file would give an empty list rather than a panic.
pub(crate) fn all() -> Vec<Managed> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(DATA) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|mut v| {
            let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            Some(Managed {
                name: s(&v, "name")?,
                arn: s(&v, "arn")?,
                version: s(&v, "version")?,
                document: v.get_mut("document").map(Value::take)?,
            })
        })
        .collect()
}

/// The ARN of a managed policy by name (also for names not embedded).
pub(crate) fn arn(name: &str) -> String {
    match name {
        LAMBDA_BASIC | ECS_TASK_EXEC => format!("arn:aws:iam::aws:policy/service-role/{name}"),
        _ => format!("arn:aws:iam::aws:policy/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_policy_parses_and_names_match_arns() {
        let all = all();
        assert_eq!(all.len(), 12);
        for m in &all {
            assert_eq!(arn(&m.name), m.arn, "{}", m.name);
            assert!(m.document.get("Statement").is_some(), "{}", m.name);
            assert!(m.version.starts_with('v'));
        }
        let admin = all.iter().find(|m| m.name == ADMIN).unwrap();
        assert_eq!(admin.document["Statement"][0]["Action"], "*");
        assert_eq!(all.iter().find(|m| m.name == LAMBDA_BASIC).unwrap().path(), "/service-role/");
        assert_eq!(admin.path(), "/");
    }
}
