"""Retry policies of the retry-storm story: a :class:`~servicelab.sync.Retry` and a budget.

A client retries by its :class:`Policy`: how many tries, how long to back off,
how much jitter (the :class:`~servicelab.sync.Retry`), and optionally a
*retry budget*, a token bucket shared by the clients as in gRPC and the AWS
SDKs. :data:`POLICIES` are the ones lesson 03 compares.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _check
from ..sync import Retry
from . import _checks as checks
from ._base import Checked

__all__ = ["Policy", "POLICIES", "as_policy", "as_policies"]


@dataclass(frozen=True)
class Policy(Checked):
    """A client's retry policy: a :class:`Retry` and an optional retry budget.

    ``budget`` is how many retries the clients may make per original request
    on average (0.1: one retry per ten requests), ``None`` for no limit. The
    clients share a bucket of at most ``burst`` tokens, as the users of one
    client library do: each new request adds ``budget`` tokens, each retry
    spends one, and with less than one token left a failed request is not
    retried.
    """

    label: str
    retry: Retry
    budget: float | None = None
    burst: float = 10.0

    CHECKS = {
        "label": checks.text(),
        "retry": checks.instance(Retry, "a Retry policy"),
        "budget": checks.optional(checks.number(low=0.0, high=100.0)),
        "burst": checks.number(low=0.0, high=1e6),
    }


#: the policies the lesson compares
POLICIES = {
    "none": Policy("no retries", Retry(attempts=1)),
    "naive": Policy("naive: 4 tries, no wait", Retry(attempts=4, backoff_ms=0.0)),
    "backoff": Policy(
        "backoff + jitter, 4 tries", Retry(attempts=4, backoff_ms=200.0, multiplier=2.0, jitter=1.0)
    ),
    "budget": Policy(
        "backoff + jitter + 10% budget",
        Retry(attempts=4, backoff_ms=200.0, multiplier=2.0, jitter=1.0),
        budget=0.1,
    ),
}


def as_policy(name: str, value) -> Policy:
    """The check of ``policy``: a Policy, the name of one of POLICIES, or a Retry."""
    if isinstance(value, Policy):
        return value
    if isinstance(value, str) and value in POLICIES:
        return POLICIES[value]
    if isinstance(value, Retry):
        return Policy(f"{value.attempts} tries", value)
    listed = ", ".join(repr(k) for k in POLICIES)
    raise _check.fail(name, value, f"one of {listed}, a Policy or a Retry")


def as_policies(name: str, value) -> tuple:
    """The check of ``run_policies``' policies: one policy, or a list of 1 to len(POLICIES)."""
    if isinstance(value, (str, Policy, Retry)):
        value = (value,)
    most = len(POLICIES)
    what = f"a policy or a list of 1 to {most} (names from {tuple(POLICIES)}, Policy or Retry)"
    try:
        policies = tuple(value)
    except TypeError:
        raise _check.fail(name, value, what) from None
    if not 1 <= len(policies) <= most:
        raise _check.fail(name, value, what)
    for p in policies:
        as_policy("policy", p)
    return policies
