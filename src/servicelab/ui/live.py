"""Building blocks for panels whose every moving part is live: a frame, a y scale, error bars.

A :class:`~servicelab.ui.panel.Panel` redraws fast by caching its static
parts (axes, ticks, labels) as a background and drawing only its *live*
artists over it. That breaks down when a control moves an axis limit: the
background must then be drawn again, which costs most of the 100 ms budget.
The pieces here keep *everything* that moves live, so no control ever forces
the background to be redrawn:

* :class:`LessonFrame` — a panel base class with a headline, one legend row
  and one or two axes side by side, plus live shaded windows;
* :class:`LiveYScale` — a y axis whose range follows the data: the axes keep
  a fixed 0–1 range, the data are scaled into it, and the tick labels and grid
  lines are live artists;
* :func:`error_bars` — vertical error bars as one polyline, so a single live
  ``Line2D`` draws them all.

A new lesson's panel uses them like this (see lesson 03's panels for four
complete examples)::

    class BacklogPanel(LessonFrame):
        title = "…"

        def layout(self, figure):
            left, right = self.frame(figure, legend_handles)  # headline, legend, 2 axes
            self.y = LiveYScale(self, right, integer=True)     # right after the axes
            self.window = self.live_span(right)                # a shaded window
            self.line = self.live(right.plot([], [])[0])
            return [left, right]

        def draw(self, d):
            self.y.set_range(0, nice_top(d["peak"] * 1.25))    # moves labels, not axes
            self.line.set_data(d["t_s"], self.y(d["backlog"]))  # data scaled into 0–1
            self.move_span(self.window, d["start_s"], d["end_s"])
            self.headline_text.set_text("…")
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .panel import Panel, num
from .style import GRID, OUTAGE

__all__ = ["LessonFrame", "LiveYScale", "error_bars"]


class LessonFrame(Panel):
    """A panel base: a headline, one legend row under it, one or two axes side by side.

    Subclasses call :meth:`frame` at the start of their ``layout`` and set
    ``self.headline_text`` (a live text across the top) in their ``draw``.
    Everything that moves with the controls should be a live artist of the
    base class; axes whose y range follows the data use a :class:`LiveYScale`,
    so no control ever forces the background to be drawn again.
    """

    figsize = (9.6, 3.8)

    def frame(self, figure, legend_handles, ncols: int = 2) -> list:
        """The headline, one legend row of ``legend_handles`` under it and ``ncols`` axes.

        Returns the axes, left to right. Their y labels sit clear of the tick
        labels a :class:`LiveYScale` draws later.
        """
        self.headline_text = self.headline(0.975)
        figure.legend(
            handles=legend_handles,
            loc="center",
            bbox_to_anchor=(0.5, 0.855),
            ncol=len(legend_handles),
            fontsize=9,
            handlelength=2.2,
            columnspacing=1.6,
        )
        if ncols == 2:
            boxes = ((0.085, 0.14, 0.39, 0.6), (0.585, 0.14, 0.39, 0.6))
        else:
            boxes = ((0.085, 0.14, 0.89, 0.6),)
        axes = [figure.add_axes(box) for box in boxes]
        for ax in axes:
            ax.yaxis.set_label_coords(-0.05 / boxes[0][2], 0.5)
        return axes

    def live_span(self, ax):
        """A shaded time window (s) on ``ax`` that moves with the controls (a live artist).

        Place it with :meth:`move_span`; it starts empty and hidden.
        """
        return self.live(ax.axvspan(0, 0, color=OUTAGE, alpha=0.5, linewidth=0))

    @staticmethod
    def move_span(span, start_s: float, end_s: float) -> None:
        """Move a :meth:`live_span` to ``start_s``–``end_s``; hidden if the window is empty."""
        span.set_x(start_s)
        span.set_width(max(end_s - start_s, 0.0))
        span.set_visible(end_s > start_s)


class LiveYScale:
    """A y axis whose range changes without re-rendering the panel's background.

    The axes keep a fixed range of 0 to 1; data are scaled into it with
    :meth:`__call__` (``line.set_ydata(scale(values))``), and :meth:`set_range`
    moves the live tick labels and grid lines to match. Create it inside the
    panel's ``layout`` right after the axes, so its grid is drawn under
    everything else. ``fmt`` formats a tick label; ``integer`` keeps ticks at
    whole numbers (counts of workers, messages, requests).
    """

    #: at most this many tick labels are shown
    max_ticks = 9

    def __init__(self, panel: Panel, ax, fmt=num, integer: bool = False):
        self.ax, self.fmt = ax, fmt
        self.locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=integer)
        self.low, self.high = 0.0, 1.0
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        transform = ax.get_yaxis_transform()  # x in axes fraction, y in data
        self.grid = panel.live(
            ax.plot([], [], color=GRID, linewidth=0.8, transform=transform, zorder=0.5)[0]
        )
        self.labels = [
            panel.live(ax.text(-0.015, 0, "", transform=transform, ha="right", va="center"))
            for _ in range(self.max_ticks)
        ]

    def set_range(self, low: float, high: float) -> None:
        """Show the data range ``low``–``high``: ticks, labels and grid lines move to match."""
        self.low, self.high = low, high
        ticks = [t for t in self.locator.tick_values(low, high) if low - 1e-9 <= t <= high]
        ys = [(t - low) / (high - low) for t in ticks]
        self.grid.set_data(
            np.tile([0.0, 1.0, np.nan], len(ys)), np.repeat(ys, 3) if ys else np.empty(0)
        )
        for k, label in enumerate(self.labels):
            if k < len(ticks):
                label.set_y(ys[k])
                label.set_text(self.fmt(ticks[k]))
                label.set_visible(True)
            else:
                label.set_visible(False)

    def __call__(self, values):
        """``values`` in the axes' 0–1 range."""
        return (np.asarray(values, dtype=float) - self.low) / (self.high - self.low)


def error_bars(x, y, half):
    """Vertical bars from y − half to y + half at each x, as one polyline broken by nan.

    Returns ``(xs, ys)`` for ``line.set_data``: one live line draws every bar.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    half = np.broadcast_to(np.asarray(half, dtype=float), y.shape)
    xs = np.column_stack([x, x, np.full(x.size, np.nan)]).ravel()
    ys = np.column_stack([y - half, y + half, np.full(y.size, np.nan)]).ravel()
    return xs, ys
