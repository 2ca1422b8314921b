"""How lesson 05 draws its designs and its subscribers, shared by its figures and panels.

*Sync* designs are vermillion (one by one solid with round markers; in
parallel with timeouts dotted with triangles), *pub/sub* blue (dashed,
squares), as everywhere in the kit; each subscriber keeps one colour and one
marker, so none is told apart by colour alone.
"""

from __future__ import annotations

from ...ui.style import ASYNC, OKABE_ITO, REFERENCE, SERVICE_COLORS, SYNC

__all__ = ["DESIGN_LOOKS", "SUBSCRIBER_LOOKS"]

#: how each design is drawn: colour of its style, and a line style and marker of its own
DESIGN_LOOKS = {
    "sync, one by one": {"color": SYNC, "linestyle": "-", "marker": "o"},
    "sync, in parallel with timeouts": {"color": SYNC, "linestyle": ":", "marker": "^"},
    "pub/sub": {"color": ASYNC, "linestyle": (0, (5, 2)), "marker": "s"},
}
#: one colour and marker per subscriber (the checkout's colours, then three more)
SUBSCRIBER_LOOKS = {
    "inventory": (SERVICE_COLORS["inventory"], "o"),
    "email": (OKABE_ITO["black"], "D"),
    "analytics": (SERVICE_COLORS["analytics"], "v"),
    "loyalty": (OKABE_ITO["reddish purple"], "*"),
    "recommendations": (OKABE_ITO["orange"], "P"),
    "search": (REFERENCE, "X"),
}
