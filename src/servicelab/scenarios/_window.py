"""A run of ``duration_ms`` with one slowdown window: shared by the failure scenarios.

A scenario config with the fields ``duration_ms``, ``slowdown``,
``slow_start_ms`` and ``slow_ms`` validates them with :func:`check_window`,
and reads the window (clipped to the arrivals) and its faults from here.
"""

from __future__ import annotations

from .. import _check
from ..faults import HEALTHY, Faults


def check_window(config) -> None:
    """Validate (and store as floats) a frozen config's window fields."""
    s = object.__setattr__
    s(
        config,
        "duration_ms",
        _check.number("duration_ms", config.duration_ms, low=0.0, high=3.6e6, low_open=True),
    )
    s(config, "slowdown", _check.number("slowdown", config.slowdown, low=0.01, high=1000.0))
    s(config, "slow_start_ms", _check.number("slow_start_ms", config.slow_start_ms, low=0.0))
    s(config, "slow_ms", _check.number("slow_ms", config.slow_ms, low=0.0, allow_inf=True))


def window(config) -> tuple[float, float]:
    """The slowdown's (start, end) in ms, clipped to the run's arrivals."""
    start = min(config.slow_start_ms, config.duration_ms)
    return start, min(config.slow_start_ms + config.slow_ms, config.duration_ms)


def slowdown_faults(config) -> Faults:
    """The slowdown as a fault schedule (healthy if there is none)."""
    if config.slowdown == 1.0 or config.slow_ms == 0:
        return HEALTHY
    return Faults.slow(config.slowdown, config.slow_start_ms, config.slow_start_ms + config.slow_ms)
