"""hvsup/image.h: building ext4 disk images (fixed VHD or raw) and checking them."""
import ctypes
import json
from typing import Callable, Optional

from . import _abi
from ._native import encode_optional, library

Progress = Callable[[int, int], Optional[bool]]


def build(request: dict, progress: Optional[Progress] = None, lib=None) -> dict:
    """hvsup_image_build: builds the image `request` describes (fromDir / fromTar / fromOci /
    empty, output, size, ... as in image.h) and returns the summary document.

    progress(bytes_written, entries) runs on the calling thread; returning False cancels the
    build (HvsupError with Status.ERROR; nothing is left behind). If progress raises, the build
    is cancelled and that exception is raised instead."""
    lib = lib or library()
    options = _abi.ImageBuildOptions()
    lib.function("hvsup_image_build_options_init")(ctypes.byref(options), _abi.IMAGE_BUILD_OPTIONS_VERSION)
    raised = []

    def on_progress(bytes_written, entries, _user):
        try:
            return 1 if progress(bytes_written, entries) is False else 0
        except BaseException as e:  # noqa: BLE001 - cannot cross into C; re-raised below
            raised.append(e)
            return 1

    trampoline = None
    if progress is not None:
        trampoline = _abi.IMAGE_PROGRESS_CALLBACK(on_progress)  # alive for the whole call
        options.progress = trampoline
    try:
        text = lib.call_for_string("hvsup_image_build", json.dumps(request).encode("utf-8"), ctypes.byref(options))
    except Exception as failure:
        if raised:
            raise raised[0] from failure
        raise
    del trampoline
    return json.loads(text) if text else {}


def inspect(path, lib=None) -> dict:
    """hvsup_image_inspect: the footer and ext4 superblock of an image as a document."""
    return json.loads((lib or library()).call_for_string("hvsup_image_inspect", encode_optional(path)))


def verify_footer(path, lib=None) -> dict:
    """hvsup_image_footer_verify: the decoded fixed-VHD footer; IntegrityError (with the reason)
    when it is not valid."""
    return json.loads((lib or library()).call_for_string("hvsup_image_footer_verify", encode_optional(path)) or "{}")
