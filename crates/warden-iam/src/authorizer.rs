//! Evaluation for the principals and resources of one collected account: the entry point
//! checks and the `warden iam` queries use.
//!
//! [`Authorizer::for_account`] parses every policy document once (a document that does
//! not parse is skipped and recorded in [`Authorizer::errors`], never a panic) and indexes
//! users, roles, groups, managed policies and resource policies (bucket policies, KMS
//! key policies, role trust policies).
//!
//! A request's context is completed with what the principal implies when the caller did
//! not set it: `aws:username`, `aws:userid`, `aws:PrincipalArn`, `aws:PrincipalAccount`,
//! `aws:PrincipalType` and `aws:PrincipalTag/*`.

use crate::arn::Arn;
use crate::catalog;
use crate::context::{Context, ContextValue};
use crate::eval::{Decision, PolicyRef, PolicySet, Principal, Request, evaluate, evaluate_lazy};
use crate::policy::{Effect, Policy, PolicyError};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use warden_model::inventory::{Account, AttachedPolicy, InlinePolicy, Tags};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    User,
    Role,
}

#[derive(Debug, Clone)]
struct Entry {
    arn: String,
    name: String,
    id: String,
    kind: PrincipalType,
    /// (policy id, index into `policies`)
    identity: Vec<usize>,
    boundary: Option<usize>,
    tags: Tags,
}

/// A policy document that could not be used.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyProblem {
    pub policy: String,
    pub error: String,
}

/// One answer of `who_can` / `what_can`.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub decision: Decision,
}

/// Evaluation over one account.
#[derive(Debug, Clone, Default)]
pub struct Authorizer {
    account_id: String,
    partition: String,
    /// Every parsed policy with its id (managed policy ARN, or `principal-arn#inline-name`).
    policies: Vec<(String, Policy)>,
    entries: Vec<Entry>,
    /// Resource ARN → index into `policies`.
    resource_policies: HashMap<String, usize>,
    /// Names of the account's buckets (S3 ARNs carry no account).
    buckets: HashSet<String>,
    /// Principal ARN → index into `entries`.
    by_arn: HashMap<String, usize>,
    /// SCP levels of the account, root first (indexes into `policies`); empty when unknown.
    scps: Vec<Vec<usize>>,
    errors: Vec<PolicyProblem>,
}

/// A hypothetical change to evaluate under, for "what if" questions such as privilege
/// escalation: policies the principal would gain, and a replacement resource policy
/// (e.g. a rewritten role trust policy).
#[derive(Debug, Clone, Copy, Default)]
pub struct WhatIf<'a> {
    pub extra_identity: &'a [PolicyRef<'a>],
    pub resource_policy: Option<PolicyRef<'a>>,
}

impl Authorizer {
    /// Indexes `account`. Documents that do not parse are recorded, not fatal.
    pub fn for_account(account: &Account) -> Authorizer {
        let mut a =
            Authorizer { account_id: account.id.clone(), partition: account.partition.clone(), ..Default::default() };
        let mut managed: HashMap<String, usize> = HashMap::new();
        if let Some(ps) = account.iam.policies.known() {
            for p in ps {
                if let Some(i) = a.add(p.arn.clone(), &p.document) {
                    managed.insert(p.arn.clone(), i);
                }
            }
        }
        let attach = |a: &mut Authorizer, owner: &str, att: &[AttachedPolicy], inl: &[InlinePolicy]| -> Vec<usize> {
            let mut out: Vec<usize> = att.iter().filter_map(|x| managed.get(&x.arn).copied()).collect();
            for x in att.iter().filter(|x| !managed.contains_key(&x.arn)) {
                a.errors.push(PolicyProblem {
                    policy: x.arn.clone(),
                    error: format!("managed policy attached to `{owner}` is not in the inventory"),
                });
            }
            for p in inl {
                if let Some(i) = a.add(format!("{owner}#{}", p.name), &p.document) {
                    out.push(i);
                }
            }
            out
        };
        let mut group_policies: HashMap<String, Vec<usize>> = HashMap::new();
        if let Some(gs) = account.iam.groups.known() {
            for g in gs {
                let ids = attach(&mut a, &g.arn, &g.attached_policies, &g.inline_policies);
                group_policies.insert(g.name.clone(), ids);
            }
        }
        if let Some(us) = account.iam.users.known() {
            for u in us {
                let mut identity = attach(&mut a, &u.arn, &u.attached_policies, &u.inline_policies);
                for g in &u.groups {
                    identity.extend(group_policies.get(g).into_iter().flatten().copied());
                }
                let boundary = u.permissions_boundary.as_ref().and_then(|b| managed.get(b).copied());
                a.entries.push(Entry {
                    arn: u.arn.clone(),
                    name: u.name.clone(),
                    id: u.id.clone(),
                    kind: PrincipalType::User,
                    identity,
                    boundary,
                    tags: u.tags.clone(),
                });
            }
        }
        if let Some(rs) = account.iam.roles.known() {
            for r in rs {
                let identity = attach(&mut a, &r.arn, &r.attached_policies, &r.inline_policies);
                let boundary = r.permissions_boundary.as_ref().and_then(|b| managed.get(b).copied());
                if let Some(i) = a.add(format!("{}#trust", r.arn), &r.trust_policy) {
                    a.resource_policies.insert(r.arn.clone(), i);
                }
                a.entries.push(Entry {
                    arn: r.arn.clone(),
                    name: r.name.clone(),
                    id: String::new(),
                    kind: PrincipalType::Role,
                    identity,
                    boundary,
                    tags: r.tags.clone(),
                });
            }
        }
        if let Some(bs) = account.s3.buckets.known() {
            for b in bs {
                a.buckets.insert(b.name.clone());
                if let Some(Some(doc)) = b.policy.known() {
                    let arn = b.arn(&account.partition);
                    if let Some(i) = a.add(format!("{arn}#policy"), doc) {
                        a.resource_policies.insert(arn, i);
                    }
                }
            }
        }
        for region in &account.regions {
            for k in region.kms.keys.known().into_iter().flatten() {
                if let Some(doc) = k.policy.known()
                    && let Some(i) = a.add(format!("{}#policy", k.arn), doc)
                {
                    a.resource_policies.insert(k.arn.clone(), i);
                }
            }
        }
        for (i, e) in a.entries.iter().enumerate() {
            a.by_arn.entry(e.arn.clone()).or_insert(i);
        }
        a
    }

    /// Applies service control policies (one list per level, root first; every level must
    /// allow) to every principal of the account.
    pub fn with_scps(mut self, levels: Vec<Vec<(String, Policy)>>) -> Authorizer {
        self.scps = levels
            .into_iter()
            .map(|level| {
                level
                    .into_iter()
                    .map(|p| {
                        self.policies.push(p);
                        self.policies.len() - 1
                    })
                    .collect()
            })
            .collect();
        self
    }

    /// The identity policies (attached, inline and through groups) of a user or role.
    pub fn identity_policies(&self, principal: &str) -> Vec<PolicyRef<'_>> {
        let Some(e) = self.entry_for(principal) else { return Vec::new() };
        e.identity
            .iter()
            .filter_map(|i| self.policies.get(*i).map(|(id, p)| PolicyRef { id: id.as_str(), policy: p }))
            .collect()
    }

    fn add(&mut self, id: String, doc: &serde_json::Value) -> Option<usize> {
        let parsed = match doc {
            serde_json::Value::String(t) => Policy::from_str(t),
            other => Policy::parse(other),
        };
        match parsed {
            Ok(p) => {
                self.policies.push((id, p));
                Some(self.policies.len() - 1)
            }
            Err(e) => {
                self.errors.push(PolicyProblem { policy: id, error: e.to_string() });
                None
            }
        }
    }

    /// Documents that could not be parsed or resolved.
    pub fn errors(&self) -> &[PolicyProblem] {
        &self.errors
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// ARNs of every user and role.
    pub fn principals(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.arn.as_str())
    }

    /// The policy with `id`, parsed.
    pub fn policy(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.0 == id).map(|p| &p.1)
    }

    fn entry_for(&self, principal: &str) -> Option<&Entry> {
        if let Some(e) = self.by_arn.get(principal).and_then(|i| self.entries.get(*i)) {
            return Some(e);
        }
        // An assumed-role session maps to its role by name.
        let a = Arn::parse(principal)?;
        let role = a.resource.strip_prefix("assumed-role/")?.split('/').next()?;
        self.entries.iter().find(|e| e.kind == PrincipalType::Role && e.name == role && a.account == self.account_id)
    }

    /// The resource policy that governs `resource`: an S3 object's bucket policy, a KMS
    /// key policy, a role's trust policy.
    fn resource_policy_index(&self, resource: &str) -> Option<usize> {
        if let Some(i) = self.resource_policies.get(resource) {
            return Some(*i);
        }
        let a = Arn::parse(resource)?;
        if a.service == "s3" {
            let bucket = a.resource.split('/').next()?;
            return self.resource_policies.get(&format!("arn:{}:s3:::{bucket}", a.partition)).copied();
        }
        None
    }

    fn resource_account(&self, resource: &str) -> Option<String> {
        match Arn::parse(resource) {
            Some(a) if !a.account.is_empty() => Some(a.account.to_owned()),
            Some(a) if a.service == "s3" && self.resource_policy_index(resource).is_some() => {
                Some(self.account_id.clone())
            }
            _ => None,
        }
    }

    /// Evaluates a request from a principal of this account (or an outside one: then only
    /// the resource side is known here).
    pub fn evaluate(&self, req: &Request) -> Decision {
        let (set, req) = self.prepare(req);
        evaluate(&set, &req)
    }

    /// Evaluates `req` as if `what_if` were in place: its policies added to the
    /// principal's identity policies, its resource policy replacing the resource's.
    pub fn evaluate_what_if(&self, req: &Request, what_if: &WhatIf<'_>) -> Decision {
        let (mut set, req) = self.prepare(req);
        set.identity.extend(what_if.extra_identity.iter().copied());
        if let Some(r) = what_if.resource_policy {
            set.resource = Some(r);
        }
        evaluate(&set, &req)
    }

    /// The policies that apply to `req` in this account (SCPs from [`Authorizer::with_scps`]
    /// for its own principals), and the request with its resource account and the context
    /// keys the principal implies filled in.
    fn prepare(&self, req: &Request) -> (PolicySet<'_>, Request) {
        let mut req = req.clone();
        if req.resource_account.is_none() {
            req.resource_account = self.resource_account(&req.resource);
        }
        let mut set = PolicySet { resource: self.resource_policy(&req.resource), ..Default::default() };
        if let Some((identity, boundaries)) = self.principal_side(req.principal.as_str(), &mut req.context) {
            set.identity = identity;
            set.boundaries = boundaries;
            set.scps =
                self.scps.iter().map(|level| level.iter().filter_map(|i| self.policy_ref(*i)).collect()).collect();
        }
        (set, req)
    }

    fn policy_ref(&self, i: usize) -> Option<PolicyRef<'_>> {
        self.policies.get(i).map(|(id, p)| PolicyRef { id: id.as_str(), policy: p })
    }

    /// The resource policy that governs `resource` in this account, if any.
    pub(crate) fn resource_policy(&self, resource: &str) -> Option<PolicyRef<'_>> {
        self.resource_policy_index(resource).and_then(|i| self.policy_ref(i))
    }

    /// Whether `principal` (a user, a role, or a session of a role) belongs to this account.
    pub(crate) fn has_principal(&self, principal: &str) -> bool {
        self.entry_for(principal).is_some()
    }

    /// Whether this account holds the bucket `name`.
    pub(crate) fn has_bucket(&self, name: &str) -> bool {
        self.buckets.contains(name)
    }

    /// The identity side of `principal` (identity policies, permissions boundary) when it
    /// is a user or role of this account, completing `ctx` with the keys it implies.
    pub(crate) fn principal_side(
        &self,
        principal: &str,
        ctx: &mut Context,
    ) -> Option<(Vec<PolicyRef<'_>>, Vec<PolicyRef<'_>>)> {
        let e = self.entry_for(principal)?;
        let identity = e.identity.iter().filter_map(|i| self.policy_ref(*i)).collect();
        let boundaries = e.boundary.and_then(|i| self.policy_ref(i)).into_iter().collect();
        let single = |s: &str| ContextValue::Single(s.to_owned());
        ctx.insert_default("aws:PrincipalArn", single(&e.arn));
        ctx.insert_default("aws:PrincipalAccount", single(&self.account_id));
        ctx.insert_default(
            "aws:PrincipalType",
            single(match e.kind {
                PrincipalType::User => "User",
                PrincipalType::Role => "AssumedRole",
            }),
        );
        if e.kind == PrincipalType::User {
            ctx.insert_default("aws:username", single(&e.name));
            if !e.id.is_empty() {
                ctx.insert_default("aws:userid", single(&e.id));
            }
        }
        for (k, v) in &e.tags {
            ctx.insert_default(&format!("aws:PrincipalTag/{k}"), single(v));
        }
        Some((identity, boundaries))
    }

    /// Every user and role of the account (and anonymous callers, `*`) allowed to perform
    /// `action` on `resource` with an empty request context, each with the deciding
    /// statements. Conditions needing context keys that are absent do not hold.
    pub fn who_can(&self, action: &str, resource: &str) -> Vec<Grant> {
        let mut out = Vec::new();
        let mut principals: Vec<String> = self.entries.iter().map(|e| e.arn.clone()).collect();
        principals.push("*".into());
        for p in principals {
            let (set, req) = self.prepare(&Request::new(&p, action, resource));
            // Only allowed principals are reported: render reasons for those alone.
            let e = evaluate_lazy(&set, &req);
            if e.is_allowed() {
                let decision = e.to_decision();
                out.push(Grant { principal: p, action: action.to_owned(), resource: resource.to_owned(), decision });
            }
        }
        out
    }

    /// What `principal` may do: every catalog action matched by an `Allow` statement of
    /// its identity policies, evaluated on each resource pattern of that statement (taken
    /// literally, `*` meaning any resource). Only allowed pairs are returned.
    pub fn what_can(&self, principal: &str) -> Vec<Grant> {
        let Some(e) = self.entry_for(principal) else { return Vec::new() };
        let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
        for i in &e.identity {
            let Some((_, p)) = self.policies.get(*i) else { continue };
            for st in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
                let resources: Vec<String> = match &st.resource {
                    Some(r) if !r.negated => r.patterns.iter().map(|p| p.raw.clone()).collect(),
                    _ => vec!["*".into()],
                };
                for action in catalog::actions_matching(&st.action) {
                    for r in &resources {
                        pairs.insert((action.clone(), r.clone()));
                    }
                }
            }
        }
        let principal = Principal::parse(principal);
        pairs
            .into_iter()
            .filter_map(|(action, resource)| {
                let req = Request { principal: principal.clone(), ..Request::new("*", &action, &resource) };
                let d = self.evaluate(&req);
                d.is_allowed().then(|| Grant {
                    principal: principal.as_str().to_owned(),
                    action,
                    resource,
                    decision: d,
                })
            })
            .collect()
    }

    /// Partition of the account (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &str {
        &self.partition
    }
}

/// Parses an identity policy document held as JSON or URL-encoded text.
pub fn parse_document(doc: &serde_json::Value) -> Result<Policy, PolicyError> {
    match doc {
        serde_json::Value::String(t) => Policy::from_str(t),
        other => Policy::parse(other),
    }
}
