"""Lesson 03's availability figure: availabilities multiply along a sync chain."""

from __future__ import annotations

import numpy as np

from .... import _check
from ....ui.axes import ax_or_new, percent_axis
from ....ui.style import STYLE_COLORS, styled
from ..analysis import CHAIN, CHAIN_LABELS, chain_success, ci95

__all__ = ["availability_chain"]


@styled
def availability_chain(sync, asyn, availability: float, ax=None, *, title=None):
    """Orders confirmed against the services a sync checkout calls, simulation and theory.

    ``sync``/``asyn`` are checkout results in which every service of the
    chain fails a share ``1 − availability`` of requests.
    """
    availability = _check.probability("availability", availability)
    ax = ax_or_new(ax, constrained_layout=True)
    rates = chain_success(sync)
    k = np.arange(1, rates.size + 1)
    n = int(np.count_nonzero(sync.outcome != "declined"))
    ks = np.arange(1, len(CHAIN) + 1)
    ax.plot(
        ks,
        100 * availability**ks,
        color=STYLE_COLORS["sync"],
        linestyle="--",
        linewidth=1.2,
        label=f"theory, sync: {availability:g}ⁿ",
    )
    ax.axhline(
        100 * availability,
        color=STYLE_COLORS["async"],
        linestyle="--",
        linewidth=1.2,
        label=f"theory, async: {availability:g} (Payment alone)",
    )
    ax.errorbar(
        k,
        100 * rates,
        yerr=100 * ci95(rates, n),
        fmt="o",
        color=STYLE_COLORS["sync"],
        markersize=7,
        capsize=3,
        label=f"simulated sync ({n:,} orders, 95% interval)",
    )
    a = asyn.success_rate()
    ax.errorbar(
        [k[-1]],
        [100 * a],
        yerr=[100 * ci95(np.array([a]), n)[0]],
        fmt="s",
        color=STYLE_COLORS["async"],
        markersize=7,
        capsize=3,
        label="simulated async",
    )
    for x, r in zip(k, rates, strict=True):
        ax.annotate(
            f"{r:.1%}",
            (x, 100 * r),
            xytext=(9, -3),
            textcoords="offset points",
            color=STYLE_COLORS["sync"],
            fontsize=9,
        )
    ax.annotate(
        f"{a:.1%}",
        (k[-1], 100 * a),
        xytext=(9, 2),
        textcoords="offset points",
        color=STYLE_COLORS["async"],
        fontsize=9,
    )
    ax.set_xticks(ks, CHAIN_LABELS[: len(ks)])
    ax.set_xlim(0.6, len(CHAIN) + 0.6)
    low = min(100 * availability ** len(CHAIN), 100 * rates.min()) - 3
    percent_axis(ax, low, 100.8)
    ax.set_xlabel("services the checkout calls (in order)")
    ax.set_ylabel("orders confirmed")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="lower left", fontsize=8.5)
    if title is None:
        title = (
            f"Sync: availabilities multiply ({rates.size} services: {rates[-1]:.1%}); "
            f"async: {a:.1%}"
        )
    ax.set_title(title, loc="left")
    return ax
