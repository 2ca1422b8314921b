"""Every public entry point is bounded: it refuses with a sentence naming the limit, or runs
within a bound of simulation events (never a bound of seconds: no test here is timed).

The limits and the measurements behind them sit next to their constants:
``world.DEFAULT_MAX_EVENTS`` (a scenario run's budget), ``world.MAX_EVENTS`` (a World's),
``world.MAX_KEY`` and ``MAX_DRAWS`` (keyed draws), ``records.MAX_SAMPLES`` (a sampler),
``checkout.MAX_ORDERS``, ``pool_exhaustion.MAX_REQUESTS``, ``retry_storm.MAX_REQUESTS`` and
``chain.MAX_SIMULATED``. A heavy setting found by the reliability review is listed with what
it used to cost on the 2-core reference machine.
"""

import math

import numpy as np
import pytest

from servicelab import Faults, Retry, Service, World, run_both, run_checkout
from servicelab.records import MAX_SAMPLES, Sampler
from servicelab.scenarios import checkout, pool_exhaustion, retry_storm
from servicelab.scenarios.chain import MAX_SIMULATED, run_chain
from servicelab.scenarios.checkout import CheckoutConfig
from servicelab.scenarios.pool_exhaustion import PoolConfig, run_pool_exhaustion
from servicelab.scenarios.retry_storm import StormConfig, run_policies, run_retry_storm
from servicelab.world import DEFAULT_MAX_EVENTS, MAX_DRAWS, MAX_EVENTS, MAX_HORIZON_MS, MAX_KEY

DAYS_30 = 30 * 24 * 3600 * 1000.0

# (what to call, the sentence's start, a phrase naming the limit); "was" is the cost before
REFUSED = {
    # was 56 s and 1 GB: 200,000 requests, and simpy's lists grew with the queue
    "storm of 200,000 requests": (
        lambda: run_retry_storm("sync", arrival_rate=10000, duration_ms=20000),
        "duration_ms = 20000 is not allowed at arrival_rate 10000",
        f"must be ≤ {retry_storm.MAX_REQUESTS:,}",
    ),
    # was 83 s: 10 million simulated calls
    "simulated chain of 10 million calls": (
        lambda: run_chain(n_services=50, n_requests=200_000, simulate=True),
        "n_requests = 200000 is not allowed with simulate=True",
        f"must be ≤ {MAX_SIMULATED:,}",
    ),
    # was 35 s
    "checkout of a million orders": (
        lambda: run_checkout("sync", n_orders=1_000_000),
        "n_orders = 1000000 is not allowed",
        f"≤ {checkout.MAX_ORDERS}",
    ),
    # was 24 s: a million requests
    "pool of a million requests": (
        lambda: run_pool_exhaustion("sync", checkout_rate=1e4, simple_rate=1e4, duration_ms=50_000),
        "duration_ms = 50000 is not allowed with these rates",
        f"must be ≤ {pool_exhaustion.MAX_REQUESTS:,} requests",
    ),
    # was 18 s and 763 MB, most of it samples (7.6 GB with a million orders)
    "100,000 orders sampled every ms for 30 days": (
        lambda: run_checkout(
            "async", n_orders=100_000, arrival_rate=1e5, horizon_ms=DAYS_30, sample_every_ms=1
        ),
        "n_orders = 100000 is not allowed",
        f"≤ {checkout.MAX_ORDERS}",
    ),
    "the same with the most orders allowed": (
        lambda: run_checkout(
            "async",
            n_orders=checkout.MAX_ORDERS,
            arrival_rate=1e5,
            horizon_ms=DAYS_30,
            sample_every_ms=1,
        ),
        "sample_every_ms = 1 is not allowed for a run of 2,592,000,000 ms",
        f"at most {MAX_SAMPLES:,} samples a run",
    ),
    # was hours: a 1 ms ticker for 30 days
    "a world with a billion events": (
        lambda: World(horizon_ms=2.592e9, max_events=10**9),
        "max_events = 1000000000 is not allowed",
        f"≤ {MAX_EVENTS:,}",
    ),
    "a scenario asking for more than its budget": (
        lambda: run_checkout(max_events=DEFAULT_MAX_EVENTS + 1),
        f"max_events = {DEFAULT_MAX_EVENTS + 1} is not allowed",
        f"≤ {DEFAULT_MAX_EVENTS:,}",
    ),
    "a pool sampled every ms for two hours": (
        lambda: PoolConfig(duration_ms=3.6e6, drain_ms=3.6e6, sample_every_ms=1, checkout_rate=1),
        "sample_every_ms = 1 is not allowed for a run of 7,200,000 ms",
        f"at most {MAX_SAMPLES:,} samples a run",
    ),
    "a storm in 10 ms bins for two hours": (
        lambda: StormConfig(duration_ms=3.6e6, drain_ms=3.6e6, bin_ms=10, arrival_rate=1),
        "bin_ms = 10 is not allowed for a run of 7,200,000 ms",
        f"at most {MAX_SAMPLES:,} samples a run",
    ),
    "a sampler of a long world, every ms": (
        lambda: Sampler(World(horizon_ms=3.6e6), 1.0, {"n": lambda: 0}),
        "every_ms = 1 is not allowed for a run of 3,600,000 ms",
        "every_ms must be ≥ 18",
    ),
    "more policies than runs allowed": (
        lambda: run_policies(["naive", "backoff", "budget", "none", "naive"]),
        "policies = ",
        "a list of 1 to 4",
    ),
    "a key beyond the largest": (
        lambda: Service(World(), "s", 1).demand(MAX_KEY + 1),
        f"key = {MAX_KEY + 1} is not allowed",
        f"≤ {MAX_KEY:,}",
    ),
    "a draw beyond the largest": (
        lambda: World().uniforms("u")[MAX_DRAWS + 1],
        f"key = {MAX_DRAWS + 1} is not allowed",
        f"≤ {MAX_DRAWS:,}",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_heavy_setting_is_refused_with_a_sentence_naming_the_limit(case):
    make, start, limit = REFUSED[case]
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    assert message.startswith(start), message
    assert limit in message and "not allowed" in message and "must be" in message, message
    assert message.endswith("."), message


# -- accepted heavy settings run within their event budget and balance --------------------

CUT = 40_000  # a budget well below the natural end of each run below

HEAVY_ACCEPTED = {
    "storm at its most requests, naive": lambda **o: run_retry_storm(
        "sync", arrival_rate=10_000, duration_ms=5_000, **o
    ),
    "async storm at its most requests": lambda **o: run_retry_storm(
        "async", arrival_rate=10_000, duration_ms=5_000, error_rate=1.0, redelivery_ms=0, **o
    ),
    "pool at its most requests": lambda **o: run_pool_exhaustion(
        "sync", checkout_rate=1e4, simple_rate=1e4, duration_ms=5_000, **o
    ),
    "async pool at its most requests": lambda **o: run_pool_exhaustion(
        "async", checkout_rate=1e4, simple_rate=1e4, duration_ms=5_000, patience_ms=math.inf, **o
    ),
    "checkout at its most orders, overloaded": lambda **o: run_checkout(
        "sync", n_orders=checkout.MAX_ORDERS, arrival_rate=1e5, workers={"order": 1}, **o
    ),
    "async checkout sampled at the most samples": lambda **o: run_checkout(
        "async",
        n_orders=checkout.MAX_ORDERS,
        arrival_rate=1e5,
        horizon_ms=DAYS_30,
        sample_every_ms=DAYS_30 / (MAX_SAMPLES - 1),
        **o,
    ),
    "a never-ending retry loop": lambda **o: run_checkout(
        "async",
        n_orders=1000,
        faults={"email": Faults.flaky(1.0), "payment": Faults.outage(0, math.inf)},
        retry=Retry(attempts=20, backoff_ms=0),
        redelivery_ms=0,
        max_attempts=100,
        **o,
    ),
}


@pytest.mark.parametrize("case", sorted(HEAVY_ACCEPTED))
def test_an_accepted_heavy_setting_stops_at_its_event_budget_and_balances(case):
    r = HEAVY_ACCEPTED[case](max_events=CUT)
    assert r.stop_reason == "event budget" and r.events == CUT
    assert r.balanced
    if hasattr(r, "cut_short"):
        assert r.cut_short
    # nothing kept per request beyond the run's requests; samples bounded
    assert r.outcome.size == r.n_requests
    assert all(s.t_ms.size <= MAX_SAMPLES for s in r.series.values())


@pytest.mark.parametrize(
    "config",
    [
        CheckoutConfig(),
        CheckoutConfig(n_orders=checkout.MAX_ORDERS),
        PoolConfig(),
        StormConfig(),
        StormConfig(arrival_rate=10_000, duration_ms=5_000),
    ],
    ids=["checkout", "checkout, most orders", "pool", "storm", "storm, most requests"],
)
def test_every_run_has_a_budget_of_at_most_a_few_seconds_of_events(config):
    assert config.max_events <= DEFAULT_MAX_EVENTS


def test_a_healthy_run_at_its_most_orders_fits_the_budget():
    # 50,000 orders: ~16 events each, with room to spare; nothing is cut
    sync, asyn = run_both(n_orders=checkout.MAX_ORDERS, arrival_rate=20)
    for r in (sync, asyn):
        assert r.stop_reason != "event budget" and not r.cut_short and r.balanced
        assert r.events < 0.9 * DEFAULT_MAX_EVENTS


@pytest.mark.slow
def test_the_worst_accepted_storm_ends_at_the_default_budget():
    # ~47,000 requests of naive retries through an hour-long metastable storm: it needs far
    # more than the budget, and stops there
    r = run_retry_storm("sync", arrival_rate=13, duration_ms=3_600_000, slow_ms=60_000)
    assert r.stop_reason == "event budget" and r.events == DEFAULT_MAX_EVENTS and r.balanced


def test_a_simulated_chain_at_its_most_calls_fits_the_budget():
    n_services = 9
    n_requests = MAX_SIMULATED // (n_services + 1)
    simulated = run_chain(n_services, n_requests=n_requests, seed=2, simulate=True)
    direct = run_chain(n_services, n_requests=n_requests, seed=2)
    # every request ran to its end, and the direct reading agrees (to the clock's rounding)
    np.testing.assert_allclose(simulated.calls_ms, direct.calls_ms, rtol=0, atol=1e-6)


# -- memory, by sizes -----------------------------------------------------------------------


def test_a_sampler_keeps_at_most_max_samples():
    w = World(horizon_ms=MAX_HORIZON_MS)
    sampler = Sampler(w, MAX_HORIZON_MS / (MAX_SAMPLES - 1), {"n": lambda: 1.0})
    w.run()
    assert len(sampler.t_ms) == MAX_SAMPLES == len(sampler.values["n"])
    with pytest.raises(ValueError, match="at most 200,000 samples a run"):
        Sampler(World(horizon_ms=MAX_HORIZON_MS), MAX_HORIZON_MS / MAX_SAMPLES, {"n": float})


def test_keyed_draws_grow_to_the_key_asked_for_8_bytes_each():
    w = World(1)
    s = Service(w, "s", 10.0)
    s.demand(MAX_KEY)
    draws = w.uniforms("u")
    draws[MAX_KEY]
    assert draws.values.itemsize == 8
    assert MAX_KEY < len(draws.values) <= MAX_KEY + 1024  # 8 MB at the largest key
    # a sync retry's jitter draw sits at key * 32 + retry: within MAX_DRAWS, 268 MB at most
    assert MAX_KEY * 32 + 19 <= MAX_DRAWS and (MAX_DRAWS + 1) * 8 <= 270e6


def test_a_run_keeps_per_request_arrays_of_its_requests_only():
    # the largest arrays a result holds are per request: at most MAX_ORDERS or MAX_REQUESTS
    assert checkout.MAX_ORDERS <= 50_000
    assert pool_exhaustion.MAX_REQUESTS <= 100_000 and retry_storm.MAX_REQUESTS <= 50_000
    r = run_retry_storm("async", arrival_rate=10_000, duration_ms=5_000, max_events=CUT)
    assert r.arrival_ms.size <= retry_storm.MAX_REQUESTS + 1_000  # a Poisson count near 50,000
