"""A flash sale: a burst of orders, absorbed by a queue or turned away at the door.

Covers: load leveling, competing consumers, a shared bottleneck, bounded queues,
back-pressure, load shedding, drain time, common random numbers.

Scenario: orders arrive at random (Poisson), ``base_rate`` per second, and
``sale_rate`` during a sale (``sale_start_ms``, ``sale_ms``). Each order needs
one of the ``workers`` for its own ``work``, then a sync write to a shared
database (``db``, ``db_workers`` connections): the shop processes about
``workers × 1000 / (work + db)`` orders/s, unless the database caps it first.

* ``style="sync"`` — the user's request waits for a free worker and gets the
  result ("order placed") when its order is processed. A user who waits
  longer than ``patience_ms`` for a worker gives up (a time-out error). With
  ``max_waiting`` the shop sheds load: when that many requests already wait,
  a new one is refused at once with a clear "busy, try again".
* ``style="async"`` — the shop publishes the order to a queue and answers
  "order received" at once; the workers are the queue's *competing
  consumers* and work through it at their steady rate, after the sale too.
  A bounded queue (``queue_capacity``) pushes back when full: it refuses the
  order at once (``on_full="reject"``) or makes the user wait for room
  (``on_full="block"``; the kit's publisher waits without a time limit).

The same ``seed`` gives the same arrivals and work per order in both styles
(common random numbers); normal and sale orders come from two random streams.

Outcomes for the user: ``"accepted"`` (sync: processed while the user waited;
async: queued, processed later), ``"refused"`` (turned away at once), ``"gave
up"`` (a time-out after ``patience_ms``) or ``"in flight"`` (no answer yet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _check
from ..latency import Exponential, Latency
from ..messaging import Queue
from ..records import Accounting, Sampler, percentile
from ..service import MAX_WORKERS, Service
from ..sync import call
from ..world import DEFAULT_MAX_EVENTS, HOUR_MS, World
from . import _checks as checks
from ._base import IN_FLIGHT, OK, Checked, Result, Run, run_style, run_styles
from .arrivals import poisson_times
from .flash_sale_story import FlashSaleStory

__all__ = [
    "ACCEPTED",
    "REFUSED",
    "GAVE_UP",
    "MAX_ORDERS",
    "FlashSaleConfig",
    "FlashSaleResult",
    "Fulfilment",
    "run_flash_sale",
    "run_flash_sale_both",
    "run_consumers",
]

ACCEPTED, REFUSED, GAVE_UP = "accepted", "refused", "gave up"
OUTCOMES = (ACCEPTED, REFUSED, GAVE_UP, IN_FLIGHT)

#: The most orders a run may expect. An order needs 5–11 simulation events (a refused
#: one 3, a processed sync one 8, an async one 10, a blocked publisher's one more), so
#: 50,000 fit the kit's budget of 1,000,000 events (DEFAULT_MAX_EVENTS); a run that
#: needs more is cut short at the budget and says so.
MAX_ORDERS = 50_000
#: the most runs one call of :func:`run_consumers` makes
MAX_SWEEP = 12


@dataclass(frozen=True)
class FlashSaleConfig(Checked):
    """Everything a flash-sale run depends on (validated on creation).

    Times in ms; rates in orders per second. The defaults: the shop processes 10 orders/s
    (2 workers, 200 ms an order), normal traffic is half that, a 1-minute sale brings 3×.
    """

    base_rate: float = 5.0
    sale_rate: float = 30.0
    sale_start_ms: float = 30_000.0
    sale_ms: float = 60_000.0
    duration_ms: float = 360_000.0
    workers: int = 2
    work: Latency | float = Exponential(160.0)
    db: Latency | float = Exponential(40.0)
    db_workers: int = 4
    publish_ms: Latency | float = 2.0
    queue_capacity: int | None = None
    on_full: str = "reject"
    patience_ms: float = 3_000.0
    max_waiting: int | None = None
    drain_ms: float = 10_000.0
    sample_every_ms: float = 1_000.0
    max_events: int = DEFAULT_MAX_EVENTS

    CHECKS = {
        "base_rate": checks.number(low=0.0, high=10_000.0),
        "sale_rate": checks.number(low=0.0, high=10_000.0),
        "sale_start_ms": checks.ms(high=10 * HOUR_MS),
        "sale_ms": checks.ms(high=10 * HOUR_MS),
        "duration_ms": checks.ms(high=10 * HOUR_MS, low_open=True),
        "workers": checks.count(high=MAX_WORKERS),
        "work": checks.latency(positive=True),
        "db": checks.latency(),
        "db_workers": checks.count(high=MAX_WORKERS),
        "publish_ms": checks.latency(),
        "queue_capacity": checks.optional(checks.count(high=10_000_000)),
        "on_full": lambda name, value: _check.choice(name, value, ("block", "reject")),
        "patience_ms": checks.ms(high=HOUR_MS, allow_inf=True),
        "max_waiting": checks.optional(checks.count(low=0, high=10_000_000)),
        "drain_ms": checks.ms(high=10 * HOUR_MS),
        "sample_every_ms": checks.ms(low=10.0, high=HOUR_MS),
        "max_events": checks.events(),
    }

    def check(self):
        n = self.expected_orders
        if n == 0:
            raise checks.refuse(
                f"base_rate = {self.base_rate:g} is not allowed with no sale "
                f"(sale_rate = {self.sale_rate:g}, sale_ms = {self.sale_ms:g}): "
                "base_rate must be > 0, or the sale must bring orders."
            )
        if n > MAX_ORDERS:
            raise checks.refuse(
                f"duration_ms = {self.duration_ms:.15g} is not allowed with these rates: the run "
                f"expects ~{n:,.0f} orders; base_rate × (duration − sale) + sale_rate × sale "
                f"must be ≤ {MAX_ORDERS:,} orders (rates per second, times in seconds)."
            )
        run_ms, how = self.duration_ms + self.drain_ms, " (duration_ms + drain_ms)"
        checks.few_samples("sample_every_ms", self.sample_every_ms, run_ms, how=how)

    # -- what the settings imply (means; the theory the runs are held against) ----------
    @property
    def window(self) -> tuple[float, float]:
        """The sale's (start, end) in ms, clipped to the run's arrivals."""
        start = min(self.sale_start_ms, self.duration_ms)
        return start, min(self.sale_start_ms + self.sale_ms, self.duration_ms)

    @property
    def expected_orders(self) -> float:
        """Orders the run expects: normal traffic outside the sale, sale traffic in it."""
        start, end = self.window
        sale_s = (end - start) / 1000
        return self.base_rate * (self.duration_ms / 1000 - sale_s) + self.sale_rate * sale_s

    @property
    def order_ms(self) -> float:
        """Mean time a worker spends on one order (its own work and the database write)."""
        return self.work.mean_ms + self.db.mean_ms

    @property
    def capacity(self) -> float:
        """Orders per second the workers process when busy: workers × 1000 / order_ms."""
        return self.workers * 1000.0 / self.order_ms

    @property
    def db_capacity(self) -> float:
        """Orders per second the database takes (inf without a database)."""
        return self.db_workers * 1000.0 / self.db.mean_ms if self.db.mean_ms else math.inf

    @property
    def throughput_cap(self) -> float:
        """The most orders per second the shop can process: workers or database, the lower."""
        return min(self.capacity, self.db_capacity)


class Fulfilment(Service):
    """The shop's workers: an order is their own work, then a sync write to ``database``.

    Every order takes :meth:`serve`, sync or as a queue consumer (``database=None``: no write).
    """

    def __init__(self, world: World, latency, workers: int, database: Service | None):
        super().__init__(world, "worker", latency, workers)
        self.database = database
        self.healthy = False  # an order is more than its own work: see serve()

    def serve(self, key: int, attempt: int = 0):
        """Process order ``key``: the worker's own work, then the database write."""
        self.received += 1
        yield self.world.env.timeout(self.demand(key, attempt))
        if self.database is not None:
            yield from call(self.database, key)
        return OK


@dataclass
class FlashSaleResult(FlashSaleStory, Result):
    """What happened in one flash-sale run. Times in ms; arrays indexed by order.

    ``outcome``: "accepted", "refused", "gave up" or "in flight". ``series``:
    "backlog" (orders in the shop: waiting or being processed), "waiting",
    "busy workers" and, with a database, "busy database".
    """

    OUTCOMES = OUTCOMES
    SUCCESS = ACCEPTED
    UNIT = "orders"

    response_ms: np.ndarray  # the user's wait for an answer; nan while in flight
    done_ms: np.ndarray  # when the order was processed; nan if not (yet)
    queue: Accounting | None  # async: where every accepted order's message is

    @property
    def n_orders(self) -> int:
        return self.n_requests

    @property
    def processed(self) -> int:
        """Orders processed by the end of the run."""
        return int(np.count_nonzero(~np.isnan(self.done_ms)))

    @property
    def unprocessed(self) -> int:
        """Orders accepted but not processed by the end of the run (async: still queued)."""
        return self.count(ACCEPTED) - self.processed

    @property
    def cut_short(self) -> bool:
        """True if the run stopped with work unfinished (orders in flight or pending)."""
        return self.stop_reason == "event budget" or self.in_flight > 0 or self.unprocessed > 0

    def fulfilment_ms(self) -> np.ndarray:
        """For each processed order: ms from its arrival until it was processed."""
        done = ~np.isnan(self.done_ms)
        return self.done_ms[done] - self.arrival_ms[done]

    def per_second(self, which: str = "processed", bin_ms: float = 1000.0):
        """``(bin centres in ms, orders per second)`` of arrivals or of orders processed."""
        _check.choice("which", which, ("arrivals", "processed"))
        bin_ms = _check.number("bin_ms", bin_ms, low=10.0)
        n_bins = max(int(math.ceil(self.horizon_ms / bin_ms)), 1)  # ≤ 3.6 million (10 h / 10 ms)
        t = self.arrival_ms if which == "arrivals" else self.done_ms[~np.isnan(self.done_ms)]
        idx = np.minimum((t // bin_ms).astype(int), n_bins - 1)
        counts = np.bincount(idx, minlength=n_bins)
        return (np.arange(n_bins) + 0.5) * bin_ms, counts * 1000.0 / bin_ms

    def throughput(self, start_ms: float, end_ms: float) -> float:
        """Orders processed per second in [start_ms, end_ms)."""
        start = _check.number("start_ms", start_ms, low=0.0)
        end = _check.number("end_ms", end_ms, low=start, low_open=True)
        n = np.count_nonzero((self.done_ms >= start) & (self.done_ms < end))
        return n * 1000.0 / (end - start)

    def _other_accounts(self) -> tuple[Accounting, ...]:
        return () if self.queue is None else (self.queue,)

    @property
    def label(self) -> str:
        c = self.config
        if self.style == "sync":
            if c.max_waiting is not None:
                return f"sync, sheds load beyond {c.max_waiting:,} waiting"
            return "sync"
        if c.queue_capacity is not None:
            return f"async, queue of {c.queue_capacity:,} that {c.on_full}s when full"
        return "async"

    def _headline(self) -> str:
        n = self.n_orders
        share = {o: self.count(o) / n for o in OUTCOMES}
        parts = [f"{share[ACCEPTED]:.0%} of {n:,} orders accepted"]
        parts += [f"{share[o]:.0%} {o}" for o in (REFUSED, GAVE_UP, IN_FLIGHT) if self.count(o)]
        text = ", ".join(parts)
        wait = percentile(self.response_ms, 99)  # nan (no answer yet) is left out
        if not math.isnan(wait):
            text += f"; users' answers p99 {_duration(wait)}"
        if self.style == "async":
            p99 = percentile(self.fulfilment_ms(), 99)
            text += f"; {self.processed:,} processed"
            if not math.isnan(p99):
                text += f" (p99 {_duration(p99)} after arrival)"
        return text


def _duration(ms: float) -> str:
    """``ms`` as "850 ms", "3.4 s" or "123 s"."""
    if ms < 1000:
        return f"{ms:,.0f} ms"
    return f"{ms / 1000:,.1f} s" if ms < 10_000 else f"{ms / 1000:,.0f} s"


def run_flash_sale(
    style: str = "async", *, seed: int = 0, config: FlashSaleConfig | None = None, **options
) -> FlashSaleResult:
    """Run the flash sale in ``style`` ``"sync"`` or ``"async"``.

    Options are the fields of :class:`FlashSaleConfig` (or pass ``config``).
    Example: ``run_flash_sale("sync", sale_rate=40, max_waiting=20)``.
    """
    return run_style(_Run, style, seed, config, options)


def run_flash_sale_both(*, seed: int = 0, **options) -> tuple[FlashSaleResult, FlashSaleResult]:
    """The same orders (same seed, same random numbers) run sync and async."""
    return run_styles(run_flash_sale, FlashSaleConfig, seed, options)


def run_consumers(counts, *, seed: int = 0, **options) -> dict[int, FlashSaleResult]:
    """Async runs with each number of competing consumers in ``counts`` (up to 12 runs).

    Options are the other fields of :class:`FlashSaleConfig`, the same for every run.
    """
    try:
        counts = [int(_check.integer("counts entry", k, low=1, high=MAX_WORKERS)) for k in counts]
    except TypeError:
        raise _check.fail("counts", counts, "a list of numbers of consumers") from None
    if not 1 <= len(counts) <= MAX_SWEEP:
        raise _check.fail("counts", counts, f"a list of 1 to {MAX_SWEEP} numbers of consumers")
    if "workers" in options:
        raise checks.refuse(
            "workers is not allowed here: run_consumers sets it from counts, one run each."
        )
    return {k: run_flash_sale("async", seed=seed, workers=k, **options) for k in counts}


class _Run(Run):
    """One run: builds the world, runs it, collects the result."""

    CONFIG, RESULT = FlashSaleConfig, FlashSaleResult

    def __init__(self, style: str, seed: int, c: FlashSaleConfig):
        probe = World(seed)
        start, end = c.window
        normal = poisson_times(probe.rng("arrivals:normal"), c.base_rate, c.duration_ms)
        normal = normal[(normal < start) | (normal >= end)]
        sale = start + poisson_times(probe.rng("arrivals:sale"), c.sale_rate, end - start)
        arrivals = np.sort(np.concatenate([normal, sale]), kind="stable")
        super().__init__(style, seed, c, arrivals, c.duration_ms + c.drain_ms, c.max_events)
        w = self.world
        self.database = Service(w, "database", c.db, c.db_workers) if c.db.mean_ms else None
        self.workers = Fulfilment(w, c.work, c.workers, self.database)
        self.done = [math.nan] * arrivals.size
        self.queue: Queue | None = None
        pool = self.workers.pool
        if style == "async":
            self.queue = q = Queue(
                w, "orders", c.queue_capacity, on_full=c.on_full, publish_latency=c.publish_ms
            )
            q.consume(self.workers, on_ack=self._processed)
            probes = {"backlog": lambda: q.backlog, "waiting": lambda: q.depth}
        else:
            probes = {
                "backlog": lambda: len(pool.queue) + pool.count,
                "waiting": lambda: len(pool.queue),
            }
        probes["busy workers"] = lambda: self.workers.busy
        if self.database is not None:
            probes["busy database"] = lambda: self.database.busy
        self.sampler = Sampler(w, c.sample_every_ms, probes, name="sample_every_ms")
        self._simulate()

    def _processed(self, message, now: float) -> None:
        self.done[message.key] = now

    def _begin(self, i: int):
        return self._async(i) if self.queue is not None else self._sync(i)

    def _sync(self, i: int):
        """A user waits for a worker (or is refused, or gives up), then for the order."""
        c = self.config
        env = self.world.env
        workers = self.workers
        pool = workers.pool
        with pool.request() as worker:
            if not worker.triggered:  # every worker busy: wait in line, if allowed
                if c.max_waiting is not None and len(pool.queue) > c.max_waiting:
                    self._finish(i, REFUSED)  # shed at once: "busy, try again"
                    return
                if math.isinf(c.patience_ms):
                    yield worker
                else:
                    yield worker | env.timeout(c.patience_ms)
                    if not worker.triggered:
                        self._finish(i, GAVE_UP)  # leaving the block withdraws the request
                        return
            else:
                yield worker
            yield from workers.serve(i)
            self.done[i] = env.now
            self._finish(i, ACCEPTED)

    def _async(self, i: int):
        """The order is published and the user answered; the workers process it later."""
        accepted = yield from self.queue.publish(i)
        self._finish(i, ACCEPTED if accepted else REFUSED)

    def _records(self) -> dict:
        return dict(
            response_ms=np.asarray(self.finished_ms, dtype=float) - self.arrivals,
            done_ms=np.asarray(self.done, dtype=float),
            queue=self.queue.accounting() if self.queue is not None else None,
        )
