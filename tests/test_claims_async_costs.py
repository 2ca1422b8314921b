"""What async costs, as claims: C27, C28 and C36, one or more tests each.

* C27 — a queue buys time, not capacity: with cμ < λ the backlog grows
  without bound, at about λ − cμ; otherwise a backlog B drains in about
  B / (cμ − λ);
* C28 — an async "confirmed" is an acknowledgement: accepted work can still
  fail later (dead letters, pending states), and the kit counts it beside
  "confirmed";
* C36 — metastable failure: after the trigger ends, naive retries keep the
  service overloaded; a retry budget lets it recover.

Fixed seeds; each tolerance is stated beside its assertion with its reason.
(These tests join ``tests/test_claims.py`` under the same names.)
"""

from functools import cache

import numpy as np
import pytest

from servicelab import Faults, run_checkout
from servicelab.latency import LogNormal
from servicelab.lessons.l03_cascading_failures.analysis import consumer_rates, outage_numbers
from servicelab.records import drain
from servicelab.scenarios.checkout import run_both
from servicelab.scenarios.retry_storm import run_policies
from servicelab.ui.report import compare

SEED = 7
OUTAGE = (200_000.0, 260_000.0)  # ms: Inventory down for a minute, as in lesson 03


def outage_run(seed: int = SEED, **options):
    """An async checkout of 3,000 orders (~10 min at 5/s) with Inventory down for OUTAGE."""
    start, end = OUTAGE
    return run_checkout(
        "async",
        seed=seed,
        n_orders=3000,
        downstream=("inventory",),
        faults={"inventory": Faults.outage(start, end - start)},
        sample_every_ms=100.0,
        **options,
    )


def drain_after_outage(result):
    mu, lam = consumer_rates(result)
    series = result.series["backlog inventory"]
    return drain(
        series, OUTAGE[1], until_ms=result.arrival_ms[-1], service_rate=mu, arrival_rate=lam
    )


# -- C27 a queue buys time, not capacity ----------------------------------------------------------


def test_c27_a_backlog_drains_in_about_b_over_spare_capacity_with_ample_headroom():
    """The default Inventory: 10 workers at 60 ms serve ~167/s against 4.75/s arriving."""
    d = drain_after_outage(outage_run())
    assert d.backlog > 250  # a minute of ~4.75 stock updates/s
    assert d.service_rate == pytest.approx(10 * 1000 / 60) and d.arrival_rate == 4.75
    # B / (cμ − λ) ≈ 1.6 s; read from samples 0.1 s apart, and the last messages still
    # take their own ~60 ms of work: 0.5 s bounds both
    assert d.drained and d.drain_s == pytest.approx(d.expected_s, abs=0.5)


def test_c27_with_little_headroom_the_same_backlog_takes_minutes():
    """One Inventory worker at 170 ms serves ~5.9/s against 4.75/s: 1.2× headroom."""
    ratios = []
    for seed in range(10):
        d = drain_after_outage(
            outage_run(seed, workers={"inventory": 1}, latency={"inventory": LogNormal(170, 0.4)})
        )
        assert d.drained and d.expected_s > 200  # B ≈ 270 at 1.13/s spare: about 4 minutes
        ratios.append(d.drain_s / d.expected_s)
    # The time to empty is a random walk's first passage: its sd is about
    # sqrt(B (λ + cμ·CV²)) / (cμ − λ)^1.5 ≈ 14 % of its mean here (CV² ≈ 0.17 for
    # σ = 0.4), and each seed's own λ differs from 4.75/s by ~2 %, which moves the
    # spare 1.13/s by ~8 %. Over 10 seeds the ratios ran 0.87–1.28 (mean 1.04):
    # each within 40 % (~3 sd), their mean within 10 % (~2.5 sd of a mean of 10)
    assert all(0.6 < r < 1.4 for r in ratios), ratios
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.1)


def test_c27_when_consumers_serve_less_than_arrives_the_backlog_grows_at_lambda_minus_cmu():
    """One Inventory worker at 100 ms serves 10/s; 20 orders/s, 95 % paid: λ = 19/s."""
    for seed in (SEED, 1, 2):
        r = run_checkout(
            "async",
            seed=seed,
            n_orders=2000,
            arrival_rate=20.0,
            downstream=("inventory",),
            workers={"inventory": 1},
            latency={"inventory": LogNormal(100, 0.4)},
            sample_every_ms=500.0,
        )
        mu, lam = consumer_rates(r)
        assert (mu, lam) == (pytest.approx(10.0), pytest.approx(19.0))
        s, last = r.series["backlog inventory"], float(r.arrival_ms[-1])
        keep = (s.t_ms >= 10_000) & (s.t_ms <= last)
        slope, start = np.polyfit(s.t_ms[keep] / 1000, s.values[keep], 1)
        fitted = slope * s.t_ms[keep] / 1000 + start
        # a straight line: the backlog grows without bound, linearly
        assert 1 - np.var(s.values[keep] - fitted) / np.var(s.values[keep]) > 0.99
        # at λ − cμ = 9/s: over ~100 s the backlog's sd is sqrt((λ + cμ·CV²) t) ≈ 45 and
        # the seed's λ varies by ~2 %, so the slope carries ~6 % noise; 15 % is ~2.5 sd
        assert slope == pytest.approx(lam - mu, rel=0.15), seed
        d = drain(s, 10_000, until_ms=last, service_rate=mu, arrival_rate=lam)
        assert not d.drained and d.grows and d.needs_s == np.inf
        assert "grows without end" in d.describe("10 s")
        assert r.success_rate() == 1.0  # the users were all told "confirmed" meanwhile


# -- C28 async "confirmed" is an acknowledgement ---------------------------------------------------


@cache
def flaky_inventory():
    """Inventory fails 30 % of tries; a message is tried 5 times, then dead-lettered."""
    return run_both(seed=SEED, n_orders=2000, faults={"inventory": Faults.flaky(0.3)})


def test_c28_confirmed_is_an_acknowledgement_dead_letters_are_counted_beside_it():
    sync, asyn = flaky_inventory()
    assert asyn.success_rate() == 1.0  # every paid order was told "confirmed" ...
    dead = asyn.dead_lettered()
    # ... yet some stock updates failed all 5 tries: 0.3⁵ × 1,912 ≈ 4.6 expected (Poisson:
    # 1–12 holds 99 % of seeds); this seed dead-letters 6
    assert dead == {"inventory": 6, "email": 0}
    acc = asyn.queues["inventory"]
    assert acc.balanced and acc.parts["acknowledged"] + 6 == asyn.count("completed")
    assert asyn.pending() == {"inventory": 0, "email": 0}  # the run drained: nothing waits
    # describe() and compare() show it next to "confirmed"
    assert "6 messages (inventory 6) dead-lettered" in asyn.describe()
    table = compare(sync, asyn)
    row = next(line for line in table.splitlines() if "dead-lettered: inventory" in line)
    assert row.split()[-2:] == ["–", "6"]  # sync has no queue: its "confirmed" is the work done
    assert "'confirmed' means" in table and "accepted" in table and "work done" in table
    # sync says so at once: those orders failed for their users instead
    assert sync.count("failed") > 500


def test_c28_work_still_pending_at_the_end_is_counted_beside_confirmed():
    start, end = OUTAGE
    r = run_checkout(
        "async",
        seed=SEED,
        n_orders=1400,  # ~280 s of orders: the run stops 2 s after the last one
        faults={"inventory": Faults.outage(start, end - start)},
        workers={"inventory": 1},
        latency={"inventory": LogNormal(170, 0.4)},
        drain_ms=2_000.0,
    )
    pending = r.pending()["inventory"]
    # ~60 s of stock updates piled up, draining at ~1.1/s: most are still waiting
    assert r.success_rate() == 1.0 and pending > 150
    assert f"{pending:,} messages (inventory {pending:,}) still pending" in r.describe()
    assert r.balanced


def test_c28_with_its_database_down_inventory_dead_letters_most_of_an_outage():
    """The process is up and keeps pulling; each try fails at once, 5 tries 1 s apart."""
    start, end = OUTAGE
    down = {
        mode: run_both(
            seed=SEED,
            n_orders=3000,
            faults={"inventory": Faults.outage(start, end - start, down=mode)},
        )
        for mode in ("process", "database")
    }
    whole = outage_numbers(*down["process"], OUTAGE)
    db = outage_numbers(*down["database"], OUTAGE)
    # the whole process down: consumers stop pulling, the backlog waits, nothing dead-lettered
    assert whole["dead_lettered"] == 0 and whole["backlog_peak"] > 250
    # its database down: a message is dead-lettered ~4 s after its first try, so all but
    # the last ~4 s of the outage's ~268 stock updates go: ~4 s × 4.75/s ≈ 19 survive
    placed = db["n_window"]
    assert db["async_window"] == 1.0  # every user was still told "confirmed"
    assert placed - 30 <= db["dead_lettered"] <= placed - 10
    assert db["backlog_peak"] < 40  # about 4 s worth of messages awaiting redelivery
    assert db["accounting"].balanced and db["lost"] == 0
    # sync fails the same orders either way: a refused call is a refused call
    assert whole["sync_window"] == db["sync_window"] < 0.05


# -- C36 metastable failure ------------------------------------------------------------------------


@cache
def long_storms():
    """12 requests/s against 20/s; the service 3× slower from 5 s to 10 s; a 60 s run."""
    return run_policies(("none", "naive", "budget"), seed=SEED, duration_ms=60_000.0)


def test_c36_naive_retries_keep_the_service_overloaded_long_after_the_trigger():
    r = long_storms()
    naive = r["naive"]
    capacity, rate = naive.config.capacity, naive.config.arrival_rate
    t = naive.times()
    # before the trigger the same system was healthy: a stable good state (bins 1–4 s;
    # one second holds ~12 arrivals, Poisson ±3.5, so a 4-bin mean above 9 is ~2 sd)
    assert naive.goodput()[(t > 1_000) & (t < 5_000)].mean() > 0.75 * rate
    # from 2 s after the trigger ended to the end of the run, 50 s later, every second
    # the service receives more than it can serve (about 4× the arrivals) ...
    after = t > naive.config.window[1] + 2_000
    assert naive.offered_load()[after].min() > capacity
    # ... and almost nothing succeeds: the stuck state is stable too
    late = t > naive.config.window[1] + 5_000
    assert naive.goodput()[late].mean() < 0.5 and naive.goodput()[late].max() <= 2


def test_c36_without_retries_or_with_a_budget_the_same_trigger_passes():
    r = long_storms()
    late = r["naive"].times() > r["naive"].config.window[1] + 5_000
    rate, capacity = r["naive"].config.arrival_rate, r["naive"].config.capacity
    for name in ("none", "budget"):
        good, load = r[name].goodput()[late], r[name].offered_load()[late]
        # back to serving the arrivals (less the 5 % transient errors a client without
        # retries sees): 45 one-second bins, Poisson noise ~0.5/s on their mean
        assert good.mean() == pytest.approx(rate, rel=0.15), name
        assert load.mean() < 0.75 * capacity, name  # nothing left to amplify
    # so it is the retries, not the trigger, that hold the naive run down
    assert r["budget"].amplification < 1.2 < 3.0 < r["naive"].amplification
