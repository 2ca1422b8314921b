"""The card's claim C6, immediate vs eventual consistency, with numbers from the simulation.

After an async checkout Inventory's stock shows the order only when its
consumer has applied the update: a read within that lag is stale. The lag is
the sojourn time of Inventory's queue, so with Poisson orders and exponential
updates P(stale | a read t after "confirmed") = P(sojourn > t) of M/M/c
(``theory.stale_probability``; for one consumer exp(−(μ − λ) t)). In sync the
stock is updated before "confirmed": no read after it is stale. The price of
the stale view shows when stock is short: a sale checked against it
oversells, and a sync reservation never does, at the cost of the buyer's
wait and of failing while Inventory is down.

Tolerances. With 20,000 orders at ρ ≈ 0.71 the simulated P(stale) at 0.25–2 s
scatters around the theory with a standard deviation of about 0.013 (measured
over 20 seeds; neighbouring orders' lags are correlated, so this is several
times the binomial 0.0035); 0.05 is almost four of those.
"""

import math

import numpy as np
import pytest

from servicelab import theory
from servicelab.scenarios.last_items import run_last_items, run_last_items_both
from servicelab.scenarios.stale_reads import (
    run_stock_updates,
    run_stock_updates_both,
    stale_curve,
    stale_share,
    stock_lag_ms,
    theory_stale_curve,
)

READS_MS = np.array([250.0, 500.0, 1000.0, 2000.0])
TOLERANCE = 0.05
LONG = 20_000  # orders


@pytest.fixture(scope="module")
def long_pair():
    return run_stock_updates_both(seed=11, n_orders=LONG)


def test_c6_after_an_async_checkout_a_read_is_stale_for_the_consumers_lag(long_pair):
    sync, asyn = long_pair
    # sync: the stock is updated before the user hears "confirmed"
    assert np.all(stock_lag_ms(sync) == 0)
    assert stale_share(sync, 0) == 0
    # async: every read right after "confirmed" is stale, and fewer the longer one waits
    lag = stock_lag_ms(asyn)
    assert lag.size > 0.9 * LONG and np.all(np.isfinite(lag)) and np.all(lag > 0)
    curve = stale_curve(asyn, READS_MS)
    assert stale_share(asyn, 0) == 1.0
    assert np.all(np.diff(curve) < 0)
    # ... as the M/M/1 sojourn time says: P(stale at t) = exp(−(μ − λ) t)
    lam, mu = 5.0 * 0.95, 1000 / 150
    expected = np.exp(-(mu - lam) * READS_MS / 1000)
    assert np.allclose(theory_stale_curve(asyn, READS_MS), expected)
    assert np.all(np.abs(curve - expected) < TOLERANCE), (curve, expected)
    # the mean lag is the mean sojourn time 1 / (μ − λ), within 10 %
    assert lag.mean() / 1000 == pytest.approx(1 / (mu - lam), rel=0.10)


def test_c6_more_headroom_shortens_the_lag_and_two_consumers_follow_m_m_c():
    slow = run_stock_updates(seed=11, n_orders=LONG, update_ms=180)  # headroom 0.8/s
    fast = run_stock_updates(seed=11, n_orders=LONG, update_ms=100)  # headroom 5.3/s
    assert stale_share(fast, 1000) < stale_share(slow, 1000) / 4
    two = run_stock_updates(seed=11, n_orders=LONG, consumers=2, update_ms=300)
    expected = [theory.stale_probability(t / 1000, 4.75, 1000 / 300, 2) for t in READS_MS]
    assert np.all(np.abs(stale_curve(two, READS_MS) - expected) < TOLERANCE)


def test_c6_the_theory_is_the_sojourn_time_of_m_m_c():
    # one server: exp(−(μ − λ) t); at t = 0 always 1; with no load, the service time alone
    assert theory.stale_probability(1.0, 1.0, 3.0) == pytest.approx(math.exp(-2.0))
    assert theory.stale_probability(0.0, 2.0, 1.0, 3) == pytest.approx(1.0)
    assert theory.stale_probability(0.5, 0.0, 2.0, 4) == pytest.approx(math.exp(-1.0))
    # the mean of P(T > t) over t is the mean sojourn time of M/M/c
    t = np.linspace(0, 60, 60_001)
    p = [theory.stale_probability(x, 4.75, 1000 / 300, 2) for x in t]
    mean = float(np.sum(p) * (t[1] - t[0]))
    assert mean == pytest.approx(theory.mmc(4.75, 1000 / 300, 2).response, rel=1e-3)
    with pytest.raises(ValueError, match="arrival_rate"):
        theory.stale_probability(1.0, 7.0, 1000 / 150)


def test_c6_a_stale_view_oversells_the_last_items_a_sync_reservation_never_does():
    for seed in range(5):
        sync, asyn = run_last_items_both(seed=seed)
        assert sync.sold == asyn.sold == 50 and sync.balanced and asyn.balanced
        assert sync.oversold == 0
        assert asyn.oversold >= 10, seed  # buyers outpace Inventory: the view lags ever more
        # the price of sync: the buyers who got an item waited for the reservation
        assert np.median(sync.item_wait_ms()) > 50 * np.median(asyn.item_wait_ms())
    # more headroom, a fresher view, fewer oversold items (but rarely none)
    assert run_last_items(seed=1, consumers=2).oversold < run_last_items(seed=1).oversold / 5


def test_c6_sync_reservation_fails_while_inventory_is_down_async_oversells_instead():
    down = dict(down_start_ms=1000.0, down_ms=3000.0)
    sync, asyn = run_last_items_both(seed=6, **down)
    assert sync.count("failed") > 50 and sync.oversold == 0
    assert asyn.count("failed") == 0 and asyn.oversold > run_last_items(seed=6).oversold


def test_c6_remedies_pending_shows_the_lag_compensation_apologises_later():
    plain = run_last_items(seed=6)
    pending = run_last_items(seed=6, remedy="pending")
    sorry = run_last_items(seed=6, remedy="compensate")
    # read-your-writes: nothing promised that is not there; buyers see "pending" meanwhile
    assert pending.oversold == 0 and pending.sold == 50
    waited = pending.pending_ms()
    assert waited.size == pending.told_count("pending") > 50 and np.median(waited) > 100
    assert pending.count("sold out") > 0
    # compensation: the same oversold buyers, each refunded with an apology, later
    assert sorry.oversold == sorry.apologies == plain.oversold > 0
    assert np.all(sorry.apology_ms() > 0) and np.median(sorry.apology_ms()) > 500
