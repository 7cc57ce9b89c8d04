# SPDX-License-Identifier: MIT
"""vhdbuild's memory does not grow with the number of entries: the tree's metadata spills to an
unlinked temporary file beside the output (libhvsup/image/spill_arena.hpp). Judged by GNU
time's account of the tool's peak resident set and by e2fsck."""
import json
import os
import subprocess

import pytest

from conftest import tool
from many_entries import many_entries_tar
from test_image_support import fsck_clean

# Under pytest-xdist these tests share one worker, so the 400 000-entry tar is made once.
pytestmark = pytest.mark.xdist_group("many_entries_tar")

PEAK_LIMIT_KIB = 64 * 1024  # the bound
SANITIZED = os.environ.get("HVSUP_SANITIZED") == "1"  # shadow memory and quarantine inflate RSS


def _peak_kib(argv):
    """Runs argv under GNU time; returns (exit status, the tool's peak resident set in KiB).

    Not wait4 on a child of this process: a child forked (or vforked) from pytest carries
    pytest's own peak into its ru_maxrss when it execs (the kernel records the old address
    space's high-water mark), which is how a first version of this test measured 79 MiB for a
    build that peaks at 41. GNU time forks the tool from a small process."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *[str(a) for a in argv]], capture_output=True, text=True,
                          timeout=600)
    return proc.returncode, int(proc.stderr.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def many_tar(tmp_path_factory):
    # 400 000 entries: the in-memory tree of earlier builds needed ~95 MiB for this.
    path = tmp_path_factory.mktemp("many") / "many.tar"
    with open(path, "wb") as out:
        many_entries_tar(400_000, out)
    return path


def test_peak_memory_stays_under_64_mib_for_400k_entries(many_tar, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    image = out_dir / "many.vhd"
    status, peak = _peak_kib([tool("vhdbuild"), "--from-tar", many_tar, "-o", image, "--quiet"])
    assert status == 0
    if not SANITIZED:
        assert peak < PEAK_LIMIT_KIB, f"peak RSS {peak} KiB for 400 000 entries"
    # Nothing but the image is left beside it (the spill file has no name).
    assert sorted(os.listdir(out_dir)) == ["many.vhd"]
    fsck_clean(image)
    proc = subprocess.run([str(tool("vhdbuild")), "inspect", "--json", str(image)], capture_output=True, check=True)
    sb = json.loads(proc.stdout)["superblock"]
    # 400 000 files + 400 directories + root + lost+found + the reserved inodes (1..10).
    assert sb["inodes"] - sb["freeInodes"] == 400_000 + 400 + 2 + 9


def test_a_failed_many_entry_build_leaves_nothing(many_tar, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.run([str(tool("vhdbuild")), "--from-tar", str(many_tar), "-o", str(out_dir / "x.vhd"),
                           "--size", "16M"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert "give a larger --size" in proc.stderr
    assert os.listdir(out_dir) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs (root only)")
def test_no_room_for_the_spill_file_is_a_clear_error(tmp_path):
    # The spill file's space is reserved with fallocate as it grows (64 MiB at a time), so a
    # full filesystem is an error naming the directory, not a SIGBUS on a write through the
    # mapping. A 4 MiB tmpfs cannot hold the first 64 MiB.
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(small)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        tar = tmp_path / "one.tar"
        with open(tar, "wb") as out:
            many_entries_tar(10, out)
        proc = subprocess.run([str(tool("vhdbuild")), "--from-tar", str(tar), "-o", str(small / "x.vhd")],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, proc.stderr
        assert "grow the metadata spill file in" in proc.stderr and str(small) in proc.stderr, proc.stderr
        assert "No space left on device" in proc.stderr or "no space" in proc.stderr.lower(), proc.stderr
        assert os.listdir(small) == []
    finally:
        subprocess.run(["umount", str(small)], check=True)
