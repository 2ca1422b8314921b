"""What lesson 05's exercise checks compare with: settings, closed forms, known mistakes, runs.

Expected answers come from :mod:`servicelab.theory` and from simulations of
:mod:`servicelab.scenarios.pubsub`, computed when a check first needs them;
the questions' words are in :mod:`servicelab.lessons.l05_pub_sub.exercises`.
The solutions notebook's prose states the settings below; change both together.
"""

from __future__ import annotations

import numpy as np

from servicelab.exercises.kinds import Case, Mistake
from servicelab.exercises.question import lazy
from servicelab.faults import Faults
from servicelab.scenarios.pubsub import ORDER_LATENCY, SUBSCRIBERS, run_pubsub
from servicelab.service import Service
from servicelab.theory import chain_availability
from servicelab.world import World

from .analysis import ADDED, SEED, trace_table

__all__ = [
    "SEED",
    "Q1_SUBSCRIBERS",
    "Q1_AVAILABILITY",
    "Q1_ORDERS",
    "JOIN_MINUTES",
    "RATE",
    "q1_expected",
    "q1_mistakes",
    "q1_evidence",
    "q2_actual",
    "q2_explain",
    "q3_cases",
    "q3_mistakes",
    "q3_reference",
    "q4_evidence",
    "q5_expected",
    "q5_mistakes",
    "q5_evidence",
    "q6_evidence",
]

#: q1: six required subscribers, each 99 % available, and 10,000 orders
Q1_SUBSCRIBERS, Q1_AVAILABILITY, Q1_ORDERS = 6, 0.99, 10_000
#: q5: Loyalty subscribes this many minutes after the shop opened, orders at RATE per second
JOIN_MINUTES, RATE = 40, 5.0


# -- q1 · the availability of a sync fan-out ---------------------------------------------------


def q1_expected() -> float:
    return Q1_ORDERS * (1 - chain_availability(*[Q1_AVAILABILITY] * Q1_SUBSCRIBERS))


def q1_mistakes():
    a, n, orders = Q1_AVAILABILITY, Q1_SUBSCRIBERS, Q1_ORDERS
    return [
        Mistake(
            orders * n * (1 - a),
            f"that adds the failure chances ({n} × {1 - a:.0%}); an order fails if *any* call "
            "fails, and the chances of all succeeding multiply.",
            rel=0.005,
        ),
        Mistake(orders * (1 - a), "that is one subscriber's failures: every call is required."),
        Mistake(orders * a**n, "that is the orders *confirmed*; the question asks how many fail."),
    ]


@lazy
def _q1_run():
    return run_pubsub(
        "sync",
        seed=SEED,
        n_orders=5_000,
        subscribers=ADDED[:Q1_SUBSCRIBERS],
        availability=Q1_AVAILABILITY,
    )


def q1_evidence() -> str:
    r = _q1_run()
    failed = r.count("failed")
    return (
        f"The simulation agrees, give or take chance: of {r.n_orders:,} simulated orders with "
        f"the same six subscribers (seed {SEED}), {failed:,} failed, "
        f"{failed / r.n_orders:.2%} (theory {1 - Q1_AVAILABILITY**Q1_SUBSCRIBERS:.2%})."
    )


# -- q2 · predict the publisher's wait after two more subscribers ------------------------------


@lazy
def _q2_runs():
    return (
        run_pubsub("async", seed=SEED, subscribers=ADDED[:4]),
        run_pubsub("async", seed=SEED, subscribers=ADDED[:6]),
    )


def q2_actual():
    four, six = _q2_runs()
    same = np.array_equal(four.response_ms, six.response_ms)
    return six.p(99), (
        f"The run (1,000 orders, seed {SEED}): with four subscribers the publisher's p99 wait "
        f"was {four.p(99):,.1f} ms; with Recommendations and Search added, {six.p(99):,.1f} ms. "
        f"Every one of the 1,000 waits was {'identical' if same else 'not identical'}."
    )


def q2_explain(prediction, actual):
    return (
        "The publisher waits for its own work and one hand-off to the broker, paid once per "
        "event however many subscribers there are. Adding subscribers adds queues on the "
        "broker's side, not work on the publisher's: under common random numbers its waits "
        "are the same numbers, bit for bit."
    )


# -- q3 · the caller's wait in a sync fan-out, checked against simulated orders ----------------


def q3_reference(times_ms, parallel):
    times = [float(t) for t in times_ms]
    if not times:
        return 0.0
    return max(times) if parallel else sum(times)


def q3_mistakes(case):
    times, parallel = case.args
    times = [float(t) for t in times]
    if len(times) < 2:
        return []
    if parallel:
        return [
            Mistake(
                sum(times),
                "that is the sum: calls sent at once overlap, and the caller waits only "
                "until the slowest answers.",
            ),
            Mistake(min(times), "that is the fastest call; the caller needs *every* answer."),
        ]
    return [
        Mistake(
            max(times),
            "that is the slowest call: one by one, each call starts when the previous one "
            "has answered, so the waits add up.",
        )
    ]


def _sim_cases(parallel: bool) -> list[Case]:
    n = 400
    subs = ADDED[:4]
    r = run_pubsub(
        "sync", seed=SEED, n_orders=n, subscribers=subs, availability=1.0, parallel=parallel
    )
    world = World(SEED)
    order = Service(world, "order", ORDER_LATENCY).demands(n)
    work = {s: Service(world, s, SUBSCRIBERS[s]).demands(n) for s in subs}
    cases = []
    for i in range(n):
        times = [round(float(work[s][i]), 3) for s in subs]
        calls = float(r.response_ms[i] - order[i])
        # an order whose calls found every worker free waits for the calls' own times
        if abs(calls - q3_reference([work[s][i] for s in subs], parallel)) < 1e-6:
            how = "at once" if parallel else "one by one"
            cases.append(
                Case(
                    (times, parallel),
                    calls,
                    note=f"Simulated order {i} (seed {SEED}), the calls {how}: the Order "
                    f"service waited {calls:,.1f} ms for them.",
                    tol=0.01,
                    source="simulated order",
                )
            )
        if len(cases) == 3:
            break
    return cases


def q3_cases():
    table = [
        ([60, 100, 30], False),
        ([60, 100, 30], True),
        ([60, 100, 30, 50], False),
        ([60, 100, 30, 50], True),
        ([120], False),
        ([120], True),
    ]
    cases = [Case((list(t), p), q3_reference(t, p)) for t, p in table]
    return cases + _sim_cases(False) + _sim_cases(True)


# -- q4 · a subscriber that is down ------------------------------------------------------------

OUTAGE_MS = (60_000.0, 60_000.0)


@lazy
def _q4_run():
    down = {"loyalty": Faults.outage(*OUTAGE_MS)}
    return run_pubsub("async", seed=SEED, subscribers=ADDED[:4], faults=down)


def q4_evidence() -> str:
    r = _q4_run()
    lag = r.lag_ms("loyalty")
    others = ", ".join(f"{s} {r.delivered(s):,}" for s in r.config.subscribers if s != "loyalty")
    return (
        f"In the simulation (Loyalty down for {OUTAGE_MS[1] / 1000:g} s of a {r.n_orders:,}-order "
        f"run), {r.success_rate():.0%} of orders were confirmed at a p99 of {r.p(99):,.0f} ms; "
        f"Loyalty processed all {r.delivered('loyalty'):,} events, the last ones of the outage "
        f"{np.nanmax(lag) / 1000:,.0f} s late; the others processed theirs on time ({others})."
    )


# -- q5 · what a late subscriber missed --------------------------------------------------------


def q5_expected() -> float:
    return JOIN_MINUTES * 60 * RATE


def q5_mistakes():
    return [
        Mistake(JOIN_MINUTES * RATE, "that counts minutes as seconds: 40 minutes are 2,400 s."),
        Mistake(JOIN_MINUTES * 60, f"that is the seconds; at {RATE:g} orders a second …"),
        Mistake(0, "a topic keeps no history for a subscriber that did not exist yet."),
    ]


@lazy
def _q5_run():
    return run_pubsub(
        "async",
        seed=SEED,
        n_orders=2_000,
        arrival_rate=RATE,
        subscribers=ADDED[:4],
        joins_ms={"loyalty": 4 * 60_000.0},
    )


def q5_evidence() -> str:
    r = _q5_run()
    return (
        f"A smaller simulation agrees: Loyalty subscribing 4 minutes in, at {RATE:g} orders a "
        f"second, missed {r.missed['loyalty']:,} orders (4 × 60 × {RATE:g} = "
        f"{4 * 60 * RATE:,.0f}, give or take chance)."
    )


# -- q6 · tracing one order --------------------------------------------------------------------


def q6_evidence() -> str:
    r = _q4_run()
    k = int(np.searchsorted(r.arrival_ms, OUTAGE_MS[0] + 10_000.0))
    return (
        "The kit's trace of one order of a run with Loyalty down, by its correlation id; only "
        "the subscribers' own records can say when each one saw it:\n\n" + trace_table(r, k)
    )
