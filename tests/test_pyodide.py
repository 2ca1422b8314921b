"""The exercises' time limit inside real Pyodide, the Python that JupyterLite's kernel runs.

Node.js runs the npm package ``pyodide`` (the version jupyterlite-pyodide-kernel
0.8.6 loads), which has no ``fork``, no ``setitimer`` and cannot start a thread.
``tests/pyodide/time_limit.mjs`` loads the kit's ``timeouts`` and ``traced``
modules there and times a runaway loop. The package is installed once into
``build/pyodide/`` from the npm registry (about 14 MB); without Node.js or npm
the test is skipped and says why.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYODIDE = "pyodide@314.0.6"  # jupyterlite-pyodide-kernel 0.8.6's Pyodide
PREFIX = ROOT / "build" / "pyodide"


@pytest.fixture(scope="module")
def pyodide_modules():
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("Node.js and npm are needed to run Pyodide here")
    modules = PREFIX / "node_modules"
    if not (modules / "pyodide" / "pyodide.mjs").is_file():
        PREFIX.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["npm", "install", "--prefix", str(PREFIX), "--no-save", "--silent", PYODIDE],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.skip(f"npm could not install {PYODIDE}: {done.stderr.strip()[-300:]}")
    return modules


def test_in_pyodide_a_runaway_loop_is_stopped_and_a_quick_answer_is_not(pyodide_modules):
    done = subprocess.run(
        [
            "node",
            str(ROOT / "tests" / "pyodide" / "time_limit.mjs"),
            str(pyodide_modules),
            str(ROOT / "src" / "servicelab"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["platform"] == "emscripten"
    assert not (found["fork"] or found["signals"] or found["threads"])
    assert found["thread_start"].startswith("RuntimeError")  # what the trace mode replaces
    assert found["quick"] == 42
    for name in ("forever", "catches"):
        assert found[name] is not None, f"{name} was not stopped"
        message, took = found[name]
        assert message == "still running after 0.5 s" and 0.5 <= took < 2.0
    assert found["trace_restored"]
