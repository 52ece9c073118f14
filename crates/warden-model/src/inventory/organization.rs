//! AWS Organizations: the tree of roots, organizational units and accounts, and the
//! authorization policies (SCPs, RCPs) attached to its nodes.
//!
//! Read from the management account (or a delegated administrator); a member account
//! can see only the organization's identity, so the tree and policies are then unknown.

use super::PolicyDocument;
use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Organization {
    /// `o-…`.
    pub id: String,
    pub arn: String,
    pub management_account_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING`; SCPs and RCPs need `ALL`.
    pub feature_set: String,
    #[serde(default)]
    pub roots: Observed<Vec<OrgRoot>>,
    #[serde(default)]
    pub units: Observed<Vec<OrganizationalUnit>>,
    #[serde(default)]
    pub accounts: Observed<Vec<OrgAccount>>,
    /// Service control policies, with their targets.
    #[serde(default)]
    pub scps: Observed<Vec<OrgPolicy>>,
    /// Resource control policies, with their targets.
    #[serde(default)]
    pub rcps: Observed<Vec<OrgPolicy>>,
    /// Member accounts registered as delegated administrators, with their services.
    #[serde(default)]
    pub delegated_administrators: Observed<Vec<DelegatedAdministrator>>,
    /// The Organizations resource policy that delegates policy management to member
    /// accounts; `None` when there is none.
    #[serde(default)]
    pub resource_policy: Observed<Option<PolicyDocument>>,
    /// Centralised root access features enabled for member accounts
    /// (`iam:ListOrganizationsFeatures`): `RootCredentialsManagement`, `RootSessions`.
    #[serde(default)]
    pub root_access_features: Observed<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DelegatedAdministrator {
    pub account_id: String,
    #[serde(default)]
    pub name: String,
    /// Service principals the account administers, e.g. `guardduty.amazonaws.com`.
    pub services: Observed<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrgRoot {
    /// `r-…`.
    pub id: String,
    pub arn: String,
    pub name: String,
    /// Policy types and whether each is enabled on the root, e.g.
    /// `SERVICE_CONTROL_POLICY` → `ENABLED`.
    #[serde(default)]
    pub policy_types: Vec<PolicyTypeStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyTypeStatus {
    /// `SERVICE_CONTROL_POLICY`, `RESOURCE_CONTROL_POLICY`, `TAG_POLICY`, ….
    pub kind: String,
    /// `ENABLED`, `PENDING_ENABLE`, `PENDING_DISABLE`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrganizationalUnit {
    /// `ou-…`.
    pub id: String,
    pub arn: String,
    pub name: String,
    /// A root id or another OU's id.
    pub parent_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrgAccount {
    pub id: String,
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`.
    pub state: String,
    /// The root or OU the account sits in; unknown when it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgPolicyKind {
    ServiceControlPolicy,
    ResourceControlPolicy,
}

impl OrgPolicyKind {
    /// The name the Organizations API uses in filters and policy summaries.
    pub fn api_name(self) -> &'static str {
        match self {
            OrgPolicyKind::ServiceControlPolicy => "SERVICE_CONTROL_POLICY",
            OrgPolicyKind::ResourceControlPolicy => "RESOURCE_CONTROL_POLICY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrgPolicy {
    /// `p-…`, or `p-FullAWSAccess` for the AWS-managed default.
    pub id: String,
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub aws_managed: bool,
    pub document: Observed<PolicyDocument>,
    /// Ids of the roots, OUs and accounts the policy is attached to.
    pub targets: Observed<Vec<String>>,
}

/// Why a policy chain for an account cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainGap {
    /// The account is not in this organization's known account list.
    NotAMember,
    /// Part of the tree or of the policies is unknown; the message says which.
    Unknown(String),
}

impl Organization {
    /// The ids from the root down to `account_id`: root, each OU, the account itself.
    pub fn path_to(&self, account_id: &str) -> Result<Vec<String>, ChainGap> {
        let accounts = self.accounts.get().map_err(|u| ChainGap::Unknown(format!("accounts: {u}")))?;
        let account = accounts.iter().find(|a| a.id == account_id).ok_or(ChainGap::NotAMember)?;
        let units = self.units.get().map_err(|u| ChainGap::Unknown(format!("organizational units: {u}")))?;
        let roots = self.roots.get().map_err(|u| ChainGap::Unknown(format!("roots: {u}")))?;
        let mut path = vec![account.id.clone()];
        let mut parent = account
            .parent_id
            .clone()
            .ok_or_else(|| ChainGap::Unknown(format!("the parent of account {account_id}")))?;
        // A tree from an API is untrusted: a cycle or a dangling parent stops the walk.
        for _ in 0..=units.len() {
            if roots.iter().any(|r| r.id == parent) {
                path.push(parent);
                path.reverse();
                return Ok(path);
            }
            let unit = units
                .iter()
                .find(|u| u.id == parent)
                .ok_or_else(|| ChainGap::Unknown(format!("parent {parent} is neither a root nor a known OU")))?;
            path.push(unit.id.clone());
            parent = unit.parent_id.clone();
        }
        Err(ChainGap::Unknown(format!("the OU tree above account {account_id} has a cycle")))
    }

    /// The policies of `kind` that apply to `account_id`, one list per level from the
    /// root down to the account — the shape the IAM engine evaluates (every level must
    /// allow). `Ok(None)` when the policy type is not enabled on the root.
    pub fn policy_chain(
        &self,
        account_id: &str,
        kind: OrgPolicyKind,
    ) -> Result<Option<Vec<Vec<&OrgPolicy>>>, ChainGap> {
        let path = self.path_to(account_id)?;
        let roots = self.roots.get().map_err(|u| ChainGap::Unknown(format!("roots: {u}")))?;
        let enabled = roots
            .iter()
            .filter(|r| path.first() == Some(&r.id))
            .flat_map(|r| &r.policy_types)
            .any(|t| t.kind == kind.api_name() && t.status == "ENABLED");
        if !enabled {
            return Ok(None);
        }
        let policies = match kind {
            OrgPolicyKind::ServiceControlPolicy => &self.scps,
            OrgPolicyKind::ResourceControlPolicy => &self.rcps,
        };
        let policies = policies.get().map_err(|u| ChainGap::Unknown(format!("{}: {u}", kind.api_name())))?;
        let mut levels = Vec::with_capacity(path.len());
        for node in &path {
            let mut level = Vec::new();
            for p in policies {
                let targets = p.targets.get().map_err(|u| ChainGap::Unknown(format!("targets of {}: {u}", p.id)))?;
                if targets.iter().any(|t| t == node) {
                    level.push(p);
                }
            }
            levels.push(level);
        }
        Ok(Some(levels))
    }

    /// [`Organization::policy_chain`] as documents, for evaluation: an unreadable
    /// document is a gap.
    pub fn document_chain(
        &self,
        account_id: &str,
        kind: OrgPolicyKind,
    ) -> Result<Option<Vec<Vec<&PolicyDocument>>>, ChainGap> {
        let Some(levels) = self.policy_chain(account_id, kind)? else { return Ok(None) };
        let mut out = Vec::with_capacity(levels.len());
        for level in levels {
            let mut docs = Vec::with_capacity(level.len());
            for p in level {
                docs.push(p.document.get().map_err(|u| ChainGap::Unknown(format!("document of {}: {u}", p.id)))?);
            }
            out.push(docs);
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn org(parent_of_ou: &str) -> Organization {
        let policy = |id: &str, targets: &[&str]| OrgPolicy {
            id: id.into(),
            arn: format!("arn:aws:organizations::1:policy/{id}"),
            name: id.into(),
            aws_managed: false,
            document: Observed::Known(json!({"Sid": id})),
            targets: Observed::Known(targets.iter().map(|t| t.to_string()).collect()),
        };
        Organization {
            id: "o-1".into(),
            arn: "arn:aws:organizations::1:organization/o-1".into(),
            management_account_id: "111111111111".into(),
            feature_set: "ALL".into(),
            roots: Observed::Known(vec![OrgRoot {
                id: "r-1".into(),
                arn: String::new(),
                name: "Root".into(),
                policy_types: vec![PolicyTypeStatus {
                    kind: "SERVICE_CONTROL_POLICY".into(),
                    status: "ENABLED".into(),
                }],
            }]),
            units: Observed::Known(vec![
                OrganizationalUnit { id: "ou-a".into(), arn: String::new(), name: "A".into(), parent_id: "r-1".into() },
                OrganizationalUnit {
                    id: "ou-b".into(),
                    arn: String::new(),
                    name: "B".into(),
                    parent_id: parent_of_ou.into(),
                },
            ]),
            accounts: Observed::Known(vec![OrgAccount {
                id: "222222222222".into(),
                arn: String::new(),
                name: "prod".into(),
                email: String::new(),
                state: "ACTIVE".into(),
                parent_id: Some("ou-b".into()),
            }]),
            scps: Observed::Known(vec![
                policy("p-full", &["r-1", "ou-a", "ou-b", "222222222222"]),
                policy("p-deny", &["ou-b"]),
            ]),
            rcps: Observed::Known(vec![policy("p-rcp", &["r-1"])]),
            delegated_administrators: Observed::Known(Vec::new()),
            resource_policy: Observed::Known(None),
            root_access_features: Observed::Known(Vec::new()),
        }
    }

    #[test]
    fn chain_runs_root_to_account() {
        let o = org("ou-a");
        assert_eq!(o.path_to("222222222222").unwrap(), ["r-1", "ou-a", "ou-b", "222222222222"]);
        let chain = o.document_chain("222222222222", OrgPolicyKind::ServiceControlPolicy).unwrap().unwrap();
        let sids: Vec<Vec<&str>> =
            chain.iter().map(|l| l.iter().map(|d| d["Sid"].as_str().unwrap()).collect()).collect();
        assert_eq!(sids, [vec!["p-full"], vec!["p-full"], vec!["p-full", "p-deny"], vec!["p-full"]]);
    }

    #[test]
    fn disabled_policy_type_is_no_chain() {
        let o = org("ou-a");
        assert_eq!(o.document_chain("222222222222", OrgPolicyKind::ResourceControlPolicy), Ok(None));
    }

    #[test]
    fn cycles_unknowns_and_strangers_are_gaps() {
        let cyclic = org("ou-b");
        assert!(matches!(cyclic.path_to("222222222222"), Err(ChainGap::Unknown(m)) if m.contains("cycle")));
        let o = org("ou-a");
        assert_eq!(o.path_to("999999999999"), Err(ChainGap::NotAMember));
        let mut hidden = org("ou-a");
        hidden.scps = Observed::unknown(crate::UnknownKind::AccessDenied, "denied");
        assert!(matches!(
            hidden.document_chain("222222222222", OrgPolicyKind::ServiceControlPolicy),
            Err(ChainGap::Unknown(m)) if m.contains("denied")
        ));
    }
}
