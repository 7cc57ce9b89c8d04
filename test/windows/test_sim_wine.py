# SPDX-License-Identifier: MIT
"""hvsup-cli.exe under Wine against the HCS/HCN simulator built as Windows DLLs.

The simulator DLLs (test/sim, test/sim/hcn) are loaded by the real Windows loader by explicit
path (--hcs-library / --hcn-library); the emulated guest is hvsup-sim-guest.exe, started by
the simulator with CreateProcessW. So these tests run the product's Windows code paths:
  - the COM1 serial capture is a real named pipe (\\\\.\\pipe\\...) the guest writes to;
  - published ports and vsock listeners are Winsock (Boost.Asio on IOCP) bridged over the
    Hyper-V socket emulation transport (HVSUP_HVSOCK_EMULATION_DIR);
  - a detached start spawns hvsock-listener.exe with CreateProcessW, and stop terminates it;
  - without the emulation transport, AF_HYPERV (which Wine lacks) fails closed.
Only Hyper-V itself is simulated. Paths handed to Windows programs are Z:\\ paths.
"""
import json
import pathlib
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import BUILD, ROOT, WINE, run_windows, wine_env, windows_program, winpath

sys.path.insert(0, str(ROOT / "test" / "sim"))
import simhost  # noqa: E402


def sim_library(api):
    # meson names a mingw shared module lib<name>.dll
    return windows_program(f"test/sim/libhvsup-sim-{api}.dll")


def hcn_library():
    return windows_program("test/sim/hcn/libhvsup-sim-hcn.dll")


def run_to_files(argv, stdin_text, env, timeout=180):
    """Runs a Windows program with its output in files, not pipes: the guest and hvsock-listener
    it starts live on after it exits, and must not keep a pipe of the test open."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        inp.write(stdin_text.encode("utf-8"))
        inp.seek(0)
        code = subprocess.run(argv, stdin=inp, stdout=out, stderr=err, timeout=timeout, env=env).returncode
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, code, out.read().decode("utf-8", "replace"),
                                           err.read().decode("utf-8", "replace"))


def windows_pid_alive(pid):
    """(alive, image) of a Windows PID, asked of Windows (Wine) itself."""
    proc = run_windows([windows_program("test/windows/hvsup-test-child.exe"), "alive", str(pid)])
    image = ""
    for line in proc.stdout.splitlines():
        if line.startswith("image: "):
            image = line[len("image: "):]
    return proc.returncode == 0, image


class WineRuntime:
    """One simulated Hyper-V host (HVSUP_SIM_DIR, HVSUP_HVSOCK_EMULATION_DIR) and a state dir."""

    def __init__(self, tmp_path, api="computecore", emulation=True):
        self.host = simhost.SimHost(tmp_path, BUILD)
        self.api = api
        self.emulation = emulation
        self.state = tmp_path / "state"
        self.kernel = tmp_path / "Image"
        self.kernel.write_bytes(b"kernel")
        self.rootfs = tmp_path / "rootfs.vhd"
        simhost.write_fixed_vhd(self.rootfs)

    def result_path(self, name="agent-1"):
        return winpath(self.state) + "\\" + name + "\\result.json"

    def request(self, command, name="agent-1", **config):
        cfg = {"kernelPath": winpath(self.kernel), "rootfsPath": winpath(self.rootfs), "stateDir": winpath(self.state),
               "network": {"mode": "isolated"}}
        cfg.update(config)
        return {"command": command, "identity": {"requestID": f"req-{command}", "runtimeID": name,
                                                 "role": "workload", "backend": "windows-hyperv"}, "config": cfg}

    def env(self):
        env = wine_env()
        env["HVSUP_SIM_DIR"] = winpath(self.host.sim_dir)
        if self.emulation:
            env["HVSUP_HVSOCK_EMULATION_DIR"] = winpath(self.host.hvsock_dir)
        else:
            env.pop("HVSUP_HVSOCK_EMULATION_DIR", None)
        return env

    def cli(self, request, *extra, expect_ok=None):
        argv = [str(WINE), str(windows_program("tools/hvsup-cli.exe")),
                "--hcs-library", winpath(sim_library(self.api)), "--hcn-library", winpath(hcn_library()), *extra]
        proc = run_to_files(argv, json.dumps(request), self.env())
        assert proc.stdout.strip(), f"no response; stderr: {proc.stderr}"
        response = json.loads(proc.stdout)
        assert (proc.returncode == 0) == response["ok"], proc.stderr
        if expect_ok is not None:
            assert response["ok"] is expect_ok, (response, proc.stderr)
        return response

    def runtime_json(self, name="agent-1"):
        return json.loads((self.state / name / "runtime.json").read_text(encoding="utf-8"))

    def states(self, name="agent-1"):
        return [e["state"] for e in json.loads((self.state / name / "events.json").read_text(encoding="utf-8"))]

    def serial(self, name="agent-1"):
        return (self.state / name / "serial.log").read_text(encoding="utf-8", errors="replace")

    def live_systems(self):
        """Records whose guest (a Windows process) is still running, or that never started."""
        live = []
        for system_id, record in self.host.records().items():
            if record.get("State") != "Running":
                live.append(system_id)
            elif windows_pid_alive(record.get("GuestPid", 0))[0]:
                live.append(system_id)
        return live

    def kill_all(self):
        for record in self.host.records().values():
            pid = record.get("GuestPid", 0)
            if pid:
                run_windows(["taskkill", "/F", "/PID", str(pid)])


@pytest.fixture(params=["computecore", "vmcompute"])
def rt(tmp_path, request):
    r = WineRuntime(tmp_path, request.param)
    yield r
    leaked = r.live_systems()
    if leaked:
        r.kill_all()
    assert leaked == [], f"compute systems leaked: {leaked}"


@pytest.fixture
def rt1(tmp_path):
    r = WineRuntime(tmp_path)
    yield r
    leaked = r.live_systems()
    if leaked:
        r.kill_all()
    assert leaked == [], f"compute systems leaked: {leaked}"


def test_sim_dlls_export_the_hcs_entry_points():
    """The simulator DLLs export what vmcompute.dll / computecore.dll / computenetwork.dll do."""
    objdump = "x86_64-w64-mingw32-objdump"
    exports = {}
    for name, path in (("computecore", sim_library("computecore")), ("vmcompute", sim_library("vmcompute")),
                       ("hcn", hcn_library())):
        out = subprocess.run([objdump, "-p", str(path)], capture_output=True, text=True, check=True).stdout
        exports[name] = out
    assert "HcsCreateComputeSystem" in exports["computecore"] and "HcsWaitForOperationResult" in exports["computecore"]
    assert "HcsCreateComputeSystem" in exports["vmcompute"] and "HcsRegisterComputeSystemCallback" in exports["vmcompute"]
    assert "HcnCreateEndpoint" in exports["hcn"]


def test_run_collects_the_result_and_the_named_pipe_serial_log(rt):
    rt.host.script({"guest": {"result": {"exit_code": 0, "stdout": "ok\n", "exited_at": "2026-05-02T00:00:07.2Z"},
                              "serial": "guest says hi through COM1\n"}})
    r = rt.cli(rt.request("run", vsockListeners=[{"port": 1024, "target": rt.result_path()}]), expect_ok=True)
    assert r["event"]["state"] == "stopped", r
    assert r["event"]["detail"] == "windows-hyperv result received"
    assert r["result"]["stdout"] == "ok\n"
    assert r["result"]["completedAt"] == "2026-05-02T00:00:07.2Z"
    assert rt.states() == ["starting", "running", "stopped"]
    # COM1: the guest was the client of the real named pipe \\.\pipe\<name> served by hvsup.
    serial = rt.serial()
    assert "guest says hi through COM1" in serial, serial
    assert "Kernel command line: " in serial and "root=/dev/sda" in serial, serial
    state = rt.runtime_json()
    assert state["computeSystemID"] == "agent-1" and state["computeSystemRuntimeID"]
    # No port file means the pipe was not emulated: it was a Windows named pipe.
    assert not (rt.host.hvsock_dir / "pipes").exists() or not list((rt.host.hvsock_dir / "pipes").iterdir())
    record_calls = {c["call"] for c in rt.host.calls()}
    assert {"HcsCreateComputeSystem", "HcsStartComputeSystem"} <= record_calls, record_calls
    inspect = rt.cli(rt.request("inspect"), expect_ok=True)
    assert inspect["result"]["stdout"] == "ok\n"
    assert rt.cli(rt.request("delete"), expect_ok=True)["event"]["state"] == "stopped"
    assert not (rt.state / "agent-1").exists()


def test_detached_start_spawns_the_listener_and_stop_ends_it(rt):
    r = rt.cli(rt.request("start", vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}]), expect_ok=True)
    assert r["event"]["state"] == "running", r
    assert rt.states() == ["starting", "starting", "running"]
    pid = rt.runtime_json().get("vsockListenerPid", 0)
    assert pid > 0, rt.runtime_json()
    alive, image = windows_pid_alive(pid)
    assert alive, f"hvsock-listener {pid} is not running"
    assert image.lower().endswith("hvsock-listener.exe"), image
    assert rt.live_systems() == ["agent-1"]

    r = rt.cli(rt.request("stop"), expect_ok=True)
    assert (r["event"]["state"], r["event"]["detail"]) == ("stopped", "windows-hyperv compute system stopped")
    assert rt.live_systems() == []
    assert not windows_pid_alive(pid)[0], f"hvsock-listener {pid} survived stop"
    assert "vsockListenerPid" not in rt.runtime_json()
    # The guest shut down because it was asked (StopRequest), not because it was killed.
    assert "powered off (shutdown request)" in rt.host.guest_log("agent-1"), rt.host.guest_log("agent-1")
    assert rt.cli(rt.request("delete"), expect_ok=True)["event"]["state"] == "stopped"
    assert not (rt.state / "agent-1").exists()


def test_published_port_is_forwarded_with_winsock(rt1):
    port = simhost.free_port()
    rt1.host.script({"guest": {"forwards": [{"hostPort": port, "echo": True}]}})
    r = rt1.cli(rt1.request("start", network={"mode": "nat", "portForwards": [{"hostPort": port, "guestPort": 8080}]}),
                expect_ok=True)
    assert r["event"]["state"] == "running", r
    state = rt1.runtime_json()
    assert state["networkEndpointID"] and state["config"]["network"]["ip"].startswith("192.168.127.")
    payload = b"ping through Winsock " * 1000
    deadline = time.monotonic() + 20
    while True:  # the published port is bound before the guest's service listens
        try:
            echoed = simhost.connect_and_echo(port, payload)
            if echoed == payload or time.monotonic() > deadline:
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)
    assert echoed == payload
    r = rt1.cli(rt1.request("kill"), expect_ok=True)
    assert r["event"]["state"] == "stopped"
    with pytest.raises(OSError):
        simhost.connect_and_echo(port, b"x")
    rt1.cli(rt1.request("delete"), expect_ok=True)


def test_without_the_emulation_transport_af_hyperv_fails_closed(tmp_path):
    """Wine has no AF_HYPERV: a run that needs a Hyper-V socket gets a structured error."""
    rt = WineRuntime(tmp_path, emulation=False)
    r = rt.cli(rt.request("run", vsockListeners=[{"port": 1024, "target": rt.result_path()}]), expect_ok=False)
    assert "Hyper-V sockets are not available on this host (socket(AF_HYPERV): " in r["error"], r["error"]
    assert r["event"]["state"] == "failed"
    leaked = rt.live_systems()
    if leaked:
        rt.kill_all()
    assert leaked == []


def test_non_ascii_paths_on_the_command_lines(rt1, tmp_path):
    """--state-dir and --request reach hvsup-cli.exe through the wide command line
    (CommandLineToArgvW), and the state directory reaches hvsock-listener.exe the same way."""
    state = tmp_path / "\u00e9tat-\u65e5\u672c"
    req = rt1.request("start", vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}])
    del req["config"]["stateDir"]
    req_file = tmp_path / "requ\u00eate-\u00fc.json"
    req_file.write_text(json.dumps(req), encoding="utf-8")
    env = dict(rt1.env(), LC_ALL="C.UTF-8")
    base = [str(WINE), str(windows_program("tools/hvsup-cli.exe")), "--hcs-library", winpath(sim_library("computecore")),
            "--hcn-library", winpath(hcn_library()), "--state-dir", winpath(state)]
    proc = run_to_files(base + ["--request", winpath(req_file)], "", env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["event"]["state"] == "running"
    runtime = json.loads((state / "agent-1" / "runtime.json").read_text(encoding="utf-8"))
    assert runtime["config"]["stateDir"] == winpath(state)
    pid = runtime["vsockListenerPid"]
    assert windows_pid_alive(pid)[0], (state / "agent-1" / "hvsock-listener.log").read_text(errors="replace")
    stop = dict(req, command="stop")
    proc = run_to_files(base, json.dumps(stop), env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["event"]["state"] == "stopped"
    assert not windows_pid_alive(pid)[0]
