"""Every panel, whatever a learner does to it: a picture or a sentence, never a traceback.

Moves each control of each lesson's panels (found through
:data:`servicelab.lessons.LESSONS`) to its ends (and every control to its
maximum, then its minimum, at once) and checks that the panel either draws —
a PNG and a summary line — or explains in a sentence why it cannot, and that
it recovers when the controls come back.

Also the machinery under every panel and figure: the facades
:mod:`servicelab.panels` and :mod:`servicelab.plots` show every slice's names,
every figure draws in the kit's look, :meth:`Panel.update` shows the kit's
argument errors as sentences but lets a bug raise, and the live parts of
:mod:`servicelab.ui.live` redraw exactly what a full draw would.
"""

import inspect
import io
import re
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

import matplotlib.image
import numpy as np
import pytest
from matplotlib.lines import Line2D

import servicelab
from servicelab import _check, lessons, panels, plots
from servicelab.lessons import LESSONS
from servicelab.ui.checkout_figures import FIGURES
from servicelab.ui.live import LessonFrame, LiveYScale, error_bars
from servicelab.ui.panel import Impossible, Panel, int_slider
from servicelab.ui.style import is_styled

PNG = b"\x89PNG\r\n\x1a\n"
#: every panel maker of every lesson, by name
MAKERS = {
    name: make
    for lesson in LESSONS
    for name, make in lesson.public("panels").items()
    if inspect.isfunction(make)
}


def ends(control):
    if hasattr(control, "options"):  # drop-downs and toggles: every few options
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return options[::3] + options[-1:]
    return [control.min, control.max]


def shows_something(p):
    if p.message:
        return p.summary == "" and p.image.layout.display == "none" and p.message.endswith(".")
    return p.png.startswith(PNG) and p.summary != "" and p.image.layout.display is None


@pytest.fixture(params=list(MAKERS))
def panel(request):
    return MAKERS[request.param]()


def test_every_control_at_its_ends_shows_a_picture_or_a_sentence(panel):
    start = panel.values()
    for name, control in panel.controls.items():
        if hasattr(control, "index"):  # a drop-down shows its choice (None would be blank)
            assert control.index is not None, name
        for value in ends(control):
            panel.set(**{name: value})
            assert shows_something(panel), (name, value, panel.message)
        panel.set(**{name: start[name]})
        assert shows_something(panel) and not panel.message, name


def test_all_controls_at_once_to_the_extremes_and_back(panel):
    start = panel.values()
    sliders = {n: c for n, c in panel.controls.items() if hasattr(c, "max")}
    for pick in (lambda c: c.max, lambda c: c.min):
        panel.set(**{n: pick(c) for n, c in sliders.items()})
        assert shows_something(panel), panel.values()
    panel.set(**start)
    assert shows_something(panel) and not panel.message


def test_default_settings_draw_without_a_message(panel):
    assert not panel.message and panel.png.startswith(PNG)
    assert panel.summary.endswith(".")


#: the makers of LessonFrame panels (by their return annotation), whose every moving part is live
FRAMES = [
    name
    for name, make in MAKERS.items()
    if issubclass(get_type_hints(make).get("return", object), LessonFrame)
]


@pytest.mark.parametrize("name", FRAMES)
def test_moving_a_control_of_a_lesson_frame_never_redraws_the_background(name):
    panel = MAKERS[name]()
    draws = []
    draw = panel.canvas.draw
    panel.canvas.draw = lambda: (draws.append(1), draw())
    for control_name, control in panel.controls.items():
        for value in ends(control):
            panel.set(**{control_name: value})
    assert draws == [], "a control forced the background to be drawn again"


# -- the facades ---------------------------------------------------------------------------------


def test_there_are_panels_and_every_lesson_slice_shows_through_the_facades():
    assert MAKERS and FRAMES
    for lesson in LESSONS:
        for facade, part in ((panels, "panels"), (plots, "figures")):
            for name, obj in lesson.public(part).items():
                assert name in facade.__all__ and getattr(facade, name) is obj, (lesson, name)


def test_the_facades_show_the_shared_names_and_the_slices_names_only():
    slices = {p: {n for each in LESSONS for n in each.public(p)} for p in ("panels", "figures")}
    assert set(panels.__all__) == {"Panel", "Impossible"} | slices["panels"]
    assert set(plots.__all__) == {"new_axes", *FIGURES} | slices["figures"]


def test_two_slices_exporting_one_name_is_an_error(monkeypatch):
    twice = next(each for each in LESSONS if each.public("panels"))
    monkeypatch.setattr(lessons, "LESSONS", (twice, twice))
    with pytest.raises(ImportError, match="is exported by both .* rename one of them"):
        lessons.gather("panels")


def test_importing_servicelab_loads_no_plotting_until_a_facade_is_used():
    code = (
        "import sys, servicelab\n"
        "assert not {'matplotlib', 'ipywidgets'} & set(sys.modules), 'loaded too early'\n"
        "missing = [n for n in servicelab.__all__ if getattr(servicelab, n, None) is None]\n"
        "assert not missing, missing\n"
        "assert {'matplotlib', 'ipywidgets'} <= set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_figure_draws_in_the_kits_look():
    for name in plots.__all__:
        figure = getattr(plots, name)
        assert callable(figure) and is_styled(figure), f"plots.{name} is not @styled"


def test_every_colour_is_named_in_the_style_module():
    package = Path(servicelab.__file__).parent
    literal = re.compile(r"#[0-9A-Fa-f]{6}\b")
    found = [
        f"{path.relative_to(package)}:{n}"
        for path in package.rglob("*.py")
        if path != package / "ui" / "style.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert not found, f"colour literals outside servicelab.ui.style: {found}"


# -- Panel.update: sentences for the learner, tracebacks for bugs --------------------------------


class Probe(Panel):
    """A panel whose compute fails on purpose: 2 is a kit check, 3 a bug, 0 impossible."""

    title = "probe"
    figsize = (3.0, 2.0)

    def make_controls(self):
        return {"x": int_slider("x", 1, 0, 3)}

    def layout(self, figure):
        ax = figure.add_axes((0.15, 0.15, 0.8, 0.8))
        self.line = self.live(ax.plot([], [])[0])
        return [ax]

    def compute(self, x):
        if x == 0:
            raise Impossible("Zero is impossible here.")
        if x == 2:
            raise _check.fail("x", x, "anything but 2")
        if x == 3:
            raise ValueError("an index went wrong inside the kit")
        return {"x": x}

    def draw(self, d):
        self.line.set_data([0, 1], [0, d["x"]])

    def describe(self, d):
        return f"x is {d['x']}."


def test_a_kit_argument_error_shows_a_sentence_and_a_bug_raises():
    p = Probe()
    assert p.summary == "x is 1." and not p.message
    p.set(x=2)
    assert p.message == (
        "This setting cannot be simulated: x = 2 is not allowed: x must be anything but 2."
    )
    assert p.image.layout.display == "none"
    p.set(x=0)
    assert p.message == "Zero is impossible here."
    with pytest.raises(ValueError, match="an index went wrong"):
        p.set(x=3)
    p.set(x=1)
    assert p.summary == "x is 1." and not p.message


def test_the_kits_argument_errors_are_value_errors_of_their_own():
    error = _check.fail("workers", 0, "a whole number ≥ 1")
    assert isinstance(error, _check.KitValueError) and isinstance(error, ValueError)
    with pytest.raises(_check.KitValueError, match="^control = 'speed' is not allowed"):
        Probe().set(speed=3)


# -- the live parts: LessonFrame, LiveYScale, error_bars -----------------------------------------


class Frame(LessonFrame):
    """A LessonFrame with every live part: a shaded window, a live y scale, error bars."""

    title = "frame"

    def make_controls(self):
        return {"top": int_slider("top", 10, 1, 1000), "start": int_slider("start", 2, 0, 8)}

    def layout(self, figure):
        key = [Line2D([], [], label="data")]
        left, right = self.frame(figure, key)
        self.y = LiveYScale(self, right, integer=True)
        self.window = self.live_span(left)
        self.bars = self.live(right.plot([], [])[0])
        left.set_xlim(0, 10)
        right.set_xlim(0, 4)
        return [left, right]

    def compute(self, top, start):
        return {"top": top, "start": start}

    def draw(self, d):
        self.y.set_range(0, d["top"])
        x = np.array([1.0, 2.0, 3.0])
        self.bars.set_data(*error_bars(x, self.y(x * d["top"] / 4), self.y(d["top"] / 10)))
        self.move_span(self.window, d["start"], d["start"] + 2)
        self.headline_text.set_text(f"top {d['top']}")

    def describe(self, d):
        return f"top {d['top']}, window from {d['start']} s."


def _pixels(png: bytes) -> np.ndarray:
    return matplotlib.image.imread(io.BytesIO(png))


def test_a_lesson_frame_redraws_live_what_a_full_draw_shows():
    p = Frame()
    assert len(p.axes) == 2
    for values in ({"top": 40}, {"top": 7, "start": 0}, {"top": 1000, "start": 8}):
        p.set(**values)
        fast = _pixels(p.png)
        p.invalidate()
        full = _pixels(p.render())
        assert np.array_equal(fast, full), values
    assert p.headline_text.get_text() == "top 1000"


def test_live_y_scale_labels_its_ticks_and_scales_the_data():
    p = Frame(top=40)
    y = p.y
    shown = [label for label in y.labels if label.get_visible()]
    assert [t.get_text() for t in shown] == ["0", "10", "20", "30", "40"]
    assert [t.get_position()[1] for t in shown] == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert y(20) == pytest.approx(0.5) and p.axes[1].get_ylim() == (0, 1)
    p.set(top=7)
    assert [t.get_text() for t in y.labels if t.get_visible()][-1] == "6"
    assert all(float(t.get_text()).is_integer() for t in y.labels if t.get_visible())


def test_a_live_span_hides_an_empty_window():
    p = Frame(start=3)
    assert p.window.get_visible() and p.window.get_x() == 3 and p.window.get_width() == 2
    LessonFrame.move_span(p.window, 5, 5)
    assert not p.window.get_visible()


def test_error_bars_are_one_polyline_broken_by_nan():
    xs, ys = error_bars([1, 2], [10, 20], 1)
    np.testing.assert_array_equal(xs[[0, 1, 3, 4]], [1, 1, 2, 2])
    np.testing.assert_array_equal(ys[[0, 1, 3, 4]], [9, 11, 19, 21])
    assert np.isnan(xs[2]) and np.isnan(ys[5])
