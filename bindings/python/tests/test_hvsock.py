# SPDX-License-Identifier: MIT
"""hvsup.hvsock over hvsup/hvsock.h with the loopback emulation transport."""
import json
import socket
import uuid

import pytest

import hvsup
from hvsup import hvsock


@pytest.mark.parametrize("port, expected", [
    (0, "00000000-facb-11e6-bd58-64006a7986d3"),
    (1024, "00000400-facb-11e6-bd58-64006a7986d3"),
    (0xFFFFFFFF, "ffffffff-facb-11e6-bd58-64006a7986d3"),
])
def test_service_id_of_a_port(lib, port, expected):
    assert hvsock.service_id(port) == expected
    assert hvsock.service_port(expected) == port
    assert hvsock.service_port("{" + expected.upper() + "}") == port


def test_service_port_rejects_other_guids(lib):
    with pytest.raises(hvsup.InvalidArgumentError):
        hvsock.service_port("00000400-0000-11e6-bd58-64006a7986d3")
    with pytest.raises(hvsup.InvalidArgumentError):
        hvsock.service_port("not a guid")


def guest_connect(emulation_dir, vm, port):
    """What a guest does: read the host's port file and connect."""
    port_file = emulation_dir / vm / "host" / f"{hvsock.service_id(port)}.port"
    return socket.create_connection(("127.0.0.1", int(port_file.read_text())))


def test_result_sink_receives_the_guest_result(lib, tmp_path):
    vm = str(uuid.uuid4())
    emulation = tmp_path / "hvsock"
    result = tmp_path / "result.json"
    messages = []
    spec = {"vsockListeners": [{"port": 1024, "target": str(result)}], "resultPath": str(result)}
    with hvsock.Listeners(vm, spec, emulation_dir=emulation, log=lambda lv, m: messages.append(m)) as listeners:
        assert listeners.wait_result(0) is hvsock.ResultState.PENDING
        with guest_connect(emulation, vm, 1024) as s:
            s.sendall(json.dumps({"exit_code": 0, "stdout": "hi\n"}).encode())
            s.shutdown(socket.SHUT_WR)
        assert listeners.wait_result(10000) is hvsock.ResultState.RECEIVED
        assert json.loads(result.read_text())["stdout"] == "hi\n"
        listeners.stop()
        listeners.stop()  # idempotent
        assert not (emulation / vm / "host" / f"{hvsock.service_id(1024)}.port").exists()
    assert any(m.startswith(f"windows-hyperv result written to {result}") for m in messages), messages


def test_without_a_result_sink(lib, tmp_path):
    with hvsock.Listeners(str(uuid.uuid4()), {}, emulation_dir=tmp_path) as listeners:
        assert listeners.wait_result(0) is hvsock.ResultState.NO_LISTENER


def test_bad_target_is_rejected(lib, tmp_path):
    spec = {"vsockListeners": [{"port": 2048, "target": "/not/a/target"}], "resultPath": str(tmp_path / "r.json")}
    with pytest.raises(hvsup.InvalidArgumentError) as caught:
        hvsock.Listeners(str(uuid.uuid4()), spec, emulation_dir=tmp_path)
    assert caught.value.message == ("windows-hyperv vsock listener 2048 target must be host:port or the workspace "
                                    "result path")
