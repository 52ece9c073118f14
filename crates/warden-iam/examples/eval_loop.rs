//! A bench command: evaluates the typical request of `benches/typical_case.json` N times
//! (default 1,000,000) on one thread and prints evaluations per second.
//! `cargo run --release -p warden-iam --example eval_loop -- [N]`

use std::time::Instant;
use warden_iam::simulate::Case;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
    let case = Case::from_str(include_str!("../benches/typical_case.json"))?;
    let set = case.policy_set();
    let start = Instant::now();
    let mut allowed = 0u64;
    for _ in 0..n {
        allowed += u64::from(warden_iam::evaluate(&set, std::hint::black_box(&case.request)).is_allowed());
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{n} evaluations in {secs:.3} s: {:.0} evaluations/s ({allowed} allowed)", n as f64 / secs);
    Ok(())
}
