# SPDX-License-Identifier: MIT
"""Boot selection and doctor's provider report on the simulated Hyper-V host: a host whose
highest HCS schema predates LinuxKernelDirect (2.2) boots UEFI/VmbFs unless the caller chose a
boot; doctor names the boot and which API exports the provider has."""
import json
import subprocess

import pytest

from conftest import BUILD, tool
from test_lifecycle_sim import hcnsim, rt1  # noqa: F401  (rt1: the one-API simulated-host fixture)

SERVER_2019_SCHEMAS = [{"Major": 2, "Minor": 0}, {"Major": 2, "Minor": 1}]


def chipset(rt, name="agent-1"):
    return rt.host.records()[name]["Document"]["VirtualMachine"]["Chipset"]


def doctor(rt, *extra, api="computecore"):
    argv = [str(tool("hvsup-cli")), "--hcs-library", str(rt.host.library(api)),
            "--hcn-library", str(hcnsim.provider_path(BUILD)), *extra, "doctor", "--json",
            "--kernel", str(rt.kernel), "--guest-init", str(rt.kernel)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=rt.host.env())
    return {c["name"]: c for c in json.loads(proc.stdout)["checks"]}


def test_a_current_host_boots_kernel_direct(rt1):
    r = rt1.cli(rt1.request("start"))
    assert r["ok"] is True, r
    assert "LinuxKernelDirect" in chipset(rt1) and "Uefi" not in chipset(rt1)
    assert rt1.cli(rt1.request("delete"))["ok"] is True


def test_a_host_without_schema_2_2_boots_uefi_vmbfs(rt1):
    rt1.host.script({"schemaVersions": SERVER_2019_SCHEMAS})
    r = rt1.cli(rt1.request("start"))
    assert r["ok"] is True, r
    boot = chipset(rt1)["Uefi"]["BootThis"]
    assert "LinuxKernelDirect" not in chipset(rt1)
    assert boot["DeviceType"] == "VmbFs" and boot["DevicePath"].endswith("Image")
    assert boot["OptionalData"].startswith("root=/dev/sda rw")
    assert rt1.host.records()["agent-1"]["Document"]["SchemaVersion"] == {"Major": 2, "Minor": 1}
    assert rt1.cli(rt1.request("delete"))["ok"] is True


def test_an_explicit_boot_mode_overrides_the_probe(rt1):
    r = rt1.cli(rt1.request("start"), "--boot-mode", "uefi-vmbfs")
    assert r["ok"] is True, r
    assert "Uefi" in chipset(rt1) and "LinuxKernelDirect" not in chipset(rt1)
    # A 2.5 host knows ApplySecureBootTemplate (2.3); the VmbFs folder was granted, or start fails.
    assert chipset(rt1)["Uefi"]["ApplySecureBootTemplate"] == "Skip"
    assert rt1.cli(rt1.request("delete"))["ok"] is True


def test_kernel_direct_forced_on_a_2_1_host_fails_closed_naming_the_field(rt1):
    # Server 2019 has no LinuxKernelDirect (schema 2.2): the document would be refused as
    # unknown JSON, so it is never sent.
    rt1.host.script({"schemaVersions": SERVER_2019_SCHEMAS})
    r = rt1.cli(rt1.request("start"), "--boot-mode", "kernel-direct")
    assert r["ok"] is False
    cause = "the host's HCS schema 2.1 does not know VirtualMachine.Chipset.LinuxKernelDirect (new in 2.2)"
    assert r["error"] == cause  # the bare cause; the step that failed is in the event's detail
    assert r["event"]["detail"] == "create failed: " + cause
    assert rt1.host.records() == {}
    assert rt1.cli(rt1.request("delete"))["ok"] is True


def test_a_2_1_host_gets_no_schema_2_3_fields(rt1):
    rt1.host.script({"schemaVersions": SERVER_2019_SCHEMAS})
    r = rt1.cli(rt1.request("start"))
    assert r["ok"] is True, r
    assert "ApplySecureBootTemplate" not in chipset(rt1)["Uefi"]
    assert rt1.cli(rt1.request("delete"))["ok"] is True


def test_an_unknown_boot_mode_is_a_usage_error(rt1):
    argv = [str(tool("hvsup-cli")), "--hcs-library", str(rt1.host.library()), "--boot-mode", "bios",
            "--request-json", json.dumps(rt1.request("start"))]
    calls_before = rt1.host.calls()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=rt1.host.env())
    assert proc.returncode == 2 and proc.stdout == ""
    assert "--boot-mode takes auto, kernel-direct or uefi-vmbfs, not 'bios'" in proc.stderr
    assert rt1.host.calls() == calls_before  # refused before the provider was even loaded
    assert rt1.host.records() == {} and not (rt1.state / "agent-1").exists()


def test_doctor_reports_the_boot_the_host_gets(rt1):
    assert doctor(rt1)["boot"]["detail"] == "kernel-direct boot: the host supports HCS schema 2.5"
    rt1.host.script({"schemaVersions": SERVER_2019_SCHEMAS})
    check = doctor(rt1)["boot"]
    assert check["detail"] == "UEFI/VmbFs boot: the host's highest HCS schema is 2.1, LinuxKernelDirect needs 2.2"
    assert doctor(rt1, "--boot-mode", "kernel-direct")["boot"]["detail"] == "kernel-direct boot: chosen by the caller"


@pytest.mark.parametrize("api,v2,v1", [("computecore", "computecore (v2) API complete", "vmcompute (v1) API lacks"),
                                       ("vmcompute", "computecore (v2) API lacks", "vmcompute (v1) API complete")])
def test_doctor_reports_the_provider_exports(rt1, api, v2, v1):
    check = doctor(rt1, api=api)["hcs exports"]
    assert check["ok"] is True and check["detail"].startswith(str(rt1.host.library(api)) + ": ")
    assert v2 in check["detail"] and v1 in check["detail"]
