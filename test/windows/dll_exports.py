#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails unless hvsup.dll exports exactly the names in libhvsup/capi/hvsup.def, all hvsup_*.

The Windows counterpart of test/abi/exported_symbols.py: argv = objdump, hvsup.dll, hvsup.def.
"""
import re
import subprocess
import sys

objdump, dll, deffile = sys.argv[1:4]
out = subprocess.run([objdump, "-p", dll], check=True, capture_output=True, text=True).stdout
table = out.split("[Ordinal/Name Pointer] Table", 1)
if len(table) != 2:
    sys.exit(f"{dll}: no export table")
exported = set(re.findall(r"^\s*\[\s*\d+\]\s+(\S+)\s*$", table[1].split("\n\n", 1)[0], re.M))

listed = set()
in_exports = False
for line in open(deffile, encoding="utf-8"):
    line = line.split(";", 1)[0].strip()
    if not line:
        continue
    if line.upper() == "EXPORTS":
        in_exports = True
    elif in_exports:
        listed.add(line.split()[0])

problems = []
if stray := sorted(n for n in exported if not n.startswith("hvsup_")):
    problems.append(f"exports outside the C ABI: {', '.join(stray)}")
if missing := sorted(listed - exported):
    problems.append(f"listed in {deffile} but not exported: {', '.join(missing)}")
if extra := sorted(exported - listed):
    problems.append(f"exported but not listed in {deffile}: {', '.join(extra)}")
if not exported:
    problems.append("no exports found")
if problems:
    sys.exit(f"{dll}: " + "; ".join(problems))
print(f"{dll}: {len(exported)} exports, exactly the .def list, all hvsup_*")
