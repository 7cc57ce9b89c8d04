# SPDX-License-Identifier: MIT
"""setuptools glue that pyproject.toml cannot express: the version (the project's one version,
from meson.build, or HVSUP_VERSION when scripts/build-python-wheel builds from a staged copy),
and a platform wheel (py3-none-<platform>) when the shared library is bundled in src/hvsup/_lib."""
import os
import pathlib
import sys

from setuptools import Distribution, setup

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "src" / "hvsup"))
from _version import project_version  # noqa: E402 - the package's own parser, not the package

version = os.environ.get("HVSUP_VERSION") or project_version(HERE.parents[1])
if not version:
    sys.exit("setup.py: no version: set HVSUP_VERSION or build from a checkout (meson.build)")
bundled = any((HERE / "src" / "hvsup" / "_lib").glob("*hvsup*"))
commands = {}


class NativeDistribution(Distribution):
    """With the library bundled the package is platform-specific: installed to platlib, and
    the wheel is not "pure"."""

    def has_ext_modules(self):
        return bundled or super().has_ext_modules()


try:
    from wheel.bdist_wheel import bdist_wheel

    class PlatformWheel(bdist_wheel):
        """The bundled library is native code, but the Python side is ctypes only: any
        Python 3, no ABI tag, this platform."""

        def get_tag(self):
            python, abi, platform = super().get_tag()
            return ("py3", "none", platform) if bundled else (python, abi, platform)

    commands["bdist_wheel"] = PlatformWheel
except ImportError:  # no wheel package: sdist / legacy installs still work
    pass

setup(version=version, cmdclass=commands, distclass=NativeDistribution)
