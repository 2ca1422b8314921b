"""Stale reads: how long after an async checkout Inventory's stock still shows the old value.

Covers: eventual consistency, the consumer's lag, P(stale | a read t after the
write), headroom, the M/M/c sojourn time.

Scenario: the card's checkout (:mod:`.checkout`), with Inventory as the one
downstream service: ``consumers`` workers that each take about ``update_ms``
(exponential) to apply an order's stock update. In async the user's
"confirmed" comes when the OrderCreated event is published; Inventory's stock
changes only when a consumer has applied it. The **lag** of an order is the
time from the user's confirmation until its stock update is applied: a read of
the stock within the lag sees the old value (a **stale read**). In sync the
update is applied before the user hears "confirmed", so the lag is 0.

With Poisson orders and exponential updates Inventory's queue is M/M/c, and
the lag is its sojourn time: P(stale at t) = P(lag > t) =
:func:`~servicelab.theory.stale_probability` (for one consumer
``exp(−(μ − λ) t)``, where λ is the rate of orders that reach Inventory,
``arrival_rate × (1 − decline_rate)``, and μ = 1000 / update_ms).

This module reuses the checkout (:func:`~.checkout.run_checkout`) and reads
its public records; it adds no behaviour to it.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _check
from ..latency import Exponential
from ..service import MAX_WORKERS
from ..theory import stale_probability
from .checkout import CheckoutResult, run_checkout
from .checkout_result import COMPLETED

__all__ = [
    "STOCK_DEFAULTS",
    "run_stock_updates",
    "run_stock_updates_both",
    "stock_lag_ms",
    "stale_share",
    "stale_curve",
    "theory_stale_curve",
    "inventory_rates",
]

#: the lesson's Inventory: one consumer at 150 ms an update, orders at 5/s (4.75/s paid)
STOCK_DEFAULTS = {"consumers": 1, "update_ms": 150.0, "arrival_rate": 5.0, "n_orders": 1000}


def _options(consumers, update_ms, arrival_rate, n_orders, options) -> dict:
    consumers = _check.integer("consumers", consumers, low=1, high=MAX_WORKERS)
    update_ms = _check.number("update_ms", update_ms, low=0.0, high=3.6e6, low_open=True)
    for taken in ("downstream", "latency", "workers"):
        if taken in options:
            raise _check.KitValueError(
                f"{taken} is not allowed here: run_stock_updates sets it "
                "(Inventory alone, with consumers and update_ms)."
            )
    return dict(
        downstream=("inventory",),
        latency={"inventory": Exponential(update_ms)},
        workers={"inventory": consumers},
        arrival_rate=arrival_rate,
        n_orders=n_orders,
        **options,
    )


def run_stock_updates(
    style: str = "async",
    *,
    seed: int = 0,
    consumers: int = 1,
    update_ms: float = 150.0,
    arrival_rate: float = 5.0,
    n_orders: int = 1000,
    **options,
) -> CheckoutResult:
    """The checkout with Inventory alone downstream: ``consumers`` workers, ``update_ms`` each.

    Other options are :class:`~.checkout_config.CheckoutConfig` fields (faults,
    decline_rate, …). Example: ``run_stock_updates(consumers=2, update_ms=300)``.
    """
    return run_checkout(
        style, seed=seed, **_options(consumers, update_ms, arrival_rate, n_orders, options)
    )


def run_stock_updates_both(*, seed: int = 0, **options) -> tuple[CheckoutResult, CheckoutResult]:
    """The same orders (same seed, same random numbers) checked out sync and async."""
    return run_stock_updates("sync", seed=seed, **options), run_stock_updates(
        "async", seed=seed, **options
    )


def _result(result) -> CheckoutResult:
    if not isinstance(result, CheckoutResult) or "inventory" not in result.task_done_ms:
        raise _check.fail("result", result, "a checkout result with Inventory downstream")
    return result


def stock_lag_ms(result: CheckoutResult) -> np.ndarray:
    """For each confirmed order: ms from the user's "confirmed" until its stock update applied.

    0 when the stock was updated before the answer (sync); ``inf`` when the
    update was not applied by the end of the run (still pending, or dead-lettered).
    """
    r = _result(result)
    done = r.outcome == COMPLETED
    answered = r.arrival_ms[done] + r.response_ms[done]
    applied = r.task_done_ms["inventory"][done]
    lag = np.where(np.isnan(applied), math.inf, applied - answered)
    return np.maximum(lag, 0.0)


def stale_share(result: CheckoutResult, read_after_ms: float) -> float:
    """Share of confirmed orders whose stock is still stale ``read_after_ms`` after "confirmed"."""
    t = _check.number("read_after_ms", read_after_ms, low=0.0, high=3.6e6)
    lag = stock_lag_ms(result)
    return float(np.mean(lag > t)) if lag.size else math.nan


def stale_curve(result: CheckoutResult, t_ms) -> np.ndarray:
    """:func:`stale_share` at each time of ``t_ms`` (an array of ms ≥ 0): P(stale | read at t)."""
    t = np.asarray(t_ms, dtype=float)
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise _check.fail("t_ms", t_ms, "a non-empty list of times in ms, each ≥ 0")
    lag = np.sort(stock_lag_ms(result))
    if not lag.size:
        return np.full(t.size, math.nan)
    return 1.0 - np.searchsorted(lag, t, side="right") / lag.size


def inventory_rates(result: CheckoutResult) -> tuple[float, float, int]:
    """``(λ, μ, c)`` per second of the run's Inventory: orders that reach it, one consumer's
    rate, and consumers."""
    c = _result(result).config
    lam = c.arrival_rate * (1.0 - c.decline_rate)
    mu = 1000.0 / c.latency["inventory"].mean_ms
    return lam, mu, int(c.workers["inventory"])


def theory_stale_curve(result: CheckoutResult, t_ms) -> np.ndarray:
    """P(stale | read at t) of M/M/c with the run's rates (nan where the queue has no steady
    state); in sync, 0."""
    t = np.asarray(t_ms, dtype=float)
    if _result(result).style == "sync":
        return np.zeros(t.size)
    lam, mu, c = inventory_rates(result)
    if lam >= c * mu:
        return np.full(t.size, math.nan)
    return np.array([stale_probability(x / 1000.0, lam, mu, c) for x in t.tolist()])
