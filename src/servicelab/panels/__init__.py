"""Interactive panels: controls, one live figure, one line of key numbers.

One call shows a panel in a notebook, e.g. ``panels.temporal_coupling()``.
Every panel is also a headless object for tests: ``p.set(email_slowdown=10)``,
then read ``p.summary``, ``p.data`` and ``p.message``.
"""

from .base import Impossible, Panel
from .coupling import request_timeline, tail_amplification, temporal_coupling
from .decision import DecisionHelper, decision_helper
from .failures import availability, outage, pool_exhaustion, retry_storm

__all__ = [
    "Impossible",
    "Panel",
    "DecisionHelper",
    "decision_helper",
    "temporal_coupling",
    "request_timeline",
    "tail_amplification",
    "availability",
    "outage",
    "pool_exhaustion",
    "retry_storm",
]
