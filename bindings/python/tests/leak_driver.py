# SPDX-License-Identifier: MIT
"""Run under valgrind by test_leaks.py: drives every binding path many times.

usage: leak_driver.py ROUNDS clean|leak
  clean: only the public API (every library string and error object must be freed)
  leak:  the negative control: calls the C functions directly and drops what they return
"""
import ctypes
import os
import pathlib
import sys
import tempfile

if os.environ.get("HVSUP_TEST_INSTALLED") != "1":  # else the installed package (conftest.py)
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))
import hvsup  # noqa: E402
from hvsup import _abi  # noqa: E402

rounds, mode = int(sys.argv[1]), sys.argv[2]
lib = hvsup.library()
state = pathlib.Path(tempfile.mkdtemp())
ident = {"requestID": "r", "runtimeID": "agent", "role": "workload", "backend": "windows-hyperv"}
prepare = {"command": "prepare", "identity": ident,
           "config": {"kernelPath": "/k", "rootfsPath": "/r", "stateDir": str(state)}}
logged = []
# the HCN simulator: the one the suite uses (conftest.py sets it: installed or the build tree's)
hcn_provider = pathlib.Path(os.environ["HVSUP_SIM_HCN_LIBRARY"])
os.environ["HVSUP_SIM_DIR"] = str(state / "sim")

if mode == "clean":
    for i in range(rounds):
        with hvsup.Context(state_dir=state, log=lambda level, message: logged.append(message)) as ctx:
            assert ctx.supervise(prepare)["ok"] is True
            assert ctx.supervise({"command": "inspect", "identity": ident})["ok"] is True
            assert ctx.supervise({"command": "host"})["ok"] is False
            assert '"ok": false' in ctx.supervise_json("{")
            assert ctx.doctor().ok is False
            assert ctx.doctor(format="text").text.startswith("Backend:")
            assert ctx.supervise({"command": "delete", "identity": ident})["ok"] is True
        try:
            ctx.supervise({"command": "host"})  # closed: an error object crosses and is freed
        except hvsup.InvalidArgumentError:
            pass
        else:
            raise AssertionError("closed context accepted a call")
        # the primitives: strings, error objects and listener sets
        assert hvsup.hvsock.service_port(hvsup.hvsock.service_id(1024)) == 1024
        try:
            hvsup.hvsock.service_port("nope")
        except hvsup.InvalidArgumentError:
            pass
        assert hvsup.hcs.build_document(dict(prepare, command="run"))["Owner"] == "microagent"
        try:
            hvsup.hcs.Hcs()
        except hvsup.UnsupportedError:
            pass
        result = state / "result.json"
        spec = {"vsockListeners": [{"port": 1024, "target": str(result)}], "resultPath": str(result)}
        with hvsup.hvsock.Listeners("6f1f4a33-0000-4000-8000-000000000001", spec, emulation_dir=state / "hv",
                                    log=lambda level, message: logged.append(message)) as listeners:
            assert listeners.wait_result(0) == hvsup.hvsock.ResultState.PENDING
            listeners.stop()
        volume = state / "data.vhd"
        hvsup.image.build({"empty": True, "output": str(volume), "size": "8M"}, progress=lambda w, e: None)
        assert hvsup.image.verify_footer(volume) and hvsup.image.inspect(volume)
        try:
            hvsup.image.build({"empty": True, "output": str(state / "x.vhd"), "size": "8M"},
                              progress=lambda w, e: False)
        except hvsup.HvsupError:
            pass
        with hvsup.Context() as planner:
            assert planner.plan(dict(prepare, command="run"))
            try:
                planner.plan({"command": "run"})
            except hvsup.InvalidArgumentError:
                pass
        # HCN primitives against the simulator: documents, error objects, handles
        with hvsup.hcn.Hcn(hcn_provider) as net:
            net.probe()
            nat = net.ensure_nat_network()
            try:
                net.find_network("Nope")
            except hvsup.NotFoundError:
                pass
            ep = net.create_endpoint(nat["ID"], "microagent-leak", replace_stale=True)
            assert net.endpoint_properties(ep["ID"])["ID"] == ep["ID"]
            net.delete_endpoint(ep["ID"])
            try:
                net.endpoint_properties(ep["ID"])
            except hvsup.NotFoundError:
                pass
        try:
            hvsup.hcn.Hcn()
        except hvsup.UnsupportedError:
            pass
        with hvsup.Context() as idle:
            idle.cancel()
        bad = _abi.ContextOptions(version=99)
        try:
            lib.call("hvsup_context_create", ctypes.byref(ctypes.c_void_p()), ctypes.byref(bad))
        except hvsup.InvalidArgumentError:
            pass
    print(f"clean rounds={rounds}")
else:
    ctx = hvsup.Context(state_dir=state)
    for i in range(rounds):
        out = ctypes.c_void_p()
        lib.hvsup_context_supervise(ctypes.byref(out), ctx._handle, b'{"command": "host"}', None)  # string dropped
        error = ctypes.c_void_p()
        lib.hvsup_context_supervise(ctypes.byref(out), None, b"{}", ctypes.byref(error))  # error object dropped
    ctx.close()
    print(f"leak rounds={rounds}")
