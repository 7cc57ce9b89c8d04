# SPDX-License-Identifier: MIT
"""Loading libhvsup, binding SIGNATURES, and the two paths every call goes through:
call() (status + error object -> HvsupError) and call_for_string() (library strings are always
freed with hvsup_string_free, whatever happens)."""
import ctypes
import ctypes.util
import os
import pathlib
import sys
import threading
from typing import TYPE_CHECKING, Any, List, Optional, Set, Union

from . import _abi
from .errors import HvsupError, Status

# The repository root when running from a checkout (bindings/python/src/hvsup/_native.py).
_REPO_ROOT = pathlib.Path(__file__).resolve().parents[4]
# Where a wheel built by scripts/build-python-wheel carries the shared library.
BUNDLED_DIR = pathlib.Path(__file__).resolve().parent / "_lib"


def _candidates() -> List[pathlib.Path]:
    """Where the library is looked for, first match wins: HVSUP_LIBRARY (a file), the copy
    bundled in the installed package, HVSUP_BUILD_DIR, a checkout's build/, the system."""
    explicit = os.environ.get("HVSUP_LIBRARY")
    if explicit:
        return [pathlib.Path(explicit)]
    if sys.platform == "win32":
        names = ["hvsup-0.dll", "libhvsup-0.dll", "hvsup.dll", "libhvsup.dll"]
    elif sys.platform == "darwin":
        names = ["libhvsup.dylib"]
    else:
        names = ["libhvsup.so.0", "libhvsup.so"]
    dirs = [BUNDLED_DIR]
    if os.environ.get("HVSUP_BUILD_DIR"):
        dirs.append(pathlib.Path(os.environ["HVSUP_BUILD_DIR"]) / "libhvsup")
    dirs.append(_REPO_ROOT / "build" / "libhvsup")
    found = [d / n for d in dirs for n in names]
    system = ctypes.util.find_library("hvsup")
    if system:
        found.append(pathlib.Path(system))
    return found


class Library:
    """A loaded libhvsup with every SIGNATURES entry bound as an attribute."""

    if TYPE_CHECKING:
        # The exports are bound by name in __init__ (one per _abi.SIGNATURES entry).
        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, path: Union[str, "os.PathLike[str]", None] = None) -> None:
        if path is None:
            tried = _candidates()
            path = next((p for p in tried if p.exists() or not p.is_absolute()), None)
            if path is None:
                raise OSError("libhvsup not found; set HVSUP_LIBRARY or HVSUP_BUILD_DIR (tried: "
                              + ", ".join(str(p) for p in tried) + ")")
        self.path = str(path)
        self._dll = ctypes.CDLL(self.path)
        self.missing: Set[str] = set()
        for name, (restype, argtypes) in _abi.SIGNATURES.items():
            try:
                fn = getattr(self._dll, name)
            except AttributeError:
                if name not in _abi.OPTIONAL:
                    raise OSError(f"{self.path} does not export {name}") from None
                self.missing.add(name)
                continue
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)
        abi = self.hvsup_abi_version()
        if abi != _abi.ABI_VERSION:
            raise OSError(f"{self.path} has ABI version {abi}; these bindings need {_abi.ABI_VERSION}")

    def function(self, name: str) -> Any:
        """The bound export `name`; HvsupError(UNSUPPORTED) when this library lacks it."""
        if name in self.missing:
            raise HvsupError.of(Status.UNSUPPORTED, f"{self.path} does not export {name}", name)
        return getattr(self, name)

    # -- the error-mapping path -------------------------------------------------------------
    def take_error(self, status: int, error: ctypes.c_void_p) -> HvsupError:
        """Builds the HvsupError for a failure `status` from the error object `error` (a
        c_void_p, may be NULL) and frees the object."""
        try:
            if not error:
                return HvsupError.of(status, f"libhvsup call failed with {Status(status).name}")
            return HvsupError.of(
                self.hvsup_error_code(error),
                _text(self.hvsup_error_message(error)),
                _text(self.hvsup_error_operation(error)),
                self.hvsup_error_hresult(error),
                self.hvsup_error_system_code(error),
            )
        finally:
            self.hvsup_error_free(error)

    def call(self, name: str, *args: Any) -> int:
        """Calls `name(*args, &error)`; raises HvsupError on a failure status. Returns the
        status (HVSUP_OK or a non-negative informational value)."""
        error = ctypes.c_void_p()
        status: int = self.function(name)(*args, ctypes.byref(error))
        if status < 0:
            raise self.take_error(status, error)
        if error:  # not expected on success, but never leak it
            self.hvsup_error_free(error)
        return status

    # -- the string-ownership path ------------------------------------------------------------
    def take_string(self, pointer: ctypes.c_void_p) -> Optional[str]:
        """Decodes a library string (c_void_p, may be NULL -> None) and frees it."""
        try:
            return ctypes.string_at(pointer).decode("utf-8") if pointer else None
        finally:
            self.hvsup_string_free(pointer)

    def call_for_string(self, name: str, *args: Any, before: Any = ()) -> str:
        """Calls `name(*before, &out, *args, &error)` and returns `out` as str, freed in all
        cases (also when the call fails or decoding raises). The string is the first
        out-parameter (the headers' order); `before` holds any out-parameter ahead of it
        (hvsup_hcs_system_await_exit's `exited`)."""
        out = ctypes.c_void_p()
        try:
            self.call(name, *before, ctypes.byref(out), *args)
        except BaseException:
            self.hvsup_string_free(out)
            raise
        return self.take_string(out) or ""


def _text(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def encode_optional(value: Any) -> Optional[bytes]:
    """str/PathLike/None -> bytes/None for `const char*` fields."""
    if value is None:
        return None
    return os.fsencode(value) if isinstance(value, os.PathLike) else str(value).encode("utf-8")


_lock = threading.Lock()
_default: Optional[Library] = None


def library() -> Library:
    """The process-wide default Library (loaded on first use)."""
    global _default
    with _lock:
        if _default is None:
            _default = Library()
        return _default
