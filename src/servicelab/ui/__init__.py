"""The kit's look, shared by every lesson: colours, axes, the live panel, shared figures, reports.

* :mod:`~servicelab.ui.style` — every colour of the kit (Okabe–Ito; greys named by
  role; the services' colours and lanes), how sync and async are drawn apart
  without colour too (``STYLE_LOOKS``: line style, marker, hatch; ``style_line``,
  ``style_handle``, ``style_hatch``) and its matplotlib look (``kit_style``, ``styled``);
* :mod:`~servicelab.ui.alt` — alt text: every figure's takeaway and key numbers in
  words (``set_alt``, ``alt_text``), shown beside the PNG in a notebook;
* :mod:`~servicelab.ui.axes` — new figures and the axis treatments every figure
  shares: shaded windows, reference lines, percent, log-ms and time axes, CDFs,
  nice limits;
* :mod:`~servicelab.ui.panel` — the :class:`~servicelab.ui.panel.Panel` (controls,
  one live figure whose image carries its headline and key numbers as alt text,
  one line of key numbers; the headless API for tests),
  :class:`~servicelab.ui.panel.Impossible`, and the text helpers ``plural`` and ``num``;
* :mod:`~servicelab.ui.controls` — the widget factories (sliders, drop-downs,
  toggles) and the check that a value set from Python fits its control;
* :mod:`~servicelab.ui.live` — building blocks for panels whose every moving part
  is live: :class:`~servicelab.ui.live.LessonFrame`,
  :class:`~servicelab.ui.live.LiveYScale`, :func:`~servicelab.ui.live.error_bars`;
* :mod:`~servicelab.ui.checkout_figures` — the checkout's figures that several
  lessons draw (timelines, latency CDFs, success and backlog over time);
* :mod:`~servicelab.ui.topology` — the checkout's services and who waits, in
  either style or both (shown with the checkout's figures);
* :mod:`~servicelab.ui.report` — plain-text tables of results.

A lesson's own figures and panels live in its slice (:mod:`servicelab.lessons`)
and build on these; learners reach all of them through the facades
:mod:`servicelab.plots` and :mod:`servicelab.panels`.
"""

__all__ = [
    "style",
    "alt",
    "axes",
    "controls",
    "panel",
    "live",
    "topology",
    "checkout_figures",
    "report",
]
