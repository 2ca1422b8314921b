"""Lesson 05's figures: one event, many subscribers, sync fan-out against pub/sub.

Each function draws on given axes (or makes a figure), attaches its alt text
and returns what it drew on. *Sync* is vermillion (solid, round markers; in
parallel with timeouts dotted, triangles) and *pub/sub* blue (dashed,
squares), as everywhere in the kit; theory is a grey line; each subscriber
keeps one colour and marker. Titles state the takeaway, with numbers.

* :func:`fan_out_cost` — the caller's p99 wait and its availability by number
  of subscribers, per design (C3);
* :func:`subscriber_lag` — each subscriber's lag behind the orders over time:
  a slow one lags alone (C22);
* :func:`caller_waits` — the caller's wait per order over time, per design,
  while one subscriber is slow;
* :func:`delivery_times` — the price: when each subscriber saw a few orders.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _check
from ...records import percentile
from ...scenarios.pubsub import DESIGNS
from ...ui.alt import set_alt
from ...ui.axes import ax_or_new, log_ms_axis, new_axes, percent_axis, shade, time_axis
from ...ui.style import (
    ASYNC,
    NEUTRAL,
    REFERENCE,
    styled,
)
from .analysis import fan_out_numbers, lag_by_arrival
from .looks import DESIGN_LOOKS, SUBSCRIBER_LOOKS

__all__ = ["fan_out_cost", "subscriber_lag", "caller_waits", "delivery_times"]


def _window(result):
    """The first slowdown or outage window of any subscriber, (start, end) ms, or None."""
    for s in result.config.subscribers:
        f = result.config.faults[s]
        for w in (*f.slowdowns, *f.outages):
            return s, (w.start_ms, min(w.end_ms, float(result.arrival_ms[-1])))
    return None


@styled
def fan_out_cost(sweep, axes=None, *, title=None):
    """Per design, the caller's p99 wait (left) and availability (right) by subscribers."""
    if axes is None:
        fig, axes = new_axes(1, 2, size=(10.0, 3.8), constrained_layout=True)
    left, right = axes
    d = fan_out_numbers(sweep)
    k = d["subscribers"]
    for design, look in DESIGN_LOOKS.items():
        hollow = {"ms": 10, "mfc": "white", "mew": 1.8} if look["marker"] == "^" else {"ms": 6}
        left.plot(k, d[design]["p99"], lw=2, label=design, **hollow, **look)
        right.plot(k, 100 * d[design]["availability"], lw=2, label=design, **hollow, **look)
    theory = d["sync, one by one"]["theory"]
    theory_base = float(theory[0] ** (1 / k[0]))
    right.plot(
        k,
        100 * theory,
        color=NEUTRAL,
        lw=4,
        alpha=0.45,
        label=f"theory: ${theory_base:g}^n$",
        zorder=1,
    )
    left.set_xlabel("subscribers")
    left.set_ylabel("caller's wait, p99 (ms)")
    left.set_ylim(0, max(float(d["sync, one by one"]["p99"].max()), 10.0) * 1.15)
    left.set_title("The caller's wait", loc="left", fontsize=10)
    left.legend(fontsize=8.5, loc="upper left")
    right.set_xlabel("subscribers")
    right.set_ylabel("orders confirmed (%)")
    low = float(min(d[x]["availability"].min() for x in DESIGNS)) * 100
    percent_axis(right, low=math.floor(low - 1), high=100.5)
    right.set_title("The caller's availability", loc="left", fontsize=10)
    right.legend(fontsize=8.5, loc="lower left")
    for ax in axes:
        ax.set_xticks(k)
    one, last = d["sync, one by one"], len(k) - 1
    pub = d["pub/sub"]
    if title is None:
        title = (
            f"Each sync subscriber adds to the caller: p99 {one['p99'][0]:,.0f} → "
            f"{one['p99'][last]:,.0f} ms, {one['availability'][0]:.1%} → "
            f"{one['availability'][last]:.1%} confirmed; pub/sub stays at "
            f"{pub['p99'][last]:,.0f} ms"
        )
    fig = left.figure
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    set_alt(
        fig,
        f"{title}. Two line charts by number of subscribers ({k[0]} to {k[-1]}): the caller's "
        "p99 wait and the share of orders confirmed, for sync one by one, sync in parallel "
        "with timeouts, and async pub/sub, with the theory's product of availabilities.",
    )
    return axes


@styled
def subscriber_lag(result, ax=None, *, bin_ms: float = 5000.0, title=None):
    """Each subscriber's mean lag behind the orders (s), by when the order was placed."""
    ax = ax_or_new(ax, size=(8.0, 3.4), constrained_layout=True)
    slow = _window(result)
    if slow is not None:
        shade(ax, slow[1], f"{slow[0].capitalize()} slow")
    worst = {}
    for s in result.config.subscribers:
        color, marker = SUBSCRIBER_LOOKS[s]
        t, lag = lag_by_arrival(result, s, bin_ms)
        ax.plot(t, lag, color=color, marker=marker, ms=5, lw=1.8, label=s.capitalize())
        worst[s] = float(np.nanmax(lag)) if np.isfinite(lag).any() else math.nan
    log_ms_axis(ax, "y")
    ax.set_ylabel("lag behind the order (s, log scale)")
    time_axis(ax, float(result.arrival_ms[-1]), "time the order was placed (s)")
    ax.legend(fontsize=8.5, loc="center left", bbox_to_anchor=(1.0, 0.5))
    top = max(worst, key=lambda s: worst[s])
    others = max((v for s, v in worst.items() if s != top), default=math.nan)
    if title is None:
        title = (
            f"{result.design}: {top.capitalize()} fell {worst[top]:,.1f} s behind; the others "
            f"stayed within {others:,.2f} s"
        )
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{title}. Line chart, log scale, of each subscriber's mean lag behind the orders "
        f"in {bin_ms / 1000:g}-second bins, over the run, with the slow window shaded "
        f"({'async' if result.style == 'async' else 'sync'}).",
    )
    return ax


@styled
def caller_waits(results, ax=None, *, title=None):
    """The caller's wait for each order (ms, log scale) by when it was placed, per design."""
    ax = ax_or_new(ax, size=(9.0, 4.2), constrained_layout=True)
    results = dict(results)
    first = next(iter(results.values()))
    slow = _window(first)
    if slow is not None:
        shade(ax, slow[1], f"{slow[0].capitalize()} slow")
    p99 = {}
    for name, r in results.items():
        look = DESIGN_LOOKS.get(
            r.design, DESIGN_LOOKS["pub/sub" if r.style == "async" else "sync, one by one"]
        )
        ok = ~np.isnan(r.response_ms)
        ax.plot(
            r.arrival_ms[ok] / 1000,
            r.response_ms[ok],
            ls="",
            marker=look["marker"],
            ms=2.5,
            color=look["color"],
            alpha=0.6,
        )
        ax.plot([], [], label=f"{name}: {r.success_rate():.0%} confirmed", lw=1.5, ms=5, **look)
        p99[name] = r.p(99)
    log_ms_axis(ax, "y", fmt=",.0f")
    ax.set_ylabel("caller's wait (ms, log scale)")
    time_axis(ax, float(first.arrival_ms[-1]), "time the order was placed (s)")
    ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    if title is None:
        short = {
            "sync, one by one": "sync one by one",
            "sync, in parallel with timeouts": "sync in parallel",
        }
        title = "The caller's p99 wait: " + ", ".join(
            f"{short.get(n, n)} {v:,.0f} ms" for n, v in p99.items()
        )
    ax.set_title(title, loc="left", fontsize=10)
    set_alt(
        ax,
        f"{title}. Scatter chart, log scale, of the caller's wait for each order by when it was "
        "placed, one colour and marker per design (sync and async), the slow window shaded.",
    )
    return ax


@styled
def delivery_times(result, ax=None, *, first: int | None = None, n: int = 8, title=None):
    """When each subscriber was done with orders ``first`` … ``first + n − 1``, in ms after each.

    ``first`` defaults to the order 40 % into the run.
    """
    total = result.n_orders
    first = total * 2 // 5 if first is None else _check.index("first", first, total - 1)
    n = _check.integer("n", n, low=1, high=40)
    ax = ax_or_new(ax, size=(8.0, 3.4), constrained_layout=True)
    last = min(first + n, total)
    orders = np.arange(first, last)
    t0 = result.arrival_ms[orders]
    answered = result.response_ms[orders]
    ax.plot(answered, orders, "|", color=ASYNC, ms=14, mew=2.5, label="caller answered")
    spread = []
    for s in result.config.subscribers:
        color, marker = SUBSCRIBER_LOOKS[s]
        done = result.delivered_ms[s][orders] - t0
        ax.plot(
            done,
            orders,
            ls="",
            marker=marker,
            color=color,
            ms=8,
            mec=REFERENCE,
            mew=0.5,
            label=s.capitalize(),
        )
    for i, k in enumerate(orders):
        times = [result.delivered_ms[s][k] - t0[i] for s in result.config.subscribers]
        times = [x for x in times if not math.isnan(x)]
        if times:
            ax.plot([min(times), max(times)], [k, k], color=NEUTRAL, lw=1, zorder=0)
            spread.append(max(times) - min(times))
    ax.set_xscale("log")
    log_ms_axis(ax, "x")
    ax.set_xlabel("ms after the order was placed (log scale)")
    ax.set_ylabel("order (correlation id)")
    ax.set_yticks(orders)
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title is None:
        gap = percentile(np.asarray(spread), 50) if spread else math.nan
        title = (
            f"Each subscriber is done at its own time: a median {gap:,.0f} ms from first to last"
        )
    ax.set_title(title, loc="left", fontsize=10)
    set_alt(
        ax,
        f"{title}. Dot chart: for orders {first} to {last - 1}, when the caller was answered "
        "(async) and when each subscriber was done, in ms after the order was placed.",
    )
    return ax
