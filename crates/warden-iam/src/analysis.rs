//! The questions checks ask of single policies, answered from the parsed grammar.
//!
//! ## Full admin (CIS 2.14)
//! [`full_admin`] is true when some `Allow` statement, with no `Condition`, covers every
//! action on every resource. "Every action" is `Action` holding `*` (or `*:*`, or any
//! all-wildcard pattern) or `NotAction: []`; "every resource" is `Resource` holding `*`
//! (or an all-wildcard pattern) or `NotResource: []`. An empty `NotAction` list excludes
//! nothing, so it is equivalent to `Action: "*"` (IAM accepts it); other `NotAction`
//! lists leave some action out and are not full admin (they may still be
//! admin-equivalent: that is what evaluation is for).
//!
//! ## Public resource policies (CIS 2.21)
//! [`public_grants`] lists `Allow` statements that any AWS principal or anonymous caller
//! can use: `Principal: "*"`, `{"AWS": "*"}` (in any list), or `NotPrincipal` with
//! `Allow` — unless a condition restricts *who* may call. A condition restricts when it
//! uses a positive operator (not negated, not `…IfExists`, not `ForAllValues`) on one of
//! [`RESTRICTING_KEYS`] with a value that is not universal (`*`, `0.0.0.0/0`, `::/0`,
//! all-wildcard ARNs). Conditions any caller can satisfy (`aws:SecureTransport`,
//! `aws:CurrentTime`, `aws:UserAgent`, `s3:x-amz-acl`, …) do not restrict.

use crate::condition::{Cidr, Family, OpKind, SetOp};
use crate::policy::{Effect, Policy, PrincipalSpec, Statement};
use serde::Serialize;

/// Condition keys that pin down the caller (lowercase).
pub const RESTRICTING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:userid",
    "aws:username",
    "aws:vpcsourceip",
    "kms:calleraccount",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
    "sns:endpoint",
    "cognito-identity.amazonaws.com:aud",
    "accounts.google.com:aud",
    "graph.facebook.com:app_id",
    "www.amazon.com:app_id",
];

/// A statement named as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// JSON path of the statement, e.g. `Statement[1]`.
    pub path: String,
}

impl StatementRef {
    fn of(s: &Statement) -> StatementRef {
        StatementRef { index: s.index, sid: s.sid.clone(), path: s.path.clone() }
    }
}

fn all_stars(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '*')
}

fn covers_all_actions(st: &Statement) -> bool {
    let a = &st.action;
    if a.negated {
        return a.patterns.is_empty();
    }
    a.patterns.iter().any(|p| {
        let lc = p.lowercase();
        all_stars(lc) || lc.split_once(':').is_some_and(|(s, n)| all_stars(s) && all_stars(n))
    })
}

fn covers_all_resources(st: &Statement) -> bool {
    match &st.resource {
        None => false,
        Some(r) if r.negated => r.patterns.is_empty(),
        Some(r) => r.patterns.iter().any(|p| all_stars(&p.raw)),
    }
}

/// The first unconditional `Allow` of every action on every resource, if any.
pub fn full_admin(p: &Policy) -> Option<StatementRef> {
    p.statements
        .iter()
        .find(|s| {
            s.effect == Effect::Allow && s.conditions.is_empty() && covers_all_actions(s) && covers_all_resources(s)
        })
        .map(StatementRef::of)
}

/// One statement that opens a resource to everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicGrant {
    pub statement: StatementRef,
    /// The statement's action patterns as written (prefixed `NotAction:` when negated).
    pub actions: Vec<String>,
    /// Condition keys present that do not restrict the caller.
    pub non_restricting_conditions: Vec<String>,
}

fn everyone(st: &Statement) -> bool {
    match &st.principal {
        Some(b) if b.negated => true,
        Some(b) => b.spec.is_everyone(),
        None => false,
    }
}

/// True when `raw` admits every caller (`*`, `0.0.0.0/0`, all-wildcard ARNs).
pub(crate) fn universal(family: Family, kind: OpKind, raw: &str) -> bool {
    match family {
        Family::Ip => Cidr::parse(raw).is_none_or(|c| c.is_universal()),
        Family::String if kind == OpKind::StringLike => all_stars(raw),
        Family::Arn => raw.split(':').all(|s| all_stars(s) || s == "arn") || all_stars(raw),
        Family::Bool => !raw.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn restricts(c: &crate::condition::Condition) -> bool {
    let op = c.op;
    if op.if_exists || op.kind.negated() || op.set == Some(SetOp::ForAllValues) || op.kind == OpKind::Null {
        return false;
    }
    if !RESTRICTING_KEYS.contains(&c.key_lc()) {
        return false;
    }
    let family = op.kind.family();
    if matches!(family, Family::Numeric | Family::Date | Family::Binary) {
        return false;
    }
    !c.values.is_empty() && c.values.iter().all(|v| !universal(family, op.kind, &v.raw))
}

/// Statements of a resource policy (bucket, key, trust, queue, topic …) open to everyone.
pub fn public_grants(p: &Policy) -> Vec<PublicGrant> {
    p.statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && everyone(s) && !s.conditions.iter().any(restricts))
        .map(|s| PublicGrant {
            statement: StatementRef::of(s),
            actions: s
                .action
                .patterns
                .iter()
                .map(|a| if s.action.negated { format!("NotAction:{}", a.raw) } else { a.raw.clone() })
                .collect(),
            non_restricting_conditions: s.conditions.iter().map(|c| format!("{}:{}", c.op.name(), c.key)).collect(),
        })
        .collect()
}

/// True when the `Principal` element names everyone (`*` / `{"AWS":"*"}`).
pub fn is_everyone(spec: &PrincipalSpec) -> bool {
    spec.is_everyone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(v: serde_json::Value) -> Policy {
        Policy::parse(&v).unwrap()
    }

    #[test]
    fn full_admin_forms() {
        let fire = [
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            json!({"Statement": {"Sid": "x", "Effect": "Allow", "Action": ["s3:Get*", "*:*"], "Resource": ["*"]}}),
            json!({"Statement": [{"Effect": "Allow", "NotAction": [], "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "NotResource": []}]}),
        ];
        for f in fire {
            assert!(full_admin(&p(f.clone())).is_some(), "{f}");
        }
        let quiet = [
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}),
            json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]}),
        ];
        for q in quiet {
            assert!(full_admin(&p(q.clone())).is_none(), "{q}");
        }
        let r = full_admin(&p(json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}]}))).unwrap();
        assert_eq!((r.index, r.sid.as_deref(), r.path.as_str()), (1, Some("Admin"), "Statement[1]"));
    }

    #[test]
    fn public_forms() {
        let public = |v: serde_json::Value| !public_grants(&p(v)).is_empty();
        let st = |principal: serde_json::Value, cond: serde_json::Value| json!({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": cond}]});
        assert!(public(st(json!("*"), json!({}))));
        assert!(public(st(json!({"AWS": ["arn:aws:iam::111122223333:root", "*"]}), json!({}))));
        assert!(public(st(json!("*"), json!({"Bool": {"aws:SecureTransport": "true"}}))));
        assert!(public(st(json!("*"), json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))));
        assert!(public(st(json!("*"), json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}))));
        assert!(public(st(json!("*"), json!({"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}))));
        assert!(public(st(json!("*"), json!({"StringLike": {"aws:PrincipalOrgID": "*"}}))));
        assert!(!public(st(json!("*"), json!({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}))));
        assert!(!public(st(json!("*"), json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))));
        assert!(!public(st(json!("*"), json!({"StringEquals": {"aws:SourceVpce": "vpce-1"}}))));
        assert!(!public(st(json!("*"), json!({"StringEquals": {"kms:CallerAccount": "111122223333"}}))));
        assert!(!public(st(
            json!("*"),
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111122223333:trail/*"}})
        )));
        assert!(!public(st(json!({"AWS": "arn:aws:iam::111122223333:root"}), json!({}))));
        let np = json!({"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": "*"}]});
        assert!(public(np));
        let g = public_grants(&p(st(json!("*"), json!({"Bool": {"aws:SecureTransport": "true"}}))));
        assert_eq!(g[0].actions, vec!["s3:GetObject"]);
        assert_eq!(g[0].non_restricting_conditions, vec!["Bool:aws:SecureTransport"]);
    }
}
