"""A slow dependency exhausts the caller's worker pool: cascading failure.

Covers: temporal coupling through a shared worker pool, user patience,
caller-side timeouts, isolation by a queue, common random numbers.

Scenario: the Order service has a small pool of workers serving two kinds of
requests at random (Poisson arrivals):

* **checkouts** — Order does its own work, then needs Inventory;
* **simple requests** ("view my orders") — Order's own work only, no
  downstream service at all.

A request waits for a free Order worker; a user who waits longer than
``patience_ms`` gives up (the request fails). Then Inventory slows down by
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
from ..latency import Latency, LogNormal, as_latency
from ..messaging import Queue
from ..records import Accounting, Sampler, TimeSeries, summarize
from ..service import OK, Service
from ..sync import call, check_timeout
from ..world import DEFAULT_MAX_EVENTS, World
from ._window import check_window, slowdown_faults, window

__all__ = [
    "KINDS",
    "PoolConfig",
    "PoolResult",
    "run_pool_exhaustion",
    "run_pool_both",
    "poisson_times",
]

STYLES = ("sync", "async")
CHECKOUT, SIMPLE = "checkout", "simple"
KINDS = (CHECKOUT, SIMPLE)
OK_, GAVE_UP, TIMED_OUT, IN_FLIGHT = "ok", "gave up", "timed out", "in flight"
OUTCOMES = (OK_, GAVE_UP, TIMED_OUT, IN_FLIGHT)

#: Order's own work per request, and Inventory's per checkout, when healthy (ms)
ORDER_LATENCY = LogNormal(5.0, 0.25)
INVENTORY_LATENCY = LogNormal(60.0, 0.4)


@dataclass(frozen=True)
class PoolConfig:
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

    def __post_init__(self):
        s = object.__setattr__
        s(self, "workers", _check.integer("workers", self.workers, low=1, high=10_000))
        s(
            self,
            "checkout_rate",
            _check.number("checkout_rate", self.checkout_rate, low=0.0, high=10_000.0),
        )
        s(self, "simple_rate", _check.number("simple_rate", self.simple_rate, low=0.0, high=1e4))
        if self.checkout_rate + self.simple_rate == 0:
            raise ValueError(
                "checkout_rate = 0 is not allowed together with simple_rate = 0: "
                "at least one of them must be > 0."
            )
        check_window(self)
        s(
            self,
            "patience_ms",
            _check.number("patience_ms", self.patience_ms, low=0.0, high=3.6e6, allow_inf=True),
        )
        s(self, "timeout_ms", check_timeout(self.timeout_ms))
        s(self, "order_latency", as_latency(self.order_latency, "order_latency"))
        s(self, "inventory_latency", as_latency(self.inventory_latency, "inventory_latency"))
        s(
            self,
            "inventory_workers",
            _check.integer("inventory_workers", self.inventory_workers, low=1, high=10_000),
        )
        s(self, "publish_ms", as_latency(self.publish_ms, "publish_ms"))
        s(self, "drain_ms", _check.number("drain_ms", self.drain_ms, low=0.0, high=3.6e6))
        s(
            self,
            "sample_every_ms",
            _check.number("sample_every_ms", self.sample_every_ms, low=1.0, high=3.6e6),
        )
        _check.integer("max_events", self.max_events, low=1, high=10**9)
        n = (self.checkout_rate + self.simple_rate) * self.duration_ms / 1000
        if n > 1_000_000:
            raise ValueError(
                f"duration_ms = {self.duration_ms:g} is not allowed with these rates: it "
                f"makes ~{n:,.0f} requests; duration_ms × (checkout_rate + simple_rate) "
                "must stay ≤ 1,000,000 requests·ms/1000."
            )

    @property
    def window(self) -> tuple[float, float]:
        """The slowdown's (start, end) in ms, clipped to the run's arrivals."""
        return window(self)

    @property
    def inventory_faults(self) -> Faults:
        """Inventory's slowdown as a fault schedule."""
        return slowdown_faults(self)


@dataclass
class PoolResult:
    """What happened in one pool-exhaustion run. Times in ms; arrays indexed by request."""

    style: str
    seed: int
    config: PoolConfig
    arrival_ms: np.ndarray
    kind: np.ndarray  # "checkout" or "simple"
    outcome: np.ndarray  # "ok", "gave up", "timed out" or "in flight"
    response_ms: np.ndarray  # the user's wait; nan while in flight
    series: dict[str, TimeSeries]  # "busy order", "busy inventory", "backlog inventory"
    accounting: Accounting
    queue: Accounting | None  # async: where every OrderCreated message is
    stop_reason: str
    events: int
    horizon_ms: float

    @property
    def n_requests(self) -> int:
        return int(self.arrival_ms.size)

    def _mask(self, kind, start_ms, end_ms) -> np.ndarray:
        mask = np.ones(self.arrival_ms.size, dtype=bool)
        if kind is not None:
            _check.choice("kind", kind, KINDS)
            mask &= self.kind == kind
        if start_ms is not None:
            mask &= self.arrival_ms >= start_ms
        if end_ms is not None:
            mask &= self.arrival_ms < end_ms
        return mask

    def count(self, outcome: str, kind: str | None = None) -> int:
        """How many requests (of ``kind``, None: all) ended with ``outcome``."""
        _check.choice("outcome", outcome, OUTCOMES)
        return int(np.count_nonzero((self.outcome == outcome) & self._mask(kind, None, None)))

    def success_rate(
        self, kind: str | None = None, start_ms: float | None = None, end_ms: float | None = None
    ) -> float:
        """Share of requests (of ``kind``, arriving in [start, end)) answered ok; nan if none."""
        mask = self._mask(kind, start_ms, end_ms)
        n = np.count_nonzero(mask)
        return float(np.count_nonzero(self.outcome[mask] == OK_) / n) if n else math.nan

    def in_window(self, kind: str | None = None) -> float:
        """Success rate of requests (of ``kind``) that arrived during the slowdown."""
        start, end = self.config.window
        return self.success_rate(kind, start, end)

    def success_over_time(self, kind: str | None = None, bin_ms: float = 1000.0):
        """``(bin centres in ms, success rate, requests)`` by arrival time, up to the duration."""
        bin_ms = _check.number("bin_ms", bin_ms, low=1.0)
        mask = self._mask(kind, None, None)
        t = self.arrival_ms[mask]
        ok = (self.outcome[mask] == OK_).astype(float)
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
        return self.response_ms[(self.outcome == OK_) & self._mask(kind, None, None)]

    def summary(self, kind: str | None = None) -> dict[str, float]:
        return summarize(self.latency(kind))

    @property
    def balanced(self) -> bool:
        """Every request (and every message) is accounted for exactly once."""
        return self.accounting.balanced and (self.queue is None or self.queue.balanced)

    def describe(self) -> str:
        """One line with the key numbers."""
        label = self.style
        if self.style == "sync" and self.config.timeout_ms is not None:
            label += f" (timeout {self.config.timeout_ms:g} ms)"
        return (
            f"{label}: during the slowdown {self.in_window(SIMPLE):.0%} of simple requests and "
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
    _check.choice("style", style, STYLES)
    if config is None:
        config = PoolConfig(**options)
    elif options:
        raise ValueError(
            f"options = {sorted(options)!r} is not allowed together with config: "
            "give either a PoolConfig or options, not both."
        )
    elif not isinstance(config, PoolConfig):
        raise ValueError(f"config = {config!r} is not allowed: config must be a PoolConfig.")
    return _Run(style, _check.integer("seed", seed, low=0), config).result()


def run_pool_both(*, seed: int = 0, **options) -> tuple[PoolResult, PoolResult]:
    """The same requests (same seed, same random numbers) run sync and async."""
    config = PoolConfig(**options)
    return (
        run_pool_exhaustion("sync", seed=seed, config=config),
        run_pool_exhaustion("async", seed=seed, config=config),
    )


def poisson_times(rng: np.random.Generator, rate_per_s: float, duration_ms: float) -> np.ndarray:
    """Arrival times in [0, duration) of a Poisson stream (the same prefix for any duration)."""
    if rate_per_s == 0:
        return np.empty(0)
    mean_gap = 1000.0 / rate_per_s
    expected = duration_ms / mean_gap
    times = np.cumsum(rng.exponential(mean_gap, int(expected + 6 * math.sqrt(expected) + 20)))
    while times[-1] < duration_ms:  # practically never: more gaps, same stream
        more = np.cumsum(rng.exponential(mean_gap, 1024)) + times[-1]
        times = np.concatenate([times, more])
    return times[times < duration_ms]


class _Run:
    """One run: builds the world, runs it, collects the result."""

    def __init__(self, style: str, seed: int, c: PoolConfig):
        self.style, self.seed, self.config = style, seed, c
        probe = World(seed)
        checkouts = poisson_times(probe.rng("arrivals:checkout"), c.checkout_rate, c.duration_ms)
        simples = poisson_times(probe.rng("arrivals:simple"), c.simple_rate, c.duration_ms)
        times = np.concatenate([checkouts, simples])
        keys = np.concatenate(
            [2 * np.arange(checkouts.size), 2 * np.arange(simples.size) + 1]
        ).astype(int)
        order = np.argsort(times, kind="stable")
        self.arrivals, self.keys = times[order], keys[order]
        n = self.arrivals.size
        self.world = w = World(seed, c.duration_ms + c.drain_ms, c.max_events)
        self.order = Service(w, "order", c.order_latency, c.workers)
        self.inventory = Service(
            w, "inventory", c.inventory_latency, c.inventory_workers, c.inventory_faults
        )
        self.queue: Queue | None = None
        if style == "async":
            self.queue = Queue(w, "inventory", publish_latency=c.publish_ms)
            self.queue.consume(self.inventory)
        self.outcome = [IN_FLIGHT] * n
        self.response = [math.nan] * n
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.arrived = 0
        probes = {
            "busy order": lambda: self.order.pool.count,
            "busy inventory": lambda: self.inventory.busy,
        }
        if self.queue is not None:
            probes["backlog inventory"] = lambda: self.queue.backlog
        self.sampler = Sampler(w, c.sample_every_ms, probes)
        w.process(self._arrive())
        w.run()

    def _arrive(self):
        env = self.world.env
        request = self._request
        for i, t in enumerate(self.arrivals.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            self.arrived += 1
            self.counts[IN_FLIGHT] += 1
            env.process(request(i, int(self.keys[i])))

    def _finish(self, i: int, outcome: str) -> None:
        self.outcome[i] = outcome
        self.response[i] = self.world.env.now - self.arrivals[i]
        self.counts[outcome] += 1
        self.counts[IN_FLIGHT] -= 1

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
            order.received += 1
            yield env.timeout(order.demand(key))  # Order's own work
            if key % 2:  # a simple request: done
                self._finish(i, OK_)
                return
            if self.queue is None:  # sync: hold this worker until Inventory answers
                r = yield from call(self.inventory, key, timeout_ms=c.timeout_ms)
                self._finish(i, OK_ if r.outcome == OK else TIMED_OUT)
            else:  # async: hand the work to Inventory's queue and answer at once
                yield from self.queue.publish(key)
                self._finish(i, OK_)

    def result(self) -> PoolResult:
        c = self.config
        parts = dict(self.counts)
        not_arrived = self.arrivals.size - self.arrived
        if not_arrived:
            parts["not yet arrived"] = not_arrived
        return PoolResult(
            style=self.style,
            seed=self.seed,
            config=c,
            arrival_ms=self.arrivals,
            kind=np.where(self.keys % 2 == 0, CHECKOUT, SIMPLE),
            outcome=np.asarray(self.outcome),
            response_ms=np.asarray(self.response, dtype=float),
            series=self.sampler.series(),
            accounting=Accounting("requests", int(self.arrivals.size), parts),
            queue=self.queue.accounting() if self.queue is not None else None,
            stop_reason=self.world.stop_reason,
            events=self.world.events,
            horizon_ms=self.world.horizon_ms,
        )
