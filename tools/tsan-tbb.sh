#!/usr/bin/env bash
# Builds oneTBB with ThreadSanitizer from Debian's own source package, at exactly the version of
# the installed libtbb-dev, and installs it under OUT (default build/tsan-tbb).
#
# Why: Debian's libtbb is not built with TSan, so the happens-before edges of its task scheduler
# (a task spawned on one thread, run on another) are invisible to TSan and every flow-graph
# handoff looks like a race. The TSan build of signet links this copy instead (tools/test.sh
# passes -DTBB_DIR=OUT/lib/cmake/TBB), so TSan sees the scheduler's synchronisation and reports
# only real races. Same version and headers as the package, so nothing else changes.
#
# The source comes from the deb-src twin of the machine's own configured Debian archives, with
# private package lists: the system's apt configuration is not touched. Idempotent: an existing
# build of the same version is kept.
set -euo pipefail
out=${1:-build/tsan-tbb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(dpkg-query -W -f='${Version}' libtbb-dev)
if [ -f "$out/.version" ] && [ "$(cat "$out/.version")" = "$version" ] &&
  [ -f "$out/lib/cmake/TBB/TBBConfig.cmake" ]; then
  echo "tsan-tbb: oneTBB $version with TSan already in $out"
  exit 0
fi

work="$out/src"
rm -rf "$work"
mkdir -p "$work/lists/partial"
# deb-src lines for the archives the machine already uses for binary packages.
apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
  sort -u | while read -r uri release component; do
  echo "deb-src $uri $release $component"
done >"$work/sources.list"
if [ ! -s "$work/sources.list" ]; then
  echo "tsan-tbb: no configured Debian archive to fetch the onetbb source from" >&2
  exit 1
fi
apt_opts=(-q -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists")
apt-get "${apt_opts[@]}" update >/dev/null
(cd "$work" && apt-get "${apt_opts[@]}" source --download-only "onetbb=$version" >/dev/null 2>&1) || true
dsc=$(ls "$work"/onetbb_*.dsc 2>/dev/null | head -n 1)
if [ -z "$dsc" ]; then
  echo "tsan-tbb: the onetbb $version source could not be fetched" >&2
  exit 1
fi
# Debian's patches applied, as in the package (apt checked the files against the signed index).
srcdir="$work/onetbb"
dpkg-source --no-check -x "$dsc" "$srcdir" >/dev/null
cmake -S "$srcdir" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBB_STRICT=OFF \
  -DTBBMALLOC_BUILD=OFF -DCMAKE_INSTALL_PREFIX="$out" >/dev/null
cmake --build "$work/build" -j "$(nproc)" >/dev/null
cmake --install "$work/build" >/dev/null
rm -rf "$work"
echo "$version" >"$out/.version"
echo "tsan-tbb: oneTBB $version built with TSan in $out"
