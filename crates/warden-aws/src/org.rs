//! Organizations: the active member accounts, credentials for each through a role, and
//! the organization's structure (roots, OUs, accounts, SCPs and RCPs with their targets,
//! delegated administrators).

use crate::ctx::{Ctx, policy_document, read_each};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{AccountState, AccountStatus, PolicySummary, PolicyType};
use aws_types::SdkConfig;
use futures::future::join_all;
use warden_model::inventory::{
    DelegatedAdministrator, OrgAccount, OrgPolicy, OrgRoot, Organization, OrganizationalUnit, PolicyTypeStatus,
};
use warden_model::{Observed, Unknown};

/// An account to collect: id and display name.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: Option<String>,
}

/// The organization's active accounts, read from the management (or delegated admin)
/// account.
pub async fn active_accounts(ctx: &Ctx) -> Result<Vec<Member>, String> {
    let c = ctx.organizations();
    let listed =
        ctx.call("organizations:ListAccounts", &[], c.list_accounts().into_paginator().send().try_collect()).await;
    let accounts = match listed {
        Ok(Some(pages)) => pages.into_iter().flat_map(|p| p.accounts.unwrap_or_default()).collect::<Vec<_>>(),
        Ok(None) => Vec::new(),
        Err(u) => return Err(u.to_string()),
    };
    Ok(accounts
        .into_iter()
        .filter(|a| {
            // `State` replaces `Status`; older answers carry only the latter.
            match (&a.state, &a.status) {
                (Some(s), _) => *s == AccountState::Active,
                (None, Some(s)) => *s == AccountStatus::Active,
                (None, None) => true,
            }
        })
        .filter_map(|a| Some(Member { id: a.id?, name: a.name }))
        .collect())
}

/// SDK configuration whose credentials come from assuming `role` in `account`
/// (cached and refreshed by the SDK's provider).
pub async fn assumed(base: &SdkConfig, partition: &str, account: &str, role: &str) -> SdkConfig {
    let arn = format!("arn:{partition}:iam::{account}:role/{role}");
    let provider =
        aws_config::sts::AssumeRoleProvider::builder(arn).session_name("warden-scan").configure(base).build().await;
    base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
}

/// The organization the caller's account belongs to, with its tree and policies when the
/// caller may read them (management account or delegated administrator). `None` when
/// the account is in no organization.
pub async fn structure(ctx: &Ctx) -> Observed<Option<Organization>> {
    let c = ctx.organizations();
    let described =
        ctx.obs_opt("organizations:DescribeOrganization", NOT_IN_USE, c.describe_organization().send()).await;
    let org = match described {
        Observed::Known(Some(o)) => match o.organization {
            Some(o) => o,
            None => {
                return Observed::Unknown(ctx.malformed("organizations:DescribeOrganization", "no organization"));
            }
        },
        Observed::Known(None) => return Observed::Known(None),
        Observed::Unknown(u) => return Observed::Unknown(u),
    };
    let mut out = Organization {
        id: org.id.unwrap_or_default(),
        arn: org.arn.unwrap_or_default(),
        management_account_id: org.master_account_id.unwrap_or_default(),
        feature_set: org.feature_set.map(|f| f.as_str().to_owned()).unwrap_or_default(),
        roots: Observed::default(),
        units: Observed::default(),
        accounts: Observed::default(),
        scps: Observed::default(),
        rcps: Observed::default(),
        delegated_administrators: Observed::default(),
        resource_policy: Observed::default(),
        root_access_features: Observed::default(),
    };
    let roots =
        ctx.obs("organizations:ListRoots", c.list_roots().into_paginator().send().try_collect()).await.map(|pages| {
            pages
                .into_iter()
                .flat_map(|p| p.roots.unwrap_or_default())
                .map(|r| OrgRoot {
                    id: r.id.unwrap_or_default(),
                    arn: r.arn.unwrap_or_default(),
                    name: r.name.unwrap_or_default(),
                    policy_types: r
                        .policy_types
                        .unwrap_or_default()
                        .into_iter()
                        .map(|t| PolicyTypeStatus {
                            kind: t.r#type.map(|k| k.as_str().to_owned()).unwrap_or_default(),
                            status: t.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect::<Vec<_>>()
        });
    // A member account may not read the tree: one refused read says so for all of it.
    let roots = match roots {
        Observed::Known(r) => r,
        Observed::Unknown(u) => {
            out.roots = Observed::Unknown(u.clone());
            out.units = Observed::Unknown(u.clone());
            out.accounts = Observed::Unknown(u.clone());
            out.scps = Observed::Unknown(u.clone());
            out.rcps = Observed::Unknown(u.clone());
            out.delegated_administrators = Observed::Unknown(u.clone());
            out.resource_policy = Observed::Unknown(u.clone());
            out.root_access_features = Observed::Unknown(u);
            return Observed::Known(Some(out));
        }
    };
    let root_ids: Vec<String> = roots.iter().map(|r| r.id.clone()).collect();
    out.roots = Observed::Known(roots);
    let resource_policy = async {
        let read = ctx
            .obs_opt(
                "organizations:DescribeResourcePolicy",
                &["ResourcePolicyNotFoundException"],
                c.describe_resource_policy().send(),
            )
            .await;
        match read {
            Observed::Known(Some(o)) => match o.resource_policy.and_then(|p| p.content) {
                Some(text) => Observed::Known(Some(policy_document(&text))),
                None => Observed::Known(None),
            },
            Observed::Known(None) => Observed::Known(None),
            Observed::Unknown(u) => Observed::Unknown(u),
        }
    };
    let root_access = async {
        let iam = ctx.iam();
        ctx.obs("iam:ListOrganizationsFeatures", iam.list_organizations_features().send())
            .await
            .map(|o| o.enabled_features().iter().map(|f| f.as_str().to_owned()).collect::<Vec<_>>())
    };
    let (tree, scps, rcps, delegated, resource_policy, root_access) = tokio::join!(
        tree(ctx, &c, root_ids),
        policies(ctx, &c, PolicyType::ServiceControlPolicy),
        policies(ctx, &c, PolicyType::ResourceControlPolicy),
        delegated_administrators(ctx, &c),
        resource_policy,
        root_access,
    );
    out.resource_policy = resource_policy;
    out.root_access_features = root_access;
    match tree {
        Ok((units, accounts)) => {
            out.units = Observed::Known(units);
            out.accounts = Observed::Known(accounts);
        }
        Err(u) => {
            out.units = Observed::Unknown(u.clone());
            out.accounts = Observed::Unknown(u);
        }
    }
    out.scps = scps;
    out.rcps = rcps;
    out.delegated_administrators = delegated;
    Observed::Known(Some(out))
}

/// Error codes meaning "this account is in no organization".
const NOT_IN_USE: &[&str] = &["AWSOrganizationsNotInUseException"];

/// Deepest OU nesting Organizations allows is five levels; a deeper answer is not trusted.
const MAX_DEPTH: usize = 8;

/// Walks the tree level by level from the roots: OUs and the accounts in each node.
async fn tree(
    ctx: &Ctx,
    c: &Client,
    roots: Vec<String>,
) -> Result<(Vec<OrganizationalUnit>, Vec<OrgAccount>), Unknown> {
    let (mut units, mut accounts) = (Vec::new(), Vec::new());
    let mut level = roots;
    for _ in 0..MAX_DEPTH {
        if level.is_empty() {
            break;
        }
        let answers = join_all(level.iter().map(|parent| async move {
            let ous = ctx.call(
                "organizations:ListOrganizationalUnitsForParent",
                &[],
                c.list_organizational_units_for_parent().parent_id(parent).into_paginator().send().try_collect(),
            );
            let members = ctx.call(
                "organizations:ListAccountsForParent",
                &[],
                c.list_accounts_for_parent().parent_id(parent).into_paginator().send().try_collect(),
            );
            let (ous, members) = tokio::join!(ous, members);
            (parent, ous, members)
        }))
        .await;
        let mut next = Vec::new();
        for (parent, ous, members) in answers {
            for ou in ous?.unwrap_or_default().into_iter().flat_map(|p| p.organizational_units.unwrap_or_default()) {
                let id = ou.id.unwrap_or_default();
                next.push(id.clone());
                units.push(OrganizationalUnit {
                    id,
                    arn: ou.arn.unwrap_or_default(),
                    name: ou.name.unwrap_or_default(),
                    parent_id: parent.clone(),
                });
            }
            let members = members?.unwrap_or_default().into_iter().flat_map(|p| p.accounts.unwrap_or_default());
            accounts.extend(members.map(|a| OrgAccount {
                id: a.id.unwrap_or_default(),
                arn: a.arn.unwrap_or_default(),
                name: a.name.unwrap_or_default(),
                email: a.email.unwrap_or_default(),
                state: match (a.state, a.status) {
                    (Some(s), _) => s.as_str().to_owned(),
                    (None, Some(s)) => s.as_str().to_owned(),
                    (None, None) => String::new(),
                },
                parent_id: Some(parent.clone()),
            }));
        }
        level = next;
    }
    if !level.is_empty() {
        return Err(
            ctx.malformed("organizations:ListOrganizationalUnitsForParent", "the OU tree is deeper than AWS allows")
        );
    }
    units.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((units, accounts))
}

/// The policies of one type, each with its document and targets.
async fn policies(ctx: &Ctx, c: &Client, kind: PolicyType) -> Observed<Vec<OrgPolicy>> {
    let listed = ctx
        .obs("organizations:ListPolicies", c.list_policies().filter(kind.clone()).into_paginator().send().try_collect())
        .await;
    let summaries = listed.map(|pages| pages.into_iter().flat_map(|p| p.policies.unwrap_or_default()).collect());
    let read = read_each(summaries, |s: PolicySummary| async move {
        let id = s.id.unwrap_or_default();
        let document = async {
            match ctx.obs("organizations:DescribePolicy", c.describe_policy().policy_id(&id).send()).await {
                Observed::Known(o) => match o.policy.and_then(|p| p.content) {
                    Some(text) => Observed::Known(policy_document(&text)),
                    None => Observed::Unknown(ctx.malformed("organizations:DescribePolicy", "no policy content")),
                },
                Observed::Unknown(u) => Observed::Unknown(u),
            }
        };
        let targets = async {
            ctx.obs(
                "organizations:ListTargetsForPolicy",
                c.list_targets_for_policy().policy_id(&id).into_paginator().send().try_collect(),
            )
            .await
            .map(|pages| {
                pages.into_iter().flat_map(|p| p.targets.unwrap_or_default()).filter_map(|t| t.target_id).collect()
            })
        };
        let (document, targets) = tokio::join!(document, targets);
        OrgPolicy {
            id: id.clone(),
            arn: s.arn.unwrap_or_default(),
            name: s.name.unwrap_or_default(),
            aws_managed: s.aws_managed,
            document,
            targets,
        }
    })
    .await;
    read.map(|mut out| {
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    })
}

async fn delegated_administrators(ctx: &Ctx, c: &Client) -> Observed<Vec<DelegatedAdministrator>> {
    let listed = ctx
        .obs(
            "organizations:ListDelegatedAdministrators",
            c.list_delegated_administrators().into_paginator().items().send().try_collect(),
        )
        .await;
    read_each(listed, |a| async move {
        let account_id = a.id.unwrap_or_default();
        let services = ctx
            .obs(
                "organizations:ListDelegatedServicesForAccount",
                c.list_delegated_services_for_account()
                    .account_id(&account_id)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
            .await
            .map(|s| s.into_iter().filter_map(|d| d.service_principal).collect::<Vec<_>>());
        DelegatedAdministrator { account_id, name: a.name.unwrap_or_default(), services }
    })
    .await
}
