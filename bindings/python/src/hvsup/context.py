# SPDX-License-Identifier: MIT
"""hvsup.Context: a supervisor context (hvsup_context) with its options."""
import ctypes
import dataclasses
import json
import os
import threading
from typing import Any, Callable, Dict, Optional, TypeVar, Union

from . import _abi
from ._handle import Closeable, LogForwarder, LogFunction
from ._native import Library, encode_optional, library
PathArg = Union[str, "os.PathLike[str]", None]
_T = TypeVar("_T")


@dataclasses.dataclass
class DoctorReport:
    """What hvsup_context_doctor produced: `ok` (every required check passed), the raw `text`, and
    `report` (the parsed document for the JSON format, else None)."""

    ok: bool
    text: str
    report: Optional[Dict[str, Any]]


class Context(Closeable, LogForwarder):
    """A supervisor context. Use as a context manager or call close().

    state_dir:   used when a request has no config.stateDir
    hcs_library, hcn_library: explicit HCS/HCN provider libraries (e.g. a simulator)
    hcs_api:     "computecore" or "vmcompute" forces that HCS API
    boot_mode:   "auto" (default: chosen per host, see doctor), "kernel-direct" or "uefi-vmbfs"
    listener_helper: path of hvsock-listener (default: beside the executable)
    stop_grace_ms, unregister_wait_ms: 0 = the library defaults
    log:         callable(level: LogLevel, message: str); called from whichever thread runs a
                 call on this context. It must not call back into the context. Exceptions it
                 raises are collected in `log_errors` (they cannot cross the C ABI).
    One context may be used from several threads; close() waits for calls in flight, and
    cancel() (from another thread) ends their waits early.
    """

    def __init__(self, state_dir: PathArg = None, hcs_library: PathArg = None, hcn_library: PathArg = None,
                 log: Optional[LogFunction] = None, lib: Optional[Library] = None, hcs_api: Optional[str] = None,
                 boot_mode: Optional[str] = None, listener_helper: PathArg = None,
                 stop_grace_ms: int = 0, unregister_wait_ms: int = 0) -> None:
        self._lib = lib or library()
        self._handle = ctypes.c_void_p()
        self._active = 0
        self._closed = False
        self._cond = threading.Condition()
        # Kept alive as long as the context: the library calls it until hvsup_context_free.
        self._log_trampoline = self._forward_logs(log)
        options = _abi.ContextOptions()
        self._lib.hvsup_context_options_init(ctypes.byref(options), _abi.CONTEXT_OPTIONS_VERSION)
        options.default_state_dir = encode_optional(state_dir)
        options.hcs_library = encode_optional(hcs_library)
        options.hcn_library = encode_optional(hcn_library)
        options.hcs_api = encode_optional(hcs_api)
        options.boot_mode = encode_optional(boot_mode)
        options.listener_helper = encode_optional(listener_helper)
        options.stop_grace_ms = stop_grace_ms
        options.unregister_wait_ms = unregister_wait_ms
        if self._log_trampoline is not None:
            options.log_callback = self._log_trampoline
        self._lib.call("hvsup_context_create", ctypes.byref(self._handle), ctypes.byref(options))

    # -- lifetime --------------------------------------------------------------------------------
    def close(self) -> None:
        """Frees the context after the calls in flight finish. Idempotent. Later calls fail
        with InvalidArgumentError (the library sees a NULL context)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            while self._active:
                self._cond.wait()
            handle, self._handle = self._handle, ctypes.c_void_p()
        self._lib.hvsup_context_free(handle)

    @property
    def closed(self) -> bool:
        return self._closed

    def _enter_call(self) -> ctypes.c_void_p:
        with self._cond:
            if self._closed:
                return ctypes.c_void_p()  # NULL: the library reports the invalid argument
            self._active += 1
            return self._handle

    def _leave_call(self, handle: ctypes.c_void_p) -> None:
        if not handle:
            return
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def _invoke(self, fn: Callable[[ctypes.c_void_p], _T]) -> _T:
        handle = self._enter_call()
        try:
            return fn(handle)
        finally:
            self._leave_call(handle)

    def cancel(self) -> None:
        """hvsup_context_cancel: the supervise() calls in flight on this context (in other
        threads) stop waiting within about 100 ms and raise CancelledError; a cancelled `run`
        is cleaned up and recorded as failed, a cancelled stop records failed and keeps its IDs
        (docs/c-api.md, "Cancellation"). Calls that start later are not affected. Thread-safe;
        a no-op on a closed context."""
        handle = self._enter_call()
        try:
            if handle:
                status = self._lib.function("hvsup_context_cancel")(handle)
                if status < 0:
                    raise self._lib.take_error(status, ctypes.c_void_p())
        finally:
            self._leave_call(handle)

    # -- the supervisor protocol ---------------------------------------------------------------
    def supervise_json(self, request_json: Union[str, bytes]) -> str:
        """Runs one request given as JSON text; returns the response JSON text."""
        if isinstance(request_json, str):
            request_json = request_json.encode("utf-8")
        return self._invoke(lambda h: self._lib.call_for_string("hvsup_context_supervise", h, request_json))

    def supervise(self, request: Dict[str, Any]) -> Dict[str, Any]:
        """Runs one request (docs/protocol.md) and returns the response document. A response
        with "ok": false is returned, not raised: HvsupError means no document was produced."""
        response: Dict[str, Any] = json.loads(self.supervise_json(json.dumps(request)))
        return response

    def plan(self, request: Dict[str, Any]) -> Dict[str, Any]:
        """hvsup_context_plan: what a start/run request would create (document, kernel command line,
        COM1 pipe, VM access list, network, listeners), touching nothing. A request that fails
        validation raises InvalidArgumentError with the validation message."""
        text = json.dumps(request).encode("utf-8")
        plan: Dict[str, Any] = json.loads(
            self._invoke(lambda h: self._lib.call_for_string("hvsup_context_plan", h, text)))
        return plan

    # -- diagnostics ---------------------------------------------------------------------------
    def doctor(self, kernel_path: PathArg = None, guest_init_path: PathArg = None, format: str = "json") -> DoctorReport:
        """Checks the host (hvsup_context_doctor). format: "json" or "text"."""
        options = _abi.DoctorOptions()
        self._lib.hvsup_doctor_options_init(ctypes.byref(options), _abi.DOCTOR_OPTIONS_VERSION)
        options.format = {"json": _abi.DOCTOR_FORMAT_JSON, "text": _abi.DOCTOR_FORMAT_TEXT}[format]
        options.kernel_path = encode_optional(kernel_path)
        options.guest_init_path = encode_optional(guest_init_path)
        ok = ctypes.c_int32(-1)
        text = self._invoke(lambda h: self._lib.call_for_string(
            "hvsup_context_doctor", ctypes.byref(ok), h, ctypes.byref(options)))
        return DoctorReport(ok=ok.value == 1, text=text,
                            report=json.loads(text) if format == "json" else None)
