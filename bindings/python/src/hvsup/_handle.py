# SPDX-License-Identifier: MIT
"""Owned opaque library objects (T* freed by a matching *_free/_close function)."""
import ctypes
import threading
from typing import Any, TypeVar


_Self = TypeVar("_Self", bound="OwnedHandle")


class OwnedHandle:
    """Holds one library object and frees it exactly once (close(), `with`, or collection).
    Calls after close() pass NULL, so the library reports HVSUP_E_INVALID_ARGUMENT."""

    _free_function = ""  # e.g. "hvsup_hcs_free"

    def __init__(self, lib: Any) -> None:  # a hvsup.Library (not imported: no cycle)
        self._lib = lib
        self._handle = ctypes.c_void_p()
        self._close_lock = threading.Lock()

    @property
    def handle(self) -> ctypes.c_void_p:
        return self._handle

    def __enter__(self: "_Self") -> "_Self":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def close(self) -> None:
        with self._close_lock:
            handle, self._handle = self._handle, ctypes.c_void_p()
        if handle:
            self._lib.function(self._free_function)(handle)

    @property
    def closed(self) -> bool:
        return not self._handle
