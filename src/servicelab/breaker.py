"""Circuit breakers: a caller stops calling a service that keeps failing.

A :class:`CircuitBreaker` is a policy, like :class:`~servicelab.sync.Retry`:
after ``failures`` failed calls in a row (an error, an outage or a timeout)
the circuit **opens**, and for ``open_ms`` every call is refused at once,
without reaching the service: the caller fails fast instead of waiting for
a timeout, and the struggling service gets room to recover. Then the
circuit is **half-open**: one trial call goes through while the others are
still refused. If the trial succeeds the circuit **closes** (calls flow
again); if it fails, the circuit opens for another ``open_ms``.

A :class:`BreakerState` is one circuit's state in one run: a caller keeps one
per service it calls and hands it to :func:`~servicelab.sync.call`. A call
the open circuit refuses ends with the outcome :data:`CIRCUIT_OPEN` and does
no work at the service.

Answers to calls admitted before the circuit opened are ignored once it is
open: only the trial decides when it closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _check
from .service import OK

__all__ = [
    "CircuitBreaker",
    "BreakerState",
    "CIRCUIT_OPEN",
    "CLOSED",
    "OPEN",
    "HALF_OPEN",
    "MAX_FAILURES",
]

#: the outcome of a call refused by an open circuit (it never reached the service)
CIRCUIT_OPEN = "circuit open"
#: a circuit's states
CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
#: the most failures in a row a breaker may wait for before it opens
MAX_FAILURES = 10_000

#: tickets :meth:`BreakerState.admit` hands out: refused, an ordinary call, the trial
_REFUSED, _CALL, _TRIAL = 0, 1, 2


@dataclass(frozen=True)
class CircuitBreaker:
    """When a caller stops calling a failing service, and for how long.

    Parameters
    ----------
    failures:
        Failed calls in a row (errors, outages, timeouts) that open the circuit.
    open_ms:
        How long an open circuit refuses every call before it lets one trial
        call through, in ms.
    """

    failures: int = 5
    open_ms: float = 1000.0

    def __post_init__(self):
        _check.integer("failures", self.failures, low=1, high=MAX_FAILURES)
        _check.number("open_ms", self.open_ms, low=0.0, high=3.6e6, low_open=True)

    def state(self) -> BreakerState:
        """A new circuit, closed, following this policy (one per service and run)."""
        return BreakerState(self)


class BreakerState:
    """One circuit in one run: closed, open or half-open, and what it has refused.

    ``admit(now)`` before a call says whether it may go (a ticket, or 0:
    refused); ``record(ticket, outcome, now)`` after it tells the circuit how
    it went. :func:`~servicelab.sync.call` does both.
    """

    def __init__(self, policy: CircuitBreaker):
        if not isinstance(policy, CircuitBreaker):
            raise _check.fail("policy", policy, "a CircuitBreaker")
        self.policy = policy
        self.state = CLOSED
        #: failed calls in a row while closed
        self.failures = 0
        #: when the circuit last opened (ms)
        self.opened_ms = float("-inf")
        #: how often it opened, and how many calls it refused
        self.opened = 0
        self.refused = 0
        #: every change of state: (time in ms, new state), for figures
        self.changes: list[tuple[float, str]] = []

    @property
    def closed(self) -> bool:
        """True while calls flow normally."""
        return self.state == CLOSED

    def admit(self, now: float) -> int:
        """May a call start at ``now``? 0 if the circuit refuses it, else its ticket."""
        if self.state == CLOSED:
            return _CALL
        if self.state == OPEN and now >= self.opened_ms + self.policy.open_ms:
            self._move(HALF_OPEN, now)
            return _TRIAL  # the one trial: everyone else is refused until it answers
        self.refused += 1
        return _REFUSED

    def record(self, ticket: int, outcome: str, now: float) -> None:
        """The call admitted with ``ticket`` ended with ``outcome`` at ``now``."""
        ok = outcome == OK
        if ticket == _TRIAL:
            if ok:
                self.failures = 0
                self._move(CLOSED, now)
            else:
                self._open(now)
        elif ticket == _CALL and self.state == CLOSED:
            if ok:
                self.failures = 0
            else:
                self.failures += 1
                if self.failures >= self.policy.failures:
                    self._open(now)
        elif ticket not in (_CALL, _TRIAL):
            raise _check.fail("ticket", ticket, "a ticket admit() handed out (1 or 2)")

    def _open(self, now: float) -> None:
        self.opened += 1
        self.opened_ms = now
        self.failures = 0
        self._move(OPEN, now)

    def _move(self, state: str, now: float) -> None:
        self.state = state
        self.changes.append((now, state))

    def __repr__(self):
        return (
            f"BreakerState({self.state}, opened {self.opened} times, refused {self.refused} calls)"
        )
