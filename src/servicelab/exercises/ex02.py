"""Exercises for lesson 02 · Temporal coupling (``exercises/02_temporal_coupling.ipynb``).

Covers: latency adds up along a sync chain (a closed form and a run), "if
Email Service is slow, entire checkout is slow" (predict, then run), a
function the kit holds against simulated checkouts, tail amplification, and
"Payment is sync".

Expected answers are computed from the kit's settings
(:data:`~servicelab.scenarios.checkout.DEFAULT_LATENCY`) and simulations.
The notebook's prose states the settings below; change both together.

Questions: ``q1`` value · ``q2`` predict then run · ``q3`` function (with
simulation runs) · ``q4`` value · ``q5`` choice.
"""

from __future__ import annotations

import sys

import numpy as np

from ..faults import Faults
from ..latency import Fixed
from ..scenarios.chain import run_chain
from ..scenarios.checkout import CheckoutConfig, run_both, run_checkout
from .core import ____
from .core import progress as _progress
from .feedback import num
from .questions import (
    Case,
    ChoiceQuestion,
    FunctionQuestion,
    Mistake,
    PredictQuestion,
    ValueQuestion,
    lazy,
    number_judge,
)

__all__ = ["____", "q1", "q2", "q3", "q4", "q5", "QUESTIONS", "progress"]

EXERCISE = "ex02"
SEED = 7
#: how much slower Email is in q1 and q2
SLOW = 10
#: q1's quiet shop: orders per second (so that almost nobody queues)
QUIET_RATE = 1.0
#: q4: services in the chain, and the chance that one call is slow (slower than its p99)
CHAIN_LENGTH = 6
P_SLOW = 0.01


def _means() -> dict[str, float]:
    latency = CheckoutConfig().latency
    return {name: latency[name].mean_ms for name in latency}


def _publish_ms() -> float:
    return CheckoutConfig().publish_ms.mean_ms


def _slow_email() -> dict:
    return {"email": Faults.slow(SLOW)}


# -- q1 · the latency sum, with a slow Email --------------------------------------------------


def _q1_expected() -> float:
    m = _means()
    return m["order"] + m["payment"] + m["inventory"] + SLOW * m["email"]


def _q1_mistakes():
    m = _means()
    healthy = m["order"] + m["payment"] + m["inventory"] + m["email"]
    return [
        Mistake(healthy, f"that is the healthy shop. Email is {SLOW} times slower now."),
        Mistake(
            _q1_expected() - m["order"],
            f"did you forget the Order service's own {m['order']:.0f} ms of work?",
        ),
        Mistake(
            SLOW * healthy,
            f"only Email is slow: multiply its {m['email']:.0f} ms by {SLOW}, not the chain.",
        ),
        Mistake(
            m["order"] + m["payment"] + _publish_ms(),
            "that is the async wait. A sync user waits for every service in turn.",
        ),
        Mistake(
            SLOW * m["email"],
            "that is Email alone. The user waits for the whole chain, Email included.",
        ),
    ]


@lazy
def _q1_evidence() -> str:
    run = run_checkout(
        "sync", seed=SEED, n_orders=2000, arrival_rate=QUIET_RATE, faults=_slow_email()
    )
    return (
        f"The simulation agrees: 2,000 orders at {QUIET_RATE:g} per second (a quiet shop, "
        f"almost nobody queues), Email {SLOW}× slower: the mean sync wait was "
        f"{run.latency().mean():,.0f} ms."
    )


q1 = ValueQuestion(
    "q1",
    exercise=EXERCISE,
    variable="sync_wait_ms",
    title="The sync wait with a slow Email",
    expected=_q1_expected,
    label="mean sync wait",
    truth=lambda t: f"Order + Payment + Inventory + {SLOW} × Email is {t}",
    abs_tol=0.5,
    spec=",.0f",
    unit="ms",
    mistakes=_q1_mistakes,
    evidence=_q1_evidence,
    when_correct="That is the card's “If Email Service is slow, entire checkout is slow”: "
    "in a sync chain the user waits for the sum of every call.",
    hints=[
        "A sync user waits for Order's own work, then Payment, then Inventory, then Email, "
        "one after the other. Add them up.",
        lambda: (
            "The means, in ms: "
            + ", ".join(f"{k} {v:.0f}" for k, v in _means().items() if k != "analytics")
            + f". Only Email is {SLOW} times slower."
        ),
        lambda: f"Order + Payment + Inventory + {SLOW} × Email, with the means above.",
    ],
    explanation=lambda: (
        "The means: "
        + " + ".join(
            f"{k} {v:.0f}" if k != "email" else f"{SLOW} × email {v:.0f}"
            for k, v in _means().items()
            if k != "analytics"
        )
        + f" = {_q1_expected():,.0f} ms. In a quiet shop nobody queues, so the mean wait is "
        "just that sum."
    ),
)


# -- q2 · predict the async wait with the slow Email ------------------------------------------


@lazy
def _q2_runs():
    slow = run_both(seed=SEED, n_orders=2000, faults=_slow_email())
    healthy = run_both(seed=SEED, n_orders=2000)
    return slow, healthy


def _q2_actual():
    (slow_sync, slow_async), (_, healthy_async) = _q2_runs()
    return slow_async.p(50), (
        f"The run (2,000 orders at 5 per second, seed {SEED}): with Email {SLOW}× slower the "
        f"median async wait was {slow_async.p(50):,.0f} ms; with a healthy Email it was "
        f"{healthy_async.p(50):,.0f} ms. The median sync wait, for comparison: "
        f"{slow_sync.p(50):,.0f} ms."
    )


def _q2_explain(prediction, actual):
    m = _means()
    wait = m["order"] + m["payment"] + _publish_ms()
    return (
        "An async user waits for Order, Payment and the publish "
        f"({m['order']:.0f} + {m['payment']:.0f} + {_publish_ms():.0f} = {wait:.0f} ms on "
        "average) and gets an acknowledgement. Email works from its queue *after* the answer, "
        "so however slow it gets, the user's wait does not move."
    )


q2 = PredictQuestion(
    "q2",
    exercise=EXERCISE,
    variable="async_p50_ms",
    title="Predict: the async wait with a slow Email",
    actual=_q2_actual,
    label="a median async wait",
    explain=_q2_explain,
    rel_tol=0.25,
    unit="ms",
    hints=[
        "Which services does an async user wait for? Is Email one of them?",
        lambda: (
            "Order, Payment and the publish. Their means: "
            f"{_means()['order']:.0f}, {_means()['payment']:.0f} and {_publish_ms():.0f} ms. "
            "(A median is a bit below the mean for these services.)"
        ),
    ],
    explanation=lambda: _q2_explain(0, 0),
)


# -- q3 · a function the kit holds against simulated checkouts --------------------------------


def _reference(latency: dict, style: str) -> float:
    if style == "sync":
        return sum(ms for step, ms in latency.items() if step != "publish")
    return latency["order"] + latency["payment"] + latency["publish"]


_TABLE = (
    {"order": 5, "payment": 150, "inventory": 60, "email": 100, "publish": 2},
    {"order": 5, "payment": 150, "inventory": 60, "email": 1000, "publish": 2},
    {"order": 3, "payment": 80, "inventory": 40, "email": 120, "analytics": 30, "publish": 5},
)


def _simulated(latency: dict, style: str) -> Case:
    services = {k: Fixed(v) for k, v in latency.items() if k != "publish"}
    downstream = tuple(k for k in ("inventory", "email", "analytics") if k in latency)
    run = run_checkout(
        style,
        seed=SEED,
        n_orders=40,
        arrival_rate=QUIET_RATE,
        decline_rate=0.0,
        latency=services,
        downstream=downstream,
        publish_ms=latency["publish"],
    )
    waits = run.latency()
    return Case(
        (dict(latency), style),
        float(np.mean(waits)),
        note=f"The simulation: 40 orders through a {style} checkout with these fixed "
        f"latencies; every user waited {num(float(np.max(waits)), ',.6g')} ms.",
        source="simulation run",
    )


def _q3_cases():
    cases = [
        Case((dict(lat), style), _reference(lat, style))
        for lat in _TABLE[:2]
        for style in ("sync", "async")
    ]
    cases += [_simulated(_TABLE[0], "sync"), _simulated(_TABLE[0], "async")]
    cases += [_simulated(_TABLE[2], "sync"), _simulated(_TABLE[2], "async")]
    return cases


def _q3_diagnose(case, got):
    latency, style = case.args
    try:
        x = float(got)
    except Exception:
        return None
    sync_sum = _reference(latency, "sync")
    known = {}
    if style == "async":
        known[sync_sum] = (
            "That is the whole chain: an async user does not wait for the services after "
            "Payment, only for Order, Payment and the publish."
        )
        known[latency["order"] + latency["payment"]] = "Don't forget the publish."
        known[latency["payment"] + latency["publish"]] = "Don't forget Order's own work."
    else:
        known[sync_sum - latency["order"]] = "Don't forget Order's own work."
        known[sync_sum + latency["publish"]] = (
            "A sync checkout publishes nothing: leave out 'publish'."
        )
        if "analytics" in latency:
            known[sync_sum - latency["analytics"]] = (
                "This shop also calls Analytics: a sync user waits for every service in "
                "`latency`, whichever are there (all but 'publish')."
            )
        known[_reference(latency, "async")] = (
            "That is the async wait. A sync user waits for every service in turn."
        )
    for value, say in known.items():
        if abs(x - value) < 1e-6:
            return say
    return None


q3 = FunctionQuestion(
    "q3",
    exercise=EXERCISE,
    variable="user_wait",
    title="A function for the user's wait",
    signature="user_wait(latency, style)",
    cases=_q3_cases,
    judge=number_judge(abs_tol=1e-6),
    show_result=lambda x: num(x, ",.6g") if isinstance(x, (int, float)) else repr(x),
    diagnose=_q3_diagnose,
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
)


# -- q4 · tail amplification ------------------------------------------------------------------


def _q4_expected() -> float:
    return 1 - (1 - P_SLOW) ** CHAIN_LENGTH


def _q4_mistakes():
    n, p = CHAIN_LENGTH, P_SLOW
    return [
        Mistake(
            n * p,
            f"you added {n} × {p:.0%}. Chances do not add up: the chance that all {n} calls "
            f"are fast is {1 - p:g}^{n}, so at least one is slow with 1 − {1 - p:g}^{n}.",
        ),
        Mistake((1 - p) ** n, "that is the share with no slow call at all: take it from 1."),
        Mistake(p, f"that is one service's chance; the chain has {n}."),
        Mistake(p**n, f"that is the chance that all {n} calls are slow at once."),
        Mistake(1 - (1 - p) ** 4, "that is the lesson's 4-service chain; this one is longer."),
    ]


@lazy
def _q4_evidence() -> str:
    chain = run_chain(n_services=CHAIN_LENGTH, n_requests=20_000, seed=SEED)
    return (
        f"The simulation agrees: 20,000 requests through a chain of {CHAIN_LENGTH} services, "
        f"{chain.share_meeting_a_slow_call():.2%} met at least one slow call."
    )


q4 = ValueQuestion(
    "q4",
    exercise=EXERCISE,
    variable="slow_share",
    title="Tail amplification in a 6-service chain",
    expected=_q4_expected,
    label="share",
    truth=lambda t: f"for {CHAIN_LENGTH} services it is 1 − {1 - P_SLOW:g}^{CHAIN_LENGTH} = {t}",
    abs_tol=0.0006,
    spec=".4f",
    fraction=True,
    mistakes=_q4_mistakes,
    evidence=_q4_evidence,
    when_correct="The longer the sync chain, the more requests meet a slow call: that is "
    "why a chain's p99 sits far above any one service's.",
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
        f"slow with 1 − that = {_q4_expected():.4f}."
    ),
)


# -- q5 · payment is sync ---------------------------------------------------------------------


@lazy
def _q5_runs():
    return run_both(seed=SEED, n_orders=2000, decline_rate=0.2)


def _q5_answer() -> str:
    sync, asyn = _q5_runs()
    a, b = sync.latency("declined").mean(), asyn.latency("declined").mean()
    if abs(a - b) < 1.0:
        return "c"
    return "a" if a < b else "b"


def _q5_evidence() -> str:
    sync, asyn = _q5_runs()
    return (
        f"In the simulation (2,000 orders, one payment in five declined), declined sync users "
        f"heard after {sync.latency('declined').mean():,.0f} ms on average and declined async "
        f"users after {asyn.latency('declined').mean():,.0f} ms."
    )


q5 = ChoiceQuestion(
    "q5",
    exercise=EXERCISE,
    variable="decline_heard",
    title="Who hears about a declined card first?",
    options={
        "a": "Sync users: their checkout talks to Payment directly.",
        "b": "Async users: their checkout is faster.",
        "c": "Both at the same moment, right after the Payment call.",
        "d": "Async users find out only later, by email.",
    },
    answer=_q5_answer,
    why={
        "a": "both checkouts talk to Payment directly: Payment is a sync call in both designs.",
        "b": "async makes the work *after* Payment leave the user's path; it does not make "
        "Payment faster.",
        "d": "the card keeps Payment sync precisely so that the user knows at once whether "
        "it worked.",
    },
    when_correct="“Payment is sync (user needs to know if it worked)”: in both designs a "
    "decline ends the order right after the Payment call, before anything async happens.",
    evidence=_q5_evidence,
    hints=[
        "In the async checkout of the card, which call is still sync?",
        "What happens to an order right after Payment says no, in each design?",
    ],
    explanation="Payment is sync in both designs; a decline is answered right after it.",
)


QUESTIONS = (q1, q2, q3, q4, q5)


def progress():
    """Check every question of this notebook silently and show which are done."""
    return _progress(QUESTIONS, sys._getframe(1).f_globals)
