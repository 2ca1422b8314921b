"""Lesson 03's outage figure: Inventory goes down; sync orders fail, async ones wait."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from ....ui.alt import alt_text, sentences, set_alt
from ....ui.axes import new_axes, shade
from ....ui.checkout_figures import backlog_over_time, success_over_time
from ....ui.style import OUTAGE, style_handle, styled
from ..analysis import share_confirmed, windows_ms

__all__ = ["outage_figure"]


def _empty_after(result, service: str, end_ms: float) -> float:
    """Seconds from ``end_ms`` until ``service``'s backlog first stood at 0 (nan: it never did).

    The queue itself, not the last message of the window: a backlog that
    still holds work at the end of the run never emptied.
    """
    s = result.series[f"backlog {service}"]
    empty = s.t_ms[(s.t_ms >= end_ms) & (s.values <= 0)]
    return float(empty[0] - end_ms) / 1000 if empty.size else float("nan")


def _backlog_title(result, service: str, windows) -> str:
    s = result.series[f"backlog {service}"]
    peak = int(s.values.max()) if s.values.size else 0
    after = _empty_after(result, service, windows[-1][1]) if windows else float("nan")
    back = f"{service.capitalize()} is back" if len(windows) == 1 else "the last outage"
    if np.isnan(after):
        left = int(s.values[-1]) if s.values.size else 0
        return f"Async: the backlog peaks at {peak:,}; {left:,} still wait at the end"
    return f"Async: the backlog peaks at {peak:,}, empty {after:,.1f} s after {back}"


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
    right.set_title(_backlog_title(asyn, service, windows), loc="left")
    left.set_xlim(0, None)
    right.set_xlim(0, None)
    for ax in (left, right):
        ax.get_legend().remove()
    handles = [
        Patch(color=OUTAGE, alpha=0.5, label=f"{service.capitalize()} down"),
        style_handle("sync"),
        style_handle("async"),
    ]
    left.figure.legend(handles=handles, loc="outside lower center", ncol=3)
    spans = ", ".join(f"{a / 1000:g}–{b / 1000:g} s" for a, b in windows)
    set_alt(
        left.figure,
        f"{sentences(left.get_title(loc='left'), right.get_title(loc='left'))} "
        f"{service.capitalize()} down {spans} "
        f"(shaded). Left: {alt_text(left)} Right: {alt_text(right)}",
    )
    return left, right
