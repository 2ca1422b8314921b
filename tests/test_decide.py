"""The card's question: the flowchart as data, the catalogue, the figure and the panel.

The catalogue quotes the card word for word; the card's lists are embedded
in :data:`servicelab.card.CARD_BULLETS`, and the tests hold every quote to
that list (never to files outside the repo).
"""

import gc
import io
import weakref

import matplotlib
import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicelab.card import (
    CALLBACK,
    CARD_BULLETS,
    EDGES,
    NODES,
    OUTCOME_BULLETS,
    OUTCOMES,
    PLAIN,
    PLAIN_CALL,
    QUEUE_EVENT,
    SYNC_CALL,
    SYNONYMS,
    Decision,
    bullet_section,
    decide,
    outcome_of,
)
from servicelab.catalogue import (
    ENTRIES,
    IN_PROCESS,
    INTERACTIONS,
    bullet_table,
    catalogue_table,
    classify,
    reveal,
)
from servicelab.lessons.l01_the_question.panels import YOUR_OWN
from servicelab.panels import decision_helper
from servicelab.plots import Flowchart, flowchart
from servicelab.ui.style import ASYNC, FADED_EDGE, SYNC

matplotlib.use("Agg")

ALL_BULLETS = [b for bullets in CARD_BULLETS.values() for b in bullets]

# -- the flowchart as data ---------------------------------------------------------------


@pytest.mark.parametrize(
    "now, queued, recommendation, path",
    [
        (True, None, SYNC_CALL, ("immediate", "sync")),
        (True, True, SYNC_CALL, ("immediate", "sync")),
        (True, False, SYNC_CALL, ("immediate", "sync")),
        (False, True, QUEUE_EVENT, ("immediate", "queueable", "queue")),
        (False, False, CALLBACK, ("immediate", "queueable", "callback")),
    ],
)
def test_decide_walks_the_flowchart(now, queued, recommendation, path):
    d = decide(now, queued)
    assert d.recommendation == recommendation
    assert d.path == path
    assert d.needs_result_now is now
    assert d.can_be_queued is (None if now else queued)  # the second question is not asked
    assert d.style == ("sync" if now else "async")
    # one sentence
    assert d.reason.endswith(".") and d.reason.count(". ") == 0 and d.reason[0].isupper()
    assert [e.label for e in d.edges] == (["Yes"] if now else ["No", "Yes" if queued else "No"])


def test_decision_is_frozen_and_comparable():
    d = decide(False, True)
    with pytest.raises(AttributeError):
        d.recommendation = SYNC_CALL
    assert d == decide(False, True)
    assert decide(True) == decide(True, False)  # the unasked answer is not recorded


def test_the_flowchart_is_the_cards():
    questions = [n for n in NODES.values() if n.kind == "question"]
    outcomes = [n for n in NODES.values() if n.kind == "outcome"]
    assert [n.label for n in questions] == ["Need immediate result?", "Can operation be queued?"]
    assert [n.label for n in outcomes] == [
        "Sync (REST/gRPC)",
        "Async (Queue/Event)",
        "Async with callback/webhook",
    ]
    assert {n.style for n in outcomes} == {"sync", "async"}
    for q in questions:  # every question has one Yes and one No
        assert sorted(e.label for e in EDGES if e.source == q.id) == ["No", "Yes"]
    for o in outcomes:  # outcomes end the walk
        assert not any(e.source == o.id for e in EDGES)
    assert all(e.source in NODES and e.target in NODES for e in EDGES)


def test_card_bullets_are_the_cards_lists():
    headings = ["When to use sync", "When to use async", "Apply when", "Skip when"]
    assert list(CARD_BULLETS) == headings
    assert [len(b) for b in CARD_BULLETS.values()] == [4, 5, 3, 3]
    assert "Simple queries (get user by ID)" in CARD_BULLETS["When to use sync"]
    assert "Notifications and side effects" in CARD_BULLETS["When to use async"]
    assert len(set(ALL_BULLETS)) == len(ALL_BULLETS)  # each bullet under one heading
    assert bullet_section("Simple CRUD applications") == "Skip when"
    for outcome, bullets in OUTCOME_BULLETS.items():
        assert outcome in NODES and bullets and set(bullets) <= set(ALL_BULLETS)


# -- the catalogue ------------------------------------------------------------------------

REQUIRED = [
    "Get user by ID",
    "Card charge at checkout",
    "Order-confirmation email",
    "Monthly report export",
    "Search-index update",
    "Image thumbnails",
    "Fraud score before accepting a payment",
    "Orders to a partner's warehouse",
    "Stock level on the product page",
    "Analytics event",
    "Password check at login",
    "Shipping label from a carrier",
    "Tax calculation inside the Order service",
    "Saving a form in a CRUD prototype",
]


def test_catalogue_holds_the_required_interactions():
    names = [i.name for i in ENTRIES]
    assert ENTRIES == INTERACTIONS + IN_PROCESS
    assert len(INTERACTIONS) >= 14
    assert len(set(names)) == len(names)
    assert set(REQUIRED) <= set(names)


@pytest.mark.parametrize("interaction", INTERACTIONS, ids=lambda i: i.name)
def test_every_entry_is_classified_as_its_answers_say(interaction):
    i = interaction
    assert i.expected == decide(i.needs_result_now, i.can_be_queued).recommendation
    assert i.decision.recommendation == i.expected
    # the second question is answered exactly when the flowchart asks it
    assert (i.can_be_queued is None) == i.needs_result_now
    assert i.description.endswith(".") and i.why.endswith(".")
    assert i.bullets and len(set(i.bullets)) == len(i.bullets)


@pytest.mark.parametrize("interaction", INTERACTIONS, ids=lambda i: i.name)
def test_entries_quote_only_the_cards_bullets(interaction):
    for bullet in interaction.bullets:
        assert bullet in ALL_BULLETS, f"{interaction.name!r} quotes {bullet!r}, not on the card"


def test_every_bullet_of_the_card_has_an_example():
    used = {b for i in ENTRIES for b in i.bullets}
    assert set(ALL_BULLETS) <= used, set(ALL_BULLETS) - used


def test_catalogue_covers_every_outcome_and_the_skip_cases():
    outcomes = {i.decision.outcome for i in INTERACTIONS}
    assert outcomes == {"sync", "queue", "callback"}
    for i in INTERACTIONS:  # where the card says skip async, the catalogue says sync
        if any(bullet_section(b) == "Skip when" for b in i.bullets):
            assert i.expected == SYNC_CALL, i.name
        if any(bullet_section(b) == "When to use sync" for b in i.bullets):
            assert i.expected == SYNC_CALL, i.name
        if any(bullet_section(b) == "When to use async" for b in i.bullets):
            assert i.expected != SYNC_CALL, i.name


def test_careful_cases():
    # needed before the payment can be accepted: sync, on the critical path
    assert classify("Fraud score before accepting a payment").expected == SYNC_CALL
    # takes minutes, and fulfilment must know when the label is ready
    assert classify("Shipping label from a carrier").expected == CALLBACK
    assert classify("Monthly report export").expected == CALLBACK
    assert classify("Orders to a partner's warehouse").expected == QUEUE_EVENT
    assert (
        "When services have different availability"
        in classify("Orders to a partner's warehouse").bullets
    )


# -- looking things up -------------------------------------------------------------------


def test_classify_ignores_case_and_spacing():
    assert classify("  get USER  by id ") is classify("Get user by ID")


def test_classify_suggests_close_names():
    with pytest.raises(ValueError, match=r"name = 'get usr by id'.*'Get user by ID'"):
        classify("get usr by id")
    with pytest.raises(ValueError, match="Fraud score before accepting a payment"):
        classify("fraud")


def test_classify_lists_the_names_when_nothing_is_close():
    with pytest.raises(ValueError) as info:
        classify("zzz")
    assert all(i.name in str(info.value) for i in ENTRIES)


@given(st.text(max_size=40))
def test_classify_returns_an_entry_or_says_what_is_wrong(text):
    try:
        found = classify(text)
    except ValueError as exc:
        assert str(exc).startswith(f"name = {text!r} is not allowed: name must be")
    else:
        assert found in ENTRIES


@pytest.mark.parametrize(
    "call, parameter, value, allowed",
    [
        (lambda: decide("yes"), "needs_result_now", "'yes'", "True or False"),
        (lambda: decide(1), "needs_result_now", "1", "True or False"),
        (lambda: decide(None), "needs_result_now", "None", "True or False"),
        (lambda: decide(False, "no"), "can_be_queued", "'no'", "True, False or None"),
        (lambda: decide(False), "can_be_queued", "None", "True or False"),
        (lambda: classify(3), "name", "3", "the name of an interaction"),
        (lambda: bullet_section("Use queues"), "bullet", "'Use queues'", "one of the card's"),
        (lambda: reveal(["sync"]), "guesses", "['sync']", "a dict"),
        (lambda: flowchart("sync"), "decision", "'sync'", "a Decision"),
    ],
)
def test_bad_input_is_named_with_its_value_and_what_is_allowed(call, parameter, value, allowed):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{parameter} = {value} is not allowed")
    assert allowed in message


# -- text for the notebook -----------------------------------------------------------------


def test_catalogue_table_has_a_row_per_interaction():
    lines = catalogue_table().splitlines()
    assert len(lines) == 1 + len(ENTRIES)
    for line, i in zip(lines[1:], ENTRIES, strict=True):
        assert line.startswith(i.name) and line.endswith(i.expected)
        assert line.endswith(i.recommendation)


# -- calls inside one service: skip the card, a plain function call (M11) -------------------


def test_m11_a_call_inside_one_service_is_a_plain_function_call_not_rest():
    tax = classify("Tax calculation inside the Order service")
    assert tax in IN_PROCESS and tax not in INTERACTIONS and not tax.between_services
    assert tax.expected == tax.recommendation == PLAIN_CALL
    assert tax.outcome == PLAIN and PLAIN not in OUTCOMES  # not a box of the flowchart
    assert SYNC_CALL not in tax.explain() and "REST/gRPC" not in tax.explain()
    assert "→ Skip the card: a plain function call" in tax.explain()
    assert "inside one service the card says skip" in tax.explain()
    row = next(line for line in catalogue_table().splitlines() if line.startswith(tax.name))
    assert row.endswith("  → Skip the card: a plain function call")
    assert "–" in row and "Yes" not in row  # the flowchart is not asked
    for bullet in tax.bullets:
        assert bullet_section(bullet) in ("When to use sync", "Skip when")
    assert "Tax calculation inside the Order service" in bullet_table()


@pytest.mark.parametrize("interaction", IN_PROCESS, ids=lambda i: i.name)
def test_m11_every_in_process_entry_quotes_a_skip_or_bounded_context_bullet(interaction):
    assert not interaction.between_services and interaction.expected == PLAIN_CALL
    assert any(
        bullet_section(b) == "Skip when" or b == "Within a single bounded context"
        for b in interaction.bullets
    )


def test_m11_reveal_and_the_words_know_the_plain_call(capsys):
    for word in ("plain", "Function call", " plain call ", PLAIN_CALL, "skip"):
        assert outcome_of(word) == PLAIN
    name = "Tax calculation inside the Order service"
    reveal({name: "plain call"})
    out = capsys.readouterr().out
    assert f"{name} → plain ({PLAIN_CALL}): right." in out
    reveal({name: "sync"})
    assert "you said sync" in capsys.readouterr().out


def test_m11_the_decision_helper_and_the_flowchart_exercise_walk_only_calls_between_services():
    from servicelab.lessons.l01_the_question.exercises import q3, q5

    p = decision_helper()
    assert set(p.controls["interaction"].options) == {i.name for i in INTERACTIONS} | {YOUR_OWN}
    cases = q3._cases()
    notes = " ".join(c.note for c in cases)
    assert "Tax calculation" not in notes
    assert q5.assess("b").correct  # "skip the card: a plain function call" is still q5's answer


def test_explain_quotes_the_card():
    text = classify("Order-confirmation email").explain()
    assert "“Notifications and side effects” (When to use async)" in text
    assert "→ Async (Queue/Event)" in text


def test_reveal_marks_guesses(capsys):
    reveal(
        {
            "Fraud score before accepting a payment": "sync",
            "Shipping label from a carrier": "Queue",
            "Image thumbnails": "?",
            "Analytics event": "async",
            "Get user by ID": "REST",
            "Order-confirmation email": "banana",
        }
    )
    out = capsys.readouterr().out
    assert "Fraud score before accepting a payment → sync (Sync (REST/gRPC)): right." in out
    assert "Shipping label from a carrier → callback" in out and "you said queue" in out
    assert "Image thumbnails → queue (Async (Queue/Event)): no guess." in out
    assert "half an answer" in out and "'banana' is not one of" in out
    assert "Get user by ID → sync (Sync (REST/gRPC)): right." in out  # the exercise accepts it too
    assert out.strip().endswith("2 of 6 as the flowchart says.")


def test_reveal_keeps_the_answers_until_there_is_a_guess(capsys):
    reveal({"Image thumbnails": " ? ", "Get user by ID": None})
    out = capsys.readouterr().out
    assert out.startswith("No guesses yet") and "queue" not in out.replace("'queue'", "")
    reveal({"Image thumbnails": "?", "Analytics event": [1]})
    out = capsys.readouterr().out
    assert "[1] is not one of" in out and out.strip().endswith("0 of 2 as the flowchart says.")


# -- the figure --------------------------------------------------------------------------------


def _rgb(color):
    return tuple(round(c, 3) for c in matplotlib.colors.to_rgb(color))


def test_flowchart_highlights_the_path():
    ax = flowchart(decide(False, False))
    chart = Flowchart.on(ax)
    assert _rgb(chart.boxes["callback"].get_facecolor()) == _rgb(ASYNC)
    for off in ("sync", "queue"):
        assert _rgb(chart.boxes[off].get_edgecolor()) == _rgb(FADED_EDGE)
    assert _rgb(chart.arrows["queueable", "callback"].get_edgecolor()) == _rgb(ASYNC)
    assert _rgb(chart.arrows["immediate", "sync"].get_edgecolor()) == _rgb(FADED_EDGE)
    assert chart.title.get_text().endswith("→ Async with callback/webhook")
    # drawn again on the same axes: restyled, not drawn twice
    n_patches = len(ax.patches)
    flowchart(decide(True), ax)
    assert Flowchart.on(ax) is chart and len(ax.patches) == n_patches
    assert _rgb(chart.boxes["sync"].get_facecolor()) == _rgb(SYNC)
    plt.close(ax.figure)


def test_a_closed_flowchart_is_forgotten():
    """The charts are found by axes without keeping a closed figure's axes alive."""
    ax = flowchart(decide(True))
    assert Flowchart.on(ax).boxes["sync"] in ax.patches
    gone = weakref.ref(ax)
    plt.close(ax.figure)
    del ax
    gc.collect()
    assert gone() is None


def test_flowchart_plain_shows_every_box_and_yes_no_words():
    ax = flowchart()
    texts = [t.get_text() for t in ax.texts]
    for node in NODES.values():
        assert node.label in texts
    assert texts.count("Yes") == 2 and texts.count("No") == 2
    ax.figure.canvas.draw()  # renders without error
    plt.close(ax.figure)


# -- the panel, headless -------------------------------------------------------------------------


def test_panel_shows_the_first_interaction_by_default():
    p = decision_helper()
    first = INTERACTIONS[0]
    assert p.values()["interaction"] == first.name
    assert p.data["decision"] == first.decision
    assert p.summary.startswith(f"{first.name} → {first.expected}.")
    assert p.png.startswith(b"\x89PNG") and p.message == ""


@pytest.mark.parametrize("interaction", INTERACTIONS, ids=lambda i: i.name)
def test_choosing_an_interaction_sets_the_toggles_and_the_path(interaction):
    p = decision_helper()
    p.set(interaction=interaction.name)
    assert isinstance(p.data["decision"], Decision)
    assert p.data["decision"].path == interaction.decision.path
    assert p.values()["interaction"] == interaction.name  # not switched to "(your own)"
    assert p.values()["needs_result_now"] is interaction.needs_result_now
    if interaction.can_be_queued is not None:
        assert p.values()["can_be_queued"] is interaction.can_be_queued
    assert f"→ {interaction.expected}." in p.summary
    for bullet in interaction.bullets:
        assert f"“{bullet}”" in p.summary
    assert p.controls["can_be_queued"].disabled is interaction.needs_result_now


def test_a_toggle_moved_by_hand_makes_it_your_own():
    p = decision_helper(interaction="Order-confirmation email")
    p.set(can_be_queued=False)
    assert p.values()["interaction"] == YOUR_OWN
    assert p.data["decision"].path == ("immediate", "queueable", "callback")
    assert p.data["interaction"] is None
    assert p.summary.startswith("Your own interaction → Async with callback/webhook.")
    assert "“Cross-service communication”" in p.summary
    p.set(needs_result_now=True)
    assert p.data["decision"].path == ("immediate", "sync")
    assert p.controls["can_be_queued"].disabled


def test_a_click_redraws_once_and_links_without_loops():
    p = decision_helper()
    redraws = []
    update = p.update
    p.update = lambda: (redraws.append(1), update())
    p.controls["interaction"].value = "Monthly report export"  # as a click would
    assert len(redraws) == 1
    assert p.values() == {
        "interaction": "Monthly report export",
        "needs_result_now": False,
        "can_be_queued": False,
    }
    p.controls["needs_result_now"].value = True  # a toggle clicked
    assert len(redraws) == 2 and p.values()["interaction"] == YOUR_OWN
    p.controls["interaction"].value = YOUR_OWN  # no change: no redraw
    p.controls["interaction"].value = "Analytics event"
    assert len(redraws) == 3 and p.data["decision"].outcome == "queue"


def test_panel_accepts_any_case_and_rejects_bad_settings_clearly():
    p = decision_helper(interaction="analytics EVENT")
    assert p.values()["interaction"] == "Analytics event"
    with pytest.raises(ValueError, match=r"interaction = 'nope' is not allowed: interaction must"):
        p.set(interaction="nope")
    with pytest.raises(ValueError, match=r"interaction = 'analytics'.*'Analytics event'"):
        p.set(interaction="analytics")
    with pytest.raises(ValueError, match=r"needs_result_now = 'Yes' is not allowed.*True or False"):
        p.set(needs_result_now="Yes")
    with pytest.raises(ValueError, match="control = 'colour'"):
        p.set(colour="red")
    assert p.values()["interaction"] == "Analytics event"  # nothing moved


def test_kept_backgrounds_show_the_same_pixels_as_a_full_draw():
    p = decision_helper()
    for name in ("Analytics event", "Get user by ID", "Monthly report export", "Analytics event"):
        p.set(interaction=name)
        fast = matplotlib.image.imread(io.BytesIO(p.png))
        p.invalidate()  # the next render draws everything afresh
        full = matplotlib.image.imread(io.BytesIO(p.render()))
        assert fast.shape == full.shape and np.array_equal(fast, full), name
    assert p.chart.title.get_text() == "Analytics event → Async (Queue/Event)"
    assert set(p._backgrounds) | {p._background_key} == {i.decision.path for i in INTERACTIONS}


def test_one_table_of_words_serves_the_lesson_quiz_and_the_exercise(capsys):
    """reveal() and exercise 01's checks read one table of words: both accept the same."""
    from servicelab.lessons.l01_the_question import exercises as ex01

    assert ex01.SYNONYMS is SYNONYMS
    name = "Stock update after an order"  # the flowchart says: queue
    for word in ("pub/sub", "Message queue", QUEUE_EVENT, " event "):
        assert outcome_of(word) == "queue"
        reveal({name: word})
        assert "right." in capsys.readouterr().out
    for word in ("REST", "gRPC", SYNC_CALL):
        assert outcome_of(word) == "sync"
    assert outcome_of("async") is None and outcome_of(3) is None
