"""Why each request ended as it did (``scenarios.causes``): one cause per request, every scenario.

* the property, for **every scenario** of ``servicelab.scenarios`` (found by
  importing each of its modules and collecting every ``Run`` subclass, so a
  new scenario is covered the day it lands): each request has exactly one
  cause, a non-empty phrase; the causes of a run sum to its requests; a
  request still in flight is "still waiting at the horizon"; each request's
  story ends with its cause;
* the same property over random checkouts (faults, retries, timeouts,
  queues, a horizon that cuts the run short), in both styles;
* the causes the issue names, each met in a run made to show it, and
  counted against the run's own records (reasons, dead letters);
* ``explain`` and ``explain_both``: a few lines, both styles side by side,
  and the kit's sentence for runs that are not of the same requests.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servicelab.scenarios as scenarios
from servicelab import Faults, Retry, explain_both, run_both, run_checkout
from servicelab._check import KitValueError
from servicelab.scenarios._base import STYLES, Run, run_style
from servicelab.scenarios.causes import STILL_WAITING
from servicelab.scenarios.flash_sale import run_flash_sale_both
from servicelab.scenarios.retry_storm import run_retry_storm


def _runs() -> list[type[Run]]:
    """Every scenario's run: every Run subclass of every module of ``servicelab.scenarios``."""
    for module in pkgutil.iter_modules(scenarios.__path__):
        importlib.import_module(f"{scenarios.__name__}.{module.name}")
    found, todo = [], [Run]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return sorted(set(found), key=lambda c: c.__module__)


RUNS = _runs()


def _holds(r) -> None:
    """The property: one cause per request, summing to all, consistent with the outcome."""
    causes = r.causes()
    assert causes.shape == (r.n_requests,)
    assert all(isinstance(c, str) and c for c in causes.tolist())
    counts = r.cause_counts()
    assert sum(counts.values()) == r.n_requests
    assert all(n > 0 for n in counts.values())
    assert set(causes[r.outcome == "in flight"].tolist()) <= {STILL_WAITING}
    assert STILL_WAITING not in set(causes[r.outcome != "in flight"].tolist())
    for i in {0, r.n_requests // 2, r.n_requests - 1}:
        assert r.explain(i).endswith(f"cause: {causes[i]}")


def test_every_scenario_is_found():
    modules = {run.__module__.rsplit(".", 1)[-1] for run in RUNS}
    assert {"checkout", "flash_sale", "pool_exhaustion", "retry_storm"} <= modules


@pytest.mark.parametrize("run", RUNS, ids=lambda c: c.__module__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("style", STYLES)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16))
def test_every_request_of_every_scenario_has_one_cause(run, style, seed):
    try:
        r = run_style(run, style, seed, None, {})
    except KitValueError:  # a story that has no such style says so with the kit's sentence
        pytest.skip(f"{run.__module__} has no {style} run")
    _holds(r)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    style=st.sampled_from(STYLES),
    seed=st.integers(0, 1000),
    down=st.sampled_from(["payment", "inventory", "email", "order"]),
    start=st.floats(0, 40_000),
    length=st.floats(1_000, 60_000),
    attempts=st.integers(1, 3),
    timeout=st.one_of(st.none(), st.floats(50, 2_000)),
    capacity=st.one_of(st.none(), st.integers(1, 50)),
    max_attempts=st.integers(1, 5),
    horizon=st.one_of(st.none(), st.floats(20_000, 200_000)),
)
def test_the_causes_of_any_checkout_sum_to_its_orders(
    style, seed, down, start, length, attempts, timeout, capacity, max_attempts, horizon
):
    r = run_checkout(
        style,
        seed=seed,
        n_orders=200,
        faults={down: Faults.outage(start, length) + Faults.flaky(0.05)},
        retry=Retry(attempts=attempts, backoff_ms=50.0),
        timeout_ms=timeout,
        queue_capacity=capacity,
        max_attempts=max_attempts,
        horizon_ms=horizon,
    )
    _holds(r)


OUTAGE = {"inventory": Faults.outage(60_000, 60_000)}


def test_an_outage_refuses_sync_orders_and_async_confirms_them():
    sync, asyn = run_both(seed=1, faults=OUTAGE)
    refused = sync.cause_counts()["refused: Inventory was down"]
    assert refused == int(np.count_nonzero(sync.reason == "inventory down")) > 0
    assert asyn.cause_counts() == {"confirmed": asyn.count("completed"), "declined by Payment": 47}
    assert sync.count("declined") == asyn.count("declined") == 47


def test_retries_give_up_after_their_tries():
    r = run_checkout("sync", seed=1, faults=OUTAGE, retry=Retry(attempts=3, backoff_ms=100.0))
    assert r.cause_counts()["gave up after 3 tries: Inventory was down"] == r.count("failed")


def test_a_timeout_names_the_service_it_waited_for():
    r = run_checkout("sync", seed=2, faults={"email": Faults.slow(10)}, timeout_ms=500.0)
    assert r.cause_counts()["timed out waiting for Email"] > 0


def test_dead_letters_and_pending_work_are_named_beside_confirmed():
    r = run_checkout("async", seed=3, faults={"email": Faults.flaky(0.6)}, max_attempts=2)
    counts = r.cause_counts()
    assert counts["confirmed; Email dead-lettered after 2 tries"] == r.dead_lettered()["email"] > 0
    cut = run_checkout("async", seed=3, faults=OUTAGE, horizon_ms=100_000.0)
    assert (
        cut.cause_counts()["confirmed; Inventory pending at the horizon"]
        == (cut.pending()["inventory"])
    )
    assert sum(cut.cause_counts().values()) == cut.n_orders


def test_flash_sale_and_retry_storm_causes():
    sync, asyn = run_flash_sale_both(seed=0)
    assert sync.cause_counts()["gave up after waiting 3 s for a worker"] == sync.count("gave up")
    assert asyn.cause_counts() == {"accepted, processed later": asyn.n_orders}
    storm = run_retry_storm("sync", seed=0)
    gave_up = sum(n for c, n in storm.cause_counts().items() if c.startswith("gave up after"))
    assert gave_up == storm.count("failed") > 0


def test_explain_tells_one_order_in_both_styles():
    sync, asyn = run_both(seed=1, faults=OUTAGE)
    i = sync.first_with("refused: Inventory was down")
    story = explain_both((sync, asyn), i)
    lines = story.splitlines()
    assert 3 <= len(lines) <= 8
    assert lines[0].startswith(f"sync, order #{i}") and f"async, order #{i}" in lines[0]
    assert "cause: refused: Inventory was down" in story and "cause: confirmed" in story
    assert "Inventory did its work at" in asyn.explain(i)


def test_explain_refuses_what_it_cannot_tell():
    sync, _ = run_both(seed=1)
    other = run_checkout("async", seed=2)
    with pytest.raises(KitValueError, match="same requests"):
        explain_both((sync, other), 0)
    with pytest.raises(KitValueError, match="i = 1000"):
        sync.explain(1000)
    with pytest.raises(KitValueError, match="results"):
        explain_both(42, 0)
