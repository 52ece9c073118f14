//! All AWS managed policies in the shared data set parse, lint and evaluate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness code

use serde_json::Value;
use warden_iam::eval::{PolicyRef, PolicySet};
use warden_iam::{Policy, Request, evaluate};

fn policies() -> Vec<(String, Value)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/aws-managed-policies.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            // Deprecated policies have no ARN in the data set; name them by `name`.
            let id = v["arn"].as_str().or_else(|| v["name"].as_str()).unwrap().to_owned();
            (id, v["document"].clone())
        })
        .collect()
}

#[test]
fn all_managed_policies_parse_lint_and_evaluate() {
    let all = policies();
    assert_eq!(all.len(), 1644);
    let mut failures = Vec::new();
    let mut allowed = 0usize;
    let mut tally = std::collections::BTreeMap::new();
    let mut examples = Vec::new();
    for (arn, doc) in &all {
        let p = match Policy::parse(doc) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{arn}: {e}"));
                continue;
            }
        };
        for f in warden_iam::lint::lint(doc) {
            *tally.entry(f.code).or_insert(0usize) += 1;
            if f.code == "unknown_action" && examples.len() < 5 {
                examples.push(format!("{arn}: {}", f.message));
            }
        }
        let set = PolicySet { identity: vec![PolicyRef { id: arn, policy: &p }], ..Default::default() };
        for (action, resource) in [
            ("s3:GetObject", "arn:aws:s3:::bucket/key"),
            ("iam:PassRole", "arn:aws:iam::111122223333:role/r"),
            ("ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*"),
        ] {
            let d = evaluate(&set, &Request::new("arn:aws:iam::111122223333:user/u", action, resource));
            allowed += usize::from(d.is_allowed());
        }
    }
    assert!(failures.is_empty(), "{} failed to parse:\n{}", failures.len(), failures.join("\n"));
    eprintln!("lint findings over AWS managed policies: {tally:?}\n{}", examples.join("\n"));
    assert!(!tally.contains_key("invalid_policy"));
    assert!(allowed > 0);
}

#[test]
fn administrator_access_is_admin() {
    let all = policies();
    let (_, doc) = all.iter().find(|(a, _)| a == "arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
    let p = Policy::parse(doc).unwrap();
    assert!(warden_iam::analysis::full_admin(&p).is_some());
    let (_, doc) = all.iter().find(|(a, _)| a == "arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    assert!(warden_iam::analysis::full_admin(&Policy::parse(doc).unwrap()).is_none());
}
