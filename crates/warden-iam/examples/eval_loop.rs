//! A bench command, one thread, printing evaluations per second:
//! - `eval_loop [N]`: the typical request of `benches/typical_case.json`, N times
//!   (default 1,000,000);
//! - `eval_loop N CASES.jsonl`: every case of the file (parsed once), N rounds.
//!
//! `cargo run --release -p warden-iam --example eval_loop -- [N] [CASES.jsonl]`;
//! `scripts/iam/bench.sh` runs it beside iam-simulate on the same inputs.

use std::time::Instant;
use warden_iam::simulate::Case;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
    let cases: Vec<Case> = match args.next() {
        Some(path) => std::fs::read_to_string(path)?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(Case::from_str)
            .collect::<Result<_, _>>()?,
        None => vec![Case::from_str(include_str!("../benches/typical_case.json"))?],
    };
    let sets: Vec<_> = cases.iter().map(|c| (c.policy_set(), &c.request)).collect();
    let start = Instant::now();
    let mut allowed = 0u64;
    for _ in 0..n {
        for (set, req) in &sets {
            allowed += u64::from(warden_iam::evaluate(set, std::hint::black_box(req)).is_allowed());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let total = n * sets.len() as u64;
    println!(
        "warden: {total} evaluations in {secs:.3} s: {:.0} evaluations/s ({allowed} allowed)",
        total as f64 / secs
    );
    Ok(())
}
