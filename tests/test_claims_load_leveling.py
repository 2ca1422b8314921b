"""Lesson 04's claims, one test each, asserted with numbers from the flash-sale simulation.

C16 (a burst is absorbed instead of rejected), C20 (throughput scales with
competing consumers until another bottleneck), C21 (consumers see a smooth
rate while arrivals spike) and C27 (a queue buys time, not capacity; a
backlog B drains in about B / (cμ − λ)). Named ``test_cNN_…`` so they can join
``tests/test_claims.py`` and its ledger. The shop: 2 workers at 200 ms an
order (10 orders/s), normal traffic 5/s, a one-minute sale at 30/s; fixed
seeds. Tolerances are stated next to each assertion with their reason.
"""

import math
from functools import cache

import numpy as np
import pytest

from servicelab import theory
from servicelab.lessons.l04_load_leveling.analysis import door_numbers, drain_numbers
from servicelab.scenarios.flash_sale import run_consumers, run_flash_sale, run_flash_sale_both

SEED = 4


@cache
def sale():
    return run_flash_sale_both(seed=SEED)


def test_c16_async_for_high_volume_a_burst_is_absorbed_instead_of_rejected():
    sync, asyn = sale()
    s, a = door_numbers(sync), door_numbers(asyn)  # the orders placed during the sale
    # sync can take only its capacity (10 of ~31/s): about a third; the rest time out at
    # the door after their 3 s of patience. Async accepts every one, in ~2 ms
    assert s["accepted"] < 0.45 and s["gave_up"] > 0.55
    assert a["accepted"] == 1.0 and a["wait_p99_s"] < 0.01
    # ... and processes every one after the sale, none lost
    assert asyn.processed == asyn.n_orders and asyn.balanced and asyn.queue.parts["waiting"] == 0
    # both process at the same pace during the sale: the queue adds no capacity (±10 %:
    # 600 orders in the minute, a Poisson-like count's 3 sd is ~12 %, and they share draws)
    start, end = asyn.config.window
    assert asyn.throughput(start, end) == pytest.approx(sync.throughput(start, end), rel=0.1)
    # shedding load instead: the same third is accepted, the rest are told at once
    shed = door_numbers(run_flash_sale("sync", seed=SEED, max_waiting=10))
    assert shed["accepted"] < 0.45 and shed["refused"] > 0.55 and shed["gave_up"] == 0


def test_c21_load_leveling_consumers_see_a_smooth_rate_while_arrivals_spike():
    _, asyn = sale()
    c = asyn.config
    start, end = c.window
    t, arrivals = asyn.per_second("arrivals", 5_000)
    _, processed = asyn.per_second("processed", 5_000)
    in_sale = (t >= start) & (t < end)
    d = drain_numbers(asyn)
    busy = (t >= start + 5_000) & (t < end + 1000 * d["drain_s"] - 5_000)  # backlog > 0
    # arrivals spike to ~3× the capacity; in 5 s bins (~150 orders) their 3 sd is ~25 %
    assert arrivals[in_sale].mean() > 2.5 * c.capacity
    assert arrivals[~in_sale & (t < c.duration_ms)].mean() < 0.7 * c.capacity
    # while the backlog lasts (sale and drain) the consumers process at their capacity,
    # steadily: each 5 s bin (~50 orders) within 3 sd ≈ 45 % of 10/s, and their mean within 5 %
    assert processed[busy].mean() == pytest.approx(c.capacity, rel=0.05)
    assert np.all(np.abs(processed[busy] - c.capacity) < 0.45 * c.capacity)
    assert processed.max() < 0.6 * arrivals.max()  # smooth: never near the spike


def test_c27_a_queue_buys_time_a_backlog_drains_in_b_over_c_mu_minus_lambda():
    # B / (cμ − λ) is the mean time until the backlog, a random walk with drift −(cμ − λ)
    # and variance rate λ + cμ, first empties (Wald); its sd is √(B (λ + cμ) / (cμ − λ)³),
    # ~12 s on ~240 s here. Within 3.5 sd per seed, and each seed's own B
    for seed in (SEED, 5, 6):
        d = drain_numbers(run_flash_sale("async", seed=seed))
        sd = math.sqrt(d["backlog"] * (d["base_rate"] + d["capacity"]) / d["spare"] ** 3)
        assert d["backlog"] == pytest.approx((30 - 10) * 60, rel=0.15)  # the fluid B: ±3.5 sd
        assert d["theory_s"] == theory.drain_time(d["backlog"], 5, 5, 2)
        assert abs(d["drain_s"] - d["theory_s"]) < 3.5 * sd, (seed, d)
    # the price: an order placed as the sale ends waits for the whole backlog, B / cμ
    _, asyn = sale()
    d = drain_numbers(asyn)
    waits = asyn.fulfilment_ms() / 1000  # B / cμ: ~1,200 orders ahead at 10/s; ±20 % for
    assert np.max(waits) == pytest.approx(d["backlog"] / d["capacity"], rel=0.2)  # the tail


def test_c27_a_queue_buys_time_not_capacity_above_capacity_it_never_drains():
    # normal traffic at 12/s against 10/s processed: the backlog grows ~2/s all day
    r = run_flash_sale("async", seed=SEED, base_rate=12, sale_ms=0)
    d = drain_numbers(r)
    assert d["never"] and d["more_s"] == math.inf
    s = r.series["waiting"]
    late = s.between(60_000, r.config.duration_ms)
    assert np.all(late > 0)  # after the first minute it never empties again
    # growth over 300 s: 2/s × 300 = 600, give or take √((12 + 10) × 300) ≈ 81 (3 sd ≈ 40 %)
    grown = s.at(r.config.duration_ms) - s.at(60_000)
    assert grown == pytest.approx(2 * 300, rel=0.4)
    # and every order waits longer than the ones before it: the wait grows with the backlog
    waits = r.fulfilment_ms()
    first, last = waits[: waits.size // 4].mean(), waits[-waits.size // 4 :].mean()
    assert last > 3 * first


def test_c20_work_distribution_throughput_scales_with_consumers_until_the_database_caps_it():
    counts = [1, 4, 8, 12, 24, 32]
    runs = run_consumers(
        counts,
        seed=SEED,
        base_rate=0,
        sale_rate=150,
        sale_start_ms=0,
        sale_ms=25_000,
        duration_ms=25_000,
    )
    x = {k: runs[k].throughput(5_000, 25_000) for k in counts}  # all consumers busy
    per, cap = 5.0, 100.0  # a consumer: 1000 / 200 ms; the database: 4 × 1000 / 40 ms
    for k in (1, 4, 8, 12):  # below the database's cap: k × 5/s, within 3 sd of a count
        expected = k * per
        assert x[k] == pytest.approx(expected, rel=3 / math.sqrt(expected * 20) + 0.03), (k, x)
    # ... up to the database's capacity, which more consumers do not raise: a saturated
    # database completes ~2,000 writes in 20 s, whose count has an sd of ~√2,000 ≈ 2.2 %
    # (exponential writes), so within 8 % (3.5 sd)
    assert x[32] == pytest.approx(cap, rel=0.08) and x[24] <= cap * 1.08
    assert x[32] - x[24] < 0.12 * cap
