"""Exercises for lesson 03 · Cascading failures (``exercises/03_cascading_failures.ipynb``).

Covers: availability multiplies along a sync chain (a closed form, then a
function the kit holds against simulated flaky checkouts), "If Inventory
Service is down, checkout fails" (predict, then run), Little's law for a
worker pool, why a slow dependency fails requests that never call it, and
choosing a timeout and retries that tame a slow tail without a retry storm.

Expected answers are computed from :mod:`servicelab.theory` and from
simulations. The notebook's prose states the settings below; change both
together.

Questions: ``q1`` value · ``q2`` function (with simulation runs) · ``q3``
predict then run · ``q4`` value · ``q5`` choice · ``q6`` scenario settings.
"""

from __future__ import annotations

import math
import numbers
import sys

from ..faults import Faults
from ..latency import LogNormal
from ..scenarios.checkout import CheckoutConfig, run_both, run_checkout
from ..scenarios.pool_exhaustion import PoolConfig, run_pool_both, run_pool_exhaustion
from ..sync import Retry
from ..theory import chain_availability, littles_law
from .core import ____
from .core import progress as _progress
from .feedback import num, show
from .questions import (
    Case,
    ChoiceQuestion,
    FunctionQuestion,
    Goal,
    Mistake,
    PredictQuestion,
    ScenarioQuestion,
    ValueQuestion,
    lazy,
    number_judge,
)

__all__ = ["____", "q1", "q2", "q3", "q4", "q5", "q6", "QUESTIONS", "progress", "INVENTORY"]

EXERCISE = "ex03"
SEED = 7
#: the sync checkout's chain, in the order it calls them
CHAIN = ("payment", "inventory", "email", "analytics")
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


def _q1_expected() -> float:
    return chain_availability(*[AVAILABILITY] * len(CHAIN))


def _q1_mistakes():
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


def _q1_evidence() -> str:
    sync, asyn = _flaky_runs(AVAILABILITY, len(CHAIN), 4000)
    return (
        f"The simulation agrees: 4,000 orders, each of the {len(CHAIN)} services failing "
        f"{1 - AVAILABILITY:.0%} of its requests. The sync checkout confirmed "
        f"{sync.success_rate:.2%} of them; the async one {asyn.success_rate:.2%} (it needs "
        "Payment alone, and the failed downstream work is retried from the queues)."
    )


q1 = ValueQuestion(
    "q1",
    exercise=EXERCISE,
    variable="availability",
    title="Availability of a 4-service sync chain",
    expected=_q1_expected,
    label="chain availability",
    truth=lambda t: f"a {len(CHAIN)}-service chain of {AVAILABILITY:g} each is {t}",
    abs_tol=0.0005,
    spec=".4f",
    fraction=True,
    mistakes=_q1_mistakes,
    evidence=_q1_evidence,
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
        f"{AVAILABILITY:g} ** {len(CHAIN)} = {_q1_expected():.4f}: "
        "`theory.chain_availability` computes the same."
    ),
)


# -- q2 · a function the kit holds against flaky simulated checkouts -----------------------


def _reference(availability: float, services: int, style: str) -> float:
    return availability**services if style == "sync" else availability


def _sim_case(availability: float, services: int, style: str, n_orders: int = 3000) -> Case:
    sync, asyn = _flaky_runs(availability, services, n_orders)
    run = sync if style == "sync" else asyn
    p = run.success_rate
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


def _q2_cases():
    table = [(0.99, 4, "sync"), (0.95, 2, "sync"), (0.9, 3, "async"), (1.0, 4, "sync")]
    table += [(0.5, 1, "sync"), (0.8, 4, "async")]
    cases = [Case(args, _reference(*args)) for args in table]
    cases += [_sim_case(0.95, 3, "sync"), _sim_case(0.95, 3, "async"), _sim_case(0.9, 2, "sync")]
    return cases


def _q2_diagnose(case, got):
    a, n, style = case.args
    try:
        x = float(got)
    except Exception:
        return None
    known = {
        a * n: "You multiplied the availability by the number of services; multiply the "
        "availabilities together instead: `availability ** services`.",
        1 - n * (1 - a): "Adding failure chances is close for small ones, but not exact: "
        "`availability ** services`.",
    }
    if style == "async":
        known[a**n] = (
            "An async checkout waits for Payment alone; the other services work from queues, "
            "where failures are retried. Its success is Payment's availability."
        )
    else:
        known[a] = "A sync checkout needs every service of its chain to work, not just one."
    for value, say in known.items():
        if abs(x - value) < 1e-9:
            return say
    return None


q2 = FunctionQuestion(
    "q2",
    exercise=EXERCISE,
    variable="checkout_success",
    title="A function for checkout success",
    signature="checkout_success(availability, services, style)",
    cases=_q2_cases,
    judge=number_judge(abs_tol=1e-9),
    show_result=lambda x: num(x, ".4f") if isinstance(x, numbers.Real) else show(x),
    diagnose=_q2_diagnose,
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
)


# -- q3 · predict: an Inventory outage ----------------------------------------------------------


@lazy
def _q3_runs():
    outage = Faults.outage(start_ms=OUTAGE_START_MS, length_ms=OUTAGE_MS)
    return run_both(seed=SEED, faults={"inventory": outage})


def _q3_actual():
    sync, asyn = _q3_runs()
    failed = 1 - sync.success_rate
    queue = asyn.queues["inventory"]
    peak = int(asyn.series["backlog inventory"].values.max())
    asked = sync.n_orders - sync.count("declined")
    return failed, (
        f"The run: {sync.count('failed'):,} of {asked:,} sync checkouts failed. Async: "
        f"{asyn.count('failed')} failed; Inventory's queue held up to {peak:,} messages "
        f"during the outage and afterwards delivered {queue.parts['acknowledged']:,} of "
        f"{queue.total:,}: none lost."
    )


def _q3_explain(prediction, actual):
    sync, _ = _q3_runs()
    span = float(sync.arrival_ms[-1])
    return (
        f"Orders arrive for about {span / 1000:.0f} s and Inventory is down for "
        f"{OUTAGE_MS / 1000:.0f} of them, so about {OUTAGE_MS / 1000:.0f} / {span / 1000:.0f} "
        f"≈ {OUTAGE_MS / span:.0%} of sync checkouts call it while it is down and fail. "
        "An async checkout never calls Inventory while the user waits: it publishes an "
        "event, and Inventory catches up when it is back."
    )


def _q3_hint() -> str:
    c = CheckoutConfig()
    return (
        f"{c.n_orders:,} orders at {c.arrival_rate:g} per second arrive over about "
        f"{c.n_orders / c.arrival_rate:.0f} seconds. For how many of those seconds is "
        "Inventory down?"
    )


q3 = PredictQuestion(
    "q3",
    exercise=EXERCISE,
    variable="failed_share",
    title="Predict: sync checkouts lost to an Inventory outage",
    actual=_q3_actual,
    label="a failed share",
    explain=_q3_explain,
    rel_tol=0.0,
    abs_tol=0.05,
    spec=".1%",
    fraction=True,
    hints=[
        "Which sync checkouts fail: all of them, or only some? Which ones?",
        _q3_hint,
    ],
    explanation=lambda: _q3_explain(0, 0),
)


# -- q4 · Little's law for the Order service's workers ------------------------------------------


def _hold_ms() -> float:
    c = PoolConfig()
    return c.order_latency.mean_ms + SLOWDOWN * c.inventory_latency.mean_ms


def _q4_expected() -> float:
    return littles_law(CHECKOUT_RATE, _hold_ms() / 1000)


def _q4_mistakes():
    c = PoolConfig()
    healthy = c.order_latency.mean_ms + c.inventory_latency.mean_ms
    w = _hold_ms()
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


@lazy
def _q4_evidence() -> str:
    run = run_pool_exhaustion(
        "sync",
        seed=SEED,
        workers=100,
        checkout_rate=CHECKOUT_RATE,
        simple_rate=0.0,
        slowdown=SLOWDOWN,
        slow_start_ms=0.0,
        slow_ms=math.inf,
        duration_ms=60_000.0,
    )
    lam = run.n_requests / 60.0
    w = float(run.latency("checkout").mean())
    busy = float(run.series["busy order"].between(0, 60_000.0).mean())
    return (
        f"The simulation agrees: with a pool too large to fill, {run.n_requests} checkouts "
        f"arrived in 60 s (λ = {lam:.2f}/s), each held a worker {w:,.0f} ms on average, and "
        f"{busy:.1f} workers were busy on average (λ × W = {lam * w / 1000:.1f}). The lesson's "
        f"pool has only {PoolConfig().workers} workers."
    )


q4 = ValueQuestion(
    "q4",
    exercise=EXERCISE,
    variable="busy_workers",
    title="Little's law: busy Order workers",
    expected=_q4_expected,
    label="number of busy workers",
    truth=lambda t: (
        f"Little's law gives L = λ × W = {CHECKOUT_RATE:g}/s × {_hold_ms() / 1000:g} s = {t}"
    ),
    rel_tol=0.01,
    spec=",.2f",
    mistakes=_q4_mistakes,
    evidence=_q4_evidence,
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
        f"W = {_hold_ms():,.0f} ms = {_hold_ms() / 1000:g} s; L = λ × W = "
        f"{CHECKOUT_RATE:g} × {_hold_ms() / 1000:g} = {_q4_expected():.2f} busy workers. "
        "`theory.littles_law` computes the same."
    ),
)


# -- q5 · why requests that never call Inventory fail -----------------------------------------


@lazy
def _q5_runs():
    return run_pool_both(seed=SEED, checkout_rate=CHECKOUT_RATE, slowdown=SLOWDOWN)


def _q5_answer() -> str:
    """(b), as long as the simulation shows it: a full pool fails simple requests in sync only."""
    sync, asyn = _q5_runs()
    shown = sync.saturated_share() > 0.5 and sync.in_window("simple") < asyn.in_window("simple")
    return "b" if shown else "?"


def _q5_evidence() -> str:
    sync, asyn = _q5_runs()
    return (
        f"In the simulation, while Inventory was slow: sync — "
        f"{sync.in_window('simple'):.0%} of simple requests succeeded, and all "
        f"{sync.config.workers} Order workers were busy {sync.saturated_share():.0%} of the "
        f"time; async — {asyn.in_window('simple'):.0%} of simple requests succeeded."
    )


q5 = ChoiceQuestion(
    "q5",
    exercise=EXERCISE,
    variable="why_simple_fail",
    title="Why requests that never call Inventory fail",
    options={
        "a": "Inventory's errors spread to every request over the network.",
        "b": "Every Order worker is held waiting for the slow Inventory, so simple requests "
        "wait for a free worker until their users give up.",
        "c": "Simple requests call Inventory too, only less often.",
        "d": "It is just the load: the async design fails them as well.",
    },
    answer=_q5_answer,
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
    evidence=_q5_evidence,
    hints=[
        "What does a sync checkout's Order worker do while Inventory takes its time?",
        "Question 4 worked out how many workers the checkouts need while Inventory is slow. "
        "How many does the pool have?",
    ],
    explanation="A sync call holds the caller's worker for the whole call. Slow Inventory "
    "means long holds, the pool runs out, and every request that needs a worker — simple "
    "ones too — waits until its user gives up.",
)


# -- q6 · a timeout and retries without a retry storm -------------------------------------------


def _q6_run(timeout_ms, retry):
    return run_checkout(
        "sync",
        seed=SEED,
        n_orders=Q6_ORDERS,
        arrival_rate=Q6_RATE,
        latency={"inventory": INVENTORY},
        timeout_ms=timeout_ms,
        retry=retry,
    )


def _q6_validate(values) -> str | None:
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


def _calls(service: str):
    return lambda r: r.calls[service]["received"] / r.n_orders


def _payment() -> LogNormal:
    return CheckoutConfig().latency["payment"]


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
        f"take? Payment's median is {_payment().median_ms:,.0f} ms and its p99 "
        f"{_payment().quantile(0.99):,.0f} ms."
    )


def _storm_advice(service: str, latency):
    def advice(values, result) -> str:
        t = values["timeout_ms"]
        return (
            f"A retry storm at {service.capitalize()}: your timeout ({num(t, ',.0f')} ms) cuts "
            f"off many healthy calls ({service.capitalize()}'s median is "
            f"{latency().median_ms:,.0f} ms, its p99 {latency().quantile(0.99):,.0f} ms). "
            "They are retried although nothing was wrong, and every abandoned attempt still "
            f"costs {service.capitalize()} a worker."
        )

    return advice


q6 = ScenarioQuestion(
    "q6",
    exercise=EXERCISE,
    variables=("timeout_ms", "retry"),
    run=_q6_run,
    validate=_q6_validate,
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
            lambda r: r.success_rate,
            CONFIRMED_GOAL,
            at_most=False,
            spec=".1%",
            advice=_confirmed_advice,
        ),
        Goal(
            "calls to Payment per order",
            _calls("payment"),
            CALLS_GOAL,
            at_most=True,
            spec=".2f",
            unit="×",
            advice=_storm_advice("payment", _payment),
        ),
        Goal(
            "calls to Inventory per order",
            _calls("inventory"),
            CALLS_GOAL,
            at_most=True,
            spec=".2f",
            unit="×",
            advice=_storm_advice("inventory", lambda: INVENTORY),
        ),
    ],
    title="A timeout and retries without a retry storm",
    when_correct="Your timeout cuts Inventory's slow tail, your retries rescue the calls it "
    "cuts, and healthy calls are almost never retried: no storm. It took three knobs tuned "
    "against one scenario. The async checkout takes Inventory off the user's path instead.",
    hints=[
        lambda: (
            f"Inventory's median is {INVENTORY.median_ms:,.0f} ms but its p99 is "
            f"{INVENTORY.quantile(0.99):,.0f} ms; Payment's median is {_payment().median_ms:,.0f} "
            f"ms and its p99 {_payment().quantile(0.99):,.0f} ms. The timeout applies to both."
        ),
        "A timeout well above Payment's p99 but far below Inventory's slowest calls cuts the "
        "tail without cutting healthy calls. Then you need at least one retry.",
        "Try a timeout of a few hundred ms with `Retry(attempts=3, backoff_ms=50, jitter=1.0)`.",
    ],
    explanation="A timeout between the healthy calls' p99 and the slow tail stops the long "
    "waits; a retry (short backoff, with jitter) turns a cut-off call into a fresh, usually "
    "quick one; and because healthy calls are not cut off, retries stay rare instead of "
    "multiplying the load.",
)


QUESTIONS = (q1, q2, q3, q4, q5, q6)


def progress():
    """Check every question of this notebook silently and show which are done."""
    return _progress(QUESTIONS, sys._getframe(1).f_globals)
