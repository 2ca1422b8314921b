"""How much does the kit cost over plain simpy? The checkout, timed both ways.

The kit's checkout (``servicelab.run_checkout`` with its default config) is
timed against :func:`raw_checkout`, the same workload written by hand in plain
simpy the way a competent person would: every random number drawn up front
with vectorised numpy calls, a ``simpy.Resource`` per service, a
``simpy.Store`` per subscriber queue with one consumer process per worker, and
plain lists for the records. The raw model only covers the no-fault path
(no outages, slowdowns, errors, timeouts or retries), which is all the
default config exercises.

The raw model derives its random streams the way ``servicelab.world.World``
does (a ``SeedSequence`` of the seed, keyed by the CRC-32 of the stream's
name), so with the same seed both models see the very same arrivals, demands
and declines. The benchmark therefore checks that they agree exactly on
what happened to every order, and raises if the counts of completed,
declined and in-flight orders differ: a speed comparison of two different
computations would mean nothing.

Timings are interleaved (kit and raw alternate, and which one goes first
alternates too), so that machine noise hits both alike, and the *fastest*
of the repeats is reported: noise from other processes only ever adds time,
so the minimum is the most repeatable estimate (as ``timeit`` advises). The
ratio kit/raw is printed next to its target, never asserted.
"""

from __future__ import annotations

import gc
import math
import os
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from servicelab import CheckoutConfig, Fixed, LogNormal, run_checkout
from servicelab.scenarios.checkout import DEFAULT_LATENCY, DEFAULT_WORKERS

# -- what is measured -----------------------------------------------------------------------------
#: Seed of both models (same seed, same random numbers).
SEED = 0
#: Checkout sizes timed, in orders.
ORDER_COUNTS = (1_000, 10_000)
#: The kit's two architectures.
STYLES = ("sync", "async")
#: Timed repeats of each model per (size, style); ``--quick`` uses QUICK_REPEATS.
REPEATS = 7
QUICK_REPEATS = 2
#: The kit may take at most this many times the raw model's wall-clock time (printed, not asserted).
TARGET_RATIO = 1.3
#: Relative gap allowed between the two models' mean wait of completed orders (a fraction).
MEAN_WAIT_TOLERANCE = 0.01

# -- the raw model's parameters: the kit's defaults, checked by check_parameters() ----------------
#: Poisson arrivals, in orders per second.
ARRIVAL_RATE_PER_S = 5.0
#: Fraction of payments declined.
DECLINE_RATE = 0.05
#: The order service's cost of publishing OrderCreated, in ms (fixed).
PUBLISH_MS = 2.0
#: Services after Payment: called in this order (sync) or subscribed to OrderCreated (async).
DOWNSTREAM = ("inventory", "email")
#: Simulated time after the last arrival before the run stops, in ms.
DRAIN_MS = 60_000.0
#: State samples per run: the sampler ticks every horizon / SAMPLES_PER_RUN ms (at least 1 ms).
SAMPLES_PER_RUN = 500
#: Log-normal service times per service: (mean in ms, sigma of the log).
LATENCY_MS = {name: (lat.mean_ms, lat.sigma) for name, lat in DEFAULT_LATENCY.items()}
#: Workers per service (requests served at once).
WORKERS = dict(DEFAULT_WORKERS)

SERVICES = ("order", "payment", *DOWNSTREAM)
COMPLETED, DECLINED, IN_FLIGHT = "completed", "declined", "in flight"


# -- the hand-written model -----------------------------------------------------------------------
def _stream(seed: int, name: str) -> np.random.Generator:
    """Random stream ``name`` of ``seed``, derived as ``servicelab.world.World.rng`` does."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


@dataclass
class RawResult:
    """What the raw model records: per-order lists and the sampled state. Times in ms."""

    arrival_ms: list[float]
    response_ms: list[float]  # nan while in flight
    outcome: list[str]  # "completed", "declined" or "in flight"
    task_done_ms: dict[str, list[float]]  # when each downstream service finished an order
    sample_t_ms: list[float]
    samples: dict[str, list[int]]  # same names as the kit's series


def raw_checkout(style: str, seed: int, n_orders: int) -> RawResult:
    """The default checkout in plain simpy: the no-fault path only (no errors, retries, timeouts).

    ``style="sync"``: the order's worker is held while it calls Payment, then
    each DOWNSTREAM service in turn. ``style="async"``: after Payment the
    order publishes (PUBLISH_MS) to one ``simpy.Store`` per DOWNSTREAM service,
    each consumed by one process per worker of that service.
    """
    # every random number, drawn up front
    gaps = _stream(seed, "arrivals").exponential(1000.0 / ARRIVAL_RATE_PER_S, n_orders)
    arrivals = np.cumsum(gaps)
    horizon = float(arrivals[-1]) + DRAIN_MS
    every = max(1.0, horizon / SAMPLES_PER_RUN)
    demand = {}
    for name in SERVICES:
        mean, sigma = LATENCY_MS[name]
        mu = math.log(mean) - sigma**2 / 2
        demand[name] = _stream(seed, f"demand:{name}:0").lognormal(mu, sigma, n_orders).tolist()
    declined = (_stream(seed, "decline").random(n_orders) < DECLINE_RATE).tolist()
    arrival_ms = arrivals.tolist()

    env = simpy.Environment()
    timeout = env.timeout
    pools = {name: simpy.Resource(env, capacity=WORKERS[name]) for name in SERVICES}
    response = [math.nan] * n_orders
    outcome = [""] * n_orders
    done = {d: [math.nan] * n_orders for d in DOWNSTREAM}
    consuming = dict.fromkeys(DOWNSTREAM, 0)
    in_flight = 0

    order_pool, payment_pool = pools["order"], pools["payment"]
    order_demand, payment_demand = demand["order"], demand["payment"]
    chain = [(pools[d], demand[d], done[d]) for d in DOWNSTREAM]

    def finish(i: int, result: str) -> None:
        nonlocal in_flight
        outcome[i] = result
        response[i] = env.now - arrival_ms[i]
        in_flight -= 1

    def sync_order(i: int):
        with order_pool.request() as worker:
            yield worker
            yield timeout(order_demand[i])
            with payment_pool.request() as req:
                yield req
                yield timeout(payment_demand[i])
            if declined[i]:
                finish(i, DECLINED)
                return
            for pool, service_demand, service_done in chain:
                with pool.request() as req:
                    yield req
                    yield timeout(service_demand[i])
                service_done[i] = env.now
            finish(i, COMPLETED)

    stores = {d: simpy.Store(env) for d in DOWNSTREAM} if style == "async" else {}
    puts = [store.put for store in stores.values()]

    def async_order(i: int):
        with order_pool.request() as worker:
            yield worker
            yield timeout(order_demand[i])
            with payment_pool.request() as req:
                yield req
                yield timeout(payment_demand[i])
            if declined[i]:
                finish(i, DECLINED)
                return
            yield timeout(PUBLISH_MS)
            for put in puts:
                put(i)  # unbounded store: accepted at once
            finish(i, COMPLETED)

    def consumer(name: str):
        get = stores[name].get
        service_demand, service_done = demand[name], done[name]
        while True:
            i = yield get()
            consuming[name] += 1
            yield timeout(service_demand[i])
            consuming[name] -= 1
            service_done[i] = env.now

    def arrive():
        nonlocal in_flight
        order = sync_order if style == "sync" else async_order
        process = env.process
        for i, t in enumerate(arrival_ms):
            if t > env.now:
                yield timeout(t - env.now)
            outcome[i] = IN_FLIGHT
            in_flight += 1
            process(order(i))

    sample_t: list[float] = []
    samples: dict[str, list[int]] = {f"busy {name}": [] for name in SERVICES}
    samples.update({f"waiting {name}": [] for name in SERVICES})  # for a worker (the flow map)
    if style == "async":
        samples.update({f"backlog {d}": [] for d in DOWNSTREAM})
        samples.update({f"dead {d}": [] for d in DOWNSTREAM})  # healthy: none, ever
    samples["orders in flight"] = []

    def sampler():
        busy = [(samples[f"busy {name}"], pools[name], name) for name in SERVICES]
        waiting = [(samples[f"waiting {name}"], pools[name]) for name in SERVICES]
        backlog = [(samples[f"backlog {d}"], stores[d].items, d) for d in stores]
        dead = [samples[f"dead {d}"] for d in stores]
        flight = samples["orders in flight"]
        while True:
            sample_t.append(env.now)
            for values, pool, name in busy:
                values.append(pool.count + consuming.get(name, 0))
            for values, pool in waiting:
                values.append(len(pool.queue))
            for values, items, name in backlog:
                values.append(len(items) + consuming[name])
            for values in dead:
                values.append(0)
            flight.append(in_flight)
            yield timeout(every)

    if style == "async":
        for d in DOWNSTREAM:
            for _ in range(WORKERS[d]):
                env.process(consumer(d))
    env.process(sampler())
    env.process(arrive())
    env.run(until=horizon)
    return RawResult(arrival_ms, response, outcome, done, sample_t, samples)


# -- timing ---------------------------------------------------------------------------------------
def _timed(run: Callable[[], object]) -> tuple[float, object]:
    """Wall-clock seconds of ``run()`` (after a garbage collection), and what it returned."""
    gc.collect()
    start = time.perf_counter()
    out = run()
    return time.perf_counter() - start, out


def _kit(style: str, n_orders: int):
    return run_checkout(style, seed=SEED, n_orders=n_orders)


def _raw(style: str, n_orders: int) -> RawResult:
    return raw_checkout(style, SEED, n_orders)


@dataclass
class Timing:
    """Best-of-repeats wall-clock seconds of both models for one (size, style), and results."""

    n_orders: int
    style: str
    kit_s: float
    raw_s: float
    kit_result: object
    raw_result: RawResult

    @property
    def ratio(self) -> float:
        return self.kit_s / self.raw_s


def measure(n_orders: int, style: str, repeats: int) -> Timing:
    """Time both models ``repeats`` times each, interleaved, alternating which goes first."""
    kit_times, raw_times = [], []
    kit_result = raw_result = None
    for r in range(repeats):
        order = ("kit", "raw") if r % 2 == 0 else ("raw", "kit")
        for which in order:
            if which == "kit":
                seconds, kit_result = _timed(lambda: _kit(style, n_orders))
                kit_times.append(seconds)
            else:
                seconds, raw_result = _timed(lambda: _raw(style, n_orders))
                raw_times.append(seconds)
    return Timing(
        n_orders,
        style,
        min(kit_times),
        min(raw_times),
        kit_result,
        raw_result,
    )


# -- equivalence ----------------------------------------------------------------------------------
def check_parameters() -> None:
    """Raise if the raw model's parameters differ from the kit's default config."""
    c = CheckoutConfig()
    kit = {
        "arrival rate": c.arrival_rate,
        "decline rate": c.decline_rate,
        "downstream": c.downstream,
        "publish": (type(c.publish_ms), c.publish_ms.mean_ms),
        "drain": c.drain_ms,
        "horizon": c.horizon_ms,
        "sample every": c.sample_every_ms,
        "timeout": c.timeout_ms,
        "attempts": c.retry.attempts,
        "queue capacity": c.queue_capacity,
        "healthy": all(f.healthy for f in c.faults.values()),
        "latency": {
            n: (type(lat), lat.mean_ms, getattr(lat, "sigma", None)) for n, lat in c.latency.items()
        },
        "workers": dict(c.workers),
    }
    raw = {
        "arrival rate": ARRIVAL_RATE_PER_S,
        "decline rate": DECLINE_RATE,
        "downstream": DOWNSTREAM,
        "publish": (Fixed, PUBLISH_MS),
        "drain": DRAIN_MS,
        "horizon": None,
        "sample every": None,
        "timeout": None,
        "attempts": 1,
        "queue capacity": None,
        "healthy": True,
        "latency": {n: (LogNormal, mean, sigma) for n, (mean, sigma) in LATENCY_MS.items()},
        "workers": WORKERS,
    }
    differ = [k for k in kit if kit[k] != raw[k]]
    if differ:
        raise AssertionError(f"raw model parameters differ from the kit's defaults: {differ}")


def _max_gap(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| where both are numbers; inf if they are not nan in the same places."""
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return math.inf
    mask = ~np.isnan(a)
    return float(np.max(np.abs(a[mask] - b[mask]), initial=0.0))


def compare(timing: Timing) -> dict[str, object]:
    """Compare the kit's and the raw model's last results; raise if their counts differ."""
    kit, raw = timing.kit_result, timing.raw_result
    raw_outcome = np.asarray(raw.outcome)
    counts = {
        o: (kit.count(o), int(np.count_nonzero(raw_outcome == o)))
        for o in (COMPLETED, DECLINED, IN_FLIGHT)
    }
    raw_response = np.asarray(raw.response_ms, dtype=float)
    kit_mean = float(np.mean(kit.latency(COMPLETED)))
    raw_mean = float(np.mean(raw_response[raw_outcome == COMPLETED]))
    wait_gap = _max_gap(kit.response_ms, raw_response)
    task_gap = max(
        _max_gap(kit.task_done_ms[d], np.asarray(raw.task_done_ms[d], dtype=float))
        for d in DOWNSTREAM
    )
    n = min(len(raw.sample_t_ms), len(next(iter(kit.series.values())).t_ms))
    series_same = set(kit.series) == set(raw.samples) and all(
        np.array_equal(kit.series[name].values[:n], np.asarray(raw.samples[name][:n], dtype=float))
        for name in raw.samples
    )
    label = f"{timing.n_orders:,} {timing.style}"
    for outcome, (k, r) in counts.items():
        if k != r:
            raise AssertionError(f"{label}: kit has {k:,} {outcome} orders, raw model {r:,}")
    if abs(kit_mean - raw_mean) > MEAN_WAIT_TOLERANCE * raw_mean:
        raise AssertionError(f"{label}: mean wait {kit_mean:.2f} ms (kit) vs {raw_mean:.2f} (raw)")
    return {
        "counts": counts,
        "mean wait": (kit_mean, raw_mean),
        "wait gap": wait_gap,
        "task gap": task_gap,
        "series same": series_same,
        "samples": n,
    }


# -- report ---------------------------------------------------------------------------------------
def _machine() -> str:
    """CPUs and load average, to judge how noisy the timings may be."""
    try:
        load = "load average {:.1f}, {:.1f}, {:.1f} (1, 5, 15 min)".format(*os.getloadavg())
    except (AttributeError, OSError):  # not available on Windows
        load = "load average unknown"
    return f"machine: {os.cpu_count()} CPUs, {load}"


def main(quick: bool = False) -> list[Timing]:
    """Run the benchmark, print its table, equivalence check and verdict; return the timings."""
    repeats = QUICK_REPEATS if quick else REPEATS
    began = time.perf_counter()
    check_parameters()
    for style in STYLES:  # warm up imports and caches, untimed
        _kit(style, ORDER_COUNTS[0])
        _raw(style, ORDER_COUNTS[0])

    timings = [measure(n, style, repeats) for n in ORDER_COUNTS for style in STYLES]

    print("Checkout overhead: servicelab.run_checkout (kit) vs the same model in plain simpy (raw)")
    print(
        f"default config, seed {SEED}, {repeats} interleaved repeats each, "
        "fastest wall-clock time (time.perf_counter)"
    )
    print(_machine())
    print()
    header = f"{'orders':>8}  {'style':<6} {'kit s':>9} {'raw s':>9} {'kit/raw':>8}  target"
    print(header)
    print("-" * len(header))
    for t in timings:
        mark = "ok" if t.ratio <= TARGET_RATIO else "OVER"
        print(
            f"{t.n_orders:>8,}  {t.style:<6} {t.kit_s:>9.4f} {t.raw_s:>9.4f} "
            f"{t.ratio:>7.2f}×  ≤ {TARGET_RATIO:.1f}× {mark}"
        )
    print()

    print("Equivalence, kit vs raw (same seed and random streams; order counts asserted equal):")
    print("  raw model parameters = the kit's default config: yes (asserted)")
    print(
        f"  {'orders':>6}  {'style':<5}  {'completed':>13}  {'declined':>9}  {'in flight':>9}  "
        f"{'mean wait ms':>15}  {'max |Δ| ms':>10}  state samples"
    )
    for t in timings:
        c = compare(t)
        cells = [f"{k:,}={r:,}" for k, r in c["counts"].values()]
        means = "{:.2f}/{:.2f}".format(*c["mean wait"])
        gap = max(c["wait gap"], c["task gap"])
        same = "identical" if c["series same"] else "DIFFER"
        print(
            f"  {t.n_orders:>6,}  {t.style:<5}  {cells[0]:>13}  {cells[1]:>9}  {cells[2]:>9}  "
            f"{means:>15}  {gap:>10.3g}  {c['samples']} {same}"
        )
    print("  (max |Δ| ms: largest gap between the two models in any order's wait or task finish)")
    print()

    worst = max(timings, key=lambda t: t.ratio)
    over = [f"{t.n_orders:,} {t.style}" for t in timings if t.ratio > TARGET_RATIO]
    if over:
        verdict = f"kit over the {TARGET_RATIO:.1f}× target at {', '.join(over)}"
    else:
        verdict = f"kit within the {TARGET_RATIO:.1f}× target everywhere"
    print(
        f"Verdict: {verdict} (worst {worst.ratio:.2f}× at {worst.n_orders:,} orders "
        f"{worst.style}); took {time.perf_counter() - began:.0f} s."
    )
    return timings
