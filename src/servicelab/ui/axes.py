"""Axes in the kit's look: new figures, and the axis treatments every figure shares.

A figure function of the kit takes an optional ``ax``; :func:`ax_or_new` gives
it one. The rest dress an axes the way the kit always does, so two lessons
never format the same kind of axis differently:

* :func:`shade` — a window (ms) in which a service is down or slow, on a time axis in s;
* :func:`reference_line` — a grey horizontal line (capacity, arrivals, pool size), labelled;
* :func:`percent_axis` — a 0–100 % y axis with "40%" labels;
* :func:`log_ms_axis` — a log axis of milliseconds with 1-2-5 ticks and plain labels;
* :func:`time_axis` — a time axis in seconds over a run's duration;
* :func:`cdf` — the points of an empirical distribution function;
* :func:`nice_limit`, :func:`nice_top` — round axis limits, which change rarely, so a
  panel's cached background is reused.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .style import OUTAGE, REFERENCE, styled

__all__ = [
    "new_axes",
    "ax_or_new",
    "shade",
    "reference_line",
    "percent_axis",
    "log_ms_axis",
    "time_axis",
    "pointer",
    "cdf",
    "nice_limit",
    "nice_top",
]


@styled
def new_axes(nrows: int = 1, ncols: int = 1, size=(8.0, 3.2), **kwargs):
    """A new figure in the kit's look; returns ``(fig, ax_or_axes)``.

    ``kwargs`` go to :func:`matplotlib.pyplot.subplots` (e.g. ``constrained_layout=True``).
    """
    return plt.subplots(nrows, ncols, figsize=size, **kwargs)


def ax_or_new(ax, size=(8.0, 3.2), **kwargs):
    """``ax`` if given, else the axes of a new figure of ``size`` (see :func:`new_axes`)."""
    if ax is None:
        _, ax = new_axes(size=size, **kwargs)
    return ax


def shade(ax, window_ms, label: str = "outage", **kwargs):
    """Shade ``window_ms = (start, end)`` (ms) on a time axis in seconds; returns the patch.

    A label starting with ``_`` keeps the patch out of the legend (matplotlib's rule).
    """
    start, end = window_ms
    return ax.axvspan(
        start / 1000, end / 1000, color=OUTAGE, alpha=0.5, linewidth=0, label=label, **kwargs
    )


def reference_line(ax, y: float, label: str, linestyle: str, *, left: bool = False) -> None:
    """A grey horizontal reference (capacity, arrivals, pool size) labelled at one end."""
    ax.axhline(y, color=REFERENCE, linestyle=linestyle, linewidth=1.4)
    ax.annotate(
        label,
        (0.01 if left else 0.99, y),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3),
        textcoords="offset points",
        ha="left" if left else "right",
        fontsize=8.5,
        color=REFERENCE,
    )


def percent_axis(ax, low: float = -3.0, high: float = 103.0) -> None:
    """A y axis of percentages from ``low`` to ``high``, labelled "40%"."""
    ax.set_ylim(low, high)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))


def log_ms_axis(ax, which: str = "x", *, fmt: str = "g") -> None:
    """A log axis of milliseconds: ticks at 1-2-5 in each decade, labels as plain numbers.

    ``fmt`` formats a label (``"g"``: 1000; ``",.0f"``: 1,000); the minor ticks
    stay unlabelled, so no "6×10²" crowds in between.
    """
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: format(v, fmt)))
    axis.set_minor_formatter(NullFormatter())


def time_axis(ax, duration_ms: float, label: str = "time (s)") -> None:
    """An x axis of seconds from 0 to ``duration_ms``."""
    ax.set_xlim(0, duration_ms / 1000)
    ax.set_xlabel(label)


def pointer(ax, text: str, xy, xytext, color: str, **kwargs):
    """A note ``text`` at ``xytext`` with an arrow to ``xy``, in ``color``; returns it.

    ``kwargs`` go to ``ax.annotate`` (e.g. ``textcoords="axes fraction"``); a live
    panel creates it once with empty text and moves it on each redraw.
    """
    arrow = {"arrowstyle": "->", "color": color}
    return ax.annotate(text, xy, xytext=xytext, fontsize=9, color=color, arrowprops=arrow, **kwargs)


def cdf(values) -> tuple[np.ndarray, np.ndarray]:
    """``(sorted values, share ≤ each)``: an empirical distribution function, for a step plot."""
    v = np.sort(np.asarray(values, dtype=float))
    return v, np.arange(1, v.size + 1) / max(v.size, 1)


_NICE = [m * 10**e for e in range(0, 8) for m in (1, 2, 5)]


def nice_limit(value: float, *, decades: bool = False) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, … (or of 1, 10, 100, … with ``decades``)
    that is ≥ ``value``: axis limits that change rarely, so the background is reused."""
    for limit in _NICE:
        if limit >= value and (not decades or str(limit)[0] == "1"):
            return float(limit)
    return float(value)


def nice_top(value: float, steps=(1, 1.5, 2, 3, 4, 5, 6, 8, 10)) -> float:
    """The smallest 'nice' number ≥ ``value`` (1, 1.5, 2, 3, 4, 5, 6, 8 × a power of ten).

    Finer than :func:`nice_limit`: for the top of a :class:`~servicelab.ui.live.LiveYScale`,
    whose changes cost nothing, so the data may fill more of the axes.
    """
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for s in steps:
        if s * power >= value - 1e-9:
            return s * power
    return 10 * power
