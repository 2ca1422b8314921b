"""Lesson 02's readings: can the checkout keep up at these latencies, and how busy is it?

A panel shows a steady wait only when every service can keep up: a service
needs ``rate × mean latency`` busy workers on average (Little's law), and a
sync Order worker is held for the whole chain. :func:`capacity_note` refuses
settings where a service would need all its workers or more (its queue grows
without end) and notes a service that is at least :data:`BUSY_NOTE` busy.
"""

from __future__ import annotations

import math

from ...scenarios.checkout import DEFAULT_LATENCY, DEFAULT_WORKERS
from ...ui.panel import Impossible

__all__ = ["BUSY_NOTE", "article", "capacity_note"]


def article(name: str) -> str:
    """The article before ``name``: "an Email worker", "a Payment worker"."""
    return "an" if name[:1].lower() in "aeiou" else "a"


#: a service at least this busy (a share of its workers) gets a note: its waits grow steeply
BUSY_NOTE = 0.9


def capacity_note(rate: float, means_ms: dict[str, float]) -> str:
    """Raise Impossible if a service would need all its workers busy, on average, or more.

    Returns a note for the busiest service if it is at least ``BUSY_NOTE`` busy (its
    queue is stable, but waits grow steeply as it nears 100 %), else "".
    """
    chain = DEFAULT_LATENCY["order"].mean_ms + sum(means_ms.values())
    needs = {name: rate * ms / 1000 for name, ms in means_ms.items()}
    needs["order"] = rate * chain / 1000  # a sync Order worker is held for the whole chain
    for name, busy in needs.items():
        have = DEFAULT_WORKERS[name]
        if busy >= have:
            hold = means_ms.get(name, chain)
            label = name.capitalize()
            raise Impossible(
                f"At {rate:g} orders/s, each holding {article(label)} {label} worker for "
                f"{hold:,.0f} ms on average, {label} would need {busy:.1f} busy workers, "
                f"and it has {have}: its queue would grow without end, so there is no steady "
                f"wait to show. Lower the rate or the latencies."
            )
    name = max(needs, key=lambda n: needs[n] / DEFAULT_WORKERS[n])
    share = needs[name] / DEFAULT_WORKERS[name]
    if share < BUSY_NOTE:
        return ""
    label = "Order (sync)" if name == "order" else name.capitalize()
    return (
        f" Note: {label} is {math.floor(100 * share)} % busy "
        f"({needs[name]:.1f} of its {DEFAULT_WORKERS[name]} workers, on average): "
        f"waits grow steeply as a service nears 100 % busy."
    )
