"""The last items: a sale of a few items, checked against a stale view or reserved in sync.

Covers: eventual consistency, overselling, sync reservation ("operations
requiring immediate confirmation"), read-your-writes by a pending state,
compensation (apologise and refund), availability coupling.

Scenario: ``items`` items are in stock. Buyers arrive at random (Poisson),
``buyer_rate`` per second for ``duration_ms``, each wanting one item.
Inventory applies one reservation at a time per worker (``consumers`` workers,
``update_ms`` each); an outage (``down_start_ms``, ``down_ms``) takes it down.

* ``style="sync"`` — **reserve synchronously**: the buyer's request calls
  Inventory and waits; Inventory reserves an item ("bought") or answers
  "sold out". Nothing is ever oversold, but every buyer waits for Inventory,
  and while it is down every buyer fails ("failed": try again later). Once
  the last item is sold, the shop's view says so and buyers hear "sold out"
  at once, without a call.
* ``style="async"`` — the shop checks the stock it can read *now*: a **view**
  that counts only the reservations Inventory has applied. If the view shows
  an item, the order is published to Inventory's queue and the buyer answered
  at once; if it shows none, "sold out" at once. Inventory applies the
  orders later, in turn; an order that finds no item left was **oversold**.
  What the buyer is told depends on ``remedy``:

  - ``"none"`` — "confirmed" at once; an oversold buyer keeps a promise that
    cannot be kept (``"oversold"``);
  - ``"pending"`` — read-your-writes: "pending" at once (the buyer sees their
    order, not yet a promise), then "bought" or "sold out" when Inventory has
    applied it; nothing is promised that is not there;
  - ``"compensate"`` — "confirmed" at once; an oversold order is refunded with
    an apology when Inventory finds no item (``"refunded"``).

The same ``seed`` gives the same buyers and the same work per reservation in
both styles (common random numbers).

Outcomes: ``"bought"``, ``"sold out"``, ``"oversold"``, ``"refunded"``,
``"confirmed"`` or ``"pending"`` (answered, not yet applied at the end of the
run), ``"failed"`` (sync, Inventory down) and ``"in flight"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _check
from ..faults import HEALTHY, Faults
from ..latency import Exponential, Latency
from ..messaging import Queue
from ..records import Accounting, Sampler
from ..service import MAX_WORKERS, Service
from ..sync import call
from ..world import DEFAULT_MAX_EVENTS, HOUR_MS, World
from . import _checks as checks
from ._base import FAILED, IN_FLIGHT, Checked, Result, Run, run_style, run_styles
from .arrivals import poisson_times
from .flow import flow_probes
from .last_items_story import LastItemsStory

__all__ = [
    "REMEDIES",
    "BOUGHT",
    "SOLD_OUT",
    "OVERSOLD",
    "REFUNDED",
    "CONFIRMED",
    "PENDING",
    "LastItemsConfig",
    "LastItemsResult",
    "run_last_items",
    "run_last_items_both",
]

#: what async tells a buyer the view lets through (see the module's docstring)
REMEDIES = ("none", "pending", "compensate")
BOUGHT, SOLD_OUT, OVERSOLD, REFUNDED = "bought", "sold out", "oversold", "refunded"
CONFIRMED, PENDING = "confirmed", "pending"
OUTCOMES = (BOUGHT, SOLD_OUT, OVERSOLD, REFUNDED, CONFIRMED, PENDING, FAILED, IN_FLIGHT)
#: at most this many buyers a run (a buyer needs under 10 events: well within the budget)
MAX_BUYERS = 50_000


@dataclass(frozen=True)
class LastItemsConfig(Checked):
    """Everything a last-items run depends on (validated on creation).

    Times in ms, ``buyer_rate`` in buyers per second. The defaults: 50 items,
    30 buyers a second for 10 s (about 300 buyers), one Inventory worker at
    45 ms a reservation (about 22 a second: fewer than the buyers).
    """

    items: int = 50
    buyer_rate: float = 30.0
    duration_ms: float = 10_000.0
    consumers: int = 1
    update_ms: Latency | float = Exponential(45.0)
    remedy: str = "none"
    publish_ms: Latency | float = 2.0
    down_start_ms: float = 0.0
    down_ms: float = 0.0
    drain_ms: float = 60_000.0
    sample_every_ms: float = 100.0
    max_events: int = DEFAULT_MAX_EVENTS

    CHECKS = {
        "items": checks.count(low=0, high=1_000_000),
        "buyer_rate": checks.number(low=0.0, high=10_000.0, low_open=True),
        "duration_ms": checks.ms(high=10 * HOUR_MS, low_open=True),
        "consumers": checks.count(high=MAX_WORKERS),
        "update_ms": checks.latency(positive=True),
        "remedy": lambda name, value: _check.choice(name, value, REMEDIES),
        "publish_ms": checks.latency(),
        "down_start_ms": checks.ms(high=10 * HOUR_MS),
        "down_ms": checks.ms(high=10 * HOUR_MS),
        "drain_ms": checks.ms(high=10 * HOUR_MS),
        "sample_every_ms": checks.ms(low=10.0, high=HOUR_MS),
        "max_events": checks.events(),
    }

    def check(self):
        n = self.buyer_rate * self.duration_ms / 1000
        if n > MAX_BUYERS:
            raise checks.refuse(
                f"duration_ms = {self.duration_ms:.15g} is not allowed with buyer_rate = "
                f"{self.buyer_rate:g}: the run expects ~{n:,.0f} buyers; buyer_rate × duration "
                f"must be ≤ {MAX_BUYERS:,} buyers (rate per second, duration in seconds)."
            )
        run_ms = self.duration_ms + self.drain_ms
        checks.few_samples(
            "sample_every_ms", self.sample_every_ms, run_ms, how=" (duration + drain)"
        )

    @property
    def capacity(self) -> float:
        """Reservations per second Inventory applies when busy: consumers × 1000 / update_ms."""
        return self.consumers * 1000.0 / self.update_ms.mean_ms

    @property
    def faults(self) -> Faults:
        """Inventory's outage as a fault schedule (healthy without one)."""
        if self.down_ms == 0:
            return HEALTHY
        return Faults.outage(self.down_start_ms, self.down_ms)


@dataclass
class LastItemsResult(LastItemsStory, Result):
    """What happened in one last-items run. Times in ms; arrays indexed by buyer.

    ``told``: the buyer's first answer ("confirmed", "pending", "sold out",
    "failed"; "" if none yet). ``applied_ms``: when Inventory applied the
    buyer's reservation (nan if it never did). ``series``: "view" (the stock
    the shop reads), "stock" (Inventory's own count) and the flow map's
    (:func:`~.flow.flow_probes`), sampled. Causes and the flow: :mod:`.last_items_story`.
    """

    OUTCOMES = OUTCOMES
    SUCCESS = BOUGHT
    UNIT = "buyers"

    response_ms: np.ndarray  # the buyer's wait for a first answer; nan while in flight
    told: np.ndarray
    applied_ms: np.ndarray
    queue: Accounting | None

    @property
    def n_buyers(self) -> int:
        return self.n_requests

    @property
    def sold(self) -> int:
        """Items handed to buyers: never more than the stock."""
        return self.count(BOUGHT)

    @property
    def oversold(self) -> int:
        """Buyers promised an item ("confirmed") that was not there when Inventory applied it."""
        return self.count(OVERSOLD) + self.count(REFUNDED)

    @property
    def apologies(self) -> int:
        """Oversold buyers refunded with an apology (``remedy="compensate"``)."""
        return self.count(REFUNDED)

    def told_count(self, told: str) -> int:
        """How many buyers were first told ``told``."""
        return int(np.count_nonzero(self.told == told))

    def _since_answer(self, mask: np.ndarray) -> np.ndarray:
        return self.applied_ms[mask] - (self.arrival_ms[mask] + self.response_ms[mask])

    def apology_ms(self) -> np.ndarray:
        """For each refunded buyer: ms from their "confirmed" until the apology."""
        return self._since_answer(self.outcome == REFUNDED)

    def pending_ms(self) -> np.ndarray:
        """For each buyer told "pending" and then answered: how long they saw "pending" (ms)."""
        mask = (self.told == PENDING) & ~np.isnan(self.applied_ms)
        return self._since_answer(mask)

    def answered_ms(self) -> np.ndarray:
        """Each answered buyer's wait for the first answer (ms)."""
        return self.response_ms[~np.isnan(self.response_ms)]

    def item_wait_ms(self) -> np.ndarray:
        """For each buyer who got an item: their wait for the first answer (ms).

        Sync: the wait for the reservation; async: the publish only.
        """
        return self.response_ms[self.outcome == BOUGHT]

    def _other_accounts(self) -> tuple[Accounting, ...]:
        return () if self.queue is None else (self.queue,)

    @property
    def label(self) -> str:
        if self.style == "sync":
            return "sync reservation"
        return {"none": "async", "pending": "async, pending", "compensate": "async, compensate"}[
            self.config.remedy
        ]

    def _headline(self) -> str:
        c = self.config
        text = f"{self.sold:,} of {c.items:,} items sold to {self.n_buyers:,} buyers"
        if self.oversold:
            text += f", {self.oversold:,} oversold"
            if self.apologies:
                text += f" ({self.apologies:,} refunded with an apology)"
        else:
            text += ", none oversold"
        if self.count(FAILED):
            text += f", {self.count(FAILED):,} failed (Inventory down)"
        waits = self.item_wait_ms()
        if waits.size:
            text += f"; buyers of an item waited p50 {np.percentile(waits, 50):,.0f} ms"
        pending = self.pending_ms()
        if pending.size:
            text += (
                f"; {self.told_count(PENDING):,} saw “pending” for p50 "
                f"{np.percentile(pending, 50):,.0f} ms"
            )
        sorry = self.apology_ms()
        if sorry.size:
            text += f"; apologies p50 {np.percentile(sorry, 50):,.0f} ms after “confirmed”"
        return text


def run_last_items(
    style: str = "async", *, seed: int = 0, config: LastItemsConfig | None = None, **options
) -> LastItemsResult:
    """Run the last-items sale in ``style`` ``"sync"`` (reserve) or ``"async"`` (a stale view).

    Options are the fields of :class:`LastItemsConfig` (or pass ``config``).
    Example: ``run_last_items("async", items=20, remedy="compensate")``.
    """
    return run_style(_Run, style, seed, config, options)


def run_last_items_both(*, seed: int = 0, **options) -> tuple[LastItemsResult, LastItemsResult]:
    """The same buyers (same seed, same random numbers) served sync and async."""
    return run_styles(run_last_items, LastItemsConfig, seed, options)


class _Run(Run):
    """One run: Inventory, its stock and the view the shop reads."""

    CONFIG, RESULT = LastItemsConfig, LastItemsResult

    def __init__(self, style: str, seed: int, c: LastItemsConfig):
        arrivals = poisson_times(World(seed).rng("arrivals"), c.buyer_rate, c.duration_ms)
        super().__init__(style, seed, c, arrivals, c.duration_ms + c.drain_ms, c.max_events)
        w = self.world
        self.inventory = Service(w, "inventory", c.update_ms, c.consumers, c.faults)
        self.stock = c.items  # Inventory's own count: the truth
        self.view = c.items  # what the shop reads: the stock as of the updates applied
        n = arrivals.size
        self.told = [""] * n
        self.applied = [math.nan] * n
        self.queue: Queue | None = None
        if style == "async":
            self.queue = Queue(w, "reservations", publish_latency=c.publish_ms)
            self.queue.consume(self.inventory, on_ack=self._applied)
        probes = {"view": lambda: self.view, "stock": lambda: self.stock}
        queues = {} if self.queue is None else {"inventory": self.queue}
        probes.update(flow_probes({"inventory": self.inventory}, queues))
        self.sampler = Sampler(w, c.sample_every_ms, probes, name="sample_every_ms")
        self._simulate()

    def _reserve(self, i: int) -> bool:
        """Inventory applies buyer ``i``'s reservation now: True if an item was left."""
        self.applied[i] = self.world.env.now
        if self.stock > 0:
            self.stock -= 1
            self.view = self.stock  # the view catches up with every update applied
            return True
        return False

    def _revise(self, i: int, outcome: str) -> None:
        """Buyer ``i`` already had an answer; its outcome becomes ``outcome``."""
        self.counts[self.outcome[i]] -= 1
        self.counts[outcome] += 1
        self.outcome[i] = outcome

    def _begin(self, i: int):
        return self._reserve_sync(i) if self.queue is None else self._order(i)

    def _reserve_sync(self, i: int):
        """The buyer waits while Inventory reserves an item, or says sold out (or is down).

        The shop reads its view first, as in async: once Inventory has sold the
        last item, buyers hear "sold out" at once, without a call.
        """
        if self.view <= 0:
            self.told[i] = SOLD_OUT
            self._finish(i, SOLD_OUT)
            return
        r = yield from call(self.inventory, i)
        if not r.ok:
            self.told[i] = FAILED
            self._finish(i, FAILED)
            return
        got = self._reserve(i)
        self.told[i] = BOUGHT if got else SOLD_OUT
        self._finish(i, BOUGHT if got else SOLD_OUT)

    def _order(self, i: int):
        """The shop reads its view: sold out at once, or the order goes to Inventory's queue."""
        if self.view <= 0:
            self.told[i] = SOLD_OUT
            self._finish(i, SOLD_OUT)
            return
        yield from self.queue.publish(i)  # unbounded: always accepted
        first = PENDING if self.config.remedy == "pending" else CONFIRMED
        self.told[i] = first
        self._finish(i, first)

    def _applied(self, message, now: float) -> None:
        i = message.key
        got = self._reserve(i)
        if self.outcome[i] == IN_FLIGHT:  # applied before the publisher resumed: answer first
            self.told[i] = PENDING if self.config.remedy == "pending" else CONFIRMED
            self._finish(i, self.told[i])
        if got:
            self._revise(i, BOUGHT)
        elif self.config.remedy == "none":
            self._revise(i, OVERSOLD)
        elif self.config.remedy == "compensate":
            self._revise(i, REFUNDED)
        else:
            self._revise(i, SOLD_OUT)

    def _records(self) -> dict:
        return dict(
            response_ms=np.asarray(self.finished_ms, dtype=float) - self.arrivals,
            told=np.asarray(self.told),
            applied_ms=np.asarray(self.applied, dtype=float),
            queue=self.queue.accounting() if self.queue is not None else None,
        )
