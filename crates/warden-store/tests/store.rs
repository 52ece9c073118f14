//! The store against real files: round trips, diffs, mutes, a writer killed mid-write,
//! and files that are not Warden databases.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use std::collections::BTreeMap;
use std::time::Duration;
use warden_model::{Finding, Remediation, Resource, Severity, Status};
use warden_store::{NewScan, Store, diff, scope_of};

fn finding(i: usize, status: Status) -> Finding {
    let arn = format!("arn:aws:s3:::bucket-{i}");
    Finding {
        id: Finding::stable_id("s3_bucket_public", &arn, ""),
        check_id: "s3_bucket_public".into(),
        title: "S3 bucket is not public".into(),
        service: "s3".into(),
        status,
        severity: Severity::High,
        resource: Resource {
            arn,
            kind: "AWS::S3::Bucket".into(),
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            tags: BTreeMap::new(),
        },
        message: format!("bucket {i}"),
        evidence: Default::default(),
        remediation: Remediation::default(),
        compliance: BTreeMap::new(),
        muted_by: None,
        history: None,
    }
}

fn scan_meta(day: u32) -> NewScan<'static> {
    NewScan {
        started_at: Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).single().unwrap(),
        source: "test",
        scope: "snapshot:111122223333",
        tool_version: "0.1.0",
    }
}

#[test]
fn records_lists_and_diffs_scans() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("sub/h.db")).unwrap();
    let first: Vec<Finding> = (0..5).map(|i| finding(i, if i < 3 { Status::Fail } else { Status::Pass })).collect();
    let a = store.record(&scan_meta(1), &first).unwrap();
    let mut second = first.clone();
    second[0].status = Status::Pass; // fixed
    second[3].status = Status::Fail; // regressed
    second[1].severity = Severity::Critical; // changed
    second.remove(2); // gone while failing: resolved
    let b = store.record(&scan_meta(2), &second).unwrap();
    assert_eq!(a.total, 5);
    assert_eq!(b.by_status.get(&Status::Fail), Some(&2));
    assert_eq!(store.scans().unwrap().len(), 2);
    assert_eq!(store.previous_of_scope("snapshot:111122223333", Some(b.id)).unwrap(), Some(a.id));
    assert_eq!(store.previous_of_scope("aws:1", None).unwrap(), None);

    let d = store.diff(a.id, b.id).unwrap();
    let ids = |v: &[Finding]| v.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&d.new), vec![first[3].id.clone()]);
    assert_eq!(ids(&d.resolved), vec![first[0].id.clone(), first[2].id.clone()]);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].1.severity, Severity::Critical);
    // No change, no diff.
    assert!(diff(first.clone(), first.clone()).new.is_empty());

    let mut again = second.clone();
    store.fill_history(&mut again, Some(a.id)).unwrap();
    let h = again[0].history.as_ref().unwrap();
    assert_eq!(h.first_seen, scan_meta(1).started_at);
    assert_eq!(h.last_seen, scan_meta(2).started_at);
    assert!(h.new, "FAIL then PASS: a new status");
    assert!(!again[3].history.as_ref().unwrap().new || again[3].status != first[3].status);
    assert!(!again.iter().find(|f| f.id == first[4].id).unwrap().history.as_ref().unwrap().new);
    assert!(matches!(store.diff(a.id, 99), Err(warden_store::Error::NoScan(99))));
}

#[test]
fn mutes_apply_expire_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("h.db")).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).single().unwrap();
    let mut fs: Vec<Finding> = (0..3).map(|i| finding(i, Status::Fail)).collect();
    fs[2].status = Status::Pass;
    store.mute(&fs[0].id, "accepted risk", None, now).unwrap();
    store.mute(&fs[1].id, "waiting on vendor", Some(now - chrono::Duration::days(1)), now).unwrap();
    store.mute(&fs[2].id, "pass stays pass", None, now).unwrap();
    assert!(store.mute("bad id!", "x", None, now).is_err());
    assert!(store.mute(&fs[0].id, "  ", None, now).is_err());
    let notes = warden_store::apply_mutes(&store.mutes().unwrap(), &mut fs, now);
    assert_eq!(fs[0].status, Status::Muted);
    assert!(fs[0].muted_by.as_deref().unwrap().contains("accepted risk"));
    assert_eq!(fs[1].status, Status::Fail, "expired mute does not apply");
    assert_eq!(fs[2].status, Status::Pass);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("expired on 2026-11-28"), "{notes:?}");
    assert!(store.unmute(&fs[0].id).unwrap());
    assert!(!store.unmute(&fs[0].id).unwrap());
    assert_eq!(store.mutes().unwrap().len(), 2);
}

#[test]
fn scope_is_sorted_and_deduplicated() {
    assert_eq!(scope_of("snapshot", &["2".into(), "1".into(), "2".into()]), "snapshot:1,2");
}

#[test]
fn garbage_file_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("h.db");
    std::fs::write(&p, b"this is not a database at all, just some text that is long enough to fill a header....")
        .unwrap();
    let err = Store::open(&p).err().expect("garbage must not open");
    let msg = err.to_string();
    assert!(matches!(err, warden_store::Error::Corrupt { .. }), "{msg}");
    assert!(msg.contains("corrupt or not a Warden database") && msg.contains("h.db"), "{msg}");
    assert!(!msg.contains('\n'));

    // A real SQLite file of someone else's is refused too, not written to.
    let other = dir.path().join("other.db");
    foreign_sqlite_file(&other);
    assert!(matches!(Store::open(&other), Err(warden_store::Error::Corrupt { .. })));
}

/// A valid SQLite file with a foreign table, made through a Warden store then altered.
fn foreign_sqlite_file(p: &std::path::Path) {
    // Write a Warden store, then zero its user_version by truncating the header field.
    drop(Store::open(p).unwrap());
    let mut bytes = std::fs::read(p).unwrap();
    // The user version lives at offset 60 of the SQLite header (4 bytes, big endian).
    bytes[60..64].copy_from_slice(&[0, 0, 0, 0]);
    std::fs::write(p, bytes).unwrap();
    let _ = std::fs::remove_file(p.with_extension("db-wal"));
    let _ = std::fs::remove_file(p.with_extension("db-shm"));
}

/// Runs only as the child of `survives_a_writer_killed_mid_write`: records scans forever.
#[test]
fn writer_child() {
    let Ok(path) = std::env::var("WARDEN_STORE_CHILD_DB") else { return };
    let mut store = Store::open(std::path::Path::new(&path)).unwrap();
    let findings: Vec<Finding> = (0..2_000).map(|i| finding(i, Status::Fail)).collect();
    loop {
        store.record(&scan_meta(1), &findings).unwrap();
    }
}

#[test]
fn survives_a_writer_killed_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("h.db");
    drop(Store::open(&p).unwrap());
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
        .env("WARDEN_STORE_CHILD_DB", &p)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until a few scans are committed, then kill while it is writing the next one.
    let mut committed = 0;
    for _ in 0..600 {
        std::thread::sleep(Duration::from_millis(50));
        committed = Store::open(&p).unwrap().scans().unwrap().len();
        if committed >= 3 {
            break;
        }
    }
    assert!(committed >= 3, "the writer never committed a scan");
    std::thread::sleep(Duration::from_millis(37));
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no rollback by the child
    child.wait().unwrap();

    let store = Store::open(&p).unwrap();
    let scans = store.scans().unwrap();
    assert!(scans.len() >= committed);
    for s in &scans {
        assert_eq!(s.total, 2_000);
        assert_eq!(store.findings(s.id).unwrap().len(), 2_000, "scan #{} is partial", s.id);
    }
    // And it still takes writes.
    let mut store = store;
    store.record(&scan_meta(3), &[finding(1, Status::Pass)]).unwrap();
}
