"""Figures that take results and draw them, in the kit's look (see :mod:`servicelab.style`).

Every function draws on a given matplotlib ``ax`` (or makes a figure) and
returns it; axes carry units and titles state the takeaway.
"""

from .checkout import (
    backlog_over_time,
    latency_cdf,
    new_axes,
    success_over_time,
    timeline,
    timelines,
    topology,
)
from .flowchart import Flowchart, flowchart

__all__ = [
    "new_axes",
    "timeline",
    "timelines",
    "latency_cdf",
    "success_over_time",
    "backlog_over_time",
    "topology",
    "flowchart",
    "Flowchart",
]
