"""What a check, a hint, a solution and ``progress()`` show: plain text, or a coloured box.

Feedback is written in a small, safe subset of Markdown — paragraphs,
``- `` bullets, 4-space code blocks, ```code```, ``**bold**`` and ``*italic*``
— which :func:`to_html` turns into escaped HTML for Jupyter and
:func:`plain` into text for anywhere else. Each of :class:`Outcome`,
:class:`Hint`, :class:`SolutionView` and :class:`Progress` shows itself both
ways (``str(x)`` and ``x._repr_html_()``), in the kit's colours
(:mod:`servicelab.ui.style`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from servicelab.ui.style import MUTED, NEUTRAL, OKABE_ITO, SECONDARY

from .core import CORRECT, INCORRECT, NOT_ATTEMPTED

__all__ = [
    "to_html",
    "inline",
    "plain",
    "box",
    "LABELS",
    "Outcome",
    "Hint",
    "SolutionView",
    "Progress",
    "display",
]

# -- text → HTML (a small, safe subset of Markdown) ------------------------------------------

_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*([^*\s][^*\n]*?)\*(?![\w*])")


def _emphasis(text: str) -> str:
    text = _BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", text)
    return _ITALIC.sub(lambda m: f"<em>{m.group(1)}</em>", text)


def inline(text: str) -> str:
    """Escape ``text``; then `code`, **bold** and *italic* (never inside code)."""
    out = []
    for i, part in enumerate(_CODE.split(text)):
        escaped = html.escape(part, quote=False)
        out.append(f"<code>{escaped}</code>" if i % 2 else _emphasis(escaped))
    return "".join(out)


def to_html(text: str) -> str:
    """Paragraphs, ``- `` bullets, 4-space code blocks, ```code``` and ``**bold**`` as HTML."""
    parts = []
    if not text.strip():
        return ""
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("    "):
                j = i
                while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                    j += 1
                code = "\n".join(x[4:] for x in lines[i:j])
                parts.append(
                    '<pre style="margin:0.3em 0 0.3em 1em;white-space:pre-wrap">'
                    f"{html.escape(code, quote=False)}</pre>"
                )
            elif line.startswith("- "):
                j = i
                while j < len(lines) and lines[j].startswith("- "):
                    j += 1
                items = "".join(f"<li>{inline(x[2:])}</li>" for x in lines[i:j])
                parts.append(f'<ul style="margin:0.2em 0">{items}</ul>')
            else:
                j = i
                while j < len(lines) and not lines[j].startswith(("    ", "- ")):
                    j += 1
                body = "<br>".join(inline(x) for x in lines[i:j])
                parts.append(f'<p style="margin:0.3em 0">{body}</p>')
            i = j
    return "\n".join(parts)


def plain(text: str) -> str:
    """``text`` without its ``**`` and ``*`` marks (outside `code`), for a terminal."""
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):  # outside `code`
        parts[i] = _ITALIC.sub(lambda m: m.group(1), _BOLD.sub(lambda m: m.group(1), parts[i]))
    return "`".join(parts)


# -- boxes -----------------------------------------------------------------------------------

#: the colour of each kind of box: a verdict, a hint, a solution, the progress table
_COLORS = {
    CORRECT: OKABE_ITO["bluish green"],
    INCORRECT: OKABE_ITO["vermillion"],
    NOT_ATTEMPTED: MUTED,
    "hint": OKABE_ITO["blue"],
    "solution": OKABE_ITO["reddish purple"],
    "progress": SECONDARY,
    "rubric": OKABE_ITO["blue"],
}
#: how each verdict reads
LABELS = {CORRECT: "✓ Correct", INCORRECT: "✗ Incorrect", NOT_ATTEMPTED: "… Not attempted"}


def box(kind: str, title: str, tag: str, body_html: str) -> str:
    """A box in the colour of ``kind``: a status, ``"hint"``, ``"solution"``, ``"progress"``
    or ``"rubric"``."""
    color = _COLORS[kind]
    return (
        f'<div style="border-left:5px solid {color};padding:0.4em 0.9em;margin:0.4em 0;'
        f'background:{color}14">'
        f'<div style="font-weight:bold;color:{color}">{html.escape(title)}'
        f'<span style="font-weight:normal;opacity:0.7"> · {html.escape(tag)}</span></div>'
        f"{body_html}</div>"
    )


# -- what a check, a hint, a solution and progress() show ------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The result of one check: ``status`` (one of the three verdicts) and a ``message``.

    ``internal_error`` is True only if the checker itself failed (a bug in
    the kit, never the learner's fault); the tests make sure it never is.
    ``label`` replaces the verdict's usual heading (:data:`LABELS`), e.g.
    "✓ Credited" for a prediction, which is credited, not judged right.
    """

    question: str
    status: str
    message: str
    internal_error: bool = False
    label: str = ""

    @property
    def heading(self) -> str:
        """What the box says first: the ``label``, or the verdict's."""
        return self.label or LABELS[self.status]

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return f"{self.heading} ({self.question})\n{plain(self.message)}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return box(self.status, self.heading, self.question, to_html(self.message))


@dataclass(frozen=True)
class Hint:
    """Hint number ``level`` of ``total`` for a question."""

    question: str
    level: int
    total: int
    text: str

    @property
    def footer(self) -> str:
        if self.level < self.total:
            return f"Run `{self.question}.hint()` again for hint {self.level + 1}."
        return f"That was the last hint: `{self.question}.solution()` shows the answer."

    def __str__(self) -> str:
        return f"Hint {self.level} of {self.total} ({self.question})\n{plain(self.text)}\n" + (
            plain(self.footer)
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = (
            to_html(self.text) + f'<p style="margin:0.3em 0;opacity:0.75">{inline(self.footer)}</p>'
        )
        return box("hint", f"Hint {self.level} of {self.total}", self.question, body)


@dataclass(frozen=True)
class SolutionView:
    """A question's solution: the code from the solutions notebook, and why it is right."""

    question: str
    code: str
    explanation: str

    def __str__(self) -> str:
        code = "\n".join("    " + line for line in self.code.splitlines())
        return f"Solution ({self.question})\n{code}\n\n{plain(self.explanation)}".rstrip()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = ""
        if self.code:
            body += (
                f'<pre style="margin:0.4em 0;padding:0.4em 0.6em;background:{NEUTRAL}11">'
                f"{html.escape(self.code, quote=False)}</pre>"
            )
        body += to_html(self.explanation)
        return box("solution", "Solution", self.question, body)


@dataclass(frozen=True)
class Progress:
    """Where a learner stands on a set of questions: ``(name, title, status, heading)`` rows.

    ``heading`` is how the check's box read (a credited prediction says so);
    a row of three takes its status's.
    """

    rows: tuple

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row[2] == status)

    def _shown(self):
        for row in self.rows:
            name, title, status = row[:3]
            yield name, title, status, (row[3] if len(row) > 3 else "") or LABELS[status]

    @property
    def headline(self) -> str:
        done, total = self.count(CORRECT), len(self.rows)
        if done == total:
            return f"All {total} questions done (correct, or credited). Well done!"
        return f"{done} of {total} questions done so far (correct, or credited)."

    def __str__(self) -> str:
        lines = [self.headline]
        lines += [f"  {name}  {shown:<16}  {title}" for name, title, _, shown in self._shown()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr><td style="padding-right:1em"><code>{html.escape(name)}</code></td>'
            f'<td style="padding-right:1em;color:{_COLORS[s]};font-weight:bold">'
            f"{html.escape(shown)}</td><td>{html.escape(title)}</td></tr>"
            for name, title, s, shown in self._shown()
        )
        body = f'<p style="margin:0.3em 0">{html.escape(self.headline)}</p><table>{rows}</table>'
        return box("progress", "Your progress", "this notebook", body)


def display(obj) -> None:
    """Show ``obj`` in a kernel (as display data), or print it."""
    try:
        from IPython import get_ipython
        from IPython.display import display as show_in_kernel
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        print(obj)
        return
    if get_ipython() is None:
        print(obj)
    else:
        show_in_kernel(obj)
