#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::playbook::*;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

const NOW: &str = "2025-06-01T12:00:00Z";

fn instance() -> InstanceState {
    InstanceState {
        instance_id: "i-0123456789abcdef0".into(),
        region: "eu-west-1".into(),
        state: Some("running".into()),
        vpc_id: Some("vpc-1".into()),
        interfaces: vec![
            Interface { id: "eni-a".into(), groups: vec!["sg-web".into(), "sg-ssh".into()] },
            Interface { id: "eni-b".into(), groups: vec!["sg-db".into()] },
        ],
        tags: BTreeMap::from([("Name".into(), "web-1".into())]),
        volumes: vec![
            Volume { id: "vol-root".into(), device: Some("/dev/xvda".into()) },
            Volume { id: "vol-data".into(), device: Some("/dev/sdf".into()) },
        ],
        instance_profile_arn: Some("arn:aws:iam::111122223333:instance-profile/web".into()),
        role: Some(RoleState { name: "web".into(), arn: None, revoke_policy: None }),
        auto_scaling_group: Some(AsgMembership { group: "web-asg".into(), lifecycle_state: Some("InService".into()) }),
        target_groups: vec![TargetGroupMembership {
            arn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1".into(),
            port: Some(80),
        }],
        isolation_group: None,
    }
}

fn ops(p: &Plan) -> Vec<String> {
    p.steps.iter().map(|s| format!("{}:{}", s.call.service, s.call.operation)).collect()
}

#[test]
fn names_parse_and_match_the_policy_list() {
    // `policy::playbook_kind` matches on `Playbook` exhaustively: a new playbook cannot
    // be left out of the policy.
    for p in Playbook::ALL {
        assert_eq!(Playbook::parse(p.name()).unwrap(), p);
        assert_eq!(serde_json::to_value(p).unwrap(), json!(p.name()));
    }
    let e = Playbook::parse("nuke-account").unwrap_err();
    assert!(e.contains("`nuke-account`") && e.contains("quarantine-instance"), "{e}");
}

#[test]
fn targets_parse_by_shape() {
    use TargetRef::*;
    let cases = [
        ("i-0123456789abcdef0", Instance("i-0123456789abcdef0".into())),
        ("i-01234567", Instance("i-01234567".into())),
        ("AKIAIOSFODNN7EXAMPLE", AccessKey("AKIAIOSFODNN7EXAMPLE".into())),
        ("arn:aws:iam::111122223333:role/service/web", Role("web".into())),
        ("arn:aws:iam::111122223333:user/alice", User("alice".into())),
        ("arn:aws:s3:::logs-bucket", Bucket("logs-bucket".into())),
        ("arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0", Instance("i-0123456789abcdef0".into())),
        ("s3://logs-bucket/", Bucket("logs-bucket".into())),
        ("role/web", Role("web".into())),
        ("user/alice", User("alice".into())),
        ("bucket/logs", Bucket("logs".into())),
        ("alice", Name("alice".into())),
    ];
    for (raw, want) in cases {
        assert_eq!(TargetRef::parse(raw).unwrap(), want, "{raw}");
    }
    for bad in [
        "",
        "i-xyz",
        "i-0123",
        "arn:aws:sqs:eu-west-1:1:q",
        "arn:aws:s3:::b/key",
        "a\u{1b}[31m",
        "AKIAlower0000000000x",
    ] {
        assert!(TargetRef::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn each_playbook_takes_its_kind_of_target() {
    assert_eq!(Playbook::ContainUser.target("alice").unwrap(), TargetRef::User("alice".into()));
    assert_eq!(Playbook::RevokeRoleSessions.target("web").unwrap(), TargetRef::Role("web".into()));
    assert_eq!(Playbook::BlockPublicBucket.target("logs").unwrap(), TargetRef::Bucket("logs".into()));
    assert_eq!(Playbook::CaptureEvidence.target("logs").unwrap(), TargetRef::Name("logs".into()));
    let e = Playbook::QuarantineInstance.target("AKIAIOSFODNN7EXAMPLE").unwrap_err();
    assert!(e.contains("instance id"), "{e}");
    assert!(Playbook::DisableAccessKey.target("alice").is_err());
    let e = Playbook::DisableAccessKey.target("ASIAIOSFODNN7EXAMPLE").unwrap_err();
    assert!(e.contains("revoke-role-sessions"), "{e}");
    assert!(Playbook::ContainUser.target("arn:aws:iam::1:role/web").is_err());
}

#[test]
fn quarantine_creates_isolates_detaches_and_revokes_in_order() {
    let p = plan(Playbook::QuarantineInstance, &Subject::Instance(instance()), t(NOW)).unwrap();
    assert_eq!(
        ops(&p),
        [
            "ec2:CreateSecurityGroup",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:CreateTags",
            "autoscaling:DetachInstances",
            "elbv2:DeregisterTargets",
            "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:ModifyNetworkInterfaceAttribute",
            "iam:PutRolePolicy",
        ]
    );
    let create = &p.steps[0];
    assert_eq!(create.call.params["GroupName"], "warden-quarantine-vpc-1");
    assert_eq!(create.call.params["VpcId"], "vpc-1");
    assert_eq!(create.binds, Some(Binding { name: ISOLATION_GROUP_VAR.into(), from: "GroupId".into() }));
    assert_eq!(p.steps[1].call.params["GroupId"], "${isolation_group}");
    let tags = &p.steps[2].call.params["Tags"];
    assert_eq!(tags[0], json!({"Key": TAG_QUARANTINED, "Value": NOW}));
    assert_eq!(tags[1], json!({"Key": TAG_PREVIOUS_GROUPS, "Value": "eni-a=sg-web,sg-ssh;eni-b=sg-db"}));
    assert_eq!(p.steps[3].call.params["ShouldDecrementDesiredCapacity"], false);
    assert_eq!(p.steps[3].call.region, "eu-west-1");
    assert_eq!(p.steps[4].call.params["Targets"], json!([{"Id": "i-0123456789abcdef0", "Port": 80}]));
    assert_eq!(p.steps[5].call.params, json!({"NetworkInterfaceId": "eni-a", "Groups": ["${isolation_group}"]}));
    assert_eq!(p.steps[5].replaces, json!({"Groups": ["sg-web", "sg-ssh"]}));
    let put = &p.steps[7].call;
    assert_eq!(
        (put.params["RoleName"].as_str(), put.params["PolicyName"].as_str()),
        (Some("web"), Some(REVOKE_POLICY))
    );
    let doc: Value = serde_json::from_str(put.params["PolicyDocument"].as_str().unwrap()).unwrap();
    assert_eq!(doc["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"], NOW);
    assert_eq!(doc["Statement"][0]["Effect"], "Deny");
    assert!(!p.irreversible());
}

#[test]
fn quarantine_twice_sends_nothing_more() {
    let mut i = instance();
    i.isolation_group =
        Some(GroupRules { id: "sg-iso".into(), name: isolation_group_name("vpc-1"), ingress: vec![], egress: vec![] });
    i.interfaces = vec![Interface { id: "eni-a".into(), groups: vec!["sg-iso".into()] }];
    i.tags.insert(TAG_QUARANTINED.into(), "2025-06-01T11:00:00Z".into());
    i.auto_scaling_group = None;
    i.target_groups.clear();
    i.role = Some(RoleState { name: "web".into(), arn: None, revoke_policy: Some(revoke_document(t(NOW))) });
    let p = plan(Playbook::QuarantineInstance, &Subject::Instance(i.clone()), t(NOW)).unwrap();
    assert!(p.steps.is_empty(), "{:?}", ops(&p));

    // A revocation made when the instance was quarantined is enough: sessions issued
    // since went to an isolated instance.
    i.role = Some(RoleState {
        name: "web".into(),
        arn: None,
        revoke_policy: Some(revoke_document(t("2025-06-01T11:00:00Z"))),
    });
    assert!(plan(Playbook::QuarantineInstance, &Subject::Instance(i.clone()), t(NOW)).unwrap().steps.is_empty());

    // A revocation older than the quarantine is moved forward to now; one newer is kept.
    i.role = Some(RoleState {
        name: "web".into(),
        arn: None,
        revoke_policy: Some(revoke_document(t("2025-05-01T00:00:00Z"))),
    });
    let p = plan(Playbook::QuarantineInstance, &Subject::Instance(i.clone()), t(NOW)).unwrap();
    assert_eq!(ops(&p), ["iam:PutRolePolicy"]);
    assert_eq!(p.steps[0].replaces, revoke_document(t("2025-05-01T00:00:00Z")));
    i.role = Some(RoleState {
        name: "web".into(),
        arn: None,
        revoke_policy: Some(revoke_document(t("2025-07-01T00:00:00Z"))),
    });
    assert!(plan(Playbook::QuarantineInstance, &Subject::Instance(i), t(NOW)).unwrap().steps.is_empty());
}

#[test]
fn quarantine_reuses_the_group_and_empties_it() {
    let mut i = instance();
    let allow_all = json!({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]});
    let ssh = json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]});
    i.isolation_group = Some(GroupRules {
        id: "sg-iso".into(),
        name: isolation_group_name("vpc-1"),
        ingress: vec![ssh.clone()],
        egress: vec![allow_all.clone()],
    });
    let p = plan(Playbook::QuarantineInstance, &Subject::Instance(i), t(NOW)).unwrap();
    assert_eq!(&ops(&p)[..2], ["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"]);
    assert_eq!(p.steps[0].call.params, json!({"GroupId": "sg-iso", "IpPermissions": [ssh]}));
    assert_eq!(p.steps[1].call.params["IpPermissions"], json!([allow_all]));
    assert!(p.steps.iter().all(|s| s.binds.is_none()));
    let swap = p.steps.iter().find(|s| s.call.operation == "ModifyNetworkInterfaceAttribute").unwrap();
    assert_eq!(swap.call.params["Groups"], json!(["sg-iso"]));
}

#[test]
fn quarantine_refuses_what_it_cannot_isolate() {
    let mut i = instance();
    i.vpc_id = None;
    let e = plan(Playbook::QuarantineInstance, &Subject::Instance(i), t(NOW)).unwrap_err();
    assert!(e.contains("not in a VPC"), "{e}");
    let mut i = instance();
    i.state = Some("terminated".into());
    assert!(plan(Playbook::QuarantineInstance, &Subject::Instance(i), t(NOW)).is_err());
    // A lone instance: no group, balancer or role to handle.
    let mut i = instance();
    i.auto_scaling_group = None;
    i.target_groups.clear();
    i.role = None;
    i.instance_profile_arn = None;
    i.interfaces.truncate(1);
    let p = plan(Playbook::QuarantineInstance, &Subject::Instance(i), t(NOW)).unwrap();
    assert_eq!(
        ops(&p),
        [
            "ec2:CreateSecurityGroup",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:CreateTags",
            "ec2:ModifyNetworkInterfaceAttribute"
        ]
    );
    assert_eq!(p.steps[2].call.params["Tags"][1]["Value"], "sg-web,sg-ssh");
}

#[test]
fn previous_groups_fit_a_tag() {
    let many: Vec<Interface> = (0..40)
        .map(|n| Interface {
            id: format!("eni-{n:017}"),
            groups: vec![format!("sg-{n:017}"), format!("sg-{:017}", n + 100)],
        })
        .collect();
    let v = previous_groups(&many);
    assert_eq!(v.chars().count(), 256);
    assert!(v.ends_with('…'));
}

#[test]
fn an_asg_instance_not_in_service_is_noted() {
    let mut i = instance();
    i.auto_scaling_group = Some(AsgMembership { group: "web-asg".into(), lifecycle_state: Some("Pending".into()) });
    let p = plan(Playbook::QuarantineInstance, &Subject::Instance(i), t(NOW)).unwrap();
    assert!(p.notes.iter().any(|n| n.contains("`Pending`")), "{:?}", p.notes);
}

#[test]
fn snapshots_every_volume_with_forensic_tags() {
    let p = plan(Playbook::SnapshotVolumes, &Subject::Instance(instance()), t(NOW)).unwrap();
    assert_eq!(ops(&p), ["ec2:CreateSnapshot", "ec2:CreateSnapshot"]);
    let c = &p.steps[1].call.params;
    assert_eq!(c["VolumeId"], "vol-data");
    let tags: BTreeMap<String, String> = c["TagSpecifications"][0]["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["Key"].as_str().unwrap().to_owned(), t["Value"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(tags[TAG_FORENSIC], "true");
    assert_eq!(tags["warden:instance"], "i-0123456789abcdef0");
    assert_eq!(tags["warden:time"], NOW);
    assert_eq!(tags["warden:device"], "/dev/sdf");
    assert_eq!(p.steps[1].binds, Some(Binding { name: "snapshot:vol-data".into(), from: "SnapshotId".into() }));
    assert!(!Playbook::SnapshotVolumes.idempotent());
    let mut none = instance();
    none.volumes.clear();
    let p = plan(Playbook::SnapshotVolumes, &Subject::Instance(none), t(NOW)).unwrap();
    assert!(p.steps.is_empty() && p.notes.iter().any(|n| n.contains("no EBS volume")));
}

#[test]
fn disable_access_key_only_when_active() {
    let active =
        Subject::AccessKey { user: "alice".into(), key: KeyStatus { id: "AKIA1".into(), status: "Active".into() } };
    let p = plan(Playbook::DisableAccessKey, &active, t(NOW)).unwrap();
    assert_eq!(ops(&p), ["iam:UpdateAccessKey"]);
    assert_eq!(p.steps[0].call.params, json!({"UserName": "alice", "AccessKeyId": "AKIA1", "Status": "Inactive"}));
    assert_eq!(p.steps[0].call.region, "global");
    assert_eq!(p.steps[0].replaces, json!({"Status": "Active"}));
    let inactive =
        Subject::AccessKey { user: "alice".into(), key: KeyStatus { id: "AKIA1".into(), status: "Inactive".into() } };
    assert!(plan(Playbook::DisableAccessKey, &inactive, t(NOW)).unwrap().steps.is_empty());
}

#[test]
fn contain_user_denies_first_and_says_what_cannot_be_undone() {
    let u = UserState {
        name: "alice".into(),
        arn: None,
        access_keys: vec![
            KeyStatus { id: "AKIA1".into(), status: "Active".into() },
            KeyStatus { id: "AKIA2".into(), status: "Inactive".into() },
        ],
        login_profile: true,
        contain_policy: None,
    };
    let p = plan(Playbook::ContainUser, &Subject::User(u.clone()), t(NOW)).unwrap();
    assert_eq!(ops(&p), ["iam:PutUserPolicy", "iam:UpdateAccessKey", "iam:DeleteLoginProfile"]);
    let doc: Value = serde_json::from_str(p.steps[0].call.params["PolicyDocument"].as_str().unwrap()).unwrap();
    assert_eq!(
        doc["Statement"][0],
        json!({"Sid": "WardenContainUser", "Effect": "Deny", "Action": "*", "Resource": "*"})
    );
    assert_eq!(p.steps[0].call.params["PolicyName"], CONTAIN_POLICY);
    assert!(p.steps[2].irreversible && p.irreversible());
    assert!(p.steps[2].why.contains("IRREVERSIBLE"));
    assert!(p.notes.iter().any(|n| n.contains("revoke-role-sessions")));

    let contained = UserState {
        access_keys: vec![KeyStatus { id: "AKIA1".into(), status: "Inactive".into() }],
        login_profile: false,
        contain_policy: Some(contain_document()),
        ..u
    };
    assert!(plan(Playbook::ContainUser, &Subject::User(contained), t(NOW)).unwrap().steps.is_empty());
}

#[test]
fn revoke_role_sessions_uses_token_issue_time() {
    let r = RoleState { name: "deploy".into(), arn: None, revoke_policy: None };
    let p = plan(Playbook::RevokeRoleSessions, &Subject::Role(r), t("2025-06-01T12:00:00.750Z")).unwrap();
    assert_eq!(ops(&p), ["iam:PutRolePolicy"]);
    let doc: Value = serde_json::from_str(p.steps[0].call.params["PolicyDocument"].as_str().unwrap()).unwrap();
    assert_eq!(doc, revoke_document(t(NOW)));
    assert_eq!(p.time, NOW);
    assert_eq!(p.steps[0].replaces, Value::Null);
}

#[test]
fn block_public_bucket_records_the_previous_config() {
    let b = BucketState {
        bucket: "site".into(),
        region: "eu-west-1".into(),
        public_access_block: Some(json!({
            "BlockPublicAcls": true, "IgnorePublicAcls": false, "BlockPublicPolicy": false, "RestrictPublicBuckets": false
        })),
    };
    let p = plan(Playbook::BlockPublicBucket, &Subject::Bucket(b.clone()), t(NOW)).unwrap();
    assert_eq!(ops(&p), ["s3:PutPublicAccessBlock"]);
    assert_eq!(p.steps[0].call.region, "eu-west-1");
    assert_eq!(p.steps[0].replaces, b.public_access_block.clone().unwrap());
    let cfg = &p.steps[0].call.params["PublicAccessBlockConfiguration"];
    assert!(
        ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]
            .iter()
            .all(|k| cfg[k] == true)
    );
    let none = BucketState { public_access_block: None, ..b.clone() };
    assert_eq!(
        plan(Playbook::BlockPublicBucket, &Subject::Bucket(none), t(NOW)).unwrap().steps[0].replaces,
        Value::Null
    );
    let done = BucketState { public_access_block: Some(cfg.clone()), ..b };
    assert!(plan(Playbook::BlockPublicBucket, &Subject::Bucket(done), t(NOW)).unwrap().steps.is_empty());
}

#[test]
fn capture_evidence_changes_nothing_and_kinds_must_match() {
    for s in
        [Subject::Instance(instance()), Subject::Role(RoleState { name: "r".into(), arn: None, revoke_policy: None })]
    {
        assert!(plan(Playbook::CaptureEvidence, &s, t(NOW)).unwrap().steps.is_empty());
    }
    let e = plan(Playbook::ContainUser, &Subject::Instance(instance()), t(NOW)).unwrap_err();
    assert!(e.contains("cannot act on an instance"), "{e}");
}

#[test]
fn variables_resolve_or_fail() {
    let p = plan(Playbook::QuarantineInstance, &Subject::Instance(instance()), t(NOW)).unwrap();
    let vars = BTreeMap::from([(ISOLATION_GROUP_VAR.to_owned(), "sg-new".to_owned())]);
    let swap = resolve(&p.steps[5].call, &vars).unwrap();
    assert_eq!(swap.params["Groups"], json!(["sg-new"]));
    assert_eq!(resolve(&p.steps[0].call, &BTreeMap::new()).unwrap(), p.steps[0].call);
    let e = resolve(&p.steps[1].call, &BTreeMap::new()).unwrap_err();
    assert!(e.contains("${isolation_group}"), "{e}");
    let ids = snapshot_ids(&BTreeMap::from([
        ("snapshot:vol-1".to_owned(), "snap-1".to_owned()),
        (ISOLATION_GROUP_VAR.to_owned(), "sg-new".to_owned()),
    ]));
    assert_eq!(ids, BTreeMap::from([("vol-1".to_owned(), "snap-1".to_owned())]));
}

#[test]
fn events_are_matched_to_their_subject() {
    let key =
        Subject::AccessKey { user: "alice".into(), key: KeyStatus { id: "AKIA1".into(), status: "Active".into() } };
    let by_key = json!({"eventName": "ListBuckets", "userIdentity": {"type": "IAMUser", "userName": "alice", "accessKeyId": "AKIA1"}});
    let other_key = json!({"eventName": "ListBuckets", "userIdentity": {"type": "IAMUser", "userName": "alice", "accessKeyId": "AKIA2"}});
    assert!(event_concerns(&key, &by_key));
    assert!(!event_concerns(&key, &other_key));

    let user = Subject::User(UserState {
        name: "alice".into(),
        arn: None,
        access_keys: vec![],
        login_profile: false,
        contain_policy: None,
    });
    assert!(event_concerns(&user, &other_key));
    assert!(event_concerns(
        &user,
        &json!({"userIdentity": {"type": "Root"}, "requestParameters": {"userName": "alice"}})
    ));
    assert!(!event_concerns(&user, &json!({"userIdentity": {"type": "IAMUser", "userName": "bob"}})));

    let role = Subject::Role(RoleState { name: "web".into(), arn: None, revoke_policy: None });
    let session = json!({"userIdentity": {"type": "AssumedRole", "principalId": "AROA1:i-0123456789abcdef0",
        "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "web"}}}});
    assert!(event_concerns(&role, &session));
    assert!(event_concerns(&Subject::Instance(instance()), &session), "an instance's role session is named after it");
    let stop = json!({"userIdentity": {"type": "IAMUser", "userName": "bob"},
        "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]}}});
    assert!(event_concerns(&Subject::Instance(instance()), &stop));
    assert!(!event_concerns(&role, &stop));

    let bucket =
        Subject::Bucket(BucketState { bucket: "site".into(), region: "eu-west-1".into(), public_access_block: None });
    assert!(event_concerns(&bucket, &json!({"requestParameters": {"bucketName": "site"}})));
    assert!(!event_concerns(&bucket, &json!({"requestParameters": {"bucketName": "site-logs"}})));
}
