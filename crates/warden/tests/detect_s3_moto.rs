//! `warden detect s3://…` against moto's S3: a trail bucket in the delivery layout gives
//! the same findings as the same files read from disk; digests and days outside the
//! window are not downloaded.
//!
//! Needs `moto_server` and `boto3` (`pip install 'moto[server]'`, done by `.ci/run`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "live_support.rs"]
mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use support::{Moto, isolated_env, repo, scratch, warden};

fn detections(out: &std::process::Output) -> BTreeSet<(String, String)> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["check_id"].as_str().unwrap().to_owned(), f["resource"]["arn"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn trail_bucket_reads_like_the_same_files_on_disk() {
    let dir = scratch("detect-s3");
    let moto = Moto::start(&dir.join("moto.log"));
    let data = repo().join("../shared/data/cloudtrail/invictus");
    let script = r#"
import boto3, gzip, os, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
s3.create_bucket(Bucket="org-trail-logs")
base = "AWSLogs/218007301253/CloudTrail/us-east-1/"
names = sorted(os.listdir(sys.argv[2]))
for name in names:
    body = gzip.compress(open(os.path.join(sys.argv[2], name), "rb").read())
    s3.put_object(Bucket="org-trail-logs", Key=base + "2023/07/10/" + name + ".gz", Body=body)
# Outside the window: a copy filed under an old day. And a digest, never an event file.
old = gzip.compress(open(os.path.join(sys.argv[2], names[0]), "rb").read())
s3.put_object(Bucket="org-trail-logs", Key=base + "2023/01/01/" + names[0] + ".gz", Body=old)
s3.put_object(Bucket="org-trail-logs",
              Key="AWSLogs/218007301253/CloudTrail-Digest/us-east-1/2023/07/10/d.json.gz", Body=b"{}")
"#;
    let mut cmd = std::process::Command::new("python3");
    cmd.args(["-c", script, &moto.url]).arg(&data);
    isolated_env(&mut cmd, &moto.url, &dir);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let window = ["--since", "2023-07-09T00:00:00Z", "--format", "json"];
    let from_s3 =
        warden(&moto.url, &dir).args(["detect", "s3://org-trail-logs/AWSLogs/"]).args(window).output().unwrap();
    let stderr = String::from_utf8_lossy(&from_s3.stderr).into_owned();
    let files = std::fs::read_dir(&data).unwrap().count();
    assert!(stderr.contains(&format!("{files} objects")), "{stderr}");
    assert!(stderr.contains("2 outside the time window or digests"), "{stderr}");
    let from_disk = warden(&moto.url, &dir).arg("detect").arg(&data).args(window).output().unwrap();
    let (s3, disk) = (detections(&from_s3), detections(&from_disk));
    assert!(disk.len() >= 5, "the sample's attack is detected from disk: {disk:?}");
    assert_eq!(s3, disk);

    // A bucket that does not exist is one clear error line.
    let missing = warden(&moto.url, &dir).args(["detect", "s3://no-such-bucket/"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("no-such-bucket") && err.lines().count() == 1, "{err}");
}
