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

use crate::arn::{self, Arn, ShortArn, SplitArn};
use crate::condition::ParsedValues;
use crate::context::Context;
use crate::policy::{Effect, Policy, PrincipalBlock, PrincipalKind, PrincipalSpec, Statement};
use crate::wildcard::Tok;
use serde::Serialize;
use std::borrow::Cow;
use std::cell::RefCell;

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

fn principal_value_match(kind: PrincipalKind, v: &str, p: &Principal, caller: Option<&Arn<'_>>) -> Option<PMatch> {
    match (kind, p) {
        (PrincipalKind::Aws, _) if v == "*" => Some(PMatch::Wildcard),
        (PrincipalKind::Aws, Principal::Arn(a)) => {
            if v == a {
                return Some(if is_role_arn(a) { PMatch::Session } else { PMatch::Exact });
            }
            let pa = caller?;
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

/// The best match of a `Principal` element against the caller (its ARN parsed once per
/// request).
fn principal_match(spec: &PrincipalSpec, p: &Principal, caller: Option<&Arn<'_>>) -> Option<PMatch> {
    match spec {
        PrincipalSpec::Any => Some(PMatch::Wildcard),
        PrincipalSpec::Map(m) => {
            m.iter().flat_map(|(k, vs)| vs.iter().filter_map(move |v| principal_value_match(*k, v, p, caller))).max()
        }
    }
}

fn block_match(b: &PrincipalBlock, p: &Principal, caller: Option<&Arn<'_>>) -> Option<PMatch> {
    let m = principal_match(&b.spec, p, caller);
    if b.negated { if m.is_some() { None } else { Some(PMatch::Wildcard) } } else { m }
}

/// One request prepared once for matching against every statement: the action
/// lowercased, the resource split into segments, the caller's ARN parsed, and a cache for
/// typed context values.
struct Eval<'r> {
    req: &'r Request,
    action_lc: &'r str,
    resource: SplitArn<'r>,
    caller: Option<Arn<'r>>,
    parsed: ParsedValues,
    scratch: RefCell<Vec<Tok>>,
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
        st.applies_to(self.action_lc, &self.resource, &self.req.context, short, &self.parsed, &self.scratch)
    }
}

/// `s` in ASCII lowercase, in `buf` when it fits (no allocation for ordinary actions).
fn ascii_lowercase<'b>(s: &'b str, buf: &'b mut [u8; 128]) -> Cow<'b, str> {
    if !s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Cow::Borrowed(s);
    }
    if let Some(dst) = buf.get_mut(..s.len()) {
        dst.copy_from_slice(s.as_bytes());
        dst.make_ascii_lowercase();
        if let Ok(t) = std::str::from_utf8(dst) {
            return Cow::Borrowed(t);
        }
    }
    Cow::Owned(s.to_ascii_lowercase())
}

/// A deciding statement while evaluating: borrowed, turned into a [`Reason`] only when a
/// [`Decision`] is asked for. Resource-policy hits carry how the principal matched.
#[derive(Debug, Clone, Copy)]
struct Hit<'a> {
    layer: Layer,
    id: &'a str,
    st: &'a Statement,
    pm: Option<PMatch>,
}

impl Hit<'_> {
    fn reason(&self) -> Reason {
        Reason {
            layer: self.layer,
            policy: self.id.to_owned(),
            statement: self.st.index,
            sid: self.st.sid.clone(),
            effect: self.st.effect,
        }
    }
}

fn hit<'a>(layer: Layer, pr: &PolicyRef<'a>, st: &'a Statement) -> Hit<'a> {
    Hit { layer, id: pr.id, st, pm: None }
}

/// Whether the resource policy must allow explicitly (role trust policies, KMS key
/// policies: "unlike other resource-based policies, ... must explicitly allow").
pub fn needs_resource_allow(action_lc: &str, resource: &str) -> bool {
    needs_explicit_allow(action_lc, Arn::parse(resource))
}

fn needs_explicit_allow(action_lc: &str, resource: Option<Arn<'_>>) -> bool {
    let Some(a) = resource else { return false };
    (action_lc.starts_with("kms:") && a.service == "kms")
        || (action_lc.starts_with("sts:") && a.service == "iam" && a.resource.starts_with("role/"))
}

/// A run of [`Evaluation`] hits that belongs to the decision, optionally only the
/// resource-policy hits whose principal matched at least `min`.
#[derive(Debug, Clone, Copy)]
struct Part {
    start: usize,
    end: usize,
    min: Option<PMatch>,
}

impl Part {
    const EMPTY: Part = Part { start: 0, end: 0, min: None };

    fn all(r: std::ops::Range<usize>) -> Part {
        Part { start: r.start, end: r.end, min: None }
    }

    fn at_least(r: std::ops::Range<usize>, min: PMatch) -> Part {
        Part { start: r.start, end: r.end, min: Some(min) }
    }
}

/// Why an evaluation ended, rendered into [`Decision::message`] only when asked for.
#[derive(Debug, Clone, Copy)]
enum Message {
    Allowed,
    /// Names the first deny hit.
    Denied,
    ScpLevel(usize),
    Text(&'static str),
}

/// The outcome of [`evaluate_lazy`]: the verdict at once, the deciding statements kept as
/// borrowed references into the policies and rendered as [`Reason`]s (with the message)
/// only by [`Evaluation::to_decision`]. Queries that only need the verdict (`who_can`
/// over many principals) skip every string allocation.
#[derive(Debug, Clone)]
pub struct Evaluation<'a> {
    kind: DecisionKind,
    blocked_by: Option<Layer>,
    message: Message,
    hits: Vec<Hit<'a>>,
    parts: [Part; 5],
    nparts: usize,
}

impl<'a> Evaluation<'a> {
    pub fn kind(&self) -> DecisionKind {
        self.kind
    }

    pub fn is_allowed(&self) -> bool {
        self.kind == DecisionKind::Allow
    }

    /// For `ImplicitDeny`: the layer that lacked an allow.
    pub fn blocked_by(&self) -> Option<Layer> {
        self.blocked_by
    }

    /// Calls `f` on each deciding hit, in order.
    fn each_deciding(&self, mut f: impl FnMut(&Hit<'a>)) {
        for p in self.parts.iter().take(self.nparts) {
            for h in self.hits.get(p.start..p.end).unwrap_or_default() {
                if p.min.is_none_or(|min| h.pm.is_some_and(|m| m >= min)) {
                    f(h);
                }
            }
        }
    }

    /// The deciding statements, rendered.
    pub fn reasons(&self) -> Vec<Reason> {
        let mut n = 0;
        self.each_deciding(|_| n += 1);
        let mut out = Vec::with_capacity(n);
        self.each_deciding(|h| out.push(h.reason()));
        out
    }

    pub fn message(&self) -> String {
        match self.message {
            Message::Allowed => "allowed".into(),
            Message::Denied => {
                let mut first = None;
                self.each_deciding(|h| {
                    first.get_or_insert(*h);
                });
                let first = first.map(|r| format!("{} `{}` statement {}", layer_name(r.layer), r.id, r.st.index));
                format!("explicitly denied by {}", first.unwrap_or_default())
            }
            Message::ScpLevel(i) => format!("no service control policy at level {i} allows the action"),
            Message::Text(t) => t.into(),
        }
    }

    /// The full [`Decision`], reasons and message rendered.
    pub fn to_decision(&self) -> Decision {
        Decision { decision: self.kind, reasons: self.reasons(), blocked_by: self.blocked_by, message: self.message() }
    }

    fn implicit(layer: Layer, message: Message) -> Evaluation<'a> {
        Evaluation {
            kind: DecisionKind::ImplicitDeny,
            blocked_by: Some(layer),
            message,
            hits: Vec::new(),
            parts: [Part::EMPTY; 5],
            nparts: 0,
        }
    }

    fn decided(kind: DecisionKind, message: Message, hits: Vec<Hit<'a>>, parts: &[Part]) -> Evaluation<'a> {
        let mut all = [Part::EMPTY; 5];
        for (slot, p) in all.iter_mut().zip(parts) {
            *slot = *p;
        }
        Evaluation { kind, blocked_by: None, message, hits, parts: all, nparts: parts.len().min(5) }
    }
}

/// Evaluates `req` against `set`.
pub fn evaluate(set: &PolicySet<'_>, req: &Request) -> Decision {
    evaluate_lazy(set, req).to_decision()
}

/// Evaluates `req` against `set`, rendering nothing: the same verdict as [`evaluate`],
/// whose reasons and message [`Evaluation::to_decision`] builds on demand.
pub fn evaluate_lazy<'a>(set: &PolicySet<'a>, req: &Request) -> Evaluation<'a> {
    let mut buf = [0u8; 128];
    let action_lc = ascii_lowercase(&req.action, &mut buf);
    let caller = match &req.principal {
        Principal::Arn(a) => Arn::parse(a),
        _ => None,
    };
    let ev = Eval {
        req,
        action_lc: &action_lc,
        resource: SplitArn::new(&req.resource),
        caller,
        parsed: ParsedValues::default(),
        scratch: RefCell::new(Vec::new()),
    };
    decide(set, &ev)
}

fn decide<'a>(set: &PolicySet<'a>, ev: &Eval<'_>) -> Evaluation<'a> {
    let req = ev.req;
    let p = &req.principal;
    let caller = ev.caller.as_ref();
    let iam_principal = matches!(p, Principal::Arn(_));
    let has_boundary = iam_principal && !set.boundaries.is_empty();
    // Every hit of this evaluation, in one vector: denies, or the allows of each layer in
    // runs whose ranges say which layer they belong to.
    let mut hits: Vec<Hit<'a>> = Vec::new();

    // 1. Explicit denies, everywhere.
    let scan_denies = |hits: &mut Vec<Hit<'a>>, layer: Layer, pr: &PolicyRef<'a>, check_principal: bool| {
        for st in pr.policy.statements.iter().filter(|s| s.effect == Effect::Deny) {
            if !ev.applies(layer, st) {
                continue;
            }
            if check_principal {
                let pm = match &st.principal {
                    // "NotPrincipal with Deny always denies principals that carry a permissions boundary."
                    Some(b) if b.negated && has_boundary => true,
                    Some(b) => block_match(b, p, caller).is_some(),
                    None => false,
                };
                if !pm {
                    continue;
                }
            }
            hits.push(hit(layer, pr, st));
        }
    };
    if iam_principal {
        for level in &set.scps {
            for pr in level {
                scan_denies(&mut hits, Layer::Scp, pr, false);
            }
        }
    }
    if !matches!(p, Principal::Service(_)) {
        for level in &set.rcps {
            for pr in level {
                scan_denies(&mut hits, Layer::Rcp, pr, true);
            }
        }
    }
    if let Some(pr) = &set.resource {
        scan_denies(&mut hits, Layer::Resource, pr, true);
    }
    if iam_principal {
        for pr in &set.identity {
            scan_denies(&mut hits, Layer::Identity, pr, false);
        }
        for pr in &set.boundaries {
            scan_denies(&mut hits, Layer::PermissionsBoundary, pr, false);
        }
        if let Some(pr) = &set.session {
            scan_denies(&mut hits, Layer::Session, pr, false);
        }
    }
    if !hits.is_empty() {
        let all = Part::all(0..hits.len());
        return Evaluation::decided(DecisionKind::ExplicitDeny, Message::Denied, hits, &[all]);
    }

    // Appends the allowing statements of `prs`; the range they occupy.
    let allows = |hits: &mut Vec<Hit<'a>>, layer: Layer, prs: &[PolicyRef<'a>]| -> std::ops::Range<usize> {
        let start = hits.len();
        for pr in prs {
            for st in pr.policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
                if ev.applies(layer, st) {
                    hits.push(hit(layer, pr, st));
                }
            }
        }
        start..hits.len()
    };

    // 2. SCPs: every level must allow.
    if iam_principal {
        for (i, level) in set.scps.iter().enumerate() {
            if allows(&mut hits, Layer::Scp, level).is_empty() {
                return Evaluation::implicit(Layer::Scp, Message::ScpLevel(i));
            }
        }
    }
    let granted = Part::all(0..hits.len());

    // Resource-policy allows with how the principal matched.
    let res_start = hits.len();
    if let Some(pr) = &set.resource {
        for st in pr.policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let Some(b) = &st.principal else { continue };
            let Some(m) = block_match(b, p, caller) else { continue };
            if ev.applies(Layer::Resource, st) {
                hits.push(Hit { pm: Some(m), ..hit(Layer::Resource, pr, st) });
            }
        }
    }
    let res = res_start..hits.len();
    let best = hits.get(res.clone()).unwrap_or_default().iter().filter_map(|h| h.pm).max();
    let res_allow_empty = res.is_empty();
    let res_reasons = |min: PMatch| Part::at_least(res.clone(), min);

    if !iam_principal {
        return match best {
            Some(PMatch::Exact | PMatch::Wildcard) => {
                Evaluation::decided(DecisionKind::Allow, Message::Allowed, hits, &[res_reasons(PMatch::Wildcard)])
            }
            _ => {
                Evaluation::implicit(Layer::Resource, Message::Text("no resource policy statement allows this caller"))
            }
        };
    }

    let identity = allows(&mut hits, Layer::Identity, &set.identity);
    let boundary = if set.boundaries.is_empty() {
        None
    } else {
        Some(allows(&mut hits, Layer::PermissionsBoundary, &set.boundaries))
    };
    let session = set.session.as_ref().map(|s| allows(&mut hits, Layer::Session, std::slice::from_ref(s)));
    let boundary_ok = boundary.as_ref().is_none_or(|b| !b.is_empty());
    let session_ok = session.as_ref().is_none_or(|s| !s.is_empty());
    let boundary_part = Part::all(boundary.clone().unwrap_or(0..0));
    let session_part = Part::all(session.clone().unwrap_or(0..0));
    let identity_part = Part::all(identity.clone());
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

    let principal_account = match p {
        Principal::Arn(a) if arn::is_account_id(a) => Some(a.as_str()),
        Principal::Arn(_) => caller.map(|a| a.account).filter(|a| !a.is_empty()),
        _ => None,
    };
    let resource_account = req
        .resource_account
        .as_deref()
        .filter(|a| !a.is_empty())
        .or_else(|| ev.resource.arn().map(|a| a.account).filter(|a| !a.is_empty()))
        .or(principal_account);
    let same_account = principal_account.is_some() && principal_account == resource_account;

    let allow =
        |hits: Vec<Hit<'a>>, parts: &[Part]| Evaluation::decided(DecisionKind::Allow, Message::Allowed, hits, parts);
    let implicit = |layer: Layer, text: &'static str| Evaluation::implicit(layer, Message::Text(text));
    if same_account {
        // A KMS key always has a key policy, so a missing one grants nothing. A case without
        // a trust policy for `sts:AssumeRole` did not supply it: evaluate as for other
        // resources (both as iam-simulate does; the [`crate::Authorizer`] always supplies
        // the role's trust policy).
        let explicit = needs_explicit_allow(ev.action_lc, ev.resource.arn())
            && (set.resource.is_some() || ev.action_lc.starts_with("kms:"));
        if explicit {
            return match best {
                Some(PMatch::Exact) => allow(hits, &[granted, res_reasons(PMatch::Exact)]),
                Some(PMatch::Wildcard) if session_ok => {
                    allow(hits, &[granted, res_reasons(PMatch::Wildcard), session_part])
                }
                Some(PMatch::Wildcard) => implicit(
                    Layer::Session,
                    "the resource policy allows everyone, and the session policy does not allow",
                ),
                Some(PMatch::Session) if boundary_ok && session_ok => {
                    allow(hits, &[granted, res_reasons(PMatch::Session), boundary_part, session_part])
                }
                Some(PMatch::Session) => implicit(
                    if boundary_ok { Layer::Session } else { Layer::PermissionsBoundary },
                    "the resource policy names the role, and a boundary or session policy does not allow",
                ),
                Some(PMatch::Account) if principal_side_ok => {
                    allow(hits, &[granted, res_reasons(PMatch::Account), identity_part, boundary_part, session_part])
                }
                Some(PMatch::Account) => implicit(
                    principal_side_block(),
                    "the resource policy delegates to the account, whose policies do not allow",
                ),
                None => implicit(
                    Layer::Resource,
                    "this resource's policy must allow explicitly, and none of its statements does",
                ),
            };
        }
        if principal_side_ok {
            return allow(hits, &[granted, identity_part, boundary_part, session_part]);
        }
        match best {
            Some(PMatch::Exact) => allow(hits, &[granted, res_reasons(PMatch::Exact)]),
            Some(PMatch::Wildcard) if session_ok => {
                allow(hits, &[granted, res_reasons(PMatch::Wildcard), session_part])
            }
            Some(PMatch::Wildcard) if identity.is_empty() || !boundary_ok => {
                implicit(Layer::Session, "the resource policy allows everyone, and the session policy does not allow")
            }
            Some(PMatch::Session) if boundary_ok && session_ok => {
                allow(hits, &[granted, res_reasons(PMatch::Session), boundary_part, session_part])
            }
            Some(PMatch::Session) => implicit(
                if boundary_ok { Layer::Session } else { Layer::PermissionsBoundary },
                "the resource policy names the role, and a boundary or session policy does not allow",
            ),
            _ => implicit(principal_side_block(), "no statement allows the action on the resource"),
        }
    } else {
        if !principal_side_ok {
            return implicit(principal_side_block(), "cross-account: the principal's own policies do not allow");
        }
        if res_allow_empty {
            return implicit(Layer::Resource, "cross-account: the resource policy does not allow this principal");
        }
        allow(hits, &[granted, identity_part, boundary_part, session_part, Part::all(res)])
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
