"""Lesson 03's retry-storm panel: when retries multiply the load.

A short slowdown makes sync clients time out and retry; naive retries add
load faster than the service sheds it, so it stays down after the slowdown
(a metastable failure). Backoff, jitter and a retry budget, or an async
queue, let it recover.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ....scenarios.retry_storm import POLICIES, StormConfig, run_retry_storm
from ....ui.axes import nice_top
from ....ui.live import LessonFrame, LiveYScale
from ....ui.panel import Impossible, dropdown, plural, slider
from ....ui.style import ASYNC, OUTAGE, REFERENCE, SYNC
from ..analysis import SEED

__all__ = ["StormPanel", "retry_storm"]

_POLICY_OPTIONS = [(p.label, key) for key, p in POLICIES.items()]
STORM_RUN_S = 30
STORM_SLOW_START_S = 5


class StormPanel(LessonFrame):
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
        left, right = self.frame(figure, handles)
        self.y = LiveYScale(self, right, integer=True)
        self.span_left = self.live_span(left)
        self.span_right = self.live_span(right)
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
            "sync_ok": sync.success_rate(),
            "sync_p99": sync.p99(),
            "goodput_after": good,
            "amplification_after": amp_after,
            "async_ok": asyn.success_rate(),
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
        y.set_range(0, nice_top(max(peak, self.capacity) * 1.12))
        self.capacity_line.set_ydata(y([self.capacity, self.capacity]))
        slow = d["slow_s"] > 0 and d["slowdown"] != 1
        start = STORM_SLOW_START_S
        for span in (self.span_left, self.span_right):
            self.move_span(span, start, start + d["slow_s"] if slow else start)
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
            f"requests (capacity {self.capacity:.0f}/s) and did "
            f"{plural(d['wasted'], 'attempt')} for clients that had given up; "
            f"{d['sync_ok']:.0%} of requests succeeded, p99 "
            f"{d['sync_p99']:,.0f} ms.{tail} Async: {d['async_ok']:.0%} processed at "
            f"{d['async_amplification']:.2f}× load"
            + (
                f"; the backlog was gone {d['async_drain_s']:.1f} s after the slowdown."
                if slow
                else "."
            )
        )


def retry_storm(**initial) -> StormPanel:
    """Retry policy, slowdown and load → goodput and load over time, sync vs async."""
    return StormPanel(**initial)
