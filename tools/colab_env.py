"""The second test environment: the kit on Google Colab's package versions (run by 'make test').

Colab's runtime ships ipywidgets 7.7 and IPython 7.34 and cannot show
ipywidgets 8, so the kit must work with both. ``make test`` runs the panel,
exercise and notebook tests a second time in ``.venv-colab``, a venv made
from ``constraints-colab.txt``: Colab's versions (:data:`COLAB`) of the
packages Colab ships, and the rest as they resolved with them.

    python tools/colab_env.py --venv .venv-colab          # create or update it
    python tools/colab_env.py --lock                      # regenerate constraints-colab.txt

Colab's Python (:data:`COLAB_PYTHON`) is looked for as ``python3.13`` on
PATH, then under pyenv's ``versions/``; where it is missing, the closest
Python found is used instead, with Colab's own pins only (the rest of the lock
was resolved for Colab's Python), and the tool says so. ``--python PATH``
names one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["COLAB", "COLAB_PYTHON", "TEST_TOOLS", "CONSTRAINTS", "find_python", "create", "lock"]

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints-colab.txt"
#: Colab's runtime as its public pip freeze listed it on 2026-08-19
#: (googlecolab/backend-info, pip-freeze.txt): the packages the kit or its tests touch
COLAB_PYTHON = "3.13"
COLAB = {
    "ipywidgets": "7.7.1",
    "widgetsnbextension": "3.6.10",
    "jupyterlab_widgets": "3.0.16",
    "ipython": "7.34.0",
    "ipykernel": "6.17.1",
    "numpy": "2.1.3",
    "matplotlib": "3.10.0",
    "notebook": "6.5.7",
}
#: the test tools the second run needs
TEST_TOOLS = [
    "pytest",
    "nbval",
    "hypothesis",
    "pytest-timeout",
    "nbformat",
    "nbclient",
    "pyyaml",
    "packaging",
]
HEADER = """\
# The Colab lock: the kit's runtime and test tools on Google Colab's versions, for the
# second test run (make test → tools/colab_env.py → .venv-colab). The first block is
# Colab's own pins (tools/colab_env.py, COLAB: its public pip freeze of 2026-08-19); the
# rest are the newest releases that resolved with them, on {python}.
# Regenerate with 'python tools/colab_env.py --lock'.
"""


def _version(python: str) -> tuple[int, int] | None:
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        out = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.strip().split(".")
    return int(major), int(minor)


def find_python(given: str = "") -> tuple[str, str]:
    """(path, note): Colab's Python if found, else the closest one found, and a note saying so."""
    wanted = tuple(int(x) for x in COLAB_PYTHON.split("."))
    if given:
        found = _version(given)
        if found is None:
            sys.exit(f"colab_env: --python {given} does not run.")
        if found != wanted:
            return given, f"{given} is Python {found[0]}.{found[1]}, not Colab's {COLAB_PYTHON}"
        return given, ""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = {}
    for minor in range(10, 15):
        name = f"python3.{minor}"
        paths = [shutil.which(name) or "", *map(str, sorted(pyenv.glob(f"3.{minor}.*/bin/{name}")))]
        for path in paths:
            if path and _version(path) == (3, minor):
                candidates[(3, minor)] = path
                break
    if not candidates:
        return sys.executable, f"no python3.10–3.14 found; using {sys.executable}"
    best = min(candidates, key=lambda v: (abs(v[1] - wanted[1]), -v[1]))
    note = "" if best == wanted else f"Colab's Python {COLAB_PYTHON} not found; using 3.{best[1]}"
    return candidates[best], note


def _pip(venv: Path, *args: str) -> None:
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", *args], cwd=ROOT, check=True)


def create(venv: Path, python: str, *, whole_lock: bool = True) -> None:
    """Make ``venv`` (if missing) and install the kit and the test tools from the Colab lock.

    ``whole_lock=False`` (another Python than Colab's, whose lock may pin releases that
    Python cannot take) applies Colab's own pins only, :data:`COLAB`.
    """
    if not (venv / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    if whole_lock:
        _pip(venv, "install", "-q", "-c", str(CONSTRAINTS), "-e", ".", *TEST_TOOLS)
        return
    with tempfile.TemporaryDirectory() as tmp:
        pins = Path(tmp, "colab-pins.txt")
        pins.write_text("".join(f"{name}=={version}\n" for name, version in COLAB.items()))
        _pip(venv, "install", "-q", "-c", str(pins), "-e", ".", *TEST_TOOLS)


def lock(python: str, scratch: Path) -> None:
    """Resolve Colab's pins with the kit and the test tools; write constraints-colab.txt."""
    shutil.rmtree(scratch, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(scratch)], check=True)
    seed = scratch / "seed.txt"
    seed.write_text("".join(f"{name}=={version}\n" for name, version in COLAB.items()))
    colab = {name.lower().replace("_", "-") for name in COLAB}
    try:
        _pip(scratch, "install", "-q", "-c", str(seed), "-e", ".", *TEST_TOOLS, *COLAB)
        frozen = subprocess.run(
            [str(scratch / "bin" / "python"), "-m", "pip", "freeze", "--exclude-editable"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        full = subprocess.run(
            [
                str(scratch / "bin" / "python"),
                "-c",
                "import platform; print(platform.python_version())",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rest = sorted(
        (line for line in frozen if line.split("==")[0].lower().replace("_", "-") not in colab),
        key=str.lower,
    )
    pins = [f"{name}=={version}" for name, version in COLAB.items()]
    text = HEADER.format(python=f"Python {full}") + "\n".join(pins) + "\n\n" + "\n".join(rest)
    CONSTRAINTS.write_text(text + "\n")
    print(f"colab_env: wrote {CONSTRAINTS.name} ({len(pins) + len(rest)} pins, Python {full})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-colab")
    parser.add_argument("--python", default="", help="the Python to use (default: Colab's)")
    parser.add_argument("--lock", action="store_true", help="regenerate constraints-colab.txt")
    args = parser.parse_args(argv)
    python, note = find_python(args.python)
    if note:
        print(f"colab_env: {note}", flush=True)
    if args.lock:
        lock(python, Path("/tmp/servicelab-colab-lockvenv"))
    else:
        create(args.venv, python, whole_lock=not note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
