"""A toy service: a name, a pool of workers, a latency and its faults.

A request to a :class:`Service` needs one of its workers for as long as the
work takes. Work is keyed: ``key`` is the order (or message) the work is for,
so the demand of order 17 at Payment is the same number in every run with the
same seed — in the sync and in the async checkout alike (common random
numbers). A retry is a new attempt with a demand of its own.

Outcomes are plain strings: ``"ok"``, ``"error"`` (the work was done but
failed, see the error rate) and ``"down"`` (refused: the service is in an
outage).
"""

from __future__ import annotations

import simpy

from . import _check
from .faults import HEALTHY, Faults
from .latency import Latency, as_latency
from .world import Draws, World

__all__ = ["Service", "OK", "ERROR", "DOWN", "TIMEOUT", "MAX_WORKERS"]

OK = "ok"
ERROR = "error"
DOWN = "down"
TIMEOUT = "timeout"

#: At most this many workers per service (a guard against typing 10**9).
MAX_WORKERS = 10_000


class Service:
    """A service with ``workers`` workers, each doing one request at a time.

    Parameters
    ----------
    world:
        The world it lives in.
    name:
        Its name, also the name of its random streams.
    latency:
        How long one request takes when healthy (a :class:`Latency` or ms).
    workers:
        How many requests it serves at once (1 to 10,000).
    faults:
        When it is down, slow or erroring (default: healthy).
    """

    def __init__(
        self,
        world: World,
        name: str,
        latency: Latency | float,
        workers: int = 1,
        faults: Faults | None = None,
    ):
        if not isinstance(world, World):
            raise ValueError(f"world = {world!r} is not allowed: world must be a servicelab World.")
        if not isinstance(name, str) or not name:
            raise ValueError(f"name = {name!r} is not allowed: name must be a non-empty string.")
        self.world = world
        self.name = name
        self.latency = as_latency(latency)
        self.workers = _check.integer("workers", workers, low=1, high=MAX_WORKERS)
        self.faults = HEALTHY if faults is None else faults  # validated; sets self.healthy
        self.pool = simpy.Resource(world.env, capacity=self.workers)
        #: requests received (retries included) and requests refused or failed
        self.received = 0
        self.failed = 0
        self._consuming = 0
        self._timeout = world.env.timeout
        # demands of attempt 0, 1, …; attempt 0's are read directly on the hot path
        self._demands: list[Draws] = [world.draws(f"demand:{name}:0", self.latency.sample)]
        self._first_demands = self._demands[0]
        self._errors: list[Draws] = []
        self._uniforms: dict[str, Draws] = {}

    # -- what a request costs -------------------------------------------------
    def demand(self, key: int, attempt: int = 0) -> float:
        """The healthy service time in ms of attempt ``attempt`` of request ``key``."""
        if attempt == 0:  # the hot path: a first attempt whose block is already drawn
            values = self._first_demands.values
            if key < len(values):
                return values[key]
        while attempt >= len(self._demands):
            n = len(self._demands)
            self._demands.append(self.world.draws(f"demand:{self.name}:{n}", self.latency.sample))
        return self._demands[attempt][key]

    def _error(self, key: int, attempt: int) -> bool:
        while attempt >= len(self._errors):
            self._errors.append(self.world.uniforms(f"error:{self.name}:{len(self._errors)}"))
        return self._errors[attempt][key] < self.faults.error_rate

    def uniform(self, purpose: str, key: int) -> float:
        """A keyed uniform draw in [0, 1) of this service's stream for ``purpose``."""
        draws = self._uniforms.get(purpose)
        if draws is None:
            draws = self._uniforms[purpose] = self.world.uniforms(f"{purpose}:{self.name}")
        return draws[key]

    @property
    def faults(self) -> Faults:
        """Its fault schedule; setting it also sets :attr:`healthy`."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        if not isinstance(faults, Faults):
            raise ValueError(f"faults = {faults!r} is not allowed: faults must be a Faults object.")
        self._faults = faults
        #: True if its fault schedule has no faults: every request takes the healthy fast path
        self.healthy = faults.healthy

    @property
    def busy(self) -> int:
        """Workers busy right now (holding a request or processing a message)."""
        return len(self.pool.users) + self._consuming

    def start_consuming(self) -> None:
        """A worker of this service began processing a message (it counts as busy)."""
        self._consuming += 1

    def stop_consuming(self) -> None:
        """A worker of this service finished processing a message."""
        self._consuming -= 1

    # -- doing the work --------------------------------------------------------
    def healthy_work(self, key: int, attempt: int = 0) -> simpy.Timeout:
        """A :attr:`healthy` service's work on a request, its worker already taken.

        Counts the request as received and returns the timeout to ``yield``;
        the outcome is ``"ok"``. Not a generator: the one fast path of
        :meth:`serve`, :meth:`handle`, sync calls and queue consumers.
        """
        self.received += 1
        if attempt == 0:  # the hot path of demand(), inlined
            values = self._first_demands.values
            if key < len(values):
                return self._timeout(values[key])
        return self._timeout(self.demand(key, attempt))

    def serve(self, key: int, attempt: int = 0):
        """Do the work with a worker already held (a simpy sub-generator).

        Returns ``"ok"``, ``"error"`` or ``"down"``.
        """
        if self.healthy:
            yield self.healthy_work(key, attempt)
            return OK
        self.received += 1
        env = self.world.env
        faults = self.faults
        now = env.now
        if faults.is_down(now):
            self.failed += 1
            return DOWN
        yield env.timeout(self.demand(key, attempt) * faults.slowdown(now))
        if faults.error_rate and self._error(key, attempt):
            self.failed += 1
            return ERROR
        return OK

    def handle(self, key: int, attempt: int = 0):
        """Wait for a free worker, then :meth:`serve` (a simpy sub-generator)."""
        with self.pool.request() as req:
            yield req
            if self.healthy:  # the common case, without a sub-generator
                yield self.healthy_work(key, attempt)
                return OK
            return (yield from self.serve(key, attempt))

    def __repr__(self):
        return f"Service({self.name!r}, {self.latency!r}, workers={self.workers})"
