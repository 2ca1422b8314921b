"""What one fan-out run of :mod:`.pubsub` returns: :class:`PubSubResult` and its readings.

Outcomes: ``"confirmed"`` (the Order service answered without an error),
``"failed"`` (a required sync call failed, or the broker was down) or
``"in flight"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..records import Accounting, percentile
from ._base import FAILED, IN_FLIGHT, Result
from .pubsub_story import PubSubStory

__all__ = ["CONFIRMED", "OUTCOMES", "PubSubResult"]

CONFIRMED = "confirmed"
OUTCOMES = (CONFIRMED, FAILED, IN_FLIGHT)


@dataclass
class PubSubResult(PubSubStory, Result):
    """What happened in one fan-out run. Times in ms; arrays indexed by order.

    ``outcome``: "confirmed", "failed" or "in flight"; ``response_ms`` is the
    caller's wait, from the order's arrival to the Order service's answer.
    Per subscriber: ``received_ms`` (its work on the order began), ``delivered_ms``
    (done; nan if not), ``joined_ms`` and ``missed`` (orders answered before it joined);
    in pub/sub, ``tries`` (per order, the tries its message took to be acknowledged or
    dead-lettered; 0: neither) and ``dead_keys`` (the orders dead-lettered there). Why each
    order ended as it did, and the run as it unfolded: :class:`~.pubsub_story.PubSubStory`.
    """

    OUTCOMES = OUTCOMES
    SUCCESS = CONFIRMED
    UNIT = "orders"

    response_ms: np.ndarray
    reason: np.ndarray
    published_ms: np.ndarray  # async: when the event was published; sync: when calls began
    received_ms: dict[str, np.ndarray]
    delivered_ms: dict[str, np.ndarray]
    joined_ms: dict[str, float]
    missed: dict[str, int]
    calls: dict[str, int]  # requests (tries) each subscriber received
    queues: dict[str, Accounting]
    tries: dict[str, np.ndarray] = field(default_factory=dict)
    dead_keys: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_orders(self) -> int:
        return self.n_requests

    @property
    def design(self) -> str:
        """The design's name, as in :data:`DESIGNS` (or "sync" with other options)."""
        c = self.config
        if self.style == "async":
            return "pub/sub"
        if c.parallel:
            return "sync, in parallel" + (" with timeouts" if c.timeouts is not None else "")
        return "sync, one by one" + (" with timeouts" if c.timeouts is not None else "")

    @property
    def label(self) -> str:
        return f"{self.design} ({len(self.config.subscribers)} subscribers)"

    def waits(self) -> np.ndarray:
        """The caller's wait of every answered order (confirmed or failed), in ms."""
        return self.response_ms[~np.isnan(self.response_ms)]

    def p(self, q: float) -> float:
        """The ``q``-th percentile of the caller's wait, in ms."""
        return percentile(self.waits(), q)

    def lag_ms(self, name: str) -> np.ndarray:
        """For each order: ms from its arrival until ``name`` was done with it (nan: not)."""
        return self.delivered_ms[name] - self.arrival_ms

    def delivered(self, name: str) -> int:
        """Orders whose work ``name`` finished."""
        return int(np.count_nonzero(~np.isnan(self.delivered_ms[name])))

    def _other_accounts(self) -> tuple[Accounting, ...]:
        return tuple(self.queues.values())

    def _headline(self) -> str:
        subs = ", ".join(self.config.subscribers)
        text = (
            f"{self.success_rate():.1%} of {self.n_orders:,} orders confirmed; the caller "
            f"waited p50 {self.p(50):,.0f} ms, p99 {self.p(99):,.0f} ms (subscribers: {subs})"
        )
        missed = {n: k for n, k in self.missed.items() if k}
        if missed:
            text += "; missed before joining: " + ", ".join(f"{n} {k:,}" for n, k in missed.items())
        if self.stop_reason == "event budget":
            text += f"; cut short at its event budget ({self.in_flight:,} orders in flight)"
        return text
