"""Owned opaque library objects (T* freed by a matching *_free/_close function)."""
import ctypes
import threading


class OwnedHandle:
    """Holds one library object and frees it exactly once (close(), `with`, or collection).
    Calls after close() pass NULL, so the library reports HVSUP_E_INVALID_ARGUMENT."""

    _free_function = ""  # e.g. "hvsup_hcs_free"

    def __init__(self, lib):
        self._lib = lib
        self._handle = ctypes.c_void_p()
        self._close_lock = threading.Lock()

    @property
    def handle(self):
        return self._handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def close(self):
        with self._close_lock:
            handle, self._handle = self._handle, ctypes.c_void_p()
        if handle:
            self._lib.function(self._free_function)(handle)

    @property
    def closed(self):
        return not self._handle
