"""Lesson 03's panels, cascading failures, one module per story.

* :func:`availability` (:mod:`.availability`) — availabilities multiply along
  a sync chain; async users depend on Payment alone;
* :func:`outage` (:mod:`.outage`) — Inventory goes down: sync checkouts fail,
  async ones are accepted, backlogged and drained, none lost;
* :func:`pool_exhaustion` (:mod:`.pool`) — a slow Inventory fills the Order
  service's worker pool, so even requests that never call Inventory fail
  (sync), or not (async);
* :func:`retry_storm` (:mod:`.storm`) — naive retries multiply the load and
  keep the service down after the slowdown; backoff, jitter and a budget, or
  a queue, do not.

All four are :class:`~servicelab.ui.live.LessonFrame` panels: everything that
moves with the controls is a live artist, including the tick labels of axes
whose range follows the data (:class:`~servicelab.ui.live.LiveYScale`), so no
control ever makes the background be drawn again. They run with
:data:`~servicelab.lessons.l03_cascading_failures.analysis.SEED`, as the
notebook's cells do.
"""

from .availability import AvailabilityPanel, availability
from .outage import OutagePanel, outage
from .pool import PoolPanel, pool_exhaustion
from .storm import StormPanel, retry_storm

# the makers a notebook calls and their panel classes: the facade servicelab.panels shows them
__all__ = [
    "AvailabilityPanel",
    "OutagePanel",
    "PoolPanel",
    "StormPanel",
    "availability",
    "outage",
    "pool_exhaustion",
    "retry_storm",
]
