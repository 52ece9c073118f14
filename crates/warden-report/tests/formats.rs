//! Every format renders the same findings and parses back with a standard parser;
//! SARIF validates against the OASIS SARIF 2.1.0 schema (tests/data, from the OASIS
//! sarif-spec repository as shipped in the serde-sarif crate).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use warden_model::{Finding, Remediation, Resource, Severity, Status};
use warden_report::{Format, Options, ScanInfo, render};

fn finding(check: &str, status: Status, sev: Severity) -> Finding {
    let arn = format!("arn:aws:s3:::bucket-{check}-{status}");
    Finding {
        id: Finding::stable_id(check, &arn, ""),
        check_id: check.into(),
        title: format!("Title of {check} with \"quotes\", commas & <xml>"),
        service: "s3".into(),
        status,
        severity: sev,
        resource: Resource {
            arn,
            kind: "AwsS3Bucket".into(),
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            tags: BTreeMap::from([("env".into(), "prod".into())]),
        },
        message: "bucket is, in fact, \"public\"\nsecond line".into(),
        evidence: serde_json::json!({"statement": {"Effect": "Allow"}}).as_object().unwrap().clone(),
        remediation: Remediation {
            text: "Fix it.".into(),
            cli: Some("aws s3api ...".into()),
            references: vec!["https://docs.aws.amazon.com/".into()],
            ..Default::default()
        },
        compliance: BTreeMap::from([("cis-aws-7.0".into(), vec!["3.1.4".into()])]),
        muted_by: (status == Status::Muted).then(|| "mutelist `m.yaml` rule 1: accepted".into()),
        history: None,
    }
}

fn sample() -> Vec<Finding> {
    vec![
        finding("s3_a", Status::Fail, Severity::Critical),
        finding("s3_a", Status::Pass, Severity::Critical),
        finding("s3_b", Status::Error, Severity::Medium),
        finding("s3_c", Status::Manual, Severity::Info),
        finding("s3_d", Status::Muted, Severity::Low),
    ]
}

fn scan() -> ScanInfo {
    let mut s = ScanInfo::new("examples/x.json", "2026-11-01T12:00:00Z".parse().unwrap());
    s.accounts = vec!["111122223333".into()];
    s
}

fn out(format: Format) -> String {
    let mut buf = Vec::new();
    render(format, &scan(), &sample(), &Options::default(), &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn json_has_scan_summary_and_every_field() {
    let v: serde_json::Value = serde_json::from_str(&out(Format::Json)).unwrap();
    assert_eq!(v["summary"]["total"], 5);
    assert_eq!(v["summary"]["by_status"]["FAIL"], 1);
    let f = &v["findings"][0];
    for key in ["id", "check_id", "status", "severity", "resource", "message", "evidence", "remediation", "compliance"]
    {
        assert!(f.get(key).is_some(), "missing {key}");
    }
    for key in ["arn", "type", "account_id", "region"] {
        assert!(f["resource"].get(key).is_some(), "missing resource.{key}");
    }
}

#[test]
fn jsonl_is_one_finding_per_line() {
    let text = out(Format::Jsonl);
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    for l in lines {
        let f: Finding = serde_json::from_str(l).unwrap();
        assert_eq!(f.id.len(), 32);
    }
}

#[test]
fn csv_round_trips_awkward_text() {
    let text = out(Format::Csv);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[0][10], "bucket is, in fact, \"public\"\nsecond line");
    assert_eq!(&rows[0][11], "cis-aws-7.0:3.1.4");
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let schema: serde_json::Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&out(Format::Sarif)).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0]["kind"], "fail");
    assert_eq!(results[0]["level"], "error");
    assert!(results[4]["suppressions"][0]["justification"].as_str().unwrap().contains("accepted"));
    assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(), 4);
    // A document that breaks the schema is caught: the validator is really checking.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["kind"] = serde_json::json!("bogus");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn ocsf_is_compliance_finding_class() {
    let v: Vec<serde_json::Value> = serde_json::from_str(&out(Format::Ocsf)).unwrap();
    assert_eq!(v.len(), 5);
    assert!(v.iter().all(|e| e["class_uid"] == 2003 && e["type_uid"] == 200301));
    assert_eq!(v[0]["compliance"]["status_id"], 3);
    assert_eq!(v[1]["compliance"]["status_id"], 1);
    assert_eq!(v[4]["status_id"], 3);
    assert_eq!(v[0]["severity_id"], 5);
}

#[test]
fn asff_has_the_required_fields() {
    let v: Vec<serde_json::Value> = serde_json::from_str(&out(Format::Asff)).unwrap();
    let required = [
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "Types",
        "CreatedAt",
        "UpdatedAt",
        "Severity",
        "Title",
        "Description",
        "Resources",
    ];
    for f in &v {
        for key in required {
            assert!(f.get(key).is_some(), "missing {key}");
        }
    }
    assert_eq!(v[0]["Compliance"]["Status"], "FAILED");
    assert_eq!(v[4]["Workflow"]["Status"], "SUPPRESSED");
    assert_eq!(v[0]["ProductArn"], "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default");
}

#[test]
fn asff_keeps_related_requirements_within_the_api_limit() {
    let mut f = finding("s3_a", Status::Fail, Severity::High);
    f.compliance = BTreeMap::from([
        ("cis-aws-7.0".into(), vec!["3.1.4".into()]),
        ("nist-800-53-r5".into(), (0..40).map(|i| format!("SC-7({i})")).collect()),
    ]);
    let mut buf = Vec::new();
    render(Format::Asff, &scan(), &[f], &Options::default(), &mut buf).unwrap();
    let v: Vec<serde_json::Value> = serde_json::from_slice(&buf).unwrap();
    let related = v[0]["Compliance"]["RelatedRequirements"].as_array().unwrap();
    assert_eq!(related.len(), 32);
    assert_eq!(related[0], "cis-aws-7.0 3.1.4");
}

#[test]
fn junit_parses_and_counts() {
    let text = out(Format::Junit);
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => match e.name().as_ref() {
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                b"error" => errors += 1,
                b"skipped" => skipped += 1,
                _ => {}
            },
            _ => {}
        }
    }
    assert_eq!((cases, failures, errors, skipped), (5, 1, 1, 2));
    assert!(text.contains("&lt;xml&gt;") || !text.contains("<xml>"));
}

#[test]
fn table_shows_problems_and_summary_without_colour_codes() {
    let text = out(Format::Table);
    assert!(text.contains("FAIL") && text.contains("s3_a"));
    assert!(!text.contains("\u{1b}["), "no ANSI codes when colour is off");
    assert!(text.contains("5 findings: 1 FAIL (1 critical), 1 PASS, 1 ERROR, 1 MANUAL, 1 MUTED"));
    let mut coloured = Vec::new();
    let opts = Options { color: true, ..Default::default() };
    render(Format::Table, &scan(), &sample(), &opts, &mut coloured).unwrap();
    assert!(String::from_utf8(coloured).unwrap().contains("\u{1b}["));
}

#[test]
fn format_names_parse() {
    for name in Format::NAMES {
        assert!(name.parse::<Format>().is_ok());
    }
    assert!("xml".parse::<Format>().unwrap_err().contains("expected one of"));
}
