"""Notebook hygiene: committed clean, and every lesson has the standard skeleton.

(nbval, configured in pyproject.toml, executes every notebook; this file
checks what a reader sees before running anything.)
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for folder in ("notebooks", "exercises", "solutions") for p in (ROOT / folder).glob("*.ipynb")
)
LESSONS = [p for p in NOTEBOOKS if p.parent.name == "notebooks"]


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell):
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def test_there_are_lessons():
    assert LESSONS, "no lesson notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_without_outputs_or_execution_counts(path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name}: cell {i} has outputs"
            assert cell.get("execution_count") is None, f"{path.name}: cell {i} has a count"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_has_the_standard_skeleton(path):
    assert re.fullmatch(r"\d\d_[a-z_]+\.ipynb", path.name), path.name
    first = text(cells(path)[0])
    assert first.startswith("# "), f"{path.name}: the first cell must start with a title"
    assert "You will learn" in first, f"{path.name}: objectives ('You will learn') missing"
    assert re.search(r"\d+ minutes", first), f"{path.name}: estimated minutes missing"
    headings = [text(c) for c in cells(path) if c["cell_type"] == "markdown"]
    assert any(h.lstrip().startswith("## Summary") for h in headings), f"{path.name}: no Summary"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_code_cells_are_short_and_install_nothing(path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code":
            continue
        source = text(cell)
        assert "pip install" not in source and "sys.path" not in source, f"{path.name}: cell {i}"
        lines = [line for line in source.splitlines() if line.strip()]
        assert len(lines) <= 8, f"{path.name}: cell {i} has {len(lines)} lines (keep cells short)"


def test_the_notebooks_are_the_registrys_lessons():
    """Every notebook belongs to a registered lesson, and every lesson has its notebooks."""
    from servicelab.lessons import LESSONS as REGISTRY

    expected = {ROOT / lesson.notebook for lesson in REGISTRY}
    for lesson in REGISTRY:
        if lesson.has_exercises:
            expected |= {ROOT / lesson.solution_notebook, ROOT / lesson.exercise_notebook}
    assert set(NOTEBOOKS) == expected


IMPORT = re.compile(r"^\s*(from\s+(\S+)\s+import\b|import\s+\S+)", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_one_import_idiom_in_every_notebook(path):
    """Imports sit in the first code cell, as ``from servicelab import …``.

    An exercise notebook also imports its questions from its own lesson's
    slice: ``from servicelab.lessons.lNN_slug.exercises import …``.
    """
    from servicelab.lessons import LESSONS as REGISTRY

    lesson = next(x for x in REGISTRY if path.stem == x.name)
    allowed = {"servicelab"}
    if path.parent.name != "notebooks":
        allowed.add(f"{lesson.package}.exercises")
    code = [text(c) for c in cells(path) if c["cell_type"] == "code"]
    for i, source in enumerate(code):
        for match in IMPORT.finditer(source):
            where = f"{path.name}: code cell {i + 1}: {match.group(0).strip()!r}"
            assert i == 0, f"{where}: imports belong in the first code cell"
            assert match.group(2) in allowed, f"{where}: import from {sorted(allowed)} only"
            line = source[match.start() :].splitlines()[0]
            assert " as " not in line, f"{where}: no aliases"
