"""Lesson 04's flash-sale panel: the queue absorbs the burst, and drains at the spare capacity.

Left, orders arriving per second against orders processed per second: the
arrivals spike, the workers keep their steady pace. Right, the orders waiting
in the queue against the theory's even-flow curve, and when the queue was
empty again, against B / (cμ − λ). With normal traffic at or above the
capacity the queue never drains: a queue buys time, not capacity.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from ....scenarios.flash_sale import run_flash_sale
from ....ui.axes import nice_top, pointer
from ....ui.live import LessonFrame, LiveYScale
from ....ui.panel import int_slider, num, slider
from ....ui.style import ASYNC, MUTED, NEUTRAL, OUTAGE, REFERENCE, style_handle, style_line
from ..analysis import SEED, drain_numbers, drain_sentence, fluid_backlog, seconds, wait_by_arrival

__all__ = ["FlashSalePanel", "flash_sale"]

SALE_RUN_S = 200  # orders arrive for this long
SALE_START_S = 10
BIN_S = 5


class FlashSalePanel(LessonFrame):
    title = "A flash sale: the queue absorbs the burst, the workers keep their pace"

    def make_controls(self):
        return {
            "sale_rate": slider("Sale: orders per second", 30, 10, 60, 5),
            "sale_s": slider("Sale lasts (s)", 30, 0, 60, 10),
            "base_rate": slider("Normal orders per second", 5, 1, 12, 1),
            "workers": int_slider("Workers (consumers)", 2, 1, 4),
        }

    def layout(self, figure):
        handles = [
            Patch(color=OUTAGE, alpha=0.5, label="sale"),
            Line2D([], [], color=MUTED, linewidth=1.4, label="orders arriving"),
            style_handle("async", "async: processed / waiting"),
            Line2D([], [], color=REFERENCE, ls="--", label="capacity"),
            Line2D([], [], color=NEUTRAL, ls=":", lw=1.6, label="theory"),
        ]
        left, right = self.frame(figure, handles)
        self.y_left = LiveYScale(self, left, integer=True)
        self.y = LiveYScale(self, right, integer=True)
        self.span_left = self.live_span(left)
        self.span_right = self.live_span(right)
        self.arrivals = self.live(left.plot([], [], color=MUTED, lw=1.4, drawstyle="steps-mid")[0])
        self.processed = self.live(
            left.plot([], [], lw=2.2, drawstyle="steps-mid", **style_line("async"))[0]
        )
        self.capacity = self.live(
            left.plot([0, SALE_RUN_S], [0, 0], color=REFERENCE, ls="--", lw=1.2)[0]
        )
        self.fill = self.live(
            right.add_patch(Polygon(np.zeros((2, 2)), closed=True, color=ASYNC, alpha=0.25, lw=0))
        )
        self.waiting = self.live(right.plot([], [], lw=2, **style_line("async", markers=False))[0])
        self.theory = self.live(right.plot([], [], color=NEUTRAL, ls=":", lw=1.6)[0])
        self.mark = self.live(
            pointer(
                right,
                "",
                (0, 0),
                (0.98, 0.95),
                ASYNC,
                textcoords="axes fraction",
                ha="right",
                va="top",
            )
        )
        for ax, title in (
            (left, "Orders per second (5 s bins)"),
            (right, "Orders waiting in the queue"),
        ):
            ax.set_xlim(0, SALE_RUN_S)
            ax.set_xlabel("time (s)")
            ax.set_title(title, loc="left", fontsize=10)
        left.set_ylabel("orders per second")
        right.set_ylabel("orders waiting")
        return [left, right]

    def compute(self, sale_rate, sale_s, base_rate, workers):
        r = run_flash_sale(
            "async",
            seed=SEED,
            base_rate=base_rate,
            sale_rate=sale_rate,
            sale_start_ms=SALE_START_S * 1000.0,
            sale_ms=sale_s * 1000.0,
            duration_ms=SALE_RUN_S * 1000.0,
            drain_ms=0.0,
            workers=workers,
            sample_every_ms=1000.0,
        )
        d = drain_numbers(r)
        _, mean, _ = wait_by_arrival(r, BIN_S * 1000.0)
        d.update(
            result=r,
            sale_rate=sale_rate,
            sale_s=sale_s,
            worst_wait_s=float(np.nanmax(mean)) if np.isfinite(mean).any() else 0.0,
            accepted=r.success_rate(),
            processed=r.processed,
            n=r.n_orders,
        )
        return d

    def draw(self, d):
        r = d["result"]
        c = r.config
        start, end = c.window
        t, arrivals = r.per_second("arrivals", BIN_S * 1000.0)
        _, done = r.per_second("processed", BIN_S * 1000.0)
        top = nice_top(max(float(arrivals.max()), c.throughput_cap, 1.0) * 1.15)
        self.y_left.set_range(0, top)
        self.arrivals.set_data(t / 1000, self.y_left(arrivals))
        self.processed.set_data(t / 1000, self.y_left(done))
        self.capacity.set_ydata(self.y_left([c.throughput_cap] * 2))
        for span in (self.span_left, self.span_right):
            self.move_span(span, start / 1000, end / 1000)
        s = r.series["waiting"]
        fluid = fluid_backlog(c, s.t_ms)
        y = self.y
        y.set_range(0, nice_top(max(float(s.values.max()), float(fluid.max()), 4.0) * 1.2))
        tt = np.repeat(s.t_ms / 1000, 2)[1:]
        vv = np.repeat(y(s.values), 2)[:-1]
        self.waiting.set_data(tt, vv)
        self.fill.set_xy(np.column_stack([np.r_[tt[0], tt, tt[-1]], np.r_[0, vv, 0]]))
        self.theory.set_data(s.t_ms / 1000, y(fluid))
        drained = not math.isnan(d["drain_s"]) and end > start and d["backlog"] > 0
        self.mark.set_visible(drained)
        if drained:
            self.mark.xy = (d["end_s"] + d["drain_s"], 0)
            self.mark.set_text(
                f"empty {seconds(d['drain_s'])} after the sale\n(theory {seconds(d['theory_s'])})"
            )
        multiple = d["sale_rate"] / c.throughput_cap
        if d["never"]:
            head = (
                f"Normal traffic {num(c.base_rate)}/s ≥ capacity {num(c.throughput_cap, '.1f')}/s:"
                " the queue never drains"
            )
        elif not d["sale"]:
            head = "No sale: the workers keep up with normal traffic"
        elif drained:
            head = (
                f"Sale at {multiple:.1f}× capacity: every order accepted; the queue is empty "
                f"{seconds(d['drain_s'])} after the sale (theory {seconds(d['theory_s'])})"
            )
        else:
            head = f"Sale at {multiple:.1f}× capacity: every order accepted, but a backlog remains"
        self.headline_text.set_text(head)

    def describe(self, d):
        r = d["result"]
        text = (
            f"{d['accepted']:.0%} of {d['n']:,} orders accepted; the workers process about "
            f"{num(r.config.throughput_cap, '.1f')} orders/s. {drain_sentence(d)}"
        )
        if d["sale"] and not d["never"]:
            text += (
                f" The price: orders placed as the sale ended waited about "
                f"{seconds(d['worst_wait_s'])} to be processed."
            )
        return text


def flash_sale(**initial) -> FlashSalePanel:
    """Sale rate and length, normal traffic, workers → arrivals vs processing, and the queue."""
    return FlashSalePanel(**initial)
