# SPDX-License-Identifier: MIT
"""Helpers for Python tests that drive the HCS simulator (docs/hcs.md, "The simulator").

    import sys; sys.path.insert(0, str(ROOT / "test" / "sim")); import simhost
    host = simhost.SimHost(tmp_path, build_dir)   # sets nothing; use host.env() for subprocesses
    host.script({"guest": {"result": {"exit_code": 0, "stdout": "ok\\n"}}})
    ... run hvsup-cli with env=host.env() and --hcs-library host.library("computecore") ...
    assert host.live_systems() == []
"""
import json
import os
import pathlib
import socket
import struct
import uuid


def write_fixed_vhd(path, data_bytes=65536):
    """A file of `data_bytes` zeros plus a valid fixed-VHD footer (what the simulator checks)."""
    footer = bytearray(512)
    footer[0:8] = b"conectix"
    struct.pack_into(">IIQ", footer, 8, 2, 0x00010000, 0xFFFFFFFFFFFFFFFF)
    struct.pack_into(">QQ", footer, 40, data_bytes, data_bytes)
    struct.pack_into(">I", footer, 60, 2)
    footer[68:84] = uuid.uuid4().bytes
    struct.pack_into(">I", footer, 64, (~sum(footer)) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\0" * data_bytes)
        f.write(footer)


def free_port():
    """A loopback TCP port nothing listens on (for a published port's host side)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect_and_echo(port, payload=b"ping"):
    """Sends `payload` to 127.0.0.1:`port` through a published port (the simulated guest
    echoes it), half-closes, and returns everything read back."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(payload)
        c.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                return data
            data += chunk


def _guest_alive(pid):
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat[stat.rindex(")") + 2]
    return state not in "ZX" and "hvsup-sim-gues" in stat


class SimHost:
    """One simulated Hyper-V host: HVSUP_SIM_DIR and HVSUP_HVSOCK_EMULATION_DIR under `root`."""

    def __init__(self, root, build_dir):
        self.root = pathlib.Path(root)
        self.build = pathlib.Path(build_dir)
        self.sim_dir = self.root / "sim"
        self.hvsock_dir = self.root / "hvsock"
        (self.sim_dir / "scripts").mkdir(parents=True, exist_ok=True)
        self.hvsock_dir.mkdir(parents=True, exist_ok=True)

    def library(self, api="computecore"):
        """Path of libhvsup-sim-computecore.so or libhvsup-sim-vmcompute.so."""
        return self.build / "test" / "sim" / f"libhvsup-sim-{api}.so"

    def env(self, base=None):
        env = dict(os.environ if base is None else base)
        env["HVSUP_SIM_DIR"] = str(self.sim_dir)
        env["HVSUP_HVSOCK_EMULATION_DIR"] = str(self.hvsock_dir)
        return env

    def script(self, script, system_id=None):
        """Writes scripts/<system_id>.json, or scripts/default.json."""
        name = f"{system_id}.json" if system_id else "default.json"
        tmp = self.sim_dir / "scripts" / (name + ".tmp")
        tmp.write_text(json.dumps(script))
        tmp.replace(self.sim_dir / "scripts" / name)

    def records(self):
        """The compute systems the simulated host holds: {id: record}."""
        out = {}
        for p in sorted((self.sim_dir / "systems").glob("*.json")):
            try:
                out[p.stem] = json.loads(p.read_text())
            except (OSError, ValueError):
                continue
        return out

    def live_systems(self):
        """Ids of compute systems that exist: created, or running with a live guest process.
        A record whose guest died without anyone observing it counts as exited (HCS would have
        removed it)."""
        live = []
        for system_id, record in self.records().items():
            if record.get("State") != "Running" or _guest_alive(record.get("GuestPid", 0)):
                live.append(system_id)
        return live

    def calls(self, call=None, system_id=None):
        """Entry-point calls logged in calls.jsonl, optionally filtered by name and id."""
        path = self.sim_dir / "calls.jsonl"
        if not path.exists():
            return []
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [r for r in rows if (call is None or r["call"] == call) and (system_id is None or r["id"] == system_id)]

    def guest_log(self, system_id):
        p = self.sim_dir / "guests" / f"{system_id}.log"
        return p.read_text() if p.exists() else ""

    def kill_all(self):
        """Kills every guest process still recorded (test teardown after a failure)."""
        for record in self.records().values():
            pid = record.get("GuestPid", 0)
            if pid and _guest_alive(pid):
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
