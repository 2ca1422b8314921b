"""Why each buyer of the last items ended as they did, and the sale as it unfolded.

:class:`LastItemsStory` gives :class:`~.last_items.LastItemsResult` its
causes (:mod:`.causes`) and its flow (:mod:`.flow`).

* Sync: a buyer bought an item reserved while they waited, heard "sold out"
  (at once from the view, or from Inventory when the last item went while
  they waited), or failed because Inventory was down.
* Async: the view let a buyer through, or showed none ("sold out" at once).
  A buyer let through was "confirmed" (or "pending") at once, and Inventory
  later filled the order, found no item (oversold; refunded with an apology
  under ``remedy="compensate"``; "sold out" after "pending"), or had not
  reached it when the run stopped.

The flow map shows buyers → the shop (its view) → Inventory (its queue in
async); its numbers say how many items the view shows and how many the shop
has promised against the stock, so the oversell is visible as it happens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _check
from .causes import Explained, seconds
from .flow import Edge, Flow, Node, failures_by, users_view

__all__ = ["LastItemsStory", "LastItemsFlow", "last_items_flow"]

_SOLD_OUT_AT_ONCE = "sold out (the view showed none)"


class LastItemsStory(Explained):
    """Causes, stories and the flow of a last-items result."""

    def _refine_causes(self, causes: np.ndarray) -> np.ndarray:
        o = self.outcome
        applied = ~np.isnan(self.applied_ms)
        causes[(o == "sold out") & ~applied] = _SOLD_OUT_AT_ONCE
        if self.style == "sync":
            causes[o == "bought"] = "bought (reserved while waiting)"
            causes[(o == "sold out") & applied] = "sold out (the last item went while waiting)"
            causes[o == "failed"] = "failed: Inventory was down"
            return causes
        first = "pending" if self.config.remedy == "pending" else "confirmed"
        filled = "pending, then bought" if first == "pending" else "confirmed and filled"
        causes[o == "bought"] = filled
        causes[(o == "sold out") & applied] = "pending, then sold out"
        causes[o == "oversold"] = "confirmed, then oversold"
        causes[o == "refunded"] = "confirmed, then refunded with an apology"
        causes[np.isin(o, ("confirmed", "pending"))] = f"{first}, still queued at the horizon"
        return causes

    def _story_lines(self, i: int) -> list[str]:
        told, outcome, applied = str(self.told[i]), str(self.outcome[i]), self.applied_ms[i]
        if outcome == "in flight":
            return []
        if np.isnan(applied):
            if told == "sold out":
                return ["the shop's view showed no item left: “sold out” at once, no call"]
            if told == "failed":
                return ["the shop called Inventory, which was down: “try again later”"]
            return [
                f"the view showed items left: told “{told}”, the order went to Inventory's queue",
                "Inventory had not applied it when the run stopped",
            ]
        answered = self.arrival_ms[i] + self.response_ms[i]
        got = outcome == "bought"
        if self.style == "sync":
            what = "reserved an item" if got else "found no item left"
            return [
                f"the shop called Inventory, which {what} at {seconds(applied)}, as they waited"
            ]
        lines = [
            f"the view showed {_items(self._left_before(i))} left: told “{told}”, queued",
            f"Inventory applied it at {seconds(applied)}, {applied - answered:,.0f} ms after "
            f"“{told}”: {'an item was left' if got else 'no item was left'}",
        ]
        lines.append(
            {
                "bought": "bought" if told == "pending" else "the promise was kept",
                "oversold": "the promise could not be kept, and nobody told them (no remedy)",
                "refunded": f"refunded with an apology at {seconds(applied)}",
                "sold out": f"told “sold out” at {seconds(applied)}, after “pending”",
            }[outcome]
        )
        return lines

    def _left_before(self, i: int) -> int:
        """Items the view showed when buyer ``i`` arrived (reservations applied before)."""
        sold = self.applied_ms[(self.outcome == "bought") & ~np.isnan(self.applied_ms)]
        return int(self.config.items - np.count_nonzero(sold < self.arrival_ms[i]))

    def flow(self) -> Flow:
        """The sale as it unfolded, for a flow map (see :mod:`.flow`)."""
        return last_items_flow(self)


@dataclass
class LastItemsFlow(Flow):
    """A last-items flow: a promise can break after its answer (``broken_ms``, nan: never),
    and a buyer the view turned away never reaches Inventory (``sent`` False)."""

    broken_ms: np.ndarray | None = None
    sent: np.ndarray | None = None

    def follow(self, i: int, t_ms: float) -> dict[str, str]:
        """As :meth:`Flow.follow`; a broken promise is the buyer's error from then on."""
        state = super().follow(i, t_ms)
        if self.broken_ms is not None and self.broken_ms[i] <= t_ms:
            state["user"] = "error"
        if self.sent is not None and not self.sent[i]:
            state.pop("inventory", None)
        return state


def _items(n: int) -> str:
    return f"{n:,} item{'' if n == 1 else 's'}"


def _so_far(t_ms: np.ndarray, when: np.ndarray) -> np.ndarray:
    """How many of ``when`` (nan: never) are at or before each of ``t_ms``."""
    when = np.sort(when[~np.isnan(when)])
    return np.searchsorted(when, t_ms, side="right").astype(float)


def last_items_flow(r) -> LastItemsFlow:
    """The flow of a last-items result: buyers → shop (its view) → Inventory.

    A buyer's answer is their final one: "pending" buyers wait until Inventory
    applied their order. Errors are failures (sync, Inventory down) and, from
    the moment Inventory finds no item, the promises it cannot keep (oversold
    or refunded). The numbers: items left in the view, items promised so far
    (told "confirmed" or "bought") and, in async without "pending", the promises
    Inventory found it could not keep.
    """
    if not isinstance(r, LastItemsStory):
        raise _check.fail("r", r, "a last-items result (run_last_items())")
    c = r.config
    t = r.series["view"].t_ms
    sync = r.style == "sync"
    o = r.outcome
    first = r.arrival_ms + r.response_ms
    pending = r.told == "pending"
    answer = np.where(pending, r.applied_ms, first)
    # a promise breaks when Inventory finds no item (never before the promise itself)
    broken_ms = np.where(np.isin(o, ("oversold", "refunded")), np.fmax(r.applied_ms, first), np.nan)
    error = o == "failed"
    users = users_view(t, r.arrival_ms, answer, error)
    broke = _so_far(t, broken_ms)
    users["answered"] = users["answered"] - broke
    users["error"] = users["error"] + broke
    promised_at = np.where((r.told == "confirmed") | (o == "bought"), answer, np.nan)
    promised = _so_far(t, promised_at)
    nodes = (
        Node("user", "Buyers", "user", 0, 0.0),
        Node("shop", "Shop (view)", "service", 1, 0.0),
        Node("inventory", "Inventory", "service", 2, 0.0, c.consumers),
    )
    edges = (
        Edge("user", "shop", "sync"),
        Edge("shop", "inventory", "sync" if sync else "async"),
    )
    s = r.series
    notes = [
        ("shop", "left (in the view)", s["view"].values.astype(float)),
        ("user", f"promised (of {c.items:,} items)", promised),
    ]
    if not sync and c.remedy != "pending":  # "pending" promises nothing it cannot keep
        notes.append(("inventory", "oversold (found by Inventory)", broke))
    return LastItemsFlow(
        style=r.style,
        label=r.label,
        unit=r.UNIT,
        t_ms=t,
        nodes=nodes,
        edges=edges,
        busy={"inventory": s["busy inventory"].values.astype(float)},
        waiting={"inventory": s["waiting inventory"].values.astype(float)} if sync else {},
        queued={} if sync else {"inventory": s["backlog inventory"].values.astype(float)},
        dead={},
        failed=failures_by(t, answer, np.where(error, "inventory", ""), ["inventory"]),
        users=users,
        arrival_ms=r.arrival_ms,
        answer_ms=answer,
        error=error,
        causes=r.causes(),
        done_ms={"inventory": r.applied_ms},
        windows=tuple(
            ("Inventory down", o_.start_ms, min(o_.end_ms, float(t[-1])))
            for o_ in c.faults.outages
            if t.size and o_.start_ms < t[-1]
        ),
        notes=tuple(notes),
        broken_ms=broken_ms,
        sent=~np.isnan(r.applied_ms) | np.isin(r.told, ("confirmed", "pending")),
    )
