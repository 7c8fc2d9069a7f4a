#!/usr/bin/env bash
# Signet issue 7: the soak of `signet serve` (a bench script, not in CI). The same setup as
# bench/compare-serve.sh (TLS server auth, /authsign with one HMAC key, distinct precomputed
# requests, the ledger on); its capacity is measured first at full load, then wrk paces about
# --load (80 %) of it for --minutes, one wrk run per minute, the server's RSS sampled from
# /proc/PID/status at the end of each minute. wrk has no rate option (wrk2 is not in Debian):
# serve-authsign.lua pauses each connection DELAY_MS between a response and its next request, and
# the delay is corrected after every minute from the rate that minute achieved.
# Rules (PASS/FAIL, exit 1 on FAIL): no non-2xx answer or socket error in any minute; RSS of
# minutes 2..N within 10 % of minute 2's; every minute's p99 (from minute 2) <= 1.5 x minute 2's.
#
# Usage: bench/soak-serve.sh [BUILD_DIR=build/dev] [--minutes M=10] [--rate R (default: --load
#          x the measured capacity)] [--load 0.8] [--ca p256|rsa|hsm] [--connections C=16]
#          [--wrk-threads T=2] [--csrs N=1000] [--capacity-seconds S=10] [--output text|json]
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=build/dev minutes=10 rate='' load=0.8 ca=p256 connections=16 wrk_threads=2 csrs=1000
capacity_seconds=10 output=text
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --ca) ca=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --csrs) csrs=$2; shift 2 ;;
    --capacity-seconds) capacity_seconds=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "soak-serve: unknown option $1" >&2; usage ;;
    *) build=$1; shift ;;
  esac
done
for v in minutes connections wrk_threads csrs capacity_seconds; do
  [[ ${!v} =~ ^[1-9][0-9]{0,5}$ ]] || { echo "soak-serve: --${v//_/-} must be a positive integer, got '${!v}'" >&2; exit 2; }
done
((minutes >= 2)) || { echo "soak-serve: --minutes must be at least 2 (the rules compare with minute 2), got $minutes" >&2; exit 2; }
[[ -z $rate || $rate =~ ^[1-9][0-9]{0,6}$ ]] || { echo "soak-serve: --rate must be a positive integer (requests/s), got '$rate'" >&2; exit 2; }
[[ $load =~ ^0?\.[0-9]+$|^1(\.0*)?$ ]] || { echo "soak-serve: --load must be in (0, 1], got '$load'" >&2; exit 2; }
[[ $ca == p256 || $ca == rsa || $ca == hsm ]] || { echo "soak-serve: --ca must be p256, rsa or hsm, got '$ca'" >&2; exit 2; }
[[ $output == text || $output == json ]] || { echo "soak-serve: --output must be text or json, got '$output'" >&2; exit 2; }
((wrk_threads <= connections)) || { echo "soak-serve: --wrk-threads must be <= --connections" >&2; exit 2; }
signet_bin=$(realpath "$build/tools/signet")
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
# shellcheck source=bench/serve-bench-lib.sh
source "$bench_dir/serve-bench-lib.sh"
sb_require

work=$(mktemp -d)
trap 'sb_stop_all; rm -rf "$work"' EXIT
export SIGNET_HOME=$work/state-none
sb_setup "$csrs"
name=signet-$ca
sb_start_signet "$name" "state-$ca" "bench-$ca" 2 "$connections"  # sign_threads: compare-serve.sh
pid=${sb_pid[$name]}
sb_check "$name"
sb_wrk "$name" 1 "$connections" "$wrk_threads" >/dev/null  # warm-up
capacity=$(sb_wrk "$name" "$capacity_seconds" "$connections" "$wrk_threads")
if [[ -z $rate ]]; then
  rate=$(jq --argjson load "$load" '.requests_per_s * $load | floor' <<<"$capacity")
  ((rate > 0)) || sb_die "measured capacity is 0 requests/s: $capacity"
fi
echo "capacity $(jq .requests_per_s <<<"$capacity") /s; pacing $rate /s for $minutes minutes ($(uptime))" >&2

# Each connection's cycle is latency + delay, so C connections at rate R need a cycle of C/R s:
# start from that less the p50 latency at full load, then correct with each minute's achieved rate
# (delay += C/R - C/achieved, in ms).
cycle_ms=$(echo "$connections * 1000 / $rate" | bc -l)
delay=$(echo "d = $cycle_ms - $(jq .p50_ms <<<"$capacity"); if (d < 0) d = 0; d" | bc -l)
: >"$work/minutes.jsonl"
export SB_WRK_KEEP_GOING=1
for m in $(seq 1 "$minutes"); do
  line=$(sb_wrk "$name" 60 "$connections" "$wrk_threads" "$(printf '%.3f' "$delay")")
  kill -0 "$pid" 2>/dev/null || sb_die "the server exited during minute $m: $(tail -5 "$work/$name.err")"
  rss=$(sb_rss_kib "$pid")
  jq -c --argjson m "$m" --argjson rss "$rss" --argjson d "$(printf '%.3f' "$delay")" \
    '{minute: $m, delay_ms: $d, rss_kib: $rss} + .' <<<"$line" >>"$work/minutes.jsonl"
  printf '  minute %d/%d %8.0f /s  p99 %7.2f ms  RSS %6.1f MiB\n' "$m" "$minutes" \
    "$(jq .requests_per_s <<<"$line")" "$(jq .p99_ms <<<"$line")" "$(echo "$rss / 1024" | bc -l)" >&2
  achieved=$(jq .requests_per_s <<<"$line")
  if [[ $(echo "$achieved > 0" | bc) == 1 ]]; then
    delay=$(echo "d = $delay + $cycle_ms - $connections * 1000 / $achieved; if (d < 0) d = 0; d" | bc -l)
  fi
done
sb_stop_all

jq -s --argjson rate "$rate" --argjson capacity "$capacity" --arg server "$name" \
  --arg date "$(date -u +%FT%TZ)" --arg host "$(uname -n)" --argjson conns "$connections" '
  (map(select(.minute >= 2))) as $late | ($late[0]) as $m2
  | {server: $server, date: $date, host: $host, connections: $conns,
     capacity_per_s: $capacity.requests_per_s, target_per_s: $rate, minutes: .,
     rules: {
       no_errors: (all(.[]; .non2xx == 0 and ([.socket_errors[]] | add) == 0)),
       rss_within_10pct: (all($late[]; .rss_kib >= 0.9 * $m2.rss_kib and .rss_kib <= 1.1 * $m2.rss_kib)),
       p99_within_1_5x: (all($late[]; .p99_ms <= 1.5 * $m2.p99_ms))}}
  | .pass = (.rules | all)' "$work/minutes.jsonl" >"$work/soak.json"

if [[ $output == json ]]; then
  cat "$work/soak.json"
else
  jq -r '
    (["MINUTE", "RATE/s", "p50_ms", "p99_ms", "RSS_MiB", "NON2XX", "SOCKET_ERRORS", "DELAY_ms"] | @tsv),
    (.minutes[] | [.minute, (.requests_per_s | floor), .p50_ms, .p99_ms,
                   (.rss_kib / 1024 * 10 | round / 10), .non2xx, ([.socket_errors[]] | add),
                   .delay_ms] | @tsv)' "$work/soak.json" | column -t -s $'\t'
  jq -r '
    def pf(b): if b then "PASS" else "FAIL" end;
    "capacity \(.capacity_per_s | floor) /s, paced at \(.target_per_s) /s (\(.server), \(.connections) connections, \(.date), \(.host))",
    "no errors: \(pf(.rules.no_errors)); RSS within 10 % of minute 2: \(pf(.rules.rss_within_10pct)); p99 <= 1.5 x minute 2: \(pf(.rules.p99_within_1_5x))",
    "soak: \(pf(.pass))"' "$work/soak.json"
fi
jq -e .pass "$work/soak.json" >/dev/null
