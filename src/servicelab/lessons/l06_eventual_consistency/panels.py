"""Lesson 06's panels: how stale a read is, and what a stale view does to the last items.

* :func:`stale_reads` — Inventory's consumers, their time per update and the
  orders per second against P(a read t after "confirmed" is stale), with the
  M/M/c theory; the read time moves a marker;
* :func:`last_items` — a sale of the last items: the stock, buyers per second,
  Inventory's consumers, the async remedy and an outage against the items
  promised over time (oversold), and who waits how long (the reservation, the
  "pending" state, the apology).

Both are :class:`~servicelab.ui.live.LessonFrame` panels whose every moving
part is live, run with :data:`~.analysis.SEED`.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from ...scenarios.last_items import run_last_items
from ...scenarios.stale_reads import run_stock_updates
from ...ui.axes import nice_top
from ...ui.live import LessonFrame, LiveYScale
from ...ui.panel import Impossible, dropdown, int_slider, num, plural, slider, toggle
from ...ui.style import (
    ASYNC,
    NEUTRAL,
    REFERENCE,
    STYLE_COLORS,
    STYLE_LOOKS,
    style_handle,
    style_line,
)
from .analysis import SEED, lag_numbers, promises, sale_numbers, seconds

__all__ = ["StaleReadsPanel", "LastItemsPanel", "stale_reads", "last_items"]

_T_MAX_S = 4.0
_T = np.linspace(0.0, _T_MAX_S, 121)


#: orders a panel run checks out: async 1,000 (the lesson's run); sync, whose stock is never
#: stale, 200 (enough to show it, at a fifth of the cost)
_ORDERS = {"sync": 200, "async": 1000}


@functools.lru_cache(maxsize=64)
def _updates(style: str, consumers: int, update_ms: float, rate: float):
    """One run of the panel's checkout (cached: the read time moves only the marker)."""
    return run_stock_updates(
        style,
        seed=SEED,
        consumers=consumers,
        update_ms=update_ms,
        arrival_rate=rate,
        n_orders=_ORDERS[style],
    )


class StaleReadsPanel(LessonFrame):
    title = "How stale is a read? Inventory's consumers against P(stale | read t after “confirmed”)"

    def make_controls(self):
        return {
            "consumers": int_slider("Inventory consumers", 1, 1, 4),
            "update_ms": slider("One stock update takes (ms)", 150, 50, 400, 10),
            "order_rate": slider("Orders per second", 5, 1, 12, 0.5, ".1f"),
            "read_after_s": slider("Read the stock this long after (s)", 1.0, 0.0, 3.0, 0.1, ".1f"),
        }

    def layout(self, figure):
        handles = [
            style_handle("sync", "sync: never stale"),
            style_handle("async", "async: simulated"),
            Line2D([], [], color=NEUTRAL, ls="--", lw=1.4, label="theory (M/M/c)"),
            Line2D([], [], color=REFERENCE, ls=":", lw=1.2, label="your read"),
        ]
        (ax,) = self.frame(figure, handles, ncols=1)
        self.sync = self.live(ax.plot([], [], lw=2, **style_line("sync"))[0])
        self.sim = self.live(ax.plot([], [], lw=2, **style_line("async"))[0])
        self.theory = self.live(ax.plot([], [], color=NEUTRAL, ls="--", lw=1.4)[0])
        self.read = self.live(ax.plot([], [], color=REFERENCE, ls=":", lw=1.2)[0])
        self.dot = self.live(ax.plot([], [], "s", color=ASYNC, ms=9, mec="white")[0])
        self.note = self.live(ax.text(0, 0, "", fontsize=9, color=ASYNC, va="bottom"))
        ax.set_xlim(0, _T_MAX_S)
        ax.set_ylim(-3, 103)
        ax.set_xlabel("read this long after the user's “confirmed” (s)")
        ax.set_ylabel("P(read is stale) (%)")
        return [ax]

    def compute(self, consumers, update_ms, order_rate, read_after_s):
        lam = order_rate * 0.95  # the checkout's 5 % declines never reach Inventory
        capacity = consumers * 1000.0 / update_ms
        if lam >= capacity:
            raise Impossible(
                f"Inventory applies at most {num(capacity, '.1f')} updates a second, but "
                f"{num(lam, '.1f')} orders a second reach it: its queue, and so the lag, grows "
                "without end. Add a consumer, make an update faster or send fewer orders."
            )
        sync = _updates("sync", consumers, float(update_ms), float(order_rate))
        asyn = _updates("async", consumers, float(update_ms), float(order_rate))
        curve = lag_numbers(asyn, _T)
        at = lag_numbers(asyn, [read_after_s])
        return {
            "t": _T,
            "stale": curve["stale"],
            "theory": curve["theory"],
            "sync": lag_numbers(sync, _T)["stale"],
            "read_s": read_after_s,
            "at": float(at["stale"][0]),
            "at_theory": float(at["theory"][0]),
            "p50_s": curve["p50_s"],
            "p99_s": curve["p99_s"],
            "headroom": curve["headroom"],
            "capacity": capacity,
            "lam": lam,
            "consumers": consumers,
        }

    def draw(self, d):
        self.sync.set_data(d["t"], d["sync"] * 100)
        self.sim.set_data(d["t"], d["stale"] * 100)
        self.theory.set_data(d["t"], d["theory"] * 100)
        x, y = d["read_s"], d["at"] * 100
        self.read.set_data([x, x], [-3, 103])
        self.dot.set_data([x], [y])
        self.note.set_position((min(x + 0.06, _T_MAX_S * 0.72), min(y + 4, 90)))
        self.note.set_text(f"{d['at']:.0%} stale (theory {d['at_theory']:.0%})")
        self.headline_text.set_text(
            f"A read {num(x, '.1f')} s after “confirmed” is stale for {d['at']:.0%} of async "
            f"orders; headroom {num(d['headroom'], '.1f')} updates/s"
        )

    def describe(self, d):
        return (
            f"Inventory: {plural(d['consumers'], 'consumer')} applying {num(d['capacity'], '.1f')} "
            f"updates/s for {num(d['lam'], '.2f')} orders/s (headroom {num(d['headroom'], '.2f')}"
            f"/s). Async: the stock shows an order p50 {seconds(d['p50_s'])}, p99 "
            f"{seconds(d['p99_s'])} after “confirmed”; a read {num(d['read_s'], '.1f')} s after it "
            f"is stale for {d['at']:.1%} of orders (theory {d['at_theory']:.1%}). Sync: the stock "
            "is updated before “confirmed”, so no read after it is stale."
        )


def stale_reads(**initial) -> StaleReadsPanel:
    """Consumers, update time, orders/s and read time → P(stale), simulated and in theory."""
    return StaleReadsPanel(**initial)


_REMEDIES = [
    ("none: “confirmed” at once", "none"),
    ("pending: show “pending” until applied", "pending"),
    ("compensate: apologise and refund", "compensate"),
]
#: how a sentence names the async shop's remedy
_REMEDY_WORDS = {"none": "", "pending": " with “pending”", "compensate": " with apologies"}
_SALE_S = 10.0
_TS = np.linspace(0.0, _SALE_S, 201)
_X_MAX_S = 20.0


class LastItemsPanel(LessonFrame):
    title = "The last items: a stale view oversells; a sync reservation makes buyers wait"

    def make_controls(self):
        return {
            "items": int_slider("Items in stock", 50, 10, 200, 10),
            "buyer_rate": slider("Buyers per second", 30, 5, 60, 5),
            "consumers": int_slider("Inventory consumers (45 ms an update)", 1, 1, 4),
            "remedy": dropdown("Async tells buyers", _REMEDIES, "none"),
            "outage": toggle("Inventory", [("up", "up"), ("down 1–4 s", "down")], "up"),
        }

    def layout(self, figure):
        handles = [
            style_handle("sync", "sync reservation"),
            style_handle("async", "async, stale view"),
            Line2D([], [], color=ASYNC, ls=":", lw=1.4, label="async: seeing “pending”"),
            Line2D([], [], color=REFERENCE, lw=1.4, label="items in stock"),
        ]
        left, right = self.frame(figure, handles)
        self.y = LiveYScale(self, left, integer=True)
        self.stock = self.live(left.plot([], [], color=REFERENCE, lw=1.4)[0])
        self.lines = {
            s: self.live(left.plot([], [], lw=2, drawstyle="steps-post", **style_line(s))[0])
            for s in ("sync", "async")
        }
        self.pending = self.live(left.plot([], [], color=ASYNC, ls=":", lw=1.4)[0])
        left.set_xlim(0, _SALE_S)
        left.set_xlabel("time since the sale opened (s)")
        left.set_ylabel("items promised")
        left.set_title("Items promised to buyers", loc="left", fontsize=10)
        self.waits = {}
        for style in ("sync", "async"):
            line = right.plot(
                [], [], lw=5, solid_capstyle="butt", **style_line(style, markers=False)
            )
            marker = STYLE_LOOKS[style]["marker"]
            self.waits[style] = (
                self.live(line[0]),
                self.live(right.plot([], [], marker, color=STYLE_COLORS[style], ms=7)[0]),
            )
        self.later = (
            self.live(right.plot([], [], color=ASYNC, lw=1.5, ls=":")[0]),
            self.live(right.plot([], [], "s", color=ASYNC, mfc="white", ms=6)[0]),
        )
        self.later_label = self.live(
            right.text(0, 1.55, "", fontsize=8.5, color=ASYNC, va="center")
        )
        right.set_xscale("symlog", linthresh=0.01, linscale=0.4)
        right.set_xlim(0, _X_MAX_S)
        right.xaxis.set_major_locator(FixedLocator([0, 0.01, 0.1, 1, 10]))
        right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        right.xaxis.set_minor_formatter(NullFormatter())
        right.set_ylim(1.9, -0.6)
        right.set_yticks([0, 1], ["sync", "async"])
        right.set_xlabel("seconds, p50 (dot) to p99")
        right.set_title("Who waits, and how long", loc="left", fontsize=10)
        right.grid(axis="y", visible=False)
        return [left, right]

    def compute(self, items, buyer_rate, consumers, remedy, outage):
        options = dict(items=items, buyer_rate=buyer_rate, consumers=consumers)
        if outage == "down":
            options.update(down_start_ms=1000.0, down_ms=3000.0)
        sync = run_last_items("sync", seed=SEED, **options)
        asyn = run_last_items("async", seed=SEED, remedy=remedy, **options)
        return {
            "sync": sale_numbers(sync),
            "async": sale_numbers(asyn),
            "curves": {s: promises(r, _TS) for s, r in (("sync", sync), ("async", asyn))},
            "first_s": sale_numbers(asyn)["answer_p50_s"],
            "items": items,
        }

    def draw(self, d):
        curves = d["curves"]
        top = max(d["items"], *(int(max(c[0].max(), c[1].max())) for c in curves.values()))
        self.y.set_range(0, nice_top(top * 1.15))
        self.stock.set_data([0, _SALE_S], self.y([d["items"], d["items"]]))
        for style, line in self.lines.items():
            line.set_data(_TS, self.y(curves[style][0]))
        pending = curves["async"][1]
        self.pending.set_data(_TS, self.y(pending) if pending.any() else np.full(_TS.size, np.nan))
        s, a = d["sync"], d["async"]
        for style, (lo, hi) in (
            ("sync", (s["wait_p50_s"], s["wait_p99_s"])),
            ("async", (d["first_s"], d["first_s"])),
        ):
            line, dot = self.waits[style]
            y = 0 if style == "sync" else 1
            if math.isnan(lo):
                line.set_data([], [])
                dot.set_data([], [])
            else:
                line.set_data([lo, hi], [y, y])
                dot.set_data([lo], [y])
        line, dot = self.later
        if a["pending"]:
            lo, hi, what = a["pending_p50_s"], a["pending_p99_s"], "“pending”"
        elif a["apologies"]:
            lo, hi, what = a["apology_p50_s"], a["apology_max_s"], "until the apology"
        else:
            lo = hi = math.nan
            what = "never told: oversold" if a["oversold"] else ""
        if math.isnan(lo):
            line.set_data([], [])
            dot.set_data([], [])
            self.later_label.set_position((0.012, 1.55))
        else:
            line.set_data([lo, min(hi, _X_MAX_S)], [1.35, 1.35])
            dot.set_data([lo], [1.35])
            self.later_label.set_position((0.012, 1.75))
        self.later_label.set_text(f"async: {what}" if what else "")
        self.headline_text.set_text(_headline(s, a))

    def describe(self, d):
        s, a = d["sync"], d["async"]
        sync = (
            f"Sync reservation: {s['sold']:,} of {s['items']:,} items sold, none oversold; buyers "
            f"of an item waited p50 {seconds(s['wait_p50_s'])}, p99 {seconds(s['wait_p99_s'])}"
        )
        if s["failed"]:
            sync += f"; {plural(s['failed'], 'buyer')} failed while Inventory was down"
        asyn = (
            f". Async{_REMEDY_WORDS[a['remedy']]}: answered in {seconds(d['first_s'])}; "
            f"{a['sold']:,} sold, {plural(a['oversold'], 'item')} oversold"
        )
        if a["apologies"]:
            asyn += (
                f", {plural(a['apologies'], 'apology', 'apologies')} with a refund p50 "
                f"{seconds(a['apology_p50_s'])} after “confirmed”"
            )
        if a["pending"]:
            asyn += (
                f"; {plural(a['pending'], 'buyer')} saw “pending” for p50 "
                f"{seconds(a['pending_p50_s'])}, p99 {seconds(a['pending_p99_s'])}"
            )
        return sync + asyn + f". Inventory applies {num(s['capacity'], '.0f')} updates/s."


def _headline(s: dict, a: dict) -> str:
    if a["oversold"]:
        head = f"Async oversold {plural(a['oversold'], 'item')}"
        if a["apologies"]:
            head += f" ({a['apologies']:,} apologies)"
    elif a["pending"]:
        head = f"Async oversold none: {plural(a['pending'], 'buyer')} saw “pending”"
    else:
        head = "Async oversold none"
    head += f"; sync oversold none, buyers waited p50 {seconds(s['wait_p50_s'])}"
    if s["failed"]:
        head += f", {s['failed']:,} failed"
    return head


def last_items(**initial) -> LastItemsPanel:
    """Items, buyers/s, consumers, remedy, outage → items promised (oversold) and waits."""
    return LastItemsPanel(**initial)
