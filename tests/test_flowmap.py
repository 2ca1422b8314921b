"""The flow map (``ui.flowmap``) and the flow it draws (``scenarios.flow``), headless.

* the flow agrees with the run's own records: the users' view sums to the
  users arrived, its errors and queues are the run's failures and backlogs;
* a frame: every move of the time slider changes the picture and the text
  line under it (which is also the image's text alternative), in numbers;
* following one order: its state at each box, in both styles;
* reduced motion: a still map has no play button and steps instead;
* what cannot be watched is refused with the kit's sentence.
"""

from __future__ import annotations

import numpy as np
import pytest

from servicelab import Faults, flow_map, flow_story, run_both, run_pool_both
from servicelab._check import KitValueError
from servicelab.scenarios.flash_sale import run_flash_sale_both
from servicelab.scenarios.flow import USER_VIEW
from servicelab.ui import flowmap

OUTAGE = {"inventory": Faults.outage(60_000, 60_000)}


@pytest.fixture(scope="module")
def outage():
    return run_both(seed=1, faults=OUTAGE)


@pytest.fixture(scope="module")
def outage_map(outage):
    return flow_map(*outage, follow=313)


def test_the_flow_agrees_with_the_records(outage):
    for r in outage:
        f = r.flow()
        arrived = np.searchsorted(r.arrival_ms, f.t_ms, side="right")
        total = sum(f.users[v] for v in USER_VIEW)
        np.testing.assert_array_equal(total, arrived)
        assert f.users["error"][-1] == r.count("failed")
        assert f.failed["inventory"][-1] == np.count_nonzero(r.reason == "inventory down")
        for name, queued in f.queued.items():
            np.testing.assert_array_equal(queued, r.series[f"backlog {name}"].values)
    sync, asyn = (r.flow() for r in outage)
    assert not sync.queued and set(asyn.queued) == {"inventory", "email"}
    # the outage: sync's errors are async's backlog, orders for orders
    during = asyn.index(119_000.0)
    assert asyn.queued["inventory"][during] > 200 and asyn.users["error"][-1] == 0
    assert sync.failed["inventory"][-1] == outage[0].count("failed") > 200


def test_every_frame_changes_the_picture_and_its_words(outage_map):
    m = outage_map
    seen = set()
    for frame in (0, 100, 101, 300, 400):
        m.set(frame=frame)
        assert m.png and m.summary not in seen
        seen.add(m.summary)
        assert m.alt.endswith(m.summary) and m.alt.startswith("t = ")
    png = m.png
    m.at(90)
    assert m.png != png
    assert m.summary.startswith("At 89.9 s (Inventory down)")
    now = m.data["now"]
    assert f"{now[0]['error users']:,.0f} errors" in m.summary
    assert f"queued for Inventory {now[1]['queued inventory']:,.0f}" in m.summary


def test_follow_rings_one_order_in_both_styles(outage, outage_map):
    sync, asyn = (r.flow() for r in outage)
    i = 313  # arrives during the outage: refused in sync, confirmed in async
    assert sync.follow(i, 0.0) == {"user": "not arrived"}
    assert sync.follow(i, 70_000.0)["user"] == "error"
    later = asyn.follow(i, 70_000.0)
    assert later["user"] == "answered" and later["inventory"] == "to do"
    assert later["email"] == "done"
    assert asyn.follow(i, 125_000.0)["inventory"] == "done"
    options = dict((v, k) for k, v in outage_map.controls["follow"].options)
    assert "313" in options[313]
    assert any("refused: Inventory was down" in label for label in options.values())
    outage_map.set(follow=313, frame=300)
    assert "order #313: sync error, async answered" in outage_map.summary
    outage_map.set(follow=-1)


def test_reduced_motion_is_still_and_steps(outage):
    m = flow_map(*outage, still=True)
    assert m.play.layout.display == "none" and m.still.value
    assert m.controls["frame"].value == 0 and m.play.value == 0  # nothing plays by itself
    before = m.summary
    m.step(3)
    assert m.controls["frame"].value == 3 and m.summary != before
    m.step(-10)
    assert m.controls["frame"].value == 0
    m.still.value = False
    assert m.play.layout.display is None
    m.speed.value = 5
    assert m.play.step == 5


def test_the_module_setting_starts_every_map_still(outage, monkeypatch):
    monkeypatch.setattr(flowmap, "REDUCED_MOTION", True)
    assert flow_map(*outage).play.layout.display == "none"


def test_the_flash_sale_flows_and_tells_its_story():
    sync, asyn = run_flash_sale_both(seed=0)
    m = flow_map(sync, asyn)
    m.at(80)
    assert "(flash sale)" in m.summary and "waiting for a worker at Workers" in m.summary
    assert "queued for Workers" in m.summary
    story = flow_story(sync, asyn).splitlines()
    assert story[0].startswith(f"sync: {sync.count('gave up'):,} errors")
    assert story[1].startswith("async: no errors") and "the Workers queue peaked at" in story[1]


def test_one_run_alone_and_flow_story(outage):
    m = flow_map(outage[1])
    assert len(m.flows) == 1 and m.png
    story = flow_story(outage)
    assert story.count("\n") == 1 and "the Inventory queue peaked at" in story


def test_what_cannot_be_watched_is_refused(outage):
    with pytest.raises(KitValueError, match="results"):
        flow_map(42)
    with pytest.raises(KitValueError, match="records its flow"):
        flow_map(*run_pool_both(seed=0))
    with pytest.raises(KitValueError, match="one or two"):
        flow_map(*outage, *outage)
    with pytest.raises(KitValueError, match="follow"):
        flow_map(*outage, follow=5000)
    with pytest.raises(KitValueError, match="frame"):
        flow_map(*outage).set(frame=10_000)


def test_flow_story_tells_the_big_queue_and_sums_up_the_small_ones(outage):
    """The outage's Inventory queue is told in full; Email's few messages in a clause."""
    story = flow_story(outage).splitlines()[1]
    q = outage[1].flow().queued
    email = float(np.max(q["email"]))
    assert email < flowmap.SMALL_QUEUE <= float(np.max(q["inventory"]))
    assert "the Inventory queue peaked at" in story and "the Email queue peaked" not in story
    assert story.endswith(f"the Email queue never held more than {email:,.0f}.")
