# SPDX-License-Identifier: MIT
"""Shared fixtures for the integration suites: where the build is, and helpers to run tools."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("HVSUP_BUILD_DIR", ROOT / "build"))


def tool(name: str) -> pathlib.Path:
    path = BUILD / "tools" / name
    if not path.exists():
        pytest.fail(f"{path} is not built; run ./scripts/test")
    return path


class Cli:
    """Runs hvsup-cli and decodes its response."""

    def __init__(self, extra_args=()):
        self.extra_args = list(extra_args)

    def run(self, request=None, *args, stdin=None, check_json=True):
        argv = [str(tool("hvsup-cli")), *self.extra_args, *args]
        if request is not None:
            argv += ["--request-json", json.dumps(request)]
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=120)
        response = json.loads(proc.stdout) if check_json and proc.stdout.strip() else None
        return proc, response


@pytest.fixture
def cli():
    return Cli()


@pytest.fixture
def state_dir(tmp_path):
    d = tmp_path / "state"
    d.mkdir()
    return d
