"""Give every notebook the one setup cell that makes it run where the kit is not installed.

On Colab and in JupyterLite a notebook starts in a kernel without the kit.
The setup cell, the first code cell of every lesson, exercise and solutions
notebook, installs it there and says so in one line; in the kit's own
environment (``make lab``, VS Code with ``.venv``, Binder) it finds the kit
and does nothing, at once:

* **JupyterLite** (``sys.platform == "emscripten"``): ``piplite`` installs the
  kit's wheel, which ``make lite`` ships inside the site, and its dependencies
  (simpy and ipywidgets from the site, numpy and matplotlib from Pyodide);
* **Colab** (and any other kernel without the kit): ``pip`` installs it from
  the kit's git repository, :data:`KIT_URL`.

The cell is tagged :data:`TAG`; the lesson hygiene tests
(``tests/test_notebooks.py``) skip exactly that cell, and
``tests/test_first_cell.py`` checks that every notebook has it, word for word,
before any other code. ``tools/build_exercises.py`` carries it from
``solutions/`` into ``exercises/`` like any cell.

    python tools/first_cell.py                  # all of notebooks/, solutions/, exercises/
    python tools/first_cell.py notebooks/01_the_question.ipynb …   # only these
    python tools/first_cell.py --check          # exit 1 if a notebook lacks the current cell

It is idempotent: a notebook that already has the current cell is not
rewritten. Notebooks are read and written as JSON (one-space indent, keys
sorted, as Jupyter saves them), so nothing else in them changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["TAG", "KIT_URL", "FOLDERS", "SOURCE", "is_setup_cell", "with_setup", "apply", "main"]

ROOT = Path(__file__).resolve().parents[1]
TAG = "kit-setup"
#: where Colab's pip gets the kit: the kit's public git repository. There is none yet:
#: replace this placeholder once the repository is published, then run this tool.
KIT_URL = "https://github.com/YOUR-ACCOUNT/async-over-sync"
FOLDERS = ("notebooks", "solutions", "exercises")
SOURCE = f"""\
# Colab and JupyterLite only: installs the kit where it is missing; elsewhere it does nothing.
import importlib.util, sys
if importlib.util.find_spec("servicelab") is None:
    if sys.platform == "emscripten":  # JupyterLite: the kit's wheel comes with the site
        import piplite; await piplite.install("servicelab")
    else:  # Colab: from the kit's repository
        get_ipython().run_line_magic("pip", "install -q 'servicelab @ git+{KIT_URL}'")
    importlib.invalidate_caches()
    found = importlib.util.find_spec("servicelab")
    print("Installed the kit (servicelab) for this session." if found else
          "Could not install the kit: see the README, 'Run it without installing'.")"""


def is_setup_cell(cell: dict) -> bool:
    """True for the setup cell (a cell tagged :data:`TAG`)."""
    if not isinstance(cell, dict):
        raise TypeError(f"cell must be a dict (a notebook cell), not {type(cell).__name__}.")
    return TAG in cell.get("metadata", {}).get("tags", [])


def _setup_cell() -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": TAG,
        "metadata": {"tags": [TAG]},
        "outputs": [],
        "source": SOURCE.splitlines(keepends=True),
    }


def with_setup(nb: dict) -> dict:
    """``nb`` (notebook JSON) with exactly one current setup cell, before its first code cell."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("nb must be a notebook: a dict with a list of 'cells'.")
    cells = [cell for cell in nb["cells"] if not is_setup_cell(cell)]
    first_code = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code"), len(cells))
    return {**nb, "cells": cells[:first_code] + [_setup_cell()] + cells[first_code:]}


def _dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def apply(path: Path, *, check: bool = False) -> bool:
    """Give the notebook at ``path`` the current setup cell; True if it changed (or would)."""
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"{path}: not a notebook file (.ipynb).")
    text = path.read_text(encoding="utf-8")
    new = _dumps(with_setup(json.loads(text)))
    if new == text:
        return False
    if not check:
        path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all of them)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(p for f in FOLDERS for p in (ROOT / f).glob("*.ipynb"))
    changed = [path for path in paths if apply(path, check=args.check)]
    verb = "would change" if args.check else "changed"
    for path in changed:
        print(f"first_cell: {verb} {path}")
    if not changed:
        print(f"first_cell: all {len(paths)} notebooks have the current setup cell")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
