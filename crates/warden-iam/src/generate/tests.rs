use super::*;
use crate::eval::{DecisionKind, PolicyRef, PolicySet, Request, evaluate};
use crate::lint::{LintSeverity, lint};
use crate::policy::Policy;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/app/deployer";

fn ev(arn: &str, source: &str, name: &str, params: Value) -> Value {
    json!({
        "eventTime": "2023-07-10T12:00:00Z",
        "eventSource": format!("{source}.amazonaws.com"),
        "eventName": name,
        "awsRegion": "eu-west-1",
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "arn": arn, "accountId": "111122223333"},
        "requestParameters": params,
    })
}

/// The default KMS key policy (the account delegates to IAM): KMS keys need their key
/// policy to allow, which no identity policy can replace.
fn default_key_policy(principal: &str) -> Policy {
    let account = crate::arn::account_of(principal).unwrap();
    Policy::parse(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"}]}))
    .unwrap()
}

/// Every use allowed by the generated policy, as the engine evaluates it.
fn assert_round_trip(principal: &str, g: &Generated) {
    let policy = Policy::parse(&g.policy).unwrap();
    let key_policy = default_key_policy(principal);
    let plain = PolicySet { identity: vec![PolicyRef { id: "generated", policy: &policy }], ..Default::default() };
    let mut kms = plain.clone();
    kms.resource = Some(PolicyRef { id: "key-policy", policy: &key_policy });
    assert!(!g.uses.is_empty());
    for u in &g.uses {
        let set = if u.resource.contains(":kms:") { &kms } else { &plain };
        let d = evaluate(set, &Request::new(principal, &u.action, &u.resource));
        assert_eq!(d.decision, DecisionKind::Allow, "{} on {}: {}", u.action, u.resource, d.message);
    }
    let bad: Vec<_> = lint(&g.policy).into_iter().filter(|f| f.severity <= LintSeverity::SecurityWarning).collect();
    assert!(bad.is_empty(), "{bad:?}\n{}", g.policy);
}

fn denied(principal: &str, g: &Generated, action: &str, resource: &str) -> bool {
    let policy = Policy::parse(&g.policy).unwrap();
    let set = PolicySet { identity: vec![PolicyRef { id: "generated", policy: &policy }], ..Default::default() };
    evaluate(&set, &Request::new(principal, action, resource)).decision == DecisionKind::ImplicitDeny
}

#[test]
fn maps_event_names_to_actions() {
    let a = |s: &str, n: &str| map_action(s, n);
    assert_eq!(a("s3.amazonaws.com", "GetObject"), Mapped::Action("s3:GetObject".into()));
    assert_eq!(a("s3.amazonaws.com", "HeadObject"), Mapped::Action("s3:GetObject".into()));
    assert_eq!(a("s3.amazonaws.com", "ListObjects"), Mapped::Action("s3:ListBucket".into()));
    assert_eq!(a("s3.amazonaws.com", "HeadBucket"), Mapped::Action("s3:ListBucket".into()));
    assert_eq!(a("s3.amazonaws.com", "ListBuckets"), Mapped::Action("s3:ListAllMyBuckets".into()));
    assert_eq!(a("s3.amazonaws.com", "GetBucketEncryption"), Mapped::Action("s3:GetEncryptionConfiguration".into()));
    assert_eq!(a("s3.amazonaws.com", "GetBucketCors"), Mapped::Action("s3:GetBucketCORS".into()));
    assert_eq!(a("monitoring.amazonaws.com", "DescribeAlarms"), Mapped::Action("cloudwatch:DescribeAlarms".into()));
    assert_eq!(a("lambda.amazonaws.com", "GetFunction20150331v2"), Mapped::Action("lambda:GetFunction".into()));
    assert_eq!(a("lambda.amazonaws.com", "CreateFunction20150331"), Mapped::Action("lambda:CreateFunction".into()));
    assert_eq!(a("ec2.amazonaws.com", "describeinstances"), Mapped::Action("ec2:DescribeInstances".into()));
    assert_eq!(a("sts.amazonaws.com", "GetCallerIdentity"), Mapped::NoPermission);
    assert_eq!(a("signin.amazonaws.com", "ConsoleLogin"), Mapped::NoPermission);
    assert_eq!(a("s3.amazonaws.com", "GetThing"), Mapped::Unknown("s3:GetThing".into()));
    assert_eq!(a("nosuch.amazonaws.com", "Get"), Mapped::Unknown("nosuch:Get".into()));
    // Every renamed target and every source prefix exists in the catalog.
    for (p, _, act) in RENAMED {
        assert!(catalog().action(&format!("{p}:{act}")).is_some(), "{p}:{act}");
    }
    for (_, p) in SOURCE_PREFIX {
        assert!(catalog().service(p).is_some(), "{p}");
    }
}

#[test]
fn derives_resources_from_events_and_templates() {
    let evs = [
        // resources[] wins; the bucket ARN does not fit the object type
        json!({"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "eu-west-1",
               "recipientAccountId": "111122223333", "userIdentity": {"arn": ALICE},
               "requestParameters": {"bucketName": "b", "key": "k/1"},
               "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k/1"},
                             {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}]}),
        ev(ALICE, "s3", "ListObjects", json!({"bucketName": "b"})),
        ev(ALICE, "iam", "GetUser", json!({"userName": "bob"})),
        ev(
            ALICE,
            "ec2",
            "StopInstances",
            json!({"instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]}}),
        ),
        ev(ALICE, "ec2", "DescribeInstances", json!({})),
        ev(ALICE, "sts", "AssumeRole", json!({"roleArn": ROLE, "roleSessionName": "x"})),
        ev(ALICE, "lambda", "GetFunction20150331v2", json!({"functionName": "f"})),
        ev(ALICE, "iam", "ListAttachedRolePolicies", json!({})),
    ];
    let g = generate(ALICE, &evs, Options::default());
    let uses: BTreeSet<(&str, &str)> = g.uses.iter().map(|u| (u.action.as_str(), u.resource.as_str())).collect();
    for want in [
        ("s3:GetObject", "arn:aws:s3:::b/k/1"),
        ("s3:ListBucket", "arn:aws:s3:::b"),
        ("iam:GetUser", "arn:aws:iam::111122223333:user/bob"),
        ("ec2:StopInstances", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1"),
        ("ec2:StopInstances", "arn:aws:ec2:eu-west-1:111122223333:instance/i-2"),
        ("ec2:DescribeInstances", "*"),
        ("sts:AssumeRole", ROLE),
        ("lambda:GetFunction", "arn:aws:lambda:eu-west-1:111122223333:function:f"),
        ("iam:ListAttachedRolePolicies", "*"),
    ] {
        assert!(uses.contains(&want), "{want:?} not in {uses:?}");
    }
    assert_eq!(uses.len(), 9, "{uses:?}");
    assert_eq!(g.summary.unresolved_resources, vec!["iam:ListAttachedRolePolicies".to_owned()]);
    assert_round_trip(ALICE, &g);
    assert!(denied(ALICE, &g, "s3:PutObject", "arn:aws:s3:::b/k/1"));
    assert!(denied(ALICE, &g, "s3:GetObject", "arn:aws:s3:::b/k/2"));
    assert!(denied(ALICE, &g, "ec2:StopInstances", "arn:aws:ec2:eu-west-1:111122223333:instance/i-3"));
}

#[test]
fn template_shapes() {
    let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    let bucket = "arn:${Partition}:s3:::${BucketName}";
    assert!(fits_template(object, "arn:aws:s3:::b/a/b/c"));
    assert!(!fits_template(object, "arn:aws:s3:::b"));
    assert!(fits_template(bucket, "arn:aws:s3:::b"));
    assert!(!fits_template(bucket, "arn:aws:s3:::b/k"));
    let role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
    assert!(fits_template(role, ROLE));
    assert!(!fits_template(role, "arn:aws:iam::1:user/x"));
}

#[test]
fn principal_sessions_denials_unknowns_and_window() {
    let session = "arn:aws:sts::111122223333:assumed-role/deployer/s1";
    let mut issued = ev("arn:aws:sts::111122223333:assumed-role/other/s", "s3", "ListBuckets", json!({}));
    issued["userIdentity"]["sessionContext"] = json!({"sessionIssuer": {"arn": ROLE}});
    let mut denied_ev = ev(session, "iam", "CreateUser", json!({"userName": "x"}));
    denied_ev["errorCode"] = json!("AccessDenied");
    let mut ec2_denied = ev(session, "ec2", "RunInstances", json!({}));
    ec2_denied["errorCode"] = json!("Client.UnauthorizedOperation");
    let mut old = ev(session, "ec2", "DescribeVpcs", json!({}));
    old["eventTime"] = json!("2020-01-01T00:00:00Z");
    let mut throttled = ev(session, "ec2", "DescribeRegions", json!({}));
    throttled["errorCode"] = json!("ThrottlingException");
    let evs = [
        ev(session, "ec2", "DescribeInstances", json!({})),
        issued,
        denied_ev,
        ec2_denied,
        ev(session, "sts", "GetCallerIdentity", json!({})),
        ev(session, "s3", "GetStorageLensDashboardDataInternal", json!({})),
        ev(ALICE, "ec2", "DescribeImages", json!({})),
        old,
        throttled,
    ];
    let opts = Options { since: ts("2023-01-01T00:00:00Z"), ..Options::default() };
    let g = generate(ROLE, &evs, opts);
    let s = &g.summary;
    assert_eq!(s.events_considered, 9);
    assert_eq!(s.outside_window, 1);
    assert_eq!(s.matched, 7);
    assert_eq!(s.denied_skipped, 2);
    assert_eq!(s.no_permission_needed, 1);
    assert_eq!(s.unknown_actions.get("s3:GetStorageLensDashboardDataInternal"), Some(&1));
    let actions: BTreeSet<&str> = g.uses.iter().map(|u| u.action.as_str()).collect();
    assert_eq!(actions, BTreeSet::from(["ec2:DescribeInstances", "ec2:DescribeRegions", "s3:ListAllMyBuckets"]));
    assert_eq!(s.first_event.as_deref(), Some("2023-07-10T12:00:00Z"));
    assert_round_trip(ROLE, &g);
    assert!(denied(ROLE, &g, "iam:CreateUser", "arn:aws:iam::111122223333:user/x"));
}

fn ts(t: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(t).ok().map(|d| d.timestamp())
}

#[test]
fn many_keys_collapse_to_their_folder_only() {
    let mut evs: Vec<Value> = (0..25)
        .map(|i| ev(ALICE, "s3", "GetObject", json!({"bucketName": "b", "key": format!("logs/2023/{i}.gz")})))
        .collect();
    evs.push(ev(ALICE, "s3", "GetObject", json!({"bucketName": "b", "key": "config/app*.json"})));
    evs.push(ev(ALICE, "s3", "PutObject", json!({"bucketName": "b", "key": "logs/2023/new.gz"})));
    let g = generate(ALICE, &evs, Options::default());
    let st = g.policy["Statement"].as_array().unwrap();
    let get = st.iter().find(|s| s["Action"] == "s3:GetObject").unwrap();
    assert_eq!(get["Resource"], json!(["arn:aws:s3:::b/config/app${*}.json", "arn:aws:s3:::b/logs/2023/*"]));
    let put = st.iter().find(|s| s["Action"] == "s3:PutObject").unwrap();
    assert_eq!(put["Resource"], "arn:aws:s3:::b/logs/2023/new.gz");
    assert_eq!(get["Sid"], "S3Read1");
    assert_eq!(put["Sid"], "S3Write1");
    assert_round_trip(ALICE, &g);
    // the escaped `*` is literal
    assert!(denied(ALICE, &g, "s3:GetObject", "arn:aws:s3:::b/config/app-x.json"));
    assert!(denied(ALICE, &g, "s3:GetObject", "arn:aws:s3:::b/other"));
}

fn invictus() -> Option<Vec<Value>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail/invictus");
    let mut files: Vec<_> = std::fs::read_dir(&dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut out = Vec::new();
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "json")) {
        let v: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        out.extend(v["Records"].as_array().cloned().unwrap_or_default());
    }
    Some(out)
}

#[test]
fn round_trip_over_the_invictus_sample() {
    let Some(events) = invictus() else {
        eprintln!("skipped: the invictus CloudTrail sample is not present");
        return;
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &events {
        if let Some(a) = e.pointer("/userIdentity/arn").and_then(Value::as_str) {
            *counts.entry(a).or_default() += 1;
        }
    }
    let (top, n) = counts.iter().max_by_key(|(_, n)| **n).map(|(a, n)| (a.to_string(), *n)).unwrap();
    let g = generate(&top, &events, Options::default());
    let s = &g.summary;
    assert_eq!(s.matched, n);
    assert_eq!(s.events_considered, events.len());
    assert!(s.denied_skipped > 0, "{s:?}");
    assert!(s.unknown_actions.contains_key("s3:GetStorageLensDashboardDataInternal"), "{s:?}");
    assert!(s.actions > 100, "{s:?}");
    assert_round_trip(&top, &g);
    let used: BTreeSet<&str> = g.uses.iter().map(|u| u.action.as_str()).collect();
    assert!(!used.contains("dynamodb:DeleteTable"));
    assert!(denied(&top, &g, "dynamodb:DeleteTable", "arn:aws:dynamodb:us-east-1:123837392027:table/t"));
    // Deterministic: the same events give the same document.
    assert_eq!(generate(&top, &events, Options::default()).policy, g.policy);

    // A role: its assumed-role sessions are its events.
    let role = "arn:aws:iam::123837392027:role/stratus-red-team-ec2-steal-credentials-role";
    let g = generate(role, &events, Options::default());
    assert_eq!((g.summary.matched, g.summary.no_permission_needed), (15, 1), "{:?}", g.summary);
    assert_round_trip(role, &g);
    assert!(g.uses.iter().any(|u| u.action == "ssm:UpdateInstanceInformation"));
    // Every call of this one was refused: nothing to grant.
    let role = "arn:aws:iam::123837392027:role/stratus-red-team-ec2-get-password-data-role";
    let g = generate(role, &events, Options::default());
    assert_eq!((g.summary.matched, g.summary.denied_skipped), (29, 29), "{:?}", g.summary);
    assert!(g.uses.is_empty() && g.policy["Statement"] == json!([]));
}
