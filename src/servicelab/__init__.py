"""servicelab — toy services simulated with simpy, for the *Async over Sync* kit.

Layers, bottom to top (nothing imports a layer above it):

1. :mod:`~servicelab.world` — the clock (ms), named random streams, limits
2. :mod:`~servicelab.latency`, :mod:`~servicelab.faults` — how long, what breaks
3. :mod:`~servicelab.service` — a service with a pool of workers
4. :mod:`~servicelab.sync`, :mod:`~servicelab.messaging` — the two ways to talk
5. :mod:`~servicelab.records` — percentiles, time series, accountings
6. :mod:`~servicelab.theory` — closed forms to check simulations against
7. :mod:`~servicelab.scenarios` — stories: the card's checkout, …
"""

from .faults import Faults, Outage, Slowdown
from .latency import Exponential, Fixed, LogNormal
from .messaging import Queue, Topic
from .records import Accounting, percentile, summarize
from .scenarios.checkout import CheckoutConfig, CheckoutResult, run_both, run_checkout
from .service import Service
from .sync import Retry, call
from .world import World

__version__ = "0.1.0"

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
]
