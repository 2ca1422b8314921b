"""The README's first example runs and prints what the README says it prints."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_first_taste_output_is_true():
    text = README.read_text(encoding="utf-8")
    code, expected = re.search(r"```python\n(.*?)```\s*```text\n(.*?)```", text, re.S).groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == expected


def test_the_learning_path_tables_are_the_registrys_lessons():
    """The README's lesson and exercise tables list exactly the lessons in LESSONS."""
    from servicelab.lessons import LESSONS

    text = README.read_text(encoding="utf-8")
    path = re.findall(r"^\| (\d\d) · .*$", text, re.M)
    assert path == [lesson.number for lesson in LESSONS]
    for lesson in LESSONS:
        row = f"| {lesson.number} · {lesson.title} | {lesson.shows} | {lesson.minutes} |"
        assert row in text, f"README's learning path should have the row\n{row}"
        practice = re.search(rf"^\| `{lesson.exercise_notebook}` \| (.*) \| (\d+) \|$", text, re.M)
        if not lesson.has_exercises:
            assert practice is None, f"{lesson.exercise_notebook} is listed but has no exercises"
            continue
        assert practice, f"README's exercise table lacks {lesson.exercise_notebook}"
        assert practice.group(1).endswith(lesson.practice), practice.group(1)
        assert int(practice.group(2)) == lesson.practice_minutes


def test_f15_the_speed_claim_is_qualified():
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "well under 100 ms on an idle machine" in text
    assert "150–250 ms" in text


def test_f8_the_90_minute_plan_adds_up_and_says_what_to_cut():
    text = README.read_text(encoding="utf-8")
    section = text.split("## For instructors", 1)[1].split("\n## ", 1)[0]
    spans = re.findall(r"^  \| (\d+)–(\d+) \| ", section, re.M)
    assert spans, "the workshop plan is a table of minutes"
    assert spans[0][0] == "0" and spans[-1][1] == "90"
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False)), spans  # no gaps
    flat = " ".join(section.split())
    assert "03 §4 (retries, about 12 minutes) and §5" in flat
    assert "**When behind**, cut in this order" in flat
