"""One look for every figure of the kit.

The palette is Okabe–Ito, safe for the common kinds of colour blindness.
*Sync* and *async* keep the same colour in every figure: vermillion for
sync, blue for async. Each service has a colour of its own too.
"""

from __future__ import annotations

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
    """Draw inside this block with the kit's look."""
    with matplotlib.rc_context(RC):
        yield
