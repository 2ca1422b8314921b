"""The card's example: a checkout, run synchronously or asynchronously.

Covers: sync chains, sync done well, pub/sub, common random numbers, faults,
double effects, accounting.

Scenario: users place orders at random (Poisson arrivals). The Order service
takes each one with a worker and

* ``style="sync"`` — calls Payment, then Inventory, then Email (and
  Analytics if asked), each call waiting for the answer, and answers the user
  at the end: the user waits for the whole chain. *Sync done well*
  (:data:`SYNC_DONE_WELL`) calls them at once, bounds each call by a
  timeout and a circuit breaker, and lets Email and Analytics fail without
  failing the order (see :mod:`.checkout_calls`);
* ``style="async"`` — calls Payment (still sync: the user needs to know if it
  worked), publishes an *OrderCreated* event, and answers the user at once.
  Inventory, Email (and Analytics) each consume their own queue of the event.
  With ``async_payment=True`` Payment too consumes a queue: the user hears
  "accepted" at once, and whether the card was charged later.

A declined payment is told to the user in every design, and nothing else
happens for that order.

The same ``seed`` gives the same arrivals and the same per-order demand at
every service in every design (common random numbers), so a difference
between two runs is the architecture's. Outcomes and readings:
:mod:`.checkout_result`.
"""

from __future__ import annotations

import math

import numpy as np

from ..messaging import Queue, Topic
from ..records import Sampler
from ..service import OK, Service
from ..sync import call
from ..world import World
from . import _checks as checks
from ._base import FAILED, IN_FLIGHT, Run, run_style, run_styles
from .arrivals import poisson_arrivals
from .checkout_calls import SyncCalls
from .checkout_config import (
    CALLED,
    DEFAULT_LATENCY,
    DEFAULT_WORKERS,
    DOWNSTREAM,
    MAX_ORDERS,
    SERVICES,
    SYNC_DONE_WELL,
    CheckoutConfig,
)
from .checkout_result import COMPLETED, DECLINED, OUTCOMES, CheckoutResult, Span
from .flow import flow_probes

__all__ = [
    "SERVICES",
    "DOWNSTREAM",
    "CALLED",
    "DEFAULT_LATENCY",
    "DEFAULT_WORKERS",
    "MAX_ORDERS",
    "OUTCOMES",
    "CheckoutConfig",
    "CheckoutResult",
    "Span",
    "SYNC_DONE_WELL",
    "run_checkout",
    "run_both",
]


def run_checkout(
    style: str = "sync", *, seed: int = 0, config: CheckoutConfig | None = None, **options
) -> CheckoutResult:
    """Run the card's checkout in ``style`` ``"sync"`` or ``"async"``.

    Options are the fields of :class:`CheckoutConfig` (or pass ``config``).
    Example: ``run_checkout("sync", faults={"email": Faults.slow(10)})``;
    sync done well: ``run_checkout("sync", **SYNC_DONE_WELL)``.
    """
    return run_style(_Run, style, seed, config, options)


def run_both(*, seed: int = 0, **options) -> tuple[CheckoutResult, CheckoutResult]:
    """The same checkout (same seed, same random numbers) run sync and async."""
    return run_styles(run_checkout, CheckoutConfig, seed, options)


class _Run(Run):
    """One checkout run: builds the world, runs it, collects the result."""

    CONFIG, RESULT = CheckoutConfig, CheckoutResult

    def __init__(self, style: str, seed: int, c: CheckoutConfig):
        if c.async_payment and style != "async":
            raise checks.refuse(
                f"async_payment = True is not allowed with style = {style!r}: Payment behind a "
                "queue is the async design taken all the way; run it with style 'async'."
            )
        arrivals = poisson_arrivals(World(seed).rng("arrivals"), c.arrival_rate, c.n_orders)
        horizon = c.horizon_ms
        if horizon is None:  # the last arrival + drain_ms; a refusal names n_orders, …
            last = float(arrivals[-1])
            horizon = checks.drained_horizon(last, c.drain_ms, c.n_orders, c.arrival_rate)
        super().__init__(style, seed, c, arrivals, horizon, c.max_events)
        w = self.world
        self.services = {
            name: Service(
                w,
                name,
                c.latency[name],
                c.workers[name],
                c.faults[name],
                idempotent=name in c.idempotent,
            )
            for name in ("order", "payment", *c.downstream)
        }
        self.order, self.payment = self.services["order"], self.services["payment"]
        self.declined = w.uniforms("decline")
        n = c.n_orders
        self.reason = [""] * n
        self.done = {d: [math.nan] * n for d in c.downstream}
        self.gave_up = {d: [False] * n for d in c.downstream}
        self.paid_ms = [math.nan] * n  # with Payment async: when Payment answered
        self.trace = c.trace_orders
        self.spans: list[Span] = []
        # traced orders: when the Order worker began (key i) and stopped (key -1-i) waiting
        self._order_waits: dict[int, float] = {}
        self.timeout = {s: c.timeout_ms if c.timeouts[s] is None else c.timeouts[s] for s in CALLED}
        called = ("payment", *c.downstream) if style == "sync" else ("payment",)
        if c.async_payment or c.breaker is None:
            called = ()
        self.breakers = {s: c.breaker.state() for s in called}
        self.payment_breaker = self.breakers.get("payment")
        self.plain_payment = (
            self.timeout["payment"] is None
            and c.retry.attempts == 1
            and self.payment.healthy
            and self.payment_breaker is None
        )
        self.queues: dict[str, Queue] = {}
        self.topic: Topic | None = None
        self.calls: SyncCalls | None = None
        if style == "sync" and (
            c.parallel or c.breaker or set(c.best_effort) & set(c.downstream) or self._own_timeouts
        ):
            self.calls = SyncCalls(
                w.env,
                self.services,
                c.downstream,
                timeouts=self.timeout,
                retry=c.retry,
                breakers=self.breakers,
                best_effort=c.best_effort,
                parallel=c.parallel,
                done=self.done,
                gave_up=self.gave_up,
                spans=self.spans,
                trace=self.trace,
            )
        if style == "async":
            options = dict(
                capacity=c.queue_capacity,
                max_attempts=c.max_attempts,
                redelivery_ms=c.redelivery_ms,
            )
            if c.async_payment:
                q = Queue(w, "payment", publish_latency=c.publish_ms, **options)
                q.consume(self.payment, on_ack=self._paid, on_dead_letter=self._unpaid)
                self.queues["payment"] = q
                self._begin = self._accept
            self.topic = Topic(w, "order-created", c.publish_ms, outages=c.broker)
            for d in c.downstream:
                q = self.topic.subscribe(d, **options)
                q.consume(self.services[d], on_ack=self._acker(d))
                self.queues[d] = q
        probes = flow_probes(self.services, self.queues)  # busy, waiting, backlog, dead
        probes["orders in flight"] = lambda: self.counts[IN_FLIGHT]
        every = c.sample_every_ms if c.sample_every_ms is not None else max(1.0, horizon / 500)
        self.sampler = Sampler(w, every, probes, name="sample_every_ms")
        self._simulate()

    @property
    def _own_timeouts(self) -> bool:
        """True if a downstream service has a timeout other than ``timeout_ms``."""
        c = self.config
        return any(self.timeout[d] != c.timeout_ms for d in c.downstream)

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

    def _revise(self, i: int, outcome: str, reason: str) -> None:
        """An accepted order (Payment async) turns out ``outcome`` after all."""
        if self.outcome[i] == IN_FLIGHT:  # Payment answered before the user heard "accepted"
            self._finish(i, outcome, reason)
            return
        self.counts[self.outcome[i]] -= 1
        self.counts[outcome] += 1
        self.outcome[i], self.reason[i] = outcome, reason

    def _begin(self, i: int):
        return self._order(i)

    def _order(self, i: int):
        """One order from arrival to the user's answer, with Payment sync."""
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
            # Payment: sync, the user needs to know
            start = env.now
            if self.plain_payment:  # the common case, inlined as call() does it
                payment = self.payment
                with payment.pool.request() as req:
                    yield req
                    yield payment.healthy_work(i)
                outcome = OK
            else:
                paid = yield from call(
                    self.payment,
                    i,
                    timeout_ms=self.timeout["payment"],
                    retry=c.retry,
                    breaker=self.payment_breaker,
                )
                outcome = paid.outcome
            if traced:
                self.spans.append(Span(i, "payment", start, env.now, "works"))
            if outcome != OK:
                self._finish(i, FAILED, f"payment {outcome}")
                return
            if self.declined[i] < c.decline_rate:
                self._finish(i, DECLINED)
                return
            if self.topic is None:
                if self.calls is not None:  # sync done well, or part of it
                    why = yield from self.calls.run(i)
                    if why:
                        self._finish(i, FAILED, why)
                    else:
                        self._finish(i, COMPLETED)
                    return
                # naive sync: call each downstream service in turn, waiting for each
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
                if accepted < len(self.topic.queues):
                    self._finish(i, FAILED, self._refusal(accepted))
                else:
                    self._finish(i, COMPLETED)

    # -- everything async: Payment behind a queue too --------------------------------
    def _accept(self, i: int):
        """One order with Payment async: the user hears "accepted" once it is queued."""
        env = self.world.env
        order = self.order
        with order.pool.request() as worker:
            yield worker
            start = env.now
            outcome = yield from order.serve(i)
            if i < self.trace:
                self._order_waits[i] = self._order_waits[-1 - i] = env.now
                self.spans.append(Span(i, "order", start, env.now, "works"))
            if outcome != OK:
                self._finish(i, FAILED, f"order {outcome}")
                return
            start = env.now
            accepted = yield from self.queues["payment"].publish(i)
            if i < self.trace:
                self.spans.append(Span(i, "order", start, env.now, "works"))
            if self.outcome[i] == IN_FLIGHT:  # (not if Payment answered already)
                self._finish(i, COMPLETED if accepted else FAILED, "" if accepted else "queue full")

    def _refusal(self, accepted: int) -> str:
        """Why a publish reached fewer queues than it should: the broker, or a full queue."""
        return "broker down" if not accepted and self.topic.is_down() else "queue full"

    def _paid(self, message, now: float) -> None:
        """Payment answered: the user learns it now; a paid order is published onwards."""
        i = message.key
        self.paid_ms[i] = now
        if i < self.trace:
            self.spans.append(
                Span(i, "payment", message.published_ms, message.started_ms, "queued")
            )
            self.spans.append(Span(i, "payment", message.started_ms, now, "works"))
        if self.declined[i] < self.config.decline_rate:
            self._revise(i, DECLINED, "")
        elif self.config.downstream:
            self.world.process(self._created(i))

    def _created(self, i: int):
        accepted = yield from self.topic.publish(i)
        if accepted < len(self.topic.queues):
            self._revise(i, FAILED, self._refusal(accepted))

    def _unpaid(self, message, now: float) -> None:
        """Payment failed every try: the accepted order fails, later."""
        self._revise(message.key, FAILED, "payment dead-lettered")

    def _doubled(self, name: str) -> int:
        """Orders whose effect at ``name`` was done more than once (a declined card is not
        charged, so a repeated decline is no double charge)."""
        service = self.services[name]
        if service.idempotent:
            return 0
        keys = service.repeated()
        if name == "payment":
            declined, rate = self.declined, self.config.decline_rate
            keys = [k for k in keys if declined[k] >= rate]
        return len(keys)

    def _skipped(self, service: str, confirmed: np.ndarray) -> list[int]:
        """Confirmed orders whose best-effort call to ``service`` failed."""
        return np.flatnonzero(confirmed & np.asarray(self.gave_up[service])).tolist()

    def _records(self) -> dict:
        response = np.asarray(self.finished_ms, dtype=float) - self.arrivals
        outcome = np.asarray(self.outcome)
        if self.config.async_payment:
            known = np.asarray(self.paid_ms, dtype=float) - self.arrivals
        else:  # the user knows Payment's answer with the checkout's
            known = np.where(np.isin(outcome, (COMPLETED, DECLINED)), response, np.nan)
        confirmed = outcome == COMPLETED
        services, queues = self.services, self.queues
        c = self.config
        best_effort = [d for d in c.downstream if self.calls is not None and d in c.best_effort]
        return dict(
            response_ms=response,
            reason=np.asarray(self.reason),
            task_done_ms={d: np.asarray(v, dtype=float) for d, v in self.done.items()},
            queues={d: q.accounting() for d, q in self.queues.items()},
            calls={n: {"received": s.received, "failed": s.failed} for n, s in services.items()},
            payment_known_ms=known,
            skipped={d: len(self._skipped(d, confirmed)) for d in best_effort},
            not_done={
                d: sum(services[d].done_times(i) == 0 for i in self._skipped(d, confirmed))
                for d in best_effort
            },
            double_effects={n: self._doubled(n) for n in services if n != "order"},
            deduplicated={n: s.deduplicated for n, s in services.items() if s.idempotent},
            breakers={
                n: {"opened": b.opened, "refused": b.refused} for n, b in self.breakers.items()
            },
            spans=sorted(self.spans, key=lambda s: (s.order, s.start_ms)),
            dead_keys={d: np.asarray([m.key for m in q.dead_letters]) for d, q in queues.items()},
        )
