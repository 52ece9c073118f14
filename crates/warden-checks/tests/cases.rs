//! Runs the table-driven check cases in `tests/cases/*.yaml`.
//!
//! Each case is a small inventory, the check to run, and the exact count of findings
//! per status it must produce. Every built-in check must have at least one case that
//! fires (a FAIL) and one that must not (findings, none of them FAIL or ERROR).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use warden_checks::{Config, Registry, Selection};
use warden_model::inventory::{Account, Organization};
use warden_model::{Inventory, Observed, Snapshot, Status};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    check: String,
    name: String,
    #[serde(default)]
    now: Option<chrono::DateTime<chrono::Utc>>,
    accounts: Vec<Account>,
    /// The organization the accounts belong to (default: not collected).
    #[serde(default)]
    organization: Observed<Option<Organization>>,
    /// Accounts trusted besides the estate and its organization (`--trusted-accounts`).
    #[serde(default)]
    trusted_accounts: Vec<String>,
    expect: BTreeMap<Status, usize>,
    /// Substrings the first non-PASS finding's message must contain.
    #[serde(default)]
    message: Vec<String>,
}

fn load() -> Vec<(String, Case)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut all = Vec::new();
    for f in files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let text = std::fs::read_to_string(&f).unwrap();
        // Through JSON, so enums such as `Observed` read as `{known: …}` maps exactly as
        // in snapshots (YAML would want `!known` tags).
        // YAML merge keys (`<<: *anchor`) let cases share a base network and override parts.
        let mut yaml: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        yaml.apply_merge().unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let value = serde_json::to_value(&yaml).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let cases: Vec<Case> = serde_json::from_value(value).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let file = f.file_name().unwrap().to_string_lossy().into_owned();
        all.extend(cases.into_iter().map(|c| (file.clone(), c)));
    }
    all
}

#[test]
fn every_case_gives_its_expected_statuses() {
    let reg = Registry::builtin().unwrap();
    let default_now: chrono::DateTime<chrono::Utc> = "2026-11-01T00:00:00Z".parse().unwrap();
    let mut failures = Vec::new();
    for (file, case) in load() {
        let now = case.now.unwrap_or(default_now);
        let snap = Snapshot::new("case", now, Inventory { accounts: case.accounts, organization: case.organization });
        let sel = Selection { checks: vec![case.check.clone()], ..Default::default() };
        let config = Config { trusted_accounts: case.trusted_accounts.clone() };
        let findings = reg.run_with(&snap, &sel, &config, now, &mut |_| {}).unwrap();
        let mut got: BTreeMap<Status, usize> = BTreeMap::new();
        for f in &findings {
            assert_eq!(f.check_id, case.check);
            *got.entry(f.status).or_default() += 1;
        }
        if got != case.expect {
            let msgs: Vec<_> = findings.iter().map(|f| format!("{} {}", f.status, f.message)).collect();
            failures.push(format!(
                "{file}: `{}` ({}): expected {:?}, got {:?}\n    {}",
                case.name,
                case.check,
                case.expect,
                got,
                msgs.join("\n    ")
            ));
            continue;
        }
        if let Some(f) = findings.iter().find(|f| f.status != Status::Pass) {
            for needle in &case.message {
                if !f.message.contains(needle.as_str()) {
                    failures.push(format!("{file}: `{}`: message `{}` lacks `{needle}`", case.name, f.message));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_check_has_a_firing_and_a_quiet_case() {
    let reg = Registry::builtin().unwrap();
    let cases = load();
    let fires: BTreeSet<&str> = cases
        .iter()
        .filter(|(_, c)| c.expect.get(&Status::Fail).is_some_and(|n| *n > 0))
        .map(|(_, c)| c.check.as_str())
        .collect();
    let quiet: BTreeSet<&str> = cases
        .iter()
        .filter(|(_, c)| c.expect.keys().all(|s| *s == Status::Pass) && !c.expect.is_empty())
        .map(|(_, c)| c.check.as_str())
        .collect();
    let mut missing = Vec::new();
    for m in reg.checks() {
        if !fires.contains(m.id.as_str()) {
            missing.push(format!("{}: no case that must fire", m.id));
        }
        if !quiet.contains(m.id.as_str()) {
            missing.push(format!("{}: no case that must not fire", m.id));
        }
    }
    for (_, c) in &cases {
        assert!(reg.check(&c.check).is_some(), "case `{}` names unknown check `{}`", c.name, c.check);
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
