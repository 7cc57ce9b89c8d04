# SPDX-License-Identifier: MIT
"""Status codes and the exception raised when a C call fails (a failure hvsup_status)."""
from enum import IntEnum
from typing import Dict, Optional, Type, Union


class Status(IntEnum):
    """Mirrors hvsup_status. New codes may be added by newer libraries: unknown values still
    convert (as UNKNOWN_<n> pseudo-members), so an error never gets lost in translation."""

    OK = 0
    ERROR = -1
    INVALID_ARGUMENT = -2
    UNSUPPORTED = -3
    NOT_FOUND = -4
    CONFLICT = -5
    IO = -6
    HOST = -7
    INTEGRITY = -8
    TOO_LARGE = -9
    NO_MEMORY = -10
    CANCELLED = -11

    @classmethod
    def _missing_(cls, value: object) -> Optional["Status"]:
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{abs(value)}"
        member._value_ = value
        return member


class LogLevel(IntEnum):
    """Mirrors hvsup_log_level."""

    DEBUG = 0
    INFO = 1
    WARNING = 2
    ERROR = 3


class HvsupError(Exception):
    """A failed libhvsup call: the contents of its hvsup_error object.

    Attributes: code (Status), message, operation ("" when none applies), hresult (HCS/HCN
    HRESULT or 0), system_code (errno / GetLastError() or 0). Raised as the subclass that
    matches the code (NotFoundError, ...), so callers may catch either.
    """

    def __init__(self, code: Union[int, Status], message: str = "", operation: str = "", hresult: int = 0,
                 system_code: int = 0) -> None:
        self.code = Status(code)
        self.message = message
        self.operation = operation
        self.hresult = hresult
        self.system_code = system_code
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.code.name}: {self.message}" if self.message else self.code.name
        if self.operation:
            text += f" (operation {self.operation})"
        if self.hresult:
            text += f" (HRESULT 0x{self.hresult & 0xFFFFFFFF:08X})"
        if self.system_code:
            text += f" (system error {self.system_code})"
        return text

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
                f"operation={self.operation!r}, hresult={self.hresult}, system_code={self.system_code})")

    @staticmethod
    def of(code: Union[int, Status], message: str = "", operation: str = "", hresult: int = 0,
           system_code: int = 0) -> "HvsupError":
        """The exception (subclass) for `code`."""
        cls = _BY_CODE.get(int(code), HvsupError)
        return cls(code, message, operation, hresult, system_code)


class InvalidArgumentError(HvsupError):
    pass


class UnsupportedError(HvsupError):
    pass


class NotFoundError(HvsupError):
    pass


class ConflictError(HvsupError):
    pass


class IOFailure(HvsupError):
    pass


class HostError(HvsupError):
    pass


class IntegrityError(HvsupError):
    pass


class TooLargeError(HvsupError):
    pass


class NoMemoryError(HvsupError):
    pass


class CancelledError(HvsupError):
    """Context.cancel() interrupted the call (HVSUP_E_CANCELLED); the message is the failure
    recorded in the state file."""


_BY_CODE: Dict[int, Type[HvsupError]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.UNSUPPORTED: UnsupportedError,
    Status.NOT_FOUND: NotFoundError,
    Status.CONFLICT: ConflictError,
    Status.IO: IOFailure,
    Status.HOST: HostError,
    Status.INTEGRITY: IntegrityError,
    Status.TOO_LARGE: TooLargeError,
    Status.NO_MEMORY: NoMemoryError,
    Status.CANCELLED: CancelledError,
}
