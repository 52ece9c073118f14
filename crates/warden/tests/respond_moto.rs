//! Incident playbooks against moto's server: every playbook's dry run changes nothing,
//! `--apply --yes` leaves the account in the contained state (checked through boto3, not
//! through Warden), each evidence bundle verifies and shows tampering, and the audit log
//! chain holds.
//!
//! Moto gaps met here (see docs/respond.md): CloudTrail `LookupEvents` is not
//! implemented (the bundle records the limitation; the test passes `--cloudtrail`), and
//! moto reports an interface's groups as the union with the instance's launch-time
//! `SecurityGroupIds`, so the instance is launched with an interface specification.
//!
//! Needs `moto_server` and `boto3` (`pip install 'moto[server]'`, done by `.ci/run`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "live_support.rs"]
mod support;

use serde_json::{Value, json};
use std::path::Path;
use support::{Moto, isolated_env, scratch, warden};

/// An instance with two interfaces (groups `web`, `db`), a role through its profile, an
/// Auto Scaling group and a target group; a role; two users with keys, one with a
/// console password; a bucket with a public policy and partial Block Public Access.
const SEED: &str = r#"
import boto3, json, sys
url = sys.argv[1]
def c(s):
    return boto3.client(s, endpoint_url=url, region_name="us-east-1")
ec2, iam, s3, asg, elb = c("ec2"), c("iam"), c("s3"), c("autoscaling"), c("elbv2")
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
trust = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
for role in ["web-role", "deploy-role"]:
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
iam.create_instance_profile(InstanceProfileName="web-profile")
iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web-role")
ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
inst = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro",
    NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web]}],
    IamInstanceProfile={"Name": "web-profile"},
    BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8}}])["Instances"][0]["InstanceId"]
eni2 = ec2.create_network_interface(SubnetId=subnet, Groups=[db])["NetworkInterface"]["NetworkInterfaceId"]
ec2.attach_network_interface(NetworkInterfaceId=eni2, InstanceId=inst, DeviceIndex=1)
ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.micro"})
asg.create_auto_scaling_group(AutoScalingGroupName="web-asg", LaunchTemplate={"LaunchTemplateName": "web"},
    MinSize=0, MaxSize=3, DesiredCapacity=0, VPCZoneIdentifier=subnet)
asg.attach_instances(InstanceIds=[inst], AutoScalingGroupName="web-asg")
tg = elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": inst, "Port": 80}])
iam.create_user(UserName="mallory")
mallory_keys = [iam.create_access_key(UserName="mallory")["AccessKey"]["AccessKeyId"] for _ in range(2)]
iam.create_login_profile(UserName="mallory", Password="Sup3r-secret-pass!")
iam.create_user(UserName="eve")
eve_key = iam.create_access_key(UserName="eve")["AccessKey"]["AccessKeyId"]
s3.create_bucket(Bucket="public-site")
s3.put_public_access_block(Bucket="public-site", PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
s3.put_bucket_policy(Bucket="public-site", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public-site/*"}]}))
print(json.dumps({"vpc": vpc, "web": web, "db": db, "instance": inst, "eni2": eni2, "target_group": tg,
                  "mallory_keys": mallory_keys, "eve_key": eve_key}))
"#;

/// Everything the playbooks may change, read through boto3.
const STATE: &str = r#"
import boto3, json, sys
url, inst, tg = sys.argv[1], sys.argv[2], sys.argv[3]
def c(s):
    return boto3.client(s, endpoint_url=url, region_name="us-east-1")
ec2, iam, s3, asg, elb = c("ec2"), c("iam"), c("s3"), c("autoscaling"), c("elbv2")
i = ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]
groups = {g["GroupName"]: {"id": g["GroupId"], "in": g["IpPermissions"], "out": g["IpPermissionsEgress"],
          "tags": {t["Key"]: t["Value"] for t in g.get("Tags", [])}}
          for g in ec2.describe_security_groups()["SecurityGroups"]}
def inline(kind, name):
    if kind == "role":
        names = iam.list_role_policies(RoleName=name)["PolicyNames"]
        return {n: iam.get_role_policy(RoleName=name, PolicyName=n)["PolicyDocument"] for n in names}
    names = iam.list_user_policies(UserName=name)["PolicyNames"]
    return {n: iam.get_user_policy(UserName=name, PolicyName=n)["PolicyDocument"] for n in names}
def user(name):
    keys = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]}
    try:
        iam.get_login_profile(UserName=name)
        login = True
    except iam.exceptions.NoSuchEntityException:
        login = False
    return {"keys": keys, "login": login, "inline": inline("user", name)}
snaps = [{"id": s["SnapshotId"], "volume": s["VolumeId"], "tags": {t["Key"]: t["Value"] for t in s.get("Tags", [])}}
         for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]]
bpa = s3.get_public_access_block(Bucket="public-site")["PublicAccessBlockConfiguration"]
print(json.dumps({
    "enis": {n["NetworkInterfaceId"]: sorted(g["GroupId"] for g in n["Groups"]) for n in i["NetworkInterfaces"]},
    "tags": {t["Key"]: t["Value"] for t in i.get("Tags", [])},
    "groups": groups,
    "asg": sorted(x["InstanceId"] for x in asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])["AutoScalingGroups"][0]["Instances"]),
    "targets": sorted(d["Target"]["Id"] for d in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]),
    "roles": {r: inline("role", r) for r in ["web-role", "deploy-role"]},
    "users": {u: user(u) for u in ["mallory", "eve"]},
    "snapshots": snaps,
    "bpa": bpa,
}, sort_keys=True, default=str))
"#;

fn python(moto: &Moto, dir: &Path, script: &str, args: &[&str]) -> Value {
    let mut cmd = std::process::Command::new("python3");
    cmd.args(["-c", script, &moto.url]).args(args);
    isolated_env(&mut cmd, &moto.url, dir);
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    assert!(out.status.success(), "python failed (is boto3 installed?):\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `warden respond ARGS…` in `dir`; returns the exit code and stdout.
fn respond(moto: &Moto, dir: &Path, args: &[&str]) -> (i32, String) {
    // One attempt per request: moto does not throttle, and its missing LookupEvents
    // answers HTTP 500, which would otherwise be retried with backoff.
    let out = warden(&moto.url, dir)
        .current_dir(dir)
        .arg("respond")
        .args(args)
        .args(["--max-attempts", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), format!("{stdout}\n--- stderr\n{stderr}"))
}

fn applied(moto: &Moto, dir: &Path, playbook: &str, target: &str, extra: &[&str]) -> String {
    let ev = dir.join(format!("ev-{playbook}"));
    let mut args = vec![playbook, target, "--apply", "--yes", "--evidence-dir", ev.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, out) = respond(moto, dir, &args);
    assert_eq!(code, 0, "{playbook} {target}:\n{out}");
    out
}

fn verify_bundle(moto: &Moto, dir: &Path, bundle: &Path) -> (i32, Value) {
    let out = warden(&moto.url, dir).args(["evidence", "verify", "--json"]).arg(bundle).output().unwrap();
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap())
}

fn policy_doc(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        other => other.clone(),
    }
}

#[test]
fn playbooks_contain_and_keep_evidence() {
    let dir = scratch("respond");
    let moto = Moto::start(&dir.join("moto.log"));
    let ids = python(&moto, &dir, SEED, &[]);
    let s = |k: &str| ids[k].as_str().unwrap().to_owned();
    let (inst, tg, eve_key) = (s("instance"), s("target_group"), s("eve_key"));
    let state = || python(&moto, &dir, STATE, &[&inst, &tg]);
    let before = state();
    assert_eq!(before["enis"].as_object().unwrap().len(), 2, "two interfaces: {}", before["enis"]);
    assert_eq!(before["asg"], json!([inst]));
    assert_eq!(before["targets"], json!([inst]));

    // --- Dry runs: every playbook plans, nothing changes.
    let dry = [
        ("quarantine-instance", inst.as_str()),
        ("snapshot-volumes", inst.as_str()),
        ("disable-access-key", eve_key.as_str()),
        ("revoke-role-sessions", "arn:aws:iam::123456789012:role/deploy-role"),
        ("contain-user", "mallory"),
        ("block-public-bucket", "public-site"),
        ("capture-evidence", "user/mallory"),
    ];
    for (playbook, target) in dry {
        let (code, out) = respond(&moto, &dir, &[playbook, target]);
        assert_eq!(code, 0, "dry run of {playbook}:\n{out}");
        if playbook != "capture-evidence" {
            assert!(out.contains("dry run"), "{playbook}:\n{out}");
        }
    }
    let (_, out) = respond(&moto, &dir, &["quarantine-instance", &inst]);
    for op in [
        "ec2:CreateSecurityGroup",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:CreateTags",
        "autoscaling:DetachInstances",
        "elbv2:DeregisterTargets",
        "ec2:ModifyNetworkInterfaceAttribute",
        "iam:PutRolePolicy",
    ] {
        assert!(out.contains(op), "the quarantine plan names {op}:\n{out}");
    }
    let (_, out) = respond(&moto, &dir, &["contain-user", "mallory"]);
    assert!(out.contains("[IRREVERSIBLE]"), "deleting the console password is flagged:\n{out}");
    assert_eq!(state(), before, "dry runs changed the account");
    assert!(dir.join("evidence").is_dir(), "capture-evidence keeps a bundle even without --apply");

    // --- quarantine-instance.
    let out = applied(&moto, &dir, "quarantine-instance", &inst, &[]);
    assert!(out.contains("done:"), "{out}");
    let after = state();
    let iso = &after["groups"][format!("warden-quarantine-{}", s("vpc")).as_str()];
    let iso_id = iso["id"].as_str().unwrap();
    assert_eq!((iso["in"].clone(), iso["out"].clone()), (json!([]), json!([])), "isolation group has no rules: {iso}");
    assert_eq!(iso["tags"]["warden:quarantine-group"], s("vpc"));
    for (eni, groups) in after["enis"].as_object().unwrap() {
        assert_eq!(groups, &json!([iso_id]), "interface {eni} only has the isolation group");
    }
    let previous = after["tags"]["warden:previous-security-groups"].as_str().unwrap();
    assert!(
        previous.contains(&format!("={}", s("web"))) && previous.contains(&format!("{}={}", s("eni2"), s("db"))),
        "{previous}"
    );
    assert!(after["tags"]["warden:quarantined"].as_str().unwrap().ends_with('Z'));
    assert!(!after["asg"].as_array().unwrap().contains(&json!(inst)), "still in the ASG: {}", after["asg"]);
    assert_eq!(after["targets"], json!([]), "still a load balancer target");
    let revoke = policy_doc(&after["roles"]["web-role"]["WardenRevokeOlderSessions"]);
    assert_eq!(revoke["Statement"][0]["Effect"], "Deny");
    assert!(revoke["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"].is_string(), "{revoke}");
    // Running it again sends nothing.
    let (code, out) = respond(&moto, &dir, &["quarantine-instance", &inst, "--apply", "--yes"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing to change"), "{out}");

    // --- snapshot-volumes (JSON report).
    let ev = dir.join("ev-snapshot-volumes");
    let (code, out) = respond(
        &moto,
        &dir,
        &["snapshot-volumes", &inst, "--apply", "--yes", "--json", "--evidence-dir", ev.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    let report: Value = serde_json::from_str(out.split("\n--- stderr").next().unwrap()).unwrap();
    let made = report["snapshots"].as_object().unwrap().clone();
    assert!(!made.is_empty(), "{report}");
    let snaps = state()["snapshots"].as_array().unwrap().clone();
    for (vol, snap) in &made {
        let s = snaps.iter().find(|s| &s["id"] == snap).unwrap_or_else(|| panic!("no snapshot {snap}: {snaps:?}"));
        assert_eq!(&s["volume"], vol);
        assert_eq!(s["tags"]["warden:forensic"], "true");
        assert_eq!(s["tags"]["warden:instance"], json!(inst));
        assert!(s["tags"]["warden:time"].is_string());
    }
    let listed: Value = serde_json::from_slice(&std::fs::read(ev.join("snapshots.json")).unwrap()).unwrap();
    assert_eq!(listed, Value::Object(made));

    // --- disable-access-key, with a CloudTrail file to list what the key did.
    let trail = dir.join("trail.json");
    let event = |name: &str, key: &str| {
        json!({"eventVersion": "1.08", "eventTime": "2025-06-01T10:00:00Z", "eventSource": "s3.amazonaws.com",
               "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7",
               "userIdentity": {"type": "IAMUser", "userName": "eve", "accessKeyId": key}})
    };
    let records = json!({"Records": [event("ListBuckets", &eve_key), event("GetObject", "AKIAOTHEROTHEROTHER1"), event("PutBucketPolicy", &eve_key)]});
    std::fs::write(&trail, records.to_string()).unwrap();
    applied(&moto, &dir, "disable-access-key", &eve_key, &["--cloudtrail", trail.to_str().unwrap()]);
    assert_eq!(state()["users"]["eve"]["keys"][&eve_key], "Inactive");
    let events = std::fs::read_to_string(dir.join("ev-disable-access-key/cloudtrail-events.jsonl")).unwrap();
    let names: Vec<String> = events
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["eventName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["ListBuckets", "PutBucketPolicy"]);
    // Without a file, LookupEvents is tried; moto lacks it, and the bundle says so.
    let ev = dir.join("ev-lookup");
    let (code, out) = respond(&moto, &dir, &["capture-evidence", &eve_key, "--evidence-dir", ev.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let source: Value = serde_json::from_slice(&std::fs::read(ev.join("cloudtrail-source.json")).unwrap()).unwrap();
    assert!(source["source"].as_str().unwrap().starts_with("cloudtrail:LookupEvents"), "{source}");
    assert!(source["limits"][0].as_str().unwrap().contains("LookupEvents"), "{source}");

    // --- revoke-role-sessions by ARN.
    applied(&moto, &dir, "revoke-role-sessions", "arn:aws:iam::123456789012:role/deploy-role", &[]);
    let doc = policy_doc(&state()["roles"]["deploy-role"]["WardenRevokeOlderSessions"]);
    assert_eq!(doc["Statement"][0]["Action"], json!(["*"]));
    assert!(doc["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"].is_string(), "{doc}");

    // --- contain-user.
    applied(&moto, &dir, "contain-user", "mallory", &[]);
    let mallory = &state()["users"]["mallory"];
    assert!(mallory["keys"].as_object().unwrap().values().all(|s| s == "Inactive"), "{mallory}");
    assert_eq!(mallory["login"], false);
    let deny = policy_doc(&mallory["inline"]["WardenContainUser"]);
    assert_eq!(
        deny["Statement"][0],
        json!({"Sid": "WardenContainUser", "Effect": "Deny", "Action": "*", "Resource": "*"})
    );

    // --- block-public-bucket: all four on, the old configuration kept as evidence.
    applied(&moto, &dir, "block-public-bucket", "public-site", &[]);
    let bpa = state()["bpa"].clone();
    assert_eq!(
        bpa,
        json!({"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true})
    );
    let kept: Value =
        serde_json::from_slice(&std::fs::read(dir.join("ev-block-public-bucket/bucket.json")).unwrap()).unwrap();
    assert_eq!(kept["PublicAccessBlock"]["IgnorePublicAcls"], false);
    assert_eq!(kept["Policy"]["Statement"][0]["Principal"], "*");

    // --- capture-evidence on the instance: read-only, and the bundle holds its state.
    let before_capture = state();
    let ev = dir.join("ev-capture-evidence");
    let (code, out) = respond(&moto, &dir, &["capture-evidence", &inst, "--evidence-dir", ev.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(state(), before_capture, "capture-evidence changed the account");
    for file in ["instance.json", "security-groups.json", "volumes.json", "role.json", "plan.json", "outcome.json"] {
        assert!(ev.join(file).is_file(), "{file} missing from the bundle");
    }

    // --- Every bundle verifies; tampering shows.
    let audit_log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let records: Vec<Value> = audit_log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for playbook in [
        "quarantine-instance",
        "snapshot-volumes",
        "disable-access-key",
        "revoke-role-sessions",
        "contain-user",
        "block-public-bucket",
        "capture-evidence",
    ] {
        let bundle = dir.join(format!("ev-{playbook}"));
        let (code, v) = verify_bundle(&moto, &dir, &bundle);
        assert_eq!((code, &v["intact"]), (0, &json!(true)), "{playbook}: {v}");
        // The audit record anchors the bundle's last manifest line.
        let rec = records
            .iter()
            .find(|r| r["evidence"]["dir"].as_str().is_some_and(|d| d.ends_with(&format!("ev-{playbook}"))))
            .unwrap_or_else(|| panic!("no audit record for {playbook}"));
        assert_eq!(rec["evidence"]["manifest_head"], v["manifest_head"], "{playbook}");
        assert_eq!(rec["playbook"], playbook);
        if playbook != "capture-evidence" {
            assert_eq!(rec["applied"], true, "{rec}");
            assert!(!rec["request_ids"].as_array().unwrap().is_empty(), "{playbook}: request ids recorded");
            assert!(!rec["before"].is_null() && !rec["after"].is_null(), "{playbook}: before and after recorded");
        }
    }
    let q = dir.join("ev-quarantine-instance");
    let plan = std::fs::read_to_string(q.join("plan.json")).unwrap();
    std::fs::write(q.join("plan.json"), plan.replace("ModifyNetworkInterfaceAttribute", "Nothing")).unwrap();
    let (code, v) = verify_bundle(&moto, &dir, &q);
    assert_eq!((code, v["problem"].as_str()), (1, Some("changed")), "{v}");
    std::fs::remove_file(dir.join("ev-contain-user/user.json")).unwrap();
    let (code, v) = verify_bundle(&moto, &dir, &dir.join("ev-contain-user"));
    assert_eq!((code, v["problem"].as_str()), (1, Some("missing")), "{v}");

    // --- The audit log's chain holds.
    let out = warden(&moto.url, &dir).args(["audit", "verify"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
