//! Roles as the way in: who may assume a privileged role, and long-term access keys
//! where an instance role would serve.
//!
//! `iam_privileged_role_assumption_requires_mfa` decides by evaluation, not by reading
//! condition keys: the IAM engine evaluates `sts:AssumeRole` against the role's trust
//! policy as an IAM principal of each account the policy names (any account for `*`)
//! would send it — with no MFA (the key absent, as with long-term keys, and `false`), from
//! an internet address, outside any VPC — and with every other condition of the
//! statement satisfied (principal ARN patterns, organization, external id, tags: the
//! caller is one the policy means to admit). Allowed means a stolen access key of such
//! a caller is enough. AWS service principals, SAML / OIDC federation and callers that
//! can only be IAM Identity Center roles are not probed: the identity provider carries
//! the MFA story there.
//!
//! `iam_access_key_instead_of_instance_role` joins access-key usage with the instances
//! of the same account and region that run without an instance profile: software on a
//! role-less instance that calls AWS needs long-term keys, and a key in use in that
//! region is the likely one. The instance-side view (every instance without a role,
//! CIS 2.16) is `ec2_instance_has_iam_role`.

use super::{account_resource, ec2_arn, preview, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use std::collections::BTreeMap;
use warden_iam::condition::{Cidr, Condition, OpKind};
use warden_iam::eval::{Layer, PolicyRef, PolicySet, Principal, Reason, Request, evaluate};
use warden_iam::exposure::{escape, satisfy};
use warden_iam::policy::{Effect, Policy, PrincipalKind, PrincipalSpec};
use warden_iam::{Context, ContextValue};
use warden_model::inventory::{Account, KeyStatus, Role, User};
use warden_model::{Resource, Status, Unknown, UnknownKind};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("iam_privileged_role_assumption_requires_mfa", privileged_role_mfa),
    ("iam_access_key_instead_of_instance_role", key_instead_of_role),
];

/// Condition keys that stand for a second factor or a trusted network: the probe never
/// satisfies them.
const GUARD_KEYS: &[&str] = &[
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourcevpcarn",
];

/// Internet addresses the probe calls from: the first outside every `IpAddress` range
/// of the trust policy is used.
const PROBE_IPS: &[&str] = &["203.0.113.77", "198.51.100.77", "192.0.2.77", "100.24.0.77"];
/// Accounts for the caller of a `*` principal: the first not in the estate is used.
const OUTSIDE_ACCOUNTS: &[&str] = &["999999999999", "999999999998", "999999999997"];
const PROBE_NAME: &str = "warden-mfa-probe";

fn role_resource(a: &Account, r: &Role) -> Resource {
    tagged(resource(a, "global", "AwsIamRole", r.arn.clone()), &r.tags)
}

fn malformed(message: String) -> Unknown {
    Unknown { kind: UnknownKind::MalformedResponse, message }
}

fn privileged_role_mfa(ctx: &Ctx, out: &mut Out) {
    // The probe caller's own permissions: everything, so only the trust policy decides.
    let allow_all = match Policy::parse(&json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    })) {
        Ok(p) => p,
        Err(_) => return,
    };
    let estate: Vec<&str> = ctx.accounts().iter().map(|a| a.id.as_str()).collect();
    let outside = OUTSIDE_ACCOUNTS.iter().find(|x| !estate.contains(*x)).copied().unwrap_or("999999999996");
    for a in ctx.accounts() {
        // Admin-equivalence needs every role and the documents of their managed policies.
        let (Some(roles), Some(_)) = (
            out.need(&a.iam.roles, || account_resource(a), "IAM roles"),
            out.need(&a.iam.policies, || account_resource(a), "IAM policies"),
        ) else {
            continue;
        };
        let analysis = ctx.escalation(a);
        for role in roles.iter().filter(|r| !r.is_service_linked()) {
            let Some(p) = analysis.principals.iter().find(|p| p.principal == role.arn) else { continue };
            let privilege = if p.admin {
                "admin-equivalent"
            } else if p.escalates() {
                "able to make itself administrator"
            } else {
                continue;
            };
            let res = role_resource(a, role);
            let trust = match warden_iam::authorizer::parse_document(&role.trust_policy) {
                Ok(t) => t,
                Err(e) => {
                    let why = malformed(format!("the trust policy does not parse: {e}"));
                    out.unknown(res, &format!("the trust policy of role {}", role.name), &why);
                    continue;
                }
            };
            let steps = p.paths.first().map(Vec::len);
            let probe = TrustProbe { trust: &trust, allow_all: &allow_all, role, account: a, outside, now: ctx.now };
            let callers = probe.callers();
            if callers.is_empty() {
                let msg =
                    format!("role {} is {privilege}; only AWS services or identity providers may assume it", role.name);
                out.pass(res, msg, json!({ "privilege": privilege, "escalation_steps": steps, "iam_callers": [] }));
                continue;
            }
            let open: Vec<Open> = callers.iter().filter_map(|c| probe.run(c)).collect();
            if open.is_empty() {
                let msg = format!(
                    "role {} is {privilege}; assuming it needs MFA or a trusted network for every IAM principal it trusts",
                    role.name
                );
                let names: Vec<&str> = callers.iter().map(|c| c.arn.as_str()).collect();
                out.pass(res, msg, json!({ "privilege": privilege, "escalation_steps": steps, "iam_callers": names }));
                continue;
            }
            let who: Vec<&str> = open.iter().map(|o| o.audience.as_str()).collect();
            let msg = format!(
                "role {} is {privilege} and {} can assume it without MFA, from any network",
                role.name,
                preview(&who)
            );
            out.fail(
                res,
                msg,
                json!({ "privilege": privilege, "escalation_steps": steps, "assumable_without_mfa": open }),
            );
        }
    }
}

/// A caller the trust policy names, and the account it belongs to.
struct Caller {
    arn: String,
    /// Who it stands for, in words: `account 111122223333`, `any AWS account`, an ARN.
    audience: String,
}

/// One request the trust policy allowed.
#[derive(serde::Serialize)]
struct Open {
    audience: String,
    caller: String,
    /// `absent` (long-term keys) or `false` (a session without MFA).
    mfa: &'static str,
    source_ip: String,
    context: serde_json::Value,
    statements: Vec<Reason>,
}

struct TrustProbe<'a> {
    trust: &'a Policy,
    allow_all: &'a Policy,
    role: &'a Role,
    account: &'a Account,
    outside: &'a str,
    now: chrono::DateTime<chrono::Utc>,
}

impl TrustProbe<'_> {
    /// The IAM principals the `Allow` statements name: an account's (root or id) is a
    /// probe user of that account, `*` one of an outside account, a user or role itself.
    fn callers(&self) -> Vec<Caller> {
        let part = &self.account.partition;
        let of_account =
            |id: &str, audience: String| Caller { arn: format!("arn:{part}:iam::{id}:user/{PROBE_NAME}"), audience };
        let mut out: Vec<Caller> = Vec::new();
        let mut push = |c: Caller| {
            if !out.iter().any(|x| x.arn == c.arn) {
                out.push(c);
            }
        };
        for st in self.trust.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let Some(block) = &st.principal else { continue };
            let values: Vec<&str> = match &block.spec {
                _ if block.negated => vec!["*"],
                PrincipalSpec::Any => vec!["*"],
                PrincipalSpec::Map(m) => m
                    .iter()
                    .filter(|(k, _)| *k == PrincipalKind::Aws)
                    .flat_map(|(_, vs)| vs.iter().map(String::as_str))
                    .collect(),
            };
            for v in values {
                if v == "*" {
                    push(of_account(self.outside, "any AWS account".into()));
                } else if warden_iam::arn::is_account_id(v) {
                    push(of_account(v, format!("account {v}")));
                } else if let Some(id) = warden_iam::arn::account_of(v).filter(|_| v.ends_with(":root")) {
                    push(of_account(id, format!("account {id}")));
                } else if !is_identity_center(v) {
                    push(Caller { arn: v.to_owned(), audience: v.to_owned() });
                }
            }
        }
        out
    }

    /// The first request of `caller` without MFA that the trust policy allows.
    fn run(&self, caller: &Caller) -> Option<Open> {
        let ip = self.probe_ip();
        let account = warden_iam::arn::account_of(&caller.arn).unwrap_or_default().to_owned();
        let kind = if caller.arn.contains(":role/") { "AssumedRole" } else { "User" };
        let set = PolicySet {
            identity: vec![PolicyRef { id: "probe", policy: self.allow_all }],
            resource: Some(PolicyRef { id: "trust", policy: self.trust }),
            ..PolicySet::default()
        };
        let witnesses = self.witnesses();
        for mfa in ["absent", "false"] {
            for w in &witnesses {
                // Only IAM Identity Center sessions can be this caller: federation's MFA.
                let sso = |v: &ContextValue| match v {
                    ContextValue::Single(s) => is_identity_center(s),
                    ContextValue::Multi(list) => list.iter().any(|s| is_identity_center(s)),
                };
                if w.iter().any(|(k, v)| k.eq_ignore_ascii_case("aws:PrincipalArn") && sso(v)) {
                    continue;
                }
                let mut c = Context::new()
                    .with("aws:PrincipalArn", &caller.arn)
                    .with("aws:PrincipalAccount", &account)
                    .with("aws:PrincipalType", kind)
                    .with("aws:SecureTransport", "true")
                    .with("aws:SourceIp", &ip)
                    .with("aws:CurrentTime", self.now.to_rfc3339())
                    .with("aws:EpochTime", self.now.timestamp().to_string());
                if mfa == "false" {
                    c.insert("aws:MultiFactorAuthPresent", ContextValue::Single("false".into()));
                }
                for (k, v) in w {
                    c.insert(k, v.clone());
                }
                let req = Request {
                    principal: Principal::Arn(caller.arn.clone()),
                    action: "sts:AssumeRole".into(),
                    resource: self.role.arn.clone(),
                    resource_account: Some(self.account.id.clone()),
                    context: c.clone(),
                };
                let d = evaluate(&set, &req);
                if d.is_allowed() {
                    return Some(Open {
                        audience: caller.audience.clone(),
                        caller: caller.arn.clone(),
                        mfa,
                        source_ip: ip,
                        context: c.to_json(),
                        statements: d.reasons.into_iter().filter(|r| r.layer == Layer::Resource).collect(),
                    });
                }
            }
        }
        None
    }

    /// One set of condition values per `Allow` statement: what satisfies its conditions
    /// (guard keys left alone), on top of what escapes the `Deny` statements.
    fn witnesses(&self) -> Vec<BTreeMap<String, ContextValue>> {
        let guarded = |c: &Condition| GUARD_KEYS.contains(&c.key_lc());
        let mut escapes = BTreeMap::new();
        for st in self.trust.statements.iter().filter(|s| s.effect == Effect::Deny) {
            for c in st.conditions.iter().filter(|c| !guarded(c)) {
                if let Some(v) = escape(c) {
                    escapes.insert(c.key.clone(), v);
                }
            }
        }
        let mut out = Vec::new();
        for st in self.trust.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let mut w = escapes.clone();
            for c in st.conditions.iter().filter(|c| !guarded(c)) {
                if let Some(v) = satisfy(c) {
                    w.insert(c.key.clone(), v);
                }
            }
            if !out.contains(&w) {
                out.push(w);
            }
        }
        out
    }

    /// An internet address outside every `IpAddress` range the trust policy names.
    fn probe_ip(&self) -> String {
        let ranges: Vec<Cidr> = self
            .trust
            .statements
            .iter()
            .flat_map(|s| &s.conditions)
            .filter(|c| c.op.kind == OpKind::IpAddress)
            .flat_map(|c| &c.values)
            .filter_map(|v| Cidr::parse(&v.raw))
            .filter(|c| !c.is_universal())
            .collect();
        PROBE_IPS
            .iter()
            .find(|ip| ip.parse::<std::net::IpAddr>().is_ok_and(|addr| !ranges.iter().any(|r| r.contains(addr))))
            .or(PROBE_IPS.first())
            .map(|s| (*s).to_owned())
            .unwrap_or_default()
    }
}

/// A role IAM Identity Center creates for a permission set: its sessions come through
/// the identity provider, whose MFA applies.
fn is_identity_center(arn: &str) -> bool {
    arn.contains("/aws-reserved/sso.amazonaws.com/") || arn.contains(":role/AWSReservedSSO_")
}

/// Keys used within this many days are "in use".
const IN_USE_DAYS: i64 = 90;

fn user_resource(a: &Account, u: &User) -> Resource {
    tagged(resource(a, "global", "AwsIamUser", u.arn.clone()), &u.tags)
}

/// Live instances without an instance profile, per region of one account; the reason
/// for regions whose instances could not be read.
fn roleless_instances(a: &Account) -> BTreeMap<&str, Result<Vec<&str>, &Unknown>> {
    a.regions
        .iter()
        .map(|r| {
            let ids = r.ec2.instances.get().map(|list| {
                list.iter()
                    .filter(|i| !matches!(i.state.as_str(), "terminated" | "shutting-down"))
                    .filter(|i| i.iam_instance_profile.is_none())
                    .map(|i| i.id.as_str())
                    .collect()
            });
            (r.name.as_str(), ids)
        })
        .collect()
}

fn key_instead_of_role(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(users) = out.need(&a.iam.users, || account_resource(a), "IAM users") else { continue };
        let roleless = roleless_instances(a);
        for u in users {
            let Some(keys) = out.need(&u.access_keys, || user_resource(a, u), "access keys") else { continue };
            for k in keys.iter().filter(|k| k.status == KeyStatus::Active) {
                let res = user_resource(a, u);
                let last = match k.last_used.get() {
                    Ok(l) => l,
                    Err(why) => {
                        let msg = format!("could not read when access key {} of {} was last used: {why}", k.id, u.name);
                        let ev = json!({ "unreadable": "access key last used", "reason": why });
                        out.emit(Status::Error, res, &k.id, msg, ev);
                        continue;
                    }
                };
                let Some(last) = last.as_ref().filter(|l| ctx.days_since(l.date) < IN_USE_DAYS) else {
                    let msg = format!("access key {} of {} is not in use (none in {IN_USE_DAYS} days)", k.id, u.name);
                    out.emit(Status::Pass, res, &k.id, msg, json!({ "access_key_id": k.id, "last_used": last }));
                    continue;
                };
                // A global service (IAM, STS global endpoint) names no region: any region counts.
                let regions: Vec<&str> = match last.region.as_deref() {
                    Some(r) if roleless.contains_key(r) => vec![r],
                    Some(_) => Vec::new(),
                    None => roleless.keys().copied().collect(),
                };
                let mut hosts: Vec<String> = Vec::new();
                let mut unreadable = None;
                for r in &regions {
                    match roleless.get(r) {
                        Some(Ok(ids)) => hosts.extend(ids.iter().map(|id| ec2_arn(a, r, "instance", id))),
                        Some(Err(why)) => unreadable = unreadable.or(Some(*why)),
                        None => {}
                    }
                }
                let used = format!(
                    "last used {} for {} in {}",
                    last.date.format("%Y-%m-%d"),
                    last.service.as_deref().unwrap_or("an unnamed service"),
                    last.region.as_deref().unwrap_or("a global endpoint")
                );
                let evidence = json!({
                    "access_key_id": k.id, "last_used": last, "roleless_instances": hosts,
                    "console_user": u.login_profile.known().map(Option::is_some),
                });
                if hosts.is_empty() {
                    if let Some(why) = unreadable {
                        let msg = format!("could not read the instances that might hold access key {}: {why}", k.id);
                        let ev = json!({ "unreadable": "EC2 instances", "reason": why, "access_key_id": k.id });
                        out.emit(Status::Error, res, &k.id, msg, ev);
                        continue;
                    }
                    let msg = format!(
                        "access key {} of {} ({used}) is not used where instances run without a role",
                        k.id, u.name
                    );
                    out.emit(Status::Pass, res, &k.id, msg, evidence);
                    continue;
                }
                let ids: Vec<&str> = hosts.iter().map(|h| h.rsplit('/').next().unwrap_or_default()).collect();
                let msg = format!(
                    "access key {} of {} is in use ({used}) where instances run without a role ({}): the key is \
                     probably stored on them; give them an instance profile and delete the key",
                    k.id,
                    u.name,
                    preview(&ids)
                );
                out.emit(Status::Fail, res, &k.id, msg, evidence);
            }
        }
    }
}
