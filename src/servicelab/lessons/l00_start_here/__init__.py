"""Lesson 00 · Start here: the toy shop and one checkout both ways.

The lesson draws the kit's shared checkout figures (``plots.topology``,
from :mod:`servicelab.ui.checkout_figures`) and shows lesson 02's timeline
panel through the facade (``panels.request_timeline()``); it has no parts
of its own.
"""
