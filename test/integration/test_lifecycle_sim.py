# SPDX-License-Identifier: MIT
"""Full supervisor lifecycles through hvsup-cli on the simulated Hyper-V host (test/sim):
every command of microagent-protocol.md §4 against real processes, real files and the hvsock
emulation transport. After each test the simulated host must hold no compute system and no
listener helper that the state files do not account for."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import BUILD, ROOT, tool

sys.path.insert(0, str(ROOT / "test" / "sim"))
sys.path.insert(0, str(ROOT / "test" / "sim" / "hcn"))
import hcnsim  # noqa: E402
import simhost  # noqa: E402


def pid_alive(pid):
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


class Runtime:
    def __init__(self, tmp_path, api="computecore"):
        self.host = simhost.SimHost(tmp_path, BUILD)
        self.api = api
        self.dir = tmp_path
        self.state = tmp_path / "state"
        self.kernel = tmp_path / "Image"
        self.kernel.write_bytes(b"kernel")
        self.rootfs = tmp_path / "rootfs.vhd"
        simhost.write_fixed_vhd(self.rootfs)
        self.helpers = set()

    def result_path(self, name="agent-1"):
        return str(self.state / name / "result.json")

    def request(self, command, name="agent-1", **config):
        cfg = {"kernelPath": str(self.kernel), "rootfsPath": str(self.rootfs), "stateDir": str(self.state),
               "network": {"mode": "isolated"}}
        cfg.update(config)
        return {"command": command, "identity": {"requestID": f"req-{command}", "runtimeID": name, "role": "workload",
                                                 "backend": "windows-hyperv"}, "config": cfg}

    def cli(self, request, *extra):
        argv = [str(tool("hvsup-cli")), "--hcs-library", str(self.host.library(self.api)),
                "--hcn-library", str(hcnsim.provider_path(BUILD)), *extra,
                "--request-json", json.dumps(request)]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=self.host.env())
        response = json.loads(proc.stdout)
        assert (proc.returncode == 0) == response["ok"], proc.stderr
        return response

    def runtime_json(self, name="agent-1"):
        return json.loads((self.state / name / "runtime.json").read_text())

    def states(self, name="agent-1"):
        return [e["state"] for e in json.loads((self.state / name / "events.json").read_text())]

    def note_helper(self, name="agent-1"):
        pid = self.runtime_json(name).get("vsockListenerPid", 0)
        if pid:
            self.helpers.add(pid)
        return pid


@pytest.fixture(params=["computecore", "vmcompute"])
def rt(tmp_path, request):
    r = Runtime(tmp_path, request.param)
    yield r
    leaked = r.host.live_systems()
    alive = [p for p in r.helpers if pid_alive(p)]
    endpoints = hcnsim.endpoint_names(r.host.sim_dir)
    r.host.kill_all()
    for p in alive:
        os.kill(p, signal.SIGKILL)
    assert leaked == [], f"compute systems leaked: {leaked}"
    assert alive == [], f"listener helpers leaked: {alive}"
    assert endpoints == [], f"HCN endpoints leaked: {endpoints}"


@pytest.fixture
def rt1(tmp_path):
    """One API is enough where the HCS API makes no difference to the behaviour under test."""
    r = Runtime(tmp_path)
    yield r
    leaked = r.host.live_systems()
    r.host.kill_all()
    for p in r.helpers:
        if pid_alive(p):
            os.kill(p, signal.SIGKILL)
    assert leaked == []


def test_run_collects_the_result_and_serial_output(rt):
    rt.host.script({"guest": {"result": {"exit_code": 0, "stdout": "ok\n", "started_at": "2026-05-02T00:00:03.1Z",
                                         "exited_at": "2026-05-02T00:00:07.2Z"}, "serial": "guest says hi\n"}})
    r = rt.cli(rt.request("run", vsockListeners=[{"port": 1024, "target": rt.result_path()}]))
    assert r["event"]["state"] == "stopped", r
    assert r["event"]["detail"] == "windows-hyperv result received"
    assert r["result"]["stdout"] == "ok\n"
    assert r["result"]["completedAt"] == "2026-05-02T00:00:07.2Z"
    assert r["result"]["resultPath"] == rt.result_path()
    assert rt.states() == ["starting", "running", "stopped"]
    serial = (rt.state / "agent-1" / "serial.log").read_text()
    assert "guest says hi" in serial and "Kernel command line: root=/dev/sda rw" in serial
    state = rt.runtime_json()
    assert state["computeSystemID"] == "agent-1" and state["computeSystemRuntimeID"]
    assert not list((rt.state / "agent-1").glob("*.tmp"))
    inspect = rt.cli(rt.request("inspect"))
    assert inspect["result"]["stdout"] == "ok\n" and inspect["readiness"]["resultReady"]["ready"] is True


def test_run_with_a_failing_guest_reports_its_exit_code(rt1):
    rt1.host.script({"guest": {"result": {"exit_code": 3, "stderr": "boom\n"}}})
    r = rt1.cli(rt1.request("run", vsockListeners=[{"port": 1024, "target": rt1.result_path()}]))
    assert r["ok"] is True and r["result"]["exitCode"] == 3 and r["result"]["stderr"] == "boom\n"


def test_run_without_listeners_returns_running_and_delete_cleans_up(rt):
    r = rt.cli(rt.request("run", serialInput=True))
    assert r["event"]["state"] == "running"
    assert rt.host.live_systems() == ["agent-1"]
    assert rt.runtime_json()["readiness"]["shellReady"]["ready"] is True
    r = rt.cli(rt.request("delete"))
    assert r["event"]["detail"] == "windows-hyperv compute system deleted"
    assert not (rt.state / "agent-1").exists()


@pytest.mark.parametrize("command,state,detail", [
    ("stop", "stopped", "windows-hyperv compute system stopped"),
    ("halt", "halted", "windows-hyperv compute system halted"),
    ("kill", "stopped", "windows-hyperv compute system killed"),
])
def test_detached_start_then_terminal_control(rt, command, state, detail):
    r = rt.cli(rt.request("start", vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}]))
    assert r["event"]["state"] == "running", r
    pid = rt.note_helper()
    assert pid > 0 and pid_alive(pid)
    assert rt.states() == ["starting", "starting", "running"]
    r = rt.cli(rt.request(command))
    assert (r["event"]["state"], r["event"]["detail"]) == (state, detail)
    assert rt.host.live_systems() == []
    assert not pid_alive(pid)
    assert "vsockListenerPid" not in rt.runtime_json()
    assert rt.runtime_json()["computeSystemID"] == "agent-1"
    # restart from the terminal state works and is cleaned up again
    assert rt.cli(rt.request("start"))["event"]["state"] == "running"
    rt.cli(rt.request("kill"))


def test_start_rules_refuse_a_running_workspace(rt1):
    rt1.cli(rt1.request("start"))
    r = rt1.cli(rt1.request("run"))
    assert r["error"] == "workspace agent-1 is already running"
    assert rt1.host.live_systems() == ["agent-1"]
    rt1.cli(rt1.request("quarantine"))
    r = rt1.cli(rt1.request("start"))
    assert r["error"] == "workspace agent-1 is quarantined; halt, stop, or kill it before start"
    assert rt1.host.live_systems() == ["agent-1"]  # quarantine leaves the VM running (E2)
    assert rt1.cli(rt1.request("stop"))["event"]["state"] == "stopped"


def test_result_only_start_launches_no_helper(rt1):
    r = rt1.cli(rt1.request("start", vsockListeners=[{"port": 1024, "target": rt1.result_path()}]))
    assert r["ok"]
    assert "vsockListenerPid" not in rt1.runtime_json()
    assert rt1.states() == ["starting", "running"]
    rt1.cli(rt1.request("delete"))


@pytest.mark.parametrize("fault,prefix", [("create", "create failed: "), ("start", "start failed: ")])
def test_injected_failures_clean_up_and_record_failed(rt, fault, prefix):
    rt.host.script({"fail": {fault: "0x80070005"}})
    r = rt.cli(rt.request("run", vsockListeners=[{"port": 1024, "target": rt.result_path()}]))
    assert r["ok"] is False
    # The error is the bare cause (what callers match); the step is in the event detail.
    assert r["error"].startswith(f"windows-hyperv HCS {fault}"), r["error"]
    assert r["event"]["state"] == "failed" and r["event"]["detail"] == prefix + r["error"]
    assert rt.runtime_json()["error"] == r["error"]
    assert rt.host.live_systems() == []
    assert rt.cli(rt.request("inspect"))["ok"] is False
    rt.host.script({})
    assert rt.cli(rt.request("delete"))["ok"] is True


def test_missing_vhd_fails_create_without_leaks(rt1):
    rt1.rootfs.unlink()
    r = rt1.cli(rt1.request("run"))
    assert r["ok"] is False and r["event"]["detail"] == "create failed: " + r["error"]
    assert rt1.runtime_json()["error"] == r["error"]
    assert rt1.host.live_systems() == []


def test_guest_ignoring_shutdown_is_terminated(rt1):
    rt1.host.script({"guest": {"ignoreShutdown": True}})
    rt1.cli(rt1.request("start"))
    started = time.monotonic()
    r = rt1.cli(rt1.request("stop"))
    assert r["ok"] and r["event"]["state"] == "stopped"
    assert time.monotonic() - started >= 14  # the default 15 s grace period, then terminate


def test_stop_grace_is_configurable(rt1):
    rt1.host.script({"guest": {"ignoreShutdown": True}})
    rt1.cli(rt1.request("start"))
    started = time.monotonic()
    r = rt1.cli(rt1.request("halt"), "--stop-grace-ms", "200")
    assert r["ok"] and r["event"]["state"] == "halted"
    assert time.monotonic() - started < 10
    assert rt1.host.live_systems() == []
    assert rt1.host.live_systems() == []


def test_inspect_notices_a_guest_that_exited_on_its_own(rt1):
    rt1.host.script({"guest": {"crashAfterMs": 50}})
    rt1.cli(rt1.request("start", vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}]))
    pid = rt1.note_helper()
    deadline = time.monotonic() + 10
    while rt1.host.live_systems() and time.monotonic() < deadline:
        time.sleep(0.05)
    r = rt1.cli(rt1.request("inspect"))
    assert r["event"]["state"] == "stopped"
    assert "compute system exited" in r["event"]["detail"]
    assert not pid_alive(pid)
    assert rt1.cli(rt1.request("delete"))["ok"]


def test_two_runtimes_at_once(rt1):
    rt1.host.script({"guest": {"result": {"exit_code": 0, "stdout": "one\n"}}}, "one")
    rt1.host.script({"guest": {"result": {"exit_code": 0, "stdout": "two\n"}}}, "two")
    out = {}

    def run(name):
        out[name] = rt1.cli(rt1.request("run", name, vsockListeners=[{"port": 1024, "target": rt1.result_path(name)}]))

    threads = [threading.Thread(target=run, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out["one"]["result"]["stdout"] == "one\n"
    assert out["two"]["result"]["stdout"] == "two\n"


def test_unsupported_target_fails_before_anything_is_created(rt1):
    r = rt1.cli(rt1.request("run", vsockListeners=[{"port": 2048, "target": "/etc/shadow"}]))
    assert r["error"] == "windows-hyperv vsock listener 2048 target must be host:port or the workspace result path"
    assert r["event"]["detail"] == "listener setup failed: " + r["error"]
    assert rt1.host.calls("HcsCreateComputeSystem") == []


def test_a_new_boot_forgets_the_previous_result(rt1):
    rt1.host.script({"guest": {"result": {"exit_code": 0, "stdout": "first\n"}}})
    rt1.cli(rt1.request("run", vsockListeners=[{"port": 1024, "target": rt1.result_path()}]))
    assert rt1.cli(rt1.request("inspect"))["result"]["stdout"] == "first\n"
    rt1.host.script({"guest": {}})
    rt1.cli(rt1.request("start"))
    inspect = rt1.cli(rt1.request("inspect"))
    assert "result" not in inspect
    assert inspect["readiness"]["resultReady"]["ready"] is False
    rt1.cli(rt1.request("delete"))


def test_a_helper_killed_from_outside_is_noticed_by_inspect(rt1):
    rt1.cli(rt1.request("start", vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}]))
    pid = rt1.note_helper()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    r = rt1.cli(rt1.request("inspect"))
    assert r["event"]["state"] == "running"
    assert f"hvsock-listener helper {pid} exited" in r["event"]["detail"]
    assert "vsockListenerPid" not in rt1.runtime_json()
    assert rt1.cli(rt1.request("stop"))["ok"]


def test_nat_start_publishes_ports_and_quarantine_severs_them(rt):
    port = simhost.free_port()
    rt.host.script({"guest": {"forwards": [{"hostPort": port, "echo": True}]}})
    r = rt.cli(rt.request("start", network={"mode": "nat", "portForwards": [{"hostPort": port, "guestPort": 8080}]}))
    assert r["ok"], r
    state = rt.runtime_json()
    net = state["config"]["network"]
    assert net["mode"] == "nat" and net["ip"].startswith("192.168.127.") and net["gateway"] == "192.168.127.1"
    assert state["networkID"] and state["networkEndpointID"]
    assert hcnsim.endpoint_names(rt.host.sim_dir) == ["microagent-agent-1"]
    rt.note_helper()
    deadline = time.monotonic() + 10
    while True:  # the published port is bound before the guest's service listens
        try:
            echoed = simhost.connect_and_echo(port)
            if echoed == b"ping" or time.monotonic() > deadline:
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)
    assert echoed == b"ping"
    assert rt.cli(rt.request("quarantine"))["event"]["state"] == "quarantined"
    assert hcnsim.endpoint_names(rt.host.sim_dir) == []
    with pytest.raises(OSError):
        simhost.connect_and_echo(port)
    assert rt.host.live_systems() == ["agent-1"]
    rt.cli(rt.request("kill"))


def test_run_in_nat_mode_releases_the_endpoint(rt1):
    rt1.host.script({"guest": {"result": {"exit_code": 0, "stdout": "ok\n"}}})
    r = rt1.cli(rt1.request("run", network={"mode": "user"}, vsockListeners=[{"port": 1024, "target": rt1.result_path()}]))
    assert r["ok"] and r["result"]["stdout"] == "ok\n"
    assert hcnsim.endpoint_names(rt1.host.sim_dir) == []
    assert "microagent_net_ip=192.168.127." in (rt1.state / "agent-1" / "serial.log").read_text()


def test_stale_endpoint_of_a_crashed_run_is_replaced(rt1):
    rt1.cli(rt1.request("start", network={"mode": "nat"}))
    first = rt1.runtime_json()["networkEndpointID"]
    (rt1.state / "agent-1").joinpath("runtime.json").unlink()  # the supervisor "crashed" and lost its state
    rt1.cli(rt1.request("kill"))  # fails: no state; the VM and endpoint are orphaned
    rt1.host.kill_all()
    r = rt1.cli(rt1.request("start", network={"mode": "nat"}))
    assert r["ok"], r
    second = rt1.runtime_json()["networkEndpointID"]
    assert second != first
    assert hcnsim.endpoint_ids(rt1.host.sim_dir) == [second]
    rt1.cli(rt1.request("delete"))


def run_whose_network_setup_leaves_an_endpoint(rt):
    """A run whose endpoint is created, cannot be read back, and whose clean-up delete fails
    too: the endpoint is left on the host. Found by test_random_sequences (shard seeds
    20261127..30): the failed state named no endpoint, so nothing would ever release it."""
    hcnsim.inject_fault(rt.host.sim_dir, "HcnQueryEndpointProperties", 0x80070005)
    hcnsim.inject_fault(rt.host.sim_dir, "HcnDeleteEndpoint", 0x80070005)
    r = rt.cli(rt.request("run", network={"mode": "nat"}))
    assert r["ok"] is False
    return r


def test_an_endpoint_setup_cannot_remove_is_recorded_and_released_by_the_next_start(rt1):
    r = run_whose_network_setup_leaves_an_endpoint(rt1)
    assert r["error"].startswith('query HNS endpoint "microagent-agent-1": HcnQueryEndpointProperties: E_ACCESSDENIED')
    left = hcnsim.endpoint_ids(rt1.host.sim_dir)
    assert len(left) == 1
    assert r["event"]["state"] == "failed"
    assert rt1.runtime_json()["networkEndpointID"] == left[0]
    # The next start releases it (the faults have fired) and gets an endpoint of its own.
    assert rt1.cli(rt1.request("start", network={"mode": "nat"}))["ok"]
    now = hcnsim.endpoint_ids(rt1.host.sim_dir)
    assert now == [rt1.runtime_json()["networkEndpointID"]] and now != left
    assert rt1.cli(rt1.request("delete"))["ok"]
    assert hcnsim.endpoint_ids(rt1.host.sim_dir) == []


def test_an_endpoint_left_by_a_failed_setup_goes_with_delete(rt1):
    run_whose_network_setup_leaves_an_endpoint(rt1)
    assert len(hcnsim.endpoint_ids(rt1.host.sim_dir)) == 1
    assert rt1.cli(rt1.request("delete"))["ok"]
    assert hcnsim.endpoint_ids(rt1.host.sim_dir) == []


def test_bridged_with_an_unknown_interface_fails_closed(rt1):
    r = rt1.cli(rt1.request("start", network={"mode": "bridged", "interface": "No Such Switch"}))
    assert r["ok"] is False
    assert r["error"].startswith('resolve bridged HNS network "No Such Switch"')
    assert r["event"]["detail"] == "network setup failed: " + r["error"]
    assert rt1.host.calls("HcsCreateComputeSystem") == []
    assert hcnsim.endpoint_names(rt1.host.sim_dir) == []


def test_bridged_on_an_external_switch_boots_with_dhcp(rt1):
    hcnsim.seed_network(rt1.host.sim_dir, "External", "Transparent", ipam="Dhcp")
    r = rt1.cli(rt1.request("run", serialInput=True, network={"mode": "bridged", "interface": "External"}))
    assert r["ok"], r
    assert rt1.runtime_json()["networkEndpointID"]
    rt1.cli(rt1.request("delete"))


def test_nat_subnet_avoids_a_default_switch_that_covers_it(rt1):
    hcnsim.seed_network(rt1.host.sim_dir, "Default Switch", "ICS", prefix="192.168.112.0/20", gateway="192.168.112.1")
    rt1.cli(rt1.request("start", network={"mode": "nat"}))
    net = rt1.runtime_json()["config"]["network"]
    assert net["subnet"] == "192.168.214.0/24" and net["gateway"] == "192.168.214.1"
    rt1.cli(rt1.request("stop"))


def test_run_fails_when_the_guest_dies_before_delivering(rt1):
    rt1.host.script({"guest": {"crashAfterMs": 50}})
    r = rt1.cli(rt1.request("run", vsockListeners=[{"port": 1024, "target": rt1.result_path()}]))
    assert r["ok"] is False
    assert r["error"] == "the compute system exited without delivering a result"
    assert r["event"]["detail"] == "result listener failed: the compute system exited without delivering a result"
    assert rt1.host.live_systems() == []
    rt1.cli(rt1.request("delete"))


def test_start_refuses_while_a_system_of_an_earlier_boot_survives(rt1):
    rt1.cli(rt1.request("start"))
    rt1.host.script({"fail": {"terminate": "0x80070005", "shutdown": "0x80070005"}}, "agent-1")
    r = rt1.cli(rt1.request("kill"))
    assert r["ok"] is False and r["event"]["state"] == "failed"
    rt1.host.script({}, "agent-1")
    r = rt1.cli(rt1.request("start"))
    assert r["ok"] is False
    assert r["error"] == ("workspace agent-1 still has compute system agent-1 from an earlier boot (State: Running); "
                          "stop, kill or delete it first")
    assert rt1.runtime_json()["computeSystemID"] == "agent-1"  # nothing forgotten
    assert rt1.cli(rt1.request("prepare"))["ok"] is False
    assert rt1.cli(rt1.request("kill"))["ok"] is True
    assert rt1.cli(rt1.request("start"))["ok"] is True
    rt1.cli(rt1.request("delete"))


def test_the_helper_exits_when_its_compute_system_exits(rt):
    rt.host.script({"guest": {"crashAfterMs": 300}})
    rt.cli(rt.request("start", vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}]))
    pid = rt.note_helper()
    assert pid_alive(pid)
    deadline = time.monotonic() + 10
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pid)
    assert "exited" in (rt.state / "agent-1" / "hvsock-listener.log").read_text()
    assert rt.cli(rt.request("inspect"))["event"]["state"] == "stopped"
    rt.cli(rt.request("delete"))
