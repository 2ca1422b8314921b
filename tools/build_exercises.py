"""Build the learners' exercise notebooks from the solutions notebooks (an author's tool).

Each lesson with exercises (``servicelab.lessons.LESSONS``) has
``solutions/NN_slug.ipynb``, the one source of its exercise notebook. Answers
sit between nbgrader's markers, in code and in markdown cells::

    # Set `availability` to the share of sync checkouts that succeed.
    ### BEGIN SOLUTION
    availability = 0.99**4
    ### END SOLUTION

The builder writes ``exercises/NN_slug.ipynb`` with each marked region
replaced by a placeholder that keeps what the learner must produce:

* a region with a top-level ``return`` → ``return ____  # your code here``;
* assignments → one ``name = ____  # your answer here`` per name; a dict
  literal with constant keys keeps its keys: ``{"Get user by ID": ____, …}``;
* anything else → ``# your code here``; in markdown → *Write your answer here.*

It also drops cells tagged ``solutions-only`` (the instructor's notes) and
strips outputs, execution counts and nbgrader metadata. Output is
byte-for-byte deterministic, so a test can tell when the generated files are
stale.

The answers stay in ``solutions/``: the builder writes no copy of them into
the package (``q1.solution()`` reads the solutions notebook itself, when it is
there; :mod:`servicelab.exercises.solutions`), so a kit handed out without
``solutions/`` carries no answers. An answer table left in the package by an
older version of this tool (``src/servicelab/exercises/_solutions.py``) counts
as stale, and is removed.

A notebook in ``solutions/`` that is no registered lesson's is an error, and
so is a lesson with exercises but no solutions notebook.

Run it with the kit's Python (it imports ``servicelab`` and ``nbformat``)::

    python tools/build_exercises.py          # write exercises/
    python tools/build_exercises.py --check  # exit 1 if they are stale
    python tools/build_exercises.py --nbgrader course  # course/source/ex01/… for nbgrader
"""

from __future__ import annotations

import argparse
import ast
import sys
import textwrap
from pathlib import Path

import nbformat

from servicelab.exercises import exercise_key
from servicelab.lessons import LESSONS, Lesson

__all__ = [
    "BEGIN",
    "END",
    "DROP_TAG",
    "BuildError",
    "strip_solutions",
    "build_notebook",
    "solution_code",
    "sources",
    "build",
    "export_for_nbgrader",
    "main",
]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
DROP_TAG = "solutions-only"
CODE_NOTE = "# your code here"
ANSWER_NOTE = "# your answer here"
TEXT_STUB = "*Write your answer here.*"
ROOT = Path(__file__).resolve().parents[1]
#: the answer table older versions wrote into the package, from the repository's root:
#: the package must carry no answers, so the builder removes it (and ``--check`` flags it)
OLD_ANSWER_TABLE = Path("src", "servicelab", "exercises", "_solutions.py")


class BuildError(ValueError):
    """A solutions notebook the builder cannot turn into an exercise."""


# -- placeholders ---------------------------------------------------------------------------


def _stub(region: list[str], indent: str, cell_type: str, where: str) -> list[str]:
    if cell_type != "code":
        return [indent + TEXT_STUB]
    code = textwrap.dedent("\n".join(region))
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        raise BuildError(f"{where}: the solution is not valid Python ({error.msg}).") from None
    if any(isinstance(node, ast.Return) for node in tree.body):
        return [f"{indent}return ____  {CODE_NOTE}"]
    stubs: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        for target in targets:
            names = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            for n in names:
                if isinstance(n, ast.Name):
                    stubs[n.id] = _assignment_stub(n.id, node.value, indent)
    if stubs:
        return [line for lines in stubs.values() for line in lines]
    return [f"{indent}pass  {CODE_NOTE}" if indent else CODE_NOTE]


def _assignment_stub(name: str, value, indent: str) -> list[str]:
    if (
        isinstance(value, ast.Dict)
        and value.keys
        and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys)
    ):
        lines = [f"{indent}{name} = {{  {ANSWER_NOTE}"]
        lines += [f'{indent}    "{k.value}": ____,' for k in value.keys]
        lines.append(f"{indent}}}")
        return lines
    return [f"{indent}{name} = ____  {ANSWER_NOTE}"]


def strip_solutions(source: str, cell_type: str = "code", where: str = "cell") -> tuple[str, bool]:
    """``source`` with every marked region replaced by its placeholder; and whether any was."""
    out: list[str] = []
    region: list[str] | None = None
    indent = ""
    found = False
    for line in source.split("\n"):
        marker = line.strip()
        if marker == BEGIN:
            if region is not None:
                raise BuildError(f"{where}: a {BEGIN} inside another one (nested regions).")
            region, indent, found = [], line[: line.index(BEGIN)], True
        elif marker == END:
            if region is None:
                raise BuildError(f"{where}: an {END} without a {BEGIN} before it.")
            out += _stub(region, indent, cell_type, where)
            region = None
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise BuildError(f"{where}: a {BEGIN} without an {END} after it.")
    return "\n".join(out), found


def _without_markers(source: str) -> str:
    return "\n".join(line for line in source.split("\n") if line.strip() not in (BEGIN, END))


# -- notebooks ------------------------------------------------------------------------------


def sources(solutions: Path, lessons=LESSONS) -> dict[str, Path]:
    """Each exercise set's solutions notebook, by its key (``"ex03"``), from the registry.

    Every lesson with an ``exercises`` part must have its notebook in
    ``solutions``, and every notebook there must be such a lesson's.
    """
    found: dict[str, Path] = {}
    for lesson in lessons:
        if not lesson.has("exercises"):
            continue
        path = solutions / Path(lesson.solution_notebook).name
        if not path.exists():
            raise BuildError(
                f"{lesson.solution_notebook} is missing: lesson {lesson.number} has "
                f"exercises ({lesson.package}.exercises), so it needs its solutions notebook."
            )
        found[_key(lesson)] = path
    strays = sorted(set(solutions.glob("*.ipynb")) - set(found.values()))
    if strays:
        raise BuildError(
            f"{strays[0].name}: no lesson with exercises in LESSONS has this solutions "
            "notebook (they are named NN_slug.ipynb after their lesson, e.g. "
            f"{next(iter(found.values())).name if found else '01_the_question.ipynb'})."
        )
    return found


def _key(lesson: Lesson) -> str:
    return exercise_key(lesson.package)


def _grade_id(cell, where: str) -> str:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not meta.get("solution") or not meta.get("grade_id"):
        raise BuildError(
            f"{where}: a cell with a solution region must be an nbgrader solution cell "
            '(metadata "nbgrader": {"solution": true, "grade_id": "q1", …}), so that '
            "nbgrader can grade it too."
        )
    return meta["grade_id"]


def build_notebook(nb, name: str = "notebook"):
    """The exercise version of solutions notebook ``nb`` (a new notebook; ``nb`` is untouched)."""
    cells = []
    for i, cell in enumerate(nb.cells):
        tags = list(cell.get("metadata", {}).get("tags", []))
        if DROP_TAG in tags:
            continue
        where = f"{name}, cell {i}"
        source, found = strip_solutions(cell.source, cell.cell_type, where)
        if found:
            _grade_id(cell, where)
        if BEGIN in source or END in source:
            raise BuildError(f"{where}: a solution marker is not on a line of its own.")
        metadata = {"tags": tags} if tags else {}
        cell_id = cell.get("id") or f"c{i:02d}"
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(source, metadata=metadata, id=cell_id)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source, metadata=metadata, id=cell_id)
        else:
            new = nbformat.v4.new_raw_cell(source, metadata=metadata, id=cell_id)
        cells.append(new)
    out = nbformat.v4.new_notebook(cells=cells)
    out.nbformat_minor = 5
    out.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return out


def solution_code(nb, name: str = "notebook") -> dict[str, str]:
    """The code of each answer cell, markers removed, by its nbgrader ``grade_id``."""
    found = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"{name}, cell {i}"
        _, has_region = strip_solutions(cell.source, "code", where)
        if not has_region:
            continue
        grade_id = _grade_id(cell, where)
        if grade_id in found:
            raise BuildError(f"{where}: grade_id {grade_id!r} is used by two answer cells.")
        found[grade_id] = _without_markers(cell.source).strip("\n") + "\n"
    return found


def _dumps(nb) -> str:
    return nbformat.writes(nb, version=4) + "\n"  # as Jupyter saves it


def build(
    solutions: Path,
    exercises: Path,
    *,
    check: bool = False,
    lessons=LESSONS,
    remove: tuple[Path, ...] = (),
) -> list[Path]:
    """Build each lesson's ``solutions/NN_slug.ipynb`` into ``exercises/``.

    ``remove`` are files that must not exist (an old answer table in the
    package). Returns the paths that changed (with ``check=True``: that would
    change; nothing is written or removed).
    """
    found = sources(solutions, lessons)
    if not found:
        raise BuildError("no lesson in LESSONS has exercises: nothing to build.")
    outputs: dict[Path, str] = {}
    for path in found.values():
        nb = nbformat.read(path, as_version=4)
        outputs[exercises / path.name] = _dumps(build_notebook(nb, path.name))
        if not solution_code(nb, path.name):  # also checks every answer cell's grade_id
            raise BuildError(f"{path.name}: no {BEGIN} regions: nothing for learners to do.")
    stale = [
        path
        for path in list(outputs) + sorted(exercises.glob("*.ipynb")) + list(remove)
        if path not in outputs or not path.exists() or path.read_text("utf-8") != outputs[path]
    ]
    stale = [path for path in dict.fromkeys(stale) if path in outputs or path.exists()]
    if check:
        return stale
    exercises.mkdir(parents=True, exist_ok=True)
    for path in stale:
        if path in outputs:
            path.write_text(outputs[path], encoding="utf-8")
        else:  # an exercise whose solutions notebook is gone, or an answer table
            path.unlink()
    return stale


def export_for_nbgrader(solutions: Path, course: Path, lessons=LESSONS) -> list[Path]:
    """Write ``course/source/exNN/NN_slug.ipynb`` for nbgrader, one assignment per notebook.

    The copies keep the answers, the markers and the nbgrader metadata (nbgrader
    needs them all), and leave out the cells tagged ``solutions-only`` and any
    outputs. Returns the paths written.
    """
    written = []
    for key, path in sources(solutions, lessons).items():
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if DROP_TAG not in c.get("metadata", {}).get("tags", [])]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        out = course / "source" / key / path.name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_dumps(nb), encoding="utf-8")
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/build_exercises.py",
        description="Write exercises/*.ipynb from solutions/*.ipynb.",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository's root")
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    parser.add_argument(
        "--nbgrader",
        type=Path,
        metavar="COURSE",
        help="instead, write COURSE/source/exNN/ for nbgrader (see the README's Exercises)",
    )
    args = parser.parse_args(argv)
    root = args.root
    if args.nbgrader is not None:
        try:
            for path in export_for_nbgrader(root / "solutions", args.nbgrader):
                print(f"wrote {path}")
        except BuildError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    try:
        changed = build(
            root / "solutions",
            root / "exercises",
            check=args.check,
            remove=(root / OLD_ANSWER_TABLE,),
        )
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    shown = [str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in changed]
    if args.check:
        if changed:
            print("stale (run `make exercises`): " + ", ".join(shown), file=sys.stderr)
            return 1
        print("exercises are up to date")
        return 0
    for path, p in zip(changed, shown, strict=True):
        print(f"{'wrote' if path.exists() else 'removed'} {p}")
    if not changed:
        print("exercises are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
