#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when a public header breaks the C ABI's declaration rules (docs/c-api.md, docs/abi.md).

argv = the include/hvsup directory, libhvsup/capi/hvsup.def[, a C compiler command...].

  1. Out-parameters come first (libgit2's order): in every exported function that is not
     deprecated, no out-parameter follows an input. An out-parameter is a pointer-to-pointer
     or a pointer to a non-const integer or options struct; `hvsup_error** error` is the
     exception and must be the last parameter wherever it appears.
  2. A deprecated function (HVSUP_DEPRECATED) names a replacement that is exported and not
     deprecated itself.
  3. hvsup.def (the reviewed export list) names exactly the functions the headers declare.
  4. With a compiler: a call to a deprecated function warns (fails under -Werror) and names
     its replacement, and HVSUP_NO_DEPRECATION_WARNINGS silences it.
"""
import pathlib
import re
import subprocess
import sys
import tempfile

DECLARATION = re.compile(
    r"(?P<deprecated>HVSUP_DEPRECATED\(\s*\"(?P<message>[^\"]*)\"\s*\)\s*)?"
    r"HVSUP_API\s+(?P<result>[^;()]*?)\b(?P<name>hvsup_\w+)\s*\((?P<params>[^)]*)\)\s*;"
)
INTEGER_POINTEE = {"uint32_t", "int32_t", "uint64_t", "int64_t", "size_t"}


def strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


def is_out(param: str) -> bool:
    declaration = " ".join(param.split())
    if "**" in declaration:
        return True
    match = re.fullmatch(r"(const\s+)?(\w+)\s*\*\s*\w+", declaration)
    if not match or match.group(1):
        return False
    pointee = match.group(2)
    return pointee in INTEGER_POINTEE or pointee.endswith("_options")


def problems_in(name: str, params: list[str]) -> list[str]:
    found = []
    errors = [i for i, p in enumerate(params) if re.fullmatch(r"hvsup_error\s*\*\*\s*\w+", " ".join(p.split()))]
    if errors and errors != [len(params) - 1]:
        found.append(f"{name}: hvsup_error** must be the last parameter")
    seen_input = None
    for i, param in enumerate(params):
        if i in errors:
            continue
        if is_out(param):
            if seen_input is not None:
                found.append(f"{name}: out-parameter `{param.strip()}` follows input `{seen_input}`")
        elif seen_input is None:
            seen_input = param.strip()
    return found


DEPRECATED_CALL = """#include <hvsup/hvsup.h>
int main(void) { char* out = 0; return hvsup_supervise(0, "", &out, 0); }
"""


def deprecation_problems(compiler: list[str], include_root: pathlib.Path) -> list[str]:
    with tempfile.TemporaryDirectory() as work:
        source = pathlib.Path(work) / "deprecated_call.c"
        source.write_text(DEPRECATED_CALL, encoding="utf-8")

        def compile_with(*extra: str) -> subprocess.CompletedProcess[str]:
            command = [*compiler, "-fsyntax-only", "-Werror", f"-I{include_root}", *extra, str(source)]
            return subprocess.run(command, capture_output=True, text=True)

        found = []
        warned = compile_with()
        if warned.returncode == 0:
            found.append("a call to hvsup_supervise compiles under -Werror: HVSUP_DEPRECATED does not warn")
        elif "hvsup_context_supervise" not in warned.stderr:
            found.append(f"the deprecation warning does not name the replacement: {warned.stderr.strip()}")
        silenced = compile_with("-DHVSUP_NO_DEPRECATION_WARNINGS")
        if silenced.returncode != 0:
            found.append(f"HVSUP_NO_DEPRECATION_WARNINGS does not silence the warning: {silenced.stderr.strip()}")
        return found


def main() -> int:
    include_dir, def_file = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    declared: dict[str, str | None] = {}
    problems: list[str] = []
    for header in sorted(include_dir.glob("*.h")):
        for match in DECLARATION.finditer(strip_comments(header.read_text(encoding="utf-8"))):
            name = match["name"]
            params = [p for p in match["params"].split(",") if p.strip() not in ("", "void")]
            declared[name] = match["message"] if match["deprecated"] else None
            if not match["deprecated"]:
                problems += [f"{header.name}: {p}" for p in problems_in(name, params)]
    for name, message in declared.items():
        if message is None:
            continue
        replacement = re.search(r"\b(hvsup_\w+)", message)
        if not replacement or replacement.group(1) not in declared:
            problems.append(f"{name}: deprecated without naming an exported replacement ({message!r})")
        elif declared[replacement.group(1)] is not None:
            problems.append(f"{name}: its replacement {replacement.group(1)} is deprecated too")
    listed = set()
    in_exports = False
    for line in def_file.read_text(encoding="utf-8").splitlines():
        line = line.split(";", 1)[0].strip()
        if line.upper() == "EXPORTS":
            in_exports = True
        elif line and in_exports:
            listed.add(line.split()[0])
    if missing := sorted(set(declared) - listed):
        problems.append(f"declared but not in {def_file.name}: {', '.join(missing)}")
    if extra := sorted(listed - set(declared)):
        problems.append(f"in {def_file.name} but declared in no header: {', '.join(extra)}")
    if not declared:
        problems.append(f"no HVSUP_API declarations found under {include_dir}")
    if len(sys.argv) > 3:
        problems += deprecation_problems(sys.argv[3:], include_dir.parent)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    deprecated = sum(1 for m in declared.values() if m is not None)
    print(f"{len(declared)} exported functions ({deprecated} deprecated): out-parameters first, hvsup.def matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
