# SPDX-License-Identifier: MIT
"""Log bounds (docs/security.md, "Resource bounds"): serial.log and hvsock-listener.log are
capped and rotated (<name>.1), so a guest flooding COM1 or a client looping connect/close
against a published port cannot fill the state file system; repeated helper lines collapse."""
import socket
import time

import pytest

from test_lifecycle_sim import Runtime, pid_alive, simhost  # noqa: F401  (shared sim harness)

CAP = 64 * 1024


@pytest.fixture
def rt(tmp_path, monkeypatch):
    r = Runtime(tmp_path)
    yield r
    leaked = r.host.live_systems()
    r.host.kill_all()
    for p in r.helpers:
        if pid_alive(p):
            import os
            import signal
            os.kill(p, signal.SIGKILL)
    assert leaked == []


def log_sizes(directory, name):
    return [p.stat().st_size for p in (directory / name, directory / (name + ".1")) if p.exists()]


def test_a_guest_flooding_com1_keeps_serial_log_under_twice_the_cap(rt, monkeypatch):
    monkeypatch.setenv("HVSUP_SERIAL_LOG_MAX_BYTES", str(CAP))
    flood = 4 * 1024 * 1024
    rt.host.script({"guest": {"result": {"exit_code": 0, "stdout": "ok\n"}, "serialFloodBytes": flood,
                              "exitAfterMs": 3000}})
    r = rt.cli(rt.request("run", vsockListeners=[{"port": 1024, "target": rt.result_path()}]))
    assert r["ok"], r
    d = rt.state / "agent-1"
    sizes = log_sizes(d, "serial.log")
    assert len(sizes) == 2, f"serial.log was not rotated: {sizes}"
    assert all(s <= CAP for s in sizes), sizes
    assert sum(sizes) <= 2 * CAP
    assert "F" * 100 in (d / "serial.log").read_text()  # the newest console output is kept


def test_a_bad_serial_log_cap_is_a_clear_error_naming_the_variable(rt, monkeypatch):
    monkeypatch.setenv("HVSUP_SERIAL_LOG_MAX_BYTES", "lots")
    r = rt.cli(rt.request("run", vsockListeners=[{"port": 1024, "target": rt.result_path()}]))
    assert not r["ok"]
    assert "HVSUP_SERIAL_LOG_MAX_BYTES" in r["error"], r
    assert rt.host.live_systems() == []


def test_a_connect_close_loop_keeps_the_helper_log_bounded_and_collapses_repeats(rt, monkeypatch):
    cap = 16 * 1024
    monkeypatch.setenv("HVSUP_HELPER_LOG_MAX_BYTES", str(cap))
    port = simhost.free_port()
    # The guest serves nothing on 8080: every accepted connection logs the same connect failure.
    r = rt.cli(rt.request("start", network={"mode": "nat", "portForwards": [{"hostPort": port, "guestPort": 8080}]}))
    assert r["ok"], r
    rt.note_helper()
    d = rt.state / "agent-1"
    connections = 0
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                c.settimeout(2)
                try:
                    c.recv(1)
                except OSError:
                    pass
            connections += 1
        except OSError:
            time.sleep(0.01)
    assert connections > 200
    time.sleep(1.2)  # a different line after the window reports the suppressed count
    rt.cli(rt.request("kill"))
    sizes = log_sizes(d, "hvsock-listener.log")
    assert sum(sizes) <= 2 * cap, sizes
    text = "".join(p.read_text(errors="replace") for p in (d / "hvsock-listener.log.1", d / "hvsock-listener.log")
                   if p.exists())
    assert "last message repeated" in text, text[-2000:]
    failures = [line for line in text.splitlines() if "connect windows-hyperv guest hvsocket port" in line]
    assert 0 < len(failures) < connections / 4, (len(failures), connections)
