"""What lesson 03's exercise checks compare with: settings, closed forms, known mistakes, runs.

Expected answers come from :mod:`servicelab.theory` and from simulations,
computed when a check first needs them; the questions' words are in
:mod:`servicelab.lessons.l03_cascading_failures.exercises`. The notebook's
prose states the settings below; change both together.
"""

from __future__ import annotations

import math
import numbers

from servicelab.exercises.feedback import show
from servicelab.exercises.kinds import Case, Mistake
from servicelab.exercises.question import lazy
from servicelab.faults import Faults
from servicelab.latency import LogNormal
from servicelab.scenarios.checkout import CheckoutConfig, run_both, run_checkout
from servicelab.scenarios.pool_exhaustion import PoolConfig, run_pool_both, run_pool_exhaustion
from servicelab.sync import Retry
from servicelab.theory import chain_availability, littles_law

from .analysis import CHAIN

__all__ = [
    "SEED",
    "AVAILABILITY",
    "OUTAGE_START_MS",
    "OUTAGE_MS",
    "CHECKOUT_RATE",
    "SLOWDOWN",
    "INVENTORY",
    "Q6_RATE",
    "Q6_ORDERS",
    "P99_GOAL_MS",
    "CONFIRMED_GOAL",
    "CALLS_GOAL",
    "q1_expected",
    "q1_mistakes",
    "q1_evidence",
    "q2_cases",
    "q2_mistakes",
    "q3_actual",
    "q3_explain",
    "q3_hint",
    "hold_ms",
    "q4_expected",
    "q4_mistakes",
    "q4_evidence",
    "q5_answer",
    "q5_evidence",
    "q6_run",
    "q6_validate",
    "calls_per_order",
    "payment",
]

SEED = 7
#: q1: every service's availability
AVAILABILITY = 0.99
#: q3: Inventory is down for OUTAGE_MS from OUTAGE_START_MS (1,000 orders at 5 per second)
OUTAGE_START_MS, OUTAGE_MS = 120_000.0, 60_000.0
#: q4 and q5: checkouts per second, and how much slower Inventory gets
CHECKOUT_RATE = 10.0
SLOWDOWN = 20.0
#: q6: Inventory with a heavy tail (a database that sometimes stalls), the load and the goals
INVENTORY = LogNormal(100.0, 1.5)
Q6_RATE, Q6_ORDERS = 10.0, 1000
P99_GOAL_MS, CONFIRMED_GOAL, CALLS_GOAL = 900.0, 0.99, 1.1

_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


# -- q1 · availability multiplies --------------------------------------------------------------


def q1_expected() -> float:
    return chain_availability(*[AVAILABILITY] * len(CHAIN))


def q1_mistakes():
    a, n = AVAILABILITY, len(CHAIN)
    return [
        Mistake(a**2, f"did you multiply all {_WORDS.get(n, n)}?"),
        Mistake(a**3, f"did you multiply all {_WORDS.get(n, n)}? ({a:g}³ is three services.)"),
        Mistake(
            a,
            "that is one service: it is the *async* checkout's availability (Payment alone). "
            f"A sync checkout needs all {n} to work.",
        ),
        Mistake(
            1 - n * (1 - a),
            f"that is 1 − {n} × {1 - a:.0%}: adding the failure chances is close, but not "
            f"exact. Multiply the availabilities ({a:g} × {a:g} × …). If you rounded, give "
            "at least four decimals.",
            rel=1e-6,
        ),
        Mistake(
            1 - a**n, "that is the share that *fails*; the question asks for the share that works."
        ),
        Mistake((1 - a) ** n, f"that is the chance that all {n} fail at once."),
    ]


@lazy
def _flaky_runs(availability: float, services: int, n_orders: int):
    links = CHAIN[:services]
    return run_both(
        seed=SEED,
        n_orders=n_orders,
        arrival_rate=20.0,
        decline_rate=0.0,
        downstream=links[1:],
        faults={s: Faults.flaky(1 - availability) for s in links},
    )


def q1_evidence() -> str:
    sync, asyn = _flaky_runs(AVAILABILITY, len(CHAIN), 4000)
    return (
        f"The simulation agrees: 4,000 orders, each of the {len(CHAIN)} services failing "
        f"{1 - AVAILABILITY:.0%} of its requests. The sync checkout confirmed "
        f"{sync.success_rate():.2%} of them; the async one {asyn.success_rate():.2%} (it needs "
        "Payment alone, and the failed downstream work is retried from the queues)."
    )


# -- q2 · a function the kit holds against flaky simulated checkouts -----------------------


def _reference(availability: float, services: int, style: str) -> float:
    return availability**services if style == "sync" else availability


def _sim_case(availability: float, services: int, style: str, n_orders: int = 3000) -> Case:
    sync, asyn = _flaky_runs(availability, services, n_orders)
    run = sync if style == "sync" else asyn
    p = run.success_rate()
    noise = 4 * math.sqrt(max(p * (1 - p), 1e-4) / n_orders)
    names = ", ".join(s.capitalize() for s in CHAIN[:services])
    return Case(
        (availability, services, style),
        p,
        note=f"The simulation: {n_orders:,} orders through {names}, each failing "
        f"{1 - availability:.0%} of requests; the {style} checkout confirmed {p:.2%} "
        f"(give or take {noise:.1%}, the simulation's noise).",
        tol=noise,
        source="simulation run",
    )


def q2_cases():
    table = [(0.99, 4, "sync"), (0.95, 2, "sync"), (0.9, 3, "async"), (1.0, 4, "sync")]
    table += [(0.5, 1, "sync"), (0.8, 4, "async")]
    cases = [Case(args, _reference(*args)) for args in table]
    cases += [_sim_case(0.95, 3, "sync"), _sim_case(0.95, 3, "async"), _sim_case(0.9, 2, "sync")]
    return cases


def q2_mistakes(case):
    a, n, style = case.args
    mistakes = [
        Mistake(
            a * n,
            "You multiplied the availability by the number of services; multiply the "
            "availabilities together instead: `availability ** services`.",
        ),
        Mistake(
            1 - n * (1 - a),
            "Adding failure chances is close for small ones, but not exact: "
            "`availability ** services`.",
        ),
    ]
    if style == "async":
        return mistakes + [
            Mistake(
                a**n,
                "An async checkout waits for Payment alone; the other services work from "
                "queues, where failures are retried. Its success is Payment's availability.",
            )
        ]
    return mistakes + [
        Mistake(a, "A sync checkout needs every service of its chain to work, not just one.")
    ]


# -- q3 · predict: an Inventory outage ----------------------------------------------------------


@lazy
def _q3_runs():
    outage = Faults.outage(start_ms=OUTAGE_START_MS, length_ms=OUTAGE_MS)
    return run_both(seed=SEED, faults={"inventory": outage})


def q3_actual():
    sync, asyn = _q3_runs()
    failed = 1 - sync.success_rate()
    queue = asyn.queues["inventory"]
    peak = int(asyn.series["backlog inventory"].values.max())
    asked = sync.n_orders - sync.count("declined")
    return failed, (
        f"The run: {sync.count('failed'):,} of {asked:,} sync checkouts failed. Async: "
        f"{asyn.count('failed')} failed; Inventory's queue held up to {peak:,} messages "
        f"during the outage and afterwards delivered {queue.parts['acknowledged']:,} of "
        f"{queue.total:,}: none lost."
    )


def q3_explain(prediction, actual):
    sync, _ = _q3_runs()
    span = float(sync.arrival_ms[-1])
    return (
        f"Orders arrive for about {span / 1000:.0f} s and Inventory is down for "
        f"{OUTAGE_MS / 1000:.0f} of them, so about {OUTAGE_MS / 1000:.0f} / {span / 1000:.0f} "
        f"≈ {OUTAGE_MS / span:.0%} of sync checkouts call it while it is down and fail. "
        "An async checkout never calls Inventory while the user waits: it publishes an "
        "event, and Inventory catches up when it is back."
    )


def q3_hint() -> str:
    c = CheckoutConfig()
    return (
        f"{c.n_orders:,} orders at {c.arrival_rate:g} per second arrive over about "
        f"{c.n_orders / c.arrival_rate:.0f} seconds. For how many of those seconds is "
        "Inventory down?"
    )


# -- q4 · Little's law for the Order service's workers ------------------------------------------


def hold_ms() -> float:
    """How long one checkout holds an Order worker while Inventory is slow (means), in ms."""
    c = PoolConfig()
    return c.order_latency.mean_ms + SLOWDOWN * c.inventory_latency.mean_ms


def q4_expected() -> float:
    return littles_law(CHECKOUT_RATE, hold_ms() / 1000)


def q4_mistakes():
    c = PoolConfig()
    healthy = c.order_latency.mean_ms + c.inventory_latency.mean_ms
    w = hold_ms()
    return [
        Mistake(
            CHECKOUT_RATE * healthy / 1000,
            f"that is the healthy Inventory. It is {SLOWDOWN:g} times slower now.",
        ),
        Mistake(
            CHECKOUT_RATE * w,
            f"λ is per second but W is in ms: convert W to seconds first ({w:,.0f} ms = "
            f"{w / 1000:g} s).",
        ),
        Mistake(w / CHECKOUT_RATE / 1000, "Little's law multiplies: L = λ × W."),
        Mistake(CHECKOUT_RATE / (w / 1000), "Little's law multiplies: L = λ × W, not λ / W."),
        Mistake(w / CHECKOUT_RATE, "Little's law multiplies: L = λ × W (with W in seconds)."),
    ]


#: how long q4's evidence run lasts, in s: long enough that λ comes out close to CHECKOUT_RATE
EVIDENCE_S = 600.0


@lazy
def q4_evidence() -> str:
    run = run_pool_exhaustion(
        "sync",
        seed=SEED,
        workers=100,
        checkout_rate=CHECKOUT_RATE,
        simple_rate=0.0,
        slowdown=SLOWDOWN,
        slow_start_ms=0.0,
        slow_ms=math.inf,
        duration_ms=EVIDENCE_S * 1000,
    )
    lam = run.n_requests / EVIDENCE_S
    w = float(run.latency("checkout").mean())
    busy = float(run.series["busy order"].between(0, EVIDENCE_S * 1000).mean())
    return (
        f"The simulation agrees: with a pool too large to fill, {run.n_requests:,} checkouts "
        f"arrived in {EVIDENCE_S:,.0f} s (λ = {lam:.2f}/s), each held a worker {w:,.0f} ms "
        "on average, and "
        f"{busy:.1f} workers were busy on average (λ × W = {lam * w / 1000:.1f}). The lesson's "
        f"pool has only {PoolConfig().workers} workers."
    )


# -- q5 · why requests that never call Inventory fail -----------------------------------------


@lazy
def _q5_runs():
    return run_pool_both(seed=SEED, checkout_rate=CHECKOUT_RATE, slowdown=SLOWDOWN)


def q5_answer() -> str:
    """(b), as long as the simulation shows it: a full pool fails simple requests in sync only."""
    sync, asyn = _q5_runs()
    shown = sync.saturated_share() > 0.5 and sync.in_window("simple") < asyn.in_window("simple")
    return "b" if shown else "?"


def q5_evidence() -> str:
    sync, asyn = _q5_runs()
    return (
        f"In the simulation, while Inventory was slow: sync — "
        f"{sync.in_window('simple'):.0%} of simple requests succeeded, and all "
        f"{sync.config.workers} Order workers were busy {sync.saturated_share():.0%} of the "
        f"time; async — {asyn.in_window('simple'):.0%} of simple requests succeeded."
    )


# -- q6 · a timeout and retries without retry amplification ----------------------------------


def q6_run(timeout_ms, retry, *, seed: int = SEED):
    """q6's checkout with these settings; the check runs ``SEED``, a test other seeds."""
    return run_checkout(
        "sync",
        seed=seed,
        n_orders=Q6_ORDERS,
        arrival_rate=Q6_RATE,
        latency={"inventory": INVENTORY},
        timeout_ms=timeout_ms,
        retry=retry,
    )


def q6_validate(values) -> str | None:
    t, retry = values["timeout_ms"], values["retry"]
    if t is not None and (isinstance(t, bool) or not isinstance(t, numbers.Real)):
        return (
            f"`timeout_ms` should be a number of milliseconds (or None for no timeout), "
            f"not {show(t)}."
        )
    if not isinstance(retry, Retry):
        return (
            f"`retry` should be a retry policy, such as `Retry(attempts=2, backoff_ms=50)`, "
            f"not {show(retry)}. (Retry(attempts=1) means no retries.)"
        )
    return None


def calls_per_order(service: str):
    """A goal's measure: calls ``service`` received per order."""
    return lambda r: r.calls[service]["received"] / r.n_orders


def payment() -> LogNormal:
    """Payment's latency in the kit's checkout."""
    return CheckoutConfig().latency["payment"]
