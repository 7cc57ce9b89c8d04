# SPDX-License-Identifier: MIT
"""The ctypes structs in hvsup/_abi.py against the headers: every field the header declares
must be there, in order (Python may already know fields a newer header appends, never fewer),
and every export of the headers must have a signature."""
import pathlib
import re

import pytest

from hvsup import _abi

INCLUDE = pathlib.Path(__file__).resolve().parents[3] / "include" / "hvsup"
HEADERS = "\n".join(p.read_text() for p in sorted(INCLUDE.glob("*.h")))
STRUCTS = {
    "hvsup_context_options": _abi.ContextOptions,
    "hvsup_doctor_options": _abi.DoctorOptions,
    "hvsup_hcs_options": _abi.HcsOptions,
    "hvsup_hcs_document_options": _abi.HcsDocumentOptions,
    "hvsup_hvsock_listeners_options": _abi.HvsockListenersOptions,
    "hvsup_image_build_options": _abi.ImageBuildOptions,
}


def header_fields(name):
    body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (name, name), HEADERS, re.S)
    if body is None:
        return None
    fields = []
    for line in body.group(1).splitlines():
        code = line.split("/*")[0].split("//")[0].strip()
        m = re.search(r"(\w+)\s*;$", code)
        if m:
            fields.append(m.group(1))
    return fields


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_struct_fields_follow_the_header(name):
    declared = header_fields(name)
    if declared is None:
        pytest.fail(f"{name} is not in include/hvsup/*.h")
    python = [f[0] for f in STRUCTS[name]._fields_]
    assert python[:len(declared)] == declared


EXPORTS = set(re.findall(r"HVSUP_API [^;(]*?\b(hvsup_\w+)\s*\(", HEADERS))
# The ABI-1 names kept as forwarders (HVSUP_DEPRECATED("use ...") on the line before).
DEPRECATED = set(re.findall(r"HVSUP_DEPRECATED\(\"[^\"]*\"\)\s*HVSUP_API [^;(]*?\b(hvsup_\w+)\s*\(", HEADERS))


def test_every_export_has_a_signature():
    assert EXPORTS - DEPRECATED - set(_abi.SIGNATURES) == set()


def test_no_deprecated_export_is_bound():
    """The bindings call the out-parameter-first names only (docs/abi.md, "Deprecation")."""
    assert len(DEPRECATED) >= 21 and DEPRECATED <= EXPORTS
    assert DEPRECATED & set(_abi.SIGNATURES) == set()
