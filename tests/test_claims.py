"""The card's claims, one test each, asserted with numbers from the simulation.

Each test is named after the claim it checks (``test_c10_…`` for C10), and
``CLAIMS.md`` (the project's ledger: claim, lesson, test) lists it in the
claim's row; the first tests below hold the ledger and the claim files
together. This file holds the claims of lessons 00–03; the others are in
``test_claims_<topic>.py`` beside it (what async costs, sync done well, a
lesson's own claims).
Runs use fixed seeds and the default checkout (5 orders/s, low load), so
every number is reproducible. Tolerances are stated
next to each assertion with the reason for their size.
"""

import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from servicelab import Faults, card, catalogue, run_both, run_checkout, theory
from servicelab.scenarios.checkout import DEFAULT_LATENCY
from servicelab.scenarios.pool_exhaustion import run_pool_both
from servicelab.scenarios.retry_storm import run_policies
from servicelab.theory import chain_availability

SEED = 7
LEDGER = Path(__file__).resolve().parents[1] / "CLAIMS.md"
ROW = re.compile(r"^\| (C\d+) \| (.+?) \| (.+?) \| (.+?) \|$", re.M)


def ledger() -> dict[str, tuple[str, list[str], str]]:
    """``{"C10": (claim, ["02"], tests cell)}`` from CLAIMS.md."""
    rows = ROW.findall(LEDGER.read_text(encoding="utf-8"))
    return {c: (claim, [x.strip() for x in lessons.split(",")], t) for c, claim, lessons, t in rows}


CLAIM_FILES = sorted(Path(__file__).parent.glob("test_claims*.py"))


def claim_tests() -> dict[str, list[str]]:
    """The ``test_cNN_…`` functions of the claim files (this one and its siblings), by claim."""
    found: dict[str, list[str]] = {}
    for path in CLAIM_FILES:
        for test, number in re.findall(r"^def (test_c(\d+)_\w+)\(", path.read_text(), re.M):
            found.setdefault(f"C{int(number)}", []).append(test)
    return found


def test_the_ledger_lists_claims_c1_to_c36_once_each_with_lessons():
    rows = ROW.findall(LEDGER.read_text(encoding="utf-8"))
    assert [r[0] for r in rows] == [f"C{n}" for n in range(1, 37)]
    for claim, (_, lessons, _) in ledger().items():
        assert lessons and all(re.fullmatch(r"(0\d|1[0-2])", x) for x in lessons), claim


def test_every_claim_has_a_test_here_or_the_lesson_that_will_show_it():
    tests = claim_tests()
    for claim, (_, _, cell) in ledger().items():
        named = re.findall(r"`(test_\w+)`", cell)
        if cell.strip() == "to come":
            assert claim not in tests, f"{claim} has tests {tests[claim]}: list them in CLAIMS.md"
            continue
        assert named, f"{claim}: the test cell must name tests or say 'to come'"
        assert sorted(named) == sorted(tests.get(claim, [])), (
            f"{claim}: CLAIMS.md names {named}, this file has {tests.get(claim, [])}"
        )


@cache
def healthy(n_orders=4000, **_):
    return run_both(seed=SEED, n_orders=n_orders)


def mean(service):
    return DEFAULT_LATENCY[service].mean_ms


# -- C2 caller waits vs caller continues -------------------------------------------


def test_c2_sync_caller_waits_for_payment_plus_inventory_plus_email():
    sync, _ = healthy()
    expected = mean("order") + mean("payment") + mean("inventory") + mean("email")
    got = sync.latency().mean()
    # 3,800 orders: the standard error of the mean is ~1 % of it; queueing at
    # this low load adds well under 1 %. 3 % bounds both.
    assert got == pytest.approx(expected, rel=0.03), (got, expected)


def test_c2_async_caller_waits_for_payment_plus_publish_only():
    _, asyn = healthy()
    expected = mean("order") + mean("payment") + 2.0  # publishing costs 2 ms
    got = asyn.latency().mean()
    assert got == pytest.approx(expected, rel=0.03), (got, expected)
    # and the work still gets done: every confirmed order's email is sent
    assert np.count_nonzero(~np.isnan(asyn.task_done_ms["email"])) == asyn.count("completed")


# -- C10 "If Email Service is slow, entire checkout is slow" ---------------------


def test_c10_if_email_service_is_slow_entire_checkout_is_slow():
    base_sync, base_async = healthy()
    slow_sync, slow_async = run_both(seed=SEED, n_orders=4000, faults={"email": Faults.slow(10)})
    added = 9 * DEFAULT_LATENCY["email"].median_ms  # the median order's extra email time
    rise = slow_sync.p(50) - base_sync.p(50)
    # sync: the user's median wait rises by about Email's added time (within
    # 10 %: the median of a sum is not exactly the sum of medians)
    assert rise == pytest.approx(added, rel=0.10), (rise, added)
    # async: the user's wait does not move at all (same random numbers)
    np.testing.assert_array_equal(slow_async.response_ms, base_async.response_ms)
    # ... only the email itself arrives later
    lag = np.median(slow_async.task_delay("email")) - np.median(base_async.task_delay("email"))
    assert lag >= 0.9 * added, (lag, added)


# -- C11 "If Inventory Service is down, checkout fails" ---------------------------

OUTAGE_START, OUTAGE_MS = 200_000.0, 60_000.0


@cache
def inventory_outage():
    return run_both(
        seed=SEED, n_orders=3000, faults={"inventory": Faults.outage(OUTAGE_START, OUTAGE_MS)}
    )


def in_window(result, margin_ms=1000.0):
    a = result.arrival_ms
    return (a >= OUTAGE_START) & (a < OUTAGE_START + OUTAGE_MS - margin_ms)


def test_c11_if_inventory_service_is_down_sync_checkout_fails():
    sync, _ = inventory_outage()
    during = in_window(sync) & (sync.outcome != "declined")
    assert during.sum() > 250  # ~5 orders/s for a minute
    assert np.all(sync.outcome[during] == "failed")
    assert set(sync.reason[during]) == {"inventory down"}
    # outside the outage every order not declined is confirmed
    after = sync.arrival_ms >= OUTAGE_START + OUTAGE_MS
    assert np.all(sync.outcome[after & (sync.outcome != "declined")] == "completed")


def test_c11_async_accepts_backlogs_drains_and_loses_nothing():
    _, asyn = inventory_outage()
    during = in_window(asyn) & (asyn.outcome != "declined")
    assert np.all(asyn.outcome[during] == "completed")
    backlog = asyn.series["backlog inventory"]
    end = OUTAGE_START + OUTAGE_MS
    # the backlog grows during the window: about one message per accepted order
    peak = backlog.between(OUTAGE_START, end + 1).max()
    accepted = np.count_nonzero(
        (asyn.arrival_ms >= OUTAGE_START) & (asyn.arrival_ms < end) & (asyn.outcome == "completed")
    )
    assert peak == pytest.approx(accepted, rel=0.05), (peak, accepted)
    # ... and drains after recovery: 10 workers at ~60 ms clear ~160 msg/s
    assert backlog.at(end + 10_000) <= 5
    assert backlog.values[-1] == 0
    # zero orders lost: every confirmed order's stock update happened, once
    acc = asyn.queues["inventory"]
    assert acc.balanced and acc.parts["dead-lettered"] == 0
    assert acc.parts["acknowledged"] == asyn.count("completed")
    assert asyn.balanced


# -- C12 "Payment is sync (user needs to know if it worked)" ---------------------


def test_c12_payment_is_sync_a_decline_reaches_the_user_at_once():
    sync, asyn = run_both(seed=SEED, n_orders=3000, decline_rate=0.2)
    declined_sync = sync.outcome == "declined"
    # the same orders are declined in both styles (common random numbers)
    np.testing.assert_array_equal(declined_sync, asyn.outcome == "declined")
    assert 0.17 < declined_sync.mean() < 0.23
    payment_only = mean("order") + mean("payment")
    for result in (sync, asyn):
        told = result.latency("declined")
        # the user hears "declined" after the payment call, not after the chain
        assert told.mean() == pytest.approx(payment_only, rel=0.05)
    assert sync.latency("declined").mean() < 0.6 * sync.latency("completed").mean()


# -- C8 availability multiplies, C9 async breaks the chain ------------------------


@cache
def flaky_chain():
    """Payment, Inventory, Email and Analytics each fail 1 % of requests."""
    faults = {s: Faults.flaky(0.01) for s in ("payment", "inventory", "email", "analytics")}
    return run_both(
        seed=SEED,
        n_orders=20_000,
        arrival_rate=20.0,
        decline_rate=0.0,
        downstream=("inventory", "email", "analytics"),
        faults=faults,
    )


def test_c8_availability_of_a_sync_chain_is_the_product_of_its_parts():
    sync, _ = flaky_chain()
    expected = chain_availability(0.99, 0.99, 0.99, 0.99)  # 0.9606
    # binomial standard error with 20,000 orders: sqrt(.96 * .04 / 20000) ≈ 0.0014;
    # 4 standard errors ≈ 0.0055
    assert sync.success_rate() == pytest.approx(expected, abs=0.0055)


def test_c9_async_breaks_this_chain_user_success_depends_on_payment_alone():
    _, asyn = flaky_chain()
    assert asyn.success_rate() == pytest.approx(0.99, abs=0.003)
    # failed downstream work is retried by redelivery, not lost and not the user's problem
    for name, acc in asyn.queues.items():
        assert acc.balanced, name
        assert acc.parts["acknowledged"] == acc.total, name


# -- C1 request-response vs fire-and-forget ---------------------------------------


def test_c1_sync_is_request_response_async_is_fire_and_forget():
    sync, asyn = healthy()
    for result in (sync, asyn):
        answered = result.arrival_ms + result.response_ms
        done = result.outcome == "completed"
        for service in ("inventory", "email"):
            finished = result.task_done_ms[service][done]
            if result.style == "sync":
                # the answer comes after the work: it *is* the result
                assert np.all(answered[done] >= finished)
            else:
                # the answer is an acknowledgement, sent before the work is done
                assert np.all(answered[done] < finished)


# -- C7 a slow downstream affects the upstream service ----------------------------


def test_c7_if_the_downstream_service_is_slow_the_upstream_service_is_affected():
    base_sync, base_async = healthy()
    slow_sync, slow_async = run_both(seed=SEED, n_orders=4000, faults={"email": Faults.slow(10)})
    rate = 5 / 1000  # orders per ms
    added = 9 * mean("email")  # ms each sync order holds its Order worker longer

    def busy(r):
        return r.series["busy order"].between(0, r.arrival_ms[-1]).mean()

    # Little's law: Order's busy workers rise by arrival rate × added holding time
    # (the sampled mean over ~800 s has a few % of noise; 15 % bounds it)
    rise = busy(slow_sync) - busy(base_sync)
    assert rise == pytest.approx(rate * added, rel=0.15), (rise, rate * added)
    # async: Order does not even notice
    np.testing.assert_array_equal(
        slow_async.series["busy order"].values, base_async.series["busy order"].values
    )


def test_c7_tail_amplification_a_longer_sync_chain_meets_more_slow_calls():
    from servicelab.scenarios.chain import run_chain

    chain = run_chain(n_services=4, n_requests=20_000, seed=SEED)
    # binomial standard error at 3.9 % with 20,000 requests ≈ 0.14 %; 4 SE ≈ 0.55 %
    assert chain.share_meeting_a_slow_call(4) == pytest.approx(1 - 0.99**4, abs=0.0055)
    assert chain.share_meeting_a_slow_call(1) == pytest.approx(0.01, abs=0.003)
    one_p99 = np.percentile(chain.chain_ms(1), 99)
    assert np.percentile(chain.chain_ms(4), 99) > 2 * one_p99


# -- C30 fan-out tails ---------------------------------------------------------------


def test_c30_fan_out_waits_for_the_slowest_a_sequential_chain_adds_medians():
    from servicelab.scenarios.chain import run_chain

    chain = run_chain(n_services=100, n_requests=20_000, seed=SEED)
    # a request fanned out to 100 services waits for the slowest: it is slower than
    # one service's p99 with probability 1 - 0.99**100 = 63.4 %; binomial SE with
    # 20,000 requests ≈ 0.34 %, 4 SE ≈ 1.4 %
    assert chain.share_slower_than_one_p99(100) == pytest.approx(1 - 0.99**100, abs=0.014)
    assert chain.share_slower_than_one_p99(1) == pytest.approx(0.01, abs=0.003)
    # a sequential chain of 4: medians add (within 10 % of 4 medians: the sum of
    # log-normals is right-skewed, so its median sits a little above), and its tail
    # narrows relative to its median
    one, four = chain.chain_ms(1), chain.chain_ms(4)
    assert np.median(four) == pytest.approx(4 * np.median(one), rel=0.15)
    ratio = lambda v: np.percentile(v, 99) / np.median(v)  # noqa: E731
    assert ratio(four) < 0.7 * ratio(one)


# -- C19 notifications and side effects off the critical path ----------------------


def test_c19_async_for_notifications_and_side_effects_user_latency_falls():
    sync, asyn = healthy()
    saved = sync.latency().mean() - asyn.latency().mean()
    off_path = mean("inventory") + mean("email") - 2.0  # minus the 2 ms publish
    assert saved == pytest.approx(off_path, rel=0.05), (saved, off_path)


# -- C26 the decision flow --------------------------------------------------------


def test_c26_the_decision_flow_classifies_the_cards_examples_as_the_card_does():
    # the flow itself: immediate → sync; queueable → queue/event; else → callback/webhook
    assert card.decide(True).recommendation == "Sync (REST/gRPC)"
    assert card.decide(False, True).recommendation == "Async (Queue/Event)"
    assert card.decide(False, False).recommendation == "Async with callback/webhook"
    # "Simple queries (get user by ID)" — when to use sync
    assert catalogue.classify("Get user by ID").decision.style == "sync"
    # "Payment is sync (user needs to know if it worked)"
    assert catalogue.classify("Card charge at checkout").decision.style == "sync"
    # "Inventory Service (async)", "Email Service (async)", "Analytics Service (async)"
    for name in ("Stock update after an order", "Order-confirmation email", "Analytics event"):
        assert catalogue.classify(name).decision.style == "async", name
    # "Notifications and side effects" — when to use async
    side_effects = [
        i for i in catalogue.INTERACTIONS if "Notifications and side effects" in i.bullets
    ]
    assert len(side_effects) >= 3
    assert all(i.decision.style == "async" for i in side_effects)


# -- C4, C13, C17: cascading vs isolated failures (lesson 03) -----------------------


@cache
def pool(**options):
    return run_pool_both(seed=SEED, **options)


@cache
def storms():
    return run_policies(("none", "naive", "backoff", "budget"), seed=SEED)


def test_c4_cascading_vs_isolated_failures_slow_dependency_fails_unrelated_requests():
    """ "Cascading failures | Isolated failures": Inventory 20× slower for 10 s."""
    sync, asyn = pool()
    # sync: checkouts hold Order's 5 workers (Little's law: 10/s × ~1.2 s ≈ 12 needed) ...
    needed = theory.littles_law(10 / 1000, 5.0 + 20 * 60.0)
    assert needed > 2 * sync.config.workers
    assert sync.saturated_share() > 0.8  # all 5 busy for most of the window (sampled 10×/s)
    # ... so requests that never call Inventory fail too: ~100 in the window; over 12
    # seeds their success ranged 0.30–0.64, this seed gives ~0.5; 0.65 bounds them all
    assert sync.in_window("simple") < 0.65
    assert sync.in_window("checkout") < 0.65
    # async: the failure stays in Inventory's queue; Order answers everyone
    assert asyn.in_window("simple") == 1.0 and asyn.in_window("checkout") == 1.0
    assert asyn.peak_busy() <= 3  # of 5: never saturated
    # and before the slowdown both served everyone: the damage is the slowdown's
    assert (
        sync.success_rate(start_ms=0, end_ms=10_000)
        == asyn.success_rate(start_ms=0, end_ms=10_000)
        == 1.0
    )


def test_c4_a_caller_side_timeout_bounds_the_cascade():
    sync, _ = pool(timeout_ms=300.0)
    assert sync.in_window("simple") > 0.95  # the unrelated requests are served again
    assert sync.in_window("checkout") < 0.1  # only what needs Inventory fails, and fast
    timed_out = sync.response_ms[sync.outcome == "timed out"]
    assert timed_out.max() < 300 + 1000 + 50  # ≤ timeout + patience + Order's own work


def test_c4_naive_retries_turn_a_short_slowdown_into_a_lasting_outage():
    r = storms()
    # 12 requests/s against a capacity of 20/s; slowed 3× for 5 s (capacity 6.7/s).
    # Over 12 seeds naive retries gave 3.3–3.5× load and 0 goodput afterwards;
    # the budget 1.05–1.11× and 10.6–13.7 ok/s.
    assert r["naive"].amplification > 3.0
    assert r["naive"].after_recovery()[0] < 1.0  # metastable: 15–30 s, still nothing ok
    assert r["backoff"].amplification > 3.0  # spreading retries out does not reduce them
    assert r["budget"].amplification < 1.2
    assert r["budget"].after_recovery()[0] > 0.75 * 12
    assert r["async"].success_rate() == 1.0 and r["async"].amplification < 1.1


def test_c13_everything_else_is_async_can_retry_doesnt_block_user():
    """Inventory and Email fail 30 % of tries; the async checkout retries by redelivery."""
    flaky = {"inventory": Faults.flaky(0.3), "email": Faults.flaky(0.3)}
    options = dict(seed=SEED, n_orders=1000, max_attempts=12, redelivery_ms=500.0)
    healthy = run_checkout("async", **options)
    failing = run_checkout("async", faults=flaky, **options)
    # doesn't block the user: every user's wait is identical to the healthy run's
    np.testing.assert_array_equal(failing.response_ms, healthy.response_ms)
    assert failing.success_rate() == 1.0
    for service in ("inventory", "email"):
        calls = failing.calls[service]
        # can retry: ~30 % of tries failed (binomial, ~1,400 tries: ±4 points) ...
        assert calls["failed"] / calls["received"] == pytest.approx(0.3, abs=0.04)
        # ... and were redelivered until done: every confirmed order's work happened once
        acc = failing.queues[service]
        assert acc.balanced and acc.parts["dead-lettered"] == 0
        assert acc.parts["acknowledged"] == failing.count("completed")
        assert calls["received"] - calls["failed"] == failing.count("completed")
    # the same failures in a sync checkout reach the user: about 1 − 0.7² ≈ 51 % fail
    sync = run_checkout("sync", faults=flaky, **options)
    assert sync.success_rate() == pytest.approx(0.49, abs=0.05)


def test_c17_async_when_services_have_different_availability():
    """Inventory is down 20 s of every minute (available 2/3 of the time); Order always."""
    outages = [(t, t + 20_000.0) for t in range(40_000, 600_000, 60_000)]
    faults = {"inventory": Faults(outages=outages)}
    sync, asyn = run_both(seed=SEED, n_orders=3000, faults=faults)
    down = np.zeros(sync.n_orders, dtype=bool)
    for start, end in outages:
        down |= (sync.arrival_ms >= start) & (sync.arrival_ms < end)
    asked = sync.outcome != "declined"
    # sync: an order is confirmed only if Inventory happens to be up: success ≈ uptime
    assert sync.success_rate() == pytest.approx(1 - down[asked].mean(), abs=0.01)
    assert sync.success_rate() < 0.75
    # async: the queue bridges the downtime; every order is confirmed and processed
    assert asyn.success_rate() == 1.0
    acc = asyn.queues["inventory"]
    assert acc.balanced and acc.parts["acknowledged"] == acc.total == asyn.count("completed")
    backlog = asyn.series["backlog inventory"]
    for start, end in outages:
        # grows while Inventory is down (~5 orders/s × 20 s ≈ 95 messages, ±30 %) ...
        assert 65 <= backlog.between(start, end + 1).max() <= 125
        # ... and is worked off within 5 s of each return (10 workers clear ~160/s)
        assert backlog.at(end + 5_000) <= 3
    assert backlog.values[-1] == 0
