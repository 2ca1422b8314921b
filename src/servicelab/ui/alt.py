"""Alt text: what a figure shows, in words, with its key numbers.

Every figure of the kit attaches a sentence or two to what it draws — its
takeaway and its key numbers, computed from the data drawn, never typed by
hand — for readers who cannot see the picture:

* :func:`set_alt` attaches a text to an axes or a figure, and :func:`alt_text`
  reads it back: a figure's own text, or else its axes' texts in order (two
  figures drawn on two axes of one figure read as both);
* :func:`sentences` — join a title and a description into sentences, each
  ending in one full stop (or its own "?" or "!");
* :func:`figure_of` — the figure behind whatever a figure function returned
  (an axes, a tuple or array of axes, or the figure itself);
* in a notebook, a figure with alt text is shown as one output holding its PNG,
  an HTML ``<img>`` of the same PNG with the text as its ``alt``, and the text
  itself as the plain-text form (instead of "<Figure size 800x320 with 1
  Axes>"). JupyterLab, VS Code and the classic notebook rank HTML above PNG,
  so they show the ``<img>`` (JupyterLab's sanitizer keeps ``alt`` and
  ``data:`` images, even in an untrusted notebook); a frontend that prefers
  the PNG still shows the picture. :func:`notebook_bundle` builds that output
  and :func:`show_alt_in_notebooks` registers it with the running IPython,
  which :func:`set_alt` does by itself. The figure is drawn once: IPython's
  own PNG formatter is handed the PNG the ``<img>`` holds. Figures without
  kit alt text are left as IPython shows them.

A panel's image carries the panel's summary line the same way (see
:attr:`servicelab.ui.panel.Panel.alt`).
"""

from __future__ import annotations

import base64
import html
import sys
import weakref

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import _check

__all__ = [
    "set_alt",
    "alt_text",
    "sentences",
    "figure_of",
    "notebook_bundle",
    "show_alt_in_notebooks",
]

#: the alt text of each axes or figure that has one (weak: a closed figure is forgotten)
_TEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: the PNG :func:`notebook_bundle` just drew, for IPython's PNG formatter, which IPython calls
#: right after it within the same display: (the figure, weakly; what the formatter returns)
_HANDOFF: list = []


def set_alt(target, text: str):
    """Attach ``text`` (white space collapsed) to ``target``, an axes or a figure; returns it.

    A figure function calls this once for what it drew; a figure that holds
    several drawings gives each axes its own text, or the figure one text for
    all of them.
    """
    if not isinstance(target, (Axes, Figure)):
        raise _check.fail("target", target, "a matplotlib Axes or Figure")
    if not isinstance(text, str):
        raise _check.fail("text", text, "a str")
    _TEXTS[target] = " ".join(text.split())
    show_alt_in_notebooks()
    return target


def alt_text(drawn) -> str:
    """The alt text of ``drawn``: an axes' own text; for anything else, its figure's.

    A figure's text is the one set on the figure, or else the texts of its
    axes, in order. "" if there is none.
    """
    if isinstance(drawn, Axes):
        return _TEXTS.get(drawn, "")
    figure = figure_of(drawn)
    own = _TEXTS.get(figure, "")
    if own:
        return own
    return " ".join(text for ax in figure.axes if (text := _TEXTS.get(ax, "")))


def sentences(*parts) -> str:
    """``parts`` (None or "" skipped) as sentences: "Title. Description." — no "?." or ".."."""
    said = []
    for part in parts:
        part = " ".join(str(part or "").split())
        if part:
            said.append(part if part.endswith((".", "?", "!")) else f"{part}.")
    return " ".join(said)


def figure_of(drawn) -> Figure:
    """The figure behind ``drawn``: a figure, an axes, or a tuple, list or array of axes."""
    if isinstance(drawn, Figure):
        return drawn
    if isinstance(drawn, Axes):
        return drawn.figure
    if isinstance(drawn, (tuple, list, np.ndarray)) and len(drawn):
        return figure_of(np.asarray(drawn, dtype=object).ravel()[0])
    raise _check.fail("drawn", drawn, "a matplotlib Figure, an Axes, or a sequence of axes")


def _png_printer(shell):
    """IPython's PNG formatter for figures (the kit's wrapper unwrapped), or None."""
    try:
        printer = shell.display_formatter.formatters["image/png"].lookup_by_type(Figure)
    except KeyError:
        return None
    return getattr(printer, "kit_wraps", printer)


def _png_base64(figure: Figure) -> tuple[str | None, dict]:
    """The figure as the notebook's PNG formatter draws it (base64), and its size metadata.

    What the formatter returned is handed to it when IPython calls it next
    (see :func:`show_alt_in_notebooks`), so the figure is drawn once.
    """
    _HANDOFF.clear()
    shell = _shell()
    printer = _png_printer(shell) if shell is not None else None
    if printer is not None:
        drawn = printer(figure)
        _HANDOFF.append((weakref.ref(figure), drawn))
    else:
        from IPython.core.pylabtools import print_figure

        drawn = print_figure(figure, "png", bbox_inches="tight")
    data, meta = drawn if isinstance(drawn, tuple) else (drawn, {})
    if isinstance(data, bytes):
        data = base64.b64encode(data).decode("ascii")
    return data, meta or {}


def _reusing(printer):
    """IPython's PNG ``printer``, taking the PNG :func:`notebook_bundle` just drew if it has one."""

    def png(figure):
        if _HANDOFF:
            ref, drawn = _HANDOFF.pop()
            if ref() is figure:
                return drawn
        return printer(figure)

    png.kit_wraps = printer
    return png


def notebook_bundle(figure, include=None, exclude=None):
    """The notebook output of ``figure`` if it has alt text, else None (IPython's own output).

    ``{"text/html": <img> with the alt text, "text/plain": the alt text}``;
    IPython adds the PNG itself. ``include``/``exclude`` are IPython's.
    """
    text = alt_text(figure)
    if not text:
        return None
    png, meta = _png_base64(figure)
    if png is None:  # nothing to draw (IPython shows nothing either)
        return None
    size = "".join(f' {key}="{int(meta[key])}"' for key in ("width", "height") if key in meta)
    img = f'<img src="data:image/png;base64,{png}" alt="{html.escape(text, quote=True)}"{size}/>'
    bundle = {"text/html": img, "text/plain": text}
    if include:
        bundle = {k: v for k, v in bundle.items() if k in include}
    if exclude:
        bundle = {k: v for k, v in bundle.items() if k not in exclude}
    return bundle


def _shell():
    """The running IPython shell, or None (IPython is never imported for this)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def show_alt_in_notebooks() -> bool:
    """Let the running IPython show figures with their alt text; False outside IPython.

    Registers :func:`notebook_bundle` as IPython's mime-bundle formatter for
    matplotlib figures (idempotent; unlike a per-type formatter, it survives
    ``%matplotlib inline`` being run again), and wraps IPython's PNG formatter
    for figures so that it reuses the PNG the bundle drew (again after
    ``%matplotlib inline`` replaces it, at the next figure's alt text).
    """
    shell = _shell()
    if shell is None:
        return False
    formatters = shell.display_formatter
    formatters.mimebundle_formatter.for_type(Figure, notebook_bundle)
    png = formatters.formatters["image/png"]
    try:
        current = png.lookup_by_type(Figure)
    except KeyError:
        current = None
    if current is not None and not hasattr(current, "kit_wraps"):
        png.for_type(Figure, _reusing(current))
    return True
