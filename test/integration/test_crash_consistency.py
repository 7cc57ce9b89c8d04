# SPDX-License-Identifier: MIT
"""Crash consistency on the simulated host: hvsup-cli is SIGKILLed at random points of run,
start, stop, delete and prepare (before create, after create, while waiting for the guest,
during teardown). Whatever the kill interrupted:

- every state file present is complete JSON (files are replaced by rename, so a reader never
  sees a torn one; a temporary left by the kill is named `*.tmp` and is never read as state);
- no event is lost: event.json is the newest entry of events.json, or — the documented crash
  order (docs/protocol.md, "State files": history first, then event.json, then runtime.json) —
  the one before it, and runtime.json's event is event.json's or the one before;
- a later `delete` succeeds and the simulator keeps no compute system, no HCN endpoint and no
  hvsock-listener helper of the runtime;
- a later `run` of the same workspace works.

The 100 iterations are independent (each ends with the workspace deleted and checked), so they
run as four shards of 25 on a simulated host and state directory of their own, which pytest-xdist
runs side by side. The seed is printed on failure; HVSUP_CRASH_SEED replays one shard (the
printed seed), HVSUP_CRASH_ITERATIONS changes the count per shard (default 25). The kills land
at different points on every run (the machine's timing varies); the seed fixes the sequence of
commands, scripts and delays."""
import json
import os
import pathlib
import random
import signal
import subprocess
import time

import pytest

from conftest import BUILD, tool
from test_lifecycle_sim import Runtime, hcnsim

STATE_FILES = ("event.json", "events.json", "runtime.json", "result.json")


def cli_argv(rt, request, *extra):
    return [str(tool("hvsup-cli")), "--hcs-library", str(rt.host.library(rt.api)),
            "--hcn-library", str(hcnsim.provider_path(BUILD)), *extra, "--request-json", json.dumps(request)]


def helper_pids(state_dir, name=None):
    """hvsock-listener processes serving a runtime of `state_dir` (found even when no state file
    records them: a start killed between spawning the helper and recording its PID)."""
    pids = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] in "ZX" or not argv or not argv[0].endswith(b"hvsock-listener"):
            continue
        args = [a.decode(errors="replace") for a in argv]
        if "--state-dir" in args and args[args.index("--state-dir") + 1] == str(state_dir):
            if name is None or ("--name" in args and args[args.index("--name") + 1] == name):
                pids.append(int(proc.name))
    return pids


def wait_until(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def check_state_files(runtime_dir, context, deleting=False):
    """The invariants a reader relies on after any crash. `deleting`: a delete was interrupted;
    it removes runtime.json first, so the runtime may read as gone while its history remains."""
    if not runtime_dir.exists():
        return
    parsed = {}
    for name in STATE_FILES:
        path = runtime_dir / name
        if path.exists():
            text = path.read_text()
            try:
                parsed[name] = json.loads(text)
            except ValueError as e:
                raise AssertionError(f"{context}: torn {name}: {e}: {text[:200]!r}")
    for path in runtime_dir.iterdir():
        # A temporary the kill left behind never carries a state file's name.
        assert path.name in STATE_FILES or path.suffix != ".json" or path.name.endswith(".tmp"), (context, path)
    events = parsed.get("events.json")
    if events is None:
        assert "event.json" not in parsed and "runtime.json" not in parsed, f"{context}: state without history"
        return
    assert isinstance(events, list) and events, f"{context}: empty history"
    newest, before = events[-1], (events[-2] if len(events) > 1 else None)
    event = parsed.get("event.json")
    assert event in (newest, before), f"{context}: event.json {event} is not among the last events {events[-2:]}"
    if event is None:
        assert len(events) == 1, f"{context}: event.json missing after {len(events)} events"
    runtime = parsed.get("runtime.json")
    if runtime is not None:
        # Equal to event.json, or one behind when killed between replacing the two.
        assert runtime["event"] in (event, before), f"{context}: runtime.json event {runtime['event']} vs {event}"
    else:
        assert deleting or len(events) == 1 or event is None, \
            f"{context}: runtime.json missing after {len(events)} events"


def scenario_request(rt, rng, command, name):
    """A request whose services make the interrupted command create every kind of resource."""
    extra = {"network": {"mode": rng.choice(["nat", "nat", "isolated"])}}
    if command == "run":
        extra["vsockListeners"] = [{"port": 1024, "target": rt.result_path(name)}]
    elif command == "start" and rng.random() < 0.7:
        extra["vsockListeners"] = [{"port": 2048, "target": "127.0.0.1:9"}]  # launches the helper
    return rt.request(command, name, **extra)


SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_sigkill_at_random_points_never_tears_state_or_leaks(tmp_path, shard):
    seed = int(os.environ.get("HVSUP_CRASH_SEED", str(20261127 + shard)))
    iterations = int(os.environ.get("HVSUP_CRASH_ITERATIONS", "25"))
    rng = random.Random(seed)
    rt = Runtime(tmp_path)
    names = ["c0", "c1", "c2"]
    landed = {}  # (command, state the kill left recorded) -> count: where the kills landed
    step = "setup"
    try:
        for i in range(iterations):
            name = names[i % len(names)]
            command = rng.choice(["run", "run", "start", "start", "stop", "delete", "prepare"])
            delay_ms = rng.choice([5, 40, 150, 300])  # how long HCS create/start stay pending
            guest = {"result": {"exit_code": 0, "stdout": f"{i}\n"}, "resultDelayMs": rng.choice([0, 200, 600]),
                     "exitAfterMs": 50, "ignoreShutdown": rng.random() < 0.3}
            rt.host.script({"delayMs": delay_ms, "guest": guest}, name)
            step = f"iteration {i}: {command} {name} (seed {seed})"
            if command in ("stop", "delete"):
                # Something to tear down: a detached start with a helper and an endpoint.
                setup = rt.cli(scenario_request(rt, random.Random(i), "start", name), "--stop-grace-ms", "100")
                if not setup["ok"] and "already" in setup.get("error", ""):
                    pass  # the previous iteration left it running: just as good
            # Spread the kill over the command's life: process start-up, create, start, waits,
            # teardown.
            kill_after = rng.choice([rng.uniform(0, 0.15), rng.uniform(0.1, 0.6), rng.uniform(0.4, 1.5)])
            proc = subprocess.Popen(cli_argv(rt, scenario_request(rt, rng, command, name), "--stop-grace-ms", "300"),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=rt.host.env())
            time.sleep(kill_after)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)

            check_state_files(rt.state / name, f"{step}, killed after {kill_after:.3f} s", deleting=command == "delete")
            try:
                left = json.loads((rt.state / name / "event.json").read_text())["state"]
            except (OSError, ValueError):
                left = "no state"
            landed[(command, left)] = landed.get((command, left), 0) + 1
            r = rt.cli(rt.request("inspect", name))  # a reader after the crash gets an answer
            assert r.get("event") or r["error"] == f"workspace {name} not found", (step, r)

            rt.host.script({"guest": guest | {"ignoreShutdown": False}}, name)
            deleted = rt.cli(rt.request("delete", name), "--stop-grace-ms", "100")
            assert deleted["ok"] or (deleted["error"] == f"workspace {name} not found"
                                     and not (rt.state / name).exists()), (step, deleted)
            assert not (rt.state / name).exists(), step
            assert name not in rt.host.live_systems(), f"{step}: compute system leaked"
            assert f"microagent-{name}" not in hcnsim.endpoint_names(rt.host.sim_dir), f"{step}: endpoint leaked"
            assert wait_until(lambda: not helper_pids(rt.state, name)), \
                f"{step}: hvsock-listener leaked: {helper_pids(rt.state, name)}"

            if i % 3 == 0:  # the workspace is usable again
                rt.host.script({"delayMs": 5, "guest": {"result": {"exit_code": 0, "stdout": "again\n"}}}, name)
                again = rt.cli(rt.request("run", name, network={"mode": "nat"},
                                          vsockListeners=[{"port": 1024, "target": rt.result_path(name)}]))
                assert again["ok"] and again["result"]["stdout"] == "again\n", (step, again)
                check_state_files(rt.state / name, step)
        step = f"final cleanup (seed {seed})"
        for name in names:
            if (rt.state / name).exists():
                assert rt.cli(rt.request("delete", name))["ok"], step
        assert rt.host.live_systems() == [], step
        assert hcnsim.endpoint_ids(rt.host.sim_dir) == [], step
        assert wait_until(lambda: not helper_pids(rt.state)), step
        print("kills landed (command, recorded state): " + ", ".join(f"{k}: {v}" for k, v in sorted(landed.items())))
    except BaseException:
        print(f"crash consistency failed at {step}; replay with HVSUP_CRASH_SEED={seed}")
        raise
    finally:
        rt.host.kill_all()
        for pid in helper_pids(rt.state):
            os.kill(pid, signal.SIGKILL)
