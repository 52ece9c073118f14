//! EventBridge events → triggers: the sample events of `tests/events/` (written from the
//! documented schemas), the severity bands, and malformed input that must be refused with
//! the field named and never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::path::PathBuf;
use warden_model::Severity;
use warden_respond::event::{EventError, Relation, ResourceKind, Source, guardduty_severity, parse};
use warden_respond::{Trigger, TriggerResource};

fn sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/events").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sample_json(name: &str) -> Value {
    serde_json::from_slice(&sample(name)).unwrap()
}

fn one(name: &str) -> Trigger {
    let mut t = parse(&sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(t.len(), 1, "{name}");
    t.remove(0)
}

fn res(t: &Trigger) -> Vec<(ResourceKind, &str, Relation)> {
    t.resources.iter().map(|r: &TriggerResource| (r.kind, r.id.as_str(), r.relation)).collect()
}

fn field_of(v: &Value) -> String {
    let e = parse(&serde_json::to_vec(v).unwrap()).unwrap_err();
    e.field().unwrap_or_else(|| panic!("no field in `{e}`")).to_owned()
}

#[test]
fn guardduty_instance_finding() {
    let t = one("guardduty-ec2.json");
    assert_eq!(t.source, Source::GuardDuty);
    assert_eq!(t.kind, "Backdoor:EC2/C&CActivity.B");
    assert_eq!(t.severity, Some(Severity::High));
    assert_eq!((t.account.as_str(), t.region.as_str()), ("111122223333", "us-east-1"));
    assert_eq!(t.event_id, "c8c4daa7-a20c-2f03-0070-b7393dd542ad");
    assert_eq!(t.finding_id.as_deref(), Some("16afba5c5c43e07c9e3e5e2e544e95df"));
    assert_eq!(res(&t), vec![(ResourceKind::Instance, "i-0123456789abcdef0", Relation::Affected)]);
    assert_eq!(t.resources[0].arn.as_deref(), Some("arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"));
    assert!(!t.resolved);
}

#[test]
fn guardduty_access_key_finding_names_the_key_and_the_role() {
    let t = one("guardduty-iam.json");
    assert_eq!(t.kind, "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS");
    assert_eq!(t.severity, Some(Severity::High));
    assert_eq!(
        res(&t),
        vec![
            (ResourceKind::AccessKey, "ASIAIOSFODNN7EXAMPLE", Relation::Affected),
            (ResourceKind::Role, "web-server", Relation::Affected),
        ]
    );
}

#[test]
fn guardduty_s3_finding_names_the_bucket_and_who_changed_it() {
    let t = one("guardduty-s3.json");
    assert_eq!(t.kind, "Policy:S3/BucketBlockPublicAccessDisabled");
    assert_eq!(t.severity, Some(Severity::Low));
    assert_eq!(
        res(&t),
        vec![
            (ResourceKind::AccessKey, "AKIAIOSFODNN7EXAMPLE", Relation::Affected),
            (ResourceKind::User, "Mateo", Relation::Affected),
            (ResourceKind::Bucket, "amzn-s3-demo-bucket", Relation::Affected),
        ]
    );
    assert_eq!(
        t.resources_of(ResourceKind::Bucket).next().unwrap().arn.as_deref(),
        Some("arn:aws:s3:::amzn-s3-demo-bucket")
    );
}

#[test]
fn securityhub_control_finding() {
    let t = one("securityhub.json");
    assert_eq!(t.source, Source::SecurityHub);
    assert_eq!(t.kind, "S3.8", "the control id, not the generator");
    assert_eq!(t.severity, Some(Severity::High));
    assert_eq!(t.product.as_deref(), Some("Security Hub"));
    assert_eq!(t.status.as_deref(), Some("FAILED"));
    assert_eq!(t.types, vec!["Software and Configuration Checks/Industry and Regulatory Standards"]);
    assert_eq!((t.account.as_str(), t.region.as_str()), ("123456789012", "us-west-2"));
    assert_eq!(res(&t), vec![(ResourceKind::Bucket, "amzn-s3-demo-bucket", Relation::Affected)]);
    assert!(!t.resolved);
}

#[test]
fn cloudtrail_call_names_the_trail_and_the_caller() {
    let t = one("cloudtrail-api.json");
    assert_eq!(t.source, Source::CloudTrail);
    assert_eq!(t.kind, "StopLogging");
    assert_eq!(t.severity, None);
    assert_eq!(t.finding_id.as_deref(), Some("e5a4f2c1-7d8b-4c3a-9e1f-EXAMPLE33333"));
    assert_eq!(
        res(&t),
        vec![
            (ResourceKind::Trail, "management-events", Relation::Affected),
            (ResourceKind::User, "Mateo", Relation::Actor),
            (ResourceKind::AccessKey, "AKIAIOSFODNN7EXAMPLE", Relation::Actor),
        ]
    );
    assert_eq!(
        t.resources[0].arn.as_deref(),
        Some("arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events")
    );
    assert_eq!(t.resources[1].arn.as_deref(), Some("arn:aws:iam::123456789012:user/Mateo"));
}

#[test]
fn cloudtrail_assumed_role_caller_and_s3_bucket() {
    let mut v = sample_json("cloudtrail-api.json");
    v["source"] = json!("aws.s3");
    v["detail"]["eventSource"] = json!("s3.amazonaws.com");
    v["detail"]["eventName"] = json!("PutBucketPolicy");
    v["detail"]["requestParameters"] = json!({"bucketName": "amzn-s3-demo-bucket", "name": "not-a-trail"});
    v["detail"]["userIdentity"] = json!({
        "type": "AssumedRole",
        "arn": "arn:aws:sts::123456789012:assumed-role/Admin/Mateo",
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "Admin", "arn": "arn:aws:iam::123456789012:role/Admin"}}
    });
    v["detail"]["errorCode"] = json!("AccessDenied");
    let t = &parse(&serde_json::to_vec(&v).unwrap()).unwrap()[0];
    assert_eq!(
        res(t),
        vec![
            (ResourceKind::Bucket, "amzn-s3-demo-bucket", Relation::Affected),
            (ResourceKind::Role, "Admin", Relation::Actor),
            (ResourceKind::AccessKey, "ASIAIOSFODNN7EXAMPLE", Relation::Actor),
        ],
        "`name` is a trail only in CloudTrail's API"
    );
    assert_eq!(t.status.as_deref(), Some("AccessDenied"));
}

#[test]
fn config_compliance_change() {
    let t = one("config-compliance.json");
    assert_eq!(t.source, Source::Config);
    assert_eq!(t.kind, "s3-bucket-public-read-prohibited");
    assert_eq!(t.severity, None);
    assert_eq!(t.status.as_deref(), Some("NON_COMPLIANT"));
    assert!(!t.resolved);
    assert_eq!(res(&t), vec![(ResourceKind::Bucket, "amzn-s3-demo-bucket", Relation::Affected)]);

    let mut v = sample_json("config-compliance.json");
    v["detail"]["newEvaluationResult"]["complianceType"] = json!("COMPLIANT");
    let t = &parse(&serde_json::to_vec(&v).unwrap()).unwrap()[0];
    assert!(t.resolved, "back in compliance: nothing to respond to");
}

#[test]
fn severity_bands_follow_guardduty() {
    let cases = [
        (0.5, Some(Severity::Low)),
        (1.0, Some(Severity::Low)),
        (3.9, Some(Severity::Low)),
        (4.0, Some(Severity::Medium)),
        (6.9, Some(Severity::Medium)),
        (7.0, Some(Severity::High)),
        (8.9, Some(Severity::High)),
        (9.0, Some(Severity::Critical)),
        (10.0, Some(Severity::Critical)),
        (10.1, None),
        (-1.0, None),
        (f64::NAN, None),
    ];
    for (score, band) in cases {
        assert_eq!(guardduty_severity(score), band, "{score}");
    }
    let mut v = sample_json("guardduty-ec2.json");
    v["detail"]["severity"] = json!(9.5);
    assert_eq!(parse(&serde_json::to_vec(&v).unwrap()).unwrap()[0].severity, Some(Severity::Critical));
    v["detail"]["severity"] = json!(12);
    let e = parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert_eq!(e.field(), Some("detail.severity"));
    assert!(e.to_string().contains("outside GuardDuty's range"), "{e}");
}

#[test]
fn securityhub_labels_and_normalized_scores() {
    for (label, want) in [("INFORMATIONAL", Severity::Info), ("LOW", Severity::Low), ("CRITICAL", Severity::Critical)] {
        let mut v = sample_json("securityhub.json");
        v["detail"]["findings"][0]["Severity"] = json!({"Label": label});
        assert_eq!(parse(&serde_json::to_vec(&v).unwrap()).unwrap()[0].severity, Some(want));
    }
    let mut v = sample_json("securityhub.json");
    v["detail"]["findings"][0]["Severity"] = json!({"Normalized": 40});
    assert_eq!(parse(&serde_json::to_vec(&v).unwrap()).unwrap()[0].severity, Some(Severity::Medium));
    v["detail"]["findings"][0]["Severity"] = json!({"Label": "SEVERE"});
    assert_eq!(field_of(&v), "detail.findings[0].Severity.Label");
}

#[test]
fn securityhub_resolved_and_batched_findings() {
    let mut v = sample_json("securityhub.json");
    v["detail"]["findings"][0]["Compliance"]["Status"] = json!("PASSED");
    assert!(parse(&serde_json::to_vec(&v).unwrap()).unwrap()[0].resolved);
    let mut v = sample_json("securityhub.json");
    v["detail"]["findings"][0]["Workflow"]["Status"] = json!("SUPPRESSED");
    assert!(parse(&serde_json::to_vec(&v).unwrap()).unwrap()[0].resolved);

    // GuardDuty through Security Hub: no control id, so the generator; key and owner.
    let mut v = sample_json("securityhub.json");
    let f = &mut v["detail"]["findings"][0];
    f["Compliance"] = Value::Null;
    f["ProductName"] = json!("GuardDuty");
    f["GeneratorId"] = json!("arn:aws:guardduty:us-west-2:123456789012:detector/123456789012abcdef0123456789abcd");
    f["Types"] = json!(["TTPs/Initial Access/UnauthorizedAccess:IAMUser-MaliciousIPCaller.Custom"]);
    f["Resources"] = json!([
        {"Type": "AwsIamAccessKey", "Id": "AWS::IAM::AccessKey:AKIAIOSFODNN7EXAMPLE",
         "Details": {"AwsIamAccessKey": {"PrincipalName": "Mateo", "PrincipalType": "IAMUser"}}},
        {"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:us-west-2:123456789012:instance/i-0123456789abcdef0"},
        {"Type": "AwsLambdaFunction", "Id": "arn:aws:lambda:us-west-2:123456789012:function:ingest:3"},
        {"Type": "AwsEksCluster", "Id": "arn:aws:eks:us-west-2:123456789012:cluster/prod"}
    ]);
    let second = v["detail"]["findings"][0].clone();
    v["detail"]["findings"].as_array_mut().unwrap().push(second);
    let ts = parse(&serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(ts.len(), 2, "one trigger per finding");
    assert_eq!(ts[0].product.as_deref(), Some("GuardDuty"));
    assert!(ts[0].kind.starts_with("arn:aws:guardduty:"));
    assert_eq!(
        res(&ts[0]),
        vec![
            (ResourceKind::AccessKey, "AKIAIOSFODNN7EXAMPLE", Relation::Affected),
            (ResourceKind::User, "Mateo", Relation::Affected),
            (ResourceKind::Instance, "i-0123456789abcdef0", Relation::Affected),
            (ResourceKind::Function, "ingest", Relation::Affected),
            (ResourceKind::Other, "arn:aws:eks:us-west-2:123456789012:cluster/prod", Relation::Affected),
        ]
    );
}

#[test]
fn malformed_events_name_the_field() {
    let gd = sample_json("guardduty-ec2.json");
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Mutation, &str, &str)> = vec![
        (
            Box::new(|v| {
                v["detail"].as_object_mut().unwrap().remove("type");
            }),
            "detail.type",
            "missing",
        ),
        (Box::new(|v| v["detail"]["type"] = json!("")), "detail.type", "empty"),
        (Box::new(|v| v["detail"]["severity"] = json!("high")), "detail.severity", "expected a number"),
        (Box::new(|v| v["detail"]["severity"] = json!([8])), "detail.severity", "got a list"),
        (Box::new(|v| v["detail"]["resource"] = json!("i-1")), "detail.resource", "expected an object"),
        (
            Box::new(|v| v["detail"]["resource"]["instanceDetails"] = Value::Null),
            "detail.resource.instanceDetails",
            "missing",
        ),
        (
            Box::new(|v| v["detail"]["resource"]["instanceDetails"]["instanceId"] = json!(42)),
            "detail.resource.instanceDetails.instanceId",
            "expected a string, got a number",
        ),
        (
            Box::new(|v| v["detail"]["resource"]["instanceDetails"]["instanceId"] = json!("i-1\u{1b}[31m")),
            "detail.resource.instanceDetails.instanceId",
            "control characters",
        ),
        (Box::new(|v| v["account"] = json!(111122223333u64)), "account", "expected a string"),
        (Box::new(|v| v["detail"] = json!([])), "detail", "expected an object"),
        (Box::new(|v| v["detail"]["title"] = json!("x".repeat(5000))), "detail.title", "limit is 4096"),
    ];
    for (mutate, field, problem) in cases {
        let mut v = gd.clone();
        mutate(&mut v);
        let e = parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(e.field(), Some(field), "{e}");
        assert!(e.to_string().contains(problem), "`{e}` should say `{problem}`");
    }
    let mut sh = sample_json("securityhub.json");
    sh["detail"]["findings"][0]["Resources"][0].as_object_mut().unwrap().remove("Id");
    assert_eq!(field_of(&sh), "detail.findings[0].Resources[0].Id");
    let mut sh = sample_json("securityhub.json");
    sh["detail"]["findings"] = json!([]);
    assert_eq!(field_of(&sh), "detail.findings");
    let mut sh = sample_json("securityhub.json");
    let f = sh["detail"]["findings"][0].clone();
    sh["detail"]["findings"] = Value::Array(vec![f; 101]);
    assert!(parse(&serde_json::to_vec(&sh).unwrap()).unwrap_err().to_string().contains("limit is 100"));
    let mut cfg = sample_json("config-compliance.json");
    cfg["detail"]["newEvaluationResult"]["complianceType"] = json!("BROKEN");
    assert_eq!(field_of(&cfg), "detail.newEvaluationResult.complianceType");
    let mut ct = sample_json("cloudtrail-api.json");
    ct["detail"]["userIdentity"] = Value::Null;
    assert_eq!(field_of(&ct), "detail.userIdentity");
}

#[test]
fn unsupported_oversized_and_non_json_events_are_refused() {
    let mut v = sample_json("guardduty-ec2.json");
    v["detail-type"] = json!("GuardDuty Runtime Protection Healthy");
    let e = parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert!(matches!(e, EventError::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("`GuardDuty Runtime Protection Healthy`"));

    let big = vec![b' '; warden_respond::event::MAX_EVENT_BYTES + 1];
    assert!(matches!(parse(&big), Err(EventError::TooLarge { .. })));

    let e = parse(b"{\"id\": 1,").unwrap_err();
    assert!(matches!(e, EventError::Json(_)) && e.to_string().contains("line 1"), "{e}");
    assert!(matches!(parse(b"[]"), Err(EventError::Field { .. })));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse(deep.as_bytes()).is_err(), "nesting is bounded");
}

/// Every value of every sample replaced by each JSON type, and every prefix of every
/// sample: an error or a trigger, never a panic.
#[test]
fn no_input_panics() {
    fn paths(v: &Value, at: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(at.clone());
        match v {
            Value::Object(m) => m.iter().for_each(|(k, c)| paths(c, [at.clone(), vec![k.clone()]].concat(), out)),
            Value::Array(a) => {
                a.iter().enumerate().for_each(|(i, c)| paths(c, [at.clone(), vec![i.to_string()]].concat(), out))
            }
            _ => {}
        }
    }
    fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
        path.iter().fold(v, |v, k| match v {
            Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
            other => &mut other[k.as_str()],
        })
    }
    let replacements =
        [Value::Null, json!(true), json!(-1.5), json!(""), json!("x"), json!([]), json!({}), json!([{}])];
    for name in [
        "guardduty-ec2.json",
        "guardduty-iam.json",
        "guardduty-s3.json",
        "securityhub.json",
        "cloudtrail-api.json",
        "config-compliance.json",
    ] {
        let bytes = sample(name);
        for cut in (0..bytes.len()).step_by(13) {
            let _ = parse(&bytes[..cut]);
        }
        let v = sample_json(name);
        let mut all = Vec::new();
        paths(&v, Vec::new(), &mut all);
        for p in &all {
            for r in &replacements {
                let mut m = v.clone();
                *at(&mut m, p) = r.clone();
                let _ = parse(&serde_json::to_vec(&m).unwrap());
            }
        }
    }
}
