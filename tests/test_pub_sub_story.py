"""Lesson 05's causes, stories and flow (``scenarios.pubsub_story``).

* causes: each design's categories, counted against the run's own records
  (reasons, missed orders, dead letters, pending messages), summing to the
  orders; the numbers of the lesson's slow-subscriber runs, exactly;
* stories: a line per subscriber, in sync and pub/sub;
* the flow: it agrees with the run's records, sync calls every subscriber,
  pub/sub has one queue per subscriber, and the map names each design.
"""

from __future__ import annotations

import numpy as np
import pytest

from servicelab import Faults, explain_both, flow_map, flow_story, run_designs, run_pubsub
from servicelab.scenarios.flow import USER_VIEW

SEED = 5
FOUR = ("inventory", "email", "analytics", "loyalty")
SLOW = {"loyalty": Faults.slow(10, 60_000, 120_000)}


@pytest.fixture(scope="module")
def slow():
    return run_designs(seed=SEED, subscribers=FOUR, faults=SLOW)


def test_the_slow_subscriber_runs_causes(slow):
    errors = {
        "Inventory answered with an error": 9,
        "Email answered with an error": 4,
        "Analytics answered with an error": 3,
    }
    assert slow["sync, one by one"].cause_counts() == {
        "confirmed": 975,
        **errors,
        "Loyalty answered with an error": 9,
    }
    parallel = slow["sync, in parallel with timeouts"].cause_counts()
    assert (
        parallel["timed out waiting for Loyalty"]
        == 339
        == np.count_nonzero(slow["sync, in parallel with timeouts"].reason == "loyalty timeout")
    )
    assert parallel["confirmed"] == 638 and parallel["Loyalty answered with an error"] == 7
    assert slow["pub/sub"].cause_counts() == {"confirmed; every subscriber done": 1000}


def test_what_became_of_pub_sub_work_later():
    late = run_pubsub("async", seed=SEED, subscribers=FOUR, joins_ms={"loyalty": 100_000})
    assert late.cause_counts()["confirmed; missed by Loyalty (subscribed later)"] == 518
    assert late.missed["loyalty"] == 518
    dead = run_pubsub("async", seed=SEED, faults={"email": Faults.flaky(0.6)}, max_attempts=2)
    counts = dead.cause_counts()
    assert counts["confirmed; Email dead-lettered after 2 tries"] == dead.dead_lettered()["email"]
    cut = run_pubsub(
        "async", seed=SEED, n_orders=300, subscribers=FOUR, faults={"loyalty": Faults.slow(10)},
        drain_ms=1000.0,
    )  # fmt: skip
    counts = cut.cause_counts()
    assert counts["confirmed; Loyalty still queued at the horizon"] == cut.pending()["loyalty"] > 0
    assert sum(counts.values()) == cut.n_orders


def test_sync_notes_subscribers_skipped_or_not_called_yet():
    be = run_designs(seed=SEED, subscribers=FOUR, faults=SLOW, best_effort=("loyalty",))
    counts = be["sync, in parallel with timeouts"].cause_counts()
    assert counts["confirmed; Loyalty skipped (best-effort)"] == 346
    late = run_pubsub("sync", seed=SEED, subscribers=FOUR, joins_ms={"loyalty": 100_000})
    assert late.cause_counts()["confirmed; Loyalty not called (added later)"] > 400


def test_one_order_story_per_subscriber(slow):
    text = explain_both(tuple(slow.values()), 400)
    assert "its calls began, one by one, at 85.16 s (5,276 ms after arrival: no Order" in text
    assert "Loyalty: no answer within its 300 ms timeout, so the order failed" in text
    assert "OrderCreated was published at 79.89 s (4 ms after arrival)" in text
    assert "Loyalty: done at 91.06 s, 11,174 ms after arrival (1 try)" in text
    failed = slow["sync, one by one"]
    i = failed.first_with("Inventory answered with an error")
    assert "Email: never called (the order had already failed)" in failed.explain(i)


def test_the_flow_agrees_with_the_records(slow):
    for r in slow.values():
        f = r.flow()
        assert f.label == r.design
        arrived = np.searchsorted(r.arrival_ms, f.t_ms, side="right")
        np.testing.assert_array_equal(sum(f.users[v] for v in USER_VIEW), arrived)
        assert f.users["error"][-1] == r.count("failed")
        assert f.failed["loyalty"][-1] == np.count_nonzero(np.char.startswith(r.reason, "loyalty"))
    sync, pubsub = slow["sync, one by one"].flow(), slow["pub/sub"].flow()
    assert not sync.queued and {(e.start, e.style) for e in sync.edges[1:]} == {("order", "sync")}
    assert set(pubsub.queued) == set(FOUR) and pubsub.node("event").kind == "event"
    during = pubsub.index(110_000.0)
    assert pubsub.queued["loyalty"][during] > 50 > max(pubsub.queued["email"])
    # what the lesson's map cell says: every Order worker stuck on Loyalty, users waiting for
    # one, the other subscribers nearly idle; in pub/sub only Loyalty's queue fills, and it is
    # empty again within 5 s of the slow minute's end
    assert sync.busy["order"][during] == 20 and sync.waiting["order"][during] > 20
    assert max(sync.busy[s][during] for s in FOUR[:3]) <= 2
    assert max(pubsub.users["waiting"]) <= 2
    assert pubsub.queued["loyalty"][pubsub.index(125_000.0)] == 0


def test_the_map_names_each_design(slow):
    a, b = slow["sync, one by one"], slow["pub/sub"]
    m = flow_map(a, b, follow=400)
    m.at(85)
    assert "(Loyalty 10× slower)" in m.summary and "sync, one by one:" in m.summary
    assert "order #400: sync, one by one waiting, pub/sub answered" in m.summary
    story = flow_story(a, b).splitlines()
    assert story[0].startswith("sync, one by one: 25 errors")
    assert story[1].startswith("pub/sub: no errors") and "the Loyalty queue peaked at" in story[1]
