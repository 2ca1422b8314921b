"""What every scenario shares, so that a scenario module is its story.

A scenario (checkout, pool exhaustion, retry storm) is built from four parts:

* a **config**: a frozen dataclass with :class:`Checked`. It declares each
  field's check once, in ``CHECKS`` (``"workers": checks.count(high=MAX_WORKERS)``,
  made by :mod:`._checks`). On creation the checks run in field order, each
  field stores what its check returns, and a bad value raises the kit's
  sentence (``workers = 0 is not allowed: workers must be a whole number ≥ 1
  and ≤ 10000.``). Checks across fields go in the config's ``check()``. The
  failure stories add :class:`SlowdownWindow` and its :data:`WINDOW_CHECKS`.
* a **result**: a dataclass with :class:`Result`, holding the records every
  run has (arrivals, outcomes, accounting, why the run stopped) and the
  common readings (:meth:`~Result.count`, :meth:`~Result.success_rate`,
  :attr:`~Result.balanced`, :meth:`~Result.describe`), and, for a run that
  hands work to queues, the work accepted for later that is still pending or
  was dead-lettered (:meth:`~Result.message_queues`, :meth:`~Result.pending`,
  :meth:`~Result.dead_lettered`);
* a **run**: a :class:`Run`, owning the world, the arrivals loop and the
  per-request accounting; the story builds its services and writes
  ``_begin(i)``, the process of request ``i`` from its arrival;
* the public functions: ``run_<story>(style, *, seed, config, **options)``
  through :func:`run_style`, and "the same requests in both styles" through
  :func:`run_styles`.

Outcomes. Each result lists its own (``Result.OUTCOMES``) and says which one
counts as a success (``SUCCESS``) and which leave a request out of the success
rate (``NOT_ASKED``). The words every story shares are here: ``"ok"`` (the
word a service answers with), ``"failed"`` and ``"in flight"`` (no answer yet
at the end of the run); a story adds its own (the checkout's ``"completed"``
and ``"declined"``, the pool's ``"gave up"`` and ``"timed out"``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from .. import _check
from ..faults import HEALTHY, Faults
from ..records import Accounting, Sampler, TimeSeries
from ..service import OK
from ..world import HOUR_MS, World
from . import _checks as checks
from ._checks import Check
from .causes import Explained

__all__ = [
    "STYLES",
    "OK",
    "FAILED",
    "IN_FLIGHT",
    "NOT_ARRIVED",
    "Checked",
    "SlowdownWindow",
    "WINDOW_CHECKS",
    "Result",
    "Run",
    "config_of",
    "run_style",
    "run_styles",
]

#: how a scenario can be built: callers wait for each answer, or hand work to a queue
STYLES = ("sync", "async")

# -- outcomes every story shares (OK is the service's own word: a request served) --
FAILED = "failed"
IN_FLIGHT = "in flight"
#: the outcome of a request whose arrival the run never reached (cut short)
NOT_ARRIVED = "not arrived"
#: the accounting's name for those requests
_NOT_YET_ARRIVED = "not yet arrived"


class Checked:
    """Base of a scenario config (a frozen dataclass): validates its fields on creation.

    ``CHECKS`` maps every field to its :data:`Check`; the checks run in field
    order and each field stores what its check returns. :meth:`check` then
    checks across fields.
    """

    CHECKS: ClassVar[Mapping[str, Check]] = {}

    def __post_init__(self):
        declared = type(self).CHECKS
        for f in fields(self):
            check = declared.get(f.name)
            if check is None:
                raise TypeError(f"{type(self).__name__}.CHECKS has no check for {f.name!r}")
            object.__setattr__(self, f.name, check(f.name, getattr(self, f.name)))
        self.check()

    def check(self) -> None:
        """Checks across fields, after each field's own (none by default)."""


#: the checks of :class:`SlowdownWindow`'s fields
WINDOW_CHECKS: Mapping[str, Check] = {
    "duration_ms": checks.ms(high=HOUR_MS, low_open=True),
    "slowdown": checks.number(low=0.01, high=1000.0),
    "slow_start_ms": checks.ms(),
    "slow_ms": checks.ms(allow_inf=True),
}


class SlowdownWindow:
    """A config of a run of ``duration_ms`` with one slowdown window.

    The config declares the fields ``duration_ms``, ``slowdown``,
    ``slow_start_ms`` and ``slow_ms`` (with :data:`WINDOW_CHECKS`).
    """

    duration_ms: float
    slowdown: float
    slow_start_ms: float
    slow_ms: float

    @property
    def window(self) -> tuple[float, float]:
        """The slowdown's (start, end) in ms, clipped to the run's arrivals."""
        start = min(self.slow_start_ms, self.duration_ms)
        return start, min(self.slow_start_ms + self.slow_ms, self.duration_ms)

    @property
    def slowdown_faults(self) -> Faults:
        """The slowdown as a fault schedule (healthy if there is none)."""
        if self.slowdown == 1.0 or self.slow_ms == 0:
            return HEALTHY
        start = self.slow_start_ms
        return Faults.slow(self.slowdown, start, start + self.slow_ms)


# == results ==============================================================================
@dataclass
class Result(Explained):
    """What happened in one run. Times in ms; arrays indexed by request (in arrival order).

    A story's result adds its own records (fields) and readings (methods), and
    sets ``OUTCOMES``, ``SUCCESS``, ``NOT_ASKED`` and ``UNIT``. Why each request ended as
    it did: :meth:`causes`, :meth:`explain` (:class:`~.causes.Explained`).
    """

    #: every outcome a request can end with, ``"in flight"`` last
    OUTCOMES: ClassVar[tuple[str, ...]] = (OK, FAILED, IN_FLIGHT)
    #: the outcome that counts as a success
    SUCCESS: ClassVar[str] = OK
    #: outcomes left out of the success rate's denominator
    NOT_ASKED: ClassVar[tuple[str, ...]] = ()
    #: what the run counts ("requests", "orders")
    UNIT: ClassVar[str] = "requests"

    style: str
    seed: int
    config: Any
    arrival_ms: np.ndarray
    outcome: np.ndarray
    series: dict[str, TimeSeries]
    accounting: Accounting  # where every request is
    stop_reason: str  # "horizon", "idle" or "event budget"
    events: int
    horizon_ms: float

    @property
    def n_requests(self) -> int:
        """Requests of the run (arrived or not)."""
        return int(self.arrival_ms.size)

    def count(self, outcome: str) -> int:
        """How many requests ended with ``outcome``."""
        _check.choice("outcome", outcome, self.OUTCOMES)
        return int(np.count_nonzero(self.outcome == outcome))

    @property
    def in_flight(self) -> int:
        """Requests without an answer when the run stopped."""
        return self.count(IN_FLIGHT)

    def _mask(self, start_ms: float | None = None, end_ms: float | None = None) -> np.ndarray:
        """Requests that arrived in [start_ms, end_ms) (None: no bound)."""
        mask = np.ones(self.arrival_ms.size, dtype=bool)
        if start_ms is not None:
            mask &= self.arrival_ms >= start_ms
        if end_ms is not None:
            mask &= self.arrival_ms < end_ms
        return mask

    def _rate(self, mask: np.ndarray) -> float:
        outcome = self.outcome[mask]
        asked = outcome.size - sum(int(np.count_nonzero(outcome == o)) for o in self.NOT_ASKED)
        succeeded = int(np.count_nonzero(outcome == self.SUCCESS))
        return succeeded / asked if asked else math.nan

    def success_rate(self, *, start_ms: float | None = None, end_ms: float | None = None) -> float:
        """Share of requests arriving in [start_ms, end_ms) that succeeded; nan if none.

        Requests whose outcome is in ``NOT_ASKED`` are left out (the
        checkout's declined payments).
        """
        return self._rate(self._mask(start_ms, end_ms))

    def _other_accounts(self) -> tuple[Accounting, ...]:
        """Accountings besides the requests' (messages, attempts), for :attr:`balanced`."""
        return ()

    def message_queues(self) -> dict[str, Accounting]:
        """The accountings of the queues this run handed work to, by queue name ({} in sync).

        Read from the result's other accountings: those of messages, with an
        acknowledged and a dead-lettered part (a queue's, see ``Queue.accounting``).
        """
        queues = {}
        for acc in self._other_accounts():
            if "acknowledged" in acc.parts and "dead-lettered" in acc.parts:
                name = acc.what.removeprefix("messages in ").rsplit("/", 1)[-1]
                queues[name] = acc
        return queues

    def pending(self) -> dict[str, int]:
        """Per queue, messages neither acknowledged nor dead-lettered when the run stopped.

        Work accepted for later and not done yet: waiting, in process, or
        awaiting redelivery.
        """
        return {
            name: acc.total - acc.parts["acknowledged"] - acc.parts["dead-lettered"]
            for name, acc in self.message_queues().items()
        }

    def dead_lettered(self) -> dict[str, int]:
        """Per queue, messages dead-lettered: accepted work that failed every try."""
        return {name: acc.parts["dead-lettered"] for name, acc in self.message_queues().items()}

    @property
    def balanced(self) -> bool:
        """Every request (and every message or attempt) is accounted for exactly once."""
        return self.accounting.balanced and all(a.balanced for a in self._other_accounts())

    @property
    def label(self) -> str:
        """How :meth:`describe` names this run (its style, unless the story says more)."""
        return self.style

    def _headline(self) -> str:
        return f"{self.success_rate():.0%} of {self.n_requests:,} {self.UNIT} succeeded"

    def describe(self) -> str:
        """One line with the key numbers.

        A run that hands work to queues adds what became of the work accepted
        for later: an async "confirmed" or "ok" is an acknowledgement, and
        accepted work can still be pending at the end or dead-lettered.
        """
        return f"{self.label}: {self._headline()}{self._later()}"

    def _later(self) -> str:
        """The work accepted for later, dead-lettered and still pending ("" without queues)."""
        dead, pending = self.dead_lettered(), self.pending()
        if not dead:
            return ""

        def count(per_queue: dict[str, int]) -> str:
            total = sum(per_queue.values())
            if not total:
                return "none"
            text = f"{total:,} message{'' if total == 1 else 's'}"
            if len(per_queue) > 1:
                text += f" ({', '.join(f'{n} {k:,}' for n, k in per_queue.items() if k)})"
            return text

        return (
            f". Accepted for later: {count(dead)} dead-lettered, "
            f"{count(pending)} still pending at the end."
        )


# == runs =================================================================================
class Run:
    """One run of a story: the world, the arrivals loop and the accounting of requests.

    A story's ``__init__`` draws the arrivals, calls ``super().__init__``,
    builds its services and ``self.sampler``, then calls :meth:`_simulate`.
    It writes ``_begin(i)`` (the process of request ``i``), calls
    :meth:`_finish` when a request has its answer, and adds its records in
    :meth:`_records`.
    """

    CONFIG: ClassVar[type]
    RESULT: ClassVar[type[Result]]

    def __init__(
        self,
        style: str,
        seed: int,
        config: Any,
        arrivals: np.ndarray,
        horizon_ms: float,
        max_events: int,
    ):
        self.style, self.seed, self.config = style, seed, config
        self.arrivals = arrivals
        n = arrivals.size
        self.world = World(seed, horizon_ms, max_events)
        self.outcome = [""] * n  # "" until it arrives
        self.finished_ms = [math.nan] * n  # when each request got its answer
        self.counts = dict.fromkeys(self.RESULT.OUTCOMES, 0)
        self.arrived = 0
        self.sampler: Sampler | None = None

    def _begin(self, i: int):
        """The process of request ``i``, started at its arrival (a generator)."""
        raise NotImplementedError

    def _simulate(self) -> None:
        self.world.process(self._arrive())
        self.world.run()

    def _arrive(self):
        env = self.world.env
        begin, outcome, counts = self._begin, self.outcome, self.counts
        for i, t in enumerate(self.arrivals.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            self.arrived += 1
            outcome[i] = IN_FLIGHT
            counts[IN_FLIGHT] += 1
            env.process(begin(i))

    def _finish(self, i: int, outcome: str) -> None:
        """Request ``i`` has its answer: ``outcome``, now."""
        self.outcome[i] = outcome
        self.finished_ms[i] = self.world.env.now
        self.counts[outcome] += 1
        self.counts[IN_FLIGHT] -= 1

    def _records(self) -> dict[str, Any]:
        """The story's own fields of its result."""
        return {}

    def result(self) -> Result:
        n = int(self.arrivals.size)
        parts = dict(self.counts)
        if self.arrived < n:
            parts[_NOT_YET_ARRIVED] = n - self.arrived
        w = self.world
        return self.RESULT(
            style=self.style,
            seed=self.seed,
            config=self.config,
            arrival_ms=self.arrivals,
            outcome=np.asarray([o or NOT_ARRIVED for o in self.outcome]),
            series=self.sampler.series(),
            accounting=Accounting(self.RESULT.UNIT, n, parts),
            stop_reason=w.stop_reason,
            events=w.events,
            horizon_ms=w.horizon_ms,
            **self._records(),
        )


# == the public functions ==================================================================
def config_of(kind: type, config: Any, options: Mapping[str, Any]) -> Any:
    """``config`` if it is a ``kind``, else a ``kind`` made of ``options`` (not both)."""
    name = kind.__name__
    if config is None:
        return kind(**options)
    if options:
        raise checks.refuse(
            f"options = {sorted(options)!r} is not allowed together with config: "
            f"give either a {name} or options, not both."
        )
    if not isinstance(config, kind):
        raise _check.fail("config", config, f"a {name}")
    return config


def run_style(
    run: type[Run], style: str, seed: int, config: Any, options: Mapping[str, Any]
) -> Result:
    """Run a story in ``style``: checks the style, the config (or options) and the seed."""
    _check.choice("style", style, STYLES)
    config = config_of(run.CONFIG, config, options)
    return run(style, _check.integer("seed", seed, low=0), config).result()


def run_styles(
    run_one: Callable[..., Result], kind: type, seed: int, options: Mapping[str, Any]
) -> tuple[Result, ...]:
    """The same requests (one config, one seed) run by ``run_one`` in each of :data:`STYLES`."""
    config = kind(**options)
    return tuple(run_one(style, seed=seed, config=config) for style in STYLES)
