# SPDX-License-Identifier: MIT
"""The package version. There is one project version: meson.build's project(version : ...).
An installed package reports the version it was built with (its distribution metadata, which
setup.py took from that same source); a checkout reads meson.build directly."""
import pathlib
import re
from typing import Optional

_PROJECT_VERSION = re.compile(r"project\(\s*'hvsup'.*?\bversion\s*:\s*(?:'([^']+)'|files\(\s*'([^']+)'\s*\))", re.S)


def project_version(root: pathlib.Path) -> Optional[str]:
    """The version declared by the meson.build in `root` (a literal, or files('VERSION')),
    None when there is no such file or no version in it."""
    try:
        match = _PROJECT_VERSION.search((root / "meson.build").read_text(encoding="utf-8"))
        if match is None:
            return None
        if match.group(1):
            return match.group(1)
        return (root / match.group(2)).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _installed_version() -> Optional[str]:
    """The metadata version of the distribution that installed THIS file (not some other
    hvsup on the path)."""
    try:
        from importlib import metadata
        dist = metadata.distribution("hvsup")
    except Exception:  # noqa: BLE001 - PackageNotFoundError, or no importlib.metadata
        return None
    here = pathlib.Path(__file__).resolve()
    for file in dist.files or ():
        if file.name == "_version.py" and pathlib.Path(str(dist.locate_file(file))).resolve() == here:
            return dist.version
    return None


def _version() -> str:
    return (_installed_version() or project_version(pathlib.Path(__file__).resolve().parents[4])
            or "0+unknown")


__version__ = _version()
