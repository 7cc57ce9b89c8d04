# SPDX-License-Identifier: MIT
"""Error mapping: C failure statuses become HvsupError subclasses carrying the error object's
fields; malformed requests are documents with ok=false, not exceptions."""
import ctypes

import pytest

import hvsup
from hvsup import _abi
from conftest import full_request, state_request


def test_status_mirrors_the_header():
    header = {"OK": 0, "ERROR": -1, "INVALID_ARGUMENT": -2, "UNSUPPORTED": -3, "NOT_FOUND": -4, "CONFLICT": -5,
              "IO": -6, "HOST": -7, "INTEGRITY": -8, "TOO_LARGE": -9, "NO_MEMORY": -10,
              "CANCELLED": -11}
    assert {s.name: s.value for s in hvsup.Status} == header


def test_cancelled_maps_to_its_own_exception():
    e = hvsup.HvsupError.of(-11, "run cancelled by the caller while waiting for the guest result")
    assert type(e) is hvsup.CancelledError and e.code is hvsup.Status.CANCELLED


def test_unknown_status_codes_survive():
    e = hvsup.HvsupError.of(-42, "newer library")
    assert int(e.code) == -42 and e.code.name == "UNKNOWN_42"
    assert type(e) is hvsup.HvsupError


def test_closed_context_maps_the_null_context_error(lib):
    ctx = hvsup.Context()
    ctx.close()
    ctx.close()  # idempotent
    with pytest.raises(hvsup.InvalidArgumentError) as caught:
        ctx.supervise({"command": "host"})
    e = caught.value
    assert isinstance(e, hvsup.HvsupError)
    assert e.code is hvsup.Status.INVALID_ARGUMENT
    assert e.message == "hvsup_context_supervise: context is NULL"
    assert (e.operation, e.hresult, e.system_code) == ("", 0, 0)
    with pytest.raises(hvsup.InvalidArgumentError, match="hvsup_context_doctor: context is NULL"):
        ctx.doctor()


def test_null_request_is_an_invalid_argument(lib):
    with hvsup.Context() as ctx:
        with pytest.raises(hvsup.InvalidArgumentError, match="request_json is NULL"):
            lib.call_for_string("hvsup_context_supervise", ctx._handle, None)


def test_bad_options_version_and_flags_are_rejected(lib):
    options = _abi.ContextOptions()
    assert lib.hvsup_context_options_init(ctypes.byref(options), 99) == hvsup.Status.INVALID_ARGUMENT
    assert lib.hvsup_context_options_init(ctypes.byref(options), _abi.CONTEXT_OPTIONS_VERSION) == 0
    handle = ctypes.c_void_p()
    options.version = 2
    with pytest.raises(hvsup.InvalidArgumentError, match="unsupported options version"):
        lib.call("hvsup_context_create", ctypes.byref(handle), ctypes.byref(options))
    options.version = _abi.CONTEXT_OPTIONS_VERSION
    options.flags = 1
    with pytest.raises(hvsup.InvalidArgumentError, match="unknown flags"):
        lib.call("hvsup_context_create", ctypes.byref(handle), ctypes.byref(options))
    assert not handle


def test_unknown_doctor_format_is_rejected(lib):
    with hvsup.Context() as ctx:
        options = _abi.DoctorOptions()
        lib.hvsup_doctor_options_init(ctypes.byref(options), _abi.DOCTOR_OPTIONS_VERSION)
        options.format = 7
        with pytest.raises(hvsup.InvalidArgumentError, match="unknown format"):
            lib.call_for_string("hvsup_context_doctor", None, ctx._handle, ctypes.byref(options))


def test_status_without_error_object_still_raises(lib):
    e = lib.take_error(-4, ctypes.c_void_p())
    assert isinstance(e, hvsup.NotFoundError) and e.code is hvsup.Status.NOT_FOUND


def test_missing_optional_export_is_unsupported(lib):
    lib.missing.add("hvsup_future_call")
    try:
        with pytest.raises(hvsup.UnsupportedError, match="hvsup_future_call"):
            lib.function("hvsup_future_call")
    finally:
        lib.missing.discard("hvsup_future_call")


@pytest.mark.parametrize("text, error", [
    ("", "decode request: incomplete JSON at byte 0"),
    ("{", "decode request: incomplete JSON at byte 1"),
    ('{"command": 5}', None),
    ('{"command": "frobnicate"}', 'unknown command "frobnicate"'),
    ('{"command": "prepare"}', "identity is required"),
    ('{"command": "prepare", "identity": {"requestID": "r", "runtimeID": "..", "role": "workload",'
     ' "backend": "windows-hyperv"}}', "identity.runtimeID must be a safe basename: .."),
    ('{"command": "console", "identity": {"requestID": "r", "runtimeID": "a", "role": "workload",'
     ' "backend": "windows-hyperv"}, "config": {"kernelPath": "/k", "rootfsPath": "/r", "stateDir": "/tmp"}}',
     'windows-hyperv supervisor command "console" is experimental and not implemented yet'),
])
def test_malformed_requests_are_ok_false_documents(lib, text, error):
    with hvsup.Context() as ctx:
        import json
        response = json.loads(ctx.supervise_json(text))
    assert response["ok"] is False
    assert response["error"]
    if error is not None:
        assert response["error"] == error


def test_validation_failure_names_the_field(lib, state_dir):
    with hvsup.Context() as ctx:
        response = ctx.supervise(full_request("prepare", state_dir, memoryMiB="lots"))
    assert response == {"ok": False, "backend": "windows-hyperv",
                        "error": "decode request: config.memoryMiB: expected an integer, got string"}


def test_integrity_error_is_reported_in_the_document(lib, state_dir):
    with hvsup.Context() as ctx:
        assert ctx.supervise(full_request("prepare", state_dir))["ok"] is True
        (state_dir / "agent-1" / "events.json").write_text("not json")
        response = ctx.supervise(state_request("stop", state_dir))
    assert response["ok"] is False
    assert "events.json" in response["error"]
