"""Closed forms to hold the simulations against.

* :func:`chain_availability` — a sync chain works only if every link works:
  the availabilities multiply (0.99 ** 4 ≈ 0.961).
* :func:`mm1` and :func:`mmc` — mean waits of the textbook queues (Poisson
  arrivals, exponential service, FIFO, 1 or c servers; Erlang C).
* :func:`littles_law` — L = λ W, for any stable system.
* :func:`fan_out_quantile` — a caller that calls n services at once and waits
  for all of them waits for the slowest: P(max ≤ t) is the product of each
  call's P(≤ t), and its q-quantile solves that product = q.
* :func:`drain_time` — how long a backlog takes to clear: B / (cμ − λ), and
  never when the servers process no more than arrives.
* :func:`stale_probability` — the chance that a job is still not done ``t``
  after it arrived (its sojourn time exceeds ``t``) in M/M/c; for M/M/1
  ``exp(−(μ − λ) t)``: how likely a read ``t`` after a write is stale when a
  consumer applies the write.

Rates and times must use the same unit of time: arrivals per ms with mean
service times in ms give waits in ms.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

from . import _check

__all__ = [
    "chain_availability",
    "QueueMetrics",
    "mm1",
    "mmc",
    "erlang_c",
    "littles_law",
    "drain_time",
    "fan_out_quantile",
    "stale_probability",
]


def chain_availability(*availabilities: float) -> float:
    """Availability of a chain of sync calls: the product of its links' availabilities."""
    if len(availabilities) == 1 and not isinstance(availabilities[0], numbers.Real):
        only = availabilities[0]
        if isinstance(only, (str, bytes)) or not isinstance(only, Iterable):
            raise _check.KitValueError(
                f"availabilities = {only!r} is not allowed: availabilities must be numbers "
                "between 0 and 1, given one by one or as a list."
            )
        availabilities = tuple(only)
    if not availabilities:
        raise _check.KitValueError(
            "availabilities = () is not allowed: give at least one availability between 0 and 1."
        )
    result = 1.0
    for i, a in enumerate(availabilities):
        result *= _check.probability(f"availabilities[{i}]", a)
    return result


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state means of a queue: utilisation, P(wait), wait, response, queue length."""

    utilization: float
    p_wait: float
    wait: float
    response: float
    in_queue: float
    in_system: float


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c (Erlang C), load ``a = λ/μ`` < c."""
    c = _check.integer("servers", servers, low=1, high=100_000)
    a = _check.number("offered_load", offered_load, low=0.0, high=c, high_open=True)
    if a == 0:
        return 0.0
    # numerically stable: build the Erlang B recursion, then convert to C
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho + rho * b)


def mmc(arrival_rate: float, service_rate: float, servers: int) -> QueueMetrics:
    """Steady-state means of M/M/c with the given rates (same time unit)."""
    lam = _check.number("arrival_rate", arrival_rate, low=0.0)
    mu = _check.number("service_rate", service_rate, low=0.0, low_open=True)
    c = _check.integer("servers", servers, low=1, high=100_000)
    a = lam / mu
    if lam >= c * mu or a >= c:
        raise _check.KitValueError(
            f"arrival_rate = {lam:g} is not allowed: arrival_rate must be < {c * mu:g} "
            f"({c} server(s) × service_rate {mu:g}); at or above that the queue grows "
            f"without end and has no steady state."
        )
    pw = erlang_c(c, a)
    wait = pw / (c * mu - lam) if lam else 0.0
    response = wait + 1.0 / mu
    return QueueMetrics(a / c, pw, wait, response, lam * wait, lam * response)


def mm1(arrival_rate: float, service_rate: float) -> QueueMetrics:
    """Steady-state means of M/M/1: wait = ρ / (μ − λ)."""
    return mmc(arrival_rate, service_rate, 1)


def littles_law(arrival_rate: float, time_in_system: float) -> float:
    """Mean number in a stable system: L = λ W."""
    lam = _check.number("arrival_rate", arrival_rate, low=0.0)
    w = _check.number("time_in_system", time_in_system, low=0.0)
    return lam * w


def drain_time(backlog: float, arrival_rate: float, service_rate: float, servers: int = 1) -> float:
    """Time for ``backlog`` waiting jobs to clear while new ones keep arriving: B / (cμ − λ).

    While jobs wait, the ``servers`` servers finish ``servers × service_rate``
    of them per unit of time and ``arrival_rate`` more arrive, so the backlog
    shrinks at the difference (on average: by Wald's identity this is the
    mean time until nothing waits, when every server stays busy meanwhile).
    ``inf`` if the servers process no more than arrives: the backlog never
    drains. Rates in jobs per unit of time; the result in that unit.
    """
    b = _check.number("backlog", backlog, low=0.0)
    lam = _check.number("arrival_rate", arrival_rate, low=0.0)
    mu = _check.number("service_rate", service_rate, low=0.0, low_open=True)
    c = _check.integer("servers", servers, low=1, high=100_000)
    if b == 0:
        return 0.0
    spare = c * mu - lam
    return b / spare if spare > 0 else math.inf


def stale_probability(
    t: float, arrival_rate: float, service_rate: float, servers: int = 1
) -> float:
    """P(a job is still in M/M/c ``t`` after it arrived): P(sojourn > t), steady state.

    A job waits with probability C (Erlang C), then for an exponential time of
    rate θ = cμ − λ, and is served for an exponential time of rate μ:
    P(T > t) = (1 − C) e^(−μt) + C (θ e^(−μt) − μ e^(−θt)) / (θ − μ), and
    (1 + μt) e^(−μt) for C's part when θ = μ. For one server this is
    e^(−(μ − λ) t). Read as consistency: a write handed to a queue is applied
    by the consumer after this sojourn, so a read ``t`` after the write sees the
    old value with this probability. Rates and ``t`` in one unit of time.
    """
    t = _check.number("t", t, low=0.0)
    lam = _check.number("arrival_rate", arrival_rate, low=0.0)
    mu = _check.number("service_rate", service_rate, low=0.0, low_open=True)
    c = _check.integer("servers", servers, low=1, high=100_000)
    pw = mmc(lam, mu, c).p_wait  # refuses a load without a steady state
    theta = c * mu - lam
    served = math.exp(-mu * t)
    if math.isclose(theta, mu, rel_tol=1e-9):
        both = (1.0 + mu * t) * served
    else:
        both = (theta * served - mu * math.exp(-theta * t)) / (theta - mu)
    return (1.0 - pw) * served + pw * both


def _share_within(latency, t: float) -> float:
    """P(one call of ``latency`` takes ≤ ``t``), by bisection on its quantile function."""
    low, high = 0.0, 1.0
    for _ in range(50):
        mid = (low + high) / 2
        if latency.quantile(mid) <= t:
            low = mid
        else:
            high = mid
    return low


def fan_out_quantile(q: float, *latencies) -> float:
    """The ``q``-quantile of the slowest of independent parallel calls (ms).

    A caller that sends one call to each of ``latencies`` (the kit's
    :class:`~servicelab.latency.Latency` objects) at once and waits for every
    answer waits for the slowest: P(max ≤ t) = ∏ P(call ≤ t). With n calls of
    one latency, its p99 is that latency's 0.99^(1/n)-quantile. Calls are
    assumed not to queue (each finds a free worker).
    """
    q = _check.number("q", q, low=0.0, high=1.0, low_open=True)
    if q >= 1.0:
        raise _check.fail("q", q, "a share between 0 and 1, 1 excluded")
    if not latencies or not all(callable(getattr(x, "quantile", None)) for x in latencies):
        raise _check.KitValueError(
            f"latencies = {latencies!r} is not allowed: give one or more latencies "
            "(LogNormal, Exponential, Fixed)."
        )
    low, high = 0.0, max(x.quantile(q) for x in latencies)
    while math.prod(_share_within(x, high) for x in latencies) < q:
        high *= 2.0
    for _ in range(60):
        mid = (low + high) / 2
        if math.prod(_share_within(x, mid) for x in latencies) < q:
            low = mid
        else:
            high = mid
    return high
