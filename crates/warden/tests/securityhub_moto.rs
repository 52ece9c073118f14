//! `scan --to-securityhub` against moto's Security Hub: findings imported in batches of
//! 100, a fixed weakness archived on the next scan, findings outside the scan's scope
//! left alone, and every export in the hash-chained audit log.
//!
//! Needs `moto_server` and `boto3` (`pip install 'moto[server]'`, done by `.ci/run`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "live_support.rs"]
mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use support::{Moto, fixed_copy, isolated_env, repo, scratch, warden};

/// Every finding moto holds: id → record state.
fn hub(moto: &Moto, dir: &Path) -> BTreeMap<String, String> {
    let script = r#"
import boto3, json, sys
sh = boto3.client("securityhub", endpoint_url=sys.argv[1], region_name="us-east-1")
out = {}
for page in sh.get_paginator("get_findings").paginate():
    for f in page["Findings"]:
        out[f["Id"]] = f.get("RecordState", "ACTIVE")
print(json.dumps(out))
"#;
    let mut cmd = std::process::Command::new("python3");
    cmd.args(["-c", script, &moto.url]);
    isolated_env(&mut cmd, &moto.url, dir);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `scan --to-securityhub` and returns the ids of the findings it reported as
/// needing attention (FAIL, MUTED, ERROR), as Security Hub ids.
fn export(moto: &Moto, dir: &Path, snapshot: &Path, extra: &[&str]) -> (Vec<String>, String) {
    let out = warden(&moto.url, dir)
        .args(["scan", "--to-securityhub", "--no-history", "--format", "json", "--fail-on", "none", "--snapshot"])
        .arg(snapshot)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ["FAIL", "MUTED", "ERROR"].contains(&f["status"].as_str().unwrap()))
        .map(|f| format!("warden/{}", f["id"].as_str().unwrap()))
        .collect();
    (ids, stderr)
}

#[test]
fn exports_updates_and_archives() {
    let dir = scratch("securityhub");
    let moto = Moto::start(&dir.join("moto.log"));
    let example = repo().join("examples/northwind.json");

    // First export: everything needing attention arrives, active, in several batches.
    let (first, stderr) = export(&moto, &dir, &example, &[]);
    assert!(first.len() > 100, "enough findings for more than one batch: {}", first.len());
    assert!(stderr.contains(&format!("importing {} findings", first.len())), "the plan comes first: {stderr}");
    let held = hub(&moto, &dir);
    assert_eq!(held.len(), first.len());
    assert!(first.iter().all(|id| held.get(id).map(String::as_str) == Some("ACTIVE")));

    // The same scan again: updates in place, nothing archived.
    let (again, stderr) = export(&moto, &dir, &example, &[]);
    assert_eq!(again.len(), first.len());
    assert!(stderr.contains("archiving 0"), "{stderr}");
    assert_eq!(hub(&moto, &dir).len(), first.len());

    // A scan restricted to S3 checks speaks only for them: nothing else is archived.
    let (_, stderr) = export(&moto, &dir, &example, &["--checks", "s3_*"]);
    assert!(stderr.contains("archiving 0"), "{stderr}");

    // One weakness fixed: exactly its findings (the public-snapshot check and the
    // exposure analysis) are archived.
    let fixed = fixed_copy(&dir);
    let (now, stderr) = export(&moto, &dir, &fixed, &[]);
    assert_eq!(now.len() + 2, first.len());
    assert!(stderr.contains("2 archived"), "{stderr}");
    let held = hub(&moto, &dir);
    let archived: Vec<&String> = held.iter().filter(|(_, s)| *s == "ARCHIVED").map(|(id, _)| id).collect();
    assert_eq!(archived.len(), 2, "{archived:?}");
    assert!(archived.iter().all(|a| !now.contains(a) && first.contains(a)));

    // Four exports, four chained audit records with what each did.
    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let records: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 4);
    assert_eq!(records[0]["action"], "securityhub:BatchImportFindings");
    assert_eq!(records[0]["result"]["imported"], first.len());
    assert_eq!(records[3]["result"]["archived"], 2);
    assert!(records[3]["actor"].as_str().unwrap().starts_with("arn:aws:"), "{}", records[3]);
    let verify = warden(&moto.url, &dir).args(["audit", "verify"]).output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
}
