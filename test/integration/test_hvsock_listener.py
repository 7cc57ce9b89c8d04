# SPDX-License-Identifier: MIT
"""hvsock-listener as a process: standalone bridges, the detached runtime mode and its stop
conditions, failures, all over the loopback emulation transport with a simulated guest."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest

from conftest import tool
from hvsock_guest import (GuestService, connect_to_host, free_port, port_file, recv_all, service_id,
                          wait_listening)

VM = "11111111-1111-1111-1111-111111111111"


@pytest.fixture
def emulation(tmp_path):
    d = tmp_path / "hvsock"
    d.mkdir()
    return d


def start_listener(emulation, *args, log=None):
    env = dict(os.environ, HVSUP_HVSOCK_EMULATION_DIR=str(emulation))
    return subprocess.Popen([str(tool("hvsock-listener")), *args], env=env, stdout=subprocess.PIPE,
                            stderr=log if log is not None else subprocess.PIPE, text=True)


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.wait(timeout=20)


def ping(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        return recv_all(s)


def write_runtime(state_dir: pathlib.Path, name: str, state="running", forwards=(), listeners=(),
                  compute_ids=True):
    rdir = state_dir / name
    rdir.mkdir(parents=True, exist_ok=True)
    event = {"identity": {"requestID": "req-1", "runtimeID": name, "role": "workload",
                          "backend": "windows-hyperv"},
             "state": state, "detail": "", "observedAt": "2026-05-02T00:00:01Z"}
    doc = {
        "event": event,
        "config": {"kernelPath": "/k", "rootfsPath": "/r", "stateDir": str(state_dir), "memoryMiB": 512,
                   "cpuCount": 2,
                   "vsockListeners": [{"port": p, "target": t} for p, t in listeners],
                   "network": {"mode": "nat", "portForwards": [
                       {"protocol": "tcp", "host": "127.0.0.1", "hostPort": hp, "guestPort": gp}
                       for hp, gp in forwards]}},
        "serialLogPath": str(rdir / "serial.log"),
        "updatedAt": "2026-05-02T00:00:01Z",
        "readiness": {"guestReady": {"ready": True}, "shellReady": {"ready": False},
                      "resultReady": {"ready": False}, "mediationReady": {"ready": False}},
    }
    if compute_ids:
        doc["computeSystemID"] = name
        doc["computeSystemRuntimeID"] = VM
    tmp = rdir / "runtime.json.tmp"
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    os.replace(tmp, rdir / "runtime.json")
    return rdir


def test_help_describes_both_modes():
    proc = subprocess.run([str(tool("hvsock-listener")), "--help"], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0
    assert "--state-dir" in proc.stdout and "--forward" in proc.stdout and "--vsock" in proc.stdout


def test_usage_errors_exit_2(emulation):
    for args in (["--bogus"], ["--forward", "8080"], ["--forward", "8080=notaguid:80"], ["--vsock", "5000=x:1"],
                 ["--state-dir", "/tmp"], []):
        proc = subprocess.run([str(tool("hvsock-listener")), *args], capture_output=True, text=True, timeout=20,
                              env=dict(os.environ, HVSUP_HVSOCK_EMULATION_DIR=str(emulation)))
        assert proc.returncode == 2, (args, proc.stderr)
        assert "hvsock-listener:" in proc.stderr


def test_option_values_may_follow_an_equals_sign(emulation):
    run = lambda *args: subprocess.run([str(tool("hvsock-listener")), *args], capture_output=True, text=True, timeout=20,
                                       env=dict(os.environ, HVSUP_HVSOCK_EMULATION_DIR=str(emulation)))
    # The value reaches the option's own check (a poll below 10 ms is refused by name)...
    proc = run("--poll-ms=5")
    assert proc.returncode == 2 and "bad --poll-ms 5" in proc.stderr, proc.stderr
    # ...and --forward's value keeps its own '=' (split at the first one only).
    proc = run("--forward=8080=notaguid:80")
    assert proc.returncode == 2 and "unknown argument" not in proc.stderr, proc.stderr
    proc = run("--bogus=1")
    assert proc.returncode == 2 and "unknown argument --bogus=1" in proc.stderr, proc.stderr


def test_standalone_forward_dials_the_named_guest_port(emulation):
    guest = GuestService(emulation, VM, 80)
    host_port = free_port()
    proc = start_listener(emulation, "--forward", f"127.0.0.1:{host_port}={VM}:80")
    try:
        wait_listening(host_port)
        assert ping(host_port, b"ping through the forward") == b"ping through the forward"
    finally:
        assert stop(proc) == 0
        guest.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", host_port), timeout=5)


def test_standalone_vsock_listener_reaches_its_target(emulation):
    target = socket.socket()
    target.bind(("127.0.0.1", 0))
    target.listen(8)
    tport = target.getsockname()[1]
    proc = start_listener(emulation, "--vm", VM, "--vsock", f"5000=127.0.0.1:{tport}")
    try:
        conn = connect_to_host(emulation, VM, 5000)
        conn.sendall(b"from the guest")
        conn.shutdown(socket.SHUT_WR)
        peer, _ = target.accept()
        assert recv_all(peer) == b"from the guest"
        peer.sendall(b"reply")
        peer.close()
        assert recv_all(conn) == b"reply"
        conn.close()
    finally:
        assert stop(proc, signal.SIGINT) == 0
        target.close()
    assert not port_file(emulation, VM, "host", 5000).exists()


def test_runtime_mode_serves_detached_services_until_the_runtime_stops(emulation, tmp_path):
    state_dir = tmp_path / "state"
    result = state_dir / "agent-1" / "result.json"
    target = socket.socket()
    target.bind(("127.0.0.1", 0))
    target.listen(8)
    host_port = free_port()
    rdir = write_runtime(state_dir, "agent-1", forwards=[(host_port, 8080)],
                         listeners=[(1024, str(result)), (2048, f"127.0.0.1:{target.getsockname()[1]}")])
    # The guest maps the hvsock service of the HOST port to its own port 8080.
    guest = GuestService(emulation, VM, host_port)
    log_path = rdir / "hvsock-listener.log"
    ready = tmp_path / "ready"
    with open(log_path, "a") as log:
        proc = start_listener(emulation, "--state-dir", str(state_dir), "--name", "agent-1", "--poll-ms", "50",
                              "--ready-file", str(ready), log=log)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.read_text() == "ready\n"
        # Ready means bound: the vsock listener's port file is already published.
        assert port_file(emulation, VM, "host", 2048).exists()
        assert ping(host_port, b"published") == b"published"
        conn = connect_to_host(emulation, VM, 2048)
        conn.sendall(b"mediated")
        conn.shutdown(socket.SHUT_WR)
        peer, _ = target.accept()
        assert recv_all(peer) == b"mediated"
        peer.close()
        conn.close()
        # The result listener is not a detached service: a detached start never collects it.
        assert not port_file(emulation, VM, "host", 1024).exists()
        write_runtime(state_dir, "agent-1", state="stopped", forwards=[(host_port, 8080)])
        assert proc.wait(timeout=20) == 0
    finally:
        stop(proc)
        guest.close()
        target.close()
    text = log_path.read_text()
    assert "runtime state is stopped" in text
    assert not port_file(emulation, VM, "host", 2048).exists()


def test_runtime_mode_exits_when_runtime_json_disappears(emulation, tmp_path):
    state_dir = tmp_path / "state"
    host_port = free_port()
    rdir = write_runtime(state_dir, "agent-2", forwards=[(host_port, 80)])
    proc = start_listener(emulation, "--state-dir", str(state_dir), "--name", "agent-2", "--poll-ms", "50")
    wait_listening(host_port)
    (rdir / "runtime.json").unlink()
    assert proc.wait(timeout=20) == 0
    assert "runtime.json is gone" in proc.stderr.read()


def test_runtime_mode_requires_compute_system_ids(emulation, tmp_path):
    state_dir = tmp_path / "state"
    write_runtime(state_dir, "agent-3", forwards=[(free_port(), 80)], compute_ids=False)
    proc = start_listener(emulation, "--state-dir", str(state_dir), "--name", "agent-3")
    assert proc.wait(timeout=20) == 1
    assert "windows-hyperv runtime listener state is missing compute system IDs" in proc.stderr.read()


def test_runtime_mode_reports_a_busy_published_port(emulation, tmp_path):
    state_dir = tmp_path / "state"
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    write_runtime(state_dir, "agent-4", forwards=[(port, 80)], listeners=[(2048, "127.0.0.1:9")])
    proc = start_listener(emulation, "--state-dir", str(state_dir), "--name", "agent-4")
    try:
        assert proc.wait(timeout=20) == 1
        assert f"listen windows-hyperv published tcp 127.0.0.1:{port}: Address already in use" in proc.stderr.read()
        # Everything bound before the failure was released.
        assert not port_file(emulation, VM, "host", 2048).exists()
    finally:
        busy.close()


def test_runtime_without_detached_services_exits_at_once(emulation, tmp_path):
    state_dir = tmp_path / "state"
    result = state_dir / "agent-5" / "result.json"
    write_runtime(state_dir, "agent-5", listeners=[(1024, str(result))])
    proc = start_listener(emulation, "--state-dir", str(state_dir), "--name", "agent-5")
    assert proc.wait(timeout=20) == 0
    assert "no detached windows-hyperv services" in proc.stderr.read()


def test_killed_helper_releases_its_ports(emulation):
    host_port = free_port()
    proc = start_listener(emulation, "--forward", f"{host_port}={VM}:80")
    wait_listening(host_port)
    proc.kill()
    proc.wait(timeout=20)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", host_port), timeout=5)


def test_serial_pipe_is_captured_by_the_helper(emulation, tmp_path):
    log = tmp_path / "serial.log"
    proc = start_listener(emulation, "--vm", VM, "--serial-pipe", r"\\.\pipe\microagent-x-serial",
                          "--serial-log", str(log))
    try:
        pipe = emulation / "pipes" / "microagent-x-serial.port"
        deadline = time.monotonic() + 20
        while not pipe.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        with socket.create_connection(("127.0.0.1", int(pipe.read_text())), timeout=10) as com1:
            com1.sendall(b"[    0.000000] Linux version\n")
        deadline = time.monotonic() + 20
        while log.read_bytes() != b"[    0.000000] Linux version\n" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert log.read_bytes() == b"[    0.000000] Linux version\n"
        assert (log.stat().st_mode & 0o777) == 0o600
    finally:
        assert stop(proc) == 0
    assert not (emulation / "pipes" / "microagent-x-serial.port").exists()


def rss_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_slow_consumer_keeps_helper_memory_bounded(emulation):
    total = 256 << 20
    progress = {"sent": 0}

    def source(conn):
        if conn.recv(1) != b"g":
            return  # wait_listening's probe connection
        chunk = b"s" * (1 << 20)
        while progress["sent"] < total:
            conn.sendall(chunk)
            progress["sent"] += len(chunk)
        conn.shutdown(socket.SHUT_WR)

    guest = GuestService(emulation, VM, 90, handler=source)
    host_port = free_port()
    proc = start_listener(emulation, "--forward", f"{host_port}={VM}:90")
    try:
        wait_listening(host_port)
        baseline = rss_kib(proc.pid)
        with socket.create_connection(("127.0.0.1", host_port), timeout=60) as client:
            client.sendall(b"g")
            # Nobody reads: the guest stalls once the socket buffers and the bridge buffer are full.
            last = -1
            while progress["sent"] != last:
                last = progress["sent"]
                time.sleep(0.3)
            assert progress["sent"] < total
            assert rss_kib(proc.pid) - baseline < 32 * 1024
            received = 0
            while True:
                data = client.recv(1 << 20)
                if not data:
                    break
                received += len(data)
            assert guest.errors == []
            assert received == total
    finally:
        assert stop(proc) == 0
        guest.close()


def test_helper_serves_more_connections_than_its_inherited_soft_limit(emulation):
    """The helper raises its open-file soft limit to the hard limit and ignores SIGPIPE, as the
    reference (Go) helper's runtime does: 200 held connections need ~400 descriptors."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1024:
        pytest.skip(f"hard open-file limit {hard} is too low to show the raise")
    import threading
    opened = []
    lock = threading.Lock()

    def counting_echo(conn):
        first = conn.recv(64)
        if not first.startswith(b"conn-"):
            return  # wait_listening's probe
        with lock:
            opened.append(1)
        conn.sendall(first + recv_all(conn))
        conn.shutdown(socket.SHUT_WR)

    guest = GuestService(emulation, VM, 82, handler=counting_echo)
    host_port = free_port()
    env = dict(os.environ, HVSUP_HVSOCK_EMULATION_DIR=str(emulation))
    proc = subprocess.Popen([str(tool("hvsock-listener")), "--forward", f"{host_port}={VM}:82"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard)))
    clients = []
    try:
        wait_listening(host_port)
        limits = pathlib.Path(f"/proc/{proc.pid}/limits").read_text()
        line = next(l for l in limits.splitlines() if l.startswith("Max open files"))
        assert line.split()[3] == line.split()[4], line
        sigign = next(l for l in pathlib.Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                      if l.startswith("SigIgn:"))
        assert int(sigign.split()[1], 16) & (1 << (signal.SIGPIPE - 1))
        for i in range(200):
            c = socket.create_connection(("127.0.0.1", host_port), timeout=20)
            c.sendall(b"conn-%d;" % i)
            clients.append(c)
        # All of them are bridged at the same time before any is finished.
        deadline = time.monotonic() + 30
        while len(opened) < 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(opened) == 200
        for i, c in enumerate(clients):
            c.shutdown(socket.SHUT_WR)
            assert recv_all(c) == b"conn-%d;" % i
        assert guest.errors == []
    finally:
        for c in clients:
            c.close()
        assert stop(proc) == 0
        guest.close()
