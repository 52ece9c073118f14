//! Evaluations per second: one typical request (with its reasons rendered, and the verdict
//! alone), and the 3,000 seeded cases of the differential test (the same file
//! `tests/differential/run-iam-simulate.cjs` times iam-simulate on; see
//! docs/benchmarks-iam.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench harness code

#[path = "../tests/differential/gen.rs"]
#[allow(dead_code)]
mod generator;

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use std::time::Duration;
use warden_iam::simulate::Case;

fn typical() -> Case {
    Case::from_str(include_str!("typical_case.json")).unwrap()
}

fn generated() -> Vec<String> {
    let mut rng = generator::Rng::new(0x5741_5244_454e);
    (0..3000).map(|_| generator::case(&mut rng).to_string()).collect()
}

fn bench(c: &mut Criterion) {
    let t = typical();
    assert!(t.evaluate().is_allowed());
    let mut g = c.benchmark_group("evaluate");
    g.measurement_time(Duration::from_secs(4)).sample_size(30);
    g.throughput(Throughput::Elements(1));
    g.bench_function("typical", |b| b.iter(|| black_box(black_box(&t).evaluate())));
    // The verdict alone (`evaluate_lazy`), as `who_can` uses it: no reason is rendered.
    let set = t.policy_set();
    g.bench_function("typical_verdict_only", |b| {
        b.iter(|| black_box(warden_iam::evaluate_lazy(&set, black_box(&t.request)).is_allowed()))
    });

    let lines = generated();
    let cases: Vec<Case> = lines.iter().map(|l| Case::from_str(l).unwrap()).collect();
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("generated_3000", |b| {
        b.iter(|| {
            for c in &cases {
                black_box(c.evaluate());
            }
        })
    });
    g.bench_function("generated_3000_parse_and_evaluate", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(Case::from_str(black_box(l)).unwrap().evaluate());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
