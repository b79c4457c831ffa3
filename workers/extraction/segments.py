"""Which sentences of an article tell which incident: the main one, others, and background.

Most articles tell one incident; some tell several. A round-up ("three men were shot in separate
shootings Sunday night") sums them up in its lead, then tells each in turn ("A 33-year-old man
walked into a hospital ..."); a report mentions another in its own sentence ("In a separate
attack, ..."); and background sentences give other times and totals ("the city's 24th homicide
this year", "since 2007"). The figures of a sentence count only for the incident it tells: a
round-up's total is no incident's figure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from workers.extraction import lexicon, victims
from workers.extraction.text import Names, Sentence

ELSEWHERE = lexicon.topic("elsewhere")
_OPENS = re.compile(rf"^\W{{0,3}}(?:{lexicon.alternation(list(lexicon.topic_words('new_incident', 'starts')))})",
                    re.IGNORECASE)
_ROUNDUP = lexicon.topic("roundup")
_LEAD = 2  # text sentences where a round-up states its total

Key = tuple[str, int]


def key(sentence: Sentence) -> Key:
    return (sentence.source, sentence.index)


@dataclass
class Segmentation:
    main: list[Sentence]                                     # the title and the main incident's sentences
    others: list[list[Sentence]] = field(default_factory=list)
    background: set[Key] = field(default_factory=set)       # other times, totals: no incident's facts
    totals: set[Key] = field(default_factory=set)           # a round-up's summing-up sentences
    roundup: bool = False

    def owner(self) -> dict[Key, int]:
        """Sentence -> incident number (0 the main one, 1.. the others)."""
        out = {key(s): 0 for s in self.main}
        for n, sentences in enumerate(self.others, start=1):
            out.update({key(s): n for s in sentences})
        return out


def is_background(sentence: Sentence) -> bool:
    """A sentence about another time or a total (not the headline or the opening sentence)."""
    if sentence.source == "title" or sentence.index == 0:
        return False
    return bool(ELSEWHERE.search(sentence.text))


def _introduces_victim(sentence: Sentence, names: Sequence[tuple[int, int]]) -> bool:
    found, states = victims.read_sentence(sentence, tuple(names))
    return any(m.kind in ("one", "another", "group", "name") and state for m, state in zip(found, states, strict=True))


def _told_one_by_one(lead: Sequence[Sentence], body: Sequence[Sentence], names: Names) -> set[Key]:
    """"Two men were shot Sunday ... A man was shot on Myrtle Avenue ... Hours earlier, a man was
    shot on Kevin Road": a lead that counts a group, then each member introduced anew in a
    sentence of their own, is a round-up even without the word. Returns the lead sentences that
    count the group (the round-up's total), or nothing when the article is no such round-up."""
    groups: set[Key] = set()
    singles = 0
    for sentence in {*lead, *body}:
        found, states = victims.read_sentence(sentence, tuple(names.get(key(sentence), [])))
        kinds = {m.kind for m, state in zip(found, states, strict=True) if state}
        if "group" in kinds:
            groups.add(key(sentence))
        elif sentence.source != "title" and kinds & {"one", "another"}:
            singles += 1
    totals = {k for k in groups if k in {key(s) for s in lead}}
    return totals if totals and singles >= 2 else set()


def split(sentences: Sequence[Sentence], names: Names | None = None) -> Segmentation:
    """Assign each sentence to the main incident, another one, or the background."""
    names = names or {}
    titles = [s for s in sentences if s.source == "title"]
    body = [s for s in sentences if s.source != "title"]
    lead = titles + [s for s in body if s.index < _LEAD]
    group_totals = _told_one_by_one(lead, body, names)
    roundup = any(_ROUNDUP.search(s.text) for s in lead) or bool(group_totals)
    result = Segmentation(main=list(titles), roundup=roundup)
    segments: list[list[Sentence]] = [result.main]
    current = result.main
    victims_in_current = 0
    summed_up = False
    for sentence in body:
        if is_background(sentence) and not _OPENS.search(sentence.text):
            result.background.add(key(sentence))
            continue
        if roundup and not summed_up and (_ROUNDUP.search(sentence.text) or key(sentence) in group_totals):
            # The round-up's lead sums the incidents up: its figures are a total.
            result.totals.add(key(sentence))
            current.append(sentence)
            summed_up = True
            continue
        introduces = _introduces_victim(sentence, names.get(key(sentence), []))
        if not roundup and sentence.index >= _LEAD and _ROUNDUP.search(sentence.text):
            # "Two other boys were shot Sunday in separate shootings": the rest tells other incidents.
            roundup = summed_up = result.roundup = True
            current = []
            segments.append(current)
            victims_in_current = 0
        opens = bool(_OPENS.search(sentence.text)) or (roundup and summed_up and introduces and victims_in_current > 0)
        if opens and any(s.source == "text" and key(s) not in result.totals for s in current):
            current = []
            segments.append(current)
            victims_in_current = 0
        current.append(sentence)
        victims_in_current += introduces
    if roundup and summed_up and len(segments) > 1 and all(key(s) in result.totals or s.source == "title"
                                                           for s in segments[0]):
        # Only the title and the total before the first account: the first account is the main one.
        first = segments.pop(1)
        result.main.extend(first)
    result.others = [s for s in segments[1:] if s]
    return result
