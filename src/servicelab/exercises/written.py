"""A question answered in words: graded by a person, with a rubric, and a model answer.

No check can grade an explanation, so a written question does not pretend
to: its answer is a markdown cell (nbgrader grades it by hand), and the
question object gives the learner and the grader the same two things —
:meth:`WrittenQuestion.rubric`, what a full answer covers and what each part
is worth, and :meth:`WrittenQuestion.solution`, a model answer read from the
solutions notebook (as every ``q.solution()`` is; nothing when solutions are
switched off or were not handed out). ``check()`` says how it is graded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from servicelab._check import fail, integer

from .core import solutions_hidden
from .question import Hinted, exercise_key
from .render import SolutionView, box, inline, plain, to_html
from .solutions import answer_code

__all__ = ["Criterion", "Rubric", "WrittenQuestion"]


@dataclass(frozen=True)
class Criterion:
    """One part of a full answer: what it covers, and its points."""

    points: int
    covers: str


@dataclass(frozen=True)
class Rubric:
    """How a written answer is graded: its criteria, shown as text or a box."""

    question: str
    criteria: tuple[Criterion, ...]

    @property
    def points(self) -> int:
        return sum(c.points for c in self.criteria)

    @property
    def headline(self) -> str:
        return f"Graded by a person, not by the kit: {self.points} points. A full answer covers:"

    def lines(self) -> list[str]:
        return [
            f"- ({c.points} point{'s' if c.points != 1 else ''}) {c.covers}" for c in self.criteria
        ]

    def __str__(self) -> str:
        return f"Rubric ({self.question})\n{self.headline}\n" + plain("\n".join(self.lines()))

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = f'<p style="margin:0.3em 0">{inline(self.headline)}</p>' + to_html(
            "\n".join(self.lines())
        )
        return box("rubric", "Rubric", self.question, body)


class WrittenQuestion(Hinted):
    """A question answered in words in a markdown cell; graded by hand against a rubric.

    ``criteria`` are ``(points, what it covers)`` pairs; ``module`` is the
    lesson's exercise module (``__name__``), which names the set (``"ex03"``)
    and so the solutions notebook whose markdown answer cell (``grade_id``
    = ``name``) :meth:`solution` shows.
    """

    kind = "written"

    def __init__(
        self,
        name: str,
        *,
        module: str,
        title: str,
        criteria: Iterable[tuple[int, str]],
        hints: Iterable[str],
    ):
        self.name, self.title = name, title
        self.exercise = exercise_key(module)
        self.criteria = tuple(
            Criterion(integer("points", p, low=1, high=10), c) for p, c in criteria
        )
        self.hints = tuple(hints)
        if not self.criteria:
            raise fail("criteria", (), f"at least one (points, what it covers) for {name}")
        if not self.hints:
            raise fail("hints", (), f"at least one hint for {name}")
        self._hint_level = 0

    def __repr__(self):
        return f"<WrittenQuestion {self.exercise}.{self.name}: {self.title}>"

    @property
    def points(self) -> int:
        return sum(c.points for c in self.criteria)

    def rubric(self) -> Rubric:
        """What a full answer covers, and the points for each part."""
        return Rubric(self.name, self.criteria)

    def check(self) -> Rubric:
        """A written answer is not checked automatically: this shows how it is graded."""
        return self.rubric()

    def solution(self) -> SolutionView:
        """A model answer (from the solutions notebook), and the rubric it is graded by."""
        rubric = "\n".join([self.rubric().headline, *self.rubric().lines()])
        if solutions_hidden():
            return SolutionView(
                self.name,
                "",
                "Solutions are switched off here (`SERVICELAB_NO_SOLUTIONS` is set): compare "
                f"your answer with the rubric instead.\n\n{rubric}",
            )
        text = answer_code(self.exercise, self.name, cell_type="markdown")
        if text is None:
            return SolutionView(
                self.name,
                "",
                "There is no model answer here: this copy of the kit came without its "
                f"`solutions/` folder. Compare your answer with the rubric.\n\n{rubric}",
            )
        return SolutionView(self.name, "", f"A model answer:\n\n{text.strip()}\n\n{rubric}")
