# SPDX-License-Identifier: MIT
import re

import hvsup


def test_abi_version_matches_header(lib):
    assert hvsup.abi_version() == hvsup.ABI_VERSION == 1


def test_version_is_a_release_string(lib):
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", hvsup.version())


def test_library_loads_from_explicit_path(lib):
    again = hvsup.Library(lib.path)
    assert again.hvsup_abi_version() == 1
    assert again.missing == set()


def test_library_reports_a_missing_file(tmp_path):
    try:
        hvsup.Library(tmp_path / "libhvsup-absent.so")
    except OSError as e:
        assert "libhvsup-absent.so" in str(e)
    else:
        raise AssertionError("loading a missing library succeeded")
