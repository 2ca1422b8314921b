"""Lesson 04 · Load leveling: a queue absorbs a flash sale's burst, and what that costs.

Parts:

* ``analysis`` — readings shared by figures, panels and prose: the sale's
  backlog and its drain against B / (cμ − λ), the theory's backlog curve,
  each order's wait for fulfilment, Little's law on the backlog, what users
  see at the door, throughput by number of consumers, the panels' seed;
* ``figures`` — the lesson's figures (arrivals against the steady processing
  rate, users' outcomes at the door, the backlog and its drain, the wait for
  fulfilment, throughput by number of consumers);
* ``panels`` — a package, one module per panel (``flash_sale``,
  ``front_door``, ``competing_consumers``), each a
  :class:`~servicelab.ui.live.LessonFrame`;
* ``exercises`` — the questions of its exercise notebook.

The story is :mod:`servicelab.scenarios.flash_sale`.
"""
