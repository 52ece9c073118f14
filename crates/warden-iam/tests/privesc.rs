//! The escalation graph over a labelled estate (`tests/privesc/`): one principal per
//! technique, each reported with that technique, and traps both ways — escalations that
//! look real but are not (denies, boundaries, SCPs, conditions that cannot hold, resource
//! constraints that reach nothing useful) and ones that look harmless but are real
//! (`NotAction`, own-policy patterns, conditions that always hold).
//! The table of principals is in `docs/iam-paths.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness code

use std::collections::{BTreeMap, BTreeSet};
use warden_iam::Policy;
use warden_iam::privesc::{ADMIN, Analysis, Options, TECHNIQUES, analyze};
use warden_model::Snapshot;

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/privesc")
}

fn run() -> (Analysis, BTreeMap<String, Option<String>>) {
    let snap = Snapshot::read(&dir().join("estate.json")).unwrap();
    let scps: Vec<Vec<serde_json::Value>> =
        serde_json::from_str(&std::fs::read_to_string(dir().join("scps.json")).unwrap()).unwrap();
    let mut opts = Options::new(snap.collected_at);
    opts.scps = scps
        .iter()
        .enumerate()
        .map(|(i, level)| {
            level.iter().enumerate().map(|(j, p)| (format!("scp[{i}][{j}]"), Policy::parse(p).unwrap())).collect()
        })
        .collect();
    let expected = serde_json::from_str(&std::fs::read_to_string(dir().join("expected.json")).unwrap()).unwrap();
    (analyze(&snap.inventory.accounts[0], &opts), expected)
}

fn name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap()
}

#[test]
fn every_technique_principal_is_reported_and_no_trap_is() {
    let (analysis, expected) = run();
    assert!(analysis.errors.is_empty(), "{:?}", analysis.errors);
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for p in &analysis.principals {
        let n = name(&p.principal);
        if p.admin {
            assert!(n.starts_with("admin-"), "{n} is unexpectedly admin");
            continue;
        }
        seen.insert(n.to_owned());
        let Some(want) = expected.get(n) else {
            failures.push(format!("{n}: not labelled in expected.json"));
            continue;
        };
        let firsts: Vec<&str> = p.paths.iter().map(|path| path[0].technique).collect();
        match want {
            Some(t) if firsts.first() != Some(&t.as_str()) => {
                failures.push(format!("{n}: expected `{t}`, reported {firsts:?}"));
            }
            None if p.escalates() => failures.push(format!("{n}: trap reported as {firsts:?}")),
            _ => {}
        }
    }
    for n in expected.keys() {
        if !seen.contains(n) {
            failures.push(format!("{n}: labelled but not analysed"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_technique_has_a_principal() {
    let (_, expected) = run();
    let labelled: BTreeSet<&str> = expected.values().flatten().map(String::as_str).collect();
    for t in TECHNIQUES {
        assert!(labelled.contains(t.id), "no principal exercises `{}`", t.id);
    }
}

#[test]
fn hops_carry_targets_and_deciding_statements() {
    let (analysis, _) = run();
    let get = |n: &str| analysis.principals.iter().find(|p| name(&p.principal) == n).unwrap();

    // Two hops, shortest path first: the exact-ARN trust, then the account-delegating one.
    let chain = get("t-chain");
    let path = &chain.paths[0];
    assert_eq!(path.len(), 2, "{path:#?}");
    assert_eq!((path[0].technique, name(&path[0].to)), ("sts-assume-role", "hop-role"));
    assert_eq!((path[1].technique, name(&path[1].to)), ("sts-assume-role", "admin-assumable"));
    let trust = &path[0].steps[0].reasons;
    assert!(trust.iter().any(|r| r.policy.ends_with("role/hop-role#trust") && r.statement == 0), "{trust:?}");

    // A self-grant ends at admin and names the allowing statement (and the SCP levels).
    let put = &get("t-put-user-policy").paths[0][0];
    assert_eq!((put.to.as_str(), put.steps[0].action.as_str()), (ADMIN, "iam:PutUserPolicy"));
    assert!(put.steps[0].reasons.iter().any(|r| r.policy.ends_with("user/t-put-user-policy#main")));
    assert!(put.steps[0].reasons.iter().any(|r| r.policy == "scp[1][0]" && r.sid.as_deref() == Some("FullAWSAccess")));

    // PassRole: the passed role, every action, and a function name the policy allows.
    let lambda = &get("t-lambda-invoke").paths[0][0];
    assert_eq!(name(&lambda.target), "admin-lambda");
    let actions: Vec<&str> = lambda.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]);
    assert!(lambda.steps[1].resource.contains(":function:build-"), "{}", lambda.steps[1].resource);

    // A rewritten trust is named as such.
    let rewrite = &get("t-update-assume-role-policy").paths[0][0];
    assert_eq!(rewrite.steps[0].action, "iam:UpdateAssumeRolePolicy");
    assert!(rewrite.steps[1].reasons.iter().any(|r| r.policy == "(rewritten trust policy)"));

    // Granting a role admin, then assuming it: one hop with both actions.
    let grant = &get("t-put-role-policy").paths[0][0];
    let actions: Vec<&str> = grant.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, ["iam:PutRolePolicy", "sts:AssumeRole"]);

    // Takeover: the instance is the target, the role its profile holds is gained.
    let ssm = &get("t-ssm-send-command").paths[0][0];
    assert!(ssm.target.ends_with("instance/i-admin"));
    assert_eq!(name(&ssm.to), "admin-ec2");

    // Rolling back names the version.
    let sdpv = &get("t-set-default-policy-version").paths[0][0];
    assert!(sdpv.target.ends_with("policy/t-sdpv-policy?version=v1"), "{}", sdpv.target);
}

#[test]
fn output_is_deterministic() {
    let a = serde_json::to_string(&run().0).unwrap();
    let b = serde_json::to_string(&run().0).unwrap();
    assert_eq!(a, b);
}
