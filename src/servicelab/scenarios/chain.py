"""A chain of sync calls, and how its tail grows with its length.

Covers: tail amplification in sync chains.

Scenario: each request calls ``n_services`` services one after the other,
each with the same latency distribution, and waits for every answer.
Services have a worker for every request (no queueing), so a request's
latency is the sum of its calls: this isolates the chain itself.

A call is *slow* if it takes longer than one service's p99. A request
meets at least one slow call with probability 1 − 0.99ⁿ: about 1 % of
requests for one service, 4 % for four, 10 % for ten. In a *sequential*
chain that is not what lifts its p99: the medians add, and relative to its
median the chain's tail narrows (p99/p50 falls from 4.0 for one call to about
2 for four). Where 1 − 0.99ⁿ bites is **fan-out**: a request that calls n
services *in parallel* and waits for all of them takes as long as the
slowest (:meth:`ChainResult.fan_out_ms`), so with n = 100 about 63 % of
requests wait longer than one service's p99.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _check
from ..latency import Latency, LogNormal, as_latency
from ..service import MAX_WORKERS, Service
from ..sync import call
from ..world import DEFAULT_MAX_EVENTS, MAX_HORIZON_MS, World

__all__ = ["ChainResult", "run_chain", "CALL_LATENCY", "MAX_SIMULATED", "MAX_CALLS"]

#: one call's latency by default: median 42 ms, p99 169 ms
CALL_LATENCY = LogNormal(50.0, 0.6)
#: ``simulate=True`` takes at most this many n_requests × (n_services + 1): a
#: simulated request makes 3 events per call and 3 of its own, so this is
#: 900,000 events, the kit's event budget (~2 s of CPU on the reference machine).
MAX_SIMULATED = 300_000
#: at most this many calls in one result (8 bytes each: 80 MB)
MAX_CALLS = 10_000_000


@dataclass
class ChainResult:
    """Per-call latencies of a sync chain: ``calls_ms[request, k]`` is call k of a request."""

    latency: Latency
    calls_ms: np.ndarray

    @property
    def n_services(self) -> int:
        return self.calls_ms.shape[1]

    def chain_ms(self, length: int | None = None) -> np.ndarray:
        """Each request's latency through the first ``length`` services (default: all)."""
        length = self.n_services if length is None else length
        _check.integer("length", length, low=1, high=self.n_services)
        return self.calls_ms[:, :length].sum(axis=1)

    def fan_out_ms(self, width: int | None = None) -> np.ndarray:
        """Each request's latency if it called the first ``width`` services in parallel.

        It waits for all of them, so it takes as long as the slowest call.
        """
        width = self.n_services if width is None else width
        _check.integer("width", width, low=1, high=self.n_services)
        return self.calls_ms[:, :width].max(axis=1)

    def share_slower_than_one_p99(self, width: int | None = None) -> float:
        """Share of fanned-out requests (``width`` parallel calls) slower than one call's p99."""
        return float(np.mean(self.fan_out_ms(width) > self.latency.quantile(0.99)))

    def share_meeting_a_slow_call(self, length: int | None = None) -> float:
        """Share of requests with at least one call slower than one service's p99."""
        length = self.n_services if length is None else length
        _check.integer("length", length, low=1, high=self.n_services)
        slow = self.calls_ms[:, :length] > self.latency.quantile(0.99)
        return float(slow.any(axis=1).mean())


def run_chain(
    n_services: int = 4,
    latency: Latency | float = CALL_LATENCY,
    n_requests: int = 2000,
    seed: int = 0,
    *,
    simulate: bool = False,
) -> ChainResult:
    """Send ``n_requests`` requests through a chain of ``n_services``.

    ``simulate=True`` runs the requests (one every 10 ms) through simpy
    services with a worker each, up to ``n_requests × (n_services + 1)`` of
    :data:`MAX_SIMULATED`; the default reads the same numbers directly, which
    is exact here, ~20× faster and takes any size (tests check they agree).
    """
    n_services = _check.integer("n_services", n_services, low=1, high=100)
    n_requests = _check.integer("n_requests", n_requests, low=1, high=200_000)
    if n_requests * n_services > MAX_CALLS:
        raise _check.KitValueError(
            f"n_requests = {n_requests} is not allowed with n_services = {n_services}: "
            f"n_requests × n_services must be ≤ {MAX_CALLS:,} calls (here "
            f"{n_requests * n_services:,}; 8 bytes each)."
        )
    latency = as_latency(latency)
    simulate = _check.boolean("simulate", simulate)
    if simulate and n_requests * (n_services + 1) > MAX_SIMULATED:
        raise _check.KitValueError(
            f"n_requests = {n_requests} is not allowed with simulate=True and n_services = "
            f"{n_services}: a simulated chain takes 3 events per call, so n_requests × "
            f"(n_services + 1) must be ≤ {MAX_SIMULATED:,} (here {n_requests * (n_services + 1):,}"
            "); simulate=False reads the same numbers directly, for any size."
        )
    world = World(_check.integer("seed", seed, low=0))
    # as many workers as the kit allows: nobody queues
    services = [
        Service(world, f"service {k + 1}", latency, workers=MAX_WORKERS) for k in range(n_services)
    ]
    if simulate:
        calls = _simulated(world, services, n_requests)
    else:
        # nobody queues, so each call takes exactly its service's demand: read
        # the demands straight from the keyed streams a simulated run uses
        calls = np.column_stack([s.demands(n_requests) for s in services])
    return ChainResult(latency, calls)


def _simulated(world: World, services: list[Service], n_requests: int) -> np.ndarray:
    calls = np.zeros((n_requests, len(services)))
    env = world.env
    world.horizon_ms = MAX_HORIZON_MS
    world.max_events = DEFAULT_MAX_EVENTS  # it needs 3 n_requests (n_services + 1) + 2

    def request(i):
        for k, service in enumerate(services):
            start = env.now
            yield from call(service, i)
            calls[i, k] = env.now - start

    def arrivals():
        for i in range(n_requests):
            env.process(request(i))
            yield env.timeout(10.0)

    world.process(arrivals())
    world.run()
    return calls
