# SPDX-License-Identifier: MIT
"""Least privilege as other local users would probe it (docs/security.md): private state,
loopback-only published ports unless the request names a host, a capped request size."""
import json
import os
import stat
import subprocess
import time

from conftest import tool
from test_concurrency import rt  # noqa: F401  (fixture: simulated host, leak checks)
from test_crash_consistency import wait_until
from test_lifecycle_sim import simhost  # test/sim on the path, and its helpers


def listening_addresses(port):
    """Local addresses of TCP sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # LISTEN
                found.append(address)
    return found


def test_state_dirs_and_files_are_private(rt):  # noqa: F811
    rt.host.script({"guest": {"result": {"exit_code": 0, "stdout": "ok\n"}}})
    previous = os.umask(0o002)  # a permissive umask must not widen anything
    try:
        r = rt.cli(rt.request("start", serialInput=True, vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}]))
    finally:
        os.umask(previous)
    assert r["ok"], r
    rt.note_helper()
    r = rt.cli(rt.request("run", "agent-2", vsockListeners=[{"port": 1024, "target": rt.result_path("agent-2")}]))
    assert r["ok"] and r["result"]["stdout"] == "ok\n", r
    seen = set()
    for root, dirs, files in os.walk(rt.state):
        for d in [root, *[os.path.join(root, d) for d in dirs]]:
            assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, d
        for f in files:
            path = os.path.join(root, f)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
            seen.add(f)
    # Every kind of file the supervisor writes was checked.
    assert {"runtime.json", "event.json", "events.json", "events.json.lock", "command.lock", "command.holder",
            "serial.log", "serial.in", "hvsock-listener.log", "result.json"} <= seen, seen
    assert rt.cli(rt.request("delete"))["ok"]


def test_published_ports_bind_loopback_unless_a_host_is_named(rt):  # noqa: F811
    default_port, named_port = simhost.free_port(), simhost.free_port()
    rt.host.script({"guest": {"forwards": [{"hostPort": default_port, "echo": True},
                                           {"hostPort": named_port, "echo": True}]}})
    r = rt.cli(rt.request("start", network={"mode": "nat", "portForwards": [
        {"hostPort": default_port, "guestPort": 8080},
        {"host": "127.0.0.2", "hostPort": named_port, "guestPort": 8081}]}))
    assert r["ok"], r
    rt.note_helper()
    assert wait_until(lambda: listening_addresses(default_port) and listening_addresses(named_port), 10)
    assert listening_addresses(default_port) == ["0100007F"]  # 127.0.0.1, not 0.0.0.0
    assert listening_addresses(named_port) == ["0200007F"]    # the host the request named
    recorded = rt.runtime_json()["config"]["network"]["portForwards"]
    assert [f.get("host", "") for f in recorded] == ["", "127.0.0.2"]
    assert rt.cli(rt.request("delete"))["ok"]


def test_an_oversized_request_on_stdin_is_refused_naming_the_limit(tmp_path):
    big = '{"command":"host","pad":"' + "x" * (16 << 20) + '"}'
    proc = subprocess.run([str(tool("hvsup-cli"))], input=big, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {"ok": False, "backend": "windows-hyperv",
                                       "error": "request on stdin exceeds 16777216 bytes"}
