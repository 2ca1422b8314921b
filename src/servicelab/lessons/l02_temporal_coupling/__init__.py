"""Lesson 02 · Temporal coupling: the caller waits for the whole chain, or for Payment only.

Parts:

* ``analysis`` — can the checkout keep up at these latencies (Little's law per
  service), and how busy is the busiest service;
* ``panels`` — users' waits and email delivery (``TemporalCouplingPanel``,
  ``temporal_coupling``), one order's timeline (``TimelinePanel``,
  ``request_timeline``) and tail amplification (``TailPanel``,
  ``tail_amplification``);
* ``exercises`` — the questions of its exercise notebook.

It has no figures of its own: its timelines and latency distributions are the
kit's shared checkout figures (:mod:`servicelab.ui.checkout_figures`), which
lesson 00 and 01 draw too.
"""
