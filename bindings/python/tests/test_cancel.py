# SPDX-License-Identifier: MIT
"""Context.cancel() (hvsup_context_cancel) during a `run` on the simulated host: the call ends
with CancelledError, the run is cleaned up (no compute system, no HCN endpoint) and recorded as
failed, and the context stays usable."""
import json
import threading
import time

import pytest

import hvsup
from simhelpers import hcn_library, hcnsim, sim, sim_library  # noqa: F401 - fixture


def _state(sim, runtime="agent-1"):
    path = sim.state / runtime / "runtime.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _cancel_when_running(ctx, sim, runtime="agent-1"):
    """Calls ctx.cancel() from another thread once the runtime is recorded running."""
    def watch():
        for _ in range(6000):
            if _state(sim, runtime).get("event", {}).get("state") == "running":
                break
            time.sleep(0.01)
        ctx.cancel()
    thread = threading.Thread(target=watch)
    thread.start()
    return thread


def test_cancel_ends_a_run_whose_guest_never_answers(lib, sim):
    sim.script({"guest": {}})  # boots, never delivers a result, never exits
    result_path = str(sim.state / "agent-1" / "result.json")
    run = sim.request("run", vsockListeners=[{"port": 1024, "target": result_path}], network={"mode": "nat"})
    with hvsup.Context(hcs_library=sim_library(), hcn_library=hcn_library()) as ctx:
        watcher = _cancel_when_running(ctx, sim)
        with pytest.raises(hvsup.CancelledError) as e:
            ctx.supervise(run)
        watcher.join()
        assert e.value.code is hvsup.Status.CANCELLED
        assert e.value.message == "run cancelled by the caller while waiting for the guest result"

        # fail-closed: nothing left on the host, and the state says failed
        assert sim.systems() == []
        assert hcnsim().list_endpoints(sim.sim_dir) == []
        state = _state(sim)
        assert state["event"]["state"] == "failed"
        assert state["event"]["detail"] == e.value.message
        assert state["computeSystemID"] and state["networkEndpointID"]  # the IDs it cleaned up

        # one-shot: the same context runs the next request normally
        inspected = ctx.supervise(sim.request("inspect"))
        assert inspected["ok"] is False and inspected["event"]["state"] == "failed"
        assert ctx.supervise(sim.request("delete"))["ok"] is True


def test_cancel_without_a_call_in_flight_is_harmless(lib, sim):
    with hvsup.Context(hcs_library=sim_library()) as ctx:
        ctx.cancel()
        assert ctx.supervise({"command": "host"})["ok"] is True
    ctx.cancel()  # closed: a no-op
