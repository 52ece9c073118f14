//! The binary built with `--features lambda`, started as the Lambda runtime starts it —
//! named `bootstrap`, with `AWS_LAMBDA_RUNTIME_API` — against a fake Runtime API on
//! loopback: it fetches an event, posts the report, and exits when the API fails.
//!
//! Run by `.ci/run` as `cargo test -p warden --features lambda --test lambda_bootstrap`.

#![cfg(feature = "lambda")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Answers one `next` with `event`, records the POST that follows, then answers the
/// second `next` with 500 so the function exits.
fn fake_runtime(event: Vec<u8>) -> (u16, std::thread::JoinHandle<Vec<(String, String)>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for step in 0..3 {
            let (stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let path = request_line.split(' ').nth(1).unwrap().to_owned();
            seen.push((path, String::from_utf8(body).unwrap()));
            let mut stream = reader.into_inner();
            let response = match step {
                0 => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n\
                         Lambda-Runtime-Deadline-Ms: 1542409706888\r\nContent-Length: {}\r\n\r\n",
                        event.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&event);
                    r
                }
                1 => b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n".to_vec(),
                _ => b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_vec(),
            };
            stream.write_all(&response).unwrap();
        }
        seen
    });
    (port, handle)
}

#[test]
fn bootstrap_serves_an_event_through_the_runtime_api() {
    let dir = std::env::temp_dir().join(format!("warden-lambda-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bootstrap = dir.join("bootstrap");
    std::fs::copy(assert_cmd::cargo::cargo_bin("warden"), &bootstrap).unwrap();
    let event = std::fs::read(repo().join("crates/warden-respond/tests/events/guardduty-iam.json")).unwrap();
    let (port, server) = fake_runtime(event);
    let out = std::process::Command::new(&bootstrap)
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("WARDEN_POLICY_FILE", repo().join("examples/response-policy.yaml"))
        .env_remove("WARDEN_POLICY")
        .env_remove("WARDEN_APPLY")
        .env_remove("WARDEN_AUDIT_LOG")
        .output()
        .unwrap();
    let seen = server.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exits when the Runtime API fails: {stderr}");
    assert!(stderr.contains("next invocation answered 500"), "{stderr}");
    assert_eq!(seen[0].0, "/2018-06-01/runtime/invocation/next");
    assert_eq!(seen[1].0, "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response");
    let report: serde_json::Value = serde_json::from_str(&seen[1].1).unwrap();
    let decision = &report["triggers"][0]["decisions"][0];
    assert_eq!(decision["rule"], "revoke-exfiltrated-instance-credentials");
    assert_eq!(decision["action"]["target"], "web-server");
    assert_eq!(report["apply"], false);
    // The report is the function's log line too.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"revoke-exfiltrated-instance-credentials\""), "{stdout}");
}
