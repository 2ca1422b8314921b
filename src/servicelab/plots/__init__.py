"""Figures that take results and draw them, in the kit's look (see :mod:`servicelab.ui.style`).

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
from .failures import (
    amplification_bars,
    availability_chain,
    busy_workers,
    chain_success,
    goodput_over_time,
    load_over_time,
    outage_figure,
    p99_over_time,
    pool_figure,
    storm_figure,
    success_by_kind,
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
    "amplification_bars",
    "availability_chain",
    "busy_workers",
    "chain_success",
    "goodput_over_time",
    "load_over_time",
    "outage_figure",
    "p99_over_time",
    "pool_figure",
    "storm_figure",
    "success_by_kind",
]
