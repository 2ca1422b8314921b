"""The panel: labelled controls, one live figure, one line of key numbers.

A :class:`Panel` is what a lesson shows with one call. Moving a control
re-runs a small simulation and redraws the figure; the summary line under it
states the key numbers in words, for readers who cannot see the plot.

Speed matters here (a redraw should take well under 100 ms), so a panel

* keeps one matplotlib ``Figure`` alive (no pyplot, no inline backend),
* lays its axes out once by hand (no tight bounding boxes, no constrained
  layout per redraw),
* draws the static parts (axes, ticks, labels: most of the cost is text)
  once, and on each change redraws only its *live* artists on top of that
  background (blitting) — see :meth:`Panel.live` and :meth:`Panel.invalidate`,
* encodes the result once as a PNG for an ``ipywidgets.Image``,
* and runs modest default simulations.

Impossible settings never raise: the panel shows a sentence saying what is
impossible and why (its own :class:`Impossible`, or a kit argument check's
:class:`~servicelab._check.KitValueError`) instead of the figure, and keeps its
controls live. Any other exception is a bug in the kit: the panel says so, and
it raises. Either way no stale figure stays on show.

The image carries a text alternative, :attr:`Panel.alt`: the headline drawn
across the figure (if any) and the summary line, set on every redraw and
cleared with the image when a setting is impossible. ipywidgets' ``Image``
has no ``alt``, so the panel's :class:`AltImage` puts it in the ``<img>``'s
``title``, which browsers and screen readers take as its accessible name.

The same object is the **headless API** for tests: ``panel.set(email_slowdown=10)``
moves controls from Python, and ``panel.summary``, ``panel.alt``, ``panel.data``,
``panel.message`` and ``panel.png`` show what a learner would see. ``set``
takes only what the widgets themselves offer (a number within a slider's range,
one of a drop-down's options) and refuses anything else with the kit's sentence
naming the control, before it moves any control.

:func:`plural` and :func:`num` write the numbers of a panel's texts: "1 service",
"4 services", and never a negative zero.

A lesson's panels live in its slice, ``servicelab.lessons.lNN_slug.panels``:
a subclass of :class:`Panel` (named ``…Panel``) and a maker function the
notebook calls, both listed in the module's ``__all__``; the facade
:mod:`servicelab.panels` then shows them as ``panels.<maker>()``. Panels of
two time axes side by side with a headline and a legend row start from
:class:`~servicelab.ui.live.LessonFrame` instead.
"""

from __future__ import annotations

import html
import io
import math
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator
from PIL import Image

from .. import _check
from .controls import check_value, dropdown, int_slider, slider, toggle
from .style import RC, WARNING, kit_style

# the widget factories live in .controls; lessons take them from here, with the Panel
__all__ = [
    "Impossible",
    "Panel",
    "AltImage",
    "slider",
    "int_slider",
    "dropdown",
    "toggle",
    "plural",
    "num",
    "seconds",
]


class Impossible(Exception):
    """A setting a panel cannot simulate; its message is shown to the learner."""


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """A count and its noun: ``plural(1, "service")`` is "1 service", 4 gives "4 services"."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


def num(x: float, spec: str = "g") -> str:
    """``x`` formatted by ``spec`` (``"g"``, ``".1f"``, ``",.0f"``…), never as "-0" or "-0.0"."""
    text = format(x, spec)
    mantissa = text.split("e")[0]
    if text.startswith("-") and "0" in mantissa and not any(c in mantissa for c in "123456789"):
        return text[1:]  # a negative zero, or a tiny negative number rounded to zero
    return text


def seconds(x: float) -> str:
    """A time in s for a sentence: "never" for inf, "–" for nan, else "240 s", "3.5 s", "350 ms"."""
    if x is None or math.isnan(x):
        return "–"
    if math.isinf(x):
        return "never"
    if x < 1:
        return f"{num(x * 1000, '.0f')} ms"
    return f"{num(x, '.1f')} s" if x < 10 else f"{x:,.0f} s"


class AltImage(widgets.Image):
    """An image widget with a text alternative: its ``tooltip`` becomes its ``<img>``'s ``title``.

    Browsers and screen readers take ``title`` as an image's accessible name
    when it has no ``alt``, which ipywidgets' ``Image`` cannot set. The empty
    ``description`` is there for ipywidgets 8.1's view, which reads it before
    it sets a title (an ``Image`` without it fails to show at all).
    """

    # a text trait of the same type as the Image's own "format" (traitlets' Unicode), taken
    # from ipywidgets so the kit depends on nothing it does not declare
    description = type(widgets.Image.class_traits()["format"])("").tag(sync=True)


class Panel:
    """Base class: subclasses define ``title``, ``make_controls()``, ``layout()``, ``compute()``,
    ``draw()`` and ``describe()``.

    * ``make_controls()`` returns a dict name → widget (the names are the keyword
      arguments of :meth:`set` and :meth:`compute`);
    * ``layout(figure)`` adds the axes once and returns them;
    * ``compute(**values)`` runs the simulation and returns a dict of results
      and key numbers, or raises :class:`Impossible` with a sentence for the
      learner;
    * ``draw(data)`` updates the figure from that dict: ideally only the data
      of artists registered with :meth:`live`; if it changes anything else
      (limits, ticks, static text) it calls :meth:`invalidate`;
    * ``describe(data)`` returns the summary line.

    ``alt_text(summary)`` gives the image's text alternative (:attr:`alt`): by
    default the headlines drawn with :meth:`headline`, then the summary.
    """

    title = ""
    figsize = (8.0, 3.3)

    def __init__(self, **initial):
        self.controls: dict[str, widgets.ValueWidget] = self.make_controls()
        self.start_figure(Figure(figsize=self.figsize, dpi=RC["figure.dpi"]))
        width = int(self.figsize[0] * RC["figure.dpi"])
        self.image = AltImage(format="png", layout={"width": "100%", "max_width": f"{width}px"})
        self.summary_box = widgets.HTML()
        self.message_box = widgets.HTML()
        self.data: dict = {}
        self.summary = ""
        #: the image's text alternative (its headline and summary); "" while it shows none
        self.alt = ""
        self.message = ""
        self.png = b""
        self.last_ms = float("nan")
        self._holding = False
        box = widgets.GridBox(
            list(self.controls.values()),
            layout={"grid_template_columns": "repeat(auto-fill, minmax(430px, 1fr))"},
        )
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<b>{html.escape(self.title)}</b>"),
                box,
                self.message_box,
                self.image,
                self.summary_box,
            ]
        )
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        if initial:
            self.set(**initial)
        else:
            self.update()

    def start_figure(self, figure: Figure) -> None:
        """Lay out ``figure`` for this panel, with empty caches (done once, in ``__init__``)."""
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self._live: list = []
        self._headlines: list = []
        self._background = None
        self._backgrounds: dict = {}
        self._background_key = None
        with kit_style():
            self.axes = self.layout(figure)

    # -- what subclasses provide ---------------------------------------------------
    def make_controls(self) -> dict:
        raise NotImplementedError

    def layout(self, figure: Figure):
        raise NotImplementedError

    def compute(self, **values) -> dict:
        raise NotImplementedError

    def draw(self, data: dict) -> None:
        raise NotImplementedError

    def describe(self, data: dict) -> str:
        raise NotImplementedError

    def alt_text(self, summary: str) -> str:
        """The image's text alternative: the headlines across the figure, then ``summary``."""
        heads = [h.get_text().strip() for h in self._headlines if h.get_visible()]
        heads = [h if h.endswith((".", "!", "?")) else f"{h}." for h in heads if h]
        return " ".join([*heads, summary])

    # -- the headless API ------------------------------------------------------------
    def values(self) -> dict:
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values) -> Panel:
        """Move controls from Python (as a learner would), then update once.

        All or nothing: every value is checked (:meth:`check`) before any
        control moves, so a bad value raises the kit's sentence and leaves the
        panel as it was.
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise _check.fail("control", unknown[0], f"one of {', '.join(self.controls)}")
        checked = {name: self.check(name, value) for name, value in values.items()}
        self._holding = True
        try:
            for name, value in checked.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self.update()
        return self

    def check(self, name: str, value):
        """``value`` as control ``name`` would take it, or the kit's sentence naming the control.

        A number within a slider's range, one of a drop-down's or toggle's
        options: see :func:`~servicelab.ui.controls.check_value`.
        """
        return check_value(self.controls[name], name, value)

    def _changed(self, _change) -> None:
        if not self._holding:
            self.update()

    def update(self) -> None:
        """Re-run and redraw for the current control values.

        If that fails, the panel shows a sentence instead of the figure (and
        ``png`` is empty): why the setting is impossible, or, for a bug in the
        kit, that it is one (and the exception raises, with its traceback).
        """
        start = time.perf_counter()
        try:
            data = self.compute(**self.values())
            with kit_style():
                self.draw(data)
            summary = self.describe(data)
            alt = self.alt_text(summary)
            png = self.render()
        except Impossible as exc:
            self._show_message(str(exc))
        except _check.KitValueError as exc:  # a kit check the panel did not foresee
            self._show_message(f"This setting cannot be simulated: {exc}")
        except Exception as exc:
            self._show_message(
                f"This setting met a bug in the kit, not a mistake of yours ({type(exc).__name__}: "
                f"{exc}); move a control to go on."
            )
            raise
        else:
            self.data, self.summary, self.png, self.alt = data, summary, png, alt
            self.message = ""
            self.message_box.value = ""
            self.summary_box.value = f"<p style='font-size: 1.05em'>{html.escape(summary)}</p>"
            with self.image.hold_sync():  # the picture and its words in one message
                self.image.value = png
                self.image.tooltip = alt
            self.image.layout.display = None
        finally:
            self.last_ms = (time.perf_counter() - start) * 1000

    # -- drawing fast ----------------------------------------------------------------
    def live(self, artist):
        """Register ``artist`` as live: redrawn on every update over a cached background."""
        artist.set_animated(True)
        self._live.append(artist)
        return artist

    def headline(self, y: float = 0.985):
        """A live line of text across the top of the figure, for the takeaway (and the alt text)."""
        text = self.live(self.figure.text(0.01, y, "", fontsize=11, fontweight="bold", va="top"))
        self._headlines.append(text)
        return text

    def forget(self, artists) -> None:
        """Remove live ``artists`` from the figure (e.g. bars about to be replaced).

        A container left empty (``ax.barh`` returns one) goes too, so that
        replacing bars on every update does not grow the axes.
        """
        artists = list(artists)
        gone = {id(artist) for artist in artists}
        for ax in self.figure.axes:
            if ax.containers:
                ax.containers[:] = [
                    c for c in ax.containers if not all(id(a) in gone for a in c.get_children())
                ]
        for artist in artists:
            artist.remove()
            self._live.remove(artist)

    def set_xlim(self, ax, low: float, high: float) -> None:
        """Set ``ax``'s x range, redrawing the background only if it changed.

        On a log axis, ticks go at 1-2-5 within three decades and at powers of
        ten beyond, so labels never collide.
        """
        if tuple(ax.get_xlim()) != (low, high):
            ax.set_xlim(low, high)
            if ax.get_xscale() == "log":
                subs = (1.0, 2.0, 5.0) if high / low <= 100 else (1.0,)
                ax.xaxis.set_major_locator(LogLocator(subs=subs))
            self.invalidate()

    def live_legend(self, ax, **kwargs):
        """A legend drawn over the live lines (on a white box), registered as live."""
        options = dict(frameon=True, facecolor="white", edgecolor="none", framealpha=0.9)
        return self.live(ax.legend(**{**options, **kwargs}))

    def use_background(self, key) -> None:
        """Keep one cached background per ``key`` and switch to ``key``'s.

        For a panel whose static parts take a few distinct looks (e.g. which
        path of a flowchart is highlighted): each look is drawn once, then reused.
        """
        if key == self._background_key:
            return
        if self._background_key is not None and self._background is not None:
            self._backgrounds[self._background_key] = self._background
        self._background_key = key
        self._background = self._backgrounds.get(key)

    def invalidate(self) -> None:
        """The static parts changed (limits, ticks, labels): redraw them at the next render."""
        self._background = None

    def render(self) -> bytes:
        """Draw the figure (static parts only when invalid, then live artists) as PNG bytes."""
        canvas = self.canvas
        if self._background is None or not self._live:
            canvas.draw()  # animated (live) artists are skipped here
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._live:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        rgba = np.asarray(canvas.buffer_rgba())
        buf = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def _show_message(self, text: str) -> None:
        self.message = text
        self.data = {}
        self.summary = ""
        self.alt = ""
        self.png = b""  # no figure of an earlier setting is left to read as this one's
        with self.image.hold_sync():
            self.image.value = b""
            self.image.tooltip = None
        self.summary_box.value = ""
        self.message_box.value = (
            f"<p style='color: {WARNING}; font-size: 1.05em; border-left: 4px solid {WARNING};"
            f" padding-left: 8px'>{html.escape(text)}</p>"
        )
        self.image.layout.display = "none"

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
