//! Questions the checks ask of policy documents.
//!
//! Whether a policy grants full admin or opens a resource to everyone is answered by the
//! IAM engine (`warden-iam`), from the parsed grammar: a document that does not parse is
//! an ERROR, never a silent PASS. The narrower structural question CIS 3.1.1 poses ("is
//! there a Deny of plain HTTP?") reads the statements directly.

use serde_json::Value;
use warden_model::{Unknown, UnknownKind};

/// A statement of a policy document with its index, for evidence.
pub(crate) struct Stmt<'a> {
    pub index: usize,
    pub value: &'a Value,
}

impl Stmt<'_> {
    pub fn sid(&self) -> Option<&str> {
        self.value.get("Sid").and_then(Value::as_str)
    }

    pub fn effect_is(&self, effect: &str) -> bool {
        self.value.get("Effect").and_then(Value::as_str) == Some(effect)
    }

    /// The values of a string-or-list field such as `Action` or `Resource`.
    pub fn strings(&self, field: &str) -> Vec<&str> {
        strings(self.value.get(field))
    }

    /// Evidence: the statement, located.
    pub fn evidence(&self) -> Value {
        serde_json::json!({ "statement_index": self.index, "sid": self.sid(), "statement": self.value })
    }
}

pub(crate) fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The statements of a document (a single object or a list).
pub(crate) fn statements(doc: &Value) -> Vec<Stmt<'_>> {
    match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().enumerate().map(|(index, value)| Stmt { index, value }).collect(),
        Some(v @ Value::Object(_)) => vec![Stmt { index: 0, value: v }],
        _ => Vec::new(),
    }
}

/// Evidence for a statement the engine named: where it is, and what it says.
fn proof(doc: &Value, r: &warden_iam::analysis::StatementRef) -> Value {
    let statement = statements(doc).into_iter().nth(r.index).map(|s| s.value.clone());
    serde_json::json!({ "statement_index": r.index, "sid": r.sid, "path": r.path, "statement": statement })
}

fn parse(doc: &Value) -> Result<warden_iam::Policy, Unknown> {
    warden_iam::Policy::parse(doc)
        .map_err(|e| Unknown { kind: UnknownKind::MalformedResponse, message: format!("policy does not parse: {e}") })
}

/// The unconditional Allow of every action on every resource (CIS 2.14), as evidence.
pub(crate) fn full_admin(doc: &Value) -> Result<Option<Value>, Unknown> {
    let policy = parse(doc)?;
    Ok(warden_iam::analysis::full_admin(&policy).map(|r| proof(doc, &r)))
}

/// The Allow statements open to everyone without a condition restricting the caller.
pub(crate) fn public_grants(doc: &Value) -> Result<Vec<Value>, Unknown> {
    let policy = parse(doc)?;
    Ok(warden_iam::analysis::public_grants(&policy)
        .into_iter()
        .map(|g| {
            let mut v = proof(doc, &g.statement);
            v["actions"] = serde_json::json!(g.actions);
            v["non_restricting_conditions"] = serde_json::json!(g.non_restricting_conditions);
            v
        })
        .collect())
}

/// Whether a statement's `Principal` is everyone: `"*"` or `{"AWS": "*"}`.
pub(crate) fn principal_is_everyone(s: &Stmt) -> bool {
    match s.value.get("Principal") {
        Some(Value::String(p)) => p == "*",
        Some(Value::Object(m)) => m.get("AWS").is_some_and(|v| strings(Some(v)).contains(&"*")),
        _ => false,
    }
}

/// A condition block's value for `operator` / `key`, keys compared case-insensitively
/// as IAM does.
pub(crate) fn condition_values<'a>(s: &Stmt<'a>, operator: &str, key: &str) -> Vec<&'a str> {
    let Some(Value::Object(ops)) = s.value.get("Condition") else { return Vec::new() };
    ops.iter()
        .filter(|(op, _)| op.as_str() == operator)
        .filter_map(|(_, keys)| keys.as_object())
        .flat_map(|keys| keys.iter().filter(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
        .flat_map(|v| match v {
            Value::Bool(b) => vec![if *b { "true" } else { "false" }],
            other => strings(Some(other)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn admin_statement() {
        let d = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                                      {"Effect": "Allow", "Action": ["*"], "Resource": "*"}]});
        assert_eq!(full_admin(&d).unwrap().unwrap()["statement_index"], 1);
        let c = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                                     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}});
        assert!(full_admin(&c).unwrap().is_none());
        let bad = json!({"Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}});
        assert_eq!(full_admin(&bad).unwrap_err().kind, UnknownKind::MalformedResponse);
    }

    #[test]
    fn condition_lookup_is_key_case_insensitive() {
        let d = json!({"Statement": {"Effect": "Deny", "Condition": {"Bool": {"AWS:SecureTransport": false}}}});
        let st = statements(&d);
        assert_eq!(condition_values(&st[0], "Bool", "aws:SecureTransport"), vec!["false"]);
    }
}
