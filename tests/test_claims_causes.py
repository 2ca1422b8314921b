"""The card's claims, order by order: what each order's cause (``scenarios.causes``) shows.

Listed in ``CLAIMS.md`` beside the claims' other tests (``tests/test_claims.py``
checks the ledger). Where the other claim tests count outcomes, these read
every order's own ending, and the flow the flow map draws.
"""

import numpy as np

from servicelab import Faults, run_both

WINDOW = (200_000.0, 260_000.0)  # ms: Inventory is down, as in lesson 03 §2
DOWN = {"inventory": Faults.outage(200_000, 60_000)}


def test_c11_during_an_outage_each_sync_order_is_refused_and_each_async_one_confirmed():
    sync, asyn = run_both(seed=7, n_orders=3_000, faults=DOWN, sample_every_ms=100)
    during = (sync.arrival_ms >= WINDOW[0]) & (sync.arrival_ms < WINDOW[1] - 1_000)
    asked = during & (sync.outcome != "declined")
    assert set(sync.causes()[asked].tolist()) == {"refused: Inventory was down"}
    assert set(asyn.causes()[asked].tolist()) == {"confirmed"}  # nothing lost, nothing pending
    # the flow map's picture of it: sync's errors are async's backlog, which drains after
    flow = asyn.flow()
    queued = flow.queued["inventory"]
    assert queued[flow.index(WINDOW[1] - 100)] >= np.count_nonzero(asked) * 0.95
    assert queued[-1] == 0 and flow.users["error"][-1] == 0
    assert sync.flow().failed["inventory"][-1] == sync.cause_counts()["refused: Inventory was down"]


def test_c28_each_confirmed_order_whose_work_failed_later_says_so():
    sync, asyn = run_both(seed=7, n_orders=2_000, faults={"inventory": Faults.flaky(0.3)})
    causes = asyn.causes()
    later = np.flatnonzero(np.char.startswith(causes.astype(str), "confirmed; "))
    assert later.size == asyn.dead_lettered()["inventory"] > 0
    assert set(causes[later].tolist()) == {"confirmed; Inventory dead-lettered after 5 tries"}
    assert set(later.tolist()) == set(asyn.dead_keys["inventory"].tolist())
    assert all(asyn.outcome[i] == "completed" for i in later)  # the user heard "confirmed"
    # in sync "confirmed" is the result: no confirmed order has work left to fail
    assert not any(c.startswith("confirmed; ") for c in sync.causes().tolist())
