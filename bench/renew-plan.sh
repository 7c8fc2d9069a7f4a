#!/usr/bin/env bash
# Issue 6 item 3 acceptance benchmark: `signet renew plan` over a synthetic ledger of 1,000,000
# real kubelet-client certificates with notBefore spread over the past 250 days (answer <= 5 s),
# and the plan's predicted duration of a due batch against `signet renew run` of that batch
# (within 15 %). The CA key is moved into a SoftHSM token; plan and run sign through it.
#
# Plans: REPS runs of `renew plan` with its default 1 s capacity probe, timed wall-clock.
# Runs: first a catch-up run at --at base (what fell due before it: renewed, not measured), then
# REPS runs, each at its own moment (--at base + k x HORIZON, so every run renews a fresh
# batch); each run is preceded by a plan at the same --at (its probe is kept and the run reads it
# with --capacity last), so plan and run share one capacity figure. The run logs its predicted
# and actual seconds (renew-end); this prints both and their ratio.
#
# Usage: bench/renew-plan.sh [BUILD_DIR=build/dev]
#   env: RECORDS=1000000 SPREAD_DAYS=250 REPS=5 SHARE=0.5 HORIZON_HOURS=168 AT_HOURS=720
#        SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
set -euo pipefail

build=${1:-build/dev}
signet_bin=$(realpath "$build/tools/signet")
synth=$(realpath "$build/bench/signet_bench_synth_ledger")
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
records=${RECORDS:-1000000}
spread=${SPREAD_DAYS:-250}
reps=${REPS:-5}
share=${SHARE:-0.5}
horizon_h=${HORIZON_HOURS:-168}
at_h=${AT_HOURS:-720}
for f in "$signet_bin" "$synth" "$softhsm"; do
  [[ -e $f ]] || { echo "renew-plan: missing $f" >&2; exit 2; }
done

work=$(mktemp -d)
# shellcheck source=bench/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
trap 'rm -rf "$work"' EXIT
cd "$work"
bl_init_token "$signet_bin" "$softhsm"
mkdir -p state
echo "== synthetic ledger: $records certificates, notBefore over the past $spread days"
"$synth" --ledger state/ledger.sqlite --ca-dir . --count "$records" --spread-days "$spread"
"$signet_bin" ca import --name kubernetes --cert ca.crt --key-file ca.key \
  --into "pkcs11:token=bench;object=kubernetes-ca?pin-source=file:$work/pin.txt" >/dev/null 2>&1
shred -u ca.key

base=$(($(date +%s) + at_h * 3600))
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }

echo "== renew plan: $reps runs (each with its 1 s capacity probe)"
for r in $(seq 1 "$reps"); do
  t0=$(date +%s.%N)
  "$signet_bin" renew plan --ca kubernetes --at "@$base" --horizon "${horizon_h}h" \
    --share "$share" --output json >"plan$r.json" || [[ $? == 3 ]]
  t1=$(date +%s.%N)
  printf 'plan %d: wall %.2f s (plan_seconds %s), records %s, due %s, capacity %s/s\n' "$r" \
    "$(python3 -c "print($t1 - $t0)")" "$(field "plan$r.json" plan_seconds)" \
    "$(field "plan$r.json" records)" "$(field "plan$r.json" due)" \
    "$(python3 -c "import json; print(json.load(open('plan$r.json'))['capacity']['rate'])")"
done

echo "== catch-up run at the base moment (everything due before it; not measured)"
"$signet_bin" renew run --ca kubernetes --at "@$base" --horizon "${horizon_h}h" --share "$share" \
  --capacity last --out out0 --output json >run0.json 2>run0.log
python3 -c "import json,sys; print('catch-up:', json.load(open('run0.json'))['done'], 'renewed')"

echo "== renew run against its plan: $reps batches of ${horizon_h}h of deadlines, share $share"
for k in $(seq 1 "$reps"); do
  at=$((base + k * horizon_h * 3600))
  "$signet_bin" renew plan --ca kubernetes --at "@$at" --horizon "${horizon_h}h" \
    --share "$share" --output json >"runplan$k.json" || [[ $? == 3 ]]
  "$signet_bin" renew run --ca kubernetes --at "@$at" --horizon "${horizon_h}h" \
    --share "$share" --capacity last --out "out$k" --output json >"run$k.json" 2>"run$k.log"
  python3 - "runplan$k.json" "run$k.log" "$k" <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1]))
end = [json.loads(l) for l in open(sys.argv[2]) if '"renew-end"' in l][-1]
predicted, actual = plan['predicted_seconds'], end['seconds']
print(f"run {sys.argv[3]}: {plan['due']} due, paced at {plan['rate']}/s: plan predicts "
      f"{predicted:.2f} s, the run took {actual:.2f} s, actual/predicted {actual / predicted:.3f}")
EOF
done
