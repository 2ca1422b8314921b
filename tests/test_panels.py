"""Every panel, whatever a learner does to it: a picture or a sentence, never a traceback.

Moves each control of each lesson's panels (found through
:data:`servicelab.lessons.LESSONS`) to its ends (and every control to its
maximum, then its minimum, at once) and checks that the panel either draws —
a PNG and a summary line — or explains in a sentence why it cannot, and that
it recovers when the controls come back; that its texts never show a negative
zero or "1 services"; that hundreds of updates leave its figure the same size
(no artist, container or child of an axes piles up); and that a bad value from
Python (text, None, NaN, ±inf, a bool, a number out of range) is refused with
the kit's sentence naming the control, before any control moves.

Also the machinery under every panel and figure: the facades
:mod:`servicelab.panels` and :mod:`servicelab.plots` show every slice's names,
every figure draws in the kit's look, :meth:`Panel.update` shows the kit's
argument errors as sentences but lets a bug raise, and leaves no stale figure
behind a sentence, and the live parts of
:mod:`servicelab.ui.live` redraw exactly what a full draw would.
"""

import gc
import inspect
import io
import math
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import get_type_hints

import matplotlib.image
import numpy as np
import pytest
from matplotlib.lines import Line2D
from matplotlib.text import Text

import servicelab
from servicelab import _check, lessons, panels, plots
from servicelab.lessons import LESSONS
from servicelab.ui.checkout_figures import FIGURES
from servicelab.ui.live import LessonFrame, LiveYScale, error_bars
from servicelab.ui.panel import Impossible, Panel, int_slider, num, plural
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


#: a negative zero in a text: "-0 s", "-0.0%", "−0"
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0(?:\.0+)?(?![\d.])")
#: one of something, in the plural: "1 services", "1 sync calls"
ONE_PLURAL = re.compile(
    r"(?<![\d.,])\b1 (?:sync |async |failed downstream |Order |stock )?"
    r"(?:services|orders|requests|workers|calls|messages|tasks|attempts|updates)\b"
)


def texts(p) -> list[str]:
    """Every text a learner reads: the summary, the message, each visible text of the figure."""
    shown = [t.get_text() for t in p.figure.findobj(Text) if t.get_visible()]
    return [p.summary, p.message, *shown]


def assert_clean_texts(p) -> None:
    for text in texts(p):
        assert not NEGATIVE_ZERO.search(text), text
        assert not ONE_PLURAL.search(text), text


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
            assert_clean_texts(panel)
        panel.set(**{name: start[name]})
        assert shows_something(panel) and not panel.message, name


def test_all_controls_at_once_to_the_extremes_and_back(panel):
    start = panel.values()
    sliders = {n: c for n, c in panel.controls.items() if hasattr(c, "max")}
    for pick in (lambda c: c.max, lambda c: c.min):
        panel.set(**{n: pick(c) for n, c in sliders.items()})
        assert shows_something(panel), panel.values()
        assert_clean_texts(panel)
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


# -- texts: "1 service", never "-0" ----------------------------------------------------------------


def test_plural_and_num_write_counts_and_never_a_negative_zero():
    assert plural(1, "service") == "1 service" and plural(4, "service") == "4 services"
    assert plural(0, "order") == "0 orders" and plural(2000, "order") == "2,000 orders"
    assert plural(2, "sync call") == "2 sync calls" and plural(3, "entry", "entries") == "3 entries"
    assert [num(-0.0), num(-0.0, ".1f"), num(-0.004, ".0%"), num(-0.4, ",.0f")] == [
        "0",
        "0.0",
        "0%",
        "0",
    ]
    assert [num(-1.5), num(-1e-5), num(20.0), num(-math.inf)] == ["-1.5", "-1e-05", "20", "-inf"]


def test_a_negative_zero_from_python_shows_as_zero(panel):
    for name, control in panel.controls.items():
        if hasattr(control, "max") and control.min <= 0 <= control.max:
            panel.set(**{name: -0.0})
            assert math.copysign(1.0, panel.values()[name]) == 1.0, name
            assert shows_something(panel)
            assert_clean_texts(panel)


def test_the_outage_from_minus_zero_and_one_service_read_right():
    p = panels.outage(start_s=-0.0)
    assert p.summary.startswith("Inventory down from 0 s to 20 s")
    p = panels.tail_amplification(n_services=1)
    assert p.summary.startswith("With 1 service in a row")
    assert p.title_text.get_text().startswith("1 sync call in a row")
    assert p.legend.get_texts()[0].get_text().startswith("sync, 1 call:")


# -- bad values from Python: the kit's sentence, naming the control; nothing moves ----------------


def bad_values(control) -> list:
    """Values the widget itself never offers (a slider would raise a TraitError or clamp)."""
    common = ["abc", None, math.nan, 10**400, [1], b"5", object()]
    if hasattr(control, "max"):  # a slider
        whole = [control.min + 0.5] if isinstance(control.value, int) else []
        outside = [control.min - control.step, control.max + control.step, -1e308, 1e308]
        return [*common, *whole, *outside, "5", True, False, math.inf, -math.inf, complex(1, 1)]
    options = [o[1] if isinstance(o, tuple) else o for o in control.options]
    if all(isinstance(o, bool) for o in options):
        return [*common, 1, 0, "Yes"]
    return [*common, True, "nope", math.inf]


def test_a_bad_value_is_refused_naming_the_control_and_nothing_moves(panel):
    before = (panel.values(), panel.summary, panel.message, panel.png)
    updates = []
    update = panel.update
    panel.update = lambda: (updates.append(1), update())
    for name, control in panel.controls.items():
        for value in bad_values(control):
            with pytest.raises(_check.KitValueError) as error:
                panel.set(**{name: value})
            sentence = str(error.value)
            assert re.fullmatch(rf"{name} = .+ is not allowed: {name} must be .+\.", sentence), (
                sentence
            )
            assert "0" * 50 not in sentence  # 10**400 is shown shortened
            if hasattr(control, "max"):
                label = f'(the "{control.description}" slider).'
                assert sentence.endswith(label) and "≥" in sentence and "≤" in sentence
    assert updates == []
    assert (panel.values(), panel.summary, panel.message, panel.png) == before


def test_set_moves_every_control_or_none():
    p = panels.outage()
    before = (p.values(), p.summary, p.png)
    with pytest.raises(_check.KitValueError, match=r"^start_s = 'ten' is not allowed"):
        p.set(rate=20, start_s="ten")
    assert (p.values(), p.summary, p.png) == before and p.values()["rate"] == 5
    p.set(rate=20, start_s=10)
    assert p.data["rate"] == 20 and p.data["start_s"] == 10 and "from 10 s" in p.summary


def test_the_headless_api_refuses_what_a_widget_would_clamp_or_coerce():
    p = panels.outage()
    with pytest.raises(ValueError) as error:
        p.set(rate="abc")
    assert str(error.value) == (
        "rate = 'abc' is not allowed: rate must be a number ≥ 1 and ≤ 20 "
        '(the "Orders per second" slider).'
    )
    for name, value in (("rate", math.nan), ("rate", True), ("start_s", -1e308)):
        with pytest.raises(_check.KitValueError, match=f"^{name} = "):
            p.set(**{name: value})
    with pytest.raises(_check.KitValueError, match=r"availability = inf .* ≤ 99\.9 \(the"):
        panels.availability(availability=math.inf)
    with pytest.raises(_check.KitValueError, match=r"timeout = 42 .* one of 0\.0, 100\.0"):
        panels.pool_exhaustion().set(timeout=42)
    assert not p.message and p.values()["rate"] == 5


def test_the_headless_api_takes_every_value_a_widget_offers():
    p = panels.pool_exhaustion(slowdown=np.float64(2), workers=3.0, timeout=100)
    assert p.values() == {"slowdown": 2.0, "slow_s": 10.0, "workers": 3, "timeout": 100.0}
    assert type(p.values()["workers"]) is int and not p.message
    p.set(slowdown=50, slow_s=np.int64(0), workers=20, timeout=2000.0)  # the ends
    assert shows_something(p) and not p.message


# -- never a leak: hundreds of updates leave every figure the same size ----------------------------


def sizes(p) -> dict:
    """How many artists the panel's figure holds: in all, at its top, in and on each axes."""
    figure = p.figure
    counts = {"artists": len(figure.findobj()), "figure": len(figure.get_children())}
    counts["live"] = len(p._live)
    for k, ax in enumerate(figure.axes):
        counts[f"axes {k}"] = len(ax.get_children())
        counts[f"axes {k} containers"] = len(ax.containers)
    return counts


def learner_moves(p) -> list[dict]:
    """Each control a step or two from its value and back, as a learner explores."""
    moves = []
    for name, control in p.controls.items():
        start = control.value
        if hasattr(control, "max"):
            near = [start + control.step, start + 2 * control.step, start - control.step]
            values = [v for v in near if control.min <= v <= control.max]
        else:
            values = [o[1] if isinstance(o, tuple) else o for o in control.options][:3]
        moves += [{name: v} for v in [*values, start]]
    return moves


def cached_compute(p) -> None:
    """Run each setting's simulation once: the updates then cost a redraw only."""
    compute, results = p.compute, {}

    def compute_once(**values):
        key = tuple(sorted(values.items()))
        if key not in results:
            try:
                results[key] = compute(**values)
            except (Impossible, _check.KitValueError) as exc:
                results[key] = exc
        if isinstance(results[key], Exception):
            raise results[key]
        return results[key]

    p.compute = compute_once


@pytest.mark.slow
def test_hundreds_of_updates_leave_every_figure_the_same_size(panel):
    cached_compute(panel)
    panel.figure.set_dpi(20)  # counts do not depend on pixels: few pixels, a faster test
    panel.invalidate()
    corners = [{n: v} for n, c in panel.controls.items() for v in [*ends(c), c.value]]
    moves = learner_moves(panel)
    for move in corners + moves:  # every look once: lazily made artists are made now
        panel.set(**move)
    before = sizes(panel)
    n = 0
    while n < 200:
        for move in moves:
            panel.set(**move)
        n += len(moves)
    for move in corners:
        panel.set(**move)
    assert sizes(panel) == before


@pytest.mark.slow
def test_the_request_timeline_holds_no_memory_per_update():
    p = panels.request_timeline()
    moves = [{"order": k} for k in range(1, 11)] + [{"email_slowdown": 20}, {"email_slowdown": 1}]
    for move in moves:
        p.set(**move)
    tracemalloc.start()
    try:
        for move in moves:  # caches that fill once fill here
            p.set(**move)
        gc.collect()
        start = tracemalloc.get_traced_memory()[0]
        for move in moves * 2:
            p.set(**move)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000, f"{grown / 1e6:.1f} MB more after {2 * len(moves)} updates"


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


def test_a_failed_update_leaves_no_stale_figure_and_the_next_one_draws():
    p = Probe()
    drawn = p.png
    for x, says in ((0, "Zero is impossible"), (2, "This setting cannot be simulated: x = 2")):
        p.set(x=x)
        assert p.message.startswith(says) and p.message.endswith(".")
        assert p.png == b"" and p.image.value == b"" and p.image.layout.display == "none"
        assert p.data == {} and p.summary == "" and p.summary_box.value == ""
        p.set(x=1)
        assert p.png == drawn and p.image.value == drawn and not p.message
    with pytest.raises(ValueError, match="an index went wrong"):
        p.set(x=3)
    assert (
        p.message.startswith("This setting met a bug in the kit") and "an index went" in p.message
    )
    assert p.png == b"" and p.image.layout.display == "none" and p.data == {}
    p.set(x=1)
    assert p.png == drawn and p.summary == "x is 1." and p.image.layout.display is None


class Bars(Panel):
    """A panel that replaces its bars on every update, with :meth:`Panel.forget`."""

    title = "bars"
    figsize = (3.0, 2.0)

    def make_controls(self):
        return {"n": int_slider("n", 1, 1, 5)}

    def layout(self, figure):
        self.bars = []
        return [figure.add_axes((0.15, 0.15, 0.8, 0.8))]

    def compute(self, n):
        return {"n": n}

    def draw(self, d):
        self.forget(self.bars)
        self.bars = [self.live(bar) for bar in self.axes[0].barh(range(d["n"]), 1.0)]

    def describe(self, d):
        return f"{plural(d['n'], 'bar')}."


def test_forgotten_bars_take_their_container_with_them():
    p = Bars()
    for k in range(100):
        p.set(n=1 + k % 5)
    ax = p.axes[0]
    assert len(ax.containers) == 1 and len(ax.patches) == 5 and len(p._live) == 5
    assert p.summary == "5 bars."


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
