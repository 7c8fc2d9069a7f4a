#!/usr/bin/env bash
# README Quick start, command 1: install what is needed, build signet, and run the slice end to
# end on a fresh SoftHSM token — token, CA key generated inside it, self-signed CA, kubelet client
# certificates for a few nodes — then check them with OpenSSL and GnuTLS, tools we did not write.
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
"$signet" ca init --name kubernetes --key "$key" --subject CN=kubernetes --validity 87600h \
  --out "$demo/ca.crt"
"$signet" ca list

step "signet sign: kubelet client certificates for 3 nodes"
for n in 1 2 3; do
  node=node-$n
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$demo/nodes/$node.key" -subj "/O=system:nodes/CN=system:node:$node" \
    -out "$demo/nodes/$node.csr" 2>/dev/null
  "$signet" sign --ca kubernetes --profile kubelet-client --csr "$demo/nodes/$node.csr" \
    --out "$demo/nodes/$node.crt"
done

step "independent checks"
for n in 1 2 3; do
  openssl verify -x509_strict -purpose sslclient -CAfile "$demo/ca.crt" "$demo/nodes/node-$n.crt"
  certtool --verify --load-ca-certificate "$demo/ca.crt" --infile "$demo/nodes/node-$n.crt" \
    --verify-purpose 1.3.6.1.5.5.7.3.2 2>/dev/null | grep 'Chain verification output'
done
openssl x509 -in "$demo/nodes/node-1.crt" -noout -subject -issuer -dates -ext \
  basicConstraints,keyUsage,extendedKeyUsage
step "the CA key, inside the token: sensitive, never extractable"
"$signet" key list --token signet-demo --pin-source "file:$demo/pin"

step "done: state in $SIGNET_HOME, certificates in $demo/nodes"
