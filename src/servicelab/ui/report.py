"""Plain-text reports of results, for notebooks and for readers who cannot see a plot.

:func:`compare` puts checkout runs side by side::

    >>> print(compare(sync, asyn))          # doctest: +SKIP
                                            sync       async
    orders                                 2,000       2,000
    confirmed                              1,893       1,893
      'confirmed' means                work done    accepted
      work still pending at the end            –           0
      dead-lettered: inventory                 –           0
    ...

In sync, "confirmed" means the work is done; in async it is an
acknowledgement: the work follows, and can still fail. So the table counts,
beside "confirmed", the async work still pending when the run stopped and the
messages each queue dead-lettered (accepted work that failed every try).
"""

from __future__ import annotations

import numpy as np

from .._check import KitValueError

__all__ = ["compare", "NOTE"]

#: the line under a table with an async column
NOTE = (
    "In sync, 'confirmed' means the work is done (sync done well: the required work; a failed "
    "best-effort call is skipped, never retried); in async, that it was accepted: the work "
    "follows, and can still fail (pending, dead-lettered)."
)


def _fmt(x: float, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "–"
    if unit == "%":
        return f"{x:.1%}"
    return f"{x:,.0f}"


def _skipped_services(results) -> list[str]:
    """The services whose best-effort work some result skipped, each once, in order."""
    found = [d for r in results for d, n in r.skipped.items() if n]
    return list(dict.fromkeys(found))


def compare(*results, tasks=("inventory", "email")) -> str:
    """A table of checkout results side by side (columns named by style, or numbered)."""
    if len(results) == 1 and isinstance(results[0], (list, tuple)):
        results = tuple(results[0])
    if not results:
        raise KitValueError("results = () is not allowed: give at least one checkout result.")
    names = [r.label for r in results]
    if len(set(names)) != len(names):
        names = [f"{n} #{k + 1}" for k, n in enumerate(names)]
    queues = [q for r in results for q in r.dead_lettered() if q]
    queues = list(dict.fromkeys(queues))  # each queue once, in the order first seen

    def later(r, counts: dict[str, int], name: str | None = None) -> str:
        if not r.message_queues():
            return "–"  # sync: nothing accepted for later
        return _fmt(sum(counts.values()) if name is None else counts.get(name))

    rows = [
        ("orders", [_fmt(r.n_orders) for r in results]),
        ("confirmed", [_fmt(r.count("completed")) for r in results]),
        ("  'confirmed' means", [r.means for r in results]),
        ("  work still pending at the end", [later(r, r.pending()) for r in results]),
        *(
            (f"  dead-lettered: {q}", [later(r, r.dead_lettered(), q) for r in results])
            for q in queues
        ),
        *(
            (f"  skipped (best-effort): {d}", [_fmt(r.skipped.get(d)) for r in results])
            for d in _skipped_services(results)
        ),
        ("declined by Payment", [_fmt(r.count("declined")) for r in results]),
        ("failed", [_fmt(r.count("failed")) for r in results]),
        ("still waiting at the end", [_fmt(r.in_flight) for r in results]),
        ("user's wait, median (ms)", [_fmt(r.p(50)) for r in results]),
        ("user's wait, p99 (ms)", [_fmt(r.p(99)) for r in results]),
    ]
    for task in tasks:
        if all(task in r.task_done_ms for r in results):
            rows.append(
                (
                    f"{task} done, median (ms after order)",
                    [
                        _fmt(
                            float(np.median(r.task_delay(task)))
                            if r.task_delay(task).size
                            else float("nan")
                        )
                        for r in results
                    ],
                )
            )
    width = max(len(label) for label, _ in rows) + 2
    cols = [max(9, len(n) + 2, *(len(vs[k]) + 2 for _, vs in rows)) for k, n in enumerate(names)]
    lines = [" " * width + "".join(n.rjust(c) for n, c in zip(names, cols, strict=True))]
    lines += [
        label.ljust(width) + "".join(v.rjust(c) for v, c in zip(values, cols, strict=True))
        for label, values in rows
    ]
    if any(r.message_queues() for r in results):
        lines.append(NOTE)
    return "\n".join(lines)
