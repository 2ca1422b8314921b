"""The simulation world: a clock in milliseconds, named random streams, limits.

A :class:`World` wraps a simpy ``Environment``. Time is measured in
**milliseconds** everywhere in the kit.

Randomness comes from *named streams*: ``world.rng("arrivals")`` is a numpy
``Generator`` derived from the world's seed and the stream's name only. Two
worlds with the same seed therefore draw the same arrivals and the same
service demands, whatever else they simulate. This is how the kit gives the
sync and the async checkout *common random numbers*: a difference between
the two runs is the architecture, not luck.

:meth:`World.draws` goes one step further: it gives a keyed sequence, so the
demand of order 17 at Payment is the same number however many other requests
came first.

Every run ends. :meth:`World.run` stops at the horizon or after
``max_events`` simulation events, whichever comes first, and says which.
The budget itself is bounded (:data:`MAX_EVENTS`), so no setting runs for
more than a few seconds.
"""

from __future__ import annotations

import gc
import zlib
from array import array
from collections.abc import Callable, Generator

import numpy as np
import simpy

from . import _check

__all__ = [
    "World",
    "Draws",
    "DEFAULT_MAX_EVENTS",
    "MAX_EVENTS",
    "MAX_KEY",
    "MAX_DRAWS",
    "HOUR_MS",
    "MAX_HORIZON_MS",
]

#: Events a run may process before it is cut short by default, and the most a
#: scenario run accepts: a few seconds of work. Measured on the kit's 2-core
#: reference machine (CPU time of one run, Python 3.11, simpy 4.1.2): the
#: checkout runs 320,000–480,000 events/s (50,000 orders, healthy or 1,000× over
#: capacity); pool exhaustion 185,000–355,000 (100,000 requests); a sync retry
#: storm 150,000–250,000 (the slowest: 10,000 workers, 90 % errors) and an async
#: one 550,000. So 1,000,000 events take 2–7 s, in at most ~300 MB (a sync storm
#: of 50,000 requests, each waiting its turn).
DEFAULT_MAX_EVENTS = 1_000_000
#: The most events a :class:`World` accepts as its budget. Simple worlds run
#: faster than the scenarios: a 1 ms ticker 1,050,000 events/s, an M/M/4 queue
#: (a process per customer) 610,000, so 5,000,000 events take 5–8 s (the theory
#: tests run 2.6 million in one world).
MAX_EVENTS = 5_000_000
#: The largest key of a request (an order, a message): a run has at most a few
#: hundred thousand requests. Keyed draws keep every draw below the largest key
#: asked for, 8 bytes each: 8 MB per stream at this key.
MAX_KEY = 1_000_000
#: The largest key of a keyed draw, :data:`MAX_KEY` with room for the 32 jitter
#: draws of each request's retries (``key * 32 + retry``): 268 MB of draws at most.
MAX_DRAWS = 2**25 - 1
#: One hour in ms (the kit's usual cap on one delay: a timeout, a backoff, a redelivery).
HOUR_MS = 3600 * 1000.0
#: The longest horizon the kit accepts: 30 simulated days.
MAX_HORIZON_MS = 30 * 24 * 3600 * 1000.0

_BLOCK = 1024  # draws are made in blocks of this size, always in order


class Draws:
    """A keyed sequence of random numbers from one named stream.

    ``draws[k]`` is the same number for the same seed, stream name and ``k``,
    whatever order the keys are asked in: the stream is consumed in fixed
    blocks, always from the start.
    """

    __slots__ = ("_rng", "_sample", "values")

    def __init__(
        self, rng: np.random.Generator, sample: Callable[[np.random.Generator, int], np.ndarray]
    ):
        self._rng = rng
        self._sample = sample
        #: the draws made so far, in key order: an array of floats, 8 bytes a draw
        #: (grows in blocks; read, never write)
        self.values = array("d")

    def __getitem__(self, key: int) -> float:
        """The draw of ``key``, a whole number from 0 to :data:`MAX_DRAWS`."""
        if key.__class__ is not int or key < 0 or key > MAX_DRAWS:
            key = _check.index("key", key, MAX_DRAWS)
        values = self.values
        while key >= len(values):
            block = np.asarray(self._sample(self._rng, _BLOCK), dtype=float)
            values.frombytes(block.tobytes())
        return values[key]

    def first(self, n: int) -> np.ndarray:
        """The draws of keys 0 … ``n`` − 1, as a new array (``n`` from 0 to MAX_DRAWS + 1)."""
        n = _check.integer("n", n, low=0, high=MAX_DRAWS + 1)
        if n:
            self[n - 1]
        return np.frombuffer(self.values, dtype=float, count=n).copy()


class World:
    """The clock, the random streams and the limits of one simulation run.

    Parameters
    ----------
    seed:
        Seed of every random stream (a whole number ≥ 0).
    horizon_ms:
        Simulated time at which the run stops, in ms.
    max_events:
        Budget of simulation events; a run that would need more is cut short.
    """

    def __init__(
        self,
        seed: int = 0,
        horizon_ms: float = 60_000.0,
        max_events: int = DEFAULT_MAX_EVENTS,
    ):
        self.seed = _check.integer("seed", seed, low=0)
        self.horizon_ms = _check.number(
            "horizon_ms", horizon_ms, low=0.0, high=MAX_HORIZON_MS, low_open=True
        )
        self.max_events = _check.integer("max_events", max_events, low=1, high=MAX_EVENTS)
        self.env = simpy.Environment()
        self.events = 0
        #: Why the last run stopped: ``"horizon"``, ``"idle"`` or ``"event budget"``.
        self.stop_reason: str | None = None
        self._rngs: dict[str, np.random.Generator] = {}

    @property
    def now(self) -> float:
        """The current simulated time in ms."""
        return self.env.now

    def rng(self, name: str) -> np.random.Generator:
        """The random stream called ``name`` (created on first use)."""
        rng = self._rngs.get(_check.text("name", name))
        if rng is None:
            key = zlib.crc32(name.encode("utf-8"))
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))
            self._rngs[name] = rng
        return rng

    def draws(self, name: str, sample: Callable[[np.random.Generator, int], np.ndarray]) -> Draws:
        """A keyed sequence of draws from stream ``name``; ``sample(rng, n)`` makes n of them."""
        return Draws(self.rng(name), sample)

    def uniforms(self, name: str) -> Draws:
        """Keyed uniform draws in [0, 1) from stream ``name``."""
        return Draws(self.rng(name), _uniform)

    def process(self, generator: Generator) -> simpy.Process:
        """Start a simpy process in this world."""
        return self.env.process(generator)

    def timeout(self, delay_ms: float) -> simpy.Timeout:
        """An event that fires after ``delay_ms``."""
        return self.env.timeout(delay_ms)

    def run(self) -> str:
        """Run until the horizon, the event budget, or until nothing is left to do.

        Returns (and stores in :attr:`stop_reason`) why the run stopped.

        Python's full garbage collections are held back while it runs: a run
        keeps every waiting request alive, and each full collection walks all
        of them, which made an overloaded run 2–5× slower (a run makes next to
        no cyclic garbage: its events and processes are freed as they finish).
        The young generations are still collected; the settings are restored
        when the run stops.
        """
        thresholds = gc.get_threshold()
        gc.set_threshold(thresholds[0], thresholds[1], 2**30)
        try:
            return self._run()
        finally:
            gc.set_threshold(*thresholds)

    def _run(self) -> str:
        env = self.env
        step = env.step
        # simpy keeps its schedule in the heap ``_queue`` (time first); reading
        # it directly instead of calling ``env.peek()`` saves a call per event
        queue = env._queue
        horizon = self.horizon_ms
        budget = self.max_events - self.events
        done = 0
        inf = float("inf")
        while True:
            t = queue[0][0] if queue else inf
            if t > horizon:
                reason = "idle" if t == inf else "horizon"
                break
            if done >= budget:
                reason = "event budget"
                break
            step()
            done += 1
        self.events += done
        self.stop_reason = reason
        return reason


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)
