"""Readings of lesson 05's runs, shared by its figures, panels, prose and exercises.

* :func:`caller_code` — what the Order service does for one order, as code:
  the list of calls grows with every sync subscriber, the publish stays one line;
* :func:`fan_out_sweep` and :func:`fan_out_numbers` — each design's caller
  wait and availability by number of subscribers, with the closed forms;
* :func:`fan_out_report`, :func:`same_waits` — the numbers as text;
* :func:`deliveries_report` — every subscriber's events, tries and lag (C22);
* :func:`lag_by_arrival` — a subscriber's lag behind the orders, over time;
* :func:`trace_table` — one order followed across the subscribers by its
  correlation id;
* :func:`missed_report` — what a late subscriber missed.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _check, theory
from ...records import percentile
from ...scenarios.pubsub import (
    DESIGNS,
    SUBSCRIBERS,
    PubSubResult,
    auto_timeout,
    run_designs,
)

__all__ = [
    "SEED",
    "ADDED",
    "caller_code",
    "fan_out_sweep",
    "fan_out_numbers",
    "fan_out_report",
    "identical",
    "same_waits",
    "deliveries_report",
    "lag_by_arrival",
    "trace_table",
    "missed_report",
    "timeout_of",
]

#: the lesson's seed (figures, panels, prose and exercises)
SEED = 5
#: the subscribers in the order the lesson adds them: the card's three, then Loyalty, …
ADDED = tuple(SUBSCRIBERS)


def _result(result) -> PubSubResult:
    if not isinstance(result, PubSubResult):
        raise _check.fail("result", result, "a result of run_pubsub")
    return result


def caller_code(result) -> str:
    """What the Order service's code does for one order in ``result``'s design, as lines."""
    c = _result(result).config
    lines = ["def place_order(order):", "    save(order)"]
    if result.style == "async":
        lines.append('    broker.publish("OrderCreated", order)  # whoever subscribes')
    elif c.parallel:
        calls = ", ".join(c.subscribers)
        lines.append(f"    call_all_at_once([{calls}], order)  # wait for the slowest")
        if c.timeouts is not None:
            each = ", ".join(f"{s} {c.timeout(s):,.0f}" for s in c.subscribers)
            lines.append(f"    # timeouts (ms): {each}")
    else:
        lines += [f"    {s}.call(order)  # wait for it" for s in c.subscribers]
    lines.append('    return "confirmed"')
    return "\n".join(lines)


def fan_out_sweep(counts=(1, 2, 3, 4, 5, 6), *, seed: int = SEED, **options) -> dict:
    """``{n: {design: result}}``: each design with the first ``n`` of :data:`ADDED`."""
    try:
        counts = [_check.integer("counts entry", k, low=1, high=len(ADDED)) for k in counts]
    except TypeError:
        raise _check.fail("counts", counts, "a list of numbers of subscribers (1 to 6)") from None
    if not counts:
        raise _check.fail("counts", counts, "a list of 1 to 6 numbers of subscribers")
    return {k: run_designs(seed=seed, subscribers=ADDED[:k], **options) for k in counts}


def fan_out_numbers(sweep: dict) -> dict:
    """Per design, arrays over the sweep's numbers of subscribers: p50, p99, availability, theory.

    ``theory`` is the caller's availability if every call is required: the
    product of the subscribers' availabilities (pub/sub: 1, its publish alone).
    """
    counts = sorted(sweep)
    out: dict = {"subscribers": np.asarray(counts)}
    for design in DESIGNS:
        runs = [sweep[k][design] for k in counts]
        a = runs[0].config.availability
        out[design] = {
            "p50": np.asarray([r.p(50) for r in runs]),
            "p99": np.asarray([r.p(99) for r in runs]),
            "availability": np.asarray([r.success_rate() for r in runs]),
            "theory": np.asarray(
                [
                    1.0 if r.style == "async" else theory.chain_availability(*[a] * k)
                    for k, r in zip(counts, runs, strict=True)
                ]
            ),
        }
    return out


def fan_out_report(results: dict) -> str:
    """A table of ``results`` ({design: result}): the caller's wait and availability."""
    rows = [f"{'design':<33}{'subscribers':>12}{'p50 ms':>8}{'p99 ms':>8}{'confirmed':>11}"]
    for name, r in results.items():
        r = _result(r)
        rows.append(
            f"{name:<33}{len(r.config.subscribers):>12}{r.p(50):>8,.0f}{r.p(99):>8,.0f}"
            f"{r.success_rate():>11.1%}"
        )
    return "\n".join(rows)


def identical(a, b) -> bool:
    """True if two runs' caller waits are the same array, bit for bit (nan where in flight)."""
    a, b = _result(a).response_ms, _result(b).response_ms
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def same_waits(before, after) -> str:
    """Do two runs give the caller the same waits? In words, with the count that differ."""
    a, b = _result(before).response_ms, _result(after).response_ms
    added = [s for s in after.config.subscribers if s not in before.config.subscribers]
    what = f"with {', '.join(added)} added" if added else "after the change"
    if identical(before, after):
        return f"{what}: all {a.size:,} waits identical, to the last bit"
    n = int(np.count_nonzero(~np.isclose(a, b, equal_nan=True))) if a.shape == b.shape else a.size
    change = np.nanmean(b) - np.nanmean(a) if a.shape == b.shape else math.nan
    return f"{what}: {n:,} of {a.size:,} waits changed (mean {change:+,.0f} ms)"


def deliveries_report(result) -> str:
    """Per subscriber: events it was due, processed, tries it took, and its lag p50/p99."""
    r = _result(result)
    rows = [f"{'subscriber':<17}{'due':>7}{'done':>7}{'tries':>7}{'lag p50':>10}{'lag p99':>10}"]
    answered = ~np.isnan(r.published_ms)
    for s in r.config.subscribers:
        due = int(np.count_nonzero(answered & (r.published_ms >= r.joined_ms[s])))
        lag = r.lag_ms(s)
        rows.append(
            f"{s:<17}{due:>7,}{r.delivered(s):>7,}{r.calls[s]:>7,}"
            f"{_ms(percentile(lag, 50)):>10}{_ms(percentile(lag, 99)):>10}"
        )
    return "\n".join(rows)


def _ms(ms: float) -> str:
    if math.isnan(ms):
        return "–"
    return f"{ms:,.0f} ms" if ms < 10_000 else f"{ms / 1000:,.0f} s"


def lag_by_arrival(result, name: str, bin_ms: float = 5000.0):
    """``(bin centres in s, mean lag in s)``: how far ``name`` was behind the orders of each bin."""
    r = _result(result)
    _check.choice("name", name, r.config.subscribers)
    bin_ms = _check.number("bin_ms", bin_ms, low=100.0)
    lag = r.lag_ms(name)
    n_bins = max(int(math.ceil(r.arrival_ms[-1] / bin_ms)), 1)
    idx = np.minimum((r.arrival_ms // bin_ms).astype(int), n_bins - 1)
    ok = ~np.isnan(lag)
    total = np.bincount(idx[ok], weights=lag[ok], minlength=n_bins)
    count = np.bincount(idx[ok], minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return (np.arange(n_bins) + 0.5) * bin_ms / 1000, mean / 1000


def trace_table(result, order: int) -> str:
    """Order ``order`` followed across every subscriber by its correlation id, as a table.

    Times in ms since the order arrived: when the Order service published the
    event (or began its calls), when each subscriber began its work and when it was done.
    """
    r = _result(result)
    order = _check.index("order", order, r.n_orders - 1)
    t0 = float(r.arrival_ms[order])
    head = (
        f"correlation id {order}: order placed at {t0 / 1000:,.3f} s; "
        f"the caller was answered after {_ms(r.response_ms[order])} ({r.outcome[order]})"
    )
    rows = [head, f"{'service':<17}{'event sent':>12}{'work began':>12}{'done':>12}"]
    sent = r.published_ms[order] - t0
    for s in r.config.subscribers:
        began, done = r.received_ms[s][order] - t0, r.delivered_ms[s][order] - t0
        if r.published_ms[order] < r.joined_ms[s]:
            rows.append(f"{s:<17}{'– (not subscribed yet: never sees it)':>36}")
            continue
        rows.append(f"{s:<17}{_ms(sent):>12}{_ms(began):>12}{_ms(done):>12}")
    return "\n".join(rows)


def missed_report(result) -> str:
    """Per subscriber: when it joined and how many earlier orders it never heard of."""
    r = _result(result)
    late = [s for s in r.config.subscribers if r.joined_ms[s] > 0]
    if not late:
        return "Every subscriber was there from the start: none missed an event."
    lines = []
    for s in late:
        lines.append(
            f"{s} subscribed at {r.joined_ms[s] / 1000:,.0f} s: it missed {r.missed[s]:,} "
            f"orders placed before, and got {r.delivered(s):,} of those after"
        )
    return "\n".join(lines)


def timeout_of(name: str) -> float:
    """The timeout sync done well gives a call to ``name`` (its healthy p99.99, rounded up)."""
    return auto_timeout(SUBSCRIBERS[_check.choice("name", name, tuple(SUBSCRIBERS))])
