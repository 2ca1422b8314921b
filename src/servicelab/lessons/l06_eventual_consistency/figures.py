"""Lesson 06's figures: how stale a read can be after an async checkout, and overselling.

Each function draws on a given matplotlib ``ax`` (or makes a figure), attaches
its alt text and returns the ``ax``. *Sync* is vermillion and *async* blue, as
everywhere in the kit; theory is a grey dashed line. Titles state the
takeaway, with numbers from :mod:`.analysis`.

* :func:`lag_cdf` — the distribution of the stock's lag after "confirmed" (C6);
* :func:`stale_read_curve` — P(stale | a read t after "confirmed") against t, with theory (C6);
* :func:`stale_by_headroom` — P(stale) at one read time against the consumers' headroom;
* :func:`last_items_promises` — items promised to buyers over time against the stock.
"""

from __future__ import annotations

import math

import numpy as np

from ...scenarios.stale_reads import stock_lag_ms
from ...ui.alt import set_alt
from ...ui.axes import ax_or_new, cdf, reference_line, shade
from ...ui.panel import plural
from ...ui.style import ASYNC, NEUTRAL, style_line, styled
from .analysis import lag_numbers, promises, seconds

__all__ = ["lag_cdf", "stale_read_curve", "stale_by_headroom", "last_items_promises"]

#: the markers of a second and third async run in one figure (the first keeps async's square)
_MORE_MARKERS = ("^", "D", "v")


def _looks(results) -> list[dict]:
    """``style_line`` keywords per run; async runs after the first get markers of their own."""
    looks, seen = [], 0
    for r in results:
        look = style_line(r.style)
        if r.style == "async":
            if seen:
                look["marker"] = _MORE_MARKERS[(seen - 1) % len(_MORE_MARKERS)]
            seen += 1
        looks.append(look)
    return looks


def _steps(lag_s: np.ndarray, x_max: float) -> tuple[np.ndarray, np.ndarray]:
    """The CDF of ``lag_s`` as steps from 0 to ``x_max``: one point per distinct lag, so a
    run whose lags are all 0 (sync) is one flat line at 100 %, not a wall of markers at 0."""
    x, y = cdf(lag_s)
    if not x.size:
        return np.array([0.0, x_max]), np.zeros(2)
    last = np.r_[x[1:] != x[:-1], True]  # the last (highest) share at each distinct lag
    x, y = x[last], y[last]
    if x[0] > 0:
        x, y = np.r_[0.0, x], np.r_[0.0, y]
    tail = np.linspace(x[-1], x_max, 12)[1:]  # points along the last flat step, for markers
    return np.r_[x, tail], np.r_[y, np.full(tail.size, y[-1])]


def _sync_words(results) -> str:
    """The alt text's last words: what sync shows, if the figure draws it."""
    if any(r.style == "sync" for r in results):
        return "; sync: the stock is updated before “confirmed”, a lag of 0 s."
    return "."


def _async(results):
    return next((r for r in results if r.style == "async"), None)


@styled
def lag_cdf(updates, ax=None, *, title=None):
    """The share of confirmed orders whose stock was updated within t of "confirmed"."""
    ax = ax_or_new(ax, constrained_layout=True)
    runs = list(updates)
    top = max((lag_numbers(r)["p99_s"] for r in runs if r.style == "async"), default=1.0)
    x_max = max(top * 1.6, 0.5)
    for r, look in zip(runs, _looks(runs), strict=True):
        lag = np.minimum(stock_lag_ms(r) / 1000, x_max * 2)
        x, y = _steps(lag, x_max)
        label = "sync: updated before “confirmed”" if r.style == "sync" else "async: simulated"
        ax.step(x, y * 100, where="post", lw=2, label=label, **look)
    asyn = _async(runs)
    if asyn is not None:
        t = np.linspace(0, x_max, 200)
        d = lag_numbers(asyn, t)
        if np.isfinite(d["theory"]).all():
            ax.plot(
                t, (1 - d["theory"]) * 100, color=NEUTRAL, ls="--", lw=1.4, label="theory (M/M/c)"
            )
    ax.set_xlim(0, x_max)
    ax.set_ylim(0, 103)
    ax.set_xlabel("time from “confirmed” until the stock shows the order (s)")
    ax.set_ylabel("share of orders (%)")
    ax.legend(loc="lower right", fontsize=8.5)
    if title is None:
        if asyn is None:
            title = "In sync the stock is updated before “confirmed”: no lag"
        else:
            d = lag_numbers(asyn)
            title = (
                f"Async: the stock shows an order p50 {seconds(d['p50_s'])}, p99 "
                f"{seconds(d['p99_s'])} after “confirmed”"
            )
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{title}. Step chart (CDF) of the lag from “confirmed” to the stock update"
        + _sync_words(runs),
    )
    return ax


@styled
def stale_read_curve(updates, ax=None, *, read_after_s: float = 1.0, title=None):
    """P(a read t after "confirmed" sees the old stock) against t, simulated and in theory."""
    ax = ax_or_new(ax, constrained_layout=True)
    runs = list(updates)
    asyn = _async(runs)
    top = lag_numbers(asyn)["p99_s"] if asyn is not None else 1.0
    t = np.linspace(0, max(top * 1.5, read_after_s * 1.3, 0.5), 160)
    for r, look in zip(runs, _looks(runs), strict=True):
        d = lag_numbers(r, t)
        label = "sync: never stale" if r.style == "sync" else "async: simulated"
        ax.plot(t, d["stale"] * 100, lw=2, label=label, **look)
    if asyn is not None:
        d = lag_numbers(asyn, t)
        if np.isfinite(d["theory"]).all():
            ax.plot(t, d["theory"] * 100, color=NEUTRAL, ls="--", lw=1.4, label="theory (M/M/c)")
    ax.axvline(read_after_s, color=NEUTRAL, lw=1, ls=":")
    ax.set_xlim(0, t[-1])
    ax.set_ylim(-3, 103)
    ax.set_xlabel("read this long after “confirmed” (s)")
    ax.set_ylabel("P(the read is stale) (%)")
    ax.legend(loc="upper right", fontsize=8.5)
    if title is None:
        if asyn is None:
            title = "In sync a read after “confirmed” is never stale"
        else:
            at = lag_numbers(asyn, [read_after_s])
            title = (
                f"A read {read_after_s:g} s after “confirmed” is stale for "
                f"{at['stale'][0]:.0%} of async orders (theory {at['theory'][0]:.0%})"
            )
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{title}. Line chart of the probability of a stale read against the read time"
        + _sync_words(runs),
    )
    return ax


@styled
def stale_by_headroom(updates, ax=None, *, read_after_s: float = 1.0, title=None):
    """P(stale) at ``read_after_s`` against the consumers' headroom cμ − λ, and the theory."""
    ax = ax_or_new(ax, constrained_layout=True)
    runs = [r for r in updates if r.style == "async"]
    rows = [lag_numbers(r, [read_after_s]) for r in runs]
    h = np.array([d["headroom"] for d in rows])
    sim = np.array([d["stale"][0] for d in rows])
    theory = np.array([d["theory"][0] for d in rows])
    grid = np.linspace(max(min(h.min(), 0.0), 0.05), h.max() * 1.1, 100)
    ax.plot(
        grid,
        [100 * math.exp(-g * read_after_s) for g in grid],
        color=NEUTRAL,
        ls="--",
        lw=1.4,
        label="theory, one consumer: e^(−(μ − λ) t)",
    )
    ax.plot(h, theory * 100, "x", color=NEUTRAL, ms=8, label="theory, each run (M/M/c)")
    look = style_line("async", linestyle=False, markers=False)
    ax.plot(h, sim * 100, "s", ms=7, label="async: simulated", **look)
    ax.set_xlabel("headroom: updates Inventory can apply beyond those arriving (per s)")
    ax.set_ylabel(f"P(stale at {read_after_s:g} s) (%)")
    ax.set_xlim(0, h.max() * 1.15)
    ax.set_ylim(-3, 103)
    ax.legend(loc="upper right", fontsize=8.5)
    if title is None:
        lo, hi = int(np.argmin(h)), int(np.argmax(h))
        title = (
            f"More headroom, fresher stock: P(stale at {read_after_s:g} s) falls from "
            f"{sim[lo]:.0%} to {sim[hi]:.0%}"
        )
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{title}. Scatter chart: "
        + ", ".join(f"headroom {x:.1f}/s: {y:.0%}" for x, y in zip(h, sim, strict=True))
        + ".",
    )
    return ax


@styled
def last_items_promises(sales, ax=None, *, title=None):
    """Items promised to buyers over time, against the items in stock: overselling."""
    ax = ax_or_new(ax, constrained_layout=True)
    runs = list(sales)
    settled = [
        np.nanmax(np.concatenate([r.applied_ms, r.arrival_ms + r.response_ms])) for r in runs
    ]
    end_s = min(max(r.config.duration_ms for r in runs), max(settled) * 1.15 + 500) / 1000
    t = np.linspace(0, end_s, 400)
    items = runs[0].config.items
    top = items
    for r, look in zip(runs, _looks(runs), strict=True):
        promised, pending = promises(r, t)
        top = max(top, int(promised.max()))
        ax.plot(
            t, promised, lw=2, drawstyle="steps-post", label=f"{r.label}: items promised", **look
        )
        if pending.any():
            ax.plot(
                t, pending, color=ASYNC, lw=1.2, ls=":", label=f"{r.label}: buyers seeing “pending”"
            )
    reference_line(ax, items, f"{plural(items, 'item')} in stock", "-", left=True)
    c = runs[0].config
    if c.down_ms:
        shade(ax, (c.down_start_ms, c.down_start_ms + c.down_ms), "Inventory down")
    ax.set_xlim(0, end_s)
    ax.set_ylim(0, top * 1.25 + 1)
    ax.set_xlabel("time since the sale opened (s)")
    ax.set_ylabel("items (or buyers)")
    ax.legend(loc="best", fontsize=8)
    if title is None:
        worst = max(runs, key=lambda r: (r.oversold, -r.apologies))
        n = worst.oversold
        if not n:
            title = f"No design promised more than the {items:,} items in stock"
        elif worst.apologies:
            title = f"Async promised {n:,} items too many; refunds took them back, with apologies"
        else:
            title = f"Checked against a stale view, async promised {n:,} items too many"
    ax.set_title(title, loc="left")
    set_alt(
        ax,
        f"{title}. Line chart of the items promised over time: "
        + "; ".join(f"{r.label}: {r.sold:,} sold, {r.oversold:,} oversold" for r in runs)
        + ".",
    )
    return ax
