//! Exposure analysis: who outside the estate can reach a resource, answered by
//! evaluation (IAM Access Analyzer's question).
//!
//! Reading `"Principal": "*"` off a policy misses `NotPrincipal`, a `Deny` that fences the
//! allow, an account named by ARN, a condition that pins the caller down; so the verdict
//! here comes from the evaluator ([`crate::evaluate`]), fed with *probe* callers:
//!
//! - anonymous (`*`);
//! - a principal of an account outside the estate (`999999999999`, or the next free id);
//! - every account, principal and federated provider the policy names;
//! - a principal of another member account of the organization, carrying
//!   `aws:PrincipalOrgID`.
//!
//! Each probe asks for a few representative actions per resource type
//! ([`S3_ACTIONS`], [`KMS_ACTIONS`], [`ROLE_ACTIONS`], [`SQS_ACTIONS`], … — the other
//! services are in [`services`]) with the resource side only: the
//! resource policy and the RCPs of the resource's account. The probe's own side is taken
//! to allow everything — an outside account's administrator can grant its principals
//! whatever the resource allows them.
//!
//! ## Conditions
//! Each request is evaluated twice at most:
//!
//! 1. With the context an outside caller controls: every condition on a key that does not
//!    restrict the caller (`aws:SecureTransport`, `s3:prefix`, `kms:ViaService`, …) is
//!    satisfied in allows and escaped in denies. Allowed here means allowed with no
//!    restricting condition.
//! 2. Otherwise, once per `Allow` statement, with that statement's restricting conditions
//!    satisfied too and the denies' restricting conditions escaped (`aws:SourceVpce`,
//!    `aws:SourceVpc`, `aws:SourceIp`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`,
//!    `aws:SourceAccount`, `aws:SourceArn`, … — [`crate::analysis::RESTRICTING_KEYS`],
//!    plus federated `…:sub` keys). When that allows, each restricting key is taken away
//!    in turn: the ones whose absence denies again are reported, with the operators and
//!    values the policy gives them. Those values also narrow *who*: an account or org key
//!    names the accounts / organizations; a network key (VPC, endpoint, IP) leaves the
//!    caller open but fenced to a network.
//!
//! A condition with a universal value (`*`, `0.0.0.0/0`) or under `…IfExists`, a negated
//! operator or `ForAllValues` (true when the key is missing) does not restrict.
//!
//! ## Trust
//! Accounts of the inventory, members of its organization and the caller's
//! `trusted_accounts` are trusted; the organization's own id is. Public (anyone,
//! unconditionally) and access for an untrusted account or organization are what a
//! check should flag.

use crate::analysis::{RESTRICTING_KEYS, universal};
use crate::arn;
use crate::condition::{Condition, OpKind, SetOp};
use crate::context::{Context, ContextValue};
use crate::estate::Estate;
use crate::eval::{Layer, PolicyRef, PolicySet, Principal, Reason, Request, evaluate};
use crate::policy::{Effect, Policy, PrincipalKind, PrincipalSpec};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use warden_model::inventory::{
    Account, Acl, Bucket, Grant as AclGrant, Inventory, KmsKey, PublicAccessBlock, Role, Snapshot,
};

/// Bucket-level and object-level actions probed on S3 buckets.
pub const S3_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:PutBucketAcl",
];
/// Actions probed on KMS keys.
pub const KMS_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:CreateGrant",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
];
/// Actions probed on role trust policies.
pub const ROLE_ACTIONS: &[&str] = &["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"];
/// The action a snapshot's `createVolumePermission` grants.
pub const SNAPSHOT_ACTION: &str = "ec2:CreateVolume";

/// S3 actions on objects (probed on object ARNs); the others are probed on the bucket.
const S3_OBJECT_ACTIONS: &[&str] = &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
/// Candidate ids for the outside-account probe, the first not in the estate is used.
const OUTSIDE_ACCOUNTS: &[&str] = &["999999999999", "999999999998", "999999999997"];
const PROBE_NAME: &str = "warden-exposure-probe";

const ORG_KEYS: &[&str] = &["aws:principalorgid", "aws:sourceorgid", "aws:principalorgpaths", "aws:sourceorgpaths"];
const ACCOUNT_KEYS: &[&str] =
    &["aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount", "s3:dataaccesspointaccount"];
const ARN_KEYS: &[&str] = &["aws:principalarn", "aws:sourcearn", "s3:dataaccesspointarn"];

/// The kinds of resource analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    S3Bucket,
    KmsKey,
    IamRole,
    EbsSnapshot,
    LambdaFunction,
    LambdaLayerVersion,
    SqsQueue,
    SnsTopic,
    SecretsManagerSecret,
    EcrRepository,
    RdsDbSnapshot,
    RdsClusterSnapshot,
    EfsFileSystem,
    DynamodbTable,
}

/// Who an access is open to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "ids")]
pub enum Audience {
    /// Any caller: anonymous, or any AWS account.
    Anyone,
    /// Principals of these accounts.
    Accounts(Vec<String>),
    /// Principals of accounts in these organizations.
    Organizations(Vec<String>),
    /// Identities of a web-identity / OIDC provider (`cognito-identity.amazonaws.com`,
    /// an `oidc-provider` ARN, …).
    Federated(String),
    /// An S3 canonical user id from a bucket ACL (its account is not known).
    CanonicalUser(String),
}

/// Where an access comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Policy,
    Acl,
    CreateVolumePermission,
    /// An RDS snapshot's `restore` attribute.
    RestoreAttribute,
}

/// A restricting condition an access depends on, as the policy writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Restriction {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
    /// JSON path of the condition, e.g. `Statement[0].Condition.StringEquals.aws:SourceVpce`.
    pub path: String,
}

/// One way in: who, which actions, under which conditions, and the proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    pub audience: Audience,
    pub source: Source,
    pub actions: Vec<String>,
    /// Restricting conditions the access depends on; empty when unconditional.
    pub conditions: Vec<Restriction>,
    /// The allowing resource-policy statements.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Reason>,
    /// For ACL grants and volume permissions: the entry, as collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// Whether every account / organization of the audience is trusted.
    pub trusted: bool,
}

impl Access {
    /// Open to any caller (anonymous, any account, any identity of a web-identity
    /// provider) with no condition that fences the caller.
    pub fn is_public(&self) -> bool {
        matches!(self.audience, Audience::Anyone | Audience::Federated(_)) && !self.conditions.iter().any(pins)
    }
}

/// How far a resource is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "level")]
pub enum Level {
    /// Any caller can act on it unconditionally (anonymous, any AWS account, any identity
    /// of a federated provider).
    Public,
    /// Principals of other accounts or organizations can; `untrusted` lists those neither
    /// in the estate, the organization nor the trusted list.
    CrossAccount { accounts: Vec<String>, organizations: Vec<String>, untrusted: Vec<String> },
    /// Only principals of the estate's own organization (via `aws:PrincipalOrgID` and the
    /// like).
    OrgOnly,
    /// Outside callers can, but only under restricting conditions that name no account
    /// or organization (a VPC, endpoint or IP range; a federated subject).
    Conditional,
    /// No probe outside the resource's account gets in.
    Private,
    /// The data needed is missing or does not parse.
    Unknown { reason: String },
}

/// The exposure of one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exposure {
    pub arn: String,
    pub kind: ResourceKind,
    pub account_id: String,
    pub region: String,
    pub level: Level,
    pub accesses: Vec<Access>,
    /// Facts that changed the verdict, e.g. Block Public Access overriding a grant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Exposure {
    /// Public, or open to an untrusted account or organization.
    pub fn is_risky(&self) -> bool {
        match &self.level {
            Level::Public => true,
            Level::CrossAccount { untrusted, .. } => !untrusted.is_empty(),
            _ => false,
        }
    }
}

/// Analyses resources of one inventory.
#[derive(Debug, Clone)]
pub struct Analyzer {
    estate: Estate,
    trusted: BTreeSet<String>,
    org_id: Option<String>,
    org_members: Vec<String>,
    outside: String,
    /// The probe's own side: `Allow * on *`.
    allow_all: Option<Policy>,
}

impl Analyzer {
    /// `trusted_accounts` adds to the accounts of the inventory and of its organization.
    pub fn new(inventory: &Inventory, trusted_accounts: &[String]) -> Analyzer {
        let org = inventory.organization.known().and_then(Option::as_ref);
        let org_members: Vec<String> =
            org.and_then(|o| o.accounts.known()).map(|l| l.iter().map(|a| a.id.clone()).collect()).unwrap_or_default();
        let mut trusted: BTreeSet<String> = inventory.accounts.iter().map(|a| a.id.clone()).collect();
        trusted.extend(org_members.iter().cloned());
        trusted.extend(org.map(|o| o.management_account_id.clone()));
        trusted.extend(trusted_accounts.iter().cloned());
        let outside = OUTSIDE_ACCOUNTS.iter().find(|a| !trusted.contains(**a)).copied().unwrap_or("999999999996");
        let allow_all = Policy::parse(&serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
        }))
        .ok();
        Analyzer {
            estate: Estate::new(inventory),
            trusted,
            org_id: org.map(|o| o.id.clone()),
            org_members,
            outside: outside.to_owned(),
            allow_all,
        }
    }

    /// A bucket: its policy, its ACL, and Block Public Access (bucket and account). With
    /// `RestrictPublicBuckets` a public policy grants nothing outside the account; with
    /// `IgnorePublicAcls` grants to `AllUsers` / `AuthenticatedUsers` count for nothing.
    pub fn bucket(&self, account: &Account, bucket: &Bucket) -> Exposure {
        let arn = bucket.arn(&account.partition);
        let mut e = Exposure::new(&arn, ResourceKind::S3Bucket, &account.id, &bucket.region);
        let policy = match bucket.policy.get() {
            Ok(Some(doc)) => match crate::authorizer::parse_document(doc) {
                Ok(p) => Some(p),
                Err(err) => return e.unknown(format!("the bucket policy does not parse: {err}")),
            },
            Ok(None) => None,
            Err(why) => return e.unknown(format!("the bucket policy cannot be read: {why}")),
        };
        let mut policy_access = Vec::new();
        if let Some(p) = &policy {
            let targets: Vec<(String, Vec<String>)> = S3_ACTIONS
                .iter()
                .map(|a| {
                    let res = if S3_OBJECT_ACTIONS.contains(a) { object_probes(p, &arn) } else { vec![arn.clone()] };
                    ((*a).to_owned(), res)
                })
                .collect();
            policy_access = self.probe(p, &account.id, &targets);
        }
        let public_policy = policy_access.iter().any(Access::is_public);
        let acl_access = match bucket.acl.get() {
            Ok(acl) => acl_accesses(acl),
            Err(why) => return e.unknown(format!("the bucket ACL cannot be read: {why}")),
        };
        let public_acl = acl_access.iter().any(|a| a.audience == Audience::Anyone);
        if public_policy || public_acl {
            let pab = match effective_pab(account, bucket) {
                Ok(p) => p,
                Err(why) => return e.unknown(format!("Block Public Access cannot be read: {why}")),
            };
            if public_policy && pab.restrict_public_buckets {
                e.notes
                    .push("RestrictPublicBuckets: the public bucket policy grants nothing outside the account".into());
                policy_access.clear();
            }
            if public_acl && pab.ignore_public_acls {
                e.notes.push("IgnorePublicAcls: grants to AllUsers / AuthenticatedUsers are ignored".into());
            }
        }
        let ignore_public_acls = e.notes.iter().any(|n| n.starts_with("IgnorePublicAcls"));
        e.accesses = policy_access;
        e.accesses.extend(acl_access.into_iter().filter(|a| !(ignore_public_acls && a.audience == Audience::Anyone)));
        self.finish(e)
    }

    /// A KMS key: its key policy.
    pub fn key(&self, account: &Account, region: &str, key: &KmsKey) -> Exposure {
        let e = Exposure::new(&key.arn, ResourceKind::KmsKey, &account.id, region);
        let policy = match key.policy.get() {
            Ok(doc) => match crate::authorizer::parse_document(doc) {
                Ok(p) => p,
                Err(err) => return e.unknown(format!("the key policy does not parse: {err}")),
            },
            Err(why) => return e.unknown(format!("the key policy cannot be read: {why}")),
        };
        self.policy_exposure(e, &policy, KMS_ACTIONS)
    }

    /// A role: its trust policy.
    pub fn role(&self, account: &Account, role: &Role) -> Exposure {
        let e = Exposure::new(&role.arn, ResourceKind::IamRole, &account.id, "global");
        match crate::authorizer::parse_document(&role.trust_policy) {
            Ok(p) => self.policy_exposure(e, &p, ROLE_ACTIONS),
            Err(err) => e.unknown(format!("the trust policy does not parse: {err}")),
        }
    }

    /// A snapshot: `createVolumePermission` is a list, not a policy — `all` is public,
    /// an account id shares with that account.
    pub fn snapshot(&self, account: &Account, region: &str, snap: &Snapshot) -> Exposure {
        // Snapshot ARNs carry no account.
        let arn = format!("arn:{}:ec2:{region}::snapshot/{}", account.partition, snap.id);
        let e = Exposure::new(&arn, ResourceKind::EbsSnapshot, &account.id, region);
        let what = "the snapshot's volume permissions";
        self.shares(e, &snap.create_volume_permissions, what, Source::CreateVolumePermission, SNAPSHOT_ACTION)
    }

    /// Every resource of the inventory whose data is collected.
    pub fn all(&self, inventory: &Inventory) -> Vec<Exposure> {
        let mut out = Vec::new();
        for a in &inventory.accounts {
            for b in a.s3.buckets.known().into_iter().flatten() {
                out.push(self.bucket(a, b));
            }
            for r in a.iam.roles.known().into_iter().flatten() {
                out.push(self.role(a, r));
            }
            for region in &a.regions {
                for k in region.kms.keys.known().into_iter().flatten() {
                    out.push(self.key(a, &region.name, k));
                }
                for s in region.ec2.snapshots.known().into_iter().flatten() {
                    out.push(self.snapshot(a, &region.name, s));
                }
                let r = region.name.as_str();
                out.extend(region.lambda.functions.known().into_iter().flatten().map(|f| self.function(a, r, f)));
                out.extend(
                    region.lambda.layer_versions.known().into_iter().flatten().map(|l| self.layer_version(a, r, l)),
                );
                out.extend(region.sqs.queues.known().into_iter().flatten().map(|q| self.queue(a, r, q)));
                out.extend(region.sns.topics.known().into_iter().flatten().map(|t| self.topic(a, r, t)));
                out.extend(region.secretsmanager.secrets.known().into_iter().flatten().map(|s| self.secret(a, r, s)));
                out.extend(region.ecr.repositories.known().into_iter().flatten().map(|x| self.repository(a, r, x)));
                out.extend(region.rds.snapshots.known().into_iter().flatten().map(|s| self.db_snapshot(a, r, s)));
                out.extend(
                    region
                        .rds
                        .cluster_snapshots
                        .known()
                        .into_iter()
                        .flatten()
                        .map(|s| self.db_cluster_snapshot(a, r, s)),
                );
                out.extend(region.efs.file_systems.known().into_iter().flatten().map(|f| self.file_system(a, r, f)));
                out.extend(region.dynamodb.tables.known().into_iter().flatten().map(|t| self.table(a, r, t)));
            }
        }
        out
    }

    fn policy_exposure(&self, mut e: Exposure, policy: &Policy, actions: &[&str]) -> Exposure {
        let targets: Vec<(String, Vec<String>)> =
            actions.iter().map(|a| ((*a).to_owned(), vec![e.arn.clone()])).collect();
        e.accesses = self.probe(policy, &e.account_id, &targets);
        self.finish(e)
    }

    /// The probe callers for a policy guarding a resource of `owner`.
    fn probes(&self, policy: &Policy, owner: &str) -> Vec<Probe> {
        let mut probes = vec![
            Probe {
                principal: Principal::Anonymous,
                audience: Audience::Anyone,
                context: Vec::new(),
                outside: false,
                org: false,
            },
            Probe {
                outside: true,
                ..self.account_probe(&format!("arn:aws:iam::{}:role/{PROBE_NAME}", self.outside), Audience::Anyone)
            },
        ];
        let mut seen: Vec<(PrincipalKind, &str)> = Vec::new();
        for st in policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let Some(PrincipalSpec::Map(m)) = st.principal.as_ref().map(|b| &b.spec) else { continue };
            for (kind, values) in m {
                for v in values.iter().filter(|v| v.as_str() != "*") {
                    if seen.contains(&(*kind, v.as_str())) {
                        continue;
                    }
                    seen.push((*kind, v.as_str()));
                    match kind {
                        PrincipalKind::Aws => {
                            let (caller, account) = if arn::is_account_id(v) {
                                (format!("arn:aws:iam::{v}:role/{PROBE_NAME}"), v.as_str())
                            } else {
                                (v.clone(), arn::account_of(v).unwrap_or_default())
                            };
                            if account != owner && !account.is_empty() {
                                probes.push(self.account_probe(&caller, Audience::Accounts(vec![account.to_owned()])));
                            }
                        }
                        // A SAML provider is the account's own identity provider; service
                        // principals are AWS itself.
                        PrincipalKind::Federated if !v.contains(":saml-provider/") => probes.push(Probe {
                            principal: Principal::Arn(v.clone()),
                            audience: Audience::Federated(v.clone()),
                            context: Vec::new(),
                            outside: false,
                            org: false,
                        }),
                        _ => {}
                    }
                }
            }
        }
        // A member of the organization that the policy does not name: the outside
        // account's id, carrying the organization's id.
        if let Some(org) = &self.org_id {
            let mut p = self.account_probe(
                &format!("arn:aws:iam::{}:role/{PROBE_NAME}", self.outside),
                Audience::Organizations(vec![org.clone()]),
            );
            p.context.push(("aws:PrincipalOrgID".into(), ContextValue::Single(org.clone())));
            probes.push(Probe { org: true, ..p });
        }
        probes
    }

    fn account_probe(&self, caller: &str, audience: Audience) -> Probe {
        let account = arn::account_of(caller).unwrap_or_default().to_owned();
        let mut context = vec![
            ("aws:PrincipalArn".to_owned(), ContextValue::Single(caller.to_owned())),
            ("aws:PrincipalAccount".to_owned(), ContextValue::Single(account.clone())),
        ];
        if let Some(org) = self.org_id.as_ref().filter(|_| self.org_members.contains(&account)) {
            context.push(("aws:PrincipalOrgID".into(), ContextValue::Single(org.clone())));
        }
        Probe { principal: Principal::Arn(caller.to_owned()), audience, context, outside: false, org: false }
    }

    /// Probes `policy` (guarding a resource of `owner`) with every probe caller, for
    /// each action on each of its resource ARNs; the accesses found, merged.
    fn probe(&self, policy: &Policy, owner: &str, targets: &[(String, Vec<String>)]) -> Vec<Access> {
        let witnesses = Witnesses::of(policy);
        let rcps = self.estate.rcp_levels(owner);
        let mut set = PolicySet { resource: Some(PolicyRef { id: "resource", policy }), rcps, ..PolicySet::default() };
        let mut merged: BTreeMap<Who, (BTreeSet<String>, Vec<Reason>)> = BTreeMap::new();
        // What the outside probe got, per action: the organization probe reports only
        // what membership adds.
        let mut outside: BTreeMap<&str, Vec<Restriction>> = BTreeMap::new();
        for probe in self.probes(policy, owner) {
            set.identity = match probe.principal {
                Principal::Arn(_) => self.allow_all.iter().map(|policy| PolicyRef { id: "probe", policy }).collect(),
                _ => Vec::new(),
            };
            for (action, resources) in targets {
                for resource in resources {
                    let Some((conditions, reasons)) = self.probe_one(&set, &probe, action, resource, owner, &witnesses)
                    else {
                        continue;
                    };
                    if probe.outside {
                        outside.insert(action, conditions.clone());
                    } else if probe.org && outside.get(action.as_str()) == Some(&conditions) {
                        break;
                    }
                    let audience = narrow(&probe.audience, &conditions);
                    let entry = merged.entry((audience, conditions)).or_default();
                    entry.0.insert(action.clone());
                    for r in reasons {
                        if !entry.1.contains(&r) {
                            entry.1.push(r);
                        }
                    }
                    break;
                }
            }
        }
        merged
            .into_iter()
            .filter(|((audience, _), _)| !matches!(audience, Audience::Accounts(a) if a.iter().all(|x| x == owner)))
            .map(|((audience, conditions), (actions, statements))| Access {
                audience,
                source: Source::Policy,
                actions: actions.into_iter().collect(),
                conditions,
                statements,
                entry: None,
                trusted: false,
            })
            .collect()
    }

    /// One request: `None` when denied even with the restricting conditions satisfied;
    /// else the restricting conditions it needs and the allowing statements.
    fn probe_one(
        &self,
        set: &PolicySet<'_>,
        probe: &Probe,
        action: &str,
        resource: &str,
        owner: &str,
        w: &Witnesses<'_>,
    ) -> Option<(Vec<Restriction>, Vec<Reason>)> {
        let base: Vec<(String, ContextValue)> = w.free.iter().cloned().chain(probe.context.iter().cloned()).collect();
        let run = |ctx: &[(String, ContextValue)]| {
            let mut c = Context::new();
            for (k, v) in ctx {
                c.insert(k, v.clone());
            }
            let req = Request {
                principal: probe.principal.clone(),
                action: action.to_owned(),
                resource: resource.to_owned(),
                resource_account: Some(owner.to_owned()),
                context: c,
            };
            evaluate(set, &req)
        };
        let resource_reasons =
            |d: crate::Decision| d.reasons.into_iter().filter(|r| r.layer == Layer::Resource).collect::<Vec<_>>();
        let d = run(&base);
        if d.is_allowed() {
            return Some((Vec::new(), resource_reasons(d)));
        }
        for per_statement in &w.restricting_allows {
            let added: Vec<&(String, ContextValue, &Condition)> =
                per_statement.iter().chain(w.restricting_escapes.iter()).collect();
            if added.is_empty() {
                continue;
            }
            let with = |skip: Option<&str>| -> Vec<(String, ContextValue)> {
                let mut ctx = base.clone();
                for (k, v, _) in added.iter().copied() {
                    if skip.is_some_and(|s| s.eq_ignore_ascii_case(k)) {
                        continue;
                    }
                    ctx.retain(|(x, _)| !x.eq_ignore_ascii_case(k));
                    ctx.push((k.clone(), v.clone()));
                }
                ctx
            };
            let d = run(&with(None));
            if !d.is_allowed() {
                continue;
            }
            let keys: BTreeSet<String> = added.iter().map(|(k, _, _)| k.to_ascii_lowercase()).collect();
            let needed: BTreeSet<&String> = keys.iter().filter(|k| !run(&with(Some(k))).is_allowed()).collect();
            let mut conditions: Vec<Restriction> = added
                .iter()
                .filter(|(k, _, _)| needed.contains(&k.to_ascii_lowercase()))
                .map(|(_, _, c)| Restriction {
                    key: c.key.clone(),
                    operator: c.op.name(),
                    values: c.values.iter().map(|v| v.raw.clone()).collect(),
                    path: c.path.clone(),
                })
                .collect();
            conditions.sort();
            conditions.dedup();
            return Some((conditions, resource_reasons(d)));
        }
        None
    }

    /// Marks trust on each access and derives the level.
    fn finish(&self, mut e: Exposure) -> Exposure {
        let owner = e.account_id.clone();
        let mut public = false;
        let mut conditional = false;
        let mut org_only = false;
        let mut accounts = BTreeSet::new();
        let mut orgs = BTreeSet::new();
        let mut untrusted = BTreeSet::new();
        e.accesses.retain(|a| !matches!(&a.audience, Audience::Accounts(ids) if ids.iter().all(|x| *x == owner)));
        for a in &mut e.accesses {
            a.trusted = match &a.audience {
                Audience::Anyone | Audience::Federated(_) => {
                    let open = a.is_public();
                    public |= open;
                    conditional |= !open;
                    // A web-identity trust pinned to a subject is the intended federation.
                    !open && matches!(a.audience, Audience::Federated(_))
                }
                Audience::Accounts(ids) => {
                    let mut ok = true;
                    for id in ids.iter().filter(|x| **x != owner) {
                        accounts.insert(id.clone());
                        if !self.trusted.contains(id) {
                            untrusted.insert(id.clone());
                            ok = false;
                        }
                    }
                    ok
                }
                Audience::Organizations(ids) => {
                    let mut ok = true;
                    for id in ids {
                        if self.org_id.as_deref() == Some(id.as_str()) {
                            org_only = true;
                        } else {
                            orgs.insert(id.clone());
                            untrusted.insert(id.clone());
                            ok = false;
                        }
                    }
                    ok
                }
                Audience::CanonicalUser(id) => {
                    let label = format!("canonical-user:{id}");
                    accounts.insert(label.clone());
                    untrusted.insert(label);
                    false
                }
            };
        }
        e.level = if public {
            Level::Public
        } else if !accounts.is_empty() || !orgs.is_empty() {
            Level::CrossAccount {
                accounts: accounts.into_iter().collect(),
                organizations: orgs.into_iter().collect(),
                untrusted: untrusted.into_iter().collect(),
            }
        } else if org_only {
            Level::OrgOnly
        } else if conditional {
            Level::Conditional
        } else {
            Level::Private
        };
        e
    }
}

impl Exposure {
    fn new(arn: &str, kind: ResourceKind, account_id: &str, region: &str) -> Exposure {
        Exposure {
            arn: arn.to_owned(),
            kind,
            account_id: account_id.to_owned(),
            region: region.to_owned(),
            level: Level::Private,
            accesses: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn unknown(mut self, reason: String) -> Exposure {
        self.level = Level::Unknown { reason };
        self
    }
}

/// An access's audience and the restricting conditions it needs: accesses are merged on it.
type Who = (Audience, Vec<Restriction>);

/// One probe caller.
struct Probe {
    principal: Principal,
    audience: Audience,
    /// Context keys the caller carries (`aws:PrincipalAccount`, `aws:PrincipalOrgID`, …).
    context: Vec<(String, ContextValue)>,
    /// The outside-account probe.
    outside: bool,
    /// The organization-member probe.
    org: bool,
}

/// Context values that satisfy a policy's allows or escape its denies.
struct Witnesses<'p> {
    /// For keys that do not restrict the caller: what any outside caller can send.
    free: Vec<(String, ContextValue)>,
    /// Per `Allow` statement: values satisfying its restricting conditions.
    restricting_allows: Vec<Vec<(String, ContextValue, &'p Condition)>>,
    /// Values escaping the restricting conditions of every `Deny`.
    restricting_escapes: Vec<(String, ContextValue, &'p Condition)>,
}

impl<'p> Witnesses<'p> {
    fn of(policy: &'p Policy) -> Witnesses<'p> {
        let mut w = Witnesses { free: Vec::new(), restricting_allows: Vec::new(), restricting_escapes: Vec::new() };
        let mut free_allow = Vec::new();
        for st in &policy.statements {
            let mut restricting = Vec::new();
            for c in &st.conditions {
                let value = match st.effect {
                    Effect::Allow => satisfy(c),
                    Effect::Deny => escape(c),
                };
                let Some(value) = value else { continue };
                match (restricts(c), st.effect) {
                    (true, Effect::Allow) => restricting.push((c.key.clone(), value, c)),
                    (true, Effect::Deny) => w.restricting_escapes.push((c.key.clone(), value, c)),
                    (false, Effect::Allow) => free_allow.push((c.key.clone(), value)),
                    (false, Effect::Deny) => w.free.push((c.key.clone(), value)),
                }
            }
            if st.effect == Effect::Allow {
                w.restricting_allows.push(restricting);
            }
        }
        // Allows' witnesses after denies' escapes: a key both mention takes the allow's value.
        w.free.extend(free_allow);
        if !w.restricting_escapes.is_empty() && w.restricting_allows.iter().all(Vec::is_empty) {
            w.restricting_allows.push(Vec::new());
        }
        w
    }
}

/// Whether a condition pins the caller down: a restricting key (or a federated subject)
/// with a value that is not universal. The operator's polarity does not matter here: the
/// allow is satisfied, the deny escaped, by a value only the intended caller has.
fn restricts(c: &Condition) -> bool {
    let key = c.key_lc();
    let federated_subject = key.ends_with(":sub") && key.contains('.');
    if !RESTRICTING_KEYS.contains(&key) && !federated_subject {
        return false;
    }
    if c.op.kind == OpKind::Null {
        return false;
    }
    let kind = match c.op.kind {
        OpKind::StringNotLike => OpKind::StringLike,
        k => k,
    };
    !c.values.is_empty() && c.values.iter().all(|v| !universal(kind.family(), kind, &v.raw))
}

/// A value of `c`'s first value with wildcards filled in (`*`, `?` → `x`).
fn fill(raw: &str) -> String {
    raw.replace(['*', '?'], "x")
}

fn ip_of(raw: &str) -> String {
    raw.split('/').next().unwrap_or(raw).to_owned()
}

fn witness_value(kind: OpKind, raw: &str) -> String {
    use OpKind::*;
    match kind {
        StringLike | StringNotLike | ArnLike | ArnEquals | ArnNotLike | ArnNotEquals => fill(raw),
        IpAddress | NotIpAddress => ip_of(raw),
        NumericGreaterThan => raw.parse::<f64>().map(|n| (n + 1.0).to_string()).unwrap_or_else(|_| raw.to_owned()),
        NumericLessThan => raw.parse::<f64>().map(|n| (n - 1.0).to_string()).unwrap_or_else(|_| raw.to_owned()),
        _ => raw.to_owned(),
    }
}

fn wrap(c: &Condition, v: String) -> ContextValue {
    if c.op.set.is_some() { ContextValue::Multi(vec![v]) } else { ContextValue::Single(v) }
}

/// A context value making an `Allow` condition true; `None` when leaving the key out
/// does (negated operators, `…IfExists`, `ForAllValues`, `Null: true`).
pub fn satisfy(c: &Condition) -> Option<ContextValue> {
    if c.op.kind == OpKind::Null {
        let present = c.values.iter().any(|v| v.raw.eq_ignore_ascii_case("false"));
        return present.then(|| ContextValue::Single("warden".into()));
    }
    if c.op.if_exists || c.op.kind.negated() || c.op.set == Some(SetOp::ForAllValues) {
        return None;
    }
    let first = c.values.first()?;
    Some(wrap(c, witness_value(c.op.kind, &first.raw)))
}

/// A context value making a `Deny` condition false; `None` when leaving the key out does
/// (positive operators without `IfExists`, `Null: false`).
pub fn escape(c: &Condition) -> Option<ContextValue> {
    if c.op.kind == OpKind::Null {
        let absent = c.values.iter().any(|v| v.raw.eq_ignore_ascii_case("true"));
        return absent.then(|| ContextValue::Single("warden".into()));
    }
    if c.op.kind.negated() {
        let first = c.values.first()?;
        return Some(wrap(c, witness_value(c.op.kind, &first.raw)));
    }
    if !c.op.if_exists {
        return None;
    }
    let v = match c.op.kind {
        OpKind::Bool => {
            if c.values.iter().any(|v| v.raw.eq_ignore_ascii_case("true")) {
                "false"
            } else {
                "true"
            }
        }
        OpKind::IpAddress => "192.0.2.1",
        _ => "warden-no-match",
    };
    Some(wrap(c, v.to_owned()))
}

/// Whether a restricting condition really fences the caller: an ARN key whose values
/// leave the account open (`arn:aws:iam::*:role/x`) does not, nor an account or
/// organization key with only wildcard values.
fn pins(c: &Restriction) -> bool {
    let key = c.key.to_ascii_lowercase();
    let key = key.as_str();
    if ARN_KEYS.contains(&key) {
        c.values.iter().any(|v| arn::account_of(v).is_some_and(arn::is_account_id))
    } else if ACCOUNT_KEYS.contains(&key) {
        c.values.iter().any(|v| arn::is_account_id(v))
    } else if ORG_KEYS.contains(&key) {
        c.values.iter().any(|v| v.starts_with("o-") && !v.split('/').next().unwrap_or(v).contains(['*', '?']))
    } else {
        true
    }
}

/// Narrows the probe's audience by the restricting conditions an access needs: account
/// keys name accounts, organization keys name organizations; network keys do not narrow.
fn narrow(audience: &Audience, conditions: &[Restriction]) -> Audience {
    let mut accounts = BTreeSet::new();
    let mut orgs = BTreeSet::new();
    for c in conditions {
        let key = c.key.to_ascii_lowercase();
        for v in &c.values {
            if ACCOUNT_KEYS.contains(&key.as_str()) && arn::is_account_id(v) {
                accounts.insert(v.clone());
            } else if ARN_KEYS.contains(&key.as_str()) {
                if let Some(a) = arn::account_of(v).filter(|a| arn::is_account_id(a)) {
                    accounts.insert(a.to_owned());
                }
            } else if ORG_KEYS.contains(&key.as_str()) {
                let id = v.split('/').next().unwrap_or(v);
                if id.starts_with("o-") && !id.contains('*') {
                    orgs.insert(id.to_owned());
                }
            }
        }
    }
    match audience {
        Audience::Accounts(_) | Audience::Federated(_) | Audience::CanonicalUser(_) => audience.clone(),
        _ if !accounts.is_empty() => Audience::Accounts(accounts.into_iter().collect()),
        _ if !orgs.is_empty() => Audience::Organizations(orgs.into_iter().collect()),
        _ => audience.clone(),
    }
}

/// Object ARNs to probe: one under each of the policy's object patterns for this bucket,
/// wildcards filled, and one plain key.
fn object_probes(policy: &Policy, bucket_arn: &str) -> Vec<String> {
    let prefix = format!("{bucket_arn}/");
    let mut out = vec![format!("{prefix}{PROBE_NAME}")];
    for st in policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(r) = st.resource.as_ref().filter(|r| !r.negated) else { continue };
        for p in &r.patterns {
            if p.raw.starts_with(&prefix) {
                let arn = fill(&p.raw);
                if !out.contains(&arn) {
                    out.push(arn);
                }
            }
        }
    }
    out
}

/// The actions an ACL permission grants on a bucket.
fn acl_actions(permission: &str) -> &'static [&'static str] {
    match permission {
        "READ" => &["s3:ListBucket"],
        "WRITE" => &["s3:PutObject", "s3:DeleteObject"],
        "READ_ACP" => &["s3:GetBucketAcl"],
        "WRITE_ACP" => &["s3:PutBucketAcl"],
        "FULL_CONTROL" => &["s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:GetBucketAcl", "s3:PutBucketAcl"],
        _ => &[],
    }
}

/// ACL grants to everyone (`AllUsers`, `AuthenticatedUsers` — any AWS account) and to
/// canonical users other than the owner. Grants to the S3 log-delivery group are AWS.
fn acl_accesses(acl: &Acl) -> Vec<Access> {
    let mut out = Vec::new();
    for g in &acl.grants {
        let audience = if g.grantee == AclGrant::ALL_USERS || g.grantee == AclGrant::AUTHENTICATED_USERS {
            Audience::Anyone
        } else if g.grantee.starts_with("http://") || g.grantee == acl.owner_id || g.grantee.is_empty() {
            continue;
        } else {
            Audience::CanonicalUser(g.grantee.clone())
        };
        out.push(Access {
            audience,
            source: Source::Acl,
            actions: acl_actions(&g.permission).iter().map(|s| (*s).to_owned()).collect(),
            conditions: Vec::new(),
            statements: Vec::new(),
            entry: Some(format!("{} {}", g.grantee, g.permission)),
            trusted: false,
        });
    }
    out
}

/// Block Public Access in force on a bucket: each flag set at bucket or account level.
fn effective_pab(a: &Account, b: &Bucket) -> Result<PublicAccessBlock, String> {
    let acct = a.s3.account_public_access_block.get().map_err(|u| format!("account setting: {u}"))?;
    let bucket = b.public_access_block.get().map_err(|u| format!("bucket setting: {u}"))?;
    let none = PublicAccessBlock::default();
    let (x, y) = (acct.as_ref().unwrap_or(&none), bucket.as_ref().unwrap_or(&none));
    Ok(PublicAccessBlock {
        block_public_acls: x.block_public_acls || y.block_public_acls,
        ignore_public_acls: x.ignore_public_acls || y.ignore_public_acls,
        block_public_policy: x.block_public_policy || y.block_public_policy,
        restrict_public_buckets: x.restrict_public_buckets || y.restrict_public_buckets,
    })
}

mod services;
#[cfg(test)]
mod tests;

pub use services::{
    DYNAMODB_ACTIONS, ECR_ACTIONS, EFS_ACTIONS, LAMBDA_FUNCTION_ACTIONS, LAMBDA_LAYER_ACTIONS,
    RDS_CLUSTER_SNAPSHOT_ACTION, RDS_SNAPSHOT_ACTION, SECRET_ACTIONS, SNS_ACTIONS, SQS_ACTIONS,
};
