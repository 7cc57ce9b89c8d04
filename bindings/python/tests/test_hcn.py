# SPDX-License-Identifier: MIT
"""hvsup.hcn (include/hvsup/hcn.h) against the HCN simulator: the NAT network, lookups,
endpoints, error mapping (missing objects, injected HCN faults) and no leaked endpoints."""
import uuid

import pytest

import hvsup
from hvsup import hcn
from simhelpers import hcn_library, hcnsim, sim  # noqa: F401 - fixture

HCN_E_ENDPOINT_ALREADY_EXISTS = 0x803B002F
E_ACCESSDENIED = 0x80070005


@pytest.fixture
def net(lib, sim):
    with hcn.Hcn(hcn_library()) as h:
        yield h
    assert hcnsim().list_endpoints(sim.sim_dir) == [], "a test leaked an endpoint"


def test_without_a_provider_hcn_is_unsupported(lib):
    with pytest.raises(hvsup.UnsupportedError) as e:
        hcn.Hcn()
    assert e.value.message == "load HCN API: HCN networking is only available on windows"


def test_a_provider_that_is_not_there_is_unsupported(lib, tmp_path):
    with pytest.raises(hvsup.UnsupportedError) as e:
        hcn.Hcn(tmp_path / "missing.so")
    assert e.value.message.startswith("load HCN API: ")


def test_probe_and_an_injected_probe_failure(net, sim):
    net.probe()
    hcnsim().inject_fault(sim.sim_dir, "HcnEnumerateNetworks", E_ACCESSDENIED, message="access denied")
    with pytest.raises(hvsup.HvsupError) as e:
        net.probe()
    assert e.value.code is hvsup.Status.HOST
    assert e.value.hresult & 0xFFFFFFFF == E_ACCESSDENIED
    assert e.value.message.startswith("probe HCN/HNS access: ")
    net.probe()  # the fault was for one call


def test_nat_network_is_created_once(net, sim):
    first = net.ensure_nat_network()
    assert first["Name"] == "microagent-nat" and first["Type"] == "NAT"
    assert first["Ipams"][0]["Subnets"][0]["IpAddressPrefix"] == "192.168.127.0/24"
    assert net.ensure_nat_network()["ID"] == first["ID"]
    assert net.find_network("microagent-nat")["ID"] == first["ID"]
    assert hcnsim().calls(sim.sim_dir).count("HcnCreateNetwork") == 1


def test_find_network_by_name_and_a_missing_one(net, sim):
    net_id = hcnsim().seed_network(sim.sim_dir, "External", "Transparent")
    assert net.find_network("External")["ID"] == net_id
    with pytest.raises(hvsup.NotFoundError) as e:
        net.find_network("Nope")
    assert e.value.code is hvsup.Status.NOT_FOUND
    assert e.value.message == 'HNS network "Nope" not found'


def test_no_free_subnet_is_a_conflict(net, sim):
    for name, prefix, gateway in [("a", "192.168.0.0/16", "192.168.0.1"), ("b", "10.0.0.0/8", "10.0.0.1"),
                                  ("c", "172.16.0.0/12", "172.16.0.1")]:
        hcnsim().seed_network(sim.sim_dir, name, "Private", prefix, gateway)
    with pytest.raises(hvsup.ConflictError) as e:
        net.ensure_nat_network()
    assert e.value.message.startswith("no free /24 for the managed NAT network; existing HNS subnets: ")


def test_endpoint_lifecycle_is_visible_in_the_simulator(net, sim):
    nat = net.ensure_nat_network()
    ep = net.create_endpoint(nat["ID"], "microagent-agent-1")
    assert ep["HostComputeNetwork"] == nat["ID"]
    assert ep["IpConfigurations"][0] == {"IpAddress": "192.168.127.2", "PrefixLength": 24}
    assert hcnsim().endpoint_ids(sim.sim_dir) == [ep["ID"]]
    assert net.endpoint_properties(ep["ID"])["MacAddress"] == ep["MacAddress"]

    # a second endpoint gets the next address; a stale one with the same name is replaced
    other = net.create_endpoint(nat["ID"], "microagent-agent-2")
    assert other["IpConfigurations"][0]["IpAddress"] == "192.168.127.3"
    again = net.create_endpoint(nat["ID"], "microagent-agent-1", replace_stale=True)
    assert hcnsim().endpoint_ids(sim.sim_dir) == sorted([again["ID"], other["ID"]])

    for endpoint in (again, other):
        net.delete_endpoint(endpoint["ID"])
    assert hcnsim().list_endpoints(sim.sim_dir) == []
    net.delete_endpoint(again["ID"])  # already gone: success
    net.delete_endpoint("")           # nothing to do
    with pytest.raises(hvsup.NotFoundError):
        net.endpoint_properties(again["ID"])
    with pytest.raises(hvsup.InvalidArgumentError):
        net.endpoint_properties("not-a-guid")


def test_an_injected_create_failure_maps_to_host_error_and_leaves_nothing(net, sim):
    nat = net.ensure_nat_network()
    hcnsim().inject_fault(sim.sim_dir, "HcnCreateEndpoint", HCN_E_ENDPOINT_ALREADY_EXISTS, message="boom")
    with pytest.raises(hvsup.HvsupError) as e:
        net.create_endpoint(nat["ID"], "microagent-agent-1")
    assert e.value.code in (hvsup.Status.HOST, hvsup.Status.CONFLICT)
    assert e.value.hresult & 0xFFFFFFFF == HCN_E_ENDPOINT_ALREADY_EXISTS
    assert e.value.message.startswith('create HNS endpoint "microagent-agent-1": ')
    assert hcnsim().list_endpoints(sim.sim_dir) == []


def test_an_endpoint_on_a_missing_network_fails_and_leaves_nothing(net, sim):
    with pytest.raises(hvsup.HvsupError) as e:
        net.create_endpoint(str(uuid.uuid4()), "microagent-agent-1")
    assert e.value.code in (hvsup.Status.NOT_FOUND, hvsup.Status.HOST)
    assert e.value.message.startswith('create HNS endpoint "microagent-agent-1": ')
    assert hcnsim().list_endpoints(sim.sim_dir) == []


def test_a_closed_handle_is_an_invalid_argument(lib, sim):
    h = hcn.Hcn(hcn_library())
    h.close()
    h.close()
    with pytest.raises(hvsup.InvalidArgumentError):
        h.probe()
    with pytest.raises(hvsup.InvalidArgumentError):
        h.ensure_nat_network()
