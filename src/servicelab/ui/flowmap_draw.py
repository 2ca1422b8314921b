"""One side of a flow map: a run's services as boxes, and their state at one moment.

:class:`FlowDrawing` lays out a :class:`~servicelab.scenarios.flow.Flow` on
an axes the way :mod:`~servicelab.ui.topology` draws the checkout (the user,
the caller, the services it calls, an event's subscribers, left to right;
sync calls solid, async messages dashed) and keeps every number that moves
as a *live* artist of its panel, so a frame is drawn over a cached
background (blitting):

* in each service's box, requests in service out of its workers (and a bar)
  and requests waiting for a worker;
* left of a consuming service, its queue: a glass that fills with the
  messages not yet acknowledged (scaled to the run's peak), their number,
  and the messages dead-lettered so far;
* under a box, the failures there so far; over it, a grey hatch while it is
  down;
* along the bottom, the users' view: answered, still waiting and answered
  with an error, out of all the run's requests;
* when one request is followed: a ring on each box with its state there.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from ..scenarios.flow import Flow
from .style import (
    FADED_EDGE,
    INK,
    OKABE_ITO,
    OUTAGE,
    SECONDARY,
    SERVICE_COLORS,
    STYLE_COLORS,
    STYLE_LOOKS,
    WARNING,
)

__all__ = ["FlowDrawing", "COLUMNS", "USER_COLORS", "row_span", "queue_peak"]

#: centre x of each column, as the topology figure places them
COLUMNS = {0: 0.0, 1: 1.3, 2: 3.1, 3: 4.85}
BOX_W, BOX_H, ROW = 0.95, 0.56, 0.82
GLASS_W, GLASS_H = 0.34, 0.42
#: the users' view: answered, waiting, answered with an error
USER_COLORS = {"answered": OKABE_ITO["bluish green"], "waiting": OUTAGE, "error": WARNING}
STRIP_H = 0.2
#: the most dots an arrow carries (one per request or message on its way, up to this)
MAX_DOTS = 8


def queue_peak(flows) -> float:
    """The most messages any queue of ``flows`` held (the glasses' common full mark)."""
    return max([1.0, *(float(v.max()) for f in flows for v in f.queued.values() if v.size)])


def row_span(flows) -> float:
    """The largest |row| of any node of ``flows``, at least 1 (both sides share one scale)."""
    return max(1.0, *(abs(n.row) for f in flows for n in f.nodes))


class FlowDrawing:
    """A flow laid out on ``ax``; :meth:`draw` shows moment ``k``. ``live`` registers an
    artist with the panel (drawn every frame); the rest is the cached background."""

    def __init__(self, ax, flow: Flow, live, half_rows: float, peak: float = 1.0):
        self.ax, self.flow, self.live = ax, flow, live
        self.n = max(int(flow.arrival_ms.size), 1)
        self.xy = {n.name: (COLUMNS[n.column], n.row * ROW) for n in flow.nodes}
        top = half_rows * ROW + BOX_H / 2 + 0.12
        self.bottom = -half_rows * ROW - BOX_H / 2 - 0.42
        ax.set_xlim(-0.62, 5.45)
        ax.set_ylim(self.bottom - 0.45, top)
        ax.axis("off")
        color = STYLE_COLORS[flow.style]
        ax.set_title(flow.label, color=color, loc="left", fontsize=10.5)
        self.dots: list = []  # (edge, its live dots, start, end)
        for e in flow.edges:
            self._edge(e)
        self.texts, self.bars, self.down, self.rings = {}, {}, {}, {}
        self.glass, self.glass_text, self.dead_text, self.fail_text = {}, {}, {}, {}
        self.peak = max(peak, 1.0)  # the fullest glass of the map: every queue on one scale
        for node in flow.nodes:
            self._node(node)
        self._strip()

    # -- the background --------------------------------------------------------------
    def _edge(self, e) -> None:
        (x0, y0), (x1, y1) = self.xy[e.start], self.xy[e.end]
        look = STYLE_LOOKS[e.style]
        end = x1 - BOX_W / 2 - (0.1 + GLASS_W if e.end in self.flow.queued else 0.0)
        arrow = FancyArrowPatch(
            (x0 + BOX_W / 2, y0),
            (end, y1),
            arrowstyle="-|>",
            mutation_scale=13,
            color=look["color"],
            linestyle=look["linestyle"],
            linewidth=1.5,
            zorder=1,
        )
        self.ax.add_patch(arrow)
        start, stop = (x0 + BOX_W / 2 + 0.05, y0), (end - 0.12, y1)
        dots = self.ax.plot([], [], linestyle="none", marker="o", markersize=4.5,
                            color=look["color"], zorder=2)[0]  # fmt: skip
        self.dots.append((e, self.live(dots), np.array(start), np.array(stop)))

    def _load(self, name: str, k: int) -> float:
        """Work on its way to ``name`` at moment ``k``: its queue, or its requests in service
        and waiting for a worker (none into an event: a publish is over in a few ms)."""
        f = self.flow
        if name in f.queued:
            return float(f.queued[name][k])
        if name in f.busy:
            waiting = f.waiting.get(name)
            return float(f.busy[name][k]) + (float(waiting[k]) if waiting is not None else 0.0)
        return 0.0

    def _draw_dots(self, k: int) -> None:
        """Up to MAX_DOTS dots along each arrow, as many as the work on it, moving each frame."""
        phase = (k * 0.35) % 1.0
        for e, dots, start, stop in self.dots:
            n = int(np.ceil(min(self._load(e.end, k), MAX_DOTS)))
            at = (np.arange(n) + phase) / max(n, 1)
            xy = start + np.outer(at, stop - start)
            dots.set_data(xy[:, 0], xy[:, 1])

    def _node(self, node) -> None:
        ax, live = self.ax, self.live
        x, y = self.xy[node.name]
        edge = SERVICE_COLORS.get(node.name, INK if node.kind != "event" else SECONDARY)
        dashed = node.kind == "event"
        ax.add_patch(
            FancyBboxPatch(
                (x - BOX_W / 2, y - BOX_H / 2),
                BOX_W,
                BOX_H,
                boxstyle="round,pad=0.02",
                facecolor=to_rgba(edge, 0.15),
                edgecolor=edge,
                linewidth=1.8,
                linestyle=STYLE_LOOKS["async"]["linestyle"] if dashed else "-",
                zorder=2,
            )
        )
        size = 8.5 if len(node.label) < 10 else 7.5
        ax.text(
            x,
            y + BOX_H / 2 - 0.1,
            node.label,
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold",
            color=INK,
            zorder=6,
        )
        self.down[node.name] = live(
            ax.add_patch(
                Rectangle(
                    (x - BOX_W / 2, y - BOX_H / 2),
                    BOX_W,
                    BOX_H - 0.2,
                    facecolor=to_rgba(OUTAGE, 0.85),
                    hatch="xx",
                    edgecolor="white",
                    linewidth=0,
                    zorder=5,
                )
            )
        )
        self.texts[node.name] = live(
            ax.text(
                x,
                y - 0.03,
                "",
                ha="center",
                va="center",
                fontsize=7.5,
                color=INK,
                linespacing=1.0,
                zorder=4,
            )
        )
        if node.kind == "service" and node.workers:
            ax.add_patch(
                Rectangle(
                    (x - BOX_W / 2 + 0.06, y - BOX_H / 2 + 0.05),
                    BOX_W - 0.12,
                    0.07,
                    facecolor="white",
                    edgecolor=FADED_EDGE,
                    linewidth=0.6,
                    zorder=3,
                )
            )
            self.bars[node.name] = live(
                ax.add_patch(
                    Rectangle(
                        (x - BOX_W / 2 + 0.06, y - BOX_H / 2 + 0.05),
                        0,
                        0.07,
                        facecolor=STYLE_COLORS[self.flow.style],
                        linewidth=0,
                        zorder=4,
                    )
                )
            )
        self.fail_text[node.name] = live(
            ax.text(
                x,
                y - BOX_H / 2 - 0.05,
                "",
                ha="center",
                va="top",
                fontsize=7.5,
                color=WARNING,
                fontweight="bold",
                zorder=4,
            )
        )
        self.rings[node.name] = live(
            ax.plot(
                [x - BOX_W / 2 + 0.02],
                [y + BOX_H / 2 - 0.02],
                linestyle="none",
                marker="o",
                markersize=11,
                zorder=6,
            )[0]
        )
        if node.name in self.flow.queued:
            self._glass(node.name, x - BOX_W / 2 - 0.1 - GLASS_W / 2, y)

    def _glass(self, name: str, x: float, y: float) -> None:
        ax, live = self.ax, self.live
        left, low = x - GLASS_W / 2, y - GLASS_H / 2
        ax.add_patch(
            Rectangle(
                (left, low),
                GLASS_W,
                GLASS_H,
                facecolor="white",
                edgecolor=STYLE_COLORS["async"],
                linewidth=1.2,
                zorder=3,
            )
        )
        self.glass[name] = live(
            ax.add_patch(
                Rectangle(
                    (left, low),
                    GLASS_W,
                    0,
                    facecolor=to_rgba(STYLE_COLORS["async"], 0.55),
                    linewidth=0,
                    zorder=4,
                )
            )
        )
        self.glass_text[name] = live(
            ax.text(
                x,
                low - 0.04,
                "",
                ha="center",
                va="top",
                fontsize=7.5,
                color=STYLE_COLORS["async"],
                fontweight="bold",
                bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none"),
                zorder=4,
            )
        )
        self.dead_text[name] = live(
            ax.text(x, low - 0.2, "", ha="center", va="top", fontsize=7, color=WARNING, zorder=4)
        )

    def _strip(self) -> None:
        ax, live = self.ax, self.live
        y, left, width = self.bottom - 0.2, -0.45, 5.75
        self.strip = (left, width)
        ax.add_patch(
            Rectangle(
                (left, y),
                width,
                STRIP_H,
                facecolor="white",
                edgecolor=FADED_EDGE,
                linewidth=0.8,
                zorder=1,
            )
        )
        ax.text(
            left,
            y + STRIP_H + 0.05,
            f"users' view (of {self.n:,} {self.flow.unit})",
            fontsize=7.5,
            color=SECONDARY,
            va="bottom",
        )
        self.segments = {
            v: live(
                ax.add_patch(
                    Rectangle(
                        (left, y),
                        0,
                        STRIP_H,
                        facecolor=c,
                        linewidth=0,
                        hatch="///" if v == "error" else None,
                        zorder=2,
                    )
                )
            )
            for v, c in USER_COLORS.items()
        }
        self.strip_text = live(ax.text(left, y - 0.05, "", fontsize=7.5, color=INK, va="top"))

    # -- one moment ------------------------------------------------------------------
    def draw(self, k: int, t_ms: float, follow: int | None = None) -> None:
        """Show moment ``k`` (at ``t_ms``); ring the boxes of request ``follow`` (None: none)."""
        f = self.flow
        for node in f.nodes:
            name = node.name
            lines = []
            if name in f.busy:
                busy = int(f.busy[name][k])
                lines.append(f"busy {busy}/{node.workers}")
                bar = self.bars.get(name)
                if bar is not None:
                    bar.set_width((BOX_W - 0.12) * min(busy / max(node.workers, 1), 1.0))
                waiting = int(f.waiting.get(name, np.zeros(k + 1))[k])
                if waiting:
                    lines.append(f"{waiting:,} wait")
            if name == "user":
                lines.append(f"{int(f.users['waiting'][k]):,} waiting")
            lines += [f"{v[k]:,.0f} {w.split(' (')[0]}" for n, w, v in f.notes if n == name]
            down = any(what == f"{node.label} down" and s <= t_ms < e for what, s, e in f.windows)
            self.down[name].set_visible(down)
            if down:
                lines = ["DOWN"]
            self.texts[name].set_text("\n".join(lines[:2]))
            failed = int(f.failed[name][k]) if name in f.failed else 0
            self.fail_text[name].set_text(f"✗ {failed:,} failed" if failed else "")
            if name in self.glass:
                q = float(f.queued[name][k])
                self.glass[name].set_height(GLASS_H * min(q / self.peak, 1.0))
                self.glass_text[name].set_text(f"{q:,.0f} queued")
                dead = int(f.dead[name][k]) if name in f.dead else 0
                self.dead_text[name].set_text(f"{dead:,} dead" if dead else "")
        self._draw_strip(k)
        self._draw_dots(k)
        self._draw_follow(follow, t_ms)

    def _draw_strip(self, k: int) -> None:
        left, width = self.strip
        x = left
        words = []
        for v, seg in self.segments.items():
            count = float(self.flow.users[v][k])
            seg.set_x(x)
            seg.set_width(width * count / self.n)
            x += width * count / self.n
            words.append(f"{count:,.0f} {v if v != 'error' else 'errors'}")
        self.strip_text.set_text(" · ".join(words))

    def _draw_follow(self, follow: int | None, t_ms: float) -> None:
        state = {} if follow is None else self.flow.follow(follow, t_ms)
        looks = {
            "waiting": ("o", "none", INK),
            "to do": ("o", "none", INK),
            "answered": ("o", USER_COLORS["answered"], INK),
            "done": ("o", USER_COLORS["answered"], INK),
            "error": ("X", WARNING, INK),
            "dead": ("X", WARNING, INK),
        }
        for name, ring in self.rings.items():
            look = looks.get(state.get(name, ""))
            ring.set_visible(look is not None)
            if look is not None:
                marker, face, edge = look
                ring.set_marker(marker)
                ring.set_markerfacecolor(face)
                ring.set_markeredgecolor(edge)
                ring.set_markeredgewidth(1.8)
