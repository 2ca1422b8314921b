"""The last items' causes, stories and flow map (scenarios/last_items_story.py).

Covers: one cause per buyer for each style and remedy, with lesson 06's
numbers (seed 6); a buyer's story; the flow agrees with the records, its
numbers show the oversell as it happens, and a broken promise turns the
followed buyer into an error.
"""

from __future__ import annotations

import numpy as np
import pytest

from servicelab import (
    explain_both,
    flow_map,
    flow_story,
    run_flash_sale,
    run_last_items,
    run_last_items_both,
)
from servicelab._check import KitValueError
from servicelab.scenarios.last_items_story import last_items_flow

SYNC_CAUSES = {
    "sold out (the view showed none)": 226,
    "bought (reserved while waiting)": 50,
    "sold out (the last item went while waiting)": 28,
}
ASYNC_CAUSES = {
    "none": {
        "sold out (the view showed none)": 226,
        "confirmed and filled": 50,
        "confirmed, then oversold": 28,
    },
    "pending": {
        "sold out (the view showed none)": 226,
        "pending, then bought": 50,
        "pending, then sold out": 28,
    },
    "compensate": {
        "sold out (the view showed none)": 226,
        "confirmed and filled": 50,
        "confirmed, then refunded with an apology": 28,
    },
}


@pytest.fixture(scope="module")
def sale():
    return run_last_items_both(seed=6)


@pytest.fixture(scope="module")
def outage():
    return run_last_items_both(seed=6, down_start_ms=1_000, down_ms=3_000)


def test_each_style_and_remedy_has_its_causes(sale):
    assert sale[0].cause_counts() == SYNC_CAUSES
    assert sale[1].cause_counts() == ASYNC_CAUSES["none"]
    for remedy in ("pending", "compensate"):
        assert run_last_items(seed=6, remedy=remedy).cause_counts() == ASYNC_CAUSES[remedy]


def test_an_outage_fails_sync_buyers_and_async_oversells(outage):
    sync, asyn = outage
    assert sync.cause_counts()["failed: Inventory was down"] == sync.count("failed") == 108
    assert asyn.cause_counts()["confirmed, then oversold"] == asyn.oversold == 127
    for r in outage:
        assert sum(r.cause_counts().values()) == r.n_buyers


def test_buyers_still_queued_at_the_horizon_are_named():
    for remedy, first in (("none", "confirmed"), ("pending", "pending")):
        r = run_last_items(seed=6, duration_ms=3_000, drain_ms=0.0, remedy=remedy)
        counts = r.cause_counts()
        queued = counts[f"{first}, still queued at the horizon"]
        assert queued == r.count(first) > 0 and sum(counts.values()) == r.n_buyers


def test_a_buyers_story_says_when_the_view_let_them_through_and_what_came_of_it(sale):
    i = sale[1].first_with("confirmed, then oversold")
    story = explain_both(sale, i)
    assert "the view showed 12 items left: told “confirmed”, queued" in story
    assert "870 ms after “confirmed”: no item was left" in story
    assert "nobody told them (no remedy)" in story
    assert "which found no item left at 2.73 s, as they waited" in story
    turned_away = sale[1].first_with("sold out (the view showed none)")
    assert "“sold out” at once, no call" in sale[1].explain(turned_away)


def test_the_flow_agrees_with_the_records(sale, outage):
    for r in (*sale, *outage, run_last_items(seed=6, remedy="pending")):
        f = r.flow()
        last = {v: f.users[v][-1] for v in f.users}
        assert sum(last.values()) == r.n_buyers
        assert last["error"] == r.count("failed") + r.oversold
        promised = dict((w, v) for _, w, v in f.notes)["promised (of 50 items)"]
        assert (
            promised[-1]
            == r.told_count("confirmed")
            + (r.style == "sync") * r.sold
            + (r.config.remedy == "pending") * r.sold
        )


def test_the_maps_numbers_show_the_oversell_as_it_happens(sale):
    m = flow_map(*sale)
    m.at(3.0)
    assert "sync reservation:" in m.summary and "0 left (in the view), 50 promised" in m.summary
    assert "78 promised (of 50 items), 4 oversold (found by Inventory)" in m.summary
    story = flow_story(*sale).splitlines()
    assert story[0].startswith("sync reservation: no errors")
    assert story[1].startswith("async: 28 errors") and "Inventory queue peaked" in story[1]


def test_a_broken_promise_makes_the_followed_buyer_an_error(sale):
    f = sale[1].flow()
    i = sale[1].first_with("confirmed, then oversold")
    applied = sale[1].applied_ms[i]
    assert f.follow(i, applied - 1) == {"user": "answered", "inventory": "to do"}
    assert f.follow(i, applied) == {"user": "error", "inventory": "done"}
    away = sale[1].first_with("sold out (the view showed none)")
    assert f.follow(away, f.t_ms[-1]) == {"user": "answered"}
    assert np.isnan(f.broken_ms[away])


def test_only_a_last_items_result_has_its_flow():
    with pytest.raises(KitValueError, match="a last-items result"):
        last_items_flow(run_flash_sale(seed=0))
