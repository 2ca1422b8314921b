"""Lesson 02's readings: can the checkout keep up at these latencies, and how busy is it?

A service needs ``rate × mean latency`` busy workers on average (Little's
law). When that reaches all its workers (utilisation ρ ≥ 1) its queue grows
without end and there is no steady wait. Which services a user waits for
depends on the style:

* **sync** — the user waits for the whole chain, so a sync Order worker is
  held for it, and every service of the chain must keep up;
* **async** — the user waits for Order, Payment and the publish only;
  Inventory and Email consume their queues later, so if one of them cannot
  keep up, users stay fast while its backlog (and its delay) grows.

:func:`needs` gives every service's busy workers in a style,
:func:`overloaded` those at or over capacity, :func:`refusal` the sentence
for a style that cannot be shown, and :func:`capacity_note` a note for a
service at least :data:`BUSY_NOTE` busy (stable, but its waits grow steeply);
:func:`falling_behind` and :func:`behind_sentence` read, from an async run,
how a service that cannot keep up falls behind (its delay climbing, its work
unsent at the end).
"""

from __future__ import annotations

import math

import numpy as np

from ...scenarios.checkout import DEFAULT_LATENCY, DEFAULT_WORKERS, CheckoutConfig
from ...ui.panel import Impossible

__all__ = [
    "BUSY_NOTE",
    "DOWNSTREAM_WORK",
    "article",
    "needs",
    "overloaded",
    "refusal",
    "capacity_note",
    "falling_behind",
    "behind_sentence",
]

#: a service at least this busy (a share of its workers) gets a note: its waits grow steeply
BUSY_NOTE = 0.9
#: what each downstream service's work is, for the sentences
DOWNSTREAM_WORK = {"inventory": ("stock update", "stock updates"), "email": ("email", "emails")}

_DEFAULT = CheckoutConfig()


def article(name: str) -> str:
    """The article before ``name``: "an Email worker", "a Payment worker"."""
    return "an" if name[:1].lower() in "aeiou" else "a"


def _hold_ms(means_ms: dict[str, float], style: str) -> float:
    """How long an Order worker is held by an order that is not declined, in ms."""
    own = DEFAULT_LATENCY["order"].mean_ms + means_ms["payment"]
    if style == "sync":
        return own + sum(ms for name, ms in means_ms.items() if name != "payment")
    return own + _DEFAULT.publish_ms.mean_ms


def needs(rate: float, means_ms: dict[str, float], style: str) -> dict[str, float]:
    """Busy workers each service needs on average in ``style`` (Little's law: λ × mean time).

    ``means_ms``: mean latency of Payment, Inventory and Email. Every order
    calls Payment; only the orders Payment does not decline (a share
    ``1 − decline_rate`` of the default config) reach Inventory and Email.
    """
    go_on = 1.0 - _DEFAULT.decline_rate
    declined_hold = DEFAULT_LATENCY["order"].mean_ms + means_ms["payment"]
    out = {
        "order": rate * (go_on * _hold_ms(means_ms, style) + (1 - go_on) * declined_hold) / 1000,
        "payment": rate * means_ms["payment"] / 1000,
    }
    for name in ("inventory", "email"):
        out[name] = rate * go_on * means_ms[name] / 1000
    return out


def overloaded(rate: float, means_ms: dict[str, float], style: str) -> dict[str, float]:
    """The services that need all their workers or more in ``style`` (ρ ≥ 1), with their needs."""
    return {
        name: busy
        for name, busy in needs(rate, means_ms, style).items()
        if busy >= DEFAULT_WORKERS[name]
    }


def refusal(rate: float, means_ms: dict[str, float], name: str, busy: float, style: str) -> str:
    """Why ``style`` has no steady wait: ``name`` needs ``busy`` workers, all it has or more."""
    hold = means_ms.get(name, _hold_ms(means_ms, style))
    label = name.capitalize()
    return (
        f"At {rate:g} orders/s, each holding {article(label)} {label} worker for "
        f"{hold:,.0f} ms on average, {label} would need {busy:.1f} busy workers, and it has "
        f"{DEFAULT_WORKERS[name]}: its queue would grow without end, so there is no steady "
        f"wait to show"
    )


def capacity_note(rate: float, means_ms: dict[str, float], style: str = "sync") -> str:
    """A note for the busiest service below capacity if it is at least ``BUSY_NOTE`` busy.

    Raises :class:`Impossible` if a service the user waits for in ``style``
    needs all its workers or more (for async: Order and Payment). Services at
    or over capacity that the user does not wait for are left out (the panel
    shows their backlog instead). Returns "" if no service is that busy.
    """
    over = overloaded(rate, means_ms, style)
    waited_for = over if style == "sync" else {n: b for n, b in over.items() if n in _PATH}
    if waited_for:  # a named service first: Order is full because of it
        name = min(waited_for, key=lambda n: n == "order")
        raise Impossible(
            f"{refusal(rate, means_ms, name, waited_for[name], style)}. "
            "Lower the rate or the latencies."
        )
    shares = {
        name: busy / DEFAULT_WORKERS[name]
        for name, busy in needs(rate, means_ms, style).items()
        if name not in over
    }
    if not shares:
        return ""
    name = max(shares, key=shares.get)
    if shares[name] < BUSY_NOTE:
        return ""
    label = f"Order ({style})" if name == "order" else name.capitalize()
    busy = math.floor(10 * shares[name] * DEFAULT_WORKERS[name]) / 10  # never "10.0 of its 10"
    return (
        f" Note: {label} is {math.floor(100 * shares[name])} % busy "
        f"({busy:.1f} of its {DEFAULT_WORKERS[name]} workers, on average): "
        f"waits grow steeply as a service nears 100 % busy."
    )


#: the services an async user waits for (besides the publish)
_PATH = ("order", "payment")


def falling_behind(result, service: str, busy: float, first: int = 50) -> dict:
    """How an async run's ``service`` fell behind: its delay climbing, its work unsent.

    ``busy``: the workers it needs (from :func:`needs`). Reads the delay from
    order to done (median, in s) of the first and the last ``first`` orders
    whose work was done, and counts the confirmed orders whose work was not
    done yet when the last order arrived, and when the run stopped.
    """
    done = result.task_done_ms[service]
    confirmed = result.outcome == "completed"
    last = float(result.arrival_ms[-1])
    delays = (done - result.arrival_ms)[confirmed & ~np.isnan(done)] / 1000
    return {
        "service": service,
        "busy": busy,
        "workers": DEFAULT_WORKERS[service],
        "delay_first_s": float(np.median(delays[:first])) if delays.size else math.nan,
        "delay_last_s": float(np.median(delays[-first:])) if delays.size else math.nan,
        "unsent_at_last": int(np.count_nonzero(confirmed & ~(done <= last))),
        "unsent_at_end": int(np.count_nonzero(confirmed & np.isnan(done))),
        "last_s": last / 1000,
    }


def behind_sentence(d: dict) -> str:
    """The sentence for :func:`falling_behind`'s numbers ``d``."""
    one, many = DOWNSTREAM_WORK[d["service"]]
    label = d["service"].capitalize()
    unsent = d["unsent_at_last"]
    return (
        f"{label} cannot keep up (it would need {d['busy']:.1f} busy workers of its "
        f"{d['workers']}): the {one} delay climbs from {d['delay_first_s']:,.1f} s for the "
        f"first orders to {d['delay_last_s']:,.1f} s for the last ones, and "
        f"{unsent:,} {one if unsent == 1 else many} {'was' if unsent == 1 else 'were'} still "
        f"unsent when the last order arrived at {d['last_s']:,.0f} s "
        f"({d['unsent_at_end']:,} when the run stopped)."
    )
