"""Lesson 03's readings of results, shared by its figures, its panels and its prose.

* :data:`CHAIN`, :data:`CHAIN_LABELS` — the services a sync checkout calls, in order;
* :data:`SEED` — the seed the lesson's panels run with;
* :func:`chain_success` — from one sync run with flaky services, the success
  rate every shorter prefix of its chain would have had;
* :func:`ci95` — the half-width of a 95 % interval for a simulated share;
* :func:`windows_ms`, :func:`in_windows`, :func:`share_confirmed` — outage windows,
  and the orders confirmed among those placed in them;
* :func:`consumer_rates` — what an async checkout's consumers of a queue can
  serve (cμ) and what arrives to it (λ), per second, from the run's config;
* :func:`outage_numbers`, :func:`outage_report` — an Inventory outage's key
  numbers, as a dict and as the sentence the lesson prints: the drain read
  from the queue's series, and the stock updates done, still pending and
  dead-lettered;
* :func:`success_by_arrival` — orders confirmed, binned by arrival time;
* :func:`policy_key` — which named retry policy a storm run used.

Nothing here draws: figures and panels call these, so a number in a title,
a summary line and a printed sentence is always the same number.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _check
from ...records import drain
from ...scenarios.retry_storm import POLICIES
from ...ui.panel import num, plural

__all__ = [
    "CHAIN",
    "CHAIN_LABELS",
    "SEED",
    "chain_success",
    "ci95",
    "windows_ms",
    "in_windows",
    "share_confirmed",
    "consumer_rates",
    "outage_numbers",
    "outage_report",
    "outage_sentence",
    "pct",
    "success_by_arrival",
    "policy_key",
]

#: the services of the checkout's chain, in the order a sync checkout calls them
CHAIN = ("payment", "inventory", "email", "analytics")
#: each prefix of the chain, as an axis labels it
CHAIN_LABELS = ("Payment", "+ Inventory", "+ Email", "+ Analytics")
#: the seed of the lesson's panels and of most of its cells, so a panel shows what a cell printed
SEED = 7


def chain_success(result) -> np.ndarray:
    """Success rate of each prefix of a sync checkout's chain (Payment, + Inventory, …).

    ``result`` is a sync :class:`~servicelab.scenarios.checkout.CheckoutResult`
    whose services fail at random (``Faults.flaky``). An order fails the chain
    of the first ``k`` services exactly when its first failure is among them:
    with common random numbers, a shorter chain's run would fail the very same
    orders at those services, so one run gives every prefix (a test checks it).
    """
    if getattr(result, "style", None) != "sync":
        raise _check.fail("result", result, "a sync CheckoutResult")
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


def windows_ms(windows) -> list[tuple[float, float]]:
    """``windows`` as a list of ``(start_ms, end_ms)``: one pair, a list of pairs, or None."""
    if windows is None:
        return []
    windows = list(windows)
    if len(windows) == 2 and all(np.isscalar(w) for w in windows):
        return [(float(windows[0]), float(windows[1]))]
    return [(float(a), float(b)) for a, b in windows]


def in_windows(t: np.ndarray, windows) -> np.ndarray:
    """Which times ``t`` (ms) fall in any of ``windows`` (each ``[start, end)``)."""
    mask = np.zeros(t.size, dtype=bool)
    for start, end in windows_ms(windows):
        mask |= (t >= start) & (t < end)
    return mask


def _asked(result, windows) -> np.ndarray:
    """Orders placed in ``windows`` that Payment did not decline."""
    return in_windows(result.arrival_ms, windows) & (result.outcome != "declined")


def share_confirmed(result, windows) -> float:
    """The share of orders placed in ``windows`` (not declined) that were confirmed."""
    asked = _asked(result, windows)
    n = np.count_nonzero(asked)
    return np.count_nonzero(result.outcome[asked] == "completed") / n if n else math.nan


def consumer_rates(result, service: str = "inventory") -> tuple[float, float]:
    """(cμ, λ) per second for an async checkout's ``service`` queue, from the run's config.

    cμ: its workers × 1000 / its mean latency in ms, less the share of tries
    its error rate fails (a failed try costs a whole try); λ: the orders per
    second that publish, arrival rate × (1 − decline rate).
    """
    c = result.config
    _check.choice("service", service, tuple(c.downstream))
    faults = c.faults[service]
    mu = c.workers[service] * 1000.0 / c.latency[service].mean_ms * (1.0 - faults.error_rate)
    return mu, c.arrival_rate * (1.0 - c.decline_rate)


def outage_numbers(sync, asyn, window_ms, *, until_ms: float | None = None) -> dict:
    """The key numbers of an Inventory outage ``window_ms = (start, end)`` in a checkout pair.

    Orders *placed during the outage* (not declined) confirmed in each style;
    the async Inventory backlog's peak and its drain after Inventory came back,
    read from the backlog series up to ``until_ms`` (default: the last order's
    arrival, so orders still arrive all along): when it first emptied or, if
    it did not, how many still waited and how long they need at the spare
    capacity cμ − λ from the config (:func:`consumer_rates`); and what became
    of the stock updates: done, still pending when the run stopped, or
    dead-lettered. ``lost`` counts confirmed orders without a message at all
    (none: the accounting balances).
    """
    start, end = window_ms
    acc = asyn.queues["inventory"]
    completed = asyn.count("completed")
    mu, lam = consumer_rates(asyn)
    until = float(asyn.arrival_ms[-1]) if until_ms is None else until_ms
    series = asyn.series["backlog inventory"]
    d = drain(series, end, until_ms=max(until, end), service_rate=mu, arrival_rate=lam)
    return {
        "start_s": start / 1000,
        "end_s": end / 1000,
        "down": asyn.config.faults["inventory"].down,
        "n_window": int(np.count_nonzero(_asked(sync, window_ms))),
        "sync_window": share_confirmed(sync, window_ms),
        "async_window": share_confirmed(asyn, window_ms),
        "sync_all": sync.success_rate(),
        "async_all": asyn.success_rate(),
        "backlog_peak": int(series.values.max()),
        "drain": d,
        "drained": d.drained,
        "drain_s": d.drain_s,
        "left": d.left,
        "needs_s": d.needs_s,
        "service_rate": mu,
        "arrival_rate": lam,
        "completed": completed,
        "updates_done": acc.parts["acknowledged"],
        "pending": asyn.pending()["inventory"],
        "dead_lettered": acc.parts["dead-lettered"],
        "lost": completed - acc.total,
        "accounting": acc,
    }


def pct(x: float) -> str:
    """A share as a whole percentage ("97%"), or "–" if there was nothing to count."""
    return "–" if x is None or math.isnan(x) else f"{x:.0%}"


def outage_sentence(d: dict) -> str:
    """The sentence for an outage's numbers ``d`` (from :func:`outage_numbers`)."""
    database = d.get("down") == "database"
    what = "Inventory's database" if database else "Inventory"
    text = (
        f"{what} down from {num(d['start_s'])} s to {num(d['end_s'])} s: of the "
        f"{plural(d['n_window'], 'order')} placed then, sync confirmed {pct(d['sync_window'])} "
        f"and async {pct(d['async_window'])}. "
    )
    if database:
        text += (
            "Inventory kept pulling its messages and every try failed, so each was "
            "redelivered, then dead-lettered. "
        )
    text += (
        f"Async's Inventory backlog peaked at {plural(d['backlog_peak'], 'message')}. "
        f"{d['drain'].describe('Inventory came back')} "
        f"Orders lost: {d['lost']:,} ({d['completed']:,} confirmed: "
        f"{plural(d['updates_done'], 'stock update')} done, {d['pending']:,} still pending "
        f"when the run stopped, {d['dead_lettered']:,} dead-lettered)."
    )
    if d["dead_lettered"] == 1:
        text += " That order was confirmed, yet its stock is updated only if someone replays it."
    elif d["dead_lettered"]:
        text += (
            f" Those {d['dead_lettered']:,} orders were confirmed, yet their stock is updated "
            "only if someone replays the dead letters."
        )
    return text


def outage_report(sync, asyn, window_ms) -> str:
    """One sentence with the key numbers of an Inventory outage (see :func:`outage_numbers`)."""
    return outage_sentence(outage_numbers(sync, asyn, window_ms))


def success_by_arrival(result, bin_ms: float, until_ms: float):
    """``(bin centres, share confirmed)`` of a checkout's orders not declined, by arrival."""
    asked = result.outcome != "declined"
    t = result.arrival_ms[asked]
    ok = (result.outcome[asked] == "completed").astype(float)
    n_bins = int(math.ceil(until_ms / bin_ms))
    idx = np.minimum((t // bin_ms).astype(int), n_bins - 1)
    n = np.bincount(idx, minlength=n_bins)
    good = np.bincount(idx, weights=ok, minlength=n_bins)
    rate = np.full(n_bins, np.nan)
    np.divide(good, n, out=rate, where=n > 0)
    return (np.arange(n_bins) + 0.5) * bin_ms, rate


def policy_key(result) -> str:
    """The name of a storm run's retry policy in ``POLICIES`` (``""`` for another policy)."""
    return next((k for k, p in POLICIES.items() if p == result.config.policy), "")
