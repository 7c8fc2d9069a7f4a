#!/usr/bin/env bash
# Issue 6 item 5 acceptance benchmark: two `signet reissue` workers sharing one PostgreSQL ledger,
# each limited to 1 CPU (taskset + --cpu-threads 1) and signing through the PKCS#11 shim
# (5 ms per C_Sign, 16 sessions: an emulated network HSM), each on its own copy of the token.
# Measures one worker alone (OLD -> NEW1), then two together (OLD -> NEW2) on the same records,
# checks zero duplicates with SQL, and prints the combined/single ratio (target >= 1.6).
#
# Usage: bench/reissue-two-workers.sh [BUILD_DIR=build/dev]
#   env: RECORDS=100000 SHIM_SESSIONS=16 SHIM_LATENCY_US=5000 BATCH=256
#        SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so PG_BIN=/usr/lib/postgresql/15/bin
set -euo pipefail

build=${1:-build/dev}
signet_bin=$(realpath "$build/tools/signet")
shim=$(realpath "$build/hsm/shim/libsignet_pkcs11_shim.so")
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
records=${RECORDS:-100000}
sessions=${SHIM_SESSIONS:-16}
latency_us=${SHIM_LATENCY_US:-5000}
batch=${BATCH:-256}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
for f in "$signet_bin" "$shim" "$softhsm" "$pg_bin/initdb"; do
  [[ -e $f ]] || { echo "reissue-two-workers: missing $f" >&2; exit 2; }
done
[[ $(nproc) -ge 2 ]] || echo "reissue-two-workers: warning: fewer than 2 CPUs" >&2

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
# OLD signs on SoftHSM directly; NEW1/NEW2 through the shim (module-path in their key reference,
# so `signet reissue` signs through it too).
export SIGNET_SHIM_MODULE=$softhsm
for ca in old new1 new2; do
  key="pkcs11:token=bench;object=$ca-key?pin-source=file:$work/pin.txt"
  [[ $ca == old ]] || key="$key&module-path=$shim"
  SIGNET_SHIM_SIGN_LATENCY_US=0 "$signet_bin" key generate --algorithm ecdsa-p256 --key "$key" >/dev/null
  SIGNET_SHIM_SIGN_LATENCY_US=0 "$signet_bin" ca init --name "$ca" --key "$key" --subject "CN=$ca" \
    --validity 8760h --out "$work/$ca.crt" >/dev/null
done
# The records to reissue: a fleet issued under OLD (not timed).
# A fleet of RECORDS/2 nodes: each node has a kubelet client and a kubelet serving certificate.
"$signet_bin" fleet generate --nodes $((records / 2)) --out fleet.jsonl >/dev/null
"$signet_bin" --ledger "$uri" sign-batch --ca old --in fleet.jsonl --out old.jsonl >/dev/null 2>&1
# Each worker its own copy of the token (SoftHSM's object store is per directory).
for w in a b; do
  cp -r tokens "tokens-$w"
  printf 'directories.tokendir = %s/tokens-%s\nobjectstore.backend = file\n' "$work" "$w" >"softhsm2-$w.conf"
done

worker() {  # cpu worker-id to-ca
  SOFTHSM2_CONF=$work/softhsm2-$2.conf SIGNET_SHIM_MODULE=$softhsm \
  SIGNET_SHIM_SIGN_LATENCY_US=$latency_us SIGNET_SHIM_MAX_SESSIONS=$((sessions + 1)) \
    taskset -c "$1" "$signet_bin" --ledger "$uri" reissue --from-ca old --to-ca "$3" \
    --worker-id "$2" --cpu-threads 1 --sessions "$sessions" --max-in-flight $((sessions * 4)) \
    --batch "$batch" --progress-interval 10 --out "out-$3-$2" 2>"log-$3-$2.jsonl" >/dev/null
}

echo "load before: $(uptime)" >&2
start=$(date +%s.%N); worker 0 a new1; end=$(date +%s.%N)
single=$(echo "$records / ($end - $start)" | bc -l)
start=$(date +%s.%N); worker 0 a new2 & pa=$!; worker 1 b new2 & pb=$!
wait "$pa"; wait "$pb"; end=$(date +%s.%N)
combined=$(echo "$records / ($end - $start)" | bc -l)
echo "load after: $(uptime)" >&2

psql_q() { psql -At "$uri" -c "$1"; }
dups=$(psql_q "SELECT count(*) - count(DISTINCT record_id) FROM reissue_items i JOIN reissue_jobs j ON j.id = i.job_id WHERE j.to_ca = 'new2' AND i.state = 'done'")
done2=$(psql_q "SELECT count(*) FROM certificates WHERE issuer = 'new2'")
split=$(psql_q "SELECT string_agg(worker || '=' || n, ' ') FROM (SELECT worker, count(*) n FROM reissue_items i JOIN reissue_jobs j ON j.id = i.job_id WHERE j.to_ca = 'new2' GROUP BY worker) s")
printf 'records=%s shim=%sus sessions=%s batch=%s\n' "$records" "$latency_us" "$sessions" "$batch"
printf 'one worker:  %.0f/s\ntwo workers: %.0f/s (%s)\nratio: %.2f (target >= 1.6)\n' \
  "$single" "$combined" "$split" "$(echo "$combined / $single" | bc -l)"
printf 'new2 records: %s of %s, duplicates: %s\n' "$done2" "$records" "$dups"
[[ $dups == 0 && $done2 == "$records" ]]
