# SPDX-License-Identifier: MIT
"""Helpers for the image tests: build with vhdbuild, judge with e2fsck, debugfs, qemu-img and
(as root) a loop mount. No tests here."""
import hashlib
import json
import os
import pathlib
import shutil
import stat
import subprocess
import tempfile
import time

import pytest

from conftest import tool


def vhdbuild(*args, check=True, input=None, env=None):
    argv = [str(tool("vhdbuild")), *[str(a) for a in args]]
    proc = subprocess.run(argv, capture_output=True, input=input, timeout=600, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"vhdbuild {args} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return proc


def build(*args, **kw):
    """Runs vhdbuild with --json and returns the summary."""
    proc = vhdbuild(*args, "--json", **kw)
    return json.loads(proc.stdout)


def fsck_clean(image):
    proc = subprocess.run(["e2fsck", "-fn", str(image)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"e2fsck -fn {image} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def qemu_virtual_size(image):
    proc = subprocess.run(["qemu-img", "info", "-f", "vpc", "--output=json", str(image)],
                          capture_output=True, text=True, check=True, timeout=60)
    return json.loads(proc.stdout)["virtual-size"]


def debugfs(image, commands):
    """Runs debugfs commands (one request file) and returns their outputs, one per command."""
    with tempfile.NamedTemporaryFile("w", suffix=".cmds", delete=False) as f:
        for c in commands:
            f.write(c + "\n")
        name = f.name
    try:
        proc = subprocess.run(["debugfs", "-f", name, str(image)], capture_output=True, timeout=600)
    finally:
        os.unlink(name)
    out = proc.stdout.decode("utf-8", errors="surrogateescape")
    parts = out.split("debugfs: ")[1:]
    assert len(parts) == len(commands), f"debugfs gave {len(parts)} outputs for {len(commands)} commands: {proc.stderr!r}"
    return [p.split("\n", 1)[1] if "\n" in p else "" for p in parts]


def _time(text):
    sec_hex, extra_hex = text.split(":")
    sec = int(sec_hex, 16)
    if sec >= 1 << 31:
        sec -= 1 << 32
    extra = int(extra_hex, 16)
    return (sec + ((extra & 3) << 32)) * 1_000_000_000 + (extra >> 2)


def parse_stat(text):
    """The fields of debugfs `stat` output the tests compare."""
    info = {"xattrs": {}}
    lines = text.splitlines()
    in_xattrs = False
    for line in lines:
        s = line.strip()
        if s.startswith("Inode:") and "Type:" in s:
            parts = s.split()
            info["type"] = s.split("Type:", 1)[1].split("Mode:", 1)[0].strip()
            info["mode"] = int(parts[parts.index("Mode:") + 1], 8)
        elif s.startswith("User:"):
            parts = s.split()
            # debugfs prints 32-bit owners as signed numbers.
            info["uid"] = int(parts[1]) & 0xFFFFFFFF
            info["gid"] = int(parts[parts.index("Group:") + 1]) & 0xFFFFFFFF
            info["size"] = int(parts[parts.index("Size:") + 1])
        elif s.startswith("Links:"):
            parts = s.split()
            info["links"] = int(parts[1])
            info["blockcount"] = int(parts[parts.index("Blockcount:") + 1])
        elif s.split(":")[0] in ("ctime", "atime", "mtime", "crtime") and " -- " in s:
            key, rest = s.split(":", 1)
            info[key] = _time(rest.split("--")[0].strip())
        elif s.startswith("Fast link dest:"):
            info["fast_link"] = s.split(":", 1)[1].strip().strip('"')
        elif "Device major/minor number:" in s:
            mm = s.split(":", 1)[1].split("(")[0].strip()
            major, minor = mm.split(":")
            info["device"] = (int(major, 10), int(minor, 10))
        elif s.startswith("Extended attributes:"):
            in_xattrs = True
            continue
        elif in_xattrs and line.startswith("  ") and " (" in s and ")" in s:
            name, rest = s.split(" (", 1)
            length = int(rest.split(")", 1)[0])
            value = rest.split(") = ", 1)[1] if ") = " in rest else ""
            info["xattrs"][name] = (length, value.strip().strip('"'))
        else:
            in_xattrs = False
    return info


TYPES = {stat.S_IFREG: "regular", stat.S_IFDIR: "directory", stat.S_IFLNK: "symlink",
         stat.S_IFCHR: "character special", stat.S_IFBLK: "block special", stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket"}


def source_entries(root):
    """(relative path, lstat) for every entry below root, root excluded."""
    paths = []
    for dirpath, dirnames, filenames in os.walk(root):
        paths += [os.path.join(dirpath, n) for n in dirnames + filenames]
    # lstat after listing everything: listing a directory may move its atime (relatime).
    # Reading a symlink moves its atime too (the first read after a change; vhdbuild records
    # a symlink's atime as it stands after reading the target), so read each link first.
    for p in paths:
        if os.path.islink(p):
            os.readlink(p)
    return [(os.path.relpath(p, root), os.lstat(p)) for p in paths]


def read_xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    return {n: os.getxattr(path, n, follow_symlinks=False) for n in names}


def compare_with_debugfs(image, root, entries, skip_content=()):
    """Asserts the image holds root's tree: types, modes, owners, sizes, link counts, times
    with nanoseconds, xattrs, symlink targets, devices and file contents. `entries` is
    source_entries(root) taken before the build (reading the source moves its atimes)."""
    stats = debugfs(image, [f'stat "/{rel}"' for rel, _ in entries])
    dump_dir = pathlib.Path(tempfile.mkdtemp(prefix="hvsup-dump-"))
    try:
        regular = [(i, rel) for i, (rel, st) in enumerate(entries)
                   if stat.S_ISREG(st.st_mode) and rel not in skip_content]
        debugfs(image, [f'dump "/{rel}" "{dump_dir}/{i}"' for i, rel in regular])
        for i, ((rel, st), text) in enumerate(zip(entries, stats)):
            got = parse_stat(text)
            assert "type" in got, f"{rel}: not in the image: {text[:200]}"
            assert got["type"] == TYPES[stat.S_IFMT(st.st_mode)], rel
            assert got["mode"] == stat.S_IMODE(st.st_mode), rel
            assert (got["uid"], got["gid"]) == (st.st_uid, st.st_gid), rel
            assert got["mtime"] == st.st_mtime_ns, rel
            assert got["atime"] == st.st_atime_ns, rel
            assert got["ctime"] == st.st_ctime_ns, rel
            if not stat.S_ISDIR(st.st_mode):
                assert got["links"] == st.st_nlink, rel
            if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                assert got["size"] == st.st_size, rel
            if stat.S_ISREG(st.st_mode):
                # Holes stay holes: never more blocks than the source uses (4 KiB rounding aside).
                assert got["blockcount"] <= max(st.st_blocks, 8) + 8 * ((st.st_size + 4095) // 4096 > 0), rel
            if stat.S_ISLNK(st.st_mode):
                target = os.readlink(os.path.join(root, rel))
                if len(target.encode()) < 60:
                    assert got.get("fast_link") == target, rel
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                assert got["device"] == (os.major(st.st_rdev), os.minor(st.st_rdev)), rel
            want = read_xattrs(os.path.join(root, rel))
            assert set(got["xattrs"]) == set(want), rel
            for name, value in want.items():
                assert got["xattrs"][name][0] == len(value), (rel, name)
                if value.isascii() and value.decode().isprintable() and len(value) < 40:
                    assert got["xattrs"][name][1] == value.decode(), (rel, name)
        for i, rel in regular:
            with open(os.path.join(root, rel), "rb") as a, open(dump_dir / str(i), "rb") as b:
                assert hashlib.sha256(a.read()).digest() == hashlib.sha256(b.read()).digest(), f"{rel}: content differs"
    finally:
        shutil.rmtree(dump_dir, ignore_errors=True)


def loop_mount_available():
    if os.geteuid() != 0:
        return "not root"
    if shutil.which("losetup") is None or shutil.which("mount") is None:
        return "losetup/mount missing"
    proc = subprocess.run(["losetup", "-f"], capture_output=True, text=True)
    if proc.returncode != 0:
        return f"no loop device: {proc.stderr.strip()}"
    return None


class LoopMount:
    """Mounts a fixed VHD's filesystem (the raw part) through a loop device."""

    def __init__(self, image, mountpoint, readonly=False):
        self.image, self.mountpoint, self.readonly = image, mountpoint, readonly

    def __enter__(self):
        os.makedirs(self.mountpoint, exist_ok=True)
        opts = "loop,ro,noatime" if self.readonly else "loop,rw"
        proc = subprocess.run(["mount", "-t", "ext4", "-o", opts, str(self.image), str(self.mountpoint)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"loop mount failed here: {proc.stderr.strip()}")
        return pathlib.Path(self.mountpoint)

    def __exit__(self, *exc):
        subprocess.run(["umount", str(self.mountpoint)], check=True)
        # The kernel detaches the autoclear loop device a moment after the unmount. Until then
        # mount(8) reuses it for the same file, read-only flag and all: a read-write mount that
        # follows at once (seen under parallel load) would come up read-only.
        deadline = time.monotonic() + 10
        while subprocess.run(["losetup", "-j", str(self.image)], capture_output=True, text=True).stdout.strip():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.image} is still on a loop device 10 s after the unmount")
            time.sleep(0.05)
