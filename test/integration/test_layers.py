# SPDX-License-Identifier: MIT
"""The layer direction of libhvsup/ (docs/architecture.md): scripts/check-layers finds a forbidden
#include, writes the per-layer include folders the build compiles with, and the build's own compile
commands refuse a forbidden #include while accepting an allowed one."""
import json
import shlex
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT

CHECK_LAYERS = ROOT / "scripts" / "check-layers"


def check_layers(*args):
    return subprocess.run([sys.executable, str(CHECK_LAYERS), *map(str, args)], capture_output=True, text=True,
                          timeout=60)


def make_tree(root, files):
    for name, text in files.items():
        path = root / "libhvsup" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_checkout_follows_the_direction():
    proc = check_layers(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_forbidden_include_is_named_with_its_line(tmp_path):
    make_tree(tmp_path, {
        "core/text.hpp": "#pragma once\n",
        "protocol/types.hpp": '#include "core/text.hpp"\n',
        "hcs/document.hpp": '#include "core/text.hpp"\n\n#include "protocol/types.hpp"\n',
    })
    proc = check_layers(tmp_path)
    assert proc.returncode == 1
    assert "libhvsup/hcs/document.hpp:3: hcs includes protocol/types.hpp (hcs may use: core)" in proc.stdout
    assert "1 include(s) cross a forbidden layer edge" in proc.stdout


def test_a_relative_climb_is_refused(tmp_path):
    make_tree(tmp_path, {"core/a.hpp": "#pragma once\n", "hcn/b.cpp": '#include "../core/a.hpp"\n'})
    proc = check_layers(tmp_path)
    assert proc.returncode == 1
    assert "libhvsup/hcn/b.cpp:1: hcn includes ../core/a.hpp (name a layer folder, not ..)" in proc.stdout


def test_a_file_outside_the_layers_is_refused(tmp_path):
    make_tree(tmp_path, {"util/x.hpp": "#pragma once\n"})
    proc = check_layers(tmp_path)
    assert proc.returncode == 1
    assert "libhvsup/util/x.hpp: not inside a known layer" in proc.stdout


def test_a_root_without_libhvsup_is_an_error(tmp_path):
    proc = check_layers(tmp_path)
    assert proc.returncode == 2
    assert f"check-layers: {tmp_path} has no libhvsup/" in proc.stderr


def test_include_tree_links_each_layer_to_what_it_may_use(tmp_path):
    out = tmp_path / "tree"
    (out / "stale").mkdir(parents=True)  # a folder from an earlier table goes
    proc = check_layers("--include-tree", out, ROOT)
    assert proc.returncode == 0, proc.stderr
    table = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()}
    assert list(table) == ["core", "protocol", "image", "hcs", "hcn", "hvsock", "supervisor", "capi"]
    assert table["core"] == []
    assert table["hcs"] == ["core"]
    assert "hvsup" in table["capi"] and "supervisor" in table["capi"]
    assert sorted(p.name for p in out.iterdir()) == sorted(table)
    hcs = {p.name: p.resolve() for p in (out / "hcs").iterdir()}
    assert hcs == {"core": (ROOT / "libhvsup" / "core").resolve(), "hcs": (ROOT / "libhvsup" / "hcs").resolve()}
    # The public headers are no libhvsup/ folder: the build adds include/ for the layers naming "hvsup".
    assert not (out / "capi" / "hvsup").exists()


def test_include_tree_needs_a_folder():
    proc = check_layers("--include-tree")
    assert proc.returncode == 2
    assert "--include-tree needs an output folder" in proc.stderr


def layer_compile_command(layer):
    """The build's compile command of one source of `layer`, as argv and working directory."""
    database = BUILD / "compile_commands.json"
    if not database.exists():
        pytest.fail(f"{database} is missing; build first")
    for entry in json.loads(database.read_text()):
        if f"libhvsup_{layer}.a.p/" in entry.get("output", entry["command"]):
            return shlex.split(entry["command"]), entry["directory"]
    pytest.fail(f"no compile command of the {layer} layer in {database}")


def compile_with_layer_flags(layer, text, tmp_path):
    argv, directory = layer_compile_command(layer)
    source = tmp_path / "probe.cpp"
    source.write_text(text)
    flags = []
    skip = False
    for arg in argv[1:]:
        if skip:
            skip = False
            continue
        if arg in ("-o", "-c", "-MQ", "-MF"):
            skip = True
            continue
        if arg == "-MD":
            continue
        flags.append(arg)
    return subprocess.run([argv[0], *flags, "-fsyntax-only", str(source)], cwd=directory, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("layer,allowed,forbidden", [
    ("hcs", "core/text.hpp", "protocol/types.hpp"),
    ("image", "core/text.hpp", "hcs/document.hpp"),
    ("protocol", "core/text.hpp", "supervisor/supervisor.hpp"),
    ("supervisor", "hcn/cidr.hpp", "capi/abi_helpers.hpp"),
    ("hvsock", "core/text.hpp", "hvsup/hvsup.h"),
])
def test_the_build_refuses_a_forbidden_include(layer, allowed, forbidden, tmp_path):
    ok = compile_with_layer_flags(layer, f'#include "{allowed}"\n', tmp_path)
    assert ok.returncode == 0, ok.stderr
    refused = compile_with_layer_flags(layer, f'#include "{forbidden}"\n', tmp_path)
    assert refused.returncode != 0
    assert f"{forbidden}: No such file or directory" in refused.stderr
