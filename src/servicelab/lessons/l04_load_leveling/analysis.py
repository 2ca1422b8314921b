"""Lesson 04's readings of flash-sale results, shared by its figures, panels and prose.

* :data:`SEED` — the seed of the lesson's panels and most of its cells;
* :func:`fluid_backlog` — the theory's queue length over time (orders waiting), from
  the settings alone: it grows at sale rate − capacity, then shrinks at the spare capacity;
* :func:`drain_numbers` — the queue after the sale, read from the run's "waiting" series: the
  backlog B at the sale's end, its peak, when nothing waited any more, and the
  theory's B / (cμ − λ); if it never emptied, what was still waiting and how
  long it would need at the spare capacity;
* :func:`drain_sentence`, :func:`drain_report` — the sentence the lesson prints for
  those numbers (from the numbers, or from a result);
* :func:`wait_by_arrival` — each order's wait for fulfilment, by when it arrived,
  against the theory's "the orders ahead of it ÷ the capacity";
* :func:`little` — Little's law on the backlog: orders in the shop (time average)
  against arrival rate × mean time in the shop;
* :func:`door_numbers`, :func:`door_report` — what users see at the door in each style: the
  share of the sale's orders accepted, refused and timed out, and how long users
  waited for an answer (and, async, their orders for processing);
* :func:`throughputs` — orders processed per second with each number of consumers,
  against the closed form min(consumers × μ, the database's capacity).

Nothing here draws or runs a simulation: a number in a title, a panel's summary
and a printed sentence is always the same number.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _check
from ...records import drain, percentile
from ...scenarios.flash_sale import ACCEPTED, GAVE_UP, REFUSED
from ...theory import drain_time
from ...ui.panel import num, plural, seconds

__all__ = [
    "SEED",
    "fluid_backlog",
    "drain_numbers",
    "drain_sentence",
    "drain_report",
    "wait_by_arrival",
    "little",
    "door_numbers",
    "door_report",
    "throughputs",
    "seconds",
]

#: the seed of the lesson's panels and of most of its cells, so a panel shows what a cell printed
SEED = 4


def _config(result):
    if not hasattr(result, "config") or not hasattr(result.config, "throughput_cap"):
        raise _check.fail("result", result, "a flash-sale result (from run_flash_sale)")
    return result.config


def fluid_backlog(config, t_ms) -> np.ndarray:
    """Orders waiting at times ``t_ms`` if orders flowed evenly (the theory's curve).

    The queue grows at ``sale_rate − cap`` during the sale (if positive), and
    at ``base_rate − cap`` otherwise, never below 0, where ``cap`` is the
    shop's :attr:`~servicelab.scenarios.flash_sale.FlashSaleConfig.throughput_cap`.
    """
    t = np.asarray(t_ms, dtype=float)
    start, end = config.window
    cap = config.throughput_cap
    edges = sorted({0.0, start, end, float(t.max()) if t.size else 0.0})
    level, times, levels = 0.0, [0.0], [0.0]
    for a, b in zip(edges, edges[1:], strict=False):
        rate = config.sale_rate if start <= a < end else config.base_rate
        grow = (rate - cap) / 1000.0  # orders per ms
        if grow >= 0 or level + grow * (b - a) >= 0:
            times.append(b)
            level = max(level + grow * (b - a), 0.0)
            levels.append(level)
        else:  # empties before b, then stays empty
            times += [a + level / -grow, b]
            levels += [0.0, 0.0]
            level = 0.0
    return np.interp(t, times, levels)


def drain_numbers(result) -> dict:
    """The queue after the sale, read from ``result``'s "waiting" series (orders waiting).

    Keys: ``sale`` (False if the run had no sale), ``end_s`` (the sale's
    end), ``backlog`` (waiting then), ``peak``, ``drain_s`` (from the sale's
    end until nothing waited; nan if that never happened in the run),
    ``theory_s`` (B / (cμ − λ), inf if the workers process no more than
    normal traffic brings), ``capacity`` (cμ, orders/s), ``base_rate`` (λ),
    ``spare`` (cμ − λ), ``never`` (True if ``spare`` ≤ 0: the queue grows
    without end), ``still`` (waiting when the arrivals stopped, if it had not
    emptied) and ``more_s`` (what those would need at the spare capacity).
    """
    c = _config(result)
    s = result.series["waiting"]
    start, end = c.window
    backlog = float(s.at(end)) if s.t_ms.size else 0.0
    per_worker = c.throughput_cap / c.workers
    spare = c.throughput_cap - c.base_rate
    # the kit's one reading of a drain: the first sample from the sale's end with nothing waiting
    drained = drain(s, end).drain_s
    still = float(s.at(c.duration_ms)) if math.isnan(drained) or spare <= 0 else 0.0
    return {
        "sale": end > start,
        "end_s": end / 1000,
        "backlog": backlog,
        "peak": float(s.values.max()) if s.values.size else 0.0,
        "drain_s": drained,
        "theory_s": drain_time(backlog, c.base_rate, per_worker, c.workers),
        "capacity": c.throughput_cap,
        "base_rate": c.base_rate,
        "spare": spare,
        "never": spare <= 0,
        "still": still,
        "more_s": drain_time(still, c.base_rate, per_worker, c.workers),
    }


def drain_sentence(d: dict) -> str:
    """The lesson's sentence for :func:`drain_numbers`'s numbers ``d``."""
    rates = (
        f"the workers process {num(d['capacity'], '.1f')} orders/s and normal traffic brings "
        f"{num(d['base_rate'], '.1f')}/s"
    )
    head = ""
    if d["sale"]:
        head = (
            f"When the sale ended at {num(d['end_s'])} s, "
            f"{plural(round(d['backlog']), 'order')} waited in the queue (peak "
            f"{d['peak']:,.0f}). "
        )
    if d["never"]:
        return (
            f"{head}The queue never empties: {rates}, so it grows without end "
            f"({d['still']:,.0f} waiting when the arrivals stopped). A queue buys time, not "
            "capacity."
        )
    if not d["sale"]:
        return f"No sale: {rates}, so the queue stays short (peak {d['peak']:,.0f})."
    if not math.isnan(d["drain_s"]):
        return (
            f"{head}It was empty {seconds(d['drain_s'])} later; theory: B / (cμ − λ) = "
            f"{d['backlog']:,.0f} / ({num(d['capacity'], '.1f')} − "
            f"{num(d['base_rate'], '.1f')}) = {seconds(d['theory_s'])}."
        )
    return (
        f"{head}It had not emptied when the arrivals stopped: {d['still']:,.0f} still "
        f"waited; at the spare {num(d['spare'], '.1f')}/s they need about "
        f"{seconds(d['more_s'])} more."
    )


def drain_report(result) -> str:
    """One sentence: the queue after the sale, its drain and the theory (:func:`drain_numbers`)."""
    return drain_sentence(drain_numbers(result))


def wait_by_arrival(result, bin_ms: float = 5000.0):
    """``(bin centres in s, mean wait for fulfilment in s, theory in s)`` by arrival time.

    The theory: an order that finds Q orders waiting is processed after those
    Q, at the shop's capacity, plus its own processing: Q / cap + order time.
    Bins where no arrived order was processed are nan.
    """
    c = _config(result)
    bin_ms = _check.number("bin_ms", bin_ms, low=100.0)
    n_bins = max(int(math.ceil(c.duration_ms / bin_ms)), 1)
    done = ~np.isnan(result.done_ms)
    t = result.arrival_ms[done]
    w = (result.done_ms[done] - t) / 1000
    idx = np.minimum((t // bin_ms).astype(int), n_bins - 1)
    n = np.bincount(idx, minlength=n_bins)
    total = np.bincount(idx, weights=w, minlength=n_bins)
    mean = np.full(n_bins, np.nan)
    np.divide(total, n, out=mean, where=n > 0)
    centres = (np.arange(n_bins) + 0.5) * bin_ms
    waiting = result.series["waiting"]
    ahead = np.interp(centres, waiting.t_ms, waiting.values)
    theory = ahead / c.throughput_cap + c.order_ms / 1000
    return centres / 1000, mean, theory


def little(result) -> dict:
    """Little's law on the backlog: L (orders in the shop, time average) against λ × W.

    Over the whole run: λ is the orders accepted per second, W their mean
    time in the shop (arrival to processed; an order still unprocessed
    counts until the end of the run). The two agree when the run starts and
    ends (nearly) empty; the sampled L is an average of one sample a
    ``sample_every_ms``.
    """
    _config(result)
    end = result.horizon_ms
    s = result.series["backlog"]
    L = float(s.values.mean()) if s.values.size else math.nan
    accepted = result.outcome == ACCEPTED
    done = np.where(np.isnan(result.done_ms), end, result.done_ms)[accepted]
    W = float(np.mean(done - result.arrival_ms[accepted])) / 1000 if accepted.any() else 0.0
    lam = np.count_nonzero(accepted) / (end / 1000)
    return {"L": L, "lam": lam, "W_s": W, "lam_W": lam * W}


def door_numbers(result, *, sale_only: bool = True) -> dict:
    """What users of ``result`` saw at the door: shares of outcomes, and their waits in s.

    Of the orders placed during the sale (``sale_only``; if there was no sale,
    or with ``sale_only=False``, of all orders). Keys: ``accepted``,
    ``refused``, ``gave_up`` (shares), ``wait_p50_s``, ``wait_p99_s`` (users'
    waits for an answer, any outcome), ``done_p50_s``, ``done_p99_s``
    (arrival to processed, of those processed), ``unprocessed`` (accepted,
    not processed by the end), ``n`` (orders counted), ``sale`` (True if only
    the sale's orders were counted).
    """
    c = _config(result)
    start, end = c.window
    mask = np.ones(result.n_orders, dtype=bool)
    sale = bool(sale_only and end > start)
    if sale:
        mask = (result.arrival_ms >= start) & (result.arrival_ms < end)
    n = int(np.count_nonzero(mask))
    outcome = result.outcome[mask]
    waits = result.response_ms[mask] / 1000
    done = (result.done_ms[mask] - result.arrival_ms[mask]) / 1000
    accepted = outcome == ACCEPTED

    def share(o: str) -> float:
        return np.count_nonzero(outcome == o) / n if n else math.nan

    return {
        "n": n,
        "sale": sale,
        "accepted": share(ACCEPTED),
        "refused": share(REFUSED),
        "gave_up": share(GAVE_UP),
        "wait_p50_s": percentile(waits, 50),
        "wait_p99_s": percentile(waits, 99),
        "done_p50_s": percentile(done, 50),
        "done_p99_s": percentile(done, 99),
        "unprocessed": int(np.count_nonzero(accepted & np.isnan(done))),
    }


def door_report(*results) -> str:
    """One line per result: what the sale's users were told, and how long they waited."""
    lines = []
    for r in results:
        d = door_numbers(r)
        line = (
            f"{r.label}: of {plural(d['n'], 'order')} placed in the sale, "
            f"{d['accepted']:.0%} accepted, {d['refused']:.0%} refused at once, "
            f"{d['gave_up']:.0%} timed out; users' answers p50 {seconds(d['wait_p50_s'])}, "
            f"p99 {seconds(d['wait_p99_s'])}"
        )
        if r.style == "async":
            line += (
                f"; orders processed p50 {seconds(d['done_p50_s'])}, p99 "
                f"{seconds(d['done_p99_s'])} after they were placed"
            )
            if d["unprocessed"]:
                line += f" ({d['unprocessed']:,} not yet at the end)"
        lines.append(line + ".")
    return "\n".join(lines)


def throughputs(results, *, start_ms: float, end_ms: float) -> dict:
    """Orders processed per second in [start_ms, end_ms) by number of consumers.

    ``results`` maps consumers to async results (from
    :func:`~servicelab.scenarios.flash_sale.run_consumers`) whose arrivals keep
    every consumer busy. Keys: ``consumers``, ``measured``, ``theory`` (the
    closed form min(consumers × 1000 / order time, database capacity)),
    ``workers_cap`` (consumers × μ alone) and ``db_capacity``.
    """
    ks = sorted(results)
    if not ks:
        raise _check.fail("results", results, "a dict from numbers of consumers to results")
    first = _config(results[ks[0]])
    measured = [results[k].throughput(start_ms, end_ms) for k in ks]
    per = 1000.0 / first.order_ms
    return {
        "consumers": np.asarray(ks),
        "measured": np.asarray(measured),
        "theory": np.minimum(np.asarray(ks) * per, first.db_capacity),
        "workers_cap": np.asarray(ks) * per,
        "db_capacity": first.db_capacity,
    }
