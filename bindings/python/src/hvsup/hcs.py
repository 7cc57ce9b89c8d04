# SPDX-License-Identifier: MIT
"""hvsup/hcs.h: the HCS primitives (load the API, build a compute-system document, drive
compute systems), for callers with their own supervisor logic."""
import ctypes
import json
import os
from typing import Any, Dict, Optional, Tuple, Union

from . import _abi
from ._handle import OwnedHandle
from ._native import Library, encode_optional, library

Document = Union[str, bytes, Dict[str, Any]]

TIMEOUT_DEFAULT = _abi.HCS_TIMEOUT_DEFAULT
TIMEOUT_INFINITE = _abi.HCS_TIMEOUT_INFINITE


def _text(document: Document) -> bytes:
    if isinstance(document, dict):
        document = json.dumps(document)
    return document.encode("utf-8") if isinstance(document, str) else document


def build_document(request: Document, endpoint_id: Optional[str] = None, boot: str = "kernel-direct",
                   schema: Tuple[int, int] = (0, 0), lib: Optional[Library] = None) -> Dict[str, Any]:
    """hvsup_hcs_build_document: the compute-system document for a supervisor request. Pure.
    boot: "kernel-direct" or "uefi-vmbfs"; schema: the host's highest (major, minor), (0, 0) = uncapped."""
    lib = lib or library()
    options = _abi.HcsDocumentOptions()
    lib.function("hvsup_hcs_document_options_init")(ctypes.byref(options), _abi.HCS_DOCUMENT_OPTIONS_VERSION)
    options.endpoint_id = encode_optional(endpoint_id)
    options.boot = _abi.HCS_BOOT[boot]
    options.schema_major, options.schema_minor = schema
    document: Dict[str, Any] = json.loads(lib.call_for_string("hvsup_hcs_build_document", _text(request),
                                                                ctypes.byref(options)))
    return document


class Hcs(OwnedHandle):
    """A loaded HCS API (hvsup_hcs_open). library_path: an explicit provider (e.g. the
    simulator); api: "auto", "computecore" or "vmcompute". May be used from several threads."""

    _free_function = "hvsup_hcs_free"

    def __init__(self, library_path: Union[str, "os.PathLike[str]", None] = None, api: str = "auto",
                 lib: Optional[Library] = None) -> None:
        super().__init__(lib or library())
        options = _abi.HcsOptions()
        self._lib.function("hvsup_hcs_options_init")(ctypes.byref(options), _abi.HCS_OPTIONS_VERSION)
        options.library_path = encode_optional(library_path)
        options.api = _abi.HCS_API[api]
        self._lib.call("hvsup_hcs_open", ctypes.byref(self._handle), ctypes.byref(options))

    @property
    def dll(self) -> str:
        """"computecore.dll" or "vmcompute.dll"."""
        name: bytes = self._lib.function("hvsup_hcs_dll")(self._handle)
        return name.decode("utf-8")

    def probe_access(self) -> None:
        """Raises HvsupError unless the current user may use HCS."""
        self._lib.call("hvsup_hcs_probe_access", self._handle)

    def schema_version(self) -> Tuple[int, int]:
        major, minor = ctypes.c_uint32(), ctypes.c_uint32()
        self._lib.call("hvsup_hcs_query_schema_version", ctypes.byref(major), ctypes.byref(minor), self._handle)
        return major.value, minor.value

    def grant_vm_access(self, vm_id: str, path: Union[str, "os.PathLike[str]"]) -> None:
        self._lib.call("hvsup_hcs_grant_vm_access", self._handle, encode_optional(vm_id), encode_optional(path))

    def create_system(self, system_id: str, document: Document, timeout_ms: int = TIMEOUT_DEFAULT) -> "HcsSystem":
        """HcsCreateComputeSystem; ConflictError when the id exists."""
        system = HcsSystem(self._lib)
        self._lib.call("hvsup_hcs_create_system", ctypes.byref(system._handle), self._handle,
                       encode_optional(system_id), _text(document), timeout_ms)
        return system

    def open_system(self, system_id: str) -> "HcsSystem":
        """HcsOpenComputeSystem; NotFoundError when no such system exists."""
        system = HcsSystem(self._lib)
        self._lib.call("hvsup_hcs_open_system", ctypes.byref(system._handle), self._handle, encode_optional(system_id))
        return system


class HcsSystem(OwnedHandle):
    """An open compute system; close() keeps the system itself. One thread at a time, except
    that wait() may block while another thread calls shutdown() or terminate()."""

    _free_function = "hvsup_hcs_system_close"

    def start(self, timeout_ms: int = TIMEOUT_DEFAULT) -> None:
        self._lib.call("hvsup_hcs_system_start", self._handle, timeout_ms)

    def shutdown(self, timeout_ms: int = TIMEOUT_DEFAULT) -> None:
        self._lib.call("hvsup_hcs_system_shutdown", self._handle, timeout_ms)

    def terminate(self, timeout_ms: int = TIMEOUT_DEFAULT) -> None:
        self._lib.call("hvsup_hcs_system_terminate", self._handle, timeout_ms)

    def wait(self, timeout_ms: int = TIMEOUT_INFINITE) -> Optional[Dict[str, Any]]:
        """The exit document ({"Status": ..., "ExitType": ...}) once the system exited, or None
        when the timeout passed first. timeout_ms 0 (the default) and TIMEOUT_INFINITE wait
        without limit."""
        exited = ctypes.c_int32(0)
        text = self._lib.call_for_string("hvsup_hcs_system_await_exit", self._handle, timeout_ms,
                                         before=(ctypes.byref(exited),))
        if not exited.value:
            return None
        exit_document: Dict[str, Any] = json.loads(text) if text else {}
        return exit_document

    def properties(self) -> Dict[str, Any]:
        text = self._lib.call_for_string("hvsup_hcs_system_query_properties", self._handle)
        properties: Dict[str, Any] = json.loads(text)
        return properties
