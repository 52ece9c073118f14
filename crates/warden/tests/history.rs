//! The scan history through the real binary: two scans with one weakness fixed, mutes,
//! `--since-last`, `diff` in every format, `report`, and a corrupt database. Every run
//! points `WARDEN_DB` at a temporary file, never at the user's data directory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "live_support.rs"]
mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{fixed_copy, repo};

fn example() -> PathBuf {
    repo().join("examples/northwind.json")
}

fn warden(db: &Path) -> Command {
    let mut c = Command::cargo_bin("warden").unwrap();
    c.env("WARDEN_DB", db).env_remove("NO_COLOR").env_remove("WARDEN_LOG");
    c
}

fn json_of(c: &mut Command) -> Value {
    let out = c.output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn findings(v: &Value) -> Vec<Value> {
    v["findings"].as_array().cloned().unwrap_or_else(|| v.as_array().cloned().unwrap())
}

#[test]
fn diff_shows_exactly_the_fixed_weakness_as_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let fixed = fixed_copy(dir.path());
    let before = json_of(warden(&db).arg("scan").arg("--snapshot").arg(example()).args(["--format", "json"]));
    let target: Vec<Value> = findings(&before)
        .into_iter()
        .filter(|f| f["status"] == "FAIL" && f["resource"]["arn"].as_str().unwrap().ends_with("snap-c0470af30e2aff794"))
        .collect();
    // Two checks judge it: the public-snapshot check and the exposure analysis.
    let ids: std::collections::BTreeSet<&str> = target.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "the public snapshot fails two checks: {target:#?}");
    json_of(warden(&db).arg("scan").arg("--snapshot").arg(&fixed).args(["--format", "json"]));

    let diff = json_of(warden(&db).args(["diff", "--format", "json"]));
    let rows = findings(&diff);
    assert_eq!(
        rows.iter().map(|r| r["id"].as_str().unwrap()).collect::<std::collections::BTreeSet<_>>(),
        ids,
        "{rows:#?}"
    );
    assert!(rows.iter().all(|r| r["evidence"]["change"] == "resolved" && r["status"] == "PASS"), "{rows:#?}");
    // A fix is not a failure: exit 0.
    let out = warden(&db).arg("diff").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("0 new, 2 resolved, 0 changed"), "{text}");

    // The other way round, the weakness is new and the diff exits 1.
    let out = warden(&db).args(["diff", "2", "1", "--format", "jsonl"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["evidence"]["change"] == "new"));

    // Every output format renders the diff.
    for format in ["table", "json", "jsonl", "csv", "sarif", "ocsf", "asff", "junit", "html", "markdown"] {
        let out = warden(&db).args(["diff", "1", "2", "--format", format]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!out.stdout.is_empty(), "{format}");
    }

    // History lists both scans.
    let h = json_of(warden(&db).args(["history", "--json"]));
    assert_eq!(h.as_array().unwrap().len(), 2);
    assert_eq!(h[0]["scope"], h[1]["scope"]);
}

#[test]
fn since_last_marks_new_findings_and_keeps_first_seen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let fixed = fixed_copy(dir.path());
    let first =
        json_of(warden(&db).arg("scan").arg("--snapshot").arg(&fixed).args(["--since-last", "--format", "json"]));
    assert!(findings(&first).iter().all(|f| f["history"]["new"] == true), "first scan: all new");
    let second =
        json_of(warden(&db).arg("scan").arg("--snapshot").arg(example()).args(["--since-last", "--format", "json"]));
    let new: Vec<Value> = findings(&second).into_iter().filter(|f| f["history"]["new"] == true).collect();
    // The public snapshot came back (PASS → FAIL): its two findings are the only ones
    // with a new status.
    assert_eq!(new.len(), 2, "{new:#?}");
    assert!(
        new.iter().all(
            |f| f["status"] == "FAIL" && f["resource"]["arn"].as_str().unwrap().ends_with("snap-c0470af30e2aff794")
        )
    );
    let f0 = &findings(&second)[0];
    assert!(f0["history"]["first_seen"].as_str().unwrap() < f0["history"]["last_seen"].as_str().unwrap());

    let md = warden(&db)
        .arg("scan")
        .arg("--snapshot")
        .arg(example())
        .args(["--since-last", "--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("### New since the last scan: 0"), "{md}");
    assert!(md.contains("### Compliance") && md.contains("| Status | Count |"), "{md}");
}

#[test]
fn store_mutes_apply_show_in_reports_and_expire() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let scan = json_of(warden(&db).arg("scan").arg("--snapshot").arg(example()).args(["--format", "json"]));
    let victim = findings(&scan)
        .into_iter()
        .find(|f| f["status"] == "FAIL" && f["compliance"].as_object().is_some_and(|c| !c.is_empty()))
        .unwrap();
    let id = victim["id"].as_str().unwrap().to_owned();

    warden(&db).args(["mute", &id, "--reason", "accepted by the CISO", "--until", "2999-01-01"]).assert().success();
    let out = warden(&db).args(["mute", &id, "--reason", "x", "--until", "2001-01-01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a mute in the past is refused");
    let out = warden(&db).args(["mute", "not an id", "--reason", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    let again = json_of(warden(&db).arg("scan").arg("--snapshot").arg(example()).args(["--format", "json"]));
    let f = findings(&again).into_iter().find(|f| f["id"] == id.as_str()).unwrap();
    assert_eq!(f["status"], "MUTED");
    assert!(f["muted_by"].as_str().unwrap().contains("accepted by the CISO"));
    // The compliance views count it as muted too.
    let reqs: Vec<&Value> = again["scan"]["compliance"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|fw| fw["requirements"].as_array().unwrap())
        .filter(|r| r["finding_ids"].as_array().unwrap().iter().any(|x| x == id.as_str()))
        .collect();
    assert!(!reqs.is_empty());
    assert!(reqs.iter().all(|r| r["counts"]["MUTED"].as_u64().unwrap_or(0) >= 1), "{reqs:#?}");

    // The HTML report of the stored scan lists the suppression.
    let html = dir.path().join("r.html");
    warden(&db).args(["report", "-o"]).arg(&html).assert().success();
    let html = std::fs::read_to_string(html).unwrap();
    assert!(html.contains("store mute") && html.contains("accepted by the CISO"));

    let listed = warden(&db).arg("mutes").output().unwrap();
    assert!(String::from_utf8(listed.stdout).unwrap().contains("until 2999-01-01"));
    warden(&db).args(["unmute", &id]).assert().success();
    warden(&db).args(["unmute", &id]).assert().code(2);
    let after = json_of(warden(&db).arg("scan").arg("--snapshot").arg(example()).args(["--format", "json"]));
    let f = findings(&after).into_iter().find(|f| f["id"] == id.as_str()).unwrap();
    assert_eq!(f["status"], "FAIL");
}

#[test]
fn corrupt_database_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    std::fs::write(&db, vec![0x5a_u8; 8192]).unwrap();
    for args in [&["history"][..], &["scan", "--example"][..], &["diff"][..]] {
        let out = warden(&db).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("corrupt or not a Warden database") && err.contains("h.db"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

#[test]
fn diff_needs_two_scans_and_no_history_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let unused = dir.path().join("unused.db");
    json_of(warden(&unused).args(["scan", "--example", "--no-history", "--format", "json"]));
    assert!(!unused.exists());
    warden(&db).args(["diff"]).assert().code(2);
    json_of(warden(&db).args(["scan", "--example", "--format", "json"]));
    let out = warden(&db).args(["diff"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only one scan"));
}
