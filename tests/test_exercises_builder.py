"""The builder (tools/build_exercises.py): solutions/ → exercises/, byte-for-byte deterministic.

It writes no answers into the package: ``q.solution()`` reads the solutions
notebooks themselves (:mod:`servicelab.exercises.solutions`).
"""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from servicelab.exercises.solutions import answer_code
from servicelab.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "build_exercises.py"


def load_builder():
    """``tools/build_exercises.py``, the author's tool (not part of the package)."""
    if "build_exercises" not in sys.modules:
        spec = importlib.util.spec_from_file_location("build_exercises", TOOL)
        module = importlib.util.module_from_spec(spec)
        sys.modules["build_exercises"] = module
        spec.loader.exec_module(module)
    return sys.modules["build_exercises"]


builder = load_builder()
BuildError, build, build_notebook = builder.BuildError, builder.build, builder.build_notebook
solution_code, strip_solutions = builder.solution_code, builder.strip_solutions
OLD_ANSWER_TABLE = builder.OLD_ANSWER_TABLE
EXERCISED = [lesson for lesson in LESSONS if lesson.has("exercises")]
ANSWER = {"grade": False, "grade_id": "q1", "locked": False, "schema_version": 3, "solution": True}


def strip(source, cell_type="code"):
    out, found = strip_solutions(source, cell_type)
    assert found
    return out


def test_an_assignment_keeps_its_target():
    source = "# set x\n### BEGIN SOLUTION\nx = 0.99**4\n### END SOLUTION\nprint(x)"
    assert strip(source) == "# set x\nx = ____  # your answer here\nprint(x)"


def test_several_names_each_get_a_blank_once_in_order():
    source = (
        "### BEGIN SOLUTION\na = 1\nb, c = 2, 3\na += 1\nd: int = 4\nobj.attr = 5\n### END SOLUTION"
    )
    assert strip(source).splitlines() == [
        "a = ____  # your answer here",
        "b = ____  # your answer here",
        "c = ____  # your answer here",
        "d = ____  # your answer here",
    ]


def test_a_dict_of_answers_keeps_its_keys():
    source = (
        '### BEGIN SOLUTION\nlabels = {\n    "A": "sync",\n    "B\'s": "queue",\n}\n'
        "### END SOLUTION"
    )
    out = strip(source)
    assert out.splitlines() == [
        "labels = {  # your answer here",
        '    "A": ____,',
        '    "B\'s": ____,',
        "}",
    ]
    namespace = {"____": object()}
    exec(out, namespace)
    assert list(namespace["labels"]) == ["A", "B's"]


def test_a_function_body_becomes_return_blank_at_its_indentation():
    source = (
        "def f(x):\n"
        '    """Doc."""\n'
        "    ### BEGIN SOLUTION\n"
        "    if x:\n"
        "        return 1\n"
        "    return 2\n"
        "    ### END SOLUTION\n"
    )
    assert strip(source) == 'def f(x):\n    """Doc."""\n    return ____  # your code here\n'


def test_other_code_becomes_a_comment_or_pass():
    assert strip("### BEGIN SOLUTION\nprint(1)\n### END SOLUTION") == "# your code here"
    assert strip("if True:\n    ### BEGIN SOLUTION\n    print(1)\n    ### END SOLUTION") == (
        "if True:\n    pass  # your code here"
    )


def test_markdown_answers_become_a_prompt():
    text = "Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION\n"
    assert strip(text, "markdown") == "Why?\n\n*Write your answer here.*\n"


def test_cells_without_markers_are_left_alone():
    assert strip_solutions("x = 1", "code") == ("x = 1", False)


@pytest.mark.parametrize(
    "source, words",
    [
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
        ("### END SOLUTION", "without a ### BEGIN"),
        ("### BEGIN SOLUTION\nx = 1", "without an ### END"),
        ("### BEGIN SOLUTION\nx = (\n### END SOLUTION", "not valid Python"),
    ],
)
def test_broken_markers_are_errors_that_name_the_cell(source, words):
    with pytest.raises(BuildError, match=words) as info:
        strip_solutions(source, "code", "nb.ipynb, cell 3")
    assert "nb.ipynb, cell 3" in str(info.value)


def notebook(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb.metadata = {"kernelspec": {"name": "python3"}, "widgets": {"state": {}}}
    return nb


def test_build_notebook_drops_notes_outputs_and_grading_metadata():
    answer = nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\nx = 1\n### END SOLUTION", id="ans", metadata={"nbgrader": ANSWER}
    )
    answer.outputs = [nbformat.v4.new_output("stream", text="1")]
    answer.execution_count = 3
    note = nbformat.v4.new_markdown_cell(
        "teacher", id="note", metadata={"tags": ["solutions-only"]}
    )
    check = nbformat.v4.new_code_cell("q1.check()", id="chk", metadata={"tags": ["keep"]})
    out = build_notebook(notebook(answer, note, check), "nb")
    assert [c.id for c in out.cells] == ["ans", "chk"]
    assert out.cells[0].source == "x = ____  # your answer here"
    assert out.cells[0].outputs == [] and out.cells[0].execution_count is None
    assert out.cells[0].metadata == {} and out.cells[1].metadata == {"tags": ["keep"]}
    assert "widgets" not in out.metadata and out.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(out)


def test_a_solution_region_needs_nbgrader_metadata():
    bare = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", id="a")
    with pytest.raises(BuildError, match="nbgrader solution cell"):
        build_notebook(notebook(bare), "nb")


def test_solution_code_is_the_whole_cell_without_markers():
    cell = nbformat.v4.new_code_cell(
        "# set x\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
        id="a",
        metadata={"nbgrader": ANSWER},
    )
    assert solution_code(notebook(cell)) == {"q1": "# set x\nx = 1\n"}
    twice = nbformat.v4.new_code_cell(cell.source, id="b", metadata={"nbgrader": ANSWER})
    with pytest.raises(BuildError, match="two answer cells"):
        solution_code(notebook(cell, twice))


def test_the_package_reads_the_same_answer_code_as_the_builder(tmp_path):
    source = "# set x\n### BEGIN SOLUTION\nx = 'a\\b'\ny = '''t'''\n### END SOLUTION"
    cell = nbformat.v4.new_code_cell(source, id="a", metadata={"nbgrader": ANSWER})
    nb = notebook(nbformat.v4.new_markdown_cell("# Exercises", id="m"), cell)
    nbformat.write(nb, tmp_path / "07_example.ipynb")
    code = answer_code("ex07", "q1", tmp_path)
    assert code == solution_code(nb)["q1"] == "# set x\nx = 'a\\b'\ny = '''t'''\n"
    assert answer_code("ex07", "q2", tmp_path) is None  # no such answer cell
    assert answer_code("ex08", "q1", tmp_path) is None  # no such notebook
    assert answer_code("ex07", "q1", tmp_path / "handed-out-without-solutions") is None


def test_the_builder_writes_no_answers_into_the_package_and_removes_an_old_table(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    assert builder.main(["--root", str(tmp_path)]) == 0
    assert not (tmp_path / "src").exists(), "the builder wrote into the package"
    old = tmp_path / OLD_ANSWER_TABLE
    old.parent.mkdir(parents=True)
    old.write_text("SOLUTIONS = {'ex01.q1': 'why_callback = \"b\"'}\n", "utf-8")
    assert builder.main(["--root", str(tmp_path), "--check"]) == 1
    assert builder.main(["--root", str(tmp_path)]) == 0
    assert not old.exists()
    assert not (ROOT / OLD_ANSWER_TABLE).exists(), "an answer table is in the package"


def test_committed_exercises_are_up_to_date(tmp_path):
    """A stale generated file fails here: run `make exercises` and commit the result."""
    exercises = tmp_path / "exercises"
    build(ROOT / "solutions", exercises)
    for fresh in sorted(exercises.glob("*.ipynb")):
        committed = ROOT / "exercises" / fresh.name
        assert committed.exists(), f"exercises/{fresh.name} is missing: run `make exercises`"
        assert committed.read_bytes() == fresh.read_bytes(), (
            f"exercises/{fresh.name} is stale: run `make exercises`"
        )
    assert sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb")) == sorted(
        p.name for p in exercises.glob("*.ipynb")
    ), "exercises/ holds a notebook without a solutions notebook"


def test_build_writes_only_what_changed_and_check_reports_it(tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", solutions)
    exercises = tmp_path / "exercises"
    written = build(solutions, exercises)
    assert len(written) == len(list(solutions.glob("*.ipynb")))
    assert build(solutions, exercises) == []
    assert build(solutions, exercises, check=True) == []
    orphan = exercises / "99_orphan.ipynb"
    orphan.write_text("{}", encoding="utf-8")
    stale = exercises / Path(EXERCISED[0].exercise_notebook).name
    stale.write_text("{}", encoding="utf-8")
    assert set(build(solutions, exercises, check=True)) == {orphan, stale}
    build(solutions, exercises)
    assert not orphan.exists() and build(solutions, exercises, check=True) == []


def test_the_command_line(tmp_path, capsys):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    assert builder.main(["--root", str(tmp_path), "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert builder.main(["--root", str(tmp_path)]) == 0
    assert f"wrote {EXERCISED[0].exercise_notebook}" in capsys.readouterr().out
    assert builder.main(["--root", str(tmp_path), "--check"]) == 0
    first = tmp_path / EXERCISED[0].solution_notebook
    stray = tmp_path / "solutions" / "bad name.ipynb"
    stray.write_text(first.read_text("utf-8"), "utf-8")
    assert builder.main(["--root", str(tmp_path)]) == 2
    assert "bad name.ipynb: no lesson with exercises" in capsys.readouterr().err
    stray.unlink()
    first.unlink()
    assert builder.main(["--root", str(tmp_path)]) == 2
    assert f"{EXERCISED[0].solution_notebook} is missing" in capsys.readouterr().err


def test_it_runs_as_a_script_from_anywhere(tmp_path):
    done = subprocess.run(
        [sys.executable, str(TOOL), "--check"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


def test_the_repository_is_up_to_date_by_the_command_line():
    assert builder.main(["--root", str(ROOT), "--check"]) == 0


def test_the_nbgrader_export_keeps_answers_and_metadata_and_drops_notes(tmp_path, capsys):
    assert builder.main(["--root", str(ROOT), "--nbgrader", str(tmp_path / "course")]) == 0
    written = sorted((tmp_path / "course" / "source").glob("ex*/*.ipynb"))
    assert [p.relative_to(tmp_path / "course" / "source").as_posix() for p in written] == [
        f"ex{lesson.number}/{lesson.name}.ipynb" for lesson in EXERCISED
    ]
    for path in written:
        source = nbformat.read(ROOT / "solutions" / path.name, as_version=4)
        copy = nbformat.read(path, as_version=4)
        kept = [c for c in source.cells if "solutions-only" not in c.metadata.get("tags", [])]
        assert len(kept) == len(copy.cells) < len(source.cells)
        assert [c.source for c in kept] == [c.source for c in copy.cells]
        assert [c.metadata.get("nbgrader") for c in kept] == [
            c.metadata.get("nbgrader") for c in copy.cells
        ]
        assert any(builder.BEGIN in c.source for c in copy.cells)
