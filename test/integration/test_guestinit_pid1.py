# SPDX-License-Identifier: MIT
"""hvsup-guestinit as PID 1 (not the test mode): started by unshare in new PID, mount and UTS
namespaces and chrooted into a small root (busybox + the init), so its mounts, hostname, reaping
and reboot(2) run for real, and its result goes to the library's result service over the
emulation transport (a directory inside the root). Needs root, unshare and a static busybox;
skipped otherwise, and for sanitized builds (the init is dynamic there)."""
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import tool
from test_guestinit import VM, Guest, lib, sanitized_build  # noqa: F401 (lib is a fixture)

BUSYBOX = shutil.which("busybox")


def can_unshare():
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    proc = subprocess.run(["unshare", "--pid", "--fork", "--mount", "--uts", "true"], capture_output=True, timeout=20)
    return proc.returncode == 0


pytestmark = pytest.mark.skipif(sanitized_build() or BUSYBOX is None or not can_unshare(),
                                reason="needs root, unshare, a static busybox and a static init")


@pytest.fixture
def pid1(tmp_path, lib):  # noqa: F811
    g = Guest(tmp_path, lib, emulation_subdir="hvsock")
    for d in ("bin", "sbin", "dev", "proc", "sys", "tmp"):
        (g.root / d).mkdir(exist_ok=True)
    shutil.copy(BUSYBOX, g.root / "bin" / "busybox")
    os.symlink("busybox", g.root / "bin" / "sh")
    shutil.copy(tool("hvsup-guestinit"), g.root / "sbin" / "microagent-init")
    yield g
    g.close()


def boot_pid1(g, cmdline="root=/dev/sda rw", timeout=60):
    """Runs the init as PID 1 of new namespaces; the command line file and the emulation
    directory are given as paths inside the root."""
    (g.root / "etc" / "cmdline").write_text(cmdline + "\n")
    argv = ["unshare", "--pid", "--fork", "--mount", "--uts", f"--root={g.root}", "/sbin/microagent-init",
            "--cmdline-file", "/etc/cmdline", "--vsock-emulation-dir", "/hvsock", "--vm-id", VM]
    return subprocess.run(argv, capture_output=True, timeout=timeout)


def boot_pid1_with_veth(g, cmdline, timeout=60, result_channel=False, peer_setup=""):
    """Runs the init as PID 1 of new namespaces, a new network namespace among them, holding a
    veth pair eth0/eth1 made before the init starts. With `result_channel`, this process's
    network namespace is bound at /hostns inside the root and named to the init as the
    emulation's (microagent_vsock_emulation_netns), so the result leaves the namespace; without
    it, no result channel leaves it. `peer_setup`: shell commands run in the namespace before the
    init starts (eth1, the peer, is there to be configured)."""
    if result_channel:
        cmdline += f" microagent_vsock_emulation_dir=/hvsock microagent_vm_id={VM} microagent_vsock_emulation_netns=/hostns"
        (g.root / "hostns").write_text("")
    (g.root / "etc" / "cmdline").write_text(cmdline + "\n")
    bind = f"mount --bind /proc/{os.getpid()}/ns/net {g.root}/hostns && " if result_channel else ""
    setup = (f"ip link add eth0 type veth peer name eth1 && {peer_setup}{bind}exec chroot {g.root} "
             "/sbin/microagent-init --cmdline-file /etc/cmdline")
    return subprocess.run(["unshare", "--net", "--pid", "--fork", "--mount", "--uts", "sh", "-c", setup],
                          capture_output=True, timeout=timeout)


def powered_off(proc):
    # reboot(RB_POWER_OFF) in a PID namespace ends its init with SIGINT (RB_AUTOBOOT: SIGHUP);
    # unshare passes the signal on to itself.
    return proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT)


SCRIPT = r"""
echo "pid=$$ ppid=$PPID host=$(hostname)"
busybox awk '{print $3, $2}' /proc/mounts
( busybox sleep 0.2 & )
busybox sleep 1
busybox awk '$1 == "State:" {print $2}' /proc/[0-9]*/status | busybox grep -c Z || true
"""


def test_pid1_mounts_runs_reaps_delivers_and_powers_off(pid1):
    pid1.run_json({"command": ["/bin/busybox", "sh", "-c", SCRIPT], "hostname": "agent-1"})
    proc = boot_pid1(pid1)
    assert powered_off(proc), proc.stderr
    r = pid1.received()
    assert r["exit_code"] == 0, r
    lines = r["stdout"].splitlines()
    assert lines[0] == "pid=2 ppid=1 host=agent-1"
    mounts = set(lines[1:-1])
    for expected in ("proc /proc", "sysfs /sys", "devtmpfs /dev", "devpts /dev/pts", "tmpfs /tmp", "tmpfs /run"):
        assert expected in mounts, mounts
    assert lines[-1] == "0"  # no zombies: PID 1 reaped the orphan
    assert b"result delivered to vsock port 1024" in proc.stderr


def test_pid1_a_data_disk_that_never_appears_is_a_failed_result(pid1):
    pid1.run_json({"command": ["/bin/busybox", "true"]})
    began = time.monotonic()
    proc = boot_pid1(pid1, "root=/dev/sda rw microagent_disk=/dev/sdz:/data:ro")
    assert 9 < time.monotonic() - began < 40
    assert powered_off(proc), proc.stderr
    r = pid1.received()
    assert r["exit_code"] == 127
    assert r["error"] == "mount /dev/sdz on /data: the device did not appear within 10 s"
    assert b"the device did not appear within 10 s" in proc.stderr


def test_pid1_bad_run_json_still_powers_off(pid1):
    pid1.run_json(json.dumps({"command": "not a list"}))
    proc = boot_pid1(pid1)
    assert powered_off(proc), proc.stderr
    assert pid1.received()["error"] == "run.json command must be an array of strings"


NET_SCRIPT = r"""
busybox ip -4 -o addr show dev eth0 | busybox awk '{print $4}'
busybox ip route | busybox grep "^default"
busybox cat /etc/resolv.conf /etc/hosts
busybox ip -o link show lo | busybox grep -c UP
"""


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs ip (iproute2) to make a veth pair")
def test_pid1_configures_the_static_network(pid1):
    # A new network namespace with a veth "eth0" made before the init starts; the result cannot
    # leave that namespace (port 0), so the console carries the workload's output.
    pid1.run_json({"command": ["/bin/busybox", "sh", "-c", NET_SCRIPT], "port": 0})
    (pid1.root / "etc" / "hosts").write_text("127.0.0.1 localhost\n")
    cmdline = ("root=/dev/sda rw microagent_net_if=eth0 microagent_net_ip=192.168.127.2/24 "
               "microagent_net_gw=192.168.127.1 microagent_net_dns=192.168.127.1,1.1.1.1 "
               "microagent_net_hosts=db:10.0.0.5")
    proc = boot_pid1_with_veth(pid1, cmdline)
    assert powered_off(proc), proc.stderr
    out = proc.stdout.decode().splitlines()
    assert out[0] == "192.168.127.2/24"
    assert out[1].startswith("default via 192.168.127.1 dev eth0")
    assert out[2:6] == ["nameserver 192.168.127.1", "nameserver 1.1.1.1", "127.0.0.1 localhost", "10.0.0.5 db"]
    assert out[6] == "1"  # lo is up


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs ip (iproute2) to make a veth pair")
def test_pid1_in_its_own_network_namespace_delivers_through_the_emulations(pid1):
    # The same static network, and now the result leaves: the transport makes its sockets in the
    # namespace microagent_vsock_emulation_netns names (the test's), as AF_VSOCK belongs to none.
    pid1.run_json({"command": ["/bin/busybox", "sh", "-c", NET_SCRIPT]})
    (pid1.root / "etc" / "hosts").write_text("127.0.0.1 localhost\n")
    cmdline = ("root=/dev/sda rw microagent_net_if=eth0 microagent_net_ip=192.168.127.2/24 "
               "microagent_net_gw=192.168.127.1")
    proc = boot_pid1_with_veth(pid1, cmdline, result_channel=True)
    assert powered_off(proc), proc.stderr
    r = pid1.received()
    assert r["exit_code"] == 0, r
    out = r["stdout"].splitlines()
    assert out[0] == "192.168.127.2/24"
    assert out[1].startswith("default via 192.168.127.1 dev eth0")
    assert b"network namespace /hostns" in proc.stderr
    assert b"result delivered to vsock port 1024" in proc.stderr


DHCP_SCRIPT = r"""
busybox ip -4 -o addr show dev eth0 | busybox awk '{print $4}'
busybox ip route | busybox grep "^default"
busybox cat /etc/resolv.conf
"""


def dhcp_server(tmp_path, router=True):
    """Shell commands that give eth1 the server's address and start busybox's udhcpd on it
    (in the background: it dies with the namespace when the init powers off)."""
    conf = tmp_path / "udhcpd.conf"
    conf.write_text("start 192.168.128.20\nend 192.168.128.20\ninterface eth1\n"
                    f"lease_file {tmp_path / 'udhcpd.leases'}\noption subnet 255.255.255.0\n"
                    + ("option router 192.168.128.1\n" if router else "") +
                    "option dns 192.168.128.1 192.168.128.2\noption lease 600\n")
    return (f"ip addr add 192.168.128.1/24 dev eth1 && ip link set eth1 up && "
            f"{{ {BUSYBOX} udhcpd -f {conf} >/dev/null 2>&1 & }} && ")


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs ip (iproute2) to make a veth pair")
def test_pid1_configures_the_nic_by_dhcp(pid1, tmp_path):
    # ip=dhcp (what the host writes for bridged networking): the lease from busybox's udhcpd
    # on the other end of the veth gives eth0 its address, default route and DNS servers.
    pid1.run_json({"command": ["/bin/busybox", "sh", "-c", DHCP_SCRIPT]})
    proc = boot_pid1_with_veth(pid1, "root=/dev/sda rw ip=dhcp", result_channel=True,
                               peer_setup=dhcp_server(tmp_path))
    assert powered_off(proc), proc.stderr
    r = pid1.received()
    assert r["exit_code"] == 0, (r, proc.stderr)
    out = r["stdout"].splitlines()
    assert out[0] == "192.168.128.20/24"
    assert out[1].startswith("default via 192.168.128.1 dev eth0")
    assert out[2:4] == ["nameserver 192.168.128.1", "nameserver 192.168.128.2"]
    assert b"DHCP: eth0 leased 192.168.128.20/24 via 192.168.128.1 for 600 s from 192.168.128.1" in proc.stderr


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs ip (iproute2) to make a veth pair")
def test_pid1_a_lease_without_a_router_sets_the_address_only(pid1, tmp_path):
    pid1.run_json({"command": ["/bin/busybox", "sh", "-c", DHCP_SCRIPT + "busybox ip route\n"]})
    proc = boot_pid1_with_veth(pid1, "root=/dev/sda rw ip=dhcp", result_channel=True,
                               peer_setup=dhcp_server(tmp_path, router=False))
    assert powered_off(proc), proc.stderr
    r = pid1.received()
    assert r["exit_code"] == 0, (r, proc.stderr)
    out = r["stdout"].splitlines()
    assert out[0] == "192.168.128.20/24"
    # The subnet's routes (eth1, the server's end, is in the same namespace), no default one.
    assert "192.168.128.0/24 dev eth0 scope link  src 192.168.128.20" in [line.strip() for line in out]
    assert not any(line.startswith("default") for line in out), out


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs ip (iproute2) to make a veth pair")
def test_pid1_no_dhcp_server_is_a_failed_result_naming_the_step(pid1):
    pid1.run_json({"command": ["/bin/busybox", "echo", "ran"]})
    began = time.monotonic()
    proc = boot_pid1_with_veth(pid1, "root=/dev/sda rw ip=dhcp", result_channel=True)
    assert 9 < time.monotonic() - began < 40
    assert powered_off(proc), proc.stderr
    r = pid1.received()
    assert r["exit_code"] == 127
    assert r["error"] == "configure eth0 by DHCP: no offer within 10 s"
    assert "stdout" not in r  # the workload did not run


def test_pid1_a_missing_interface_is_a_failed_result(pid1):
    # The host's network namespace (so the result can reach the host): the init only looks the
    # name up, finds nothing and changes nothing.
    pid1.run_json({"command": ["/bin/busybox", "echo", "ran"]})
    began = time.monotonic()
    proc = boot_pid1(pid1, "root=/dev/sda rw microagent_net_if=hvsupnone0 microagent_net_ip=192.168.127.2/24 "
                           "microagent_net_gw=192.168.127.1")
    assert 9 < time.monotonic() - began < 40
    assert powered_off(proc), proc.stderr
    r = pid1.received()
    assert r["exit_code"] == 127
    assert r["error"] == "configure hvsupnone0: the interface did not appear within 10 s: No such device"
    assert b"configure hvsupnone0: the interface did not appear within 10 s" in proc.stderr
    assert "stdout" not in r  # the workload did not run


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs ip (iproute2) to make a veth pair")
def test_pid1_a_refused_default_route_is_a_failed_start_naming_the_step(pid1):
    # A gateway outside eth0's subnet: the kernel refuses the route (RTM_NEWROUTE's answer),
    # after the address was set. Port 0: the console carries the failure.
    pid1.run_json({"command": ["/bin/busybox", "echo", "ran"], "port": 0})
    cmdline = ("root=/dev/sda rw microagent_net_if=eth0 microagent_net_ip=192.168.127.2/24 "
               "microagent_net_gw=10.9.9.1")
    proc = boot_pid1_with_veth(pid1, cmdline)
    assert powered_off(proc), proc.stderr
    assert b"configure eth0: add default route via 10.9.9.1: Network is unreachable" in proc.stderr, proc.stderr
    assert b"ran" not in proc.stdout
    assert b"running /bin/busybox" not in proc.stderr
