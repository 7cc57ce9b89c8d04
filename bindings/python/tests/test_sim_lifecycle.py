# SPDX-License-Identifier: MIT
"""A full `run` lifecycle through Context.supervise on the simulated Hyper-V host."""
import json

import hvsup
from simhelpers import sim, sim_library  # noqa: F401 - fixture


def test_run_inspect_delete_on_the_simulated_host(lib, sim):
    sim.script({"guest": {"result": {"exit_code": 0, "stdout": "ok\n"}, "serial": "guest says hi\n"}})
    messages = []
    result_path = str(sim.state / "agent-1" / "result.json")
    with hvsup.Context(hcs_library=sim_library(), log=lambda level, message: messages.append((level, message))) as ctx:
        ran = ctx.supervise(sim.request("run", vsockListeners=[{"port": 1024, "target": result_path}]))
        assert ran["ok"] is True, ran
        assert ran["event"]["state"] == "stopped"
        assert ran["event"]["detail"] == "windows-hyperv result received"
        assert ran["result"]["stdout"] == "ok\n" and ran["result"]["exitCode"] == 0
        assert "guest says hi" in (sim.state / "agent-1" / "serial.log").read_text()
        states = [e["state"] for e in json.loads((sim.state / "agent-1" / "events.json").read_text())]
        assert states == ["starting", "running", "stopped"]

        inspected = ctx.supervise(sim.request("inspect"))
        assert inspected["result"]["stdout"] == "ok\n"
        assert inspected["readiness"]["resultReady"]["ready"] is True

        assert ctx.supervise(sim.request("delete"))["ok"] is True
        assert not (sim.state / "agent-1").exists()
    assert sim.systems() == []
    # the log callback saw the listeners at work, from the library's threads
    assert any(m.startswith("windows-hyperv result written to " + result_path) for _, m in messages), messages
    assert all(isinstance(level, hvsup.LogLevel) for level, _ in messages)


def test_host_through_the_simulator_is_ok(lib, sim):
    with hvsup.Context(hcs_library=sim_library("vmcompute")) as ctx:
        host = ctx.supervise({"command": "host"})
    assert host["ok"] is True, host
    assert host["host"]["frameworkAvailable"] is True
    assert host["host"]["hcsApi"] == "vmcompute.dll"


def test_unknown_hcs_api_option_fails_closed(lib, sim):
    with hvsup.Context(hcs_library=sim_library(), hcs_api="hcs3") as ctx:
        host = ctx.supervise({"command": "host"})
    assert host["ok"] is False
    assert host["error"] == 'unknown HCS API "hcs3": use computecore or vmcompute'
