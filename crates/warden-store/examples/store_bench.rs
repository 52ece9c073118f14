//! Times the history store over the findings of a JSON report: recording a scan, reading
//! it back, and diffing two scans, beside serialising the same findings to JSON (the
//! JSON renderer's core) as the baseline. Prints a Markdown table.
//!
//! `cargo run --release -p warden-store --example store_bench -- findings.json`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;
use warden_model::{Finding, Status};
use warden_store::{NewScan, Store};

fn main() {
    let path = std::env::args().nth(1).expect("usage: store_bench FINDINGS.json");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let findings: Vec<Finding> = serde_json::from_value(doc["findings"].clone()).unwrap();
    let mut later = findings.clone();
    for f in later.iter_mut().step_by(100) {
        f.status = if f.status == Status::Fail { Status::Pass } else { Status::Fail };
    }
    let dir = std::env::temp_dir().join(format!("warden-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("h.db");

    let t = Instant::now();
    let json = serde_json::to_vec(&findings).unwrap();
    let baseline = t.elapsed().as_secs_f64();

    let mut store = Store::open(&db).unwrap();
    let scan = |at: &str| NewScan {
        started_at: at.parse().unwrap(),
        source: "bench",
        scope: "snapshot:bench",
        tool_version: "bench",
    };
    let t = Instant::now();
    let a = store.record(&scan("2026-11-01T00:00:00Z"), &findings).unwrap();
    let record = t.elapsed().as_secs_f64();
    let b = store.record(&scan("2026-11-02T00:00:00Z"), &later).unwrap();
    let t = Instant::now();
    let back = store.findings(b.id).unwrap();
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let d = store.diff(a.id, b.id).unwrap();
    let diff = t.elapsed().as_secs_f64();
    let mut with_history = later.clone();
    let t = Instant::now();
    store.fill_history(&mut with_history, Some(a.id)).unwrap();
    let history = t.elapsed().as_secs_f64();
    drop(store);
    let size = std::fs::metadata(&db).unwrap().len()
        + std::fs::metadata(db.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0);

    println!(
        "{} findings ({} read back); diff: {} new, {} resolved, {} changed\n",
        findings.len(),
        back.len(),
        d.new.len(),
        d.resolved.len(),
        d.changed.len()
    );
    println!("| operation | time | time / JSON serialisation |");
    println!("|---|---:|---:|");
    for (name, secs) in [
        ("serialise to JSON (baseline)", baseline),
        ("record one scan (one transaction)", record),
        ("read a scan back", load),
        ("diff two scans", diff),
        ("fill first/last seen + new (`--since-last`)", history),
    ] {
        println!("| {name} | {:.0} ms | {:.2} |", secs * 1e3, secs / baseline);
    }
    println!("\nJSON: {:.1} MB; database with two scans: {:.1} MB", json.len() as f64 / 1e6, size as f64 / 1e6);
    std::fs::remove_dir_all(&dir).unwrap();
}
