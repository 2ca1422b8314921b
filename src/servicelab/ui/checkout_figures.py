"""The checkout's figures, shared by every lesson that runs the card's checkout.

Each function draws on a given matplotlib ``ax`` (or makes a figure) and
returns the ``ax``, in the kit's look (:func:`~servicelab.ui.style.styled`).
Axes carry units; titles state the takeaway.

* :func:`timeline` — who works and who waits, for one order;
  :func:`timelines` — several, stacked on one time axis;
* :func:`latency_cdf` — users' waits, sync against async;
* :func:`success_over_time` — confirmed orders over time, outage shaded;
* :func:`backlog_over_time` — a queue's backlog over time;
* :func:`topology` — the services, solid arrows for sync calls and dashed
  ones for async messages.

:func:`span_bar_style` and :func:`timeline_legend_handles` give a panel that
draws timelines live the same bars and key as :func:`timeline`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from .. import _check
from .axes import ax_or_new, cdf, log_ms_axis, new_axes, shade
from .style import LANES, NEUTRAL, REFERENCE, SERVICE_COLORS, STYLE_COLORS, styled

#: the figures (what the facade servicelab.plots shows); the rest helps panels draw alike
FIGURES = (
    "timeline",
    "timelines",
    "latency_cdf",
    "success_over_time",
    "backlog_over_time",
    "topology",
)
__all__ = [*FIGURES, "FIGURES", "span_bar_style", "timeline_legend_handles"]

# -- timeline -------------------------------------------------------------------


def span_bar_style(span, style: str) -> dict:
    """``barh`` keywords for one timeline span: solid (works), hatched (waits), pale (queued)."""
    color = SERVICE_COLORS[span.lane]
    if span.kind == "works":
        return dict(height=0.6, color=color, edgecolor=color)
    if span.kind == "waits":
        edge = STYLE_COLORS[style]
        return dict(height=0.6, color="white", edgecolor=edge, hatch="///", linewidth=1.2)
    return dict(height=0.3, color=color, alpha=0.3)


def timeline_legend_handles() -> list:
    """Legend entries that explain the timeline's three kinds of bar."""
    return [
        Patch(facecolor=NEUTRAL, label="works on the order"),
        Patch(
            facecolor="white",
            edgecolor=REFERENCE,
            hatch="///",
            label="blocked, waiting for an answer",
        ),
        Patch(facecolor=NEUTRAL, alpha=0.3, label="message waiting in a queue"),
    ]


@styled
def timeline(result, order: int = 0, ax=None, *, xmax_ms: float | None = None):
    """Who works and who waits for one traced order of ``result``.

    Solid bars: a service doing the order's work. Hatched bars: someone
    blocked, waiting for an answer. Pale bars: a message waiting in a queue.
    """
    ax = ax_or_new(ax)
    spans = [s for s in result.spans if s.order == order]
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
    ax.axvline(waited, color=style_color, linewidth=1.5)
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
    return ax


@styled
def timelines(results, order: int = 0, axes=None):
    """One :func:`timeline` per result, stacked, on a common time axis, with a legend."""
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
    axes[-1].figure.legend(
        handles=timeline_legend_handles(), loc="outside lower center", ncol=3, fontsize=8.5
    )
    return axes


# -- distributions and time series -----------------------------------------------


@styled
def latency_cdf(results, ax=None, *, log: bool = True, title: str | None = None):
    """Share of orders answered within x ms, one line per result (completed orders)."""
    ax = ax_or_new(ax)
    for r in results:
        v, share = cdf(r.latency())
        if v.size == 0:
            continue
        p50 = float(np.percentile(v, 50))
        ax.step(
            v,
            share,
            where="post",
            color=STYLE_COLORS[r.style],
            linewidth=2,
            label=f"{r.style} (p50 {p50:,.0f} ms, p99 {np.percentile(v, 99):,.0f} ms)",
        )
    if log:
        log_ms_axis(ax)
    ax.set_xlabel("user's wait for an answer (ms" + (", log scale)" if log else ")"))
    ax.set_ylabel("share of orders")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title, loc="left")
    return ax


@styled
def success_over_time(results, ax=None, *, bin_ms: float = 5000.0, outage=None, title=None):
    """Share of orders confirmed, by arrival time; ``outage=(start_ms, end_ms)`` is shaded."""
    bin_ms = _check.number("bin_ms", bin_ms, low=1.0)
    ax = ax_or_new(ax)
    if outage is not None:
        shade(ax, outage)
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
            color=STYLE_COLORS[r.style],
            linewidth=2,
            drawstyle="steps-mid",
            label=r.style,
        )
    ax.set_xlabel("time the order arrived (s)")
    ax.set_ylabel("orders confirmed (%)")
    ax.set_ylim(-3, 103)
    ax.legend(loc="lower left")
    if title:
        ax.set_title(title, loc="left")
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
    ax.fill_between(s.t_ms / 1000, s.values, step="post", color=STYLE_COLORS["async"], alpha=0.25)
    ax.step(
        s.t_ms / 1000,
        s.values,
        where="post",
        color=STYLE_COLORS["async"],
        linewidth=2,
        label=f"{service} backlog",
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("messages waiting")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title, loc="left")
    return ax


# -- topology ----------------------------------------------------------------------

_POS_SYNC = {
    "user": (0, 1),
    "order": (1, 1),
    "payment": (2, 1),
    "inventory": (3, 1),
    "email": (4, 1),
    "analytics": (5, 1),
}
_POS_ASYNC = {
    "user": (0, 1),
    "order": (1, 1),
    "payment": (2.2, 1.55),
    "event": (2.2, 0.45),
    "inventory": (3.6, 1.2),
    "email": (3.6, 0.45),
    "analytics": (3.6, -0.3),
}


@styled
def topology(style: str, downstream=("inventory", "email"), ax=None):
    """The checkout's services: solid arrows are sync calls, dashed ones async messages."""
    _check.choice("style", style, ("sync", "async"))
    ax = ax_or_new(ax, size=(8.0, 2.4))
    color = STYLE_COLORS[style]
    if style == "sync":
        chain = ["user", "order", "payment", *downstream]
        pos = _POS_SYNC
        edges = [(a, b, "sync") for a, b in zip(chain, chain[1:], strict=False)]
        nodes = chain
    else:
        pos = _POS_ASYNC
        nodes = ["user", "order", "payment", "event", *downstream]
        edges = [
            ("user", "order", "sync"),
            ("order", "payment", "sync"),
            ("order", "event", "async"),
        ]
        edges += [("event", d, "async") for d in downstream]
    for a, b, kind in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.add_patch(
            FancyArrowPatch(
                (x0 + 0.42, y0),
                (x1 - 0.42, y1),
                arrowstyle="-|>",
                mutation_scale=14,
                color=color if kind == "sync" else STYLE_COLORS["async"],
                linestyle="-" if kind == "sync" else (0, (4, 3)),
                linewidth=1.6,
            )
        )
    for name in nodes:
        x, y = pos[name]
        label = "OrderCreated\nevent" if name == "event" else name.capitalize()
        edge = SERVICE_COLORS.get(name, STYLE_COLORS["async"])
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.4, y - 0.22),
                0.8,
                0.44,
                boxstyle="round,pad=0.02",
                facecolor="white",
                edgecolor=edge,
                linewidth=2,
            )
        )
        ax.text(x, y, label, ha="center", va="center", fontsize=8.5 if name == "event" else 9.5)
    ax.set_xlim(-0.45, 5.45)  # the same scale in both styles
    ax.set_ylim(*((0.0, 2.0) if style == "sync" else (-0.6, 1.9)))
    ax.axis("off")
    ax.set_title(
        "sync: every call waits for the next (solid arrows)"
        if style == "sync"
        else "async: Payment stays sync; the rest hear an event (dashed arrows)",
        color=color,
        loc="left",
    )
    return ax
