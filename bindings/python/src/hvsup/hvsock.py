# SPDX-License-Identifier: MIT
"""hvsup/hvsock.h: Hyper-V socket primitives (service ids of vsock ports, host listener sets)."""
import ctypes
import json
import os
from enum import IntEnum
from typing import Any, Dict, Optional, Union

from . import _abi
from ._handle import LogForwarder, LogFunction, OwnedHandle
from ._native import Library, encode_optional, library


def service_id(port: int, lib: Optional[Library] = None) -> str:
    """The Hyper-V service id of vsock port `port` ("%08x-facb-11e6-bd58-64006a7986d3")."""
    return (lib or library()).call_for_string("hvsup_hvsock_port_to_service_id", port)


def service_port(service_id: str, lib: Optional[Library] = None) -> int:
    """The vsock port a service id stands for; InvalidArgumentError for other GUIDs."""
    port = ctypes.c_uint32()
    (lib or library()).call("hvsup_hvsock_service_id_to_port", ctypes.byref(port), encode_optional(service_id))
    return int(port.value)


class ResultState(IntEnum):
    """Mirrors hvsup_hvsock_result_state."""

    NO_LISTENER = 0
    RECEIVED = 1
    PENDING = 2
    STOPPED = 3


class Listeners(OwnedHandle, LogForwarder):
    """A running set of host listeners for VM `vm_id` (hvsup_hvsock_listeners_create); `spec`
    as documented in hvsock.h (portForwards, vsockListeners, resultPath, serialPipe,
    serialLogPath). log(level, message) runs on the listeners' I/O thread, never after stop()."""

    _free_function = "hvsup_hvsock_listeners_free"

    def __init__(self, vm_id: str, spec: Dict[str, Any], emulation_dir: Union[str, "os.PathLike[str]", None] = None,
                 log: Optional[LogFunction] = None, lib: Optional[Library] = None) -> None:
        super().__init__(lib or library())
        self._trampoline = self._forward_logs(log)
        options = _abi.HvsockListenersOptions()
        self._lib.function("hvsup_hvsock_listeners_options_init")(ctypes.byref(options), _abi.HVSOCK_LISTENERS_OPTIONS_VERSION)
        options.emulation_dir = encode_optional(emulation_dir)
        if self._trampoline is not None:
            options.log_callback = self._trampoline
        self._lib.call("hvsup_hvsock_listeners_create", ctypes.byref(self._handle), encode_optional(vm_id),
                       json.dumps(spec).encode("utf-8"), ctypes.byref(options))

    def wait_result(self, timeout_ms: int = 0) -> ResultState:
        """Waits up to timeout_ms (0 polls) for the result sink. TooLargeError / IOFailure when
        the delivery failed."""
        state = ctypes.c_uint32()
        self._lib.call("hvsup_hvsock_listeners_await_result", ctypes.byref(state), self._handle, timeout_ms)
        return ResultState(state.value)

    def stop(self) -> None:
        """Stops every listener; idempotent. The set stays allocated until close()."""
        self._lib.call("hvsup_hvsock_listeners_stop", self._handle)
