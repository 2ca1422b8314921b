"""A catalogue of real interactions, classified by the card.

Each :class:`Interaction` is answered (does the caller need the result now?
can the work be queued?), classified by :func:`servicelab.card.decide` and
tied to the card's own words (:data:`servicelab.card.CARD_BULLETS`).
:data:`INTERACTIONS` are between services, where the flowchart applies;
:data:`IN_PROCESS` are calls inside one service, where the card says skip
and the answer is :data:`~servicelab.card.PLAIN_CALL`, a plain function call
(not a REST or gRPC call); :data:`ENTRIES` is both.
:func:`classify` finds one by name, :func:`catalogue_table` and
:func:`bullet_table` print the catalogue for a notebook, and :func:`reveal`
judges a learner's guesses with the card's one table of words
(:data:`servicelab.card.SYNONYMS`), the same one the exercises use.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from . import _check
from .card import (
    CALLBACK,
    CARD_BULLETS,
    HALF_ANSWERS,
    OUTCOMES,
    PLAIN,
    PLAIN_CALL,
    QUEUE_EVENT,
    SYNC_CALL,
    Decision,
    bullet_section,
    decide,
    outcome_of,
    yes_no,
)

__all__ = [
    "Interaction",
    "INTERACTIONS",
    "IN_PROCESS",
    "ENTRIES",
    "classify",
    "lookup",
    "catalogue_table",
    "bullet_table",
    "reveal",
]


@dataclass(frozen=True)
class Interaction:
    """A real interaction, answered and classified.

    ``bullets`` quote the card word for word (see :data:`CARD_BULLETS`);
    ``expected`` is the recommendation the card gives: the flowchart's for
    the answers, or :data:`~servicelab.card.PLAIN_CALL` when
    ``between_services`` is False (a call inside one service: skip the card).
    """

    name: str
    description: str
    needs_result_now: bool
    can_be_queued: bool | None
    expected: str
    bullets: tuple[str, ...]
    why: str
    between_services: bool = True

    @property
    def decision(self) -> Decision:
        """The flowchart's :class:`Decision` for this interaction's answers.

        For a call inside one service (``between_services=False``) the card
        says skip the flowchart: see :attr:`outcome` and :attr:`recommendation`.
        """
        return decide(self.needs_result_now, self.can_be_queued)

    @property
    def outcome(self) -> str:
        """``"sync"``, ``"queue"``, ``"callback"``, or ``"plain"`` inside one service."""
        return self.decision.outcome if self.between_services else PLAIN

    @property
    def recommendation(self) -> str:
        """The card's answer in its words: a flowchart box, or a plain function call."""
        return self.decision.recommendation if self.between_services else PLAIN_CALL

    def explain(self) -> str:
        """A few lines: what it is, the answers, the recommendation, the card's words, why."""
        lines = [f"{self.name} — {self.description}"]
        if not self.between_services:
            lines.append("  Between services? No: inside one service the card says skip")
        else:
            lines.append(f"  Need immediate result? {yes_no(self.needs_result_now)}")
            if self.can_be_queued is not None:
                lines.append(f"  Can operation be queued? {yes_no(self.can_be_queued)}")
        lines.append(f"  → {self.recommendation}")
        lines += [f"  card: “{b}” ({bullet_section(b)})" for b in self.bullets]
        lines.append(f"  why: {self.why}")
        return "\n".join(lines)


def _i(name, description, now, queued, expected, bullets, why) -> Interaction:
    return Interaction(name, description, now, queued, expected, tuple(bullets), why)


#: real interactions between services, each with its answers and the card's words: the
#: flowchart's cases (the decision helper and the flowchart exercise walk these)
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


#: calls inside one service: the card says skip, and the answer is a plain function call
IN_PROCESS: tuple[Interaction, ...] = (
    Interaction(
        "Tax calculation inside the Order service",
        "The Order service's pricing module works out the tax on an order.",
        True,
        None,
        PLAIN_CALL,
        ("Within a single bounded context", "Communication within a single service"),
        "Pricing and tax are parts of one service in one process: there is no network hop "
        "to decouple, so neither a queue nor a REST call, just a function call.",
        between_services=False,
    ),
)
#: the whole catalogue: between services, then inside one service
ENTRIES: tuple[Interaction, ...] = INTERACTIONS + IN_PROCESS


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


_BY_KEY = {_key(i.name): i for i in ENTRIES}


def classify(name: str) -> Interaction:
    """The catalogue's :class:`Interaction` called ``name`` (case and spaces do not matter).

    >>> classify("get user by id").decision.recommendation
    'Sync (REST/gRPC)'
    """
    return lookup(name, "name")


def lookup(name: object, param: str) -> Interaction:
    """:func:`classify`, with the parameter's name to use in an error message."""
    allowed = "the name of an interaction in the catalogue"
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
        hint = "; the names are: " + ", ".join(repr(i.name) for i in ENTRIES)
    raise _check.fail(param, name, allowed + hint)


# -- text for notebooks ---------------------------------------------------------------------


def catalogue_table(interactions=ENTRIES) -> str:
    """The catalogue as a text table: the two answers and where the flowchart leads.

    A call inside one service has a dash for both answers: the flowchart is
    not asked, and the row ends in a plain function call.
    """
    width = max(len(i.name) for i in interactions)
    lines = [f"{'interaction':<{width}}  immediate?  queued?  → recommendation"]
    for i in interactions:
        d = i.decision
        first = yes_no(d.needs_result_now) if i.between_services else "–"
        second = "–" if d.can_be_queued is None else yes_no(d.can_be_queued)
        lines.append(f"{i.name:<{width}}  {first:<10}  {second:<7}  → {i.recommendation}")
    return "\n".join(lines)


def bullet_table() -> str:
    """Each of the card's bullets, under its heading, with the catalogue's examples of it."""
    lines = []
    for section, bullets in CARD_BULLETS.items():
        lines.append(f"{section}:")
        for b in bullets:
            examples = [i.name for i in ENTRIES if b in i.bullets]
            lines.append(f"  • {b}")
            lines.append(f"      e.g. {'; '.join(examples) if examples else '–'}")
    return "\n".join(lines)


def reveal(guesses: dict) -> None:
    """Print each guess next to the flowchart's answer and why, then how many match.

    ``guesses`` maps an interaction's name to ``"sync"``, ``"queue"`` or
    ``"callback"`` (``"plain"`` for a call inside one service; ``"?"`` for
    not guessed yet; any word of :data:`servicelab.card.SYNONYMS` counts).
    Until at least one guess is written, it shows no answers.
    """
    if not isinstance(guesses, dict):
        raise _check.fail("guesses", guesses, "a dict from an interaction's name to a guess")
    entries = {name: classify(name) for name in guesses}  # a helpful error if unknown
    if all(_blank(g) for g in guesses.values()):
        print(
            "No guesses yet: write 'sync', 'queue' or 'callback' in place of each '?', "
            "run that cell, then this one."
        )
        return
    right = 0
    for name, guess in guesses.items():
        interaction = entries[name]
        outcome = interaction.outcome
        said = outcome_of(guess)
        if _blank(guess):
            verdict = "no guess"
        elif isinstance(guess, str) and guess.strip().casefold() in HALF_ANSWERS:
            verdict = f"{guess.strip()!r} is half an answer: say queue or callback"
        elif said is None:
            verdict = f"{guess!r} is not one of {', '.join(repr(o) for o in OUTCOMES)}"
        elif said == outcome:
            verdict, right = "right", right + 1
        else:
            verdict = f"you said {said}"
        print(f"{interaction.name} → {outcome} ({interaction.recommendation}): {verdict}.")
        print(f"    {interaction.why}")
    print(f"{right} of {len(guesses)} as the flowchart says.")


def _blank(guess) -> bool:
    return guess is None or (isinstance(guess, str) and guess.strip() in ("", "?"))
