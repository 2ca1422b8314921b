"""Why each request of a retry storm ended as it did (see :mod:`.causes`).

A sync client that never got an answer gave up after its last try; an async
request that failed every delivery was dead-lettered; either way the count of
tries is the request's own (``StormResult.attempts``).
"""

from __future__ import annotations

import numpy as np

from .causes import Explained

__all__ = ["StormStory"]


class StormStory(Explained):
    """The causes of a retry-storm result: tries counted per request."""

    def _refine_causes(self, causes: np.ndarray) -> np.ndarray:
        causes[self.outcome == "ok"] = "answered" if self.style == "sync" else "processed"
        failed = np.flatnonzero(self.outcome == "failed").tolist()
        for i in failed:
            tries = int(self.attempts[i])
            word = "gave up" if self.style == "sync" else "dead-lettered"
            causes[i] = f"{word} after {tries} tr{'y' if tries == 1 else 'ies'}"
        return causes

    def _story_lines(self, i: int) -> list[str]:
        tries = int(self.attempts[i])
        what = "attempts" if self.style == "sync" else "deliveries"
        return [f"{tries} {what[:-1] if tries == 1 else what}"]
