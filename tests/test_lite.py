"""`make lite` builds a JupyterLite site that holds what a learner's browser needs.

The site is built once (about 10 s: tools/build_lite.py, as `make lite` runs
it) into a temporary folder and inspected: the lessons and exercises with
their setup cell, the kit's wheel with no server among its requirements, the
shipped wheels listed in the site's package index, and the Pyodide kernel and
widget manager extensions. What cannot be checked here is the browser side
(Pyodide's numpy and matplotlib come from its CDN at run time): the README's
"Run it without installing" says how a maintainer with internet checks it.
"""

import importlib.util
import json
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
SERVERS = {"jupyterlab", "jupyter-server", "notebook", "tornado", "pyzmq", "ipykernel"}

pytestmark = pytest.mark.skipif(
    not Path(sys.executable).with_name("jupyter-lite").exists(),
    reason="jupyterlite-core is not installed (make install installs the lite extra)",
)


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return load("build_lite").build_site(tmp_path_factory.mktemp("lite") / "site")


def test_the_site_has_the_app_and_the_kernel(site):
    for page in ("index.html", "lab/index.html", "notebooks/index.html", "jupyter-lite.json"):
        assert (site / page).is_file(), page
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    names = {ext["name"] for ext in config["federated_extensions"]}
    assert {"@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager"} <= names
    assert config["appVersion"].startswith("0.8.")


def test_the_lessons_and_exercises_are_there_with_their_setup_cell(site):
    first_cell = load("first_cell")
    for folder in ("notebooks", "exercises"):
        shipped = sorted(p.name for p in (site / "files" / folder).glob("*.ipynb"))
        assert shipped == sorted(p.name for p in (ROOT / folder).glob("*.ipynb")), folder
        for name in shipped:
            original = json.loads((ROOT / folder / name).read_text(encoding="utf-8"))["cells"]
            copy = json.loads((site / "files" / folder / name).read_text(encoding="utf-8"))["cells"]
            setup = [c["source"] for c in original if first_cell.is_setup_cell(c)]
            assert setup == [c["source"] for c in copy if first_cell.is_setup_cell(c)], name
    assert (site / "files" / "GLOSSARY.md").is_file()
    assert not (site / "files" / "solutions").exists(), "the answers stay out of the site"


def test_the_package_index_lists_the_kit_and_the_wheels_it_needs(site):
    index = json.loads((site / "pypi" / "all.json").read_text())
    assert {"servicelab", "simpy", "ipywidgets", "comm", "jupyterlab-widgets"} <= set(index)
    for project in index.values():
        for release in project["releases"].values():
            for wheel in release:
                assert (site / "pypi" / wheel["filename"]).is_file(), wheel["filename"]
                assert wheel["filename"].endswith("-py3-none-any.whl"), "pure wheels only"


def test_the_kits_wheel_needs_no_server_and_carries_no_answers(site):
    (wheel,) = (site / "pypi").glob("servicelab-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(meta).decode())
    required = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
    runtime = {r.name.lower() for r in required if r.marker is None}
    assert runtime == {"simpy", "numpy", "matplotlib", "ipywidgets", "ipython", "pillow"}
    assert not runtime & SERVERS
    assert "servicelab/exercises/traced.py" in names  # the time limit Pyodide needs
    assert not any("solutions/" in n and n.endswith(".ipynb") for n in names)
