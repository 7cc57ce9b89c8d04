# SPDX-License-Identifier: MIT
"""Process-level Windows tests: the cross-built tools run under Wine (scripts/test.d/windows.sh).

HVSUP_WINDOWS_BUILD_DIR names the Windows build; WINEPREFIX (and a running wineserver) are
set up by the stage script. Paths given to the Windows programs are Wine's Z: drive view of
the Linux paths the tests check.
"""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("HVSUP_WINDOWS_BUILD_DIR", ROOT / "build-win64"))
WINE = ROOT / "scripts" / "lib" / "wine64"


def winpath(path) -> str:
    """The Windows spelling of a Linux path under Wine (Z: maps to /)."""
    return "Z:" + str(pathlib.Path(path).resolve()).replace("/", "\\")


def windows_program(relative: str) -> pathlib.Path:
    path = BUILD / relative
    if not path.exists():
        pytest.fail(f"{path} is not built; run scripts/test.d/windows.sh")
    return path


def wine_env() -> dict:
    env = dict(os.environ)
    env.setdefault("WINEDEBUG", "-all")
    # Wine turns the Unix command line into the Windows one with the Unix locale's charset:
    # a UTF-8 locale, so that non-ASCII arguments reach the programs' wide command line.
    env["LC_ALL"] = "C.UTF-8"
    # hvsup.dll is found through WINEPATH, as a Windows user would put it on PATH or beside the tool.
    env["WINEPATH"] = winpath(BUILD / "libhvsup")
    return env


def run_windows(argv, stdin=None, timeout=120):
    return subprocess.run([str(WINE), *map(str, argv)], input=stdin, capture_output=True,
                          encoding="utf-8", errors="replace", timeout=timeout, env=wine_env())


class WineCli:
    """Runs hvsup-cli.exe under Wine and decodes its response."""

    def run(self, request=None, *args, stdin=None, check_json=True):
        argv = [windows_program("tools/hvsup-cli.exe"), *args]
        if request is not None and stdin is None:
            stdin = json.dumps(request, ensure_ascii=False)
        proc = run_windows(argv, stdin=stdin if stdin is not None else "")
        response = json.loads(proc.stdout) if check_json and proc.stdout.strip() else None
        return proc, response


@pytest.fixture
def cli():
    return WineCli()


@pytest.fixture
def state_dir(tmp_path):
    d = tmp_path / "state"
    d.mkdir()
    return d


def request(command, state_dir, runtime_id="rt-1", **config):
    """A valid supervisor request; full-config commands get placeholder kernel/rootfs paths."""
    cfg = {"stateDir": winpath(state_dir) if isinstance(state_dir, pathlib.Path) else state_dir}
    if command in ("check", "prepare", "start", "run", "console"):
        cfg.update({"kernelPath": "C:\\hvsup\\Image", "rootfsPath": "C:\\hvsup\\rootfs.vhd"})
    cfg.update(config)
    return {
        "command": command,
        "identity": {"requestID": f"req-{command}", "runtimeID": runtime_id,
                     "role": "workload", "backend": "windows-hyperv"},
        "config": cfg,
    }
