# SPDX-License-Identifier: MIT
"""The simulator's boot mode ("guest": {"boot": true}, test/sim/README.md) through hvsup-cli: the
simulated host attaches the VHDs to loop devices and runs the image's own hvsup-guestinit as PID 1
of new PID/mount/UTS namespaces, so run returns the workload's REAL output, a data disk is really
mounted, a published port reaches a server inside the guest, and stop ends it all. Needs root and
loop devices (skipped otherwise), a static busybox, and a static init (not sanitized builds)."""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import tool
from test_guestinit import sanitized_build
from test_lifecycle_sim import Runtime, simhost

BUSYBOX = shutil.which("busybox")
APPLETS = ("sh", "echo", "cat", "touch", "sleep", "httpd", "ls")


def can_boot():
    return os.geteuid() == 0 and os.path.exists("/dev/loop-control") and shutil.which("losetup") is not None


pytestmark = pytest.mark.skipif(sanitized_build() or BUSYBOX is None or not can_boot(),
                                reason="needs root, loop devices (losetup), a static busybox and a static init")


def make_image(tmp_path, run, name="rootfs", files=None, guest_init=True):
    """A vhdbuild root disk: busybox and its applets, the guest init, /etc/microagent/run.json."""
    src = tmp_path / f"{name}-src"
    for d in ("bin", "sbin", "etc/microagent", "proc", "sys", "dev", "tmp"):
        (src / d).mkdir(parents=True, exist_ok=True)
    shutil.copy(BUSYBOX, src / "bin" / "busybox")
    for applet in APPLETS:
        os.symlink("busybox", src / "bin" / applet)
    (src / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (src / "etc" / "microagent" / "run.json").write_text(json.dumps(run))
    for path, text in (files or {}).items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text)
    image = tmp_path / f"{name}.vhd"
    init = ["--guest-init", str(tool("hvsup-guestinit"))] if guest_init else []
    subprocess.run([str(tool("vhdbuild")), "--from-dir", str(src), "-o", str(image), "--size", "32M", *init, "--quiet"],
                   check=True, capture_output=True, timeout=300)
    return image


def loops_of(path):
    out = subprocess.run(["losetup", "-j", str(path)], capture_output=True, text=True, timeout=30).stdout
    return out.strip()


def detached(*paths, limit=10):
    deadline = time.monotonic() + limit
    while any(loops_of(p) for p in paths):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def processes_with(marker):
    """Pids whose command line holds `marker` (a guest process left behind)."""
    found = []
    for p in pathlib.Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if marker in (p / "cmdline").read_bytes():
                    found.append(int(p.name))
            except OSError:
                pass
    return found


@pytest.fixture
def rt(tmp_path):
    r = Runtime(tmp_path)
    r.host.script({"guest": {"boot": True}})
    yield r
    leaked = r.host.live_systems()
    r.host.kill_all()
    assert leaked == [], f"compute systems leaked: {leaked}"


def run_with_result(rt, **config):
    return rt.cli(rt.request("run", vsockListeners=[{"port": 1024, "target": rt.result_path()}], **config))


def test_run_returns_the_workloads_real_stdout_and_the_console_carries_it(rt, tmp_path):
    script = "echo hello-from-guest; echo pid=$$ host=$(cat /proc/sys/kernel/hostname); echo oops >&2"
    rt.rootfs = make_image(tmp_path, {"command": ["/bin/sh", "-c", script], "hostname": "guest-1"})
    r = run_with_result(rt)
    assert r["ok"] and r["event"]["state"] == "stopped", r
    assert r["result"]["exitCode"] == 0
    assert r["result"]["stdout"] == "hello-from-guest\npid=2 host=guest-1\n"
    assert r["result"]["stderr"] == "oops\n"
    serial = (rt.state / "agent-1" / "serial.log").read_text()
    assert "booting the image for real" in serial
    assert "hvsup-guestinit" in serial and "hello-from-guest" in serial
    assert "microagent_vsock_emulation_dir=" in serial
    assert detached(rt.rootfs)


def test_a_failing_workload_reports_its_exit_code(rt, tmp_path):
    rt.rootfs = make_image(tmp_path, {"command": ["/bin/sh", "-c", "echo failing; exit 7"]})
    r = run_with_result(rt)
    assert r["ok"], r
    assert r["result"]["exitCode"] == 7 and r["result"]["stdout"] == "failing\n"
    assert detached(rt.rootfs)


def test_an_image_without_the_init_is_a_guest_that_dies_saying_why(rt, tmp_path):
    rt.rootfs = make_image(tmp_path, {"command": ["/bin/true"]}, guest_init=False)
    r = run_with_result(rt)
    assert r["ok"] is False
    assert r["error"] == "the compute system exited without delivering a result"
    serial = (rt.state / "agent-1" / "serial.log").read_text()
    assert "boot failed: exec /sbin/microagent-init: No such file or directory" in serial
    assert detached(rt.rootfs)
    rt.cli(rt.request("delete"))


def test_a_data_disk_mounted_ro_is_read_only_inside(rt, tmp_path):
    data_src = tmp_path / "data-src"
    data_src.mkdir()
    (data_src / "hello.txt").write_text("data-disk-content\n")
    data = tmp_path / "data.vhd"
    subprocess.run([str(tool("vhdbuild")), "--from-dir", str(data_src), "-o", str(data), "--size", "16M", "--quiet"],
                   check=True, capture_output=True, timeout=300)
    script = "cat /data/hello.txt; touch /data/new 2>/dev/null && echo writable || echo read-only"
    rt.rootfs = make_image(tmp_path, {"command": ["/bin/sh", "-c", script],
                                      "mounts": [{"device": "/dev/sdb", "mountpoint": "/data", "mode": "ro"}]})
    r = run_with_result(rt, disks=[{"name": "data", "path": str(data), "mountpoint": "/data", "mode": "ro"}])
    assert r["ok"], r
    assert r["result"]["stdout"] == "data-disk-content\nread-only\n", r["result"]
    assert detached(rt.rootfs, data)


def http_get(port, limit=15):
    deadline = time.monotonic() + limit
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
                data = b""
                while chunk := c.recv(65536):
                    data += chunk
                if data:
                    return data
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing served on 127.0.0.1:{port} within {limit} s")
        time.sleep(0.1)


def test_start_serves_a_published_port_from_inside_and_stop_ends_it(rt, tmp_path):
    host_port, guest_port = simhost.free_port(), simhost.free_port()
    marker = f"127.0.0.1:{guest_port}"
    rt.rootfs = make_image(tmp_path, {"command": ["/bin/httpd", "-f", "-p", marker, "-h", "/www"],
                                      "port": 0,  # a service: no result to deliver
                                      "hostForwards": [{"hostPort": host_port, "guestPort": guest_port}]},
                           files={"www/index.html": "served-from-guest\n"})
    r = rt.cli(rt.request("start", network={"mode": "nat",
                                             "portForwards": [{"hostPort": host_port, "guestPort": guest_port}]}))
    assert r["ok"] and r["event"]["state"] == "running", r
    rt.note_helper()
    reply = http_get(host_port)
    assert reply.startswith(b"HTTP/1.") and reply.endswith(b"served-from-guest\n"), reply
    assert processes_with(marker.encode())
    r = rt.cli(rt.request("stop"))
    assert r["ok"] and r["event"]["state"] == "stopped", r
    assert rt.host.live_systems() == []
    deadline = time.monotonic() + 10
    while processes_with(marker.encode()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker.encode()) == []
    assert detached(rt.rootfs)


def run_as_nobody(r, request, path=None):
    """hvsup-cli as an unprivileged user (65534) against the runtime `r`; its response."""
    env = r.host.env()
    if path is not None:
        env["PATH"] = path
    argv = [str(tool("hvsup-cli")), "--hcs-library", str(r.host.library("computecore")),
            "--request-json", json.dumps(request)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                          user=65534, group=65534, extra_groups=[])
    return json.loads(proc.stdout)


@pytest.fixture
def nobody_runtime():
    """A runtime whose files an unprivileged user (65534) owns: a private base outside the
    tests' root-only temporary directories, its name with a space (the copy of the root disk is
    made by a debugfs request, which must quote it)."""
    base = pathlib.Path(tempfile.mkdtemp(prefix="hvsup boot-nonroot-"))
    os.chmod(base, 0o755)
    try:
        r = Runtime(base)
        r.host.script({"guest": {"boot": True}})
        yield base, r
        assert r.host.live_systems() == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_without_root_the_image_is_read_with_debugfs_and_booted_in_a_user_namespace(nobody_runtime):
    # The unprivileged mode: no loop devices, so the root disk's tree is read out with debugfs,
    # and the init runs as PID 1 of new user, PID, mount and UTS namespaces (uid 0 inside is
    # the caller). The run still returns the guest workload's real output.
    base, r = nobody_runtime
    script = "echo hello-unprivileged; echo pid=$$ uid=$(busybox id -u) host=$(cat /proc/sys/kernel/hostname)"
    r.rootfs = make_image(base, {"command": ["/bin/sh", "-c", script], "hostname": "guest-u"})
    subprocess.run(["chown", "-R", "65534:65534", str(base)], check=True)
    response = run_as_nobody(r, r.request("run", vsockListeners=[{"port": 1024, "target": r.result_path()}]))
    assert response["ok"], response
    assert response["result"]["stdout"] == "hello-unprivileged\npid=2 uid=0 host=guest-u\n", response["result"]
    serial = (r.state / "agent-1" / "serial.log").read_text()
    assert "hvsup-guestinit" in serial and "hello-unprivileged" in serial
    # What a user namespace may not do is reported on the console and passed over.
    assert "mount sysfs on /sys: Operation not permitted" in serial
    assert list(base.rglob("tree")) == []  # the copy read from the disk is gone with the guest
    r2 = run_as_nobody(r, r.request("delete"))
    assert r2["ok"], r2


def test_without_root_and_without_debugfs_the_start_fails_saying_why(nobody_runtime):
    # Unprivileged and no debugfs on the simulator's PATH: the start is refused (E_FAIL) with the
    # reason, rather than a VM that never answers.
    base, r = nobody_runtime
    r.rootfs = make_image(base, {"command": ["/bin/true"]})
    subprocess.run(["chown", "-R", "65534:65534", str(base)], check=True)
    response = run_as_nobody(r, r.request("run"), path=str(base / "no-tools"))
    assert response["ok"] is False, response
    assert "needs root" in response["error"] and "debugfs (e2fsprogs) on PATH" in response["error"], response


def test_without_root_a_data_disk_is_refused_saying_why(nobody_runtime):
    base, r = nobody_runtime
    data_src = base / "data-src"
    data_src.mkdir()
    data = base / "data.vhd"
    subprocess.run([str(tool("vhdbuild")), "--from-dir", str(data_src), "-o", str(data), "--size", "16M", "--quiet"],
                   check=True, capture_output=True, timeout=300)
    r.rootfs = make_image(base, {"command": ["/bin/true"]})
    subprocess.run(["chown", "-R", "65534:65534", str(base)], check=True)
    response = run_as_nobody(r, r.request("run", vsockListeners=[{"port": 1024, "target": r.result_path()}],
                                          disks=[{"name": "data", "path": str(data), "mountpoint": "/data",
                                                  "mode": "ro"}]))
    assert response["ok"] is False, response
    assert response["error"] == "the compute system exited without delivering a result", response
    serial = (r.state / "agent-1" / "serial.log").read_text()
    assert ("boot failed: the boot mode without root reads the root disk with debugfs and has no block devices: "
            "data disks need root (loop devices)") in serial, serial
    run_as_nobody(r, r.request("delete"))


NET_SCRIPT = r"""
/bin/busybox ip -4 -o addr show dev eth0 | /bin/busybox awk '{print $4}'
/bin/busybox ip route | /bin/busybox grep '^default'
/bin/busybox ping -c 1 -W 5 "$(/bin/busybox ip route | /bin/busybox awk '/^default/ {print $3}')" >/dev/null && echo gateway-answers
/bin/busybox cat /proc/net/dev | /bin/busybox tail -n +3 | /bin/busybox cut -d: -f1 | /bin/busybox tr -d ' ' | /bin/busybox sort | /bin/busybox tr '\n' ' '
"""


def test_a_guest_with_a_nic_gets_its_own_network_namespace_configured_from_the_document(rt, tmp_path):
    # NAT networking: the document's microagent_net_* keys reach the init, which configures the
    # guest's eth0 in a network namespace of its own (the other end of the veth is the gateway,
    # in the simulator's virtual switch), while the result still reaches the host.
    rt.rootfs = make_image(tmp_path, {"command": ["/bin/sh", "-c", NET_SCRIPT]})
    r = run_with_result(rt, network={"mode": "nat"})
    assert r["ok"], r
    serial = (rt.state / "agent-1" / "serial.log").read_text()
    ip = next(w.split("=", 1)[1] for w in serial.split() if w.startswith("microagent_net_ip="))
    gw = next(w.split("=", 1)[1] for w in serial.split() if w.startswith("microagent_net_gw="))
    out = r["result"]["stdout"].splitlines()
    assert out[0] == ip, (out, serial)
    assert out[1].startswith(f"default via {gw} dev eth0")
    assert out[2] == "gateway-answers"
    assert out[3].split() == ["eth0", "lo"]  # not the machine's interfaces
    assert "wired to the gateway" in serial and "microagent_vsock_emulation_netns=" in serial
    assert detached(rt.rootfs)


def test_a_nic_the_simulator_cannot_wire_fails_the_boot_saying_why(rt, tmp_path, monkeypatch):
    # Without iproute2 on the simulator's PATH the virtual switch cannot be made: the guest is
    # killed at once, the console says why, and nothing is left attached.
    env = rt.host.env()
    env["PATH"] = str(tmp_path / "no-tools")
    monkeypatch.setattr(rt.host, "env", lambda: env)
    rt.rootfs = make_image(tmp_path, {"command": ["/bin/busybox", "echo", "never"]})
    r = run_with_result(rt, network={"mode": "nat"})
    assert r["ok"] is False, r
    serial = (rt.state / "agent-1" / "serial.log").read_text()
    assert ("boot failed: the guest's NIC: ip link set lo up: No such file or directory "
            "(the boot mode's network needs iproute2)") in serial, serial
    assert "never" not in serial
    assert detached(rt.rootfs)
    rt.cli(rt.request("delete"))


def test_an_isolated_guest_has_a_network_namespace_with_loopback_only(rt, tmp_path):
    # isolated: no NIC, and none of the machine's interfaces either; lo works inside.
    script = ("/bin/busybox cat /proc/net/dev | /bin/busybox tail -n +3 | /bin/busybox cut -d: -f1 | "
              "/bin/busybox tr -d ' '; /bin/busybox ping -c 1 -W 5 127.0.0.1 >/dev/null && echo lo-answers")
    rt.rootfs = make_image(tmp_path, {"command": ["/bin/sh", "-c", script]})
    r = run_with_result(rt, network={"mode": "isolated"})
    assert r["ok"], r
    assert r["result"]["stdout"].split() == ["lo", "lo-answers"], r["result"]
    assert detached(rt.rootfs)
