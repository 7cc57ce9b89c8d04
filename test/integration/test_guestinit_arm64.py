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


BUSYBOX = shutil.which("busybox")


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None or BUSYBOX is None,
                    reason="needs root, unshare and a static busybox")
def test_the_arm64_init_as_pid1_mounts_runs_reaps_and_powers_off(tmp_path, lib):  # noqa: F811
    # qemu-aarch64-static is PID 1 of new PID, mount and UTS namespaces and runs the arm64 init,
    # which sees itself as PID 1 (getpid passes through), so it takes the PID 1 path: the base
    # mounts, the hostname, the workload (the root's x86-64 busybox, run natively), reaping and
    # reboot(2). These are arm64 instructions on the host's kernel: no arm64 kernel.
    g = Guest(tmp_path, lib, emulation_subdir="hvsock")
    try:
        for d in ("bin", "sbin", "dev", "proc", "sys", "tmp", "usr/bin"):
            (g.root / d).mkdir(parents=True, exist_ok=True)
        shutil.copy(BUSYBOX, g.root / "bin" / "busybox")
        os.symlink("busybox", g.root / "bin" / "sh")
        shutil.copy(ARM64_INIT, g.root / "sbin" / "microagent-init")
        shutil.copy(QEMU, g.root / "usr" / "bin" / "qemu-aarch64-static")
        (g.root / "etc" / "cmdline").write_text("root=/dev/sda rw\n")
        script = ("echo pid=$$ ppid=$PPID host=$(busybox hostname); busybox awk '{print $3, $2}' /proc/mounts; "
                  "( busybox sleep 0.2 & ); busybox sleep 1; "
                  "busybox awk '$1 == \"State:\" {print $2}' /proc/[0-9]*/status | busybox grep -c Z || true")
        g.run_json({"command": ["/bin/busybox", "sh", "-c", script], "hostname": "arm-1"})
        argv = ["unshare", "--pid", "--fork", "--mount", "--uts", f"--root={g.root}", "/usr/bin/qemu-aarch64-static",
                "/sbin/microagent-init", "--cmdline-file", "/etc/cmdline", "--vsock-emulation-dir", "/hvsock",
                "--vm-id", VM]
        proc = subprocess.run(argv, capture_output=True, timeout=120)
        # reboot(RB_POWER_OFF) in a PID namespace ends its PID 1 with SIGINT; unshare passes it on.
        assert proc.returncode in (-2, 128 + 2), proc.stderr
        r = g.received()
        assert r["exit_code"] == 0, r
        lines = r["stdout"].splitlines()
        # The workload's parent is PID 1; its own number is 3, as qemu's helper thread took 2.
        assert lines[0] in ("pid=2 ppid=1 host=arm-1", "pid=3 ppid=1 host=arm-1"), lines
        mounts = set(lines[1:-1])
        for expected in ("proc /proc", "sysfs /sys", "devtmpfs /dev", "tmpfs /tmp", "tmpfs /run"):
            assert expected in mounts, mounts
        assert lines[-1] == "0"  # the orphan was reaped by the arm64 PID 1
        assert b"result delivered to vsock port 1024" in proc.stderr
    finally:
        g.close()
