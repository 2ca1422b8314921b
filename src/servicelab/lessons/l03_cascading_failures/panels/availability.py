"""Lesson 03's availability panel: availabilities multiply along a sync chain.

Each service of the chain fails a share of calls at random; the sync
checkout confirms an order only if every call succeeds, the async one once
Payment does (failed downstream tasks are redelivered). Simulated points with
95 % intervals sit on the theory lines aⁿ and a. The sync points all come
from one run (each order fails at its first failing service), so their
noise is shared: they tend to sit on the same side of the theory, which the
summary says.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D

from ....faults import Faults
from ....scenarios.checkout import run_both
from ....ui.live import LessonFrame, LiveYScale, error_bars
from ....ui.panel import int_slider, num, plural, slider
from ....ui.style import ASYNC, STYLE_LOOKS, SYNC
from ..analysis import CHAIN, CHAIN_LABELS, SEED, chain_success, ci95

__all__ = ["AvailabilityPanel", "availability"]


def percent(v: float) -> str:
    """A y tick label: "95%"."""
    return f"{num(v, '.0f')}%"


class AvailabilityPanel(LessonFrame):
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
            Line2D(
                [],
                [],
                color=SYNC,
                linestyle=STYLE_LOOKS["sync"]["linestyle"],
                label="theory, sync: aⁿ",
            ),
            Line2D(
                [],
                [],
                color=ASYNC,
                linestyle=STYLE_LOOKS["async"]["linestyle"],
                label="theory, async: a",
            ),
            Line2D([], [], color=SYNC, marker="o", label="simulated sync"),
            Line2D([], [], color=ASYNC, marker="s", label="simulated async"),
        ]
        (ax,) = self.frame(figure, handles, ncols=1)
        self.y = LiveYScale(self, ax, fmt=percent)
        ax.set_xticks(range(1, 5), CHAIN_LABELS)
        ax.set_xlim(0.6, 4.75)
        ax.set_xlabel(
            "services the checkout calls, in order  "
            "(a: each one's availability; bars: the simulation's 95% interval)"
        )
        ax.set_ylabel("orders confirmed")
        ax.set_title("Orders confirmed: simulation and theory", loc="left", fontsize=10)
        ax.grid(axis="x", visible=False)
        self.theory_sync = self.live(
            ax.plot([], [], color=SYNC, ls=STYLE_LOOKS["sync"]["linestyle"], lw=1.3)[0]
        )
        self.theory_async = self.live(
            ax.plot([], [], color=ASYNC, ls=STYLE_LOOKS["async"]["linestyle"], lw=1.3)[0]
        )
        self.bars_sync = self.live(ax.plot([], [], color=SYNC, lw=1.5)[0])
        self.points_sync = self.live(
            ax.plot([], [], "o", color=SYNC, markersize=8, linestyle="none")[0]
        )
        self.bars_async = self.live(ax.plot([], [], color=ASYNC, lw=1.5)[0])
        self.point_async = self.live(
            ax.plot([], [], "s", color=ASYNC, markersize=8, linestyle="none")[0]
        )
        self.labels_sync = [
            self.live(ax.text(0, 0, "", color=SYNC, fontsize=9.5, va="bottom")) for _ in range(4)
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
            "async": asyn.success_rate(),
            "theory_async": a,
            "tasks": sum(acc.total for acc in asyn.queues.values()),
            "tasks_done": sum(acc.parts["acknowledged"] for acc in asyn.queues.values()),
            "tasks_dead": sum(asyn.dead_lettered().values()),
            "tasks_pending": sum(asyn.pending().values()),
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
        self.bars_sync.set_data(*error_bars(k, y(100 * rates), y(half) - y(0)))
        xa = n + 0.14
        self.point_async.set_data([xa], y([100 * ra]))
        self.bars_async.set_data(*error_bars(np.array([xa]), y([100 * ra]), y(half_a) - y(0)))
        for i, label in enumerate(self.labels_sync):
            label.set_visible(i < n)
            if i < n:
                label.set_position((k[i] - 0.07, float(y(100 * rates[i])) + 0.02))
                label.set_horizontalalignment("right")
                label.set_text(f"{rates[i]:.1%}")
        self.label_async.set_position((xa + 0.07, float(y(100 * ra)) + 0.02))
        self.label_async.set_text(f"{ra:.1%}")
        self.headline_text.set_text(
            f"{plural(n, 'service')} at {a:.1%}: sync confirms {d['sync']:.1%} of "
            f"orders, async {ra:.1%}"
        )

    def describe(self, d):
        n = d["services"]
        chain = " × ".join([f"{d['a']:.3g}"] * n)
        text = (
            f"With {plural(n, 'service')} at {d['a']:.1%} availability each, the sync "
            f"checkout confirmed {d['sync']:.1%} of {plural(d['orders'], 'order')} "
            f"(theory {chain} = {d['theory_sync'][-1]:.1%}); the async checkout confirmed "
            f"{d['async']:.1%} (theory {d['theory_async']:.1%}: Payment alone)."
        )
        if n > 1:
            text += " " + shared_luck(d["sync_prefix"], d["theory_sync"])
        if d["tasks"]:
            retried = d["tasks_retried"]
            text += (
                f" Async's {plural(retried, 'failed downstream task')} "
                f"{'was' if retried == 1 else 'were'} redelivered: "
                f"{d['tasks_done']:,} of {d['tasks']:,} done"
                + (
                    ", none lost."
                    if d["tasks_done"] == d["tasks"]
                    else f", {d['tasks_dead']:,} dead-lettered, {d['tasks_pending']:,} still "
                    "pending when the run stopped."
                )
            )
        return text


def shared_luck(simulated: np.ndarray, theory: np.ndarray) -> str:
    """A sentence on the sync points' shared noise: one run gives them all, so they err together."""
    above = int(np.count_nonzero(simulated > theory))
    n = simulated.size
    side = "above" if above == n else "below" if above == 0 else ""
    where = f"All {n} sync points sit {side} the theory: " if side else "The sync points "
    return (
        f"{where}{'they ' if side else ''}come from one run, in which each order fails at its "
        "first failing service, so they share its luck and err together; more orders shrink "
        "that noise."
    )


def availability(**initial) -> AvailabilityPanel:
    """Availability of each service and the length of the chain → sync vs async success."""
    return AvailabilityPanel(**initial)
