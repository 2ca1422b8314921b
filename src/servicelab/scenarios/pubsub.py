"""One OrderCreated event, many subscribers: a sync fan-out against pub/sub.

Covers: fan-out, publish/subscribe, tight vs loose coupling, a slow or
failing subscriber, late subscribers, correlation ids, common random numbers.

Scenario: users place orders at random (Poisson arrivals). The Order service
takes each one with a worker, does its own work, and then tells every
service that cares about a new order, its *subscribers* (Inventory, Email,
Analytics by default; Loyalty, Recommendations and Search can be added):

* ``style="sync"`` — the Order service calls each subscriber and waits for
  its answer, one after the other (``parallel=False``) or all at once
  (``parallel=True``, waiting for the slowest); a call may have a timeout
  (``timeouts``: ``"auto"`` gives each its healthy p99.99 rounded up to the
  next 100 ms, as the checkout's sync done well does). A failed call (an
  error, a timeout) fails the order, unless its subscriber is
  ``best_effort``. The user waits for all of it;
* ``style="async"`` — the Order service publishes one *OrderCreated* event to
  a topic and answers the user; every subscriber has a queue of its own and
  works through it at its pace, retrying a failed message (``max_attempts``
  tries, ``redelivery_ms`` apart).

Each subscriber answers ``availability`` of its requests without an error (a
failed try in async is redelivered). ``joins_ms`` adds a subscriber later in
the run: in sync, a new version of the Order service that calls it from
then on; in pub/sub, a new subscriber that gets the events published after
it subscribed, and none of those before (it *missed* them).

Every event carries its order's number, the *correlation id*: the run keeps,
per subscriber, when each order's work started and was done, so one order
can be traced across services (``received_ms``, ``delivered_ms``).

The same ``seed`` gives the same arrivals and the same per-order work and
errors at every service in every design, whichever subscribers there are
(each service draws from streams of its own name): common random numbers.
So adding a subscriber leaves everything else's random numbers as they were.
The result and its readings: :mod:`.pubsub_result`; why each order ended as it
did, and the run as a flow map draws it: :mod:`.pubsub_story`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..faults import HEALTHY, Faults
from ..latency import Latency, LogNormal
from ..messaging import Topic
from ..records import Sampler
from ..service import MAX_WORKERS, Service
from ..sync import NO_RETRY
from ..world import DEFAULT_MAX_EVENTS, HOUR_MS, World
from . import _checks as checks
from ._base import FAILED, Checked, Run, run_style
from .arrivals import poisson_arrivals
from .checkout_calls import SyncCalls
from .flow import flow_probes
from .pubsub_result import CONFIRMED, PubSubResult

__all__ = [
    "SUBSCRIBERS",
    "DEFAULT_SUBSCRIBERS",
    "CONFIRMED",
    "DESIGNS",
    "MAX_ORDERS",
    "ORDER_LATENCY",
    "ORDER_WORKERS",
    "WORKERS",
    "PubSubConfig",
    "PubSubResult",
    "auto_timeout",
    "run_pubsub",
    "run_designs",
]

#: every service that may subscribe to OrderCreated, in the order they are added, with its
#: healthy latency (mean ms, log-normal tails) and its workers
SUBSCRIBERS: dict[str, Latency] = {
    "inventory": LogNormal(60.0, 0.4),
    "email": LogNormal(100.0, 0.5),
    "analytics": LogNormal(30.0, 0.4),
    "loyalty": LogNormal(50.0, 0.4),
    "recommendations": LogNormal(80.0, 0.5),
    "search": LogNormal(40.0, 0.4),
}
#: a new service starts small: Loyalty has 2 workers (40 orders/s when healthy)
WORKERS = {
    "inventory": 10,
    "email": 10,
    "analytics": 5,
    "loyalty": 2,
    "recommendations": 5,
    "search": 5,
}
DEFAULT_SUBSCRIBERS = ("inventory", "email", "analytics")
ORDER_LATENCY, ORDER_WORKERS = LogNormal(5.0, 0.25), 20
#: at most this many orders a run (an order with six subscribers needs ~40 events)
MAX_ORDERS = 20_000

#: the lesson's three designs: name → (style, options)
DESIGNS: dict[str, tuple[str, dict]] = {
    "sync, one by one": ("sync", {}),
    "sync, in parallel with timeouts": ("sync", {"parallel": True, "timeouts": "auto"}),
    "pub/sub": ("async", {}),
}


def auto_timeout(latency: Latency) -> float:
    """A call's timeout for a service of ``latency``: its p99.99 rounded up to the next 100 ms."""
    return float(math.ceil(latency.quantile(0.9999) / 100.0) * 100.0)


def _timeouts(name: str, value):
    if value is None or value == "auto":
        return value
    if not isinstance(value, Mapping):
        raise checks.refuse(
            f"{name} = {value!r} is not allowed: {name} must be None, 'auto' or a dict from "
            "subscriber name to ms."
        )
    return checks.per_key(dict.fromkeys(SUBSCRIBERS), checks.ms(low=1.0, high=HOUR_MS), "name")(
        name, value
    )


@dataclass(frozen=True)
class PubSubConfig(Checked):
    """Everything a fan-out run depends on (validated on creation). Times in ms."""

    n_orders: int = 1000
    arrival_rate: float = 5.0
    subscribers: tuple = DEFAULT_SUBSCRIBERS
    availability: float = 0.995
    latency: Mapping = field(default_factory=dict)
    workers: Mapping = field(default_factory=dict)
    faults: Mapping = field(default_factory=dict)
    joins_ms: Mapping = field(default_factory=dict)
    parallel: bool = False
    timeouts: object = None
    best_effort: tuple = ()
    publish_ms: Latency | float = 2.0
    max_attempts: int = 5
    redelivery_ms: float = 1000.0
    drain_ms: float = 60_000.0
    sample_every_ms: float = 1000.0
    max_events: int = DEFAULT_MAX_EVENTS

    CHECKS = {
        "n_orders": checks.count(high=MAX_ORDERS),
        "arrival_rate": checks.number(low=0.0, high=1000.0, low_open=True),
        "subscribers": checks.distinct(tuple(SUBSCRIBERS)),
        "availability": checks.number(low=0.5, high=1.0),
        "latency": checks.per_key(SUBSCRIBERS, checks.latency(positive=True), "subscriber name"),
        "workers": checks.per_key(WORKERS, checks.count(high=MAX_WORKERS), "subscriber name"),
        "faults": checks.per_key(dict.fromkeys(SUBSCRIBERS, HEALTHY), checks.faults(), "name"),
        "joins_ms": checks.per_key(dict.fromkeys(SUBSCRIBERS, 0.0), checks.ms(), "name"),
        "parallel": lambda name, value: checks.instance(bool, "True or False")(name, value),
        "timeouts": _timeouts,
        "best_effort": checks.distinct(tuple(SUBSCRIBERS)),
        "publish_ms": checks.latency(),
        "max_attempts": checks.count(high=100),
        "redelivery_ms": checks.ms(high=HOUR_MS),
        "drain_ms": checks.ms(high=10 * HOUR_MS),
        "sample_every_ms": checks.ms(low=10.0, high=HOUR_MS),
        "max_events": checks.events(),
    }

    def check(self) -> None:
        span_ms = 1000.0 * self.n_orders / self.arrival_rate + self.drain_ms
        checks.few_samples("sample_every_ms", self.sample_every_ms, 3 * span_ms, per=1)

    def timeout(self, name: str) -> float | None:
        """The timeout of a sync call to ``name`` (None: it waits as long as it takes)."""
        if self.timeouts is None:
            return None
        if self.timeouts == "auto":
            return auto_timeout(self.latency[name])
        return self.timeouts[name]

    def service_faults(self, name: str) -> Faults:
        """What goes wrong at ``name``: its errors (1 − availability) and its own faults."""
        return Faults.flaky(1.0 - self.availability) + self.faults[name]


def run_pubsub(
    style: str = "async", *, seed: int = 0, config: PubSubConfig | None = None, **options
) -> PubSubResult:
    """Run the fan-out in ``style`` ``"sync"`` or ``"async"`` (pub/sub).

    Options are the fields of :class:`PubSubConfig` (or pass ``config``).
    Example: ``run_pubsub("sync", subscribers=("inventory", "email", "analytics", "loyalty"))``.
    """
    return run_style(_Run, style, seed, config, options)


def run_designs(*, seed: int = 0, **options) -> dict[str, PubSubResult]:
    """The same orders run by each of :data:`DESIGNS`, by name (options as for :func:`run_pubsub`).

    Options may not set ``parallel`` or ``timeouts``: the designs set them.
    """
    for name in ("parallel", "timeouts"):
        if name in options:
            raise checks.refuse(f"{name} is not allowed here: run_designs sets it for each design.")
    return {
        name: run_pubsub(style, seed=seed, **{**options, **extra})
        for name, (style, extra) in DESIGNS.items()
    }


class _Run(Run):
    """One fan-out run: builds the world, runs it, collects the result."""

    CONFIG, RESULT = PubSubConfig, PubSubResult

    def __init__(self, style: str, seed: int, c: PubSubConfig):
        arrivals = poisson_arrivals(World(seed).rng("arrivals"), c.arrival_rate, c.n_orders)
        horizon = checks.drained_horizon(
            float(arrivals[-1]), c.drain_ms, c.n_orders, c.arrival_rate
        )
        super().__init__(style, seed, c, arrivals, horizon, c.max_events)
        w = self.world
        n = c.n_orders
        self.order = Service(w, "order", ORDER_LATENCY, ORDER_WORKERS)
        self.services = {
            s: Service(w, s, c.latency[s], c.workers[s], c.service_faults(s)) for s in c.subscribers
        }
        self.joined = {s: min(c.joins_ms[s], horizon) for s in c.subscribers}
        self.received = {s: [math.nan] * n for s in c.subscribers}
        self.done = {s: [math.nan] * n for s in c.subscribers}
        self.tries = {s: [0] * n for s in c.subscribers}  # pub/sub: tries to ack or dead letter
        self.reason = [""] * n
        self.published = [math.nan] * n
        self.topic: Topic | None = None
        self._calls: dict[tuple[str, ...], SyncCalls] = {}
        # busy and waiting for a worker, per service: what the flow map shows (.pubsub_story)
        probes = flow_probes({"order": self.order, **self.services}, {})
        if style == "async":
            self.topic = Topic(w, "order-created", c.publish_ms)
            for s in c.subscribers:
                if self.joined[s] <= 0:
                    self._subscribe(s)
                else:
                    w.process(self._join_later(s))
            probes.update({f"backlog {s}": self._backlog(s) for s in c.subscribers})
            probes.update({f"dead {s}": self._dead(s) for s in c.subscribers})
        self.sampler = Sampler(w, c.sample_every_ms, probes, name="sample_every_ms")
        self._simulate()

    # -- pub/sub -------------------------------------------------------------------------
    def _subscribe(self, s: str) -> None:
        c = self.config
        q = self.topic.subscribe(s, max_attempts=c.max_attempts, redelivery_ms=c.redelivery_ms)
        received, done, tries = self.received[s], self.done[s], self.tries[s]

        def on_ack(message, now):
            received[message.key] = message.started_ms
            done[message.key] = now
            tries[message.key] = message.attempts + 1

        def on_dead_letter(message, now):
            tries[message.key] = message.attempts

        q.consume(self.services[s], on_ack=on_ack, on_dead_letter=on_dead_letter)

    def _join_later(self, s: str):
        yield self.world.env.timeout(self.joined[s])
        self._subscribe(s)

    def _backlog(self, s: str):
        queues = self.topic.queues
        return lambda: queues[s].backlog if s in queues else 0

    def _dead(self, s: str):
        queues = self.topic.queues
        return lambda: len(queues[s].dead_letters) if s in queues else 0

    # -- sync: the calls of the subscribers joined by now ------------------------------------
    def _sync_calls(self) -> SyncCalls:
        now = self.world.env.now
        called = tuple(s for s in self.config.subscribers if self.joined[s] <= now)
        calls = self._calls.get(called)
        if calls is None:
            c = self.config
            self._calls[called] = calls = SyncCalls(
                self.world.env,
                self.services,
                called,
                timeouts={s: c.timeout(s) for s in called},
                retry=NO_RETRY,
                breakers={},
                best_effort=tuple(s for s in c.best_effort if s in called),
                parallel=c.parallel,
                done=self.done,
                gave_up={s: [False] * c.n_orders for s in called},
                spans=[],
                trace=0,
            )
        return calls

    def _begin(self, i: int):
        env = self.world.env
        order = self.order
        with order.pool.request() as worker:
            yield worker
            yield order.healthy_work(i)
            self.published[i] = env.now
            if self.topic is not None:
                accepted = yield from self.topic.publish(i)
                if accepted < len(self.topic.queues):
                    self._finish(i, FAILED, "broker down")
                else:
                    self._finish(i, CONFIRMED)
                return
            calls = self._sync_calls()
            if calls.downstream:
                why = yield from calls.run(i)
            else:
                why = ""
            self._finish(i, FAILED if why else CONFIRMED, why)

    def _finish(self, i: int, outcome: str, reason: str = "") -> None:
        self.reason[i] = reason
        super()._finish(i, outcome)

    def _records(self) -> dict:
        queues = {} if self.topic is None else self.topic.queues
        published = np.asarray(self.published, dtype=float)
        answered = published[~np.isnan(published)]
        return dict(
            response_ms=np.asarray(self.finished_ms, dtype=float) - self.arrivals,
            reason=np.asarray(self.reason),
            published_ms=published,
            received_ms={s: np.asarray(v, dtype=float) for s, v in self.received.items()},
            delivered_ms={s: np.asarray(v, dtype=float) for s, v in self.done.items()},
            joined_ms=dict(self.joined),
            missed={s: int(np.count_nonzero(answered < t)) for s, t in self.joined.items()},
            calls={s: v.received for s, v in self.services.items()},
            queues={s: q.accounting() for s, q in queues.items()},
            tries={s: np.asarray(v, dtype=int) for s, v in self.tries.items()},
            dead_keys={s: np.asarray([m.key for m in q.dead_letters]) for s, q in queues.items()},
        )
