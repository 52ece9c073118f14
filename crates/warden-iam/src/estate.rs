//! Evaluation across every account of an inventory: who in *any* collected account may act
//! on a resource of another.
//!
//! [`Authorizer`] answers for one account; a request from a principal of account A on a
//! resource of account B needs both: A's identity side (identity policies, permissions
//! boundary, A's SCPs) and B's resource side (the resource policy, B's RCPs). [`Estate`]
//! indexes every account once and assembles that [`PolicySet`]; [`crate::evaluate`]
//! applies the AWS rules ("Cross-account policy evaluation logic", IAM User Guide): across
//! accounts both sides must allow, and role trust policies and KMS key policies must allow
//! explicitly even within one account.
//!
//! Organization policies apply when the inventory holds the organization: SCPs to the
//! principal's account, RCPs to the resource's, never to the management account; and a
//! principal of a member account carries `aws:PrincipalOrgID`. When the
//! chain of an account cannot be read, its requests are evaluated without SCPs/RCPs (which
//! can only over-report access) and the gap is recorded in [`Estate::errors`].

use crate::authorizer::{Authorizer, Grant, PolicyProblem, parse_document};
use crate::context::ContextValue;
use crate::eval::{Decision, PolicyRef, PolicySet, Request, evaluate, evaluate_lazy};
use crate::policy::Policy;
use std::collections::HashMap;
use warden_model::inventory::{ChainGap, Inventory, OrgPolicy, OrgPolicyKind, Organization};

/// Evaluation over every account of an inventory.
#[derive(Debug, Clone, Default)]
pub struct Estate {
    accounts: Vec<Authorizer>,
    /// Organization policies, parsed once, with the id used in reasons (the policy ARN).
    org_policies: Vec<(String, Policy)>,
    /// Per account (same index as `accounts`): SCP levels, root first, as indexes into
    /// `org_policies`; empty when SCPs do not apply.
    scps: Vec<Vec<Vec<usize>>>,
    /// Per account: RCP levels, likewise.
    rcps: Vec<Vec<Vec<usize>>>,
    /// Per account: the organization id when the account is a member (`aws:PrincipalOrgID`).
    org_ids: Vec<Option<String>>,
    errors: Vec<PolicyProblem>,
}

impl Estate {
    /// Indexes every account of `inventory`, and the organization's SCPs and RCPs when it
    /// holds them. Documents that do not parse are recorded, not fatal.
    pub fn new(inventory: &Inventory) -> Estate {
        let mut e = Estate::default();
        let org = inventory.organization.known().and_then(Option::as_ref);
        let mut parsed: HashMap<(bool, String), usize> = HashMap::new();
        for account in &inventory.accounts {
            e.accounts.push(Authorizer::for_account(account));
            let mut chain = |kind| match org {
                Some(org) => e.chain(org, &account.id, kind, &mut parsed),
                None => Vec::new(),
            };
            let scps = chain(OrgPolicyKind::ServiceControlPolicy);
            let rcps = chain(OrgPolicyKind::ResourceControlPolicy);
            e.scps.push(scps);
            e.rcps.push(rcps);
            let member = org.filter(|o| o.accounts.known().is_some_and(|l| l.iter().any(|x| x.id == account.id)));
            e.org_ids.push(member.map(|o| o.id.clone()));
        }
        e
    }

    /// The levels of `kind` that apply to `account_id`, parsing each policy once.
    fn chain(
        &mut self,
        org: &Organization,
        account_id: &str,
        kind: OrgPolicyKind,
        parsed: &mut HashMap<(bool, String), usize>,
    ) -> Vec<Vec<usize>> {
        // "SCPs do not affect users or roles in the management account"; RCPs likewise.
        if account_id == org.management_account_id {
            return Vec::new();
        }
        let gap = |why: String| PolicyProblem {
            policy: format!("{} of account {account_id}", kind.api_name()),
            error: format!("cannot be read ({why}); evaluated without them"),
        };
        let levels = match org.policy_chain(account_id, kind) {
            Ok(Some(levels)) => levels,
            Ok(None) | Err(ChainGap::NotAMember) => return Vec::new(),
            Err(ChainGap::Unknown(why)) => {
                self.errors.push(gap(why));
                return Vec::new();
            }
        };
        if let Some(p) = levels.iter().flatten().find(|p| p.document.known().is_none()) {
            self.errors.push(gap(format!("the document of {} is unknown", p.id)));
            return Vec::new();
        }
        levels.iter().map(|level| level.iter().filter_map(|p| self.org_policy(p, kind, parsed)).collect()).collect()
    }

    /// The index in `org_policies` of `p`, parsed on first use.
    fn org_policy(
        &mut self,
        p: &OrgPolicy,
        kind: OrgPolicyKind,
        parsed: &mut HashMap<(bool, String), usize>,
    ) -> Option<usize> {
        let key = (kind == OrgPolicyKind::ServiceControlPolicy, p.id.clone());
        if let Some(i) = parsed.get(&key) {
            return Some(*i);
        }
        let id = if p.arn.is_empty() { p.id.clone() } else { p.arn.clone() };
        match parse_document(p.document.known()?) {
            Ok(policy) => {
                self.org_policies.push((id, policy));
                let i = self.org_policies.len() - 1;
                parsed.insert(key, i);
                Some(i)
            }
            Err(err) => {
                self.errors.push(PolicyProblem { policy: id, error: err.to_string() });
                None
            }
        }
    }

    /// The per-account evaluators, in inventory order.
    pub fn accounts(&self) -> &[Authorizer] {
        &self.accounts
    }

    /// Documents that could not be parsed or resolved, in any account or the organization.
    pub fn errors(&self) -> impl Iterator<Item = &PolicyProblem> {
        self.errors.iter().chain(self.accounts.iter().flat_map(|a| a.errors()))
    }

    /// ARNs of every user and role of every account.
    pub fn principals(&self) -> impl Iterator<Item = &str> {
        self.accounts.iter().flat_map(Authorizer::principals)
    }

    /// The account holding `principal` (a user, role, or session of a role).
    fn principal_account(&self, principal: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.has_principal(principal))
    }

    /// The account owning the resource of `req`: the request's resource account, else the
    /// ARN's account field, else (S3, whose ARNs carry none) the account holding the bucket.
    fn resource_account(&self, req: &Request) -> Option<usize> {
        let by_id = |id: &str| self.accounts.iter().position(|a| a.account_id() == id);
        if let Some(id) = req.resource_account.as_deref().filter(|a| !a.is_empty()) {
            return by_id(id);
        }
        let arn = crate::arn::Arn::parse(&req.resource)?;
        if !arn.account.is_empty() {
            return by_id(arn.account);
        }
        let bucket = (arn.service == "s3").then(|| arn.resource.split('/').next().unwrap_or_default())?;
        self.accounts.iter().position(|a| a.has_bucket(bucket))
    }

    fn levels<'s>(&'s self, levels: Option<&'s Vec<Vec<usize>>>) -> Vec<Vec<PolicyRef<'s>>> {
        let r = |i: &usize| self.org_policies.get(*i).map(|(id, p)| PolicyRef { id: id.as_str(), policy: p });
        levels.into_iter().flatten().map(|level| level.iter().filter_map(r).collect()).collect()
    }

    /// The RCP levels that apply to resources of `account_id` (empty when none apply or
    /// the account is not in the inventory).
    pub(crate) fn rcp_levels(&self, account_id: &str) -> Vec<Vec<PolicyRef<'_>>> {
        let i = self.accounts.iter().position(|a| a.account_id() == account_id);
        self.levels(i.and_then(|i| self.rcps.get(i)))
    }

    /// The policies that apply to `req`, from the principal's account and the resource's,
    /// and the request with its resource account and principal context keys filled in.
    fn prepare(&self, req: &Request) -> (PolicySet<'_>, Request) {
        let mut req = req.clone();
        let mut set = PolicySet::default();
        if let Some(b) = self.resource_account(&req) {
            if let Some(owner) = self.accounts.get(b) {
                if req.resource_account.is_none() {
                    req.resource_account = Some(owner.account_id().to_owned());
                }
                set.resource = owner.resource_policy(&req.resource);
            }
            set.rcps = self.levels(self.rcps.get(b));
        }
        if let Some(a) = self.principal_account(req.principal.as_str()) {
            let side =
                self.accounts.get(a).and_then(|acct| acct.principal_side(req.principal.as_str(), &mut req.context));
            if let Some((identity, boundaries)) = side {
                set.identity = identity;
                set.boundaries = boundaries;
                set.scps = self.levels(self.scps.get(a));
                if let Some(Some(org)) = self.org_ids.get(a) {
                    req.context.insert_default("aws:PrincipalOrgID", ContextValue::Single(org.clone()));
                }
            }
        }
        (set, req)
    }

    /// Evaluates a request from a principal of any account (or an outside one: then only
    /// the resource side is known) on a resource of any account.
    pub fn evaluate(&self, req: &Request) -> Decision {
        let (set, req) = self.prepare(req);
        evaluate(&set, &req)
    }

    /// Every user and role of every account (and anonymous callers, `*`) allowed to perform
    /// `action` on `resource` with an empty request context, each with the deciding
    /// statements: principals of the resource's own account as [`Authorizer::who_can`]
    /// finds them, and principals of the other accounts that both their own policies and
    /// the resource's policy allow.
    pub fn who_can(&self, action: &str, resource: &str) -> Vec<Grant> {
        let mut out = Vec::new();
        for p in self.principals().chain(["*"]) {
            let (set, req) = self.prepare(&Request::new(p, action, resource));
            let e = evaluate_lazy(&set, &req);
            if e.is_allowed() {
                out.push(Grant {
                    principal: p.to_owned(),
                    action: action.to_owned(),
                    resource: resource.to_owned(),
                    decision: e.to_decision(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DecisionKind, Layer};
    use serde_json::{Value, json};

    const A: &str = "111111111111";
    const B: &str = "222222222222";

    fn allow(action: &str, resource: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
    }

    fn user(account: &str, name: &str, policies: &[Value]) -> Value {
        let inline: Vec<Value> =
            policies.iter().enumerate().map(|(i, p)| json!({"name": format!("p{i}"), "document": p})).collect();
        json!({"name": name, "arn": format!("arn:aws:iam::{account}:user/{name}"), "inline_policies": inline})
    }

    fn trust(principal: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]})
    }

    fn key_policy(principal: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}]})
    }

    const KEY_B_ONLY: &str = "arn:aws:kms:us-east-1:222222222222:key/b-only";
    const KEY_SHARED: &str = "arn:aws:kms:us-east-1:222222222222:key/shared";

    /// Account A: alice (allowed by her own policies to read B's buckets, assume B's
    /// roles, use B's keys) and bob (no policies). Account B: carol (reads any bucket), a
    /// bucket shared with A, a private bucket, a role trusting alice, a role trusting
    /// account A, a key for B only and a key shared with A.
    fn inventory(org: Option<Value>) -> Inventory {
        let alice = user(
            A,
            "alice",
            &[
                allow("s3:GetObject", "arn:aws:s3:::*"),
                allow("sts:AssumeRole", "arn:aws:iam::222222222222:role/for-alice"),
                allow("kms:Decrypt", "*"),
            ],
        );
        let shared = json!({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b-shared/*"}]});
        let role = |name: &str, t: Value| json!({"name": name, "arn": format!("arn:aws:iam::{B}:role/{name}"), "trust_policy": t});
        let key = |arn: &str, p: Value| json!({"id": arn, "arn": arn, "manager": "CUSTOMER", "state": "Enabled", "policy": {"known": p}});
        let v = json!({
            "accounts": [
                {"id": A, "iam": {"users": {"known": [alice, user(A, "bob", &[])]}, "roles": {"known": []}, "groups": {"known": []}, "policies": {"known": []}}},
                {"id": B,
                 "iam": {"users": {"known": [user(B, "carol", &[allow("s3:GetObject", "*")])]},
                         "roles": {"known": [role("for-alice", trust(&format!("arn:aws:iam::{A}:user/alice"))), role("for-account-a", trust(A))]},
                         "groups": {"known": []}, "policies": {"known": []}},
                 "s3": {"buckets": {"known": [
                     {"name": "b-shared", "region": "us-east-1", "policy": {"known": shared}},
                     {"name": "b-private", "region": "us-east-1", "policy": {"known": null}}]}},
                 "regions": [{"name": "us-east-1", "kms": {"keys": {"known": [
                     key(KEY_B_ONLY, key_policy(&format!("arn:aws:iam::{B}:root"))),
                     key(KEY_SHARED, key_policy(&format!("arn:aws:iam::{A}:root")))]}}}]}
            ],
            "organization": {"known": org}
        });
        serde_json::from_value(v).unwrap()
    }

    fn alice() -> String {
        format!("arn:aws:iam::{A}:user/alice")
    }

    fn decide(e: &Estate, principal: &str, action: &str, resource: &str) -> Decision {
        e.evaluate(&Request::new(principal, action, resource))
    }

    #[test]
    fn cross_account_needs_both_sides() {
        let e = Estate::new(&inventory(None));
        assert!(e.errors().next().is_none(), "{:?}", e.errors().collect::<Vec<_>>());
        // Both sides allow: alice's policy and the bucket policy naming account A.
        let d = decide(&e, &alice(), "s3:GetObject", "arn:aws:s3:::b-shared/k");
        assert!(d.is_allowed(), "{d:?}");
        assert!(d.reasons.iter().any(|r| r.layer == Layer::Identity));
        assert!(d.reasons.iter().any(|r| r.layer == Layer::Resource && r.sid.as_deref() == Some("A")));
        // Only the resource side allows: bob has no policy of his own.
        let d = decide(&e, &format!("arn:aws:iam::{A}:user/bob"), "s3:GetObject", "arn:aws:s3:::b-shared/k");
        assert_eq!((d.decision, d.blocked_by), (DecisionKind::ImplicitDeny, Some(Layer::Identity)));
        // Only the identity side allows: the bucket has no policy.
        let d = decide(&e, &alice(), "s3:GetObject", "arn:aws:s3:::b-private/k");
        assert_eq!((d.decision, d.blocked_by), (DecisionKind::ImplicitDeny, Some(Layer::Resource)));
    }

    #[test]
    fn trust_and_key_policies_must_allow_explicitly() {
        let e = Estate::new(&inventory(None));
        let role = |n: &str| format!("arn:aws:iam::{B}:role/{n}");
        assert!(decide(&e, &alice(), "sts:AssumeRole", &role("for-alice")).is_allowed());
        // The trust policy delegates to account A, but alice's own policies do not allow this role.
        assert!(!decide(&e, &alice(), "sts:AssumeRole", &role("for-account-a")).is_allowed());
        assert!(!decide(&e, &format!("arn:aws:iam::{A}:user/bob"), "sts:AssumeRole", &role("for-alice")).is_allowed());
        // Alice's identity policy allows kms:Decrypt on any key; only the shared key's policy admits account A.
        assert!(decide(&e, &alice(), "kms:Decrypt", KEY_SHARED).is_allowed());
        let d = decide(&e, &alice(), "kms:Decrypt", KEY_B_ONLY);
        assert_eq!((d.decision, d.blocked_by), (DecisionKind::ImplicitDeny, Some(Layer::Resource)));
    }

    #[test]
    fn same_account_is_unaffected() {
        let inv = inventory(None);
        let e = Estate::new(&inv);
        let b = Authorizer::for_account(&inv.accounts[1]);
        let carol = format!("arn:aws:iam::{B}:user/carol");
        for (action, resource) in [
            ("s3:GetObject", "arn:aws:s3:::b-shared/k"),
            ("s3:GetObject", "arn:aws:s3:::b-private/k"),
            ("s3:PutObject", "arn:aws:s3:::b-private/k"),
            ("kms:Decrypt", KEY_B_ONLY),
            ("sts:AssumeRole", &format!("arn:aws:iam::{B}:role/for-alice")),
        ] {
            for p in [carol.as_str(), "*"] {
                let req = Request::new(p, action, resource);
                assert_eq!(e.evaluate(&req), b.evaluate(&req), "{p} {action} {resource}");
            }
        }
        assert!(decide(&e, &carol, "s3:GetObject", "arn:aws:s3:::b-private/k").is_allowed());
        // The key policy names B's root: B's principals still need their own allow.
        assert!(!decide(&e, &carol, "kms:Decrypt", KEY_B_ONLY).is_allowed());
    }

    #[test]
    fn who_can_reports_principals_of_every_account() {
        let e = Estate::new(&inventory(None));
        let who: Vec<String> =
            e.who_can("s3:GetObject", "arn:aws:s3:::b-shared/k").into_iter().map(|g| g.principal).collect();
        assert_eq!(who, [alice(), format!("arn:aws:iam::{B}:user/carol")]);
        let who: Vec<String> =
            e.who_can("s3:GetObject", "arn:aws:s3:::b-private/k").into_iter().map(|g| g.principal).collect();
        assert_eq!(who, [format!("arn:aws:iam::{B}:user/carol")]);
    }

    #[test]
    fn scps_of_the_principal_account_apply() {
        let deny_s3 = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]});
        let full = allow("*", "*");
        let policy = |id: &str, doc: &Value, targets: &[&str]| {
            json!({"id": id, "arn": format!("arn:aws:organizations::{B}:policy/o-1/service_control_policy/{id}"),
                   "name": id, "document": {"known": doc}, "targets": {"known": targets}})
        };
        let org = json!({
            "id": "o-1", "arn": "arn:aws:organizations::222222222222:organization/o-1",
            "management_account_id": B, "feature_set": "ALL",
            "roots": {"known": [{"id": "r-1", "arn": "", "name": "Root",
                                 "policy_types": [{"kind": "SERVICE_CONTROL_POLICY", "status": "ENABLED"}]}]},
            "units": {"known": []},
            "accounts": {"known": [{"id": A, "arn": "", "name": "a", "email": "", "state": "ACTIVE", "parent_id": "r-1"},
                                   {"id": B, "arn": "", "name": "b", "email": "", "state": "ACTIVE", "parent_id": "r-1"}]},
            "scps": {"known": [policy("p-full", &full, &["r-1", A, B]), policy("p-no-s3", &deny_s3, &[A, B])]},
            "rcps": {"known": []},
            "delegated_administrators": {"known": []}
        });
        let e = Estate::new(&inventory(Some(org)));
        assert!(e.errors().next().is_none(), "{:?}", e.errors().collect::<Vec<_>>());
        let d = decide(&e, &alice(), "s3:GetObject", "arn:aws:s3:::b-shared/k");
        assert_eq!(d.decision, DecisionKind::ExplicitDeny, "{d:?}");
        assert!(d.reasons.iter().all(|r| r.layer == Layer::Scp && r.policy.ends_with("/p-no-s3")));
        // B is the management account: SCPs do not apply to its principals.
        assert!(
            decide(&e, &format!("arn:aws:iam::{B}:user/carol"), "s3:GetObject", "arn:aws:s3:::b-private/k")
                .is_allowed()
        );
        // Members carry `aws:PrincipalOrgID`.
        let (_, req) = e.prepare(&Request::new(&alice(), "sts:AssumeRole", "*"));
        assert_eq!(req.context.get("aws:PrincipalOrgID"), Some(&ContextValue::Single("o-1".into())));
        // Allowed actions still pass both SCP levels.
        assert!(decide(&e, &alice(), "sts:AssumeRole", &format!("arn:aws:iam::{B}:role/for-alice")).is_allowed());
    }
}
