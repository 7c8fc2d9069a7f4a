#!/usr/bin/env bash
# README Quick start, command 1: install what is needed, build signet, and run the slice end to
# end on a fresh SoftHSM token — token, CA key generated inside it, self-signed CA, a generated
# fleet of 10,000 nodes (SIGNET_DEMO_NODES) signed by sign-batch — then check a sample with OpenSSL
# and GnuTLS, tools we did not write, and compare the batch rate with the token's raw ceiling.
# Everything lives under ./var/demo (PIN files included, mode 0600); it is recreated on each run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${SIGNET_SKIP_INSTALL:-0}" != 1 ]; then
  bash tools/install-deps.sh
fi
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGNET_BUILD_TESTS=OFF \
  -DSIGNET_BUILD_BENCH=OFF >/dev/null
cmake --build build/demo -j "$(nproc)" --target signet
signet=$root/build/demo/tools/signet

demo=$root/var/demo
rm -rf "$demo"
mkdir -p "$demo/tokens" "$demo/nodes"
umask 077
cat >"$demo/softhsm2.conf" <<CONF
directories.tokendir = $demo/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF=$demo/softhsm2.conf
# Random PINs in files: PINs never appear on a command line.
openssl rand -hex 16 >"$demo/pin"
openssl rand -hex 16 >"$demo/so-pin"
export SIGNET_HOME=$demo/state
module=/usr/lib/softhsm/libsofthsm2.so
key="pkcs11:token=signet-demo;object=kubernetes-ca?pin-source=file:$demo/pin"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "signet token init (SoftHSM token 'signet-demo')"
"$signet" token init --module "$module" --label signet-demo \
  --pin-source "file:$demo/pin" --so-pin-source "file:$demo/so-pin"
step "signet key generate: the cluster CA key, generated inside the token"
"$signet" key generate --algorithm "${SIGNET_DEMO_ALGORITHM:-ecdsa-p256}" --key "$key"
step "signet ca init: self-signed CA 'kubernetes', signed by the token"
"$signet" ca init --name kubernetes --key "$key" --profile kubernetes-ca \
  --out "$demo/ca.crt"
"$signet" ca list

nodes=${SIGNET_DEMO_NODES:-10000}
step "signet fleet generate: $nodes nodes' kubelet-client and kubelet-serving CSRs (P-256)"
"$signet" fleet generate --nodes "$nodes" --out "$demo/fleet.jsonl"

step "signet sign-batch: every request through the pipeline, signatures in the token"
# --sign-inline: SoftHSM signs on these CPUs, so the pipeline's workers call C_Sign themselves.
"$signet" sign-batch --ca kubernetes --in "$demo/fleet.jsonl" --out "$demo/certs.jsonl" \
  --sign-inline --progress-interval 5 --output json | tee "$demo/summary.json"

step "independent checks: 20 random certificates with openssl verify and certtool"
python3 - "$demo/certs.jsonl" "$demo/nodes" <<'PY'
import json, random, sys
lines = open(sys.argv[1]).read().splitlines()
for i, line in enumerate(random.sample(lines, min(20, len(lines)))):
    item = json.loads(line)
    open(f"{sys.argv[2]}/sample-{i}.crt", "w").write(item["certificate"])
    open(f"{sys.argv[2]}/sample-{i}.id", "w").write(item["id"])
PY
for crt in "$demo"/nodes/sample-*.crt; do
  id=$(cat "${crt%.crt}.id")
  case $id in */client) purpose=sslclient oid=1.3.6.1.5.5.7.3.2 ;; *) purpose=sslserver oid=1.3.6.1.5.5.7.3.1 ;; esac
  printf '%-22s ' "$id"
  openssl verify -x509_strict -purpose "$purpose" -CAfile "$demo/ca.crt" "$crt" | sed 's/.*: //' | tr '\n' ' '
  certtool --verify --load-ca-certificate "$demo/ca.crt" --infile "$crt" --verify-purpose "$oid" \
    2>/dev/null | grep 'Chain verification output'
done
openssl x509 -in "$(ls "$demo"/nodes/sample-*.crt | head -1)" -noout -subject -issuer -dates -ext \
  basicConstraints,keyUsage,extendedKeyUsage,subjectAltName

step "the token's raw ceiling: signet bench hsm --threads 2 --seconds 2 --repeat 1"
"$signet" bench hsm --key "$key" --threads 2 --seconds 2 --repeat 1 --output json \
  >"$demo/bench.json"
python3 - "$demo/summary.json" "$demo/bench.json" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
raw = json.load(open(sys.argv[2]))["points"][0]["raw_per_s"]
rate = summary["rate"]
print(f"batch: {summary['issued']}/{summary['count']} issued in {summary['elapsed_seconds']} s: "
      f"{rate:.0f} certificates/s; token raw ceiling {raw:.0f} signatures/s; "
      f"ratio {rate / raw if raw else 0:.2f}")
PY

step "the CA key, inside the token: sensitive, never extractable"
"$signet" key list --token signet-demo --pin-source "file:$demo/pin"

step "done: state in $SIGNET_HOME, certificates in $demo/certs.jsonl"
