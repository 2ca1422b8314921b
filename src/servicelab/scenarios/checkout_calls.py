"""How a sync checkout calls the services after Payment: in turn or at once, each required or not.

The naive sync checkout calls Inventory, then Email (then Analytics), waits
for each, and fails the order if any call fails. *Sync done well* changes
three things, each an option of the checkout:

* ``parallel`` — the calls go out at once and the Order service waits for
  the slowest, not the sum. (Email then no longer waits for Inventory: an
  order whose stock could not be reserved may still get its email.)
* ``best_effort`` — a failed call to Email or Analytics does not fail the
  order: it is *skipped* — the side effect is simply not done, and nobody
  retries it later (that is this design's own price; async's queue would
  redeliver it). Inventory stays required: the stock is reserved before the
  order is confirmed.
* ``breaker`` and ``timeouts`` — each call is bounded by its service's
  timeout and goes through that service's circuit breaker, so a failing
  service is answered at once instead of after a timeout.

A required call that fails answers the user at once ("failed"), without
waiting for the others; calls already under way carry on.
"""

from __future__ import annotations

import simpy

from ..breaker import BreakerState
from ..service import Service
from ..sync import Retry, call
from .checkout_result import Span

__all__ = ["SyncCalls"]


class SyncCalls:
    """The calls of one sync checkout run after Payment (a strategy, see the module).

    Writes into the run's records: ``done[d][i]`` when service ``d`` finished
    order ``i``'s work, ``gave_up[d][i]`` when a best-effort call failed, and
    ``spans`` for the first ``trace`` orders.
    """

    def __init__(
        self,
        env: simpy.Environment,
        services: dict[str, Service],
        downstream: tuple[str, ...],
        *,
        timeouts: dict[str, float | None],
        retry: Retry,
        breakers: dict[str, BreakerState],
        best_effort: tuple[str, ...],
        parallel: bool,
        done: dict[str, list[float]],
        gave_up: dict[str, list[bool]],
        spans: list[Span],
        trace: int,
    ):
        self.env = env
        self.services, self.downstream = services, downstream
        self.timeouts, self.retry, self.breakers = timeouts, retry, breakers
        self.best_effort = frozenset(best_effort)
        self.parallel = parallel and len(downstream) > 1
        self.done, self.gave_up = done, gave_up
        self.spans, self.trace = spans, trace

    def run(self, i: int):
        """Make order ``i``'s calls (a simpy sub-generator): "" if it may be
        confirmed, else why it failed (``"inventory timeout"``)."""
        if self.parallel:
            return (yield from self._at_once(i))
        for d in self.downstream:
            why = yield from self._one(i, d)
            if why:
                return why
        return ""

    def _one(self, i: int, d: str):
        """Call ``d`` for order ``i``: "" if the order may go on, else why it fails."""
        env = self.env
        start = env.now
        r = yield from call(
            self.services[d],
            i,
            timeout_ms=self.timeouts[d],
            retry=self.retry,
            breaker=self.breakers.get(d),
        )
        if i < self.trace:
            self.spans.append(Span(i, d, start, env.now, "works"))
        if r.ok:
            self.done[d][i] = env.now
            return ""
        if d in self.best_effort:
            self.gave_up[d][i] = True
            return ""
        return f"{d} {r.outcome}"

    def _at_once(self, i: int):
        """All calls at once; done when all answered, or when a required one failed."""
        env = self.env
        answered = env.event()
        left = [len(self.downstream)]
        why = [""]

        def one(d: str):
            failed = yield from self._one(i, d)
            left[0] -= 1
            if failed and not why[0]:
                why[0] = failed
            if (failed or not left[0]) and not answered.triggered:
                answered.succeed()

        for d in self.downstream:
            env.process(one(d))
        yield answered
        return why[0]
