"""The card's question, as data and a function.

The card's heuristic is one question — *"Does the caller need the result
immediately?"* — and a flowchart with two questions and three outcomes::

    Need immediate result? ──Yes──► Sync (REST/gRPC)
             │ No
             ▼
    Can operation be queued? ──Yes──► Async (Queue/Event)
             │ No
             ▼
    Async with callback/webhook

Here the card's words are data (:data:`HEURISTIC`, :data:`RULE`,
:data:`CARD_BULLETS`), the flowchart is data (:data:`NODES`, :data:`EDGES`)
and :func:`decide` walks it. :data:`SYNONYMS` is the one table of words a
learner may use for the three outcomes; the lesson's quiz and the exercise
checks both read it. :mod:`servicelab.catalogue` holds real interactions
classified with it.

How the second question is read: an operation *can be queued* when the
caller can hand it off and forget it — fire-and-forget, nobody waits for an
answer to come back. If the work may take long but somebody still needs its
result (a file, a label, a verdict), it cannot simply be queued: the caller
hands it off *and* is told when it is done, by a callback or webhook.

The flowchart is for communication *between* services. Inside one service
the card says skip: there is no network hop to decouple, and the answer is
:data:`PLAIN_CALL`, a plain function call — not a REST or gRPC call, which
the flowchart's sync box means (:mod:`servicelab.catalogue` marks such
interactions with ``between_services=False``).

Nothing here imports the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _check

__all__ = [
    "HEURISTIC",
    "RULE",
    "CARD_BULLETS",
    "Node",
    "Edge",
    "NODES",
    "EDGES",
    "SYNC_CALL",
    "QUEUE_EVENT",
    "CALLBACK",
    "PLAIN_CALL",
    "PLAIN",
    "OUTCOMES",
    "Decision",
    "decide",
    "yes_no",
    "OUTCOME_BULLETS",
    "bullet_section",
    "SYNONYMS",
    "HALF_ANSWERS",
    "outcome_of",
]

#: the card's heuristic, word for word
HEURISTIC = "Does the caller need the result immediately?"
#: the card's rule, word for word
RULE = (
    "Default to asynchronous communication between services. "
    "Use synchronous only when you need immediate responses."
)

#: the card's lists, word for word, by the card's headings
CARD_BULLETS: dict[str, tuple[str, ...]] = {
    "When to use sync": (
        "User-facing requests needing immediate response",
        "Simple queries (get user by ID)",
        "Operations requiring immediate confirmation",
        "Within a single bounded context",
    ),
    "When to use async": (
        "Cross-service communication",
        "Operations that can be retried",
        "Notifications and side effects",
        "High-volume processing",
        "When services have different availability",
    ),
    "Apply when": (
        "Designing inter-service communication",
        "Building event-driven systems",
        "Improving resilience of existing systems",
    ),
    "Skip when": (
        "Communication within a single service",
        "Simple CRUD applications",
        "Prototypes where simplicity matters more",
    ),
}


def bullet_section(bullet: str) -> str:
    """The card's heading a bullet sits under, e.g. ``"When to use sync"``."""
    for section, bullets in CARD_BULLETS.items():
        if bullet in bullets:
            return section
    every = [b for bullets in CARD_BULLETS.values() for b in bullets]
    raise _check.fail("bullet", bullet, f"one of the card's bullets: {', '.join(every)}")


# -- the flowchart as data ----------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A box of the flowchart: a question, or an outcome with its style (sync/async)."""

    id: str
    label: str
    kind: str  # "question" or "outcome"
    style: str | None = None  # "sync" or "async" for outcomes
    note: str = ""  # a few words under the label


@dataclass(frozen=True)
class Edge:
    """An arrow of the flowchart, from a question to the next box, labelled Yes or No."""

    source: str
    target: str
    label: str


SYNC_CALL = "Sync (REST/gRPC)"
QUEUE_EVENT = "Async (Queue/Event)"
CALLBACK = "Async with callback/webhook"
#: not one of the flowchart's boxes: inside one service the card says skip, and a call
#: between two parts of one process is a plain function call (no REST, no gRPC, no queue)
PLAIN_CALL = "Skip the card: a plain function call"
#: the id of that outcome, beside the flowchart's three (:data:`OUTCOMES`)
PLAIN = "plain"

#: the flowchart's boxes by id, in the card's words
NODES: dict[str, Node] = {
    "immediate": Node(
        "immediate", "Need immediate result?", "question", note="does the caller need it to go on?"
    ),
    "queueable": Node(
        "queueable", "Can operation be queued?", "question", note="hand it off and forget it?"
    ),
    "sync": Node("sync", SYNC_CALL, "outcome", "sync", "the caller waits for the answer"),
    "queue": Node("queue", QUEUE_EVENT, "outcome", "async", "the caller hands it off, moves on"),
    "callback": Node(
        "callback", CALLBACK, "outcome", "async", "handed off; the caller is told when done"
    ),
}
#: the flowchart's arrows
EDGES: tuple[Edge, ...] = (
    Edge("immediate", "sync", "Yes"),
    Edge("immediate", "queueable", "No"),
    Edge("queueable", "queue", "Yes"),
    Edge("queueable", "callback", "No"),
)

_REASONS = {
    "sync": (
        "The caller needs the result immediately, so it calls and waits for the answer: "
        "a synchronous request-response."
    ),
    "queue": (
        "The caller does not need the result now and nobody waits for an answer, so it "
        "hands the work to a queue or publishes an event and carries on."
    ),
    "callback": (
        "The caller does not need the result now but someone needs it later, so it hands "
        "the work off and is told by a callback or webhook when it is done."
    ),
}


#: the card's bullets that back each outcome in general (an interaction may cite others)
OUTCOME_BULLETS: dict[str, tuple[str, ...]] = {
    "sync": (
        "User-facing requests needing immediate response",
        "Operations requiring immediate confirmation",
    ),
    "queue": ("Notifications and side effects", "Operations that can be retried"),
    "callback": ("Cross-service communication",),
}


@dataclass(frozen=True)
class Decision:
    """Where the flowchart leads for one pair of answers.

    ``path`` is the ids of the boxes visited, e.g. ``("immediate", "queueable",
    "queue")``. ``can_be_queued`` is ``None`` when the second question is not
    asked (the first answer was Yes).
    """

    recommendation: str
    path: tuple[str, ...]
    reason: str
    needs_result_now: bool
    can_be_queued: bool | None

    @property
    def outcome(self) -> str:
        """The id of the outcome box: ``"sync"``, ``"queue"`` or ``"callback"``."""
        return self.path[-1]

    @property
    def style(self) -> str:
        """``"sync"`` or ``"async"``."""
        return NODES[self.outcome].style

    @property
    def edges(self) -> tuple[Edge, ...]:
        """The arrows taken, in order."""
        steps = set(zip(self.path, self.path[1:], strict=False))
        return tuple(e for e in EDGES if (e.source, e.target) in steps)


def yes_no(value: bool) -> str:
    """``"Yes"`` or ``"No"``."""
    return "Yes" if value else "No"


def _answer(name: str, value: object, *, optional: bool) -> bool | None:
    if value is None and optional:
        return None
    if not isinstance(value, bool):
        allowed = "True, False or None" if optional else "True or False"
        raise _check.fail(name, value, allowed)
    return value


def decide(needs_result_now: bool, can_be_queued: bool | None = None) -> Decision:
    """Walk the card's flowchart with two answers and return the :class:`Decision`.

    ``needs_result_now`` answers *"Need immediate result?"*; ``can_be_queued``
    answers *"Can operation be queued?"* (can the caller hand it off and forget
    it?) and is needed only when the first answer is ``False``.

    >>> decide(False, True).recommendation
    'Async (Queue/Event)'
    """
    needs_result_now = _answer("needs_result_now", needs_result_now, optional=False)
    can_be_queued = _answer("can_be_queued", can_be_queued, optional=True)
    if needs_result_now:
        path, can_be_queued = ("immediate", "sync"), None
    elif can_be_queued is None:
        raise ValueError(
            "can_be_queued = None is not allowed when needs_result_now is False: "
            "can_be_queued must be True or False (the flowchart then asks "
            "'Can operation be queued?')."
        )
    else:
        path = ("immediate", "queueable", "queue" if can_be_queued else "callback")
    outcome = path[-1]
    return Decision(
        recommendation=NODES[outcome].label,
        path=path,
        reason=_REASONS[outcome],
        needs_result_now=needs_result_now,
        can_be_queued=can_be_queued,
    )


# -- the words for the outcomes -------------------------------------------------------------

#: the ids of the flowchart's three outcome boxes (inside one service: :data:`PLAIN`)
OUTCOMES = ("sync", "queue", "callback")

#: what a learner may write for each outcome box (case and spacing do not matter)
SYNONYMS: dict[str, str] = {
    "sync": "sync",
    "synchronous": "sync",
    "rest": "sync",
    "grpc": "sync",
    "rest/grpc": "sync",
    "request-response": "sync",
    SYNC_CALL: "sync",
    "queue": "queue",
    "event": "queue",
    "queue/event": "queue",
    "message queue": "queue",
    "pub/sub": "queue",
    "fire-and-forget": "queue",
    QUEUE_EVENT: "queue",
    "callback": "callback",
    "webhook": "callback",
    "callback/webhook": "callback",
    "call back": "callback",
    "call-back": "callback",
    CALLBACK: "callback",
    "plain": PLAIN,
    "plain call": PLAIN,
    "function call": PLAIN,
    "plain function call": PLAIN,
    "skip": PLAIN,
    PLAIN_CALL: PLAIN,
}
#: words that are only half an answer, and what to tell the learner
_HALF = "which is only half an answer: name the box, 'sync', 'queue' or 'callback'"
HALF_ANSWERS = {"async": _HALF, "asynchronous": _HALF}


def _word(text: str) -> str:
    return " ".join(text.split()).casefold()


_BY_WORD = {_word(k): v for k, v in SYNONYMS.items()}


def outcome_of(word: object) -> str | None:
    """The outcome (``"sync"``, ``"queue"``, ``"callback"`` or ``"plain"``) a learner's word names.

    ``None`` for anything else (a half answer such as ``"async"`` included).

    >>> outcome_of("  Pub/Sub ")
    'queue'
    """
    if not isinstance(word, str):
        return None
    return _BY_WORD.get(_word(word))
