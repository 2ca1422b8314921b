"""Lesson 03's availability figure: availabilities multiply along a sync chain.

Three designs, side by side against the services a checkout calls: naive sync
(every call is required, so the success rate is the product of all of them),
sync done well (side effects such as Email and Analytics are best-effort, so
only the required calls, Payment × Inventory, multiply) and async (the user
depends on Payment alone). Theory draws each as a line; simulated checkouts
are points with 95 % intervals.
"""

from __future__ import annotations

import numpy as np

from .... import _check
from ....theory import chain_availability
from ....ui.alt import sentences, set_alt
from ....ui.axes import ax_or_new, percent_axis
from ....ui.style import STYLE_COLORS, STYLE_LOOKS, styled
from ..analysis import CHAIN, CHAIN_LABELS, chain_success, ci95

__all__ = ["availability_chain"]

#: the calls a checkout cannot do without: the user must know the card was charged and the
#: stock is there; Email and Analytics are side effects that can be retried later
REQUIRED = ("payment", "inventory")
#: sync done well: the same colour as sync (it is sync), a dotted line and diamond markers
WELL = {"color": STYLE_COLORS["sync"], "linestyle": ":", "marker": "D"}


def _well_theory(availability: float, n: int) -> np.ndarray:
    """Success of sync done well for each prefix of the chain: the required calls multiply."""
    return np.array(
        [
            chain_availability(*[availability] * sum(c in REQUIRED for c in CHAIN[:k]))
            for k in range(1, n + 1)
        ]
    )


def _point(ax, x, rate, n, look, label):
    """A simulated share at ``x`` with its 95 % interval, as ``errorbar`` draws it."""
    ax.errorbar(
        [x],
        [100 * rate],
        yerr=[100 * ci95(np.array([rate]), n)[0]],
        fmt=look["marker"],
        color=look["color"],
        markersize=7,
        capsize=3,
        label=label,
    )


@styled
def availability_chain(sync, asyn, availability: float, ax=None, *, title=None, well=None):
    """Orders confirmed against the services a sync checkout calls, simulation and theory.

    ``sync``/``asyn`` are checkout results in which every service of the
    chain fails a share ``1 − availability`` of requests. Theory draws three
    lines: naive sync (every call required: ``availabilityⁿ``), sync done well
    (only Payment × Inventory required) and async (Payment alone). ``well``,
    if given, is a simulated sync-done-well run of the same orders (anything
    with ``success_rate()``), drawn as a point at the end of the chain.
    """
    availability = _check.probability("availability", availability)
    ax = ax_or_new(ax, constrained_layout=True)
    rates = chain_success(sync)
    k = np.arange(1, rates.size + 1)
    n = int(np.count_nonzero(sync.outcome != "declined"))
    ks = np.arange(1, len(CHAIN) + 1)
    naive = availability**ks
    done_well = _well_theory(availability, len(CHAIN))
    sync_look, async_look = STYLE_LOOKS["sync"], STYLE_LOOKS["async"]
    ax.plot(
        ks,
        100 * naive,
        color=sync_look["color"],
        linestyle=sync_look["linestyle"],
        linewidth=1.2,
        label=f"theory, sync: {availability:g}ⁿ (every call required)",
    )
    ax.plot(
        ks,
        100 * done_well,
        color=WELL["color"],
        linestyle=WELL["linestyle"],
        linewidth=1.6,
        label=f"theory, sync done well: {availability:g}² (Payment × Inventory; "
        "Email, Analytics best-effort)",
    )
    ax.axhline(
        100 * availability,
        color=async_look["color"],
        linestyle=async_look["linestyle"],
        linewidth=1.2,
        label=f"theory, async: {availability:g} (Payment alone)",
    )
    ax.errorbar(
        k,
        100 * rates,
        yerr=100 * ci95(rates, n),
        fmt=sync_look["marker"],
        color=sync_look["color"],
        markersize=7,
        capsize=3,
        label=f"simulated sync ({n:,} orders, 95% interval)",
    )
    a = asyn.success_rate()
    _point(ax, k[-1], a, n, async_look, "simulated async")
    simulated_well = None if well is None else well.success_rate()
    if simulated_well is not None:
        _point(ax, k[-1], simulated_well, n, WELL, "simulated sync done well")
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
    well_value = simulated_well if simulated_well is not None else done_well[-1]
    ax.annotate(
        f"done well: {well_value:.1%}",
        (ks[-1], 100 * well_value),
        xytext=(-6, 4),
        textcoords="offset points",
        ha="right",
        color=WELL["color"],
        fontsize=9,
    )
    ax.set_xticks(ks, CHAIN_LABELS[: len(ks)])
    ax.set_xlim(0.6, len(CHAIN) + 0.6)
    low = min(100 * naive[-1], 100 * rates.min()) - 3
    percent_axis(ax, low, 100.8)
    ax.set_xlabel("services the checkout calls (in order)")
    ax.set_ylabel("orders confirmed")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="lower left", fontsize=8)
    if title is None:
        said = "done well" if simulated_well is not None else "done well (theory)"
        title = (
            f"Sync: availabilities multiply ({rates.size} services: {rates[-1]:.1%}); "
            f"{said}: {well_value:.1%}; async: {a:.1%}"
        )
    ax.set_title(title, loc="left")
    set_alt(ax, _alt(title, availability, rates, naive, done_well, simulated_well, a, n))
    return ax


def _alt(title, availability, rates, naive, done_well, simulated_well, a, n) -> str:
    """The figure in words: each design's simulated and theoretical share confirmed."""
    listed = ", ".join(f"{r:.1%}" for r in rates)
    theory = ", ".join(f"{t:.1%}" for t in naive[: rates.size])
    well = f"{done_well[-1]:.1%} in theory"
    if simulated_well is not None:
        well += f", {simulated_well:.1%} simulated"
    return (
        f"{sentences(title)} "
        f"Chart of the orders confirmed against the services a sync checkout calls "
        f"(1 to {rates.size}), each failing {1 - availability:.1%} of calls, {n:,} orders: "
        f"naive sync simulated {listed} (theory {availability:g}ⁿ: {theory}); sync done well, "
        f"where only Payment × Inventory are required and Email and Analytics are "
        f"best-effort: {well}; async {a:.1%} simulated, {availability:.1%} in theory "
        "(Payment alone)."
    )
