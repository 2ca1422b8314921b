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
from ..faults import HEALTHY, Faults
from ..latency import Latency, LogNormal, as_latency
from ..messaging import Queue, Topic
from ..records import Accounting, Sampler, TimeSeries, percentile, summarize
from ..service import OK, Service
from ..sync import NO_RETRY, Retry, call, check_timeout
from ..world import DEFAULT_MAX_EVENTS, World

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
STYLES = ("sync", "async")

#: healthy latencies in ms (mean; log-normal tails)
DEFAULT_LATENCY: dict[str, Latency] = {
    "order": LogNormal(5.0, 0.25),
    "payment": LogNormal(150.0, 0.4),
    "inventory": LogNormal(60.0, 0.4),
    "email": LogNormal(100.0, 0.5),
    "analytics": LogNormal(30.0, 0.4),
}
DEFAULT_WORKERS = {"order": 20, "payment": 10, "inventory": 10, "email": 10, "analytics": 5}

#: a generous event budget per order: a healthy order needs about 15 simulation events
EVENTS_PER_ORDER = 60

COMPLETED, DECLINED, FAILED, IN_FLIGHT = "completed", "declined", "failed", "in flight"
OUTCOMES = (COMPLETED, DECLINED, FAILED, IN_FLIGHT)


def _merge(name: str, given, defaults: Mapping, convert) -> dict:
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ValueError(
            f"{name} = {given!r} is not allowed: {name} must be a dict from service name "
            f"({', '.join(SERVICES)}) to a value."
        )
    merged = dict(defaults)
    for service, value in given.items():
        _check.choice(f"{name} key", service, SERVICES)
        merged[service] = convert(f"{name}[{service!r}]", value)
    return merged


def _as_faults(name: str, value) -> Faults:
    if value is None:
        return HEALTHY
    if not isinstance(value, Faults):
        raise ValueError(f"{name} = {value!r} is not allowed: {name} must be a Faults object.")
    return value


@dataclass(frozen=True)
class CheckoutConfig:
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
    max_events: int | None = None  # default: enough for every order (see EVENTS_PER_ORDER)
    sample_every_ms: float | None = None
    trace_orders: int = 0

    def __post_init__(self):
        s = object.__setattr__
        s(self, "n_orders", _check.integer("n_orders", self.n_orders, low=1, high=1_000_000))
        s(
            self,
            "arrival_rate",
            _check.number(
                "arrival_rate", self.arrival_rate, low=0.0, high=100_000.0, low_open=True
            ),
        )
        s(
            self,
            "latency",
            _merge("latency", self.latency, DEFAULT_LATENCY, lambda n, v: as_latency(v, n)),
        )
        s(
            self,
            "workers",
            _merge(
                "workers",
                self.workers,
                DEFAULT_WORKERS,
                lambda n, v: _check.integer(n, v, low=1, high=10_000),
            ),
        )
        s(
            self,
            "faults",
            _merge("faults", self.faults, dict.fromkeys(SERVICES, HEALTHY), _as_faults),
        )
        s(self, "decline_rate", _check.probability("decline_rate", self.decline_rate))
        downstream = self.downstream
        if isinstance(downstream, str) or not all(isinstance(d, str) for d in downstream):
            raise ValueError(
                f"downstream = {downstream!r} is not allowed: downstream must be a tuple of "
                f"names from {DOWNSTREAM}."
            )
        downstream = tuple(downstream)
        for d in downstream:
            _check.choice("downstream entry", d, DOWNSTREAM)
        if len(set(downstream)) != len(downstream):
            raise ValueError(
                f"downstream = {downstream!r} is not allowed: "
                "downstream must be a tuple of different services."
            )
        s(self, "downstream", downstream)
        s(self, "timeout_ms", check_timeout(self.timeout_ms))
        if not isinstance(self.retry, Retry):
            raise ValueError(
                f"retry = {self.retry!r} is not allowed: retry must be a Retry policy."
            )
        s(self, "publish_ms", as_latency(self.publish_ms, "publish_ms"))
        if self.queue_capacity is not None:
            _check.integer("queue_capacity", self.queue_capacity, low=1, high=10_000_000)
        _check.integer("max_attempts", self.max_attempts, low=1, high=100)
        _check.number("redelivery_ms", self.redelivery_ms, low=0.0, high=3.6e6)
        _check.number("drain_ms", self.drain_ms, low=0.0, high=3.6e7)
        if self.horizon_ms is not None:
            _check.number(
                "horizon_ms", self.horizon_ms, low=0.0, high=30 * 24 * 3.6e6, low_open=True
            )
        if self.max_events is None:
            s(self, "max_events", max(DEFAULT_MAX_EVENTS, EVENTS_PER_ORDER * self.n_orders))
        _check.integer("max_events", self.max_events, low=1, high=10**9)
        if self.sample_every_ms is not None:
            _check.number("sample_every_ms", self.sample_every_ms, low=1.0)
        _check.integer("trace_orders", self.trace_orders, low=0, high=1000)


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
class CheckoutResult:
    """What happened in one checkout run. Times in ms; arrays indexed by order."""

    style: str
    seed: int
    config: CheckoutConfig
    arrival_ms: np.ndarray
    response_ms: np.ndarray  # user's wait; nan while in flight
    outcome: np.ndarray  # "completed", "declined", "failed" or "in flight"
    reason: np.ndarray  # why it failed, e.g. "inventory down"; "" otherwise
    task_done_ms: dict[str, np.ndarray]  # when each downstream service finished its work
    series: dict[str, TimeSeries]
    accounting: Accounting
    queues: dict[str, Accounting]
    calls: dict[str, dict[str, int]]  # per service: requests received and failed
    stop_reason: str
    events: int
    horizon_ms: float
    spans: list[Span] = field(default_factory=list)  # the first ``trace_orders`` orders

    # -- reading the result ------------------------------------------------------
    @property
    def n_orders(self) -> int:
        return int(self.arrival_ms.size)

    def count(self, outcome: str) -> int:
        """How many orders ended with ``outcome``."""
        _check.choice("outcome", outcome, OUTCOMES)
        return int(np.count_nonzero(self.outcome == outcome))

    @property
    def in_flight(self) -> int:
        return self.count(IN_FLIGHT)

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

    @property
    def success_rate(self) -> float:
        """Confirmed orders among those not declined (1.0 = every user served)."""
        asked = self.n_orders - self.count(DECLINED)
        return self.count(COMPLETED) / asked if asked else float("nan")

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

    @property
    def balanced(self) -> bool:
        """Every order and every message is accounted for exactly once."""
        return self.accounting.balanced and all(a.balanced for a in self.queues.values())

    def describe(self) -> str:
        """One line with the key numbers."""
        s = self.summary()
        return (
            f"{self.style}: {self.count(COMPLETED):,} of {self.n_orders:,} orders confirmed "
            f"({self.success_rate:.1%} of those not declined); user wait p50 {s['p50']:.0f} ms, "
            f"p99 {s['p99']:.0f} ms"
        )


def run_checkout(
    style: str = "sync", *, seed: int = 0, config: CheckoutConfig | None = None, **options
) -> CheckoutResult:
    """Run the card's checkout in ``style`` ``"sync"`` or ``"async"``.

    Options are the fields of :class:`CheckoutConfig` (or pass ``config``).
    Example: ``run_checkout("sync", faults={"email": Faults.slow(10)})``.
    """
    _check.choice("style", style, STYLES)
    if config is None:
        config = CheckoutConfig(**options)
    elif options:
        raise ValueError(
            f"options = {sorted(options)!r} is not allowed together with config: "
            "give either a CheckoutConfig or options, not both."
        )
    elif not isinstance(config, CheckoutConfig):
        raise ValueError(f"config = {config!r} is not allowed: config must be a CheckoutConfig.")
    return _Run(style, seed, config).result()


def run_both(*, seed: int = 0, **options) -> tuple[CheckoutResult, CheckoutResult]:
    """The same checkout (same seed, same random numbers) run sync and async."""
    config = CheckoutConfig(**options)
    return run_checkout("sync", seed=seed, config=config), run_checkout(
        "async", seed=seed, config=config
    )


class _Run:
    """One checkout run: builds the world, runs it, collects the result."""

    def __init__(self, style: str, seed: int, config: CheckoutConfig):
        self.style = style
        self.seed = _check.integer("seed", seed, low=0)
        self.config = c = config
        probe = World(self.seed)
        gaps = probe.rng("arrivals").exponential(1000.0 / c.arrival_rate, c.n_orders)
        self.arrivals = np.cumsum(gaps)
        horizon = (
            c.horizon_ms if c.horizon_ms is not None else float(self.arrivals[-1]) + c.drain_ms
        )
        self.world = w = World(self.seed, horizon, c.max_events)
        self.services = {
            name: Service(w, name, c.latency[name], c.workers[name], c.faults[name])
            for name in ("order", "payment", *c.downstream)
        }
        self.order, self.payment = self.services["order"], self.services["payment"]
        self.declined = w.uniforms("decline")
        n = c.n_orders
        self.response = [math.nan] * n
        self.outcome = [""] * n
        self.reason = [""] * n
        self.done = {d: [math.nan] * n for d in c.downstream}
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.arrived = 0
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
        self.sampler = Sampler(w, every, probes)
        w.process(self._arrive())
        w.run()

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
        self.outcome[i] = outcome
        self.reason[i] = reason
        self.response[i] = self.world.env.now - self.arrivals[i]
        self.counts[outcome] += 1
        self.counts[IN_FLIGHT] -= 1

    def _arrive(self):
        env = self.world.env
        order = self._order
        for i, t in enumerate(self.arrivals.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            self.arrived += 1
            self.outcome[i] = IN_FLIGHT
            self.counts[IN_FLIGHT] += 1
            env.process(order(i))

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
            if order.faults is HEALTHY:  # the common case, without a sub-generator
                order.received += 1
                yield env.timeout(order.demand(i))
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

    def result(self) -> CheckoutResult:
        c = self.config
        w = self.world
        counts = dict(self.counts)
        not_arrived = c.n_orders - self.arrived
        parts = {k: counts[k] for k in OUTCOMES}
        if not_arrived:
            parts["not yet arrived"] = not_arrived
        return CheckoutResult(
            style=self.style,
            seed=self.seed,
            config=c,
            arrival_ms=self.arrivals,
            response_ms=np.asarray(self.response, dtype=float),
            outcome=np.asarray([o or "not arrived" for o in self.outcome]),
            reason=np.asarray(self.reason),
            task_done_ms={d: np.asarray(v, dtype=float) for d, v in self.done.items()},
            series=self.sampler.series(),
            accounting=Accounting("orders", c.n_orders, parts),
            queues={d: q.accounting() for d, q in self.queues.items()},
            calls={
                n: {"received": s.received, "failed": s.failed} for n, s in self.services.items()
            },
            stop_reason=w.stop_reason,
            events=w.events,
            horizon_ms=w.horizon_ms,
            spans=sorted(self.spans, key=lambda s: (s.order, s.start_ms)),
        )
