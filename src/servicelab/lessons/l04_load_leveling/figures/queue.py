"""Lesson 04's figures of the queue.

The backlog and its drain, each order's wait to be processed, and competing consumers.
"""

from __future__ import annotations

import math

import numpy as np

from ....ui.alt import set_alt
from ....ui.axes import ax_or_new, pointer, reference_line, shade, time_axis
from ....ui.panel import plural
from ....ui.style import (
    NEUTRAL,
    STYLE_COLORS,
    STYLE_LOOKS,
    style_line,
    styled,
)
from ..analysis import (
    drain_numbers,
    fluid_backlog,
    seconds,
    throughputs,
    wait_by_arrival,
)

__all__ = ["backlog_drain", "fulfilment_wait", "consumers_throughput"]


@styled
def backlog_drain(result, ax=None, *, title=None):
    """Orders waiting in the queue over time, the theory's curve, and the drain time."""
    ax = ax_or_new(ax, constrained_layout=True)
    c = result.config
    start, end = c.window
    shade(ax, c.window, "sale" if end > start else "_sale")
    s = result.series["waiting"]
    color = STYLE_COLORS[result.style]
    ax.fill_between(s.t_ms / 1000, s.values, step="post", color=color, alpha=0.25, linewidth=0)
    ax.step(
        s.t_ms / 1000,
        s.values,
        where="post",
        lw=2,
        label="orders waiting",
        **style_line(result.style, markers=False),
    )
    ax.plot(
        s.t_ms / 1000,
        fluid_backlog(c, s.t_ms),
        color=NEUTRAL,
        ls="--",
        lw=1.4,
        label="theory: even flow",
    )
    d = drain_numbers(result)
    if not math.isnan(d["drain_s"]):
        x = d["end_s"] + d["drain_s"]
        pointer(
            ax,
            f"empty {seconds(d['drain_s'])} after the sale\n(theory {seconds(d['theory_s'])})",
            (x, 0),
            (x, max(d["peak"], 1) * 0.55),
            color,
            ha="center",
        )
    time_axis(ax, c.duration_ms + c.drain_ms)
    ax.set_ylabel("orders waiting")
    ax.set_ylim(0, max(d["peak"], float(fluid_backlog(c, s.t_ms).max()), 4) * 1.2)
    ax.legend(loc="upper right" if not math.isnan(d["drain_s"]) else "upper left", fontsize=8.5)
    if title is None:
        if not math.isnan(d["drain_s"]):
            title = (
                f"{d['backlog']:,.0f} orders queued; empty {seconds(d['drain_s'])} after the "
                f"sale (B / (cμ − λ) = {seconds(d['theory_s'])})"
            )
        elif math.isinf(d["more_s"]):
            title = "Arrivals above capacity: the queue never drains"
        else:
            title = f"{d['still']:,.0f} orders still waiting when the arrivals stop"
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{title}. Line chart of the orders waiting in the queue over time, and the theory.",
    )
    return ax


@styled
def fulfilment_wait(result, ax=None, *, bin_ms: float = 5000.0, title=None):
    """How long orders waited to be processed, by arrival time, against the theory."""
    ax = ax_or_new(ax, constrained_layout=True)
    c = result.config
    shade(ax, c.window, "sale")
    t, mean, theory = wait_by_arrival(result, bin_ms)
    ax.plot(
        t,
        mean,
        drawstyle="steps-mid",
        **style_line(result.style, markers=False),
        lw=2.2,
        label=f"{result.style}: mean wait for fulfilment",
    )
    ax.plot(t, theory, color=NEUTRAL, ls="--", lw=1.4, label="theory: orders ahead ÷ capacity")
    time_axis(ax, c.duration_ms, "time the order arrived (s)")
    ax.set_ylabel("wait until processed (s)")
    top = np.nanmax(mean) if np.isfinite(mean).any() else 1.0
    ax.set_ylim(0, max(top, 1.0) * 1.2)
    ax.legend(loc="upper right", fontsize=8.5)
    if title is None:
        title = (
            f"The price: an order placed as the sale ends waits about {np.nanmax(mean):,.0f} s "
            "to be processed"
        )
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{title}. Line chart of the mean wait for fulfilment by arrival time, and the theory.",
    )
    return ax


@styled
def consumers_throughput(results, ax=None, *, start_ms: float, end_ms: float, title=None):
    """Orders processed per second by number of competing consumers, and the closed form."""
    ax = ax_or_new(ax, constrained_layout=True)
    d = throughputs(results, start_ms=start_ms, end_ms=end_ms)
    k = d["consumers"]
    grid = np.arange(1, k.max() + 1)
    per = d["workers_cap"][0] / k[0]
    ax.plot(grid, grid * per, color=NEUTRAL, ls=":", lw=1.3, label="consumers × μ")
    if math.isfinite(d["db_capacity"]):
        reference_line(ax, d["db_capacity"], f"database capacity {d['db_capacity']:g}/s", "--")
    ax.plot(
        grid,
        np.minimum(grid * per, d["db_capacity"]),
        color=NEUTRAL,
        lw=1.6,
        label="theory: the lower of the two",
    )
    look = STYLE_LOOKS["async"]
    ax.plot(k, d["measured"], look["marker"], color=look["color"], ms=7, label="simulated (async)")
    ax.set_xlabel("competing consumers")
    ax.set_ylabel("orders processed per second")
    ax.set_xlim(0, k.max() + 1)
    ax.set_ylim(
        0, max(float(d["measured"].max()), min(float(grid[-1] * per), d["db_capacity"])) * 1.25
    )
    ax.legend(loc="lower right", fontsize=8.5)
    if title is None:
        title = (
            f"More consumers, more throughput — until the database caps it at "
            f"{d['db_capacity']:g}/s"
        )
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{title}. "
        + ", ".join(
            f"{plural(int(n), 'consumer')}: {m:.0f}/s"
            for n, m in zip(k, d["measured"], strict=True)
        )
        + ".",
    )
    return ax
