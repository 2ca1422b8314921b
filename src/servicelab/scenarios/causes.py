"""Why each request ended as it did: one final cause per request, and its story in words.

Every result of the kit is :class:`Explained` (the base ``Result`` inherits
it), so every scenario, a new one too, answers three questions:

* :meth:`~Explained.causes` — one cause per request, a short phrase such as
  ``"confirmed"``, ``"declined"``, ``"refused: Inventory was down"``,
  ``"timed out waiting for Email"``, ``"gave up after 3 tries: Payment was
  down"``, ``"confirmed; Email dead-lettered after 5 tries"`` or ``"still
  waiting at the horizon"``;
* :meth:`~Explained.cause_counts` — how many requests ended with each cause;
  they always sum to the run's requests (a property test holds every
  scenario to it);
* :meth:`~Explained.explain` — one request's story in a few lines: when it
  arrived, when its user heard back, what happened to its work, and why.

By default a request's cause is its outcome in words (:data:`WORDS`): a new
scenario gets causes without any work. A story refines them by overriding
``_refine_causes(causes)`` (an array of phrases it may rewrite) and adds lines
to a story with ``_story_lines(i)``. :func:`explain_both` sets one order's
stories side by side for the runs of one seed (sync and async).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _check

__all__ = ["WORDS", "STILL_WAITING", "Explained", "explain_both", "seconds"]

#: the still-unanswered request's cause, in every scenario
STILL_WAITING = "still waiting at the horizon"
#: outcome → cause, for outcomes a story does not refine (the outcome itself otherwise)
WORDS = {
    "in flight": STILL_WAITING,
    "not arrived": "not arrived when the run stopped",
    "ok": "answered",
    "failed": "failed",
    "gave up": "gave up waiting",
    "timed out": "timed out",
    "refused": "refused at once",
}


def seconds(ms: float) -> str:
    """``ms`` as seconds for a story: "31.25 s" (or "never" for nan)."""
    return "never" if math.isnan(ms) else f"{ms / 1000:,.2f} s"


class Explained:
    """What every result can say about why its requests ended as they did.

    Needs the result's ``outcome``, ``arrival_ms``, ``style``, ``UNIT`` and
    ``label``; reads ``response_ms`` if it has one.
    """

    def causes(self) -> np.ndarray:
        """One cause per request (an array of phrases, in arrival order)."""
        outcome = self.outcome
        causes = np.asarray([WORDS.get(o, o) for o in outcome.tolist()], dtype=object)
        return np.asarray(self._refine_causes(causes), dtype=object)

    def _refine_causes(self, causes: np.ndarray) -> np.ndarray:
        """A story's own words for its causes (``causes`` as the outcomes give them)."""
        return causes

    def cause_counts(self) -> dict[str, int]:
        """How many requests ended with each cause, most common first (they sum to all)."""
        names, counts = np.unique(self.causes().astype(str), return_counts=True)
        order = np.argsort(-counts, kind="stable")
        return {str(names[k]): int(counts[k]) for k in order}

    def describe_causes(self) -> str:
        """The causes of the run in one line: "940 confirmed, 50 declined, …"."""
        counts = self.cause_counts()
        total = sum(counts.values())
        parts = ", ".join(f"{n:,} {cause}" for cause, n in counts.items())
        return f"{self.label}: {parts} ({total:,} {self.UNIT})"

    def first_with(self, cause: str) -> int | None:
        """The first request whose cause is ``cause`` (None if there is none)."""
        hits = np.flatnonzero(self.causes() == cause)
        return int(hits[0]) if hits.size else None

    def explain(self, i: int) -> str:
        """Request ``i``'s story in a few lines (``i`` counts requests in arrival order)."""
        i = _check.integer("i", i, low=0, high=self.arrival_ms.size - 1)
        lines = [f"{self.label}, {self.UNIT[:-1]} #{i}: arrived at {seconds(self.arrival_ms[i])}"]
        response = getattr(self, "response_ms", None)
        if response is not None and not math.isnan(response[i]):
            done = self.arrival_ms[i] + response[i]
            # what the user was told then (a story that answers first and settles later
            # records it as ``told``), else how the request ended
            told = getattr(self, "told", None)
            heard = told[i] if told is not None and told[i] else self.outcome[i]
            lines.append(
                f"  its user heard back at {seconds(done)}, after {response[i]:,.0f} ms ({heard})"
            )
        elif self.outcome[i] == "in flight":
            lines.append("  its user had no answer yet when the run stopped")
        lines += [f"  {line}" for line in self._story_lines(i)]
        lines.append(f"  cause: {self.causes()[i]}")
        return "\n".join(lines)

    def _story_lines(self, i: int) -> list[str]:
        """A story's own lines about request ``i`` (what its work met), none by default."""
        return []


def explain_both(results, i: int) -> str:
    """Request ``i``'s story in each of ``results`` (e.g. ``run_both(...)``), side by side.

    The runs must share their arrivals (one seed, one config), so request
    ``i`` is the same user's in each.
    """
    try:
        results = tuple(results)
    except TypeError:
        raise _check.fail("results", results, "two or more results of one seed") from None
    if len(results) < 1 or not all(isinstance(r, Explained) for r in results):
        raise _check.fail("results", results, "a tuple of the kit's results (e.g. run_both())")
    first = results[0].arrival_ms
    for r in results[1:]:
        if r.arrival_ms.shape != first.shape or not np.array_equal(r.arrival_ms, first):
            raise _check.fail(
                "results", results, "runs of the same requests (one seed, one config)"
            )
    stories = [r.explain(i).splitlines() for r in results]
    width = max(len(line) for story in stories[:-1] for line in story) + 3
    rows = max(len(story) for story in stories)
    lines = []
    for k in range(rows):
        cells = [story[k] if k < len(story) else "" for story in stories]
        lines.append("".join(c.ljust(width) for c in cells[:-1]) + cells[-1])
    return "\n".join(line.rstrip() for line in lines)
