"""Lesson 04's panels, load leveling, one module per panel.

* :func:`flash_sale` (:mod:`.sale`) — a sale brings several times the shop's
  capacity: the queue absorbs it, the workers keep their steady pace, and the
  backlog drains at the spare capacity (or never, if there is none);
* :func:`front_door` (:mod:`.door`) — what users see during the sale: a sync
  shop that makes them wait or sheds load, against a queue, unbounded or
  bounded (reject or block when full);
* :func:`competing_consumers` (:mod:`.consumers`) — more consumers process
  more orders, until the shared database caps them.

All three are :class:`~servicelab.ui.live.LessonFrame` panels whose every
moving part is live, run with
:data:`~servicelab.lessons.l04_load_leveling.analysis.SEED`.
"""

from .consumers import ConsumersPanel, competing_consumers
from .door import FrontDoorPanel, front_door
from .sale import FlashSalePanel, flash_sale

# the makers a notebook calls and their panel classes: the facade servicelab.panels shows them
__all__ = [
    "ConsumersPanel",
    "FlashSalePanel",
    "FrontDoorPanel",
    "competing_consumers",
    "flash_sale",
    "front_door",
]
