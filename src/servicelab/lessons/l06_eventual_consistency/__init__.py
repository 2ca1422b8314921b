"""Lesson 06 · Eventual consistency: how stale a read can be, and what overselling costs.

Parts:

* ``analysis`` — readings shared by figures, panels and prose: the stock's lag
  after an async checkout and P(stale | a read t after "confirmed") against
  the M/M/c theory; the last items' sale: sold, oversold, apologies, "pending",
  the reservation's wait; items promised over time;
* ``figures`` — the lag's distribution, P(stale) against the read time, P(stale)
  against the consumers' headroom, and the last items promised over time;
* ``panels`` — ``stale_reads`` (consumers, update time, orders/s and the read
  time against P(stale)) and ``last_items`` (items, buyers/s, consumers,
  remedy, an outage against oversold, apologies and waits);
* ``exercises`` — the questions of its exercise notebook.

The stories are :mod:`servicelab.scenarios.stale_reads` (the checkout, read
for its stock's lag) and :mod:`servicelab.scenarios.last_items`.
"""
