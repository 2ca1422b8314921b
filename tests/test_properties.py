"""Properties of the checkout that must hold for any settings (hypothesis).

* conservation — every order ends in exactly one state (completed, declined,
  failed, in flight) and every message in exactly one (acknowledged,
  dead-lettered, waiting, in process, awaiting redelivery);
* determinism — the same seed gives identical results;
* monotonicity — a slower downstream service never lowers any order's sync
  latency. (Shown where it is a theorem: downstream services have a worker
  for every order, so only the Order service's FIFO pool queues; its waits
  are monotone in the holding times by the Kiefer–Wolfowitz recursion.
  With queues at several services, orders can overtake one another and one
  order may get luckier, so the per-order claim is not true there.)
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicelab import Faults, Retry, run_checkout
from servicelab.scenarios.checkout import OUTCOMES

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def faults(draw):
    kind = draw(st.sampled_from(["healthy", "outage", "slow", "flaky", "all"]))
    f = Faults()
    if kind in ("outage", "all"):
        start = draw(st.floats(0, 20_000))
        f = f + Faults.outage(start, draw(st.floats(0, 30_000)))
    if kind in ("slow", "all"):
        f = f + Faults.slow(draw(st.floats(0.1, 20)), draw(st.floats(0, 10_000)))
    if kind in ("flaky", "all"):
        f = f + Faults.flaky(draw(st.floats(0, 1)))
    return f


@st.composite
def configs(draw):
    downstream = draw(
        st.lists(st.sampled_from(["inventory", "email", "analytics"]), unique=True, max_size=3)
    )
    return dict(
        n_orders=draw(st.integers(1, 120)),
        arrival_rate=draw(st.floats(0.5, 200)),
        workers={s: draw(st.integers(1, 6)) for s in ("order", "payment", *downstream)},
        faults={s: draw(faults()) for s in ("payment", *downstream)},
        decline_rate=draw(st.floats(0, 1)),
        downstream=tuple(downstream),
        timeout_ms=draw(st.one_of(st.none(), st.floats(1, 2000))),
        retry=Retry(
            attempts=draw(st.integers(1, 4)),
            backoff_ms=draw(st.floats(0, 500)),
            jitter=draw(st.floats(0, 1)),
        ),
        queue_capacity=draw(st.one_of(st.none(), st.integers(1, 20))),
        max_attempts=draw(st.integers(1, 5)),
        redelivery_ms=draw(st.floats(0, 2000)),
        horizon_ms=draw(st.floats(1, 60_000)),
    )


@SETTINGS
@given(style=st.sampled_from(["sync", "async"]), seed=st.integers(0, 2**32), config=configs())
def test_conservation_every_order_and_message_ends_in_exactly_one_state(style, seed, config):
    r = run_checkout(style, seed=seed, **config)
    assert r.accounting.balanced, str(r.accounting)
    # the accounting's counters agree with the per-order records
    for outcome in OUTCOMES:
        assert r.accounting.parts[outcome] == r.count(outcome), outcome
    assert r.accounting.parts.get("not yet arrived", 0) == np.count_nonzero(
        r.outcome == "not arrived"
    )
    # a user has an answer exactly when the order is not in flight
    answered = ~np.isnan(r.response_ms)
    np.testing.assert_array_equal(answered, np.isin(r.outcome, ["completed", "declined", "failed"]))
    for name, acc in r.queues.items():
        assert acc.balanced, f"{name}: {acc}"
    # cut short exactly when something is left unfinished
    unfinished = r.in_flight or any(
        acc.parts["acknowledged"] + acc.parts["dead-lettered"] < acc.total
        for acc in r.queues.values()
    )
    assert r.cut_short == bool(unfinished or r.stop_reason == "event budget")


@SETTINGS
@given(style=st.sampled_from(["sync", "async"]), seed=st.integers(0, 2**32), config=configs())
def test_determinism_same_seed_same_results(style, seed, config):
    a = run_checkout(style, seed=seed, **config)
    b = run_checkout(style, seed=seed, **config)
    np.testing.assert_array_equal(a.response_ms, b.response_ms)
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.reason, b.reason)
    for name in a.task_done_ms:
        np.testing.assert_array_equal(a.task_done_ms[name], b.task_done_ms[name])
    for name in a.series:
        np.testing.assert_array_equal(a.series[name].values, b.series[name].values)
    assert a.accounting == b.accounting and a.queues == b.queues and a.events == b.events


@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    n_orders=st.integers(1, 150),
    arrival_rate=st.floats(1, 100),
    order_workers=st.integers(1, 8),
    service=st.sampled_from(["payment", "inventory", "email"]),
    factor=st.floats(1, 20),
)
def test_monotonicity_a_slower_downstream_never_lowers_sync_latency(
    seed, n_orders, arrival_rate, order_workers, service, factor
):
    ample = {s: 200 for s in ("payment", "inventory", "email")}
    common = dict(
        seed=seed,
        n_orders=n_orders,
        arrival_rate=arrival_rate,
        workers={"order": order_workers, **ample},
    )
    fast = run_checkout("sync", **common)
    slow = run_checkout("sync", faults={service: Faults.slow(factor)}, **common)
    done = slow.outcome == "completed"
    # an order finished in the slow run has finished in the fast one, no later
    assert np.all(fast.outcome[done] == "completed")
    assert np.all(slow.response_ms[done] >= fast.response_ms[done] - 1e-9)
    assert slow.count("completed") <= fast.count("completed")
