"""servicelab — toy services simulated with simpy, for the *Async over Sync* kit.

Layers, bottom to top (nothing imports a layer above it):

* core —
  :mod:`~servicelab._check` (argument checks that speak to the learner),
  :mod:`~servicelab.world` (the clock in ms, named random streams, limits),
  :mod:`~servicelab.latency` and :mod:`~servicelab.faults` (how long, what breaks),
  :mod:`~servicelab.records` (percentiles, time series, accountings; it needs
  only the world),
  :mod:`~servicelab.service` (a service with a pool of workers),
  :mod:`~servicelab.sync` and :mod:`~servicelab.messaging` (the two ways to talk),
  :mod:`~servicelab.theory` (closed forms to check simulations against);
* domain — :mod:`~servicelab.card` (the card's rule and flowchart, as data) and
  :mod:`~servicelab.catalogue` (real interactions classified by it);
* :mod:`~servicelab.scenarios` — stories: the card's checkout, a chain, the
  failure stories of lesson 03;
* :mod:`~servicelab.ui` — the shared look: colours, axes, the panel and its
  live parts, the checkout's figures, text reports;
* :mod:`~servicelab.exercises` — the self-checking exercise engine;
* :mod:`~servicelab.lessons` — one slice per lesson (its figures, panels,
  analysis and exercises) and the registry ``LESSONS``;
* facades :mod:`~servicelab.plots` and :mod:`~servicelab.panels` — every
  figure and panel by name, gathered from the slices.

The names below are importable from here; the building blocks load at once,
the rest on first use (so ``import servicelab`` loads neither matplotlib nor
ipywidgets). A lesson imports everything it needs in one line, e.g.
``from servicelab import Faults, panels, plots, run_both``.
"""

from __future__ import annotations

import importlib

from .faults import Faults, Outage, Slowdown
from .latency import Exponential, Fixed, LogNormal
from .messaging import Queue, Topic
from .records import Accounting, percentile, summarize
from .scenarios.checkout import CheckoutConfig, CheckoutResult, run_both, run_checkout
from .service import Service
from .sync import Retry, call
from .world import World

__version__ = "0.1.0"

#: name → (module relative to servicelab, attribute or None for the module), loaded on first use
_LAZY: dict[str, tuple[str, str | None]] = {
    "card": ("card", None),
    "catalogue": ("catalogue", None),
    "theory": ("theory", None),
    "scenarios": ("scenarios", None),
    "lessons": ("lessons", None),
    "plots": ("plots", None),
    "panels": ("panels", None),
    "compare": ("ui.report", "compare"),
    "compare_guess": ("exercises.guess", "compare_guess"),
    "run_chain": ("scenarios.chain", "run_chain"),
    "SYNC_DONE_WELL": ("scenarios.checkout", "SYNC_DONE_WELL"),
    "CircuitBreaker": ("breaker", "CircuitBreaker"),
    "PoolConfig": ("scenarios.pool_exhaustion", "PoolConfig"),
    "run_pool_exhaustion": ("scenarios.pool_exhaustion", "run_pool_exhaustion"),
    "run_pool_both": ("scenarios.pool_exhaustion", "run_pool_both"),
    "POLICIES": ("scenarios.retry_storm", "POLICIES"),
    "StormConfig": ("scenarios.retry_storm", "StormConfig"),
    "run_retry_storm": ("scenarios.retry_storm", "run_retry_storm"),
    "run_policies": ("scenarios.retry_storm", "run_policies"),
    "outage_report": ("lessons.l03_cascading_failures.analysis", "outage_report"),
    "FlashSaleConfig": ("scenarios.flash_sale", "FlashSaleConfig"),
    "run_flash_sale": ("scenarios.flash_sale", "run_flash_sale"),
    "run_flash_sale_both": ("scenarios.flash_sale", "run_flash_sale_both"),
    "run_consumers": ("scenarios.flash_sale", "run_consumers"),
    "drain_report": ("lessons.l04_load_leveling.analysis", "drain_report"),
    "drain_numbers": ("lessons.l04_load_leveling.analysis", "drain_numbers"),
    "door_report": ("lessons.l04_load_leveling.analysis", "door_report"),
    "PubSubConfig": ("scenarios.pubsub", "PubSubConfig"),
    "run_pubsub": ("scenarios.pubsub", "run_pubsub"),
    "run_designs": ("scenarios.pubsub", "run_designs"),
    "caller_code": ("lessons.l05_pub_sub.analysis", "caller_code"),
    "fan_out_sweep": ("lessons.l05_pub_sub.analysis", "fan_out_sweep"),
    "fan_out_report": ("lessons.l05_pub_sub.analysis", "fan_out_report"),
    "same_waits": ("lessons.l05_pub_sub.analysis", "same_waits"),
    "deliveries_report": ("lessons.l05_pub_sub.analysis", "deliveries_report"),
    "trace_table": ("lessons.l05_pub_sub.analysis", "trace_table"),
    "missed_report": ("lessons.l05_pub_sub.analysis", "missed_report"),
    "flow_map": ("ui.flowmap", "flow_map"),
    "flow_story": ("ui.flowmap", "flow_story"),
    "explain_both": ("scenarios.causes", "explain_both"),
    "run_stock_updates": ("scenarios.stale_reads", "run_stock_updates"),
    "run_stock_updates_both": ("scenarios.stale_reads", "run_stock_updates_both"),
    "LastItemsConfig": ("scenarios.last_items", "LastItemsConfig"),
    "run_last_items": ("scenarios.last_items", "run_last_items"),
    "run_last_items_both": ("scenarios.last_items", "run_last_items_both"),
    "lag_numbers": ("lessons.l06_eventual_consistency.analysis", "lag_numbers"),
    "lag_report": ("lessons.l06_eventual_consistency.analysis", "lag_report"),
    "sale_numbers": ("lessons.l06_eventual_consistency.analysis", "sale_numbers"),
    "sale_report": ("lessons.l06_eventual_consistency.analysis", "sale_report"),
}

__all__ = [
    "World",
    "Fixed",
    "Exponential",
    "LogNormal",
    "Faults",
    "Outage",
    "Slowdown",
    "Service",
    "Retry",
    "call",
    "Queue",
    "Topic",
    "Accounting",
    "percentile",
    "summarize",
    "CheckoutConfig",
    "CheckoutResult",
    "run_checkout",
    "run_both",
    *_LAZY,
]


def __getattr__(name: str):
    """Load a name of :data:`_LAZY` on first use (PEP 562), then keep it."""
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    loaded = importlib.import_module(f"{__name__}.{module}")
    value = loaded if attribute is None else getattr(loaded, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
