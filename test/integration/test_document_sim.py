# SPDX-License-Identifier: MIT
"""What the compute-system document does on the simulated host beyond its shape: the NIC carries
the HCN endpoint's MAC, and a result run's guest that panics resets (panic=-1) and, with
StopOnReset, ends the run at once instead of hanging it until the timeout."""
import time

from test_lifecycle_sim import hcnsim, rt1  # noqa: F401  (rt1: the one-API simulated-host fixture)


def test_the_network_adapter_carries_the_endpoint_mac(rt1):
    r = rt1.cli(rt1.request("start", network={"mode": "nat"}))
    assert r["ok"] is True, r
    adapter = rt1.host.records()["agent-1"]["Document"]["VirtualMachine"]["Devices"]["NetworkAdapters"]["0"]
    [endpoint] = hcnsim.list_endpoints(rt1.host.sim_dir)
    assert adapter["EndpointId"] == rt1.runtime_json()["networkEndpointID"]
    assert adapter["MacAddress"] == endpoint["MacAddress"] and adapter["MacAddress"].startswith("00-15-5D-")
    assert rt1.cli(rt1.request("delete"))["ok"] is True


def test_a_panicking_guest_ends_a_result_run_instead_of_hanging_it(rt1):
    rt1.host.script({"guest": {"panicAfterMs": 100}})
    started = time.monotonic()
    r = rt1.cli(rt1.request("run", timeoutSeconds=30, vsockListeners=[{"port": 1024, "target": rt1.result_path()}]))
    elapsed = time.monotonic() - started
    assert r["ok"] is False
    assert r["error"] == "the compute system exited without delivering a result", r
    assert r["event"]["detail"] == "result listener failed: " + r["error"]
    assert elapsed < 15, elapsed  # not the 30 s timeout
    serial = (rt1.state / "agent-1" / "serial.log").read_text()
    assert "panic=-1" in serial and "Kernel panic" in serial
    assert rt1.host.live_systems() == []
    assert rt1.cli(rt1.request("delete"))["ok"] is True
