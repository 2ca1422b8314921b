"""What lesson 02's exercise checks compare with: settings, closed forms, known mistakes, runs.

Every number comes from the kit's settings
(:data:`~servicelab.scenarios.checkout.DEFAULT_LATENCY`) or a simulation,
computed when a check first needs it; the questions' words are in
:mod:`servicelab.lessons.l02_temporal_coupling.exercises`. The notebook's
prose states the settings below; change both together.
"""

from __future__ import annotations

import numpy as np

from servicelab.exercises.feedback import num
from servicelab.exercises.kinds import Case, Mistake
from servicelab.exercises.question import lazy
from servicelab.faults import Faults
from servicelab.latency import Fixed
from servicelab.scenarios.chain import run_chain
from servicelab.scenarios.checkout import CheckoutConfig, run_both, run_checkout

__all__ = [
    "SEED",
    "SLOW",
    "QUIET_RATE",
    "CHAIN_LENGTH",
    "P_SLOW",
    "means",
    "publish_ms",
    "q1_expected",
    "q1_mistakes",
    "q1_evidence",
    "q2_actual",
    "q2_explain",
    "q3_cases",
    "q3_mistakes",
    "q4_expected",
    "q4_mistakes",
    "q4_evidence",
    "q5_answer",
    "q5_evidence",
]

SEED = 7
#: how much slower Email is in q1 and q2
SLOW = 10
#: q1's quiet shop: orders per second (so that almost nobody queues)
QUIET_RATE = 1.0
#: q4: services in the chain, and the chance that one call is slow (slower than its p99)
CHAIN_LENGTH = 6
P_SLOW = 0.01


def means() -> dict[str, float]:
    """Each service's mean latency in the kit's checkout, in ms."""
    latency = CheckoutConfig().latency
    return {name: latency[name].mean_ms for name in latency}


def publish_ms() -> float:
    """The async checkout's publish, in ms (its mean)."""
    return CheckoutConfig().publish_ms.mean_ms


def _slow_email() -> dict:
    return {"email": Faults.slow(SLOW)}


# -- q1 · the latency sum, with a slow Email --------------------------------------------------


def q1_expected() -> float:
    m = means()
    return m["order"] + m["payment"] + m["inventory"] + SLOW * m["email"]


def q1_mistakes():
    m = means()
    healthy = m["order"] + m["payment"] + m["inventory"] + m["email"]
    return [
        Mistake(healthy, f"that is the healthy shop. Email is {SLOW} times slower now."),
        Mistake(
            q1_expected() - m["order"],
            f"did you forget the Order service's own {m['order']:.0f} ms of work?",
        ),
        Mistake(
            SLOW * healthy,
            f"only Email is slow: multiply its {m['email']:.0f} ms by {SLOW}, not the chain.",
        ),
        Mistake(
            m["order"] + m["payment"] + publish_ms(),
            "that is the async wait. A sync user waits for every service in turn.",
        ),
        Mistake(
            SLOW * m["email"],
            "that is Email alone. The user waits for the whole chain, Email included.",
        ),
        Mistake(
            _q1_run_mean(),
            "that is what a simulation measures, and a run's mean scatters around the "
            "theory. The question asks for the sum of the services' means.",
        ),
    ]


@lazy
def _q1_run_mean() -> float:
    run = run_checkout(
        "sync", seed=SEED, n_orders=2000, arrival_rate=QUIET_RATE, faults=_slow_email()
    )
    return float(run.latency().mean())


def q1_evidence() -> str:
    """A run next to the theory; shown once the answer is right (a run scatters around it)."""
    return (
        f"A simulation lands close by: 2,000 orders at {QUIET_RATE:g} per second (a quiet "
        f"shop, almost nobody queues), Email {SLOW}× slower, gave a mean sync wait of "
        f"{_q1_run_mean():,.0f} ms. A run's mean scatters around the sum of the means."
    )


# -- q2 · predict the async wait with the slow Email ------------------------------------------


@lazy
def _q2_runs():
    slow = run_both(seed=SEED, n_orders=2000, faults=_slow_email())
    healthy = run_both(seed=SEED, n_orders=2000)
    return slow, healthy


def q2_actual():
    (slow_sync, slow_async), (_, healthy_async) = _q2_runs()
    return slow_async.p(50), (
        f"The run (2,000 orders at 5 per second, seed {SEED}): with Email {SLOW}× slower the "
        f"median async wait was {slow_async.p(50):,.0f} ms; with a healthy Email it was "
        f"{healthy_async.p(50):,.0f} ms. The median sync wait, for comparison: "
        f"{slow_sync.p(50):,.0f} ms."
    )


def q2_explain(prediction, actual):
    m = means()
    wait = m["order"] + m["payment"] + publish_ms()
    return (
        "An async user waits for Order, Payment and the publish "
        f"({m['order']:.0f} + {m['payment']:.0f} + {publish_ms():.0f} = {wait:.0f} ms on "
        "average) and gets an acknowledgement. Email works from its queue *after* the answer, "
        "so however slow it gets, the user's wait does not move."
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


def q3_cases():
    cases = [
        Case((dict(lat), style), _reference(lat, style))
        for lat in _TABLE[:2]
        for style in ("sync", "async")
    ]
    cases += [_simulated(_TABLE[0], "sync"), _simulated(_TABLE[0], "async")]
    cases += [_simulated(_TABLE[2], "sync"), _simulated(_TABLE[2], "async")]
    return cases


def q3_mistakes(case):
    latency, style = case.args
    sync_sum = _reference(latency, "sync")
    if style == "async":
        return [
            Mistake(
                sync_sum,
                "That is the whole chain: an async user does not wait for the services after "
                "Payment, only for Order, Payment and the publish.",
            ),
            Mistake(latency["order"] + latency["payment"], "Don't forget the publish."),
            Mistake(latency["payment"] + latency["publish"], "Don't forget Order's own work."),
        ]
    mistakes = [
        Mistake(sync_sum - latency["order"], "Don't forget Order's own work."),
        Mistake(
            sync_sum + latency["publish"],
            "A sync checkout publishes nothing: leave out 'publish'.",
        ),
    ]
    if "analytics" in latency:
        mistakes.append(
            Mistake(
                sync_sum - latency["analytics"],
                "This shop also calls Analytics: a sync user waits for every service in "
                "`latency`, whichever are there (all but 'publish').",
            )
        )
    mistakes.append(
        Mistake(
            _reference(latency, "async"),
            "That is the async wait. A sync user waits for every service in turn.",
        )
    )
    return mistakes


# -- q4 · tail amplification ------------------------------------------------------------------


def q4_expected() -> float:
    return 1 - (1 - P_SLOW) ** CHAIN_LENGTH


def q4_mistakes():
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
def q4_evidence() -> str:
    chain = run_chain(n_services=CHAIN_LENGTH, n_requests=20_000, seed=SEED)
    return (
        f"The simulation agrees: 20,000 requests through a chain of {CHAIN_LENGTH} services, "
        f"{chain.share_meeting_a_slow_call():.2%} met at least one slow call."
    )


# -- q5 · payment is sync ---------------------------------------------------------------------


@lazy
def _q5_runs():
    return run_both(seed=SEED, n_orders=2000, decline_rate=0.2)


def q5_answer() -> str:
    sync, asyn = _q5_runs()
    a, b = sync.latency("declined").mean(), asyn.latency("declined").mean()
    if abs(a - b) < 1.0:
        return "c"
    return "a" if a < b else "b"


def q5_evidence() -> str:
    sync, asyn = _q5_runs()
    return (
        f"In the simulation (2,000 orders, one payment in five declined), declined sync users "
        f"heard after {sync.latency('declined').mean():,.0f} ms on average and declined async "
        f"users after {asyn.latency('declined').mean():,.0f} ms."
    )
