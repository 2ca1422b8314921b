"""The checkout's figures, shared by every lesson that runs the card's checkout.

Each function draws on a given matplotlib ``ax`` (or makes a figure) and
returns the ``ax``, in the kit's look (:func:`~servicelab.ui.style.styled`).
Axes carry units; titles state the takeaway.

* :func:`timeline` — who works and who waits, for one order;
  :func:`timelines` — several, stacked on one time axis;
* :func:`latency_cdf` — users' waits, sync against async;
* :func:`success_over_time` — confirmed orders over time, outage shaded;
* :func:`backlog_over_time` — a queue's backlog over time;
* :func:`~servicelab.ui.topology.topology`, :func:`~servicelab.ui.topology.topologies`
  — the services, solid arrows for sync calls and dashed ones for async
  messages (in :mod:`servicelab.ui.topology`, listed here with the rest).

Sync and async differ by line style and marker as well as colour
(:func:`~servicelab.ui.style.style_line`), and every figure attaches an alt
text with its key numbers (:func:`~servicelab.ui.alt.set_alt`).

:func:`span_bar_style` and :func:`timeline_legend_handles` give a panel that
draws timelines live the same bars and key as :func:`timeline`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from .. import _check
from .alt import sentences, set_alt
from .axes import ax_or_new, cdf, log_ms_axis, new_axes, shade
from .style import (
    LANES,
    NEUTRAL,
    REFERENCE,
    SERVICE_COLORS,
    STYLE_COLORS,
    WORK_EDGE,
    style_hatch,
    style_line,
    styled,
)
from .topology import topologies, topology  # noqa: F401 (shown through FIGURES)

#: the figures (what the facade servicelab.plots shows); the rest helps panels draw alike
FIGURES = (
    "timeline",
    "timelines",
    "latency_cdf",
    "success_over_time",
    "backlog_over_time",
    "topology",
    "topologies",
)
__all__ = [*FIGURES, "FIGURES", "span_bar_style", "timeline_legend_handles"]

# -- timeline -------------------------------------------------------------------

#: spans shorter than this (ms) draw no visible bar: a message that waited in no queue
VISIBLE_MS = 0.5


def span_bar_style(span, style: str) -> dict:
    """``barh`` keywords for one timeline span: solid (works), hatched (waits), pale (queued).

    A wait is hatched in its style's look (``"///"`` sync, ``"\\\\\\"`` async) and
    outlined in its colour; a service's work is outlined dark, so a light colour shows.
    """
    color = SERVICE_COLORS[span.lane]
    if span.kind == "works":
        return dict(height=0.6, color=color, edgecolor=WORK_EDGE, linewidth=0.6)
    if span.kind == "waits":
        edge = STYLE_COLORS[style]
        return dict(
            height=0.6, color="white", edgecolor=edge, hatch=style_hatch(style), linewidth=1.2
        )
    return dict(height=0.3, color=color, alpha=0.45, edgecolor=color, linewidth=0.8)


def timeline_legend_handles(*, queued: bool = True) -> list:
    """Legend entries that explain the timeline's kinds of bar.

    ``queued=False`` leaves out "message waiting in a queue", for a timeline in
    which no message waited (a key for something not drawn only puzzles).
    """
    handles = [
        Patch(facecolor=NEUTRAL, edgecolor=WORK_EDGE, linewidth=0.6, label="works on the order"),
        Patch(
            facecolor="white",
            edgecolor=REFERENCE,
            hatch="///",
            label="blocked, waiting for an answer",
        ),
    ]
    if queued:
        handles.append(Patch(facecolor=NEUTRAL, alpha=0.45, label="message waiting in a queue"))
    return handles


def _order_spans(result, order: int) -> list:
    return [s for s in result.spans if s.order == order]


def _visible_queue(results, order: int) -> bool:
    """True if a message of ``order`` waited in a queue long enough to show, in any result."""
    return any(
        s.kind == "queued" and s.end_ms - s.start_ms >= VISIBLE_MS
        for r in results
        for s in _order_spans(r, order)
    )


def _timeline_alt(style: str, order: int, spans, t0: float, waited: float) -> str:
    """In words: when each lane works, waits and queues, for one order."""
    verbs = {"works": "works", "waits": "waits", "queued": "waits in a queue"}
    lanes = []
    for lane in LANES:
        mine = sorted((s for s in spans if s.lane == lane), key=lambda s: s.start_ms)
        words = [
            f"{verbs[s.kind]} {s.start_ms - t0:,.0f}–{s.end_ms - t0:,.0f} ms"
            for s in mine
            if s.kind != "queued" or s.end_ms - s.start_ms >= VISIBLE_MS
        ]
        if words:
            lanes.append(f"{lane.capitalize()} {', '.join(words)}")
    return (
        f"Timeline of order {order}, {style}: the user has an answer after {waited:,.0f} ms. "
        + "; ".join(lanes)
        + "."
    )


@styled
def timeline(result, order: int = 0, ax=None, *, xmax_ms: float | None = None):
    """Who works and who waits for one traced order of ``result``.

    Solid bars: a service doing the order's work. Hatched bars: someone
    blocked, waiting for an answer. Pale bars: a message waiting in a queue.
    """
    ax = ax_or_new(ax)
    spans = _order_spans(result, order)
    if not spans:
        raise _check.fail(
            "order", order, f"one of the traced orders (run with trace_orders > {order})"
        )
    t0 = min(s.start_ms for s in spans)
    lanes = [lane for lane in LANES if any(s.lane == lane for s in spans)]
    y = {lane: len(lanes) - 1 - k for k, lane in enumerate(lanes)}
    style_color = STYLE_COLORS[result.style]
    for s in spans:
        left, width = s.start_ms - t0, max(s.end_ms - s.start_ms, 0.0)
        ax.barh(y[s.lane], width, left=left, **span_bar_style(s, result.style))
    user = next(s for s in spans if s.lane == "user")
    waited = user.end_ms - user.start_ms
    ax.axvline(waited, linewidth=1.5, **style_line(result.style, markers=False))
    if xmax_ms is not None:
        ax.set_xlim(0, xmax_ms)
    else:
        ax.set_xlim(0, max(s.end_ms for s in spans) - t0 + 20)
    right_side = waited < 0.6 * ax.get_xlim()[1]
    ax.annotate(
        f" user has an answer: {waited:.0f} ms "
        if right_side
        else f"user has an answer: {waited:.0f} ms ",
        (waited, len(lanes) - 0.45),
        color=style_color,
        fontsize=9,
        va="bottom",
        ha="left" if right_side else "right",
    )
    ax.set_yticks(range(len(lanes)), [lane.capitalize() for lane in reversed(lanes)])
    ax.set_ylim(-0.6, len(lanes) - 0.1)
    ax.set_xlabel("time since the order arrived (ms)")
    ax.grid(axis="y", visible=False)
    ax.set_title(f"{result.style}: the user waits {waited:.0f} ms", color=style_color, loc="left")
    set_alt(ax, _timeline_alt(result.style, order, spans, t0, waited))
    return ax


@styled
def timelines(results, order: int = 0, axes=None):
    """One :func:`timeline` per result, stacked, on a common time axis, with a legend.

    The legend names a message waiting in a queue only if one waited long
    enough to show.
    """
    results = list(results)
    if axes is None:
        fig, axes = new_axes(
            len(results), 1, size=(8.0, 2.3 * len(results) + 0.4), constrained_layout=True
        )
        axes = np.atleast_1d(axes)
    ends = [
        max(s.end_ms for s in r.spans if s.order == order)
        - min(s.start_ms for s in r.spans if s.order == order)
        for r in results
        if any(s.order == order for s in r.spans)
    ]
    xmax = 1.1 * max(ends) if ends else None
    for r, ax in zip(results, axes, strict=False):
        timeline(r, order, ax, xmax_ms=xmax)
    handles = timeline_legend_handles(queued=_visible_queue(results, order))
    axes[-1].figure.legend(
        handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8.5
    )
    return axes


# -- distributions and time series -----------------------------------------------


@styled
def latency_cdf(results, ax=None, *, log: bool = True, title: str | None = None):
    """Share of orders answered within x ms, one line per result (completed orders)."""
    ax = ax_or_new(ax)
    said = []
    for r in results:
        v, share = cdf(r.latency())
        if v.size == 0:
            said.append(f"{r.style}: no order answered")
            continue
        p50, p99 = float(np.percentile(v, 50)), float(np.percentile(v, 99))
        ax.step(
            v,
            share,
            where="post",
            linewidth=2,
            label=f"{r.style} (p50 {p50:,.0f} ms, p99 {p99:,.0f} ms)",
            **style_line(r.style),
        )
        said.append(f"{r.style} median {p50:,.0f} ms, p99 {p99:,.0f} ms ({v.size:,} orders)")
    if log:
        log_ms_axis(ax)
    ax.set_xlabel("user's wait for an answer (ms" + (", log scale)" if log else ")"))
    ax.set_ylabel("share of orders")
    ax.set_ylim(0, 1.02)
    # under the axis: the curves can sit anywhere in the plot, the key never covers them
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    if title:
        ax.set_title(title, loc="left")
    scale = ", log scale" if log else ""
    alt = f"Line chart of the share of orders answered within a wait{scale}: {'; '.join(said)}."
    set_alt(ax, sentences(title, alt))
    return ax


def _window_words(outage) -> str:
    if outage is None:
        return ""
    start, end = outage
    return f", with the outage from {start / 1000:g} s to {end / 1000:g} s shaded"


@styled
def success_over_time(results, ax=None, *, bin_ms: float = 5000.0, outage=None, title=None):
    """Share of orders confirmed, by arrival time; ``outage=(start_ms, end_ms)`` is shaded."""
    bin_ms = _check.number("bin_ms", bin_ms, low=1.0)
    ax = ax_or_new(ax)
    if outage is not None:
        shade(ax, outage)
    said = []
    for r in results:
        asked = r.outcome != "declined"
        t = r.arrival_ms[asked]
        ok = (r.outcome[asked] == "completed").astype(float)
        edges = np.arange(0.0, t.max() + bin_ms, bin_ms) if t.size else np.array([0.0, bin_ms])
        idx = np.digitize(t, edges) - 1
        n = np.bincount(idx, minlength=edges.size)
        good = np.bincount(idx, weights=ok, minlength=edges.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = good / n
        centers = (edges + bin_ms / 2) / 1000
        ax.plot(
            centers[n > 0],
            100 * rate[n > 0],
            linewidth=2,
            drawstyle="steps-mid",
            label=r.style,
            **style_line(r.style),
        )
        if not t.size:
            said.append(f"{r.style}: no orders")
            continue
        low = int(np.argmin(np.where(n > 0, rate, np.inf)))
        worst = f"{edges[low] / 1000:g}–{(edges[low] + bin_ms) / 1000:g} s"
        said.append(
            f"{r.style} {ok.mean():.0%} overall"
            + (", every bin 100%" if rate[low] >= 0.995 else f", lowest {rate[low]:.0%} ({worst})")
        )
    ax.set_xlabel("time the order arrived (s)")
    ax.set_ylabel("orders confirmed (%)")
    ax.set_ylim(-3, 103)
    ax.legend(loc="lower left")
    if title:
        ax.set_title(title, loc="left")
    alt = (
        f"Line chart of the orders confirmed (%) by arrival time, in {bin_ms / 1000:g} s bins"
        f"{_window_words(outage)}: {'; '.join(said)}."
    )
    set_alt(ax, sentences(title, alt))
    return ax


@styled
def backlog_over_time(result, service: str, ax=None, *, outage=None, title=None):
    """Messages waiting for ``service`` (not yet acknowledged) over time."""
    key = f"backlog {service}"
    if key not in result.series:
        subscribers = ", ".join(result.queues) or "none: is it a sync run?"
        raise _check.fail("service", service, f"a subscriber of this async run ({subscribers})")
    ax = ax_or_new(ax)
    if outage is not None:
        shade(ax, outage)
    s = result.series[key]
    look = style_line("async")
    ax.fill_between(s.t_ms / 1000, s.values, step="post", color=look["color"], alpha=0.25)
    ax.step(s.t_ms / 1000, s.values, where="post", linewidth=2, label=f"{service} backlog", **look)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("messages waiting")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title, loc="left")
    if s.values.size:
        peak = int(np.argmax(s.values))
        numbers = (
            f"the backlog peaks at {s.values[peak]:,.0f} at {s.t_ms[peak] / 1000:,.1f} s; "
            f"{s.values[-1]:,.0f} still waiting at the end ({s.t_ms[-1] / 1000:,.1f} s)"
        )
    else:
        numbers = "0 messages ever waited"
    alt = (
        f"Area chart of the async messages waiting for {service.capitalize()} over time"
        f"{_window_words(outage)}: {numbers}."
    )
    set_alt(ax, sentences(title, alt))
    return ax
