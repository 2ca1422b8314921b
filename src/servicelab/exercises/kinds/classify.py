"""A dict from items to labels (interactions to *sync*, *queue*, *callback*), item by item."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping

from ..core import CORRECT, INCORRECT, NOT_ATTEMPTED, is_placeholder, solutions_hidden
from ..feedback import show
from ..question import Question, lazy, paragraphs, resolve
from ..timeouts import TimeLimitExceeded

__all__ = ["ClassifyQuestion"]


def _key(text: str) -> str:
    """``text`` folded for comparison, read as a plain ``str`` (never a subclass's methods)."""
    plain = str.__str__(text) if isinstance(text, str) else str(text)
    return " ".join(str.split(plain)).casefold()


class ClassifyQuestion(Question):
    """A dict from items to labels, judged item by item.

    ``expected()`` (private) maps each item to ``(label, why)``; ``synonyms`` maps what
    a learner may write (any case) to a label; ``half`` maps words that are
    only half an answer (``"async"``) to what to say. A wrong label reads
    "you said *queue*, {verdict} **callback**. {why}"; ``verdict`` names where
    the right label comes from ("the flowchart says"), and ``advice`` closes
    the message when any label is wrong (how to think the items through).
    """

    kind = "classify"

    def __init__(
        self,
        name: str,
        *,
        variable: str,
        expected: Callable[[], Mapping[str, tuple[str, str]]],
        synonyms: Mapping[str, str],
        half: Mapping[str, str] | None = None,
        verdict: str = "the right label is",
        advice: str = "Look at those again, then check once more.",
        when_correct: str | Callable[[], str] = "",
        **common,
    ):
        super().__init__(name, variables=(variable,), **common)
        self.variable = variable
        self._expected = lazy(lambda: dict(expected()))
        self.synonyms = {_key(k): v for k, v in synonyms.items()}
        self.half = {_key(k): v for k, v in (half or {}).items()}
        self.verdict, self.advice = verdict, advice
        self.when_correct = when_correct

    @property
    def labels(self) -> str:
        return ", ".join(f"'{x}'" for x in dict.fromkeys(self.synonyms.values()))

    def prepare(self):
        self._expected()

    def _assess(self, values):
        given = values[self.variable]
        expected = self._expected()
        example = f"`{{{next(iter(expected))!r}: {next(iter(self.synonyms.values()))!r}, …}}`"
        if not isinstance(given, Mapping):
            return self.outcome(
                INCORRECT,
                f"`{self.variable}` is {show(given)}, but it should be a dict with one entry "
                f"per item, like {example}. Undo your change to its shape (the blanks were "
                "in the values).",
            )
        try:
            entries = [(k, v) for k, v in given.items()]
        except (KeyboardInterrupt, TimeLimitExceeded):
            raise
        except BaseException as error:  # a mapping of the learner's whose items() raise
            return self.outcome(
                INCORRECT,
                f"I could not go through the entries of `{self.variable}` (that raised "
                f"{type(error).__name__}). Make it a plain dict, like {example}.",
            )
        by_key = {_key(k): k for k in expected}
        answers: dict[str, object] = {}
        for k, v in entries:
            if not isinstance(k, str) or _key(k) not in by_key:
                text = _key(k) if isinstance(k, str) else ""
                close = difflib.get_close_matches(text, list(by_key), n=1) if text else []
                tip = f" Did you mean {by_key[close[0]]!r}?" if close else ""
                return self.outcome(
                    INCORRECT, f"I don't know the item {show(k)}.{tip} Keep the names as given."
                )
            answers[by_key[_key(k)]] = v
        left_out = [k for k in expected if k not in answers]
        if left_out:
            return self.outcome(
                INCORRECT,
                f"You left out {', '.join(repr(k) for k in left_out)}: keep every item "
                "and give each a label.",
            )
        blank = [k for k in expected if is_placeholder(answers[k])]
        if blank:
            return self.outcome(
                NOT_ATTEMPTED,
                f"You have labelled {len(expected) - len(blank)} of {len(expected)} so far; "
                f"still `____`: {', '.join(repr(k) for k in blank)}.",
            )
        right, wrong = [], []
        for item, (label, why) in expected.items():
            said = answers[item]
            word = _key(said) if isinstance(said, str) else None
            if word in self.half:
                wrong.append(f"**{item}**: you said {show(said)}, {self.half[word]}.")
            elif word not in self.synonyms:
                wrong.append(
                    f"**{item}**: {show(said)} is not a label I know; use one of {self.labels}."
                )
            elif self.synonyms[word] == label:
                right.append(item)
            elif solutions_hidden():  # which ones are wrong, not what is right
                wrong.append(f"**{item}**: you said {self.synonyms[word]}; not this one.")
            else:
                wrong.append(
                    f"**{item}**: you said {self.synonyms[word]}, {self.verdict} **{label}**. {why}"
                )
        n = len(expected)
        if not wrong:
            return self.outcome(CORRECT, paragraphs(f"All {n} right.", resolve(self.when_correct)))
        lines = "\n".join(f"- {w}" for w in wrong)
        return self.outcome(
            INCORRECT, f"{len(right)} of {n} right. Not yet:\n{lines}\n\n{self.advice}"
        )
