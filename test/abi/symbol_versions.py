#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails unless the library's symbol versions follow docs/abi.md ("Symbol versions"):

* every function of the last release's ABI baseline keeps the version it had there;
* every function added since is in one version node that the baseline does not have (the
  current release's), so a program that uses one of them and is started with the older library
  stops at load time ("version `HVSUP_1.1' not found") instead of at its first call;
* every exported function has a version.

Usage: symbol_versions.py LIBRARY BASELINE
"""
import re
import subprocess
import sys

library, baseline = sys.argv[1], sys.argv[2]
with open(baseline, encoding="utf-8") as f:
    released = dict(re.findall(r"<elf-symbol name='(hvsup_\w+)' version='([^']*)'", f.read()))
if not released:
    sys.exit(f"{baseline}: no hvsup_* symbols with versions found")

out = subprocess.run(["readelf", "--dyn-syms", "-W", library], check=True, capture_output=True, text=True).stdout
built = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) < 8 or parts[3] != "FUNC" or parts[6] == "UND":
        continue
    name, _, version = parts[7].partition("@")
    if name.startswith("hvsup_"):
        built[name] = version.lstrip("@")
if not built:
    sys.exit(f"{library}: no hvsup_* functions found")

problems = []
for name, version in sorted(built.items()):
    if not version:
        problems.append(f"{name} has no symbol version")
    elif name in released and version != released[name]:
        problems.append(f"{name} moved from {released[name]} (the baseline's) to {version}")
added = {name: version for name, version in built.items() if name not in released}
new_nodes = sorted(set(added.values()))
if len(new_nodes) > 1:
    problems.append(f"the functions added since the baseline are in {len(new_nodes)} version nodes ({', '.join(new_nodes)}), "
                    "not one for this release")
for name, version in sorted(added.items()):
    if version in set(released.values()):
        problems.append(f"{name} is new since the baseline but in its node {version}: list it in this release's node in hvsup.map")
if problems:
    sys.exit(f"{library}: symbol versions do not follow docs/abi.md:\n  " + "\n  ".join(problems))
print(f"{library}: {len(released)} released functions keep their versions; "
      f"{len(added)} added ones are in {', '.join(new_nodes) or 'no new node (none added)'}")
