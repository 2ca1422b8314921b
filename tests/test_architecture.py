"""The rules of the house, as tests.

* **Layers.** ``servicelab`` is built in layers (:data:`LAYERS`, the same
  list as the README's map, which a test compares); a module imports only
  from its own layer or the layers below it, and a lesson's slice imports no
  other lesson's slice (what two lessons share lives in a lower layer).
* **Public names only.** No module imports a ``_private`` name of another
  module or reaches into another module's ``_private`` attribute, and what it
  imports from a module of the kit is in that module's ``__all__``.
* **Small modules.** A module has at most :data:`MAX_LINES` lines, bar the
  few named in :data:`LONG_MODULES` with the reason.
* **Declared dependencies.** Every third-party package the runtime package
  imports is a dependency in ``pyproject.toml``; what tests, benchmarks and
  tools import is a dependency or a ``test`` extra.
* **Self-contained.** No file of the project refers to anything outside the
  repository.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "servicelab"

#: the layers, bottom to top: module patterns (dotted, relative to servicelab)
LAYERS: list[tuple[str, ...]] = [
    ("_check",),
    ("world",),
    ("latency", "faults", "records"),
    ("service",),
    ("sync", "messaging", "breaker"),
    ("theory",),
    ("card", "catalogue"),
    ("scenarios", "scenarios.*"),
    ("ui", "ui.*"),
    ("exercises", "exercises.*"),
    ("lessons", "lessons.*"),
    ("plots", "panels"),
    ("",),  # the package root: re-exports, imports lazily
]
MAX_LINES = 400
#: modules allowed to be longer, and why
LONG_MODULES: dict[str, str] = {}
#: private attributes of other objects that a module may touch, and why
PRIVATE_ALLOWED = {
    ("world", "_queue"): "simpy's event heap, read once per event on the hot path; simpy is "
    "pinned and tests/test_world.py covers every stop reason",
    ("exercises.forked", "_exit"): "os._exit is Python's documented way to end a forked child "
    "without running the parent's (the kernel's) clean-up",
}
#: import name → distribution name, where they differ
DISTRIBUTIONS = {"PIL": "pillow", "IPython": "ipython", "yaml": "pyyaml"}
#: backports of the standard library, imported only on the Pythons that lack the module
BACKPORTS = {"tomli"}
#: the project's own top-level names
OURS = {"servicelab", "bench", "tests", "conftest", "tools"}


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name relative to ``servicelab`` (root: "")."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def layer_of(name: str) -> int:
    for k, patterns in enumerate(LAYERS):
        if any(name == p or fnmatch(name, p) for p in patterns):
            return k
    raise AssertionError(f"servicelab.{name} is in no layer: add it to LAYERS and the README")


def slice_of(name: str) -> str | None:
    m = re.match(r"lessons\.(l\d\d_\w+?)(\.|$)", name)
    return m.group(1) if m else None


def resolve(module: str, node: ast.ImportFrom) -> str | None:
    """The absolute dotted name (relative to servicelab) an ImportFrom reads from."""
    if node.level:
        base = module.split(".") if module else []
        is_package = MODULES[module].name == "__init__.py"
        up = node.level - (1 if is_package else 0)
        base = base[: len(base) - up] if up else base
        target = ".".join([*base, *([node.module] if node.module else [])])
        return target
    if node.module and (node.module == "servicelab" or node.module.startswith("servicelab.")):
        return node.module[len("servicelab.") :] if node.module != "servicelab" else ""
    return None


def imports(module: str):
    """(target module, names imported, line) for every import of the kit in ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = resolve(module, node)
            if target is None:
                continue
            names = [a.name for a in node.names]
            # ``from . import world`` imports modules, not names
            subs = [n for n in names if f"{target}.{n}".strip(".") in MODULES]
            for sub in subs:
                yield f"{target}.{sub}".strip("."), [], node.lineno
            rest = [n for n in names if n not in subs]
            if rest:
                yield target, rest, node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("servicelab."):
                    yield a.name[len("servicelab.") :], [], node.lineno


def public_names(target: str) -> list[str]:
    module = importlib.import_module("servicelab" + (f".{target}" if target else ""))
    return list(getattr(module, "__all__", []))


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m or "servicelab")
def test_a_module_imports_only_its_own_layer_and_those_below(module):
    here = layer_of(module)
    for target, _, line in imports(module):
        assert layer_of(target) <= here, (
            f"servicelab.{module}:{line} imports servicelab.{target}, a layer above it"
        )
        mine, theirs = slice_of(module), slice_of(target)
        assert theirs is None or theirs == mine, (
            f"servicelab.{module}:{line} imports lesson slice {theirs}: what lessons share "
            "belongs in a lower layer (scenarios, ui, exercises)"
        )


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m or "servicelab")
def test_a_module_imports_only_public_names(module):
    for target, names, line in imports(module):
        if not names or target == module:
            continue
        private = [n for n in names if n.startswith("_") and n != "____"]
        assert not private, f"servicelab.{module}:{line} imports {private} from {target}"
        public = public_names(target)
        outside = [n for n in names if n not in public]
        assert not outside, (
            f"servicelab.{module}:{line} imports {outside} from servicelab.{target}, "
            f"which are not in its __all__"
        )


def _private_names_defined(tree: ast.Module) -> set[str]:
    """``_names`` this module defines: its functions and methods, and ``self._x`` attributes."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_"):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                names.add(node.attr)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if n.startswith("_")}


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m or "servicelab")
def test_no_module_reaches_into_another_objects_private_attributes(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    own = _private_names_defined(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        attr = node.attr
        if attr in own:
            continue  # private to this module: its classes may share it
        if not attr.startswith("_") or attr.startswith("__"):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        key = (module, attr)
        assert key in PRIVATE_ALLOWED, (
            f"servicelab.{module}:{node.lineno} reads .{attr} of another object: "
            "give that object a public method or attribute"
        )


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m or "servicelab")
def test_every_module_has_a_docstring_and_an_all(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"servicelab.{module} has no docstring"
    if slice_of(module) and module.count(".") == 1:
        return  # a slice's __init__ only describes the slice
    imported = importlib.import_module("servicelab" + (f".{module}" if module else ""))
    assert hasattr(imported, "__all__"), f"servicelab.{module} has no __all__"


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m or "servicelab")
def test_modules_stay_small(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    if module in LONG_MODULES:
        return
    assert lines <= MAX_LINES, (
        f"servicelab.{module} has {lines} lines (at most {MAX_LINES}): split it by concern"
    )


def test_the_readme_map_lists_the_same_layers():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The package, layer by layer", 1)[1].split("\n## ", 1)[0]
    items = re.findall(r"^\d+\. (.+?)(?= —)", section, re.M)
    listed = [tuple(re.findall(r"`([\w.*]+)`", item)) for item in items]
    expected = [
        tuple(p for p in layer if not p.endswith(".*")) or ("servicelab",)
        for layer in LAYERS
        if layer != ("",)
    ]
    assert listed == expected, "README's layer map and tests/test_architecture.LAYERS differ"


def _third_party(paths) -> dict[str, set[str]]:
    stdlib = set(sys.stdlib_module_names)
    found: dict[str, set[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in stdlib or top in BACKPORTS or top in OURS:
                    continue
                found.setdefault(DISTRIBUTIONS.get(top, top).lower(), set()).add(
                    str(path.relative_to(ROOT))
                )
    return found


def _declared(extra: str | None = None) -> set[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")

    def names(block: str) -> set[str]:
        return {re.split(r"[<>=!~\[; ]", d)[0].lower() for d in re.findall(r'"([^"]+)"', block)}

    runtime = names(re.search(r"^dependencies = \[(.*?)^\]", text, re.M | re.S).group(1))
    if extra is None:
        return runtime
    block = re.search(rf"^{extra} = \[(.*?)^\]", text, re.M | re.S).group(1)
    return runtime | names(block)


def test_the_runtime_package_imports_only_declared_dependencies():
    used = _third_party(MODULES.values())
    missing = {d: sorted(where) for d, where in used.items() if d not in _declared()}
    assert not missing, f"imported but not declared in [project] dependencies: {missing}"


def test_tests_benchmarks_and_tools_import_only_declared_dependencies():
    paths = [p for d in ("tests", "bench", "tools") for p in (ROOT / d).rglob("*.py")]
    used = _third_party(paths)
    missing = {d: sorted(where) for d, where in used.items() if d not in _declared("test")}
    assert not missing, f"imported but not declared (dependencies or the test extra): {missing}"


def test_the_author_only_builder_is_not_in_the_runtime_package():
    assert not any("builder" in name for name in MODULES), "the builder belongs in tools/"
    assert "nbformat" not in _third_party(MODULES.values())


def test_no_file_refers_to_anything_outside_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = re.compile(r"\.\./shared|\bDESIGN\.md\b|/work/|reviews/20\d\d")
    bad = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in (".png", ".jpg", ".whl") or not path.is_file():
            continue
        if name == "tests/test_architecture.py":
            continue  # names the patterns it looks for
        text = path.read_text(encoding="utf-8", errors="replace")
        bad += [f"{name}: {m.group(0)}" for m in outside.finditer(text)]
    assert not bad, bad
