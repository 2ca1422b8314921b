"""Lesson 03's pool-exhaustion panel: a slow Inventory fills the Order service's worker pool.

Sync checkouts hold an Order worker while they wait for Inventory, so a slow
Inventory leaves no worker for requests that never call it; async checkouts
hand the work to a queue and free the worker at once. A call timeout bounds
the damage.
"""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ....scenarios.pool_exhaustion import run_pool_both
from ....ui.axes import percent_axis
from ....ui.live import LessonFrame, LiveYScale
from ....ui.panel import Impossible, dropdown, int_slider, plural, slider
from ....ui.style import MUTED, OUTAGE, REFERENCE, style_handle, style_line
from ..analysis import SEED, pct

__all__ = ["PoolPanel", "pool_exhaustion"]

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


class PoolPanel(LessonFrame):
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
            # the style is told by colour and marker; the kind of request by the line
            style_handle("sync", linestyle="none"),
            style_handle("async", linestyle="none"),
            Line2D([], [], color=MUTED, linewidth=2.2, label="simple requests"),
            Line2D([], [], color=MUTED, linewidth=1.5, ls=_DASHED, label="checkouts"),
        ]
        left, right = self.frame(figure, handles)
        self.y = LiveYScale(self, right, integer=True)
        self.span_left = self.live_span(left)
        self.span_right = self.live_span(right)
        self.pool_line = self.live(
            right.plot([0, POOL_RUN_S], [0, 0], color=REFERENCE, ls=":", lw=1.5)[0]
        )
        self.pool_label = self.live(
            right.text(0.99, 0, "", transform=right.get_yaxis_transform(), ha="right", va="bottom")
        )
        self.pool_label.set_color(REFERENCE)
        self.pool_label.set_fontsize(9)
        self.lines = {}
        for style in ("sync", "async"):
            look = style_line(style, linestyle=False)
            for kind, ls, lw in (("simple", "-", 2.2), ("checkout", _DASHED, 1.5)):
                self.lines[style, kind] = self.live(
                    left.plot([], [], linestyle=ls, linewidth=lw, drawstyle="steps-mid", **look)[0]
                )
            # a jagged line: a marker on every 25th sample (spaced by length they would crowd)
            busy = style_line(style, linestyle=False, every=25)
            self.lines[style, "busy"] = self.live(
                right.plot([], [], linewidth=1.6, drawstyle="steps-post", **busy)[0]
            )
        left.set_xlim(0, POOL_RUN_S)
        percent_axis(left)
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
        self.pool_label.set_text(f"pool: {plural(workers, 'worker')}")
        slow = d["slow_s"] > 0 and d["slowdown"] != 1
        start = POOL_SLOW_START_S
        for span in (self.span_left, self.span_right):
            self.move_span(span, start, start + d["slow_s"] if slow else start)
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
            f"checkouts then need about {d['needed']:.1f} of the "
            f"{plural(d['workers'], 'Order worker')} "
            f"(rate × hold time), and all were busy {pct(d['saturated'])} of that time. "
            f"Sync answered {pct(d['sync_simple'])} of simple requests and "
            f"{pct(d['sync_checkout'])} of checkouts; async answered "
            f"{pct(d['async_simple'])} and {pct(d['async_checkout'])}, with at most "
            f"{plural(d['async_peak'], 'worker')} busy."
        )


def pool_exhaustion(**initial) -> PoolPanel:
    """Inventory slowdown, Order workers, call timeout → requests answered and busy workers."""
    return PoolPanel(**initial)
