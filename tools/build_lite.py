"""Build a JupyterLite site: the lessons and exercises running in the browser (run by 'make lite').

The site is static (any web server can host it) and its kernel is Pyodide,
Python compiled to WebAssembly. It holds:

* ``files/``: the lessons (``notebooks/``), the exercises (``exercises/``) and
  ``GLOSSARY.md``, each notebook starting with the setup cell
  (``tools/first_cell.py``) that installs the kit with ``piplite``;
* ``pypi/``: the wheels that setup cell installs from the site itself — the
  kit (built here from ``src/``), simpy, ipywidgets, comm and
  jupyterlab_widgets, at the versions installed in this environment;
* ``extensions/``: the Pyodide kernel and the widget manager.

numpy, matplotlib and pillow are not in the site: the kernel fetches them from
Pyodide's CDN at run time (they have no WebAssembly wheels on PyPI), so the
site needs the internet in the learner's browser. The versions of
``jupyterlite-core`` and ``jupyterlite-pyodide-kernel`` are pinned in
``constraints.txt`` (0.8.x goes with JupyterLab 4.6).

    python tools/build_lite.py                    # → build/lite
    python tools/build_lite.py --output DIR
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

__all__ = ["CONTENT", "SHIPPED", "build_wheels", "build_site", "main"]

ROOT = Path(__file__).resolve().parents[1]
#: what the site's file browser holds (solutions/ stays out: it is the answers)
CONTENT = ("notebooks", "exercises", "GLOSSARY.md")
#: the pure-Python wheels shipped in the site besides the kit's own
SHIPPED = ("simpy", "ipywidgets", "comm", "jupyterlab_widgets")


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"build_lite: {' '.join(command[:4])} … failed:\n{done.stdout}\n{done.stderr}")


def build_wheels(into: Path) -> list[Path]:
    """The kit's wheel (built from a clean copy of the source) and the shipped ones, in ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="servicelab-wheel-") as tmp:
        source = Path(tmp, "kit")
        source.mkdir()
        shutil.copy(ROOT / "pyproject.toml", source)
        shutil.copytree(
            ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
        pip = [sys.executable, "-m", "pip", "-q"]
        _run([*pip, "wheel", "--no-deps", "-w", str(into), str(source)], cwd=source)
    pins = [f"{name}=={version(name)}" for name in SHIPPED]
    _run([*pip, "download", "--no-deps", "--only-binary=:all:", "-d", str(into), *pins], cwd=into)
    return sorted(into.glob("*.whl"))


def build_site(output: Path) -> Path:
    """Build the site into ``output`` (replaced if it exists); return ``output``."""
    output = Path(output).resolve()
    lite = Path(sys.executable).with_name("jupyter-lite")
    if not lite.exists():
        sys.exit("build_lite: jupyter-lite is missing: run 'make install' (the lite extra).")
    with tempfile.TemporaryDirectory(prefix="servicelab-lite-") as tmp:
        work = Path(tmp)
        wheels = build_wheels(work / "wheels")
        content = work / "content"
        content.mkdir()
        for name in CONTENT:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, content / name, ignore=shutil.ignore_patterns(".*"))
            else:
                shutil.copy(ROOT / name, content / name)
        for extra in content.glob("*/*.md"):  # notes for authors, not for learners
            extra.unlink()
        shutil.rmtree(output, ignore_errors=True)
        command = [str(lite), "build", "--lite-dir", str(work), "--contents", str(content)]
        for wheel in wheels:  # one flag per wheel: a glob after one flag keeps only the first
            command += ["--piplite-wheels", str(wheel)]
        _run([*command, "--output-dir", str(output), "--no-sourcemaps"], cwd=work)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "lite")
    args = parser.parse_args(argv)
    started = time.monotonic()
    site = build_site(args.output)
    files = [p for p in site.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files) / 1e6
    print(
        f"build_lite: {site} ({len(files)} files, {size:.0f} MB) in "
        f"{time.monotonic() - started:.0f} s\n"
        f"Try it: {Path(sys.executable).name} -m http.server -d {site} 8000, then open "
        "http://127.0.0.1:8000/lab/index.html (the browser needs the internet for Pyodide)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
