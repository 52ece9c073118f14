//! Every built-in rule carries examples that must fire and must not fire; this runs them
//! all, through the indexed matcher and through the whole detector.

use serde_json::Value;
use warden_detect::{DetectOptions, Detector, builtin_rules};

#[test]
fn builtin_rules_all_load() {
    let set = builtin_rules();
    let bad: Vec<_> = set.status().iter().filter(|s| s.unsupported.is_some()).collect();
    assert!(bad.is_empty(), "built-in rules failed to load: {bad:#?}");
    assert!(set.rules().len() >= 50, "{}", set.rules().len());
    assert!(set.correlations().len() >= 5);
    // Rules that cannot be indexed by eventName run on every event: keep them few.
    assert_eq!(set.matcher().unindexed(), 5);
}

#[test]
fn builtin_rules_have_metadata_and_examples() {
    let set = builtin_rules();
    let mut ids = std::collections::HashSet::new();
    for r in set.rules() {
        assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
        assert!(!r.examples.must_fire.is_empty(), "{}: no must-fire example", r.id);
        assert!(!r.examples.must_not_fire.is_empty(), "{}: no must-not-fire example", r.id);
        assert!(r.tags.iter().any(|t| t.starts_with("attack.")), "{}: no ATT&CK tag", r.id);
        assert!(!r.description.is_empty(), "{}: no description", r.id);
    }
    for c in set.correlations() {
        assert!(ids.insert(c.id.clone()), "duplicate id {}", c.id);
        assert!(!c.examples.must_fire.is_empty() && !c.examples.must_not_fire.is_empty(), "{}: examples", c.id);
        assert!(c.tags.iter().any(|t| t.starts_with("attack.t")), "{}: no ATT&CK technique", c.id);
    }
}

#[test]
fn builtin_rule_examples() {
    let set = builtin_rules();
    let mut failures = Vec::new();
    for (i, r) in set.rules().iter().enumerate() {
        for (want, examples) in [(true, &r.examples.must_fire), (false, &r.examples.must_not_fire)] {
            for (n, ev) in examples.iter().enumerate() {
                let ev = &warden_detect::value::Val::from_json(ev);
                let direct = set.matcher().eval_one(i, ev);
                let mut out = Vec::new();
                set.matcher().matches(ev, &mut String::new(), &mut out);
                let indexed = out.contains(&(i as u32));
                if direct != want || indexed != want {
                    failures.push(format!("{} example {n}: want {want}, direct {direct}, indexed {indexed}", r.id));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn findings_for(events: &[Value]) -> Vec<String> {
    let mut d = Detector::new(builtin_rules(), DetectOptions { no_stateful: true, ..DetectOptions::default() });
    for e in events {
        d.event(e);
    }
    d.finish().findings.into_iter().map(|f| f.check_id).collect()
}

#[test]
fn builtin_correlation_examples() {
    let set = builtin_rules();
    let mut failures = Vec::new();
    for c in set.correlations() {
        for (want, seqs) in [(true, &c.examples.must_fire), (false, &c.examples.must_not_fire)] {
            for (n, seq) in seqs.iter().enumerate() {
                let got = findings_for(seq).contains(&c.id);
                if got != want {
                    failures.push(format!("{} sequence {n}: want {want}", c.id));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn single_rule_findings_carry_attack_ids_and_evidence() {
    let set = builtin_rules();
    let r = set.rules().iter().find(|r| r.id == "warden_cloudtrail_logging_stopped").unwrap();
    let ev = r.examples.must_fire[0].clone();
    let mut d = Detector::new(builtin_rules(), DetectOptions { no_stateful: true, ..DetectOptions::default() });
    d.event(&ev);
    d.event(&ev);
    let out = d.finish();
    let f = out.findings.iter().find(|f| f.check_id == r.id).unwrap();
    assert_eq!(f.status, warden_model::Status::Fail);
    assert_eq!(f.resource.arn, "arn:aws:iam::111122223333:user/alice");
    assert_eq!(f.compliance["mitre-attack"], vec!["T1562.008", "defense-evasion"]);
    assert_eq!(f.evidence["count"], 2);
    assert_eq!(f.evidence["event_ids"].as_array().unwrap().len(), 2);
    assert_eq!(f.evidence["source_ips"], serde_json::json!(["203.0.113.10"]));
    assert_eq!(f.id, warden_model::Finding::stable_id(&r.id, &f.resource.arn, ""));
    let cis = out.findings.iter().find(|f| f.check_id == "warden_cis_cloudtrail_config_change").unwrap();
    assert_eq!(cis.compliance["cis-aws-7.0"], vec!["5.5"]);
}
