//! Fault injection: the collector pointed at a local server that throttles (400
//! `Throttling`, 429), fails (500), denies (403), answers garbage and hangs. The
//! collection must finish, retry what is retryable, and mark each part Unknown with the
//! right kind and reason; the checks then say ERROR.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "live_support.rs"]
mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{scratch, warden};

type Counts = Arc<Mutex<BTreeMap<String, usize>>>;

struct Request {
    path: String,
    headers: BTreeMap<String, String>,
    body: String,
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(Request { path, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &str) {
    let mut out = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.flush();
}

/// Which fault each service gets, and the operation named for counting.
fn handle(mut stream: TcpStream, counts: Counts) {
    let Some(req) = read_request(&mut stream) else { return };
    let action = req.body.split('&').find_map(|kv| kv.strip_prefix("Action=")).unwrap_or_default().to_owned();
    let target = req.headers.get("x-amz-target").cloned().unwrap_or_default();
    let key = if !action.is_empty() {
        action.clone()
    } else if !target.is_empty() {
        target.clone()
    } else {
        req.path.clone()
    };
    *counts.lock().unwrap().entry(key).or_default() += 1;
    let xml = [("content-type", "text/xml")];
    if action == "GetCallerIdentity" {
        respond(
            &mut stream,
            "200 OK",
            &xml,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>\
             <Arn>arn:aws:iam::111122223333:user/scanner</Arn><UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account>\
             </GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        );
    } else if req.body.contains("Version=2010-05-08") {
        // IAM: throttled, the query-protocol way.
        respond(
            &mut stream,
            "400 Bad Request",
            &xml,
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>\
             <RequestId>r2</RequestId></ErrorResponse>",
        );
    } else if req.body.contains("Version=2016-11-15") {
        // EC2: server errors.
        respond(
            &mut stream,
            "500 Internal Server Error",
            &xml,
            "<Response><Errors><Error><Code>InternalError</Code><Message>boom</Message></Error></Errors>\
             <RequestID>r3</RequestID></Response>",
        );
    } else if target.starts_with("TrentService.") {
        // KMS: HTTP 429.
        respond(
            &mut stream,
            "429 Too Many Requests",
            &[("content-type", "application/x-amz-json-1.1"), ("x-amzn-errortype", "ThrottlingException")],
            "{\"__type\":\"ThrottlingException\",\"message\":\"slow down\"}",
        );
    } else if target.contains("CloudTrail") {
        // CloudTrail: a success status with a body that is not JSON.
        respond(&mut stream, "200 OK", &[("content-type", "application/x-amz-json-1.1")], "{\"trailList\": [ not json");
    } else if req.path.starts_with("/getAlternateContact") || req.path.starts_with("/getContactInformation") {
        respond(
            &mut stream,
            "403 Forbidden",
            &[("content-type", "application/json"), ("x-amzn-errortype", "AccessDeniedException")],
            "{\"message\":\"not authorized\"}",
        );
    } else {
        // S3 and anything else: hang past the request timeout.
        std::thread::sleep(Duration::from_secs(30));
    }
}

fn start_faulty_server() -> (String, Counts) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counts: Counts = Arc::default();
    let c = counts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let c = c.clone();
            std::thread::spawn(move || handle(stream, c));
        }
    });
    (url, counts)
}

fn unknown<'a>(v: &'a Value, what: &str) -> (&'a str, &'a str) {
    let u = v.get("unknown").unwrap_or_else(|| panic!("{what} should be unknown: {v}"));
    (u["kind"].as_str().unwrap(), u["message"].as_str().unwrap())
}

#[test]
fn faults_become_unknown_and_the_collection_finishes() {
    let dir = scratch("faults");
    let (url, counts) = start_faulty_server();
    let snap_path = dir.join("snapshot.json");
    let out = warden(&url, &dir)
        .args(["collect", "--max-attempts", "3", "--request-timeout", "1", "-o"])
        .arg(&snap_path)
        .timeout(Duration::from_secs(240))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "collect must finish despite the faults: {stderr}");
    let snap: Value = serde_json::from_slice(&std::fs::read(&snap_path).unwrap()).unwrap();
    let acct = &snap["inventory"]["accounts"][0];
    assert_eq!(acct["id"], "111122223333");

    let (kind, msg) = unknown(&acct["iam"]["users"], "iam users");
    assert_eq!(kind, "throttled", "{msg}");
    assert!(msg.starts_with("iam:GetAccountAuthorizationDetails: Throttling"), "{msg}");
    let (kind, msg) = unknown(&acct["password_policy"], "password policy");
    assert_eq!((kind, msg.starts_with("iam:GetAccountPasswordPolicy: Throttling")), ("throttled", true), "{msg}");

    let region = &acct["regions"][0];
    let (kind, msg) = unknown(&region["kms"]["keys"], "kms keys");
    assert_eq!(kind, "throttled", "{msg}");
    assert!(msg.starts_with("kms:ListKeys: ThrottlingException"), "{msg}");
    let (kind, msg) = unknown(&region["ec2"]["vpcs"], "vpcs");
    assert_eq!(kind, "error", "{msg}");
    assert!(msg.starts_with("ec2:DescribeVpcs: InternalError"), "{msg}");
    let (kind, msg) = unknown(&region["cloudtrail"]["trails"], "trails");
    assert_eq!(kind, "malformed_response", "{msg}");
    assert!(msg.starts_with("cloudtrail:DescribeTrails: unparseable"), "{msg}");
    let (kind, msg) = unknown(&acct["s3"]["buckets"], "buckets");
    assert_eq!(kind, "error", "{msg}");
    assert!(msg.starts_with("s3:ListAllMyBuckets: timeout"), "{msg}");
    let (kind, msg) = unknown(&acct["contacts"], "contacts");
    assert_eq!(kind, "access_denied", "{msg}");
    assert!(msg.starts_with("account:GetAlternateContact: AccessDeniedException"), "{msg}");

    // Retryable failures were retried up to the limit; a denial was not retried.
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.get("GetAccountAuthorizationDetails"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("TrentService.ListKeys"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("DescribeVpcs"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("/getAlternateContact"), Some(&3), "three contact types, one request each: {counts:?}");

    // The grouped end-of-collection summary.
    assert!(stderr.contains("throttled after retries (Throttling): "), "{stderr}");
    assert!(stderr.contains("iam:GetAccountAuthorizationDetails ×1"), "{stderr}");
    assert!(
        stderr.contains("throttled after retries (ThrottlingException): kms:ListAliases ×1, kms:ListKeys ×1"),
        "{stderr}"
    );
    assert!(stderr.contains("denied (AccessDeniedException)"), "{stderr}");

    // Checks that need what could not be read say ERROR, with the reason.
    let out = warden(&url, &dir).args(["scan", "--format", "json", "--snapshot"]).arg(&snap_path).output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    for check in
        ["iam_password_policy_min_length_14", "kms_cmk_rotation_enabled", "ec2_sg_no_admin_ports_from_ipv4_world"]
    {
        let f: Vec<_> = findings.iter().filter(|f| f["check_id"] == check).collect();
        assert!(!f.is_empty(), "no finding for {check}");
        assert!(f.iter().all(|f| f["status"] == "ERROR"), "{check}: {f:?}");
    }
    assert!(findings.iter().all(|f| f["status"] != "PASS"), "nothing was read, nothing can pass");
}
