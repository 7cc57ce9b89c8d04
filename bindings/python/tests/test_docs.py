# SPDX-License-Identifier: MIT
"""Every ```python block of docs/bindings.md runs and its assertions hold."""
import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "bindings.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), re.S | re.M)


def test_the_doc_has_python_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_example_runs(lib, tmp_path, monkeypatch, index):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HVSUP_SIM_DIR", raising=False)  # restored after an example sets it
    code = compile(BLOCKS[index], f"{DOC.name}[python block {index}]", "exec")
    exec(code, {"__name__": f"doc_example_{index}"})  # noqa: S102 - the documented examples
