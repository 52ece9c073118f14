//! Times each renderer over the findings of a JSON report, side by side with the JSON
//! renderer as the baseline, and prints size and time as a Markdown table.
//!
//! `warden scan --snapshot big.json.zst --format json -o findings.json --no-history`
//! then `cargo run --release -p warden-report --example render_bench -- findings.json [RUNS [OUT.html]]`
//! (OUT.html: also write the HTML report, e.g. to open it in a browser).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};
use warden_model::Finding;
use warden_report::{Format, Options, ScanInfo};

fn main() {
    let path = std::env::args().nth(1).expect("usage: render_bench FINDINGS.json [RUNS]");
    let runs: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let findings: Vec<Finding> = serde_json::from_value(doc["findings"].clone()).unwrap();
    let mut scan = ScanInfo::new(path.clone(), chrono::Utc::now());
    if let Some(c) = doc.get("scan").and_then(|s| s.get("compliance")) {
        scan.compliance = serde_json::from_value(c.clone()).unwrap_or_default();
    }
    let measure = |format: Format| -> (usize, Duration) {
        let mut best = Duration::MAX;
        let mut size = 0;
        for _ in 0..runs {
            let mut out = Vec::with_capacity(64 << 20);
            let t = Instant::now();
            warden_report::render(format, &scan, &findings, &Options::default(), &mut out).unwrap();
            best = best.min(t.elapsed());
            size = out.len();
        }
        (size, best)
    };
    if let Some(html) = std::env::args().nth(3) {
        let mut out = std::io::BufWriter::new(std::fs::File::create(html).unwrap());
        warden_report::render(Format::Html, &scan, &findings, &Options::default(), &mut out).unwrap();
    }
    let (json_size, json_time) = measure(Format::Json);
    println!("{} findings, best of {runs} runs\n", findings.len());
    println!("| format | size | size / JSON | time | time / JSON |");
    println!("|---|---:|---:|---:|---:|");
    for (name, f) in
        [("json", Format::Json), ("html", Format::Html), ("markdown", Format::Markdown), ("csv", Format::Csv)]
    {
        let (size, time) = if f == Format::Json { (json_size, json_time) } else { measure(f) };
        println!(
            "| {name} | {:.1} MB | {:.2} | {:.0} ms | {:.2} |",
            size as f64 / 1e6,
            size as f64 / json_size as f64,
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() / json_time.as_secs_f64()
        );
    }
}
