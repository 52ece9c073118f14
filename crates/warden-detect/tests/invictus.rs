//! Runs every built-in rule and stateful detector over the invictus-ir CloudTrail sample
//! (one hour of a Stratus Red Team run with background activity; MIT, see the data's
//! LICENSE) and pins the detections.

use std::collections::BTreeMap;
use std::path::PathBuf;
use warden_detect::{DetectOptions, Detector, builtin_rules};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail/invictus")
}

#[test]
fn invictus_detections_are_pinned() {
    let dir = data();
    assert!(dir.is_dir(), "test data missing: {} (CI clones the repo beside shared/)", dir.display());
    let mut d = Detector::new(builtin_rules(), DetectOptions::default());
    d.read_cloudtrail(&[dir]);
    let out = d.finish();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.stats.events, 2900);
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    for f in &out.findings {
        *got.entry(f.check_id.clone()).or_default() += f.evidence["count"].as_u64().unwrap();
    }
    let text: String = got.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    let pinned = include_str!("invictus_detections.txt");
    if text != pinned {
        let _ = std::fs::write(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/invictus_detections.actual.txt"),
            &text,
        );
    }
    assert_eq!(text, pinned, "detections changed; see tests/invictus_detections.actual.txt");
}
