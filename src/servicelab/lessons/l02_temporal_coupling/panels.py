"""Panels of lesson 02, temporal coupling: the caller waits, latency adds up, tails grow.

* :func:`temporal_coupling` — per-service latencies and an Email slowdown;
  users' waits and email delivery times, sync against async;
* :func:`request_timeline` — who works and who waits, for one order;
* :func:`tail_amplification` — how often a chain meets a slow call.
"""

from __future__ import annotations

import math

import numpy as np

from ...faults import Faults
from ...latency import LogNormal
from ...scenarios.chain import run_chain
from ...scenarios.checkout import run_both
from ...ui.axes import cdf, log_ms_axis, nice_limit
from ...ui.checkout_figures import span_bar_style, timeline_legend_handles
from ...ui.panel import Panel, int_slider, plural, slider
from ...ui.style import ASYNC, LANES, NEUTRAL, STYLE_COLORS, SYNC
from .analysis import capacity_note

# the makers a notebook calls and their panel classes: the facade servicelab.panels shows them
__all__ = [
    "TemporalCouplingPanel",
    "TimelinePanel",
    "TailPanel",
    "temporal_coupling",
    "request_timeline",
    "tail_amplification",
]

SEED = 2
SIGMA = {"payment": 0.4, "inventory": 0.4, "email": 0.5}
Z99 = 2.3263478740408408  # the standard normal's 99th percentile


def _latencies(payment_ms, inventory_ms, email_ms):
    return {
        "payment": LogNormal(payment_ms, SIGMA["payment"]),
        "inventory": LogNormal(inventory_ms, SIGMA["inventory"]),
        "email": LogNormal(email_ms, SIGMA["email"]),
    }


def _latency_controls() -> dict:
    """Sliders for the three services' mean latencies and an Email slowdown."""
    return {
        "payment_ms": slider("Payment latency (ms)", 150, 20, 500, 10),
        "inventory_ms": slider("Inventory latency (ms)", 60, 10, 500, 10),
        "email_ms": slider("Email latency (ms)", 100, 10, 500, 10),
        "email_slowdown": slider("Email slowdown (×)", 1, 1, 20, 1),
    }


# -- users' waits and email delivery -------------------------------------------------


class TemporalCouplingPanel(Panel):
    title = "If Email is slow, is checkout slow? Users' waits and email delivery, sync vs async"
    figsize = (9.0, 3.4)
    n_orders = 300

    def make_controls(self):
        return {
            **_latency_controls(),
            "arrival_rate": slider("Orders per second", 5, 1, 20, 1),
        }

    def layout(self, figure):
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.8, wspace=0.12)
        axes = figure.subplots(1, 2, sharey=True)
        self.title_text = self.headline()
        titles = ("users wait for an answer", "the email itself")
        xlabels = (
            "user's wait for an answer (ms, log scale)",
            "email sent, after the order arrived (ms, log scale)",
        )
        self.lines = {}
        self.legends = {}
        for ax, title, xlabel in zip(axes, titles, xlabels, strict=True):
            log_ms_axis(ax, fmt=",.0f")
            ax.set_xlim(10, 1000)
            ax.set_ylim(0, 1.02)
            ax.set_title(title, loc="left")
            ax.set_xlabel(xlabel)
            for style in ("sync", "async"):
                (line,) = ax.plot(
                    [],
                    [],
                    color=STYLE_COLORS[style],
                    linewidth=2,
                    drawstyle="steps-post",
                    label=style,
                )
                self.lines[title, style] = self.live(line)
            self.legends[title] = self.live_legend(ax, loc="upper left")
        axes[0].set_ylabel("share of orders")
        return axes

    def compute(self, payment_ms, inventory_ms, email_ms, email_slowdown, arrival_rate):
        means = {
            "payment": payment_ms,
            "inventory": inventory_ms,
            "email": email_ms * email_slowdown,
        }
        note = capacity_note(arrival_rate, means)
        faults = {"email": Faults.slow(email_slowdown)} if email_slowdown != 1 else {}
        sync, asyn = run_both(
            seed=SEED,
            n_orders=self.n_orders,
            arrival_rate=arrival_rate,
            latency=_latencies(payment_ms, inventory_ms, email_ms),
            faults=faults,
        )
        return {
            "sync": sync,
            "async": asyn,
            "sync_p50": sync.p(50),
            "sync_p99": sync.p(99),
            "async_p50": asyn.p(50),
            "async_p99": asyn.p(99),
            "email_sync_p50": float(np.median(sync.task_delay("email"))),
            "email_async_p50": float(np.median(asyn.task_delay("email"))),
            "note": note,
        }

    def draw(self, d):
        top = 0.0
        for title, of in (
            ("users wait for an answer", lambda r: r.latency()),
            ("the email itself", lambda r: r.task_delay("email")),
        ):
            for style in ("sync", "async"):
                x, y = cdf(of(d[style]))
                self.lines[title, style].set_data(x, y)
                top = max(top, x[-1] if x.size else 0.0)
        for ax in self.axes:
            self.set_xlim(ax, 10, nice_limit(top * 1.05, decades=True))
        ratio = d["sync_p50"] / d["async_p50"]
        self.title_text.set_text(
            f"Sync users wait {ratio:.1f}× as long as async ones (median); "
            f"the email itself is not faster in sync"
            if d["email_sync_p50"] >= 0.9 * d["email_async_p50"]
            else f"Sync users wait {ratio:.1f}× as long as async ones (median)"
        )
        for title, key in (("users wait for an answer", ""), ("the email itself", "email_")):
            texts = self.legends[title].get_texts()
            for text, style in zip(texts, ("sync", "async"), strict=True):
                text.set_text(f"{style}: median {d[f'{key}{style}_p50']:,.0f} ms")

    def describe(self, d):
        return (
            f"Users wait (median / p99): sync {d['sync_p50']:,.0f} / {d['sync_p99']:,.0f} ms, "
            f"async {d['async_p50']:,.0f} / {d['async_p99']:,.0f} ms. "
            f"The median email goes out {d['email_sync_p50']:,.0f} ms (sync) and "
            f"{d['email_async_p50']:,.0f} ms (async) after the order.{d['note']}"
        )


# -- one order's timeline ----------------------------------------------------------------

#: the lanes of the default checkout, which calls no Analytics
_LANES = tuple(lane for lane in LANES if lane != "analytics")


class TimelinePanel(Panel):
    title = "Who waits for whom: one order, sync (top) and async (bottom)"
    figsize = (9.0, 4.6)

    def make_controls(self):
        return {
            **_latency_controls(),
            "order": int_slider("Which order (1–10)", 1, 1, 10),
        }

    def layout(self, figure):
        figure.subplots_adjust(left=0.1, right=0.97, bottom=0.17, top=0.86, hspace=0.7)
        axes = figure.subplots(2, 1)
        self.title_text = self.headline()
        self.bars: dict = {}  # (style, lane, kind, k-th such span) → its bar, made once
        self.marks = {}
        for ax, style in zip(axes, ("sync", "async"), strict=True):
            ax.set_yticks(range(len(_LANES)), [lane.capitalize() for lane in reversed(_LANES)])
            ax.set_ylim(-0.6, len(_LANES) - 0.1)
            ax.set_xlim(0, 500)
            ax.grid(axis="y", visible=False)
            ax.set_xlabel("time since the order arrived (ms)")
            ax.set_title(style, loc="left", color=STYLE_COLORS[style])
            line = self.live(ax.axvline(0, color=STYLE_COLORS[style], linewidth=1.5))
            text = self.live(
                ax.text(
                    0, len(_LANES) - 0.45, "", color=STYLE_COLORS[style], fontsize=9, va="bottom"
                )
            )
            self.marks[style] = (line, text)
        figure.legend(handles=timeline_legend_handles(), loc="lower center", ncol=3, fontsize=8.5)
        return axes

    def compute(self, payment_ms, inventory_ms, email_ms, email_slowdown, order):
        faults = {"email": Faults.slow(email_slowdown)} if email_slowdown != 1 else {}
        sync, asyn = run_both(
            seed=SEED,
            n_orders=10,
            arrival_rate=0.5,
            decline_rate=0.0,
            trace_orders=10,
            latency=_latencies(payment_ms, inventory_ms, email_ms),
            faults=faults,
        )
        i = order - 1
        spans = {r.style: [s for s in r.spans if s.order == i] for r in (sync, asyn)}
        done = max(s.end_ms for s in spans["async"] if s.lane in ("inventory", "email"))
        return {
            "sync": sync,
            "async": asyn,
            "order": i,
            "spans": spans,
            "sync_wait": float(sync.response_ms[i]),
            "async_wait": float(asyn.response_ms[i]),
            "async_done": done - float(asyn.arrival_ms[i]),
        }

    def draw(self, d):
        for bar in self.bars.values():  # bars are reused, moved, hidden: never piled up
            bar.set_visible(False)
        ends = []
        for ax, style in zip(self.axes, ("sync", "async"), strict=True):
            spans = d["spans"][style]
            t0 = min(s.start_ms for s in spans)
            ends.append(max(s.end_ms for s in spans) - t0)
            seen: dict = {}
            for s in spans:
                k = seen[s.lane, s.kind] = seen.get((s.lane, s.kind), -1) + 1
                bar = self.bar(ax, (style, s.lane, s.kind, k), s)
                bar.set(x=s.start_ms - t0, width=max(s.end_ms - s.start_ms, 0.0), visible=True)
            waited = d[f"{style}_wait"]
            line, text = self.marks[style]
            line.set_xdata([waited, waited])
            text.set_position((waited, len(_LANES) - 0.45))
            text.set_text(f" user has an answer: {waited:,.0f} ms")
        for ax in self.axes:
            self.set_xlim(ax, 0, nice_limit(1.15 * max(ends)))
        self.title_text.set_text(
            f"The sync user is blocked {d['sync_wait']:,.0f} ms, the async user "
            f"{d['async_wait']:,.0f} ms: only Payment is waited for"
        )

    def bar(self, ax, key, span):
        """The live bar of ``key`` = (style, lane, kind, k), made by ``barh`` the first time."""
        if key not in self.bars:
            y = len(_LANES) - 1 - _LANES.index(span.lane)
            (self.bars[key],) = ax.barh(y, 0.0, **span_bar_style(span, key[0]))
            self.live(self.bars[key])
        return self.bars[key]

    def describe(self, d):
        return (
            f"Sync: the user waits {d['sync_wait']:,.0f} ms, until Payment, Inventory and Email "
            f"have all answered. Async: the user waits {d['async_wait']:,.0f} ms (Payment and the "
            f"publish); Inventory and Email finish {d['async_done']:,.0f} ms after the order "
            f"arrived, with nobody waiting for them."
        )


# -- tail amplification -------------------------------------------------------------------


class TailPanel(Panel):
    title = "Tail amplification: the longer the sync chain, the more requests meet a slow call"
    figsize = (9.0, 3.4)
    n_requests = 4000
    max_services = 10
    median_ms = 40.0

    def make_controls(self):
        return {
            "n_services": int_slider("Services in the chain", 4, 1, self.max_services),
            "tail": slider("One call's p99 ÷ median (×)", 4, 1.5, 10, 0.5, ".1f"),
        }

    def layout(self, figure):
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.8, wspace=0.25)
        left, right = figure.subplots(1, 2)
        self.title_text = self.headline()
        n = np.linspace(1, self.max_services, 100)
        left.plot(n, 100 * (1 - 0.99**n), color=NEUTRAL, linewidth=1.5, label="theory: 1 − 0.99ⁿ")
        self.dots = self.live(left.plot([], [], "o", color=SYNC, label="simulated")[0])
        (self.ring,) = left.plot(
            [],
            [],
            "o",
            markersize=13,
            markerfacecolor="none",
            markeredgecolor=SYNC,
            markeredgewidth=2,
        )
        self.live(self.ring)
        left.set_xlim(0.5, self.max_services + 0.5)
        left.set_ylim(0, 14)
        left.set_xlabel("services called one after another")
        left.set_ylabel("requests meeting a slow call (%)")
        left.set_title("slow = slower than one call's p99", loc="left")
        left.legend(loc="upper left")
        log_ms_axis(right, fmt=",.0f")
        right.set_ylim(0, 1.02)
        right.set_xlim(10, 1000)
        right.set_xlabel("user's wait (ms, log scale)")
        right.set_ylabel("share of requests")
        right.set_title("what the user waits for", loc="left")
        steps = dict(linewidth=2, drawstyle="steps-post")
        chain_label, one_label = "sync: the whole chain", "async: the first call only"
        self.chain_line = self.live(right.plot([], [], color=SYNC, label=chain_label, **steps)[0])
        self.one_line = self.live(right.plot([], [], color=ASYNC, label=one_label, **steps)[0])
        self.legend = self.live_legend(right, loc="upper left")
        return left, right

    def compute(self, n_services, tail):
        sigma = math.log(tail) / Z99  # p99 / median = exp(2.326 σ) for a log-normal
        latency = LogNormal(self.median_ms * math.exp(sigma**2 / 2), sigma)
        chain = run_chain(self.max_services, latency, self.n_requests, seed=SEED)
        lengths = np.arange(1, self.max_services + 1)
        shares = np.array([chain.share_meeting_a_slow_call(n) for n in lengths])
        whole = chain.chain_ms(n_services)
        one = chain.chain_ms(1)
        return {
            "lengths": lengths,
            "shares": shares,
            "n": n_services,
            "share": float(shares[n_services - 1]),
            "theory": 1 - 0.99**n_services,
            "chain_ms": whole,
            "one_ms": one,
            "chain_p99": float(np.percentile(whole, 99)),
            "call_p99": latency.quantile(0.99),
            "one_p99": float(np.percentile(one, 99)),
        }

    def draw(self, d):
        self.dots.set_data(d["lengths"], 100 * d["shares"])
        self.ring.set_data([d["n"]], [100 * d["share"]])
        x, y = cdf(d["chain_ms"])
        self.chain_line.set_data(x, y)
        self.one_line.set_data(*cdf(d["one_ms"]))
        self.set_xlim(self.axes[1], 10, nice_limit(x[-1] * 1.05, decades=True))
        sync_text, async_text = self.legend.get_texts()
        sync_text.set_text(f"sync, {plural(d['n'], 'call')}: p99 {d['chain_p99']:,.0f} ms")
        async_text.set_text(f"async, first call only: p99 {d['one_p99']:,.0f} ms")
        self.title_text.set_text(
            f"{plural(d['n'], 'sync call')} in a row: {d['share']:.1%} of requests meet a slow "
            f"call, and the p99 wait is {d['chain_p99'] / d['one_p99']:.1f}× one call's"
        )

    def describe(self, d):
        return (
            f"With {plural(d['n'], 'service')} in a row, {d['share']:.1%} of requests meet at "
            f"least one call slower than its p99 (theory 1 − 0.99^{d['n']} = {d['theory']:.1%}). "
            f"The chain's p99 is {d['chain_p99']:,.0f} ms, against {d['call_p99']:,.0f} ms for one "
            f"call; a user who waits for one call only sees p99 {d['one_p99']:,.0f} ms."
        )


def temporal_coupling(**initial) -> TemporalCouplingPanel:
    """Per-service latencies and an Email slowdown: users' waits, sync vs async."""
    return TemporalCouplingPanel(**initial)


def request_timeline(**initial) -> TimelinePanel:
    """One order's timeline in both styles: who works, who waits."""
    return TimelinePanel(**initial)


def tail_amplification(**initial) -> TailPanel:
    """How a sync chain's length multiplies the chance of meeting a slow call."""
    return TailPanel(**initial)
