"""vhdbuild.exe under Wine: non-ASCII paths on its command line, and the same image as on Linux."""
import os
import pathlib
import subprocess
import tarfile

import pytest

from conftest import ROOT, run_windows, windows_program, winpath

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


def test_directory_output_is_refused(tmp_path):
    (tmp_path / "dir").mkdir()
    proc = run_windows([windows_program("tools/vhdbuild.exe"), "--empty", "16M", "--quiet", "-o", winpath(tmp_path / "dir")])
    assert proc.returncode == 1
    assert "exists and is a directory" in proc.stderr, proc.stderr
    assert (tmp_path / "dir").is_dir()
