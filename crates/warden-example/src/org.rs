//! The Northwind organization: management account at the root, the security account in
//! its own OU, production and workload accounts under `Workloads`. Staging is not a
//! member (it has not accepted the invitation), so it appears in no list.

use crate::{Kind, Spec, ids};
use serde_json::json;
use warden_model::Observed;
use warden_model::inventory::{
    DelegatedAdministrator, OrgAccount, OrgPolicy, OrgRoot, Organization, OrganizationalUnit, PolicyDocument,
    PolicyTypeStatus,
};

const ROOT: &str = "r-n0rt";
const OU_SECURITY: &str = "ou-n0rt-5ecur1ty";
const OU_WORKLOADS: &str = "ou-n0rt-w0rkl0ad";
const OU_PROD: &str = "ou-n0rt-pr0duct1";
const OU_NONPROD: &str = "ou-n0rt-n0npr0d1";

pub(crate) fn build(specs: &[Spec]) -> Organization {
    let mgmt = ids::MANAGEMENT;
    let org_arn = |kind: &str, id: &str| format!("arn:aws:organizations::{mgmt}:{kind}/{}/{id}", ids::ORG);
    let unit = |id: &str, name: &str, parent: &str| OrganizationalUnit {
        id: id.into(),
        arn: org_arn("ou", id),
        name: name.into(),
        parent_id: parent.into(),
    };
    let accounts = specs
        .iter()
        .filter(|s| s.in_org())
        .map(|s| OrgAccount {
            id: s.id.clone(),
            arn: org_arn("account", &s.id),
            name: s.name.clone(),
            email: format!("aws+{}@northwind.example", s.label()),
            state: "ACTIVE".into(),
            parent_id: Some(
                match s.kind {
                    Kind::Management => ROOT,
                    Kind::Security => OU_SECURITY,
                    Kind::Prod => OU_PROD,
                    Kind::Staging => OU_NONPROD,
                    Kind::Workload(n) if n % 2 == 0 => OU_PROD,
                    Kind::Workload(_) => OU_NONPROD,
                }
                .into(),
            ),
        })
        .collect();
    let enabled = |kind: &str| PolicyTypeStatus { kind: kind.into(), status: "ENABLED".into() };
    let policy = |id: &str, name: &str, aws_managed: bool, document: PolicyDocument, targets: &[&str]| OrgPolicy {
        id: id.into(),
        arn: if aws_managed {
            format!("arn:aws:organizations::aws:policy/service_control_policy/{id}")
        } else {
            format!("arn:aws:organizations::{mgmt}:policy/{}/service_control_policy/{id}", ids::ORG)
        },
        name: name.into(),
        aws_managed,
        document: Observed::Known(document),
        targets: Observed::Known(targets.iter().map(|t| (*t).to_owned()).collect()),
    };
    let in_org: Vec<&str> = specs.iter().filter(|s| s.in_org()).map(|s| s.id.as_str()).collect();
    let mut everywhere = vec![ROOT, OU_SECURITY, OU_WORKLOADS, OU_PROD, OU_NONPROD];
    everywhere.extend(&in_org);
    let allow_all = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let allow_all_resources = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
    Organization {
        id: ids::ORG.into(),
        arn: format!("arn:aws:organizations::{mgmt}:organization/{}", ids::ORG),
        management_account_id: mgmt.into(),
        feature_set: "ALL".into(),
        roots: Observed::Known(vec![OrgRoot {
            id: ROOT.into(),
            arn: org_arn("root", ROOT),
            name: "Root".into(),
            policy_types: vec![enabled("SERVICE_CONTROL_POLICY"), enabled("RESOURCE_CONTROL_POLICY")],
        }]),
        units: Observed::Known(vec![
            unit(OU_SECURITY, "Security", ROOT),
            unit(OU_WORKLOADS, "Workloads", ROOT),
            unit(OU_PROD, "Prod", OU_WORKLOADS),
            unit(OU_NONPROD, "NonProd", OU_WORKLOADS),
        ]),
        accounts: Observed::Known(accounts),
        scps: Observed::Known(vec![
            policy("p-FullAWSAccess", "FullAWSAccess", true, allow_all, &everywhere),
            policy(
                "p-n0rtdenylv",
                "DenyLeavingOrganization",
                false,
                json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoLeaving", "Effect": "Deny",
                    "Action": "organizations:LeaveOrganization", "Resource": "*"}]}),
                &[ROOT],
            ),
            policy(
                "p-n0rtprotct",
                "ProtectSecurityTooling",
                false,
                json!({"Version": "2012-10-17", "Statement": [{"Sid": "KeepAuditOn", "Effect": "Deny",
                    "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                               "guardduty:DeleteDetector", "config:StopConfigurationRecorder"],
                    "Resource": "*",
                    "Condition": {"ArnNotLike": {"aws:PrincipalArn":
                        "arn:aws:iam::*:role/OrganizationAccountAccessRole"}}}]}),
                &[OU_WORKLOADS],
            ),
            // Why the security account's eu-west-1 keys are unreadable to the scanner.
            policy(
                "p-n0rtkmslst",
                "SecurityAccountKeyInventoryHidden",
                false,
                json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoKeyListingInDublin", "Effect": "Deny",
                    "Action": ["kms:ListKeys", "kms:ListAliases"], "Resource": "*",
                    "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"},
                                  "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/warden-scanner"}}}]}),
                &[ids::SECURITY],
            ),
        ]),
        rcps: Observed::Known(vec![OrgPolicy {
            arn: "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess".into(),
            ..policy("p-RCPFullAWSAccess", "RCPFullAWSAccess", true, allow_all_resources, &everywhere)
        }]),
        resource_policy: Observed::Known(Some(json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "SecurityTeamManagesPolicies", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", ids::SECURITY)},
            "Action": ["organizations:DescribeOrganization", "organizations:List*", "organizations:Describe*",
                       "organizations:CreatePolicy", "organizations:UpdatePolicy", "organizations:DeletePolicy",
                       "organizations:AttachPolicy", "organizations:DetachPolicy"],
            "Resource": "*"}]}))),
        // Root credentials are managed centrally, but privileged root sessions are not.
        root_access_features: Observed::Known(vec!["RootCredentialsManagement".into()]),
        delegated_administrators: Observed::Known(vec![DelegatedAdministrator {
            account_id: ids::SECURITY.into(),
            name: "northwind-security".into(),
            services: Observed::Known(vec!["guardduty.amazonaws.com".into(), "securityhub.amazonaws.com".into()]),
        }]),
    }
}
