//! Generation speed, measured side by side with a baseline: serialising the same
//! snapshot to JSON and reading it back with `Snapshot::from_bytes` (what every consumer
//! of a snapshot pays anyway). Figures go to `BENCHMARKS.md`.
//!
//! `cargo run --release -p warden-example --example bench -- [runs]`

use std::path::Path;
use std::time::{Duration, Instant};
use warden_example::{Params, generate};
use warden_model::Snapshot;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    println!(
        "| target | resources | accounts | JSON MiB | generate ms | to_vec ms | from_bytes ms | generate / to_vec | generate / from_bytes |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for scale in [None, Some(1_000), Some(10_000), Some(50_000)] {
        let params = Params { seed: 7, scale };
        let (mut g, mut s, mut p) = (Vec::new(), Vec::new(), Vec::new());
        let mut last = None;
        for _ in 0..runs {
            let t = Instant::now();
            let snap = generate(&params);
            g.push(t.elapsed());
            let t = Instant::now();
            let bytes = serde_json::to_vec(&snap).unwrap_or_default();
            s.push(t.elapsed());
            let t = Instant::now();
            let back = Snapshot::from_bytes(Path::new("bench.json"), &bytes);
            p.push(t.elapsed());
            assert!(back.is_ok());
            last = Some((snap, bytes.len()));
        }
        let Some((snap, len)) = last else { return };
        let (g, s, p) = (median(g), median(s), median(p));
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} |",
            scale.map_or("default".to_owned(), |n| n.to_string()),
            snap.inventory.resource_count(),
            snap.inventory.accounts.len(),
            len as f64 / (1 << 20) as f64,
            ms(g),
            ms(s),
            ms(p),
            ms(g) / ms(s),
            ms(g) / ms(p),
        );
    }
}
