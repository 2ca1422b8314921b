"""The exercise notebooks, checked the way nbgrader's validate and validate --invert would.

* every solutions notebook runs and every check in it is *correct*, even in
  grading mode (where a check that is not correct raises);
* every exercises notebook runs, every check says *not attempted*, and in
  grading mode every check fails (the learner's copy fails until solved);
* every question has a wrong answer that fails with a helpful message;
* hints, solutions and the notebooks' text stay in step with the questions.

Notebooks run in-process here (one namespace per notebook, cell by cell, the
value of a cell's last expression kept, as Jupyter shows it); nbval runs them
in a real kernel too (``solutions/`` and ``exercises/`` are in testpaths).
"""

import ast
import importlib
import re
from pathlib import Path

import nbformat
import pytest

from servicelab import Retry
from servicelab.exercises import MODULES, set_grading
from servicelab.exercises.builder import solution_code
from servicelab.exercises.core import CORRECT, INCORRECT, NOT_ATTEMPTED, Outcome, Question

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
CHECK = re.compile(r"^(q\d+)\.check\(\)$")


def module_for(path: Path):
    return importlib.import_module(f"servicelab.exercises.{MODULES[path.name[:2]]}")


def questions(path: Path) -> dict[str, Question]:
    return {q.name: q for q in module_for(path).QUESTIONS}


ALL_QUESTIONS = [
    (f"{MODULES[p.name[:2]]}.{name}", q) for p in SOLUTIONS for name, q in questions(p).items()
]


def run_in_process(path: Path, *, grading: bool):
    """Run a notebook's code cells in one namespace; (source, value, error) per code cell."""
    for q in module_for(path).QUESTIONS:
        q.reset()
    set_grading(grading)
    namespace = {"__name__": "__main__"}
    results = []
    try:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            tree = ast.parse(cell.source)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            name = f"<{path.parent.name}/{path.name} {cell.id}>"
            try:
                exec(compile(tree, name, "exec"), namespace)
                value = None
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
                results.append((cell.source, value, None))
            except AssertionError as error:  # a failed check in grading mode
                results.append((cell.source, None, error))
    finally:
        set_grading(None)
    return results


def checks(results, path):
    """Each check cell's outcome (recorded by its question) and error, by question name."""
    qs = questions(path)
    found = {}
    for src, value, error in results:
        match = CHECK.match(src)
        if match:
            name = match.group(1)
            assert value is None or value is qs[name].last
            found[name] = (qs[name].last, error)
    return found


def test_the_notebooks_pair_up():
    assert [p.name for p in SOLUTIONS] == [p.name for p in EXERCISES]
    assert [p.name[:2] for p in SOLUTIONS] == ["01", "02", "03"]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_check_in_a_solutions_notebook_is_correct_even_when_grading(path):
    found = checks(run_in_process(path, grading=True), path)
    assert sorted(found) == sorted(questions(path)), "each question is checked exactly once"
    for name, (outcome, error) in found.items():
        assert error is None, f"{name}: {error}"
        assert isinstance(outcome, Outcome) and outcome.status == CORRECT, f"{name}: {outcome}"
        assert not outcome.internal_error


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_every_check_in_an_exercises_notebook_says_not_attempted(path):
    found = checks(run_in_process(path, grading=False), path)
    assert sorted(found) == sorted(questions(path))
    for name, (outcome, error) in found.items():
        assert error is None
        assert outcome.status == NOT_ATTEMPTED, f"{name}: {outcome}"
        assert "____" in outcome.message or "Predict first" in outcome.message


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_an_exercises_notebook_fails_every_check_when_grading(path):
    """nbgrader's `validate --invert`: the learner's copy must fail until solved."""
    found = checks(run_in_process(path, grading=True), path)
    assert sorted(found) == sorted(questions(path))
    for name, (_, error) in found.items():
        assert isinstance(error, AssertionError), name
        assert "Not attempted" in str(error)


# -- wrong answers: every question fails them, helpfully ----------------------------------------


def _always(value):
    return lambda *args: value


def _ex01_q2_one_wrong():
    from servicelab.exercises import ex01

    labels = {name: ex01.catalogue.classify(name).decision.outcome for name in ex01.ITEMS}
    labels["Identity check by a partner"] = "queue"
    return {"my_labels": labels}


def _ex02_q3_whole_chain(latency, style):
    return sum(ms for step, ms in latency.items() if step != "publish")


#: for every question: a deliberately wrong answer and words its message must contain
WRONG = {
    "ex01.q1": ({"why_callback": "a"}, ["Speed is not what the flowchart asks"]),
    "ex01.q2": (_ex01_q2_one_wrong, ["5 of 6 right", "the flowchart says **callback**"]),
    "ex01.q3": (
        {"recommend": lambda now, q: "queue" if q else ("sync" if now else "callback")},
        ["`recommend(True, True)` returned 'queue', but it should be 'sync'", "stops at the first"],
    ),
    "ex01.q4": ({"saved_ms": 332}, ["outside ±20%", "Inventory 60 + Email 100 + Analytics 30"]),
    "ex01.q5": ({"tax_advice": "a"}, ["“Skip when”"]),
    "ex02.q1": (
        {"sync_wait_ms": 315},
        ["but Order + Payment + Inventory + 10 × Email is 1,215 ms"],
    ),
    "ex02.q2": ({"async_p50_ms": 1200}, ["outside ±25%", "Email works from its queue"]),
    "ex02.q3": ({"user_wait": _ex02_q3_whole_chain}, ["That is the whole chain"]),
    "ex02.q4": ({"slow_share": 0.06}, ["you added 6 × 1%", "met at least one slow call"]),
    "ex02.q5": ({"decline_heard": "a"}, ["Payment is a sync call in both designs"]),
    "ex03.q1": (
        {"availability": 0.9801},
        [
            "Your chain availability is 0.9801 but a 4-service chain of 0.99 each is 0.9606: "
            "did you multiply all four?",
            "The simulation agrees",
        ],
    ),
    "ex03.q2": (
        {"checkout_success": lambda a, n, style: a**n},
        ["An async checkout waits for Payment alone"],
    ),
    "ex03.q3": ({"failed_share": 0.0}, ["outside ±5.0%", "Inventory is down for 60"]),
    "ex03.q4": ({"busy_workers": 12050}, ["convert W to seconds"]),
    "ex03.q5": ({"why_simple_fail": "c"}, ["never touch Inventory"]),
    "ex03.q6": (
        {"timeout_ms": 100, "retry": Retry(attempts=5, backoff_ms=0)},
        ["A retry storm at Payment", "✗ calls to Payment per order"],
    ),
}


def test_every_question_has_a_wrong_answer_test():
    assert sorted(WRONG) == sorted(key for key, _ in ALL_QUESTIONS)


@pytest.mark.parametrize("key, question", ALL_QUESTIONS, ids=[k for k, _ in ALL_QUESTIONS])
def test_a_wrong_answer_fails_with_a_helpful_message(key, question):
    answer, words = WRONG[key]
    values = answer() if callable(answer) else answer
    question.reset()
    outcome = question.assess(**values)
    assert outcome.status == INCORRECT and not outcome.internal_error, str(outcome)
    for w in words:
        assert w in outcome.message, f"{key}: {w!r} not in\n{outcome.message}"
    assert len(outcome.message) > 60  # more than a bare verdict
    assert "<div" in outcome._repr_html_()


@pytest.mark.parametrize("key, question", ALL_QUESTIONS, ids=[k for k, _ in ALL_QUESTIONS])
def test_hints_and_solutions(key, question):
    question.reset()
    hints = [question.hint(level).text for level in range(1, len(question.hints) + 1)]
    assert len(hints) >= 2 and all(h.strip() for h in hints)
    view = question.solution()
    assert view.code.strip() and view.explanation.strip()


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_the_solution_shown_is_the_solutions_notebooks_cell(path):
    nb = nbformat.read(path, as_version=4)
    cells = solution_code(nb, path.name)
    assert sorted(cells) == sorted(questions(path))
    for name, q in questions(path).items():
        assert q.solution().code == cells[name]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_four_to_six_questions_per_notebook_of_several_kinds(path):
    qs = list(questions(path).values())
    assert 4 <= len(qs) <= 6
    assert len({q.kind for q in qs}) >= 3
    assert [q.name for q in qs] == [f"q{i}" for i in range(1, len(qs) + 1)]


def test_the_kinds_the_issue_asks_for_are_all_there():
    kinds = {q.kind for _, q in ALL_QUESTIONS}
    assert {"value", "function", "choice", "classify", "predict", "scenario"} <= kinds


# -- the notebooks' text ------------------------------------------------------------------------


def text(cell):
    return cell.source


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_exercise_notebook_skeleton(path):
    cells = nbformat.read(path, as_version=4).cells
    first = text(cells[0])
    number = path.name[:2]
    assert first.startswith(f"# Exercises · {number} · ")
    assert re.search(r"\*\*Time:\*\* about \d+ minutes", first)
    assert "q1.check()" in first and "q1.hint()" in first and "q1.solution()" in first
    lesson = f"../notebooks/{path.name}"
    assert lesson in first and lesson in text(cells[-1])
    assert text(cells[-1]).startswith("## Summary")
    imports = text(cells[1])
    names = [q.name for q in module_for(path).QUESTIONS]
    assert f"from servicelab.exercises.{MODULES[number]} import" in imports
    assert all(re.search(rf"\b{n}\b", imports) for n in [*names, "____", "progress"])
    assert "instructor" not in "".join(text(c).lower() for c in cells)  # notes dropped
    for c in cells:
        if c.cell_type == "code":
            lines = [line for line in c.source.splitlines() if line.strip()]
            assert len(lines) <= 10, c.source


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_choice_options_in_the_notebook_match_the_questions(path):
    prose = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    for q in questions(path).values():
        for letter, option in getattr(q, "options", {}).items():
            assert f"**({letter})** {option}" in " ".join(prose.split()), (q.name, letter)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_nbgrader_metadata_is_complete(path):
    """What `nbgrader generate_assignment` checks, so that teachers can grade with it."""
    ids = []
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        assert re.fullmatch(r"[a-zA-Z0-9_\-]+", meta["grade_id"])
        ids.append(meta["grade_id"])
        assert meta["schema_version"] == 3
        if meta["grade"]:
            assert float(meta["points"]) > 0
        if cell.cell_type == "markdown":
            assert meta["grade"] and meta["solution"], "written answers are graded by hand"
        elif meta["grade"]:
            assert meta["locked"] and CHECK.match(cell.source), "test cells are locked checks"
    assert len(ids) == len(set(ids))
    assert {i for i in ids if re.fullmatch(r"q\d+", i)} == set(questions(path))
    assert {i for i in ids if i.endswith("-check")} == {f"{q}-check" for q in questions(path)}


# -- the README's Exercises section stays true --------------------------------------------------


def readme_section():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Exercises\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_quotes_a_message_the_kit_really_gives():
    from servicelab.exercises import ex03

    quoted = re.search(r"^> (.+)$", readme_section(), re.M).group(1)
    ex03.q1.reset()
    assert ex03.q1.assess(0.9801).message.split("\n\n")[0] == quoted


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_the_readme_table_matches_each_notebook(path):
    row = next(line for line in readme_section().splitlines() if f"`exercises/{path.name}`" in line)
    minutes = re.search(r"about (\d+) minutes", nbformat.read(path, as_version=4).cells[0].source)
    assert row.rstrip(" |").endswith(f"| {minutes.group(1)}")
    assert re.search(rf"\| {len(questions(path))}\b", row)
