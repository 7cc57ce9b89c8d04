# SPDX-License-Identifier: MIT
"""hvsup-cli.exe under Wine: fail-closed without HCS, and the state files of a lifecycle.

Wine has neither computecore.dll nor vmcompute.dll, so every command that needs the Host
Compute Service must answer with a structured ok:false response, before writing any state.
"""
import json

from conftest import request, run_windows, windows_program, winpath

NO_HCS = "Windows Host Compute Service is not available"


def assert_no_hcs_error(text):
    assert text.startswith(NO_HCS + ": computecore.dll: "), text
    assert "; vmcompute.dll: " in text, text
    assert "(Windows error 0)" not in text, text


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_version_runs_under_wine():
    proc = run_windows([windows_program("tools/hvsup-cli.exe"), "--version"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("hvsup-cli ")


def test_host_reports_hcs_missing(cli):
    proc, r = cli.run(None, "host")
    assert proc.returncode == 1
    assert r["ok"] is False
    assert r["backend"] == "windows-hyperv"
    assert r["host"]["frameworkAvailable"] is False
    assert_no_hcs_error(r["error"])
    assert NO_HCS in proc.stderr


def test_doctor_json_fails_closed_on_hcs_only(cli, tmp_path):
    kernel = tmp_path / "Image"
    kernel.write_bytes(b"kernel")
    init = tmp_path / "microagent-guestinit-amd64"
    init.write_bytes(b"init")
    proc, r = cli.run(None, "doctor", "--json", "--kernel", winpath(kernel), "--guest-init", winpath(init))
    assert proc.returncode == 1
    assert r["ok"] is False
    checks = {c["name"]: c for c in r["checks"]}
    assert checks["hcs"]["ok"] is False
    assert checks["hcs"]["detail"] == NO_HCS
    assert_no_hcs_error(checks["host probe"]["detail"])
    # The files given as Windows paths were found: only the host is missing.
    assert checks["kernel"]["ok"] is True, checks["kernel"]
    assert checks["guest init"]["ok"] is True, checks["guest init"]
    assert r["kernel"]["status"] == "present"
    assert r["error"].startswith(NO_HCS + ": computecore.dll: ")


def test_doctor_text_says_not_ready(cli):
    proc, _ = cli.run(None, "doctor", check_json=False)
    assert proc.returncode == 1
    assert "Status:     not ready" in proc.stdout
    assert "[FAIL] hcs: " + NO_HCS in proc.stdout


def test_check_fails_closed(cli, state_dir):
    proc, r = cli.run(request("check", state_dir))
    assert proc.returncode == 1
    assert r["ok"] is False
    assert_no_hcs_error(r["error"])


def test_run_and_start_fail_closed_before_writing_state(cli, state_dir):
    for command in ("run", "start"):
        proc, r = cli.run(request(command, state_dir, runtime_id=f"rt-{command}"))
        assert proc.returncode == 1, command
        assert r["ok"] is False
        assert_no_hcs_error(r["error"])
        assert not (state_dir / f"rt-{command}").exists(), f"{command} wrote state without HCS"


def test_prepare_inspect_delete_state_files(cli, state_dir):
    proc, r = cli.run(request("prepare", state_dir))
    assert proc.returncode == 0, proc.stderr
    assert r["ok"] is True
    assert r["event"]["state"] == "prepared"

    rt = state_dir / "rt-1"
    names = sorted(p.name for p in rt.iterdir())
    assert names == ["command.holder", "command.lock", "event.json", "events.json", "events.json.lock", "runtime.json", "serial.log"], names
    runtime = read_json(rt / "runtime.json")
    assert runtime["event"]["state"] == "prepared"
    assert runtime["config"]["stateDir"] == winpath(state_dir)
    assert runtime["serialLogPath"] == winpath(rt / "serial.log")
    assert read_json(rt / "event.json")["state"] == "prepared"
    assert [e["state"] for e in read_json(rt / "events.json")] == ["prepared"]

    proc, r = cli.run(request("inspect", state_dir))
    assert proc.returncode == 0, proc.stderr
    assert r["event"]["state"] == "prepared"
    assert r["event"]["identity"]["requestID"] == "req-prepare"

    proc, r = cli.run(request("delete", state_dir))
    assert proc.returncode == 0, proc.stderr
    assert r["event"]["state"] == "stopped"
    assert not rt.exists()

    proc, r = cli.run(request("inspect", state_dir))
    assert proc.returncode == 1
    assert r["error"] == "workspace rt-1 not found"


def test_controls_on_a_recorded_compute_system_fail_closed(cli, state_dir):
    proc, _ = cli.run(request("prepare", state_dir))
    assert proc.returncode == 0, proc.stderr
    rt = state_dir / "rt-1"
    runtime = read_json(rt / "runtime.json")
    runtime["computeSystemID"] = "rt-1"  # its own name: any other id is refused as foreign
    (rt / "runtime.json").write_text(json.dumps(runtime), encoding="utf-8")

    for command in ("stop", "kill", "delete"):
        proc, r = cli.run(request(command, state_dir))
        assert proc.returncode == 1, command
        assert r["ok"] is False
        assert r["event"]["state"] == "failed"
        assert r["error"].startswith(f"{NO_HCS}: computecore.dll: "), r["error"]
        assert r["event"]["detail"] == f"{command} failed: " + r["error"]
        recorded = read_json(rt / "runtime.json")
        assert recorded["event"]["state"] == "failed"
        # The compute system is still recorded: nothing that might be running is forgotten.
        assert recorded["computeSystemID"] == "rt-1"
    assert rt.is_dir(), "delete removed the state of a compute system it could not terminate"
    assert [e["state"] for e in read_json(rt / "events.json")] == ["prepared", "failed", "failed", "failed"]


def test_state_dir_with_non_ascii_name(cli, tmp_path):
    state = tmp_path / "\u00e9tat-\u65e5\u672c"
    proc, r = cli.run(request("prepare", winpath(state)))
    assert proc.returncode == 0, proc.stderr
    assert r["ok"] is True
    assert (state / "rt-1" / "runtime.json").is_file()
    assert read_json(state / "rt-1" / "runtime.json")["config"]["stateDir"] == winpath(state)
