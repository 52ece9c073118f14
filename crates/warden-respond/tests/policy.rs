//! The response policy: each kind of condition with an event that must match and one
//! that must not, the example policy against every sample event, and policies that must
//! be refused with a location.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use std::path::PathBuf;
use warden_model::Severity;
use warden_respond::event::{Relation, ResourceKind, Source, parse};
use warden_respond::policy::{Action, Mode, Notify, PolicyError, decide, evaluate};
use warden_respond::{Policy, Trigger, TriggerResource};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn event(name: &str) -> Trigger {
    let path = repo().join("crates/warden-respond/tests/events").join(name);
    parse(&std::fs::read(path).unwrap()).unwrap().remove(0)
}

fn example() -> Policy {
    Policy::from_yaml(&std::fs::read_to_string(repo().join("examples/response-policy.yaml")).unwrap()).unwrap()
}

fn policy(yaml: &str) -> Policy {
    Policy::from_yaml(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// A rule running `capture-evidence` under `match`.
fn one_rule(matcher: &str) -> Policy {
    policy(&format!("rules:\n  - name: r\n    match: {matcher}\n    do: {{ playbook: capture-evidence }}\n"))
}

fn trigger(
    source: Source,
    kind: &str,
    severity: Option<Severity>,
    resources: &[(ResourceKind, &str, Relation)],
) -> Trigger {
    Trigger {
        source,
        kind: kind.into(),
        types: Vec::new(),
        title: None,
        severity,
        product: None,
        status: None,
        resolved: false,
        resources: resources
            .iter()
            .map(|(kind, id, relation)| TriggerResource {
                kind: *kind,
                id: (*id).into(),
                arn: None,
                relation: *relation,
                aws_type: String::new(),
            })
            .collect(),
        account: "111122223333".into(),
        region: "eu-west-1".into(),
        event_id: "e-1".into(),
        finding_id: None,
        time: None,
    }
}

fn ec2(kind: &str, severity: Severity) -> Trigger {
    trigger(
        Source::GuardDuty,
        kind,
        Some(severity),
        &[(ResourceKind::Instance, "i-0123456789abcdef0", Relation::Affected)],
    )
}

fn actions(t: &Trigger, p: &Policy) -> Vec<(String, String)> {
    decide(t, p).into_iter().map(|d| (d.rule, d.action.to_string())).collect()
}

fn matches(t: &Trigger, p: &Policy) -> bool {
    !decide(t, p).is_empty()
}

#[test]
fn source_condition() {
    let p = one_rule("{ source: guardduty }");
    assert!(matches(&ec2("Recon:EC2/PortProbeUnprotectedPort", Severity::Low), &p));
    let mut t = ec2("Recon:EC2/PortProbeUnprotectedPort", Severity::Low);
    t.source = Source::SecurityHub;
    assert!(!matches(&t, &p));
    let p = one_rule("{ source: [config, securityhub] }");
    assert!(matches(&t, &p));
    assert_eq!(
        evaluate(&ec2("x", Severity::Low), &p).unmatched[0].reason,
        "source `guardduty` is not any of `config`, `securityhub`"
    );
}

#[test]
fn type_globs_match_the_kind_and_security_hub_types() {
    let p = one_rule(r#"{ type: "UnauthorizedAccess:EC2/*" }"#);
    assert!(matches(&ec2("UnauthorizedAccess:EC2/SSHBruteForce", Severity::Low), &p));
    assert!(!matches(&ec2("UnauthorizedAccess:IAMUser/ConsoleLogin", Severity::Low), &p));
    assert!(!matches(&ec2("unauthorizedaccess:EC2/SSHBruteForce", Severity::Low), &p), "case-sensitive");
    let p = one_rule(r#"{ type: ["Backdoor:EC2/C&CActivity.?", "Trojan:*"] }"#);
    assert!(matches(&ec2("Backdoor:EC2/C&CActivity.B", Severity::Low), &p));
    assert!(!matches(&ec2("Backdoor:EC2/C&CActivity.B!DNS", Severity::Low), &p));
    let mut t = ec2("arn:aws:guardduty:generator", Severity::Low);
    t.types = vec!["TTPs/Initial Access/Trojan:EC2-DNSDataExfiltration".into()];
    assert!(!matches(&t, &p));
    let p = one_rule(r#"{ type: "TTPs/Initial Access/*" }"#);
    assert!(matches(&t, &p), "Security Hub `Types` count as the kind too");
}

#[test]
fn min_severity_condition() {
    let p = one_rule("{ min_severity: high }");
    assert!(matches(&ec2("x", Severity::High), &p));
    assert!(matches(&ec2("x", Severity::Critical), &p));
    assert!(!matches(&ec2("x", Severity::Medium), &p));
    let none = trigger(Source::CloudTrail, "StopLogging", None, &[(ResourceKind::Trail, "t", Relation::Affected)]);
    assert!(!matches(&none, &p), "no severity never meets a minimum");
    assert!(evaluate(&none, &p).unmatched[0].reason.contains("no severity"));
    // GuardDuty's bands end to end: 6.9 is medium, 7.0 high.
    for (score, want) in [(6.9, false), (7.0, true), (9.5, true)] {
        let mut v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(repo().join("crates/warden-respond/tests/events/guardduty-ec2.json")).unwrap(),
        )
        .unwrap();
        v["detail"]["severity"] = json!(score);
        let t = parse(&serde_json::to_vec(&v).unwrap()).unwrap().remove(0);
        assert_eq!(matches(&t, &p), want, "{score}");
    }
}

#[test]
fn resource_and_relation_conditions() {
    let t = trigger(
        Source::CloudTrail,
        "StopLogging",
        None,
        &[
            (ResourceKind::Trail, "management-events", Relation::Affected),
            (ResourceKind::User, "Mateo", Relation::Actor),
        ],
    );
    let p = one_rule("{ resource: user }");
    assert_eq!(actions(&t, &p), vec![("r".into(), "playbook capture-evidence on Mateo".into())]);
    let p = one_rule("{ resource: instance }");
    assert!(!matches(&t, &p));
    let p = one_rule("{ resource: user, relation: affected }");
    assert!(!matches(&t, &p));
    let p = policy("rules:\n  - name: r\n    match: { relation: actor }\n    do: { playbook: contain-user }\n");
    assert_eq!(actions(&t, &p), vec![("r".into(), "playbook contain-user on Mateo".into())]);
    // A playbook without `resource` acts on its own kind, once per resource.
    let two = trigger(
        Source::GuardDuty,
        "Policy:S3/BucketAnonymousAccessGranted",
        Some(Severity::High),
        &[(ResourceKind::Bucket, "a", Relation::Affected), (ResourceKind::Bucket, "b", Relation::Affected)],
    );
    let p = policy("rules:\n  - name: r\n    do: { playbook: block-public-bucket }\n");
    assert_eq!(decide(&two, &p).len(), 2);
    assert!(!matches(&t, &p));
}

#[test]
fn account_region_and_product_conditions() {
    let t = ec2("x", Severity::Low);
    assert!(matches(&t, &one_rule(r#"{ account: "111122223333" }"#)));
    assert!(!matches(&t, &one_rule(r#"{ account: ["123456789012"] }"#)));
    assert!(matches(&t, &one_rule(r#"{ region: "eu-*" }"#)));
    assert!(!matches(&t, &one_rule(r#"{ region: [us-east-1, us-west-2] }"#)));
    assert!(!matches(&t, &one_rule("{ product: GuardDuty }")), "no product: no match");
    let mut sh = t.clone();
    sh.product = Some("GuardDuty".into());
    assert!(matches(&sh, &one_rule("{ product: Guard* }")));
}

#[test]
fn explicit_targets_and_fixes() {
    let t = ec2("Backdoor:EC2/C&CActivity.B", Severity::High);
    let p = policy("rules:\n  - name: r\n    do: { playbook: revoke-role-sessions, target: web-server }\n");
    let d = decide(&t, &p);
    assert_eq!(d[0].action, Action::Playbook { name: "revoke-role-sessions".into(), target: "web-server".into() });
    assert_eq!(d[0].resource, None);
    let p = policy("rules:\n  - name: r\n    do: { fix: [ec2_instance_imdsv2_required] }\n");
    assert_eq!(
        decide(&t, &p)[0].action,
        Action::Fix { checks: vec!["ec2_instance_imdsv2_required".into()], resource: "i-0123456789abcdef0".into() }
    );
    let account_wide = trigger(Source::Config, "guardduty-enabled-centralized", None, &[]);
    let p = policy("rules:\n  - name: r\n    do: { fix: [guardduty_enabled] }\n");
    assert_eq!(
        decide(&account_wide, &p)[0].action,
        Action::Fix { checks: vec!["guardduty_enabled".into()], resource: "111122223333".into() }
    );
}

#[test]
fn all_matching_rules_decide_in_order_and_duplicates_run_once() {
    let p = policy(
        "rules:
  - name: first
    match: { source: guardduty }
    do: { playbook: quarantine-instance }
  - name: unrelated
    match: { source: config }
    do: { playbook: quarantine-instance }
  - name: again
    do: { playbook: quarantine-instance }
    mode: apply
  - name: evidence
    do: { playbook: capture-evidence }
",
    );
    let t = ec2("x", Severity::High);
    let o = evaluate(&t, &p);
    let rules: Vec<&str> = o.decisions.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(rules, ["first", "evidence"]);
    assert_eq!(o.decisions[0].mode, Mode::DryRun, "the first rule's decision stands");
    let reasons: Vec<(&str, &str)> = o.unmatched.iter().map(|u| (u.rule.as_str(), u.reason.as_str())).collect();
    assert_eq!(
        reasons,
        [
            ("unrelated", "source `guardduty` is not `config`"),
            ("again", "same action as rule 1 (`first`), which decides it")
        ]
    );
}

#[test]
fn resolved_triggers_decide_nothing() {
    let mut t = ec2("x", Severity::High);
    t.resolved = true;
    t.status = Some("COMPLIANT".into());
    let o = evaluate(&t, &one_rule("{}"));
    assert!(o.decisions.is_empty());
    assert_eq!(o.unmatched[0].reason, "the event reports the issue resolved (`COMPLIANT`)");
}

#[test]
fn applying_takes_both_the_rule_and_the_caller() {
    let t = ec2("x", Severity::High);
    for (mode, caller, applies) in
        [("apply", true, true), ("apply", false, false), ("dry-run", true, false), ("dry-run", false, false)]
    {
        let p =
            policy(&format!("rules:\n  - name: r\n    do: {{ playbook: quarantine-instance }}\n    mode: {mode}\n"));
        assert_eq!(decide(&t, &p)[0].applies(caller), applies, "{mode} {caller}");
    }
    let p = policy("rules:\n  - name: r\n    do: { playbook: quarantine-instance }\n");
    assert_eq!(decide(&t, &p)[0].mode, Mode::DryRun, "dry-run by default");
}

#[test]
fn example_policy_against_every_sample_event() {
    let p = example();
    let cases: [(&str, &[(&str, &str)]); 6] = [
        (
            "guardduty-ec2.json",
            &[
                ("quarantine-compromised-instances", "playbook quarantine-instance on i-0123456789abcdef0"),
                ("snapshot-compromised-instances", "playbook snapshot-volumes on i-0123456789abcdef0"),
            ],
        ),
        (
            "guardduty-iam.json",
            &[("revoke-exfiltrated-instance-credentials", "playbook revoke-role-sessions on web-server")],
        ),
        ("guardduty-s3.json", &[("block-public-buckets", "playbook block-public-bucket on amzn-s3-demo-bucket")]),
        (
            "securityhub.json",
            &[(
                "block-public-access-on-noncompliant-buckets",
                "fix s3_bucket_block_public_access on arn:aws:s3:::amzn-s3-demo-bucket",
            )],
        ),
        (
            "cloudtrail-api.json",
            &[
                ("contain-users-who-stop-logging", "playbook contain-user on Mateo"),
                (
                    "restart-stopped-trails",
                    "fix cloudtrail_multi_region_logging on arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events",
                ),
            ],
        ),
        (
            "config-compliance.json",
            &[(
                "block-public-access-on-noncompliant-buckets",
                "fix s3_bucket_block_public_access on arn:aws:s3:::amzn-s3-demo-bucket",
            )],
        ),
    ];
    for (file, want) in cases {
        let got = actions(&event(file), &p);
        let want: Vec<(String, String)> = want.iter().map(|(r, a)| ((*r).into(), (*a).into())).collect();
        assert_eq!(got, want, "{file}");
    }
    let d = decide(&event("guardduty-ec2.json"), &p);
    assert_eq!(d[0].mode, Mode::Apply);
    assert_eq!(d[0].notify, vec![Notify::Sns("arn:aws:sns:us-east-1:111122223333:warden-response".into())]);
    assert_eq!(
        d[0].reasons,
        [
            "source `guardduty`",
            "type `Backdoor:EC2/C&CActivity.B` matches `Backdoor:EC2/*`",
            "severity high ≥ high",
            "affected instance `i-0123456789abcdef0`"
        ]
    );
}

#[test]
fn notification_message_carries_the_trigger_and_the_decision() {
    let t = event("guardduty-ec2.json");
    let d = decide(&t, &example()).remove(0);
    let m = d.message(&t, false, Some(&json!({"dry_run": true})), None);
    assert_eq!(m["warden"], "respond");
    assert_eq!(m["event"]["id"], "c8c4daa7-a20c-2f03-0070-b7393dd542ad");
    assert_eq!(m["event"]["severity"], "high");
    assert_eq!(
        m["action"],
        json!({"kind": "playbook", "name": "quarantine-instance", "target": "i-0123456789abcdef0"})
    );
    assert_eq!(m["applied"], false);
    assert_eq!(
        m["subject"],
        "Warden would run quarantine-instance on i-0123456789abcdef0 (Backdoor:EC2/C&CActivity.B)"
    );
    let mut long = t.clone();
    long.kind = "K".repeat(300);
    assert_eq!(d.subject(&long, true).chars().count(), 100);
}

fn refused(yaml: &str) -> PolicyError {
    match Policy::from_yaml(yaml) {
        Ok(p) => panic!("accepted: {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn invalid_policies_are_refused_with_a_location() {
    let e =
        refused("rules:\n  - name: r\n    match: { sorce: guardduty }\n    do: { playbook: quarantine-instance }\n");
    let PolicyError::Syntax { line, .. } = &e else { panic!("{e}") };
    assert_eq!(*line, Some(3));
    assert!(e.to_string().starts_with("line 3, column ") && e.to_string().contains("unknown field `sorce`"), "{e}");

    let e = refused("rules:\n  - name: r\n    do: { playbook: quarantine-instance }\n    mode: yolo\n");
    assert!(e.to_string().starts_with("line 4") && e.to_string().contains("yolo"), "{e}");
    let e = refused(
        "rules:\n  - name: r\n    match: { min_severity: severe }\n    do: { playbook: quarantine-instance }\n",
    );
    assert!(e.to_string().starts_with("line 3"), "{e}");
    let e = refused(
        "rules:\n  - name: r\n    match: { source: [guardduty, guarduty] }\n    do: { playbook: contain-user }\n",
    );
    assert!(e.to_string().contains("line 3") && e.to_string().contains("unknown source `guarduty`"), "{e}");
    let e = refused("rules:\n  - name: r\n    match: { type: 5 }\n    do: { playbook: contain-user }\n");
    assert!(e.to_string().contains("write ids and names in quotes"), "{e}");
    let e = refused("rules:\n  - name: r\n    match: { region: {eu: 1} }\n    do: { playbook: contain-user }\n");
    assert!(e.to_string().contains("expected a string or a list of strings"), "{e}");
    let e = refused(
        "rules:\n  - name: r\n    match: { account: [[\"111122223333\"]] }\n    do: { playbook: contain-user }\n",
    );
    assert!(e.to_string().contains("a list inside a list"), "{e}");
    let e = refused("rules:\n  - name: r\n    match: { account: 12345678901 }\n    do: { playbook: contain-user }\n");
    assert!(e.to_string().contains("in quotes"), "{e}");
    let p = policy("rules:\n  - name: r\n    match: { account: [111122223333] }\n    do: { playbook: contain-user }\n");
    assert_eq!(p.rules()[0].when.account.as_ref().unwrap().as_slice(), ["111122223333"]);
    let e = refused("rules: [\n");
    assert!(matches!(e, PolicyError::Syntax { line: Some(_), .. }), "{e}");
    let e = refused(
        "rules:\n  - name: r\n    do: { playbook: quarantine-instance }\n    notify: [{ email: a@example.com }]\n",
    );
    assert!(e.to_string().starts_with("line 4"), "{e}");

    let cases = [
        ("do: { playbook: quarantine-instanc }", "unknown playbook `quarantine-instanc`; expected one of"),
        ("do: { fix: [not_a_check] }", "`not_a_check` is not a check Warden can fix"),
        ("do: { playbook: contain-user, fix: [guardduty_enabled] }", "both `playbook` and `fix`"),
        ("do: {}", "`do` needs `playbook: NAME` or `fix"),
        ("do: { fix: [] }", "`do.fix` is an empty list"),
        ("do: { fix: [guardduty_enabled], target: x }", "`do.target` goes with `playbook`"),
        (
            "match: { resource: bucket }\n    do: { playbook: quarantine-instance }",
            "acts on `instance` resources, but the rule matches resource `bucket`",
        ),
        ("match: { type: [] }\n    do: { playbook: quarantine-instance }", "an empty list matches nothing"),
        (
            "do: { playbook: quarantine-instance }\n    notify: [{ sns: my-topic }]",
            "`my-topic` is not an SNS topic ARN",
        ),
        (
            "do: { playbook: quarantine-instance }\n    notify: [{ webhook: \"http://hooks.example.com\" }]",
            "must be an `https://` URL",
        ),
    ];
    for (rule, message) in cases {
        let e = refused(&format!("rules:\n  - name: bad\n    {rule}\n"));
        assert!(matches!(e, PolicyError::Rule { index: 1, .. }), "{e}");
        assert!(e.to_string().starts_with("rule 1 (`bad`): "), "{e}");
        assert!(e.to_string().contains(message), "`{e}` should contain `{message}`");
    }
    let e = refused(
        "rules:\n  - name: a\n    do: { playbook: contain-user }\n  - name: a\n    do: { playbook: contain-user }\n",
    );
    assert_eq!(e.to_string(), "rule 2 (`a`): another rule has this name");
    assert!(refused("version: 2\nrules: []\n").to_string().contains("`version: 2` is not supported"));
    assert!(matches!(refused(&"#".repeat(2 << 20)), PolicyError::TooLarge { .. }));
}
