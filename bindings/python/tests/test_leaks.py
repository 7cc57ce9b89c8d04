# SPDX-License-Identifier: MIT
"""No C memory leaks: the system python runs leak_driver.py under valgrind --leak-check=full,
and every "definitely lost" block allocated inside libhvsup fails the test. A negative control
(the same driver dropping what the library returns) proves the check can fail."""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

DRIVER = pathlib.Path(__file__).with_name("leak_driver.py")
RECORD = re.compile(r"==\d+== ([\d,]+) (?:\([^)]*\) )?bytes in ([\d,]+) blocks are definitely lost in loss record")


def run_under_valgrind(lib, rounds, mode):
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        pytest.fail("valgrind is required (scripts/test.d/bindings.sh installs it)")
    env = dict(os.environ, PYTHONMALLOC="malloc", HVSUP_LIBRARY=lib.path)
    proc = subprocess.run(
        [valgrind, "--leak-check=full", "--show-leak-kinds=definite", "--num-callers=40",
         sys.executable, str(DRIVER), str(rounds), mode],
        capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{mode} rounds={rounds}" in proc.stdout
    return library_leaks(proc.stderr)


def library_leaks(report):
    """Blocks definitely lost whose allocation stack passes through libhvsup."""
    blocks = 0
    lines = report.splitlines()
    for i, line in enumerate(lines):
        m = RECORD.search(line)
        if not m:
            continue
        stack = []
        for following in lines[i + 1:]:
            if not re.search(r"==\d+==\s+(at|by) ", following):
                break
            stack.append(following)
        if any("hvsup" in frame for frame in stack):
            blocks += int(m.group(2).replace(",", ""))
    return blocks


def test_no_library_memory_is_leaked(lib):
    assert run_under_valgrind(lib, 10, "clean") == 0


def test_leak_check_detects_dropped_strings_and_errors(lib):
    rounds = 10
    # One response string and one error object per round are dropped. Valgrind's scan is
    # conservative: a stale copy of one pointer somewhere in the interpreter's live memory makes
    # that block "possibly lost" or "still reachable" instead (seen: 19 of 20, about one run in
    # four under pytest). So one of each kind may escape the count; 18 of 20 still shows the check
    # fails on leaks, while the clean run above must find 0.
    assert run_under_valgrind(lib, rounds, "leak") >= 2 * (rounds - 1)
