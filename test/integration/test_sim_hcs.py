# SPDX-License-Identifier: MIT
"""The hvsup_hcs_* C ABI against the HCS simulator, across processes: one process creates and
starts a compute system, another finds, stops and waits for it, as hvsup-cli invocations do.
Run as a script, this file is the child process (python3 test_sim_hcs.py <command> ...)."""
import ctypes
import json
import os
import pathlib
import subprocess
import sys
import uuid

HERE = pathlib.Path(__file__).resolve()
ROOT = HERE.parents[2]
BUILD = pathlib.Path(os.environ.get("HVSUP_BUILD_DIR", ROOT / "build"))
LIBHVSUP = BUILD / "libhvsup" / "libhvsup.so"
sys.path.insert(0, str(ROOT / "test" / "sim"))
import simhost  # noqa: E402

SIM = {
    "computecore": BUILD / "test" / "sim" / "libhvsup-sim-computecore.so",
    "vmcompute": BUILD / "test" / "sim" / "libhvsup-sim-vmcompute.so",
}


class HcsOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("library_path", ctypes.c_char_p), ("api", ctypes.c_uint32)]


class HcsError(Exception):
    def __init__(self, status, message, operation, hresult):
        super().__init__(message)
        self.status, self.message, self.operation, self.hresult = status, message, operation, hresult


class Hcs:
    """A thin ctypes view of include/hvsup/hcs.h."""

    def __init__(self, provider):
        lib = ctypes.CDLL(str(LIBHVSUP))
        self.lib = lib
        for name in ("hvsup_error_message", "hvsup_error_operation", "hvsup_hcs_dll"):
            getattr(lib, name).restype = ctypes.c_char_p
        lib.hvsup_error_hresult.restype = ctypes.c_int32
        lib.hvsup_string_free.argtypes = [ctypes.c_void_p]
        self.handle = ctypes.c_void_p()
        opts = HcsOptions(1, 0, str(provider).encode() if provider else None, 0)
        self.call(lib.hvsup_hcs_open, ctypes.byref(self.handle), ctypes.byref(opts))

    def call(self, fn, *args):
        err = ctypes.c_void_p()
        status = fn(*args, ctypes.byref(err))
        if status != 0:
            lib = self.lib
            e = HcsError(status, lib.hvsup_error_message(err).decode(), lib.hvsup_error_operation(err).decode(),
                         lib.hvsup_error_hresult(err) & 0xFFFFFFFF)
            lib.hvsup_error_free(err)
            raise e

    def take(self, ptr):
        text = ctypes.cast(ptr, ctypes.c_char_p).value.decode()
        self.lib.hvsup_string_free(ptr)
        return text

    def dll(self):
        return self.lib.hvsup_hcs_dll(self.handle).decode()

    def document(self, request):
        out = ctypes.c_void_p()
        self.call(self.lib.hvsup_hcs_build_document, ctypes.byref(out), json.dumps(request).encode(), None)
        return self.take(out)

    def create(self, system_id, document):
        sys_ = ctypes.c_void_p()
        self.call(self.lib.hvsup_hcs_create_system, ctypes.byref(sys_), self.handle, system_id.encode(),
                  document.encode(), 0)
        return sys_

    def open(self, system_id):
        sys_ = ctypes.c_void_p()
        self.call(self.lib.hvsup_hcs_open_system, ctypes.byref(sys_), self.handle, system_id.encode())
        return sys_

    def properties(self, sys_):
        out = ctypes.c_void_p()
        self.call(self.lib.hvsup_hcs_system_query_properties, ctypes.byref(out), sys_)
        return json.loads(self.take(out))

    def grant(self, vm_id, path):
        self.call(self.lib.hvsup_hcs_grant_vm_access, self.handle, vm_id.encode(), str(path).encode())

    def start(self, sys_):
        self.call(self.lib.hvsup_hcs_system_start, sys_, 0)

    def shutdown(self, sys_):
        self.call(self.lib.hvsup_hcs_system_shutdown, sys_, 0)

    def terminate(self, sys_):
        self.call(self.lib.hvsup_hcs_system_terminate, sys_, 0)

    def wait(self, sys_, timeout_ms):
        exited = ctypes.c_int32()
        out = ctypes.c_void_p()
        self.call(self.lib.hvsup_hcs_system_await_exit, ctypes.byref(exited), ctypes.byref(out), sys_, timeout_ms)
        return json.loads(self.take(out)) if exited.value else None

    def close(self, sys_):
        self.lib.hvsup_hcs_system_close(sys_)


def child(argv):
    """create-start <provider> <id> <request-json-file> | stop <provider> <id> | kill <provider> <id>"""
    command, provider, system_id = argv[0], argv[1], argv[2]
    hcs = Hcs(provider)
    if command == "create-start":
        request = json.loads(pathlib.Path(argv[3]).read_text())
        sys_ = hcs.create(system_id, hcs.document(request))
        runtime_id = hcs.properties(sys_)["RuntimeId"]
        hcs.grant(runtime_id, request["config"]["rootfsPath"])
        hcs.grant(runtime_id, request["config"]["kernelPath"])
        hcs.start(sys_)
        hcs.close(sys_)
        print(json.dumps({"runtimeId": runtime_id, "dll": hcs.dll()}))
    elif command in ("stop", "kill"):
        sys_ = hcs.open(system_id)
        state = hcs.properties(sys_)["State"]
        hcs.shutdown(sys_) if command == "stop" else hcs.terminate(sys_)
        exit_status = hcs.wait(sys_, 10000)
        hcs.close(sys_)
        print(json.dumps({"stateBefore": state, "exit": exit_status}))
    elif command == "open":
        try:
            hcs.close(hcs.open(system_id))
            print(json.dumps({"found": True}))
        except HcsError as e:
            print(json.dumps({"found": False, "error": e.message, "status": e.status, "hresult": e.hresult}))


if __name__ == "__main__":
    child(sys.argv[1:])
    sys.exit(0)

import pytest  # noqa: E402  (only the test half needs pytest)


@pytest.fixture
def sim_host(tmp_path, monkeypatch):
    host = simhost.SimHost(tmp_path, BUILD)
    for key, value in host.env({}).items():
        monkeypatch.setenv(key, value)
    kernel = tmp_path / "Image"
    kernel.write_bytes(b"kernel")
    rootfs = tmp_path / "rootfs.vhd"
    simhost.write_fixed_vhd(rootfs, 65536)
    yield {"dir": tmp_path, "sim": host.sim_dir, "kernel": kernel, "rootfs": rootfs, "host": host}
    leftovers = host.live_systems()
    host.kill_all()
    assert leftovers == [], f"compute systems leaked: {leftovers}"


def request_for(host, runtime_id):
    return {
        "command": "run",
        "identity": {"requestID": "req-1", "runtimeID": runtime_id, "role": "workload", "backend": "windows-hyperv"},
        "config": {"kernelPath": str(host["kernel"]), "rootfsPath": str(host["rootfs"]),
                   "stateDir": str(host["dir"] / "state"), "memoryMiB": 512, "cpuCount": 2},
    }


def run_child(*args):
    proc = subprocess.run([sys.executable, str(HERE), *map(str, args)], capture_output=True, text=True, timeout=60,
                          env=os.environ.copy())
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("api", ["computecore", "vmcompute"])
def test_a_system_created_in_one_process_is_stopped_from_another(sim_host, api, tmp_path):
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(request_for(sim_host, "agent-1")))
    started = run_child("create-start", SIM[api], "agent-1", request_file)
    assert started["dll"] == f"{api}.dll"
    uuid.UUID(started["runtimeId"])
    assert sim_host["host"].live_systems() == ["agent-1"]

    stopped = run_child("stop", SIM[api], "agent-1")
    assert stopped["stateBefore"] == "Running"
    assert stopped["exit"]["ExitType"] == "GracefulExit"

    gone = run_child("open", SIM[api], "agent-1")
    assert gone["found"] is False
    assert gone["error"].startswith("windows-hyperv HCS open: A virtual machine or container with the specified "
                                    "identifier does not exist")
    assert gone["status"] == -4  # HVSUP_E_NOT_FOUND
    assert gone["hresult"] in (0x8037010E, 0xC037010E)


def test_kill_from_another_process_after_the_creator_exited(sim_host, tmp_path):
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(request_for(sim_host, "agent-2")))
    run_child("create-start", SIM["computecore"], "agent-2", request_file)
    killed = run_child("kill", SIM["vmcompute"], "agent-2")  # the other API sees the same host
    assert killed["exit"]["ExitType"] == "ForcedExit"
    host = sim_host["host"]
    assert [c["api"] for c in host.calls("HcsCreateComputeSystem", "agent-2")] == ["computecore"]
    assert [c["api"] for c in host.calls("HcsTerminateComputeSystem", "agent-2")] == ["vmcompute"]


def test_document_build_validates_like_the_supervisor(sim_host):
    hcs = Hcs(SIM["computecore"])
    doc = json.loads(hcs.document(request_for(sim_host, "agent-3")))
    assert doc["Owner"] == "microagent"
    assert doc["VirtualMachine"]["Devices"]["Scsi"]["0"]["Attachments"]["0"]["Path"] == str(sim_host["rootfs"])
    bad = request_for(sim_host, "agent-3")
    bad["config"]["kernelPath"] = ""
    with pytest.raises(HcsError) as err:
        hcs.document(bad)
    assert err.value.status == -2


def test_without_a_provider_the_api_fails_closed(sim_host):
    with pytest.raises(HcsError) as err:
        Hcs(None)
    assert err.value.status == -3
    assert str(err.value) == "windows-hyperv supervisor is only supported on windows"
