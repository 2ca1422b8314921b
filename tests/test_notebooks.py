"""Notebook hygiene: committed clean, and every lesson has the standard skeleton.

(nbval, configured in pyproject.toml, executes every notebook; this file
checks what a reader sees before running anything.)
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for folder in ("notebooks", "exercises", "solutions") for p in (ROOT / folder).glob("*.ipynb")
)
LESSONS = [p for p in NOTEBOOKS if p.parent.name == "notebooks"]


def cells(path):
    """The notebook's cells, less its setup cell (the one cell allowed to install something:
    tools/first_cell.py writes it, tests/test_first_cell.py checks it word for word)."""
    every = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in every if "kit-setup" not in c.get("metadata", {}).get("tags", [])]


def text(cell):
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def test_there_are_lessons():
    assert LESSONS, "no lesson notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_without_outputs_or_execution_counts(path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name}: cell {i} has outputs"
            assert cell.get("execution_count") is None, f"{path.name}: cell {i} has a count"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_has_the_standard_skeleton(path):
    assert re.fullmatch(r"\d\d_[a-z_]+\.ipynb", path.name), path.name
    first = text(cells(path)[0])
    assert first.startswith("# "), f"{path.name}: the first cell must start with a title"
    assert "You will learn" in first, f"{path.name}: objectives ('You will learn') missing"
    assert re.search(r"\d+ minutes", first), f"{path.name}: estimated minutes missing"
    headings = [text(c) for c in cells(path) if c["cell_type"] == "markdown"]
    assert any(h.lstrip().startswith("## Summary") for h in headings), f"{path.name}: no Summary"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_code_cells_are_short_and_install_nothing(path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code":
            continue
        source = text(cell)
        assert "pip install" not in source and "sys.path" not in source, f"{path.name}: cell {i}"
        lines = [line for line in source.splitlines() if line.strip()]
        assert len(lines) <= 8, f"{path.name}: cell {i} has {len(lines)} lines (keep cells short)"


def test_the_notebooks_are_the_registrys_lessons():
    """Every notebook belongs to a registered lesson, and every lesson has its notebooks."""
    from servicelab.lessons import LESSONS as REGISTRY

    expected = {ROOT / lesson.notebook for lesson in REGISTRY}
    for lesson in REGISTRY:
        if lesson.has_exercises:
            expected |= {ROOT / lesson.solution_notebook, ROOT / lesson.exercise_notebook}
    assert set(NOTEBOOKS) == expected


IMPORT = re.compile(r"^\s*(from\s+(\S+)\s+import\b|import\s+\S+)", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_one_import_idiom_in_every_notebook(path):
    """Imports sit in the first code cell, as ``from servicelab import …``.

    An exercise notebook also imports its questions from its own lesson's
    slice: ``from servicelab.lessons.lNN_slug.exercises import …``.
    """
    from servicelab.lessons import LESSONS as REGISTRY

    lesson = next(x for x in REGISTRY if path.stem == x.name)
    allowed = {"servicelab"}
    if path.parent.name != "notebooks":
        allowed.add(f"{lesson.package}.exercises")
    code = [text(c) for c in cells(path) if c["cell_type"] == "code"]
    for i, source in enumerate(code):
        for match in IMPORT.finditer(source):
            where = f"{path.name}: code cell {i + 1}: {match.group(0).strip()!r}"
            assert i == 0, f"{where}: imports belong in the first code cell"
            assert match.group(2) in allowed, f"{where}: import from {sorted(allowed)} only"
            line = source[match.start() :].splitlines()[0]
            assert " as " not in line, f"{where}: no aliases"


# -- the learner's path: minutes, glossary, guesses, limits ---------------------------------------

GLOSSARY = ROOT / "GLOSSARY.md"
#: the lessons that follow the learner's-path conventions (glossary link, limits box, guesses,
#: "(coming)"); a new lesson joins this list once its notebook follows notebooks/CONVENTIONS.md
PATHED = [p for p in LESSONS if p.name[:2] in ("00", "01", "02", "03", "06")]


def lesson_cells(number: str):
    return cells(next(p for p in LESSONS if p.name.startswith(f"{number}_")))


def prose(path) -> str:
    return " ".join(" ".join(text(c).split()) for c in cells(path) if c["cell_type"] == "markdown")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_f8_a_lessons_minutes_are_the_registrys(path):
    from servicelab.lessons import LESSONS as REGISTRY

    lesson = next(x for x in REGISTRY if path.stem == x.name)
    stated = re.search(r"\*\*Time:\*\* about (\d+) minutes", text(cells(path)[0]))
    assert stated and int(stated.group(1)) == lesson.minutes


def test_f8_start_heres_path_table_has_the_registrys_minutes():
    from servicelab.lessons import LESSONS as REGISTRY

    table = next(text(c) for c in lesson_cells("00") if "## The learning path" in text(c))
    rows = dict(re.findall(r"^\| \[(\d\d) · .*\| (\d+) \|$", table, re.M))
    assert rows, "00's learning path lists the lessons with their minutes"
    for number, minutes in rows.items():
        assert int(minutes) == next(x.minutes for x in REGISTRY if x.number == number), number


def test_f8_lesson_03_marks_its_core_and_its_optional_sections_with_minutes():
    headings = [text(c).splitlines()[0] for c in lesson_cells("03") if text(c).startswith("## ")]
    numbered = [h for h in headings if re.match(r"## \d ·", h)]
    assert len(numbered) == 6
    for h in numbered:
        assert re.search(r"\((optional, )?about \d+ minutes\)$", h), h
    # the core: 1-3 and what async cost us (6); retries (4) and different availability (5)
    assert [("optional" in h) for h in numbered] == [False, False, False, True, True, False]
    top = " ".join(text(lesson_cells("03")[0]).split())
    assert "Sections 1–3 are the core" in top and "optional" in top


@pytest.mark.parametrize("path", PATHED, ids=lambda p: p.name)
def test_f9_every_lesson_links_the_glossary_and_has_its_limits(path):
    assert "../GLOSSARY.md" in text(cells(path)[0]), "link the glossary from the top cell"
    headings = [text(c).lstrip() for c in cells(path) if c["cell_type"] == "markdown"]
    limits = [i for i, h in enumerate(headings) if h.startswith("## Limits of this model")]
    summary = [i for i, h in enumerate(headings) if h.startswith("## Summary")]
    assert len(limits) == 1 and limits[0] < summary[0], "a Limits box, before the Summary"


def test_f9_the_glossary_explains_the_words_the_lessons_use():
    glossary = GLOSSARY.read_text(encoding="utf-8")
    assert "## How to read the figures" in glossary
    terms = set(re.findall(r"^\*\*([^*]+?)\.?\*\*", glossary, re.M))
    needed = [
        "Percentile, p50, p99",
        "CDF (cumulative distribution)",
        "Log axis",
        "Median",
        "Goodput",
        "Bounded context",
        "Temporal coupling",
        "Idempotent",
        "Back-pressure",
        "Dead letter, dead-letter queue",
        "At-least-once delivery",
        "Utilisation (ρ)",
        "Backlog",
        "Fan-out",
        "Bulkhead",
        "Circuit breaker",
        "Load shedding",
        "Deadline propagation",
    ]
    assert set(needed) <= terms, set(needed) - terms
    assert "at the same moment" in glossary  # temporal coupling, in the review's words
    assert "share of orders" in glossary and "crosses 0.5" in glossary
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(GLOSSARY.md)" in readme


def test_f9_percentiles_and_cdfs_are_explained_in_00_before_the_first_p99():
    texts = [text(c) for c in lesson_cells("00")]
    box = next(i for i, t in enumerate(texts) if "How to read the numbers: percentiles" in t)
    cdf = next(i for i, t in enumerate(texts) if "How to read a CDF" in t)
    first_table = next(i for i, t in enumerate(texts) if "print(compare(" in t)
    first_cdf = next(i for i, t in enumerate(texts) if "latency_cdf" in t)
    assert box < first_table and cdf < first_cdf


GUESS = re.compile(r"^(my_guess_\w+) = (.+)$", re.M)


@pytest.mark.parametrize("number", ["01", "02", "03", "06"])
def test_f10_every_prediction_has_a_cell_for_the_guess_and_a_reveal_after_the_run(number):
    all_cells = lesson_cells(number)
    predicts = [i for i, c in enumerate(all_cells) if "**Predict" in text(c)]
    assert predicts
    names = []
    for i in predicts:
        code = next(j for j in range(i + 1, len(all_cells)) if all_cells[j]["cell_type"] == "code")
        found = GUESS.search(text(all_cells[code]))
        assert found, f"{number}: the code cell after a Predict (cell {i}) holds my_guess_… = …"
        name, value = found.groups()
        left = value.split("#")[0].strip()  # None, or a dict of Nones: the learner's to fill
        assert left == "None" or re.fullmatch(r"\{(\s*\"\w+\": None,?)+\s*\}", left), left
        reveal = [
            j for j, c in enumerate(all_cells) if f"compare_guess({name}," in text(c) and j > code
        ]
        assert reveal, f"{number}: {name} is compared with the run after it"
        between = [c for c in all_cells[code + 1 : reveal[0]] if c["cell_type"] == "code"]
        assert between, f"{number}: {name}: the simulation runs between the guess and the reveal"
        names.append(name)
    assert len(set(names)) == len(names), "each guess gets its own name (reruns stay the same)"


def test_m3_lesson_02_prints_the_chains_tail_and_the_fan_out():
    code = "\n".join(text(c) for c in lesson_cells("02") if c["cell_type"] == "code")
    assert "chain.chain_ms(n)" in code and "p99 / p50" in code
    assert "share_slower_than_one_p99(100)" in code
    words = prose(next(p for p in LESSONS if p.name.startswith("02_")))
    assert "the *medians* add up" in words and "**fan-out**" in words
    assert "far above any one service's p99" not in words


def test_p8_lesson_03_reads_the_pool_settings_instead_of_typing_them():
    code = "\n".join(text(c) for c in lesson_cells("03") if c["cell_type"] == "code")
    assert "5 + 20 * 60" not in code and "PoolConfig()" in code


@pytest.mark.parametrize("path", PATHED, ids=lambda p: p.name)
def test_f14_lessons_not_written_yet_are_marked_coming(path):
    from servicelab.lessons import LESSONS as REGISTRY

    written = {x.number for x in REGISTRY}
    words = prose(path)
    for match in re.finditer(r"[Ll]essons? (\d\d)\b", words):
        if match.group(1) not in written:
            assert "coming" in words[match.start() : match.end() + 80], words[match.start() :][:90]


def test_m6_m8_lesson_03_names_idempotency_and_the_sync_side_cures():
    words = prose(next(p for p in LESSONS if p.name.startswith("03_")))
    for term in ("**idempotent**", "**idempotency key**", "charge it twice"):
        assert term in words, term
    for term in (
        "**bulkhead**",
        "**circuit breaker**",
        "**Load shedding**",
        "**deadline propagation**",
    ):
        assert term in words, term


def test_m11_p7_lesson_01_on_overlapping_lists_and_the_callback_box():
    words = prose(next(p for p in LESSONS if p.name.startswith("01_")))
    assert "The lists overlap, and the question breaks the tie." in words
    assert "*built with* a queue" in words and "result must flow back" in words
    assert "plain function call" in words
