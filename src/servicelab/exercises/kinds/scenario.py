"""Settings (several variables) that must make a scenario meet every one of its goals."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from servicelab._check import boolean, number

from ..core import CORRECT, INCORRECT
from ..feedback import num, show
from ..question import Question, paragraphs, resolve
from ..timeouts import TimeLimitExceeded

__all__ = ["Goal", "ScenarioQuestion", "READ_LIMIT"]

#: seconds to read the settings, and to measure a run's goals
READ_LIMIT = 2.0


@dataclass(frozen=True)
class Goal:
    """A target a scenario run must meet: ``measure(result)`` below or above ``target``.

    ``advice(values, result)`` says what to change when it is missed.
    """

    label: str
    measure: Callable[[object], float]
    target: float
    at_most: bool
    spec: str = ",.0f"
    unit: str = ""
    advice: Callable[[dict, object], str] = lambda values, result: ""

    def __post_init__(self):
        number("target", self.target, allow_inf=True)
        boolean("at_most", self.at_most)

    def met(self, x: float) -> bool:
        if math.isnan(x):
            return False
        return x <= self.target if self.at_most else x >= self.target

    def line(self, x: float) -> str:
        mark = "✓" if self.met(x) else "✗"
        bound = "at most" if self.at_most else "at least"
        return (
            f"{mark} {self.label}: {num(x, self.spec, self.unit)} "
            f"(goal: {bound} {num(self.target, self.spec, self.unit)})"
        )


class ScenarioQuestion(Question):
    """Settings (several variables) with which ``run(**settings)`` must meet every goal.

    ``validate(values)`` may return a sentence for settings of the wrong
    kind before anything runs; the kit's own ``ValueError`` messages are
    passed on kindly. The check runs under a time limit (in a forked child
    process where the platform allows): :data:`READ_LIMIT` seconds to
    validate the settings, ``time_limit`` for the run, :data:`READ_LIMIT`
    to measure its goals.
    """

    kind = "scenario"
    runs_code = True

    def __init__(
        self,
        name: str,
        *,
        variables: Iterable[str],
        run: Callable[..., object],
        goals: Iterable[Goal],
        validate: Callable[[dict], str | None] = lambda values: None,
        time_limit: float = 20.0,
        when_correct: str | Callable[[], str] = "",
        **common,
    ):
        super().__init__(name, variables=variables, **common)
        self.run = run
        self.goals = tuple(goals)
        self.validate = validate
        self.time_limit = number("time_limit", time_limit, low=0, low_open=True)
        self.when_correct = when_correct

    def settings_text(self, values: dict) -> str:
        return ", ".join(f"`{k} = {show(values[k], 70)}`" for k in self.variables)

    def stopped_message(self, stop: TimeLimitExceeded) -> str:
        if stop.stage != "run":
            return super().stopped_message(stop)
        return (
            f"The simulation with these settings was still running after {stop.seconds:g} "
            "seconds, so I stopped it. Pick more modest numbers."
        )

    def _assess(self, values):
        return self.run_bounded(values, lambda label, seconds=None: None)

    def run_bounded(self, values, stage):
        stage("validate", READ_LIMIT)
        yours = f"Your settings: {self.settings_text(values)}."
        problem = self.validate(values)
        if problem:
            return self.outcome(INCORRECT, paragraphs(yours, problem))
        stage("run", self.time_limit)
        try:
            result = self.run(**values)
        except (ValueError, TypeError) as error:
            return self.outcome(
                INCORRECT, paragraphs(yours, f"The kit refused these settings: {error}")
            )
        stage("goals", READ_LIMIT)
        measured = [(g, float(g.measure(result))) for g in self.goals]
        lines = "\n".join(f"- {g.line(x)}" for g, x in measured)
        missed = [(g, x) for g, x in measured if not g.met(x)]
        if not missed:
            return self.outcome(
                CORRECT,
                paragraphs(yours, f"Every goal met:\n{lines}", resolve(self.when_correct)),
            )
        advice = [g.advice(values, result) for g, _ in missed]
        return self.outcome(
            INCORRECT,
            paragraphs(
                yours,
                f"{len(self.goals) - len(missed)} of {len(self.goals)} goals met:\n{lines}",
                *advice,
            ),
        )
