"""The setup cell: on Colab and in JupyterLite it installs the kit and says so; here, nothing.

Every lesson, exercise and solutions notebook starts its code with the cell
``tools/first_cell.py`` writes (``python tools/first_cell.py`` brings them all
up to date). The cell is run here in three settings: this environment (the
kit is installed: no output, no install), a Colab-like kernel (no kit:
``%pip`` from the repository) and a JupyterLite-like one (no kit,
``sys.platform == "emscripten"``: ``piplite``).
"""

import ast
import asyncio
import importlib.util
import io
import json
import shutil
import sys
import time
import types
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


first_cell = load("first_cell")
NOTEBOOKS = sorted(p for f in first_cell.FOLDERS for p in (ROOT / f).glob("*.ipynb"))


def run_cell(namespace: dict) -> str:
    """Run the setup cell as IPython does (top-level ``await`` allowed); what it printed."""
    code = compile(first_cell.SOURCE, "<setup cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    out = io.StringIO()
    with redirect_stdout(out):
        result = eval(code, namespace)
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    return out.getvalue()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_notebook_has_the_setup_cell_before_any_other_code(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    setup = [i for i, c in enumerate(cells) if first_cell.is_setup_cell(c)]
    code = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    assert setup, (
        f"{path.name}: no setup cell; run 'python tools/first_cell.py {path.relative_to(ROOT)}'"
    )
    assert len(setup) == 1 and setup[0] == code[0], (
        f"{path.name}: one setup cell, the first code cell"
    )
    cell = cells[setup[0]]
    assert "".join(cell["source"]) == first_cell.SOURCE, f"{path.name}: the setup cell is stale"
    assert not cell["outputs"] and cell["execution_count"] is None


def test_here_the_cell_does_nothing_and_is_quick():
    started = time.monotonic()
    printed = run_cell({"__name__": "__main__"})  # no get_ipython: it must not be reached
    assert printed == "" and time.monotonic() - started < 0.5


def fake_finder(monkeypatch, installed: list):
    real = importlib.util.find_spec

    def find_spec(name, *args):
        if name == "servicelab" and not installed:
            return None
        return real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_on_colab_it_pip_installs_from_the_repository_and_says_so_in_one_line(monkeypatch):
    installed, calls = [], []

    class Shell:
        def run_line_magic(self, magic, line):
            calls.append((magic, line))
            installed.append(True)

    fake_finder(monkeypatch, installed)
    printed = run_cell({"get_ipython": Shell})
    assert calls == [("pip", f"install -q 'servicelab @ git+{first_cell.KIT_URL}'")]
    assert printed == "Installed the kit (servicelab) for this session.\n"


def test_in_jupyterlite_it_installs_the_wheel_with_piplite(monkeypatch):
    installed, calls = [], []

    async def install(name):
        calls.append(name)
        installed.append(True)

    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setitem(sys.modules, "piplite", types.SimpleNamespace(install=install))
    fake_finder(monkeypatch, installed)
    printed = run_cell({})
    assert calls == ["servicelab"]
    assert printed == "Installed the kit (servicelab) for this session.\n"


def test_when_the_install_fails_it_points_to_the_readme(monkeypatch):
    class Shell:
        def run_line_magic(self, magic, line):
            pass  # pip printed its error; the kit is still missing

    fake_finder(monkeypatch, [])
    printed = run_cell({"get_ipython": Shell})
    assert printed.count("\n") == 1 and "Run it without installing" in printed
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Run it without installing" in readme


def test_the_tool_is_idempotent_and_moves_a_misplaced_cell(tmp_path):
    src = ROOT / "notebooks" / "01_the_question.ipynb"
    path = tmp_path / src.name
    shutil.copy(src, path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if not first_cell.is_setup_cell(c)]
    nb["cells"].append(first_cell.with_setup({"cells": []})["cells"][0])  # at the end, stale
    nb["cells"][-1]["source"] = ["print('old')\n"]
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
    assert first_cell.apply(path) is True
    assert first_cell.apply(path) is False and first_cell.main([str(path), "--check"]) == 0
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert sum(first_cell.is_setup_cell(c) for c in cells) == 1
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert first_cell.is_setup_cell(first_code)
    with pytest.raises(ValueError):
        first_cell.with_setup({"no": "cells"})


def test_the_exercise_builder_carries_the_cell_into_exercises():
    builder = load("build_exercises")
    nb = nbformat.read(ROOT / "solutions" / "01_the_question.ipynb", as_version=4)
    if not any(first_cell.is_setup_cell(c) for c in nb.cells):
        pytest.skip("solutions/01 has no setup cell yet")
    built = builder.build_notebook(nb, "01_the_question.ipynb")
    setup = [c for c in built.cells if first_cell.is_setup_cell(c)]
    assert len(setup) == 1 and setup[0].source == first_cell.SOURCE
