//! Loading a directory of rules written in the style of the community CloudTrail rules:
//! each rule is reported as loaded or as unsupported with its reason, none silently dropped.

use serde_json::json;
use std::path::PathBuf;
use warden_detect::{DetectOptions, Detector, RuleSet};

#[test]
fn every_rule_is_loaded_or_explained() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sigma_style");
    let files = std::fs::read_dir(&dir).unwrap().count();
    let mut set = RuleSet::new();
    set.add_path(&dir).unwrap();
    set.finish();
    assert_eq!(set.status().len(), files, "one status per rule file: {:#?}", set.status());
    let reason = |title: &str| -> Option<String> {
        let s = set
            .status()
            .iter()
            .find(|s| s.rule == title)
            .unwrap_or_else(|| panic!("{title} missing: {:#?}", set.status()));
        s.unsupported.clone()
    };
    assert_eq!(reason("Trail Logging Turned Off"), None);
    assert_eq!(reason("Suspicious Tooling In User Agent"), None);
    assert!(reason("Key Created For A Different User").unwrap().contains("fieldref"), "contains|fieldref combination");
    assert!(reason("Keyword Search Over Events").unwrap().contains("keyword"));
    assert!(reason("Encoded Command In User Data").unwrap().contains("base64offset"));
    assert!(reason("Many Failed Logins (Legacy Aggregation)").unwrap().contains("correlation"));
    assert!(reason("A Windows Process Rule").unwrap().contains("not AWS CloudTrail"));
    assert!(set.status().iter().any(
        |s| s.file.ends_with("broken.yml") && s.unsupported.as_deref().is_some_and(|r| r.contains("invalid YAML"))
    ));

    let mut d = Detector::new(set, DetectOptions { no_stateful: true, ..DetectOptions::default() });
    d.event(&json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "eventID": "1"}));
    d.event(&json!({"eventName": "GetCallerIdentity", "userAgent": "Pacu/1.0", "sourceIPAddress": "198.51.100.1", "eventID": "2"}));
    d.event(&json!({"eventName": "GetCallerIdentity", "userAgent": "ScoutSuite/5", "sourceIPAddress": "10.1.1.1", "eventID": "3"}));
    let ids: Vec<String> = d.finish().findings.into_iter().map(|f| f.check_id).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
}
