"""A panel's controls: the widget factories, and what each control takes from Python.

The factories (:func:`slider`, :func:`int_slider`, :func:`dropdown`,
:func:`toggle`) give every panel the same labelled widgets;
:mod:`servicelab.ui.panel` shows them to lessons with the
:class:`~servicelab.ui.panel.Panel`.

:func:`check_value` is the headless API's gate (``Panel.set``): a value from
Python must be one the widget itself could show — a number within a slider's
range, one of a drop-down's or toggle's options. Anything else (text, None,
NaN, ±inf, a bool on a slider, a number out of range, which a widget would
reject with a traitlets error naming no control, or clamp without a word) is
refused with the kit's sentence, naming the control::

    rate = 'abc' is not allowed: rate must be a number ≥ 1 and ≤ 20
    (the "Orders per second" slider).

A learner typing into a slider's text box is not affected: the widgets behave
as ipywidgets makes them.
"""

from __future__ import annotations

import ipywidgets as widgets

from .. import _check

__all__ = ["slider", "int_slider", "dropdown", "toggle", "check_value"]

_CONTROL_STYLE = {"description_width": "200px"}
_CONTROL_LAYOUT = {"width": "420px"}


def slider(label: str, value: float, low: float, high: float, step: float, fmt: str = ".0f"):
    """A float slider with its label (give the unit in the label, e.g. "Email latency (ms)")."""
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=label,
        readout_format=fmt,
        continuous_update=False,
        style=_CONTROL_STYLE,
        layout=_CONTROL_LAYOUT,
    )


def int_slider(label: str, value: int, low: int, high: int, step: int = 1):
    """A whole-number slider with its label."""
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=label,
        continuous_update=False,
        style=_CONTROL_STYLE,
        layout=_CONTROL_LAYOUT,
    )


def dropdown(label: str, options, value):
    """A drop-down list; ``options`` as for ipywidgets (labels, or (label, value) pairs)."""
    return widgets.Dropdown(
        options=options,
        value=value,
        description=label,
        style=_CONTROL_STYLE,
        layout=_CONTROL_LAYOUT,
    )


def toggle(label: str, options, value):
    """A row of toggle buttons."""
    return widgets.ToggleButtons(
        options=options,
        value=value,
        description=label,
        style=_CONTROL_STYLE,
        # label and buttons on one row (ipywidgets 8 in JupyterLab stacks them otherwise)
        layout={"display": "flex", "flex_flow": "row", "align_items": "center"},
    )


def check_value(control, name: str, value):
    """``value`` as ``control`` (the panel's control ``name``) would take it, or the kit's sentence.

    A slider takes a number within its range (a whole one for an
    ``IntSlider``; -0.0 becomes 0.0, so no text shows "-0"); a drop-down or
    toggle takes one of its options (``True`` is not 1.0). Raises
    :class:`~servicelab._check.KitValueError` naming ``name``, the value, what
    is allowed and the control's label.
    """
    try:
        if isinstance(control, widgets.IntSlider):
            return _check.integer(name, value, low=control.min, high=control.max)
        if isinstance(control, widgets.FloatSlider):
            return _check.number(name, value, low=control.min, high=control.max) + 0.0
        if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons)):
            return next(o for o in _options(control) if _same(o, value))
        return value  # a widget of another kind validates its own values
    except (_check.KitValueError, StopIteration, OverflowError):  # OverflowError: 10**400
        raise _check.fail(name, value, _allowed(control)) from None


def _options(control) -> list:
    """The values a drop-down or toggle offers (its options, or their values if labelled)."""
    return [o[1] if isinstance(o, tuple) else o for o in control.options]


def _same(option, value) -> bool:
    """``value`` selects ``option``: equal, and a bool only for a bool (``True`` is not 1.0)."""
    if isinstance(option, bool) != isinstance(value, bool):
        return False
    try:
        return bool(option == value)
    except (TypeError, ValueError):  # an array, or a type that will not compare
        return False


def _allowed(control) -> str:
    """What ``control`` takes, and which control it is, for the kit's sentence."""
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        number = "a whole number" if isinstance(control, widgets.IntSlider) else "a number"
        allowed, kind = f"{number} ≥ {control.min:g} and ≤ {control.max:g}", "slider"
    else:
        options = _options(control)
        allowed = (
            "True or False"
            if all(isinstance(o, bool) for o in options)
            else f"one of {', '.join(repr(o) for o in options)}"
        )
        kind = "drop-down" if isinstance(control, widgets.Dropdown) else "buttons"
    return f'{allowed} (the "{control.description}" {kind})'
