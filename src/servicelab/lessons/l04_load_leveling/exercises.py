"""Exercises for lesson 04 · Load leveling (``exercises/04_load_leveling.ipynb``).

Covers: the backlog a burst leaves (a closed form), how long it takes to
drain (a function the kit holds against simulated sales), a queue that never
drains, Little's law for one order's wait behind the backlog, sizing the
workers and a bounded queue to keep two promises, what a blocking queue does
to users, and when to shed load instead of queueing (in words).

The questions' words are here, each with a deliberately wrong answer; what
the checks compare with (:mod:`servicelab.theory`, simulations) is in
:mod:`._exercise_checks`, which states the settings the notebook's prose
quotes.

Questions: ``q1`` value · ``q2`` function (with simulated sales) · ``q3``
choice · ``q4`` value · ``q5`` scenario settings · ``q6`` choice; ``q7`` in
words (a rubric, graded by hand).
"""

from __future__ import annotations

import math
import numbers

from servicelab.exercises import QuestionSet, WrittenQuestion, WrongExample, ____
from servicelab.exercises.feedback import num, show
from servicelab.exercises.kinds import (
    ChoiceQuestion,
    FunctionQuestion,
    Goal,
    ScenarioQuestion,
    ValueQuestion,
    number_judge,
)

from ._exercise_checks import (
    ACCEPT_GOAL,
    BUSY_RATE,
    MOST_WORKERS,
    QUEUED,
    SALE_S,
    SHOP,
    WAIT_GOAL_S,
    accepted_in_sale,
    fulfilment_p99_s,
    q1_evidence,
    q1_expected,
    q1_mistakes,
    q2_cases,
    q2_mistakes,
    q3_evidence,
    q4_evidence,
    q4_expected,
    q4_mistakes,
    q5_run,
    q5_validate,
    q6_evidence,
)

__all__ = [
    "____",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "q6",
    "q7",
    "QUESTIONS",
    "WRITTEN",
    "progress",
    "SHOP",
]

CAP = SHOP.throughput_cap

# -- q1 · the backlog a sale leaves ------------------------------------------------------------

q1 = ValueQuestion(
    "q1",
    variable="backlog",
    title="The backlog a one-minute sale leaves",
    expected=q1_expected,
    label="backlog",
    truth=lambda t: (
        f"{SHOP.sale_rate:g}/s arriving and {CAP:g}/s processed for {SALE_S:g} s leave {t}"
    ),
    rel_tol=0.01,
    spec=",.0f",
    unit="orders",
    mistakes=q1_mistakes,
    evidence=q1_evidence,
    when_correct="Only the difference between arrivals and processing piles up: the workers "
    "keep their pace whatever arrives.",
    hints=[
        "During the sale, orders arrive at one rate and leave the queue at another. What "
        "piles up each second?",
        lambda: f"Each second {SHOP.sale_rate:g} arrive and {CAP:g} are processed.",
        lambda: f"({SHOP.sale_rate:g} − {CAP:g}) × {SALE_S:g}",
    ],
    explanation=lambda: (
        f"({SHOP.sale_rate:g} − {CAP:g}) orders/s × {SALE_S:g} s = {q1_expected():,.0f} orders. "
        "The simulation's number differs a little: arrivals are random."
    ),
    wrong_example=WrongExample(1800, says="the workers process"),
)


# -- q2 · a drain-time function held against simulated sales ---------------------------------


def _shown(x) -> str:
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return "inf (never)" if x == math.inf else num(x, ",.1f", "s")
    return show(x)


_seconds = number_judge(rel_tol=1e-6, abs_tol=1e-6)


def _judge(got, case):
    """A number of seconds; ``float("inf")`` where the backlog never drains."""
    if case.expected == math.inf:
        never = isinstance(got, numbers.Real) and not isinstance(got, bool) and got == math.inf
        return never, None
    return _seconds(got, case)


q2 = FunctionQuestion(
    "q2",
    variable="drain_seconds",
    title="How long a backlog takes to drain",
    signature="drain_seconds(backlog, workers, order_ms, arrival_rate)",
    cases=q2_cases,
    judge=_judge,
    show_result=_shown,
    mistakes=q2_mistakes,
    when_correct="Your function matches B / (cμ − λ), and the kit's simulated sales drain "
    "when it says, within their noise. When nothing is spare, it says never.",
    hints=[
        "While the queue drains, the workers process orders at their capacity, and new "
        "orders keep arriving. How fast does the backlog shrink?",
        "The capacity is `workers * 1000 / order_ms` orders per second; the backlog shrinks "
        "at capacity − arrival_rate.",
        "`spare = workers * 1000 / order_ms - arrival_rate`, then "
        "`return backlog / spare if spare > 0 else float('inf')` (and 0 for no backlog).",
    ],
    explanation="The backlog shrinks at the spare capacity, cμ − λ, so it drains in "
    "B / (cμ − λ); with no spare capacity it never does. `theory.drain_time` computes the same.",
    wrong_example=WrongExample(
        lambda backlog, workers, order_ms, arrival_rate: backlog / (workers * 1000 / order_ms),
        says="capacity − arrivals",
    ),
)


# -- q3 · a queue that never drains ----------------------------------------------------------

q3 = ChoiceQuestion(
    "q3",
    variable="all_day",
    title="Busy all day: what the queue does",
    options={
        "a": "The queue absorbs it: orders wait a little longer, as in a sale.",
        "b": "The backlog grows by about 2 orders every second, all day: each order waits "
        "longer than the one before, and the queue never drains.",
        "c": "The queue fills up and starts rejecting orders after a while.",
        "d": "The workers speed up to match the arrivals, as a queue levels the load.",
    },
    answer=lambda: "b",
    why={
        "a": "a sale ends, and then the spare capacity drains the backlog. Here nothing is "
        "spare: more arrives every second than leaves.",
        "c": "the lesson's queue has no limit; a bounded one would reject, but then the orders "
        "are refused, not absorbed.",
        "d": "the workers' pace is their capacity; a queue changes when work is done, not how "
        "much can be done.",
    },
    when_correct="A queue buys time, not capacity: it can hold a burst that ends, never a "
    "load above what the workers process. Here you need more workers, or to shed load.",
    evidence=q3_evidence,
    hints=[
        "Compare what arrives each second with what the workers process each second.",
        lambda: f"{BUSY_RATE:g} − {CAP:g} = {BUSY_RATE - CAP:g} orders/s. When does that stop?",
    ],
    explanation="More arrives than leaves, every second: the backlog grows without end, and so "
    "does every order's wait. B / (cμ − λ) has a negative denominator: never.",
    wrong_example=WrongExample("a", says="nothing is spare"),
)


# -- q4 · Little's law: one order's wait behind the backlog ------------------------------------

q4 = ValueQuestion(
    "q4",
    variable="wait_s",
    title="One order's wait behind the backlog",
    expected=q4_expected,
    label="wait",
    truth=lambda t: f"{QUEUED:,} orders ahead at {CAP:g} orders/s take {t}",
    rel_tol=0.01,
    spec=",.0f",
    unit="s",
    mistakes=q4_mistakes,
    evidence=q4_evidence,
    when_correct="The wait is the queue ahead divided by the rate it empties (Little's law, W "
    "= L / λ): the queue's length in orders is also a wait in seconds.",
    hints=[
        "Your order waits until every order ahead of it has been processed. How fast are "
        "they processed?",
        lambda: f"The workers process {CAP:g} orders/s, whatever arrives after you.",
        lambda: f"{QUEUED:,} / {CAP:g}",
    ],
    explanation=lambda: (
        f"W = L / λ = {QUEUED:,} / {CAP:g} per second = {q4_expected():.0f} s before it starts "
        f"(plus its own {SHOP.order_ms:g} ms)."
    ),
    wrong_example=WrongExample(180, says="until the queue is *empty*"),
)


# -- q5 · size the workers and the queue ------------------------------------------------------


def _workers(result) -> float:
    return float(result.config.workers)


def _accept_advice(values, result) -> str:
    q = values["queue_capacity"]
    cap = result.config.throughput_cap
    return (
        f"Too many orders refused. In the {SALE_S:g} s sale the workers process about "
        f"{cap * SALE_S:,.0f} orders and the queue holds {show(q)}: a longer queue accepts "
        f"more (each extra order waits about 1 / {cap:g} s more), or more workers."
    )


def _wait_advice(values, result) -> str:
    cap = result.config.throughput_cap
    return (
        f"Orders wait too long: the last order in a full queue of Q waits about Q / {cap:g} s. "
        f"Bound the queue (`queue_capacity`) so that Q / {cap:g} stays under "
        f"{WAIT_GOAL_S:g} s, with room for randomness."
    )


def _budget_advice(values, result) -> str:
    return f"More than {MOST_WORKERS} workers is over the budget: use a bounded queue instead."


q5 = ScenarioQuestion(
    "q5",
    variables=("workers", "queue_capacity"),
    run=q5_run,
    validate=q5_validate,
    goals=[
        Goal("workers", _workers, MOST_WORKERS, at_most=True, advice=_budget_advice),
        Goal(
            "the sale's orders accepted",
            accepted_in_sale,
            ACCEPT_GOAL,
            at_most=False,
            spec=".0%",
            advice=_accept_advice,
        ),
        Goal(
            "p99 wait until an order is processed",
            fulfilment_p99_s,
            WAIT_GOAL_S,
            at_most=True,
            unit="s",
            advice=_wait_advice,
        ),
    ],
    title="Size the workers and a bounded queue",
    when_correct="A bounded queue turns “wait forever” into a promise: orders it accepts "
    "are processed within the time it holds, and the rest are told at once.",
    hints=[
        lambda: (
            f"Each worker processes {CAP / SHOP.workers:g} orders/s. How many do you need "
            f"so that the accepted orders (processed in the sale + the queue) reach "
            f"{ACCEPT_GOAL:.0%} of {SHOP.sale_rate * SALE_S:,.0f}?"
        ),
        lambda: (
            f"With {MOST_WORKERS} workers ({MOST_WORKERS * CAP / SHOP.workers:g}/s): a full "
            f"queue of Q makes its last order wait about Q / {MOST_WORKERS * CAP / SHOP.workers:g}"
            f" s, so Q ≤ about {WAIT_GOAL_S * MOST_WORKERS * CAP / SHOP.workers:,.0f}; and "
            f"{MOST_WORKERS * CAP / SHOP.workers:g} × {SALE_S:g} + Q must be ≥ "
            f"{ACCEPT_GOAL:.0%} of {SHOP.sale_rate * SALE_S:,.0f}."
        ),
        f"`workers = {MOST_WORKERS}` and a queue in the middle of that window, e.g. "
        "`queue_capacity = 600` (randomness moves both ends by about 50).",
    ],
    explanation="Three workers are the fewest that can keep both promises; a queue of about "
    "600 orders is processed within about 40 s at 15 orders/s, and together with what the "
    "workers process during the sale it accepts about four in five of the sale's orders.",
    wrong_example=WrongExample(
        {"workers": 2, "queue_capacity": None},
        says=("Orders wait too long", "✗ p99 wait"),
    ),
)


# -- q6 · a full queue that blocks ---------------------------------------------------------------

q6 = ChoiceQuestion(
    "q6",
    variable="blocked_user_sees",
    title="What a blocking queue does to users",
    options={
        "a": "“Order received” at once, as with an unbounded queue.",
        "b": "A spinner: the request waits for room in the queue, for seconds or minutes, "
        "before “order received”.",
        "c": "An immediate “busy, try again”.",
        "d": "Nothing: the order is dropped silently when the queue is full.",
    },
    answer=lambda: "b",
    why={
        "a": "the queue is full during the sale: the publisher cannot hand the order over "
        "until a worker takes one out.",
        "c": "that is a queue that *rejects* when full (or a sync shop that sheds load).",
        "d": "nothing is dropped: the accounting balances; the order waits to get in.",
    },
    when_correct="Back-pressure moves the wait back to the caller: a blocking queue behaves "
    "like a sync shop with a long line. Rejecting is the honest choice when users cannot wait.",
    evidence=q6_evidence,
    hints=[
        "When the queue is full, where does a new order wait?",
        "Who is holding on while it waits: the worker, the queue, or the user's request?",
    ],
    explanation="A blocking publisher waits for room, so the user's request hangs until a "
    "worker frees a place: the burst's wait moves from the queue back to the user.",
    wrong_example=WrongExample("c", says="*rejects* when full"),
)


# -- q7 · in your own words: graded by a person, against this rubric ----------------------------

q7 = WrittenQuestion(
    "q7",
    module=__name__,
    title="A ticket sale: queue it, or shed load?",
    criteria=[
        (
            1,
            "Numbers: 50,000 requests at 100 confirmations/s take about 500 s (8 minutes) to "
            "work through a queue, though only 2,000 tickets exist: 48,000 fans would learn "
            "“sold out” minutes later.",
        ),
        (
            1,
            "The card's rule: a fan needs the result now (ticket or not), an immediate "
            "confirmation, so sync with fast load shedding (“sold out” / “try again”) "
            "or a reservation the user sees at once fits better than a queue.",
        ),
        (
            1,
            "A queue fits when the work can wait and every accepted order can be fulfilled "
            "(no hard stock limit), and the load falls below capacity afterwards: it buys "
            "time, not capacity.",
        ),
    ],
    hints=[
        "How long would the last of 50,000 requests wait in a queue at 100/s? And how many "
        "of them can succeed?",
        "Does a fan need the result immediately? What does the card say then?",
    ],
)


#: this notebook's checked questions; ``progress()`` checks them all and shows which are done
QUESTIONS = QuestionSet(__name__, q1, q2, q3, q4, q5, q6)
progress = QUESTIONS.progress
#: the questions answered in words (graded by hand; ``q7.rubric()``, ``q7.solution()``)
WRITTEN = (q7,)
