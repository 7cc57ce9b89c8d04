# SPDX-License-Identifier: MIT
"""OCI image layout input (layers in order, whiteouts) and the image C ABI through ctypes."""
import ctypes
import gzip
import hashlib
import io
import json
import os
import pathlib
import subprocess
import tarfile

import pytest

from conftest import BUILD
from test_image_support import build, debugfs, fsck_clean, parse_stat, vhdbuild
from test_image_tar import make_tar, member


def add_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def write_manifest(root, layers, config):
    """Adds the config blob, a manifest of `layers` (descriptors) and index.json pointing at it."""
    config = dict(add_blob(root, config), mediaType="application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config,
                "layers": layers}
    m = add_blob(root, json.dumps(manifest).encode())
    (root / "index.json").write_text(json.dumps(
        {"schemaVersion": 2, "manifests": [dict(m, mediaType="application/vnd.oci.image.manifest.v1+json")]}))


def make_layout(root):
    root.mkdir()
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    lower = make_tar([member("etc/", tarfile.DIRTYPE, mode=0o755), member("etc/a", data=b"a"), member("etc/b", data=b"b"),
                      member("d/", tarfile.DIRTYPE, mode=0o755), member("d/x", data=b"x"), member("d/y", data=b"y")])
    upper = make_tar([member("etc/.wh.a", data=b""), member("d/.wh..wh..opq", data=b""), member("d/z", data=b"z"),
                      member("etc/c", data=b"c")])
    layers = [dict(add_blob(root, gzip.compress(lower)), mediaType="application/vnd.oci.image.layer.v1.tar+gzip"),
              dict(add_blob(root, upper), mediaType="application/vnd.oci.image.layer.v1.tar")]
    write_manifest(root, layers, b"{}")
    return root


def ls(image, path):
    text = debugfs(image, [f"ls -l {path}"])[0]
    return {line.split()[-1] for line in text.splitlines() if line.split()}


def test_oci_layers_apply_whiteouts(tmp_path):
    layout = make_layout(tmp_path / "layout")
    out = tmp_path / "oci.vhd"
    build("--from-oci", layout, "-o", out)
    fsck_clean(out)
    assert ls(out, "/etc") >= {"b", "c"} and "a" not in ls(out, "/etc")
    names = ls(out, "/d")
    assert "z" in names and "x" not in names and "y" not in names
    assert not any(n.startswith(".wh.") for n in ls(out, "/etc") | names)


def test_oci_overlay_keeps_whiteouts(tmp_path):
    layout = make_layout(tmp_path / "layout")
    out = tmp_path / "overlay.vhd"
    build("--from-oci", layout, "-o", out, "--overlay")
    fsck_clean(out)
    a, d = (parse_stat(t) for t in debugfs(out, ["stat /etc/a", "stat /d"]))
    assert a["type"] == "character special" and a["device"] == (0, 0)
    assert d["xattrs"]["trusted.overlay.opaque"] == (1, "y")


def test_oci_missing_blob_is_an_error(tmp_path):
    layout = make_layout(tmp_path / "layout")
    for blob in (layout / "blobs" / "sha256").iterdir():
        if blob.stat().st_size > 200:  # a layer
            blob.unlink()
            break
    outdir = tmp_path / "out"
    outdir.mkdir()
    from test_image_support import vhdbuild
    proc = vhdbuild("--from-oci", layout, "-o", outdir / "x.vhd", check=False)
    assert proc.returncode == 1
    assert list(outdir.iterdir()) == []


# --- C ABI ------------------------------------------------------------------------------

PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p)


class BuildOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("flags", ctypes.c_uint32), ("progress", PROGRESS),
                ("progress_user", ctypes.c_void_p)]


@pytest.fixture(scope="module")
def lib():
    path = BUILD / "libhvsup" / "libhvsup.so"
    if not path.exists():
        pytest.fail(f"{path} is not built")
    lib = ctypes.CDLL(str(path))
    lib.hvsup_image_create.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.POINTER(BuildOptions),
                                       ctypes.POINTER(ctypes.c_void_p)]
    lib.hvsup_image_check_footer.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p,
                                             ctypes.POINTER(ctypes.c_void_p)]
    lib.hvsup_image_describe.argtypes = lib.hvsup_image_check_footer.argtypes
    lib.hvsup_error_message.restype = ctypes.c_char_p
    lib.hvsup_error_message.argtypes = [ctypes.c_void_p]
    lib.hvsup_error_free.argtypes = [ctypes.c_void_p]
    lib.hvsup_string_free.argtypes = [ctypes.c_void_p]
    return lib


def call_build(lib, request, progress=None, version=1, flags=0):
    opts = BuildOptions(version, flags, progress or PROGRESS(), None)
    out, err = ctypes.c_void_p(), ctypes.c_void_p()
    status = lib.hvsup_image_create(ctypes.byref(out), json.dumps(request).encode(), ctypes.byref(opts), ctypes.byref(err))
    text = ctypes.string_at(out.value).decode() if out.value else None
    message = lib.hvsup_error_message(err).decode() if err.value else None
    lib.hvsup_string_free(out)
    lib.hvsup_error_free(err)
    return status, text, message


def test_c_abi_build_progress_and_footer(lib, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(2000):
        (src / f"f{i}").write_bytes(b"x" * 100)
    calls = []

    @PROGRESS
    def progress(bytes_written, entries, user):
        calls.append((bytes_written, entries))
        return 0

    out = tmp_path / "c.vhd"
    status, summary, message = call_build(lib, {"fromDir": str(src), "output": str(out)}, progress)
    assert status == 0, message
    assert json.loads(summary)["files"] == 2000
    assert calls and calls[-1][1] == 2000 and calls[-1][0] == 200_000
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)
    fsck_clean(out)
    fout, ferr = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.hvsup_image_check_footer(ctypes.byref(fout), str(out).encode(), ctypes.byref(ferr)) == 0
    footer = json.loads(ctypes.string_at(fout.value))
    lib.hvsup_string_free(fout)
    assert footer["currentSize"] == out.stat().st_size - 512
    raw = tmp_path / "raw.img"
    assert call_build(lib, {"fromDir": str(src), "output": str(raw), "raw": True})[0] == 0
    assert lib.hvsup_image_check_footer(None, str(raw).encode(), ctypes.byref(ferr)) == -8  # HVSUP_E_INTEGRITY
    assert b"conectix" in lib.hvsup_error_message(ferr)
    lib.hvsup_error_free(ferr)


def test_c_abi_cancel_leaves_nothing(lib, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3000):
        (src / f"f{i}").write_bytes(b"y")

    @PROGRESS
    def cancel(bytes_written, entries, user):
        return 1

    outdir = tmp_path / "out"
    outdir.mkdir()
    status, _, message = call_build(lib, {"fromDir": str(src), "output": str(outdir / "x.vhd")}, cancel)
    assert status == -1 and "cancelled" in message
    assert list(outdir.iterdir()) == []


def test_c_abi_rejects_bad_arguments(lib, tmp_path):
    assert call_build(lib, {"fromDir": str(tmp_path)}, version=1)[0] == -2  # no output
    assert call_build(lib, {"fromDir": str(tmp_path), "output": str(tmp_path / "o")}, version=99)[0] == -2
    assert call_build(lib, {"fromDir": str(tmp_path), "output": str(tmp_path / "o")}, flags=4)[0] == -2
    err = ctypes.c_void_p()
    assert lib.hvsup_image_create(None, None, None, ctypes.byref(err)) == -2
    lib.hvsup_error_free(err)
    assert lib.hvsup_image_describe(None, str(tmp_path / "missing").encode(), None) == -2  # out is NULL
    out = ctypes.c_void_p()
    assert lib.hvsup_image_describe(ctypes.byref(out), str(tmp_path / "missing").encode(), None) == -4  # not found


# --- blob digests and zstd layers ---------------------------------------------------------

def zstd(data):
    proc = subprocess.run(["zstd", "-q", "-c", "-"], input=data, capture_output=True, check=True)
    return proc.stdout


def make_zstd_layout(root):
    """Two layers, both zstd (the upper one written as two frames, as `zstd` concatenation gives)."""
    root.mkdir()
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    lower = make_tar([member("etc/", tarfile.DIRTYPE, mode=0o755), member("etc/a", data=b"a" * 5000),
                      member("etc/b", data=os.urandom(300_000)), member("d/", tarfile.DIRTYPE, mode=0o755),
                      member("d/x", data=b"x")])
    upper = make_tar([member("etc/.wh.a", data=b""), member("d/.wh..wh..opq", data=b""), member("d/z", data=b"z"),
                      member("etc/c", data=b"c" * 70_000)])
    half = len(upper) // 2
    zmedia = "application/vnd.oci.image.layer.v1.tar+zstd"
    layers = [dict(add_blob(root, zstd(lower)), mediaType=zmedia),
              dict(add_blob(root, zstd(upper[:half]) + zstd(upper[half:])), mediaType=zmedia)]
    write_manifest(root, layers, b'{"architecture": "amd64"}')
    return root, lower, upper


def test_oci_zstd_layers_round_trip(tmp_path):
    layout, lower, upper = make_zstd_layout(tmp_path / "layout")
    out = tmp_path / "zstd.vhd"
    build("--from-oci", layout, "-o", out)
    fsck_clean(out)
    assert ls(out, "/etc") >= {"b", "c"} and "a" not in ls(out, "/etc")
    assert "z" in ls(out, "/d") and "x" not in ls(out, "/d")
    src = {m.name: m for m in tarfile.open(fileobj=io.BytesIO(lower))}
    dump = tmp_path / "b"
    debugfs(out, [f'dump "/etc/b" "{dump}"', f'dump "/etc/c" "{tmp_path / "c"}"'])
    assert dump.read_bytes() == tarfile.open(fileobj=io.BytesIO(lower)).extractfile(src["etc/b"]).read()
    assert (tmp_path / "c").read_bytes() == b"c" * 70_000


def test_zstd_tar_file_gives_the_same_image_as_plain(tmp_path):
    layout, lower, _ = make_zstd_layout(tmp_path / "layout")
    plain, packed = tmp_path / "l.tar", tmp_path / "l.tar.zst"
    plain.write_bytes(lower)
    packed.write_bytes(zstd(lower))
    opts = ["--uuid", "2f0a2c5e-7b41-4d3e-9a53-0c1d2e3f4a5b", "--timestamp", "1700000000"]
    a, b = tmp_path / "a.vhd", tmp_path / "b.vhd"
    build("--from-tar", plain, "-o", a, *opts)
    build("--from-tar", packed, "-o", b, *opts)
    fsck_clean(b)
    assert a.read_bytes() == b.read_bytes()
    # Truncated zstd data: an error, no output.
    cut = tmp_path / "cut.tar.zst"
    cut.write_bytes(packed.read_bytes()[: len(packed.read_bytes()) // 2])
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-tar", cut, "-o", outdir / "x.vhd", check=False)
    assert proc.returncode == 1 and b"zstd" in proc.stderr, proc.stderr
    assert list(outdir.iterdir()) == []


def _corrupt(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("which", ["layer", "config", "manifest", "layer-size"])
def test_oci_blob_digest_mismatch_is_refused(tmp_path, which):
    layout, _, _ = make_zstd_layout(tmp_path / "layout")
    index = json.loads((layout / "index.json").read_text())
    mdigest = index["manifests"][0]["digest"]
    manifest = json.loads((layout / "blobs" / "sha256" / mdigest.split(":")[1]).read_bytes())
    blob = lambda d: layout / "blobs" / "sha256" / d.split(":")[1]
    if which == "layer":
        bad = manifest["layers"][1]["digest"]
        _corrupt(blob(bad))
    elif which == "config":
        bad = manifest["config"]["digest"]
        _corrupt(blob(bad))
    elif which == "manifest":
        bad = mdigest
        text = blob(bad).read_bytes()
        blob(bad).write_bytes(text.replace(b'"schemaVersion": 2', b'"schemaVersion": 3'))  # same size
    else:  # the right content, but a descriptor claiming another size
        bad = manifest["layers"][0]["digest"]
        manifest["layers"][0]["size"] += 1
        m = add_blob(layout, json.dumps(manifest).encode())
        (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [m]}))
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-oci", layout, "-o", outdir / "x.vhd", check=False)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert bad in err, err
    assert ("descriptor says" if which == "layer-size" else "digest mismatch") in err, err
    assert list(outdir.iterdir()) == []


# --- Whiteouts by layer, blob reads, manifest selection ---------------------------------------

def layered_layout(root, *layer_tars):
    root.mkdir()
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    write_manifest(root, [dict(add_blob(root, t), mediaType="application/vnd.oci.image.layer.v1.tar") for t in layer_tars],
                   b"{}")
    return root


def tree_of(image):
    """Every path below / (lost+found excluded), from debugfs `rdump`-free listing."""
    paths, todo = set(), ["/"]
    while todo:
        d = todo.pop()
        for line in debugfs(image, [f'ls -l "{d}"'])[0].splitlines():
            parts = line.split()
            if len(parts) < 2 or parts[-1] in (".", "..", "lost+found"):
                continue
            p = d.rstrip("/") + "/" + parts[-1]
            paths.add(p)
            if int(parts[1], 8) & 0o170000 == 0o040000:
                todo.append(p)
    return paths


def test_whiteouts_hide_only_lower_layers_wherever_they_stand(tmp_path):
    lower = make_tar([member("d/", tarfile.DIRTYPE, mode=0o755), member("d/-a/", tarfile.DIRTYPE, mode=0o700),
                      member("d/-a/old", data=b"old"), member("d/-b/", tarfile.DIRTYPE, mode=0o700),
                      member("d/-b/old", data=b"old"), member("d/#lower", data=b"lower"), member("d/keep", data=b"k"),
                      member("e/", tarfile.DIRTYPE, mode=0o755), member("e/-x", data=b"lower -x"),
                      member("e/gone", data=b"gone")])
    # Upper: entries whose names sort before ".wh" come first, then the markers (tar order).
    upper = make_tar([member("d/-a/new", data=b"new"), member("d/-b/", tarfile.DIRTYPE, mode=0o750),
                      member("d/-b/mine", data=b"mine"), member("d/.wh..wh..opq", data=b""),
                      member("e/-x", data=b"upper -x"), member("e/.wh.-x", data=b""), member("e/.wh.gone", data=b"")])
    layout = layered_layout(tmp_path / "layout", lower, upper)
    out = tmp_path / "o.vhd"
    build("--from-oci", layout, "-o", out)
    fsck_clean(out)
    assert tree_of(out) == {"/d", "/d/-a", "/d/-a/new", "/d/-b", "/d/-b/mine", "/e", "/e/-x"}
    assert cat(out, "e/-x", tmp_path) == b"upper -x"
    assert parse_stat(debugfs(out, ["stat /d/-b"])[0])["mode"] == 0o750


def cat(image, path, tmp_path):
    dest = tmp_path / "cat.out"
    debugfs(image, [f'dump "/{path}" "{dest}"'])
    return dest.read_bytes()


@pytest.mark.parametrize("name", [".wh.", ".wh..", ".wh..."])
def test_whiteout_without_a_name_is_refused(tmp_path, name):
    layout = layered_layout(tmp_path / "layout", make_tar([member("d/f", data=b"x")]),
                            make_tar([member(f"d/{name}", data=b"")]))
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-oci", layout, "-o", outdir / "o.vhd", check=False)
    assert proc.returncode == 1, proc.stderr
    assert b"a whiteout must name an entry" in proc.stderr or b'"..\\" is not allowed' in proc.stderr, proc.stderr
    assert list(outdir.iterdir()) == []


def opaque_dirs(image, paths):
    """The directories among `paths` that carry trusted.overlay.opaque=y."""
    stats = debugfs(image, [f'stat "{p}"' for p in paths])
    return {p for p, t in zip(paths, stats) if parse_stat(t)["xattrs"].get("trusted.overlay.opaque") == (1, "y")}


WHITEOUT_LOWER = [member("y/", tarfile.DIRTYPE, mode=0o755), member("y/old", data=b"old"),
                  member("d/", tarfile.DIRTYPE, mode=0o755), member("d/old", data=b"old"), member("d/#x", data=b"lower"),
                  member("k/", tarfile.DIRTYPE, mode=0o755), member("k/old", data=b"old"), member("f", data=b"f")]
# The same upper layer in two tar orders: the markers first, or after the entries they sit
# beside (names before ".wh" in a sorted tar: "-x", "+x", "#x"). y: whited out and re-created
# by this layer as a directory; k: whited out, then this layer writes into it (an implicit
# parent); d: opaque, re-declared, with same-layer files sorting before the marker.
WHITEOUT_UPPER = {
    "markers-first": [member(".wh.y", data=b""), member(".wh.k", data=b""), member("d/.wh..wh..opq", data=b""),
                      member("d/", tarfile.DIRTYPE, mode=0o700), member("d/-x", data=b"-x"), member("d/+x", data=b"+x"),
                      member("d/#x", data=b"upper"), member("y/", tarfile.DIRTYPE, mode=0o750),
                      member("y/new", data=b"new"), member("k/sub/new", data=b"new")],
    "markers-last": [member("d/", tarfile.DIRTYPE, mode=0o700), member("d/#x", data=b"upper"), member("d/+x", data=b"+x"),
                     member("d/-x", data=b"-x"), member("d/.wh..wh..opq", data=b""), member("k/sub/new", data=b"new"),
                     member("y/", tarfile.DIRTYPE, mode=0o750), member("y/new", data=b"new"), member(".wh.k", data=b""),
                     member(".wh.y", data=b"")],
}


@pytest.mark.parametrize("overlay", [False, True], ids=["apply", "overlay"])
def test_whiteout_order_within_a_layer_does_not_matter(tmp_path, overlay):
    results = {}
    for order, upper in WHITEOUT_UPPER.items():
        layout = layered_layout(tmp_path / order, make_tar(WHITEOUT_LOWER), make_tar(upper))
        out = tmp_path / f"{order}.vhd"
        proc = vhdbuild("--from-oci", layout, "-o", out, *(["--overlay"] if overlay else []), check=False)
        assert proc.returncode == 0, (order, proc.stderr)  # --overlay: "k" was a whiteout device, not a directory
        fsck_clean(out)
        tree = tree_of(out)
        assert {p for p in tree if p.startswith(("/d", "/y", "/k"))} == {
            "/d", "/d/-x", "/d/+x", "/d/#x", "/y", "/y/new", "/k", "/k/sub", "/k/sub/new"}, (order, tree)
        assert ("/f" in tree) and cat(out, "d/#x", tmp_path) == b"upper"
        assert parse_stat(debugfs(out, ["stat /d"])[0])["mode"] == 0o700, order
        opaque = opaque_dirs(out, ["/d", "/y", "/k", "/k/sub"])
        # --overlay: every directory standing where lower entries were hidden is opaque,
        # whichever came first in the tar; without it no overlay xattr is written.
        assert opaque == ({"/d", "/y", "/k"} if overlay else set()), (order, opaque)
        results[order] = (tree, opaque)
    assert results["markers-first"] == results["markers-last"]


@pytest.mark.parametrize("overlay", [False, True], ids=["apply", "overlay"])
def test_hard_link_to_a_whited_out_entry_is_refused(tmp_path, overlay):
    layout = layered_layout(tmp_path / "layout", make_tar([member("f", data=b"f")]),
                            make_tar([member(".wh.f", data=b""), member("g", tarfile.LNKTYPE, linkname="f")]))
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-oci", layout, "-o", outdir / "o.vhd", *(["--overlay"] if overlay else []), check=False)
    assert proc.returncode == 1 and b'hard link "g" -> "f": the target does not exist' in proc.stderr, proc.stderr
    assert list(outdir.iterdir()) == []


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_layer_blob_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    layout = layered_layout(tmp_path / "layout", make_tar([member("f", data=b"x")]))
    manifest = json.loads((layout / "index.json").read_text())["manifests"][0]
    blob_doc = json.loads((layout / "blobs" / "sha256" / manifest["digest"].split(":")[1]).read_text())
    layer = layout / "blobs" / "sha256" / blob_doc["layers"][0]["digest"].split(":")[1]
    layer.unlink()
    if kind == "fifo":
        os.mkfifo(layer)  # nobody writes: reading it would block forever
    else:
        os.symlink("/dev/zero", layer)  # endless
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = subprocess.run([str(BUILD / "tools" / "vhdbuild"), "--from-oci", str(layout), "-o", str(outdir / "o.vhd")],
                          capture_output=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert b"is not a regular file" in proc.stderr and blob_doc["layers"][0]["digest"].encode() in proc.stderr
    assert list(outdir.iterdir()) == []


def test_overlong_layer_blob_is_read_no_further_than_its_size(tmp_path):
    layout = layered_layout(tmp_path / "layout", make_tar([member("f", data=b"x")]))
    manifest = json.loads((layout / "index.json").read_text())["manifests"][0]
    blob_doc = json.loads((layout / "blobs" / "sha256" / manifest["digest"].split(":")[1]).read_text())
    layer = layout / "blobs" / "sha256" / blob_doc["layers"][0]["digest"].split(":")[1]
    with open(layer, "ab") as f:
        f.write(b"\0" * 4096)
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild("--from-oci", layout, "-o", outdir / "o.vhd", check=False)
    assert proc.returncode == 1 and b"the blob is larger than the" in proc.stderr, proc.stderr
    assert list(outdir.iterdir()) == []


def multi_platform_layout(root):
    """An index with amd64, arm64 and an attestation-like unknown/unknown manifest, plus a second
    amd64 manifest under another ref name."""
    root.mkdir()
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    entries = []
    for arch, ref, content in [("amd64", "v1", b"amd64"), ("arm64", "v1", b"arm64"), ("unknown", "v1", b"att"),
                               ("amd64", "v2", b"amd64-v2")]:
        layer = dict(add_blob(root, make_tar([member("arch", data=content)])),
                     mediaType="application/vnd.oci.image.layer.v1.tar")
        config = dict(add_blob(root, json.dumps({"architecture": arch, "os": "linux"}).encode()),
                      mediaType="application/vnd.oci.image.config.v1+json")
        m = add_blob(root, json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                       "config": config, "layers": [layer]}).encode())
        entries.append(dict(m, mediaType="application/vnd.oci.image.manifest.v1+json",
                            platform={"os": "unknown" if arch == "unknown" else "linux", "architecture": arch},
                            annotations={"org.opencontainers.image.ref.name": ref}))
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": entries}))
    return root


def test_manifest_is_selected_by_platform_and_ref(tmp_path):
    layout = multi_platform_layout(tmp_path / "layout")
    outdir = tmp_path / "out"
    outdir.mkdir()

    def arch_of(*args):
        out = outdir / "o.vhd"
        build("--from-oci", layout, "-o", out, *args)
        data = cat(out, "arch", tmp_path)
        out.unlink()
        return data

    assert arch_of("--platform", "linux/arm64", "--ref", "v1") == b"arm64"
    assert arch_of("--platform", "linux/amd64", "--ref", "v2") == b"amd64-v2"
    assert arch_of("--ref", "v2") == b"amd64-v2" or os.uname().machine != "x86_64"
    if os.uname().machine == "x86_64":
        assert arch_of("--ref", "v1") == b"amd64"  # the host's platform by default
    for args, message in [(["--platform", "linux/amd64"], b"has 2 manifests for platform linux/amd64"),
                          (["--platform", "linux/s390x", "--ref", "v1"], b"no manifest for platform linux/s390x"),
                          (["--ref", "v9"], b'no manifest with ref name "v9" (ref names: v1, v1, v1, v2)'),
                          (["--platform", "amd64"], b"expected OS/ARCHITECTURE[/VARIANT]")]:
        proc = vhdbuild("--from-oci", layout, "-o", outdir / "o.vhd", *args, check=False)
        assert proc.returncode == 1 and message in proc.stderr, (args, proc.stderr)
        assert list(outdir.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["--from-oci", "L", "--size", "64M", "--free", "1M"], b"free: only applies when no size is given"),
    (["--from-dir", "D", "--convert-backslash"], b"convertBackslash: only applies to fromTar and fromOci"),
    (["--from-dir", "D", "--platform", "linux/amd64"], b"platform: only applies to fromOci"),
    (["--from-dir", "D", "--ref", "x"], b"ref: only applies to fromOci"),
    (["--from-dir", "D", "--label", "two\nlines"], b"label: control characters"),
    (["--from-dir", "D", "--uuid", "00000000-0000-0000-0000-000000000000"], b"uuid: the nil UUID"),
])
def test_options_that_would_be_ignored_or_invalid_are_errors(tmp_path, args, message):
    layout = make_layout(tmp_path / "L")
    (tmp_path / "D").mkdir()
    args = [str(layout) if a == "L" else str(tmp_path / "D") if a == "D" else a for a in args]
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = vhdbuild(*args, "-o", outdir / "o.vhd", check=False)
    assert proc.returncode == 1 and message in proc.stderr, proc.stderr
    assert list(outdir.iterdir()) == []
