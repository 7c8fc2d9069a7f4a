#!/usr/bin/env bash
# Runs clang-tidy-16 (checks in .clang-tidy, every warning an error) over signet's own .cc/.cpp
# files in core hsm scheduler tools (not tests/ or bench/), two files at a time.
#
# Usage: tools/lint.sh [BUILD_DIR]      BUILD_DIR defaults to <repo>/build and must hold
#                                       compile_commands.json (cmake -S . -B build exports it)
# Files listed by git (tracked plus untracked, not ignored), or find outside a git checkout;
# those missing from compile_commands.json are skipped with a note. Set CLANG_TIDY to use
# another binary, LINT_JOBS to change the parallelism (default 2), LINT_FILE_CPU the CPU seconds
# one file may take (default 300; CPU, not wall time, since CI runs lint at nice 19 beside the
# builds): a dataflow check gone exponential then fails its file instead of stalling the CI.
# Exit: 0 clean, 1 any clang-tidy warning/error or setup problem, 2 usage error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
clang_tidy=${CLANG_TIDY:-clang-tidy-16}
jobs=${LINT_JOBS:-2}
file_cpu=${LINT_FILE_CPU:-300}
dirs=(core hsm scheduler tools)

case "${1:-}" in
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) echo "lint: unknown option '$1' (usage: $0 [BUILD_DIR])" >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then
  echo "lint: too many arguments (usage: $0 [BUILD_DIR])" >&2
  exit 2
fi
build_dir=${1:-$root/build}

if ! command -v "$clang_tidy" >/dev/null 2>&1; then
  echo "lint: ERROR: '$clang_tidy' not found; install it (apt-get install clang-tidy-16," \
    "see tools/install-deps.sh)" >&2
  exit 1
fi
if [ ! -f "$build_dir/compile_commands.json" ]; then
  echo "lint: ERROR: $build_dir/compile_commands.json not found." >&2
  echo "lint: configure first, e.g.: cmake -S $root -B $build_dir" \
    "(CMAKE_EXPORT_COMPILE_COMMANDS is ON in CMakeLists.txt), or pass the build dir: $0 BUILD_DIR" >&2
  exit 1
fi
build_dir=$(cd "$build_dir" && pwd)
if [ ! -f "$root/.clang-tidy" ]; then
  echo "lint: ERROR: $root/.clang-tidy is missing" >&2
  exit 1
fi
if ! cfg_out=$(cd "$root" && "$clang_tidy" --verify-config 2>&1); then
  echo "lint: ERROR: $clang_tidy rejects .clang-tidy:" >&2
  echo "$cfg_out" >&2
  exit 1
fi

cd "$root"
candidates=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
  [ "$(git rev-parse --show-toplevel)" = "$(pwd -P)" ]; then
  while IFS= read -r -d '' f; do
    [ -f "$f" ] && candidates+=("$f")
  done < <(git ls-files -z --cached --others --exclude-standard -- \
    "${dirs[@]/%//*.cc}" "${dirs[@]/%//*.cpp}" | sort -zu)
else
  existing=()
  for d in "${dirs[@]}"; do [ -d "$d" ] && existing+=("$d"); done
  if [ ${#existing[@]} -gt 0 ]; then
    while IFS= read -r -d '' f; do
      candidates+=("${f#./}")
    done < <(find "${existing[@]}" -type f \( -name '*.cc' -o -name '*.cpp' \) -print0 | sort -z)
  fi
fi

# Keep only the files the build compiles (clang-tidy needs their flags).
in_db=$(python3 -c '
import json, os, sys
with open(sys.argv[1]) as f:
    for e in json.load(f):
        p = e["file"] if os.path.isabs(e["file"]) else os.path.join(e["directory"], e["file"])
        print(os.path.realpath(p))
' "$build_dir/compile_commands.json")
files=()
for f in "${candidates[@]}"; do
  if grep -qxF -- "$(realpath "$f")" <<<"$in_db"; then
    files+=("$f")
  else
    echo "lint: note: $f is not in $build_dir/compile_commands.json; skipped"
  fi
done

if [ ${#files[@]} -eq 0 ]; then
  echo "lint: no source files to check under ${dirs[*]}"
  exit 0
fi

echo "lint: $clang_tidy on ${#files[@]} files (-p $build_dir, $jobs at a time)"
failed_list=$(mktemp)
trap 'rm -f "$failed_list"' EXIT

# The build's flags are g++'s: -Wno-unknown-warning-option stops gcc-only -W options
# (-Wlogical-op, -Wuseless-cast, ...) from being errors under clang. Clang's own warnings for the
# build's -W flags still show, as clang-diagnostic-<name>, and WarningsAsErrors: '*' makes them
# errors too (-Wno-error only keeps their names visible, so NOLINT(clang-diagnostic-...) works).
export clang_tidy build_dir failed_list file_cpu
# shellcheck disable=SC2016  # the inner script expands its own variables
printf '%s\0' "${files[@]}" | xargs -0 -n1 -P"$jobs" bash -c '
  f=$1
  rc=0
  out=$(ulimit -t "$file_cpu" && exec "$clang_tidy" -p "$build_dir" --quiet \
      --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-error "$f" 2>&1) || rc=$?
  if [ "$rc" = 0 ]; then
    echo "ok    $f"
  elif [ "$rc" -gt 128 ]; then  # killed: SIGXCPU at the CPU limit, or another signal
    printf "FAIL  %s\nclang-tidy was killed by signal %s after at most %s CPU seconds (LINT_FILE_CPU);%s\n" \
      "$f" "$((rc - 128))" "$file_cpu" " split the function a dataflow check is stuck in"
    echo "$f" >>"$failed_list"
  else
    printf "FAIL  %s\n%s\n" "$f" "$(grep -v -E "^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$" <<<"$out")"
    echo "$f" >>"$failed_list"
  fi
  exit 0
' lint-one

if [ -s "$failed_list" ]; then
  n=$(wc -l <"$failed_list")
  echo "lint: clang-tidy found problems in $n of ${#files[@]} files:"
  sort "$failed_list" | sed 's/^/  /'
  exit 1
fi
echo "lint ok: ${#files[@]} files checked"
