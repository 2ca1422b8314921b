"""Lesson 03's figures, cascading failures, one module per story, in the kit's look.

Each function draws on a given matplotlib ``ax`` (or makes a figure),
attaches an alt text with its key numbers and returns the ``ax``. *Sync* is
vermillion, solid and round-marked and *async* blue, dashed and square-marked,
as everywhere in the kit; a window in which a service is slow or down is
shaded grey. Axes carry units; titles state the takeaway, with numbers from
:mod:`..analysis`.

* :mod:`.availability` — :func:`availability_chain`: success of a checkout
  against the number of services it calls, the naive sync product line, sync
  done well (only the required calls, Payment × Inventory, multiply) and the
  async flat line;
* :mod:`.outage` — :func:`outage_figure`: orders confirmed over time and the
  async backlog, outages shaded;
* :mod:`.pool` — :func:`success_by_kind`, :func:`busy_workers` and both side
  by side, :func:`pool_figure`: a slow Inventory exhausts the Order workers;
* :mod:`.storm` — :func:`goodput_over_time`, :func:`load_over_time`,
  :func:`p99_over_time`, :func:`amplification_bars`, and one run per axes,
  :func:`storm_run`, as small multiples, :func:`storm_figure`: retry storms.
"""

from . import availability, outage, pool, storm

# figures only: the facade servicelab.plots shows every name listed here
__all__ = [*availability.__all__, *outage.__all__, *pool.__all__, *storm.__all__]
globals().update(
    {name: getattr(m, name) for m in (availability, outage, pool, storm) for name in m.__all__}
)
