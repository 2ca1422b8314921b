"""Panel redraw speed: the kit's update against a naive ``interact`` redraw.

Covers: every panel of every lesson (found through :data:`servicelab.lessons.LESSONS`).

Scenario: for each panel, move every control a step or two away from its
default and back (as a learner exploring would), and time each change:

* **kit** — ``panel.set(...)``: rerun the simulation, update the live
  artists over the cached background, encode one PNG;
* **naive** — what a plain ``ipywidgets.interact`` with the inline backend
  does for the same simulation: a new figure, the same layout and drawing,
  ``savefig(bbox_inches="tight")`` as the inline backend renders, close.

Both run the same ``compute()`` with the same values, interleaved, in one
process. Printed: median ms of each, their ratio, and the target (kit median
≤ 100 ms at default settings). Printed, never asserted.
"""

from __future__ import annotations

import inspect
import io
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from servicelab.lessons import LESSONS  # noqa: E402
from servicelab.ui.style import kit_style  # noqa: E402

TARGET_MS = 100.0


def _panel_makers() -> dict[str, object]:
    """Every lesson's panels, in learning order: maker name → the function that makes it."""
    return {
        name: make
        for lesson in LESSONS
        for name, make in lesson.public("panels").items()
        if inspect.isfunction(make)
    }


def _moves(panel) -> list[dict]:
    """Control changes a learner might make: one or two steps from the default and back."""
    moves = []
    for name, control in panel.controls.items():
        default = control.value
        step = getattr(control, "step", None)
        if step is not None and hasattr(control, "max"):
            values = [default + step, default + 2 * step, default + step, default]
            values = [v for v in values if control.min <= v <= control.max]
            if not values:
                values = [default - step, default]
        else:
            options = [o[1] if isinstance(o, tuple) else o for o in control.options]
            others = [o for o in options if o != default][:2]
            values = [*others, default]
        moves += [{name: v} for v in values]
    return moves


def _naive_class(cls):
    """The same panel drawn the naive way: nothing live, a new figure every time."""
    return type(f"Naive{cls.__name__}", (cls,), {"live": lambda self, artist: artist})


def naive_update(cls, values: dict) -> None:
    naive = _naive_class(cls)
    shadow = naive.__new__(naive)  # no widgets: just the figure, as interact would draw it
    fig = plt.figure(figsize=cls.figsize)
    try:
        shadow.start_figure(fig)
        with kit_style():
            data = shadow.compute(**values)
            shadow.draw(data)
            shadow.describe(data)
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    finally:
        plt.close(fig)


def measure(make) -> tuple[float, float, int]:
    """Median ms of the kit's update and of the naive redraw, over the same moves."""
    panel = make()
    kit, naive = [], []
    for move in _moves(panel):
        start = time.perf_counter()
        panel.set(**move)
        kit.append((time.perf_counter() - start) * 1000)
        values = panel.values()
        if panel.message:  # an impossible setting: nothing to draw either way
            continue
        start = time.perf_counter()
        naive_update(type(panel), values)
        naive.append((time.perf_counter() - start) * 1000)
    return statistics.median(kit), statistics.median(naive), len(kit)


def main() -> list[tuple[str, float, float]]:
    rows = []
    load = os.getloadavg()
    print("Panel redraws: median ms per control change, kit vs a naive interact redraw")
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} (1 min)\n")
    print(f"{'panel':<24}{'changes':>8}{'kit ms':>9}{'naive ms':>10}{'naive/kit':>11}  target")
    print("-" * 72)
    for name, make in _panel_makers().items():
        kit, naive, n = measure(make)
        verdict = "ok" if kit <= TARGET_MS else "OVER"
        ratio = naive / kit
        print(
            f"{name:<24}{n:>8}{kit:>9.1f}{naive:>10.1f}{ratio:>10.1f}×  ≤ {TARGET_MS:.0f} ms",
            verdict,
        )
        rows.append((name, kit, naive))
    over = [name for name, kit, _ in rows if kit > TARGET_MS]
    print()
    if over:
        print(f"Verdict: over the {TARGET_MS:.0f} ms target: {', '.join(over)}.")
    else:
        worst = max(rows, key=lambda r: r[1])
        slowest = f"slowest {worst[0]}, {worst[1]:.0f} ms"
        print(f"Verdict: every panel within {TARGET_MS:.0f} ms ({slowest}).")
    return rows


if __name__ == "__main__":
    main()
