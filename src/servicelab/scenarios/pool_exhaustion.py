"""A slow dependency exhausts the caller's worker pool: cascading failure.

Covers: temporal coupling through a shared worker pool, user patience,
caller-side timeouts, isolation by a queue, common random numbers.

Scenario: the Order service has a small pool of workers serving two kinds of
requests at random (Poisson arrivals):

* **checkouts** — Order does its own work, then needs Inventory;
* **simple requests** ("view my orders") — Order's own work only, no
  downstream service at all.

A request waits for a free Order worker; a user who waits longer than
``patience_ms`` gives up (the request fails; ``patience_ms=inf``: users
wait forever, and the queue for workers grows instead). Then Inventory slows down by
``slowdown`` for a while (``slow_start_ms``, ``slow_ms``) and

* ``style="sync"`` — a checkout calls Inventory and *holds its worker* for
  the whole call. By Little's law the pool needs about
  ``checkout_rate × hold time`` workers; when Inventory is slow that exceeds
  the pool, every worker ends up waiting on Inventory, and simple requests —
  which never touch Inventory — queue, time out and fail too. The failure has
  cascaded. A caller-side ``timeout_ms`` on the call bounds the hold time:
  checkouts that need the slow service fail fast, the rest survive.
* ``style="async"`` — a checkout publishes an *OrderCreated* message and
  frees its worker at once; Inventory works through its queue at its own
  pace. The pool never fills and every request is served: the failure stays
  isolated in Inventory's backlog.

The same ``seed`` gives the same arrivals and the same work per request in
both styles. Request ``j`` of a kind has key ``2 j`` (checkout) or
``2 j + 1`` (simple), so changing one kind's rate leaves the other's draws
alone.

Outcomes of a request: ``"ok"`` (answered), ``"gave up"`` (waited longer
than ``patience_ms`` for a worker), ``"timed out"`` (the sync call to
Inventory hit ``timeout_ms``) or ``"in flight"`` (no answer at the horizon).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _check
from ..faults import Faults
from ..latency import Latency, LogNormal
from ..messaging import Queue
from ..records import Accounting, Sampler, summarize
from ..service import MAX_WORKERS, Service
from ..sync import call
from ..world import DEFAULT_MAX_EVENTS, HOUR_MS, World
from . import _checks as checks
from ._base import (
    IN_FLIGHT,
    OK,
    WINDOW_CHECKS,
    Checked,
    Result,
    Run,
    SlowdownWindow,
    run_style,
    run_styles,
)
from .arrivals import poisson_times

__all__ = [
    "KINDS",
    "PoolConfig",
    "PoolResult",
    "run_pool_exhaustion",
    "run_pool_both",
    "poisson_times",
]

CHECKOUT, SIMPLE = "checkout", "simple"
KINDS = (CHECKOUT, SIMPLE)
GAVE_UP, TIMED_OUT = "gave up", "timed out"
OUTCOMES = (OK, GAVE_UP, TIMED_OUT, IN_FLIGHT)

#: Order's own work per request, and Inventory's per checkout, when healthy (ms)
ORDER_LATENCY = LogNormal(5.0, 0.25)
INVENTORY_LATENCY = LogNormal(60.0, 0.4)

#: The most requests a run takes. A request needs 2–9 simulation events (sync
#: 6.5, async 8.6, fewer when users give up), so 100,000 fit the kit's budget of
#: 1,000,000 events (DEFAULT_MAX_EVENTS); 100,000 measured 0.6–3.4 s of CPU.
MAX_REQUESTS = 100_000


@dataclass(frozen=True)
class PoolConfig(SlowdownWindow, Checked):
    """Everything a pool-exhaustion run depends on (validated on creation).

    Times in ms; rates in requests per second.

    With the defaults a checkout holds a sync worker for ~65 ms, so 10
    checkouts/s keep ~0.7 of the 5 workers busy (Little's law: rate × hold
    time). Inventory 20× slower makes the hold ~1.2 s, and that ~12 workers:
    more than twice what the pool has.
    """

    workers: int = 5
    checkout_rate: float = 10.0
    simple_rate: float = 10.0
    duration_ms: float = 30_000.0
    slowdown: float = 20.0
    slow_start_ms: float = 10_000.0
    slow_ms: float = 10_000.0
    patience_ms: float = 1_000.0
    timeout_ms: float | None = None
    order_latency: Latency | float = ORDER_LATENCY
    inventory_latency: Latency | float = INVENTORY_LATENCY
    inventory_workers: int = 20
    publish_ms: Latency | float = 2.0
    drain_ms: float = 5_000.0
    sample_every_ms: float = 100.0
    max_events: int = DEFAULT_MAX_EVENTS

    CHECKS = {
        "workers": checks.count(high=MAX_WORKERS),
        "checkout_rate": checks.number(low=0.0, high=10_000.0),
        "simple_rate": checks.number(low=0.0, high=10_000.0),
        **WINDOW_CHECKS,
        "patience_ms": checks.ms(high=HOUR_MS, allow_inf=True),
        "timeout_ms": checks.optional(checks.ms(high=HOUR_MS, low_open=True)),
        "order_latency": checks.latency(),
        "inventory_latency": checks.latency(),
        "inventory_workers": checks.count(high=MAX_WORKERS),
        "publish_ms": checks.latency(),
        "drain_ms": checks.ms(high=HOUR_MS),
        "sample_every_ms": checks.ms(low=1.0, high=HOUR_MS),
        "max_events": checks.events(),
    }

    def check(self):
        if self.checkout_rate + self.simple_rate == 0:
            raise checks.refuse(
                "checkout_rate = 0 is not allowed together with simple_rate = 0: "
                "at least one of them must be > 0."
            )
        n = (self.checkout_rate + self.simple_rate) * self.duration_ms / 1000
        if n > MAX_REQUESTS:
            raise checks.refuse(
                f"duration_ms = {self.duration_ms:g} is not allowed with these rates: it "
                f"makes ~{n:,.0f} requests; (checkout_rate + simple_rate) × duration_ms / 1000 "
                f"must be ≤ {MAX_REQUESTS:,} requests."
            )
        run_ms, how = self.duration_ms + self.drain_ms, " (duration_ms + drain_ms)"
        checks.few_samples("sample_every_ms", self.sample_every_ms, run_ms, how=how)

    @property
    def inventory_faults(self) -> Faults:
        """Inventory's slowdown as a fault schedule."""
        return self.slowdown_faults


@dataclass
class PoolResult(Result):
    """What happened in one pool-exhaustion run. Times in ms; arrays indexed by request.

    ``outcome``: "ok", "gave up", "timed out" or "in flight"; ``series``: "busy
    order", "busy inventory" and (async) "backlog inventory".
    """

    OUTCOMES = OUTCOMES

    kind: np.ndarray  # "checkout" or "simple"
    response_ms: np.ndarray  # the user's wait; nan while in flight
    queue: Accounting | None  # async: where every OrderCreated message is

    def _mask(self, start_ms=None, end_ms=None, kind: str | None = None) -> np.ndarray:
        mask = super()._mask(start_ms, end_ms)
        if kind is not None:
            _check.choice("kind", kind, KINDS)
            mask &= self.kind == kind
        return mask

    def count(self, outcome: str, kind: str | None = None) -> int:
        """How many requests (of ``kind``, None: all) ended with ``outcome``."""
        n = super().count(outcome)
        if kind is None:
            return n
        return int(np.count_nonzero((self.outcome == outcome) & self._mask(kind=kind)))

    def success_rate(
        self, *, start_ms: float | None = None, end_ms: float | None = None, kind: str | None = None
    ) -> float:
        """Share of requests answered ok; nan if none.

        Of the requests of ``kind`` (None: both) arriving in [start_ms, end_ms).
        """
        return self._rate(self._mask(start_ms, end_ms, kind))

    def in_window(self, kind: str | None = None) -> float:
        """Success rate of requests (of ``kind``) that arrived during the slowdown."""
        start, end = self.config.window
        return self.success_rate(start_ms=start, end_ms=end, kind=kind)

    def success_over_time(self, kind: str | None = None, bin_ms: float = 1000.0):
        """``(bin centres in ms, success rate, requests)`` by arrival time, up to the duration."""
        bin_ms = _check.number("bin_ms", bin_ms, low=1.0)
        mask = self._mask(kind=kind)
        t = self.arrival_ms[mask]
        ok = (self.outcome[mask] == OK).astype(float)
        edges = np.arange(0.0, self.config.duration_ms + bin_ms / 2, bin_ms)
        n_bins = max(edges.size - 1, 1)
        idx = np.minimum((t // bin_ms).astype(int), n_bins - 1)
        n = np.bincount(idx, minlength=n_bins)
        good = np.bincount(idx, weights=ok, minlength=n_bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(n > 0, good / np.maximum(n, 1), np.nan)
        return (np.arange(n_bins) + 0.5) * bin_ms, rate, n

    def saturated_share(self) -> float:
        """Share of the slowdown window during which every Order worker was busy."""
        start, end = self.config.window
        busy = self.series["busy order"].between(start, end)
        return float(np.mean(busy >= self.config.workers)) if busy.size else math.nan

    def peak_busy(self) -> int:
        """Most Order workers busy at once (sampled)."""
        return int(self.series["busy order"].values.max())

    def latency(self, kind: str | None = None) -> np.ndarray:
        """Users' waits in ms of requests (of ``kind``) answered ok."""
        return self.response_ms[(self.outcome == OK) & self._mask(kind=kind)]

    def summary(self, kind: str | None = None) -> dict[str, float]:
        return summarize(self.latency(kind))

    def _other_accounts(self) -> tuple[Accounting, ...]:
        return () if self.queue is None else (self.queue,)

    @property
    def label(self) -> str:
        if self.style == "sync" and self.config.timeout_ms is not None:
            return f"{self.style} (timeout {self.config.timeout_ms:g} ms)"
        return self.style

    def _headline(self) -> str:
        return (
            f"during the slowdown {self.in_window(SIMPLE):.0%} of simple requests and "
            f"{self.in_window(CHECKOUT):.0%} of checkouts succeeded; all {self.config.workers} "
            f"Order workers were busy {self.saturated_share():.0%} of that time"
        )


def run_pool_exhaustion(
    style: str = "sync", *, seed: int = 0, config: PoolConfig | None = None, **options
) -> PoolResult:
    """Run the pool-exhaustion story in ``style`` ``"sync"`` or ``"async"``.

    Options are the fields of :class:`PoolConfig` (or pass ``config``).
    Example: ``run_pool_exhaustion("sync", slowdown=10, timeout_ms=300)``.
    """
    return run_style(_Run, style, seed, config, options)


def run_pool_both(*, seed: int = 0, **options) -> tuple[PoolResult, PoolResult]:
    """The same requests (same seed, same random numbers) run sync and async."""
    return run_styles(run_pool_exhaustion, PoolConfig, seed, options)


class _Run(Run):
    """One run: builds the world, runs it, collects the result."""

    CONFIG, RESULT = PoolConfig, PoolResult

    def __init__(self, style: str, seed: int, c: PoolConfig):
        probe = World(seed)
        checkouts = poisson_times(probe.rng("arrivals:checkout"), c.checkout_rate, c.duration_ms)
        simples = poisson_times(probe.rng("arrivals:simple"), c.simple_rate, c.duration_ms)
        times = np.concatenate([checkouts, simples])
        keys = np.concatenate(
            [2 * np.arange(checkouts.size), 2 * np.arange(simples.size) + 1]
        ).astype(int)
        order = np.argsort(times, kind="stable")
        super().__init__(style, seed, c, times[order], c.duration_ms + c.drain_ms, c.max_events)
        self.keys = keys[order]
        self._keys = self.keys.tolist()
        w = self.world
        self.order = Service(w, "order", c.order_latency, c.workers)
        self.inventory = Service(
            w, "inventory", c.inventory_latency, c.inventory_workers, c.inventory_faults
        )
        self.queue: Queue | None = None
        if style == "async":
            self.queue = Queue(w, "inventory", publish_latency=c.publish_ms)
            self.queue.consume(self.inventory)
        probes = {
            "busy order": lambda: self.order.pool.count,
            "busy inventory": lambda: self.inventory.busy,
        }
        if self.queue is not None:
            probes["backlog inventory"] = lambda: self.queue.backlog
        self.sampler = Sampler(w, c.sample_every_ms, probes, name="sample_every_ms")
        self._simulate()

    def _begin(self, i: int):
        return self._request(i, self._keys[i])

    def _request(self, i: int, key: int):
        c = self.config
        env = self.world.env
        order = self.order
        with order.pool.request() as worker:
            if not worker.triggered:  # no free worker: wait, at most patience_ms
                if math.isinf(c.patience_ms):
                    yield worker
                else:
                    yield worker | env.timeout(c.patience_ms)
                    if not worker.triggered:
                        self._finish(i, GAVE_UP)  # leaving the block withdraws the request
                        return
            else:
                yield worker
            # Order's own work
            if order.healthy:  # the common case, without a sub-generator
                yield order.healthy_work(key)
            else:
                yield from order.serve(key)
            if key % 2:  # a simple request: done
                self._finish(i, OK)
                return
            if self.queue is None:  # sync: hold this worker until Inventory answers
                r = yield from call(self.inventory, key, timeout_ms=c.timeout_ms)
                self._finish(i, OK if r.outcome == OK else TIMED_OUT)
            else:  # async: hand the work to Inventory's queue and answer at once
                yield from self.queue.publish(key)
                self._finish(i, OK)

    def _records(self) -> dict:
        return dict(
            kind=np.where(self.keys % 2 == 0, CHECKOUT, SIMPLE),
            response_ms=np.asarray(self.finished_ms, dtype=float) - self.arrivals,
            queue=self.queue.accounting() if self.queue is not None else None,
        )
