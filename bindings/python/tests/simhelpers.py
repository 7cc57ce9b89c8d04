# SPDX-License-Identifier: MIT
"""The simulated Hyper-V host (test/sim) for binding tests: provider libraries, environment,
and request builders. The simulator reads HVSUP_SIM_DIR and the hvsock emulation reads
HVSUP_HVSOCK_EMULATION_DIR at call time, so in-process tests set them with monkeypatch."""
import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BUILD = pathlib.Path(os.environ.get("HVSUP_BUILD_DIR", ROOT / "build"))
# HVSUP_SIM_LIBDIR: an installed simulator (<prefix>/<libdir>/hvsup-sim, meson -Dsim=true)
# instead of the build tree's.
SIM_LIBDIR = os.environ.get("HVSUP_SIM_LIBDIR")


def sim_library(api="computecore"):
    path = (pathlib.Path(SIM_LIBDIR) if SIM_LIBDIR else BUILD / "test" / "sim") / f"libhvsup-sim-{api}.so"
    if not path.exists():
        pytest.fail(f"{path} is not built; run ./scripts/test")
    return path


# The simulator's own helper (test/sim/simhost.py): a fixed-VHD footer the simulator accepts.
sys.path.insert(0, str(ROOT / "test" / "sim"))
from simhost import write_fixed_vhd  # noqa: E402,F401


class SimHost:
    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.sim_dir = self.root / "sim"
        self.hvsock_dir = self.root / "hvsock"
        (self.sim_dir / "scripts").mkdir(parents=True)
        self.hvsock_dir.mkdir()
        self.kernel = self.root / "Image"
        self.kernel.write_bytes(b"kernel")
        self.rootfs = self.root / "rootfs.vhd"
        write_fixed_vhd(self.rootfs)
        self.state = self.root / "state"

    def script(self, script):
        import json
        (self.sim_dir / "scripts" / "default.json").write_text(json.dumps(script))

    def kill_guests(self):
        """Kills every guest process still recorded (teardown); returns their system ids."""
        import json
        import signal
        killed = []
        for p in (self.sim_dir / "systems").glob("*.json"):
            try:
                pid = json.loads(p.read_text()).get("GuestPid", 0)
            except (OSError, ValueError):
                continue
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(p.stem)
                except ProcessLookupError:
                    pass
        return killed

    def systems(self):
        return sorted(p.stem for p in (self.sim_dir / "systems").glob("*.json"))

    def request(self, command, runtime="agent-1", **config):
        cfg = {"kernelPath": str(self.kernel), "rootfsPath": str(self.rootfs), "stateDir": str(self.state),
               "network": {"mode": "isolated"}}
        cfg.update(config)
        return {"command": command, "config": cfg,
                "identity": {"requestID": f"req-{command}", "runtimeID": runtime, "role": "workload",
                             "backend": "windows-hyperv"}}


@pytest.fixture
def sim(tmp_path, monkeypatch):
    host = SimHost(tmp_path)
    monkeypatch.setenv("HVSUP_SIM_DIR", str(host.sim_dir))
    monkeypatch.setenv("HVSUP_HVSOCK_EMULATION_DIR", str(host.hvsock_dir))
    yield host
    host.kill_guests()


def hcn_library():
    """The HCN simulator (test/sim/hcn); it keeps its state under $HVSUP_SIM_DIR/hcn."""
    path = (pathlib.Path(SIM_LIBDIR) if SIM_LIBDIR else BUILD / "test" / "sim" / "hcn") / "libhvsup-sim-hcn.so"
    if not path.exists():
        pytest.fail(f"{path} is not built; run ./scripts/test")
    return path


def hcnsim():
    """test/sim/hcn/hcnsim.py: seed networks, list endpoints, inject faults."""
    import sys
    sys.path.insert(0, str(ROOT / "test" / "sim" / "hcn"))
    import hcnsim as module
    return module


def wait_for_state(host, runtime, state, attempts=6000):
    """Polls <state>/<runtime>/runtime.json until its event is `state` (10 ms apart)."""
    import json
    import time
    path = host.state / runtime / "runtime.json"
    for _ in range(attempts):
        try:
            if json.loads(path.read_text())["event"]["state"] == state:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.01)
    raise AssertionError(f"{runtime} never reached {state}")


class simulated_host:
    """A SimHost with its environment set while the `with` block runs (for code outside
    pytest fixtures, such as the documentation's examples); kills its guests at the end."""

    _names = ("HVSUP_SIM_DIR", "HVSUP_HVSOCK_EMULATION_DIR")

    def __init__(self, root):
        self.host = SimHost(root)

    def __enter__(self):
        self._saved = {name: os.environ.get(name) for name in self._names}
        os.environ["HVSUP_SIM_DIR"] = str(self.host.sim_dir)
        os.environ["HVSUP_HVSOCK_EMULATION_DIR"] = str(self.host.hvsock_dir)
        return self.host

    def __exit__(self, *exc):
        self.host.kill_guests()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
