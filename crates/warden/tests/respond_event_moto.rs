//! `warden respond --event` against moto, end to end: a GuardDuty finding about a seeded
//! instance quarantines it (apply) and notifies an SNS topic; a Config compliance change
//! about a seeded bucket turns its Block Public Access on through the fix executor; the
//! same events without `--apply` send nothing to AWS. Every change is in the audit log.
//!
//! Needs `moto_server` and `boto3` (`pip install 'moto[server]'`, done by `.ci/run`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "live_support.rs"]
mod support;

use serde_json::Value;
use std::path::Path;
use support::{Moto, isolated_env, repo, scratch, warden};

const SEED: &str = r#"
import boto3, json, sys
url = sys.argv[1]
c = lambda s: boto3.client(s, endpoint_url=url, region_name="us-east-1")
ec2, s3, sns, sqs = c("ec2"), c("s3"), c("sns"), c("sqs")
vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
image = ec2.describe_images()["Images"][0]["ImageId"]
subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
# Groups on the interface, not the instance: moto reports an instance's launch-time
# groups merged into its interfaces' (docs/respond.md, moto gaps).
inst = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
    NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [sg]}])["Instances"][0]["InstanceId"]
s3.create_bucket(Bucket="wd-public")
topic = sns.create_topic(Name="warden-response")["TopicArn"]
queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
qarn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
print(json.dumps({"instance": inst, "sg": sg, "topic": topic, "queue": queue}))
"#;

const STATE: &str = r#"
import boto3, json, sys
url = sys.argv[1]
c = lambda s: boto3.client(s, endpoint_url=url, region_name="us-east-1")
ec2, s3, sqs = c("ec2"), c("s3"), c("sqs")
i = ec2.describe_instances(InstanceIds=[sys.argv[2]])["Reservations"][0]["Instances"][0]
try:
    bpa = s3.get_public_access_block(Bucket="wd-public")["PublicAccessBlockConfiguration"]
except Exception:
    bpa = None
msgs = sqs.receive_message(QueueUrl=sys.argv[3], MaxNumberOfMessages=10).get("Messages", [])
groups = sorted({g["GroupName"] for n in i["NetworkInterfaces"] for g in n["Groups"]})
print(json.dumps({"groups": groups, "bpa": bpa, "messages": len(msgs)}))
"#;

fn python(moto: &Moto, dir: &Path, script: &str, args: &[&str]) -> Value {
    let mut cmd = std::process::Command::new("python3");
    cmd.args(["-c", script, &moto.url]).args(args);
    isolated_env(&mut cmd, &moto.url, dir);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A sample event from the docs' examples, pointed at the seeded account and resource.
fn event(dir: &Path, name: &str, from: &str, to: &str) -> String {
    let path = repo().join("crates/warden-respond/tests/events").join(name);
    let text = std::fs::read_to_string(path).unwrap().replace("111122223333", "123456789012").replace(from, to);
    let out = dir.join(name);
    std::fs::write(&out, text).unwrap();
    out.display().to_string()
}

/// A one-shot webhook receiver on 127.0.0.1: answers 204 to each request and hands the
/// bodies over when the test asks.
fn webhook() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            stream.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n").unwrap();
            let _ = tx.send(String::from_utf8_lossy(&body).into_owned());
        }
    });
    (url, rx)
}

fn policy(dir: &Path, topic: &str, hook: &str) -> String {
    let text = format!(
        r#"version: 1
rules:
  - name: quarantine
    match: {{source: guardduty, type: "Backdoor:EC2/*", resource: instance}}
    do: {{playbook: quarantine-instance}}
    mode: apply
    notify: [{{sns: "{topic}"}}, {{webhook: "{hook}"}}]
  - name: public-buckets
    match: {{source: config, type: s3-bucket-public-read-prohibited, resource: bucket}}
    do: {{fix: [s3_bucket_block_public_access]}}
    mode: apply
"#
    );
    let p = dir.join("policy.yaml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn events_start_playbooks_and_fixes_in_dry_run_and_apply() {
    let dir = scratch("respond-event");
    let moto = Moto::start(&dir.join("moto.log"));
    let ids = python(&moto, &dir, SEED, &[]);
    let (instance, topic, queue) =
        (ids["instance"].as_str().unwrap(), ids["topic"].as_str().unwrap(), ids["queue"].as_str().unwrap());
    let (hook, received) = webhook();
    let policy = policy(&dir, topic, &hook);
    let gd = event(&dir, "guardduty-ec2.json", "i-0123456789abcdef0", instance);
    let cfg = event(&dir, "config-compliance.json", "amzn-s3-demo-bucket", "wd-public");
    let state = || python(&moto, &dir, STATE, &[instance, queue]);
    let before = state();
    assert_eq!(before["groups"], serde_json::json!(["web"]));
    assert!(before["bpa"].is_null());

    // Dry run: the decisions, and nothing sent to AWS (no change, no notification).
    for ev in [&gd, &cfg] {
        let out =
            warden(&moto.url, &dir).args(["respond", "--event", ev, "--policy", &policy, "--json"]).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dry = state();
    assert_eq!((&dry["groups"], &dry["bpa"]), (&before["groups"], &before["bpa"]));
    assert_eq!(dry["messages"], 0, "a dry run sends nothing");
    assert!(!dir.join("audit.jsonl").exists() || std::fs::read_to_string(dir.join("audit.jsonl")).unwrap().is_empty());

    // Apply: quarantined, bucket blocked, notified, audited.
    let mut applied = Vec::new();
    for ev in [&gd, &cfg] {
        let out = warden(&moto.url, &dir)
            .args(["respond", "--event", ev, "--policy", &policy, "--apply", "--yes", "--json", "--evidence-dir"])
            .arg(dir.join("evidence"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        applied.push(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let after = state();
    let groups = after["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert!(groups[0].as_str().unwrap().starts_with("warden-quarantine"), "{after}\n{}", applied[0]);
    assert_eq!(after["bpa"]["BlockPublicAcls"], true, "{after}");
    assert_eq!(after["bpa"]["RestrictPublicBuckets"], true, "{after}");
    assert_eq!(after["messages"], 1, "one notification for the applied quarantine");
    let posted: serde_json::Value = serde_json::from_str(&received.try_recv().unwrap()).unwrap();
    assert_eq!(posted["rule"], "quarantine");
    assert_eq!(posted["applied"], true);
    assert!(received.try_recv().is_err(), "the dry run posted nothing, the apply once");

    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert!(audit.lines().any(|l| l.contains("quarantine-instance")), "{audit}");
    assert!(audit.lines().any(|l| l.contains("\"bucket_public_access_block\"")), "{audit}");
    // The quarantine's forensic bundle landed under --evidence-dir and verifies.
    let bundles: Vec<_> = std::fs::read_dir(dir.join("evidence")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(bundles.len(), 1, "{bundles:?}");
    assert!(bundles[0].file_name().unwrap().to_string_lossy().starts_with("quarantine-instance-"));
    let out = warden(&moto.url, &dir).args(["evidence", "verify"]).arg(&bundles[0]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));

    let out = warden(&moto.url, &dir).args(["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}
