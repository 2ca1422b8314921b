"""The card's flowchart, drawn: two questions, three outcomes, Yes/No arrows.

:func:`flowchart` draws it in the kit's look, laid out as on the card (the
questions down the left, the outcomes to the right and below); given a
:class:`~servicelab.card.Decision`, it highlights the path taken in the
outcome's look (vermillion and solid for sync, blue and dashed for async, as
in every figure of the kit) and greys out the rest. The async outcomes have
dashed outlines, so sync and async differ without colour too, and the chart
carries an alt text: its questions and answers, and the path taken.

Panels keep one :class:`Flowchart` alive and call :meth:`Flowchart.show` on
each change: it only restyles artists it made once, so a redraw is cheap.
"""

from __future__ import annotations

import weakref

from matplotlib.colors import to_rgb
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ... import _check
from ...card import EDGES, NODES, Decision
from ...ui.alt import sentences, set_alt
from ...ui.axes import new_axes
from ...ui.style import (
    FADED_EDGE,
    FADED_FACE,
    FADED_TEXT,
    INK,
    QUESTION_FACE,
    SECONDARY,
    STYLE_COLORS,
    STYLE_LOOKS,
    style_handle,
    styled,
)

__all__ = ["Flowchart", "flowchart"]

#: the drawing area in inches-like units (the axes of an 8 × 3.5 figure, below the title)
WIDTH, HEIGHT = 8.0, 3.0
BOX_H = 0.6
#: centre and width of each box, as on the card
BOXES = {
    "immediate": (1.75, 2.6, 3.0),
    "queueable": (1.75, 1.5, 3.0),
    "callback": (1.75, 0.4, 3.0),
    "sync": (5.95, 2.6, 3.3),
    "queue": (5.95, 1.5, 3.3),
}

#: the flowchart already drawn on an axes (weak: a closed figure's axes is forgotten)
_CHARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_HEADLINES = {
    "sync": "The caller needs the result now",
    "queue": "Not needed now, and it can be queued",
    "callback": "Not needed now, but someone needs it later",
}


def _tint(color: str, amount: float = 0.14) -> tuple[float, float, float]:
    """``color`` mixed with white: ``amount`` of the colour."""
    r, g, b = to_rgb(color)
    return (1 - amount + amount * r, 1 - amount + amount * g, 1 - amount + amount * b)


def _ends(source: str, target: str):
    """Where an arrow from ``source`` to ``target`` starts and ends (box edges)."""
    (x0, y0, w0), (x1, y1, w1) = BOXES[source], BOXES[target]
    if abs(y0 - y1) < 1e-9:  # to the right
        return (x0 + w0 / 2, y0), (x1 - w1 / 2, y1)
    return (x0, y0 - BOX_H / 2), (x1, y1 + BOX_H / 2)  # down


def _check_args(decision, title) -> None:
    if decision is not None and not isinstance(decision, Decision):
        raise _check.fail("decision", decision, "a Decision from decide(), or None")
    if title is not None and not isinstance(title, str):
        raise _check.fail("title", title, "a str, or None")


class Flowchart:
    """The flowchart's artists on one axes, drawn once and restyled by :meth:`show`.

    Drawn in the kit's look whatever the caller's rc settings (its ``__init__``
    is :func:`~servicelab.ui.style.styled`). The axes owns the artists; the
    chart holds them weakly (``boxes``, ``labels``, ``notes``, ``arrows``,
    ``answers``, ``title`` read them), so the registry behind :meth:`on`,
    keyed weakly by axes, never keeps a closed figure alive.
    """

    @styled
    def __init__(self, ax):
        boxes, labels, notes, arrows, answers = {}, {}, {}, {}, {}
        ax.set_xlim(0, WIDTH)
        ax.set_ylim(0, HEIGHT)
        ax.axis("off")
        for node_id, (x, y, w) in BOXES.items():
            node = NODES[node_id]
            box = FancyBboxPatch(
                (x - w / 2, y - BOX_H / 2),
                w,
                BOX_H,
                boxstyle="round,pad=0,rounding_size=0.12",
                linewidth=1.6,
                zorder=2,
            )
            ax.add_patch(box)
            boxes[node_id] = box
            labels[node_id] = ax.text(
                x, y + 0.1, node.label, ha="center", va="center", fontsize=10.5, zorder=3
            )
            notes[node_id] = ax.text(
                x, y - 0.14, node.note, ha="center", va="center", fontsize=8.5, zorder=3
            )
        for edge in EDGES:
            start, end = _ends(edge.source, edge.target)
            arrow = FancyArrowPatch(
                start, end, arrowstyle="-|>", mutation_scale=16, shrinkA=0, shrinkB=1, zorder=1
            )
            ax.add_patch(arrow)
            arrows[edge.source, edge.target] = arrow
            (x0, y0), (x1, y1) = start, end
            if y0 == y1:  # a Yes to the right: the word above the arrow
                xy, ha, va = ((x0 + x1) / 2, y0 + 0.06), "center", "bottom"
            else:  # a No downwards: the word beside the arrow
                xy, ha, va = (x0 + 0.1, (y0 + y1) / 2), "left", "center"
            answers[edge.source, edge.target] = ax.text(
                *xy, edge.label, ha=ha, va=va, fontsize=9.5, zorder=3
            )
        # a key to the looks, in the empty corner (never restyled): as every figure draws them
        for k, (style, words) in enumerate(
            (("sync", "sync: caller waits"), ("async", "async: caller continues"))
        ):
            x, y = 4.45, 0.58 - 0.36 * k
            key = style_handle(style, words, markevery=[1])
            key.set_data([x, x + 0.15, x + 0.3], [y, y, y])
            ax.add_line(key)
            ax.text(x + 0.4, y, words, ha="left", va="center", fontsize=9, color=INK)
        # the title is a plain text artist (cheaper than the axes title, and a panel can
        # redraw it alone on top of a cached chart)
        title = ax.text(
            0.25, HEIGHT + 0.16, "", ha="left", va="baseline", fontsize=11, fontweight="bold"
        )
        self._refs = {
            "boxes": {k: weakref.ref(a) for k, a in boxes.items()},
            "labels": {k: weakref.ref(a) for k, a in labels.items()},
            "notes": {k: weakref.ref(a) for k, a in notes.items()},
            "arrows": {k: weakref.ref(a) for k, a in arrows.items()},
            "answers": {k: weakref.ref(a) for k, a in answers.items()},
        }
        self._title = weakref.ref(title)
        _CHARTS[ax] = self
        self.show()  # the plain chart, its title and its alt text, until a decision restyles it

    def _artists(self, kind: str) -> dict:
        return {key: ref() for key, ref in self._refs[kind].items()}

    @property
    def boxes(self) -> dict[str, FancyBboxPatch]:
        """The boxes, by node id (``"immediate"``, …, ``"queue"``)."""
        return self._artists("boxes")

    @property
    def labels(self) -> dict:
        """Each box's label (the card's words), by node id."""
        return self._artists("labels")

    @property
    def notes(self) -> dict:
        """Each box's note under its label, by node id."""
        return self._artists("notes")

    @property
    def arrows(self) -> dict[tuple[str, str], FancyArrowPatch]:
        """The arrows, by ``(source, target)``."""
        return self._artists("arrows")

    @property
    def answers(self) -> dict:
        """The Yes/No word of each arrow, by ``(source, target)``."""
        return self._artists("answers")

    @property
    def title(self):
        """The title: a text artist above the chart."""
        return self._title()

    @staticmethod
    def place(ax) -> None:
        """Give ``ax`` the whole figure below a title line (the flowchart's own layout)."""
        ax.set_position((0.0, 0.0, 1.0, HEIGHT / 3.5 * 0.985))

    @classmethod
    def on(cls, ax) -> Flowchart:
        """The flowchart already drawn on ``ax``, or a new one (also after ``ax.clear()``)."""
        chart = _CHARTS.get(ax)
        if chart is not None and chart.boxes["immediate"] in ax.patches:
            return chart
        return cls(ax)

    def show(self, decision: Decision | None = None, title: str | None = None) -> None:
        """Restyle for ``decision`` (None: the plain chart) and set the title."""
        _check_args(decision, title)
        on_path = set(decision.path) if decision is not None else set(BOXES)
        steps = {(e.source, e.target) for e in decision.edges} if decision else set()
        for node_id, box in self.boxes.items():
            node = NODES[node_id]
            label, note = self.labels[node_id], self.notes[node_id]
            color = STYLE_COLORS[node.style] if node.style else INK
            box.set_linestyle(STYLE_LOOKS[node.style]["linestyle"] if node.style else "-")
            if node_id not in on_path:
                box.set(facecolor=FADED_FACE, edgecolor=FADED_EDGE, linewidth=1.2)
                label.set(color=FADED_TEXT, fontweight="normal")
                note.set(color=FADED_TEXT, fontstyle="italic")
            elif decision is not None and node.kind == "outcome":  # where the path ends
                # a dark outline on the filled box, so its solid or dashed line shows
                box.set(facecolor=color, edgecolor=INK, linewidth=2.2)
                label.set(color="white", fontweight="bold")
                note.set(color="white", fontstyle="italic")
            elif node.kind == "outcome":
                box.set(facecolor=_tint(color), edgecolor=color, linewidth=2.0)
                label.set(color=INK, fontweight="bold")
                note.set(color=SECONDARY, fontstyle="italic")
            else:  # a question
                strong = decision is not None
                box.set(facecolor=QUESTION_FACE, edgecolor=INK, linewidth=2.2 if strong else 1.4)
                label.set(color=INK, fontweight="bold")
                note.set(color=SECONDARY, fontstyle="italic")
        path_color = STYLE_COLORS[decision.style] if decision is not None else SECONDARY
        path_line = STYLE_LOOKS[decision.style]["linestyle"] if decision is not None else "-"
        for key, arrow in self.arrows.items():
            word = self.answers[key]
            if decision is None:
                arrow.set(color=SECONDARY, linewidth=1.5, linestyle="-")
                word.set(color=INK, fontweight="normal")
            elif key in steps:
                arrow.set(color=path_color, linewidth=2.8, linestyle=path_line)
                word.set(color=path_color, fontweight="bold")
            else:
                arrow.set(color=FADED_EDGE, linewidth=1.2, linestyle="-")
                word.set(color=FADED_TEXT, fontweight="normal")
        if title is None:
            title = (
                "Ask one question first: does the caller need the result immediately?"
                if decision is None
                else f"{_HEADLINES[decision.outcome]} → {decision.recommendation}"
            )
        self.title.set(text=title, color=INK if decision is None else path_color)
        set_alt(self.title.axes, _alt(decision, title))


def _alt(decision: Decision | None, title: str) -> str:
    """The chart in words: each question's answers and where they lead, then the path taken."""
    questions = [n for n in NODES.values() if n.kind == "question"]
    outcomes = [n for n in NODES.values() if n.kind == "outcome"]
    said = []
    for q in questions:
        answers = ", ".join(
            f"{e.label} leads to {NODES[e.target].label}" for e in EDGES if e.source == q.id
        )
        said.append(f"{q.label} {answers}")
    chart = (
        f"Flowchart of the card's {len(questions)} questions and {len(outcomes)} outcomes: "
        f"{'; '.join(said)}"
    )
    path = None
    if decision is not None:
        steps = [f"{NODES[e.source].label} {e.label}" for e in decision.edges]
        path = (
            f"Highlighted path, in {len(steps)} steps: {', then '.join(steps)}, so "
            f"{decision.recommendation}"
        )
    return sentences(title, chart, path)


@styled
def flowchart(decision: Decision | None = None, ax=None, *, title: str | None = None):
    """Draw the card's flowchart; with a ``decision``, highlight the path it took.

    Draws on ``ax`` (or a new 8 × 3.5 inch figure) and returns the ``ax``.
    """
    _check_args(decision, title)
    if ax is None:
        _, ax = new_axes(size=(WIDTH, 3.5))
        Flowchart.place(ax)
    chart = Flowchart.on(ax)
    chart.show(decision, title=title)
    return ax
