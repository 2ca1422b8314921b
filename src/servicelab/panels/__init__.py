"""Every interactive panel of the kit, by name: one call shows one, e.g. ``panels.outage()``.

A facade: each lesson's panels live in its slice,
``servicelab.lessons.lNN_slug.panels``, and appear here through
:data:`servicelab.lessons.LESSONS` (their maker functions, which notebooks
call, and their ``…Panel`` classes), so a new lesson's panels need no edit of
this file. Two slices exporting the same name is an error at import.

Every panel is also a headless object for tests: ``p.set(email_slowdown=10)``,
then read ``p.summary``, ``p.data`` and ``p.message``. A new panel subclasses
:class:`Panel` (:mod:`servicelab.ui.panel`), or
:class:`~servicelab.ui.live.LessonFrame` for a frame of live time axes.
"""

from ..lessons import gather
from ..ui.panel import Impossible, Panel

_PANELS = gather("panels", {"Impossible": Impossible, "Panel": Panel})

globals().update(_PANELS)
__all__ = list(_PANELS)  # built from the slices: see gather()
