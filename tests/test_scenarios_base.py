"""The scenarios' shared scaffold (``scenarios._base``, ``_checks``, ``arrivals``).

* configs — every field has exactly one declared check, checks store what
  they return, the failure configs share their slowdown window;
* run wrappers — the three ``run_*`` functions refuse the same things with
  the same sentences, and ``run_*both`` runs one config in both styles;
* results — one ``success_rate(*, start_ms, end_ms)`` method everywhere, one
  outcome vocabulary, and the same accounting of requests, also when a run is
  cut short before every request arrived.
"""

import dataclasses
import inspect
import math

import numpy as np
import pytest

from servicelab import Faults, Retry, World
from servicelab.faults import HEALTHY
from servicelab.scenarios import _base, _checks, arrivals, checkout, pool_exhaustion, retry_storm
from servicelab.scenarios.checkout import CheckoutConfig, run_both, run_checkout
from servicelab.scenarios.pool_exhaustion import PoolConfig, run_pool_both, run_pool_exhaustion
from servicelab.scenarios.retry_storm import Policy, StormConfig, run_policies, run_retry_storm
from servicelab.world import DEFAULT_MAX_EVENTS

CONFIGS = [CheckoutConfig, PoolConfig, StormConfig, Policy]
RUNS = [
    (run_checkout, CheckoutConfig, dict(n_orders=200)),
    (run_pool_exhaustion, PoolConfig, dict(duration_ms=5_000, slow_start_ms=1_000, slow_ms=2_000)),
    (run_retry_storm, StormConfig, dict(duration_ms=5_000, slow_start_ms=1_000, slow_ms=2_000)),
]


# == configs ==============================================================================


@pytest.mark.parametrize("kind", CONFIGS, ids=lambda k: k.__name__)
def test_every_config_field_has_exactly_one_declared_check(kind):
    names = [f.name for f in dataclasses.fields(kind)]
    assert sorted(kind.CHECKS) == sorted(names)
    assert issubclass(kind, _base.Checked)


def test_a_field_without_a_check_is_a_programming_error():
    @dataclasses.dataclass(frozen=True)
    class Half(_base.Checked):
        a: float = 1.0
        b: float = 2.0

        CHECKS = {"a": _checks.number()}

    with pytest.raises(TypeError, match="no check for 'b'"):
        Half()


def test_checks_store_what_they_return():
    c = PoolConfig(workers=7.0, drain_ms=0, timeout_ms=300, order_latency=4)
    assert c.workers == 7 and isinstance(c.workers, int)
    assert c.drain_ms == 0.0 and isinstance(c.drain_ms, float)
    assert c.order_latency.mean_ms == 4.0
    s = CheckoutConfig(max_attempts=3.0, queue_capacity=5.0, n_orders=10)
    assert s.max_attempts == 3 and s.queue_capacity == 5 and isinstance(s.queue_capacity, int)
    assert s.max_events == DEFAULT_MAX_EVENTS == 1_000_000  # the budget of every run
    assert CheckoutConfig(n_orders=50_000).max_events == DEFAULT_MAX_EVENTS  # fits 50,000 orders
    assert Policy("p", Retry(), burst=3).burst == 3.0


@pytest.mark.parametrize(
    ("make", "name", "shown"),
    [
        (lambda: PoolConfig(duration_ms=0), "duration_ms", "0"),
        (lambda: StormConfig(duration_ms=0), "duration_ms", "0"),
        (lambda: PoolConfig(slowdown=5000), "slowdown", "5000"),
        (lambda: StormConfig(slow_ms=-1), "slow_ms", "-1"),
        (lambda: StormConfig(latency=0), "latency", "Fixed(0"),
        (lambda: StormConfig(redelivery_ms=4e6), "redelivery_ms", "4000000"),
        (lambda: CheckoutConfig(downstream=5), "downstream", "5"),
        (lambda: Policy("", Retry()), "label", "''"),
    ],
)
def test_config_checks_speak_the_kits_sentence(make, name, shown):
    with pytest.raises(ValueError) as err:
        make()
    message = str(err.value)
    assert message.startswith(f"{name} = {shown}"), message
    assert f"is not allowed: {name} must be" in message and message.endswith("."), message


def test_the_failure_configs_share_one_slowdown_window():
    for kind in (PoolConfig, StormConfig):
        assert issubclass(kind, _base.SlowdownWindow)
        for name, check in _base.WINDOW_CHECKS.items():
            assert kind.CHECKS[name] is check
        c = kind(duration_ms=20_000, slowdown=4, slow_start_ms=15_000, slow_ms=10_000)
        assert c.window == (15_000, 20_000)  # clipped to the arrivals
        assert c.slowdown_faults.slowdown(16_000) == 4.0
        assert c.slowdown_faults.slowdown(26_000) == 1.0
        assert kind(slowdown=1.0).slowdown_faults is HEALTHY
        assert kind(slow_ms=0).slowdown_faults is HEALTHY
    assert PoolConfig(slow_ms=0).inventory_faults == PoolConfig(slowdown=1.0).inventory_faults
    assert StormConfig(slowdown=1.0).faults.error_rate == 0.05


# == run wrappers =========================================================================


@pytest.mark.parametrize(("run", "kind", "small"), RUNS, ids=lambda x: getattr(x, "__name__", ""))
def test_every_run_function_refuses_the_same_things_with_the_same_sentence(run, kind, small):
    with pytest.raises(ValueError, match=r"^style = 'maybe' is not allowed: style must be one of"):
        run("maybe")
    with pytest.raises(ValueError, match=r"^seed = -1 is not allowed: seed must be a whole number"):
        run(seed=-1, **small)
    name = kind.__name__
    with pytest.raises(ValueError, match=rf"give either a {name} or options, not both\.$"):
        run(config=kind(), **small)
    with pytest.raises(ValueError, match=rf"^config = 3 is not allowed: config must be a {name}"):
        run(config=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        run(nonsense=1)


@pytest.mark.parametrize(
    ("both", "small"),
    [(run_both, RUNS[0][2]), (run_pool_both, RUNS[1][2])],
    ids=["checkout", "pool"],
)
def test_both_styles_run_one_config_with_one_seed(both, small):
    sync, asyn = both(seed=3, **small)
    assert (sync.style, asyn.style) == _base.STYLES
    assert sync.config is asyn.config and sync.seed == asyn.seed == 3
    np.testing.assert_array_equal(sync.arrival_ms, asyn.arrival_ms)


def test_poisson_helpers_live_in_arrivals_and_are_reexported():
    assert pool_exhaustion.poisson_times is arrivals.poisson_times
    rng = World(4).rng("x")
    t = arrivals.poisson_times(rng, 10.0, 5_000)
    assert t.size and t.max() < 5_000 and np.all(np.diff(t) > 0)
    assert arrivals.poisson_times(rng, 0.0, 5_000).size == 0
    # the checkout's arrivals are the first n of its stream
    r = run_checkout("sync", seed=4, n_orders=50)
    first = arrivals.poisson_arrivals(World(4).rng("arrivals"), 5.0, 50)
    np.testing.assert_array_equal(r.arrival_ms, first)


# == results ==============================================================================


def _all_results():
    c = run_both(seed=2, n_orders=300, faults={"inventory": Faults.flaky(0.2)})
    p = run_pool_both(seed=2)
    s = run_policies(("naive",), seed=2, duration_ms=12_000)
    return [*c, *p, *s.values()]


@pytest.fixture(scope="module")
def results():
    return _all_results()


def test_success_rate_is_one_keyword_only_method_everywhere(results):
    for r in results:
        params = inspect.signature(r.success_rate).parameters
        assert {"start_ms", "end_ms"} <= set(params), type(r)
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values()), type(r)
        whole = r.success_rate()
        assert 0.0 <= whole <= 1.0
        assert r.success_rate(start_ms=0, end_ms=math.inf) == whole
        assert math.isnan(r.success_rate(start_ms=-2, end_ms=-1))  # nobody arrived then


def test_success_rate_keeps_each_storys_meaning(results):
    sync = results[0]  # checkout: confirmed among those not declined
    asked = sync.n_orders - sync.count("declined")
    assert sync.success_rate() == sync.count("completed") / asked
    assert sync.n_orders == sync.n_requests
    pool = results[2]  # pool: answered ok, of a kind if asked
    simple = pool.kind == "simple"
    assert pool.success_rate(kind="simple") == np.mean(pool.outcome[simple] == "ok")
    start, end = pool.config.window
    assert pool.in_window("simple") == pool.success_rate(start_ms=start, end_ms=end, kind="simple")
    storm = results[4]  # storm: ok among all requests
    assert storm.success_rate() == storm.count("ok") / storm.n_requests


def test_one_outcome_vocabulary(results):
    assert _base.OK == "ok" and _base.FAILED == "failed" and _base.IN_FLIGHT == "in flight"
    assert checkout.OUTCOMES == ("completed", "declined", "failed", "in flight")
    assert pool_exhaustion.OUTCOMES == ("ok", "gave up", "timed out", "in flight")
    assert retry_storm.OUTCOMES == ("ok", "failed", "in flight")
    for module in (checkout, pool_exhaustion, retry_storm):
        assert not hasattr(module, "OK_") and not hasattr(module, "STYLES")
    for r in results:
        assert r.OUTCOMES[-1] == _base.IN_FLIGHT and r.SUCCESS in r.OUTCOMES
        assert list(r.accounting.parts) == list(r.OUTCOMES)
        for outcome in r.OUTCOMES:
            assert r.accounting.parts[outcome] == r.count(outcome)
        assert r.in_flight == r.count("in flight")
        assert r.balanced and r.describe().startswith(f"{r.label}: ")
        with pytest.raises(ValueError, match="outcome = 'maybe'"):
            r.count("maybe")


@pytest.mark.parametrize(("run", "kind", "small"), RUNS, ids=lambda x: getattr(x, "__name__", ""))
@pytest.mark.parametrize("style", _base.STYLES)
def test_a_run_cut_short_accounts_for_requests_that_never_arrived(run, kind, small, style):
    r = run(style, seed=1, max_events=400, **small)
    assert r.stop_reason == "event budget"
    assert r.accounting.balanced, str(r.accounting)
    never = np.count_nonzero(r.outcome == _base.NOT_ARRIVED)
    assert never > 0 and r.accounting.parts["not yet arrived"] == never
    assert r.accounting.parts["in flight"] == r.count("in flight") == r.in_flight


def test_a_checkout_with_nothing_confirmed_says_so_not_nan():
    down = run_checkout(n_orders=20, faults={"payment": Faults.outage(0, math.inf)})
    assert down.describe() == "sync: no order confirmed of 20 (20 failed), so no user wait to show"
    declined = run_checkout("async", n_orders=20, decline_rate=1.0)
    assert "no order confirmed of 20 (20 declined)" in declined.describe()
    assert "nan" not in run_checkout(n_orders=5, max_events=3).describe()


def test_a_horizon_too_long_blames_what_the_learner_set():
    with pytest.raises(ValueError) as info:
        run_checkout(arrival_rate=0.001, n_orders=10_000)
    message = str(info.value)
    assert message.startswith("n_orders = 10000 is not allowed at arrival_rate = 0.001")
    assert "horizon_ms" not in message and "30 days" in message
    # orders that arrive within 30 days, but not with the drain after them: drain_ms is named
    last = arrivals.poisson_arrivals(World(0).rng("arrivals"), 0.001, 3000)
    n = int(np.searchsorted(last, 2.592e9 - 3.6e7 / 2)) + 1  # the last one within 30 days
    with pytest.raises(ValueError, match=r"^drain_ms = 3.6e\+07 is not allowed with n_orders"):
        run_checkout(arrival_rate=0.001, n_orders=n, drain_ms=3.6e7)
    assert run_checkout(arrival_rate=0.001, n_orders=n, drain_ms=0, max_events=50).balanced
