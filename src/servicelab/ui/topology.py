"""The checkout's topology: which service calls which, and who waits, in either style.

:func:`topology` draws one design: boxes for the services, solid vermillion
arrows for calls whose caller waits for the answer (sync), dashed blue ones
for messages nobody waits for (async). The Order service calls the services
of its checkout one after another, as the simulation does, so its arrows are
numbered in that order: in sync, Payment (1), Inventory (2), Email (3) …; in
async, Payment (1), then the *OrderCreated* event it publishes (2), which
each subscriber takes from its own queue. :func:`topologies` draws both
designs of the same checkout, one above the other, so they show the same
services.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .. import _check
from .alt import set_alt
from .axes import ax_or_new, new_axes
from .style import INK, SERVICE_COLORS, STYLE_COLORS, STYLE_LOOKS, styled

__all__ = ["topology", "topologies"]

#: the services the checkout may call after Payment, in the order it calls them
DOWNSTREAM = ("inventory", "email", "analytics")
BOX_W, BOX_H = 0.9, 0.44
#: centre x of each column: the user, Order, the services Order calls, the event's subscribers
COLUMNS = {"user": 0.0, "order": 1.3, "called": 3.1, "subscribers": 4.85}
#: height between two rows of called services
ROW = 0.62


def _check_downstream(downstream) -> tuple:
    if isinstance(downstream, str):
        downstream = (downstream,)
    try:
        downstream = tuple(downstream)
    except TypeError:
        raise _check.fail("downstream", downstream, f"a tuple of {', '.join(DOWNSTREAM)}") from None
    if (
        not downstream
        or any(d not in DOWNSTREAM for d in downstream)
        or len(set(downstream)) < len(downstream)
    ):
        raise _check.fail(
            "downstream", downstream, f"one or more of {', '.join(DOWNSTREAM)}, each once"
        )
    return downstream


def _box(ax, name: str, xy, *, label: str | None = None, dashed: bool = False) -> None:
    x, y = xy
    edge = SERVICE_COLORS.get(name, STYLE_COLORS["async"])
    ax.add_patch(
        FancyBboxPatch(
            (x - BOX_W / 2, y - BOX_H / 2),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0.02",
            facecolor=to_rgba(edge, 0.2),  # a tint, so a light colour (Email's yellow) shows
            edgecolor=edge,
            linewidth=2,
            linestyle=STYLE_LOOKS["async"]["linestyle"] if dashed else "-",
        )
    )
    text = label or name.capitalize()
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5 if "\n" in text else 9.5, color=INK)


def _arrow(ax, start, end, kind: str, number: int | None = None) -> None:
    """An arrow between two box centres, in ``kind``'s look, with its call number on it."""
    (x0, y0), (x1, y1) = start, end
    look = STYLE_LOOKS[kind]
    ax.add_patch(
        FancyArrowPatch(
            (x0 + BOX_W / 2, y0),
            (x1 - BOX_W / 2, y1),
            arrowstyle="-|>",
            mutation_scale=14,
            shrinkA=2,
            shrinkB=2,
            color=look["color"],
            linestyle=look["linestyle"],
            linewidth=1.6,
        )
    )
    if number is not None:
        t = 0.5
        x, y = x0 + BOX_W / 2 + t * (x1 - x0 - BOX_W), y0 + t * (y1 - y0)
        ax.text(
            x,
            y,
            str(number),
            ha="center",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color=look["color"],
            bbox=dict(boxstyle="circle,pad=0.18", facecolor="white", edgecolor=look["color"]),
        )


def _rows(n: int) -> np.ndarray:
    """The y of ``n`` rows, top to bottom, centred on the user's row (y = 1)."""
    return 1.0 + ROW * ((n - 1) / 2 - np.arange(n))


def _words(names) -> str:
    names = [n.capitalize() for n in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@styled
def topology(style: str, downstream=("inventory", "email"), ax=None):
    """The checkout's services in ``style``: solid arrows wait for an answer, dashed ones do not.

    ``downstream`` is what the checkout calls after Payment (as in
    :class:`~servicelab.scenarios.checkout.CheckoutConfig`); Order's arrows are
    numbered in the order it calls.
    """
    _check.choice("style", style, ("sync", "async"))
    downstream = _check_downstream(downstream)
    ax = ax_or_new(ax, size=(8.0, 2.2 + 0.5 * len(downstream)))
    user, order = (COLUMNS["user"], 1.0), (COLUMNS["order"], 1.0)
    _box(ax, "user", user)
    _box(ax, "order", order)
    _arrow(ax, user, order, "sync")
    if style == "sync":
        called = ["payment", *downstream]
        ys = _rows(len(called))
        for k, (name, y) in enumerate(zip(called, ys, strict=True), 1):
            _box(ax, name, (COLUMNS["called"], y))
            _arrow(ax, order, (COLUMNS["called"], y), "sync", k)
        calls = ", then ".join(f"{n.capitalize()} ({k})" for k, n in enumerate(called, 1))
        title = f"sync: Order calls {_words(called)} in turn, waiting for each"
        alt = (
            f"Diagram of the sync checkout: the user calls Order, and Order calls {calls}, "
            f"waiting for each answer before the next call ({len(called)} calls in a row "
            "while the user waits); solid arrows are calls that wait for an answer."
        )
    else:
        payment, event = (COLUMNS["called"], 1.0 + ROW / 2), (COLUMNS["called"], 1.0 - ROW / 2)
        _box(ax, "payment", payment)
        _box(ax, "event", event, label="OrderCreated\nevent", dashed=True)
        _arrow(ax, order, payment, "sync", 1)
        _arrow(ax, order, event, "async", 2)
        ys = _rows(len(downstream))
        for name, y in zip(downstream, ys, strict=True):
            _box(ax, name, (COLUMNS["subscribers"], y))
            _arrow(ax, event, (COLUMNS["subscribers"], y), "async")
        title = "async: Order calls Payment (1), then publishes an event (2) nobody waits for"
        alt = (
            "Diagram of the async checkout: the user calls Order, and Order calls Payment (1) "
            "and waits for its answer, then publishes an OrderCreated event (2); "
            f"{_words(downstream)} each take it from their own queue "
            f"({len(downstream)} subscribers) while nobody waits for them; solid arrows are "
            "calls that wait for an answer, dashed arrows messages."
        )
    # the same scale in both styles: as tall as the sync design's column of calls
    half = ROW * len(downstream) / 2 + BOX_H / 2 + 0.08
    ax.set_xlim(-0.5, 5.35)
    ax.set_ylim(1.0 - half, 1.0 + half)
    ax.axis("off")
    ax.set_title(title, color=STYLE_COLORS[style], loc="left")
    set_alt(ax, alt)
    return ax


@styled
def topologies(downstream=("inventory", "email")):
    """Both designs of one checkout, sync above async, with the same services; returns the axes."""
    downstream = _check_downstream(downstream)
    height = 2.2 + 0.5 * len(downstream)
    _, axes = new_axes(2, 1, size=(8.0, 2 * height), constrained_layout=True)
    for ax, style in zip(axes, ("sync", "async"), strict=True):
        topology(style, downstream, ax=ax)
    return axes
