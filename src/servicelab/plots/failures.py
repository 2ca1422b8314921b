"""Figures for cascading failures, in the kit's look (see :mod:`servicelab.style`).

Each function draws on a given matplotlib ``ax`` (or makes a figure) and
returns the ``ax``. *Sync* is vermillion and *async* blue, as everywhere in
the kit; a window in which a service is slow or down is shaded grey. Axes
carry units; titles state the takeaway.

* :func:`availability_chain` — success of a checkout against the number of
  services it calls: the sync product line and the async flat line;
* :func:`success_by_kind` — requests answered over time, simple requests and
  checkouts apart (the pool-exhaustion story);
* :func:`busy_workers` — the caller's busy workers over time, with the pool size;
* :func:`goodput_over_time`, :func:`load_over_time`, :func:`p99_over_time`,
  :func:`amplification_bars` — the retry-storm story;
* :func:`outage_figure`, :func:`pool_figure`, :func:`storm_figure` — the
  lesson's figures, two or four axes in one call.

:func:`chain_success` reads, from one sync checkout with flaky services, the
success rate every shorter prefix of its chain would have had.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from .. import _check
from ..scenarios.retry_storm import POLICIES
from ..ui.style import OUTAGE, STYLE_COLORS
from .checkout import backlog_over_time, new_axes, success_over_time

__all__ = [
    "CHAIN",
    "POLICY_LINES",
    "shade",
    "chain_success",
    "ci95",
    "availability_chain",
    "success_by_kind",
    "busy_workers",
    "goodput_over_time",
    "load_over_time",
    "p99_over_time",
    "amplification_bars",
    "storm_panel",
    "storm_figure",
    "outage_figure",
    "pool_figure",
]

#: the services of the checkout's chain, in the order a sync checkout calls them
CHAIN = ("payment", "inventory", "email", "analytics")
#: line styles of the sync retry policies (all vermillion: they are all sync)
POLICY_LINES = {
    "none": ":",
    "naive": "-",
    "backoff": (0, (5, 2)),
    "budget": (0, (1.5, 1.5, 5, 1.5)),
}
#: a reference line (arrivals, capacity, pool size)
REFERENCE = "#444444"


def _ax(ax, size=(8.0, 3.2)):
    if ax is None:
        _, ax = new_axes(size=size, constrained_layout=True)
    return ax


def shade(ax, window_ms, label: str = "outage", **kwargs):
    """Shade ``window_ms = (start, end)`` (ms) on a time axis in seconds; returns the patch."""
    start, end = window_ms
    return ax.axvspan(
        start / 1000, end / 1000, color=OUTAGE, alpha=0.5, linewidth=0, label=label, **kwargs
    )


def _percent_axis(ax, low: float = -3.0):
    ax.set_ylim(low, 103)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))


# -- availability -------------------------------------------------------------------


def chain_success(result) -> np.ndarray:
    """Success rate of each prefix of a sync checkout's chain (Payment, + Inventory, …).

    ``result`` is a sync :class:`~servicelab.scenarios.checkout.CheckoutResult`
    whose services fail at random (``Faults.flaky``). An order fails the chain
    of the first ``k`` services exactly when its first failure is among them:
    with common random numbers, a shorter chain's run would fail the very same
    orders at those services, so one run gives every prefix (a test checks it).
    """
    if getattr(result, "style", None) != "sync":
        raise ValueError(
            f"result = {result!r} is not allowed: result must be a sync CheckoutResult."
        )
    links = ("payment", *result.config.downstream)
    asked = (result.outcome != "declined") & (result.outcome != "in flight")
    n = np.count_nonzero(asked)
    if n == 0:
        return np.full(len(links), np.nan)
    failed_at = np.array([r.split(" ")[0] if r else "" for r in result.reason[asked]])
    rates = []
    for k in range(1, len(links) + 1):
        rates.append(1.0 - np.count_nonzero(np.isin(failed_at, links[:k])) / n)
    return np.asarray(rates)


def ci95(p: np.ndarray, n: int) -> np.ndarray:
    """Half-width of a 95 % normal interval for a share ``p`` of ``n``."""
    return 1.96 * np.sqrt(np.clip(p * (1 - p), 0, None) / max(n, 1))


def availability_chain(sync, asyn, availability: float, ax=None, *, title=None):
    """Orders confirmed against the services a sync checkout calls, simulation and theory.

    ``sync``/``asyn`` are checkout results in which every service of the
    chain fails a share ``1 − availability`` of requests.
    """
    availability = _check.probability("availability", availability)
    ax = _ax(ax)
    rates = chain_success(sync)
    k = np.arange(1, rates.size + 1)
    n = int(np.count_nonzero(sync.outcome != "declined"))
    ks = np.arange(1, len(CHAIN) + 1)
    ax.plot(
        ks,
        100 * availability**ks,
        color=STYLE_COLORS["sync"],
        linestyle="--",
        linewidth=1.2,
        label=f"theory, sync: {availability:g}ⁿ",
    )
    ax.axhline(
        100 * availability,
        color=STYLE_COLORS["async"],
        linestyle="--",
        linewidth=1.2,
        label=f"theory, async: {availability:g} (Payment alone)",
    )
    ax.errorbar(
        k,
        100 * rates,
        yerr=100 * ci95(rates, n),
        fmt="o",
        color=STYLE_COLORS["sync"],
        markersize=7,
        capsize=3,
        label=f"simulated sync ({n:,} orders, 95% interval)",
    )
    a = asyn.success_rate
    ax.errorbar(
        [k[-1]],
        [100 * a],
        yerr=[100 * ci95(np.array([a]), n)[0]],
        fmt="s",
        color=STYLE_COLORS["async"],
        markersize=7,
        capsize=3,
        label="simulated async",
    )
    for x, r in zip(k, rates, strict=True):
        ax.annotate(
            f"{r:.1%}",
            (x, 100 * r),
            xytext=(9, -3),
            textcoords="offset points",
            color=STYLE_COLORS["sync"],
            fontsize=9,
        )
    ax.annotate(
        f"{a:.1%}",
        (k[-1], 100 * a),
        xytext=(9, 2),
        textcoords="offset points",
        color=STYLE_COLORS["async"],
        fontsize=9,
    )
    ax.set_xticks(ks, ["Payment", "+ Inventory", "+ Email", "+ Analytics"][: len(ks)])
    ax.set_xlim(0.6, len(CHAIN) + 0.6)
    low = min(100 * availability ** len(CHAIN), 100 * rates.min()) - 3
    ax.set_ylim(low, 100.8)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.set_xlabel("services the checkout calls (in order)")
    ax.set_ylabel("orders confirmed")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="lower left", fontsize=8.5)
    if title is None:
        title = (
            f"Sync: availabilities multiply ({rates.size} services: {rates[-1]:.1%}); "
            f"async: {a:.1%}"
        )
    ax.set_title(title, loc="left")
    return ax


# -- pool exhaustion ------------------------------------------------------------------

_KIND_LINES = {"simple": "-", "checkout": (0, (4, 2))}
_KIND_LABELS = {"simple": "simple requests", "checkout": "checkouts"}


def success_by_kind(results, ax=None, *, bin_ms: float = 1000.0, title=None):
    """Share of requests answered, by arrival time: simple requests (solid), checkouts (dashed)."""
    results = list(results)
    ax = _ax(ax)
    shade(ax, results[0].config.window, "Inventory slow")
    for r in results:
        for kind in ("simple", "checkout"):
            t, rate, _ = r.success_over_time(kind, bin_ms)
            ax.plot(
                t / 1000,
                100 * rate,
                color=STYLE_COLORS[r.style],
                linestyle=_KIND_LINES[kind],
                linewidth=2.2 if kind == "simple" else 1.5,
                drawstyle="steps-mid",
                label=f"{r.style}: {_KIND_LABELS[kind]}",
            )
    ax.set_xlim(0, results[0].config.duration_ms / 1000)
    _percent_axis(ax)
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
    return ax


def busy_workers(results, ax=None, *, title=None):
    """The Order service's busy workers over time, with its pool size."""
    results = list(results)
    ax = _ax(ax)
    config = results[0].config
    shade(ax, config.window, "_Inventory slow")
    for r in results:
        s = r.series["busy order"]
        ax.step(
            s.t_ms / 1000,
            s.values,
            where="post",
            color=STYLE_COLORS[r.style],
            linewidth=1.8,
            label=r.style,
        )
    _reference_line(ax, config.workers, f"pool: {config.workers} workers", ":", left=True)
    ax.set_xlim(0, config.duration_ms / 1000)
    ax.set_ylim(0, config.workers * 1.25 + 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("busy Order workers")
    ax.legend(loc="upper right", fontsize=8.5)
    if title is None:
        title = "Sync checkouts hold every worker while Inventory is slow"
    ax.set_title(title, loc="left")
    return ax


# -- retry storms ----------------------------------------------------------------------


def _policy_key(result) -> str:
    """The name of a run's retry policy in :data:`POLICIES` (``""`` for another policy)."""
    return next((k for k, p in POLICIES.items() if p == result.config.policy), "")


def _storm_line(result) -> dict:
    if result.style == "async":
        return {"color": STYLE_COLORS["async"], "linestyle": "-", "linewidth": 2.2}
    return {
        "color": STYLE_COLORS["sync"],
        "linestyle": POLICY_LINES.get(_policy_key(result), "-"),
        "linewidth": 2.0,
    }


def _reference_line(ax, y: float, label: str, linestyle: str, *, left: bool = False) -> None:
    """A grey horizontal reference (capacity, arrivals, pool size) labelled at one end."""
    ax.axhline(y, color=REFERENCE, linestyle=linestyle, linewidth=1.4)
    ax.annotate(
        label,
        (0.01 if left else 0.99, y),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3),
        textcoords="offset points",
        ha="left" if left else "right",
        fontsize=8.5,
        color=REFERENCE,
    )


def _time_axis(ax, config):
    ax.set_xlim(0, config.duration_ms / 1000)
    ax.set_xlabel("time (s)")


def _storm_series(ax, results, values_of) -> float:
    """One line per storm result of ``values_of(result)`` over time; returns the largest value."""
    top = 0.0
    for r in results:
        values = values_of(r)
        top = max(top, float(np.max(values)) if values.size else 0.0)
        ax.plot(r.times() / 1000, values, drawstyle="steps-mid", label=r.label, **_storm_line(r))
    _time_axis(ax, results[0].config)
    return top


def goodput_over_time(results, ax=None, *, title=None):
    """Requests that succeeded per second, over time, with the arrival rate for reference."""
    results = list(results)
    ax = _ax(ax)
    config = results[0].config
    shade(ax, config.window, "service slow")
    _reference_line(ax, config.arrival_rate, f"arrivals {config.arrival_rate:g}/s", ":")
    top = _storm_series(ax, results, lambda r: r.goodput())
    ax.set_ylim(0, max(top, config.arrival_rate) * 1.3)
    ax.set_ylabel("goodput (requests ok/s)")
    ax.legend(loc="upper right", fontsize=8, ncol=1)
    if title is None:
        title = "Goodput: naive retries never recover"
    ax.set_title(title, loc="left")
    return ax


def load_over_time(results, ax=None, *, title=None):
    """Attempts per second that reach the service (retries included), with its capacity."""
    results = list(results)
    ax = _ax(ax)
    config = results[0].config
    shade(ax, config.window, "service slow")
    _reference_line(ax, config.capacity, f"healthy capacity {config.capacity:.0f}/s", "--")
    top = max(config.capacity, _storm_series(ax, results, lambda r: r.offered_load()))
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel("load (attempts/s)")
    ax.legend(loc="upper left", fontsize=8)
    if title is None:
        title = "Load on the service: retries multiply it"
    ax.set_title(title, loc="left")
    return ax


def p99_over_time(results, ax=None, *, title=None):
    """p99 of the time until a request is done, by arrival time (log scale)."""
    results = list(results)
    ax = _ax(ax)
    config = results[0].config
    shade(ax, config.window, "service slow")
    _storm_series(ax, results, lambda r: r.p99_over_time())
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # 200, 500, 1000, 2000…
    ax.yaxis.set_minor_formatter(NullFormatter())  # no "6×10²" labels in between
    ax.set_ylabel("p99 time to done (ms, log)")
    ax.legend(loc="upper left", fontsize=8)
    if title is None:
        title = "p99: the storm's users wait for every attempt"
    ax.set_title(title, loc="left")
    return ax


def amplification_bars(results, ax=None, *, title=None):
    """Load amplification (attempts per request) and the share of requests that succeeded."""
    results = list(results)
    ax = _ax(ax, size=(9.0, 3.2))
    labels = [_short_label(r) for r in results]
    amp = [r.amplification for r in results]
    colors = [STYLE_COLORS[r.style] for r in results]
    bars = ax.bar(range(len(results)), amp, color=colors, width=0.6)
    for bar, r in zip(bars, results, strict=True):
        bar.set_hatch("" if r.style == "async" or _policy_key(r) == "naive" else "//")
        bar.set_edgecolor("white")
        ax.annotate(
            f"{r.amplification:.2f}×\n{r.success_rate:.0%} ok",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.axhline(1.0, color=REFERENCE, linewidth=1, linestyle=":")
    ax.set_xticks(range(len(results)), labels, fontsize=8.5)
    ax.set_ylim(0, max(amp) * 1.35)
    ax.set_ylabel("attempts per request")
    ax.grid(axis="x", visible=False)
    if title is None:
        title = "Load amplification: what each request costs the service"
    ax.set_title(title, loc="left")
    return ax


_SHORT = {
    "none": "sync:\nno retries",
    "naive": "sync, naive:\n4 tries, no wait",
    "backoff": "sync, backoff\n+ jitter, 4 tries",
    "budget": "sync, backoff + jitter\n+ 10% retry budget",
}


def _short_label(result) -> str:
    if result.style == "async":
        return "async\nqueue"
    return _SHORT.get(_policy_key(result), result.label.replace(", ", "\n", 1))


def storm_panel(result, ax=None, *, ymax: float | None = None):
    """One storm run: load reaching the service (thin, filled) and goodput (thick) over time."""
    ax = _ax(ax)
    config = result.config
    shade(ax, config.window, "service slow")
    line = _storm_line(result)
    color = line["color"]
    t = result.times() / 1000
    load = result.offered_load()
    ax.fill_between(t, load, step="mid", color=color, alpha=0.18, linewidth=0)
    ax.plot(t, load, drawstyle="steps-mid", color=color, linewidth=1.0, alpha=0.8, label="load")
    ax.plot(t, result.goodput(), drawstyle="steps-mid", color=color, linewidth=2.4, label="goodput")
    ax.axhline(config.capacity, color=REFERENCE, linestyle="--", linewidth=1.1)
    ax.axhline(config.arrival_rate, color=REFERENCE, linestyle=":", linewidth=1.1)
    _time_axis(ax, config)
    top = ymax if ymax is not None else max(float(load.max()), config.capacity) * 1.15
    ax.set_ylim(0, top)
    good, amp = result.after_recovery()
    ax.set_title(
        f"{_short_label(result).replace(chr(10), ' ')}: {result.amplification:.1f}× load, "
        f"{result.success_rate:.0%} ok",
        loc="left",
        color=color,
        fontsize=10,
    )
    return ax


def storm_figure(results, *, size=(11.0, 5.4)):
    """Small multiples of :func:`storm_panel`, two per row, on one scale; returns the axes.

    ``results`` is a dict (as from :func:`~servicelab.scenarios.retry_storm.run_policies`)
    or a list of storm results.
    """
    if isinstance(results, dict):
        results = list(results.values())
    results = list(results)
    rows = (len(results) + 1) // 2
    fig, axes = new_axes(
        rows, 2, size=(size[0], size[1] * rows / 2), sharex=True, constrained_layout=True
    )
    axes = np.atleast_1d(axes).ravel()
    top = max(max(float(r.offered_load().max()), r.config.capacity) for r in results) * 1.12
    for r, ax in zip(results, axes, strict=False):
        storm_panel(r, ax, ymax=top)
        ax.set_ylabel("requests/s")
    for ax in axes[len(results) :]:
        ax.set_visible(False)
    for ax in axes[: len(axes) - 2]:
        ax.set_xlabel("")
    config = results[0].config
    handles = [
        Patch(color=OUTAGE, alpha=0.5, label="service slow"),
        Line2D([], [], color="#777777", linewidth=1.0, label="load: attempts reaching it"),
        Line2D([], [], color="#777777", linewidth=2.4, label="goodput: requests ok"),
        Line2D([], [], color=REFERENCE, linestyle="--", label=f"capacity {config.capacity:.0f}/s"),
        Line2D([], [], color=REFERENCE, linestyle=":", label=f"arrivals {config.arrival_rate:g}/s"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8.5)
    return axes


# -- the lesson's composed figures -------------------------------------------------------


def _windows(windows) -> list[tuple[float, float]]:
    if windows is None:
        return []
    windows = list(windows)
    if len(windows) == 2 and all(np.isscalar(w) for w in windows):
        return [(float(windows[0]), float(windows[1]))]
    return [(float(a), float(b)) for a, b in windows]


def outage_figure(sync, asyn, windows, *, service: str = "inventory", bin_ms: float = 5000.0):
    """Orders confirmed over time in both styles, and the async backlog of ``service``.

    ``windows`` is one ``(start_ms, end_ms)`` outage or a list of them; they are
    shaded on both axes. Returns the two axes.
    """
    windows = _windows(windows)
    _, (left, right) = new_axes(1, 2, size=(11.0, 3.5), constrained_layout=True)
    for ax in (left, right):
        for k, w in enumerate(windows):
            shade(ax, w, f"{service.capitalize()} down" if k == 0 else "_down")
    success_over_time([sync, asyn], left, bin_ms=bin_ms)
    backlog_over_time(asyn, service, right)
    shares = []
    for r in (sync, asyn):
        asked = _in_windows(r.arrival_ms, windows) & (r.outcome != "declined")
        n = np.count_nonzero(asked)
        shares.append(np.count_nonzero(r.outcome[asked] == "completed") / n if n else np.nan)
    left.set_title(
        f"During the outage: sync {shares[0]:.0%} confirmed, async {shares[1]:.0%}", loc="left"
    )
    peak = int(asyn.series[f"backlog {service}"].values.max())
    right.set_title(f"Async: the backlog peaks at {peak:,}, then drains", loc="left")
    left.set_xlim(0, None)
    right.set_xlim(0, None)
    for ax in (left, right):
        ax.get_legend().remove()
    handles = [
        Patch(color=OUTAGE, alpha=0.5, label=f"{service.capitalize()} down"),
        Line2D([], [], color=STYLE_COLORS["sync"], linewidth=2, label="sync"),
        Line2D([], [], color=STYLE_COLORS["async"], linewidth=2, label="async"),
    ]
    left.figure.legend(handles=handles, loc="outside lower center", ncol=3)
    return left, right


def _in_windows(t: np.ndarray, windows) -> np.ndarray:
    mask = np.zeros(t.size, dtype=bool)
    for start, end in windows:
        mask |= (t >= start) & (t < end)
    return mask


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
    grey = "#777777"
    handles = [
        Patch(color=OUTAGE, alpha=0.5, label="Inventory slow"),
        Line2D([], [], color=STYLE_COLORS["sync"], linewidth=2, label="sync"),
        Line2D([], [], color=STYLE_COLORS["async"], linewidth=2, label="async"),
        Line2D([], [], color=grey, linewidth=2.2, label="simple requests"),
        Line2D(
            [], [], color=grey, linewidth=1.5, linestyle=_KIND_LINES["checkout"], label="checkouts"
        ),
    ]
    left.figure.legend(handles=handles, loc="outside lower center", ncol=5)
    return left, right
