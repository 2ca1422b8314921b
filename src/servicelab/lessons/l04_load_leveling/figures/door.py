"""Lesson 04's figures of the front door.

Arrivals against processing, what users were told, and how long they waited.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from ....ui.alt import set_alt
from ....ui.axes import ax_or_new, reference_line, shade, time_axis
from ....ui.style import (
    MUTED,
    NEUTRAL,
    OUTAGE,
    REFERENCE,
    STYLE_COLORS,
    STYLE_LOOKS,
    style_handle,
    style_hatch,
    style_line,
    styled,
)
from ..analysis import (
    door_numbers,
    seconds,
)

__all__ = ["sale_rates", "door_outcomes", "user_waits"]

#: how each outcome is drawn in :func:`door_outcomes`: accepted in the style's colour
_OUTCOME_LOOK = {
    "refused": {"color": OUTAGE, "hatch": ".."},
    "gave_up": {"color": NEUTRAL, "hatch": "xx"},
}
_OUTCOME_WORDS = {"accepted": "accepted", "refused": "refused at once", "gave_up": "timed out"}


def _short(result) -> str:
    """A result's label for an axis: its style and, if bounded, how."""
    c = result.config
    if result.style == "sync":
        if c.max_waiting is not None:
            return f"sync,\nline of {c.max_waiting:,}"
        return "sync"
    if c.queue_capacity is not None:
        return f"async, queue of\n{c.queue_capacity:,}, {c.on_full}"
    return "async"


@styled
def sale_rates(results, ax=None, *, bin_ms: float = 5000.0, title=None):
    """Orders arriving per second (grey) against orders processed per second, per style."""
    results = list(results)
    ax = ax_or_new(ax, constrained_layout=True)
    c = results[0].config
    shade(ax, c.window, "sale")
    t, arrivals = results[0].per_second("arrivals", bin_ms)
    ax.plot(t / 1000, arrivals, drawstyle="steps-mid", color=MUTED, lw=1.2, label="orders arriving")
    for r in results:
        t, done = r.per_second("processed", bin_ms)
        ax.plot(
            t / 1000,
            done,
            drawstyle="steps-mid",
            **style_line(r.style),
            lw=2.2,
            label=f"{r.style}: orders processed",
        )
    reference_line(ax, c.throughput_cap, f"capacity {c.throughput_cap:g}/s", "--")
    time_axis(ax, c.duration_ms + c.drain_ms)
    ax.set_ylabel("orders per second")
    ax.set_ylim(0, max(float(arrivals.max()), c.throughput_cap) * 1.15)
    ax.legend(loc="upper right", fontsize=8.5)
    start, end = c.window
    first = results[0]
    in_sale = np.count_nonzero((first.arrival_ms >= start) & (first.arrival_ms < end))
    sale_rate = in_sale * 1000 / (end - start) if end > start else 0.0
    paces = [(r.style, r.throughput(start, end) if end > start else 0.0) for r in results]
    if title is None:
        title = (
            f"Orders arrive at {sale_rate:.0f}/s in the sale; the workers process a steady "
            f"{max(p for _, p in paces):.0f}/s"
            if end > start
            else f"The workers process what arrives, up to {c.throughput_cap:g}/s"
        )
    ax.set_title(title, loc="left")
    during = f"during the sale ({start / 1000:g}–{end / 1000:g} s) about {sale_rate:.0f} arrive"
    set_alt(
        ax,
        f"{title}. Line chart of orders per second over time: {during} per second; "
        + "; ".join(f"{style} processes {pace:.0f}/s in the sale" for style, pace in paces)
        + f", near the capacity of {c.throughput_cap:g}/s"
        + (
            "; async keeps that pace after the sale until its queue is empty."
            if any(r.style == "async" for r in results)
            else "."
        ),
    )
    return ax


@styled
def door_outcomes(results, ax=None, *, sale_only: bool = True, title=None):
    """One horizontal bar per run: the share of orders accepted, refused and timed out.

    Of the orders placed during the sale (``sale_only``), or of all of them.
    """
    results = list(results)
    ax = ax_or_new(ax, size=(8.0, 1.2 + 0.7 * len(results)), constrained_layout=True)
    labels = [_short(r) for r in results]
    doors = [door_numbers(r, sale_only=sale_only) for r in results]
    for y, (r, d) in enumerate(zip(results, doors, strict=True)):
        left = 0.0
        for key in ("accepted", "refused", "gave_up"):
            share = d[key]
            look = _OUTCOME_LOOK.get(key) or {
                "color": STYLE_COLORS[r.style],
                "hatch": style_hatch(r.style),
            }
            ax.barh(y, 100 * share, left=100 * left, height=0.6, edgecolor="white", **look)
            if share >= 0.07:
                box = None if key == "accepted" else {"facecolor": "white", "edgecolor": "none"}
                ax.text(
                    100 * (left + share / 2),
                    y,
                    f"{share:.0%}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    fontweight="bold",
                    bbox=box,
                    color="white" if key == "accepted" else REFERENCE,
                )
            left += share
    ax.set_yticks(range(len(results)), [lab.replace("\n", " ") for lab in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    which = "placed during the sale" if doors[0]["sale"] else "of the run"
    ax.set_xlabel(f"share of the {doors[0]['n']:,} orders {which} (%)")
    ax.grid(axis="y", visible=False)
    styles = list(dict.fromkeys(r.style for r in results))
    handles = [
        Patch(
            facecolor=STYLE_COLORS[st],
            hatch=style_hatch(st),
            edgecolor="white",
            label=f"{st}: accepted",
        )
        for st in styles
    ]
    handles += [
        Patch(
            facecolor=_OUTCOME_LOOK[k]["color"],
            hatch=_OUTCOME_LOOK[k]["hatch"],
            edgecolor="white",
            label=_OUTCOME_WORDS[k],
        )
        for k in ("refused", "gave_up")
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, fontsize=8.5)
    if title is None:
        best = max(range(len(results)), key=lambda k: doors[k]["accepted"])
        worst = min(range(len(results)), key=lambda k: doors[k]["accepted"])
        name = labels[best].replace("\n", " ")
        title = f"{name[0].upper()}{name[1:]} accepts {doors[best]['accepted']:.0%} of the orders"
        if worst != best:
            title += (
                f"; {labels[worst].replace(chr(10), ' ')} turns away "
                f"{1 - doors[worst]['accepted']:.0%}"
            )
    ax.set_title(title, loc="left", pad=24)
    set_alt(
        ax,
        f"{title}. Bar chart of the orders {which}: "
        + " ".join(
            f"{lab.replace(chr(10), ' ')}: {d['accepted']:.0%} accepted, {d['refused']:.0%} "
            f"refused at once, {d['gave_up']:.0%} timed out."
            for lab, d in zip(labels, doors, strict=True)
        ),
    )
    return ax


@styled
def user_waits(results, ax=None, *, sale_only: bool = True, title=None):
    """Per run: users' waits for an answer (p50 to p99) and, async, for their order (dotted).

    Of the orders placed during the sale (``sale_only``), or of all of them.
    """
    results = list(results)
    ax = ax_or_new(ax, size=(8.0, 1.2 + 0.7 * len(results)), constrained_layout=True)
    labels = [_short(r).replace("\n", " ") for r in results]
    doors = [door_numbers(r, sale_only=sale_only) for r in results]
    for y, (r, d) in enumerate(zip(results, doors, strict=True)):
        color, marker = STYLE_COLORS[r.style], STYLE_LOOKS[r.style]["marker"]
        ax.plot(
            [d["wait_p50_s"], d["wait_p99_s"]],
            [y, y],
            lw=5,
            solid_capstyle="butt",
            dash_capstyle="butt",
            **style_line(r.style, markers=False),
        )
        ax.plot([d["wait_p50_s"]], [y], marker, color=color, ms=7)
        if r.style == "async" and not math.isnan(d["done_p99_s"]):
            ax.plot([d["done_p50_s"], d["done_p99_s"]], [y + 0.25] * 2, color=color, lw=1.5, ls=":")
            ax.plot([d["done_p50_s"]], [y + 0.25], marker, mfc="white", color=color, ms=6)
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
    ax.xaxis.set_major_locator(FixedLocator([0, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    top = max(
        max(d["wait_p99_s"], d["done_p99_s"] if r.style == "async" else 0)
        for r, d in zip(results, doors, strict=True)
    )
    ax.set_xlim(0, max(top, 1.0) * 1.5)
    ax.set_yticks(range(len(results)), labels)
    ax.set_ylim(len(results) - 0.4, -0.6)
    ax.set_xlabel("seconds, p50 (dot) to p99 (log scale above 1 s)")
    ax.grid(axis="y", visible=False)
    styles = list(dict.fromkeys(r.style for r in results))
    handles = [style_handle(st, f"{st}: the user's answer", linewidth=4) for st in styles]
    if "async" in styles:
        handles.append(
            style_handle("async", "async: the order processed", linestyle=":", mfc="white")
        )
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, fontsize=8)
    if title is None:
        title = "Who waits: the user at the door, or the order in the queue"
    ax.set_title(title, loc="left", pad=24)
    set_alt(
        ax,
        f"{title}. Chart of waits in seconds, p50 to p99, per design. "
        + " ".join(
            f"{lab}: answer p50 {seconds(d['wait_p50_s'])}, p99 {seconds(d['wait_p99_s'])}"
            + (f"; processed p99 {seconds(d['done_p99_s'])}." if r.style == "async" else ".")
            for lab, d, r in zip(labels, doors, results, strict=True)
        ),
    )
    return ax
