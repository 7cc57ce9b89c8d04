# SPDX-License-Identifier: MIT
"""A real Debian rootfs (debootstrap --variant=minbase, cached under the build dir by
scripts/test.d/image_rootfs.sh) through vhdbuild from a directory and from a tar."""
import os
import stat
import subprocess

import pytest

from conftest import BUILD
from test_image_support import (LoopMount, build, compare_with_debugfs, fsck_clean, loop_mount_available,
                                qemu_virtual_size, read_xattrs, source_entries)

MINBASE = BUILD / "bench-cache" / "minbase"


@pytest.fixture(scope="module")
def minbase():
    if not MINBASE.is_dir():
        pytest.skip(f"no debootstrap minbase tree at {MINBASE}; scripts/test.d/image_rootfs.sh builds it")
    return MINBASE


def test_minbase_from_directory(minbase, tmp_path):
    before = source_entries(minbase)
    out = tmp_path / "rootfs.vhd"
    summary = build("--from-dir", minbase, "-o", out, "--size", "1G", "--label", "rootfs")
    fsck_clean(out)
    assert qemu_virtual_size(out) == 1 << 30
    assert summary["files"] > 1000
    compare_with_debugfs(out, minbase, before)


def test_minbase_from_tar_mounts_read_write(minbase, tmp_path):
    tar = tmp_path / "rootfs.tar"
    subprocess.run(["tar", "--numeric-owner", "--xattrs", "-C", str(minbase), "-cf", str(tar), "."], check=True)
    before = source_entries(minbase)
    out = tmp_path / "rootfs.vhd"
    build("--from-tar", tar, "-o", out, "--metadata-csum", "--free", "64M")
    fsck_clean(out)
    reason = loop_mount_available()
    if reason:
        pytest.skip(f"kernel mount part needs root and loop devices: {reason}")
    with LoopMount(out, tmp_path / "mnt", readonly=True) as m:
        for rel, st in before:
            got = os.lstat(m / rel)
            # tar keeps whole-second atime/ctime unless pax carries them; mode, owner, mtime
            # (to the second in ustar, exactly with pax), links, devices, content must match.
            assert got.st_mode == st.st_mode, rel
            assert (got.st_uid, got.st_gid) == (st.st_uid, st.st_gid), rel
            assert int(got.st_mtime) == int(st.st_mtime), rel
            assert got.st_rdev == st.st_rdev, rel
            if not stat.S_ISDIR(st.st_mode):
                assert got.st_nlink == st.st_nlink, rel
            if stat.S_ISLNK(st.st_mode):
                assert os.readlink(m / rel) == os.readlink(minbase / rel), rel
            if stat.S_ISREG(st.st_mode):
                assert got.st_size == st.st_size, rel
            assert read_xattrs(m / rel) == read_xattrs(minbase / rel), rel
    with LoopMount(out, tmp_path / "mnt") as m:
        with open(m / "root" / "written", "wb") as f:
            f.write(os.urandom(10 << 20))
    fsck_clean(out)
