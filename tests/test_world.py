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
