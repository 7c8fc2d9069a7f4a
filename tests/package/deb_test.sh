#!/usr/bin/env bash
# PackageTest: `cpack -G DEB` in BUILD_DIR builds an installable signet .deb (issue 7,
# operations). Checked with Debian's own tools, not ours:
#   - dpkg-deb: the control fields (Depends from dpkg-shlibdeps) and the file list;
#   - dpkg -x: the extracted binary runs and reports the package's version; openssl loads the
#     provider from the extracted ossl-modules directory;
#   - systemd-analyze verify: the unit parses and its commands exist (pointed at the extracted
#     binary);
#   - the example config passes `signet config check` once its TLS paths name real files;
#   - dpkg --dry-run -i (as root): dpkg would install it here, dependencies satisfied.
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build_dir" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
debs=("$work"/out/signet_*_amd64.deb)
[ -f "${debs[0]}" ] || fail "no signet_*_amd64.deb in $work/out"
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
[ "$(dpkg-deb -f "$deb" Package)" = signet ] || fail "Package is not 'signet'"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libssl3 libtbb12 libsqlite3-0 libpqxx; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

grep -q adduser <<<"$depends" || fail "Depends lacks adduser (the postinst needs it): $depends"
dpkg-deb -I "$deb" postinst >"$work/postinst" 2>&1 || fail "the package has no postinst"
grep -q 'adduser --system --group' "$work/postinst" || fail "the postinst does not create the signet user"
sh -n "$work/postinst" || fail "the postinst is not valid sh"

modules=$(pkg-config --variable=modulesdir libcrypto)
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/signet ".${modules}/signet_provider.so" ./lib/systemd/system/signet-serve.service \
  ./usr/share/doc/signet/examples/serve.json ./usr/share/doc/signet/README.md; do
  grep -qxF "$f" <<<"$contents" || fail "the package lacks $f"
done

root=$work/root
dpkg -x "$deb" "$root"
got=$("$root/usr/bin/signet" --version)
grep -q "^signet $version " <<<"$got" || fail "signet --version says '$got', package is $version"
openssl list -providers -provider-path "$root$modules" -provider signet_provider >"$work/prov.txt" 2>&1 ||
  { cat "$work/prov.txt"; fail "openssl cannot load the packaged provider"; }
grep -q 'status: active' "$work/prov.txt" || fail "the packaged provider is not active"

sed "s|/usr/bin/signet|$root/usr/bin/signet|g" "$root/lib/systemd/system/signet-serve.service" \
  >"$work/signet-serve.service"
systemd-analyze verify "$work/signet-serve.service" || fail "systemd-analyze verify rejects the unit"

# The example config, with its /etc/signet/tls files made real and a CA named as it expects.
tls=$work/tls
mkdir -p "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=clients-ca \
  -days 1 -keyout "$tls/clients-ca.key" -out "$tls/clients-ca.crt" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout "$tls/server.key" -out "$tls/server.crt" \
  2>/dev/null
sed "s|/etc/signet/tls|$tls|g" "$root/usr/share/doc/signet/examples/serve.json" >"$work/serve.json"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key" 2>/dev/null
"$root/usr/bin/signet" --allow-software-key --state "$work/state" ca init --name kubernetes \
  --subject CN=kubernetes --validity 24h --key "file:$work/ca.key" --out "$work/ca.crt" >/dev/null
"$root/usr/bin/signet" --state "$work/state" config check "$work/serve.json" ||
  fail "the example config fails signet config check"

if [ "$(id -u)" = 0 ]; then
  dpkg --dry-run -i "$deb" >"$work/dry.log" 2>&1 || { cat "$work/dry.log"; fail "dpkg --dry-run -i"; }
else
  echo "note: not root, dpkg --dry-run -i not tried"
fi
echo "ok: $(basename "$deb") ($version): fields, files, binary, provider, unit, example config"
