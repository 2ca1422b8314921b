"""Figures and panels a learner can read without seeing them, and without telling colours apart.

* **Alt text.** Every public figure of the kit (every name of the facade
  :mod:`servicelab.plots` that draws, found through the lessons' registry)
  attaches an alt text that names what it draws, holds at least one number,
  and names sync and async when it draws them; in a notebook that text
  reaches the learner as the ``alt`` of an HTML ``<img>`` beside the PNG, in
  one output. Every panel (through the registry) carries its summary as its
  image's alt text after an update, and none after an impossible setting.
* **Not colour alone.** Wherever a figure draws both sync and async, no sync
  line looks like an async one once colour is set aside (line style and
  marker), and no sync bar or arrow like an async one (hatch and line style).
  :data:`~servicelab.ui.style.STYLE_LOOKS` is the one definition they use.
"""

from __future__ import annotations

import functools
import inspect
import re
import subprocess
import sys
import types

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from servicelab import Faults, catalogue, plots, run_both, run_policies, run_pool_both
from servicelab.lessons import LESSONS
from servicelab.ui.alt import alt_text, figure_of, notebook_bundle, sentences, set_alt
from servicelab.ui.panel import Impossible, Panel, int_slider
from servicelab.ui.style import (
    ASYNC,
    LANES,
    OKABE_ITO,
    SERVICE_COLORS,
    STYLE_LOOKS,
    SYNC,
    style_handle,
    style_line,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: what an alt text may call the figure it describes
KIND = re.compile(r"\b(chart|diagram|flowchart|timeline|small multiples)\b", re.IGNORECASE)
#: the facade's names that draw nothing themselves
NOT_FIGURES = {"new_axes"}

# -- sample inputs for every figure, by the story its module tells ------------------------------


@functools.cache
def checkout_pair():
    """A short checkout pair with an Inventory outage (so failures, a backlog and traces)."""
    return run_both(
        seed=3,
        n_orders=400,
        trace_orders=2,
        faults={"inventory": Faults.outage(20_000, 20_000)},
    )


@functools.cache
def pool_pair():
    return run_pool_both(seed=7, duration_ms=12_000, slow_start_ms=4_000, slow_ms=4_000)


@functools.cache
def storms():
    return run_policies(("naive", "budget"), seed=7, duration_ms=12_000)


@functools.cache
def flash_pair():
    from servicelab.scenarios.flash_sale import run_flash_sale_both

    return run_flash_sale_both(seed=1)


def samples(module: str) -> dict:
    """Arguments by parameter name for a figure of ``module`` (the story decides the results).

    A new lesson's figures need their story's sample results here: the test
    fails, naming the module, until they have them.
    """
    if ".lessons.l04_load_leveling." in module:
        sync, asyn = flash_pair()
        start, end = asyn.config.window
        return {"results": [sync, asyn], "result": asyn, "start_ms": start, "end_ms": end}
    if ".lessons.l06_eventual_consistency." in module:
        from servicelab.scenarios.last_items import run_last_items_both
        from servicelab.scenarios.stale_reads import run_stock_updates_both

        return {
            "updates": list(run_stock_updates_both(seed=1)),
            "sales": run_last_items_both(seed=1),
        }
    if ".lessons.l05_pub_sub." in module:
        from servicelab.lessons.l05_pub_sub.analysis import fan_out_sweep
        from servicelab.scenarios.pubsub import run_designs

        slow = {"loyalty": Faults.slow(10, 10_000, 20_000)}
        runs = run_designs(seed=1, n_orders=150, subscribers=("email", "loyalty"), faults=slow)
        sweep = fan_out_sweep((1, 2), seed=1, n_orders=100)
        return {"sweep": sweep, "results": runs, "result": runs["pub/sub"]}
    if module == "consumers":  # a sweep of async runs by number of consumers (see OWN_SAMPLES)
        from servicelab.scenarios.flash_sale import run_consumers

        return {"results": run_consumers((1, 2, 4), seed=1)}
    if module.endswith((".pool", ".pool_exhaustion")):
        return {"results": list(pool_pair())}
    if module.endswith(".storm"):
        runs = list(storms().values())
        return {"results": runs, "result": runs[0]}
    if module.endswith("l01_the_question.figures"):
        return {"decision": catalogue.classify("Monthly report export").decision}
    checkout = (".ui.", ".l00_", ".l02_", ".figures.availability", ".figures.outage")
    if not any(part in module for part in checkout):
        pytest.fail(f"no sample inputs for the figures of {module}: add them to samples()")
    sync, asyn = checkout_pair()
    return {
        "results": [sync, asyn],
        "result": asyn,
        "sync": sync,
        "asyn": asyn,
        "windows": (20_000, 40_000),
        "availability": 0.99,
        "service": "inventory",
        "style": "sync",
        "ax": None,
    }


def figures() -> dict:
    """Every public figure function of the facade, by name (classes draw through their maker)."""
    return {
        name: obj
        for name, obj in ((n, getattr(plots, n)) for n in plots.__all__)
        if name not in NOT_FIGURES and inspect.isfunction(obj)
    }


#: figures whose results are not their module's usual ones: which samples() they take instead
OWN_SAMPLES = {"consumers_throughput": "consumers"}


def draw(name: str):
    """Call figure ``name`` with sample arguments for its required parameters; its figure."""
    figure = figures()[name]
    given = samples(figure.__module__)
    if name in OWN_SAMPLES:
        given = {**given, **samples(OWN_SAMPLES[name])}
    arguments = {}
    for parameter in inspect.signature(figure).parameters.values():
        if parameter.default is not inspect.Parameter.empty or parameter.kind in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            continue
        assert parameter.name in given, (
            f"plots.{name}: add a sample for its parameter {parameter.name!r} to this test"
        )
        arguments[parameter.name] = given[parameter.name]
    return figure_of(figure(**arguments))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_facade_has_figures_from_every_kind_of_story():
    names = set(figures())
    assert {"latency_cdf", "timelines", "topology", "availability_chain", "flowchart"} <= names
    assert len(names) >= 15


# -- alt text -----------------------------------------------------------------------------------


def styles_drawn(fig) -> set[str]:
    """Which styles' colours the figure draws (lines, patches, legend keys)."""
    return {style for style, _ in looks(fig)}


def says_what_it_draws(fig, text: str) -> bool:
    """The text names the kind of figure, or a quantity on one of its axes (a word of a label)."""
    labels = " ".join(f"{ax.get_xlabel()} {ax.get_ylabel()}" for ax in fig.axes)
    words = {w.lower() for w in re.findall(r"[A-Za-z]{5,}", labels)} - {"scale"}
    return bool(KIND.search(text)) or any(w[:5] in text.lower() for w in words)


@pytest.mark.parametrize("name", sorted(figures()))
def test_every_figure_has_an_alt_text_with_numbers_that_says_what_it_draws(name):
    fig = draw(name)
    text = alt_text(fig)
    assert text, f"plots.{name} attaches no alt text"
    assert re.search(r"\d", text), f"plots.{name}: no number in {text!r}"
    assert says_what_it_draws(fig, text), (
        f"plots.{name}: the alt text names nothing drawn: {text!r}"
    )
    drawn = styles_drawn(fig)
    for style in drawn if len(drawn) == 2 else ():  # a comparison names both sides
        assert re.search(rf"\b{style}\b", text, re.IGNORECASE), (
            f"plots.{name} draws {style} but its alt text never names it: {text!r}"
        )
    assert "nan" not in text.split() and ".." not in text and "?." not in text, text


def test_an_alt_text_is_computed_from_the_data_drawn():
    sync, asyn = checkout_pair()
    text = alt_text(plots.latency_cdf([sync, asyn]))
    for r in (sync, asyn):
        assert f"{r.style} median {np.percentile(r.latency(), 50):,.0f} ms" in text
        assert f"p99 {np.percentile(r.latency(), 99):,.0f} ms" in text
    faster = run_both(seed=3, n_orders=400, latency={"payment": 50.0})[1]
    assert alt_text(plots.latency_cdf([faster])) != alt_text(plots.latency_cdf([asyn]))


def test_two_figures_on_one_figure_read_as_both_and_a_figure_text_wins():
    fig, (top, bottom) = plt.subplots(2, 1)
    plots.topology("sync", ax=top)
    plots.topology("async", ax=bottom)
    text = alt_text(fig)
    assert text == f"{alt_text(top)} {alt_text(bottom)}"
    assert "Payment (1), then Inventory (2), then Email (3)" in alt_text(top)
    assert alt_text(figure_of(np.array([top, bottom]))) == text
    set_alt(fig, "One text for all.")
    assert alt_text(fig) == "One text for all." and alt_text(top) != text


def test_sentences_end_each_part_once():
    assert sentences("Title", "", None, "Body.") == "Title. Body."
    assert sentences("Why?", "  spaced   out ") == "Why? spaced out."


def test_set_alt_refuses_what_is_not_an_axes_or_a_figure():
    with pytest.raises(ValueError, match="target = 'ax' is not allowed"):
        set_alt("ax", "text")
    with pytest.raises(ValueError, match="drawn = 3 is not allowed"):
        alt_text(3)


# -- sync and async, without colour -------------------------------------------------------------


def _style_of(color) -> str | None:
    if color is None:
        return None
    hexed = to_hex(color, keep_alpha=False).upper()
    return {SYNC.upper(): "sync", ASYNC.upper(): "async"}.get(hexed)


def _linestyle(artist) -> str:
    """The line's pattern: "-" solid, else its dashes (matplotlib names every dash pattern "--")."""
    offset, dashes = artist._unscaled_dash_pattern  # the pattern as set, before line width
    return "-" if dashes is None else f"{offset:g}:" + ",".join(f"{d:g}" for d in dashes)


def error_bars(line) -> bool:
    """True for a line of vertical error bars broken by nan (see ``ui.live.error_bars``)."""
    x = np.asarray(line.get_xdata(), dtype=float)
    if x.size < 3 or not np.isnan(x).any():
        return False
    segments = np.split(x, np.flatnonzero(np.isnan(x)))
    return all(np.ptp(s[~np.isnan(s)]) == 0 for s in segments if (~np.isnan(s)).any())


def looks(fig):
    """(style, look) of every sync- or async-coloured line and patch of ``fig``.

    A line's look is its line style and marker (error bars and their caps left
    out: they stand beside their markers, which differ); a patch's its hatch
    and line style, its style read from its face, or from its outline if its
    face is white or see-through.
    """
    found = []
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    handles = [h for legend in legends for h in legend.legend_handles]
    for ax in fig.axes:
        caps = {
            id(cap) for c in ax.containers if isinstance(c, ErrorbarContainer) for cap in c.lines[1]
        }
        for line in [*ax.lines, *(h for h in handles if isinstance(h, Line2D))]:
            if id(line) in caps or not line.get_visible() or error_bars(line):
                continue
            style = _style_of(line.get_color())
            if style:
                found.append((style, ("line", _linestyle(line), str(line.get_marker()))))
        for patch in [*ax.patches, *(h for h in handles if isinstance(h, Patch))]:
            face = patch.get_facecolor()
            see_through = face[3] == 0 or to_hex(face, keep_alpha=False).upper() == "#FFFFFF"
            style = _style_of(patch.get_edgecolor() if see_through else face)
            if style:
                found.append((style, ("patch", patch.get_hatch() or "", _linestyle(patch))))
    return found


def assert_not_colour_alone(fig, where: str) -> None:
    by_style = {"sync": set(), "async": set()}
    for style, look in looks(fig):
        by_style[style].add(look)
    shared = by_style["sync"] & by_style["async"]
    assert not shared, f"{where}: sync and async differ by colour alone in {sorted(shared)}"


@pytest.mark.parametrize("name", sorted(figures()))
def test_sync_and_async_differ_by_more_than_colour_in_every_figure(name):
    assert_not_colour_alone(draw(name), f"plots.{name}")


def test_both_topologies_and_both_flowchart_looks_keep_the_styles_apart():
    assert_not_colour_alone(figure_of(plots.topologies(("inventory", "email", "analytics"))), "")
    fig, ax = plt.subplots()
    for entry in ("Get user by ID", "Monthly report export", "Analytics event"):
        plots.flowchart(catalogue.classify(entry).decision, ax=ax)
        assert_not_colour_alone(fig, entry)


def test_one_definition_gives_each_style_a_line_style_a_marker_and_a_hatch_of_its_own():
    sync, asyn = STYLE_LOOKS["sync"], STYLE_LOOKS["async"]
    assert (sync["color"], asyn["color"]) == (SYNC, ASYNC)
    for part in ("linestyle", "marker", "hatch"):
        assert sync[part] != asyn[part], part
    line = style_line("async")
    assert line["linestyle"] == asyn["linestyle"] and line["marker"] == "s"
    assert line["markevery"][0] > 0 == style_line("sync")["markevery"][0]  # interleaved
    assert "linestyle" not in style_line("sync", linestyle=False)
    assert "marker" not in style_line("sync", markers=False)
    assert style_line("sync", every=25)["markevery"] == (0, 25)
    key = style_handle("async", "queue")
    assert key.get_label() == "queue" and key.get_marker() == "s"


def test_no_service_of_the_checkout_wears_a_colour_beside_a_styles():
    """Orange sits beside sync's vermillion and sky blue beside async's blue."""
    near = {OKABE_ITO["orange"], OKABE_ITO["sky blue"], SYNC, ASYNC}
    default_lanes = [lane for lane in LANES if lane != "analytics"]
    assert not {SERVICE_COLORS[lane] for lane in default_lanes} & near
    assert len({SERVICE_COLORS[lane] for lane in LANES}) == len(LANES)


# -- the timeline's key, and the topology's services ----------------------------------------------


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_the_timeline_names_a_queue_only_when_a_message_waited_in_one():
    sync, asyn = run_both(seed=1, n_orders=20, trace_orders=2)
    quiet = figure_of(plots.timelines([sync, asyn]))
    assert "message waiting in a queue" not in _legend_texts(quiet)
    down = {"inventory": Faults.outage(0, 60_000)}
    sync, asyn = run_both(seed=1, n_orders=20, trace_orders=2, faults=down)
    queued = figure_of(plots.timelines([sync, asyn]))
    assert "message waiting in a queue" in _legend_texts(queued)
    assert "waits in a queue" in alt_text(queued)


def test_the_topologies_show_the_same_services_and_number_orders_calls():
    axes = plots.topologies(("inventory", "email"))
    names = [
        {t.get_text().split("\n")[0] for t in ax.texts} - {"1", "2", "3", "OrderCreated"}
        for ax in axes
    ]
    assert names[0] == names[1] == {"User", "Order", "Payment", "Inventory", "Email"}
    sync_numbers = sorted(t.get_text() for t in axes[0].texts if t.get_text().isdigit())
    assert sync_numbers == ["1", "2", "3"]
    with pytest.raises(ValueError, match="downstream = .* is not allowed"):
        plots.topology("sync", downstream=("inventory", "inventory"))


def test_the_availability_figure_draws_sync_done_well_from_theory():
    sync, asyn = checkout_pair()
    ax = plots.availability_chain(sync, asyn, availability=0.99)
    labels = [line.get_label() for line in ax.lines]
    assert any("sync done well: 0.99²" in label for label in labels)
    well = next(line for line in ax.lines if "done well" in line.get_label())
    np.testing.assert_allclose(well.get_ydata(), [99.0, 98.01, 98.01, 98.01])
    assert "sync done well" in alt_text(ax) and "98.0% in theory" in alt_text(ax)
    simulated = plots.availability_chain(sync, asyn, availability=0.99, well=asyn)
    assert "simulated sync done well" in [t.get_text() for t in simulated.get_legend().texts]


# -- panels: their summary as alt text ----------------------------------------------------------

#: every panel maker of every lesson, by name
MAKERS = {
    name: make
    for lesson in LESSONS
    for name, make in lesson.public("panels").items()
    if inspect.isfunction(make)
}


def _ends(control) -> list:
    if hasattr(control, "options"):
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [options[0], options[-1]]
    return [control.min, control.max]


def assert_alt_follows(panel) -> None:
    if panel.message:
        assert panel.alt == "" and not panel.image.tooltip and panel.png == b""
    else:
        assert panel.summary and panel.summary in panel.alt
        assert panel.image.tooltip == panel.alt


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_every_panel_carries_its_summary_as_alt_text_and_none_when_impossible(name):
    panel = MAKERS[name]()
    assert_alt_follows(panel)
    assert not panel.message
    start = panel.values()
    for control, widget in panel.controls.items():
        for value in _ends(widget):
            panel.set(**{control: value})
            assert_alt_follows(panel)
        panel.set(**{control: start[control]})
    assert_alt_follows(panel)


class Probe(Panel):
    """A panel with a headline; 0 is impossible."""

    title = "probe"
    figsize = (3.0, 2.0)

    def make_controls(self):
        return {"x": int_slider("x", 1, 0, 3)}

    def layout(self, figure):
        self.head = self.headline()
        return [figure.add_axes((0.15, 0.15, 0.8, 0.6))]

    def compute(self, x):
        if x == 0:
            raise Impossible("Zero is impossible here.")
        return {"x": x}

    def draw(self, d):
        self.head.set_text(f"x is {d['x']}, the takeaway")

    def describe(self, d):
        return f"x = {d['x']}."


def test_a_panels_alt_is_its_headline_and_summary_and_goes_with_its_image():
    p = Probe()
    assert p.alt == "x is 1, the takeaway. x = 1." == p.image.tooltip
    p.set(x=0)
    assert p.message and p.alt == "" and p.image.tooltip is None and p.image.value == b""
    p.set(x=2)
    assert p.alt == "x is 2, the takeaway. x = 2."
    # ipywidgets 8.1's view sets an <img>'s title only if its model has a description
    assert p.image.description == "" and "description" in p.image.get_state()


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_every_panel_draws_sync_and_async_apart_by_more_than_colour(name):
    panel = MAKERS[name]()
    assert_not_colour_alone(panel.figure, name)
    drawn = {style for style, _ in looks(panel.figure)}
    assert drawn in (set(), {"sync", "async"}, {"sync"}, {"async"})


# -- notebooks: the alt text reaches the learner ------------------------------------------------


def test_a_figure_without_kit_alt_text_is_left_to_ipython():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    assert notebook_bundle(fig) is None


def test_the_notebook_bundle_is_an_img_with_the_alt_text_and_the_text_itself():
    ax = plots.topology("async")
    bundle = notebook_bundle(ax.figure)
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == alt_text(ax)
    html = bundle["text/html"]
    assert html.startswith('<img src="data:image/png;base64,iVBOR') and 'alt="Diagram of' in html
    assert notebook_bundle(ax.figure, include={"text/plain"}) == {"text/plain": alt_text(ax)}


def test_a_kit_figure_is_drawn_once_for_its_png_and_its_img(monkeypatch):
    from IPython.core.formatters import DisplayFormatter
    from matplotlib.figure import Figure

    import servicelab.ui.alt as alt

    drawn = []
    formatter = DisplayFormatter()
    formatter.formatters["image/png"].for_type(Figure, lambda fig: drawn.append(fig) or "iVBORx")
    monkeypatch.setattr(alt, "_shell", lambda: types.SimpleNamespace(display_formatter=formatter))
    ax = plots.topology("sync")  # its alt text registers the formatters
    for _ in range(2):
        data, _ = formatter.format(ax.figure)
        assert (
            data["image/png"] == "iVBORx"
            and 'src="data:image/png;base64,iVBORx"' in (data["text/html"])
        )
    assert len(drawn) == 2, "drawn once per display, not once for the PNG and once for the <img>"
    fig, other = plt.subplots()
    other.plot([1, 2])
    data, _ = formatter.format(fig)
    assert "text/html" not in data and data["image/png"] == "iVBORx" and len(drawn) == 3


NOTEBOOK_CELLS = [
    "from servicelab import plots, run_both\nimport matplotlib.pyplot as plt",
    "sync, asyn = run_both(seed=1, n_orders=100)\nplots.latency_cdf([sync, asyn]);",
    "plt.plot([1, 2]);",
]


def test_in_a_notebook_a_kit_figure_is_one_output_with_png_html_and_its_alt_text():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    kit, plain = (
        [o for o in cell.outputs if o.output_type == "display_data"] for cell in nb.cells[1:]
    )
    assert len(kit) == 1 and len(plain) == 1, "a figure shown twice, or not at all"
    data = kit[0].data
    assert {"image/png", "text/html", "text/plain"} <= set(data)
    assert data["text/plain"].startswith("Line chart of the share of orders answered")
    assert f'base64,{data["image/png"].strip()}"' in data["text/html"]
    assert 'alt="Line chart of the share of orders' in data["text/html"]
    assert "text/html" not in plain[0].data and "image/png" in plain[0].data


def test_importing_servicelab_still_loads_no_plotting_and_no_ipython_display():
    code = (
        "import sys, servicelab\n"
        "assert not {'matplotlib', 'ipywidgets'} & set(sys.modules), 'loaded too early'\n"
        "import servicelab.ui.alt\n"
        "assert 'IPython' not in sys.modules, 'alt text imported IPython'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
