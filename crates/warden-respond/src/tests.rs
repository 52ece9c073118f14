#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::fix::{Params, fixable_checks, plan};
use crate::target::{Target, filter_specs};
use serde_json::{Value, json};
use warden_model::{Finding, Resource, Severity, Status};

fn finding(check: &str, arn: &str, region: &str, evidence: Value) -> Finding {
    Finding {
        id: Finding::stable_id(check, arn, ""),
        check_id: check.into(),
        title: String::new(),
        service: String::new(),
        status: Status::Fail,
        severity: Severity::High,
        resource: Resource {
            arn: arn.into(),
            kind: String::new(),
            account_id: "111122223333".into(),
            region: region.into(),
            tags: Default::default(),
        },
        message: String::new(),
        evidence: evidence.as_object().cloned().unwrap_or_default(),
        remediation: Default::default(),
        compliance: Default::default(),
        muted_by: None,
        history: None,
    }
}

/// Apply then undo: `calls(current, desired)` reaches a state `desired` maps to itself,
/// and `calls(desired, before)` is non-empty exactly when something changed.
fn round_trip(t: &Target, before: Value) -> (Value, usize, usize) {
    let after = t.desired(&before).unwrap();
    assert_eq!(t.desired(&after).unwrap(), after, "{t:?}: desired is not a fixed point");
    let apply = t.calls("us-east-1", &before, &after).unwrap();
    let undo = if t.reversible() { t.calls("us-east-1", &after, &before).unwrap().len() } else { 0 };
    assert!(t.calls("us-east-1", &after, &after).unwrap().is_empty());
    (after, apply.len(), undo)
}

#[test]
fn every_cis_filter_satisfies_its_own_check_and_no_other() {
    let specs = filter_specs().unwrap();
    assert_eq!(specs.len(), 15);
    for s in specs {
        assert!(warden_checks::metric_filter_satisfies(&s.check, &s.pattern).unwrap(), "{}", s.check);
        for other in specs.iter().filter(|o| o.check != s.check) {
            assert!(
                !warden_checks::metric_filter_satisfies(&other.check, &s.pattern).unwrap(),
                "{} vs {}",
                s.check,
                other.check
            );
        }
    }
}

#[test]
fn at_least_forty_checks_have_a_remediation() {
    let n = fixable_checks().len();
    assert!(n >= 40, "{n}");
}

#[test]
fn tls_statement_is_added_once_and_keeps_the_rest() {
    let t = Target::BucketTlsOnly { bucket: "b".into() };
    let before = json!({"Version": "2012-10-17", "Statement": {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}});
    let (after, apply, undo) = round_trip(&t, before.clone());
    assert_eq!(after["Statement"].as_array().unwrap().len(), 2);
    assert_eq!(after["Statement"][0]["Sid"], "Read");
    assert_eq!(after["Statement"][1]["Condition"]["Bool"]["aws:SecureTransport"], "false");
    assert_eq!((apply, undo), (1, 1));
    // No policy at all: undo deletes the one Warden wrote.
    let (_, _, _) = round_trip(&t, Value::Null);
    let calls = t.calls("us-east-1", &t.desired(&Value::Null).unwrap(), &Value::Null).unwrap();
    assert_eq!(calls[0].operation, "DeleteBucketPolicy");
}

#[test]
fn password_policy_only_strengthens() {
    let t = Target::PasswordPolicy;
    let (after, ..) =
        round_trip(&t, json!({"MinimumPasswordLength": 20, "PasswordReusePrevention": 5, "RequireSymbols": true}));
    assert_eq!(after, json!({"MinimumPasswordLength": 20, "PasswordReusePrevention": 24, "RequireSymbols": true}));
    let (_, _, undo) = round_trip(&t, Value::Null);
    assert_eq!(undo, 1);
    let calls = t.calls("global", &json!({"MinimumPasswordLength": 14}), &Value::Null).unwrap();
    assert_eq!(calls[0].operation, "DeleteAccountPasswordPolicy");
}

#[test]
fn world_admin_rules_are_removed_or_narrowed_and_others_kept() {
    let rules = json!({"Rules": [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0"},
        {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "CidrIpv6": "::/0"},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/8"},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv4": "0.0.0.0/0"}
    ]});
    let drop = Target::SecurityGroupWorldIngress { group_id: "sg-1".into(), ports: vec![22, 3389], replace_cidr: None };
    let (after, apply, undo) = round_trip(&drop, rules.clone());
    assert_eq!(after["Rules"].as_array().unwrap().len(), 2, "{after}");
    assert_eq!((apply, undo), (1, 1));
    let calls = drop.calls("eu-west-1", &rules, &after).unwrap();
    assert_eq!(calls[0].operation, "RevokeSecurityGroupIngress");
    assert_eq!(calls[0].params["IpPermissions"].as_array().unwrap().len(), 2);

    let narrow = Target::SecurityGroupWorldIngress {
        group_id: "sg-1".into(),
        ports: vec![22, 3389],
        replace_cidr: Some("203.0.113.0/24".into()),
    };
    let (after, apply, _) = round_trip(&narrow, rules.clone());
    assert_eq!(apply, 2);
    let calls = narrow.calls("eu-west-1", &rules, &after).unwrap();
    // The narrowed rule is added before the world rule goes, so access never lapses.
    assert_eq!(calls[0].operation, "AuthorizeSecurityGroupIngress");
    assert_eq!(calls[0].params["IpPermissions"][0]["IpRanges"][0]["CidrIp"], "203.0.113.0/24");
    assert_eq!(calls[1].operation, "RevokeSecurityGroupIngress");
}

#[test]
fn nacl_deny_goes_ahead_of_the_allow_and_undo_deletes_it() {
    let t = Target::NetworkAclAdminDeny { network_acl_id: "acl-1".into(), ports: vec![22, 3389] };
    let before = json!({"Entries": [
        {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 99, "Protocol": "6", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0", "PortRange": [3389, 3389]}
    ]});
    let (after, apply, undo) = round_trip(&t, before);
    assert_eq!((apply, undo), (1, 1), "{after}");
    let new = after["Entries"].as_array().unwrap().iter().find(|e| e["PortRange"] == json!([22, 22])).unwrap();
    assert_eq!(new["RuleNumber"], 98);
    assert_eq!(new["RuleAction"], "deny");
}

#[test]
fn key_deletion_cancel_and_reschedule() {
    let t = Target::KeyDeletionCancelled { key_id: "k".into() };
    let (after, ..) = round_trip(&t, json!({"KeyState": "PendingDeletion"}));
    assert_eq!(after, json!({"KeyState": "Disabled"}));
    let undo = t.calls("eu-west-1", &after, &json!({"KeyState": "PendingDeletion"})).unwrap();
    assert_eq!(undo[0].operation, "ScheduleKeyDeletion");
}

#[test]
fn config_guardduty_analyzer_flow_logs_create_and_undo_deletes() {
    let cfg = Target::ConfigRecorder { role_arn: "arn:aws:iam::1:role/config".into(), bucket: "cfg".into() };
    let (after, apply, undo) = round_trip(&cfg, json!({"Recorder": null, "Channel": null, "Recording": false}));
    assert_eq!((apply, undo), (3, 3), "{after}");
    let undo = cfg.calls("r", &after, &json!({"Recorder": null, "Channel": null, "Recording": false})).unwrap();
    let ops: Vec<_> = undo.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(ops, ["StopConfigurationRecorder", "DeleteDeliveryChannel", "DeleteConfigurationRecorder"]);

    let gd = Target::GuardDuty;
    let (after, apply, _) = round_trip(&gd, json!({"Detectors": []}));
    assert_eq!(apply, 1);
    let created = json!({"Detectors": [{"DetectorId": "d1", "Status": "ENABLED"}]});
    assert_eq!(gd.desired(&created).unwrap(), created);
    let undo = gd.calls("r", &created, &json!({"Detectors": []})).unwrap();
    assert_eq!(undo[0].operation, "DeleteDetector");
    assert!(after["Detectors"][0].get("DetectorId").is_none());

    let fl = Target::VpcFlowLogs { vpc_id: "vpc-1".into(), destination: "arn:aws:s3:::logs".into() };
    let (_, apply, _) = round_trip(&fl, json!({"FlowLogs": []}));
    assert_eq!(apply, 1);
    let undo = fl
        .calls("r", &json!({"FlowLogs": [{"FlowLogId": "fl-1", "LogDestination": "x"}]}), &json!({"FlowLogs": []}))
        .unwrap();
    assert_eq!(undo[0].params["FlowLogIds"], json!(["fl-1"]));
}

#[test]
fn metric_filter_alarm_writes_the_cis_pattern_to_the_topic() {
    let t = Target::MetricFilterAlarm {
        check_id: "cloudwatch_metric_filter_root_usage".into(),
        log_group: "trail-logs".into(),
        topic_arn: "arn:aws:sns:us-east-1:1:sec".into(),
    };
    let (after, apply, undo) = round_trip(&t, json!({"Filter": null, "Alarm": null}));
    assert_eq!((apply, undo), (2, 2));
    let calls = t.calls("us-east-1", &json!({"Filter": null, "Alarm": null}), &after).unwrap();
    assert_eq!(calls[0].params["logGroupName"], "trail-logs");
    assert!(calls[0].params["filterPattern"].as_str().unwrap().contains("Root"));
    assert_eq!(calls[1].params["AlarmActions"], json!(["arn:aws:sns:us-east-1:1:sec"]));
}

#[test]
fn data_events_refuse_advanced_selectors() {
    let t = Target::TrailS3DataEvents { trail: "t".into(), read_write: "ReadOnly".into() };
    let (after, ..) = round_trip(
        &t,
        json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true, "DataResources": []}]}),
    );
    assert_eq!(after["EventSelectors"].as_array().unwrap().len(), 2);
    assert!(t.desired(&json!({"AdvancedEventSelectors": [{"Name": "x"}]})).is_err());
}

#[test]
fn console_password_removal_cannot_be_undone() {
    let t = Target::LoginProfileRemoved { user: "u".into() };
    assert!(!t.reversible());
    assert!(t.calls("global", &json!({"Exists": false}), &json!({"Exists": true})).is_err());
}

#[test]
fn plan_maps_findings_dedupes_and_explains_what_it_skips() {
    let findings = vec![
        finding("s3_bucket_acl_not_public", "arn:aws:s3:::pub", "us-east-1", json!({})),
        finding("s3_bucket_policy_not_public", "arn:aws:s3:::pub", "us-east-1", json!({})),
        finding("kms_cmk_rotation_enabled", "arn:aws:kms:eu-west-1:111122223333:key/abc", "eu-west-1", json!({})),
        finding("s3_bucket_access_logging", "arn:aws:s3:::data", "us-east-1", json!({})),
        finding(
            "iam_credentials_unused_45_days",
            "arn:aws:iam::111122223333:user/bob",
            "global",
            json!({"stale": [{"credential": "access_key_1", "access_key_id": "AKIA1"}]}),
        ),
        finding(
            "cloudwatch_metric_filter_root_usage",
            "arn:aws:iam::111122223333:root",
            "global",
            json!({"trails": [{"log_group": "arn:aws:logs:us-east-1:111122223333:log-group:ct-logs:*"}]}),
        ),
        finding("iam_root_mfa_enabled", "arn:aws:iam::111122223333:root", "global", json!({})),
    ];
    let (fixes, skipped) = plan(&findings, &Params::default());
    let kinds: Vec<String> =
        fixes.iter().map(|f| serde_json::to_value(&f.target).unwrap()["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["bucket_public_access_block", "key_rotation", "access_key_inactive"], "{fixes:?}");
    assert_eq!(fixes[1].region, "eu-west-1");
    // Logging and the alarm need to be told where to; root MFA has no API fix (not listed).
    let reasons: Vec<&str> = skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(reasons[0].contains("--log-bucket") && reasons[1].contains("--alarm-topic"), "{reasons:?}");

    let params = Params { alarm_topic: Some("arn:aws:sns:us-east-1:111122223333:sec".into()), ..Params::default() };
    let (fixes, _) = plan(&findings, &params);
    let alarm = fixes.iter().find(|f| f.check_id.starts_with("cloudwatch")).unwrap();
    assert_eq!(alarm.region, "us-east-1");
    assert_eq!(
        alarm.target,
        Target::MetricFilterAlarm {
            check_id: "cloudwatch_metric_filter_root_usage".into(),
            log_group: "ct-logs".into(),
            topic_arn: "arn:aws:sns:us-east-1:111122223333:sec".into(),
        }
    );
}

#[test]
fn pass_findings_are_never_fixed() {
    let mut f = finding("kms_cmk_rotation_enabled", "arn:aws:kms:eu-west-1:1:key/abc", "eu-west-1", json!({}));
    f.status = Status::Pass;
    assert!(plan(&[f], &Params::default()).0.is_empty());
}
