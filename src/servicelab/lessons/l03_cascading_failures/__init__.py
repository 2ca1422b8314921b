"""Lesson 03 · Cascading failures: availability multiplies, outages, pool exhaustion, retry storms.

Parts: ``analysis`` (readings shared by figures, panels and prose),
``figures``, ``panels``, ``exercises``.
"""
