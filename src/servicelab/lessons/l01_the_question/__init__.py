"""Lesson 01 · The question: the card's flowchart, drawn, made interactive, and practised.

Parts:

* ``figures`` — the flowchart, drawn once and restyled per decision
  (``Flowchart``, ``flowchart``);
* ``panels`` — the decision helper (``DecisionPanel``, ``decision_helper``);
* ``exercises`` — the questions of its exercise notebook.

The card and its catalogue are shared domain data (:mod:`servicelab.card`,
:mod:`servicelab.catalogue`); the latency figure is the kit's shared
``latency_cdf``.
"""
