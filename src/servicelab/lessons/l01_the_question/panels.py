"""The panel of lesson 01: the card's question as a decision helper.

:func:`decision_helper` shows a drop-down of real interactions and the card's
two questions as Yes/No toggles; the flowchart lights up the path the answers
take, and the summary line gives the recommendation, the reason and the
card's words that apply.

Only the title changes between two clicks on the same path; the chart has
just three looks (one per path), so the panel keeps each look's background and
redraws the title over it.

The controls are linked: choosing an interaction sets the toggles to its
answers, and changing a toggle by hand turns the interaction into
"(your own)". While one control moves the others, the panel holds its
observers (``_linking``), so nothing loops and each change redraws once.
"""

from __future__ import annotations

from ...card import OUTCOME_BULLETS, bullet_section, decide
from ...catalogue import INTERACTIONS, classify, lookup
from ...ui.panel import Panel, dropdown, toggle
from .figures import Flowchart

# the makers a notebook calls and their panel classes: the facade servicelab.panels shows them
__all__ = ["DecisionPanel", "decision_helper"]

#: the drop-down entry for answering the questions yourself
YOUR_OWN = "(your own)"
_YES_NO = [("Yes", True), ("No", False)]
_TOGGLES = ("needs_result_now", "can_be_queued")


def _card_words(bullets) -> str:
    """The card's bullets, quoted and grouped under their headings."""
    by_section: dict[str, list[str]] = {}
    for b in bullets:
        by_section.setdefault(bullet_section(b), []).append(f"“{b}”")
    return "; ".join(f"{', '.join(bs)} ({section})" for section, bs in by_section.items())


class DecisionPanel(Panel):
    """Pick an interaction or answer the two questions; see where the flowchart leads."""

    title = "Sync or async? Pick an interaction, or answer the card's two questions yourself"
    figsize = (8.0, 3.5)
    _linking = False  # True while one control moves the others

    def make_controls(self):
        first = INTERACTIONS[0]
        controls = {
            "interaction": dropdown(
                "Interaction", [i.name for i in INTERACTIONS] + [YOUR_OWN], first.name
            ),
            "needs_result_now": toggle("Need immediate result?", _YES_NO, first.needs_result_now),
            "can_be_queued": toggle("Can operation be queued?", _YES_NO, bool(first.can_be_queued)),
        }
        for name in _TOGGLES:
            controls[name].style.button_width = "96px"
        return controls

    def layout(self, figure):
        ax = figure.add_axes((0, 0, 1, 1))
        Flowchart.place(ax)
        self.chart = Flowchart(ax)
        self.live(self.chart.title)  # the only artist that changes between two clicks...
        return ax

    # -- the links between the controls -------------------------------------------------
    def _changed(self, change) -> None:
        if self._linking:
            return  # moved by the panel itself: the control that started it redraws
        self._linking = True
        try:
            if change["owner"] is self.controls["interaction"]:
                if change["new"] != YOUR_OWN:
                    entry = classify(change["new"])
                    self.controls["needs_result_now"].value = entry.needs_result_now
                    if entry.can_be_queued is not None:
                        self.controls["can_be_queued"].value = entry.can_be_queued
            else:  # a toggle moved by hand: these are no longer the entry's answers
                self.controls["interaction"].value = YOUR_OWN
        finally:
            self._linking = False
        super()._changed(change)

    def set(self, **values) -> DecisionPanel:
        """Move controls from Python, e.g. ``set(interaction="Get user by ID")`` or
        ``set(needs_result_now=False, can_be_queued=True)``."""
        if "interaction" in values:
            name = values["interaction"]
            if isinstance(name, str) and name != YOUR_OWN:
                values["interaction"] = lookup(name, "interaction").name  # errors name it
        return super().set(**values)  # checks every value before anything moves

    def update(self) -> None:
        # the second question is asked only when the first answer is No
        self.controls["can_be_queued"].disabled = bool(self.controls["needs_result_now"].value)
        super().update()

    # -- compute, draw, describe --------------------------------------------------------
    def compute(self, interaction, needs_result_now, can_be_queued):
        entry = None if interaction == YOUR_OWN else classify(interaction)
        decision = decide(needs_result_now, None if needs_result_now else can_be_queued)
        bullets = entry.bullets if entry is not None else OUTCOME_BULLETS[decision.outcome]
        return {"decision": decision, "interaction": entry, "bullets": bullets}

    def draw(self, data):
        d, entry = data["decision"], data["interaction"]
        self.use_background(d.path)  # one cached look per highlighted path
        self.chart.show(d, title=None if entry is None else f"{entry.name} → {d.recommendation}")

    def describe(self, data):
        d, entry = data["decision"], data["interaction"]
        who = "Your own interaction" if entry is None else entry.name
        why = "" if entry is None else f" {entry.why}"
        card = _card_words(data["bullets"])
        return f"{who} → {d.recommendation}. {d.reason}{why} The card says: {card}."


def decision_helper(**initial) -> DecisionPanel:
    """The decision helper panel; ``initial`` sets controls, e.g. ``interaction="Analytics event"``.

    Headless: ``p = decision_helper(); p.set(interaction="Get user by ID")``; then
    ``p.data["decision"]`` is the :class:`~servicelab.card.Decision` and
    ``p.summary`` the line a learner reads.
    """
    return DecisionPanel(**initial)
