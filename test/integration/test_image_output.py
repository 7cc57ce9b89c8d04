"""vhdbuild's output: nothing partial is ever left (failures and signals), only a regular file is
replaced, the output may not sit inside the source, and deleted content never reaches the image."""
import io
import os
import signal
import socket
import stat
import subprocess
import tarfile
import time

import pytest

from conftest import tool
from test_image_oci import add_blob, write_manifest
from test_image_support import build, debugfs, fsck_clean, parse_stat, vhdbuild
from test_image_tar import make_tar, member

OLD = b"the previous image, which must survive\n"


def tar_header(name, size):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def blocks_in_stdin_read(proc):
    """True once the process sleeps in a read of its standard input (the pipe)."""
    try:
        with open(f"/proc/{proc.pid}/wchan") as f:
            wchan = f.read()
        with open(f"/proc/{proc.pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state == "S" and "pipe" in wchan


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE])
def test_signal_mid_build_leaves_nothing_and_keeps_the_old_output(tmp_path, sig):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "disk.vhd"
    out.write_bytes(OLD)
    proc = subprocess.Popen([str(tool("vhdbuild")), "--from-tar", "-", "-o", str(out), "--size", "512M", "--quiet"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # 64 MiB of a 256 MiB member: the build has written data and waits for more.
        proc.stdin.write(tar_header("big", 256 << 20))
        chunk = os.urandom(1 << 20)
        for _ in range(64):
            proc.stdin.write(chunk)
        proc.stdin.flush()
        # The writes above returned once vhdbuild had read all but a pipe's worth: it is mid-build.
        # Waiting until it sleeps in its next read is a refinement (wchan may be hidden).
        deadline = time.monotonic() + 10
        while not blocks_in_stdin_read(proc) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "vhdbuild ended before the signal"
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == -sig
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
    assert sorted(p.name for p in out_dir.iterdir()) == ["disk.vhd"]
    assert out.read_bytes() == OLD


def test_failed_build_keeps_the_old_output(tmp_path):
    out = tmp_path / "disk.vhd"
    out.write_bytes(OLD)
    proc = vhdbuild("--from-tar", "-", "-o", out, input=tar_header("cut", 1 << 20) + b"x" * 1000, check=False)
    assert proc.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk.vhd"]
    assert out.read_bytes() == OLD


def test_existing_regular_output_is_replaced(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("new\n")
    out = tmp_path / "disk.vhd"
    out.write_bytes(OLD)
    os.chmod(out, 0o600)
    build("--from-dir", src, "-o", out)
    fsck_clean(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk.vhd", "src"]
    assert out.stat().st_size > len(OLD)


def non_regular_outputs(tmp_path):
    target = tmp_path / "target"
    target.write_bytes(OLD)
    os.symlink(target, tmp_path / "link")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    sock.close()
    cases = {"link": "a symlink", "dangling": "a symlink", "fifo": "a FIFO", "dir": "a directory", "sock": "a socket"}
    if os.geteuid() == 0:
        # A copy of /dev/null's node: the real one is never used here (a vhdbuild without the
        # check would replace it for the whole machine).
        os.mknod(tmp_path / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        cases["null"] = "a character device"
    return cases


def test_output_that_is_not_a_regular_file_is_refused(tmp_path):
    cases = non_regular_outputs(tmp_path)
    before = {p.name: os.lstat(p) for p in tmp_path.iterdir()}
    for name, kind in cases.items():
        proc = vhdbuild("--empty", "16M", "-o", tmp_path / name, check=False)
        err = proc.stderr.decode()
        assert proc.returncode == 1, name
        assert f"output {tmp_path / name}: exists and is {kind}" in err, err
    after = {p.name: os.lstat(p) for p in tmp_path.iterdir()}
    assert after.keys() == before.keys()
    for name, st in before.items():
        assert (after[name].st_mode, after[name].st_ino, after[name].st_rdev) == (st.st_mode, st.st_ino, st.st_rdev)
    assert (tmp_path / "target").read_bytes() == OLD


@pytest.mark.parametrize("where", ["top", "nested", "dotted"])
def test_output_inside_the_source_directory_is_refused(tmp_path, where):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "f").write_text("x\n")
    out = {"top": src / "disk.vhd", "nested": src / "sub" / "disk.vhd",
           "dotted": tmp_path / "other" / ".." / "src" / "sub" / "disk.vhd"}[where]
    (tmp_path / "other").mkdir()
    proc = vhdbuild("--from-dir", src, "-o", out, check=False)
    assert proc.returncode == 1
    assert b"is inside the fromDir source" in proc.stderr
    assert sorted(p.name for p in (src / "sub").iterdir()) == []
    assert sorted(p.name for p in src.iterdir()) == ["f", "sub"]


def test_output_beside_the_source_with_a_shared_prefix_is_accepted(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("x\n")
    build("--from-dir", src, "-o", tmp_path / "src.vhd")  # "src.vhd" starts with "src"
    fsck_clean(tmp_path / "src.vhd")


def test_directory_hard_links_of_every_kind_stay_links(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    os.symlink("target", src / "sym")
    os.link(src / "sym", src / "sym2", follow_symlinks=False)
    os.mkfifo(src / "fifo")
    os.link(src / "fifo", src / "fifo2")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "sock"))
    sock.close()
    os.link(src / "sock", src / "sock2")
    pairs = [("sym", "sym2"), ("fifo", "fifo2"), ("sock", "sock2")]
    if os.geteuid() == 0:
        os.mknod(src / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.link(src / "null", src / "null2")
        pairs.append(("null", "null2"))
    out = tmp_path / "links.vhd"
    build("--from-dir", src, "-o", out)
    fsck_clean(out)
    names = [n for pair in pairs for n in pair]
    texts = dict(zip(names, debugfs(out, [f"stat /{n}" for n in names])))
    ino = {n: int(t.split()[1]) for n, t in texts.items()}  # "Inode: N   Type: ..."
    for a, b in pairs:
        assert ino[a] == ino[b], (a, b, ino)
        assert parse_stat(texts[a])["links"] == 2, texts[a]


MARKER = b"DELETED-CONTENT-MUST-NOT-LEAK-7f3a9c"


def secret(n=5000):
    return (MARKER + b"\n") * n


def assert_no_marker(image):
    data = image.read_bytes()
    assert MARKER not in data, f"deleted content found at offset {data.find(MARKER)}"


@pytest.mark.parametrize("case", ["replaced", "hardlinked-then-replaced", "removed-dir", "big-replaced"])
def test_replaced_tar_members_leave_no_content(tmp_path, case):
    members = {
        "replaced": [member("a", data=secret()), member("a", data=b"new\n")],
        "hardlinked-then-replaced": [member("a", data=secret()), member("b", tarfile.LNKTYPE, linkname="a"),
                                     member("a", data=b"new a\n"), member("b", data=b"new b\n")],
        "removed-dir": [member("d/", tarfile.DIRTYPE), member("d/f", data=secret()),
                        member("d", tarfile.SYMTYPE, linkname="elsewhere")],
        "big-replaced": [member("a", data=secret(200_000)), member("a", tarfile.SYMTYPE, linkname="x")],
    }[case]
    tar = tmp_path / "in.tar"
    tar.write_bytes(make_tar(members))
    out = tmp_path / "out.vhd"
    build("--from-tar", tar, "-o", out)
    fsck_clean(out)
    assert_no_marker(out)


def test_hard_link_keeps_content_when_one_name_is_replaced(tmp_path):
    tar = tmp_path / "in.tar"
    tar.write_bytes(make_tar([member("a", data=secret(10)), member("b", tarfile.LNKTYPE, linkname="a"),
                              member("a", data=b"new a\n")]))
    out = tmp_path / "out.vhd"
    build("--from-tar", tar, "-o", out)
    fsck_clean(out)
    dump = tmp_path / "b.out"
    debugfs(out, [f'dump /b "{dump}"'])
    assert dump.read_bytes() == secret(10)


@pytest.mark.parametrize("overlay", [False, True])
def test_whited_out_oci_files_leave_no_content(tmp_path, overlay):
    root = tmp_path / "layout"
    root.mkdir()
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    lower = [member("etc/", tarfile.DIRTYPE, mode=0o755), member("etc/secret", data=secret())]
    upper = [member("etc/.wh.secret", data=b"")]
    if not overlay:  # with --overlay an opaque directory keeps the lower entries (whiteout semantics)
        lower += [member("d/", tarfile.DIRTYPE, mode=0o755), member("d/old", data=secret())]
        upper += [member("d/.wh..wh..opq", data=b""), member("d/new", data=b"new\n")]
    lower, upper = make_tar(lower), make_tar(upper)
    write_manifest(root, [dict(add_blob(root, lower), mediaType="application/vnd.oci.image.layer.v1.tar"),
                          dict(add_blob(root, upper), mediaType="application/vnd.oci.image.layer.v1.tar")], b"{}")
    out = tmp_path / "oci.vhd"
    build("--from-oci", root, "-o", out, *(["--overlay"] if overlay else []))
    fsck_clean(out)
    assert_no_marker(out)


def zero_block_content(blocks):
    """`blocks` 4 KiB blocks, every third one all zeros, and a tail of zeros shorter than a block."""
    parts = [bytes(4096) if i % 3 == 1 else os.urandom(4096) for i in range(blocks)]
    return b"".join(parts) + bytes(1000), sum(1 for i in range(blocks) if i % 3 != 1)


@pytest.mark.parametrize("source", ["dir", "tar", "tar-stdin"])
def test_all_zero_blocks_become_holes_in_files_under_256k(tmp_path, source):
    small, small_data_blocks = zero_block_content(30)  # 120 KiB: zero blocks become holes
    big, _ = zero_block_content(600)                   # 2.4 MiB: written whole (copied by the kernel)
    files = {"small": small, "big": big}
    out = tmp_path / "holes.vhd"
    if source == "dir":
        src = tmp_path / "src"
        src.mkdir()
        for name, data in files.items():
            (src / name).write_bytes(data)
        build("--from-dir", src, "-o", out)
    else:
        tar = make_tar([member(name, data=data) for name, data in files.items()])
        if source == "tar":
            (tmp_path / "in.tar").write_bytes(tar)
            build("--from-tar", tmp_path / "in.tar", "-o", out)
        else:
            build("--from-tar", "-", "-o", out, input=tar)
    fsck_clean(out)
    expected_blocks = {"small": small_data_blocks, "big": (len(big) + 4095) // 4096}
    for name, data in files.items():
        info = parse_stat(debugfs(out, [f"stat /{name}"])[0])
        assert info["size"] == len(data)
        # Blockcount is in 512-byte sectors; a file with many extents adds extent-tree blocks.
        assert expected_blocks[name] * 8 <= info["blockcount"] <= (expected_blocks[name] + 2) * 8, (name, info)
        dump = tmp_path / f"{name}.out"
        debugfs(out, [f'dump /{name} "{dump}"'])
        assert dump.read_bytes() == data
