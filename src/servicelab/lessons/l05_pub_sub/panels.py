"""Lesson 05's panels: add subscribers, and one slow subscriber.

* :func:`add_subscribers` — choose how many subscribers the Order service
  tells about a new order, how available each is, and the design: left, the
  caller's p50 and p99 wait before and after the last subscriber was added;
  right, the caller's availability by number of subscribers (the product of
  the subscribers' availabilities in sync, the publish alone in pub/sub), with
  the simulated point. The headline says how the Order service's code changed.
* :func:`slow_subscriber` — make one subscriber slower for the middle of the
  run: left, every subscriber's lag behind the orders; right, the caller's
  wait. In pub/sub the slow one lags alone; in sync the caller waits for it
  (one by one) or fails its orders at the timeout (in parallel with timeouts).

Both are :class:`~servicelab.ui.live.LessonFrame` panels whose every moving
part is live, run with the lesson's seed on short runs (200 and 300 orders).
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ...faults import Faults
from ...scenarios.pubsub import DESIGNS, run_pubsub
from ...theory import chain_availability
from ...ui.axes import nice_top
from ...ui.live import LessonFrame, LiveYScale
from ...ui.panel import dropdown, int_slider, num, plural, slider
from ...ui.style import ASYNC, NEUTRAL, OUTAGE, SYNC
from .analysis import ADDED, SEED
from .looks import DESIGN_LOOKS, SUBSCRIBER_LOOKS

__all__ = ["AddSubscribersPanel", "SlowSubscriberPanel", "add_subscribers", "slow_subscriber"]

#: orders a panel's run simulates: the add-subscribers panel runs two designs' worth per
#: change (before and after), the slow-subscriber panel one run of a minute at 5 orders/s
N_ORDERS, N_SLOW = 200, 300
_DESIGNS = tuple(DESIGNS)


def _run(design: str, subscribers, n_orders: int = N_ORDERS, **options):
    style, extra = DESIGNS[design]
    return run_pubsub(
        style, seed=SEED, n_orders=n_orders, subscribers=tuple(subscribers), **extra, **options
    )


class AddSubscribersPanel(LessonFrame):
    title = "Add a subscriber: what it costs the caller, in each design"

    def make_controls(self):
        return {
            "subscribers": int_slider("Subscribers", 4, 1, len(ADDED)),
            "availability": slider(
                "Each subscriber's availability (%)", 99.5, 97.0, 100.0, 0.1, ".1f"
            ),
            "design": dropdown("Design", list(_DESIGNS), "sync, one by one"),
        }

    def layout(self, figure):
        handles = [
            Patch(color=NEUTRAL, alpha=0.45, label="before the last was added"),
            Patch(color=SYNC, label="sync: after"),
            Patch(color=ASYNC, hatch="\\\\\\", label="pub/sub: after"),
            Line2D([], [], color=NEUTRAL, lw=3, alpha=0.5, label="theory"),
            Line2D([], [], color=NEUTRAL, marker="o", ls="", label="simulated"),
        ]
        left, right = self.frame(figure, handles)
        self.y_left = LiveYScale(self, left, integer=True)
        self.bars = {}
        for j, which in enumerate(("p50", "p99")):
            for side, shift in (("before", -0.2), ("after", 0.2)):
                bar = left.bar([j + shift], [0], width=0.38, color=NEUTRAL, alpha=0.45)[0]
                self.bars[which, side] = self.live(bar)
        self.bar_text = [
            self.live(left.text(0, 0, "", ha="center", va="bottom", fontsize=9)) for _ in range(4)
        ]
        left.set_xlim(-0.6, 1.6)
        left.set_xticks([0, 1], ["median (p50)", "p99"])
        left.grid(axis="x", visible=False)
        left.set_ylabel("caller's wait (ms)")
        left.set_title("The caller's wait", loc="left", fontsize=10)
        self.y = LiveYScale(self, right, fmt=lambda v: f"{num(v, 'g')}%")
        k = np.arange(1, len(ADDED) + 1)
        self.theory = self.live(right.plot(k, np.zeros(k.size), color=NEUTRAL, lw=4, alpha=0.5)[0])
        self.point = self.live(right.plot([], [], "o", ms=10)[0])
        self.note = self.live(right.text(0, 0, "", fontsize=9, va="bottom", ha="center"))
        right.set_xlim(0.5, len(ADDED) + 0.5)
        right.set_xticks(k)
        right.set_xlabel("subscribers")
        right.set_ylabel("orders confirmed (%)")
        right.set_title("The caller's availability", loc="left", fontsize=10)
        return [left, right]

    def compute(self, subscribers, availability, design):
        a = availability / 100
        after = _run(design, ADDED[:subscribers], availability=a)
        before = _run(design, ADDED[: subscribers - 1], availability=a) if subscribers > 1 else None
        return {"after": after, "before": before, "design": design, "a": a, "n": subscribers}

    def draw(self, d):
        after, before = d["after"], d["before"]
        style = after.style
        color = SYNC if style == "sync" else ASYNC
        values = {("p50", "after"): after.p(50), ("p99", "after"): after.p(99)}
        if before is not None:
            values.update({("p50", "before"): before.p(50), ("p99", "before"): before.p(99)})
        top = nice_top(max([*values.values(), 10.0]) * 1.25)
        self.y_left.set_range(0, top)
        for k, (key, bar) in enumerate(self.bars.items()):
            v = values.get(key, 0.0)
            bar.set_height(float(self.y_left([v])[0]))
            if key[1] == "after":
                bar.set_color(color)
                bar.set_alpha(1.0)
                bar.set_hatch("\\\\\\" if style == "async" else "")
            label = self.bar_text[k]
            label.set_position((bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.01))
            label.set_text(f"{v:,.0f}" if key in values else "")
        k = np.arange(1, len(ADDED) + 1)
        if style == "async":
            theory = np.ones(k.size)
        else:
            theory = np.asarray([chain_availability(*[d["a"]] * j) for j in k])
        measured = after.success_rate()
        low = min(float(theory.min()), measured) * 100
        self.y.set_range(np.floor(low - 0.5), 100.5)
        self.theory.set_ydata(self.y(100 * theory))
        self.point.set_data([d["n"]], self.y([100 * measured]))
        self.point.set_color(color)
        self.note.set_position((d["n"], float(self.y([100 * measured])[0]) + 0.05))
        self.note.set_text(f"{measured:.1%}")
        self.headline_text.set_text(self._headline(d))

    def _headline(self, d):
        after, before = d["after"], d["before"]
        if before is None:
            return f"{d['design']}, one subscriber: p99 {after.p(99):,.0f} ms"
        added = ADDED[d["n"] - 1]
        if after.style == "async":
            return f"Adding {added.capitalize()}: the publisher's code and waits are unchanged"
        return (
            f"Adding {added.capitalize()}: one more call in the Order service's code, p99 "
            f"{before.p(99):,.0f} → {after.p(99):,.0f} ms"
        )

    def describe(self, d):
        after, before = d["after"], d["before"]
        subs = ", ".join(s.capitalize() for s in after.config.subscribers)
        design = d["design"][0].upper() + d["design"][1:]
        text = (
            f"{design} with {plural(d['n'], 'subscriber')} ({subs}), each "
            f"{d['a']:.1%} available: the caller waited p50 {after.p(50):,.0f} ms, p99 "
            f"{after.p(99):,.0f} ms, and {after.success_rate():.1%} of {N_ORDERS} orders were "
            "confirmed"
        )
        if after.style == "sync":
            theory = chain_availability(*[d["a"]] * d["n"])
            spread = 2 * math.sqrt(theory * (1 - theory) / N_ORDERS)
            text += (
                f" (theory: {d['a']:.3f} to the power {d['n']} = {theory:.1%}; with {N_ORDERS} "
                f"orders, chance alone moves the simulated share by about ±{spread:.1%})"
            )
        if before is not None:
            same = np.array_equal(before.response_ms, after.response_ms, equal_nan=True)
            text += (
                f". Before {ADDED[d['n'] - 1].capitalize()} was added: "
                f"p50 {before.p(50):,.0f} ms, p99 "
                f"{before.p(99):,.0f} ms, {before.success_rate():.1%} confirmed"
                + ("; every wait identical" if same else "")
            )
        return text + "."


def add_subscribers(**initial) -> AddSubscribersPanel:
    """Subscribers, their availability and the design → the caller's wait and availability."""
    return AddSubscribersPanel(**initial)


SLOW_START_MS, SLOW_MS, BIN_MS = 15_000.0, 30_000.0, 2_500.0
_SHORT = {
    "sync, one by one": "Sync one by one",
    "sync, in parallel with timeouts": "Sync in parallel",
}
_SHORT["pub/sub"] = "Pub/sub"
SHOWN = ADDED[:4]  # the card's three and Loyalty


class SlowSubscriberPanel(LessonFrame):
    title = "One slow subscriber: who lags, and who waits"

    def make_controls(self):
        return {
            "slow": dropdown("Slow subscriber", list(SHOWN), "loyalty"),
            "slowdown": int_slider("How many times slower", 10, 1, 20),
            "design": dropdown("Design", list(_DESIGNS), "pub/sub"),
        }

    def layout(self, figure):
        handles = [Patch(color=OUTAGE, alpha=0.5, label="slow")]
        handles += [
            Line2D([], [], color=c, marker=m, label=s.capitalize())
            for s, (c, m) in SUBSCRIBER_LOOKS.items()
            if s in SHOWN
        ]
        handles.append(Line2D([], [], color=NEUTRAL, lw=2.2, label="caller's wait"))
        left, right = self.frame(figure, handles)
        log = {"fmt": lambda v: num(10.0**v, "g"), "integer": True}
        self.y_left = LiveYScale(self, left, **log)
        self.y = LiveYScale(self, right, **log)
        self.spans = [self.live_span(left), self.live_span(right)]
        self.lags = {
            s: self.live(left.plot([], [], color=c, marker=m, ms=4, lw=1.6)[0])
            for s, (c, m) in SUBSCRIBER_LOOKS.items()
            if s in SHOWN
        }
        self.wait = self.live(right.plot([], [], lw=2.2, marker="o", ms=3)[0])
        self.p99 = self.live(right.plot([], [], lw=1.2, ls=":", color=NEUTRAL)[0])
        horizon_s = N_SLOW / 5.0
        for ax, title in ((left, "Each subscriber's lag"), (right, "The caller's wait")):
            ax.set_xlim(0, horizon_s)
            ax.set_xlabel("time the order was placed (s)")
            ax.set_title(title, loc="left", fontsize=10)
        left.set_ylabel("behind the order (s, log)")
        right.set_ylabel("wait per order (ms, log)")
        return [left, right]

    def compute(self, slow, slowdown, design):
        faults = {slow: Faults.slow(slowdown, SLOW_START_MS, SLOW_START_MS + SLOW_MS)}
        r = _run(design, SHOWN, N_SLOW, faults=faults)
        t = r.arrival_ms / 1000
        n_bins = int(np.ceil(t[-1] * 1000 / BIN_MS))
        idx = np.minimum((r.arrival_ms // BIN_MS).astype(int), n_bins - 1)
        centres = (np.arange(n_bins) + 0.5) * BIN_MS / 1000
        lags = {s: _mean_by(idx, r.lag_ms(s) / 1000, n_bins) for s in SHOWN}
        waits = _mean_by(idx, r.response_ms, n_bins)
        worst = {
            s: float(np.nanmax(v)) if np.isfinite(v).any() else np.nan for s, v in lags.items()
        }
        return {
            "r": r,
            "t": centres,
            "lags": lags,
            "waits": waits,
            "worst": worst,
            "slow": slow,
            "slowdown": slowdown,
            "design": design,
        }

    def draw(self, d):
        r = d["r"]
        logs = {s: np.log10(np.clip(v, 1e-3, None)) for s, v in d["lags"].items()}
        finite = np.concatenate([v[np.isfinite(v)] for v in logs.values()] or [np.zeros(1)])
        self.y_left.set_range(
            np.floor(finite.min()), max(np.ceil(finite.max()), np.floor(finite.min()) + 1)
        )
        for s, line in self.lags.items():
            line.set_data(d["t"], self.y_left(logs[s]))
            line.set_linewidth(2.6 if s == d["slow"] else 1.4)
        w = np.log10(np.clip(d["waits"], 1.0, None))
        ok = w[np.isfinite(w)]
        low = np.floor(ok.min()) if ok.size else 0.0
        self.y.set_range(low, max(np.ceil(ok.max()) if ok.size else 1.0, low + 1))
        look = DESIGN_LOOKS[d["design"]]
        self.wait.set_data(d["t"], self.y(w))
        self.wait.set_color(look["color"])
        self.wait.set_linestyle(look["linestyle"])
        self.wait.set_marker(look["marker"])
        for span in self.spans:
            on = d["slowdown"] > 1
            self.move_span(
                span, SLOW_START_MS / 1000, (SLOW_START_MS + SLOW_MS) / 1000 if on else 0
            )
        others = max(v for s, v in d["worst"].items() if s != d["slow"])
        done = r.delivered(d["slow"]) / r.n_orders
        self.headline_text.set_text(
            f"{_SHORT[d['design']]}: {d['slow'].capitalize()} up to "
            f"{d['worst'][d['slow']]:,.1f} s behind "
            f"({done:.0%} done), the others {others:,.2f} s; caller p99 {r.p(99):,.0f} ms"
        )

    def describe(self, d):
        r, slow = d["r"], d["slow"]
        name = slow.capitalize()
        window = f"from {SLOW_START_MS / 1000:g} s to {(SLOW_START_MS + SLOW_MS) / 1000:g} s"
        what = f"{name} {d['slowdown']}× slower {window}" if d["slowdown"] > 1 else "All healthy"
        done = r.delivered(slow)
        if r.style == "sync":
            did = f"{name} answered in time for {done:,} of {r.n_orders} orders (nobody retries)"
        else:
            did = f"{name} processed {done:,} of {r.n_orders} orders from its queue"
        others = ", ".join(
            f"{s.capitalize()} {v:,.2f} s" for s, v in d["worst"].items() if s != slow
        )
        return (
            f"{what}, {d['design']}: {name}'s mean lag behind an order peaked at "
            f"{d['worst'][slow]:,.1f} s; the other subscribers' at {others}. {did}. The caller "
            f"waited p50 {r.p(50):,.0f} ms, p99 {r.p(99):,.0f} ms; {r.success_rate():.1%} of "
            f"{r.n_orders} orders confirmed."
        )


def _mean_by(idx, values, n_bins):
    ok = ~np.isnan(values)
    total = np.bincount(idx[ok], weights=values[ok], minlength=n_bins)
    count = np.bincount(idx[ok], minlength=n_bins)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def slow_subscriber(**initial) -> SlowSubscriberPanel:
    """Which subscriber is slow, how slow, the design → each subscriber's lag, the caller's wait."""
    return SlowSubscriberPanel(**initial)
