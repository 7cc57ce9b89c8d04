# SPDX-License-Identifier: MIT
"""hvsup-cli driven as users drive it: requests in, golden responses out (timestamps normalised)."""
import json
import os
import pathlib
import re
import subprocess

import pytest

from conftest import ROOT, tool

GOLDEN = ROOT / "test" / "fixtures" / "golden"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def identity(request_id="req-1", runtime_id="agent-1"):
    return {"requestID": request_id, "runtimeID": runtime_id, "role": "workload", "backend": "windows-hyperv"}


def full_request(command, state_dir, **config):
    cfg = {"kernelPath": "/kernels/Image", "rootfsPath": "/workspaces/agent-1/rootfs.vhd", "stateDir": str(state_dir)}
    cfg.update(config)
    return {"command": command, "identity": identity(f"req-{command}"), "config": cfg}


def state_request(command, state_dir, runtime_id="agent-1"):
    return {"command": command, "identity": identity(f"req-{command}", runtime_id), "config": {"stateDir": str(state_dir)}}


def normalise(text, state_dir):
    return TIME.sub("<TIME>", text).replace(str(state_dir), "<STATE>")


def check_golden(name, text, state_dir):
    path = GOLDEN / f"{name}.json"
    got = normalise(text, state_dir)
    if os.environ.get("HVSUP_UPDATE_GOLDEN"):
        path.write_text(got)
    assert got == path.read_text(), f"{name}: response differs from {path}"


def run_cli(*args, stdin=None):
    return subprocess.run([str(tool("hvsup-cli")), *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_unknown_command_exits_non_zero_with_reference_error():
    proc = run_cli("--request-json", '{"command":"bogus"}')
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {"ok": False, "backend": "windows-hyperv", "error": 'unknown command "bogus"'}
    assert 'unknown command "bogus"' in proc.stderr
    assert proc.stdout.endswith("}\n") and proc.stdout.startswith('{\n  "ok": false,\n')


def test_empty_stdin_is_an_error():
    proc = run_cli(stdin="  \n")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"] == "request JSON is required on stdin or with --request"


def test_malformed_request_is_a_structured_error():
    proc = run_cli(stdin='{"command": "prepare", ')
    assert proc.returncode == 1
    response = json.loads(proc.stdout)
    assert response["ok"] is False and response["error"].startswith("decode request: ")


def test_request_sources_stdin_file_and_inline_agree(tmp_path, state_dir):
    request = json.dumps(state_request("inspect", state_dir))
    path = tmp_path / "req.json"
    path.write_text(request)
    outputs = {run_cli(stdin=request).stdout, run_cli("--request", str(path)).stdout, run_cli("--request-json", request).stdout}
    assert outputs == {json.dumps({"ok": False, "backend": "windows-hyperv", "error": "workspace agent-1 not found"}, indent=2) + "\n"}


def test_missing_request_file_and_oversized_request(tmp_path):
    proc = run_cli("--request", str(tmp_path / "absent.json"))
    assert proc.returncode == 1
    assert "read request" in json.loads(proc.stdout)["error"]
    big = tmp_path / "big.json"
    big.write_text('{"command":"host","pad":"' + "x" * (17 << 20) + '"}')
    proc = run_cli("--request", str(big))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"].endswith("exceeds 16777216 bytes")


@pytest.mark.parametrize("args", [["--request"], ["--frobnicate"], ["launch"], ["--request", "a", "--request-json", "{}"], ["host", "--request-json", "{}"]])
def test_usage_errors_exit_2(args):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Try 'hvsup-cli --help'" in proc.stderr


def test_help_and_version():
    proc = run_cli("--help")
    assert proc.returncode == 0 and "Usage: hvsup-cli" in proc.stdout and "--request-json" in proc.stdout
    proc = run_cli("--version")
    assert proc.returncode == 0 and re.match(r"hvsup-cli \d+\.\d+\.\d+ \(ABI 1\)", proc.stdout)


def test_host_and_check_fail_closed_without_hcs(state_dir):
    proc = run_cli("host")
    assert proc.returncode == 1
    check_golden("host-without-hcs", proc.stdout, state_dir)
    proc = run_cli("--request-json", json.dumps(full_request("check", state_dir)))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"] == "windows-hyperv supervisor is only supported on windows"
    assert list(state_dir.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "start"])
def test_run_and_start_fail_closed_without_hcs_and_write_nothing(state_dir, command):
    proc = run_cli("--request-json", json.dumps(full_request(command, state_dir)))
    assert proc.returncode == 1
    response = json.loads(proc.stdout)
    assert response == {"ok": False, "backend": "windows-hyperv", "error": "windows-hyperv supervisor is only supported on windows"}
    assert list(state_dir.iterdir()) == []


def test_console_fails_closed(state_dir):
    proc = run_cli("--request-json", json.dumps(full_request("console", state_dir)))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"] == 'windows-hyperv supervisor command "console" is experimental and not implemented yet'


def test_prepare_inspect_quarantine_stop_delete_lifecycle(state_dir):
    runtime = state_dir / "agent-1"
    proc = run_cli("--request-json", json.dumps(full_request("prepare", state_dir, serialInput=True, memoryMiB=768,
                                                              network={"mode": "nat", "portForwards": [{"hostPort": 18080, "guestPort": 8080}]})))
    assert proc.returncode == 0, proc.stderr
    check_golden("prepare", proc.stdout, state_dir)
    assert sorted(p.name for p in runtime.iterdir()) == ["command.holder", "command.lock", "event.json", "events.json", "events.json.lock", "runtime.json", "serial.in", "serial.log"]
    assert oct(runtime.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in runtime.iterdir())
    check_golden("prepare-runtime-state", (runtime / "runtime.json").read_text(), state_dir)

    proc = run_cli("--request-json", json.dumps(state_request("inspect", state_dir)))
    assert proc.returncode == 0
    check_golden("inspect-prepared", proc.stdout, state_dir)

    (runtime / "result.json").write_text('{"started_at":"2026-05-02T00:00:03.1Z","exited_at":"2026-05-02T00:00:07.2Z","exit_code":0,"stdout":"ok\\n"}\n')
    proc = run_cli("--request-json", json.dumps(state_request("inspect", state_dir)))
    check_golden("inspect-with-result", proc.stdout, state_dir)

    for command, state in [("quarantine", "quarantined"), ("stop", "stopped")]:
        proc = run_cli("--request-json", json.dumps(state_request(command, state_dir)))
        assert proc.returncode == 0, proc.stdout
        assert json.loads(proc.stdout)["event"]["state"] == state

    events = json.loads((runtime / "events.json").read_text())
    assert [e["state"] for e in events] == ["prepared", "quarantined", "stopped"]
    assert [e["identity"]["requestID"] for e in events] == ["req-prepare", "req-quarantine", "req-stop"]

    proc = run_cli("--request-json", json.dumps(state_request("delete", state_dir)))
    assert proc.returncode == 0
    check_golden("delete", proc.stdout, state_dir)
    assert not runtime.exists()
    proc = run_cli("--request-json", json.dumps(state_request("inspect", state_dir)))
    assert proc.returncode == 1 and json.loads(proc.stdout)["error"] == "workspace agent-1 not found"


def test_state_dir_option_stands_in_for_config(state_dir):
    proc = run_cli("--state-dir", str(state_dir), "--request-json", json.dumps({"command": "inspect", "identity": identity()}))
    assert json.loads(proc.stdout)["error"] == "workspace agent-1 not found"


def test_option_values_may_follow_an_equals_sign(state_dir):
    request = json.dumps({"command": "inspect", "identity": identity()})
    spaced = run_cli("--state-dir", str(state_dir), "--request-json", request)
    joined = run_cli(f"--state-dir={state_dir}", f"--request-json={request}")
    assert joined.returncode == spaced.returncode == 1, joined.stderr
    assert json.loads(joined.stdout)["error"] == "workspace agent-1 not found"
    assert joined.stdout == spaced.stdout
    # Only at the first '=': the rest belongs to the value.
    proc = run_cli("--stop-grace-ms=5=0", "host")
    assert proc.returncode == 2 and "--stop-grace-ms takes 1..3600000" in proc.stderr
    # A flag takes no value: --json=1 stays one unknown option.
    proc = run_cli("--json=1", "host")
    assert proc.returncode == 2 and "unknown option --json=1" in proc.stderr


def test_traversal_in_runtime_id_creates_nothing(state_dir):
    for bad in ["..", "../outside", "a/b", "a\\b"]:
        request = full_request("prepare", state_dir)
        request["identity"]["runtimeID"] = bad
        proc = run_cli("--request-json", json.dumps(request))
        assert proc.returncode == 1
        assert json.loads(proc.stdout)["error"] == f"identity.runtimeID must be a safe basename: {bad}"
    assert list(state_dir.iterdir()) == []
    assert not (state_dir.parent / "outside").exists()


def test_malformed_events_json_is_reported_and_left_untouched(state_dir):
    run_cli("--request-json", json.dumps(full_request("prepare", state_dir)))
    events = state_dir / "agent-1" / "events.json"
    events.write_text("{garbage\n")
    proc = run_cli("--request-json", json.dumps(state_request("stop", state_dir)))
    assert proc.returncode == 1
    assert "is malformed" in json.loads(proc.stdout)["error"]
    assert events.read_text() == "{garbage\n"
    assert json.loads((state_dir / "agent-1" / "runtime.json").read_text())["event"]["state"] == "prepared"


def test_legacy_json_lines_history_is_migrated(state_dir):
    run_cli("--request-json", json.dumps(full_request("prepare", state_dir)))
    events = state_dir / "agent-1" / "events.json"
    first = json.loads(events.read_text())[0]
    events.write_text(json.dumps(first, separators=(",", ":")) + "\n")
    proc = run_cli("--request-json", json.dumps(state_request("halt", state_dir)))
    assert proc.returncode == 0
    assert [e["state"] for e in json.loads(events.read_text())] == ["prepared", "halted"]


def test_doctor_text_and_json(tmp_path):
    kernel = tmp_path / "Image"
    kernel.write_bytes(b"kernel")
    proc = run_cli("doctor", "--kernel", str(kernel), "--guest-init", str(tmp_path / "missing-init"))
    assert proc.returncode == 1
    for label in ["Backend:", "Status:", "Host:", "Console:", "Networking:", "Kernel:"]:
        assert label in proc.stdout
    assert "present" in proc.stdout
    proc = run_cli("doctor", "--json", "--kernel", str(kernel), "--guest-init", str(tmp_path / "missing-init"))
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["ok"] is False
    assert report["kernel"]["status"] == "present"
    assert report["host"].get("guestInitAvailable", False) is False
    names = {c["name"]: c for c in report["checks"]}
    assert names["kernel"]["ok"] is True
    assert names["guest init"]["ok"] is False
    assert "microagent guest init not found at" in names["guest init"]["detail"]
    assert "Windows Host Compute Service is not available" in report["error"]


def test_plan_prints_the_document_and_touches_nothing(state_dir):
    request = full_request("run", state_dir, shellPort=41584, memoryMiB=767,
                           vsockListeners=[{"port": 1024, "target": str(state_dir / "agent-1" / "result.json")},
                                           {"port": 2048, "target": "127.0.0.1:9900"}],
                           network={"mode": "nat", "portForwards": [{"hostPort": 18080, "guestPort": 8080}]})
    proc = run_cli("plan", "--request-json", json.dumps(request))
    assert proc.returncode == 0, proc.stdout
    plan = json.loads(proc.stdout)
    vm = plan["document"]["VirtualMachine"]
    assert vm["ComputeTopology"]["Memory"]["SizeInMB"] == 768  # rounded up to 2 MiB
    assert vm["Chipset"]["LinuxKernelDirect"]["KernelCmdLine"] == plan["kernelCommandLine"]
    assert "microagent_shell_port=41584" in plan["kernelCommandLine"]
    assert plan["serialPipe"] == "\\\\.\\pipe\\microagent-agent-1-serial"
    assert vm["Devices"]["ComPorts"]["0"]["NamedPipe"] == plan["serialPipe"]
    assert vm["Devices"]["Scsi"]["0"]["Attachments"]["0"]["Path"] == "/workspaces/agent-1/rootfs.vhd"
    # HCN assigns the endpoint at start: a GUID-shaped placeholder (the nil GUID), said so, and no MAC yet.
    nil_guid = "00000000-0000-0000-0000-000000000000"
    assert vm["Devices"]["NetworkAdapters"] == {"0": {"EndpointId": nil_guid}}
    assert plan["network"] == {"mode": "nat", "endpointName": "microagent-agent-1", "endpointIdPlaceholder": nil_guid,
                               "note": plan["network"]["note"]}
    assert "placeholder" in plan["network"]["note"]
    assert plan["boot"]["mode"] == "kernel-direct"
    assert plan["kernelCommandLine"].endswith(" console=ttyS0,115200 panic=-1")
    kinds = [(l["kind"], l["serviceId"]) for l in plan["listeners"]]
    assert kinds == [("result", "00000400-facb-11e6-bd58-64006a7986d3"), ("vsock", "00000800-facb-11e6-bd58-64006a7986d3"),
                     ("published", "000046a0-facb-11e6-bd58-64006a7986d3")]
    assert list(state_dir.iterdir()) == []


def test_plan_honours_boot_mode(state_dir):
    request = full_request("run", state_dir)
    proc = run_cli("--boot-mode", "uefi-vmbfs", "plan", "--request-json", json.dumps(request))
    assert proc.returncode == 0, proc.stdout
    plan = json.loads(proc.stdout)
    chipset = plan["document"]["VirtualMachine"]["Chipset"]
    assert "LinuxKernelDirect" not in chipset
    boot = chipset["Uefi"]["BootThis"]
    assert boot["DeviceType"] == "VmbFs" and boot["OptionalData"] == plan["kernelCommandLine"]
    assert plan["boot"] == {"mode": "uefi-vmbfs", "reason": "uefi-vmbfs boot: chosen by the caller"}
    # UEFI reads the kernel through its folder: the folder is what gets VM access.
    assert plan["vmAccess"][0] == request["config"]["kernelPath"].rsplit("/", 1)[0]
    proc = run_cli("--boot-mode", "kernel-direct", "plan", "--request-json", json.dumps(request))
    assert "LinuxKernelDirect" in json.loads(proc.stdout)["document"]["VirtualMachine"]["Chipset"]
    proc = run_cli("--boot-mode", "bios", "plan", "--request-json", json.dumps(request))
    assert proc.returncode != 0


def test_plan_refuses_relative_paths_naming_the_field(state_dir):
    request = full_request("run", state_dir)
    request["config"]["kernelPath"] = "kernels/Image"
    proc = run_cli("plan", "--request-json", json.dumps(request))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"] == "config.kernelPath must be an absolute path"


def test_plan_rejects_invalid_requests_with_the_validation_message(state_dir):
    request = full_request("run", state_dir, vsockListeners=[{"port": 2048, "target": "/etc/shadow"}])
    proc = run_cli("plan", "--request-json", json.dumps(request))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"] == ("windows-hyperv vsock listener 2048 target must be host:port or the "
                                                "workspace result path")
    proc = run_cli("plan", "--request-json", json.dumps(state_request("inspect", state_dir)))
    assert proc.returncode == 1
    assert "plan needs a start or run request" in json.loads(proc.stdout)["error"]
