"""Lesson 05's claims, one test each, asserted with numbers from the fan-out simulation.

C3 (tight vs loose coupling: adding a consumer changes the caller and its
latency in sync, nothing for the publisher in pub/sub) and C22 (pub/sub:
every subscriber gets every event; adding one needs no publisher change); and
C28 for pub/sub (what became of each subscriber's work, counted beside "confirmed").
Named ``test_cNN_…`` so they can join ``tests/test_claims.py`` and its
ledger. The shop: the Order service tells Inventory, Email and Analytics
about each order, then Loyalty (and Recommendations, Search) too; each
subscriber 99.5 % available; 1,000 orders at 5/s; fixed seeds (common random
numbers). Tolerances are stated next to each assertion with their reason.
"""

from functools import cache

import numpy as np
import pytest

from servicelab import Faults, theory
from servicelab.lessons.l05_pub_sub.analysis import ADDED, caller_code, identical
from servicelab.scenarios.pubsub import SUBSCRIBERS, run_designs, run_pubsub

SEED = 5
CARD, FOUR = ADDED[:3], ADDED[:4]


@cache
def designs(n: int, seed: int = SEED):
    return run_designs(seed=seed, subscribers=ADDED[:n])


def test_c3_tight_coupling_a_new_consumer_changes_the_sync_callers_code_wait_and_availability():
    for seed in (SEED, 6):
        before, after = designs(3, seed), designs(4, seed)
        one, one4 = before["sync, one by one"], after["sync, one by one"]
        # the caller's code names every consumer: one more line per subscriber
        assert caller_code(one4).count(".call(") == caller_code(one).count(".call(") + 1 == 4
        assert "loyalty" in caller_code(after["sync, in parallel with timeouts"])
        # one by one, Loyalty's own time (median ~46 ms) is added to every order's wait: the
        # median rises by 40–60 ms (its demand's median ± the queueing noise at 5/s)
        assert 40 < one4.p(50) - one.p(50) < 60 and one4.p(99) > one.p(99)
        assert not identical(one, one4)
        # availability: under common random numbers the failed orders of 3 subscribers fail
        # again with 4 (same draws), plus Loyalty's: never more confirmed, and by about 0.5 %
        for design in ("sync, one by one", "sync, in parallel with timeouts"):
            b, a = before[design], after[design]
            failed_b = set(np.flatnonzero(b.outcome == "failed"))
            failed_a = set(np.flatnonzero(a.outcome == "failed"))
            assert failed_b <= failed_a and len(failed_a) > len(failed_b)
    # in parallel only the slowest call counts: Loyalty (faster than Email) barely moves the
    # median, and the p99 follows the closed form for the slowest of the calls (+ Order's ~5 ms
    # and the timeouts' cap): within 10 % (1,000 orders' p99 has a ~5 % sampling error)
    par = designs(4)["sync, in parallel with timeouts"]
    assert abs(par.p(50) - designs(3)["sync, in parallel with timeouts"].p(50)) < 10
    slowest = theory.fan_out_quantile(0.99, *(SUBSCRIBERS[s] for s in FOUR))
    assert par.p(99) == pytest.approx(slowest + 5, rel=0.1)


def test_c3_loose_coupling_the_publishers_code_and_waits_are_identical_after_adding_one():
    for seed in (SEED, 6, 7):
        waits = []
        for n in (1, 3, 4, 6):
            r = designs(n, seed)["pub/sub"]
            assert caller_code(r) == caller_code(designs(1, seed)["pub/sub"])  # one publish
            waits.append(r.response_ms)
            assert r.success_rate() == 1.0
        # identical arrays, bit for bit: the subscribers' work is off the publisher's path
        for w in waits[1:]:
            assert np.array_equal(w, waits[0])
    # while the sync caller's wait grows with every subscriber (one by one: the medians add)
    p50 = [designs(n)["sync, one by one"].p(50) for n in range(1, 7)]
    assert all(b > a for a, b in zip(p50, p50[1:], strict=False))


def test_c3_the_sync_callers_availability_is_the_product_of_its_subscribers():
    # 0.995ⁿ: with 6 subscribers 97.0 %; 1,000 orders' sd is ~0.55 pp, so within 3 sd = 1.6 pp;
    # and, on 3 seeds of 5,000 orders each, within 0.8 pp (3 sd)
    for n in range(1, 7):
        r = designs(n)["sync, one by one"]
        assert r.success_rate() == pytest.approx(0.995**n, abs=0.016)
        assert designs(n)["pub/sub"].success_rate() == 1.0
    for seed in (1, 2, 3):
        r = run_pubsub("sync", seed=seed, n_orders=5_000, subscribers=ADDED)
        assert r.success_rate() == pytest.approx(theory.chain_availability(*[0.995] * 6), abs=0.008)


def test_c22_every_subscriber_gets_every_event_and_retries_its_own_failures():
    r = designs(6)["pub/sub"]
    assert r.balanced and r.stop_reason in ("horizon", "idle")
    for s in ADDED:
        assert r.delivered(s) == r.n_orders  # every subscriber processed every order
        acc = r.queues[s]
        assert acc.total == r.n_orders and acc.parts["acknowledged"] == r.n_orders
        assert acc.parts["dead-lettered"] == 0
        assert r.calls[s] >= r.n_orders  # errors (0.5 %) were retried from its queue
    assert sum(r.calls[s] - r.n_orders for s in ADDED) > 0


def test_c22_adding_a_subscriber_needs_no_publisher_change_and_leaves_the_others_alone():
    three, four = designs(3)["pub/sub"], designs(4)["pub/sub"]
    assert identical(three, four)
    # the other subscribers' deliveries are the same numbers too: Loyalty has a queue of its own
    for s in CARD:
        assert np.array_equal(three.delivered_ms[s], four.delivered_ms[s])
    assert four.delivered("loyalty") == four.n_orders


def test_c22_a_slow_subscriber_lags_alone_while_sync_callers_wait_or_fail():
    slow = {"loyalty": Faults.slow(10, 60_000, 120_000)}  # 2 workers: 4/s while 5/s arrive
    runs = run_designs(seed=SEED, subscribers=FOUR, faults=slow)
    healthy = designs(4)
    pub = runs["pub/sub"]
    # pub/sub: the publisher and the other subscribers are untouched, bit for bit
    assert identical(pub, healthy["pub/sub"])
    for s in CARD:
        assert np.array_equal(pub.delivered_ms[s], healthy["pub/sub"].delivered_ms[s])
    # Loyalty lags alone: its backlog grows ~1 order/s for 60 s, so ~15 s behind at worst
    # (60 orders ÷ 4/s), and it catches up: every order done, nothing pending
    lag = pub.lag_ms("loyalty")
    assert np.nanmax(lag) > 10_000 and pub.delivered("loyalty") == pub.n_orders
    assert np.nanpercentile(healthy["pub/sub"].lag_ms("loyalty"), 99) < 1_000
    assert all(v == 0 for v in pub.pending().values())
    # sync one by one: every order waits for Loyalty's line (p99 of many seconds)
    assert runs["sync, one by one"].p(99) > 10_000
    # sync done well: the timeout bounds the wait, and fails the orders it cuts off
    par = runs["sync, in parallel with timeouts"]
    assert par.p(99) < 400 and par.success_rate() < 0.8
    # ... or, with Loyalty best-effort, keeps them and skips their points (never retried)
    best = run_pubsub(
        "sync",
        seed=SEED,
        subscribers=FOUR,
        faults=slow,
        parallel=True,
        timeouts="auto",
        best_effort=("loyalty",),
    )
    assert best.success_rate() > 0.95 and best.p(99) < 400
    assert best.delivered("loyalty") < 0.8 * best.n_orders  # done in time for fewer than 80 %


def test_c22_the_price_a_late_subscriber_missed_every_event_before_it_subscribed():
    late = run_pubsub(seed=SEED, subscribers=FOUR, joins_ms={"loyalty": 100_000})
    arrived_before = int(np.count_nonzero(late.published_ms < 100_000))
    assert late.missed["loyalty"] == arrived_before > 400  # ~5/s × 100 s
    assert late.delivered("loyalty") == late.n_orders - arrived_before
    assert np.all(np.isnan(late.delivered_ms["loyalty"][late.published_ms < 100_000]))
    # nobody else missed anything, and the publisher did not notice
    assert all(late.delivered(s) == late.n_orders for s in CARD)
    assert identical(late, designs(4)["pub/sub"])


def test_c28_pub_sub_counts_what_became_of_each_subscribers_work_beside_confirmed():
    # one cause per order, counted against the run's own records: dead letters, messages
    # still queued when the run stopped, orders a late subscriber missed
    dead = run_pubsub(seed=SEED, faults={"email": Faults.flaky(0.6)}, max_attempts=2)
    assert dead.success_rate() == 1.0  # every user was told "confirmed"
    counts = dead.cause_counts()
    assert counts["confirmed; Email dead-lettered after 2 tries"] == dead.dead_lettered()["email"]
    assert (
        counts["confirmed; every subscriber done"] == dead.n_orders - dead.dead_lettered()["email"]
    )
    cut = run_pubsub(
        seed=SEED,
        n_orders=300,
        subscribers=FOUR,
        faults={"loyalty": Faults.slow(10)},
        drain_ms=1000.0,
    )
    pending = cut.cause_counts()["confirmed; Loyalty still queued at the horizon"]
    assert pending == cut.pending()["loyalty"] > 0
    late = run_pubsub(seed=SEED, subscribers=FOUR, joins_ms={"loyalty": 100_000})
    missed = late.cause_counts()["confirmed; missed by Loyalty (subscribed later)"]
    assert missed == late.missed["loyalty"] > 400
    # in sync, "confirmed" comes after the work: no confirmed order has work left to follow
    for r in designs(4).values():
        later = [c for c in r.cause_counts() if c.startswith("confirmed;")]
        assert later == ([] if r.style == "sync" else ["confirmed; every subscriber done"])
