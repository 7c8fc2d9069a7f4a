#!/usr/bin/env bash
# Issue 5 item 6: in one go, on a fresh SoftHSM token in a temp dir,
#   1. `signet bench pipeline` on SoftHSM (P-256 CA, 2 threads),
#   2. the same through the PKCS#11 shim (5 ms per C_Sign, 32 sessions: an emulated network HSM),
#   3. `openssl x509 -req` once per certificate for a sample of CSRs (what a shell script does),
# then one table with medians, spread and ratios. Bounded: a few minutes with the defaults.
#
# Usage: bench/compare-pipeline.sh [BUILD_DIR=build/dev]
#   env: CSRS=10000 REPEAT=5 SECONDS_PER_SAMPLE=2 THREADS=2 SHIM_SESSIONS=32 SHIM_LATENCY_US=5000
#        OPENSSL_SAMPLE=200 SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
set -euo pipefail

build=${1:-build/dev}
signet_bin=$(realpath "$build/tools/signet")
shim=$(realpath "$build/hsm/shim/libsignet_pkcs11_shim.so")
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
csrs=${CSRS:-10000}
repeat=${REPEAT:-5}
seconds=${SECONDS_PER_SAMPLE:-2}
threads=${THREADS:-2}
shim_sessions=${SHIM_SESSIONS:-32}
latency_us=${SHIM_LATENCY_US:-5000}
sample=${OPENSSL_SAMPLE:-200}
for f in "$signet_bin" "$shim" "$softhsm"; do
  [[ -e $f ]] || { echo "compare-pipeline: missing $f (build the signet and signet_pkcs11_shim targets)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "compare-pipeline: needs jq" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$work" >softhsm2.conf
export SOFTHSM2_CONF=$work/softhsm2.conf SIGNET_HOME=$work/state
# PINs only through pin-source files (RFC 7512), never on a command line.
(umask 077; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >pin.txt; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >so-pin.txt)
"$signet_bin" token init --module "$softhsm" --label bench --pin-source "file:$work/pin.txt" \
  --so-pin-source "file:$work/so-pin.txt" >/dev/null
key="pkcs11:token=bench;object=bench-ca?pin-source=file:$work/pin.txt"
"$signet_bin" key generate --algorithm ecdsa-p256 --key "$key" >/dev/null
"$signet_bin" ca init --name bench-ca --key "$key" --subject CN=bench-ca --validity 8760h \
  --out "$work/ca.crt" >/dev/null

echo "load before: $(uptime)" >&2
"$signet_bin" bench pipeline --ca bench-ca --csrs "$csrs" --threads "$threads" \
  --seconds "$seconds" --repeat "$repeat" --output json >softhsm.json

# The shim caps sessions at SHIM_SESSIONS + 1: the engine's pool keeps one anchor session, so
# both the engine and the component loop sign on exactly SHIM_SESSIONS sessions.
SIGNET_SHIM_MODULE=$softhsm SIGNET_SHIM_SIGN_LATENCY_US=$latency_us \
SIGNET_SHIM_MAX_SESSIONS=$((shim_sessions + 1)) \
  "$signet_bin" bench pipeline --key "$key&module-path=$shim" --csrs "$csrs" \
  --threads "$threads" --sessions "$shim_sessions" --seconds "$seconds" --repeat "$repeat" \
  --output json >shim.json

# `openssl x509 -req` once per certificate, each its own key and CSR made beforehand (outside
# the clock); the CA key is a software key file here, as a shell script's would be.
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -new -x509 -key ca.key -subj /CN=script-ca -days 365 -out script-ca.crt 2>/dev/null
mkdir csr
for i in $(seq 1 "$sample"); do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
    -subj "/O=system:nodes/CN=system:node:script-$i" -out "csr/$i.csr" 2>/dev/null
done
script_rates=()
for rep in $(seq 1 "$repeat"); do
  start=$(date +%s.%N)
  for i in $(seq 1 "$sample"); do
    openssl x509 -req -in "csr/$i.csr" -CA script-ca.crt -CAkey ca.key -set_serial "$((rep * 100000 + i))" \
      -days 365 -out /dev/null 2>/dev/null
  done
  end=$(date +%s.%N)
  script_rates+=("$(echo "$sample / ($end - $start)" | bc -l)")
done
echo "load after: $(uptime)" >&2

# One table: median /s, spread ((max-min)/median), CPU cores.
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.0f\t%.1f%%", m, 100*(v[NR]-v[1])/m}'; }
row() {  # file side label
  jq -r --arg s "$2" --arg l "$3" \
    '.series[$s] | "\($l)\t\(.median_per_s|floor)\t\(.spread*1000|round/10)%\t\(.cpu_cores*100|round/100)"' "$1"
}
{
  echo -e "PATH\tMEDIAN/s\tSPREAD\tCPU_CORES"
  row softhsm.json component "softhsm component loop (${threads}t)"
  row softhsm.json engine "softhsm engine (${threads}t)"
  row softhsm.json naive "naive OpenSSL, software key (${threads}t)"
  row shim.json component "shim ${latency_us}us component loop (${shim_sessions}t)"
  row shim.json engine "shim ${latency_us}us engine (${threads}t, ${shim_sessions} sessions)"
  echo -e "openssl x509 -req per cert (1 process each)\t$(stats "${script_rates[@]}")\t-"
} | column -t -s $'\t'
script_median=$(stats "${script_rates[@]}" | cut -f1)
jq -r --arg script "$script_median" -s '
  "ratios: softhsm engine/component \(.[0].ratios.engine_over_component*1000|round/1000) (target >= 0.85)," +
  " engine/naive \(.[0].ratios.engine_over_naive*1000|round/1000)," +
  " engine/openssl-x509 \((.[0].series.engine.median_per_s / ($script|tonumber))*10|round/10)x;" +
  " shim engine/component \(.[1].ratios.engine_over_component*1000|round/1000) (target >= 0.85)"' \
  softhsm.json shim.json
echo "csrs=$csrs repeat=$repeat seconds=$seconds openssl_sample=$sample ($(date -u +%FT%TZ))"
