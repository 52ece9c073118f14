//! Statement-level questions the checks ask of policy documents.
//!
//! These read the document's shape only. The IAM engine (`warden-iam`) evaluates
//! requests exactly; the checks here ask the narrower structural questions CIS poses
//! ("is there an Allow of `*` on `*`?", "is there a Deny of plain HTTP?").

use serde_json::Value;

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

    pub fn has_condition(&self) -> bool {
        self.value.get("Condition").is_some_and(|c| c.as_object().is_none_or(|m| !m.is_empty()))
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

/// The first Allow statement granting every action on every resource without condition.
pub(crate) fn full_admin_statement(doc: &Value) -> Option<Stmt<'_>> {
    statements(doc).into_iter().find(|s| {
        s.effect_is("Allow")
            && !s.has_condition()
            && s.strings("Action").contains(&"*")
            && s.strings("Resource").contains(&"*")
    })
}

/// Whether a statement's `Principal` is everyone: `"*"` or `{"AWS": "*"}`.
pub(crate) fn principal_is_everyone(s: &Stmt) -> bool {
    match s.value.get("Principal") {
        Some(Value::String(p)) => p == "*",
        Some(Value::Object(m)) => m.get("AWS").is_some_and(|v| strings(Some(v)).contains(&"*")),
        _ => false,
    }
}

/// Allow statements open to everyone with no condition at all.
pub(crate) fn unconditional_public_allows(doc: &Value) -> Vec<Stmt<'_>> {
    statements(doc)
        .into_iter()
        .filter(|s| s.effect_is("Allow") && principal_is_everyone(s) && !s.has_condition())
        .collect()
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
        assert_eq!(full_admin_statement(&d).unwrap().index, 1);
        let c = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                                     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}});
        assert!(full_admin_statement(&c).is_none());
    }

    #[test]
    fn condition_lookup_is_key_case_insensitive() {
        let d = json!({"Statement": {"Effect": "Deny", "Condition": {"Bool": {"AWS:SecureTransport": false}}}});
        let st = statements(&d);
        assert_eq!(condition_values(&st[0], "Bool", "aws:SecureTransport"), vec!["false"]);
    }
}
