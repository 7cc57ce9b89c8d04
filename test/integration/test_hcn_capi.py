# SPDX-License-Identifier: MIT
"""hvsup_hcn_* (include/hvsup/hcn.h) through ctypes against the HCN simulator: state shared
across processes, concurrent callers, seeding, leaks visible to tests."""
import ctypes
import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import BUILD, ROOT

sys.path.insert(0, str(ROOT / "test" / "sim" / "hcn"))
import hcnsim  # noqa: E402

HVSUP_OK = 0
HVSUP_E_INVALID_ARGUMENT = -2
HVSUP_E_UNSUPPORTED = -3
HVSUP_E_NOT_FOUND = -4
HVSUP_E_CONFLICT = -5
HVSUP_E_HOST = -7
REPLACE_STALE = 1

LIBRARY = BUILD / "libhvsup" / "libhvsup.so"
PROVIDER = hcnsim.provider_path(BUILD)


class Options(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("flags", ctypes.c_uint32), ("provider_library", ctypes.c_char_p)]


class HcnError(Exception):
    def __init__(self, status, message, hresult):
        super().__init__(f"{status}: {message}")
        self.status, self.message, self.hresult = status, message, hresult


def load():
    if not LIBRARY.exists() or not PROVIDER.exists():
        pytest.fail(f"{LIBRARY} or {PROVIDER} is not built; run ./scripts/test")
    lib = ctypes.CDLL(str(LIBRARY))
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    pp = ctypes.POINTER(ctypes.c_void_p)
    lib.hvsup_hcn_open.argtypes = [pp, ctypes.POINTER(Options), pp]
    lib.hvsup_hcn_free.argtypes = [vp]
    lib.hvsup_hcn_probe.argtypes = [vp, pp]
    lib.hvsup_hcn_ensure_nat_network.argtypes = [pp, vp, pp]
    lib.hvsup_hcn_find_network.argtypes = [pp, vp, cp, pp]
    lib.hvsup_hcn_create_endpoint.argtypes = [pp, vp, cp, cp, ctypes.c_uint32, pp]
    lib.hvsup_hcn_delete_endpoint.argtypes = [vp, cp, pp]
    lib.hvsup_hcn_query_endpoint.argtypes = [pp, vp, cp, pp]
    lib.hvsup_hcn_options_init.argtypes = [ctypes.POINTER(Options), ctypes.c_uint32]
    lib.hvsup_error_message.argtypes = [vp]
    lib.hvsup_error_message.restype = cp
    lib.hvsup_error_hresult.argtypes = [vp]
    lib.hvsup_error_free.argtypes = [vp]
    lib.hvsup_string_free.argtypes = [vp]
    return lib


class Hcn:
    """A thin wrapper that raises HcnError for a failure status."""

    def __init__(self, provider=PROVIDER, lib=None):
        self.lib = lib or load()
        opts = Options(1, 0, str(provider).encode() if provider else None)
        self.handle = ctypes.c_void_p()
        self._check(self.lib.hvsup_hcn_open(ctypes.byref(self.handle), ctypes.byref(opts), self._err()))

    def _err(self):
        self.error = ctypes.c_void_p()
        return ctypes.byref(self.error)

    def _check(self, status):
        if status != HVSUP_OK:
            message = self.lib.hvsup_error_message(self.error).decode() if self.error else ""
            hresult = self.lib.hvsup_error_hresult(self.error) & 0xFFFFFFFF if self.error else 0
            self.lib.hvsup_error_free(self.error)
            raise HcnError(status, message, hresult)
        assert not self.error, "an error object on success"

    def _doc(self, fn, *args):
        out = ctypes.c_void_p()
        self._check(fn(ctypes.byref(out), self.handle, *args, self._err()))
        text = ctypes.cast(out, ctypes.c_char_p).value.decode()
        self.lib.hvsup_string_free(out)
        return json.loads(text)

    def ensure_nat(self):
        return self._doc(self.lib.hvsup_hcn_ensure_nat_network)

    def find(self, name):
        return self._doc(self.lib.hvsup_hcn_find_network, name.encode())

    def create_endpoint(self, network_id, name, flags=0):
        return self._doc(self.lib.hvsup_hcn_create_endpoint, network_id.encode(), name.encode(), flags)

    def properties(self, endpoint_id):
        return self._doc(self.lib.hvsup_hcn_query_endpoint, endpoint_id.encode())

    def delete_endpoint(self, endpoint_id):
        self._check(self.lib.hvsup_hcn_delete_endpoint(self.handle, endpoint_id.encode(), self._err()))

    def probe(self):
        self._check(self.lib.hvsup_hcn_probe(self.handle, self._err()))

    def close(self):
        self.lib.hvsup_hcn_free(self.handle)
        self.handle = None


@pytest.fixture
def sim_dir(tmp_path, monkeypatch):
    d = tmp_path / "sim"
    d.mkdir()
    monkeypatch.setenv("HVSUP_SIM_DIR", str(d))
    return d


@pytest.fixture
def hcn(sim_dir):
    h = Hcn()
    yield h
    h.close()


def test_open_without_provider_is_unsupported_on_posix():
    with pytest.raises(HcnError) as e:
        Hcn(provider=None)
    assert e.value.status == HVSUP_E_UNSUPPORTED
    assert e.value.message == "load HCN API: HCN networking is only available on windows"


def test_open_rejects_bad_versions_flags_and_null_out(sim_dir):
    lib = load()
    handle = ctypes.c_void_p()
    assert lib.hvsup_hcn_open(ctypes.byref(handle), ctypes.byref(Options(99, 0, None)), None) == HVSUP_E_INVALID_ARGUMENT
    assert lib.hvsup_hcn_open(ctypes.byref(handle), ctypes.byref(Options(1, 4, None)), None) == HVSUP_E_INVALID_ARGUMENT
    assert lib.hvsup_hcn_open(None, None, None) == HVSUP_E_INVALID_ARGUMENT
    opts = Options(0, 7, b"x")
    assert lib.hvsup_hcn_options_init(ctypes.byref(opts), 1) == HVSUP_OK
    assert (opts.version, opts.flags, opts.provider_library) == (1, 0, None)
    assert lib.hvsup_hcn_options_init(ctypes.byref(opts), 2) == HVSUP_E_INVALID_ARGUMENT


def test_nat_network_is_created_once_and_shared_across_processes(hcn, sim_dir):
    first = hcn.ensure_nat()
    assert first["Name"] == "microagent-nat"
    assert first["Ipams"][0]["Subnets"][0]["IpAddressPrefix"] == "192.168.127.0/24"
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT / 'test' / 'integration')!r})
        from test_hcn_capi import Hcn
        print(Hcn().ensure_nat()["ID"])
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env=dict(os.environ), timeout=60).stdout.strip()
    assert out == first["ID"]
    assert [n["Name"] for n in hcnsim.list_networks(sim_dir)] == ["microagent-nat"]
    assert hcnsim.calls(sim_dir).count("HcnCreateNetwork") == 1


def test_nat_subnet_skips_default_switch(hcn, sim_dir):
    hcnsim.seed_network(sim_dir, "Default Switch", "ICS", "192.168.112.0/20", "192.168.112.1", ipam="Dhcp")
    nat = hcn.ensure_nat()
    subnet = nat["Ipams"][0]["Subnets"][0]
    assert subnet["IpAddressPrefix"] == "192.168.214.0/24"
    assert subnet["Routes"] == [{"NextHop": "192.168.214.1", "DestinationPrefix": "0.0.0.0/0"}]


def test_no_free_subnet_is_a_conflict(hcn, sim_dir):
    for name, prefix in [("a", "192.168.0.0/16"), ("b", "10.0.0.0/8"), ("c", "172.16.0.0/12")]:
        hcnsim.seed_network(sim_dir, name, "Private", prefix, prefix.replace(".0/", ".1/").split("/")[0])
    with pytest.raises(HcnError) as e:
        hcn.ensure_nat()
    assert e.value.status == HVSUP_E_CONFLICT
    assert e.value.message.startswith("no free /24 for the managed NAT network; existing HNS subnets: ")
    assert "10.0.0.0/8" in e.value.message


def test_find_network_by_name(hcn, sim_dir):
    net_id = hcnsim.seed_network(sim_dir, "External", "Transparent")
    assert hcn.find("External")["ID"] == net_id
    with pytest.raises(HcnError) as e:
        hcn.find("Nope")
    assert e.value.status == HVSUP_E_NOT_FOUND
    assert e.value.message == 'HNS network "Nope" not found'


def test_endpoint_lifecycle_and_leak_listing(hcn, sim_dir):
    nat = hcn.ensure_nat()
    ep = hcn.create_endpoint(nat["ID"], "microagent-agent-1")
    assert ep["IpConfigurations"][0] == {"IpAddress": "192.168.127.2", "PrefixLength": 24}
    assert hcnsim.endpoint_names(sim_dir) == ["microagent-agent-1"]
    assert hcn.properties(ep["ID"])["MacAddress"] == ep["MacAddress"]

    # A crashed run's endpoint is replaced, not duplicated.
    again = hcn.create_endpoint(nat["ID"], "microagent-agent-1", REPLACE_STALE)
    assert hcnsim.endpoint_ids(sim_dir) == [again["ID"]]

    hcn.delete_endpoint(again["ID"])
    assert hcnsim.list_endpoints(sim_dir) == []
    hcn.delete_endpoint(again["ID"])  # not found: success
    hcn.delete_endpoint("")  # no id: no-op
    with pytest.raises(HcnError) as e:
        hcn.properties(again["ID"])
    assert e.value.status == HVSUP_E_NOT_FOUND
    assert e.value.hresult == 0x803B0002
    assert [n["Name"] for n in hcnsim.list_networks(sim_dir)] == ["microagent-nat"]


def test_endpoint_create_failure_reports_hresult_and_leaks_nothing(hcn, sim_dir):
    nat = hcn.ensure_nat()
    hcnsim.inject_fault(sim_dir, "HcnCreateEndpoint", 0x803B002F, message="address in use")
    with pytest.raises(HcnError) as e:
        hcn.create_endpoint(nat["ID"], "microagent-x")
    assert e.value.status == HVSUP_E_HOST
    assert e.value.hresult == 0x803B002F
    assert e.value.message.startswith('create HNS endpoint "microagent-x": HcnCreateEndpoint: HCN_E_ADDR_INVALID_OR_RESERVED')
    assert hcnsim.list_endpoints(sim_dir) == []
    with pytest.raises(HcnError) as e:
        hcn.create_endpoint(nat["ID"], "microagent-x", 8)
    assert e.value.status == HVSUP_E_INVALID_ARGUMENT


def test_probe(hcn, sim_dir):
    hcn.probe()
    hcnsim.inject_fault(sim_dir, "HcnEnumerateNetworks", 0x80070005, message="Access is denied.")
    with pytest.raises(HcnError) as e:
        hcn.probe()
    assert e.value.message.startswith("probe HCN/HNS access: HcnEnumerateNetworks: E_ACCESSDENIED (0x80070005)")


def test_concurrent_processes_share_one_network_and_get_distinct_addresses(sim_dir):
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT / 'test' / 'integration')!r})
        from test_hcn_capi import Hcn
        h = Hcn()
        nat = h.ensure_nat()
        ep = h.create_endpoint(nat["ID"], "microagent-" + sys.argv[1], 1)
        print(ep["IpConfigurations"][0]["IpAddress"])
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, f"r{i}"], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ)) for i in range(6)]
    addresses = []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        addresses.append(out.strip())
    assert len(set(addresses)) == 6
    assert [n["Name"] for n in hcnsim.list_networks(sim_dir)] == ["microagent-nat"]
    assert hcnsim.endpoint_names(sim_dir) == sorted(f"microagent-r{i}" for i in range(6))
