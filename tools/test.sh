#!/usr/bin/env bash
# README Quick start, command 2: install what is needed, build, and run the whole test suite —
# a normal build (all tests), an ASan+UBSan build (all tests but the `repo` checks — layout and
# format, which compile nothing —, the .deb check (`package`) and any labelled `long`), a TSan
# build (tests labelled `concurrency`), the libFuzzer targets (tools/fuzz.sh) and clang-tidy (tools/lint.sh).
# Runs as root on a fresh Debian 12; CI runs exactly this (.ci/run). Each stage prints its time.
# The normal build's tests run last, once, so the closing line is ctest's summary of every test.
# Set SIGNET_SKIP_INSTALL=1 to skip apt when the packages are known present.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
started=$SECONDS
stage_started=$SECONDS

stage() {  # stage TITLE — closes the previous stage's timer and opens the next
  if [ "$stage_started" != "$SECONDS" ] || [ "$started" != "$SECONDS" ]; then
    echo "-- $((SECONDS - stage_started)) s (total $((SECONDS - started)) s)"
  fi
  stage_started=$SECONDS
  echo "== $1"
}

build() {  # build DIR [TARGET] -- [cmake args...]
  local dir=$1 target=$2
  shift 3
  cmake -S . -B "$dir" -G Ninja -DSIGNET_BUILD_BENCH=OFF "$@" >/dev/null
  cmake --build "$dir" -j "$jobs" --target "$target"
}

if [ "${SIGNET_SKIP_INSTALL:-0}" != 1 ]; then
  stage "install Debian packages (tools/install-deps.sh)"
  bash tools/install-deps.sh
fi

# clang-tidy needs only a configured tree's compile_commands.json (one entry per source file, so
# not the unity builds below): it runs alongside the build and test stages at the lowest CPU
# priority (they wait on tokens, subprocesses and sleeps much of the time), and its report is
# printed, and its verdict taken, before the final tests.
stage "clang-tidy: configure build/ci-lint, then run in the background"
cmake -S . -B build/ci-lint -G Ninja -DSIGNET_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
lint_log=build/ci-lint.log
# Its own process group (setsid), so a failing stage stops lint.sh and its clang-tidy children.
setsid nice -n 19 tools/lint.sh build/ci-lint >"$lint_log" 2>&1 &
lint_pid=$!
trap 'kill -- -"$lint_pid" 2>/dev/null || true' EXIT

# Optimised like RelWithDebInfo but without debug info, and the CLI and tests unity-built
# (SIGNET_UNITY in CMakeLists.txt): far less compile time in CI.
stage "normal build"
# With the 100,000-record reissue crash test (issue 6 acceptance; label `long`, ~4 min).
build build/ci-release all -- -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DSIGNET_UNITY=ON -DSIGNET_REISSUE_LONG_TEST=ON

stage "ASan+UBSan build: all tests except long ones"
build build/ci-asan all -- -DCMAKE_BUILD_TYPE=Debug -DSIGNET_SANITIZE=address,undefined \
  -DSIGNET_UNITY=ON
(cd build/ci-asan && ctest -j "$jobs" --output-on-failure -LE 'long|repo|package')

stage "libFuzzer (clang): every parser, ${SIGNET_FUZZ_SECONDS:-20} s each"
bash tools/fuzz.sh

stage "TSan build: concurrency tests (oneTBB rebuilt with TSan from Debian's source: tools/tsan-tbb.sh)"
bash tools/tsan-tbb.sh build/tsan-tbb
build build/ci-tsan signet_concurrency_tests -- -DCMAKE_BUILD_TYPE=Debug -DSIGNET_SANITIZE=thread \
  -DSIGNET_UNITY=ON \
  -DTBB_DIR="$PWD/build/tsan-tbb/lib/cmake/TBB"
(cd build/ci-tsan && ctest -j "$jobs" --output-on-failure -L concurrency)

stage "clang-tidy (ran alongside the stages above): its report"
lint_rc=0
wait "$lint_pid" || lint_rc=$?
cat "$lint_log"
if [ "$lint_rc" != 0 ]; then
  echo "clang-tidy failed (exit $lint_rc)" >&2
  exit "$lint_rc"
fi

stage "normal build: all tests"
(cd build/ci-release && ctest -j "$jobs" --output-on-failure)
