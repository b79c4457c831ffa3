"""Sentences as the rules see them: text, where it starts in its source, and which source.

spaCy's sentences are turned into these in `pipeline`; `split_sentences` is a plain splitter for
the places that need sentences without a model (the prefilter, tests of pure rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Spans (source offsets) of the people spaCy names, by sentence: (source, index) -> [(start, end)].
Names = dict[tuple[str, int], list[tuple[int, int]]]


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int          # character offset of the sentence within its source
    source: str         # "title" or "text"
    index: int = 0      # position among the source's sentences (0: the lead)

    @property
    def end(self) -> int:
        return self.start + len(self.text)


_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])|\n\s*\n")


def split_sentences(text: str, source: str = "text") -> list[Sentence]:
    """A plain splitter on sentence punctuation followed by a capital, and on blank lines."""
    sentences: list[Sentence] = []
    position = 0
    for found in [*_BOUNDARY.finditer(text), None]:
        end = found.start() if found else len(text)
        chunk = text[position:end]
        stripped = chunk.strip()
        if stripped:
            offset = position + chunk.index(stripped)
            sentences.append(Sentence(stripped, offset, source, len(sentences)))
        if found:
            position = found.end()
    return sentences
