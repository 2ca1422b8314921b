"""Lesson 01 · The question: the card's flowchart, drawn, made interactive, and practised.

Parts: ``figures`` (the flowchart), ``panels`` (the decision helper),
``exercises``. The card and its catalogue are shared domain data
(:mod:`servicelab.card`, :mod:`servicelab.catalogue`).
"""
