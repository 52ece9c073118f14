//! `warden respond`: the real binary on the sample events and the example policy —
//! the plan it prints, what it does when nothing matches, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn event(name: &str) -> String {
    repo().join("crates/warden-respond/tests/events").join(name).display().to_string()
}

fn policy() -> String {
    repo().join("examples/response-policy.yaml").display().to_string()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("warden-respond-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn warden() -> Command {
    let mut c = Command::cargo_bin("warden").unwrap();
    for var in ["WARDEN_POLICY_FILE", "WARDEN_AUDIT_LOG", "WARDEN_LOG", "NO_COLOR"] {
        c.env_remove(var);
    }
    c.env("WARDEN_DB", tmp("history.db"));
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = warden().args(args).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn guardduty_instance_finding_plans_a_quarantine_in_dry_run() {
    let (code, out, err) = run(&["respond", "--event", &event("guardduty-ec2.json"), "--policy", &policy()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("guardduty Backdoor:EC2/C&CActivity.B · high · account 111122223333 · us-east-1\n"),
        "{out}"
    );
    assert!(out.contains("resource instance i-0123456789abcdef0"), "{out}");
    assert!(
        out.contains(
            "rule 1 `quarantine-compromised-instances`: playbook quarantine-instance on i-0123456789abcdef0 \
             (dry run: the rule says apply; pass --apply to act)"
        ),
        "{out}"
    );
    assert!(out.contains("  would run playbook quarantine-instance on i-0123456789abcdef0"), "{out}");
    assert!(out.contains("would notify sns arn:aws:sns:us-east-1:111122223333:warden-response"), "{out}");
    assert!(out.trim_end().ends_with("2 decisions: 0 applied, 2 dry run, 0 failed"), "{out}");
}

#[test]
fn json_report_of_a_cloudtrail_call() {
    let (code, out, err) = run(&["respond", "--event", &event("cloudtrail-api.json"), "--policy", &policy(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let t = &v["triggers"][0];
    assert_eq!(t["trigger"]["kind"], "StopLogging");
    let actions: Vec<String> =
        t["decisions"].as_array().unwrap().iter().map(|d| d["action"]["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["playbook", "fix"]);
    assert_eq!(t["results"][0]["result"]["would_run"]["playbook"], "contain-user");
    assert_eq!(t["results"][0]["result"]["would_run"]["target"], "Mateo");
    assert_eq!(t["results"][1]["applied"], false);
    assert!(t["unmatched"].as_array().unwrap().len() >= 5);
}

#[test]
fn an_event_no_rule_matches_exits_0() {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(event("guardduty-ec2.json")).unwrap()).unwrap();
    v["detail"]["type"] = "Recon:EC2/PortProbeUnprotectedPort".into();
    v["detail"]["severity"] = 2.into();
    let path = tmp("probe.json");
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, out, err) = run(&["respond", "--event", path.to_str().unwrap(), "--policy", &policy()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no rule matched"), "{out}");
    assert!(out.contains("type `Recon:EC2/PortProbeUnprotectedPort` does not match"), "{out}");
    assert!(!out.contains("results:"), "{out}");
}

#[test]
fn a_malformed_event_exits_2_naming_the_file_and_field() {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(event("guardduty-ec2.json")).unwrap()).unwrap();
    v["detail"]["severity"] = "high".into();
    let path = tmp("bad-severity.json");
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, out, err) = run(&["respond", "--event", path.to_str().unwrap(), "--policy", &policy()]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains(&format!("event `{}`", path.display())), "{err}");
    assert!(err.contains("field `detail.severity`: expected a number, got `high`"), "{err}");

    std::fs::write(&path, b"{\"version\": \"0\",").unwrap();
    let (code, _, err) = run(&["respond", "--event", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a JSON event") && err.contains("line 1"), "{err}");
}

#[test]
fn a_malformed_policy_exits_2_with_its_line() {
    let path = tmp("policy.yaml");
    std::fs::write(&path, "rules:\n  - name: r\n    do: { playbook: quarantine-instanc }\n").unwrap();
    let (code, _, err) = run(&["respond", "--event", &event("guardduty-ec2.json"), "--policy", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("rule 1 (`r`): unknown playbook `quarantine-instanc`"), "{err}");
    std::fs::write(&path, "rules:\n  - name: r\n    mode: sometimes\n    do: { playbook: contain-user }\n").unwrap();
    let (code, _, err) = run(&["respond", "--event", &event("guardduty-ec2.json"), "--policy", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("line 3, column"), "{err}");
}

#[test]
fn without_a_policy_the_trigger_is_printed() {
    let (code, out, err) = run(&["respond", "--event", &event("config-compliance.json")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("config s3-bucket-public-read-prohibited · NON_COMPLIANT · account 123456789012"), "{out}");
    assert!(out.contains("no policy: pass --policy FILE"), "{out}");
}

#[test]
fn apply_of_a_dry_run_rule_sends_nothing() {
    // The bucket rule is dry-run: with --apply it is planned, nothing is applied, and
    // (no rule applies) no AWS session is needed. Applying rules run against moto in
    // respond_event_moto.rs.
    let (code, _, err) =
        run(&["respond", "--event", &event("config-compliance.json"), "--policy", &policy(), "--apply"]);
    assert_eq!(code, 0, "the bucket rule is dry-run: {err}");
}

#[test]
fn playbook_and_target_or_event() {
    // (Running a playbook reads the target live: its tests are the playbooks'.)
    let (code, _, err) = run(&["respond", "nuke-account", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown playbook `nuke-account`"), "{err}");
    let (code, _, _) = run(&["respond"]);
    assert_eq!(code, 2, "needs PLAYBOOK TARGET or --event");
    let (code, _, _) = run(&["respond", "contain-user", "Mateo", "--event", &event("guardduty-ec2.json")]);
    assert_eq!(code, 2, "not both");
}
