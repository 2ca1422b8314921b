"""Scenarios: one story each, built from the kit's layers.

* :mod:`~servicelab.scenarios.checkout` — the card's example, the checkout
  of Order → Payment → Inventory → Email (→ Analytics), sync or async, and
  sync done well (:data:`SYNC_DONE_WELL`); its config, its result and its
  sync calling strategies live in ``checkout_config``, ``checkout_result``
  and ``checkout_calls``;
* :mod:`~servicelab.scenarios.chain` — a sync chain and its tail;
* :mod:`~servicelab.scenarios.pool_exhaustion` — a slow dependency fills
  the caller's worker pool and fails requests that never needed it;
* :mod:`~servicelab.scenarios.retry_storm` — naive retries, backoff, retry
  budgets and a queue, when a service slows down.
"""

from .checkout import SYNC_DONE_WELL, CheckoutConfig, CheckoutResult, run_both, run_checkout
from .pool_exhaustion import run_pool_both, run_pool_exhaustion
from .retry_storm import run_policies, run_retry_storm

__all__ = [
    "CheckoutConfig",
    "CheckoutResult",
    "SYNC_DONE_WELL",
    "run_checkout",
    "run_both",
    "run_pool_exhaustion",
    "run_pool_both",
    "run_retry_storm",
    "run_policies",
]
