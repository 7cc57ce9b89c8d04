# SPDX-License-Identifier: MIT
"""The ABI-1 names that predate the out-parameter-first rule stay exported as forwarders
(docs/abi.md, "Deprecation"): the bindings no longer call them, so this suite does, through
ctypes, and checks that each behaves as its replacement (same result, same status, and the
replacement's name in error messages)."""
import ctypes

import pytest

from test_abi_layout import DEPRECATED

c_void_pp = ctypes.POINTER(ctypes.c_void_p)


@pytest.fixture(scope="module")
def dll(lib):
    """The library under test, loaded a second time so the deprecated names can be bound
    without touching the bindings' own function table."""
    d = ctypes.CDLL(lib.path)
    d.hvsup_string_free.argtypes = [ctypes.c_void_p]
    d.hvsup_string_free.restype = None
    d.hvsup_error_free.argtypes = [ctypes.c_void_p]
    d.hvsup_error_free.restype = None
    d.hvsup_error_code.argtypes = [ctypes.c_void_p]
    d.hvsup_error_code.restype = ctypes.c_int
    d.hvsup_error_message.argtypes = [ctypes.c_void_p]
    d.hvsup_error_message.restype = ctypes.c_char_p
    # old: (port, out, error); new: (out, port, error)
    d.hvsup_hvsock_service_id.argtypes = [ctypes.c_uint32, c_void_pp, c_void_pp]
    d.hvsup_hvsock_port_to_service_id.argtypes = [c_void_pp, ctypes.c_uint32, c_void_pp]
    # old: (service_id, out, error); new: (out, service_id, error)
    d.hvsup_hvsock_service_port.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint32), c_void_pp]
    d.hvsup_hvsock_service_id_to_port.argtypes = [ctypes.POINTER(ctypes.c_uint32), ctypes.c_char_p, c_void_pp]
    # old: (path, out, error); new: (out, path, error)
    d.hvsup_image_inspect.argtypes = [ctypes.c_char_p, c_void_pp, c_void_pp]
    d.hvsup_image_describe.argtypes = [c_void_pp, ctypes.c_char_p, c_void_pp]
    # old: (context, request_json, out, error); new: (out, context, request_json, error)
    d.hvsup_supervise.argtypes = [ctypes.c_void_p, ctypes.c_char_p, c_void_pp, c_void_pp]
    d.hvsup_context_supervise.argtypes = [c_void_pp, ctypes.c_void_p, ctypes.c_char_p, c_void_pp]
    for name in ("hvsup_hvsock_service_id", "hvsup_hvsock_port_to_service_id", "hvsup_hvsock_service_port",
                 "hvsup_hvsock_service_id_to_port", "hvsup_image_inspect", "hvsup_image_describe",
                 "hvsup_supervise", "hvsup_context_supervise"):
        getattr(d, name).restype = ctypes.c_int
    return d


def take_string(dll, pointer):
    try:
        return ctypes.string_at(pointer).decode("utf-8") if pointer else None
    finally:
        dll.hvsup_string_free(pointer)


def take_error(dll, error):
    """(code, message) of an error object (None when there is none), freed."""
    try:
        return (dll.hvsup_error_code(error), dll.hvsup_error_message(error).decode("utf-8")) if error else None
    finally:
        dll.hvsup_error_free(error)


@pytest.mark.parametrize("name", sorted(DEPRECATED))
def test_every_deprecated_name_is_still_exported(lib, name):
    ctypes.CDLL(lib.path)[name]  # AttributeError when it is not


def test_service_id_matches_port_to_service_id(dll):
    old, new = ctypes.c_void_p(), ctypes.c_void_p()
    assert dll.hvsup_hvsock_service_id(1024, ctypes.byref(old), None) == 0
    assert dll.hvsup_hvsock_port_to_service_id(ctypes.byref(new), 1024, None) == 0
    old_text, new_text = take_string(dll, old), take_string(dll, new)
    assert old_text == new_text == "00000400-facb-11e6-bd58-64006a7986d3"


def test_service_port_matches_service_id_to_port(dll):
    service_id = b"00000400-facb-11e6-bd58-64006a7986d3"
    old, new = ctypes.c_uint32(), ctypes.c_uint32()
    assert dll.hvsup_hvsock_service_port(service_id, ctypes.byref(old), None) == 0
    assert dll.hvsup_hvsock_service_id_to_port(ctypes.byref(new), service_id, None) == 0
    assert old.value == new.value == 1024


def test_image_inspect_matches_image_describe_on_a_missing_path(dll, tmp_path):
    path = str(tmp_path / "missing.vhd").encode()
    results = []
    for call in (lambda out, err: dll.hvsup_image_inspect(path, out, err),
                 lambda out, err: dll.hvsup_image_describe(out, path, err)):
        out, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = call(ctypes.byref(out), ctypes.byref(error))
        assert not out
        results.append((status, take_error(dll, error)))
    assert results[0] == results[1]
    status, (code, _message) = results[0]
    assert status == code == -4  # HVSUP_E_NOT_FOUND


def test_supervise_forwards_and_names_the_replacement(dll):
    results = []
    for call in (lambda out, err: dll.hvsup_supervise(None, b"{}", out, err),
                 lambda out, err: dll.hvsup_context_supervise(out, None, b"{}", err)):
        out, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = call(ctypes.byref(out), ctypes.byref(error))
        assert not out
        results.append((status, take_error(dll, error)))
    assert results[0] == results[1] == (-2, (-2, "hvsup_context_supervise: context is NULL"))
