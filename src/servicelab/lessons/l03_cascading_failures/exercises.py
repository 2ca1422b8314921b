"""Exercises for lesson 03 · Cascading failures (``exercises/03_cascading_failures.ipynb``).

Covers: availability multiplies along a sync chain (a closed form, then a
function the kit holds against simulated flaky checkouts), "If Inventory
Service is down, checkout fails" (predict, then run), Little's law for a
worker pool, why a slow dependency fails requests that never call it, and
choosing a timeout and retries that tame a slow tail without retry amplification.

The questions' words are here, each with a deliberately wrong answer; what
the checks compare with (:mod:`servicelab.theory`, simulations) is in
:mod:`._exercise_checks`, which states the settings the notebook's prose
quotes.

Questions: ``q1`` value · ``q2`` function (with simulation runs) · ``q3``
predict then run · ``q4`` value · ``q5`` choice · ``q6`` scenario settings;
``q7`` in words (a rubric, graded by hand).
"""

from __future__ import annotations

import numbers

from servicelab.exercises import QuestionSet, WrongExample, ____
from servicelab.exercises.feedback import num, show
from servicelab.exercises.kinds import (
    ChoiceQuestion,
    FunctionQuestion,
    Goal,
    PredictQuestion,
    ScenarioQuestion,
    ValueQuestion,
    number_judge,
)
from servicelab.scenarios.pool_exhaustion import PoolConfig
from servicelab.sync import Retry

from ._exercise_checks import (
    AVAILABILITY,
    CALLS_GOAL,
    CHECKOUT_RATE,
    CONFIRMED_GOAL,
    INVENTORY,
    P99_GOAL_MS,
    SLOWDOWN,
    calls_per_order,
    hold_ms,
    payment,
    q1_evidence,
    q1_expected,
    q1_mistakes,
    q2_cases,
    q2_mistakes,
    q3_actual,
    q3_explain,
    q3_hint,
    q4_evidence,
    q4_expected,
    q4_mistakes,
    q5_answer,
    q5_evidence,
    q6_run,
    q6_validate,
)
from ._written import WRITTEN, q7
from .analysis import CHAIN

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
    "INVENTORY",
]


# -- q1 · availability multiplies --------------------------------------------------------------

q1 = ValueQuestion(
    "q1",
    variable="availability",
    title="Availability of a 4-service sync chain",
    expected=q1_expected,
    label="chain availability",
    truth=lambda t: f"a {len(CHAIN)}-service chain of {AVAILABILITY:g} each is {t}",
    abs_tol=0.0005,
    spec=".4f",
    fraction=True,
    decimals=3,
    mistakes=q1_mistakes,
    evidence=q1_evidence,
    when_correct="A sync checkout works only if every link works, so the availabilities "
    "multiply: each extra service costs about one percentage point here.",
    hints=[
        "The sync checkout works only if Payment works *and* Inventory works *and* Email "
        "works *and* Analytics works.",
        "For independent events, *and* means multiply.",
        lambda: (
            f"{' × '.join([f'{AVAILABILITY:g}'] * len(CHAIN))}, or "
            f"`{AVAILABILITY:g} ** {len(CHAIN)}`."
        ),
    ],
    explanation=lambda: (
        f"{AVAILABILITY:g} ** {len(CHAIN)} = {q1_expected():.4f}: "
        "`theory.chain_availability` computes the same."
    ),
    wrong_example=WrongExample(
        0.9801,
        says=(
            "Your chain availability is 0.9801 but a 4-service chain of 0.99 each is 0.9606: "
            "did you multiply all four?",
            "The simulation agrees",
        ),
    ),
)


# -- q2 · a function the kit holds against flaky simulated checkouts -----------------------

q2 = FunctionQuestion(
    "q2",
    variable="checkout_success",
    title="A function for checkout success",
    signature="checkout_success(availability, services, style)",
    cases=q2_cases,
    judge=number_judge(abs_tol=1e-9),
    show_result=lambda x: num(x, ".4f") if isinstance(x, numbers.Real) else show(x),
    mistakes=q2_mistakes,
    when_correct="Your function matches the theory, and the kit's flaky checkouts land "
    "where it says: sync success shrinks with every service, async success is Payment's.",
    hints=[
        "Two cases, by `style`. Think about which services a user's answer depends on in each.",
        "Sync: every one of `services` services must work. Async: only Payment.",
        "`return availability ** services if style == 'sync' else availability`",
    ],
    explanation="A sync checkout's answer depends on the whole chain (the product); an async "
    "checkout's on Payment alone, because the other services' failures are retried from "
    "their queues and never reach the user.",
    wrong_example=WrongExample(
        lambda availability, services, style: availability**services,
        says="An async checkout waits for Payment alone",
    ),
)


# -- q3 · predict: an Inventory outage ----------------------------------------------------------

q3 = PredictQuestion(
    "q3",
    variable="failed_share",
    title="Predict: sync checkouts lost to an Inventory outage",
    actual=q3_actual,
    label="a failed share",
    explain=q3_explain,
    rel_tol=0.0,
    abs_tol=0.05,
    spec=".1%",
    fraction=True,
    hints=[
        "Which sync checkouts fail: all of them, or only some? Which ones?",
        q3_hint,
    ],
    explanation=lambda: q3_explain(0, 0),
    # a prediction is credited with its reason, never graded: what fails is its form
    wrong_example=WrongExample(
        {"failed_share": 30, "because": "orders arriving while Inventory is down fail"},
        says="looks like a percentage",
    ),
)


# -- q4 · Little's law for the Order service's workers ------------------------------------------

q4 = ValueQuestion(
    "q4",
    variable="busy_workers",
    title="Little's law: busy Order workers",
    expected=q4_expected,
    label="number of busy workers",
    truth=lambda t: (
        f"Little's law gives L = λ × W = {CHECKOUT_RATE:g}/s × {hold_ms() / 1000:g} s = {t}"
    ),
    rel_tol=0.01,
    spec=",.2f",
    mistakes=q4_mistakes,
    evidence=q4_evidence,
    when_correct=lambda: (
        f"That is more than the pool's {PoolConfig().workers} workers: "
        "while Inventory is slow, every Order worker ends up waiting on it, and the pool is "
        "exhausted."
    ),
    hints=[
        "Little's law: the average number of requests inside a system, L, is the arrival "
        "rate λ times the time each spends inside, W.",
        lambda: (
            f"Here W is how long one checkout holds an Order worker: Order's own work "
            f"plus the Inventory call, now {SLOWDOWN:g} times slower. The means: Order "
            f"{PoolConfig().order_latency.mean_ms:g} ms, Inventory "
            f"{PoolConfig().inventory_latency.mean_ms:g} ms when healthy."
        ),
        lambda: (
            f"W = {PoolConfig().order_latency.mean_ms:g} + {SLOWDOWN:g} × "
            f"{PoolConfig().inventory_latency.mean_ms:g} ms; λ = {CHECKOUT_RATE:g} per second. "
            "Put W in seconds."
        ),
    ],
    explanation=lambda: (
        f"W = {hold_ms():,.0f} ms = {hold_ms() / 1000:g} s; L = λ × W = "
        f"{CHECKOUT_RATE:g} × {hold_ms() / 1000:g} = {q4_expected():.2f} busy workers. "
        "`theory.littles_law` computes the same."
    ),
    wrong_example=WrongExample(12050, says="convert W to seconds"),
)


# -- q5 · why requests that never call Inventory fail -----------------------------------------

q5 = ChoiceQuestion(
    "q5",
    variable="why_simple_fail",
    title="Why requests that never call Inventory fail",
    options={
        "a": "Inventory's errors spread to every request over the network.",
        "b": "Every Order worker is held waiting for the slow Inventory, so simple requests "
        "wait for a free worker until their users give up.",
        "c": "Simple requests call Inventory too, only less often.",
        "d": "It is just the load: the async design fails them as well.",
    },
    answer=q5_answer,
    why={
        "a": "Inventory makes no errors in this scenario; it is only slow. No error travels "
        "anywhere.",
        "c": "simple requests (“view my orders”) are Order's own work only; they never "
        "touch Inventory.",
        "d": "with the same requests, async frees each Order worker after publishing, so the "
        "pool never fills and the simple requests are served.",
    },
    when_correct="The failure cascades through a shared resource, the caller's worker pool: "
    "by Little's law the slow checkouts need more workers than the pool has (question 4), "
    "so everything that needs a worker suffers.",
    evidence=q5_evidence,
    hints=[
        "What does a sync checkout's Order worker do while Inventory takes its time?",
        "Question 4 worked out how many workers the checkouts need while Inventory is slow. "
        "How many does the pool have?",
    ],
    explanation="A sync call holds the caller's worker for the whole call. Slow Inventory "
    "means long holds, the pool runs out, and every request that needs a worker — simple "
    "ones too — waits until its user gives up.",
    wrong_example=WrongExample("c", says="never touch Inventory"),
)


# -- q6 · a timeout and retries without retry amplification ----------------------------------------


def _p99_advice(values, result) -> str:
    t, retry = values["timeout_ms"], values["retry"]
    if t is None:
        return (
            "Without a timeout a user waits out every slow Inventory call, and Inventory's "
            f"own p99 is {INVENTORY.quantile(0.99):,.0f} ms. A timeout cuts those calls short; "
            "a retry then gives them a second, usually quick, chance."
        )
    waits = sum(retry.delay(k, 0.0) for k in range(1, retry.attempts))
    if waits > P99_GOAL_MS / 4:
        return (
            f"Your retries wait up to {waits:,.0f} ms in all before trying again, and those "
            "waits add to the user's time: keep the backoff short here."
        )
    return (
        f"With a {num(t, ',.0f')} ms timeout a slow call can hold the user that long on each "
        "attempt. A shorter timeout cuts the tail sooner (but mind Payment's normal calls)."
    )


def _confirmed_advice(values, result) -> str:
    if values["retry"].attempts == 1 and values["timeout_ms"] is not None:
        return (
            "With a timeout and no retry, every timed-out call fails its order: allow a "
            "second attempt (`Retry(attempts=2, …)`)."
        )
    return (
        "Too many orders fail even after retries: is your timeout shorter than healthy calls "
        f"take? Payment's median is {payment().median_ms:,.0f} ms and its p99 "
        f"{payment().quantile(0.99):,.0f} ms."
    )


def _amplification_advice(service: str, latency):
    """A goal's advice when ``service`` gets too many calls: retry amplification."""

    def advice(values, result) -> str:
        t = values["timeout_ms"]
        return (
            f"Retry amplification at {service.capitalize()}: your timeout "
            f"({num(t, ',.0f')} ms) cuts off many healthy calls "
            f"({service.capitalize()}'s median is "
            f"{latency().median_ms:,.0f} ms, its p99 {latency().quantile(0.99):,.0f} ms). "
            "They are retried although nothing was wrong, and every abandoned attempt still "
            f"costs {service.capitalize()} a worker."
        )

    return advice


q6 = ScenarioQuestion(
    "q6",
    variables=("timeout_ms", "retry"),
    run=q6_run,
    validate=q6_validate,
    goals=[
        Goal(
            "p99 of users' waits",
            lambda r: r.p(99),
            P99_GOAL_MS,
            at_most=True,
            unit="ms",
            advice=_p99_advice,
        ),
        Goal(
            "orders confirmed (of those not declined)",
            lambda r: r.success_rate(),
            CONFIRMED_GOAL,
            at_most=False,
            spec=".1%",
            advice=_confirmed_advice,
        ),
        Goal(
            "calls to Payment per order",
            calls_per_order("payment"),
            CALLS_GOAL,
            at_most=True,
            spec=".2f",
            unit="×",
            advice=_amplification_advice("payment", payment),
        ),
        Goal(
            "calls to Inventory per order",
            calls_per_order("inventory"),
            CALLS_GOAL,
            at_most=True,
            spec=".2f",
            unit="×",
            advice=_amplification_advice("inventory", lambda: INVENTORY),
        ),
    ],
    title="A timeout and retries without retry amplification",
    when_correct="Your timeout cuts Inventory's slow tail, your retries rescue the calls it "
    "cuts, and few healthy calls are retried: no amplification. It took three knobs tuned "
    "against one scenario. The async checkout takes Inventory off the user's path instead.",
    hints=[
        lambda: (
            f"Inventory's median is {INVENTORY.median_ms:,.0f} ms but its p99 is "
            f"{INVENTORY.quantile(0.99):,.0f} ms; Payment's median is {payment().median_ms:,.0f} "
            f"ms and its p99 {payment().quantile(0.99):,.0f} ms. The timeout applies to both."
        ),
        lambda: (
            "The timeout pulls two ways. Every call it cuts is retried, so it must cut few of "
            f"Payment's healthy calls (at most {CALLS_GOAL - 1:.0%} extra calls per order). "
            "And an order whose Inventory call is cut waits the whole timeout, then the retry, "
            f"plus Payment and Email: all that must fit under the {P99_GOAL_MS:,.0f} ms goal. "
            "Then you need at least one retry, with a short backoff."
        ),
        lambda: (
            f"About 300 ms: a third of the {P99_GOAL_MS:,.0f} ms goal, which leaves room for "
            "the retry, Payment and Email, yet it cuts only a few percent of Payment's calls "
            f"(its p99 is {payment().quantile(0.99):,.0f} ms). Try `timeout_ms = 300` with "
            "`Retry(attempts=3, backoff_ms=20, jitter=1.0)`. The window is narrow: below about "
            "250 ms too many healthy Payment calls are retried, and from 350 ms up the p99 "
            "comes close to the goal and, in some runs, over it."
        ),
    ],
    explanation="A timeout of about 300 ms stops the long waits early enough that a retry "
    "still fits within the goal; a retry (short backoff, with jitter) turns a cut-off call "
    "into a fresh, usually quick one; and because only a few percent of healthy calls are cut "
    "off, retries add a few percent of load instead of multiplying it.",
    wrong_example=WrongExample(
        {"timeout_ms": 100, "retry": Retry(attempts=5, backoff_ms=0)},
        says=("Retry amplification at Payment", "✗ calls to Payment per order"),
    ),
)


#: this notebook's questions; ``progress()`` checks them all and shows which are done
QUESTIONS = QuestionSet(__name__, q1, q2, q3, q4, q5, q6)
progress = QUESTIONS.progress
