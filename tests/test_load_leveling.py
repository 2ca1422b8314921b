"""Lesson 04's story, the flash sale (``scenarios.flash_sale``), its theory and its readings.

* ``theory.drain_time`` — B / (cμ − λ), never when nothing is spare;
* the config refuses what it cannot run, with the kit's sentence, and every
  accepted setting is bounded: a heavy run stops at its event budget and its
  books balance however it is cut;
* common random numbers: the same orders arrive in both styles and each order
  needs the same work; the sale's orders come from a stream of their own;
* the doors: sync waits (and times out) or sheds load; a queue accepts, a
  bounded one rejects or blocks;
* theory agreement: the steady backlog is M/M/c's, Little's law holds on the
  backlog, and the drain takes B / (cμ − λ) within its random-walk spread;
* the lesson's readings, and the exercise set's model solution on 20 seeds.

Tolerances are stated next to each assertion with their reason.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicelab import Exponential, theory
from servicelab._check import KitValueError
from servicelab.lessons.l04_load_leveling import analysis
from servicelab.lessons.l04_load_leveling._exercise_checks import (
    ACCEPT_GOAL,
    WAIT_GOAL_S,
    accepted_in_sale,
    fulfilment_p99_s,
    q5_run,
)
from servicelab.scenarios.flash_sale import (
    ACCEPTED,
    GAVE_UP,
    MAX_ORDERS,
    OUTCOMES,
    REFUSED,
    FlashSaleConfig,
    run_consumers,
    run_flash_sale,
    run_flash_sale_both,
)
from servicelab.world import DEFAULT_MAX_EVENTS

SEED = 4
#: a short sale, quick to run: 30 orders/s for 20 s against the shop's 10/s
SHORT = dict(sale_start_ms=5_000, sale_ms=20_000, duration_ms=60_000)


# == theory.drain_time ====================================================================


def test_drain_time_is_the_backlog_over_the_spare_capacity():
    assert theory.drain_time(1200, 5, 5, 2) == pytest.approx(240.0)  # 1,200 / (2 × 5 − 5)
    assert theory.drain_time(600, 0.010, 0.005, 4) == pytest.approx(60_000.0)  # per ms → ms
    assert theory.drain_time(0, 12, 5, 2) == 0.0  # nothing to drain, even when overloaded
    assert theory.drain_time(100, 10, 5, 2) == math.inf  # nothing spare: never
    assert theory.drain_time(100, 12, 5, 2) == math.inf


@pytest.mark.parametrize(
    ("args", "name"),
    [((-1, 5, 5), "backlog"), ((1, -5, 5), "arrival_rate"), ((1, 5, 0), "service_rate")],
)
def test_drain_time_refuses_bad_arguments_by_name(args, name):
    with pytest.raises(KitValueError, match=f"^{name} = .* is not allowed"):
        theory.drain_time(*args)


# == the config: checks, refusals, bounds ====================================================


def test_every_field_has_one_check_and_the_defaults_are_the_lessons_shop():
    import dataclasses

    assert sorted(FlashSaleConfig.CHECKS) == sorted(
        f.name for f in dataclasses.fields(FlashSaleConfig)
    )
    c = FlashSaleConfig()
    assert c.capacity == pytest.approx(10.0) and c.db_capacity == pytest.approx(100.0)
    assert c.throughput_cap == pytest.approx(10.0) and c.expected_orders == pytest.approx(3300)


@pytest.mark.parametrize(
    ("options", "start", "limit"),
    [
        (
            dict(base_rate=200, duration_ms=3_600_000),
            "duration_ms = 3600000 is not allowed",
            "50,000",
        ),
        (dict(base_rate=0, sale_rate=0), "base_rate = 0 is not allowed", "must be > 0"),
        (
            dict(sample_every_ms=10, duration_ms=36_000_000, base_rate=1),
            "sample_every_ms = 10",
            "200,000",
        ),
        (dict(on_full="drop"), "on_full = 'drop' is not allowed", "'block', 'reject'"),
        (dict(workers=0), "workers = 0 is not allowed", "≥ 1"),
        (dict(work=0), "work = Fixed(0", "mean > 0"),
        (
            dict(max_events=DEFAULT_MAX_EVENTS + 1),
            "max_events = 1000001 is not allowed",
            "≤ 1,000,000",
        ),
    ],
)
def test_a_setting_it_cannot_run_is_refused_with_a_sentence(options, start, limit):
    with pytest.raises(ValueError) as info:
        run_flash_sale("async", **options)
    message = str(info.value)
    assert message.startswith(start) and limit in message and message.endswith("."), message


def test_run_consumers_refuses_too_many_runs_and_a_workers_option():
    with pytest.raises(ValueError, match="counts = .* a list of 1 to 12"):
        run_consumers(range(1, 14))
    with pytest.raises(ValueError, match="workers is not allowed here"):
        run_consumers([1, 2], workers=3)
    with pytest.raises(ValueError, match="counts entry = 0"):
        run_consumers([0])


@pytest.mark.parametrize(
    "options",
    [
        dict(style="sync", base_rate=500, duration_ms=100_000, sale_ms=0),
        dict(style="async", base_rate=500, duration_ms=100_000, sale_ms=0),
        dict(
            style="async",
            base_rate=500,
            duration_ms=100_000,
            sale_ms=0,
            queue_capacity=50,
            on_full="block",
        ),
        dict(style="sync", base_rate=500, duration_ms=100_000, sale_ms=0, patience_ms=math.inf),
    ],
    ids=["sync", "async", "async, blocking", "sync, patient"],
)
def test_a_heavy_run_stops_at_its_event_budget_and_its_books_balance(options):
    options = dict(options)
    style = options.pop("style")
    r = run_flash_sale(style, seed=SEED, max_events=40_000, **options)
    assert r.stop_reason == "event budget" and r.events == 40_000 and r.cut_short
    assert r.balanced, (r.accounting, r.queue)
    assert sum(r.count(o) for o in OUTCOMES) + r.accounting.parts.get("not yet arrived", 0) == (
        r.n_orders
    )


def test_the_most_orders_allowed_fit_the_budget():
    # 50,000 expected orders at the shop's pace: ~10 events an order, nothing cut
    r = run_flash_sale(
        "async",
        seed=SEED,
        base_rate=50,
        sale_ms=0,
        duration_ms=1_000_000,
        workers=20,
        db_workers=10,
        sample_every_ms=5_000,
    )
    assert FlashSaleConfig(base_rate=50, sale_ms=0, duration_ms=1_000_000).expected_orders <= (
        MAX_ORDERS
    )
    assert r.stop_reason != "event budget" and r.balanced and not r.cut_short


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    style=st.sampled_from(["sync", "async"]),
    base=st.floats(0.5, 20),
    sale=st.floats(0, 60),
    workers=st.integers(1, 4),
    capacity=st.one_of(st.none(), st.integers(1, 200)),
    on_full=st.sampled_from(["block", "reject"]),
    line=st.one_of(st.none(), st.integers(0, 20)),
    patience=st.sampled_from([0.0, 500.0, 3_000.0, math.inf]),
    budget=st.integers(500, 30_000),
)
def test_property_every_order_ends_in_one_outcome_and_the_books_balance(
    style, base, sale, workers, capacity, on_full, line, patience, budget
):
    r = run_flash_sale(
        style,
        seed=1,
        base_rate=base,
        sale_rate=sale,
        workers=workers,
        queue_capacity=capacity,
        on_full=on_full,
        max_waiting=line,
        patience_ms=patience,
        max_events=budget,
        **SHORT,
    )
    assert r.balanced
    assert r.processed <= r.count(ACCEPTED)
    done = ~np.isnan(r.done_ms)
    assert np.all(r.done_ms[done] >= r.arrival_ms[done])
    if style == "sync":
        assert r.processed == r.count(ACCEPTED)  # a sync order is accepted when it is done
        assert r.count(REFUSED) == 0 or line is not None
        assert r.count(GAVE_UP) == 0 or not math.isinf(patience)
    else:
        assert r.count(GAVE_UP) == 0
        assert r.count(REFUSED) == 0 or (capacity is not None and on_full == "reject")


# == common random numbers ===================================================================


def test_both_styles_get_the_same_orders_and_each_order_the_same_work():
    # with workers to spare nobody waits: an order's time is its own work and its write,
    # so async differs from sync by the 2 ms publish, order by order
    sync, asyn = run_flash_sale_both(seed=SEED, workers=200, db_workers=200, **SHORT)
    assert np.array_equal(sync.arrival_ms, asyn.arrival_ms)
    assert sync.count(ACCEPTED) == asyn.count(ACCEPTED) == sync.n_orders
    assert np.allclose(asyn.done_ms - sync.done_ms, 2.0, atol=1e-6)


def test_the_sale_leaves_the_other_orders_alone():
    small = run_flash_sale("async", seed=SEED, sale_rate=10, **SHORT)
    big = run_flash_sale("async", seed=SEED, sale_rate=50, **SHORT)
    start, end = small.config.window
    outside = [r.arrival_ms[(r.arrival_ms < start) | (r.arrival_ms >= end)] for r in (small, big)]
    assert np.array_equal(*outside)
    assert big.n_orders - small.n_orders > 0.5 * 40 * (end - start) / 1000  # ~800 more


def test_a_run_is_the_same_for_the_same_seed():
    a, b = (run_flash_sale("sync", seed=SEED, max_waiting=5, **SHORT) for _ in range(2))
    assert np.array_equal(a.outcome, b.outcome) and np.array_equal(a.response_ms, b.response_ms)


# == the doors ===============================================================================


def test_sync_users_wait_their_patience_then_time_out():
    r = run_flash_sale("sync", seed=SEED, **SHORT)
    d = analysis.door_numbers(r)
    assert d["gave_up"] > 0.4 and d["refused"] == 0
    # a time-out comes after exactly the patience (3 s); nobody waits much longer for a worker
    gave_up = r.response_ms[r.outcome == GAVE_UP]
    assert np.allclose(gave_up, 3_000.0)


def test_sync_that_sheds_load_refuses_at_once_and_keeps_the_line_short():
    r = run_flash_sale("sync", seed=SEED, max_waiting=0, **SHORT)
    assert r.count(GAVE_UP) == 0 and r.count(REFUSED) > 0
    assert np.all(r.response_ms[r.outcome == REFUSED] == 0.0)
    assert r.series["waiting"].values.max() == 0  # nobody ever waits for a worker


def test_a_bounded_queue_rejects_beyond_its_capacity_or_blocks_the_publisher():
    rej = run_flash_sale("async", seed=SEED, queue_capacity=100, **SHORT)
    blk = run_flash_sale(
        "async", seed=SEED, queue_capacity=100, on_full="block", drain_ms=120_000, **SHORT
    )
    assert rej.count(REFUSED) > 0 and rej.series["waiting"].values.max() <= 100
    assert blk.count(REFUSED) == 0 and blk.series["waiting"].values.max() <= 100
    assert blk.count(ACCEPTED) == blk.n_orders  # all got in, eventually
    assert analysis.door_numbers(blk)["wait_p99_s"] > 10  # by waiting at the door
    assert analysis.door_numbers(rej)["wait_p99_s"] < 0.01  # the publish's 2 ms


# == theory agreement =========================================================================


def test_the_steady_backlog_is_mmc():
    # M/M/2 at ρ = 0.5 (no database, exponential work): L = 4/3. Over 8,000 s the time
    # average's standard error is ~1.5 % (relaxation ~1 s, Var(N) ~1.3); 8 % is ~5 SE
    r = run_flash_sale(
        "async",
        seed=SEED,
        db=0,
        work=Exponential(200),
        base_rate=5,
        sale_ms=0,
        duration_ms=8_000_000,
        sample_every_ms=100,
    )
    m = theory.mmc(5 / 1000, 1 / 200, 2)
    assert r.series["backlog"].values.mean() == pytest.approx(m.in_system, rel=0.08)
    assert r.series["waiting"].values.mean() == pytest.approx(m.in_queue, rel=0.15)


@pytest.mark.parametrize("options", [{}, dict(base_rate=8, sale_rate=20)], ids=["sale", "busier"])
def test_littles_law_holds_on_the_backlog(options):
    # both sides are measured; W counts from the click, the backlog from the publish (2 ms
    # later), and L is sampled once a second: within λ × 2 ms + 1 %
    r = run_flash_sale("async", seed=SEED, **options)
    d = analysis.little(r)
    assert d["L"] == pytest.approx(d["lam_W"], abs=d["lam"] * 0.002 + 0.01 * d["L"])


def test_the_drain_takes_b_over_c_mu_minus_lambda_within_its_random_walk_spread():
    # the backlog after the sale shrinks like a random walk with drift −(cμ − λ) and
    # variance rate λ + cμ: the first time it empties has mean B / (cμ − λ) (Wald) and
    # sd √(B (λ + cμ) / (cμ − λ)³), ~12 s on ~240 s. Each seed within 3.5 sd; the mean
    # z of 6 seeds within 3.5 / √6 (sampling every second adds ≤ 1 s, ~0.1 sd)
    z = []
    for seed in range(4, 10):
        d = analysis.drain_numbers(run_flash_sale("async", seed=seed))
        sd = math.sqrt(d["backlog"] * (d["base_rate"] + d["capacity"]) / d["spare"] ** 3)
        z.append((d["drain_s"] - d["theory_s"]) / sd)
    assert max(abs(x) for x in z) < 3.5, z
    assert abs(np.mean(z)) < 3.5 / math.sqrt(len(z)), z


# == the lesson's readings ======================================================================


def test_the_fluid_backlog_rises_in_the_sale_and_falls_at_the_spare_capacity():
    c = FlashSaleConfig()
    t = np.array([0, 30_000, 60_000, 90_000, 210_000, 330_000, 340_000])
    assert np.allclose(analysis.fluid_backlog(c, t), [0, 0, 600, 1200, 600, 0, 0])
    busy = FlashSaleConfig(base_rate=12, sale_ms=0)
    assert analysis.fluid_backlog(busy, [100_000])[0] == pytest.approx(200)


def test_the_drain_reading_says_never_when_nothing_is_spare():
    r = run_flash_sale("async", seed=SEED, base_rate=12, sale_ms=0)
    d = analysis.drain_numbers(r)
    assert d["never"] and d["theory_s"] in (0.0, math.inf) and d["more_s"] == math.inf
    assert d["still"] > 0.5 * 2 * r.config.duration_ms / 1000  # it grows ~2/s: half of that
    assert "never empties" in analysis.drain_sentence(d)


def test_the_door_reading_counts_the_sales_orders_once():
    sync, asyn = run_flash_sale_both(seed=SEED, max_waiting=10, **SHORT)
    for r in (sync, asyn):
        d = analysis.door_numbers(r)
        assert d["accepted"] + d["refused"] + d["gave_up"] == pytest.approx(1.0)
        start, end = r.config.window
        assert d["n"] == np.count_nonzero((r.arrival_ms >= start) & (r.arrival_ms < end))
    assert "refused at once" in analysis.door_report(sync, asyn)


def test_throughputs_read_each_run_against_the_closed_form():
    runs = run_consumers(
        [1, 30],
        seed=SEED,
        base_rate=0,
        sale_rate=150,
        sale_start_ms=0,
        sale_ms=10_000,
        duration_ms=10_000,
    )
    d = analysis.throughputs(runs, start_ms=3_000, end_ms=10_000)
    assert list(d["consumers"]) == [1, 30] and list(d["theory"]) == [5.0, 100.0]
    assert d["measured"][1] == pytest.approx(100, rel=0.08)  # ~700 orders: 3 sd ≈ 8 %


# == the exercise set ===========================================================================


def test_q5s_model_solution_keeps_both_promises_on_at_least_19_of_20_seeds():
    met = 0
    for seed in range(20):
        r = q5_run(3, 600, seed=seed)
        met += accepted_in_sale(r) >= ACCEPT_GOAL and fulfilment_p99_s(r) <= WAIT_GOAL_S
    assert met >= 19, met
