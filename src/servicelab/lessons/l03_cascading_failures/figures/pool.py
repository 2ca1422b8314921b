"""Lesson 03's pool-exhaustion figures: a slow dependency fills the caller's worker pool."""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ....ui.alt import alt_text, sentences, set_alt
from ....ui.axes import ax_or_new, new_axes, percent_axis, reference_line, shade
from ....ui.panel import plural
from ....ui.style import MUTED, OUTAGE, style_handle, style_line, styled

__all__ = ["success_by_kind", "busy_workers", "pool_figure"]

#: the kind of request is told by line style and width; the style by colour and marker
_KIND_LINES = {"simple": "-", "checkout": (0, (4, 2))}
_KIND_LABELS = {"simple": "simple requests", "checkout": "checkouts"}


def _slow_words(config) -> str:
    start, end = config.window
    return f"Inventory {config.slowdown:g}× slower from {start / 1000:g} s to {end / 1000:g} s"


@styled
def success_by_kind(results, ax=None, *, bin_ms: float = 1000.0, title=None):
    """Share of requests answered, by arrival time: simple requests (solid), checkouts (dashed)."""
    results = list(results)
    ax = ax_or_new(ax, constrained_layout=True)
    shade(ax, results[0].config.window, "Inventory slow")
    for r in results:
        for kind in ("simple", "checkout"):
            t, rate, _ = r.success_over_time(kind, bin_ms)
            ax.plot(
                t / 1000,
                100 * rate,
                linestyle=_KIND_LINES[kind],
                linewidth=2.2 if kind == "simple" else 1.5,
                drawstyle="steps-mid",
                label=f"{r.style}: {_KIND_LABELS[kind]}",
                **style_line(r.style, linestyle=False),
            )
    ax.set_xlim(0, results[0].config.duration_ms / 1000)
    percent_axis(ax)
    ax.set_xlabel("time the request arrived (s)")
    ax.set_ylabel("requests answered")
    ax.legend(loc="lower right", fontsize=8.5)
    if title is None:
        sync = next((r for r in results if r.style == "sync"), results[0])
        title = (
            f"A slow Inventory fails {1 - sync.in_window('simple'):.0%} of sync requests "
            "that never call it"
        )
    ax.set_title(title, loc="left")
    answered = "; ".join(
        f"{r.label} {r.in_window('simple'):.0%} of simple requests and "
        f"{r.in_window('checkout'):.0%} of checkouts"
        for r in results
    )
    set_alt(
        ax,
        f"{sentences(title)} "
        f"Line chart of the requests answered (%) by arrival time, simple requests "
        f"solid and checkouts dashed, {_slow_words(results[0].config)} (shaded). Of the "
        f"requests that arrived while it was slow, answered: {answered}.",
    )
    return ax


@styled
def busy_workers(results, ax=None, *, title=None):
    """The Order service's busy workers over time, with its pool size."""
    results = list(results)
    ax = ax_or_new(ax, constrained_layout=True)
    config = results[0].config
    shade(ax, config.window, "_Inventory slow")
    for r in results:
        s = r.series["busy order"]
        ax.step(
            s.t_ms / 1000,
            s.values,
            where="post",
            linewidth=1.8,
            label=r.style,
            # as in success_by_kind, the style is told by its marker (on every 25th sample of
            # this jagged line: spaced by length they would crowd it)
            **style_line(r.style, linestyle=False, every=25),
        )
    reference_line(ax, config.workers, f"pool: {config.workers} workers", ":", left=True)
    ax.set_xlim(0, config.duration_ms / 1000)
    ax.set_ylim(0, config.workers * 1.25 + 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("busy Order workers")
    ax.legend(loc="upper right", fontsize=8.5)
    if title is None:
        title = "Sync checkouts hold every worker while Inventory is slow"
    ax.set_title(title, loc="left")
    peaks = "; ".join(
        f"{r.label} peaks at {r.peak_busy()} of {config.workers}, all busy "
        f"{r.saturated_share():.0%} of the slow time"
        for r in results
    )
    set_alt(
        ax,
        f"{sentences(title)} "
        f"Line chart of the Order service's busy workers over time, with its pool of "
        f"{plural(config.workers, 'worker')}, {_slow_words(config)} (shaded): {peaks}.",
    )
    return ax


@styled
def pool_figure(results, *, bin_ms: float = 1000.0):
    """:func:`success_by_kind` and :func:`busy_workers` side by side; returns the two axes."""
    results = list(results)
    _, (left, right) = new_axes(1, 2, size=(11.0, 3.5), constrained_layout=True)
    sync = next((r for r in results if r.style == "sync"), results[0])
    success_by_kind(
        results,
        left,
        bin_ms=bin_ms,
        title=f"Sync fails {1 - sync.in_window('simple'):.0%} of requests that never call it",
    )
    busy_workers(results, right, title="Sync checkouts hold every Order worker")
    for ax in (left, right):
        ax.get_legend().remove()
    handles = [
        Patch(color=OUTAGE, alpha=0.5, label="Inventory slow"),
        style_handle("sync", linestyle="none"),
        style_handle("async", linestyle="none"),
        Line2D([], [], color=MUTED, linewidth=2.2, label="simple requests"),
        Line2D(
            [], [], color=MUTED, linewidth=1.5, linestyle=_KIND_LINES["checkout"], label="checkouts"
        ),
    ]
    left.figure.legend(handles=handles, loc="outside lower center", ncol=5)
    set_alt(left.figure, f"{alt_text(left)} {alt_text(right)}")
    return left, right
