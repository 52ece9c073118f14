//! AWS Organizations (CIS 2.1.x): centralised root access, guardrails on every account,
//! a management account without workloads, and delegated administration.

use super::account_resource;
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::inventory::{ChainGap, OrgPolicyKind, Organization};
use warden_model::{Resource, Status, Unknown, UnknownKind};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("org_centralized_root_access", centralized_root_access),
    ("org_scp_guardrails", scp_guardrails),
    ("org_management_account_no_workloads", management_no_workloads),
    ("org_policy_management_delegated", policy_management_delegated),
    ("org_security_services_delegated", security_services_delegated),
];

/// Service principals of the security services an organization should administer from a
/// member account.
const SECURITY_SERVICES: &[&str] = &[
    "guardduty.amazonaws.com",
    "securityhub.amazonaws.com",
    "access-analyzer.amazonaws.com",
    "config.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com",
    "macie.amazonaws.com",
    "inspector2.amazonaws.com",
    "detective.amazonaws.com",
];

fn org_resource(o: &Organization) -> Resource {
    Resource {
        arn: o.arn.clone(),
        kind: "AwsOrganizationsOrganization".into(),
        account_id: o.management_account_id.clone(),
        region: "global".into(),
        tags: Default::default(),
    }
}

fn member_resource(o: &Organization, account_id: &str) -> Resource {
    let partition = o.arn.split(':').nth(1).unwrap_or("aws");
    Resource {
        arn: format!("arn:{partition}:iam::{account_id}:root"),
        kind: "AwsAccount".into(),
        account_id: account_id.to_owned(),
        region: "global".into(),
        tags: Default::default(),
    }
}

/// The organization, or the findings that say why there is none to judge: ERROR when it
/// could not be read, FAIL on every account when the accounts are in no organization.
fn organization<'a>(ctx: &'a Ctx, out: &mut Out, why_it_matters: &str) -> Option<&'a Organization> {
    let accounts = ctx.accounts();
    match ctx.snapshot.inventory.organization.get() {
        Ok(Some(o)) => Some(o),
        Ok(None) => {
            for a in accounts {
                let msg = format!("account {} is not in an AWS Organization: {why_it_matters}", a.id);
                out.fail(account_resource(a), msg, json!({ "organization": null }));
            }
            None
        }
        Err(why) => {
            if let Some(a) = accounts.first() {
                out.unknown(account_resource(a), "the organization", why);
            }
            None
        }
    }
}

fn centralized_root_access(ctx: &Ctx, out: &mut Out) {
    let Some(o) = organization(ctx, out, "member accounts keep their own root credentials") else { return };
    let Some(enabled) = out.need(&o.root_access_features, || org_resource(o), "centralised root access features")
    else {
        return;
    };
    let missing: Vec<&str> = ["RootCredentialsManagement", "RootSessions"]
        .into_iter()
        .filter(|f| !enabled.iter().any(|e| e.eq_ignore_ascii_case(f)))
        .collect();
    let msg = if missing.is_empty() {
        format!("organization {} manages member accounts' root access centrally", o.id)
    } else {
        format!("organization {} has not enabled {} for member accounts", o.id, missing.join(" and "))
    };
    out.verdict(missing.is_empty(), org_resource(o), msg, json!({ "enabled": enabled, "missing": missing }));
}

fn scp_guardrails(ctx: &Ctx, out: &mut Out) {
    let Some(o) = organization(ctx, out, "no service control policy can limit it") else { return };
    let Some(accounts) = out.need(&o.accounts, || org_resource(o), "the organization's accounts") else { return };
    // SCPs never restrict the management account, so it is not judged here (its own
    // control is org_management_account_no_workloads).
    let members = accounts.iter().filter(|a| a.id != o.management_account_id);
    for a in members.filter(|a| a.state.eq_ignore_ascii_case("ACTIVE")) {
        let resource = || member_resource(o, &a.id);
        let chain = match o.policy_chain(&a.id, OrgPolicyKind::ServiceControlPolicy) {
            Ok(c) => c,
            Err(gap) => {
                let message = match gap {
                    ChainGap::Unknown(m) => m,
                    ChainGap::NotAMember => "the account is not in the organization's tree".into(),
                };
                out.unknown(
                    resource(),
                    "the policies above the account",
                    &Unknown { kind: UnknownKind::Error, message },
                );
                continue;
            }
        };
        let Some(levels) = chain else {
            let msg = format!("service control policies are not enabled in organization {}", o.id);
            out.fail(resource(), msg, json!({ "policy_type": "SERVICE_CONTROL_POLICY", "enabled": false }));
            continue;
        };
        let rcps = match o.policy_chain(&a.id, OrgPolicyKind::ResourceControlPolicy) {
            Ok(Some(l)) => json!(l.iter().flatten().filter(|p| !p.aws_managed).map(|p| &p.name).collect::<Vec<_>>()),
            Ok(None) => json!("not enabled"),
            Err(_) => json!("unknown"),
        };
        let guardrails: Vec<&str> =
            levels.iter().flatten().filter(|p| !p.aws_managed).map(|p| p.name.as_str()).collect();
        let msg = if guardrails.is_empty() {
            format!("account {} ({}) has only AWS-managed service control policies (FullAWSAccess)", a.id, a.name)
        } else {
            format!("account {} ({}) is governed by {}", a.id, a.name, guardrails.join(", "))
        };
        let evidence = json!({ "scps": guardrails, "rcps": rcps, "levels": levels.len() });
        out.verdict(!guardrails.is_empty(), resource(), msg, evidence);
    }
}

fn management_no_workloads(ctx: &Ctx, out: &mut Out) {
    let Some(o) = organization(ctx, out, "there is no management account to keep clean") else { return };
    let mgmt = &o.management_account_id;
    let Some(a) = ctx.accounts().iter().find(|a| &a.id == mgmt) else {
        let why = Unknown {
            kind: UnknownKind::NotCollected,
            message: format!("the management account {mgmt} is not in this snapshot"),
        };
        out.unknown(member_resource(o, mgmt), "the management account's resources", &why);
        return;
    };
    let mut workloads = Vec::new();
    let mut unreadable = None;
    for r in &a.regions {
        match r.ec2.instances.get() {
            Ok(list) => workloads.extend(
                list.iter().filter(|i| i.state != "terminated").map(|i| format!("{} ec2 instance {}", r.name, i.id)),
            ),
            Err(why) => unreadable = unreadable.or(Some(why)),
        }
    }
    if workloads.is_empty()
        && let Some(why) = unreadable
    {
        out.unknown(account_resource(a), "the management account's EC2 instances", why);
        return;
    }
    let msg = if workloads.is_empty() {
        format!("management account {mgmt} runs no EC2 instances")
    } else {
        format!("management account {mgmt} runs workloads: {}", workloads.join(", "))
    };
    let evidence = json!({ "workloads": workloads, "looked_at": "EC2 instances in every collected region" });
    out.verdict(workloads.is_empty(), account_resource(a), msg, evidence);
}

/// Whether an Allow statement of the Organizations resource policy hands out policy
/// management (`CreatePolicy`, `AttachPolicy`, `UpdatePolicy`).
fn delegates_policy_management(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    let statements = match &doc["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        s @ serde_json::Value::Object(_) => vec![s.clone()],
        _ => Vec::new(),
    };
    let wanted = ["organizations:createpolicy", "organizations:attachpolicy", "organizations:updatepolicy"];
    statements
        .into_iter()
        .filter(|s| s["Effect"] == "Allow")
        .filter(|s| {
            let actions: Vec<String> = match &s["Action"] {
                serde_json::Value::String(a) => vec![a.to_lowercase()],
                serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).map(str::to_lowercase).collect(),
                _ => Vec::new(),
            };
            wanted.iter().any(|w| actions.iter().any(|a| warden_model::glob::matches(a, w)))
        })
        .map(|s| s["Principal"].clone())
        .collect()
}

fn policy_management_delegated(ctx: &Ctx, out: &mut Out) {
    let Some(o) = organization(ctx, out, "there are no Organizations policies to delegate") else { return };
    let Some(policy) = out.need(&o.resource_policy, || org_resource(o), "the Organizations resource policy") else {
        return;
    };
    let principals = policy.as_ref().map(delegates_policy_management).unwrap_or_default();
    let msg = match (policy, principals.is_empty()) {
        (None, _) => format!("organization {} has no resource policy delegating policy management", o.id),
        (Some(_), true) => format!("organization {}'s resource policy delegates no policy management", o.id),
        (Some(_), false) => format!("organization {} delegates policy management to a member account", o.id),
    };
    out.verdict(!principals.is_empty(), org_resource(o), msg, json!({ "delegated_to": principals }));
}

fn security_services_delegated(ctx: &Ctx, out: &mut Out) {
    let Some(o) = organization(ctx, out, "there is nothing to delegate") else { return };
    let Some(admins) = out.need(&o.delegated_administrators, || org_resource(o), "the delegated administrators") else {
        return;
    };
    let mut delegated = serde_json::Map::new();
    for admin in admins.iter().filter(|d| d.account_id != o.management_account_id) {
        let Some(services) = out.need(&admin.services, || org_resource(o), "a delegated administrator's services")
        else {
            return;
        };
        for s in services.iter().filter(|s| SECURITY_SERVICES.contains(&s.as_str())) {
            delegated.insert(s.clone(), json!(admin.account_id));
        }
    }
    let msg = if delegated.is_empty() {
        format!("organization {} administers no security service from a member account", o.id)
    } else {
        let names: Vec<&str> = delegated.keys().map(|k| k.trim_end_matches(".amazonaws.com")).collect();
        format!("organization {} delegates {} to member accounts", o.id, names.join(", "))
    };
    let status = if delegated.is_empty() { Status::Fail } else { Status::Pass };
    out.emit(status, org_resource(o), "", msg, json!({ "delegated": delegated, "considered": SECURITY_SERVICES }));
}
