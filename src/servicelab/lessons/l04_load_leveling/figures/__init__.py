"""Lesson 04's figures: a flash sale, absorbed by a queue or turned away at the door.

Each function draws on a given matplotlib ``ax`` (or makes a figure), attaches
its alt text and returns the ``ax``. *Sync* is vermillion and *async* blue, as
everywhere in the kit; the sale is shaded grey, theory is a grey dashed line.
Titles state the takeaway, with numbers from :mod:`.analysis`.

* :func:`sale_rates` — orders arriving per second against orders processed per
  second: the arrivals spike, the workers keep a steady pace (C21);
* :func:`door_outcomes` — what users were told: accepted, refused, timed out (C16);
* :func:`backlog_drain` — orders waiting in the queue, against the theory's curve,
  and the drain time against B / (cμ − λ) (C27);
* :func:`fulfilment_wait` — the price: how long an order waited to be processed,
  by when it arrived, against "the orders ahead of it ÷ capacity";
* :func:`user_waits` — how long users waited for an answer, and (async) for their
  order to be processed, run by run;
* :func:`consumers_throughput` — throughput by number of competing consumers, until
  the shared database caps it (C20).
"""

from .door import door_outcomes, sale_rates, user_waits
from .queue import backlog_drain, consumers_throughput, fulfilment_wait

__all__ = [
    "sale_rates",
    "door_outcomes",
    "backlog_drain",
    "fulfilment_wait",
    "user_waits",
    "consumers_throughput",
]
