"""servicelab.theory: its closed forms, and simulations built from the kit that agree with them.

Part 1 checks the formulas against hand-computed and textbook values.

Part 2 simulates M/M/1 and M/M/4 queues with the kit's own layers (a World, one Service with
Exponential(10 ms) latency and c workers, Poisson arrivals from ``world.rng("arrivals")``, each
customer a process doing ``yield from service.handle(i)``) and holds the results against
:func:`theory.mmc`:

=======  =====  =========  ====  ==========================================
servers  ρ      customers  seed  simulated time
=======  =====  =========  ====  ==========================================
1        0.5    100,000    11    2.0e6 ms  (λ = 0.05 / ms)
1        0.8    400,000    12    5.0e6 ms  (λ = 0.08 / ms)
4        0.5    100,000    13    0.5e6 ms  (λ = 0.20 / ms)
4        0.8    400,000    14    1.25e6 ms (λ = 0.32 / ms)
=======  =====  =========  ====  ==========================================

A customer's wait (arrival to getting a worker) is its response time minus its service demand,
the keyed draw ``service.demand(i)`` that the Service used. The first 5,000 customers of each
run are a warm-up and are not measured: the slowest case (M/M/1 at ρ = 0.8) relaxes in about
1 / (μ (1 − √ρ)²) ≈ 90 service times, some 70 arrivals, so the empty start is long forgotten.
Standard errors come from 20 batch means (contiguous batches of customers; equal slices of time
for the number in system). Relative bounds come from the spread of each estimate across 24
other seeds (1000–1023), measured once offline: see ``Case`` and ``REL_BOUND_IN_SPREADS``.

The four simulations (1M customers) take about 13 s together at ~80k customers/s on one core
of the machine these tests were written on (~20 s at 50k/s); each is run once and shared by
the tests that read it.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicelab import theory
from servicelab.latency import Exponential
from servicelab.records import Sampler
from servicelab.service import Service
from servicelab.world import World

# ---------------------------------------------------------------------------------------------
# Part 1 — the closed forms
# ---------------------------------------------------------------------------------------------


def erlang_c_by_sums(c: int, a: float) -> float:
    """Erlang C from its textbook definition (the sums), independent of theory.erlang_c."""
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail)


class TestChainAvailability:
    def test_four_links_of_99_percent(self):
        assert theory.chain_availability(0.99, 0.99, 0.99, 0.99) == pytest.approx(0.99**4)
        assert theory.chain_availability(0.99, 0.99, 0.99, 0.99) == pytest.approx(0.961, abs=5e-4)

    def test_a_list_a_tuple_or_a_generator_is_the_same_as_arguments(self):
        links = [0.999, 0.99, 0.95]
        expected = 0.999 * 0.99 * 0.95
        assert theory.chain_availability(*links) == pytest.approx(expected)
        assert theory.chain_availability(links) == pytest.approx(expected)
        assert theory.chain_availability(tuple(links)) == pytest.approx(expected)
        assert theory.chain_availability(a for a in links) == pytest.approx(expected)
        assert theory.chain_availability(np.array(links)) == pytest.approx(expected)

    def test_one_link_and_the_edges(self):
        assert theory.chain_availability(0.9) == 0.9
        assert theory.chain_availability(1) == 1.0
        assert theory.chain_availability(1.0, 1.0) == 1.0
        assert theory.chain_availability(0.5, 0.0, 0.5) == 0.0

    @pytest.mark.parametrize("links", [(), ([],)])
    def test_no_links_is_refused(self, links):
        with pytest.raises(ValueError, match=r"^availabilities = \(\) is not allowed"):
            theory.chain_availability(*links)

    @pytest.mark.parametrize("bad", [1.5, -0.1, float("nan"), float("inf"), True, "0.9"])
    def test_a_bad_link_is_refused_by_its_position(self, bad):
        with pytest.raises(ValueError, match=r"^availabilities\[2\] = .* is not allowed"):
            theory.chain_availability(0.9, 0.9, bad)

    def test_a_bad_link_in_a_list_is_refused_by_its_position(self):
        with pytest.raises(ValueError, match=r"^availabilities\[1\] = 1\.01 is not allowed"):
            theory.chain_availability([0.9, 1.01])

    @pytest.mark.parametrize("value", [np.float32(0.5), Fraction(1, 2)])
    def test_a_lone_real_number_of_another_type_is_accepted(self, value):
        assert theory.chain_availability(value) == pytest.approx(0.5)

    def test_none_is_refused_with_a_value_error(self):
        with pytest.raises(ValueError, match="availabilities"):
            theory.chain_availability(None)


class TestErlangC:
    @pytest.mark.parametrize("rho", [0.0, 0.1, 0.5, 0.8, 0.99])
    def test_one_server_waits_with_probability_rho(self, rho):
        assert theory.erlang_c(1, rho) == pytest.approx(rho, abs=1e-15)

    def test_textbook_two_servers_one_erlang(self):
        # M/M/2 at a = 1: Erlang B(2, 1) = (1/2) / (1 + 1 + 1/2) = 1/5, C = B / (1 − ρ + ρB) = 1/3
        assert theory.erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)

    def test_ten_servers_eight_erlangs(self):
        # 0.40918... from the sums; the classic call-centre table value is 0.409
        assert theory.erlang_c(10, 8.0) == pytest.approx(0.4091801507964, rel=1e-12)

    @pytest.mark.parametrize(
        ("c", "a"), [(2, 1.5), (3, 0.3), (4, 3.2), (7, 6.9), (20, 15.0), (50, 49.0)]
    )
    def test_agrees_with_the_definition_by_sums(self, c, a):
        assert theory.erlang_c(c, a) == pytest.approx(erlang_c_by_sums(c, a), rel=1e-12)

    def test_no_load_no_wait_and_more_load_more_wait(self):
        assert theory.erlang_c(5, 0.0) == 0.0
        loads = np.linspace(0.0, 4.99, 200)
        p = [theory.erlang_c(5, a) for a in loads]
        assert all(0.0 <= x <= 1.0 for x in p)
        assert all(x < y for x, y in zip(p[:-1], p[1:], strict=True))
        assert p[-1] > 0.99

    def test_large_pools_stay_finite(self):
        assert 0.0 < theory.erlang_c(1000, 990.0) < 1.0
        assert 0.0 < theory.erlang_c(100_000, 99_000.0) < 1.0

    @pytest.mark.parametrize(
        ("c", "a", "message"),
        [
            (0, 0.5, r"^servers = 0 is not allowed: servers must be a whole number ≥ 1"),
            (2.5, 0.5, r"^servers = 2\.5 is not allowed"),
            (2, 2.0, r"^offered_load = 2\.0 is not allowed: offered_load must be .*< 2"),
            (2, -0.1, r"^offered_load = -0\.1 is not allowed"),
            (2, float("nan"), r"^offered_load = nan is not allowed"),
        ],
    )
    def test_refuses_bad_arguments_by_name(self, c, a, message):
        with pytest.raises(ValueError, match=message):
            theory.erlang_c(c, a)


class TestQueues:
    def test_mm1_by_hand(self):
        # λ = 0.08 / ms, mean service 10 ms: ρ = 0.8, wait = ρ / (μ − λ) = 0.8 / 0.02 = 40 ms
        q = theory.mm1(0.08, 0.1)
        assert q.utilization == pytest.approx(0.8)
        assert q.p_wait == pytest.approx(0.8)
        assert q.wait == pytest.approx(40.0)
        assert q.response == pytest.approx(50.0)
        assert q.in_queue == pytest.approx(0.8**2 / 0.2)  # ρ² / (1 − ρ)
        assert q.in_system == pytest.approx(0.8 / 0.2)  # ρ / (1 − ρ)

    @pytest.mark.parametrize(("lam", "mu"), [(0.0, 1.0), (0.05, 0.1), (0.3, 0.5), (9.99, 10.0)])
    def test_mm1_wait_is_rho_over_mu_minus_lambda(self, lam, mu):
        rho = lam / mu
        q = theory.mm1(lam, mu)
        assert q.wait == pytest.approx(rho / (mu - lam), rel=1e-12, abs=1e-15)
        assert q.response == pytest.approx(1 / (mu - lam), rel=1e-12)

    @given(
        lam=st.floats(0.0, 100.0),
        mu=st.floats(0.01, 100.0),
    )
    def test_mmc_with_one_server_is_mm1(self, lam, mu):
        if lam >= mu:
            lam = mu * 0.999
        assert theory.mmc(lam, mu, 1) == theory.mm1(lam, mu)
        expected_wait = (lam / mu) / (mu - lam)
        assert theory.mmc(lam, mu, 1).wait == pytest.approx(expected_wait, rel=1e-9, abs=1e-300)

    def test_textbook_mm2(self):
        # M/M/2 with λ = μ = 1 (ρ = 1/2): L_q = 2ρ³ / (1 − ρ²) = 1/3, W_q = L_q / λ = 1/3
        q = theory.mmc(1.0, 1.0, 2)
        assert q.p_wait == pytest.approx(1 / 3)
        assert q.wait == pytest.approx(1 / 3)
        assert q.in_queue == pytest.approx(1 / 3)
        assert q.response == pytest.approx(4 / 3)

    @given(
        servers=st.integers(1, 200),
        rho=st.floats(0.0, 0.999),
        mu=st.floats(1e-3, 1e3),
    )
    def test_littles_law_and_friends_hold_inside_the_metrics(self, servers, rho, mu):
        lam = rho * servers * mu
        q = theory.mmc(lam, mu, servers)
        assert q.in_system == pytest.approx(lam * q.response, rel=1e-12, abs=1e-300)
        assert q.in_queue == pytest.approx(lam * q.wait, rel=1e-12, abs=1e-300)
        assert q.response == pytest.approx(q.wait + 1 / mu, rel=1e-12)
        assert q.utilization == pytest.approx(rho, rel=1e-12, abs=1e-300)
        assert 0.0 <= q.p_wait <= 1.0
        assert q.in_system == pytest.approx(theory.littles_law(lam, q.response), rel=1e-12)

    def test_no_arrivals_no_wait(self):
        q = theory.mmc(0.0, 0.1, 3)
        assert (q.utilization, q.p_wait, q.wait, q.in_queue, q.in_system) == (0, 0, 0, 0, 0)
        assert q.response == pytest.approx(10.0)

    def test_more_servers_at_the_same_utilization_wait_less(self):
        waits = [theory.mmc(0.08 * c, 0.1, c).wait for c in (1, 2, 4, 8, 16)]
        assert all(x > y for x, y in zip(waits[:-1], waits[1:], strict=True))

    @pytest.mark.parametrize(
        ("lam", "mu", "c", "limit"),
        [(0.1, 0.1, 1, "0.1"), (0.5, 0.1, 4, "0.4"), (0.4, 0.1, 4, "0.4"), (30.0, 2.5, 12, "30")],
    )
    def test_unstable_queue_is_refused_naming_arrival_rate_and_the_limit(self, lam, mu, c, limit):
        with pytest.raises(ValueError) as caught:
            theory.mmc(lam, mu, c)
        message = str(caught.value)
        assert message.startswith(f"arrival_rate = {lam:g} is not allowed")
        assert re.search(rf"< {re.escape(limit)}\b", message), message

    def test_a_rate_that_rounds_to_the_limit_is_refused_naming_arrival_rate(self):
        mu, c = 1.3983181038818222, 19
        lam = math.nextafter(c * mu, 0.0)  # just below c·μ, but lam / mu == 19.0 exactly
        assert lam < c * mu and lam / mu == c
        with pytest.raises(ValueError, match="^arrival_rate"):
            theory.mmc(lam, mu, c)

    def test_unstable_mm1_is_refused_too(self):
        with pytest.raises(ValueError, match=r"^arrival_rate = 0\.2 is not allowed.*< 0\.1\b"):
            theory.mm1(0.2, 0.1)

    @pytest.mark.parametrize(
        ("args", "name"),
        [
            ((-0.1, 1.0, 1), "arrival_rate"),
            ((float("inf"), 1.0, 1), "arrival_rate"),
            ((0.1, 0.0, 1), "service_rate"),
            ((0.1, -1.0, 1), "service_rate"),
            ((0.1, 1.0, 0), "servers"),
            ((0.1, 1.0, 1.5), "servers"),
        ],
    )
    def test_refuses_bad_arguments_by_name(self, args, name):
        with pytest.raises(ValueError, match=rf"^{name} = .* is not allowed: {name} must be"):
            theory.mmc(*args)

    def test_littles_law_function(self):
        assert theory.littles_law(0.08, 50.0) == pytest.approx(4.0)
        assert theory.littles_law(0.0, 50.0) == 0.0
        with pytest.raises(ValueError, match=r"^arrival_rate = -1"):
            theory.littles_law(-1, 5.0)
        with pytest.raises(ValueError, match=r"^time_in_system = -5"):
            theory.littles_law(1, -5.0)


# ---------------------------------------------------------------------------------------------
# Part 2 — simulations agree with the closed forms
# ---------------------------------------------------------------------------------------------

MEAN_MS = 10.0  # mean service time: μ = 0.1 per ms
WARMUP = 5_000  # customers discarded at the start of each run
BATCHES = 20
#: The run goes on this long after the last arrival so that every customer has left: at ρ = 0.8
#: with one server a response time is Exponential(mean 50 ms); P(one > 10 s) = e^−200.
DRAIN_MS = 1_000 * MEAN_MS
SAMPLES_PER_ARRIVAL = 0.4  # the Sampler looks every 2.5 mean interarrival times


@dataclass(frozen=True)
class Case:
    """One simulated queue, with the spread of its estimates across independent seeds.

    ``spread`` holds, for each measured quantity, the standard deviation of its estimate
    between independent runs of this same case (same size, warm-up and batches), relative to
    the theoretical value. It was measured once, offline, over 24 seeds (1000–1023); the test
    runs use other seeds. It sets the relative bounds (see ``REL_BOUND_IN_SPREADS``).
    """

    servers: int
    rho: float
    customers: int
    seed: int
    spread: dict = field(compare=False, hash=False)

    @property
    def arrival_rate(self) -> float:
        return self.rho * self.servers / MEAN_MS

    @property
    def expected(self) -> theory.QueueMetrics:
        return theory.mmc(self.arrival_rate, 1 / MEAN_MS, self.servers)

    def __str__(self):
        return f"M/M/{self.servers} rho={self.rho}"


def spread(wait, response, p_wait, in_system):
    return {"wait": wait, "response": response, "p_wait": p_wait, "in_system": in_system}


CASES = [
    Case(1, 0.5, 100_000, 11, spread(0.017, 0.0096, 0.0056, 0.010)),
    Case(1, 0.8, 400_000, 12, spread(0.019, 0.015, 0.0023, 0.016)),
    Case(4, 0.5, 100_000, 13, spread(0.033, 0.0046, 0.015, 0.0057)),
    Case(4, 0.8, 400_000, 14, spread(0.024, 0.011, 0.0059, 0.012)),
]

#: A simulated mean must be within 4 batch-means standard errors of theory AND within this many
#: between-seed spreads (relative, see Case). Four standard errors alone would pass anything if
#: a run's batch-means SE came out inflated (a broken or wildly autocorrelated simulation); the
#: spread was measured independently of the run under test, so the relative bound cannot widen
#: with it. Five spreads is a little looser than four SEs because the batch-means SE of one run
#: is itself uncertain (20 batches: ±16 %) and the spreads come from only 24 seeds (±15 %).
REL_BOUND_IN_SPREADS = 5.0


@dataclass
class QueueRun:
    arrival: np.ndarray  # ms, per customer in arrival order
    departure: np.ndarray
    demand: np.ndarray  # the service time the customer got (its keyed draw)
    sample_t: np.ndarray  # Sampler: times and number in system
    sample_n: np.ndarray
    stop_reason: str
    received: int

    @property
    def response(self) -> np.ndarray:
        return (self.departure - self.arrival)[WARMUP:]

    @property
    def wait(self) -> np.ndarray:
        # Time from arrival to getting a worker: the rest of the response is the keyed demand.
        return self.response - self.demand[WARMUP:]

    @property
    def window(self) -> tuple[float, float]:
        """Measured stretch of time: from the first measured arrival to the last arrival."""
        return float(self.arrival[WARMUP]), float(self.arrival[-1])


def simulate_mmc(servers: int, rho: float, customers: int, seed: int) -> QueueRun:
    """Poisson arrivals to one Service with Exponential(MEAN_MS) latency and ``servers`` workers."""
    lam = rho * servers / MEAN_MS
    # The arrival stream depends only on the seed and its name, so a scratch World tells us
    # when the last customer arrives, and so the horizon, before the real one is built.
    last_arrival = float(World(seed=seed).rng("arrivals").exponential(1 / lam, customers).sum())
    world = World(
        seed=seed,
        horizon_ms=last_arrival + DRAIN_MS,
        max_events=10 * customers + 1_000_000,
    )
    gaps = world.rng("arrivals").exponential(1 / lam, customers)
    service = Service(world, "server", Exponential(MEAN_MS), workers=servers)
    env = world.env
    arrival = np.full(customers, np.nan)
    departure = np.full(customers, np.nan)

    def customer(i):
        arrival[i] = env.now
        yield from service.handle(i)
        departure[i] = env.now

    def source():
        for i, gap in enumerate(gaps.tolist()):
            yield env.timeout(gap)
            world.process(customer(i))

    world.process(source())
    pool = service.pool
    in_system = {"n": lambda: pool.count + len(pool.queue)}
    sampler = Sampler(world, 1 / (SAMPLES_PER_ARRIVAL * lam), in_system)
    stop_reason = world.run()
    series = sampler.series()["n"]
    return QueueRun(
        arrival=arrival,
        departure=departure,
        demand=np.array([service.demand(i) for i in range(customers)]),
        sample_t=series.t_ms,
        sample_n=series.values,
        stop_reason=stop_reason,
        received=service.received,
    )


@functools.cache
def run_case(case: Case) -> QueueRun:
    return simulate_mmc(case.servers, case.rho, case.customers, case.seed)


def area_under_number_in_system(arrival, departure):
    """Breakpoints t and ∫₀ᵗ N(s) ds at them, N = customers in the system (exact, piecewise)."""
    times = np.concatenate([arrival, departure])
    steps = np.concatenate([np.ones(arrival.size), -np.ones(departure.size)])
    order = np.argsort(times, kind="stable")
    t = times[order]
    n = np.cumsum(steps[order])  # in the system just after t[k]
    area = np.concatenate([[0.0], np.cumsum(n[:-1] * np.diff(t))])
    return t, area


def time_average_in_system(run: QueueRun, start: float, end: float) -> float:
    t, area = area_under_number_in_system(run.arrival, run.departure)
    a0, a1 = np.interp([start, end], t, area)  # exact: the area is linear between breakpoints
    return (a1 - a0) / (end - start)


def batch_means(values: np.ndarray) -> tuple[float, float]:
    """Mean of ``values`` and its standard error from BATCHES contiguous batches."""
    size = values.size // BATCHES
    means = values[: size * BATCHES].reshape(BATCHES, size).mean(axis=1)
    return float(means.mean()), float(means.std(ddof=1) / math.sqrt(BATCHES))


def time_batch_means(run: QueueRun) -> tuple[float, float]:
    """Time-average number in system over the window, and its SE from BATCHES slices of time."""
    start, end = run.window
    edges = np.linspace(start, end, BATCHES + 1)
    t, area = area_under_number_in_system(run.arrival, run.departure)
    means = np.diff(np.interp(edges, t, area)) / np.diff(edges)
    return float(means.mean()), float(means.std(ddof=1) / math.sqrt(BATCHES))


def estimate(run: QueueRun, quantity: str) -> tuple[float, float]:
    """The simulated value of ``quantity`` (a QueueMetrics field) and its standard error."""
    if quantity == "wait":
        return batch_means(run.wait)
    if quantity == "response":
        return batch_means(run.response)
    if quantity == "p_wait":
        return batch_means((run.wait > 1e-6).astype(float))  # exact zero up to rounding
    if quantity == "in_system":
        return time_batch_means(run)
    raise AssertionError(quantity)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=str)
def test_simulation_ran_to_the_end(case):
    run = run_case(case)
    assert run.stop_reason == "horizon"
    assert run.received == case.customers
    assert not np.isnan(run.departure).any(), "a customer was still in the system"
    assert (run.wait > -1e-6).all()
    # arrivals: as many per ms as asked (a Poisson count: SE = √n / T)
    start, end = run.window
    n = case.customers - WARMUP - 1
    assert abs(n / (end - start) / case.arrival_rate - 1) < 4 / math.sqrt(n)


@pytest.mark.slow
@pytest.mark.parametrize("quantity", ["wait", "response", "p_wait", "in_system"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_simulation_agrees_with_theory(case, quantity):
    run = run_case(case)
    expected = getattr(case.expected, quantity)
    sim, se = estimate(run, quantity)
    rel_bound = REL_BOUND_IN_SPREADS * case.spread[quantity]
    report = (
        f"{case} {quantity}: sim {sim:.4f} ± {se:.4f} (SE), theory {expected:.4f}, "
        f"{(sim - expected) / se:+.2f} SE, {sim / expected - 1:+.2%} (bound ±{rel_bound:.1%})"
    )
    assert abs(sim - expected) < 4 * se, report
    assert abs(sim / expected - 1) < rel_bound, report


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=str)
def test_littles_law_holds_in_simulation(case):
    """L = λW on the simulated path: time-average number in system = arrival rate × response."""
    run = run_case(case)
    start, end = run.window
    in_window = run.arrival.size - WARMUP  # customers who arrive in [start, end]
    lam_w = in_window / (end - start) * run.response.mean()
    exact = time_average_in_system(run, start, end)
    # The two differ only by edge effects: the time inside the window of the few customers in
    # the system at its start (counted in L, not in W) against the time beyond its end of those
    # in the system at its end (in W, not in L). About L × response / window ≈ 1e-4 here.
    assert exact == pytest.approx(lam_w, rel=1e-3)
    # The kit's Sampler looks at the same path now and then; its average differs from the exact
    # one only by where the samples fall, an error smaller than the samples' own standard error.
    samples = run.sample_n[(run.sample_t >= start) & (run.sample_t < end)]
    assert samples.size > 0.9 * SAMPLES_PER_ARRIVAL * in_window
    sampled, se = batch_means(samples)
    assert abs(sampled - exact) < 4 * se, f"sampled {sampled:.4f} ± {se:.4f}, exact {exact:.4f}"
