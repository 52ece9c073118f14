#!/usr/bin/env bash
# Side-by-side wall time of `warden scan` and Prowler on the same seeded moto estate.
# Usage: bench_vs_prowler.sh WARDEN_BIN PROWLER_BIN [RUNS]
# Needs moto_server and boto3; Prowler installed separately (e.g. a venv under /tmp).
set -euo pipefail
warden=$1
prowler=$2
runs=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_IAM_LOAD_MANAGED_POLICIES=true moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; wait $moto 2>/dev/null' EXIT
until python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2>/dev/null; do sleep 0.2; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
python3 "$here/seed_moto.py" "$AWS_ENDPOINT_URL" >"$work/seeded.json"

now() { python3 -c 'import time; print(time.monotonic())'; }
for i in $(seq "$runs"); do
  t0=$(now)
  "$warden" scan --region us-east-1 --format json -o "$work/warden.json" 2>"$work/warden.err" || [ $? -eq 1 ]
  t1=$(now)
  echo "warden run $i: $(python3 -c "print(round($t1-$t0,2))") s"
done
for i in $(seq "$runs"); do
  t0=$(now)
  "$prowler" aws --region us-east-1 --service iam s3 ec2 kms cloudtrail account \
    --output-formats json-ocsf --output-directory "$work/prowler" --no-banner >"$work/prowler.out" 2>&1 || true
  t1=$(now)
  echo "prowler run $i: $(python3 -c "print(round($t1-$t0,2))") s"
done
python3 - "$work" <<'PY'
import glob, json, sys
work = sys.argv[1]
w = json.load(open(f"{work}/warden.json"))
wf = sorted({(f["check_id"], f["resource"]["arn"]) for f in w["findings"] if f["status"] == "FAIL"})
print(f"warden FAIL findings: {len(wf)}")
files = glob.glob(f"{work}/prowler/*.ocsf.json")
if files:
    p = json.load(open(files[0]))
    pf = [f for f in p if f.get("status_code") == "FAIL"]
    print(f"prowler FAIL findings: {len(pf)}")
    for f in pf:
        meta = f.get("metadata", {}).get("event_code") or f.get("finding_info", {}).get("title")
        res = (f.get("resources") or [{}])[0].get("uid")
        print(f"  prowler FAIL {meta} {res}")
else:
    print("prowler wrote no OCSF output; see", f"{work}/prowler.out")
PY
echo "work dir: $work"
