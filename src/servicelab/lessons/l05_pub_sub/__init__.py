"""Lesson 05 · Pub/sub: one OrderCreated event, many subscribers, and what that costs.

Parts:

* ``analysis`` — readings shared by figures, panels, prose and exercises: the
  Order service's code in each design, the caller's wait and availability by
  number of subscribers (with the closed forms), identical waits under common
  random numbers, every subscriber's deliveries and lag, one order traced by
  its correlation id, what a late subscriber missed;
* ``figures`` — the cost of a fan-out by number of subscribers, each
  subscriber's lag when one is slow, when each subscriber saw a few orders;
* ``panels`` — ``add_subscribers`` and ``slow_subscriber``, each a
  :class:`~servicelab.ui.live.LessonFrame`;
* ``exercises`` — the questions of its exercise notebook.

The story is :mod:`servicelab.scenarios.pubsub`.
"""
