# SPDX-License-Identifier: MIT
"""vhdbuild.exe under Wine: non-ASCII paths on its command line, the same image as on Linux,
gzip and zstd OCI layers, and memory that does not grow with the entry count."""
import gzip
import hashlib
import io
import json
import os
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import time

import pytest

from conftest import ROOT, WINE, run_windows, wine_env, windows_program, winpath

UUID = "0b5e1a5e-0000-4000-8000-000000000001"


def test_empty_image_at_a_non_ascii_path_equals_the_linux_build(tmp_path):
    out = tmp_path / "disque-\u00e9\u65e5\u672c.vhd"
    args = ["--empty", "16M", "--uuid", UUID, "--timestamp", "1700000000", "--quiet"]
    proc = run_windows([windows_program("tools/vhdbuild.exe"), *args, "-o", winpath(out)])
    assert proc.returncode == 0, proc.stderr
    assert out.is_file(), sorted(p.name for p in tmp_path.iterdir())
    assert out.stat().st_size == 16 * 1024 * 1024 + 512
    native = pathlib.Path(os.environ.get("HVSUP_BUILD_DIR", ROOT / "build")) / "tools" / "vhdbuild"
    if not native.exists():
        pytest.skip(f"{native} is not built: cannot compare with the Linux image")
    linux = tmp_path / "linux.vhd"
    subprocess.run([str(native), *args, "-o", str(linux)], check=True, timeout=120)
    assert out.read_bytes() == linux.read_bytes(), "vhdbuild.exe and vhdbuild wrote different images"


def test_existing_output_is_replaced_and_a_failed_build_keeps_it(tmp_path):
    out = tmp_path / "disk.vhd"
    out.write_bytes(b"previous image\n")
    args = ["--uuid", UUID, "--timestamp", "1700000000", "--quiet", "-o", winpath(out)]
    proc = run_windows([windows_program("tools/vhdbuild.exe"), "--empty", "16M", *args])
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk.vhd"]
    assert out.stat().st_size == 16 * 1024 * 1024 + 512
    built = out.read_bytes()
    # A tar that ends inside a member: the build fails after the temporary file exists.
    info = tarfile.TarInfo("cut")
    info.size = 1 << 20
    bad = tmp_path / "cut.tar"
    bad.write_bytes(info.tobuf(format=tarfile.USTAR_FORMAT) + b"x" * 1000)
    proc = run_windows([windows_program("tools/vhdbuild.exe"), "--from-tar", winpath(bad), *args])
    assert proc.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.tar", "disk.vhd"]
    assert out.read_bytes() == built


def test_killed_build_leaves_only_the_previous_output(tmp_path):
    # The output is written to a delete-on-close file, marked to stay only at commit: a build
    # killed in the middle (SIGKILL of the Wine process: Wine closes its handles, as Windows
    # does for TerminateProcess) leaves nothing behind.
    out = tmp_path / "disk.vhd"
    out.write_bytes(b"previous image\n")
    info = tarfile.TarInfo("big")
    info.size = 256 << 20
    proc = subprocess.Popen([str(WINE), windows_program("tools/vhdbuild.exe"), "--from-tar", "-", "--quiet",
                             "-o", winpath(out)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=wine_env())
    try:
        proc.stdin.write(info.tobuf(format=tarfile.USTAR_FORMAT) + bytes(8 << 20))
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        while len(list(tmp_path.iterdir())) < 2:  # the temporary output exists: the build is under way
            assert proc.poll() is None and time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait(timeout=60)
    deadline = time.monotonic() + 60
    while sorted(p.name for p in tmp_path.iterdir()) != ["disk.vhd"] and time.monotonic() < deadline:
        time.sleep(0.2)  # the wineserver closes the dead process's handles asynchronously
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk.vhd"]
    assert out.read_bytes() == b"previous image\n"


def test_directory_output_is_refused(tmp_path):
    (tmp_path / "dir").mkdir()
    proc = run_windows([windows_program("tools/vhdbuild.exe"), "--empty", "16M", "--quiet", "-o", winpath(tmp_path / "dir")])
    assert proc.returncode == 1
    assert "exists and is a directory" in proc.stderr, proc.stderr
    assert (tmp_path / "dir").is_dir()


# --- compressed OCI layers (zlib and libzstd in the Windows build) -------------------------

def _tar(members):
    """An uncompressed tar of (name, data) pairs; a name ending in "/" is a directory."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name.rstrip("/"))
            info.mtime = 1700000000
            if name.endswith("/"):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _oci_layout(root, layers):
    """An OCI image layout of `layers`, (blob bytes, media type) pairs, lowest first."""
    root.mkdir()
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    config = dict(_blob(root, b"{}"), mediaType="application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config,
                "layers": [dict(_blob(root, data), mediaType=media) for data, media in layers]}
    m = _blob(root, json.dumps(manifest).encode())
    (root / "index.json").write_text(json.dumps(
        {"schemaVersion": 2, "manifests": [dict(m, mediaType="application/vnd.oci.image.manifest.v1+json")]}))
    return root


def _zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-"], input=data, capture_output=True, check=True).stdout


LOWER = [("etc/", b""), ("etc/hostname", b"lower\n"), ("etc/gone", b"x"), ("usr/", b""),
         ("usr/big.bin", bytes(range(256)) * 4096)]  # 1 MiB: several zlib/zstd blocks
UPPER = [("etc/.wh.gone", b""), ("etc/hostname", b"upper\n"), ("etc/motd", "h\u00e9llo\n".encode())]


def _debugfs(image, commands):
    with tempfile.NamedTemporaryFile("w", suffix=".cmds", delete=False) as f:
        f.write("".join(c + "\n" for c in commands))
    try:
        proc = subprocess.run(["debugfs", "-f", f.name, str(image)], capture_output=True, timeout=300)
    finally:
        os.unlink(f.name)
    parts = proc.stdout.split(b"debugfs: ")[1:]
    assert len(parts) == len(commands), proc.stderr
    return [p.split(b"\n", 1)[1] if b"\n" in p else b"" for p in parts]


def _build_and_check(layout, tmp_path):
    out = tmp_path / "oci.vhd"
    proc = run_windows([windows_program("tools/vhdbuild.exe"), "--from-oci", winpath(layout), "-o", winpath(out),
                        "--quiet"], timeout=300)
    assert proc.returncode == 0, proc.stderr
    fsck = subprocess.run(["e2fsck", "-fn", str(out)], capture_output=True, text=True, timeout=300)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    hostname, motd, big, etc = _debugfs(out, ["cat /etc/hostname", "cat /etc/motd", "cat /usr/big.bin", "ls /etc"])
    assert hostname == b"upper\n"
    assert motd == "h\u00e9llo\n".encode()
    assert big == dict(LOWER)["usr/big.bin"]
    assert b"gone" not in etc and b".wh." not in etc


def test_gzip_oci_layers_build_under_wine(tmp_path):
    gz = "application/vnd.oci.image.layer.v1.tar+gzip"
    layout = _oci_layout(tmp_path / "layout", [(gzip.compress(_tar(LOWER)), gz), (gzip.compress(_tar(UPPER)), gz)])
    _build_and_check(layout, tmp_path)


def test_zstd_oci_layers_build_under_wine(tmp_path):
    zst = "application/vnd.oci.image.layer.v1.tar+zstd"
    upper = _tar(UPPER)
    half = len(upper) // 2  # the upper layer as two frames, as `cat a.zst b.zst` gives
    layout = _oci_layout(tmp_path / "layout", [(_zstd(_tar(LOWER)), zst), (_zstd(upper[:half]) + _zstd(upper[half:]), zst)])
    _build_and_check(layout, tmp_path)


def test_truncated_zstd_layer_is_a_clear_error_under_wine(tmp_path):
    data = _zstd(_tar(LOWER))
    layout = _oci_layout(tmp_path / "layout", [(data[:len(data) // 2], "application/vnd.oci.image.layer.v1.tar+zstd")])
    out = tmp_path / "bad.vhd"
    proc = run_windows([windows_program("tools/vhdbuild.exe"), "--from-oci", winpath(layout), "-o", winpath(out)],
                       timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "truncated zstd data" in proc.stderr, proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("case", ["zstd-checksum", "data-after-the-end"])
def test_layer_is_read_to_its_end_under_wine(tmp_path, case):
    # The frame checksum follows the tar's last byte; the Windows build reads it too.
    tar = _tar(LOWER)
    if case == "zstd-checksum":
        data = bytearray(_zstd(tar))
        data[-2] ^= 1
        media, message = "application/vnd.oci.image.layer.v1.tar+zstd", "doesn't match checksum"
    else:
        data = tar + _tar([("second", b"archive")])  # cat a.tar b.tar
        media, message = "application/vnd.oci.image.layer.v1.tar", "data after the end of the archive"
    layout = _oci_layout(tmp_path / "layout", [(bytes(data), media)])
    out = tmp_path / "bad.vhd"
    proc = run_windows([windows_program("tools/vhdbuild.exe"), "--from-oci", winpath(layout), "-o", winpath(out)],
                       timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert message in proc.stderr, proc.stderr
    assert not out.exists()


# --- memory: the metadata spill arena (libhvsup/image/spill_arena_win.cpp) ----------------

sys.path.insert(0, str(ROOT / "test" / "integration"))
from many_entries import many_entries_tar  # noqa: E402  (the generator of the Linux memory test)

WINE = ROOT / "scripts" / "lib" / "wine64"


def _wine_peak_kib(argv):
    """Runs a Windows program under Wine through GNU time; returns (exit status, peak resident set
    in KiB). The program runs inside the wine64 process that time starts (the wineserver runs
    apart), so %M is the Windows process's peak as Linux counts it, Wine's own pages included."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", str(WINE), *map(str, argv)], capture_output=True,
                          text=True, timeout=900, env=wine_env())
    return proc.returncode, int(proc.stderr.strip().splitlines()[-1]), proc.stderr


def test_memory_does_not_grow_with_the_entry_count_under_wine(tmp_path):
    # 400 000 entries: without the arena their tree took 97 MiB more than 1 000 entries did
    # (28 -> 125 MiB); with it the arena keeps a 24 MiB budget, and the growth measured 30 MiB
    # (22 -> 52 MiB, the stage's build without debug information). Judged against a 1 000-entry
    # build, which has the same fixed costs (Wine itself, buffers, the output's bitmaps).
    def tar_of(n):
        path = tmp_path / f"{n}.tar"
        with open(path, "wb") as out:
            many_entries_tar(n, out)
        return path

    vhdbuild = windows_program("tools/vhdbuild.exe")
    peaks = {}
    for n in (1_000, 400_000):
        out_dir = tmp_path / f"out-{n}"
        out_dir.mkdir()
        status, peak, err = _wine_peak_kib([vhdbuild, "--from-tar", winpath(tar_of(n)), "-o",
                                            winpath(out_dir / "many.vhd"), "--quiet"])
        assert status == 0, err
        # Only the image is left: the spill file was deleted on close.
        assert sorted(os.listdir(out_dir)) == ["many.vhd"]
        peaks[n] = peak
    growth = peaks[400_000] - peaks[1_000]
    assert growth < 48 * 1024, f"peak {peaks[1_000]} KiB for 1 000 entries, {peaks[400_000]} KiB for 400 000"
    fsck = subprocess.run(["e2fsck", "-fn", str(tmp_path / "out-400000" / "many.vhd")], capture_output=True,
                          text=True, timeout=600)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
