//! The responder's deployment (`deploy/*.yaml`): cfn-lint accepts every template, and
//! the EventBridge rules of `warden-responder.yaml` deliver every sample event — so the
//! events the policy is tested on are events the function is actually sent.
//!
//! cfn-lint is required, as moto's server is for the live tests: `.ci/run` installs it
//! from PyPI (`pip install cfn-lint`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use serde_yaml_ng::Value as Yaml;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn templates() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("deploy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    v.sort();
    v
}

#[test]
fn cfn_lint_accepts_the_templates() {
    let templates = templates();
    assert!(!templates.is_empty());
    let out = std::process::Command::new("cfn-lint").args(&templates).output().unwrap_or_else(|e| {
        panic!("cannot run `cfn-lint` ({e}); install it with `pip install cfn-lint` (see .ci/run)")
    });
    assert!(
        out.status.success(),
        "cfn-lint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// EventBridge pattern matching, as far as the template uses it: every key of the
/// pattern must be in the event; a list of values matches when the event's value (or any
/// element of an event list) is one of them; objects match recursively, and an object
/// against an event list matches when any element does.
fn matches(pattern: &Yaml, event: &Value) -> bool {
    match (pattern, event) {
        (Yaml::Mapping(p), Value::Object(e)) => p.iter().all(|(k, sub)| {
            let key = k.as_str().unwrap();
            e.get(key).is_some_and(|v| matches(sub, v))
        }),
        (Yaml::Mapping(_), Value::Array(items)) => items.iter().any(|i| matches(pattern, i)),
        (Yaml::Sequence(_), Value::Array(items)) => items.iter().any(|i| matches(pattern, i)),
        (Yaml::Sequence(allowed), v) => allowed.iter().any(|a| match (a, v) {
            (Yaml::String(a), Value::String(v)) => a == v,
            (Yaml::Number(a), Value::Number(v)) => a.as_f64() == v.as_f64(),
            _ => false,
        }),
        _ => false,
    }
}

#[test]
fn every_sample_event_is_delivered_by_exactly_one_rule() {
    let text = std::fs::read_to_string(repo().join("deploy/warden-responder.yaml")).unwrap();
    let template: Yaml = serde_yaml_ng::from_str(&text).unwrap();
    let rules: Vec<(String, &Yaml)> = template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Events::Rule"))
        .map(|(name, r)| (name.as_str().unwrap().to_owned(), &r["Properties"]["EventPattern"]))
        .collect();
    assert_eq!(rules.len(), 4);
    let dir = repo().join("crates/warden-respond/tests/events");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 6);
    for file in files {
        let event: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let hits: Vec<&str> = rules.iter().filter(|(_, p)| matches(p, &event)).map(|(n, _)| n.as_str()).collect();
        assert_eq!(hits.len(), 1, "{}: delivered by {hits:?}", file.display());
    }
    // And what the rules leave out: a Config resource back in compliance, a read call.
    let mut compliant: Value =
        serde_json::from_slice(&std::fs::read(dir.join("config-compliance.json")).unwrap()).unwrap();
    compliant["detail"]["newEvaluationResult"]["complianceType"] = "COMPLIANT".into();
    let mut read: Value = serde_json::from_slice(&std::fs::read(dir.join("cloudtrail-api.json")).unwrap()).unwrap();
    read["detail"]["eventName"] = "DescribeTrails".into();
    for event in [compliant, read] {
        assert!(rules.iter().all(|(_, p)| !matches(p, &event)), "{event}");
    }
}
