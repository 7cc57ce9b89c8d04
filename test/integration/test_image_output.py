# SPDX-License-Identifier: MIT
"""vhdbuild's output: nothing partial is ever left (failures and signals), only a regular file is
replaced, the output may not sit inside the source, and deleted content never reaches the image."""
import gzip
import io
import os
import pathlib
import shutil
import signal
import socket
import stat
import subprocess
import tarfile
import tempfile
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


def default_disposition(sig):
    """In the child before exec: the signal under test gets its default action and is unblocked.

    An ignored signal stays ignored across exec, and vhdbuild rightly keeps it so (that is how
    nohup works); a runner started in the background by a shell (SIGINT ignored) or under nohup
    (SIGHUP ignored) would otherwise make the build outlive the signal the test sends."""
    signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})


def process_state(pid):
    """Signal masks and each thread's state and wait channel, for a process that outlived a signal."""
    try:
        with open(f"/proc/{pid}/status") as f:
            masks = " ".join(line.strip() for line in f if line.startswith(("SigBlk", "SigIgn", "SigPnd", "ShdPnd")))
        threads = []
        for tid in sorted(os.listdir(f"/proc/{pid}/task")):
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{pid}/task/{tid}/wchan") as f:
                threads.append(f"{tid}:{state}:{f.read()}")
        return f"{masks}; threads {threads}"
    except OSError as e:
        return f"(state unreadable: {e})"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE])
def test_signal_mid_build_leaves_nothing_and_keeps_the_old_output(tmp_path, sig):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "disk.vhd"
    out.write_bytes(OLD)
    proc = subprocess.Popen([str(tool("vhdbuild")), "--from-tar", "-", "-o", str(out), "--size", "512M", "--quiet"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: default_disposition(sig))
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
        try:
            status = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"vhdbuild still alive 60 s after {sig!r}: {process_state(proc.pid)}")
        assert status == -sig
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


@pytest.mark.parametrize("source", ["gzip-stdin", "zstd-file"])
def test_replaced_members_leave_no_content_through_the_staging_buffer(tmp_path, source):
    # Decompressed input goes through the output's staging buffer (no mapping, no
    # copy_file_range): the replaced data must be cleared there too.
    data = make_tar([member("a", data=secret()), member("a", data=b"new\n"), member("b", data=secret(200_000)),
                     member("b", tarfile.DIRTYPE)])
    out = tmp_path / "out.vhd"
    if source == "gzip-stdin":
        build("--from-tar", "-", "-o", out, input=gzip.compress(data))
    else:
        packed = tmp_path / "in.tar.zst"
        packed.write_bytes(subprocess.run(["zstd", "-q", "-c", "-"], input=data, capture_output=True, check=True).stdout)
        build("--from-tar", packed, "-o", out)
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
    # Opaque directories drop the lower entries with --overlay too (the mark is kept for a
    # later overlay mount); a whited-out directory with a large file in it, re-created above.
    lower += [member("d/", tarfile.DIRTYPE, mode=0o755), member("d/old", data=secret()),
              member("e/", tarfile.DIRTYPE, mode=0o755), member("e/big", data=secret(100_000))]
    upper += [member("d/-first", data=b"-\n"), member("d/.wh..wh..opq", data=b""), member("d/new", data=b"new\n"),
              member(".wh.e", data=b""), member("e/", tarfile.DIRTYPE, mode=0o755)]
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


def mixed_content_tar(path, small_files, big_mib):
    """A tar of `small_files` random files under 256 KiB (written through the output's buffers)
    and one random file of `big_mib` MiB (copied in the kernel, or read and written when the
    kernel cannot copy between the two filesystems)."""
    members = [member(f"d{i % 7}/small{i}", data=os.urandom(200_000 + i)) for i in range(small_files)]
    members.append(member("big", data=os.urandom(big_mib << 20)))
    path.write_bytes(make_tar(members))


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs (root only)")
@pytest.mark.parametrize("source", ["tar", "dir"])
def test_full_output_filesystem_mid_build_is_a_clean_error(tmp_path, source):
    # The writes run on a writer thread: ENOSPC there must come back to the build as an error
    # naming the output, and the unnamed output must vanish. The tmpfs holds the spill file's
    # first 64 MiB and ~32 MiB more; the input has ~60 MiB of incompressible data.
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(small)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        tar = tmp_path / "in.tar"
        mixed_content_tar(tar, 200, 20)
        if source == "tar":
            args = ["--from-tar", tar]
        else:
            src = tmp_path / "src"
            src.mkdir()
            subprocess.run(["tar", "-C", str(src), "-xf", str(tar)], check=True)
            args = ["--from-dir", src]
        out = small / "disk.vhd"
        proc = vhdbuild(*args, "-o", out, "--size", "512M", check=False)
        err = proc.stderr.decode(errors="replace")
        assert proc.returncode == 1, err
        assert str(out) in err and "no space left on device" in err.lower(), err
        assert "Traceback" not in err and "terminate" not in err, err
        assert os.listdir(small) == []
    finally:
        subprocess.run(["umount", str(small)], check=True)


@pytest.mark.parametrize("source", ["tar", "dir"])
def test_input_on_another_filesystem_than_the_output(tmp_path, source):
    # copy_file_range cannot copy between two filesystems (EXDEV): the writer thread reads and
    # writes instead, and the image is the same byte for byte as one built beside the input.
    shm = pathlib.Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another filesystem than the test's directory")
    tar = tmp_path / "in.tar"
    mixed_content_tar(tar, 20, 3)
    if source == "tar":
        args = ["--from-tar", tar]
    else:
        src = tmp_path / "src"
        src.mkdir()
        subprocess.run(["tar", "-C", str(src), "-xf", str(tar)], check=True)
        args = ["--from-dir", src]
    fixed = ["--uuid", "0b5e1a38-5c2f-4c7e-9d51-3f1b2c4d5e6f", "--timestamp", "1600000000", "--size", "64M"]
    local = tmp_path / "local.vhd"
    build(*args, "-o", local, *fixed)
    far_dir = pathlib.Path(tempfile.mkdtemp(dir=shm, prefix="vhdbuild-test-"))
    try:
        far = far_dir / "far.vhd"
        build(*args, "-o", far, *fixed)
        fsck_clean(far)
        assert far.read_bytes() == local.read_bytes()
    finally:
        shutil.rmtree(far_dir)


def members_at_every_page_offset():
    """Members of 256 KiB or more (copied in the kernel when they line up with the image's pages,
    read and written otherwise) whose data starts at each 512-byte step into a 4 KiB page of the
    tar, each behind a small member sized to put it there."""
    members, at = [], 0  # `at`: where the next header goes
    for i, residue in enumerate(range(0, 4096, 512)):
        gap = (residue - (at + 1024)) % 4096  # one small member's header and data, then this header
        members.append(member(f"pad{i}", data=os.urandom(gap or 4096)))
        at += 512 + ((gap or 4096) + 511) // 512 * 512
        members.append(member(f"big{i}", data=os.urandom((256 << 10) + 1000 * i)))
        at += 512 + (len(members[-1][1]) + 511) // 512 * 512
    return members


def test_large_tar_members_at_any_offset_in_a_page_keep_their_bytes(tmp_path):
    # The image is the same byte for byte as the one built from the gzip of the tar, which never
    # copies in the kernel, and each large member reads back whole.
    members = members_at_every_page_offset()
    data = make_tar(members)
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        offsets = {i.offset_data % 4096 for i in t.getmembers() if i.name.startswith("big")}
    assert offsets == set(range(0, 4096, 512)), offsets  # the premise: every offset is covered
    tar = tmp_path / "in.tar"
    tar.write_bytes(data)
    fixed = ["--uuid", "0b5e1a38-5c2f-4c7e-9d51-3f1b2c4d5e6f", "--timestamp", "1600000000", "--size", "64M"]
    plain, packed = tmp_path / "plain.vhd", tmp_path / "packed.vhd"
    build("--from-tar", tar, "-o", plain, *fixed)
    build("--from-tar", "-", "-o", packed, *fixed, input=gzip.compress(data, compresslevel=1))
    fsck_clean(plain)
    assert plain.read_bytes() == packed.read_bytes()
    bigs = [(info.name, content) for info, content in members if info.name.startswith("big")]
    dumps = [tmp_path / f"{name}.out" for name, _ in bigs]
    debugfs(plain, [f'dump /{name} "{dump}"' for (name, _), dump in zip(bigs, dumps)])
    for (name, content), dump in zip(bigs, dumps):
        assert dump.read_bytes() == content, name
