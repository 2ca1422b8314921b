"""Lesson 03, cascading failures: scenarios, figures, panels and the card's claims.

* units — the pool-exhaustion and retry-storm scenarios balance their
  accounts, repeat themselves for a seed, share random numbers between
  styles, and refuse bad input with a sentence;
* panels — each control moves the numbers it should, headlessly, and
  impossible settings show a sentence instead of a traceback;
* claims C4, C13 and C17, named after the card's words (to move into
  ``tests/test_claims.py``). Tolerances are stated next to each assertion.
"""

from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicelab import Faults, Fixed, Retry, panels, plots, run_both, run_checkout
from servicelab.lessons.l03_cascading_failures import analysis
from servicelab.scenarios.pool_exhaustion import PoolConfig, run_pool_both, run_pool_exhaustion
from servicelab.scenarios.retry_storm import (
    POLICIES,
    Policy,
    StormConfig,
    run_policies,
    run_retry_storm,
)

SEED = 7
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def pool(**options):
    return run_pool_both(seed=SEED, **options)


@cache
def storms():
    return run_policies(("none", "naive", "backoff", "budget"), seed=SEED)


# == pool exhaustion: units =============================================================


@pytest.mark.parametrize("timeout_ms", [None, 300.0])
def test_pool_accounting_balances_and_agrees_with_the_records(timeout_ms):
    for r in pool(timeout_ms=timeout_ms):
        assert r.balanced, str(r.accounting)
        for outcome in ("ok", "gave up", "timed out", "in flight"):
            assert r.accounting.parts[outcome] == r.count(outcome), outcome
        answered = ~np.isnan(r.response_ms)
        np.testing.assert_array_equal(answered, r.outcome != "in flight")
    sync, asyn = pool(timeout_ms=timeout_ms)
    # async: every checkout's message is accounted for and was processed
    assert asyn.queue.total == asyn.count("ok", "checkout")
    assert asyn.queue.parts["acknowledged"] == asyn.queue.total
    # sync: only checkouts can time out, only with a timeout
    assert sync.count("timed out", "simple") == 0
    assert (sync.count("timed out") > 0) == (timeout_ms is not None)


def test_pool_same_seed_same_run_and_common_random_numbers():
    a = run_pool_exhaustion("sync", seed=3, slowdown=15)
    b = run_pool_exhaustion("sync", seed=3, slowdown=15)
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.response_ms, b.response_ms)
    np.testing.assert_array_equal(a.series["busy order"].values, b.series["busy order"].values)
    asyn = run_pool_exhaustion("async", seed=3, slowdown=15)
    # both styles see the same requests at the same times
    np.testing.assert_array_equal(a.arrival_ms, asyn.arrival_ms)
    np.testing.assert_array_equal(a.kind, asyn.kind)
    # changing one kind's rate leaves the other kind's arrivals alone
    more = run_pool_exhaustion("sync", seed=3, slowdown=15, checkout_rate=20)
    np.testing.assert_array_equal(
        a.arrival_ms[a.kind == "simple"], more.arrival_ms[more.kind == "simple"]
    )


def test_pool_healthy_everyone_is_served_in_both_styles():
    for r in pool(slowdown=1.0):
        assert r.success_rate() == 1.0
        assert r.peak_busy() < r.config.workers


def test_pool_a_slower_inventory_never_helps_sync_simple_requests():
    rates = [pool(slowdown=f)[0].in_window("simple") for f in (1.0, 10.0, 20.0, 40.0)]
    assert rates[0] == 1.0
    assert all(b <= a + 0.02 for a, b in zip(rates, rates[1:], strict=False)), rates
    assert rates[-1] < 0.5


BAD_POOL = [
    (dict(workers=0), "workers", "0"),
    (dict(slowdown=0), "slowdown", "0"),
    (dict(patience_ms=-1), "patience_ms", "-1"),
    (dict(timeout_ms=0), "timeout_ms", "0"),
    (dict(checkout_rate=-2), "checkout_rate", "-2"),
    (dict(checkout_rate=0, simple_rate=0), "checkout_rate", "0"),
    (dict(duration_ms=0), "duration_ms", "0"),
    (dict(slow_ms=-5), "slow_ms", "-5"),
    (dict(inventory_workers=0), "inventory_workers", "0"),
    (dict(order_latency=-3), "order_latency", "-3"),
]


@pytest.mark.parametrize(("options", "name", "shown"), BAD_POOL)
def test_pool_bad_input_gets_a_sentence(options, name, shown):
    with pytest.raises(ValueError) as err:
        run_pool_exhaustion("sync", **options)
    message = str(err.value)
    assert message.startswith(f"{name} = {shown}") and "must be" in message, message


def test_pool_bad_style_seed_and_config():
    with pytest.raises(ValueError, match="style = 'maybe'"):
        run_pool_exhaustion("maybe")
    with pytest.raises(ValueError, match="seed = -1"):
        run_pool_exhaustion(seed=-1)
    with pytest.raises(ValueError, match="not allowed together with config"):
        run_pool_exhaustion(config=PoolConfig(), workers=3)
    with pytest.raises(ValueError, match="kind = 'other'"):
        pool()[0].success_rate(kind="other")


# == retry storm: units ====================================================================


def test_storm_accounting_balances_for_every_policy():
    for name, r in storms().items():
        assert r.balanced, (name, str(r.accounting), str(r.work))
        assert r.accounting.parts["ok"] == r.count("ok")
        if r.style == "sync":
            # every attempt sent is counted once: served (for someone or for nobody) or waiting
            assert r.work.total == r.sent_ms.size == r.attempts.sum()
        else:
            assert r.work.parts["acknowledged"] == r.count("ok") == r.n_requests


def test_storm_async_dead_lettered_requests_failed_and_are_done():
    # every delivery fails and comes straight back: each message is tried 100 times
    r = run_retry_storm(
        "async",
        error_rate=1.0,
        redelivery_ms=0,
        workers=10,
        latency=Fixed(1),
        arrival_rate=10,
        duration_ms=5000,
        slow_ms=0,
    )
    assert r.stop_reason != "event budget" and r.balanced
    assert r.in_flight == 0  # before: "52 in flight" for ever, next to "52 dead-lettered"
    assert r.count("failed") == r.work.parts["dead-lettered"] == r.n_requests > 0
    assert not np.isnan(r.done_ms).any() and np.all(r.done_ms >= r.arrival_ms)
    assert np.all(r.attempts == 100)  # the storm's queue tries a message 100 times
    assert np.isfinite(r.p99()) and r.success_rate() == 0.0
    assert "no request finished" not in r.describe()


def test_storm_async_some_dead_letters_the_rest_ok():
    fast = dict(latency=Fixed(1), workers=10, arrival_rate=10, duration_ms=5000, slow_ms=0)
    r = run_retry_storm("async", seed=3, error_rate=0.98, redelivery_ms=0, **fast)
    assert r.balanced and 0 < r.count("ok") == r.work.parts["acknowledged"]
    assert r.count("failed") == r.work.parts["dead-lettered"] > 0
    assert r.count("in flight") == 0 and np.all(r.attempts[r.outcome == "failed"] == 100)


def test_checkout_and_pool_never_report_dead_lettered_work_in_flight():
    # the checkout's user outcome is "completed" at publish (by design: "confirmed but
    # dead-lettered" is lesson 07's story); its queues account for every dead letter
    flaky = {"email": Faults.flaky(1.0), "inventory": Faults.flaky(0.5)}
    for r in (
        run_checkout("async", n_orders=300, faults=flaky, max_attempts=2, redelivery_ms=0),
        run_checkout("async", n_orders=300, faults=flaky, queue_capacity=2, max_attempts=3),
    ):
        assert r.balanced and r.in_flight == 0 and not r.cut_short
        email = r.queues["email"].parts
        assert email["dead-lettered"] == r.count("completed") and email["in process"] == 0
        assert np.isnan(r.task_done_ms["email"]).all()  # the work was never done
        assert r.queues["inventory"].parts["dead-lettered"] > 0
    # the pool's Inventory only slows down: its queue never dead-letters, every message acked
    asyn = run_pool_exhaustion("async", seed=SEED)
    assert asyn.queue.parts["acknowledged"] == asyn.queue.total and asyn.in_flight == 0


def test_pool_users_with_infinite_patience_wait_for_ever_and_never_give_up():
    # patience_ms=inf: the branch that waits without a timeout (allowed, not dead code)
    c = dict(seed=SEED, slowdown=40, slow_ms=15_000, drain_ms=60_000)
    patient = run_pool_exhaustion("sync", patience_ms=float("inf"), **c)
    hasty = run_pool_exhaustion("sync", **c)
    assert patient.count("gave up") == 0 < hasty.count("gave up")
    assert patient.balanced and patient.count("ok") > hasty.count("ok")
    assert np.nanmax(patient.response_ms) > 1_000  # some waited longer than the default patience


def test_storm_same_seed_same_run_and_shared_arrivals():
    a = run_retry_storm("sync", seed=4, policy="budget")
    b = run_retry_storm("sync", seed=4, policy="budget")
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.done_ms, b.done_ms)
    np.testing.assert_array_equal(a.sent_ms, b.sent_ms)
    c = run_retry_storm("async", seed=4)
    np.testing.assert_array_equal(a.arrival_ms, c.arrival_ms)


def test_storm_without_retries_sends_each_request_once():
    r = storms()["none"]
    assert r.amplification == 1.0
    assert r.attempts.max() == 1


def test_storm_healthy_service_retries_only_the_transient_errors():
    r = run_retry_storm("sync", seed=SEED, policy="naive", slowdown=1.0)
    # 5 % of tries fail at random, and are retried: 1 + 0.05 + 0.05² + … ≈ 1.053 tries
    assert r.amplification == pytest.approx(1 / (1 - 0.05), abs=0.03)
    assert r.success_rate() > 0.99


def test_storm_capacity_and_utilization():
    c = StormConfig()
    assert c.capacity == pytest.approx(20.0)  # 2 workers at 100 ms
    assert c.utilization == pytest.approx(0.6)


BAD_STORM = [
    (dict(arrival_rate=0), "arrival_rate", "0"),
    (dict(workers=0), "workers", "0"),
    (dict(timeout_ms=0), "timeout_ms", "0"),
    (dict(error_rate=2), "error_rate", "2"),
    (dict(policy="sometimes"), "policy", "'sometimes'"),
    (dict(slowdown=-1), "slowdown", "-1"),
    (dict(bin_ms=0), "bin_ms", "0"),
]


@pytest.mark.parametrize(("options", "name", "shown"), BAD_STORM)
def test_storm_bad_input_gets_a_sentence(options, name, shown):
    with pytest.raises(ValueError) as err:
        run_retry_storm("sync", **options)
    message = str(err.value)
    assert message.startswith(f"{name} = {shown}") and "must be" in message, message


def test_storm_bad_policy_budget():
    with pytest.raises(ValueError, match="budget = -1"):
        Policy("x", Retry(), budget=-1)


# == properties ================================================================================


@SETTINGS
@given(
    style=st.sampled_from(["sync", "async"]),
    seed=st.integers(0, 2**32),
    workers=st.integers(1, 6),
    slowdown=st.floats(0.5, 40),
    slow_ms=st.floats(0, 8000),
    patience_ms=st.floats(0, 3000),
    timeout_ms=st.one_of(st.none(), st.floats(1, 2000)),
    drain_ms=st.floats(0, 3000),
)
def test_pool_conservation_every_request_ends_in_exactly_one_state(
    style, seed, workers, slowdown, slow_ms, patience_ms, timeout_ms, drain_ms
):
    r = run_pool_exhaustion(
        style,
        seed=seed,
        workers=workers,
        slowdown=slowdown,
        slow_start_ms=2000,
        slow_ms=slow_ms,
        patience_ms=patience_ms,
        timeout_ms=timeout_ms,
        duration_ms=8000,
        drain_ms=drain_ms,
    )
    assert r.balanced, (str(r.accounting), str(r.queue))
    assert sum(r.count(o) for o in ("ok", "gave up", "timed out", "in flight")) == r.n_requests


@SETTINGS
@given(
    style=st.sampled_from(["sync", "async"]),
    policy=st.sampled_from(sorted(POLICIES)),
    seed=st.integers(0, 2**32),
    rate=st.floats(1, 19),
    slowdown=st.floats(0.5, 6),
    timeout_ms=st.floats(50, 2000),
    error_rate=st.floats(0, 0.5),
    drain_ms=st.floats(0, 3000),
)
def test_storm_conservation_every_request_and_attempt_is_accounted_for(
    style, policy, seed, rate, slowdown, timeout_ms, error_rate, drain_ms
):
    r = run_retry_storm(
        style,
        seed=seed,
        policy=policy,
        arrival_rate=rate,
        slowdown=slowdown,
        timeout_ms=timeout_ms,
        error_rate=error_rate,
        duration_ms=6000,
        slow_start_ms=1000,
        slow_ms=2000,
        drain_ms=drain_ms,
    )
    assert r.balanced, (str(r.accounting), str(r.work))
    if style == "sync":
        assert r.attempts.max(initial=0) <= POLICIES[policy].retry.attempts


# == figures ===================================================================================


def test_chain_success_of_a_long_chain_equals_shorter_runs():
    """One sync run gives every prefix's success exactly (common random numbers)."""
    faults = {s: Faults.flaky(0.1) for s in analysis.CHAIN}
    common = dict(seed=SEED, n_orders=400, arrival_rate=20, decline_rate=0.0, faults=faults)
    full = run_checkout("sync", downstream=("inventory", "email", "analytics"), **common)
    prefix = analysis.chain_success(full)
    for k in range(1, 5):
        short = run_checkout("sync", downstream=analysis.CHAIN[1:k], **common)
        assert short.success_rate() == pytest.approx(prefix[k - 1], abs=1e-12), k


def test_figures_draw_without_error():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sync, asyn = run_both(
        seed=SEED, n_orders=300, faults={"inventory": Faults.outage(20_000, 10_000)}
    )
    left, _ = plots.outage_figure(sync, asyn, (20_000, 30_000))
    assert left.get_title(loc="left").startswith("During the outage: sync")
    left, _ = plots.outage_figure(sync, asyn, [(20_000, 25_000), (40_000, 45_000)])
    assert left.get_title(loc="left").startswith("During the 2 outages: sync")
    plots.pool_figure(pool())
    plots.storm_figure(storms())
    plots.amplification_bars(list(storms().values()))
    plots.p99_over_time(list(storms().values()))
    flaky = {s: Faults.flaky(0.05) for s in analysis.CHAIN}
    s, a = run_both(seed=SEED, n_orders=200, decline_rate=0, faults=flaky, downstream=("email",))
    plots.availability_chain(s, a, 0.95)
    plt.close("all")


# == panels, headless ============================================================================


def _shows_png(panel):
    return panel.png.startswith(b"\x89PNG") and not panel.message


@pytest.fixture(scope="module")
def availability_panel():
    return panels.availability()


def test_availability_panel_lower_availability_or_longer_chain_lowers_sync_only(
    availability_panel,
):
    p = availability_panel
    p.set(availability=99.0, services=4, orders=1000)
    assert _shows_png(p)
    high = dict(p.data)
    p.set(availability=92.0)
    low = dict(p.data)
    assert low["sync"] < high["sync"] - 0.15  # 0.99⁴ ≈ 0.96 against 0.92⁴ ≈ 0.72
    for d in (high, low):
        # 1,000 orders: a 95 % binomial interval is at most ±2.9 points
        assert d["sync"] == pytest.approx(d["theory_sync"][-1], abs=0.03)
        assert d["async"] == pytest.approx(d["a"], abs=0.03)
        assert d["tasks_done"] == d["tasks"]  # every failed downstream task was redone
    p.set(services=1)
    assert p.data["sync"] == pytest.approx(p.data["async"], abs=1e-12)  # Payment alone
    assert "sync checkout confirmed" in p.summary and "theory" in p.summary


def test_outage_panel_longer_outage_fails_more_sync_orders_and_no_async_ones():
    p = panels.outage(start_s=10, length_s=10)
    short = dict(p.data)
    p.set(length_s=40)
    long = dict(p.data)
    # down means down: only orders placed in the outage's last ~0.2 s (they reach
    # Inventory after Order's and Payment's work) can still be confirmed
    assert short["sync_window"] < 0.05 and long["sync_window"] < 0.05
    assert long["n_window"] > 3 * short["n_window"]
    assert long["sync_all"] < short["sync_all"] - 0.3  # 40 of 60 s lost instead of 10
    for d in (short, long):
        assert d["async_window"] == 1.0 and d["async_all"] == 1.0
        assert d["lost"] == 0 and d["accounting"].balanced
    assert long["backlog_peak"] > 3 * short["backlog_peak"]
    p.set(rate=15)
    assert p.data["backlog_peak"] > 2.5 * long["backlog_peak"]
    assert "Orders lost: 0" in p.summary


def test_outage_panel_impossible_settings_show_a_sentence_then_recover():
    p = panels.outage()
    # the length slider follows the start: every slider setting can be simulated
    p.set(start_s=50)
    assert p.values()["length_s"] == 10
    assert not p.message and _shows_png(p)
    p.set(length_s=0)
    assert "No outage" in p.summary


def test_pool_panel_slower_dependency_fails_simple_requests_in_sync_only():
    p = panels.pool_exhaustion(slowdown=2)
    mild = dict(p.data)
    p.set(slowdown=30)
    bad = dict(p.data)
    assert mild["sync_simple"] == 1.0
    assert bad["sync_simple"] < 0.6 and bad["saturated"] > 0.8
    for d in (mild, bad):
        assert d["async_simple"] == d["async_checkout"] == 1.0
    # a timeout bounds the damage: simple requests are back, checkouts fail fast
    p.set(timeout=300.0)
    assert p.data["sync_simple"] > 0.95 and p.data["sync_checkout"] < 0.1
    # more workers absorb more
    p.set(timeout=0.0, workers=20)
    assert p.data["sync_simple"] > bad["sync_simple"] + 0.3
    p.set(workers=0)
    assert "0 workers" in p.message
    p.set(workers=5)
    assert _shows_png(p) and "async answered 100%" in p.summary


def test_storm_panel_naive_retries_amplify_a_budget_does_not():
    p = panels.retry_storm()
    naive = dict(p.data)
    p.set(policy="budget")
    budget = dict(p.data)
    assert naive["amplification"] > 3.0 and budget["amplification"] < 1.2
    assert naive["goodput_after"] < 1.0  # metastable: still down long after the slowdown
    assert budget["goodput_after"] > 0.75 * 12  # back near the 12 arrivals/s
    assert naive["async_ok"] == budget["async_ok"] == 1.0
    p.set(policy="naive", slow_s=0)
    assert p.data["amplification"] < 1.2  # no trigger, no storm
    p.set(rate=25)
    assert "overloaded even when healthy" in p.message
    p.set(rate=12)
    assert _shows_png(p) and "Async: 100% processed" in p.summary


# == the card's claims ==========================================================================
