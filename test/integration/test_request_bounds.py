# SPDX-License-Identifier: MIT
"""What a request may cost and how its values are bounded, through hvsup-cli: the peak memory of
a 16 MiB request, the processor clamp to the host, option values refused as usage errors, and
doctor's Hyper-V socket fields."""
import json
import os
import subprocess

import pytest

from conftest import BUILD, tool
from test_lifecycle_sim import hcnsim, rt1  # noqa: F401  (rt1: the one-API simulated-host fixture)

# Under ASan (scripts/test.d/sanitizers.sh) shadow memory and the quarantine inflate the resident
# set: the errors are still checked there, the peaks only in the product build.
SANITIZED = os.environ.get("HVSUP_SANITIZED") == "1"

MAX_REQUEST = 16 << 20


def peak_kib(argv, env=None):
    """(exit status, stdout, the tool's peak resident set in KiB) under GNU time (see
    test_image_memory.py for why not wait4 from pytest)."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *[str(a) for a in argv]], capture_output=True, text=True,
                          timeout=300, env=env)
    return proc.returncode, proc.stdout, int(proc.stderr.strip().splitlines()[-1])


def padded_request(tmp_path, filler):
    """A request file just under the 16 MiB cap whose bulk is `filler(n)` for an unknown key."""
    head = '{"command":"run","x":'
    body = filler(MAX_REQUEST - len(head) - 1)
    path = tmp_path / "request.json"
    path.write_text(head + body + "}")
    assert path.stat().st_size <= MAX_REQUEST
    return path


def zeros(n):
    count = (n - 2) // 2
    return "[" + ",".join(["0"] * count) + "]"


def test_a_16_mib_request_of_tiny_values_is_refused_without_building_them(tmp_path):
    # 8 million values used to be parsed into a ~400 MiB tree before anything looked at them.
    path = padded_request(tmp_path, zeros)
    status, out, peak = peak_kib([tool("hvsup-cli"), "--request", path])
    assert status == 1
    assert json.loads(out)["error"].startswith("decode request: more than 100000 JSON values at byte ")
    if not SANITIZED:
        assert peak < 64 * 1024, f"hvsup-cli peaked at {peak} KiB on a 16 MiB request"


def test_a_16_mib_request_of_deep_unknown_values_costs_little(tmp_path):
    # Unknown keys are ignored (as in Go), but their values are still counted.
    path = padded_request(tmp_path, lambda n: "[" + ",".join(['{"a":[{"b":1}]}'] * ((n - 2) // 16)) + "]")
    status, out, peak = peak_kib([tool("hvsup-cli"), "--request", path])
    assert status == 1 and "more than 100000 JSON values" in json.loads(out)["error"]
    if not SANITIZED:
        assert peak < 64 * 1024, f"hvsup-cli peaked at {peak} KiB"


def test_a_16_mib_string_value_is_bounded_by_its_size(tmp_path):
    # One huge string: the cost is a few copies of the text, not a multiple of the values.
    path = padded_request(tmp_path, lambda n: '"' + "a" * (n - 2) + '"')
    status, out, peak = peak_kib([tool("hvsup-cli"), "--request", path])
    assert status == 1 and json.loads(out)["error"] == "identity is required"
    if not SANITIZED:
        assert peak < 96 * 1024, f"hvsup-cli peaked at {peak} KiB"


def test_cpu_count_is_clamped_to_the_host_logical_processors(rt1):
    # As hcsshim does: HCS refuses more virtual processors than the host has, so the request's
    # count is lowered to the host's (the simulated host reports 2 here).
    rt1.host.script({"hostProcessors": 2})
    r = rt1.cli(rt1.request("start", cpuCount=8))
    assert r["ok"] is True, r
    topology = rt1.host.records()["agent-1"]["Document"]["VirtualMachine"]["ComputeTopology"]
    assert topology["Processor"]["Count"] == 2
    assert rt1.cli(rt1.request("delete"))["ok"] is True


def test_cpu_count_within_the_host_is_kept(rt1):
    rt1.host.script({"hostProcessors": 4})
    assert rt1.cli(rt1.request("start", cpuCount=3))["ok"] is True
    assert rt1.host.records()["agent-1"]["Document"]["VirtualMachine"]["ComputeTopology"]["Processor"]["Count"] == 3
    assert rt1.cli(rt1.request("delete"))["ok"] is True


@pytest.mark.parametrize("key,value,message", [
    ("cpuCount", 2**32 + 2, "config.cpuCount must be at most 2048"),
    ("memoryMiB", 2**63 - 1, "config.memoryMiB must be at most 251658240"),
    ("timeoutSeconds", 10**10, "config.timeoutSeconds must be at most 31536000"),
])
def test_values_that_would_wrap_are_refused_before_anything_is_created(rt1, key, value, message):
    r = rt1.cli(rt1.request("run", **{key: value}))
    assert r["ok"] is False and r["error"] == message
    assert rt1.host.calls("HcsCreateComputeSystem") == []
    assert not (rt1.state / "agent-1").exists()


@pytest.mark.parametrize("argv,message", [
    (["--hcs-api", "vmcompute2"], "--hcs-api takes computecore or vmcompute, not 'vmcompute2'"),
    (["--boot-mode", "BIOS"], "--boot-mode takes auto, kernel-direct or uefi-vmbfs, not 'BIOS'"),
    (["--boot-mode", "bios", "plan"], "--boot-mode takes auto, kernel-direct or uefi-vmbfs, not 'bios'"),
    (["--boot-mode", "bios", "doctor"], "--boot-mode takes auto, kernel-direct or uefi-vmbfs, not 'bios'"),
    (["--stop-grace-ms", "0"], "--stop-grace-ms takes 1..3600000"),
])
def test_a_bad_option_value_is_a_usage_error_before_any_work(tmp_path, argv, message):
    proc = subprocess.run([str(tool("hvsup-cli")), *argv], input='{"command":"host"}', capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert message in proc.stderr


def doctor_report(rt, env):
    argv = [str(tool("hvsup-cli")), "--hcs-library", str(rt.host.library()), "--hcn-library",
            str(hcnsim.provider_path(BUILD)), "doctor", "--json", "--kernel", str(rt.dir / "no-kernel"),
            "--guest-init", str(rt.dir / "no-init")]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    return json.loads(proc.stdout)


def test_doctor_reports_hyperv_sockets_and_the_console_as_the_reference(rt1):
    report = doctor_report(rt1, rt1.host.env())
    host = report["host"]
    assert host["vsockAvailable"] is True and host["consoleAvailable"] is True and host["consoleMode"] == "hvsock"
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["hvsock"]["ok"] is True
    # Issues in the reference order: kernel, then guest init (HCS access and HCN pass here).
    assert report["error"].startswith("windows-hyperv kernel is unavailable: ")
    assert report["error"].index("windows-hyperv kernel") < report["error"].index("microagent guest init not found")


def test_doctor_without_hyperv_sockets_says_so_last(rt1):
    env = {k: v for k, v in rt1.host.env().items() if k != "HVSUP_HVSOCK_EMULATION_DIR"}
    report = doctor_report(rt1, env)
    host = report["host"]
    assert host.get("vsockAvailable", False) is False and host["consoleAvailable"] is False
    assert host["consoleMode"] == "unavailable"
    assert report["error"].endswith("Hyper-V sockets are not available on this host (set HVSUP_HVSOCK_EMULATION_DIR "
                                    "to use the loopback emulation)")
    assert [c["name"] for c in report["checks"]][-1] == "hvsock"
