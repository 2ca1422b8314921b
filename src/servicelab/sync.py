"""Synchronous calls: the caller waits for the answer.

``yield from call(service, key)`` inside a caller's process is a
request-response call. The caller's process — and any worker it holds — is
blocked until the answer comes, the call times out, or it fails. A
:class:`Retry` policy tries again after a backoff that grows geometrically,
optionally with jitter so that callers do not retry in lockstep.

A timed-out request is *not* withdrawn: the callee keeps working on it (it
cannot know the caller gave up). That wasted work is how naive retries turn a
slow service into a retry storm — and, for a call with an effect (a charge),
how a retry after a timeout does it twice, unless the service is idempotent
(see :class:`~servicelab.service.Service`).

A :class:`~servicelab.breaker.BreakerState` (``breaker=``) lets the caller
fail fast: while its circuit is open, an attempt ends at once with the
outcome ``"circuit open"`` and never reaches the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _check
from .breaker import CIRCUIT_OPEN, BreakerState
from .service import OK, TIMEOUT, Service
from .world import MAX_KEY

__all__ = ["Retry", "NO_RETRY", "CallResult", "call"]

#: The jitter draw of retry ``r`` of request ``k`` has key ``k * _JITTER_STRIDE + r`` (r < 20).
_JITTER_STRIDE = 32
#: A :class:`Retry` makes at most this many tries (so retry numbers are 1 … 19).
MAX_TRIES = 20


@dataclass(frozen=True)
class Retry:
    """How a caller retries a failed sync call.

    Parameters
    ----------
    attempts:
        Tries in all, the first included (1: no retry).
    backoff_ms:
        Wait before the first retry, in ms.
    multiplier:
        Each further wait is this many times longer (exponential backoff).
    jitter:
        Fraction of each wait that is random: 0 = fixed waits, 1 = "full
        jitter", a wait drawn uniformly between 0 and the backoff.
    """

    attempts: int = 1
    backoff_ms: float = 100.0
    multiplier: float = 2.0
    jitter: float = 0.0

    def __post_init__(self):
        _check.integer("attempts", self.attempts, low=1, high=MAX_TRIES)
        _check.number("backoff_ms", self.backoff_ms, low=0.0, high=3.6e6)
        _check.number("multiplier", self.multiplier, low=1.0, high=10.0)
        _check.probability("jitter", self.jitter)

    def delay(self, retry: int, u: float) -> float:
        """Wait in ms before retry number ``retry`` (1, 2, …), given a uniform ``u``."""
        retry = _check.integer("retry", retry, low=1, high=MAX_TRIES - 1)
        u = _check.number("u", u, low=0.0, high=1.0)
        base = self.backoff_ms * self.multiplier ** (retry - 1)
        return base * (1.0 - self.jitter * u)

    def wait_ms(self, service: Service, key: int, retry: int) -> float:
        """Wait in ms before retry number ``retry`` (1, 2, …) of request ``key`` at ``service``.

        The jitter's uniform is the service's keyed ``"jitter"`` draw of
        (request, retry), so every caller of the same request with the same
        seed waits the same time (common random numbers).
        """
        if not isinstance(service, Service):
            raise _check.fail("service", service, "a Service")
        key = _check.index("key", key, MAX_KEY)
        retry = _check.integer("retry", retry, low=1, high=MAX_TRIES - 1)
        u = service.uniform("jitter", key * _JITTER_STRIDE + retry) if self.jitter else 0.0
        return self.delay(retry, u)


NO_RETRY = Retry()


@dataclass(frozen=True)
class CallResult:
    """What a sync call returned: its outcome and the attempts that reached the service."""

    outcome: str
    attempts: int

    @property
    def ok(self) -> bool:
        return self.outcome == OK


_OK_FIRST_TRY = CallResult(OK, 1)


def call(
    service: Service,
    key: int,
    *,
    timeout_ms: float | None = None,
    retry: Retry = NO_RETRY,
    breaker: BreakerState | None = None,
):
    """Call ``service`` for request ``key`` and wait (a simpy sub-generator).

    Returns a :class:`CallResult`; its outcome is ``"ok"``, ``"error"``,
    ``"down"``, ``"timeout"`` (that of the last attempt) or, with a
    ``breaker`` whose circuit refused an attempt, ``"circuit open"`` (at once,
    no retry after it; ``attempts`` counts the tries that reached the
    service). ``key`` is a whole number from 0 to ``MAX_KEY`` (1,000,000).
    """
    if not isinstance(service, Service):
        raise _check.fail("service", service, "a Service")
    if key.__class__ is not int or key < 0 or key > MAX_KEY:
        key = _check.index("key", key, MAX_KEY)
    if timeout_ms is not None:
        timeout_ms = check_timeout(timeout_ms)
    if not isinstance(retry, Retry):
        raise _check.fail("retry", retry, "a Retry policy")
    if breaker is None:
        if timeout_ms is None and retry.attempts == 1 and service.healthy:
            # the common case, inlined (one generator less per call): Service.handle
            # for a healthy service
            with service.pool.request() as req:
                yield req
                yield service.healthy_work(key)
            return _OK_FIRST_TRY
    elif not isinstance(breaker, BreakerState):
        raise _check.fail("breaker", breaker, "None or a BreakerState (CircuitBreaker().state())")
    env = service.world.env
    outcome = OK
    for attempt in range(retry.attempts):
        if attempt:
            yield env.timeout(retry.wait_ms(service, key, attempt))
        ticket = 0
        if breaker is not None:
            ticket = breaker.admit(env.now)
            if not ticket:  # refused: no work at the service, no retry
                return CallResult(CIRCUIT_OPEN, attempt)
        if timeout_ms is None:
            outcome = yield from service.handle(key, attempt)
        else:
            work = env.process(service.handle(key, attempt))
            limit = env.timeout(timeout_ms)
            yield work | limit
            outcome = work.value if work.triggered else TIMEOUT
        if ticket:
            breaker.record(ticket, outcome, env.now)
        if outcome == OK:
            return CallResult(OK, attempt + 1)
    return CallResult(outcome, retry.attempts)


def check_timeout(timeout_ms: float | None) -> float | None:
    """Validate a timeout: ``None`` (wait forever) or a number of ms > 0."""
    if timeout_ms is None:
        return None
    return _check.number("timeout_ms", timeout_ms, low=0.0, high=3.6e6, low_open=True)
