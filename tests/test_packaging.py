"""constraints.txt (the lock) and environment.yml (conda) agree on every direct dependency.

Also: binder/environment.yml (Binder's learner-only environment) agrees with the lock on the
packages they share; constraints-colab.txt (the second test run) pins Colab's versions; and
the kit's own requirements, as installed, pull in no Jupyter server (a bare kernel can
`pip install` it: Colab, JupyterLite).

constraints.txt serves every Python the kit supports: a pin may carry a PEP 508 marker
(`numpy==2.2.6 ; python_version < "3.11"`), and pip applies only the lines whose marker
matches the Python it runs on. So pins are read here for one Python at a time.
"""

import re
import sys
from pathlib import Path

import yaml  # PyYAML comes with jupyterlab (via jupyter-events) and is pinned in constraints.txt
from packaging.requirements import InvalidRequirement, Requirement  # packaging comes with pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def direct_deps() -> list[str]:
    reqs = project()["dependencies"] + sum(project()["optional-dependencies"].values(), [])
    return [norm(NAME.match(req).group(1)) for req in reqs]


def lock_lines() -> list[tuple[str, Requirement | None]]:
    """Each pin line of constraints.txt, with its parse (None if it does not parse)."""
    lines = []
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            try:
                lines.append((line, Requirement(line)))
            except InvalidRequirement:
                lines.append((line, None))
    return lines


def constraint_pins(python: str) -> dict[str, list[str]]:
    """The versions constraints.txt pins on Python `python` ("3.11"): the lines with no
    marker or with one that holds there. Exactly one per package is right."""
    env = {"python_version": python, "python_full_version": f"{python}.0"}
    pins: dict[str, list[str]] = {}
    for _, req in lock_lines():
        if req is not None and (req.marker is None or req.marker.evaluate(env)):
            pins.setdefault(norm(req.name), []).extend(spec.version for spec in req.specifier)
    return pins


def conda_pins(file: str = "environment.yml") -> dict[str, str]:
    """The pins of a conda environment file: conda's `name=version` and its pip list's
    `name==version` (packages conda-forge lacks at the lock's version come from PyPI)."""
    env = yaml.safe_load((ROOT / file).read_text())
    pins = {}
    for dep in env["dependencies"]:
        for item in dep.get("pip", []) if isinstance(dep, dict) else [dep]:
            if isinstance(item, str) and not item.startswith(("-", ".")):
                name, _, version = item.partition("=")
                pins[norm(name.strip())] = version.lstrip("=").strip()
    return pins


def supported_pythons() -> list[str]:
    """The oldest Python pyproject.toml allows, and environment.yml's (CI's) Python."""
    requires = project()["requires-python"]
    floor = re.fullmatch(r">=\s*(\d+\.\d+)", requires.strip())
    assert floor, f"pyproject.toml: requires-python = {requires!r} is not of the form '>=X.Y'"
    conda_python = conda_pins().get("python")
    assert conda_python, "environment.yml: no 'python=X.Y' line"
    return sorted({floor.group(1), conda_python}, key=lambda v: tuple(map(int, v.split("."))))


def test_every_line_of_constraints_txt_is_an_exact_pin():
    bad = [
        line
        for line, req in lock_lines()
        if req is None or [spec.operator for spec in req.specifier] != ["=="]
    ]
    assert not bad, (
        "constraints.txt: these lines are not 'name==version', optionally followed by\n"
        "' ; <marker>' (run 'make lock' rather than editing it):\n" + "\n".join(bad)
    )


def test_no_package_is_pinned_twice_for_one_python():
    problems = [
        f"{name}: {' and '.join(versions)} both apply on Python {python}"
        for python in supported_pythons()
        for name, versions in sorted(constraint_pins(python).items())
        if len(versions) > 1
    ]
    assert not problems, "constraints.txt: markers overlap:\n" + "\n".join(problems)


def test_every_direct_dependency_is_pinned_for_every_supported_python():
    pythons = supported_pythons()
    problems = [
        f"{dep}: no pin applies on Python {python}"
        for python in pythons
        for dep in direct_deps()
        if dep not in constraint_pins(python)
    ]
    assert not problems, (
        f"constraints.txt must pin every direct dependency for Python {' and '.join(pythons)} "
        "(run 'make lock'):\n" + "\n".join(problems)
    )


def test_direct_dependencies_are_pinned_alike_in_both_files():
    conda = conda_pins()
    python = conda["python"]
    lock = {name: ", ".join(versions) for name, versions in constraint_pins(python).items()}
    problems = [
        f"{dep}: constraints.txt has {lock.get(dep, 'nothing')} for Python {python}, "
        f"environment.yml has {conda.get(dep, 'nothing')}"
        for dep in direct_deps()
        if dep not in lock or dep not in conda or lock[dep] != conda[dep]
    ]
    assert not problems, (
        f"pins out of step; environment.yml (python={python}) must match the pins that "
        f"constraints.txt applies on Python {python}:\n" + "\n".join(problems)
    )


def test_every_direct_dependency_is_in_environment_yml():
    missing = sorted(set(direct_deps()) - set(conda_pins()))
    assert not missing, f"environment.yml lacks: {', '.join(missing)}"


def test_environment_yml_installs_the_kit_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict)]
    assert any("-e ." in section for section in pip_sections), "environment.yml: no '- -e .'"


# -- Binder: the learner's environment only ---------------------------------------------------

BINDER = "binder/environment.yml"
#: what a learner's kernel needs: the kit's runtime dependencies (and Python, and pip)
RUNTIME = {norm(NAME.match(req).group(1)) for req in project()["dependencies"]}


def test_binder_pins_what_it_shares_with_the_lock_alike():
    binder = conda_pins(BINDER)
    python = binder["python"]
    lock = {name: ", ".join(versions) for name, versions in constraint_pins(python).items()}
    shared = sorted(set(binder) & set(lock))
    assert shared, f"{BINDER} shares no package with constraints.txt"
    problems = [
        f"{name}: constraints.txt has {lock[name]} for Python {python}, {BINDER} has {binder[name]}"
        for name in shared
        if lock[name] != binder[name]
    ]
    assert not problems, "pins out of step:\n" + "\n".join(problems)


def test_binder_has_the_learners_needs_only_and_leaves_jupyterlab_to_the_base_image():
    binder = set(conda_pins(BINDER)) - {"python", "pip"}
    assert binder <= RUNTIME, f"{BINDER}: not a runtime dependency: {sorted(binder - RUNTIME)}"
    assert "jupyterlab" not in binder and "notebook" not in binder
    post = (ROOT / "binder" / "postBuild").read_text()
    assert (
        "pip install --no-deps" in post and (ROOT / "binder" / "postBuild").stat().st_mode & 0o111
    )


# -- a bare kernel: the kit's requirements pull in no server -------------------------------------

SERVERS = {
    "jupyterlab", "jupyter-server", "notebook", "nbclassic", "tornado", "pyzmq", "ipykernel",
    "jupyter-client", "terminado", "jupyterlite-core",
}  # fmt: skip


def requirement_closure(names) -> set[str]:
    """Every distribution that installing `names` (no extras) brings in, by the metadata of
    the versions installed here (the lock's)."""
    from importlib.metadata import PackageNotFoundError, distribution

    seen, todo = set(), list(names)
    while todo:
        current = norm(todo.pop())
        if current in seen:
            continue
        seen.add(current)
        try:
            requires = distribution(current).requires or []
        except PackageNotFoundError:
            continue  # not needed on this Python (its marker said so)
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_pip_install_of_the_kit_pulls_in_no_server_package():
    runtime = {norm(NAME.match(req).group(1)) for req in project()["dependencies"]}
    assert not runtime & SERVERS, "a server is a runtime dependency"
    pulled = requirement_closure(runtime)  # pyproject.toml's, not a stale editable install's
    assert RUNTIME <= pulled
    assert not pulled & SERVERS, f"installing the kit pulls in {sorted(pulled & SERVERS)}"
    extras = project()["optional-dependencies"]
    assert "jupyterlab" in {norm(NAME.match(r).group(1)) for r in extras["lab"]}


# -- Colab: the second test run ---------------------------------------------------------------


def colab_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints-colab.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            assert [spec.operator for spec in req.specifier] == ["=="], line
            pins[norm(req.name)] = next(iter(req.specifier)).version
    return pins


def test_the_colab_lock_pins_colabs_versions():
    import importlib.util

    spec = importlib.util.spec_from_file_location("colab_env", ROOT / "tools" / "colab_env.py")
    colab_env = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(colab_env)
    pins = colab_pins()
    for name, version in colab_env.COLAB.items():
        assert pins.get(norm(name)) == version, (
            f"constraints-colab.txt: {name} is not Colab's {version}"
        )
    assert pins["ipywidgets"].startswith("7.") and pins["ipython"].startswith("7.")
    assert RUNTIME <= set(pins), "constraints-colab.txt must pin every runtime dependency"
