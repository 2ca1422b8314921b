"""Every panel, whatever a learner does to it: a picture or a sentence, never a traceback.

Moves each control of each exported panel to its ends (and every control to
its maximum, then its minimum, at once) and checks that the panel either
draws — a PNG and a summary line — or explains in a sentence why it cannot,
and that it recovers when the controls come back.
"""

import pytest

from servicelab import panels

PNG = b"\x89PNG\r\n\x1a\n"
MAKERS = [name for name in panels.__all__ if name[0].islower()]


def ends(control):
    if hasattr(control, "options"):  # drop-downs and toggles: every few options
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return options[::3] + options[-1:]
    return [control.min, control.max]


def shows_something(p):
    if p.message:
        return p.summary == "" and p.image.layout.display == "none" and p.message.endswith(".")
    return p.png.startswith(PNG) and p.summary != "" and p.image.layout.display is None


@pytest.fixture(params=MAKERS)
def panel(request):
    return getattr(panels, request.param)()


def test_every_control_at_its_ends_shows_a_picture_or_a_sentence(panel):
    start = panel.values()
    for name, control in panel.controls.items():
        if hasattr(control, "index"):  # a drop-down shows its choice (None would be blank)
            assert control.index is not None, name
        for value in ends(control):
            panel.set(**{name: value})
            assert shows_something(panel), (name, value, panel.message)
        panel.set(**{name: start[name]})
        assert shows_something(panel) and not panel.message, name


def test_all_controls_at_once_to_the_extremes_and_back(panel):
    start = panel.values()
    sliders = {n: c for n, c in panel.controls.items() if hasattr(c, "max")}
    for pick in (lambda c: c.max, lambda c: c.min):
        panel.set(**{n: pick(c) for n, c in sliders.items()})
        assert shows_something(panel), panel.values()
    panel.set(**start)
    assert shows_something(panel) and not panel.message


def test_default_settings_draw_without_a_message(panel):
    assert not panel.message and panel.png.startswith(PNG)
    assert panel.summary.endswith(".")
