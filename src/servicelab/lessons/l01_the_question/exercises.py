"""Exercises for lesson 01 · The question (``exercises/01_the_question.ipynb``).

Covers: the card's flowchart, classifying real interactions, writing the
flowchart as a function, predicting what asking the question saves a shopper,
and when the card says *skip*.

Every expected answer comes from the kit: labels from the catalogue in
:mod:`servicelab.catalogue`, numbers from a checkout simulation. The notebook's
prose states the settings below (``SEED``, ``DOWNSTREAM``); change both together.

Questions: ``q1`` choice · ``q2`` classification · ``q3`` function ·
``q4`` predict then run · ``q5`` choice; each with a wrong example.
"""

from __future__ import annotations

from servicelab import card, catalogue
from servicelab.exercises import QuestionSet, WrongExample, ____
from servicelab.exercises.feedback import show
from servicelab.exercises.kinds import (
    Case,
    ChoiceQuestion,
    ClassifyQuestion,
    FunctionQuestion,
    Mistake,
    PredictQuestion,
)
from servicelab.exercises.question import lazy
from servicelab.scenarios.checkout import CheckoutConfig, run_both

__all__ = ["____", "q1", "q2", "q3", "q4", "q5", "QUESTIONS", "progress", "ITEMS"]

#: the seed of q4's runs, and the services a sync checkout calls after Payment there
SEED = 1
DOWNSTREAM = ("inventory", "email", "analytics")
#: the interactions q2 asks about (names from the kit's catalogue)
ITEMS = (
    "Get user by ID",
    "Stock update after an order",
    "Identity check by a partner",
    "Password check at login",
    "Orders to a partner's warehouse",
    "Search-index update",
)

#: what a learner may write for each of the flowchart's three outcomes (one table, the card's)
SYNONYMS = card.SYNONYMS
HALF = card.HALF_ANSWERS


def _outcome(name: str) -> str:
    return catalogue.classify(name).decision.outcome


# -- q1 · why a callback ----------------------------------------------------------------------

q1 = ChoiceQuestion(
    "q1",
    variable="why_callback",
    title="Why the report export needs a callback",
    options={
        "a": "It takes minutes, and slow work should never go on a queue.",
        "b": "The manager still needs the file, so the work cannot just be handed off and "
        "forgotten: the caller must be told when it is ready.",
        "c": "Spreadsheets are too large to put on a queue.",
        "d": "A report is a user-facing request needing an immediate response.",
    },
    answer=lambda: "b" if _outcome("Monthly report export") == "callback" else "?",
    why={
        "a": "slow work can go on a queue perfectly well (image thumbnails do). Speed is not "
        "what the flowchart asks; it asks who needs the result.",
        "c": "size is not what the flowchart asks about, and a message can carry a link to a file.",
        "d": "if the manager needed it immediately, the first answer would be Yes and the "
        "flowchart would end at Sync. Nobody can hold a request open for minutes.",
    },
    when_correct="“Can operation be queued?” means: can the caller hand it off and forget "
    "it? The manager needs the spreadsheet, so it cannot be forgotten: accept the job now, "
    "and call back (or send a link) when the file is ready.",
    hints=[
        "The first answer is No: the manager cannot wait minutes on an open request. "
        "The question is about the *second* box, “Can operation be queued?”.",
        "In the lesson, *can be queued* means fire-and-forget: nobody waits for an answer "
        "to come back. Is that true of a report someone asked for?",
    ],
    explanation="The second question separates work nobody waits for (a queue or an event) "
    "from work someone needs later (a callback or webhook). The report is the second kind.",
    wrong_example=WrongExample("a", says="Speed is not what the flowchart asks"),
)


# -- q2 · classify six interactions -----------------------------------------------------------


def _q2_expected():
    out = {}
    for name in ITEMS:
        i = catalogue.classify(name)
        out[name] = (i.decision.outcome, i.why)
    return out


def _q2_one_wrong() -> dict[str, str]:
    """The catalogue's labels, but the identity check (a callback) put on a queue."""
    labels = {name: label for name, (label, _) in _q2_expected().items()}
    return {**labels, "Identity check by a partner": "queue"}


def _q2_counts() -> str:
    labels = [label for label, _ in _q2_expected().values()]
    counts = ", ".join(f"{labels.count(x)} {x}" for x in ("sync", "queue", "callback"))
    return (
        f"Of the six: {counts}. The two partner interactions differ: one delivers orders "
        "(nobody waits for a reply), the other returns a verdict (someone needs it)."
    )


q2 = ClassifyQuestion(
    "q2",
    variable="my_labels",
    title="Classify six interactions",
    expected=_q2_expected,
    synonyms=SYNONYMS,
    half=HALF,
    verdict="the flowchart says",
    advice="Walk each one through the two questions: does the caller need the result "
    "immediately? If not, can it be fire-and-forget?",
    when_correct="Each one, walked through the flowchart: someone waiting on the spot "
    "→ sync; work nobody waits for → queue; long work whose result someone needs later "
    "→ callback. `print(catalogue.classify(name).explain())` shows the card's words for "
    "any of them.",
    hints=[
        "For each, ask first: can the caller take its next step without the result? "
        "A login page cannot; an Inventory update after the order can.",
        "If the caller does not need it now, ask: is it fire-and-forget (queue), or does "
        "someone need the result later (callback)? An identity check that takes hours "
        "still ends in a verdict the shop must hear.",
        _q2_counts,
    ],
    explanation=lambda: (
        "The catalogue's answers, with its reasons:\n\n"
        + "\n".join(
            f"- **{i.name}** → {i.decision.outcome}: {i.why}"
            for i in map(catalogue.classify, ITEMS)
        )
    ),
    wrong_example=WrongExample(
        make=_q2_one_wrong, says=("5 of 6 right", "the flowchart says **callback**")
    ),
)


# -- q3 · the flowchart as a function ---------------------------------------------------------


def _label(got) -> str | None:
    return card.outcome_of(got)  # any case and spacing, the flowchart's box labels included


def _q3_judge(got, case):
    if isinstance(got, str) and got.strip().casefold() in HALF:
        return False, f"it returned {show(got)}, {HALF['async']}."
    if not isinstance(got, str):
        return False, f"it returned {show(got)}; return one of 'sync', 'queue' or 'callback'."
    word = _label(got)
    if word is None:
        return False, f"it returned {show(got)}; return one of 'sync', 'queue' or 'callback'."
    return word == case.expected, None


def _q3_cases():
    cases = [
        Case((now, queued), card.decide(now, queued).outcome)
        for now, queued in (
            (True, None),
            (False, True),
            (False, False),
            (True, True),
            (True, False),
        )
    ]
    for i in catalogue.INTERACTIONS:
        cases.append(
            Case(
                (i.needs_result_now, i.can_be_queued),
                i.decision.outcome,
                note=f"This is the catalogue's “{i.name}”: {i.description}",
                source="catalogue interaction",
            )
        )
    return cases


def _q3_mistakes(case):
    now, queued = case.args
    if now:
        first = (
            "When the caller needs the result immediately, the flowchart stops at the first "
            "question: the second answer does not matter."
        )
        return [Mistake("queue", first), Mistake("callback", first)]
    if queued:
        return [
            Mistake(
                "callback",
                "No, then Yes: the work can be handed off and forgotten, so a queue will do.",
            )
        ]
    if queued is False:
        return [
            Mistake(
                "queue",
                "No, then No: someone needs the result later, so the caller must be called back.",
            )
        ]
    return []


def _q3_wrong(needs_result_now, can_be_queued):
    """Asks the second question first."""
    if can_be_queued:
        return "queue"
    return "sync" if needs_result_now else "callback"


q3 = FunctionQuestion(
    "q3",
    variable="recommend",
    title="The flowchart as a function",
    signature="recommend(needs_result_now, can_be_queued)",
    cases=_q3_cases,
    judge=_q3_judge,
    mistakes=_q3_mistakes,
    answer_of=_label,
    when_correct=lambda: (
        f"Your function agrees with the flowchart on all four paths and on "
        f"every one of the kit's {len(catalogue.INTERACTIONS)} catalogued interactions."
    ),
    hints=[
        "Two `if`s are enough. Start with the first question: `if needs_result_now:` "
        "`return 'sync'`.",
        "When the first answer is True, `can_be_queued` may be None (the flowchart does "
        "not ask). Look at it only when `needs_result_now` is False.",
        "After the first `if`: `if can_be_queued: return 'queue'`, and otherwise "
        "`return 'callback'`.",
    ],
    explanation="The order of the tests is the flowchart's order: the second question is "
    "asked only when the first answer is No.",
    wrong_example=WrongExample(
        _q3_wrong,
        says=(
            "`recommend(True, True)` returned 'queue', but it should be 'sync'",
            "stops at the first",
        ),
    ),
)


# -- q4 · predict what the question saves ------------------------------------------------------


@lazy
def _q4_runs():
    return run_both(seed=SEED, downstream=DOWNSTREAM)


def _means() -> dict[str, float]:
    latency = CheckoutConfig().latency
    return {name: latency[name].mean_ms for name in latency}


def _q4_actual():
    sync, asyn = _q4_runs()
    saved = sync.p(50) - asyn.p(50)
    return saved, (
        f"The run ({sync.n_orders:,} orders, seed {SEED}): the median sync shopper waited "
        f"{sync.p(50):,.0f} ms, the median async shopper {asyn.p(50):,.0f} ms."
    )


def _q4_explain(prediction, actual):
    m = _means()
    off_path = sum(m[d] for d in DOWNSTREAM)
    publish = CheckoutConfig().publish_ms.mean_ms
    parts = " + ".join(f"{d.capitalize()} {m[d]:.0f}" for d in DOWNSTREAM)
    return (
        "A sync shopper waits for Payment and then every service after it; an async shopper "
        f"waits for Payment and a {publish:.0f} ms publish. So async saves about {parts} − "
        f"publish {publish:.0f} = {off_path - publish:.0f} ms (the services' means; the "
        "medians of a run come out close)."
    )


def _q4_mistakes():
    m = _means()
    publish = CheckoutConfig().publish_ms.mean_ms
    without = [d for d in DOWNSTREAM if d != "analytics"]
    left_out = (
        "you left out Analytics. The shop has just added it, and a sync shopper waits for it "
        "too: it is one more service after Payment."
    )
    return [
        Mistake(sum(m[d] for d in without) - publish, left_out),
        Mistake(sum(m[d] for d in without), left_out),
        Mistake(
            m["payment"],
            "that is Payment's own latency, but both shoppers wait for Payment: it saves "
            "nothing. Which services does only the sync shopper wait for?",
        ),
    ]


q4 = PredictQuestion(
    "q4",
    variable="saved_ms",
    title="Predict: what async saves the median shopper",
    actual=_q4_actual,
    label="a saving",
    explain=_q4_explain,
    rel_tol=0.1,
    unit="ms",
    mistakes=_q4_mistakes,
    hints=[
        "Which services does a sync shopper wait for that an async shopper does not?",
        lambda: (
            "The means, from the kit's settings: "
            + ", ".join(f"{k} {v:.0f} ms" for k, v in _means().items())
            + "; the async publish takes 2 ms."
        ),
        "Add the means of the services after Payment, and subtract the publish.",
    ],
    explanation=lambda: _q4_explain(0, 0),
    # a prediction is credited with its reason, never graded: what fails is a missing reason
    wrong_example=WrongExample(
        {"saved_ms": 160, "because": "Analytics"},
        says=("say in a sentence why you expect your number", "earns the credit"),
    ),
)


# -- q5 · skip when ---------------------------------------------------------------------------


def _q5_answer() -> str:
    tax = catalogue.classify("Tax calculation inside the Order service")
    sections = {card.bullet_section(b) for b in tax.bullets}
    return "b" if "Skip when" in sections else "?"


q5 = ChoiceQuestion(
    "q5",
    variable="tax_advice",
    title="When the card says skip",
    options={
        "a": "Apply the card: async is the default, so put a queue between them.",
        "b": "Skip the card here: this is communication within a single service, and a plain "
        "function call is right.",
        "c": "Use a callback: tax rules are complex and may be slow.",
        "d": "Make the tax module a service of its own and call it over REST, since the order "
        "needs the tax immediately.",
    },
    answer=_q5_answer,
    why={
        "a": "the card's rule is about communication *between* services. Its “Skip when” "
        "list names this case.",
        "c": "the tax on one order is quick arithmetic, and the Order service needs it now: "
        "there is nothing to call back about.",
        "d": "“needs it immediately” is right, but splitting one service in two only to call "
        "it over the network adds a way to fail and nothing else.",
    },
    when_correct="The card's “Skip when: Communication within a single service”. Inside "
    "one service there is no network hop to decouple; a queue would be a moving part to "
    "run, watch and debug, for nothing.",
    hints=[
        "Look at the card's “Skip when” list (lesson 01 shows it with the card's other lists).",
        "Is there a second service here at all?",
    ],
    explanation="Pricing and tax are modules of the same service, in the same process: a "
    "function call is the simplest thing that works, and the card says to skip it here.",
    wrong_example=WrongExample("a", says="“Skip when”"),
)


#: this notebook's questions; ``progress()`` checks them all and shows which are done
QUESTIONS = QuestionSet(__name__, q1, q2, q3, q4, q5)
progress = QUESTIONS.progress
