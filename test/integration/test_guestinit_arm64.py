# SPDX-License-Identifier: MIT
"""The arm64 hvsup-guestinit (cross-built: scripts/build-guestinit-arm64) run by qemu-user
(qemu-aarch64-static) in its test mode against the REAL host side, as test_guestinit.py does
for the native init: the library's result service over the loopback emulation transport. The
workloads are the host's own programs: an x86-64 program the emulated init execs runs natively.
Skipped unless HVSUP_GUESTINIT_ARM64 names the arm64 init and qemu-aarch64-static is installed
(scripts/test.d/guestinit_arm64.sh sets it up)."""
import os
import pathlib
import shutil
import subprocess

import pytest

from test_guestinit import VM, Guest, lib  # noqa: F401 (lib is a fixture)

ARM64_INIT = os.environ.get("HVSUP_GUESTINIT_ARM64")
QEMU = shutil.which("qemu-aarch64-static")

pytestmark = pytest.mark.skipif(not ARM64_INIT or QEMU is None,
                                reason="needs HVSUP_GUESTINIT_ARM64 (the arm64 init) and qemu-aarch64-static")


@pytest.fixture
def arm64_guest(tmp_path, lib):  # noqa: F811
    init = pathlib.Path(ARM64_INIT)
    assert init.is_file(), f"HVSUP_GUESTINIT_ARM64={init} does not exist"
    g = Guest(tmp_path, lib, init=[QEMU, str(init)])
    yield g
    g.close()


def test_the_arm64_init_runs_under_qemu_user():
    proc = subprocess.run([QEMU, ARM64_INIT, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("hvsup-guestinit ")


def test_the_arm64_init_delivers_the_workloads_result(arm64_guest):
    arm64_guest.run_json({"command": ["echo", "hello from arm64"]})
    proc = arm64_guest.boot()
    assert proc.returncode == 0, proc.stderr
    r = arm64_guest.received()
    assert r["exit_code"] == 0
    assert r["stdout"] == "hello from arm64\n"
    assert "error" not in r
    assert b"hello from arm64\n" in proc.stdout
    assert b"result delivered to vsock port 1024" in proc.stderr


def test_the_arm64_init_reports_exit_code_and_both_streams(arm64_guest):
    arm64_guest.run_json({"command": ["/bin/sh", "-c", "echo ok; echo oops >&2; exit 3"], "env": ["K=v"]})
    proc = arm64_guest.boot()
    assert proc.returncode == 0, proc.stderr
    r = arm64_guest.received()
    assert (r["exit_code"], r["stdout"], r["stderr"]) == (3, "ok\n", "oops\n")


def test_the_arm64_init_delivers_a_failed_start(arm64_guest):
    arm64_guest.run_json({"command": ["/nonexistent/workload"]})
    proc, r = arm64_guest.boot_failing_start()
    assert "/nonexistent/workload" in r["error"]
