"""Lesson 03's outage panel: Inventory goes down; sync checkouts fail, async ones wait.

The left axes show the share of orders confirmed by arrival time, the right
one the async Inventory queue's backlog, which fills during the outage and
drains after it; the summary counts the orders lost (none, in async).
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from ....faults import Faults
from ....scenarios.checkout import run_both
from ....ui.axes import nice_top, percent_axis
from ....ui.live import LessonFrame, LiveYScale
from ....ui.panel import Impossible, slider
from ....ui.style import ASYNC, OUTAGE, SYNC
from ..analysis import SEED, outage_numbers, outage_sentence, pct, success_by_arrival

__all__ = ["OutagePanel", "outage"]

RUN_S = 60  # orders arrive for this long
SHOW_S = 80  # the backlog axes show this much (the async backlog drains after the run)


class OutagePanel(LessonFrame):
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
        left, right = self.frame(figure, handles)
        self.y = LiveYScale(self, right, integer=True)
        self.span_left = self.live_span(left)
        self.span_right = self.live_span(right)
        self.line_sync = self.live(
            left.plot([], [], color=SYNC, linewidth=2.2, drawstyle="steps-mid")[0]
        )
        self.line_async = self.live(
            left.plot([], [], color=ASYNC, linewidth=2.2, drawstyle="steps-mid")[0]
        )
        left.set_xlim(0, RUN_S)
        percent_axis(left)
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
        y.set_range(0, nice_top(max(d["backlog_peak"], 4) * 1.25))
        outage = d["end_s"] > d["start_s"]
        for span in (self.span_left, self.span_right):
            self.move_span(span, d["start_s"], d["end_s"])
        for line, r in ((self.line_sync, d["sync_result"]), (self.line_async, d["async_result"])):
            t, rate = success_by_arrival(r, 2000.0, RUN_S * 1000.0)
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
                f"{pct(d['sync_window'])} of the orders placed then, async "
                f"{pct(d['async_window'])}; {d['lost']} lost"
            )
        else:
            self.headline_text.set_text("No outage: both styles confirm every order")

    def describe(self, d):
        if d["end_s"] <= d["start_s"]:
            return (
                f"No outage: sync confirmed {d['sync_all']:.1%} and async {d['async_all']:.1%} "
                "of the orders not declined. Give the outage a length to break Inventory."
            )
        return outage_sentence(d)


def outage(**initial) -> OutagePanel:
    """Inventory outage start and length, arrival rate → success over time and the backlog."""
    return OutagePanel(**initial)
