"""Panels of lesson 03, cascading failures: each function returns a live panel.

* :func:`availability` — availabilities multiply along a sync chain; async
  users depend on Payment alone;
* :func:`outage` — Inventory goes down: sync checkouts fail, async ones are
  accepted, backlogged and drained, none lost;
* :func:`pool_exhaustion` — a slow Inventory fills the Order service's worker
  pool, so even requests that never call Inventory fail (sync), or not (async);
* :func:`retry_storm` — naive retries multiply the load and keep the service
  down after the slowdown; backoff, jitter and a budget, or a queue, do not.

All four build on :class:`~servicelab.panels.base.Panel`. To redraw within
the kit's 100 ms on a small machine, everything that moves with the controls
is a *live* artist drawn over the base class's cached background, including
the y tick labels of axes whose range follows the data (see :class:`_YScale`):
no control ever makes the background be drawn again.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..faults import Faults
from ..plots.failures import CHAIN, REFERENCE, chain_success, ci95
from ..scenarios.checkout import run_both
from ..scenarios.pool_exhaustion import run_pool_both
from ..scenarios.retry_storm import POLICIES, StormConfig, run_retry_storm
from ..ui.style import OUTAGE, STYLE_COLORS, kit_style
from .base import Impossible, Panel, dropdown, int_slider, slider

__all__ = [
    "availability",
    "outage",
    "pool_exhaustion",
    "retry_storm",
    "outage_numbers",
    "outage_report",
    "SEED",
]

#: every panel of the lesson runs with this seed, so a learner sees what the notebook says
SEED = 7
SYNC, ASYNC = STYLE_COLORS["sync"], STYLE_COLORS["async"]


class _LessonPanel(Panel):
    """The lesson's panels: a headline, one legend row, two time axes side by side.

    Everything that moves with the controls is a *live* artist of the base
    class (drawn over a cached background). Axes whose y range follows the
    data use a :class:`_YScale`, whose tick labels and grid lines are live
    too, so no control ever forces the background to be drawn again.
    """

    figsize = (9.6, 3.8)

    # -- small helpers for subclasses ---------------------------------------------------
    def _frame(self, figure, legend_handles, ncols: int = 2):
        """The headline, one legend row under it and ``ncols`` axes side by side."""
        with kit_style():
            self.headline_text = self.headline(0.975)
            figure.legend(
                handles=legend_handles,
                loc="center",
                bbox_to_anchor=(0.5, 0.855),
                ncol=len(legend_handles),
                fontsize=9,
                handlelength=2.2,
                columnspacing=1.6,
            )
            if ncols == 2:
                boxes = ((0.085, 0.14, 0.39, 0.6), (0.585, 0.14, 0.39, 0.6))
            else:
                boxes = ((0.085, 0.14, 0.89, 0.6),)
            axes = [figure.add_axes(box) for box in boxes]
            for ax in axes:  # clear of tick labels that are drawn later (see _YScale)
                ax.yaxis.set_label_coords(-0.05 / boxes[0][2], 0.5)
            return axes

    def _span(self, ax):
        """A shaded time window (s) that moves with the controls (a live artist)."""
        return self.live(ax.axvspan(0, 0, color=OUTAGE, alpha=0.5, linewidth=0))

    @staticmethod
    def _set_span(span, start_s: float, end_s: float) -> None:
        span.set_x(start_s)
        span.set_width(max(end_s - start_s, 0.0))
        span.set_visible(end_s > start_s)


class _YScale:
    """A y axis whose range changes without re-rendering the panel's background.

    The axes keep a fixed range of 0 to 1; data are scaled into it with
    :meth:`__call__`, and the tick labels and grid lines are live artists.
    Create it right after the axes, so its grid is drawn under everything else.
    """

    def __init__(self, panel: _LessonPanel, ax, fmt=lambda v: f"{v:g}", integer: bool = False):
        self.ax, self.fmt = ax, fmt
        self.locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=integer)
        self.low, self.high = 0.0, 1.0
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        transform = ax.get_yaxis_transform()  # x in axes fraction, y in data
        with kit_style():
            self.grid = panel.live(
                ax.plot([], [], color="#E5E5E5", linewidth=0.8, transform=transform, zorder=0.5)[0]
            )
            self.labels = [
                panel.live(ax.text(-0.015, 0, "", transform=transform, ha="right", va="center"))
                for _ in range(9)
            ]

    def set_range(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        ticks = [t for t in self.locator.tick_values(low, high) if low - 1e-9 <= t <= high]
        ys = [(t - low) / (high - low) for t in ticks]
        self.grid.set_data(
            np.tile([0.0, 1.0, np.nan], len(ys)), np.repeat(ys, 3) if ys else np.empty(0)
        )
        for k, label in enumerate(self.labels):
            if k < len(ticks):
                label.set_y(ys[k])
                label.set_text(self.fmt(ticks[k]))
                label.set_visible(True)
            else:
                label.set_visible(False)

    def __call__(self, values):
        """``values`` in the axes' 0–1 range."""
        return (np.asarray(values, dtype=float) - self.low) / (self.high - self.low)


def _nice_top(value: float, steps=(1, 1.5, 2, 3, 4, 5, 6, 8, 10)) -> float:
    """The smallest 'nice' number ≥ ``value`` (1, 1.5, 2, 3, 4, 5, 6, 8 × a power of ten)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for s in steps:
        if s * power >= value - 1e-9:
            return s * power
    return 10 * power


def _pct(x: float) -> str:
    return "–" if x is None or math.isnan(x) else f"{x:.0%}"


def _percent(v: float) -> str:
    return f"{v:.0f}%"


# ==================================================================================
# availability: the product line
# ==================================================================================

_LINK_LABELS = ["Payment", "+ Inventory", "+ Email", "+ Analytics"]


class AvailabilityPanel(_LessonPanel):
    title = "Availability multiplies along a sync chain"
    figsize = (8.6, 3.8)

    def make_controls(self):
        return {
            "availability": slider("Service availability (%)", 95.0, 90.0, 99.9, 0.1, ".1f"),
            "services": int_slider("Services the checkout calls", 4, 1, 4),
            "orders": int_slider("Orders simulated", 300, 100, 2000, 100),
        }

    def layout(self, figure):
        handles = [
            Line2D([], [], color=SYNC, linestyle="--", label="theory, sync: aⁿ"),
            Line2D([], [], color=ASYNC, linestyle="--", label="theory, async: a"),
            Line2D([], [], color=SYNC, marker="o", label="simulated sync"),
            Line2D([], [], color=ASYNC, marker="s", label="simulated async"),
        ]
        (ax,) = self._frame(figure, handles, ncols=1)
        with kit_style():
            self.y = _YScale(self, ax, fmt=_percent)
            ax.set_xticks(range(1, 5), _LINK_LABELS)
            ax.set_xlim(0.6, 4.75)
            ax.set_xlabel(
                "services the checkout calls, in order  "
                "(a: each one's availability; bars: the simulation's 95% interval)"
            )
            ax.set_ylabel("orders confirmed")
            ax.set_title("Orders confirmed: simulation and theory", loc="left", fontsize=10)
            ax.grid(axis="x", visible=False)
            self.theory_sync = self.live(ax.plot([], [], color=SYNC, ls="--", lw=1.3)[0])
            self.theory_async = self.live(ax.plot([], [], color=ASYNC, ls="--", lw=1.3)[0])
            self.bars_sync = self.live(ax.plot([], [], color=SYNC, lw=1.5)[0])
            self.points_sync = self.live(
                ax.plot([], [], "o", color=SYNC, markersize=8, linestyle="none")[0]
            )
            self.bars_async = self.live(ax.plot([], [], color=ASYNC, lw=1.5)[0])
            self.point_async = self.live(
                ax.plot([], [], "s", color=ASYNC, markersize=8, linestyle="none")[0]
            )
            self.labels_sync = [
                self.live(ax.text(0, 0, "", color=SYNC, fontsize=9.5, va="bottom"))
                for _ in range(4)
            ]
            self.label_async = self.live(ax.text(0, 0, "", color=ASYNC, fontsize=9.5, va="bottom"))
        self.ax = ax
        return [ax]

    def compute(self, availability, services, orders):
        a = availability / 100
        links = CHAIN[:services]
        faults = {s: Faults.flaky(1 - a) for s in links}
        sync, asyn = run_both(
            seed=SEED,
            n_orders=orders,
            arrival_rate=20.0,
            decline_rate=0.0,
            downstream=links[1:],
            faults=faults,
            drain_ms=5_000.0,
            sample_every_ms=1_000.0,
            redelivery_ms=100.0,
            max_attempts=20,
        )
        rates = chain_success(sync)
        k = np.arange(1, services + 1)
        return {
            "a": a,
            "services": services,
            "orders": int(np.count_nonzero(sync.outcome != "declined")),
            "sync": float(rates[-1]),
            "sync_prefix": rates,
            "theory_sync": a**k,
            "async": asyn.success_rate,
            "theory_async": a,
            "tasks": sum(acc.total for acc in asyn.queues.values()),
            "tasks_done": sum(acc.parts["acknowledged"] for acc in asyn.queues.values()),
            "tasks_retried": sum(asyn.calls[s]["failed"] for s in links[1:]),
            "sync_result": sync,
            "async_result": asyn,
        }

    def draw(self, d):
        a, n, orders = d["a"], d["services"], d["orders"]
        rates, ra = d["sync_prefix"], d["async"]
        half = 100 * ci95(rates, orders)
        half_a = 100 * ci95(np.array([ra]), orders)
        lowest = min(100 * a**4, float((100 * rates - half).min()), 100 * ra - half_a[0])
        y = self.y
        y.set_range(5 * math.floor((lowest - 2.5) / 5), 101.0)
        ks = np.arange(1, 5)
        self.theory_sync.set_data(ks, y(100 * a**ks))
        self.theory_async.set_data([0.6, 4.75], y([100 * a, 100 * a]))
        k = np.arange(1, n + 1)
        self.points_sync.set_data(k, y(100 * rates))
        self.bars_sync.set_data(*_error_bars(k, y(100 * rates), y(half) - y(0)))
        xa = n + 0.14
        self.point_async.set_data([xa], y([100 * ra]))
        self.bars_async.set_data(*_error_bars(np.array([xa]), y([100 * ra]), y(half_a) - y(0)))
        for i, label in enumerate(self.labels_sync):
            label.set_visible(i < n)
            if i < n:
                label.set_position((k[i] - 0.07, float(y(100 * rates[i])) + 0.02))
                label.set_horizontalalignment("right")
                label.set_text(f"{rates[i]:.1%}")
        self.label_async.set_position((xa + 0.07, float(y(100 * ra)) + 0.02))
        self.label_async.set_text(f"{ra:.1%}")
        self.headline_text.set_text(
            f"{n} service{'s' if n > 1 else ''} at {a:.1%}: sync confirms {d['sync']:.1%} of "
            f"orders, async {ra:.1%}"
        )

    def describe(self, d):
        n = d["services"]
        chain = " × ".join([f"{d['a']:.3g}"] * n)
        text = (
            f"With {n} service{'s' if n > 1 else ''} at {d['a']:.1%} availability each, the sync "
            f"checkout confirmed {d['sync']:.1%} of {d['orders']:,} orders "
            f"(theory {chain} = {d['theory_sync'][-1]:.1%}); the async checkout confirmed "
            f"{d['async']:.1%} (theory {d['theory_async']:.1%}: Payment alone)."
        )
        if d["tasks"]:
            text += (
                f" Async's {d['tasks_retried']:,} failed downstream tasks were redelivered: "
                f"{d['tasks_done']:,} of {d['tasks']:,} done, none lost."
            )
        return text


def _error_bars(x, y, half):
    """Vertical bars from y − half to y + half at each x, as one polyline broken by nan."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    half = np.broadcast_to(np.asarray(half, dtype=float), y.shape)
    xs = np.column_stack([x, x, np.full(x.size, np.nan)]).ravel()
    ys = np.column_stack([y - half, y + half, np.full(y.size, np.nan)]).ravel()
    return xs, ys


# ==================================================================================
# outage: Inventory goes down
# ==================================================================================

RUN_S = 60  # orders arrive for this long
SHOW_S = 80  # the backlog axes show this much (the async backlog drains after the run)


class OutagePanel(_LessonPanel):
    title = "Inventory goes down: sync checkouts fail, async ones wait in a queue"

    def make_controls(self):
        return {
            "start_s": slider("Outage starts at (s)", 20, 0, 60, 5),
            "length_s": slider("Outage lasts (s)", 20, 0, 60, 5),
            "rate": slider("Orders per second", 5, 1, 20, 1),
        }

    def layout(self, figure):
        handles = [
            Patch(color=OUTAGE, alpha=0.5, label="Inventory down"),
            Line2D([], [], color=SYNC, linewidth=2.2, label="sync"),
            Line2D([], [], color=ASYNC, linewidth=2.2, label="async"),
        ]
        left, right = self._frame(figure, handles)
        with kit_style():
            self.y = _YScale(self, right, integer=True)
            self.span_left = self._span(left)
            self.span_right = self._span(right)
            self.line_sync = self.live(
                left.plot([], [], color=SYNC, linewidth=2.2, drawstyle="steps-mid")[0]
            )
            self.line_async = self.live(
                left.plot([], [], color=ASYNC, linewidth=2.2, drawstyle="steps-mid")[0]
            )
            left.set_xlim(0, RUN_S)
            left.set_ylim(-3, 103)
            left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
            left.set_xlabel("time the order arrived (s)")
            left.set_ylabel("orders confirmed")
            left.set_title("Orders confirmed (2 s bins)", loc="left", fontsize=10)
            self.backlog_fill = self.live(
                right.add_patch(Polygon(np.zeros((2, 2)), closed=True, color=ASYNC, alpha=0.25))
            )
            self.backlog_line = self.live(right.plot([], [], color=ASYNC, linewidth=2)[0])
            self.drain_mark = self.live(
                right.annotate(
                    "",
                    (0, 0),
                    xytext=(0.98, 0.97),
                    textcoords="axes fraction",
                    ha="right",
                    va="top",
                    fontsize=9,
                    color=ASYNC,
                    arrowprops={"arrowstyle": "->", "color": ASYNC},
                )
            )
            right.set_xlim(0, SHOW_S)
            right.set_xlabel("time (s)")
            right.set_ylabel("messages waiting")
            right.set_title("Async: Inventory's queue (backlog)", loc="left", fontsize=10)
        self.left, self.right = left, right
        return [left, right]

    def compute(self, start_s, length_s, rate):
        end_s = start_s + length_s
        if end_s > RUN_S:
            raise Impossible(
                f"An outage from {start_s:g} s lasting {length_s:g} s would end at {end_s:g} s, "
                f"after the {RUN_S} s the simulation runs: start it earlier or make it shorter."
            )
        if rate <= 0:
            raise Impossible("With no orders arriving there is nothing to fail: pick a rate > 0.")
        start, end = 1000.0 * start_s, 1000.0 * end_s
        faults = {"inventory": Faults.outage(start, end - start)} if length_s > 0 else {}
        sync, asyn = run_both(
            seed=SEED,
            n_orders=max(1, round(rate * RUN_S)),
            arrival_rate=rate,
            faults=faults,
            drain_ms=20_000.0,
            sample_every_ms=500.0,
        )

        d = outage_numbers(sync, asyn, (start, end))
        d.update(start_s=start_s, end_s=end_s, rate=rate, sync_result=sync, async_result=asyn)
        return d

    def draw(self, d):
        y = self.y
        y.set_range(0, _nice_top(max(d["backlog_peak"], 4) * 1.25))
        outage = d["end_s"] > d["start_s"]
        for span in (self.span_left, self.span_right):
            self._set_span(span, d["start_s"], d["end_s"])
        for line, r in ((self.line_sync, d["sync_result"]), (self.line_async, d["async_result"])):
            t, rate = _success_by_arrival(r, 2000.0, RUN_S * 1000.0)
            line.set_data(t / 1000, 100 * rate)
        s = d["async_result"].series["backlog inventory"]
        keep = s.t_ms <= SHOW_S * 1000
        t, v = s.t_ms[keep] / 1000, y(s.values[keep])
        tt, vv = np.repeat(t, 2)[1:], np.repeat(v, 2)[:-1]
        self.backlog_line.set_data(tt, vv)
        self.backlog_fill.set_xy(np.column_stack([np.r_[tt[0], tt, tt[-1]], np.r_[0, vv, 0]]))
        self.drain_mark.set_visible(outage and d["backlog_peak"] > 0)
        if outage:
            x = d["end_s"] + d["drain_s"]
            self.drain_mark.xy = (x, 0)
            self.drain_mark.set_text(f"empty {d['drain_s']:.1f} s after\nInventory is back")
            self.headline_text.set_text(
                f"Inventory down {d['end_s'] - d['start_s']:g} s: sync confirms "
                f"{_pct(d['sync_window'])} of the orders placed then, async "
                f"{_pct(d['async_window'])}; {d['lost']} lost"
            )
        else:
            self.headline_text.set_text("No outage: both styles confirm every order")

    def describe(self, d):
        if d["end_s"] <= d["start_s"]:
            return (
                f"No outage: sync confirmed {d['sync_all']:.1%} and async {d['async_all']:.1%} "
                "of the orders not declined. Give the outage a length to break Inventory."
            )
        return _outage_sentence(d)


def outage_numbers(sync, asyn, window_ms) -> dict:
    """The key numbers of an Inventory outage ``window_ms = (start, end)`` in a checkout pair.

    Orders *placed during the outage* (not declined) confirmed in each style,
    the async Inventory backlog's peak, how long after Inventory came back the
    last of those orders' stock updates was done, and how many confirmed
    orders have no stock update (lost).
    """
    start, end = window_ms

    def asked(r):
        return (r.arrival_ms >= start) & (r.arrival_ms < end) & (r.outcome != "declined")

    def confirmed(r):
        m = asked(r)
        n = np.count_nonzero(m)
        return np.count_nonzero(r.outcome[m] == "completed") / n if n else math.nan

    done = asyn.task_done_ms["inventory"][asked(asyn)]
    done = done[~np.isnan(done)]
    acc = asyn.queues["inventory"]
    completed = asyn.count("completed")
    return {
        "start_s": start / 1000,
        "end_s": end / 1000,
        "n_window": int(np.count_nonzero(asked(sync))),
        "sync_window": confirmed(sync),
        "async_window": confirmed(asyn),
        "sync_all": sync.success_rate,
        "async_all": asyn.success_rate,
        "backlog_peak": int(asyn.series["backlog inventory"].values.max()),
        "drain_s": max(0.0, (float(done.max()) - end) / 1000) if done.size else 0.0,
        "completed": completed,
        "updates_done": acc.parts["acknowledged"],
        "lost": completed - acc.parts["acknowledged"],
        "accounting": acc,
    }


def _outage_sentence(d) -> str:
    return (
        f"Inventory down from {d['start_s']:g} s to {d['end_s']:g} s: of the "
        f"{d['n_window']:,} orders placed then, sync confirmed {_pct(d['sync_window'])} and "
        f"async {_pct(d['async_window'])}. Async's Inventory backlog peaked at "
        f"{d['backlog_peak']:,} messages and was empty {d['drain_s']:.1f} s after "
        f"Inventory came back. Orders lost: {d['lost']:,} ({d['completed']:,} confirmed, "
        f"{d['updates_done']:,} stock updates done)."
    )


def outage_report(sync, asyn, window_ms) -> str:
    """One sentence with the key numbers of an Inventory outage (see :func:`outage_numbers`)."""
    return _outage_sentence(outage_numbers(sync, asyn, window_ms))


def _success_by_arrival(result, bin_ms: float, until_ms: float):
    """``(bin centres, share confirmed)`` of a checkout's orders not declined, by arrival."""
    asked = result.outcome != "declined"
    t = result.arrival_ms[asked]
    ok = (result.outcome[asked] == "completed").astype(float)
    n_bins = int(math.ceil(until_ms / bin_ms))
    idx = np.minimum((t // bin_ms).astype(int), n_bins - 1)
    n = np.bincount(idx, minlength=n_bins)
    good = np.bincount(idx, weights=ok, minlength=n_bins)
    rate = np.full(n_bins, np.nan)
    np.divide(good, n, out=rate, where=n > 0)
    return (np.arange(n_bins) + 0.5) * bin_ms, rate


# ==================================================================================
# pool exhaustion: a slow dependency fills the caller's worker pool
# ==================================================================================

_TIMEOUTS = [
    ("none (wait forever)", 0.0),  # ipywidgets shows no selection for a value of None
    ("100 ms", 100.0),
    ("200 ms", 200.0),
    ("300 ms", 300.0),
    ("500 ms", 500.0),
    ("1000 ms", 1000.0),
    ("2000 ms", 2000.0),
]
POOL_RUN_S = 30
POOL_SLOW_START_S = 10
_DASHED = (0, (4, 2))


class PoolPanel(_LessonPanel):
    title = "A slow Inventory exhausts the Order service's workers"

    def make_controls(self):
        return {
            "slowdown": slider("Inventory slower by (×)", 20, 1, 50, 1),
            "slow_s": slider("Slowdown lasts (s)", 10, 0, 20, 1),
            "workers": int_slider("Order workers", 5, 0, 20),
            "timeout": dropdown("Sync call timeout", _TIMEOUTS, 0.0),
        }

    def layout(self, figure):
        handles = [
            Patch(color=OUTAGE, alpha=0.5, label="Inventory slow"),
            Line2D([], [], color=SYNC, linewidth=2.2, label="sync"),
            Line2D([], [], color=ASYNC, linewidth=2.2, label="async"),
            Line2D([], [], color="#777777", linewidth=2.2, label="simple requests"),
            Line2D([], [], color="#777777", linewidth=1.5, ls=_DASHED, label="checkouts"),
        ]
        left, right = self._frame(figure, handles)
        with kit_style():
            self.y = _YScale(self, right, integer=True)
            self.span_left = self._span(left)
            self.span_right = self._span(right)
            self.pool_line = self.live(
                right.plot([0, POOL_RUN_S], [0, 0], color=REFERENCE, ls=":", lw=1.5)[0]
            )
            self.pool_label = self.live(
                right.text(
                    0.99, 0, "", transform=right.get_yaxis_transform(), ha="right", va="bottom"
                )
            )
            self.pool_label.set_color(REFERENCE)
            self.pool_label.set_fontsize(9)
            self.lines = {}
            for style, color in (("sync", SYNC), ("async", ASYNC)):
                for kind, ls, lw in (("simple", "-", 2.2), ("checkout", _DASHED, 1.5)):
                    self.lines[style, kind] = self.live(
                        left.plot(
                            [], [], color=color, linestyle=ls, linewidth=lw, drawstyle="steps-mid"
                        )[0]
                    )
                self.lines[style, "busy"] = self.live(
                    right.plot([], [], color=color, linewidth=1.6, drawstyle="steps-post")[0]
                )
            left.set_xlim(0, POOL_RUN_S)
            left.set_ylim(-3, 103)
            left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
            left.set_xlabel("time the request arrived (s)")
            left.set_ylabel("requests answered")
            left.set_title("Requests answered, by kind (1 s bins)", loc="left", fontsize=10)
            right.set_xlim(0, POOL_RUN_S)
            right.set_xlabel("time (s)")
            right.set_ylabel("busy Order workers")
            right.set_title("The Order service's workers in use", loc="left", fontsize=10)
        self.left, self.right = left, right
        return [left, right]

    def compute(self, slowdown, slow_s, workers, timeout):
        timeout = timeout or None  # 0: no timeout, wait forever
        if workers < 1:
            raise Impossible(
                "With 0 workers the Order service cannot answer anything, in either style: "
                "give it at least 1 worker."
            )
        sync, asyn = run_pool_both(
            seed=SEED,
            workers=workers,
            slowdown=slowdown,
            slow_start_ms=POOL_SLOW_START_S * 1000.0,
            slow_ms=slow_s * 1000.0,
            timeout_ms=timeout,
            duration_ms=POOL_RUN_S * 1000.0,
        )
        c = sync.config
        call_ms = c.inventory_latency.mean_ms * slowdown
        if timeout is not None:
            call_ms = min(call_ms, timeout)
        return {
            "slowdown": slowdown,
            "slow_s": slow_s,
            "workers": workers,
            "timeout": timeout,
            "needed": c.checkout_rate * (c.order_latency.mean_ms + call_ms) / 1000,
            "sync_simple": sync.in_window("simple"),
            "sync_checkout": sync.in_window("checkout"),
            "async_simple": asyn.in_window("simple"),
            "async_checkout": asyn.in_window("checkout"),
            "saturated": sync.saturated_share(),
            "sync_peak": sync.peak_busy(),
            "async_peak": asyn.peak_busy(),
            "sync_result": sync,
            "async_result": asyn,
        }

    def draw(self, d):
        workers = d["workers"]
        y = self.y
        y.set_range(0, max(workers * 1.3, workers + 1.5))
        self.pool_line.set_ydata(y([workers, workers]))
        self.pool_label.set_y(float(y(workers)))
        self.pool_label.set_text(f"pool: {workers} worker{'s' if workers > 1 else ''}")
        slow = d["slow_s"] > 0 and d["slowdown"] != 1
        start = POOL_SLOW_START_S
        for span in (self.span_left, self.span_right):
            self._set_span(span, start, start + d["slow_s"] if slow else start)
        for style in ("sync", "async"):
            r = d[f"{style}_result"]
            for kind in ("simple", "checkout"):
                t, rate, _ = r.success_over_time(kind, 1000.0)
                self.lines[style, kind].set_data(t / 1000, 100 * rate)
            s = r.series["busy order"]
            self.lines[style, "busy"].set_data(s.t_ms / 1000, y(s.values))
        if not slow:
            head = "Inventory healthy: every request is answered, in both styles"
        elif d["sync_simple"] < 0.99:
            head = (
                f"Sync fails {1 - d['sync_simple']:.0%} of the requests that never call "
                f"Inventory; async {1 - d['async_simple']:.0%}"
            )
        elif d["sync_checkout"] < 0.99:
            head = (
                f"Sync serves the simple requests but fails {1 - d['sync_checkout']:.0%} of "
                f"checkouts; async {1 - d['async_checkout']:.0%}"
            )
        else:
            head = "Inventory is slow, but the pool copes: every request answered in both styles"
        self.headline_text.set_text(head)

    def describe(self, d):
        if d["slow_s"] == 0 or d["slowdown"] == 1:
            return (
                "Inventory is healthy: both styles answer every request. Make it slower to see "
                "the pool fill up."
            )
        timeout = (
            "no timeout" if d["timeout"] is None else f"a {d['timeout']:g} ms timeout on the call"
        )
        return (
            f"Inventory {d['slowdown']:g}× slower for {d['slow_s']:g} s, sync with {timeout}: "
            f"checkouts then need about {d['needed']:.1f} of the {d['workers']} Order "
            f"worker{'s' if d['workers'] != 1 else ''} "
            f"(rate × hold time), and all were busy {_pct(d['saturated'])} of that time. "
            f"Sync answered {_pct(d['sync_simple'])} of simple requests and "
            f"{_pct(d['sync_checkout'])} of checkouts; async answered "
            f"{_pct(d['async_simple'])} and {_pct(d['async_checkout'])}, with at most "
            f"{d['async_peak']} worker{'s' if d['async_peak'] != 1 else ''} busy."
        )


# ==================================================================================
# retry storm
# ==================================================================================

_POLICY_OPTIONS = [(p.label, key) for key, p in POLICIES.items()]
STORM_RUN_S = 30
STORM_SLOW_START_S = 5


class StormPanel(_LessonPanel):
    title = "Retry storms: when retries multiply the load"

    def make_controls(self):
        return {
            "policy": dropdown("Sync clients retry", _POLICY_OPTIONS, "naive"),
            "slowdown": slider("Service slower by (×)", 3, 1, 6, 0.5, ".1f"),
            "slow_s": slider("Slowdown lasts (s)", 5, 0, 15, 1),
            "rate": slider("Requests per second", 12, 2, 30, 1),
        }

    def layout(self, figure):
        self.capacity = StormConfig().capacity
        handles = [
            Patch(color=OUTAGE, alpha=0.5, label="service slow"),
            Line2D([], [], color=SYNC, linewidth=2.2, label="sync (the policy chosen)"),
            Line2D([], [], color=ASYNC, linewidth=2.2, label="async queue"),
            Line2D([], [], color=REFERENCE, ls=":", label="arrivals"),
            Line2D([], [], color=REFERENCE, ls="--", label="capacity"),
        ]
        left, right = self._frame(figure, handles)
        with kit_style():
            self.y = _YScale(self, right, integer=True)
            self.span_left = self._span(left)
            self.span_right = self._span(right)
            self.arrivals = self.live(left.plot([], [], color=REFERENCE, ls=":", lw=1.3)[0])
            self.capacity_line = self.live(
                right.plot([0, STORM_RUN_S], [0, 0], color=REFERENCE, ls="--", lw=1.2)[0]
            )
            self.lines = {}
            for style, color in (("sync", SYNC), ("async", ASYNC)):
                for what, ax in (("goodput", left), ("load", right)):
                    self.lines[style, what] = self.live(
                        ax.plot([], [], color=color, linewidth=2.2, drawstyle="steps-mid")[0]
                    )
            left.set_xlim(0, STORM_RUN_S)
            left.set_ylim(0, 1.5 * self.capacity)
            left.set_xlabel("time (s)")
            left.set_ylabel("goodput (requests ok/s)")
            left.set_title("Goodput: requests that succeed", loc="left", fontsize=10)
            right.set_xlim(0, STORM_RUN_S)
            right.set_xlabel("time (s)")
            right.set_ylabel("load (attempts/s)")
            right.set_title("Load reaching the service (retries included)", loc="left", fontsize=10)
        self.left, self.right = left, right
        return [left, right]

    def compute(self, policy, slowdown, slow_s, rate):
        if rate >= self.capacity:
            raise Impossible(
                f"At {rate:g} requests/s the service (capacity {self.capacity:.0f}/s: 2 workers "
                "at 100 ms each) is overloaded even when healthy, so there is no healthy steady "
                f"state for a storm to leave. Pick fewer than {self.capacity:.0f} requests per "
                "second."
            )
        options = dict(
            arrival_rate=rate,
            slowdown=slowdown,
            slow_start_ms=STORM_SLOW_START_S * 1000.0,
            slow_ms=slow_s * 1000.0,
            duration_ms=STORM_RUN_S * 1000.0,
        )
        sync = run_retry_storm("sync", seed=SEED, policy=policy, **options)
        asyn = run_retry_storm("async", seed=SEED, **options)
        good, amp_after = sync.after_recovery()
        start, end = asyn.config.window
        in_window = (asyn.arrival_ms >= start) & (asyn.arrival_ms < end)
        done = asyn.done_ms[in_window]
        done = done[~np.isnan(done)]
        return {
            "policy": POLICIES[policy].label,
            "rate": rate,
            "slowdown": slowdown,
            "slow_s": slow_s,
            "amplification": sync.amplification,
            "sync_ok": sync.success_rate,
            "sync_p99": sync.p99(),
            "goodput_after": good,
            "amplification_after": amp_after,
            "async_ok": asyn.success_rate,
            "async_amplification": asyn.amplification,
            "async_drain_s": max(0.0, (float(done.max()) - end) / 1000) if done.size else 0.0,
            "wasted": sync.work.parts["served after its client gave up"],
            "sync_result": sync,
            "async_result": asyn,
        }

    def draw(self, d):
        sync, asyn = d["sync_result"], d["async_result"]
        peak = max(float(sync.offered_load().max()), float(asyn.offered_load().max()))
        y = self.y
        y.set_range(0, _nice_top(max(peak, self.capacity) * 1.12))
        self.capacity_line.set_ydata(y([self.capacity, self.capacity]))
        slow = d["slow_s"] > 0 and d["slowdown"] != 1
        start = STORM_SLOW_START_S
        for span in (self.span_left, self.span_right):
            self._set_span(span, start, start + d["slow_s"] if slow else start)
        self.arrivals.set_data([0, STORM_RUN_S], [d["rate"], d["rate"]])
        for style, r in (("sync", sync), ("async", asyn)):
            t = r.times() / 1000
            self.lines[style, "goodput"].set_data(t, r.goodput())
            self.lines[style, "load"].set_data(t, y(r.offered_load()))
        after = d["goodput_after"]
        head = f"Sync, {d['policy']}: {d['amplification']:.1f}× load"
        if not slow:
            head += f" on a healthy service, {d['sync_ok']:.0%} ok; async {d['async_ok']:.0%} ok"
        elif math.isnan(after):
            pass
        elif after < 0.5 * d["rate"]:
            head += ", and it never recovers; async does"
        else:
            head += f", {d['sync_ok']:.0%} ok, recovers; async {d['async_ok']:.0%} ok"
        self.headline_text.set_text(head)

    def describe(self, d):
        after = d["goodput_after"]
        slow = d["slow_s"] > 0 and d["slowdown"] != 1
        tail = (
            ""
            if math.isnan(after) or not slow
            else (
                f" From 5 s after the slowdown on, sync goodput was {after:.1f}/s for "
                f"{d['rate']:g} arrivals/s, at {d['amplification_after']:.1f}× load."
            )
        )
        return (
            f"Sync, {d['policy']}: the service received {d['amplification']:.2f}× the "
            f"requests (capacity {self.capacity:.0f}/s) and did {d['wasted']:,} attempts for "
            f"clients that had given up; {d['sync_ok']:.0%} of requests succeeded, p99 "
            f"{d['sync_p99']:,.0f} ms.{tail} Async: {d['async_ok']:.0%} processed at "
            f"{d['async_amplification']:.2f}× load"
            + (
                f"; the backlog was gone {d['async_drain_s']:.1f} s after the slowdown."
                if slow
                else "."
            )
        )


# ==================================================================================
# the public functions
# ==================================================================================


def availability(**initial) -> AvailabilityPanel:
    """Availability of each service and the length of the chain → sync vs async success."""
    return AvailabilityPanel(**initial)


def outage(**initial) -> OutagePanel:
    """Inventory outage start and length, arrival rate → success over time and the backlog."""
    return OutagePanel(**initial)


def pool_exhaustion(**initial) -> PoolPanel:
    """Inventory slowdown, Order workers, call timeout → requests answered and busy workers."""
    return PoolPanel(**initial)


def retry_storm(**initial) -> StormPanel:
    """Retry policy, slowdown and load → goodput and load over time, sync vs async."""
    return StormPanel(**initial)
