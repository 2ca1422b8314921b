"""Retry storms: how naive retries turn a short slowdown into a lasting outage.

Covers: timeouts, retries, exponential backoff, jitter, retry budgets,
metastable failure, load amplification, a queue as a shock absorber.

Scenario: clients send requests (Poisson arrivals) to a service with a few
workers; its capacity is ``workers / mean latency``, and the default load
uses 60 % of it, and 5 % of requests fail at random (a transient error,
which is what retries are for). For a while (``slow_start_ms``, ``slow_ms``) the service
is ``slowdown`` times slower, so its capacity falls below the load.

* ``style="sync"`` — each client waits at most ``timeout_ms`` for an answer,
  then retries by its :class:`~servicelab.sync.Retry` policy. A timed-out
  attempt is **not** withdrawn: the service still does it, for nobody. With
  *naive* retries (several attempts, no wait) every slow answer turns into
  more requests, the queue grows, every attempt waits longer than the
  timeout, and each original request costs the service ``attempts`` units
  of work: the offered load is multiplied. If ``arrival rate × attempts``
  exceeds the capacity, the storm feeds itself and goes on after the
  slowdown has ended (a *metastable* failure). Exponential backoff with
  jitter spreads retries out; a **retry budget** (``budget`` retries per
  request, a token bucket as in gRPC and the AWS SDKs) caps how many there
  are, so the load stays near the healthy one and the queue drains.
* ``style="async"`` — each client publishes its request to a queue and gets
  an acknowledgement at once; the service's workers consume the queue at the
  rate they can. A slowdown grows the backlog, which drains afterwards;
  failed work is redelivered, never lost, and no client retries.

The same ``seed`` gives the same arrivals, the same work per attempt and the
same jitter in every run (common random numbers).

Outcomes of a request: ``"ok"`` (sync: answered within the timeout on some
attempt; async: processed), ``"failed"`` (sync: every allowed attempt timed
out; async: every delivery failed and the message was dead-lettered) or
``"in flight"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..faults import Faults
from ..latency import Latency, LogNormal
from ..messaging import Queue
from ..records import Accounting, Sampler, percentile
from ..service import MAX_WORKERS, Service
from ..sync import Retry
from ..world import DEFAULT_MAX_EVENTS, HOUR_MS, World
from . import _checks as checks
from ._base import (
    FAILED,
    IN_FLIGHT,
    OK,
    WINDOW_CHECKS,
    Checked,
    Result,
    Run,
    SlowdownWindow,
    run_style,
)
from .arrivals import poisson_times
from .retry_policies import POLICIES, Policy, as_policies, as_policy
from .retry_storm_story import StormStory

__all__ = ["POLICIES", "Policy", "StormConfig", "StormResult", "run_retry_storm", "run_policies"]

OUTCOMES = (OK, FAILED, IN_FLIGHT)

#: one request's work at the healthy service: mean 100 ms, so 2 workers serve ~20/s
SERVICE_LATENCY = LogNormal(100.0, 0.3)
#: The most requests a run takes. A sync request needs 6–21 simulation events
#: (no retries 6–10, naive 13–19, backoff 17–21), an async one 5–8, so about
#: 50,000 fit the kit's budget of 1,000,000 events (DEFAULT_MAX_EVENTS), run at
#: 150,000–250,000 events/s: at most ~7 s of CPU, ~300 MB.
MAX_REQUESTS = 50_000


@dataclass(frozen=True)
class StormConfig(SlowdownWindow, Checked):
    """Everything a retry-storm run depends on (validated on creation).

    Times in ms; ``arrival_rate`` in requests per second.
    """

    arrival_rate: float = 12.0
    workers: int = 2
    latency: Latency | float = SERVICE_LATENCY
    duration_ms: float = 30_000.0
    slowdown: float = 3.0
    slow_start_ms: float = 5_000.0
    slow_ms: float = 5_000.0
    timeout_ms: float = 1_000.0
    error_rate: float = 0.05
    policy: Policy | str | Retry = "naive"
    publish_ms: Latency | float = 2.0
    redelivery_ms: float = 1_000.0
    drain_ms: float = 2_000.0
    bin_ms: float = 1_000.0
    max_events: int = DEFAULT_MAX_EVENTS

    CHECKS = {
        "arrival_rate": checks.number(low=0.0, high=10_000.0, low_open=True),
        "workers": checks.count(high=MAX_WORKERS),
        "latency": checks.latency(positive=True),
        **WINDOW_CHECKS,
        "timeout_ms": checks.ms(high=HOUR_MS, low_open=True),
        "error_rate": checks.probability(),
        "policy": as_policy,
        "publish_ms": checks.latency(),
        "redelivery_ms": checks.ms(high=HOUR_MS),
        "drain_ms": checks.ms(high=HOUR_MS),
        "bin_ms": checks.ms(low=10.0, high=HOUR_MS),
        "max_events": checks.events(),
    }

    def check(self, runs: int = 1):
        """Checks across fields; ``runs``: how many runs of this config one call makes."""
        n = self.arrival_rate * self.duration_ms / 1000
        if n * runs > MAX_REQUESTS:
            each = f" in each of {runs} runs ({runs} policies and async)" if runs > 1 else ""
            raise checks.refuse(
                f"duration_ms = {self.duration_ms:g} is not allowed at arrival_rate "
                f"{self.arrival_rate:g}: it makes ~{n:,.0f} requests{each}; arrival_rate × "
                f"duration_ms / 1000{f' × {runs}' if runs > 1 else ''} must be ≤ {MAX_REQUESTS:,}."
            )
        # the state is sampled 4 times a bin, until the end of the drain
        how = " (duration_ms + drain_ms; the state is sampled 4 times a bin)"
        checks.few_samples("bin_ms", self.bin_ms, self.duration_ms + self.drain_ms, per=4, how=how)

    @property
    def capacity(self) -> float:
        """Requests per second the healthy service can serve: workers / mean latency."""
        return self.workers * 1000.0 / self.latency.mean_ms

    @property
    def utilization(self) -> float:
        """Share of the healthy capacity the arrivals use (no retries)."""
        return self.arrival_rate / self.capacity

    @property
    def faults(self) -> Faults:
        """The service's faults: the slowdown window and the transient error rate."""
        return self.slowdown_faults + Faults(error_rate=self.error_rate)


@dataclass
class StormResult(StormStory, Result):
    """What happened in one retry-storm run. Times in ms; arrays indexed by request.

    ``outcome``: "ok" (async: processed), "failed" (async: dead-lettered) or
    "in flight"; ``series``: "queue" and "busy".
    """

    OUTCOMES = OUTCOMES

    done_ms: np.ndarray  # sync: the final answer; async: when processed or dead-lettered
    attempts: np.ndarray  # attempts each request made (async: deliveries)
    sent_ms: np.ndarray  # sync: when each attempt was sent; async: when each was queued
    work: Accounting  # sync: where every attempt is; async: where every message is
    redelivered: int  # async: messages delivered again after a failed try

    @property
    def label(self) -> str:
        if self.style == "async":
            return "async queue"
        return f"sync, {self.config.policy.label}"

    @property
    def amplification(self) -> float:
        """Load amplification: attempts sent to the service per original request.

        Async: messages queued (publishes and redeliveries) per request.
        """
        sent = self.sent_ms.size + self.redelivered
        return sent / self.n_requests if self.n_requests else math.nan

    def _edges(self):
        b = self.config.bin_ms
        n_bins = max(int(math.ceil(self.config.duration_ms / b)), 1)
        return b, n_bins

    def _per_bin(self, times: np.ndarray) -> np.ndarray:
        b, n_bins = self._edges()
        t = times[times < n_bins * b]
        return np.bincount((t // b).astype(int), minlength=n_bins)[:n_bins]

    def times(self) -> np.ndarray:
        """Bin centres in ms, up to the duration."""
        b, n_bins = self._edges()
        return (np.arange(n_bins) + 0.5) * b

    def goodput(self) -> np.ndarray:
        """Requests per second that succeeded, per bin of finishing time."""
        done = self.done_ms[self.outcome == OK]
        return self._per_bin(done) * 1000.0 / self.config.bin_ms

    def offered_load(self) -> np.ndarray:
        """Attempts per second that reached the service, per bin (retries included)."""
        return self._per_bin(self.sent_ms) * 1000.0 / self.config.bin_ms

    def p99_over_time(self) -> np.ndarray:
        """p99 in ms, per arrival bin, of the time until a request was done (nan: none).

        Sync: until the user's final answer (success or last failure); async:
        until the work was processed or dead-lettered. Requests still in flight count as
        waiting until the horizon, so a backlog shows.
        """
        b, n_bins = self._edges()
        waited = np.where(np.isnan(self.done_ms), self.horizon_ms, self.done_ms) - self.arrival_ms
        idx = (self.arrival_ms // b).astype(int)
        out = np.full(n_bins, np.nan)
        # one sort, then each bin's slice: O(n log n) however many bins there are
        order = np.argsort(idx, kind="stable")
        idx, waited = idx[order], waited[order]
        bins, starts = np.unique(idx, return_index=True)
        for k, v in zip(bins.tolist(), np.split(waited, starts[1:]), strict=True):
            if 0 <= k < n_bins:
                out[k] = np.percentile(v, 99)
        return out

    def p99(self) -> float:
        """p99 in ms of the time until done, over requests that finished."""
        return percentile(self.done_ms - self.arrival_ms, 99)

    def mean_goodput(self, start_ms: float, end_ms: float) -> float:
        """Mean goodput (requests/s) over the bins whose centre is in [start, end)."""
        t = self.times()
        mask = (t >= start_ms) & (t < end_ms)
        return float(self.goodput()[mask].mean()) if mask.any() else math.nan

    def amplification_between(self, start_ms: float, end_ms: float) -> float:
        """Attempts received per request that arrived, both within [start, end)."""
        sent = np.count_nonzero((self.sent_ms >= start_ms) & (self.sent_ms < end_ms))
        arrived = np.count_nonzero((self.arrival_ms >= start_ms) & (self.arrival_ms < end_ms))
        return sent / arrived if arrived else math.nan

    def after_recovery(self) -> tuple[float, float]:
        """(goodput in requests/s, load amplification) from 5 s after the slowdown to the end."""
        start = self.config.window[1] + 5_000.0
        end = self.config.duration_ms
        return self.mean_goodput(start, end), self.amplification_between(start, end)

    def _other_accounts(self) -> tuple[Accounting, ...]:
        return (self.work,)

    def _headline(self) -> str:
        good, amp = self.after_recovery()
        p99 = self.p99()
        text = (
            f"{self.success_rate():.0%} of {self.n_requests:,} requests ok, load amplification "
            f"{self.amplification:.2f}×, "
            + (f"p99 {p99:,.0f} ms" if not math.isnan(p99) else "no request finished")
        )
        if not math.isnan(good):
            start = (self.config.window[1] + 5_000) / 1000
            text += f"; from {start:g} s on: {good:.1f} ok/s at {amp:.1f}× load"
        return text


def run_retry_storm(
    style: str = "sync", *, seed: int = 0, config: StormConfig | None = None, **options
) -> StormResult:
    """Run the retry-storm story in ``style`` ``"sync"`` or ``"async"``.

    Options are the fields of :class:`StormConfig` (or pass ``config``).
    Example: ``run_retry_storm("sync", policy="naive", slowdown=3)``.
    """
    return run_style(_Run, style, seed, config, options)


def run_policies(
    policies=("naive", "backoff", "budget"), *, seed: int = 0, **options
) -> dict[str, StormResult]:
    """The same requests run sync with each policy, then async; keyed by policy and ``"async"``.

    ``policies``: one policy or a list of up to ``len(POLICIES)`` (each a run); the runs
    together take at most MAX_REQUESTS requests.
    """
    policies = as_policies("policies", policies)  # all checked before the first run
    StormConfig(**options).check(runs=len(policies) + 1)  # together, as much as one run
    out = {}
    for p in policies:
        out[p if isinstance(p, str) else as_policy("policy", p).label] = run_retry_storm(
            "sync", seed=seed, policy=p, **options
        )
    out["async"] = run_retry_storm("async", seed=seed, **options)
    return out


class _Run(Run):
    """One run: builds the world, runs it, collects the result."""

    CONFIG, RESULT = StormConfig, StormResult

    def __init__(self, style: str, seed: int, c: StormConfig):
        arrivals = poisson_times(World(seed).rng("arrivals"), c.arrival_rate, c.duration_ms)
        super().__init__(style, seed, c, arrivals, c.duration_ms + c.drain_ms, c.max_events)
        w = self.world
        self.service = Service(w, "service", c.latency, c.workers, c.faults)
        self.attempts = [0] * arrivals.size
        self.sent: list[float] = []
        self.tokens = c.policy.burst
        # what the service did with the attempts it received
        self.useful = 0  # finished while its client still waited
        self.wasted = 0  # finished after its client had timed out
        self.queue: Queue | None = None
        if style == "async":
            self.queue = Queue(w, "requests", max_attempts=100, redelivery_ms=c.redelivery_ms)
            self.queue.consume(self.service, on_ack=self._processed, on_dead_letter=self._dead)
            self._publish_ms = w.draws("publish", c.publish_ms.sample)
            probes = {"queue": lambda: self.queue.backlog}
        else:
            probes = {"queue": lambda: len(self.service.pool.queue)}
        probes["busy"] = lambda: self.service.busy
        self.sampler = Sampler(w, c.bin_ms / 4, probes)
        self._simulate()

    def _begin(self, i: int):
        return self._sync(i) if self.queue is None else self._async(i)

    # -- sync: timeouts and retries ---------------------------------------------------
    def _attempt(self, key: int, attempt: int, waiting: list):
        """One attempt at the service; ``waiting[0]`` is False once its client gave up."""
        self.sent.append(self.world.env.now)
        outcome = yield from self.service.handle(key, attempt)
        if waiting[0]:
            self.useful += 1
        else:
            self.wasted += 1
        return outcome

    def _sync(self, i: int):
        c = self.config
        env = self.world.env
        policy = c.policy
        retry = policy.retry
        if policy.budget is not None:
            self.tokens = min(policy.burst, self.tokens + policy.budget)
        for attempt in range(retry.attempts):
            if attempt:
                if policy.budget is not None:
                    if self.tokens < 1.0:
                        break  # out of budget: fail now instead of adding load
                    self.tokens -= 1.0
                delay = retry.wait_ms(self.service, i, attempt)
                if delay:
                    yield env.timeout(delay)
            self.attempts[i] += 1
            waiting = [True]
            work = env.process(self._attempt(i, attempt, waiting))
            yield work | env.timeout(c.timeout_ms)
            if work.triggered and work.value == OK:
                self._finish(i, OK)
                return
            waiting[0] = False  # the service may still do this attempt, for nobody
        self._finish(i, FAILED)

    # -- async: publish, get an ack, the service consumes ---------------------------------
    def _async(self, i: int):
        delay = self._publish_ms[i]
        if delay:
            yield self.world.env.timeout(delay)
        self.sent.append(self.world.env.now)
        yield from self.queue.publish(i, pay_latency=False)

    def _processed(self, message, now):
        self.attempts[message.key] = message.attempts + 1
        self._finish(message.key, OK)

    def _dead(self, message, now):
        """Its last delivery failed: dead-lettered, so the request failed (now)."""
        self.attempts[message.key] = message.attempts
        self._finish(message.key, FAILED)

    def _records(self) -> dict:
        if self.queue is None:
            work = Accounting(
                "attempts sent",
                len(self.sent),
                {
                    "served for a waiting client": self.useful,
                    "served after its client gave up": self.wasted,
                    "in service": self.service.pool.count,
                    "waiting in the service's queue": len(self.service.pool.queue),
                },
            )
        else:
            work = self.queue.accounting()
        return dict(
            done_ms=np.asarray(self.finished_ms, dtype=float),
            attempts=np.asarray(self.attempts),
            sent_ms=np.asarray(self.sent, dtype=float),
            work=work,
            redelivered=self.queue.redelivered if self.queue is not None else 0,
        )
