"""Lesson 06's readings of results, shared by its figures, panels and prose.

* :data:`SEED` — the seed of the lesson's panels and most of its cells;
* :data:`READS_S` — the read times (s after "confirmed") the lesson's tables print;
* :func:`lag_numbers`, :func:`lag_report` — how stale Inventory's stock is after a
  checkout: the lag's median and p99, and P(stale | a read t after "confirmed"),
  simulated and in theory, with the queue's headroom cμ − λ;
* :func:`sale_numbers`, :func:`sale_report` — the last items: sold, oversold,
  apologies and their delay, buyers who saw "pending" and for how long, the
  reservation's wait, failures while Inventory is down;
* :func:`promises` — items promised to buyers over time (what the sale's figure draws).

Nothing here draws or runs a simulation: a number in a title, a panel's summary
and a printed sentence is always the same number.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _check
from ...records import percentile
from ...scenarios.checkout import CheckoutResult
from ...scenarios.last_items import (
    BOUGHT,
    CONFIRMED,
    PENDING,
    REFUNDED,
    SOLD_OUT,
    LastItemsResult,
)
from ...scenarios.stale_reads import (
    inventory_rates,
    stale_curve,
    stock_lag_ms,
    theory_stale_curve,
)
from ...ui.panel import plural, seconds

__all__ = [
    "SEED",
    "READS_S",
    "seconds",
    "lag_numbers",
    "lag_report",
    "sale_numbers",
    "sale_report",
    "promises",
]

#: the seed of the lesson's panels and of most of its cells, so a panel shows what a cell printed
SEED = 6
#: read times the lesson prints P(stale) for, in s after "confirmed"
READS_S = (0.1, 0.5, 1.0, 2.0)


def _updates(result) -> CheckoutResult:
    if not isinstance(result, CheckoutResult):
        raise _check.fail("result", result, "a checkout result (from run_stock_updates)")
    return result


def lag_numbers(result: CheckoutResult, reads_s=READS_S) -> dict:
    """The stock's lag after "confirmed" and P(stale) at each read time of ``reads_s`` (s).

    Keys: ``style``, ``n`` (confirmed orders), ``p50_s``, ``p99_s``, ``max_s``
    (the lag; inf if some update was never applied), ``reads_s``, ``stale``
    and ``theory`` (arrays, P(stale) at each read time), ``lam``, ``mu``,
    ``consumers``, ``headroom`` (cμ − λ, updates per second) and
    ``theory_mean_s`` (1 / (μ − λ) for one consumer; nan otherwise).
    """
    r = _updates(result)
    lag = stock_lag_ms(r) / 1000
    reads = np.asarray(reads_s, dtype=float)
    lam, mu, c = inventory_rates(r)
    return {
        "style": r.style,
        "n": int(lag.size),
        "p50_s": percentile(lag, 50) if lag.size else math.nan,
        "p99_s": percentile(lag, 99) if lag.size else math.nan,
        "max_s": float(lag.max()) if lag.size else math.nan,
        "reads_s": reads,
        "stale": stale_curve(r, reads * 1000),
        "theory": theory_stale_curve(r, reads * 1000),
        "lam": lam,
        "mu": mu,
        "consumers": c,
        "headroom": c * mu - lam,
        "theory_mean_s": 1 / (mu - lam) if c == 1 and mu > lam else math.nan,
    }


def lag_report(*results: CheckoutResult) -> str:
    """One paragraph per run: the lag, and P(stale) at the lesson's read times."""
    lines = []
    for r in results:
        d = lag_numbers(r)
        reads = ", ".join(
            f"{t:g} s: {s:.0%}" + ("" if r.style == "sync" else f" (theory {th:.0%})")
            for t, s, th in zip(d["reads_s"], d["stale"], d["theory"], strict=True)
        )
        if r.style == "sync":
            head = "sync: stock updated before “confirmed” for every order (lag 0)"
        else:
            head = (
                f"async: stock updated p50 {seconds(d['p50_s'])}, p99 {seconds(d['p99_s'])}, "
                f"at most {seconds(d['max_s'])} after “confirmed” "
                f"({plural(d['consumers'], 'consumer')}, headroom {d['headroom']:.2f} updates/s)"
            )
        lines.append(f"{head}\n  a read this long after “confirmed” is stale: {reads}")
    return "\n".join(lines)


def _sale(result) -> LastItemsResult:
    if not isinstance(result, LastItemsResult):
        raise _check.fail("result", result, "a last-items result (from run_last_items)")
    return result


def _p(values: np.ndarray, q: float) -> float:
    return percentile(values, q) / 1000 if values.size else math.nan


def sale_numbers(result: LastItemsResult) -> dict:
    """What one sale did: items, buyers, sold, oversold, apologies, pending, waits (s), failures."""
    r = _sale(result)
    waits = r.item_wait_ms()
    pending, sorry = r.pending_ms(), r.apology_ms()
    let_through = np.isin(r.told, (CONFIRMED, PENDING))
    answers = r.response_ms[let_through]
    return {
        "label": r.label,
        "style": r.style,
        "remedy": r.config.remedy,
        "items": r.config.items,
        "buyers": r.n_buyers,
        "sold": r.sold,
        "oversold": r.oversold,
        "apologies": r.apologies,
        "apology_p50_s": _p(sorry, 50),
        "apology_max_s": float(sorry.max()) / 1000 if sorry.size else math.nan,
        "pending": r.told_count(PENDING),
        "pending_sold_out": int(np.count_nonzero((r.told == PENDING) & (r.outcome == SOLD_OUT))),
        "answer_p50_s": _p(answers, 50),
        "pending_p50_s": _p(pending, 50),
        "pending_p99_s": _p(pending, 99),
        "wait_p50_s": _p(waits, 50),
        "wait_p99_s": _p(waits, 99),
        "failed": r.count("failed"),
        "capacity": r.config.capacity,
    }


def _sentence(d: dict) -> str:
    text = f"{d['label']}: {d['sold']:,} of {d['items']:,} items sold"
    if d["style"] == "sync":
        text += (
            f", none oversold; buyers who got an item waited p50 {seconds(d['wait_p50_s'])}, "
            f"p99 {seconds(d['wait_p99_s'])} for the reservation"
        )
    else:
        text += f", {d['oversold']:,} oversold" if d["oversold"] else ", none oversold"
        text += f"; buyers let through answered p50 {seconds(d['answer_p50_s'])}"
        if d["apologies"]:
            text += (
                f"; {d['apologies']:,} refunded with an apology p50 "
                f"{seconds(d['apology_p50_s'])} after “confirmed”"
            )
        if d["pending"]:
            text += (
                f"; {d['pending']:,} buyers saw “pending” for p50 {seconds(d['pending_p50_s'])}, "
                f"p99 {seconds(d['pending_p99_s'])}, and {d['pending_sold_out']:,} of them "
                "then heard “sold out”"
            )
    if d["failed"]:
        text += f"; {d['failed']:,} buyers failed while Inventory was down"
    return text


def sale_report(*results: LastItemsResult) -> str:
    """One line per run: sold, oversold, apologies, pending, waits."""
    return "\n".join(_sentence(sale_numbers(r)) for r in results)


def promises(result: LastItemsResult, t_s) -> tuple[np.ndarray, np.ndarray]:
    """``(promised, pending)`` at each time of ``t_s`` (s): items promised to buyers and not
    taken back (a "confirmed" or a "bought", less the refunds), and buyers who see "pending"."""
    r = _sale(result)
    t = np.asarray(t_s, dtype=float) * 1000
    told_at = r.arrival_ms + r.response_ms  # nan while in flight
    promised_at = np.where(
        np.isin(r.told, (CONFIRMED,)), told_at, np.where(r.outcome == BOUGHT, r.applied_ms, np.nan)
    )
    if r.style == "sync":
        promised_at = np.where(r.outcome == BOUGHT, told_at, np.nan)

    def upto(times: np.ndarray) -> np.ndarray:
        times = np.sort(times[~np.isnan(times)])
        return np.searchsorted(times, t, side="right")

    refunded_at = np.where(r.outcome == REFUNDED, r.applied_ms, np.nan)
    pending_from = np.where(r.told == PENDING, told_at, np.nan)
    pending_to = np.where(r.told == PENDING, r.applied_ms, np.nan)
    pending = upto(pending_from) - upto(pending_to)
    return upto(promised_at) - upto(refunded_at), pending
