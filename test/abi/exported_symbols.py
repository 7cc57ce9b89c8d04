#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when the shared library exports any dynamic symbol other than hvsup_*."""
import re
import subprocess
import sys

library = sys.argv[1]
out = subprocess.run(["nm", "-D", "--defined-only", library], check=True, capture_output=True, text=True).stdout
names = []
for line in out.splitlines():
    parts = line.split()
    if len(parts) < 3:
        continue
    kind, name = parts[1], parts[2]
    if kind == "A":  # a version node (HVSUP_1, HVSUP_1.1, ...), not a symbol
        continue
    names.append(re.sub(r"@.*$", "", name))
if not names:
    sys.exit(f"{library}: no dynamic symbols found")
stray = sorted(n for n in names if not n.startswith("hvsup_"))
if stray:
    sys.exit(f"{library} exports {len(stray)} symbols outside the C ABI: {', '.join(stray[:20])}")
print(f"{library}: {len(names)} symbols, all hvsup_*")
