"""What a checkout run recorded, and how to read it: :class:`CheckoutResult`.

Outcomes of an order for its user: ``"completed"`` (confirmed),
``"declined"`` (payment said no), ``"failed"`` (an error, an outage, a
timeout or an open circuit reached the user) or ``"in flight"`` (no answer
yet at the horizon).

"Confirmed" promises different things in different designs, and the result
says which (:attr:`CheckoutResult.promise`): in the naive sync checkout, that
the card is charged, the stock reserved and the email sent; with best-effort
side effects, that the card is charged and the stock reserved, while the
email was sent *or skipped* (:attr:`~CheckoutResult.skipped` counts those:
nobody retries them); in async, that the card is charged and the order
accepted, with stock and email still to follow; with Payment async too, only
that the order was accepted — a decline comes later
(:attr:`~CheckoutResult.payment_known_ms`).

Work done more than once at a service — a charge retried after a timeout,
an email redelivered after it failed having been sent — is counted in
:attr:`~CheckoutResult.double_effects`, and, with an idempotency key, in
:attr:`~CheckoutResult.deduplicated` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .. import _check
from ..records import Accounting, percentile, summarize
from ._base import FAILED, IN_FLIGHT, Result
from .causes import seconds
from .flow import Flow, checkout_flow

__all__ = ["COMPLETED", "DECLINED", "OUTCOMES", "Span", "CheckoutResult"]

COMPLETED, DECLINED = "completed", "declined"
OUTCOMES = (COMPLETED, DECLINED, FAILED, IN_FLIGHT)

#: what a service's work, once done, means for an order
_DONE = {
    "payment": "paid",
    "inventory": "stock reserved",
    "email": "email sent",
    "analytics": "analytics recorded",
}
#: the same work, still to do
_TODO = {"payment": "payment", "inventory": "stock", "email": "email", "analytics": "analytics"}


def _join(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


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
    rate counts confirmed orders among those not declined. ``response_ms`` is
    when the user had an answer ("confirmed", "declined", "failed"; with
    Payment async, "accepted"); ``payment_known_ms`` when they knew whether
    the card was charged.
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
    #: ms after arrival at which the user knew Payment's answer (charged or declined); nan:
    #: not (yet)
    payment_known_ms: np.ndarray
    #: per best-effort service: confirmed orders whose call to it failed (sync; nobody retries)
    skipped: dict[str, int]
    #: ... of them, those whose work was not done at all by the end (refused by an open
    #: circuit or an outage); the others were done unconfirmed (a timed-out call that went
    #: on to finish, an error after the work)
    not_done: dict[str, int]
    #: per service: orders whose work it did more than once (a charge, an email repeated)
    double_effects: dict[str, int]
    #: per idempotent service: orders whose repeated request its idempotency key absorbed
    deduplicated: dict[str, int]
    #: per service with a circuit breaker: how often it opened and the calls it refused
    breakers: dict[str, dict[str, int]]
    spans: list[Span] = field(default_factory=list)  # the first ``trace_orders`` orders
    #: per queue: the orders whose message was dead-lettered there
    dead_keys: dict[str, np.ndarray] = field(default_factory=dict)

    # -- reading the result ------------------------------------------------------
    @property
    def n_orders(self) -> int:
        """The orders of the run (its :attr:`n_requests`)."""
        return self.n_requests

    @property
    def label(self) -> str:
        """The design: ``"sync"``, ``"sync done well"`` (or the parts of it used),
        ``"async"`` or ``"async, Payment too"``."""
        c = self.config
        if self.style == "async":
            return "async, Payment too" if c.async_payment else "async"
        parts = []
        if c.parallel and len(c.downstream) > 1:
            parts.append("parallel")
        if self.best_effort:
            parts.append("best-effort")
        if c.timeout_ms is not None or any(t is not None for t in c.timeouts.values()):
            parts.append("timeouts")
        if c.breaker is not None:
            parts.append("breaker")
        if len(parts) == 4:
            return "sync done well"
        return f"sync ({', '.join(parts)})" if parts else "sync"

    @property
    def best_effort(self) -> tuple[str, ...]:
        """The services this sync run called best-effort (() in async)."""
        c = self.config
        return () if self.style == "async" else tuple(d for d in c.downstream if d in c.best_effort)

    @property
    def means(self) -> str:
        """What "confirmed" means here, in two or three words (for a table)."""
        if self.style == "async":
            return "accepted" if self.config.async_payment else "paid, accepted"
        return "required work done" if self.best_effort else "work done"

    @property
    def promise(self) -> str:
        """What "confirmed" promises in this design, in words."""
        c = self.config
        if self.style == "async":
            later = [_TODO[d] for d in c.downstream]
            if c.async_payment:
                return f'"confirmed" means accepted: {_join(["payment", *later])} still to follow'
            if not later:
                return '"confirmed" means paid'
            return f'"confirmed" means paid and accepted: {_join(later)} still to follow'
        optional = self.best_effort
        required = [_DONE[d] for d in c.downstream if d not in optional]
        text = f'"confirmed" means {_join(["paid", *required])}'
        if optional:
            maybe = []
            for d in optional:
                skipped, undone = self.skipped[d], self.not_done[d]
                never = f": {undone:,} never {_DONE[d].split()[-1]}" if undone else ""
                maybe.append(f"{_DONE[d]} or skipped ({skipped:,} skipped{never})")
            text += f"; {', '.join(maybe)}"
        return text

    @property
    def cut_short(self) -> bool:
        """True if the run stopped with work unfinished (horizon or event budget)."""
        unfinished = bool(self.in_flight) or any(self.pending().values())
        return self.stop_reason == "event budget" or unfinished

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

    def payment_heard(self, outcome: str = DECLINED) -> np.ndarray:
        """For orders that ended with ``outcome``: ms from arrival until the user knew
        Payment's answer (nan: not yet at the end of the run).

        With Payment sync it comes with the user's answer; with Payment async
        the user hears "accepted" first and Payment's answer when it is done.
        """
        _check.choice("outcome", outcome, OUTCOMES)
        return self.payment_known_ms[self.outcome == outcome]

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
            f"p99 {s['p99']:.0f} ms; {self.promise}"
        )

    # -- why each order ended as it did (see .causes) ---------------------------------
    def _refine_causes(self, causes: np.ndarray) -> np.ndarray:
        c = self.config
        tries = f"gave up after {c.retry.attempts} tries: " if c.retry.attempts > 1 else ""
        causes[self.outcome == DECLINED] = "declined by Payment"
        for i in np.flatnonzero(self.outcome == FAILED).tolist():
            causes[i] = _failure(str(self.reason[i]), tries, c.max_attempts)
        confirmed = self.outcome == COMPLETED
        causes[confirmed] = "accepted" if c.async_payment else "confirmed"
        if self.style == "async":
            later = self._later_work()
            for i in np.flatnonzero(confirmed).tolist():
                if later[i]:
                    causes[i] = f"{causes[i]}; {later[i]}"
        return causes

    def _later_work(self) -> list[str]:
        """Per order, what became of its work accepted for later, if not all of it was done."""
        c = self.config
        steps = {d: self.task_done_ms[d] for d in c.downstream}
        if c.async_payment:
            steps = {"payment": self.arrival_ms + self.payment_known_ms, **steps}
        later = [""] * self.n_orders
        for d, done in steps.items():
            dead = set(self.dead_keys.get(d, np.empty(0)).tolist())
            for i in np.flatnonzero(np.isnan(done)).tolist():
                if not later[i]:
                    what = f"dead-lettered after {c.max_attempts} tries"
                    later[i] = f"{d.capitalize()} {what if i in dead else 'pending at the horizon'}"
        return later

    def _story_lines(self, i: int) -> list[str]:
        lines = []
        if self.reason[i]:
            lines.append(f"its checkout failed: {self.reason[i]}")
        for d in self.config.downstream:
            done = self.task_done_ms[d][i]
            if not np.isnan(done):
                when = f"{done - self.arrival_ms[i]:,.0f} ms after arrival"
                lines.append(f"{d.capitalize()} did its work at {seconds(done)} ({when})")
            elif i in self.dead_keys.get(d, ()):
                lines.append(f"{d.capitalize()}'s message was dead-lettered")
            elif self.outcome[i] == COMPLETED:
                lines.append(f"{d.capitalize()}'s work was not done when the run stopped")
        return lines

    def flow(self) -> Flow:
        """The run as it unfolded, for a flow map (see :mod:`.flow`)."""
        return checkout_flow(self)


#: a service's word for a failed call → what the order's user met
_MET = {
    "down": ("refused: {S} was down", "{S} was down"),
    "timeout": ("timed out waiting for {S}", "{S} timed out"),
    "error": ("{S} answered with an error", "{S} answered with errors"),
    "circuit open": ("refused by {S}'s open circuit breaker", ""),
}


def _failure(reason: str, tries: str, max_attempts: int) -> str:
    """The cause of a failed order, from its reason ("inventory down", "queue full", …)."""
    if reason in ("queue full", "broker down"):
        return f"refused: {'a queue was full' if reason == 'queue full' else 'the broker was down'}"
    service, _, word = reason.partition(" ")
    if word == "dead-lettered":
        return f"{service.capitalize()} dead-lettered after {max_attempts} tries"
    once, retried = _MET.get(word, ("{S}: " + word, ""))
    if tries and retried and service != "order":
        return tries + retried.format(S=service.capitalize())
    return once.format(S=service.capitalize())
