"""Lesson 06's stories: the stock's lag after a checkout, and the last items of a sale.

Units and properties of :mod:`servicelab.scenarios.stale_reads` and
:mod:`servicelab.scenarios.last_items`, the slice's readings and panels, and
the closed form :func:`servicelab.theory.stale_probability`. The claim C6
itself is asserted in ``tests/test_claims_eventual_consistency.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicelab import Faults, _check, run_checkout, theory
from servicelab.latency import Exponential
from servicelab.lessons.l06_eventual_consistency.analysis import (
    lag_numbers,
    lag_report,
    promises,
    sale_numbers,
    sale_report,
)
from servicelab.lessons.l06_eventual_consistency.panels import last_items, stale_reads
from servicelab.scenarios.last_items import (
    MAX_BUYERS,
    OUTCOMES,
    REMEDIES,
    LastItemsConfig,
    run_last_items,
    run_last_items_both,
)
from servicelab.scenarios.stale_reads import (
    run_stock_updates,
    stale_curve,
    stale_share,
    stock_lag_ms,
    theory_stale_curve,
)

# -- the closed form ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, name",
    [
        ((-1.0, 1.0, 2.0), "t"),
        ((1.0, -1.0, 2.0), "arrival_rate"),
        ((1.0, 1.0, 0.0), "service_rate"),
    ],
)
def test_stale_probability_refuses_bad_arguments_by_name(args, name):
    with pytest.raises(_check.KitValueError, match=name):
        theory.stale_probability(*args)


@settings(max_examples=50, deadline=None)
@given(
    t=st.floats(0, 20),
    load=st.floats(0, 0.95),
    mu=st.floats(0.1, 50),
    c=st.integers(1, 6),
)
def test_property_stale_probability_is_a_falling_share(t, load, mu, c):
    lam = load * c * mu
    p = theory.stale_probability(t, lam, mu, c)
    assert 0.0 <= p <= 1.0 + 1e-12
    assert theory.stale_probability(t + 0.5, lam, mu, c) <= p + 1e-12
    # more servers never make it staler
    assert theory.stale_probability(t, lam, mu, c + 1) <= p + 1e-9


# -- the stock's lag, read from the checkout ------------------------------------------------------


def test_run_stock_updates_is_the_checkout_with_inventory_alone():
    r = run_stock_updates(seed=3, consumers=2, update_ms=300)
    c = r.config
    assert c.downstream == ("inventory",) and c.workers["inventory"] == 2
    assert c.latency["inventory"].mean_ms == 300.0
    same = run_checkout(
        "async",
        seed=3,
        downstream=("inventory",),
        latency={"inventory": Exponential(300.0)},
        workers={"inventory": 2},
    )
    assert np.array_equal(stock_lag_ms(r), stock_lag_ms(same))


def test_run_stock_updates_refuses_what_it_sets_and_bad_values():
    with pytest.raises(_check.KitValueError, match="downstream"):
        run_stock_updates(downstream=("email",))
    with pytest.raises(_check.KitValueError, match="consumers"):
        run_stock_updates(consumers=0)
    with pytest.raises(_check.KitValueError, match="update_ms"):
        run_stock_updates(update_ms=0)
    with pytest.raises(_check.KitValueError, match="result"):
        stock_lag_ms("not a result")
    with pytest.raises(_check.KitValueError, match="t_ms"):
        stale_curve(run_stock_updates(seed=1, n_orders=50), [-1.0])


def test_an_update_never_applied_is_stale_for_ever():
    down = run_stock_updates(
        seed=2, n_orders=200, faults={"inventory": Faults.outage(0, math.inf)}, drain_ms=0
    )
    lag = stock_lag_ms(down)
    assert lag.size and np.all(np.isinf(lag))
    assert stale_share(down, 3_600_000) == 1.0


def test_the_lag_reading_and_the_report_say_the_same_numbers():
    sync, asyn = (run_stock_updates(s, seed=6) for s in ("sync", "async"))
    d = lag_numbers(asyn, [1.0])
    assert d["stale"][0] == pytest.approx(stale_share(asyn, 1000))
    assert d["theory"][0] == pytest.approx(theory.stale_probability(1.0, 4.75, 1000 / 150))
    assert d["headroom"] == pytest.approx(1000 / 150 - 4.75)
    text = lag_report(sync, asyn)
    assert "lag 0" in text and f"{d['stale'][0]:.0%}" in text and "1 consumer," in text
    assert np.all(theory_stale_curve(sync, [0, 100]) == 0)


# -- the last items -------------------------------------------------------------------------------


def test_the_config_checks_each_field_and_the_buyers_budget():
    c = LastItemsConfig()
    assert (c.items, c.buyer_rate, c.consumers) == (50, 30.0, 1)
    assert c.capacity == pytest.approx(1000 / 45)
    with pytest.raises(_check.KitValueError, match="remedy"):
        LastItemsConfig(remedy="hope")
    with pytest.raises(_check.KitValueError, match="buyer_rate"):
        LastItemsConfig(buyer_rate=0)
    with pytest.raises(_check.KitValueError, match=f"{MAX_BUYERS:,}"):
        LastItemsConfig(buyer_rate=10_000, duration_ms=60_000)
    with pytest.raises(_check.KitValueError, match="options"):
        run_last_items(config=c, items=3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.integers(0, 80),
    rate=st.floats(1, 60),
    consumers=st.integers(1, 3),
    remedy=st.sampled_from(REMEDIES),
    down=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_property_never_more_sold_than_in_stock_and_the_books_balance(
    items, rate, consumers, remedy, down, seed
):
    options = dict(items=items, buyer_rate=rate, consumers=consumers, duration_ms=5_000)
    if down:
        options.update(down_start_ms=1_000, down_ms=2_000)
    sync, asyn = run_last_items_both(seed=seed, remedy=remedy, **options)
    for r in (sync, asyn):
        assert r.balanced and r.sold <= items
        assert sum(r.count(o) for o in OUTCOMES) == r.n_buyers
        assert r.count("in flight") == r.count("confirmed") == r.count("pending") == 0
    assert sync.oversold == 0
    assert np.array_equal(sync.arrival_ms, asyn.arrival_ms)
    if remedy == "pending":
        assert asyn.oversold == 0
    # every buyer the view let through was applied: sold or oversold (or sold out after pending)
    through = np.isin(asyn.told, ("confirmed", "pending"))
    assert np.all(~np.isnan(asyn.applied_ms[through]))


def test_a_run_is_the_same_for_the_same_seed():
    a, b = run_last_items(seed=9), run_last_items(seed=9)
    assert np.array_equal(a.outcome, b.outcome) and np.array_equal(
        a.applied_ms, b.applied_ms, equal_nan=True
    )


def test_the_remedies_tell_buyers_different_things_about_the_same_sale():
    runs = {remedy: run_last_items(seed=6, remedy=remedy) for remedy in REMEDIES}
    plain, pending, sorry = runs["none"], runs["pending"], runs["compensate"]
    assert np.array_equal(plain.applied_ms, sorry.applied_ms, equal_nan=True)
    assert plain.count("oversold") == plain.oversold and plain.apologies == 0
    assert sorry.count("oversold") == 0 and sorry.apologies == plain.oversold
    assert pending.told_count("confirmed") == 0 and pending.told_count("pending") > 0


def test_the_sale_reading_report_and_promises_agree():
    sync, asyn = run_last_items_both(seed=6)
    d = sale_numbers(asyn)
    assert d["oversold"] == asyn.oversold and f"{d['oversold']:,} oversold" in sale_report(asyn)
    t = np.linspace(0, 12, 50)
    promised, pending = promises(asyn, t)
    assert promised[-1] == asyn.sold + asyn.oversold and not pending.any()
    assert promises(sync, t)[0][-1] == sync.sold <= sync.config.items
    sorry = run_last_items(seed=6, remedy="compensate")
    assert promises(sorry, t)[0][-1] == sorry.sold  # refunds took the extra promises back


# -- the panels -----------------------------------------------------------------------------------


def test_the_stale_reads_panel_moves_with_its_controls():
    p = stale_reads()
    base = p.data["at"]
    assert base == pytest.approx(p.data["at_theory"], abs=0.05)
    p.set(read_after_s=0.3)
    assert p.data["at"] > base
    p.set(read_after_s=1.0, consumers=2)
    assert p.data["at"] < base and "2 consumers" in p.summary
    p.set(consumers=1, order_rate=12)
    assert p.message and "grows without end" in p.message


def test_the_last_items_panel_moves_with_its_controls():
    p = last_items()
    assert p.data["async"]["oversold"] > 0 and p.data["sync"]["oversold"] == 0
    p.set(remedy="pending")
    assert p.data["async"]["oversold"] == 0 and "“pending”" in p.summary
    p.set(remedy="compensate")
    assert "apologies" in p.summary
    p.set(outage="down")
    assert p.data["sync"]["failed"] > 0 and "failed" in p.summary
