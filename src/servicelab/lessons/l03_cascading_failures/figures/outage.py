"""Lesson 03's outage figure: Inventory goes down; sync orders fail, async ones wait."""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ....ui.axes import new_axes, shade
from ....ui.checkout_figures import backlog_over_time, success_over_time
from ....ui.style import OUTAGE, STYLE_COLORS, styled
from ..analysis import share_confirmed, windows_ms

__all__ = ["outage_figure"]


@styled
def outage_figure(sync, asyn, windows, *, service: str = "inventory", bin_ms: float = 5000.0):
    """Orders confirmed over time in both styles, and the async backlog of ``service``.

    ``windows`` is one ``(start_ms, end_ms)`` outage or a list of them; they are
    shaded on both axes. Returns the two axes.
    """
    windows = windows_ms(windows)
    _, (left, right) = new_axes(1, 2, size=(11.0, 3.5), constrained_layout=True)
    for ax in (left, right):
        for k, w in enumerate(windows):
            shade(ax, w, f"{service.capitalize()} down" if k == 0 else "_down")
    success_over_time([sync, asyn], left, bin_ms=bin_ms)
    backlog_over_time(asyn, service, right)
    shares = [share_confirmed(r, windows) for r in (sync, asyn)]
    during = "During the outage" if len(windows) == 1 else f"During the {len(windows)} outages"
    left.set_title(f"{during}: sync {shares[0]:.0%} confirmed, async {shares[1]:.0%}", loc="left")
    peak = int(asyn.series[f"backlog {service}"].values.max())
    right.set_title(f"Async: the backlog peaks at {peak:,}, then drains", loc="left")
    left.set_xlim(0, None)
    right.set_xlim(0, None)
    for ax in (left, right):
        ax.get_legend().remove()
    handles = [
        Patch(color=OUTAGE, alpha=0.5, label=f"{service.capitalize()} down"),
        Line2D([], [], color=STYLE_COLORS["sync"], linewidth=2, label="sync"),
        Line2D([], [], color=STYLE_COLORS["async"], linewidth=2, label="async"),
    ]
    left.figure.legend(handles=handles, loc="outside lower center", ncol=3)
    return left, right
