"""Scenarios: one story each, built from the kit's layers.

* :mod:`~servicelab.scenarios.checkout` — the card's example, the checkout
  of Order → Payment → Inventory → Email (→ Analytics), sync or async.
"""

from .checkout import CheckoutConfig, CheckoutResult, run_both, run_checkout

__all__ = ["CheckoutConfig", "CheckoutResult", "run_checkout", "run_both"]
