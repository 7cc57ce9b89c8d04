# SPDX-License-Identifier: MIT
"""vhdbuild --guest-init: the file installed as /sbin/microagent-init (mode 0755, owner 0:0, the
content given), read back with debugfs and checked by e2fsck; the usr-merge /sbin link followed,
other links refused, bad files refused naming them, and the default path found beside vhdbuild."""
import json
import os
import pathlib
import shutil
import subprocess
import tarfile

import pytest

from conftest import BUILD, ROOT, tool
from test_cli_subcommands import complete
from test_image_oci import call_build, lib, make_layout  # noqa: F401  (lib is a fixture)
from test_image_support import build, debugfs, fsck_clean, parse_stat, vhdbuild
from test_image_tar import make_tar, member

BUSYBOX = pathlib.Path("/bin/busybox")


@pytest.fixture(scope="module", autouse=True)
def need_busybox():
    if not BUSYBOX.is_file():
        pytest.fail("/bin/busybox is missing: apt-get install busybox-static")


def dump(image, path, dest):
    """The file at `path` in the image, read back with debugfs."""
    debugfs(image, [f'dump "{path}" "{dest}"'])
    return pathlib.Path(dest).read_bytes()


def check_init(image, tmp_path, path="/sbin/microagent-init", content=None):
    """The guest init at `path` is root's 0755 regular file with `content` (busybox by default)."""
    content = BUSYBOX.read_bytes() if content is None else content
    info = parse_stat(debugfs(image, [f'stat "{path}"'])[0])
    assert info.get("type") == "regular", info
    assert info["mode"] == 0o755
    assert (info["uid"], info["gid"]) == (0, 0)
    assert info["size"] == len(content)
    assert dump(image, path, tmp_path / "dumped") == content
    fsck_clean(image)


def failed(proc):
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    return proc.stderr.decode(errors="replace")


def tar_file(tmp_path, members, name="src.tar"):
    path = tmp_path / name
    path.write_bytes(make_tar(members))
    return path


def test_from_dir_installs_root_owned_0755_init(tmp_path):
    src = tmp_path / "src"
    (src / "sbin").mkdir(parents=True)
    (src / "etc").mkdir()
    (src / "etc" / "hostname").write_text("guest\n")
    out = tmp_path / "dir.vhd"
    summary = build("--from-dir", src, "-o", out, "--guest-init", BUSYBOX)
    assert summary["guestInit"] == "/sbin/microagent-init"
    check_init(out, tmp_path)
    text = vhdbuild("--from-dir", src, "-o", out, "--guest-init", BUSYBOX).stdout.decode()
    assert f"{out}: guest init installed as /sbin/microagent-init\n" in text
    # The source's own files are all still there.
    assert "guest" in debugfs(out, ["cat /etc/hostname"])[0]


def test_times_follow_the_timestamp_and_builds_are_reproducible(tmp_path):
    src = tmp_path / "src"
    (src / "sbin").mkdir(parents=True)
    images = []
    for name in ["one.vhd", "two.vhd"]:
        out = tmp_path / name
        build("--from-dir", src, "-o", out, "--guest-init", BUSYBOX, "--timestamp", "1600000000",
              "--uuid", "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f")
        images.append(out.read_bytes())
    info = parse_stat(debugfs(tmp_path / "one.vhd", ["stat /sbin/microagent-init"])[0])
    assert info["mtime"] == info["atime"] == info["ctime"] == 1_600_000_000 * 1_000_000_000
    assert images[0] == images[1]


def test_from_dir_without_sbin_creates_it(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    out = tmp_path / "nosbin.vhd"
    build("--from-dir", src, "-o", out, "--guest-init=" + str(BUSYBOX))
    assert parse_stat(debugfs(out, ["stat /sbin"])[0])["type"] == "directory"
    check_init(out, tmp_path)


def test_from_tar_replaces_the_sources_init_and_its_data(tmp_path):
    marker = b"OLD-INIT-MARKER-" * 64
    src = tar_file(tmp_path, [member("sbin/", tarfile.DIRTYPE, mode=0o755),
                              member("sbin/microagent-init", data=marker, mode=0o4700, uid=1000, gid=1000)])
    out = tmp_path / "tar.vhd"
    summary = build("--from-tar", src, "-o", out, "--guest-init", BUSYBOX, "--raw")
    assert summary["guestInit"] == "/sbin/microagent-init"
    check_init(out, tmp_path)
    # The replaced file's data was cleared, not left in free blocks of the image.
    assert marker[:32] not in out.read_bytes()


def test_replacing_one_name_of_a_hard_link_keeps_the_other(tmp_path):
    src = tar_file(tmp_path, [member("sbin/", tarfile.DIRTYPE, mode=0o755),
                              member("bin/", tarfile.DIRTYPE, mode=0o755),
                              member("bin/tool", data=b"tool data", mode=0o755),
                              member("sbin/microagent-init", tarfile.LNKTYPE, linkname="bin/tool")])
    out = tmp_path / "link.vhd"
    build("--from-tar", src, "-o", out, "--guest-init", BUSYBOX)
    check_init(out, tmp_path)
    assert debugfs(out, ["cat /bin/tool"])[0].startswith("tool data")
    assert parse_stat(debugfs(out, ["stat /bin/tool"])[0])["links"] == 1


def test_usr_merged_sbin_is_followed(tmp_path):
    for target in ["usr/sbin", "/usr/sbin"]:
        src = tar_file(tmp_path, [member("usr/", tarfile.DIRTYPE, mode=0o755),
                                  member("usr/sbin/", tarfile.DIRTYPE, mode=0o755),
                                  member("usr/sbin/other", data=b"x", mode=0o755),
                                  member("sbin", tarfile.SYMTYPE, linkname=target)])
        out = tmp_path / "merged.vhd"
        summary = build("--from-tar", src, "-o", out, "--guest-init", BUSYBOX)
        assert summary["guestInit"] == "/usr/sbin/microagent-init"
        check_init(out, tmp_path, "/usr/sbin/microagent-init")
        sbin = parse_stat(debugfs(out, ["stat /sbin"])[0])
        assert sbin["type"] == "symlink" and sbin["fast_link"] == target  # the link stays a link


def test_a_usr_merge_link_without_its_target_gets_the_directories(tmp_path):
    src = tar_file(tmp_path, [member("sbin", tarfile.SYMTYPE, linkname="usr/sbin")])
    out = tmp_path / "bare.vhd"
    assert build("--from-tar", src, "-o", out, "--guest-init", BUSYBOX)["guestInit"] == "/usr/sbin/microagent-init"
    for d in ["/usr", "/usr/sbin"]:
        info = parse_stat(debugfs(out, [f"stat {d}"])[0])
        assert (info["type"], info["mode"], info["uid"], info["gid"]) == ("directory", 0o755, 0, 0), d
    check_init(out, tmp_path, "/usr/sbin/microagent-init")


@pytest.mark.parametrize("members,expected", [
    # /sbin -> usr/sbin where /usr itself is a link out of the usual place.
    ([member("usr", tarfile.SYMTYPE, linkname="/etc"), member("sbin", tarfile.SYMTYPE, linkname="usr/sbin")],
     '/usr in the image is a symlink too (to "/etc")'),
    ([member("sbin", tarfile.SYMTYPE, linkname="../../../etc")], '"..\" is not followed'),
    ([member("sbin", tarfile.SYMTYPE, linkname="/")], "the root directory"),
    # The name itself a link: the init would be whatever it points at.
    ([member("sbin/", tarfile.DIRTYPE, mode=0o755),
      member("sbin/microagent-init", tarfile.SYMTYPE, linkname="/bin/sh")],
     '/sbin/microagent-init in the image is a symlink (to "/bin/sh")'),
    ([member("sbin/", tarfile.DIRTYPE, mode=0o755), member("sbin/microagent-init/", tarfile.DIRTYPE, mode=0o755)],
     "/sbin/microagent-init in the image is a directory"),
    ([member("sbin", data=b"not a directory")], "/sbin in the image is a regular file, not a directory"),
], ids=["usr-link", "dotdot", "root", "init-link", "init-dir", "sbin-file"])
def test_hostile_layouts_are_refused_and_nothing_is_written(tmp_path, members, expected):
    src = tar_file(tmp_path, members)
    out = tmp_path / "hostile.vhd"
    err = failed(vhdbuild("--from-tar", src, "-o", out, "--guest-init", BUSYBOX, check=False))
    assert expected in err
    assert "cannot install /sbin/microagent-init" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.tar"]  # no output, no temporary


def test_from_oci_installs_the_init_over_the_layers(tmp_path):
    layout = make_layout(tmp_path / "layout")
    out = tmp_path / "oci.vhd"
    summary = build("--from-oci", layout, "-o", out, "--guest-init", BUSYBOX)
    assert summary["guestInit"] == "/sbin/microagent-init"
    check_init(out, tmp_path)
    assert "z" in debugfs(out, ["ls /d"])[0]  # the layers are applied as without the option


def test_non_elf_and_non_regular_files_are_refused_naming_them(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    out = tmp_path / "bad.vhd"
    script = tmp_path / "init.sh"
    script.write_text("#!/bin/sh\nexec /bin/sh\n")
    err = failed(vhdbuild("--from-dir", src, "-o", out, "--guest-init", script, check=False))
    assert f"guestInit: {script}: is not an ELF file" in err
    relocatable = tmp_path / "init.o"
    relocatable.write_bytes(BUSYBOX.read_bytes()[:16] + b"\x01\x00" + BUSYBOX.read_bytes()[18:64])
    err = failed(vhdbuild("--from-dir", src, "-o", out, "--guest-init", relocatable, check=False))
    assert f"{relocatable}: is an ELF relocatable object (ET_REL), not an executable" in err
    err = failed(vhdbuild("--from-dir", src, "-o", out, "--guest-init", src, check=False))
    assert f"{src}: is a directory, not a regular file" in err
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    err = failed(vhdbuild("--from-dir", src, "-o", out, "--guest-init", fifo, check=False))  # no hang on open
    assert f"{fifo}: is a FIFO, not a regular file" in err
    missing = tmp_path / "no-such-init"
    err = failed(vhdbuild("--from-dir", src, "-o", out, "--guest-init", missing, check=False))
    assert f"guestInit: {missing}: does not exist" in err
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    err = failed(vhdbuild("--from-dir", src, "-o", out, "--guest-init", dangling, check=False))
    assert f"{dangling}: a dangling symlink" in err
    huge = tmp_path / "huge"
    with open(huge, "wb") as f:
        f.write(BUSYBOX.read_bytes()[:64])
        f.truncate((128 << 20) + 1)  # sparse: nothing is read before the size check
    err = failed(vhdbuild("--from-dir", src, "-o", out, "--guest-init", huge, check=False))
    assert f"{huge}: is {(128 << 20) + 1} bytes; a guest init may be at most 128 MiB" in err
    assert not out.exists()


def test_a_host_symlink_to_the_init_is_followed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    link = tmp_path / "init-link"
    link.symlink_to(BUSYBOX)
    out = tmp_path / "hostlink.vhd"
    build("--from-dir", src, "-o", out, "--guest-init", link)
    check_init(out, tmp_path)


def test_guest_init_with_an_empty_volume_is_refused(tmp_path):
    err = failed(vhdbuild("--empty", "16M", "-o", tmp_path / "e.vhd", "--guest-init", BUSYBOX, check=False))
    assert "guestInit: only applies to fromDir, fromTar and fromOci" in err


# --- the default path ---------------------------------------------------------------------

def copy_vhdbuild(dest):
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(tool("vhdbuild"), dest)
    return dest


def run_copy(exe, *args):
    # The copy finds libhvsup through LD_LIBRARY_PATH instead of its build-tree rpath.
    env = dict(os.environ, LD_LIBRARY_PATH=str(BUILD / "libhvsup"))
    return subprocess.run([str(exe), *[str(a) for a in args]], capture_output=True, timeout=600, env=env)


def test_default_path_beside_vhdbuild_then_in_the_build_tree(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    tools = tmp_path / "tools"
    exe = copy_vhdbuild(tools / "vhdbuild" / "vhdbuild")
    in_tree = tools / "hvsup-guestinit" / "hvsup-guestinit"
    in_tree.parent.mkdir()
    in_tree.write_bytes(BUSYBOX.read_bytes() + b"build tree")
    out = tmp_path / "default.vhd"
    # The option last, and followed by another option: both mean "no PATH".
    for args in [["--guest-init"], ["--guest-init", "--raw"]]:
        proc = run_copy(exe, "--from-dir", src, "-o", out, "--json", *args)
        assert proc.returncode == 0, proc.stderr
        check_init(out, tmp_path, content=in_tree.read_bytes())
    beside = tools / "vhdbuild" / "hvsup-guestinit"
    beside.write_bytes(BUSYBOX.read_bytes() + b"beside")
    proc = run_copy(exe, "--from-dir", src, "-o", out, "--guest-init")
    assert proc.returncode == 0, proc.stderr
    check_init(out, tmp_path, content=beside.read_bytes())
    # A candidate that exists is taken and judged like a given path.
    beside.unlink()
    beside.mkdir()
    proc = run_copy(exe, "--from-dir", src, "-o", out, "--guest-init")
    assert proc.returncode == 1 and f"{beside}: is a directory" in proc.stderr.decode()


def test_no_default_guest_init_names_every_place_looked_at(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    exe = copy_vhdbuild(tmp_path / "bin" / "vhdbuild")
    out = tmp_path / "none.vhd"
    proc = run_copy(exe, "--from-dir", src, "-o", out, "--guest-init")
    err = proc.stderr.decode()
    if proc.returncode == 0:
        pytest.skip("an hvsup-guestinit is installed under the configured prefix")
    assert proc.returncode == 1, err
    assert "no hvsup-guestinit found" in err
    assert str(tmp_path / "bin" / "hvsup-guestinit") in err
    assert str(tmp_path / "hvsup-guestinit" / "hvsup-guestinit") in err
    assert "libexec/hvsup/hvsup-guestinit" in err
    assert not out.exists()


def test_help_describes_the_option():
    proc = vhdbuild("--help")
    text = proc.stdout.decode()
    assert "--guest-init [PATH]" in text and "/sbin/microagent-init" in text and "libexec/hvsup/hvsup-guestinit" in text


def test_bash_completion_offers_the_option_and_then_a_file_or_an_option(tmp_path):
    script = ROOT / "tools" / "completion" / "vhdbuild.bash"
    assert complete(script, ["vhdbuild", "--guest"]) == ["--guest-init"]
    (tmp_path / "initfile").write_bytes(b"")
    assert complete(script, ["vhdbuild", "--guest-init", str(tmp_path / "initf")]) == [str(tmp_path / "initfile")]
    assert complete(script, ["vhdbuild", "--guest-init", "--ra"]) == ["--raw"]


# --- the C ABI ----------------------------------------------------------------------------

def test_c_abi_guest_init_key(lib, tmp_path):  # noqa: F811  (the fixture)
    src = tmp_path / "src"
    src.mkdir()
    out = tmp_path / "c.vhd"
    status, summary, message = call_build(lib, {"fromDir": str(src), "output": str(out), "guestInit": str(BUSYBOX)})
    assert status == 0, message
    assert json.loads(summary)["guestInit"] == "/sbin/microagent-init"
    check_init(out, tmp_path)
    status, _, message = call_build(lib, {"fromDir": str(src), "output": str(out), "guestInit": ""})
    assert status == -2 and "guestInit: an empty path" in message  # HVSUP_E_INVALID_ARGUMENT
    status, _, message = call_build(lib, {"fromDir": str(src), "output": str(out), "guestInit": 7})
    assert status == -2 and "guestInit" in message
