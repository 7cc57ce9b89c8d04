# SPDX-License-Identifier: MIT
"""Owned opaque library objects (T* freed by a matching *_free/_close function)."""
import ctypes
import threading
from typing import Any, Callable, List, Optional, TypeVar

from . import _abi
from .errors import LogLevel

LogFunction = Callable[[LogLevel, str], None]

_Self = TypeVar("_Self", bound="Closeable")


class Closeable:
    """`with` and garbage collection both end in close(), which the subclass defines."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: "_Self") -> "_Self":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class LogForwarder:
    """Hands the library a C log callback that calls a Python function. What the function
    raises is collected in `log_errors`: an exception cannot cross the C ABI."""

    def _forward_logs(self, log: Optional[LogFunction]) -> Any:
        """Returns the callback to put in an options struct (None without `log`). The caller
        keeps it alive as long as the library may call it."""
        self.log_errors: List[BaseException] = []
        self._log = log
        return _abi.LOG_CALLBACK(self._on_log) if log is not None else None

    def _on_log(self, level: int, message: Optional[bytes], _user: Any) -> None:
        try:
            assert self._log is not None
            self._log(LogLevel(level), message.decode("utf-8", "replace") if message else "")
        except BaseException as e:  # noqa: BLE001 - nothing may propagate into C
            self.log_errors.append(e)


class OwnedHandle(Closeable):
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

    def close(self) -> None:
        with self._close_lock:
            handle, self._handle = self._handle, ctypes.c_void_p()
        if handle:
            self._lib.function(self._free_function)(handle)

    @property
    def closed(self) -> bool:
        return not self._handle
