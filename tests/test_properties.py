"""Properties of the checkout that must hold for any settings (hypothesis).

* conservation — every order ends in exactly one state (completed, declined,
  failed, in flight) and every message in exactly one (acknowledged,
  dead-lettered, waiting, in process, awaiting redelivery);
* the books balance at every cut point — every scenario (the checkout in
  both styles with faults, bounded queues and redelivery, the pool in both,
  the storm in both with every policy), cut by its event budget after any
  number of events, still accounts for every request and message exactly
  once, and its accounting agrees with its per-request records;
* determinism — the same seed gives identical results;
* healthy is healthy — a service without faults runs the same whether its
  schedule is the shared ``HEALTHY`` (no faults given), an equal ``Faults()``
  or faults that never bite within the run: the fast path of a healthy
  service does the very same work and bookkeeping as the general one;
* monotonicity — a slower downstream service never lowers any order's sync
  latency. (Shown where it is a theorem: downstream services have a worker
  for every order, so only the Order service's FIFO pool queues; its waits
  are monotone in the holding times by the Kiefer–Wolfowitz recursion.
  With queues at several services, orders can overtake one another and one
  order may get luckier, so the per-order claim is not true there.)
"""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from servicelab import Faults, Retry, run_checkout
from servicelab.scenarios import run_pool_exhaustion, run_retry_storm
from servicelab.scenarios.checkout import OUTCOMES

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def faults(draw):
    kind = draw(st.sampled_from(["healthy", "outage", "slow", "flaky", "all"]))
    f = Faults()
    if kind in ("outage", "all"):
        start = draw(st.floats(0, 20_000))
        f = f + Faults.outage(start, draw(st.floats(0, 30_000)))
    if kind in ("slow", "all"):
        f = f + Faults.slow(draw(st.floats(0.1, 20)), draw(st.floats(0, 10_000)))
    if kind in ("flaky", "all"):
        f = f + Faults.flaky(draw(st.floats(0, 1)))
    return f


#: the ranges of a random checkout config: a wide one, and a small one for cut points
WIDE = dict(
    orders=120,
    rate=(0.5, 200),
    workers=6,
    decline=1,
    timeout=2000,
    attempts=4,
    backoff=500,
    capacity=20,
    max_attempts=5,
    redelivery=2000,
)
SMALL = dict(
    orders=25,
    rate=(5, 300),
    workers=3,
    decline=0.5,
    timeout=500,
    attempts=3,
    backoff=100,
    capacity=3,
    max_attempts=4,
    redelivery=300,
)


@st.composite
def configs(draw, r=WIDE):
    """A random checkout config within the ranges ``r`` (horizon or drain drawn by the caller)."""
    downstream = draw(
        st.lists(st.sampled_from(["inventory", "email", "analytics"]), unique=True, max_size=3)
    )
    config = dict(
        n_orders=draw(st.integers(1, r["orders"])),
        arrival_rate=draw(st.floats(*r["rate"])),
        workers={s: draw(st.integers(1, r["workers"])) for s in ("order", "payment", *downstream)},
        faults={s: draw(faults()) for s in ("payment", *downstream)},
        decline_rate=draw(st.floats(0, r["decline"])),
        downstream=tuple(downstream),
        timeout_ms=draw(st.one_of(st.none(), st.floats(1, r["timeout"]))),
        retry=Retry(
            attempts=draw(st.integers(1, r["attempts"])),
            backoff_ms=draw(st.floats(0, r["backoff"])),
            jitter=draw(st.floats(0, 1)),
        ),
        queue_capacity=draw(st.one_of(st.none(), st.integers(1, r["capacity"]))),
        max_attempts=draw(st.integers(1, r["max_attempts"])),
        redelivery_ms=draw(st.floats(0, r["redelivery"])),
    )
    if r is WIDE:
        config["horizon_ms"] = draw(st.floats(1, 60_000))
    else:
        config["drain_ms"] = draw(st.floats(0, 5_000))
    return config


@SETTINGS
@given(style=st.sampled_from(["sync", "async"]), seed=st.integers(0, 2**32), config=configs())
def test_conservation_every_order_and_message_ends_in_exactly_one_state(style, seed, config):
    r = run_checkout(style, seed=seed, **config)
    assert r.accounting.balanced, str(r.accounting)
    # the accounting's counters agree with the per-order records
    for outcome in OUTCOMES:
        assert r.accounting.parts[outcome] == r.count(outcome), outcome
    assert r.accounting.parts.get("not yet arrived", 0) == np.count_nonzero(
        r.outcome == "not arrived"
    )
    # a user has an answer exactly when the order is not in flight
    answered = ~np.isnan(r.response_ms)
    np.testing.assert_array_equal(answered, np.isin(r.outcome, ["completed", "declined", "failed"]))
    for name, acc in r.queues.items():
        assert acc.balanced, f"{name}: {acc}"
    # cut short exactly when something is left unfinished
    unfinished = r.in_flight or any(
        acc.parts["acknowledged"] + acc.parts["dead-lettered"] < acc.total
        for acc in r.queues.values()
    )
    assert r.cut_short == bool(unfinished or r.stop_reason == "event budget")


@SETTINGS
@given(style=st.sampled_from(["sync", "async"]), seed=st.integers(0, 2**32), config=configs())
def test_determinism_same_seed_same_results(style, seed, config):
    a = run_checkout(style, seed=seed, **config)
    b = run_checkout(style, seed=seed, **config)
    np.testing.assert_array_equal(a.response_ms, b.response_ms)
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.reason, b.reason)
    for name in a.task_done_ms:
        np.testing.assert_array_equal(a.task_done_ms[name], b.task_done_ms[name])
    for name in a.series:
        np.testing.assert_array_equal(a.series[name].values, b.series[name].values)
    assert a.accounting == b.accounting and a.queues == b.queues and a.events == b.events


@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    n_orders=st.integers(1, 150),
    arrival_rate=st.floats(1, 100),
    order_workers=st.integers(1, 8),
    service=st.sampled_from(["payment", "inventory", "email"]),
    factor=st.floats(1, 20),
)
def test_monotonicity_a_slower_downstream_never_lowers_sync_latency(
    seed, n_orders, arrival_rate, order_workers, service, factor
):
    ample = {s: 200 for s in ("payment", "inventory", "email")}
    common = dict(
        seed=seed,
        n_orders=n_orders,
        arrival_rate=arrival_rate,
        workers={"order": order_workers, **ample},
    )
    fast = run_checkout("sync", **common)
    slow = run_checkout("sync", faults={service: Faults.slow(factor)}, **common)
    done = slow.outcome == "completed"
    # an order finished in the slow run has finished in the fast one, no later
    assert np.all(fast.outcome[done] == "completed")
    assert np.all(slow.response_ms[done] >= fast.response_ms[done] - 1e-9)
    assert slow.count("completed") <= fast.count("completed")


# -- healthy is healthy ------------------------------------------------------------


def assert_same_records(a, b):
    """Two results hold identical records: every field but their configs."""
    assert type(a) is type(b)
    for f in dataclasses.fields(a):
        if f.name != "config":
            _assert_same(getattr(a, f.name), getattr(b, f.name), f.name)


def _assert_same(x, y, where):
    if isinstance(x, np.ndarray):
        np.testing.assert_array_equal(x, y, err_msg=where)  # nan equals nan here
    elif isinstance(x, dict):
        assert x.keys() == y.keys(), where
        for k in x:
            _assert_same(x[k], y[k], f"{where}[{k!r}]")
    elif dataclasses.is_dataclass(x):
        for f in dataclasses.fields(x):
            _assert_same(getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}")
    elif isinstance(x, (list, tuple)):
        assert len(x) == len(y), f"{where}: {len(x)} != {len(y)} entries"
        for k, (p, q) in enumerate(zip(x, y, strict=True)):
            _assert_same(p, q, f"{where}[{k}]")
    elif isinstance(x, float) and math.isnan(x):
        assert isinstance(y, float) and math.isnan(y), f"{where}: nan != {y!r}"
    else:
        assert x == y, f"{where}: {x!r} != {y!r}"


def idle_faults(kind: str, after_ms: float) -> Faults:
    """A schedule that does nothing to a run ending by ``after_ms``, but isn't ``HEALTHY``."""
    if kind == "Faults()":
        return Faults()
    return Faults.slow(7.0, after_ms + 1.0)  # slow, but only after the run


@SETTINGS
@given(
    style=st.sampled_from(["sync", "async"]),
    seed=st.integers(0, 2**32),
    config=st.fixed_dictionaries(
        dict(
            n_orders=st.integers(1, 150),
            arrival_rate=st.floats(1, 300),
            workers=st.fixed_dictionaries(
                {s: st.integers(1, 4) for s in ("order", "payment", "inventory", "email")}
            ),
            downstream=st.sampled_from([(), ("inventory",), ("inventory", "email")]),
            decline_rate=st.floats(0, 1),
            timeout_ms=st.one_of(st.none(), st.none(), st.floats(5, 500)),
            retry=st.builds(
                Retry,
                attempts=st.sampled_from([1, 1, 2, 3]),
                backoff_ms=st.floats(0, 300),
                jitter=st.floats(0, 1),
            ),
            queue_capacity=st.one_of(st.none(), st.integers(1, 5)),
            horizon_ms=st.floats(1, 3000),
            trace_orders=st.integers(0, 20),
        )
    ),
    kind=st.sampled_from(["Faults()", "slow after the run"]),
)
@example(  # callers still waiting for Payment at the horizon
    style="sync",
    seed=1,
    config=dict(n_orders=400, arrival_rate=200, horizon_ms=1500, workers={"payment": 2}),
    kind="Faults()",
)
def test_a_checkout_without_faults_is_the_same_whatever_its_healthy_schedule(
    style, seed, config, kind
):
    services = ("order", "payment", *config.get("downstream", ("inventory", "email")))
    idle = {s: idle_faults(kind, config["horizon_ms"]) for s in services}
    healthy = run_checkout(style, seed=seed, **config)
    same = run_checkout(style, seed=seed, faults=idle, **config)
    assert_same_records(healthy, same)  # calls, series, outcomes, times, queues, spans, events


@SETTINGS
@given(
    style=st.sampled_from(["sync", "async"]),
    seed=st.integers(0, 2**32),
    config=st.fixed_dictionaries(
        dict(
            workers=st.integers(1, 5),
            checkout_rate=st.floats(1, 100),
            simple_rate=st.floats(0, 100),
            duration_ms=st.floats(100, 3000),
            patience_ms=st.floats(0, 1000),
            timeout_ms=st.one_of(st.none(), st.floats(5, 500)),
            inventory_workers=st.integers(1, 5),
            drain_ms=st.floats(0, 2000),
        )
    ),
)
def test_a_pool_run_is_the_same_with_a_slowdown_that_never_bites(style, seed, config):
    healthy = run_pool_exhaustion(style, seed=seed, slowdown=1.0, **config)
    end = config["duration_ms"] + config["drain_ms"]
    late = run_pool_exhaustion(style, seed=seed, slowdown=7.0, slow_start_ms=end + 1, **config)
    assert_same_records(healthy, late)


@SETTINGS
@given(
    style=st.sampled_from(["sync", "async"]),
    seed=st.integers(0, 2**32),
    policy=st.sampled_from(["none", "naive", "backoff", "budget"]),
    config=st.fixed_dictionaries(
        dict(
            arrival_rate=st.floats(1, 60),
            workers=st.integers(1, 4),
            duration_ms=st.floats(100, 4000),
            timeout_ms=st.floats(5, 1000),
            redelivery_ms=st.floats(0, 1000),
            drain_ms=st.floats(0, 2000),
        )
    ),
)
def test_a_retry_storm_is_the_same_with_a_slowdown_that_never_bites(style, seed, policy, config):
    common = dict(seed=seed, policy=policy, error_rate=0.0, **config)
    healthy = run_retry_storm(style, slowdown=1.0, **common)
    end = config["duration_ms"] + config["drain_ms"]
    late = run_retry_storm(style, slowdown=7.0, slow_start_ms=end + 1, **common)
    assert_same_records(healthy, late)


# -- the books balance at every cut point -------------------------------------------
#
# A run cut by its event budget stops between any two simulation steps. simpy
# moves a message into a queue when a put is triggered and out of it when a
# get is triggered, a step before the processes involved run again, so the
# counters must move in that same step: then every cut balances. Each example
# runs a small config to its natural end, then again cut after a drawn number
# of events, from 1 to that natural count.

CUT_SETTINGS = settings(  # small runs: ~2-5 ms an example
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def cut_runs(draw):
    """(run function, style, options) of a small run of any scenario."""
    story = draw(st.sampled_from(["checkout", "pool", "storm"]))
    style = draw(st.sampled_from(["sync", "async"]))
    seed = draw(st.integers(0, 2**32))
    if story == "checkout":
        return run_checkout, style, dict(seed=seed, **draw(configs(SMALL)))
    window = dict(
        duration_ms=draw(st.floats(100, 1500)),
        slowdown=draw(st.floats(0.5, 20)),
        slow_start_ms=draw(st.floats(0, 1000)),
        slow_ms=draw(st.floats(0, 1000)),
        drain_ms=draw(st.floats(0, 1500)),
    )
    if story == "pool":
        return (
            run_pool_exhaustion,
            style,
            dict(
                seed=seed,
                workers=draw(st.integers(1, 3)),
                checkout_rate=draw(st.floats(1, 60)),
                simple_rate=draw(st.floats(0, 60)),
                patience_ms=draw(st.one_of(st.floats(0, 500), st.just(math.inf))),
                timeout_ms=draw(st.one_of(st.none(), st.floats(5, 300))),
                inventory_workers=draw(st.integers(1, 3)),
                **window,
            ),
        )
    return (
        run_retry_storm,
        style,
        dict(
            seed=seed,
            policy=draw(st.sampled_from(["none", "naive", "backoff", "budget"])),
            arrival_rate=draw(st.floats(1, 40)),
            workers=draw(st.integers(1, 3)),
            timeout_ms=draw(st.floats(5, 500)),
            error_rate=draw(st.sampled_from([0.0, 0.3, 1.0])),
            redelivery_ms=draw(st.floats(0, 200)),
            **window,
        ),
    )


def assert_books_balance(r):
    """Every request and every message or attempt in exactly one state, the records agreeing."""
    others = [
        *getattr(r, "queues", {}).values(),
        getattr(r, "queue", None),
        getattr(r, "work", None),
    ]
    assert r.balanced, [str(r.accounting), *(str(a) for a in others if a is not None)]
    parts = r.accounting.parts
    for outcome in r.OUTCOMES:
        assert parts[outcome] == r.count(outcome), outcome
    assert parts.get("not yet arrived", 0) == np.count_nonzero(r.outcome == "not arrived")
    if hasattr(r, "work") and r.style == "async":
        # a storm's request is done exactly when its message is: acked ok, dead-lettered failed
        assert r.count("ok") == r.work.parts["acknowledged"]
        assert r.count("failed") == r.work.parts["dead-lettered"]


@CUT_SETTINGS
@given(run=cut_runs(), data=st.data())
def test_the_books_balance_at_every_cut_point_of_every_scenario(run, data):
    run_one, style, options = run
    whole = run_one(style, **options)
    assert_books_balance(whole)
    cut = data.draw(st.integers(1, whole.events), label="max_events")
    r = run_one(style, max_events=cut, **options)
    assert_books_balance(r)
    if cut < whole.events:
        assert r.stop_reason == "event budget" and r.events == cut
        if hasattr(r, "cut_short"):
            assert r.cut_short
    else:
        assert r.stop_reason == whole.stop_reason


@pytest.mark.parametrize(
    "run_one, style, options",
    [
        # the reviewer's repros: the checkout cut mid-publish and mid-consume
        (run_checkout, "async", dict(seed=7)),
        (run_checkout, "async", dict(n_orders=30, arrival_rate=50)),
        (run_checkout, "async", dict(n_orders=30, arrival_rate=200, queue_capacity=2)),
        (run_pool_exhaustion, "async", dict(duration_ms=2000, slow_start_ms=500, slow_ms=1000)),
        (
            run_retry_storm,
            "async",
            dict(duration_ms=2000, slow_start_ms=500, slow_ms=1000, error_rate=0.5),
        ),
    ],
)
def test_the_books_balance_at_each_of_the_first_cut_points(run_one, style, options):
    whole = run_one(style, **options)
    for cut in range(1, min(whole.events, 400) + 1):
        assert_books_balance(run_one(style, max_events=cut, **options))
