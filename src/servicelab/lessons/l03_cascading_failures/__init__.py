"""Lesson 03 · Cascading failures: availability multiplies, outages, pool exhaustion, retry storms.

Parts:

* ``analysis`` — readings shared by figures, panels and prose (chain success,
  intervals, an outage's numbers and sentence, the panels' seed);
* ``figures`` — a package, one module per story (availability, outage, pool,
  storm);
* ``panels`` — a package, one module per story, each a
  :class:`~servicelab.ui.live.LessonFrame` panel and its maker
  (``availability``, ``outage``, ``pool_exhaustion``, ``retry_storm``);
* ``exercises`` — the questions of its exercise notebook.

``figures`` and ``panels`` are packages because four stories do not fit one
module of 400 lines; each package's ``__init__`` gathers its stories into one
``__all__``, which is what the facades read.
"""
