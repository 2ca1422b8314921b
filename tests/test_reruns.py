"""Lesson cells can be run again, in any order, and still show what they showed.

A learner scrolls back and re-runs a cell: it must print the same numbers as
the first time, not a later cell's run that happens to reuse its names. For
every lesson notebook (through :data:`servicelab.lessons.LESSONS`) this runs
all cells in order in a real kernel, records each cell's text output, then
runs the code cells again in a shuffled order (a fixed seed, with earlier
cells after later ones) in the same kernel and expects the same text from
each cell. Figures and widgets are left out: only what a cell prints (and
the text of its value, and any error) is compared.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from servicelab.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [ROOT / lesson.notebook for lesson in LESSONS]
SEED = 2024
#: a cell may take this long (seconds); a notebook's whole run takes far less
CELL_TIMEOUT = 300


def text_of(outputs) -> str:
    """What a cell shows as text: streams, plain-text values and errors; no figures, no widgets."""
    parts = []
    stream = None  # a print may arrive in several pieces: join a stream's consecutive pieces
    for out in outputs:
        kind = out["output_type"]
        if kind == "stream" and stream == out["name"]:
            parts[-1] += out["text"]
            continue
        stream = out["name"] if kind == "stream" else None
        if kind == "stream":
            parts.append(f"[{out['name']}] {out['text']}")
        elif kind == "error":
            parts.append(f"[error] {out['ename']}: {out['evalue']}")
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if any(m.startswith("image/") or "widget" in m for m in data):
                continue
            parts.append(f"[{kind}] {data.get('text/plain', '')}")
    return "\n".join(parts)


def shuffled(indices: list[int], seed: int = SEED) -> list[int]:
    """``indices`` in a fixed shuffled order in which several earlier cells follow later ones."""
    wanted = min(3, (len(indices) - 1) // 2)  # steps back from a later cell to an earlier one
    while True:  # the first seed from ``seed`` on whose order goes back often enough
        order = list(indices)
        random.Random(seed).shuffle(order)
        if sum(1 for a, b in zip(order[:-1], order[1:], strict=True) if a > b) >= wanted:
            return order
        seed += 1


def test_the_shuffled_order_goes_back_and_forth():
    order = shuffled(list(range(10)))
    assert sorted(order) == list(range(10)) and order != sorted(order)
    assert order == shuffled(list(range(10)))  # the same order every time


def test_text_of_keeps_prints_values_and_errors_and_drops_figures_and_widgets():
    outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="96.22"),
        nbformat.v4.new_output("stream", name="stdout", text="%\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"image/png": "…", "text/plain": "<Figure>"}),
        nbformat.v4.new_output(
            "display_data",
            data={"application/vnd.jupyter.widget-view+json": {}, "text/plain": "VBox()"},
        ),
        nbformat.v4.new_output("error", ename="AttributeError", evalue="no queues", traceback=[]),
    ]
    shown = text_of(outputs)
    assert "[stdout] 96.22%\n" in shown and "42" in shown and "AttributeError: no queues" in shown
    assert "Figure" not in shown and "VBox" not in shown


@pytest.mark.slow  # each lesson's simulations, twice: about 25-40 s for all four
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_show_the_same_text_when_run_again_in_another_order(path):
    nb = nbformat.read(path, as_version=4)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    first: dict[int, str] = {}
    again: dict[int, str] = {}
    with client.setup_kernel():
        for i in code:
            cell = copy.deepcopy(nb.cells[i])
            client.execute_cell(cell, i)
            first[i] = text_of(cell.outputs)
            assert "[error]" not in first[i], f"{path.name}, cell {i} failed:\n{first[i]}"
        for i in shuffled(code):
            cell = copy.deepcopy(nb.cells[i])
            client.execute_cell(cell, i)
            again[i] = text_of(cell.outputs)
    changed = [i for i in code if again[i] != first[i]]
    assert not changed, "\n\n".join(
        f"{path.name}, cell {i} ({nb.cells[i].get('id')}) showed something else when run again:\n"
        f"first:\n{first[i]}\nagain:\n{again[i]}"
        for i in changed
    )
