"""A toy service: a name, a pool of workers, a latency and its faults.

A request to a :class:`Service` needs one of its workers for as long as the
work takes. Work is keyed: ``key`` is the order (or message) the work is for,
so the demand of order 17 at Payment is the same number in every run with the
same seed — in the sync and in the async checkout alike (common random
numbers). A retry is a new attempt with a demand of its own. A key is a whole
number from 0 to ``MAX_KEY`` (1,000,000), an attempt one from 0 to
:data:`MAX_ATTEMPT` (99).

Outcomes are plain strings: ``"ok"``, ``"error"`` (the work was done but
failed, see the error rate) and ``"down"`` (refused: the service is in an
outage).

Effects. Work that ends ``"ok"`` or ``"error"`` has been *done*: the card
charged, the stock reserved, the email sent. A request that comes again — a
sync retry after a timeout (the timed-out attempt is not withdrawn), a
message redelivered after an error — does it again: a **double effect**
(:attr:`Service.double_effects`, requests whose work was done more than
once). An **idempotent** service (``idempotent=True``: the request carries
an idempotency key) remembers the keys it has done and does not repeat
their effect (:attr:`Service.deduplicated`). It answers exactly as it would
have (same demand, same outcome), so that only the effect differs between
two runs (a real idempotency store may also answer a repeat faster, from its
record). Work on the healthy fast path (:meth:`Service.healthy_work` called
directly, by a caller that neither times out nor retries, or a consumer
whose message is acked at its first try) is a request's only attempt — in
the kit's stories a request reaches a service by one call or one message —
so it cannot repeat, and it is not counted per key.
"""

from __future__ import annotations

import numpy as np
import simpy

from . import _check
from .faults import HEALTHY, Faults
from .latency import Latency, as_latency
from .world import MAX_KEY, Draws, World

__all__ = ["Service", "OK", "ERROR", "DOWN", "TIMEOUT", "MAX_WORKERS", "MAX_ATTEMPT"]

OK = "ok"
ERROR = "error"
DOWN = "down"
TIMEOUT = "timeout"

#: At most this many workers per service (a guard against typing 10**9).
MAX_WORKERS = 10_000
#: The last attempt a request can have: 0 is the first, and the kit tries a
#: request at most 100 times (a queue's ``max_attempts``; a sync ``Retry`` 20).
MAX_ATTEMPT = 99


class _Pool(simpy.Resource):
    """A service's workers: a simpy Resource whose busy workers are a dict, not a list.

    simpy finds a released request in its list of users by scanning it, so
    each release cost as much as the workers busy at the time (runs with thousands of
    busy workers ran 2× slower per event). A dict finds it at once; the
    requests granted and their order are the same.
    """

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity)
        self.users = {}  # request → None, in the order they were granted
        # simpy binds its event makers to the instance only for a class's own
        # attributes: bind the inherited ones too (one descriptor call less a request)
        self.request, self.release = self.request, self.release

    def _do_put(self, event) -> None:
        users = self.users
        if len(users) < self._capacity:
            users[event] = None
            event.usage_since = self._env.now
            event.succeed()

    def _do_get(self, event) -> None:
        self.users.pop(event.request, None)
        event.succeed()


def _key_and_attempt(key, attempt) -> tuple[int, int]:
    """``key`` (0 … MAX_KEY) and ``attempt`` (0 … MAX_ATTEMPT) as ints, or the kit's sentence."""
    return _check.index("key", key, MAX_KEY), _check.index("attempt", attempt, MAX_ATTEMPT)


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
    idempotent:
        True: requests carry an idempotency key, and a repeated request does
        not repeat its effect (default False).
    """

    def __init__(
        self,
        world: World,
        name: str,
        latency: Latency | float,
        workers: int = 1,
        faults: Faults | None = None,
        *,
        idempotent: bool = False,
    ):
        if not isinstance(world, World):
            raise _check.fail("world", world, "a servicelab World")
        _check.text("name", name)
        self.world = world
        self.name = name
        self.latency = as_latency(latency)
        self.workers = _check.integer("workers", workers, low=1, high=MAX_WORKERS)
        self.faults = HEALTHY if faults is None else faults  # validated; sets self.healthy
        self.pool = _Pool(world.env, self.workers)
        self.idempotent = _check.boolean("idempotent", idempotent)
        #: requests received (retries included) and requests refused or failed
        self.received = 0
        self.failed = 0
        #: requests whose work was done more than once (their effect repeated), and
        #: requests whose repeated work an idempotency key kept to one effect
        self.double_effects = 0
        self.deduplicated = 0
        self._done: dict[int, int] = {}  # key → times its work was done, off the fast path
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
        if key.__class__ is not int or key < 0 or key > MAX_KEY or attempt.__class__ is not int:
            key, attempt = _key_and_attempt(key, attempt)
        if attempt == 0:  # the hot path: a first attempt whose block is already drawn
            values = self._first_demands.values
            if key < len(values):
                return values[key]
        if not 0 <= attempt <= MAX_ATTEMPT:
            key, attempt = _key_and_attempt(key, attempt)
        while attempt >= len(self._demands):
            n = len(self._demands)
            self._demands.append(self.world.draws(f"demand:{self.name}:{n}", self.latency.sample))
        return self._demands[attempt][key]

    def demands(self, n: int) -> np.ndarray:
        """The healthy service times in ms of the first attempts of requests 0 … ``n`` − 1."""
        return self._first_demands.first(_check.integer("n", n, low=0, high=MAX_KEY + 1))

    def _error(self, key: int, attempt: int) -> bool:
        while attempt >= len(self._errors):
            self._errors.append(self.world.uniforms(f"error:{self.name}:{len(self._errors)}"))
        return self._errors[attempt][key] < self.faults.error_rate

    def uniform(self, purpose: str, key: int) -> float:
        """A keyed uniform draw in [0, 1) of this service's stream for ``purpose``.

        ``key`` is a whole number from 0 to ``MAX_DRAWS`` (a request's key, or
        a key derived from it, as a retry's jitter is).
        """
        if purpose.__class__ is not str or not purpose:
            _check.text("purpose", purpose)
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
            raise _check.fail("faults", faults, "a Faults object")
        self._faults = faults
        #: True if its fault schedule has no faults: every request takes the healthy fast path
        self.healthy = faults.healthy

    def done_times(self, key: int) -> int:
        """How often the work of request ``key`` was done off the fast path (0, 1, 2, …)."""
        return self._done.get(_check.index("key", key, MAX_KEY), 0)

    def repeated(self) -> list[int]:
        """The requests whose work was done more than once, in the order first done."""
        return [key for key, times in self._done.items() if times > 1]

    def _did(self, key: int) -> None:
        """The work of request ``key`` is done (it ended "ok" or "error"): count its effect."""
        done = self._done
        times = done.get(key, 0) + 1
        done[key] = times
        if times == 2:  # counted once per request, at its first repeat
            if self.idempotent:
                self.deduplicated += 1
            else:
                self.double_effects += 1

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
        if key.__class__ is not int or key < 0 or key > MAX_KEY or attempt.__class__ is not int:
            key, attempt = _key_and_attempt(key, attempt)
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
            self._did(key)
            return OK
        key, attempt = _key_and_attempt(key, attempt)
        self.received += 1
        env = self.world.env
        faults = self.faults
        now = env.now
        if faults.is_down(now):
            self.failed += 1
            return DOWN
        yield env.timeout(self.demand(key, attempt) * faults.slowdown(now))
        self._did(key)  # done, whether it then fails or not
        if faults.error_rate and self._error(key, attempt):
            self.failed += 1
            return ERROR
        return OK

    def handle(self, key: int, attempt: int = 0):
        """Wait for a free worker, then :meth:`serve` (a simpy sub-generator)."""
        key, attempt = _key_and_attempt(key, attempt)
        with self.pool.request() as req:
            yield req
            if self.healthy:  # the common case, without a sub-generator
                yield self.healthy_work(key, attempt)
                self._did(key)
                return OK
            return (yield from self.serve(key, attempt))

    def __repr__(self):
        idempotent = ", idempotent=True" if self.idempotent else ""
        return f"Service({self.name!r}, {self.latency!r}, workers={self.workers}{idempotent})"
