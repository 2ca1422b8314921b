"""What async costs, in the kit's parts: the pieces under claims C27, C28 and C36.

* faults — an outage takes down the whole process (consumers stop pulling) or
  only its database (consumers keep pulling and fail every try);
* records — :func:`~servicelab.records.drain` reads a drain from a backlog
  series, or says how many still wait and how long they need;
* results and reports — pending and dead-lettered work beside "confirmed";
* panels — the temporal-coupling panel shows async past capacity, the tail
  panel tells a chain from a fan-out, the outage panel clamps its sliders and
  offers a low-headroom Inventory and its database down, the storm panel says
  when the async backlog does not drain.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicelab import Faults, panels
from servicelab._check import KitValueError
from servicelab.faults import DOWN_PARTS, HEALTHY
from servicelab.lessons.l02_temporal_coupling.analysis import needs, overloaded
from servicelab.messaging import Queue, Topic
from servicelab.records import Drain, TimeSeries, drain
from servicelab.scenarios.checkout import run_both, run_checkout
from servicelab.scenarios.retry_storm import run_retry_storm
from servicelab.service import Service
from servicelab.ui.report import compare
from servicelab.world import World

# == faults: what is down ========================================================================


def test_an_outage_takes_down_the_process_unless_told_its_database():
    assert DOWN_PARTS == ("process", "database")
    whole = Faults.outage(1_000, 2_000)
    db = Faults.outage(1_000, 2_000, down="database")
    assert whole.down == "process" and whole.consumers_pause
    assert db.down == "database" and not db.consumers_pause
    assert db.is_down(1_500.0) and not db.is_down(3_000.0)  # down is down, for a sync caller
    assert "down='database'" in repr(db) and "down" not in repr(whole)
    assert not Faults(down="database").consumers_pause  # no outage: nothing to pause for
    assert HEALTHY.down == "process" and HEALTHY.healthy


def test_adding_schedules_keeps_what_their_outages_take_down():
    db = Faults.outage(0, 1_000, down="database")
    assert (db + Faults.slow(2)).down == "database"
    assert (Faults.flaky(0.1) + db).down == "database"
    assert (db + Faults.outage(5_000, 1_000, down="database")).down == "database"
    with pytest.raises(KitValueError, match="^down = 'process' is not allowed here"):
        db + Faults.outage(5_000, 1_000)


@pytest.mark.parametrize("bad", ["disk", "", None, 1, True])
def test_an_unknown_down_part_is_refused_with_a_sentence(bad):
    with pytest.raises(KitValueError, match=r"^down = .* is not allowed: down must be one of"):
        Faults.outage(0, 1_000, down=bad)


def consume_one(down: str) -> tuple[Queue, list]:
    """One message published at 0 to a consumer whose service is down from 0 to 10 s."""
    world = World(0, horizon_ms=30_000.0)
    service = Service(world, "inventory", 50.0, 1, Faults.outage(0, 10_000, down=down))
    queue = Queue(world, "q", max_attempts=5, redelivery_ms=1_000.0)
    ends = []
    queue.consume(
        service,
        on_ack=lambda m, now: ends.append(("ack", now)),
        on_dead_letter=lambda m, now: ends.append(("dead", now)),
    )

    def publish():
        yield from queue.publish(0)

    world.process(publish())
    world.run()
    return queue, ends


def test_a_down_process_stops_pulling_and_its_message_waits():
    queue, ends = consume_one("process")
    assert ends == [("ack", 10_050.0)]  # taken when Inventory is back, 50 ms of work
    assert queue.accounting().balanced and not queue.dead_letters


def test_a_down_database_fails_every_try_and_the_message_is_dead_lettered_in_4_s():
    queue, ends = consume_one("database")
    # tries at 0, 1, 2, 3 and 4 s each fail at once; the fifth goes to the dead letters
    assert ends == [("dead", 4_000.0)]
    assert queue.dead_letters[0].attempts == 5 and queue.redelivered == 4
    assert queue.accounting().balanced


# == records: drains read from the series ========================================================


def series(values, every_ms=1_000.0) -> TimeSeries:
    values = np.asarray(values, dtype=float)
    return TimeSeries("backlog", np.arange(values.size) * every_ms, values)


def test_a_drain_is_the_first_empty_sample_after_the_given_time():
    s = series([0, 0, 5, 9, 6, 3, 0, 2, 0])
    d = drain(s, 3_000.0, service_rate=4.0, arrival_rate=1.0)
    assert d.drained and d.emptied_ms == 6_000.0 and d.drain_s == 3.0
    assert d.backlog == 9 and d.peak == 9 and d.every_ms == 1_000.0
    assert d.expected_s == 3.0  # B / (cμ − λ) = 9 / 3
    assert d.needs_s == 0.0 and not d.grows
    text = d.describe("the outage")
    assert text.startswith("The backlog was empty 3.0 s after the outage (read from the queue")
    assert "cμ − λ = 4.0 − 1.0 = 3.0/s, from the config" in text and "about 3.0 s" in text


def test_a_backlog_that_did_not_empty_says_what_is_left_and_how_long_it_needs():
    s = series([0, 10, 20, 18, 16, 14])
    d = drain(s, 2_000.0, service_rate=3.0, arrival_rate=1.0)
    assert not d.drained and math.isnan(d.drain_s)
    assert d.left == 14 and d.needs_s == 7.0  # 14 / (3 − 1)
    assert "14 messages still waited at 5 s" in d.describe("it began")
    assert "need about 7.0 s more" in d.describe("it began")
    # without the rates the spare capacity is the backlog's own fall: 2/s here
    e = drain(s, 2_000.0)
    assert e.rates_from == "the series" and e.spare_per_s == pytest.approx(2.0)
    assert e.needs_s == pytest.approx(7.0) and math.isnan(e.service_rate)


def test_with_nothing_spare_a_backlog_never_drains_and_says_so():
    s = series([0, 5, 10, 15, 20])
    grows = drain(s, 1_000.0, service_rate=1.0, arrival_rate=6.0)
    assert grows.grows and grows.needs_s == math.inf and grows.expected_s == math.inf
    assert "it grows without end" in grows.describe() and "buys time" in grows.describe()
    even = drain(s, 1_000.0, service_rate=19.0, arrival_rate=19.0)
    assert even.grows and "nothing is spare" in even.describe()
    assert drain(s, 1_000.0).grows  # estimated: the backlog does not fall


def test_until_limits_the_samples_read():
    s = series([9, 6, 3, 0, 0])
    d = drain(s, 0.0, until_ms=2_000.0, service_rate=4.0, arrival_rate=1.0)
    assert not d.drained and d.left == 3 and d.until_ms == 2_000.0


@pytest.mark.parametrize(
    "call, shown",
    [
        (lambda s: drain([1, 2], 0.0), "series = [1, 2] is not allowed"),
        (lambda s: drain(s, -1.0), "after_ms = -1.0 is not allowed"),
        (lambda s: drain(s, 2_000.0, until_ms=1_000.0), "until_ms = 1000.0 is not allowed"),
        (lambda s: drain(s, 0.0, service_rate=5.0), "service_rate and arrival_rate go together"),
        (lambda s: drain(s, 0.0, service_rate=-1, arrival_rate=1), "service_rate = -1 is not"),
        (lambda s: drain(s, 0.0, rates_from=""), "rates_from = '' is not allowed"),
    ],
)
def test_drain_refuses_bad_input_with_a_sentence(call, shown):
    with pytest.raises(KitValueError, match=f"^{re.escape(shown)}"):
        call(series([3, 2, 1, 0]))


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 50), min_size=1, max_size=40),
    after=st.integers(0, 45),
    rates=st.one_of(st.none(), st.tuples(st.floats(0, 100), st.floats(0, 100))),
)
def test_drain_properties(values, after, rates):
    s = series(values)
    rate_options = {} if rates is None else dict(service_rate=rates[0], arrival_rate=rates[1])
    d = drain(s, after * 1_000.0, **rate_options)
    assert isinstance(d, Drain)
    window = np.asarray(values[after:]) if after < len(values) else np.empty(0)
    assert d.drained == bool((window == 0).any())  # emptied iff an empty sample was read
    if d.drained:
        assert 0 <= d.drain_s <= (len(values) - 1 - after) and d.needs_s == 0
    else:
        assert math.isnan(d.drain_s)
        assert math.isnan(d.needs_s) or d.needs_s >= 0
    text = d.describe()
    assert text.startswith("The backlog") and text.endswith(".") and "nan" not in text


# == results and reports: pending and dead-lettered beside "confirmed" ===========================


def test_sync_has_no_queues_and_async_names_each_queue():
    sync, asyn = run_both(seed=3, n_orders=200, faults={"email": Faults.flaky(0.6)})
    assert sync.message_queues() == {} and sync.pending() == {} and sync.dead_lettered() == {}
    assert "Accepted for later" not in sync.describe()
    assert set(asyn.message_queues()) == {"inventory", "email"}
    dead = asyn.dead_lettered()
    assert dead["inventory"] == 0 and dead["email"] > 0  # 0.6⁵ ≈ 8 % of ~190
    assert asyn.pending() == {"inventory": 0, "email": 0}
    assert f"{dead['email']} messages (email {dead['email']}) dead-lettered" in asyn.describe()
    assert "none still pending at the end" in asyn.describe()


def test_a_storm_queue_counts_its_pending_requests():
    r = run_retry_storm(
        "async", seed=7, arrival_rate=19.0, slowdown=6.0, slow_ms=15_000.0, drain_ms=2_000.0
    )
    assert r.pending() == {"requests": r.in_flight} and r.in_flight > 100
    assert f"{r.in_flight} messages still pending at the end" in r.describe()


def test_compare_shows_what_confirmed_means_and_the_work_still_to_do():
    sync, asyn = run_both(seed=7, n_orders=300, faults={"inventory": Faults.flaky(0.6)})
    table = compare(sync, asyn)
    lines = {line.split("  ")[1].strip(): line for line in table.splitlines()[1:4]}
    assert lines["'confirmed' means"].split()[-4:] == ["work", "done", "paid,", "accepted"]
    dead = asyn.dead_lettered()["inventory"]
    assert dead > 0
    row = next(line for line in table.splitlines() if "dead-lettered: inventory" in line)
    assert row.split()[-2:] == ["–", f"{dead}"]
    assert "pending" in table and table.splitlines()[-1].startswith("In sync, 'confirmed' means")
    # two sync runs: no queue, no note
    assert "dead-lettered" not in compare(sync, sync) and "In sync" not in compare(sync, sync)


# == lesson 02: past capacity, and the tail ======================================================


def test_needs_count_what_each_style_holds_and_skip_declined_orders():
    means = {"payment": 150.0, "inventory": 60.0, "email": 2_000.0}
    sync, asyn = needs(6, means, "sync"), needs(6, means, "async")
    assert sync["email"] == asyn["email"] == pytest.approx(6 * 0.95 * 2.0)  # 95 % are paid
    assert sync["order"] > 12 > asyn["order"]  # sync holds Order for the whole chain
    assert set(overloaded(6, means, "async")) == {"email"}


@pytest.fixture(scope="module")
def coupling():
    return panels.temporal_coupling()


def test_past_capacity_sync_is_not_shown_and_async_users_stay_fast(coupling):
    coupling.set(arrival_rate=5, email_slowdown=1)
    calm = dict(coupling.data)
    coupling.set(arrival_rate=6, email_slowdown=20)  # Email needs 11.4 of its 10 workers
    d = coupling.data
    assert coupling.message == "" and coupling.png
    assert d["sync"] is None and math.isnan(d["sync_p50"])
    assert "each holding an Email worker" in d["sync_refused"]
    # async users wait for Payment and the publish only: not a millisecond more
    assert d["async_p50"] < 2 * calm["async_p50"]
    (late,) = d["behind"]
    assert late["delay_last_s"] > 2 * late["delay_first_s"]  # the email delay climbs
    assert late["unsent_at_last"] > 20
    assert f"{late['unsent_at_last']:,} emails were still unsent" in coupling.summary
    assert coupling.summary.startswith("Sync is not shown: at 6 orders/s")
    assert "sync: no steady wait" in [
        t.get_text() for t in coupling.legends["the email itself"].get_texts()
    ]
    coupling.set(arrival_rate=5, email_slowdown=1)
    assert coupling.data["sync"] is not None and coupling.data["behind"] == []


def test_stable_but_busy_is_shown_in_both_styles_with_a_note(coupling):
    coupling.set(arrival_rate=5, email_ms=200, email_slowdown=10)  # 9.5 of 10: ρ = 0.95
    assert coupling.message == "" and coupling.data["sync"] is not None
    assert "Email is 95 % busy" in coupling.summary
    coupling.set(arrival_rate=20, payment_ms=500, email_ms=100, email_slowdown=1)
    assert "each holding a Payment worker" in coupling.message  # async users wait for it too
    coupling.set(arrival_rate=5, payment_ms=150)
    assert coupling.message == ""


def test_the_tail_panel_tells_a_chain_from_a_fan_out():
    p = panels.tail_amplification(n_services=1)
    one = dict(p.data)
    p.set(n_services=10)
    ten = p.data
    assert ten["chain_p50"] > 9 * one["chain_p50"]  # the medians add
    assert ten["chain_ratio"] < 0.5 * one["chain_ratio"]  # the tail narrows: 3.9 → 1.6
    # a fan-out waits for the slowest: the share beyond one p99 is 1 − 0.99ⁿ
    # (4,000 requests: a binomial sd of 0.45 points at 9.6 %, so 1.5 points is ~3 sd)
    assert ten["fan_slow"] == pytest.approx(1 - 0.99**10, abs=0.015)
    assert ten["fan_slow"] == ten["share"]  # the same calls touched, the same requests
    assert "the medians add" in p.summary and "in parallel" in p.summary
    assert "narrows" in p.title_text.get_text()


# == lesson 03: the outage, the storm, availability ==============================================


def test_the_outage_sliders_are_clamped_to_the_run():
    p = panels.outage()
    assert p.controls["length_s"].max == 40  # the default start is 20 s of 60
    p.set(start_s=50)
    assert p.values()["length_s"] == 10 and p.controls["length_s"].max == 10
    assert not p.message and "from 50 s to 60 s" in p.summary
    p.set(start_s=0, length_s=60)  # together: the start moves first
    assert p.values()["length_s"] == 60 and not p.message
    p.set(start_s=45, length_s=60)  # as a slider would, the length is shortened to fit
    assert p.values()["length_s"] == 15
    with pytest.raises(KitValueError, match="^length_s = 65"):
        p.set(start_s=0, length_s=65)
    with pytest.raises(KitValueError, match="^length_s = 20"):
        p.set(length_s=20)  # alone, against the slider's own range (15)


def test_the_outage_panel_reads_a_slow_drain_from_the_queue():
    p = panels.outage(workers=1, rate=15)  # 16.7/s against 14.3/s: 1.2× headroom
    d = p.data
    assert not d["drained"] and d["left"] > 200 and d["needs_s"] > 60
    assert f"{d['left']:,} messages still waited" in p.summary
    assert "still queued when the orders stop" in p.headline_text.get_text()
    assert "Orders lost: 0" in p.summary and d["pending"] == 0  # the run drains after 60 s
    p.set(workers=10, rate=5)
    assert p.data["drained"] and p.data["drain_s"] < 2
    assert "empty" in p.drain_mark.get_text()


def test_the_outage_panel_shows_the_dead_letters_of_a_database_outage():
    p = panels.outage(down="database")
    d = p.data
    assert d["dead_lettered"] > 0.7 * d["n_window"]  # all but the last ~4 s of the outage
    assert f"{d['dead_lettered']:,} dead-lettered" in p.summary
    assert "replays the dead letters" in p.summary
    assert "dead-lettered" in p.headline_text.get_text()
    p.set(down="process")
    assert p.data["dead_lettered"] == 0


def test_the_storm_panel_says_when_the_async_backlog_does_not_drain():
    p = panels.retry_storm(policy="none", rate=19, slowdown=6, slow_s=15)
    d = p.data
    assert not d["async_drain"].drained and d["async_drain"].left > 200
    assert "still waited at 30 s" in p.summary and "nothing is spare" in p.summary
    assert "does not drain either" in p.headline_text.get_text()
    assert "async does" not in p.headline_text.get_text()
    p.set(policy="naive", rate=12, slowdown=3, slow_s=5)
    assert p.data["async_drain"].drained
    assert "async's backlog drains" in p.headline_text.get_text()


def test_the_availability_panel_says_its_points_share_one_runs_luck():
    p = panels.availability()
    assert "come from one run" in p.summary and "share its luck" in p.summary
    p.set(services=1)
    assert "one run" not in p.summary


# -- the broker is a dependency too (review M4) --------------------------------------------------


def test_a_down_broker_refuses_publishes_at_once_and_no_subscriber_gets_them():
    world = World(1)
    topic = Topic(world, "events", 2.0, outages=Faults.outage(10.0, 20.0))
    queue = topic.subscribe("inventory")
    got = []

    def publisher():
        for key, at in enumerate((5.0, 15.0, 40.0)):
            yield world.env.timeout(at - world.env.now)
            got.append((yield from topic.publish(key)))

    world.process(publisher())
    world.run()
    assert got == [1, 0, 1]  # up, down (refused at once), up again
    assert topic.refused == 1 and topic.published == 2
    assert queue.accounting().total == 2 and queue.accounting().balanced


def test_async_checkout_fails_while_the_broker_is_down_and_sync_does_not_notice():
    window = (200_000, 260_000)
    sync, asyn = run_both(seed=7, n_orders=3000, broker=Faults.outage(200_000, 60_000))
    # async depends on Payment × the broker: orders placed while it is down fail
    # (all but the few published just before the outage began), the rest are confirmed
    assert asyn.success_rate(start_ms=window[0], end_ms=window[1]) < 0.02
    assert asyn.success_rate(end_ms=window[0]) == asyn.success_rate(start_ms=window[1]) == 1.0
    assert set(asyn.reason[asyn.outcome == "failed"]) == {"broker down"}
    assert asyn.balanced
    # naive sync calls no broker
    assert sync.success_rate(start_ms=window[0], end_ms=window[1]) == 1.0


def test_the_brokers_faults_are_outages_only():
    with pytest.raises(ValueError, match=r"^broker = .* the broker's faults are outages only"):
        run_checkout("async", n_orders=10, broker=Faults.slow(2))
    with pytest.raises(ValueError, match=r"^outages = .* None or a Faults"):
        Topic(World(1), "events", outages="down")
