"""Boot selection and doctor's provider report on the simulated Hyper-V host: a host whose
highest HCS schema predates LinuxKernelDirect (2.2) boots UEFI/VmbFs unless the caller chose a
boot; doctor names the boot and which API exports the provider has."""
import json
import subprocess

import pytest

from conftest import BUILD, tool
from test_lifecycle_sim import Runtime, hcnsim

SERVER_2019_SCHEMAS = [{"Major": 2, "Minor": 0}, {"Major": 2, "Minor": 1}]


@pytest.fixture
def host(tmp_path):
    r = Runtime(tmp_path)
    yield r
    leaked = r.host.live_systems()
    r.host.kill_all()
    assert leaked == [], f"compute systems leaked: {leaked}"


def chipset(rt, name="agent-1"):
    return rt.host.records()[name]["Document"]["VirtualMachine"]["Chipset"]


def doctor(rt, *extra, api="computecore"):
    argv = [str(tool("hvsup-cli")), "--hcs-library", str(rt.host.library(api)),
            "--hcn-library", str(hcnsim.provider_path(BUILD)), *extra, "doctor", "--json",
            "--kernel", str(rt.kernel), "--guest-init", str(rt.kernel)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=rt.host.env())
    return {c["name"]: c for c in json.loads(proc.stdout)["checks"]}


def test_a_current_host_boots_kernel_direct(host):
    r = host.cli(host.request("start"))
    assert r["ok"] is True, r
    assert "LinuxKernelDirect" in chipset(host) and "Uefi" not in chipset(host)
    assert host.cli(host.request("delete"))["ok"] is True


def test_a_host_without_schema_2_2_boots_uefi_vmbfs(host):
    host.host.script({"schemaVersions": SERVER_2019_SCHEMAS})
    r = host.cli(host.request("start"))
    assert r["ok"] is True, r
    boot = chipset(host)["Uefi"]["BootThis"]
    assert "LinuxKernelDirect" not in chipset(host)
    assert boot["DeviceType"] == "VmbFs" and boot["DevicePath"].endswith("Image")
    assert boot["OptionalData"].startswith("root=/dev/sda rw")
    assert host.host.records()["agent-1"]["Document"]["SchemaVersion"] == {"Major": 2, "Minor": 1}
    assert host.cli(host.request("delete"))["ok"] is True


def test_an_explicit_boot_mode_overrides_the_probe(host):
    host.host.script({"schemaVersions": SERVER_2019_SCHEMAS})
    r = host.cli(host.request("start"), "--boot-mode", "kernel-direct")
    assert r["ok"] is True, r
    assert "LinuxKernelDirect" in chipset(host)
    assert host.cli(host.request("delete"))["ok"] is True


def test_an_unknown_boot_mode_fails_closed(host):
    argv = [str(tool("hvsup-cli")), "--hcs-library", str(host.host.library()), "--boot-mode", "bios",
            "--request-json", json.dumps(host.request("start"))]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=host.host.env())
    response = json.loads(proc.stdout)
    assert proc.returncode != 0 and response["ok"] is False
    assert 'unknown boot mode "bios": use auto, kernel-direct or uefi-vmbfs' in response["error"]
    assert host.host.records() == {} and not (host.state / "agent-1").exists()


def test_doctor_reports_the_boot_the_host_gets(host):
    assert doctor(host)["boot"]["detail"] == "kernel-direct boot: the host supports HCS schema 2.5"
    host.host.script({"schemaVersions": SERVER_2019_SCHEMAS})
    check = doctor(host)["boot"]
    assert check["detail"] == "UEFI/VmbFs boot: the host's highest HCS schema is 2.1, LinuxKernelDirect needs 2.2"
    assert doctor(host, "--boot-mode", "kernel-direct")["boot"]["detail"] == "kernel-direct boot: chosen by the caller"


@pytest.mark.parametrize("api,v2,v1", [("computecore", "computecore (v2) API complete", "vmcompute (v1) API lacks"),
                                       ("vmcompute", "computecore (v2) API lacks", "vmcompute (v1) API complete")])
def test_doctor_reports_the_provider_exports(host, api, v2, v1):
    check = doctor(host, api=api)["hcs exports"]
    assert check["ok"] is True and check["detail"].startswith(str(host.host.library(api)) + ": ")
    assert v2 in check["detail"] and v1 in check["detail"]
