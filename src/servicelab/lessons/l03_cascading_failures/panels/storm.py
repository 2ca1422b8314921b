"""Lesson 03's retry-storm panel: when retries multiply the load.

A short slowdown makes sync clients time out and retry; naive retries add
load faster than the service sheds it, so it stays down after the slowdown
(a metastable failure). Backoff, jitter and a retry budget, or an async
queue, let it recover, when there is capacity to spare: the async backlog's
drain is read from the queue itself, and where the service serves no more
than arrives (less the tries that fail) the backlog never drains, which the
summary and headline say.
"""

from __future__ import annotations

import math

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ....records import drain
from ....scenarios.retry_storm import POLICIES, StormConfig, run_retry_storm
from ....ui.axes import nice_top
from ....ui.live import LessonFrame, LiveYScale
from ....ui.panel import Impossible, dropdown, plural, slider
from ....ui.style import OUTAGE, REFERENCE, style_handle, style_line
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
            style_handle("sync", "sync (the policy chosen)"),
            style_handle("async", "async queue"),
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
        for style in ("sync", "async"):
            for what, ax in (("goodput", left), ("load", right)):
                self.lines[style, what] = self.live(
                    ax.plot([], [], linewidth=2.2, drawstyle="steps-mid", **style_line(style))[0]
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
        c = asyn.config
        # the async service completes capacity × (1 − error rate) a second: a failed try costs a try
        backlog = drain(
            asyn.series["queue"],
            c.window[1],
            until_ms=c.duration_ms,
            service_rate=c.capacity * (1.0 - c.error_rate),
            arrival_rate=rate,
            rates_from=(
                f"the config: {plural(c.workers, 'worker')} at {c.latency.mean_ms:g} ms, less "
                f"the {c.error_rate:.0%} of tries that fail"
            ),
        )
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
            "async_drain": backlog,
            "async_drain_s": backlog.drain_s,
            "async_pending": asyn.in_flight,
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
        self.headline_text.set_text(self.headline_for(d, slow))

    @staticmethod
    def headline_for(d, slow: bool) -> str:
        """The takeaway: does sync recover, and did async's backlog drain?"""
        after, backlog = d["goodput_after"], d["async_drain"]
        head = f"Sync, {d['policy']}: {d['amplification']:.1f}× load"
        stuck = f"({backlog.left:,} waiting at {backlog.until_ms / 1000:g} s)"
        if not slow:
            queue = f"async {d['async_ok']:.0%} ok" if backlog.drained else f"async backlog {stuck}"
            return f"{head} on a healthy service, {d['sync_ok']:.0%} ok; {queue}"
        if math.isnan(after):
            return head
        if after < 0.5 * d["rate"]:
            if backlog.drained:
                return f"{head}, and it never recovers; async's backlog drains"
            return f"{head}, and it never recovers; async's backlog does not drain either {stuck}"
        queue = "async's backlog drains" if backlog.drained else f"async's backlog does not {stuck}"
        return f"{head}, {d['sync_ok']:.0%} ok, recovers; {queue}"

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
            f"{d['sync_p99']:,.0f} ms.{tail} Async: {d['async_ok']:.0%} processed by the end of "
            f"the run at {d['async_amplification']:.2f}× load, "
            f"{plural(d['async_pending'], 'request')} still queued. "
            + d["async_drain"].describe("the slowdown ended" if slow else "5 s", "requests")
        )


def retry_storm(**initial) -> StormPanel:
    """Retry policy, slowdown and load → goodput and load over time, sync vs async."""
    return StormPanel(**initial)
