//! Table-driven cases: `tests/cases/*.json`, each citing the AWS documentation
//! statement it encodes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness code

use serde_json::{Value, json};
use warden_iam::simulate::Case;

fn load(name: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

#[test]
fn evaluation_cases() {
    let mut failures = Vec::new();
    let cases = load("evaluation.json");
    assert!(cases.len() >= 40);
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        assert!(c["doc"].as_str().is_some_and(|d| !d.is_empty()), "{name}: every case cites its doc");
        let case = Case::from_json(&c["case"]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let d = case.evaluate();
        let got = serde_json::to_value(&d).unwrap();
        if got["decision"] != c["expect"] {
            failures.push(format!("{name}: expected {}, got {} ({})", c["expect"], got["decision"], d.message));
            continue;
        }
        if let Some(b) = c.get("blocked_by")
            && got["blocked_by"] != *b
        {
            failures.push(format!("{name}: expected blocked_by {b}, got {}", got["blocked_by"]));
        }
        if got["decision"] != "ImplicitDeny" && d.reasons.is_empty() {
            failures.push(format!("{name}: a decided case must name its statements"));
        }
    }
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn condition_cases() {
    let mut failures = Vec::new();
    for c in &load("conditions.json") {
        let name = c["name"].as_str().unwrap();
        let version = c.get("version").cloned().unwrap_or(json!("2012-10-17"));
        let mut cond = serde_json::Map::new();
        let mut keys = serde_json::Map::new();
        keys.insert(c["key"].as_str().unwrap().to_owned(), c["values"].clone());
        cond.insert(c["op"].as_str().unwrap().to_owned(), Value::Object(keys));
        let case = json!({
            "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:ListBucket",
                        "resource": "arn:aws:s3:::b", "context": c["context"]},
            "identity_policies": [{"Version": version, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": cond}]}]
        });
        let d = Case::from_json(&case).unwrap_or_else(|e| panic!("{name}: {e}")).evaluate();
        if d.is_allowed() != c["expect"].as_bool().unwrap() {
            failures.push(format!("{name}: expected condition {}, got {}", c["expect"], d.is_allowed()));
        }
    }
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}
