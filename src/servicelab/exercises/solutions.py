"""Where ``q.solution()`` finds an answer's code: the solutions notebooks next to the kit.

The package carries no answers. The one copy of each answer cell is in
``solutions/NN_slug.ipynb`` of the repository (the exercise sets' source);
``q.solution()`` reads the cell from there when that folder sits next to the
kit (a clone for self-study, installed with ``pip install -e .``). An
instructor who hands out the kit without ``solutions/`` hands out no answers,
and ``SERVICELAB_NO_SOLUTIONS=1`` stops ``q.solution()`` from reading them
even where the folder is present.

An answer cell is an nbgrader solution cell (``"grade_id": "q1"``) whose code
(or, for a question answered in words, markdown) holds ``### BEGIN SOLUTION``
… ``### END SOLUTION``; what it shows is the whole cell without those two
marker lines.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

__all__ = ["SOLUTIONS_FOLDER", "MARKERS", "answer_code", "notebook_for"]

#: where the solutions notebooks are when the kit runs from its repository (src/ layout)
SOLUTIONS_FOLDER = Path(__file__).resolve().parents[3] / "solutions"
#: the lines that fence an answer in a solutions notebook (nbgrader's)
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
_KEY = re.compile(r"ex(\d\d)")


def notebook_for(exercise: str, folder: Path | None = None) -> Path | None:
    """The solutions notebook of exercise set ``exercise`` (``"ex03"`` → ``03_*.ipynb``), if any.

    ``folder`` is :data:`SOLUTIONS_FOLDER` unless given.
    """
    folder = SOLUTIONS_FOLDER if folder is None else folder
    match = _KEY.fullmatch(exercise)
    if match is None or not folder.is_dir():
        return None
    found = sorted(folder.glob(f"{match.group(1)}_*.ipynb"))
    return found[0] if found else None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def answer_code(
    exercise: str, question: str, folder: Path | None = None, *, cell_type: str = "code"
) -> str | None:
    """The source of ``question``'s answer cell in ``exercise``'s solutions notebook, or None.

    ``cell_type="markdown"`` finds a written answer (a question answered in
    words, graded by hand) instead of code. None when there is no such
    notebook (the kit was handed out without ``solutions/``) or no such cell in it.
    """
    path = notebook_for(exercise, folder)
    if path is None:
        return None
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return None
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = _source(cell)
        if (
            cell.get("cell_type") == cell_type
            and meta.get("solution")
            and meta.get("grade_id") == question
            and any(line.strip() == MARKERS[0] for line in source.split("\n"))
        ):
            lines = [line for line in source.split("\n") if line.strip() not in MARKERS]
            return "\n".join(lines).strip("\n") + "\n"
    return None
