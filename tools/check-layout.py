#!/usr/bin/env python3
"""Check signet's module layering: which module may #include which.

Rules:
  core/       may include only core/ headers (never hsm/ or scheduler/)
  hsm/        may include core/ and hsm/ (never scheduler/)
  scheduler/  may include core/ and scheduler/ (never hsm/)

An include counts as pointing at module M when it is
  "signet/M/..." or <signet/M/...>,
  "M/include/..." or "M/src/..." (a path from the repository root), or
  a relative path ("../../M/src/x.h") that resolves into the folder M/.
Includes inside // or /* */ comments are ignored.

Usage:
  tools/check-layout.py [ROOT]     scan ROOT (default: the repository root, parent of tools/)
  tools/check-layout.py --self-test   check this checker on a temporary fake tree

Scans *.h, *.hpp, *.cc, *.cpp under core/, hsm/ and scheduler/. Prints one line per
violation ("path:line: core/ must not include hsm/ (signet/hsm/x.h)") and exits 1 if
there is any; otherwise prints "layout ok: N files checked" and exits 0.
Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

MODULES = ("core", "hsm", "scheduler")

# module -> modules it must never include
FORBIDDEN = {
    "core": ("hsm", "scheduler"),
    "hsm": ("scheduler",),
    "scheduler": ("hsm",),
}

EXTENSIONS = {".h", ".hpp", ".cc", ".cpp"}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def strip_comments(lines: list[str]) -> list[str]:
    """Returns the lines with // and /* */ comments blanked out (line count kept).

    Knows about string and character literals well enough that a "//" inside
    quotes is not taken for a comment; digit separators (1'000) are not quotes.
    """
    out = []
    in_block = False
    for line in lines:
        res = []
        i = 0
        n = len(line)
        quote = None  # '"' or "'" while inside a literal (literals end with the line)
        while i < n:
            c = line[i]
            if in_block:
                if line.startswith("*/", i):
                    in_block = False
                    res.append(" ")
                    i += 2
                else:
                    i += 1
                continue
            if quote:
                res.append(c)
                if c == "\\" and i + 1 < n:
                    res.append(line[i + 1])
                    i += 2
                    continue
                if c == quote:
                    quote = None
                i += 1
                continue
            if line.startswith("//", i):
                break
            if line.startswith("/*", i):
                in_block = True
                res.append(" ")
                i += 2
                continue
            if c == '"' or (c == "'" and not (i > 0 and line[i - 1].isalnum())):
                quote = c
            res.append(c)
            i += 1
        out.append("".join(res))
    return out


def target_module(root: Path, src: Path, kind: str, inc: str) -> str | None:
    """Returns the module an include points at, or None if it is not one of ours."""
    inc = inc.strip().replace("\\", "/")
    parts = [p for p in inc.split("/") if p not in ("", ".")]
    if len(parts) >= 2 and parts[0] == "signet" and parts[1] in MODULES:
        return parts[1]
    if len(parts) >= 2 and parts[0] in MODULES and parts[1] in ("include", "src"):
        return parts[0]
    if kind == '"' and (inc.startswith("./") or inc.startswith("../") or "/../" in inc):
        resolved = Path(os.path.normpath(src.parent / inc))
        try:
            rel = resolved.relative_to(root)
        except ValueError:
            return None
        if rel.parts and rel.parts[0] in MODULES:
            return rel.parts[0]
    return None


def source_files(root: Path) -> list[Path]:
    files = []
    for mod in MODULES:
        base = root / mod
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if Path(name).suffix in EXTENSIONS:
                    files.append(Path(dirpath) / name)
    return files


def check(root: Path) -> tuple[list[str], int]:
    """Returns (violation messages, number of files checked) for the tree at root."""
    root = Path(os.path.abspath(root))
    problems = []
    files = source_files(root)
    for path in files:
        rel = path.relative_to(root)
        module = rel.parts[0]
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            problems.append(f"{rel.as_posix()}:0: cannot read: {err}")
            continue
        for lineno, line in enumerate(strip_comments(text.splitlines()), start=1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            kind, inc = m.group(1), m.group(2)
            target = target_module(root, path, kind, inc)
            if target and target in FORBIDDEN[module]:
                problems.append(
                    f"{rel.as_posix()}:{lineno}: {module}/ must not include {target}/ ({inc.strip()})"
                )
    return problems, len(files)


def run(root: Path) -> int:
    root = Path(root)
    if not root.is_dir():
        print(f"check-layout: {root} is not a directory", file=sys.stderr)
        return 2
    problems, count = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"layout check failed: {len(problems)} forbidden include(s) in {count} files",
              file=sys.stderr)
        return 1
    print(f"layout ok: {count} files checked")
    return 0


# ---------------------------------------------------------------------------- self-test

CLEAN_TREE = {
    "core/include/signet/core/bytes.h":
        "#pragma once\n#include <cstdint>\n#include <vector>\n"
        "// #include \"signet/hsm/pkcs11_uri.h\"  (commented out: fine)\n"
        "namespace signet::core { using Bytes = std::vector<std::uint8_t>; }\n",
    "core/src/bytes.cc":
        "#include \"signet/core/bytes.h\"\n"
        "/* An old include, kept in a block comment:\n"
        "#include \"signet/scheduler/queue.h\"\n"
        "#include <signet/hsm/session.h>\n*/\n"
        "#include \"internal.h\"  // \"signet/hsm/x.h\" in a trailing comment\n"
        "const char* kUrl = \"http://example.invalid/signet/hsm/\";\n",
    "core/src/internal.h": "#pragma once\n",
    "hsm/include/signet/hsm/pkcs11_uri.h":
        "#pragma once\n#include \"signet/core/bytes.h\"\n",
    "hsm/src/pkcs11_uri.cc":
        "#include \"signet/hsm/pkcs11_uri.h\"\n#include <signet/core/bytes.h>\n"
        "#include \"../../core/src/internal.h\"\n#  include \"session.hpp\"\n",
    "hsm/src/session.hpp": "#pragma once\n",
    "scheduler/include/signet/scheduler/queue.h":
        "#pragma once\n#include <signet/core/bytes.h>\n",
    "scheduler/src/queue.cpp":
        "#include \"signet/scheduler/queue.h\"\n#include \"signet/core/bytes.h\"\n",
    # Outside the three modules: not scanned, may include anything.
    "tools/signet_cli.cc":
        "#include \"signet/hsm/pkcs11_uri.h\"\n#include \"signet/scheduler/queue.h\"\n",
    "tests/queue_test.cc": "#include \"signet/hsm/pkcs11_uri.h\"\n",
}

# (description, file to add, its content, expected message)
BAD_CASES = [
    ("core includes hsm",
     "core/src/signer.cc",
     "#include \"signet/core/bytes.h\"\n#include \"signet/hsm/pkcs11_uri.h\"\n",
     "core/src/signer.cc:2: core/ must not include hsm/ (signet/hsm/pkcs11_uri.h)"),
    ("core header includes scheduler (angle brackets)",
     "core/include/signet/core/job.h",
     "#pragma once\n\n#include <signet/scheduler/queue.h>\n",
     "core/include/signet/core/job.h:3: core/ must not include scheduler/ "
     "(signet/scheduler/queue.h)"),
    ("hsm includes scheduler",
     "hsm/src/token_pool.cc",
     "#include \"signet/hsm/pkcs11_uri.h\"\n#include \"signet/scheduler/queue.h\"\n",
     "hsm/src/token_pool.cc:2: hsm/ must not include scheduler/ (signet/scheduler/queue.h)"),
    ("scheduler includes hsm",
     "scheduler/src/worker.cc",
     "#include <vector>\n#include <signet/hsm/pkcs11_uri.h>\n",
     "scheduler/src/worker.cc:2: scheduler/ must not include hsm/ (signet/hsm/pkcs11_uri.h)"),
    ("scheduler reaches into hsm/src with a relative include",
     "scheduler/src/relative.cc",
     "#include \"signet/scheduler/queue.h\"\n#include \"../../hsm/src/session.hpp\"\n",
     "scheduler/src/relative.cc:2: scheduler/ must not include hsm/ (../../hsm/src/session.hpp)"),
    ("core reaches into hsm/include with a relative include",
     "core/src/relative.cc",
     "#include \"../../hsm/include/signet/hsm/pkcs11_uri.h\"\n",
     "core/src/relative.cc:1: core/ must not include hsm/ "
     "(../../hsm/include/signet/hsm/pkcs11_uri.h)"),
    ("forbidden include after a // comment and a string that contain /*",
     "core/src/glob.cc",
     "// headers live in include/signet/core/*.h\n"
     "const char* kGlob = \"include/*\";\n"
     "#include \"signet/hsm/pkcs11_uri.h\"\n",
     "core/src/glob.cc:3: core/ must not include hsm/ (signet/hsm/pkcs11_uri.h)"),
    ("hsm includes scheduler by a root-relative path",
     "hsm/src/rootrel.cc",
     "#include \"scheduler/include/signet/scheduler/queue.h\"\n",
     "hsm/src/rootrel.cc:1: hsm/ must not include scheduler/ "
     "(scheduler/include/signet/scheduler/queue.h)"),
]


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def run_cli(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, os.path.abspath(__file__), str(root)],
                          capture_output=True, text=True, check=False)


def self_test() -> int:
    failures = 0

    def report(ok: bool, what: str, detail: str = "") -> None:
        nonlocal failures
        print(f"{'ok  ' if ok else 'FAIL'}  {what}")
        if not ok:
            failures += 1
            if detail:
                print("      " + detail.rstrip().replace("\n", "\n      "))

    with tempfile.TemporaryDirectory(prefix="signet-layout-") as tmp:
        root = Path(tmp)
        write_tree(root, CLEAN_TREE)
        n_clean = sum(1 for k in CLEAN_TREE if k.split("/")[0] in MODULES)

        res = run_cli(root)
        expected = f"layout ok: {n_clean} files checked"
        report(res.returncode == 0 and res.stdout.strip() == expected,
               f"clean tree passes (allowed includes, commented-out ones, tools/ and tests/ "
               f"ignored): {expected!r}",
               f"exit {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}")

        for what, rel, content, message in BAD_CASES:
            path = root / rel
            write_tree(root, {rel: content})
            res = run_cli(root)
            lines = res.stdout.splitlines()
            report(res.returncode == 1 and lines == [message],
                   f"{what}: exit 1 with {message!r}",
                   f"exit {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}")
            path.unlink()

        res = run_cli(root)
        report(res.returncode == 0, "tree is clean again after removing the bad files",
               f"exit {res.returncode}\nstdout: {res.stdout}")

        # All bad files at once: every one is reported, in one run.
        for _, rel, content, _ in BAD_CASES:
            write_tree(root, {rel: content})
        res = run_cli(root)
        got = sorted(res.stdout.splitlines())
        want = sorted(m for _, _, _, m in BAD_CASES)
        report(res.returncode == 1 and got == want,
               f"all {len(BAD_CASES)} bad files together: each reported once",
               f"exit {res.returncode}\nstdout: {res.stdout}")

    res = run_cli(Path(tmp) / "does-not-exist")
    report(res.returncode == 2, "missing ROOT: exit 2", f"exit {res.returncode}")

    total = len(BAD_CASES) + 4
    if failures:
        print(f"self-test FAILED: {failures} of {total} cases")
        return 1
    print(f"self-test passed: {total} cases")
    return 0


def main(argv: list[str]) -> int:
    default_root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(
        description="Check that core/, hsm/ and scheduler/ include only what they may.")
    parser.add_argument("root", nargs="?", default=str(default_root),
                        help=f"repository root (default: {default_root})")
    parser.add_argument("--self-test", action="store_true",
                        help="run the checker against a temporary fake tree and exit")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    return run(Path(args.root))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
