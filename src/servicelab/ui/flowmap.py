"""Watch a run flow: an animated map of its services, both styles side by side on one clock.

:func:`flow_map` shows the runs of one seed (e.g. ``run_both(...)`` or
``run_flash_sale_both(...)``) as boxes laid out as the topology figure draws
them, sync calls solid and async messages dashed, with, at each moment,
requests in service and waiting for a worker, messages in each queue,
failures and dead letters, and the users' view (answered / waiting / error)
— see :mod:`.flowmap_draw`. A play button, a speed and a time slider step
through the run; every frame is drawn over a cached background (blitting).
A line of text under the map says what is happening now, in numbers: it
changes with every frame and is the picture's text alternative.

*Follow* rings one order's boxes with its state there (to do, done, dead;
the user's: waiting, answered, error); its options are the first order of
each way a request ended (:meth:`~servicelab.scenarios.causes.Explained.causes`).

Reduced motion: ``still=True`` (or the checkbox, or the module's
:data:`REDUCED_MOTION`) hides the play button: the map then only moves when
the learner steps it. Nothing ever plays by itself.

A result can be watched if it has a ``flow()`` method
(:class:`~servicelab.scenarios.flow.Flow`); the checkout and the flash sale do.
:func:`flow_story` sums a whole run up in one line, for readers who cannot
see the map.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib
import numpy as np

from .. import _check
from ..scenarios.flow import USER_VIEW, Flow
from .panel import Panel, dropdown, int_slider
from .style import SECONDARY

__all__ = ["REDUCED_MOTION", "FlowMapPanel", "flow_map", "flows_of", "flow_story"]

#: True: every flow map starts still (no play button), for learners who prefer reduced motion
REDUCED_MOTION = False
#: ms between two frames while playing; the speed control skips frames, never draws faster
INTERVAL_MS = 150
SPEEDS = (("×1", 1), ("×2", 2), ("×5", 5), ("×10", 10))
#: the most moments a map steps through (a run sampled more finely is thinned evenly)
MAX_FRAMES = 600
#: what the map's marks mean, drawn once across its top
KEY = (
    "solid: the caller waits · dashed: a message · dots: work on its way (up to 8) · "
    "followed order: ○ to do, ● done / answered, ✖ error / dead-lettered"
)


def flows_of(results) -> tuple[Flow, ...]:
    """The flows of ``results`` (one result or several of one seed), or the kit's sentence."""
    if hasattr(results, "flow") or isinstance(results, Flow):
        results = (results,)
    try:
        results = tuple(results)
    except TypeError:
        raise _check.fail("results", results, "results of the kit, e.g. run_both()") from None
    if not 1 <= len(results) <= 2:
        raise _check.fail("results", results, "one or two results (sync and async)")
    flows = []
    for r in results:
        if isinstance(r, Flow):
            flows.append(r)
        elif callable(getattr(r, "flow", None)):
            flows.append(r.flow())
        else:
            raise _check.fail(
                "results", r, "a result that records its flow (the checkout's, the flash sale's)"
            )
    return tuple(flows)


def _one(flow) -> str:
    """The word for one request of ``flow``: "order", "buyer" (its unit, singular)."""
    return flow.unit[:-1] if flow.unit.endswith("s") else flow.unit


def _s(t_ms: float) -> str:
    return f"{t_ms / 1000:,.1f} s"


class FlowMapPanel(Panel):
    """The flow map: both runs side by side, a time slider (with play) and a follow control."""

    title = "Watch it flow"

    def __init__(self, results, *, follow: int | None = None, still: bool | None = None):
        self.flows = flows_of(results)
        longest = max(self.flows, key=lambda f: f.t_ms[-1] if f.t_ms.size else 0.0).t_ms
        #: the moments the slider steps through: the runs' samples, at most MAX_FRAMES of them
        self.t_ms = longest[:: -(-longest.size // MAX_FRAMES)] if longest.size else np.zeros(1)
        self.figsize = (5.6 * len(self.flows), 4.0)
        self.follow_options = self._follow_options(follow)
        super().__init__(**({"follow": follow} if follow is not None else {}))
        self._playbar(REDUCED_MOTION if still is None else bool(still))

    # -- controls ----------------------------------------------------------------------
    def _follow_options(self, follow):
        first = self.flows[0]
        n = first.arrival_ms.size
        options = [("nobody", -1)]
        if follow is not None:
            follow = _check.integer("follow", follow, low=0, high=n - 1)
            ends = "; ".join(f"{f.label}: {f.causes[follow]}" for f in self.flows)
            options.append((f"{_one(first)} #{follow} ({ends})", follow))
        for f in self.flows:
            for cause in dict.fromkeys(f.causes.tolist()):
                i = int(np.flatnonzero(f.causes == cause)[0])
                if i not in [v for _, v in options]:
                    options.append((f"{_one(f)} #{i} ({f.label}: {cause})", i))
        return options[:12]

    def make_controls(self) -> dict:
        return {
            "frame": int_slider("time", 0, 0, max(self.t_ms.size - 1, 1)),
            "follow": dropdown("follow", self.follow_options, -1),
        }

    def _playbar(self, still: bool) -> None:
        slider = self.controls["frame"]
        slider.readout = False  # the map's clock says the time; a step number would not
        self.play = widgets.Play(
            value=0, min=0, max=slider.max, step=2, interval=INTERVAL_MS, description="play"
        )
        widgets.jslink((self.play, "value"), (slider, "value"))
        self.speed = widgets.Dropdown(
            options=SPEEDS, value=2, description="speed", layout={"width": "150px"}
        )
        self.speed.observe(lambda change: setattr(self.play, "step", change["new"]), "value")
        self.still = widgets.Checkbox(
            value=still,
            description="still pictures (reduced motion)",
            indent=False,
            layout={"width": "auto"},
        )
        self.still.observe(lambda change: self._set_still(change["new"]), "value")
        back = widgets.Button(description="◀ step", layout={"width": "80px"})
        forward = widgets.Button(description="step ▶", layout={"width": "80px"})
        back.on_click(lambda _: self.step(-1))
        forward.on_click(lambda _: self.step(+1))
        self.bar = widgets.HBox([self.play, back, forward, self.speed, self.still])
        children = list(self.widget.children)
        self.widget.children = (children[0], self.bar, *children[1:])
        self._set_still(still)

    def _set_still(self, still: bool) -> None:
        """Reduced motion: no play button (and stop it), only steps."""
        if still:
            for trait in ("playing", "_playing"):
                if self.play.has_trait(trait):
                    setattr(self.play, trait, False)
        self.play.layout.display = "none" if still else None
        self.speed.layout.display = "none" if still else None

    def step(self, by: int = 1) -> FlowMapPanel:
        """Move the time slider ``by`` steps (a still map's way forward)."""
        by = _check.integer("by", by, low=-10_000, high=10_000)
        slider = self.controls["frame"]
        slider.value = int(min(max(slider.value + by, slider.min), slider.max))
        return self

    def at(self, t_s: float) -> FlowMapPanel:
        """Move the time slider to the moment at or before ``t_s`` seconds."""
        t = _check.number("t_s", t_s, low=0.0)
        return self.set(frame=int(max(np.searchsorted(self.t_ms, t * 1000, "right") - 1, 0)))

    # -- the picture ---------------------------------------------------------------------
    def layout(self, figure):
        from .flowmap_draw import FlowDrawing, queue_peak, row_span

        half = row_span(self.flows)
        width = 1 / len(self.flows)
        self.headline_text = self.headline(0.985)
        figure.text(0.99, 0.985, KEY, ha="right", va="top", fontsize=8, color=SECONDARY)
        self.drawings = []
        for k, flow in enumerate(self.flows):
            ax = figure.add_axes((k * width + 0.01, 0.01, width - 0.02, 0.87))
            self.drawings.append(FlowDrawing(ax, flow, self.live, half, queue_peak(self.flows)))
        return [d.ax for d in self.drawings]

    def render(self) -> bytes:
        """As a panel renders, with unhinted glyphs: a quarter faster a frame, same look."""
        with matplotlib.rc_context({"text.hinting": "no_hinting"}):
            return super().render()

    def compute(self, frame: int, follow: int) -> dict:
        t = float(self.t_ms[min(frame, self.t_ms.size - 1)])
        ks = [f.index(t) for f in self.flows]
        return {
            "t_ms": t,
            "ks": ks,
            "follow": None if follow < 0 else follow,
            "now": [f.now(k) for f, k in zip(self.flows, ks, strict=True)],
        }

    def draw(self, d: dict) -> None:
        for drawing, k in zip(self.drawings, d["ks"], strict=True):
            drawing.draw(k, d["t_ms"], d["follow"])
        happening = [w for w, s, e in self.flows[0].windows if s <= d["t_ms"] < e]
        extra = f" · {', '.join(happening)}" if happening else ""
        self.headline_text.set_text(f"t = {_s(d['t_ms'])}{extra}")

    def describe(self, d: dict) -> str:
        t = d["t_ms"]
        windows = [w for w, s, e in self.flows[0].windows if s <= t < e]
        parts = [f"At {_s(t)}{' (' + ', '.join(windows) + ')' if windows else ''}"]
        for f, now in zip(self.flows, d["now"], strict=True):
            parts.append(f"{f.label}: " + _now_words(f, now))
        i = d["follow"]
        if i is not None:
            states = [f"{f.label} {f.follow(i, t).get('user')}" for f in self.flows]
            parts.append(f"{_one(self.flows[0])} #{i}: {', '.join(states)}")
        return " — ".join(parts[:1]) + " — " + "; ".join(parts[1:]) + "."


def _now_words(f: Flow, now: dict) -> str:
    """A flow's numbers at one moment, in words."""
    words = [f"{now[f'{v} users']:,.0f} {'errors' if v == 'error' else v}" for v in USER_VIEW]
    waiting = [
        f"{n.capitalize()} {now[f'waiting {n}']:,.0f}" for n in f.waiting if now[f"waiting {n}"]
    ]
    if waiting:
        words.append(f"waiting for a worker at {', '.join(waiting)}")
    queued = [f"{n.capitalize()} {now[f'queued {n}']:,.0f}" for n in f.queued]
    if queued:
        words.append(f"queued for {', '.join(queued)}")
    dead = sum(now[f"dead {n}"] for n in f.dead)
    if dead:
        words.append(f"{dead:,.0f} dead-lettered")
    words += [f"{now[w]:,.0f} {w}" for _, w, _ in f.notes]
    return ", ".join(words)


def flow_map(*results, follow: int | None = None, still: bool | None = None) -> FlowMapPanel:
    """An animated map of ``results`` (one run, or sync and async of one seed) to play,
    pause and scrub; ``follow`` rings one order; ``still=True`` for reduced motion.

    Example: ``flow_map(*run_both(seed=1, faults={"inventory": Faults.outage(60_000, 60_000)}))``.
    """
    if len(results) == 1 and not hasattr(results[0], "flow") and not isinstance(results[0], Flow):
        results = results[0]
    return FlowMapPanel(results, follow=follow, still=still)


#: in a run's one-line story, a queue whose peak stays below this (and below the
#: run's largest queue) is summed up with the other small ones, not told in full
SMALL_QUEUE = 10


def flow_story(*results) -> str:
    """The whole of each run in one line: its errors, its longest wait in line, its queues."""
    if len(results) == 1 and not hasattr(results[0], "flow") and not isinstance(results[0], Flow):
        results = results[0]
    lines = []
    for f in flows_of(results):
        t = f.t_ms
        errors = f.users["error"]
        words = [f"{errors[-1]:,.0f} errors" if errors[-1] else "no errors"]
        if errors[-1]:
            first = t[int(np.argmax(errors > 0))]
            words[0] += f" (the first at {_s(first)})"
        waiting = f.users["waiting"]
        k = int(np.argmax(waiting))
        most = f"{waiting[k]:,.0f} user{'' if waiting[k] == 1 else 's'}"
        words.append(f"at most {most} waiting at once (at {_s(t[k])})")
        peaks = {name: float(np.max(q)) for name, q in f.queued.items() if q.size}
        top = max(peaks.values(), default=0.0)
        small = [n for n, v in peaks.items() if v < min(SMALL_QUEUE, top)]
        for name, q in f.queued.items():
            k = int(np.argmax(q))
            if q[k] >= 1 and name not in small:
                empty = np.flatnonzero(q[k:] == 0)
                after = f", empty again at {_s(t[k + empty[0]])}" if empty.size else ", never empty"
                words.append(
                    f"the {name.capitalize()} queue peaked at {q[k]:,.0f} at {_s(t[k])}{after}"
                )
        if small:
            names = [n.capitalize() for n in small]
            listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
            most = max(peaks[n] for n in small)
            held = f"never held more than {most:,.0f}" if most else "stayed empty"
            words.append(f"the {listed} queue{'s' if len(names) > 1 else ''} {held}")
        dead = sum(v[-1] for v in f.dead.values()) if f.dead else 0
        if dead:
            words.append(f"{dead:,.0f} dead-lettered")
        lines.append(f"{f.label}: {'; '.join(words)}.")
    return "\n".join(lines)
