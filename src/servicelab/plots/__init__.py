"""Every figure of the kit, by name: ``plots.latency_cdf(...)``, ``plots.outage_figure(...)``.

A facade: the figures live with what they show. The checkout's figures that
several lessons draw are in :mod:`servicelab.ui.checkout_figures` (with
:func:`~servicelab.ui.axes.new_axes`); each lesson's own figures are in its
slice, ``servicelab.lessons.lNN_slug.figures``, and appear here through
:data:`servicelab.lessons.LESSONS`, so a new lesson's figures need no edit of
this file. Two slices exporting the same name is an error at import.

Every function draws on a given matplotlib ``ax`` (or makes a figure) and
returns it, in the kit's look (:func:`~servicelab.ui.style.styled`); axes
carry units and titles state the takeaway.
"""

from ..lessons import gather
from ..ui import checkout_figures
from ..ui.axes import new_axes

_SHARED = {"new_axes": new_axes}
_SHARED.update({name: getattr(checkout_figures, name) for name in checkout_figures.FIGURES})
_FIGURES = gather("figures", _SHARED)

globals().update(_FIGURES)
__all__ = list(_FIGURES)  # built from the slices: see gather()
