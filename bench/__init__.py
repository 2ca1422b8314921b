"""Benchmarks of the servicelab kit, run with ``python -m bench`` from the repo root.

Each benchmark prints its numbers side by side with a target; none of them
asserts a speed, because timings depend on the machine. They do assert that
the things they compare are the same computation.
"""
