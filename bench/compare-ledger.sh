#!/usr/bin/env bash
# Issue 6 acceptance: the recertify benchmark with the ledger on stays >= 0.9 x the same run with
# it off, for SQLite and PostgreSQL. In one go, on a fresh SoftHSM token and a PostgreSQL server
# of its own (127.0.0.1, trust auth, temp dir), it alternates
#   signet bench pipeline --recertify-only --ledger off | sqlite | postgresql://…
# REPEAT times (each process --repeat 1: its own raw C_Sign sample next to its recertify sample),
# and prints, per ledger, the median recertify rate, the median recertify/raw ratio, and
# on/off ratios of both (the rate ratio is the acceptance figure; the normalised one factors out
# the drift of SoftHSM's own rate between processes).
#
# Usage: bench/compare-ledger.sh [BUILD_DIR=build/dev]
#   env: CSRS=10000 REPEAT=5 THREADS=1 SESSIONS=2 ALGORITHM=ecdsa-p256 OUTPUT=text|json
#        SIGN_INLINE=1 (bench pipeline --sign-inline; give THREADS=2 with SESSIONS=2)
#        SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so PG_BIN=/usr/lib/postgresql/15/bin
set -euo pipefail

build=${1:-build/dev}
signet_bin=$(realpath "$build/tools/signet")
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
csrs=${CSRS:-10000}
repeat=${REPEAT:-5}
threads=${THREADS:-1}
sessions=${SESSIONS:-2}
algorithm=${ALGORITHM:-ecdsa-p256}
output=${OUTPUT:-text}
inline=()
[[ ${SIGN_INLINE:-0} == 1 ]] && inline=(--sign-inline)
for f in "$signet_bin" "$softhsm" "$pg_bin/initdb"; do
  [[ -e $f ]] || { echo "compare-ledger: missing $f" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "compare-ledger: needs jq" >&2; exit 2; }

work=$(mktemp -d)
# shellcheck source=bench/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
cleanup() {
  bl_stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
bl_start_postgres "$pg_bin"
uri=$pg_uri
bl_init_token "$signet_bin" "$softhsm"
key="pkcs11:token=bench;object=bench-ca?pin-source=file:$work/pin.txt"
"$signet_bin" key generate --algorithm "$algorithm" --key "$key" >/dev/null

ledgers=(off sqlite "$uri")
names=(off sqlite postgresql)
echo "compare-ledger: $algorithm, $csrs certificates, threads $threads, sessions $sessions${inline:+ ${inline[*]}}, $repeat alternated reps; load: $(uptime)" >&2
for ((r = 1; r <= repeat; r++)); do
  for i in 0 1 2; do
    "$signet_bin" bench pipeline --key "$key" --recertify-only --csrs "$csrs" --threads "$threads" \
      --sessions "$sessions" "${inline[@]}" --repeat 1 --ledger "${ledgers[$i]}" --output json \
      >"run-${names[$i]}-$r.json" 2>"run-${names[$i]}-$r.err" ||
      { cat "run-${names[$i]}-$r.err" >&2; echo "compare-ledger: run ${names[$i]} $r failed" >&2; exit 1; }
    echo "  rep $r ${names[$i]}: $(jq -r '.recertify.median_per_s | floor' "run-${names[$i]}-$r.json")/s" >&2
  done
done

# The PostgreSQL run recorded every certificate: count them as a check that the ledger was on.
recorded=$(psql -At "$uri" -c "SELECT count(*) FROM certificates")
jq -s --argjson reps "$repeat" --argjson recorded "$recorded" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def spread: (max - min) / median;
  group_by(.recertify.ledger | if . == "off" then "off" elif startswith("sqlite") then "sqlite"
                               else "postgresql" end)
  | map({key: (.[0].recertify.ledger | if . == "off" then "off" elif startswith("sqlite") then
               "sqlite" else "postgresql" end),
         value: {rates: map(.recertify.median_per_s), normalised: map(.recertify.recertify_over_raw),
                 raw: map(.recertify.raw_median_per_s)}})
  | from_entries
  | with_entries(.value += {median_per_s: (.value.rates | median), spread: (.value.rates | spread),
                            median_over_raw: (.value.normalised | median),
                            raw_median_per_s: (.value.raw | median)})
  | . as $s
  | {repeat: $reps, postgresql_rows_recorded: $recorded, series: $s,
     ratios: {sqlite_over_off: ($s.sqlite.median_per_s / $s.off.median_per_s),
              postgresql_over_off: ($s.postgresql.median_per_s / $s.off.median_per_s),
              sqlite_over_off_normalised: ($s.sqlite.median_over_raw / $s.off.median_over_raw),
              postgresql_over_off_normalised: ($s.postgresql.median_over_raw / $s.off.median_over_raw)},
     target: 0.9}
' run-*.json >summary.json

if [[ $output == json ]]; then
  cat summary.json
else
  jq -r '
    "ledger       median/s  spread  recertify/raw  raw median/s",
    (.series | to_entries[] | "\(.key | . + "            " | .[0:12]) \(.value.median_per_s | floor | tostring | . + "        " | .[0:8])  \(.value.spread * 100 | floor)%     \(.value.median_over_raw * 1000 | floor / 1000)          \(.value.raw_median_per_s | floor)"),
    "",
    "sqlite / off:      \(.ratios.sqlite_over_off * 1000 | floor / 1000)  (normalised by raw: \(.ratios.sqlite_over_off_normalised * 1000 | floor / 1000))",
    "postgresql / off:  \(.ratios.postgresql_over_off * 1000 | floor / 1000)  (normalised by raw: \(.ratios.postgresql_over_off_normalised * 1000 | floor / 1000))",
    "target >= \(.target); PostgreSQL rows recorded: \(.postgresql_rows_recorded)"' summary.json
fi
