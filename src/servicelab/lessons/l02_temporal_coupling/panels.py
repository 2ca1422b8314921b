"""Panels of lesson 02, temporal coupling: the caller waits, latency adds up, tails grow.

* :func:`temporal_coupling` — per-service latencies and an Email slowdown;
  users' waits and email delivery times, sync against async. Where a service
  cannot keep up (ρ ≥ 1) sync has no steady wait and is not shown; async is:
  its users stay fast while the work falls behind;
* :func:`request_timeline` — who works and who waits, for one order;
* :func:`tail_amplification` — a sequential chain adds its calls' medians
  (its tail narrows relative to its median), and 1 − 0.99ⁿ of requests touch
  a slow call; in a fan-out, which waits for the slowest of n parallel
  calls, that share is the share of requests slower than one call's p99.
"""

from __future__ import annotations

import numpy as np

from ...faults import Faults
from ...latency import LogNormal
from ...scenarios.checkout import run_both, run_checkout
from ...ui.axes import cdf, log_ms_axis, nice_limit
from ...ui.checkout_figures import span_bar_style, timeline_legend_handles
from ...ui.panel import Panel, int_slider, slider
from ...ui.style import LANES, STYLE_COLORS, style_line
from .analysis import (
    DOWNSTREAM_WORK,
    behind_sentence,
    capacity_note,
    falling_behind,
    overloaded,
    refusal,
)
from .tail import TailPanel, tail_amplification

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
                    linewidth=2,
                    drawstyle="steps-post",
                    label=style,
                    **style_line(style),
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
        note = capacity_note(arrival_rate, means, "async")  # refuses if async users can't be served
        behind = overloaded(arrival_rate, means, "async")  # Inventory or Email: ρ ≥ 1
        over = overloaded(arrival_rate, means, "sync")
        options = dict(
            seed=SEED,
            n_orders=self.n_orders,
            arrival_rate=arrival_rate,
            latency=_latencies(payment_ms, inventory_ms, email_ms),
            faults={"email": Faults.slow(email_slowdown)} if email_slowdown != 1 else {},
        )
        if over:  # sync has no steady wait: show async alone
            name = min(over, key=lambda n: n == "order")
            sync, asyn = None, run_checkout("async", **options)
            refused = refusal(arrival_rate, means, name, over[name], "sync")
        else:
            note = capacity_note(arrival_rate, means, "sync")
            (sync, asyn), refused = run_both(**options), ""
        nan = float("nan")
        return {
            "sync": sync,
            "async": asyn,
            "sync_p50": sync.p(50) if sync else nan,
            "sync_p99": sync.p(99) if sync else nan,
            "async_p50": asyn.p(50),
            "async_p99": asyn.p(99),
            "email_sync_p50": float(np.median(sync.task_delay("email"))) if sync else nan,
            "email_async_p50": float(np.median(asyn.task_delay("email"))),
            "sync_refused": refused,
            "behind": [falling_behind(asyn, name, busy) for name, busy in behind.items()],
            "note": note,
        }

    def draw(self, d):
        top = 0.0
        for title, of in (
            ("users wait for an answer", lambda r: r.latency()),
            ("the email itself", lambda r: r.task_delay("email")),
        ):
            for style in ("sync", "async"):
                x, y = cdf(of(d[style])) if d[style] else (np.empty(0), np.empty(0))
                self.lines[title, style].set_data(x, y)
                top = max(top, x[-1] if x.size else 0.0)
        for ax in self.axes:
            self.set_xlim(ax, 10, nice_limit(top * 1.05, decades=True))
        for title, key in (("users wait for an answer", ""), ("the email itself", "email_")):
            texts = self.legends[title].get_texts()
            for text, style in zip(texts, ("sync", "async"), strict=True):
                median = d[f"{key}{style}_p50"]
                shown = "no steady wait" if d[style] is None else f"median {median:,.0f} ms"
                text.set_text(f"{style}: {shown}")
        if d["sync_refused"]:
            late = d["behind"][0] if d["behind"] else None
            who = f"{late['service'].capitalize()} cannot keep up: sync" if late else "Sync"
            self.title_text.set_text(
                f"{who} has no steady wait; async users still wait "
                f"{d['async_p50']:,.0f} ms (median)"
                + (
                    f", while {late['unsent_at_last']:,} "
                    f"{DOWNSTREAM_WORK[late['service']][1]} fall behind"
                    if late
                    else ""
                )
            )
            return
        ratio = d["sync_p50"] / d["async_p50"]
        self.title_text.set_text(
            f"Sync users wait {ratio:.1f}× as long as async ones (median); "
            f"the email itself is not faster in sync"
            if d["email_sync_p50"] >= 0.9 * d["email_async_p50"]
            else f"Sync users wait {ratio:.1f}× as long as async ones (median)"
        )

    def describe(self, d):
        behind = "".join(f" {behind_sentence(b)}" for b in d["behind"])
        if d["sync_refused"]:
            return (
                f"Sync is not shown: {d['sync_refused'][0].lower()}{d['sync_refused'][1:]}. "
                f"Async users wait (median / p99) "
                f"{d['async_p50']:,.0f} / {d['async_p99']:,.0f} ms: only for Payment and the "
                f"publish.{behind}{d['note']}"
            )
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
            line = self.live(ax.axvline(0, linewidth=1.5, **style_line(style, markers=False)))
            text = self.live(
                ax.text(
                    0, len(_LANES) - 0.45, "", color=STYLE_COLORS[style], fontsize=9, va="bottom"
                )
            )
            self.marks[style] = (line, text)
        figure.legend(
            handles=timeline_legend_handles(queued=False), loc="lower center", ncol=2, fontsize=8.5
        )
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


def temporal_coupling(**initial) -> TemporalCouplingPanel:
    """Per-service latencies and an Email slowdown: users' waits, sync vs async."""
    return TemporalCouplingPanel(**initial)


def request_timeline(**initial) -> TimelinePanel:
    """One order's timeline in both styles: who works, who waits."""
    return TimelinePanel(**initial)
