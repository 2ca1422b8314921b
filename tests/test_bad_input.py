"""Bad input gets a clear sentence, never a traceback from deep inside, never a hang.

Every public constructor and function raises ``ValueError`` whose message
names the parameter, shows the value and states what is allowed.
"""

import math
import time

import pytest

from servicelab import (
    Exponential,
    Faults,
    Fixed,
    LogNormal,
    Queue,
    Retry,
    Service,
    Topic,
    World,
    call,
    percentile,
    run_both,
    run_checkout,
    theory,
)
from servicelab.faults import Outage, Slowdown
from servicelab.records import Sampler, summarize
from servicelab.scenarios import run_pool_exhaustion, run_retry_storm
from servicelab.scenarios.retry_storm import run_policies
from servicelab.world import MAX_KEY

W = World()
S = Service(W, "s", 1)

CASES = [
    # (what to call, parameter the message must name, value it must show)
    (lambda: Fixed(-5), "ms", "-5"),
    (lambda: Exponential(0), "mean_ms", "0"),
    (lambda: LogNormal(100, sigma=-1), "sigma", "-1"),
    (lambda: LogNormal(float("inf")), "mean_ms", "inf"),
    (lambda: LogNormal(100).quantile(1.5), "q", "1.5"),
    (lambda: Faults(error_rate=1.2), "error_rate", "1.2"),
    (lambda: Faults.outage(-1, 10), "start_ms", "-1"),
    (lambda: Faults.slow(0), "factor", "0"),
    (lambda: Outage(50, 10), "end_ms", "10"),
    (lambda: Slowdown(2, 10, 5), "end_ms", "5"),
    (lambda: Faults(outages=["soon"]), "outages entry", "soon"),
    (lambda: Service(W, "s", Fixed(1), workers=0), "workers", "0"),
    (lambda: Service(W, "s", -3), "latency", "-3"),
    (lambda: Service(W, "", Fixed(1)), "name", "''"),
    (lambda: Service("world", "s", Fixed(1)), "world", "world"),
    (lambda: Service(W, "s", Fixed(1), faults="down"), "faults", "down"),
    (lambda: Retry(attempts=0), "attempts", "0"),
    (lambda: Retry(jitter=2), "jitter", "2"),
    (lambda: Retry(multiplier=0.5), "multiplier", "0.5"),
    (lambda: next(call(Service(W, "s", 1), 0, timeout_ms=-1)), "timeout_ms", "-1"),
    (lambda: next(call(Service(W, "s", 1), 0, retry=3)), "retry", "3"),
    (lambda: Queue(W, "q", capacity=0), "capacity", "0"),
    (lambda: Queue(W, "q", on_full="drop"), "on_full", "drop"),
    (lambda: Queue(W, "q", max_attempts=0), "max_attempts", "0"),
    (lambda: Topic(W, "t", publish_latency=-2), "publish_latency", "-2"),
    (lambda: percentile([1, 2], 101), "q", "101"),
    (lambda: theory.chain_availability(0.99, 1.5), "availabilities[1]", "1.5"),
    (lambda: theory.mm1(2.0, 1.0), "arrival_rate", "2"),
    (lambda: theory.mmc(1.0, 0.0, 2), "service_rate", "0"),
    (lambda: theory.erlang_c(0, 0.5), "servers", "0"),
    (lambda: run_checkout("maybe"), "style", "maybe"),
    (lambda: run_checkout(seed=-1), "seed", "-1"),
    (lambda: run_checkout(n_orders=0), "n_orders", "0"),
    (lambda: run_checkout(n_orders=10**9), "n_orders", "1000000000"),
    (lambda: run_checkout(arrival_rate=-5), "arrival_rate", "-5"),
    (lambda: run_checkout(arrival_rate=float("nan")), "arrival_rate", "nan"),
    (lambda: run_checkout(decline_rate=-0.1), "decline_rate", "-0.1"),
    (lambda: run_checkout(workers={"email": 0}), "workers['email']", "0"),
    (lambda: run_checkout(workers={"mail": 3}), "workers key", "mail"),
    (lambda: run_checkout(latency={"email": -100}), "latency['email']", "-100"),
    (lambda: run_checkout(latency=5), "latency", "5"),
    (lambda: run_checkout(faults={"email": 10}), "faults['email']", "10"),
    (lambda: run_checkout(downstream=("shipping",)), "downstream entry", "shipping"),
    (lambda: run_checkout(downstream="email"), "downstream", "email"),
    (lambda: run_checkout(downstream=("email", "email")), "downstream", "email"),
    (lambda: run_checkout(timeout_ms=0), "timeout_ms", "0"),
    (lambda: run_checkout(retry="twice"), "retry", "twice"),
    (lambda: run_checkout(queue_capacity=0), "queue_capacity", "0"),
    (lambda: run_checkout(horizon_ms=-1), "horizon_ms", "-1"),
    (lambda: run_checkout(max_events=0), "max_events", "0"),
    (lambda: run_both(publish_ms=-1), "publish_ms", "-1"),
    (lambda: run_checkout(downstream=5), "downstream", "5"),
    (lambda: run_checkout(max_attempts=0), "max_attempts", "0"),
    (lambda: run_checkout(redelivery_ms=-1), "redelivery_ms", "-1"),
    (lambda: run_checkout(drain_ms=-1), "drain_ms", "-1"),
    (lambda: run_checkout(sample_every_ms=0.5), "sample_every_ms", "0.5"),
    (lambda: run_checkout(trace_orders=-1), "trace_orders", "-1"),
    (lambda: run_checkout(config=3), "config", "3"),
    # numbers beyond a float: the kit's sentence, the value short (F12)
    (lambda: Fixed(10**400), "ms", "1e+400"),
    (lambda: run_checkout(arrival_rate=10**400), "arrival_rate", "1e+400"),
    (lambda: Retry(backoff_ms=10**400), "backoff_ms", "1e+400"),
    (lambda: Retry(backoff_ms=-(10**400)), "backoff_ms", "-1e+400"),
    (lambda: Faults.outage(0, 10**400), "length_ms", "1e+400"),
    (lambda: theory.mmc(10**400, 1.0, 1), "arrival_rate", "1e+400"),
    (lambda: run_checkout(n_orders=10**5000), "n_orders", "1e+5000"),
    (lambda: run_checkout(n_orders=123456789 * 10**30), "n_orders", "1.234568e+38"),
    (lambda: Service(W, "s", 1, workers=1e308), "workers", "1e+308"),
    (lambda: run_checkout(n_orders=float("inf")), "n_orders", "inf"),
    # what the learner set is blamed, not a horizon they never set
    (lambda: run_checkout(arrival_rate=0.001, n_orders=10_000), "n_orders", "10000"),
    # raw TypeErrors before
    (lambda: run_checkout(downstream=None), "downstream", "None"),
    (lambda: Faults(outages=None), "outages", "None"),
    (lambda: Faults(slowdowns=5), "slowdowns", "5"),
    (lambda: Faults(outages=Outage(1, 2)), "outages", "Outage"),
    (lambda: Faults(outages=[{"start": 1, "end": 2}]), "outages entry", "start"),
    (lambda: Faults(outages=["ab"]), "outages entry", "ab"),
    (lambda: run_policies(None), "policies", "None"),
    (lambda: run_policies(["naive"] * 5), "policies", "naive"),
    (lambda: run_policies(["naive", "hope"]), "policy", "hope"),
    (lambda: Faults.outage(1, 2).is_down("x"), "t", "x"),
    (lambda: Faults.outage(1, 2).up_at("x"), "t", "x"),
    (lambda: Faults.slow(2).slowdown(None), "t", "None"),
    (lambda: percentile({}, 50), "values", "{}"),
    (lambda: percentile("abc", 50), "values", "abc"),
    (lambda: summarize(object()), "values", "object"),
    (lambda: summarize([1, "x"]), "values", "x"),
    (lambda: Queue(W, None), "name", "None"),
    (lambda: Queue(W, float("nan")), "name", "nan"),
    (lambda: Queue(W, ""), "name", "''"),
    (lambda: Topic(W, 3), "name", "3"),
    (lambda: Topic(W, "t").subscribe(None), "name", "None"),
    (lambda: Topic(W, "t").subscribe(object()), "name", "object"),
    (lambda: Queue(W, "q").consume(S, on_ack=5), "on_ack", "5"),
    (lambda: World().rng(None), "name", "None"),
    (lambda: Sampler(W, 1.0, {"n": 5}), "probes", "5"),
    (lambda: run_checkout(sample_every_ms=1, horizon_ms=3.6e6), "sample_every_ms", "1"),
    (lambda: run_pool_exhaustion(sample_every_ms=1, duration_ms=3.6e6), "sample_every_ms", "1"),
    (lambda: run_retry_storm(bin_ms=10, duration_ms=3.6e6, arrival_rate=1), "bin_ms", "10"),
    (lambda: Retry(attempts=3).delay(10**6, 0.5), "retry", "1000000"),
    (lambda: Retry(attempts=3).delay(1, 2.0), "u", "2.0"),
]

#: a key (or an attempt) every public entry point refuses, and what its message shows (F7)
BAD_KEYS = [
    (math.inf, "inf"),
    (10**9, "1000000000"),
    (MAX_KEY + 1, str(MAX_KEY + 1)),
    (-1, "-1"),
    (2.5, "2.5"),
    ("a", "'a'"),
    (True, "True"),
    (None, "None"),
    (10**400, "1e+400"),
]
KEYED = {
    "call": lambda k: next(call(Service(World(), "s", 1), k)),
    "call with retries": lambda k: next(call(Service(World(), "s", 1), k, retry=Retry(3))),
    "Service.demand": lambda k: Service(World(), "s", 1).demand(k),
    "Service.healthy_work": lambda k: Service(World(), "s", 1).healthy_work(k),
    "Service.handle": lambda k: next(Service(World(), "s", 1).handle(k)),
    "Service.serve": lambda k: next(Service(World(), "s", 1, faults=Faults.slow(2)).serve(k)),
    "Queue.publish": lambda k: next(Queue(World(), "q").publish(k)),
    "Topic.publish": lambda k: next(Topic(World(), "t").publish(k)),
    "Retry.wait_ms": lambda k: Retry(3, jitter=1).wait_ms(Service(World(), "s", 1), k, 1),
}


@pytest.mark.parametrize("make, name, shown", CASES, ids=[c[1] + "=" + c[2] for c in CASES])
def test_bad_value_is_named_with_its_allowed_range(make, name, shown):
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    assert message.startswith(f"{name} = "), message
    assert shown in message, message
    assert "not allowed" in message and "must be" in message, message
    assert message.endswith("."), message
    assert len(message) < 600, message  # short, whatever the value


@pytest.mark.parametrize("entry", sorted(KEYED))
@pytest.mark.parametrize("key, shown", BAD_KEYS, ids=[s for _, s in BAD_KEYS])
def test_every_keyed_entry_point_refuses_a_bad_key_with_a_sentence(entry, key, shown):
    with pytest.raises(ValueError) as info:
        KEYED[entry](key)
    message = str(info.value)
    assert message == (
        f"key = {shown} is not allowed: key must be a whole number ≥ 0 and ≤ {MAX_KEY:,}."
    )


@pytest.mark.parametrize("attempt", [1e20, 10**20, -1, 100, 0.5, True])
def test_a_bad_attempt_is_refused_not_looped_over(attempt):
    with pytest.raises(ValueError, match=r"^attempt = .* must be a whole number ≥ 0 and ≤ 99\.$"):
        S.demand(1, attempt=attempt)


def test_keys_at_the_ends_of_the_range_are_served():
    s = Service(World(3), "s", LogNormal(10))
    assert s.demand(0) > 0 and s.demand(MAX_KEY) > 0 and s.demand(7.0) == s.demand(7)
    assert s.demand(5, attempt=99) > 0


def test_unknown_option_is_a_clear_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_order'"):
        run_checkout(n_order=5)


@pytest.mark.parametrize(
    "settings",
    [
        # far more arrivals than the system can take, for a long time
        dict(arrival_rate=100_000, n_orders=50_000, workers={"order": 1}),
        # a service that never comes back, with retries and no timeout
        dict(
            faults={"payment": Faults.outage(0, math.inf)}, retry=Retry(attempts=20, backoff_ms=0)
        ),
        # every message fails and comes straight back
        dict(faults={"email": Faults.flaky(1.0)}, redelivery_ms=0, max_attempts=100),
    ],
)
def test_no_setting_hangs_the_run_ends_and_says_it_was_cut_short(settings):
    start = time.perf_counter()
    for style in ("sync", "async"):
        r = run_checkout(style, max_events=200_000, **settings)
        assert r.balanced
        assert r.stop_reason in ("horizon", "event budget", "idle")
    assert time.perf_counter() - start < 60  # a generous guard, not a benchmark


def test_an_overloaded_run_reports_that_it_was_cut_short():
    r = run_checkout("sync", arrival_rate=1000, n_orders=5000, max_events=50_000)
    assert r.stop_reason == "event budget" and r.cut_short
    assert r.accounting.balanced and r.in_flight > 0
