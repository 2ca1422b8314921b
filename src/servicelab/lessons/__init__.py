"""The lessons, one registry: what every test, benchmark and table iterates over.

Each lesson is a *slice*: the package ``servicelab.lessons.lNN_slug`` holds
what changes together with that lesson, in modules named by their part:

* ``figures`` — the lesson's figures (functions that take results and draw);
* ``panels`` — its interactive panels (maker functions listed in ``__all__``);
* ``analysis`` — readings of results that the figures, panels and prose share;
* ``exercises`` — the questions of its exercise notebook (``q1`` …, ``QUESTIONS``).

A slice has only the parts it needs. The notebooks are
``notebooks/NN_slug.ipynb`` and, if it has exercises,
``solutions/NN_slug.ipynb`` (the source) and ``exercises/NN_slug.ipynb``
(generated). The learner-facing facades :mod:`servicelab.panels` and
:mod:`servicelab.plots` gather every slice's panels and figures, so a
notebook reads ``panels.outage()`` whichever slice the panel lives in.

Adding a lesson is one line in :data:`LESSONS` plus its files (see
``CONTRIBUTING.md``).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType

__all__ = ["Lesson", "LESSONS", "PARTS", "gather", "lesson"]

#: the modules a slice may have, by part
PARTS = ("figures", "panels", "analysis", "exercises")


@dataclass(frozen=True)
class Lesson:
    """One lesson: its number and slug, what it shows, and how long it takes.

    ``shows`` is the card's words the lesson demonstrates (the README's
    learning-path table); ``practice`` summarises its exercise set, if any.
    """

    number: str
    slug: str
    title: str
    shows: str
    minutes: int
    practice: str = ""
    practice_minutes: int = 0

    @property
    def name(self) -> str:
        """``"NN_slug"``: the stem of the lesson's notebooks."""
        return f"{self.number}_{self.slug}"

    @property
    def package(self) -> str:
        """The dotted name of the lesson's slice."""
        return f"{__name__}.l{self.number}_{self.slug}"

    @property
    def notebook(self) -> str:
        """The lesson notebook's path from the repository root."""
        return f"notebooks/{self.name}.ipynb"

    @property
    def has_exercises(self) -> bool:
        return self.has("exercises")

    @property
    def exercise_notebook(self) -> str:
        """The learner's exercise notebook (generated from :attr:`solution_notebook`)."""
        return f"exercises/{self.name}.ipynb"

    @property
    def solution_notebook(self) -> str:
        """The exercise set's source, answers included."""
        return f"solutions/{self.name}.ipynb"

    def has(self, part: str) -> bool:
        """True if the slice has the module ``part`` (one of :data:`PARTS`)."""
        if part not in PARTS:
            raise ValueError(
                f"part = {part!r} is not allowed: part must be one of {', '.join(PARTS)}."
            )
        return importlib.util.find_spec(f"{self.package}.{part}") is not None

    def part(self, part: str) -> ModuleType | None:
        """The slice's module ``part`` (imported on first use), or None if it has none."""
        if not self.has(part):
            return None
        return importlib.import_module(f"{self.package}.{part}")

    def public(self, part: str) -> dict[str, object]:
        """The public names of the slice's ``part`` (its ``__all__``), by name."""
        module = self.part(part)
        if module is None:
            return {}
        return {name: getattr(module, name) for name in module.__all__}


#: every lesson that exists, in learning order
LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "00",
        "start_here",
        "Start here",
        "the toy shop, one checkout both ways, how panels work",
        17,
    ),
    Lesson(
        "01",
        "the_question",
        "The question",
        '"Does the caller need the result immediately?"; when to use sync, when async; '
        "apply / skip",
        30,
        practice="why a callback; classify six interactions; the flowchart as a function; "
        "predict what async saves a shopper; when to skip",
        practice_minutes=20,
    ),
    Lesson(
        "02",
        "temporal_coupling",
        "Temporal coupling",
        "caller waits vs continues; request-response vs fire-and-forget; "
        '"If Email Service is slow, entire checkout is slow"; "Payment is sync"',
        35,
        practice="a latency sum; predict the async wait with a slow Email; a function checked "
        "against simulated checkouts; tail amplification; who hears a decline first",
        practice_minutes=25,
    ),
    Lesson(
        "03",
        "cascading_failures",
        "Cascading failures",
        '"If Inventory Service is down, checkout fails"; cascading vs isolated failures; '
        "availability multiplies; retry storms",
        63,
        practice="chain availability; a function checked against flaky checkouts; predict "
        "what an outage costs; Little's law for a worker pool; why requests that never call "
        "Inventory fail; a timeout and retries without a retry storm",
        practice_minutes=35,
    ),
    Lesson(
        "04",
        "load_leveling",
        "Load leveling",
        "message queue: load leveling, work distribution; high-volume processing; "
        "a queue buys time, not capacity",
        37,
        practice="the backlog a sale leaves; a drain-time function checked against simulated "
        "sales; a queue that never drains; Little's law for one order's wait; sizing consumers "
        "and a bounded queue; when to shed load instead",
        practice_minutes=30,
    ),
    Lesson(
        "05",
        "pub_sub",
        "Pub/sub",
        "pub/sub: multiple consumers, broadcasting; tight vs loose coupling",
        33,
        practice="the availability of a sync fan-out; predict the publisher's wait with two "
        "more subscribers; a fan-out wait function checked against simulated orders; a "
        "subscriber that is down; what a late subscriber missed; tracing one order; "
        "should Fraud subscribe?",
        practice_minutes=25,
    ),
    Lesson(
        "06",
        "eventual_consistency",
        "Eventual consistency",
        "immediate vs eventual consistency; operations requiring immediate confirmation; "
        "stale reads, overselling, read-your-writes, compensation",
        40,
        practice="how likely a read is stale; a stale-read function checked against simulated "
        "checkouts; predict the oversold items; the oversell of a sale that outpaces Inventory; "
        "which remedy for a bookshop; what read-your-writes shows; when to reserve "
        "synchronously",
        practice_minutes=30,
    ),
)


def gather(part: str, shared: dict[str, object] | None = None) -> dict[str, object]:
    """What a facade shows: ``shared`` names, then every slice's public names of ``part``.

    Raises ``ImportError`` naming both owners if two slices (or a slice and
    ``shared``) export the same name, so no lesson silently hides another's.
    """
    names = dict(shared or {})
    owners = dict.fromkeys(names, "the shared kit")
    for each in LESSONS:
        where = f"{each.package}.{part}"
        for name, obj in each.public(part).items():
            if name in names:
                raise ImportError(
                    f"{name!r} is exported by both {owners[name]} and {where}: "
                    "rename one of them (a facade shows one object per name)."
                )
            names[name], owners[name] = obj, where
    return names


def lesson(number: str) -> Lesson:
    """The lesson numbered ``number`` (``"03"``)."""
    for each in LESSONS:
        if each.number == number:
            return each
    numbers = ", ".join(repr(each.number) for each in LESSONS)
    raise ValueError(f"number = {number!r} is not allowed: number must be one of {numbers}.")
