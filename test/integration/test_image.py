# SPDX-License-Identifier: MIT
"""vhdbuild and the ext4 writer, judged by e2fsck -fn, debugfs, qemu-img and a loop mount."""
import hashlib
import io
import os
import pathlib
import resource
import stat
import subprocess
import tarfile

import pytest

from test_image_support import (LoopMount, build, compare_with_debugfs, debugfs, fsck_clean, loop_mount_available,
                                parse_stat, qemu_virtual_size, read_xattrs, source_entries, vhdbuild)
from conftest import tool

UUID = "2f0a2c5e-7b41-4d3e-9a53-0c1d2e3f4a5b"


def make_tree(root: pathlib.Path):
    """A directory holding every file kind the builder preserves."""
    root.mkdir()
    (root / "etc").mkdir()
    (root / "etc" / "hostname").write_text("guest\n")
    (root / "empty").write_bytes(b"")
    (root / "big").write_bytes(os.urandom(3 * 1024 * 1024 + 123))
    (root / "suid").write_bytes(b"#!/bin/sh\n")
    os.chmod(root / "suid", 0o4755)
    (root / "sgid").mkdir()
    os.chmod(root / "sgid", 0o2775)
    (root / "tmp").mkdir()
    os.chmod(root / "tmp", 0o1777)
    (root / "owned").write_text("owned by high ids\n")
    os.chown(root / "owned", 100000, 200000) if os.geteuid() == 0 else None
    (root / "a").mkdir()
    (root / "a" / "f").write_text("hello\n")
    os.link(root / "a" / "f", root / "a" / "hardlink")
    os.link(root / "a" / "f", root / "hardlink2")
    os.symlink("f", root / "a" / "fast")
    os.symlink("x" * 200, root / "slow")
    os.symlink("/" + "d" * 59, root / "edge60")  # exactly 60 bytes: a slow symlink
    os.mkfifo(root / "fifo")
    if os.geteuid() == 0:
        os.mknod(root / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(root / "sda", 0o660 | stat.S_IFBLK, os.makedev(8, 0))
        os.mknod(root / "bigdev", 0o600 | stat.S_IFCHR, os.makedev(300, 70000))
    with open(root / "sparse", "wb") as f:
        f.truncate(64 * 1024 * 1024)
        f.seek(40 * 1024 * 1024)
        f.write(b"data in the middle")
    (root / ("n" * 255)).write_text("long name\n")
    deep = root / "deep"
    for i in range(60):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "leaf").write_text("deep\n")
    os.setxattr(root / "a" / "f", "user.comment", b"hello xattr")
    os.setxattr(root / "etc", "user.small", b"1")
    os.setxattr(root / "big", "user.one", b"v" * 70)
    os.setxattr(root / "big", "user.two", b"w" * 900)  # does not fit the inode: attribute block
    os.setxattr(root, "user.root", b"on the root")
    os.setxattr(root / "empty", "user.empty", b"on an empty file")
    if os.geteuid() == 0:
        os.setxattr(root / "suid", "security.capability",
                    bytes.fromhex("0000000200200000000000000000000000000000"))
        os.setxattr(root / "sgid", "trusted.overlay.opaque", b"y")
        # Kinds a directory walk looks up without opening (user.* is refused on them).
        for rel in ("a/fast", "slow", "fifo"):
            os.setxattr(root / rel, "trusted.kind", rel.encode(), follow_symlinks=False)
    # Distinct times with nanoseconds on everything (ctime stays what the kernel set).
    for i, (rel, _) in enumerate(sorted(source_entries(root), key=lambda e: -e[0].count("/"))):
        os.utime(root / rel, ns=(1_600_000_000_123_456_789 + i * 1_000_000_007, 1_500_000_000_987_654_321 + i),
                 follow_symlinks=False)
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_tree(tmp_path_factory.mktemp("src") / "root")


@pytest.mark.parametrize("options", [[], ["--metadata-csum", "--64bit"], ["--no-journal"], ["--size", "300M", "--metadata-csum"]],
                         ids=["default", "csum-64bit", "no-journal", "fixed-size-csum"])
def test_directory_tree_is_preserved(tree, tmp_path, options):
    out = tmp_path / "disk.vhd"
    before = source_entries(tree)
    summary = build("--from-dir", tree, "-o", out, *options)
    fsck_clean(out)
    compare_with_debugfs(out, tree, before)
    assert qemu_virtual_size(out) == summary["diskBytes"]
    assert out.stat().st_size == summary["diskBytes"] + 512
    if "--size" in options:
        assert summary["diskBytes"] == 300 << 20
    assert summary["freeBlocks"] > 0 and summary["freeInodes"] > 0
    assert parse_stat(debugfs(out, ["stat /"])[0])["xattrs"].get("user.root") == (11, "on the root")
    # Root inode: lost+found present, owned by root, 0700.
    lf = parse_stat(debugfs(out, ["stat /lost+found"])[0])
    assert lf["type"] == "directory" and lf["mode"] == 0o700
    sb = subprocess.run(["dumpe2fs", "-h", str(out)], capture_output=True, text=True).stdout
    features = next(l for l in sb.splitlines() if l.startswith("Filesystem features:"))
    for f in ["ext_attr", "filetype", "extent", "flex_bg", "sparse_super", "large_file", "huge_file", "dir_nlink",
              "extra_isize"]:
        assert f in features.split(), features
    assert ("has_journal" in features) == ("--no-journal" not in options)
    assert ("metadata_csum" in features) == ("--metadata-csum" in options)
    assert ("64bit" in features) == ("--64bit" in options)
    assert "read-only" not in features
    assert "Inode size:\t          256" in sb and "Block size:               4096" in sb


def test_deterministic_output(tree, tmp_path):
    a, b, c = tmp_path / "a.vhd", tmp_path / "b.vhd", tmp_path / "c.vhd"
    build("--from-dir", tree, "-o", a, "--uuid", UUID, "--timestamp", "1700000000", "--label", "root")
    build("--from-dir", tree, "-o", b, "--uuid", UUID, "--timestamp", "1700000000", "--label", "root")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    build("--from-dir", tree, "-o", c, "--uuid", UUID, "--label", "root", env=env)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    assert digest(a) == digest(b) == digest(c)
    info = subprocess.run(["dumpe2fs", "-h", str(a)], capture_output=True, text=True).stdout
    assert f"Filesystem UUID:          {UUID}" in info
    assert "Filesystem volume name:   root" in info


def test_option_values_may_follow_an_equals_sign(tree, tmp_path):
    a, b = tmp_path / "a.vhd", tmp_path / "b.vhd"
    build("--from-dir", tree, "-o", a, "--uuid", UUID, "--timestamp", "1700000000", "--label", "root", "--size", "64M")
    build(f"--from-dir={tree}", f"--output={b}", f"--uuid={UUID}", "--timestamp=1700000000", "--label=root", "--size=64M")
    assert hashlib.sha256(a.read_bytes()).hexdigest() == hashlib.sha256(b.read_bytes()).hexdigest()
    # A label may itself hold '=': only the first one separates.
    c = tmp_path / "c.vhd"
    build("--empty=8M", "-o", c, "--label=a=b")
    assert "Filesystem volume name:   a=b" in subprocess.run(["dumpe2fs", "-h", str(c)], capture_output=True, text=True).stdout
    # A flag takes no value, and -o is a short option: both are refused as given.
    for bad in (["--raw=1"], ["-o=x.vhd"]):
        proc = subprocess.run([str(tool("vhdbuild")), "--empty", "8M", "-o", str(tmp_path / "d.vhd"), *bad],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and f"unknown argument {bad[0]}" in proc.stderr, proc.stderr
        assert not (tmp_path / "d.vhd").exists()


def test_directory_input_is_deterministic_across_reads(tmp_path):
    """A freshly made tree (atimes older than ctimes, so relatime would move them on the first
    read) built twice gives the same bytes: vhdbuild reads files and directories without
    touching their atimes. Reading the tree in between (which moves atimes once under
    relatime) and building again stays stable too, and the recorded atimes are the source's."""
    src = make_tree(tmp_path / "fresh")
    opts = ["--uuid", UUID, "--timestamp", "1700000000", "--metadata-csum"]
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    a, b = tmp_path / "a.vhd", tmp_path / "b.vhd"
    build("--from-dir", src, "-o", a, *opts)
    build("--from-dir", src, "-o", b, *opts)
    assert digest(a) == digest(b)
    # A user reads everything (files, directories, links); two builds after that agree too.
    for dirpath, dirnames, filenames in os.walk(src):
        for n in filenames:
            p = os.path.join(dirpath, n)
            if os.path.islink(p):
                os.readlink(p)
            elif stat.S_ISREG(os.lstat(p).st_mode):
                with open(p, "rb") as f:
                    f.read()
    c, d = tmp_path / "c.vhd", tmp_path / "d.vhd"
    build("--from-dir", src, "-o", c, *opts)
    build("--from-dir", src, "-o", d, *opts)
    assert digest(c) == digest(d)
    # The atimes recorded are the source's as it stands now (not dropped, not the build time).
    for rel in ["etc/hostname", "big", "a", "a/fast", "slow"]:
        got = parse_stat(debugfs(d, [f'stat "/{rel}"'])[0])
        assert got["atime"] == os.lstat(src / rel).st_atime_ns, rel
    fsck_clean(d)


def test_empty_volume_and_raw_output(tmp_path):
    vhd = tmp_path / "empty.vhd"
    summary = build("--empty", "64M", "-o", vhd)
    fsck_clean(vhd)
    assert qemu_virtual_size(vhd) == 64 << 20
    raw = tmp_path / "empty.img"
    build("--empty", "1G", "-o", raw, "--raw")
    assert raw.stat().st_size == 1 << 30
    fsck_clean(raw)
    assert summary["files"] == 0


def test_content_larger_than_size_fails_without_output(tree, tmp_path):
    out = tmp_path / "small.vhd"
    proc = vhdbuild("--from-dir", tree, "-o", out, "--size", "2M", check=False)
    assert proc.returncode == 1
    assert b"does not fit" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_inspect_reports_footer_and_superblock(tree, tmp_path):
    out = tmp_path / "disk.vhd"
    build("--from-dir", tree, "-o", out, "--uuid", UUID, "--label", "lbl", "--timestamp", "1700000000")
    proc = vhdbuild("inspect", "--json", out)
    import json
    doc = json.loads(proc.stdout)
    f = doc["footer"]
    assert f["cookie"] == "conectix" and f["valid"] and f["checksumValid"]
    assert f["diskType"] == 2 and f["creatorApplication"] == "win " and f["currentSize"] == out.stat().st_size - 512
    assert f["timestamp"] == 1700000000 - 946684800
    assert f["geometry"]["heads"] > 0
    sb = doc["superblock"]
    assert sb["uuid"] == UUID and sb["label"] == "lbl" and sb["readOnlyFeature"] is False
    text = vhdbuild("inspect", out).stdout.decode()
    assert "conectix" in text and "ext4 superblock" in text
    assert vhdbuild("verify", out).returncode == 0
    # A damaged footer fails verification with the reason.
    data = bytearray(out.read_bytes())
    data[-100] ^= 0xFF
    out.write_bytes(bytes(data))
    bad = vhdbuild("verify", out, check=False)
    assert bad.returncode == 1 and b"checksum" in bad.stderr


def test_large_directory(tmp_path):
    root = tmp_path / "root"
    big = root / "many"
    big.mkdir(parents=True)
    for i in range(100_000):
        (big / f"file-{i:06d}").touch()
    out = tmp_path / "many.vhd"
    summary = build("--from-dir", root, "-o", out, "--metadata-csum")
    assert summary["files"] == 100_000
    fsck_clean(out)
    listing = debugfs(out, ["ls -l /many"])[0]
    assert listing.count("file-") == 100_000


def build_with_few_descriptors(*args):
    """Runs vhdbuild with at most 64 open descriptors (its own three included)."""
    def few_descriptors():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    proc = subprocess.run([str(tool("vhdbuild")), *[str(a) for a in args], "--quiet"], capture_output=True, text=True,
                          preexec_fn=few_descriptors, timeout=600)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("files,size", [(2000, 3), (200, 260 << 10)], ids=["small", "large"])
def test_directory_of_many_files_builds_with_few_descriptors(tmp_path, files, size):
    # A build must fit in a small descriptor limit whatever the number of files. Small files
    # already read are closed in batches (SpentFiles); each large file (256 KiB or more) is
    # copied on the writer thread from a descriptor of its own, and the queue of those copies is
    # bounded (WriteQueue::max_copies; unbounded, this failed with "too many open files").
    root = tmp_path / "root"
    many = root / "many"
    many.mkdir(parents=True)
    for i in range(files):
        (many / f"f{i:04d}").write_bytes((b"%d\n" % i).ljust(size, b"."))
    out = tmp_path / "out.vhd"

    build_with_few_descriptors("--from-dir", root, "-o", out)
    fsck_clean(out)
    last = f"f{files - 1:04d}"
    dumped = tmp_path / last
    debugfs(out, [f"dump /many/{last} {dumped}"])
    assert dumped.read_bytes() == (b"%d\n" % (files - 1)).ljust(size, b".")


def test_tar_of_many_large_members_builds_with_few_descriptors(tmp_path):
    # Members whose data lines up with the image's pages are copied in the kernel, each from a
    # descriptor of its own: the bounded copy queue keeps them within a limit of 64 too.
    members = [("pad", 4096 - 1024)] + [(f"m{i:03d}", (260 << 10) - 512) for i in range(200)]
    tar = tmp_path / "in.tar"
    with tarfile.open(tar, "w", format=tarfile.USTAR_FORMAT) as t:
        for name, size in members:
            info = tarfile.TarInfo(name)
            info.size = size
            t.addfile(info, io.BytesIO(name.encode().ljust(size, b".")))
    with tarfile.open(tar) as t:  # the premise: the large members' data starts on a page
        assert all(m.offset_data % 4096 == 0 for m in t.getmembers() if m.name != "pad")
    out = tmp_path / "out.vhd"

    build_with_few_descriptors("--from-tar", tar, "-o", out)
    fsck_clean(out)
    dumped = tmp_path / "m199"
    debugfs(out, [f"dump /m199 {dumped}"])
    assert dumped.read_bytes() == b"m199".ljust((260 << 10) - 512, b".")


def test_file_over_4gib_keeps_holes(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    with open(root / "huge", "wb") as f:
        f.truncate(5 << 30)
        f.seek((4 << 30) + 12345)
        f.write(b"beyond four gigabytes")
    out = tmp_path / "huge.vhd"
    build("--from-dir", root, "-o", out)
    fsck_clean(out)
    st = parse_stat(debugfs(out, ["stat /huge"])[0])
    assert st["size"] == 5 << 30
    assert st["blockcount"] <= 16  # one or two 4 KiB blocks, not 5 GiB
    dumped = tmp_path / "dump"
    debugfs(out, [f"dump /huge {dumped}"])
    with open(dumped, "rb") as f:
        f.seek((4 << 30) + 12345)
        assert f.read(21) == b"beyond four gigabytes"


def test_kernel_mounts_read_write(tree, tmp_path):
    reason = loop_mount_available()
    if reason:
        pytest.skip(f"kernel mount test needs root and loop devices: {reason}")
    out = tmp_path / "disk.vhd"
    before = source_entries(tree)
    build("--from-dir", tree, "-o", out, "--metadata-csum", "--free", "32M")
    mnt = tmp_path / "mnt"
    with LoopMount(out, mnt, readonly=True) as m:
        for rel, st in before:
            got = os.lstat(m / rel)
            assert stat.S_IFMT(got.st_mode) == stat.S_IFMT(st.st_mode), rel
            assert got.st_mode == st.st_mode, rel
            assert (got.st_uid, got.st_gid) == (st.st_uid, st.st_gid), rel
            assert (got.st_mtime_ns, got.st_atime_ns) == (st.st_mtime_ns, st.st_atime_ns), rel
            assert got.st_rdev == st.st_rdev, rel
            if not stat.S_ISDIR(st.st_mode):
                assert got.st_nlink == st.st_nlink, rel
            assert read_xattrs(m / rel) == read_xattrs(tree / rel), rel
            if stat.S_ISLNK(st.st_mode):
                assert os.readlink(m / rel) == os.readlink(tree / rel)
            if stat.S_ISREG(st.st_mode):
                assert (m / rel).read_bytes() == (tree / rel).read_bytes(), rel
        assert os.stat(m / "a" / "f").st_ino == os.stat(m / "a" / "hardlink").st_ino
    with LoopMount(out, mnt) as m:
        with open(m / "written", "wb") as f:
            f.write(os.urandom(10 << 20))
        (m / "newdir").mkdir()
        (m / "newdir" / "x").write_text("x")
    fsck_clean(out)
