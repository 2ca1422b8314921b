"""Lesson 04's competing-consumers panel: more consumers, until the database caps them.

Each consumer takes the next order from the queue, does its own work, then
writes to a shared database with a few connections. Left, orders processed
per second against the number of consumers: the closed form min(consumers ×
μ, database capacity) and the simulated point for the chosen number. Right,
where one order's time goes (Little's law on the consumers: consumers ÷
throughput): its own work, the database write, and the wait for a database
connection, which grows once the database is the bottleneck.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ....scenarios.flash_sale import FlashSaleConfig, run_flash_sale
from ....ui.axes import nice_top
from ....ui.live import LessonFrame, LiveYScale
from ....ui.panel import int_slider, num, plural, slider
from ....ui.style import ASYNC, MUTED, NEUTRAL, OUTAGE, REFERENCE, SERVICE_COLORS
from ..analysis import SEED

__all__ = ["ConsumersPanel", "competing_consumers"]

MOST = 32
RUN_MS, SETTLE_MS = 12_000.0, 3_000.0
_PARTS = (
    ("work", "own work", MUTED),
    ("db", "database write", SERVICE_COLORS["inventory"]),
    ("wait", "waiting for a connection", OUTAGE),
)


class ConsumersPanel(LessonFrame):
    title = "Competing consumers: more of them, until the shared database caps them"

    def make_controls(self):
        return {
            "consumers": int_slider("Consumers", 8, 1, MOST),
            "db_workers": int_slider("Database connections", 4, 1, 8),
            "db_ms": slider("Database write (ms)", 40, 10, 100, 10),
        }

    def layout(self, figure):
        handles = [
            Line2D([], [], color=ASYNC, marker="s", ls="", label="simulated (async)"),
            Line2D([], [], color=NEUTRAL, lw=1.6, label="theory"),
            Line2D([], [], color=REFERENCE, ls="--", label="database capacity"),
            *(Patch(color=color, label=label) for _, label, color in _PARTS),
        ]
        left, right = self.frame(figure, handles)
        self.y_left = LiveYScale(self, left, integer=True)
        self.y = LiveYScale(self, right, integer=True)
        self.per = self.live(left.plot([], [], color=NEUTRAL, ls=":", lw=1.2)[0])
        self.theory = self.live(left.plot([], [], color=NEUTRAL, lw=1.6)[0])
        self.cap = self.live(left.plot([0, MOST + 1], [0, 0], color=REFERENCE, ls="--", lw=1.2)[0])
        self.point = self.live(left.plot([], [], "s", color=ASYNC, ms=9)[0])
        self.note = self.live(left.text(0, 0, "", fontsize=9, color=ASYNC, va="bottom"))
        self.parts = {
            key: self.live(right.bar([0], [0], width=0.5, color=color, ec="white")[0])
            for key, _, color in _PARTS
        }
        left.set_xlim(0, MOST + 1)
        left.set_xlabel("consumers")
        left.set_ylabel("orders processed per second")
        left.set_title("Throughput", loc="left", fontsize=10)
        right.set_xlim(-1, 1)
        right.set_xticks([0], ["one order, on average"])
        right.set_ylabel("ms per order")
        right.set_title("Where a consumer's time goes", loc="left", fontsize=10)
        right.grid(axis="x", visible=False)
        return [left, right]

    def compute(self, consumers, db_workers, db_ms):
        settings = dict(workers=consumers, db_workers=db_workers, db=db_ms)
        c = FlashSaleConfig(**settings)
        rate = 1.25 * c.throughput_cap + 2.0  # more than the shop can take: nobody idles
        r = run_flash_sale(
            "async",
            seed=SEED,
            base_rate=0.0,
            sale_rate=rate,
            sale_start_ms=0.0,
            sale_ms=RUN_MS,
            duration_ms=RUN_MS,
            drain_ms=0.0,
            sample_every_ms=500.0,
            **settings,
        )
        measured = r.throughput(SETTLE_MS, RUN_MS)
        cycle = 1000.0 * consumers / measured if measured > 0 else float("nan")
        return {
            "config": c,
            "measured": measured,
            "cycle_ms": cycle,
            "work_ms": c.work.mean_ms,
            "db_ms": c.db.mean_ms,
            "wait_ms": max(cycle - c.order_ms, 0.0),
            "bottleneck": "the database" if c.db_capacity < c.capacity else "the consumers",
        }

    def draw(self, d):
        c = d["config"]
        k = np.arange(1, MOST + 1)
        per = 1000.0 / c.order_ms
        top = nice_top(max(min(MOST * per, c.db_capacity), d["measured"]) * 1.25)
        y = self.y_left
        y.set_range(0, top)
        self.per.set_data(k, y(np.minimum(k * per, top)))
        self.theory.set_data(k, y(np.minimum(k * per, c.db_capacity)))
        self.cap.set_ydata(y([c.db_capacity] * 2))
        self.point.set_data([c.workers], y([d["measured"]]))
        right_side = c.workers <= 0.75 * MOST  # the label on the point's free side
        self.note.set_ha("left" if right_side else "right")
        x = c.workers + (0.6 if right_side else -0.6)
        self.note.set_position((x, float(y([d["measured"]])[0]) - 0.08))
        self.note.set_text(f"{d['measured']:.0f}/s")
        self.y.set_range(0, nice_top(max(d["cycle_ms"], c.order_ms) * 1.15))
        bottom = 0.0
        for key, value in (("work", d["work_ms"]), ("db", d["db_ms"]), ("wait", d["wait_ms"])):
            bar = self.parts[key]
            bar.set_y(float(self.y([bottom])[0]))
            bar.set_height(float(self.y([bottom + value])[0] - self.y([bottom])[0]))
            bottom += value
        theory = min(c.workers * per, c.db_capacity)
        self.headline_text.set_text(
            f"{plural(c.workers, 'consumer')}: {d['measured']:.0f} orders/s (theory "
            f"{theory:.0f}/s); the bottleneck is {d['bottleneck']}"
        )

    def describe(self, d):
        c = d["config"]
        return (
            f"{plural(c.workers, 'consumer')} at {num(c.order_ms, '.0f')} ms an order could "
            f"process {num(c.capacity, '.0f')} orders/s; the database "
            f"({plural(c.db_workers, 'connection')} at {num(d['db_ms'], '.0f')} ms a write) "
            f"takes {num(c.db_capacity, '.0f')}/s. Simulated: {d['measured']:.0f} orders/s, so "
            f"each order kept its consumer {d['cycle_ms']:,.0f} ms on average (consumers ÷ "
            f"throughput), {d['wait_ms']:,.0f} ms of it waiting for a database connection."
        )


def competing_consumers(**initial) -> ConsumersPanel:
    """Consumers and the database's connections and speed → throughput, and where time goes."""
    return ConsumersPanel(**initial)
