"""One look for every figure of the kit: every colour it uses, and its matplotlib settings.

The palette is Okabe–Ito, safe for the common kinds of colour blindness.
*Sync* and *async* keep the same colour in every figure: vermillion for
sync, blue for async. Colour is never their only difference:
:data:`STYLE_LOOKS` gives each style a line style, a marker and a hatch too
(sync solid, round markers, "///"; async dashed, square markers, "\\\\\\",
as the topology's solid calls and dashed messages), and :func:`style_line`,
:func:`style_handle` and :func:`style_hatch` are how every figure and panel
draws them. Each service has a colour of its own; the checkout's usual ones
wear none that a colour-blind reader could take for a style's (orange beside
sync's vermillion, sky blue beside async's blue: only Analytics, which joins
later, is sky blue). The greys are named by what they are for, so no other
module writes a colour literal: a figure that needs a new colour adds it
here, with its role.

Draw with the kit's look inside :func:`kit_style`, or decorate a drawing
function with :func:`styled` (every public figure of the kit is styled, so it
looks the same on a learner's own axes as on the kit's).
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

import matplotlib
from matplotlib.lines import Line2D

__all__ = [
    "OKABE_ITO",
    "SYNC",
    "ASYNC",
    "STYLE_COLORS",
    "STYLE_LOOKS",
    "style_line",
    "style_handle",
    "style_hatch",
    "SERVICE_COLORS",
    "LANES",
    "INK",
    "REFERENCE",
    "SECONDARY",
    "MUTED",
    "NEUTRAL",
    "OUTAGE",
    "GRID",
    "WORK_EDGE",
    "QUESTION_FACE",
    "FADED_FACE",
    "FADED_EDGE",
    "FADED_TEXT",
    "WARNING",
    "RC",
    "kit_style",
    "styled",
    "is_styled",
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

# -- the two styles and the services ------------------------------------------------------

SYNC = OKABE_ITO["vermillion"]
ASYNC = OKABE_ITO["blue"]
STYLE_COLORS = {"sync": SYNC, "async": ASYNC}
#: how each style is drawn, so that sync and async differ without colour too: solid lines,
#: round markers and "///" hatching for sync (the caller is held); dashed lines, square
#: markers and "\\\\\\" hatching for async (the caller is let go)
STYLE_LOOKS = {
    "sync": {"color": SYNC, "linestyle": "-", "marker": "o", "hatch": "///"},
    "async": {"color": ASYNC, "linestyle": (0, (5, 2)), "marker": "s", "hatch": "\\\\\\"},
}
#: one colour per service, in the order timelines stack their lanes (the user on top); none of
#: the usual checkout's is orange (beside sync's vermillion) or blue, and a service's bars get a
#: dark outline (WORK_EDGE) so Email's yellow shows on white
SERVICE_COLORS = {
    "user": "#666666",
    "order": OKABE_ITO["black"],
    "payment": OKABE_ITO["reddish purple"],
    "inventory": OKABE_ITO["bluish green"],
    "email": OKABE_ITO["yellow"],
    "analytics": OKABE_ITO["sky blue"],
}
#: the timeline's lanes, top to bottom: the user, then the checkout's services in call order
LANES = tuple(SERVICE_COLORS)

# -- greys, by role ------------------------------------------------------------------------

#: text and outlines of diagrams (the flowchart's questions and words)
INK = "#222222"
#: reference lines drawn against the data (arrivals, capacity, pool size) and key outlines
REFERENCE = "#444444"
#: secondary text (a note under a label) and plain arrows
SECONDARY = "#555555"
#: a legend key that stands for both styles at once (e.g. "simple requests", in sync and async)
MUTED = "#777777"
#: a theory curve drawn under simulated points, or a key that stands for any service
NEUTRAL = "#888888"
#: shading of a window in which a service is down or slow
OUTAGE = "#BBBBBB"
#: grid lines (also drawn live by panels whose y range moves)
GRID = "#E5E5E5"
#: the outline of a service's bar in a timeline (so a light colour like yellow shows on white)
WORK_EDGE = "#333333"

# -- the flowchart's faces ------------------------------------------------------------------

#: the face of a question box
QUESTION_FACE = "#F2F2F2"
#: boxes, arrows and words off the highlighted path
FADED_FACE = "#FAFAFA"
FADED_EDGE = "#D0D0D0"
FADED_TEXT = "#B0B0B0"

# -- words to the learner --------------------------------------------------------------------

#: a panel's sentence when a setting cannot be simulated
WARNING = OKABE_ITO["vermillion"]

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
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=[SYNC, ASYNC, *OKABE_ITO.values()]),
}


#: markers along a line: one every this share of its length (display distance), so few and even
MARK_EVERY = 0.1


def style_line(
    style: str, *, linestyle: bool = True, markers: bool = True, every: float = MARK_EVERY
) -> dict:
    """Keywords for ``ax.plot`` that draw a line in ``style``'s look (see :data:`STYLE_LOOKS`).

    Its colour, its line style (``linestyle=False`` where a figure's line
    styles mean something else, e.g. the kind of request) and its markers:
    one every ``every`` of the axes' diagonal along the line (a float), or on
    every ``every``-th point (an int, for a jagged line whose length would
    crowd them); async's sit half a step later, so two lines on top of each
    other show both. Add ``linewidth``, ``drawstyle``, ``label`` as usual.
    """
    look = STYLE_LOOKS[style]
    keywords: dict = {"color": look["color"]}
    if linestyle:
        keywords["linestyle"] = look["linestyle"]
    if markers:
        half = every // 2 if isinstance(every, int) else every / 2
        keywords.update(
            marker=look["marker"],
            markevery=(half if style == "async" else 0, every),
            markersize=6,
            markeredgecolor="white",
            markeredgewidth=0.6,
        )
    return keywords


def style_handle(style: str, label: str | None = None, **kwargs) -> Line2D:
    """A legend key for ``style``: a line in its look with a marker (``kwargs`` override them)."""
    look = STYLE_LOOKS[style]
    keywords = dict(color=look["color"], linestyle=look["linestyle"], marker=look["marker"])
    keywords.update(linewidth=2, markersize=6, markeredgecolor="white", markeredgewidth=0.6)
    keywords.update(kwargs)
    return Line2D([], [], label=style if label is None else label, **keywords)


def style_hatch(style: str) -> str:
    """The hatch of ``style``'s bars and blocked spans ("///" sync, "\\\\\\" async)."""
    return STYLE_LOOKS[style]["hatch"]


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
    """Decorate a drawing function so that all of it runs with the kit's look.

    The wrapper carries ``kit_styled = True`` (see :func:`is_styled`), which a
    test checks on every public figure of the kit.
    """

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with kit_style():
            return draw(*args, **kwargs)

    wrapper.kit_styled = True
    return wrapper


def is_styled(draw) -> bool:
    """True if ``draw`` (a function, or a class by its ``__init__``) runs in the kit's look."""
    if isinstance(draw, type):
        draw = draw.__init__
    return getattr(draw, "kit_styled", False) is True
