"""Latencies, faults, services, sync calls, queues, topics and records."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicelab import (
    Accounting,
    Exponential,
    Faults,
    Fixed,
    LogNormal,
    Queue,
    Retry,
    Service,
    Topic,
    World,
    call,
    percentile,
    summarize,
)
from servicelab.faults import Outage, Slowdown
from servicelab.records import Sampler

# -- latency -------------------------------------------------------------------


@pytest.mark.parametrize("dist", [Fixed(40), Exponential(40), LogNormal(40, 0.5), LogNormal(40, 1)])
def test_latency_samples_have_the_stated_mean_and_quantiles(dist):
    x = dist.sample(np.random.default_rng(0), 200_000)
    assert x.mean() == pytest.approx(dist.mean_ms, rel=0.02)
    for q in (0.5, 0.9, 0.99):
        assert np.quantile(x, q) == pytest.approx(dist.quantile(q), rel=0.03)


def test_scaled_latency_is_slower_by_the_factor():
    assert LogNormal(40, 0.5).scaled(10).mean_ms == pytest.approx(400)
    assert LogNormal(40, 0.5).scaled(10).quantile(0.99) == pytest.approx(
        10 * LogNormal(40, 0.5).quantile(0.99)
    )


# -- faults ----------------------------------------------------------------------


def test_outage_windows_and_recovery_time():
    f = Faults.outage(100, 50) + Faults.outage(150, 10)
    assert not f.is_down(99.9) and f.is_down(100) and f.is_down(155) and not f.is_down(160)
    assert f.up_at(120) == 160  # back-to-back windows chain
    assert f.up_at(10) == 10
    assert Faults.outage(0, math.inf).up_at(5) == math.inf


def test_windows_may_be_given_as_tuples_or_dicts():
    as_dicts = Faults(
        outages=[{"start_ms": 1, "end_ms": 2}],
        slowdowns=[{"factor": 3, "start_ms": 0, "end_ms": 5}],
    )
    assert as_dicts.outages == (Outage(1, 2),) and as_dicts.slowdowns == (Slowdown(3, 0, 5),)
    assert as_dicts.is_down(1.5) and as_dicts.slowdown(4) == 3
    assert Faults(outages=[(1, 2)]).outages == as_dicts.outages


class Counted(float):
    """A time that counts how often it is compared (to count a lookup's work)."""

    compared = 0

    def _count(self, other, op):
        Counted.compared += 1
        return op(float(self), other)

    def __lt__(self, other):
        return self._count(other, float.__lt__)

    def __le__(self, other):
        return self._count(other, float.__le__)

    def __gt__(self, other):
        return self._count(other, float.__gt__)

    def __ge__(self, other):
        return self._count(other, float.__ge__)


def test_chained_outages_are_merged_once_and_looked_up_without_scanning():
    # 30,000 outages, each starting where the next one ends (given last to first): a lookup
    # used to chase the chain through the whole list once per link (O(N²), ~30 s)
    n = 30_000
    chain = [Outage(Counted(10.0 * k), Counted(10.0 * (k + 1))) for k in reversed(range(n))]
    f = Faults(outages=chain)
    Counted.compared = 0
    assert f.up_at(0.0) == 10.0 * n and f.up_at(5.0 * n) == 10.0 * n
    assert f.is_down(0.0) and f.is_down(10.0 * n - 1) and not f.is_down(10.0 * n)
    assert f.up_at(10.0 * n + 3) == 10.0 * n + 3
    assert Counted.compared == 0  # no lookup touched a window: they were merged when made
    assert len(f.outages) == n  # the windows themselves are kept as given


@st.composite
def schedules(draw):
    times = st.floats(0, 100, allow_nan=False)
    outages = []
    for start, length in draw(st.lists(st.tuples(times, times), max_size=12)):
        outages.append(Outage(start, start + length))
    if draw(st.booleans()):
        outages.append(Outage(draw(times), math.inf))
    slowdowns = [
        Slowdown(draw(st.floats(0.1, 10)), start, start + length)
        for start, length in draw(st.lists(st.tuples(times, times), max_size=6))
    ]
    return outages, slowdowns


def naive_up_at(outages, t):
    """The old definition: step past every window that contains t, until none does."""
    moved = True
    while moved:
        moved = False
        for o in outages:
            if o.start_ms <= t < o.end_ms:
                t, moved = o.end_ms, True
    return t


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=schedules(), ts=st.lists(st.floats(-5, 260, allow_nan=False), max_size=20))
def test_merged_windows_answer_as_the_windows_one_by_one(schedule, ts):
    outages, slowdowns = schedule
    f = Faults(outages=outages, slowdowns=slowdowns)
    for t in [*ts, *(o.start_ms for o in outages), *(o.end_ms for o in outages), math.inf]:
        assert f.is_down(t) == any(o.start_ms <= t < o.end_ms for o in outages), t
        assert f.up_at(t) == naive_up_at(outages, t), t
    for t in [*ts, *(s.start_ms for s in slowdowns), *(s.end_ms for s in slowdowns)]:
        factor = 1.0
        for s in slowdowns:  # in the order given, as a request has them applied
            if s.start_ms <= t < s.end_ms:
                factor *= s.factor
        assert f.slowdown(t) == factor, t  # exactly: same products in the same order


def test_a_schedule_holds_at_most_its_number_of_windows():
    from servicelab.faults import MAX_OUTAGES, MAX_SLOWDOWNS

    with pytest.raises(ValueError, match=f"at most {MAX_SLOWDOWNS:,} of them"):
        Faults(slowdowns=[(2, k, k + 1) for k in range(MAX_SLOWDOWNS + 1)])
    with pytest.raises(ValueError, match=f"at most {MAX_OUTAGES:,} of them"):
        Faults(outages=((k, k + 1) for k in range(MAX_OUTAGES + 1)))


def test_slowdowns_multiply_and_error_rates_combine():
    f = Faults.slow(2, 0, 100) + Faults.slow(3, 50, 200) + Faults.flaky(0.5) + Faults.flaky(0.5)
    assert f.slowdown(10) == 2 and f.slowdown(60) == 6 and f.slowdown(150) == 3
    assert f.slowdown(300) == 1
    assert f.error_rate == pytest.approx(0.75)
    assert Faults().healthy and not f.healthy


# -- service and sync calls -------------------------------------------------------


def run_calls(service_kwargs, n=1, **call_kwargs):
    w = World(seed=1, horizon_ms=1e6)
    s = Service(w, "svc", **service_kwargs)
    results = {}

    def caller(i):
        r = yield from call(s, i, **call_kwargs)
        results[i] = (r, w.now)

    for i in range(n):
        w.process(caller(i))
    w.run()
    return s, results


def test_a_service_demand_is_the_same_for_the_same_key_in_any_world():
    a = Service(World(5), "payment", LogNormal(100))
    b = Service(World(5), "payment", LogNormal(100))
    assert [a.demand(k) for k in (3, 1, 2)] == [b.demand(k) for k in (3, 1, 2)]
    assert a.demand(3, attempt=1) != a.demand(3)  # a retry is new work


def test_keyed_draws_are_kept_as_8_byte_floats_and_read_as_a_block():
    w = World(5)
    s = Service(w, "payment", LogNormal(100))
    first = s.demands(3000)
    assert first.dtype == float and first.size == 3000
    assert first.tolist() == [s.demand(k) for k in range(3000)]
    draws = w.uniforms("u")
    draws[5000]
    assert draws.values.itemsize == 8 and len(draws.values) == 5 * 1024  # blocks of 1024
    assert draws.first(0).size == 0


def test_a_service_is_healthy_exactly_when_its_schedule_has_no_faults():
    w = World()
    assert Service(w, "a", 10).healthy and Service(w, "b", 10, faults=Faults()).healthy
    s = Service(w, "c", 10, faults=Faults.flaky(0.5))
    assert not s.healthy
    s.faults = Faults()
    assert s.healthy
    with pytest.raises(ValueError, match="faults must be a Faults object"):
        s.faults = "none"


def test_sync_call_waits_for_the_answer():
    s, results = run_calls({"latency": Fixed(30)})
    (r, t) = results[0]
    assert r.ok and r.attempts == 1 and t == 30


def test_workers_limit_concurrency():
    _, results = run_calls({"latency": Fixed(30), "workers": 2}, n=4)
    assert sorted(t for _, t in results.values()) == [30, 30, 60, 60]


def test_timeout_gives_up_but_the_callee_keeps_working():
    s, results = run_calls({"latency": Fixed(100)}, timeout_ms=40)
    r, t = results[0]
    assert r.outcome == "timeout" and t == 40
    assert s.busy == 0 and s.received == 1  # it finished its work after the caller left


def test_outage_refuses_at_once_and_retries_back_off():
    faults = Faults.outage(0, 250)
    retry = Retry(attempts=4, backoff_ms=100, multiplier=2)
    s, results = run_calls({"latency": Fixed(10), "faults": faults}, retry=retry)
    r, t = results[0]
    # tries at 0 (down), 100 (down), 300 (up: done at 310)
    assert r.ok and r.attempts == 3 and t == 310
    assert s.received == 3 and s.failed == 2


def test_retries_give_up_after_the_last_attempt():
    s, results = run_calls(
        {"latency": Fixed(10), "faults": Faults.flaky(1.0)}, retry=Retry(attempts=3, backoff_ms=5)
    )
    r, _ = results[0]
    assert r.outcome == "error" and r.attempts == 3 and s.received == 3


def test_full_jitter_spreads_retry_delays_between_zero_and_the_backoff():
    retry = Retry(attempts=2, backoff_ms=100, jitter=1.0)
    assert retry.delay(1, 0.0) == 100 and retry.delay(1, 0.999) == pytest.approx(0.1)
    assert Retry(backoff_ms=100, multiplier=3).delay(3, 0.5) == 900


# -- queues and topics ------------------------------------------------------------


def consume_world(n, *, latency=10, workers=1, faults=None, **queue_kwargs):
    w = World(seed=2, horizon_ms=1e6)
    q = Queue(w, "q", **queue_kwargs)
    s = Service(w, "worker", Fixed(latency), workers=workers, faults=faults)
    acked = []
    q.consume(s, on_ack=lambda m, now: acked.append((m.key, now)))

    def publisher():
        for i in range(n):
            yield from q.publish(i)

    w.process(publisher())
    w.run()
    return q, acked


def test_competing_consumers_share_the_work():
    _, acked = consume_world(6, workers=3)
    assert sorted(t for _, t in acked) == [10, 10, 10, 20, 20, 20]


def test_failed_messages_are_redelivered_then_dead_lettered():
    q, acked = consume_world(3, faults=Faults.flaky(1.0), max_attempts=4, redelivery_ms=50)
    assert acked == [] and len(q.dead_letters) == 3
    assert all(m.attempts == 4 for m in q.dead_letters)
    assert q.redelivered == 9 and q.accounting().balanced


def test_a_down_consumer_leaves_messages_waiting_until_it_is_back():
    q, acked = consume_world(5, faults=Faults.outage(0, 1000))
    assert [t for _, t in acked] == [1010, 1020, 1030, 1040, 1050]
    assert q.dead_letters == []


def test_a_dead_letter_is_reported_when_it_happens():
    w = World(horizon_ms=1e6)
    q = Queue(w, "q", max_attempts=2, redelivery_ms=50)
    dead = []
    q.consume(
        Service(w, "worker", Fixed(10), faults=Faults.flaky(1.0)),
        on_dead_letter=lambda m, now: dead.append((m.key, m.attempts, now)),
    )

    def publisher():
        for i in range(2):
            yield from q.publish(i)

    w.process(publisher())
    w.run()
    # each: 10 ms of work, 50 ms to come back, 10 ms more, then dead
    assert dead == [(0, 2, 70), (1, 2, 80)] and q.accounting().balanced


def test_bounded_queue_blocks_the_publisher_or_rejects():
    w = World(horizon_ms=1e6)
    blocking = Queue(w, "b", capacity=2)
    rejecting = Queue(w, "r", capacity=2, on_full="reject")
    log = []

    def publish_three(q):
        for i in range(3):
            ok = yield from q.publish(i)
            log.append((q.name, i, ok, w.now))

    w.process(publish_three(blocking))
    w.process(publish_three(rejecting))
    w.run()
    assert ("r", 2, False, 0) in log and rejecting.rejected == 1
    # the blocked publisher never got its third message in (nobody consumes)
    assert [e for e in log if e[0] == "b"] == [("b", 0, True, 0), ("b", 1, True, 0)]
    assert blocking.accounting().balanced and rejecting.accounting().balanced


def test_every_subscriber_gets_every_message_and_publishing_is_paid_once():
    w = World(horizon_ms=1e6)
    topic = Topic(w, "orders", publish_latency=Fixed(2))
    queues = [topic.subscribe(name) for name in ("inventory", "email", "analytics")]
    times = []

    def publisher():
        for i in range(4):
            n = yield from topic.publish(i)
            times.append((n, w.now))

    w.process(publisher())
    w.run()
    assert times == [(3, 2), (3, 4), (3, 6), (3, 8)]
    assert [q.depth for q in queues] == [4, 4, 4]
    with pytest.raises(ValueError, match="already has a subscriber"):
        topic.subscribe("email")


def test_a_message_is_stamped_published_when_it_enters_a_full_blocking_queue():
    # "slow" holds one message and its one worker takes 100 ms: the third
    # message waits for room until 100, then enters "slow" and, after it, "rest"
    w = World(horizon_ms=1e6)
    topic = Topic(w, "orders")
    slow, rest = topic.subscribe("slow", capacity=1), topic.subscribe("rest")
    seen = []
    slow.consume(
        Service(w, "worker", Fixed(100)),
        on_ack=lambda m, now: seen.append((m.key, m.published_ms, m.started_ms, now)),
    )
    answers = []

    def publisher():
        for i in range(3):
            n = yield from topic.publish(i)
            answers.append((i, n, w.now))

    w.process(publisher())
    w.run()
    assert answers == [(0, 2, 0), (1, 2, 0), (2, 2, 100)]
    assert seen == [(0, 0, 0, 100), (1, 0, 100, 200), (2, 100, 200, 300)]
    assert [m.published_ms for m in rest.store.items] == [0, 0, 100]
    assert slow.published == rest.published == 3 and slow.accounting().balanced
    # a queue published to directly stamps the same way
    w = World(horizon_ms=1e6)
    alone = Queue(w, "alone", capacity=1)
    stamps = []
    worker = Service(w, "worker", Fixed(100))
    alone.consume(worker, on_ack=lambda m, _: stamps.append(m.published_ms))

    def direct():
        for i in range(3):
            yield from alone.publish(i)

    w.process(direct())
    w.run()
    assert stamps == [0, 0, 100] and alone.published == 3


# -- records ----------------------------------------------------------------------


def test_percentiles_ignore_orders_still_in_flight():
    values = [1, 2, 3, 4, float("nan")]
    assert percentile(values, 50) == 2.5
    assert summarize(values)["count"] == 4
    assert math.isnan(percentile([float("nan")], 50))


def test_accounting_detects_anything_vanished_or_double_counted():
    assert Accounting("orders", 10, {"done": 7, "in flight": 3}).balanced
    assert not Accounting("orders", 10, {"done": 7, "in flight": 2}).balanced
    assert "≠" in str(Accounting("orders", 10, {"done": 8, "in flight": 3}))


def test_sampler_records_state_over_time():
    w = World(horizon_ms=100)
    box = {"n": 0}

    def grow():
        while True:
            yield w.timeout(10)
            box["n"] += 1

    w.process(grow())
    sampler = Sampler(w, 25, {"n": lambda: box["n"]})
    w.run()
    series = sampler.series()["n"]
    assert list(series.t_ms) == [0, 25, 50, 75, 100]
    assert series.at(60) == series.values[2]
