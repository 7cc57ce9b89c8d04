# SPDX-License-Identifier: MIT
"""Seed and inspect the HCN simulator's state from pytest (README.md in this directory).

The simulator (libhvsup-sim-hcn) keeps networks and endpoints as JSON files under
$HVSUP_SIM_DIR/hcn/{networks,endpoints}/<id>.json. Use from a test:

    sys.path.insert(0, str(ROOT / "test" / "sim" / "hcn")); import hcnsim
    hcnsim.seed_network(sim_dir, "Default Switch", "ICS", "192.168.112.0/20", "192.168.112.1", ipam="Dhcp")
    assert hcnsim.endpoint_names(sim_dir) == ["microagent-agent-1"]
"""
import json
import os
import pathlib
import uuid


def provider_path(build_dir) -> pathlib.Path:
    """The simulator library inside a build directory."""
    return pathlib.Path(build_dir) / "test" / "sim" / "hcn" / "libhvsup-sim-hcn.so"


def _root(sim_dir) -> pathlib.Path:
    return pathlib.Path(sim_dir) / "hcn"


def _write(path: pathlib.Path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2))
    os.replace(tmp, path)


def seed_network(sim_dir, name, type_, prefix=None, gateway=None, ipam="Static", dns=None) -> str:
    """Adds an existing HNS network (as HNS reports it) and returns its id.

    prefix None: no IPAM (an external switch: the guest uses DHCP). ipam "Dhcp": the subnet is
    known but addresses come from DHCP (the ICS Default Switch)."""
    net_id = str(uuid.uuid4())
    doc = {"ID": net_id, "Name": name, "Type": type_}
    if prefix:
        subnet = {"IpAddressPrefix": prefix}
        if gateway:
            subnet["Routes"] = [{"NextHop": gateway, "DestinationPrefix": "0.0.0.0/0"}]
        doc["Ipams"] = [{"Type": ipam, "Subnets": [subnet]}]
    if dns:
        doc["Dns"] = {"ServerList": list(dns)}
    doc["SchemaVersion"] = {"Major": 2, "Minor": 0}
    _write(_root(sim_dir) / "networks" / f"{net_id}.json", doc)
    return net_id


def _read_dir(path: pathlib.Path):
    if not path.is_dir():
        return []
    return [json.loads(p.read_text()) for p in sorted(path.glob("*.json"))]


def list_endpoints(sim_dir):
    """Live endpoints (their HCN properties), sorted by id."""
    return _read_dir(_root(sim_dir) / "endpoints")


def list_networks(sim_dir):
    return _read_dir(_root(sim_dir) / "networks")


def endpoint_names(sim_dir):
    return sorted(e.get("Name", "") for e in list_endpoints(sim_dir))


def endpoint_ids(sim_dir):
    return sorted(e["ID"] for e in list_endpoints(sim_dir))


def inject_fault(sim_dir, function, hresult, count=1, message="injected failure") -> None:
    """Makes the next `count` calls of an entry point fail (count None: every call)."""
    path = _root(sim_dir) / "faults.json"
    faults = json.loads(path.read_text()) if path.exists() else {}
    fault = {"hresult": f"0x{hresult & 0xFFFFFFFF:08x}", "message": message}
    if count is not None:
        fault["count"] = count
    faults[function] = fault
    _write(path, faults)


def inject_result(sim_dir, function, result, count=1) -> None:
    """Makes the next `count` calls of an enumerate entry point succeed with `result` ("[]")."""
    path = _root(sim_dir) / "faults.json"
    faults = json.loads(path.read_text()) if path.exists() else {}
    fault = {"result": result}
    if count is not None:
        fault["count"] = count
    faults[function] = fault
    _write(path, faults)


def calls(sim_dir):
    """Entry points called so far, in order ([] when none)."""
    path = _root(sim_dir) / "calls.log"
    return path.read_text().splitlines() if path.exists() else []
