"""What lesson 06's exercise checks compare with: settings, closed forms, known mistakes, runs.

Expected answers come from :mod:`servicelab.theory` and from simulations,
computed when a check first needs them; the questions' words are in
:mod:`servicelab.lessons.l06_eventual_consistency.exercises`. The notebook's
prose states the settings below; change both together.
"""

from __future__ import annotations

import math

from servicelab.exercises.kinds import Case, Mistake
from servicelab.exercises.question import lazy
from servicelab.latency import Exponential
from servicelab.records import percentile
from servicelab.scenarios.last_items import run_last_items, run_last_items_both
from servicelab.scenarios.stale_reads import run_stock_updates, stale_share
from servicelab.theory import stale_probability

__all__ = [
    "SEED",
    "Q1",
    "Q3",
    "Q4",
    "PLENTY",
    "q1_expected",
    "q1_mistakes",
    "q1_evidence",
    "q2_cases",
    "q2_mistakes",
    "q3_actual",
    "q3_explain",
    "q4_expected",
    "q4_mistakes",
    "q4_evidence",
    "q5_evidence",
    "q6_evidence",
]

SEED = 6
#: q1: one consumer at 200 ms an update (5/s), 3 orders/s reach it, a read 0.5 s after
Q1 = {"update_ms": 200.0, "rate": 3.0, "read_s": 0.5}
#: q3: the lesson's sale with 100 items and 40 buyers a second (Inventory ≈ 22/s)
Q3 = {"items": 100, "buyer_rate": 40.0}
#: q5: a shop with plenty of stock
PLENTY = 2_000
#: q4: 60 items, 30 buyers/s, Inventory at 50 ms an update (20/s)
Q4 = {"items": 60, "buyer_rate": 30.0, "update_ms": 50.0}


def _mu(update_ms: float) -> float:
    return 1000.0 / update_ms


# -- q1 · how likely a read is stale ----------------------------------------------------------


def q1_expected() -> float:
    return stale_probability(Q1["read_s"], Q1["rate"], _mu(Q1["update_ms"]))


def q1_mistakes():
    mu, lam, t = _mu(Q1["update_ms"]), Q1["rate"], Q1["read_s"]
    return [
        Mistake(
            math.exp(-mu * t),
            "that is the update's own time only (e^(−μt)): it also waits behind the updates "
            "ahead of it, so the rate is the headroom μ − λ.",
        ),
        Mistake(math.exp(-lam * t), "the rate in the exponent is μ − λ, not λ."),
        Mistake(1 / (mu - lam), "that is the mean lag 1 / (μ − λ) in seconds, not a share."),
        Mistake(
            1 - math.exp(-(mu - lam) * t),
            "that is the share already up to date (the CDF); a stale read is the rest.",
        ),
    ]


@lazy
def _q1_run():
    return run_stock_updates(
        seed=SEED,
        update_ms=Q1["update_ms"],
        arrival_rate=Q1["rate"],
        decline_rate=0.0,
        n_orders=20_000,
    )


def q1_evidence() -> str:
    share = stale_share(_q1_run(), Q1["read_s"] * 1000)
    return (
        f"The simulation agrees: in 20,000 checkouts with these settings (seed {SEED}), "
        f"{share:.1%} of the reads {Q1['read_s']:g} s after “confirmed” were stale."
    )


# -- q2 · a stale-read function held against simulated checkouts ------------------------------

#: the simulated checkouts q2 checks against: (read s, orders/s, update ms)
SIM = ((0.5, 4.0, 150.0), (1.0, 3.0, 250.0), (0.25, 8.0, 100.0))


def _reference(t_s: float, orders_per_s: float, update_ms: float) -> float:
    mu = _mu(update_ms)
    if orders_per_s >= mu:
        return 1.0
    return math.exp(-(mu - orders_per_s) * t_s)


def _sim_case(t_s: float, rate: float, update_ms: float) -> Case:
    r = run_stock_updates(
        seed=SEED, update_ms=update_ms, arrival_rate=rate, decline_rate=0.0, n_orders=10_000
    )
    share = stale_share(r, t_s * 1000)
    return Case(
        (t_s, rate, update_ms),
        share,
        note=f"The simulation: 10,000 checkouts at {rate:g} orders/s, one consumer at "
        f"{update_ms:g} ms an update; {share:.1%} of the reads {t_s:g} s after “confirmed” were "
        "stale (give or take 0.06, the simulation's noise).",
        tol=0.06,
        source="simulated checkout",
    )


def q2_cases():
    table = [(0.5, 3.0, 200.0), (1.0, 4.75, 150.0), (0.0, 2.0, 100.0), (2.0, 1.0, 400.0)]
    cases = [Case(args, _reference(*args)) for args in table]
    cases += [
        Case(
            (1.0, 5.0, 200.0),
            1.0,
            note="The consumer applies exactly what arrives: nothing is spare, the queue "
            "and the lag grow without end, and a read is stale (return 1.0).",
        ),
        Case((1.0, 8.0, 200.0), 1.0),
    ]
    cases += [_sim_case(*args) for args in SIM]
    return cases


def q2_mistakes(case):
    t, lam, ms = case.args
    mu = _mu(ms)
    out = [
        Mistake(math.exp(-mu * t), "the update also waits in the queue: use μ − λ, not μ."),
        Mistake(
            math.exp(-(1 / ms - lam) * t),
            "μ is updates per *second*: 1000 / update_ms, since update_ms is in milliseconds.",
        ),
        Mistake(
            1 - math.exp(-(mu - lam) * t) if mu > lam else math.nan,
            "that is the share already up to date: a stale read is 1 minus that.",
        ),
    ]
    if mu <= lam:
        out.append(
            Mistake(
                math.exp(-(mu - lam) * t),
                "when orders arrive as fast as the consumer applies them or faster, "
                "return 1.0: e^(−(μ − λ) t) holds only with spare capacity.",
            )
        )
    return [m for m in out if not math.isnan(m.value)]


# -- q3 · predict the oversold items ------------------------------------------------------------


@lazy
def _q3_runs():
    return run_last_items_both(seed=SEED, **Q3)


def q3_actual():
    sync, asyn = _q3_runs()
    return float(asyn.oversold), (
        f"The run: the async shop promised {asyn.oversold:,} items beyond the "
        f"{Q3['items']:,} in stock; the sync reservation promised none, and its buyers of an "
        "item waited for the reservation instead."
    )


def q3_explain(prediction, actual):
    sync, _ = _q3_runs()
    mu = sync.config.capacity
    fluid = Q3["items"] * (Q3["buyer_rate"] / mu - 1)
    return (
        f"Inventory applies about {mu:.1f} reservations a second, buyers come at "
        f"{Q3['buyer_rate']:g}. The view shows items until {Q3['items']} reservations are "
        f"applied, about {Q3['items'] / mu:.1f} s, and lets every buyer through meanwhile: "
        f"{Q3['items']} × ({Q3['buyer_rate']:g} / {mu:.1f} − 1) ≈ {fluid:.0f} oversold if "
        "buyers flowed evenly; randomness moves the count."
    )


# -- q4 · the oversell of a sale that outpaces Inventory ----------------------------------------


def q4_expected() -> float:
    return Q4["items"] * (Q4["buyer_rate"] / _mu(Q4["update_ms"]) - 1)


def q4_mistakes():
    n, lam, mu = Q4["items"], Q4["buyer_rate"], _mu(Q4["update_ms"])
    return [
        Mistake(
            n * lam / mu,
            "that is every buyer let through; the first "
            f"{n} of them get an item, so subtract the stock.",
        ),
        Mistake(lam - mu, "that is the backlog added each second; how long does the view lag?"),
        Mistake(
            (lam - mu) * n / lam,
            "the view reaches zero when Inventory has *applied* the last item, at n / μ, "
            "not n / λ.",
        ),
    ]


@lazy
def q4_evidence() -> str:
    runs = [
        run_last_items(
            seed=seed,
            items=Q4["items"],
            buyer_rate=Q4["buyer_rate"],
            update_ms=Exponential(Q4["update_ms"]),
        ).oversold
        for seed in range(SEED, SEED + 5)
    ]
    mean = sum(runs) / len(runs)
    return (
        f"Five simulated sales with these settings oversold {', '.join(map(str, runs))} items "
        f"(mean {mean:.0f}): random buyers and reservation times scatter around the even-flow "
        "estimate."
    )


# -- q5, q6 · remedies --------------------------------------------------------------------------


@lazy
def q5_evidence() -> str:
    scarce = run_last_items(seed=SEED, remedy="compensate")
    plenty = run_last_items(seed=SEED, remedy="compensate", items=PLENTY)
    return (
        f"In the lesson's sale of {scarce.config.items} items to {scarce.n_buyers} buyers, "
        f"compensation meant {scarce.apologies} apologies; the same buyers with {PLENTY:,} "
        f"items in stock needed {plenty.apologies}."
    )


@lazy
def q6_evidence() -> str:
    pending = run_last_items(seed=SEED, remedy="pending")
    waited = pending.pending_ms()
    return (
        f"In the lesson's sale with a “pending” state, {pending.told_count('pending')} buyers "
        f"saw “pending” (for p50 {percentile(waited, 50):.0f} ms), "
        f"{pending.count('sold out')} heard “sold out” in the end (at once or after pending), "
        f"and {pending.oversold} items were oversold."
    )
