# SPDX-License-Identifier: MIT
"""Compressed input is read to the end of its stream: the zstd frame checksum and gzip's CRC-32
and length come after the tar's last byte, so a reader that stopped at the end-of-archive block
accepted a layer corrupted in the middle whose blob digest matched. After the tar end only zero
padding may follow (at most 1 MiB)."""
import gzip
import hashlib
import os
import shutil
import subprocess
import tarfile

import pytest

from test_image_oci import add_blob, write_manifest
from test_image_support import build, debugfs, fsck_clean, vhdbuild
from test_image_tar import make_tar, member

MiB = 1 << 20


def zstd(data):
    # --check: the frame carries a checksum (zstd's default, made explicit).
    return subprocess.run(["zstd", "-q", "--check", "-c", "-"], input=data, capture_output=True, check=True).stdout


def refused(tmp_path, args, *needles, input=None):
    outdir = tmp_path / "out"
    outdir.mkdir(exist_ok=True)
    proc = vhdbuild(*args, "-o", outdir / "x.vhd", check=False, input=input)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 1, err
    for n in needles:
        assert n in err, err
    assert list(outdir.iterdir()) == [], "a failed build left output"
    return err


def flipped(data, at):
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


def payload_tar():
    # Random data: zstd stores it as raw blocks, so a flipped byte there changes the file's
    # content without any decoding error; only the frame checksum can tell.
    return make_tar([member("d/", tarfile.DIRTYPE, mode=0o755), member("d/f", data=os.urandom(300_000)),
                     member("d/g", data=b"g")])


def oci_layout(root, blob, media):
    root.mkdir()
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    write_manifest(root, [dict(add_blob(root, blob), mediaType=media)], b"{}")  # the digest of `blob`, as given
    return root


def test_zstd_layer_corrupted_in_the_middle_with_a_matching_digest_is_refused(tmp_path):
    packed = zstd(payload_tar())
    bad = flipped(packed, len(packed) // 2)
    layout = oci_layout(tmp_path / "layout", bad, "application/vnd.oci.image.layer.v1.tar+zstd")
    refused(tmp_path, ["--from-oci", layout], hashlib.sha256(bad).hexdigest(), "checksum")  # the blob named
    # The same layout with the intact blob builds.
    good = oci_layout(tmp_path / "good", packed, "application/vnd.oci.image.layer.v1.tar+zstd")
    out = tmp_path / "good.vhd"
    build("--from-oci", good, "-o", out)
    fsck_clean(out)


@pytest.mark.parametrize("where", ["middle", "checksum"])
def test_zstd_tar_file_is_checked_to_its_frame_checksum(tmp_path, where):
    packed = zstd(payload_tar())
    path = tmp_path / "in.tar.zst"
    path.write_bytes(flipped(packed, len(packed) // 2 if where == "middle" else len(packed) - 2))
    refused(tmp_path, ["--from-tar", path], str(path), "checksum")


@pytest.mark.parametrize("where", ["crc", "isize"])
def test_gzip_trailer_is_checked(tmp_path, where):
    tar = payload_tar() + bytes(MiB - 4096)  # padding as a 1 MiB blocking factor leaves
    packed = gzip.compress(tar, 1)
    path = tmp_path / "in.tar.gz"
    path.write_bytes(flipped(packed, len(packed) - (6 if where == "crc" else 2)))
    refused(tmp_path, ["--from-tar", path], str(path), "incorrect data check" if where == "crc" else "incorrect length check")
    layout = oci_layout(tmp_path / "layout", path.read_bytes(), "application/vnd.oci.image.layer.v1.tar+gzip")
    refused(tmp_path, ["--from-oci", layout], hashlib.sha256(path.read_bytes()).hexdigest())


@pytest.mark.parametrize("codec", ["plain", "gzip", "zstd"])
def test_up_to_one_mib_of_zero_padding_is_accepted(tmp_path, codec):
    if codec == "plain" and shutil.which("tar"):
        # GNU tar's largest common blocking factor: 2048 blocks, 1 MiB records.
        src = tmp_path / "src"
        src.mkdir()
        (src / "f").write_bytes(b"x" * 1000)
        tar = subprocess.run(["tar", "-b", "2048", "-C", str(src), "-cf", "-", "."], capture_output=True,
                             check=True).stdout
        assert len(tar) == MiB
    else:
        tar = make_tar([member("f", data=b"x" * 1000)]).rstrip(b"\0")
        tar += bytes(-len(tar) % 512) + bytes(512) + bytes(MiB)  # the end-of-archive block, then 1 MiB
    data = {"plain": lambda t: t, "gzip": gzip.compress, "zstd": zstd}[codec](tar)
    path = tmp_path / "in.tar"
    path.write_bytes(data)
    out = tmp_path / "o.vhd"
    build("--from-tar", path, "-o", out)
    fsck_clean(out)
    dump = tmp_path / "f.out"
    debugfs(out, [f'dump /f "{dump}"'])
    assert dump.read_bytes() == b"x" * 1000
    # The same from standard input.
    out2 = tmp_path / "stdin.vhd"
    if codec != "zstd":
        build("--from-tar", "-", "-o", out2, input=data)
        fsck_clean(out2)


@pytest.mark.parametrize("codec", ["plain", "gzip", "zstd"])
def test_more_padding_or_data_after_the_end_is_refused(tmp_path, codec):
    pack = {"plain": lambda t: t, "gzip": gzip.compress, "zstd": zstd}[codec]
    first = make_tar([member("f", data=b"x" * 1000)])
    path = tmp_path / "in.tar"
    path.write_bytes(pack(first + bytes(2 * MiB)))
    refused(tmp_path, ["--from-tar", path], str(path), "more than 1048576 bytes of padding after the end of the archive")
    # A second archive after the first (cat a.tar b.tar): its entries would be silently dropped.
    path.write_bytes(pack(first + make_tar([member("g", data=b"g")])))
    refused(tmp_path, ["--from-tar", path], str(path), "data after the end of the archive")
    if codec != "zstd":
        refused(tmp_path, ["--from-tar", "-"], "standard input", "data after the end of the archive",
                input=path.read_bytes())


def test_data_after_the_end_of_an_oci_layer_names_the_layer(tmp_path):
    tar = make_tar([member("f", data=b"x")]) + b"\x01" + bytes(511)
    layout = oci_layout(tmp_path / "layout", zstd(tar), "application/vnd.oci.image.layer.v1.tar+zstd")
    refused(tmp_path, ["--from-oci", layout], "layer sha256:", "data after the end of the archive")
