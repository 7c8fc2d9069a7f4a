#!/usr/bin/env bash
# Checks that every C++ file (*.h, *.hpp, *.cc, *.cpp under core hsm scheduler tools tests bench)
# is formatted per .clang-format, using clang-format-16.
#
# Usage: tools/check-format.sh          check only; exit 1 and list the badly formatted files
#        tools/check-format.sh --fix    rewrite those files in place
# Files: `git ls-files` (tracked, plus untracked files not ignored by .gitignore) when the repo
# root is a git checkout, otherwise `find`. Set CLANG_FORMAT to use another binary.
# Exit: 0 ok (or fixed), 1 bad formatting or clang-format missing, 2 usage error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
clang_format=${CLANG_FORMAT:-clang-format-16}
dirs=(core hsm scheduler tools tests bench)

fix=0
case "${1:-}" in
  "") ;;
  --fix) fix=1 ;;
  -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "check-format: unknown argument '$1' (usage: $0 [--fix])" >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then
  echo "check-format: too many arguments (usage: $0 [--fix])" >&2
  exit 2
fi

if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check-format: ERROR: '$clang_format' not found; install it (apt-get install clang-format-16," \
    "see tools/install-deps.sh)" >&2
  exit 1
fi
if [ ! -f "$root/.clang-format" ]; then
  echo "check-format: ERROR: $root/.clang-format is missing" >&2
  exit 1
fi

cd "$root"
if ! cfg_err=$("$clang_format" --style=file --dump-config 2>&1 >/dev/null) || [ -n "$cfg_err" ]; then
  echo "check-format: ERROR: $clang_format rejects .clang-format:" >&2
  echo "$cfg_err" >&2
  exit 1
fi

files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
  [ "$(git rev-parse --show-toplevel)" = "$(pwd -P)" ]; then
  while IFS= read -r -d '' f; do
    [ -f "$f" ] && files+=("$f")
  done < <(git ls-files -z --cached --others --exclude-standard -- \
    "${dirs[@]/%//*.h}" "${dirs[@]/%//*.hpp}" "${dirs[@]/%//*.cc}" "${dirs[@]/%//*.cpp}" | sort -zu)
else
  existing=()
  for d in "${dirs[@]}"; do [ -d "$d" ] && existing+=("$d"); done
  if [ ${#existing[@]} -gt 0 ]; then
    while IFS= read -r -d '' f; do
      files+=("${f#./}")
    done < <(find "${existing[@]}" -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cc' \
      -o -name '*.cpp' \) -print0 | sort -z)
  fi
fi

if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: no C++ files found under ${dirs[*]}"
  exit 0
fi

if [ "$fix" -eq 1 ]; then
  changed=0
  for f in "${files[@]}"; do
    if ! "$clang_format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
      "$clang_format" --style=file -i "$f"
      echo "reformatted $f"
      changed=$((changed + 1))
    fi
  done
  echo "check-format: $changed of ${#files[@]} files reformatted"
  exit 0
fi

bad=()
for f in "${files[@]}"; do
  if ! "$clang_format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
    # Show what would change (first lines only), to make CI logs useful.
    diff -u --label "$f" --label "$f (formatted)" "$f" <("$clang_format" --style=file "$f") |
      head -n 40 || true
  fi
done

if [ ${#bad[@]} -gt 0 ]; then
  echo
  echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted per .clang-format:"
  printf '  %s\n' "${bad[@]}"
  echo "run: tools/check-format.sh --fix"
  exit 1
fi
echo "format ok: ${#files[@]} files checked"
