"""What a checkout run depends on: its services, their defaults, :class:`CheckoutConfig`,
and the preset :data:`SYNC_DONE_WELL`.

Every field is checked once, in ``CHECKS`` (see :mod:`._base`); a bad value
raises the kit's sentence naming the field, the value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .. import _check
from ..breaker import CircuitBreaker
from ..faults import HEALTHY, Faults
from ..latency import Latency, LogNormal
from ..service import MAX_WORKERS
from ..sync import NO_RETRY, Retry
from ..world import DEFAULT_MAX_EVENTS, HOUR_MS, MAX_HORIZON_MS
from . import _checks as checks
from ._base import Checked

__all__ = [
    "SERVICES",
    "DOWNSTREAM",
    "CALLED",
    "DEFAULT_LATENCY",
    "DEFAULT_WORKERS",
    "DEFAULT_FAULTS",
    "MAX_ORDERS",
    "SYNC_DONE_WELL",
    "CheckoutConfig",
]

SERVICES = ("order", "payment", "inventory", "email", "analytics")
#: the services after Payment, called in this order in the sync chain
DOWNSTREAM = ("inventory", "email", "analytics")
#: the services the Order service calls (each may have its own timeout)
CALLED = ("payment", *DOWNSTREAM)

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
#: needs more (retries, redeliveries) is cut short at the budget and says so. A call
#: with a timeout races its answer against a timer (4 events more a call), so sync
#: done well needs about 31 events an order and fits some 30,000 orders; Payment
#: async needs 18.5.
MAX_ORDERS = 50_000

#: Sync done well: ``run_checkout("sync", **SYNC_DONE_WELL)``. The calls after Payment
#: go out at once; Email and Analytics are best-effort; each call's timeout is its
#: service's healthy p99.99 rounded up to the next 100 ms (Payment 613 → 700 ms,
#: Inventory 245 → 300, Email 567 → 600, Analytics 123 → 200), so a healthy run times
#: out fewer than 1 call in 10,000; each called service has a circuit breaker that
#: opens after 5 failures in a row (at 1 % of calls failing, once in 10¹⁰) and lets
#: a trial call through after 1 s.
SYNC_DONE_WELL: Mapping = MappingProxyType(
    dict(
        parallel=True,
        best_effort=("email", "analytics"),
        timeouts=MappingProxyType(
            {"payment": 700.0, "inventory": 300.0, "email": 600.0, "analytics": 200.0}
        ),
        breaker=CircuitBreaker(failures=5, open_ms=1000.0),
    )
)


@dataclass(frozen=True)
class CheckoutConfig(Checked):
    """Everything a checkout run depends on (validated on creation).

    Times in ms; ``arrival_rate`` in orders per second. ``timeouts`` sets a
    service's own timeout (a service not named, or None, uses ``timeout_ms``);
    ``parallel``, ``best_effort`` and a breaker (one per called service) shape
    the sync calls (:mod:`.checkout_calls`); ``idempotent`` names services
    whose requests carry an idempotency key. In async, ``parallel``,
    ``best_effort`` and the downstream timeouts are ignored (consumers work
    in parallel, off the user's path, anyway): Payment's timeout and breaker
    still apply. ``async_payment`` (async only) puts Payment behind a queue
    too; then no call is sync, and timeouts, retries and breakers do nothing.
    ``broker`` takes the message broker down (outage windows only, e.g.
    ``Faults.outage(200_000, 60_000)``): an async publish then fails at once,
    and the order with it (reason ``"broker down"``); sync uses no broker.
    """

    n_orders: int = 1000
    arrival_rate: float = 5.0
    latency: Mapping = field(default_factory=dict)
    workers: Mapping = field(default_factory=dict)
    faults: Mapping = field(default_factory=dict)
    decline_rate: float = 0.05
    downstream: tuple = ("inventory", "email")
    timeout_ms: float | None = None
    timeouts: Mapping = field(default_factory=dict)
    retry: Retry = NO_RETRY
    parallel: bool = False
    best_effort: tuple = ()
    breaker: CircuitBreaker | None = None
    idempotent: tuple = ()
    async_payment: bool = False
    publish_ms: Latency | float = 2.0
    broker: Faults = HEALTHY
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
        "timeouts": checks.per_key(
            dict.fromkeys(CALLED),
            checks.optional(checks.ms(high=HOUR_MS, low_open=True)),
            "a called service's name",
        ),
        "retry": checks.instance(Retry, "a Retry policy"),
        "parallel": _check.boolean,
        "best_effort": checks.distinct(DOWNSTREAM),
        "breaker": checks.optional(checks.instance(CircuitBreaker, "None or a CircuitBreaker")),
        "idempotent": checks.distinct(CALLED),
        "async_payment": _check.boolean,
        "publish_ms": checks.latency(),
        "broker": checks.faults(),
        "queue_capacity": checks.optional(checks.count(high=10_000_000)),
        "max_attempts": checks.count(high=100),
        "redelivery_ms": checks.ms(high=HOUR_MS),
        "drain_ms": checks.ms(high=10 * HOUR_MS),
        "horizon_ms": checks.optional(checks.ms(high=MAX_HORIZON_MS, low_open=True)),
        "max_events": checks.events(),
        "sample_every_ms": checks.optional(checks.ms(low=1.0)),
        "trace_orders": checks.count(low=0, high=1000),
    }

    def check(self) -> None:
        if self.broker.slowdowns or self.broker.error_rate:
            raise checks.refuse(
                f"broker = {self.broker!r} is not allowed: the broker's faults are outages "
                "only (e.g. Faults.outage(200_000, 60_000)); its publish time is publish_ms."
            )
        if "inventory" in self.best_effort:
            raise checks.refuse(
                f"best_effort = {self.best_effort!r} is not allowed: Inventory reserves the "
                "stock that a confirmation promises, so it stays required; best_effort may "
                "name 'email' and 'analytics'."
            )
