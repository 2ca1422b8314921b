"""Lesson 03's retry-storm figures: naive retries multiply the load and keep it up."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ....ui.alt import sentences, set_alt
from ....ui.axes import ax_or_new, log_ms_axis, new_axes, reference_line, shade, time_axis
from ....ui.style import (
    MUTED,
    OUTAGE,
    REFERENCE,
    STYLE_COLORS,
    style_hatch,
    style_line,
    styled,
)
from ..analysis import policy_key

__all__ = [
    "goodput_over_time",
    "load_over_time",
    "p99_over_time",
    "amplification_bars",
    "storm_run",
    "storm_figure",
]

#: line styles of the sync retry policies (all vermillion, with sync's round markers: they are
#: all sync); none of them is async's dashes, and async keeps its look (dashed, square markers)
POLICY_LINES = {
    "none": ":",
    "naive": "-",
    "backoff": (0, (8, 2, 1.5, 2)),
    "budget": (0, (3, 1.5, 1, 1.5, 1, 1.5)),
}
#: markers on about this many of a storm line's bins
MARKS = 8


def _storm_line(result, *, markers: bool = True) -> dict:
    """A storm run's look: async's, or sync's colour and marker with its policy's line style."""
    every = max(int(result.times().size) // MARKS, 1)
    look = style_line(result.style, markers=markers, every=every)
    if result.style == "async":
        return {**look, "linewidth": 2.2}
    return {**look, "linestyle": POLICY_LINES.get(policy_key(result), "-"), "linewidth": 2.0}


def _storm_series(ax, results, values_of) -> float:
    """One line per storm result of ``values_of(result)`` over time; returns the largest value."""
    top = 0.0
    for r in results:
        values = values_of(r)
        top = max(top, float(np.nanmax(values)) if np.isfinite(values).any() else 0.0)
        ax.plot(r.times() / 1000, values, drawstyle="steps-mid", label=r.label, **_storm_line(r))
    time_axis(ax, results[0].config.duration_ms)
    return top


def _slow_words(config) -> str:
    start, end = config.window
    return f"the service {config.slowdown:g}× slower from {start / 1000:g} s to {end / 1000:g} s"


def _after_words(results) -> str:
    """From 5 s after the slowdown on: each run's goodput and load amplification."""
    start = (results[0].config.window[1] + 5_000) / 1000
    said = []
    for r in results:
        good, amp = r.after_recovery()
        said.append(
            f"{r.label} — {good:.1f} ok/s at {amp:.1f}× load"
            if np.isfinite(good)
            else f"{r.label}: no bins after it"
        )
    return f"from {start:g} s on: {'; '.join(said)}"


@styled
def goodput_over_time(results, ax=None, *, title=None):
    """Requests that succeeded per second, over time, with the arrival rate for reference."""
    results = list(results)
    ax = ax_or_new(ax, constrained_layout=True)
    config = results[0].config
    shade(ax, config.window, "service slow")
    reference_line(ax, config.arrival_rate, f"arrivals {config.arrival_rate:g}/s", ":")
    top = _storm_series(ax, results, lambda r: r.goodput())
    ax.set_ylim(0, max(top, config.arrival_rate) * 1.3)
    ax.set_ylabel("goodput (requests ok/s)")
    ax.legend(loc="upper right", fontsize=8, ncol=1)
    if title is None:
        title = "Goodput: naive retries never recover"
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{sentences(title)} "
        f"Line chart of the goodput (requests ok per second) over time, against "
        f"{config.arrival_rate:g} arriving per second, {_slow_words(config)} (shaded); "
        f"{_after_words(results)}.",
    )
    return ax


@styled
def load_over_time(results, ax=None, *, title=None):
    """Attempts per second that reach the service (retries included), with its capacity."""
    results = list(results)
    ax = ax_or_new(ax, constrained_layout=True)
    config = results[0].config
    shade(ax, config.window, "service slow")
    reference_line(ax, config.capacity, f"healthy capacity {config.capacity:.0f}/s", "--")
    top = max(config.capacity, _storm_series(ax, results, lambda r: r.offered_load()))
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel("load (attempts/s)")
    ax.legend(loc="upper left", fontsize=8)
    if title is None:
        title = "Load on the service: retries multiply it"
    ax.set_title(title, loc="left")
    peaks = "; ".join(
        f"{r.label} — peaks at {float(np.max(r.offered_load())):.0f}/s, "
        f"{r.amplification:.2f}× the requests overall"
        for r in results
    )
    set_alt(
        ax,
        f"{sentences(title)} "
        f"Line chart of the attempts per second reaching the service, retries "
        f"included, against its healthy capacity of {config.capacity:.0f}/s, "
        f"{_slow_words(config)} (shaded): {peaks}.",
    )
    return ax


@styled
def p99_over_time(results, ax=None, *, title=None):
    """p99 of the time until a request is done, by arrival time (log scale)."""
    results = list(results)
    ax = ax_or_new(ax, constrained_layout=True)
    config = results[0].config
    shade(ax, config.window, "service slow")
    _storm_series(ax, results, lambda r: r.p99_over_time())
    log_ms_axis(ax, "y")  # 200, 500, 1000, 2000…, no "6×10²" labels in between
    ax.set_ylabel("p99 time to done (ms, log)")
    ax.legend(loc="upper left", fontsize=8)
    if title is None:
        title = "p99: the storm's users wait for every attempt"
    ax.set_title(title, loc="left")
    peaks = "; ".join(
        f"{r.label} — p99 {r.p99():,.0f} ms overall, worst arrival second "
        f"{float(np.nanmax(r.p99_over_time())):,.0f} ms"
        for r in results
        if np.isfinite(r.p99_over_time()).any()
    )
    set_alt(
        ax,
        f"{sentences(title)} "
        f"Line chart, log scale, of the p99 time until a request is done, by arrival "
        f"time, {_slow_words(config)} (shaded): {peaks or 'no request finished'}.",
    )
    return ax


@styled
def amplification_bars(results, ax=None, *, title=None):
    """Load amplification (attempts per request) and the share of requests that succeeded."""
    results = list(results)
    ax = ax_or_new(ax, size=(9.0, 3.2), constrained_layout=True)
    labels = [_short_label(r) for r in results]
    amp = [r.amplification for r in results]
    colors = [STYLE_COLORS[r.style] for r in results]
    bars = ax.bar(range(len(results)), amp, color=colors, width=0.6)
    for bar, r in zip(bars, results, strict=True):
        bar.set_hatch(style_hatch(r.style))  # sync "///", async "\\\\\\": not colour alone
        bar.set_edgecolor("white")
        ax.annotate(
            f"{r.amplification:.2f}×\n{r.success_rate():.0%} ok",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.axhline(1.0, color=REFERENCE, linewidth=1, linestyle=":")
    ax.set_xticks(range(len(results)), labels, fontsize=8.5)
    ax.set_ylim(0, max(amp) * 1.35)
    ax.set_ylabel("attempts per request")
    ax.grid(axis="x", visible=False)
    if title is None:
        title = "Load amplification: what each request costs the service"
    ax.set_title(title, loc="left")
    each = "; ".join(
        f"{label.replace(chr(10), ' ')} — {r.amplification:.2f}× ({r.success_rate():.0%} ok)"
        for label, r in zip(labels, results, strict=True)
    )
    set_alt(
        ax,
        f"{sentences(title)} "
        f"Bar chart of the attempts each request cost the service (1× is no "
        f"retries), with the share of requests that succeeded: {each}.",
    )
    return ax


_SHORT = {
    "none": "sync:\nno retries",
    "naive": "sync, naive:\n4 tries, no wait",
    "backoff": "sync, backoff\n+ jitter, 4 tries",
    "budget": "sync, backoff + jitter\n+ 10% retry budget",
}


def _short_label(result) -> str:
    if result.style == "async":
        return "async\nqueue"
    return _SHORT.get(policy_key(result), result.label.replace(", ", "\n", 1))


@styled
def storm_run(result, ax=None, *, ymax: float | None = None):
    """One storm run: load reaching the service (thin, filled) and goodput (thick) over time."""
    ax = ax_or_new(ax, constrained_layout=True)
    config = result.config
    shade(ax, config.window, "service slow")
    line = _storm_line(result)
    color = line["color"]
    t = result.times() / 1000
    load = result.offered_load()
    ax.fill_between(t, load, step="mid", color=color, alpha=0.18, linewidth=0)
    thin = {**_storm_line(result, markers=False), "linewidth": 1.0, "alpha": 0.8}
    ax.plot(t, load, drawstyle="steps-mid", label="load", **thin)
    ax.plot(
        t, result.goodput(), drawstyle="steps-mid", label="goodput", **{**line, "linewidth": 2.4}
    )
    ax.axhline(config.capacity, color=REFERENCE, linestyle="--", linewidth=1.1)
    ax.axhline(config.arrival_rate, color=REFERENCE, linestyle=":", linewidth=1.1)
    time_axis(ax, config.duration_ms)
    top = ymax if ymax is not None else max(float(load.max()), config.capacity) * 1.15
    ax.set_ylim(0, top)
    title = (
        f"{_short_label(result).replace(chr(10), ' ')}: {result.amplification:.1f}× load, "
        f"{result.success_rate():.0%} ok"
    )
    ax.set_title(title, loc="left", color=color, fontsize=10)
    set_alt(
        ax,
        f"{sentences(title)} "
        f"Line chart of one run over time, {_slow_words(config)} (shaded): the load "
        f"reaching the service peaks at {float(np.max(load)):.0f}/s against a healthy "
        f"capacity of {config.capacity:.0f}/s and {config.arrival_rate:g}/s arriving; "
        f"{_after_words([result])}.",
    )
    return ax


@styled
def storm_figure(results, *, size=(11.0, 5.4)):
    """Small multiples of :func:`storm_run`, two per row, on one scale; returns the axes.

    ``results`` is a dict (as from :func:`~servicelab.scenarios.retry_storm.run_policies`)
    or a list of storm results.
    """
    if isinstance(results, dict):
        results = list(results.values())
    results = list(results)
    rows = (len(results) + 1) // 2
    fig, axes = new_axes(
        rows, 2, size=(size[0], size[1] * rows / 2), sharex=True, constrained_layout=True
    )
    axes = np.atleast_1d(axes).ravel()
    top = max(max(float(r.offered_load().max()), r.config.capacity) for r in results) * 1.12
    for r, ax in zip(results, axes, strict=False):
        storm_run(r, ax, ymax=top)
        ax.set_ylabel("requests/s")
    for ax in axes[len(results) :]:
        ax.set_visible(False)
    for ax in axes[: len(axes) - 2]:
        ax.set_xlabel("")
    config = results[0].config
    handles = [
        Patch(color=OUTAGE, alpha=0.5, label="service slow"),
        Line2D([], [], color=MUTED, linewidth=1.0, label="load: attempts reaching it"),
        Line2D([], [], color=MUTED, linewidth=2.4, label="goodput: requests ok"),
        Line2D([], [], color=REFERENCE, linestyle="--", label=f"capacity {config.capacity:.0f}/s"),
        Line2D([], [], color=REFERENCE, linestyle=":", label=f"arrivals {config.arrival_rate:g}/s"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8.5)
    runs = "; ".join(
        f"{_short_label(r).replace(chr(10), ' ')} — {r.amplification:.1f}× load, "
        f"{r.success_rate():.0%} ok, load peak {float(np.max(r.offered_load())):.0f}/s"
        for r in results
    )
    set_alt(
        fig,
        f"Small multiples, one per run, of the load reaching the service (thin, filled) and "
        f"its goodput (thick) over time, {_slow_words(config)} (shaded), healthy capacity "
        f"{config.capacity:.0f}/s, {config.arrival_rate:g}/s arriving: {runs}; "
        f"{_after_words(results)}.",
    )
    return axes
