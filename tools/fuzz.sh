#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and fuzzes each for SIGNET_FUZZ_SECONDS
# (default 20) from its seed corpus in tests/fuzz/corpus/. A crash fails the run and leaves the
# input as crash-* in build/fuzz/tests/fuzz/. tools/test.sh runs it; run it alone for longer:
#   SIGNET_FUZZ_SECONDS=600 tools/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSIGNET_FUZZ=ON -DSIGNET_SANITIZE=address,undefined \
  -DSIGNET_FUZZ_SECONDS="${SIGNET_FUZZ_SECONDS:-20}" >/dev/null
cmake --build build/fuzz -j "$(nproc)"
cd build/fuzz && ctest -j "$(nproc)" --output-on-failure -L fuzz
