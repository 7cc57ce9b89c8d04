# SPDX-License-Identifier: MIT
"""The Windows zip (scripts/build-windows) as a user unpacks it: the DLL, the tools, import
libraries, every public header, the licence, the Go and Python binding sources, the docs and the
PowerShell example; and no zip at all when the licence is missing.

The zip is built from this stage's Windows build (HVSUP_WINDOWS_DIST_BUILD_DIR), not a second
release build: what is packaged, and how, is the same."""
import os
import pathlib
import subprocess
import zipfile

import pytest

from conftest import BUILD, ROOT

BUILD_WINDOWS = ROOT / "scripts" / "build-windows"


def build_zip(out_dir, **env):
    return subprocess.run(["bash", str(BUILD_WINDOWS)], capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "HVSUP_WINDOWS_DIST_BUILD_DIR": str(BUILD),
                               "HVSUP_WINDOWS_DIST_DIR": str(out_dir), **env})


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = build_zip(out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    zips = list(out.glob("hvsup-*-win64.zip"))
    assert len(zips) == 1, proc.stdout
    with zipfile.ZipFile(zips[0]) as z:
        names = z.namelist()
        z.extractall(out / "unpacked")
    (top,) = {n.split("/")[0] for n in names}
    assert top == zips[0].stem
    return out / "unpacked" / top, sorted(n.split("/", 1)[1] for n in names if not n.endswith("/"))


def test_zip_holds_the_binaries_licence_headers_and_docs(unpacked):
    root, listing = unpacked
    for name in ["LICENSE", "bin/hvsup.dll", "bin/hvsup-cli.exe", "bin/vhdbuild.exe", "bin/hvsock-listener.exe",
                 "lib/hvsup.dll.a", "lib/hvsup.lib", "lib/hvsup.def",
                 "docs/README.md", "docs/windows.md", "docs/cli.md", "docs/LICENSE-zstd.txt", "docs/LICENSE-zlib.txt"]:
        assert name in listing, f"{name} not in the zip: {listing}"
    assert (root / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()
    headers = sorted(p.relative_to(ROOT / "include").as_posix() for p in (ROOT / "include" / "hvsup").glob("*.h"))
    assert headers and all(f"include/{h}" in listing for h in headers), headers


def test_zip_holds_the_binding_sources_without_their_tests(unpacked):
    root, listing = unpacked
    go = [n for n in listing if n.startswith("bindings/go/")]
    python = [n for n in listing if n.startswith("bindings/python/")]
    assert "bindings/go/go.mod" in go
    assert any(n.endswith("/capi.go") for n in go), go
    assert any(n.endswith("hvsup/__init__.py") for n in python), python
    shipped = {n.split("/", 1)[1] for n in go + python}
    expected = {p.relative_to(ROOT / "bindings").as_posix() for p in (ROOT / "bindings").rglob("*")
                if p.is_file() and p.suffix in (".go", ".py") and not p.name.endswith("_test.go")
                and "tests" not in p.parts and "__pycache__" not in p.parts}
    assert expected <= shipped, sorted(expected - shipped)
    assert not [n for n in listing if n.endswith("_test.go") or "/tests/" in n or "__pycache__" in n or n.endswith(".pyc")]
    # The cgo header path of the module, ${SRCDIR}/../../../include, names the zip's include/.
    assert (root / "bindings" / "go" / "hvsup" / ".." / ".." / ".." / "include" / "hvsup" / "hvsup.h").resolve().exists()


def test_zip_binaries_keep_their_version_resources(unpacked):
    root, _ = unpacked
    objdump = "x86_64-w64-mingw32-objdump"
    for binary in ["hvsup.dll", "hvsup-cli.exe", "vhdbuild.exe", "hvsock-listener.exe"]:
        sections = subprocess.run([objdump, "-h", str(root / "bin" / binary)], capture_output=True, text=True, check=True).stdout
        assert ".rsrc" in sections, f"{binary}: no resource section after strip"


def test_powershell_example_uses_a_request_file_written_as_utf8_without_bom(unpacked):
    root, listing = unpacked
    examples = [n for n in listing if n.startswith("examples/") and n.endswith(".ps1")]
    assert examples, listing
    text = (root / examples[0]).read_text(encoding="utf-8")
    assert "--request $file" in text
    assert "New-Object System.Text.UTF8Encoding($false)" in text and "WriteAllText(" in text
    # The ways Windows PowerShell 5.1 writes a BOM or UTF-16, or pipes ASCII to a native program.
    for bad in ["Set-Content", "Out-File", "| & $Cli", "-Encoding UTF8"]:
        assert bad not in text.replace("\"Set-Content -Encoding UTF8\"", "").replace("\"Out-File\"", ""), bad


def test_no_zip_without_the_licence(tmp_path):
    proc = build_zip(tmp_path, HVSUP_WINDOWS_LICENSE_FILE=str(tmp_path / "absent" / "LICENSE"))
    assert proc.returncode != 0
    assert f"{tmp_path / 'absent' / 'LICENSE'} is missing; the zip must carry the licence" in proc.stderr
    assert not list(tmp_path.glob("*.zip"))
