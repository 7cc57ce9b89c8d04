# SPDX-License-Identifier: MIT
"""200 random command sequences on the simulated host (HCS + HCN), with injected failures:
whatever happens, every compute system and every HCN endpoint that exists afterwards is
accounted for by a state file, and deleting every runtime leaves nothing behind. They run as
four shards of 50 sequences, each on a simulated host and state directory of its own (its
state carried across its 50 sequences), which pytest-xdist runs side by side."""
import json
import random

import pytest

from test_lifecycle_sim import Runtime, hcnsim  # noqa: F401  (shared fixtures and helpers)

COMMANDS = ["start", "run", "stop", "halt", "kill", "quarantine", "delete", "inspect"]
NAMES = ["r0", "r1", "r2"]


def accounted(rt):
    """(compute ids, endpoint ids) the state files claim, for runtimes that may still hold them."""
    systems, endpoints = set(), set()
    for runtime in rt.state.glob("*/runtime.json"):
        state = json.loads(runtime.read_text())
        if state.get("computeSystemID"):
            systems.add(state["computeSystemID"])
        if state.get("networkEndpointID"):
            endpoints.add(state["networkEndpointID"])
    return systems, endpoints


SHARDS = 4
SEQUENCES_PER_SHARD = 50


@pytest.mark.parametrize("shard", range(SHARDS))
def test_random_sequences_leave_nothing_unaccounted(tmp_path, shard):
    rng = random.Random(20261127 + shard)
    rt = Runtime(tmp_path)
    rt.host.script({"guest": {"result": {"exit_code": 0, "stdout": "ok\n"}, "exitAfterMs": 20}})
    # 50 sequences of 4 commands on one of three runtimes, the host state carried across them.
    plan = [(rng.choice(NAMES), [rng.choice(COMMANDS) for _ in range(4)]) for _ in range(SEQUENCES_PER_SHARD)]
    steps = [(seq, name, command) for seq, (name, commands) in enumerate(plan) for command in commands]
    history = []
    try:
        for seq, name, command in steps:
            step = f"sequence {seq}"
            fault = rng.random()
            if fault < 0.08:
                rt.host.script({"fail": {rng.choice(["create", "start", "shutdown", "terminate"]): "0x80070005"},
                                "guest": {"result": {"exit_code": 0}, "exitAfterMs": 20}}, name)
            elif fault < 0.14:
                hcnsim.inject_fault(rt.host.sim_dir, rng.choice(["HcnCreateEndpoint", "HcnDeleteEndpoint",
                                                                 "HcnQueryEndpointProperties"]), 0x80070005)
            elif fault < 0.2:
                rt.host.script({"guest": {"crashAfterMs": rng.choice([0, 30])}}, name)
            else:
                rt.host.script({"guest": {"result": {"exit_code": 0}, "exitAfterMs": 20}}, name)
            mode = rng.choice(["nat", "isolated", "user"])
            extra = {"network": {"mode": mode}}
            if command == "run" and rng.random() < 0.7:
                extra["vsockListeners"] = [{"port": 1024, "target": rt.result_path(name)}]
            response = rt.cli(rt.request(command, name, **extra), "--stop-grace-ms", "100")
            history.append((name, command, mode, response.get("error"), fault))
            if response.get("event"):
                assert response["event"]["identity"]["runtimeID"] == name
            rt.note_helper(name) if (rt.state / name / "runtime.json").exists() else None

            systems, endpoints = accounted(rt)
            live = set(rt.host.live_systems())
            assert live <= systems, f"step {step} {command} {name}: unaccounted compute systems {live - systems}"
            live_endpoints = set(hcnsim.endpoint_ids(rt.host.sim_dir))
            assert live_endpoints <= endpoints, (f"step {step} {command} {name}: unaccounted endpoints "
                                                 f"{live_endpoints - endpoints} ({response.get('error')}) "
                                                 f"{hcnsim.list_endpoints(rt.host.sim_dir)} {history}")
        # Clear the faults, then delete everything: nothing may remain.
        rt.host.script({"guest": {}})
        for name in NAMES:
            rt.host.script({"guest": {}}, name)
        (rt.host.sim_dir / "hcn" / "faults.json").unlink(missing_ok=True)
        for name in NAMES:
            if (rt.state / name).exists():
                r = rt.cli(rt.request("delete", name), "--stop-grace-ms", "100")
                assert r["ok"], r
        assert rt.host.live_systems() == []
        assert hcnsim.endpoint_ids(rt.host.sim_dir) == []
    finally:
        rt.host.kill_all()
