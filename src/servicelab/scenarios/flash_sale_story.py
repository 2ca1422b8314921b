"""Why each flash-sale order ended as it did, and the sale as it unfolded.

:class:`FlashSaleStory` gives :class:`~.flash_sale.FlashSaleResult` its
causes (:mod:`.causes`) and its flow (:mod:`.flow`): an accepted order was
processed while its user waited (sync) or later (async), or is still queued;
a refused one met a full queue or a shop shedding load; a user who gave up
waited ``patience_ms`` for a worker.
"""

from __future__ import annotations

import numpy as np

from .causes import STILL_WAITING, Explained, seconds
from .flow import Flow, flash_sale_flow

__all__ = ["FlashSaleStory"]


class FlashSaleStory(Explained):
    """Causes, stories and the flow of a flash-sale result."""

    def _refine_causes(self, causes: np.ndarray) -> np.ndarray:
        c = self.config
        accepted = self.outcome == "accepted"
        done = ~np.isnan(self.done_ms)
        if self.style == "sync":
            causes[accepted] = "processed while the user waited"
            causes[self.outcome == "refused"] = "refused at once: too many waiting (load shed)"
            causes[self.outcome == "gave up"] = (
                f"gave up after waiting {c.patience_ms / 1000:g} s for a worker"
            )
        else:
            causes[accepted & done] = "accepted, processed later"
            causes[accepted & ~done] = f"accepted, still queued: {STILL_WAITING}"
            causes[self.outcome == "refused"] = "refused at once: the queue was full"
        return causes

    def _story_lines(self, i: int) -> list[str]:
        done = self.done_ms[i]
        if np.isnan(done):
            return [] if self.outcome[i] != "accepted" else ["not processed when the run stopped"]
        after = f"{done - self.arrival_ms[i]:,.0f} ms after arrival"
        return [f"the workers processed it at {seconds(done)} ({after})"]

    def flow(self) -> Flow:
        """The run as it unfolded, for a flow map (see :mod:`.flow`)."""
        return flash_sale_flow(self)
