"""Lesson 05's story, the fan-out (``scenarios.pubsub``), its theory, readings and exercises.

* ``theory.fan_out_quantile`` — the slowest of parallel calls, against its
  closed form for identical calls and against sampled maxima;
* the config refuses what it cannot run, with the kit's sentence, and every
  accepted setting is bounded: a heavy run stops at its event budget and its
  books balance;
* common random numbers: the same orders and work whatever the subscribers,
  and the same seed gives the same run;
* the designs: one by one adds the calls, in parallel waits for the slowest,
  a timeout fails a call, best-effort skips it; a late subscriber in sync and
  in pub/sub;
* the lesson's readings (code, reports, trace) and the exercise set's cases;
* hypothesis properties: nothing vanishes, every subscriber gets every event,
  and the publisher's waits never depend on its subscribers.

Tolerances are stated next to each assertion with their reason.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicelab import Faults, LogNormal, World, theory
from servicelab._check import KitValueError
from servicelab.lessons.l05_pub_sub import analysis
from servicelab.lessons.l05_pub_sub._exercise_checks import q3_cases, q3_reference
from servicelab.scenarios.pubsub import (
    DESIGNS,
    MAX_ORDERS,
    ORDER_LATENCY,
    SUBSCRIBERS,
    PubSubConfig,
    auto_timeout,
    run_designs,
    run_pubsub,
)
from servicelab.service import Service

SEED = 5
FOUR = analysis.ADDED[:4]


# == theory.fan_out_quantile ================================================================


def test_the_slowest_of_n_identical_calls_is_one_calls_q_to_the_1_over_n_quantile():
    latency = LogNormal(50.0, 0.6)
    assert theory.fan_out_quantile(0.99, latency) == pytest.approx(latency.quantile(0.99))
    for n in (2, 4, 10):
        expected = latency.quantile(0.99 ** (1 / n))
        assert theory.fan_out_quantile(0.99, *[latency] * n) == pytest.approx(expected, rel=1e-6)


def test_the_slowest_of_different_calls_matches_sampled_maxima():
    latencies = [SUBSCRIBERS[s] for s in FOUR]
    rng = np.random.default_rng(1)
    sampled = np.max([x.sample(rng, 200_000) for x in latencies], axis=0)
    for q in (0.5, 0.9, 0.99):
        # 200,000 maxima: the p99's sampling error is well under 1 %
        assert theory.fan_out_quantile(q, *latencies) == pytest.approx(
            np.quantile(sampled, q), rel=0.01
        )


@pytest.mark.parametrize("q", [0, 1, -0.5, 1.5, "x"])
def test_fan_out_quantile_refuses_a_q_outside_0_1(q):
    with pytest.raises(KitValueError, match="^q = .* is not allowed"):
        theory.fan_out_quantile(q, LogNormal(50.0))


def test_fan_out_quantile_needs_latencies():
    with pytest.raises(KitValueError, match="^latencies = .* is not allowed"):
        theory.fan_out_quantile(0.5)
    with pytest.raises(KitValueError, match="^latencies = .* is not allowed"):
        theory.fan_out_quantile(0.5, 50.0)


# == the config ===============================================================================


def test_every_field_has_one_check_and_the_defaults_are_the_cards_three():
    import dataclasses

    assert sorted(PubSubConfig.CHECKS) == sorted(f.name for f in dataclasses.fields(PubSubConfig))
    c = PubSubConfig()
    assert c.subscribers == ("inventory", "email", "analytics") and c.availability == 0.995
    assert c.timeout("email") is None
    assert PubSubConfig(timeouts="auto").timeout("email") == auto_timeout(SUBSCRIBERS["email"])
    assert PubSubConfig(timeouts={"email": 250}).timeout("email") == 250.0
    # the auto timeout: p99.99 rounded up to 100 ms, as the checkout's sync done well
    assert (
        auto_timeout(SUBSCRIBERS["email"]) == 600.0
        and auto_timeout(SUBSCRIBERS["inventory"]) == 300.0
    )


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"n_orders": 0}, "n_orders"),
        ({"n_orders": MAX_ORDERS + 1}, "n_orders"),
        ({"arrival_rate": 0}, "arrival_rate"),
        ({"subscribers": ("inventory", "fraud")}, "subscribers entry"),
        ({"subscribers": ("email", "email")}, "subscribers"),
        ({"subscribers": "email"}, "subscribers"),
        ({"availability": 0.2}, "availability"),
        ({"latency": {"fraud": 5}}, "latency key"),
        ({"latency": {"email": 0}}, "latency\\['email'\\]"),
        ({"workers": {"email": 0}}, "workers\\['email'\\]"),
        ({"faults": {"email": "slow"}}, "faults\\['email'\\]"),
        ({"joins_ms": {"loyalty": -1}}, "joins_ms\\['loyalty'\\]"),
        ({"parallel": "yes"}, "parallel"),
        ({"timeouts": 300}, "timeouts"),
        ({"timeouts": {"email": 0}}, "timeouts\\['email'\\]"),
        ({"best_effort": ("nobody",)}, "best_effort entry"),
        ({"sample_every_ms": 1}, "sample_every_ms"),
    ],
)
def test_a_bad_setting_is_refused_naming_it(options, name):
    with pytest.raises(KitValueError, match=f"^{name} = .* is not allowed"):
        PubSubConfig(**options)


def test_run_designs_refuses_what_the_designs_set():
    with pytest.raises(KitValueError, match="^parallel is not allowed here"):
        run_designs(seed=SEED, parallel=True)


def test_the_heaviest_settings_stop_at_the_event_budget_with_books_that_balance():
    # 20,000 orders, six subscribers failing half their tries: ~1–5 s of CPU
    r = run_pubsub(
        "async", seed=1, n_orders=MAX_ORDERS, subscribers=analysis.ADDED, availability=0.5
    )
    assert r.stop_reason == "event budget" and r.balanced
    assert "cut short at its event budget" in r.describe()


# == common random numbers and the designs ====================================================


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b = run_pubsub("sync", seed=SEED), run_pubsub("sync", seed=SEED)
    assert np.array_equal(a.response_ms, b.response_ms) and list(a.outcome) == list(b.outcome)
    assert not np.array_equal(a.arrival_ms, run_pubsub("sync", seed=SEED + 1).arrival_ms)


def test_one_by_one_waits_for_the_sum_and_in_parallel_for_the_slowest():
    n = 300
    subs = FOUR
    world = World(SEED)
    order = Service(world, "order", ORDER_LATENCY).demands(n)
    work = np.array([Service(world, s, SUBSCRIBERS[s]).demands(n) for s in subs])
    seq = run_pubsub("sync", seed=SEED, n_orders=n, subscribers=subs, availability=1.0)
    par = run_pubsub(
        "sync", seed=SEED, n_orders=n, subscribers=subs, availability=1.0, parallel=True
    )
    # a call that finds a free worker takes its demand; at 5/s nearly all do (Loyalty's
    # 2 workers at 50 ms are busy ~12 % of the time): at least 80 % of orders match exactly
    assert np.mean(np.isclose(seq.response_ms, order + work.sum(axis=0))) > 0.8
    assert np.mean(np.isclose(par.response_ms, order + work.max(axis=0))) > 0.8
    # and no order waits less than that (queueing only adds)
    assert np.all(seq.response_ms >= order + work.sum(axis=0) - 1e-9)
    assert np.all(par.response_ms >= order + work.max(axis=0) - 1e-9)


def test_a_timeout_fails_the_order_and_best_effort_skips_the_call_instead():
    slow = {"email": Faults.slow(20)}  # every email ~2 s: beyond its 600 ms timeout
    cut = run_pubsub("sync", seed=SEED, n_orders=200, parallel=True, timeouts="auto", faults=slow)
    assert cut.success_rate() < 0.5 and cut.p(99) <= 600 + 50  # bounded by the timeout
    assert set(cut.reason[cut.outcome == "failed"]) <= {
        "email timeout",
        "email error",
        "inventory error",
        "analytics error",
    }
    kept = run_pubsub(
        "sync",
        seed=SEED,
        n_orders=200,
        parallel=True,
        timeouts="auto",
        faults=slow,
        best_effort=("email",),
    )
    assert kept.success_rate() > 0.95


def test_a_late_subscriber_in_sync_is_called_only_from_its_deploy_on():
    late = run_pubsub("sync", seed=SEED, subscribers=FOUR, joins_ms={"loyalty": 100_000})
    before = late.published_ms < 100_000
    assert np.all(np.isnan(late.delivered_ms["loyalty"][before]))
    assert late.missed["loyalty"] == int(before.sum())
    assert "missed before joining: loyalty" in late.describe()


def test_every_design_is_named_and_labelled():
    runs = run_designs(seed=SEED, n_orders=50)
    assert list(runs) == list(DESIGNS)
    assert [r.design for r in runs.values()] == list(DESIGNS)
    assert all("(3 subscribers)" in r.label for r in runs.values())


# == the lesson's readings ====================================================================


def test_the_readings_say_what_the_runs_show():
    three = run_designs(seed=SEED, n_orders=200)
    four = run_designs(seed=SEED, n_orders=200, subscribers=FOUR)
    assert analysis.caller_code(four["sync, one by one"]).count("loyalty.call") == 1
    assert "broker.publish" in analysis.caller_code(four["pub/sub"])
    assert "timeouts (ms): inventory 300" in analysis.caller_code(
        four["sync, in parallel with timeouts"]
    )
    assert analysis.same_waits(three["pub/sub"], four["pub/sub"]).endswith(
        "identical, to the last bit"
    )
    assert "waits changed" in analysis.same_waits(
        three["sync, one by one"], four["sync, one by one"]
    )
    report = analysis.fan_out_report(four)
    assert all(name in report for name in DESIGNS)
    deliveries = analysis.deliveries_report(four["pub/sub"])
    assert deliveries.count("200") >= 8  # due and done: 200 for each of four subscribers
    trace = analysis.trace_table(four["pub/sub"], 10)
    assert trace.startswith("correlation id 10:") and all(s in trace for s in FOUR)
    assert "none missed" in analysis.missed_report(four["pub/sub"])
    t, lag = analysis.lag_by_arrival(four["pub/sub"], "email", 5000)
    assert t.size == lag.size and np.nanmax(lag) < 1.0
    with pytest.raises(KitValueError, match="^result = "):
        analysis.caller_code("not a result")
    with pytest.raises(KitValueError, match="^order = "):
        analysis.trace_table(four["pub/sub"], 200)


def test_the_sweep_numbers_hold_the_theory_beside_the_runs():
    sweep = analysis.fan_out_sweep((1, 2), seed=SEED, n_orders=100)
    numbers = analysis.fan_out_numbers(sweep)
    assert list(numbers["subscribers"]) == [1, 2]
    assert numbers["sync, one by one"]["theory"][1] == pytest.approx(0.995**2)
    assert list(numbers["pub/sub"]["theory"]) == [1.0, 1.0]
    with pytest.raises(KitValueError):
        analysis.fan_out_sweep((0,))
    with pytest.raises(KitValueError):
        analysis.fan_out_sweep(())


# == the exercise set ==========================================================================


def test_q3s_simulated_orders_are_there_and_agree_with_the_reference():
    cases = q3_cases()
    simulated = [c for c in cases if c.source == "simulated order"]
    assert len(simulated) == 6  # three one by one, three at once
    for c in cases:
        assert q3_reference(*c.args) == pytest.approx(c.expected, abs=c.tol or 1e-9)
    assert q3_reference([], True) == 0.0 and not math.isnan(q3_reference([1.0], False))


# == properties ==================================================================================


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subscribers=st.lists(st.sampled_from(analysis.ADDED), min_size=1, max_size=6, unique=True),
    availability=st.floats(0.9, 1.0),
    design=st.sampled_from(tuple(DESIGNS)),
    seed=st.integers(0, 1000),
)
def test_nothing_vanishes_and_a_publisher_never_notices_its_subscribers(
    subscribers, availability, design, seed
):
    style, extra = DESIGNS[design]
    options = dict(seed=seed, n_orders=60, availability=availability, **extra)
    r = run_pubsub(style, subscribers=tuple(subscribers), **options)
    assert r.balanced and r.in_flight == 0
    if style == "async":
        # every subscriber processed every order; the publisher's waits are the same numbers
        # with only the first subscriber, bit for bit
        assert all(r.delivered(s) == r.n_orders for s in subscribers)
        alone = run_pubsub(style, subscribers=tuple(subscribers[:1]), **options)
        assert np.array_equal(r.response_ms, alone.response_ms)
    else:
        # a sync caller confirms an order only if every call answered in time
        confirmed = r.outcome == "confirmed"
        for s in subscribers:
            assert np.all(~np.isnan(r.delivered_ms[s][confirmed]))
