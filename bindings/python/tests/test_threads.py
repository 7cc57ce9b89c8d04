# SPDX-License-Identifier: MIT
"""Independent contexts on independent threads, and one context shared by several threads."""
import threading

import hvsup
from conftest import full_request, state_request

THREADS = 8
ROUNDS = 15


def run_threads(target, count):
    errors = []

    def wrapped(index):
        try:
            target(index)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append((index, e))

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def lifecycle(ctx, state_dir, runtime):
    assert ctx.supervise(full_request("prepare", state_dir, runtime=runtime))["event"]["state"] == "prepared"
    inspected = ctx.supervise(state_request("inspect", state_dir, runtime=runtime))
    assert inspected["event"]["identity"]["runtimeID"] == runtime
    assert ctx.supervise(state_request("stop", state_dir, runtime=runtime))["event"]["state"] == "stopped"
    assert ctx.supervise(state_request("delete", state_dir, runtime=runtime))["ok"] is True


def test_independent_contexts_on_threads(lib, tmp_path):
    def worker(index):
        state_dir = tmp_path / f"state-{index}"
        state_dir.mkdir()
        with hvsup.Context(state_dir=state_dir) as ctx:
            for r in range(ROUNDS):
                lifecycle(ctx, state_dir, f"agent-{r}")
                assert ctx.supervise({"command": "host"})["ok"] is False
        assert list(state_dir.iterdir()) == []

    run_threads(worker, THREADS)


def test_one_context_shared_by_threads(lib, state_dir):
    with hvsup.Context() as ctx:
        def worker(index):
            for r in range(ROUNDS):
                lifecycle(ctx, state_dir, f"agent-{index}-{r}")

        run_threads(worker, THREADS)
    assert list(state_dir.iterdir()) == []


def test_close_waits_for_calls_in_flight(lib, state_dir):
    ctx = hvsup.Context()
    started = threading.Event()
    results = []

    def worker():
        started.set()
        for r in range(50):
            try:
                results.append(ctx.supervise(full_request("prepare", state_dir, runtime=f"a{r}"))["ok"])
            except hvsup.InvalidArgumentError:
                results.append("closed")

    t = threading.Thread(target=worker)
    t.start()
    started.wait()
    ctx.close()
    t.join()
    # every call either completed on the live context or saw the closed (NULL) context
    assert set(results) <= {True, "closed"}
    assert len(results) == 50
