# SPDX-License-Identifier: MIT
"""hvsup/image.h: building ext4 disk images (fixed VHD or raw) and checking them."""
import ctypes
import json
import os
from typing import Any, Callable, Dict, List, Optional, Union

from . import _abi
from ._native import Library, encode_optional, library
from .errors import CancelledError, HvsupError, Status

Progress = Callable[[int, int], Optional[bool]]
PathArg = Union[str, "os.PathLike[str]"]


def build(request: Dict[str, Any], progress: Optional[Progress] = None, lib: Optional[Library] = None) -> Dict[str, Any]:
    """hvsup_image_create: builds the image `request` describes (fromDir / fromTar / fromOci /
    empty, output, size, ... as in image.h) and returns the summary document.

    progress(bytes_written, entries) runs on the calling thread; returning False cancels the
    build: CancelledError (Status.CANCELLED; nothing is left behind). If progress raises, the
    build is cancelled and that exception is raised instead."""
    lib = lib or library()
    options = _abi.ImageBuildOptions()
    lib.function("hvsup_image_build_options_init")(ctypes.byref(options), _abi.IMAGE_BUILD_OPTIONS_VERSION)
    raised: List[BaseException] = []
    declined: List[bool] = []  # progress returned False: the caller cancelled

    def on_progress(bytes_written: int, entries: int, _user: Any) -> int:
        try:
            assert progress is not None
            if progress(bytes_written, entries) is False:
                declined.append(True)
                return 1
            return 0
        except BaseException as e:  # noqa: BLE001 - cannot cross into C; re-raised below
            raised.append(e)
            return 1

    trampoline = None
    if progress is not None:
        trampoline = _abi.IMAGE_PROGRESS_CALLBACK(on_progress)  # alive for the whole call
        options.progress = trampoline
    try:
        text = lib.call_for_string("hvsup_image_create", json.dumps(request).encode("utf-8"), ctypes.byref(options))
    except HvsupError as failure:
        if raised:
            raise raised[0] from failure
        # The library reports a progress cancellation as HVSUP_E_ERROR (image.h); the caller
        # asked for it, so it is the cancellation type they can catch as such.
        if declined and failure.code is Status.ERROR:
            raise CancelledError(Status.CANCELLED, failure.message or "image build cancelled by the progress callback",
                                 failure.operation, failure.hresult, failure.system_code) from failure
        raise
    del trampoline
    summary: Dict[str, Any] = json.loads(text) if text else {}
    return summary


def inspect(path: PathArg, lib: Optional[Library] = None) -> Dict[str, Any]:
    """hvsup_image_describe: the footer and ext4 superblock of an image as a document."""
    document: Dict[str, Any] = json.loads((lib or library()).call_for_string("hvsup_image_describe", encode_optional(path)))
    return document


def verify_footer(path: PathArg, lib: Optional[Library] = None) -> Dict[str, Any]:
    """hvsup_image_check_footer: the decoded fixed-VHD footer; IntegrityError (with the reason)
    when it is not valid."""
    footer: Dict[str, Any] = json.loads(
        (lib or library()).call_for_string("hvsup_image_check_footer", encode_optional(path)) or "{}")
    return footer
