"""Lesson 03's question answered in words (``q7``): graded by a person, against a rubric.

The exercise notebook's last question asks why the async checkout needed
none of question 6's tuning, and what it gives up. ``q7.rubric()`` shows
what a full answer covers and its points (the same rubric an instructor
grades the markdown answer cell with); ``q7.solution()`` shows the model
answer from the solutions notebook. :mod:`.exercises` re-exports both names.
"""

from __future__ import annotations

from servicelab.exercises import WrittenQuestion

__all__ = ["q7", "WRITTEN"]

# -- q7 · in your own words: graded by a person, against this rubric ----------------------------

q7 = WrittenQuestion(
    "q7",
    module=__name__,
    title="Why async needed no tuning, and what it gives up",
    criteria=[
        (
            1,
            "The user path: an async user waits for Payment and a publish only; Inventory "
            "works from its queue, so its stalls and retries hold neither a user nor an Order "
            "worker (the worker is free again after the publish).",
        ),
        (
            1,
            "The cost: the stock is updated later (stale for a while), and “confirmed” "
            "means accepted, not done: the stock update can still fail afterwards.",
        ),
        (
            1,
            "The moving parts: a backlog to watch and drain, redelivery that can repeat "
            "work (so consumers must be idempotent), and a dead-letter queue that someone "
            "must read.",
        ),
    ],
    hints=[
        "What does an async user wait for, and what does the Order worker do once it has "
        "published the event?",
        "Follow one stock update while Inventory stalls: when is it done, what does the user "
        "see meanwhile, and what happens if it keeps failing?",
    ],
)


#: the questions answered in words (graded by hand; ``q7.rubric()``, ``q7.solution()``)
WRITTEN = (q7,)
