"""Sync done well, circuit breakers, idempotency keys and Payment behind a queue.

* the circuit breaker, on its own and in a sync call: it opens after N
  failures in a row, refuses at once without reaching the service, lets one
  trial through after ``open_ms``, and closes or re-opens on its answer;
* double effects: a retry after a timeout (the attempt is not withdrawn) or a
  redelivery after an ``error`` (work done, then failed) does the work again;
  an idempotency key keeps it to one effect and changes nothing else;
* the checkout's new options: parallel calls, best-effort side effects,
  per-service timeouts, breakers, ``SYNC_DONE_WELL``, Payment async; what
  async ignores and what it refuses; what "confirmed" promises in each design;
* properties (hypothesis): common random numbers across naive sync, sync done
  well and async; every order and message in one state at every cut point;
  determinism; an idempotency key changes only the effects.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicelab import Faults, Fixed, Queue, Retry, Service, World, call, run_checkout
from servicelab.breaker import CIRCUIT_OPEN, CLOSED, HALF_OPEN, OPEN, BreakerState, CircuitBreaker
from servicelab.scenarios.checkout import MAX_ORDERS, SYNC_DONE_WELL, CheckoutConfig

SEED = 7
WELL = dict(SYNC_DONE_WELL)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- the circuit breaker ---------------------------------------------------------------


def test_a_breaker_opens_after_n_failures_in_a_row_and_a_success_resets_the_count():
    b = CircuitBreaker(failures=3, open_ms=100).state()
    for outcome in ("error", "timeout", "ok", "down", "error"):  # the "ok" resets the count
        b.record(b.admit(0.0), outcome, 0.0)
    assert b.state == CLOSED and b.failures == 2
    b.record(b.admit(1.0), "timeout", 1.0)
    assert b.state == OPEN and b.opened == 1 and b.changes == [(1.0, OPEN)]


def test_an_open_breaker_refuses_then_lets_one_trial_through_which_closes_or_reopens_it():
    b = CircuitBreaker(failures=1, open_ms=100).state()
    b.record(b.admit(0.0), "down", 0.0)
    assert not b.admit(50.0) and b.refused == 1  # open: refused
    trial = b.admit(100.0)
    assert trial and b.state == HALF_OPEN
    assert not b.admit(120.0) and b.refused == 2  # one trial at a time
    b.record(trial, "timeout", 150.0)  # the trial failed: open again, for another 100 ms
    assert b.state == OPEN and b.opened == 2 and not b.admit(249.0)
    trial = b.admit(250.0)
    b.record(trial, "ok", 260.0)
    assert b.closed and b.admit(261.0)
    assert [s for _, s in b.changes] == [OPEN, HALF_OPEN, OPEN, HALF_OPEN, CLOSED]


def test_answers_to_calls_admitted_before_the_circuit_opened_do_not_close_it():
    b = CircuitBreaker(failures=2, open_ms=100).state()
    early = b.admit(0.0)
    b.record(b.admit(0.0), "error", 1.0)
    b.record(b.admit(0.0), "error", 2.0)
    b.record(early, "ok", 3.0)  # a slow success from before: only the trial decides
    assert b.state == OPEN


def run_calls(n, *, service_options, gap_ms=10.0, **call_options):
    """``n`` calls to one service, ``gap_ms`` apart: (service, [(result, started, ended)])."""
    w = World(seed=1, horizon_ms=1e6)
    s = Service(w, "s", **service_options)
    out = []

    def caller(i):
        start = w.now
        r = yield from call(s, i, **call_options)
        out.append((r, start, w.now))

    def arrivals():
        for i in range(n):
            w.process(caller(i))
            yield w.timeout(gap_ms)

    w.process(arrivals())
    w.run()
    return s, out


def test_a_call_refused_by_an_open_circuit_returns_at_once_and_does_no_work():
    breaker = CircuitBreaker(failures=3, open_ms=1000).state()
    s, out = run_calls(
        10,
        service_options=dict(latency=Fixed(50), faults=Faults.slow(20)),  # 1 s a call
        timeout_ms=30,
        breaker=breaker,
        gap_ms=40,
    )
    outcomes = [r.outcome for r, _, _ in out]
    assert outcomes[:3] == ["timeout"] * 3  # 3 timeouts in a row open it (at 110 ms)
    refused = [(r, a, b) for r, a, b in out if r.outcome == CIRCUIT_OPEN]
    assert len(refused) == 7 and all(a == b and r.attempts == 0 for r, a, b in refused)
    assert s.received == 3 and breaker.refused == 7  # the refused calls never reached it


def test_an_open_circuit_stops_the_retries_too():
    breaker = CircuitBreaker(failures=2, open_ms=1000).state()
    s, out = run_calls(
        1,
        service_options=dict(latency=Fixed(10), faults=Faults.flaky(1.0)),
        retry=Retry(attempts=5, backoff_ms=10),
        breaker=breaker,
    )
    ((r, start, end),) = out
    assert r.outcome == CIRCUIT_OPEN and r.attempts == 2 and s.received == 2
    # two tries of 10 ms with a 10 ms backoff between; 20 ms later the third is refused at once
    assert end - start == 10 + 10 + 10 + 20


@pytest.mark.parametrize(
    ("make", "name", "shown"),
    [
        (lambda: CircuitBreaker(failures=0), "failures", "0"),
        (lambda: CircuitBreaker(failures=2.5), "failures", "2.5"),
        (lambda: CircuitBreaker(open_ms=0), "open_ms", "0"),
        (lambda: CircuitBreaker(open_ms=float("nan")), "open_ms", "nan"),
        (lambda: BreakerState("fast"), "policy", "'fast'"),
        (lambda: Service(World(), "s", 10, idempotent="yes"), "idempotent", "'yes'"),
        (lambda: run_calls(1, service_options=dict(latency=10), breaker=3), "breaker", "3"),
        (lambda: CircuitBreaker().state().record(7, "ok", 0.0), "ticket", "7"),
    ],
)
def test_bad_breaker_and_idempotency_settings_are_refused_with_a_sentence(make, name, shown):
    with pytest.raises(ValueError) as info:
        make()
    assert str(info.value).startswith(f"{name} = {shown} is not allowed: {name} must be")


# -- double effects and idempotency keys ------------------------------------------------


@pytest.mark.parametrize("idempotent", [False, True])
def test_a_retry_after_a_timeout_repeats_the_effect_unless_idempotent(idempotent):
    s, out = run_calls(
        1,
        service_options=dict(latency=Fixed(100), idempotent=idempotent),
        timeout_ms=60,
        retry=Retry(attempts=2, backoff_ms=0),
    )
    ((r, _, end),) = out
    # both attempts time out (the second waits for the one worker from 60 ms, and the
    # caller gives up at 120 ms); both are done all the same, at 100 and 200 ms
    assert r.outcome == "timeout" and end == 120 and s.done_times(0) == 2
    assert (s.double_effects, s.deduplicated) == ((0, 1) if idempotent else (1, 0))
    assert s.repeated() == [0]


@pytest.mark.parametrize("idempotent", [False, True])
def test_a_redelivered_error_repeats_its_effect_unless_idempotent(idempotent):
    w = World(seed=3, horizon_ms=1e6)
    q = Queue(w, "emails", max_attempts=3, redelivery_ms=10)
    s = Service(w, "email", Fixed(5), faults=Faults.flaky(1.0), idempotent=idempotent)
    q.consume(s)
    w.process(q.publish(0))
    w.run()
    # three tries, each "sent" and then failed: one email sent 3 times, or once with a key
    assert len(q.dead_letters) == 1 and s.done_times(0) == 3
    assert (s.double_effects, s.deduplicated) == ((0, 1) if idempotent else (1, 0))


def test_an_outage_refusal_is_no_effect():
    s, _ = run_calls(
        1,
        service_options=dict(latency=Fixed(10), faults=Faults.outage(0, 25)),
        retry=Retry(attempts=4, backoff_ms=10),
    )
    assert s.received == 3 and s.done_times(0) == 1 and s.double_effects == 0


@pytest.mark.parametrize("style", ["sync", "async"])
def test_a_checkout_counts_double_effects_per_service_and_a_key_removes_them(style):
    options = dict(seed=SEED, n_orders=600, arrival_rate=20, decline_rate=0.0)
    if style == "sync":  # a timeout (about Payment's p98) and retries: timed-out charges repeat
        options.update(timeouts={"payment": 300}, retry=Retry(3, 50, jitter=1.0))
    else:  # Email errors after sending: a redelivery sends it again
        options.update(faults={"email": Faults.flaky(0.2)})
    plain = run_checkout(style, **options)
    keyed = run_checkout(style, idempotent=("payment", "email"), **options)
    service = "payment" if style == "sync" else "email"
    assert plain.double_effects[service] > 5 and keyed.double_effects[service] == 0
    assert keyed.deduplicated[service] == plain.double_effects[service]
    # the key changes the effect only: every wait and outcome is the same
    np.testing.assert_array_equal(plain.response_ms, keyed.response_ms)
    np.testing.assert_array_equal(plain.outcome, keyed.outcome)


def test_a_repeated_decline_is_no_double_charge():
    common = dict(seed=SEED, n_orders=400, decline_rate=1.0, timeout_ms=200, retry=Retry(3))
    r = run_checkout("sync", **common)
    assert r.count("declined") > 300 and r.calls["payment"]["received"] > 420
    assert r.double_effects["payment"] == 0  # repeated, but nobody was charged


# -- the checkout's options ---------------------------------------------------------------


def test_sync_done_well_is_a_preset_of_checkout_options_that_cannot_be_changed_by_accident():
    config = CheckoutConfig(**SYNC_DONE_WELL)
    assert config.parallel and config.best_effort == ("email", "analytics")
    assert config.breaker == CircuitBreaker(failures=5, open_ms=1000.0)
    with pytest.raises(TypeError):
        SYNC_DONE_WELL["parallel"] = False


def test_each_timeout_of_the_preset_sits_above_its_services_healthy_p9999():
    from servicelab.scenarios.checkout import DEFAULT_LATENCY

    for service, timeout in SYNC_DONE_WELL["timeouts"].items():
        assert DEFAULT_LATENCY[service].quantile(0.9999) < timeout, service
    healthy = run_checkout("sync", seed=SEED, n_orders=4000, **WELL)
    # a healthy run loses (almost) nothing: no failure, no email skipped
    assert healthy.count("failed") == 0 and healthy.skipped == {"email": 0}
    assert all(b == {"opened": 0, "refused": 0} for b in healthy.breakers.values())


@pytest.mark.parametrize(
    ("options", "name", "shown"),
    [
        (dict(parallel=1), "parallel", "1"),
        (dict(best_effort=("inventory",)), "best_effort", "('inventory',)"),
        (dict(best_effort=("shipping",)), "best_effort entry", "'shipping'"),
        (dict(breaker=5), "breaker", "5"),
        (dict(timeouts={"email": 0}), "timeouts['email']", "0"),
        (dict(timeouts={"order": 10}), "timeouts key", "'order'"),
        (dict(idempotent=("order",)), "idempotent entry", "'order'"),
        (dict(async_payment="yes"), "async_payment", "'yes'"),
        (dict(async_payment=True), "async_payment", "True"),
    ],
)
def test_bad_checkout_options_are_refused_with_a_sentence(options, name, shown):
    with pytest.raises(ValueError) as info:
        run_checkout("sync", n_orders=5, **options)
    assert str(info.value).startswith(f"{name} = {shown} is not allowed")


def test_inventory_stays_required_and_payment_async_needs_the_async_style():
    with pytest.raises(ValueError, match="Inventory reserves the stock"):
        run_checkout(best_effort=("email", "inventory"))
    with pytest.raises(ValueError, match="run it with style 'async'"):
        run_checkout("sync", async_payment=True)


def test_async_ignores_the_options_of_sync_calls_after_payment():
    base = run_checkout("async", seed=SEED, n_orders=300, faults={"email": Faults.slow(10)})
    same = run_checkout(
        "async",
        seed=SEED,
        n_orders=300,
        faults={"email": Faults.slow(10)},
        parallel=True,
        best_effort=("email",),
        timeouts={"email": 50.0, "inventory": 50.0},
    )
    for name in ("response_ms", "outcome", "reason", "payment_known_ms"):
        np.testing.assert_array_equal(getattr(base, name), getattr(same, name))
    for d in base.task_done_ms:
        np.testing.assert_array_equal(base.task_done_ms[d], same.task_done_ms[d])
    assert same.skipped == {} and same.label == "async"


def test_parallel_calls_wait_for_the_slowest_and_a_required_failure_answers_at_once():
    fixed = {"order": Fixed(5), "payment": Fixed(100), "inventory": Fixed(60), "email": Fixed(90)}
    common = dict(seed=1, n_orders=3, latency=fixed, decline_rate=0.0)
    one_by_one = run_checkout("sync", **common)
    at_once = run_checkout("sync", parallel=True, **common)
    assert set(one_by_one.response_ms) == {5 + 100 + 60 + 90}
    assert set(at_once.response_ms) == {5 + 100 + 90}
    down = run_checkout(
        "sync", parallel=True, faults={"inventory": Faults.outage(0, 1e9)}, **common
    )
    assert set(down.response_ms) == {105} and set(down.reason) == {"inventory down"}
    # the email went out anyway: in parallel it does not wait for the stock
    assert np.all(~np.isnan(down.task_done_ms["email"]))


def test_best_effort_skips_a_failed_side_effect_and_confirms_the_order():
    common = dict(seed=SEED, n_orders=500, decline_rate=0.0, faults={"email": Faults.flaky(0.3)})
    naive = run_checkout("sync", **common)
    lenient = run_checkout("sync", best_effort=("email",), **common)
    assert naive.success_rate() == pytest.approx(0.7, abs=0.07)
    assert lenient.success_rate() == 1.0
    # the same emails failed (same random numbers): each a confirmed order without its email
    assert lenient.skipped["email"] == naive.count("failed")
    unsent = np.isnan(lenient.task_done_ms["email"]) & (lenient.outcome == "completed")
    assert unsent.sum() == lenient.skipped["email"]
    # an "error" fails after the work: those emails went out, the caller just never knew
    assert lenient.not_done["email"] == 0
    down = run_checkout("sync", **{**common, "faults": {"email": Faults.outage(0, 1e9)}}, **WELL)
    assert down.not_done["email"] == down.skipped["email"] == down.count("completed")


# -- everything async: Payment behind a queue too -------------------------------------------


def test_with_payment_async_the_user_hears_accepted_at_once_and_the_decline_later():
    common = dict(seed=SEED, n_orders=1000, decline_rate=0.2)
    sync = run_checkout("sync", **common)
    queued = run_checkout("async", async_payment=True, **common)
    # the same orders are declined (common random numbers) ...
    np.testing.assert_array_equal(sync.outcome == "declined", queued.outcome == "declined")
    # ... but the user's answer is "accepted", after the Order service and a publish
    assert queued.p(99, None) < 15 < 150 < sync.latency("declined").mean()
    heard = queued.payment_heard("declined")
    assert np.all(heard > queued.response_ms[queued.outcome == "declined"])
    # healthy and unloaded, Payment's answer comes at about the same time either way
    assert heard.mean() == pytest.approx(sync.payment_heard("declined").mean(), rel=0.05)
    assert queued.balanced and queued.queues["payment"].parts["acknowledged"] == 1000


def test_with_payment_async_a_payment_outage_fails_no_checkout_but_delays_the_news():
    outage = {"payment": Faults.outage(60_000, 30_000)}
    common = dict(seed=SEED, n_orders=1000, decline_rate=0.2, faults=outage)
    sync = run_checkout("sync", **common)
    queued = run_checkout("async", async_payment=True, **common)
    assert sync.count("failed") > 100 and set(sync.reason[sync.outcome == "failed"]) == {
        "payment down"
    }
    assert queued.count("failed") == 0
    assert np.nanmax(queued.payment_heard("declined")) > 20_000  # heard after the outage
    assert "accepted: payment, stock and email still to follow" in queued.describe()


def test_with_payment_async_a_payment_that_fails_every_try_fails_the_order_later():
    r = run_checkout(
        "async",
        seed=SEED,
        n_orders=50,
        async_payment=True,
        faults={"payment": Faults.flaky(1.0)},
        max_attempts=2,
        redelivery_ms=10,
    )
    assert r.count("failed") == 50 and set(r.reason) == {"payment dead-lettered"}
    assert np.all(r.response_ms < 15)  # they had heard "accepted"
    assert np.all(np.isnan(r.payment_known_ms)) and r.balanced


# -- what "confirmed" promises ------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "options", "label", "promise"),
    [
        ("sync", {}, "sync", '"confirmed" means paid, stock reserved and email sent'),
        (
            "sync",
            WELL,
            "sync done well",
            '"confirmed" means paid and stock reserved; email sent or skipped (0 skipped)',
        ),
        ("sync", dict(parallel=True), "sync (parallel)", '"confirmed" means paid, stock'),
        ("async", {}, "async", '"confirmed" means paid and accepted: stock and email still to'),
        (
            "async",
            dict(async_payment=True),
            "async, Payment too",
            '"confirmed" means accepted: payment, stock and email still to follow',
        ),
    ],
)
def test_each_design_says_what_confirmed_promises(style, options, label, promise):
    r = run_checkout(style, seed=SEED, n_orders=50, **options)
    assert r.label == label and r.promise.startswith(promise)
    assert re.match(rf"{re.escape(label)}: \d+ of 50 orders confirmed", r.describe())
    assert promise in r.describe()


# -- limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "options"),
    [("sync", WELL), ("async", dict(async_payment=True, idempotent=("payment",)))],
    ids=["sync done well", "Payment async"],
)
def test_the_new_designs_at_their_most_orders_overloaded_stop_at_the_budget_and_balance(
    style, options
):
    r = run_checkout(
        style,
        n_orders=MAX_ORDERS,
        arrival_rate=1e5,
        workers={"order": 1, "payment": 1},
        max_events=40_000,
        **options,
    )
    assert r.stop_reason == "event budget" and r.cut_short and r.balanced


def test_a_healthy_sync_done_well_order_takes_about_31_events():
    # the budget note of checkout_config.MAX_ORDERS: a call with a timeout costs 4 events more
    r = run_checkout("sync", n_orders=2000, **WELL)
    assert 29 < r.events / r.n_orders < 33


# -- properties ---------------------------------------------------------------------------


@st.composite
def new_options(draw, style):
    """Random settings of the checkout's new options (Payment async only in async)."""
    downstream = tuple(
        draw(st.lists(st.sampled_from(["inventory", "email", "analytics"]), unique=True))
    )
    breaker = draw(
        st.one_of(st.none(), st.builds(CircuitBreaker, st.integers(1, 4), st.floats(1, 500)))
    )
    options = dict(
        downstream=downstream,
        parallel=draw(st.booleans()),
        best_effort=tuple(draw(st.lists(st.sampled_from(["email", "analytics"]), unique=True))),
        breaker=breaker,
        timeouts={
            s: draw(st.one_of(st.none(), st.floats(5, 400))) for s in ("payment", *downstream)
        },
        idempotent=tuple(draw(st.lists(st.sampled_from(["payment", "email"]), unique=True))),
    )
    if style == "async":
        options["async_payment"] = draw(st.booleans())
    return options


@st.composite
def small_runs(draw):
    style = draw(st.sampled_from(["sync", "async"]))
    services = ("payment", "inventory", "email", "analytics")
    flaky = Faults.flaky(draw(st.sampled_from([0.0, 0.3, 1.0])))
    options = dict(
        seed=draw(st.integers(0, 2**32)),
        n_orders=draw(st.integers(1, 25)),
        arrival_rate=draw(st.floats(5, 300)),
        workers={s: draw(st.integers(1, 3)) for s in ("order", *services)},
        faults={
            s: draw(st.sampled_from([Faults(), flaky, Faults.slow(8, 50, 400)])) for s in services
        },
        decline_rate=draw(st.floats(0, 0.5)),
        retry=Retry(draw(st.integers(1, 3)), draw(st.floats(0, 100))),
        timeout_ms=draw(st.one_of(st.none(), st.floats(5, 300))),
        queue_capacity=draw(st.one_of(st.none(), st.integers(1, 3))),
        max_attempts=draw(st.integers(1, 3)),
        redelivery_ms=draw(st.floats(0, 200)),
        drain_ms=draw(st.floats(0, 3000)),
        **draw(new_options(style)),
    )
    return style, options


def assert_books_balance(r):
    assert r.balanced, [str(r.accounting), *(str(a) for a in r.queues.values())]
    for outcome in r.OUTCOMES:
        assert r.accounting.parts[outcome] == r.count(outcome), outcome
    answered = ~np.isnan(r.response_ms)
    np.testing.assert_array_equal(answered, np.isin(r.outcome, ["completed", "declined", "failed"]))
    assert all(0 <= r.not_done[d] <= n for d, n in r.skipped.items())
    assert all(n >= 0 for n in (*r.double_effects.values(), *r.deduplicated.values()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=small_runs(), data=st.data())
def test_the_books_balance_at_every_cut_point_with_the_new_options(run, data):
    style, options = run
    whole = run_checkout(style, **options)
    assert_books_balance(whole)
    cut = data.draw(st.integers(1, whole.events), label="max_events")
    r = run_checkout(style, max_events=cut, **options)
    assert_books_balance(r)
    if cut < whole.events:
        assert r.stop_reason == "event budget" and r.cut_short


@SETTINGS
@given(run=small_runs())
def test_the_same_seed_gives_the_same_run_with_the_new_options(run):
    style, options = run
    a, b = run_checkout(style, **options), run_checkout(style, **options)
    for name in ("response_ms", "outcome", "reason", "payment_known_ms"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert (a.skipped, a.double_effects, a.deduplicated, a.breakers, a.events) == (
        b.skipped,
        b.double_effects,
        b.deduplicated,
        b.breakers,
        b.events,
    )


@SETTINGS
@given(run=small_runs())
def test_an_idempotency_key_changes_the_effects_and_nothing_else(run):
    style, options = run
    options["idempotent"] = ()
    plain = run_checkout(style, **options)
    keyed = run_checkout(style, **{**options, "idempotent": ("payment", "inventory", "email")})
    for name in ("response_ms", "outcome", "reason", "payment_known_ms"):
        np.testing.assert_array_equal(getattr(plain, name), getattr(keyed, name))
    for service, doubled in plain.double_effects.items():
        if service in keyed.deduplicated:
            assert keyed.double_effects[service] == 0
            # a declined card is no double charge, but its repeat is absorbed all the same
            assert keyed.deduplicated[service] >= doubled
            assert keyed.deduplicated[service] == doubled or service == "payment"


@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    n_orders=st.integers(1, 200),
    arrival_rate=st.floats(1, 200),
    analytics=st.booleans(),
)
def test_naive_sync_sync_done_well_and_async_see_the_same_arrivals_and_demands(
    seed, n_orders, arrival_rate, analytics
):
    """Common random numbers: with no faults and a worker for every order, each order's
    work at each service takes the same time in every design (its keyed demand)."""
    downstream = ("inventory", "email", "analytics") if analytics else ("inventory", "email")
    ample = dict.fromkeys(("order", "payment", *downstream), 1000)
    common = dict(
        seed=seed,
        n_orders=n_orders,
        arrival_rate=arrival_rate,
        downstream=downstream,
        workers=ample,
        trace_orders=min(n_orders, 1000),
    )
    runs = [
        run_checkout("sync", **common),
        run_checkout("sync", **common, **WELL),
        run_checkout("async", **common),
    ]

    def works(r, lane):
        """Order → how long ``lane`` worked on it, for calls that got their answer."""
        spans = {s.order: s for s in r.spans if s.lane == lane and s.kind == "works"}
        if lane == "payment":
            answered = r.outcome != "failed"  # (a call cut by its timeout is shorter)
        else:
            answered = ~np.isnan(r.task_done_ms[lane])
        return {i: s.end_ms - s.start_ms for i, s in spans.items() if answered[i]}

    naive = runs[0]
    for r in runs[1:]:
        np.testing.assert_array_equal(r.arrival_ms, naive.arrival_ms)
        for lane in ("payment", *downstream):
            a, b = works(naive, lane), works(r, lane)
            assert len(b) >= 0.9 * len(a), lane  # (rarely, a done-well call times out)
            for order in b.keys() & a.keys():
                assert math.isclose(a[order], b[order], rel_tol=1e-12, abs_tol=1e-9), (lane, order)
        # the same orders are declined: the decline is keyed by order too
        paid = r.outcome != "failed"
        np.testing.assert_array_equal(
            (r.outcome == "declined")[paid], (naive.outcome == "declined")[paid]
        )
