"""Exercises for lesson 05 · Pub/sub (``exercises/05_pub_sub.ipynb``).

Covers: the availability of a sync fan-out (a closed form), the publisher's
wait when subscribers are added (a prediction), the caller's wait in a sync
fan-out (a function the kit holds against simulated orders), a subscriber
that is down, what a late subscriber missed, where to look when one order
went missing at one subscriber, and whether a fraud check should subscribe
(in words).

The questions' words are here, each with a deliberately wrong answer; what
the checks compare with is in :mod:`._exercise_checks`, which states the
settings the notebook's prose quotes.

Questions: ``q1`` value · ``q2`` predict · ``q3`` function (with simulated
orders) · ``q4`` choice · ``q5`` value · ``q6`` choice; ``q7`` in words (a
rubric, graded by hand).
"""

from __future__ import annotations

from servicelab.exercises import QuestionSet, WrittenQuestion, WrongExample, ____
from servicelab.exercises.kinds import (
    ChoiceQuestion,
    FunctionQuestion,
    PredictQuestion,
    ValueQuestion,
    number_judge,
)

from ._exercise_checks import (
    JOIN_MINUTES,
    Q1_AVAILABILITY,
    Q1_ORDERS,
    Q1_SUBSCRIBERS,
    RATE,
    q1_evidence,
    q1_expected,
    q1_mistakes,
    q2_actual,
    q2_explain,
    q3_cases,
    q3_mistakes,
    q4_evidence,
    q5_evidence,
    q5_expected,
    q5_mistakes,
    q6_evidence,
)

__all__ = ["____", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "QUESTIONS", "WRITTEN", "progress"]

# -- q1 · the availability of a sync fan-out ---------------------------------------------------

q1 = ValueQuestion(
    "q1",
    variable="failed_orders",
    title="How many orders a sync fan-out fails",
    expected=q1_expected,
    label="number of failed orders",
    truth=lambda t: f"{Q1_ORDERS:,} × (1 − {Q1_AVAILABILITY:g}^{Q1_SUBSCRIBERS}) = {t}",
    rel_tol=0.003,
    spec=",.0f",
    unit="orders",
    mistakes=q1_mistakes,
    evidence=q1_evidence,
    when_correct="Every required call must succeed, so the successes multiply: each new "
    "sync subscriber takes its failures out of the caller's availability.",
    hints=[
        "An order is confirmed only if every one of the calls succeeds. What is the chance "
        "of that?",
        lambda: (
            f"{Q1_AVAILABILITY:g} × {Q1_AVAILABILITY:g} × … ({Q1_SUBSCRIBERS} times); "
            "the failures are the rest."
        ),
        lambda: f"{Q1_ORDERS:,} * (1 - {Q1_AVAILABILITY:g} ** {Q1_SUBSCRIBERS})",
    ],
    explanation=lambda: (
        f"P(all succeed) = {Q1_AVAILABILITY:g}^{Q1_SUBSCRIBERS} = "
        f"{Q1_AVAILABILITY**Q1_SUBSCRIBERS:.4f}, so {q1_expected():,.0f} of {Q1_ORDERS:,} "
        "orders fail: a little less than adding the six 1 % chances, because some orders "
        "fail at two services at once."
    ),
    wrong_example=WrongExample(600, says="adds the failure chances"),
)


# -- q2 · predict the publisher's wait after two more subscribers ------------------------------

q2 = PredictQuestion(
    "q2",
    variable="publisher_p99_ms",
    title="Predict: the publisher's p99 with two more subscribers",
    actual=q2_actual,
    label="the publisher's p99 wait",
    explain=q2_explain,
    rel_tol=0.1,
    unit="ms",
    hints=[
        "What does the Order service do for one order in pub/sub? Does any of it depend on "
        "who subscribes?",
        "Its own work and one publish to the broker: the lesson printed that p99.",
    ],
    explanation=lambda: q2_explain(0, 0),
    wrong_example=WrongExample(
        {"publisher_p99_ms": "25 ms", "because": "the publish is paid once"},
        says="Write the number without quotes",
    ),
)


# -- q3 · a function for the caller's wait, held against simulated orders ----------------------


def _sum_always(times_ms, parallel):
    """Wrong: the sum, even when the calls go out at once."""
    return sum(times_ms)


q3 = FunctionQuestion(
    "q3",
    variable="calls_wait",
    title="The caller's wait for its calls",
    signature="calls_wait(times_ms, parallel)",
    cases=q3_cases,
    judge=number_judge(abs_tol=1e-6),
    mistakes=q3_mistakes,
    when_correct="One by one, the waits add up; at once, the caller waits for the slowest. "
    "Either way every sync subscriber is on the caller's path: in pub/sub none is.",
    hints=[
        "One by one: the second call starts when the first has answered. At once: all start "
        "together. When does the caller have every answer?",
        "One by one: the sum of the times. At once: the largest time.",
        "`return max(times_ms) if parallel else sum(times_ms)` (and 0 for no calls).",
    ],
    explanation="Calls one after the other add their times; calls sent at once are done when "
    "the slowest answers, so the caller waits for the maximum. The simulated orders agree "
    "when every call finds a free worker (no queueing at the subscribers).",
    wrong_example=WrongExample(_sum_always, says="at once"),
)


# -- q4 · a subscriber that is down ------------------------------------------------------------

q4 = ChoiceQuestion(
    "q4",
    variable="loyalty_down",
    title="Loyalty is down for a minute",
    options={
        "a": "Orders fail while Loyalty is down, as in a sync call.",
        "b": "Orders are confirmed as usual; Loyalty's queue grows, it catches up when it is "
        "back, and the other subscribers are not affected.",
        "c": "The events published while Loyalty is down are lost for Loyalty.",
        "d": "Every subscriber slows down until Loyalty is back, since they share the topic.",
    },
    answer=lambda: "b",
    why={
        "a": "the Order service only publishes; it never waits for Loyalty.",
        "c": "Loyalty's queue keeps them: a subscriber's queue holds its events until they "
        "are processed (a subscriber that did not exist yet is another matter: q5).",
        "d": "each subscriber has a queue of its own, read at its own pace.",
    },
    when_correct="Isolated failure: the down subscriber lags alone, and catches up later.",
    evidence=q4_evidence,
    hints=[
        "What does the Order service wait for in pub/sub?",
        "Where do the events for Loyalty wait while it is down?",
    ],
    explanation="The publisher hands each event to the broker and answers; Loyalty's own queue "
    "holds its events until it is back, then it works through them. The others read their own "
    "queues and never notice.",
    wrong_example=WrongExample("a", says="never waits for Loyalty"),
)


# -- q5 · what a late subscriber missed ----------------------------------------------------------

q5 = ValueQuestion(
    "q5",
    variable="missed_events",
    title="What a late subscriber missed",
    expected=q5_expected,
    label="number of missed events",
    truth=lambda t: f"{JOIN_MINUTES} min × 60 s × {RATE:g} orders/s = {t}",
    rel_tol=0.001,
    spec=",.0f",
    unit="events",
    mistakes=q5_mistakes,
    evidence=q5_evidence,
    when_correct="A topic delivers what is published *after* a subscriber subscribed. History "
    "needs a log to replay (lesson 08, coming) or a backfill from the Order service's data.",
    hints=[
        "A new subscriber gets the events published after it subscribed. How many were "
        "published before?",
        lambda: f"{JOIN_MINUTES} minutes at {RATE:g} orders a second.",
    ],
    explanation=lambda: (
        f"{JOIN_MINUTES} × 60 × {RATE:g} = {q5_expected():,.0f} OrderCreated events went out "
        "before Loyalty had a queue; nobody kept them for it."
    ),
    wrong_example=WrongExample(200, says="minutes as seconds"),
)


# -- q6 · one order, missing at one subscriber -----------------------------------------------------

q6 = ChoiceQuestion(
    "q6",
    variable="where_to_look",
    title="Where is order 4711's loyalty bonus?",
    options={
        "a": "In the Order service's log: it shows every call it made for the order.",
        "b": "Search every subscriber's records (Loyalty's above all: its queue, its dead "
        "letters, its log) for correlation id 4711: the Order service only knows it published.",
        "c": "Nowhere: in pub/sub a lost event cannot be traced.",
        "d": "Ask the broker to call Loyalty again for the order.",
    },
    answer=lambda: "b",
    why={
        "a": "that is sync's strength: the caller's log is the whole flow. In pub/sub the Order "
        "service's log ends at “published”.",
        "c": "it can, if every service logs the event's correlation id (the order number); "
        "the price is that the trace is spread over several places.",
        "d": "a broker does not call anyone on request; and first you need to know whether "
        "Loyalty got it, processed it, or dead-lettered it.",
    },
    when_correct="Nobody sees the whole flow in one place: correlation ids let you stitch it "
    "together from every subscriber's records.",
    evidence=q6_evidence,
    hints=[
        "What does the Order service know about an order after it published the event?",
        "Which id would every service's records share for this order?",
    ],
    explanation="The publisher knows only that it published. Each subscriber's records, "
    "searched by the event's correlation id, say when it received, processed, retried or "
    "dead-lettered the order.",
    wrong_example=WrongExample("a", says="ends at “published”"),
)


# -- q7 · in your own words: graded by a person, against this rubric ----------------------------

q7 = WrittenQuestion(
    "q7",
    module=__name__,
    title="Should a fraud check subscribe to OrderCreated?",
    criteria=[
        (
            1,
            "The card's question: the order must not be confirmed before the fraud check "
            "answers, so the caller needs the result immediately: a sync call on the order's "
            "path (or an order that stays “pending” until the check answers), not a subscriber "
            "told afterwards.",
        ),
        (
            1,
            "Numbers: as a sync call it adds its wait to every order (in parallel, the slowest "
            "call) and multiplies the caller's availability by its own (e.g. 99.5 % × …), so it "
            "needs a timeout and a decision for when it times out.",
        ),
        (
            1,
            "Side effects that need no answer (Email, Analytics, Loyalty) stay subscribers: "
            "they can be added without touching the Order service and lag alone when slow.",
        ),
    ],
    hints=[
        "Can the shop confirm the order before it knows whether it is fraud?",
        "What did the lesson show a sync call costs the caller? And what would a subscriber "
        "be able to do about an order already confirmed?",
    ],
)


#: this notebook's checked questions; ``progress()`` checks them all and shows which are done
QUESTIONS = QuestionSet(__name__, q1, q2, q3, q4, q5, q6)
progress = QUESTIONS.progress
#: the questions answered in words (graded by hand; ``q7.rubric()``, ``q7.solution()``)
WRITTEN = (q7,)
