# SPDX-License-Identifier: MIT
"""Python bindings (ctypes) for libhvsup's C ABI (include/hvsup/hvsup.h).

    import hvsup
    with hvsup.Context(state_dir="/tmp/state") as ctx:
        response = ctx.supervise({"command": "host"})

The library is found through HVSUP_LIBRARY (a file), the copy inside an installed wheel,
HVSUP_BUILD_DIR (a meson build dir), the repository's build/ directory, or the system's library
path. See docs/bindings.md.
"""
from . import hcn, hcs, hvsock, image
from ._native import Library, library
from ._version import __version__
from .context import Context, DoctorReport
from .errors import (CancelledError, ConflictError, HostError, HvsupError, IntegrityError, InvalidArgumentError, IOFailure,
                     LogLevel, NoMemoryError, NotFoundError, Status, TooLargeError, UnsupportedError)

ABI_VERSION = 1


def abi_version() -> int:
    """hvsup_abi_version(): the ABI version of the loaded library."""
    return int(library().hvsup_abi_version())


def version() -> str:
    """hvsup_version_string(): the loaded library's release version, e.g. "0.1.0" (the package's
    own is __version__; a wheel bundles the library of the same version)."""
    return str(library().hvsup_version_string().decode("utf-8"))


__all__ = [
    "ABI_VERSION", "CancelledError", "hcn", "hcs", "hvsock", "image", "Context", "ConflictError", "DoctorReport", "HostError", "HvsupError", "IntegrityError",
    "InvalidArgumentError", "IOFailure", "Library", "LogLevel", "NoMemoryError", "NotFoundError", "Status",
    "TooLargeError", "UnsupportedError", "__version__", "abi_version", "library", "version",
]
