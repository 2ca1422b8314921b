"""What lesson 04's exercise checks compare with: settings, closed forms, known mistakes, runs.

Expected answers come from :mod:`servicelab.theory` and from simulations,
computed when a check first needs them; the questions' words are in
:mod:`servicelab.lessons.l04_load_leveling.exercises`. The notebook's prose
states the settings below (the lesson's shop); change both together.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from servicelab.exercises.feedback import show
from servicelab.exercises.kinds import Case, Mistake
from servicelab.exercises.question import lazy
from servicelab.records import percentile
from servicelab.scenarios.flash_sale import FlashSaleConfig, run_flash_sale
from servicelab.theory import drain_time

from .analysis import door_numbers, drain_numbers

__all__ = [
    "SEED",
    "SHOP",
    "SALE_S",
    "QUEUED",
    "BUSY_RATE",
    "MOST_WORKERS",
    "ACCEPT_GOAL",
    "WAIT_GOAL_S",
    "BLOCK_CAPACITY",
    "q1_expected",
    "q1_mistakes",
    "q1_evidence",
    "q2_cases",
    "q2_mistakes",
    "q3_evidence",
    "q4_expected",
    "q4_mistakes",
    "q4_evidence",
    "q5_run",
    "q5_validate",
    "accepted_in_sale",
    "fulfilment_p99_s",
    "q6_evidence",
]

SEED = 4
#: the lesson's shop and sale: 2 workers at 200 ms an order (10/s), 5/s normal, 30/s in the sale
SHOP = FlashSaleConfig()
SALE_S = SHOP.sale_ms / 1000
#: q4: orders waiting when a new one arrives during the drain
QUEUED = 900
#: q3: normal traffic above the shop's capacity, all day
BUSY_RATE = 12.0
#: q5: the budget of workers, and the two promises
MOST_WORKERS, ACCEPT_GOAL, WAIT_GOAL_S = 3, 0.75, 50.0
#: q6: a bounded queue that blocks when full
BLOCK_CAPACITY = 300


def _cap() -> float:
    return SHOP.throughput_cap


# -- q1 · the backlog a sale leaves ------------------------------------------------------------


def q1_expected() -> float:
    return (SHOP.sale_rate - _cap()) * SALE_S


def q1_mistakes():
    s, cap, base = SHOP.sale_rate, _cap(), SHOP.base_rate
    return [
        Mistake(
            s * SALE_S,
            f"that is every order of the sale: the workers process {cap:g}/s "
            "of them meanwhile, so only the difference piles up.",
        ),
        Mistake(
            (s - base) * SALE_S,
            f"you subtracted the normal traffic ({base:g}/s); what "
            f"drains the queue is the workers' {cap:g}/s.",
        ),
        Mistake(s - cap, f"that is the backlog added each second; the sale lasts {SALE_S:g} s."),
        Mistake(
            (s - cap) * SALE_S / 60,
            "that is per minute of a 1-minute sale counted in "
            "minutes: multiply by the sale's seconds.",
        ),
    ]


@lazy
def _sale_run():
    return run_flash_sale("async", seed=SEED)


def q1_evidence() -> str:
    d = drain_numbers(_sale_run())
    return (
        f"The simulation agrees, give or take the randomness of arrivals: with the same shop "
        f"and seed {SEED}, {d['backlog']:,.0f} orders waited when the sale ended."
    )


# -- q2 · a drain-time function held against simulated sales ---------------------------------

#: the simulated sales q2 checks against (each with the lesson's seed)
SIM_SALES = (
    {},
    {"workers": 3, "base_rate": 10.0, "sale_rate": 40.0, "duration_ms": 450_000.0},
    {"workers": 4, "base_rate": 10.0, "sale_rate": 50.0, "sale_ms": 30_000.0},
)


def _sim_case(options: dict) -> Case:
    r = run_flash_sale("async", seed=SEED, **options)
    d = drain_numbers(r)
    c = r.config
    spare = d["spare"]
    # the drain's spread (a random walk with drift −spare from B): sd² = B (λ + cμ) / spare³
    sd = math.sqrt(d["backlog"] * (c.base_rate + d["capacity"]) / spare**3)
    args = (round(d["backlog"]), c.workers, c.order_ms, c.base_rate)
    return Case(
        args,
        d["drain_s"],
        note=f"The simulation: {c.workers} workers at {c.order_ms:g} ms an order, "
        f"{c.base_rate:g} orders/s of normal traffic; {args[0]:,} orders waited when the "
        f"sale ended, and the queue was empty {d['drain_s']:.0f} s later (give or take "
        f"{4 * sd + 1:.0f} s, the simulation's noise).",
        tol=4 * sd + 1.0,
        source="simulated sale",
    )


def q2_cases():
    table = [(1200, 2, 200.0, 5.0), (600, 4, 200.0, 10.0), (500, 1, 100.0, 5.0)]
    table += [(300, 3, 250.0, 6.0), (0, 2, 200.0, 5.0)]
    cases = [Case(args, _reference(*args)) for args in table]
    cases += [
        Case(
            (100, 2, 200.0, 10.0),
            math.inf,
            note="The workers process exactly what "
            "arrives: nothing is left over to shrink the backlog.",
        )
    ]
    cases += [Case((100, 2, 200.0, 12.0), math.inf)]
    cases += [_sim_case(options) for options in SIM_SALES]
    return cases


def _reference(backlog, workers, order_ms, arrival_rate) -> float:
    return drain_time(backlog, arrival_rate, 1000.0 / order_ms, workers)


def q2_mistakes(case):
    b, w, ms, lam = case.args
    cap = w * 1000.0 / ms
    out = []
    if cap < lam:  # a negative "time": the learner forgot the case of no spare capacity
        out.append(
            Mistake(
                b / (cap - lam),
                "right formula, but it needs a case: when the "
                "workers process no more than arrives, return `float('inf')`.",
            )
        )
    out += [
        Mistake(
            b / cap if cap else math.nan,
            "the workers process the backlog *and* the new "
            "orders arriving meanwhile: divide by what is left over, capacity − arrivals.",
        ),
        Mistake(
            b / (w * ms - lam) if w * ms != lam else math.nan,
            "the capacity is workers "
            "× 1000 / order_ms orders per second (order_ms is in milliseconds).",
        ),
        Mistake(
            b / lam if lam else math.nan,
            "divide by the spare capacity (capacity − arrivals), not by the arrivals.",
        ),
    ]
    return [m for m in out if not (isinstance(m.value, float) and math.isnan(m.value))]


# -- q3 · a queue that never drains ---------------------------------------------------------


@lazy
def q3_evidence() -> str:
    r = run_flash_sale("async", seed=SEED, base_rate=BUSY_RATE, sale_ms=0.0)
    s = r.series["waiting"]
    marks = [60_000.0, 180_000.0, SHOP.duration_ms]
    grown = ", ".join(f"{s.at(t):,.0f} after {t / 1000:g} s" for t in marks)
    return (
        f"In the simulation ({BUSY_RATE:g} orders/s all day, {_cap():g}/s processed), the queue "
        f"held {grown}; the last order was processed "
        f"{percentile(r.fulfilment_ms(), 100) / 1000:,.0f} s after it was placed, and "
        f"{r.unprocessed:,} were still waiting at the end."
    )


# -- q4 · Little's law: one order's wait behind the backlog ------------------------------------


def q4_expected() -> float:
    return QUEUED / _cap()


def q4_mistakes():
    cap, base = _cap(), SHOP.base_rate
    return [
        Mistake(
            QUEUED / (cap - base),
            "that is how long until the queue is *empty* (B / (cμ "
            "− λ)). Your order only waits for the orders ahead of it, and those are "
            "processed at the full capacity; orders arriving after it queue behind it.",
        ),
        Mistake(
            QUEUED * SHOP.order_ms / 1000,
            "each order takes 200 ms, but the workers "
            f"process {SHOP.workers} at a time: divide by the capacity, {cap:g}/s.",
        ),
        Mistake(
            QUEUED / base,
            "divide by the rate orders *leave* the queue (the capacity), not the rate they arrive.",
        ),
        Mistake(QUEUED * cap, "Little's law: W = L / λ (divide)."),
    ]


@lazy
def q4_evidence() -> str:
    r = _sale_run()
    s = r.series["waiting"]
    done = ~np.isnan(r.done_ms)
    ahead = np.interp(r.arrival_ms[done], s.t_ms, s.values)
    near = np.abs(ahead - QUEUED) <= 50
    wait = (r.done_ms[done] - r.arrival_ms[done])[near] / 1000 - SHOP.order_ms / 1000
    return (
        f"The simulation agrees: the {np.count_nonzero(near):,} orders that found "
        f"{QUEUED - 50:,}–{QUEUED + 50:,} orders waiting were started {wait.mean():.0f} s "
        "after they were placed, on average."
    )


# -- q5 · size the workers and the queue ------------------------------------------------------


def q5_run(workers, queue_capacity, *, seed: int = SEED):
    """q5's sale with these settings; the check runs ``SEED``, a test other seeds."""
    return run_flash_sale(
        "async", seed=seed, workers=workers, queue_capacity=queue_capacity, on_full="reject"
    )


def q5_validate(values) -> str | None:
    w, q = values["workers"], values["queue_capacity"]
    if isinstance(w, bool) or not isinstance(w, numbers.Integral):
        return f"`workers` should be a whole number of workers, such as 3, not {show(w)}."
    if q is not None and (isinstance(q, bool) or not isinstance(q, numbers.Integral)):
        return (
            f"`queue_capacity` should be a whole number of orders (or None for no limit), "
            f"not {show(q)}."
        )
    return None


def accepted_in_sale(result) -> float:
    """A goal's measure: the share of the sale's orders the shop accepted."""
    return door_numbers(result)["accepted"]


def fulfilment_p99_s(result) -> float:
    """A goal's measure: p99 of the wait from an order's placing to its processing, in s."""
    return percentile(result.fulfilment_ms(), 99) / 1000


# -- q6 · a full queue that blocks --------------------------------------------------------------


@lazy
def q6_evidence() -> str:
    r = run_flash_sale("async", seed=SEED, queue_capacity=BLOCK_CAPACITY, on_full="block")
    d = door_numbers(r)
    return (
        f"In the simulation (a queue of {BLOCK_CAPACITY} that blocks), users who ordered during "
        f"the sale waited p50 {d['wait_p50_s']:.0f} s and p99 {d['wait_p99_s']:.0f} s just to "
        f"hear “order received”; {d['accepted']:.0%} were accepted in the end."
    )
