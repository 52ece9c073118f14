//! Policy validation in the classes users know from IAM Access Analyzer: `ERROR`,
//! `SECURITY_WARNING`, `WARNING`, `SUGGESTION`. Every finding carries the JSON path of
//! the element it is about (e.g. `Statement[1].Condition.StringEquals.aws:SourceIp`).
//!
//! | code | severity | what |
//! |---|---|---|
//! | `invalid_policy` | ERROR | grammar error (the parser's located message) |
//! | `unknown_service` | ERROR | action prefix is no AWS service |
//! | `unknown_action` | ERROR | action (or pattern) matches no action of the service |
//! | `resource_type_mismatch` | WARNING | no resource entry can match an ARN of any resource type the action takes (patterns intersected with the catalog's ARN templates) |
//! | `wildcard_only_action` | WARNING | action supports only `Resource: "*"` but none is given |
//! | `operator_type_mismatch` | ERROR | operator family does not fit the key's type |
//! | `null_with_if_exists` | ERROR | `NullIfExists` |
//! | `set_operator_on_single_valued_key` | SECURITY_WARNING (Allow + `ForAllValues`) / WARNING | set operator on a single-valued key |
//! | `missing_set_operator` | WARNING | plain operator on a multivalued key (always false) |
//! | `allow_with_not_principal` | SECURITY_WARNING | `Allow` + `NotPrincipal` |
//! | `allow_with_not_action` | SECURITY_WARNING | `Allow` + `NotAction` |
//! | `allow_with_not_resource` | SECURITY_WARNING | `Allow` + `NotResource` |
//! | `pass_role_with_star` | SECURITY_WARNING | `iam:PassRole` allowed on `*` |
//! | `missing_version` | WARNING | no `Version` (policy variables are then literal) |
//! | `variables_need_2012` | WARNING | `${…}` in a policy without `Version: 2012-10-17` |
//! | `duplicate_sid` | ERROR | two statements share a `Sid` |
//! | `redundant_statement` | SUGGESTION | a statement repeats an earlier one |
//! | `redundant_action` | SUGGESTION | an action entry is covered by another in the same statement |

use crate::catalog::{self, key_matches};
use crate::condition::{Family, OpKind, SetOp};
use crate::policy::{Effect, Policy, Statement};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LintSeverity {
    Error,
    SecurityWarning,
    Warning,
    Suggestion,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub severity: LintSeverity,
    pub code: &'static str,
    pub path: String,
    pub message: String,
}

/// Types of global (`aws:`) condition keys, per the IAM User Guide's global condition
/// context keys page. Prefix entries end in `/`.
const GLOBAL_KEYS: &[(&str, &str)] = &[
    ("aws:calledvia", "ArrayOfString"),
    ("aws:calledviafirst", "String"),
    ("aws:calledvialast", "String"),
    ("aws:currenttime", "Date"),
    ("aws:ec2instancesourceprivateipv4", "IPAddress"),
    ("aws:ec2instancesourcevpc", "String"),
    ("aws:epochtime", "Date"),
    ("aws:federatedprovider", "String"),
    ("aws:isassumedroot", "Bool"),
    ("aws:multifactorauthage", "Numeric"),
    ("aws:multifactorauthpresent", "Bool"),
    ("aws:principalaccount", "String"),
    ("aws:principalarn", "ARN"),
    ("aws:principalisawsservice", "Bool"),
    ("aws:principalorgid", "String"),
    ("aws:principalorgpaths", "ArrayOfString"),
    ("aws:principalservicename", "String"),
    ("aws:principalservicenameslist", "ArrayOfString"),
    ("aws:principaltag/", "String"),
    ("aws:principaltype", "String"),
    ("aws:referer", "String"),
    ("aws:requestedregion", "String"),
    ("aws:requesttag/", "String"),
    ("aws:resourceaccount", "String"),
    ("aws:resourceorgid", "String"),
    ("aws:resourceorgpaths", "ArrayOfString"),
    ("aws:resourcetag/", "String"),
    ("aws:securetransport", "Bool"),
    ("aws:sourceaccount", "String"),
    ("aws:sourcearn", "ARN"),
    ("aws:sourceidentity", "String"),
    ("aws:sourceip", "IPAddress"),
    ("aws:sourceorgid", "String"),
    ("aws:sourceorgpaths", "ArrayOfString"),
    ("aws:sourcevpc", "String"),
    ("aws:sourcevpce", "String"),
    ("aws:tagkeys", "ArrayOfString"),
    ("aws:tokenissuetime", "Date"),
    ("aws:useragent", "String"),
    ("aws:userid", "String"),
    ("aws:username", "String"),
    ("aws:viaawsservice", "Bool"),
    ("aws:vpcsourceip", "IPAddress"),
];

/// The documented type of a condition key, from the global list or the catalog.
pub fn key_type(key: &str) -> Option<String> {
    let lc = key.to_ascii_lowercase();
    for (k, t) in GLOBAL_KEYS {
        if lc == *k || (k.ends_with('/') && lc.starts_with(k) && lc.len() > k.len()) {
            return Some((*t).to_owned());
        }
    }
    let (prefix, _) = lc.split_once(':')?;
    let c = catalog::catalog();
    if let Some(t) = c.service(prefix).and_then(|s| s.condition_key_type(key)) {
        return Some(t.to_owned());
    }
    // Service-specific keys can be defined under another service's prefix entry.
    c.services().iter().find_map(|s| s.condition_keys.iter().find(|(k, _)| key_matches(k, key)).map(|(_, t)| t.clone()))
}

fn fits(family: Family, key_type: &str) -> bool {
    let base = key_type.strip_prefix("ArrayOf").unwrap_or(key_type);
    match family {
        Family::Null => true,
        Family::String => matches!(base, "String" | "ARN" | "ArrayOfString"),
        // String operators work on ARN keys; ARN operators on String keys are accepted too
        // (AWS's own managed policies use `ArnLike` on `aws:RequestTag/…` and encryption
        // context keys, and IAM evaluates them).
        Family::Arn => base == "ARN" || base == "String",
        Family::Numeric => base == "Numeric" || base == "Long" || base == "Integer",
        Family::Date => base == "Date",
        Family::Bool => base == "Bool" || base == "Boolean",
        Family::Ip => base == "IPAddress" || base == "IpAddress",
        Family::Binary => base == "Binary",
    }
}

/// Lints a policy document given as JSON.
pub fn lint(v: &Value) -> Vec<LintFinding> {
    let mut out = Vec::new();
    let p = match Policy::parse(v) {
        Ok(p) => p,
        Err(e) => {
            out.push(LintFinding {
                severity: LintSeverity::Error,
                code: "invalid_policy",
                path: e.path().unwrap_or("(document)").to_owned(),
                message: e.to_string(),
            });
            return out;
        }
    };
    lint_policy(&p, v, &mut out);
    out.sort_by(|a, b| a.severity.cmp(&b.severity).then_with(|| a.path.cmp(&b.path)));
    out
}

/// Lints JSON text (URL-encoded accepted).
pub fn lint_text(text: &str) -> Vec<LintFinding> {
    match crate::policy::parse_json_text(text) {
        Ok(v) => lint(&v),
        Err(e) => vec![LintFinding {
            severity: LintSeverity::Error,
            code: "invalid_policy",
            path: "(document)".into(),
            message: e.to_string(),
        }],
    }
}

fn f(out: &mut Vec<LintFinding>, severity: LintSeverity, code: &'static str, path: String, message: String) {
    out.push(LintFinding { severity, code, path, message });
}

fn lint_policy(p: &Policy, raw: &Value, out: &mut Vec<LintFinding>) {
    use LintSeverity::*;
    if p.version.is_none() {
        f(
            out,
            Warning,
            "missing_version",
            "Version".into(),
            "no `Version`: add `\"Version\": \"2012-10-17\"` (without it policy variables are literal text)".into(),
        );
    }
    let raw_text = raw.to_string();
    if !p.variables_enabled() && raw_text.contains("${") {
        f(
            out,
            Warning,
            "variables_need_2012",
            "Version".into(),
            "`${…}` policy variables are only replaced with `Version: 2012-10-17`".into(),
        );
    }
    let mut sids: HashMap<&str, &str> = HashMap::new();
    let stmt_values: Vec<Value> = match raw.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(o) => vec![o.clone()],
        None => Vec::new(),
    };
    let mut seen: Vec<(usize, Value)> = Vec::new();
    for st in &p.statements {
        if let Some(sid) = st.sid.as_deref().filter(|s| !s.is_empty())
            && let Some(first) = sids.insert(sid, &st.path)
        {
            f(
                out,
                Error,
                "duplicate_sid",
                format!("{}.Sid", st.path),
                format!("`Sid` `{sid}` is already used by {first}"),
            );
        }
        if let Some(v) = stmt_values.get(st.index) {
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut() {
                o.remove("Sid");
            }
            if let Some((j, _)) = seen.iter().find(|(_, w)| *w == v) {
                f(out, Suggestion, "redundant_statement", st.path.clone(), format!("repeats statement {j}"));
            } else {
                seen.push((st.index, v));
            }
        }
        lint_statement(st, out);
    }
}

fn action_path(st: &Statement, i: usize) -> String {
    let k = if st.action.negated { "NotAction" } else { "Action" };
    if st.action.patterns.len() == 1 { format!("{}.{k}", st.path) } else { format!("{}.{k}[{i}]", st.path) }
}

fn lint_statement(st: &Statement, out: &mut Vec<LintFinding>) {
    use LintSeverity::*;
    let c = catalog::catalog();
    let allow = st.effect == Effect::Allow;
    if allow {
        if st.principal.as_ref().is_some_and(|p| p.negated) {
            f(
                out,
                SecurityWarning,
                "allow_with_not_principal",
                format!("{}.NotPrincipal", st.path),
                "`Allow` with `NotPrincipal` grants everyone not listed, including anonymous callers".into(),
            );
        }
        if st.action.negated {
            f(
                out,
                SecurityWarning,
                "allow_with_not_action",
                format!("{}.NotAction", st.path),
                "`Allow` with `NotAction` grants every action not listed, including ones added to AWS later".into(),
            );
        }
        if st.resource.as_ref().is_some_and(|r| r.negated) {
            f(
                out,
                SecurityWarning,
                "allow_with_not_resource",
                format!("{}.NotResource", st.path),
                "`Allow` with `NotResource` grants every resource not listed".into(),
            );
        }
        let star = st.resource.as_ref().is_some_and(|r| !r.negated && r.patterns.iter().any(|p| p.is_star()));
        if star && !st.action.negated && st.action.matches_lc("iam:passrole") {
            f(out, SecurityWarning, "pass_role_with_star", format!("{}.Resource", st.path), "`iam:PassRole` on `*` lets the caller pass any role, including admin roles, to a service; name the roles".into());
        }
    }
    // Actions.
    let mut known_actions: Vec<(&str, &catalog::Action, &str)> = Vec::new();
    for (i, a) in st.action.patterns.iter().enumerate() {
        let Some((svc, name)) = a.split() else { continue };
        if svc.contains(['*', '?']) {
            continue;
        }
        let Some(service) = c.service(svc) else {
            f(
                out,
                Error,
                "unknown_service",
                action_path(st, i),
                format!(
                    "`{svc}` is not a service prefix in the Service Authorization Reference (unknown or retired; action `{}`)",
                    a.raw
                ),
            );
            continue;
        };
        if name.contains(['*', '?']) {
            let toks = crate::wildcard::compile(name);
            if !service.actions.iter().any(|x| crate::wildcard::matches(&toks, &x.name.to_ascii_lowercase())) {
                f(out, Error, "unknown_action", action_path(st, i), format!("`{}` matches no `{svc}` action", a.raw));
            }
        } else if let Some(act) = service.action(name) {
            known_actions.push((svc, act, &a.raw));
        } else {
            f(out, Error, "unknown_action", action_path(st, i), format!("`{}` is not a `{svc}` action", a.raw));
        }
        // Covered by another entry of the same statement.
        if let Some(other) = st.action.patterns.iter().enumerate().find(|(j, o)| {
            *j != i && o.raw != a.raw && o.matches_lc(a.lowercase()) && !(a.matches_lc(o.lowercase()) && *j > i)
        }) {
            f(
                out,
                Suggestion,
                "redundant_action",
                action_path(st, i),
                format!("`{}` is already covered by `{}`", a.raw, other.1.raw),
            );
        }
    }
    // Resources against the actions' resource types.
    if let Some(r) = st.resource.as_ref().filter(|r| !r.negated) {
        let has_star = r.patterns.iter().any(|p| p.is_star());
        for (svc, act, raw) in &known_actions {
            let service = c.service(svc);
            if act.resource_types.is_empty() {
                if !has_star {
                    f(
                        out,
                        Warning,
                        "wildcard_only_action",
                        format!("{}.Resource", st.path),
                        format!("`{raw}` does not support resource-level permissions: it needs `\"Resource\": \"*\"`"),
                    );
                }
                continue;
            }
            if has_star {
                continue;
            }
            let templates: Vec<(String, String)> = act
                .resource_types
                .iter()
                .filter_map(|(n, _)| service.and_then(|s| s.resource_type(n)))
                .map(|rt| (rt.name.clone(), crate::wildcard::template_glob(&rt.arn)))
                .collect();
            if templates.is_empty() {
                continue;
            }
            let any_fits = r.patterns.iter().any(|p| {
                let pattern = crate::wildcard::variables_as_star(&p.raw);
                templates.iter().any(|(_, t)| crate::wildcard::intersect(&pattern, t))
            });
            if !any_fits {
                let kinds: Vec<&str> = templates.iter().map(|(n, _)| n.as_str()).collect();
                f(
                    out,
                    Warning,
                    "resource_type_mismatch",
                    format!("{}.Resource", st.path),
                    format!(
                        "no entry names a resource `{raw}` acts on (resource types: {}; e.g. `{}`)",
                        kinds.join(", "),
                        templates.first().map(|(_, t)| t.as_str()).unwrap_or_default()
                    ),
                );
            }
        }
    }
    // Conditions.
    for cnd in &st.conditions {
        let op = cnd.op;
        if op.kind == OpKind::Null && op.if_exists {
            f(
                out,
                Error,
                "null_with_if_exists",
                cnd.path.clone(),
                "`NullIfExists` is meaningless: `Null` already tests whether the key exists".into(),
            );
        }
        let Some(t) = key_type(&cnd.key) else { continue };
        let multi = t.starts_with("ArrayOf");
        if !fits(op.kind.family(), &t) {
            f(
                out,
                Error,
                "operator_type_mismatch",
                cnd.path.clone(),
                format!("`{}` compares {:?} values but `{}` is of type {t}", op.name(), op.kind.family(), cnd.key),
            );
        }
        match op.set {
            Some(set) if !multi && op.kind != OpKind::Null => {
                let (sev, why) = if set == SetOp::ForAllValues && allow {
                    (
                        SecurityWarning,
                        "`ForAllValues` is also true when the key is missing, so this allow is broader than it reads",
                    )
                } else {
                    (Warning, "set operators are for multivalued keys")
                };
                f(
                    out,
                    sev,
                    "set_operator_on_single_valued_key",
                    cnd.path.clone(),
                    format!("`{}` is single-valued: {why}", cnd.key),
                );
            }
            None if multi && op.kind != OpKind::Null => {
                f(
                    out,
                    Warning,
                    "missing_set_operator",
                    cnd.path.clone(),
                    format!(
                        "`{}` is multivalued: use `ForAnyValue:` or `ForAllValues:` (a plain operator never matches it)",
                        cnd.key
                    ),
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(v: Value) -> Vec<(&'static str, String)> {
        lint(&v).into_iter().map(|f| (f.code, f.path)).collect()
    }

    fn has(v: Value, code: &str, path: &str) -> bool {
        codes(v.clone()).iter().any(|(c, p)| *c == code && p == path)
    }

    fn doc(stmts: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": stmts})
    }

    #[test]
    fn each_class_fires_and_stays_quiet() {
        // (must fire, must not fire, code, path)
        let cases = [
            (
                doc(json!([{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}])),
                doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])),
                "unknown_action",
                "Statement[0].Action",
            ),
            (
                doc(json!([{"Effect": "Allow", "Action": "nosuch:Get", "Resource": "*"}])),
                doc(json!([{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}])),
                "unknown_service",
                "Statement[0].Action",
            ),
            (
                doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:ec2:*:*:instance/*"}])),
                doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}])),
                "resource_type_mismatch",
                "Statement[0].Resource",
            ),
            (
                doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}])),
                doc(json!([{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}])),
                "resource_type_mismatch",
                "Statement[0].Resource",
            ),
            (
                doc(
                    json!([{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:eu-west-1:111122223333:destination:d"}]),
                ),
                doc(
                    json!([{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/${aws:username}/*"]}]),
                ),
                "resource_type_mismatch",
                "Statement[0].Resource",
            ),
            (
                doc(json!([{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::b"}])),
                doc(json!([{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}])),
                "wildcard_only_action",
                "Statement[0].Resource",
            ),
            (
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceIp": "1.2.3.4"}}}]),
                ),
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "1.2.3.4"}}}]),
                ),
                "operator_type_mismatch",
                "Statement[0].Condition.StringEquals.aws:SourceIp",
            ),
            (
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NullIfExists": {"aws:TokenIssueTime": "true"}}}]),
                ),
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"aws:TokenIssueTime": "true"}}}]),
                ),
                "null_with_if_exists",
                "Statement[0].Condition.NullIfExists.aws:TokenIssueTime",
            ),
            (
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:username": "a"}}}]),
                ),
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}}]),
                ),
                "set_operator_on_single_valued_key",
                "Statement[0].Condition.ForAllValues:StringEquals.aws:username",
            ),
            (
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:TagKeys": "a"}}}]),
                ),
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}}]),
                ),
                "missing_set_operator",
                "Statement[0].Condition.StringEquals.aws:TagKeys",
            ),
            (
                doc(
                    json!([{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": "*"}]),
                ),
                doc(
                    json!([{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": "*"}]),
                ),
                "allow_with_not_principal",
                "Statement[0].NotPrincipal",
            ),
            (
                doc(json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}])),
                doc(json!([{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}])),
                "allow_with_not_action",
                "Statement[0].NotAction",
            ),
            (
                doc(json!([{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"}])),
                doc(json!([{"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"}])),
                "allow_with_not_resource",
                "Statement[0].NotResource",
            ),
            (
                doc(json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}])),
                doc(json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/app"}])),
                "pass_role_with_star",
                "Statement[0].Resource",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
                doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])),
                "missing_version",
                "Version",
            ),
            (
                doc(
                    json!([{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Sid": "A", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]),
                ),
                doc(
                    json!([{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Sid": "B", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]),
                ),
                "duplicate_sid",
                "Statement[1].Sid",
            ),
            (
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Sid": "x", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]),
                ),
                doc(
                    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]),
                ),
                "redundant_statement",
                "Statement[1]",
            ),
            (
                doc(json!([{"Effect": "Allow", "Action": ["s3:*", "s3:GetObject"], "Resource": "*"}])),
                doc(json!([{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"}])),
                "redundant_action",
                "Statement[0].Action[1]",
            ),
            (
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:*"}]}),
                doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])),
                "invalid_policy",
                "Statement[0].Effect",
            ),
            (
                json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}"}]}),
                doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}"}])),
                "variables_need_2012",
                "Version",
            ),
        ];
        for (fire, quiet, code, path) in cases {
            assert!(has(fire.clone(), code, path), "{code} must fire at {path}: {:?}", codes(fire));
            assert!(!codes(quiet.clone()).iter().any(|(c, _)| *c == code), "{code} must not fire: {:?}", codes(quiet));
        }
    }
}
