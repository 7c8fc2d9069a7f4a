#!/usr/bin/env bash
# Issue 5 acceptance, recertify on SoftHSM: recertify ÷ raw C_Sign (same key object, same run,
# alternated) >= 0.9 for RSA-2048 and P-256 NEW CA keys. On a fresh SoftHSM token it runs
#   signet bench pipeline --recertify-only --recertify-from ledger|certificates
# for each key in two pipeline shapes: --sign-inline (2 CPU workers that call C_Sign themselves)
# and the default (1 CPU worker + 2 session threads), and prints one line per run (or the JSON
# of every run with OUTPUT=json). Items per recertify sample are chosen so a sample lasts about
# as long as a raw one (P-256 30,000, RSA-2048 4,000; the CSRS old certificates round robin).
#
# Usage: bench/compare-recertify.sh [BUILD_DIR=build/dev]
#   env: CSRS=10000 REPEAT=7 INPUTS="ledger certificates" OUTPUT=text|json
#        SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
set -euo pipefail

build=${1:-build/dev}
signet_bin=$(realpath "$build/tools/signet")
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
csrs=${CSRS:-10000}
repeat=${REPEAT:-7}
inputs=${INPUTS:-ledger certificates}
output=${OUTPUT:-text}
for f in "$signet_bin" "$softhsm"; do
  [[ -e $f ]] || { echo "compare-recertify: missing $f" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "compare-recertify: needs jq" >&2; exit 2; }

work=$(mktemp -d)
# shellcheck source=bench/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
trap 'rm -rf "$work"' EXIT
cd "$work"
bl_init_token "$signet_bin" "$softhsm"
declare -A items=([p256]=30000 [rsa]=4000)
declare -A algorithm=([p256]=ecdsa-p256 [rsa]=rsa-2048)
for k in p256 rsa; do
  "$signet_bin" key generate --algorithm "${algorithm[$k]}" \
    --key "pkcs11:token=bench;object=$k?pin-source=file:$work/pin.txt" >/dev/null
done
shapes=("--threads 2 --sessions 2 --sign-inline" "--threads 1 --sessions 2")
echo "compare-recertify: $csrs certificates, $repeat alternated reps; load: $(uptime)" >&2
runs=()
for from in $inputs; do
  for k in p256 rsa; do
    for s in 0 1; do
      name="$k-$from-$s"
      # shellcheck disable=SC2086  # the shape is a list of options
      "$signet_bin" bench pipeline --key "pkcs11:token=bench;object=$k?pin-source=file:$work/pin.txt" \
        --recertify-only --csrs "$csrs" --recertify-items "${items[$k]}" ${shapes[$s]} \
        --repeat "$repeat" --recertify-from "$from" --output json >"$name.json" 2>"$name.err" ||
        { cat "$name.err" >&2; echo "compare-recertify: run $name failed" >&2; exit 1; }
      runs+=("$name")
      if [[ $output == text ]]; then
        jq -r --arg key "${algorithm[$k]}" --arg from "$from" --arg shape "${shapes[$s]}" \
          '"\($key) from \($from) [\($shape)]: recertify \(.recertify.median_per_s | floor)/s, raw \(.recertify.raw_median_per_s | floor)/s, ratio \(.recertify.recertify_over_raw * 1000 | floor / 1000) (target \(.recertify.target)), spread raw \(.series.raw.spread * 1000 | floor / 10)% / recertify \(.series.recertify.spread * 1000 | floor / 10)%"' \
          "$name.json"
      fi
    done
  done
done
if [[ $output == json ]]; then
  for name in "${runs[@]}"; do jq -c --arg run "$name" '{run: $run} + .' "$name.json"; done | jq -s .
fi
