"""Why each order of a fan-out ended as it did, and the fan-out as it unfolded.

:class:`PubSubStory` gives :class:`~.pubsub_result.PubSubResult` its causes
(:mod:`.causes`) and its flow (:mod:`.flow`):

* **sync** (one by one, or in parallel): an order is ``"confirmed"`` when
  every required call answered; otherwise the first call that failed names
  its cause: ``"Loyalty answered with an error"``, ``"timed out waiting for
  Loyalty"``, ``"refused: Loyalty was down"``. A confirmed order notes a
  best-effort call it skipped, or a subscriber not called yet (added later);
* **pub/sub**: the user hears ``"confirmed"`` once the event is published;
  the cause adds what became of the subscribers' work by the end of the run,
  as a category: ``"confirmed; every subscriber done"``, ``"confirmed; Loyalty
  still queued at the horizon"``, ``"confirmed; Loyalty dead-lettered after 5
  tries"`` or ``"confirmed; missed by Loyalty (subscribed later)"``.

An order's story (:meth:`~.causes.Explained.explain`) has a line per
subscriber: when its work was done (and, in pub/sub, in how many tries), or
why it was not. The flow map draws the Order service calling each subscriber
(sync, solid) or publishing to a topic with one queue per subscriber (pub/sub).
"""

from __future__ import annotations

import math

import numpy as np

from .causes import Explained, seconds
from .flow import Edge, Flow, Node, failures_by, series_values, users_view

__all__ = ["PubSubStory", "pubsub_flow"]

#: a sync call's outcome → the order's cause ({S}: the subscriber)
_MET = {
    "error": "{S} answered with an error",
    "timeout": "timed out waiting for {S}",
    "down": "refused: {S} was down",
    "circuit open": "refused by {S}'s open circuit breaker",
}
#: the same, as a line of the order's story about that subscriber
_LINE = {
    "error": "answered with an error, so the order failed",
    "timeout": "no answer within its {T} timeout, so the order failed",
    "down": "was down, so the order failed",
}


#: an order that took longer than this to leave the Order service waited for a worker (its
#: own work there takes ~5 ms, under 15 ms for 99.99 % of orders)
_WAITED_MS = 50.0


def _failure(reason: str) -> str:
    """The cause of a failed order, from its reason ("loyalty timeout", "broker down")."""
    if reason == "broker down":
        return "refused: the broker was down"
    name, _, word = reason.partition(" ")
    return _MET.get(word, "{S}: " + word).format(S=name.capitalize())


def _names(names: list[str]) -> str:
    """``Loyalty``, ``Loyalty and Search``, ``Email, Loyalty and Search``."""
    names = [n.capitalize() for n in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _tries(k: int) -> str:
    return f"{k} tr{'y' if k == 1 else 'ies'}"


class PubSubStory(Explained):
    """Causes, stories and the flow of a fan-out result (see the module)."""

    def _refine_causes(self, causes: np.ndarray) -> np.ndarray:
        c = self.config
        for i in np.flatnonzero(self.outcome == "failed").tolist():
            causes[i] = _failure(str(self.reason[i]))
        confirmed = self.outcome == "confirmed"
        sync = self.style == "sync"
        causes[confirmed] = "confirmed" if sync else "confirmed; every subscriber done"
        if sync:
            kinds = ("{} not called (added later)", "{} skipped (best-effort)")
        else:
            kinds = (
                f"{{}} dead-lettered after {_tries(c.max_attempts)}",
                "{} still queued at the horizon",
                "missed by {} (subscribed later)",
            )
        notes = {kind: {} for kind in kinds}  # kind → subscriber → its confirmed orders
        keys = np.arange(self.n_requests)
        for s in c.subscribers:
            undone = confirmed & np.isnan(self.delivered_ms[s])
            with np.errstate(invalid="ignore"):
                early = undone & (self.published_ms < self.joined_ms[s])
            if sync:
                notes[kinds[0]][s], notes[kinds[1]][s] = early, undone & ~early
                continue
            dead = undone & np.isin(keys, self.dead_keys.get(s, np.empty(0)))
            notes[kinds[0]][s] = dead
            notes[kinds[1]][s] = undone & ~dead & ~early
            notes[kinds[2]][s] = early & ~dead
        words: dict[int, list[str]] = {}
        for kind, by_name in notes.items():
            named: dict[int, list[str]] = {}
            for s, mask in by_name.items():
                for i in np.flatnonzero(mask).tolist():
                    named.setdefault(i, []).append(s)
            for i, names in named.items():
                words.setdefault(i, []).append(kind.format(_names(names)))
        for i, said in words.items():
            causes[i] = "; ".join(["confirmed", *said])
        return causes

    def _story_lines(self, i: int) -> list[str]:
        c = self.config
        published = self.published_ms[i]
        if math.isnan(published):
            return ["the Order service had not got to it when the run stopped"]
        wait = published - self.arrival_ms[i]
        busy = ": no Order worker was free before" if wait > _WAITED_MS else ""
        after = f"{wait:,.0f} ms after arrival{busy}"
        if self.style == "async":
            lines = [f"OrderCreated was published at {seconds(published)} ({after})"]
        else:
            how = "all at once" if c.parallel else "one by one"
            lines = [f"its calls began, {how}, at {seconds(published)} ({after})"]
        failed_at = str(self.reason[i]).partition(" ")[0] if self.reason[i] else ""
        reached = True  # one by one: calls after a failed one were never made
        for s in c.subscribers:
            lines.append(f"{s.capitalize()}: {self._line(i, s, failed_at, reached)}")
            if s == failed_at and not c.parallel:
                reached = False
        return lines

    def _line(self, i: int, s: str, failed_at: str, reached: bool) -> str:
        """What subscriber ``s`` did with order ``i``, in a few words."""
        c = self.config
        done = self.delivered_ms[s][i]
        joined = self.joined_ms[s]
        if not math.isnan(done):
            after = f"{done - self.arrival_ms[i]:,.0f} ms after arrival"
            if self.style == "async":
                return f"done at {seconds(done)}, {after} ({_tries(int(self.tries[s][i]))})"
            return f"answered at {seconds(done)}, {after}"
        if self.published_ms[i] < joined:
            verb = "subscribed" if self.style == "async" else "added to the Order service"
            what = "never got the event" if self.style == "async" else "not called"
            return f"{what} ({verb} at {joined / 1000:,.0f} s)"
        if self.style == "async":
            if i in set(self.dead_keys.get(s, np.empty(0)).tolist()):
                return f"dead-lettered after {_tries(int(self.tries[s][i]))}"
            return "still queued when the run stopped"
        if s == failed_at:
            word = str(self.reason[i]).partition(" ")[2]
            timeout = c.timeout(s)
            limit = "" if timeout is None else f"{timeout:,.0f} ms"
            return _LINE.get(word, word + ", so the order failed").format(T=limit)
        if self.outcome[i] == "in flight":
            return "no answer yet when the run stopped"
        if self.outcome[i] == "confirmed":
            return "its call failed: skipped (best-effort, never retried)"
        if not reached:
            return "never called (the order had already failed)"
        return "not done: its call failed too"

    def flow(self) -> Flow:
        """The run as it unfolded, for a flow map (see :mod:`.flow`)."""
        return pubsub_flow(self)


def pubsub_flow(r) -> Flow:
    """The flow of a fan-out result: sync calls to each subscriber, or a topic and its queues."""
    from .pubsub import ORDER_WORKERS  # the scenario imports this module's result

    c = r.config
    subs = tuple(c.subscribers)
    t = r.series["busy order"].t_ms
    sync = r.style == "sync"
    nodes = [
        Node("user", "User", "user", 0, 0.0),
        Node("order", "Order", "service", 1, 0.0, ORDER_WORKERS),
    ]
    edges = [Edge("user", "order", "sync")]
    column = 2 if sync else 3
    if not sync:
        nodes.append(Node("event", "OrderCreated", "event", 2, 0.0))
        edges.append(Edge("order", "event", "async"))
    for k, s in enumerate(subs):
        nodes.append(Node(s, s.capitalize(), "service", column, (len(subs) - 1) / 2 - k,
                          c.workers[s]))  # fmt: skip
        edges.append(Edge("order" if sync else "event", s, "sync" if sync else "async"))
    answer = r.arrival_ms + r.response_ms
    error = r.outcome == "failed"
    where = np.asarray(
        ["event" if w == "broker down" else w.partition(" ")[0] for w in r.reason.tolist()],
        dtype=object,
    )

    def values(name: str) -> np.ndarray:
        return series_values(r.series, name, t)

    services = ("order", *subs)
    return Flow(
        style=r.style,
        label=r.design,
        unit=r.UNIT,
        t_ms=t,
        nodes=tuple(nodes),
        edges=tuple(edges),
        busy={n: values(f"busy {n}") for n in services},
        waiting={n: values(f"waiting {n}") for n in (services if sync else ("order",))},
        queued={} if sync else {s: values(f"backlog {s}") for s in subs},
        dead={} if sync else {s: values(f"dead {s}") for s in subs},
        failed=failures_by(t, answer, where, [n.name for n in nodes]),
        users=users_view(t, r.arrival_ms, answer, error),
        arrival_ms=r.arrival_ms,
        answer_ms=answer,
        error=error,
        causes=r.causes(),
        done_ms={s: r.delivered_ms[s] for s in subs},
        dead_keys={s: set(k.tolist()) for s, k in r.dead_keys.items()},
        windows=_windows(r, float(t[-1]) if t.size else 0.0),
    )


def _windows(r, end_ms: float) -> tuple:
    """(what, start, end) of the run: outages ("Loyalty down", which the map hatches),
    slowdowns and subscribers not there yet, clipped to the run."""
    c = r.config
    out = []
    for s in c.subscribers:
        name, f = s.capitalize(), c.faults[s]
        out += [(f"{name} down", o.start_ms, min(o.end_ms, end_ms)) for o in f.outages]
        out += [(f"{name} {w.factor:g}× slower", w.start_ms, min(w.end_ms, end_ms))
                for w in f.slowdowns]  # fmt: skip
        if r.joined_ms[s] > 0:
            what = "not subscribed yet" if r.style == "async" else "not called yet"
            out.append((f"{name} {what}", 0.0, r.joined_ms[s]))
    return tuple((what, start, end) for what, start, end in out if start < end_ms)
