"""Exercises for lesson 02 · Temporal coupling (``exercises/02_temporal_coupling.ipynb``).

Covers: latency adds up along a sync chain (a closed form and a run), "if
Email Service is slow, entire checkout is slow" (predict, then run), a
function the kit holds against simulated checkouts, tail amplification, and
"Payment is sync".

The questions' words are here, each with a deliberately wrong answer; what
the checks compare with (the kit's settings and simulations) is in
:mod:`._exercise_checks`, which states the settings the notebook's prose
quotes.

Questions: ``q1`` value · ``q2`` predict then run · ``q3`` function (with
simulation runs) · ``q4`` value · ``q5`` choice.
"""

from __future__ import annotations

from servicelab.exercises import QuestionSet, WrongExample, ____
from servicelab.exercises.feedback import num
from servicelab.exercises.kinds import (
    ChoiceQuestion,
    FunctionQuestion,
    PredictQuestion,
    ValueQuestion,
    number_judge,
)

from ._exercise_checks import (
    CHAIN_LENGTH,
    P_SLOW,
    SLOW,
    means,
    publish_ms,
    q1_evidence,
    q1_expected,
    q1_mistakes,
    q2_actual,
    q2_explain,
    q3_cases,
    q3_mistakes,
    q4_evidence,
    q4_expected,
    q4_mistakes,
    q5_answer,
    q5_evidence,
)

__all__ = ["____", "q1", "q2", "q3", "q4", "q5", "QUESTIONS", "progress"]


# -- q1 · the latency sum, with a slow Email --------------------------------------------------

q1 = ValueQuestion(
    "q1",
    variable="sync_wait_ms",
    title="The sync wait with a slow Email",
    expected=q1_expected,
    label="mean sync wait",
    truth=lambda t: f"Order + Payment + Inventory + {SLOW} × Email is {t}",
    abs_tol=0.5,
    spec=",.0f",
    unit="ms",
    mistakes=q1_mistakes,
    # the prompt asks for the theory (the sum of the means); a run's mean (1,207 ms) is not
    # accepted, so the run is shown only next to a right answer, never as "agreeing" evidence
    when_correct=lambda: (
        "That is the card's “If Email Service is slow, entire checkout is slow”: in a sync "
        f"chain the user waits for the sum of every call. {q1_evidence()}"
    ),
    hints=[
        "A sync user waits for Order's own work, then Payment, then Inventory, then Email, "
        "one after the other. Add them up.",
        lambda: (
            "The means, in ms: "
            + ", ".join(f"{k} {v:.0f}" for k, v in means().items() if k != "analytics")
            + f". Only Email is {SLOW} times slower."
        ),
        lambda: f"Order + Payment + Inventory + {SLOW} × Email, with the means above.",
    ],
    explanation=lambda: (
        "The means: "
        + " + ".join(
            f"{k} {v:.0f}" if k != "email" else f"{SLOW} × email {v:.0f}"
            for k, v in means().items()
            if k != "analytics"
        )
        + f" = {q1_expected():,.0f} ms. In a quiet shop nobody queues, so the mean wait is "
        "just that sum."
    ),
    wrong_example=WrongExample(
        315, says="but Order + Payment + Inventory + 10 × Email is 1,215 ms"
    ),
)


# -- q2 · predict the async wait with the slow Email ------------------------------------------

q2 = PredictQuestion(
    "q2",
    variable="async_p50_ms",
    title="Predict: the async wait with a slow Email",
    actual=q2_actual,
    label="a median async wait",
    explain=q2_explain,
    rel_tol=0.25,
    unit="ms",
    hints=[
        "Which services does an async user wait for? Is Email one of them?",
        lambda: (
            "Order, Payment and the publish. Their means: "
            f"{means()['order']:.0f}, {means()['payment']:.0f} and {publish_ms():.0f} ms. "
            "(A median is a bit below the mean for these services.)"
        ),
    ],
    explanation=lambda: q2_explain(0, 0),
    # a prediction is credited with its reason, never graded: what fails is its form
    wrong_example=WrongExample(
        {"async_p50_ms": "160 ms", "because": "Payment plus the publish, not Email"},
        says="Write the number without quotes: 160",
    ),
)


# -- q3 · a function the kit holds against simulated checkouts --------------------------------


def _whole_chain(latency, style):
    """Wrong: the whole chain's sum, whatever the style."""
    return sum(ms for step, ms in latency.items() if step != "publish")


q3 = FunctionQuestion(
    "q3",
    variable="user_wait",
    title="A function for the user's wait",
    signature="user_wait(latency, style)",
    cases=q3_cases,
    judge=number_judge(abs_tol=1e-6),
    show_result=lambda x: num(x, ",.6g") if isinstance(x, (int, float)) else repr(x),
    mistakes=q3_mistakes,
    when_correct="The kit ran checkouts with exactly these latencies, and your function "
    "predicted every user's wait to the millisecond: the sum of a sync chain, or Order + "
    "Payment + publish.",
    hints=[
        "Two cases: `if style == 'sync':` … else …. `latency` is a dict of ms per step.",
        "Sync: add every value in `latency` except the one for 'publish' (the services may "
        "include 'analytics'). Try `sum(...)` over `latency.items()`.",
        "Async: `latency['order'] + latency['payment'] + latency['publish']`.",
    ],
    explanation="A sync user waits for Order's work and every call in turn, whichever "
    "services the shop has; an async user waits for Order, Payment and the publish, then "
    "gets an acknowledgement.",
    wrong_example=WrongExample(_whole_chain, says="That is the whole chain"),
)


# -- q4 · tail amplification ------------------------------------------------------------------

q4 = ValueQuestion(
    "q4",
    variable="slow_share",
    title="Tail amplification in a 6-service chain",
    expected=q4_expected,
    label="share",
    truth=lambda t: f"for {CHAIN_LENGTH} services it is 1 − {1 - P_SLOW:g}^{CHAIN_LENGTH} = {t}",
    abs_tol=0.0006,
    spec=".4f",
    fraction=True,
    decimals=3,
    mistakes=q4_mistakes,
    evidence=q4_evidence,
    when_correct=lambda: (
        "The longer the chain, the more requests *meet* a slow call. In a sequential chain "
        "that is not what lifts its p99, though: the medians add up, and relative to its "
        "median the chain's tail narrows (lesson 02 prints p99/median falling as the chain "
        "grows). Where 1 − 0.99ⁿ bites is **fan-out**: a request that waits for the slowest "
        f"of n parallel calls is slower than one service's p99 with that chance, "
        f"{1 - (1 - P_SLOW) ** 100:.0%} at n = 100."
    ),
    hints=[
        "It is easier the other way round: what is the chance that *every* call is fast?",
        lambda: (
            f"One call is fast with probability {1 - P_SLOW:g}; {CHAIN_LENGTH} "
            f"independent calls are all fast with {1 - P_SLOW:g} ** {CHAIN_LENGTH}."
        ),
    ],
    explanation=lambda: (
        f"All {CHAIN_LENGTH} calls are fast with probability "
        f"{1 - P_SLOW:g}^{CHAIN_LENGTH} = {(1 - P_SLOW) ** CHAIN_LENGTH:.4f}, so at least one is "
        f"slow with 1 − that = {q4_expected():.4f}."
    ),
    # 0.06 (6 × 1 %) is also the right value rounded to 2 places: that gets the rounding hint
    wrong_example=WrongExample(
        0.9415, says=("no slow call at all: take it from 1", "met at least one slow call")
    ),
)


# -- q5 · payment is sync ---------------------------------------------------------------------

q5 = ChoiceQuestion(
    "q5",
    variable="decline_heard",
    title="Who hears about a declined card first?",
    options={
        "a": "Sync users: their checkout talks to Payment directly.",
        "b": "Async users: their checkout is faster.",
        "c": "Both at the same moment, right after the Payment call.",
        "d": "Async users find out only later, by email.",
    },
    answer=q5_answer,
    why={
        "a": "both checkouts talk to Payment directly: Payment is a sync call in both designs.",
        "b": "async makes the work *after* Payment leave the user's path; it does not make "
        "Payment faster.",
        "d": "the card keeps Payment sync precisely so that the user knows at once whether "
        "it worked.",
    },
    when_correct="“Payment is sync (user needs to know if it worked)”: in both designs a "
    "decline ends the order right after the Payment call, before anything async happens.",
    evidence=q5_evidence,
    hints=[
        "In the async checkout of the card, which call is still sync?",
        "What happens to an order right after Payment says no, in each design?",
    ],
    explanation="Payment is sync in both designs; a decline is answered right after it.",
    wrong_example=WrongExample("a", says="Payment is a sync call in both designs"),
)


#: this notebook's questions; ``progress()`` checks them all and shows which are done
QUESTIONS = QuestionSet(__name__, q1, q2, q3, q4, q5)
progress = QUESTIONS.progress
