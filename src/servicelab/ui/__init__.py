"""The kit's look, shared by every lesson: colours, axes, the live panel frame, text reports.

* :mod:`~servicelab.ui.style` — every colour of the kit (Okabe–Ito) and its matplotlib look;
* :mod:`~servicelab.ui.report` — plain-text tables of results.
"""
