//! The HTML report and the Markdown summary, checked as documents: self-contained, safe
//! against hostile strings, carrying every finding, and small at 100,000 findings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use warden_model::{Finding, FindingHistory, Remediation, Resource, Severity, Status};
use warden_report::{Format, Options, ScanInfo, render};

fn finding(i: usize) -> Finding {
    let arn = format!("arn:aws:s3:::bucket-{i}");
    let mut evidence = serde_json::Map::new();
    evidence.insert("bucket".into(), serde_json::json!(format!("bucket-{i}")));
    evidence.insert("public_acl".into(), serde_json::json!(i.is_multiple_of(2)));
    Finding {
        id: Finding::stable_id("s3_bucket_public", &arn, ""),
        check_id: format!("check_{}", i % 150),
        title: format!("Check number {} holds", i % 150),
        service: ["s3", "iam", "ec2", "kms"][i % 4].into(),
        status: [Status::Fail, Status::Pass, Status::Pass, Status::Muted, Status::Error][i % 5],
        severity: Severity::ALL[i % 5],
        resource: Resource {
            arn,
            kind: "AWS::S3::Bucket".into(),
            account_id: format!("{:012}", 100_000_000_000u64 + (i % 60) as u64),
            region: ["us-east-1", "eu-west-1", "global"][i % 3].into(),
            tags: BTreeMap::new(),
        },
        message: format!("bucket-{i} grants access to everyone"),
        evidence,
        remediation: Remediation {
            text: format!("Block public access on the buckets of check {}.", i % 150),
            cli: Some("aws s3api put-public-access-block --bucket NAME".into()),
            ..Default::default()
        },
        compliance: BTreeMap::from([("cis-aws-7.0".to_owned(), vec![format!("2.1.{}", i % 7)])]),
        muted_by: (i % 5 == 3).then(|| "rule `accepted`".to_owned()),
        history: None,
    }
}

fn html_of(scan: &ScanInfo, findings: &[Finding]) -> String {
    let mut out = Vec::new();
    render(Format::Html, scan, findings, &Options::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The embedded findings: gzip-compressed JSON in base64.
fn embedded(html: &str) -> serde_json::Value {
    let start = html.find("<script id=warden-data type=\"application/gzip;base64\">").unwrap();
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</script>").unwrap();
    let b64: Vec<u8> = rest[open..close].bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let gz = unbase64(&b64);
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut json).unwrap();
    serde_json::from_slice(&json).unwrap()
}

fn unbase64(s: &[u8]) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for q in s.chunks(4) {
        let pad = q.iter().filter(|&&c| c == b'=').count();
        let v = q.iter().take(4 - pad).enumerate().fold(0u32, |acc, (i, &c)| acc | (u32::from(val(c)) << (18 - 6 * i)));
        out.extend_from_slice(&v.to_be_bytes()[1..4 - pad]);
    }
    out
}

#[test]
fn html_is_self_contained_and_carries_every_finding() {
    let findings: Vec<Finding> = (0..50).map(finding).collect();
    let html = html_of(&ScanInfo::new("test", chrono::Utc::now()), &findings);
    for banned in ["<link", "src=\"http", "src=http", "@import", "url(http"] {
        assert!(!html.contains(banned), "{banned}");
    }
    assert!(html.contains("Content-Security-Policy"));
    assert_eq!(html.matches("<svg class=chart").count(), 3);
    let data = embedded(&html);
    assert_eq!(data["f"].as_array().unwrap().len(), 50);
    // FAIL rows first.
    assert_eq!(data["f"][0][4], 0);
    assert!(html.contains("rule `accepted`"), "suppressions listed");
}

#[test]
fn hostile_strings_stay_text() {
    let mut f = finding(0);
    f.message = "</script><script>alert(1)</script>".into();
    f.title = "<img src=x onerror=alert(1)>".into();
    f.resource.account_id = "<b>acct</b>".into();
    f.evidence.insert("x".into(), serde_json::json!("</script><!--"));
    let mut scan = ScanInfo::new("<i>src</i>", chrono::Utc::now());
    scan.notes.push("<script>note</script>".into());
    let html = html_of(&scan, &[f]);
    assert_eq!(html.matches("<script").count(), 2, "only the data and the code scripts");
    assert!(!html.contains("<img") && !html.contains("<b>acct") && !html.contains("<i>src"));
    let data = embedded(&html);
    assert_eq!(data["f"][0][10], "</script><script>alert(1)</script>", "the data round-trips");
}

#[test]
fn hundred_thousand_findings_stay_under_20_mb() {
    let findings: Vec<Finding> = (0..100_000).map(finding).collect();
    let html = html_of(&ScanInfo::new("big", chrono::Utc::now()), &findings);
    assert!(html.len() < 20_000_000, "{} bytes", html.len());
    assert_eq!(embedded(&html)["f"].as_array().unwrap().len(), 100_000);
}

#[test]
fn markdown_summary_counts_and_lists_new_failures() {
    let mut findings: Vec<Finding> = (0..60).map(finding).collect();
    let t = chrono::Utc::now();
    for (i, f) in findings.iter_mut().enumerate() {
        f.history = Some(FindingHistory { first_seen: t, last_seen: t, new: i == 5 });
    }
    findings[1].message = "pipe | and\nnewline".into();
    let mut out = Vec::new();
    render(Format::Markdown, &ScanInfo::new("test", t), &findings, &Options::default(), &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(md.starts_with("## ❌ Warden: 12 failed of 60 findings"), "{md}");
    assert!(md.contains("| FAIL | 12 |") && md.contains("| PASS | 24 |"));
    assert!(md.contains("### New since the last scan: 1"));
    assert!(md.contains("bucket-5 grants"));
    assert!(md.contains("### Top failures"));
    for line in md.lines().filter(|l| l.starts_with('|')) {
        assert!(line.ends_with('|'), "{line}");
    }

    let clean: Vec<Finding> = (0..4).map(finding).filter(|f| f.status != Status::Fail).collect();
    let mut out = Vec::new();
    render(Format::Markdown, &ScanInfo::new("test", t), &clean, &Options::default(), &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(md.starts_with("## ✅ Warden: 0 failed"), "{md}");
    assert!(!md.contains("### Top failures"));
}
