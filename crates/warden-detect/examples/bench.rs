//! Throughput benchmark for `docs/benchmarks-detect.md`: events per second on one core
//! over generated gzip CloudTrail, side by side with `gzip -dc`, decompression alone and
//! decompression plus JSON parsing, on the same files.
//!
//! cargo run --release -p warden-detect --example bench -- [--events N] [--dir DIR] [--dump FILE] [--stage all|detect|detect1000|parse|parse-value|parse-tape|split]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use warden_detect::generate::{GenConfig, builtin_attacks, generate};
use warden_detect::reader::{
    ReadLimits, expand_paths, for_each_event, for_each_record, is_cloudtrail_name, read_bytes,
};
use warden_detect::{DetectOptions, Detector, RuleSet, add_builtin, builtin_rules};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// CPU seconds (user + system) of this process and its waited-for children, from
/// `/proc/self/stat` (clock ticks of 1/100 s). Under a shared, loaded machine CPU time is a
/// steadier measure of per-core throughput than wall time.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    // After the command name: state(0) … utime(11) stime(12) cutime(13) cstime(14).
    (f.get(11).copied().unwrap_or(0.0)
        + f.get(12).copied().unwrap_or(0.0)
        + f.get(13).copied().unwrap_or(0.0)
        + f.get(14).copied().unwrap_or(0.0))
        / 100.0
}

struct Clock {
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn start() -> Self {
        Clock { wall: Instant::now(), cpu: cpu_secs() }
    }
    fn stop(&self) -> (f64, f64) {
        (self.wall.elapsed().as_secs_f64(), cpu_secs() - self.cpu)
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// 1,000 extra rules of the built-in pack's shape, each on its own event name, plus the pack.
fn thousand_rules() -> RuleSet {
    let mut set = RuleSet::new();
    add_builtin(&mut set);
    let n = 1000 - set.status().len();
    for i in 0..n {
        let text = format!(
            "title: Synthetic {i}\nid: synthetic_{i}\nlogsource: {{product: aws, service: cloudtrail}}\ndetection:\n  selection:\n    eventSource: svc{m}.amazonaws.com\n    eventName: [SyntheticCall{i}, OtherCall{i}]\n    requestParameters.name|contains: secret-{i}\n  filter:\n    errorCode|exists: true\n  condition: selection and not filter\nlevel: low\ntags: [attack.discovery]\n",
            m = i % 40
        );
        set.add_text(&text, Path::new("synthetic.yml"));
    }
    set.finish();
    set
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let events: u64 = arg("--events").and_then(|s| s.parse().ok()).unwrap_or(500_000);
    let stage = arg("--stage").unwrap_or_else(|| "all".into());
    let dir =
        arg("--dir").map(PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join(format!("warden-bench-{events}")));
    if !dir.join("done").exists() {
        let t = Clock::start();
        let cfg = GenConfig { events, ..GenConfig::default() };
        let sum = generate(&dir, &cfg, &builtin_attacks())?;
        std::fs::write(dir.join("done"), format!("{sum:?}")).ok();
        eprintln!(
            "generated {} events ({} attack events) in {} files, {:.1} MB uncompressed, {:.1} MB gz, {:.1}s",
            sum.events,
            sum.attacks,
            sum.files.len(),
            sum.bytes_uncompressed as f64 / 1e6,
            sum.bytes_compressed as f64 / 1e6,
            t.stop().0
        );
    }
    let limits = ReadLimits::default();
    let files = expand_paths(std::slice::from_ref(&dir), &limits, is_cloudtrail_name, &mut Vec::new());
    println!("{:<44} {:>9} {:>9} {:>14} {:>14}", "stage", "wall s", "cpu s", "events/s wall", "events/s/core");
    let rate = |label: &str, (wall, cpu): (f64, f64), n: u64| {
        println!("{label:<44} {wall:>9.3} {cpu:>9.2} {:>14.0} {:>14.0}", n as f64 / wall, n as f64 / cpu.max(0.01));
        n as f64 / cpu.max(0.01)
    };
    let mut results = Vec::new();
    if stage == "all" {
        let t = Clock::start();
        let st = Command::new("gzip").arg("-dc").args(&files).stdout(Stdio::null()).status();
        if st.is_ok_and(|s| s.success()) {
            results.push(("gzip -dc", rate("gzip -dc (external, same files)", t.stop(), events)));
        }
        let t = Clock::start();
        let mut bytes = 0u64;
        for f in &files {
            bytes += read_bytes(f, &limits).0.len() as u64;
        }
        results.push(("decompress", rate("decompress only (flate2)", t.stop(), events)));
        eprintln!("  {:.1} MB decompressed", bytes as f64 / 1e6);
    }
    if stage == "all" || stage == "parse-value" {
        let t = Clock::start();
        let mut n = 0u64;
        for f in &files {
            let (buf, _) = read_bytes(f, &limits);
            let v: serde_json::Value = serde_json::from_slice(&buf).unwrap_or_default();
            n += v.get("Records").and_then(|r| r.as_array()).map_or(0, |a| a.len() as u64);
        }
        results.push(("parse-value", rate("decompress + parse to serde_json::Value", t.stop(), n)));
    }
    if stage == "all" || stage == "parse" {
        let t = Clock::start();
        let mut n = 0u64;
        for f in &files {
            let (buf, _) = read_bytes(f, &limits);
            for_each_event(&buf, f, &limits, &mut Vec::new(), &mut |_, _| n += 1);
        }
        assert_eq!(n, events);
        results.push(("parse", rate("decompress + scan + parse to Val", t.stop(), n)));
    }
    if stage == "all" || stage == "parse-tape" {
        let t = Clock::start();
        let mut n = 0u64;
        for f in &files {
            let (buf, _) = read_bytes(f, &limits);
            for_each_record(&buf, f, &limits, &mut Vec::new(), &mut |_, _| n += 1);
        }
        assert_eq!(n, events);
        results.push(("parse-tape", rate("decompress + validate onto tape (engine reader)", t.stop(), n)));
    }
    if stage == "all" || stage == "detect" {
        let set = builtin_rules();
        let nrules = set.status().len();
        let t = Clock::start();
        let mut d = Detector::new(set, DetectOptions::default());
        d.read_cloudtrail(std::slice::from_ref(&dir));
        let out = d.finish();
        let label = format!("detect: {nrules} built-in rules + stateful");
        results.push(("detect", rate(&label, t.stop(), out.stats.events)));
        if let Some(dump) = arg("--dump") {
            // For comparing two builds (outside the timing): every finding, input error, counter.
            let mut text = serde_json::to_string_pretty(&out.findings)?;
            for e in &out.errors {
                text.push_str(&format!("\n{e}"));
            }
            text.push_str(&format!("\n{:?}\n", out.stats));
            std::fs::write(dump, text)?;
        }
        eprintln!(
            "  {} findings, {} rule matches, {} input errors",
            out.findings.len(),
            out.stats.rule_matches,
            out.errors.len()
        );
    }
    if stage == "all" || stage == "detect1000" {
        let set = thousand_rules();
        let nrules = set.status().len();
        let t = Clock::start();
        let mut d = Detector::new(set, DetectOptions::default());
        d.read_cloudtrail(std::slice::from_ref(&dir));
        let out = d.finish();
        let label = format!("detect: {nrules} rules + stateful");
        results.push(("detect1000", rate(&label, t.stop(), out.stats.events)));
    }
    if stage == "split" {
        for (label, set, no_stateful) in [
            ("detect: no rules, stateful only", RuleSet::new(), false),
            ("detect: built-in rules, no stateful", builtin_rules(), true),
            ("detect: no rules, no stateful", RuleSet::new(), true),
        ]
        .into_iter()
        .filter(|x| std::env::var("SPLIT").map_or(true, |v| x.0.contains(v.as_str())))
        {
            let t = Clock::start();
            let mut d = Detector::new(set, DetectOptions { no_stateful, ..DetectOptions::default() });
            d.read_cloudtrail(std::slice::from_ref(&dir));
            let out = d.finish();
            rate(label, t.stop(), out.stats.events);
        }
    }
    let get = |k: &str| results.iter().find(|r| r.0 == k).map(|r| r.1);
    if let (Some(d), Some(p)) = (get("detect"), get("parse")) {
        println!("detect / (decompress + parse to Val)       {:>8.2}", d / p);
    }
    if let (Some(d), Some(p)) = (get("detect"), get("parse-tape")) {
        println!("detect / (decompress + tape)               {:>8.2}", d / p);
    }
    if let (Some(d), Some(p)) = (get("detect"), get("parse-value")) {
        println!("detect / (decompress + serde_json::Value)  {:>8.2}", d / p);
    }
    if let (Some(d), Some(g)) = (get("detect"), get("gzip -dc")) {
        println!("detect / gzip -dc                          {:>8.2}", d / g);
    }
    if let (Some(d), Some(k)) = (get("detect"), get("detect1000")) {
        println!("1000 rules / built-in rules                {:>8.2}", k / d);
    }
    println!("peak RSS {} MiB", peak_rss_kib() / 1024);
    Ok(())
}
