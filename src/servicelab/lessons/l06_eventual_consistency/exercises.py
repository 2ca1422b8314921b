"""Exercises for lesson 06 · Eventual consistency (``exercises/06_eventual_consistency.ipynb``).

Covers: how likely a read is stale t after "confirmed" (a closed form), a
stale-read function the kit holds against simulated checkouts, predicting
the items a stale view oversells, the oversell of a sale that outpaces
Inventory (an even-flow estimate), which remedy fits a bookshop, what
read-your-writes with a "pending" state shows, and when to reserve
synchronously (in words).

The questions' words are here, each with a deliberately wrong answer; what
the checks compare with (:mod:`servicelab.theory`, simulations) is in
:mod:`._exercise_checks`, which states the settings the notebook's prose
quotes.

Questions: ``q1`` value · ``q2`` function (with simulated checkouts) · ``q3``
predict · ``q4`` value · ``q5`` choice · ``q6`` choice; ``q7`` in words (a
rubric, graded by hand).
"""

from __future__ import annotations

import math

from servicelab.exercises import QuestionSet, WrittenQuestion, WrongExample, ____
from servicelab.exercises.kinds import (
    ChoiceQuestion,
    FunctionQuestion,
    PredictQuestion,
    ValueQuestion,
    number_judge,
)

from ._exercise_checks import (
    Q1,
    Q3,
    Q4,
    q1_evidence,
    q1_expected,
    q1_mistakes,
    q2_cases,
    q2_mistakes,
    q3_actual,
    q3_explain,
    q4_evidence,
    q4_expected,
    q4_mistakes,
    q5_evidence,
    q6_evidence,
)

__all__ = [
    "____",
    "exp",
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
]

#: e to the power of x, for the answers (a notebook imports from the kit only)
exp = math.exp

_MU1 = 1000 / Q1["update_ms"]

# -- q1 · how likely a read is stale ------------------------------------------------------------

q1 = ValueQuestion(
    "q1",
    variable="stale",
    title="How likely a read is stale",
    expected=q1_expected,
    label="P(stale)",
    truth=lambda t: (
        f"e^(−({_MU1:g} − {Q1['rate']:g}) × {Q1['read_s']:g}) = {t}: the lag is the "
        "consumer's sojourn time"
    ),
    rel_tol=0.01,
    spec=".3f",
    fraction=True,
    mistakes=q1_mistakes,
    evidence=q1_evidence,
    when_correct="The update waits behind those ahead of it and then takes its own time: "
    "for one consumer that sojourn is exponential with rate μ − λ, the headroom.",
    hints=[
        "The lesson's formula: P(stale at t) = e^(−(μ − λ) t). What are μ and λ here, per second?",
        lambda: f"μ = 1000 / {Q1['update_ms']:g} = {_MU1:g} updates/s; λ = {Q1['rate']:g}/s.",
        lambda: f"`exp(-({_MU1:g} - {Q1['rate']:g}) * {Q1['read_s']:g})`",
    ],
    explanation=lambda: (
        f"P(stale at t) = e^(−(μ − λ) t) = e^(−({_MU1:g} − {Q1['rate']:g}) × "
        f"{Q1['read_s']:g}) = {q1_expected():.3f}: about {q1_expected():.0%} of reads half a "
        "second after “confirmed” still see the old stock."
    ),
    wrong_example=WrongExample(math.exp(-_MU1 * Q1["read_s"]), says="μ − λ"),
)


# -- q2 · a stale-read function held against simulated checkouts ------------------------------

q2 = FunctionQuestion(
    "q2",
    variable="stale_chance",
    title="A stale-read function, checked against simulated checkouts",
    signature="stale_chance(read_after_s, orders_per_s, update_ms)",
    cases=q2_cases,
    judge=number_judge(rel_tol=1e-6, abs_tol=1e-6),
    mistakes=q2_mistakes,
    when_correct="Your function matches e^(−(μ − λ) t), and the kit's simulated checkouts "
    "are as stale as it says, within their noise. With no spare capacity, it says 1.",
    hints=[
        "One consumer applies μ = 1000 / update_ms updates a second; orders arrive at "
        "orders_per_s. The lesson's formula gives the chance that a read is stale.",
        "`mu = 1000 / update_ms`; if `orders_per_s >= mu` the lag grows without end: return 1.0.",
        "`return exp(-(mu - orders_per_s) * read_after_s)` (`exp` came with the questions).",
    ],
    explanation="P(stale at t) = e^(−(μ − λ) t) with μ = 1000 / update_ms: the sojourn time "
    "of an M/M/1 queue. With λ ≥ μ the queue grows without end and no formula holds: the "
    "read is stale. `theory.stale_probability` computes the same (and M/M/c).",
    wrong_example=WrongExample(
        lambda read_after_s, orders_per_s, update_ms: math.exp(-(1000 / update_ms) * read_after_s),
        says="use μ − λ",
    ),
)


# -- q3 · predict the oversold items ------------------------------------------------------------

q3 = PredictQuestion(
    "q3",
    variable="oversold",
    title="Predict: the items a stale view oversells",
    actual=q3_actual,
    label="an oversold count",
    explain=q3_explain,
    rel_tol=0.3,
    spec=",.0f",
    unit="items",
    hints=[
        "Buyers are let through while the view still shows items. How long does it show "
        "them, when Inventory applies about 22 reservations a second?",
        lambda: (
            f"{Q3['items']} items at about 22 a second take about {Q3['items'] / 22:.1f} s to "
            f"apply; {Q3['buyer_rate']:g} buyers arrive each second meanwhile."
        ),
    ],
    explanation=lambda: q3_explain(0, 0),
    # a prediction is credited with its reason, never graded: what fails is its form
    wrong_example=WrongExample({"oversold": 80, "because": ""}, says="say in a sentence why"),
)


# -- q4 · the oversell of a sale that outpaces Inventory ----------------------------------------

q4 = ValueQuestion(
    "q4",
    variable="oversold_estimate",
    title="The oversell of a sale that outpaces Inventory",
    expected=q4_expected,
    label="estimate",
    truth=lambda t: (
        f"{Q4['items']} × ({Q4['buyer_rate']:g} / {1000 / Q4['update_ms']:g} − 1) = {t}"
    ),
    rel_tol=0.01,
    spec=",.0f",
    unit="items",
    mistakes=q4_mistakes,
    evidence=q4_evidence,
    when_correct="The view shows items until Inventory has applied the last one, n / μ "
    "seconds; every buyer meanwhile is let through: n λ / μ, of whom n get an item.",
    hints=[
        "When does the view first show zero? Inventory must have applied every item's "
        "reservation. How long does that take?",
        lambda: (
            f"{Q4['items']} reservations at {1000 / Q4['update_ms']:g} a second take "
            f"{Q4['items'] / (1000 / Q4['update_ms']):g} s; {Q4['buyer_rate']:g} buyers a "
            "second are let through meanwhile."
        ),
        lambda: (
            f"{Q4['buyer_rate']:g} × {Q4['items'] / (1000 / Q4['update_ms']):g} − {Q4['items']}"
        ),
    ],
    explanation=lambda: (
        f"The view reaches zero after n / μ = {Q4['items']} / {1000 / Q4['update_ms']:g} = "
        f"{Q4['items'] / (1000 / Q4['update_ms']):g} s; meanwhile λ × that = "
        f"{Q4['buyer_rate'] * Q4['items'] / (1000 / Q4['update_ms']):g} buyers were told "
        f"“confirmed”, {Q4['items']} of them get an item: {q4_expected():.0f} oversold."
    ),
    wrong_example=WrongExample(90, says="subtract the stock"),
)


# -- q5 · which remedy for a bookshop ---------------------------------------------------------

q5 = ChoiceQuestion(
    "q5",
    variable="bookshop_design",
    title="A bookshop: which remedy?",
    options={
        "a": "Reserve every copy synchronously: each buyer waits for Inventory's answer.",
        "b": "Async, “confirmed” at once; in the rare case a title has run out, refund the "
        "buyer with an apology (compensate).",
        "c": "Show every order as “pending” until Inventory has applied it.",
        "d": "No remedy is needed: with thousands of copies the view is never stale.",
    },
    answer=lambda: "b",
    why={
        "a": "every buyer would wait for Inventory, and no one could buy while it is down, "
        "to prevent an oversell that happens twice a year.",
        "c": "every buyer would watch “pending” for the lag, nearly always for nothing.",
        "d": "the view is always stale for the consumer's lag; with plenty of stock that "
        "rarely matters, but “never stale” is not true.",
    },
    when_correct="Compensation fits when overselling is rare and an apology is cheap: the "
    "shop stays fast and keeps selling while Inventory is slow or down.",
    evidence=q5_evidence,
    hints=[
        "How often does the stale view oversell here, and what does each remedy cost every "
        "buyer, every day?",
        "Which remedy costs nothing until the rare oversell happens?",
    ],
    explanation="Compensate. With plentiful stock a stale view almost never oversells; a sync "
    "reservation or a “pending” state would make every buyer pay (a wait, an outage, a "
    "spinner) for a rare event that an apology and a refund put right.",
    wrong_example=WrongExample("a", says="twice a year"),
)


# -- q6 · what read-your-writes with "pending" shows ------------------------------------------

q6 = ChoiceQuestion(
    "q6",
    variable="pending_shows",
    title="Read-your-writes: what “pending” shows",
    options={
        "a": "Every reader, on every page, sees the new stock at once.",
        "b": "The buyer sees their own order right away, marked “pending”, and is promised an "
        "item only once Inventory has reserved it; other readers may still see old stock.",
        "c": "The order can no longer end “sold out” once it shows “pending”.",
        "d": "Orders are applied faster, because Inventory skips the queue.",
    },
    answer=lambda: "b",
    why={
        "a": "that is immediate consistency; read-your-writes only promises the writer sees "
        "their own write.",
        "c": "“pending” promises nothing: in the lesson, some buyers who saw “pending” then "
        "heard “sold out”.",
        "d": "the updates go through the same queue at the same speed; only what the buyer is "
        "told changes.",
    },
    when_correct="Read-your-writes is a promise to the writer alone: honest about what is not "
    "yet known, at the cost of buyers watching “pending” for the lag.",
    evidence=q6_evidence,
    hints=[
        "Whose reads does read-your-writes make consistent?",
        "Does anything get faster with a “pending” state? What changes is what the buyer is told.",
    ],
    explanation="The buyer reads their own write (their order, pending) at once; the promise "
    "of an item waits for Inventory. Nothing is oversold, and buyers see “pending” for about "
    "the consumer's lag.",
    wrong_example=WrongExample("a", says="immediate consistency"),
)


# -- q7 · in your own words: graded by a person, against this rubric ----------------------------

q7 = WrittenQuestion(
    "q7",
    module=__name__,
    title="Eventual consistency or a sync reservation?",
    criteria=[
        (
            1,
            "Ordinary stock (plenty of items): eventual consistency is fine; a stock count "
            "a second old hurts nobody, and async keeps checkout fast and up while Inventory "
            "is slow or down.",
        ),
        (
            1,
            "The limited drop: a stale view oversells scarce stock (in the lesson, 50 items "
            "drew tens of oversold orders); a wrong “yes” means apologies and refunds, so "
            "reserve synchronously, an operation requiring immediate confirmation.",
        ),
        (
            1,
            "Names the cost of the choice: sync buyers wait for the reservation and fail "
            "while Inventory is down; or a “pending” state (read-your-writes) / compensation "
            "as the async alternative, each with its price.",
        ),
    ],
    hints=[
        "What does a stale stock count cost when there are thousands of items? And when "
        "there are 50?",
        "Which of the lesson's remedies never promises an item it does not have, and what "
        "does the buyer pay for that?",
    ],
)


#: this notebook's checked questions; ``progress()`` checks them all and shows which are done
QUESTIONS = QuestionSet(__name__, q1, q2, q3, q4, q5, q6)
progress = QUESTIONS.progress
#: the questions answered in words (graded by hand; ``q7.rubric()``, ``q7.solution()``)
WRITTEN = (q7,)
