# SPDX-License-Identifier: MIT
"""hvsup.image over hvsup/image.h: images checked with e2fsprogs, progress and cancellation."""
import shutil
import subprocess

import pytest

import hvsup
from hvsup import image

UUID = "2b1f1b9e-7c0a-4d7e-9a59-3f1c2d4e5f60"


def tool(name):
    for candidate in (shutil.which(name), f"/sbin/{name}", f"/usr/sbin/{name}"):
        if candidate and shutil.os.path.exists(candidate):
            return candidate
    pytest.fail(f"{name} is required (Debian e2fsprogs)")


@pytest.fixture
def tree(tmp_path):
    src = tmp_path / "src"
    (src / "etc").mkdir(parents=True)
    (src / "etc" / "hostname").write_text("guest\n")
    (src / "big.bin").write_bytes(bytes(range(256)) * 4096)  # 1 MiB
    (src / "link").symlink_to("etc/hostname")
    return src


def request(src, output, **extra):
    req = {"fromDir": str(src), "output": str(output), "uuid": UUID, "timestamp": 1700000000, "label": "rootfs"}
    req.update(extra)
    return req


def test_build_from_a_directory_passes_e2fsck(lib, tree, tmp_path):
    output = tmp_path / "rootfs.vhd"
    calls = []
    summary = image.build(request(tree, output), progress=lambda written, entries: calls.append((written, entries)))
    assert isinstance(summary, dict) and summary
    assert calls, "progress was never called"
    assert calls == sorted(calls) and calls[-1][0] >= 1 << 20 and calls[-1][1] >= 4
    check = subprocess.run([tool("e2fsck"), "-fn", str(output)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    cat = subprocess.run([tool("debugfs"), "-R", "cat /etc/hostname", str(output)], capture_output=True, text=True)
    assert cat.stdout == "guest\n"
    footer = image.verify_footer(output)
    assert footer
    inspected = image.inspect(output)
    assert UUID in str(inspected) and "rootfs" in str(inspected)


def test_same_request_gives_identical_bytes(lib, tmp_path):
    """Same request, uuid and timestamp: identical bytes (an empty volume, since a source
    tree's ctimes cannot be pinned)."""
    a, b = tmp_path / "a.img", tmp_path / "b.img"
    for out in (a, b):
        image.build({"empty": True, "size": "8M", "output": str(out), "uuid": UUID, "timestamp": 1, "raw": True})
    assert a.read_bytes() == b.read_bytes()
    with pytest.raises(hvsup.IntegrityError):  # a raw image has no VHD footer
        image.verify_footer(a)


def test_empty_volume(lib, tmp_path):
    output = tmp_path / "data.vhd"
    image.build({"empty": True, "output": str(output), "size": "8M"})
    assert output.stat().st_size == 8 * 1024 * 1024 + 512
    check = subprocess.run([tool("e2fsck"), "-fn", str(output)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_progress_returning_false_cancels(lib, tree, tmp_path):
    output = tmp_path / "cancelled.vhd"
    with pytest.raises(hvsup.CancelledError) as caught:  # the type callers catch for a cancellation
        image.build(request(tree, output), progress=lambda written, entries: False)
    assert caught.value.code is hvsup.Status.CANCELLED
    assert isinstance(caught.value, hvsup.HvsupError)
    assert caught.value.message  # the library's own account of the cancellation
    assert list(tmp_path.glob("cancelled*")) == []  # nothing left behind


def test_progress_exception_propagates(lib, tree, tmp_path):
    def progress(written, entries):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        image.build(request(tree, tmp_path / "x.vhd"), progress=progress)
    assert list(tmp_path.glob("x.vhd*")) == []


def test_bad_requests_map_to_codes(lib, tmp_path):
    with pytest.raises(hvsup.InvalidArgumentError):
        image.build({"fromDir": str(tmp_path)})  # no output
    with pytest.raises(hvsup.TooLargeError):
        big = tmp_path / "big"
        big.mkdir()
        (big / "f").write_bytes(b"x" * (4 << 20))
        image.build({"fromDir": str(big), "output": str(tmp_path / "small.vhd"), "size": "2M"})
    with pytest.raises((hvsup.NotFoundError, hvsup.IOFailure)):
        image.inspect(tmp_path / "missing.vhd")


def test_plan_is_a_dry_run(lib, tmp_path):
    kernel, rootfs = tmp_path / "Image", tmp_path / "rootfs.vhd"
    req = {"command": "run", "identity": {"requestID": "r", "runtimeID": "agent-1", "role": "workload",
                                          "backend": "windows-hyperv"},
           "config": {"kernelPath": str(kernel), "rootfsPath": str(rootfs), "stateDir": str(tmp_path / "state"),
                      "network": {"mode": "isolated"}}}
    with hvsup.Context() as ctx:
        plan = ctx.plan(req)
        assert str(rootfs) in str(plan) and "agent-1" in str(plan)
        assert not (tmp_path / "state").exists()  # touches nothing
        req["config"]["memoryMiB"] = -1
        with pytest.raises(hvsup.InvalidArgumentError, match="config.memoryMiB must be positive"):
            ctx.plan(req)
