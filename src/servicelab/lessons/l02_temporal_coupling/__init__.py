"""Lesson 02 · Temporal coupling: the caller waits for the whole chain, or for Payment only.

Parts: ``figures``, ``panels``, ``exercises``.
"""
