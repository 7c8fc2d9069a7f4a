#!/usr/bin/env bash
# README Quick start, command 2: install what is needed, build, and run the whole test suite —
# a normal build (all tests), an ASan+UBSan build (all tests but the `repo` checks — layout and
# format, which compile nothing — and any labelled `long`) and a TSan build (tests labelled
# `concurrency`), then the libFuzzer targets (tools/fuzz.sh) and clang-tidy (tools/lint.sh). Runs as root on a fresh Debian 12; CI runs exactly
# this (.ci/run). Set SIGNET_SKIP_INSTALL=1 to skip apt when the packages are known present.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

if [ "${SIGNET_SKIP_INSTALL:-0}" != 1 ]; then
  bash tools/install-deps.sh
fi

build() {  # build DIR [cmake args...]
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DSIGNET_BUILD_BENCH=OFF "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

echo "== normal build: all tests"
build build/ci-release -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build/ci-release && ctest -j "$jobs" --output-on-failure)

echo "== ASan+UBSan build: all tests except long ones"
build build/ci-asan -DCMAKE_BUILD_TYPE=Debug -DSIGNET_SANITIZE=address,undefined
(cd build/ci-asan && ctest -j "$jobs" --output-on-failure -LE 'long|repo')

echo "== libFuzzer (clang): every parser, ${SIGNET_FUZZ_SECONDS:-20} s each"
bash tools/fuzz.sh

echo "== TSan build: concurrency tests (oneTBB rebuilt with TSan from Debian's source: tools/tsan-tbb.sh)"
bash tools/tsan-tbb.sh build/tsan-tbb
build build/ci-tsan -DCMAKE_BUILD_TYPE=Debug -DSIGNET_SANITIZE=thread \
  -DTBB_DIR="$PWD/build/tsan-tbb/lib/cmake/TBB"
(cd build/ci-tsan && ctest -j "$jobs" --output-on-failure -L concurrency)

echo "== clang-tidy"
tools/lint.sh build/ci-release

# The normal build's summary is printed last so the closing line counts every test.
echo "== summary (normal build)"
cd build/ci-release && ctest -j "$jobs" --output-on-failure
