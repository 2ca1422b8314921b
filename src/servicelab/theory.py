"""Closed forms to hold the simulations against.

* :func:`chain_availability` — a sync chain works only if every link works:
  the availabilities multiply (0.99 ** 4 ≈ 0.961).
* :func:`mm1` and :func:`mmc` — mean waits of the textbook queues (Poisson
  arrivals, exponential service, FIFO, 1 or c servers; Erlang C).
* :func:`littles_law` — L = λ W, for any stable system.
* :func:`drain_time` — how long a backlog takes to clear: B / (cμ − λ), and
  never when the servers process no more than arrives.

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
