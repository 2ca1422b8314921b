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

Here the flowchart is data (:data:`NODES`, :data:`EDGES`), :func:`decide`
walks it, and :data:`INTERACTIONS` is a catalogue of real interactions
between services, each answered, classified and tied to the card's own words
(:data:`CARD_BULLETS`).

How the second question is read: an operation *can be queued* when the
caller can hand it off and forget it — fire-and-forget, nobody waits for an
answer to come back. If the work may take long but somebody still needs its
result (a file, a label, a verdict), it cannot simply be queued: the caller
hands it off *and* is told when it is done, by a callback or webhook.

Nothing here imports the simulation; :mod:`servicelab.plots.flowchart` draws
the flowchart and :mod:`servicelab.panels.decision` makes it interactive.
"""

from __future__ import annotations

import difflib
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
    "Decision",
    "decide",
    "OUTCOME_BULLETS",
    "Interaction",
    "INTERACTIONS",
    "classify",
    "bullet_section",
    "catalogue_table",
    "bullet_table",
    "reveal",
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


def _yes_no(value: bool) -> str:
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


# -- the catalogue ----------------------------------------------------------------------


@dataclass(frozen=True)
class Interaction:
    """A real interaction between services, answered and classified.

    ``bullets`` quote the card word for word (see :data:`CARD_BULLETS`);
    ``expected`` is the recommendation the flowchart must give for the answers.
    """

    name: str
    description: str
    needs_result_now: bool
    can_be_queued: bool | None
    expected: str
    bullets: tuple[str, ...]
    why: str

    @property
    def decision(self) -> Decision:
        """The flowchart's :class:`Decision` for this interaction's answers."""
        return decide(self.needs_result_now, self.can_be_queued)

    def explain(self) -> str:
        """A few lines: what it is, the answers, the recommendation, the card's words, why."""
        d = self.decision
        lines = [
            f"{self.name} — {self.description}",
            f"  Need immediate result? {_yes_no(self.needs_result_now)}",
        ]
        if self.can_be_queued is not None:
            lines.append(f"  Can operation be queued? {_yes_no(self.can_be_queued)}")
        lines.append(f"  → {d.recommendation}")
        lines += [f"  card: “{b}” ({bullet_section(b)})" for b in self.bullets]
        lines.append(f"  why: {self.why}")
        return "\n".join(lines)


def _i(name, description, now, queued, expected, bullets, why) -> Interaction:
    return Interaction(name, description, now, queued, expected, tuple(bullets), why)


#: real interactions between services, each with its answers and the card's words
INTERACTIONS: tuple[Interaction, ...] = (
    _i(
        "Get user by ID",
        "A profile page asks the User service for a user's name and avatar.",
        True,
        None,
        SYNC_CALL,
        ["Simple queries (get user by ID)", "User-facing requests needing immediate response"],
        "The page cannot be drawn without the user, and a lookup by ID is quick.",
    ),
    _i(
        "Card charge at checkout",
        "The Order service asks Payment to charge the card while the shopper waits.",
        True,
        None,
        SYNC_CALL,
        [
            "Operations requiring immediate confirmation",
            "User-facing requests needing immediate response",
        ],
        "The shopper must learn whether the payment worked: the card's own example.",
    ),
    _i(
        "Fraud score before accepting a payment",
        "Checkout asks the Fraud service to score a payment before accepting it.",
        True,
        None,
        SYNC_CALL,
        [
            "Operations requiring immediate confirmation",
            "User-facing requests needing immediate response",
        ],
        "The payment cannot be accepted or refused until the score is in, so keep the "
        "call fast and give it a timeout.",
    ),
    _i(
        "Password check at login",
        "The login page asks the Auth service whether the password is right.",
        True,
        None,
        SYNC_CALL,
        [
            "User-facing requests needing immediate response",
            "Operations requiring immediate confirmation",
        ],
        "The user cannot go on until they know whether they are logged in.",
    ),
    _i(
        "Stock level on the product page",
        "The product page shows “In stock” or “Only 3 left” from the Inventory service.",
        True,
        None,
        SYNC_CALL,
        ["User-facing requests needing immediate response", "Simple queries (get user by ID)"],
        "The shopper is looking at the page now, and reading a stock level is a simple query.",
    ),
    _i(
        "Order-confirmation email",
        "After an order is placed, the Email service sends the shopper a confirmation.",
        False,
        True,
        QUEUE_EVENT,
        ["Notifications and side effects", "Operations that can be retried"],
        "Nobody waits for the email; if Email is slow or down, the message waits in its "
        "queue and is retried.",
    ),
    _i(
        "Stock update after an order",
        "After an order is placed, the Inventory service lowers the stock of what was sold.",
        False,
        True,
        QUEUE_EVENT,
        [
            "Cross-service communication",
            "Operations that can be retried",
            "Building event-driven systems",
        ],
        "The card's own example: Inventory hears an Order Created event, so an Inventory "
        "outage no longer fails checkouts.",
    ),
    _i(
        "Analytics event",
        "The Order service reports “order placed” to the Analytics service.",
        False,
        True,
        QUEUE_EVENT,
        ["Notifications and side effects", "High-volume processing"],
        "Nobody waits for analytics, events come in large numbers, and a late one does no harm.",
    ),
    _i(
        "Search-index update",
        "When a product changes, the Search service re-indexes it.",
        False,
        True,
        QUEUE_EVENT,
        ["Notifications and side effects", "Operations that can be retried"],
        "Search may lag a moment behind the catalogue, and a failed update is simply retried.",
    ),
    _i(
        "Image thumbnails",
        "After a seller uploads a photo, an Image service makes the thumbnails.",
        False,
        True,
        QUEUE_EVENT,
        ["High-volume processing", "Operations that can be retried"],
        "Resizing is heavy work that several workers can share from one queue; the page "
        "shows a placeholder until the thumbnail exists.",
    ),
    _i(
        "Orders to a partner's warehouse",
        "The shop sends each paid order to a partner's warehouse system, which goes "
        "offline every night for maintenance.",
        False,
        True,
        QUEUE_EVENT,
        ["When services have different availability", "Improving resilience of existing systems"],
        "The queue holds orders while the partner is offline and delivers them when it is "
        "back; a sync call would fail every night.",
    ),
    _i(
        "Monthly report export",
        "A manager asks for a spreadsheet of last month's sales, which takes minutes to build.",
        False,
        False,
        CALLBACK,
        ["Cross-service communication", "High-volume processing"],
        "No request can be held open for minutes, but the manager needs the file: accept "
        "the job at once and send a link when it is ready.",
    ),
    _i(
        "Shipping label from a carrier",
        "Fulfilment asks a carrier for a shipping label; the carrier takes minutes.",
        False,
        False,
        CALLBACK,
        ["Cross-service communication", "When services have different availability"],
        "Waiting minutes would tie up a worker, but the parcel cannot leave without its "
        "label: the carrier calls a webhook when the label is ready.",
    ),
    _i(
        "Identity check by a partner",
        "At sign-up, a partner checks a new seller's ID documents, which can take hours.",
        False,
        False,
        CALLBACK,
        ["Designing inter-service communication", "Cross-service communication"],
        "The seller cannot wait on the page for hours, yet the shop must know the verdict: "
        "the partner calls back with it.",
    ),
    _i(
        "Tax calculation inside the Order service",
        "The Order service's pricing module works out the tax on an order.",
        True,
        None,
        SYNC_CALL,
        ["Within a single bounded context", "Communication within a single service"],
        "It is a plain function call inside one service, with no network hop to decouple: "
        "the card says skip async here.",
    ),
    _i(
        "Saving a form in a CRUD prototype",
        "A two-week prototype of an admin tool saves a form to its own database.",
        True,
        None,
        SYNC_CALL,
        ["Simple CRUD applications", "Prototypes where simplicity matters more"],
        "The user wants to see it saved, and queues would add moving parts that a "
        "prototype does not need.",
    ),
)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


_BY_KEY = {_key(i.name): i for i in INTERACTIONS}


def classify(name: str) -> Interaction:
    """The catalogue's :class:`Interaction` called ``name`` (case and spaces do not matter).

    >>> classify("get user by id").decision.recommendation
    'Sync (REST/gRPC)'
    """
    return _lookup(name, "name")


def _lookup(name: object, param: str) -> Interaction:
    """:func:`classify`, with the parameter's name to use in an error message."""
    allowed = "the name of an interaction in INTERACTIONS"
    if not isinstance(name, str):
        raise _check.fail(param, name, allowed + " (a str)")
    key = _key(name)
    found = _BY_KEY.get(key)
    if found is not None:
        return found
    close = difflib.get_close_matches(key, list(_BY_KEY), n=3, cutoff=0.5)
    close += [k for k in _BY_KEY if key and key in k and k not in close]
    names = [_BY_KEY[k].name for k in close[:3]]
    if names:
        hint = "; close names: " + ", ".join(repr(n) for n in names)
    else:
        hint = "; the names are: " + ", ".join(repr(i.name) for i in INTERACTIONS)
    raise _check.fail(param, name, allowed + hint)


# -- text for notebooks ---------------------------------------------------------------------


def catalogue_table(interactions=INTERACTIONS) -> str:
    """The catalogue as a text table: the two answers and where the flowchart leads."""
    width = max(len(i.name) for i in interactions)
    lines = [f"{'interaction':<{width}}  immediate?  queued?  → recommendation"]
    for i in interactions:
        d = i.decision
        second = "–" if d.can_be_queued is None else _yes_no(d.can_be_queued)
        lines.append(
            f"{i.name:<{width}}  {_yes_no(d.needs_result_now):<10}  {second:<7}  "
            f"→ {d.recommendation}"
        )
    return "\n".join(lines)


def bullet_table() -> str:
    """Each of the card's bullets, under its heading, with the catalogue's examples of it."""
    lines = []
    for section, bullets in CARD_BULLETS.items():
        lines.append(f"{section}:")
        for b in bullets:
            examples = [i.name for i in INTERACTIONS if b in i.bullets]
            lines.append(f"  • {b}")
            lines.append(f"      e.g. {'; '.join(examples) if examples else '–'}")
    return "\n".join(lines)


_GUESS_WORDS = {
    "sync": "sync",
    "queue": "queue",
    "event": "queue",
    "callback": "callback",
    "webhook": "callback",
    **{NODES[k].label.casefold(): k for k in ("sync", "queue", "callback")},
}


def reveal(guesses: dict) -> None:
    """Print each guess next to the flowchart's answer and why, then how many match.

    ``guesses`` maps an interaction's name to ``"sync"``, ``"queue"`` or
    ``"callback"`` (``"?"`` for not guessed yet). Until at least one guess is
    written, it shows no answers.
    """
    if not isinstance(guesses, dict):
        raise _check.fail("guesses", guesses, "a dict from an interaction's name to a guess")
    said = {name: _said(guess) for name, guess in guesses.items()}
    entries = {name: classify(name) for name in guesses}  # a helpful error if unknown
    if all(w in (None, "", "?") for w in said.values()):
        print(
            "No guesses yet: write 'sync', 'queue' or 'callback' in place of each '?', "
            "run that cell, then this one."
        )
        return
    right = 0
    for name, guess in guesses.items():
        interaction, word = entries[name], said[name]
        d = interaction.decision
        if word in (None, "", "?"):
            verdict = "no guess"
        elif word == "async":
            verdict = "'async' is half an answer: say queue or callback"
        elif not isinstance(word, str) or word not in _GUESS_WORDS:
            verdict = f"{guess!r} is not one of 'sync', 'queue', 'callback'"
        elif _GUESS_WORDS[word] == d.outcome:
            verdict, right = "right", right + 1
        else:
            verdict = f"you said {_GUESS_WORDS[word]}"
        print(f"{interaction.name} → {d.outcome} ({d.recommendation}): {verdict}.")
        print(f"    {interaction.why}")
    print(f"{right} of {len(guesses)} as the flowchart says.")


def _said(guess):
    return guess.strip().casefold() if isinstance(guess, str) else guess
