# SPDX-License-Identifier: MIT
"""prepare -> inspect -> stop -> delete through Context.supervise, checked against the files."""
import pathlib

import hvsup
from conftest import full_request, read_json, state_request


def test_full_lifecycle_in_a_state_dir(lib, state_dir):
    with hvsup.Context() as ctx:
        prepared = ctx.supervise(full_request("prepare", state_dir, memoryMiB=768, serialInput=True))
        assert prepared["ok"] is True
        assert prepared["backend"] == "windows-hyperv"
        assert prepared["event"]["state"] == "prepared"
        assert prepared["event"]["identity"]["requestID"] == "req-prepare"
        runtime_dir = pathlib.Path(state_dir) / "agent-1"
        runtime = read_json(runtime_dir / "runtime.json")
        assert runtime["config"]["memoryMiB"] == 768
        assert runtime["event"]["state"] == "prepared"
        assert (runtime_dir / "serial.in").exists()

        inspected = ctx.supervise(state_request("inspect", state_dir))
        assert inspected["ok"] is True
        assert inspected["event"]["state"] == "prepared"
        assert set(inspected["readiness"]) == {"guestReady", "shellReady", "resultReady", "mediationReady"}
        assert inspected["readiness"]["resultReady"] == {"ready": False}

        stopped = ctx.supervise(state_request("stop", state_dir))
        assert stopped["ok"] is True
        assert stopped["event"]["state"] == "stopped"
        assert read_json(runtime_dir / "event.json")["state"] == "stopped"
        history = read_json(runtime_dir / "events.json")
        assert [e["state"] for e in history] == ["prepared", "stopped"]

        deleted = ctx.supervise(state_request("delete", state_dir))
        assert deleted["ok"] is True
        assert deleted["event"]["state"] == "stopped"
        assert not runtime_dir.exists()

        missing = ctx.supervise(state_request("inspect", state_dir))
        assert missing == {"ok": False, "backend": "windows-hyperv", "error": "workspace agent-1 not found"}


def test_context_state_dir_stands_in_for_config_state_dir(lib, state_dir):
    with hvsup.Context(state_dir=state_dir) as ctx:
        request = full_request("prepare", state_dir)
        del request["config"]["stateDir"]
        assert ctx.supervise(request)["ok"] is True
        assert (pathlib.Path(state_dir) / "agent-1" / "runtime.json").exists()
        inspect = {"command": "inspect", "identity": request["identity"]}
        assert ctx.supervise(inspect)["event"]["state"] == "prepared"


def test_inspect_reads_a_result_file(lib, state_dir):
    with hvsup.Context() as ctx:
        ctx.supervise(full_request("prepare", state_dir))
        result_path = pathlib.Path(state_dir) / "agent-1" / "result.json"
        result_path.write_text('{"exit_code": 3, "stdout": "out\\n", "started_at": "2026-01-01T00:00:00Z",'
                               ' "exited_at": "2026-01-01T00:00:05Z"}')
        inspected = ctx.supervise(state_request("inspect", state_dir))
        assert inspected["result"]["exitCode"] == 3
        assert inspected["result"]["stdout"] == "out\n"
        assert inspected["result"]["resultPath"] == str(result_path)
        assert inspected["readiness"]["resultReady"]["ready"] is True


def test_start_fails_closed_without_hcs(lib, state_dir):
    with hvsup.Context() as ctx:
        response = ctx.supervise(full_request("start", state_dir))
        assert response["ok"] is False
        assert response["error"] == "windows-hyperv supervisor is only supported on windows"
        assert not (pathlib.Path(state_dir) / "agent-1").exists()


def test_supervise_json_round_trips_text(lib, state_dir):
    with hvsup.Context() as ctx:
        text = ctx.supervise_json('{"command": "host"}')
        assert text.startswith('{\n  "ok": false,') and text.endswith("}\n")
