"""Scenarios: one story each, built from the kit's layers.

* :mod:`~servicelab.scenarios.checkout` — the card's example, the checkout
  of Order → Payment → Inventory → Email (→ Analytics), sync or async, and
  sync done well (:data:`SYNC_DONE_WELL`); its config, its result and its
  sync calling strategies live in ``checkout_config``, ``checkout_result``
  and ``checkout_calls``;
* :mod:`~servicelab.scenarios.chain` — a sync chain and its tail;
* :mod:`~servicelab.scenarios.pubsub` — one OrderCreated event, many
  subscribers: a sync fan-out (one by one, or in parallel with timeouts)
  against pub/sub; slow, down and late subscribers;
* :mod:`~servicelab.scenarios.pool_exhaustion` — a slow dependency fills
  the caller's worker pool and fails requests that never needed it;
* :mod:`~servicelab.scenarios.retry_storm` — naive retries, backoff, retry
  budgets and a queue, when a service slows down;
* :mod:`~servicelab.scenarios.stale_reads` — the checkout read for its
  stock's lag: how stale a read is t after "confirmed";
* :mod:`~servicelab.scenarios.last_items` — the last items of a sale, checked
  against a stale view (async) or reserved in sync: overselling and its remedies.
"""

from .checkout import SYNC_DONE_WELL, CheckoutConfig, CheckoutResult, run_both, run_checkout
from .last_items import LastItemsConfig, LastItemsResult, run_last_items, run_last_items_both
from .pool_exhaustion import run_pool_both, run_pool_exhaustion
from .pubsub import PubSubConfig, PubSubResult, run_designs, run_pubsub
from .retry_storm import run_policies, run_retry_storm
from .stale_reads import run_stock_updates, run_stock_updates_both

__all__ = [
    "CheckoutConfig",
    "CheckoutResult",
    "SYNC_DONE_WELL",
    "run_checkout",
    "run_both",
    "run_pool_exhaustion",
    "run_pool_both",
    "PubSubConfig",
    "PubSubResult",
    "run_pubsub",
    "run_designs",
    "run_retry_storm",
    "run_policies",
    "run_stock_updates",
    "run_stock_updates_both",
    "LastItemsConfig",
    "LastItemsResult",
    "run_last_items",
    "run_last_items_both",
]
