"""A run as it unfolded: the time-resolved state a flow map draws (:class:`Flow`).

A result that can be watched has a ``flow()`` method returning a
:class:`Flow`: its services as :class:`Node` s laid out in columns (the
user, the caller, the services it calls, the subscribers of an event), the
:class:`Edge` s between them (sync calls or async messages) and, at each
sampled moment ``t_ms``,

* per service: requests in service (``busy``) and waiting for a worker
  (``waiting``); per consuming service: messages in its queue not yet
  acknowledged (``queued``) and dead-lettered so far (``dead``);
* per node: requests that failed there so far (``failed``);
* the users' view: answered, still waiting, and answered with an error;
* for following one request: its arrival, its answer, and when its work at
  each service was done (``done_ms``), or dead-lettered (``dead_keys``).

The checkout (:func:`checkout_flow`) and the flash sale
(:func:`flash_sale_flow`) provide it. A new scenario provides it by sampling
its services with :func:`flow_probes` (or its own series) and building a
:class:`Flow` from its result in a ``flow()`` method.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _check
from ..records import TimeSeries

__all__ = [
    "Node",
    "Edge",
    "Flow",
    "USER_VIEW",
    "flow_probes",
    "users_view",
    "failures_by",
    "series_values",
    "checkout_flow",
    "flash_sale_flow",
]

#: the three states of the users' view, in the order the map stacks them
USER_VIEW = ("answered", "waiting", "error")


@dataclass(frozen=True)
class Node:
    """A box of the map: a service (with ``workers``), the user, or an event."""

    name: str
    label: str
    kind: str  # "user", "service" or "event"
    column: int  # 0 the user, 1 the caller, 2 what it calls, 3 an event's subscribers
    row: float  # 0 on the user's row; positive above it, in rows
    workers: int = 0


@dataclass(frozen=True)
class Edge:
    """An arrow of the map: ``"sync"`` (the caller waits) or ``"async"`` (a message)."""

    start: str
    end: str
    style: str


@dataclass
class Flow:
    """What a flow map draws of one run. Times in ms; per-moment arrays follow ``t_ms``."""

    style: str
    label: str
    unit: str
    t_ms: np.ndarray
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    busy: dict[str, np.ndarray]
    waiting: dict[str, np.ndarray]
    queued: dict[str, np.ndarray]
    dead: dict[str, np.ndarray]
    failed: dict[str, np.ndarray]
    users: dict[str, np.ndarray]  # USER_VIEW → count at each moment
    arrival_ms: np.ndarray
    answer_ms: np.ndarray  # when each user heard back; nan: not (yet)
    error: np.ndarray  # True where that answer was an error
    causes: np.ndarray
    done_ms: dict[str, np.ndarray] = field(default_factory=dict)  # node → when its work was done
    dead_keys: dict[str, set] = field(default_factory=dict)  # node → its dead-lettered keys
    windows: tuple[tuple[str, float, float], ...] = ()  # (what, start, end): outages, a sale
    #: (node, words, values per moment): a story's own numbers, e.g. ("shop", "left (in the
    #: view)", …); the node's box shows the words before " (", the map's text line all of them
    notes: tuple[tuple[str, str, np.ndarray], ...] = ()

    def index(self, t_ms: float) -> int:
        """The last moment at or before ``t_ms`` (0 before the first)."""
        return max(int(np.searchsorted(self.t_ms, t_ms, side="right")) - 1, 0)

    def node(self, name: str) -> Node:
        """The node called ``name``."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise _check.fail("name", name, f"one of {', '.join(n.name for n in self.nodes)}")

    def follow(self, i: int, t_ms: float) -> dict[str, str]:
        """Where request ``i`` stands at ``t_ms``: per node "to do", "done" or "dead"; the
        user's as "not arrived", "waiting", "answered" or "error"."""
        state = {}
        if t_ms < self.arrival_ms[i]:
            return {"user": "not arrived"}
        answered = self.answer_ms[i] <= t_ms
        state["user"] = ("error" if self.error[i] else "answered") if answered else "waiting"
        for name, done in self.done_ms.items():
            if done[i] <= t_ms:
                state[name] = "done"
            elif i in self.dead_keys.get(name, ()):
                state[name] = "dead" if answered else "to do"
            elif not (answered and self.error[i]):
                state[name] = "to do"
        return state

    def now(self, k: int) -> dict[str, float]:
        """The numbers of moment ``k`` (what the map's text line says)."""
        d = {f"{v} users": float(self.users[v][k]) for v in USER_VIEW}
        for kind in ("busy", "waiting", "queued", "dead", "failed"):
            for name, values in getattr(self, kind).items():
                d[f"{kind} {name}"] = float(values[k])
        d.update({words: float(values[k]) for _, words, values in self.notes})
        return d


# -- building blocks ---------------------------------------------------------------------
def flow_probes(services: dict, queues: dict) -> dict:
    """Sampler probes of the state a flow map shows: per service "busy" and "waiting" (for a
    worker); per queue "backlog" (not yet acknowledged) and "dead" (dead-lettered so far)."""
    probes = {f"busy {n}": (lambda s=s: s.busy) for n, s in services.items()}
    probes.update({f"waiting {n}": (lambda s=s: len(s.pool.queue)) for n, s in services.items()})
    probes.update({f"backlog {n}": (lambda q=q: q.backlog) for n, q in queues.items()})
    probes.update({f"dead {n}": (lambda q=q: len(q.dead_letters)) for n, q in queues.items()})
    return probes


def _cumulative(t_ms: np.ndarray, when: np.ndarray) -> np.ndarray:
    """How many of the times ``when`` (nan: never) are at or before each of ``t_ms``."""
    when = np.sort(when[~np.isnan(when)])
    return np.searchsorted(when, t_ms, side="right").astype(float)


def users_view(t_ms, arrival_ms, answer_ms, error) -> dict[str, np.ndarray]:
    """At each of ``t_ms``: users answered, still waiting, and answered with an error."""
    arrived = np.searchsorted(arrival_ms, t_ms, side="right").astype(float)
    errors = _cumulative(t_ms, np.where(error, answer_ms, np.nan))
    answered = _cumulative(t_ms, np.where(error, np.nan, answer_ms))
    return {"answered": answered, "waiting": arrived - answered - errors, "error": errors}


def failures_by(t_ms, answer_ms, where: np.ndarray, names) -> dict[str, np.ndarray]:
    """Per node of ``names``: failures so far at each of ``t_ms`` (``where``: each request's
    node, "" if it did not fail)."""
    return {n: _cumulative(t_ms, np.where(where == n, answer_ms, np.nan)) for n in names}


def series_values(series: dict[str, TimeSeries], name: str, t_ms) -> np.ndarray:
    """The sampled series ``name`` as floats, or zeros at each of ``t_ms`` if the run has none."""
    s = series.get(name)
    return np.zeros(len(t_ms)) if s is None else s.values.astype(float)


def _windows(faults: dict, end_ms: float) -> tuple:
    """Each service's outages as (what, start, end), clipped to the run."""
    out = []
    for name, f in faults.items():
        for o in f.outages:
            if o.start_ms < end_ms:
                out.append((f"{name.capitalize()} down", o.start_ms, min(o.end_ms, end_ms)))
    return tuple(out)


# -- the checkout --------------------------------------------------------------------------
def checkout_flow(r) -> Flow:
    """The flow of a checkout result (``CheckoutResult.flow()``)."""
    c = r.config
    t = r.series["orders in flight"].t_ms
    downstream = tuple(c.downstream)
    n_rows = len(downstream) + 1
    sync = r.style == "sync"
    workers = {"order": c.workers["order"], "payment": c.workers["payment"]}
    workers.update({d: c.workers[d] for d in downstream})
    nodes = [Node("user", "User", "user", 0, 0.0), Node("order", "Order", "service", 1, 0.0)]
    edges = [Edge("user", "order", "sync")]
    if sync:
        for k, name in enumerate(("payment", *downstream)):
            nodes.append(Node(name, name.capitalize(), "service", 2, (n_rows - 1) / 2 - k))
            edges.append(Edge("order", name, "sync"))
    else:
        pay = "async" if c.async_payment else "sync"
        nodes.append(Node("payment", "Payment", "service", 2, 0.5))
        nodes.append(Node("event", "OrderCreated", "event", 2, -0.5))
        edges += [Edge("order", "payment", pay), Edge("order", "event", "async")]
        for k, name in enumerate(downstream):
            nodes.append(Node(name, name.capitalize(), "service", 3, (len(downstream) - 1) / 2 - k))
            edges.append(Edge("event", name, "async"))
    nodes = tuple(
        Node(n.name, n.label, n.kind, n.column, n.row, workers.get(n.name, 0)) for n in nodes
    )
    answer = r.arrival_ms + r.response_ms
    error = r.outcome == "failed"
    services = [n.name for n in nodes if n.kind == "service"]
    where = np.asarray([_failed_at(reason) for reason in r.reason.tolist()], dtype=object)
    s = r.series
    return Flow(
        style=r.style,
        label=r.label,
        unit=r.UNIT,
        t_ms=t,
        nodes=nodes,
        edges=tuple(edges),
        busy={n: series_values(s, f"busy {n}", t) for n in services},
        waiting={n: series_values(s, f"waiting {n}", t) for n in services},
        queued={n: series_values(s, f"backlog {n}", t) for n in r.queues},
        dead={n: series_values(s, f"dead {n}", t) for n in r.queues},
        failed=failures_by(t, answer, where, [n.name for n in nodes]),
        users=users_view(t, r.arrival_ms, answer, error),
        arrival_ms=r.arrival_ms,
        answer_ms=answer,
        error=error,
        causes=r.causes(),
        done_ms=dict(r.task_done_ms),
        dead_keys={n: set(k.tolist()) for n, k in r.dead_keys.items()},
        windows=_windows({n: c.faults[n] for n in workers}, float(t[-1]) if t.size else 0.0),
    )


def _failed_at(reason: str) -> str:
    """The node where a checkout order failed, from its reason ("" if it did not)."""
    if not reason:
        return ""
    if reason in ("queue full", "broker down"):
        return "event"
    return reason.split(" ", 1)[0]


# -- the flash sale ------------------------------------------------------------------------
def flash_sale_flow(r) -> Flow:
    """The flow of a flash-sale result (``FlashSaleResult.flow()``)."""
    c = r.config
    t = r.series["backlog"].t_ms
    sync = r.style == "sync"
    nodes = [
        Node("user", "User", "user", 0, 0.0),
        Node("workers", "Workers", "service", 2, 0.0, c.workers),
    ]
    edges = [Edge("user", "workers", "sync" if sync else "async")]
    if "busy database" in r.series:
        nodes.append(Node("database", "Database", "service", 3, 0.0, c.db_workers))
        edges.append(Edge("workers", "database", "sync"))
    answer = r.arrival_ms + r.response_ms
    error = np.isin(r.outcome, ("refused", "gave up"))
    s = r.series
    busy = {n: series_values(s, f"busy {n}", t) for n in ("workers", "database")}
    return Flow(
        style=r.style,
        label=r.label,
        unit=r.UNIT,
        t_ms=t,
        nodes=tuple(nodes),
        edges=tuple(edges),
        busy={n.name: busy[n.name] for n in nodes if n.kind == "service"},
        waiting={"workers": series_values(s, "waiting", t)} if sync else {},
        queued={} if sync else {"workers": series_values(s, "backlog", t)},
        dead={},
        failed=failures_by(t, answer, np.where(error, "workers", ""), ["workers"]),
        users=users_view(t, r.arrival_ms, answer, error),
        arrival_ms=r.arrival_ms,
        answer_ms=answer,
        error=error,
        causes=r.causes(),
        done_ms={"workers": r.done_ms},
        windows=(("flash sale", *c.window),),
    )
