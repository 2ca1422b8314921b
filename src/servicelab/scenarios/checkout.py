"""The card's example: a checkout, run synchronously or asynchronously.

Covers: sync chains, pub/sub, common random numbers, faults, accounting.

Scenario: users place orders at random (Poisson arrivals). The Order service
takes each one with a worker and

* ``style="sync"`` — calls Payment, then Inventory, then Email (and
  Analytics if asked), each call waiting for the answer, and answers the user
  at the end: the user waits for the whole chain;
* ``style="async"`` — calls Payment (still sync: the user needs to know if it
  worked), publishes an *OrderCreated* event, and answers the user at once.
  Inventory, Email (and Analytics) each consume their own queue of the event.

A declined payment is told to the user in both styles, and nothing else
happens for that order.

The same ``seed`` gives the same arrivals and the same per-order demand at
every service in both styles (common random numbers), so a difference
between the two runs is the architecture's.

Outcomes of an order for its user: ``"completed"`` (confirmed),
``"declined"`` (payment said no), ``"failed"`` (an error, an outage or a
timeout reached the user) or ``"in flight"`` (no answer yet at the horizon).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .. import _check
from ..faults import HEALTHY
from ..latency import Latency, LogNormal
from ..messaging import Queue, Topic
from ..records import Accounting, Sampler, percentile, summarize
from ..service import MAX_WORKERS, OK, Service
from ..sync import NO_RETRY, Retry, call
from ..world import DEFAULT_MAX_EVENTS, HOUR_MS, MAX_HORIZON_MS, World
from . import _checks as checks
from ._base import FAILED, IN_FLIGHT, Checked, Result, Run, run_style, run_styles
from .arrivals import poisson_arrivals

__all__ = [
    "SERVICES",
    "DOWNSTREAM",
    "DEFAULT_LATENCY",
    "DEFAULT_WORKERS",
    "CheckoutConfig",
    "CheckoutResult",
    "Span",
    "run_checkout",
    "run_both",
]

SERVICES = ("order", "payment", "inventory", "email", "analytics")
#: the services after Payment, called in this order in the sync chain
DOWNSTREAM = ("inventory", "email", "analytics")

#: healthy latencies in ms (mean; log-normal tails)
DEFAULT_LATENCY: dict[str, Latency] = {
    "order": LogNormal(5.0, 0.25),
    "payment": LogNormal(150.0, 0.4),
    "inventory": LogNormal(60.0, 0.4),
    "email": LogNormal(100.0, 0.5),
    "analytics": LogNormal(30.0, 0.4),
}
DEFAULT_WORKERS = {"order": 20, "payment": 10, "inventory": 10, "email": 10, "analytics": 5}
DEFAULT_FAULTS = dict.fromkeys(SERVICES, HEALTHY)

#: The most orders a run takes. A healthy order needs 15–18 simulation events
#: (sync 14.7, async 15.7; with Analytics 17.6 and 18.5), so 50,000 orders fit the kit's
#: budget of 1,000,000 events (DEFAULT_MAX_EVENTS: 2–3 s of CPU); a run that
#: needs more (retries, redeliveries) is cut short at the budget and says so.
MAX_ORDERS = 50_000

COMPLETED, DECLINED = "completed", "declined"
OUTCOMES = (COMPLETED, DECLINED, FAILED, IN_FLIGHT)


@dataclass(frozen=True)
class CheckoutConfig(Checked):
    """Everything a checkout run depends on (validated on creation).

    Times in ms; ``arrival_rate`` in orders per second.
    """

    n_orders: int = 1000
    arrival_rate: float = 5.0
    latency: Mapping = field(default_factory=dict)
    workers: Mapping = field(default_factory=dict)
    faults: Mapping = field(default_factory=dict)
    decline_rate: float = 0.05
    downstream: tuple = ("inventory", "email")
    timeout_ms: float | None = None
    retry: Retry = NO_RETRY
    publish_ms: Latency | float = 2.0
    queue_capacity: int | None = None
    max_attempts: int = 5
    redelivery_ms: float = 1000.0
    drain_ms: float = 60_000.0
    horizon_ms: float | None = None
    max_events: int = DEFAULT_MAX_EVENTS
    sample_every_ms: float | None = None
    trace_orders: int = 0

    CHECKS = {
        "n_orders": checks.count(high=MAX_ORDERS),
        "arrival_rate": checks.number(low=0.0, high=100_000.0, low_open=True),
        "latency": checks.per_key(DEFAULT_LATENCY, checks.latency(), "service name"),
        "workers": checks.per_key(DEFAULT_WORKERS, checks.count(high=MAX_WORKERS), "service name"),
        "faults": checks.per_key(DEFAULT_FAULTS, checks.faults(), "service name"),
        "decline_rate": checks.probability(),
        "downstream": checks.distinct(DOWNSTREAM),
        "timeout_ms": checks.optional(checks.ms(high=HOUR_MS, low_open=True)),
        "retry": checks.instance(Retry, "a Retry policy"),
        "publish_ms": checks.latency(),
        "queue_capacity": checks.optional(checks.count(high=10_000_000)),
        "max_attempts": checks.count(high=100),
        "redelivery_ms": checks.ms(high=HOUR_MS),
        "drain_ms": checks.ms(high=10 * HOUR_MS),
        "horizon_ms": checks.optional(checks.ms(high=MAX_HORIZON_MS, low_open=True)),
        "max_events": checks.events(),
        "sample_every_ms": checks.optional(checks.ms(low=1.0)),
        "trace_orders": checks.count(low=0, high=1000),
    }


class Span(NamedTuple):
    """A stretch of time one lane (the user or a service) spent on one order.

    ``kind`` is ``"works"`` (doing the order's work), ``"waits"`` (blocked,
    waiting for an answer) or ``"queued"`` (a message waiting in a queue).
    """

    order: int
    lane: str
    start_ms: float
    end_ms: float
    kind: str


@dataclass
class CheckoutResult(Result):
    """What happened in one checkout run. Times in ms; arrays indexed by order.

    ``outcome``: "completed", "declined", "failed" or "in flight"; the success
    rate counts confirmed orders among those not declined.
    """

    OUTCOMES = OUTCOMES
    SUCCESS = COMPLETED
    NOT_ASKED = (DECLINED,)
    UNIT = "orders"

    response_ms: np.ndarray  # user's wait; nan while in flight
    reason: np.ndarray  # why it failed, e.g. "inventory down"; "" otherwise
    task_done_ms: dict[str, np.ndarray]  # when each downstream service finished its work
    queues: dict[str, Accounting]
    calls: dict[str, dict[str, int]]  # per service: requests received and failed
    spans: list[Span] = field(default_factory=list)  # the first ``trace_orders`` orders

    # -- reading the result ------------------------------------------------------
    @property
    def n_orders(self) -> int:
        """The orders of the run (its :attr:`n_requests`)."""
        return self.n_requests

    @property
    def cut_short(self) -> bool:
        """True if the run stopped with work unfinished (horizon or event budget)."""
        if self.stop_reason == "event budget":
            return True
        if self.in_flight:
            return True
        return any(
            a.parts.get("acknowledged", 0) + a.parts.get("dead-lettered", 0) < a.total
            for a in self.queues.values()
        )

    def latency(self, outcome: str | None = COMPLETED) -> np.ndarray:
        """Users' waits in ms of orders that ended with ``outcome`` (None: all answered)."""
        if outcome is None:
            return self.response_ms[~np.isnan(self.response_ms)]
        _check.choice("outcome", outcome, OUTCOMES)
        return self.response_ms[self.outcome == outcome]

    def summary(self, outcome: str | None = COMPLETED) -> dict[str, float]:
        """Count, mean, p50, p95, p99 and max of users' waits (see :meth:`latency`)."""
        return summarize(self.latency(outcome))

    def p(self, q: float, outcome: str | None = COMPLETED) -> float:
        """The q-th percentile of users' waits in ms."""
        return percentile(self.latency(outcome), q)

    def task_delay(self, service: str) -> np.ndarray:
        """For each order whose ``service`` work finished: ms from arrival to that finish."""
        _check.choice("service", service, tuple(self.task_done_ms))
        done = self.task_done_ms[service]
        mask = ~np.isnan(done)
        return done[mask] - self.arrival_ms[mask]

    def answered_before(self, service: str) -> float:
        """Share of confirmed orders whose user had an answer before ``service`` was done.

        1.0 in async (the answer is an acknowledgement); 0.0 in sync (the
        answer is the result, so the work comes first).
        """
        _check.choice("service", service, tuple(self.task_done_ms))
        done = self.outcome == COMPLETED
        if not done.any():
            return float("nan")
        answered = self.arrival_ms[done] + self.response_ms[done]
        return float(np.mean(answered < self.task_done_ms[service][done]))

    def _other_accounts(self) -> tuple[Accounting, ...]:
        return tuple(self.queues.values())

    def _headline(self) -> str:
        confirmed = self.count(COMPLETED)
        if not confirmed:  # no wait to show: say so, not "p50 nan ms"
            ended = [f"{self.count(o):,} {o}" for o in OUTCOMES[1:] if self.count(o)]
            if self.accounting.parts.get("not yet arrived"):
                ended.append(f"{self.accounting.parts['not yet arrived']:,} not arrived")
            why = f" ({', '.join(ended)})" if ended else ""
            return f"no order confirmed of {self.n_orders:,}{why}, so no user wait to show"
        s = self.summary()
        return (
            f"{confirmed:,} of {self.n_orders:,} orders confirmed "
            f"({self.success_rate():.1%} of those not declined); user wait p50 {s['p50']:.0f} ms, "
            f"p99 {s['p99']:.0f} ms"
        )


def run_checkout(
    style: str = "sync", *, seed: int = 0, config: CheckoutConfig | None = None, **options
) -> CheckoutResult:
    """Run the card's checkout in ``style`` ``"sync"`` or ``"async"``.

    Options are the fields of :class:`CheckoutConfig` (or pass ``config``).
    Example: ``run_checkout("sync", faults={"email": Faults.slow(10)})``.
    """
    return run_style(_Run, style, seed, config, options)


def run_both(*, seed: int = 0, **options) -> tuple[CheckoutResult, CheckoutResult]:
    """The same checkout (same seed, same random numbers) run sync and async."""
    return run_styles(run_checkout, CheckoutConfig, seed, options)


class _Run(Run):
    """One checkout run: builds the world, runs it, collects the result."""

    CONFIG, RESULT = CheckoutConfig, CheckoutResult

    def __init__(self, style: str, seed: int, c: CheckoutConfig):
        arrivals = poisson_arrivals(World(seed).rng("arrivals"), c.arrival_rate, c.n_orders)
        horizon = c.horizon_ms
        if horizon is None:  # the last arrival + drain_ms; a refusal names n_orders, …
            last = float(arrivals[-1])
            horizon = checks.drained_horizon(last, c.drain_ms, c.n_orders, c.arrival_rate)
        super().__init__(style, seed, c, arrivals, horizon, c.max_events)
        w = self.world
        self.services = {
            name: Service(w, name, c.latency[name], c.workers[name], c.faults[name])
            for name in ("order", "payment", *c.downstream)
        }
        self.order, self.payment = self.services["order"], self.services["payment"]
        self.declined = w.uniforms("decline")
        n = c.n_orders
        self.reason = [""] * n
        self.done = {d: [math.nan] * n for d in c.downstream}
        self.trace = c.trace_orders
        self.spans: list[Span] = []
        # traced orders: when the Order worker began (key i) and stopped (key -1-i) waiting
        self._order_waits: dict[int, float] = {}
        self.queues: dict[str, Queue] = {}
        self.topic: Topic | None = None
        if style == "async":
            self.topic = Topic(w, "order-created", c.publish_ms)
            for d in c.downstream:
                q = self.topic.subscribe(
                    d,
                    capacity=c.queue_capacity,
                    max_attempts=c.max_attempts,
                    redelivery_ms=c.redelivery_ms,
                )
                q.consume(self.services[d], on_ack=self._acker(d))
                self.queues[d] = q
        probes = {f"busy {name}": (lambda s=s: s.busy) for name, s in self.services.items()}
        probes.update({f"backlog {d}": (lambda q=q: q.backlog) for d, q in self.queues.items()})
        probes["orders in flight"] = lambda: self.counts[IN_FLIGHT]
        every = c.sample_every_ms if c.sample_every_ms is not None else max(1.0, horizon / 500)
        self.sampler = Sampler(w, every, probes, name="sample_every_ms")
        self._simulate()

    def _acker(self, service: str):
        done = self.done[service]
        trace, spans = self.trace, self.spans

        def on_ack(message, now):
            i = message.key
            done[i] = now
            if i < trace:
                spans.append(Span(i, service, message.published_ms, message.started_ms, "queued"))
                spans.append(Span(i, service, message.started_ms, now, "works"))

        return on_ack

    def _finish(self, i: int, outcome: str, reason: str = "") -> None:
        if i < self.trace:
            now = self.world.env.now
            self.spans.append(Span(i, "user", float(self.arrivals[i]), now, "waits"))
            waited_from = self._order_waits.pop(i, now)
            waited_to = self._order_waits.pop(-1 - i, now)
            self.spans.append(Span(i, "order", waited_from, waited_to, "waits"))
        self.reason[i] = reason
        super()._finish(i, outcome)

    def _begin(self, i: int):
        return self._order(i)

    def _order(self, i: int):
        """One order from arrival to the user's answer, in either style."""
        c = self.config
        env = self.world.env
        order = self.order
        traced = i < self.trace
        with order.pool.request() as worker:
            yield worker
            # the Order service's own work
            start = env.now
            if order.healthy:  # the common case, without a sub-generator
                yield order.healthy_work(i)
                outcome = OK
            else:
                outcome = yield from order.serve(i)
            if traced:
                self._order_waits[i] = env.now  # from here it waits on others
                self.spans.append(Span(i, "order", start, env.now, "works"))
            if outcome != OK:
                self._finish(i, FAILED, f"order {outcome}")
                return
            # Payment: sync in both styles, the user needs to know
            start = env.now
            paid = yield from call(self.payment, i, timeout_ms=c.timeout_ms, retry=c.retry)
            if traced:
                self.spans.append(Span(i, "payment", start, env.now, "works"))
            if not paid.ok:
                self._finish(i, FAILED, f"payment {paid.outcome}")
                return
            if self.declined[i] < c.decline_rate:
                self._finish(i, DECLINED)
                return
            if self.topic is None:
                # sync: call each downstream service in turn, waiting for each
                for d in c.downstream:
                    start = env.now
                    r = yield from call(self.services[d], i, timeout_ms=c.timeout_ms, retry=c.retry)
                    if traced:
                        self.spans.append(Span(i, d, start, env.now, "works"))
                    if not r.ok:
                        self._finish(i, FAILED, f"{d} {r.outcome}")
                        return
                    self.done[d][i] = env.now
                self._finish(i, COMPLETED)
            else:
                # async: publish OrderCreated and answer the user at once
                start = env.now
                accepted = yield from self.topic.publish(i)
                if traced:
                    self._order_waits[-1 - i] = start  # its wait on others ended here
                    self.spans.append(Span(i, "order", start, env.now, "works"))
                if accepted < len(self.queues):
                    self._finish(i, FAILED, "queue full")
                else:
                    self._finish(i, COMPLETED)

    def _records(self) -> dict:
        return dict(
            response_ms=np.asarray(self.finished_ms, dtype=float) - self.arrivals,
            reason=np.asarray(self.reason),
            task_done_ms={d: np.asarray(v, dtype=float) for d, v in self.done.items()},
            queues={d: q.accounting() for d, q in self.queues.items()},
            calls={
                n: {"received": s.received, "failed": s.failed} for n, s in self.services.items()
            },
            spans=sorted(self.spans, key=lambda s: (s.order, s.start_ms)),
        )
