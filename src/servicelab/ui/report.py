"""Plain-text reports of results, for notebooks and for readers who cannot see a plot.

:func:`compare` puts checkout runs side by side::

    >>> print(compare(sync, asyn))          # doctest: +SKIP
                                   sync     async
    orders confirmed              1,893     1,893
    user's wait, median (ms)        304       146
    ...
"""

from __future__ import annotations

import numpy as np

from .._check import KitValueError

__all__ = ["compare"]


def _fmt(x: float, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "–"
    if unit == "%":
        return f"{x:.1%}"
    return f"{x:,.0f}"


def compare(*results, tasks=("inventory", "email")) -> str:
    """A table of checkout results side by side (columns named by style, or numbered)."""
    if len(results) == 1 and isinstance(results[0], (list, tuple)):
        results = tuple(results[0])
    if not results:
        raise KitValueError("results = () is not allowed: give at least one checkout result.")
    names = [r.style for r in results]
    if len(set(names)) != len(names):
        names = [f"{r.style} #{k + 1}" for k, r in enumerate(results)]
    rows = [
        ("orders", [_fmt(r.n_orders) for r in results]),
        ("confirmed", [_fmt(r.count("completed")) for r in results]),
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
    col = max(9, *(len(n) + 2 for n in names))
    lines = [" " * width + "".join(n.rjust(col) for n in names)]
    lines += [label.ljust(width) + "".join(v.rjust(col) for v in values) for label, values in rows]
    return "\n".join(lines)
