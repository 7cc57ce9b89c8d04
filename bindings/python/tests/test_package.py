# SPDX-License-Identifier: MIT
"""The package as users get it: one version everywhere, typed, and (when installed from the
wheel, HVSUP_TEST_INSTALLED=1) the bundled library, overridable by HVSUP_LIBRARY."""
import os
import pathlib
import sys

import pytest

import hvsup
from hvsup import _native, _version

ROOT = pathlib.Path(__file__).resolve().parents[3]
INSTALLED = os.environ.get("HVSUP_TEST_INSTALLED") == "1"


def test_version_is_the_project_version_and_the_library_version(lib):
    assert hvsup.__version__ == _version.project_version(ROOT)
    assert hvsup.__version__ == hvsup.version()


def test_package_is_typed():
    assert (pathlib.Path(hvsup.__file__).parent / "py.typed").is_file()


def test_hvsup_library_overrides_the_lookup(lib, monkeypatch):
    monkeypatch.setenv("HVSUP_LIBRARY", lib.path)
    assert hvsup.Library().path == lib.path
    monkeypatch.setenv("HVSUP_LIBRARY", "/nonexistent/libhvsup.so")
    with pytest.raises(OSError, match="/nonexistent/libhvsup.so"):
        hvsup.Library()


@pytest.mark.skipif(not INSTALLED, reason="only for the package installed from the wheel")
def test_installed_package_is_the_one_under_test(lib):
    package = pathlib.Path(hvsup.__file__).resolve().parent
    assert pathlib.Path(sys.prefix).resolve() in package.parents  # the venv, not the checkout
    assert ROOT not in package.parents
    # the library came out of the wheel, not the build tree
    assert "HVSUP_LIBRARY" not in os.environ
    assert pathlib.Path(lib.path).resolve().parent == _native.BUNDLED_DIR
