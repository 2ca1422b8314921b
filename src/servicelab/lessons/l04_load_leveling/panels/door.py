"""Lesson 04's front-door panel: what users see when a sale brings three times the capacity.

A sync shop makes users wait for a worker until they time out, or sheds load
at once with a short line ("busy, try again"); an async shop accepts the
order into a queue and answers at once, or, bounded, refuses (reject) or
makes the user wait for room (block) when the queue is full. Left, the share
of the sale's orders accepted, refused and timed out; right, how long users
waited for an answer and, async, how long their orders waited to be processed.
"""

from __future__ import annotations

import math

from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from ....scenarios.flash_sale import FlashSaleConfig, run_flash_sale
from ....ui.live import LessonFrame
from ....ui.panel import dropdown, slider, toggle
from ....ui.style import (
    ASYNC,
    NEUTRAL,
    OUTAGE,
    REFERENCE,
    STYLE_COLORS,
    STYLE_LOOKS,
    SYNC,
    style_handle,
    style_hatch,
    style_line,
)
from ..analysis import SEED, door_numbers, seconds

__all__ = ["FrontDoorPanel", "front_door"]

_LINES = [
    ("no limit: users time out", "no limit"),
    ("50 requests", "50"),
    ("10 requests: shed load fast", "10"),
    ("none: refuse when all are busy", "0"),
]
_QUEUES = [("no limit", "no limit"), ("1,000 orders", "1000"), ("300 orders", "300")]
_QUEUES.append(("100 orders", "100"))
#: the sale the panel runs: 30 orders/s for 20 s from 5 s, then 90 s to process them
DOOR = {
    "base_rate": 5.0,
    "sale_rate": 30.0,
    "sale_start_ms": 5_000.0,
    "sale_ms": 20_000.0,
    "duration_ms": 30_000.0,
    "drain_ms": 90_000.0,
    "sample_every_ms": 2_000.0,
}
_KEYS = ("accepted", "refused", "gave_up")
_LOOK = {"refused": (OUTAGE, ".."), "gave_up": (NEUTRAL, "xx")}
_X_MAX_S = 300.0


class FrontDoorPanel(LessonFrame):
    title = "At the door: what users see when the sale brings three times the capacity"

    def make_controls(self):
        return {
            "line": dropdown("Sync: requests that may wait", _LINES, "no limit"),
            "patience_s": slider("Users wait at most (s)", 3, 1, 10, 1),
            "queue": dropdown("Async: the queue holds", _QUEUES, "no limit"),
            "on_full": toggle(
                "A full queue", [("rejects", "reject"), ("blocks", "block")], "reject"
            ),
        }

    def layout(self, figure):
        handles = [
            *(
                Patch(facecolor=c, hatch=style_hatch(st), edgecolor="white", label=f"{st} accepts")
                for st, c in (("sync", SYNC), ("async", ASYNC))
            ),
            Patch(facecolor=OUTAGE, hatch="..", edgecolor="white", label="refused at once"),
            Patch(facecolor=NEUTRAL, hatch="xx", edgecolor="white", label="timed out"),
            style_handle("async", "async: until processed", linestyle=":", mfc="white"),
        ]
        left, right = self.frame(figure, handles)
        self.bars, self.labels = {}, {}
        for y, style in enumerate(("sync", "async")):
            for key in _KEYS:
                color, hatch = _LOOK.get(key) or (STYLE_COLORS[style], style_hatch(style))
                bar = left.barh([y], [0], height=0.6, color=color, hatch=hatch, ec="white")[0]
                self.bars[style, key] = self.live(bar)
                box = None if key == "accepted" else {"facecolor": "white", "edgecolor": "none"}
                self.labels[style, key] = self.live(
                    left.text(
                        0,
                        y,
                        "",
                        ha="center",
                        va="center",
                        fontsize=9,
                        fontweight="bold",
                        color="white" if key == "accepted" else REFERENCE,
                        bbox=box,
                    )
                )
        left.set_xlim(0, 100)
        left.set_ylim(1.6, -0.6)
        left.set_yticks([0, 1], ["sync", "async"])
        left.set_xlabel("share of the orders placed in the sale (%)")
        left.set_title("What users are told", loc="left", fontsize=10)
        left.grid(axis="y", visible=False)
        self.waits = {}
        for style in ("sync", "async"):
            line = right.plot(
                [], [], lw=5, dash_capstyle="butt", **style_line(style, markers=False)
            )
            marker = STYLE_LOOKS[style]["marker"]
            self.waits[style] = (
                self.live(line[0]),
                self.live(right.plot([], [], marker, color=STYLE_COLORS[style], ms=7)[0]),
            )
        self.done = (
            self.live(right.plot([], [], color=ASYNC, lw=1.5, ls=":")[0]),
            self.live(right.plot([], [], "s", color=ASYNC, mfc="white", ms=6)[0]),
        )
        right.set_xscale("symlog", linthresh=1.0, linscale=0.6)
        right.set_xlim(0, _X_MAX_S)
        right.xaxis.set_major_locator(FixedLocator([0, 0.5, 1, 2, 5, 10, 30, 100, 300]))
        right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        right.xaxis.set_minor_formatter(NullFormatter())
        right.set_ylim(1.6, -0.6)
        right.set_yticks([0, 1], ["sync", "async"])
        right.set_xlabel("seconds, p50 (dot) to p99")
        right.set_title("How long they wait", loc="left", fontsize=10)
        right.grid(axis="y", visible=False)
        return [left, right]

    def compute(self, line, patience_s, queue, on_full):
        options = dict(DOOR, patience_ms=patience_s * 1000.0)
        sync = run_flash_sale(
            "sync", seed=SEED, max_waiting=None if line == "no limit" else int(line), **options
        )
        asyn = run_flash_sale(
            "async",
            seed=SEED,
            queue_capacity=None if queue == "no limit" else int(queue),
            on_full=on_full,
            **options,
        )
        return {
            "sync": door_numbers(sync),
            "async": door_numbers(asyn),
            "sync_result": sync,
            "async_result": asyn,
            "patience_s": patience_s,
            "capacity": FlashSaleConfig(**options).throughput_cap,
        }

    def draw(self, d):
        for style in ("sync", "async"):
            left = 0.0
            for key in _KEYS:
                share = 100 * d[style][key]
                bar, label = self.bars[style, key], self.labels[style, key]
                bar.set_x(left)
                bar.set_width(share)
                label.set_x(left + share / 2)
                label.set_text(f"{share:.0f}%" if share >= 7 else "")
                left += share
            line, dot = self.waits[style]
            y = 0 if style == "sync" else 1
            p50, p99 = d[style]["wait_p50_s"], d[style]["wait_p99_s"]
            line.set_data([p50, p99], [y, y])
            dot.set_data([p50], [y])
        a = d["async"]
        line, dot = self.done
        if math.isnan(a["done_p99_s"]):
            line.set_data([], [])
            dot.set_data([], [])
        else:
            line.set_data([a["done_p50_s"], min(a["done_p99_s"], _X_MAX_S)], [1.3, 1.3])
            dot.set_data([a["done_p50_s"]], [1.3])
        self.headline_text.set_text(f"In the sale: {_told(d['sync'], 'sync')}; {_told(a, 'async')}")

    def describe(self, d):
        s, a = d["sync"], d["async"]
        sync = (
            f"Of the {s['n']:,} orders placed in the sale, sync accepted {s['accepted']:.0%} "
            f"(processed while the user waited), refused {s['refused']:.0%} at once and "
            f"{s['gave_up']:.0%} timed out after {d['patience_s']:g} s; users waited p99 "
            f"{seconds(s['wait_p99_s'])} for an answer."
        )
        asyn = (
            f" Async accepted {a['accepted']:.0%} and refused {a['refused']:.0%}; users waited "
            f"p99 {seconds(a['wait_p99_s'])} for an answer, and accepted orders were processed "
            f"p99 {seconds(a['done_p99_s'])} after they were placed"
        )
        if a["unprocessed"]:
            asyn += f" ({a['unprocessed']:,} not yet at the end)"
        return sync + asyn + f". The shop processes about {d['capacity']:g} orders/s either way."


def _told(d: dict, style: str) -> str:
    """What one style told the sale's users, in a few words."""
    text = f"{style} accepts {d['accepted']:.0%}"
    rest = [f"{d[k]:.0%} {w}" for k, w in (("refused", "refused"), ("gave_up", "time out"))]
    rest = [r for r, k in zip(rest, ("refused", "gave_up"), strict=True) if d[k] >= 0.005]
    if rest:
        text += f" ({', '.join(rest)})"
    if style == "async" and not math.isnan(d["done_p99_s"]):
        text += f", processed p99 {seconds(d['done_p99_s'])} later"
    return text


def front_door(**initial) -> FrontDoorPanel:
    """Sync line and patience, queue bound and back-pressure → what users are told, and waits."""
    return FrontDoorPanel(**initial)
