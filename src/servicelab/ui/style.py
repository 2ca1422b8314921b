"""One look for every figure of the kit.

The palette is Okabe–Ito, safe for the common kinds of colour blindness.
*Sync* and *async* keep the same colour in every figure: vermillion for
sync, blue for async. Each service has a colour of its own too.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

import matplotlib

__all__ = [
    "OKABE_ITO",
    "SYNC",
    "ASYNC",
    "STYLE_COLORS",
    "SERVICE_COLORS",
    "OUTAGE",
    "RC",
    "kit_style",
]

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

SYNC = OKABE_ITO["vermillion"]
ASYNC = OKABE_ITO["blue"]
STYLE_COLORS = {"sync": SYNC, "async": ASYNC}
SERVICE_COLORS = {
    "user": "#666666",
    "order": OKABE_ITO["black"],
    "payment": OKABE_ITO["orange"],
    "inventory": OKABE_ITO["bluish green"],
    "email": OKABE_ITO["reddish purple"],
    "analytics": OKABE_ITO["sky blue"],
}
#: shading of an outage window
OUTAGE = "#BBBBBB"

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=[SYNC, ASYNC, *OKABE_ITO.values()]),
}


@contextmanager
def kit_style():
    """Draw inside this block with the kit's look.

    Jupyter switches pyplot to interactive mode when the first figure is made;
    if that happens inside this block, it is kept afterwards (otherwise later
    figures would silently not be shown).
    """
    interactive = matplotlib.is_interactive()
    try:
        with matplotlib.rc_context(RC):
            try:
                yield
            finally:
                interactive = matplotlib.is_interactive()
    finally:
        matplotlib.interactive(interactive)


def styled(draw):
    """Decorate a drawing function so that all of it runs with the kit's look."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with kit_style():
            return draw(*args, **kwargs)

    return wrapper
