//! Request evaluation, following the IAM User Guide's "Policy evaluation logic",
//! "Cross-account policy evaluation logic" and "Permissions boundaries" pages:
//!
//! 1. An explicit `Deny` in any applicable policy (SCP, RCP, resource, identity,
//!    boundary, session) wins.
//! 2. SCPs (principal's account) need an `Allow` at every level: root, each OU, account.
//!    RCPs (resource's account) are deny-only; `RCPFullAWSAccess` is implicit.
//! 3. Same account: identity (bounded by boundary and session policy) OR the resource
//!    policy may allow. A resource-policy allow naming the principal exactly (user ARN,
//!    role-session ARN) stands on its own ("granted in addition to the permissions that
//!    are granted by the session policies", STS API reference); `*` is not limited by a
//!    boundary but is by a session policy; one naming the role ARN (or the user behind a
//!    federated session) is bounded by both; one naming the account delegates to the
//!    identity policies.
//! 4. Cross account: the principal's side (identity, boundary, session, SCPs) AND the
//!    resource side (resource policy, RCPs) must both allow.
//! 5. Role trust policies (`sts:AssumeRole*` on a role) and KMS key policies must allow
//!    explicitly, even in the same account.
//! 6. Anonymous and service principals have no identity side: only a resource policy
//!    can allow them.

use crate::arn::{self, Arn, ShortArn};
use crate::context::Context;
use crate::policy::{Effect, Policy, PrincipalBlock, PrincipalKind, PrincipalSpec, Statement};
use serde::Serialize;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An unsigned request (`"*"` in case files).
    Anonymous,
    /// An AWS service principal such as `cloudtrail.amazonaws.com`.
    Service(String),
    /// An ARN: IAM user, role, assumed-role session, federated user, account root.
    Arn(String),
}

impl Principal {
    pub fn parse(s: &str) -> Principal {
        if s == "*" || s.eq_ignore_ascii_case("anonymous") {
            Principal::Anonymous
        } else if !s.starts_with("arn:") && s.ends_with(".amazonaws.com") {
            Principal::Service(s.to_owned())
        } else {
            Principal::Arn(s.to_owned())
        }
    }

    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Arn(a) => arn::account_of(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Principal::Anonymous => "*",
            Principal::Service(s) | Principal::Arn(s) => s,
        }
    }
}

/// One request to authorize.
#[derive(Debug, Clone)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    /// The account owning the resource; defaults to the resource ARN's account, then the
    /// principal's.
    pub resource_account: Option<String>,
    pub context: Context,
}

impl Request {
    pub fn new(principal: &str, action: &str, resource: &str) -> Request {
        Request {
            principal: Principal::parse(principal),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: None,
            context: Context::new(),
        }
    }

    pub fn with_context(mut self, context: Context) -> Request {
        self.context = context;
        self
    }

    pub fn with_resource_account(mut self, account: &str) -> Request {
        self.resource_account = Some(account.to_owned());
        self
    }
}

/// A policy with the id used in reasons (e.g. `identity[0]`, `arn:aws:iam::aws:policy/X`).
#[derive(Debug, Clone, Copy)]
pub struct PolicyRef<'a> {
    pub id: &'a str,
    pub policy: &'a Policy,
}

/// Every policy that applies to one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    pub identity: Vec<PolicyRef<'a>>,
    pub resource: Option<PolicyRef<'a>>,
    pub boundaries: Vec<PolicyRef<'a>>,
    pub session: Option<PolicyRef<'a>>,
    /// SCP levels, root first: each level needs an allow.
    pub scps: Vec<Vec<PolicyRef<'a>>>,
    /// RCP levels: deny-only.
    pub rcps: Vec<Vec<PolicyRef<'a>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DecisionKind {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// The policy layer a statement belongs to, or that blocked a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Scp,
    Rcp,
    Identity,
    Resource,
    PermissionsBoundary,
    Session,
}

/// One deciding statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub layer: Layer,
    pub policy: String,
    /// Index of the statement in its policy.
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
}

/// The verdict and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub decision: DecisionKind,
    /// For `Allow`: the allowing statements of each layer that had to allow. For
    /// `ExplicitDeny`: every matching deny statement. Empty for `ImplicitDeny`.
    pub reasons: Vec<Reason>,
    /// For `ImplicitDeny`: the layer that lacked an allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<Layer>,
    /// One sentence a human can read.
    pub message: String,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.decision == DecisionKind::Allow
    }
}

/// How a resource-policy statement's principal matched the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PMatch {
    /// Names the account (`111122223333`, `arn:aws:iam::111122223333:root`): delegates
    /// to the account's identity policies.
    Account,
    /// Names the role behind an assumed-role session, or the user behind a federated
    /// session: bounded by boundary and session policy.
    Session,
    /// `*` or `{"AWS": "*"}`: everyone. Not a specific reference to the session, so a
    /// session policy still limits it; a boundary does not.
    Wildcard,
    /// The caller's exact ARN / service / federated / canonical id.
    Exact,
}

fn principal_value_match(kind: PrincipalKind, v: &str, p: &Principal) -> Option<PMatch> {
    match (kind, p) {
        (PrincipalKind::Aws, _) if v == "*" => Some(PMatch::Wildcard),
        (PrincipalKind::Aws, Principal::Arn(a)) => {
            if v == a {
                return Some(if is_role_arn(a) { PMatch::Session } else { PMatch::Exact });
            }
            let pa = Arn::parse(a)?;
            if let Some(acct) = account_principal(v) {
                return (acct == pa.account).then_some(PMatch::Account);
            }
            let va = Arn::parse(v)?;
            if va.account != pa.account || va.partition != pa.partition {
                return None;
            }
            if pa.service == "sts" {
                if let (Some(rest), Some(role)) =
                    (pa.resource.strip_prefix("assumed-role/"), va.resource.strip_prefix("role/"))
                {
                    let session_role = rest.split('/').next().unwrap_or_default();
                    let role_name = role.rsplit('/').next().unwrap_or_default();
                    return (va.service == "iam" && session_role == role_name).then_some(PMatch::Session);
                }
                if let (Some(rest), Some(user)) =
                    (pa.resource.strip_prefix("federated-user/"), va.resource.strip_prefix("user/"))
                {
                    let user_name = user.rsplit('/').next().unwrap_or_default();
                    return (va.service == "iam" && rest == user_name).then_some(PMatch::Session);
                }
            }
            None
        }
        (PrincipalKind::Service, Principal::Service(s)) => v.eq_ignore_ascii_case(s).then_some(PMatch::Exact),
        (PrincipalKind::Federated | PrincipalKind::CanonicalUser, Principal::Arn(a)) => {
            (v == a).then_some(PMatch::Exact)
        }
        _ => None,
    }
}

fn is_role_arn(a: &str) -> bool {
    Arn::parse(a).is_some_and(|x| x.service == "iam" && x.resource.starts_with("role/"))
}

/// `111122223333` or `arn:aws:iam::111122223333:root` → the account id.
fn account_principal(v: &str) -> Option<&str> {
    if arn::is_account_id(v) {
        return Some(v);
    }
    let a = Arn::parse(v)?;
    (a.service == "iam" && a.resource == "root").then_some(a.account)
}

/// The best match of a `Principal` element against the caller.
pub(crate) fn principal_match(spec: &PrincipalSpec, p: &Principal) -> Option<PMatch> {
    match spec {
        PrincipalSpec::Any => Some(PMatch::Wildcard),
        PrincipalSpec::Map(m) => {
            m.iter().flat_map(|(k, vs)| vs.iter().filter_map(move |v| principal_value_match(*k, v, p))).max()
        }
    }
}

fn block_match(b: &PrincipalBlock, p: &Principal) -> Option<PMatch> {
    let m = principal_match(&b.spec, p);
    if b.negated { if m.is_some() { None } else { Some(PMatch::Wildcard) } } else { m }
}

struct Eval<'r> {
    req: &'r Request,
    action_lc: String,
}

impl Eval<'_> {
    /// Action, resource and conditions (not principal).
    fn applies(&self, layer: Layer, st: &Statement) -> bool {
        let short = match layer {
            Layer::Identity | Layer::PermissionsBoundary | Layer::Session => ShortArn::Expand,
            Layer::Resource => ShortArn::ExpandIfWildcard,
            Layer::Scp => ShortArn::ExpandIfTrailingWildcard,
            Layer::Rcp => ShortArn::Reject,
        };
        st.action.matches_lc(&self.action_lc)
            && st.resource_matches(&self.req.resource, &self.req.context, short)
            && st.conditions_match(&self.req.context)
    }
}

/// A deciding statement while evaluating: borrowed, turned into a [`Reason`] only for the
/// final decision.
#[derive(Clone, Copy)]
struct Hit<'a> {
    layer: Layer,
    id: &'a str,
    st: &'a Statement,
}

impl Hit<'_> {
    fn reason(self) -> Reason {
        Reason {
            layer: self.layer,
            policy: self.id.to_owned(),
            statement: self.st.index,
            sid: self.st.sid.clone(),
            effect: self.st.effect,
        }
    }
}

fn reason<'a>(layer: Layer, pr: &PolicyRef<'a>, st: &'a Statement) -> Hit<'a> {
    Hit { layer, id: pr.id, st }
}

/// Whether the resource policy must allow explicitly (role trust policies, KMS key
/// policies: "unlike other resource-based policies, ... must explicitly allow").
pub fn needs_resource_allow(action_lc: &str, resource: &str) -> bool {
    let Some(a) = Arn::parse(resource) else { return false };
    (action_lc.starts_with("kms:") && a.service == "kms")
        || (action_lc.starts_with("sts:") && a.service == "iam" && a.resource.starts_with("role/"))
}

/// Evaluates `req` against `set`.
pub fn evaluate<'a>(set: &PolicySet<'a>, req: &Request) -> Decision {
    let ev = Eval { req, action_lc: req.action.to_ascii_lowercase() };
    let p = &req.principal;
    let iam_principal = matches!(p, Principal::Arn(_));
    let has_boundary = iam_principal && !set.boundaries.is_empty();

    // 1. Explicit denies, everywhere.
    let mut denies = Vec::new();
    let mut scan_denies = |layer: Layer, pr: &PolicyRef<'a>, check_principal: bool| {
        for st in pr.policy.statements.iter().filter(|s| s.effect == Effect::Deny) {
            if !ev.applies(layer, st) {
                continue;
            }
            if check_principal {
                let pm = match &st.principal {
                    // "NotPrincipal with Deny always denies principals that carry a permissions boundary."
                    Some(b) if b.negated && has_boundary => true,
                    Some(b) => block_match(b, p).is_some(),
                    None => false,
                };
                if !pm {
                    continue;
                }
            }
            denies.push(reason(layer, pr, st));
        }
    };
    if iam_principal {
        for level in &set.scps {
            for pr in level {
                scan_denies(Layer::Scp, pr, false);
            }
        }
    }
    if !matches!(p, Principal::Service(_)) {
        for level in &set.rcps {
            for pr in level {
                scan_denies(Layer::Rcp, pr, true);
            }
        }
    }
    if let Some(pr) = &set.resource {
        scan_denies(Layer::Resource, pr, true);
    }
    if iam_principal {
        for pr in &set.identity {
            scan_denies(Layer::Identity, pr, false);
        }
        for pr in &set.boundaries {
            scan_denies(Layer::PermissionsBoundary, pr, false);
        }
        if let Some(pr) = &set.session {
            scan_denies(Layer::Session, pr, false);
        }
    }
    if !denies.is_empty() {
        let first = denies.first().map(|r| format!("{} `{}` statement {}", layer_name(r.layer), r.id, r.st.index));
        return Decision {
            decision: DecisionKind::ExplicitDeny,
            reasons: denies.into_iter().map(Hit::reason).collect(),
            blocked_by: None,
            message: format!("explicitly denied by {}", first.unwrap_or_default()),
        };
    }

    let allows = |layer: Layer, prs: &[PolicyRef<'a>]| -> Vec<Hit<'a>> {
        let mut out = Vec::new();
        for pr in prs {
            for st in pr.policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
                if ev.applies(layer, st) {
                    out.push(reason(layer, pr, st));
                }
            }
        }
        out
    };

    // 2. SCPs: every level must allow.
    let mut granted = Vec::new();
    if iam_principal {
        for (i, level) in set.scps.iter().enumerate() {
            let a = allows(Layer::Scp, level);
            if a.is_empty() {
                return implicit(Layer::Scp, format!("no service control policy at level {i} allows the action"));
            }
            granted.extend(a);
        }
    }

    // Resource-policy allows with how the principal matched.
    let mut res_allow: Vec<(Hit<'a>, PMatch)> = Vec::new();
    if let Some(pr) = &set.resource {
        for st in pr.policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let Some(b) = &st.principal else { continue };
            let Some(m) = block_match(b, p) else { continue };
            if ev.applies(Layer::Resource, st) {
                res_allow.push((reason(Layer::Resource, pr, st), m));
            }
        }
    }
    let best = res_allow.iter().map(|r| r.1).max();
    let res_reasons = |min: PMatch| res_allow.iter().filter(|r| r.1 >= min).map(|r| r.0).collect::<Vec<_>>();

    if !iam_principal {
        return match best {
            Some(PMatch::Exact | PMatch::Wildcard) => allow(res_reasons(PMatch::Wildcard)),
            _ => implicit(Layer::Resource, "no resource policy statement allows this caller".into()),
        };
    }

    let identity = allows(Layer::Identity, &set.identity);
    let boundary =
        if set.boundaries.is_empty() { None } else { Some(allows(Layer::PermissionsBoundary, &set.boundaries)) };
    let session = set.session.as_ref().map(|s| allows(Layer::Session, std::slice::from_ref(s)));
    let boundary_ok = boundary.as_ref().is_none_or(|b| !b.is_empty());
    let session_ok = session.as_ref().is_none_or(|s| !s.is_empty());
    let bounds = |mut v: Vec<Hit<'a>>| {
        v.extend(boundary.iter().flatten().copied());
        v.extend(session.iter().flatten().copied());
        v
    };
    let principal_side_block = || {
        if identity.is_empty() {
            Layer::Identity
        } else if !boundary_ok {
            Layer::PermissionsBoundary
        } else {
            Layer::Session
        }
    };
    let principal_side_ok = !identity.is_empty() && boundary_ok && session_ok;

    let principal_account = p.account();
    let resource_account = req
        .resource_account
        .as_deref()
        .filter(|a| !a.is_empty())
        .or_else(|| Arn::parse(&req.resource).map(|a| a.account).filter(|a| !a.is_empty()))
        .or(principal_account);
    let same_account = principal_account.is_some() && principal_account == resource_account;

    let mut out = granted;
    if same_account {
        // A KMS key always has a key policy, so a missing one grants nothing. A case without
        // a trust policy for `sts:AssumeRole` did not supply it: evaluate as for other
        // resources (both as iam-simulate does; the [`crate::Authorizer`] always supplies
        // the role's trust policy).
        let explicit = needs_resource_allow(&ev.action_lc, &req.resource)
            && (set.resource.is_some() || ev.action_lc.starts_with("kms:"));
        if explicit {
            match best {
                Some(PMatch::Exact) => {
                    out.extend(res_reasons(PMatch::Exact));
                    return allow(out);
                }
                Some(PMatch::Wildcard) if session_ok => {
                    out.extend(res_reasons(PMatch::Wildcard));
                    out.extend(session.iter().flatten().copied());
                    return allow(out);
                }
                Some(PMatch::Wildcard) => {
                    return implicit(
                        Layer::Session,
                        "the resource policy allows everyone, and the session policy does not allow".into(),
                    );
                }
                Some(PMatch::Session) if boundary_ok && session_ok => {
                    out.extend(bounds(res_reasons(PMatch::Session)));
                    return allow(out);
                }
                Some(PMatch::Session) => {
                    return implicit(
                        if boundary_ok { Layer::Session } else { Layer::PermissionsBoundary },
                        "the resource policy names the role, and a boundary or session policy does not allow".into(),
                    );
                }
                Some(PMatch::Account) if principal_side_ok => {
                    out.extend(res_reasons(PMatch::Account));
                    out.extend(bounds(identity));
                    return allow(out);
                }
                Some(PMatch::Account) => {
                    return implicit(
                        principal_side_block(),
                        "the resource policy delegates to the account, whose policies do not allow".into(),
                    );
                }
                None => {
                    return implicit(
                        Layer::Resource,
                        "this resource's policy must allow explicitly, and none of its statements does".into(),
                    );
                }
            }
        }
        if principal_side_ok {
            out.extend(bounds(identity));
            return allow(out);
        }
        match best {
            Some(PMatch::Exact) => {
                out.extend(res_reasons(PMatch::Exact));
                allow(out)
            }
            Some(PMatch::Wildcard) if session_ok => {
                out.extend(res_reasons(PMatch::Wildcard));
                out.extend(session.iter().flatten().copied());
                allow(out)
            }
            Some(PMatch::Wildcard) if identity.is_empty() || !boundary_ok => implicit(
                Layer::Session,
                "the resource policy allows everyone, and the session policy does not allow".into(),
            ),
            Some(PMatch::Session) if boundary_ok && session_ok => {
                out.extend(bounds(res_reasons(PMatch::Session)));
                allow(out)
            }
            Some(PMatch::Session) => implicit(
                if boundary_ok { Layer::Session } else { Layer::PermissionsBoundary },
                "the resource policy names the role, and a boundary or session policy does not allow".into(),
            ),
            _ => implicit(principal_side_block(), "no statement allows the action on the resource".into()),
        }
    } else {
        if !principal_side_ok {
            return implicit(principal_side_block(), "cross-account: the principal's own policies do not allow".into());
        }
        if res_allow.is_empty() {
            return implicit(
                Layer::Resource,
                "cross-account: the resource policy does not allow this principal".into(),
            );
        }
        out.extend(bounds(identity));
        out.extend(res_allow.into_iter().map(|r| r.0));
        allow(out)
    }
}

fn layer_name(l: Layer) -> &'static str {
    match l {
        Layer::Scp => "service control policy",
        Layer::Rcp => "resource control policy",
        Layer::Identity => "identity policy",
        Layer::Resource => "resource policy",
        Layer::PermissionsBoundary => "permissions boundary",
        Layer::Session => "session policy",
    }
}

fn allow(hits: Vec<Hit<'_>>) -> Decision {
    Decision {
        decision: DecisionKind::Allow,
        reasons: hits.into_iter().map(Hit::reason).collect(),
        blocked_by: None,
        message: "allowed".into(),
    }
}

fn implicit(layer: Layer, message: String) -> Decision {
    Decision { decision: DecisionKind::ImplicitDeny, reasons: Vec::new(), blocked_by: Some(layer), message }
}
