# SPDX-License-Identifier: MIT
"""Concurrent hvsup-cli commands on the simulated host (docs/security.md, "Command lock"):
lifecycle commands on one runtime are serialized by its command lock (a second one waits, then
fails naming the holder), kill preempts a running command, inspect never waits, and 50
runtimes operated at once in one state dir end consistent and leak nothing."""
import concurrent.futures
import json
import random
import re
import subprocess
import threading
import time

import pytest

from test_crash_consistency import check_state_files, cli_argv, helper_pids, wait_until
from test_lifecycle_sim import Runtime, hcnsim


def launch(rt, request, *extra):
    return subprocess.Popen(cli_argv(rt, request, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=rt.host.env())


def finish(proc):
    out, err = proc.communicate(timeout=120)
    response = json.loads(out)
    assert (proc.returncode == 0) == response["ok"], err
    return response


def wait_for_state(rt, name, state, timeout=30):
    def reached():
        try:
            return rt.runtime_json(name)["event"]["state"] == state
        except (OSError, ValueError, KeyError):
            return False
    assert wait_until(reached, timeout), f"{name} never reached {state}"


@pytest.fixture
def rt(tmp_path):
    r = Runtime(tmp_path)
    yield r
    leaked = r.host.live_systems()
    helpers = helper_pids(r.state)
    r.host.kill_all()
    assert leaked == [], f"compute systems leaked: {leaked}"
    assert helpers == [], f"helpers leaked: {helpers}"


def test_two_concurrent_starts_boot_exactly_one_compute_system(rt):
    for round_ in range(4):
        name = f"twin{round_}"
        rt.host.script({"delayMs": 150, "guest": {}}, name)
        request = rt.request("start", name, network={"mode": "nat"})
        procs = [launch(rt, request) for _ in range(2)]
        responses = [finish(p) for p in procs]
        winners = [r for r in responses if r["ok"]]
        losers = [r for r in responses if not r["ok"]]
        assert len(winners) == 1 and len(losers) == 1, responses
        # The second one either waited and found it running, or gave up naming the holder.
        assert losers[0]["error"] in (f"workspace {name} is already running",) or \
            losers[0]["error"].startswith(f"workspace {name} is busy: start (pid "), losers[0]
        assert rt.runtime_json(name)["event"]["state"] == "running"
        assert "failed" not in rt.states(name)
        assert len(rt.host.calls("HcsCreateComputeSystem", name)) == 1
        assert rt.host.live_systems() == [name]
        assert hcnsim.endpoint_names(rt.host.sim_dir) == [f"microagent-{name}"]
        assert rt.cli(rt.request("delete", name))["ok"]
        assert hcnsim.endpoint_names(rt.host.sim_dir) == []


def test_stop_during_start_waits_for_it(rt):
    rt.host.script({"delayMs": 400, "guest": {}}, "agent-1")
    start = launch(rt, rt.request("start", vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}]))
    wait_until(lambda: (rt.state / "agent-1" / "events.json").exists(), 10)
    stop = rt.cli(rt.request("stop"), "--stop-grace-ms", "100")
    started = finish(start)
    assert started["ok"], started
    assert stop["ok"] and stop["event"]["state"] == "stopped", stop
    assert rt.states()[-1] == "stopped" and rt.states()[-2] == "running"
    assert rt.host.live_systems() == []
    assert wait_until(lambda: not helper_pids(rt.state))


def test_kill_preempts_a_running_run_and_inspect_does_not_wait(rt):
    # A guest that never delivers: `run` would wait for ever.
    rt.host.script({"guest": {}}, "agent-1")
    run = launch(rt, rt.request("run", network={"mode": "nat"},
                                vsockListeners=[{"port": 1024, "target": rt.result_path()}]))
    wait_for_state(rt, "agent-1", "running")
    inspect = rt.cli(rt.request("inspect"))
    assert inspect["ok"] and inspect["event"]["state"] == "running"
    killed = rt.cli(rt.request("kill"))
    assert killed["ok"] and killed["event"]["detail"] == "windows-hyperv compute system killed", killed
    ran = finish(run)
    assert ran["ok"] is False
    # The run notices the exit either after the kill recorded `stopped` (its own record is then
    # refused) or just before (it records `failed`, and the kill's `stopped` follows).
    # The error is the bare cause, recorded or not (one that could not be recorded says why).
    assert ran["error"] == "the compute system exited without delivering a result" or ran["error"].startswith(
        "the compute system exited without delivering a result; not recorded: "), ran["error"]
    if "not recorded" in ran["error"]:
        assert ran["error"].endswith("; not recorded: workspace agent-1 was changed by another command while this one "
                                     "ran (now stopped: windows-hyperv compute system killed)"), ran["error"]
    # The operator's kill is what the state says; the run cleaned up after itself.
    assert rt.runtime_json()["event"]["detail"] == "windows-hyperv compute system killed"
    assert rt.host.live_systems() == []
    assert hcnsim.endpoint_names(rt.host.sim_dir) == []
    assert rt.cli(rt.request("delete"))["ok"]


def test_a_second_command_fails_busy_naming_the_holder(rt):
    rt.host.script({"guest": {}}, "agent-1")
    run = launch(rt, rt.request("run", vsockListeners=[{"port": 1024, "target": rt.result_path()}]))
    wait_for_state(rt, "agent-1", "running")
    busy = rt.cli(rt.request("stop"))  # waits the default 10 s, then gives up
    assert busy["ok"] is False
    assert re.fullmatch(r"workspace agent-1 is busy: run \(pid %d\) since \S+ holds its command lock \(waited 10000 ms\); "
                        r"try again when it finishes, or kill it" % run.pid, busy["error"]), busy["error"]
    assert "event" not in busy and rt.runtime_json()["event"]["state"] == "running"
    assert rt.cli(rt.request("kill"))["ok"]
    assert finish(run)["ok"] is False
    assert rt.cli(rt.request("delete"))["ok"]


def test_fifty_runtimes_at_once_in_one_state_dir(rt):
    rng = random.Random(50)
    names = [f"w{i:02d}" for i in range(50)]
    rt.host.script({"delayMs": 5, "guest": {"result": {"exit_code": 0, "stdout": "ok\n"}, "exitAfterMs": 20}})
    errors = []
    lock = threading.Lock()

    def lifecycle(name):
        mode = "nat" if rng.random() < 0.3 else "isolated"
        steps = [("prepare", {}), ("start", {}), ("inspect", {}), ("stop", {"--stop-grace-ms": "100"}),
                 ("run", {}), ("delete", {})]
        for command, flags in steps:
            extra = {"network": {"mode": mode}}
            if command == "run":
                extra["vsockListeners"] = [{"port": 1024, "target": rt.result_path(name)}]
            argv = [a for kv in flags.items() for a in kv]
            r = rt.cli(rt.request(command, name, **extra), *argv)
            if not r["ok"]:
                with lock:
                    errors.append((name, command, r.get("error")))
                return
            check_state_files(rt.state / name, f"{name} after {command}")

    def intruder(name):
        # A second client on the same runtime at the same time: serialized, never corrupting.
        time.sleep(rng.uniform(0, 0.5))
        r = rt.cli(rt.request("inspect", name))
        assert r["ok"] or r["error"] == f"workspace {name} not found", r

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(lifecycle, n) for n in names] + [pool.submit(intruder, n) for n in names[::5]]
        for f in futures:
            f.result()
    assert errors == []
    assert sorted(p.name for p in rt.state.iterdir()) == []
    assert rt.host.live_systems() == []
    assert hcnsim.endpoint_ids(rt.host.sim_dir) == []
