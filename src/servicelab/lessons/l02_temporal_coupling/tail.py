"""Lesson 02's tail panel: what a chain of sync calls does to the user's wait.

Two mechanisms, told apart:

* **a sequential chain** (call one service, then the next) *adds* its calls:
  its median grows with every call, and relative to that median its tail
  narrows (p99/p50 falls from the single call's ratio towards 1), because one
  slow call is diluted by the others;
* **1 − 0.99ⁿ** is the share of requests that *touch* at least one call
  slower than one call's p99. It sets the tail in a **fan-out**, where a
  request calls n services in parallel and waits for the slowest: then
  exactly those requests are slower than one call's p99
  (:meth:`~servicelab.scenarios.chain.ChainResult.fan_out_ms`).

The left axes show that share against the theory; the right one the user's
wait for the first call only (as an async caller would), for n calls in a
row and for n calls in parallel.
"""

from __future__ import annotations

import math

import numpy as np

from ...latency import LogNormal
from ...scenarios.chain import run_chain
from ...ui.axes import cdf, log_ms_axis, nice_limit
from ...ui.panel import Panel, int_slider, plural, slider
from ...ui.style import NEUTRAL, SYNC, style_line

__all__ = ["TailPanel", "tail_amplification", "thinned_cdf"]

SEED = 2
Z99 = 2.3263478740408408  # the standard normal's 99th percentile


class TailPanel(Panel):
    title = "Tail amplification: a sync chain adds up its calls; a fan-out waits for the slowest"
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
        left.set_xlabel("services called (n)")
        left.set_ylabel("requests touching a slow call (%)")
        left.set_title("slow = beyond one call's p99", loc="left")
        left.legend(loc="upper left")
        log_ms_axis(right, fmt=",.0f")
        right.set_ylim(0, 1.02)
        right.set_xlim(10, 1000)
        right.set_xlabel("user's wait (ms, log scale)")
        right.set_ylabel("share of requests")
        right.set_title("what the user waits for", loc="left")
        steps = dict(linewidth=2, drawstyle="steps-post")
        self.chain_line = self.live(
            right.plot([], [], label="chain", **steps, **style_line("sync"))[0]
        )
        self.fan_line = self.live(
            right.plot(
                [], [], label="fan-out", **steps, **{**style_line("sync"), "linestyle": ":"}
            )[0]
        )
        self.one_line = self.live(
            right.plot([], [], label="one call", **steps, **style_line("async"))[0]
        )
        self.legend = self.live_legend(right, loc="lower right", fontsize=8.5)
        return left, right

    def compute(self, n_services, tail):
        sigma = math.log(tail) / Z99  # p99 / median = exp(2.326 σ) for a log-normal
        latency = LogNormal(self.median_ms * math.exp(sigma**2 / 2), sigma)
        chain = run_chain(self.max_services, latency, self.n_requests, seed=SEED)
        lengths = np.arange(1, self.max_services + 1)
        shares = np.array([chain.share_meeting_a_slow_call(n) for n in lengths])
        whole, fan, one = (
            chain.chain_ms(n_services),
            chain.fan_out_ms(n_services),
            chain.chain_ms(1),
        )
        p50, p99 = np.percentile(whole, [50, 99])
        one_p50, one_p99 = np.percentile(one, [50, 99])
        return {
            "lengths": lengths,
            "shares": shares,
            "n": n_services,
            "share": float(shares[n_services - 1]),
            "theory": 1 - 0.99**n_services,
            "chain_ms": whole,
            "fan_ms": fan,
            "one_ms": one,
            "chain_p50": float(p50),
            "chain_p99": float(p99),
            "chain_ratio": float(p99 / p50),
            "fan_p99": float(np.percentile(fan, 99)),
            "fan_slow": chain.share_slower_than_one_p99(n_services),
            "call_p99": latency.quantile(0.99),
            "one_p50": float(one_p50),
            "one_p99": float(one_p99),
            "one_ratio": float(one_p99 / one_p50),
        }

    def draw(self, d):
        self.dots.set_data(d["lengths"], 100 * d["shares"])
        self.ring.set_data([d["n"]], [100 * d["share"]])
        x, y = thinned_cdf(d["chain_ms"])
        self.chain_line.set_data(x, y)
        self.fan_line.set_data(*thinned_cdf(d["fan_ms"]))
        self.one_line.set_data(*thinned_cdf(d["one_ms"]))
        self.set_xlim(self.axes[1], 10, nice_limit(x[-1] * 1.05, decades=True))
        chain_text, fan_text, one_text = self.legend.get_texts()
        calls = plural(d["n"], "call")
        chain_text.set_text(
            f"sync, {calls}: p99 {d['chain_p99']:,.0f} ms, {d['chain_ratio']:.1f}× p50"
        )
        fan_text.set_text(f"… in parallel: p99 {d['fan_p99']:,.0f} ms")
        one_text.set_text(f"async, 1 call: p99 {d['one_p99']:,.0f} ms, {d['one_ratio']:.1f}× p50")
        self.title_text.set_text(
            f"1 sync call in a row: p50 {d['one_p50']:,.0f} ms, p99 {d['one_ratio']:.1f}× that; "
            "add calls to see the medians add"
            if d["n"] == 1
            else f"{d['n']} sync calls in a row: the medians add (p50 {d['chain_p50']:,.0f} ms) "
            f"and p99/p50 narrows from {d['one_ratio']:.1f} to {d['chain_ratio']:.1f}"
        )

    def describe(self, d):
        n = d["n"]
        touch = (
            f"{d['share']:.1%} of requests touch at least one call slower than its p99 "
            f"(theory 1 − 0.99^{n} = {d['theory']:.1%})"
        )
        if n == 1:
            return (
                f"With 1 service in a row, a request waits for one call: p50 "
                f"{d['one_p50']:,.0f} ms, p99 {d['one_p99']:,.0f} ms ({d['one_ratio']:.1f}× its "
                f"median); {touch}. Add services to see a chain's medians add."
            )
        return (
            f"With {n} services in a row, the medians add: p50 {d['chain_p50']:,.0f} ms against "
            f"{d['one_p50']:,.0f} ms for one call, and the chain's p99 of "
            f"{d['chain_p99']:,.0f} ms is {d['chain_ratio']:.1f}× its median (one call: "
            f"{d['one_ratio']:.1f}×). {touch}, but in a row a slow call is diluted by the "
            f"others. That share sets the tail when the calls run in parallel and the request "
            f"waits for the slowest: then {d['fan_slow']:.1%} of requests are slower than one "
            f"call's p99 of {d['call_p99']:,.0f} ms (fan-out p99 {d['fan_p99']:,.0f} ms). A "
            f"user who waits for one call only sees p99 {d['one_p99']:,.0f} ms."
        )


def thinned_cdf(values, points: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """An empirical distribution function at ``points`` evenly spaced shares (and its ends).

    Drawn as steps it looks the same as every value's (4,000 here) at a
    panel's size, for an eighth of the vertices to draw.
    """
    x, y = cdf(values)
    if x.size <= points:
        return x, y
    keep = np.unique(np.r_[np.linspace(0, x.size - 1, points).astype(int), x.size - 1])
    return x[keep], y[keep]


def tail_amplification(**initial) -> TailPanel:
    """A chain's length and one call's tail: medians add in a row, the slowest sets a fan-out."""
    return TailPanel(**initial)
