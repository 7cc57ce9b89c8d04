# SPDX-License-Identifier: MIT
"""hvsup.hcs over hvsup/hcs.h against the simulator."""
import pytest

import hvsup
from hvsup import hcs
from simhelpers import sim, sim_library  # noqa: F401 - fixture


def test_without_a_provider_hcs_fails_closed(lib):
    with pytest.raises(hvsup.UnsupportedError) as caught:
        hcs.Hcs()
    assert caught.value.message == "windows-hyperv supervisor is only supported on windows"


@pytest.mark.parametrize("api", ["computecore", "vmcompute"])
def test_open_reports_the_api(lib, sim, api):
    with hcs.Hcs(sim_library(api)) as h:
        assert h.dll == f"{api}.dll"
        h.probe_access()
        major, minor = h.schema_version()
        assert major >= 2


def test_document_build_is_pure_and_validates(lib, sim):
    document = hcs.build_document(sim.request("run"))
    assert document["Owner"] == "microagent"
    assert document["VirtualMachine"]["Devices"]["Scsi"]["0"]["Attachments"]["0"]["Path"] == str(sim.rootfs)
    bad = sim.request("run")
    bad["config"]["kernelPath"] = ""
    with pytest.raises(hvsup.InvalidArgumentError, match="config.kernelPath is required"):
        hcs.build_document(bad)


def test_system_lifecycle(lib, sim):
    with hcs.Hcs(sim_library()) as h:
        document = hcs.build_document(sim.request("run", runtime="vm-1"))
        with h.create_system("vm-1", document) as system:
            properties = system.properties()
            assert properties["Id"] == "vm-1"
            h.grant_vm_access(properties["RuntimeId"], sim.rootfs)
            h.grant_vm_access(properties["RuntimeId"], sim.kernel)  # the VM worker reads it too
            system.start()
            assert system.properties()["State"] == "Running"
            with pytest.raises(hvsup.ConflictError):
                h.create_system("vm-1", document)
        assert sim.systems() == ["vm-1"]  # closing the handle keeps the system
        with h.open_system("vm-1") as again:
            again.terminate()
            assert again.wait(10000)["ExitType"] == "ForcedExit"
        with pytest.raises(hvsup.NotFoundError) as caught:
            h.open_system("vm-1")
        e = caught.value
        assert e.operation == "open" and e.hresult & 0xFFFFFFFF in (0x8037010E, 0xC037010E)
        assert e.message.startswith("windows-hyperv HCS open: ")


def test_closed_objects_are_invalid_arguments(lib, sim):
    h = hcs.Hcs(sim_library())
    h.close()
    h.close()
    with pytest.raises(hvsup.InvalidArgumentError):
        h.open_system("vm-1")
