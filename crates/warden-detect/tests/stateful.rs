//! The stateful detectors, each with a case that must fire and one that must not.

use serde_json::{Value, json};
use warden_detect::flowlog::parse_flow_log;
use warden_detect::iprange::IpSet;
use warden_detect::stateful::StatefulConfig;
use warden_detect::{DetectOptions, Detector, RuleSet};

fn ev(name: &str, time: &str, ip: &str, identity: Value) -> Value {
    json!({"eventName": name, "eventSource": "signin.amazonaws.com", "eventTime": time, "sourceIPAddress": ip,
           "awsRegion": "us-east-1", "recipientAccountId": "111122223333", "eventID": format!("{name}-{time}-{ip}"),
           "userIdentity": identity, "responseElements": {"ConsoleLogin": "Success"}})
}

fn user(name: &str) -> Value {
    json!({"type": "IAMUser", "arn": format!("arn:aws:iam::111122223333:user/{name}"), "userName": name})
}

fn instance_role() -> Value {
    json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/web/i-0abc1234def567890", "accessKeyId": "ASIAEXAMPLE",
           "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/web"}}})
}

fn run(cfg: StatefulConfig, events: &[Value], flows: &str) -> Vec<String> {
    let mut d = Detector::new(RuleSet::new(), DetectOptions { stateful: cfg, ..DetectOptions::default() });
    for e in events {
        d.event(e);
    }
    let mut errors = Vec::new();
    let mut records = Vec::new();
    parse_flow_log(flows.as_bytes(), std::path::Path::new("flows"), &mut errors, &mut |r| records.push(r));
    assert!(errors.is_empty(), "{errors:?}");
    for r in &records {
        d.flow(r);
    }
    let mut ids: Vec<String> = d.finish().findings.into_iter().map(|f| f.check_id).collect();
    ids.sort();
    ids.dedup();
    ids
}

fn has(ids: &[String], id: &str) -> bool {
    ids.iter().any(|i| i == id)
}

#[test]
fn console_login_from_several_ips() {
    let id = "warden_console_login_multiple_ips";
    let fire = [
        ev("ConsoleLogin", "2024-05-01T10:00:00Z", "198.51.100.1", user("a")),
        ev("ConsoleLogin", "2024-05-01T10:04:00Z", "203.0.113.9", user("a")),
    ];
    assert!(has(&run(StatefulConfig::default(), &fire, ""), id));
    // Hours apart, or different users: quiet.
    let quiet = [
        ev("ConsoleLogin", "2024-05-01T10:00:00Z", "198.51.100.1", user("a")),
        ev("ConsoleLogin", "2024-05-01T13:00:00Z", "203.0.113.9", user("a")),
        ev("ConsoleLogin", "2024-05-01T13:01:00Z", "198.51.100.1", user("b")),
    ];
    assert!(!has(&run(StatefulConfig::default(), &quiet, ""), id));
}

#[test]
fn instance_credentials_outside_aws_and_via_other_account() {
    let (ranges, _) = IpSet::parse("52.0.0.0/11\n");
    let cfg = StatefulConfig { aws_ranges: ranges, ..StatefulConfig::default() };
    let mut outside = ev("DescribeInstances", "2024-05-01T10:00:00Z", "198.51.100.7", instance_role());
    outside["eventSource"] = json!("ec2.amazonaws.com");
    assert!(has(&run(cfg.clone(), std::slice::from_ref(&outside), ""), "warden_instance_credentials_outside_aws"));
    let mut inside = outside.clone();
    inside["sourceIPAddress"] = json!("52.1.2.3");
    assert!(!has(&run(cfg.clone(), &[inside.clone()], ""), "warden_instance_credentials_outside_aws"));
    // Without ranges the detector stays off rather than flagging every address.
    assert!(!has(
        &run(StatefulConfig::default(), std::slice::from_ref(&outside), ""),
        "warden_instance_credentials_outside_aws"
    ));
    let mut other = inside.clone();
    other["vpcEndpointAccountId"] = json!("999999999999");
    assert!(has(&run(cfg.clone(), &[other], ""), "warden_instance_credentials_other_account"));
    let mut own = inside;
    own["vpcEndpointAccountId"] = json!("111122223333");
    assert!(!has(&run(cfg, &[own], ""), "warden_instance_credentials_other_account"));
}

#[test]
fn new_api_and_new_region_after_baseline() {
    let cfg = StatefulConfig { baseline_secs: 3600, ..StatefulConfig::default() };
    let mut base = ev("ListBuckets", "2024-05-01T10:00:00Z", "198.51.100.1", user("a"));
    base["eventSource"] = json!("s3.amazonaws.com");
    let mut same = base.clone();
    same["eventTime"] = json!("2024-05-01T12:00:00Z");
    let quiet = run(cfg.clone(), &[base.clone(), same.clone()], "");
    assert!(!has(&quiet, "warden_new_api_for_identity") && !has(&quiet, "warden_new_region"), "{quiet:?}");
    let mut new_api = same.clone();
    new_api["eventName"] = json!("GetBucketPolicy");
    let mut new_region = same;
    new_region["awsRegion"] = json!("ap-southeast-3");
    let ids = run(cfg, &[base, new_api, new_region], "");
    assert!(has(&ids, "warden_new_api_for_identity"), "{ids:?}");
    assert!(has(&ids, "warden_new_region"), "{ids:?}");
}

#[test]
fn threat_list_in_cloudtrail_and_flows() {
    let (list, _) = IpSet::parse("198.51.100.0/24\n");
    let cfg = StatefulConfig { threat_list: list, ..StatefulConfig::default() };
    let hit = ev("GetCallerIdentity", "2024-05-01T10:00:00Z", "198.51.100.66", user("a"));
    assert!(has(&run(cfg.clone(), &[hit], ""), "warden_threat_list_ip"));
    let miss = ev("GetCallerIdentity", "2024-05-01T10:00:00Z", "203.0.113.66", user("a"));
    assert!(!has(&run(cfg.clone(), &[miss], ""), "warden_threat_list_ip"));
    let flow = "2 111122223333 eni-1 10.0.0.5 198.51.100.9 40000 443 6 10 1000 1714557600 1714557660 ACCEPT OK\n";
    assert!(has(&run(cfg.clone(), &[], flow), "warden_threat_list_ip"));
    let flow = "2 111122223333 eni-1 10.0.0.5 203.0.113.9 40000 443 6 10 1000 1714557600 1714557660 ACCEPT OK\n";
    assert!(!has(&run(cfg, &[], flow), "warden_threat_list_ip"));
}

fn flows(n: usize, f: impl Fn(usize) -> String) -> String {
    (0..n).map(f).collect()
}

#[test]
fn flow_port_scan_and_brute_force() {
    let scan = flows(25, |i| {
        format!(
            "2 111122223333 eni-1 203.0.113.5 10.0.0.8 5555{} {} 6 1 40 {} {} REJECT OK\n",
            i % 10,
            1000 + i,
            1714557600 + i,
            1714557601 + i
        )
    });
    assert!(has(&run(StatefulConfig::default(), &[], &scan), "warden_flow_port_scan"));
    let web = flows(25, |i| {
        format!(
            "2 111122223333 eni-1 203.0.113.5 10.0.0.8 {} 443 6 10 4000 {} {} ACCEPT OK\n",
            40000 + i,
            1714557600 + i,
            1714557601 + i
        )
    });
    let ids = run(StatefulConfig::default(), &[], &web);
    assert!(!has(&ids, "warden_flow_port_scan") && !has(&ids, "warden_flow_brute_force"), "{ids:?}");
    let brute = flows(25, |i| {
        format!(
            "2 111122223333 eni-1 203.0.113.5 10.0.0.8 {} 22 6 12 2000 {} {} ACCEPT OK\n",
            40000 + i,
            1714557600 + i * 5,
            1714557601 + i * 5
        )
    });
    assert!(has(&run(StatefulConfig::default(), &[], &brute), "warden_flow_brute_force"));
    let slow = flows(25, |i| {
        format!(
            "2 111122223333 eni-1 203.0.113.5 10.0.0.8 {} 22 6 12 2000 {} {} ACCEPT OK\n",
            40000 + i,
            1714557600 + i * 600,
            1714557601 + i * 600
        )
    });
    assert!(!has(&run(StatefulConfig::default(), &[], &slow), "warden_flow_brute_force"));
}

#[test]
fn flow_reject_spike_and_outbound_volume() {
    let cfg = StatefulConfig { reject_spike_min: 50, outbound_bytes: 1_000_000, ..StatefulConfig::default() };
    // Ten quiet minutes of 2 rejects each, then a minute with 100.
    let mut text = flows(20, |i| {
        format!(
            "2 111122223333 eni-1 203.0.113.{} 10.0.0.8 1234 23 6 1 40 {} {} REJECT OK\n",
            i,
            1714557600 + (i as i64 / 2) * 60,
            1714557601 + (i as i64 / 2) * 60
        )
    });
    let steady = run(cfg.clone(), &[], &text);
    assert!(!has(&steady, "warden_flow_reject_spike"), "{steady:?}");
    text += &flows(100, |i| {
        format!(
            "2 111122223333 eni-1 198.51.100.{} 10.0.0.8 1234 23 6 1 40 {} {} REJECT OK\n",
            i,
            1714558800 + (i as i64 % 50),
            1714558801
        )
    });
    assert!(has(&run(cfg.clone(), &[], &text), "warden_flow_reject_spike"));
    let big = flows(3, |i| {
        format!(
            "2 111122223333 eni-1 10.0.0.8 203.0.113.50 {} 443 6 1000 400000 {} {} ACCEPT OK\n",
            40000 + i,
            1714557600 + i as i64,
            1714557601 + i as i64
        )
    });
    assert!(has(&run(cfg.clone(), &[], &big), "warden_flow_outbound_volume"));
    let internal = flows(3, |i| {
        format!(
            "2 111122223333 eni-1 10.0.0.8 10.0.1.50 {} 443 6 1000 400000 {} {} ACCEPT OK\n",
            40000 + i,
            1714557600 + i as i64,
            1714557601 + i as i64
        )
    });
    assert!(!has(&run(cfg, &[], &internal), "warden_flow_outbound_volume"));
}

#[test]
fn flow_logs_read_from_gzip_files_in_a_directory() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("warden-flow-{}", std::process::id()));
    let sub = dir.join("AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01");
    std::fs::create_dir_all(&sub).unwrap();
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
    let body = flows(25, |i| {
        format!(
            "2 111122223333 eni-9 203.0.113.5 10.0.0.8 {} 3389 6 12 2000 {} {} REJECT OK\n",
            40000 + i,
            1714557600 + i,
            1714557601 + i
        )
    });
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(format!("{header}{body}").as_bytes()).unwrap();
    std::fs::write(
        sub.join("111122223333_vpcflowlogs_us-east-1_fl-1_20240501T1000Z_abc.log.gz"),
        enc.finish().unwrap(),
    )
    .unwrap();
    std::fs::write(sub.join("notes.md"), "not a flow log").unwrap();
    let mut d = Detector::new(RuleSet::new(), DetectOptions::default());
    d.read_flow_logs(std::slice::from_ref(&dir));
    let out = d.finish();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.stats.flow_records, 25);
    let f = out.findings.iter().find(|f| f.check_id == "warden_flow_brute_force").unwrap();
    assert_eq!(f.resource.arn, "arn:aws:ec2::111122223333:network-interface/eni-9");
    assert_eq!(f.compliance["mitre-attack"], vec!["T1110", "credential-access"]);
    let _ = std::fs::remove_dir_all(&dir);
}
