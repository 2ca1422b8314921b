"""constraints.txt (the lock) and environment.yml (conda) agree on every direct dependency."""

import re
import sys
from pathlib import Path

import yaml  # PyYAML comes with jupyterlab (via jupyter-events) and is pinned in constraints.txt

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_deps() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return [norm(NAME.match(req).group(1)) for req in reqs]


def constraint_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"constraints.txt: {line!r} is not an exact '==' pin"
            pins[norm(name)] = version.strip()
    return pins


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, _, version = dep.partition("=")
            pins[norm(name.strip())] = version.lstrip("=").strip()
    return pins


def test_direct_dependencies_are_pinned_alike_in_both_files():
    lock, conda = constraint_pins(), conda_pins()
    problems = [
        f"{dep}: constraints.txt has {lock.get(dep, 'nothing')}, "
        f"environment.yml has {conda.get(dep, 'nothing')}"
        for dep in direct_deps()
        if dep not in lock or dep not in conda or lock[dep] != conda[dep]
    ]
    assert not problems, "pins out of step; make them match:\n" + "\n".join(problems)


def test_every_direct_dependency_is_in_environment_yml():
    missing = sorted(set(direct_deps()) - set(conda_pins()))
    assert not missing, f"environment.yml lacks: {', '.join(missing)}"


def test_environment_yml_installs_the_kit_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict)]
    assert any("-e ." in section for section in pip_sections), "environment.yml: no '- -e .'"
