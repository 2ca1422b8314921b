"""Lesson 03's outage panel: Inventory goes down; sync checkouts fail, async ones wait.

The left axes show the share of orders confirmed by arrival time, the right
one the async Inventory queue's backlog, which fills during the outage and
drains after it. The drain is read from the backlog itself: when it first
emptied after Inventory came back or, if it had not by the time orders
stopped, how many still waited and how long they need at the spare capacity
cμ − λ (fewer Inventory workers leave less of it). The summary counts the
stock updates done, still pending and dead-lettered.

Two ways to be down: the whole Inventory process (its consumers stop pulling
and messages wait), or only its database (its consumers keep pulling, every
try fails, and after 5 tries a message is dead-lettered).

The outage's start and length are clamped to each other: the length slider
reaches at most to the end of the orders (moving the start later shortens
it), so every setting of the sliders can be simulated.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Patch, Polygon

from .... import _check
from ....faults import Faults
from ....scenarios.checkout import DEFAULT_WORKERS, run_both
from ....ui.axes import nice_top, percent_axis, pointer
from ....ui.live import LessonFrame, LiveYScale
from ....ui.panel import Impossible, int_slider, plural, slider, toggle
from ....ui.style import ASYNC, OUTAGE, style_handle, style_line
from ..analysis import SEED, outage_numbers, outage_sentence, pct, success_by_arrival

__all__ = ["OutagePanel", "outage"]

RUN_S = 60  # orders arrive for this long
SHOW_S = 80  # the backlog axes show this much (the async backlog drains after the run)
DOWN_OPTIONS = [("the whole service", "process"), ("its database only", "database")]


class OutagePanel(LessonFrame):
    title = "Inventory goes down: sync checkouts fail, async ones wait in a queue"

    def make_controls(self):
        controls = {
            "start_s": slider("Outage starts at (s)", 20, 0, RUN_S, 5),
            "length_s": slider("Outage lasts (s)", 20, 0, RUN_S - 20, 5),
            "rate": slider("Orders per second", 5, 1, 20, 1),
            "workers": int_slider(
                "Inventory workers (60 ms each)", DEFAULT_WORKERS["inventory"], 1, 10
            ),
            "down": toggle("What is down", DOWN_OPTIONS, "process"),
        }
        self._longest_s: float | None = None
        controls["start_s"].observe(self._clamp_length, names="value")
        return controls

    # -- the outage ends by the end of the orders: its length follows its start ----------
    def _clamp_length(self, change) -> None:
        """The start moved: the length slider now reaches to the end of the run (no redraw)."""
        holding, self._holding = self._holding, True  # the start's own update redraws once
        try:
            self.controls["length_s"].max = RUN_S - change["new"]  # clamps a longer length
        finally:
            self._holding = holding

    def set(self, **values):
        """As :meth:`Panel.set`; a start given with a length moves first, so the length fits.

        A length beyond what the new start leaves is shortened to it, as the
        slider itself does.
        """
        if "start_s" in values and "length_s" in values:
            self._longest_s = float(RUN_S)
            values = dict(sorted(values.items(), key=lambda item: item[0] != "start_s"))
        try:
            return super().set(**values)
        finally:
            self._longest_s = None

    def check(self, name, value):
        if name == "length_s" and self._longest_s is not None:  # checked against any start
            if isinstance(value, bool):
                raise _check.fail(name, value, f"a number ≥ 0 and ≤ {RUN_S}")
            return _check.number(name, value, low=0.0, high=self._longest_s) + 0.0
        return super().check(name, value)

    # -- the figure ----------------------------------------------------------------------------
    def layout(self, figure):
        handles = [
            Patch(color=OUTAGE, alpha=0.5, label="Inventory down"),
            style_handle("sync"),
            style_handle("async"),
        ]
        left, right = self.frame(figure, handles)
        self.y = LiveYScale(self, right, integer=True)
        self.span_left = self.live_span(left)
        self.span_right = self.live_span(right)
        self.line_sync = self.live(
            left.plot([], [], linewidth=2.2, drawstyle="steps-mid", **style_line("sync"))[0]
        )
        self.line_async = self.live(
            left.plot([], [], linewidth=2.2, drawstyle="steps-mid", **style_line("async"))[0]
        )
        left.set_xlim(0, RUN_S)
        percent_axis(left)
        left.set_xlabel("time the order arrived (s)")
        left.set_ylabel("orders confirmed")
        left.set_title("Orders confirmed (2 s bins)", loc="left", fontsize=10)
        self.backlog_fill = self.live(
            right.add_patch(Polygon(np.zeros((2, 2)), closed=True, color=ASYNC, alpha=0.25))
        )
        self.backlog_line = self.live(right.plot([], [], linewidth=2, **style_line("async"))[0])
        self.drain_mark = self.live(
            pointer(
                right,
                "",
                (0, 0),
                (0.98, 0.97),
                ASYNC,
                textcoords="axes fraction",
                ha="right",
                va="top",
            )
        )
        right.set_xlim(0, SHOW_S)
        right.set_xlabel("time (s)")
        right.set_ylabel("messages not yet done")
        right.set_title("Async: Inventory's queue (backlog)", loc="left", fontsize=10)
        self.left, self.right = left, right
        return [left, right]

    def compute(self, start_s, length_s, rate, workers, down):
        end_s = start_s + length_s
        if end_s > RUN_S:  # only from Python, past the sliders' clamp
            raise Impossible(
                f"An outage from {start_s:g} s lasting {length_s:g} s would end at {end_s:g} s, "
                f"after the {RUN_S} s the orders arrive: start it earlier or make it shorter."
            )
        if rate <= 0:
            raise Impossible("With no orders arriving there is nothing to fail: pick a rate > 0.")
        start, end = 1000.0 * start_s, 1000.0 * end_s
        faults = {"inventory": Faults.outage(start, end - start, down=down)} if length_s > 0 else {}
        sync, asyn = run_both(
            seed=SEED,
            n_orders=max(1, round(rate * RUN_S)),
            arrival_rate=rate,
            workers={"inventory": workers},
            faults=faults,
            drain_ms=20_000.0,
            sample_every_ms=200.0,
        )
        d = outage_numbers(sync, asyn, (start, end))
        d.update(
            start_s=start_s,
            end_s=end_s,
            rate=rate,
            workers=workers,
            down=down,
            sync_result=sync,
            async_result=asyn,
        )
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
        drain = d["drain"]
        self.drain_mark.set_visible(outage and d["backlog_peak"] > 0)
        if drain.drained:
            self.drain_mark.xy = (d["end_s"] + d["drain_s"], 0)
            self.drain_mark.set_text(f"empty {d['drain_s']:.1f} s after\nInventory is back")
        else:
            self.drain_mark.xy = (drain.until_ms / 1000, float(y([drain.left])[0]))
            self.drain_mark.set_text(
                f"{plural(drain.left, 'message')} still waiting\nwhen the orders stop"
            )
        self.headline_text.set_text(self.headline_for(d) if outage else self.no_outage)

    no_outage = "No outage: both styles confirm every order"

    @staticmethod
    def headline_for(d) -> str:
        """The figure's takeaway for an outage."""
        length = d["end_s"] - d["start_s"]
        shares = f"sync confirms {pct(d['sync_window'])}, async {pct(d['async_window'])}"
        if d["down"] == "database":
            return (
                f"Inventory's database down {length:g} s: {shares}, yet "
                f"{plural(d['dead_lettered'], 'stock update')} dead-lettered"
            )
        drain = d["drain"]
        if drain.drained:
            after = f"its backlog empty {d['drain_s']:.1f} s after"
        elif math.isinf(drain.needs_s):
            after = "its backlog never drains at this load"
        else:
            after = f"{drain.left:,} still queued when the orders stop"
        return f"Inventory down {length:g} s: {shares}; {after}"

    def describe(self, d):
        if d["end_s"] <= d["start_s"]:
            text = (
                f"No outage: sync confirmed {d['sync_all']:.1%} and async {d['async_all']:.1%} "
                "of the orders not declined."
            )
            if d["drain"].grows:  # fewer workers than the orders need
                return (
                    f"{text} Yet Inventory's {plural(d['workers'], 'worker')} "
                    f"{'serves' if d['workers'] == 1 else 'serve'} "
                    f"{d['service_rate']:.1f} stock updates/s and {d['arrival_rate']:.1f}/s "
                    f"arrive: its backlog grows all along ({plural(d['drain'].left, 'message')} "
                    "waiting when the orders stop). A queue buys time, not capacity."
                )
            return f"{text} Give the outage a length to break Inventory."
        return outage_sentence(d)


def outage(**initial) -> OutagePanel:
    """Inventory outage start and length, arrival rate, Inventory's workers, what is down."""
    return OutagePanel(**initial)
