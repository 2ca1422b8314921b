"""The world: named random streams, keyed draws, and runs that always end."""

import numpy as np
import pytest

from servicelab import World


def test_streams_depend_on_seed_and_name_only():
    a, b = World(seed=3), World(seed=3)
    b.rng("other").random(100)  # using another stream first changes nothing
    np.testing.assert_array_equal(a.rng("arrivals").random(5), b.rng("arrivals").random(5))
    assert not np.array_equal(World(3).rng("x").random(5), World(3).rng("y").random(5))
    assert not np.array_equal(World(3).rng("x").random(5), World(4).rng("x").random(5))


def test_keyed_draws_do_not_depend_on_the_order_they_are_asked_in():
    forward = World(1).uniforms("u")
    backward = World(1).uniforms("u")
    keys = [0, 5, 2000, 17, 4096]
    first = [forward[k] for k in keys]
    second = [backward[k] for k in reversed(keys)][::-1]
    assert first == second


def test_run_stops_at_the_horizon():
    w = World(horizon_ms=1000)

    def ticker():
        while True:
            yield w.timeout(10)

    w.process(ticker())
    assert w.run() == "horizon"
    assert w.now <= 1000


def test_run_stops_when_nothing_is_left_to_do():
    w = World(horizon_ms=1000)

    def once():
        yield w.timeout(5)

    w.process(once())
    assert w.run() == "idle"
    assert w.now == 5


def test_event_budget_ends_a_run_that_would_never_end():
    w = World(horizon_ms=1000, max_events=500)

    def busy_loop():  # zero-delay events: the clock never moves
        while True:
            yield w.timeout(0)

    w.process(busy_loop())
    assert w.run() == "event budget"
    assert w.events == 500


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"horizon_ms": 0}, "horizon_ms"),
        ({"horizon_ms": float("nan")}, "horizon_ms"),
        ({"max_events": 0}, "max_events"),
    ],
)
def test_bad_settings_are_named(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} = "):
        World(**kwargs)


def test_the_budget_itself_is_bounded():
    from servicelab.world import MAX_EVENTS

    with pytest.raises(ValueError) as info:
        World(horizon_ms=2.592e9, max_events=10**9)  # with a 1 ms ticker: hours
    assert str(info.value) == (
        "max_events = 1000000000 is not allowed: max_events must be a whole number ≥ 1 and "
        f"≤ {MAX_EVENTS:,}."
    )
    w = World(horizon_ms=2.592e9, max_events=20_000)

    def ticker():
        while True:
            yield w.timeout(1)

    w.process(ticker())
    assert w.run() == "event budget" and w.events == 20_000


def test_a_run_restores_the_garbage_collectors_settings():
    import gc

    before = gc.get_threshold()
    w = World(horizon_ms=100)

    def broken():
        yield w.timeout(1)
        raise RuntimeError("a bug in a process")

    w.process(broken())
    with pytest.raises(RuntimeError):
        w.run()
    assert gc.get_threshold() == before


@pytest.mark.parametrize("key", [-1, 2.5, "a", True, None, float("inf"), 2**25])
def test_keyed_draws_refuse_a_key_that_is_not_a_whole_number_in_range(key):
    with pytest.raises(
        ValueError, match=r"^key = .* must be a whole number ≥ 0 and ≤ 33,554,431\.$"
    ):
        World(1).uniforms("u")[key]
