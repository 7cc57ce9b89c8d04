# SPDX-License-Identifier: MIT
"""Tar input (ustar, pax, GNU, gzip, stdin) and hostile archives."""
import gzip
import hashlib
import io
import os
import tarfile

import shutil
import subprocess

import pytest

from test_image_support import (LoopMount, build, debugfs, fsck_clean, loop_mount_available, parse_stat,
                                qemu_virtual_size, vhdbuild)

UUID = "6a1f0e4c-1111-4222-8333-944455556666"
NS = 1_600_000_000_123_456_789


def member(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, uid=0, gid=0, linkname="", pax=None, devmajor=0,
           devminor=0, mtime=1_600_000_000):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid, info.gid = uid, gid
    info.mtime = mtime
    info.linkname = linkname
    info.devmajor, info.devminor = devmajor, devminor
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    if pax:
        info.pax_headers = dict(pax)
    return info, data


def make_tar(members, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


LONG = "/".join(["p" * 100, "q" * 120, "r" * 255])

RICH = [
    member("./", tarfile.DIRTYPE, mode=0o755),
    member("etc/", tarfile.DIRTYPE, mode=0o755),
    member("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n",
           pax={"mtime": "1600000000.123456789", "atime": "1600000001.5", "ctime": "1600000002.000000001"}),
    member("etc/shadow", data=b"secret\n", mode=0o640, uid=0, gid=42),
    member("bin/", tarfile.DIRTYPE, mode=0o755),
    member("bin/su", data=b"\x7fELF" + bytes(5000), mode=0o4755),
    member("tmp/", tarfile.DIRTYPE, mode=0o1777),
    member("home/u/", tarfile.DIRTYPE, mode=0o2750, uid=100000, gid=200000, pax={"uid": "100000", "gid": "200000"}),
    member("home/u/file", data=b"user data\n", uid=3000000000, gid=4000000000,
           pax={"uid": "3000000000", "gid": "4000000000"}),
    member("bin/ping", data=b"ping", mode=0o755,
           pax={"SCHILY.xattr.security.capability": "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                "SCHILY.xattr.user.note": "pinged"}),
    member("bin/sudo", tarfile.LNKTYPE, linkname="bin/su"),
    member("bin/sh", tarfile.SYMTYPE, linkname="busybox", mode=0o777),
    member("bin/slow", tarfile.SYMTYPE, linkname="/" + "s" * 150, mode=0o777),
    member("dev/null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3),
    member("dev/sda", tarfile.BLKTYPE, mode=0o660, devmajor=8, devminor=0, gid=6),
    member("run/fifo", tarfile.FIFOTYPE, mode=0o600),
    member("implicit/parents/file", data=b"created parents\n"),
    member(LONG, data=b"long path\n"),
    member("replace/me", data=b"first version\n"),
    member("replace/me", data=b"second version wins\n"),
    member("zero", data=b""),
    member("blob", data=os.urandom(200_000)),
]


@pytest.fixture(scope="module")
def rich_tar(tmp_path_factory):
    path = tmp_path_factory.mktemp("tars") / "rich.tar"
    path.write_bytes(make_tar(RICH))
    return path


def stats(image, paths):
    return {p: parse_stat(t) for p, t in zip(paths, debugfs(image, [f'stat "/{p}"' for p in paths]))}


def cat(image, path, tmp_path):
    out = tmp_path / "cat.out"
    debugfs(image, [f'dump "/{path}" "{out}"'])
    return out.read_bytes()


def test_tar_entries_are_preserved(rich_tar, tmp_path):
    out = tmp_path / "tar.vhd"
    summary = build("--from-tar", rich_tar, "-o", out, "--metadata-csum")
    fsck_clean(out)
    assert qemu_virtual_size(out) == summary["diskBytes"]
    s = stats(out, ["etc/passwd", "etc/shadow", "bin/su", "bin/sudo", "tmp", "home/u", "home/u/file", "bin/ping",
                    "bin/sh", "bin/slow", "dev/null", "dev/sda", "run/fifo", "implicit/parents", LONG, "zero"])
    p = s["etc/passwd"]
    assert p["mtime"] == 1_600_000_000_123_456_789
    assert p["atime"] == 1_600_000_001_500_000_000
    assert p["ctime"] == 1_600_000_002_000_000_001
    assert (s["etc/shadow"]["mode"], s["etc/shadow"]["gid"]) == (0o640, 42)
    assert s["bin/su"]["mode"] == 0o4755 and s["bin/su"]["links"] == 2 and s["bin/sudo"]["links"] == 2
    assert s["tmp"]["mode"] == 0o1777
    assert (s["home/u"]["mode"], s["home/u"]["uid"], s["home/u"]["gid"]) == (0o2750, 100000, 200000)
    assert (s["home/u/file"]["uid"], s["home/u/file"]["gid"]) == (3000000000, 4000000000)
    assert s["bin/ping"]["xattrs"]["user.note"] == (6, "pinged")
    assert s["bin/ping"]["xattrs"]["security.capability"][0] == 20
    assert s["bin/sh"]["type"] == "symlink" and s["bin/sh"]["fast_link"] == "busybox"
    assert s["bin/slow"]["type"] == "symlink" and s["bin/slow"]["size"] == 151
    assert s["dev/null"]["type"] == "character special" and s["dev/null"]["device"] == (1, 3)
    assert s["dev/sda"]["type"] == "block special" and s["dev/sda"]["device"] == (8, 0)
    assert s["run/fifo"]["type"] == "FIFO" and s["run/fifo"]["mode"] == 0o600
    assert s["implicit/parents"]["type"] == "directory"
    assert s[LONG]["type"] == "regular" and s[LONG]["size"] == 10
    assert s["zero"]["size"] == 0
    assert cat(out, "replace/me", tmp_path) == b"second version wins\n"
    assert cat(out, "blob", tmp_path) == RICH[-1][1]
    assert cat(out, "bin/slow", tmp_path) == b"/" + b"s" * 150  # a slow symlink's target lives in a data block


def test_gzip_stdin_and_gnu_formats_give_the_same_image(rich_tar, tmp_path):
    args = ["--uuid", UUID, "--timestamp", "1700000000"]
    plain, gz, stdin = tmp_path / "plain.vhd", tmp_path / "gz.vhd", tmp_path / "stdin.vhd"
    build("--from-tar", rich_tar, "-o", plain, *args)
    gz_path = tmp_path / "rich.tar.gz"
    gz_path.write_bytes(gzip.compress(rich_tar.read_bytes()))
    build("--from-tar", gz_path, "-o", gz, *args)
    build("--from-tar", "-", "-o", stdin, *args, input=gz_path.read_bytes())
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    assert digest(plain) == digest(gz) == digest(stdin)
    # GNU long names and long link names.
    gnu = tmp_path / "gnu.tar"
    gnu.write_bytes(make_tar([member(LONG, data=b"gnu long\n"),
                              member("link", tarfile.SYMTYPE, linkname="t" * 300, mode=0o777)], fmt=tarfile.GNU_FORMAT))
    out = tmp_path / "gnu.vhd"
    build("--from-tar", gnu, "-o", out)
    fsck_clean(out)
    s = stats(out, [LONG, "link"])
    assert s[LONG]["size"] == 9 and s["link"]["size"] == 300


def raw_header_tar(name, *, size_field=None, typeflag=b"0", data=b"", linkname=b""):
    """A one-entry ustar archive built byte by byte (for names tarfile would clean up)."""
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = size_field if size_field is not None else b"%011o\0" % len(data)
    h[136:148] = b"13000000000\0"
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    pad = (512 - len(data) % 512) % 512
    return bytes(h) + data + b"\0" * pad + b"\0" * 1024


def hostile_cases():
    good = make_tar([member("a/file", data=b"x" * 3000)])
    bad_checksum = bytearray(good)
    bad_checksum[0] ^= 0x01
    return {
        "dotdot": (make_tar([member("../../etc/passwd", data=b"pwned")]), "\"..\" is not allowed"),
        "absolute": (raw_header_tar(b"/etc/passwd", data=b"pwned"), "absolute names are not allowed"),
        "through-symlink": (make_tar([member("a", tarfile.SYMTYPE, linkname="/etc"), member("a/passwd", data=b"pwned")]),
                            "\"a\" is a symlink"),
        "hardlink-missing": (make_tar([member("h", tarfile.LNKTYPE, linkname="missing")]), "the target does not exist"),
        "truncated": (good[:512 + 1000], "ends inside the file's data"),
        "truncated-header": (good[:300], "truncated archive"),
        "bad-checksum": (bytes(bad_checksum), "bad header checksum"),
        "absurd-size": (raw_header_tar(b"huge", size_field=bytes([0x80, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0])), "absurd size"),
        "size-beyond-data": (raw_header_tar(b"big", size_field=b"77777777777\0"), "ends inside the file's data"),
        "bad-size-field": (raw_header_tar(b"f", size_field=b"12x45678901\0"), "bad size field"),
    }


@pytest.mark.parametrize("case", sorted(hostile_cases()))
def test_hostile_tar_is_refused_without_output(case, tmp_path):
    data, message = hostile_cases()[case]
    src = tmp_path / "in"
    src.mkdir()
    (src / "x.tar").write_bytes(data)
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-tar", src / "x.tar", "-o", outdir / "disk.vhd", check=False)
    assert proc.returncode == 1, proc.stderr
    assert message.encode() in proc.stderr, proc.stderr
    assert list(outdir.iterdir()) == []


def test_tar_larger_than_size_is_refused(tmp_path):
    tar = tmp_path / "big.tar"
    tar.write_bytes(make_tar([member("blob", data=os.urandom(12 << 20))]))
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-tar", tar, "-o", outdir / "disk.vhd", "--size", "8M", check=False)
    assert proc.returncode == 1 and b"does not fit" in proc.stderr
    assert list(outdir.iterdir()) == []


def test_truncated_gzip_is_refused(tmp_path):
    data = gzip.compress(make_tar([member("f", data=os.urandom(100_000))]))
    tar = tmp_path / "t.tar.gz"
    tar.write_bytes(data[: len(data) // 2])
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-tar", tar, "-o", outdir / "disk.vhd", check=False)
    assert proc.returncode == 1
    assert list(outdir.iterdir()) == []


def test_backslashes_converted_on_request(tmp_path):
    tar = tmp_path / "win.tar"
    tar.write_bytes(make_tar([member("dir\\sub\\file", data=b"x")]))
    out = tmp_path / "o.vhd"
    build("--from-tar", tar, "-o", out, "--convert-backslash")
    assert stats(out, ["dir/sub/file"])["dir/sub/file"]["type"] == "regular"
    out2 = tmp_path / "o2.vhd"
    build("--from-tar", tar, "-o", out2)
    listing = debugfs(out2, ["ls /"])[0]
    assert "dir\\x5csub\\x5cfile" in listing  # debugfs escapes the backslashes


def test_mutated_archives_fail_cleanly_or_build_clean_images(tmp_path):
    """Random byte flips in a pax archive (fixed seed): every run either builds an image that
    e2fsck accepts or fails with a message and exit status 1, never crashes, never leaves files."""
    import random
    base = make_tar(RICH[:17])
    rng = random.Random(20261127)
    outdir = tmp_path / "out"
    outdir.mkdir()
    src = tmp_path / "m.tar"
    built = failed = 0
    for i in range(120):
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(0, min(len(data), 8192))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(0, len(data))]
        src.write_bytes(bytes(data))
        out = outdir / "m.vhd"
        proc = vhdbuild("--from-tar", src, "-o", out, "--free", "1M", "--no-journal", check=False)
        if proc.returncode == 0:
            fsck_clean(out)
            out.unlink()
            built += 1
        else:
            assert proc.returncode == 1, (i, proc.returncode, proc.stderr)
            assert proc.stderr.startswith(b"vhdbuild: "), proc.stderr
            assert list(outdir.iterdir()) == [], i
            failed += 1
    assert built > 0 and failed > 0


# --- Input-side correctness: names, numbers, times, ACLs, sparse members -------------------

def refused(tmp_path, data, message, *extra):
    """Builds from `data`; asserts exit 1 with `message` and no output left."""
    src = tmp_path / "in.tar"
    src.write_bytes(data)
    outdir = tmp_path / "out"
    outdir.mkdir(exist_ok=True)
    proc = vhdbuild("--from-tar", src, "-o", outdir / "disk.vhd", *extra, check=False)
    assert proc.returncode == 1, proc.stderr
    assert message.encode() in proc.stderr, proc.stderr
    assert list(outdir.iterdir()) == []
    return proc


def built_stats(tmp_path, data, paths, *extra):
    src = tmp_path / "ok.tar"
    src.write_bytes(data)
    out = tmp_path / "ok.vhd"
    build("--from-tar", src, "-o", out, *extra)
    fsck_clean(out)
    return out, stats(out, paths)


def test_nul_in_pax_link_target_or_name_is_refused(tmp_path):
    # pax records are length-delimited, so a NUL fits; the symlink e2fsck then calls invalid.
    refused(tmp_path, make_tar([member("l", tarfile.SYMTYPE, linkname="x", mode=0o777, pax={"linkpath": "tar\0get"})]),
            "\"l\": the link target contains NUL")
    refused(tmp_path, make_tar([member("f", data=b"x", pax={"path": "a\0b"})]), "contains NUL")
    refused(tmp_path, make_tar([member("h", tarfile.LNKTYPE, linkname="x", pax={"linkpath": "x\0y"})]),
            "the link target contains NUL")


def gnu_tar(tmp_path, *args, cwd):
    out = tmp_path / f"gnu{len(list(tmp_path.iterdir()))}.tar"
    subprocess.run(["tar", *args, "-cf", str(out), "."], cwd=cwd, check=True, capture_output=True)
    return out.read_bytes()


def test_pre_1970_mtimes_from_gnu_tar_and_pax(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "old").write_bytes(b"old\n")
    os.utime(src / "old", (-315619200, -315619200))  # 1960-01-01
    (src / "older").write_bytes(b"older\n")
    os.utime(src / "older", (-2147483000, -2147483000))  # 1901-12-13, just inside ext4's range
    for fmt in ("gnu", "posix"):
        data = gnu_tar(tmp_path, f"--format={fmt}", cwd=src)
        _, s = built_stats(tmp_path, data, ["old", "older"])
        assert s["old"]["mtime"] == -315619200 * 1_000_000_000, fmt
        assert s["older"]["mtime"] == -2147483000 * 1_000_000_000, fmt
    if shutil.which("bsdtar"):
        out = tmp_path / "bsd.tar"
        subprocess.run(["bsdtar", "--format", "pax", "-cf", str(out), "-C", str(src), "."], check=True)
        _, s = built_stats(tmp_path, out.read_bytes(), ["old"])
        assert s["old"]["mtime"] == -315619200 * 1_000_000_000


def test_a_pax_mtime_overrides_a_malformed_header_field(tmp_path):
    data = bytearray(make_tar([member("f", data=b"x", pax={"mtime": "-100.5"})]))
    # The ustar header follows the pax header and its data block: spoil its mtime field.
    h = 1024
    assert data[h:h + 1] == b"f"
    data[h + 136:h + 148] = b"zzzzzzzzzzz\0"
    data[h + 148:h + 156] = b" " * 8
    data[h + 148:h + 156] = b"%06o\0 " % sum(data[h:h + 512])
    _, s = built_stats(tmp_path, bytes(data), ["f"])
    assert s["f"]["mtime"] == -100 * 1_000_000_000 - 500_000_000


def test_out_of_range_ids_times_and_devices_are_refused(tmp_path):
    # tarfile writes these as GNU base-256 numbers: 2^32 used to become uid 0.
    refused(tmp_path, make_tar([member("suid", data=b"x", mode=0o4755, uid=1 << 32)], fmt=tarfile.GNU_FORMAT),
            "uid 4294967296 is out of range")
    refused(tmp_path, make_tar([member("g", data=b"x", gid=(1 << 32) + 5)], fmt=tarfile.GNU_FORMAT),
            "gid 4294967301 is out of range")
    refused(tmp_path, make_tar([member("p", data=b"x", pax={"uid": str(1 << 32)})]), "uid 4294967296 is out of range")
    refused(tmp_path, make_tar([member("t", data=b"x", pax={"mtime": "15032385536"})]), "outside ext4's range")
    refused(tmp_path, make_tar([member("t", data=b"x", pax={"atime": "-2147483649"})]), "outside ext4's range")
    refused(tmp_path, make_tar([member("t", data=b"x", mtime=-(1 << 40))], fmt=tarfile.GNU_FORMAT), "outside ext4's range")
    refused(tmp_path, make_tar([member("c", tarfile.CHRTYPE, devmajor=4096, devminor=0)], fmt=tarfile.GNU_FORMAT),
            "device 4096:0 is beyond ext4's encoding")
    refused(tmp_path, make_tar([member("c", tarfile.BLKTYPE, devmajor=1, devminor=1 << 20)], fmt=tarfile.GNU_FORMAT),
            "device 1:1048576 is beyond ext4's encoding")
    # The edges themselves are fine.
    _, s = built_stats(tmp_path, make_tar([member("u", data=b"x", uid=(1 << 32) - 2, pax={"mtime": "15032385535"}),
                                           member("c", tarfile.CHRTYPE, devmajor=4095, devminor=(1 << 20) - 1)]),
                       ["u", "c"])
    assert s["u"]["uid"] == (1 << 32) - 2 and s["u"]["mtime"] == 15032385535 * 1_000_000_000
    assert s["c"]["device"] == (4095, (1 << 20) - 1)


ACL_FILE = "user::rw-\nuser:1234:rw-\ngroup::r--\ngroup:99:r--\nmask::rw-\nother::r--\n"


def test_schily_acls_become_posix_acl_xattrs(tmp_path):
    data = make_tar([member("f", data=b"x", mode=0o664, pax={"SCHILY.acl.access": ACL_FILE}),
                     member("d/", tarfile.DIRTYPE, mode=0o755,
                            pax={"SCHILY.acl.default": "user::rwx,user:bob:r-x:1001,group::r-x,mask::r-x,other::r-x"}),
                     member("plain", data=b"y", pax={"SCHILY.acl.access": "user::rw-,group::r--,other::r--"})])
    out, s = built_stats(tmp_path, data, ["f", "d", "plain"])
    assert "system.posix_acl_access" in s["f"]["xattrs"]
    assert "system.posix_acl_default" in s["d"]["xattrs"]
    assert not any("acl" in k for k in s["plain"]["xattrs"])  # the mode says it all
    if loop_mount_available() is None and shutil.which("getfacl"):
        with LoopMount(out, tmp_path / "mnt", readonly=True) as mnt:
            text = subprocess.run(["getfacl", "-n", "-c", "f"], cwd=mnt, capture_output=True, text=True, check=True).stdout
            assert [l for l in text.splitlines() if l] == [l for l in ACL_FILE.splitlines()]
            text = subprocess.run(["getfacl", "-n", "-c", "-d", "d"], cwd=mnt, capture_output=True, text=True,
                                  check=True).stdout
            assert "user:1001:r-x" in text


def test_gnu_tar_and_bsdtar_acl_archives(tmp_path):
    if not shutil.which("setfacl"):
        pytest.skip("setfacl (package acl) missing")
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_bytes(b"x")
    proc = subprocess.run(["setfacl", "-m", "u:54321:rw,g:54322:r", str(src / "f")], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"no ACL support here: {proc.stderr!r}")
    archives = {"gnu": gnu_tar(tmp_path, "--acls", "--format=posix", cwd=src)}
    if shutil.which("bsdtar"):
        out = tmp_path / "bsd.tar"
        subprocess.run(["bsdtar", "--acls", "--format", "pax", "-cf", str(out), "-C", str(src), "."], check=True)
        archives["bsdtar"] = out.read_bytes()
    for kind, data in archives.items():
        out, _ = built_stats(tmp_path, data, ["f"])
        if loop_mount_available() is None:
            with LoopMount(out, tmp_path / "mnt", readonly=True) as mnt:
                text = subprocess.run(["getfacl", "-n", "-c", "f"], cwd=mnt, capture_output=True, text=True,
                                      check=True).stdout
                assert "user:54321:rw-" in text and "group:54322:r--" in text, (kind, text)


def test_malformed_or_unresolvable_acls_are_refused(tmp_path):
    refused(tmp_path, make_tar([member("f", data=b"x", pax={"SCHILY.acl.access": "user::rw-\nuser:bob:r--\ngroup::r--\nmask::r--\nother::r--\n"})]),
            "ACL entry \"user:bob:r--\": names a user or group without a numeric id")
    refused(tmp_path, make_tar([member("f", data=b"x", pax={"SCHILY.acl.access": "user::rw-,user:5:r--,group::r--,other::r--"})]),
            "needs a mask:: entry")
    refused(tmp_path, make_tar([member("f", data=b"x", pax={"SCHILY.acl.access": "user::rwz,group::r--,other::r--"})]),
            "bad permissions")


def test_acl_names_resolve_only_through_the_recorded_numeric_id(tmp_path):
    # GNU tar's one-entry-a-line form with the id as a 4th field (as star and bsdtar record it):
    # the id is stored, the name ignored.
    acl = "user::rw-\nuser:alice:rwx:1001\ngroup::r--\ngroup:staff:r--:50\nmask::rwx\nother::r--\n"
    tar = tmp_path / "acl.tar"
    tar.write_bytes(make_tar([member("f", data=b"x", pax={"SCHILY.acl.access": acl})]))
    out = tmp_path / "acl.vhd"
    build("--from-tar", tar, "-o", out)
    fsck_clean(out)
    value = parse_stat(debugfs(out, ["stat /f"])[0])["xattrs"]["system.posix_acl_access"][1]
    # ext4's on-disk ACL: version 1, then (tag, perm[, id]) entries; named user 1001, group 50.
    assert "02 00 07 00 e9 03 00 00" in value and "08 00 04 00 32 00 00 00" in value, value
    # Names alone are refused, in default ACLs too, even a name the build host resolves
    # ("root", "daemon"): the host's /etc/passwd and /etc/group describe another system.
    for key, entry in [("SCHILY.acl.default", "user:root:rwx"), ("SCHILY.acl.access", "group:daemon:r-x")]:
        text = f"user::rwx\n{entry}\ngroup::r-x\nmask::rwx\nother::r-x\n"
        proc = refused(tmp_path, make_tar([member("d/", tarfile.DIRTYPE, pax={key: text})]),
                       f'ACL entry "{entry}": names a user or group without a numeric id')
        assert f'"d/": {key}'.encode() in proc.stderr and b"build host" in proc.stderr, proc.stderr


def sparse_source(tmp_path):
    src = tmp_path / "sparse-src"
    src.mkdir()
    with open(src / "holes", "wb") as f:
        f.truncate(64 << 20)
        f.seek(1000)
        f.write(b"A" * 5000)
        f.seek(20 << 20)
        f.write(os.urandom(70000))
        f.seek((64 << 20) - 10)
        f.write(b"tail-bytes")
    with open(src / "allhole", "wb") as f:
        f.truncate(8 << 20)
    return src


@pytest.mark.parametrize("flavour", ["0.0", "0.1", "1.0", "oldgnu", "bsdtar"])
def test_gnu_sparse_members_are_written_with_holes(tmp_path, flavour):
    src = sparse_source(tmp_path)
    if flavour == "bsdtar":
        if not shutil.which("bsdtar"):
            pytest.skip("bsdtar (package libarchive-tools) missing")
        out = tmp_path / "bsd.tar"
        subprocess.run(["bsdtar", "--format", "pax", "-cf", str(out), "-C", str(src), "."], check=True)
        data = out.read_bytes()
    elif flavour == "oldgnu":
        data = gnu_tar(tmp_path, "--format=gnu", "--sparse", cwd=src)
    else:
        data = gnu_tar(tmp_path, "--format=posix", "--sparse", f"--sparse-version={flavour}", cwd=src)
    assert len(data) < (4 << 20)  # the archive itself holds only the data
    out, s = built_stats(tmp_path, data, ["holes", "allhole"])
    assert s["holes"]["size"] == 64 << 20 and s["allhole"]["size"] == 8 << 20
    # Holes stay holes: a few blocks of data (512-byte units), not 64 MiB.
    assert s["holes"]["blockcount"] < 1024, s["holes"]
    assert s["allhole"]["blockcount"] == 0, s["allhole"]
    assert hashlib.sha256(cat(out, "holes", tmp_path)).digest() == hashlib.sha256((src / "holes").read_bytes()).digest()


def test_bad_sparse_maps_are_refused(tmp_path):
    refused(tmp_path, make_tar([member("s", data=b"abcd", pax={"GNU.sparse.size": "100", "GNU.sparse.map": "0,2,1,2"})]),
            "the sparse map's segments overlap")
    refused(tmp_path, make_tar([member("s", data=b"abcd", pax={"GNU.sparse.size": "100", "GNU.sparse.map": "0,2,98,3"})]),
            "lie past the end")
    refused(tmp_path, make_tar([member("s", data=b"abcd", pax={"GNU.sparse.size": "100", "GNU.sparse.map": "0,2"})]),
            "the sparse map describes 2 bytes of data, the member holds 4")
    refused(tmp_path, make_tar([member("s", data=b"abcd", pax={"GNU.sparse.major": "2", "GNU.sparse.minor": "0"})]),
            "unsupported GNU sparse format version")


def test_zstd_on_standard_input_is_named(tmp_path):
    data = subprocess.run(["zstd", "-q", "-c"], input=make_tar([member("f", data=b"x")]), capture_output=True,
                          check=True).stdout
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-tar", "-", "-o", outdir / "d.vhd", input=data, check=False)
    assert proc.returncode == 1
    assert b"zstd-compressed" in proc.stderr and b"bad header checksum" not in proc.stderr, proc.stderr
    assert list(outdir.iterdir()) == []


def test_xattrs_that_do_not_fit_name_the_file(tmp_path):
    big = {f"SCHILY.xattr.user.big{i}": "v" * 1000 for i in range(6)}
    refused(tmp_path, make_tar([member("a/b/c", data=b"x", pax=big)]),
            "\"/a/b/c\": extended attributes do not fit in the inode and one 4 KiB block")
