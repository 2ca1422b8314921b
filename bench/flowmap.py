"""Flow map frame speed: the kit's blitted frame against a naive redraw of the whole map.

Covers: the flow map (:mod:`servicelab.ui.flowmap`) of the runs lessons 00,
03, 04, 05 and 06 watch: the first checkout, the Inventory outage, the flash
sale, the slow subscriber, the last items.

Scenario: step the map's time slider through the run (every few frames, as
play at ×2–×5 does) and time each frame:

* **kit** — ``panel.set(frame=k)``: pick moment ``k``, update the live
  artists over the cached background, encode one PNG;
* **naive** — what redrawing the map per frame without blitting costs: a new
  figure, the same boxes and numbers, ``savefig(bbox_inches="tight")``.

Printed: median ms of each (the kit's also in CPU ms, which a busy machine
does not inflate), their ratio, and the target (kit median ≤ 50 ms per
frame). Printed, never asserted.
"""

from __future__ import annotations

import io
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from servicelab import Faults, run_both, run_flash_sale_both, run_last_items_both  # noqa: E402
from servicelab.scenarios.pubsub import run_designs  # noqa: E402
from servicelab.ui.flowmap import flow_map  # noqa: E402
from servicelab.ui.flowmap_draw import FlowDrawing, queue_peak, row_span  # noqa: E402
from servicelab.ui.style import kit_style  # noqa: E402

TARGET_MS = 50.0
#: frames timed per map (kit) and redrawn naively (slower, so fewer)
FRAMES, NAIVE_FRAMES = 120, 15


def _runs() -> dict[str, tuple]:
    return {
        "00 first checkout": run_both(seed=0),
        "03 Inventory outage": run_both(
            seed=1, faults={"inventory": Faults.outage(60_000, 60_000)}
        ),
        "04 flash sale": run_flash_sale_both(seed=0),
        "05 slow subscriber": tuple(  # sync one by one, and pub/sub
            run_designs(
                seed=5,
                subscribers=("inventory", "email", "analytics", "loyalty"),
                faults={"loyalty": Faults.slow(10, 60_000, 120_000)},
            ).values()
        )[::2],
        "06 last items": run_last_items_both(seed=6),
    }


def naive_frame(flows, k: int, t_ms: float, figsize) -> None:
    """Moment ``k`` drawn from scratch: a new figure, every artist, a tight PNG."""
    fig = plt.figure(figsize=figsize)
    try:
        with kit_style():
            half, width, peak = row_span(flows), 1 / len(flows), queue_peak(flows)
            for j, flow in enumerate(flows):
                ax = fig.add_axes((j * width + 0.01, 0.01, width - 0.02, 0.87))
                drawing = FlowDrawing(ax, flow, lambda artist: artist, half, peak)
                drawing.draw(flow.index(t_ms), t_ms)
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    finally:
        plt.close(fig)


def measure(results) -> tuple[float, float, float, int]:
    """Median ms of the kit's frame (wall clock and CPU) and of a naive redraw, over frames
    across the run. On a busy machine the wall clock waits for the CPU; the CPU ms do not."""
    m = flow_map(*results, follow=0)
    n = m.t_ms.size
    frames = sorted({int(k) for k in (i * (n - 1) / (FRAMES - 1) for i in range(FRAMES))})
    kit, cpu = [], []
    for k in frames:
        start, start_cpu = time.perf_counter(), time.process_time()
        m.set(frame=k)
        kit.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    naive = []
    for k in frames[:: max(len(frames) // NAIVE_FRAMES, 1)]:
        start = time.perf_counter()
        naive_frame(m.flows, k, float(m.t_ms[k]), m.figsize)
        naive.append((time.perf_counter() - start) * 1000)
    return statistics.median(kit), statistics.median(cpu), statistics.median(naive), len(kit)


def main() -> list[tuple[str, float, float]]:
    rows = []
    load = os.getloadavg()
    print("Flow map frames: median ms per frame, kit (blitted) vs a naive full redraw")
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} (1 min)\n")
    head = f"{'map':<22}{'frames':>7}{'kit ms':>8}{'(cpu)':>7}{'naive ms':>10}{'naive/kit':>11}"
    print(f"{head}  target")
    print("-" * 78)
    for name, results in _runs().items():
        kit, cpu, naive, n = measure(results)
        verdict = "ok" if kit <= TARGET_MS else "OVER"
        print(
            f"{name:<22}{n:>7}{kit:>8.1f}{cpu:>7.1f}{naive:>10.1f}{naive / kit:>10.1f}×"
            f"  ≤ {TARGET_MS:.0f} ms",
            verdict,
        )
        rows.append((name, kit, naive))
    over = [name for name, kit, _ in rows if kit > TARGET_MS]
    print()
    if over:
        print(f"Verdict: over the {TARGET_MS:.0f} ms target: {', '.join(over)}.")
    else:
        worst = max(rows, key=lambda r: r[1])
        print(
            f"Verdict: every map within {TARGET_MS:.0f} ms (slowest {worst[0]}, {worst[1]:.0f} ms)."
        )
    return rows


if __name__ == "__main__":
    main()
