#!/usr/bin/env bash
# Signet issue 7: the throughput of `signet serve` against Debian's `cfssl serve` (1.2.0), in one
# go, in a temp dir:
#   - both over TLS with server authentication only (wrk cannot present a client certificate) on
#     POST /api/v1/cfssl/authsign with one HMAC key, wrk rotating through --csrs distinct
#     precomputed requests (bench/serve-requests.py, bench/serve-authsign.lua);
#   - software CA keys (cfssl has no PKCS#11): P-256 and RSA-2048, the same key files for both;
#     signet with its ledger on (SQLite in each state directory: every certificate is committed
#     before it is returned), plus signet with the P-256 CA key in SoftHSM;
#   - `signet bench pipeline`'s component loop (CSR verify + C_Sign on SoftHSM, P-256 and
#     RSA-2048) measured in the same run, as the ceiling each signet row is compared with;
#   - every server's first answer checked (HTTP 200, a certificate openssl verify accepts), wrk
#     runs alternated between the servers --repeat times; any non-2xx or socket error fails.
# Prints medians, spread ((max-min)/median), p50/p99 and the ratios (--output json: one object).
#
# Usage: bench/compare-serve.sh [BUILD_DIR=build/dev] [--seconds S=10] [--repeat N=5]
#          [--connections C=16] [--wrk-threads T=2] [--csrs N=1000] [--io-threads 2]
#          [--sign-threads N (default: --connections)] [--output text|json]
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=build/dev seconds=10 repeat=5 connections=16 wrk_threads=2 csrs=1000 io_threads=2
sign_threads='' output=text
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --csrs) csrs=$2; shift 2 ;;
    --io-threads) io_threads=$2; shift 2 ;;
    --sign-threads) sign_threads=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "compare-serve: unknown option $1" >&2; usage ;;
    *) build=$1; shift ;;
  esac
done
# signet's sign_threads block while their certificate's ledger batch commits (serve_ledger_recorder:
# each answer waits for its own group commit), so fewer threads than connections caps the rate at
# sign_threads / commit latency, not at the CPU: one per connection unless told otherwise.
sign_threads=${sign_threads:-$connections}
for v in seconds repeat connections wrk_threads csrs io_threads sign_threads; do
  [[ ${!v} =~ ^[1-9][0-9]{0,5}$ ]] || { echo "compare-serve: --${v//_/-} must be a positive integer, got '${!v}'" >&2; exit 2; }
done
[[ $output == text || $output == json ]] || { echo "compare-serve: --output must be text or json, got '$output'" >&2; exit 2; }
((wrk_threads <= connections)) || { echo "compare-serve: --wrk-threads must be <= --connections" >&2; exit 2; }
signet_bin=$(realpath "$build/tools/signet")
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
# shellcheck source=bench/serve-bench-lib.sh
source "$bench_dir/serve-bench-lib.sh"
sb_require

work=$(mktemp -d)
trap 'sb_stop_all; rm -rf "$work"' EXIT
export SIGNET_HOME=$work/state-none  # nothing may fall back to the user's state
sb_setup "$csrs"
echo "load before: $(uptime)" >&2

# The component loops first (the servers are not started yet, so nothing else holds a core).
# --csrs 1000: the engine/recertify series it also prints are not used here; only "component".
for alg in p256 rsa; do
  if [[ $alg == p256 ]]; then ref=(--ca bench-hsm); else ref=(--key "$hsm_rsa_key"); fi
  echo "signet bench pipeline ($alg, component loop)..." >&2
  "$signet_bin" --state "$work/state-hsm" --output json bench pipeline "${ref[@]}" --csrs 1000 \
    --threads 2 --seconds "$seconds" --repeat "$repeat" >"$work/pipeline-$alg.json" \
    2>"$work/pipeline-$alg.err" || sb_die "bench pipeline $alg failed: $(tail -5 "$work/pipeline-$alg.err")"
done

servers=(cfssl-p256 signet-p256 cfssl-rsa signet-rsa signet-hsm)
sb_start_cfssl cfssl-p256 p256
sb_start_cfssl cfssl-rsa rsa
sb_start_signet signet-p256 state-p256 bench-p256 "$io_threads" "$sign_threads"
sb_start_signet signet-rsa state-rsa bench-rsa "$io_threads" "$sign_threads"
sb_start_signet signet-hsm state-hsm bench-hsm "$io_threads" "$sign_threads"
for s in "${servers[@]}"; do sb_check "$s"; done
# Warm-up (not counted): TLS session setup, Go's and the allocator's first growth.
for s in "${servers[@]}"; do sb_wrk "$s" 1 "$connections" "$wrk_threads" >/dev/null; done

: >"$work/runs.jsonl"
for rep in $(seq 1 "$repeat"); do
  for s in "${servers[@]}"; do
    line=$(sb_wrk "$s" "$seconds" "$connections" "$wrk_threads")
    jq -c --arg s "$s" --argjson rep "$rep" '{server: $s, rep: $rep} + .' <<<"$line" >>"$work/runs.jsonl"
    printf '  rep %d/%d %-12s %8.0f /s  p50 %6.2f ms  p99 %7.2f ms\n' "$rep" "$repeat" "$s" \
      "$(jq .requests_per_s <<<"$line")" "$(jq .p50_ms <<<"$line")" "$(jq .p99_ms <<<"$line")" >&2
  done
done
echo "load after: $(uptime)" >&2

# The ledger is on: each signet state's SQLite file holds at least every certificate wrk saw
# answered (plus the checked and warm-up ones).
declare -A ledger_rows
for s in signet-p256 signet-rsa signet-hsm; do
  ledger_rows[$s]=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from certificates").fetchone()[0])' \
    "$work/state-${s#signet-}/ledger.sqlite")
done
sb_stop_all

jq -s --arg date "$(date -u +%FT%TZ)" --arg host "$(uname -n)" --arg cpu "$(nproc) cores" \
  --argjson seconds "$seconds" --argjson repeat "$repeat" --argjson conns "$connections" \
  --argjson threads "$wrk_threads" --argjson csrs "$csrs" \
  --argjson ledger "$(for s in "${!ledger_rows[@]}"; do echo "{\"$s\": ${ledger_rows[$s]}}"; done | jq -s add)" \
  --slurpfile p256 "$work/pipeline-p256.json" --slurpfile rsa "$work/pipeline-rsa.json" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def stats: {median: (map(.requests_per_s) | median),
              spread: ((map(.requests_per_s) | (max - min)) / (map(.requests_per_s) | median)),
              p50_ms: (map(.p50_ms) | median), p99_ms: (map(.p99_ms) | median),
              requests: (map(.requests) | add)};
  (group_by(.server) | map({key: .[0].server, value: stats}) | from_entries) as $s
  | {component_p256: $p256[0].series.component.median_per_s,
     component_rsa: $rsa[0].series.component.median_per_s} as $c
  | {date: $date, host: $host, cpus: $cpu, seconds: $seconds, repeat: $repeat,
     connections: $conns, wrk_threads: $threads, distinct_requests: $csrs,
     servers: $s, component_loop: $c, ledger_rows: $ledger,
     ratios: {
       signet_over_cfssl_p256: ($s["signet-p256"].median / $s["cfssl-p256"].median),
       signet_over_cfssl_rsa: ($s["signet-rsa"].median / $s["cfssl-rsa"].median),
       signet_p256_over_component: ($s["signet-p256"].median / $c.component_p256),
       signet_rsa_over_component: ($s["signet-rsa"].median / $c.component_rsa),
       signet_hsm_over_component: ($s["signet-hsm"].median / $c.component_p256)},
     targets: {signet_over_cfssl_p256: 1.8, signet_over_cfssl_rsa: 2.5, over_component: 0.8}}
  ' "$work/runs.jsonl" >"$work/result.json"

for s in signet-p256 signet-rsa signet-hsm; do
  total=$(jq --arg s "$s" '.servers[$s].requests' "$work/result.json")
  ((ledger_rows[$s] >= total)) ||
    sb_die "$s: the ledger holds ${ledger_rows[$s]} certificates but wrk saw $total answers"
done

if [[ $output == json ]]; then
  cat "$work/result.json"
  exit 0
fi
jq -r '
  def r(x): (x * 1000 | round) / 1000;
  (["SERVER", "MEDIAN/s", "SPREAD", "p50_ms", "p99_ms", "LEDGER_ROWS"] | @tsv),
  (["cfssl-p256", "signet-p256", "cfssl-rsa", "signet-rsa", "signet-hsm"][] as $n
    | .servers[$n] as $v
    | [$n, ($v.median | floor), "\($v.spread * 1000 | round / 10)%", r($v.p50_ms), r($v.p99_ms),
       (.ledger_rows[$n] // "-")] | @tsv),
  (["component loop P-256 (SoftHSM, 2t)", (.component_loop.component_p256 | floor), "-", "-", "-", "-"] | @tsv),
  (["component loop RSA-2048 (SoftHSM, 2t)", (.component_loop.component_rsa | floor), "-", "-", "-", "-"] | @tsv)
' "$work/result.json" | column -t -s $'\t'
jq -r '
  def r(x): (x * 1000 | round) / 1000;
  .ratios as $r
  | "ratios: signet/cfssl P-256 \(r($r.signet_over_cfssl_p256)) (target >= 1.8), RSA-2048 \(r($r.signet_over_cfssl_rsa)) (target >= 2.5);",
    "        signet/component P-256 \(r($r.signet_p256_over_component)), RSA-2048 \(r($r.signet_rsa_over_component)) (target >= 0.8), SoftHSM P-256 \(r($r.signet_hsm_over_component))",
    "seconds=\(.seconds) repeat=\(.repeat) connections=\(.connections) wrk_threads=\(.wrk_threads) distinct_requests=\(.distinct_requests) (\(.date), \(.host), \(.cpus))"
' "$work/result.json"
