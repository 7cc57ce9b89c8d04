# SPDX-License-Identifier: MIT
"""Fixtures for the Python binding tests: the library under test and request builders."""
import json
import os
import pathlib
import sys

import pytest

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]
# HVSUP_TEST_INSTALLED=1 (scripts/test.d/bindings.sh, from a venv): test the installed package,
# never the source tree.
if os.environ.get("HVSUP_TEST_INSTALLED") != "1":
    sys.path.insert(0, str(PACKAGE_ROOT / "src"))

import hvsup  # noqa: E402


@pytest.fixture(scope="session")
def lib():
    """The loaded library; fails (not skips) when it is not built."""
    try:
        return hvsup.library()
    except OSError as e:
        pytest.fail(f"libhvsup is not available: {e}")


@pytest.fixture
def state_dir(tmp_path):
    d = tmp_path / "state"
    d.mkdir()
    return d


def identity(runtime="agent-1", request="req-1"):
    return {"requestID": request, "runtimeID": runtime, "role": "workload", "backend": "windows-hyperv"}


def full_request(command, state_dir, runtime="agent-1", request=None, **config):
    cfg = {"kernelPath": "/kernels/Image", "rootfsPath": f"/workspaces/{runtime}/rootfs.vhd",
           "stateDir": str(state_dir)}
    cfg.update(config)
    return {"command": command, "identity": identity(runtime, request or f"req-{command}"), "config": cfg}


def state_request(command, state_dir, runtime="agent-1", request=None):
    return {"command": command, "identity": identity(runtime, request or f"req-{command}"),
            "config": {"stateDir": str(state_dir)}}


def read_json(path):
    return json.loads(pathlib.Path(path).read_text())


os.environ.setdefault("HVSUP_BINDINGS_TEST", "1")
# The documentation's examples read the simulator's paths as a user has them after
# eval "$(hvsup-sim-env DIR)"; without that (a checkout's pytest) they are the build tree's.
_BUILD = pathlib.Path(os.environ.get("HVSUP_BUILD_DIR", PACKAGE_ROOT.parents[1] / "build"))
os.environ.setdefault("HVSUP_SIM_HCS_LIBRARY", str(_BUILD / "test" / "sim" / "libhvsup-sim-computecore.so"))
os.environ.setdefault("HVSUP_SIM_HCN_LIBRARY", str(_BUILD / "test" / "sim" / "hcn" / "libhvsup-sim-hcn.so"))
